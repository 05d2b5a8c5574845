// tests/demo/demo_test.cpp: the demo end to end (recall, precision, exact offsets, determinism)
// and the generator's own guarantees (disjoint filler, word-preserving variants).
#include "demo/demo.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "demo/detail/corpus.hpp"
#include "fingerprint/fingerprint.hpp"
#include "tests/testlib.hpp"

namespace {

__extension__ typedef unsigned __int128 U128;  // the reference for Rng's portable multiply

using prov::demo::DemoOptions;
using prov::demo::run_demo;
namespace detail = prov::demo::detail;

std::vector<std::uint64_t> hashes(std::string_view text) {
  std::vector<std::uint64_t> out;
  for (const auto& t : prov::fingerprint::tokenize(text)) out.push_back(t.hash);
  return out;
}

// The files whose bytes must not depend on thread count or on the run.
std::map<std::string, std::string> outputs(const std::filesystem::path& out) {
  std::map<std::string, std::string> files;
  for (const char* f :
       {"run/matches.jsonl", "run/summary.json", "run/errors.jsonl", "truth.jsonl", "demo.json"}) {
    files[f] = prov::test::read_bytes(out / f);
  }
  return files;
}

}  // namespace

TEST_CASE("demo: the scan finds every planted passage at its exact offsets", "[demo]") {
  prov::test::TempDir dir("demo");
  DemoOptions options;
  options.out = dir / "out";
  options.threads = 2;
  auto r = run_demo(options);
  INFO((r ? std::string() : r.error().describe()));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  REQUIRE(r->outcomes.size() >= 20);

  std::map<std::string, int> variants;
  for (const auto& o : r->outcomes) ++variants[o.planted.variant];
  CHECK(variants["verbatim"] > 0);
  CHECK(variants["case_punct"] > 0);
  CHECK(variants["rewrapped"] > 0);

  INFO(prov::demo::format_table(*r));
  CHECK(r->recall == 1.0);
  CHECK(r->precision == 1.0);
  for (const auto& o : r->outcomes) {
    INFO(o.planted.shard << " doc " << o.planted.doc_id << " " << o.planted.variant);
    CHECK(o.exact);
  }
  CHECK(std::filesystem::exists(r->run_dir / "matches.jsonl"));
  CHECK(std::filesystem::exists(r->truth_file));
}

TEST_CASE("demo: output bytes depend only on the seed, not on threads or the run", "[demo]") {
  prov::test::TempDir dir("demo-det");
  const auto out = dir / "out";
  // A file of the user's: the demo must leave it alone.
  prov::test::write_bytes(out / "notes.txt", "mine\n");

  DemoOptions options;
  options.out = out;
  options.threads = 2;
  auto first = run_demo(options);
  REQUIRE(first.ok());
  const auto a = outputs(out);
  CHECK(!a.at("run/matches.jsonl").empty());

  auto second = run_demo(options);  // over the first run's output
  REQUIRE(second.ok());
  CHECK(outputs(out) == a);

  options.threads = 1;
  auto third = run_demo(options);
  REQUIRE(third.ok());
  CHECK(outputs(out) == a);
  CHECK(prov::test::read_bytes(out / "notes.txt") == "mine\n");

  options.seed += 1;  // and the seed does matter
  auto other = run_demo(options);
  REQUIRE(other.ok());
  CHECK(outputs(out).at("truth.jsonl") != a.at("truth.jsonl"));
}

TEST_CASE("demo: filler shares no word with the works", "[demo]") {
  const auto works = detail::work_vocabulary(7);
  const auto filler = detail::filler_vocabulary(7);
  std::set<std::string> work_words;
  for (const auto* list : {&works.content, &works.function})
    for (const auto& w : *list) work_words.insert(prov::fingerprint::normalize_word(w));
  for (const auto* list : {&filler.content, &filler.function}) {
    for (const auto& w : *list) {
      INFO(w);
      CHECK(detail::is_filler_word(w));
      CHECK(work_words.count(prov::fingerprint::normalize_word(w)) == 0);
    }
  }
  for (const auto& w : work_words) CHECK_FALSE(detail::is_filler_word(w));
}

TEST_CASE("demo: passage variants keep the words and their boundaries", "[demo]") {
  const std::string passage =
      "Said Brand\xE2\x80\x94plainly, \xE2\x80\x9CWe don\xE2\x80\x99t go: never.\xE2\x80\x9D "
      "The end.Then (a & b); Mr. Hale's dog\xE2\x80\x94\xE2\x80\x9Cnow\xE2\x80\x9D!\nNext line";
  // Many draws, so every drop/replace/keep choice meets every punctuation mark.
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    detail::Rng rng(seed);
    const std::string v = detail::lower_and_repunctuate(passage, rng);
    INFO(v);
    CHECK(hashes(v) == hashes(passage));
    for (const char c : v) CHECK_FALSE((c >= 'A' && c <= 'Z'));
  }
  const std::string wrapped = detail::rewrap(passage, 20);
  CHECK(hashes(wrapped) == hashes(passage));
  CHECK(wrapped.find('\n') != std::string::npos);
}

TEST_CASE("demo: Rng maps draws the same way everywhere", "[demo]") {
  // mt19937_64's 10000th output is fixed by the standard; below() is our own mapping.
  detail::Rng rng(5489);
  std::uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = rng.next();
  CHECK(x == 9981545732273789042ull);
  detail::Rng a(1), b(1);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t n = static_cast<std::uint64_t>(i) + 1;
    const std::uint64_t v = a.below(n);
    CHECK(v < n);
    // below(n) is the high half of draw * n.
    const std::uint64_t d = b.next();
    CHECK(v == static_cast<std::uint64_t>((static_cast<U128>(d) * n) >> 64));
  }
}
