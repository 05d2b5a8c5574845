// demo/run.cpp: the demo end to end: generate, ingest, plant, scan, and score against the truth.
//
// The demo goes through the same library calls as `provaudit ingest` and `provaudit scan`
// (index::ingest_paths, audit::scan, reports::write_scan), so what it measures is what a user
// gets. Planting happens after ingest because passages are cut from the text the index
// extracted: that is the text whose offsets a match reports.
#include <algorithm>
#include <array>
#include <cstdio>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "common/version.hpp"
#include "demo/demo.hpp"
#include "demo/detail/corpus.hpp"
#include "index/index.hpp"
#include "reports/reports.hpp"

namespace prov::demo {
namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 3> kVariantOrder = {"verbatim", "case_punct", "rewrapped"};

// Only what an earlier demo wrote is removed; OUT may hold anything else (it may be ".").

// The output folder's own parts are replaced on every run; the rest of it is the user's.
Status prepare_out(const fs::path& out) {
  return reset_owned_paths(out, {"works", "index", "shards", "run"}, {"truth.jsonl", "demo.json"});
}

bool overlaps(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1) {
  return a0 < b1 && b0 < a1;
}

bool same_doc_and_work(const audit::Match& m, const PlantedPassage& p) {
  return m.shard == p.shard && m.doc_id == p.doc_id && m.work_id == p.work_id;
}

void score(const audit::ScanResult& scan, const std::vector<PlantedPassage>& truth, DemoResult& r) {
  std::uint64_t found = 0;
  for (const auto& p : truth) {
    Outcome o;
    o.planted = p;
    std::uint64_t best = 0;
    for (const auto& m : scan.matches) {
      if (!same_doc_and_work(m, p) || !overlaps(m.doc_start, m.doc_end, p.doc_start, p.doc_end))
        continue;
      const std::uint64_t ov = std::min(m.doc_end, p.doc_end) - std::max(m.doc_start, p.doc_start);
      if (ov <= best) continue;  // ties keep the first match in report order
      best = ov;
      o.found = true;
      o.got_doc_start = m.doc_start;
      o.got_doc_end = m.doc_end;
      o.got_work_start = m.work_start;
      o.got_work_end = m.work_end;
      o.score = m.score;
    }
    o.exact = o.found && o.got_doc_start == p.doc_start && o.got_doc_end == p.doc_end &&
              o.got_work_start == p.work_start && o.got_work_end == p.work_end;
    found += o.found ? 1 : 0;
    r.outcomes.push_back(std::move(o));
  }
  r.reported = scan.matches.size();
  for (const auto& m : scan.matches) {
    const bool tp = std::any_of(truth.begin(), truth.end(), [&](const PlantedPassage& p) {
      return same_doc_and_work(m, p) && overlaps(m.doc_start, m.doc_end, p.doc_start, p.doc_end);
    });
    r.true_positives += tp ? 1 : 0;
  }
  r.recall = truth.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(truth.size());
  // Nothing reported means nothing falsely claimed.
  r.precision = r.reported == 0
                    ? 1.0
                    : static_cast<double>(r.true_positives) / static_cast<double>(r.reported);
}

struct VariantCounts {
  std::uint64_t planted = 0, found = 0, exact = 0;
};

// Counts per variant, in kVariantOrder.
std::vector<std::pair<std::string, VariantCounts>> by_variant(const DemoResult& r) {
  std::vector<std::pair<std::string, VariantCounts>> v;
  for (const char* name : kVariantOrder) v.emplace_back(name, VariantCounts{});
  for (const auto& o : r.outcomes) {
    auto it = std::find_if(v.begin(), v.end(),
                           [&](const auto& e) { return e.first == o.planted.variant; });
    if (it == v.end()) it = v.emplace(v.end(), o.planted.variant, VariantCounts{});
    ++it->second.planted;
    it->second.found += o.found ? 1 : 0;
    it->second.exact += o.exact ? 1 : 0;
  }
  return v;
}

std::string demo_json(const DemoResult& r, std::uint64_t seed) {
  std::uint64_t found = 0, exact = 0;
  for (const auto& o : r.outcomes) {
    found += o.found ? 1 : 0;
    exact += o.exact ? 1 : 0;
  }
  JsonWriter w(true);
  w.begin_object()
      .field("schema", kDemoSchema)
      .key("tool")
      .begin_object()
      .field("name", kToolName)
      .field("version", kToolVersion)
      .end_object()
      .field("seed", seed)
      .key("truth")
      .begin_object()
      .field("file", "truth.jsonl")
      .field("schema", kTruthSchema)
      .end_object()
      .field("run", "run")
      .field("planted", static_cast<std::uint64_t>(r.outcomes.size()))
      .field("found", found)
      .field("exact", exact)
      .field("reported", r.reported)
      .field("true_positives", r.true_positives)
      .field("recall", r.recall)
      .field("precision", r.precision);
  w.key("variants").begin_object();
  for (const auto& [name, c] : by_variant(r)) {
    w.key(name)
        .begin_object()
        .field("planted", c.planted)
        .field("found", c.found)
        .field("exact", c.exact)
        .end_object();
  }
  w.end_object();
  w.field("exit_code", r.exit_code).end_object();
  std::string out = w.take();
  out += '\n';
  return out;
}

}  // namespace

Result<DemoResult> run_demo(const DemoOptions& options) {
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  const fs::path& out = options.out;
  if (auto st = prepare_out(out); !st) return std::move(st).error();

  DemoResult r;
  r.index_dir = out / "index";
  r.run_dir = out / "run";
  r.truth_file = out / "truth.jsonl";
  r.report_dir = out / "report";
  bool skipped = false;

  log("generating works...");
  auto works = detail::generate_works(options.seed);
  if (!works) return std::move(works).error();
  std::error_code ec;
  fs::create_directories(out / "works", ec);
  if (ec)
    return make_error(Errc::kIo, "cannot create directory: " + ec.message(),
                      (out / "works").string());
  for (const auto& w : *works) {
    if (auto st = write_file_atomic(out / "works" / w.file_name, w.bytes); !st)
      return std::move(st).error();
  }

  log("ingesting " + std::to_string(works->size()) + " works...");
  std::vector<detail::IndexedWork> indexed;
  {
    auto index = index::Index::open_for_write(r.index_dir, fingerprint::Params{});
    if (!index) return std::move(index).error();
    index::IngestOptions ingest_options;
    ingest_options.threads = options.threads;
    auto report = index::ingest_paths(**index, {(out / "works").string()}, ingest_options);
    if (!report) return std::move(report).error();
    for (const auto& e : report->errors) log("skipped: " + e.describe());
    skipped = skipped || !report->errors.empty();
    // The scan tables, as `provaudit ingest` saves them: scans of demo/index map them.
    if (auto st = audit::finish_ingest(**index, report->added + report->reextracted > 0); !st)
      return std::move(st).error();
    if (auto st =
            write_file_atomic(r.index_dir / "errors.jsonl", reports::errors_jsonl(report->errors));
        !st)
      return std::move(st).error();
    // Generation order, not the index's: planting must not depend on work ids, which depend
    // on the compressor's bytes (see corpus.cpp).
    for (const auto& w : *works) {
      const auto rec = (*index)->find(sha256_hex(w.bytes));
      if (!rec) {
        skipped = true;
        continue;
      }
      auto text = (*index)->text(rec->num);
      if (!text) return std::move(text).error();
      detail::IndexedWork iw;
      iw.work_id = rec->work_id;
      iw.path = rec->path;
      iw.tokens = fingerprint::tokenize(*text);
      iw.text = std::move(*text);
      indexed.push_back(std::move(iw));
    }
  }  // the writer closes here, so the scan opens the committed index read-only

  log("planting passages in shards...");
  auto shards = detail::write_shards(indexed, out / "shards", options.seed);
  if (!shards) return std::move(shards).error();
  if (auto st = write_file_atomic(r.truth_file, detail::truth_jsonl(shards->truth)); !st)
    return std::move(st).error();

  log("scanning " + std::to_string(shards->paths.size()) + " shards...");
  auto index = index::Index::open_read_only(r.index_dir);
  if (!index) return std::move(index).error();
  audit::ScanOptions scan_options;
  scan_options.shards = shards->paths;
  scan_options.threads = options.threads;
  auto scan = audit::scan(**index, scan_options);
  if (!scan) return std::move(scan).error();
  for (const auto& e : scan->errors) log("skipped: " + e.describe());
  skipped = skipped || !scan->errors.empty() ||
            std::any_of(scan->shards.begin(), scan->shards.end(),
                        [](const ingest::ShardStats& s) { return s.skipped > 0; });
  if (auto st = reports::write_scan(*scan, r.run_dir); !st) return std::move(st).error();

  score(*scan, shards->truth, r);

  // The evidentiary report of the run, as `provaudit report RUN --out DIR` writes it.
  log("writing the report (JSON, HTML, PDF, manifest)...");
  reports::ReportOptions report_options;
  report_options.run = r.run_dir.string();
  report_options.index = r.index_dir.string();
  report_options.out = r.report_dir.string();
  auto report = reports::write_report(report_options);
  if (!report) return std::move(report).error();
  for (const auto& e : report->problems) log("report: " + e.describe());
  skipped = skipped || !report->problems.empty();
  r.exit_code = skipped ? 3 : 0;
  if (auto st = write_file_atomic(out / "demo.json", demo_json(r, options.seed)); !st)
    return std::move(st).error();
  return r;
}

std::string format_table(const DemoResult& r) {
  const auto range = [](std::uint64_t a, std::uint64_t b) {
    return std::to_string(a) + "-" + std::to_string(b);
  };
  std::string t;
  char line[512];
  std::snprintf(line, sizeof line, "%-16s %-7s %-10s %5s  %-13s %-13s %-13s %-13s %-6s %5s\n",
                "shard", "doc_id", "variant", "words", "planted doc", "reported doc",
                "planted work", "reported work", "result", "score");
  t += line;
  std::uint64_t found = 0, exact = 0;
  for (const auto& o : r.outcomes) {
    const auto& p = o.planted;
    found += o.found ? 1 : 0;
    exact += o.exact ? 1 : 0;
    const std::string shard = fs::path(p.shard).filename().string();
    std::snprintf(line, sizeof line, "%-16s %-7s %-10s %5u  %-13s %-13s %-13s %-13s %-6s %5.3f\n",
                  shard.c_str(), p.doc_id.c_str(), p.variant.c_str(), p.words,
                  range(p.doc_start, p.doc_end).c_str(),
                  o.found ? range(o.got_doc_start, o.got_doc_end).c_str() : "-",
                  range(p.work_start, p.work_end).c_str(),
                  o.found ? range(o.got_work_start, o.got_work_end).c_str() : "-",
                  o.exact   ? "exact"
                  : o.found ? "found"
                            : "MISSED",
                  o.score);
    t += line;
  }
  const std::size_t n = r.outcomes.size();
  std::snprintf(line, sizeof line,
                "\nrecall %llu/%zu = %.3f, precision %llu/%llu = %.3f, exact offsets %llu/%zu\n",
                static_cast<unsigned long long>(found), n, r.recall,
                static_cast<unsigned long long>(r.true_positives),
                static_cast<unsigned long long>(r.reported), r.precision,
                static_cast<unsigned long long>(exact), n);
  t += line;
  for (const auto& [name, c] : by_variant(r)) {
    std::snprintf(
        line, sizeof line, "  %-10s found %llu/%llu, exact %llu/%llu\n", name.c_str(),
        static_cast<unsigned long long>(c.found), static_cast<unsigned long long>(c.planted),
        static_cast<unsigned long long>(c.exact), static_cast<unsigned long long>(c.planted));
    t += line;
  }
  t += "run:   " + r.run_dir.string() + " (matches.jsonl, summary.json, errors.jsonl)\n";
  t += "truth: " + r.truth_file.string() + "\n";
  t += "report: " + (r.report_dir / "report.html").string() + " (and report.pdf, report.json, manifest.json)\n";
  if (r.exit_code == 3)
    t += "some inputs were skipped: see " + (r.index_dir / "errors.jsonl").string() + " and " +
         (r.run_dir / "errors.jsonl").string() + "\n";
  return t;
}

}  // namespace prov::demo
