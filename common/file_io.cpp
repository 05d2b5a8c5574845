// common/file_io.cpp: whole-file I/O with limits.
#include "common/file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace prov {

Result<std::string> read_file(const std::filesystem::path& file, std::uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return make_error(Errc::kIo, "is a directory", file.string());
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) return make_error(Errc::kIo, std::strerror(errno), file.string());
  std::string out;
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (out.size() + n > max_bytes) {
      std::fclose(f);
      return make_error(Errc::kLimit, "file larger than the limit of " +
                                          std::to_string(max_bytes) + " bytes",
                        file.string());
    }
    out.append(buf, n);
  }
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) return make_error(Errc::kIo, "read error", file.string());
  return out;
}

Status reset_owned_paths(const std::filesystem::path& dir, std::initializer_list<const char*> own_dirs,
                         std::initializer_list<const char*> own_files) {
  namespace fs = std::filesystem;
  if (dir.empty()) return make_error(Errc::kUsage, "an output directory is needed");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return make_error(Errc::kIo, "exists and is not a directory", dir.string());
  fs::create_directories(dir, ec);
  if (ec) return make_error(Errc::kIo, "cannot create directory: " + ec.message(), dir.string());
  for (const char* d : own_dirs) {
    fs::remove_all(dir / d, ec);
    if (ec) return make_error(Errc::kIo, "cannot remove: " + ec.message(), (dir / d).string());
  }
  for (const char* f : own_files) {
    fs::remove(dir / f, ec);
    if (ec) return make_error(Errc::kIo, "cannot remove: " + ec.message(), (dir / f).string());
  }
  return Ok{};
}

Status write_file_atomic(const std::filesystem::path& file, std::string_view bytes) {
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error(Errc::kIo, std::string("cannot write: ") + std::strerror(errno), file.string());
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) return make_error(Errc::kIo, "write failed", file.string());
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return make_error(Errc::kIo, "rename failed: " + ec.message(), file.string());
  return Ok{};
}

}  // namespace prov
