// tests/fuzz/fuzz_html.cpp: libFuzzer entry for the standalone HTML/XHTML reader.
// Any bytes give a Book or an Error within the limits; a Book keeps check_book()'s invariant.
// Seeds: ebooks/epub/epubcheck/package-documents/*.xhtml and the XHTML inside the corpus EPUBs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_book_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto book = prov::ingest::read_book_bytes("fuzz.html", std::move(bytes), prov::fuzz::fuzz_limits());
  if (book.ok()) prov::fuzz::check_book(*book);
  return 0;
}
