// tests/fuzz/fuzz_torrent.cpp: libFuzzer entry for the .torrent and magnet reader.
// Any bytes give a TorrentMeta or an Error (never an exception or a crash). An accepted torrent
// must be self-consistent: hashes of the right length, files tiling the layout in order, piece
// ranges inside the torrent, one SHA-1 per piece for v1, and a second parse gives the same result.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ingest/torrent.hpp"

namespace {

// Says which property failed: the compiler merges identical trap instructions, so a trap's line
// in the stack need not be the failing check's (CI once reported line 44 for some check).
[[noreturn]] void fail(const char* why) {
  std::fprintf(stderr, "fuzz_torrent: %s\n", why);
  std::abort();
}

void check(const prov::ingest::TorrentMeta& m) {
  if (m.info_hash_v1.empty() && m.info_hash_v2.empty()) fail("no info-hash");
  if (!m.info_hash_v1.empty() && m.info_hash_v1.size() != 40) fail("v1 info-hash not 40 hex");
  if (!m.info_hash_v2.empty() && m.info_hash_v2.size() != 64) fail("v2 info-hash not 64 hex");
  if (m.magnet) return;
  std::uint64_t end = 0;
  for (const auto& f : m.files) {
    if (f.offset < end) fail("files overlap or are out of order");
    end = f.offset + f.size;
    if (f.end_piece < f.first_piece || f.end_piece > m.num_pieces) fail("file piece range outside the torrent");
    if (!f.pieces_root.empty() && f.pieces_root.size() != 32) fail("pieces root not 32 bytes");
    if (f.piece_layer.size() % 32 != 0) fail("piece layer not a multiple of 32 bytes");
  }
  if (!m.info_hash_v1.empty() && m.v1_pieces.size() != 20 * std::size_t{m.num_pieces}) fail("v1 pieces not 20 bytes per piece");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  if (prov::ingest::is_magnet(bytes)) {
    auto m = prov::ingest::read_magnet(bytes);
    if (m.ok()) check(*m);
    return 0;
  }
  auto m = prov::ingest::read_torrent_bytes("fuzz.torrent", bytes);
  if (!m.ok()) return 0;
  check(*m);
  auto again = prov::ingest::read_torrent_bytes("fuzz.torrent", bytes);
  if (!again.ok() || again->info_hash_v1 != m->info_hash_v1 || again->info_hash_v2 != m->info_hash_v2 ||
      again->files.size() != m->files.size() || again->v1_pieces != m->v1_pieces)
    fail("a second parse of the same bytes differs");
  return 0;
}
