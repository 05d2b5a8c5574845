// bench/minhash_bench.cpp: one-permutation MinHash (fingerprint/minhash.cpp):
// shingles/s of sketching already-hashed shingles (the part MinHash adds to a
// scan), a 2,000-token window's sketch from text, and the 128-bin Jaccard
// comparison. Items = shingles; one core.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <sstream>

#include "fingerprint/fingerprint.hpp"

namespace {

using namespace prov::fingerprint;

std::vector<std::uint64_t> random_hashes(std::size_t n) {
  std::mt19937_64 rng(1);
  std::vector<std::uint64_t> h(n);
  for (auto& x : h) x = rng();
  return h;
}

// Sketching n shingle hashes (n = 2,000: a window; 1 M: a book).
void BM_sketch(benchmark::State& state) {
  const auto h = random_hashes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(sketch(h));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_sketch)->Arg(2000)->Arg(1 << 20);

// The whole document path of near-duplicate detection on real text: shingle
// hashes, then a sketch of every window (sketch_windows: each shingle is in
// about three windows), one window at a time (range 0) or composed from shared
// segments by window_sketches (range 1, what ingest and scan use).
void BM_windows_from_tokens(benchmark::State& state) {
  std::ifstream in(std::string(PROV_SOURCE_DIR) + "/fixtures/works/pride-excerpt.txt",
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  const auto toks = tokenize(ss.str());
  const auto windows = sketch_windows(toks.size());
  for (auto _ : state) {
    const auto h = shingle_hashes(toks, 5);
    if (state.range(0) == 1) {
      benchmark::DoNotOptimize(window_sketches(h, windows, 5));
    } else {
      for (const auto w : windows) benchmark::DoNotOptimize(window_sketch(h, w, 5));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * toks.size()));
}
BENCHMARK(BM_windows_from_tokens)->Arg(0)->Arg(1);

void BM_jaccard(benchmark::State& state) {
  const Sketch a = sketch(random_hashes(5000)), b = sketch(random_hashes(6000));
  for (auto _ : state) benchmark::DoNotOptimize(jaccard(a, b));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_jaccard);

}  // namespace

BENCHMARK_MAIN();
