// demo/demo.hpp: the whole pipeline on a corpus the demo makes itself, scored against what it
// planted.
//
// run_demo() writes, under options.out:
//   works/        six generated known works, three .txt (one with a UTF-8 BOM and CRLF line
//                 endings) and three EPUB 3 files
//   index/        the fingerprint index of works/
//   shards/       web-a.jsonl (string ids), web-b.jsonl.gz (numeric ids), web-c.jsonl.zst (no
//                 ids): documents of filler prose, about half with 1-3 passages copied from the
//                 works (verbatim, lower-cased and re-punctuated, or hard-wrapped)
//   truth.jsonl   one planted passage a line (schema provaudit/demo-truth/1)
//   run/          the scan's matches.jsonl, summary.json and errors.jsonl
//   report/       the evidentiary report of run/ (report.json, .html, .pdf, manifest.json)
//   demo.json     the comparison: counts, recall, precision (schema provaudit/demo/1)
// It needs no input and never reads ../shared. Everything it writes depends only on the seed
// (never on thread count or machine), so two runs into the same folder give the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace prov::demo {

inline constexpr const char* kTruthSchema = "provaudit/demo-truth/1";
inline constexpr const char* kDemoSchema = "provaudit/demo/1";

struct DemoOptions {
  std::filesystem::path out = "provaudit-demo";  // everything is written under here
  unsigned threads = 0;                          // 0 = all CPUs
  std::uint64_t seed = 20261128;
  std::function<void(const std::string&)> log;  // optional progress lines ("generating corpus...")
};

// One passage copied from a work into a shard document. Offsets are half-open UTF-8 bytes:
// doc_* into the document's text (the JSON string after unescaping), work_* into the work's
// extracted text as the index stores it.
struct PlantedPassage {
  std::string shard;   // the shard path as given to the scan
  std::string doc_id;  // as the scan reports it (string id, numeric id's text, or line)
  std::uint64_t doc_start = 0, doc_end = 0;
  std::string work_id;
  std::string work_path;
  std::uint64_t work_start = 0, work_end = 0;
  std::string variant;      // "verbatim" | "case_punct" | "rewrapped"
  std::uint32_t words = 0;  // tokens of the passage
};

struct Outcome {
  PlantedPassage planted;
  bool found = false;  // a reported match of the same shard, document and work overlaps it
  bool exact = false;  // reported offsets equal planted on both sides
  // The reported match overlapping the passage most (zero when not found).
  std::uint64_t got_doc_start = 0, got_doc_end = 0, got_work_start = 0, got_work_end = 0;
  double score = 0;
};

struct DemoResult {
  std::filesystem::path index_dir, run_dir, truth_file, report_dir;
  std::vector<Outcome> outcomes;     // one per planted passage, in truth order
  std::uint64_t reported = 0;        // passages in matches.jsonl
  std::uint64_t true_positives = 0;  // reported passages overlapping a planted one of the same work
  double recall = 0, precision = 0;  // found/planted, true_positives/reported (1 if none reported)
  int exit_code = 0;                 // 0 all read, 3 if ingest or scan skipped something
};

// Generates, ingests, scans and compares. Removes only the demo's own outputs from a previous
// run (OUT/works, index, shards, run, truth.jsonl, demo.json); anything else in OUT is left
// alone. Fails (kIo, kInternal, or the failing stage's error) when a stage cannot run at all;
// a skipped input is not a failure but exit_code 3.
Result<DemoResult> run_demo(const DemoOptions& options);

// One row per planted passage, then per-variant counts, recall, precision and the paths.
std::string format_table(const DemoResult& r);

}  // namespace prov::demo
