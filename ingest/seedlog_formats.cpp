// ingest/seedlog_formats.cpp: one line parser per seeding-log format. Each maps what a line
// says onto SeedEvent fields without changing its meaning (FORMATS.md in the shared torrent
// evidence describes every format; the byte-count meanings are in ARCHITECTURE.md).
// Hand-written cursors, not std::regex: libstdc++'s regex recurses per character and a hostile
// megabyte line would overflow the stack.
#include <simdjson.h>

#include <map>
#include <set>
#include <tuple>

#include "ingest/detail/seedlog.hpp"

namespace prov::ingest::detail::seed {

namespace {

// What a byte figure counts, by the client that reported it (see ARCHITECTURE.md).
std::string counts_for(std::string_view client, std::string_view what, bool v2_blocks = false) {
  std::string base(what);
  if (client.rfind("Transmission", 0) == 0)
    return base + "; includes the 13-byte PIECE message header of every block";
  if (client.rfind("aria2", 0) == 0 || client.rfind("libTorrent (rTorrent)", 0) == 0 ||
      client.rfind("rTorrent", 0) == 0)
    return base + "; payload only";
  if (client.rfind("libtorrent", 0) == 0 || client.rfind("qBittorrent", 0) == 0 ||
      client.rfind("Deluge", 0) == 0)
    return base + (v2_blocks ? "; payload in whole 16 KiB blocks (v2/hybrid: file tails padded)"
                             : "; payload only (v2/hybrid torrents: whole 16 KiB blocks, file tails padded)");
  return base;
}

void set_wire(SeedEvent& e, std::string_view hex) {
  e.infohash_wire = lower(hex);
  e.infohash_from = "line";
}

// Fills an announce (tracker-side `announce` or client-side `announce_sent`) from a BEP 3 query
// string. Returns false (with a reason) when the query is not a usable announce.
bool fill_announce(SeedEvent& e, std::string_view query, std::string& why) {
  auto ih = query_param(query, "info_hash");
  if (!ih) {
    why = "announce without info_hash";
    return false;
  }
  const std::string hash = percent_decode(*ih);
  if (hash.size() != 20) {
    why = "info_hash decodes to " + std::to_string(hash.size()) + " bytes, not 20";
    return false;
  }
  set_wire(e, to_hex(hash));
  if (auto pid = query_param(query, "peer_id")) set_peer_id(e, percent_decode(*pid));
  auto num = [&](const char* key, std::optional<std::uint64_t>& out) {
    auto v = query_param(query, key);
    if (!v || v->empty()) return true;
    Cursor c{*v};
    std::uint64_t n = 0;
    if (!c.uint(n) || !c.done()) {
      why = std::string(key) + "= is not a number";
      return false;
    }
    out = n;
    return true;
  };
  std::optional<std::uint64_t> port;
  if (!num("port", port) || !num("uploaded", e.bytes_up) || !num("downloaded", e.bytes_down) ||
      !num("left", e.bytes_left))
    return false;
  if (port) {
    if (*port > 65535) {
      why = "port= is out of range";
      return false;
    }
    e.peer_port = static_cast<std::uint32_t>(*port);
    e.peer_port_kind = "listen";
  }
  auto ev = query_param(query, "event");
  e.announce_event = ev && !ev->empty() ? std::string(*ev) : "none";
  e.scope = "torrent";
  return true;
}

void announce_counts(SeedEvent& e) {
  const std::string who = e.peer_id_client.empty() ? e.peer_client : e.peer_id_client;
  e.bytes_counts = counts_for(who, "the client's own session counters for this torrent since it started it "
                                   "(not lifetime; reset by a restart), as claimed to the tracker");
}

bool split_host_port(std::string_view hp, std::string& ip, std::uint32_t& port) {
  const std::size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  Cursor c{hp, colon + 1};
  std::uint64_t p = 0;
  if (!c.uint(p) || !c.done() || p > 65535) return false;
  std::string_view h = hp.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  ip = std::string(h);
  port = static_cast<std::uint32_t>(p);
  return true;
}

// simdjson helpers: absent and null are "not stated"; a wrong type is an error.
struct Json {
  // One parser per thread, reused: its buffers are sized once, not per line.
  bool parse(LogState& st, simdjson::dom::object& out) {
    static thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(st.line.data(), st.line.size()).get(doc) || !doc.is_object()) {
      st.error("not a JSON object");
      return false;
    }
    out = doc.get_object().value_unsafe();
    return true;
  }
};

std::optional<std::string_view> jstr(simdjson::dom::object o, const char* k) {
  std::string_view v;
  if (o[k].get_string().get(v)) return std::nullopt;
  return v;
}

// A non-negative integer stated as a JSON number (or a string of digits, as nginx writes them).
std::optional<std::uint64_t> juint(simdjson::dom::object o, const char* k) {
  simdjson::dom::element e;
  if (o[k].get(e)) return std::nullopt;
  std::uint64_t u = 0;
  if (!e.get_uint64().get(u)) return u;
  std::int64_t i = 0;
  if (!e.get_int64().get(i)) return i >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(i)) : std::nullopt;
  double d = 0;
  if (!e.get_double().get(d) && d >= 0 && d < 1.8e19 && d == static_cast<double>(static_cast<std::uint64_t>(d)))
    return static_cast<std::uint64_t>(d);
  std::string_view s;
  if (!e.get_string().get(s)) {
    Cursor c{s};
    if (c.uint(u) && c.done()) return u;
  }
  return std::nullopt;
}

bool utc_iso(std::string_view t, CivilTime& c) {
  // "2026-11-28T04:39:50.375Z"
  if (t.empty() || t.back() != 'Z') return false;
  return parse_civil(t.substr(0, t.size() - 1), c);
}

bool set_json_time(LogState& st, SeedEvent& e, simdjson::dom::object o) {
  auto t = jstr(o, "time");
  CivilTime c;
  if (!t || !utc_iso(*t, c)) {
    st.log.events.pop_back();
    st.error("\"time\" is missing or not UTC ISO-8601 (YYYY-MM-DDTHH:MM:SS.mmmZ)");
    return false;
  }
  set_time_utc(e, *t, c);
  return true;
}

// Unchanged counter snapshots are not repeated (polls repeat them every half second).
bool counters_changed(LogState& st, const std::string& key, std::optional<std::uint64_t> up,
                      std::optional<std::uint64_t> down) {
  auto v = std::make_pair(up.value_or(UINT64_MAX), down.value_or(UINT64_MAX));
  auto [it, fresh] = st.last_counters.emplace(key, v);
  if (fresh) return true;
  if (it->second == v) return false;
  it->second = v;
  return true;
}

}  // namespace

// ---- tracker: nginx access log, JSON and text ---------------------------------------------

void parse_tracker_jsonl(LogState& st) {
  Json j;
  simdjson::dom::object o;
  if (!j.parse(st, o)) return;
  auto path = jstr(o, "path");
  if (!path || *path != "/announce") return;  // scrapes, stats: not evidence
  auto query = jstr(o, "query");
  auto msec = jstr(o, "msec");
  if (!query || !msec) {
    st.error("tracker record without \"query\" or \"msec\"");
    return;
  }
  SeedEvent& e = st.event("announce");
  e.observer = "tracker";
  std::string why;
  if (!fill_announce(e, *query, why)) {
    st.log.events.pop_back();
    st.error(why);
    return;
  }
  Cursor c{*msec};
  std::uint64_t secs = 0, ms = 0;
  if (!c.uint(secs) || !c.lit(".") || !c.uint(ms) || !c.done() || msec->size() - msec->find('.') != 4) {
    st.log.events.pop_back();
    st.error("\"msec\" is not epoch seconds with 3 decimals");
    return;
  }
  CivilTime t = epoch_to_civil(static_cast<std::int64_t>(secs));
  t.frac = static_cast<std::uint32_t>(ms);
  t.frac_digits = 3;
  set_time_utc(e, *msec, t);
  if (auto ip = jstr(o, "remote_addr")) e.peer_ip = std::string(*ip);
  if (auto ua = jstr(o, "user_agent")) e.peer_client = std::string(*ua);
  e.rank = EvidenceRank::kTrackerClaim;
  announce_counts(e);
}

void parse_tracker_text(LogState& st) {
  // IP:PORT - [2026-11-28T04:39:15+00:00] "GET /announce?QUERY HTTP/1.1" 200 98 "UA" rt=0.001
  Cursor c{st.line};
  auto remote = c.until(" - [");
  if (!remote) return;
  auto stamp = c.until("] \"");
  if (!stamp) return;
  if (!c.lit("GET /announce?")) return;  // other requests are not announces
  auto query = c.until(" HTTP/");
  if (!query) {
    st.error("announce request line is cut short");
    return;
  }
  CivilTime t;
  if (stamp->size() != 25 || !parse_civil(stamp->substr(0, 19), t)) {
    st.error("time stamp is not ISO-8601 with a zone offset");
    return;
  }
  int sign = (*stamp)[19] == '-' ? -1 : 1;
  Cursor oc{*stamp, 20};
  std::uint64_t oh = 0, om = 0;
  if (((*stamp)[19] != '+' && (*stamp)[19] != '-') || !oc.uint(oh) || !oc.lit(":") || !oc.uint(om) || oh > 14 ||
      om > 59) {
    st.error("time stamp is not ISO-8601 with a zone offset");
    return;
  }
  CivilTime utc = epoch_to_civil(civil_to_epoch(t) - sign * static_cast<std::int64_t>(oh * 3600 + om * 60));
  SeedEvent& e = st.event("announce");
  e.observer = "tracker";
  std::string why;
  if (!fill_announce(e, *query, why)) {
    st.log.events.pop_back();
    st.error(why);
    return;
  }
  set_time_utc(e, *stamp, utc);
  std::string ip;
  std::uint32_t port = 0;
  if (split_host_port(*remote, ip, port)) e.peer_ip = ip;  // the TCP source port is ephemeral
  // After the request: status, bytes, "user agent".
  c.until("\" ");
  if (auto ua_start = c.until(" \"")) {
    if (auto ua = c.until("\"")) e.peer_client = std::string(*ua);
  }
  e.rank = EvidenceRank::kTrackerClaim;
  announce_counts(e);
}

// ---- Transmission deep debug log (TR_DEBUG_FD) ------------------------------------------

namespace {
bool parse_block(std::string_view msg, std::string_view prefix, std::uint64_t& p, std::uint64_t& o,
                 std::uint64_t& l) {
  Cursor c{msg};
  return c.lit(prefix) && c.uint(p) && c.lit(":") && c.uint(o) && c.lit("->") && c.uint(l) && c.done();
}
}  // namespace

void parse_transmission_deep(LogState& st) {
  std::string_view line = st.line;
  if (line.size() < 26 || line[0] != '[' || line[24] != ']' || line[25] != ' ') return;  // continuation
  CivilTime t;
  if (!parse_civil(line.substr(1, 23), t)) {
    st.error("time stamp is not [YYYY-MM-DD HH:MM:SS.mmm]");
    return;
  }
  const std::string_view stamp = line.substr(1, 23);
  Cursor c{line, 26};
  if (c.lit("[")) {
    // "[IP]:PORT peer-id is [...] ..." or "[NAME---URL] Sending announce to libcurl: "URL""
    const std::size_t save = c.i;
    if (auto inner = c.until("] Sending announce to libcurl: \"")) {
      const std::size_t sep = inner->find("---");
      auto url = c.until("\"");
      const std::size_t q = url ? url->find('?') : std::string_view::npos;
      if (!url || q == std::string_view::npos) {
        st.error("announce line without a query string");
        return;
      }
      SeedEvent& e = st.event("announce_sent");
      std::string why;
      if (!fill_announce(e, url->substr(q + 1), why)) {
        st.log.events.pop_back();
        st.error(why);
        return;
      }
      set_time_local(e, stamp, t, st.time);
      if (sep != std::string_view::npos) e.torrent_name = std::string(inner->substr(0, sep));
      // The peer id and port in an announce are the observer's own.
      e.observer_peer_id_hex = e.peer_id_hex;
      e.peer_id.clear();
      e.peer_id_hex.clear();
      e.peer_id_client.clear();
      e.peer_port.reset();
      e.peer_port_kind.clear();
      e.rank = EvidenceRank::kTrackerClaim;
      e.bytes_counts = counts_for("Transmission", "session counters sent to the tracker (since the torrent started)");
      return;
    }
    c.i = save;
    auto ip = c.until("]:");
    std::uint64_t port = 0;
    if (!ip || !c.uint(port) || port > 65535 || !c.lit(" peer-id is [")) return;
    std::string_view rest = c.rest();
    std::size_t end = rest.rfind("] ... isIncoming is ");
    std::string direction;
    if (end != std::string_view::npos) {
      const std::string_view flag = rest.substr(end + 20, 1);
      direction = flag == "1" ? "in" : flag == "0" ? "out" : "";
    } else {
      end = rest.rfind("] (");
    }
    if (end == std::string_view::npos) return;
    const std::string_view id = rest.substr(0, end);
    SeedEvent& e = st.event("handshake");
    set_time_local(e, stamp, t, st.time);
    e.peer_ip = std::string(*ip);
    e.peer_port = static_cast<std::uint32_t>(port);
    e.peer_port_kind = "connection";
    e.direction = direction;
    // Transmission prints the 20 raw peer-id bytes, or the client name it derived from them.
    if (id.size() == 20) set_peer_id(e, id);
    else e.peer_client = printable_bytes(id);
    return;
  }
  // "NAME - [IP]:PORT [CLIENT]: MESSAGE (file.c:N)"
  auto name = c.until(" - [");
  if (!name) return;
  auto ip = c.until("]:");
  std::uint64_t port = 0;
  if (!ip || !c.uint(port) || port > 65535 || !c.lit(" [")) return;
  auto client = c.until("]: ");
  if (!client) return;
  std::string_view msg = c.rest();
  const std::size_t paren = msg.rfind(" (");
  if (paren != std::string_view::npos) msg = msg.substr(0, paren);
  const auto key = std::make_pair(std::string(*ip), static_cast<std::uint32_t>(port));
  {
    Cursor m{msg};
    std::uint64_t lp = 0;
    if (m.lit("peer's port is now ")) {
      if (m.uint(lp) && m.done() && lp <= 65535) st.listen_port[key] = static_cast<std::uint32_t>(lp);
      else st.error("peer's listen port is not a port number");
      return;
    }
  }
  std::uint64_t p = 0, o = 0, l = 0;
  std::string kind;
  if (parse_block(msg, "sending block ", p, o, l)) kind = "block_sent";
  else if (parse_block(msg, "got block ", p, o, l)) kind = "block_received";
  else if (parse_block(msg, "got Request: ", p, o, l)) kind = "request_received";
  else if (msg.rfind("sending block ", 0) == 0 || msg.rfind("got block ", 0) == 0) {
    st.error("block line without piece:offset->length");
    return;
  } else {
    return;
  }
  SeedEvent& e = st.event(kind);
  set_time_local(e, stamp, t, st.time);
  e.torrent_name = std::string(*name);
  e.peer_ip = key.first;
  e.peer_port = key.second;
  e.peer_port_kind = "connection";
  if (auto it = st.listen_port.find(key); it != st.listen_port.end()) e.peer_listen_port = it->second;
  if (!client->empty()) e.peer_client = printable_bytes(*client);
  e.piece_index = p;
  e.offset = o;
  e.length = l;
  e.rank = rank_for(kind);
  if (kind != "request_received")
    e.bytes_counts = "content bytes of the block (length field); Transmission's counters add 13 bytes a block";
}

// ---- aria2 debug log --------------------------------------------------------------------

void parse_aria2_debug(LogState& st) {
  std::string_view line = st.line;
  // The announce request is logged on the line after "Requesting:", without a stamp.
  if (line.rfind("GET /announce?", 0) == 0) {
    Cursor c{line, 14};
    auto query = c.until(" HTTP/");
    if (!query) return;
    SeedEvent& e = st.event("announce_sent");
    std::string why;
    if (!fill_announce(e, *query, why)) {
      st.log.events.pop_back();
      st.error(why);
      return;
    }
    // Time: the stamp of the "Requesting:" record just before it.
    if (!st.last_stamp.empty()) set_time_local(e, st.last_stamp, st.last_time, st.time);
    else e.time_zone = "zone_unknown";
    e.observer_peer_id_hex = e.peer_id_hex;
    e.peer_id.clear();
    e.peer_id_hex.clear();
    e.peer_id_client.clear();
    e.peer_port.reset();
    e.peer_port_kind.clear();
    e.rank = EvidenceRank::kTrackerClaim;
    e.bytes_counts = counts_for("aria2", "session counters sent to the tracker (since the torrent started)");
    return;
  }
  if (line.size() < 28 || line[26] != ' ') return;
  CivilTime t;
  if (!parse_civil(line.substr(0, 26), t) || t.frac_digits != 6) return;  // not a record start
  st.last_stamp = std::string(line.substr(0, 26));
  st.last_time = t;
  Cursor c{line, 27};
  if (!c.until("] [") || !c.until("] ")) return;
  if (!c.lit("CUID#")) return;
  std::uint64_t cuid = 0;
  if (!c.uint(cuid) || !c.lit(" - ")) return;
  bool from = false;
  if (c.lit("From: ")) from = true;
  else if (!c.lit("To: ")) return;
  auto hp = c.until(" ");
  if (!hp) return;
  bool piece = false;
  if (c.lit("piece ")) piece = true;
  else if (!c.lit("request ")) return;
  std::uint64_t p = 0, o = 0, l = 0;
  std::string ip;
  std::uint32_t port = 0;
  if (!c.lit("index=") || !c.uint(p) || !c.lit(", begin=") || !c.uint(o) || !c.lit(", length=") || !c.uint(l) ||
      !split_host_port(*hp, ip, port)) {
    st.error("aria2 piece/request line without IP:PORT, index, begin and length");
    return;
  }
  const std::string kind = piece ? (from ? "block_received" : "block_sent") : (from ? "request_received" : "request_sent");
  SeedEvent& e = st.event(kind);
  set_time_local(e, line.substr(0, 26), t, st.time);
  e.peer_ip = ip;
  e.peer_port = port;
  e.peer_port_kind = "connection";
  e.piece_index = p;
  e.offset = o;
  e.length = l;
  e.rank = rank_for(kind);
  if (piece) e.bytes_counts = "content bytes of the block (length field); aria2 counts payload only";
}

// ---- rTorrent log (peer piece events) -----------------------------------------------------

void parse_rtorrent_log(LogState& st) {
  // EPOCH [L ]HASH->piece_events: PEERID (up|down) WHAT A B C
  Cursor c{st.line};
  std::uint64_t secs = 0;
  if (!c.uint(secs) || !c.lit(" ")) return;
  const std::size_t save = c.i;
  if (c.i + 2 <= c.s.size() && c.s[c.i + 1] == ' ' && c.s[c.i] >= 'A' && c.s[c.i] <= 'Z' &&
      c.s.substr(c.i + 2, 40).find("->") == std::string_view::npos)
    c.i += 2;
  auto hash = c.until("->piece_events: ");
  if (!hash) {
    c.i = save;
    return;
  }
  if (hash->size() != 40 || !is_hex(*hash)) {
    st.error("piece event without a 40-hex info-hash");
    return;
  }
  auto pid = c.until(" (");
  std::optional<std::string> raw = pid ? hex_to_bytes(*pid) : std::nullopt;
  if (!raw || raw->size() != 20) {
    st.error("piece event without a 40-hex peer id");
    return;
  }
  bool up = false;
  if (c.lit("up)")) up = true;
  else if (!c.lit("down)")) {
    st.error("piece event is neither (up) nor (down)");
    return;
  }
  c.skip_spaces();
  auto what = c.until(" ");
  std::uint64_t a = 0, b = 0, d = 0;
  if (!what) return;
  c.skip_spaces();
  if (!c.uint(a) || !c.lit(" ") || !c.uint(b) || !c.lit(" ") || !c.uint(d) || !c.done()) {
    st.error("piece event without three numbers");
    return;
  }
  std::string kind;
  std::uint64_t piece = a, off = b, len = d;
  if (up && *what == "request_added") kind = "request_received";
  else if (up && *what == "prepared") {  // index length offset: the length comes first
    kind = "block_sent";
    off = d;
    len = b;
  } else if (!up && *what == "completed") kind = "block_received";
  else if (!up && *what == "requesting") kind = "request_sent";
  else return;
  SeedEvent& e = st.event(kind);
  CivilTime t = epoch_to_civil(static_cast<std::int64_t>(secs));
  set_time_utc(e, st.line.substr(0, st.line.find(' ')), t);
  set_wire(e, *hash);
  set_peer_id(e, *raw);
  e.piece_index = piece;
  e.offset = off;
  e.length = len;
  e.rank = rank_for(kind);
  if (kind == "block_sent" || kind == "block_received")
    e.bytes_counts = "content bytes of the block; rTorrent counts payload only";
}

// ---- libtorrent alerts, JSON lines of the lt_agent ---------------------------------------

void parse_lt_agent(LogState& st) {
  static const std::map<std::string, std::string, std::less<>> kKinds = {
      {"block_uploaded_alert", "block_sent"},        {"block_finished_alert", "block_received"},
      {"incoming_request_alert", "request_received"}, {"peer_connect_alert", "peer_connected"},
      {"peer_disconnected_alert", "peer_disconnected"}, {"torrent_finished_alert", "torrent_complete"},
      {"tracker_announce_alert", "announce_sent"},    {"poll_peer_info", "transfer_totals"},
      {"poll_torrent_status", "transfer_totals"},     {"agent_add_torrent", "torrent_added"}};
  Json j;
  simdjson::dom::object o;
  if (!j.parse(st, o)) return;
  auto alert = jstr(o, "alert");
  if (!alert) {
    st.error("lt_agent record without \"alert\"");
    return;
  }
  auto k = kKinds.find(*alert);
  if (k == kKinds.end()) return;
  SeedEvent& e = st.event(k->second);
  if (!set_json_time(st, e, o)) return;
  auto v1 = jstr(o, "infohash_v1");
  auto v2 = jstr(o, "infohash_v2");
  if ((v1 && (v1->size() != 40 || !is_hex(*v1))) || (v2 && (v2->size() != 64 || !is_hex(*v2)))) {
    st.log.events.pop_back();
    st.error("infohash_v1/infohash_v2 is not 40/64 hex digits");
    return;
  }
  if (v1) e.infohash_v1 = lower(*v1);
  if (v2) e.infohash_v2 = lower(*v2);
  if (v1 || v2) e.infohash_from = "line";
  if (auto n = jstr(o, "torrent_name")) e.torrent_name = std::string(*n);
  else if (auto n2 = jstr(o, "name")) e.torrent_name = std::string(*n2);
  if (auto ip = jstr(o, "peer_ip")) e.peer_ip = std::string(*ip);
  if (auto port = juint(o, "peer_port"); port && *port <= 65535) {
    e.peer_port = static_cast<std::uint32_t>(*port);
    e.peer_port_kind = "connection";
  }
  if (auto hex = jstr(o, "peer_id_hex")) {
    auto raw = hex_to_bytes(*hex);
    if (raw && raw->find_first_not_of('\0') != std::string::npos) set_peer_id(e, *raw);
  }
  if (auto pc = jstr(o, "peer_client")) e.peer_client = std::string(*pc);
  e.piece_index = juint(o, "piece_index");
  e.offset = juint(o, "offset");
  e.length = juint(o, "length");
  const bool v2_blocks = v2.has_value();
  if (*alert == "poll_peer_info") {
    e.scope = "peer";
    e.bytes_up = juint(o, "total_upload");
    e.bytes_down = juint(o, "total_download");
    bool outgoing = false;
    simdjson::dom::element og;
    if (!o["outgoing_connection"].get(og) && og.is_bool()) outgoing = og.get_bool().value_unsafe();
    if (e.peer_port) e.peer_port_kind = outgoing ? "listen" : "connection";
    e.bytes_counts = counts_for("libtorrent", "session counters of payload exchanged with this peer", v2_blocks);
    if (!counters_changed(st, "p|" + primary_infohash(e) + "|" + e.peer_ip + ":" + std::to_string(e.peer_port.value_or(0)),
                              e.bytes_up, e.bytes_down)) {
      st.log.events.pop_back();
      return;
    }
  } else if (*alert == "poll_torrent_status") {
    e.scope = "torrent";
    e.bytes_up = juint(o, "total_payload_upload");
    e.bytes_down = juint(o, "total_payload_download");
    e.bytes_counts = counts_for("libtorrent", "session counters of payload for this torrent", v2_blocks);
    if (!counters_changed(st, "t|" + primary_infohash(e), e.bytes_up, e.bytes_down)) {
      st.log.events.pop_back();
      return;
    }
  } else if (*alert == "tracker_announce_alert") {
    if (auto ev = jstr(o, "announce_event")) e.announce_event = std::string(*ev);
    if (auto pv = jstr(o, "protocol_version"))
      e.infohash_wire_kind = *pv == "v2" ? "v2-truncated" : *pv == "v1" ? "v1" : "";
    if (e.infohash_wire_kind == "v1") e.infohash_wire = e.infohash_v1;
    if (e.infohash_wire_kind == "v2-truncated" && !e.infohash_v2.empty()) e.infohash_wire = e.infohash_v2.substr(0, 40);
  } else if (e.kind == "block_sent" || e.kind == "block_received") {
    e.bytes_counts = v2_blocks ? "bytes of a whole 16 KiB block (v2/hybrid: a file's last block is padded)"
                               : "content bytes of the block";
  }
  e.rank = rank_for(e.kind);
}

// libtorrent's text alert log: the PIECE messages of peer_log_alert lines, offsets and lengths
// in hexadecimal:  TIME peer_log_alert: NAME peer [ IP:PORT client: C ] [IP:PORT] ==> PIECE [ piece: P s: HEX l: HEX ...
void parse_lt_text(LogState& st) {
  std::string_view line = st.line;
  CivilTime t;
  if (line.size() < 26 || line[23] != 'Z' || !parse_civil(line.substr(0, 23), t)) return;
  Cursor c{line, 24};
  if (!c.lit(" peer_log_alert: ")) return;
  auto name = c.until(" peer [ ");
  if (!name) return;
  auto hp = c.until(" client: ");
  if (!hp) return;
  auto client = c.until(" ] [");
  if (!client || !c.until("] ")) return;
  bool sent = false;
  if (c.lit("==> PIECE [ ")) sent = true;
  else if (!c.lit("<== PIECE [ ")) return;
  std::uint64_t p = 0, o = 0, l = 0;
  std::string ip;
  std::uint32_t port = 0;
  if (!c.lit("piece: ") || !c.uint(p) || !c.lit(" s: ") || !c.hex_uint(o) || !c.lit(" l: ") || !c.hex_uint(l) ||
      !split_host_port(*hp, ip, port)) {
    st.error("PIECE line without IP:PORT, piece, s: and l:");
    return;
  }
  const std::string kind = sent ? "block_sent" : "block_received";
  SeedEvent& e = st.event(kind);
  CivilTime utc = t;
  set_time_utc(e, line.substr(0, 24), utc);
  e.torrent_name = std::string(*name);
  e.peer_ip = ip;
  e.peer_port = port;
  e.peer_port_kind = "connection";
  if (!client->empty() && *client != "Unknown") e.peer_client = std::string(*client);
  e.piece_index = p;
  e.offset = o;
  e.length = l;
  e.rank = rank_for(kind);
  e.bytes_counts = "bytes of the PIECE message's block (v2/hybrid: whole 16 KiB blocks, a file's last block padded)";
}

// ---- client polls: Transmission RPC, qBittorrent Web API, rTorrent XML-RPC -----------------

void parse_poll_jsonl(LogState& st) {
  Json j;
  simdjson::dom::object o;
  if (!j.parse(st, o)) return;
  auto t = jstr(o, "time");
  CivilTime ct;
  if (!t || !utc_iso(*t, ct)) {
    st.error("\"time\" is missing or not UTC ISO-8601 (YYYY-MM-DDTHH:MM:SS.mmmZ)");
    return;
  }
  const std::string& fmt = st.log.format;
  auto base = [&](const char* kind) -> SeedEvent& {
    SeedEvent& e = st.event(kind);
    set_time_utc(e, *t, ct);
    e.rank = EvidenceRank::kCounters;
    e.raw = e.raw.substr(0, 400);
    return e;
  };
  if (fmt == "qbittorrent-webapi-peers") {
    simdjson::dom::object peers;
    if (o["peers"].get_object().get(peers)) {
      st.error("qBittorrent peer poll without a \"peers\" object");
      return;
    }
    for (auto field : peers) {
      if (!field.value.is_object()) {
        st.error("qBittorrent peer entry is not an object");
        continue;
      }
      simdjson::dom::object p = field.value.get_object().value_unsafe();
      auto up = juint(p, "uploaded");
      auto down = juint(p, "downloaded");
      if (!counters_changed(st, std::string(field.key), up, down)) continue;
      SeedEvent& e = base("transfer_totals");
      e.scope = "peer";
      std::string ip;
      std::uint32_t port = 0;
      if (auto a = jstr(p, "ip")) e.peer_ip = std::string(*a);
      if (auto pt = juint(p, "port"); pt && *pt <= 65535) e.peer_port = static_cast<std::uint32_t>(*pt);
      else if (split_host_port(field.key, ip, port)) {
        e.peer_ip = ip;
        e.peer_port = port;
      }
      e.peer_port_kind = "connection";
      if (auto c = jstr(p, "client"); c && !c->empty()) e.peer_client = std::string(*c);
      if (auto pre = jstr(p, "peer_id_client"); pre && !pre->empty()) {
        // qBittorrent gives only the client prefix of the peer id (e.g. "-LT2080-").
        e.peer_id = printable_bytes(*pre);
        e.peer_id_hex = to_hex(*pre);
        e.peer_id_client = client_from_peer_id(*pre);
      }
      e.bytes_up = up;
      e.bytes_down = down;
      e.bytes_counts = counts_for("qBittorrent", "payload exchanged with this peer while connected");
    }
    return;
  }
  simdjson::dom::array torrents;
  if (o["torrents"].get_array().get(torrents)) {
    st.error("poll record without a \"torrents\" array");
    return;
  }
  for (auto te : torrents) {
    if (!te.is_object()) {
      st.error("poll torrent entry is not an object");
      continue;
    }
    simdjson::dom::object to = te.get_object().value_unsafe();
    if (fmt == "transmission-rpc-poll") {
      auto h = jstr(to, "hashString");
      if (!h || h->size() != 40 || !is_hex(*h)) {
        st.error("Transmission torrent without a 40-hex hashString");
        continue;
      }
      auto up = juint(to, "uploadedEver");
      auto down = juint(to, "downloadedEver");
      if (!counters_changed(st, lower(*h), up, down)) continue;
      SeedEvent& e = base("transfer_totals");
      set_wire(e, *h);
      if (auto n = jstr(to, "name")) e.torrent_name = std::string(*n);
      e.scope = "torrent";
      e.bytes_up = up;
      e.bytes_down = down;
      e.bytes_counts = counts_for("Transmission", "lifetime counters of the torrent (uploadedEver, kept in the resume file)");
    } else if (fmt == "qbittorrent-webapi-torrents") {
      auto h = jstr(to, "hash");
      auto v1 = jstr(to, "infohash_v1");
      auto v2 = jstr(to, "infohash_v2");
      if (!h || h->size() != 40 || !is_hex(*h)) {
        st.error("qBittorrent torrent without a 40-hex hash");
        continue;
      }
      auto up = juint(to, "uploaded");
      auto down = juint(to, "downloaded");
      if (!counters_changed(st, lower(*h), up, down)) continue;
      SeedEvent& e = base("transfer_totals");
      set_wire(e, *h);
      if (v1 && v1->size() == 40 && is_hex(*v1)) e.infohash_v1 = lower(*v1);
      if (v2 && v2->size() == 64 && is_hex(*v2)) e.infohash_v2 = lower(*v2);
      if (!e.infohash_v2.empty() && e.infohash_v2.compare(0, 40, e.infohash_wire) == 0) e.infohash_wire_kind = "v2-truncated";
      else if (e.infohash_wire == e.infohash_v1) e.infohash_wire_kind = "v1";
      if (auto n = jstr(to, "name")) e.torrent_name = std::string(*n);
      e.scope = "torrent";
      e.bytes_up = up;
      e.bytes_down = down;
      e.bytes_counts = counts_for("qBittorrent", "lifetime counters of the torrent (Web API uploaded/downloaded)",
                                  !e.infohash_v2.empty());
    } else {  // rtorrent-xmlrpc-poll
      auto h = jstr(to, "hash");
      if (!h || h->size() != 40 || !is_hex(*h)) {
        st.error("rTorrent torrent without a 40-hex hash");
        continue;
      }
      const std::string hash = lower(*h);
      std::string name;
      if (auto n = jstr(to, "name")) name = std::string(*n);
      auto up = juint(to, "up_total");
      auto down = juint(to, "down_total");
      if (counters_changed(st, "t|" + hash, up, down)) {
        SeedEvent& e = base("transfer_totals");
        set_wire(e, hash);
        e.torrent_name = name;
        e.scope = "torrent";
        e.bytes_up = up;
        e.bytes_down = down;
        e.bytes_counts = counts_for("rTorrent", "counters of the torrent (up_total/down_total)");
      }
      simdjson::dom::array peers;
      if (to["peers"].get_array().get(peers)) continue;
      for (auto pe : peers) {
        if (!pe.is_object()) continue;
        simdjson::dom::object p = pe.get_object().value_unsafe();
        auto pup = juint(p, "up_total");
        auto pdown = juint(p, "down_total");
        std::string addr(jstr(p, "address").value_or(""));
        auto port = juint(p, "port");
        if (!counters_changed(st, "p|" + hash + "|" + addr + ":" + std::to_string(port.value_or(0)), pup, pdown)) continue;
        SeedEvent& e = base("transfer_totals");
        set_wire(e, hash);
        e.torrent_name = name;
        e.scope = "peer";
        e.peer_ip = addr;
        if (port && *port <= 65535) e.peer_port = static_cast<std::uint32_t>(*port);
        auto inc = juint(p, "is_incoming");
        e.peer_port_kind = inc ? (*inc ? "connection" : "listen") : "unknown";
        if (auto id = jstr(p, "id")) {
          if (auto raw = hex_to_bytes(*id); raw && raw->size() == 20) set_peer_id(e, *raw);
        }
        if (auto cv = jstr(p, "client_version"); cv && *cv != "Unknown") e.peer_client = std::string(*cv);
        e.bytes_up = pup;
        e.bytes_down = pdown;
        e.bytes_counts = counts_for("rTorrent", "payload exchanged with this peer while connected");
      }
    }
  }
}

// ---- qBittorrent and Deluge text logs: torrent life cycle and announces, by torrent name ----

void parse_qbittorrent_log(LogState& st) {
  // "(N) 2026-11-28T04:40:24 - Added new torrent. Torrent: "KJV Law II""
  std::string_view line = st.line;
  CivilTime t;
  if (line.size() < 26 || line[0] != '(' || line.substr(23, 3) != " - " || !parse_civil(line.substr(4, 19), t)) return;
  const std::string_view msg = line.substr(26);
  std::string kind;
  if (msg.rfind("Added new torrent", 0) == 0) kind = "torrent_added";
  else if (msg.rfind("Torrent download finished", 0) == 0) kind = "torrent_complete";
  else return;
  Cursor c{msg};
  if (!c.until("Torrent: \"")) return;
  std::string_view name = c.rest();
  if (!name.empty() && name.back() == '"') name.remove_suffix(1);
  SeedEvent& e = st.event(kind);
  set_time_local(e, line.substr(4, 19), t, st.time);
  e.torrent_name = std::string(name);
}

void parse_deluge_debug(LogState& st) {
  std::string_view line = st.line;
  if (line.size() < 12 || line[2] != ':' || line[5] != ':' || line[8] != ' ') return;
  Cursor c{line, 9};
  if (!c.lit("[") || !c.until("][") || !c.until("] ")) return;
  const std::string_view msg = c.rest();
  const std::string_view tod = line.substr(0, 8);
  std::string kind, name, wire_kind, announce_event;
  auto tracker_line = [&](std::string_view body, std::string_view tail_marker) -> bool {
    // "NAME (URL)[IP:PORT] vN <tail>"
    const std::size_t br = body.rfind(")[");
    const std::size_t url = br == std::string_view::npos ? br : body.rfind(" (", br);
    const std::size_t tail = body.find(tail_marker);
    if (url == std::string_view::npos || tail == std::string_view::npos || tail < br) return false;
    name = std::string(body.substr(0, url));
    const std::size_t v = body.rfind("] v", tail);
    if (v != std::string_view::npos && v + 4 <= body.size()) {
      const std::string_view ver = body.substr(v + 2, 2);
      wire_kind = ver == "v2" ? "v2-truncated" : ver == "v1" ? "v1" : "";
    }
    return true;
  };
  if (msg.rfind("tracker_announce_alert: ", 0) == 0) {
    const std::string_view body = msg.substr(24);
    if (!tracker_line(body, " sending announce (")) return;
    const std::size_t ev = body.rfind(" sending announce (");
    std::string_view evs = body.substr(ev + 19);
    if (!evs.empty() && evs.back() == ')') evs.remove_suffix(1);
    announce_event = std::string(evs);
    kind = "announce_sent";
  } else if (msg.rfind("tracker_reply_alert: ", 0) == 0) {
    if (!tracker_line(msg.substr(21), " received peers: ")) return;
    kind = "tracker_reply";
  } else if (msg.rfind("torrent_finished_alert: ", 0) == 0) {
    std::string_view body = msg.substr(24);
    const std::size_t end = body.rfind(" torrent finished downloading");
    if (end == std::string_view::npos) return;
    name = std::string(body.substr(0, end));
    kind = "torrent_complete";
  } else if (msg.rfind("Torrent ", 0) == 0 && msg.size() > 8) {
    const std::size_t end = msg.rfind(" from user \"");
    if (end == std::string_view::npos || end < 8 || msg.substr(msg.size() - 6) != " added") return;
    name = std::string(msg.substr(8, end - 8));
    kind = "torrent_added";
  } else {
    return;
  }
  SeedEvent& e = st.event(kind);
  // A time of day only: a date from --date makes it a full local time; else it stays as stated.
  CivilTime t;
  if (!st.time.date.empty() && parse_civil(st.time.date + " " + std::string(tod), t)) {
    set_time_local(e, tod, t, st.time);
  } else {
    e.time_stated = std::string(tod);
    e.time_precision = "s";
    e.time_zone = "zone_unknown";
  }
  e.torrent_name = name;
  e.infohash_wire_kind = wire_kind;
  e.announce_event = announce_event;
  e.rank = rank_for(kind);
}

// ---- client summaries: `deluge-console info`, `transmission-remote -t N -i` ----------------
// One torrent each, its lifetime counters as displayed: rounded to one or two decimals of a
// unit (Deluge: K = KiB; Transmission 3.00: kB = 1000 B), and no time stamp. The figure is kept as stated
// in bytes_counts with its rounding; bytes_up/bytes_down hold the displayed value in bytes.

namespace {
// "240.0 K", "208.6 kB", "0 B", "None" -> bytes (rounded display) and the unit's size.
bool displayed_bytes(std::string_view v, std::uint64_t& bytes, std::uint64_t& unit, std::uint64_t& digits_out) {
  digits_out = 1;
  if (v == "None") {
    bytes = 0;
    unit = 1;
    return true;
  }
  Cursor c{v};
  std::uint64_t whole = 0, frac = 0, scale = 1;
  if (!c.uint(whole)) return false;
  if (c.lit(".")) {  // one or two decimals ("240.0 K", "66.96 kB")
    const std::size_t at = c.i;
    if (!c.uint(frac) || c.i - at > 2) return false;
    scale = c.i - at == 1 ? 10 : 100;
  }
  digits_out = scale;
  if (!c.lit(" ")) return false;
  static const std::map<std::string_view, std::uint64_t> kUnits = {
      {"B", 1}, {"K", 1024}, {"M", 1024ull << 10}, {"G", 1024ull << 20}, {"T", 1024ull << 30},
      {"kB", 1000}, {"MB", 1000'000}, {"GB", 1000'000'000}, {"TB", 1000'000'000'000}};
  auto it = kUnits.find(c.rest());
  if (it == kUnits.end() || whole > (1ull << 40)) return false;
  unit = it->second;
  bytes = whole * unit + (frac * unit + scale / 2) / scale;
  return true;
}
}  // namespace

void parse_client_summary(LogState& st) {
  std::string_view line = st.line;
  const bool deluge = st.log.format == "deluge-console-info";
  Cursor c{line};
  if (deluge ? c.lit("Name: ") : c.lit("  Name: ")) {
    st.ctx_name = std::string(c.rest());
    return;
  }
  c.i = 0;
  if (deluge ? c.lit("ID: ") : c.lit("  Hash: ")) {
    const std::string_view h = c.rest();
    if (h.size() != 40 || !is_hex(h)) st.error("torrent id is not 40 hex digits");
    else st.ctx_hash = lower(h);
    return;
  }
  // Deluge: "Size: ... Downloaded: 0 B Uploaded: 240.0 K Share Ratio: 1.12";
  // Transmission: "  Downloaded: None" and "  Uploaded: 208.6 kB" on lines of their own.
  std::optional<std::string_view> up, down;
  if (deluge) {
    const std::size_t u = line.find(" Uploaded: "), d = line.find(" Downloaded: ");
    const std::size_t r = line.find(" Share Ratio:");
    if (u == std::string_view::npos || d == std::string_view::npos || r == std::string_view::npos || !(d < u && u < r))
      return;
    down = line.substr(d + 13, u - d - 13);
    up = line.substr(u + 11, r - u - 11);
  } else if (c.lit("  Uploaded: ")) {
    up = c.rest();
  } else {
    c.i = 0;
    if (c.lit("  Downloaded: ")) st.last_stamp = std::string(c.rest());  // kept for the Uploaded line
    return;
  }
  if (!deluge && !st.last_stamp.empty()) down = st.last_stamp;
  std::uint64_t ub = 0, uu = 1, us = 1, db = 0, du = 1, ds = 1;
  if (!displayed_bytes(*up, ub, uu, us) || (down && !displayed_bytes(*down, db, du, ds))) {
    st.error("byte count is not a displayed size such as \"240.0 K\" or \"208.6 kB\"");
    return;
  }
  SeedEvent& e = st.event("transfer_totals");
  e.time_zone = "not stated";
  e.torrent_name = st.ctx_name;
  if (!st.ctx_hash.empty()) set_wire(e, st.ctx_hash);
  e.scope = "torrent";
  e.bytes_up = ub;
  if (down) e.bytes_down = db;
  e.rank = EvidenceRank::kCounters;
  const std::string rounding =
      uu == 1 ? "exact" : "rounded to " + std::string(us == 100 ? "0.01" : us == 10 ? "0.1" : "1") + " x " + std::to_string(uu) + " bytes";
  e.bytes_counts = counts_for(deluge ? "Deluge" : "Transmission",
                              "lifetime counters as displayed (uploaded \"" + std::string(*up) + "\", " + rounding +
                                  "), no time stated");
}

// ---- the normalised form itself ----------------------------------------------------------

void parse_seeding_event_jsonl(LogState& st) {
  auto ev = parse_seed_event_json(st.line);
  if (!ev) {
    st.error(ev.error().message);
    return;
  }
  SeedEvent& e = st.event(ev->kind);
  const std::string raw = e.raw;
  e = std::move(*ev);
  if (e.time_zone.empty() && !e.time_utc.empty()) e.time_zone = "UTC";
  if (e.infohash_from.empty() && !primary_infohash(e).empty()) e.infohash_from = "line";
  if (e.raw.empty()) e.raw = raw;
  // The record keeps its own source, file and line: this log only carried it.
}

// ---- after the last line ------------------------------------------------------------------

void finish_log(LogState& st) {
  SeedLog& log = st.log;
  // aria2 logs the announce request without a stamp: take the stamp of the line before it.
  // aria2 runs one torrent per process, so its announce names the torrent of every line.
  if (log.format == "aria2-debug" || log.format == "transmission-deep") {
    std::vector<std::pair<std::uint64_t, std::string>> own_ids;  // line, peer id hex
    std::string hash;
    for (auto& e : log.events)
      if (e.kind == "announce_sent") {
        own_ids.emplace_back(e.source_line, e.observer_peer_id_hex);
        if (hash.empty()) hash = e.infohash_wire;
      }
    std::set<std::string> hashes;
    for (auto& e : log.events)
      if (e.kind == "announce_sent") hashes.insert(e.infohash_wire);
    for (auto& e : log.events) {
      if (e.observer_peer_id_hex.empty() && !own_ids.empty()) {
        auto it = std::upper_bound(own_ids.begin(), own_ids.end(), std::make_pair(e.source_line, std::string("\xff")));
        e.observer_peer_id_hex = it == own_ids.begin() ? own_ids.front().second : std::prev(it)->second;
      }
      if (log.format == "aria2-debug" && e.infohash_from.empty() && hashes.size() == 1) {
        e.infohash_wire = hash;
        e.infohash_from = "log";
      }
    }
  }
}

}  // namespace prov::ingest::detail::seed
