// ingest/shard.cpp: streaming reader for training shards (.jsonl[.gz|.zst], .txt).
//
// Bytes flow file -> (gzip | zstd | none) -> line splitter -> simdjson DOM per line. The raw
// file bytes are hashed as they are read, so the shard's SHA-256 costs no second pass. A bad
// line is skipped and reported; a broken stream (truncated .zst, corrupt gzip) ends the shard
// with an Error after every complete line before the damage has been delivered.
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "common/huge_alloc.hpp"
#include "common/sha256.hpp"
#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

namespace prov::ingest {
namespace {

constexpr std::size_t kChunk = 1 << 20;

// Decompressed bytes: a vector whose resize() leaves new bytes uninitialised (HugeAlloc
// default-initialises), so making room for the next megabyte of output costs no memset (a
// std::string zero-fills it: ~1 % of a scan); a whole-file record of 4 MB or more gets huge pages.
using Bytes = std::vector<char, HugeAlloc<char>>;

enum class Codec { kNone, kGzip, kZstd };

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Raw file bytes, hashed as they pass.
class RawFile {
 public:
  RawFile(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~RawFile() {
    if (f_) std::fclose(f_);
  }
  // Reads up to n bytes; returns 0 at EOF. Sets error on read failure.
  std::size_t read(char* dst, std::size_t n) {
    const std::size_t got = std::fread(dst, 1, n, f_);
    if (got < n && std::ferror(f_)) failed_ = true;
    sha_.update(dst, got);
    bytes_ += got;
    return got;
  }
  bool failed() const { return failed_; }
  // Hash the rest of the file too, so a shard's digest always covers all of its bytes.
  void drain() {
    std::string buf(kChunk, '\0');
    while (read(buf.data(), buf.size()) > 0) {
    }
  }
  std::string hex() { return sha_.hex(); }
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::FILE* f_;
  std::string path_;
  Sha256 sha_;
  std::uint64_t bytes_ = 0;
  bool failed_ = false;
};

// Produces decompressed bytes. fill() appends to out; returns false at clean end of stream.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual Result<bool> fill(Bytes& out) = 0;
};

class PlainDecoder final : public Decoder {
 public:
  explicit PlainDecoder(RawFile& f) : f_(f) {}
  Result<bool> fill(Bytes& out) override {
    const std::size_t old = out.size();
    out.resize(old + kChunk);
    const std::size_t n = f_.read(out.data() + old, kChunk);
    out.resize(old + n);
    if (f_.failed()) return make_error(Errc::kIo, "read error");
    return n > 0;
  }

 private:
  RawFile& f_;
};

class GzipDecoder final : public Decoder {
 public:
  explicit GzipDecoder(RawFile& f) : f_(f), in_(kChunk, '\0') {
    inflateInit2(&zs_, 15 + 32);  // gzip or zlib header, auto-detected
  }
  ~GzipDecoder() override { inflateEnd(&zs_); }
  Result<bool> fill(Bytes& out) override {
    for (;;) {
      if (zs_.avail_in == 0) {
        const std::size_t n = f_.read(in_.data(), in_.size());
        if (f_.failed()) return make_error(Errc::kIo, "read error");
        if (n == 0) {
          if (in_member_) return make_error(Errc::kFormat, "truncated gzip stream");
          return false;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(n);
      }
      const std::size_t old = out.size();
      out.resize(old + kChunk);
      zs_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
      zs_.avail_out = static_cast<uInt>(kChunk);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      out.resize(old + (kChunk - zs_.avail_out));
      in_member_ = true;
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&zs_);  // concatenated gzip members are one stream
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return make_error(Errc::kFormat, std::string("corrupt gzip stream: ") +
                                             (zs_.msg ? zs_.msg : "inflate failed"));
      }
      if (out.size() > old) return true;
    }
  }

 private:
  RawFile& f_;
  std::string in_;
  z_stream zs_{};
  bool in_member_ = false;
};

class ZstdDecoder final : public Decoder {
 public:
  explicit ZstdDecoder(RawFile& f) : f_(f), in_(kChunk, '\0'), ctx_(ZSTD_createDCtx()) {
    // A frame may ask for a window of up to 2 GiB; refuse more (memory is not the input's).
    ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, 31);
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(ctx_); }
  Result<bool> fill(Bytes& out) override {
    for (;;) {
      if (pos_ == len_) {
        len_ = f_.read(in_.data(), in_.size());
        pos_ = 0;
        if (f_.failed()) return make_error(Errc::kIo, "read error");
        if (len_ == 0) {
          if (pending_ != 0) return make_error(Errc::kFormat, "truncated zstd stream (incomplete frame)");
          return false;
        }
      }
      const std::size_t old = out.size();
      out.resize(old + kChunk);
      ZSTD_inBuffer ib{in_.data(), len_, pos_};
      ZSTD_outBuffer ob{out.data() + old, kChunk, 0};
      const std::size_t rc = ZSTD_decompressStream(ctx_, &ob, &ib);
      pos_ = ib.pos;
      out.resize(old + ob.pos);
      if (ZSTD_isError(rc))
        return make_error(Errc::kFormat, std::string("corrupt zstd stream: ") + ZSTD_getErrorName(rc));
      pending_ = rc;
      if (ob.pos > 0) return true;
    }
  }

 private:
  RawFile& f_;
  std::string in_;
  std::size_t pos_ = 0, len_ = 0;
  std::size_t pending_ = 0;
  ZSTD_DCtx* ctx_;
};

// Converts a dotted field path ("meta.content") into a JSON pointer ("/meta/content").
std::string to_pointer(std::string_view dotted) {
  std::string out;
  std::size_t i = 0;
  while (i <= dotted.size()) {
    const std::size_t dot = dotted.find('.', i);
    const std::string_view part = dotted.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    out.push_back('/');
    for (const char c : part) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out.push_back(c);
    }
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads \uXXXX at line[i] (i points at the backslash); -1 if not a well-formed escape.
long read_u_escape(std::string_view line, std::size_t i) {
  if (i + 6 > line.size() || line[i] != '\\' || line[i + 1] != 'u') return -1;
  long v = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    const int h = hexval(line[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// Rewrites unpaired surrogate escapes inside strings to \uFFFD (same length, so nothing else
// moves). Returns true if anything changed. Scraped data is full of them (JavaScript strings
// cut mid-pair), and the contract keeps such records, flagged.
bool repair_surrogates(std::string& line) {
  bool changed = false;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (!in_string) {
      if (c == '"') in_string = true;
      continue;
    }
    if (c == '"') {
      in_string = false;
      continue;
    }
    if (c != '\\') continue;
    if (i + 1 < line.size() && line[i + 1] != 'u') {
      ++i;  // a two-character escape
      continue;
    }
    const long v = read_u_escape(line, i);
    if (v < 0) continue;  // malformed: the parser will say so
    if (v >= 0xD800 && v <= 0xDBFF) {
      const long lo = read_u_escape(line, i + 6);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        i += 11;
        continue;
      }
    } else if (!(v >= 0xDC00 && v <= 0xDFFF)) {
      i += 5;
      continue;
    }
    line.replace(i + 2, 4, "FFFD");
    changed = true;
    i += 5;
  }
  return changed;
}

class JsonlReader final : public ShardReader {
 public:
  JsonlReader(std::FILE* f, std::string path, Codec codec, const ShardOptions& opt)
      : raw_(f, path), opt_(opt), text_ptr_(to_pointer(opt.text_field)), id_ptr_(to_pointer(opt.id_field)) {
    stats_.path = std::move(path);
    switch (codec) {
      case Codec::kNone: dec_ = std::make_unique<PlainDecoder>(raw_); break;
      case Codec::kGzip: dec_ = std::make_unique<GzipDecoder>(raw_); break;
      case Codec::kZstd: dec_ = std::make_unique<ZstdDecoder>(raw_); break;
    }
  }

  Result<bool> next(ShardRecord& out, std::vector<Error>& errors) override {
    if (done_) return false;
    for (;;) {
      std::string_view line;
      bool oversized = false;
      auto got = next_line(line, oversized);
      if (!got) {
        finish();
        return std::move(got).error().with_path(stats_.path);
      }
      if (!*got) {
        finish();
        return false;
      }
      ++line_no_;
      if (oversized) {
        ++stats_.skipped;
        errors.push_back(line_error(Errc::kLimit, "record larger than " +
                                                      std::to_string(opt_.max_record_bytes) + " bytes"));
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
      if (parse(line, out, errors)) {
        ++stats_.records;
        return true;
      }
      ++stats_.skipped;
    }
  }

  const ShardStats& stats() const override { return stats_; }

 private:
  Error line_error(Errc code, std::string msg) const {
    Error e = make_error(code, std::move(msg), stats_.path);
    e.line = line_no_;
    return e;
  }

  void finish() {
    if (done_) return;
    done_ = true;
    raw_.drain();
    stats_.sha256 = raw_.hex();
    stats_.bytes = raw_.bytes();
  }

  // Next line out of the decompressed stream (without '\n'); a last line without a newline
  // counts. Lines over the record limit are consumed and flagged, never buffered whole.
  // buf_[head_, size) is unread; the consumed front is dropped only when the buffer must
  // grow, so a chunk of many short lines is never shifted once per line.
  Result<bool> next_line(std::string_view& line, bool& oversized) {
    head_ += consumed_;
    consumed_ = 0;
    std::size_t scan_from = head_;
    for (;;) {
      const void* hit = nullptr;
      if (scan_from < buf_.size()) hit = std::memchr(buf_.data() + scan_from, '\n', buf_.size() - scan_from);
      if (hit) {
        const auto nl = static_cast<std::size_t>(static_cast<const char*>(hit) - buf_.data());
        line = std::string_view(buf_.data() + head_, nl - head_);
        consumed_ = nl + 1 - head_;
        stats_.text_bytes += consumed_;
        if (skipping_ || line.size() > opt_.max_record_bytes) {
          skipping_ = false;
          oversized = true;
        }
        return true;
      }
      if (buf_.size() - head_ > opt_.max_record_bytes) {
        stats_.text_bytes += buf_.size() - head_;
        buf_.clear();
        head_ = 0;
        skipping_ = true;
      }
      if (eof_) {
        if (buf_.size() == head_ && !skipping_) return false;
        line = std::string_view(buf_.data() + head_, buf_.size() - head_);
        consumed_ = line.size();
        stats_.text_bytes += consumed_;
        oversized = skipping_;
        skipping_ = false;
        return true;
      }
      if (head_ > 0) {  // drop the consumed front before reading more
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      scan_from = buf_.size();
      auto more = dec_->fill(buf_);
      if (!more) return std::move(more).error();
      if (!*more) eof_ = true;
      // Room for simdjson's padding after the last line, so records parse in place.
      if (buf_.capacity() - buf_.size() < simdjson::SIMDJSON_PADDING) buf_.reserve(buf_.size() + kChunk);
    }
  }

  bool parse(std::string_view line, ShardRecord& out, std::vector<Error>& errors) {
    out.text_repaired = false;
    simdjson::dom::element doc;
    // Parsed where it lies in the read buffer when simdjson's padding fits after it (simdjson
    // may read up to SIMDJSON_PADDING bytes past the end; what they hold does not matter), else
    // from a padded copy. simdjson validates UTF-8 as it parses: a record is checked on its
    // own only when parsing fails, so that invalid UTF-8 is named as such, at its byte.
    const bool in_place = buf_.capacity() - static_cast<std::size_t>(line.data() + line.size() - buf_.data()) >=
                          simdjson::SIMDJSON_PADDING;
    auto err = in_place ? parser_.parse(line.data(), line.size(), false).get(doc)
                        : parser_.parse(padded_.assign(line).data(), line.size(), true).get(doc);
    if (err && !is_valid_utf8(line)) {
      errors.push_back(line_error(Errc::kEncoding, "invalid UTF-8 at byte " +
                                                       std::to_string(first_invalid_utf8(line))));
      return false;
    }
    if (err == simdjson::STRING_ERROR) {
      padded_.assign(line);
      if (repair_surrogates(padded_)) {
        out.text_repaired = true;
        err = parser_.parse(padded_.data(), padded_.size(), true).get(doc);
      }
    }
    if (err) {
      errors.push_back(line_error(Errc::kFormat, std::string("invalid JSON: ") + simdjson::error_message(err)));
      return false;
    }
    if (!doc.is_object()) {
      errors.push_back(line_error(Errc::kFormat, "record is not a JSON object"));
      return false;
    }
    simdjson::dom::element text_el;
    if (doc.at_pointer(text_ptr_).get(text_el)) {
      errors.push_back(line_error(Errc::kFormat, "no text field '" + opt_.text_field + "'"));
      return false;
    }
    std::string_view text;
    if (text_el.get(text)) {
      errors.push_back(line_error(Errc::kFormat, "text field '" + opt_.text_field + "' is not a string"));
      return false;
    }
    out.text.assign(text);
    out.index = line_no_;
    simdjson::dom::element id_el;
    if (doc.at_pointer(id_ptr_).get(id_el) || id_el.is_null()) {
      out.doc_id = std::to_string(line_no_);
    } else if (std::string_view sid; !id_el.get(sid)) {
      out.doc_id.assign(sid);
    } else {
      out.doc_id = simdjson::minify(id_el);
    }
    return true;
  }

  RawFile raw_;
  ShardOptions opt_;
  std::string text_ptr_, id_ptr_;
  std::unique_ptr<Decoder> dec_;
  Bytes buf_;
  std::size_t head_ = 0;      // start of the unread part of buf_
  std::size_t consumed_ = 0;  // length of the line last returned (with its newline)
  bool eof_ = false, skipping_ = false, done_ = false;
  std::uint64_t line_no_ = 0;
  simdjson::dom::parser parser_;
  std::string padded_;
  ShardStats stats_;
};

// A plain .txt shard is one document whose id is the path as given.
class TextReader final : public ShardReader {
 public:
  TextReader(std::FILE* f, std::string path, Codec codec, const ShardOptions& opt)
      : raw_(f, path), opt_(opt) {
    stats_.path = std::move(path);
    switch (codec) {
      case Codec::kNone: dec_ = std::make_unique<PlainDecoder>(raw_); break;
      case Codec::kGzip: dec_ = std::make_unique<GzipDecoder>(raw_); break;
      case Codec::kZstd: dec_ = std::make_unique<ZstdDecoder>(raw_); break;
    }
  }
  Result<bool> next(ShardRecord& out, std::vector<Error>& errors) override {
    if (done_) return false;
    done_ = true;
    Bytes bytes;
    for (;;) {
      auto more = dec_->fill(bytes);
      if (!more) {
        finish();
        return std::move(more).error().with_path(stats_.path);
      }
      if (!*more) break;
      if (bytes.size() > opt_.max_record_bytes) {
        finish();
        return make_error(Errc::kLimit, "text larger than " + std::to_string(opt_.max_record_bytes) + " bytes",
                          stats_.path);
      }
    }
    finish();
    stats_.text_bytes = bytes.size();
    std::string_view text(bytes.data(), bytes.size());
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (!is_valid_utf8(text)) {
      ++stats_.skipped;
      Error e = make_error(Errc::kEncoding, "invalid UTF-8 at byte " + std::to_string(first_invalid_utf8(text)),
                           stats_.path);
      errors.push_back(std::move(e));
      return false;
    }
    out.index = 1;
    out.doc_id = stats_.path;
    out.text.assign(text);
    out.text_repaired = false;
    ++stats_.records;
    return true;
  }
  const ShardStats& stats() const override { return stats_; }

 private:
  void finish() {
    raw_.drain();
    stats_.sha256 = raw_.hex();
    stats_.bytes = raw_.bytes();
  }
  RawFile raw_;
  ShardOptions opt_;
  std::unique_ptr<Decoder> dec_;
  bool done_ = false;
  ShardStats stats_;
};

}  // namespace

Result<std::unique_ptr<ShardReader>> ShardReader::open(const std::string& path, const ShardOptions& options) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return make_error(Errc::kIo, std::strerror(errno), path);
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t n = std::fread(magic, 1, 4, f);
  std::rewind(f);
  Codec codec = Codec::kNone;
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) codec = Codec::kGzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) codec = Codec::kZstd;
  std::string base = path;
  for (const char* ext : {".gz", ".zst", ".zstd"}) {
    if (ends_with(base, ext)) {
      base.resize(base.size() - std::strlen(ext));
      break;
    }
  }
  if (codec == Codec::kNone && base != path && n > 0) {
    std::fclose(f);
    return make_error(Errc::kFormat, "name says compressed, content is not gzip or zstd", path);
  }
  if (ends_with(base, ".txt") || ends_with(base, ".text"))
    return std::unique_ptr<ShardReader>(new TextReader(f, path, codec, options));
  return std::unique_ptr<ShardReader>(new JsonlReader(f, path, codec, options));
}

}  // namespace prov::ingest
