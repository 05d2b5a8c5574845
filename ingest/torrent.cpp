// ingest/torrent.cpp: .torrent files and magnet links through libtorrent-rasterbar 2.0.8.
//
// libtorrent 2.0.8's non-throwing torrent_info constructors take no load limits, so the
// throwing ones are wrapped here: every exception becomes an Error carrying libtorrent's
// message, and no exception leaves this file.
#include "ingest/torrent.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/announce_entry.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include <algorithm>
#include <climits>
#include <exception>
#include <new>
#include <system_error>

#include "common/file_io.hpp"
#include "common/hex.hpp"
#include "common/sha256.hpp"

namespace prov::ingest {
namespace {

template <typename Hash>
std::string hash_hex(const Hash& h) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

int clamp_int(std::uint64_t v) {
  return static_cast<int>(std::min<std::uint64_t>(v, static_cast<std::uint64_t>(INT_MAX)));
}

void fill_kind(TorrentMeta& m, bool v1, bool v2) { m.kind = v1 && v2 ? "hybrid" : v2 ? "v2" : "v1"; }

// Does the info dictionary hold v1 piece hashes, 20 bytes for each of the torrent's pieces?
// libtorrent 2.0.8 reports a v1 info-hash for a v2 torrent whose info dictionary also has a v1
// "length" but no "pieces" (found by fuzz_torrent: the key had been moved out of the info
// dictionary), and hash_for_piece() then reads past the info section, so the "piece hashes"
// were whatever memory lay there and two parses of the same bytes differed.
// `cfg`: the limits libtorrent has already parsed this info dictionary under.
bool has_v1_piece_hashes(const lt::torrent_info& ti, const lt::load_torrent_limits& cfg) {
  const auto section = ti.info_section();
  lt::error_code ec;
  const lt::bdecode_node info = lt::bdecode(section, ec, nullptr, cfg.max_decode_depth, cfg.max_decode_tokens);
  if (ec || info.type() != lt::bdecode_node::dict_t) return false;
  const lt::bdecode_node pieces = info.dict_find_string("pieces");
  return pieces && static_cast<std::size_t>(pieces.string_length()) == std::size_t{20} * static_cast<std::size_t>(ti.num_pieces());
}

TorrentMeta from_torrent_info(const lt::torrent_info& ti, const lt::load_torrent_limits& cfg) {
  TorrentMeta m;
  const auto& ih = ti.info_hashes();
  // Without v1 piece hashes a torrent is not a v1 torrent, whatever libtorrent says: no v1
  // client could use it, and its pieces could not be verified as v1.
  const bool v1 = ih.has_v1() && (!ih.has_v2() || has_v1_piece_hashes(ti, cfg));
  fill_kind(m, v1, ih.has_v2());
  if (v1) m.info_hash_v1 = hash_hex(ih.v1);
  if (ih.has_v2()) m.info_hash_v2 = hash_hex(ih.v2);
  m.name = ti.name();
  m.piece_length = static_cast<std::uint64_t>(ti.piece_length());
  m.num_pieces = static_cast<std::uint32_t>(ti.num_pieces());
  if (ti.creation_date() != 0) m.creation_date = static_cast<std::int64_t>(ti.creation_date());
  m.creator = ti.creator();
  m.comment = ti.comment();
  m.is_private = ti.priv();
  for (const auto& t : ti.trackers()) m.trackers.push_back(t.url);
  for (const auto& w : ti.web_seeds()) m.web_seeds.push_back(w.url);

  const lt::file_storage& fs = ti.files();
  const std::uint64_t pl = m.piece_length;
  for (const lt::file_index_t i : fs.file_range()) {
    TorrentFile f;
    f.path = fs.file_path(i);
    f.size = static_cast<std::uint64_t>(fs.file_size(i));
    f.offset = static_cast<std::uint64_t>(fs.file_offset(i));
    const auto flags = fs.file_flags(i);
    f.pad = bool(flags & lt::file_storage::flag_pad_file);
    f.symlink = bool(flags & lt::file_storage::flag_symlink);
    f.executable = bool(flags & lt::file_storage::flag_executable);
    f.hidden = bool(flags & lt::file_storage::flag_hidden);
    if (f.symlink) f.symlink_target = fs.symlink(i);
    if (pl > 0) {
      f.first_piece = static_cast<std::uint32_t>(f.offset / pl);
      f.end_piece = f.size == 0 ? f.first_piece
                                : static_cast<std::uint32_t>((f.offset + f.size + pl - 1) / pl);
    }
    if (ih.has_v2() && !f.pad) {
      const lt::sha256_hash root = fs.root(i);
      if (!root.is_all_zeros()) f.pieces_root.assign(reinterpret_cast<const char*>(root.data()), root.size());
      // For a file of one piece libtorrent returns the root here; we keep layers proper only.
      if (f.size > pl) {
        const auto layer = ti.piece_layer(i);
        f.piece_layer.assign(layer.data(), static_cast<std::size_t>(layer.size()));
      }
    }
    if (!f.pad) m.total_size += f.size;
    m.files.push_back(std::move(f));
  }
  if (v1) {
    m.v1_pieces.reserve(std::size_t{20} * m.num_pieces);
    for (lt::piece_index_t p{0}; p < lt::piece_index_t{ti.num_pieces()}; ++p) {
      const lt::sha1_hash h = ti.hash_for_piece(p);
      m.v1_pieces.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
  }
  return m;
}

}  // namespace


std::string TorrentMeta::info_hash_v2_truncated() const { return info_hash_v2.substr(0, 40); }

const std::string& TorrentMeta::primary_hash() const {
  return info_hash_v1.empty() ? info_hash_v2 : info_hash_v1;
}

bool is_magnet(std::string_view arg) { return arg.rfind("magnet:", 0) == 0; }

Result<TorrentMeta> read_torrent_bytes(std::string_view name, std::string_view bytes,
                                       const TorrentLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    return make_error(Errc::kLimit,
                      "torrent file is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                          std::to_string(limits.max_bytes),
                      std::string(name));
  lt::load_torrent_limits cfg;
  cfg.max_buffer_size = clamp_int(limits.max_bytes);
  cfg.max_decode_depth = limits.max_depth;
  cfg.max_decode_tokens = limits.max_tokens;
  cfg.max_pieces = limits.max_pieces;
  try {
    const lt::torrent_info ti(lt::span<const char>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())),
                              cfg, lt::from_span);
    TorrentMeta m = from_torrent_info(ti, cfg);
    m.source = std::string(name);
    m.torrent_sha256 = sha256_hex(bytes);
    m.torrent_bytes = bytes.size();
    return m;
  } catch (const std::system_error& e) {
    return make_error(Errc::kFormat, e.code().message(), std::string(name));
  } catch (const std::bad_alloc&) {
    return make_error(Errc::kLimit, "out of memory while parsing the torrent", std::string(name));
  } catch (const std::exception& e) {
    return make_error(Errc::kFormat, e.what(), std::string(name));
  }
}

Result<TorrentMeta> read_torrent(const std::filesystem::path& file, const TorrentLimits& limits) {
  auto bytes = read_file(file, limits.max_bytes);
  if (!bytes) return std::move(bytes).error().with_path(file.string());
  return read_torrent_bytes(file.string(), *bytes, limits);
}

Result<TorrentMeta> read_magnet(std::string_view uri) {
  lt::error_code ec;
  lt::add_torrent_params p;
  try {
    p = lt::parse_magnet_uri(lt::string_view(uri.data(), uri.size()), ec);
  } catch (const std::exception& e) {  // allocation failures only; parse errors set `ec`
    return make_error(Errc::kFormat, e.what(), std::string(uri));
  }
  if (ec) return make_error(Errc::kFormat, ec.message(), std::string(uri));
  TorrentMeta m;
  m.source = std::string(uri);
  m.magnet = true;
  fill_kind(m, p.info_hashes.has_v1(), p.info_hashes.has_v2());
  if (p.info_hashes.has_v1()) m.info_hash_v1 = hash_hex(p.info_hashes.v1);
  if (p.info_hashes.has_v2()) m.info_hash_v2 = hash_hex(p.info_hashes.v2);
  m.name = p.name;
  m.trackers = p.trackers;
  m.web_seeds = p.url_seeds;
  return m;
}

Result<TorrentMeta> read_torrent_arg(const std::string& arg, const TorrentLimits& limits) {
  if (is_magnet(arg)) return read_magnet(arg);
  return read_torrent(arg, limits);
}

}  // namespace prov::ingest
