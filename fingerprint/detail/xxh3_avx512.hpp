// fingerprint/detail/xxh3_avx512.hpp: a piece of XXH3 for 8 lanes at a time with AVX-512,
// shared by the shingle hashes (shingle.cpp) and the word hashes (tokenize.cpp).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

namespace prov::fingerprint::detail {

#if !defined(__clang__)
#pragma GCC diagnostic push
// GCC 12's AVX-512 shift and multiply intrinsics start from an undefined vector they then
// overwrite, and warn about it (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// XXH3_mul128_fold64 in every lane: the 64x64 -> 128-bit product of a and b, its low and high
// halves xor'ed. AVX-512 has no such product, so it is put together from four 32x32 -> 64-bit
// ones. Callers' tests compare their results with XXH3_64bits.
__attribute__((target("avx512f,avx512dq"), always_inline)) inline __m512i fold_product(__m512i a, __m512i b) {
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i a_hi = _mm512_srli_epi64(a, 32), b_hi = _mm512_srli_epi64(b, 32);
  const __m512i ll = _mm512_mul_epu32(a, b), lh = _mm512_mul_epu32(a, b_hi);
  const __m512i hl = _mm512_mul_epu32(a_hi, b), hh = _mm512_mul_epu32(a_hi, b_hi);
  const __m512i mid = _mm512_add_epi64(_mm512_add_epi64(lh, _mm512_srli_epi64(ll, 32)), _mm512_and_si512(hl, low32));
  const __m512i hi = _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(hl, 32)), _mm512_srli_epi64(mid, 32));
  const __m512i lo = _mm512_or_si512(_mm512_slli_epi64(mid, 32), _mm512_and_si512(ll, low32));
  return _mm512_xor_si512(lo, hi);
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace prov::fingerprint::detail
#endif
