// tests/audit/chain_test.cpp: the chain seeding event -> info-hash -> torrent record -> verified
// file -> work, on the real scenarios of ../shared/torrent-evidence: the e-books ingested into a
// real index, the torrents verified against a copy and recorded, the scenario's logs added; the
// per-work view then finds the torrents through the links alone (no hash given), with their
// records, the work's verified files and the ground truth's upload.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "audit/evidence.hpp"
#include "audit/torrent.hpp"
#include "common/sha256.hpp"
#include "index/index.hpp"
#include "ingest/torrent.hpp"
#include "tests/seedlog_scenarios.hpp"
#include "tests/testlib.hpp"

namespace fs = std::filesystem;

namespace {

std::string sv(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s)) return "";  // null
  return std::string(s);
}

// An index holding the e-books (a writable copy under tmp/content; Genesis left out so that one
// torrent links no work) and every torrent, verified against that copy.
std::unique_ptr<prov::index::Index> chain_index(const fs::path& ev, const prov::test::TempDir& tmp) {
  const fs::path data = tmp / "content";
  fs::copy(ev / "content", data, fs::copy_options::recursive);
  for (auto& e : fs::recursive_directory_iterator(data))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  auto idx = prov::index::Index::open_for_write(tmp / "idx", prov::fingerprint::Params{});
  REQUIRE(idx.ok());
  std::vector<std::string> books;
  for (auto& e : fs::recursive_directory_iterator(data))
    if (e.path().extension() == ".txt" && e.path().filename() != "Genesis.txt") books.push_back(e.path().string());
  std::sort(books.begin(), books.end());
  auto ing = prov::index::ingest_paths(**idx, books);
  REQUIRE(ing.ok());
  REQUIRE(ing->errors.empty());
  for (auto& e : fs::directory_iterator(ev / "torrents")) {
    if (e.path().extension() != ".torrent") continue;
    auto m = prov::ingest::read_torrent(e.path());
    REQUIRE(m.ok());
    auto r = prov::audit::verify_torrent(*m, data);
    REQUIRE(r.ok());
    REQUIRE(prov::audit::add_torrent(**idx, *m, &*r).ok());
  }
  return std::move(*idx);
}

std::string work_of(const fs::path& ev, const std::string& rel) {
  auto h = prov::sha256_file(ev / "content" / rel);
  REQUIRE(h.ok());
  return *h;
}

std::vector<std::string> logs(const fs::path& scenario) {
  std::vector<std::string> out;
  for (const auto& p : prov::test::evidence_logs(scenario)) out.push_back(p.string());
  return out;
}

}  // namespace

TEST_CASE("a work's torrents are found through the links: hybrid (s3) and pure v2 (s5)", "[chain]") {
  PROV_REQUIRE_TORRENT_EVIDENCE(ev);
  const auto dirs = prov::test::scenario_dirs(ev);
  REQUIRE(dirs.size() >= 5);
  prov::test::TempDir tmp("chain");
  auto idx = chain_index(ev, tmp);
  for (const auto& d : {dirs[2], dirs[4]}) {
    auto rep = prov::audit::add_evidence(*idx, logs(d));
    REQUIRE(rep.ok());
    REQUIRE(rep->errors.empty());
  }
  for (const auto& d : {dirs[2], dirs[4]}) {
    INFO(d.filename().string());
    simdjson::dom::parser parser;
    simdjson::dom::element gt = parser.load((d / "ground-truth.json").string());
    const std::string name = sv(gt["torrent"]["name"]), v1 = sv(gt["torrent"]["infohash_v1"]),
                      v2 = sv(gt["torrent"]["infohash_v2"]), trunc = sv(gt["torrent"]["infohash_v2_truncated"]);
    std::string path;
    std::uint64_t length = 0;
    for (auto f : gt["files"].get_array()) {
      if (f["pad"].get_bool().value()) continue;
      path = name + "/" + sv(f["path"]);
      length = f["length"].get_uint64().value();
      break;
    }
    const std::string work = work_of(ev, path);

    std::vector<std::string> want_hashes;
    for (const auto& h : {v1, v2, trunc})
      if (!h.empty()) want_hashes.push_back(h);
    std::sort(want_hashes.begin(), want_hashes.end());
    auto linked = prov::audit::linked_torrents_of_work(*idx, work);
    REQUIRE(linked.ok());
    CHECK(*linked == std::vector<std::vector<std::string>>{want_hashes});

    auto w = prov::audit::work_evidence(*idx, work, {}, std::nullopt);
    REQUIRE(w.ok());
    REQUIRE(w->torrents.size() == 1);
    const auto& t = w->torrents[0];
    REQUIRE(t.record);
    CHECK(t.record->primary == (v1.empty() ? v2 : v1));
    CHECK(t.record->name == name);
    CHECK(t.record->info_hash_v1 == v1);
    CHECK(t.record->info_hash_v2_truncated == trunc);
    for (const auto& h : want_hashes) CHECK(std::find(t.hashes.begin(), t.hashes.end(), h) != t.hashes.end());
    REQUIRE(t.verified_files.size() == 1);  // the work's own file, not its neighbours
    CHECK(t.verified_files[0].path == path);
    CHECK(t.verified_files[0].size == length);
    CHECK(t.verified_files[0].bytes_proven == length);
    CHECK(t.verified_files[0].data_path == path);
    CHECK(t.linked_works == std::vector<std::string>{work});
    // The receiver's log names the uploader and the bytes, as the ground truth says.
    std::size_t found = 0;
    for (auto [k, nbytes] : gt["download_evidence_from_logs"].get_object()) {
      const std::string key(k);
      const std::string peer = key.substr(key.find(" -> ") + 4);
      for (const auto& g : t.receiver_blocks)
        if (g.peer == peer && key.rfind(g.observer + " | " + g.source + " | ", 0) == 0) {
          CHECK(g.bytes == nbytes.get_uint64().value());
          ++found;
        }
    }
    CHECK(found >= 1);

    // Naming the torrent again (by its truncated v2 hash) adds nothing: still one torrent.
    auto again = prov::audit::work_evidence(*idx, work, {{trunc}}, std::nullopt);
    REQUIRE(again.ok());
    REQUIRE(again->torrents.size() == 1);
    CHECK(again->torrents[0].hashes == t.hashes);
    CHECK(again->torrents[0].events == t.events);
    CHECK(prov::audit::evidence_json({}, {*again}) == prov::audit::evidence_json({}, {*w}));
  }
}

TEST_CASE("the torrent view lists the linked works; event hash sets of one record merge", "[chain]") {
  PROV_REQUIRE_TORRENT_EVIDENCE(ev);
  prov::test::TempDir tmp("chain_all");
  auto idx = chain_index(ev, tmp);
  const std::string v1 = "df382abf995eace8c017da91bf63ddabe0c6b823";
  const std::string trunc = "23ed2411712a6fae220ca18d8b2737e4cf5ef5c9";
  // A hybrid announced under both hashes, no log naming both: one torrent once recorded.
  auto merged = prov::audit::merge_by_record(*idx, {{v1}, {"unresolved"}, {trunc}});
  REQUIRE(merged.ok());
  REQUIRE(merged->size() == 2);
  CHECK((*merged)[0].size() == 3);
  CHECK((*merged)[1] == std::vector<std::string>{"unresolved"});

  auto s = prov::audit::summarize_torrent(*idx, {trunc});
  REQUIRE(s.ok());
  REQUIRE(prov::audit::attach_torrent_record(*idx, *s, "").ok());
  REQUIRE(s->record);
  CHECK(s->record->primary == v1);
  const std::string exodus = work_of(ev, "KJV Law II/Exodus.txt"), leviticus = work_of(ev, "KJV Law II/Leviticus.txt");
  CHECK(s->linked_works == std::vector<std::string>{std::min(exodus, leviticus), std::max(exodus, leviticus)});
  REQUIRE(s->verified_files.size() == 2);
  CHECK(s->verified_files[0].path == "KJV Law II/Exodus.txt");  // torrent order
  CHECK(s->verified_files[1].path == "KJV Law II/Leviticus.txt");
  const std::string text = prov::audit::evidence_text({*s}, {});
  CHECK(text.find("verified file 2 \"KJV Law II/Leviticus.txt\"") != std::string::npos);

  // A torrent recorded but holding no indexed work (Genesis was not ingested), and a work no
  // torrent carried.
  auto g = prov::audit::summarize_torrent(*idx, {"c50e647feae36745cc1bde26753ef39572cf21bc"});
  REQUIRE(g.ok());
  REQUIRE(prov::audit::attach_torrent_record(*idx, *g, "").ok());
  REQUIRE(g->record);
  CHECK(g->verified_files.empty());
  CHECK(prov::audit::evidence_text({*g}, {}).find("no file of it is proven") != std::string::npos);
  auto none = prov::audit::work_evidence(*idx, std::string(64, 'e'), {}, std::nullopt);
  REQUIRE(none.ok());
  CHECK(none->torrents.empty());
}
