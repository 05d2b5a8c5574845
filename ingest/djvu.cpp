// ingest/djvu.cpp: DjVu books with a hidden text layer (djvulibre's ddjvuapi), page by page.
//
// The document is decoded from memory: ddjvuapi asks for data through m_newstream messages and
// we answer stream 0 (the bundled document) with the bytes; an indirect document's other
// files are not in memory, so their streams are closed and those pages come out without text.
// Each page's text is read at "line" detail: the s-expression (page x0 y0 x1 y1 (column ...
// (line x0 y0 x1 y1 "text") ...)) gives one output line per line (words joined by spaces
// when a producer stored words), regions and paragraphs end with a blank line, then the page
// is cleaned like a PDF page (clean_page_text). Pages are separated by a blank line, one span
// per page, source "page N", source_line N. No text on any page: "no text layer". Metadata:
// the annotation chunk's (metadata (title ..) (author ..) (publisher ..) (year ..) (isbn ..)).
//
// djvulibre is C++ parsing hostile binary chunks: read_books() runs this reader in a child
// process (isolate.cpp).
#include <libdjvu/ddjvuapi.h>
#include <libdjvu/miniexp.h>

#include <memory>
#include <string>

#include "ingest/detail/book_readers.hpp"

namespace prov::ingest::detail {
namespace {

struct ContextFree {
  void operator()(ddjvu_context_t* c) const { ddjvu_context_release(c); }
};
struct DocumentFree {
  void operator()(ddjvu_document_t* d) const { ddjvu_document_release(d); }
};

// Answers pending messages: only stream 0 holds data; any other stream is refused.
void drain(ddjvu_context_t* ctx, ddjvu_document_t* doc) {
  while (const ddjvu_message_t* msg = ddjvu_message_peek(ctx)) {
    if (msg->m_any.tag == DDJVU_NEWSTREAM && msg->m_newstream.streamid != 0)
      ddjvu_stream_close(doc, msg->m_newstream.streamid, 1);
    ddjvu_message_pop(ctx);
  }
}

bool is_type(const char* t, const char* name) { return t != nullptr && std::string_view(t) == name; }

void collect(miniexp_t e, std::string& out, int depth) {
  if (!miniexp_consp(e) || depth > 64) return;
  const miniexp_t type = miniexp_car(e);
  const char* t = miniexp_symbolp(type) ? miniexp_to_name(type) : nullptr;
  miniexp_t rest = miniexp_cdr(e);
  for (int i = 0; i < 4 && miniexp_consp(rest); ++i) rest = miniexp_cdr(rest);  // coordinates
  for (; miniexp_consp(rest); rest = miniexp_cdr(rest)) {
    const miniexp_t c = miniexp_car(rest);
    if (miniexp_stringp(c)) {
      if (is_type(t, "word") && !out.empty() && out.back() != '\n') out += ' ';
      out += miniexp_to_str(c);
    } else {
      collect(c, out, depth + 1);
    }
  }
  if (is_type(t, "line")) out += '\n';
  if (is_type(t, "para") || is_type(t, "region") || is_type(t, "column")) out += "\n\n";
}

std::string anno_value(miniexp_t anno, const char* key) {
  const char* v = ddjvu_anno_get_metadata(anno, miniexp_symbol(key));
  return v ? clean_meta(v) : std::string();
}

}  // namespace

Status read_djvu(std::string_view bytes, const BookLimits& limits, Book& book) {
  std::unique_ptr<ddjvu_context_t, ContextFree> ctx(ddjvu_context_create("provaudit"));
  if (!ctx) return make_error(Errc::kInternal, "ddjvu_context_create failed");
  std::unique_ptr<ddjvu_document_t, DocumentFree> doc(
      ddjvu_document_create(ctx.get(), nullptr, 0));
  if (!doc) return make_error(Errc::kInternal, "ddjvu_document_create failed");
  ddjvu_stream_write(doc.get(), 0, bytes.data(), static_cast<unsigned long>(bytes.size()));
  ddjvu_stream_close(doc.get(), 0, 0);
  while (!ddjvu_document_decoding_done(doc.get())) {
    ddjvu_message_wait(ctx.get());
    drain(ctx.get(), doc.get());
  }
  if (ddjvu_document_decoding_error(doc.get()))
    return make_error(Errc::kFormat, "not a DjVu document, or damaged: djvulibre cannot decode it");
  book.encoding = "UTF-8";

  miniexp_t anno;
  while ((anno = ddjvu_document_get_anno(doc.get(), 1)) == miniexp_dummy) {
    ddjvu_message_wait(ctx.get());
    drain(ctx.get(), doc.get());
  }
  if (anno != miniexp_nil) {
    book.title = anno_value(anno, "title");
    if (std::string a = anno_value(anno, "author"); !a.empty()) book.authors.push_back(a);
    book.publisher = anno_value(anno, "publisher");
    book.date = anno_value(anno, "year");
    if (std::string isbn = anno_value(anno, "isbn"); !isbn.empty())
      add_isbns("isbn " + isbn, book.isbns);
    ddjvu_miniexp_release(doc.get(), anno);
  }

  const int pages = ddjvu_document_get_pagenum(doc.get());
  for (int p = 0; p < pages; ++p) {
    miniexp_t r;
    while ((r = ddjvu_document_get_pagetext(doc.get(), p, "line")) == miniexp_dummy) {
      ddjvu_message_wait(ctx.get());
      drain(ctx.get(), doc.get());
    }
    std::string raw;
    collect(r, raw, 0);
    if (r != miniexp_nil) ddjvu_miniexp_release(doc.get(), r);
    const std::string text = clean_page_text(std::move(raw));
    if (text.empty()) continue;
    if (auto st = append_page(book, text, p, limits); !st) return st;
  }
  if (book.text.empty()) return no_text_layer(pages);
  return Ok{};
}

}  // namespace prov::ingest::detail
