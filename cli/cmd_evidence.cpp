// cli/cmd_evidence.cpp: `provaudit evidence add|show`: seeding logs into the index, and the
// seeding summary per torrent or per work.
#include <cstdio>
#include <set>

#include "audit/evidence.hpp"
#include "cli/commands.hpp"
#include "common/file_io.hpp"
#include "common/hex.hpp"
#include "index/index.hpp"
#include "reports/reports.hpp"

namespace prov::cli {
namespace {

struct AddArgs {
  std::string index;
  std::string tz;
  std::string date;
  std::vector<std::string> logs;
};

struct ShowArgs {
  std::string index;
  std::string work;
  std::vector<std::string> infohashes;
  std::string run;
  bool json = false;
  bool events = false;
};

int run_add(const AddArgs& a) {
  ingest::SeedLogOptions opt;
  opt.tz = a.tz;
  opt.date = a.date;
  auto idx = index::Index::open_for_write(a.index, fingerprint::Params{}, false);
  if (!idx) return fail(idx.error());
  auto rep = audit::add_evidence(**idx, a.logs, opt);
  if (!rep) return fail(rep.error());
  for (const auto& l : rep->logs) {
    if (l.already_present)
      std::printf("%s: already in the index (sha256 %s), unchanged\n", l.path.c_str(), l.sha256.substr(0, 16).c_str());
    else
      std::printf("%s: %s (%s), %llu lines, %llu events, %llu unreadable lines\n", l.path.c_str(), l.format.c_str(),
                  l.observer.c_str(), static_cast<unsigned long long>(l.lines),
                  static_cast<unsigned long long>(l.events), static_cast<unsigned long long>(l.skipped_lines));
  }
  print_errors(rep->errors);
  if (auto s = write_file_atomic(std::filesystem::path(a.index) / "errors.jsonl", reports::errors_jsonl(rep->errors));
      !s)
    return fail(s.error());
  return rep->errors.empty() ? kExitOk : kExitSkipped;
}

bool valid_hash(const std::string& h) { return (h.size() == 40 || h.size() == 64) && is_hex(h); }

int run_show(const ShowArgs& a) {
  auto idx = index::Index::open_read_only(a.index);
  if (!idx) return fail(idx.error());
  std::vector<std::string> hashes;
  for (auto h : a.infohashes) {
    for (char& c : h)
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!valid_hash(h)) return fail(make_error(Errc::kUsage, "--infohash: expected 40 or 64 hex digits, not \"" + h + "\""));
    hashes.push_back(h);
  }
  std::vector<audit::TorrentSummary> torrents;
  std::vector<audit::WorkTorrentEvidence> works;
  if (!a.run.empty() && a.work.empty()) return fail(make_error(Errc::kUsage, "--run needs --work"));
  if (a.events && !a.work.empty()) return fail(make_error(Errc::kUsage, "--events lists torrents: use --infohash, not --work"));
  if (!a.work.empty()) {
    auto r = (*idx)->resolve(a.work);
    if (!r) return fail(r.error());
    std::optional<std::filesystem::path> run;
    if (!a.run.empty()) run = a.run;
    // The torrents `torrent add --data` linked to the work, plus any the user names.
    std::vector<std::vector<std::string>> extra;
    for (const auto& h : hashes) extra.push_back({h});
    auto w = audit::work_evidence(**idx, r->work_id, extra, run);
    if (!w) return fail(w.error());
    works.push_back(std::move(*w));
  } else {
    std::vector<std::vector<std::string>> sets;
    if (hashes.empty()) {
      auto all = audit::evidence_torrents(**idx);
      if (!all) return fail(all.error());
      sets = *all;
    } else {
      std::set<std::vector<std::string>> uniq;
      for (const auto& h : hashes) {
        auto g = audit::torrent_of_hash(**idx, h);
        if (!g) return fail(g.error());
        uniq.insert(*g);
      }
      sets.assign(uniq.begin(), uniq.end());
    }
    // A torrent recorded by `torrent add` is one torrent under all its hashes.
    auto merged = audit::merge_by_record(**idx, std::move(sets));
    if (!merged) return fail(merged.error());
    sets = std::move(*merged);
    // Events no log of their `evidence add` could tie to a hash are filed under "unresolved";
    // the full listing shows them as one pseudo-torrent rather than hiding them.
    if (hashes.empty()) sets.push_back({"unresolved"});
    if (a.events) {  // the stored events themselves, JSON lines in key order
      for (const auto& s : sets) {
        auto ev = audit::torrent_events(**idx, s);
        if (!ev) return fail(ev.error());
        for (const auto& line : *ev) std::printf("%s\n", line.c_str());
      }
      return kExitOk;
    }
    for (const auto& s : sets) {
      auto t = audit::summarize_torrent(**idx, s);
      if (!t) return fail(t.error());
      if (t->events == 0 && s == std::vector<std::string>{"unresolved"}) continue;
      if (auto st = audit::attach_torrent_record(**idx, *t, ""); !st) return fail(st.error());
      torrents.push_back(std::move(*t));
    }
  }
  const std::string out = a.json ? audit::evidence_json(torrents, works) : audit::evidence_text(torrents, works);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void register_evidence(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("evidence", "Seeding evidence: read BitTorrent seeding logs into the index, and show "
                                             "who uploaded which torrent to whom.");
  cmd->require_subcommand(1);
  auto add = std::make_shared<AddArgs>();
  auto* a = cmd->add_subcommand(
      "add",
      "Parse seeding logs and store their events in the index (created if missing).\n"
      "Formats, detected by content: tracker announces in nginx access logs (text or JSON),\n"
      "libtorrent alerts (lt_agent JSON lines or text), Transmission deep debug log and RPC polls,\n"
      "aria2 debug log, qBittorrent Web API polls and log, rTorrent peer/main log and XML-RPC\n"
      "polls, Deluge debug log (time of day only: see --date), deluge-console info and\n"
      "transmission-remote -i output (displayed, rounded totals),\n"
      "and seeding-event/1 JSON lines. Give a client's logs together: a torrent named only\n"
      "by name (Transmission) or not at all (aria2, qBittorrent's peer list) is resolved\n"
      "through the other logs of the same call. Values are kept as stated; each event records\n"
      "its evidence rank (1 uploader's blocks, 2 receiver's blocks, 3 counters, 4 tracker\n"
      "claim). Re-adding a log is a no-op. Unreadable lines are listed on stderr and in\n"
      "IDX/errors.jsonl (exit 3).");
  a->add_option("--index", add->index, "Index directory")->required();
  a->add_option("--tz", add->tz,
                "Read times without a zone (Transmission, aria2) as local time in ZONE (IANA name, UTC, "
                "or +HH:MM); recorded on every event it touched. Without it they stay zone_unknown");
  a->add_option("--date", add->date, "YYYY-MM-DD for logs that give the time of day only");
  a->add_option("logs", add->logs, "Log files")->required();
  a->callback([add, &exit_code] { exit_code = run_add(*add); });

  auto show = std::make_shared<ShowArgs>();
  auto* s = cmd->add_subcommand(
      "show",
      "Seeding summary per torrent: who uploaded (observer, client, own peer id), to whom (as\n"
      "the source names the peer: peer id or address:port, saying which), bytes per source\n"
      "figure side by side (uploader's block sum, receiver's block sum, client counters,\n"
      "tracker claims; never added together), first and last time, strongest rank, lines.\n"
      "Every torrent in the index by default (events whose torrent no log named: \"unresolved\");\n"
      "--infohash H for one (a hybrid's v1, v2 and truncated v2 hashes are one torrent);\n"
      "--work W for the torrents that carried a work (those `torrent add --data` proved to hold\n"
      "it, with the verified files, plus any --infohash names) and, with --run RUN, its passages\n"
      "in RUN/matches.jsonl; --events for the stored events themselves. A torrent recorded by\n"
      "`torrent add` also shows its name, info-hashes and the files proven to be indexed works.");
  s->add_option("--index", show->index, "Index directory")->required();
  s->add_option("--work", show->work, "WORK_ID (or a unique prefix of 8+ hex digits)");
  s->add_option("--infohash", show->infohashes, "Info-hash, 40 or 64 hex digits (repeatable)");
  s->add_option("--run", show->run, "Scan run folder: count the work's passages in RUN/matches.jsonl");
  s->add_flag("--json", show->json, "Canonical JSON (provaudit/evidence/1)");
  s->add_flag("--events", show->events,
              "Print the stored events of the torrents instead (seeding-event/1 JSON lines, by hash, log, line)");
  s->callback([show, &exit_code] { exit_code = run_show(*show); });
}

}  // namespace prov::cli
