// fingerprint/fast_words.cpp: UAX #29 word boundaries (rules WB4-WB13b) over a class table
// built from ICU's own Word_Break property data, for U+0000..U+07FF (Latin, Greek, Cyrillic,
// Armenian, Arabic, ...) and the General Punctuation block (typographic quotes, dashes).
//
// Everything the table marks unsupported sends the run to ICU: Hebrew letters (WB7a-c),
// Katakana, regional indicators, ZWJ and emoji (WB3c), non-ASCII spaces and line separators,
// and every character above U+07FF outside General Punctuation, which covers all scripts ICU
// segments with dictionaries (Thai, Lao, Khmer, Myanmar, CJK). As ICU's root rules do, the
// colon is not MidLetter, and '@' (ICU joins e-mail addresses) and an ExtendNumLet followed by
// Extend/Format (ICU gives that segment no word status) go to ICU too. A segment is a word when it holds a letter or digit (ICU's rule
// status >= UBRK_WORD_NONE_LIMIT); the normaliser then drops segments with neither.
#include <unicode/uchar.h>

#include <array>

#include "fingerprint/detail/fast_words.hpp"

namespace prov::fingerprint::detail {
namespace {

using Cls = WordClass;

struct Tables {
  std::array<std::uint8_t, 0x800> low{};   // U+0000..U+07FF
  std::array<std::uint8_t, 0x70> punct{};  // U+2000..U+206F

  static std::uint8_t classify(UChar32 c) {
    switch (u_getIntPropertyValue(c, UCHAR_WORD_BREAK)) {
      case U_WB_ALETTER: return kLetter;
      case U_WB_NUMERIC: return kNumeric;
      case U_WB_MIDLETTER: return c == 0x3A ? kOther : kMidLetter;  // ICU root: colon is not
      case U_WB_MIDNUM: return kMidNum;
      case U_WB_MIDNUMLET:
      case U_WB_SINGLE_QUOTE: return kMidNumLetQ;
      case U_WB_EXTENDNUMLET: return kExtendNumLet;
      case U_WB_EXTEND:
      case U_WB_FORMAT: return kExtend;
      case U_WB_OTHER:
      case U_WB_DOUBLE_QUOTE:  // only Hebrew letters give it meaning (WB7b/c)
        return (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) != 0) ? kUnsupported : kOther;
      default: return kUnsupported;  // CR, LF, Newline, WSegSpace, ZWJ, Hebrew, Katakana, RI...
    }
  }
  Tables() {
    for (UChar32 c = 0; c < 0x800; ++c) low[static_cast<std::size_t>(c)] = classify(c);
    low['@'] = kUnsupported;  // ICU's rules join "user@host.org" into one word
    for (UChar32 c = 0x2000; c < 0x2070; ++c) punct[static_cast<std::size_t>(c - 0x2000)] = classify(c);
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

bool letter(std::uint8_t c) { return c == kLetter; }
bool mid_letter(std::uint8_t c) { return c == kMidLetter || c == kMidNumLetQ; }
bool mid_num(std::uint8_t c) { return c == kMidNum || c == kMidNumLetQ; }
bool wordish(std::uint8_t c) { return c == kLetter || c == kNumeric; }

// No break between a and b? `before` is the class before a, `after` the class after b
// (kOther at the edges of the run).
bool joins(std::uint8_t before, std::uint8_t a, std::uint8_t b, std::uint8_t after) {
  return (letter(a) && letter(b))                                          // WB5
         || (letter(a) && mid_letter(b) && letter(after))                  // WB6
         || (mid_letter(a) && letter(b) && letter(before))                 // WB7
         || (a == kNumeric && b == kNumeric)                               // WB8
         || (letter(a) && b == kNumeric)                                   // WB9
         || (a == kNumeric && letter(b))                                   // WB10
         || (mid_num(a) && b == kNumeric && before == kNumeric)            // WB11
         || (a == kNumeric && mid_num(b) && after == kNumeric)             // WB12
         || ((letter(a) || a == kNumeric || a == kExtendNumLet) && b == kExtendNumLet)  // WB13a
         || (a == kExtendNumLet && (letter(b) || b == kNumeric));         // WB13b
}

}  // namespace

bool FastWords::segment(std::string_view text, std::size_t s, std::size_t e) {
  static const Tables& t = tables();
  chars_.clear();
  words_.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = s;
  while (i < e) {
    const unsigned char b = p[i];
    std::uint8_t cls;
    std::size_t len;
    if (b < 0x80) {
      cls = t.low[b];
      len = 1;
    } else if ((b & 0xE0) == 0xC0 && i + 1 < e) {
      const std::uint32_t cp = ((b & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
      cls = t.low[cp];
      len = 2;
    } else if (b == 0xE2 && i + 2 < e && (p[i + 1] == 0x80 || p[i + 1] == 0x81)) {
      const std::uint32_t cp = ((b & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
      if (cp >= 0x2070) return false;
      cls = t.punct[cp - 0x2000];
      len = 3;
    } else {
      return false;
    }
    if (cls == kUnsupported) return false;
    if (cls == kExtend && !chars_.empty()) {
      // ICU gives "a_" followed by a Format/Extend character no word status; leave it to ICU.
      if (chars_.back().cls == kExtendNumLet) return false;
      chars_.back().end = i + len;  // WB4: X (Extend | Format)* -> X
    } else {
      chars_.push_back(Char{i, i + len, cls == kExtend ? std::uint8_t{kOther} : cls});
    }
    i += len;
  }
  const std::size_t n = chars_.size();
  const auto cls_at = [&](std::size_t k) { return k < n ? chars_[k].cls : std::uint8_t{kOther}; };
  std::size_t seg = 0;
  bool has_word = wordish(chars_[0].cls);
  for (std::size_t k = 0; k < n; ++k) {
    if (k + 1 < n && joins(k > 0 ? chars_[k - 1].cls : std::uint8_t{kOther}, chars_[k].cls,
                           chars_[k + 1].cls, cls_at(k + 2))) {
      has_word |= wordish(chars_[k + 1].cls);
      continue;
    }
    if (has_word) words_.emplace_back(chars_[seg].start, chars_[k].end);
    seg = k + 1;
    if (seg < n) has_word = wordish(chars_[seg].cls);
  }
  return true;
}

const std::uint8_t* ascii_word_classes() { return tables().low.data(); }

}  // namespace prov::fingerprint::detail
