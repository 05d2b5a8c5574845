// ingest/markup.cpp: what the markup readers share: libxml2 set up safely, and the rules that
// turn an (X)HTML or XML tree into lines of text with an offset map (see detail/markup.hpp).
#include "ingest/detail/markup.hpp"

#include <algorithm>
#include <climits>
#include <mutex>
#include <set>

#include "common/utf8.hpp"

namespace prov::ingest::detail {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}


// A member name we may follow: UTF-8 (as every href is), relative, no "..", no NUL, no
// backslash tricks.
bool is_safe_name(std::string_view name) {
  if (name.empty() || !is_valid_utf8(name) || name.front() == '/' || name.find('\\') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos)
    return false;
  if (name.size() >= 2 && name[1] == ':') return false;  // "C:..."
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = std::min(name.find('/', start), name.size());
    if (name.substr(start, slash - start) == "..") return false;
    start = slash + 1;
  }
  return true;
}

// ---- libxml2 ----------------------------------------------------------------------------

namespace {
void ignore_xml_error(void*, const char*, ...) {}
void ignore_structured_error(void*, xmlErrorPtr) {}
}  // namespace

QuietXml::QuietXml()
    : generic_(xmlGenericError), generic_ctx_(xmlGenericErrorContext),
      structured_(xmlStructuredError), structured_ctx_(xmlStructuredErrorContext) {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  xmlSetGenericErrorFunc(nullptr, ignore_xml_error);
  xmlSetStructuredErrorFunc(nullptr, ignore_structured_error);
}

QuietXml::~QuietXml() {
  xmlSetGenericErrorFunc(generic_ctx_, generic_);
  xmlSetStructuredErrorFunc(structured_ctx_, structured_);
}





DocPtr parse_xml(const std::string& data, const std::string& url) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return DocPtr(xmlReadMemory(data.data(), static_cast<int>(data.size()), url.c_str(), nullptr,
                              kXmlOptions));
}

std::string_view local_name(const xmlChar* name) {
  if (name == nullptr) return {};
  std::string_view n(reinterpret_cast<const char*>(name));
  const std::size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

bool is_element(const xmlNode* n, std::string_view local) {
  if (n->type != XML_ELEMENT_NODE) return false;
  const std::string_view l = local_name(n->name);
  return l.size() == local.size() &&
         std::equal(l.begin(), l.end(), local.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
         });
}

// Text and CDATA below n, never entity references (whose expansion we refuse to do).
void append_text(const xmlNode* n, std::string& out, int depth) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      out += reinterpret_cast<const char*>(c->content);
    else if (c->type == XML_ELEMENT_NODE && depth < kHardDepthCap)
      append_text(c, out, depth + 1);
  }
}

// Metadata strings: whitespace runs become one space, trimmed.
std::string clean_text(const xmlNode* n) {
  std::string raw;
  append_text(n, raw, 0);
  std::string out;
  bool space = false;
  for (char c : raw) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return is_valid_utf8(out) ? out : std::string();
}

std::string attr(const xmlNode* n, std::string_view local) {
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    if (local_name(a->name) != local) continue;
    std::string v;
    for (const xmlNode* c = a->children; c != nullptr; c = c->next)
      if (c->type == XML_TEXT_NODE && c->content) v += reinterpret_cast<const char*>(c->content);
    return v;
  }
  return {};
}



Kind classify_html(std::string_view name) {
  // Not text of the book: scripts, styles, the <head>, ruby annotations (the reading aid
  // would otherwise duplicate the base text), and an epub:switch's non-fallback cases.
  static const std::set<std::string_view> kDrop = {
      "script", "style", "head", "title", "rt", "rp", "template", "epub:case", "noscript"};
  static const std::set<std::string_view> kBlock = {
      "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
      "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
      "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
      "legend", "li", "main", "menu", "nav", "ol", "p", "section", "summary", "table",
      "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "option", "frameset", "epub:switch",
      "epub:default", "level1", "level2", "level3", "level4", "level5", "level6", "level",
      "book", "frontmatter", "bodymatter", "rearmatter", "doctitle", "docauthor", "line",
      "linegroup", "poem", "sidebar", "note", "list", "item"};
  if (name == "br") return Kind::kBreak;
  if (name == "pre" || name == "listing" || name == "xmp" || name == "plaintext") return Kind::kPre;
  if (kDrop.count(name)) return Kind::kDrop;
  if (kBlock.count(name)) return Kind::kBlock;
  return Kind::kInline;
}

std::uint32_t line_of(const xmlNode* n) {
  const long l = xmlGetLineNo(n);
  return l > 0 && l <= static_cast<long>(UINT32_MAX) ? static_cast<std::uint32_t>(l) : 0;
}

// False if the document nests deeper than max_depth.
bool walk(const xmlNode* node, TextSink& sink, int depth, int max_depth, bool pre,
          Classifier classify) {
  for (const xmlNode* n = node->children; n != nullptr; n = n->next) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) sink.add(reinterpret_cast<const char*>(n->content), pre);
      continue;
    }
    if (n->type != XML_ELEMENT_NODE || n->name == nullptr) continue;
    if (depth + 1 > max_depth) return false;
    const std::string name = lower(reinterpret_cast<const char*>(n->name));
    const Kind kind = classify(name);
    if (kind == Kind::kDrop) continue;
    if (kind == Kind::kBreak) {
      sink.hard_break();
      continue;
    }
    const bool block = kind != Kind::kInline;
    const std::uint32_t parent_line = sink.line();
    if (block) {
      sink.block_break();
      sink.set_line(line_of(n));
    }
    if (!walk(n, sink, depth + 1, max_depth, pre || kind == Kind::kPre, classify)) return false;
    if (block) {
      sink.block_break();
      sink.set_line(parent_line);
    }
  }
  return true;
}

// The encoding to hand the HTML parser: BOM, then the XML declaration, then a <meta>
// charset, else UTF-8 (libxml2's HTML default would be ISO-8859-1, wrong for EPUB).
std::string sniff_encoding(std::string_view d) {
  if (d.substr(0, 3) == "\xEF\xBB\xBF") return "UTF-8";
  if (d.substr(0, 2) == "\xFF\xFE") return "UTF-16LE";
  if (d.substr(0, 2) == "\xFE\xFF") return "UTF-16BE";
  const std::string head = lower(d.substr(0, 2048));
  auto value_after = [&](std::size_t pos) {
    std::size_t i = pos;
    while (i < head.size() && (head[i] == '"' || head[i] == '\'' || head[i] == ' ')) ++i;
    std::size_t j = i;
    while (j < head.size() && head[j] != '"' && head[j] != '\'' && head[j] != ' ' &&
           head[j] != ';' && head[j] != '>' && head[j] != '?' && head[j] != '/')
      ++j;
    return std::string(head.substr(i, j - i));
  };
  if (head.rfind("<?xml", 0) == 0) {
    const std::size_t end = head.find("?>");
    const std::size_t enc = head.find("encoding=");
    if (enc != std::string::npos && enc < end) {
      std::string v = value_after(enc + 9);
      if (!v.empty()) return v;
    }
  }
  const std::size_t cs = head.find("charset=");
  if (cs != std::string::npos) {
    std::string v = value_after(cs + 8);
    if (!v.empty()) return v;
  }
  return "UTF-8";
}

DocPtr parse_html(const std::string& data, const std::string& url) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  const std::string enc = sniff_encoding(data);
  DocPtr doc(htmlReadMemory(data.data(), static_cast<int>(data.size()), url.c_str(),
                            enc.c_str(), kHtmlOptions));
  if (!doc && enc != "utf-8" && enc != "UTF-8")  // an encoding libxml2 does not know
    doc.reset(htmlReadMemory(data.data(), static_cast<int>(data.size()), url.c_str(), "UTF-8",
                             kHtmlOptions));
  return doc;
}

// Appends one spine item's text to the book: a blank line before it, spans shifted.
void append_part(Book& book, TextSink& part) {
  if (part.text.empty()) return;
  if (!book.text.empty()) {
    book.text.push_back('\n');  // each item ends with "\n": this makes the blank line
    book.offsets.back().text_end = book.text.size();
  }
  const std::uint64_t base = book.text.size();
  book.text += part.text;
  for (auto& s : part.spans) {
    s.text_start += base;
    s.text_end += base;
    book.offsets.push_back(std::move(s));
  }
}

}  // namespace prov::ingest::detail
