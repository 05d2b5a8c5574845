// reports/detail/report_model.hpp: a scan run read back into what the report shows.
// Built once (report_model.cpp) and rendered three ways (report_json.cpp, report_html.cpp,
// report_pdf.cpp), so the JSON, HTML and PDF can never disagree.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "reports/reports.hpp"

namespace prov::reports::detail {

// Where a work offset came from in the work's source file (the index's offset map).
struct SourceLocation {
  std::string part;                         // EPUB spine item, MOBI part, archive member
  std::string page;                         // PDF or DjVu page number, as text
  std::uint64_t line = 0;                   // 1-based line (txt: of the text; markup: element)
  std::optional<std::uint64_t> source_byte; // raw-file byte offset (UTF-8 .txt only)
  bool known = false;
};

struct Excerpt {
  std::string text;        // valid UTF-8, at most ReportOptions::max_excerpt_bytes
  bool truncated = false;  // the range was longer; text is its beginning
  bool available = false;  // false: could not be read back (see ReportModel::errors)
};

struct Finding {
  std::string finding_id;
  std::string kind;        // "passage" | "near_duplicate"
  std::string shard;
  std::uint64_t record = 0;
  std::string doc_id;
  std::uint64_t doc_start = 0, doc_end = 0;
  std::string work_id;
  bool has_work_range = false;
  std::uint64_t work_start = 0, work_end = 0;
  std::uint64_t words = 0;
  double score = 0;
  bool near_duplicate = false;
  double jaccard = 0, containment = 0;
  std::vector<std::string> flags;
  bool text_repaired = false;
  SourceLocation location;  // of work_start
  Excerpt training;         // document text [doc_start, doc_end)
  Excerpt work;             // work text [work_start, work_end)
};

struct WorkSection {
  std::string work_id;
  std::string title, path, format;
  std::vector<std::string> authors, paths;
  std::uint64_t text_bytes = 0;
  std::uint64_t matched_words = 0, total_words = 0;
  double coverage = 0;
  std::uint64_t passages = 0, documents = 0, boilerplate_passages = 0, near_duplicates = 0;
  bool allowed = false;
  // Merged work byte ranges of the evidence passages (not boilerplate): the coverage picture.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  std::vector<Finding> findings;  // in matches.jsonl order
};

struct FileDigest {
  std::string path;    // as given / recorded
  std::string sha256;
  std::uint64_t bytes = 0;
};

struct ShardInput {
  std::string path, sha256;
  std::uint64_t bytes = 0, records = 0, skipped = 0;
};

// The error rates quoted from an eval.json (provaudit/eval/1).
struct Rate {
  std::string name;  // "all", "ge25", "ge50", or a damage kind (its >= 25-word cell)
  std::uint64_t planted = 0;
  double recall = 0, precision = 0, plagdet = 0;
};
struct ErrorRates {
  FileDigest file;
  std::uint64_t seed = 0;
  bool quick = false;
  std::uint64_t negative_mb = 0;
  std::uint64_t passages_per_cell = 0;
  std::uint64_t min_words = 0;
  std::string index_digest;
  std::vector<Rate> totals;  // all, ge25, ge50
  std::vector<Rate> kinds;   // per damage kind, passages of >= 25 words
  double false_attributions_per_mb = 0;
  std::uint64_t unrelated_bytes = 0;
};

// One torrent-evidence file, re-serialised canonically; events become the timeline.
struct EvidenceEvent {
  std::string time;   // the event's time field as stated ("" if none)
  std::string kind;   // its kind/event/type field
  std::vector<std::pair<std::string, std::string>> fields;  // the other scalar fields
};
struct EvidenceFile {
  FileDigest file;
  std::string schema;          // its "schema" field, "" if none
  std::string canonical_json;  // the whole file via JsonWriter (keys in file order)
  std::vector<EvidenceEvent> events;  // top-level "events" (or "timeline") array
};

struct ReportModel {
  ReportOptions options;
  std::string index_path;          // as used (given or recorded)
  std::string scan_index_path;     // as the scan recorded it (summary.json)
  std::string index_digest;        // recorded in the run
  bool index_digest_matches = false;
  std::string scan_params_json;    // summary.json "params", canonical (compact)
  std::string summary_totals_json; // summary.json "totals", canonical (compact)
  std::uint64_t records = 0, documents_matched = 0, passages = 0, near_duplicates = 0;
  std::uint64_t scan_errors = 0;
  std::vector<std::string> allowed_works;
  std::string text_field = "text", id_field = "id";
  std::uint64_t max_record_bytes = 256u << 20;
  std::uint32_t min_words = 25;
  FileDigest summary_file, matches_file, errors_file;  // the run's files
  std::vector<ShardInput> shards;
  std::vector<WorkSection> works;  // as summary.json orders them (matched words desc)
  std::optional<ErrorRates> rates;
  std::vector<EvidenceFile> evidence;
  std::vector<Error> errors;       // what could not be read back
};

// One torrent-evidence file's bytes (`path` names it in errors). Any JSON is accepted; an
// object's "schema" and its "events" (or "timeline") array of objects are picked out.
Result<EvidenceFile> parse_evidence(const std::string& path, std::string_view bytes);

// A run's summary.json bytes and matches.jsonl stream into the model (works in summary order,
// findings grouped by work in file order). kFormat / kLimit errors name the file and line.
Status parse_summary(ReportModel& m, const std::string& path, std::string_view bytes);
Status parse_matches(ReportModel& m, const std::string& path, std::istream& in);

// Reads everything the report needs. Fails when the run or the index cannot be used at all;
// lesser problems (a changed shard, a missing record) go to model.errors.
Result<ReportModel> build_model(const ReportOptions& options);

std::string report_json(const ReportModel& m);   // pretty, ends with a newline
std::string report_html(const ReportModel& m);
Result<std::string> report_pdf(const ReportModel& m);

// Word-level alignment of two excerpts for highlighting: each side's text cut into runs that
// are `same` (the word appears aligned on the other side, identical), `near` (aligned, equal
// after case and punctuation are ignored) or `diff` (no counterpart).
enum class DiffClass { kSame, kNear, kDiff };
struct DiffRun {
  DiffClass cls = DiffClass::kSame;
  std::string text;  // the words with the whitespace that followed them
};
struct WordDiff {
  std::vector<DiffRun> left, right;
  bool aligned = false;  // false: too long to align; everything is kSame
};
WordDiff word_diff(std::string_view left, std::string_view right);

// Text made safe for rendering: invalid UTF-8 and C0 controls other than \n and \t become
// U+FFFD. Used before HTML escaping and before pango markup.
std::string clean_text(std::string_view s);
std::string html_escape(std::string_view s);  // & < > " ' escaped; input must be clean_text'd

// What a work is called in the HTML and PDF: its title, else its file name.
std::string display_name(const WorkSection& w);

// "12.34%" for a share in [0, 1]; v with `decimals` (1..6) decimals. Locale-free, rounded.
std::string percent(double share);
std::string decimal(double v, int decimals);

}  // namespace prov::reports::detail
