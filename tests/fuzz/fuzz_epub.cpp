// tests/fuzz/fuzz_epub.cpp: libFuzzer entry for the EPUB reader (zip, OPF, XHTML).
// Any bytes give a Book or an Error, within the default limits; a Book must hold valid UTF-8
// without CR, and its offset map must be sorted, non-overlapping and inside the text.
// Seeds: the EPUBs under ../shared/corpus/ebooks/epub and fixtures/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  prov::ingest::BookLimits limits;
  limits.max_bytes = 64u << 20;  // keep one run's memory well under libFuzzer's rss limit
  auto book = prov::ingest::read_book_bytes("fuzz.epub", bytes, limits);
  if (!book.ok()) return 0;
  if (!prov::is_valid_utf8(book->text)) __builtin_trap();
  if (book->text.find('\r') != std::string::npos) __builtin_trap();
  std::uint64_t prev_end = 0;
  for (const auto& span : book->offsets) {
    if (span.text_start < prev_end || span.text_end < span.text_start) __builtin_trap();
    if (span.text_end > book->text.size()) __builtin_trap();
    if (!prov::is_valid_utf8(span.source)) __builtin_trap();
    prev_end = span.text_end;
  }
  if (!book->text.empty() && prev_end != book->text.size()) __builtin_trap();
  return 0;
}
