// tests/eval/eval_test.cpp: `provaudit eval` end to end (eval/run.cpp, eval/score.cpp): the
// measured error rates on the demo's works and on real books, and byte-identical results at
// any thread count.
//
// The thresholds are what the matcher reached when the eval was written, less a small margin,
// so a regression fails here; issue 4's targets are in the comments where the matcher does not
// meet them yet.
#include "eval/eval.hpp"

#include <catch2/catch.hpp>

#include "tests/testlib.hpp"

namespace {

using prov::eval::Damage;
using prov::eval::EvalOptions;
using prov::eval::EvalResult;

const prov::eval::KindScores& kind(const EvalResult& r, Damage d) {
  return r.kinds.at(static_cast<std::size_t>(d));
}

// Thresholds every eval run in these tests must reach (quick size: 40 passages per cell).
void check_thresholds(const EvalResult& r) {
  for (const auto& k : r.kinds) {
    INFO(prov::eval::damage_name(k.kind));
    const bool hard = k.kind == Damage::kOcr || k.kind == Damage::kEditing;
    // Issue 4: recall >= 0.99 for passages of >= 50 words, >= 0.97 under OCR and editing.
    CHECK(k.ge50.recall >= (hard ? 0.97 : 0.99));
    // Byte precision >= 0.99 (issue 4), at the PAN character level.
    CHECK(k.ge25.pan.precision >= 0.99);
    CHECK(k.ge50.pan.recall >= (hard ? 0.95 : 0.99));
    CHECK(k.ge50.pan.granularity <= (hard ? 1.15 : 1.02));
    CHECK(k.ge25.precision >= 0.99);
    CHECK(k.all.wrong_work == 0);
  }
  // Issue 4: >= 0.95 for 25-word verbatim passages.
  CHECK(kind(r, Damage::kVerbatim).buckets[1].recall >= 0.95);
  // Boundaries within 3 words of the truth, for nearly every passage.
  CHECK(r.ge50.boundary_within_3 >= 0.85);
  CHECK(r.ge50.pan.plagdet >= 0.95);
  // No false attributions in unrelated text.
  CHECK(r.false_attribution.in_unrelated_documents == 0);
  CHECK(r.false_attribution.in_filler == 0);
  CHECK(r.false_attribution.wrong_work == 0);
  CHECK(r.false_attribution.unrelated_bytes >= 4'000'000);
}

}  // namespace

TEST_CASE("eval: quick run on the demo's works meets the thresholds", "[eval]") {
  prov::test::TempDir dir("eval-demo");
  EvalOptions options;
  options.out = dir / "out";
  options.quick = true;
  options.threads = 2;
  auto r = prov::eval::run_eval(options);
  INFO((r ? std::string() : r.error().describe()));
  REQUIRE(r.ok());
  WARN("eval --quick on the demo's works:\n" << prov::eval::format_table(*r));
  CHECK(r->exit_code == 0);
  CHECK(r->errors.empty());
  // Six demo works: every third held out as unrelated text.
  CHECK(r->indexed.size() == 4);
  CHECK(r->negative_sources.size() == 2);
  for (const auto& n : r->negative_sources) {
    for (const auto& w : r->indexed) CHECK(n.work_id != w.work_id);
  }
  REQUIRE(r->kinds.size() == prov::eval::kDamageKinds.size());
  for (const auto& k : r->kinds) {
    for (const auto& c : k.buckets) CHECK(c.planted == 40);
  }
  CHECK(r->all.planted == 40 * 6 * 5);
  CHECK(r->shards.size() == 4);
  check_thresholds(*r);
  CHECK(std::filesystem::exists(r->eval_json));
  CHECK(std::filesystem::exists(r->run_dir / "matches.jsonl"));
  CHECK(std::filesystem::exists(r->truth_file));
  const std::string json = prov::test::read_bytes(r->eval_json);
  CHECK(json.find("\"schema\": \"provaudit/eval/1\"") != std::string::npos);
  CHECK(json == prov::eval::eval_json(*r));
}

TEST_CASE("eval: real books, held-out books as unrelated text", "[eval][shared]") {
  PROV_REQUIRE_SHARED(en, "texts/en");
  prov::test::TempDir dir("eval-real");
  EvalOptions options;
  // Eight books indexed, without Project Gutenberg's licence text (.body.txt), which every
  // .txt from Gutenberg shares; pg174.txt is the same book as pg174.body.txt, so it is in
  // neither set.
  for (const char* f : {"pg11.body.txt", "pg1342.body.txt", "pg16.body.txt", "pg1661.body.txt",
                        "pg174.body.txt", "pg236.body.txt", "pg345.body.txt", "pg76.body.txt"})
    options.works.push_back((en / f).string());
  for (const char* f :
       {"pg2701.body.txt", "pg98.body.txt", "pg84.txt", "pg4300.txt", "botchan.txt"})
    options.negatives.push_back((en / f).string());
  options.out = dir / "out";
  options.quick = true;
  options.threads = 2;
  auto r = prov::eval::run_eval(options);
  INFO((r ? std::string() : r.error().describe()));
  REQUIRE(r.ok());
  WARN("eval --quick on ../shared/corpus/texts/en:\n" << prov::eval::format_table(*r));
  CHECK(r->exit_code == 0);
  CHECK(r->indexed.size() == 8);
  CHECK(r->negative_sources.size() == 5);
  check_thresholds(*r);
}

TEST_CASE("eval: eval.json is byte-identical at 1 and 2 threads", "[eval]") {
  prov::test::TempDir dir("eval-det");
  EvalOptions options;
  options.quick = true;
  options.passages_per_cell = 6;
  options.negative_mb = 1;
  options.out = dir / "one";
  options.threads = 1;
  auto a = prov::eval::run_eval(options);
  REQUIRE(a.ok());
  options.out = dir / "two";
  options.threads = 2;
  auto b = prov::eval::run_eval(options);
  REQUIRE(b.ok());
  const std::string ja = prov::test::read_bytes(a->eval_json);
  CHECK(!ja.empty());
  CHECK(ja == prov::test::read_bytes(b->eval_json));
  CHECK(prov::test::read_bytes(a->truth_file) == prov::test::read_bytes(b->truth_file));
  // And again into the same folder: the earlier outputs are replaced, not added to.
  auto c = prov::eval::run_eval(options);
  REQUIRE(c.ok());
  CHECK(prov::test::read_bytes(c->eval_json) == ja);
  // A different seed plants different passages.
  options.seed += 1;
  options.out = dir / "three";
  auto d = prov::eval::run_eval(options);
  REQUIRE(d.ok());
  CHECK(prov::test::read_bytes(d->truth_file) != prov::test::read_bytes(a->truth_file));
}

TEST_CASE("eval: refuses to run without unrelated text", "[eval]") {
  PROV_REQUIRE_SHARED(en, "texts/en");
  prov::test::TempDir dir("eval-usage");
  EvalOptions options;
  options.works = {(en / "pg11.body.txt").string()};
  options.out = dir / "out";
  auto r = prov::eval::run_eval(options);
  REQUIRE(!r.ok());
  CHECK(r.error().code == prov::Errc::kUsage);

  // A negative with the bytes of an indexed work is refused as unrelated text.
  options.negatives = {(en / "pg11.body.txt").string(), (en / "pg98.body.txt").string()};
  options.quick = true;
  options.passages_per_cell = 2;
  options.negative_mb = 1;
  options.works.push_back((en / "pg1342.body.txt").string());
  auto s = prov::eval::run_eval(options);
  REQUIRE(s.ok());
  CHECK(s->exit_code == 3);
  CHECK(s->negative_sources.size() == 1);
}
