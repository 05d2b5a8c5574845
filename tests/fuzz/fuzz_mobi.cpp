// tests/fuzz/fuzz_mobi.cpp: libFuzzer entry for the MOBI/AZW3 reader (libmobi).
// Any bytes give a Book or an Error within the limits; a Book keeps check_book()'s invariant.
// Seeds: ../shared/corpus/ebooks/mobi.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_book_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto book = prov::ingest::read_book_bytes("fuzz.mobi", std::move(bytes), prov::fuzz::fuzz_limits());
  if (book.ok()) prov::fuzz::check_book(*book);
  return 0;
}
