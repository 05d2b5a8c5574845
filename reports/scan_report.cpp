// reports/scan_report.cpp: matches.jsonl, summary.json and errors.jsonl for a scan.
// Field order here is the schema's order (schemas/*.json); change both together.
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/version.hpp"
#include "reports/reports.hpp"

namespace prov::reports {

std::string match_line(const audit::Match& m) {
  const bool near_dup = m.kind == audit::MatchKind::kNearDuplicate;
  JsonWriter w;
  w.begin_object()
      .field("finding_id", m.finding_id)
      .field("kind", near_dup ? "near_duplicate" : "passage")
      .field("shard", m.shard)
      .field("record", m.record)
      .field("doc_id", m.doc_id)
      .field("doc_start", m.doc_start)
      .field("doc_end", m.doc_end)
      .field("work_id", m.work_id)
      .field("work_sha256", m.work_id)
      .field("work_path", m.work_path)
      .field("work_title", m.work_title);
  if (near_dup) {  // found by MinHash only: no work range
    w.key("work_start").null();
    w.key("work_end").null();
  } else {
    w.field("work_start", m.work_start).field("work_end", m.work_end);
  }
  w.field("words", static_cast<std::uint64_t>(m.words)).field("score", m.score);
  if (near_dup) w.field("jaccard", m.jaccard).field("containment", m.containment);
  w.key("flags").begin_array();
  if (m.boilerplate) w.value("boilerplate");
  if (m.allowed) w.value("allowed");
  w.end_array();
  if (m.text_repaired) w.field("text_repaired", true);
  w.end_object();
  return w.take();
}

std::string error_line(const Error& e) {
  JsonWriter w;
  w.begin_object().field("file", e.path);
  if (e.line) {
    w.field("line", *e.line);
  } else {
    w.key("line").null();
  }
  w.field("kind", errc_name(e.code)).field("reason", e.message).end_object();
  return w.take();
}

std::string errors_jsonl(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += error_line(e) + "\n";
  return out;
}

std::string summary_json(const audit::ScanResult& r) {
  JsonWriter w(true);
  w.begin_object();
  w.field("schema", kSummarySchema);
  w.key("tool").begin_object().field("name", kToolName).field("version", kToolVersion).end_object();
  w.key("params").begin_object();
  w.key("fingerprint")
      .begin_object()
      .field("k", r.fingerprint.k)
      .field("sample_rate", r.fingerprint.sample_rate)
      .field("version", r.fingerprint.version)
      .end_object();
  w.key("match")
      .begin_object()
      .field("min_words", r.match.min_words)
      .field("max_gap", r.match.max_gap)
      .field("xdrop", r.match.xdrop)
      .field("resync_run", r.match.resync_run)
      .field("chain_gap", r.match.chain_gap)
      .field("max_postings", r.match.max_postings)
      .field("rare_postings", r.match.rare_postings)
      .field("boilerplate_works", r.match.boilerplate_works)
      .field("near_duplicates", r.match.near_duplicates)
      .field("near_dup_jaccard", r.match.near_dup_jaccard)
      .field("near_dup_containment", r.match.near_dup_containment)
      .field("near_dup_min_words", r.match.near_dup_min_words)
      .field("lsh_bands", r.match.lsh_bands)
      .field("lsh_rows", r.match.lsh_rows)
      .end_object();
  w.field_strings("allowed_works", r.allowed_works);
  w.key("shard")
      .begin_object()
      .field("text_field", r.shard_options.text_field)
      .field("id_field", r.shard_options.id_field)
      .field("max_record_bytes", r.shard_options.max_record_bytes)
      .end_object();
  w.end_object();
  w.key("index").begin_object().field("path", r.index_path).field("digest", r.index_digest).end_object();
  w.key("outputs")
      .begin_object()
      .field("matches", kMatchSchema)
      .field("errors", kErrorSchema)
      .end_object();
  w.key("shards").begin_array();
  for (const auto& s : r.shards) {
    w.begin_object()
        .field("path", s.path)
        .field("sha256", s.sha256)
        .field("bytes", s.bytes)
        .field("text_bytes", s.text_bytes)
        .field("records", s.records)
        .field("skipped", s.skipped)
        .end_object();
  }
  w.end_array();
  w.key("works").begin_array();
  for (const auto& c : r.works) {
    w.begin_object()
        .field("work_id", c.work_id)
        .field("work_sha256", c.work_id)
        .field("title", c.title)
        .field("path", c.path)
        .field("matched_words", c.matched_words)
        .field("total_words", c.total_words)
        .field("coverage", c.coverage)
        .field("passages", c.passages)
        .field("documents", c.documents)
        .field("boilerplate_passages", c.boilerplate_passages)
        .field("near_duplicates", c.near_duplicates)
        .field("allowed", c.allowed)
        .end_object();
  }
  w.end_array();
  std::uint64_t skipped = 0;
  for (const auto& s : r.shards) skipped += s.skipped;
  std::uint64_t near_duplicates = 0;
  for (const auto& m : r.matches) near_duplicates += m.kind == audit::MatchKind::kNearDuplicate;
  w.key("totals")
      .begin_object()
      .field("shards", static_cast<std::uint64_t>(r.shards.size()))
      .field("records", r.records)
      .field("skipped", skipped)
      .field("documents_matched", r.documents_matched)
      .field("passages", static_cast<std::uint64_t>(r.matches.size()) - near_duplicates)
      .field("near_duplicates", near_duplicates)
      .field("works_matched", static_cast<std::uint64_t>(r.works.size()))
      .field("errors", static_cast<std::uint64_t>(r.errors.size()))
      .end_object();
  w.key("errors").begin_array();
  for (const auto& e : r.errors) w.raw(error_line(e));
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

Status write_scan(const audit::ScanResult& r, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::kIo, "cannot create output directory: " + ec.message(), dir.string());
  std::string matches;
  for (const auto& m : r.matches) matches += match_line(m) + "\n";
  if (auto s = write_file_atomic(dir / "matches.jsonl", matches); !s) return s;
  if (auto s = write_file_atomic(dir / "errors.jsonl", errors_jsonl(r.errors)); !s) return s;
  return write_file_atomic(dir / "summary.json", summary_json(r));
}

}  // namespace prov::reports
