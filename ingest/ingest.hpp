// ingest/ingest.hpp: books and shards in, UTF-8 text with source offsets out.
//
// Two families of readers live here:
//  - books (the known works): read_book() turns one .txt, .epub, .pdf, .fb2, .html, .mobi/.azw3
//    or .djvu file into a Book: its extracted UTF-8 text, metadata, and an offset map back into
//    the source file; read_books() also opens archives (zip, tar[.gz|.bz2|.xz|.zst], 7z, nested),
//    giving one Book per member, and can run each reader in a child process;
//  - shards (the training data): ShardReader streams documents out of .jsonl, .jsonl.gz,
//    .jsonl.zst and plain .txt files, one record at a time, with per-record errors.
// Every reader treats its input as hostile: limits are enforced, and failures come back as
// Result errors naming the file (and line) and the reason. Nothing here prints or exits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace prov::ingest {

// Which book reads read_books() runs in a child process (see read_books()).
// Measured on ../shared/corpus/ebooks (113 files, 31 MB, one core): extraction alone takes
// 2.1 s in-process, 2.4 s with kRisky, 3.0 s with kAll (a fork, page faults and the pipe cost
// ~7 ms a book); a whole `provaudit ingest` 5.2 s with kRisky, 6.4 s with kAll. So the default
// isolates the readers whose C/C++ parsers of binary formats are the known crash and hang
// risks, and trusts libxml2, ICU and libarchive, which run under our own limits, in-process.
enum class Isolation {
  kNone,   // in this process: fastest, but a crashing parser takes the process with it
  kRisky,  // PDF, DjVu and MOBI (poppler, djvulibre, libmobi)
  kAll,    // every book
};

struct BookLimits {                          // honoured by every e-book reader
  std::uint64_t max_file_bytes = 1ull << 30;  // one input file on disk (or archive member)
  std::uint64_t max_bytes = 512u << 20;       // one book, after decompression
  double max_ratio = 200.0;                   // decompressed / compressed (zip members, archives)
  std::size_t max_entries = 100'000;          // archive members
  int max_depth = 256;                        // XML nesting
  std::uint64_t max_archive_bytes = 4ull << 30;  // all members of one archive, decompressed
  int max_archive_depth = 4;                  // archives inside archives (a.zip!b.tar!c.txt: 2)
  // Process isolation, honoured by read_books() only.
  Isolation isolation = Isolation::kRisky;
  unsigned timeout_s = 60;                    // wall-clock and CPU seconds of one isolated read
  std::uint64_t max_memory = 4ull << 30;      // address space of one isolated read
};

// One contiguous range of the extracted text and where it came from.
// Book::text[text_start, text_end) is a half-open UTF-8 byte range. `source` names the part
// of the file it came from ("" for the file itself, "OEBPS/chapter-03.xhtml" for an EPUB spine
// item, "page 37" for a PDF or DjVu page, "part0002.html" for a MOBI part). source_offset is
// the byte offset in that part where the range begins, when known (.txt: in the raw file, so
// UTF-16 and legacy encodings map back exactly); source_line is the 1-based line in that part
// (the page number for PDF and DjVu), when known (0 if not; XML parsers report lines, not bytes).
struct OffsetSpan {
  std::uint64_t text_start = 0;
  std::uint64_t text_end = 0;
  std::string source;
  std::uint64_t source_offset = 0;
  std::uint32_t source_line = 0;
};

struct Book {
  std::string sha256;            // of the source bytes; also the work_id
  std::string path;              // as given; an archive member is "archive.zip!dir/member.epub"
  std::uint64_t source_bytes = 0;
  std::string format;            // "txt" | "epub" | "pdf" | "fb2" | "html" | "mobi" | "djvu"
  std::string extractor;         // "<format>/<version>": bumped when extraction changes
  bool extracted = true;         // false: identity only (read_books' filter declined it)
  std::string title;             // empty when unknown
  std::vector<std::string> authors;
  std::string language;          // BCP 47 as declared, empty when unknown
  std::string publisher;         // empty when unknown
  std::string date;              // publication date as declared ("1851", "2010-03-01")
  std::vector<std::string> isbns;  // checksum-valid, as ISBN-13 digits, in order found
  std::string encoding;          // source text encoding ("UTF-8", "UTF-16LE", "windows-1252"...)
  std::string text;              // UTF-8, no BOM, '\n' line endings
  std::vector<OffsetSpan> offsets;  // sorted, non-overlapping, covering the text
  std::vector<std::string> warnings;  // damaged parts skipped; the rest was read
};

// Formats read_book() understands, by content and extension: "txt", "epub", "pdf", "fb2",
// "html", "mobi", "djvu", or "" if none (archives are not books: see read_books()).
std::string detect_book_format(const std::filesystem::path& file, std::string_view head);
// Archive kinds read_books() opens, by content: "zip", "tar", "7z", "rar", "gzip", "bzip2",
// "xz", "zstd", or "" if none. A zip that is an EPUB or a single-FB2 .fb2.zip is a book, not
// an archive; `bytes` should be the whole file (the zip's central directory is at its end).
std::string detect_archive_format(const std::filesystem::path& file, std::string_view bytes);
// The extractor id ("txt/1", "epub/1") that read_book() uses for a format today; bumped when
// that reader's output changes, so ingest knows which works to re-extract.
std::string extractor_for(std::string_view format);
// True if a directory walk should offer this file to read_books() (by extension: books and
// archives).
bool looks_like_book(const std::filesystem::path& file);

// Reads one book. Fails (Errc::kIo, kFormat, kEncoding, kLimit, kUnsupported) with the path
// set; damaged chapters become warnings and the rest of the text is returned.
// Thread-safe: no shared state.
[[nodiscard]] Result<Book> read_book(const std::filesystem::path& file,
                                     const BookLimits& limits = {});
// Same, from bytes already in memory (`name` is used for messages and format detection).
[[nodiscard]] Result<Book> read_book_bytes(const std::string& name, std::string bytes,
                                           const BookLimits& limits = {});

// Receives each work of a file, in order: a Book or the Error that refused it (its path names
// the member: "a.zip!b.tar!c.txt").
using BookSink = std::function<void(Result<Book>)>;
// Given a book's identity (sha256, path, format, extractor, source_bytes; nothing extracted),
// says whether to extract it. A declined book reaches the sink with extracted = false.
using BookFilter = std::function<bool(const Book& identity)>;

// A file that may hold several works. A book file calls `sink` once (with its Book or its
// Error). An archive calls it once per member that is a book (by content or extension) or is
// refused (a name escaping the archive with ".." or "/", a member over max_bytes, nesting
// deeper than max_archive_depth), in member order, nested archives expanded in place; other
// members (images, stylesheets) are skipped. Each member's work_id is the SHA-256 of its
// bytes. Limits: max_entries members, max_archive_bytes in all, and at most max_ratio times
// the archive's compressed size (plus 1 MiB) decompressed.
//
// With limits.isolation, each book is read in a forked child process under an address-space
// limit (max_memory) and a CPU and wall-clock limit (timeout_s); a reader that crashes, runs
// out of memory or hangs costs that book only, reported as "reader crashed (signal 11, SEGV)"
// or "reader timed out after 60 s". The child shares nothing with the caller but the input.
//
// Returns an Error only for the file as a whole when it is an archive that cannot be opened
// or is damaged part way (members read before the damage have reached the sink already).
// Thread-safe: no shared state; `sink` and `filter` are called on the calling thread.
[[nodiscard]] Status read_books(const std::string& path, std::string bytes,
                                const BookLimits& limits, const BookSink& sink,
                                const BookFilter& filter = {});

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
