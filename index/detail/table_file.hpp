// index/detail/table_file.hpp: the scan's posting table as a file beside RocksDB's, mapped
// into memory by a scan instead of read and copied.
//
// A scan's start used to read the saved table (~1.8 bytes an indexed word: 181 MB at 100 M
// words) out of RocksDB into fresh memory: a pread and a checksum per block, a copy, and the
// kernel zeroing every new page first. On this project's virtual machines fresh memory costs
// far more than the copy (the host backs each page as it is first touched), and that was a
// quarter of a 250 MB scan. A file in the page cache is mapped with no copy and no zeroing,
// and concurrent scans on one machine share its pages.
//
// IDX/posting-table.bin: a 4096-byte text header ("provaudit posting table file 1", then the
// seal), zero-padded, then the table as PostingTable::save(..., aligned = true) writes it.
// The seal, "<layout tag> <table bytes> <xxh3-128 of the table bytes, hex>", is also stored
// in RocksDB; a scan maps the file only when both seals are the one its live works call for
// and the bytes hash to it. RocksDB's postings stay the source of truth: a file that is
// missing, stale or damaged costs a rebuild from them, never a wrong answer.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "index/detail/posting_table.hpp"

namespace prov::index::detail {

inline constexpr const char* kTableFileName = "posting-table.bin";

// Writes `table` to dir/posting-table.bin (a temporary file, fsync'd, then renamed over the
// old one, whose pages a running scan keeps) and returns its seal.
Result<std::string> write_table_file(const std::filesystem::path& dir, const PostingTable& table,
                                     const std::string& tag);

// The table of dir/posting-table.bin, read in place, if the file carries `seal` and its bytes
// hash to the seal's digest; else null, with `why` saying what did not match.
std::unique_ptr<PostingTable> map_table_file(const std::filesystem::path& dir, const std::string& seal,
                                             std::string* why = nullptr);

}  // namespace prov::index::detail
