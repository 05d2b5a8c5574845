// tests/ingest/epub_test.cpp: EPUB books (ingest/epub.cpp), on the shared corpus and on
// hostile EPUBs written here with libarchive.
#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ingest/ingest.hpp"
#include "tests/ingest/book_checks.hpp"
#include "tests/testlib.hpp"

using prov::Errc;
using prov::ingest::Book;
using prov::ingest::BookLimits;
using prov::ingest::read_book;
using prov::ingest::read_book_bytes;

namespace {

namespace fs = std::filesystem;

bool has_warning(const Book& book, std::string_view needle) {
  return std::any_of(book.warnings.begin(), book.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

// A member written into a test zip: name, bytes, or `zeros` bytes of zeros streamed in.
struct ZipMember {
  std::string name;
  std::string data;
  std::size_t zeros = 0;
};

la_ssize_t append_to_string(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// Writes a zip as an EPUB packer would: "mimetype" first and stored, the rest deflated.
std::string make_zip(const std::vector<ZipMember>& members) {
  std::string out;
  archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_zip(a) == ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(a, 1);  // no padding: the zip ends where it ends
  REQUIRE(archive_write_open(a, &out, nullptr, append_to_string, nullptr) == ARCHIVE_OK);
  for (const auto& m : members) {
    if (m.name == "mimetype")
      archive_write_zip_set_compression_store(a);
    else
      archive_write_zip_set_compression_deflate(a);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(m.zeros ? m.zeros : m.data.size()));
    INFO(archive_error_string(a));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (m.zeros) {
      const std::string chunk(1u << 20, '\0');
      for (std::size_t done = 0; done < m.zeros; done += chunk.size())
        archive_write_data(a, chunk.data(), std::min(chunk.size(), m.zeros - done));
    } else if (!m.data.empty()) {
      archive_write_data(a, m.data.data(), m.data.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

const char* const kContainer =
    R"(<?xml version="1.0"?><container version="1.0" )"
    R"(xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>)"
    R"(<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>)"
    R"(</rootfiles></container>)";

std::string opf(const std::string& manifest, const std::string& spine) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:identifier id="id">test</dc:identifier><dc:title>Test  Book</dc:title>
  <dc:creator>First Author</dc:creator><dc:creator>Second Author</dc:creator>
  <dc:language>en</dc:language>
 </metadata>
 <manifest>)" + manifest + R"(</manifest>
 <spine>)" + spine + R"(</spine>
</package>)";
}

std::string xhtml(const std::string& body, const std::string& head = "<title>T</title>") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head>)" + head + "</head><body>" + body +
         "</body></html>";
}

std::string item(const std::string& id, const std::string& href,
                 const std::string& type = "application/xhtml+xml") {
  return "<item id=\"" + id + "\" href=\"" + href + "\" media-type=\"" + type + "\"/>";
}

std::string itemref(const std::string& id) { return "<itemref idref=\"" + id + "\"/>"; }

}  // namespace

TEST_CASE("epub: hand-made book with entities, script, style, folders, hostile hrefs",
          "[epub]") {
  const std::string ch1 = xhtml(
      "<h1>Chapter  One</h1>\n<p>Fish&nbsp;and&mdash;chips &amp; <b>peas</b>.</p>"
      "<p>Line one<br/>line two</p>\n<div><p>  Nested  </p></div><pre>a  b\n  c</pre>"
      "<script>var leaked = 'SCRIPT TEXT';</script><p>Ruby <ruby>漢字<rp>(</rp><rt>かんじ</rt>"
      "<rp>)</rp></ruby> end</p>",
      "<title>HEAD TITLE</title><style>p { color: red } /* STYLE TEXT */</style>");
  const std::string ch2 = xhtml("<p>Second chapter.</p><p><br/><br/><br/>After breaks.</p>");
  const std::string zip = make_zip({
      {"mimetype", "application/epub+zip"},
      {"META-INF/container.xml", kContainer},
      {"OEBPS/content.opf",
       opf(item("c1", "text/part/ch1.xhtml") + item("c2", "text/ch%202.xhtml") +
               item("evil", "../../evil.xhtml") + item("abs", "/etc/passwd") +
               item("img", "images/p.jpg", "image/jpeg"),
           itemref("c1") + itemref("evil") + itemref("abs") + itemref("nope") + itemref("img") +
               itemref("c2"))},
      {"OEBPS/text/part/ch1.xhtml", ch1},
      {"OEBPS/text/ch 2.xhtml", ch2},
      {"../evil.xhtml", xhtml("<p>EVIL</p>")},
      {"evil.xhtml", xhtml("<p>EVIL AT ROOT</p>")},
      {"OEBPS/images/p.jpg", "\xFF\xD8\xFF\xE0 not really"},
  });
  auto book = read_book_bytes("made.epub", zip);
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->format == "epub");
  CHECK(book->extractor == "epub/2");
  CHECK(book->title == "Test Book");
  CHECK(book->authors == std::vector<std::string>{"First Author", "Second Author"});
  CHECK(book->language == "en");
  CHECK(book->text ==
        "Chapter One\n"
        "Fish and\u2014chips & peas.\n"
        "Line one\nline two\n"
        "Nested\n"
        "a  b\n  c\n"
        "Ruby 漢字 end\n"
        "\n"
        "Second chapter.\n"
        "\n"
        "After breaks.\n");
  CHECK(has_warning(*book, "../../evil.xhtml"));
  CHECK(has_warning(*book, "/etc/passwd"));
  CHECK(has_warning(*book, "\"nope\""));
  CHECK(book->text.find("EVIL") == std::string::npos);

  // Spans name the member and the element's line in it.
  REQUIRE(!book->offsets.empty());
  CHECK(book->offsets.front().source == "OEBPS/text/part/ch1.xhtml");
  CHECK(book->offsets.front().source_line == 2);
  CHECK(book->offsets.back().source == "OEBPS/text/ch 2.xhtml");
  const std::size_t nested = book->text.find("Nested");
  for (const auto& s : book->offsets)
    if (nested >= s.text_start && nested < s.text_end) CHECK(s.source_line == 4);
}

TEST_CASE("epub: zip bomb and limits are refused", "[epub][limits]") {
  const std::string base_opf = opf(item("c1", "ch1.xhtml") + item("bomb", "bomb.xhtml"),
                                   itemref("c1") + itemref("bomb"));
  const std::string bomb = make_zip({{"mimetype", "application/epub+zip"},
                                     {"META-INF/container.xml", kContainer},
                                     {"OEBPS/content.opf", base_opf},
                                     {"OEBPS/ch1.xhtml", xhtml("<p>Hello</p>")},
                                     {"OEBPS/bomb.xhtml", "", 64u << 20}});
  CHECK(bomb.size() < (1u << 20));
  auto refused = read_book_bytes("bomb.epub", bomb);
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == Errc::kLimit);
  CHECK(refused.error().path == "bomb.epub");

  const std::string small = make_zip({{"mimetype", "application/epub+zip"},
                                      {"META-INF/container.xml", kContainer},
                                      {"OEBPS/content.opf", base_opf},
                                      {"OEBPS/ch1.xhtml", xhtml("<p>Hello</p>")},
                                      {"OEBPS/bomb.xhtml", xhtml("<p>World</p>")}});
  REQUIRE(read_book_bytes("ok.epub", small).ok());
  BookLimits limits;
  limits.max_entries = 3;
  CHECK(read_book_bytes("ok.epub", small, limits).error().code == Errc::kLimit);
  limits = {};
  limits.max_bytes = 500;
  CHECK(read_book_bytes("ok.epub", small, limits).error().code == Errc::kLimit);

  // Nesting deeper than max_depth: that item is skipped with a warning.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<div>";
  deep += "deep";
  for (int i = 0; i < 40; ++i) deep += "</div>";
  const std::string nested = make_zip({{"mimetype", "application/epub+zip"},
                                       {"META-INF/container.xml", kContainer},
                                       {"OEBPS/content.opf", base_opf},
                                       {"OEBPS/ch1.xhtml", xhtml("<p>Hello</p>")},
                                       {"OEBPS/bomb.xhtml", xhtml(deep)}});
  limits = {};
  limits.max_depth = 20;
  auto shallow = read_book_bytes("deep.epub", nested, limits);
  REQUIRE(shallow.ok());
  CHECK(shallow->text == "Hello\n");
  CHECK(has_warning(*shallow, "max_depth"));
  auto full = read_book_bytes("deep.epub", nested);
  REQUIRE(full.ok());
  CHECK(full->text == "Hello\n\ndeep\n");
}

TEST_CASE("epub: structural failures are format errors", "[epub]") {
  auto not_zip = read_book_bytes("x.epub", "this is not a zip");
  REQUIRE(!not_zip.ok());
  CHECK(not_zip.error().code == Errc::kFormat);
  CHECK(not_zip.error().message.find("not a zip archive") == 0);

  const std::string good = make_zip({{"mimetype", "application/epub+zip"},
                                     {"META-INF/container.xml", kContainer},
                                     {"OEBPS/content.opf", opf(item("c", "c.xhtml"), itemref("c"))},
                                     {"OEBPS/c.xhtml", xhtml("<p>Hi</p>")}});
  auto truncated = read_book_bytes("t.epub", good.substr(0, good.size() / 2));
  REQUIRE(!truncated.ok());
  CHECK(truncated.error().code == Errc::kFormat);

  auto no_spine = read_book_bytes(
      "s.epub", make_zip({{"META-INF/container.xml", kContainer},
                          {"OEBPS/content.opf", opf(item("c", "c.xhtml"), "").replace(
                                                    opf(item("c", "c.xhtml"), "").find("<spine>"),
                                                    15, "")},
                          {"OEBPS/c.xhtml", xhtml("<p>Hi</p>")}}));
  REQUIRE(!no_spine.ok());
  CHECK(no_spine.error().code == Errc::kFormat);

  auto bad_opf = read_book_bytes("o.epub", make_zip({{"META-INF/container.xml", kContainer},
                                                     {"OEBPS/content.opf", "<package><oops"}}));
  REQUIRE(!bad_opf.ok());
  CHECK(bad_opf.error().code == Errc::kFormat);

  // OPF without dc: prefixes and without container.xml: read leniently, with a warning.
  auto lenient = read_book_bytes(
      "l.epub",
      make_zip({{"book.opf",
                 "<package><metadata><title>Plain</title><creator>Anon</creator></metadata>"
                 "<manifest><item id='a' href='a.html' media-type='text/html'/></manifest>"
                 "<spine><itemref idref='a'/></spine></package>"},
                {"a.html", "<p>Broken <b>html &amp; &eacute;t&eacute;<p>next"}}));
  REQUIRE(lenient.ok());
  CHECK(lenient->title == "Plain");
  CHECK(lenient->authors == std::vector<std::string>{"Anon"});
  CHECK(lenient->text == "Broken html & été\nnext\n");
  CHECK(has_warning(*lenient, "container.xml"));
}

TEST_CASE("epub: XXE and entity expansion in the OPF stay inert", "[epub]") {
  const std::string evil_opf =
      R"(<?xml version="1.0"?><!DOCTYPE package [<!ENTITY xxe SYSTEM "file:///etc/passwd">)"
      R"(<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>)"
      R"(<package xmlns="http://www.idpf.org/2007/opf" xmlns:dc="http://purl.org/dc/elements/1.1/">)"
      R"(<metadata><dc:title>T&xxe;&b;</dc:title></metadata><manifest>)" +
      item("c", "c.xhtml") + "</manifest><spine>" + itemref("c") + "</spine></package>";
  auto book = read_book_bytes("xxe.epub",
                              make_zip({{"META-INF/container.xml", kContainer},
                                        {"OEBPS/content.opf", evil_opf},
                                        {"OEBPS/c.xhtml", xhtml("<p>ok</p>")}}));
  REQUIRE(book.ok());
  CHECK(book->title == "T");
  CHECK(book->text == "ok\n");
}

TEST_CASE("epub: moby-dick metadata, spine order, offsets", "[epub][corpus]") {
  PROV_REQUIRE_SHARED(file, "ebooks/epub/idpf-epub3-samples/moby-dick.epub");
  auto book = read_book(file);
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->title == "Moby-Dick");
  REQUIRE(!book->authors.empty());
  CHECK(book->authors[0] == "Herman Melville");
  CHECK(book->language == "en-US");
  CHECK(book->warnings.empty());  // the toc.ncx inside an XML comment is not an item
  const std::size_t ishmael = book->text.find("Call me Ishmael.");
  const std::size_t carpet = book->text.find("I stuffed a shirt or two into my old carpet-bag");
  REQUIRE(ishmael != std::string::npos);
  REQUIRE(carpet != std::string::npos);
  CHECK(ishmael < carpet);
  CHECK(book->text.find('<') == std::string::npos);
  for (const auto& s : book->offsets)
    if (ishmael >= s.text_start && ishmael < s.text_end) {
      CHECK(s.source == "OPS/chapter_001.xhtml");
      CHECK(s.source_line > 0);
    }
}

TEST_CASE("epub: nav script is dropped (childrens-literature)", "[epub][corpus]") {
  PROV_REQUIRE_SHARED(file, "ebooks/epub/idpf-epub3-samples/childrens-literature.epub");
  auto book = read_book(file);
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->text.find("getElementsByTagName") == std::string::npos);
  CHECK(book->text.find("navLists") == std::string::npos);
  CHECK(book->text.size() > 10000);
}

TEST_CASE("epub: Standard Ebooks", "[epub][corpus]") {
  PROV_REQUIRE_SHARED(dir, "ebooks/epub/standardebooks");
  for (const auto& entry : fs::directory_iterator(dir)) {
    INFO(entry.path());
    auto book = read_book(entry.path());
    REQUIRE(book.ok());
    prov::test::check_book_invariants(*book);
    CHECK(!book->title.empty());
    CHECK(!book->authors.empty());
    CHECK(book->text.size() > 100000);
  }
  PROV_REQUIRE_SHARED(holmes, "ebooks/epub/standardebooks/"
                              "arthur-conan-doyle_the-adventures-of-sherlock-holmes.epub");
  auto book = read_book(holmes);
  REQUIRE(book.ok());
  CHECK(book->text.find("To Sherlock Holmes she is always") != std::string::npos);
}

TEST_CASE("epub: Japanese vertical writing with ruby and non-ASCII member names",
          "[epub][corpus]") {
  PROV_REQUIRE_SHARED(file,
                      "ebooks/epub/idpf-epub3-samples/kusamakura-japanese-vertical-writing.epub");
  auto book = read_book(file);
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->text.find("山路を登りながら、こう考えた。") != std::string::npos);
  CHECK(book->text.find("やまみち") == std::string::npos);  // ruby reading dropped
  CHECK(std::any_of(book->offsets.begin(), book->offsets.end(),
                    [](const auto& s) { return s.source == "OPS/xhtml/一.xhtml"; }));
}

TEST_CASE("epub: image-only books give empty text and a warning", "[epub][corpus]") {
  // Spine items exist but hold only images: a Book, not an error.
  const std::string pages = make_zip(
      {{"mimetype", "application/epub+zip"},
       {"META-INF/container.xml", kContainer},
       {"OEBPS/content.opf",
        opf(item("p1", "p1.xhtml") + item("p2", "p2.svg", "image/svg+xml"),
            itemref("p1") + itemref("p2"))},
       {"OEBPS/p1.xhtml", xhtml("<div><img src='p1.jpg' alt=''/></div>")},
       {"OEBPS/p2.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"}});
  auto made = read_book_bytes("manga.epub", pages);
  REQUIRE(made.ok());
  CHECK(made->text.empty());
  CHECK(made->offsets.empty());
  CHECK(has_warning(*made, "no extractable text"));

  PROV_REQUIRE_SHARED(svg, "ebooks/epub/idpf-epub3-samples/svg-in-spine.epub");
  auto book = read_book(svg);
  REQUIRE(book.ok());
  CHECK(book->text.empty());
  CHECK(has_warning(*book, "no extractable text"));

  // The manga sample's pages are JPEGs in XHTML, but its spine ends with an "About this
  // document" page that does hold text: only that text comes out.
  PROV_REQUIRE_SHARED(haruko, "ebooks/epub/idpf-epub3-samples/haruko-html-jpeg.epub");
  auto manga = read_book(haruko);
  REQUIRE(manga.ok());
  prov::test::check_book_invariants(*manga);
  CHECK(manga->text.rfind("About this document\n", 0) == 0);
  CHECK(manga->text.size() < 2000);
  for (const auto& s : manga->offsets) CHECK(s.source == "OPS/xhtml/AboutThisDocument.xhtml");
}

TEST_CASE("epub: epubcheck fatal files are errors; DRM is unsupported", "[epub][corpus]") {
  PROV_REQUIRE_SHARED(dir, "ebooks/epub/epubcheck");
  for (const char* rel : {"packed/epub2__ocf-opf-missing-fatal.epub",
                          "packed/epub3__04-ocf__ocf-package-document-missing-fatal.epub",
                          "as-found/epub3__04-ocf__ocf-zip-unreadable-empty-fatal.epub",
                          "as-found/epub3__04-ocf__ocf-zip-unreadable-image-with-epub-extension-fatal.epub",
                          "as-found/epub3__04-ocf__ocf-zip-unreadable-no-end-header-fatal.epub"}) {
    INFO(rel);
    auto book = read_book(dir / rel);
    REQUIRE(!book.ok());
    CHECK(book.error().code == Errc::kFormat);
    CHECK(book.error().path == (dir / rel).string());
  }
  // No container.xml but a single OPF: read leniently (epubcheck calls it fatal).
  auto lenient = read_book(dir / "packed/epub2__ocf-metainf-container-file-missing-fatal.epub");
  REQUIRE(lenient.ok());
  CHECK(has_warning(*lenient, "container.xml"));
  CHECK(!lenient->text.empty());

  // encryption.xml lists the content document under an unknown algorithm: DRM.
  auto drm = read_book(dir / "packed/epub3__04-ocf__ocf-encryption-unknown-valid.epub");
  REQUIRE(!drm.ok());
  CHECK(drm.error().code == Errc::kUnsupported);
  CHECK(drm.error().message.find("DRM-encrypted content") == 0);
  // Font obfuscation is not DRM.
  REQUIRE(read_book(dir / "packed/epub3__04-ocf__ocf-obfuscation-valid.epub").ok());
  // Percent-encoded href to "content&001.xhtml".
  auto pct = read_book(dir / "packed/epub3__04-ocf__url-percent-encoded-valid.epub");
  REQUIRE(pct.ok());
  CHECK(!pct->text.empty());
  CHECK(pct->warnings.empty());
}

TEST_CASE("epub: every corpus EPUB gives a Book or an Error", "[epub][corpus]") {
  PROV_REQUIRE_SHARED(dir, "ebooks/epub");
  int books = 0, errors = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    INFO(entry.path());
    auto book = read_book(entry.path());
    if (book.ok()) {
      prov::test::check_book_invariants(*book);
      ++books;
    } else {
      CHECK(book.error().path == entry.path().string());
      CHECK(!book.error().message.empty());
      ++errors;
    }
  }
  CHECK(books >= 40);
  CHECK(errors >= 5);
}
