// common/file_io.hpp: whole-file reads with a size limit, atomic writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace prov {

// Reads the whole file; Errc::kLimit if it is larger than max_bytes, Errc::kIo if unreadable.
Result<std::string> read_file(const std::filesystem::path& file,
                              std::uint64_t max_bytes = std::uint64_t{1} << 32);
// Makes `dir` (creating it if needed) ready for a fresh run of a tool that owns the listed
// subdirectories and files inside it: those are removed, nothing else is touched, so a user's
// own files in the folder survive. Fails if `dir` is empty or exists as a non-directory.
Status reset_owned_paths(const std::filesystem::path& dir, std::initializer_list<const char*> own_dirs,
                         std::initializer_list<const char*> own_files);
// Writes to FILE.tmp then renames, so a reader never sees half a file.
Status write_file_atomic(const std::filesystem::path& file, std::string_view bytes);

}  // namespace prov
