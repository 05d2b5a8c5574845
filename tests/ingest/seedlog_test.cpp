// tests/ingest/seedlog_test.cpp: the seeding-log parsers (ingest/seedlog*.cpp) on the real logs
// of ../shared/torrent-evidence, compared with the reference normaliser's events
// (normalized-events.jsonl, read here, never copied), plus hostile and hand-made lines.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ingest/seedlog.hpp"
#include "tests/seedlog_scenarios.hpp"
#include "tests/testlib.hpp"

using prov::ingest::SeedEvent;
using prov::ingest::SeedLog;

namespace {

std::vector<SeedLog> parse_scenario(const std::filesystem::path& dir, const prov::ingest::SeedLogOptions& opt = {}) {
  std::vector<SeedLog> logs;
  for (const auto& f : prov::test::evidence_logs(dir)) {
    auto l = prov::ingest::read_seedlog(f, opt);
    INFO(f.string());
    REQUIRE(l.ok());
    CHECK(l->skipped_lines == 0);
    CHECK(l->errors.empty());
    logs.push_back(std::move(*l));
  }
  prov::ingest::resolve_torrents(logs);
  return logs;
}

std::vector<SeedEvent> reference_events(const std::filesystem::path& dir) {
  std::vector<SeedEvent> out;
  std::ifstream in(dir / "normalized-events.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto e = prov::ingest::parse_seed_event_json(line);
    REQUIRE(e.ok());
    out.push_back(std::move(*e));
  }
  return out;
}

// The peer id as hex: the reference gives qBittorrent's prefix only as text.
std::string peer_hex(const SeedEvent& e) {
  if (!e.peer_id_hex.empty()) return e.peer_id_hex;
  static const char* k = "0123456789abcdef";
  std::string out;
  for (char ch : e.peer_id) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(k[c >> 4]);
    out.push_back(k[c & 15]);
  }
  return out;
}

using Row = std::tuple<std::string, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                       std::uint64_t, std::uint32_t, std::string>;
Row row(const SeedEvent& e) {
  return {std::filesystem::path(e.source_file).filename().string(),
          e.source_line,
          e.piece_index.value_or(~0ull),
          e.offset.value_or(~0ull),
          e.length.value_or(~0ull),
          e.bytes_up.value_or(~0ull),
          e.bytes_down.value_or(~0ull),
          e.peer_port.value_or(0),
          peer_hex(e)};
}

// The (source, kind) pairs both sides emit by the same rule.
bool compared(const SeedEvent& e) {
  static const std::set<std::string> kBlocks = {"block_sent", "block_received", "request_sent", "request_received"};
  static const std::set<std::string> kPolls = {"transmission-rpc-poll", "qbittorrent-webapi-torrents",
                                               "qbittorrent-webapi-peers", "rtorrent-xmlrpc-poll"};
  if (kBlocks.count(e.kind)) return true;
  if (e.kind == "announce" && e.source == "nginx-tracker-jsonl") return true;
  if (e.source == "deluge-debug-log" || e.source == "qbittorrent-log") return true;  // life cycle, by name
  return e.kind == "transfer_totals" && kPolls.count(e.source);
}

}  // namespace

TEST_CASE("every scenario's logs give the reference normaliser's block, announce and counter events") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  for (const auto& dir : prov::test::scenario_dirs(root)) {
    INFO(dir.filename().string());
    const auto logs = parse_scenario(dir);
    std::map<std::pair<std::string, std::string>, std::vector<Row>> mine, ref;
    std::map<std::pair<std::string, std::string>, std::set<std::string>> my_hashes, ref_hashes;
    for (const auto& l : logs)
      for (const auto& e : l.events)
        if (compared(e)) {
          mine[{e.source, e.kind}].push_back(row(e));
          my_hashes[{e.source, e.kind}].insert(prov::ingest::primary_infohash(e));
        }
    for (const auto& e : reference_events(dir))
      if (compared(e)) {
        ref[{e.source, e.kind}].push_back(row(e));
        ref_hashes[{e.source, e.kind}].insert(prov::ingest::primary_infohash(e));
      }
    REQUIRE(!ref.empty());
    for (auto& [k, rows] : ref) {
      INFO(k.first << " " << k.second);
      std::sort(rows.begin(), rows.end());
      auto& m = mine[k];
      std::sort(m.begin(), m.end());
      CHECK(m == rows);
      // Torrents named only by name (Transmission) or not at all (aria2, qBittorrent's peer
      // list) are resolved through the other logs to the same hashes the reference finds
      // through the .torrent files. (Where no log says whether 20 bytes are a v1 hash or a
      // truncated v2 hash, the event keeps them as announced, so compare the primary hash.)
      CHECK(my_hashes[k] == ref_hashes[k]);
    }
    for (const auto& [k, rows] : mine) {
      INFO(k.first << " " << k.second);
      if (k.first != "lt-alerts-text") {
        CHECK(ref.count(k) == 1);
        continue;
      }
      // libtorrent's text log (no reference events): its PIECE messages are the blocks of the
      // JSON alerts, hexadecimal offsets and lengths read right, torrent resolved by name.
      auto blocks = [](const std::vector<Row>& rs) {
        std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> out;
        for (const auto& r : rs) out.emplace_back(std::get<2>(r), std::get<3>(r), std::get<4>(r));
        std::sort(out.begin(), out.end());
        return out;
      };
      const auto json_key = std::make_pair(std::string("lt-agent-jsonl"), k.second);
      REQUIRE(ref.count(json_key) == 1);
      CHECK(blocks(rows) == blocks(ref[json_key]));
      CHECK(my_hashes[k] == ref_hashes[json_key]);
    }
  }
}

TEST_CASE("times: stated values kept, UTC only when the zone is known or given by --tz") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  const auto s1 = prov::test::scenario_dirs(root).at(0);
  std::map<std::pair<std::string, std::uint64_t>, std::string> ref_time;
  for (const auto& e : reference_events(s1))
    ref_time[{std::filesystem::path(e.source_file).filename().string(), e.source_line}] = e.time_utc;
  const auto plain = parse_scenario(s1);
  prov::ingest::SeedLogOptions utc;
  utc.tz = "UTC";
  const auto assumed = parse_scenario(s1, utc);
  prov::ingest::SeedLogOptions berlin;
  berlin.tz = "Europe/Berlin";
  const auto cet = parse_scenario(s1, berlin);
  REQUIRE(plain.size() == assumed.size());
  std::size_t checked = 0;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    REQUIRE(plain[i].events.size() == assumed[i].events.size());
    const bool local = plain[i].format == "transmission-deep" || plain[i].format == "aria2-debug";
    CHECK(plain[i].assumptions.empty());
    CHECK(assumed[i].assumptions.empty() == !local);
    for (std::size_t k = 0; k < plain[i].events.size(); ++k) {
      const SeedEvent& p = plain[i].events[k];
      const SeedEvent& a = assumed[i].events[k];
      const SeedEvent& b = cet[i].events[k];
      INFO(p.raw);
      CHECK(p.time_stated == a.time_stated);
      if (local) {
        CHECK(p.time_zone == "zone_unknown");
        CHECK(p.time_utc.empty());
        CHECK(a.time_zone == "assumed UTC");
        CHECK(!a.time_assumption.empty());
        // Europe/Berlin is UTC+1 in November: an hour earlier in UTC.
        const int ha = std::stoi(a.time_utc.substr(11, 2)), hb = std::stoi(b.time_utc.substr(11, 2));
        CHECK((ha - hb + 24) % 24 == 1);
      } else if (plain[i].format == "transmission-remote-info") {
        CHECK(p.time_zone == "not stated");  // a summary printed at the end: no time on it
      } else {
        CHECK(p.time_zone == "UTC");
        CHECK(p.time_utc == a.time_utc);
      }
      auto it = ref_time.find({std::filesystem::path(p.source_file).filename().string(), p.source_line});
      if (it != ref_time.end() && p.kind != "announce_sent" && !(p.source == "nginx-tracker-text")) {
        // The reference reads local stamps as UTC and keeps milliseconds.
        const std::string mine = a.time_precision == "us" ? a.time_utc.substr(0, 23) + "Z" : a.time_utc;
        CHECK(mine == it->second);
        ++checked;
      }
    }
  }
  CHECK(checked > 50);
}

TEST_CASE("peer ids keep raw bytes and name their client") {
  using prov::ingest::client_from_peer_id;
  CHECK(client_from_peer_id("-TR3000-ypme6daznjc3") == "Transmission 3.00");
  CHECK(client_from_peer_id("-qB4520-!FeGmL54FwB5") == "qBittorrent 4.5.2");
  CHECK(client_from_peer_id("-DE203s-uOf*Tem)sewQ") == "Deluge 2.0.3");
  CHECK(client_from_peer_id("-lt0D80-\x11\xd8s\x9d\xc1\x89\x01\x0b\xbep\xb9,") == "libTorrent (rTorrent) 0.13.8");
  CHECK(client_from_peer_id(std::string("A2-1-36-0-\xf5j#$ \x14\xfc$\xc6\xe7", 20)) == "aria2 1.36.0");
  CHECK(client_from_peer_id("garbage") == "");
  CHECK(prov::ingest::printable_bytes(std::string("A2-\xf5\x00", 5)) == "A2-\\xf5\\x00");
}

TEST_CASE("a hybrid torrent's v1 and truncated v2 announces are one torrent") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  for (const auto& dir : prov::test::scenario_dirs(root)) {
    if (dir.filename().string().rfind("s3-", 0) != 0) continue;
    const auto logs = parse_scenario(dir);
    std::set<std::string> kinds, v1s;
    for (const auto& l : logs)
      for (const auto& e : l.events)
        if (e.kind == "announce") {
          kinds.insert(e.infohash_wire_kind);
          v1s.insert(e.infohash_v1);
          CHECK(prov::ingest::primary_infohash(e) == e.infohash_v1);
        }
    CHECK(kinds == std::set<std::string>{"v1", "v2-truncated"});
    CHECK(v1s.size() == 1);
  }
}

TEST_CASE("unreadable lines are reported with file and line and skipped") {
  const std::string good =
      R"({"time":"2026-11-28T04:39:15+00:00","msec":"1795840755.557","remote_addr":"127.0.0.1","path":"/announce","query":"info_hash=%c5%0ed%7f%ea%e3gE%cc%1b%de%26u%3e%f3%95r%cf%21%bc&peer_id=-TR3000-ypme6daznjc3&port=51413&uploaded=100&downloaded=0&left=0&event=started","user_agent":"Transmission/3.00"})";
  const std::string text = good + "\n" + "{not json\n" +
                           R"({"msec":"1.000","remote_addr":"x","path":"/announce","query":"info_hash=short"})" + "\n" +
                           good + "\n";
  auto log = prov::ingest::parse_seedlog(text, "t.jsonl");
  REQUIRE(log.ok());
  CHECK(log->format == "nginx-tracker-jsonl");
  CHECK(log->events.size() == 2);
  CHECK(log->skipped_lines == 2);
  REQUIRE(log->errors.size() == 2);
  CHECK(log->errors[0].line == 2u);
  CHECK(log->errors[1].line == 3u);
  CHECK(log->errors[1].describe().find("t.jsonl:3") != std::string::npos);
  CHECK(log->events[0].bytes_up == 100u);
  CHECK(log->events[0].infohash_wire == "c50e647feae36745cc1bde26753ef39572cf21bc");
  CHECK(log->events[0].peer_id_client == "Transmission 3.00");
  CHECK(log->events[0].peer_port_kind == "listen");
  CHECK(log->events[0].rank == prov::ingest::EvidenceRank::kTrackerClaim);

  prov::ingest::SeedLogOptions small;
  small.max_line_bytes = 100;
  auto cut = prov::ingest::parse_seedlog(text, "t.jsonl", small);
  REQUIRE(cut.ok());
  CHECK(cut->events.empty());
  CHECK(cut->skipped_lines == 4);  // three lines over the limit, one not JSON
}

TEST_CASE("unknown formats, bad --tz and --date are refused") {
  CHECK(prov::ingest::parse_seedlog("hello world\n", "x.log").error().code == prov::Errc::kUnsupported);
  CHECK(prov::ingest::parse_seedlog("", "x.log").error().code == prov::Errc::kUnsupported);
  prov::ingest::SeedLogOptions o;
  o.tz = "Mars/Olympus";
  CHECK(prov::ingest::parse_seedlog("1795840859 I x\n", "x.log", o).error().code == prov::Errc::kUsage);
  o.tz = "+02:00";
  CHECK(prov::ingest::parse_seedlog("1795840859 I x\n", "x.log", o).ok());
  o.date = "2026-13-01";
  CHECK(prov::ingest::parse_seedlog("1795840859 I x\n", "x.log", o).error().code == prov::Errc::kUsage);
}

TEST_CASE("seeding-event/1 round-trips through its JSON") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  const auto logs = parse_scenario(prov::test::scenario_dirs(root).at(1));
  std::size_t n = 0;
  for (const auto& l : logs)
    for (const auto& e : l.events) {
      const std::string j = prov::ingest::seed_event_json(e);
      auto back = prov::ingest::parse_seed_event_json(j);
      REQUIRE(back.ok());
      CHECK(prov::ingest::seed_event_json(*back) == j);
      ++n;
    }
  CHECK(n > 100);
  // A file of such lines is itself a log: the events come back unchanged.
  std::string all;
  for (const auto& e : logs.front().events) all += prov::ingest::seed_event_json(e) + "\n";
  auto again = prov::ingest::parse_seedlog(all, "events.jsonl");
  REQUIRE(again.ok());
  CHECK(again->format == "seeding-event-jsonl");
  REQUIRE(again->events.size() == logs.front().events.size());
  for (std::size_t i = 0; i < again->events.size(); ++i)
    CHECK(prov::ingest::seed_event_json(again->events[i]) == prov::ingest::seed_event_json(logs.front().events[i]));
}

TEST_CASE("a time of day only becomes a time with --date (and --tz), else stays as stated") {
  PROV_REQUIRE_TORRENT_EVIDENCE(root);
  for (const auto& dir : prov::test::scenario_dirs(root)) {
    for (const auto& f : prov::test::evidence_logs(dir)) {
      const std::string fname = f.filename().string();
      if (fname.rfind("deluge-", 0) != 0 || fname.find("-debug.log") == std::string::npos) continue;
      INFO(f.string());
      auto plain = prov::ingest::read_seedlog(f);
      REQUIRE(plain.ok());
      REQUIRE(!plain->events.empty());
      prov::ingest::SeedLogOptions o;
      o.date = "2026-11-28";
      o.tz = "UTC";
      auto dated = prov::ingest::read_seedlog(f, o);
      REQUIRE(dated.ok());
      REQUIRE(dated->events.size() == plain->events.size());
      CHECK(dated->assumptions.size() == 1);
      for (std::size_t i = 0; i < plain->events.size(); ++i) {
        CHECK(plain->events[i].time_zone == "zone_unknown");
        CHECK(plain->events[i].time_utc.empty());
        CHECK(plain->events[i].time_stated.size() == 8);
        CHECK(dated->events[i].time_utc == "2026-11-28T" + plain->events[i].time_stated + "Z");
        CHECK(dated->events[i].time_assumption.find("2026-11-28") != std::string::npos);
      }
    }
  }
}
