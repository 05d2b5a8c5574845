// reports/report_json.cpp: report.json (schema provaudit/report/1, schemas/report-1.schema.json).
// Field order here is the schema's order; every list has a fixed order (works as summary.json
// orders them, findings as matches.jsonl does), nothing depends on time, threads or the
// machine, so the same run, index and options give the same bytes.
#include "common/json_writer.hpp"
#include "common/version.hpp"
#include "reports/detail/report_model.hpp"

namespace prov::reports::detail {
namespace {

void file_digest(JsonWriter& w, const FileDigest& f) {
  w.begin_object().field("path", f.path).field("sha256", f.sha256).field("bytes", f.bytes).end_object();
}

void excerpt(JsonWriter& w, const Excerpt& e) {
  if (!e.available) {
    w.null();
    return;
  }
  w.begin_object().field("text", e.text).field("truncated", e.truncated).end_object();
}

void location(JsonWriter& w, const SourceLocation& l) {
  if (!l.known) {
    w.null();
    return;
  }
  w.begin_object().field("part", l.part).field("page", l.page).field("line", l.line);
  w.key("source_byte");
  if (l.source_byte) {
    w.value(*l.source_byte);
  } else {
    w.null();
  }
  w.end_object();
}

void finding(JsonWriter& w, const Finding& f) {
  w.begin_object()
      .field("finding_id", f.finding_id)
      .field("kind", f.kind)
      .field("shard", f.shard)
      .field("record", f.record)
      .field("doc_id", f.doc_id)
      .field("doc_start", f.doc_start)
      .field("doc_end", f.doc_end);
  if (f.has_work_range) {
    w.field("work_start", f.work_start).field("work_end", f.work_end);
  } else {
    w.key("work_start").null();
    w.key("work_end").null();
  }
  w.field("words", f.words).field("score", f.score);
  if (f.near_duplicate) w.field("jaccard", f.jaccard).field("containment", f.containment);
  w.field_strings("flags", f.flags).field("text_repaired", f.text_repaired);
  w.key("work_location");
  location(w, f.location);
  w.key("training_excerpt");
  excerpt(w, f.training);
  w.key("work_excerpt");
  excerpt(w, f.work);
  w.end_object();
}

void rate(JsonWriter& w, const Rate& r) {
  w.begin_object()
      .field("name", r.name)
      .field("planted", r.planted)
      .field("recall", r.recall)
      .field("precision", r.precision)
      .field("plagdet", r.plagdet)
      .end_object();
}

}  // namespace

std::string report_json(const ReportModel& m) {
  JsonWriter w(true);
  w.begin_object();
  w.field("schema", kReportSchema);
  w.key("tool").begin_object().field("name", kToolName).field("version", kToolVersion).end_object();
  w.key("run").begin_object().field("path", m.options.run);
  w.key("summary");
  file_digest(w, m.summary_file);
  w.key("matches");
  file_digest(w, m.matches_file);
  w.key("errors");
  if (m.errors_file.sha256.empty()) {
    w.null();
  } else {
    file_digest(w, m.errors_file);
  }
  w.end_object();
  w.key("index")
      .begin_object()
      .field("path", m.index_path)
      .field("digest", m.index_digest)
      .field("digest_matches", m.index_digest_matches)
      .end_object();
  w.key("summary")
      .begin_object()
      .field("shards", static_cast<std::uint64_t>(m.shards.size()))
      .field("records", m.records)
      .field("documents_matched", m.documents_matched)
      .field("passages", m.passages)
      .field("near_duplicates", m.near_duplicates)
      .field("works_matched", static_cast<std::uint64_t>(m.works.size()))
      .field("scan_errors", m.scan_errors)
      .end_object();
  w.key("method").begin_object();
  w.field("description",
          "Works are tokenized (ICU word segmentation, NFKC case folding), cut into k-word "
          "shingles and a content-defined sample of them is indexed. Each training document is "
          "sampled the same way; hits on one work that fall on nearly the same diagonal are "
          "chained, and each chain is verified by aligning the document's words with the "
          "work's words (greedy X-drop extension that re-synchronises over small edits). "
          "Passages of at least min_words document words are reported with byte offsets on "
          "both sides; coverage is the union of matched work words. Near-duplicates are found "
          "by one-permutation MinHash over word windows. Excerpts here are re-read from the "
          "shards and the index, not stored by the scan.");
  w.key("scan_params").raw(m.scan_params_json);
  w.key("report_params")
      .begin_object()
      .field("max_excerpts_per_work", m.options.max_excerpts_per_work)
      .field("max_excerpt_bytes", m.options.max_excerpt_bytes)
      .end_object();
  w.end_object();
  w.key("error_rates");
  if (!m.rates) {
    w.null();
  } else {
    const ErrorRates& r = *m.rates;
    w.begin_object();
    w.key("eval");
    file_digest(w, r.file);
    w.field("seed", r.seed)
        .field("quick", r.quick)
        .field("passages_per_cell", r.passages_per_cell)
        .field("negative_mb", r.negative_mb)
        .field("min_words", r.min_words)
        .field("index_digest", r.index_digest);
    w.key("totals").begin_array();
    for (const auto& x : r.totals) rate(w, x);
    w.end_array();
    w.key("kinds_ge25").begin_array();
    for (const auto& x : r.kinds) rate(w, x);
    w.end_array();
    w.field("false_attributions_per_mb", r.false_attributions_per_mb)
        .field("unrelated_bytes", r.unrelated_bytes)
        .end_object();
  }
  w.key("inputs").begin_object();
  w.key("shards").begin_array();
  for (const auto& s : m.shards)
    w.begin_object()
        .field("path", s.path)
        .field("sha256", s.sha256)
        .field("bytes", s.bytes)
        .field("records", s.records)
        .field("skipped", s.skipped)
        .end_object();
  w.end_array();
  w.key("works").begin_array();
  for (const auto& x : m.works)
    w.begin_object().field("work_id", x.work_id).field("sha256", x.work_id).field("path", x.path).field_strings("paths", x.paths).end_object();
  w.end_array();
  w.key("eval");
  if (m.rates) {
    file_digest(w, m.rates->file);
  } else {
    w.null();
  }
  w.key("evidence").begin_array();
  for (const auto& e : m.evidence) file_digest(w, e.file);
  w.end_array();
  w.end_object();
  w.key("works").begin_array();
  for (const auto& x : m.works) {
    w.begin_object()
        .field("work_id", x.work_id)
        .field("work_sha256", x.work_id)
        .field("title", x.title)
        .field_strings("authors", x.authors)
        .field("path", x.path)
        .field("format", x.format)
        .field("text_bytes", x.text_bytes)
        .field("matched_words", x.matched_words)
        .field("total_words", x.total_words)
        .field("coverage", x.coverage)
        .field("passages", x.passages)
        .field("documents", x.documents)
        .field("boilerplate_passages", x.boilerplate_passages)
        .field("near_duplicates", x.near_duplicates)
        .field("allowed", x.allowed);
    w.key("matched_ranges").begin_array();
    for (const auto& [a, b] : x.ranges) w.begin_array().value(a).value(b).end_array();
    w.end_array();
    w.key("findings").begin_array();
    for (const auto& f : x.findings) finding(w, f);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("evidence").begin_array();
  for (const auto& e : m.evidence) {
    w.begin_object().field("path", e.file.path).field("sha256", e.file.sha256).field("schema", e.schema);
    w.key("content").raw(e.canonical_json);
    w.end_object();
  }
  w.end_array();
  w.key("errors").begin_array();
  for (const auto& e : m.errors) {
    w.begin_object().field("file", e.path);
    if (e.line) {
      w.field("line", *e.line);
    } else {
      w.key("line").null();
    }
    w.field("kind", errc_name(e.code)).field("reason", e.message).end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

}  // namespace prov::reports::detail
