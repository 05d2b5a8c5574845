// gate/detail/shard_io.hpp: raw lines in and out of .jsonl, .jsonl.gz and .jsonl.zst shards.
//
// The shard reader of ingest/ gives parsed records; filtering needs the decompressed lines
// themselves, byte for byte, and writers of the same formats. Lines are split on '\n' exactly
// like ingest's ShardReader, so line numbers agree with its record numbers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace prov::gate::detail {

enum class Codec { kNone, kGzip, kZstd };

// Streams the decompressed lines of a shard (the codec is taken from the magic bytes) and
// hashes the raw bytes. Not thread-safe.
class LineReader {
 public:
  static Result<std::unique_ptr<LineReader>> open(const std::string& path, std::uint64_t max_line_bytes);
  virtual ~LineReader() = default;
  // Next line without its '\n' (a '\r' before it is kept). `newline` says whether the line
  // ended in '\n' (only the last line may not). A line longer than max_line_bytes is
  // consumed, not returned: `oversized` is set and `line` is empty. False at the end.
  virtual Result<bool> next(std::string& line, bool& newline, bool& oversized) = 0;
  virtual Codec codec() const = 0;
  // SHA-256 of the file's raw bytes; valid after next() returned false.
  virtual std::string sha256() = 0;
};

// Writes a shard in the given codec to `path` via path.tmp, renamed by finish().
class LineWriter {
 public:
  static Result<std::unique_ptr<LineWriter>> create(const std::string& path, Codec codec);
  virtual ~LineWriter() = default;
  virtual Status write(std::string_view bytes) = 0;
  virtual Status finish() = 0;  // flushes the codec, closes, renames into place
};

}  // namespace prov::gate::detail
