// ingest/html.cpp: standalone HTML and XHTML books.
//
// One file, read like one EPUB spine item: libxml2's forgiving HTML parser in the encoding
// the BOM, XML declaration or <meta charset> names (else UTF-8), then the shared DOM-to-text
// rules (detail/markup.hpp). The offset map names each block's line in the file. Metadata:
// <title>, <html lang>, and <meta name> author, DC.creator, DC.publisher, DC.date,
// DC.language and DC.identifier (ISBNs).
#include <algorithm>
#include <string>

#include "ingest/detail/book_readers.hpp"
#include "ingest/detail/markup.hpp"

namespace prov::ingest::detail {

Status read_html(std::string_view bytes, const BookLimits& limits, Book& book) {
  QuietXml quiet;
  const int max_depth = std::clamp(limits.max_depth, 1, kHardDepthCap);
  const std::string data(bytes);
  book.encoding = sniff_encoding(data);
  DocPtr doc = parse_html(data, "book.html");
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) return make_error(Errc::kFormat, "cannot be parsed as HTML");
  if (book.language.empty()) book.language = attr(root, "lang");
  for_each_element(root, 0, 8, [&](const xmlNode* n) {
    if (is_element(n, "title") && book.title.empty()) {
      book.title = clean_text(n);
    } else if (is_element(n, "meta")) {
      const std::string name = lower(attr(n, "name"));
      const std::string content = clean_meta(attr(n, "content"));
      if (content.empty()) return;
      if (name == "author" || name == "dc.creator") book.authors.push_back(content);
      else if (name == "dc.publisher" && book.publisher.empty()) book.publisher = content;
      else if (name == "dc.date" && book.date.empty()) book.date = content;
      else if (name == "dc.language" && book.language.empty()) book.language = content;
      else if (name == "dc.identifier" || name == "isbn") add_isbns(content, book.isbns);
    }
  });
  TextSink part("");
  if (!walk(reinterpret_cast<xmlNode*>(doc.get()), part, 0, max_depth, false))
    return make_error(Errc::kLimit,
                      "nested deeper than max_depth (" + std::to_string(max_depth) + ")");
  part.finish();
  append_part(book, part);
  if (book.text.size() > limits.max_bytes)
    return make_error(Errc::kLimit, "extracted text is larger than max_bytes");
  if (book.text.empty()) book.warnings.push_back("no extractable text");
  return Ok{};
}

}  // namespace prov::ingest::detail
