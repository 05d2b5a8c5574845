// audit/near_dup.cpp: near-duplicate documents (whole copies, other editions,
// heavily reformatted copies) found by MinHash window sketches and an LSH
// table, for the cases where passage verification finds nothing or little. See
// audit/detail/near_dup.hpp.
//
// Band key: xxh3-free and cheap: the `rows` 32-bit mins of the band are folded
// with the band number through splitmix64's finaliser, all 64 bits kept. The table
// compares the key's top dir_bits_ + (32 - window_bits_) bits (52 with 1,000 works):
// with only 32, two different bands shared a key on 2 % of a benchmark's probes, and
// each such false candidate read its work's sketches (54 KB) for a Jaccard of 0.
#include "audit/detail/near_dup.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include "common/prefetch.hpp"

namespace prov::audit::detail {
namespace {

constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t NearDupTable::band_key(const fingerprint::Sketch& s, std::uint32_t band) const {
  std::uint64_t h = mix(0x3c6ef372fe94f82bull + band);
  for (std::uint32_t r = 0; r < rows_; ++r) h = mix(h ^ s.mins[band * rows_ + r]);
  return h;
}

std::uint32_t NearDupTable::stored_key(std::uint64_t key) const {
  // The key's bits right below the directory's, as many as fit beside a window number
  // (dir_bits_ <= 28, so there are always enough). A key bit not compared would only let an
  // unrelated window through to the Jaccard check.
  const unsigned keep = window_bits_ >= 32 ? 0 : 32 - window_bits_;
  if (keep == 0) return 0;
  return static_cast<std::uint32_t>((key << dir_bits_) >> (64 - keep));
}

namespace {

bool lsh_params_ok(const MatchParams& params) {
  return params.lsh_bands != 0 && params.lsh_rows != 0 &&
         std::uint64_t{params.lsh_bands} * params.lsh_rows <= fingerprint::kSketchBins;
}
Error lsh_params_error() {
  return make_error(Errc::kUsage, "LSH bands x rows must be between 1 and " + std::to_string(fingerprint::kSketchBins));
}

constexpr const char* kFileName = "near-dup-table.bin";
constexpr std::uint64_t kFileVersion = 1;
static_assert(std::is_trivially_copyable_v<NearDupTable::Window> && sizeof(NearDupTable::Window) == 24);

}  // namespace

void NearDupTable::bind() {
  windows_ = own_windows_;
  entries_ = own_entries_;
  dir_ = own_dir_;
}

Result<std::string> NearDupTable::file_tag(const index::Index& index, const MatchParams& params) {
  auto layout = index.layout_tag();
  if (!layout) return std::move(layout).error();
  return *layout + "/near-dup-" + std::to_string(kFileVersion) + "-b" + std::to_string(params.lsh_bands) + "-r" +
         std::to_string(params.lsh_rows) + (std::endian::native == std::endian::little ? "-le" : "-be");
}

// Payload: eight u64 (version, bands, rows, window bits, directory bits, and the windows',
// entries' and directory's counts), then the windows (24 bytes each), the directory and the
// entries (u32 each), in native byte order (the tag names it).
void NearDupTable::write(const index::Index::ByteSink& sink) const {
  const std::uint64_t h[8] = {kFileVersion, bands_, rows_, window_bits_, dir_bits_, windows_.size(), entries_.size(), dir_.size()};
  sink(h, sizeof h);
  sink(windows_.data(), windows_.size_bytes());
  sink(dir_.data(), dir_.size_bytes());
  sink(entries_.data(), entries_.size_bytes());
}

std::unique_ptr<NearDupTable> NearDupTable::view(const index::Index& index, const MatchParams& params,
                                                 index::Index::MappedBytes bytes) {
  std::uint64_t h[8];
  if (bytes.size < sizeof h) return nullptr;
  std::memcpy(h, bytes.data, sizeof h);
  if (h[0] != kFileVersion || h[1] != params.lsh_bands || h[2] != params.lsh_rows || h[3] < 1 || h[3] > 32 ||
      h[4] < 1 || h[4] > 28 || h[5] >= (1ull << 32) || h[6] >= (1ull << 32) || h[7] != (1ull << h[4]) + 1)
    return nullptr;
  if (bytes.size != sizeof h + h[5] * sizeof(Window) + (h[6] + h[7]) * 4) return nullptr;
  std::unique_ptr<NearDupTable> t(new NearDupTable(index));
  t->bands_ = static_cast<std::uint32_t>(h[1]);
  t->rows_ = static_cast<std::uint32_t>(h[2]);
  t->window_bits_ = static_cast<unsigned>(h[3]);
  t->dir_bits_ = static_cast<unsigned>(h[4]);
  const unsigned char* p = bytes.data + sizeof h;
  t->windows_ = {reinterpret_cast<const Window*>(p), static_cast<std::size_t>(h[5])};
  p += h[5] * sizeof(Window);
  t->dir_ = {reinterpret_cast<const std::uint32_t*>(p), static_cast<std::size_t>(h[7])};
  p += h[7] * 4;
  t->entries_ = {reinterpret_cast<const std::uint32_t*>(p), static_cast<std::size_t>(h[6])};
  // probe() trusts the directory (ascending from 0 to the entry count) and each entry's
  // window number (below the window count).
  if (t->dir_.front() != 0 || t->dir_.back() != t->entries_.size()) return nullptr;
  for (std::size_t k = 1; k < t->dir_.size(); ++k)
    if (t->dir_[k] < t->dir_[k - 1]) return nullptr;
  const std::uint32_t window_mask = t->window_bits_ >= 32 ? ~0u : (1u << t->window_bits_) - 1;
  std::uint32_t bad = 0;
  for (const std::uint32_t x : t->entries_) bad |= static_cast<std::uint32_t>((x & window_mask) >= t->windows_.size());
  if (bad) return nullptr;
  t->mapping_ = std::move(bytes.keep);
  return t;
}

Result<std::unique_ptr<NearDupTable>> NearDupTable::load(const index::Index& index, const MatchParams& params) {
  if (!lsh_params_ok(params)) return lsh_params_error();
  if (auto tag = file_tag(index, params); tag) {
    if (auto bytes = index.map_derived(kFileName, *tag))
      if (auto t = view(index, params, std::move(*bytes))) return t;
  }
  return build(index, params);
}

Status NearDupTable::save(index::Index& index, const MatchParams& params) {
  if (!lsh_params_ok(params)) return lsh_params_error();
  auto tag = file_tag(index, params);
  if (!tag) return std::move(tag).error();
  if (auto bytes = index.map_derived(kFileName, *tag); bytes && view(index, params, std::move(*bytes))) return Ok{};
  auto t = build(index, params);
  if (!t) return std::move(t).error();
  return index.save_derived(kFileName, *tag, [&](const index::Index::ByteSink& sink) { (*t)->write(sink); });
}

Result<std::unique_ptr<NearDupTable>> NearDupTable::build(const index::Index& index, const MatchParams& params) {
  auto works = index.works();
  if (!works) return std::move(works).error();
  std::vector<std::uint32_t> nums;
  for (const auto& w : *works) nums.push_back(w.num);
  std::sort(nums.begin(), nums.end());  // windows by work number, then window
  std::unique_ptr<NearDupTable> t(new NearDupTable(index));
  t->bands_ = params.lsh_bands;
  t->rows_ = params.lsh_rows;
  {  // sized once: growth by doubling made the load's peak 1.5 times the table
    std::uint64_t windows = 0;
    for (const auto& w : *works) windows += fingerprint::sketch_windows(w.words).size();
    t->own_windows_.reserve(windows);
  }
  // Band keys are gathered window by window (bands_ a window). Then a counting sort on the
  // directory slot (the key's top dir_bits_ bits) places each as the 4-byte entry a probe
  // reads, stored_key << window_bits_ | window (the key's next bits, as many as fit beside the
  // window number), and each slot's few entries are sorted: the directory comes for free, and
  // it cost a quarter of what std::sort of 3.2 M wide entries did.
  std::vector<std::uint64_t> keys;
  keys.reserve(t->own_windows_.capacity() * t->bands_);
  for (const std::uint32_t num : nums) {
    auto sk = index.sketches(num);
    if (!sk) return std::move(sk).error();
    for (std::size_t i = 0; i < sk->size(); ++i) {
      const auto& ws = (*sk)[i];
      if (t->own_windows_.size() >= (1ull << 32) - 1) return make_error(Errc::kLimit, "more than 2^32 sketch windows");
      t->own_windows_.push_back(Window{num, static_cast<std::uint32_t>(i), ws.window, ws.sketch.shingles});
      for (std::uint32_t b = 0; b < t->bands_; ++b) keys.push_back(t->band_key(ws.sketch, b));
    }
  }
  t->own_windows_.shrink_to_fit();
  if (keys.size() >= (1ull << 32)) return make_error(Errc::kLimit, "more than 2^32 LSH entries");
  while (t->dir_bits_ < 28 && (std::uint64_t{1} << t->dir_bits_) * 4 < keys.size()) ++t->dir_bits_;
  t->window_bits_ = std::max(1u, static_cast<unsigned>(std::bit_width(t->own_windows_.size())));
  const unsigned drop = 64 - t->dir_bits_;
  t->own_dir_.assign((std::size_t{1} << t->dir_bits_) + 1, 0);
  for (const std::uint64_t key : keys) ++t->own_dir_[(key >> drop) + 1];
  for (std::size_t k = 1; k < t->own_dir_.size(); ++k) t->own_dir_[k] += t->own_dir_[k - 1];
  std::vector<std::uint32_t> next(t->own_dir_.begin(), t->own_dir_.end() - 1);
  t->own_entries_.resize(keys.size());
  for (std::size_t e = 0; e < keys.size(); ++e) {
    const auto w = static_cast<std::uint32_t>(e / t->bands_);
    const std::uint32_t low = t->window_bits_ >= 32 ? w : t->stored_key(keys[e]) << t->window_bits_ | w;
    t->own_entries_[next[keys[e] >> drop]++] = low;
  }
  for (std::size_t k = 0; k + 1 < t->own_dir_.size(); ++k)
    std::sort(t->own_entries_.begin() + t->own_dir_[k], t->own_entries_.begin() + t->own_dir_[k + 1]);
  t->bind();
  return t;
}

namespace {
constexpr std::uint64_t kCacheBytes = 32u << 20;  // works' sketches kept for probes
}  // namespace

Result<std::shared_ptr<const NearDupTable::WorkSketches>> NearDupTable::work_sketches(std::uint32_t work) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(work); it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.pos);
      return it->second.sketches;
    }
  }
  auto sk = index_.sketches(work);
  if (!sk) return std::move(sk).error();
  auto p = std::make_shared<const WorkSketches>(std::move(sk).value());
  const std::uint64_t bytes = p->size() * (sizeof(index::WindowSketch) + 4 * fingerprint::kSketchBins + 16) + 64;
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(work); it != cache_.end()) return it->second.sketches;  // raced
  lru_.push_front(work);
  cache_[work] = Slot{p, lru_.begin(), bytes};
  cache_bytes_ += bytes;
  while (cache_bytes_ > kCacheBytes && lru_.size() > 1) {
    const std::uint32_t victim = lru_.back();
    lru_.pop_back();
    cache_bytes_ -= cache_[victim].bytes;
    cache_.erase(victim);
  }
  return p;
}

Result<fingerprint::Sketch> NearDupTable::sketch(std::uint32_t w) const {
  if (w >= windows_.size()) return make_error(Errc::kUsage, "no window " + std::to_string(w));
  const Window& win = windows_[w];
  auto all = work_sketches(win.work);
  if (!all) return std::move(all).error();
  if (win.local >= (*all)->size()) return make_error(Errc::kFormat, "sketches of work " + std::to_string(win.work) + " changed during the scan");
  return (**all)[win.local].sketch;
}

std::uint64_t NearDupTable::memory_bytes() const {
  return entries_.size_bytes() + dir_.size_bytes() + windows_.size_bytes();
}

Result<std::vector<NearDupTable::Candidate>> NearDupTable::probe(const fingerprint::Sketch& s) const {
  std::vector<Candidate> out;
  if (s.empty() || entries_.empty()) return out;
  std::vector<std::uint32_t> hits;
  std::uint32_t slots[fingerprint::kSketchBins], wants[fingerprint::kSketchBins];
  for (std::uint32_t b = 0; b < bands_; ++b) {  // all slots first: their cache misses overlap
    const std::uint64_t key = band_key(s, b);
    slots[b] = static_cast<std::uint32_t>(key >> (64 - dir_bits_));
    wants[b] = stored_key(key);
    prefetch(&dir_[slots[b]]);
  }
  // Then all slots' entries (the table is 16 MB at 1,000 works: nearly every band missed the
  // cache twice, one band after another, and probes were 9 % of a scan).
  for (std::uint32_t b = 0; b < bands_; ++b) prefetch(entries_.data() + dir_[slots[b]]);
  const std::uint32_t window_mask = window_bits_ >= 32 ? ~0u : (1u << window_bits_) - 1;
  for (std::uint32_t b = 0; b < bands_; ++b) {
    const std::uint32_t slot = slots[b];
    const std::uint32_t want = wants[b];
    for (std::uint32_t i = dir_[slot], e = dir_[slot + 1]; i < e; ++i) {
      const std::uint32_t x = entries_[i];
      const std::uint32_t key = window_bits_ >= 32 ? 0 : x >> window_bits_;
      if (key == want) hits.push_back(x & window_mask);
      else if (key > want) break;
    }
  }
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  // Windows are stored by work number then window, so one work's candidates are
  // adjacent: its sketches are read once.
  std::shared_ptr<const WorkSketches> sketches;
  for (const std::uint32_t w : hits) {
    const Window& win = windows_[w];
    if (!sketches || sketches->empty() || sketches->front().work != win.work) {
      auto all = work_sketches(win.work);
      if (!all) return std::move(all).error();
      sketches = std::move(all).value();
    }
    if (win.local >= sketches->size())
      return make_error(Errc::kFormat, "sketches of work " + std::to_string(win.work) + " changed during the scan");
    const double j = fingerprint::jaccard(s, (*sketches)[win.local].sketch);
    if (!out.empty() && windows_[out.back().window].work == win.work) {
      if (j > out.back().jaccard) out.back() = Candidate{w, j};
    } else {
      out.push_back(Candidate{w, j});
    }
  }
  return out;
}

Result<std::vector<NearDup>> find_near_duplicates(const NearDupTable& table,
                                          const std::vector<fingerprint::Token>& tokens,
                                          std::uint32_t k, const std::vector<Passage>& passages,
                                          const MatchParams& params,
                                          const std::vector<std::uint64_t>* shingles) {
  std::vector<NearDup> kept;
  if (tokens.size() < std::max<std::size_t>(params.near_dup_min_words, k)) return kept;
  std::vector<std::uint64_t> computed;
  if (!shingles || shingles->size() != tokens.size() - k + 1) {
    computed = fingerprint::shingle_hashes(tokens, k);
    shingles = &computed;
  }
  const auto& hashes = *shingles;
  std::uint32_t resembled = 0;  // works the current window resembles (before suppression)
  const auto windows = fingerprint::sketch_windows(tokens.size());
  const auto sketches = fingerprint::window_sketches(hashes, windows, k);
  for (std::size_t wi = 0; wi < windows.size(); ++wi) {
    const auto win = windows[wi];
    if (win.end - win.start < params.near_dup_min_words) continue;
    const auto& sk = sketches[wi];
    const std::size_t first = kept.size();
    auto candidates = table.probe(sk);
    if (!candidates) return std::move(candidates).error();
    for (const auto& c : *candidates) {
      const auto& ws = table.windows()[c.window];
      fingerprint::Sketch stored;  // containment() reads only the shingle count
      stored.shingles = ws.shingles;
      const double cont = fingerprint::containment(sk, stored, c.jaccard);
      if (c.jaccard < params.near_dup_jaccard && cont < params.near_dup_containment) continue;
      ++resembled;
      // Verified passages of this work explain this window already?
      std::uint64_t covered = 0;
      bool same_start = false;
      for (const auto& p : passages) {
        if (p.work != ws.work) continue;
        const std::uint32_t a = std::max(p.doc_tok_start, win.start);
        const std::uint32_t b = std::min(p.doc_tok_end, win.end);
        if (a < b) covered += b - a;
        same_start |= p.doc_tok_start == win.start;
      }
      if (same_start || 2 * covered >= win.end - win.start) continue;
      NearDup d;
      d.work = ws.work;
      d.doc_tok_start = win.start;
      d.doc_tok_end = win.end;
      d.jaccard = c.jaccard;
      d.containment = cont;
      kept.push_back(d);
    }
    // Text that resembles many works (the Project Gutenberg licence, a stock
    // preface) is no evidence of any one of them: listed, flagged, as
    // boilerplate passages are.
    if (resembled >= params.boilerplate_works)
      for (std::size_t i = first; i < kept.size(); ++i) kept[i].boilerplate = true;
    resembled = 0;
  }
  // Merge overlapping windows of one work into one finding: mean J and C over
  // its windows.
  std::stable_sort(kept.begin(), kept.end(), [](const NearDup& a, const NearDup& b) {
    if (a.work != b.work) return a.work < b.work;
    if (a.boilerplate != b.boilerplate) return a.boilerplate < b.boilerplate;
    return a.doc_tok_start < b.doc_tok_start;
  });
  std::vector<NearDup> out;
  std::size_t n = 0;  // windows merged into out.back()
  const auto average = [&] {
    if (out.empty()) return;
    out.back().jaccard /= static_cast<double>(n);
    out.back().containment /= static_cast<double>(n);
  };
  for (const auto& d : kept) {
    if (!out.empty() && out.back().work == d.work && out.back().boilerplate == d.boilerplate &&
        d.doc_tok_start <= out.back().doc_tok_end) {
      auto& m = out.back();
      m.doc_tok_end = std::max(m.doc_tok_end, d.doc_tok_end);
      m.jaccard += d.jaccard;
      m.containment += d.containment;
      ++n;
      continue;
    }
    average();
    out.push_back(d);
    n = 1;
  }
  average();
  for (auto& d : out) {
    d.doc_start = tokens[d.doc_tok_start].start;
    d.doc_end = tokens[d.doc_tok_end - 1].end;
  }
  std::sort(out.begin(), out.end(), [](const NearDup& a, const NearDup& b) {
    if (a.doc_tok_start != b.doc_tok_start) return a.doc_tok_start < b.doc_tok_start;
    return a.work != b.work ? a.work < b.work : a.boilerplate < b.boilerplate;
  });
  return out;
}

}  // namespace prov::audit::detail

namespace prov::audit {
Status save_near_dup_table(index::Index& index, const MatchParams& match) { return detail::NearDupTable::save(index, match); }

Status finish_ingest(index::Index& index, bool added) {
  if (added)
    if (auto s = index.compact(); !s) return s;
  if (auto s = index.save_posting_table(); !s) return s;
  return save_near_dup_table(index);
}
}  // namespace prov::audit
