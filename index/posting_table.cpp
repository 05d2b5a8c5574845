// index/posting_table.cpp: building the in-memory posting table (layout in the header).
#include <algorithm>
#include <bit>
#include <cstring>

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

}  // namespace prov::index::detail
