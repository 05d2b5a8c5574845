// tests/fuzz/fuzz_archive.cpp: libFuzzer entry for read_books() on archives (libarchive: zip,
// tar with any compression, 7z, rar; nested). Any bytes give books and errors within the
// limits; every Book keeps check_book()'s invariant and its path is "fuzz.tar!member", and no
// member name that escapes the archive is ever used.
// Seeds: archives packed from fixtures/ (zip, tar.gz, 7z) and the corpus EPUBs (zips).
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_book_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto limits = prov::fuzz::fuzz_limits();
  limits.max_entries = 1000;
  (void)prov::ingest::read_books("fuzz.tar", std::move(bytes), limits,
                                 [](prov::Result<prov::ingest::Book> r) {
                                   if (!r) return;
                                   prov::fuzz::check_book(*r);
                                   const std::string& p = r->path;
                                   if (p == "fuzz.tar") return;  // not an archive: one book
                                   if (p.rfind("fuzz.tar!", 0) != 0) __builtin_trap();
                                   if (p.find("!/") != std::string::npos ||
                                       p.find("!../") != std::string::npos ||
                                       p.find("/../") != std::string::npos)
                                     __builtin_trap();
                                 });
  return 0;
}
