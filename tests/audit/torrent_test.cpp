// tests/audit/torrent_test.cpp: audit/torrent_verify.cpp and audit/torrent_index.cpp on the four
// real torrents of ../shared/torrent-evidence and a writable copy of the content they carried:
// intact copies verify; one flipped byte fails exactly its piece (v1, v2, hybrid); renamed and
// moved files are found; truncated files and missing v1 neighbours are reported; torrents and
// their links to ingested works round-trip through a real index.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "audit/torrent.hpp"
#include "common/sha256.hpp"
#include "index/index.hpp"
#include "ingest/torrent.hpp"
#include "tests/testlib.hpp"

namespace fs = std::filesystem;
using prov::audit::FileCheck;
using prov::audit::FileStatus;

namespace {

// A writable copy of torrent-evidence/content.
fs::path copy_content(const fs::path& evidence, const prov::test::TempDir& tmp) {
  const fs::path dst = tmp / "content";
  fs::copy(evidence / "content", dst, fs::copy_options::recursive);
  for (auto& e : fs::recursive_directory_iterator(dst))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dst, fs::perms::owner_write, fs::perm_options::add);
  return dst;
}

void flip_byte(const fs::path& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x20));
}

prov::ingest::TorrentMeta load(const fs::path& evidence, const char* name) {
  auto m = prov::ingest::read_torrent(evidence / "torrents" / name);
  REQUIRE(m.ok());
  return std::move(m).value();
}

const FileCheck& file_named(const prov::audit::VerifyReport& r, const std::string& suffix) {
  auto it = std::find_if(r.files.begin(), r.files.end(), [&](const FileCheck& c) {
    return c.path.size() >= suffix.size() && c.path.compare(c.path.size() - suffix.size(), suffix.size(), suffix) == 0;
  });
  REQUIRE(it != r.files.end());
  return *it;
}

// The file's piece size in torrent order, for expected spans.
std::uint64_t piece_of(const prov::ingest::TorrentMeta& m, const std::string& suffix, std::uint64_t offset) {
  for (const auto& f : m.files)
    if (f.path.size() >= suffix.size() && f.path.compare(f.path.size() - suffix.size(), suffix.size(), suffix) == 0)
      return (f.offset + offset) / m.piece_length;
  FAIL("no file " << suffix);
  return 0;
}

}  // namespace

TEST_CASE("intact copies of all four torrents verify, every byte proven", "[torrent]") {
  PROV_REQUIRE_SHARED(ev, "../torrent-evidence");
  prov::test::TempDir tmp("torrent-intact");
  const fs::path data = copy_content(ev, tmp);
  for (const char* name : {"Genesis.v1.torrent", "KJV-Minor-Books.v1.torrent", "KJV-Law-II.hybrid.torrent",
                           "KJV-Gospels-I.v2.torrent"}) {
    INFO(name);
    const auto m = load(ev, name);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    CHECK(r->all_verified());
    CHECK_FALSE(r->any_difference());
    std::uint64_t real_files = 0;
    for (const auto& f : m.files) real_files += !f.pad;
    CHECK(r->files.size() == real_files);  // pad files are not reported as files
    for (const auto& c : r->files) {
      CHECK(c.bytes_proven == c.size);
      CHECK(c.pieces_proven == c.pieces);
      CHECK(c.unproven.empty());
      CHECK_FALSE(c.moved);
      CHECK(c.method == (m.kind == "v1" ? "v1" : "v2"));
      CHECK(c.sha256 == prov::sha256_file(data / c.local_path).value());
      // A hybrid's files are proven by its v1 pieces too.
      CHECK(c.v1_check.has_value() == (m.kind == "hybrid"));
      if (c.v1_check) {
        CHECK(c.v1_check->bytes_proven == c.size);
        CHECK(c.v1_check->pieces_failed.empty());
      }
    }
    // Deterministic report.
    auto again = prov::audit::verify_torrent(m, data);
    REQUIRE(again.ok());
    CHECK(prov::audit::verify_report_json(m, *r) == prov::audit::verify_report_json(m, *again));
  }
}

TEST_CASE("one flipped byte fails exactly its piece", "[torrent]") {
  PROV_REQUIRE_SHARED(ev, "../torrent-evidence");
  prov::test::TempDir tmp("torrent-flip");
  const fs::path data = copy_content(ev, tmp);

  SECTION("v1 single file") {
    const auto m = load(ev, "Genesis.v1.torrent");
    const std::uint64_t at = 100'000;
    flip_byte(data / "Genesis.txt", at);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto& c = file_named(*r, "Genesis.txt");
    const auto bad = static_cast<std::uint32_t>(at / m.piece_length);
    CHECK(c.status == FileStatus::kDiffers);
    CHECK(c.pieces_failed == std::vector<std::uint32_t>{bad});
    CHECK(c.pieces_proven == c.pieces - 1);
    CHECK(c.bytes_proven == c.size - m.piece_length);
    REQUIRE(c.unproven.size() == 1);
    CHECK(c.unproven[0].start == bad * m.piece_length);
    CHECK(c.unproven[0].end == (bad + 1) * m.piece_length);
    CHECK(r->any_difference());
  }
  SECTION("v2 file of several pieces") {
    const auto m = load(ev, "KJV-Gospels-I.v2.torrent");
    const std::uint64_t at = 70'000;
    flip_byte(data / "KJV Gospels I" / "Matthew.txt", at);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto& c = file_named(*r, "Matthew.txt");
    CHECK(c.status == FileStatus::kDiffers);
    CHECK(c.pieces_failed == std::vector<std::uint32_t>{static_cast<std::uint32_t>(piece_of(m, "Matthew.txt", at))});
    CHECK(c.pieces_proven == c.pieces - 1);
    REQUIRE(c.unproven.size() == 1);
    CHECK(c.unproven[0].start == at / m.piece_length * m.piece_length);
    CHECK(file_named(*r, "Mark.txt").status == FileStatus::kVerified);  // per-file trees
  }
  SECTION("hybrid with pad files: the last, short piece of a file") {
    const auto m = load(ev, "KJV-Law-II.hybrid.torrent");
    const std::uint64_t at = 134'000;  // Leviticus is 134,119 bytes
    flip_byte(data / "KJV Law II" / "Leviticus.txt", at);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto& c = file_named(*r, "Leviticus.txt");
    CHECK(c.status == FileStatus::kDiffers);
    CHECK(c.pieces_failed == std::vector<std::uint32_t>{static_cast<std::uint32_t>(piece_of(m, "Leviticus.txt", at))});
    CHECK(c.bytes_proven == at / m.piece_length * m.piece_length);
    REQUIRE(c.v1_check.has_value());  // the v1 piece over the same bytes and the pad fails too
    CHECK(c.v1_check->pieces_failed == c.pieces_failed);
    CHECK(file_named(*r, "Exodus.txt").status == FileStatus::kVerified);
  }
  SECTION("v1 multi-file: a piece shared by two files fails for both, and says so") {
    const auto m = load(ev, "KJV-Minor-Books.v1.torrent");
    flip_byte(data / "KJV Minor Books" / "Jonah.txt", 100);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto bad = static_cast<std::uint32_t>(piece_of(m, "Jonah.txt", 100));
    CHECK(file_named(*r, "Jonah.txt").pieces_failed == std::vector<std::uint32_t>{bad});
    CHECK(file_named(*r, "Esther.txt").pieces_failed == std::vector<std::uint32_t>{bad});
    CHECK_FALSE(file_named(*r, "Esther.txt").note.empty());
    CHECK(file_named(*r, "Song of Solomon.txt").status == FileStatus::kVerified);
  }
}

TEST_CASE("renamed and moved files are found by size and hash", "[torrent]") {
  PROV_REQUIRE_SHARED(ev, "../torrent-evidence");
  prov::test::TempDir tmp("torrent-moved");
  const fs::path data = copy_content(ev, tmp);
  fs::create_directories(data / "elsewhere" / "deep");
  fs::rename(data / "Genesis.txt", data / "elsewhere" / "deep" / "book-1.bin");
  fs::rename(data / "KJV Gospels I" / "Mark.txt", data / "elsewhere" / "mk.txt");
  fs::rename(data / "KJV Minor Books" / "Ruth.txt", data / "ruth-copy.txt");
  // A decoy of Genesis's size that proves nothing.
  prov::test::write_bytes(data / "aaa-decoy.txt", std::string(fs::file_size(data / "elsewhere/deep/book-1.bin"), 'x'));

  for (const auto& [torrent, file, where] :
       {std::tuple{"Genesis.v1.torrent", "Genesis.txt", "elsewhere/deep/book-1.bin"},
        std::tuple{"KJV-Gospels-I.v2.torrent", "Mark.txt", "elsewhere/mk.txt"},
        std::tuple{"KJV-Minor-Books.v1.torrent", "Ruth.txt", "ruth-copy.txt"}}) {
    INFO(torrent);
    const auto m = load(ev, torrent);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto& c = file_named(*r, file);
    CHECK(c.status == FileStatus::kVerified);
    CHECK(c.moved);
    CHECK(c.local_path == where);
    CHECK(r->all_verified());
  }
}

TEST_CASE("truncated files and missing v1 neighbours", "[torrent]") {
  PROV_REQUIRE_SHARED(ev, "../torrent-evidence");
  prov::test::TempDir tmp("torrent-trunc");
  const fs::path data = copy_content(ev, tmp);

  SECTION("v2: the pieces before the cut are proven, the rest differ") {
    const auto m = load(ev, "KJV-Law-II.hybrid.torrent");
    fs::resize_file(data / "KJV Law II" / "Exodus.txt", 100'000);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto& c = file_named(*r, "Exodus.txt");
    CHECK(c.status == FileStatus::kDiffers);
    CHECK(c.local_size == 100'000);
    const std::uint64_t whole = 100'000 / m.piece_length;
    CHECK(c.pieces_proven == whole);
    CHECK(c.bytes_proven == whole * m.piece_length);
    CHECK(c.pieces_failed.size() == c.pieces - whole);
    REQUIRE(c.unproven.size() == 1);
    CHECK(c.unproven[0].start == whole * m.piece_length);
    CHECK(c.unproven[0].end == c.size);
  }
  SECTION("v1: a truncated single file") {
    const auto m = load(ev, "Genesis.v1.torrent");
    fs::resize_file(data / "Genesis.txt", 50'000);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    const auto& c = file_named(*r, "Genesis.txt");
    CHECK(c.status == FileStatus::kDiffers);
    CHECK(c.pieces_proven == 50'000 / m.piece_length);
    CHECK(c.bytes_proven == 50'000 / m.piece_length * m.piece_length);
  }
  SECTION("v1: bytes shared with a missing neighbour stay unproven") {
    const auto m = load(ev, "KJV-Minor-Books.v1.torrent");
    fs::remove(data / "KJV Minor Books" / "Jonah.txt");
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    CHECK(file_named(*r, "Jonah.txt").status == FileStatus::kMissing);
    const auto& esther = file_named(*r, "Esther.txt");
    CHECK(esther.status == FileStatus::kUnproven);
    CHECK(esther.pieces_failed.empty());
    // Esther's bytes in the piece it shares with Jonah: from that piece's start to its end.
    const std::uint64_t shared_start = (esther.size / m.piece_length) * m.piece_length;
    REQUIRE(esther.unproven.size() == 1);
    CHECK(esther.unproven[0].start == shared_start);
    CHECK(esther.unproven[0].end == esther.size);
    CHECK(esther.bytes_proven == shared_start);
    CHECK_FALSE(esther.note.empty());
    CHECK(r->any_difference());  // a missing file
  }
}

TEST_CASE("torrents and their links to works round-trip through the index", "[torrent]") {
  PROV_REQUIRE_SHARED(ev, "../torrent-evidence");
  prov::test::TempDir tmp("torrent-index");
  const fs::path data = copy_content(ev, tmp);
  auto idx = prov::index::Index::open_for_write(tmp / "idx", prov::fingerprint::Params{});
  REQUIRE(idx.ok());
  // Ingest the e-books the torrents carried, except Jonah: it verifies but is no indexed work.
  std::vector<std::string> books;
  for (auto& e : fs::recursive_directory_iterator(data))
    if (e.path().extension() == ".txt" && e.path().filename() != "Jonah.txt") books.push_back(e.path().string());
  std::sort(books.begin(), books.end());
  auto ing = prov::index::ingest_paths(**idx, books);
  REQUIRE(ing.ok());
  REQUIRE(ing->errors.empty());

  std::map<std::string, prov::audit::AddedTorrent> added;
  for (const char* name : {"Genesis.v1.torrent", "KJV-Minor-Books.v1.torrent", "KJV-Law-II.hybrid.torrent",
                           "KJV-Gospels-I.v2.torrent"}) {
    const auto m = load(ev, name);
    auto r = prov::audit::verify_torrent(m, data);
    REQUIRE(r.ok());
    auto a = prov::audit::add_torrent(**idx, m, &*r);
    REQUIRE(a.ok());
    added[name] = *a;
  }
  CHECK(added["KJV-Minor-Books.v1.torrent"].links.size() == 3);
  CHECK(added["KJV-Minor-Books.v1.torrent"].proven_unindexed ==
        std::vector<std::string>{"KJV Minor Books/Jonah.txt"});
  CHECK(added["KJV-Law-II.hybrid.torrent"].links.size() == 2);

  // Every hash of the hybrid resolves to its v1 record; the pure v2 torrent by v2 and truncated v2.
  const auto hybrid = load(ev, "KJV-Law-II.hybrid.torrent");
  for (const std::string& h : {hybrid.info_hash_v1, hybrid.info_hash_v2, hybrid.info_hash_v2_truncated()}) {
    auto t = prov::audit::find_torrent(**idx, h);
    REQUIRE(t.ok());
    REQUIRE(t->has_value());
    CHECK((*t)->meta.info_hash_v1 == hybrid.info_hash_v1);
    CHECK((*t)->meta.name == "KJV Law II");
    CHECK((*t)->meta.torrent_sha256 == hybrid.torrent_sha256);
    CHECK((*t)->meta.files.size() == hybrid.files.size());
  }
  const auto v2 = load(ev, "KJV-Gospels-I.v2.torrent");
  for (const std::string& h : {v2.info_hash_v2, v2.info_hash_v2_truncated()}) {
    auto t = prov::audit::find_torrent(**idx, h);
    REQUIRE(t.ok());
    REQUIRE(t->has_value());
    CHECK((*t)->meta.info_hash_v2 == v2.info_hash_v2);
  }
  auto upper = prov::audit::find_torrent(**idx, "C50E647FEAE36745CC1BDE26753EF39572CF21BC");
  REQUIRE(upper.ok());
  CHECK(upper->has_value());
  auto none = prov::audit::find_torrent(**idx, std::string(40, '0'));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK_FALSE(prov::audit::find_torrent(**idx, "xyz").ok());

  auto all = prov::audit::all_torrents(**idx);
  REQUIRE(all.ok());
  CHECK(all->size() == 4);

  // A work traced to its torrent: Genesis's work id is the SHA-256 of Genesis.txt.
  const std::string genesis = prov::sha256_file(data / "Genesis.txt").value();
  REQUIRE((*idx)->find(genesis).has_value());
  auto links = prov::audit::links_for_work(**idx, genesis);
  REQUIRE(links.ok());
  REQUIRE(links->size() == 1);
  CHECK((*links)[0].torrent == "c50e647feae36745cc1bde26753ef39572cf21bc");
  CHECK((*links)[0].path == "Genesis.txt");
  CHECK((*links)[0].bytes_proven == fs::file_size(data / "Genesis.txt"));
  CHECK((*links)[0].data_path == "Genesis.txt");
  CHECK((*links)[0].method == "v1");

  auto law = prov::audit::links_for_torrent(**idx, hybrid.info_hash_v2_truncated());
  REQUIRE(law.ok());
  REQUIRE(law->size() == 2);
  for (const auto& l : *law) {
    CHECK(l.method == "v2");
    CHECK(l.work_id == l.sha256);
    CHECK((*idx)->find(l.work_id).has_value());
  }

  // A magnet link for a recorded torrent does not replace its full record.
  auto mag = prov::ingest::read_magnet("magnet:?xt=urn:btih:" + hybrid.info_hash_v1 + "&dn=x");
  REQUIRE(mag.ok());
  REQUIRE(prov::audit::add_torrent(**idx, *mag, nullptr).ok());
  auto still = prov::audit::find_torrent(**idx, hybrid.info_hash_v1);
  REQUIRE(still.ok());
  CHECK_FALSE((*still)->meta.magnet);
  CHECK((*still)->meta.name == "KJV Law II");
}

TEST_CASE("verify refuses what it cannot check", "[torrent]") {
  auto mag = prov::ingest::read_magnet("magnet:?xt=urn:btih:c50e647feae36745cc1bde26753ef39572cf21bc");
  REQUIRE(mag.ok());
  prov::test::TempDir tmp("torrent-refuse");
  auto r = prov::audit::verify_torrent(*mag, tmp.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == prov::Errc::kUsage);
  PROV_REQUIRE_SHARED(ev, "../torrent-evidence");
  const auto m = load(ev, "Genesis.v1.torrent");
  auto nodir = prov::audit::verify_torrent(m, tmp / "absent");
  REQUIRE_FALSE(nodir.ok());
  CHECK(nodir.error().code == prov::Errc::kIo);
}
