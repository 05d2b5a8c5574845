// index/detail/posting_table.hpp: the scan-time, in-memory form of the sampled postings.
//
// Layout (8 bytes per posting plus a 4-byte bucket directory entry per ~32 postings):
//   bucket(h) = h >> shift, the top `bits` significant bits of the hash (sampled hashes are
//               below 2^64 / sample_rate, so the leading zero bits are skipped);
//   entry     = (low 32 bits of h) << 32 | global token position, entries sorted by hash,
//               so a bucket is a contiguous run found through dir_[b], dir_[b + 1].
// A global position is the work's base (sum of the words of live works with smaller numbers)
// plus the token position, so a posting needs no work number. 32-bit low hash bits plus the
// bucket bits identify a shingle; a rare collision only costs one failed verification.
#pragma once

#include <cstdint>
#include <vector>

namespace prov::index::detail {

class PostingTable {
 public:
  // Prepares for `expected` postings of hashes below `threshold` (added in ascending hash order).
  PostingTable(std::uint64_t threshold, std::uint64_t expected);
  void add(std::uint64_t hash, std::uint32_t global_pos);  // hashes must not decrease
  void finish();

  template <typename F>
  void find(std::uint64_t hash, F&& f) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 >= dir_.size()) return;
    const auto lo = static_cast<std::uint32_t>(hash);
    for (std::uint32_t i = dir_[b], e = dir_[b + 1]; i < e; ++i) {
      const std::uint64_t x = entries_[i];
      if (static_cast<std::uint32_t>(x >> 32) == lo) f(static_cast<std::uint32_t>(x));
    }
  }
  void prefetch(std::uint64_t hash) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 < dir_.size()) __builtin_prefetch(&dir_[b]);
  }
  // The second stage of a lookup pipeline: the bucket's entries (its directory slot should
  // have been prefetched a few lookups earlier).
  void prefetch_entries(std::uint64_t hash) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 < dir_.size() && dir_[b] < entries_.size()) __builtin_prefetch(&entries_[dir_[b]]);
  }
  std::uint64_t size() const { return entries_.size(); }
  std::uint64_t memory_bytes() const { return entries_.capacity() * 8 + dir_.capacity() * 4; }

 private:
  unsigned shift_ = 63;
  std::uint64_t buckets_ = 1;
  std::uint64_t next_bucket_ = 0;
  std::vector<std::uint32_t> dir_;
  std::vector<std::uint64_t> entries_;
};

}  // namespace prov::index::detail
