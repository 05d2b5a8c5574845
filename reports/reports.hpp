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

}  // namespace prov::reports
