// fingerprint/minhash.cpp: one-permutation MinHash sketches of shingle sets,
// and the token windows they are taken over.
//
// Bin layout of a sketch (see fingerprint.hpp): x = mix(shingle_hash ^
// kSketchSeed); bin = x >> 57 (top 7 bits: 128 bins); value = x & 0xffffffff.
// The two parts of x are independent bits of one well-mixed 64-bit word, so one
// hash does the work of 128.
#include <algorithm>
#include <array>
#include <limits>

#include "fingerprint/fingerprint.hpp"

namespace prov::fingerprint {
namespace {

static_assert(kSketchBins == 128, "bin selection below takes the top 7 bits");
constexpr std::uint64_t kSketchSeed = 0x6a09e667f3bcc909ull;  // fixed: sketches are stored

// splitmix64's finaliser: a bijection that spreads every input bit over the
// output.
constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

namespace {

// A sketch before densification: each bin's minimum and whether any shingle fell into it.
struct RawBins {
  std::array<std::uint32_t, kSketchBins> mins;
  std::array<std::uint64_t, kSketchBins / 64> filled{};
  RawBins() { mins.fill(std::numeric_limits<std::uint32_t>::max()); }
  void add(const std::uint64_t* first, const std::uint64_t* last) {
    for (const std::uint64_t* p = first; p != last; ++p) {
      const std::uint64_t x = mix(*p ^ kSketchSeed);
      const auto bin = static_cast<std::size_t>(x >> 57);
      mins[bin] = std::min(mins[bin], static_cast<std::uint32_t>(x));
      filled[bin / 64] |= std::uint64_t{1} << (bin % 64);
    }
  }
  void merge(const RawBins& o) {  // the bins of the union of the two shingle sets
    for (std::size_t i = 0; i < kSketchBins; ++i) mins[i] = std::min(mins[i], o.mins[i]);
    for (std::size_t i = 0; i < filled.size(); ++i) filled[i] |= o.filled[i];
  }
  bool has(std::size_t bin) const { return (filled[bin / 64] >> (bin % 64)) & 1; }
};

Sketch densify(const RawBins& raw, std::uint64_t shingles) {
  Sketch s;
  s.shingles = shingles;
  // Optimal densification: empty bin i takes the value of the first filled bin
  // on its own probe sequence mix(i, 1), mix(i, 2), … . Two sketches with bin i
  // empty in both follow the same sequence, so they agree there with
  // probability J, as a filled bin does. The sequence is a function of i and
  // the attempt only, so sketches stay comparable across texts. At least one
  // bin is filled (there was a shingle), and every probe hits one with
  // probability
  // >= 1/128, so the loop ends (a cap keeps it finite even in theory: then a
  // full scan).
  std::array<std::uint32_t, kSketchBins> dense = raw.mins;
  for (std::uint32_t i = 0; i < kSketchBins; ++i) {
    if (raw.has(i)) continue;
    bool done = false;
    for (std::uint64_t attempt = 1; attempt <= 4096 && !done; ++attempt) {
      const auto j = static_cast<std::size_t>(mix((std::uint64_t{i} << 32) ^ attempt) >> 57);
      if (raw.has(j)) {
        dense[i] = raw.mins[j];
        done = true;
      }
    }
    for (std::size_t j = 0; !done && j < kSketchBins; ++j)
      if (raw.has(j)) dense[i] = raw.mins[j], done = true;
  }
  s.mins.assign(dense.begin(), dense.end());
  return s;
}

// The shingles window w covers: [first, last) of the shingle hashes.
std::pair<std::size_t, std::size_t> shingle_range(std::size_t shingles, TokenWindow w, std::uint32_t k) {
  // Shingle i covers tokens [i, i + k): it lies in the window when w.start <= i <= w.end - k.
  if (k == 0 || w.end < w.start + k) return {0, 0};
  const std::size_t first = w.start;
  const std::size_t last = std::min<std::size_t>(w.end - k + 1, shingles);
  return first < last ? std::pair{first, last} : std::pair<std::size_t, std::size_t>{0, 0};
}

}  // namespace

Sketch sketch(const std::uint64_t* first, const std::uint64_t* last) {
  if (first >= last) return {};
  RawBins raw;
  raw.add(first, last);
  return densify(raw, static_cast<std::uint64_t>(last - first));
}

double jaccard(const Sketch& a, const Sketch& b) {
  if (a.empty() || b.empty() || a.mins.size() != b.mins.size()) return 0.0;
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.mins.size(); ++i) same += a.mins[i] == b.mins[i];
  return static_cast<double>(same) / static_cast<double>(a.mins.size());
}

double containment(const Sketch& a, const Sketch& b, double j) {
  if (a.shingles == 0 || j <= 0) return 0.0;
  const double inter = j * static_cast<double>(a.shingles + b.shingles) / (1.0 + j);
  return std::clamp(inter / static_cast<double>(a.shingles), 0.0, 1.0);
}

std::vector<TokenWindow> sketch_windows(std::size_t tokens) {
  std::vector<TokenWindow> out;
  if (tokens == 0) return out;
  const auto n = static_cast<std::uint32_t>(tokens);
  if (n <= kSketchWindow) {
    out.push_back({0, n});
    return out;
  }
  std::uint32_t s = 0;
  for (; s + kSketchWindow < n; s += kSketchStep) out.push_back({s, s + kSketchWindow});
  out.push_back({n - kSketchWindow, n});  // the tail, aligned to the end
  out.push_back({0, n});                  // the whole text
  return out;
}

Sketch window_sketch(const std::vector<std::uint64_t>& shingle_hashes, TokenWindow w,
                     std::uint32_t k) {
  const auto [first, last] = shingle_range(shingle_hashes.size(), w, k);
  if (first >= last) return {};
  return sketch(shingle_hashes.data() + first, shingle_hashes.data() + last);
}

std::vector<Sketch> window_sketches(const std::vector<std::uint64_t>& shingle_hashes,
                                    const std::vector<TokenWindow>& windows, std::uint32_t k) {
  // The windows' shingle ranges cut the shingles into elementary segments (between any two
  // consecutive range ends); each segment's bins are computed once, and a window's are the
  // union (bin-wise minimum) of its segments'. Overlapping windows and the whole text then
  // cost one pass over the shingles instead of one per window (three with the default grid).
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::vector<std::size_t> cuts;
  for (const auto& w : windows) {
    ranges.push_back(shingle_range(shingle_hashes.size(), w, k));
    if (ranges.back().first < ranges.back().second) {
      cuts.push_back(ranges.back().first);
      cuts.push_back(ranges.back().second);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<RawBins> segments(cuts.empty() ? 0 : cuts.size() - 1);
  for (std::size_t i = 0; i < segments.size(); ++i)
    segments[i].add(shingle_hashes.data() + cuts[i], shingle_hashes.data() + cuts[i + 1]);
  std::vector<Sketch> out;
  out.reserve(windows.size());
  for (const auto& [first, last] : ranges) {
    if (first >= last) {
      out.emplace_back();
      continue;
    }
    const auto from = static_cast<std::size_t>(std::lower_bound(cuts.begin(), cuts.end(), first) - cuts.begin());
    RawBins raw;
    for (std::size_t i = from; i < segments.size() && cuts[i] < last; ++i) raw.merge(segments[i]);
    out.push_back(densify(raw, static_cast<std::uint64_t>(last - first)));
  }
  return out;
}

}  // namespace prov::fingerprint
