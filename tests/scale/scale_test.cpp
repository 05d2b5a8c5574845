// tests/scale/scale_test.cpp: plan splitting, task parts (atomic, skipped when up to date) and
// merge (byte-identical to one scan; refusing missing, incomplete or stale parts; not claiming
// a complete result when a shard was unreadable), on a real index of fixtures/works and
// shards the test writes with planted passages, in .jsonl, .jsonl.gz and .jsonl.zst.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"
#include "reports/reports.hpp"
#include "scale/scale.hpp"
#include "tests/testlib.hpp"

using namespace prov;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) { return test::read_bytes(p); }

// Index of fixtures/works and `n` shards with planted passages. Passages of the same work are
// planted in several shards with overlapping work ranges, so coverage (a union of ranges)
// only comes out right when the merge unites ranges across parts.
struct Corpus {
  test::TempDir dir{"scale"};
  std::vector<std::string> shards;

  explicit Corpus(std::size_t n, bool corrupt_one = false) {
    const auto root = test::source_dir() / "fixtures";
    {
      auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
      REQUIRE(w.ok());
      auto rep = index::ingest_paths(**w, {(root / "works").string()});
      REQUIRE(rep.ok());
    }
    auto idx = index::Index::open_read_only(dir / "idx");
    REQUIRE(idx.ok());
    auto works = *(*idx)->works();
    REQUIRE(works.size() == 3);
    const std::string filler = *read_file(root / "filler" / "moby-excerpt.txt");
    const auto ftoks = fingerprint::tokenize(filler);
    std::mt19937 rng(7);
    const char* exts[] = {".jsonl", ".jsonl.gz", ".jsonl.zst"};
    for (std::size_t s = 0; s < n; ++s) {
      std::string jsonl;
      const std::size_t docs = 3 + s % 4;  // uneven shard sizes
      for (std::size_t d = 0; d < docs; ++d) {
        const auto& w = works[(s + d) % works.size()];
        const std::string text = *(*idx)->text(w.num);
        const auto toks = fingerprint::tokenize(text);
        // Overlapping windows: start within the first 400 words, 40-120 words long.
        const std::size_t len = 40 + rng() % 80;
        const std::size_t a = 20 + rng() % 400;
        const std::string passage = text.substr(toks[a].start, toks[a + len - 1].end - toks[a].start);
        const std::size_t f = rng() % (ftoks.size() - 200);
        const std::string before = filler.substr(ftoks[f].start, ftoks[f + 60].end - ftoks[f].start);
        JsonWriter jw;
        jw.begin_object().field("id", "s" + std::to_string(s) + "-d" + std::to_string(d));
        jw.field("text", before + "\n\n" + passage + "\n\nTHE END.").end_object();
        jsonl += jw.str() + "\n";
      }
      if (s == 1) jsonl += "{\"id\": \"broken\", \"text\": \n";  // a bad record: skipped, exit 3
      const std::string ext = exts[s % 3];
      if (ext == ".jsonl.gz") jsonl = test::gzip_compress(jsonl);
      if (ext == ".jsonl.zst") jsonl = test::zstd_compress(jsonl);
      if (corrupt_one && s == n - 2) jsonl = "\x28\xb5\x2f\xfd garbage, not a zstd frame at all";
      char name[32];
      std::snprintf(name, sizeof name, "shard-%02zu", s);
      const fs::path p = dir / (std::string(name) + (corrupt_one && s == n - 2 ? ".jsonl.zst" : ext));
      test::write_bytes(p, jsonl);
      shards.push_back(p.string());
    }
  }
  std::unique_ptr<index::Index> open() const {
    auto idx = index::Index::open_read_only(dir / "idx");
    REQUIRE(idx.ok());
    return std::move(idx).value();
  }
};

audit::ScanOptions options(unsigned threads, std::uint32_t min_words = 30) {
  audit::ScanOptions o;
  o.threads = threads;
  o.match.min_words = min_words;
  return o;
}

void check_same_files(const fs::path& a, const fs::path& b) {
  for (const char* f : {"matches.jsonl", "summary.json", "errors.jsonl"}) {
    INFO(f);
    CHECK(slurp(a / f) == slurp(b / f));
  }
}

}  // namespace

TEST_CASE("split_tasks: contiguous, non-empty, balanced, deterministic", "[scale]") {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + rng() % 60;
    std::vector<std::uint64_t> sizes(n);
    std::uint64_t total = 0, largest = 0;
    for (auto& s : sizes) {
      s = rng() % 4 == 0 ? rng() % 10'000'000 : rng() % 1000;  // a few big shards among small
      total += s;
      largest = std::max(largest, s);
    }
    const std::size_t tasks = 1 + rng() % 20;
    const auto plan = scale::split_tasks(sizes, tasks);
    REQUIRE(plan.size() == std::min(tasks, n));
    std::size_t next = 0;
    for (const auto& t : plan) {
      CHECK(t.first == next);
      CHECK(t.count >= 1);
      std::uint64_t b = 0;
      for (std::size_t i = t.first; i < t.first + t.count; ++i) b += sizes[i];
      CHECK(t.bytes == b);
      // Boundaries sit at the shard edge nearest the ideal cut: no task exceeds its ideal
      // share by more than the largest shard on each side.
      CHECK(t.bytes <= total / plan.size() + 2 * largest + 1);
      next += t.count;
    }
    CHECK(next == n);
    const auto again = scale::split_tasks(sizes, tasks);
    for (std::size_t i = 0; i < plan.size(); ++i) CHECK(again[i].first == plan[i].first);
  }
  // Equal shards split evenly.
  const auto even = scale::split_tasks(std::vector<std::uint64_t>(12, 100), 4);
  for (const auto& t : even) CHECK(t.count == 3);
  // One huge shard first: it gets a task of its own, the rest share the others.
  const auto skew = scale::split_tasks({1000, 1, 1, 1, 1, 1}, 3);
  CHECK(skew[0].count == 1);
  CHECK(skew[1].count + skew[2].count == 5);
}

TEST_CASE("plan: globs expanded and sorted, JSON round trip, hostile plans refused", "[scale]") {
  test::TempDir d("scale-plan");
  for (const char* n : {"b.jsonl", "a.jsonl", "c.txt"}) test::write_bytes(d / n, std::string(100, 'x'));
  auto shards = scale::expand_shard_args({(d / "c.txt").string(), (d / "*.jsonl").string()});
  REQUIRE(shards.ok());
  REQUIRE(shards->size() == 3);
  CHECK((*shards)[0] == (d / "c.txt").string());  // command-line order first, then the pattern's files
  CHECK((*shards)[1] == (d / "a.jsonl").string());
  CHECK(!scale::expand_shard_args({(d / "*.zst").string()}).ok());
  auto plan = scale::make_plan(*shards, 2, true);
  REQUIRE(plan.ok());
  CHECK(plan->shards[0].sha256 == sha256_hex(std::string(100, 'x')));
  const std::string json = scale::plan_json(*plan);
  auto back = scale::parse_plan(json, "p");
  REQUIRE(back.ok());
  CHECK(scale::plan_json(*back) == json);
  CHECK(!scale::make_plan({(d / "missing.jsonl").string()}, 1, false).ok());

  // Tasks that skip or repeat shards, a wrong schema, truncation: refused with a reason.
  std::string gap = json;
  gap.replace(gap.find("\"first\": 1"), 10, "\"first\": 2");
  for (const std::string& bad : {gap, json.substr(0, json.size() / 2), std::string("{\"schema\":\"x\"}")}) {
    auto r = scale::parse_plan(bad, "bad.json");
    REQUIRE(!r.ok());
    CHECK(r.error().path == "bad.json");
  }
}

TEST_CASE("group_arrays keeps task numbers within MaxArraySize", "[scale]") {
  auto g = scale::group_arrays(8, 5);
  REQUIRE(g.size() == 2);
  CHECK((g[0].first_task == 0 && g[0].count == 5));
  CHECK((g[1].first_task == 5 && g[1].count == 3));
  CHECK(scale::group_arrays(2002, 1001).size() == 2);
  CHECK(scale::group_arrays(3, 1001).size() == 1);
}

TEST_CASE("plan/task/merge writes the bytes of one scan; reruns skip; stale parts refused", "[scale]") {
  Corpus c(9);
  auto idx = c.open();
  // One scan of all the shards.
  auto single = audit::scan(*idx, [&] {
    auto o = options(2);
    o.shards = c.shards;
    return o;
  }());
  REQUIRE(single.ok());
  REQUIRE(single->matches.size() > 20);
  REQUIRE(single->errors.size() == 1);  // the broken record
  REQUIRE(reports::write_scan(*single, c.dir / "single").ok());

  const fs::path plan_file = c.dir / "plan.json";
  auto plan = scale::make_plan(c.shards, 4, false);
  REQUIRE(plan.ok());
  REQUIRE(write_file_atomic(plan_file, scale::plan_json(*plan)).ok());
  const fs::path run = c.dir / "run";

  // Tasks in any order, at any thread count.
  for (std::size_t t : {3u, 1u, 0u}) {
    auto out = scale::run_task(*idx, options(1 + t % 2), plan_file, t, run);
    REQUIRE(out.ok());
    CHECK(!out->skipped);
  }
  // A task killed half way leaves only a temporary folder: merge says the part is missing.
  fs::create_directories(run / "parts" / ".tmp-task-0002-99999");
  test::write_bytes(run / "parts" / ".tmp-task-0002-99999" / "matches.jsonl", "partial");
  auto refused = scale::merge(run);
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == Errc::kNotFound);
  CHECK(refused.error().message.find("task 2 (no part)") != std::string::npos);
  CHECK(!fs::exists(run / "summary.json"));

  auto t2 = scale::run_task(*idx, options(2), plan_file, 2, run);
  REQUIRE(t2.ok());
  CHECK(t2->errors.empty());
  auto merged = scale::merge(run);
  REQUIRE(merged.ok());
  CHECK(merged->tasks == 4);
  CHECK(merged->incomplete_tasks == std::vector<std::size_t>{0});  // the broken record is in shard 1
  check_same_files(run, c.dir / "single");
  CHECK(slurp(run / "summary.json").find("\"coverage\"") != std::string::npos);

  SECTION("a rerun skips up-to-date parts and keeps their bytes") {
    const std::string before = slurp(run / "parts" / "task-0001" / "part.json");
    auto again = scale::run_task(*idx, options(2), plan_file, 1, run);
    REQUIRE(again.ok());
    CHECK(again->skipped);
    CHECK(slurp(run / "parts" / "task-0001" / "part.json") == before);
    auto t0 = scale::run_task(*idx, options(2), plan_file, 0, run);
    REQUIRE(t0.ok());
    CHECK(t0->skipped);
    CHECK(t0->errors.size() == 1);  // a skipped part still reports what it skipped
  }
  SECTION("other parameters: the task scans again and merge refuses the mix") {
    auto other = scale::run_task(*idx, options(2, 40), plan_file, 1, run);
    REQUIRE(other.ok());
    CHECK(!other->skipped);
    auto m = scale::merge(run);
    REQUIRE(!m.ok());
    CHECK(m.error().code == Errc::kIncompatible);
    CHECK(m.error().message.find("task 1") != std::string::npos);
  }
  SECTION("a damaged part is refused, not merged") {
    const fs::path f = run / "parts" / "task-0002" / "matches.jsonl";
    std::string bytes = slurp(f);
    bytes[bytes.size() / 2] = bytes[bytes.size() / 2] == 'a' ? 'b' : 'a';
    test::write_bytes(f, bytes);
    auto m = scale::merge(run);
    REQUIRE(!m.ok());
    CHECK(m.error().message.find("task 2") != std::string::npos);
  }
  SECTION("a shard changed after the plan: the task refuses, merge calls the part stale") {
    std::string bytes = slurp(c.shards[0]);
    test::write_bytes(c.shards[0], bytes + bytes);
    auto t = scale::run_task(*idx, options(2), plan_file, 0, run);
    REQUIRE(!t.ok());
    CHECK(t.error().path == c.shards[0]);
    auto m = scale::merge(run);
    REQUIRE(!m.ok());
    CHECK(m.error().message.find("changed since") != std::string::npos);
  }
  SECTION("a new plan for the run makes the old parts stale") {
    auto p3 = scale::make_plan(c.shards, 3, false);
    REQUIRE(p3.ok());
    REQUIRE(write_file_atomic(c.dir / "plan3.json", scale::plan_json(*p3)).ok());
    REQUIRE(scale::run_task(*idx, options(2), c.dir / "plan3.json", 0, run).ok());
    auto m = scale::merge(run);
    REQUIRE(!m.ok());
    CHECK(m.error().message.find("another plan") != std::string::npos);
    CHECK(!scale::run_task(*idx, options(2), c.dir / "plan3.json", 3, run).ok());  // no task 3
  }
}

TEST_CASE("an unreadable shard: the task records it, merge writes but does not claim completeness", "[scale]") {
  Corpus c(8, true);
  auto idx = c.open();
  auto o = options(2);
  o.shards = c.shards;
  auto single = audit::scan(*idx, o);
  REQUIRE(single.ok());
  REQUIRE(reports::write_scan(*single, c.dir / "single").ok());
  auto plan = scale::make_plan(c.shards, 3, true);
  REQUIRE(plan.ok());
  REQUIRE(write_file_atomic(c.dir / "plan.json", scale::plan_json(*plan)).ok());
  const std::string bad = c.shards[6];
  std::vector<std::size_t> with_errors;
  for (std::size_t t = 0; t < plan->tasks.size(); ++t) {
    auto out = scale::run_task(*idx, options(2), c.dir / "plan.json", t, c.dir / "run");
    REQUIRE(out.ok());
    for (const auto& e : out->errors)
      if (e.path == bad) with_errors.push_back(t);
  }
  REQUIRE(with_errors.size() == 1);
  auto m = scale::merge(c.dir / "run");
  REQUIRE(m.ok());
  CHECK(std::find(m->incomplete_tasks.begin(), m->incomplete_tasks.end(), with_errors[0]) !=
        m->incomplete_tasks.end());
  CHECK(slurp(c.dir / "run" / "errors.jsonl").find(bad) != std::string::npos);
  check_same_files(c.dir / "run", c.dir / "single");
}

TEST_CASE("merge refuses parts made from an index that has changed since", "[scale]") {
  test::TempDir d("scale-index");
  const auto works = test::source_dir() / "fixtures" / "works";
  {
    auto w = index::Index::open_for_write(d / "idx", fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE(index::ingest_paths(**w, {(works / "alice-excerpt.txt").string()}).ok());
  }
  test::write_bytes(d / "s.jsonl", "{\"id\":1,\"text\":\"nothing here\"}\n");
  auto plan = scale::make_plan({(d / "s.jsonl").string()}, 1, false);
  REQUIRE(plan.ok());
  REQUIRE(write_file_atomic(d / "plan.json", scale::plan_json(*plan)).ok());
  {
    auto idx = index::Index::open_read_only(d / "idx");
    REQUIRE(idx.ok());
    REQUIRE(scale::run_task(**idx, options(1), d / "plan.json", 0, d / "run").ok());
  }
  REQUIRE(scale::merge(d / "run").ok());
  {
    auto w = index::Index::open_for_write(d / "idx", fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE(index::ingest_paths(**w, {(works / "pride-excerpt.txt").string()}).ok());
  }
  auto m = scale::merge(d / "run");
  REQUIRE(!m.ok());
  CHECK(m.error().message.find("index changed") != std::string::npos);
}

TEST_CASE("default_threads follows SLURM_CPUS_PER_TASK", "[scale]") {
  const unsigned all = scale::default_threads();
  CHECK(all >= 1);
  ::setenv("SLURM_CPUS_PER_TASK", "1", 1);
  CHECK(scale::default_threads() == 1);
  ::setenv("SLURM_CPUS_PER_TASK", "junk", 1);
  CHECK(scale::default_threads() == all);
  ::unsetenv("SLURM_CPUS_PER_TASK");
}
