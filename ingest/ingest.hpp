// ingest/ingest.hpp: books and shards in, UTF-8 text with source offsets out.
//
// Two families of readers live here:
//  - books (the known works): read_book() turns one .txt or .epub file into a Book: its
//    extracted UTF-8 text, metadata, and an offset map back into the source file;
//  - shards (the training data): ShardReader streams documents out of .jsonl, .jsonl.gz,
//    .jsonl.zst and plain .txt files, one record at a time, with per-record errors.
// Every reader treats its input as hostile: limits are enforced, and failures come back as
// Result errors naming the file (and line) and the reason. Nothing here prints or exits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace prov::ingest {

struct BookLimits {                          // honoured by every e-book reader
  std::uint64_t max_file_bytes = 1ull << 30;  // one input file on disk
  std::uint64_t max_bytes = 512u << 20;       // one book, after decompression
  double max_ratio = 200.0;                   // decompressed / compressed, per zip member
  std::size_t max_entries = 100'000;          // archive members
  int max_depth = 256;                        // XML nesting
};

// One contiguous range of the extracted text and where it came from.
// Book::text[text_start, text_end) is a half-open UTF-8 byte range. `source` names the part
// of the file it came from ("" for the file itself, "OEBPS/chapter-03.xhtml" for an EPUB spine
// item). source_offset is the byte offset in that part where the range begins, when known
// (.txt: in the raw file, so UTF-16 and legacy encodings map back exactly); source_line is the
// 1-based line in that part, when known (0 if not; XHTML parsers report lines, not bytes).
struct OffsetSpan {
  std::uint64_t text_start = 0;
  std::uint64_t text_end = 0;
  std::string source;
  std::uint64_t source_offset = 0;
  std::uint32_t source_line = 0;
};

struct Book {
  std::string sha256;            // of the source bytes; also the work_id
  std::string path;              // as given
  std::uint64_t source_bytes = 0;
  std::string format;            // "txt" | "epub"
  std::string extractor;         // "<format>/<version>": bumped when extraction changes
  std::string title;             // empty when unknown
  std::vector<std::string> authors;
  std::string language;          // BCP 47 as declared, empty when unknown
  std::string encoding;          // source text encoding ("UTF-8", "UTF-16LE", "windows-1252"...)
  std::string text;              // UTF-8, no BOM, '\n' line endings
  std::vector<OffsetSpan> offsets;  // sorted, non-overlapping, covering the text
  std::vector<std::string> warnings;  // damaged parts skipped; the rest was read
};

// Formats read_book() understands, by content and extension: "txt", "epub", or "" if none.
std::string detect_book_format(const std::filesystem::path& file, std::string_view head);
// The extractor id ("txt/1", "epub/1") that read_book() uses for a format today; bumped when
// that reader's output changes, so ingest knows which works to re-extract.
std::string extractor_for(std::string_view format);
// True if a directory walk should offer this file to read_book() (by extension).
bool looks_like_book(const std::filesystem::path& file);

// Reads one book. Fails (Errc::kIo, kFormat, kEncoding, kLimit, kUnsupported) with the path
// set; damaged chapters become warnings and the rest of the text is returned.
// Thread-safe: no shared state.
[[nodiscard]] Result<Book> read_book(const std::filesystem::path& file,
                                     const BookLimits& limits = {});
// Same, from bytes already in memory (`name` is used for messages and format detection).
[[nodiscard]] Result<Book> read_book_bytes(const std::string& name, std::string bytes,
                                           const BookLimits& limits = {});

// ---- Training shards -------------------------------------------------------------------

struct ShardOptions {
  std::string text_field = "text";  // dotted path into nested objects ("meta.content")
  std::string id_field = "id";
  std::uint64_t max_record_bytes = 256u << 20;  // one JSON line, decompressed
};

struct ShardRecord {
  std::uint64_t index = 0;      // 1-based record number (= line number for JSONL)
  std::string doc_id;           // contract: string id as is, number as its JSON text, else line
  std::string text;             // unescaped UTF-8
  bool text_repaired = false;   // an unpaired surrogate escape became U+FFFD
};

struct ShardStats {
  std::string path;             // as given
  std::string sha256;           // of the file's bytes as stored (compressed)
  std::uint64_t bytes = 0;      // file size as stored
  std::uint64_t text_bytes = 0; // uncompressed bytes read
  std::uint64_t records = 0;    // records delivered
  std::uint64_t skipped = 0;    // records skipped as invalid
};

// Streams one shard. Not thread-safe; use one reader per thread.
class ShardReader {
 public:
  // Opens the file; kind is taken from the name (.jsonl, .jsonl.gz, .jsonl.zst, .json*, .txt)
  // and checked against the magic bytes.
  static Result<std::unique_ptr<ShardReader>> open(const std::string& path,
                                                   const ShardOptions& options = {});
  virtual ~ShardReader() = default;

  // Reads the next record into `out`. Returns true if a record was read, false at the end.
  // A bad record (invalid JSON, invalid UTF-8, missing text field) is skipped and pushed to
  // `record_errors` and the read goes on; an error that ends the stream (truncated .zst,
  // unreadable file) is returned as Error, after which the reader is finished.
  virtual Result<bool> next(ShardRecord& out, std::vector<Error>& record_errors) = 0;

  // Valid after next() returned false or an Error (the SHA-256 covers the bytes read).
  virtual const ShardStats& stats() const = 0;
};

}  // namespace prov::ingest
