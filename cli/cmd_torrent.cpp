// cli/cmd_torrent.cpp: `provaudit torrent inspect | verify | add`: read torrent metainfo, prove a
// local copy piece by piece, and record torrents (and their proven links to works) in an index.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "audit/torrent.hpp"
#include "common/hex.hpp"
#include "cli/commands.hpp"
#include "common/file_io.hpp"
#include "index/index.hpp"
#include "ingest/torrent.hpp"
#include "reports/reports.hpp"

namespace prov::cli {
namespace {

struct InspectArgs {
  std::vector<std::string> inputs;
  bool json = false;
  bool pieces = false;
};
struct VerifyArgs {
  std::string torrent;
  std::string data;
  bool json = false;
};
struct AddArgs {
  std::string index;
  std::vector<std::string> inputs;
  std::string data;
};

std::string human_date(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (!::gmtime_r(&tt, &tm)) return std::to_string(t);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void print_text(const ingest::TorrentMeta& m) {
  std::printf("%s\n", m.source.c_str());
  std::printf("  name:          %s\n", m.name.c_str());
  std::printf("  kind:          %s%s\n", m.kind.c_str(), m.magnet ? " (magnet link)" : "");
  if (!m.info_hash_v1.empty()) std::printf("  info-hash v1:  %s\n", m.info_hash_v1.c_str());
  if (!m.info_hash_v2.empty())
    std::printf("  info-hash v2:  %s\n  v2 truncated:  %s\n", m.info_hash_v2.c_str(),
                m.info_hash_v2_truncated().c_str());
  if (!m.magnet) {
    std::printf("  pieces:        %u x %llu bytes\n", m.num_pieces, static_cast<unsigned long long>(m.piece_length));
    std::size_t pads = 0;
    for (const auto& f : m.files) pads += f.pad;
    std::printf("  size:          %llu bytes in %zu files (+%zu pad files)\n",
                static_cast<unsigned long long>(m.total_size), m.files.size() - pads, pads);
    std::printf("  created:       %s%s%s\n", m.creation_date ? human_date(*m.creation_date).c_str() : "-",
                m.creator.empty() ? "" : " by ", m.creator.c_str());
    if (!m.comment.empty()) std::printf("  comment:       %s\n", m.comment.c_str());
    std::printf("  private:       %s\n", m.is_private ? "yes" : "no");
    std::printf("  torrent file:  %llu bytes, sha256 %s\n", static_cast<unsigned long long>(m.torrent_bytes),
                m.torrent_sha256.c_str());
  }
  for (const auto& t : m.trackers) std::printf("  tracker:       %s\n", t.c_str());
  for (const auto& w : m.web_seeds) std::printf("  web seed:      %s\n", w.c_str());
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const auto& f = m.files[i];
    std::printf("  file %zu: %s  %llu bytes at %llu, pieces %u-%u%s%s\n", i, f.path.c_str(),
                static_cast<unsigned long long>(f.size), static_cast<unsigned long long>(f.offset),
                f.first_piece, f.end_piece == f.first_piece ? f.first_piece : f.end_piece - 1,
                f.pad ? " [pad]" : "", f.symlink ? (" -> " + f.symlink_target).c_str() : "");
    if (!f.pieces_root.empty()) std::printf("          v2 root %s\n", to_hex(f.pieces_root).c_str());
  }
}

int run_inspect(const InspectArgs& a) {
  std::vector<Error> errors;
  std::string json = "[";
  bool first = true;
  for (const auto& in : a.inputs) {
    auto m = ingest::read_torrent_arg(in);
    if (!m) {
      errors.push_back(std::move(m).error().with_path(in));
      continue;
    }
    if (a.json) {
      json += (first ? "\n" : ",\n") + audit::torrent_record_json(*m, a.pieces);
      first = false;
    } else {
      print_text(*m);
    }
  }
  if (a.json) {
    json += first ? "]\n" : "\n]\n";
    std::fwrite(json.data(), 1, json.size(), stdout);
  }
  print_errors(errors);
  return errors.empty() ? kExitOk : kExitSkipped;
}

int run_verify(const VerifyArgs& a) {
  auto m = ingest::read_torrent_arg(a.torrent);
  if (!m) return fail(m.error());
  auto rep = audit::verify_torrent(*m, a.data);
  if (!rep) return fail(rep.error());
  if (a.json) {
    const std::string out = audit::verify_report_json(*m, *rep);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::printf("%s  %s (%s, pieces of %llu bytes)\n", m->primary_hash().c_str(), m->name.c_str(),
                m->kind.c_str(), static_cast<unsigned long long>(m->piece_length));
    for (const auto& c : rep->files) {
      std::printf("%-9s %s", audit::file_status_name(c.status), c.path.c_str());
      if (!c.local_path.empty() && c.moved) std::printf("  (found as %s)", c.local_path.c_str());
      std::printf("\n          %s: %u/%u pieces, %llu/%llu bytes proven", c.method.c_str(), c.pieces_proven,
                  c.pieces, static_cast<unsigned long long>(c.bytes_proven),
                  static_cast<unsigned long long>(c.size));
      if (!c.local_path.empty() && c.local_size != c.size)
        std::printf("; local file is %llu bytes", static_cast<unsigned long long>(c.local_size));
      if (!c.pieces_failed.empty()) {
        std::printf("; pieces differing:");
        for (std::size_t i = 0; i < c.pieces_failed.size() && i < 20; ++i) std::printf(" %u", c.pieces_failed[i]);
        if (c.pieces_failed.size() > 20) std::printf(" ... (%zu)", c.pieces_failed.size());
      }
      if (!c.unproven.empty() && c.status != audit::FileStatus::kMissing) {
        std::printf("; unproven bytes:");
        for (std::size_t i = 0; i < c.unproven.size() && i < 10; ++i)
          std::printf(" [%llu,%llu)", static_cast<unsigned long long>(c.unproven[i].start),
                      static_cast<unsigned long long>(c.unproven[i].end));
        if (c.unproven.size() > 10) std::printf(" ...");
      }
      std::printf("\n");
      if (c.v1_check)
        std::printf("          v1: %u pieces, %llu bytes proven, %zu differing\n", c.v1_check->pieces_proven,
                    static_cast<unsigned long long>(c.v1_check->bytes_proven), c.v1_check->pieces_failed.size());
      if (!c.sha256.empty()) std::printf("          sha256 %s\n", c.sha256.c_str());
      if (!c.note.empty()) std::printf("          %s\n", c.note.c_str());
    }
  }
  print_errors(rep->errors);
  if (rep->all_verified()) return kExitOk;
  if (rep->any_difference() || rep->errors.empty()) return kExitCheckFailed;
  return kExitSkipped;
}

int run_add(const AddArgs& a) {
  auto idx = index::Index::open_for_write(a.index, fingerprint::Params{});
  if (!idx) return fail(idx.error());
  std::vector<Error> errors;
  for (const auto& in : a.inputs) {
    auto m = ingest::read_torrent_arg(in);
    if (!m) {
      errors.push_back(std::move(m).error().with_path(in));
      continue;
    }
    std::optional<audit::VerifyReport> rep;
    if (!a.data.empty() && !m->magnet) {
      auto r = audit::verify_torrent(*m, a.data);
      if (!r) return fail(r.error());
      for (auto& e : r->errors) errors.push_back(e);
      rep = std::move(r).value();
    }
    auto added = audit::add_torrent(**idx, *m, rep ? &*rep : nullptr);
    if (!added) return fail(added.error());
    std::size_t verified = 0;
    if (rep)
      for (const auto& c : rep->files) verified += c.status == audit::FileStatus::kVerified;
    std::printf("added %s  %s (%s, %zu files)", added->primary_hash.c_str(), m->name.c_str(), m->kind.c_str(),
                m->files.size());
    if (rep) std::printf(": %zu of %zu files verified, %zu linked to works", verified, rep->files.size(),
                         added->links.size());
    std::printf("\n");
    for (const auto& l : added->links)
      std::printf("  linked %s -> work %s\n", l.path.c_str(), l.work_id.c_str());
    for (const auto& p : added->proven_unindexed)
      std::printf("  verified %s, but its bytes are no indexed work (ingest it to link it)\n", p.c_str());
  }
  if (auto s = write_file_atomic(std::filesystem::path(a.index) / "errors.jsonl", reports::errors_jsonl(errors)); !s)
    return fail(s.error());
  print_errors(errors);
  return errors.empty() ? kExitOk : kExitSkipped;
}

}  // namespace

void register_torrent(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "torrent",
      "BitTorrent evidence: read .torrent files and magnet links, prove a local copy piece by piece,\n"
      "record torrents in an index and link their files to the works ingested from the same bytes.");
  cmd->require_subcommand(1);

  auto ia = std::make_shared<InspectArgs>();
  auto* inspect = cmd->add_subcommand(
      "inspect",
      "Print the metainfo of .torrent files (v1, v2, hybrid) or magnet links: info-hashes (v1, v2,\n"
      "truncated v2), name, files with sizes, offsets, pad flags and piece ranges, piece length,\n"
      "creation date, creator, comment, trackers, web seeds, private flag, the .torrent's SHA-256.\n"
      "A file libtorrent refuses is named with libtorrent's reason and skipped (exit 3).");
  inspect->add_option("inputs", ia->inputs, "FILE.torrent or 'magnet:?...' (several allowed)")->required();
  inspect->add_flag("--json", ia->json, "One JSON array, one object (schema provaudit/torrent/1) per input");
  inspect->add_flag("--pieces", ia->pieces, "With --json: also the v1 piece SHA-1s and each file's v2 piece layer");
  inspect->callback([ia, &exit_code] { exit_code = run_inspect(*ia); });

  auto va = std::make_shared<VerifyArgs>();
  auto* verify = cmd->add_subcommand(
      "verify",
      "Prove, file by file, whether the files under DATA_DIR are exactly the files TORRENT distributed:\n"
      "v1 SHA-1 pieces, v2 per-file Merkle trees (piece layers). Files are looked for at their path\n"
      "in the torrent (under DATA_DIR or DATA_DIR/<name>), else by size and then hash anywhere under\n"
      "DATA_DIR (renamed or moved). Reports which pieces differ, how many bytes are proven and which\n"
      "remain unproven (v1 pieces shared with a missing neighbour file).\n"
      "Exit 0: every file verified; 1: a file differs, is missing or is not wholly proven;\n"
      "2: cannot run (unreadable torrent, magnet link, no DATA_DIR); 3: a local file was unreadable.");
  verify->add_option("torrent", va->torrent, "The .torrent file")->required();
  verify->add_option("data_dir", va->data, "Directory holding the local copy")->required();
  verify->add_flag("--json", va->json, "JSON report (schema provaudit/torrent-verify/1)");
  verify->callback([va, &exit_code] { exit_code = run_verify(*va); });

  auto aa = std::make_shared<AddArgs>();
  auto* add = cmd->add_subcommand(
      "add",
      "Record torrents in an index (created if absent) under their v1 hash, v2 hash and truncated v2\n"
      "hash. With --data DIR, verify each torrent against DIR and link every file that verifies to\n"
      "the work ingested from the same bytes (work_id = SHA-256), so `evidence show` can trace a\n"
      "work to every torrent that carried it. Refused torrents are listed on stderr and in\n"
      "IDX/errors.jsonl (exit 3); the rest are recorded.");
  add->add_option("--index", aa->index, "Index directory")->required();
  add->add_option("inputs", aa->inputs, "FILE.torrent or 'magnet:?...' (several allowed)")->required();
  add->add_option("--data", aa->data, "Directory with local copies to verify and link to works");
  add->callback([aa, &exit_code] { exit_code = run_add(*aa); });
}

}  // namespace prov::cli
