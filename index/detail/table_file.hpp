// index/detail/table_file.hpp: scan-time tables as files beside RocksDB's, mapped into memory
// by a scan instead of read and copied.
//
// A scan's start used to read the saved posting table (~1.8 bytes an indexed word: 181 MB at
// 100 M words) out of RocksDB into fresh memory: a pread and a checksum per block, a copy, and
// the kernel zeroing every new page first. On this project's virtual machines fresh memory
// costs far more than the copy (the host backs each page as it is first touched), and that was
// a quarter of a 250 MB scan. A file in the page cache is mapped with no copy and no zeroing,
// and concurrent scans on one machine share its pages.
//
// A sealed file IDX/<name>: a 4096-byte text header ("provaudit sealed file 1", then the
// seal), zero-padded, then the payload. The seal, "<tag> <payload bytes> <xxh3-128 of the
// payload, hex>", is also stored in RocksDB; a reader maps the file only when both seals are
// the one it expects (the tag names what the payload was built from: the live works and the
// parameters) and the payload hashes to it. RocksDB stays the source of truth: a file that is
// missing, stale or damaged costs a rebuild, never a wrong answer.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace prov::index::detail {

inline constexpr const char* kTableFileName = "posting-table.bin";

using ByteSink = std::function<void(const void*, std::size_t)>;

struct Mapped {
  std::shared_ptr<const void> keep;    // the mapping
  const unsigned char* data = nullptr;  // the payload, 4096-byte aligned
  std::size_t size = 0;
};

// Writes dir/name (a temporary file, fsync'd, then renamed over the old one, whose pages a
// running reader keeps) with the payload `write` produces (it is called twice: once to hash,
// once to write) and returns its seal.
Result<std::string> write_sealed_file(const std::filesystem::path& dir, const std::string& name, const std::string& tag,
                                      const std::function<void(const ByteSink&)>& write);
// dir/name's payload, mapped read-only, if the file carries `seal` and the payload hashes to
// the seal's digest; else nothing (missing, stale or damaged: the caller builds the data).
std::optional<Mapped> map_sealed_file(const std::filesystem::path& dir, const std::string& name, const std::string& seal);

}  // namespace prov::index::detail
