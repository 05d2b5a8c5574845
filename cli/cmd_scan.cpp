// cli/cmd_scan.cpp: `provaudit scan`: find known works in training shards.
#include <cstdio>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "index/index.hpp"
#include "reports/reports.hpp"

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
  bool quiet = false;
};

int run_scan(const ScanArgs& a) {
  auto idx = index::Index::open_read_only(a.index);
  if (!idx) return fail(idx.error());
  audit::ScanOptions opt;
  opt.shards = a.shards;
  opt.shard.text_field = a.text_field;
  opt.shard.id_field = a.id_field;
  opt.match.min_words = a.min_words;
  opt.threads = a.threads;
  ProgressLine progress(stderr_is_terminal() && !a.quiet);
  opt.progress = [&](const audit::Progress& p) {
    progress.update("shard " + std::to_string(p.shard_index + 1) + "/" + std::to_string(a.shards.size()) +
                        ", " + std::to_string(p.records) + " records, " + std::to_string(p.matches) + " passages",
                    p.bytes_read, p.bytes_total);
  };
  auto res = audit::scan(**idx, opt);
  progress.finish();
  if (!res) return fail(res.error());
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
  cmd->add_option("shards", args->shards, "Shard files, scanned in this order")->required();
  cmd->add_option("--threads", args->threads, "Matcher threads (default: all CPUs)");
  cmd->add_option("--text-field", args->text_field, "JSON field with the text; dotted for nested (default text)");
  cmd->add_option("--id-field", args->id_field, "JSON field with the id; dotted for nested (default id)");
  cmd->add_option("--min-words", args->min_words, "Shortest passage reported, in words (default 25)")
      ->check(CLI::Range(5, 1000000));
  cmd->add_flag("--quiet,-q", args->quiet, "No progress line");
  cmd->callback([args, &exit_code] { exit_code = run_scan(*args); });
}

}  // namespace prov::cli
