// demo/detail/corpus.hpp: the demo's private pieces: a portable random stream, the prose
// generators, the known works, and the shards with planted passages.
//
// Byte-identical output everywhere is the point of this header: std::mt19937_64's sequence is
// fixed by the standard, but std::uniform_int_distribution's mapping is not, so Rng maps the
// raw 64-bit draws to ranges itself. Each part of the corpus draws from its own stream
// (derive_seed), so changing how one part is generated never shifts another.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "demo/demo.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::demo::detail {

// Stream tags for derive_seed; one per independent part of the corpus.
enum class Stream : std::uint64_t {
  kWorkVocabulary = 1,
  kFillerVocabulary = 2,
  kWork = 100,  // + work number
  kFiller = 200,
  kDecoy = 300,
  kPlanting = 400,
  kTransform = 500,
};

// splitmix64 of (seed, stream): independent, well-mixed seeds from one user seed.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);
inline std::uint64_t derive_seed(std::uint64_t seed, Stream s, std::uint64_t n = 0) {
  return derive_seed(seed, static_cast<std::uint64_t>(s) + n);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  // Uniform in [0, n) by Lemire's multiply-shift; the bias (< n / 2^64) is irrelevant here and
  // the mapping is the same on every platform. n must be > 0.
  std::uint64_t below(std::uint64_t n) { return mul_high(next(), n); }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  // Skewed towards 0 (roughly log-shaped), for Zipf-like word choice.
  std::uint64_t skewed(std::uint64_t n) { return below(below(n) + 1); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  // High 64 bits of a * b, in portable 32-bit halves (no __int128 under -Wpedantic).
  static std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
  }
  std::mt19937_64 engine_;
};

// A word list plus a ranking, so each text favours its own words.
struct Vocabulary {
  std::vector<std::string> content;   // pseudo-words
  std::vector<std::string> function;  // short frequent words
};

// Work vocabulary: pseudo-words that never contain k, q, x, z or j, plus common English words
// without those letters. Filler vocabulary: pseudo-words that each contain one of them. So no
// filler word ever equals a work word (even case-folded), and a planted passage can never be
// extended into the filler around it.
Vocabulary work_vocabulary(std::uint64_t seed);
Vocabulary filler_vocabulary(std::uint64_t seed);
bool is_filler_word(std::string_view word);

// Sentences and paragraphs of English-like prose from one vocabulary.
struct ProseStyle {
  bool curly = true;  // “quotes” and don’t, or "quotes" and don't
  bool contractions = true;
  bool ampersands = false;    // "Name & Name" now and then
  std::string said = "said";  // the dialogue verb (a filler word in filler)
};

class ProseGenerator {
 public:
  ProseGenerator(const Vocabulary& vocab, std::uint64_t seed, ProseStyle style);
  // A paragraph of several sentences; adds its word count to *words.
  std::string paragraph(std::uint64_t* words);
  std::string sentence(std::uint64_t* words);
  // At least `min_words` words of prose, in paragraphs separated by "\n\n" or " " runs.
  std::string text(std::uint64_t min_words, bool paragraphs);
  std::string name();  // a capitalised character name of this text

 private:
  std::string word();
  const Vocabulary& vocab_;
  Rng rng_;
  ProseStyle style_;
  std::vector<std::size_t> rank_;  // this text's favourite content words first
  std::vector<std::string> names_;
};

std::string capitalize(std::string s);

// ---- Known works ------------------------------------------------------------------------

struct Chapter {
  std::string heading;
  std::vector<std::string> paragraphs;
};

struct GeneratedWork {
  std::string file_name;  // under OUT/works; ingest orders works by path
  std::string format;     // "txt" | "epub"
  std::string title;
  std::string author;
  bool bom_crlf = false;  // a .txt written with a UTF-8 BOM and CRLF line endings
  std::vector<Chapter> chapters;
  std::string bytes;  // the file as written
};

// The demo's known works, rendered; deterministic in `seed`.
Result<std::vector<GeneratedWork>> generate_works(std::uint64_t seed);
std::string render_txt(const GeneratedWork& w);
Result<std::string> render_epub(const GeneratedWork& w, std::uint64_t seed);

// ---- Shards and planted passages --------------------------------------------------------

// A work as the index extracted it: planted passages are cut from this text.
struct IndexedWork {
  std::string work_id;
  std::string path;
  std::string text;
  std::vector<fingerprint::Token> tokens;
};

struct ShardSet {
  std::vector<std::string> paths;     // in scan order, as given to the scan
  std::vector<PlantedPassage> truth;  // in shard, document, doc_start order
};

// Variants of a passage as a training set would hold it. Both keep the passage's tokens
// (fingerprint::tokenize gives the same normalised words) and start and end on a word.
std::string lower_and_repunctuate(std::string_view passage, Rng& rng);
std::string rewrap(std::string_view passage, std::size_t columns);

// Writes the three shards into `dir` and returns their paths and the truth.
Result<ShardSet> write_shards(const std::vector<IndexedWork>& works,
                              const std::filesystem::path& dir, std::uint64_t seed);
// One JSON object per planted passage (schema kTruthSchema), each line ending in '\n'.
std::string truth_jsonl(const std::vector<PlantedPassage>& truth);

Result<std::string> gzip(std::string_view bytes);
Result<std::string> zstd(std::string_view bytes);

}  // namespace prov::demo::detail
