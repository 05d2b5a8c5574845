// tests/fingerprint/minhash_test.cpp: one-permutation MinHash sketches, as
// property tests (after sourmash's src/core/tests/minhash.rs): the estimate of
// a set measure is checked against the exact measure of the same shingle sets,
// on random sets and on real text.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_set>

#include "common/file_io.hpp"
#include "fingerprint/fingerprint.hpp"
#include "tests/testlib.hpp"

using namespace prov;
using namespace prov::fingerprint;

namespace {

double exact_jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  const std::unordered_set<std::uint64_t> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::size_t inter = 0;
  for (const auto x : sa) inter += sb.count(x);
  const std::size_t uni = sa.size() + sb.size() - inter;
  return uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0;
}

// Two random sets with `shared` common elements and `only_a`, `only_b` private
// ones.
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> random_pair(std::mt19937_64& rng,
                                                                              std::size_t shared,
                                                                              std::size_t only_a,
                                                                              std::size_t only_b) {
  std::vector<std::uint64_t> a, b;
  for (std::size_t i = 0; i < shared; ++i) {
    const auto x = rng();
    a.push_back(x);
    b.push_back(x);
  }
  for (std::size_t i = 0; i < only_a; ++i) a.push_back(rng());
  for (std::size_t i = 0; i < only_b; ++i) b.push_back(rng());
  std::shuffle(a.begin(), a.end(), rng);
  std::shuffle(b.begin(), b.end(), rng);
  return {a, b};
}

std::vector<std::uint64_t> text_shingles(const std::string& text) {
  return shingle_hashes(tokenize(text), 5);
}

}  // namespace

TEST_CASE(
    "a sketch has 128 bins, is a function of the set, and is empty "
    "without shingles",
    "[minhash]") {
  std::mt19937_64 rng(1);
  auto [a, b] = random_pair(rng, 3000, 0, 0);
  const Sketch s = sketch(a);
  REQUIRE(s.mins.size() == kSketchBins);
  CHECK(s.shingles == a.size());
  std::reverse(a.begin(), a.end());
  CHECK(sketch(a).mins == s.mins);  // order does not matter
  a.insert(a.end(), a.begin(), a.begin() + 100);
  CHECK(sketch(a).mins == s.mins);  // repeats do not matter (only the count sees them)
  CHECK(jaccard(s, sketch(b)) == 1.0);
  CHECK(sketch(std::vector<std::uint64_t>{}).empty());
  CHECK(jaccard(s, Sketch{}) == 0.0);
  // One shingle fills every bin by densification.
  const Sketch one = sketch(std::vector<std::uint64_t>{42});
  CHECK(std::count(one.mins.begin(), one.mins.end(), one.mins[0]) == kSketchBins);
}

TEST_CASE("identical sets estimate 1, disjoint sets about 0", "[minhash]") {
  std::mt19937_64 rng(2);
  for (const std::size_t n : {1u, 7u, 50u, 1000u, 100000u}) {
    auto [a, b] = random_pair(rng, n, 0, 0);
    CHECK(jaccard(sketch(a), sketch(b)) == 1.0);
    auto [c, d] = random_pair(rng, 0, n, n);
    CHECK(jaccard(sketch(c), sketch(d)) <= 0.02);
  }
}

// The standard error of a 128-bin estimate is sqrt(J (1 - J) / 128): 0.044 at J
// = 0.5, so ±0.1 is 2.3 standard errors there, and one trial in fifty may miss
// it. What must hold: the estimate is unbiased, nearly every trial is within
// 0.1 and none beyond 4.5 standard errors.
TEST_CASE("the Jaccard estimate is within 0.1 of the exact value and unbiased", "[minhash]") {
  std::mt19937_64 rng(3);
  // Sizes from a few shingles (mostly densified bins) to a book; overlaps from
  // 0 to 1.
  for (const std::size_t size : {20u, 200u, 2000u, 50000u}) {
    double err_sum = 0;
    int trials = 0, within = 0;
    for (int t = 0; t < 200; ++t) {
      const double target = (t % 50) / 49.0;
      // shared / (shared + 2 * priv) = target with shared + priv = size
      const auto shared = static_cast<std::size_t>(
          std::lround(static_cast<double>(size) * 2 * target / (1 + target)));
      const std::size_t priv = size - std::min(size, shared);
      auto [a, b] = random_pair(rng, shared, priv, priv);
      const double exact = exact_jaccard(a, b);
      const double est = jaccard(sketch(a), sketch(b));
      const double se = std::sqrt(std::max(exact * (1 - exact), 0.01) / kSketchBins);
      INFO("size " << size << " exact " << exact << " estimate " << est);
      CHECK(std::abs(est - exact) <= 4.5 * se);
      err_sum += est - exact;
      within += std::abs(est - exact) <= 0.1;
      ++trials;
    }
    INFO("size " << size << " mean error " << err_sum / trials << ", within 0.1: " << within
                 << " of " << trials);
    CHECK(std::abs(err_sum / trials) <= 0.01);
    CHECK(within >= trials * 95 / 100);
  }
}

TEST_CASE("containment of a subset is about 1, of half a set about 0.5", "[minhash]") {
  std::mt19937_64 rng(4);
  auto [part, whole] = random_pair(rng, 2000, 0, 2000);  // part ⊂ whole, |whole| = 2|part|
  const Sketch sp = sketch(part), sw = sketch(whole);
  const double j = jaccard(sp, sw);
  CHECK(j == Approx(0.5).margin(0.1));
  CHECK(containment(sp, sw, j) >= 0.85);
  CHECK(containment(sw, sp, j) == Approx(0.5).margin(0.1));
  CHECK(containment(sp, sw, 0.0) == 0.0);
  CHECK(containment(sp, sw, 1.0) == 1.0);  // clamped
}

TEST_CASE(
    "on real text: edited copies estimate the exact Jaccard of their "
    "shingle sets",
    "[minhash]") {
  const auto text = *read_file(test::source_dir() / "fixtures/works/pride-excerpt.txt");
  const auto toks = tokenize(text);
  // Copies with every n-th word dropped: each drop breaks the k = 5 shingles
  // over it.
  for (const std::size_t n : {4u, 10u, 30u, 100u}) {
    std::string edited;
    for (std::size_t i = 0; i < toks.size(); ++i)
      if (i % n != n - 1) edited += text.substr(toks[i].start, toks[i].end - toks[i].start) + " ";
    const auto a = text_shingles(text), b = text_shingles(edited);
    const double exact = exact_jaccard(a, b);
    const double est = jaccard(sketch(a), sketch(b));
    INFO("every " << n << "th word dropped: exact " << exact << " estimate " << est);
    CHECK(std::abs(est - exact) <= 0.1);
  }
  // Unrelated text: no resemblance.
  const auto moby = *read_file(test::source_dir() / "fixtures/filler/moby-excerpt.txt");
  CHECK(jaccard(sketch(text_shingles(text)), sketch(text_shingles(moby))) <= 0.02);
}

TEST_CASE("sketch windows tile the tokens on a fixed grid", "[minhash]") {
  CHECK(sketch_windows(0).empty());
  REQUIRE(sketch_windows(10).size() == 1);
  CHECK(sketch_windows(10)[0].end == 10);
  CHECK(sketch_windows(kSketchWindow).size() == 1);
  const auto w = sketch_windows(5500);
  REQUIRE(w.size() == 6);  // 0, 1000, 2000, 3000, the tail [3500, 5500), the whole
  for (std::size_t i = 0; i + 2 < w.size(); ++i) {
    CHECK(w[i].end - w[i].start == kSketchWindow);
    CHECK(w[i].start == i * kSketchStep);
  }
  CHECK(w[4].start == 3500);
  CHECK(w[4].end == 5500);
  CHECK(w[5].start == 0);
  CHECK(w[5].end == 5500);
  CHECK(sketch_windows(3000).size() == 3);  // no duplicate tail

  // window_sketch takes the shingles wholly inside the window.
  std::vector<std::uint64_t> h(100);
  std::iota(h.begin(), h.end(), 1000);
  const Sketch s = window_sketch(h, TokenWindow{10, 30}, 5);
  CHECK(s.shingles == 16);
  CHECK(s == sketch(h.data() + 10, h.data() + 26));
  CHECK(window_sketch(h, TokenWindow{10, 13}, 5).empty());
}

TEST_CASE("window_sketches equals window_sketch of every window", "[minhash]") {
  // window_sketches() composes each window's bins from shared segments; the sketches stored in
  // the index and computed at scan time must be exactly the one-window-at-a-time ones.
  std::mt19937_64 rng(20261129);
  for (const std::size_t tokens : {0u, 3u, 5u, 100u, 1999u, 2000u, 2001u, 2004u, 5000u, 12345u}) {
    for (const std::uint32_t k : {1u, 5u}) {
      std::vector<Token> toks(tokens);
      for (auto& t : toks) t.hash = rng() % 5000;  // repeats, so bins collide
      const auto hashes = shingle_hashes(toks, k);
      auto windows = sketch_windows(tokens);
      if (tokens > 10) windows.push_back({3, static_cast<std::uint32_t>(tokens / 2)});  // any overlap
      windows.push_back({0, 2});                                                      // too short
      INFO(tokens << " tokens, k = " << k);
      const auto all = window_sketches(hashes, windows, k);
      REQUIRE(all.size() == windows.size());
      for (std::size_t i = 0; i < windows.size(); ++i) CHECK(all[i] == window_sketch(hashes, windows[i], k));
    }
  }
}
