// tests/ingest/txt_test.cpp: plain-text books (ingest/txt.cpp) and format detection (book.cpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "common/sha256.hpp"
#include "common/utf8.hpp"
#include "ingest/ingest.hpp"
#include "tests/ingest/book_checks.hpp"
#include "tests/testlib.hpp"

using prov::Errc;
using prov::ingest::Book;
using prov::ingest::read_book;
using prov::ingest::read_book_bytes;

namespace {

// Every span must map its text back to the raw UTF-8 bytes it came from: the same bytes,
// except that a "\n" in the text may stand for a CR (of a CRLF or a lone CR) in the file.
void check_maps_back_to_utf8(const Book& book, const std::string& raw) {
  for (const auto& span : book.offsets) {
    const std::string seg = book.text.substr(span.text_start, span.text_end - span.text_start);
    REQUIRE(span.source_offset + seg.size() <= raw.size());
    std::string src = raw.substr(span.source_offset, seg.size());
    for (char& c : src)
      if (c == '\r') c = '\n';
    REQUIRE(src == seg);
  }
}

// Raw byte offset of text position pos, through the offset map.
std::uint64_t raw_offset(const Book& book, std::size_t pos) {
  for (const auto& span : book.offsets)
    if (pos >= span.text_start && pos < span.text_end)
      return span.source_offset + (pos - span.text_start);
  FAIL("position " << pos << " not covered");
  return 0;
}

std::string utf16(const std::u16string& s, bool little_endian) {
  std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char16_t u : s) {
    const char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    out += little_endian ? lo : hi;
    out += little_endian ? hi : lo;
  }
  return out;
}

// Windows-1251 for the Cyrillic letters used in the test text (and ASCII).
std::string to_cp1251(const std::u16string& s) {
  std::string out;
  for (char16_t u : s) {
    if (u < 0x80) out += static_cast<char>(u);
    else if (u >= 0x410 && u <= 0x44F) out += static_cast<char>(0xC0 + (u - 0x410));
    else if (u == 0x401) out += '\xA8';
    else if (u == 0x451) out += '\xB8';
    else if (u == 0x2014) out += '\x97';
    else FAIL("no cp1251 mapping in the test for U+" << std::hex << int(u));
  }
  return out;
}

const char* const kRussian =
    "В департаменте... но лучше не называть, в каком департаменте. Ничего нет сердитее "
    "всякого рода департаментов, полков, канцелярий и, словом, всякого рода должностных "
    "сословий. Теперь уже всякий частный человек считает в лице своем оскорбленным все "
    "общество.\r\nГоворят, весьма недавно поступила просьба от одного капитан-исправника, "
    "не помню какого-то города, в которой он излагает ясно, что гибнут государственные "
    "постановления и что священное имя его произносится решительно всуе.\r\n";
const char16_t* const kRussian16 =
    u"В департаменте... но лучше не называть, в каком департаменте. Ничего нет сердитее "
    u"всякого рода департаментов, полков, канцелярий и, словом, всякого рода должностных "
    u"сословий. Теперь уже всякий частный человек считает в лице своем оскорбленным все "
    u"общество.\r\nГоворят, весьма недавно поступила просьба от одного капитан-исправника, "
    u"не помню какого-то города, в которой он излагает ясно, что гибнут государственные "
    u"постановления и что священное имя его произносится решительно всуе.\r\n";

std::string normalised(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("txt: pg174 with BOM and CRLF maps lines back to raw bytes", "[txt]") {
  PROV_REQUIRE_SHARED(file, "texts/en/pg174.txt");
  const std::string raw = prov::test::read_bytes(file);
  auto book = read_book(file);
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->format == "txt");
  CHECK(book->extractor == "txt/1");
  CHECK(book->encoding == "UTF-8");
  CHECK(book->sha256 == prov::sha256_hex(raw));
  CHECK(book->source_bytes == raw.size());
  CHECK(book->path == file.string());
  CHECK(book->text.rfind("The Project Gutenberg eBook of The Picture of Dorian Gray\n", 0) == 0);
  CHECK(book->title == "The Picture of Dorian Gray");
  REQUIRE(book->authors.size() == 1);
  CHECK(book->authors[0] == "Oscar Wilde");
  CHECK(book->language == "en");
  check_maps_back_to_utf8(*book, raw);

  const std::string line = "The studio was filled with the rich odour of roses";
  const std::size_t pos = book->text.find(line);
  REQUIRE(pos != std::string::npos);
  CHECK(raw_offset(*book, pos) == raw.find(line));
  CHECK(raw.compare(raw_offset(*book, pos), line.size(), line) == 0);
}

TEST_CASE("txt: every corpus text decodes and maps back", "[txt]") {
  PROV_REQUIRE_SHARED(dir, "texts");
  int n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".txt") continue;
    const std::string raw = prov::test::read_bytes(entry.path());
    auto book = read_book(entry.path());
    INFO(entry.path());
    REQUIRE(book.ok());
    prov::test::check_book_invariants(*book);
    CHECK(book->encoding == "UTF-8");
    CHECK(book->text == normalised(raw.rfind("\xEF\xBB\xBF", 0) == 0 ? raw.substr(3) : raw));
    check_maps_back_to_utf8(*book, raw);
    ++n;
  }
  CHECK(n >= 30);
}

TEST_CASE("txt: Russian and Chinese UTF-8 texts", "[txt]") {
  PROV_REQUIRE_SHARED(ru, "texts/ru/gogol_shinel.txt");
  PROV_REQUIRE_SHARED(zh, "texts/zh/24264-0.txt");
  auto gogol = read_book(ru);
  REQUIRE(gogol.ok());
  CHECK(gogol->text.find("Шинель") != std::string::npos);
  CHECK(gogol->title.empty());  // no Project Gutenberg header
  auto hlm = read_book(zh);
  REQUIRE(hlm.ok());
  CHECK(hlm->text.find("甄士隱夢幻識通靈") != std::string::npos);
  // LF-only UTF-8: the whole file is one span.
  CHECK(hlm->offsets.size() == 1);
}

TEST_CASE("txt: UTF-16LE and UTF-16BE with BOM", "[txt]") {
  const std::u16string s16 = u"Snowman \u2603 and clef \U0001D11E\r\nSecond line\rThird\n";
  const std::string expect = "Snowman \u2603 and clef \U0001D11E\nSecond line\nThird\n";
  for (bool le : {true, false}) {
    auto book = read_book_bytes("u16.txt", utf16(s16, le));
    REQUIRE(book.ok());
    prov::test::check_book_invariants(*book);
    CHECK(book->encoding == (le ? "UTF-16LE" : "UTF-16BE"));
    CHECK(book->text == expect);
    // Lines map to the raw byte where they start: BOM (2) + 2 bytes per code unit.
    REQUIRE(book->offsets.size() == 3);
    CHECK(book->offsets[0].source_offset == 2);
    CHECK(book->offsets[1].source_offset == 2 + 2 * s16.find(u"Second"));
    CHECK(book->offsets[2].source_offset == 2 + 2 * s16.find(u"Third"));
    CHECK(book->text.substr(book->offsets[1].text_start, 6) == "Second");
  }
}

TEST_CASE("txt: repeated BOMs never start the text", "[txt]") {
  auto u8 = read_book_bytes("bom.txt", "\xEF\xBB\xBF\xEF\xBB\xBFhi\n");
  REQUIRE(u8.ok());
  CHECK(u8->text == "hi\n");
  CHECK(u8->offsets.at(0).source_offset == 6);
  auto u16 = read_book_bytes("bom16.txt", utf16(u"\uFEFFhi", true));
  REQUIRE(u16.ok());
  CHECK(u16->text == "hi");
  CHECK(u16->offsets.at(0).source_offset == 4);
}

TEST_CASE("txt: CRLF, lone CR and LF line ends, mixed, with and without a BOM", "[txt]") {
  for (const std::string bom : {"", "\xEF\xBB\xBF"}) {
    const std::string raw = bom + "one\r\ntwo\rthree\n\r\nfour\r\r\nfive";
    auto book = read_book_bytes("ends.txt", raw);
    REQUIRE(book.ok());
    CHECK(book->text == "one\ntwo\nthree\n\nfour\n\nfive");
    check_maps_back_to_utf8(*book, raw);
    CHECK(raw_offset(*book, book->text.find("five")) == raw.find("five"));
  }
}

TEST_CASE("txt: UTF-32LE with BOM", "[txt]") {
  const std::u32string s = U"Ä\U0001F600 z\n";
  std::string bytes("\xFF\xFE\0\0", 4);
  for (char32_t c : s)
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((c >> (8 * i)) & 0xFF);
  auto book = read_book_bytes("u32.txt", bytes);
  REQUIRE(book.ok());
  CHECK(book->encoding == "UTF-32LE");
  CHECK(book->text == "Ä\U0001F600 z\n");
}

TEST_CASE("txt: windows-1251 is detected and decoded", "[txt]") {
  const std::string bytes = to_cp1251(kRussian16);
  prov::test::TempDir dir("txt1251");
  prov::test::write_bytes(dir / "gogol.txt", bytes);
  auto book = read_book(dir / "gogol.txt");
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->encoding == "windows-1251");
  CHECK(book->text == normalised(kRussian));
  // Second line starts after the first CRLF in the single-byte file.
  REQUIRE(book->offsets.size() == 2);
  CHECK(book->offsets[1].source_offset == bytes.find("\r\n") + 2);
}

TEST_CASE("txt: windows-1252 is detected and decoded", "[txt]") {
  // Curly quotes and the euro sign sit in 0x80-0x9F, where windows-1252 differs from Latin-1.
  std::string utf8, cp1252;
  const char* const parts[][2] = {
      {"\u201cIt is a truth universally acknowledged,\u201d she said, \u201cthat a caf\u00e9 "
       "in the na\u00efve quarter costs ten \u20ac.\u201d ",
       "\x93It is a truth universally acknowledged,\x94 she said, \x93that a caf\xe9 in the "
       "na\xefve quarter costs ten \x80.\x94 "},
      {"The r\u00e9sum\u00e9 of the fianc\u00e9e was \u2018d\u00e9j\u00e0 vu\u2019 \u2013 "
       "nothing more.\n",
       "The r\xe9sum\xe9 of the fianc\xe9" "e was \x91" "d\xe9j\xe0 vu\x92 \x96 nothing more.\n"}};
  for (int i = 0; i < 6; ++i)
    for (const auto& p : parts) {
      utf8 += p[0];
      cp1252 += p[1];
    }
  auto book = read_book_bytes("austen.txt", cp1252);
  REQUIRE(book.ok());
  prov::test::check_book_invariants(*book);
  CHECK(book->encoding == "windows-1252");
  CHECK(book->text == utf8);
}

TEST_CASE("txt: undecodable bytes are an encoding error naming the file", "[txt]") {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) & 0xFF);
  auto book = read_book_bytes("junk.txt", junk);
  REQUIRE(!book.ok());
  CHECK(book.error().code == Errc::kEncoding);
  CHECK(book.error().path == "junk.txt");

  auto bad_bom = read_book_bytes("bad.txt", "\xEF\xBB\xBFok \xC3\x28 no");
  REQUIRE(!bad_bom.ok());
  CHECK(bad_bom.error().code == Errc::kEncoding);

  // An unpaired surrogate in UTF-16 is not text.
  auto lone = read_book_bytes("lone.txt", utf16(u"ab\xD800" "cd", true));
  REQUIRE(!lone.ok());
  CHECK(lone.error().code == Errc::kEncoding);
}

TEST_CASE("txt: empty file, missing file, size limit", "[txt]") {
  auto empty = read_book_bytes("empty.txt", "");
  REQUIRE(empty.ok());
  CHECK(empty->text.empty());
  CHECK(empty->offsets.empty());

  auto missing = read_book("/nonexistent/dir/book.txt");
  REQUIRE(!missing.ok());
  CHECK(missing.error().code == Errc::kIo);
  CHECK(missing.error().path == "/nonexistent/dir/book.txt");

  prov::ingest::BookLimits limits;
  limits.max_file_bytes = 10;
  prov::test::TempDir dir("txtlimit");
  prov::test::write_bytes(dir / "big.txt", std::string(100, 'a'));
  auto big = read_book(dir / "big.txt", limits);
  REQUIRE(!big.ok());
  CHECK(big.error().code == Errc::kLimit);
  CHECK(read_book_bytes("big.txt", std::string(100, 'a'), limits).error().code == Errc::kLimit);
}

TEST_CASE("txt: Gutenberg header with continuation lines; none without it", "[txt]") {
  auto book = read_book_bytes(
      "pg.txt",
      "Header\r\n\r\nTitle: A Long\r\n       Title\r\n\r\nAuthor: Some One\r\n"
      "Language: French\r\n\r\nBody text.\r\n");
  REQUIRE(book.ok());
  CHECK(book->title == "A Long Title");
  REQUIRE(book->authors.size() == 1);
  CHECK(book->authors[0] == "Some One");
  CHECK(book->language == "fr");

  auto plain = read_book_bytes("plain.txt", "Author: not a header\nJust text.\n");
  REQUIRE(plain.ok());
  CHECK(plain->title.empty());
  CHECK(plain->authors.empty());
  CHECK(plain->language.empty());
}

TEST_CASE("book: format detection by content, then extension", "[txt][detect]") {
  using prov::ingest::detect_book_format;
  using prov::ingest::looks_like_book;
  CHECK(looks_like_book("a/b.TXT"));
  CHECK(looks_like_book("b.ePub"));
  CHECK(looks_like_book("b.pdf"));  // issue 3: PDF, FB2, HTML, MOBI, DjVu and archives too
  CHECK(looks_like_book("dump.tar.zst"));
  CHECK(!looks_like_book("b.docx"));
  CHECK(detect_book_format("x.txt", "hello") == "txt");
  CHECK(detect_book_format("x.text", "hello") == "txt");
  CHECK(detect_book_format("x.md", "hello") == "");
  CHECK(detect_book_format("x.xhtml", "\xEF\xBB\xBFhello") == "html");
  CHECK(detect_book_format("x.md", "\xEF\xBB\xBFhello") == "");
  CHECK(detect_book_format("x.txt", "%PDF-1.7 ...") == "pdf");  // content over extension
  CHECK(detect_book_format("x.txt", "\x89PNG....") == "");
  CHECK(detect_book_format("x.epub", "\xFF\xD8\xFF\xE0") == "epub");  // reader says why not
  const std::string zip_head = std::string("PK\x03\x04", 4) + std::string(26, '\0') +
                               "mimetypeapplication/epub+zip";
  CHECK(detect_book_format("book.txt", zip_head) == "epub");
  CHECK(detect_book_format("book", zip_head) == "epub");
  CHECK(detect_book_format("plain.zip", std::string("PK\x03\x04", 4) + "other") == "");

  auto pdf = read_book_bytes("x.txt", "%PDF-1.4\n");  // a PDF header and nothing else
  REQUIRE(!pdf.ok());
  CHECK(pdf.error().code == Errc::kFormat);
  CHECK(pdf.error().path == "x.txt");
  auto png = read_book_bytes("x.txt", "\x89PNG\r\n\x1A\n");
  REQUIRE(!png.ok());
  CHECK(png.error().code == Errc::kUnsupported);
}

TEST_CASE("book: an EPUB with a .txt name is read as EPUB", "[txt][detect]") {
  PROV_REQUIRE_SHARED(file, "ebooks/epub/epubcheck/as-found/cli__wrong_extension.ePub");
  auto book = read_book_bytes("renamed.txt", prov::test::read_bytes(file));
  REQUIRE(book.ok());
  CHECK(book->format == "epub");
  CHECK(book->extractor == "epub/2");
}
