// index/posting_table.cpp: building the in-memory posting table (layout in the header).
#include <algorithm>
#include <bit>

#include "index/detail/posting_table.hpp"

namespace prov::index::detail {

PostingTable::PostingTable(std::uint64_t threshold, std::uint64_t expected) {
  // Significant bits of a sampled hash, and ~32 postings per bucket.
  const unsigned top = threshold == ~0ull ? 64u : static_cast<unsigned>(std::bit_width(threshold));
  unsigned bits = 1;
  while (bits < 30 && (std::uint64_t{1} << bits) * 32 < expected) ++bits;
  bits = std::min(bits, top > 32 ? top - 32 : 1u);
  shift_ = top - bits;
  buckets_ = std::uint64_t{1} << bits;
  dir_.reserve(buckets_ + 1);
  entries_.reserve(expected);
  dir_.push_back(0);
}

void PostingTable::add(std::uint64_t hash, std::uint32_t global_pos) {
  const std::uint64_t b = hash >> shift_;
  while (next_bucket_ < b) {  // close every bucket before this one
    dir_.push_back(static_cast<std::uint32_t>(entries_.size()));
    ++next_bucket_;
  }
  entries_.push_back((static_cast<std::uint64_t>(static_cast<std::uint32_t>(hash)) << 32) | global_pos);
}

void PostingTable::finish() {
  while (dir_.size() < buckets_ + 1) dir_.push_back(static_cast<std::uint32_t>(entries_.size()));
  // dir_[b] is where bucket b starts; dir_.back() is the end of the last bucket.
  entries_.shrink_to_fit();
}

}  // namespace prov::index::detail
