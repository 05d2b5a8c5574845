// cli/cmd_ingest.cpp: `provaudit ingest`: add known works to an index.
#include <cstdio>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "common/file_io.hpp"
#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "reports/reports.hpp"

namespace prov::cli {
namespace {

struct IngestArgs {
  std::string index;
  std::vector<std::string> paths;
  unsigned threads = 0;
  std::uint32_t k = 0;
  std::uint32_t sample_rate = 0;
  std::string isolate = "risky";
  unsigned timeout_s = 60;
  bool quiet = false;
  std::string work_class;
  std::string meta_file;
};

int run_ingest(const IngestArgs& a) {
  fingerprint::Params params;
  const bool given = a.k != 0 || a.sample_rate != 0;
  if (a.k) params.k = a.k;
  if (a.sample_rate) params.sample_rate = a.sample_rate;
  // Metadata the files lack, applied to every work this run ingests (read before ingesting, so
  // a bad file costs nothing).
  index::WorkMeta meta;
  if (!a.meta_file.empty()) {
    auto text = read_file(a.meta_file, 1u << 20);
    if (!text) return fail(std::move(text).error().with_path(a.meta_file));
    auto m = index::parse_work_meta(*text, a.meta_file);
    if (!m) return fail(m.error());
    meta = std::move(m).value();
  }
  if (!a.work_class.empty()) meta.work_class = a.work_class;
  auto idx = index::Index::open_for_write(a.index, params, given);
  if (!idx) return fail(idx.error());
  index::IngestOptions opt;
  opt.threads = a.threads;
  opt.limits.isolation = a.isolate == "all"    ? ingest::Isolation::kAll
                         : a.isolate == "none" ? ingest::Isolation::kNone
                                               : ingest::Isolation::kRisky;
  opt.limits.timeout_s = a.timeout_s;
  ProgressLine progress(stderr_is_terminal() && !a.quiet);
  opt.progress = [&](std::uint64_t done, std::uint64_t total, std::uint64_t bytes, std::uint64_t bytes_total) {
    progress.update(std::to_string(done) + "/" + std::to_string(total) + " files", bytes, bytes_total);
  };
  auto rep = index::ingest_paths(**idx, a.paths, opt);
  progress.finish();
  if (!rep) return fail(rep.error());
  for (const auto& f : rep->files) {
    if (f.outcome == index::AddOutcome::kReextracted)
      std::printf("re-extracted %s (extractor changed)\n", f.path.c_str());
    for (const auto& w : f.warnings) std::fprintf(stderr, "provaudit: warning: %s: %s\n", f.path.c_str(), w.c_str());
  }
  if (!a.work_class.empty() || !a.meta_file.empty()) {
    for (const auto& f : rep->files) {
      if (f.work_id.empty()) continue;
      if (auto s = (*idx)->set_work_meta(f.work_id, meta); !s) return fail(s.error());
    }
  }
  // The scan-time tables, ready to read (a no-op when the stored ones are current).
  if (auto s = audit::finish_ingest(**idx, rep->added + rep->reextracted > 0); !s) return fail(s.error());
  print_errors(rep->errors);
  if (auto s = write_file_atomic(std::filesystem::path(a.index) / "errors.jsonl",
                                 reports::errors_jsonl(rep->errors));
      !s)
    return fail(s.error());
  std::printf("%s: %llu added, %llu new paths, %llu unchanged, %llu re-extracted, %zu failed; %llu works in the index\n",
              a.index.c_str(), static_cast<unsigned long long>(rep->added),
              static_cast<unsigned long long>(rep->new_paths),
              static_cast<unsigned long long>(rep->unchanged),
              static_cast<unsigned long long>(rep->reextracted), rep->errors.size(),
              static_cast<unsigned long long>((*idx)->work_count()));
  return rep->errors.empty() ? kExitOk : kExitSkipped;
}

}  // namespace

void register_ingest(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd = app.add_subcommand(
      "ingest",
      "Add known works (.txt, .epub, .pdf, .fb2, .html, .mobi/.azw/.azw3, .djvu, and zip/tar/7z\n"
      "archives of them; directories are walked recursively) to an index.\n"
      "Creates the index if needed. Re-running over the same files skips what is indexed;\n"
      "the same bytes under another path are one work with two paths. Failed files are\n"
      "listed on stderr and in IDX/errors.jsonl (exit 3); the rest is indexed.");
  cmd->add_option("--index", args->index, "Index directory (RocksDB)")->required();
  cmd->add_option("paths", args->paths, "Files or directories")->required();
  cmd->add_option("--threads,--jobs", args->threads, "Reader threads (default: all CPUs)");
  cmd->add_option("--k", args->k, "Words per shingle, when creating an index (default 5)");
  cmd->add_option("--sample-rate", args->sample_rate,
                  "Keep about 1 in N shingles, when creating an index (default 4)");
  cmd->add_option("--isolate", args->isolate,
                  "Which readers run in a child process, so a crash or hang only fails that file:\n"
                  "none, risky (PDF, DjVu, MOBI; default) or all")
      ->check(CLI::IsMember({"none", "risky", "all"}));
  cmd->add_option("--timeout", args->timeout_s, "Seconds one isolated read may take (default 60)")
      ->check(CLI::Range(1u, 86400u));
  cmd->add_option("--class", args->work_class,
                  "Tag every work of this run with a class (licensed, public_domain, opted_out...) that\n"
                  "release policies group works by ([classes.NAME] in `gate` policies)");
  cmd->add_option("--meta", args->meta_file,
                  "JSON file of metadata the files lack, applied to every work of this run:\n"
                  "{\"title\", \"authors\", \"isbn\", \"rightsholder\", \"class\"}");
  cmd->add_flag("--quiet,-q", args->quiet, "No progress line");
  cmd->callback([args, &exit_code] { exit_code = run_ingest(*args); });
}

}  // namespace prov::cli
