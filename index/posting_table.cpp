// index/posting_table.cpp: building the in-memory posting table (layout in the header).
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <vector>

#include "index/detail/posting_table.hpp"

namespace prov::index::detail {

PostingTable::PostingTable(std::uint64_t threshold, std::uint64_t expected, std::uint64_t positions) {
  // Significant bits of a sampled hash, and ~32 postings per bucket.
  const unsigned top = threshold == ~0ull ? 64u : static_cast<unsigned>(std::bit_width(threshold));
  unsigned bits = 1;
  while (bits < 30 && (std::uint64_t{1} << bits) * 32 < expected) ++bits;
  bits = std::min(bits, top > 32 ? top - 32 : 1u);
  shift_ = top - bits;
  buckets_ = std::uint64_t{1} << bits;
  pos_bits_ = std::clamp(static_cast<unsigned>(std::bit_width(positions > 0 ? positions - 1 : 0)), 1u, 32u);
  pos_mask_ = (std::uint64_t{1} << pos_bits_) - 1;
  check_bits_ = std::min(48 - pos_bits_, shift_);
  check_shift_ = shift_ - check_bits_;
  check_mask_ = (std::uint64_t{1} << check_bits_) - 1;
  dir_.reserve(buckets_ + 1);
  bytes_.resize(expected * kEntry + 8);
  dir_.push_back(0);
}

void PostingTable::add(std::uint64_t hash, std::uint32_t global_pos) {
  const std::uint64_t b = hash >> shift_;
  while (next_bucket_ < b) {  // close every bucket before this one
    dir_.push_back(static_cast<std::uint32_t>(count_));
    ++next_bucket_;
  }
  const std::uint64_t x = (((hash >> check_shift_) & check_mask_) << pos_bits_) | (global_pos & pos_mask_);
  const std::size_t at = static_cast<std::size_t>(count_) * kEntry;
  if (at + 8 > bytes_.size()) bytes_.resize(std::max(bytes_.size() * 2, at + 8));
  std::memcpy(bytes_.data() + at, &x, 8);  // x86-64: little-endian; the 2 high bytes are 0 and
  ++count_;                                 // the next entry overwrites them
}

void PostingTable::finish() {
  while (dir_.size() < buckets_ + 1) dir_.push_back(static_cast<std::uint32_t>(count_));
  // dir_[b] is where bucket b starts; dir_.back() is the end of the last bucket.
  bytes_.resize(static_cast<std::size_t>(count_) * kEntry + 2);  // padding: find() reads 8 bytes
  std::memset(bytes_.data() + bytes_.size() - 2, 0, 2);            // at the last entry (and
  // save() writes it, so it is never left uninitialised). Shrink only when it saves much: it
  // copies the whole table.
  if (bytes_.capacity() - bytes_.size() > (std::size_t{1} << 20) + bytes_.size() / 16) bytes_.shrink_to_fit();
  bind();  // build_filter() reads the entries through the lookup fields
  build_filter();
  bind();
}

void PostingTable::bind() {
  dir_p_ = dir_.data();
  dir_n_ = dir_.size();
  bytes_p_ = bytes_.data();
  bytes_n_ = bytes_.size();
  filter_p_ = filter_.data();
}

bool PostingTable::take_header(const std::uint64_t h[12]) {
  if (h[0] > 63 || h[1] < 1 || h[1] > 32 || h[2] > 48 || h[3] > 63 || h[6] > (std::uint64_t{1} << 30) ||
      h[8] != h[6] + 1 || h[9] != h[7] * kEntry + 2 || h[7] >= (std::uint64_t{1} << 32))
    return false;
  shift_ = static_cast<unsigned>(h[0]);
  pos_bits_ = static_cast<unsigned>(h[1]);
  check_bits_ = static_cast<unsigned>(h[2]);
  check_shift_ = static_cast<unsigned>(h[3]);
  pos_mask_ = h[4];
  check_mask_ = h[5];
  buckets_ = h[6];
  next_bucket_ = h[6];
  count_ = h[7];
  if (pos_mask_ != (std::uint64_t{1} << pos_bits_) - 1 || check_mask_ != (std::uint64_t{1} << check_bits_) - 1)
    return false;
  // The relations the constructor gives, on which lookups' bounds rest: 2^bits buckets of the
  // hash bits from shift_ up, the check bits right below them, check and position in 48 bits
  // (so a hash whose bucket exists has a key of at most key_bits_ bits, and its filter block
  // is below filter_blocks_). Found by fuzz_posting_table: a header without them read the
  // filter out of bounds.
  if (!std::has_single_bit(buckets_) || check_shift_ + check_bits_ != shift_ || pos_bits_ + check_bits_ > 48 ||
      shift_ + static_cast<unsigned>(std::bit_width(buckets_)) - 1 > 64)
    return false;
  // The filter: the size and key width build_filter() gives these entries, or a rebuild.
  size_filter();
  return h[10] == filter_blocks_ && h[11] == key_bits_;
}

bool PostingTable::directory_ok() const {
  if (dir_n_ == 0 || dir_p_[0] != 0 || dir_p_[dir_n_ - 1] != count_) return false;
  for (std::size_t i = 1; i < dir_n_; ++i)
    if (dir_p_[i] < dir_p_[i - 1]) return false;
  return true;
}

std::unique_ptr<PostingTable> PostingTable::map(const unsigned char* data, std::size_t size,
                                                std::shared_ptr<const void> keep) {
  std::uint64_t h[12];
  if (size < sizeof h || reinterpret_cast<std::uintptr_t>(data) % 64 != 0) return nullptr;
  std::memcpy(h, data, sizeof h);
  auto t = std::unique_ptr<PostingTable>(new PostingTable());
  if (!t->take_header(h)) return nullptr;
  const std::uint64_t dir_at = sizeof h, bytes_at = dir_at + h[8] * 4;
  const std::uint64_t filter_at = bytes_at + h[9] + padding(h[8], h[9]);
  if (filter_at % 64 != 0 || size != filter_at + t->filter_blocks_ * 32) return nullptr;
  t->dir_p_ = reinterpret_cast<const std::uint32_t*>(data + dir_at);
  t->dir_n_ = h[8];
  t->bytes_p_ = data + bytes_at;
  t->bytes_n_ = h[9];
  // The filter is copied into huge pages: every lookup reads it, at random, and through the
  // mapping's 4 KiB pages that cost lookup_bench 16-20 % (53 -> 45 M lookups/s). The
  // directory and entries, read by the ~3 % of lookups that pass it, stay mapped.
  t->filter_.resize(t->filter_blocks_ * 8);
  std::memcpy(t->filter_.data(), data + filter_at, t->filter_blocks_ * 32);
  t->filter_p_ = t->filter_.data();
  t->mapping_ = std::move(keep);
  if (!t->directory_ok()) return nullptr;
  return t;
}

void PostingTable::size_filter() {
  filter_blocks_ = (count_ * 8 + 255) / 256;  // 8 bits a posting, 256 bits a block; 0 if empty
  key_bits_ = std::max(1u, static_cast<unsigned>(std::bit_width(buckets_)) - 1 + check_bits_);  // <= 64
}

void PostingTable::build_filter() {
  size_filter();
  filter_.assign(filter_blocks_ * 8, 0);
  // The entries in bucket order give back each posting's key (bucket and check bits: the
  // hash's bits from check_shift_ up), which is all the filter reads.
  for (std::uint64_t b = 0; b + 1 < dir_.size(); ++b) {
    for (std::uint32_t i = dir_[b]; i < dir_[b + 1]; ++i) {
      const std::uint64_t key = (b << check_bits_) | check(i);
      std::uint32_t* w = filter_.data() + filter_block(key) * 8;
      const std::uint64_t m = filter_mix(key);
      for (unsigned j = 0; j < 8; ++j) w[j] |= filter_bit(m, j);
    }
  }
}

namespace {

std::atomic<bool> g_portable_filter{false};

#if defined(__x86_64__) && defined(__GNUC__)
#define PROV_HAVE_AVX512_FILTER 1
bool have_avx512_filter() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2");
  return yes;
}

// filter_batch_avx512's most hashes a call: a large record's batch is split (its scratch would
// otherwise keep 16 bytes a hash of the largest record per thread).
constexpr std::size_t kFilterChunk = 4096;

// The filter's fields, as filter_batch_avx512 needs them.
struct FilterFields {
  const std::uint32_t* p;
  std::uint64_t blocks, buckets;
  unsigned shift, check_shift, key_bits;
  const PostingTable* table;  // for its directory prefetch
};

// PostingTable::filter_batch with AVX-512: first each group of 8 hashes' filter blocks and
// mixes, side by side (filter_block: the key's top 32 bits times the block count, >> 32;
// filter_mix: one 64-bit multiply); then per hash one 32-byte load and one test of its eight
// bits (filter_bit: bits 24 + 5i of the mix, i < 8, each picking a bit of word i), against
// ~30 scalar instructions. The results are may_contain()'s (a test compares them).
__attribute__((target("avx512f,avx512dq,avx512vl,avx2"))) std::size_t filter_batch_avx512(
    const FilterFields& f, const std::uint64_t* hashes, std::size_t n, std::uint32_t* maybe) {
  // n <= kFilterChunk (the caller splits larger batches), so the scratch stays 64 KB a thread.
  thread_local std::vector<std::uint64_t> blk(kFilterChunk + 8), mix(kFilterChunk + 8);  // kNone: not sampled
  constexpr std::uint64_t kNone = ~std::uint64_t{0};
  const __m512i buckets = _mm512_set1_epi64(static_cast<long long>(f.buckets));
  const __m512i blocks = _mm512_set1_epi64(static_cast<long long>(f.blocks));
  const __m512i golden = _mm512_set1_epi64(static_cast<long long>(0x9E3779B97F4A7C15ull));
  const __m512i none = _mm512_set1_epi64(-1);
  const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(f.shift));
  const __m128i check_shift = _mm_cvtsi32_si128(static_cast<int>(f.check_shift));
  const bool down = f.key_bits > 32;
  const __m128i top = _mm_cvtsi32_si128(static_cast<int>(down ? f.key_bits - 32 : 32 - f.key_bits));
  for (std::size_t i = 0; i < n; i += 8) {
    const __mmask8 in = n - i >= 8 ? 0xFF : static_cast<__mmask8>((1u << (n - i)) - 1);
    const __m512i h = _mm512_maskz_loadu_epi64(in, hashes + i);
    const __mmask8 sampled = _mm512_mask_cmplt_epu64_mask(in, _mm512_srl_epi64(h, shift), buckets);
    const __m512i k = _mm512_srl_epi64(h, check_shift);
    const __m512i top32 = down ? _mm512_srl_epi64(k, top) : _mm512_sll_epi64(k, top);
    const __m512i b = _mm512_srli_epi64(_mm512_mul_epu32(top32, blocks), 32);  // top32 < 2^32, blocks < 2^32
    const __m512i m = _mm512_mullo_epi64(_mm512_xor_si512(k, _mm512_srli_epi64(k, 31)), golden);
    _mm512_storeu_si512(blk.data() + i, _mm512_mask_blend_epi64(sampled, none, b));
    _mm512_storeu_si512(mix.data() + i, m);
  }
  const __m512i bit_shifts = _mm512_setr_epi64(24, 29, 34, 39, 44, 49, 54, 59);
  const __m256i ones = _mm256_set1_epi32(1), low5 = _mm256_set1_epi32(31);
  for (std::size_t i = 0; i < n && i < 16; ++i)
    if (blk[i] != kNone) prov::prefetch(f.p + blk[i] * 8);
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 16 < n && blk[i + 16] != kNone) prov::prefetch(f.p + blk[i + 16] * 8);
    if (blk[i] == kNone) continue;
    const __m256i counts = _mm256_and_si256(
        _mm512_cvtepi64_epi32(_mm512_srlv_epi64(_mm512_set1_epi64(static_cast<long long>(mix[i])), bit_shifts)), low5);
    const __m256i bits = _mm256_sllv_epi32(ones, counts);
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(f.p + blk[i] * 8));
    if (_mm256_testc_si256(block, bits)) {  // (~block & bits) == 0: rare, so predicted
      // The table's directory slot now, so that its miss overlaps the rest of the batch's
      // filter tests instead of waiting in front of the bucket's (Index::lookup).
      f.table->prefetch(hashes[i]);
      maybe[m++] = static_cast<std::uint32_t>(i);
    }
  }
  return m;
}
#endif

}  // namespace

void use_portable_filter(bool on) { g_portable_filter.store(on, std::memory_order_relaxed); }

std::size_t PostingTable::filter_batch(const std::uint64_t* hashes, std::size_t n, std::uint32_t* maybe) const {
  if (filter_blocks_ == 0) {  // no filter: every hash goes on to the table
    for (std::size_t i = 0; i < n; ++i) maybe[i] = static_cast<std::uint32_t>(i);
    return n;
  }
#ifdef PROV_HAVE_AVX512_FILTER
  if (have_avx512_filter() && !g_portable_filter.load(std::memory_order_relaxed)) {
    const FilterFields f{filter_p_, filter_blocks_, buckets_, shift_, check_shift_, key_bits_, this};
    std::size_t m = 0;
    for (std::size_t at = 0; at < n; at += kFilterChunk) {
      const std::size_t got = filter_batch_avx512(f, hashes + at, std::min(kFilterChunk, n - at), maybe + m);
      for (std::size_t c = m; c < m + got; ++c) maybe[c] += static_cast<std::uint32_t>(at);
      m += got;
    }
    return m;
  }
#endif
  for (std::size_t i = 0; i < n && i < 16; ++i) prefetch_filter(hashes[i]);  // a batch starts with 16 in flight
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 16 < n) prefetch_filter(hashes[i + 16]);
    if (may_contain(hashes[i])) {
      prefetch(hashes[i]);  // its directory slot, as the vector path does
      maybe[m++] = static_cast<std::uint32_t>(i);
    }
  }
  return m;
}

}  // namespace prov::index::detail
