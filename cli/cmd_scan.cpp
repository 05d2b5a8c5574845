// cli/cmd_scan.cpp: `provaudit scan`: find known works in training shards.
#include <cstdio>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "common/file_io.hpp"
#include "index/index.hpp"
#include "reports/reports.hpp"
#include "scale/scale.hpp"

namespace prov::cli {
namespace {

struct ScanArgs {
  std::string index;
  std::string out;
  std::vector<std::string> shards;
  unsigned threads = 0;
  std::string text_field = "text";
  std::string id_field = "id";
  std::uint32_t min_words = 25;
  std::string allow_file;
  std::uint64_t work_cache_mb = 32;
  bool quiet = false;
  std::string plan;      // plan/task/merge: scan one task of a plan (scale/scale.hpp)
  std::size_t task = 0;
};

// An allowlist file: one work id (SHA-256, 64 hex digits) a line; '#' starts a comment.
Result<std::vector<std::string>> read_allowlist(const std::string& path) {
  auto text = read_file(path, 64u << 20);
  if (!text) return std::move(text).error();
  std::vector<std::string> ids;
  std::size_t line_no = 0, pos = 0;
  while (pos < text->size()) {
    std::size_t nl = text->find('\n', pos);
    if (nl == std::string::npos) nl = text->size();
    std::string line = text->substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty()) continue;
    const bool hex = line.size() == 64 && line.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) {
      Error e = make_error(Errc::kUsage, "not a work id (64 lowercase hex digits): " + line, path);
      e.line = line_no;
      return e;
    }
    ids.push_back(line);
  }
  return ids;
}

// An index whose posting-table file is missing or stale (saved by an older provaudit, or before
// its works changed) still scans: the table is built from the postings, which costs seconds of
// start-up at 1,000 works. Say so, and how to save it, since a scan opens the index read-only.
void note_unsaved_table(const index::Index& idx, const std::string& dir) {
  if (idx.postings_in_memory() == 0 || idx.postings_from_saved_table()) return;
  std::fprintf(stderr,
               "provaudit: note: %s has no current posting-table file (written by an older provaudit, or\n"
               "  missing), so this scan built the table from the postings. Run `provaudit ingest --index %s`\n"
               "  over the works again to save it (nothing already indexed is indexed again).\n",
               dir.c_str(), dir.c_str());
}

int run_scan(const ScanArgs& a) {
  if (a.plan.empty() == a.shards.empty())
    return fail(make_error(Errc::kUsage, "scan takes shard files or --plan PLAN --task I, not both"));
  auto idx = index::Index::open_read_only(a.index);
  if (!idx) return fail(idx.error());
  audit::ScanOptions opt;
  opt.shards = a.shards;
  opt.shard.text_field = a.text_field;
  opt.shard.id_field = a.id_field;
  opt.match.min_words = a.min_words;
  opt.threads = a.threads ? a.threads : scale::default_threads();
  opt.work_cache_bytes = a.work_cache_mb << 20;
  if (!a.allow_file.empty()) {
    auto ids = read_allowlist(a.allow_file);
    if (!ids) return fail(ids.error());
    opt.allowed_works = std::move(ids).value();
  }
  if (!a.plan.empty()) {
    const int rc = run_scan_task(**idx, std::move(opt), a.plan, a.task, a.out, a.quiet);
    note_unsaved_table(**idx, a.index);
    return rc;
  }
  ProgressLine progress(stderr_is_terminal() && !a.quiet);
  opt.progress = [&](const audit::Progress& p) {
    progress.update("shard " + std::to_string(p.shard_index + 1) + "/" + std::to_string(a.shards.size()) +
                        ", " + std::to_string(p.records) + " records, " + std::to_string(p.matches) + " passages",
                    p.bytes_read, p.bytes_total);
  };
  auto res = audit::scan(**idx, opt);
  progress.finish();
  if (!res) return fail(res.error());
  note_unsaved_table(**idx, a.index);
  if (auto s = reports::write_scan(*res, a.out); !s) return fail(s.error());
  print_errors(res->errors);
  std::printf("%llu records in %zu shards: %zu passages from %zu works in %llu documents\n",
              static_cast<unsigned long long>(res->records), res->shards.size(), res->matches.size(),
              res->works.size(), static_cast<unsigned long long>(res->documents_matched));
  for (const auto& w : res->works) {
    std::string title = w.title.empty() ? w.path : w.title;
    std::printf("  %s  %6.2f%%  %8llu/%-8llu words  %4llu passages  %s\n", w.work_id.substr(0, 16).c_str(),
                100.0 * w.coverage, static_cast<unsigned long long>(w.matched_words),
                static_cast<unsigned long long>(w.total_words), static_cast<unsigned long long>(w.passages),
                title.c_str());
  }
  std::printf("results: %s/matches.jsonl, %s/summary.json\n", a.out.c_str(), a.out.c_str());
  return res->errors.empty() ? kExitOk : kExitSkipped;
}

}  // namespace

void register_scan(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ScanArgs>();
  auto* cmd = app.add_subcommand(
      "scan",
      "Scan training shards (.jsonl, .jsonl.gz, .jsonl.zst, .txt) for passages of indexed works.\n"
      "Writes RUN/matches.jsonl (one verified passage a line, with byte offsets in the\n"
      "document and in the work), RUN/summary.json (coverage per work, parameters, shard\n"
      "SHA-256s) and RUN/errors.jsonl (records skipped; exit 3 if any).");
  cmd->add_option("--index", args->index, "Index directory")->required();
  cmd->add_option("--out", args->out, "Run directory for the results")->required();
  cmd->add_option("shards", args->shards, "Shard files, scanned in this order");
  cmd->add_option("--threads", args->threads,
                  "Matcher threads (default: the CPUs this process may use: affinity mask,\n"
                  "SLURM_CPUS_PER_TASK). One reader thread per two of them, at most one per\n"
                  "shard, decompresses and parses shards; results never depend on the count");
  cmd->add_option("--plan", args->plan,
                  "Scan one task of a plan (`provaudit plan`) instead of shard files: writes the\n"
                  "task's part to RUN/parts/task-NNNN (skipped when already up to date); combine\n"
                  "the parts with `provaudit merge RUN`");
  auto* task = cmd->add_option("--task", args->task, "With --plan: the task to scan, 0-based");
  cmd->get_option("--plan")->needs(task);
  task->needs("--plan");
  cmd->add_option("--text-field", args->text_field, "JSON field with the text; dotted for nested (default text)");
  cmd->add_option("--id-field", args->id_field, "JSON field with the id; dotted for nested (default id)");
  cmd->add_option("--min-words", args->min_words, "Shortest passage reported, in words (default 25)")
      ->check(CLI::Range(5, 1000000));
  cmd->add_option("--allow", args->allow_file,
                  "File of work ids (one a line, # comments) that are licensed or public domain:\n"
                  "their passages are reported with the flag \"allowed\" and kept out of verdicts");
  cmd->add_option("--work-cache-mb", args->work_cache_mb,
                  "Memory for tokenized text blocks of works kept for verification (default 32).\n"
                  "Verification reads only the blocks around a candidate passage; a block that\n"
                  "falls out is read and tokenized again. More helps when many documents quote\n"
                  "the same stretches of a few works")
      ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{1} << 24));
  cmd->add_flag("--quiet,-q", args->quiet, "No progress line");
  cmd->callback([args, &exit_code] { exit_code = run_scan(*args); });
}

}  // namespace prov::cli
