// tests/reports/report_test.cpp: `report`, `verify`, `reproduce` and `keygen` on a real index
// and real shards (fixtures/works, planted passages): report.json and report.pdf are
// byte-identical from scans at 1 and 2 threads; excerpts are the real texts on both sides;
// hostile text is escaped; verify names the changed output, input and signature; reproduce
// re-runs the scan to the same bytes and notices a changed shard.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "index/index.hpp"
#include "reports/detail/report_model.hpp"
#include "reports/reports.hpp"
#include "tests/testlib.hpp"

using namespace prov;
namespace fs = std::filesystem;

namespace {

std::string passage_of(const std::string& text, const std::string& from, std::size_t bytes) {
  const auto start = text.find(from);
  REQUIRE(start != std::string::npos);
  std::string p = text.substr(start, bytes);
  p = p.substr(0, p.rfind(' '));
  std::erase(p, '\r');
  return p;
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      continue;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string upper_some(std::string s) {  // every 7th word upper-cased: "near" differences
  std::size_t word = 0;
  bool in_word = false;
  for (char& c : s) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (letter && !in_word) ++word;
    in_word = letter;
    if (letter && word % 7 == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Works from fixtures/works, indexed; two shards (.jsonl and .jsonl.gz) with planted passages.
struct Corpus {
  test::TempDir dir{"report"};
  fs::path index = dir / "index";
  fs::path shard_a = dir / "a.jsonl";
  fs::path shard_b = dir / "b.jsonl.gz";
  fs::path run = dir / "run";
  std::string alice_passage, pride_passage, chekhov_passage;

  Corpus() {
    const fs::path works = test::source_dir() / "fixtures" / "works";
    auto idx = index::Index::open_for_write(index, fingerprint::Params{});
    REQUIRE(idx);
    auto rep = index::ingest_paths(**idx, {works.string()});
    REQUIRE(rep);
    REQUIRE(rep->errors.empty());
    REQUIRE((*idx)->compact());
    const std::string alice = test::read_bytes(works / "alice-excerpt.txt");
    const std::string pride = test::read_bytes(works / "pride-excerpt.txt");
    const std::string chekhov = test::read_bytes(works / "chekhov-excerpt.txt");
    alice_passage = passage_of(alice, "Either the well was very deep", 420);
    pride_passage = passage_of(pride, pride.substr(pride.size() / 2, 40), 600);
    chekhov_passage = passage_of(chekhov, chekhov.substr(chekhov.size() / 3, 40), 500);
    std::string a;
    // Hostile markup inside the passage: the alignment steps over it, the renderers must escape it.
    const std::size_t mid = alice_passage.find(' ', alice_passage.size() / 2);
    const std::string hostile = alice_passage.substr(0, mid) + " <script>alert('x')</script> &amp; </div>" +
                                alice_passage.substr(mid);
    a += "{\"id\":\"d1\",\"text\":" + json_str("Opening words. " + hostile + " and then zzz qqq") + "}\n";
    a += "{\"id\":\"d2\",\"text\":\"nothing to see here at all\"}\n";
    a += "{\"id\":7,\"text\":" + json_str("Preface words first. " + upper_some(pride_passage) + " the end") + "}\n";
    test::write_bytes(shard_a, a);
    test::write_bytes(shard_b, test::gzip_compress("{\"id\":\"g1\",\"text\":" + json_str(chekhov_passage) + "}\n"));
  }

  void scan(unsigned threads) {
    auto idx = index::Index::open_read_only(index);
    REQUIRE(idx);
    audit::ScanOptions opt;
    opt.shards = {shard_a.string(), shard_b.string()};
    opt.threads = threads;
    auto res = audit::scan(**idx, opt);
    REQUIRE(res);
    REQUIRE(res->errors.empty());
    REQUIRE(reports::write_scan(*res, run));
  }

  reports::ReportOptions options(const fs::path& out) const {
    reports::ReportOptions o;
    o.run = run.string();
    o.out = out.string();
    return o;
  }
};

void flip_byte(const fs::path& file, std::size_t at) {
  std::string b = test::read_bytes(file);
  REQUIRE(at < b.size());
  b[at] = static_cast<char>(b[at] ^ 0x01);
  test::write_bytes(file, b);
}

bool mentions(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines)
    if (l.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("report.json and report.pdf are byte-identical from scans at 1 and 2 threads", "[reports]") {
  Corpus c;
  c.scan(1);
  auto r1 = reports::write_report(c.options(c.dir / "rep1"));
  REQUIRE(r1);
  CHECK(r1->problems.empty());
  CHECK(r1->works == 3);
  c.scan(2);
  auto r2 = reports::write_report(c.options(c.dir / "rep2"));
  REQUIRE(r2);
  for (const char* f : {"report.json", "report.html", "report.pdf"}) {
    INFO(f);
    CHECK(test::read_bytes(c.dir / "rep1" / f) == test::read_bytes(c.dir / "rep2" / f));
  }
  const std::string json = test::read_bytes(c.dir / "rep1" / "report.json");
  CHECK(json.find("\"schema\": \"provaudit/report/1\"") != std::string::npos);
  CHECK(json.find("created") == std::string::npos);  // no wall-clock time in the report
  // The manifest differs between the two only in `created` and the output folder's name.
  const std::string m1 = test::read_bytes(c.dir / "rep1" / "manifest.json");
  CHECK(m1.find("\"created\": \"20") != std::string::npos);
  CHECK(m1.find(c.shard_a.string()) != std::string::npos);
}

TEST_CASE("excerpts are the real texts on both sides, with locations, and hostile text is escaped", "[reports]") {
  Corpus c;
  c.scan(0);
  reports::ReportOptions o = c.options(c.dir / "rep");
  auto model = reports::detail::build_model(o);
  REQUIRE(model);
  CHECK(model->errors.empty());
  CHECK(model->index_digest_matches);
  REQUIRE(model->works.size() == 3);
  std::size_t checked = 0;
  for (const auto& w : model->works) {
    REQUIRE_FALSE(w.findings.empty());
    CHECK(w.text_bytes > 0);
    CHECK_FALSE(w.ranges.empty());
    for (const auto& f : w.findings) {
      REQUIRE(f.training.available);
      REQUIRE(f.work.available);
      CHECK(f.location.known);
      CHECK(f.location.line > 0);  // .txt works: the line in the source file
      if (f.doc_id == "d1") {  // verbatim: both sides hold the planted passage
        CHECK(f.training.text.find("Either the well was very deep") != std::string::npos);
        CHECK(f.work.text.find("Either the well was very deep") != std::string::npos);
        ++checked;
      }
      if (f.doc_id == "7") {  // case changed: the work side has the original case
        CHECK(f.work.text.find(c.pride_passage.substr(100, 40)) != std::string::npos);
        ++checked;
      }
    }
  }
  CHECK(checked == 2);

  auto r = reports::write_report(o);
  REQUIRE(r);
  const std::string html = test::read_bytes(c.dir / "rep" / "report.html");
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);  // nothing to fetch
  CHECK(html.find("url(") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("&amp;amp; &lt;/div&gt;") != std::string::npos);
  CHECK(html.find("<mark class=\"q\">") != std::string::npos);  // the upper-cased words
  CHECK(html.find("<svg class=\"cov\"") != std::string::npos);

  // The PDF's text (pdftotext) holds the work titles and excerpts.
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) {
    WARN("skipped: pdftotext (poppler-utils) not installed");
    return;
  }
  const fs::path txt = c.dir / "report.txt";
  const std::string cmd = "pdftotext -layout '" + (c.dir / "rep" / "report.pdf").string() + "' '" + txt.string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string text = test::read_bytes(txt);
  CHECK(text.find("Exhibit list") != std::string::npos);
  CHECK(text.find("Page 1 of") != std::string::npos);
  for (const auto& w : model->works) {  // the fixtures have no titles: their file names
    const std::string name = reports::detail::display_name(w);
    INFO(name);
    CHECK(name.find("-excerpt.txt") != std::string::npos);
    CHECK(text.find("Exhibit A-") != std::string::npos);
    CHECK(text.find(name) != std::string::npos);
    CHECK(html.find(name) != std::string::npos);
  }
  CHECK(text.find("Either the well was") != std::string::npos);
}

TEST_CASE("verify passes on a fresh report and names what changed: output, input, signature", "[reports]") {
  Corpus c;
  c.scan(0);
  const fs::path key = c.dir / "signer";
  REQUIRE(reports::keygen(key.string()));
  CHECK_FALSE(reports::keygen(key.string()));  // never overwrites a key
  CHECK((fs::status(key.string() + ".key").permissions() & fs::perms::group_read) == fs::perms::none);
  reports::ReportOptions o = c.options(c.dir / "rep");
  o.sign_key = key.string() + ".key";
  REQUIRE(reports::write_report(o));
  reports::VerifyOptions v;
  v.dir = o.out;
  v.pubkey = key.string() + ".pub";
  v.inputs = true;
  {
    auto r = reports::verify(v);
    REQUIRE(r);
    CAPTURE(r->differences);
    CHECK(r->ok());
    CHECK(mentions(r->notes, "ok: signature"));
    CHECK(mentions(r->notes, "ok: " + c.shard_a.string()));
  }
  SECTION("one byte of an output") {
    flip_byte(c.dir / "rep" / "report.html", 1000);
    auto r = reports::verify(v);
    REQUIRE(r);
    REQUIRE(r->differences.size() == 1);
    CHECK(r->differences[0].find("report.html") != std::string::npos);
  }
  SECTION("one byte of an input shard (with --inputs)") {
    flip_byte(c.shard_a, 20);
    auto r = reports::verify(v);
    REQUIRE(r);
    REQUIRE(r->differences.size() == 1);
    CHECK(r->differences[0].find(c.shard_a.string()) != std::string::npos);
    v.inputs = false;  // outputs only: still fine
    auto r2 = reports::verify(v);
    REQUIRE(r2);
    CHECK(r2->ok());
  }
  SECTION("the signature altered") {
    flip_byte(c.dir / "rep" / "manifest.json.sig", 5);
    auto r = reports::verify(v);
    REQUIRE(r);
    REQUIRE(r->differences.size() == 1);
    CHECK(r->differences[0].find("manifest.json.sig") != std::string::npos);
  }
  SECTION("the manifest altered (an output's recorded hash rewritten)") {
    std::string m = test::read_bytes(c.dir / "rep" / "manifest.json");
    const auto at = m.find("\"file\": \"report.html\"");
    REQUIRE(at != std::string::npos);
    const auto h = m.find("\"sha256\": \"", at) + 11;
    m[h] = m[h] == '0' ? '1' : '0';
    test::write_bytes(c.dir / "rep" / "manifest.json", m);
    auto r = reports::verify(v);
    REQUIRE(r);
    CHECK(mentions(r->differences, "bad signature"));
    CHECK(mentions(r->differences, "report.html"));
  }
  SECTION("another key") {
    const fs::path other = c.dir / "other";
    REQUIRE(reports::keygen(other.string()));
    v.pubkey = other.string() + ".pub";
    auto r = reports::verify(v);
    REQUIRE(r);
    CHECK(mentions(r->differences, "bad signature"));
  }
}

TEST_CASE("reproduce re-runs the recorded scan to the same bytes and notices a changed shard", "[reports]") {
  Corpus c;
  c.scan(1);
  REQUIRE(reports::write_report(c.options(c.dir / "rep")));
  auto same = reports::reproduce((c.dir / "rep").string(), 2, false);
  REQUIRE(same);
  CAPTURE(same->differences);
  CHECK(same->ok());
  CHECK(same->notes.size() == 3);  // summary.json, matches.jsonl, errors.jsonl
  CHECK_FALSE(fs::exists(same->scan_dir));

  // The index moved (report --index names its new place): the re-run still gives the recorded
  // bytes, because summary.json records the index as the scan was given it.
  const fs::path moved = c.dir / "moved-index";
  fs::create_directory_symlink(c.index, moved);
  reports::ReportOptions o = c.options(c.dir / "rep-moved");
  o.index = moved.string();
  REQUIRE(reports::write_report(o));
  auto moved_same = reports::reproduce(o.out, 1, false);
  REQUIRE(moved_same);
  CAPTURE(moved_same->differences);
  CHECK(moved_same->ok());

  // A shard whose text changed inside the planted passage gives other results.
  std::string a = test::read_bytes(c.shard_a);
  const auto at = a.find("Either the well");
  REQUIRE(at != std::string::npos);
  a.replace(at, 6, "Neithr");
  test::write_bytes(c.shard_a, a);
  auto diff = reports::reproduce((c.dir / "rep").string(), 1, false);
  REQUIRE(diff);
  CHECK_FALSE(diff->ok());
  CHECK(mentions(diff->differences, "summary.json"));

  // The report notices the changed shard too: excerpts missing, listed as a problem.
  auto r = reports::write_report(c.options(c.dir / "rep2"));
  REQUIRE(r);
  REQUIRE_FALSE(r->problems.empty());
  CHECK(r->problems[0].path == c.shard_a.string());
}

TEST_CASE("a damaged run is refused with the file, line and field, never a crash", "[reports]") {
  // Regression: a matches.jsonl line without "flags" once iterated a null simdjson array.
  Corpus c;
  c.scan(1);
  const std::string summary = test::read_bytes(c.run / "summary.json");
  const std::string matches = test::read_bytes(c.run / "matches.jsonl");
  const std::string next = "matches.jsonl:" + std::to_string(std::count(matches.begin(), matches.end(), '\n') + 1);
  struct Case {
    std::string summary, matches, expect;
  };
  const std::vector<Case> cases = {
      {summary, matches + "{\"finding_id\":1}\n", next + ": field \"finding_id\""},
      {summary, matches + "{\"finding_id\":\"x\",\"kind\":\"passage\"}\n", next + ": field \"shard\""},
      {summary, matches + "[1,2]\n", next + ": expected an object"},
      {summary, matches + "{not json\n", next + ": not valid JSON"},
      {summary.substr(0, summary.size() / 2), matches, "summary.json: not valid JSON"},
      {"{\"schema\":\"provaudit/summary/1\",\"params\":[]}", matches, "summary.json: field \"params\""},
      {"{\"schema\":\"provaudit/match/1\"}", matches, "not a scan summary"},
  };
  for (const auto& k : cases) {
    test::write_bytes(c.run / "summary.json", k.summary);
    test::write_bytes(c.run / "matches.jsonl", k.matches);
    auto r = reports::write_report(c.options(c.dir / "rep"));
    REQUIRE_FALSE(r);
    INFO(r.error().describe());
    CHECK(r.error().describe().find(k.expect) != std::string::npos);
  }
}

TEST_CASE("word_diff marks words without a counterpart and words differing in case only", "[reports]") {
  using reports::detail::DiffClass;
  auto d = reports::detail::word_diff("the quick brown fox jumps", "The quick red fox jumps");
  REQUIRE(d.aligned);
  std::string left_diff, left_near, right_diff;
  for (const auto& r : d.left) {
    if (r.cls == DiffClass::kDiff) left_diff += r.text;
    if (r.cls == DiffClass::kNear) left_near += r.text;
  }
  for (const auto& r : d.right)
    if (r.cls == DiffClass::kDiff) right_diff += r.text;
  CHECK(left_diff == "brown ");
  CHECK(right_diff == "red ");
  CHECK(left_near == "the ");
  // Every byte survives on both sides.
  std::string l, r;
  for (const auto& x : d.left) l += x.text;
  for (const auto& x : d.right) r += x.text;
  CHECK(l == "the quick brown fox jumps");
  CHECK(r == "The quick red fox jumps");
  CHECK(reports::detail::clean_text(std::string("a\x01""b\xff")) == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  CHECK(reports::detail::percent(0.18904) == "18.90%");
}
