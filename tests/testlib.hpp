// tests/testlib.hpp: helpers shared by the stage tests (temp dirs, the shared corpus).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace prov::test {

// A fresh directory under the build tree, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(std::string_view name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

// ../shared/corpus/<rel> if the shared corpus is present, else nullopt (the caller SKIPs).
std::optional<std::filesystem::path> shared_corpus(std::string_view rel);
std::filesystem::path source_dir();

void write_bytes(const std::filesystem::path& file, std::string_view bytes);
std::string read_bytes(const std::filesystem::path& file);
// zstd- and gzip-compress bytes (real library streams, as a writer of shards would).
std::string zstd_compress(std::string_view bytes, int level = 3);
std::string gzip_compress(std::string_view bytes);

}  // namespace prov::test

// Skips the current test case with a message when the shared corpus is missing.
#define PROV_REQUIRE_SHARED(var, rel)                                   \
  auto var##_opt = ::prov::test::shared_corpus(rel);                    \
  if (!var##_opt) {                                                     \
    WARN("skipped: ../shared/corpus/" << (rel) << " not present");      \
    return;                                                             \
  }                                                                     \
  const std::filesystem::path var = *var##_opt
