// bench/lookup_bench.cpp: the scan's posting lookups (Index::lookup on the in-memory table)
// against a real index, in batches the size of a document's samples. Random sampled hashes:
// nearly all miss, as ~96 % of a scan's lookups do. Reported as lookups/second on one core.
// Usage: lookup_bench INDEX_DIR [Google Benchmark flags]
// (bench/run_large_bench.sh builds a 1,000-work index to point it at).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "index/index.hpp"

namespace {

std::unique_ptr<prov::index::Index> g_index;

void BM_lookup(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const std::uint64_t threshold = g_index->params().threshold();
  std::mt19937_64 rng(20261129);
  // 1.4 M distinct hashes: far more cache lines than the last-level cache holds.
  std::vector<std::vector<std::uint64_t>> batches(std::max<std::size_t>(1, (std::size_t{1} << 20) * 3 / 2 / batch));
  for (auto& b : batches)
    for (std::size_t i = 0; i < batch; ++i) b.push_back(rng() % threshold);
  prov::index::PostingLists out;
  std::size_t k = 0, found = 0;
  for (auto _ : state) {
    if (!g_index->lookup(batches[k++ % batches.size()], out)) state.SkipWithError("lookup failed");
    found += out.postings.size();
    benchmark::DoNotOptimize(out.postings.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.counters["postings_per_lookup"] =
      benchmark::Counter(static_cast<double>(found) / static_cast<double>(state.iterations() * batch));
}
BENCHMARK(BM_lookup)->Arg(175)->Arg(4096);

// Random text-block reads (Index::text_block), as single-seed checks make them: one block of
// a random work, nearly never the same twice.
void BM_text_block(benchmark::State& state) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks;  // (work, blocks)
  for (std::uint32_t num = 1; blocks.size() < 4096 && num < 1u << 20; ++num) {
    auto m = g_index->text_blocks(num);
    if (m) blocks.emplace_back(num, static_cast<std::uint32_t>(m->blocks.size()));
    if (!m && num > 100000) break;
  }
  if (blocks.empty()) {
    state.SkipWithError("no works");
    return;
  }
  std::mt19937_64 rng(7);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto& [num, n] = blocks[rng() % blocks.size()];
    auto t = g_index->text_block(num, static_cast<std::uint32_t>(rng() % n));
    if (!t) state.SkipWithError("read failed");
    bytes += t->size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_text_block);

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: lookup_bench INDEX_DIR [benchmark flags]\n");
    return 2;
  }
  auto idx = prov::index::Index::open_read_only(argv[1]);
  if (!idx) {
    std::fprintf(stderr, "lookup_bench: %s\n", idx.error().describe().c_str());
    return 2;
  }
  g_index = std::move(idx).value();
  if (auto st = g_index->load_postings(); !st) {
    std::fprintf(stderr, "lookup_bench: %s\n", st.error().describe().c_str());
    return 2;
  }
  std::fprintf(stderr, "posting table and filter: %.1f MB in memory, %llu postings\n",
               static_cast<double>(g_index->postings_memory_bytes()) / 1e6,
               static_cast<unsigned long long>(g_index->postings_in_memory()));
  argv[1] = argv[0];
  ++argv;
  --argc;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
