// index/table_file.cpp: writing and mapping sealed files (see detail/table_file.hpp).
#include "index/detail/table_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
// The runtime-dispatched XXH3 of libxxhash (AVX2 or AVX-512 where the CPU has them): the same
// digests, ~4x faster than the SSE2 build on a 180 MB table that every scan start verifies.
#include <xxh_x86dispatch.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace prov::index::detail {
namespace {

constexpr std::size_t kHeader = 4096;
const std::string kMagic = "provaudit sealed file 1\n";

std::string hex128(XXH128_hash_t h) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status write_all(int fd, const void* p, std::size_t n, const std::filesystem::path& file) {
  const auto* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return make_error(Errc::kIo, std::string("cannot write: ") + std::strerror(errno), file.string());
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return Ok{};
}

}  // namespace

Result<std::string> write_sealed_file(const std::filesystem::path& dir, const std::string& name, const std::string& tag,
                                      const std::function<void(const ByteSink&)>& write) {
  // The payload's size and digest first: they go into the header.
  XXH3_state_t* st = XXH3_createState();
  if (st == nullptr) return make_error(Errc::kIo, "out of memory");
  XXH3_128bits_reset(st);
  std::uint64_t bytes = 0;
  write([&](const void* p, std::size_t n) {
    XXH3_128bits_update(st, p, n);
    bytes += n;
  });
  const std::string seal = tag + " " + std::to_string(bytes) + " " + hex128(XXH3_128bits_digest(st));
  XXH3_freeState(st);
  std::string header = kMagic;
  header += seal;
  header += '\n';
  if (header.size() > kHeader) return make_error(Errc::kUsage, "sealed file tag too long", name);
  header.resize(kHeader, '\0');

  const auto file = dir / name;
  const auto tmp = dir / (name + ".tmp");
  Status status = Ok{};
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) return make_error(Errc::kIo, std::string("cannot create: ") + std::strerror(errno), tmp.string());
    status = write_all(f.fd, header.data(), header.size(), tmp);
    write([&](const void* p, std::size_t n) {
      if (status) status = write_all(f.fd, p, n, tmp);
    });
    if (status && ::fsync(f.fd) != 0) status = make_error(Errc::kIo, std::string("fsync: ") + std::strerror(errno), tmp.string());
  }
  std::error_code ec;
  if (status) {
    std::filesystem::rename(tmp, file, ec);
    if (ec) status = make_error(Errc::kIo, "rename failed: " + ec.message(), file.string());
  }
  if (!status) {
    std::filesystem::remove(tmp, ec);
    return std::move(status).error();
  }
  return seal;
}

std::optional<Mapped> map_sealed_file(const std::filesystem::path& dir, const std::string& name, const std::string& seal) {
  const auto file = dir / name;
  Fd f{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return std::nullopt;  // no such file
  struct stat sb{};
  if (::fstat(f.fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return std::nullopt;  // not a regular file
  const auto size = static_cast<std::uint64_t>(sb.st_size);
  // The seal names the payload's size: check it before mapping anything.
  const auto last = seal.rfind(' ');
  const auto mid = last == std::string::npos || last == 0 ? std::string::npos : seal.rfind(' ', last - 1);
  if (mid == std::string::npos) return std::nullopt;  // malformed seal
  std::uint64_t bytes = 0;
  try {
    bytes = std::stoull(seal.substr(mid + 1, last - mid - 1));
  } catch (...) {
    return std::nullopt;  // malformed seal
  }
  if (size != kHeader + bytes) return std::nullopt;  // wrong size
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f.fd, 0);
  if (p == MAP_FAILED) return std::nullopt;  // cannot map
  std::shared_ptr<const void> keep(p, [size](const void* q) { ::munmap(const_cast<void*>(q), size); });
  const auto* data = static_cast<const unsigned char*>(p);
  std::string want = kMagic;
  want += seal;
  want += '\n';
  if (std::memcmp(data, want.data(), want.size()) != 0 || data[want.size()] != '\0') return std::nullopt;  // built from other data
  if (hex128(XXH3_128bits(data + kHeader, bytes)) != seal.substr(last + 1)) return std::nullopt;  // damaged
  return Mapped{std::move(keep), data + kHeader, static_cast<std::size_t>(bytes)};
}

}  // namespace prov::index::detail
