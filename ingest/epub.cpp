// ingest/epub.cpp: EPUB 2 and 3 books: zip container, OPF package, XHTML spine to text.
//
// The path through a book: the zip (libarchive, from memory) -> META-INF/container.xml ->
// the first rootfile's OPF -> metadata, manifest and spine -> each XHTML spine item parsed
// with libxml2's forgiving HTML parser -> text. The OPF and container are real XML, parsed
// with libxml2's XML parser with no network, no DTD loading and no entity substitution, and
// read by local name, so "dc:title", "title" and an undeclared prefix all match.
//
// The input is hostile. Every zip member name is checked before it can be followed (no
// absolute paths, no ".." escaping the root); decompression is bounded per book
// (max_bytes), per member (max_ratio of its compressed size), and by member count; XML
// nesting is bounded by max_depth. A damaged or missing spine item is a warning and the
// rest of the book is read; only a book we cannot find the structure of is an error.
//
// Text layout: each block element (p, div, h1-h6, li, td, ...) is its own line, <br> breaks a
// line, whitespace inside a block collapses to one space (except in <pre>), and each spine
// item begins a new paragraph (a blank line before it). The offset map has one span per
// block, naming the zip member and the element's line in it.
#include <archive.h>
#include <archive_entry.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <locale.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.hpp"
#include "ingest/detail/book_readers.hpp"
#include "ingest/detail/markup.hpp"
#include "ingest/detail/utf8_locale.hpp"

namespace prov::ingest::detail {
namespace {

// Slack for the ratio limit: small members (stored, or tiny and highly compressible) pass.
constexpr std::uint64_t kRatioSlack = 1u << 20;

// The font obfuscation schemes of IDPF and Adobe hide fonts, not text; anything else in
// encryption.xml covering a spine item is DRM.
constexpr std::string_view kObfuscationAlgorithms[] = {"http://www.idpf.org/2008/embedding",
                                                       "http://ns.adobe.com/pdf/enc#RC"};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---- Zip ------------------------------------------------------------------------------

struct Member {
  bool loaded = false;  // data holds the bytes (media members are listed, not decompressed)
  std::string data;
  std::string error;    // why the data could not be read, if it could not
};

struct Zip {
  std::map<std::string, Member> members;  // safe names only; the first of duplicates wins
  // NFC form -> member name, for non-ASCII names: an href typed on one system and a name
  // stored by another may differ only in Unicode normalisation (composed vs decomposed).
  std::map<std::string, std::string> nfc_names;
};

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// NFC form of a UTF-8 string, or the string itself if ICU cannot normalise it.
std::string nfc(std::string_view s) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* norm = unorm2_getNFCInstance(&err);
  if (U_FAILURE(err) || s.size() > (1u << 16)) return std::string(s);
  std::vector<UChar> in(s.size() + 1), out(2 * s.size() + 16);
  int32_t in_len = 0;
  u_strFromUTF8(in.data(), static_cast<int32_t>(in.size()), &in_len, s.data(),
                static_cast<int32_t>(s.size()), &err);
  const int32_t out_len = unorm2_normalize(norm, in.data(), in_len, out.data(),
                                           static_cast<int32_t>(out.size()), &err);
  std::string result(4 * static_cast<std::size_t>(std::max(out_len, 0)) + 4, '\0');
  int32_t result_len = 0;
  u_strToUTF8(result.data(), static_cast<int32_t>(result.size()), &result_len, out.data(),
              out_len, &err);
  if (U_FAILURE(err)) return std::string(s);
  result.resize(static_cast<std::size_t>(result_len));
  return result;
}

const Member* find_member(const Zip& zip, const std::string& path) {
  auto it = zip.members.find(path);
  if (it != zip.members.end()) return &it->second;
  if (is_ascii(path)) return nullptr;
  auto n = zip.nfc_names.find(nfc(path));
  if (n == zip.nfc_names.end()) return nullptr;
  it = zip.members.find(n->second);
  return it != zip.members.end() ? &it->second : nullptr;
}

std::string format_ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", r);
  return buf;
}

// Members we never extract text from: skipping them keeps the decompression budget for text.
bool is_media_name(std::string_view name) {
  static constexpr std::string_view kExt[] = {
      ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".mp3", ".mp4",
      ".m4a", ".m4v", ".ogg", ".oga", ".wav", ".webm", ".otf", ".ttf", ".woff", ".woff2",
      ".eot", ".css", ".js", ".smil", ".pls", ".svg", ".ds_store"};
  const std::string l = lower(name);
  return std::any_of(std::begin(kExt), std::end(kExt),
                     [&](std::string_view e) { return ends_with(l, e); });
}


struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

Result<ArchivePtr> open_zip(std::string_view bytes) {
  ArchivePtr a(archive_read_new());
  if (!a) return make_error(Errc::kInternal, "archive_read_new failed");
  // The seekable reader trusts the central directory, as every EPUB reading system does.
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    const char* why = archive_error_string(a.get());
    return make_error(Errc::kFormat,
                      std::string("not a zip archive: ") + (why ? why : "unreadable"));
  }
  return a;
}

std::string entry_name(archive_entry* e) {
  const char* n = archive_entry_pathname_utf8(e);
  if (n == nullptr) n = archive_entry_pathname(e);
  return n == nullptr ? std::string() : std::string(n);
}

// Finds the end-of-central-directory record, without which no zip reader can list members.
std::optional<std::size_t> find_eocd(std::string_view bytes) {
  if (bytes.size() < 22) return std::nullopt;
  const std::size_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  for (std::size_t i = bytes.size() - 22 + 1; i-- > lowest;)
    if (bytes.compare(i, 4, "PK\x05\x06") == 0) return i;
  return std::nullopt;
}

std::uint64_t read_le(std::string_view b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

// Compressed size of each member, by name, from the central directory (zip64 sizes from the
// 0x0001 extra field). The ratio limit needs it; libarchive keeps it to itself. Any damage
// just ends the walk: members left out are bounded by the file size instead.
std::map<std::string, std::uint64_t> compressed_sizes(std::string_view b, std::size_t eocd) {
  std::map<std::string, std::uint64_t> out;
  std::size_t at = static_cast<std::size_t>(read_le(b, eocd + 16, 4));
  const std::size_t count = static_cast<std::size_t>(read_le(b, eocd + 10, 2));
  for (std::size_t i = 0; i < count || at < eocd; ++i) {
    if (at + 46 > b.size() || b.compare(at, 4, "PK\x01\x02") != 0) break;
    std::uint64_t size = read_le(b, at + 20, 4);
    const std::uint64_t usize = read_le(b, at + 24, 4);
    const std::size_t name_len = static_cast<std::size_t>(read_le(b, at + 28, 2));
    const std::size_t extra_len = static_cast<std::size_t>(read_le(b, at + 30, 2));
    const std::size_t comment_len = static_cast<std::size_t>(read_le(b, at + 32, 2));
    if (at + 46 + name_len + extra_len > b.size()) break;
    if (size == 0xFFFFFFFFu) {
      std::size_t x = at + 46 + name_len;
      const std::size_t x_end = x + extra_len;
      while (x + 4 <= x_end) {
        const std::uint64_t id = read_le(b, x, 2);
        const std::size_t len = static_cast<std::size_t>(read_le(b, x + 2, 2));
        if (id == 1) {
          const std::size_t field = x + 4 + (usize == 0xFFFFFFFFu ? 8 : 0);
          if (field + 8 <= x + 4 + len && field + 8 <= x_end) size = read_le(b, field, 8);
          break;
        }
        x += 4 + len;
      }
    }
    std::uint64_t& slot = out[std::string(b.substr(at + 46, name_len))];
    slot = std::max(slot, size);
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

Result<Zip> read_zip(std::string_view bytes, const BookLimits& limits,
                     std::vector<std::string>& warnings) {
  Utf8Locale utf8_names;
  if (bytes.empty()) return make_error(Errc::kFormat, "not a zip archive: empty file");
  const auto eocd = find_eocd(bytes);
  if (!eocd)
    return make_error(Errc::kFormat,
                      bytes.substr(0, 2) == "PK"
                          ? "not a zip archive: no end of central directory (truncated?)"
                          : "not a zip archive: no zip signature");

  // libarchive does not report a member's compressed size; the central directory does.
  const auto compressed = compressed_sizes(bytes, *eocd);
  auto compressed_bound = [&](const std::string& name) -> std::uint64_t {
    auto it = compressed.find(name);
    return it != compressed.end() ? it->second : bytes.size();
  };

  Zip zip;
  auto a = open_zip(bytes);
  if (!a) return std::move(a).error();
  std::uint64_t total = 0;
  std::size_t count = 0;
  archive_entry* e = nullptr;
  int r = ARCHIVE_OK;
  std::vector<char> buf(1u << 16);
  while ((r = archive_read_next_header(a->get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (++count > limits.max_entries)
      return make_error(Errc::kLimit,
                        "more than " + std::to_string(limits.max_entries) + " zip members");
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    const std::string name = entry_name(e);
    if (!is_safe_name(name) || zip.members.count(name) != 0) continue;
    Member& m = zip.members[name];
    if (!is_ascii(name)) zip.nfc_names.emplace(nfc(name), name);
    if (is_media_name(name)) continue;
    if (archive_entry_is_encrypted(e)) {
      m.error = "encrypted zip member";
      continue;
    }
    const double max_size = limits.max_ratio *
                                static_cast<double>(compressed_bound(name)) +
                            static_cast<double>(kRatioSlack);
    auto ratio_error = [&] {
      return make_error(Errc::kLimit, "zip member " + name +
                                          " decompresses to more than max_ratio (" +
                                          format_ratio(limits.max_ratio) +
                                          ") times its compressed size");
    };
    if (archive_entry_size_is_set(e) && static_cast<double>(archive_entry_size(e)) > max_size)
      return ratio_error();
    for (;;) {
      const la_ssize_t n = archive_read_data(a->get(), buf.data(), buf.size());
      if (n == 0) {
        m.loaded = true;
        break;
      }
      if (n < 0) {
        const char* why = archive_error_string(a->get());
        m.error = why ? why : "unreadable zip member";
        m.data.clear();
        break;
      }
      total += static_cast<std::uint64_t>(n);
      if (total > limits.max_bytes)
        return make_error(Errc::kLimit, "book decompresses to more than max_bytes (" +
                                            std::to_string(limits.max_bytes) + ")");
      m.data.append(buf.data(), static_cast<std::size_t>(n));
      if (static_cast<double>(m.data.size()) > max_size) return ratio_error();
    }
  }
  if (r != ARCHIVE_EOF) {
    const char* why = archive_error_string(a->get());
    if (zip.members.empty())
      return make_error(Errc::kFormat,
                        std::string("not a zip archive: ") + (why ? why : "unreadable"));
    warnings.push_back(std::string("zip archive damaged after ") + std::to_string(count) +
                       " members: " + (why ? why : "unreadable"));
  }
  return zip;
}

// ---- Paths and hrefs --------------------------------------------------------------------

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && hex_value(s[i + 1]) >= 0 &&
        hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Resolves a relative path against a folder inside the zip ("" for the root), removing "."
// and "..". nullopt if it leaves the zip (too many "..", absolute, a URL): never followed.
std::optional<std::string> resolve_path(std::string_view folder, std::string_view rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::vector<std::string> parts;
  auto push_segments = [&](std::string_view p) -> bool {
    std::size_t start = 0;
    while (start <= p.size()) {
      const std::size_t slash = std::min(p.find('/', start), p.size());
      const std::string_view seg = p.substr(start, slash - start);
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!seg.empty() && seg != ".") {
        parts.emplace_back(seg);
      }
      start = slash + 1;
    }
    return true;
  };
  if (!push_segments(folder) || !push_segments(rel) || parts.empty()) return std::nullopt;
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// An href from a package or encryption document: fragment dropped, percent-decoded, and
// resolved against `folder`. External URLs ("http:", "data:") resolve to nothing.
std::optional<std::string> resolve_href(std::string_view folder, std::string_view href) {
  href = href.substr(0, href.find('#'));
  const std::size_t colon = href.find(':');
  if (colon != std::string_view::npos && href.find('/') > colon) return std::nullopt;
  return resolve_path(folder, percent_decode(href));
}

std::string folder_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}


// ---- Package ----------------------------------------------------------------------------

struct ManifestItem {
  std::optional<std::string> path;  // nullopt: the href leaves the zip or is external
  std::string href;
  std::string media_type;
};

struct Package {
  std::map<std::string, ManifestItem> manifest;  // by id
  std::vector<std::string> spine;                // idrefs in reading order
};

// The rootfile named by container.xml, or the only .opf in the zip when that is missing.
Result<std::string> find_package_path(const Zip& zip, std::vector<std::string>& warnings) {
  std::string reason = "no META-INF/container.xml";
  const Member* c = find_member(zip, "META-INF/container.xml");
  if (c != nullptr && c->loaded) {
    DocPtr doc = parse_xml(c->data, "META-INF/container.xml");
    if (doc && xmlDocGetRootElement(doc.get())) {
      std::string full_path;
      for_each_element(reinterpret_cast<xmlNode*>(doc.get()), 0, 16, [&](const xmlNode* n) {
        if (full_path.empty() && is_element(n, "rootfile")) full_path = attr(n, "full-path");
      });
      if (!full_path.empty()) {
        auto p = resolve_path("", full_path);
        if (!p) return make_error(Errc::kFormat, "container.xml rootfile path is unsafe: " +
                                                     full_path);
        return *p;
      }
      reason = "container.xml names no package document";
    } else {
      reason = "META-INF/container.xml is not well-formed XML";
    }
  }
  std::vector<std::string> opfs;
  for (const auto& [name, m] : zip.members)
    if (ends_with(lower(name), ".opf")) opfs.push_back(name);
  if (opfs.size() != 1)
    return make_error(Errc::kFormat, reason + (opfs.empty()
                                                   ? " and no package document (.opf)"
                                                   : " and several package documents (.opf)"));
  warnings.push_back(reason + "; using the only package document, " + opfs.front());
  return opfs.front();
}

Result<Package> read_package(const Zip& zip, const std::string& opf_path, int max_depth,
                             Book& book) {
  const Member* opf = find_member(zip, opf_path);
  if (opf == nullptr)
    return make_error(Errc::kFormat, "package document " + opf_path + " is missing");
  if (!opf->loaded)
    return make_error(Errc::kFormat,
                      "package document " + opf_path + " is unreadable: " + opf->error);
  DocPtr doc = parse_xml(opf->data, opf_path);
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr)
    return make_error(Errc::kFormat, "package document " + opf_path + " is not well-formed XML");

  const std::string folder = folder_of(opf_path);
  Package pkg;
  bool have_spine = false;
  const xmlNode* metadata = nullptr;
  for_each_element(reinterpret_cast<xmlNode*>(doc.get()), 0, max_depth, [&](const xmlNode* n) {
    if (metadata == nullptr && is_element(n, "metadata")) metadata = n;
    if (is_element(n, "item")) {
      const std::string id = attr(n, "id");
      if (id.empty() || pkg.manifest.count(id)) return;
      ManifestItem item;
      item.href = attr(n, "href");
      item.path = resolve_href(folder, item.href);
      item.media_type = lower(attr(n, "media-type"));
      pkg.manifest.emplace(id, std::move(item));
    } else if (is_element(n, "spine")) {
      have_spine = true;
    } else if (is_element(n, "itemref") && n->parent && is_element(n->parent, "spine")) {
      pkg.spine.push_back(attr(n, "idref"));
    }
  });
  if (metadata != nullptr) {
    for_each_element(metadata, 0, max_depth, [&](const xmlNode* n) {
      if (is_element(n, "title") && book.title.empty()) {
        book.title = clean_text(n);
      } else if (is_element(n, "creator")) {
        std::string who = clean_text(n);
        if (!who.empty()) book.authors.push_back(std::move(who));
      } else if (is_element(n, "language") && book.language.empty()) {
        book.language = clean_text(n);
      } else if (is_element(n, "publisher") && book.publisher.empty()) {
        book.publisher = clean_text(n);
      } else if (is_element(n, "date") && book.date.empty()) {
        book.date = clean_text(n);
      } else if (is_element(n, "identifier") || is_element(n, "source")) {
        // "urn:isbn:...", or opf:scheme="ISBN" on a bare number; add_isbns checks digits.
        add_isbns(clean_text(n), book.isbns);
      } else if (is_element(n, "meta") && lower(attr(n, "property")) == "dcterms:identifier") {
        add_isbns(clean_text(n), book.isbns);
      }
    });
  }
  if (!have_spine) return make_error(Errc::kFormat, "package document has no spine");
  if (pkg.spine.empty()) return make_error(Errc::kFormat, "package document has an empty spine");
  return pkg;
}

// Members listed in META-INF/encryption.xml with the algorithm that encrypts them.
std::map<std::string, std::string> read_encryption(const Zip& zip,
                                                   std::vector<std::string>& warnings) {
  std::map<std::string, std::string> out;
  const Member* enc = find_member(zip, "META-INF/encryption.xml");
  if (enc == nullptr || !enc->loaded) return out;
  DocPtr doc = parse_xml(enc->data, "META-INF/encryption.xml");
  if (!doc || !xmlDocGetRootElement(doc.get())) {
    warnings.push_back("META-INF/encryption.xml is not well-formed XML; ignored");
    return out;
  }
  for_each_element(reinterpret_cast<xmlNode*>(doc.get()), 0, 64, [&](const xmlNode* n) {
    if (!is_element(n, "EncryptedData") && !is_element(n, "encrypteddata")) return;
    std::string algorithm, uri;
    for_each_element(n, 0, 16, [&](const xmlNode* c) {
      if (is_element(c, "encryptionmethod") && algorithm.empty()) algorithm = attr(c, "Algorithm");
      if (is_element(c, "cipherreference") && uri.empty()) uri = attr(c, "URI");
    });
    if (auto path = resolve_href("", uri)) out.emplace(*path, algorithm);
  });
  return out;
}


bool is_text_document(std::string_view media_type) {
  return media_type == "application/xhtml+xml" || media_type == "text/html" ||
         media_type == "application/x-dtbook+xml" || media_type == "text/x-oeb1-document";
}


}  // namespace

std::optional<std::map<std::string, std::uint64_t>> zip_directory(std::string_view bytes) {
  const auto eocd = find_eocd(bytes);
  if (!eocd) return std::nullopt;
  return compressed_sizes(bytes, *eocd);
}

Status read_epub(std::string_view bytes, const BookLimits& limits, Book& book) {
  QuietXml quiet;
  const int max_depth = std::clamp(limits.max_depth, 1, kHardDepthCap);
  book.encoding = "UTF-8";

  auto zip = read_zip(bytes, limits, book.warnings);
  if (!zip) return std::move(zip).error();

  auto opf_path = find_package_path(*zip, book.warnings);
  if (!opf_path) return std::move(opf_path).error();
  auto pkg = read_package(*zip, *opf_path, max_depth, book);
  if (!pkg) return std::move(pkg).error();

  const auto encrypted = read_encryption(*zip, book.warnings);
  std::set<std::string> seen;  // a spine that lists an item twice gets its text once
  std::size_t present = 0;
  for (const std::string& idref : pkg->spine) {
    auto item = pkg->manifest.find(idref);
    if (item == pkg->manifest.end()) {
      book.warnings.push_back("spine itemref \"" + idref + "\" is not in the manifest");
      continue;
    }
    if (!item->second.path) {
      book.warnings.push_back("spine item href \"" + item->second.href +
                              "\" points outside the book; not followed");
      continue;
    }
    const std::string& path = *item->second.path;
    if (!seen.insert(path).second) continue;
    auto enc = encrypted.find(path);
    if (enc != encrypted.end() &&
        std::find(std::begin(kObfuscationAlgorithms), std::end(kObfuscationAlgorithms),
                  enc->second) == std::end(kObfuscationAlgorithms))
      return make_error(Errc::kUnsupported,
                        "DRM-encrypted content (" + path + ": " + enc->second + ")");
    const Member* member = find_member(*zip, path);
    if (member == nullptr) {
      book.warnings.push_back(path + ": spine item is missing from the archive");
      continue;
    }
    ++present;
    if (!is_text_document(item->second.media_type)) continue;  // images, SVG: no text
    if (!member->loaded) {
      book.warnings.push_back(path + ": unreadable: " + member->error);
      continue;
    }
    DocPtr doc = parse_html(member->data, path);
    xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (root == nullptr) {
      book.warnings.push_back(path + ": cannot be parsed as XHTML");
      continue;
    }
    TextSink part(path);
    // The root itself is walked as the child of the document node.
    if (!walk(reinterpret_cast<xmlNode*>(doc.get()), part, 0, max_depth, false)) {
      book.warnings.push_back(path + ": nested deeper than max_depth (" +
                              std::to_string(max_depth) + "); skipped");
      continue;
    }
    part.finish();
    append_part(book, part);
  }
  if (present == 0)
    return make_error(Errc::kFormat, "none of the spine items is in the archive");
  if (book.text.empty()) book.warnings.push_back("no extractable text");
  return Ok{};
}

}  // namespace prov::ingest::detail
