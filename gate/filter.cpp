// gate/filter.cpp: shards written again without the text a policy forbids.
//
// Each shard is read twice in lockstep: raw decompressed lines (gate/detail/shard_io.hpp) to
// copy, and ingest's ShardReader to know which lines are records and what their unescaped text
// is (the text the findings' doc_start/doc_end point into). A line is copied untouched unless
// it holds a finding in violation; such a line is dropped, or (redact) gets a new text field:
// the reader's text with the violating byte ranges (merged) replaced by the marker, re-escaped
// by the canonical JSON writer and spliced into the line where the old string token stood.
// Before splicing, the old token is unescaped here and must equal the reader's text, so a
// misplaced splice cannot happen silently.
#include <algorithm>
#include <filesystem>
#include <set>

#include "common/json_writer.hpp"
#include "common/version.hpp"
#include "gate/detail/json_text.hpp"
#include "gate/detail/shard_io.hpp"
#include "gate/gate.hpp"

namespace prov::gate {
namespace {

using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

Ranges merged(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

bool blank(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct LogEntry {
  std::string shard;
  std::uint64_t line = 0;
  std::string doc_id;
  std::string action;  // dropped | redacted | dropped_unreadable
  Ranges ranges;
  std::vector<std::string> finding_ids;
  std::vector<std::string> work_ids;
  std::string reason;
};

std::string log_line(const LogEntry& e) {
  JsonWriter w;
  w.begin_object()
      .field("shard", e.shard)
      .field("line", e.line)
      .field("doc_id", e.doc_id)
      .field("action", e.action);
  w.key("ranges").begin_array();
  for (const auto& [s, t] : e.ranges) w.begin_array().value(s).value(t).end_array();
  w.end_array();
  w.field_strings("finding_ids", e.finding_ids).field_strings("work_ids", e.work_ids);
  if (!e.reason.empty()) w.field("reason", e.reason);
  w.end_object();
  return w.take() + "\n";
}

}  // namespace

Result<FilterResult> filter_shards(const RunData& run, const GateResult& result, const FilterOptions& opt) {
  namespace fs = std::filesystem;
  FilterResult out;
  // Output names must not collide, and no output may overwrite its own input.
  std::set<std::string> names;
  for (const auto& s : run.shards) {
    const std::string name = fs::path(s.path).filename().string();
    if (!(ends_with(name, ".jsonl") || ends_with(name, ".jsonl.gz") || ends_with(name, ".jsonl.zst") ||
          ends_with(name, ".json") || ends_with(name, ".json.gz") || ends_with(name, ".json.zst")))
      return make_error(Errc::kUsage, "filter writes JSON Lines shards (.jsonl, .jsonl.gz, .jsonl.zst) only", s.path);
    if (!names.insert(name).second)
      return make_error(Errc::kUsage, "two shards are named " + name + "; filter writes each under its file name",
                        s.path);
    std::error_code ec;
    if (fs::equivalent(fs::path(opt.out_dir) / name, s.path, ec))
      return make_error(Errc::kUsage, "the output would overwrite the input", s.path);
  }
  std::error_code ec;
  fs::create_directories(opt.out_dir, ec);
  if (ec) return make_error(Errc::kIo, "cannot create output directory: " + ec.message(), opt.out_dir);

  // Violating findings per shard and line.
  std::vector<std::map<std::uint64_t, std::vector<std::size_t>>> bad(run.shards.size());
  for (std::size_t i = 0; i < run.findings.size(); ++i)
    if (result.in_violation[i]) bad[run.findings[i].shard_index][run.findings[i].record].push_back(i);

  for (std::size_t si = 0; si < run.shards.size(); ++si) {
    const RunShard& shard = run.shards[si];
    FilterStats st;
    st.shard = shard.path;
    st.output = (fs::path(opt.out_dir) / fs::path(shard.path).filename()).string();
    auto lines = detail::LineReader::open(shard.path, run.shard_options.max_record_bytes);
    if (!lines) return std::move(lines).error();
    auto reader = ingest::ShardReader::open(shard.path, run.shard_options);
    if (!reader) return std::move(reader).error().with_path(shard.path);
    auto writer = detail::LineWriter::create(st.output, (*lines)->codec());
    if (!writer) return std::move(writer).error();

    std::vector<Error> record_errors;
    ingest::ShardRecord rec;
    bool have_rec = false, reader_done = false;
    std::string line;
    bool newline = false, oversized = false;
    std::uint64_t n = 0;
    for (;;) {
      auto got = (*lines)->next(line, newline, oversized);
      if (!got) return std::move(got).error();
      if (!*got) break;
      ++n;
      ++st.lines;
      while (!reader_done && (!have_rec || rec.index < n)) {
        auto r = (*reader)->next(rec, record_errors);
        if (!r) return std::move(r).error().with_path(shard.path);
        have_rec = *r;
        reader_done = !*r;
      }
      const bool is_record = have_rec && rec.index == n;
      const std::string eol = newline ? "\n" : "";
      if (!is_record) {
        if (!oversized && blank(line)) {  // not a record: copied as is
          if (auto s = (*writer)->write(line + eol); !s) return std::move(s).error();
          ++st.kept;
          continue;
        }
        // A line the reader refused (invalid JSON or UTF-8, no text field, too long): the
        // gate cannot vouch for it, so it does not pass into the cleaned shard.
        LogEntry e{shard.path, n, "", "dropped_unreadable", {}, {}, {}, "not a readable record"};
        for (const auto& err : record_errors)
          if (err.line && *err.line == n) e.reason = err.message;
        Error err = make_error(Errc::kFormat, "dropped: " + e.reason, shard.path);
        err.line = n;
        out.errors.push_back(std::move(err));
        out.log_jsonl += log_line(e);
        ++st.unreadable;
        continue;
      }
      auto it = bad[si].find(n);
      if (it == bad[si].end()) {
        if (auto s = (*writer)->write(line + eol); !s) return std::move(s).error();
        ++st.kept;
        continue;
      }
      LogEntry e;
      e.shard = shard.path;
      e.line = n;
      e.doc_id = rec.doc_id;
      Ranges ranges;
      std::set<std::string> works;
      for (const std::size_t i : it->second) {
        const Finding& f = run.findings[i];
        if (f.doc_id != rec.doc_id || f.doc_end > rec.text.size())
          return make_error(Errc::kFormat, "line " + std::to_string(n) + " does not hold finding " + f.finding_id +
                                               ": the shard changed since the scan",
                            shard.path);
        ranges.emplace_back(f.doc_start, f.doc_end);
        e.finding_ids.push_back(f.finding_id);
        works.insert(f.work_id);
      }
      e.work_ids.assign(works.begin(), works.end());
      e.ranges = merged(std::move(ranges));
      if (!opt.redact) {
        e.action = "dropped";
        ++st.dropped;
        out.log_jsonl += log_line(e);
        continue;
      }
      const auto span = detail::find_string_field(line, run.shard_options.text_field);
      const auto old = span ? detail::unescape_string(std::string_view(line).substr(span->first, span->second - span->first))
                            : std::nullopt;
      if (!old || *old != rec.text)
        return make_error(Errc::kFormat, "line " + std::to_string(n) + ": cannot locate the text field '" +
                                             run.shard_options.text_field + "' for redaction",
                          shard.path);
      std::string text;
      std::uint64_t at = 0;
      for (const auto& [s, t] : e.ranges) {
        text.append(rec.text, at, s - at);
        text += opt.marker;
        st.redacted_bytes += t - s;
        at = t;
      }
      text.append(rec.text, at, std::string::npos);
      std::string rewritten = line.substr(0, span->first);
      append_json_string(rewritten, text);
      rewritten.append(line, span->second, std::string::npos);
      if (auto s = (*writer)->write(rewritten + eol); !s) return std::move(s).error();
      e.action = "redacted";
      ++st.redacted;
      out.log_jsonl += log_line(e);
    }
    if ((*lines)->sha256() != shard.sha256)
      return make_error(Errc::kFormat, "the shard changed since the scan (SHA-256 differs)", shard.path);
    if (auto s = (*writer)->finish(); !s) return std::move(s).error();
    out.shards.push_back(std::move(st));
  }
  return out;
}

std::string filter_summary_json(const Policy& policy, const FilterOptions& options, const FilterResult& r) {
  JsonWriter w(true);
  w.begin_object().field("schema", kFilterSchema);
  w.key("tool").begin_object().field("name", kToolName).field("version", kToolVersion).end_object();
  w.key("policy").begin_object().field("path", policy.path).field("sha256", policy.sha256).end_object();
  w.field("mode", options.redact ? "redact" : "drop");
  if (options.redact) w.field("marker", options.marker);
  w.key("outputs").begin_object().field("log", kFilterLogSchema).end_object();
  w.key("shards").begin_array();
  std::uint64_t lines = 0, kept = 0, dropped = 0, redacted = 0, unreadable = 0;
  for (const auto& s : r.shards) {
    w.begin_object()
        .field("path", s.shard)
        .field("output", std::filesystem::path(s.output).filename().string())
        .field("lines", s.lines)
        .field("kept", s.kept)
        .field("dropped", s.dropped)
        .field("redacted", s.redacted)
        .field("redacted_bytes", s.redacted_bytes)
        .field("unreadable", s.unreadable)
        .end_object();
    lines += s.lines;
    kept += s.kept;
    dropped += s.dropped;
    redacted += s.redacted;
    unreadable += s.unreadable;
  }
  w.end_array();
  w.key("totals")
      .begin_object()
      .field("lines", lines)
      .field("kept", kept)
      .field("dropped", dropped)
      .field("redacted", redacted)
      .field("unreadable", unreadable)
      .end_object();
  w.end_object();
  return w.take() + "\n";
}

}  // namespace prov::gate
