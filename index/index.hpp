// index/index.hpp: the fingerprint index, a RocksDB database in a directory.
//
// It holds the works (metadata, extracted text, offset map) and the sampled-shingle postings
// that a scan looks up. The format version and the fingerprint parameters are stored in it; a
// reader refuses an index whose version or parameters it does not understand. See
// ARCHITECTURE.md "On-disk index format" for the key and value encodings.
//
// Thread-safety: after open, all const methods may be called from many threads at once.
// add_book() is for one writer thread; RocksDB's lock keeps a second writer process out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "fingerprint/fingerprint.hpp"
#include "ingest/ingest.hpp"

namespace prov::index {

// 2: adds the "sketches" column family (MinHash window sketches of each work).
// 3: adds the "evidence" column family (torrents, their links to works, seeding events).
// 4: a work's text is stored in blocks of about kTextBlockTokens tokens with a block map
//    (TextBlockMap), so verification reads and tokenizes only the stretch it needs.
inline constexpr std::uint32_t kFormatVersion = 4;

// Tokens per text block (the first block boundary at or after every multiple of this that
// starts a whitespace-free run).
inline constexpr std::uint32_t kTextBlockTokens = 128;

// A work as stored. `num` is the index-internal number postings refer to; everything a user
// sees is keyed by work_id (the SHA-256 of the source bytes), which is stable across indexes.
struct WorkRecord {
  std::uint32_t num = 0;
  std::string work_id;
  std::string path;                 // first path seen
  std::vector<std::string> paths;   // every path with these bytes, in the order seen
  std::string format;
  std::string extractor;
  std::string title;
  std::vector<std::string> authors;
  std::string language;
  std::string publisher;
  std::string date;                 // publication date as the file declares it
  std::vector<std::string> isbns;   // ISBN-13 digits, checksum-valid
  std::string encoding;
  std::uint64_t source_bytes = 0;
  std::uint64_t text_bytes = 0;
  std::uint64_t words = 0;          // tokens, as the fingerprint stage counts them
  std::vector<std::string> warnings;
  // Metadata the file itself lacks, attached at ingest (--class, --meta): the class a release
  // policy groups works by ("licensed", "public_domain", "opted_out"...) and the rights holder.
  // Stored only when set; an older record without them reads as empty.
  std::string work_class;
  std::string rightsholder;
};

// Metadata given at ingest for works whose files lack it (`ingest --meta FILE.json`,
// `--class NAME`). Empty fields leave the record's value as it is.
struct WorkMeta {
  std::string title;
  std::vector<std::string> authors;
  std::string isbn;          // ISBN-10 or -13, hyphens allowed; stored as ISBN-13 digits
  std::string rightsholder;
  std::string work_class;
};
// Parses {"title": "...", "authors": ["..."] or "...", "isbn": "...", "rightsholder": "...",
// "class": "..."}; unknown keys, wrong types and invalid ISBNs are kFormat errors naming `path`.
Result<WorkMeta> parse_work_meta(std::string_view json, const std::string& path);

// One occurrence of a sampled shingle: the work's number and the index of its first token.
struct Posting {
  std::uint32_t work = 0;
  std::uint32_t pos = 0;
  bool operator==(const Posting&) const = default;
};

// The postings of many hashes: those of hashes[i] are postings[offsets[i], offsets[i + 1]).
struct PostingLists {
  std::vector<std::uint32_t> offsets;
  std::vector<Posting> postings;
  std::vector<std::uint32_t> hits;  // the i whose list is not empty, ascending (most are)
  const Posting* begin(std::size_t i) const { return postings.data() + offsets[i]; }
  const Posting* end(std::size_t i) const { return postings.data() + offsets[i + 1]; }
  std::size_t count(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
};

// The one-permutation MinHash sketch of one window of a work's tokens
// (fingerprint::sketch_windows), for near-duplicate detection.
struct WindowSketch {
  std::uint32_t work = 0;           // index work number
  fingerprint::TokenWindow window;  // token range in the work
  fingerprint::Sketch sketch;
};

// A work's extracted text is stored in blocks, each starting where a whitespace-free run
// starts. fingerprint::tokenize() segments such runs independently, so block i's text
// tokenizes to exactly the work's tokens [blocks[i].first_token, blocks[i + 1].first_token)
// (byte offsets shifted by blocks[i].byte_start): a stretch of a long work can be read and
// tokenized without the rest of it.
struct TextBlock {
  std::uint32_t first_token = 0;
  std::uint32_t byte_start = 0;
};
struct TextBlockMap {
  std::uint32_t tokens = 0;        // tokens in the whole work
  std::uint32_t bytes = 0;         // bytes of the whole text
  std::vector<TextBlock> blocks;   // ascending; blocks[0] is {0, 0}; never empty
};

enum class AddOutcome {
  kAdded,          // a new work
  kNewPath,        // bytes already indexed under another path: the path was recorded
  kUnchanged,      // already indexed from this path by this extractor: nothing to do
  kReextracted,    // indexed by an older extractor: replaced by this extraction
};
const char* outcome_name(AddOutcome o);

class Index {
 public:
  // Opens an index for writing, creating it with `params` if the directory holds none.
  // An existing index keeps its own parameters; if they differ from `params` and
  // `params_given` is true, the open fails with Errc::kIncompatible.
  static Result<std::unique_ptr<Index>> open_for_write(const std::filesystem::path& dir,
                                                       const fingerprint::Params& params,
                                                       bool params_given = false);
  // Opens read-only (a scan may run while an ingest writes; it sees the last committed state).
  // Fails with Errc::kIncompatible for an unknown format version or fingerprint scheme.
  static Result<std::unique_ptr<Index>> open_read_only(const std::filesystem::path& dir);

  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  const fingerprint::Params& params() const;
  const std::filesystem::path& dir() const;

  // Is this work (by id) indexed, and by which extractor? For ingest's skip decision
  // before it pays for extraction.
  std::optional<WorkRecord> find(std::string_view work_id) const;
  // Exact id, or a unique prefix of at least 8 hex digits. kNotFound otherwise.
  Result<WorkRecord> resolve(std::string_view id_or_prefix) const;

  // Tokenizes, samples, sketches and stores one book in a single atomic write.
  Result<AddOutcome> add_book(const ingest::Book& book);

  // Applies `meta` to the stored record of a work (writers only): each non-empty field
  // replaces the record's (an ISBN is put first in isbns). kNotFound for an unknown work.
  Status set_work_meta(std::string_view work_id, const WorkMeta& meta);
  // Bulk mode (ingest_paths uses it; writers only): between begin_bulk() and end_bulk(),
  // add_book() keeps the new works' postings in memory (16 bytes a posting, and as much again
  // while they are sorted) instead of writing them to RocksDB one merge at a time; end_bulk()
  // sorts them and adds them as one SST file (and so does add_book() whenever max_pending
  // postings are waiting, to bound memory: 256 MB at the default).
  // Until then a marker in the index names the first work whose postings are not stored: a
  // read-only open of such an index (an ingest that died) fails, and the next open_for_write
  // recomputes those postings from the stored texts.
  Status begin_bulk(std::size_t max_pending = std::size_t{8} << 20);
  Status end_bulk();

  // All works, sorted by work_id.
  Result<std::vector<WorkRecord>> works() const;
  Result<WorkRecord> work(std::uint32_t num) const;
  Result<std::string> text(std::uint32_t num) const;  // the whole text (all blocks)
  Result<TextBlockMap> text_blocks(std::uint32_t num) const;
  Result<std::string> text_block(std::uint32_t num, std::uint32_t block) const;
  Result<std::vector<ingest::OffsetSpan>> offsets(std::uint32_t num) const;
  std::uint64_t work_count() const;

  // Loads every live posting into a compact in-memory table (about 6 bytes a posting, see
  // ARCHITECTURE.md), after which lookup() never touches RocksDB. For read-only scans: call
  // once, before the lookups start. Errc::kLimit if the index holds more than 2^32 words.
  // When the index holds a saved copy of the table for exactly its live works (see
  // save_posting_table), that copy is mapped read-only instead: nothing read, copied or rebuilt.
  Status load_postings() const;
  std::uint64_t postings_in_memory() const;   // 0 when not loaded
  bool postings_from_saved_table() const;     // load_postings() read the saved copy
  // Builds the in-memory table and writes it beside the RocksDB files (IDX/posting-table.bin,
  // sealed in RocksDB with the live works, their sizes and the file's digest: see
  // detail/table_file.hpp), so a scan maps it instead of rebuilding from 16-byte postings.
  // Nothing to do when the file is current and whole; any change of the live works makes it
  // stale, and scans then rebuild until the next save. Writers only; `ingest` calls it after
  // compact().
  Status save_posting_table();
  // Folds the postings' merge operands into one value per shingle (after a bulk ingest), so
  // load_postings() reads each key once. Writers only.
  Status compact();

  // Files of data derived from the index for scans, built by later stages (the near-duplicate
  // table), kept beside the RocksDB files as the posting table is (detail/table_file.hpp):
  // save_derived() writes IDX/<name> whole and seals it in RocksDB with `tag` and the bytes'
  // digest (writers only; `write` is called twice, to hash and to write); map_derived() maps
  // it read-only only while the seal is `tag`'s and the bytes are whole, else gives nothing
  // (the caller builds the data itself). A tag should name everything the data was built
  // from: layout_tag() names the live works, their sizes and the fingerprint parameters.
  struct MappedBytes {
    std::shared_ptr<const void> keep;     // the mapping
    const unsigned char* data = nullptr;  // 4096-byte aligned
    std::size_t size = 0;
  };
  using ByteSink = std::function<void(const void*, std::size_t)>;
  Status save_derived(const std::string& name, const std::string& tag, const std::function<void(const ByteSink&)>& write);
  std::optional<MappedBytes> map_derived(const std::string& name, const std::string& tag) const;
  Result<std::string> layout_tag() const;
  std::uint64_t postings_memory_bytes() const;

  // out[i] receives the postings of hashes[i] (empty if none), live works only, sorted.
  Status lookup(const std::vector<std::uint64_t>& hashes,
                std::vector<std::vector<Posting>>& out) const;
  // The same, flat (no allocation per hash once `out` has grown): see PostingLists.
  Status lookup(const std::vector<std::uint64_t>& hashes, PostingLists& out) const;
  // The same for the n hashes at `hashes`.
  Status lookup(const std::uint64_t* hashes, std::size_t n, PostingLists& out) const;

  // The window sketches of one work, in window order (kNotFound for an unknown number).
  Result<std::vector<WindowSketch>> sketches(std::uint32_t num) const;
  // Every live work's window sketches, by work number then window: what a scan loads into its
  // in-memory LSH table (536 bytes a window, one window per 1,000 words). One sequential pass.
  Result<std::vector<WindowSketch>> all_sketches() const;

  // Evidence records: torrents, the links from torrent files to works, seeding events. The
  // index stores them as opaque values under ordered keys; their encoding belongs to the
  // evidence code (key prefixes are listed in ARCHITECTURE.md). put_evidence writes all
  // records in one atomic, synced batch (writers only); scan_evidence visits keys with the
  // prefix in key order until `visit` returns false.
  Status put_evidence(const std::vector<std::pair<std::string, std::string>>& records);
  Result<std::string> get_evidence(std::string_view key) const;  // Errc::kNotFound if absent
  Status scan_evidence(std::string_view prefix,
                       const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  // SHA-256 over the format version, the parameters and every (work_id, extractor) pair in
  // id order: equal digests mean a scan sees the same works, fingerprinted the same way.
  std::string digest() const;

 private:
  struct Impl;
  explicit Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};


// ---- Bulk ingest ------------------------------------------------------------------------

struct IngestOptions {
  ingest::BookLimits limits;
  unsigned threads = 0;  // 0: every CPU this process may use
  // Called on the committing thread after each file (may be empty).
  std::function<void(std::uint64_t files_done, std::uint64_t files_total,
                     std::uint64_t bytes_done, std::uint64_t bytes_total)> progress;
};

struct IngestedFile {
  std::string path;      // as found (a directory argument's files are sorted by path);
                         // an archive member is "archive.zip!dir/member.epub"
  std::string work_id;   // empty if the file failed
  AddOutcome outcome = AddOutcome::kUnchanged;
  std::uint64_t words = 0;
  std::vector<std::string> warnings;
};

struct IngestReport {
  std::vector<IngestedFile> files;  // in input order
  std::vector<Error> errors;        // refused or failed files, in input order
  std::uint64_t added = 0, new_paths = 0, unchanged = 0, reextracted = 0;
};

// Expands directories (recursively, sorted, books and archives only by extension; explicit
// files are always tried), reads books in parallel (ingest::read_books: an archive gives one
// work per member book, in member order) and commits them to the index in input order, so
// "first path seen" and work numbering do not depend on thread timing. A file whose bytes are
// already indexed by the current extractor is not re-extracted. One bad file never stops the
// run: it is reported in IngestReport::errors (an archive member's error names the member).
// Fails only if the index itself fails.
Result<IngestReport> ingest_paths(Index& index, const std::vector<std::string>& paths,
                                  const IngestOptions& options = {});

}  // namespace prov::index
