// fingerprint/tokenize.cpp: ICU word segmentation and normalisation into hashed tokens.
//
// The break iterator runs over a UText opened directly on the UTF-8 input, so every boundary
// it reports is already a UTF-8 byte offset: no UTF-16 copy of the text and no offset
// translation. Only the words themselves are converted for NFKC_Casefold, and ASCII words
// (the bulk of most corpora) skip ICU entirely: for ASCII, NFKC_Casefold is exactly
// lower-casing, and the letters/digits filter is exactly [a-z0-9].
#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
// xxHash's header-only build: the same functions, inlined into the per-token loop (a call
// into libxxhash cost about as much as the hashing of these short inputs).
#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <bit>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "fingerprint/detail/fast_words.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::fingerprint {
namespace {

// Appends the normalised form of an ASCII word: lower-case letters and digits only.
void normalize_ascii(std::string_view w, std::string& out) {
  for (const char ch : w) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c + 32));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    }
  }
}

bool is_ascii(std::string_view w) {
  for (const char ch : w)
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  return true;
}

bool keep_code_point(UChar32 c) {
  const auto mask = U_GET_GC_MASK(c);
  return (mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0;
}

// Appends the normalised form of any word: NFKC_Casefold, then letters, marks, digits only.
void normalize_unicode(std::string_view w, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold data missing");
  const icu::UnicodeString src =
      icu::UnicodeString::fromUTF8(icu::StringPiece(w.data(), static_cast<int32_t>(w.size())));
  icu::UnicodeString dst;
  nfkc_cf->normalize(src, dst, status);
  if (U_FAILURE(status)) return;
  for (int32_t i = 0; i < dst.length();) {
    const UChar32 c = dst.char32At(i);
    i += U16_LENGTH(c);
    if (!keep_code_point(c)) continue;
    char buf[4];
    int32_t n = 0;
    UBool err = false;
    U8_APPEND(buf, n, 4, c, err);
    if (!err) out.append(buf, static_cast<std::size_t>(n));
  }
}

void normalize_into(std::string_view w, std::string& out) {
  if (is_ascii(w)) {
    normalize_ascii(w, out);
  } else {
    normalize_unicode(w, out);
  }
}

// One word break iterator per thread: creating one costs far more than a whole paragraph.
icu::BreakIterator& word_iterator() {
  thread_local std::unique_ptr<icu::BreakIterator> it = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> b(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !b) throw std::runtime_error("ICU word break data missing");
    return b;
  }();
  return *it;
}

void push_token(std::vector<Token>& out, std::string& scratch, std::string_view text,
                std::size_t s, std::size_t e) {
  scratch.clear();
  normalize_into(text.substr(s, e - s), scratch);
  if (scratch.empty()) return;
  out.push_back(Token{static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(e),
                      XXH3_64bits(scratch.data(), scratch.size())});
}

// ASCII letters and digits lower-cased; 0 for every other byte (the ASCII normalisation).
struct ByteTables {
  std::array<char, 256> fold{};
  ByteTables() {
    for (int c = '0'; c <= '9'; ++c) fold[static_cast<std::size_t>(c)] = static_cast<char>(c);
    for (int c = 'a'; c <= 'z'; ++c) fold[static_cast<std::size_t>(c)] = static_cast<char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) fold[static_cast<std::size_t>(c)] = static_cast<char>(c + 32);
  }
};
const ByteTables kBytes;

}  // namespace

std::string normalize_word(std::string_view word) {
  std::string out;
  normalize_into(word, out);
  return out;
}

namespace {

// ICU's word segmentation of text[s, e), tokens pushed with offsets into `text`.
void icu_segment(std::string_view text, std::size_t s0, std::size_t e0, std::vector<Token>& out,
                 std::string& scratch) {
  UErrorCode status = U_ZERO_ERROR;
  UText ut = UTEXT_INITIALIZER;
  utext_openUTF8(&ut, text.data() + s0, static_cast<int64_t>(e0 - s0), &status);
  if (U_FAILURE(status)) return;
  icu::BreakIterator& bi = word_iterator();
  bi.setText(&ut, status);
  int32_t start = bi.first();
  for (int32_t end = bi.next(); end != icu::BreakIterator::DONE; start = end, end = bi.next()) {
    const int32_t rule = bi.getRuleStatus();
    if (rule < UBRK_WORD_NONE_LIMIT) continue;  // spaces, punctuation, symbols
    const auto s = s0 + static_cast<std::size_t>(start);
    const auto e = s0 + static_cast<std::size_t>(end);
    if (rule >= UBRK_WORD_KANA && rule < UBRK_WORD_IDEO_LIMIT) {
      // Han and kana: one token per character. ICU's dictionary words depend on the
      // surrounding text, single characters do not.
      std::size_t i = s;
      while (i < e) {
        int32_t j = static_cast<int32_t>(i);
        U8_FWD_1(text.data(), j, static_cast<int32_t>(e));
        push_token(out, scratch, text, i, static_cast<std::size_t>(j));
        i = static_cast<std::size_t>(j);
      }
      continue;
    }
    push_token(out, scratch, text, s, e);
  }
  // Detach the iterator from our UText before it goes out of scope.
  bi.setText(icu::UnicodeString());
  utext_close(&ut);
}


}  // namespace

std::vector<Token> tokenize_icu(std::string_view text) {
  std::vector<Token> out;
  if (text.empty()) return out;
  out.reserve(text.size() / 6);
  std::string scratch;
  icu_segment(text, 0, text.size(), out, scratch);
  return out;
}

namespace {

// Byte classes of the fused ASCII loop: what the ASCII word rules need, plus whitespace and
// the bytes that send a run off the ASCII path.
enum Fused : std::uint8_t { kfOther, kfSpace, kfBail, kfLetter, kfDigit, kfUnder, kfMidNum, kfMidLetter, kfMidBoth };
struct FusedTable {
  std::array<std::uint8_t, 256> cls{};
  FusedTable() {
    const std::uint8_t* low = detail::ascii_word_classes();
    for (int c = 0; c < 256; ++c) {
      const auto u = static_cast<std::size_t>(c);
      if (c >= 0x80 || c == '@') { cls[u] = kfBail; continue; }
      switch (low[u]) {
        case detail::kLetter: cls[u] = kfLetter; break;
        case detail::kNumeric: cls[u] = kfDigit; break;
        case detail::kExtendNumLet: cls[u] = kfUnder; break;
        case detail::kMidNum: cls[u] = kfMidNum; break;
        case detail::kMidLetter: cls[u] = kfMidLetter; break;
        case detail::kMidNumLetQ: cls[u] = kfMidBoth; break;
        default: cls[u] = kfOther; break;
      }
    }
    for (const char c : {' ', '\n', '\t', '\r', '\f', '\v'}) cls[static_cast<unsigned char>(c)] = kfSpace;
  }
};
const FusedTable kFused;

// Per-document bitmaps of the SSE2 classification pass, bit i for byte i: ASCII whitespace,
// ASCII letters and digits, bytes that send a run off the ASCII path (non-ASCII, '@'); and the
// text with ASCII letters lower-cased, so a run of letters and digits hashes straight from it.
struct Classified {
  std::vector<std::uint64_t> space, alnum, bail;
  std::string lower;
};

void classify(const unsigned char* p, std::size_t n, Classified& c) {
  const std::size_t words = n / 64 + 2;
  c.space.assign(words, 0);
  c.alnum.assign(words, 0);
  c.bail.assign(words, 0);
  c.lower.resize(n + 16);
#if defined(__SSE2__)
  const __m128i k_a = _mm_set1_epi8(static_cast<char>(-'a' - 128)), k_26 = _mm_set1_epi8(-128 + 26);
  const __m128i k_0 = _mm_set1_epi8(static_cast<char>(-'0' - 128)), k_10 = _mm_set1_epi8(-128 + 10);
  const __m128i k_9 = _mm_set1_epi8(static_cast<char>(-9 - 128)), k_5 = _mm_set1_epi8(-128 + 5);
  const __m128i k_sp = _mm_set1_epi8(' '), k_at = _mm_set1_epi8('@'), k_20 = _mm_set1_epi8(0x20);
  auto* out = reinterpret_cast<unsigned char*>(c.lower.data());
  unsigned char tail[16];
  for (std::size_t i = 0; i < n; i += 16) {
    const unsigned char* src = p + i;
    if (n - i < 16) {  // the last bytes, padded with spaces
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, src, n - i);
      src = tail;
    }
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    const __m128i letter = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, k_20), k_a), k_26);
    const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, k_0), k_10);
    const __m128i space = _mm_or_si128(_mm_cmpeq_epi8(v, k_sp), _mm_cmplt_epi8(_mm_add_epi8(v, k_9), k_5));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_or_si128(v, _mm_and_si128(letter, k_20)));
    const auto shift = i % 64;
    const auto w = i / 64;
    c.space[w] |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(space))} << shift;
    c.alnum[w] |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_or_si128(letter, digit)))} << shift;
    c.bail[w] |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(v) | _mm_movemask_epi8(_mm_cmpeq_epi8(v, k_at)))} << shift;
  }
#else  // the same, a byte at a time
  auto* out = reinterpret_cast<unsigned char*>(c.lower.data());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char b = p[i];
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    const std::uint8_t k = kFused.cls[b];
    out[i] = (k == kfLetter) ? static_cast<unsigned char>(b | 0x20) : b;
    if (k == kfSpace) c.space[i / 64] |= bit;
    if (k == kfLetter || k == kfDigit) c.alnum[i / 64] |= bit;
    if (k == kfBail) c.bail[i / 64] |= bit;
  }
#endif
  // Past the end: all space, so run searches stop at n.
  if (n % 64) c.space[n / 64] |= ~0ull << (n % 64);
  for (std::size_t w = (n + 63) / 64; w < words; ++w) c.space[w] = ~0ull;
}

// First position >= i whose bit is `want` (the bitmaps end in all-space words, so a search
// for a space always ends).
template <bool want>
std::size_t next_bit(const std::vector<std::uint64_t>& bits, std::size_t i) {
  std::size_t w = i / 64;
  std::uint64_t x = (want ? bits[w] : ~bits[w]) & (~0ull << (i % 64));
  while (x == 0) {
    if (++w == bits.size()) return w * 64;
    x = want ? bits[w] : ~bits[w];
  }
  return w * 64 + static_cast<std::size_t>(std::countr_zero(x));
}

// Any bit set in [a, b)?
bool any_bit(const std::vector<std::uint64_t>& bits, std::size_t a, std::size_t b) {
  for (std::size_t w = a / 64; w * 64 < b; ++w) {
    std::uint64_t x = bits[w];
    if (w == a / 64) x &= ~0ull << (a % 64);
    if (w == (b - 1) / 64 && b % 64) x &= ~0ull >> (64 - b % 64);
    if (x) return true;
  }
  return false;
}

// Where ICU's segment holding the run that starts at rs begins. Almost always rs: ICU breaks at
// ASCII whitespace. But a run that starts with an Extend, Format or ZWJ character attaches it
// to the whitespace before it (WB4), and spaces stick together (WB3d), so in " \u200D\u2139"
// ICU's word starts at the space (found by fuzzing tokenize() against tokenize_icu()). Tabs
// take one character; CR, LF, VT and FF end segments (WB3a/b) and attach nothing.
std::size_t attached_start(std::string_view text, std::size_t rs) {
  if (rs == 0 || (text[rs - 1] != ' ' && text[rs - 1] != '\t')) return rs;
  // The run's first code point (valid UTF-8 is tokenize()'s precondition; a bad lead byte
  // gives a value of no class here).
  const auto* u = reinterpret_cast<const unsigned char*>(text.data()) + rs;
  const std::size_t left = text.size() - rs;
  UChar32 c = u[0];
  if (u[0] >= 0xF0 && left >= 4) {
    c = static_cast<UChar32>(((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu));
  } else if (u[0] >= 0xE0 && left >= 3) {
    c = static_cast<UChar32>(((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu));
  } else if (u[0] >= 0xC0 && left >= 2) {
    c = static_cast<UChar32>(((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu));
  }
  const auto wb = u_getIntPropertyValue(c, UCHAR_WORD_BREAK);
  if (wb != U_WB_EXTEND && wb != U_WB_FORMAT && wb != U_WB_ZWJ) return rs;
  std::size_t s0 = rs - 1;
  if (text[s0] == ' ')
    while (s0 > 0 && text[s0 - 1] == ' ') --s0;
  return s0;
}

// The ASCII word rules over one run [rs, re) known to hold no whitespace and no byte that
// sends it off the ASCII path: words are maximal letter/digit/'_' stretches, extended over a
// mid character between two letters or two digits, lower-cased with '_' and mid characters
// dropped, then hashed.
void ascii_run(const unsigned char* p, std::size_t rs, std::size_t re, std::vector<Token>& out,
               std::string& scratch) {
  const auto& cls = kFused.cls;
  const auto chain = [](std::uint8_t c) { return c >= kfLetter && c <= kfUnder; };
  char buf[256];
  std::size_t i = rs;
  while (i < re) {
    std::uint8_t c = cls[p[i]];
    if (!chain(c)) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    std::size_t len = 0;
    bool long_word = false;
    for (;;) {
      for (; i < re && chain(c = cls[p[i]]); ++i) {
        const char f = kBytes.fold[p[i]];
        if (len < sizeof buf) buf[len] = f; else long_word = true;
        len += f != 0;
      }
      if (i + 1 < re) {
        const std::uint8_t m = cls[p[i]], prev = cls[p[i - 1]], next = cls[p[i + 1]];
        if ((prev == kfLetter && (m == kfMidLetter || m == kfMidBoth) && next == kfLetter) ||
            (prev == kfDigit && (m == kfMidNum || m == kfMidBoth) && next == kfDigit)) {
          ++i;
          continue;
        }
      }
      break;
    }
    if (len == 0) continue;  // only '_'
    if (long_word) {
      scratch.clear();
      normalize_ascii(std::string_view(reinterpret_cast<const char*>(p) + start, i - start), scratch);
      out.push_back(Token{static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(i),
                          XXH3_64bits(scratch.data(), scratch.size())});
    } else {
      out.push_back(Token{static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(i), XXH3_64bits(buf, len)});
    }
  }
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  tokenize(text, out);
  return out;
}

void tokenize(std::string_view text, std::vector<Token>& out) {
  // A word never contains ASCII whitespace, and ICU always breaks at it, so the text is cut
  // into whitespace-free runs; a run whose characters the fast segmenter knows is segmented
  // by it (detail/fast_words.hpp), any other run by ICU. Both give the same tokens: a test
  // compares them on every text of the shared corpus.
  //
  // One SSE2 pass classifies every byte into bitmaps and lower-cases ASCII letters. Then,
  // run by run: a run of ASCII letters and digits only (most runs of most corpora) is one word,
  // hashed straight from the lower-cased copy; another pure-ASCII run goes through the ASCII
  // word rules (ascii_run); a run with a non-ASCII byte or '@' goes to the general path.
  out.clear();
  if (text.empty()) return;
  out.reserve(text.size() / 6);
  thread_local Classified c;
  thread_local std::string scratch;
  thread_local detail::FastWords fast;
  const std::size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  classify(p, n, c);
  const char* lower = c.lower.data();
  std::size_t i = 0;
  for (;;) {
    const std::size_t rs = next_bit<false>(c.space, i);
    if (rs >= n) break;
    const std::size_t re = std::min(next_bit<true>(c.space, rs), n);
    i = re;
    if (any_bit(c.bail, rs, re)) {
      if (const std::size_t s0 = attached_start(text, rs); s0 != rs) {
        icu_segment(text, s0, re, out, scratch);
        continue;
      }
      if (!fast.segment(text, rs, re)) {
        icu_segment(text, rs, re, out, scratch);
        continue;
      }
      for (const auto& w : fast.words()) push_token(out, scratch, text, w.first, w.second);
      continue;
    }
    const std::size_t b = next_bit<false>(c.alnum, rs);
    if (b >= re) {  // letters and digits only: one word
      out.push_back(Token{static_cast<std::uint32_t>(rs), static_cast<std::uint32_t>(re), XXH3_64bits(lower + rs, re - rs)});
      continue;
    }
    // One stretch of letters and digits with punctuation around it ("said,", "(he", "end.\""):
    // a sixth of English runs. That stretch is the word unless a '_' touches it (ExtendNumLet
    // joins); a mid character at its edge has no letter or digit beyond it to join.
    const std::size_t a = b > rs ? rs : next_bit<true>(c.alnum, rs);
    if (a >= re) continue;  // no letter or digit: no word
    const std::size_t e = a == rs ? b : next_bit<false>(c.alnum, a);
    if (next_bit<true>(c.alnum, e) >= re && (a == rs || p[a - 1] != '_') && (e == re || p[e] != '_')) {
      out.push_back(Token{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(e), XXH3_64bits(lower + a, e - a)});
      continue;
    }
    ascii_run(p, rs, re, out, scratch);
  }
  if (c.lower.capacity() > (std::size_t{64} << 20)) c = Classified{};  // not a whole book per thread
}

}  // namespace prov::fingerprint
