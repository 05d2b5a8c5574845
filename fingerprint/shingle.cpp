// fingerprint/shingle.cpp: k-word shingle hashes and their content-defined sample.
//
// shingle_hash(i) = xxh3_64 of the 8*k bytes formed by the little-endian token hashes
// tokens[i..i+k). A shingle is kept when its hash is below 2^64 / sample_rate: the decision
// depends on those k words alone, so the same passage yields the same samples in any context.
// xxHash's header-only build: the same functions, inlined into the per-shingle loop (a call
// into libxxhash cost about as much as the hashing of these short inputs).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>

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
  if (k == 5) {
    hash_all<5>(token_hashes.data(), out.data(), out.size(), k);  // the default: XXH3's 40-byte path inlined
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
