// gate/shard_io.cpp: streaming zlib and zstd line readers and writers for filter.
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/sha256.hpp"
#include "gate/detail/shard_io.hpp"

namespace prov::gate::detail {
namespace {

constexpr std::size_t kChunk = 1 << 20;

class Reader final : public LineReader {
 public:
  Reader(std::FILE* f, std::string path, Codec codec, std::uint64_t max_line)
      : f_(f), path_(std::move(path)), codec_(codec), max_line_(max_line), in_(kChunk, '\0') {
    if (codec_ == Codec::kGzip) inflateInit2(&zs_, 15 + 32);
    if (codec_ == Codec::kZstd) {
      zd_ = ZSTD_createDCtx();
      ZSTD_DCtx_setParameter(zd_, ZSTD_d_windowLogMax, 31);
    }
  }
  ~Reader() override {
    if (codec_ == Codec::kGzip) inflateEnd(&zs_);
    if (zd_) ZSTD_freeDCtx(zd_);
    std::fclose(f_);
  }

  Result<bool> next(std::string& line, bool& newline, bool& oversized) override {
    line.clear();
    newline = false;
    oversized = false;
    bool skipping = false;
    for (;;) {
      const std::size_t nl = buf_.find('\n', head_);
      if (nl != std::string::npos) {
        if (!skipping && nl - head_ <= max_line_) {
          line.assign(buf_, head_, nl - head_);
        } else {
          oversized = true;
        }
        head_ = nl + 1;
        newline = true;
        return true;
      }
      if (buf_.size() - head_ > max_line_) {  // no end in sight: drop what we hold
        skipping = true;
        buf_.clear();
        head_ = 0;
      }
      if (eof_) {
        if (buf_.size() == head_ && !skipping) return false;
        if (skipping) {
          oversized = true;
        } else {
          line.assign(buf_, head_, std::string::npos);
        }
        buf_.clear();
        head_ = 0;
        return true;
      }
      if (head_ > 0) {
        buf_.erase(0, head_);
        head_ = 0;
      }
      auto more = fill();
      if (!more) return std::move(more).error().with_path(path_);
      if (!*more) eof_ = true;
    }
  }
  Codec codec() const override { return codec_; }
  std::string sha256() override {
    // Hash whatever is left, so the digest covers the whole file.
    for (;;) {
      const std::size_t n = std::fread(in_.data(), 1, in_.size(), f_);
      if (n == 0) break;
      sha_.update(in_.data(), n);
    }
    return sha_.hex();
  }

 private:
  std::size_t read_raw() {
    const std::size_t n = std::fread(in_.data(), 1, in_.size(), f_);
    if (n < in_.size() && std::ferror(f_)) failed_ = true;
    sha_.update(in_.data(), n);
    return n;
  }

  // Appends decompressed bytes to buf_; false at a clean end.
  Result<bool> fill() {
    const std::size_t old = buf_.size();
    if (codec_ == Codec::kNone) {
      const std::size_t n = read_raw();
      if (failed_) return make_error(Errc::kIo, "read error");
      buf_.append(in_.data(), n);
      return n > 0;
    }
    for (;;) {
      if (pos_ == len_) {
        len_ = read_raw();
        pos_ = 0;
        if (failed_) return make_error(Errc::kIo, "read error");
        if (len_ == 0) {
          if (codec_ == Codec::kGzip && in_member_) return make_error(Errc::kFormat, "truncated gzip stream");
          if (codec_ == Codec::kZstd && pending_ != 0)
            return make_error(Errc::kFormat, "truncated zstd stream (incomplete frame)");
          return false;
        }
      }
      buf_.resize(old + kChunk);
      std::size_t produced = 0;
      if (codec_ == Codec::kGzip) {
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data() + pos_);
        zs_.avail_in = static_cast<uInt>(len_ - pos_);
        zs_.next_out = reinterpret_cast<Bytef*>(buf_.data() + old);
        zs_.avail_out = static_cast<uInt>(kChunk);
        in_member_ = true;
        const int rc = inflate(&zs_, Z_NO_FLUSH);
        pos_ = len_ - zs_.avail_in;
        produced = kChunk - zs_.avail_out;
        if (rc == Z_STREAM_END) {
          in_member_ = false;
          inflateReset(&zs_);  // concatenated members are one stream
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
          buf_.resize(old);
          return make_error(Errc::kFormat, std::string("corrupt gzip stream: ") + (zs_.msg ? zs_.msg : "inflate failed"));
        }
      } else {
        ZSTD_inBuffer ib{in_.data(), len_, pos_};
        ZSTD_outBuffer ob{buf_.data() + old, kChunk, 0};
        const std::size_t rc = ZSTD_decompressStream(zd_, &ob, &ib);
        pos_ = ib.pos;
        produced = ob.pos;
        if (ZSTD_isError(rc)) {
          buf_.resize(old);
          return make_error(Errc::kFormat, std::string("corrupt zstd stream: ") + ZSTD_getErrorName(rc));
        }
        pending_ = rc;
      }
      buf_.resize(old + produced);
      if (produced > 0) return true;
    }
  }

  std::FILE* f_;
  std::string path_;
  Codec codec_;
  std::uint64_t max_line_;
  std::string in_;
  std::size_t pos_ = 0, len_ = 0;
  std::string buf_;
  std::size_t head_ = 0;
  bool eof_ = false, failed_ = false;
  z_stream zs_{};
  bool in_member_ = false;
  ZSTD_DCtx* zd_ = nullptr;
  std::size_t pending_ = 0;
  Sha256 sha_;
};

class Writer final : public LineWriter {
 public:
  Writer(std::FILE* f, std::string path, Codec codec) : f_(f), path_(std::move(path)), codec_(codec) {
    if (codec_ == Codec::kGzip) deflateInit2(&zs_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (codec_ == Codec::kZstd) {
      zc_ = ZSTD_createCCtx();
      ZSTD_CCtx_setParameter(zc_, ZSTD_c_compressionLevel, 3);
      ZSTD_CCtx_setParameter(zc_, ZSTD_c_checksumFlag, 1);
    }
  }
  ~Writer() override {
    if (codec_ == Codec::kGzip) deflateEnd(&zs_);
    if (zc_) ZSTD_freeCCtx(zc_);
    if (f_) {
      std::fclose(f_);
      std::error_code ec;
      std::filesystem::remove(path_ + ".tmp", ec);  // not finished: leave nothing half-written
    }
  }
  Status write(std::string_view bytes) override { return put(bytes, false); }
  Status finish() override {
    if (auto s = put({}, true); !s) return s;
    const bool bad = std::fflush(f_) != 0 || std::ferror(f_);
    std::fclose(f_);
    f_ = nullptr;
    if (bad) return make_error(Errc::kIo, "write error", path_);
    std::error_code ec;
    std::filesystem::rename(path_ + ".tmp", path_, ec);
    if (ec) return make_error(Errc::kIo, "cannot rename into place: " + ec.message(), path_);
    return Ok{};
  }

 private:
  Status raw(const char* p, std::size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) return make_error(Errc::kIo, std::strerror(errno), path_);
    return Ok{};
  }
  Status put(std::string_view bytes, bool end) {
    if (codec_ == Codec::kNone) return raw(bytes.data(), bytes.size());
    out_.resize(kChunk);
    if (codec_ == Codec::kGzip) {
      zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
      zs_.avail_in = static_cast<uInt>(bytes.size());
      for (;;) {
        zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
        zs_.avail_out = static_cast<uInt>(kChunk);
        const int rc = deflate(&zs_, end ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR) return make_error(Errc::kInternal, "deflate failed", path_);
        if (auto s = raw(out_.data(), kChunk - zs_.avail_out); !s) return s;
        if (end ? rc == Z_STREAM_END : zs_.avail_in == 0 && zs_.avail_out != 0) return Ok{};
      }
    }
    ZSTD_inBuffer ib{bytes.data(), bytes.size(), 0};
    for (;;) {
      ZSTD_outBuffer ob{out_.data(), kChunk, 0};
      const std::size_t rc = ZSTD_compressStream2(zc_, &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc)) return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(rc), path_);
      if (auto s = raw(out_.data(), ob.pos); !s) return s;
      if (end ? rc == 0 : ib.pos == ib.size) return Ok{};
    }
  }

  std::FILE* f_;
  std::string path_;
  Codec codec_;
  z_stream zs_{};
  ZSTD_CCtx* zc_ = nullptr;
  std::string out_;
};

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::open(const std::string& path, std::uint64_t max_line_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return make_error(Errc::kIo, std::strerror(errno), path);
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t n = std::fread(magic, 1, 4, f);
  std::rewind(f);
  Codec codec = Codec::kNone;
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) codec = Codec::kGzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) codec = Codec::kZstd;
  return std::unique_ptr<LineReader>(new Reader(f, path, codec, max_line_bytes));
}

Result<std::unique_ptr<LineWriter>> LineWriter::create(const std::string& path, Codec codec) {
  std::FILE* f = std::fopen((path + ".tmp").c_str(), "wb");
  if (!f) return make_error(Errc::kIo, std::strerror(errno), path);
  return std::unique_ptr<LineWriter>(new Writer(f, path, codec));
}

}  // namespace prov::gate::detail
