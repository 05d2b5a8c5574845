// reports/report_html.cpp: report.html, one self-contained page for a person to read.
// Inline CSS and SVG only: no scripts, no fonts, no images, and a Content-Security-Policy that
// forbids every fetch, so the page works offline and hostile text cannot make it load
// anything. Every piece of text from the inputs goes through clean_text and html_escape.
// Large runs stay readable: each work shows at most max_excerpts_per_work findings, each in a
// <details> element (the first few open); report.json lists them all.
#include "common/version.hpp"
#include "reports/detail/report_model.hpp"

namespace prov::reports::detail {
namespace {

constexpr std::size_t kOpenFindings = 3;
constexpr std::size_t kMaxEventsShown = 500;

std::string esc(std::string_view s) { return html_escape(clean_text(s)); }
std::string num(std::uint64_t v) { return std::to_string(v); }
std::string fixed(double v, int decimals) { return decimal(v, decimals); }

const char* kStyle = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#fff}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-all}
.sub{color:#57606a}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:8px;margin:8px 0}
details{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:0 8px}
summary{cursor:pointer;padding:6px 0;font-weight:600}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:6px 0 10px}
.side h4{margin:0 0 4px;font-size:13px;color:#57606a}
.ex{white-space:pre-wrap;overflow-wrap:anywhere;font-family:Georgia,"DejaVu Serif",serif;background:#f6f8fa;padding:8px;border-radius:4px;max-height:420px;overflow:auto}
.d{background:#ffd7d5}.q{background:#fff1a8}
.legend span{padding:0 4px;margin-right:8px}
svg.cov{display:block;margin:4px 0}
pre{background:#f6f8fa;padding:8px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
)";

std::string coverage_svg(const WorkSection& w, int width, int height) {
  std::string s = "<svg class=\"cov\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
                  "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" role=\"img\">";
  s += "<title>where in the work the matches fall (" + percent(w.coverage) + " of its words)</title>";
  s += "<rect x=\"0\" y=\"0\" width=\"1000\" height=\"10\" fill=\"#e6e9ed\"/>";
  if (w.text_bytes > 0) {
    for (const auto& [a, b] : w.ranges) {
      // Thousandths of the text, at least one unit wide so short passages stay visible.
      const std::uint64_t x0 = a * 1000 / w.text_bytes;
      std::uint64_t x1 = b * 1000 / w.text_bytes;
      if (x1 <= x0) x1 = x0 + 1;
      s += "<rect x=\"" + num(x0) + "\" y=\"0\" width=\"" + num(x1 - x0) + "\" height=\"10\" fill=\"#cf222e\"/>";
    }
  }
  return s + "</svg>";
}

std::string diff_html(const std::vector<DiffRun>& runs) {
  std::string s;
  for (const auto& r : runs) {
    if (r.cls == DiffClass::kSame) {
      s += html_escape(r.text);
    } else {
      s += std::string("<mark class=\"") + (r.cls == DiffClass::kDiff ? "d" : "q") + "\">" + html_escape(r.text) + "</mark>";
    }
  }
  return s;
}

std::string location_text(const Finding& f) {
  if (!f.has_work_range) return "whole-window resemblance (near-duplicate): no work range";
  std::string s = "bytes " + num(f.work_start) + "–" + num(f.work_end) + " of the extracted text";
  const SourceLocation& l = f.location;
  if (!l.known) return s;
  if (!l.page.empty()) s += ", page " + esc(l.page);
  if (!l.part.empty()) s += ", part " + esc(l.part);
  if (l.line) s += ", line " + num(l.line);
  if (l.source_byte) s += ", source byte " + num(*l.source_byte);
  return s;
}

void finding_html(std::string& h, const Finding& f, std::size_t n) {
  h += n < kOpenFindings ? "<details open>" : "<details>";
  h += "<summary>" + std::string(f.near_duplicate ? "Near-duplicate " : "Passage ") + num(n + 1) + " · " +
       num(f.words) + " words · score " + fixed(f.score, 3) + " · " + esc(f.shard) + " record " + num(f.record) +
       "</summary>";
  h += "<div class=\"sub mono\">finding " + esc(f.finding_id) + " · document <b>" + esc(f.doc_id) + "</b>, bytes " +
       num(f.doc_start) + "–" + num(f.doc_end);
  for (const auto& fl : f.flags) h += " · flag: " + esc(fl);
  if (f.text_repaired) h += " · text repaired (unpaired surrogate)";
  if (f.near_duplicate) h += " · Jaccard " + fixed(f.jaccard, 3) + ", containment " + fixed(f.containment, 3);
  h += "</div>";
  const WordDiff d = f.training.available && f.work.available ? word_diff(f.training.text, f.work.text) : WordDiff{};
  h += "<div class=\"pair\"><div class=\"side\"><h4>Training text (" + esc(f.shard) + ", document " + esc(f.doc_id) +
       ")</h4><div class=\"ex\">";
  if (!f.training.available) {
    h += "<i>not available (see Problems)</i>";
  } else {
    h += d.aligned ? diff_html(d.left) : html_escape(f.training.text);
    if (f.training.truncated) h += " <i>[…cut; full range in the shard]</i>";
  }
  h += "</div></div><div class=\"side\"><h4>Work text (" + location_text(f) + ")</h4><div class=\"ex\">";
  if (!f.work.available) {
    h += f.has_work_range ? "<i>not available (see Problems)</i>" : "<i>—</i>";
  } else {
    h += d.aligned ? diff_html(d.right) : html_escape(f.work.text);
    if (f.work.truncated) h += " <i>[…cut; full range in the work]</i>";
  }
  h += "</div></div></div></details>\n";
}

std::string work_anchor(const WorkSection& w) { return "w-" + esc(w.work_id.substr(0, 16)); }
std::string work_name(const WorkSection& w) { return esc(display_name(w)); }

}  // namespace

std::string report_html(const ReportModel& m) {
  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>provaudit report: known works in training data</title><style>";
  h += kStyle;
  h += "</style></head><body><main>\n";
  h += "<h1>Known works found in training data</h1>";
  h += "<p class=\"sub\">Evidentiary report by " + std::string(kToolName) + " " + kToolVersion + " from the scan run <code>" +
       esc(m.options.run) + "</code> against the index <code>" + esc(m.index_path) +
       "</code>. Machine-readable: report.json; hashes of every input and output: manifest.json.</p>\n";
  if (!m.errors.empty())
    h += "<div class=\"warn\">" + num(m.errors.size()) + " problem(s) while reading the run back: see <a href=\"#problems\">Problems</a>.</div>";

  h += "<h2 id=\"summary\">Summary</h2><table>";
  h += "<tr><th>Works found</th><td class=\"n\">" + num(m.works.size()) + "</td></tr>";
  h += "<tr><th>Verified passages</th><td class=\"n\">" + num(m.passages) + "</td></tr>";
  h += "<tr><th>Near-duplicates</th><td class=\"n\">" + num(m.near_duplicates) + "</td></tr>";
  h += "<tr><th>Documents with evidence</th><td class=\"n\">" + num(m.documents_matched) + "</td></tr>";
  h += "<tr><th>Documents scanned</th><td class=\"n\">" + num(m.records) + "</td></tr>";
  h += "<tr><th>Shards</th><td class=\"n\">" + num(m.shards.size()) + "</td></tr>";
  h += "<tr><th>Records skipped by the scan</th><td class=\"n\">" + num(m.scan_errors) + "</td></tr></table>\n";

  h += "<table><tr><th>Work</th><th>Coverage</th><th>Where in the work</th><th>Passages</th><th>Documents</th><th>Near-dup.</th><th>work_id (SHA-256)</th></tr>";
  for (const auto& w : m.works) {
    h += "<tr><td><a href=\"#" + work_anchor(w) + "\">" + work_name(w) + "</a>" + (w.allowed ? " <i>(allowed)</i>" : "") +
         "</td><td class=\"n\">" + percent(w.coverage) + "</td><td>" + coverage_svg(w, 220, 12) + "</td><td class=\"n\">" +
         num(w.passages) + "</td><td class=\"n\">" + num(w.documents) + "</td><td class=\"n\">" + num(w.near_duplicates) +
         "</td><td class=\"mono\">" + esc(w.work_id) + "</td></tr>";
  }
  h += "</table>\n";

  h += "<h2 id=\"works\">Works and excerpts</h2>";
  h += "<p class=\"legend sub\">Training text on the left, the work's text on the right. "
       "<span class=\"d\">words without a counterpart</span><span class=\"q\">words that differ only in case or punctuation</span></p>";
  for (const auto& w : m.works) {
    h += "<h3 id=\"" + work_anchor(w) + "\">" + work_name(w) + "</h3>";
    h += "<div class=\"sub\">";
    if (!w.authors.empty()) {
      std::string a;
      for (const auto& x : w.authors) a += (a.empty() ? "" : ", ") + esc(x);
      h += a + " · ";
    }
    h += esc(w.format) + " · <code>" + esc(w.path) + "</code> · work_id <code>" + esc(w.work_id) + "</code></div>";
    h += "<p>" + percent(w.coverage) + " of the work's words (" + num(w.matched_words) + " of " + num(w.total_words) +
         ") in " + num(w.passages) + " passages from " + num(w.documents) + " documents";
    if (w.boilerplate_passages) h += "; " + num(w.boilerplate_passages) + " boilerplate passages not counted";
    if (w.near_duplicates) h += "; " + num(w.near_duplicates) + " near-duplicates";
    h += ".</p>" + coverage_svg(w, 900, 18);
    const std::size_t cap = m.options.max_excerpts_per_work;
    for (std::size_t i = 0; i < w.findings.size() && i < cap; ++i) finding_html(h, w.findings[i], i);
    if (w.findings.size() > cap)
      h += "<p class=\"sub\">" + num(cap) + " of " + num(w.findings.size()) +
           " findings shown; report.json lists every one.</p>";
  }

  if (!m.evidence.empty()) {
    h += "<h2 id=\"evidence\">Torrent evidence</h2>";
    for (const auto& e : m.evidence) {
      h += "<h3>" + esc(e.file.path) + "</h3><p class=\"sub\">schema " + esc(e.schema.empty() ? "(none)" : e.schema) +
           " · SHA-256 <code>" + esc(e.file.sha256) + "</code> · " + num(e.events.size()) + " events</p>";
      if (e.events.empty()) continue;
      h += "<table><tr><th>Time</th><th>Event</th><th>Details</th></tr>";
      for (std::size_t i = 0; i < e.events.size() && i < kMaxEventsShown; ++i) {
        const auto& ev = e.events[i];
        std::string details;
        for (const auto& [k, v] : ev.fields) details += (details.empty() ? "" : " · ") + html_escape(k) + ": " + html_escape(v);
        h += "<tr><td class=\"mono\">" + html_escape(ev.time) + "</td><td>" + html_escape(ev.kind) + "</td><td>" +
             details + "</td></tr>";
      }
      h += "</table>";
      if (e.events.size() > kMaxEventsShown)
        h += "<p class=\"sub\">" + num(kMaxEventsShown) + " of " + num(e.events.size()) + " events shown; report.json has all.</p>";
    }
  }

  h += "<h2 id=\"method\">Method</h2><p>Works are tokenized (ICU word segmentation, NFKC case folding), cut into "
       "k-word shingles, and a content-defined sample of the shingles is indexed. Each training document is "
       "sampled the same way; hits on one work along nearly the same diagonal are chained, and each chain is "
       "verified by aligning the document's words with the work's words (greedy X-drop extension that "
       "re-synchronises over small edits). Passages of at least " +
       num(m.min_words) +
       " document words are reported with byte offsets on both sides; coverage is the union of matched work "
       "words. Near-duplicates are found by MinHash over word windows. The excerpts above were re-read from "
       "the shards and the index when this report was made.</p>";
  h += "<h3>Parameters</h3><pre class=\"mono\">" + esc(m.scan_params_json) + "</pre>";

  h += "<h2 id=\"rates\">Measured error rates</h2>";
  if (!m.rates) {
    h += "<p>No measurement was given (<code>provaudit report --eval EVAL.json</code> quotes one made by "
         "<code>provaudit eval</code>).</p>";
  } else {
    const ErrorRates& r = *m.rates;
    h += "<p class=\"sub\">From <code>" + esc(r.file.path) + "</code> (SHA-256 <code>" + esc(r.file.sha256) + "</code>): seed " +
         num(r.seed) + ", " + num(r.passages_per_cell) + " planted passages per damage kind and length, " +
         num(r.unrelated_bytes) + " bytes of unrelated text, min_words " + num(r.min_words) + ".</p>";
    h += "<table><tr><th>Passages</th><th>Planted</th><th>Recall</th><th>Precision</th><th>PAN plagdet</th></tr>";
    for (const auto& x : r.totals)
      h += "<tr><td>" + esc(x.name) + "</td><td class=\"n\">" + num(x.planted) + "</td><td class=\"n\">" + fixed(x.recall, 3) +
           "</td><td class=\"n\">" + fixed(x.precision, 3) + "</td><td class=\"n\">" + fixed(x.plagdet, 3) + "</td></tr>";
    for (const auto& x : r.kinds)
      h += "<tr><td>" + esc(x.name) + " (≥ 25 words)</td><td class=\"n\">" + num(x.planted) + "</td><td class=\"n\">" +
           fixed(x.recall, 3) + "</td><td class=\"n\">" + fixed(x.precision, 3) + "</td><td class=\"n\">" +
           fixed(x.plagdet, 3) + "</td></tr>";
    h += "</table><p>False attributions: " + fixed(r.false_attributions_per_mb, 3) + " per MB of unrelated text.</p>";
  }

  h += "<h2 id=\"inputs\">Inputs</h2><table><tr><th>Shard</th><th>Records</th><th>Bytes</th><th>SHA-256</th></tr>";
  for (const auto& s : m.shards)
    h += "<tr><td class=\"mono\">" + esc(s.path) + "</td><td class=\"n\">" + num(s.records) + "</td><td class=\"n\">" +
         num(s.bytes) + "</td><td class=\"mono\">" + esc(s.sha256) + "</td></tr>";
  h += "</table><p>Index <code>" + esc(m.index_path) + "</code>, logical digest <code>" + esc(m.index_digest) + "</code>" +
       (m.index_digest_matches ? " (re-checked)" : " (<b>differs from the index read now</b>)") + ".</p>";

  if (!m.errors.empty()) {
    h += "<h2 id=\"problems\">Problems</h2><ul>";
    for (const auto& e : m.errors) h += "<li>" + esc(e.describe()) + "</li>";
    h += "</ul>";
  }
  h += "</main></body></html>\n";
  return h;
}

}  // namespace prov::reports::detail
