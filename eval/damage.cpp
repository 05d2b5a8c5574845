// eval/damage.cpp: the damage transforms of planted passages (see eval/detail/damage.hpp).
//
// The transforms work on bytes but only ever split the text at ASCII bytes or at the start of
// a UTF-8 sequence they recognise, so valid UTF-8 stays valid.
#include "eval/detail/damage.hpp"

#include <array>

namespace prov::eval::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Part of a word for the purposes of "do not join two words": ASCII letters and digits, and
// any non-ASCII byte (most of which are letters; the marks we treat as punctuation are
// recognised before this is asked).
bool is_wordish(char c) { return is_ascii_alnum(c) || static_cast<unsigned char>(c) >= 0x80; }

constexpr std::string_view kNbsp = "\xC2\xA0";
constexpr std::string_view kShy = "\xC2\xAD";
constexpr std::string_view kLeftDouble = "\xE2\x80\x9C", kRightDouble = "\xE2\x80\x9D";
constexpr std::string_view kLeftSingle = "\xE2\x80\x98", kRightSingle = "\xE2\x80\x99";

bool at(std::string_view s, std::size_t i, std::string_view what) {
  return s.compare(i, what.size(), what) == 0;
}

// Punctuation case_punct may drop or change: its length in bytes at s[i], or 0.
std::size_t punct_at(std::string_view s, std::size_t i) {
  static constexpr std::array<std::string_view, 9> kMultibyte = {
      "\xE2\x80\x94", "\xE2\x80\x93", kLeftDouble,  kRightDouble, kLeftSingle,
      kRightSingle,   "\xE2\x80\xA6", "\xC2\xAB",   "\xC2\xBB"};  // — – “ ” ‘ ’ … « »
  static constexpr std::string_view kAscii = ",;:.!?\"()[]-'*_/";
  if (kAscii.find(s[i]) != std::string_view::npos) return 1;
  for (const auto m : kMultibyte)
    if (at(s, i, m)) return m.size();
  return 0;
}

// Marks that sit inside a word or number and that UAX #29 keeps there ("don't", "3.5",
// "e.g", "10:30"): flattening them would change the words, not the punctuation.
bool inside_word(std::string_view s, std::size_t i, std::size_t n) {
  if (i == 0 || i + n >= s.size()) return false;
  if (!is_ascii_alnum(s[i - 1]) || !is_ascii_alnum(s[i + n])) return false;
  const std::string_view m = s.substr(i, n);
  return m == "." || m == ":" || m == "," || m == ";" || m == "'" || m == kRightSingle;
}

std::string collapse_and_trim(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < s.size();) {
    if (is_space(s[i])) {
      pending_space = true;
      ++i;
    } else if (at(s, i, kNbsp)) {
      pending_space = true;
      i += kNbsp.size();
    } else {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(s[i++]);
    }
  }
  return out;
}

std::string trim(std::string s) {
  const auto is_trim = [&](std::size_t i) { return is_space(s[i]); };
  std::size_t a = 0, b = s.size();
  while (a < b) {
    if (is_trim(a)) {
      ++a;
    } else if (at(s, a, kNbsp)) {
      a += kNbsp.size();
    } else {
      break;
    }
  }
  while (b > a) {
    if (is_trim(b - 1)) {
      --b;
    } else if (b - a >= 2 && std::string_view(s).substr(b - 2, 2) == kNbsp) {
      b -= 2;
    } else {
      break;
    }
  }
  return s.substr(a, b - a);
}

// NFD of the Latin-1 letters U+00C0-U+00FF by their low five bits: the base letter
// (upper case) and the combining mark's second UTF-8 byte (U+03xx is CC xx). 0: no
// decomposition (Æ, Ð, ×, Ø, Þ, ß and their lower-case forms).
struct Decomposition {
  char base;
  unsigned char mark;
};
constexpr std::array<Decomposition, 32> kLatin1Nfd = {{
    {'A', 0x80}, {'A', 0x81}, {'A', 0x82}, {'A', 0x83}, {'A', 0x88}, {'A', 0x8A}, {0, 0},
    {'C', 0xA7}, {'E', 0x80}, {'E', 0x81}, {'E', 0x82}, {'E', 0x88}, {'I', 0x80}, {'I', 0x81},
    {'I', 0x82}, {'I', 0x88}, {0, 0},      {'N', 0x83}, {'O', 0x80}, {'O', 0x81}, {'O', 0x82},
    {'O', 0x83}, {'O', 0x88}, {0, 0},      {0, 0},      {'U', 0x80}, {'U', 0x81}, {'U', 0x82},
    {'U', 0x88}, {'Y', 0x81}, {0, 0},      {'Y', 0x88},  // only ÿ (C3 BF) has the last one
}};

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, Stream s) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(s) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string flatten_case_punct(std::string_view passage, Rng& rng) {
  static constexpr std::array<std::string_view, 4> kReplacements = {",", ";", " -", "."};
  std::string out;
  out.reserve(passage.size());
  std::size_t i = 0;
  while (i < passage.size()) {
    const char c = passage[i];
    std::size_t n = punct_at(passage, i);
    if (n > 0 && inside_word(passage, i, n)) n = 0;
    if (n == 0) {
      if (c >= 'A' && c <= 'Z') {
        out.push_back(static_cast<char>(c + 32));
      } else if (c == '\xC3' && i + 1 < passage.size()) {
        // Latin-1 capitals U+00C0-U+00DE (not U+00D7 ×) are C3 80-9E; lower case is +0x20.
        const auto b = static_cast<unsigned char>(passage[i + 1]);
        out.push_back(c);
        out.push_back(b >= 0x80 && b <= 0x9E && b != 0x97 ? static_cast<char>(b + 0x20)
                                                          : passage[i + 1]);
        ++i;
      } else {
        out.push_back(c);
      }
      ++i;
      continue;
    }
    const std::uint64_t action = rng.below(4);  // 0-1 drop, 2 replace, 3 keep
    i += n;
    if (action == 3) {
      out.append(passage.substr(i - n, n));
      continue;
    }
    const bool word_before = !out.empty() && is_wordish(out.back());
    const bool word_after =
        i < passage.size() && is_wordish(passage[i]) && punct_at(passage, i) == 0;
    if (action == 2) {
      out += kReplacements[rng.below(kReplacements.size())];
      // "a.b" would be one word under UAX #29: a replaced mark is followed by a space.
      if (word_after) out.push_back(' ');
    } else if (word_before && word_after) {
      out.push_back(' ');  // "a—b" must not become "ab"
    }
  }
  return collapse_and_trim(out);
}

std::string typography(std::string_view passage, Rng& rng) {
  std::string out;
  out.reserve(passage.size() + passage.size() / 8);
  const auto opening = [&] { return out.empty() || is_space(out.back()) || out.back() == '(' ||
                                    out.back() == '[' ||
                                    (out.size() >= 2 && at(out, out.size() - 2, kNbsp)); };
  std::size_t i = 0;
  while (i < passage.size()) {
    const char c = passage[i];
    if (c == '"') {
      out += rng.chance(3, 4) ? (opening() ? kLeftDouble : kRightDouble) : "\"";
      ++i;
    } else if (c == '\'') {
      out += rng.chance(3, 4) ? (opening() ? kLeftSingle : kRightSingle) : "'";
      ++i;
    } else if (at(passage, i, kLeftDouble) || at(passage, i, kRightDouble)) {
      if (rng.chance(3, 4)) {
        out.push_back('"');
      } else {
        out.append(passage.substr(i, 3));
      }
      i += 3;
    } else if (at(passage, i, kLeftSingle) || at(passage, i, kRightSingle)) {
      if (rng.chance(3, 4)) {
        out.push_back('\'');
      } else {
        out.append(passage.substr(i, 3));
      }
      i += 3;
    } else if (c == ' ') {
      out += rng.chance(1, 10) ? kNbsp : " ";
      ++i;
    } else if (c == '\xC3' && i + 1 < passage.size() &&
               static_cast<unsigned char>(passage[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(passage[i + 1]) <= 0xBF) {
      const auto b = static_cast<unsigned char>(passage[i + 1]);
      const Decomposition d = kLatin1Nfd[b & 0x1F];
      const bool lower = b >= 0xA0;
      const bool decomposable = d.base != 0 && (lower || (b & 0x1F) != 0x1F);
      if (decomposable && rng.chance(3, 4)) {
        out.push_back(lower ? static_cast<char>(d.base + 32) : d.base);
        out.push_back('\xCC');
        out.push_back(static_cast<char>(d.mark));
      } else {
        out.append(passage.substr(i, 2));
      }
      i += 2;
    } else if (is_ascii_letter(c)) {
      std::size_t j = i;
      while (j < passage.size() && is_ascii_letter(passage[j])) ++j;
      const std::size_t len = j - i;
      // The soft hyphen goes before letter `shy` of the run (never next to either end).
      std::size_t shy = len;
      if (len >= 8 && rng.chance(1, 2)) shy = static_cast<std::size_t>(rng.between(3, len - 3));
      for (std::size_t k = 0; k < len; ++k) {
        if (k == shy) out += kShy;
        const char a = passage[i + k];
        if (a == 'f' && k + 1 < len && k + 1 != shy &&
            (passage[i + k + 1] == 'i' || passage[i + k + 1] == 'l') && rng.chance(1, 2)) {
          out += passage[i + k + 1] == 'i' ? "\xEF\xAC\x81" : "\xEF\xAC\x82";  // ﬁ ﬂ
          ++k;
          continue;
        }
        out.push_back(a);
      }
      i = j;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return trim(std::move(out));
}

std::string linewrap(std::string_view passage, Rng& rng) {
  const std::size_t width = static_cast<std::size_t>(rng.between(60, 70));
  std::uint64_t page = rng.between(2, 400);
  std::string out;
  out.reserve(passage.size() + passage.size() / 16);
  const auto line_break = [&] {
    if (rng.chance(1, 12)) {
      out += "\n\n" + std::to_string(page++) + "\n\n";
    } else {
      out.push_back('\n');
    }
  };
  std::size_t col = 0;
  std::size_t i = 0;
  while (i < passage.size()) {
    while (i < passage.size() && is_space(passage[i])) ++i;
    std::size_t j = i;
    while (j < passage.size() && !is_space(passage[j])) ++j;
    if (j == i) break;
    const std::string_view word = passage.substr(i, j - i);
    i = j;
    if (out.empty()) {
      out += word;
      col = word.size();
      continue;
    }
    if (col + 1 + word.size() <= width) {
      out.push_back(' ');
      out += word;
      col += 1 + word.size();
      continue;
    }
    std::size_t letters = 0;
    while (letters < word.size() && is_ascii_letter(word[letters])) ++letters;
    // Split after `split` letters, leaving at least two letters on each side and room for the
    // space before and the hyphen after the first part.
    std::size_t split = 0;
    if (letters >= 6 && col + 4 < width) split = std::min(width - col - 2, letters - 2);
    if (split >= 2 && rng.chance(1, 3)) {
      out.push_back(' ');
      out += word.substr(0, split);
      out.push_back('-');
      line_break();
      out += word.substr(split);
      col = word.size() - split;
    } else {
      line_break();
      out += word;
      col = word.size();
    }
  }
  return out;
}

std::string ocr(std::string_view passage, Rng& rng) {
  std::string out;
  out.reserve(passage.size() + passage.size() / 32);
  const auto wordish_at = [&](std::size_t k) { return k < passage.size() && is_wordish(passage[k]); };
  std::size_t i = 0;
  while (i < passage.size()) {
    const char c = passage[i];
    if (!is_ascii_alnum(c) || !rng.chance(1, 40)) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == 'r' && i + 1 < passage.size() && passage[i + 1] == 'n') {
      out.push_back('m');
      i += 2;
      continue;
    }
    ++i;
    switch (c) {
      case 'm': out += "rn"; continue;
      case 'l': out.push_back('1'); continue;
      case '1': out.push_back('l'); continue;
      case 'O': out.push_back('0'); continue;
      case '0': out.push_back('O'); continue;
      default: break;
    }
    const bool alone = (i < 2 || !wordish_at(i - 2)) && !wordish_at(i);
    if (alone || rng.chance(1, 2)) {
      out.push_back(c);  // doubled
      out.push_back(c);
    }  // else dropped
  }
  return trim(std::move(out));
}

std::string editing(std::string_view passage, Rng& rng,
                    const std::vector<std::string>& filler_words) {
  const std::uint64_t percent = rng.between(3, 5);
  std::string out;
  out.reserve(passage.size() + passage.size() / 16);
  std::size_t i = 0;
  while (i < passage.size()) {
    std::size_t j = i;
    while (j < passage.size() && !is_space(passage[j])) ++j;
    std::size_t k = j;
    while (k < passage.size() && is_space(passage[k])) ++k;
    const std::string_view word = passage.substr(i, j - i);
    const std::string_view sep = passage.substr(j, k - j);
    i = k;
    if (!rng.chance(percent, 100)) {
      out += word;
      out += sep;
    } else if (rng.chance(1, 2) || filler_words.empty()) {
      continue;  // dropped, with the space after it
    } else {
      out += word;
      out.push_back(' ');
      out += filler_words[rng.below(filler_words.size())];
      out += sep.empty() ? std::string_view(" ") : sep;
    }
  }
  std::string t = trim(std::move(out));
  return t.empty() ? std::string(passage) : t;  // never plant nothing
}

std::string apply_damage(Damage d, std::string_view passage, Rng& rng,
                         const std::vector<std::string>& filler_words) {
  switch (d) {
    case Damage::kVerbatim: return std::string(passage);
    case Damage::kCasePunct: return flatten_case_punct(passage, rng);
    case Damage::kTypography: return typography(passage, rng);
    case Damage::kLinewrap: return linewrap(passage, rng);
    case Damage::kOcr: return ocr(passage, rng);
    case Damage::kEditing: return editing(passage, rng, filler_words);
  }
  return std::string(passage);
}

}  // namespace prov::eval::detail
