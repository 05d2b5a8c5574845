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
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "fingerprint/detail/fast_words.hpp"
#include "fingerprint/detail/xxh3_avx512.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::fingerprint {
namespace {

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


// Appends the normalised form of an ASCII word: lower-case letters and digits only.
void normalize_ascii(std::string_view w, std::string& out) {
  for (const char ch : w)
    if (const char f = kBytes.fold[static_cast<unsigned char>(ch)]) out.push_back(f);
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

// Appends the letters, marks and digits of a normalised string as UTF-8; false if one could not
// be encoded (it is skipped).
bool append_kept(const icu::UnicodeString& dst, std::string& out) {
  bool ok = true;
  for (int32_t i = 0; i < dst.length();) {
    const UChar32 c = dst.char32At(i);
    i += U16_LENGTH(c);
    if (!keep_code_point(c)) continue;
    char buf[4];
    int32_t n = 0;
    UBool err = false;
    U8_APPEND(buf, n, 4, c, err);
    if (err) {
      ok = false;
    } else {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  return ok;
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
  append_kept(dst, out);
}

// The normalised form of single characters, for words whose characters can be normalised
// one at a time: U+0080..U+07FF (Latin-1 and Latin Extended, Greek, Cyrillic, Armenian,
// Hebrew, Arabic...) and General Punctuation (typographic quotes, dashes, soft spaces). A
// character qualifies when NFKC_Casefold always has a boundary before it (it never composes
// with what precedes it: not a combining mark, for instance) and its form is short. ASCII
// characters always have that boundary. In a word of such characters the normaliser's
// output is the concatenation of each character's output (ICU's Normalizer2 contract for
// hasBoundaryBefore), so the table gives ICU's result without ICU; a test checks it against
// ICU for every character of the table and for every word of the shared corpus.
struct CharForms {
  struct Form {
    bool ok = false;      // normalised alone
    std::uint8_t len = 0; // bytes of its kept letters, marks and digits
    char bytes[14] = {};
  };
  std::array<Form, 0x800> low{};   // U+0000..U+07FF (the ASCII entries are unused)
  std::array<Form, 0x70> punct{};  // U+2000..U+206F
  static Form make(UChar32 c) {
    Form f;
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status) || !nfkc_cf->hasBoundaryBefore(c)) return f;
    icu::UnicodeString dst;
    nfkc_cf->normalize(icu::UnicodeString(c), dst, status);
    if (U_FAILURE(status)) return f;
    std::string kept;
    if (!append_kept(dst, kept)) return f;
    if (kept.size() > sizeof f.bytes) return f;
    f.ok = true;
    f.len = static_cast<std::uint8_t>(kept.size());
    std::memcpy(f.bytes, kept.data(), kept.size());
    return f;
  }
  CharForms() {
    for (UChar32 c = 0x80; c < 0x800; ++c) low[static_cast<std::size_t>(c)] = make(c);
    for (UChar32 c = 0x2000; c < 0x2070; ++c) punct[static_cast<std::size_t>(c - 0x2000)] = make(c);
  }
};

const CharForms& char_forms() {
  static const CharForms t;
  return t;
}

// Appends w's normalised form character by character (CharForms); false, with `out` as it
// was, if a character is not in the table (the caller asks ICU).
bool normalize_by_table(std::string_view w, std::string& out) {
  static const CharForms& t = char_forms();
  const std::size_t mark = out.size();
  const auto* p = reinterpret_cast<const unsigned char*>(w.data());
  const std::size_t n = w.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char b = p[i];
    const CharForms::Form* f;
    if (b < 0x80) {
      if (const char c = kBytes.fold[b]) out.push_back(c);
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0 && i + 1 < n) {
      f = &t.low[((b & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu)];
      i += 2;
    } else if (b == 0xE2 && i + 2 < n && (p[i + 1] == 0x80 || p[i + 1] == 0x81)) {
      const std::size_t k = ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);  // cp - U+2000
      f = k < t.punct.size() ? &t.punct[k] : nullptr;
      i += 3;
    } else {
      f = nullptr;
    }
    if (f == nullptr || !f->ok) {
      out.resize(mark);
      return false;
    }
    out.append(f->bytes, f->len);
  }
  return true;
}

void normalize_into(std::string_view w, std::string& out) {
  if (is_ascii(w)) {
    normalize_ascii(w, out);
  } else if (!normalize_by_table(w, out)) {
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

// The per-document bitmaps of the classification pass, bit i for byte i, 64 bytes a word:
//  - space: ASCII whitespace (ICU always breaks there), set past the end of the text too;
//  - letter, digit, under ('_', ExtendNumLet), mid_letter ('\'' '.': MidLetter or MidNumLetQ),
//    mid_num (',' ';' '.' '\'': MidNum or MidNumLetQ): the classes of the ASCII word rules;
//  - bail: bytes that send their whitespace-delimited run off the ASCII path (non-ASCII, '@');
// and `lower`, the text with ASCII letters lower-cased, so a word of letters and digits hashes
// straight from it.
struct Classified {
  std::vector<std::uint64_t> space, letter, digit, under, mid_letter, mid_num, bail;
  std::vector<std::uint64_t> word, odd;  // filled by word_bits()
  std::string lower_buf;  // kFront bytes, then the lower-cased text (see hash_word)
  std::vector<std::uint32_t> starts, ends;  // the ASCII words' byte ranges, in order
  std::vector<std::uint64_t> hashes;        // their hash_word()
  char* lower() { return lower_buf.data() + kFront; }
  static constexpr std::size_t kFront = 16;
  void size_for(std::size_t n) {
    const std::size_t words = n / 64 + 2;  // bit n (one past the end) and a zero word after it
    for (auto* v : {&space, &letter, &digit, &under, &mid_letter, &mid_num, &bail, &word, &odd}) v->resize(words);
    lower_buf.resize(kFront + words * 64);
  }
};

// One flag byte per ASCII character: what classify() turns into bitmaps.
enum Flag : std::uint8_t {
  kSpace = 1, kLetterF = 2, kDigitF = 4, kUnder = 8, kMidLetterF = 16, kUpper = 0x20, kMidNumF = 64, kAt = 128
};
struct FlagTable {
  alignas(64) std::array<std::uint8_t, 128> f{};
  FlagTable() {
    const std::uint8_t* low = detail::ascii_word_classes();
    for (std::size_t c = 0; c < 128; ++c) {
      switch (low[c]) {
        case detail::kLetter: f[c] = kLetterF; break;
        case detail::kNumeric: f[c] = kDigitF; break;
        case detail::kExtendNumLet: f[c] = kUnder; break;
        case detail::kMidLetter: f[c] = kMidLetterF; break;
        case detail::kMidNum: f[c] = kMidNumF; break;
        case detail::kMidNumLetQ: f[c] = kMidLetterF | kMidNumF; break;
        default: break;
      }
      if (c >= 'A' && c <= 'Z') f[c] |= kUpper;
    }
    for (const char c : {' ', '\n', '\t', '\r', '\f', '\v'}) f[static_cast<unsigned char>(c)] = kSpace;
    f['@'] = kAt;  // ICU joins e-mail addresses: the general path
  }
};
const FlagTable kFlags;

std::atomic<bool> g_baseline_only{false};

// The portable classifier: SSE2 on x86-64 (16 bytes at a time), else a byte at a time.
void classify_baseline(const unsigned char* p, std::size_t n, Classified& c) {
  unsigned char tail[64];
  for (std::size_t i = 0, w = 0; i < n; i += 64, ++w) {
    const unsigned char* src = p + i;
    if (n - i < 64) {  // the last bytes, padded with spaces
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, src, n - i);
      src = tail;
    }
    std::uint64_t m[8] = {};  // one bitmap per flag bit
    auto* out = reinterpret_cast<unsigned char*>(c.lower()) + i;
#if defined(__SSE2__)
    const __m128i k_a = _mm_set1_epi8(static_cast<char>(-'a' - 128)), k_26 = _mm_set1_epi8(-128 + 26);
    const __m128i k_0 = _mm_set1_epi8(static_cast<char>(-'0' - 128)), k_10 = _mm_set1_epi8(-128 + 10);
    const __m128i k_9 = _mm_set1_epi8(static_cast<char>(-9 - 128)), k_5 = _mm_set1_epi8(-128 + 5);
    const __m128i k_20 = _mm_set1_epi8(0x20);
    const auto eq = [](__m128i v, char ch) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(ch)); };
    const auto bits = [](__m128i x) { return std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(x))}; };
    for (std::size_t j = 0; j < 64; j += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + j));
      const __m128i letter = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, k_20), k_a), k_26);
      const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, k_0), k_10);
      const __m128i space = _mm_or_si128(eq(v, ' '), _mm_cmplt_epi8(_mm_add_epi8(v, k_9), k_5));
      const __m128i apos = eq(v, '\''), dot = eq(v, '.');
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), _mm_or_si128(v, _mm_and_si128(letter, k_20)));
      m[0] |= bits(space) << j;
      m[1] |= bits(letter) << j;
      m[2] |= bits(digit) << j;
      m[3] |= bits(eq(v, '_')) << j;
      m[4] |= bits(_mm_or_si128(apos, dot)) << j;
      m[6] |= bits(_mm_or_si128(_mm_or_si128(apos, dot), _mm_or_si128(eq(v, ','), eq(v, ';')))) << j;
      m[7] |= (bits(v) | bits(eq(v, '@'))) << j;
    }
#else
    for (std::size_t j = 0; j < 64; ++j) {
      const unsigned char b = src[j];
      const std::uint8_t f = b < 0x80 ? kFlags.f[b] : std::uint8_t{kAt};
      out[j] = static_cast<unsigned char>(b | (f & kUpper));
      for (int k = 0; k < 8; ++k) m[k] |= std::uint64_t{(f >> k) & 1u} << j;
    }
#endif
    c.space[w] = m[0], c.letter[w] = m[1], c.digit[w] = m[2], c.under[w] = m[3];
    c.mid_letter[w] = m[4], c.mid_num[w] = m[6], c.bail[w] = m[7];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PROV_HAVE_VBMI 1
// The same with AVX-512 VBMI: one 128-entry table lookup classifies 64 bytes, and each flag
// is one mask test. The last block is a masked load (zeros past the end: no flag set).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void classify_vbmi(const unsigned char* p, std::size_t n,
                                                                             Classified& c) {
  const __m512i lo = _mm512_load_si512(kFlags.f.data()), hi = _mm512_load_si512(kFlags.f.data() + 64);
  const __m512i upper = _mm512_set1_epi8(kUpper), space = _mm512_set1_epi8(kSpace);
  const __m512i letter = _mm512_set1_epi8(kLetterF), digit = _mm512_set1_epi8(kDigitF);
  const __m512i under = _mm512_set1_epi8(kUnder), mid_letter = _mm512_set1_epi8(kMidLetterF);
  const __m512i mid_num = _mm512_set1_epi8(kMidNumF), at = _mm512_set1_epi8(static_cast<char>(kAt));
  for (std::size_t i = 0, w = 0; i < n; i += 64, ++w) {
    const __mmask64 in = n - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n - i)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(in, p + i);
    const __mmask64 high = _mm512_movepi8_mask(v);
    const __m512i f = _mm512_maskz_permutex2var_epi8(~high, lo, v, hi);
    _mm512_storeu_si512(c.lower() + i, _mm512_or_si512(v, _mm512_and_si512(f, upper)));
    c.space[w] = _mm512_test_epi8_mask(f, space) | ~in;
    c.letter[w] = _mm512_test_epi8_mask(f, letter);
    c.digit[w] = _mm512_test_epi8_mask(f, digit);
    c.under[w] = _mm512_test_epi8_mask(f, under);
    c.mid_letter[w] = _mm512_test_epi8_mask(f, mid_letter);
    c.mid_num[w] = _mm512_test_epi8_mask(f, mid_num);
    c.bail[w] = high | _mm512_test_epi8_mask(f, at);
  }
}
bool have_vbmi() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vbmi");
  return yes;
}
#endif

void classify(const unsigned char* p, std::size_t n, Classified& c) {
  c.size_for(n);
  const std::size_t filled = (n + 63) / 64;
#ifdef PROV_HAVE_VBMI
  if (have_vbmi() && !g_baseline_only.load(std::memory_order_relaxed)) {
    classify_vbmi(p, n, c);
  } else {
    classify_baseline(p, n, c);
  }
#else
  classify_baseline(p, n, c);
#endif
  for (std::size_t w = filled; w < c.space.size(); ++w) {  // past the end: all space, no class
    c.space[w] = ~0ull;
    c.letter[w] = c.digit[w] = c.under[w] = c.mid_letter[w] = c.mid_num[w] = c.bail[w] = 0;
  }
}

// The ASCII word rules as bitmaps: a byte is in a word when it is a letter, digit or '_', or a
// mid character between two letters (WB6/7) or two digits (WB11/12); a word is a maximal
// stretch of such bytes holding a letter or digit. `odd` marks the word bytes that the
// normalised form drops ('_' and mid characters).
void word_bits(Classified& c) {
  const std::size_t words = c.space.size();
  std::uint64_t prev_l = 0, prev_d = 0;  // the top bits of the previous word's letters and digits
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t l = c.letter[w], d = c.digit[w];
    const std::uint64_t next_l = w + 1 < words ? c.letter[w + 1] : 0, next_d = w + 1 < words ? c.digit[w + 1] : 0;
    const std::uint64_t l_before = (l << 1) | prev_l, l_after = (l >> 1) | (next_l << 63);
    const std::uint64_t d_before = (d << 1) | prev_d, d_after = (d >> 1) | (next_d << 63);
    const std::uint64_t joins = (c.mid_letter[w] & l_before & l_after) | (c.mid_num[w] & d_before & d_after);
    c.word[w] = l | d | c.under[w] | joins;
    c.odd[w] = c.word[w] & ~(l | d);
    prev_l = l >> 63;
    prev_d = d >> 63;
  }
}

// Any bit set in [a, b) (a < b)?
bool any_bit(const std::vector<std::uint64_t>& bits, std::size_t a, std::size_t b) {
  const std::size_t wa = a / 64, wb = (b - 1) / 64;
  const std::uint64_t first = bits[wa] >> (a % 64);
  if (wa == wb) return (first & (~0ull >> (63 - (b - 1) % 64 + a % 64))) != 0;
  if (first) return true;
  for (std::size_t w = wa + 1; w < wb; ++w)
    if (bits[w]) return true;
  return (bits[wb] & (~0ull >> (63 - (b - 1) % 64))) != 0;
}

// Clears bits [a, b).
void clear_bits(std::vector<std::uint64_t>& bits, std::size_t a, std::size_t b) {
  for (std::size_t i = a; i < b;) {
    const std::size_t w = i / 64, lo = i % 64, hi = std::min<std::size_t>(64, lo + (b - i));
    const std::uint64_t mask = (hi == 64 ? ~0ull : (1ull << hi) - 1) & ~((1ull << lo) - 1);
    bits[w] &= ~mask;
    i += hi - lo;
  }
}

// First position >= i whose bit is set (the space bitmap is all ones past the text, so a
// search in it always ends).
std::size_t next_set(const std::vector<std::uint64_t>& bits, std::size_t i) {
  std::size_t w = i / 64;
  std::uint64_t x = bits[w] & (~0ull << (i % 64));
  while (x == 0) x = bits[++w];
  return w * 64 + static_cast<std::size_t>(std::countr_zero(x));
}

// One past the last set position < i, or 0.
std::size_t after_prev_set(const std::vector<std::uint64_t>& bits, std::size_t i) {
  if (i == 0) return 0;
  std::size_t w = (i - 1) / 64;
  std::uint64_t x = bits[w] & (~0ull >> (63 - (i - 1) % 64));
  while (x == 0) {
    if (w == 0) return 0;
    x = bits[--w];
  }
  return w * 64 + 64 - static_cast<std::size_t>(std::countl_zero(x));
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

// XXH3_64bits(p, len), without a branch on the length for len <= 16: XXH3 hashes 1-3, 4-8 and
// 9-16 bytes by three different formulas, and with English word lengths the branches between
// them mispredicted often. All three are computed and the right one kept; the 4-8 and 9-16
// formulas read up to 7 bytes before p and up to 16 after it, which `lower` has (kFront
// bytes in front, a 64-byte block's slack behind), and those reads only reach the results of
// the formulas not kept.
inline std::uint64_t hash_word(const char* p, std::size_t len) {
  if (len > 16) return XXH3_64bits(p, len);
  const auto* u = reinterpret_cast<const xxh_u8*>(p);
  const std::uint64_t a = XXH3_len_1to3_64b(u, len, XXH3_kSecret, 0);
  const std::uint64_t b = XXH3_len_4to8_64b(u, len, XXH3_kSecret, 0);
  const std::uint64_t c = XXH3_len_9to16_64b(u, len, XXH3_kSecret, 0);
  const std::uint64_t short_mask = 0 - static_cast<std::uint64_t>(len <= 3);
  const std::uint64_t long_mask = 0 - static_cast<std::uint64_t>(len > 8);
  return (a & short_mask) | (c & long_mask) | (b & ~(short_mask | long_mask));
}

// The positions of the set bits of `bits` (a 64-byte block at `base`), appended at out[0..):
// returns their count (at most 32 for the word starts or ends of a block). Writes 16 entries
// whatever the count (the caller leaves room), so the common block of up to 16 words costs no
// branch on its count.
inline std::size_t flatten_bits(std::uint64_t bits, std::uint32_t base, std::uint32_t* out) {
  const auto count = static_cast<std::size_t>(std::popcount(bits));
  for (int k = 0; k < 16; ++k) {  // countr_zero(0) = 64: the unused entries hold junk
    out[k] = base + static_cast<std::uint32_t>(std::countr_zero(bits));
    bits &= bits - 1;
  }
  for (std::size_t k = 16; k < count; ++k) {
    out[k] = base + static_cast<std::uint32_t>(std::countr_zero(bits));
    bits &= bits - 1;
  }
  return count;
}

// Bit i set when byte i - 1 is in a word (block w of the word bitmap, shifted in from w - 1).
inline std::uint64_t word_before(const std::uint64_t* word, std::size_t w) {
  return (word[w] << 1) | (w ? word[w - 1] >> 63 : 0);
}

// The start and end positions of the words (stretches of set bits) of `word`, a bitmap of
// `words` 64-bit blocks whose last block is zero: returns their count.
std::size_t word_positions_portable(const std::uint64_t* word, std::size_t words, std::uint32_t* starts,
                                    std::uint32_t* ends) {
  std::size_t ns = 0, ne = 0;
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t before = word_before(word, w);
    const auto base = static_cast<std::uint32_t>(w * 64);
    ns += flatten_bits(word[w] & ~before, base, starts + ns);
    ne += flatten_bits(~word[w] & before, base, ends + ne);
  }
  return ns;
}

#if defined(__x86_64__) && defined(__GNUC__)
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in shingle.cpp
#endif
// The same with AVX-512 VBMI2: each bitmap compresses the byte numbers 0-63 to its set bits'
// positions in one instruction, widened 16 at a time.
__attribute__((target("avx512f,avx512bw,avx512vbmi2"), always_inline)) inline std::size_t put_positions(
    std::uint64_t bits, __m512i iota, __m512i base, std::uint32_t* out) {
  const __m512i packed = _mm512_maskz_compress_epi8(bits, iota);
  const auto count = static_cast<std::size_t>(std::popcount(bits));
  _mm512_storeu_si512(out, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(packed))));
  if (count > 16)  // at most 32: a start (or an end) needs a non-word byte before it
    _mm512_storeu_si512(out + 16, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(packed, 1))));
  return count;
}
__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) std::size_t word_positions_vbmi2(
    const std::uint64_t* word, std::size_t words, std::uint32_t* starts, std::uint32_t* ends) {
  const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44,
                                       43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24,
                                       23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
                                       1, 0);
  std::size_t ns = 0, ne = 0;
  std::uint64_t prev = 0;
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t before = (word[w] << 1) | (prev >> 63);
    prev = word[w];
    const __m512i base = _mm512_set1_epi32(static_cast<int>(w * 64));
    ns += put_positions(word[w] & ~before, iota, base, starts + ns);
    ne += put_positions(~word[w] & before, iota, base, ends + ne);
  }
  return ns;
}
bool have_vbmi2() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vbmi2");
  return yes;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

std::size_t word_positions(const std::uint64_t* word, std::size_t words, std::uint32_t* starts, std::uint32_t* ends) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (have_vbmi2() && !g_baseline_only.load(std::memory_order_relaxed)) return word_positions_vbmi2(word, words, starts, ends);
#endif
  return word_positions_portable(word, words, starts, ends);
}

// hash_word() of the words [starts[i], ends[i]) of `lower`, for i < n, into out[i]; the value
// of a word longer than 16 bytes is left unspecified (the caller hashes those itself).
void hash_words_portable(const char* lower, const std::uint32_t* starts, const std::uint32_t* ends,
                         std::uint64_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t len = ends[i] - starts[i];
    out[i] = len <= 16 ? hash_word(lower + starts[i], len) : 0;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PROV_HAVE_AVX512_WORDS 1
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in shingle.cpp
#endif

// hash_word() for 8 words at a time: XXH3's three formulas for 1-3, 4-8 and 9-16 bytes
// (xxhash.h, XXH3_len_*_64b, seed 0) in every lane, the lane's own kept by its length. Each
// formula needs at most the first and the last 8 bytes of the word, so two loads a word give
// everything: read64(p) and read64(p + len - 8) (which reaches up to 7 bytes before a short
// word: `lower` has kFront bytes in front). Scalar loads into a block beat two gathers by ~8 %
// (gathers are slow on AMD's Zen 4). The 9-16-byte formula's folded 128-bit product is
// detail::fold_product. A test compares every length with XXH3_64bits.
__attribute__((target("avx512f,avx512dq,avx512bw"))) std::size_t hash_words_avx512(
    const char* lower, const std::uint32_t* starts, const std::uint32_t* ends, std::uint64_t* out, std::size_t n) {
  const auto flip = [](int a, int b) {  // two secret words xor'ed, as a 64-bit integer
    return static_cast<long long>(XXH_readLE64(XXH3_kSecret + a) ^ XXH_readLE64(XXH3_kSecret + b));
  };
  const __m512i flip1to3 = _mm512_set1_epi64(XXH_readLE32(XXH3_kSecret) ^ XXH_readLE32(XXH3_kSecret + 4));
  const __m512i flip4to8 = _mm512_set1_epi64(flip(8, 16));
  const __m512i flip_lo = _mm512_set1_epi64(flip(24, 32)), flip_hi = _mm512_set1_epi64(flip(40, 48));
  const __m512i p2 = _mm512_set1_epi64(static_cast<long long>(XXH_PRIME64_2));
  const __m512i p3 = _mm512_set1_epi64(static_cast<long long>(XXH_PRIME64_3));
  const __m512i rrmx = _mm512_set1_epi64(static_cast<long long>(0x9FB21C651E98DF25ULL));
  const __m512i aval = _mm512_set1_epi64(static_cast<long long>(0x165667919E3779F9ULL));
  const __m512i byte = _mm512_set1_epi64(0xFF), low32 = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i eight = _mm512_set1_epi64(8);
  const __m512i bswap = _mm512_set_epi8(56, 57, 58, 59, 60, 61, 62, 63, 48, 49, 50, 51, 52, 53, 54, 55,
                                        40, 41, 42, 43, 44, 45, 46, 47, 32, 33, 34, 35, 36, 37, 38, 39,
                                        24, 25, 26, 27, 28, 29, 30, 31, 16, 17, 18, 19, 20, 21, 22, 23,
                                        8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i s = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(starts + i)));
    const __m512i e = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ends + i)));
    const __m512i len = _mm512_sub_epi64(e, s);
    alignas(64) std::uint64_t lo_w[8], hi_w[8];
    for (std::size_t k = 0; k < 8; ++k) {
      std::memcpy(&lo_w[k], lower + starts[i + k], 8);
      std::memcpy(&hi_w[k], lower + ends[i + k] - 8, 8);
    }
    const __m512i lo = _mm512_load_si512(lo_w);
    const __m512i hi = _mm512_load_si512(hi_w);
    // 1-3 bytes: c1 = p[0], c2 = p[len / 2], c3 = p[len - 1] (the top byte of `hi`).
    const __m512i c1 = _mm512_and_si512(lo, byte);
    const __m512i c2 = _mm512_and_si512(_mm512_srlv_epi64(lo, _mm512_slli_epi64(_mm512_srli_epi64(len, 1), 3)), byte);
    const __m512i c3 = _mm512_srli_epi64(hi, 56);
    __m512i h1 = _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi64(c1, 16), _mm512_slli_epi64(c2, 24)),
                                 _mm512_or_si512(c3, _mm512_slli_epi64(len, 8)));
    h1 = _mm512_xor_si512(h1, flip1to3);
    h1 = _mm512_xor_si512(h1, _mm512_srli_epi64(h1, 33));  // XXH64_avalanche
    h1 = _mm512_mullo_epi64(h1, p2);
    h1 = _mm512_xor_si512(h1, _mm512_srli_epi64(h1, 29));
    h1 = _mm512_mullo_epi64(h1, p3);
    h1 = _mm512_xor_si512(h1, _mm512_srli_epi64(h1, 32));
    // 4-8 bytes: read32(p) << 32 plus read32(p + len - 4) (the top half of `hi`), then rrmxmx.
    __m512i h4 = _mm512_add_epi64(_mm512_srli_epi64(hi, 32), _mm512_slli_epi64(_mm512_and_si512(lo, low32), 32));
    h4 = _mm512_xor_si512(h4, flip4to8);
    h4 = _mm512_xor_si512(h4, _mm512_xor_si512(_mm512_rol_epi64(h4, 49), _mm512_rol_epi64(h4, 24)));
    h4 = _mm512_mullo_epi64(h4, rrmx);
    h4 = _mm512_xor_si512(h4, _mm512_add_epi64(_mm512_srli_epi64(h4, 35), len));
    h4 = _mm512_mullo_epi64(h4, rrmx);
    h4 = _mm512_xor_si512(h4, _mm512_srli_epi64(h4, 28));
    // 9-16 bytes: len + swap64(lo') + hi' + fold(lo' * hi'), then XXH3_avalanche.
    const __m512i in_lo = _mm512_xor_si512(lo, flip_lo), in_hi = _mm512_xor_si512(hi, flip_hi);
    __m512i h9 = _mm512_add_epi64(_mm512_add_epi64(len, _mm512_shuffle_epi8(in_lo, bswap)),
                                  _mm512_add_epi64(in_hi, detail::fold_product(in_lo, in_hi)));
    h9 = _mm512_xor_si512(h9, _mm512_srli_epi64(h9, 37));
    h9 = _mm512_mullo_epi64(h9, aval);
    h9 = _mm512_xor_si512(h9, _mm512_srli_epi64(h9, 32));
    const __mmask8 short_words = _mm512_cmple_epu64_mask(len, _mm512_set1_epi64(3));
    const __mmask8 long_words = _mm512_cmpgt_epu64_mask(len, eight);
    __m512i h = _mm512_mask_blend_epi64(short_words, h4, h1);
    h = _mm512_mask_blend_epi64(long_words, h, h9);
    _mm512_storeu_si512(out + i, h);
  }
  return i;  // words done; the caller hashes the rest
}
// The tokens of words [i, j) while they are plain (at most 16 bytes, no '_' or mid
// character: the tokenizer's common case, whose hash hash_words() computed), 8 at a time:
// their odd bits from one 8-byte read each, as the scalar loop does, tested at once, and the
// 16-byte Tokens {start, end, hash} interleaved in registers. Stops before the first group of
// 8 that holds another word (the caller handles that group) and returns where it stopped;
// tokens [i, returned) are written from `dst` on.
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) std::size_t plain_words_avx512(
    const std::uint32_t* starts, const std::uint32_t* ends, const std::uint64_t* hashes,
    const unsigned char* odd_bytes, std::size_t i, std::size_t j, Token* dst) {
  static_assert(sizeof(Token) == 16 && offsetof(Token, end) == 4 && offsetof(Token, hash) == 8, "Token layout");
  const __m512i lo_pairs = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i hi_pairs = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  const __m256i sixteen = _mm256_set1_epi32(16), seven = _mm256_set1_epi32(7);
  const __m512i one = _mm512_set1_epi64(1);
  for (; i + 8 <= j; i += 8, dst += 8) {
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(starts + i));
    const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ends + i));
    const __m256i len = _mm256_sub_epi32(e, s);
    if (_mm256_cmpgt_epu32_mask(len, sixteen) != 0) break;
    alignas(64) std::uint64_t odd_w[8];
    for (std::size_t k = 0; k < 8; ++k) std::memcpy(&odd_w[k], odd_bytes + starts[i + k] / 8, 8);
    const __m512i odd = _mm512_srlv_epi64(_mm512_load_si512(odd_w), _mm512_cvtepu32_epi64(_mm256_and_si256(s, seven)));
    const __m512i in_word = _mm512_sub_epi64(_mm512_sllv_epi64(one, _mm512_cvtepu32_epi64(len)), one);
    if (_mm512_test_epi64_mask(odd, in_word) != 0) break;
    const __m512i se = _mm512_or_si512(_mm512_cvtepu32_epi64(s), _mm512_slli_epi64(_mm512_cvtepu32_epi64(e), 32));
    const __m512i h = _mm512_loadu_si512(hashes + i);
    _mm512_storeu_si512(dst, _mm512_permutex2var_epi64(se, lo_pairs, h));
    _mm512_storeu_si512(dst + 4, _mm512_permutex2var_epi64(se, hi_pairs, h));
  }
  return i;
}
bool have_avx512_plain_words() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return yes;
}

bool have_avx512_words() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bw");
  return yes;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

void hash_words(const char* lower, const std::uint32_t* starts, const std::uint32_t* ends, std::uint64_t* out,
                std::size_t n) {
  std::size_t done = 0;
#ifdef PROV_HAVE_AVX512_WORDS
  if (have_avx512_words() && !g_baseline_only.load(std::memory_order_relaxed))
    done = hash_words_avx512(lower, starts, ends, out, n);
#endif
  hash_words_portable(lower, starts + done, ends + done, out + done, n - done);
}

// The tokens of a whitespace-delimited run [rs, re) that holds a byte the ASCII rules do not
// cover: the table-driven segmenter, or ICU where that segmenter does not handle a character.
void general_run(std::string_view text, std::size_t rs, std::size_t re, std::vector<Token>& out,
                 std::string& scratch, detail::FastWords& fast) {
  if (const std::size_t s0 = attached_start(text, rs); s0 != rs) {
    icu_segment(text, s0, re, out, scratch);
  } else if (!fast.segment(text, rs, re)) {
    icu_segment(text, rs, re, out, scratch);
  } else {
    for (const auto& w : fast.words()) push_token(out, scratch, text, w.first, w.second);
  }
}

}  // namespace

namespace detail {
void use_baseline_code(bool on) { g_baseline_only.store(on, std::memory_order_relaxed); }
bool baseline_code() { return g_baseline_only.load(std::memory_order_relaxed); }
std::string normalize_word_icu(std::string_view word) {
  std::string out;
  if (is_ascii(word)) {
    normalize_ascii(word, out);
  } else {
    normalize_unicode(word, out);
  }
  return out;
}
}  // namespace detail

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  tokenize(text, out);
  return out;
}

void tokenize(std::string_view text, std::vector<Token>& out) {
  // A word never contains ASCII whitespace, and ICU always breaks at it. So:
  //  1. one SIMD pass classifies every byte into bitmaps (classify) and lower-cases ASCII
  //     letters; the ASCII word rules then become bit operations (word_bits);
  //  2. each whitespace-delimited run holding a non-ASCII byte or '@' is taken out of the
  //     word bitmap and segmented by the general path (general_run: the table-driven
  //     segmenter of detail/fast_words.hpp, or ICU);
  //  3. every other word is a stretch of set bits, found with bit scans and hashed straight
  //     from the lower-cased copy (or, when it holds '_' or a mid character, from a copy
  //     without them).
  // Both paths give ICU's tokens: a test compares them on every text of the shared corpus,
  // and a fuzz target on any input.
  if (text.empty()) {
    out.clear();
    return;
  }
  // out[0, count) are this text's tokens. The ASCII words are written over the tokens `out`
  // held before (a scan passes the previous document's), and `out` grows only past them:
  // growing a vector zero-fills its new Tokens first, 1.2-1.6 % of a real-English scan when
  // every document grew from empty. The general path appends, so `out` is cut to count first.
  std::size_t count = 0;
  out.reserve(text.size() / 5);
  thread_local Classified c;
  thread_local std::string scratch;
  thread_local detail::FastWords fast;
  thread_local std::vector<std::pair<std::size_t, std::size_t>> runs;  // step 2's runs, in order
  const std::size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  classify(p, n, c);
  word_bits(c);
  runs.clear();
  for (std::size_t w = 0, covered = 0; w * 64 < n; ++w) {
    for (std::uint64_t b = c.bail[w]; b; b &= b - 1) {
      const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(b));
      if (i < covered) continue;
      const std::size_t rs = after_prev_set(c.space, i), re = std::min(next_set(c.space, i), n);
      clear_bits(c.word, rs, re);
      clear_bits(c.odd, rs, re);
      runs.emplace_back(rs, re);
      covered = re;
    }
  }
  // Step 3 in three passes: the words' start and end positions out of the bitmaps; their
  // hashes, 8 at a time where the CPU can; then the tokens in text order, with the general
  // path's runs merged in and the words with '_' or a mid character (or over 16 bytes) hashed
  // on their own.
  const std::uint64_t* word = c.word.data();
  const std::size_t words = c.word.size();
  // Room for the words and for a block's 32 positions written at once: for the worst case
  // (n / 2 + 1 words) up to 1 MB of text; beyond, the words are counted first, as the worst
  // case would make a large record's scratch 8 bytes a text byte (counting cost small
  // documents ~10 %).
  std::size_t slots = n / 2 + 2 + 32;
  if (n > (std::size_t{1} << 20)) {
    slots = 32;
    for (std::size_t w = 0; w < words; ++w)
      slots += static_cast<std::size_t>(std::popcount(word[w] & ~word_before(word, w)));  // the starts
  }
  if (c.starts.size() < slots) {
    c.starts.resize(slots);
    c.ends.resize(slots);
    c.hashes.resize(slots);
  }
  const std::size_t nw = word_positions(word, words, c.starts.data(), c.ends.data());
  const char* lower = c.lower();
  hash_words(lower, c.starts.data(), c.ends.data(), c.hashes.data(), nw);
  const auto* odd_bytes = reinterpret_cast<const unsigned char*>(c.odd.data());
  // The words between two of the general path's runs are written through a pointer into room
  // made for all of them (a push_back a word cost a fifth of this loop), then the run's tokens.
  const std::uint32_t* starts = c.starts.data();
#ifdef PROV_HAVE_AVX512_WORDS
  const bool vector_words = have_avx512_plain_words() && !g_baseline_only.load(std::memory_order_relaxed);
#else
  const bool vector_words = false;
#endif
  const auto append_run = [&](std::size_t ri) {  // the general path appends: cut `out` to count first
    out.resize(count);
    general_run(text, runs[ri].first, runs[ri].second, out, scratch, fast);
    count = out.size();
  };
  for (std::size_t i = 0, ri = 0; i < nw || ri < runs.size(); ++ri) {
    std::size_t j = i;  // the words before run ri: few between runs of other scripts
    if (ri < runs.size()) {
      while (j < nw && starts[j] < runs[ri].first) ++j;
    } else {
      j = nw;
    }
    if (i == j) {  // no ASCII word before the run (text of other scripts: most runs)
      append_run(ri);
      continue;
    }
    if (out.size() < count + (j - i)) out.resize(count + (j - i));
    Token* dst = out.data() + count;
    std::size_t group_end = i;  // the scalar loop's words: all, or a group of 8 the vector path left
    for (; i < j; ++i) {
      if (i == group_end) {
#ifdef PROV_HAVE_AVX512_WORDS
        if (vector_words) {
          const std::size_t to = plain_words_avx512(starts, c.ends.data(), c.hashes.data(), odd_bytes, i, j, dst);
          dst += to - i;
          i = to;
          if (i == j) break;
        }
#endif
        group_end = vector_words ? std::min(j, i + 8) : j;
      }
      const std::uint32_t s = starts[i], e = c.ends[i];
      if (e - s <= 16) {  // the odd bits of [s, e) from one 8-byte read (the bitmap has 16 bytes to spare)
        std::uint64_t odd_bits;
        std::memcpy(&odd_bits, odd_bytes + s / 8, 8);
        if (((odd_bits >> (s % 8)) & ((std::uint64_t{1} << (e - s)) - 1)) == 0) {
          *dst++ = Token{s, e, c.hashes[i]};
          continue;
        }
      }
      if (!any_bit(c.odd, s, e)) {
        *dst++ = Token{s, e, XXH3_64bits(lower + s, e - s)};
        continue;
      }
      scratch.clear();
      normalize_ascii(text.substr(s, e - s), scratch);
      if (scratch.empty()) continue;  // only '_'
      *dst++ = Token{s, e, XXH3_64bits(scratch.data(), scratch.size())};
    }
    count = static_cast<std::size_t>(dst - out.data());
    if (ri < runs.size()) append_run(ri);
  }
  out.resize(count);
  if (c.lower_buf.capacity() > (std::size_t{64} << 20) || c.starts.capacity() > (std::size_t{1} << 22))
    c = Classified{};  // not a whole book's scratch per thread
}

}  // namespace prov::fingerprint
