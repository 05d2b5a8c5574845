// ingest/torrent.hpp: BitTorrent metainfo in (.torrent files, v1, v2 and hybrid, and magnet
// links), one plain TorrentMeta out. libtorrent-rasterbar parses; this header does not expose it.
//
// A .torrent is untrusted input: libtorrent's own limits (file size, bdecode depth and tokens,
// piece count) are applied through `TorrentLimits`, and a file libtorrent refuses gives an Error
// whose message is libtorrent's reason ("missing name in torrent file"), with the path set.
// Nothing here throws. Every function is thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace prov::ingest {

// libtorrent's `load_torrent_limits`, with its defaults.
struct TorrentLimits {
  std::uint64_t max_bytes = 10'000'000;  // the .torrent file itself
  int max_depth = 100;                   // bencode nesting
  int max_tokens = 3'000'000;            // bencode items
  int max_pieces = 0x200000;             // pieces (each costs 20 or 32 bytes of RAM)
};

// One file of a torrent, in libtorrent's file order. Offsets are into the concatenation of all
// files (pad files included) that v1 pieces are cut from; for a pure v2 torrent libtorrent lays
// files out the same way, each starting on a piece boundary after an implied pad file.
struct TorrentFile {
  std::string path;            // '/'-separated; multi-file torrents start with the torrent name
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  bool pad = false;            // a pad file (zeros that align the next file to a piece)
  bool symlink = false;
  bool executable = false;
  bool hidden = false;
  std::string symlink_target;  // when `symlink`
  // Pieces overlapping the file: [first_piece, end_piece); empty for an empty file.
  std::uint32_t first_piece = 0;
  std::uint32_t end_piece = 0;
  // v2 only: the file's Merkle root (32 raw bytes, empty if none) and its piece layer: the
  // SHA-256 of each piece of this file, 32 raw bytes each (empty when the file fits in one
  // piece, whose hash is then the root itself).
  std::string pieces_root;
  std::string piece_layer;
};

struct TorrentMeta {
  std::string source;          // the path or magnet link as given
  bool magnet = false;         // a magnet link: hashes, name and trackers only
  std::string kind;            // "v1", "v2" or "hybrid"
  std::string info_hash_v1;    // 40 lowercase hex digits, empty if not v1
  std::string info_hash_v2;    // 64 lowercase hex digits, empty if not v2
  std::string name;
  std::uint64_t piece_length = 0;
  std::uint32_t num_pieces = 0;
  std::uint64_t total_size = 0;                // content bytes, pad files excluded
  std::optional<std::int64_t> creation_date;   // seconds since the epoch, as the file states
  std::string creator;
  std::string comment;
  bool is_private = false;
  std::vector<std::string> trackers;           // in tier order
  std::vector<std::string> web_seeds;          // url-list and httpseeds
  std::vector<TorrentFile> files;
  std::string v1_pieces;                       // v1: 20 raw SHA-1 bytes per piece
  std::string torrent_sha256;                  // SHA-256 of the .torrent bytes (not for magnets)
  std::uint64_t torrent_bytes = 0;

  // The truncated v2 hash (first 20 bytes, 40 hex) under which v2 and hybrid torrents are
  // announced to v1 trackers; empty if not v2.
  std::string info_hash_v2_truncated() const;
  // The key the index stores the torrent under: the v1 hash when there is one, else the v2 hash.
  const std::string& primary_hash() const;
};

// True if `arg` is a magnet URI ("magnet:?...") rather than a path.
bool is_magnet(std::string_view arg);

// Reads and parses a .torrent file. Errc::kIo if unreadable, Errc::kLimit if larger than
// limits.max_bytes, Errc::kFormat with libtorrent's reason if libtorrent refuses it.
[[nodiscard]] Result<TorrentMeta> read_torrent(const std::filesystem::path& file,
                                               const TorrentLimits& limits = {});
// The same on bytes in memory; `name` is only used in errors and as `source`.
[[nodiscard]] Result<TorrentMeta> read_torrent_bytes(std::string_view name, std::string_view bytes,
                                                     const TorrentLimits& limits = {});
// Parses a magnet link (btih and/or btmh, dn, tr, ws). Errc::kFormat with libtorrent's reason.
[[nodiscard]] Result<TorrentMeta> read_magnet(std::string_view uri);
// A path or a magnet link, whichever `arg` is.
[[nodiscard]] Result<TorrentMeta> read_torrent_arg(const std::string& arg,
                                                   const TorrentLimits& limits = {});

}  // namespace prov::ingest
