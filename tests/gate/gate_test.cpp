// tests/gate/gate_test.cpp: the gate on a real index of fixtures/ works and real shards:
// verdicts, a fresh gate equal to a gate on its run folder, JUnit (parsed by libxml2), SARIF
// 2.1.0 locations, diff between runs, and filter/redact on .jsonl, .jsonl.gz and .jsonl.zst.
#include <catch2/catch.hpp>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <simdjson.h>

#include <algorithm>
#include <set>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "gate/detail/json_text.hpp"
#include "gate/detail/shard_io.hpp"
#include "gate/gate.hpp"
#include "reports/reports.hpp"
#include "tests/testlib.hpp"

using namespace prov;
namespace fs = std::filesystem;

namespace {

// One index of the three fixture works, Chekhov tagged public_domain, shared by every test.
struct World {
  test::TempDir dir{"gate"};
  std::unique_ptr<index::Index> index;
  std::string alice_id, chekhov_id, pride_id;
  std::string alice, chekhov, pride, filler;

  World() {
    const auto root = test::source_dir() / "fixtures";
    {
      auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
      REQUIRE(w.ok());
      auto rep = index::ingest_paths(**w, {(root / "works").string()});
      REQUIRE(rep.ok());
      for (const auto& f : rep->files) {
        if (f.path.find("alice") != std::string::npos) alice_id = f.work_id;
        if (f.path.find("chekhov") != std::string::npos) chekhov_id = f.work_id;
        if (f.path.find("pride") != std::string::npos) pride_id = f.work_id;
      }
      index::WorkMeta m;
      m.work_class = "public_domain";
      REQUIRE((*w)->set_work_meta(chekhov_id, m).ok());
    }
    auto r = index::Index::open_read_only(dir / "idx");
    REQUIRE(r.ok());
    index = std::move(r).value();
    const auto norm = [](std::string s) {
      s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
      return s;
    };
    alice = norm(*read_file(root / "works" / "alice-excerpt.txt"));
    chekhov = norm(*read_file(root / "works" / "chekhov-excerpt.txt"));
    pride = norm(*read_file(root / "works" / "pride-excerpt.txt"));
    filler = *read_file(root / "filler" / "moby-excerpt.txt");
  }
  // About `bytes` bytes of a text from `from`, cut at spaces.
  static std::string cut(const std::string& s, std::size_t from, std::size_t bytes) {
    const std::size_t a = s.find(' ', from) + 1;
    const std::size_t b = s.rfind(' ', a + bytes);
    return s.substr(a, b - a);
  }
};

World& world() {
  static World w;
  return w;
}

std::string json_line(const std::string& id, const std::string& text, const std::string& extra = "") {
  std::string out = "{\"id\": ";
  append_json_string(out, id);
  out += ", \"meta\": {\"source\": \"web\", \"n\": [1, 2.50]}, \"text\": ";
  append_json_string(out, text);
  return out + extra + "}";
}

struct Shard {
  std::string jsonl;
  std::uint64_t alice_line = 0;
  std::uint64_t alice_start = 0, alice_end = 0;  // planted bytes in the document text
};

// Line 1 clean, 2 blank, 3 Alice (violates), 4 Chekhov (public domain: allowed by class),
// 5 a clean one with \u escapes and a trailing field; optionally 6 not JSON, 7 Pride.
Shard make_shard(bool bad_line, bool extra_pride) {
  World& w = world();
  Shard s;
  s.jsonl += json_line("clean-1", World::cut(w.filler, 100, 600)) + "\n";
  s.jsonl += "\n";
  const std::string before = World::cut(w.filler, 2000, 300) + " ";
  const std::string passage = World::cut(w.alice, w.alice.find("Either the well was very deep") - 1, 500);
  s.jsonl += json_line("alice-1", before + passage + " " + World::cut(w.filler, 5000, 300)) + "\n";
  s.alice_line = 3;
  s.alice_start = before.size();
  s.alice_end = before.size() + passage.size();
  s.jsonl += json_line("chekhov-1", World::cut(w.chekhov, 4000, 700)) + "\r\n";
  s.jsonl += R"({"id": "esc", "text": "caf\u00e9 \"quoted\" \ud83d\ude00 end", "z": true})" "\n";
  if (bad_line) s.jsonl += "{this is not json\n";
  if (extra_pride) s.jsonl += json_line("pride-1", World::cut(w.pride, 9000, 600)) + "\n";
  return s;
}

std::string write_shard(const fs::path& path, const std::string& jsonl) {
  const std::string p = path.string();
  if (p.size() > 3 && p.substr(p.size() - 3) == ".gz") {
    test::write_bytes(path, test::gzip_compress(jsonl));
  } else if (p.size() > 4 && p.substr(p.size() - 4) == ".zst") {
    test::write_bytes(path, test::zstd_compress(jsonl));
  } else {
    test::write_bytes(path, jsonl);
  }
  return p;
}

audit::ScanResult scan(const std::vector<std::string>& shards, std::uint32_t min_words = 25,
                       std::vector<std::string> allow = {}) {
  audit::ScanOptions opt;
  opt.shards = shards;
  opt.match.min_words = min_words;
  opt.threads = 2;
  opt.allowed_works = std::move(allow);
  auto r = audit::scan(*world().index, opt);
  REQUIRE(r.ok());
  return std::move(r).value();
}

gate::RunData run_of(const audit::ScanResult& r) {
  auto run = gate::run_from_scan(r);
  REQUIRE(gate::attach_classes(run, *world().index).ok());
  return run;
}

gate::Policy policy(const std::string& toml) {
  auto p = gate::parse_policy(toml, "policy.toml");
  REQUIRE(p.ok());
  return std::move(p).value();
}

const char* kPolicy =
    "[defaults]\nmin_words = 25\nmax_matched_words_per_document = 0\nmax_coverage_per_work = 0.0\n"
    "max_documents_per_work = 0\n"
    "[classes.public_domain]\nmax_matched_words_per_document = 1000000\nmax_coverage_per_work = 1.0\n"
    "max_documents_per_work = 1000000\n";

std::vector<std::string> lines_of(const std::string& path) {
  auto r = gate::detail::LineReader::open(path, 1u << 30);
  REQUIRE(r.ok());
  std::vector<std::string> out;
  std::string line;
  bool nl = false, over = false;
  for (;;) {
    auto got = (*r)->next(line, nl, over);
    REQUIRE(got.ok());
    if (!*got) break;
    out.push_back(line + (nl ? "\n" : ""));
  }
  return out;
}

}  // namespace

TEST_CASE("verdicts: a planted passage violates, a public-domain class passes", "[gate]") {
  World& w = world();
  test::TempDir t("gate-verdict");
  const auto shard = write_shard(t / "s.jsonl", make_shard(false, false).jsonl);
  const auto r = scan({shard});
  REQUIRE(r.errors.empty());
  const auto run = run_of(r);
  const auto p = policy(kPolicy);
  auto res = gate::evaluate(p, run);
  REQUIRE(res.ok());
  CHECK_FALSE(res->passed);
  const auto alice = std::find_if(res->works.begin(), res->works.end(), [&](const auto& v) { return v.work_id == w.alice_id; });
  const auto chekhov = std::find_if(res->works.begin(), res->works.end(), [&](const auto& v) { return v.work_id == w.chekhov_id; });
  REQUIRE(alice != res->works.end());
  REQUIRE(chekhov != res->works.end());
  CHECK_FALSE(alice->passed);
  CHECK(chekhov->passed);
  CHECK(chekhov->work_class == "public_domain");
  CHECK(chekhov->limits.max_coverage_per_work == Approx(1.0));
  // Every violation is Alice's; the per-document one points at line 3.
  REQUIRE(res->violations.size() == 3);
  for (const auto& v : res->violations) CHECK(v.work_id == w.alice_id);
  REQUIRE(res->violations[0].rule == gate::Rule::kMatchedWordsPerDocument);
  const auto& f = run.findings[*res->violations[0].document];
  CHECK(f.record == 3);
  CHECK(f.doc_id == "alice-1");

  // The same shard passes once Alice is allowed, or when the limits are loose enough.
  CHECK(gate::evaluate(policy(std::string(kPolicy) + "[allow]\nworks = [\"" + w.alice_id + "\"]\n"), run)->passed);
  auto loose = policy(std::string("[defaults]\nmax_matched_words_per_document = 500\n"
                                  "max_coverage_per_work = 0.5\nmax_documents_per_work = 1\n"));
  CHECK(gate::evaluate(loose, run)->passed);
  // A limit is violated only when exceeded: exactly the observed values pass.
  const std::string exact = "[defaults]\nmax_matched_words_per_document = " + std::to_string(alice->max_document_words) +
                            "\nmax_coverage_per_work = 1.0\nmax_documents_per_work = 1\n";
  CHECK(gate::evaluate(policy(exact), run)->passed);
  // A work's own min_words above the passage's words stops it counting.
  CHECK(gate::evaluate(policy(std::string(kPolicy) + "[works.\"" + w.alice_id + "\"]\nmin_words = 100000\n"), run)
            ->passed);
}

TEST_CASE("a gate on a fresh scan and on its run folder write the same gate.json", "[gate]") {
  test::TempDir t("gate-run");
  const auto shard = write_shard(t / "s.jsonl.zst", make_shard(false, true).jsonl);
  const auto r = scan({shard});
  const auto p = policy(kPolicy);
  const auto fresh = run_of(r);
  const auto res = gate::evaluate(p, fresh);
  REQUIRE(res.ok());
  REQUIRE(reports::write_scan(r, t / "run").ok());
  auto loaded = gate::load_run((t / "run").string());
  REQUIRE(loaded.ok());
  REQUIRE(gate::attach_classes(*loaded, *world().index).ok());
  const auto res2 = gate::evaluate(p, *loaded);
  REQUIRE(res2.ok());
  const std::string a = gate::gate_json(p, fresh, *res);
  CHECK(a == gate::gate_json(p, *loaded, *res2));
  CHECK(gate::sarif_json(p, fresh, *res) == gate::sarif_json(p, *loaded, *res2));
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  REQUIRE_FALSE(parser.parse(a).get(d));
  CHECK(std::string_view(d["schema"]) == "provaudit/gate/1");
  CHECK(std::string_view(d["verdict"]) == "fail");
  // Each finding carries the scan's finding_id.
  simdjson::dom::array findings = d["findings"];
  REQUIRE(findings.size() == fresh.findings.size());
  std::size_t i = 0;
  for (auto f : findings) CHECK(std::string_view(f["finding_id"]) == fresh.findings[i++].finding_id);

  // A run scanned with a larger min_words cannot answer a policy counting shorter passages.
  const auto coarse = run_of(scan({shard}, 40));
  auto refused = gate::evaluate(p, coarse);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Errc::kUsage);
  CHECK(refused.error().message.find("--min-words 25") != std::string::npos);
}

TEST_CASE("JUnit XML is well-formed and names work, document, shard, line and excerpt", "[gate]") {
  World& w = world();
  test::TempDir t("gate-junit");
  const auto shard = write_shard(t / "s.jsonl.gz", make_shard(false, false).jsonl);
  auto run = run_of(scan({shard}));
  const auto p = policy(kPolicy);
  const auto res = gate::evaluate(p, run);
  REQUIRE(res.ok());
  REQUIRE(gate::attach_excerpts(run, *res).ok());
  const std::string xml = gate::junit_xml(p, run, *res);
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", nullptr, XML_PARSE_NONET);
  REQUIRE(doc != nullptr);
  xmlNodePtr root = xmlDocGetRootElement(doc);
  CHECK(std::string(reinterpret_cast<const char*>(root->name)) == "testsuites");
  auto attr = [](xmlNodePtr n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
  };
  CHECK(attr(root, "failures") == "1");
  int testcases = 0, failures = 0;
  std::string failure_text;
  for (xmlNodePtr suite = root->children; suite; suite = suite->next) {
    if (suite->type != XML_ELEMENT_NODE) continue;
    for (xmlNodePtr tc = suite->children; tc; tc = tc->next) {
      if (tc->type != XML_ELEMENT_NODE) continue;
      ++testcases;
      for (xmlNodePtr f = tc->children; f; f = f->next) {
        if (f->type != XML_ELEMENT_NODE) continue;
        ++failures;
        CHECK(std::string(reinterpret_cast<const char*>(f->name)) == "failure");
        CHECK(attr(tc, "name").find(w.alice_id) != std::string::npos);
        xmlChar* c = xmlNodeGetContent(f);
        failure_text = reinterpret_cast<const char*>(c);
        xmlFree(c);
      }
    }
  }
  xmlFreeDoc(doc);
  CHECK(testcases == 3);  // inputs readable, Alice, Chekhov
  CHECK(failures == 1);
  CHECK(failure_text.find("work: " + w.alice_id) != std::string::npos);
  CHECK(failure_text.find("document: alice-1") != std::string::npos);
  CHECK(failure_text.find("shard: " + shard) != std::string::npos);
  CHECK(failure_text.find("line: 3") != std::string::npos);
  INFO(failure_text);
  CHECK(failure_text.find("excerpt: the well was very deep") != std::string::npos);
}

TEST_CASE("SARIF 2.1.0: one result per violation at the shard file and the record's line", "[gate]") {
  test::TempDir t("gate-sarif");
  const auto shard = write_shard(t / "s.jsonl", make_shard(false, false).jsonl);
  auto run = run_of(scan({shard}));
  const auto p = policy(kPolicy);
  const auto res = gate::evaluate(p, run);
  REQUIRE(res.ok());
  const std::string sarif = gate::sarif_json(p, run, *res);
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  REQUIRE_FALSE(parser.parse(sarif).get(d));
  CHECK(std::string_view(d["version"]) == "2.1.0");
  CHECK(std::string_view(d["$schema"]).find("sarif-2.1.0") != std::string_view::npos);
  simdjson::dom::array results = d["runs"].at(0)["results"];
  REQUIRE(results.size() == res->violations.size());
  std::set<std::string> rules;
  for (auto r : results) {
    rules.insert(std::string(std::string_view(r["ruleId"])));
    auto loc = r["locations"].at(0)["physicalLocation"];
    CHECK(std::string_view(loc["artifactLocation"]["uri"]) == "file://" + shard);  // absolute path
    CHECK(std::uint64_t(loc["region"]["startLine"]) == 3);
  }
  CHECK(rules == std::set<std::string>{"coverage-per-work", "documents-per-work", "matched-words-per-document"});
  simdjson::dom::array driver_rules = d["runs"].at(0)["tool"]["driver"]["rules"];
  CHECK(driver_rules.size() == 3);
}

TEST_CASE("diff: an extra planted passage is added; a changed extent is reported", "[gate]") {
  test::TempDir t("gate-diff");
  const auto s1 = write_shard(t / "a.jsonl", make_shard(false, false).jsonl);
  const auto s2 = write_shard(t / "b.jsonl", json_line("extra", World::cut(world().pride, 20000, 600)) + "\n");
  REQUIRE(reports::write_scan(scan({s1}), t / "runA").ok());
  REQUIRE(reports::write_scan(scan({s1, s2}), t / "runB").ok());
  auto same = gate::diff_runs((t / "runA").string(), (t / "runA").string());
  REQUIRE(same.ok());
  CHECK(same->empty());
  auto d = gate::diff_runs((t / "runA").string(), (t / "runB").string());
  REQUIRE(d.ok());
  REQUIRE(d->added.size() == 1);
  CHECK(d->added[0].doc_id == "extra");
  CHECK(d->added[0].work_id == world().pride_id);
  CHECK(d->removed.empty());
  CHECK(d->changed.empty());
  auto back = gate::diff_runs((t / "runB").string(), (t / "runA").string());
  REQUIRE(back.ok());
  CHECK(back->removed.size() == 1);
  // Same finding, different extent: rewrite doc_end of the first match of a copy of run A.
  fs::create_directories(t / "runC");
  fs::copy_file(t / "runA" / "summary.json", t / "runC" / "summary.json");
  std::string m = test::read_bytes(t / "runA" / "matches.jsonl");
  const auto at = m.find("\"doc_end\":") + 10;
  m.insert(at, "1");  // 1234 -> 11234
  test::write_bytes(t / "runC" / "matches.jsonl", m);
  auto c = gate::diff_runs((t / "runA").string(), (t / "runC").string());
  REQUIRE(c.ok());
  REQUIRE(c->changed.size() == 1);
  CHECK(c->changed[0].fields[0].first == "doc_end");
  const std::string js = gate::diff_json("A", "C", *c);
  CHECK(js.find("\"changed\": 1") != std::string::npos);
  // A run folder without matches.jsonl is an error naming it.
  fs::remove(t / "runC" / "matches.jsonl");
  auto missing = gate::diff_runs((t / "runA").string(), (t / "runC").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().describe().find("matches.jsonl") != std::string::npos);
}

TEST_CASE("filter and redact every shard format; the output passes; untouched lines identical", "[gate]") {
  World& w = world();
  const auto p = policy(kPolicy);
  const Shard planted = make_shard(true, false);
  for (const char* ext : {".jsonl", ".jsonl.gz", ".jsonl.zst"}) {
    for (const bool redact : {false, true}) {
      DYNAMIC_SECTION(ext << (redact ? " redact" : " drop")) {
        test::TempDir t("gate-filter");
        const auto shard = write_shard(t / (std::string("s") + ext), planted.jsonl);
        const auto r = scan({shard});
        REQUIRE(r.errors.size() == 1);  // the line that is not JSON
        const auto run = run_of(r);
        const auto res = gate::evaluate(p, run);
        REQUIRE(res.ok());
        REQUIRE_FALSE(res->passed);
        gate::FilterOptions fo;
        fo.redact = redact;
        fo.marker = "<<removed>>";
        fo.out_dir = (t / "out").string();
        auto fr = gate::filter_shards(run, *res, fo);
        REQUIRE(fr.ok());
        REQUIRE(fr->shards.size() == 1);
        const auto& st = fr->shards[0];
        CHECK(st.lines == 6);
        CHECK(st.unreadable == 1);
        CHECK(st.dropped == (redact ? 0u : 1u));
        CHECK(st.redacted == (redact ? 1u : 0u));
        REQUIRE(fr->errors.size() == 1);
        CHECK(*fr->errors[0].line == 6);
        const std::string out = (t / "out" / (std::string("s") + ext)).string();
        CHECK(st.output == out);
        // Same format: the magic bytes of the input.
        CHECK(test::read_bytes(out).substr(0, 2) == test::read_bytes(shard).substr(0, 2));

        const auto in_lines = lines_of(shard);
        const auto out_lines = lines_of(out);
        REQUIRE(in_lines.size() == 6);
        // Lines 1, 2, 4, 5 are untouched (byte for byte, CRLF kept); 6 dropped; 3 dropped or redacted.
        std::vector<std::string> expect = {in_lines[0], in_lines[1]};
        if (redact) expect.push_back("");  // checked below
        expect.push_back(in_lines[3]);
        expect.push_back(in_lines[4]);
        REQUIRE(out_lines.size() == expect.size());
        for (std::size_t i = 0; i < expect.size(); ++i)
          if (!(redact && i == 2)) CHECK(out_lines[i] == expect[i]);
        CHECK(in_lines[3].substr(in_lines[3].size() - 2) == "\r\n");
        if (redact) {
          const std::string& a = in_lines[2];
          const std::string& b = out_lines[2];
          const auto sa = gate::detail::find_string_field(a, "text");
          const auto sb = gate::detail::find_string_field(b, "text");
          REQUIRE(sa);
          REQUIRE(sb);
          CHECK(a.substr(0, sa->first) == b.substr(0, sb->first));   // id and meta untouched
          CHECK(a.substr(sa->second) == b.substr(sb->second));       // and what follows
          const auto ta = *gate::detail::unescape_string(a.substr(sa->first, sa->second - sa->first));
          const auto tb = *gate::detail::unescape_string(b.substr(sb->first, sb->second - sb->first));
          // The marker replaced the found passage; the planted passage is inside what it replaced.
          const std::size_t m = tb.find("<<removed>>");
          REQUIRE(m != std::string::npos);
          CHECK(ta.substr(0, m) == tb.substr(0, m));
          CHECK(m <= planted.alice_start + 20);
          CHECK(ta.find("the well was very deep") != std::string::npos);
          CHECK(tb.find("the well was very deep") == std::string::npos);
        }
        // filter-log.jsonl names the violating record and its findings.
        CHECK(fr->log_jsonl.find("\"line\":3,\"doc_id\":\"alice-1\",\"action\":\"" +
                                 std::string(redact ? "redacted" : "dropped") + "\"") != std::string::npos);
        CHECK(fr->log_jsonl.find(w.alice_id) != std::string::npos);
        CHECK(fr->log_jsonl.find("dropped_unreadable") != std::string::npos);
        // A second gate over the cleaned shard passes, with nothing unreadable.
        const auto again = scan({out});
        CHECK(again.errors.empty());
        const auto res2 = gate::evaluate(p, run_of(again));
        REQUIRE(res2.ok());
        CHECK(res2->passed);
      }
    }
  }
}

TEST_CASE("filter refuses a shard that changed since the scan and clashing names", "[gate]") {
  test::TempDir t("gate-filter-bad");
  const auto shard = write_shard(t / "s.jsonl", make_shard(false, false).jsonl);
  const auto run = run_of(scan({shard}));
  const auto p = policy(kPolicy);
  const auto res = gate::evaluate(p, run);
  REQUIRE(res.ok());
  test::write_bytes(shard, make_shard(false, true).jsonl);  // changed under our feet
  gate::FilterOptions fo;
  fo.out_dir = (t / "out").string();
  auto fr = gate::filter_shards(run, *res, fo);
  REQUIRE_FALSE(fr.ok());
  CHECK(fr.error().message.find("changed since the scan") != std::string::npos);
  CHECK_FALSE(fs::exists(t / "out" / "s.jsonl"));  // nothing half-written is left

  fs::create_directories(t / "other");
  const auto shard2 = write_shard(t / "other" / "s.jsonl", make_shard(false, false).jsonl);
  const auto run2 = run_of(scan({write_shard(shard, make_shard(false, false).jsonl), shard2}));
  auto clash = gate::filter_shards(run2, *gate::evaluate(p, run2), fo);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().message.find("two shards are named s.jsonl") != std::string::npos);
}

TEST_CASE("a work min_words above the scan's: short passages stop counting, coverage is scaled", "[gate]") {
  World& w = world();
  test::TempDir t("gate-minwords");
  const std::size_t at = w.alice.find("Either the well was very deep") - 1;
  std::string jsonl = json_line("long", World::cut(w.alice, at, 700)) + "\n";
  jsonl += json_line("short", World::cut(w.alice, at + 5000, 200)) + "\n";
  const auto shard = write_shard(t / "s.jsonl", jsonl);
  const auto run = run_of(scan({shard}));
  REQUIRE(run.findings.size() == 2);
  const std::uint32_t long_words = run.findings[0].words, short_words = run.findings[1].words;
  REQUIRE(long_words > short_words + 10);
  const auto base = gate::evaluate(policy(kPolicy), run);
  REQUIRE(base.ok());
  REQUIRE(base->works.size() == 1);
  CHECK_FALSE(base->works[0].coverage_estimated);
  CHECK(base->works[0].documents == 2);
  const double full = base->works[0].coverage;
  const std::string mid = std::to_string(short_words + 1);
  const auto p = policy(std::string(kPolicy) + "[works.\"" + w.alice_id + "\"]\nmin_words = " + mid + "\n");
  const auto res = gate::evaluate(p, run);
  REQUIRE(res.ok());
  const auto& v = res->works[0];
  CHECK(v.limits.min_words == short_words + 1);
  CHECK(v.coverage_estimated);
  CHECK(v.documents == 1);
  CHECK(v.counted == 1);
  CHECK_FALSE(res->counted[1]);
  CHECK(v.coverage < full);
  CHECK(v.coverage > 0.0);
  // The scaled share is the counted passage's share of the matched work bytes.
  const auto& a = run.findings[0];
  const auto& b = run.findings[1];
  const double share = static_cast<double>(*a.work_end - *a.work_start) /
                       static_cast<double>(*a.work_end - *a.work_start + *b.work_end - *b.work_start);
  CHECK(v.coverage == Approx(full * share));
}

TEST_CASE("JUnit stays well-formed XML whatever the excerpt, title or path hold", "[gate]") {
  test::TempDir t("gate-junit-hostile");
  const auto shard = write_shard(t / "a&b <c>.jsonl", make_shard(false, false).jsonl);
  auto run = run_of(scan({shard}));
  const auto p = policy(kPolicy);
  const auto res = gate::evaluate(p, run);
  REQUIRE(res.ok());
  REQUIRE_FALSE(res->violations.empty());
  for (auto& f : run.findings) {
    f.excerpt = std::string("ctl \x01\x1f q\"'<&]]> \xEF\xBF\xBF \xEF\xBF\xBE end");
    f.doc_id = "<doc id=\"1\">";
  }
  for (auto& w : run.works) w.title = "Title & <Sons>";
  run.errors.push_back(make_error(Errc::kFormat, "bad <line> & more", "x&y.jsonl"));
  const std::string xml = gate::junit_xml(p, run, *res);
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", nullptr, XML_PARSE_NONET);
  REQUIRE(doc != nullptr);
  xmlChar* c = xmlNodeGetContent(xmlDocGetRootElement(doc));
  const std::string text = reinterpret_cast<const char*>(c);
  xmlFree(c);
  xmlFreeDoc(doc);
  CHECK(text.find("q\"'<&]]>") != std::string::npos);  // markup characters survive as text
  CHECK(text.find("bad <line> & more") != std::string::npos);
  CHECK(text.find('\x01') == std::string::npos);
  // SARIF of the same is valid JSON with the path percent-encoded.
  const std::string sarif = gate::sarif_json(p, run, *res);
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  REQUIRE_FALSE(parser.parse(sarif).get(d));
  const std::string_view uri = d["runs"].at(0)["results"].at(0)["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"];
  CHECK(uri.substr(uri.size() - 22) == "/a%26b%20%3Cc%3E.jsonl");
  CHECK_FALSE(bool(d["runs"].at(0)["invocations"].at(0)["executionSuccessful"]));
}
