// fingerprint/shingle.cpp: k-word shingle hashes and their content-defined sample.
//
// shingle_hash(i) = xxh3_64 of the 8*k bytes formed by the little-endian token hashes
// tokens[i..i+k). A shingle is kept when its hash is below 2^64 / sample_rate: the decision
// depends on those k words alone, so the same passage yields the same samples in any context.
// xxHash's header-only build: the same functions, inlined into the per-shingle loop (a call
// into libxxhash cost about as much as the hashing of these short inputs).
#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cstddef>
#include <cstring>

#include "fingerprint/detail/fast_words.hpp"
#include "fingerprint/detail/xxh3_avx512.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::fingerprint {
namespace {

// The token hashes side by side (x86-64: little-endian, as the format wants), so each
// shingle's bytes are hashed in place instead of being copied out k hashes at a time.
template <std::uint32_t K>
void hash_all(const std::uint64_t* h, std::uint64_t* out, std::size_t n, std::uint32_t k) {
  const std::size_t bytes = sizeof(std::uint64_t) * (K ? K : k);  // a constant when K > 0
  for (std::size_t i = 0; i < n; ++i) out[i] = XXH3_64bits(h + i, bytes);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PROV_HAVE_AVX512_SHINGLES 1
#if !defined(__clang__)
#pragma GCC diagnostic push
// GCC 12's AVX-512 shift and multiply intrinsics start from an undefined vector they then
// overwrite, and warn about it (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// XXH3_64bits of 40 bytes (k = 5 token hashes) for 8 shingles at a time. XXH3 hashes 17-128
// bytes as the sum of mix16B over 16-byte pieces, each the 64x64 -> 128-bit product of two
// words xor'ed with the secret, folded (low ^ high), then avalanched. For 40 bytes the pieces
// are tokens (0,1), (3,4), (2,3) and (1,2) with secret words (0,1), (2,3), (4,5) and (6,7)
// (xxhash.h, XXH3_len_17to128_64b, seed 0); the folded products are detail::fold_product.
// A test compares every result with XXH3_64bits.
__attribute__((target("avx512f,avx512dq"))) std::size_t hash5_avx512(const std::uint64_t* h, std::uint64_t* out,
                                                                      std::size_t n) {
  __m512i s[8];
  for (int j = 0; j < 8; ++j) s[j] = _mm512_set1_epi64(static_cast<long long>(XXH_readLE64(XXH3_kSecret + 8 * j)));
  const __m512i start = _mm512_set1_epi64(static_cast<long long>(40 * XXH_PRIME64_1));
  const __m512i mul = _mm512_set1_epi64(static_cast<long long>(0x165667919E3779F9ULL));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i t0 = _mm512_loadu_si512(h + i), t1 = _mm512_loadu_si512(h + i + 1), t2 = _mm512_loadu_si512(h + i + 2);
    const __m512i t3 = _mm512_loadu_si512(h + i + 3), t4 = _mm512_loadu_si512(h + i + 4);
    __m512i acc = _mm512_add_epi64(start, detail::fold_product(_mm512_xor_si512(t0, s[0]), _mm512_xor_si512(t1, s[1])));
    acc = _mm512_add_epi64(acc, detail::fold_product(_mm512_xor_si512(t3, s[2]), _mm512_xor_si512(t4, s[3])));
    acc = _mm512_add_epi64(acc, detail::fold_product(_mm512_xor_si512(t2, s[4]), _mm512_xor_si512(t3, s[5])));
    acc = _mm512_add_epi64(acc, detail::fold_product(_mm512_xor_si512(t1, s[6]), _mm512_xor_si512(t2, s[7])));
    acc = _mm512_xor_si512(acc, _mm512_srli_epi64(acc, 37));  // XXH3_avalanche
    acc = _mm512_mullo_epi64(acc, mul);
    acc = _mm512_xor_si512(acc, _mm512_srli_epi64(acc, 32));
    _mm512_storeu_si512(out + i, acc);
  }
  return i;  // shingles done; the caller hashes the rest
}

// token_hashes() 8 at a time: a Token is 16 bytes (start, end, hash), so two 64-byte loads
// hold 8 tokens and one two-source permute picks their hashes.
__attribute__((target("avx512f"))) std::size_t token_hashes_avx512(const Token* t, std::uint64_t* out, std::size_t n) {
  static_assert(sizeof(Token) == 16 && offsetof(Token, hash) == 8, "Token layout");
  const __m512i odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i a = _mm512_loadu_si512(t + i), b = _mm512_loadu_si512(t + i + 4);
    _mm512_storeu_si512(out + i, _mm512_permutex2var_epi64(a, odd, b));
  }
  return i;
}

// sampled() 8 at a time: one unsigned compare gives the mask of sampled shingles, and
// compress packs their hashes and positions to the front of a register stored whole (the
// arrays have room for 8 more): a scalar loop, branch-free, cost ~1 ns a shingle, 1.7 % of a
// scan of real English.
__attribute__((target("avx512f,avx512vl"))) std::size_t sampled_avx512(const std::uint64_t* h, std::size_t n,
                                                                        std::uint64_t threshold, std::uint32_t* pos,
                                                                        std::uint64_t* keys, std::size_t& done) {
  const __m512i limit = _mm512_set1_epi64(static_cast<long long>(threshold));
  __m256i at = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i eight = _mm256_set1_epi32(8);
  std::size_t m = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i v = _mm512_loadu_si512(h + i);
    const __mmask8 keep = _mm512_cmplt_epu64_mask(v, limit);
    _mm512_storeu_si512(keys + m, _mm512_maskz_compress_epi64(keep, v));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(pos + m), _mm256_maskz_compress_epi32(keep, at));
    m += static_cast<std::size_t>(__builtin_popcount(keep));
    at = _mm256_add_epi32(at, eight);
  }
  done = i;
  return m;
}

bool have_avx512_sampled() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return yes;
}

bool have_avx512_shingles() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return yes;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

}  // namespace

std::string Params::describe() const {
  return "k=" + std::to_string(k) + " sample_rate=" + std::to_string(sample_rate) +
         " version=" + std::to_string(version);
}

void shingle_hashes(const std::vector<std::uint64_t>& token_hashes, std::uint32_t k, std::vector<std::uint64_t>& out) {
  if (k == 0 || token_hashes.size() < k) {
    out.clear();
    return;
  }
  out.resize(token_hashes.size() - k + 1);  // every element is written below: resize without
                                            // clear() zero-fills only growth, not kept memory
  if (k == 5) {  // the default: XXH3's 40-byte path, 8 at a time where the CPU can
    std::size_t done = 0;
#ifdef PROV_HAVE_AVX512_SHINGLES
    if (have_avx512_shingles() && !detail::baseline_code()) done = hash5_avx512(token_hashes.data(), out.data(), out.size());
#endif
    hash_all<5>(token_hashes.data() + done, out.data() + done, out.size() - done, k);
  } else {
    hash_all<0>(token_hashes.data(), out.data(), out.size(), k);
  }
}

std::vector<std::uint64_t> shingle_hashes(const std::vector<std::uint64_t>& token_hashes, std::uint32_t k) {
  std::vector<std::uint64_t> out;
  shingle_hashes(token_hashes, k, out);
  return out;
}

std::vector<std::uint64_t> shingle_hashes(const std::vector<Token>& tokens, std::uint32_t k) {
  if (k == 0 || tokens.size() < k) return {};
  thread_local std::vector<std::uint64_t> h;
  h.resize(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) h[i] = tokens[i].hash;
  auto out = shingle_hashes(h, k);
  if (h.capacity() > (std::size_t{16} << 20)) std::vector<std::uint64_t>().swap(h);  // not a book per thread
  return out;
}

void token_hashes(const std::vector<Token>& tokens, std::vector<std::uint64_t>& out) {
  const std::size_t n = tokens.size();
  out.resize(n);
  std::size_t i = 0;
#ifdef PROV_HAVE_AVX512_SHINGLES
  if (have_avx512_shingles() && !detail::baseline_code()) i = token_hashes_avx512(tokens.data(), out.data(), n);
#endif
  for (; i < n; ++i) out[i] = tokens[i].hash;
}

std::size_t sampled(const std::uint64_t* sh, std::size_t n, const Params& params, std::uint32_t* pos,
                    std::uint64_t* key) {
  const std::uint64_t threshold = params.threshold();
  std::size_t m = 0, i = 0;
#ifdef PROV_HAVE_AVX512_SHINGLES
  if (have_avx512_sampled() && !detail::baseline_code()) m = sampled_avx512(sh, n, threshold, pos, key, i);
#endif
  // Branch-free: a shingle is sampled at random (1 in 4), so a branch on it mispredicts often.
  for (; i < n; ++i) {
    pos[m] = static_cast<std::uint32_t>(i);
    key[m] = sh[i];
    m += sh[i] < threshold;
  }
  return m;
}

std::vector<Sample> sample(const std::vector<std::uint64_t>& shingle_hashes, const Params& params) {
  std::vector<Sample> out;
  out.reserve(shingle_hashes.size() / std::max<std::uint32_t>(1, params.sample_rate) + 8);
  const std::uint64_t threshold = params.threshold();
  for (std::size_t i = 0; i < shingle_hashes.size(); ++i)
    if (shingle_hashes[i] < threshold) out.push_back(Sample{shingle_hashes[i], static_cast<std::uint32_t>(i)});
  return out;
}

std::vector<Sample> sample(const std::vector<Token>& tokens, const Params& params) {
  return sample(shingle_hashes(tokens, params.k), params);
}

}  // namespace prov::fingerprint
