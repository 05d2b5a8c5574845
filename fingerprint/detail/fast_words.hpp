// fingerprint/detail/fast_words.hpp: a table-driven UAX #29 word segmenter for the scripts
// that need no dictionary, giving exactly ICU's word boundaries at several times its speed.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace prov::fingerprint::detail {

class FastWords {
 public:
  // Segments text[s, e) (a run without ASCII whitespace). Returns false, producing nothing,
  // if the run holds a character this segmenter does not handle (the caller uses ICU); else
  // words() holds the byte ranges of the segments that contain a letter or digit.
  bool segment(std::string_view text, std::size_t s, std::size_t e);
  const std::vector<std::pair<std::size_t, std::size_t>>& words() const { return words_; }
  // The same for a run known to be pure ASCII without '@' (no table decoding, no per-char
  // records): the common case in English text.
  void segment_ascii(std::string_view text, std::size_t s, std::size_t e);

 private:
  struct Char {
    std::size_t start, end;  // end includes trailing Extend/Format characters (WB4)
    std::uint8_t cls;
  };
  std::vector<Char> chars_;
  std::vector<std::pair<std::size_t, std::size_t>> words_;
};

}  // namespace prov::fingerprint::detail
