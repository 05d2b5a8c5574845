// index/posting_table.cpp: building the in-memory posting table (layout in the header).
#include <algorithm>
#include <bit>

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
  bytes_.reserve(expected * kEntry + 2);
  dir_.push_back(0);
}

void PostingTable::add(std::uint64_t hash, std::uint32_t global_pos) {
  const std::uint64_t b = hash >> shift_;
  while (next_bucket_ < b) {  // close every bucket before this one
    dir_.push_back(static_cast<std::uint32_t>(count_));
    ++next_bucket_;
  }
  const std::uint64_t x = (((hash >> check_shift_) & check_mask_) << pos_bits_) | (global_pos & pos_mask_);
  unsigned char e[8];
  for (std::size_t i = 0; i < kEntry; ++i) e[i] = static_cast<unsigned char>(x >> (8 * i));
  bytes_.insert(bytes_.end(), e, e + kEntry);
  ++count_;
}

void PostingTable::finish() {
  while (dir_.size() < buckets_ + 1) dir_.push_back(static_cast<std::uint32_t>(count_));
  // dir_[b] is where bucket b starts; dir_.back() is the end of the last bucket.
  bytes_.push_back(0);  // padding: find() reads 8 bytes at the last entry
  bytes_.push_back(0);
  bytes_.shrink_to_fit();
}

}  // namespace prov::index::detail
