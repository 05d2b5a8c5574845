// common/huge_alloc.hpp: an allocator for large in-memory tables (the scan's posting table,
// ingest's pending postings and their sort scratch) and for buffers that resize() should not
// zero (decompressed shard bytes).
//
// Loading the posting table touched 150 MB of fresh memory a 4 KiB page at a time: 37,000 page
// faults, 4 % of a one-shard scan on this project's virtual machines. Blocks of 4 MiB or more
// are aligned to 2 MiB and marked MADV_HUGEPAGE, so the kernel backs them with transparent huge
// pages where it can (75 faults), and elements are default-initialised (a resize does not write
// zeroes that the next step overwrites anyway). Smaller blocks are plain operator new.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

namespace prov {

template <typename T>
struct HugeAlloc {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;
  static constexpr std::size_t kMin = std::size_t{4} << 20;

  HugeAlloc() = default;
  template <typename U>
  HugeAlloc(const HugeAlloc<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kMin) return static_cast<T*>(::operator new(bytes));
    void* p = nullptr;
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    if (posix_memalign(&p, kHuge, rounded) != 0) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP the pages are small
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kMin) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }
  // Default-initialise (no zeroing of trivially constructible elements).
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  friend bool operator==(const HugeAlloc&, const HugeAlloc&) { return true; }
};

}  // namespace prov
