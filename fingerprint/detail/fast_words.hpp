// fingerprint/detail/fast_words.hpp: a table-driven UAX #29 word segmenter for the scripts
// that need no dictionary, giving exactly ICU's word boundaries at several times its speed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prov::fingerprint::detail {

// UAX #29 Word_Break classes as the segmenter uses them (ICU root rules).
enum WordClass : std::uint8_t {
  kOther,
  kLetter,        // ALetter
  kNumeric,
  kMidLetter,
  kMidNum,
  kMidNumLetQ,    // MidNumLet or Single_Quote
  kExtendNumLet,
  kExtend,        // Extend, Format
  kUnsupported,   // the run goes to ICU (see fast_words.cpp)
};
// The classes of U+0000..U+007F ('@' is kUnsupported: ICU joins e-mail addresses). In ASCII,
// a word is a maximal run of kLetter/kNumeric/kExtendNumLet characters, extended over a
// kMidLetter/kMidNumLetQ character between two letters (WB6/7) or a kMidNum/kMidNumLetQ
// character between two digits (WB11/12), holding at least one letter or digit.
const std::uint8_t* ascii_word_classes();

// Tests only: the portable code (SSE2 byte classification, shingle hashes one at a time)
// even where AVX-512 is available, so both are checked on any machine that has both.
void use_baseline_code(bool on);
bool baseline_code();

// Tests only: a word's normalised form computed by ICU alone (normalize_word() takes most
// non-ASCII words from a table of single characters' forms and must always agree).
std::string normalize_word_icu(std::string_view word);

class FastWords {
 public:
  // Segments text[s, e) (a run without ASCII whitespace). Returns false, producing nothing,
  // if the run holds a character this segmenter does not handle (the caller uses ICU); else
  // words() holds the byte ranges of the segments that contain a letter or digit.
  bool segment(std::string_view text, std::size_t s, std::size_t e);
  const std::vector<std::pair<std::size_t, std::size_t>>& words() const { return words_; }

 private:
  struct Char {
    std::size_t start, end;  // end includes trailing Extend/Format characters (WB4)
    std::uint8_t cls;
  };
  std::vector<Char> chars_;
  std::vector<std::pair<std::size_t, std::size_t>> words_;
};

}  // namespace prov::fingerprint::detail
