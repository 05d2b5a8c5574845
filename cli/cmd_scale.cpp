// cli/cmd_scale.cpp: `provaudit plan`, `scan --plan --task` (its part), `merge`, `slurm`.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "common/file_io.hpp"
#include "index/index.hpp"
#include "scale/scale.hpp"

namespace prov::cli {
namespace {

struct PlanArgs {
  std::size_t tasks = 0;
  std::string out;
  bool hash = false;
  std::vector<std::string> shards;
};

int run_plan(const PlanArgs& a) {
  auto shards = scale::expand_shard_args(a.shards);
  if (!shards) return fail(shards.error());
  auto plan = scale::make_plan(*shards, a.tasks, a.hash);
  if (!plan) return fail(plan.error());
  if (auto s = write_file_atomic(a.out, scale::plan_json(*plan)); !s) return fail(s.error());
  if (plan->tasks.size() < a.tasks)
    std::fprintf(stderr, "provaudit: %zu tasks asked, but only %zu shards: the plan has %zu tasks\n", a.tasks,
                 plan->shards.size(), plan->tasks.size());
  std::uint64_t total = 0, largest = 0;
  for (const auto& t : plan->tasks) {
    total += t.bytes;
    largest = std::max(largest, t.bytes);
  }
  std::printf("%zu shards, %llu bytes, in %zu tasks (largest %llu bytes): %s\n", plan->shards.size(),
              static_cast<unsigned long long>(total), plan->tasks.size(), static_cast<unsigned long long>(largest),
              a.out.c_str());
  return kExitOk;
}

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("provaudit") : p.string();
}

}  // namespace

int run_scan_task(const index::Index& index, audit::ScanOptions options, const std::string& plan, std::size_t task,
                  const std::string& run, bool quiet) {
  auto out = scale::run_task(index, std::move(options), plan, task, run);
  if (!out) return fail(out.error());
  print_errors(out->errors);
  (void)quiet;  // one line a task: Slurm logs keep it
  {
    std::printf("task %zu: %zu shards, %llu records, %llu matches%s: %s\n", task, out->shards.size(),
                static_cast<unsigned long long>(out->records), static_cast<unsigned long long>(out->matches),
                out->skipped ? " (part up to date, not scanned again)" : "", out->part_dir.string().c_str());
  }
  return out->errors.empty() ? kExitOk : kExitSkipped;
}

void register_plan(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PlanArgs>();
  auto* cmd = app.add_subcommand(
      "plan",
      "Split shards into N tasks for scanning on many processes or machines (docs/scale.md).\n"
      "Writes PLAN (schema provaudit/plan/1): the shards in command-line order (patterns\n"
      "expanded and sorted), each with its size and a stable identity (size, mtime, inode;\n"
      "with --hash also SHA-256), cut into N contiguous runs of roughly equal bytes. Then run\n"
      "`provaudit scan --index IDX --plan PLAN --task I --out RUN` for I = 0..N-1 (anywhere,\n"
      "in any order) and `provaudit merge RUN`: the result is byte for byte what one\n"
      "`provaudit scan` of the same shards writes.");
  cmd->add_option("--tasks", args->tasks, "Number of tasks (at most one per shard)")
      ->required()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  cmd->add_option("--out", args->out, "Plan file to write")->required();
  cmd->add_flag("--hash", args->hash, "Also record each shard's SHA-256 (reads every byte; tasks check it)");
  cmd->add_option("shards", args->shards, "Shard files or quoted patterns ('data/*.jsonl.zst')")->required();
  cmd->callback([args, &exit_code] { exit_code = run_plan(*args); });
}

void register_merge(CLI::App& app, int& exit_code) {
  auto run = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "merge",
      "Combine the parts of a plan's tasks (RUN/parts/task-NNNN) into RUN/matches.jsonl,\n"
      "RUN/summary.json and RUN/errors.jsonl: the same bytes one `provaudit scan` of all the\n"
      "plan's shards writes. Refuses (exit 2, naming the tasks) while a part is missing,\n"
      "incomplete or stale (made from another plan, with other parameters or index, or its\n"
      "shards changed since). Exit 3 when a task skipped inputs: the result is written but is\n"
      "not complete.");
  cmd->add_option("run", *run, "Run directory given to the tasks as --out")->required();
  cmd->callback([run, &exit_code] {
    auto out = scale::merge(*run);
    if (!out) {
      exit_code = fail(out.error());
      return;
    }
    const auto& r = out->result;
    print_errors(r.errors);
    std::printf("merged %zu tasks: %llu records in %zu shards: %zu matches from %zu works in %llu documents\n",
                out->tasks, static_cast<unsigned long long>(r.records), r.shards.size(), r.matches.size(),
                r.works.size(), static_cast<unsigned long long>(r.documents_matched));
    std::printf("results: %s/matches.jsonl, %s/summary.json\n", run->c_str(), run->c_str());
    if (!r.errors.empty()) {
      std::string tasks;
      for (auto t : out->incomplete_tasks) tasks += (tasks.empty() ? "" : ", ") + std::to_string(t);
      std::fprintf(stderr,
                   "provaudit: merge: the result is NOT complete: %zu inputs were skipped (task %s; listed in "
                   "%s/errors.jsonl)\n",
                   r.errors.size(), tasks.c_str(), run->c_str());
      exit_code = kExitSkipped;
      return;
    }
    exit_code = kExitOk;
  });
}

namespace {

struct SubmitArgs {
  scale::SlurmOptions o;
  std::size_t tasks = 0;
  // scan flags passed through to every task
  std::string text_field, id_field, allow;
  std::uint32_t min_words = 0;
  std::uint64_t work_cache_mb = 0;
  unsigned threads = 0;
};

int run_submit(SubmitArgs& a) {
  auto& o = a.o;
  o.binary = self_exe();
  std::error_code ec;
  o.workdir = std::filesystem::current_path(ec).string();
  if (ec) return fail(make_error(Errc::kIo, "cannot read the current directory"));
  auto plan = scale::read_plan(o.plan);
  if (!plan) return fail(plan.error());
  if (a.tasks && a.tasks != plan->tasks.size())
    return fail(make_error(Errc::kUsage, "the plan has " + std::to_string(plan->tasks.size()) + " tasks, not " +
                                             std::to_string(a.tasks) + " (the plan decides the tasks: " +
                                             "provaudit plan --tasks " + std::to_string(a.tasks) + ")",
                           o.plan));
  // A typo should show now rather than in every task; but the index may live on the compute
  // nodes' local disks only (docs/scale.md), so here it is a warning.
  if (auto idx = index::Index::open_read_only(o.index); !idx)
    std::fprintf(stderr, "provaudit: warning: cannot open the index here (%s); every task will need it at %s\n",
                 idx.error().describe().c_str(), o.index.c_str());
  if (!a.text_field.empty()) o.scan_args.insert(o.scan_args.end(), {"--text-field", a.text_field});
  if (!a.id_field.empty()) o.scan_args.insert(o.scan_args.end(), {"--id-field", a.id_field});
  if (!a.allow.empty()) {
    auto abs = std::filesystem::absolute(a.allow, ec);
    o.scan_args.insert(o.scan_args.end(), {"--allow", ec ? a.allow : abs.string()});
  }
  if (a.min_words) o.scan_args.insert(o.scan_args.end(), {"--min-words", std::to_string(a.min_words)});
  if (a.work_cache_mb) o.scan_args.insert(o.scan_args.end(), {"--work-cache-mb", std::to_string(a.work_cache_mb)});
  if (a.threads) o.scan_args.insert(o.scan_args.end(), {"--threads", std::to_string(a.threads)});
  auto s = scale::slurm_submit(o);
  if (!s) return fail(s.error());
  if (o.dry_run) {
    for (const auto& c : s->commands) std::printf("%s\n", c.c_str());
    std::printf("dry run: scripts in %s/slurm, nothing submitted\n", o.run.c_str());
    return kExitOk;
  }
  for (const auto& g : s->arrays)
    std::printf("scan array %s: tasks %zu-%zu\n", g.job_id.c_str(), g.first_task, g.first_task + g.count - 1);
  std::printf("merge job %s (afterok on every array)\n", s->merge_job_id.c_str());
  std::printf("jobs: %s/slurm/jobs.json; follow with `provaudit slurm status %s`\n", o.run.c_str(), o.run.c_str());
  return kExitOk;
}

}  // namespace

void register_slurm(CLI::App& app, int& exit_code) {
  auto* slurm = app.add_subcommand("slurm", "Run a plan on a Slurm cluster: submit it, follow it (docs/scale.md)");
  slurm->require_subcommand(1);
  auto args = std::make_shared<SubmitArgs>();
  auto* submit = slurm->add_subcommand(
      "submit",
      "Write RUN/slurm/scan.sbatch (a job array: one index per plan task; several arrays when\n"
      "the plan has more tasks than the cluster's MaxArraySize, task numbers unchanged) and\n"
      "RUN/slurm/merge.sbatch (afterok on every array, --kill-on-invalid-dep=yes), submit them\n"
      "with sbatch, print the job ids and record them in RUN/slurm/jobs.json. The jobs run this\n"
      "provaudit binary (absolute path) in the current directory. Options after `--` go to sbatch.");
  auto& o = args->o;
  submit->add_option("--index", o.index, "Index directory (read-only; the same path on every node)")->required();
  submit->add_option("--plan", o.plan, "Plan file (`provaudit plan`)")->required();
  submit->add_option("--out", o.run, "Run directory (on a filesystem every node sees)")->required();
  submit->add_option("--tasks", args->tasks, "Check that the plan has this many tasks (the plan decides them)");
  submit->add_option("--partition", o.partition, "sbatch --partition");
  submit->add_option("--time", o.time, "sbatch --time, per task (and for the merge)");
  submit->add_option("--mem", o.mem, "sbatch --mem, per task (and for the merge)");
  submit->add_option("--cpus-per-task", o.cpus_per_task, "sbatch --cpus-per-task; tasks use that many threads");
  submit->add_option("--max-array-size", o.max_array_size,
                     "Array size limit (default: MaxArraySize from `scontrol show config`, else 1001)");
  submit->add_flag("--dry-run", o.dry_run, "Write the scripts and print the sbatch commands; submit nothing");
  submit->add_option("--text-field", args->text_field, "scan --text-field for every task");
  submit->add_option("--id-field", args->id_field, "scan --id-field for every task");
  submit->add_option("--min-words", args->min_words, "scan --min-words for every task");
  submit->add_option("--allow", args->allow, "scan --allow for every task");
  submit->add_option("--work-cache-mb", args->work_cache_mb, "scan --work-cache-mb for every task");
  submit->add_option("--threads", args->threads, "scan --threads (default: --cpus-per-task)");
  submit->add_option("sbatch_args", o.sbatch_args, "Extra sbatch options, after `--`");
  submit->callback([args, &exit_code] { exit_code = run_submit(*args); });

  auto run = std::make_shared<std::string>();
  auto* status = slurm->add_subcommand(
      "status",
      "Say, per task, whether it is done (its part is complete), pending, running or failed\n"
      "(from squeue, scontrol or sacct when present, else from the parts and the jobs' exit\n"
      "codes in RUN/slurm/rc), and whether the merge ran. Exit 0 when the merge wrote a\n"
      "complete result, 3 when it wrote an incomplete one, 1 while it has not (yet).");
  status->add_option("run", *run, "Run directory given to `slurm submit --out`")->required();
  status->callback([run, &exit_code] {
    auto st = scale::slurm_status(*run);
    if (!st) {
      exit_code = fail(st.error());
      return;
    }
    std::map<std::string, std::size_t> counts;
    for (const auto& t : st->tasks) {
      ++counts[t.state];
      std::printf("task %4zu  %-16s %s\n", t.task, t.state.c_str(), t.detail.c_str());
    }
    std::string summary;
    for (const auto& [k, n] : counts) summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    std::printf("tasks: %s\n", summary.c_str());
    std::printf("merge: %s%s%s\n", st->merge_state.c_str(), st->merge_detail.empty() ? "" : "  ",
                st->merge_detail.c_str());
    exit_code = st->merge_state == "done" ? kExitOk : st->merge_state == "done-incomplete" ? kExitSkipped
                                                                                            : kExitCheckFailed;
  });
}

}  // namespace prov::cli
