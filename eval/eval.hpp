// eval/eval.hpp: the matcher's error rates, measured on a corpus with known answers.
//
// run_eval() writes, under options.out:
//   index/        the fingerprint index of the indexed works
//   shards/       eval-0.jsonl.zst ... : documents of natural text that is in no indexed work,
//                 some with one planted passage of an indexed work under one kind of damage,
//                 the rest unrelated (every match there is a false attribution)
//   truth.jsonl   one planted passage a line (schema provaudit/eval-truth/1)
//   run/          the scan's matches.jsonl, summary.json and errors.jsonl
//   eval.json     the scores (schema provaudit/eval/1): per damage kind and passage length,
//                 recall, precision, boundary error and the PAN text-alignment measures
//                 (Potthast et al., "An Evaluation Framework for Plagiarism Detection", 2010),
//                 and the false attribution rate on unrelated text
// Without options.works the demo's generated works are used (written to OUT/demo/works).
//
// Determinism: everything written depends only on the inputs, the seed and the sizes, never on
// the thread count, so two runs give byte-identical eval.json. Paths in eval.json are relative
// to OUT, so the folder may move.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "common/result.hpp"

namespace prov::eval {

inline constexpr const char* kEvalSchema = "provaudit/eval/1";
inline constexpr const char* kTruthSchema = "provaudit/eval-truth/1";

// What scraping and conversion do to a passage (issue 4). Each is a deterministic, seeded
// transform of the passage text; see eval/detail/damage.hpp for exactly what each does.
enum class Damage { kVerbatim, kCasePunct, kTypography, kLinewrap, kOcr, kEditing };
inline constexpr std::array<Damage, 6> kDamageKinds = {Damage::kVerbatim,   Damage::kCasePunct,
                                                       Damage::kTypography, Damage::kLinewrap,
                                                       Damage::kOcr,        Damage::kEditing};
const char* damage_name(Damage d);  // "verbatim", "case_punct", ...

// Planted passage lengths, in words of the work (fingerprint tokens). Each bucket gets the same
// number of passages, with lengths uniform within it.
struct LengthBucket {
  std::uint32_t min_words = 0, max_words = 0;  // inclusive
};
inline constexpr std::array<LengthBucket, 5> kBuckets = {
    {{12, 24}, {25, 49}, {50, 99}, {100, 299}, {300, 1000}}};
std::string bucket_name(const LengthBucket& b);  // "12-24"

struct EvalOptions {
  // Works to index: files or directories (walked like `provaudit ingest` does). Empty: the
  // demo's generated works.
  std::vector<std::string> works;
  // Unrelated natural text (files or directories; .txt and any book format ingest reads),
  // never indexed. Empty: a third of the works (every third in input order, at least one) is
  // held out of the index and its text used instead.
  std::vector<std::string> negatives;
  std::filesystem::path out = "provaudit-eval";
  std::uint64_t seed = 20261128;
  unsigned threads = 0;  // 0 = all CPUs; never changes results
  // Sizes. Zero means the default of the mode: quick (CI) 40 passages per cell and 4 MB of
  // unrelated documents; full 200 passages per cell and 100 MB (CONTRACT.md).
  bool quick = false;
  std::uint32_t passages_per_cell = 0;  // per damage kind and length bucket
  std::uint64_t negative_mb = 0;        // unrelated documents, in 10^6 bytes of text
  audit::MatchParams match;             // the matcher's knobs, as `scan` takes them
  std::function<void(const std::string&)> log;  // optional progress lines
};

// Scores of one set of planted passages (a cell of the table, or an aggregate of cells) and
// the matches reported in their documents.
struct PanScores {
  // Character (here: UTF-8 byte) level, micro-averaged over (document range, work range)
  // pairs. precision is 1 when nothing was reported, recall 1 when nothing was planted.
  double precision = 1, recall = 1;
  double granularity = 1;  // detections per detected case (1 when none was detected)
  double plagdet = 1;      // F1 / log2(1 + granularity)
};

struct Cell {
  std::uint64_t planted = 0;
  std::uint64_t below_min_words = 0;  // planted passages shorter than MatchParams::min_words
  std::uint64_t found = 0;  // a match of the same work overlaps the planted document range
  double recall = 1;        // found / planted (1 when none planted)
  std::uint64_t reported = 0;        // matches in these documents
  std::uint64_t true_positives = 0;  // of those, overlapping a planted passage of their work
  double precision = 1;              // true_positives / reported (1 when none reported)
  std::uint64_t wrong_work = 0;  // matches overlapping a planted passage, of another work
  // Document-side boundary error of found passages: the words (tokens) between the planted
  // and the reported start, and between the planted and the reported end, where "reported" is
  // the extent of the passage's overlapping matches of its work. Mean and max are over ends.
  double boundary_mean_words = 0;
  std::uint64_t boundary_max_words = 0;
  double boundary_within_3 = 1;  // share of found passages with both ends within 3 words
  PanScores pan;
};

struct KindScores {
  Damage kind = Damage::kVerbatim;
  std::array<Cell, kBuckets.size()> buckets;  // in kBuckets order
  Cell all, ge25, ge50;                       // all lengths, >= 25 words, >= 50 words
};

// Unrelated text is the unrelated documents plus the filler around planted passages; every
// match there attributes text to a work it did not come from.
struct FalseAttribution {
  std::uint64_t unrelated_documents = 0;
  std::uint64_t unrelated_bytes = 0;  // text of the unrelated documents
  std::uint64_t filler_bytes = 0;     // text around planted passages
  std::uint64_t in_unrelated_documents = 0;  // matches in unrelated documents
  std::uint64_t in_filler = 0;   // matches in planted documents that overlap no planted passage
  std::uint64_t wrong_work = 0;  // matches overlapping a planted passage, of another work
  double per_mb = 0;  // (in_unrelated_documents + in_filler) per 10^6 bytes of unrelated text
};

struct ShardInfo {
  std::string path;  // relative to OUT ("shards/eval-0.jsonl.zst")
  std::string sha256;
  std::uint64_t bytes = 0, records = 0;
};

struct WorkInfo {
  std::string work_id;
  std::string title;
  std::uint64_t words = 0;
};

struct EvalResult {
  std::filesystem::path index_dir, run_dir, truth_file, eval_json;
  // Parameters as used (defaults of the mode filled in).
  std::uint64_t seed = 0;
  bool quick = false;
  std::uint32_t passages_per_cell = 0;
  std::uint64_t negative_mb = 0;
  fingerprint::Params fingerprint;
  audit::MatchParams match;
  std::string index_digest;
  std::vector<WorkInfo> indexed;            // in index (work_id) order
  std::vector<WorkInfo> negative_sources;   // held-out works or --negatives, in input order
  std::vector<ShardInfo> shards;
  std::vector<KindScores> kinds;                   // in kDamageKinds order
  std::array<Cell, kBuckets.size()> buckets;       // all kinds together
  Cell all, ge25, ge50;  // all kinds; their precision also counts unrelated documents' matches
  FalseAttribution false_attribution;
  std::vector<Error> errors;  // inputs skipped (ingest, negatives, scan)
  int exit_code = 0;          // 0, or 3 when some input was skipped
};

// Builds the index, generates the shards, scans them and scores the result. Removes only the
// eval's own outputs from an earlier run (OUT/index, shards, run, demo, truth.jsonl,
// eval.json). Fails (kUsage) without enough works or negative text to build the corpus, or with
// the failing stage's error when one cannot run; a skipped input is exit_code 3, not a failure.
Result<EvalResult> run_eval(const EvalOptions& options);

// eval.json's bytes (pretty, canonical, ending in a newline).
std::string eval_json(const EvalResult& r);

// The readable table: one row per damage kind and length bucket, then the aggregates and the
// false attribution figures.
std::string format_table(const EvalResult& r);

}  // namespace prov::eval
