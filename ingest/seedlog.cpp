// ingest/seedlog.cpp: the seeding-log front door: format detection, the line loop with its
// limits, time stamps and zones, the event JSON, and cross-log torrent resolution.
#include "ingest/seedlog.hpp"

#include <simdjson.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "ingest/detail/seedlog.hpp"

namespace prov::ingest {

const char* evidence_rank_name(EvidenceRank r) {
  switch (r) {
    case EvidenceRank::kUploaderBlocks: return "uploader_blocks";
    case EvidenceRank::kReceiverBlocks: return "receiver_blocks";
    case EvidenceRank::kCounters: return "counters";
    case EvidenceRank::kTrackerClaim: return "tracker_claim";
    case EvidenceRank::kContext: return "context";
  }
  return "context";
}

namespace detail::seed {

bool Cursor::uint(std::uint64_t& v) {
  std::size_t n = 0;
  v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && n < 19) {
    v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++i;
    ++n;
  }
  return n > 0 && !(i < s.size() && s[i] >= '0' && s[i] <= '9');
}

bool Cursor::hex_uint(std::uint64_t& v) {
  std::size_t n = 0;
  v = 0;
  while (i < s.size() && n < 15) {
    const char c = s[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) break;
    v = v * 16 + static_cast<std::uint64_t>(d);
    ++i;
    ++n;
  }
  return n > 0;
}

std::optional<std::string_view> Cursor::until(std::string_view t) {
  const std::size_t at = s.find(t, i);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view out = s.substr(i, at - i);
  i = at + t.size();
  return out;
}

namespace {
bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = s[at + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}
}  // namespace

bool parse_civil(std::string_view t, CivilTime& c) {
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') || t[13] != ':' ||
      t[16] != ':')
    return false;
  if (!digits(t, 0, 4, c.y) || !digits(t, 5, 2, c.mo) || !digits(t, 8, 2, c.d) ||
      !digits(t, 11, 2, c.h) || !digits(t, 14, 2, c.mi) || !digits(t, 17, 2, c.s))
    return false;
  if (c.mo < 1 || c.mo > 12 || c.d < 1 || c.d > 31 || c.h > 23 || c.mi > 59 || c.s > 60) return false;
  c.frac = 0;
  c.frac_digits = 0;
  if (t.size() > 19 && t[19] == '.') {
    std::size_t k = 20;
    while (k < t.size() && t[k] >= '0' && t[k] <= '9' && k < 26) {
      c.frac = c.frac * 10 + static_cast<std::uint32_t>(t[k] - '0');
      ++k;
    }
    c.frac_digits = static_cast<int>(k - 20);
    if (c.frac_digits != 3 && c.frac_digits != 6) return false;
  }
  return true;
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t civil_to_epoch(const CivilTime& t) {
  const std::int64_t y = t.y - (t.mo <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (t.mo + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + t.d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + t.h * 3600 + t.mi * 60 + t.s;
}

CivilTime epoch_to_civil(std::int64_t secs) {
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.mo = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.y = static_cast<int>(yoe + era * 400 + (c.mo <= 2 ? 1 : 0));
  c.h = static_cast<int>(rem / 3600);
  c.mi = static_cast<int>(rem / 60 % 60);
  c.s = static_cast<int>(rem % 60);
  return c;
}

std::string precision_of(int frac_digits) {
  return frac_digits == 6 ? "us" : frac_digits == 3 ? "ms" : "s";
}

std::string iso_utc(const CivilTime& t, const std::string& precision) {
  char buf[64];
  if (precision == "us")
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", t.y, t.mo, t.d, t.h, t.mi, t.s,
                  t.frac_digits == 6 ? t.frac : t.frac * 1000);
  else if (precision == "ms")
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", t.y, t.mo, t.d, t.h, t.mi, t.s,
                  t.frac_digits == 6 ? t.frac / 1000 : t.frac);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.y, t.mo, t.d, t.h, t.mi, t.s);
  return buf;
}

namespace {
// "+HH:MM" / "-HH:MM" / "UTC" / "Z" as seconds east of UTC.
std::optional<int> fixed_offset(const std::string& tz) {
  if (tz == "UTC" || tz == "Z" || tz == "Etc/UTC") return 0;
  int h = 0, m = 0;
  if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':' && digits(tz, 1, 2, h) &&
      digits(tz, 4, 2, m) && h <= 14 && m <= 59)
    return (tz[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return std::nullopt;
}

std::u16string utf16(const std::string& s) { return std::u16string(s.begin(), s.end()); }  // ASCII ids
}  // namespace

Status check_zone(const std::string& tz) {
  if (fixed_offset(tz)) return Ok{};
  for (char c : tz)
    if (static_cast<unsigned char>(c) >= 0x80) return make_error(Errc::kUsage, "--tz: unknown time zone \"" + tz + "\"");
  const std::u16string id = utf16(tz);
  UChar out[128];
  UBool system = 0;
  UErrorCode status = U_ZERO_ERROR;
  ucal_getCanonicalTimeZoneID(reinterpret_cast<const UChar*>(id.data()), static_cast<int32_t>(id.size()), out, 128,
                              &system, &status);
  if (U_FAILURE(status) || !system)
    return make_error(Errc::kUsage, "--tz: unknown time zone \"" + tz +
                                        "\" (an IANA name such as Europe/Berlin, UTC, or +02:00)");
  return Ok{};
}

bool local_to_utc(const CivilTime& local, const std::string& tz, CivilTime& utc) {
  std::int64_t secs = 0;
  if (auto off = fixed_offset(tz)) {
    secs = civil_to_epoch(local) - *off;
  } else {
    const std::u16string id = utf16(tz);
    UErrorCode status = U_ZERO_ERROR;
    UCalendar* cal = ucal_open(reinterpret_cast<const UChar*>(id.data()), static_cast<int32_t>(id.size()), "en",
                               UCAL_GREGORIAN, &status);
    if (U_FAILURE(status)) return false;
    ucal_clear(cal);
    ucal_setDateTime(cal, local.y, local.mo - 1, local.d, local.h, local.mi, local.s, &status);
    const UDate ms = ucal_getMillis(cal, &status);
    ucal_close(cal);
    if (U_FAILURE(status)) return false;
    secs = static_cast<std::int64_t>(ms / 1000.0);
  }
  utc = epoch_to_civil(secs);
  utc.frac = local.frac;
  utc.frac_digits = local.frac_digits;
  return true;
}

void set_time_utc(SeedEvent& e, std::string_view stated, const CivilTime& utc) {
  e.time_stated = std::string(stated);
  e.time_precision = precision_of(utc.frac_digits);
  e.time_utc = iso_utc(utc, e.time_precision);
  e.time_zone = "UTC";
}

void set_time_local(SeedEvent& e, std::string_view stated, const CivilTime& local, TimeContext& ctx) {
  e.time_stated = std::string(stated);
  e.time_precision = precision_of(local.frac_digits);
  CivilTime utc;
  if (!ctx.tz.empty() && local_to_utc(local, ctx.tz, utc)) {
    e.time_utc = iso_utc(utc, e.time_precision);
    e.time_zone = "assumed " + ctx.tz;
    e.time_assumption = ctx.assumption;
    ctx.used = true;
  } else {
    e.time_zone = "zone_unknown";
  }
}

std::string percent_decode(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hexval(v[i + 1]) >= 0 &&
        hexval(v[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexval(v[i + 1]) * 16 + hexval(v[i + 2])));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

std::optional<std::string_view> query_param(std::string_view q, std::string_view key) {
  std::size_t at = 0;
  while (at <= q.size()) {
    std::size_t end = q.find('&', at);
    if (end == std::string_view::npos) end = q.size();
    std::string_view kv = q.substr(at, end - at);
    if (kv.size() > key.size() && kv.substr(0, key.size()) == key && kv[key.size()] == '=')
      return kv.substr(key.size() + 1);
    if (kv == key) return std::string_view{};
    at = end + 1;
  }
  return std::nullopt;
}


std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::string> hex_to_bytes(std::string_view hex) {
  if (hex.size() % 2 != 0 || !is_hex(hex)) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    out.push_back(static_cast<char>(v(hex[i]) * 16 + v(hex[i + 1])));
  }
  return out;
}

void set_peer_id(SeedEvent& e, std::string_view raw) {
  e.peer_id_hex = to_hex(raw);
  e.peer_id = printable_bytes(raw);
  e.peer_id_client = client_from_peer_id(raw);
}

void set_hash(SeedEvent& e, std::string_view hex) {
  const std::string h = lower(hex);
  if (h.size() == 64) e.infohash_v2 = h;
  else if (h.size() == 40 && e.infohash_wire_kind == "v2-truncated") e.infohash_wire = h;
  else if (h.size() == 40) e.infohash_v1 = h;
  if (!e.infohash_v1.empty() || !e.infohash_v2.empty() || !e.infohash_wire.empty()) e.infohash_from = "line";
}

void LogState::error(std::string reason) {
  ++log.skipped_lines;
  if (log.errors.size() < opts.max_errors) {
    Error e = make_error(Errc::kFormat, std::move(reason), log.path);
    e.line = line_no;
    log.errors.push_back(std::move(e));
  }
}

SeedEvent& LogState::event(std::string kind) {
  SeedEvent e;
  e.source = log.format;
  e.source_file = log.path;
  e.source_line = line_no;
  e.observer = log.observer;
  e.client = log.client;
  e.kind = std::move(kind);
  std::string_view raw = line.substr(0, 400);
  // Cut at a UTF-8 boundary is not needed: raw is escaped as bytes below.
  std::string r;
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) r.push_back(static_cast<char>(c));
    else if (c == '\t') r.push_back('\t');
    else {
      char b[5];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      r += b;
    }
  }
  e.raw = std::move(r);
  log.events.push_back(std::move(e));
  return log.events.back();
}

}  // namespace detail::seed

using namespace detail::seed;

std::string printable_bytes(std::string_view raw) {
  std::string out;
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char b[5];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  return out;
}

std::string client_from_peer_id(std::string_view id) {
  // aria2: "A2-" major "-" minor "-" patch "-" then random bytes.
  if (id.size() >= 9 && id.substr(0, 3) == "A2-") {
    Cursor c{id, 3};
    std::uint64_t a = 0, b = 0, p = 0;
    if (c.uint(a) && c.lit("-") && c.uint(b) && c.lit("-") && c.uint(p) && c.lit("-"))
      return "aria2 " + std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(p);
    return "aria2";
  }
  // Azureus style: '-' two letters four version characters '-'.
  if (id.size() >= 8 && id[0] == '-' && id[7] == '-') {
    static const std::map<std::string, std::string, std::less<>> kClients = {
        {"TR", "Transmission"}, {"qB", "qBittorrent"}, {"DE", "Deluge"},   {"LT", "libtorrent (Rasterbar)"},
        {"lt", "libTorrent (rTorrent)"}, {"AZ", "Vuze"}, {"UT", "uTorrent"}, {"BC", "BitComet"},
        {"KT", "KTorrent"}, {"BI", "BiglyBT"}, {"FD", "Free Download Manager"}, {"WW", "WebTorrent"}};
    auto it = kClients.find(id.substr(1, 2));
    if (it == kClients.end()) return {};
    const std::string_view v = id.substr(3, 4);
    auto val = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'A' && ch <= 'Z') return ch - 'A' + 10;
      return -1;
    };
    if (it->first == "TR") {  // Transmission: major, then two digits of minor ("3000" = 3.00)
      if (val(v[0]) < 0 || v[1] < '0' || v[1] > '9' || v[2] < '0' || v[2] > '9') return it->second;
      return it->second + " " + std::to_string(val(v[0])) + "." + std::string(v.substr(1, 2));
    }
    std::string out = it->second;
    std::string ver;
    for (std::size_t k = 0; k < 3; ++k) {
      const int d = val(v[k]);
      if (d < 0) return out;
      ver += (k ? "." : "") + std::to_string(d);
    }
    return out + " " + ver;
  }
  return {};
}

std::string primary_infohash(const SeedEvent& e) {
  if (!e.infohash_v1.empty()) return e.infohash_v1;
  if (!e.infohash_v2.empty()) return e.infohash_v2;
  return e.infohash_wire;
}

// ---- format detection -------------------------------------------------------------------

namespace {

std::vector<std::string_view> head_lines(std::string_view head, std::size_t max) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < head.size() && out.size() < max) {
    std::size_t end = head.find('\n', at);
    if (end == std::string_view::npos) end = head.size();
    std::string_view l = head.substr(at, end - at);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!l.empty()) out.push_back(l);
    at = end + 1;
  }
  return out;
}

bool has(std::string_view s, std::string_view t) { return s.find(t) != std::string_view::npos; }

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<std::string> detect_seedlog_format(std::string_view head) {
  const auto lines = head_lines(head.substr(0, 1u << 20), 4000);
  if (lines.empty()) return make_error(Errc::kUnsupported, "empty file: not a seeding log");
  const std::string_view first = lines.front();
  if (first.front() == '{') {
    bool lt = false, tracker = false, trpoll = false, rtpoll = false, qbt = false, qbp = false, norm = false;
    for (auto l : lines) {
      if (has(l, "\"seeding-event/1\"")) norm = true;
      if (has(l, "\"source\": \"lt_agent\"") || has(l, "\"source\":\"lt_agent\"")) lt = true;
      if (has(l, "\"remote_addr\"") && has(l, "\"query\"")) tracker = true;
      if (has(l, "\"hashString\"")) trpoll = true;
      if (has(l, "\"up_total\"")) rtpoll = true;
      if (has(l, "\"uploaded_session\"")) qbt = true;
      if (has(l, "\"peers\":{") || has(l, "\"peers\": {")) qbp = true;
    }
    if (norm) return std::string("seeding-event-jsonl");
    if (lt) return std::string("lt-agent-jsonl");
    if (tracker) return std::string("nginx-tracker-jsonl");
    if (trpoll) return std::string("transmission-rpc-poll");
    if (rtpoll) return std::string("rtorrent-xmlrpc-poll");
    if (qbt) return std::string("qbittorrent-webapi-torrents");
    if (qbp) return std::string("qbittorrent-webapi-peers");
    return make_error(Errc::kUnsupported,
                      "JSON lines of no seeding-log kind we know (tracker access log, lt_agent alerts, "
                      "Transmission/qBittorrent/rTorrent polls, seeding-event/1)");
  }
  // Transmission: "[YYYY-MM-DD HH:MM:SS.mmm] ..."; the deep log has peer-wire lines.
  CivilTime ct;
  if (first.size() > 26 && first[0] == '[' && first[24] == ']' && parse_civil(first.substr(1, 23), ct)) {
    for (auto l : lines)
      if (has(l, "(peer-msgs.c:") || has(l, "(handshake.c:") || has(l, "(peer-io.c:") ||
          has(l, "Sending announce to libcurl"))
        return std::string("transmission-deep");
    return std::string("transmission-messages");
  }
  // aria2: "YYYY-MM-DD HH:MM:SS.uuuuuu [LEVEL] [File.cc:N] ..."
  if (first.size() > 28 && parse_civil(first.substr(0, 26), ct) && ct.frac_digits == 6 && first[26] == ' ' &&
      first[27] == '[')
    return std::string("aria2-debug");
  // rTorrent: "EPOCH L message"; the peer log has piece_events.
  {
    const std::size_t sp = first.find(' ');
    if (sp != std::string_view::npos && sp >= 9 && is_digits(first.substr(0, sp)) && sp + 2 < first.size() &&
        first[sp + 2] == ' ') {
      for (auto l : lines)
        if (has(l, "->piece_events: ")) return std::string("rtorrent-peer-log");
      return std::string("rtorrent-main-log");
    }
  }
  // Human summaries of one torrent: `deluge-console info` and `transmission-remote -t N -i`.
  if (first.rfind("Name: ", 0) == 0 && lines.size() > 1 && lines[1].rfind("ID: ", 0) == 0)
    return std::string("deluge-console-info");
  if (first == "NAME")
    for (auto l : lines)
      if (l.rfind("  Hash: ", 0) == 0) return std::string("transmission-remote-info");
  // libtorrent's text alert log (the lt_agent's .log): "2026-11-28T04:39:50.375Z name_alert: ...".
  if (first.size() > 26 && first[23] == 'Z' && first[24] == ' ' && parse_civil(first.substr(0, 23), ct) &&
      ct.frac_digits == 3 && first.find("_alert: ", 25) != std::string_view::npos)
    return std::string("lt-alerts-text");
  // qBittorrent's file log: "(N) 2026-11-28T04:40:24 - message".
  if (first.size() > 24 && first[0] == '(' && first[2] == ')' && first[3] == ' ' && parse_civil(first.substr(4, 19), ct))
    return std::string("qbittorrent-log");
  // Deluge's debug log: "04:41:14 [INFO    ][deluge.core.daemon :94  ] message" (time of day only).
  if (first.size() > 10 && first[2] == ':' && first[5] == ':' && first[8] == ' ' && first[9] == '[' &&
      is_digits(first.substr(0, 2)) && is_digits(first.substr(3, 2)) && is_digits(first.substr(6, 2)))
    return std::string("deluge-debug-log");
  // nginx access log of tracker requests: "IP:PORT - [ISO] "GET /announce?..."
  for (auto l : lines)
    if (has(l, " - [") && has(l, "\"GET /announce?")) return std::string("nginx-tracker-text");
  return make_error(Errc::kUnsupported,
                    "not a seeding log we read (tracker access log, libtorrent alerts JSON, Transmission deep "
                    "log or RPC poll, aria2 debug log, qBittorrent Web API poll, rTorrent log or XML-RPC "
                    "poll, seeding-event/1)");
}

// ---- the line loop -----------------------------------------------------------------------

namespace {

std::string client_of(const std::string& format) {
  if (format.rfind("nginx-tracker", 0) == 0) return "tracker (nginx access log)";
  if (format.rfind("transmission", 0) == 0) return "Transmission";
  if (format.rfind("aria2", 0) == 0) return "aria2";
  if (format.rfind("lt-a", 0) == 0) return "libtorrent (Rasterbar) via lt_agent";
  if (format.rfind("qbittorrent", 0) == 0) return "qBittorrent";
  if (format.rfind("rtorrent", 0) == 0) return "rTorrent";
  if (format.rfind("deluge", 0) == 0) return "Deluge";
  return {};
}

// The observer is the client instance whose record this is. Logs do not say it, so it is the
// file name without the format's usual suffix (`transmission-seeder-deep-debug.log` →
// `transmission-seeder`), as the reference normaliser does; "tracker" for tracker logs.
std::string observer_of(std::string_view path, const std::string& format) {
  if (format.rfind("nginx-tracker", 0) == 0) return "tracker";
  std::string name(std::filesystem::path(std::string(path)).filename().string());
  for (std::string_view suf : {"-deep-debug.log", "-peer-debug.log", "-xmlrpc-poll.jsonl", "-rpc-poll.jsonl",
                               "-debug.log", "-alerts.jsonl", "-alerts.log", "-webapi-poll.jsonl", "-webapi-peers.jsonl",
                               "-main.log", "-messages.log", "-remote-info.txt", "-info-final.txt",
                               "-info.txt", ".jsonl", ".log", ".txt"}) {
    if (name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0)
      return name.substr(0, name.size() - suf.size());
  }
  return name;
}

}  // namespace

Result<SeedLog> parse_seedlog(std::string_view bytes, std::string_view path, const SeedLogOptions& opts) {
  if (bytes.size() > opts.max_file_bytes)
    return make_error(Errc::kLimit, "log is larger than the limit of " + std::to_string(opts.max_file_bytes) + " bytes",
                      std::string(path));
  TimeContext tctx;
  if (!opts.tz.empty()) {
    if (auto ok = check_zone(opts.tz); !ok) return std::move(ok).error();
    tctx.tz = opts.tz;
  }
  if (!opts.date.empty()) {
    CivilTime d;
    if (!parse_civil(opts.date + " 00:00:00", d) || opts.date.size() != 10)
      return make_error(Errc::kUsage, "--date: expected YYYY-MM-DD, not \"" + opts.date + "\"");
    tctx.date = opts.date;
  }
  tctx.assumption = "local times read as " + (tctx.tz.empty() ? std::string("zone_unknown") : tctx.tz) + " (--tz)";
  if (!tctx.date.empty()) tctx.assumption += ", dates " + tctx.date + " (--date)";

  auto fmt = detect_seedlog_format(bytes);
  if (!fmt) return std::move(fmt).error().with_path(std::string(path));
  SeedLog log;
  log.path = std::string(path);
  log.sha256 = sha256_hex(bytes);
  log.bytes = bytes.size();
  log.format = *fmt;
  log.client = client_of(log.format);
  log.observer = observer_of(path, log.format);

  void (*parse)(LogState&) = nullptr;
  if (log.format == "nginx-tracker-jsonl") parse = parse_tracker_jsonl;
  else if (log.format == "nginx-tracker-text") parse = parse_tracker_text;
  else if (log.format == "transmission-deep") parse = parse_transmission_deep;
  else if (log.format == "aria2-debug") parse = parse_aria2_debug;
  else if (log.format == "lt-agent-jsonl") parse = parse_lt_agent;
  else if (log.format == "transmission-rpc-poll" || log.format == "rtorrent-xmlrpc-poll" ||
           log.format.rfind("qbittorrent-webapi", 0) == 0)
    parse = parse_poll_jsonl;
  else if (log.format == "seeding-event-jsonl") parse = parse_seeding_event_jsonl;
  else if (log.format == "rtorrent-peer-log" || log.format == "rtorrent-main-log") parse = parse_rtorrent_log;
  else if (log.format == "qbittorrent-log") parse = parse_qbittorrent_log;
  else if (log.format == "lt-alerts-text") parse = parse_lt_text;
  else if (log.format == "deluge-console-info" || log.format == "transmission-remote-info")
    parse = parse_client_summary;
  else if (log.format == "deluge-debug-log") parse = parse_deluge_debug;

  LogState st{log, opts, tctx};
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::size_t end = bytes.find('\n', at);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(at, end - at);
    at = end + 1;
    ++st.line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    st.line = line;
    if (line.empty()) continue;
    if (line.size() > opts.max_line_bytes) {
      st.error("line of " + std::to_string(line.size()) + " bytes is over the limit of " +
               std::to_string(opts.max_line_bytes));
      continue;
    }
    if (log.events.size() >= opts.max_events) {
      st.error("more than " + std::to_string(opts.max_events) + " events in one log; the rest is not read");
      break;
    }
    if (parse) parse(st);
  }
  log.lines = st.line_no;
  finish_log(st);
  if (tctx.used) log.assumptions.push_back(tctx.assumption);
  // Torrent identities stated in this log: hashes that appear together on one record.
  std::map<std::string, std::set<std::string>> names_of;
  std::set<std::vector<std::string>> groups;
  for (const auto& e : log.events) {
    if (e.infohash_from != "line") continue;
    std::vector<std::string> g;
    for (const auto* h : {&e.infohash_v1, &e.infohash_v2, &e.infohash_wire})
      if (!h->empty()) g.push_back(*h);
    std::sort(g.begin(), g.end());
    g.erase(std::unique(g.begin(), g.end()), g.end());
    if (!e.torrent_name.empty()) names_of[g.front()].insert(e.torrent_name);
    groups.insert(std::move(g));
  }
  for (const auto& g : groups) {
    TorrentIdentity t;
    t.hashes = g;
    if (auto it = names_of.find(g.front()); it != names_of.end()) t.names.assign(it->second.begin(), it->second.end());
    log.torrents.push_back(std::move(t));
  }
  return log;
}

Result<SeedLog> read_seedlog(const std::filesystem::path& file, const SeedLogOptions& options) {
  auto bytes = read_file(file, options.max_file_bytes);
  if (!bytes) return std::move(bytes).error().with_path(file.string());
  return parse_seedlog(*bytes, file.string(), options);
}

// ---- cross-log resolution ----------------------------------------------------------------

void resolve_torrents(std::vector<SeedLog>& logs) {
  // Union of identities: any two hashes stated together are one torrent.
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
  std::map<std::string, std::set<std::string>> by_name;  // name -> roots
  for (const auto& l : logs)
    for (const auto& t : l.torrents)
      for (const auto& h : t.hashes) unite(t.hashes.front(), h);
  {  // a full v2 hash and its 20-byte truncation are one torrent
    std::vector<std::string> v2s;
    for (const auto& [h, p] : parent)
      if (h.size() == 64) v2s.push_back(h);
    for (const auto& h : v2s)
      if (parent.count(h.substr(0, 40))) unite(h, h.substr(0, 40));
  }
  std::set<std::string> roots;
  for (const auto& [h, p] : parent) roots.insert(find(h));
  // A representative event per root gives the hash fields to copy.
  std::map<std::string, const SeedEvent*> sample;
  for (const auto& l : logs)
    for (const auto& e : l.events) {
      if (e.infohash_from != "line") continue;
      const std::string r = find(primary_infohash(e));
      const SeedEvent*& s = sample[r];
      auto score = [](const SeedEvent* x) {
        return (x->infohash_v1.empty() ? 0 : 2) + (x->infohash_v2.empty() ? 0 : 1);
      };
      if (!s || score(&e) > score(s)) s = &e;
      if (!e.torrent_name.empty()) by_name[e.torrent_name].insert(r);
    }
  auto fill = [](SeedEvent& e, const SeedEvent& from, const char* how) {
    e.infohash_v1 = from.infohash_v1;
    e.infohash_v2 = from.infohash_v2;
    if (e.infohash_v1.empty() && e.infohash_v2.empty()) {
      e.infohash_wire = from.infohash_wire;
      e.infohash_wire_kind = from.infohash_wire_kind;
    }
    if (e.torrent_name.empty()) e.torrent_name = from.torrent_name;
    e.infohash_from = how;
  };
  // A tracker (or any wire-only) record names the 20 bytes the client announced: a v1 hash, or
  // a v2 hash truncated to 20 bytes. Say which when another record of the batch knows.
  std::map<std::string, std::string> v2_of_prefix, v2_of_v1, v1_of_v2;
  std::set<std::string> v1s;
  for (const auto& l : logs)
    for (const auto& e : l.events) {
      if (!e.infohash_v1.empty()) v1s.insert(e.infohash_v1);
      if (!e.infohash_v2.empty()) v2_of_prefix[e.infohash_v2.substr(0, 40)] = e.infohash_v2;
      if (!e.infohash_v1.empty() && !e.infohash_v2.empty()) {
        v2_of_v1[e.infohash_v1] = e.infohash_v2;
        v1_of_v2[e.infohash_v2] = e.infohash_v1;
      }
    }
  for (auto& l : logs)
    for (auto& e : l.events) {
      if (e.infohash_wire.empty() || !e.infohash_v1.empty() || !e.infohash_v2.empty()) continue;
      if (auto it = v2_of_prefix.find(e.infohash_wire); it != v2_of_prefix.end()) {
        e.infohash_wire_kind = "v2-truncated";
        e.infohash_v2 = it->second;
        if (auto v1 = v1_of_v2.find(it->second); v1 != v1_of_v2.end()) e.infohash_v1 = v1->second;
      } else if (v1s.count(e.infohash_wire)) {
        e.infohash_wire_kind = "v1";
        e.infohash_v1 = e.infohash_wire;
        if (auto v2 = v2_of_v1.find(e.infohash_wire); v2 != v2_of_v1.end()) e.infohash_v2 = v2->second;
      }
    }
  std::vector<std::pair<SeedEvent*, const SeedEvent*>> todo;
  for (auto& l : logs)
    for (auto& e : l.events) {
      if (!e.infohash_from.empty()) continue;
      if (!e.torrent_name.empty()) {
        auto it = by_name.find(e.torrent_name);
        if (it != by_name.end() && it->second.size() == 1) {
          todo.emplace_back(&e, sample[*it->second.begin()]);
          continue;
        }
        if (it != by_name.end()) continue;  // several torrents share the name: leave it
      }
      if (roots.size() == 1 && !sample.empty()) todo.emplace_back(&e, nullptr);
    }
  for (auto& [e, from] : todo) {
    if (from) fill(*e, *from, "name");
    else fill(*e, *sample.begin()->second, "only-torrent");
  }
}

// ---- event JSON --------------------------------------------------------------------------

std::string seed_event_json(const SeedEvent& e) {
  JsonWriter w;
  w.begin_object().field("schema", "seeding-event/1");
  auto s = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) w.field(k, v);
  };
  auto n = [&](std::string_view k, const std::optional<std::uint64_t>& v) {
    if (v) w.field(k, *v);
  };
  s("time", e.time_utc);
  s("time_stated", e.time_stated);
  s("time_precision", e.time_precision);
  s("time_zone", e.time_zone);
  s("time_assumption", e.time_assumption);
  s("source", e.source);
  s("source_file", e.source_file);
  w.field("source_line", e.source_line);
  s("observer", e.observer);
  s("client", e.client);
  s("observer_peer_id_hex", e.observer_peer_id_hex);
  s("kind", e.kind);
  w.field("rank", static_cast<int>(e.rank));
  w.field("rank_name", evidence_rank_name(e.rank));
  s("infohash_v1", e.infohash_v1);
  s("infohash_v2", e.infohash_v2);
  s("infohash_wire", e.infohash_wire);
  s("infohash_wire_kind", e.infohash_wire_kind);
  s("infohash_from", e.infohash_from);
  s("torrent_name", e.torrent_name);
  s("peer_ip", e.peer_ip);
  if (e.peer_port) w.field("peer_port", static_cast<std::uint64_t>(*e.peer_port));
  s("peer_port_kind", e.peer_port_kind);
  if (e.peer_listen_port) w.field("peer_listen_port", static_cast<std::uint64_t>(*e.peer_listen_port));
  s("peer_id", e.peer_id);
  s("peer_id_hex", e.peer_id_hex);
  s("peer_id_client", e.peer_id_client);
  s("peer_client", e.peer_client);
  s("direction", e.direction);
  n("piece_index", e.piece_index);
  n("offset", e.offset);
  n("length", e.length);
  s("scope", e.scope);
  n("bytes_up_total", e.bytes_up);
  n("bytes_down_total", e.bytes_down);
  n("bytes_left", e.bytes_left);
  s("bytes_counts", e.bytes_counts);
  s("announce_event", e.announce_event);
  s("raw", e.raw);
  w.end_object();
  return w.take();
}

namespace {

EvidenceRank rank_of_kind(std::string_view kind) {
  if (kind == "block_sent") return EvidenceRank::kUploaderBlocks;
  if (kind == "block_received") return EvidenceRank::kReceiverBlocks;
  if (kind == "transfer_totals") return EvidenceRank::kCounters;
  if (kind == "announce" || kind == "announce_sent") return EvidenceRank::kTrackerClaim;
  return EvidenceRank::kContext;
}

}  // namespace

namespace detail::seed {
EvidenceRank rank_for(std::string_view kind) { return rank_of_kind(kind); }
}  // namespace detail::seed

Result<SeedEvent> parse_seed_event_json(std::string_view json) {
  static thread_local simdjson::dom::parser parser;  // reused: buffers sized once per thread
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) || !doc.is_object())
    return make_error(Errc::kFormat, "not a JSON object");
  simdjson::dom::object o = doc.get_object().value_unsafe();
  std::string_view schema;
  if (o["schema"].get_string().get(schema) || schema != "seeding-event/1")
    return make_error(Errc::kFormat, "not a seeding-event/1 record (\"schema\" is missing or differs)");
  SeedEvent e;
  bool bad = false;
  auto s = [&](const char* k, std::string& out) {
    simdjson::dom::element v;
    if (o[k].get(v)) return;
    if (v.is_null()) return;
    std::string_view sv;
    if (v.get_string().get(sv)) {
      bad = true;
      return;
    }
    out = std::string(sv);
  };
  auto n = [&](const char* k, std::optional<std::uint64_t>& out) {
    simdjson::dom::element v;
    if (o[k].get(v) || v.is_null()) return;
    std::uint64_t u = 0;
    if (v.get_uint64().get(u)) {
      bad = true;
      return;
    }
    out = u;
  };
  s("time", e.time_utc);
  s("time_stated", e.time_stated);
  s("time_precision", e.time_precision);
  s("time_zone", e.time_zone);
  s("time_assumption", e.time_assumption);
  s("source", e.source);
  s("source_file", e.source_file);
  std::optional<std::uint64_t> line;
  n("source_line", line);
  e.source_line = line.value_or(0);
  s("observer", e.observer);
  s("client", e.client);
  s("observer_peer_id_hex", e.observer_peer_id_hex);
  s("kind", e.kind);
  s("infohash_v1", e.infohash_v1);
  s("infohash_v2", e.infohash_v2);
  s("infohash_wire", e.infohash_wire);
  s("infohash_wire_kind", e.infohash_wire_kind);
  s("infohash_from", e.infohash_from);
  s("torrent_name", e.torrent_name);
  s("peer_ip", e.peer_ip);
  std::optional<std::uint64_t> port, lport;
  n("peer_port", port);
  n("peer_listen_port", lport);
  if (port && *port <= 65535) e.peer_port = static_cast<std::uint32_t>(*port);
  if (lport && *lport <= 65535) e.peer_listen_port = static_cast<std::uint32_t>(*lport);
  s("peer_port_kind", e.peer_port_kind);
  s("peer_id", e.peer_id);
  s("peer_id_hex", e.peer_id_hex);
  s("peer_id_client", e.peer_id_client);
  s("peer_client", e.peer_client);
  s("direction", e.direction);
  n("piece_index", e.piece_index);
  n("offset", e.offset);
  n("length", e.length);
  s("scope", e.scope);
  n("bytes_up_total", e.bytes_up);
  n("bytes_down_total", e.bytes_down);
  n("bytes_left", e.bytes_left);
  s("bytes_counts", e.bytes_counts);
  s("announce_event", e.announce_event);
  s("raw", e.raw);
  if (bad) return make_error(Errc::kFormat, "a seeding-event/1 field has the wrong JSON type");
  if (e.kind.empty()) return make_error(Errc::kFormat, "seeding-event/1 record without \"kind\"");
  for (auto* h : {&e.infohash_v1, &e.infohash_v2, &e.infohash_wire}) {
    const std::size_t want = h == &e.infohash_v2 ? 64 : 40;
    if (!h->empty() && (h->size() != want || !is_hex(*h)))
      return make_error(Errc::kFormat, "seeding-event/1 info-hash is not " + std::to_string(want) + " hex digits");
    *h = lower(*h);
  }
  e.rank = rank_of_kind(e.kind);
  return e;
}

}  // namespace prov::ingest
