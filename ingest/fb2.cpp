// ingest/fb2.cpp: FictionBook 2 books (.fb2, and .fb2.zip: a zip holding one .fb2).
//
// FB2 is XML: libxml2 reads it in its declared encoding (windows-1251 and KOI8-R are common),
// with no network, no DTD and no entity substitution (see detail/markup.hpp); a damaged file
// is parsed again in recovery mode, with a warning. Text: every <body> in order (the main
// text, then notes), through the shared DOM-to-text walker with FB2's element rules: section,
// title, subtitle, p, poem, stanza, v (a verse line), epigraph, cite, text-author are blocks,
// empty-line is a blank line, <binary> (base64 images) and <description> are not text. The
// offset map names the element's line in the file (or in the zip member). Metadata comes from
// <description>: title-info (book-title, author, lang, date) and publish-info (publisher,
// year, isbn).
#include <algorithm>
#include <climits>
#include <string>

#include "ingest/detail/book_readers.hpp"
#include "ingest/detail/markup.hpp"

namespace prov::ingest::detail {
namespace {

Kind classify_fb2(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "body", "section", "title", "subtitle", "p", "v", "stanza", "poem", "epigraph", "cite",
      "text-author", "annotation", "table", "tr", "td", "th", "date"};
  if (name == "binary" || name == "description" || name == "stylesheet") return Kind::kDrop;
  if (name == "empty-line") return Kind::kBreak;
  for (std::string_view b : kBlocks)
    if (name == b) return Kind::kBlock;
  return Kind::kInline;
}

const xmlNode* child(const xmlNode* n, std::string_view local) {
  for (const xmlNode* c = n ? n->children : nullptr; c != nullptr; c = c->next)
    if (is_element(c, local)) return c;
  return nullptr;
}

std::string person(const xmlNode* author) {
  std::string name;
  for (const char* part : {"first-name", "middle-name", "last-name"}) {
    const xmlNode* c = child(author, part);
    if (c == nullptr) continue;
    if (std::string s = clean_text(c); !s.empty()) name += (name.empty() ? "" : " ") + s;
  }
  if (name.empty())
    if (const xmlNode* nick = child(author, "nickname")) name = clean_text(nick);
  return name;
}

void read_description(const xmlNode* root, Book& book) {
  const xmlNode* desc = child(root, "description");
  if (desc == nullptr) return;
  if (const xmlNode* ti = child(desc, "title-info")) {
    if (const xmlNode* t = child(ti, "book-title")) book.title = clean_text(t);
    for (const xmlNode* c = ti->children; c != nullptr; c = c->next)
      if (is_element(c, "author"))
        if (std::string who = person(c); !who.empty()) book.authors.push_back(std::move(who));
    if (const xmlNode* l = child(ti, "lang")) book.language = lower(clean_text(l));
    if (const xmlNode* d = child(ti, "date"))
      book.date = attr(d, "value").empty() ? clean_text(d) : attr(d, "value");
  }
  if (const xmlNode* pi = child(desc, "publish-info")) {
    if (const xmlNode* p = child(pi, "publisher")) book.publisher = clean_text(p);
    if (const xmlNode* y = child(pi, "year"); y && book.date.empty()) book.date = clean_text(y);
    for (const xmlNode* c = pi->children; c != nullptr; c = c->next)
      if (is_element(c, "isbn")) add_isbns("isbn " + clean_text(c), book.isbns);
  }
}

}  // namespace

Status read_fb2(std::string_view bytes, const BookLimits& limits, Book& book) {
  QuietXml quiet;
  const int max_depth = std::clamp(limits.max_depth, 1, kHardDepthCap);
  std::string data;
  std::string source;  // "" for the file itself, the member name inside a .fb2.zip
  if (bytes.substr(0, 2) == "PK") {
    bool found = false;
    Status s = expand_archive(bytes, "book.fb2.zip", limits, [&](Result<ArchiveMember> m) {
      if (!m || found || !is_safe_name(m->name) || lower(m->name).size() < 4 ||
          lower(m->name).substr(lower(m->name).size() - 4) != ".fb2")
        return;
      found = true;
      source = m->name;
      data = std::move(m->data);
    });
    if (!s) return std::move(s).error();
    if (!found) return make_error(Errc::kFormat, "zip holds no .fb2 member");
  } else {
    data.assign(bytes);
  }
  DocPtr doc = parse_xml(data, source.empty() ? "book.fb2" : source);
  if (!doc || xmlDocGetRootElement(doc.get()) == nullptr) {
    doc.reset(xmlReadMemory(data.data(), static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX)),
                            "book.fb2", nullptr, kXmlOptions | XML_PARSE_RECOVER));
    if (!doc || xmlDocGetRootElement(doc.get()) == nullptr)
      return make_error(Errc::kFormat, "not well-formed XML, even in recovery mode");
    book.warnings.push_back("not well-formed XML; read in recovery mode");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!is_element(root, "FictionBook") && !is_element(root, "fictionbook"))
    return make_error(Errc::kFormat, "root element is not <FictionBook>");
  book.encoding = doc->encoding ? reinterpret_cast<const char*>(doc->encoding) : "UTF-8";
  read_description(root, book);
  std::size_t bodies = 0;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (!is_element(c, "body")) continue;
    ++bodies;
    TextSink part(source);
    part.set_line(static_cast<std::uint32_t>(std::max(0L, xmlGetLineNo(c))));
    if (!walk(c, part, 0, max_depth, false, classify_fb2)) {
      book.warnings.push_back("a <body> nests deeper than max_depth (" +
                              std::to_string(max_depth) + "); skipped");
      continue;
    }
    part.finish();
    append_part(book, part);
    if (book.text.size() > limits.max_bytes)
      return make_error(Errc::kLimit, "extracted text is larger than max_bytes");
  }
  if (bodies == 0) return make_error(Errc::kFormat, "FictionBook without a <body>");
  if (book.text.empty()) book.warnings.push_back("no extractable text");
  return Ok{};
}

}  // namespace prov::ingest::detail
