// bench/fingerprint_bench.cpp: the fingerprint stage's hot paths on real text: ICU word
// segmentation + normalisation (tokenize), and shingle hashing + sampling (sample).
// Reported as bytes/second of input text on one core.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "fingerprint/fingerprint.hpp"

namespace {

const std::string& text(const char* rel) {
  static std::map<std::string, std::string> cache;
  auto& s = cache[rel];
  if (s.empty()) {
    std::ifstream in(std::string(PROV_SOURCE_DIR) + "/" + rel, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    s = ss.str();
  }
  return s;
}

void BM_tokenize(benchmark::State& state, const char* rel) {
  const std::string& t = text(rel);
  for (auto _ : state) benchmark::DoNotOptimize(prov::fingerprint::tokenize(t));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
}

void BM_sample(benchmark::State& state) {
  const std::string& t = text("fixtures/works/pride-excerpt.txt");
  const auto toks = prov::fingerprint::tokenize(t);
  const prov::fingerprint::Params p;
  for (auto _ : state) benchmark::DoNotOptimize(prov::fingerprint::sample(toks, p));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
}

}  // namespace

BENCHMARK_CAPTURE(BM_tokenize, english_ascii, "fixtures/works/pride-excerpt.txt");
BENCHMARK_CAPTURE(BM_tokenize, russian_utf8, "fixtures/works/chekhov-excerpt.txt");
BENCHMARK(BM_sample);
BENCHMARK_MAIN();
