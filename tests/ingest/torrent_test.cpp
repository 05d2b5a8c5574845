// tests/ingest/torrent_test.cpp: ingest/torrent.cpp on libtorrent's own test torrents (accepted
// or refused as corpus/torrents/EXPECTED.tsv's Debian 12 column says) and on the four torrents of
// torrent-evidence (every field against torrents.json, which was computed independently).
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/hex.hpp"
#include "ingest/torrent.hpp"
#include "tests/testlib.hpp"

namespace {

using prov::ingest::TorrentMeta;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, '\t')) out.push_back(cell);
  return out;
}

std::string hex_chunk(const std::string& raw, std::size_t i, std::size_t width) {
  return prov::to_hex(std::string_view(raw).substr(i * width, width));
}

}  // namespace

TEST_CASE("every corpus torrent is accepted or refused as EXPECTED.tsv says for libtorrent 2.0.8",
          "[torrent]") {
  PROV_REQUIRE_SHARED(dir, "torrents");
  std::ifstream tsv(dir / "EXPECTED.tsv");
  std::string line;
  std::getline(tsv, line);
  const auto header = split_tabs(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  REQUIRE(col.count("debian12_lt2.0.8_result"));
  int rows = 0, accepted = 0, refused = 0;
  while (std::getline(tsv, line)) {
    if (line.empty()) continue;
    const auto c = split_tabs(line);
    REQUIRE(c.size() == header.size());
    const std::string& file = c[col["file"]];
    INFO(file);
    auto m = prov::ingest::read_torrent(dir / file);
    ++rows;
    if (c[col["debian12_lt2.0.8_result"]] == "ok") {
      REQUIRE(m.ok());
      ++accepted;
      CHECK(m->kind == c[col["kind"]]);
      CHECK(std::to_string(m->files.size()) == c[col["num_files"]]);
      const std::string v1 = c[col["info_hash_v1"]], v2 = c[col["info_hash_v2"]];
      CHECK(m->info_hash_v1 == (v1 == "-" ? "" : v1));
      CHECK(m->info_hash_v2 == (v2 == "-" ? "" : v2));
      CHECK(m->torrent_sha256.size() == 64);
      // Offsets tile the v1 layout without gaps and every piece range lies inside the torrent.
      std::uint64_t end = 0;
      for (const auto& f : m->files) {
        CHECK(f.offset >= end);
        end = f.offset + f.size;
        CHECK(f.end_piece <= m->num_pieces);
      }
      if (m->kind != "v2") CHECK(m->v1_pieces.size() == std::size_t{20} * m->num_pieces);
    } else {
      REQUIRE_FALSE(m.ok());
      ++refused;
      CHECK(m.error().message == c[col["debian12_lt2.0.8_error"]]);
      CHECK(m.error().path == (dir / file).string());
    }
  }
  CHECK(rows == 119);
  CHECK(accepted > 0);
  CHECK(refused > 0);
}

TEST_CASE("the torrent-evidence torrents match torrents.json field by field", "[torrent]") {
  PROV_REQUIRE_SHARED(dir, "../torrent-evidence/torrents");
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.load((dir / "torrents.json").string());
  int seen = 0;
  for (simdjson::dom::element t : doc.get_array()) {
    const std::string file(t["file"].get_string().value());
    INFO(file);
    auto m = prov::ingest::read_torrent(dir / file);
    REQUIRE(m.ok());
    ++seen;
    auto str_or_empty = [](simdjson::dom::element e) {
      return e.is_null() ? std::string() : std::string(e.get_string().value());
    };
    CHECK(m->info_hash_v1 == str_or_empty(t["infohash_v1"]));
    CHECK(m->info_hash_v2 == str_or_empty(t["infohash_v2"]));
    CHECK(m->info_hash_v2_truncated() == str_or_empty(t["infohash_v2_truncated"]));
    CHECK(m->kind == std::string(t["format"].get_string().value()));
    CHECK(m->name == std::string(t["name"].get_string().value()));
    CHECK(m->piece_length == t["piece_length"].get_uint64().value());
    CHECK(m->num_pieces == t["num_pieces"].get_uint64().value());
    CHECK(m->total_size == t["total_size"].get_uint64().value());
    CHECK(m->creator == std::string(t["created_by"].get_string().value()));
    CHECK(m->comment == std::string(t["comment"].get_string().value()));
    CHECK(m->creation_date == static_cast<std::int64_t>(t["creation_date"].get_int64().value()));
    CHECK(m->is_private == t["private"].get_bool().value());
    REQUIRE(m->trackers.size() == 1);
    CHECK(m->trackers[0] == std::string(t["announce"].get_string().value()));

    // Files: torrents.json lists pad files for v1 and hybrid; libtorrent's implied v2 pads are
    // not in a pure v2 file, so they are compared on the real files only.
    const bool multi = m->files.size() > 1 || m->files[0].path != m->name;
    std::vector<const prov::ingest::TorrentFile*> ours;
    for (const auto& f : m->files)
      if (!f.pad || m->kind != "v2") ours.push_back(&f);
    auto theirs = t["files"].get_array().value();
    REQUIRE(ours.size() == theirs.size());
    std::size_t i = 0;
    for (simdjson::dom::element f : theirs) {
      const auto& o = *ours[i++];
      const std::string path(f["path"].get_string().value());
      CHECK(o.path == (multi ? m->name + "/" + path : path));
      CHECK(o.size == f["length"].get_uint64().value());
      CHECK(o.pad == f["pad"].get_bool().value());
      std::uint64_t off = 0;
      if (f["offset_v1"].get(off) == simdjson::SUCCESS) CHECK(o.offset == off);
      std::string_view root;
      if (f["pieces_root"].get(root) == simdjson::SUCCESS)
        CHECK(prov::to_hex(o.pieces_root) == root);
    }
    // v1 piece SHA-1s, in order.
    simdjson::dom::array sha1s;
    if (t["v1_piece_sha1"].get(sha1s) == simdjson::SUCCESS) {
      REQUIRE(m->v1_pieces.size() == 20 * sha1s.size());
      std::size_t p = 0;
      for (simdjson::dom::element h : sha1s) CHECK(hex_chunk(m->v1_pieces, p++, 20) == h.get_string().value());
    }
    // v2 piece layers, per file root.
    simdjson::dom::object layers;
    if (t["v2_piece_layers"].get(layers) == simdjson::SUCCESS) {
      int files_with_layers = 0;
      for (const auto& f : m->files) {
        if (f.pieces_root.empty()) continue;
        simdjson::dom::array want;
        const std::string root_hex = prov::to_hex(f.pieces_root);
        if (layers[root_hex].get(want) != simdjson::SUCCESS) {
          CHECK(f.piece_layer.empty());
          continue;
        }
        ++files_with_layers;
        REQUIRE(f.piece_layer.size() == 32 * want.size());
        std::size_t p = 0;
        for (simdjson::dom::element h : want) CHECK(hex_chunk(f.piece_layer, p++, 32) == h.get_string().value());
      }
      CHECK(files_with_layers > 0);
    }
    // The magnet link names the same torrent.
    auto mag = prov::ingest::read_magnet(t["magnet"].get_string().value());
    REQUIRE(mag.ok());
    CHECK(mag->magnet);
    CHECK(mag->info_hash_v1 == m->info_hash_v1);
    CHECK(mag->info_hash_v2 == m->info_hash_v2);
    CHECK(mag->kind == m->kind);
    CHECK(mag->name == m->name);
  }
  CHECK(seen == 4);
}

TEST_CASE("torrent limits and malformed input give errors, not exceptions", "[torrent]") {
  prov::ingest::TorrentLimits small;
  small.max_bytes = 10;
  auto too_big = prov::ingest::read_torrent_bytes("x.torrent", "d4:infod4:name1:aee", small);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().code == prov::Errc::kLimit);

  std::string deep;
  for (int i = 0; i < 200; ++i) deep += 'l';
  for (int i = 0; i < 200; ++i) deep += 'e';
  auto nested = prov::ingest::read_torrent_bytes("deep.torrent", deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().path == "deep.torrent");
  CHECK_FALSE(nested.error().message.empty());

  auto garbage = prov::ingest::read_torrent_bytes("g.torrent", std::string("\xff\x00\x01", 3));
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().code == prov::Errc::kFormat);

  auto missing = prov::ingest::read_torrent("/nonexistent/none.torrent");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == prov::Errc::kIo);

  auto bad_magnet = prov::ingest::read_magnet("magnet:?xt=urn:btih:nothex");
  CHECK_FALSE(bad_magnet.ok());
  CHECK(prov::ingest::is_magnet("magnet:?xt=urn:btih:c50e647feae36745cc1bde26753ef39572cf21bc"));
  CHECK_FALSE(prov::ingest::is_magnet("magnet.torrent"));
}

// Found by fuzz_torrent: a v2 torrent whose info dictionary has a v1 "length" but whose
// "pieces" were moved out of it. libtorrent 2.0.8 reports a v1 info-hash for it, and its
// hash_for_piece() reads past the info section, so "piece hashes" were stray memory and two
// parses of the same bytes could differ. Without v1 piece hashes the torrent is v2 only.
TEST_CASE("a v2 torrent with a v1 length but no v1 piece hashes is v2 only", "[torrent]") {
  const std::string path = std::string(PROV_SOURCE_DIR) + "/fixtures/fuzz/torrent/v2_v1_length_without_pieces.torrent";
  auto m = prov::ingest::read_torrent(path);
  REQUIRE(m.ok());
  CHECK(m->kind == "v2");
  CHECK(m->info_hash_v1.empty());
  CHECK(m->v1_pieces.empty());
  CHECK(m->info_hash_v2.size() == 64);
  CHECK(m->num_pieces == 16);
  REQUIRE(m->files.size() == 1);
  CHECK(m->files[0].size == 1048576);
  auto again = prov::ingest::read_torrent(path);
  REQUIRE(again.ok());
  CHECK(again->info_hash_v2 == m->info_hash_v2);
}
