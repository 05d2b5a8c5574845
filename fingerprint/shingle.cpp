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

std::uint64_t hash_window(const std::vector<Token>& tokens, std::size_t i, std::uint32_t k,
                          std::uint64_t* buf) {
  for (std::uint32_t j = 0; j < k; ++j) buf[j] = tokens[i + j].hash;  // x86-64: little-endian
  return XXH3_64bits(buf, sizeof(std::uint64_t) * k);
}

}  // namespace

std::string Params::describe() const {
  return "k=" + std::to_string(k) + " sample_rate=" + std::to_string(sample_rate) +
         " version=" + std::to_string(version);
}

std::vector<std::uint64_t> shingle_hashes(const std::vector<Token>& tokens, std::uint32_t k) {
  std::vector<std::uint64_t> out;
  if (k == 0 || tokens.size() < k) return out;
  out.resize(tokens.size() - k + 1);
  std::vector<std::uint64_t> buf(k);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = hash_window(tokens, i, k, buf.data());
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
