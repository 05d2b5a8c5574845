// tests/ingest/similarity.hpp: word-level similarity of two extractions, for fidelity tests.
//
// The measure: Dice overlap of word multisets, 2·|A ∩ B| / (|A| + |B|), where a word is a
// maximal run of letters and digits (any non-ASCII character but punctuation, spaces and
// symbols counts as a letter, so every script has words; a kana or Han character is a word by
// itself, as in the fingerprint stage), ASCII lowercased. Why this one: it penalises missing and extra words alike
// (symmetric), ignores what tools legitimately differ on (punctuation, line wrapping, the
// ASCII art of pandoc's tables, the spaces pdftotext puts in), and costs O(n) on book-length
// texts, where a token edit distance costs O(n·m) (10^9 steps for one novel). What it does not
// see, reading order, the index's shingles do; the readers' own tests pin their order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace prov::test {

// Punctuation, spaces and symbols outside ASCII: word separators.
inline bool is_separator(std::uint32_t cp) {
  return (cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) || cp == 0xFEFF ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);
}

// Kana and Han: one word per character, as the fingerprint stage counts them.
inline bool is_cjk(std::uint32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || cp >= 0x20000;
}

inline std::unordered_map<std::string, long> word_bag(std::string_view text) {
  std::unordered_map<std::string, long> bag;
  std::string w;
  auto flush = [&] {
    if (!w.empty()) ++bag[w];
    w.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) w.push_back(static_cast<char>(c));
      else if (c >= 'A' && c <= 'Z') w.push_back(static_cast<char>(c - 'A' + 'a'));
      else flush();
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    std::uint32_t cp = len == 4 ? c & 0x07u : len == 3 ? c & 0x0Fu : len == 2 ? c & 0x1Fu : c;
    for (std::size_t k = 1; k < len && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    const std::string_view ch = text.substr(i, len);
    i += len;
    if (is_separator(cp)) {
      flush();
    } else if (is_cjk(cp)) {
      flush();
      ++bag[std::string(ch)];
    } else {
      w.append(ch);
    }
  }
  flush();
  return bag;
}

struct Overlap {
  long a = 0, b = 0, common = 0;  // words in a, in b, and in both (multiset intersection)
};

inline Overlap word_overlap(std::string_view a, std::string_view b) {
  const auto ba = word_bag(a), bb = word_bag(b);
  Overlap o;
  for (const auto& [w, n] : ba) o.a += n;
  for (const auto& [w, n] : bb) {
    o.b += n;
    auto it = ba.find(w);
    if (it != ba.end()) o.common += std::min(n, it->second);
  }
  return o;
}

// Dice: 2·|A ∩ B| / (|A| + |B|).
inline double word_similarity(std::string_view a, std::string_view b) {
  const Overlap o = word_overlap(a, b);
  if (o.a + o.b == 0) return 1.0;
  return 2.0 * static_cast<double>(o.common) / static_cast<double>(o.a + o.b);
}

// Containment of the shorter text in the longer: |A ∩ B| / min(|A|, |B|), for an excerpt
// against its whole.
inline double word_containment(std::string_view a, std::string_view b) {
  const Overlap o = word_overlap(a, b);
  const long m = std::min(o.a, o.b);
  return m == 0 ? 1.0 : static_cast<double>(o.common) / static_cast<double>(m);
}

}  // namespace prov::test
