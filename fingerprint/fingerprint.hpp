// fingerprint/fingerprint.hpp: text in, word tokens, shingle hashes and samples out.
//
// The same passage must give the same fingerprints wherever it occurs: in an EPUB chapter or
// a scraped JSONL line, re-cased, re-punctuated or re-wrapped. So:
//  - words come from ICU word segmentation (UAX #29, any script; ideographs are one token
//    each), run directly over the UTF-8 text, and each token keeps its byte range there;
//  - each word is normalised with NFKC_Casefold (case, width, ligatures, soft hyphens and other
//    default-ignorables), and characters that are not letters, marks or digits are dropped from
//    it (so "don't" and "don’t" agree); punctuation and whitespace tokens are skipped entirely;
//  - a token's hash is xxh3-64 of its normalised UTF-8; a k-shingle's hash is xxh3-64 over the
//    k token hashes (little-endian u64 each);
//  - a shingle is sampled when its hash is below 2^64 / sample_rate (FracMinHash-style), a
//    decision that depends only on the k words themselves, never on their context.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace prov::fingerprint {

// Everything that changes fingerprints. Stored in the index; a scan must use the same.
struct Params {
  std::uint32_t k = 5;             // words per shingle
  std::uint32_t sample_rate = 4;   // keep ~1 in sample_rate shingles (threshold 2^64/rate)
  std::uint32_t version = 1;       // normalisation + hashing scheme; bump on any change

  std::uint64_t threshold() const { return sample_rate <= 1 ? ~0ull : (~0ull / sample_rate); }
  bool operator==(const Params&) const = default;
  std::string describe() const;    // "k=5 sample_rate=4 version=1"
};

// One word of the original text: bytes [start, end) and the hash of its normalised form.
struct Token {
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::uint64_t hash = 0;
};

// A sampled shingle: its hash and the index of its first token.
struct Sample {
  std::uint64_t hash = 0;
  std::uint32_t pos = 0;
};

// Segments and normalises `text` (valid UTF-8, < 4 GiB). Thread-safe; each call creates or
// reuses a thread-local ICU break iterator.
std::vector<Token> tokenize(std::string_view text);
// The same tokens computed by ICU alone, without the fast path (the reference in tests and
// benchmarks; tokenize() must always agree with it).
std::vector<Token> tokenize_icu(std::string_view text);

// The normalised form of one word, as hashed (for tests and debugging).
std::string normalize_word(std::string_view word);

// Shingle hashes for positions 0..n-k (empty if fewer than k tokens).
std::vector<std::uint64_t> shingle_hashes(const std::vector<Token>& tokens, std::uint32_t k);

// The sampled shingles of a token sequence, in position order.
std::vector<Sample> sample(const std::vector<Token>& tokens, const Params& params);

inline bool is_sampled(std::uint64_t shingle_hash, const Params& p) {
  return shingle_hash < p.threshold();
}

}  // namespace prov::fingerprint
