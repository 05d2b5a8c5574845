// cli/cmd_gate.cpp: `provaudit gate`, `diff` and `filter`: the release gate for ML teams.
#include <cstdio>
#include <filesystem>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "gate/gate.hpp"
#include "index/index.hpp"
#include "reports/reports.hpp"

namespace prov::cli {
namespace {

struct GateArgs {
  std::string index;
  std::string policy;
  std::string run;
  std::string out;
  std::vector<std::string> shards;
  std::string junit;
  std::string sarif;
  unsigned threads = 0;
  std::string text_field = "text";
  std::string id_field = "id";
  bool quiet = false;
};

// Scans the shards for a policy: passages down to its smallest min_words, its allowlist.
Result<audit::ScanResult> scan_for(const index::Index& idx, const gate::Policy& policy, const GateArgs& a) {
  audit::ScanOptions opt;
  opt.shards = a.shards;
  opt.shard.text_field = a.text_field;
  opt.shard.id_field = a.id_field;
  opt.match.min_words = policy.smallest_min_words();
  opt.threads = a.threads;
  opt.allowed_works = policy.allow;
  ProgressLine progress(stderr_is_terminal() && !a.quiet);
  opt.progress = [&](const audit::Progress& p) {
    progress.update("shard " + std::to_string(p.shard_index + 1) + "/" + std::to_string(a.shards.size()) + ", " +
                        std::to_string(p.records) + " records",
                    p.bytes_read, p.bytes_total);
  };
  auto res = audit::scan(idx, opt);
  progress.finish();
  return res;
}

int run_gate(const GateArgs& a) {
  auto policy = gate::load_policy(a.policy);
  if (!policy) return fail(policy.error());
  gate::RunData run;
  std::string run_dir;
  if (!a.run.empty()) {
    if (!a.shards.empty() || !a.out.empty())
      return fail(make_error(Errc::kUsage, "gate --run takes no shards and no --out (gate.json goes into the run)"));
    auto loaded = gate::load_run(a.run);
    if (!loaded) return fail(loaded.error());
    run = std::move(loaded).value();
    run_dir = a.run;
    // Classes live in the index: open it (the one given, else the one the scan recorded).
    const std::string idx_path = a.index.empty() ? run.index_path : a.index;
    auto idx = index::Index::open_read_only(idx_path);
    if (!idx) {
      if (!policy->classes.empty() || !a.index.empty()) return fail(idx.error());
    } else {
      if ((*idx)->digest() != run.index_digest)
        return fail(make_error(Errc::kIncompatible,
                               "the index has changed since the scan (digest differs); scan again", idx_path));
      if (auto s = gate::attach_classes(run, **idx); !s) return fail(s.error());
    }
  } else {
    if (a.index.empty() || a.shards.empty())
      return fail(make_error(Errc::kUsage, "gate needs --index and shards, or --run RUN"));
    auto idx = index::Index::open_read_only(a.index);
    if (!idx) return fail(idx.error());
    auto res = scan_for(**idx, *policy, a);
    if (!res) return fail(res.error());
    if (!a.out.empty()) {
      if (auto s = reports::write_scan(*res, a.out); !s) return fail(s.error());
      run_dir = a.out;
    }
    run = gate::run_from_scan(*res);
    if (auto s = gate::attach_classes(run, **idx); !s) return fail(s.error());
  }
  auto result = gate::evaluate(*policy, run);
  if (!result) return fail(result.error());
  if (!result->violations.empty()) {
    if (auto s = gate::attach_excerpts(run, *result); !s)
      std::fprintf(stderr, "provaudit: warning: no excerpts: %s\n", s.error().describe().c_str());
  }
  if (!run_dir.empty()) {
    if (auto s = write_file_atomic(std::filesystem::path(run_dir) / "gate.json", gate::gate_json(*policy, run, *result)); !s)
      return fail(s.error());
  }
  if (!a.junit.empty()) {
    if (auto s = write_file_atomic(a.junit, gate::junit_xml(*policy, run, *result)); !s) return fail(s.error());
  }
  if (!a.sarif.empty()) {
    if (auto s = write_file_atomic(a.sarif, gate::sarif_json(*policy, run, *result)); !s) return fail(s.error());
  }
  const std::string summary = gate::human_summary(*policy, run, *result);
  std::fwrite(summary.data(), 1, summary.size(), stdout);
  if (!run.errors.empty()) {
    print_errors(run.errors);
    std::fprintf(stderr, "provaudit: gate: %zu inputs could not be read; failing closed\n", run.errors.size());
    return kExitCannotRun;
  }
  return result->passed ? kExitOk : kExitCheckFailed;
}

struct DiffArgs {
  std::string a, b;
  bool json = false;
};

int run_diff(const DiffArgs& a) {
  auto d = gate::diff_runs(a.a, a.b);
  if (!d) return fail(d.error());
  const std::string out = a.json ? gate::diff_json(a.a, a.b, *d) : gate::diff_text(*d);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return d->empty() ? kExitOk : kExitCheckFailed;
}

struct FilterArgs : GateArgs {
  bool redact = false;
  std::string marker = "[REDACTED]";
};

int run_filter(const FilterArgs& a) {
  if (!is_valid_utf8(a.marker)) return fail(make_error(Errc::kUsage, "--marker must be UTF-8 text"));
  auto policy = gate::load_policy(a.policy);
  if (!policy) return fail(policy.error());
  auto idx = index::Index::open_read_only(a.index);
  if (!idx) return fail(idx.error());
  auto res = scan_for(**idx, *policy, a);
  if (!res) return fail(res.error());
  for (const auto& e : res->errors)
    if (!e.line) return fail(e);  // a whole shard unreadable: no cleaned dataset
  gate::RunData run = gate::run_from_scan(*res);
  if (auto s = gate::attach_classes(run, **idx); !s) return fail(s.error());
  auto result = gate::evaluate(*policy, run);
  if (!result) return fail(result.error());
  gate::FilterOptions fo;
  fo.redact = a.redact;
  fo.marker = a.marker;
  fo.out_dir = a.out;
  auto fr = gate::filter_shards(run, *result, fo);
  if (!fr) return fail(fr.error());
  const std::filesystem::path dir(a.out);
  if (auto s = write_file_atomic(dir / "filter-log.jsonl", fr->log_jsonl); !s) return fail(s.error());
  if (auto s = write_file_atomic(dir / "filter-summary.json", gate::filter_summary_json(*policy, fo, *fr)); !s)
    return fail(s.error());
  if (auto s = write_file_atomic(dir / "errors.jsonl", reports::errors_jsonl(fr->errors)); !s) return fail(s.error());
  print_errors(fr->errors);
  for (const auto& s : fr->shards)
    std::printf("%s -> %s: %llu lines, %llu kept, %llu %s, %llu unreadable dropped\n", s.shard.c_str(),
                s.output.c_str(), static_cast<unsigned long long>(s.lines), static_cast<unsigned long long>(s.kept),
                static_cast<unsigned long long>(a.redact ? s.redacted : s.dropped), a.redact ? "redacted" : "dropped",
                static_cast<unsigned long long>(s.unreadable));
  std::printf("log: %s, summary: %s\n", (dir / "filter-log.jsonl").string().c_str(),
              (dir / "filter-summary.json").string().c_str());
  return fr->errors.empty() ? kExitOk : kExitSkipped;
}

void add_scan_options(CLI::App* cmd, GateArgs& a) {
  cmd->add_option("--threads", a.threads, "Matcher threads (default: all CPUs)");
  cmd->add_option("--text-field", a.text_field, "JSON field with the text; dotted for nested (default text)");
  cmd->add_option("--id-field", a.id_field, "JSON field with the id; dotted for nested (default id)");
  cmd->add_flag("--quiet,-q", a.quiet, "No progress line");
}

}  // namespace

void register_gate(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<GateArgs>();
  auto* cmd = app.add_subcommand(
      "gate",
      "Judge training shards against a release policy (TOML): exit 0 when it holds, 1 when it is\n"
      "violated, 2 when the gate could not run (bad policy, unreadable index, any unreadable\n"
      "shard or record: it fails closed).\n"
      "  gate --index IDX --policy POLICY.toml [--out RUN] SHARD...   scans, then judges\n"
      "  gate --run RUN --policy POLICY.toml                         judges an existing scan\n"
      "Writes RUN/gate.json (provaudit/gate/1: verdict per work and per finding) when there is a\n"
      "run folder, and JUnit XML (--junit) and SARIF 2.1.0 (--sarif) for CI. Policy format:\n"
      "README.md \"Release gate\" and examples/policy.toml.");
  cmd->add_option("--policy", args->policy, "Policy file (TOML)")->required();
  cmd->add_option("--index", args->index, "Index directory (with --run: where classes are read; default: the scan's)");
  cmd->add_option("--run", args->run, "Judge this existing scan run folder instead of scanning");
  cmd->add_option("--out", args->out, "Keep the scan in this run folder (matches.jsonl, summary.json, gate.json)");
  cmd->add_option("--junit", args->junit, "Write JUnit XML here (one testcase per work)");
  cmd->add_option("--sarif", args->sarif, "Write SARIF 2.1.0 here (one result per violation)");
  cmd->add_option("shards", args->shards, "Shard files (.jsonl, .jsonl.gz, .jsonl.zst, .txt), scanned in this order");
  add_scan_options(cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = run_gate(*args); });
}

void register_diff(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff",
      "Compare the findings of two runs (scan or gate run folders) by finding_id: added, removed\n"
      "and changed (extent, score, flags, gate verdict). Exit 0 no differences, 1 differences.");
  cmd->add_option("run_a", args->a, "Earlier run folder")->required();
  cmd->add_option("run_b", args->b, "Later run folder")->required();
  cmd->add_flag("--json", args->json, "One JSON object (schema provaudit/diff/1)");
  cmd->callback([args, &exit_code] { exit_code = run_diff(*args); });
}

void register_filter(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<FilterArgs>();
  auto* cmd = app.add_subcommand(
      "filter",
      "Write shards again without what a policy forbids: each shard goes to DIR under its own\n"
      "name and format (.jsonl, .jsonl.gz, .jsonl.zst). Documents holding a finding in\n"
      "violation are dropped, or with --redact keep their record with each violating passage\n"
      "replaced by a marker in the text field (every other field and every other line stays\n"
      "byte-identical). Lines that are not readable records are dropped and listed (exit 3).\n"
      "Writes DIR/filter-log.jsonl (per record: what was removed) and DIR/filter-summary.json.");
  cmd->add_option("--index", args->index, "Index directory")->required();
  cmd->add_option("--policy", args->policy, "Policy file (TOML)")->required();
  cmd->add_option("--out", args->out, "Output directory for the cleaned shards")->required();
  cmd->add_flag("--redact", args->redact, "Replace violating passages instead of dropping documents");
  cmd->add_option("--marker", args->marker, "Text that replaces a redacted passage (default [REDACTED])");
  cmd->add_option("shards", args->shards, "Shard files")->required();
  add_scan_options(cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = run_filter(*args); });
}

}  // namespace prov::cli
