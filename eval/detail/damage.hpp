// eval/detail/damage.hpp: a portable random stream and the damage transforms a planted passage
// goes through.
//
// Each transform takes a passage cut from a work on token boundaries and returns what a
// training set might hold instead. All of them only touch ASCII bytes or whole UTF-8 sequences
// they recognise, so the output is valid UTF-8 when the input is, and the result never starts
// or ends with whitespace, so a planted range [doc_start, doc_end) is exactly the damaged
// passage. They are deterministic in the Rng's state.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "eval/eval.hpp"

namespace prov::eval::detail {

// Streams of derive_seed: one per independent part of the corpus, so changing how one part is
// drawn never shifts another.
enum class Stream : std::uint64_t {
  kPlanting = 1,   // which work, where, how long
  kDamage = 2,     // the transforms' choices
  kFiller = 3,     // the unrelated text around passages
  kUnrelated = 4,  // the unrelated documents
  kLayout = 5,     // document order
};

// splitmix64 of (seed, stream).
std::uint64_t derive_seed(std::uint64_t seed, Stream s);

// std::mt19937_64's sequence is fixed by the standard but std::uniform_int_distribution's
// mapping is not, so ranges are mapped here (Lemire's multiply-shift, as demo/ does): the same
// numbers on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  std::uint64_t below(std::uint64_t n) { return mul_high(next(), n); }  // [0, n), n > 0
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }

 private:
  static std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
  }
  std::mt19937_64 engine_;
};

// Lower-cases ASCII and Latin-1 letters; drops half of the punctuation marks (ASCII and the
// typographic quotes and dashes), replaces a quarter with another mark and keeps the rest
// (apostrophes inside words and marks between two letters or digits, "3.5", stay); collapses
// every whitespace run, line breaks included, to one space. Never joins two words.
std::string flatten_case_punct(std::string_view passage, Rng& rng);

// Swaps straight and typographic quotes and apostrophes (3 in 4), writes fi and fl as the
// ligatures U+FB01 and U+FB02 (1 in 2), puts a soft hyphen (U+00AD) inside half of the words of
// 8 or more letters, a no-break space (U+00A0) for 1 space in 10, and decomposes precomposed
// Latin-1 letters (NFD, 3 in 4).
std::string typography(std::string_view passage, Rng& rng);

// Hard-wraps at a width drawn from 60-70 columns (bytes); a word that does not fit is, one time
// in three when it has 6 or more letters, hyphenated across the break ("know-\nledge"); one
// break in 12 becomes a page number line ("\n\n123\n\n", numbers rising).
std::string linewrap(std::string_view passage, Rng& rng);

// OCR errors on 1 in 40 ASCII letters and digits (about 2 % of all characters of English
// prose): rn -> m, m -> rn, l <-> 1, O <-> 0, otherwise the letter is dropped or doubled (a
// one-letter word is never dropped).
std::string ocr(std::string_view passage, Rng& rng);

// Light editing: each word (whitespace-separated) is, with a per-passage probability of 3-5 %,
// dropped or followed by an inserted word drawn from `filler_words` (equally often).
std::string editing(std::string_view passage, Rng& rng,
                    const std::vector<std::string>& filler_words);

// Dispatches on `d` (kVerbatim returns the passage unchanged).
std::string apply_damage(Damage d, std::string_view passage, Rng& rng,
                         const std::vector<std::string>& filler_words);

}  // namespace prov::eval::detail
