// tests/fuzz/fuzz_tokenize.cpp: libFuzzer entry for the tokenizer, differential: for any valid
// UTF-8, tokenize() (SSE2 bitmaps, the ASCII word rules, the table-driven segmenter) must give
// exactly the tokens of tokenize_icu() (ICU's word break iterator alone): same byte ranges,
// same hashes; and each token's normalised form (from the table of single characters' forms
// where it applies) must be ICU's normaliser's.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/utf8.hpp"
#include "fingerprint/detail/fast_words.hpp"
#include "fingerprint/fingerprint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!prov::is_valid_utf8(text)) return 0;
  const auto fast = prov::fingerprint::tokenize(text);
  const auto icu = prov::fingerprint::tokenize_icu(text);
  if (fast.size() != icu.size()) __builtin_trap();
  for (std::size_t i = 0; i < fast.size(); ++i)
    if (fast[i].start != icu[i].start || fast[i].end != icu[i].end || fast[i].hash != icu[i].hash) __builtin_trap();
  // Into a vector reused from input to input (as a scan reuses one per thread): written over
  // the previous input's tokens, the same tokens.
  static std::vector<prov::fingerprint::Token> reused;
  prov::fingerprint::tokenize(text, reused);
  if (reused.size() != fast.size()) __builtin_trap();
  for (std::size_t i = 0; i < fast.size(); ++i)
    if (reused[i].start != fast[i].start || reused[i].end != fast[i].end || reused[i].hash != fast[i].hash) __builtin_trap();
  for (const auto& t : fast) {
    const std::string_view w = text.substr(t.start, t.end - t.start);
    if (prov::fingerprint::normalize_word(w) != prov::fingerprint::detail::normalize_word_icu(w)) __builtin_trap();
  }
  return 0;
}
