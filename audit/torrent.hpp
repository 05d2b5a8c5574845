// audit/torrent.hpp: torrent evidence. Proves, piece by piece, that files on disk are the files a
// torrent distributed, records torrents in the index and links each proven torrent file to the
// work ingested from the same bytes, so a work can be traced to every torrent that carried it.
//
// Index keys (evidence column family, values are canonical JSON unless said otherwise; see
// ARCHITECTURE.md "Torrent evidence"):
//   torrent/<primary hash>                       the torrent record (torrent_record_json)
//   alias/<hex>                                  the primary hash, as plain text
//   link/<work_id>/<primary hash>/<file index>   a proven link (torrent_link_json); the file
//                                                index has 8 decimal digits, so keys sort in
//                                                file order
// The primary hash is the v1 info-hash (40 hex) of v1 and hybrid torrents and the v2 info-hash
// (64 hex) of pure v2 ones. Aliases: a hybrid's v2 hash, and the truncated v2 hash (first 20
// bytes) of hybrid and v2 torrents, which is how they are announced to v1 trackers.
//
// Thread-safety: no shared state; the Index's own rules apply.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "index/index.hpp"
#include "ingest/torrent.hpp"

namespace prov::audit {

// ---- Piece verification -----------------------------------------------------------------

enum class FileStatus {
  kVerified,  // every byte proven by matching piece hashes: exactly the distributed file
  kDiffers,   // a piece hash differs, or the local file's size differs from the torrent's
  kUnproven,  // no difference found, but some bytes could not be checked (v1 pieces shared
              // with a neighbouring file that is missing)
  kMissing,   // no local file found at its path or, by size and hash, anywhere under DATA_DIR
};
const char* file_status_name(FileStatus s);

struct ByteSpan {  // half-open [start, end) byte offsets in a file
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

// A hybrid file's check against the torrent's v1 SHA-1 pieces, beside its v2 check.
struct V1Check {
  std::uint32_t pieces_proven = 0;
  std::vector<std::uint32_t> pieces_failed;
  std::uint64_t bytes_proven = 0;
};

struct FileCheck {
  std::uint32_t index = 0;          // file index in the torrent (libtorrent's order, pads count)
  std::string path;                 // path in the torrent
  std::uint64_t size = 0;           // size in the torrent
  FileStatus status = FileStatus::kMissing;
  std::string method;               // "v2": the file's SHA-256 Merkle tree; "v1": SHA-1 pieces
  std::string local_path;           // relative to DATA_DIR ('/'-separated); empty if missing
  bool moved = false;               // found by size and hash, not at its path in the torrent
  std::uint64_t local_size = 0;
  std::string sha256;               // of the local file (its work_id if it was ingested)
  std::uint32_t pieces = 0;         // torrent pieces overlapping the file
  std::uint32_t pieces_proven = 0;  // of those, pieces whose hash matched
  std::vector<std::uint32_t> pieces_failed;  // torrent piece indices whose hash differs
  std::uint64_t bytes_proven = 0;   // bytes of the file covered by matching pieces
  std::vector<ByteSpan> unproven;   // the file's bytes not proven, merged and sorted
  std::string note;                 // why bytes remain unproven, when they do
  // Hybrids only: the same file against the v1 pieces. A file is kVerified only if both agree.
  std::optional<V1Check> v1_check;
};

struct VerifyReport {
  std::vector<FileCheck> files;     // files with content (not pads or symlinks), in torrent order
  std::vector<Error> errors;        // local files that could not be read
  bool all_verified() const;
  bool any_difference() const;      // a file differs or is missing
};

struct VerifyOptions {
  std::uint64_t max_scan_files = 1'000'000;  // files listed under DATA_DIR to find moved files
  std::uint64_t max_piece_bytes = 256u << 20;  // one piece is held in memory (v1)
};

// Hashes the local copy under `data_dir` against the torrent's pieces, file by file. A file is
// looked for at DATA_DIR/<path in torrent> and at DATA_DIR/<path without the torrent's name>;
// if absent there (or of another size), files of the same size anywhere under DATA_DIR are
// hashed and the one that proves most bytes is taken (`moved`). v2 and hybrid files are checked
// against their own Merkle tree (per-piece through the piece layer, after checking the layer
// against the file's root); v1 files through the SHA-1 pieces, where a piece shared with a
// neighbouring file proves bytes only if that neighbour was found too (pad files are zeros).
// Fails (Errc::kUsage) for a magnet link, which has no piece hashes, (Errc::kLimit) for a
// piece length over options.max_piece_bytes, and (Errc::kIo) if `data_dir` is not a readable
// directory.
[[nodiscard]] Result<VerifyReport> verify_torrent(const ingest::TorrentMeta& torrent,
                                                  const std::filesystem::path& data_dir,
                                                  const VerifyOptions& options = {});

// {"schema":"provaudit/torrent-verify/1","torrent":{...},"files":[...],"totals":{...}}.
std::string verify_report_json(const ingest::TorrentMeta& torrent, const VerifyReport& report);

// ---- Torrents in the index --------------------------------------------------------------

// A stored torrent: the metainfo without piece hashes or piece layers (v1_pieces and every
// piece_layer are empty; pieces_root is kept).
struct TorrentRecord {
  ingest::TorrentMeta meta;
};

// A torrent file proven identical to an indexed work.
struct TorrentLink {
  std::string work_id;
  std::string torrent;              // primary hash
  std::uint32_t file_index = 0;
  std::string path;                 // path in the torrent
  std::uint64_t size = 0;
  std::string sha256;               // equals work_id
  std::string method;               // "v1" or "v2"
  std::uint32_t pieces = 0;
  std::uint32_t pieces_proven = 0;
  std::uint64_t bytes_proven = 0;
  std::string data_path;            // the verified local file, relative to the data directory
};

struct AddedTorrent {
  std::string primary_hash;
  std::vector<TorrentLink> links;          // files linked to works
  std::vector<std::string> proven_unindexed;  // files proven but whose bytes are no indexed work
};

// Stores the torrent record and its aliases and, for every file `verified` says is exactly the
// distributed file (status kVerified) whose SHA-256 is an indexed work, a link. One atomic write.
// `verified` may be null (no data given). A magnet link never replaces a full record.
[[nodiscard]] Result<AddedTorrent> add_torrent(index::Index& idx, const ingest::TorrentMeta& torrent,
                                               const VerifyReport* verified);

// The torrent stored under a v1 hash, a v2 hash or a truncated v2 hash (hex, any case);
// nullopt when none. Errc::kUsage if `any_hash_hex` is not 40 or 64 hex digits.
[[nodiscard]] Result<std::optional<TorrentRecord>> find_torrent(const index::Index& idx,
                                                                std::string_view any_hash_hex);
// Every stored torrent, by primary hash.
[[nodiscard]] Result<std::vector<TorrentRecord>> all_torrents(const index::Index& idx);
// Every link to a work, by torrent then file index.
[[nodiscard]] Result<std::vector<TorrentLink>> links_for_work(const index::Index& idx,
                                                              std::string_view work_id);
// Every link into one torrent (any of its hashes), by work then file index. Scans all links.
[[nodiscard]] Result<std::vector<TorrentLink>> links_for_torrent(const index::Index& idx,
                                                                 std::string_view any_hash_hex);

// Canonical JSON (schema provaudit/torrent/1): source, magnet, kind, info_hash_v1, info_hash_v2,
// info_hash_v2_truncated, name, piece_length, num_pieces, total_size, creation_date (null if
// absent), creator, comment, private, trackers, web_seeds, torrent_sha256, torrent_bytes, files
// (index, path, size, offset, pad, symlink, first_piece, end_piece, pieces_root). With
// `with_pieces`, also v1_pieces and each file's piece_layer (hex arrays).
std::string torrent_record_json(const ingest::TorrentMeta& torrent, bool with_pieces = false);
inline std::string torrent_record_json(const TorrentRecord& record) { return torrent_record_json(record.meta); }
// Canonical JSON of a link, keys in TorrentLink's order.
std::string torrent_link_json(const TorrentLink& link);

}  // namespace prov::audit
