// tests/gate/policy_test.cpp: the policy file: levels override only the keys they set; every
// error names the file and the line.
#include <catch2/catch.hpp>

#include "gate/gate.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {
const std::string kA(64, 'a');
const std::string kB(64, 'b');

gate::Policy parse_ok(const std::string& toml) {
  auto p = gate::parse_policy(toml, "p.toml");
  INFO((p ? std::string() : p.error().describe()));
  REQUIRE(p.ok());
  return std::move(p).value();
}

Error parse_err(const std::string& toml) {
  auto p = gate::parse_policy(toml, "p.toml");
  REQUIRE_FALSE(p.ok());
  return p.error();
}
}  // namespace

TEST_CASE("a class section overrides only the keys it sets", "[gate][policy]") {
  const auto p = parse_ok(
      "[defaults]\nmin_words = 30\nmax_matched_words_per_document = 5\nmax_coverage_per_work = 0.1\n"
      "max_documents_per_work = 2\n"
      "[classes.licensed]\nmax_coverage_per_work = 1.0\n"
      "[works.\"" + kA + "\"]\nmax_documents_per_work = 9\nclass = \"licensed\"\n"
      "[works.\"" + kB + "\"]\nmin_words = 12\n");
  const auto none = p.thresholds_for(std::string(64, 'c'), "");
  CHECK(none.min_words == 30);
  CHECK(none.max_matched_words_per_document == 5);
  CHECK(none.max_coverage_per_work == Approx(0.1));
  CHECK(none.max_documents_per_work == 2);
  const auto lic = p.thresholds_for(std::string(64, 'c'), "licensed");
  CHECK(lic.max_coverage_per_work == Approx(1.0));  // set by the class
  CHECK(lic.min_words == 30);                       // the rest from [defaults]
  CHECK(lic.max_matched_words_per_document == 5);
  CHECK(lic.max_documents_per_work == 2);
  // A work's own section sits over its class; its class key beats the index's class.
  const auto a = p.thresholds_for(kA, "");
  CHECK(p.class_of(kA, "opted_out") == "licensed");
  CHECK(a.max_coverage_per_work == Approx(1.0));
  CHECK(a.max_documents_per_work == 9);
  CHECK(a.max_matched_words_per_document == 5);
  CHECK(p.class_of(kB, "opted_out") == "opted_out");
  CHECK(p.smallest_min_words() == 12);
  // An unknown class falls back to the defaults.
  CHECK(p.thresholds_for(kB, "nonexistent").max_coverage_per_work == Approx(0.1));
}

TEST_CASE("built-in defaults and the allowlist", "[gate][policy]") {
  const auto p = parse_ok("[allow]\nworks = [\"" + kB + "\", \"" + kA + "\", \"" + kA + "\"]\n");
  CHECK(p.defaults.min_words == 25);
  CHECK(p.defaults.max_matched_words_per_document == 0);
  CHECK(p.defaults.max_coverage_per_work == 0.0);
  CHECK(p.allow == std::vector<std::string>{kA, kB});
  CHECK(p.allowed(kA));
  CHECK_FALSE(p.allowed(std::string(64, 'c')));
  CHECK(p.sha256.size() == 64);
}

TEST_CASE("policy errors name the file and the line", "[gate][policy]") {
  struct Case {
    std::string toml;
    std::uint64_t line;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"[defaults]\nmin_words = 25\nmax_coverage = 0.5\n", 3, "unknown key 'max_coverage'"},
      {"[defaults]\nmax_documents_per_work = -1\n", 2, "between 0"},
      {"[defaults]\nmin_words = \"many\"\n", 2, "must be an integer"},
      {"[defaults]\nmin_words = 2\n", 2, "between 5"},
      {"\n[classes.licensed]\nmax_coverage_per_work = 1.5\n", 3, "between 0 and 1"},
      {"[classes.x]\nmax_coverage_per_work = \"all\"\n", 2, "must be a number"},
      {"[default]\nmin_words = 25\n", 1, "unknown section [default]"},
      {"[allow]\nworks = [\"abc\"]\n", 2, "64 lowercase hex"},
      {"[allow]\nids = []\n", 2, "unknown key 'ids'"},
      {"[works.\"nothex\"]\nmin_words = 30\n", 1, "64 lowercase hex"},
      {"[works.\"" + kA + "\"]\nclas = \"licensed\"\n", 2, "unknown key 'clas'"},
      {"[defaults]\nmin_words = 25\nmin_words = 30\n", 3, "invalid TOML"},
      {"[defaults\n", 1, "invalid TOML"},
  };
  for (const auto& c : cases) {
    INFO(c.toml);
    const Error e = parse_err(c.toml);
    CHECK(e.code == Errc::kFormat);
    CHECK(e.path == "p.toml");
    REQUIRE(e.line.has_value());
    CHECK(*e.line == c.line);
    CHECK(e.describe().find("p.toml:" + std::to_string(c.line) + ": ") == 0);
    CHECK(e.message.find(c.says) != std::string::npos);
  }
}

TEST_CASE("the example policy in the repository parses", "[gate][policy]") {
  auto p = gate::load_policy((test::source_dir() / "examples" / "policy.toml").string());
  INFO((p ? std::string() : p.error().describe()));
  REQUIRE(p.ok());
  CHECK(p->classes.count("licensed") == 1);
  CHECK(p->smallest_min_words() == 12);
  CHECK(p->thresholds_for(std::string(64, 'c'), "licensed").max_coverage_per_work == Approx(1.0));
}

TEST_CASE("a missing policy file is an I/O error naming it", "[gate][policy]") {
  auto p = gate::load_policy("/nonexistent/policy.toml");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code == Errc::kIo);
  CHECK(p.error().describe().find("/nonexistent/policy.toml") != std::string::npos);
}
