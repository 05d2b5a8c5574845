// tests/fingerprint/fingerprint_test.cpp: segmentation, normalisation, shingles and sampling.
#include <catch2/catch.hpp>

#include <cctype>
#include <random>
#include <set>

#include <xxhash.h>

#include "common/file_io.hpp"
#include "fingerprint/detail/fast_words.hpp"
#include "fingerprint/fingerprint.hpp"
#include "tests/testlib.hpp"

using namespace prov;
using namespace prov::fingerprint;

namespace {
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : tokenize(text)) out.emplace_back(text.substr(t.start, t.end - t.start));
  return out;
}
std::vector<std::uint64_t> hashes(std::string_view text) {
  std::vector<std::uint64_t> out;
  for (const auto& t : tokenize(text)) out.push_back(t.hash);
  return out;
}
}  // namespace

TEST_CASE("tokens keep their byte ranges in the original text", "[fingerprint]") {
  const std::string text = "  Hello, world! \xE2\x80\x9CQuoted\xE2\x80\x9D text.";
  const auto toks = tokenize(text);
  REQUIRE(toks.size() == 4);
  CHECK(toks[0].start == 2);
  CHECK(toks[0].end == 7);
  CHECK(text.substr(toks[1].start, toks[1].end - toks[1].start) == "world");
  CHECK(text.substr(toks[2].start, toks[2].end - toks[2].start) == "Quoted");
  CHECK(words(text).back() == "text");
}

TEST_CASE("normalisation ignores case, punctuation, whitespace and compatibility forms", "[fingerprint]") {
  const auto base = hashes("The quick brown fox doesn't jump over the lazy dog");
  CHECK(hashes("THE   QUICK\nbrown -- fox, doesn\xE2\x80\x99t jump; over the LAZY dog!") == base);
  CHECK(hashes("the quick brown fox doesnt jump over the lazy dog") == base);
  // NBSP between words, soft hyphen inside a word, a ligature, decomposed accents.
  CHECK(hashes("the\xC2\xA0quick brown fox doesn't jump over the la\xC2\xADzy dog") == base);
  CHECK(normalize_word("\xEF\xAC\x81nal") == "final");  // U+FB01 ligature
  CHECK(normalize_word("Cafe\xCC\x81") == normalize_word("caf\xC3\xA9"));
  CHECK(normalize_word("\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2") ==
        "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // ПРИВЕТ -> привет
  CHECK(normalize_word("Stra\xC3\x9F" "e") == "strasse");       // full case folding
}

namespace {
std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 63)));
  } else {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 63)));
    s.push_back(static_cast<char>(0x80 | (cp & 63)));
  }
  return s;
}
}  // namespace

TEST_CASE("the table of single characters' forms normalises words exactly as ICU does", "[fingerprint]") {
  // normalize_word() puts a word of characters that never compose with what precedes them
  // together from each character's form; any other word goes to ICU's normaliser.
  std::vector<std::string> chars;
  for (std::uint32_t cp = 0x80; cp < 0x800; ++cp) chars.push_back(utf8(cp));
  for (std::uint32_t cp = 0x2000; cp < 0x2070; ++cp) chars.push_back(utf8(cp));
  std::size_t differ = 0;
  const auto same = [&](const std::string& w) {
    if (normalize_word(w) == detail::normalize_word_icu(w)) return;
    if (++differ <= 5) FAIL_CHECK("normalize_word differs from ICU on [" << w << "]");
  };
  for (const auto& c : chars) {
    for (const std::string& w : {c, "a" + c + "b", "Q" + c, c + "e\xCC\x81", c + c, "1" + c + "2", c + "\xC3\x9F"}) same(w);
  }
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 20000; ++round) {  // words of 1 to 6 characters, some of them ASCII
    std::string w;
    for (std::uint64_t i = 0, n = 1 + rng() % 6; i < n; ++i)
      w += rng() % 3 == 0 ? std::string(1, static_cast<char>('A' + rng() % 58)) : chars[rng() % chars.size()];
    same(w);
  }
  PROV_REQUIRE_SHARED(texts, "texts");
  std::size_t words_checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(texts)) {
    if (!e.is_regular_file()) continue;
    const auto bytes = read_file(e.path());
    REQUIRE(bytes.ok());
    const std::string& s = *bytes;
    for (const auto& t : tokenize(s)) {
      const std::string w = s.substr(t.start, t.end - t.start);
      if (std::all_of(w.begin(), w.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) continue;
      same(w);
      ++words_checked;
    }
  }
  CHECK(differ == 0);
  CHECK(words_checked > 100000);
}

TEST_CASE("Han and kana are one token per character; other scripts are words", "[fingerprint]") {
  CHECK(words("\xE5\x90\xBE\xE8\xBC\xA9\xE3\x81\xAF\xE7\x8C\xAB\xE3\x81\xA7\xE3\x81\x82\xE3\x82\x8B").size() == 7);
  CHECK(words("\xD0\x93\xD0\xBE\xD0\xB2\xD0\xBE\xD1\x80\xD0\xB8\xD0\xBB\xD0\xB8, \xD1\x87\xD1\x82\xD0\xBE").size() == 2);
  CHECK(words("in 1851, 3.14 and 10,000").size() == 5);
}

TEST_CASE("shingle hashes and samples depend only on the words themselves", "[fingerprint]") {
  const std::string passage =
      "It is a truth universally acknowledged, that a single man in possession of a good "
      "fortune, must be in want of a wife. However little known the feelings or views of such "
      "a man may be on his first entering a neighbourhood, this truth is so well fixed";
  const std::string a = "Some unrelated preamble of several words here. " + passage + " and after";
  const std::string b = "Quite another context! " + passage + "\nthen other words follow";
  const Params p;
  const auto ta = tokenize(a), tb = tokenize(b), tp = tokenize(passage);
  const auto sa = sample(ta, p), sb = sample(tb, p), sp = sample(tp, p);
  REQUIRE_FALSE(sp.empty());
  // Every sample wholly inside the passage appears in both contexts.
  std::multiset<std::uint64_t> in_a, in_b;
  for (const auto& s : sa) in_a.insert(s.hash);
  for (const auto& s : sb) in_b.insert(s.hash);
  for (const auto& s : sp) {
    CHECK(in_a.count(s.hash) == 1);
    CHECK(in_b.count(s.hash) == 1);
  }
  // Shingle hashes are the same function as the samples.
  const auto all = shingle_hashes(tp, p.k);
  REQUIRE(all.size() == tp.size() - p.k + 1);
  for (const auto& s : sp) CHECK(all[s.pos] == s.hash);
}

TEST_CASE("the sample keeps about 1 in sample_rate shingles of real text", "[fingerprint]") {
  auto text = read_file(test::source_dir() / "fixtures/works/pride-excerpt.txt");
  REQUIRE(text.ok());
  const auto toks = tokenize(*text);
  REQUIRE(toks.size() > 5000);
  for (std::uint32_t rate : {1u, 4u, 8u}) {
    Params p;
    p.sample_rate = rate;
    const double n = static_cast<double>(sample(toks, p).size());
    const double expected = static_cast<double>(toks.size() - p.k + 1) / rate;
    CHECK(n > 0.85 * expected);
    CHECK(n < 1.15 * expected);
  }
}

TEST_CASE("tokenize survives arbitrary valid UTF-8 and empty input", "[fingerprint]") {
  CHECK(tokenize("").empty());
  CHECK(tokenize("   ...  !!! ").empty());
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string s;
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t cp = static_cast<std::uint32_t>(rng() % 0x3000);
      if (cp >= 0xD800 && cp < 0xE000) continue;
      if (cp < 0x80) s.push_back(static_cast<char>(cp ? cp : ' '));
      else if (cp < 0x800) { s.push_back(static_cast<char>(0xC0 | (cp >> 6))); s.push_back(static_cast<char>(0x80 | (cp & 63))); }
      else { s.push_back(static_cast<char>(0xE0 | (cp >> 12))); s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 63))); s.push_back(static_cast<char>(0x80 | (cp & 63))); }
    }
    std::uint32_t last = 0;
    for (const auto& t : tokenize(s)) {
      CHECK(t.start >= last);
      CHECK(t.end > t.start);
      CHECK(t.end <= s.size());
      last = t.end;
    }
  }
}

namespace {
// Both byte classifiers (AVX-512 VBMI where the machine has it, and the portable SSE2 one)
// must give ICU's tokens.
struct BaselineClassifier {
  explicit BaselineClassifier(bool on) { detail::use_baseline_code(on); }
  ~BaselineClassifier() { detail::use_baseline_code(false); }
  BaselineClassifier(const BaselineClassifier&) = delete;
  BaselineClassifier& operator=(const BaselineClassifier&) = delete;
};
void require_same_tokens_with(std::string_view text, const std::string& what, bool baseline) {
  std::vector<Token> fast;
  {
    const BaselineClassifier cls(baseline);
    fast = tokenize(text);
  }
  const auto ref = tokenize_icu(text);
  std::size_t i = 0;
  while (i < fast.size() && i < ref.size() && fast[i].start == ref[i].start && fast[i].end == ref[i].end &&
         fast[i].hash == ref[i].hash)
    ++i;
  if (i < fast.size() || i < ref.size()) {
    const auto at = i < ref.size() ? ref[i].start : (i < fast.size() ? fast[i].start : 0);
    const auto from = at > 40 ? at - 40 : 0;
    FAIL(what << ": fast and ICU tokens differ at token " << i << " (fast " << fast.size() << ", icu "
              << ref.size() << " tokens) near: [" << std::string(text.substr(from, 80)) << "]"
              << (i < fast.size() ? " fast=" + std::string(text.substr(fast[i].start, fast[i].end - fast[i].start)) : "")
              << (i < ref.size() ? " icu=" + std::string(text.substr(ref[i].start, ref[i].end - ref[i].start)) : "")
              << (baseline ? " (portable classifier)" : ""));
  }
}
void require_same_tokens(std::string_view text, const std::string& what) {
  require_same_tokens_with(text, what, false);
  require_same_tokens_with(text, what, true);
}
// `rounds` texts of 1 to max_len pieces drawn from `alphabet` (seeded: the same texts every run).
void require_same_tokens_on_random_texts(const std::vector<std::string>& alphabet, std::uint64_t seed, int rounds,
                                         int max_len) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < rounds; ++round) {
    std::string s;
    const int len = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(max_len));
    for (int i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    require_same_tokens(s, "random");
  }
}
}  // namespace

TEST_CASE("the fast segmenter gives exactly ICU's tokens on every corpus text", "[fingerprint]") {
  for (const char* rel : {"fixtures/works/alice-excerpt.txt", "fixtures/works/pride-excerpt.txt",
                          "fixtures/works/chekhov-excerpt.txt", "fixtures/filler/moby-excerpt.txt"}) {
    require_same_tokens(*read_file(test::source_dir() / rel), rel);
  }
  PROV_REQUIRE_SHARED(texts, "texts");
  std::size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(texts)) {
    if (!e.is_regular_file()) continue;
    auto bytes = read_file(e.path());
    REQUIRE(bytes.ok());
    std::string s = *bytes;
    if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);
    require_same_tokens(s, e.path().string());
    ++n;
  }
  CHECK(n >= 30);
}

TEST_CASE("the fast segmenter agrees with ICU on random mixes of tricky characters", "[fingerprint]") {
  // Letters, digits and every class the rules treat specially, in random order.
  std::vector<std::string> alphabet = {
      "a", "Z", "e", "7", "0", ".", ",", ";", ":", "'", "\"", "_", "-", "!", "?", "(", " ", "\n",
      "\xC3\xA9",      // é
      "e\xCC\x81",     // e + combining acute
      "\xC2\xAD",      // soft hyphen (Format)
      "\xC2\xA0",      // NBSP
      "\xE2\x80\x99",  // right single quote (MidNumLet)
      "\xE2\x80\x9C",  // left double quote
      "\xE2\x80\x94",  // em dash
      "\xE2\x80\xA6",  // ellipsis
      "\xC2\xB7",      // middle dot (MidLetter)
      "\xD0\xB6",      // Cyrillic zhe
      "\xCE\xB1",      // Greek alpha
      "\xD8\xB9",      // Arabic ain
      "\xD9\xA3",      // Arabic-Indic digit three
      "\xD7\x90",      // Hebrew alef (ICU path)
      "\xE6\x97\xA5",  // Han (ICU path)
      "\xE3\x82\xAB",  // Katakana (ICU path)
      "\xF0\x9F\x98\x80",  // emoji (ICU path)
      "\xE2\x80\x8D",  // ZWJ (ICU path)
      "\xC2\xA9",      // copyright sign (Extended_Pictographic)
      "\xEF\xAC\x81",  // fi ligature
  };
  for (char c = '!'; c <= '~'; ++c)
    if (!std::isalnum(static_cast<unsigned char>(c))) alphabet.emplace_back(1, c);
  require_same_tokens_on_random_texts(alphabet, 20261128, 3000, 24);
}

TEST_CASE("words across the classifier's 64-byte blocks give ICU's tokens", "[fingerprint]") {
  // tokenize() classifies 64 bytes at a time into bitmaps; a mid character's neighbours, a
  // word and a run sent to the general path can each straddle two blocks.
  std::vector<std::string> alphabet;
  for (const char c : std::string_view("aZ7._,'\"-;@ ")) alphabet.emplace_back(1, c);
  for (const char* u : {"\xE2\x80\x99", "\xC3\xA9", "\xCC\x81", "\xD0\xB6"}) alphabet.emplace_back(u);
  require_same_tokens_on_random_texts(alphabet, 64, 1500, 400);
  for (std::size_t at = 56; at < 72; ++at) {  // one tricky word placed across the boundary
    for (const char* w : {"don't", "a.b", "1,000", "x_y", "caf\xC3\xA9s", "don\xE2\x80\x99t", "a@b.c", "__", "'a'"}) {
      std::string s(at, 'q');
      s[at - 1] = ' ';
      s += w;
      s += " end";
      require_same_tokens(s, "boundary");
    }
  }
  const std::string long_word(700, 'x');  // longer than any buffer, with a '_' inside
  require_same_tokens(long_word + "_" + long_word + " y", "long word");
}

TEST_CASE("ASCII runs of one word among punctuation give ICU's tokens", "[fingerprint]") {
  // tokenize() takes a run with one stretch of letters and digits as that word unless a '_'
  // touches it; every other punctuated run goes through the ASCII word rules.
  for (const char* s : {"said,", "(he", "end.\"", "'tis", "don'", "_a", "a_", "_a_", "x_y", "__", ",a,", "a--b",
                        "3.5", "5.", ".5", "a.b", "a:b", "'", "(1)", "\"Yes!\"", "a__", "(_a)", "a.", "..a..",
                        "0_", "(x) y_ _z", "1,000", ",1,", "e.g.", "U.S.A."}) {
    require_same_tokens(s, s);
    require_same_tokens(std::string("w ") + s + " w", s);
  }
  std::vector<std::string> alphabet;
  for (const char c : std::string_view("aZ7._,'\"-:;()!? ")) alphabet.emplace_back(1, c);
  require_same_tokens_on_random_texts(alphabet, 99, 5000, 16);
}

TEST_CASE("a run that starts with ZWJ or Extend joins the whitespace before it, as in ICU", "[fingerprint]") {
  // Found by fuzzing tokenize() against tokenize_icu(): ICU attaches a ZWJ, Extend or Format
  // character to the space or tab before it (WB4, spaces staying together by WB3d), so the
  // word "\u2139" (INFORMATION SOURCE, a letter) after " \u200D" starts at the space.
  for (const std::string& s : {std::string(" \xE2\x80\x8D\xE2\x84\xB9"), std::string("ab   \xE2\x80\x8D\xE2\x84\xB9 x"),
                              std::string("a\t\xE2\x80\x8D\xE2\x84\xB9"), std::string("a\n\xE2\x80\x8D\xE2\x84\xB9"),
                              std::string("\t \xCC\x81x y"), std::string("x \xC2\xAD" "abc")}) {
    require_same_tokens(s, "attached");
  }
  const auto t = fingerprint::tokenize("ab   \xE2\x80\x8D\xE2\x84\xB9 x");
  REQUIRE(t.size() == 3);
  CHECK(t[1].start == 2);
}

TEST_CASE("shingle hashes computed 8 at a time equal XXH3 of each shingle's bytes", "[fingerprint]") {
  // shingle_hashes() hashes k = 5 shingles with AVX-512 where the CPU has it; the portable
  // path is XXH3_64bits of each shingle's 40 bytes. Every length up to 100 tokens (every
  // remainder after the blocks of 8), and hashes with high bits set in every lane.
  std::mt19937_64 rng(40);
  for (std::size_t n = 0; n <= 100; ++n) {
    std::vector<std::uint64_t> h(n);
    for (auto& x : h) x = rng() | (n % 3 == 0 ? 0xFFFFFFFF00000000ull : 0);
    std::vector<std::uint64_t> fast, portable;
    shingle_hashes(h, 5, fast);
    {
      const BaselineClassifier portable_code(true);
      shingle_hashes(h, 5, portable);
    }
    REQUIRE(fast.size() == (n >= 5 ? n - 4 : 0));
    CHECK(fast == portable);
  }
}

TEST_CASE("tokenize into a reused vector gives a fresh call's tokens, whatever it held", "[fingerprint]") {
  // tokenize(text, out) writes over the tokens `out` held and grows it only past them: texts
  // longer and shorter than the one before, other scripts between ASCII words, and empty text.
  const std::vector<std::string> texts = {
      "The quick brown fox jumps over the lazy dog, again and again and again.",
      "Short one.",
      "Mixed: naïve café Москва 東京 and plain words after them, don't stop_here.",
      "",
      "Another fairly long line of plain ASCII words to grow the vector past the last one's size.",
      "東京",
      "a b c"};
  std::vector<Token> reused;
  for (int round = 0; round < 2; ++round) {
    for (const auto& t : texts) {
      tokenize(t, reused);
      const auto fresh = tokenize(t);
      REQUIRE(reused.size() == fresh.size());
      for (std::size_t i = 0; i < fresh.size(); ++i) {
        CHECK(reused[i].start == fresh[i].start);
        CHECK(reused[i].end == fresh[i].end);
        CHECK(reused[i].hash == fresh[i].hash);
      }
    }
  }
}

TEST_CASE("the sampled shingles as two arrays are sample()'s, 8 at a time or one by one", "[fingerprint]") {
  // sampled() compresses 8 shingles at a time with AVX-512 where the CPU has it; it must keep
  // exactly sample()'s shingles, in order, for every length (every remainder after the blocks
  // of 8), every rate, and hashes on both sides of the threshold's high bit. token_hashes()
  // picks 8 tokens' hashes at a time the same way.
  std::mt19937_64 rng(41);
  for (const std::uint32_t rate : {1u, 2u, 4u, 7u}) {
    Params p;
    p.sample_rate = rate;
    for (std::size_t n = 0; n <= 70; ++n) {
      std::vector<std::uint64_t> sh(n);
      for (auto& x : sh) x = rng();
      const auto ref = sample(sh, p);
      for (const bool portable : {false, true}) {
        const BaselineClassifier code(portable);
        std::vector<std::uint32_t> pos(n + 8, 0xDEAD);
        std::vector<std::uint64_t> keys(n + 8, 0);
        const std::size_t m = sampled(sh.data(), sh.size(), p, pos.data(), keys.data());
        REQUIRE(m == ref.size());
        for (std::size_t i = 0; i < m; ++i) {
          CHECK(pos[i] == ref[i].pos);
          CHECK(keys[i] == ref[i].hash);
        }
        std::vector<Token> tokens(n);
        for (std::size_t i = 0; i < n; ++i) tokens[i] = Token{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1), sh[i]};
        std::vector<std::uint64_t> th(3, 7);  // resized, not appended to
        token_hashes(tokens, th);
        CHECK(th == sh);
      }
    }
  }
}

TEST_CASE("word hashes computed 8 at a time equal XXH3 of each lower-cased word", "[fingerprint]") {
  // tokenize() hashes ASCII words of up to 16 bytes 8 at a time with AVX-512 where the CPU has
  // it (XXH3's formulas for 1-3, 4-8 and 9-16 bytes side by side), the rest one at a time.
  // Every word length up to 24 at random offsets, mixed case and digits, and texts of one-
  // letter words (32 a block: more starts than the first 16 positions written at once).
  std::mt19937_64 rng(8);
  const std::string_view chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<std::string> texts;
  for (std::size_t round = 0; round < 300; ++round) {
    std::string s(rng() % 3, ' ');
    const std::size_t count = 1 + rng() % 40;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t len = 1 + (round + i) % 24;
      for (std::size_t j = 0; j < len; ++j) s += chars[rng() % chars.size()];
      s.append(1 + rng() % 2, rng() % 4 ? ' ' : '\n');
    }
    texts.push_back(std::move(s));
  }
  for (const std::size_t n : {1u, 7u, 8u, 9u, 40u, 200u}) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += std::string(1, chars[i % 26]) + " ";
    texts.push_back(s);
  }
  for (const bool baseline : {false, true}) {
    const BaselineClassifier cls(baseline);
    for (const auto& s : texts) {
      std::size_t expect = 0;
      for (std::size_t i = 0; i < s.size(); ++i) expect += s[i] != ' ' && s[i] != '\n' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n');
      const auto t = tokenize(s);
      REQUIRE(t.size() == expect);
      for (const auto& tok : t) {
        std::string w(s.substr(tok.start, tok.end - tok.start));
        for (auto& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        INFO(w << (baseline ? " (portable)" : ""));
        CHECK(tok.hash == XXH3_64bits(w.data(), w.size()));
      }
    }
  }
}
