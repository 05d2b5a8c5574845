// reports/report_text.cpp: text helpers the report renderers share: canonical re-serialisation
// of JSON read back, HTML escaping, and the word-level diff that highlights where a training
// excerpt and the work's text differ.
#include <algorithm>
#include <cctype>

#include "common/json_writer.hpp"
#include "reports/detail/json_read.hpp"
#include "reports/detail/report_model.hpp"

namespace prov::reports::detail {
namespace {

bool write_canonical(JsonWriter& w, simdjson::dom::element e, int depth) {
  if (depth > 64) return false;
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::OBJECT:
      w.begin_object();
      for (auto [k, v] : simdjson::dom::object(e)) {
        w.key(k);
        if (!write_canonical(w, v, depth + 1)) return false;
      }
      w.end_object();
      return true;
    case T::ARRAY:
      w.begin_array();
      for (simdjson::dom::element v : simdjson::dom::array(e))
        if (!write_canonical(w, v, depth + 1)) return false;
      w.end_array();
      return true;
    case T::STRING: w.value(std::string_view(e)); return true;
    case T::INT64: w.value(std::int64_t(e)); return true;
    case T::UINT64: w.value(std::uint64_t(e)); return true;
    case T::DOUBLE: w.value(double(e)); return true;
    case T::BOOL: w.value(bool(e)); return true;
    case T::NULL_VALUE: w.null(); return true;
    default: return false;  // simdjson has no other types; keep the compiler sure of that
  }
}

// A word's comparison key: lower-case ASCII letters and digits, other bytes (non-ASCII
// letters) as they are; punctuation dropped. Matches what the matcher forgives (case,
// punctuation) closely enough to show "near" words; the matcher's own rules are in fingerprint.
std::string word_key(std::string_view w) {
  std::string k;
  for (char c : w) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u)) k += static_cast<char>(u < 0x80 ? std::tolower(u) : u);
  }
  return k.empty() ? std::string(w) : k;
}

struct Word {
  std::string_view text;  // the word with the whitespace that follows it
  std::string_view bare;  // without that whitespace
  std::string key;
};

std::vector<Word> split_words(std::string_view s) {
  std::vector<Word> out;
  std::size_t i = 0;
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  const std::size_t lead = [&] { std::size_t n = 0; while (n < s.size() && space(s[n])) ++n; return n; }();
  if (lead > 0) out.push_back({s.substr(0, lead), {}, {}});
  i = lead;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && !space(s[j])) ++j;
    std::size_t k = j;
    while (k < s.size() && space(s[k])) ++k;
    out.push_back({s.substr(i, k - i), s.substr(i, j - i), word_key(s.substr(i, j - i))});
    i = k;
  }
  return out;
}

void push(std::vector<DiffRun>& runs, DiffClass c, std::string_view text) {
  if (!runs.empty() && runs.back().cls == c) {
    runs.back().text += text;
  } else {
    runs.push_back({c, std::string(text)});
  }
}

}  // namespace

std::string canonical(simdjson::dom::element e) {
  JsonWriter w;
  if (!write_canonical(w, e, 0)) return {};
  return w.take();
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Longest common subsequence over word keys (O(n·m) cells, so both sides are capped at 1,500
// words; longer excerpts are shown without highlighting).
WordDiff word_diff(std::string_view left, std::string_view right) {
  constexpr std::size_t kMaxWords = 1500;
  WordDiff d;
  auto a = split_words(left);
  auto b = split_words(right);
  if (a.size() > kMaxWords || b.size() > kMaxWords) {
    d.left.push_back({DiffClass::kSame, std::string(left)});
    d.right.push_back({DiffClass::kSame, std::string(right)});
    return d;
  }
  d.aligned = true;
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::uint16_t> L((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> std::uint16_t& { return L[i * (m + 1) + j]; };
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      at(i, j) = a[i].key == b[j].key ? static_cast<std::uint16_t>(at(i + 1, j + 1) + 1)
                                      : std::max(at(i + 1, j), at(i, j + 1));
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i].key == b[j].key) {
      const bool same = a[i].bare == b[j].bare;
      push(d.left, same ? DiffClass::kSame : DiffClass::kNear, a[i].text);
      push(d.right, same ? DiffClass::kSame : DiffClass::kNear, b[j].text);
      ++i, ++j;
    } else if (j >= m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
      push(d.left, a[i].bare.empty() ? DiffClass::kSame : DiffClass::kDiff, a[i].text);
      ++i;
    } else {
      push(d.right, b[j].bare.empty() ? DiffClass::kSame : DiffClass::kDiff, b[j].text);
      ++j;
    }
  }
  return d;
}

}  // namespace prov::reports::detail
