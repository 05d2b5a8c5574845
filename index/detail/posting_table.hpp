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

// Tests: true makes PostingTable::filter_batch use its portable loop even where the CPU has
// AVX-512, so both paths can be compared.
void use_portable_filter(bool on);

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
    const std::uint32_t* w = filter_p_ + filter_block(k) * 8;
    const std::uint64_t m = filter_mix(k);
    std::uint32_t miss = 0;
    for (unsigned i = 0; i < 8; ++i) miss |= ~w[i] & filter_bit(m, i);
    return miss == 0;
  }
  // may_contain() for n hashes: the positions i whose hashes[i] may be in the table go to
  // maybe[0..m), ascending, and m is returned (maybe needs room for n). Each filter line is
  // prefetched 16 hashes ahead. With AVX-512, the blocks and mixes of 8 hashes are computed at
  // once and a block is tested with one vector compare instead of eight word tests.
  std::size_t filter_batch(const std::uint64_t* hashes, std::size_t n, std::uint32_t* maybe) const;
  void prefetch_filter(std::uint64_t hash) const {
    if (filter_blocks_ != 0 && (hash >> shift_) < buckets_) prov::prefetch(filter_p_ + filter_block(hash >> check_shift_) * 8);
  }

  template <typename F>
  void find(std::uint64_t hash, F&& f) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 >= dir_n_) return;
    const std::uint32_t lo = dir_p_[b], hi = dir_p_[b + 1];
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
    if (b + 1 < dir_n_) prov::prefetch(dir_p_ + b);
  }
  // The second stage of a lookup pipeline: the bucket's entries (its directory slot should
  // have been prefetched a few lookups earlier).
  void prefetch_entries(std::uint64_t hash) const {
    const std::uint64_t b = hash >> shift_;
    if (b + 1 < dir_n_) {
      const std::uint32_t lo = dir_p_[b], hi = dir_p_[b + 1];
      const std::uint64_t want = (hash >> check_shift_) & check_mask_;
      const std::uint32_t i = lo + guess(want, hi - lo);
      prov::prefetch(bytes_p_ + std::size_t{i} * kEntry);  // where find() starts
    }
  }
  std::uint64_t size() const { return count_; }

  // The table as bytes, for the copy an index keeps so that a scan need not rebuild it
  // (Index::save_posting_table): a header of twelve u64 (layout fields, the directory's and
  // the entries' sizes, the filter's block count and key bits), the directory (u32 each), the
  // entries, zero bytes up to a multiple of 64 from the start (when `aligned`: the layout
  // map() reads in place), the filter (u32 each). Native byte order: the copy is tagged with
  // the machine it was written on and rebuilt anywhere else.
  template <typename Write>  // write(const void*, std::size_t)
  void save(Write&& write, bool aligned = false) const {
    const std::uint64_t h[12] = {shift_,      pos_bits_, check_bits_, check_shift_, pos_mask_,    check_mask_,
                                 buckets_,    count_,    dir_n_,       bytes_n_,     filter_blocks_, key_bits_};
    write(h, sizeof h);
    write(dir_p_, dir_n_ * sizeof(std::uint32_t));
    write(bytes_p_, bytes_n_);
    if (aligned) {
      static const char zeros[64] = {};
      write(zeros, padding(dir_n_, bytes_n_));
    }
    write(filter_p_, filter_blocks_ * 8 * sizeof(std::uint32_t));
  }
  // The table save() wrote (unaligned), or null if `read` ran short or the bytes are not a
  // consistent table (a damaged copy: the caller rebuilds from the postings).
  template <typename Read>  // bool read(void*, std::size_t)
  static std::unique_ptr<PostingTable> restore(Read&& read) {
    std::uint64_t h[12];
    if (!read(h, sizeof h)) return nullptr;
    auto t = std::unique_ptr<PostingTable>(new PostingTable());
    if (!t->take_header(h)) return nullptr;
    t->dir_.resize(h[8]);
    t->bytes_.resize(h[9]);
    if (!read(t->dir_.data(), t->dir_.size() * sizeof(std::uint32_t)) || !read(t->bytes_.data(), t->bytes_.size()))
      return nullptr;
    t->filter_.resize(t->filter_blocks_ * 8);
    if (!read(t->filter_.data(), t->filter_.size() * sizeof(std::uint32_t))) return nullptr;
    t->bind();
    if (!t->directory_ok()) return nullptr;
    return t;
  }
  // The table save(write, aligned = true) wrote, read in place from `size` bytes at `data`
  // (64-byte aligned: a file mapped into memory), which `keep` keeps alive; or null if the
  // bytes are not a consistent table. Nothing is copied: the table's memory is the mapping.
  static std::unique_ptr<PostingTable> map(const unsigned char* data, std::size_t size, std::shared_ptr<const void> keep);
  // Bytes of memory the table occupies (owned or mapped).
  std::uint64_t memory_bytes() const { return bytes_n_ + dir_n_ * 4 + filter_blocks_ * 32; }

  PostingTable(const PostingTable&) = delete;
  PostingTable& operator=(const PostingTable&) = delete;

 private:
  // Sizes the filter for the entries (blocks and key width); build_filter() also sets their
  // bits (finish()), restore() reads them.
  void size_filter();
  void build_filter();
  // Points the lookup fields at the owned vectors.
  void bind();
  // Sets the layout from a saved header; false if it is not a consistent one.
  bool take_header(const std::uint64_t h[12]);
  // The directory ascends from 0 to the entry count (find() trusts it).
  bool directory_ok() const;
  // Zero bytes after the entries in the aligned layout: the filter starts at a multiple of 64.
  static std::size_t padding(std::uint64_t dir_n, std::uint64_t bytes_n) {
    return static_cast<std::size_t>((64 - (96 + dir_n * 4 + bytes_n) % 64) % 64);
  }
  static constexpr std::size_t kEntry = 6;
  static constexpr std::uint64_t kMask48 = (std::uint64_t{1} << 48) - 1;
  std::uint64_t entry(std::uint32_t i) const {
    std::uint64_t x;
    std::memcpy(&x, bytes_p_ + std::size_t{i} * kEntry, 8);  // x86-64: little-endian;
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
  // What lookups read: the vectors above (bind()), or a mapped file (map()) kept by mapping_.
  const std::uint32_t* dir_p_ = nullptr;
  std::uint64_t dir_n_ = 0;
  const unsigned char* bytes_p_ = nullptr;
  std::uint64_t bytes_n_ = 0;
  const std::uint32_t* filter_p_ = nullptr;
  std::shared_ptr<const void> mapping_;
  std::uint64_t filter_blocks_ = 0;                              // 0: no filter (empty table)
  unsigned key_bits_ = 32;                                       // significant bits of a key
};

}  // namespace prov::index::detail
