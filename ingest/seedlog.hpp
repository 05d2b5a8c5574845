// ingest/seedlog.hpp: BitTorrent seeding logs in, normalised seeding events out.
//
// A seeding log is whatever a tracker or a client wrote while a torrent was shared: web-server
// access logs of tracker announces (BEP 3 query strings), libtorrent alert logs (JSON lines of
// the lt_agent), Transmission's deep debug log and RPC polls, aria2's debug log, qBittorrent's
// Web API polls, rTorrent's peer log and XML-RPC polls, and the normalised `seeding-event/1`
// JSON lines themselves. The format is detected from the content, never from the file name.
//
// Every value is kept as the source states it, with what it means: the time and its precision
// and zone (or `zone_unknown`), the info-hash exactly as stated (40 hex for v1 or a v2 hash
// truncated to 20 bytes, 64 hex for a full v2 hash), the peer's port and whether it is a
// connection or a listening port, peer ids as raw bytes (hex) plus a printable form, and byte
// counts with what they count. Each event carries an evidence rank (see EvidenceRank).
// A line that cannot be read is reported (file, line, reason) and skipped; nothing here prints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace prov::ingest {

// How strongly an event proves that the observer's side uploaded bytes of a torrent. Lower is
// stronger. The order is the issue's: the uploader's own per-block lines, then the receiver's
// lines naming the uploader, then counters, then the client's claim to a tracker.
enum class EvidenceRank : int {
  kUploaderBlocks = 1,  // block_sent in the uploader's own log (piece, offset, length, peer)
  kReceiverBlocks = 2,  // block_received in the downloader's log, naming the uploader
  kCounters = 3,        // transfer_totals: a client's per-peer or per-torrent byte counter
  kTrackerClaim = 4,    // announce / announce_sent: `uploaded=` as the client told the tracker
  kContext = 5,         // no bytes moved: requests, handshakes, torrent life cycle
};
const char* evidence_rank_name(EvidenceRank r);

// One normalised event (`seeding-event/1` plus provaudit's additions). Empty strings and
// nullopt mean "the source does not state it".
struct SeedEvent {
  // Time as stated, and what we know about it.
  std::string time_stated;     // the source's own text (or epoch number) for the time
  std::string time_utc;        // ISO-8601 `...Z`; empty when the zone is unknown
  std::string time_precision;  // "us", "ms" or "s"
  std::string time_zone;       // "UTC" (stated), "zone_unknown", or "assumed <ZONE>" (--tz)
  std::string time_assumption; // the --tz/--date assumption applied to this event, if any
  // Where it came from.
  std::string source;          // format id, e.g. "transmission-deep" (same ids as FORMATS.md)
  std::string source_file;     // path as given
  std::uint64_t source_line = 0;  // 1-based
  std::string observer;        // whose record: "tracker" or the client instance (file name stem)
  std::string client;          // the software that wrote the record, e.g. "Transmission"
  std::string observer_peer_id_hex;  // the observer's own peer id, when its log states it
  std::string kind;            // block_sent, block_received, request_received, request_sent,
                               // transfer_totals, announce, announce_sent, handshake,
                               // peer_connected, peer_disconnected, torrent_added, torrent_complete
  EvidenceRank rank = EvidenceRank::kContext;
  // The torrent.
  std::string infohash_v1;     // 40 hex, lower case
  std::string infohash_v2;     // 64 hex, lower case
  std::string infohash_wire;   // 40 hex: the 20 bytes as announced (tracker / peer wire)
  std::string infohash_wire_kind;  // "v1", "v2-truncated" or "" (not known which)
  std::string infohash_from;   // "line" (stated on it), "name" (torrent name resolved through
                               // another log of the same batch), "only-torrent" (the batch
                               // names exactly one torrent); "" when unresolved
  std::string torrent_name;
  // The other side.
  std::string peer_ip;
  std::optional<std::uint32_t> peer_port;
  std::string peer_port_kind;  // "listen", "connection" or "unknown"
  std::optional<std::uint32_t> peer_listen_port;  // learned separately (LTEP handshake)
  std::string peer_id_hex;     // 20 raw bytes as hex (or the prefix the source gives)
  std::string peer_id;         // printable: bytes 0x20..0x7e kept, others `\xNN`
  std::string peer_id_client;  // the client the peer id names, e.g. "Transmission 3.00"
  std::string peer_client;     // the client name as the source reports it
  std::string direction;       // "in" / "out" (handshakes)
  // Block coordinates (block and request events).
  std::optional<std::uint64_t> piece_index, offset, length;
  // Counters as the source states them.
  std::string scope;           // "torrent" or "peer"
  std::optional<std::uint64_t> bytes_up, bytes_down, bytes_left;
  std::string bytes_counts;    // what the figures count (see ARCHITECTURE.md "Seeding evidence")
  std::string announce_event;  // started, completed, stopped, none
  std::string raw;             // the original line, first 400 bytes, invalid UTF-8 escaped
};

// The torrent identities a log states: hashes seen together on one record (a hybrid's v1 hash,
// full v2 hash and truncated v2 hash) and the names given with them.
struct TorrentIdentity {
  std::vector<std::string> hashes;  // sorted, unique, lower-case hex
  std::vector<std::string> names;   // sorted, unique
};

struct SeedLogOptions {
  std::uint64_t max_file_bytes = 256ull << 20;  // one log
  std::size_t max_line_bytes = 1u << 20;        // one line (JSON polls can be long)
  // Per log. Events are held in memory until the logs of one call are resolved (about 2.5 KB
  // each), so 1 M events cost about 2.5 GB; a longer log is cut there with an error.
  std::size_t max_events = 1'000'000;
  std::size_t max_errors = 1000;                // reported per log; the rest are counted only
  // Times without a zone: read them as local time in `tz` (IANA name such as "Europe/Berlin",
  // "UTC", or a fixed offset "+02:00"); a time of day only also needs `date` (YYYY-MM-DD).
  std::string tz;
  std::string date;
};

struct SeedLog {
  std::string path;            // as given
  std::string sha256;          // of the file's bytes
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::string format;          // detected source id
  std::string client;          // software that wrote it
  std::string observer;        // see SeedEvent::observer
  std::uint64_t skipped_lines = 0;    // unreadable lines (errors holds the first max_errors)
  std::vector<Error> errors;          // one per unreadable line, with path and line
  std::vector<std::string> assumptions;  // e.g. "local times read as UTC (--tz UTC)"
  std::vector<TorrentIdentity> torrents; // identities stated in this log
  std::vector<SeedEvent> events;         // in line order
};

// The format id of a log from its first lines, or Errc::kUnsupported naming what it looked like.
Result<std::string> detect_seedlog_format(std::string_view head);

// Parses one log held in memory. `path` names it in events and errors. Fails only when the
// whole input cannot be used (unknown format, over max_file_bytes, bad --tz); unreadable lines
// go to SeedLog::errors. Deterministic; thread-safe (no shared state).
Result<SeedLog> parse_seedlog(std::string_view bytes, std::string_view path,
                              const SeedLogOptions& options = {});
// Reads and parses one file (Errc::kIo when unreadable).
Result<SeedLog> read_seedlog(const std::filesystem::path& file, const SeedLogOptions& options = {});

// Fills in the info-hashes of events whose line names the torrent only by name (Transmission),
// or not at all (aria2, qBittorrent's peer list), from the other logs of the same batch: first by
// name, then, if the batch states exactly one torrent, that one. Records how on each event
// (`infohash_from`). Hashes stated on a line are never changed.
void resolve_torrents(std::vector<SeedLog>& logs);

// The hash an event is filed under: v1 if known, else the full v2, else the wire hash as
// announced; "" when unresolved.
std::string primary_infohash(const SeedEvent& e);

// Canonical JSON of one event (`seeding-event/1` field names, fixed order, absent values left
// out) and back. parse_seed_event_json accepts what seed_event_json writes and the reference
// normaliser's lines; Errc::kFormat otherwise.
std::string seed_event_json(const SeedEvent& e);
Result<SeedEvent> parse_seed_event_json(std::string_view json);

// The client a peer id names (Azureus style `-TR3000-` → "Transmission 3.00", aria2's
// `A2-1-36-0-` → "aria2 1.36.0"); "" when it names none we know. Input: raw bytes.
std::string client_from_peer_id(std::string_view peer_id);
// Raw bytes as `\xNN`-escaped printable text (bytes 0x20..0x7e kept, backslash included).
std::string printable_bytes(std::string_view raw);

}  // namespace prov::ingest
