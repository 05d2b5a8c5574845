// tests/fuzz/fuzz_posting_table.cpp: the scan's posting table read from saved bytes, both ways an
// index keeps it: mapped in place (PostingTable::map, the layout of IDX/posting-table.bin) and
// copied (PostingTable::restore, the RocksDB copy of older indexes). A sealed file's digest
// rejects damage, but a crafted index can carry any bytes with a matching seal, so the
// invariant is: a table either reader accepts answers lookups of any hash without reading
// outside its bytes (AddressSanitizer checks), and finds only positions its header allows.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "index/detail/posting_table.hpp"

namespace {

void probe(const prov::index::detail::PostingTable& t, const std::uint8_t* data, std::size_t size) {
  // Hashes from the input itself (so the fuzzer can aim them) and a few fixed ones.
  std::uint64_t hashes[12] = {0, 1, ~0ull, 0x3fffffffffffffffull, 0x123456789abcdefull};
  for (std::size_t i = 0; i < 7 && (i + 1) * 8 <= size; ++i) std::memcpy(&hashes[5 + i], data + size - (i + 1) * 8, 8);
  // The batch form of the filter test (AVX-512 where the CPU has it) keeps exactly the hashes
  // may_contain() passes.
  std::uint32_t maybe[12];
  const std::size_t m = t.filter_batch(hashes, 12, maybe);
  std::size_t k = 0;
  for (std::uint32_t i = 0; i < 12; ++i) {
    if (!t.may_contain(hashes[i])) continue;
    if (k >= m || maybe[k] != i) std::abort();
    ++k;
  }
  if (k != m) std::abort();
  for (const std::uint64_t h : hashes) {
    t.prefetch_filter(h);
    t.prefetch(h);
    t.prefetch_entries(h);
    if (!t.may_contain(h)) continue;
    t.find(h, [](std::uint32_t pos) { (void)pos; });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // map() wants 64-byte aligned bytes, as a mapped file gives it.
  auto* buf = static_cast<unsigned char*>(std::aligned_alloc(64, (size + 63) / 64 * 64 + 64));
  std::memcpy(buf, data, size);
  std::shared_ptr<const void> keep(buf, [](const void* p) { std::free(const_cast<void*>(p)); });
  if (auto t = prov::index::detail::PostingTable::map(buf, size, keep)) probe(*t, data, size);
  std::size_t at = 0;
  auto r = prov::index::detail::PostingTable::restore([&](void* dst, std::size_t n) {
    if (size - at < n) return false;
    std::memcpy(dst, data + at, n);
    at += n;
    return true;
  });
  if (r) probe(*r, data, size);
  return 0;
}
