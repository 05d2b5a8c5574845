// index/detail/posting_table.hpp: the scan-time, in-memory form of the sampled postings.
//
// Layout (6 bytes per posting, a 4-byte bucket directory entry per ~32 postings and a filter
// byte per posting, so about 1.78 bytes per indexed word at sample rate 4):
//   bucket(h) = h >> shift, the top `bits` significant bits of the hash (sampled hashes are
//               below 2^64 / sample_rate, so the leading zero bits are skipped);
//   entry     = 48 bits, little-endian in a byte array: (check << pos_bits) | global position,
//               where pos_bits is just wide enough for the index's words and `check` is the
//               48 - pos_bits hash bits just below the bucket bits; entries sorted by hash,
//               so a bucket is a contiguous run found through dir_[b], dir_[b + 1], sorted by
//               check, and a lookup starts at the entry where its check should be.
// A global position is the work's base (sum of the words of live works with smaller numbers)
// plus the token position, so a posting needs no work number. Bucket bits plus check bits
// (>= 16; 21 at 100 M words) identify a shingle: a lookup of an absent shingle finds a false
// posting with probability ~32 / 2^check_bits, which costs one failed verification at most.
//
// In front of the table, a split-block Bloom filter (Putze, Sanders & Singler 2007; the
// layout of Parquet's and Impala's) over the same bucket and check bits: 8 bits per posting,
// 32-byte blocks, one bit set in each of a block's eight 32-bit words. ~97 % of a scan's
// lookups miss, and a miss costs the filter's one cache line instead of the directory slot and
// then the entries that depend on it; a hit or a false positive (3.3 % of absent shingles)
// goes on to the table.
// The filter answers "maybe" for every shingle the table holds, so results are unchanged.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/huge_alloc.hpp"
#include "common/prefetch.hpp"

namespace prov::index::detail {

class PostingTable {
 public:
  PostingTable() = default;  // empty: finds nothing
  // Prepares for `expected` postings of hashes below `threshold` (added in ascending hash
  // order) whose global positions are below `positions` (at most 2^32).
  PostingTable(std::uint64_t threshold, std::uint64_t expected, std::uint64_t positions);
  void add(std::uint64_t hash, std::uint32_t global_pos);  // hashes must not decrease
  void finish();

  // False: the table holds no posting of `hash`. True: it may (then find()).
  bool may_contain(std::uint64_t hash) const {
    if (filter_blocks_ == 0) return true;
    if ((hash >> shift_) >= buckets_) return false;  // not a sampled hash: find() has nothing
    const std::uint64_t k = hash >> check_shift_;
    const std::uint32_t* w = filter_.data() + filter_block(k) * 8;
    const std::uint64_t m = filter_mix(k);
    std::uint32_t miss = 0;
    for (unsigned i = 0; i < 8; ++i) miss |= ~w[i] & filter_bit(m, i);
    return miss == 0;
  }
  void prefetch_filter(std::uint64_t hash) const {
    if (filter_blocks_ != 0 && (hash >> shift_) < buckets_) prov::prefetch(filter_.data() + filter_block(hash >> check_shift_) * 8);
  }

  template <typename F>
  void find(std::uint64_t hash, F&& f) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 >= dir_.size()) return;
    const std::uint32_t lo = dir_[b], hi = dir_[b + 1];
    if (lo == hi) return;
    const std::uint64_t want = (hash >> check_shift_) & check_mask_;
    // Entries ascend by check within the bucket and checks are uniform: start where `want`
    // should be and walk to the first entry not below it (one or two steps on average).
    std::uint32_t i = lo + guess(want, hi - lo);
    if (check(i) >= want) {
      while (i > lo && check(i - 1) >= want) --i;
    } else {
      while (i < hi && check(i) < want) ++i;
    }
    for (; i < hi; ++i) {
      const std::uint64_t x = entry(i);
      if ((x >> pos_bits_) != want) break;
      f(static_cast<std::uint32_t>(x & pos_mask_));
    }
  }
  void prefetch(std::uint64_t hash) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 < dir_.size()) prov::prefetch(&dir_[b]);
  }
  // The second stage of a lookup pipeline: the bucket's entries (its directory slot should
  // have been prefetched a few lookups earlier).
  void prefetch_entries(std::uint64_t hash) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 < dir_.size()) {
      const std::uint32_t lo = dir_[b], hi = dir_[b + 1];
      const std::uint64_t want = (hash >> check_shift_) & check_mask_;
      const std::uint32_t i = lo + guess(want, hi - lo);
      prov::prefetch(bytes_.data() + std::size_t{i} * kEntry);  // where find() starts
    }
  }
  std::uint64_t size() const { return count_; }

  // The table as bytes, for the copy an index keeps so that a scan need not rebuild it
  // (Index::save_posting_table): a header of twelve u64 (layout fields, the directory's and
  // the entries' sizes, the filter's block count and key bits), the directory (u32 each), the
  // entries, the filter (u32 each). Native byte order: the copy is tagged with the machine it
  // was written on and rebuilt anywhere else.
  template <typename Write>  // write(const void*, std::size_t)
  void save(Write&& write) const {
    const std::uint64_t h[12] = {shift_,      pos_bits_, check_bits_, check_shift_, pos_mask_,    check_mask_,
                                 buckets_,    count_,    dir_.size(),  bytes_.size(), filter_blocks_, key_bits_};
    write(h, sizeof h);
    write(dir_.data(), dir_.size() * sizeof(std::uint32_t));
    write(bytes_.data(), bytes_.size());
    write(filter_.data(), filter_.size() * sizeof(std::uint32_t));
  }
  // The table save() wrote, or null if `read` ran short or the bytes are not a consistent
  // table (a damaged copy: the caller rebuilds from the postings).
  template <typename Read>  // bool read(void*, std::size_t)
  static std::unique_ptr<PostingTable> restore(Read&& read) {
    std::uint64_t h[12];
    if (!read(h, sizeof h)) return nullptr;
    auto t = std::unique_ptr<PostingTable>(new PostingTable());
    if (h[0] > 63 || h[1] < 1 || h[1] > 32 || h[2] > 48 || h[3] > 63 || h[6] > (std::uint64_t{1} << 30) ||
        h[8] != h[6] + 1 || h[9] != h[7] * kEntry + 2 || h[7] >= (std::uint64_t{1} << 32))
      return nullptr;
    t->shift_ = static_cast<unsigned>(h[0]);
    t->pos_bits_ = static_cast<unsigned>(h[1]);
    t->check_bits_ = static_cast<unsigned>(h[2]);
    t->check_shift_ = static_cast<unsigned>(h[3]);
    t->pos_mask_ = h[4];
    t->check_mask_ = h[5];
    t->buckets_ = h[6];
    t->next_bucket_ = h[6];
    t->count_ = h[7];
    if (t->pos_mask_ != (std::uint64_t{1} << t->pos_bits_) - 1 || t->check_mask_ != (std::uint64_t{1} << t->check_bits_) - 1)
      return nullptr;
    t->dir_.resize(h[8]);
    t->bytes_.resize(h[9]);
    if (!read(t->dir_.data(), t->dir_.size() * sizeof(std::uint32_t)) || !read(t->bytes_.data(), t->bytes_.size()))
      return nullptr;
    // find() trusts the directory: it must ascend from 0 to the entry count.
    if (t->dir_.front() != 0 || t->dir_.back() != t->count_) return nullptr;
    for (std::size_t i = 1; i < t->dir_.size(); ++i)
      if (t->dir_[i] < t->dir_[i - 1]) return nullptr;
    // The filter: the size and key width build_filter() gives these entries, or a rebuild.
    t->size_filter();
    if (h[10] != t->filter_blocks_ || h[11] != t->key_bits_) return nullptr;
    t->filter_.resize(t->filter_blocks_ * 8);
    if (!read(t->filter_.data(), t->filter_.size() * sizeof(std::uint32_t))) return nullptr;
    return t;
  }
  std::uint64_t memory_bytes() const { return bytes_.capacity() + dir_.capacity() * 4 + filter_.capacity() * 4; }

 private:
  // Sizes the filter for the entries (blocks and key width); build_filter() also sets their
  // bits (finish()), restore() reads them.
  void size_filter();
  void build_filter();
  static constexpr std::size_t kEntry = 6;
  static constexpr std::uint64_t kMask48 = (std::uint64_t{1} << 48) - 1;
  std::uint64_t entry(std::uint32_t i) const {
    std::uint64_t x;
    std::memcpy(&x, bytes_.data() + std::size_t{i} * kEntry, 8);  // x86-64: little-endian;
    return x & kMask48;                                             // 2 bytes of tail padding
  }
  std::uint64_t check(std::uint32_t i) const { return entry(i) >> pos_bits_; }
  // Where a check should lie among n entries of uniform checks: n * want / 2^check_bits, from
  // the top 16 bits of `want` when it has more (the product stays below 2^48). Below n.
  std::uint32_t guess(std::uint64_t want, std::uint32_t n) const {
    if (check_bits_ <= 16) return static_cast<std::uint32_t>((want * n) >> check_bits_);
    return static_cast<std::uint32_t>(((want >> (check_bits_ - 16)) * n) >> 16);
  }

  // A shingle is known by its key, hash >> check_shift_ (bucket and check bits, uniform). Its
  // block is the key's top 32 bits scaled to the block count, so the blocks ascend with the
  // key and build_filter() sweeps the filter once in entry order (a random order cost a cache
  // miss a posting: ~0.5 s of start-up at 25 M postings); its eight bits come from the key
  // mixed (eight 5-bit fields of one multiplicative mix: one multiply, not eight).
  std::size_t filter_block(std::uint64_t key) const {
    const std::uint64_t top32 = key_bits_ > 32 ? key >> (key_bits_ - 32) : key << (32 - key_bits_);
    return static_cast<std::size_t>((top32 * filter_blocks_) >> 32);
  }
  static std::uint64_t filter_mix(std::uint64_t key) { return (key ^ (key >> 31)) * 0x9E3779B97F4A7C15ull; }
  static std::uint32_t filter_bit(std::uint64_t m, unsigned i) {
    return std::uint32_t{1} << ((m >> (24 + 5 * i)) & 31);  // the product's high 40 bits
  }

  unsigned shift_ = 63;
  unsigned pos_bits_ = 32;
  unsigned check_bits_ = 16;
  unsigned check_shift_ = 0;
  std::uint64_t pos_mask_ = 0xFFFFFFFFull;
  std::uint64_t check_mask_ = 0xFFFF;
  std::uint64_t buckets_ = 1;
  std::uint64_t next_bucket_ = 0;
  std::uint64_t count_ = 0;
  std::vector<std::uint32_t, HugeAlloc<std::uint32_t>> dir_;
  std::vector<unsigned char, HugeAlloc<unsigned char>> bytes_;
  std::vector<std::uint32_t, HugeAlloc<std::uint32_t>> filter_;  // 8 words a block
  std::uint64_t filter_blocks_ = 0;                              // 0: no filter (empty table)
  unsigned key_bits_ = 32;                                       // significant bits of a key
};

}  // namespace prov::index::detail
