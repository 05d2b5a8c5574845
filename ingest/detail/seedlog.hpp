// ingest/detail/seedlog.hpp: helpers shared by the seeding-log parsers (private to ingest).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hex.hpp"
#include "common/result.hpp"
#include "ingest/seedlog.hpp"

namespace prov::ingest::detail::seed {

// A forward-only cursor over one line; every read checks bounds, so hostile lines are safe.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool lit(std::string_view t) {
    if (s.substr(i, t.size()) != t) return false;
    i += t.size();
    return true;
  }
  bool uint(std::uint64_t& v);          // decimal digits (at least one, at most 19)
  bool hex_uint(std::uint64_t& v);      // hex digits (at most 15)
  void skip_spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  // Text up to (not including) `t`; the cursor moves past `t`. nullopt if absent.
  std::optional<std::string_view> until(std::string_view t);
  std::string_view rest() const { return s.substr(i < s.size() ? i : s.size()); }
};

// Time stamps. A "local" stamp has no zone; the context converts it or marks it zone_unknown.
struct TimeContext {
  std::string tz;    // --tz, validated; empty: none
  std::string date;  // --date YYYY-MM-DD; empty: none
  std::string assumption;  // text recorded on events it touched
  bool used = false;
};
// "YYYY-MM-DD HH:MM:SS[.fff...]" (or 'T' as the separator): broken-down fields.
struct CivilTime {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::uint32_t frac = 0;  // fraction digits as an integer
  int frac_digits = 0;     // 0, 3 or 6
};
bool parse_civil(std::string_view text, CivilTime& t);
// Seconds since the epoch of a civil UTC time (proleptic Gregorian).
std::int64_t civil_to_epoch(const CivilTime& t);
CivilTime epoch_to_civil(std::int64_t secs);
std::string iso_utc(const CivilTime& t, const std::string& precision);  // ...Z
std::string precision_of(int frac_digits);                              // "s", "ms", "us"
// Validates --tz (IANA zone, "UTC", or "+HH:MM"/"-HH:MM"); Errc::kUsage when unknown.
Status check_zone(const std::string& tz);
// Converts a local civil time in zone `tz` to UTC (fraction kept). False on failure.
bool local_to_utc(const CivilTime& local, const std::string& tz, CivilTime& utc);

// Fills the time fields of `e`: `stated` as written, `utc` when the source gave the zone.
void set_time_utc(SeedEvent& e, std::string_view stated, const CivilTime& utc);
void set_time_local(SeedEvent& e, std::string_view stated, const CivilTime& local, TimeContext& ctx);

// Percent-decoding of a query-string value (`%XX` → byte, everything else literal).
std::string percent_decode(std::string_view v);
// Value of `key` in a query string `a=1&b=2` (raw, still percent-encoded).
std::optional<std::string_view> query_param(std::string_view query, std::string_view key);
std::string lower(std::string_view s);
std::optional<std::string> hex_to_bytes(std::string_view hex);

// Fills peer_id_hex / peer_id / peer_id_client from raw bytes.
void set_peer_id(SeedEvent& e, std::string_view raw);
// Sets the hash fields from a hex string as stated: 64 hex → v2; 40 hex → v1, unless the
// context says it is a truncated v2 (wire_kind).
void set_hash(SeedEvent& e, std::string_view hex);

// The state every parser of one log shares.
struct LogState {
  LogState(SeedLog& l, const SeedLogOptions& o, TimeContext& t) : log(l), opts(o), time(t) {}
  SeedLog& log;
  const SeedLogOptions& opts;
  TimeContext& time;
  std::uint64_t line_no = 0;
  std::string_view line;
  // Format state carried from line to line.
  std::map<std::pair<std::string, std::uint32_t>, std::uint32_t> listen_port;  // Transmission
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> last_counters;  // polls
  std::string last_stamp;  // aria2: the stamp of the last record line
  std::string ctx_name, ctx_hash;  // client summaries: the torrent named by earlier lines
  CivilTime last_time;
  void error(std::string reason);  // records an unreadable line
  SeedEvent& event(std::string kind);  // a new event for the current line, source fields set
};

// Per-format line parsers (seedlog_formats.cpp). Each is called once per line; an
// unrecognised but well-formed line is simply not evidence and produces nothing.
void parse_tracker_jsonl(LogState& st);
void parse_tracker_text(LogState& st);
void parse_transmission_deep(LogState& st);
void parse_aria2_debug(LogState& st);
void parse_rtorrent_log(LogState& st);
void parse_qbittorrent_log(LogState& st);
void parse_deluge_debug(LogState& st);
void parse_client_summary(LogState& st);  // deluge-console info, transmission-remote -i
void parse_lt_agent(LogState& st);
void parse_lt_text(LogState& st);
void parse_poll_jsonl(LogState& st);       // Transmission, qBittorrent, rTorrent polls
void parse_seeding_event_jsonl(LogState& st);
EvidenceRank rank_for(std::string_view kind);
// Called once after the last line (e.g. aria2 attaches its torrent to every event).
void finish_log(LogState& st);

}  // namespace prov::ingest::detail::seed
