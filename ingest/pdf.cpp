// ingest/pdf.cpp: PDF books with a text layer (poppler-cpp), page by page.
//
// Each page's text comes out in poppler's reading order (the layout pdftotext uses by
// default: neither raw content-stream order nor physical columns); lines are kept, CR and form
// feeds go, trailing spaces go, runs of blank lines become one. Pages are separated by a blank
// line, and the offset map has one span per page, source "page N", source_line N, so a match
// reports the page it is on. A PDF whose pages hold no text at all (a scan) is refused with
// "no text layer", not indexed as an empty work; an encrypted PDF that needs a password is
// refused as such. Metadata: the info dictionary (Title, Author), then the XMP packet for what
// it lacks (language, publisher, date, ISBNs).
//
// poppler parses hostile input in C++ with a long record of crashes and hangs: read_books()
// runs this reader in a child process (isolate.cpp).
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <memory>
#include <mutex>
#include <string>

#include "common/utf8.hpp"
#include "ingest/detail/book_readers.hpp"

namespace prov::ingest::detail {
namespace {

void ignore_poppler(const std::string&, void*) {}

std::string utf8(const poppler::ustring& s) {
  const poppler::byte_array b = s.to_utf8();
  std::string out(b.begin(), b.end());
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

// Valid UTF-8 with bad sequences replaced by U+FFFD.
std::string repair_utf8(std::string s) {
  if (is_valid_utf8(s)) return s;
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      append_utf8(out, 0xFFFD);
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

}  // namespace

std::string clean_page_text(std::string raw) {
  raw = repair_utf8(std::move(raw));
  std::string out;
  std::size_t blank = 0;
  std::size_t i = 0;
  while (i <= raw.size()) {
    std::size_t eol = raw.find_first_of("\r\n\f", i);
    if (eol == std::string::npos) eol = raw.size();
    std::string_view line(raw.data() + i, eol - i);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) {
      ++blank;
    } else {
      if (!out.empty()) out += blank > 0 ? "\n\n" : "\n";
      out += line;
      blank = 0;
    }
    if (eol >= raw.size()) break;
    i = eol + ((raw[eol] == '\r' && eol + 1 < raw.size() && raw[eol + 1] == '\n') ? 2 : 1);
  }
  return out;
}

Status append_page(Book& book, const std::string& text, int page_index, const BookLimits& limits) {
  if (!book.text.empty()) {  // the last page ended with "\n": this makes the blank line
    book.text += '\n';
    book.offsets.back().text_end = book.text.size();
  }
  if (book.text.size() + text.size() + 1 > limits.max_bytes)
    return make_error(Errc::kLimit, "extracted text is larger than max_bytes (" +
                                        std::to_string(limits.max_bytes) + ")");
  OffsetSpan span;
  span.text_start = book.text.size();
  span.source = "page " + std::to_string(page_index + 1);
  span.source_line = static_cast<std::uint32_t>(page_index + 1);
  book.text += text;
  book.text += '\n';
  span.text_end = book.text.size();
  book.offsets.push_back(std::move(span));
  return Ok{};
}

Error no_text_layer(int pages) {
  return make_error(Errc::kUnsupported, "no text layer (" + std::to_string(pages) +
                                            (pages == 1 ? " page" : " pages") +
                                            " without text: a scan?)");
}

Status read_pdf(std::string_view bytes, const BookLimits& limits, Book& book) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function(ignore_poppler, nullptr); });
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    return make_error(Errc::kLimit, "PDF is larger than 2 GiB");
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) {
    if (bytes.substr(0, 1024).find("%PDF-") == std::string_view::npos)
      return make_error(Errc::kFormat, "not a PDF (no %PDF- header)");
    return make_error(Errc::kFormat, "damaged PDF: poppler cannot open it (truncated?)");
  }
  if (doc->is_locked())
    return make_error(Errc::kUnsupported, "encrypted PDF: a password is needed to read it");
  book.encoding = "UTF-8";
  book.title = clean_meta(utf8(doc->info_key("Title")));
  if (std::string a = clean_meta(utf8(doc->info_key("Author"))); !a.empty())
    book.authors.push_back(std::move(a));
  read_xmp(utf8(doc->metadata()), book);
  const int pages = doc->pages();
  for (int p = 0; p < pages; ++p) {
    std::unique_ptr<poppler::page> page(doc->create_page(p));
    if (!page) {
      book.warnings.push_back("page " + std::to_string(p + 1) + " cannot be read");
      continue;
    }
    const std::string text =
        clean_page_text(utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout)));
    if (text.empty()) continue;
    if (auto st = append_page(book, text, p, limits); !st) return st;
  }
  if (book.text.empty()) return no_text_layer(pages);
  return Ok{};
}

}  // namespace prov::ingest::detail
