// tests/fuzz/fuzz_book_check.hpp: the invariant every fuzz target checks on a Book it gets:
// valid UTF-8 without CR, offset spans sorted, non-overlapping, inside the text and covering
// it, span sources valid UTF-8. A violation traps, so libFuzzer keeps the input.
#pragma once

#include <string>

#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

namespace prov::fuzz {

inline void check_book(const ingest::Book& book) {
  if (!is_valid_utf8(book.text)) __builtin_trap();
  if (book.text.find('\r') != std::string::npos) __builtin_trap();
  std::uint64_t prev_end = 0;
  for (const auto& span : book.offsets) {
    if (span.text_start < prev_end || span.text_end < span.text_start) __builtin_trap();
    if (span.text_end > book.text.size()) __builtin_trap();
    if (!is_valid_utf8(span.source)) __builtin_trap();
    prev_end = span.text_end;
  }
  if (!book.text.empty() && prev_end != book.text.size()) __builtin_trap();
  for (const auto& isbn : book.isbns)
    if (isbn.size() != 13) __builtin_trap();
}

// Limits that keep one run well under libFuzzer's RSS limit. No process isolation: the
// fuzzer must see a reader's crash, not a reported error.
inline ingest::BookLimits fuzz_limits() {
  ingest::BookLimits limits;
  limits.max_bytes = 64u << 20;
  limits.max_archive_bytes = 128u << 20;
  limits.isolation = ingest::Isolation::kNone;
  return limits;
}

}  // namespace prov::fuzz
