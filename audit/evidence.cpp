// audit/evidence.cpp: stores seeding events in the index and summarises them per torrent.
#include "audit/evidence.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "common/json_writer.hpp"

namespace prov::audit {
namespace {

constexpr const char* kLogPrefix = "log/";
constexpr const char* kEventPrefix = "event/";
constexpr std::size_t kBatch = 20'000;  // records a write batch

std::string pad(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
  return buf;
}

std::string log_record_json(const ingest::SeedLog& l) {
  JsonWriter w;
  w.begin_object()
      .field("schema", "provaudit/seeding-log/1")
      .field("path", l.path)
      .field("sha256", l.sha256)
      .field("bytes", l.bytes)
      .field("lines", l.lines)
      .field("format", l.format)
      .field("client", l.client)
      .field("observer", l.observer)
      .field("events", static_cast<std::uint64_t>(l.events.size()))
      .field("skipped_lines", l.skipped_lines)
      .field_strings("assumptions", l.assumptions);
  w.key("torrents").begin_array();
  for (const auto& t : l.torrents) {
    w.begin_object().field_strings("hashes", t.hashes).field_strings("names", t.names).end_object();
  }
  w.end_array();
  w.key("errors").begin_array();
  for (const auto& e : l.errors) {
    w.begin_object().field("line", e.line.value_or(0)).field("reason", e.message).end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace

Result<EvidenceAddResult> add_evidence(index::Index& idx, const std::vector<std::string>& paths,
                                       const ingest::SeedLogOptions& options) {
  EvidenceAddResult out;
  std::vector<ingest::SeedLog> logs;
  std::set<std::string> seen;
  for (const auto& p : paths) {
    auto log = ingest::read_seedlog(p, options);
    if (!log) {
      if (log.error().code == Errc::kUsage) return std::move(log).error();  // bad --tz/--date
      out.errors.push_back(std::move(log).error());
      continue;
    }
    if (!seen.insert(log->sha256).second) continue;  // the same bytes twice in one call
    logs.push_back(std::move(*log));
  }
  // Resolve across every log of the call (a Transmission log names torrents by name only).
  ingest::resolve_torrents(logs);
  std::vector<std::pair<std::string, std::string>> records;
  for (const auto& l : logs) {
    AddedLog a{l.path, l.sha256, l.format, l.observer, l.lines, l.events.size(), l.skipped_lines, false};
    for (const auto& e : l.errors) out.errors.push_back(e);
    if (l.skipped_lines > l.errors.size())
      out.errors.push_back(make_error(Errc::kFormat,
                                      std::to_string(l.skipped_lines - l.errors.size()) +
                                          " more unreadable lines not listed",
                                      l.path));
    if (idx.get_evidence(kLogPrefix + l.sha256)) {
      a.already_present = true;
      out.logs.push_back(std::move(a));
      continue;
    }
    std::map<std::uint64_t, int> per_line;
    for (const auto& e : l.events) {
      // Events go out in batches; the log record goes last, so a log is marked present only
      // once all its events are stored (a re-add after a failure rewrites the same keys).
      if (records.size() >= kBatch) {
        if (auto st = idx.put_evidence(records); !st) return std::move(st).error();
        records.clear();
      }
      std::string hash = ingest::primary_infohash(e);
      if (hash.empty()) hash = "unresolved";
      const int n = per_line[e.source_line]++;
      records.emplace_back(std::string(kEventPrefix) + hash + "/" + l.sha256 + "/" + pad(e.source_line, 10) + "." +
                               pad(static_cast<std::uint64_t>(n), 4),
                           ingest::seed_event_json(e));
    }
    records.emplace_back(kLogPrefix + l.sha256, log_record_json(l));
    out.logs.push_back(std::move(a));
  }
  if (!records.empty()) {
    if (auto st = idx.put_evidence(records); !st) return std::move(st).error();
  }
  return out;
}

// ---- reading back ------------------------------------------------------------------------

namespace {

// Hash groups from the stored log records.
Result<std::vector<std::vector<std::string>>> stored_groups(const index::Index& idx) {
  std::vector<std::vector<std::string>> groups;
  simdjson::dom::parser parser;
  std::optional<Error> bad;
  auto st = idx.scan_evidence(kLogPrefix, [&](std::string_view key, std::string_view value) {
    simdjson::dom::element doc;
    if (parser.parse(value.data(), value.size()).get(doc)) {
      bad = make_error(Errc::kFormat, "evidence record " + std::string(key) + " is not JSON");
      return false;
    }
    simdjson::dom::array torrents;
    if (doc["torrents"].get_array().get(torrents)) return true;
    for (auto t : torrents) {
      simdjson::dom::array hashes;
      if (t["hashes"].get_array().get(hashes)) continue;
      std::vector<std::string> g;
      for (auto h : hashes) {
        std::string_view s;
        if (!h.get_string().get(s)) g.emplace_back(s);
      }
      if (!g.empty()) groups.push_back(std::move(g));
    }
    return true;
  });
  if (!st) return std::move(st).error();
  if (bad) return *bad;
  return groups;
}

std::vector<std::vector<std::string>> merge_groups(std::vector<std::vector<std::string>> groups) {
  std::map<std::string, std::string> parent;
  std::function<std::string(const std::string&)> find = [&](const std::string& h) -> std::string {
    auto it = parent.find(h);
    if (it == parent.end() || it->second == h) return h;
    return it->second = find(it->second);
  };
  auto unite = [&](const std::string& a, const std::string& b) {
    parent.emplace(a, a);
    parent.emplace(b, b);
    const std::string ra = find(a), rb = find(b);
    if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
  };
  for (const auto& g : groups)
    for (const auto& h : g) unite(g.front(), h);
  std::vector<std::string> v2s;
  for (const auto& [h, p] : parent)
    if (h.size() == 64) v2s.push_back(h);
  for (const auto& h : v2s)
    if (parent.count(h.substr(0, 40))) unite(h, h.substr(0, 40));
  std::map<std::string, std::vector<std::string>> by_root;
  std::vector<std::string> all;
  for (const auto& [h, p] : parent) all.push_back(h);
  for (const auto& h : all) by_root[find(h)].push_back(h);
  std::vector<std::vector<std::string>> out;
  for (auto& [r, g] : by_root) {
    std::sort(g.begin(), g.end());
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct PeerName {
  std::string name, how;
};
// The peer as the source names it: by peer id when the record has one, else by address and
// the listen port when known, else the connection port (normalize.py's rule).
PeerName peer_name(const ingest::SeedEvent& e) {
  if (!e.peer_id.empty()) return {e.peer_id, "peer id"};
  if (e.peer_ip.empty() && !e.peer_port) return {};
  if (e.peer_listen_port) return {e.peer_ip + ":" + std::to_string(*e.peer_listen_port), "address:listen port"};
  if (e.peer_port)
    return {e.peer_ip + ":" + std::to_string(*e.peer_port),
            e.peer_port_kind == "listen" ? "address:listen port" : "address:" + e.peer_port_kind + " port"};
  return {e.peer_ip, "address"};
}

std::string time_key(const ingest::SeedEvent& e) { return e.time_utc.empty() ? e.time_stated : e.time_utc; }

void touch(FlowGroup& g, const ingest::SeedEvent& e) {
  const std::string t = time_key(e);
  if (g.events == 0 || t < g.first_time) g.first_time = t;
  if (g.events == 0 || t >= g.last_time) g.last_time = t;
  if (e.time_utc.empty()) g.zone_unknown = true;
  if (g.events == 0 || e.source_line < g.first_line) g.first_line = e.source_line;
  if (e.source_line > g.last_line) g.last_line = e.source_line;
  ++g.events;
  if (g.bytes_counts.empty()) g.bytes_counts = e.bytes_counts;
  if (g.peer_client.empty()) g.peer_client = !e.peer_client.empty() ? e.peer_client : e.peer_id_client;
  if (g.observer_peer_id_hex.empty()) g.observer_peer_id_hex = e.observer_peer_id_hex;
}

FlowGroup start(const ingest::SeedEvent& e, const PeerName& p) {
  FlowGroup g;
  g.observer = e.observer;
  g.client = e.client;
  g.source = e.source;
  g.source_file = e.source_file;
  g.peer = p.name;
  g.peer_named_by = p.how;
  return g;
}

}  // namespace

Result<std::vector<std::vector<std::string>>> evidence_torrents(const index::Index& idx) {
  auto groups = stored_groups(idx);
  if (!groups) return std::move(groups).error();
  return merge_groups(std::move(*groups));
}

namespace {

// The group of `groups` that `hash` belongs to, or {hash}.
std::vector<std::string> group_of(const std::vector<std::vector<std::string>>& groups, const std::string& hash) {
  for (const auto& g : groups) {
    if (std::find(g.begin(), g.end(), hash) != g.end()) return g;
    for (const auto& h : g)  // a truncated v2 hash given for a stored full one
      if (h.size() == 64 && hash.size() == 40 && h.compare(0, 40, hash) == 0) return g;
  }
  return std::vector<std::string>{hash};
}

}  // namespace

Result<std::vector<std::string>> torrent_of_hash(const index::Index& idx, const std::string& hash) {
  auto all = evidence_torrents(idx);
  if (!all) return std::move(all).error();
  return group_of(*all, hash);
}

Result<TorrentSummary> summarize_torrent(const index::Index& idx, const std::vector<std::string>& hashes) {
  TorrentSummary s;
  s.hashes = hashes;
  std::sort(s.hashes.begin(), s.hashes.end());
  s.hashes.erase(std::unique(s.hashes.begin(), s.hashes.end()), s.hashes.end());
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, FlowGroup> up, recv, counters, claims;
  std::map<Key, std::set<std::uint64_t>> pieces_up, pieces_recv;
  std::set<std::string> names;
  std::optional<Error> bad;
  for (const auto& h : s.hashes) {
    auto st = idx.scan_evidence(std::string(kEventPrefix) + h + "/", [&](std::string_view key, std::string_view value) {
      auto ev = ingest::parse_seed_event_json(value);
      if (!ev) {
        bad = make_error(Errc::kFormat, "evidence record " + std::string(key) + ": " + ev.error().message);
        return false;
      }
      const ingest::SeedEvent& e = *ev;
      ++s.events;
      if (!e.torrent_name.empty()) names.insert(e.torrent_name);
      if (e.time_utc.empty()) {
        ++s.zone_unknown_events;
      } else {
        if (s.first_time.empty() || e.time_utc < s.first_time) s.first_time = e.time_utc;
        if (e.time_utc > s.last_time) s.last_time = e.time_utc;
      }
      const PeerName p = peer_name(e);
      if (e.kind == "block_sent" || e.kind == "block_received") {
        const bool sent = e.kind == "block_sent";
        Key k{e.observer, e.source, e.source_file, p.name, ""};
        auto& m = sent ? up : recv;
        auto it = m.try_emplace(k, start(e, p)).first;
        touch(it->second, e);
        it->second.bytes += e.length.value_or(0);
        if (e.piece_index) (sent ? pieces_up : pieces_recv)[k].insert(*e.piece_index);
      } else if (e.kind == "transfer_totals") {
        Key k{e.observer, e.source, e.source_file, e.scope, p.name};
        auto it = counters.try_emplace(k, start(e, p)).first;
        FlowGroup& g = it->second;
        g.scope = e.scope;
        const bool later = g.events == 0 || time_key(e) >= g.last_time;
        touch(g, e);
        if (later) {
          g.last_up = e.bytes_up;
          g.last_down = e.bytes_down;
        }
        if (e.bytes_up && (!g.max_up || *e.bytes_up > *g.max_up)) g.max_up = e.bytes_up;
      } else if (e.kind == "announce" || e.kind == "announce_sent") {
        // The claimant: the announcing peer (tracker records) or the observer itself.
        PeerName who = e.kind == "announce" ? p : PeerName{e.observer, "observer"};
        Key k{e.observer, e.source, e.source_file, who.name, e.infohash_wire_kind};
        auto it = claims.try_emplace(k, start(e, who)).first;
        FlowGroup& g = it->second;
        g.wire_kind = e.infohash_wire_kind;
        const bool later = g.events == 0 || time_key(e) >= g.last_time;
        touch(g, e);
        if (later) {
          g.last_up = e.bytes_up;
          g.last_down = e.bytes_down;
          g.last_event = e.announce_event;
        }
        if (e.bytes_up && (!g.max_up || *e.bytes_up > *g.max_up)) g.max_up = e.bytes_up;
      }
      return true;
    });
    if (!st) return std::move(st).error();
    if (bad) return *bad;
  }
  s.names.assign(names.begin(), names.end());
  int strongest = 0;
  auto note = [&](int rank, bool shows) {
    if (shows && (strongest == 0 || rank < strongest)) strongest = rank;
  };
  for (auto& [k, g] : up) {
    g.pieces = pieces_up[k].size();
    note(1, g.bytes > 0);
    s.uploader_blocks.push_back(g);
  }
  for (auto& [k, g] : recv) {
    g.pieces = pieces_recv[k].size();
    note(2, g.bytes > 0);
    s.receiver_blocks.push_back(g);
  }
  for (auto& [k, g] : counters) {
    note(3, g.max_up.value_or(0) > 0);
    s.counters.push_back(g);
  }
  for (auto& [k, g] : claims) {
    note(4, g.max_up.value_or(0) > 0);
    s.tracker_claims.push_back(g);
  }
  s.strongest_rank = strongest;
  return s;
}

Result<std::vector<std::string>> torrent_events(const index::Index& idx, const std::vector<std::string>& hashes) {
  std::vector<std::string> sorted = hashes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::string> out;
  for (const auto& h : sorted) {
    auto st = idx.scan_evidence(std::string(kEventPrefix) + h + "/", [&](std::string_view, std::string_view value) {
      out.emplace_back(value);
      return true;
    });
    if (!st) return std::move(st).error();
  }
  return out;
}

std::vector<std::string> torrent_hashes(const ingest::TorrentMeta& meta) {
  std::vector<std::string> out;
  if (!meta.info_hash_v1.empty()) out.push_back(meta.info_hash_v1);
  if (!meta.info_hash_v2.empty()) {
    out.push_back(meta.info_hash_v2);
    out.push_back(meta.info_hash_v2_truncated());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

bool hex_hash(const std::string& h) {
  if (h.size() != 40 && h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The record of the first of `hashes` the index has a torrent under; nullopt when none.
Result<std::optional<TorrentRecord>> record_of(const index::Index& idx, const std::vector<std::string>& hashes) {
  for (const auto& h : hashes) {
    if (!hex_hash(h)) continue;  // "unresolved"
    auto r = find_torrent(idx, h);
    if (!r) return std::move(r).error();
    if (*r) return r;
  }
  return std::optional<TorrentRecord>();
}

}  // namespace

Result<std::vector<std::vector<std::string>>> linked_torrents_of_work(const index::Index& idx,
                                                                      const std::string& work_id) {
  auto links = links_for_work(idx, work_id);
  if (!links) return std::move(links).error();
  std::vector<std::vector<std::string>> out;
  std::set<std::string> seen;
  for (const auto& l : *links) {
    if (!seen.insert(l.torrent).second) continue;
    auto r = find_torrent(idx, l.torrent);
    if (!r) return std::move(r).error();
    out.push_back(*r ? torrent_hashes((*r)->meta) : std::vector<std::string>{l.torrent});
  }
  return out;
}

Status attach_torrent_record(const index::Index& idx, TorrentSummary& summary, const std::string& work_id) {
  auto rec = record_of(idx, summary.hashes);
  if (!rec) return std::move(rec).error();
  if (!*rec) return Ok{};
  const ingest::TorrentMeta& m = (*rec)->meta;
  summary.record = TorrentRecordInfo{m.primary_hash(), m.kind, m.name, m.info_hash_v1, m.info_hash_v2,
                                     m.info_hash_v2_truncated()};
  for (auto& h : torrent_hashes(m)) summary.hashes.push_back(h);
  std::sort(summary.hashes.begin(), summary.hashes.end());
  summary.hashes.erase(std::unique(summary.hashes.begin(), summary.hashes.end()), summary.hashes.end());
  auto links = work_id.empty() ? links_for_torrent(idx, m.primary_hash()) : links_for_work(idx, work_id);
  if (!links) return std::move(links).error();
  std::set<std::string> works;
  summary.verified_files.clear();
  for (auto& l : *links) {
    if (l.torrent != m.primary_hash()) continue;
    works.insert(l.work_id);
    summary.verified_files.push_back(std::move(l));
  }
  std::stable_sort(summary.verified_files.begin(), summary.verified_files.end(),
                   [](const TorrentLink& a, const TorrentLink& b) { return a.file_index < b.file_index; });
  summary.linked_works.assign(works.begin(), works.end());
  return Ok{};
}

Result<std::vector<std::vector<std::string>>> merge_by_record(const index::Index& idx,
                                                              std::vector<std::vector<std::string>> sets) {
  std::vector<std::vector<std::string>> out;
  std::map<std::string, std::size_t> by_primary;
  for (auto& set : sets) {
    auto rec = record_of(idx, set);
    if (!rec) return std::move(rec).error();
    if (!*rec) {
      out.push_back(std::move(set));
      continue;
    }
    const std::string primary = (*rec)->meta.primary_hash();
    auto [it, fresh] = by_primary.emplace(primary, out.size());
    if (fresh) out.emplace_back();
    auto& dst = out[it->second];
    dst.insert(dst.end(), set.begin(), set.end());
    for (auto& h : torrent_hashes((*rec)->meta)) dst.push_back(h);
    std::sort(dst.begin(), dst.end());
    dst.erase(std::unique(dst.begin(), dst.end()), dst.end());
  }
  return out;
}

Result<WorkTorrentEvidence> work_evidence(const index::Index& idx, const std::string& work_id,
                                   const std::vector<std::vector<std::string>>& extra_torrents,
                                   const std::optional<std::filesystem::path>& run) {
  WorkTorrentEvidence w;
  w.work_id = work_id;
  auto linked = linked_torrents_of_work(idx, work_id);
  if (!linked) return std::move(linked).error();
  std::vector<std::vector<std::string>> sets = std::move(*linked);
  sets.insert(sets.end(), extra_torrents.begin(), extra_torrents.end());
  auto groups = evidence_torrents(idx);  // one scan of the events, not one per hash
  if (!groups) return std::move(groups).error();
  for (auto& hashes : sets) {
    // Widen each torrent to every hash the stored logs link it to.
    std::set<std::string> all(hashes.begin(), hashes.end());
    for (const auto& h : hashes) {
      const auto g = group_of(*groups, h);
      all.insert(g.begin(), g.end());
    }
    hashes.assign(all.begin(), all.end());
  }
  auto merged = merge_by_record(idx, std::move(sets));
  if (!merged) return std::move(merged).error();
  // A torrent named twice (by a link and by the user, or by two of its hashes) is one.
  std::vector<std::vector<std::string>> uniq;
  for (auto& s : *merged) {
    bool joined = false;
    for (auto& u : uniq) {
      if (std::find_first_of(u.begin(), u.end(), s.begin(), s.end()) == u.end()) continue;
      std::set<std::string> all(u.begin(), u.end());
      all.insert(s.begin(), s.end());
      u.assign(all.begin(), all.end());
      joined = true;
      break;
    }
    if (!joined) uniq.push_back(std::move(s));
  }
  std::sort(uniq.begin(), uniq.end());
  for (const auto& hashes : uniq) {
    auto s = summarize_torrent(idx, hashes);
    if (!s) return std::move(s).error();
    if (auto st = attach_torrent_record(idx, *s, work_id); !st) return std::move(st).error();
    w.torrents.push_back(std::move(*s));
  }
  if (run) {
    const auto file = *run / "matches.jsonl";
    std::ifstream in(file, std::ios::binary);
    if (!in) return make_error(Errc::kIo, "cannot read matches.jsonl", file.string());
    simdjson::dom::parser parser;
    std::string line;
    std::uint64_t passages = 0, near = 0, n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty()) continue;
      simdjson::dom::element doc;
      if (parser.parse(line).get(doc)) {
        Error e = make_error(Errc::kFormat, "matches.jsonl line is not JSON", file.string());
        e.line = n;
        return e;
      }
      std::string_view id, kind;
      if (doc["work_id"].get_string().get(id) || id != work_id) continue;
      if (doc["kind"].get_string().get(kind)) kind = "passage";
      (kind == "near_duplicate" ? near : passages)++;
    }
    w.passages = passages;
    w.near_duplicates = near;
  }
  return w;
}

// ---- rendering ---------------------------------------------------------------------------

namespace {

void group_json(JsonWriter& w, const FlowGroup& g, bool blocks) {
  w.begin_object()
      .field("observer", g.observer)
      .field("client", g.client)
      .field("observer_peer_id_hex", g.observer_peer_id_hex)
      .field("source", g.source)
      .field("source_file", g.source_file)
      .field("peer", g.peer)
      .field("peer_named_by", g.peer_named_by)
      .field("peer_client", g.peer_client);
  if (!g.scope.empty()) w.field("scope", g.scope);
  if (!g.wire_kind.empty()) w.field("infohash_wire_kind", g.wire_kind);
  w.field("events", g.events);
  if (blocks) {
    w.field("bytes", g.bytes).field("pieces", g.pieces);
  } else {
    auto opt = [&](const char* k, const std::optional<std::uint64_t>& v) {
      w.key(k);
      if (v) w.value(*v);
      else w.null();
    };
    opt("last_up", g.last_up);
    opt("max_up", g.max_up);
    opt("last_down", g.last_down);
    if (!g.last_event.empty()) w.field("last_announce_event", g.last_event);
  }
  w.field("bytes_counts", g.bytes_counts)
      .field("first_time", g.first_time)
      .field("last_time", g.last_time)
      .field("zone_unknown", g.zone_unknown)
      .field("first_line", g.first_line)
      .field("last_line", g.last_line)
      .end_object();
}

void torrent_json(JsonWriter& w, const TorrentSummary& t) {
  w.begin_object()
      .field_strings("hashes", t.hashes)
      .field_strings("names", t.names)
      .field("events", t.events)
      .field("first_time", t.first_time)
      .field("last_time", t.last_time)
      .field("zone_unknown_events", t.zone_unknown_events)
      .field("strongest_rank", t.strongest_rank)
      .field("strongest_rank_name",
             t.strongest_rank ? ingest::evidence_rank_name(static_cast<ingest::EvidenceRank>(t.strongest_rank)) : "none");
  auto list = [&](const char* k, const std::vector<FlowGroup>& gs, bool blocks) {
    w.key(k).begin_array();
    for (const auto& g : gs) group_json(w, g, blocks);
    w.end_array();
  };
  list("uploader_blocks", t.uploader_blocks, true);
  list("receiver_blocks", t.receiver_blocks, true);
  list("counters", t.counters, false);
  list("tracker_claims", t.tracker_claims, false);
  w.key("record");
  if (t.record) {
    w.begin_object()
        .field("primary", t.record->primary)
        .field("kind", t.record->kind)
        .field("name", t.record->name)
        .field("info_hash_v1", t.record->info_hash_v1)
        .field("info_hash_v2", t.record->info_hash_v2)
        .field("info_hash_v2_truncated", t.record->info_hash_v2_truncated)
        .end_object();
  } else {
    w.null();
  }
  w.key("verified_files").begin_array();
  for (const auto& l : t.verified_files)
    w.begin_object()
        .field("work_id", l.work_id)
        .field("file_index", l.file_index)
        .field("path", l.path)
        .field("size", l.size)
        .field("method", l.method)
        .field("pieces", l.pieces)
        .field("pieces_proven", l.pieces_proven)
        .field("bytes_proven", l.bytes_proven)
        .field("data_path", l.data_path)
        .end_object();
  w.end_array();
  w.field_strings("linked_works", t.linked_works);
  w.end_object();
}

std::string opt_text(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "-"; }

// A peer id stored as hex, shown as printable text (`\xNN` for other bytes).
std::string peer_id_text(const std::string& hex) {
  std::string raw;
  auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<char>(v(hex[i]) * 16 + v(hex[i + 1])));
  return ingest::printable_bytes(raw);
}

void torrent_text(std::string& o, const TorrentSummary& t, const std::string& indent) {
  o += indent + "torrent";
  for (const auto& h : t.hashes) o += " " + h;
  o += "\n";
  if (t.record) {
    const auto& r = *t.record;
    o += indent + "  recorded: \"" + r.name + "\" (" + r.kind + ")" +
         (r.info_hash_v1.empty() ? "" : ", v1 " + r.info_hash_v1) +
         (r.info_hash_v2.empty() ? "" : ", v2 " + r.info_hash_v2 + ", truncated v2 " + r.info_hash_v2_truncated) + "\n";
    if (t.verified_files.empty()) o += indent + "  no file of it is proven to be an indexed work\n";
    for (const auto& l : t.verified_files)
      o += indent + "  verified file " + std::to_string(l.file_index) + " \"" + l.path + "\" (" +
           std::to_string(l.size) + " bytes, " + std::to_string(l.bytes_proven) + " proven by " +
           std::to_string(l.pieces_proven) + "/" + std::to_string(l.pieces) + " " + l.method + " pieces) = work " +
           l.work_id + ", local copy \"" + l.data_path + "\"\n";
  } else {
    o += indent + "  no torrent record in the index (torrent add --data links its files to works)\n";
  }
  if (!t.names.empty()) {
    o += indent + "  name:";
    for (const auto& n : t.names) o += " \"" + n + "\"";
    o += "\n";
  }
  o += indent + "  " + std::to_string(t.events) + " events, UTC " + t.first_time + " .. " + t.last_time +
       (t.zone_unknown_events ? " (+" + std::to_string(t.zone_unknown_events) + " with zone unknown)" : "") +
       "; strongest upload evidence: " +
       (t.strongest_rank ? std::to_string(t.strongest_rank) + " (" +
                               ingest::evidence_rank_name(static_cast<ingest::EvidenceRank>(t.strongest_rank)) + ")"
                         : std::string("none")) +
       "\n";
  auto when = [](const FlowGroup& g) {
    return (g.first_time.empty() ? std::string("no time stated")
                                 : g.first_time + " .. " + g.last_time + (g.zone_unknown ? " (zone unknown)" : "")) +
           ", " + g.source_file +
           " lines " + std::to_string(g.first_line) + "-" + std::to_string(g.last_line);
  };
  for (const auto& g : t.uploader_blocks)
    o += indent + "  [1 uploader's blocks] " + g.observer + " (" + g.client +
         (g.observer_peer_id_hex.empty() ? "" : ", own peer id " + peer_id_text(g.observer_peer_id_hex)) + ") sent " + std::to_string(g.bytes) +
         " bytes in " + std::to_string(g.events) + " blocks, " + std::to_string(g.pieces) + " pieces, to " + g.peer +
         " (" + g.peer_named_by + (g.peer_client.empty() ? "" : ", " + g.peer_client) + "); " + when(g) + "\n";
  for (const auto& g : t.receiver_blocks)
    o += indent + "  [2 receiver's blocks] " + g.peer + " (" + g.peer_named_by +
         (g.peer_client.empty() ? "" : ", " + g.peer_client) + ") sent " + std::to_string(g.bytes) + " bytes in " +
         std::to_string(g.events) + " blocks, " + std::to_string(g.pieces) + " pieces, to " + g.observer + " (" +
         g.client + "), per its log; " + when(g) + "\n";
  for (const auto& g : t.counters)
    o += indent + "  [3 " + g.scope + " counter] " + g.observer + " (" + g.source + ")" +
         (g.peer.empty() ? "" : " with " + g.peer + " (" + g.peer_named_by + ")") + ": uploaded " +
         opt_text(g.last_up) + " (max " + opt_text(g.max_up) + "), downloaded " + opt_text(g.last_down) + "; " + when(g) +
         "\n";
  for (const auto& g : t.tracker_claims)
    o += indent + "  [4 tracker claim] " + g.peer + " (" + g.peer_named_by + (g.wire_kind.empty() ? "" : ", " + g.wire_kind) +
         ") per " + g.observer + " (" + g.source + "): uploaded= " + opt_text(g.last_up) + " at its last announce (" +
         g.last_event + "), max " + opt_text(g.max_up) + "; " + when(g) + "\n";
  if (!t.uploader_blocks.empty() || !t.counters.empty() || !t.tracker_claims.empty())
    o += indent + "  (figures of different sources count different things and are never added; see --json bytes_counts)\n";
}

}  // namespace

std::string evidence_json(const std::vector<TorrentSummary>& torrents, const std::vector<WorkTorrentEvidence>& works) {
  JsonWriter w(true);
  w.begin_object().field("schema", "provaudit/evidence/1");
  w.key("torrents").begin_array();
  for (const auto& t : torrents) torrent_json(w, t);
  w.end_array();
  w.key("works").begin_array();
  for (const auto& wk : works) {
    w.begin_object().field("work_id", wk.work_id);
    w.key("passages");
    if (wk.passages) w.value(*wk.passages);
    else w.null();
    w.key("near_duplicates");
    if (wk.near_duplicates) w.value(*wk.near_duplicates);
    else w.null();
    w.key("torrents").begin_array();
    for (const auto& t : wk.torrents) torrent_json(w, t);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  std::string out = w.take();
  out += "\n";
  return out;
}

std::string evidence_text(const std::vector<TorrentSummary>& torrents, const std::vector<WorkTorrentEvidence>& works) {
  std::string o;
  for (const auto& t : torrents) torrent_text(o, t, "");
  for (const auto& w : works) {
    o += "work " + w.work_id + "\n";
    if (w.passages)
      o += "  passages in the run: " + std::to_string(*w.passages) + " (near duplicates " +
           std::to_string(w.near_duplicates.value_or(0)) + ")\n";
    if (w.torrents.empty()) o += "  no torrent in the index is linked to this work\n";
    for (const auto& t : w.torrents) torrent_text(o, t, "  ");
  }
  if (torrents.empty() && works.empty()) o += "no seeding evidence in the index\n";
  return o;
}

}  // namespace prov::audit
