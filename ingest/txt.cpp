// ingest/txt.cpp: plain-text books: encoding detection, line-ending normalisation, offset map.
//
// Decoding order: a BOM decides (UTF-8, UTF-16LE/BE, UTF-32LE/BE); otherwise valid UTF-8 is
// UTF-8; otherwise ICU's charset detector names a legacy encoding and ICU converts it. Only a
// file that nothing decodes cleanly is an error (CONTRACT: Text and offsets).
//
// The output is UTF-8 without BOM, with CRLF and lone CR turned into "\n". The offset map has
// one span per output line, each pointing at the byte where that line starts in the RAW file,
// so a passage maps back exactly whatever the encoding or line endings. For UTF-8 sources,
// consecutive lines whose text and raw offsets differ by the same constant are one span (a
// LF-only UTF-8 file is a single span): inside such a run the bytes are identical.
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.hpp"
#include "ingest/detail/book_readers.hpp"

namespace prov::ingest::detail {
namespace {

// ICU's detector scores a prefix as well as the whole book, and a prefix keeps it fast.
constexpr std::size_t kDetectBytes = 1u << 20;
// Below this ICU is guessing (it scores arbitrary high bytes as ISO-8859-1 at ~10).
constexpr int32_t kMinConfidence = 15;
constexpr std::size_t kHeaderLines = 200;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Appends output text and keeps the line offset map (see the file comment).
class LineMapper {
 public:
  LineMapper(Book& book, bool coalesce) : book_(book), coalesce_(coalesce) {}

  // The next appended character starts a line whose raw bytes begin at src_offset.
  void start_line(std::uint64_t src_offset) {
    const std::uint64_t t = book_.text.size();
    auto& spans = book_.offsets;
    if (coalesce_ && !spans.empty() &&
        spans.back().source_offset - spans.back().text_start == src_offset - t)
      return;
    if (!spans.empty()) spans.back().text_end = t;
    OffsetSpan span;
    span.text_start = t;
    span.source_offset = src_offset;
    spans.push_back(span);
  }
  void finish() {
    if (!book_.offsets.empty()) book_.offsets.back().text_end = book_.text.size();
  }

 private:
  Book& book_;
  bool coalesce_;
};

Status decode_utf8(std::string_view bytes, std::size_t bom, Book& book) {
  // A file that repeats its BOM (concatenated files) still starts its text without one.
  while (bom > 0 && bytes.substr(bom, 3) == "\xEF\xBB\xBF") bom += 3;
  const std::string_view body = bytes.substr(bom);
  const std::size_t bad = first_invalid_utf8(body);
  if (bad != body.size())
    return make_error(Errc::kEncoding,
                      "invalid UTF-8 after a UTF-8 byte order mark at byte " +
                          std::to_string(bad + bom));
  book.encoding = "UTF-8";
  book.text.reserve(body.size());
  LineMapper map(book, /*coalesce=*/true);
  std::size_t i = bom;
  const std::size_t n = bytes.size();
  if (i < n) map.start_line(i);
  while (i < n) {
    // The next CR or LF: memchr for LF, then for a CR before it (find_first_of("\r\n") was
    // one memchr call per byte, 7 % of an ingest).
    const char* const at = bytes.data() + i;
    const auto* lf = static_cast<const char*>(std::memchr(at, '\n', n - i));
    const std::size_t line = lf ? static_cast<std::size_t>(lf - at) : n - i;
    const auto* cr = static_cast<const char*>(std::memchr(at, '\r', line));
    const std::size_t eol = cr ? i + static_cast<std::size_t>(cr - at) : (lf ? i + line : std::string_view::npos);
    if (eol == std::string_view::npos) {
      book.text.append(bytes.substr(i));
      break;
    }
    book.text.append(bytes.substr(i, eol - i));
    book.text.push_back('\n');
    i = eol + ((bytes[eol] == '\r' && eol + 1 < n && bytes[eol + 1] == '\n') ? 2 : 1);
    if (i < n) map.start_line(i);
  }
  map.finish();
  return Ok{};
}

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
struct DetectorCloser {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};

// Converts bytes[start..] from `charset` with ICU, stopping at the first illegal or
// unmappable sequence, and appends normalised UTF-8 with the line map.
Status decode_icu(std::string_view bytes, std::size_t start, const char* charset, Book& book) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterCloser> cnv(ucnv_open(charset, &err));
  if (U_FAILURE(err))
    return make_error(Errc::kEncoding, std::string("no converter for encoding ") + charset);
  ucnv_setToUCallBack(cnv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  if (U_FAILURE(err)) return make_error(Errc::kInternal, "ucnv_setToUCallBack failed");

  book.encoding = charset;
  book.text.reserve(bytes.size() - start);
  LineMapper map(book, /*coalesce=*/false);

  constexpr std::size_t kChunk = 1u << 16;
  std::vector<UChar> units(kChunk);
  std::vector<int32_t> offs(kChunk);
  const char* src = bytes.data() + start;
  const char* const src_end = bytes.data() + bytes.size();

  // State carried across chunks: a lone high surrogate waiting for its pair, a CR whose LF
  // must be swallowed, and whether the next character starts a line.
  UChar high = 0;
  std::uint64_t high_off = 0;
  bool after_cr = false;
  bool line_pending = true;
  std::uint64_t last_off = start;
  auto emit_cp = [&](std::uint32_t cp, std::uint64_t off) {
    if (line_pending) {
      map.start_line(off);
      line_pending = false;
    }
    append_utf8(book.text, cp);
  };

  for (;;) {
    const char* chunk_src = src;
    UChar* target = units.data();
    err = U_ZERO_ERROR;
    ucnv_toUnicode(cnv.get(), &target, units.data() + units.size(), &src, src_end, offs.data(),
                   /*flush=*/true, &err);
    const std::size_t produced = static_cast<std::size_t>(target - units.data());
    for (std::size_t k = 0; k < produced; ++k) {
      const std::uint64_t off =
          offs[k] >= 0 ? static_cast<std::uint64_t>(chunk_src - bytes.data()) +
                             static_cast<std::uint64_t>(offs[k])
                       : last_off;
      last_off = off;
      const UChar u = units[k];
      if (u == 0xFEFF && book.text.empty()) continue;  // BOMs before the text: not text
      if (high != 0) {
        if (u >= 0xDC00 && u <= 0xDFFF) {
          emit_cp(0x10000u + ((static_cast<std::uint32_t>(high) - 0xD800u) << 10) +
                      (static_cast<std::uint32_t>(u) - 0xDC00u),
                  high_off);
          high = 0;
          continue;
        }
        emit_cp(0xFFFD, high_off);
        high = 0;
      }
      if (after_cr) {
        after_cr = false;
        if (u == '\n') continue;
      }
      if (u == '\r' || u == '\n') {
        emit_cp('\n', off);
        after_cr = (u == '\r');
        line_pending = true;
      } else if (u >= 0xD800 && u <= 0xDBFF) {
        high = u;
        high_off = off;
      } else if (u >= 0xDC00 && u <= 0xDFFF) {
        emit_cp(0xFFFD, off);
      } else {
        emit_cp(u, off);
      }
    }
    if (err == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_FAILURE(err))
      return make_error(Errc::kEncoding,
                        std::string("cannot decode as ") + charset + " at byte " +
                            std::to_string(src - bytes.data()) + " (" + u_errorName(err) + ")");
    break;
  }
  if (high != 0) emit_cp(0xFFFD, high_off);
  map.finish();
  return Ok{};
}

// Bytes no text file holds: NUL, and more than a trace of other C0 controls. ICU's
// single-byte detectors accept anything, so binary junk must be refused before them.
bool looks_binary(std::string_view bytes) {
  std::size_t controls = 0;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return true;
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x0B &&
        c != 0x1A && c != 0x1B)
      ++controls;
  }
  return controls * 100 > bytes.size();
}

Status decode_legacy(std::string_view bytes, Book& book) {
  const std::string_view sample = bytes.substr(0, std::min(bytes.size(), kDetectBytes));
  if (looks_binary(sample))
    return make_error(Errc::kEncoding, "not text: binary bytes in an undeclared encoding");
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, DetectorCloser> det(ucsdet_open(&err));
  if (U_FAILURE(err)) return make_error(Errc::kInternal, "ucsdet_open failed");
  ucsdet_setText(det.get(), sample.data(), static_cast<int32_t>(sample.size()), &err);
  int32_t count = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(det.get(), &count, &err);
  if (U_FAILURE(err) || matches == nullptr) count = 0;
  std::string tried;
  for (int32_t m = 0; m < count; ++m) {
    UErrorCode e = U_ZERO_ERROR;
    const char* name = ucsdet_getName(matches[m], &e);
    const int32_t confidence = ucsdet_getConfidence(matches[m], &e);
    if (U_FAILURE(e) || name == nullptr || confidence < kMinConfidence) break;
    if (std::strcmp(name, "UTF-8") == 0) continue;  // we already know it is not
    // The detector scored a prefix; the whole file must convert cleanly, else try the next.
    Book attempt;
    Status s = decode_icu(bytes, 0, name, attempt);
    if (s) {
      book.encoding = std::move(attempt.encoding);
      book.text = std::move(attempt.text);
      book.offsets = std::move(attempt.offsets);
      return Ok{};
    }
    tried += (tried.empty() ? "" : ", ") + std::string(name);
  }
  return make_error(Errc::kEncoding,
                    "cannot decode: not UTF-8, and no encoding ICU detects fits" +
                        (tried.empty() ? std::string() : " (tried " + tried + ")"));
}

// Project Gutenberg language names to BCP 47; anything else is kept as declared.
std::string language_tag(std::string_view declared) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kNames{{
      {"English", "en"}, {"French", "fr"},    {"German", "de"},     {"Russian", "ru"},
      {"Chinese", "zh"}, {"Japanese", "ja"},  {"Spanish", "es"},    {"Italian", "it"},
      {"Portuguese", "pt"}, {"Dutch", "nl"},  {"Latin", "la"},      {"Greek", "el"},
      {"Hebrew", "he"},  {"Arabic", "ar"},    {"Sanskrit", "sa"},   {"Norwegian", "no"},
      {"Swedish", "sv"}, {"Danish", "da"},    {"Finnish", "fi"},    {"Polish", "pl"},
      {"Czech", "cs"},   {"Hungarian", "hu"}, {"Korean", "ko"},     {"Esperanto", "eo"},
  }};
  for (const auto& [name, tag] : kNames)
    if (declared == name) return std::string(tag);
  return std::string(declared);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A PG header has "Title:", "Author:", "Language:" lines near the top; a long title goes on
// in indented continuation lines.
void read_gutenberg_header(Book& book) {
  std::string_view text = book.text;
  std::string* continuing = nullptr;
  std::string author;
  for (std::size_t line_no = 0; line_no < kHeaderLines && !text.empty(); ++line_no) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (continuing != nullptr && !line.empty() && (line[0] == ' ' || line[0] == '\t') &&
        !trim(line).empty()) {
      *continuing += ' ';
      *continuing += trim(line);
      continue;
    }
    continuing = nullptr;
    if (starts_with(line, "Title:") && book.title.empty()) {
      book.title = std::string(trim(line.substr(6)));
      continuing = &book.title;
    } else if (starts_with(line, "Author:") && author.empty()) {
      author = std::string(trim(line.substr(7)));
      continuing = &author;
    } else if (starts_with(line, "Language:") && book.language.empty()) {
      book.language = language_tag(trim(line.substr(9)));
    }
  }
  if (book.title.empty()) {  // no PG header: do not trust a stray "Author:" line either
    book.language.clear();
    return;
  }
  if (!author.empty()) book.authors.push_back(std::move(author));
}

}  // namespace

Status read_txt(std::string_view bytes, Book& book) {
  Status status = Ok{};
  if (starts_with(bytes, "\xEF\xBB\xBF")) {
    status = decode_utf8(bytes, 3, book);
  } else if (starts_with(bytes, std::string_view("\xFF\xFE\0\0", 4)) && bytes.size() % 4 == 0) {
    status = decode_icu(bytes, 4, "UTF-32LE", book);
  } else if (starts_with(bytes, std::string_view("\0\0\xFE\xFF", 4))) {
    status = decode_icu(bytes, 4, "UTF-32BE", book);
  } else if (starts_with(bytes, "\xFF\xFE")) {
    status = decode_icu(bytes, 2, "UTF-16LE", book);
  } else if (starts_with(bytes, "\xFE\xFF")) {
    status = decode_icu(bytes, 2, "UTF-16BE", book);
  } else if (is_valid_utf8(bytes)) {
    status = decode_utf8(bytes, 0, book);
  } else {
    status = decode_legacy(bytes, book);
  }
  if (!status) return status;
  read_gutenberg_header(book);
  return Ok{};
}

}  // namespace prov::ingest::detail
