// ingest/mobi.cpp: Mobipocket and Kindle books (MOBI, AZW, AZW3/KF8, PRC) with libmobi.
//
// libmobi decompresses the text records (PalmDOC or HUFF/CDIC) and rebuilds the HTML: one
// part for a MOBI 6 book, one per file for KF8 (in a hybrid MOBI 6 + KF8 file, the KF8 part,
// libmobi's default, as the newer and cleaner rendition). Each HTML part goes through the
// shared DOM-to-text walker (detail/markup.hpp), as an EPUB spine item would, and the offset
// map names the part ("part00002.html") and the element's line in it. <mbp:pagebreak/> is a
// block break. DRM-encrypted books are refused as such; Print Replica (a PDF inside) is
// refused as unsupported. Metadata comes from the EXTH header (title, author, publisher,
// publishing date, language, ISBN).
//
// libmobi is C code parsing hostile binary records: read_books() runs this reader in a child
// process (isolate.cpp), and the decompressed size is checked against max_bytes before it is
// allocated.
#include <mobi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "ingest/detail/book_readers.hpp"
#include "ingest/detail/markup.hpp"

namespace prov::ingest::detail {
namespace {

struct MobiFree {
  void operator()(MOBIData* m) const { mobi_free(m); }
};
struct RawmlFree {
  void operator()(MOBIRawml* r) const { mobi_free_rawml(r); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

// Takes ownership of a malloc'd metadata string.
std::string take(char* s) {
  if (s == nullptr) return {};
  std::string out = clean_meta(s);
  std::free(s);
  return out;
}

Kind classify_mobi(std::string_view name) {
  if (name == "mbp:pagebreak" || name == "pagebreak") return Kind::kBlock;
  return classify_html(name);
}

}  // namespace

Status read_mobi(std::string_view bytes, const BookLimits& limits, Book& book) {
  QuietXml quiet;
  const int max_depth = std::clamp(limits.max_depth, 1, kHardDepthCap);
  if (bytes.size() < 78) return make_error(Errc::kFormat, "not a MOBI book: too short");
  // libmobi sizes each record from the PDB record table and allocates it before checking it
  // against the file (a fuzzer found a 2 GiB malloc): check the table first. Records start
  // after the table, lie inside the file, and their offsets never go back.
  {
    const auto u8 = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
    const std::size_t n = (u8(76) << 8) | u8(77);
    if (n == 0 || 78 + 8 * n > bytes.size())
      return make_error(Errc::kFormat, "not a MOBI book, or damaged: bad PDB record table");
    std::uint64_t prev = 78 + 8 * n;
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t at = 78 + 8 * r;
      const std::uint64_t off = (u8(at) << 24) | (u8(at + 1) << 16) | (u8(at + 2) << 8) | u8(at + 3);
      if (off < prev || off > bytes.size())
        return make_error(Errc::kFormat, "not a MOBI book, or damaged: record " + std::to_string(r) +
                                             " lies outside the file or out of order");
      prev = off;
    }
  }
  std::unique_ptr<MOBIData, MobiFree> m(mobi_init());
  if (!m) return make_error(Errc::kInternal, "mobi_init failed");
  std::unique_ptr<FILE, FileClose> f(
      fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb"));
  if (!f) return make_error(Errc::kInternal, "fmemopen failed");
  if (mobi_load_file(m.get(), f.get()) != MOBI_SUCCESS)
    return make_error(Errc::kFormat, "not a MOBI book, or damaged: libmobi cannot load it");
  if (mobi_is_encrypted(m.get()))
    return make_error(Errc::kUnsupported, "DRM-encrypted MOBI/AZW book");
  if (mobi_is_replica(m.get()))
    return make_error(Errc::kUnsupported, "Kindle Print Replica (a PDF inside): not read");
  const std::size_t text_size = mobi_get_text_maxsize(m.get());
  if (text_size > limits.max_bytes)
    return make_error(Errc::kLimit, "text decompresses to more than max_bytes (" +
                                        std::to_string(limits.max_bytes) + ")");
  book.title = take(mobi_meta_get_title(m.get()));
  if (std::string a = take(mobi_meta_get_author(m.get())); !a.empty())
    book.authors.push_back(std::move(a));
  book.publisher = take(mobi_meta_get_publisher(m.get()));
  book.date = take(mobi_meta_get_publishdate(m.get()));
  book.language = take(mobi_meta_get_language(m.get()));
  if (std::string isbn = take(mobi_meta_get_isbn(m.get())); !isbn.empty())
    add_isbns("isbn " + isbn, book.isbns);

  std::unique_ptr<MOBIRawml, RawmlFree> rawml(mobi_init_rawml(m.get()));
  if (!rawml) return make_error(Errc::kFormat, "MOBI book without text records");
  if (mobi_parse_rawml(rawml.get(), m.get()) != MOBI_SUCCESS)
    return make_error(Errc::kFormat, "damaged MOBI text: libmobi cannot rebuild its HTML");
  book.encoding = "UTF-8";
  std::size_t parts = 0;
  for (const MOBIPart* p = rawml->markup; p != nullptr; p = p->next) {
    if (p->type != T_HTML || p->data == nullptr) continue;
    ++parts;
    char name[32];
    std::snprintf(name, sizeof name, "part%05zu.html", p->uid);
    const std::string html(reinterpret_cast<const char*>(p->data), p->size);
    DocPtr doc = parse_html(html, name);
    if (!doc || xmlDocGetRootElement(doc.get()) == nullptr) {
      book.warnings.push_back(std::string(name) + ": cannot be parsed as HTML");
      continue;
    }
    TextSink part(name);
    if (!walk(reinterpret_cast<xmlNode*>(doc.get()), part, 0, max_depth, false, classify_mobi)) {
      book.warnings.push_back(std::string(name) + ": nested deeper than max_depth; skipped");
      continue;
    }
    part.finish();
    append_part(book, part);
  }
  if (parts == 0) return make_error(Errc::kFormat, "MOBI book without HTML text");
  if (book.text.empty()) book.warnings.push_back("no extractable text");
  return Ok{};
}

}  // namespace prov::ingest::detail
