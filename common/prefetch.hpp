// common/prefetch.hpp: a software prefetch the compiler cannot drop.
//
// GCC 12 deletes __builtin_prefetch as dead code when its address comes from loads under a
// bounds check (PostingTable::prefetch_entries compiled to nothing at -O1 and above: the
// second stage of its lookup pipeline never ran). An asm volatile statement is never removed.
#pragma once

namespace prov {

inline void prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));  // never faults
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace prov
