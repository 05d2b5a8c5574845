// gate/gate.hpp: a scan's findings judged against a team's policy; CI reports; cleaned shards.
//
// The release gate sits downstream of reports. It takes a policy (TOML, see docs in
// ARCHITECTURE.md "Gate") and the findings of a scan (fresh, or a run folder written earlier),
// decides which findings count and which limits they break, and writes the verdict as
// gate.json (schema provaudit/gate/1), JUnit XML and SARIF 2.1.0. diff_runs() compares two runs
// by finding_id; filter_shards() writes shards again without (or with redacted) violating
// documents, keeping every other byte of every record.
//
// Everything here is deterministic: the same policy bytes and the same run give the same
// gate.json, JUnit and SARIF bytes. Nothing here prints or exits.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "common/result.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"

namespace prov::gate {

inline constexpr const char* kGateSchema = "provaudit/gate/1";
inline constexpr const char* kDiffSchema = "provaudit/diff/1";
inline constexpr const char* kFilterSchema = "provaudit/filter/1";
inline constexpr const char* kFilterLogSchema = "provaudit/filter-log/1";

// ---- Policy -------------------------------------------------------------------------------

// The limits one section of a policy sets; a key it leaves out is taken from the level below
// (works."<id>" over classes.<name> over defaults). A limit is violated when the value is
// greater than it, so 0 allows none.
struct Limits {
  std::optional<std::uint32_t> min_words;                       // shorter passages do not count
  std::optional<std::uint64_t> max_matched_words_per_document;  // per (document, work)
  std::optional<double> max_coverage_per_work;                  // share of the work, 0..1
  std::optional<std::uint64_t> max_documents_per_work;          // distinct documents
};

// Limits with every key resolved.
struct Thresholds {
  std::uint32_t min_words = 25;
  std::uint64_t max_matched_words_per_document = 0;
  double max_coverage_per_work = 0.0;
  std::uint64_t max_documents_per_work = 0;
};

struct WorkRule {
  Limits limits;
  std::string work_class;  // "class" key: overrides the class the index records
};

struct Policy {
  std::string path;                          // as given (messages, gate.json)
  std::string sha256;                        // of the policy file's bytes
  Thresholds defaults;                       // [defaults], with built-in values for keys left out
  std::map<std::string, Limits> classes;     // [classes.NAME]
  std::map<std::string, WorkRule> works;     // [works."<work_id>"] (64 hex digits)
  std::vector<std::string> allow;            // [allow] works = [...], sorted, unique

  // The thresholds for one work of class `work_class` (may be empty).
  Thresholds thresholds_for(const std::string& work_id, const std::string& work_class) const;
  // The class a work has under this policy: the policy's own [works."<id>"] class, else the
  // class recorded in the index.
  std::string class_of(const std::string& work_id, const std::string& indexed_class) const;
  // The smallest min_words any section sets: what a scan for this policy must report down to.
  std::uint32_t smallest_min_words() const;
  bool allowed(const std::string& work_id) const;
};

// Parses a policy. Unknown sections or keys, wrong types and out-of-range values fail with
// Errc::kFormat, naming `path` and the line. Limits: 1 MiB of TOML, 100,000 works.
Result<Policy> parse_policy(std::string_view toml, const std::string& path);
Result<Policy> load_policy(const std::string& path);

// ---- The findings of a run ---------------------------------------------------------------

struct Finding {
  std::string finding_id;
  std::string kind;          // "passage" | "near_duplicate"
  std::size_t shard_index = 0;
  std::string shard;
  std::uint64_t record = 0;  // 1-based line
  std::string doc_id;
  std::uint64_t doc_start = 0, doc_end = 0;
  std::string work_id;
  std::string work_title;
  std::string work_path;
  std::optional<std::uint64_t> work_start, work_end;  // passages only
  std::uint32_t words = 0;
  double score = 0;
  bool boilerplate = false;
  bool allowed = false;      // the scan's own allowlist
  std::string excerpt;       // the document's text in [doc_start, doc_end), cut to 240 bytes;
                             // filled by attach_excerpts() for findings that violate
};

struct RunWork {
  std::string work_id;
  std::string title;
  std::string path;
  std::string work_class;    // from the index (attach_classes)
  double coverage = 0;       // the scan's coverage (all evidence passages of >= min_words)
  std::uint64_t total_words = 0;
};

struct RunShard {
  std::string path;
  std::string sha256;
  std::uint64_t records = 0, skipped = 0;
};

// What the gate needs of a scan: its findings, the works' coverage and its inputs.
struct RunData {
  std::uint32_t min_words = 25;
  std::string index_path;
  std::string index_digest;
  ingest::ShardOptions shard_options;
  std::vector<RunShard> shards;
  std::vector<Finding> findings;   // in matches.jsonl order
  std::vector<RunWork> works;      // by work_id
  std::vector<Error> errors;       // the scan's skipped inputs: a gate fails closed on them
};

RunData run_from_scan(const audit::ScanResult& scan);
// Reads RUN/summary.json and RUN/matches.jsonl. Fails (kIo, kFormat with file and line) if
// either is missing or malformed.
Result<RunData> load_run(const std::string& dir);
// Records each work's class from the index (works not in the index keep an empty class).
Status attach_classes(RunData& run, const index::Index& index);

// ---- Verdicts ---------------------------------------------------------------------------

enum class Rule { kMatchedWordsPerDocument, kCoveragePerWork, kDocumentsPerWork };
const char* rule_id(Rule r);  // "matched-words-per-document", "coverage-per-work", ...

struct Violation {
  Rule rule = Rule::kMatchedWordsPerDocument;
  std::string work_id;
  double value = 0;                      // words, coverage or documents
  double limit = 0;
  std::optional<std::size_t> document;   // per-document rule: index into findings of the
                                         // document's first counted finding
  std::vector<std::size_t> findings;     // the counted findings behind it (indices)
};

struct WorkVerdict {
  std::string work_id;
  std::string title;
  std::string path;              // the work's first path (for readers when it has no title)
  std::string work_class;
  Thresholds limits;
  bool allowed = false;          // policy [allow] or the scan's allowlist
  std::uint64_t counted = 0;     // findings that count under the policy
  std::uint64_t documents = 0;
  std::uint64_t max_document_words = 0;
  double coverage = 0;
  bool coverage_estimated = false;  // min_words above the scan's: scaled by work byte ranges
  bool passed = true;
};

struct GateResult {
  std::vector<WorkVerdict> works;       // every work with findings, by work_id
  std::vector<Violation> violations;    // by work_id, then rule, then document order
  std::vector<bool> counted;            // per finding
  std::vector<bool> in_violation;       // per finding: behind some violation
  bool passed = true;                   // no violations (input errors are the caller's call)
};

// Judges a run. Fails with kUsage if the run's min_words is larger than the policy's smallest
// (the scan did not report passages the policy counts).
Result<GateResult> evaluate(const Policy& policy, const RunData& run);

// Reads the shards again to fill Finding::excerpt for findings in violation. A shard that
// cannot be read or whose SHA-256 differs from the run's is an error.
Status attach_excerpts(RunData& run, const GateResult& result);

std::string gate_json(const Policy& policy, const RunData& run, const GateResult& result);
std::string junit_xml(const Policy& policy, const RunData& run, const GateResult& result);
std::string sarif_json(const Policy& policy, const RunData& run, const GateResult& result);
// A few lines for a terminal.
std::string human_summary(const Policy& policy, const RunData& run, const GateResult& result);

// ---- Diff -------------------------------------------------------------------------------

struct FindingChange {
  std::string finding_id;
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> fields;  // name, (a, b)
};
struct RunDiff {
  std::vector<Finding> added, removed;   // by finding_id
  std::vector<FindingChange> changed;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};
// Compares findings by (finding_id, kind): added, removed and changed (doc_end, work range,
// words, score, flags, and the gate verdict when both runs hold a gate.json).
Result<RunDiff> diff_runs(const std::string& run_a, const std::string& run_b);
std::string diff_json(const std::string& run_a, const std::string& run_b, const RunDiff& d);
std::string diff_text(const RunDiff& d);

// ---- Filter -----------------------------------------------------------------------------

struct FilterOptions {
  bool redact = false;                 // false: drop violating documents
  std::string marker = "[REDACTED]";   // replaces each violating passage (--redact)
  std::string out_dir;
};

struct FilterStats {
  std::string shard;                   // as given
  std::string output;                  // path written
  std::uint64_t lines = 0, kept = 0, dropped = 0, redacted = 0, unreadable = 0;
  std::uint64_t redacted_bytes = 0;
};

struct FilterResult {
  std::vector<FilterStats> shards;
  std::string log_jsonl;               // one line per record touched (schema filter-log/1)
  std::vector<Error> errors;           // records dropped as unreadable
};

// Writes each shard of the run to out_dir/<file name>, in the shard's own format (.jsonl,
// .jsonl.gz, .jsonl.zst): a line that holds a finding in violation is dropped, or with
// redact has the document byte ranges of those findings (merged where they overlap) replaced
// by the marker in its text field, re-escaped, every other byte of the line kept. Lines that
// are not readable records are dropped and reported; blank lines and every other line are
// copied byte for byte (the decompressed line). Fails (nothing complete written) if a shard
// cannot be read, has changed since the scan, is a .txt shard, or two shards share a name.
Result<FilterResult> filter_shards(const RunData& run, const GateResult& result,
                                   const FilterOptions& options);
std::string filter_summary_json(const Policy& policy, const FilterOptions& options,
                                const FilterResult& r);

}  // namespace prov::gate
