// ingest/book.cpp: the front door for books: format detection, hashing, dispatch, archives.
//
// The Book's identity (sha256 = work_id, path, size, format, extractor) is fixed here, once,
// for every format; the readers (txt.cpp, epub.cpp, pdf.cpp, ...) only extract. Detection
// trusts content over the file name (CONTRACT: a file with a wrong extension is detected by
// content), but an extension still decides which reader reports the error for a file that is
// nothing we know. read_books() adds archives (archive.cpp) and process isolation
// (isolate.cpp) on top of read_book_bytes().
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

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string lower_extension(const std::filesystem::path& file) {
  return lower_ascii(file.extension().string());
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The name a path's last component has, lowercased ("a.zip!Dir/Book.FB2.zip" -> "book.fb2.zip").
std::string lower_filename(const std::filesystem::path& file) {
  std::string s = file.string();
  const std::size_t cut = s.find_last_of("/!");
  return lower_ascii(cut == std::string::npos ? s : s.substr(cut + 1));
}

// A zip is an EPUB when it names the OCF files we read: the stored "mimetype" member sits
// at the front of a conforming EPUB; the others appear in local or central headers. Used only
// when the central directory is out of reach (a head, or a truncated file).
bool zip_has_epub_markers(std::string_view bytes) {
  static constexpr std::string_view kMarkers[] = {"mimetypeapplication/epub+zip",
                                                  "META-INF/container.xml", ".opf"};
  return std::any_of(std::begin(kMarkers), std::end(kMarkers), [&](std::string_view m) {
    return bytes.find(m) != std::string_view::npos;
  });
}

// "epub", "fb2" (a zip holding one .fb2: the .fb2.zip of FB2 libraries) or "" (an archive,
// or not a zip we understand). The central directory decides when the bytes hold it: a zip
// of stored EPUBs carries EPUB markers in its bytes but is an archive of books.
std::string classify_zip(std::string_view bytes) {
  auto dir = detail::zip_directory(bytes);
  if (!dir || dir->empty()) return zip_has_epub_markers(bytes.substr(0, 4096)) ? "epub" : "";
  if (dir->count("mimetype") || dir->count("META-INF/container.xml")) return "epub";
  std::size_t fb2 = 0, opf = 0, files = 0;
  for (const auto& [name, size] : *dir) {
    if (name.empty() || name.back() == '/') continue;
    ++files;
    const std::string l = lower_ascii(name);
    if (ends_with(l, ".fb2")) ++fb2;
    if (ends_with(l, ".opf")) ++opf;
  }
  if (fb2 == 1 && files == 1) return "fb2";
  if (opf == 1 && fb2 == 0) return "epub";  // an EPUB that lost its container.xml
  return "";
}

// Formats we know are not text, so a mislabelled one is refused instead of being decoded
// as if it were a legacy 8-bit text.
bool has_binary_magic(std::string_view head) {
  static constexpr std::string_view kMagics[] = {
      "%PDF-", "\xFF\xD8\xFF", "\x89PNG", "GIF8", "AT&TFORM", "\x1F\x8B", "\x28\xB5\x2F\xFD",
      "PK\x03\x04", "PK\x05\x06", "Rar!", "7z\xBC\xAF", "BZh", "\xFD" "7zXZ"};
  if (std::any_of(std::begin(kMagics), std::end(kMagics),
                  [&](std::string_view m) { return starts_with(head, m); }))
    return true;
  return head.size() >= 68 && head.substr(60, 8) == "BOOKMOBI";
}

// The first KiB of a markup file as lowercase ASCII: a UTF-16 file loses its NUL bytes, so
// "<FictionBook" and "<html" are found whatever the encoding.
std::string markup_head(std::string_view head) {
  std::string h;
  for (char c : head.substr(0, 1024))
    if (c != '\0') h.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return h;
}

bool looks_like_html(const std::string& h) {
  std::size_t i = 0;
  if (starts_with(h, "\xEF\xBB\xBF")) i = 3;
  while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r' ||
                          h[i] == '\xFF' || h[i] == '\xFE'))
    ++i;
  const std::string_view rest = std::string_view(h).substr(i);
  if (starts_with(rest, "<!doctype html") || starts_with(rest, "<html")) return true;
  // An XHTML file: XML declaration or comments first, then the html root.
  return starts_with(rest, "<?xml") && h.find("<html") != std::string::npos &&
         h.find("<fictionbook") == std::string::npos && h.find("<package") == std::string::npos;
}

const char* const kMobiExtensions[] = {".mobi", ".azw", ".azw3", ".azw4", ".prc", ".pdb", ".kf8"};

bool risky(std::string_view format) {
  return format == "pdf" || format == "djvu" || format == "mobi";
}

Status read_format(std::string_view bytes, const BookLimits& limits, Book& book) {
  const std::string& f = book.format;
  if (f == "epub") return detail::read_epub(bytes, limits, book);
  if (f == "pdf") return detail::read_pdf(bytes, limits, book);
  if (f == "fb2") return detail::read_fb2(bytes, limits, book);
  if (f == "html") return detail::read_html(bytes, limits, book);
  if (f == "mobi") return detail::read_mobi(bytes, limits, book);
  if (f == "djvu") return detail::read_djvu(bytes, limits, book);
  return detail::read_txt(bytes, book);
}

// The identity of a book in `bytes`, or the reason it is none.
Result<Book> identify(const std::string& name, std::string_view bytes, const BookLimits& limits) {
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
  if (book.format.empty()) {
    std::string why = "unsupported format";
    const std::string ext = lower_extension(name);
    if (ext == ".opf") why += ": an EPUB package document without its book";
    else if (ext == ".json") why += ": JSON is not a book";
    return make_error(Errc::kUnsupported, why, name);
  }
  book.extractor = extractor_for(book.format);
  return book;
}

Result<Book> extract(Book book, std::string_view bytes, const BookLimits& limits) {
  const std::string name = book.path;
  Status status = read_format(bytes, limits, book);
  if (!status) return std::move(status).error().with_path(name);
  return book;
}

void read_member(const std::string& path, std::string_view bytes, const BookLimits& limits,
                 const BookSink& sink, const BookFilter& filter, int depth);

// Expands one archive into the sink; `path` is the archive's own address.
Status read_archive(const std::string& path, std::string_view bytes, const BookLimits& limits,
                    const BookSink& sink, const BookFilter& filter, int depth) {
  if (depth >= limits.max_archive_depth)
    return make_error(Errc::kLimit,
                      "archive nested deeper than max_archive_depth (" +
                          std::to_string(limits.max_archive_depth) + ")",
                      path);
  Status s = detail::expand_archive(
      bytes, path, limits, [&](Result<detail::ArchiveMember> m) {
        if (!m) {
          Error e = std::move(m).error();
          e.path = path + "!" + e.path;
          sink(std::move(e));
          return;
        }
        const std::string member_path = path + "!" + m->name;
        // Only books and archives are works; images, stylesheets and the like are not.
        const std::string_view head = std::string_view(m->data).substr(0, 4096);
        if (detect_archive_format(member_path, m->data).empty() &&
            detect_book_format(member_path, head).empty() && !looks_like_book(m->name))
          return;
        read_member(member_path, m->data, limits, sink, filter, depth + 1);
      });
  if (!s) return std::move(s).error().with_path(path);
  return Ok{};
}

void read_member(const std::string& path, std::string_view bytes, const BookLimits& limits,
                 const BookSink& sink, const BookFilter& filter, int depth) {
  if (bytes.empty()) {
    sink(make_error(Errc::kFormat, "empty file (0 bytes)", path));
    return;
  }
  if (!detect_archive_format(path, bytes).empty()) {
    if (Status s = read_archive(path, bytes, limits, sink, filter, depth); !s)
      sink(std::move(s).error());
    return;
  }
  auto id = identify(path, bytes, limits);
  if (!id) {
    sink(std::move(id).error());
    return;
  }
  if (filter && !filter(*id)) {
    id->extracted = false;
    sink(std::move(id).value());
    return;
  }
  const bool isolate = limits.isolation == Isolation::kAll ||
                       (limits.isolation == Isolation::kRisky && risky(id->format));
  if (!isolate) {
    sink(extract(std::move(id).value(), bytes, limits));
    return;
  }
  const std::string name = id->path;
  auto book = detail::read_isolated(
      [&]() -> Result<Book> { return extract(*id, bytes, limits); }, limits);
  if (!book) {
    sink(std::move(book).error().with_path(name));
    return;
  }
  sink(std::move(book));
}

}  // namespace

std::string detect_archive_format(const std::filesystem::path& file, std::string_view bytes) {
  if (starts_with(bytes, "PK\x03\x04") || starts_with(bytes, "PK\x05\x06")) {
    if (lower_extension(file) == ".epub") return "";  // the EPUB reader says what is wrong
    return classify_zip(bytes).empty() ? "zip" : "";
  }
  if (starts_with(bytes, "7z\xBC\xAF\x27\x1C")) return "7z";
  if (starts_with(bytes, "Rar!\x1A\x07")) return "rar";
  if (starts_with(bytes, "\x1F\x8B")) return "gzip";
  if (starts_with(bytes, "BZh") && bytes.size() > 4 && bytes[3] >= '1' && bytes[3] <= '9')
    return "bzip2";
  if (starts_with(bytes, "\xFD" "7zXZ")) return "xz";
  if (starts_with(bytes, "\x28\xB5\x2F\xFD")) return "zstd";
  if (bytes.size() >= 262 && bytes.substr(257, 5) == "ustar") return "tar";
  return "";
}

std::string detect_book_format(const std::filesystem::path& file, std::string_view head) {
  const std::string ext = lower_extension(file);
  const std::string filename = lower_filename(file);
  if (starts_with(head, "PK\x03\x04") || starts_with(head, "PK\x05\x06")) {
    const std::string kind = classify_zip(head);
    if (!kind.empty()) return kind;
    if (ends_with(filename, ".fb2.zip")) return "fb2";  // the FB2 reader says what is wrong
  }
  // Anything named .epub goes to the EPUB reader, which says precisely why it is not one
  // ("not a zip archive", "no container.xml").
  if (ext == ".epub") return "epub";
  if (head.substr(0, 1024).find("%PDF-") != std::string_view::npos) return "pdf";
  if (starts_with(head, "AT&TFORM") && head.size() >= 16 &&
      (head.substr(12, 3) == "DJV"))
    return "djvu";
  if (head.size() >= 68 && (head.substr(60, 8) == "BOOKMOBI" || head.substr(60, 8) == "TEXtREAd"))
    return "mobi";
  if (ext == ".pdf") return "pdf";
  if (ext == ".djvu" || ext == ".djv") return "djvu";
  if (std::find(std::begin(kMobiExtensions), std::end(kMobiExtensions), ext) !=
      std::end(kMobiExtensions))
    return "mobi";
  if (has_binary_magic(head)) return "";
  const std::string h = markup_head(head);
  if (h.find("<fictionbook") != std::string::npos) return "fb2";
  if (ext == ".fb2") return "fb2";
  if (looks_like_html(h)) return "html";
  if (ext == ".html" || ext == ".htm" || ext == ".xhtml" || ext == ".xht") return "html";
  if (ext == ".txt" || ext == ".text") return "txt";
  return "";
}

bool looks_like_book(const std::filesystem::path& file) {
  static constexpr std::string_view kExt[] = {
      ".txt", ".text", ".epub", ".pdf", ".fb2", ".html", ".htm", ".xhtml", ".mobi", ".azw",
      ".azw3", ".azw4", ".prc", ".pdb", ".kf8", ".djvu", ".djv",
      // archives
      ".zip", ".tar", ".tgz", ".tbz2", ".txz", ".tzst", ".gz", ".bz2", ".xz", ".zst", ".7z",
      ".rar"};
  const std::string ext = lower_extension(file);
  return std::find(std::begin(kExt), std::end(kExt), ext) != std::end(kExt);
}

Result<Book> read_book(const std::filesystem::path& file, const BookLimits& limits) {
  auto bytes = read_file(file, limits.max_file_bytes);
  if (!bytes) return std::move(bytes).error().with_path(file.string());
  return read_book_bytes(file.string(), std::move(bytes).value(), limits);
}

Result<Book> read_book_bytes(const std::string& name, std::string bytes,
                             const BookLimits& limits) {
  auto id = identify(name, bytes, limits);
  if (!id) return std::move(id).error();
  return extract(std::move(id).value(), bytes, limits);
}

Status read_books(const std::string& path, std::string bytes, const BookLimits& limits,
                  const BookSink& sink, const BookFilter& filter) {
  if (bytes.empty()) {
    sink(make_error(Errc::kFormat, "empty file (0 bytes)", path));
    return Ok{};
  }
  if (!detect_archive_format(path, bytes).empty())
    return read_archive(path, bytes, limits, sink, filter, 0);
  read_member(path, bytes, limits, sink, filter, 0);
  return Ok{};
}

}  // namespace prov::ingest
