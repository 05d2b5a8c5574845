// ingest/detail/markup.hpp: libxml2 and DOM-to-text helpers shared by the markup readers
// (EPUB, standalone HTML/XHTML, FB2, MOBI's HTML parts).
//
// Text layout, for every reader that uses walk(): each block element is its own line, a
// break element breaks a line, whitespace inside a block collapses to one space (except in
// pre), and each part (spine item, MOBI part, FB2 body) begins a new paragraph. The offset map
// has one span per block, naming the part and the element's line in it.
//
// XML is parsed with no network, no DTD loading and no entity substitution (XXE and billion
// laughs stay inert: entity references are never expanded and the walkers read only text).
#pragma once

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

namespace prov::ingest::detail {

// Whatever max_depth asks, recursion over a tree never goes deeper than this, so a hostile
// book cannot exhaust a worker thread's stack.
inline constexpr int kHardDepthCap = 4096;

std::string lower(std::string_view s);
// A member name we may follow: UTF-8 (as every href is), relative, no "..", no NUL, no
// backslash tricks, no drive letter.
bool is_safe_name(std::string_view name);

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Libraries never print: libxml2 reports some problems (encoding switches, I/O) through its
// generic handlers even with NOERROR. The handlers are per thread; restored on destruction.
class QuietXml {
 public:
  QuietXml();
  ~QuietXml();
  QuietXml(const QuietXml&) = delete;
  QuietXml& operator=(const QuietXml&) = delete;

 private:
  xmlGenericErrorFunc generic_;
  void* generic_ctx_;
  xmlStructuredErrorFunc structured_;
  void* structured_ctx_;
};

// Package documents: no network, no external DTD, entities left unexpanded (XXE and
// billion-laughs stay inert; we read only text nodes).
constexpr int kXmlOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
constexpr int kHtmlOptions = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                             HTML_PARSE_RECOVER | XML_PARSE_BIG_LINES;

DocPtr parse_xml(const std::string& data, const std::string& url);
// HTML with libxml2's forgiving parser, in the encoding sniff_encoding() finds.
DocPtr parse_html(const std::string& data, const std::string& url);
// BOM, then the XML declaration, then a <meta> charset, else UTF-8.
std::string sniff_encoding(std::string_view d);

std::string_view local_name(const xmlChar* name);
// Element test by local name, case-insensitive ("dc:title", "title", "TITLE").
bool is_element(const xmlNode* n, std::string_view local);
// Metadata strings: the text below n, whitespace runs collapsed, trimmed ("" if not UTF-8).
std::string clean_text(const xmlNode* n);
std::string attr(const xmlNode* n, std::string_view local);

// Calls f on every element below n (document order), to max_depth.
template <typename F>
void for_each_element(const xmlNode* n, int depth, int max_depth, F&& f) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    f(c);
    if (depth < max_depth) for_each_element(c, depth + 1, max_depth, f);
  }
}

// Collects one spine item's text with the layout rules of the file comment. Breaks and
// spaces are held back until the next visible character, so no line starts or ends with a
// space, no more than one blank line appears, and nothing trails the text.
class TextSink {
 public:
  explicit TextSink(std::string source) : source_(std::move(source)) {}

  std::uint32_t line() const { return line_; }
  void set_line(std::uint32_t line) { line_ = line; }
  void block_break() {
    breaks_ = std::max(breaks_, 1);
    space_ = false;
  }
  void hard_break() {
    breaks_ = std::min(breaks_ + 1, 2);
    space_ = false;
  }

  void add(std::string_view s, bool pre) {
    std::string repaired;
    if (!is_valid_utf8(s)) {  // the HTML parser's output is UTF-8; be sure of it anyway
      for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
          append_utf8(repaired, 0xFFFD);
          ++i;
        } else {
          repaired.append(s.substr(i, len));
          i += len;
        }
      }
      s = repaired;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (pre) {
        if (c == '\r') continue;
        if (c == '\n') {
          hard_break();
          continue;
        }
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        space_ = true;
        continue;
      } else if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
        // &nbsp; is layout glue, not a word character: it collapses like a space.
        space_ = true;
        ++i;
        continue;
      }
      flush();
      text.push_back(c);
    }
  }

  // Ends the item: its text ends with one "\n", and the last span reaches it.
  void finish() {
    if (text.empty()) return;
    text.push_back('\n');
    spans.back().text_end = text.size();
  }

  std::string text;
  std::vector<OffsetSpan> spans;

 private:
  void flush() {
    if (breaks_ > 0 && !text.empty()) {
      int have = 0;
      for (auto it = text.rbegin(); it != text.rend() && *it == '\n' && have < 2; ++it) ++have;
      for (; have < breaks_; ++have) text.push_back('\n');
    } else if (space_ && !text.empty() && text.back() != '\n') {
      text.push_back(' ');
    }
    breaks_ = 0;
    space_ = false;
    if (spans.empty() || span_line_ != line_) {
      if (!spans.empty()) spans.back().text_end = text.size();
      OffsetSpan span;
      span.text_start = text.size();
      span.source = source_;
      span.source_line = line_;
      spans.push_back(std::move(span));
      span_line_ = line_;
    }
  }

  std::string source_;
  int breaks_ = 0;
  bool space_ = false;
  std::uint32_t line_ = 0;
  std::uint32_t span_line_ = 0;
};

enum class Kind { kInline, kBlock, kBreak, kDrop, kPre };
using Classifier = Kind (*)(std::string_view lower_name);
// The HTML/XHTML (and DTBook) element rules.
Kind classify_html(std::string_view name);

// Appends the text below `node` to sink. False if the document nests deeper than max_depth.
bool walk(const xmlNode* node, TextSink& sink, int depth, int max_depth, bool pre,
          Classifier classify = classify_html);

// Appends one part's text to the book: a blank line before it, spans shifted.
void append_part(Book& book, TextSink& part);

}  // namespace prov::ingest::detail
