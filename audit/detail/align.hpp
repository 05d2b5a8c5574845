// audit/detail/align.hpp: token-level alignment used to verify candidate passages.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace prov::audit::detail {

// One aligned stretch: doc tokens [d0, d1) against work tokens [w0, w1), with `matched`
// agreeing tokens over `columns` aligned columns (substitutions and gaps count one column per
// token on the longer side).
struct Segment {
  std::uint32_t d0 = 0, d1 = 0, w0 = 0, w1 = 0;
  std::uint32_t matched = 0, columns = 0;
};

struct AlignParams {
  std::uint32_t max_gap = 6;  // largest skip on either side when re-synchronising
  std::uint32_t xdrop = 8;    // stop when the running score is this far below its best
  std::uint32_t run = 3;      // agreeing tokens in a row needed to re-synchronise
};

// A sequence of token hashes addressed by absolute position 0..size-1. Positions [lo, hi) are
// in `data` (data[pos - lo]); any other position is answered by `miss`, which may load it (the
// work side is a window of the work that grows block by block as an extension walks, see
// audit/match.cpp). The document side holds everything and never misses.
struct TokenSeq {
  const std::uint64_t* data = nullptr;
  std::uint32_t lo = 0, hi = 0;
  std::uint32_t size = 0;
  std::function<std::uint64_t(std::uint32_t pos)> miss;
  std::uint64_t at(std::uint32_t pos) const { return pos - lo < hi - lo ? data[pos - lo] : miss(pos); }
  static TokenSeq whole(const std::vector<std::uint64_t>& v) {
    const auto n = static_cast<std::uint32_t>(v.size());
    return TokenSeq{v.data(), 0, n, n, {}};
  }
};

// Extends an exact seed doc[d, d+len) == work[w, w+len) in both directions over token
// hashes. Scoring: +1 per agreeing token, -max(a, b) for a re-synchronisation that skips a doc
// and b work tokens. A re-synchronisation needs `run` agreeing tokens in a row (fewer only at
// the very end of either sequence), so a stock phrase like "of the" after the end of a copied
// passage never drags the passage past its true end.
// `d_floor`/`w_floor` bound the backward extension (previous segment's end).
// `similar(d, w)`, if given, is asked about two disagreeing tokens (absolute positions). 1 (an
// OCR-damaged or re-spelt word) aligns them as a substitution that costs nothing, so a damaged
// word no longer needs `run` agreeing words after it, but a passage does not end on it; 2 (one
// edit in a word of 5+ bytes: almost surely the same word) also lets the passage end there, so
// a damaged last word stays inside the passage. 0: different words.
using Similar = std::function<int(std::uint32_t d, std::uint32_t w)>;
Segment extend_seed(const TokenSeq& doc, const TokenSeq& work,
                    std::uint32_t d, std::uint32_t w, std::uint32_t len, const AlignParams& p,
                    std::uint32_t d_floor = 0, std::uint32_t w_floor = 0,
                    const Similar* similar = nullptr);

}  // namespace prov::audit::detail
