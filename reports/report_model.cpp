// reports/report_model.cpp: reads a scan run back for the report: summary.json and
// matches.jsonl, the training text of every matched record (re-read from its shard), the work
// text and offset map of every matched work (from the index), an eval.json's error rates and
// torrent-evidence files. Every file is untrusted: sizes are limited, fields checked, and a
// problem with one input is recorded (model.errors) while the rest is still read.
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "common/utf8.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "reports/detail/json_read.hpp"
#include "reports/detail/report_model.hpp"

namespace prov::reports::detail {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;

constexpr std::uint64_t kMaxSummaryBytes = 256ull << 20;
constexpr std::uint64_t kMaxMatchLineBytes = 1ull << 20;
constexpr std::uint64_t kMaxSideFileBytes = 64ull << 20;  // eval.json, evidence files
constexpr std::size_t kMaxEvents = 1'000'000;

Error problem(Errc code, std::string message, std::string path, std::optional<std::uint64_t> line = {}) {
  Error e = make_error(code, std::move(message), std::move(path));
  e.line = line;
  return e;
}

Result<FileDigest> digest_of(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return problem(Errc::kIo, "cannot read: " + ec.message(), path);
  auto h = sha256_file(path);
  if (!h) return std::move(h).error();
  return FileDigest{path, *h, size};
}

// [start, end) of `text`, at most max_bytes, cut back to a UTF-8 boundary, made printable.
Excerpt cut(std::string_view text, std::uint64_t start, std::uint64_t end, std::uint32_t max_bytes) {
  Excerpt e;
  if (start > end || end > text.size()) return e;
  std::uint64_t stop = end;
  if (stop - start > max_bytes) {
    stop = start + max_bytes;
    while (stop > start && (static_cast<unsigned char>(text[stop]) & 0xC0) == 0x80) --stop;
    e.truncated = true;
  }
  e.text = clean_text(text.substr(start, stop - start));
  e.available = true;
  return e;
}

SourceLocation locate(const index::WorkRecord& r, std::string_view text,
                      const std::vector<ingest::OffsetSpan>& spans, std::uint64_t offset) {
  SourceLocation loc;
  auto it = std::upper_bound(spans.begin(), spans.end(), offset,
                             [](std::uint64_t o, const ingest::OffsetSpan& s) { return o < s.text_start; });
  if (it == spans.begin() || offset >= std::prev(it)->text_end || offset > text.size()) return loc;
  const ingest::OffsetSpan& s = *std::prev(it);
  loc.known = true;
  const bool paged = r.format == "pdf" || r.format == "djvu";
  if (paged) {
    loc.page = s.source.rfind("page ", 0) == 0 ? s.source.substr(5) : s.source;
  } else {
    loc.part = s.source;
  }
  if (r.format == "txt") {
    // Line endings were normalised one for one, so text line N is source line N; within a
    // UTF-8 span the bytes are the source's, so the raw offset is exact (as `works --locate`).
    loc.line = 1 + static_cast<std::uint64_t>(
                       std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    if (r.encoding == "UTF-8") loc.source_byte = s.source_offset + (offset - s.text_start);
  } else if (!paged) {
    loc.line = s.source_line;
  }
  return loc;
}

// Evidence passages' work byte ranges, merged: where in the work the matches fall.
std::vector<std::pair<std::uint64_t, std::uint64_t>> merged_ranges(const std::vector<Finding>& fs_) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> r;
  for (const auto& f : fs_) {
    const bool boilerplate = std::find(f.flags.begin(), f.flags.end(), "boilerplate") != f.flags.end();
    if (f.has_work_range && !boilerplate && f.work_end > f.work_start) r.emplace_back(f.work_start, f.work_end);
  }
  std::sort(r.begin(), r.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

}  // namespace

Status parse_summary(ReportModel& m, const std::string& path, std::string_view bytes) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(bytes.data(), bytes.size()).get(doc)) return problem(Errc::kFormat, "not valid JSON", path);
  JsonRead j(doc, path);
  if (j.str("schema") != kSummarySchema)
    return problem(Errc::kFormat, "not a scan summary (schema \"" + j.str("schema") + "\", expected \"" +
                                      kSummarySchema + "\")", path);
  JsonRead p = j.child("params");
  m.scan_params_json = canonical(j.elem("params", doc));
  JsonRead match = p.child("match");
  m.min_words = static_cast<std::uint32_t>(match.u64("min_words"));
  JsonRead shard = p.child("shard");
  m.text_field = shard.str("text_field");
  m.id_field = shard.str("id_field");
  m.max_record_bytes = shard.u64("max_record_bytes");
  m.allowed_works = p.strings("allowed_works");
  JsonRead idx = j.child("index");
  m.scan_index_path = idx.str("path");
  if (m.index_path.empty()) m.index_path = m.scan_index_path;
  m.index_digest = idx.str("digest");
  for (element s : j.arr("shards")) {
    JsonRead r(s, path);
    m.shards.push_back({r.str("path"), r.str("sha256"), r.u64("bytes"), r.u64("records"), r.u64("skipped")});
  }
  for (element w : j.arr("works")) {
    JsonRead r(w, path);
    WorkSection ws;
    ws.work_id = r.str("work_id");
    ws.title = r.str("title");
    ws.path = r.str("path");
    ws.matched_words = r.u64("matched_words");
    ws.total_words = r.u64("total_words");
    ws.coverage = r.f64("coverage");
    ws.passages = r.u64("passages");
    ws.documents = r.u64("documents");
    ws.boilerplate_passages = r.u64("boilerplate_passages");
    ws.near_duplicates = r.u64("near_duplicates");
    ws.allowed = r.boolean("allowed");
    m.works.push_back(std::move(ws));
  }
  m.summary_totals_json = canonical(j.elem("totals", doc));
  JsonRead t = j.child("totals");
  m.records = t.u64("records");
  m.documents_matched = t.u64("documents_matched");
  m.passages = t.u64("passages");
  m.near_duplicates = t.u64("near_duplicates");
  m.scan_errors = t.u64("errors");
  if (!j.ok()) return j.error();
  return Ok{};
}

Status parse_matches(ReportModel& m, const std::string& path, std::istream& in) {
  std::map<std::string, std::size_t> by_work;
  for (std::size_t i = 0; i < m.works.size(); ++i) by_work[m.works[i].work_id] = i;
  simdjson::dom::parser parser;
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    if (line.size() > kMaxMatchLineBytes) return problem(Errc::kLimit, "line longer than 1 MiB", path, line_no);
    element doc;
    if (parser.parse(line).get(doc)) return problem(Errc::kFormat, "not valid JSON", path, line_no);
    JsonRead r(doc, path, line_no);
    Finding f;
    f.finding_id = r.str("finding_id");
    f.kind = r.str("kind");
    f.near_duplicate = f.kind == "near_duplicate";
    f.shard = r.str("shard");
    f.record = r.u64("record");
    f.doc_id = r.str("doc_id");
    f.doc_start = r.u64("doc_start");
    f.doc_end = r.u64("doc_end");
    f.work_id = r.str("work_id");
    if (!f.near_duplicate) {
      f.has_work_range = true;
      f.work_start = r.u64("work_start");
      f.work_end = r.u64("work_end");
    }
    f.words = r.u64("words");
    f.score = r.f64("score");
    if (f.near_duplicate) {
      f.jaccard = r.f64("jaccard");
      f.containment = r.f64("containment");
    }
    f.flags = r.strings("flags");
    f.text_repaired = r.has("text_repaired") && r.boolean("text_repaired");
    if (!r.ok()) return r.error();
    auto it = by_work.find(f.work_id);
    if (it == by_work.end()) {  // a work with boilerplate passages only is not in summary works
      WorkSection ws;
      ws.work_id = f.work_id;
      ws.title = r.str("work_title");
      ws.path = r.str("work_path");
      it = by_work.emplace(f.work_id, m.works.size()).first;
      m.works.push_back(std::move(ws));
    }
    m.works[it->second].findings.push_back(std::move(f));
  }
  if (in.bad()) return problem(Errc::kIo, "read failed", path);
  return Ok{};
}

namespace {

// Re-reads each matched record from its shard, once per shard, stopping after the last one.
void read_training_excerpts(ReportModel& m) {
  std::map<std::string, std::size_t> shard_no;
  for (std::size_t i = 0; i < m.shards.size(); ++i) shard_no.emplace(m.shards[i].path, i);
  // shard -> record -> findings in it
  std::vector<std::map<std::uint64_t, std::vector<Finding*>>> wanted(m.shards.size());
  for (auto& w : m.works) {
    for (auto& f : w.findings) {
      auto it = shard_no.find(f.shard);
      if (it == shard_no.end()) {
        m.errors.push_back(problem(Errc::kFormat, "finding " + f.finding_id + " names a shard the summary lacks",
                                   f.shard));
        continue;
      }
      wanted[it->second][f.record].push_back(&f);
    }
  }
  ingest::ShardOptions opt;
  opt.text_field = m.text_field;
  opt.id_field = m.id_field;
  opt.max_record_bytes = m.max_record_bytes;
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    if (wanted[i].empty()) continue;
    const ShardInput& s = m.shards[i];
    auto h = sha256_file(s.path);
    if (!h) {
      m.errors.push_back(problem(Errc::kIo, "shard unreadable, its excerpts are missing: " + h.error().message, s.path));
      continue;
    }
    if (*h != s.sha256) {
      m.errors.push_back(problem(Errc::kFormat, "shard changed since the scan (SHA-256 " + *h + ", the scan read " +
                                                    s.sha256 + "); its excerpts are missing", s.path));
      continue;
    }
    auto reader = ingest::ShardReader::open(s.path, opt);
    if (!reader) {
      m.errors.push_back(std::move(reader).error());
      continue;
    }
    auto& need = wanted[i];
    ingest::ShardRecord rec;
    std::vector<Error> record_errors;
    std::size_t found = 0;
    while (found < need.size()) {
      auto more = (*reader)->next(rec, record_errors);
      if (!more) {
        m.errors.push_back(std::move(more).error());
        break;
      }
      if (!*more) break;
      auto it = need.find(rec.index);
      if (it == need.end()) continue;
      ++found;
      for (Finding* f : it->second) {
        if (rec.doc_id != f->doc_id) {
          m.errors.push_back(problem(Errc::kFormat, "record holds doc_id \"" + rec.doc_id + "\", the run says \"" +
                                                        f->doc_id + "\"", s.path, rec.index));
          continue;
        }
        f->training = cut(rec.text, f->doc_start, f->doc_end, m.options.max_excerpt_bytes);
        if (!f->training.available)
          m.errors.push_back(problem(Errc::kFormat, "document range past the record's text", s.path, rec.index));
      }
    }
    if (found < need.size())
      m.errors.push_back(problem(Errc::kFormat, std::to_string(need.size() - found) +
                                                    " matched records not found in the shard", s.path));
  }
}

Status read_works(ReportModel& m) {
  auto idx = index::Index::open_read_only(m.index_path);
  if (!idx) return std::move(idx).error();
  m.index_digest_matches = (*idx)->digest() == m.index_digest;
  if (!m.index_digest_matches)
    m.errors.push_back(problem(Errc::kFormat, "index changed since the scan (digest " + (*idx)->digest() +
                                                  ", the scan saw " + m.index_digest + ")", m.index_path));
  for (auto& w : m.works) {
    w.ranges = merged_ranges(w.findings);
    auto rec = (*idx)->find(w.work_id);
    if (!rec) {
      m.errors.push_back(problem(Errc::kNotFound, "work " + w.work_id + " is not in the index", m.index_path));
      continue;
    }
    if (w.title.empty()) w.title = rec->title;
    w.authors = rec->authors;
    w.paths = rec->paths;
    w.format = rec->format;
    w.text_bytes = rec->text_bytes;
    if (w.total_words == 0) w.total_words = rec->words;
    auto text = (*idx)->text(rec->num);
    auto spans = (*idx)->offsets(rec->num);
    if (!text || !spans) {
      m.errors.push_back(problem(Errc::kIo, "cannot read the text of work " + w.work_id, m.index_path));
      continue;
    }
    for (auto& f : w.findings) {
      if (!f.has_work_range) continue;
      f.work = cut(*text, f.work_start, f.work_end, m.options.max_excerpt_bytes);
      if (!f.work.available) {
        m.errors.push_back(problem(Errc::kFormat, "finding " + f.finding_id + ": work range past the work's text",
                                   m.index_path));
        continue;
      }
      f.location = locate(*rec, *text, *spans, f.work_start);
    }
  }
  return Ok{};
}

Status read_eval(ReportModel& m, const std::string& path) {
  auto fd = digest_of(path);
  if (!fd) return std::move(fd).error();
  auto bytes = read_file(path, kMaxSideFileBytes);
  if (!bytes) return std::move(bytes).error();
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(*bytes).get(doc)) return problem(Errc::kFormat, "not valid JSON", path);
  JsonRead j(doc, path);
  if (j.str("schema") != "provaudit/eval/1")
    return problem(Errc::kFormat, "not an eval.json (schema \"" + j.str("schema") + "\")", path);
  ErrorRates r;
  r.file = *fd;
  JsonRead p = j.child("params");
  r.seed = p.u64("seed");
  r.quick = p.boolean("quick");
  r.negative_mb = p.u64("negative_mb");
  r.passages_per_cell = p.u64("passages_per_cell");
  r.min_words = p.child("match").u64("min_words");
  r.index_digest = j.child("index").str("digest");
  auto rate = [&](const std::string& name, JsonRead c) {
    Rate x;
    x.name = name;
    x.planted = c.u64("planted");
    x.recall = c.f64("recall");
    x.precision = c.f64("precision");
    x.plagdet = c.child("pan").f64("plagdet");
    return x;
  };
  JsonRead totals = j.child("totals");
  for (const char* n : {"all", "ge25", "ge50"}) r.totals.push_back(rate(n, totals.child(n)));
  JsonRead kinds = j.child("kinds");
  for (const char* k : {"verbatim", "case_punct", "typography", "linewrap", "ocr", "editing"})
    r.kinds.push_back(rate(k, kinds.child(k).child("ge25")));
  JsonRead fa = j.child("false_attribution");
  r.false_attributions_per_mb = fa.f64("per_mb");
  r.unrelated_bytes = fa.u64("unrelated_bytes");
  if (!j.ok()) return j.error();
  m.rates = std::move(r);
  return Ok{};
}

std::string scalar_text(element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: return std::string(std::string_view(e));
    case simdjson::dom::element_type::INT64: return std::to_string(int64_t(e));
    case simdjson::dom::element_type::UINT64: return std::to_string(uint64_t(e));
    case simdjson::dom::element_type::DOUBLE: {
      JsonWriter w;
      w.value(double(e));
      return w.take();
    }
    case simdjson::dom::element_type::BOOL: return bool(e) ? "true" : "false";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
    default: return {};
  }
}

Status read_evidence(ReportModel& m, const std::string& path) {
  auto fd = digest_of(path);
  if (!fd) return std::move(fd).error();
  auto bytes = read_file(path, kMaxSideFileBytes);
  if (!bytes) return std::move(bytes).error();
  auto ev = parse_evidence(path, *bytes);
  if (!ev) return std::move(ev).error();
  ev->file = *fd;
  m.evidence.push_back(std::move(ev).value());
  return Ok{};
}

}  // namespace

Result<ReportModel> build_model(const ReportOptions& options) {
  ReportModel m;
  m.options = options;
  m.index_path = options.index;
  const fs::path run(options.run);
  const std::string summary = (run / "summary.json").string();
  const std::string matches = (run / "matches.jsonl").string();
  const std::string errors = (run / "errors.jsonl").string();
  for (const auto* f : {&summary, &matches}) {
    if (!fs::is_regular_file(*f)) return problem(Errc::kIo, "not a scan run (missing " + fs::path(*f).filename().string() + ")", *f);
  }
  {
    auto bytes = read_file(summary, kMaxSummaryBytes);
    if (!bytes) return std::move(bytes).error();
    if (auto s = parse_summary(m, summary, *bytes); !s) return std::move(s).error();
  }
  {
    std::ifstream in(matches, std::ios::binary);
    if (!in) return problem(Errc::kIo, "cannot open", matches);
    if (auto s = parse_matches(m, matches, in); !s) return std::move(s).error();
  }
  auto sd = digest_of(summary);
  auto md = digest_of(matches);
  if (!sd) return std::move(sd).error();
  if (!md) return std::move(md).error();
  m.summary_file = *sd;
  m.matches_file = *md;
  if (fs::exists(errors)) {
    auto ed = digest_of(errors);
    if (!ed) return std::move(ed).error();
    m.errors_file = *ed;
  }
  if (auto s = read_works(m); !s) return std::move(s).error();
  read_training_excerpts(m);
  if (!options.eval.empty())
    if (auto s = read_eval(m, options.eval); !s) return std::move(s).error();
  for (const auto& e : options.evidence)
    if (auto s = read_evidence(m, e); !s) return std::move(s).error();
  return m;
}

Result<EvidenceFile> parse_evidence(const std::string& path, std::string_view bytes) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(bytes.data(), bytes.size()).get(doc)) return problem(Errc::kFormat, "not valid JSON", path);
  EvidenceFile ev;
  ev.file.path = path;
  ev.canonical_json = canonical(doc);
  if (ev.canonical_json.empty()) return problem(Errc::kLimit, "JSON nested too deeply", path);
  simdjson::dom::object top;
  if (doc.get(top)) return ev;
  std::string_view schema;
  if (!top["schema"].get(schema)) ev.schema = clean_text(schema);
  simdjson::dom::array events;
  if (top["events"].get(events) && top["timeline"].get(events)) return ev;
  for (element e : events) {
    if (ev.events.size() >= kMaxEvents) return problem(Errc::kLimit, "more than 1,000,000 events", path);
    simdjson::dom::object o;
    if (e.get(o)) continue;
    EvidenceEvent x;
    for (auto [k, v] : o) {
      const std::string key(k);
      if (v.is_array() || v.is_object()) continue;
      std::string val = clean_text(scalar_text(v));
      if (x.time.empty() && (key == "time" || key == "timestamp" || key == "at" || key == "ts")) {
        x.time = val;
      } else if (x.kind.empty() && (key == "kind" || key == "event" || key == "type")) {
        x.kind = val;
      } else {
        x.fields.emplace_back(clean_text(key), val);
      }
    }
    ev.events.push_back(std::move(x));
  }
  return ev;
}

std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 1 && ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string decimal(double v, int decimals) {
  if (!(v == v)) return "NaN";
  long long scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const auto n = static_cast<long long>(v * static_cast<double>(scale) + (v >= 0 ? 0.5 : -0.5));
  std::string digits = std::to_string(n < 0 ? -n : n);
  const auto d = static_cast<std::size_t>(decimals);
  while (digits.size() <= d) digits.insert(0, "0");
  return (n < 0 ? "-" : "") + digits.substr(0, digits.size() - d) + (d ? "." + digits.substr(digits.size() - d) : "");
}

std::string display_name(const WorkSection& w) {
  if (!w.title.empty()) return w.title;
  const auto slash = w.path.find_last_of('/');
  return slash == std::string::npos ? w.path : w.path.substr(slash + 1);
}

std::string percent(double share) { return decimal(share * 100.0, 2) + "%"; }

}  // namespace prov::reports::detail
