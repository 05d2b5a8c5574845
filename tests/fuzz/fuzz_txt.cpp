// tests/fuzz/fuzz_txt.cpp: libFuzzer entry for the plain-text book reader.
// Any bytes give a Book or an Error; a Book must hold valid UTF-8 without CR or BOM, and its
// offset map must be sorted, non-overlapping, inside the text and cover all of it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

namespace {

void check(const prov::ingest::Book& book, std::size_t input_size) {
  if (!prov::is_valid_utf8(book.text)) __builtin_trap();
  if (book.text.find('\r') != std::string::npos) __builtin_trap();
  if (book.text.rfind("\xEF\xBB\xBF", 0) == 0) __builtin_trap();
  std::uint64_t end = 0;
  for (const auto& span : book.offsets) {
    if (span.text_start != end || span.text_end < span.text_start) __builtin_trap();
    if (span.text_end > book.text.size()) __builtin_trap();
    if (span.source_offset >= input_size) __builtin_trap();  // a line starts inside the file
    end = span.text_end;
  }
  if (end != book.text.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto book = prov::ingest::read_book_bytes("fuzz.txt", bytes);
  if (book.ok()) check(*book, size);
  return 0;
}
