// audit/align.cpp: greedy X-drop extension over token hashes.
//
// Text copies differ from their source in short, local ways (a changed word, a dropped or
// inserted word, a word split by a line-end hyphen), so the alignment walks forward while
// tokens agree and, at a disagreement, looks for the nearest point (a doc tokens, b work
// tokens ahead, a + b smallest, a, b <= max_gap) where `run` tokens in a row agree again. Both
// directions share one loop through an index mapping, so backward extension is the same code.
#include <algorithm>

#include "audit/detail/align.hpp"

namespace prov::audit::detail {
namespace {

struct Dir {
  const TokenSeq& seq;
  std::int64_t origin;  // position of step 0
  int step;             // +1 forward, -1 backward
  std::int64_t limit;   // number of steps available
  std::uint64_t at(std::int64_t s) const { return seq.at(static_cast<std::uint32_t>(origin + step * s)); }
  std::uint32_t abs(std::int64_t s) const { return static_cast<std::uint32_t>(origin + step * s); }
};

struct Ext {
  std::int64_t dn = 0, wn = 0;  // tokens consumed on each side at the best score
  std::uint32_t matched = 0, columns = 0;
};

Ext extend(const Dir& d, const Dir& w, const AlignParams& p, const Similar* similar) {
  Ext best;
  std::int64_t i = 0, j = 0;
  long score = 0, best_score = 0;
  std::uint32_t matched = 0, columns = 0;
  const auto agree = [&](std::int64_t a, std::int64_t b) {
    return a < d.limit && b < w.limit && d.at(a) == w.at(b);
  };
  while (i < d.limit && j < w.limit) {
    if (d.at(i) == w.at(j)) {
      ++i, ++j, ++score, ++matched, ++columns;
      if (score > best_score) {
        best_score = score;
        best = Ext{i, j, matched, columns};
      }
      continue;
    }
    if (const int sim = similar ? (*similar)(d.abs(i), w.abs(j)) : 0; sim > 0) {
      ++i, ++j, ++columns;  // a damaged word: a free substitution
      if (sim == 2 && score >= best_score) {
        best_score = score;
        best = Ext{i, j, matched, columns};
      }
      continue;
    }
    // Find the nearest re-synchronisation point.
    std::int64_t ra = -1, rb = -1;
    const std::int64_t g = p.max_gap;
    for (std::int64_t s = 1; s <= 2 * g && ra < 0; ++s) {
      for (std::int64_t a = std::max<std::int64_t>(0, s - g); a <= std::min(s, g); ++a) {
        const std::int64_t b = s - a;
        std::int64_t r = 0;
        while (r < p.run && agree(i + a + r, j + b + r)) ++r;
        const bool at_end = (i + a + r >= d.limit) || (j + b + r >= w.limit);
        if (r == p.run || (r > 0 && at_end)) {
          ra = a, rb = b;
          break;
        }
      }
    }
    if (ra < 0) break;
    const std::int64_t cost = std::max(ra, rb);
    score -= cost;
    columns += static_cast<std::uint32_t>(cost);
    i += ra, j += rb;
    if (best_score - score > static_cast<long>(p.xdrop)) break;
  }
  return best;
}

}  // namespace

Segment extend_seed(const TokenSeq& doc, const TokenSeq& work,
                    std::uint32_t d, std::uint32_t w, std::uint32_t len, const AlignParams& p,
                    std::uint32_t d_floor, std::uint32_t w_floor, const Similar* similar) {
  const auto dn = static_cast<std::int64_t>(doc.size);
  const auto wn = static_cast<std::int64_t>(work.size);
  // Forward from the seed's start (the seed itself is re-checked token by token).
  const Dir df{doc, d, +1, dn - d};
  const Dir wf{work, w, +1, wn - w};
  const Ext fwd = extend(df, wf, p, similar);
  // Backward from just before the seed.
  const Dir db{doc, static_cast<std::int64_t>(d) - 1, -1, static_cast<std::int64_t>(d) - d_floor};
  const Dir wb{work, static_cast<std::int64_t>(w) - 1, -1, static_cast<std::int64_t>(w) - w_floor};
  const Ext bwd = (d > d_floor && w > w_floor) ? extend(db, wb, p, similar) : Ext{};
  (void)len;
  Segment s;
  s.d0 = static_cast<std::uint32_t>(d - bwd.dn);
  s.w0 = static_cast<std::uint32_t>(w - bwd.wn);
  s.d1 = static_cast<std::uint32_t>(d + fwd.dn);
  s.w1 = static_cast<std::uint32_t>(w + fwd.wn);
  s.matched = fwd.matched + bwd.matched;
  s.columns = fwd.columns + bwd.columns;
  return s;
}

}  // namespace prov::audit::detail
