// reports/report_pdf.cpp: report.pdf for filing, laid out with pango on cairo's PDF surface.
// A4 pages: a title page, the exhibit list (with the page each exhibit starts on), the
// summary, per work its coverage bar and excerpts side by side (differences highlighted), the
// method, parameters and error rates, torrent evidence, and "Page n of N" on every page.
// The document is laid out until the page numbers it prints are the ones it produces (a first
// pass counts pages and finds where each exhibit starts; usually the second pass is final).
// Byte-identity: cairo writes CreationDate/ModDate from the clock unless given; we set both to
// kPdfDate (a run has no time of its own, and the manifest's `created` records when the report
// was made). Font subsets depend on the fonts installed (fontconfig), so identical bytes are
// promised for identical font packages (fonts-dejavu-core on Debian 12).
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <map>
#include <memory>

#include "common/version.hpp"
#include "reports/detail/report_model.hpp"

namespace prov::reports::detail {
namespace {

constexpr double kPageW = 595.276, kPageH = 841.89;  // A4 in points
constexpr double kMargin = 56.0;
constexpr double kBottom = kPageH - kMargin - 14.0;  // leave room for the footer
constexpr double kTextW = kPageW - 2 * kMargin;
constexpr double kGap = 14.0;
constexpr const char* kPdfDate = "2000-01-01T00:00:00Z";
constexpr std::size_t kMaxEventsShown = 200;

std::string mk(std::string_view s) {  // text made safe for pango markup
  const std::string c = clean_text(s);
  char* e = g_markup_escape_text(c.data(), static_cast<gssize>(c.size()));
  std::string out(e);
  g_free(e);
  return out;
}
std::string num(std::uint64_t v) { return std::to_string(v); }

cairo_status_t append_to(void* closure, const unsigned char* data, unsigned int length) {
  if (closure) static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct LineBox {
  PangoLayoutLine* line;
  double x, h, baseline;  // points
};

std::vector<LineBox> lines_of(PangoLayout* layout) {
  std::vector<LineBox> out;
  PangoLayoutIter* it = pango_layout_get_iter(layout);
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, nullptr, &logical);
    const double baseline = pango_units_to_double(pango_layout_iter_get_baseline(it) - logical.y);
    out.push_back({pango_layout_iter_get_line_readonly(it), pango_units_to_double(logical.x),
                   pango_units_to_double(logical.height), baseline});
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  return out;
}

class Writer {
 public:
  Writer(const ReportModel& m, std::string* out, int total_pages, std::map<std::string, int> exhibit_pages)
      : m_(m), total_pages_(total_pages), exhibit_pages_(std::move(exhibit_pages)) {
    surface_ = cairo_pdf_surface_create_for_stream(append_to, out, kPageW, kPageH);
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, "Known works found in training data");
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR,
                                   (std::string(kToolName) + " " + kToolVersion).c_str());
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATE_DATE, kPdfDate);
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_MOD_DATE, kPdfDate);
    cr_ = cairo_create(surface_);
    layout_ = pango_cairo_create_layout(cr_);
    pango_layout_set_wrap(layout_, PANGO_WRAP_WORD_CHAR);
    y_ = kMargin;
  }
  ~Writer() {
    g_object_unref(layout_);
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Status finish() {
    footer();
    cairo_show_page(cr_);
    cairo_surface_finish(surface_);
    const cairo_status_t st = cairo_surface_status(surface_);
    if (st != CAIRO_STATUS_SUCCESS) return make_error(Errc::kInternal, std::string("cairo: ") + cairo_status_to_string(st));
    return Ok{};
  }
  int pages() const { return page_; }
  const std::map<std::string, int>& exhibits_seen() const { return seen_; }

  void document() {
    title_page();
    new_page();
    exhibit_list();
    summary();
    works();
    evidence();
    method();
    problems();
  }

 private:
  // ---- layout primitives ----
  void new_page() {
    footer();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMargin;
  }
  // Drawn with its own layout: a page break happens while a paragraph's lines (which belong
  // to layout_) are being drawn.
  void footer() {
    PangoLayout* f = pango_cairo_create_layout(cr_);
    PangoFontDescription* fd = pango_font_description_from_string("DejaVu Sans 8");
    pango_layout_set_font_description(f, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(f, pango_units_from_double(kTextW));
    const std::string left = "<span foreground=\"#57606a\">provaudit report · " + mk(m_.options.run) + "</span>";
    pango_layout_set_markup(f, left.c_str(), -1);
    cairo_move_to(cr_, kMargin, kPageH - kMargin + 4);
    pango_cairo_show_layout(cr_, f);
    const std::string right = "Page " + num(static_cast<std::uint64_t>(page_)) + " of " +
                              num(static_cast<std::uint64_t>(total_pages_));
    pango_layout_set_markup(f, right.c_str(), -1);
    pango_layout_set_alignment(f, PANGO_ALIGN_RIGHT);
    cairo_move_to(cr_, kMargin, kPageH - kMargin + 4);
    pango_cairo_show_layout(cr_, f);
    g_object_unref(f);
  }
  void set(const char* font, double width, const std::string& markup) {
    PangoFontDescription* fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout_, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(layout_, pango_units_from_double(width));
    pango_layout_set_markup(layout_, markup.c_str(), -1);
  }
  // Flows one paragraph, breaking pages between its lines.
  void para(const std::string& markup, const char* font = "DejaVu Sans 10", double space_after = 6, double indent = 0) {
    set(font, kTextW - indent, markup);
    for (const auto& l : lines_of(layout_)) {
      if (y_ + l.h > kBottom) new_page();
      cairo_move_to(cr_, kMargin + indent + l.x, y_ + l.baseline);
      pango_cairo_show_layout_line(cr_, l.line);
      y_ += l.h;
    }
    y_ += space_after;
  }
  void heading(const std::string& markup, const char* font, double keep = 120) {
    if (y_ + keep > kBottom) new_page();
    y_ += 6;
    para("<b>" + markup + "</b>", font, 4);
  }
  // Two paragraphs side by side, line by line (the taller side sets each row's height).
  void columns(const std::string& left, const std::string& right, const char* font) {
    const double w = (kTextW - kGap) / 2;
    PangoLayout* a = pango_cairo_create_layout(cr_);
    PangoLayout* b = pango_cairo_create_layout(cr_);
    for (auto [lay, text] : {std::pair{a, &left}, std::pair{b, &right}}) {
      PangoFontDescription* fd = pango_font_description_from_string(font);
      pango_layout_set_font_description(lay, fd);
      pango_font_description_free(fd);
      pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_width(lay, pango_units_from_double(w));
      pango_layout_set_markup(lay, text->c_str(), -1);
    }
    const auto la = lines_of(a), lb = lines_of(b);
    for (std::size_t i = 0; i < la.size() || i < lb.size(); ++i) {
      const double h = std::max(i < la.size() ? la[i].h : 0.0, i < lb.size() ? lb[i].h : 0.0);
      if (y_ + h > kBottom) new_page();
      if (i < la.size()) {
        cairo_move_to(cr_, kMargin + la[i].x, y_ + la[i].baseline);
        pango_cairo_show_layout_line(cr_, la[i].line);
      }
      if (i < lb.size()) {
        cairo_move_to(cr_, kMargin + w + kGap + lb[i].x, y_ + lb[i].baseline);
        pango_cairo_show_layout_line(cr_, lb[i].line);
      }
      y_ += h;
    }
    y_ += 8;
    g_object_unref(a);
    g_object_unref(b);
  }
  void coverage_bar(const WorkSection& w) {
    const double h = 10;
    if (y_ + h + 8 > kBottom) new_page();
    cairo_set_source_rgb(cr_, 0.90, 0.91, 0.93);
    cairo_rectangle(cr_, kMargin, y_, kTextW, h);
    cairo_fill(cr_);
    cairo_set_source_rgb(cr_, 0.81, 0.13, 0.18);
    if (w.text_bytes > 0) {
      for (const auto& [s, e] : w.ranges) {
        const double x0 = kTextW * static_cast<double>(s) / static_cast<double>(w.text_bytes);
        const double x1 = kTextW * static_cast<double>(e) / static_cast<double>(w.text_bytes);
        cairo_rectangle(cr_, kMargin + x0, y_, std::max(x1 - x0, 0.75), h);
      }
      cairo_fill(cr_);
    }
    cairo_set_source_rgb(cr_, 0, 0, 0);
    y_ += h + 8;
  }

  // ---- content ----
  static std::string name(const WorkSection& w) { return display_name(w); }
  std::string exhibit_id(std::size_t i) const { return "A-" + num(i + 1); }

  void title_page() {
    y_ = 200;
    para("<span size=\"xx-large\"><b>Known works found in training data</b></span>", "DejaVu Sans 12", 12);
    para("Evidentiary report", "DejaVu Sans 14", 30);
    para("<b>" + num(m_.works.size()) + "</b> works found in <b>" + num(m_.documents_matched) + "</b> of " +
             num(m_.records) + " documents in " + num(m_.shards.size()) + " shards: " + num(m_.passages) +
             " verified passages, " + num(m_.near_duplicates) + " near-duplicates.",
         "DejaVu Sans 11", 24);
    para("Scan run: <tt>" + mk(m_.options.run) + "</tt>", "DejaVu Sans 10", 4);
    para("Index: <tt>" + mk(m_.index_path) + "</tt>", "DejaVu Sans 10", 4);
    para("Index digest: <tt>" + mk(m_.index_digest) + "</tt>", "DejaVu Sans 9", 4);
    para("Prepared with " + std::string(kToolName) + " " + kToolVersion +
             ". Every input and output is listed with its SHA-256 in manifest.json beside this file; "
             "<tt>provaudit verify</tt> re-checks them and <tt>provaudit reproduce</tt> re-runs the scan.",
         "DejaVu Sans 10", 4);
  }

  void exhibit_list() {
    heading("Exhibit list", "DejaVu Sans 16");
    for (std::size_t i = 0; i < m_.works.size(); ++i) {
      const auto& w = m_.works[i];
      auto it = exhibit_pages_.find(w.work_id);
      const std::uint64_t page = it == exhibit_pages_.end() ? 0 : static_cast<std::uint64_t>(it->second);
      para("<b>Exhibit " + exhibit_id(i) + "</b>  " + mk(name(w)) + " — " + percent(w.coverage) + " covered, " +
               num(w.passages) + " passages\n<span size=\"small\"><tt>" + mk(w.work_id) + "</tt> · page " + num(page) +
               "</span>",
           "DejaVu Sans 10", 4);
    }
    for (std::size_t i = 0; i < m_.shards.size(); ++i) {
      const auto& s = m_.shards[i];
      para("<b>Exhibit B-" + num(i + 1) + "</b>  training shard <tt>" + mk(s.path) + "</tt>, " + num(s.records) +
               " records, " + num(s.bytes) + " bytes\n<span size=\"small\"><tt>SHA-256 " + mk(s.sha256) + "</tt></span>",
           "DejaVu Sans 10", 4);
    }
    if (m_.rates)
      para("<b>Exhibit C-1</b>  error-rate measurement <tt>" + mk(m_.rates->file.path) +
               "</tt>\n<span size=\"small\"><tt>SHA-256 " + mk(m_.rates->file.sha256) + "</tt></span>",
           "DejaVu Sans 10", 4);
    for (std::size_t i = 0; i < m_.evidence.size(); ++i)
      para("<b>Exhibit D-" + num(i + 1) + "</b>  torrent evidence <tt>" + mk(m_.evidence[i].file.path) +
               "</tt>\n<span size=\"small\"><tt>SHA-256 " + mk(m_.evidence[i].file.sha256) + "</tt></span>",
           "DejaVu Sans 10", 4);
  }

  void summary() {
    heading("Summary", "DejaVu Sans 16");
    para("Works found: " + num(m_.works.size()) + "\nVerified passages: " + num(m_.passages) +
         "\nNear-duplicates: " + num(m_.near_duplicates) + "\nDocuments with evidence: " + num(m_.documents_matched) +
         "\nDocuments scanned: " + num(m_.records) + "\nShards: " + num(m_.shards.size()) +
         "\nRecords skipped by the scan: " + num(m_.scan_errors));
    for (const auto& w : m_.works)
      para(percent(w.coverage) + "  " + mk(name(w)) + " (" + num(w.matched_words) + " of " + num(w.total_words) +
               " words, " + num(w.documents) + " documents)" + (w.allowed ? " <i>allowed</i>" : ""),
           "DejaVu Sans 10", 2);
  }

  static std::string diff_markup(const std::vector<DiffRun>& runs) {
    std::string s;
    for (const auto& r : runs) {
      if (r.cls == DiffClass::kSame) {
        s += mk(r.text);
      } else {
        s += std::string("<span background=\"") + (r.cls == DiffClass::kDiff ? "#ffd7d5" : "#fff1a8") + "\">" +
             mk(r.text) + "</span>";
      }
    }
    return s;
  }

  void works() {
    for (std::size_t i = 0; i < m_.works.size(); ++i) {
      const auto& w = m_.works[i];
      if (y_ + 200 > kBottom) new_page();
      seen_[w.work_id] = page_;
      heading("Exhibit " + exhibit_id(i) + ": " + mk(name(w)), "DejaVu Sans 14", 0);
      std::string authors;
      for (const auto& a : w.authors) authors += (authors.empty() ? "" : ", ") + mk(a);
      para((authors.empty() ? "" : authors + " · ") + mk(w.format) + " · <tt>" + mk(w.path) + "</tt>\nwork_id <tt>" +
               mk(w.work_id) + "</tt>",
           "DejaVu Sans 9", 4);
      para(percent(w.coverage) + " of the work's words (" + num(w.matched_words) + " of " + num(w.total_words) +
               ") in " + num(w.passages) + " passages from " + num(w.documents) + " documents. Where they fall:",
           "DejaVu Sans 10", 4);
      coverage_bar(w);
      const std::size_t cap = m_.options.max_excerpts_per_work;
      for (std::size_t k = 0; k < w.findings.size() && k < cap; ++k) finding(w.findings[k], k);
      if (w.findings.size() > cap)
        para("<i>" + num(cap) + " of " + num(w.findings.size()) + " findings shown; report.json lists every one.</i>",
             "DejaVu Sans 9");
    }
  }

  void finding(const Finding& f, std::size_t k) {
    if (y_ + 90 > kBottom) new_page();
    std::string loc;
    if (f.has_work_range) {
      loc = "work bytes " + num(f.work_start) + "–" + num(f.work_end);
      if (f.location.known) {
        if (!f.location.page.empty()) loc += ", page " + mk(f.location.page);
        if (!f.location.part.empty()) loc += ", " + mk(f.location.part);
        if (f.location.line) loc += ", line " + num(f.location.line);
      }
    } else {
      loc = "near-duplicate (no work range), Jaccard " + decimal(f.jaccard, 3);
    }
    std::string flags;
    for (const auto& fl : f.flags) flags += " · " + mk(fl);
    para("<b>" + std::string(f.near_duplicate ? "Near-duplicate " : "Passage ") + num(k + 1) + "</b> · " + num(f.words) +
             " words · score " + decimal(f.score, 3) + flags + "\n<span size=\"small\"><tt>" + mk(f.shard) +
             "</tt> record " + num(f.record) + ", document <tt>" + mk(f.doc_id) + "</tt>, bytes " + num(f.doc_start) + "–" +
             num(f.doc_end) + " · " + loc + "</span>",
         "DejaVu Sans 9", 3);
    std::string left = "<b>Training text</b>\n", right = "<b>Work text</b>\n";
    if (f.training.available && f.work.available) {
      const WordDiff d = word_diff(f.training.text, f.work.text);
      left += d.aligned ? diff_markup(d.left) : mk(f.training.text);
      right += d.aligned ? diff_markup(d.right) : mk(f.work.text);
    } else {
      left += f.training.available ? mk(f.training.text) : "<i>not available</i>";
      right += f.work.available ? mk(f.work.text) : "<i>—</i>";
    }
    if (f.training.truncated) left += " <i>[…cut]</i>";
    if (f.work.truncated) right += " <i>[…cut]</i>";
    columns(left, right, "DejaVu Serif 8.5");
  }

  void evidence() {
    if (m_.evidence.empty()) return;
    heading("Torrent evidence", "DejaVu Sans 16");
    for (const auto& e : m_.evidence) {
      para("<tt>" + mk(e.file.path) + "</tt> (" + mk(e.schema) + "), " + num(e.events.size()) + " events", "DejaVu Sans 10", 4);
      for (std::size_t i = 0; i < e.events.size() && i < kMaxEventsShown; ++i) {
        const auto& ev = e.events[i];
        std::string d;
        for (const auto& [k, v] : ev.fields) d += (d.empty() ? "" : " · ") + mk(k) + ": " + mk(v);
        para("<tt>" + mk(ev.time) + "</tt>  <b>" + mk(ev.kind) + "</b>  " + d, "DejaVu Sans 8", 1);
      }
    }
  }

  void method() {
    heading("Method", "DejaVu Sans 16");
    para("Works are tokenized (ICU word segmentation, NFKC case folding), cut into k-word shingles, and a "
         "content-defined sample of the shingles is indexed. Each training document is sampled the same way; "
         "hits on one work along nearly the same diagonal are chained, and each chain is verified by aligning "
         "the document's words with the work's words (greedy X-drop extension that re-synchronises over small "
         "edits). Passages of at least " +
         num(m_.min_words) +
         " document words are reported with byte offsets on both sides; coverage is the union of matched work "
         "words. Near-duplicates are found by MinHash over word windows. Excerpts were re-read from the shards "
         "and the index when this report was made. Highlighting: red, words without a counterpart; yellow, "
         "words that differ only in case or punctuation.");
    heading("Parameters", "DejaVu Sans 13", 60);
    para("<tt>" + mk(m_.scan_params_json) + "</tt>", "DejaVu Sans 8");
    heading("Measured error rates", "DejaVu Sans 13", 80);
    if (!m_.rates) {
      para("No measurement was given (provaudit report --eval EVAL.json quotes one made by provaudit eval).");
      return;
    }
    const ErrorRates& r = *m_.rates;
    para("From <tt>" + mk(r.file.path) + "</tt>: seed " + num(r.seed) + ", " + num(r.passages_per_cell) +
         " planted passages per damage kind and length, " + num(r.unrelated_bytes) + " bytes of unrelated text.");
    for (const auto& x : r.totals)
      para(mk(x.name) + ": recall " + decimal(x.recall, 3) + ", precision " + decimal(x.precision, 3) + ", plagdet " +
               decimal(x.plagdet, 3) + " (" + num(x.planted) + " planted)",
           "DejaVu Sans 9", 1);
    for (const auto& x : r.kinds)
      para(mk(x.name) + " (≥ 25 words): recall " + decimal(x.recall, 3) + ", precision " + decimal(x.precision, 3) +
               " (" + num(x.planted) + " planted)",
           "DejaVu Sans 9", 1);
    para("False attributions: " + decimal(r.false_attributions_per_mb, 3) + " per MB of unrelated text.", "DejaVu Sans 9");
  }

  void problems() {
    if (m_.errors.empty()) return;
    heading("Problems while reading the run back", "DejaVu Sans 13", 60);
    for (const auto& e : m_.errors) para(mk(e.describe()), "DejaVu Sans 9", 2);
  }

  const ReportModel& m_;
  int total_pages_;
  std::map<std::string, int> exhibit_pages_;
  std::map<std::string, int> seen_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  PangoLayout* layout_ = nullptr;
  double y_ = 0;
  int page_ = 1;
};

}  // namespace

Result<std::string> report_pdf(const ReportModel& m) {
  // Lay out until the page numbers it prints (total, exhibit pages) are the ones it produces:
  // usually the second pass; a number that grows a digit and moves a line break needs a third.
  int pages = 0;
  std::map<std::string, int> exhibits;
  for (int pass = 0; pass < 4; ++pass) {
    std::string out;
    Writer w(m, &out, pages, exhibits);
    w.document();
    if (auto s = w.finish(); !s) return std::move(s).error();
    if (w.pages() == pages && w.exhibits_seen() == exhibits) return out;
    pages = w.pages();
    exhibits = w.exhibits_seen();
  }
  return make_error(Errc::kInternal, "the PDF's page numbers did not settle after 4 layouts");
}

}  // namespace prov::reports::detail
