// audit/audit.hpp: training shards in, verified passages of known works out.
//
// For each document: tokenize and sample it like the works were (fingerprint stage), look the
// samples up in the index, chain colinear hits per work, and verify each chain by aligning the
// document's tokens with the work's tokens, extending to where the texts stop agreeing. Every
// verified passage of at least min_words document tokens is a Match, with UTF-8 byte offsets
// on both sides. Coverage per work is the union of matched work ranges over all documents.
//
// Determinism: results depend only on the index content, the shards and ScanOptions'
// result-affecting fields, never on thread count or timing; scan() returns them sorted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"

namespace prov::audit {

// Knobs of the matcher. All of them change results, so all are recorded in summary.json.
struct MatchParams {
  std::uint32_t min_words = 25;       // shortest passage reported (document-side tokens)
  std::uint32_t max_gap = 6;          // words skipped on either side to re-synchronise
  std::uint32_t xdrop = 8;            // stop extending when the score falls this far below its best
  std::uint32_t resync_run = 3;       // agreeing words in a row needed to re-synchronise
  std::uint32_t chain_gap = 300;      // tokens between hits that still chain
  std::uint32_t max_postings = 1000;  // a shingle in more places than this is ignored as common
  // A lone hit is verified only if its shingle is this rare. 8 until 2026-11-29: in eval's
  // real books no lone hit of a shingle with 3 or more postings ever became a passage (0 of
  // 17,800; on the benchmark 0 of 28,000), and eval's tables were identical at 2 and 8.
  std::uint32_t rare_postings = 2;
  // A passage most of whose seeds are shingles found in at least this many distinct works
  // (licence headers, copyright pages, stock epigraphs) is flagged "boilerplate": listed, but
  // not counted as evidence of any one work (not in coverage).
  std::uint32_t boilerplate_works = 5;
  // Near-duplicates (MinHash, audit/near_dup.cpp): a document window of at least
  // near_dup_min_words tokens is reported as a near-duplicate of a work when its estimated
  // Jaccard with a window of the work is >= near_dup_jaccard or its estimated containment in it
  // is >= near_dup_containment, and verified passages of that work do not explain it already.
  // LSH: lsh_bands bands of lsh_rows sketch bins; a window pair of Jaccard J becomes a
  // candidate with probability 1 - (1 - J^rows)^bands (32 x 3: 0.23 at J = 0.2, 0.58 at 0.3,
  // 0.88 at 0.4, 0.986 at 0.5, 0.9996 at 0.6).
  double near_dup_jaccard = 0.5;
  double near_dup_containment = 0.8;
  std::uint32_t near_dup_min_words = 200;
  std::uint32_t lsh_bands = 32;
  std::uint32_t lsh_rows = 3;
  bool near_duplicates = true;        // false: passages only (no sketch table is loaded)
};

// passage: a verified alignment with ranges on both sides. near_duplicate: found by MinHash
// only (the document window resembles a window of the work); no work range, no coverage.
enum class MatchKind { kPassage, kNearDuplicate };

struct Match {
  MatchKind kind = MatchKind::kPassage;
  std::size_t shard_index = 0;     // position of the shard on the command line
  std::string shard;               // as given
  std::uint64_t record = 0;        // 1-based record (line) number within the shard
  std::string doc_id;
  std::uint64_t doc_start = 0, doc_end = 0;    // UTF-8 bytes in the document text
  std::string work_id;
  std::string work_path;
  std::string work_title;
  std::uint64_t work_start = 0, work_end = 0;  // UTF-8 bytes in the work's extracted text
                                               // (passages only: null for a near-duplicate)
  std::uint32_t work_tok_start = 0, work_tok_end = 0;  // token range in the work (coverage)
  std::uint32_t words = 0;         // document-side tokens in the passage (or window)
  double score = 0;                // share of aligned tokens that agree, in [0, 1];
                                   // a near-duplicate's estimated Jaccard
  double jaccard = 0;              // near-duplicates: estimated Jaccard of the shingle sets
  double containment = 0;          // near-duplicates: estimated share of the document
                                   // window's shingles present in the work's window
  bool text_repaired = false;
  bool boilerplate = false;        // flags: "boilerplate" (see MatchParams::boilerplate_works)
  bool allowed = false;            // flags: "allowed" (the work is on the scan's allowlist)
  std::string finding_id;          // stable: hash of work_id, shard SHA-256, doc_id, doc_start
};

struct WorkCoverage {
  std::string work_id;
  std::string title;
  std::string path;
  std::uint64_t matched_words = 0;  // work tokens inside the union of matched ranges
  std::uint64_t total_words = 0;
  double coverage = 0;              // matched_words / total_words
  std::uint64_t passages = 0;       // evidence passages (not boilerplate)
  std::uint64_t documents = 0;      // distinct documents with at least one such passage
  std::uint64_t boilerplate_passages = 0;  // listed in matches.jsonl, not counted above
  std::uint64_t near_duplicates = 0;       // near-duplicate findings (not in matched_words)
  bool allowed = false;             // on the allowlist: reported, kept out of verdicts
};

struct Progress {
  std::uint64_t bytes_read = 0;     // shard bytes as stored
  std::uint64_t bytes_total = 0;
  std::uint64_t records = 0;
  std::uint64_t matches = 0;
  std::size_t shard_index = 0;
};

struct ScanOptions {
  std::vector<std::string> shards;   // paths as given, scanned in this order
  ingest::ShardOptions shard;        // text_field, id_field, record limit
  MatchParams match;
  unsigned threads = 0;              // 0: every CPU this process may use
  // Tokenized text blocks kept for verification. 256 MiB until 2026-11-29: on the benchmark
  // few blocks are read twice, and filling that much fresh memory cost a one-shard scan 11 %
  // of its CPU in page faults (65,000 of them, most under WorkWindow::load) and ~220 MB of RSS.
  std::uint64_t work_cache_bytes = 32ull << 20;
  bool in_memory_postings = true;    // load the posting table first (false: probe RocksDB)
  std::function<void(const Progress&)> progress;  // called from a reader thread, one call at a time; may be empty
  std::vector<std::string> allowed_works;  // work ids (= SHA-256) kept out of verdicts
};

struct ScanResult {
  std::string index_path;
  std::string index_digest;
  fingerprint::Params fingerprint;
  MatchParams match;
  ingest::ShardOptions shard_options;
  std::vector<ingest::ShardStats> shards;  // in command-line order
  std::vector<Match> matches;              // sorted (shard, record, doc_start, work_id)
  std::vector<WorkCoverage> works;         // matched works, by matched_words desc, then work_id
  std::vector<std::string> allowed_works;  // sorted
  std::vector<Error> errors;               // skipped records and unreadable shards
  // The last matcher_errors entries of `errors` came from the matcher threads (sorted by path,
  // then line); the ones before, from the readers, in shard order. plan/task/merge needs the
  // split to put a merged run's errors in the same order as one scan's.
  std::size_t matcher_errors = 0;
  std::uint64_t records = 0;
  std::uint64_t documents_matched = 0;  // documents with evidence: a non-boilerplate passage
                                        // or a near-duplicate
};

// Evidence of one work from a set of documents: what its coverage needs. Evidence from
// disjoint sets of documents adds up (counts add, ranges unite), which is how a plan/task/merge
// run combines its parts into the coverage one scan would compute.
struct WorkEvidence {
  std::string work_id;
  std::string title;
  std::string path;
  std::uint64_t total_words = 0;
  // Matched work token ranges [start, end) of the evidence passages, sorted and disjoint
  // (touching or overlapping ranges are united).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  std::uint64_t passages = 0;              // evidence passages (not boilerplate)
  std::uint64_t documents = 0;             // distinct documents with at least one of them
  std::uint64_t boilerplate_passages = 0;
  std::uint64_t near_duplicates = 0;       // non-boilerplate near-duplicate findings
};

// Evidence per work from sorted matches, by work_id; `total_words` gives a work's length.
// `documents_matched` receives the number of documents with evidence (a non-boilerplate
// passage or near-duplicate).
std::vector<WorkEvidence> collect_evidence(const std::vector<Match>& matches,
                                           const std::function<std::uint64_t(const std::string&)>& total_words,
                                           std::uint64_t& documents_matched);
// Adds `from` (evidence from other documents of the same work) to `into`.
void add_evidence(WorkEvidence& into, const WorkEvidence& from);
// Coverage per work, by matched_words descending then work_id. `allowed_works` is sorted.
std::vector<WorkCoverage> coverage(const std::vector<WorkEvidence>& evidence,
                                   const std::vector<std::string>& allowed_works);

// Scans the shards. Fails only if nothing could run (no usable index); unreadable shards and
// bad records are listed in ScanResult::errors and the scan goes on.
Result<ScanResult> scan(const index::Index& index, const ScanOptions& options);

// Stores the near-duplicate LSH table for `match`'s bands and rows in the index (a file
// beside RocksDB's, audit/detail/near_dup.hpp), so scans map it instead of building it from
// every work's sketches at start. `ingest` calls it; nothing to do when the stored table is
// current, and a scan with other LSH parameters or other works builds its own.
Status save_near_dup_table(index::Index& index, const MatchParams& match = {});

// After an ingest: folds the new postings (when `added` works were added or re-extracted),
// then saves both tables a scan maps at start, the posting table and the near-duplicate
// table (each a no-op when current). Without them every scan rebuilds them from RocksDB and
// says so. `provaudit ingest` and the demo call it.
Status finish_ingest(index::Index& index, bool added);

// One verified passage inside a document (token and byte ranges on both sides).
struct Passage {
  std::uint32_t work = 0;                      // index work number
  std::uint32_t doc_tok_start = 0, doc_tok_end = 0;
  std::uint32_t work_tok_start = 0, work_tok_end = 0;
  std::uint64_t doc_start = 0, doc_end = 0;
  std::uint64_t work_start = 0, work_end = 0;
  std::uint32_t matched = 0, columns = 0;      // agreeing tokens, aligned columns
  std::uint32_t seeds = 0, common_seeds = 0;   // seeds inside it; of those, boilerplate shingles
  bool boilerplate = false;
};

// Matches one document against the index. Thread-safe; `cache` may be shared by threads.
class WorkCache;
std::shared_ptr<WorkCache> make_work_cache(const index::Index& index, std::uint64_t max_bytes);
// `tokens_out`, if given, receives the document's tokens (for callers that need them too,
// such as near-duplicate sketching), so the text is segmented once; `shingles_out`, if given,
// receives fingerprint::shingle_hashes() of them (left empty when the document is shorter
// than min_words or k tokens), so shingles are hashed once too. `hit_keys_out`, if given,
// receives how many of the document's sampled shingles the index holds (kHitsUnknown when the
// document was too short to look up).
inline constexpr std::size_t kHitsUnknown = ~std::size_t{0};
Result<std::vector<Passage>> match_document(const index::Index& index, std::string_view text,
                                            const MatchParams& params, WorkCache& cache,
                                            std::vector<fingerprint::Token>* tokens_out = nullptr,
                                            std::vector<std::uint64_t>* shingles_out = nullptr,
                                            std::size_t* hit_keys_out = nullptr);

}  // namespace prov::audit
