// audit/evidence.hpp: seeding events in the index, and what they say about each torrent.
//
// add_evidence() parses seeding logs (ingest/seedlog.hpp), resolves torrents named only by
// name across the logs of one call, and stores them in the index's evidence column family:
//   log/<sha256 of the log file>                          the source (JSON, provaudit/seeding-log/1)
//   event/<info-hash hex>/<log sha256>/<line:010>.<n:04>  one event (JSON, seeding-event/1)
// where the info-hash is the event's primary hash (v1, else full v2, else the 20 bytes as
// announced) or `unresolved`, so the events of one torrent are contiguous. A log whose SHA-256
// is already stored is left alone, so re-adding is idempotent.
//
// summarize_torrent() turns the events of one torrent (a set of hashes: a hybrid's v1, v2 and
// truncated v2 hash are one torrent) into a seeding summary with the figures of each source
// side by side, never summed across sources of different meaning.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "audit/torrent.hpp"
#include "index/index.hpp"
#include "ingest/seedlog.hpp"

namespace prov::audit {

struct AddedLog {
  std::string path, sha256, format, observer;
  std::uint64_t lines = 0, events = 0, skipped_lines = 0;
  bool already_present = false;  // same bytes added before: nothing written
};
struct EvidenceAddResult {
  std::vector<AddedLog> logs;
  std::vector<Error> errors;  // unreadable files and lines (the CLI exits 3 when non-empty)
};
// Fails only when the index cannot be written; bad files and lines go to `errors`.
Result<EvidenceAddResult> add_evidence(index::Index& idx, const std::vector<std::string>& log_paths,
                                       const ingest::SeedLogOptions& options = {});

// One group of events that share observer, source, peer (and scope or hash kind).
struct FlowGroup {
  std::string observer, client, source, source_file;
  std::string observer_peer_id_hex;  // the observer's own peer id when its log states it
  std::string peer;        // as the source names it
  std::string peer_named_by;  // "peer id", "address:listen port", "address:connection port", ""
  std::string peer_client;    // client name as reported, or as the peer id names it
  std::string scope;          // counters: torrent / peer
  std::string wire_kind;      // tracker claims: v1 / v2-truncated
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;           // blocks: sum of lengths
  std::uint64_t pieces = 0;          // blocks: distinct pieces
  std::optional<std::uint64_t> last_up, max_up, last_down;  // counters and claims
  std::string last_event;            // tracker claims: announce event of the last record
  std::string bytes_counts;
  std::string first_time, last_time;  // UTC when known, else as stated (`zone_unknown` below)
  bool zone_unknown = false;
  std::uint64_t first_line = 0, last_line = 0;
};

// The torrent as `torrent add` recorded it in the index (metainfo, not the logs' word).
struct TorrentRecordInfo {
  std::string primary;  // the key it is stored under: v1 hash, else v2 hash
  std::string kind;     // v1, v2, hybrid
  std::string name;
  std::string info_hash_v1, info_hash_v2, info_hash_v2_truncated;  // empty when not of that kind
};

struct TorrentSummary {
  std::vector<std::string> hashes;  // every hash of the torrent seen (sorted)
  std::vector<std::string> names;
  std::vector<FlowGroup> uploader_blocks;  // rank 1: the observer uploaded to `peer`
  std::vector<FlowGroup> receiver_blocks;  // rank 2: the observer received from `peer`
  std::vector<FlowGroup> counters;         // rank 3
  std::vector<FlowGroup> tracker_claims;   // rank 4
  int strongest_rank = 0;   // the strongest rank with uploaded bytes > 0; 0: no upload shown
  std::string first_time, last_time;  // over events with a UTC time
  std::uint64_t zone_unknown_events = 0;
  std::uint64_t events = 0;
  // The chain to the works, set by attach_torrent_record(): the torrent's record (nullopt when
  // only logs name it), its files proven identical to indexed works (per work: that work's
  // files only), and the distinct works those files are.
  std::optional<TorrentRecordInfo> record;
  std::vector<TorrentLink> verified_files;  // by file index in the torrent
  std::vector<std::string> linked_works;    // sorted
};

// Every hash events of a recorded torrent may be filed under: v1, v2 and truncated v2 (sorted).
std::vector<std::string> torrent_hashes(const ingest::TorrentMeta& meta);
// The torrents `torrent add --data` linked to a work, each as its hash set, by primary hash.
Result<std::vector<std::vector<std::string>>> linked_torrents_of_work(const index::Index& idx,
                                                                      const std::string& work_id);
// Fills summary.record, verified_files and linked_works from the torrent records: the record of
// any of summary.hashes, its links to `work_id` only, or every link into it when `work_id` is
// empty. Adds the record's hashes to summary.hashes.
Status attach_torrent_record(const index::Index& idx, TorrentSummary& summary, const std::string& work_id);
// Merges hash sets that belong to one recorded torrent (a hybrid announced under its v1 and its
// truncated v2 hash with no log naming both), keeping the sets' order of first appearance.
Result<std::vector<std::vector<std::string>>> merge_by_record(const index::Index& idx,
                                                              std::vector<std::vector<std::string>> sets);

// The torrents the stored logs name, as hash sets (hashes stated together, and a v2 hash with
// its truncation, are one torrent), sorted.
Result<std::vector<std::vector<std::string>>> evidence_torrents(const index::Index& idx);
// The hash set of the torrent `hash` belongs to (just {hash} when no log links it to others).
Result<std::vector<std::string>> torrent_of_hash(const index::Index& idx, const std::string& hash);
Result<TorrentSummary> summarize_torrent(const index::Index& idx, const std::vector<std::string>& hashes);
// The stored events of a torrent (seeding-event/1 JSON, one string each), in key order:
// hash, log, line.
Result<std::vector<std::string>> torrent_events(const index::Index& idx, const std::vector<std::string>& hashes);

// The per-work view: the torrents that carried the work (those `torrent add --data` linked to
// it, plus `extra_torrents`, each a hash set, e.g. named by the user), each with its record,
// the work's verified files in it and its seeding summary; with a run folder, the passages of
// the work in RUN/matches.jsonl. Torrents are ordered by their smallest hash.
struct WorkTorrentEvidence {
  std::string work_id;
  std::vector<TorrentSummary> torrents;
  std::optional<std::uint64_t> passages, near_duplicates;  // set when a run was given
};
Result<WorkTorrentEvidence> work_evidence(const index::Index& idx, const std::string& work_id,
                                   const std::vector<std::vector<std::string>>& extra_torrents,
                                   const std::optional<std::filesystem::path>& run);

// Canonical JSON (provaudit/evidence/1) and a text rendering of summaries.
std::string evidence_json(const std::vector<TorrentSummary>& torrents, const std::vector<WorkTorrentEvidence>& works);
std::string evidence_text(const std::vector<TorrentSummary>& torrents, const std::vector<WorkTorrentEvidence>& works);

}  // namespace prov::audit
