// gate/json_text.cpp: byte spans of string fields in raw JSON lines, and string unescaping.
#include "gate/detail/json_text.hpp"

#include <cctype>
#include <cstdint>

namespace prov::gate::detail {
namespace {

class Scanner {
 public:
  Scanner(std::string_view s, int max_depth) : s_(s), max_depth_(max_depth) {}

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool at(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  // A string token starting at i_; returns its end (one past the closing quote).
  bool string(std::size_t& start, std::size_t& end) {
    ws();
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    start = i_++;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      ++i_;
      if (c == '"') {
        end = i_;
        return true;
      }
    }
    return false;
  }
  bool skip_value(int depth) {
    if (depth > max_depth_) return false;
    ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    std::size_t a = 0, b = 0;
    if (c == '"') return string(a, b);
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      if (at(close)) {
        ++i_;
        return true;
      }
      for (;;) {
        if (c == '{') {
          if (!string(a, b) || !at(':')) return false;
          ++i_;
        }
        if (!skip_value(depth + 1)) return false;
        if (at(',')) {
          ++i_;
          continue;
        }
        if (at(close)) {
          ++i_;
          return true;
        }
        return false;
      }
    }
    // number, true, false, null
    const std::size_t from = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                              s_[i_] == '.'))
      ++i_;
    return i_ > from;
  }

  // Inside the object that starts at i_, finds `path` (split at dots) and returns the span of
  // its string value.
  std::optional<std::pair<std::size_t, std::size_t>> find(std::string_view path, int depth) {
    if (depth > max_depth_ || !at('{')) return std::nullopt;
    ++i_;
    const std::size_t dot = path.find('.');
    const std::string_view head = path.substr(0, dot);
    const std::string_view rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (at('}')) return std::nullopt;
    for (;;) {
      std::size_t ks = 0, ke = 0;
      if (!string(ks, ke) || !at(':')) return std::nullopt;
      ++i_;
      const auto key = unescape_string(s_.substr(ks, ke - ks));
      if (!key) return std::nullopt;
      if (*key == head) {  // the first matching key decides
        if (dot == std::string_view::npos) {
          std::size_t vs = 0, ve = 0;
          if (!string(vs, ve)) return std::nullopt;
          return std::make_pair(vs, ve);
        }
        return find(rest, depth + 1);
      }
      if (!skip_value(depth + 1)) return std::nullopt;
      if (at(',')) {
        ++i_;
        continue;
      }
      return std::nullopt;  // '}' or garbage: not found
    }
  }

 private:
  std::string_view s_;
  int max_depth_;
  std::size_t i_ = 0;
};

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

long u_escape(std::string_view s, std::size_t i) {  // \uXXXX at s[i]
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  long v = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    const int h = hexval(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::optional<std::pair<std::size_t, std::size_t>> find_string_field(std::string_view line,
                                                                     std::string_view dotted_path, int max_depth) {
  if (dotted_path.empty()) return std::nullopt;
  return Scanner(line, max_depth).find(dotted_path, 0);
}

std::optional<std::string> unescape_string(std::string_view t) {
  if (t.size() < 2 || t.front() != '"' || t.back() != '"') return std::nullopt;
  const std::string_view s = t.substr(1, t.size() - 2);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 1 >= s.size()) return std::nullopt;
    switch (s[i + 1]) {
      case '"': out += '"'; ++i; continue;
      case '\\': out += '\\'; ++i; continue;
      case '/': out += '/'; ++i; continue;
      case 'b': out += '\b'; ++i; continue;
      case 'f': out += '\f'; ++i; continue;
      case 'n': out += '\n'; ++i; continue;
      case 'r': out += '\r'; ++i; continue;
      case 't': out += '\t'; ++i; continue;
      case 'u': break;
      default: return std::nullopt;
    }
    const long v = u_escape(s, i);
    if (v < 0) return std::nullopt;
    if (v >= 0xD800 && v <= 0xDBFF) {
      const long lo = u_escape(s, i + 6);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        put_utf8(out, static_cast<std::uint32_t>(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)));
        i += 11;
        continue;
      }
      put_utf8(out, 0xFFFD);  // unpaired high surrogate
    } else if (v >= 0xDC00 && v <= 0xDFFF) {
      put_utf8(out, 0xFFFD);  // unpaired low surrogate
    } else {
      put_utf8(out, static_cast<std::uint32_t>(v));
    }
    i += 5;
  }
  return out;
}

}  // namespace prov::gate::detail
