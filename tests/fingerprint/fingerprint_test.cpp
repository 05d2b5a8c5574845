// tests/fingerprint/fingerprint_test.cpp: segmentation, normalisation, shingles and sampling.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "common/file_io.hpp"
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
