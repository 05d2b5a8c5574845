// ingest/book.cpp: the front door for books: format detection, hashing, dispatch.
//
// The Book's identity (sha256 = work_id, path, size, format, extractor) is fixed here, once,
// for every format; the readers in txt.cpp and epub.cpp only extract. Detection trusts content
// over the file name (CONTRACT: a file with a wrong extension is detected by content), but an
// extension still decides which reader reports the error for a file that is nothing we know.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "common/file_io.hpp"
#include "common/sha256.hpp"
#include "ingest/detail/book_readers.hpp"
#include "ingest/ingest.hpp"

namespace prov::ingest {
namespace {

std::string lower_extension(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// A zip is an EPUB when it names the OCF files we read: the stored "mimetype" member sits
// at the front of a conforming EPUB; the others appear in local or central headers.
bool zip_has_epub_markers(std::string_view bytes) {
  static constexpr std::string_view kMarkers[] = {"mimetypeapplication/epub+zip",
                                                  "META-INF/container.xml", ".opf"};
  return std::any_of(std::begin(kMarkers), std::end(kMarkers), [&](std::string_view m) {
    return bytes.find(m) != std::string_view::npos;
  });
}

// Formats we know are not text, so a mislabelled one is refused instead of being decoded
// as if it were a legacy 8-bit text.
bool has_binary_magic(std::string_view head) {
  static constexpr std::string_view kMagics[] = {
      "%PDF-", "\xFF\xD8\xFF", "\x89PNG", "GIF8", "AT&TFORM", "\x1F\x8B", "\x28\xB5\x2F\xFD",
      "PK\x03\x04", "PK\x05\x06", "Rar!", "7z\xBC\xAF"};
  if (std::any_of(std::begin(kMagics), std::end(kMagics),
                  [&](std::string_view m) { return starts_with(head, m); }))
    return true;
  return head.size() >= 68 && head.substr(60, 8) == "BOOKMOBI";
}

}  // namespace

std::string detect_book_format(const std::filesystem::path& file, std::string_view head) {
  const std::string ext = lower_extension(file);
  if (starts_with(head, "PK\x03\x04") && zip_has_epub_markers(head)) return "epub";
  // Anything named .epub goes to the EPUB reader, which says precisely why it is not one
  // ("not a zip archive", "no container.xml").
  if (ext == ".epub") return "epub";
  if (has_binary_magic(head)) return "";
  if (ext == ".txt" || ext == ".text") return "txt";
  return "";
}

bool looks_like_book(const std::filesystem::path& file) {
  const std::string ext = lower_extension(file);
  return ext == ".txt" || ext == ".text" || ext == ".epub";
}

Result<Book> read_book(const std::filesystem::path& file, const BookLimits& limits) {
  auto bytes = read_file(file, limits.max_file_bytes);
  if (!bytes) return std::move(bytes).error().with_path(file.string());
  return read_book_bytes(file.string(), std::move(bytes).value(), limits);
}

Result<Book> read_book_bytes(const std::string& name, std::string bytes,
                             const BookLimits& limits) {
  if (bytes.size() > limits.max_file_bytes)
    return make_error(Errc::kLimit,
                      "file is larger than the limit of " +
                          std::to_string(limits.max_file_bytes) + " bytes",
                      name);
  Book book;
  book.path = name;
  book.source_bytes = bytes.size();
  book.sha256 = sha256_hex(bytes);
  book.format = detect_book_format(name, bytes);
  if (book.format.empty()) return make_error(Errc::kUnsupported, "unsupported format", name);
  book.extractor = extractor_for(book.format);

  Status status = book.format == "epub" ? detail::read_epub(bytes, limits, book)
                                        : detail::read_txt(bytes, book);
  if (!status) return std::move(status).error().with_path(name);
  return book;
}

}  // namespace prov::ingest
