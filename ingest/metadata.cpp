// ingest/metadata.cpp: metadata shared by the readers: ISBN checking and XMP packets.
//
// ISBNs: an ISBN-10's check digit makes sum(i * d_i, i = 10..1) divisible by 11 (X = 10); an
// ISBN-13's makes sum(d_i * (1, 3, 1, 3, ...)) divisible by 10. Every valid ISBN is stored as
// ISBN-13 digits ("978" + the first nine of an ISBN-10 + a new check digit), so the same book
// matches whichever form its file declares. Digits are only taken from strings that say "isbn"
// or are nothing but an ISBN: a UUID identifier's digit runs are not ISBNs.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "common/utf8.hpp"
#include "ingest/detail/book_readers.hpp"
#include "ingest/detail/markup.hpp"

namespace prov::ingest::detail {
namespace {

bool isbn13_ok(std::string_view d) {
  int sum = 0;
  for (std::size_t i = 0; i < 13; ++i) sum += (d[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return sum % 10 == 0;
}

char isbn13_check(std::string_view first12) {
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i) sum += (first12[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool is_isbn_char(char c) {
  return (c >= '0' && c <= '9') || c == 'X' || c == 'x' || c == '-' || c == ' ';
}

}  // namespace

std::optional<std::string> normalize_isbn(std::string_view candidate) {
  std::string d;
  for (char c : candidate) {
    if (c >= '0' && c <= '9') {
      d.push_back(c);
    } else if (c == 'X' || c == 'x') {
      d.push_back('X');
    } else if (c != '-' && c != ' ') {
      return std::nullopt;
    }
  }
  if (d.size() == 13) {
    if (d.find('X') != std::string::npos || (d.rfind("978", 0) != 0 && d.rfind("979", 0) != 0) ||
        !isbn13_ok(d))
      return std::nullopt;
    return d;
  }
  if (d.size() != 10 || d.find('X') < 9) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 10; ++i)
    sum += (d[i] == 'X' ? 10 : d[i] - '0') * static_cast<int>(10 - i);
  if (sum % 11 != 0) return std::nullopt;
  std::string out = "978" + d.substr(0, 9);
  out.push_back(isbn13_check(out));
  return out;
}

void add_isbns(std::string_view text, std::vector<std::string>& out) {
  auto add = [&](std::string_view cand) {
    auto isbn = normalize_isbn(cand);
    if (isbn && std::find(out.begin(), out.end(), *isbn) == out.end()) out.push_back(*isbn);
  };
  const std::string l = lower(text);
  if (l.find("isbn") == std::string::npos) {
    std::string_view t = text;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    add(t);
    return;
  }
  // Runs of digits, hyphens, spaces and X, trimmed of separators at both ends.
  for (std::size_t i = 0; i < text.size();) {
    if (!(text[i] >= '0' && text[i] <= '9')) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && is_isbn_char(text[j])) ++j;
    std::string_view run = text.substr(i, j - i);
    while (!run.empty() && (run.back() == ' ' || run.back() == '-')) run.remove_suffix(1);
    add(run);
    i = j;
  }
}

std::string clean_meta(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\0') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return is_valid_utf8(out) ? out : std::string();
}

void read_xmp(std::string_view xmp, Book& book) {
  if (xmp.empty() || xmp.size() > (16u << 20)) return;
  QuietXml quiet;
  DocPtr doc = parse_xml(std::string(xmp), "xmp");
  if (!doc || xmlDocGetRootElement(doc.get()) == nullptr) return;
  // dc:* values sit in rdf:Alt / rdf:Seq / rdf:Bag lists of rdf:li, or directly as text.
  auto values = [](const xmlNode* n) {
    std::vector<std::string> v;
    for_each_element(n, 0, 8, [&](const xmlNode* c) {
      if (is_element(c, "li")) {
        std::string s = clean_text(c);
        if (!s.empty()) v.push_back(std::move(s));
      }
    });
    if (v.empty()) {
      std::string s = clean_text(n);
      if (!s.empty()) v.push_back(std::move(s));
    }
    return v;
  };
  std::vector<std::string> creators;
  for_each_element(reinterpret_cast<xmlNode*>(doc.get()), 0, 32, [&](const xmlNode* n) {
    const std::string ns = n->ns && n->ns->href ? reinterpret_cast<const char*>(n->ns->href) : "";
    const bool dc = ns == "http://purl.org/dc/elements/1.1/";
    if (dc && is_element(n, "title") && book.title.empty()) {
      auto v = values(n);
      if (!v.empty()) book.title = v.front();
    } else if (dc && is_element(n, "creator") && creators.empty()) {
      creators = values(n);
    } else if (dc && is_element(n, "language") && book.language.empty()) {
      auto v = values(n);
      if (!v.empty()) book.language = v.front();
    } else if (dc && is_element(n, "publisher") && book.publisher.empty()) {
      auto v = values(n);
      if (!v.empty()) book.publisher = v.front();
    } else if (dc && is_element(n, "date") && book.date.empty()) {
      auto v = values(n);
      if (!v.empty()) book.date = v.front();
    } else if (dc && is_element(n, "identifier")) {
      for (const auto& v : values(n)) add_isbns(v, book.isbns);
    } else if (is_element(n, "isbn")) {  // prism:isbn
      for (const auto& v : values(n)) add_isbns("isbn " + v, book.isbns);
    }
  });
  if (book.authors.empty()) book.authors = std::move(creators);
}

}  // namespace prov::ingest::detail
