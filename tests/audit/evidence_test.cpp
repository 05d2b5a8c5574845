// tests/audit/evidence_test.cpp: seeding evidence in a real index (audit/evidence.cpp): for each
// scenario of ../shared/torrent-evidence, add its logs and check the summary against the
// scenario's ground-truth.json (read here): which info-hash, how many bytes by which source,
// uploaded by which client to which peer, and the strongest evidence.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "audit/evidence.hpp"
#include "index/index.hpp"
#include "tests/seedlog_scenarios.hpp"
#include "tests/testlib.hpp"

namespace {

using prov::audit::FlowGroup;
using prov::audit::TorrentSummary;

std::unique_ptr<prov::index::Index> open_index(const std::filesystem::path& dir) {
  auto idx = prov::index::Index::open_for_write(dir, prov::fingerprint::Params{}, false);
  REQUIRE(idx.ok());
  return std::move(*idx);
}

std::vector<std::string> log_args(const std::filesystem::path& scenario) {
  std::vector<std::string> out;
  for (const auto& p : prov::test::evidence_logs(scenario)) out.push_back(p.string());
  return out;
}

std::vector<TorrentSummary> summaries(const prov::index::Index& idx) {
  auto sets = prov::audit::evidence_torrents(idx);
  REQUIRE(sets.ok());
  std::vector<TorrentSummary> out;
  for (const auto& s : *sets) {
    auto t = prov::audit::summarize_torrent(idx, s);
    REQUIRE(t.ok());
    out.push_back(std::move(*t));
  }
  return out;
}

// "observer | source | hash -> peer" of the ground truth's evidence maps.
struct FlowKey {
  std::string observer, source, hash, peer;
};
FlowKey split_key(std::string_view k) {
  FlowKey f;
  const auto a = k.find(" | "), b = k.find(" | ", a + 3), c = k.find(" -> ", b + 3);
  f.observer = std::string(k.substr(0, a));
  f.source = std::string(k.substr(a + 3, b - a - 3));
  f.hash = std::string(k.substr(b + 3, c == std::string_view::npos ? std::string_view::npos : c - b - 3));
  if (c != std::string_view::npos) f.peer = std::string(k.substr(c + 4));
  return f;
}

const FlowGroup* find_group(const std::vector<FlowGroup>& gs, const FlowKey& k) {
  for (const auto& g : gs)
    if (g.observer == k.observer && g.source == k.source && g.peer == k.peer) return &g;
  return nullptr;
}

}  // namespace

TEST_CASE("evidence add + show reproduce each scenario's ground truth") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  for (const auto& dir : prov::test::scenario_dirs(root)) {
    INFO(dir.filename().string());
    prov::test::TempDir tmp("evidence_" + dir.filename().string().substr(0, 2));
    auto idx = open_index(tmp / "idx");
    auto rep = prov::audit::add_evidence(*idx, log_args(dir));
    REQUIRE(rep.ok());
    CHECK(rep->errors.empty());
    const auto torrents = summaries(*idx);
    REQUIRE(torrents.size() == 1);  // every scenario shares one torrent
    const TorrentSummary& t = torrents[0];

    simdjson::dom::parser parser;
    simdjson::dom::element gt = parser.load((dir / "ground-truth.json").string());
    // Which info-hash: every hash of the torrent (v1, v2, the tracker keys) is in the summary.
    auto has_hash = [&](std::string_view h) { return std::find(t.hashes.begin(), t.hashes.end(), h) != t.hashes.end(); };
    std::string_view v1, v2;
    if (!gt["torrent"]["infohash_v1"].get_string().get(v1)) CHECK(has_hash(v1));
    if (!gt["torrent"]["infohash_v2"].get_string().get(v2)) CHECK(has_hash(v2));
    simdjson::dom::array keys = gt["torrent"]["tracker_keys"].get_array().value();
    for (auto k : keys) CHECK(has_hash(k.get_string().value()));
    std::string_view name = gt["torrent"]["name"].get_string().value();
    CHECK(t.names == std::vector<std::string>{std::string(name)});

    // Bytes per source figure, by whom, to whom: the uploader's block sums...
    // libtorrent's text log repeats its JSON alerts' blocks (same bytes, peer by address).
    auto text_twin = [&](const std::vector<FlowGroup>& gs) {
      std::size_t n = 0;
      for (const auto& g : gs)
        if (g.source == "lt-alerts-text") {
          ++n;
          const FlowGroup* json = nullptr;
          for (const auto& h : gs)
            if (h.observer == g.observer && h.source == "lt-agent-jsonl") json = &h;
          REQUIRE(json != nullptr);
          CHECK(g.bytes == json->bytes);
        }
      return n;
    };
    simdjson::dom::object up = gt["upload_evidence_from_logs"].get_object().value();
    CHECK(t.uploader_blocks.size() - text_twin(t.uploader_blocks) == up.size());
    for (auto [key, value] : up) {
      INFO(key);
      const FlowKey k = split_key(key);
      CHECK(has_hash(k.hash));
      const FlowGroup* g = find_group(t.uploader_blocks, k);
      REQUIRE(g != nullptr);
      CHECK(g->bytes == value.get_uint64().value());
    }
    // ... the receivers' block sums, naming the uploader ...
    simdjson::dom::object down = gt["download_evidence_from_logs"].get_object().value();
    CHECK(t.receiver_blocks.size() - text_twin(t.receiver_blocks) == down.size());
    for (auto [key, value] : down) {
      INFO(key);
      const FlowGroup* g = find_group(t.receiver_blocks, split_key(key));
      REQUIRE(g != nullptr);
      CHECK(g->bytes == value.get_uint64().value());
    }
    // ... the clients' own torrent counters, as last reported ...
    simdjson::dom::object last = gt["client_counters_last"].get_object().value();
    for (auto [key, value] : last) {
      INFO(key);
      const FlowKey k = split_key(key);
      bool found = false;
      for (const auto& g : t.counters)
        if (g.observer == k.observer && g.source == k.source && g.scope == "torrent") {
          found = true;
          CHECK(g.last_up == value["up"].get_uint64().value());
          CHECK(g.last_down == value["down"].get_uint64().value());
          // Unchanged snapshots are not stored (seeding-event/1), so the last change is at or
          // before the reference's last report (which keeps every lt_agent poll).
          const std::string when(value["time"].get_string().value());
          if (k.source == "lt-agent-jsonl") CHECK(g.last_time <= when);
          else CHECK(g.last_time == when);
        }
      CHECK(found);
    }
    // ... and each participant's claim to the tracker, by its peer ids.
    simdjson::dom::object parts = gt["participants"].get_object().value();
    for (auto [who, p] : parts) {
      INFO(who);
      const std::uint64_t claimed = p["max_uploaded_reported_to_tracker"].get_uint64().value();
      std::optional<std::uint64_t> mine;
      simdjson::dom::array ids = p["peer_ids_seen_by_tracker"].get_array().value();
      for (auto id : ids)
        for (const auto& g : t.tracker_claims)
          if (g.source == "nginx-tracker-jsonl" && g.peer == id.get_string().value() && g.max_up)
            mine = std::max(mine.value_or(0), *g.max_up);
      CHECK(mine == claimed);
    }
    // Counters displayed by deluge-console / transmission-remote (rounded to 0.1 KiB or kB):
    // the same lifetime total as the client's last claim to the tracker, within the rounding.
    for (const auto& g : t.counters) {
      if (g.source != "deluge-console-info" && g.source != "transmission-remote-info") continue;
      INFO(g.source_file);
      REQUIRE(g.last_up.has_value());
      bool near = false;
      for (auto [who, p] : parts) {
        const std::uint64_t claimed = p["max_uploaded_reported_to_tracker"].get_uint64().value();
        const std::uint64_t diff = claimed > *g.last_up ? claimed - *g.last_up : *g.last_up - claimed;
        if (diff <= 52) near = true;
      }
      CHECK(near);
    }
    // The true flows: the uploader's own lines are the strongest evidence where its log has
    // per-block lines; otherwise the receiver's lines naming it are, and they cover the content.
    simdjson::dom::array flows = gt["true_flows"].get_array().value();
    for (auto flow : flows) {
      const std::string uploader(flow["uploader"].get_string().value());
      const std::string downloader(flow["downloader"].get_string().value());
      const std::uint64_t content = flow["content_bytes"].get_uint64().value();
      INFO(uploader << " -> " << downloader);
      bool own = false;
      for (const auto& g : t.uploader_blocks)
        if (g.observer == uploader) {
          own = true;
          CHECK(g.bytes >= content);
        }
      bool named = false;
      for (const auto& g : t.receiver_blocks)
        if (g.observer == downloader) {
          named = true;
          CHECK(g.bytes >= content);
        }
      CHECK((own || named));
      if (!own) CHECK(t.strongest_rank == 2);
    }
    CHECK(t.strongest_rank == (up.size() > 0 ? 1 : 2));
  }
}

TEST_CASE("re-adding logs is idempotent and the summary JSON does not depend on the order of the logs") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  const auto dir = prov::test::scenario_dirs(root).at(2);  // the hybrid torrent
  prov::test::TempDir tmp("evidence_idem");
  auto args = log_args(dir);
  std::string first_json, dump_before, dump_after;
  {
    auto idx = open_index(tmp / "a");
    REQUIRE(prov::audit::add_evidence(*idx, args).ok());
    first_json = prov::audit::evidence_json(summaries(*idx), {});
    auto dump = [&](std::string& out) {
      REQUIRE(idx->scan_evidence("", [&](std::string_view k, std::string_view v) {
                   out.append(k).append("\t").append(v).append("\n");
                   return true;
                 }).ok());
    };
    dump(dump_before);
    auto again = prov::audit::add_evidence(*idx, args);
    REQUIRE(again.ok());
    for (const auto& l : again->logs) CHECK(l.already_present);
    dump(dump_after);
    CHECK(dump_before == dump_after);
  }
  std::reverse(args.begin(), args.end());
  auto idx2 = open_index(tmp / "b");
  REQUIRE(prov::audit::add_evidence(*idx2, args).ok());
  CHECK(prov::audit::evidence_json(summaries(*idx2), {}) == first_json);
  CHECK(first_json.find("\"schema\": \"provaudit/evidence/1\"") != std::string::npos);
}

TEST_CASE("the per-work view takes each torrent as a set of hashes and counts the run's passages") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  const auto dir = prov::test::scenario_dirs(root).at(2);
  prov::test::TempDir tmp("evidence_work");
  auto idx = open_index(tmp / "idx");
  REQUIRE(prov::audit::add_evidence(*idx, log_args(dir)).ok());
  simdjson::dom::parser parser;
  simdjson::dom::element gt = parser.load((dir / "ground-truth.json").string());
  const std::string trunc(gt["torrent"]["infohash_v2_truncated"].get_string().value());
  const std::string v1(gt["torrent"]["infohash_v1"].get_string().value());
  const std::string work(64, 'a');
  prov::test::write_bytes(tmp / "run" / "matches.jsonl",
                          "{\"kind\":\"passage\",\"work_id\":\"" + work + "\"}\n{\"kind\":\"passage\",\"work_id\":\"" +
                              std::string(64, 'b') + "\"}\n{\"kind\":\"near_duplicate\",\"work_id\":\"" + work +
                              "\"}\n{\"kind\":\"passage\",\"work_id\":\"" + work + "\"}\n");
  // The truncated v2 hash alone finds the whole hybrid torrent: the same summary as its v1 hash.
  auto by_trunc = prov::audit::work_evidence(*idx, work, {{trunc}}, tmp / "run");
  auto by_v1 = prov::audit::work_evidence(*idx, work, {{v1}}, std::nullopt);
  REQUIRE(by_trunc.ok());
  REQUIRE(by_v1.ok());
  REQUIRE(by_trunc->torrents.size() == 1);
  CHECK(by_trunc->torrents[0].hashes == by_v1->torrents[0].hashes);
  CHECK(by_trunc->torrents[0].events == by_v1->torrents[0].events);
  CHECK(by_trunc->passages == 2u);
  CHECK(by_trunc->near_duplicates == 1u);
  CHECK(!by_v1->passages);
  const std::string text = prov::audit::evidence_text({}, {*by_trunc});
  CHECK(text.find("passages in the run: 2") != std::string::npos);
  CHECK(prov::audit::work_evidence(*idx, work, {}, tmp / "nothing").error().code == prov::Errc::kIo);
}
