// tests/fuzz/fuzz_jsonl.cpp: the shard reader on arbitrary bytes, as plain, gzip-named and
// zstd-named shards. Invariant: every record delivered is valid UTF-8, indices increase, and
// reading the same file twice gives the same records.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

namespace {
std::vector<std::string> read_all(const std::string& path) {
  std::vector<std::string> out;
  auto r = prov::ingest::ShardReader::open(path);
  if (!r) return out;
  std::vector<prov::Error> errors;
  std::uint64_t last = 0;
  for (;;) {
    prov::ingest::ShardRecord rec;
    auto got = (*r)->next(rec, errors);
    if (!got || !*got) break;
    if (!prov::is_valid_utf8(rec.text) || rec.index <= last) __builtin_trap();
    last = rec.index;
    out.push_back(rec.doc_id + '\0' + rec.text);
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = "/tmp/prov-fuzz-" + std::to_string(::getpid());
  static bool made = [] { return std::system(("mkdir -p " + dir).c_str()) == 0; }();
  (void)made;
  for (const char* name : {"/s.jsonl", "/s.jsonl.zst", "/s.txt"}) {
    const std::string path = dir + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    if (read_all(path) != read_all(path)) __builtin_trap();
  }
  return 0;
}
