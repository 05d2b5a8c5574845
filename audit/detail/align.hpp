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
Segment extend_seed(const std::vector<std::uint64_t>& doc, const std::vector<std::uint64_t>& work,
                    std::uint32_t d, std::uint32_t w, std::uint32_t len, const AlignParams& p,
                    std::uint32_t d_floor = 0, std::uint32_t w_floor = 0,
                    const Similar* similar = nullptr);

}  // namespace prov::audit::detail
