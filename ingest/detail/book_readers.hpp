// ingest/detail/book_readers.hpp: the per-format book readers behind read_book_bytes(), and the
// private machinery of read_books() (archives, process isolation, metadata helpers).
//
// book.cpp owns detection, hashing and the Book's identity fields (sha256, path, format,
// extractor); each reader fills in what it extracts (text, offsets, metadata, encoding,
// warnings). Readers return an Error without a path; book.cpp adds it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "ingest/ingest.hpp"

namespace prov::ingest::detail {

// Plain text in UTF-8/16/32 (BOM) or a legacy encoding detected by ICU.
Status read_txt(std::string_view bytes, Book& book);
// EPUB 2 and 3 (zip container, OPF package, XHTML spine).
Status read_epub(std::string_view bytes, const BookLimits& limits, Book& book);
// PDF with a text layer (poppler-cpp), page by page.
Status read_pdf(std::string_view bytes, const BookLimits& limits, Book& book);
// FictionBook 2, plain or as the only .fb2 member of a zip (.fb2.zip).
Status read_fb2(std::string_view bytes, const BookLimits& limits, Book& book);
// A standalone HTML or XHTML file.
Status read_html(std::string_view bytes, const BookLimits& limits, Book& book);
// MOBI, AZW, AZW3 (KF8) and PRC (libmobi).
Status read_mobi(std::string_view bytes, const BookLimits& limits, Book& book);
// DjVu with a text layer (djvulibre), page by page.
Status read_djvu(std::string_view bytes, const BookLimits& limits, Book& book);

// The members of a zip by name, with their compressed sizes, from its central directory;
// nullopt when there is no end-of-central-directory record.
std::optional<std::map<std::string, std::uint64_t>> zip_directory(std::string_view bytes);

// ---- Metadata (metadata.cpp) ----------------------------------------------------------

// An ISBN-10 or ISBN-13 (hyphens and spaces allowed) whose check digit is right, as the 13
// digits of its ISBN-13; nullopt otherwise.
std::optional<std::string> normalize_isbn(std::string_view candidate);
// Appends every valid ISBN found in `text` (identifiers like "urn:isbn:978-0-14-...") that
// `out` does not hold yet.
void add_isbns(std::string_view text, std::vector<std::string>& out);
// Metadata strings: whitespace runs collapsed to one space, trimmed, invalid UTF-8 dropped.
std::string clean_meta(std::string_view s);
// One page's text (PDF, DjVu) as lines: valid UTF-8 (bad bytes become U+FFFD), CR and form
// feeds gone, trailing spaces gone, runs of blank lines made one, no blank line at either end.
std::string clean_page_text(std::string raw);
// Appends one page's cleaned text as its own paragraph (pages separated by a blank line) with
// an offset span naming the page ("page 37", source_line 37). kLimit past max_bytes.
Status append_page(Book& book, const std::string& text, int page_index, const BookLimits& limits);
// The error for a paginated book whose pages gave no text at all.
Error no_text_layer(int pages);
// Reads title, creators, language, publisher, date and ISBNs from an XMP packet (PDF) into
// the fields of `book` that are still empty.
void read_xmp(std::string_view xmp, Book& book);

// ---- Archives (archive.cpp) -----------------------------------------------------------

struct ArchiveMember {
  std::string name;  // as stored, checked safe
  std::string data;
};
// Calls `each` for every regular-file member of a zip, tar (any compression libarchive
// reads), 7z or rar archive, in archive order: the member, or an Error whose path is the
// member name (unsafe name, over max_bytes, unreadable). Returns an Error for the archive as a
// whole (unreadable, damaged, over max_entries, max_archive_bytes or max_ratio).
Status expand_archive(std::string_view bytes, const std::string& archive_name,
                      const BookLimits& limits,
                      const std::function<void(Result<ArchiveMember>)>& each);

// ---- Isolation (isolate.cpp) ----------------------------------------------------------

// Runs `read` in a forked child under limits.max_memory and limits.timeout_s and returns its
// result, or an Error saying how the child died. The child writes the Book back over a pipe.
Result<Book> read_isolated(const std::function<Result<Book>()>& read, const BookLimits& limits);

}  // namespace prov::ingest::detail
