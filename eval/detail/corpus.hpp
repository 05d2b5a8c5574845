// eval/detail/corpus.hpp: the eval's ground-truth corpus: unrelated natural text, documents
// with planted passages, and the shards they are written to.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "eval/detail/damage.hpp"
#include "eval/eval.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::eval::detail {

// An indexed work as the index extracted it: passages are cut from this text, so their work
// offsets are the ones a match reports.
struct SourceWork {
  std::string work_id;
  std::string title;
  std::string text;
  std::vector<fingerprint::Token> tokens;
};

// Unrelated natural text (held-out works or --negatives), from which the filler around planted
// passages and the unrelated documents are cut, always on whitespace, keeping the text's own
// spacing and line breaks. Offsets are 32-bit: add() stops taking text at kMaxBytes.
class TextPool {
 public:
  static constexpr std::uint64_t kMaxBytes = 1ull << 30;
  // Appends a text (sources are separated by a blank line). Returns the words taken.
  std::uint64_t add(std::string_view text);
  std::uint64_t words() const { return starts_.size(); }
  std::uint64_t bytes() const { return text_.size(); }
  // `n` consecutive words from word `first`, wrapping around to the start (after a blank
  // line) when the pool ends, so any amount can be drawn from a small pool.
  std::string take(std::uint64_t first, std::uint64_t n) const;
  std::string take_random(Rng& rng, std::uint64_t n) const { return take(rng.below(words()), n); }
  // `n` words of 2-12 ASCII letters each, for editing's insertions.
  std::vector<std::string> sample_words(Rng& rng, std::size_t n) const;

 private:
  std::string_view word(std::uint64_t i) const;
  std::string text_;
  std::vector<std::uint32_t> starts_;  // byte offset of each word (a run of non-whitespace)
};

struct CorpusSpec {
  std::uint64_t seed = 0;
  std::uint32_t passages_per_cell = 20;
  std::uint64_t unrelated_bytes = 4'000'000;  // at least this much text in unrelated documents
  std::size_t shards = 4;
};

// One planted passage and the document it sits in (one passage per document, so a document
// belongs to exactly one damage kind and length bucket).
struct Planted {
  std::size_t shard = 0;    // index into Corpus::shard_paths
  std::uint64_t record = 0; // 1-based line in the shard
  std::string doc_id;
  std::uint64_t doc_start = 0, doc_end = 0;  // the damaged passage in the document text
  std::size_t work = 0;                      // index into the works given to write_corpus
  std::uint64_t work_start = 0, work_end = 0;
  Damage damage = Damage::kVerbatim;
  std::size_t bucket = 0;    // index into kBuckets
  std::uint32_t words = 0;   // tokens of the passage in the work
  std::string text;          // the whole document text
};

struct Corpus {
  std::vector<std::string> shard_paths;  // as given to the scan (under OUT/shards)
  std::vector<ShardInfo> shards;         // paths relative to OUT
  std::vector<Planted> planted;          // by damage kind, bucket, then draw order
  std::uint64_t unrelated_documents = 0, unrelated_bytes = 0, filler_bytes = 0;
};

// Draws the passages, damages them, wraps them in filler, adds unrelated documents and writes
// the shards (.jsonl.zst, {"id","text"} records) into out/shards. Planted documents are spread
// evenly among the unrelated ones. Fails (kUsage) if no work is long enough for a bucket.
Result<Corpus> write_corpus(const std::vector<SourceWork>& works, const TextPool& pool,
                            const std::filesystem::path& out, const CorpusSpec& spec);

// One JSON object per planted passage (schema kTruthSchema), each line ending in '\n'.
std::string truth_jsonl(const Corpus& corpus, const std::vector<SourceWork>& works);

// Fills the cells, aggregates and false attribution figures of `r` (kinds, buckets, all, ge25,
// ge50, false_attribution) from the scan's matches.
void score(const Corpus& corpus, const std::vector<SourceWork>& works,
           const audit::ScanResult& scan, std::uint32_t min_words, EvalResult& r);

}  // namespace prov::eval::detail
