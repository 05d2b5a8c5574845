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

#include <cstddef>
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
// The same tokens into `out` (cleared first), reusing its memory: for loops over many texts.
void tokenize(std::string_view text, std::vector<Token>& out);
// The same tokens computed by ICU alone, without the fast path (the reference in tests and
// benchmarks; tokenize() must always agree with it).
std::vector<Token> tokenize_icu(std::string_view text);

// The normalised form of one word, as hashed (for tests and debugging).
std::string normalize_word(std::string_view word);

// Shingle hashes for positions 0..n-k (empty if fewer than k tokens).
std::vector<std::uint64_t> shingle_hashes(const std::vector<Token>& tokens, std::uint32_t k);
// The same from the tokens' hashes alone, side by side (for callers that keep them anyway).
std::vector<std::uint64_t> shingle_hashes(const std::vector<std::uint64_t>& token_hashes, std::uint32_t k);
// The same into `out`, reusing its memory (for loops over many documents).
void shingle_hashes(const std::vector<std::uint64_t>& token_hashes, std::uint32_t k, std::vector<std::uint64_t>& out);

// The tokens' hashes side by side, into `out` (resized), for shingle_hashes().
void token_hashes(const std::vector<Token>& tokens, std::vector<std::uint64_t>& out);

// The sampled shingles among the n hashes at `shingle_hashes` (those is_sampled() keeps), in
// position order, as two arrays: their positions into `pos` and their hashes into `hashes`,
// which must have room for n + 8 entries (whole vectors are stored past the last kept one).
// Returns how many were kept. The same shingles as sample(), for callers that look the
// hashes up as one array and reuse the arrays from document to document.
std::size_t sampled(const std::uint64_t* shingle_hashes, std::size_t n, const Params& params, std::uint32_t* pos,
                    std::uint64_t* hashes);

// The sampled shingles of a token sequence, in position order.
std::vector<Sample> sample(const std::vector<Token>& tokens, const Params& params);
// The same from the sequence's shingle_hashes() (for callers that need every hash anyway).
std::vector<Sample> sample(const std::vector<std::uint64_t>& shingle_hashes, const Params& params);

inline bool is_sampled(std::uint64_t shingle_hash, const Params& p) {
  return shingle_hash < p.threshold();
}

// ---- Sketches: one-permutation MinHash over all shingles -------------------------------
//
// A Sketch summarises the *set* of k-shingle hashes of a text (every shingle, not the sample)
// so that two texts' Jaccard similarity |A∩B| / |A∪B| can be estimated from 128 numbers.
// One-permutation hashing (Li, Owen & Zhang 2012): each shingle hash is remixed once
// (x = splitmix64 finaliser of hash ^ kSketchSeed, so the bins are independent of the
// hash < threshold sampling decision); the top 7 bits of x pick one of kSketchBins bins and the
// bin keeps the minimum of the low 32 bits. Bins no shingle fell into are filled by optimal
// densification (Shrivastava 2017): empty bin i copies the first non-empty bin on the fixed
// pseudo-random probe sequence of i, which keeps the estimate unbiased for small sets. Cost:
// one remix and one compare per shingle, no per-permutation hashing.
inline constexpr std::uint32_t kSketchBins = 128;

struct Sketch {
  std::vector<std::uint32_t> mins;  // kSketchBins values; empty when the text had no shingle
  std::uint64_t shingles = 0;       // shingle positions sketched (repeats counted: k-word
                                    // repeats are rare in prose, so this is ~ the set size)
  bool empty() const { return mins.empty(); }
  bool operator==(const Sketch&) const = default;
};

// Sketches the shingle hashes [first, last). Deterministic; thread-safe.
Sketch sketch(const std::uint64_t* first, const std::uint64_t* last);
inline Sketch sketch(const std::vector<std::uint64_t>& hashes) {
  return sketch(hashes.data(), hashes.data() + hashes.size());
}

// Estimated Jaccard similarity of the two shingle sets: the share of bins that agree.
// 0 if either sketch is empty. Standard error about sqrt(J(1-J)/128), ±0.044 at J = 0.5.
double jaccard(const Sketch& a, const Sketch& b);

// Estimated share of a's shingles that are also in b, from the Jaccard estimate j and the
// two sizes: |A∩B| = j (|A| + |B|) / (1 + j), divided by |A|; clamped to [0, 1]. Only as good
// as j is: when |B| >> |A| the small error of j is multiplied by |B| / |A|.
double containment(const Sketch& a, const Sketch& b, double j);

// The token ranges that works and documents are sketched over: windows of kSketchWindow
// tokens every kSketchStep tokens, so that a stretch of a long book in a long document is
// compared with a window of like size (a whole-book sketch against a 2,000-word stretch would
// see J ≈ 0.02, below any estimate's resolution), and, for a text longer than one window, the
// whole text last, so that a whole copy whose order was scrambled (shuffled paragraphs or
// lines, merged columns) still meets the whole work. A text of at most kSketchWindow tokens is
// one window; the last grid window ends at the last token. Both sides use the same grid, so a
// copied stretch shares at least 3/4 of its window with one window of the work (J >= 0.6).
inline constexpr std::uint32_t kSketchWindow = 2000;
inline constexpr std::uint32_t kSketchStep = 1000;
struct TokenWindow {
  std::uint32_t start = 0, end = 0;
};
std::vector<TokenWindow> sketch_windows(std::size_t tokens);

// The sketch of tokens [w.start, w.end) given the text's shingle_hashes(): the shingles that
// start in the window and end inside it.
Sketch window_sketch(const std::vector<std::uint64_t>& shingle_hashes, TokenWindow w,
                     std::uint32_t k);
// window_sketch() of each window, equal to it, with each shingle hashed into the bins once
// however many windows hold it.
std::vector<Sketch> window_sketches(const std::vector<std::uint64_t>& shingle_hashes,
                                    const std::vector<TokenWindow>& windows, std::uint32_t k);

}  // namespace prov::fingerprint
