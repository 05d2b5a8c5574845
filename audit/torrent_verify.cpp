// audit/torrent_verify.cpp: is this file on disk the file a torrent distributed? Piece hashes
// decide, byte range by byte range.
//
// v2 (and the v2 half of hybrids): each file has its own SHA-256 Merkle tree over 16 KiB blocks
// (BEP 52). We hash the local file's blocks, build each piece's subtree (leaves past the end of
// the file are zero hashes) and compare with the piece layer; the layer itself is first checked
// against the file's root (the piece layer padded with the hash of an all-zero-leaf piece), so
// a proven piece is tied to the info-hash. A file of one piece is compared with the root
// directly. Without a usable layer only the whole file can be proven.
// v1: SHA-1 pieces are cut from the concatenation of all files, so a piece may straddle files.
// A piece is checked when every file it touches was found (pad files are zeros by definition);
// if a neighbour is missing, the bytes it shares with that piece remain unproven.
#include <fcntl.h>
#include <unistd.h>

#include <libtorrent/hasher.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <system_error>

#include "audit/torrent.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"

namespace prov::audit {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kBlock = 16 * 1024;  // BEP 52 leaf size

// ---- local files ------------------------------------------------------------------------

class Fd {
 public:
  explicit Fd(const fs::path& p) : fd_(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Reads up to n bytes at `offset`; returns the count (short at end of file), -1 on error.
  long long read_at(std::uint64_t offset, char* out, std::size_t n) const {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, out + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) return -1;
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return static_cast<long long>(got);
  }

 private:
  int fd_;
};

std::string raw_sha256(std::string_view data) {
  lt::hasher256 h(data.data(), static_cast<int>(data.size()));
  const auto d = h.final();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string raw_sha1(std::string_view data) {
  lt::hasher h(data.data(), static_cast<int>(data.size()));
  const auto d = h.final();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// Root of a Merkle tree over `leaves` (32-byte hashes) padded to `width` leaves (a power of two)
// with `pad` hashes.
std::string merkle_root(std::vector<std::string> level, std::size_t width, const std::string& pad) {
  if (level.empty()) level.push_back(pad);
  level.resize(width, pad);
  std::string cur_pad = pad;
  while (level.size() > 1) {
    std::vector<std::string> up(level.size() / 2);
    for (std::size_t i = 0; i < up.size(); ++i) up[i] = raw_sha256(level[2 * i] + level[2 * i + 1]);
    level = std::move(up);
  }
  return level[0];
}

std::size_t next_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// The local file's SHA-256 and 16 KiB block hashes in one pass.
struct Hashed {
  std::string sha256;
  std::vector<std::string> blocks;
  std::uint64_t size = 0;
};

Result<Hashed> hash_blocks(const fs::path& file) {
  Fd fd(file);
  if (!fd.ok()) return make_error(Errc::kIo, std::strerror(errno), file.string());
  Hashed h;
  Sha256 whole;
  std::string buf(kBlock, '\0');
  for (;;) {
    const long long n = fd.read_at(h.size, buf.data(), buf.size());
    if (n < 0) return make_error(Errc::kIo, std::strerror(errno), file.string());
    if (n == 0) break;
    const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
    whole.update(chunk);
    h.blocks.push_back(raw_sha256(chunk));
    h.size += static_cast<std::uint64_t>(n);
    if (static_cast<std::size_t>(n) < buf.size()) break;
  }
  h.sha256 = whole.hex();
  return h;
}

void add_span(std::vector<ByteSpan>& spans, std::uint64_t start, std::uint64_t end) {
  if (start >= end) return;
  if (!spans.empty() && spans.back().end >= start) {
    spans.back().end = std::max(spans.back().end, end);
    return;
  }
  spans.push_back({start, end});
}

// ---- v2 ---------------------------------------------------------------------------------

// Checks one local file against a v2 file entry. `check.pieces`, `first_piece` from the meta.
void verify_v2(const ingest::TorrentMeta& t, const ingest::TorrentFile& f, const Hashed& local,
               FileCheck& c) {
  const std::uint64_t pl = t.piece_length;
  const std::size_t per_piece = static_cast<std::size_t>(pl / kBlock);
  const std::string zero(32, '\0');
  const auto file_pieces = static_cast<std::uint32_t>((f.size + pl - 1) / pl);
  c.method = "v2";
  c.pieces = file_pieces;
  auto piece_bytes = [&](std::uint32_t j) { return std::min<std::uint64_t>(pl, f.size - j * pl); };
  auto local_piece_hash = [&](std::uint32_t j) {
    const std::size_t from = std::size_t{j} * per_piece;
    const std::size_t to = std::min(local.blocks.size(), from + per_piece);
    std::vector<std::string> leaves(local.blocks.begin() + static_cast<std::ptrdiff_t>(from),
                                    local.blocks.begin() + static_cast<std::ptrdiff_t>(to));
    return merkle_root(std::move(leaves), per_piece, zero);
  };
  auto prove_all = [&] {
    c.pieces_proven = file_pieces;
    c.bytes_proven = f.size;
  };
  if (f.size <= pl) {  // one piece: its hash is the root, over next_pow2(blocks) leaves
    const std::size_t width = next_pow2(std::max<std::size_t>(1, local.blocks.size()));
    if (local.size == f.size && merkle_root(local.blocks, width, zero) == f.pieces_root) {
      prove_all();
    } else {
      c.pieces_failed.push_back(f.first_piece);
    }
    return;
  }
  // The piece layer must hash to the root: pad pieces are subtrees of zero leaves.
  std::string pad_piece = zero;
  for (std::size_t w = per_piece; w > 1; w >>= 1) pad_piece = raw_sha256(pad_piece + pad_piece);
  std::vector<std::string> layer;
  for (std::size_t i = 0; i + 32 <= f.piece_layer.size(); i += 32) layer.push_back(f.piece_layer.substr(i, 32));
  const bool layer_ok = layer.size() == file_pieces &&
                        merkle_root(layer, next_pow2(layer.size()), pad_piece) == f.pieces_root;
  if (!layer_ok) {
    // Only the whole file can be checked: its root from the local pieces.
    std::vector<std::string> ours;
    const auto local_pieces = static_cast<std::uint32_t>((local.size + pl - 1) / pl);
    for (std::uint32_t j = 0; j < local_pieces; ++j) ours.push_back(local_piece_hash(j));
    if (local.size == f.size && merkle_root(ours, next_pow2(ours.size()), pad_piece) == f.pieces_root) {
      prove_all();
    } else {
      c.note = "the torrent's piece layer does not match the file's root: only the whole file can be checked";
      add_span(c.unproven, 0, f.size);
    }
    return;
  }
  for (std::uint32_t j = 0; j < file_pieces; ++j) {
    const std::uint64_t start = std::uint64_t{j} * pl;
    // A piece matches only if the local file has exactly its bytes (the last piece's length
    // is part of its hash through the zero leaves).
    const bool have = local.size >= start + piece_bytes(j) &&
                      (j + 1 < file_pieces || local.size == f.size);
    if (have && local_piece_hash(j) == layer[j]) {
      ++c.pieces_proven;
      c.bytes_proven += piece_bytes(j);
    } else {
      c.pieces_failed.push_back(f.first_piece + j);
    }
  }
}

// ---- v1 ---------------------------------------------------------------------------------

enum class PieceResult { kPass, kFail, kUnverifiable };

class V1Checker {
 public:
  explicit V1Checker(const ingest::TorrentMeta& t) : t_(t) {
    for (const auto& f : t.files) layout_end_ = std::max(layout_end_, f.offset + f.size);
  }
  // local[i]: the path of file i on disk, empty if not found.
  PieceResult check(std::uint32_t p, const std::vector<fs::path>& local) {
    const std::uint64_t start = std::uint64_t{p} * t_.piece_length;
    const std::uint64_t end = std::min(layout_end_, start + t_.piece_length);
    buf_.assign(static_cast<std::size_t>(end - start), '\0');
    bool short_read = false;
    // First file that ends after `start`.
    auto it = std::partition_point(t_.files.begin(), t_.files.end(),
                                   [&](const ingest::TorrentFile& f) { return f.offset + f.size <= start; });
    for (; it != t_.files.end() && it->offset < end; ++it) {
      const auto i = static_cast<std::size_t>(it - t_.files.begin());
      const std::uint64_t s = std::max(start, it->offset), e = std::min(end, it->offset + it->size);
      if (s >= e || it->pad) continue;  // pad bytes are zeros, already in buf_
      if (local[i].empty()) return PieceResult::kUnverifiable;
      const Fd& fd = open(i, local[i]);
      if (!fd.ok()) return PieceResult::kUnverifiable;
      const long long n = fd.read_at(s - it->offset, buf_.data() + (s - start), static_cast<std::size_t>(e - s));
      if (n < 0) return PieceResult::kUnverifiable;
      if (static_cast<std::uint64_t>(n) < e - s) short_read = true;
    }
    if (short_read) return PieceResult::kFail;
    return raw_sha1(buf_) == std::string_view(t_.v1_pieces).substr(std::size_t{p} * 20, 20)
               ? PieceResult::kPass
               : PieceResult::kFail;
  }
  void close_all() { fds_.clear(); }

 private:
  const Fd& open(std::size_t i, const fs::path& p) {
    auto it = fds_.find(i);
    if (it == fds_.end()) {
      if (fds_.size() >= 64) fds_.clear();  // bounded descriptors; pieces walk files in order
      it = fds_.emplace(i, std::make_unique<Fd>(p)).first;
    }
    return *it->second;
  }
  const ingest::TorrentMeta& t_;
  std::uint64_t layout_end_ = 0;
  std::string buf_;
  std::map<std::size_t, std::unique_ptr<Fd>> fds_;
};

// Bytes of file f that piece p covers.
std::pair<std::uint64_t, std::uint64_t> piece_span_in_file(const ingest::TorrentMeta& t,
                                                          const ingest::TorrentFile& f, std::uint32_t p) {
  const std::uint64_t ps = std::uint64_t{p} * t.piece_length;
  const std::uint64_t s = std::max(ps, f.offset), e = std::min(ps + t.piece_length, f.offset + f.size);
  return {s - f.offset, e - f.offset};
}

// ---- finding files ----------------------------------------------------------------------

bool safe_relative(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  const fs::path path(p);
  return std::none_of(path.begin(), path.end(), [](const fs::path& part) { return part == ".."; });
}

std::uint64_t size_or_max(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return UINT64_MAX;
  const auto s = fs::file_size(p, ec);
  return ec ? UINT64_MAX : s;
}

// Regular files under the data directory by size, each list in path order; built on first use.
class SizeIndex {
 public:
  SizeIndex(fs::path root, std::uint64_t max_files) : root_(std::move(root)), max_(max_files) {}
  const std::vector<fs::path>& with_size(std::uint64_t size) {
    build();
    static const std::vector<fs::path> kNone;
    auto it = by_size_.find(size);
    return it == by_size_.end() ? kNone : it->second;
  }
  bool truncated() const { return truncated_; }

 private:
  void build() {
    if (built_) return;
    built_ = true;
    std::error_code ec;
    std::vector<std::pair<fs::path, std::uint64_t>> all;
    for (fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      if (!it->is_regular_file(e2)) continue;
      if (all.size() >= max_) {
        truncated_ = true;
        break;
      }
      all.emplace_back(it->path(), it->file_size(e2));
    }
    std::sort(all.begin(), all.end());
    for (auto& [p, s] : all) by_size_[s].push_back(p);
  }
  fs::path root_;
  std::uint64_t max_;
  bool built_ = false, truncated_ = false;
  std::map<std::uint64_t, std::vector<fs::path>> by_size_;
};

std::string relative_to(const fs::path& p, const fs::path& root) {
  return p.lexically_relative(root).generic_string();
}

}  // namespace

const char* file_status_name(FileStatus s) {
  switch (s) {
    case FileStatus::kVerified: return "verified";
    case FileStatus::kDiffers: return "differs";
    case FileStatus::kUnproven: return "unproven";
    case FileStatus::kMissing: return "missing";
  }
  return "?";
}

bool VerifyReport::all_verified() const {
  return errors.empty() && std::all_of(files.begin(), files.end(),
                                       [](const FileCheck& f) { return f.status == FileStatus::kVerified; });
}

bool VerifyReport::any_difference() const {
  return std::any_of(files.begin(), files.end(), [](const FileCheck& f) {
    return f.status == FileStatus::kDiffers || f.status == FileStatus::kMissing;
  });
}

Result<VerifyReport> verify_torrent(const ingest::TorrentMeta& t, const fs::path& data_dir,
                                    const VerifyOptions& options) {
  if (t.magnet) return make_error(Errc::kUsage, "a magnet link has no piece hashes to verify against", t.source);
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec))
    return make_error(Errc::kIo, "not a readable directory", data_dir.string());
  if (t.piece_length == 0 || t.piece_length > options.max_piece_bytes)
    return make_error(Errc::kLimit, "piece length " + std::to_string(t.piece_length) + " is outside 1.." +
                                        std::to_string(options.max_piece_bytes) + " bytes", t.source);
  const fs::path root = data_dir.lexically_normal();
  SizeIndex sizes(root, options.max_scan_files);
  VerifyReport rep;
  std::vector<fs::path> local(t.files.size());
  std::vector<std::size_t> check_of(t.files.size(), SIZE_MAX);
  V1Checker v1(t);

  // Candidate paths for file i in the order they are tried: its torrent path, then the same
  // without the torrent's own folder (DATA_DIR pointing into the torrent).
  auto expected_paths = [&](const ingest::TorrentFile& f) {
    std::vector<fs::path> out;
    if (!safe_relative(f.path)) return out;
    out.push_back(root / f.path);
    const std::string prefix = t.name + "/";
    if (f.path.rfind(prefix, 0) == 0) out.push_back(root / f.path.substr(prefix.size()));
    return out;
  };
  // v1: bytes of file i that candidate `cand` proves together with the files found so far
  // (pads are known zeros), for choosing among candidates of the right size.
  auto v1_proves = [&](std::size_t i, const fs::path& cand) {
    std::vector<fs::path> with = local;
    with[i] = cand;
    std::uint64_t proven = 0;
    const auto& f = t.files[i];
    for (std::uint32_t p = f.first_piece; p < f.end_piece; ++p)
      if (v1.check(p, with) == PieceResult::kPass) {
        const auto [s, e] = piece_span_in_file(t, f, p);
        proven += e - s;
      }
    v1.close_all();
    return proven;
  };
  // Moved or renamed: same size, then the hashes decide; the candidate proving most bytes wins
  // (ties: path order). Empty if none proves a byte.
  auto find_by_hash = [&](std::size_t i, const std::string& method) {
    const auto& f = t.files[i];
    fs::path found;
    std::uint64_t best = 0;
    for (const auto& cand : sizes.with_size(f.size)) {
      std::uint64_t proven = 0;
      if (method == "v2") {
        auto h = hash_blocks(cand);
        if (!h) continue;
        FileCheck probe;
        verify_v2(t, f, *h, probe);
        proven = probe.bytes_proven;
      } else {
        proven = v1_proves(i, cand);
      }
      if (proven > best) {
        best = proven;
        found = cand;
        if (proven == f.size) break;
      }
    }
    return found;
  };
  auto set_local = [&](std::size_t i, const fs::path& p, bool moved) {
    FileCheck& c = rep.files[check_of[i]];
    local[i] = p;
    c.local_path = relative_to(p, root);
    c.local_size = size_or_max(p);
    c.moved = moved;
  };

  for (std::size_t i = 0; i < t.files.size(); ++i) {
    const auto& f = t.files[i];
    if (f.pad || f.symlink) continue;  // no content of their own
    FileCheck c;
    c.index = static_cast<std::uint32_t>(i);
    c.path = f.path;
    c.size = f.size;
    c.method = t.info_hash_v2.empty() ? "v1" : "v2";
    c.pieces = f.end_piece - f.first_piece;
    check_of[i] = rep.files.size();
    rep.files.push_back(std::move(c));
    for (const auto& p : expected_paths(f))
      if (size_or_max(p) == f.size) {
        set_local(i, p, false);
        break;
      }
    if (local[i].empty() && f.size > 0) {
      const fs::path p = find_by_hash(i, rep.files.back().method);
      if (!p.empty()) set_local(i, p, true);
    }
  }
  // Second chance for v1 files whose pieces are all shared: with every neighbour found so far.
  // Then a file of the right size and name, and last a file of another size at its own path
  // (checked, so it shows as differing).
  for (std::size_t i = 0; i < t.files.size(); ++i) {
    if (check_of[i] == SIZE_MAX || !local[i].empty()) continue;
    const auto& f = t.files[i];
    if (f.size > 0 && rep.files[check_of[i]].method == "v1") {
      const fs::path p = find_by_hash(i, "v1");
      if (!p.empty()) {
        set_local(i, p, true);
        continue;
      }
    }
    const std::string base = fs::path(f.path).filename().string();
    if (f.size > 0) {
      fs::path same_name;
      int n = 0;
      for (const auto& cand : sizes.with_size(f.size))
        if (cand.filename().string() == base) {
          same_name = cand;
          ++n;
        }
      if (n == 1) {
        set_local(i, same_name, true);
        rep.files[check_of[i]].note = "found by size and name";
        continue;
      }
    }
    for (const auto& p : expected_paths(f))
      if (size_or_max(p) != UINT64_MAX) {
        set_local(i, p, false);
        break;
      }
  }

  // Hash every found file: its SHA-256, and for v2 its Merkle pieces.
  for (std::size_t i = 0; i < t.files.size(); ++i) {
    if (check_of[i] == SIZE_MAX || local[i].empty()) continue;
    FileCheck& c = rep.files[check_of[i]];
    auto h = hash_blocks(local[i]);
    if (!h) {
      rep.errors.push_back(std::move(h).error());
      local[i].clear();
      c.local_path.clear();
      continue;
    }
    c.sha256 = h->sha256;
    c.local_size = h->size;
    if (c.method == "v2" && t.files[i].size > 0) verify_v2(t, t.files[i], *h, c);
  }

  // v1 pieces over the whole layout, once each, with every file that was found. A hybrid's
  // files are checked against their v1 pieces too (`v1_check`): peers and trackers that speak
  // v1 know the torrent by its v1 hash, which only the SHA-1 pieces tie to the bytes.
  const bool hybrid = t.kind == "hybrid";
  const bool any_v1 = hybrid || std::any_of(rep.files.begin(), rep.files.end(),
                                            [](const FileCheck& c) { return c.method == "v1"; });
  if (any_v1 && !t.v1_pieces.empty()) {
    std::map<std::uint32_t, PieceResult> results;
    for (std::size_t i = 0; i < t.files.size(); ++i) {
      if (check_of[i] == SIZE_MAX || local[i].empty()) continue;
      FileCheck& c = rep.files[check_of[i]];
      if (c.method != "v1" && !hybrid) continue;
      const bool main = c.method == "v1";
      if (!main) c.v1_check = V1Check{};
      const auto& f = t.files[i];
      bool blocked = false;
      for (std::uint32_t p = f.first_piece; p < f.end_piece; ++p) {
        auto it = results.find(p);
        if (it == results.end()) it = results.emplace(p, v1.check(p, local)).first;
        const auto [s, e] = piece_span_in_file(t, f, p);
        std::uint32_t& proven = main ? c.pieces_proven : c.v1_check->pieces_proven;
        std::uint64_t& bytes = main ? c.bytes_proven : c.v1_check->bytes_proven;
        std::vector<std::uint32_t>& failed = main ? c.pieces_failed : c.v1_check->pieces_failed;
        switch (it->second) {
          case PieceResult::kPass:
            ++proven;
            bytes += e - s;
            break;
          case PieceResult::kFail: failed.push_back(p); break;
          case PieceResult::kUnverifiable:
            if (main) add_span(c.unproven, s, e);
            blocked = true;
            break;
        }
      }
      if (blocked && main)
        c.note = "pieces shared with a neighbouring file that was not found prove nothing alone";
      // Results of earlier pieces are no longer needed once files move past them.
      results.erase(results.begin(), results.lower_bound(f.first_piece));
    }
    v1.close_all();
  }

  // Status, and the unproven bytes of what failed.
  for (std::size_t i = 0; i < t.files.size(); ++i) {
    if (check_of[i] == SIZE_MAX) continue;
    FileCheck& c = rep.files[check_of[i]];
    const auto& f = t.files[i];
    if (c.local_path.empty()) {
      c.status = FileStatus::kMissing;
      c.unproven.clear();
      add_span(c.unproven, 0, f.size);
      continue;
    }
    for (const std::uint32_t p : c.pieces_failed) {
      if (c.method == "v2") {
        const std::uint64_t s = std::uint64_t{p - f.first_piece} * t.piece_length;
        add_span(c.unproven, s, std::min(f.size, s + t.piece_length));
      } else {
        const auto [s, e] = piece_span_in_file(t, f, p);
        add_span(c.unproven, s, e);
      }
    }
    if (c.method == "v1")
      for (const std::uint32_t p : c.pieces_failed) {
        const std::uint64_t ps = std::uint64_t{p} * t.piece_length;
        const std::uint64_t pe = std::min(ps + t.piece_length, t.files.back().offset + t.files.back().size);
        if (ps < f.offset || pe > f.offset + f.size) {
          c.note = "a differing piece shared with another file may differ in either file";
          break;
        }
      }
    std::sort(c.unproven.begin(), c.unproven.end(),
              [](const ByteSpan& a, const ByteSpan& b) { return a.start < b.start; });
    std::vector<ByteSpan> merged;
    for (const auto& s : c.unproven) add_span(merged, s.start, s.end);
    c.unproven = std::move(merged);
    const bool v1_disagrees =
        c.v1_check && (!c.v1_check->pieces_failed.empty() || c.v1_check->bytes_proven != f.size);
    if (v1_disagrees && c.pieces_failed.empty() && c.local_size == f.size)
      c.note = "the v2 tree proves the file but the hybrid's v1 pieces do not: the torrent's halves disagree";
    if (!c.pieces_failed.empty() || c.local_size != f.size || v1_disagrees)
      c.status = FileStatus::kDiffers;
    else if (c.bytes_proven == f.size)
      c.status = FileStatus::kVerified;
    else
      c.status = FileStatus::kUnproven;
  }
  return rep;
}

std::string verify_report_json(const ingest::TorrentMeta& t, const VerifyReport& rep) {
  JsonWriter w;
  w.begin_object().field("schema", "provaudit/torrent-verify/1");
  w.key("torrent")
      .begin_object()
      .field("source", t.source)
      .field("kind", t.kind)
      .field("name", t.name)
      .field("info_hash_v1", t.info_hash_v1)
      .field("info_hash_v2", t.info_hash_v2)
      .field("piece_length", t.piece_length)
      .end_object();
  std::uint64_t bytes = 0, proven = 0;
  std::uint64_t counts[4] = {0, 0, 0, 0};
  w.key("files").begin_array();
  for (const auto& c : rep.files) {
    bytes += c.size;
    proven += c.bytes_proven;
    ++counts[static_cast<int>(c.status)];
    w.begin_object()
        .field("index", c.index)
        .field("path", c.path)
        .field("size", c.size)
        .field("status", file_status_name(c.status))
        .field("method", c.method)
        .field("local_path", c.local_path)
        .field("moved", c.moved)
        .field("local_size", c.local_size)
        .field("sha256", c.sha256)
        .field("pieces", c.pieces)
        .field("pieces_proven", c.pieces_proven);
    w.key("pieces_failed").begin_array();
    for (const auto p : c.pieces_failed) w.value(p);
    w.end_array();
    w.field("bytes_proven", c.bytes_proven);
    w.key("unproven").begin_array();
    for (const auto& s : c.unproven) w.begin_array().value(s.start).value(s.end).end_array();
    w.end_array();
    w.field("note", c.note);
    w.key("v1_check");
    if (c.v1_check) {
      w.begin_object().field("pieces_proven", c.v1_check->pieces_proven);
      w.key("pieces_failed").begin_array();
      for (const auto p : c.v1_check->pieces_failed) w.value(p);
      w.end_array().field("bytes_proven", c.v1_check->bytes_proven).end_object();
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array();
  w.key("totals")
      .begin_object()
      .field("files", static_cast<std::uint64_t>(rep.files.size()))
      .field("verified", counts[0])
      .field("differs", counts[1])
      .field("unproven", counts[2])
      .field("missing", counts[3])
      .field("bytes", bytes)
      .field("bytes_proven", proven)
      .field("unreadable", static_cast<std::uint64_t>(rep.errors.size()))
      .end_object();
  w.end_object();
  return w.take() + "\n";
}

}  // namespace prov::audit
