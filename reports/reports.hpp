// reports/reports.hpp: a scan's results written as evidence files.
//
// RUN/matches.jsonl   one verified passage a line (schema provaudit/match/1)
// RUN/summary.json    parameters, tool, index digest, shard digests, per-work coverage, totals,
//                     errors (schema provaudit/summary/1)
// RUN/errors.jsonl    one skipped input a line (schema provaudit/error/1)
// The bytes depend only on the ScanResult: canonical JSON (common/json_writer.hpp), fixed key
// order, 6-decimal floats, no timestamps and no thread counts.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "common/result.hpp"

namespace prov::reports {

inline constexpr const char* kMatchSchema = "provaudit/match/1";
inline constexpr const char* kSummarySchema = "provaudit/summary/1";
inline constexpr const char* kErrorSchema = "provaudit/error/1";

std::string match_line(const audit::Match& m);          // one JSON object, no newline
std::string summary_json(const audit::ScanResult& r);   // pretty, ends with a newline
std::string error_line(const Error& e);                 // one JSON object, no newline
// All error lines, each ending in '\n'.
std::string errors_jsonl(const std::vector<Error>& errors);

// Creates `dir` if needed and writes the three files (each atomically).
Status write_scan(const audit::ScanResult& r, const std::filesystem::path& dir);

// ---- Evidentiary reports (provaudit report / verify / reproduce / keygen) ----------------
//
// DIR/report.json   canonical, deterministic (schema provaudit/report/1): summary, works with
//                   coverage, every finding with both excerpts (re-read from the shards and
//                   the index) and both locations, method, parameters, error rates (--eval),
//                   torrent evidence (--evidence), inputs with SHA-256
// DIR/report.html   one self-contained page (inline CSS and SVG, no scripts, no fetches)
// DIR/report.pdf    the same for print (cairo + pango), fixed metadata dates
// DIR/manifest.json SHA-256 of every input and output, parameters, the commands that
//                   reproduce the scan and the report (schema provaudit/manifest/1); its
//                   `created` and `build` fields are the only ones that vary by machine
// DIR/manifest.json.sig  optional Ed25519 signature (libsodium) over manifest.json's bytes
// Relative input paths are kept as given and resolved against the current directory.

inline constexpr const char* kReportSchema = "provaudit/report/1";
inline constexpr const char* kManifestSchema = "provaudit/manifest/1";

struct ReportOptions {
  std::string run;                       // the scan's RUN folder, as given
  std::string index;                     // empty: the path recorded in RUN/summary.json
  std::string out;                       // DIR
  bool json = true, html = true, pdf = true;
  std::string eval;                      // eval.json (provaudit eval), empty if none
  std::vector<std::string> evidence;     // JSON files from `provaudit evidence show --json`
  std::string sign_key;                  // secret key file (keygen), empty: unsigned
  std::uint32_t max_excerpts_per_work = 20;  // HTML and PDF; report.json lists every finding
  std::uint32_t max_excerpt_bytes = 2000;    // each side of an excerpt, cut at a UTF-8 boundary
};

struct ReportOutcome {
  std::vector<std::string> files;   // written, relative to DIR, sorted
  std::vector<Error> problems;      // inputs that could not be read back (exit 3), also in
                                    // report.json "errors"
  std::uint64_t works = 0, findings = 0;
};

// Reads the run back (summary, matches, shards, index, eval, evidence) and writes DIR.
// Fails (kIo, kFormat, kUsage) when the run, the index or DIR cannot be used at all.
Result<ReportOutcome> write_report(const ReportOptions& options);

struct VerifyOptions {
  std::string dir;
  std::string pubkey;   // public key file; empty: the signature (if any) is not checked
  bool inputs = false;  // also re-hash inputs still reachable at their recorded paths
};

struct VerifyOutcome {
  std::vector<std::string> differences;  // one line each, naming the file ("changed: ...")
  std::vector<std::string> notes;        // checked, or not checkable (and why)
  bool ok() const { return differences.empty(); }
};

// Fails only when DIR/manifest.json cannot be read or parsed, or the key file is unusable.
Result<VerifyOutcome> verify(const VerifyOptions& options);

// Writes PREFIX.key (Ed25519 secret key, 64 bytes as 128 hex digits, mode 0600) and
// PREFIX.pub (32 bytes as 64 hex digits), each followed by a newline.
Status keygen(const std::string& prefix);

struct ReproduceOutcome {
  std::vector<std::string> differences;  // files whose re-run bytes differ from the recorded
  std::vector<std::string> notes;
  std::string scan_dir;                  // where the re-run wrote its files (removed unless kept)
  bool ok() const { return differences.empty(); }
};

// Re-runs the scan recorded in DIR/manifest.json (same index, shards and parameters) into a
// temporary folder and compares matches.jsonl, summary.json and errors.jsonl with the
// recorded SHA-256s. Fails when the recorded inputs cannot be opened.
Result<ReproduceOutcome> reproduce(const std::string& dir, unsigned threads, bool keep);

}  // namespace prov::reports
