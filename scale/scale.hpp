// scale/scale.hpp: one audit split over many processes or machines: plan, task, merge, Slurm.
//
//   plan   shards (paths as given, globs expanded and sorted) with a stable identity, cut into
//          N tasks: contiguous runs of shards in command-line order, of roughly equal bytes.
//   task   scans one task's shards with the ordinary scan and writes RUN/parts/task-NNNN/
//          (a complete small run of those shards plus part.json: what the merge needs) into a
//          temporary folder, then renames it into place. A rerun skips a part whose plan,
//          shards, index and parameters are unchanged.
//   merge  adds the parts up into RUN/matches.jsonl, summary.json and errors.jsonl, the same
//          bytes one `provaudit scan` of all the shards in plan order writes (coverage comes
//          from audit::coverage over the parts' evidence, as in one scan).
//   slurm  writes and submits a job array (one index per task, several arrays when the plan
//          has more tasks than MaxArraySize) and an afterok merge job; reports their state.
// The contract (docs/scale.md) is files only, so any scheduler can run the same commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "common/result.hpp"
#include "index/index.hpp"

namespace prov::scale {

inline constexpr const char* kPlanSchema = "provaudit/plan/1";
inline constexpr const char* kPartSchema = "provaudit/part/1";
inline constexpr const char* kJobsSchema = "provaudit/slurm-jobs/1";

// Limits on the files this stage reads back (a plan or part may be damaged or hostile).
struct ReadLimits {
  std::uint64_t max_plan_bytes = 1ull << 30;       // plan.json, part.json
  std::uint64_t max_part_bytes = 16ull << 30;      // a part's matches.jsonl / summary.json
  std::size_t max_shards = 10'000'000;
  std::size_t max_tasks = 1'000'000;
};

// A shard as planned. The cheap identity (bytes, mtime, inode) is checked by every task
// before it scans; sha256 is set only for `plan --hash` and checked against what the scan
// reads. exists = false: the file could not be stat'ed when identified.
struct ShardIdentity {
  std::string path;  // as given
  bool exists = true;
  std::uint64_t bytes = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::string sha256;  // empty unless hashed
  bool same_file(const ShardIdentity& o) const {
    return exists == o.exists && bytes == o.bytes && mtime_ns == o.mtime_ns && inode == o.inode;
  }
};

// Task i scans shards [first, first + count) of the plan.
struct PlanTask {
  std::size_t first = 0;
  std::size_t count = 0;
  std::uint64_t bytes = 0;
};

struct Plan {
  bool hashed = false;
  std::vector<ShardIdentity> shards;  // command-line order
  std::vector<PlanTask> tasks;
};

// Shell-style globs (*, ?, [) are expanded and sorted; other arguments stay as given.
// Fails (kUsage) for a glob that matches nothing.
Result<std::vector<std::string>> expand_shard_args(const std::vector<std::string>& args);
// Identity of one file: stat, plus SHA-256 when `hash`. A missing file gives exists = false.
ShardIdentity identify(const std::string& path, bool hash);
// Cuts shards of these sizes into min(tasks, sizes.size()) contiguous runs (at least one
// shard each) whose boundaries fall where the running total is nearest to i * total / tasks.
std::vector<PlanTask> split_tasks(const std::vector<std::uint64_t>& sizes, std::size_t tasks);
// Identifies the shards and splits them. Fails (kIo) when a shard cannot be stat'ed.
Result<Plan> make_plan(const std::vector<std::string>& shards, std::size_t tasks, bool hash);
std::string plan_json(const Plan& plan);  // schema provaudit/plan/1, pretty, ends in '\n'
Result<Plan> parse_plan(std::string_view json, const std::string& name,
                        const ReadLimits& limits = {});
Result<Plan> read_plan(const std::filesystem::path& file, const ReadLimits& limits = {});

// The CPUs this process may use: sched_getaffinity, capped by SLURM_CPUS_PER_TASK when set.
unsigned default_threads();

// Writes bytes to a temporary file unique to this process, then renames it over `file`: safe
// when several processes write the same file at once (the last rename wins, whole).
Status write_file_shared(const std::filesystem::path& file, std::string_view bytes);

std::string part_dir_name(std::size_t task);  // "task-0007"

struct TaskOutcome {
  bool skipped = false;             // an up-to-date part was already there
  std::filesystem::path part_dir;
  std::vector<std::string> shards;  // the task's shard paths
  std::uint64_t records = 0;
  std::uint64_t matches = 0;
  std::vector<Error> errors;        // shards and records skipped (exit 3 when not empty)
};

// Runs task `task` of the plan in `plan_file`: `options` holds everything but the shards,
// which come from the plan. Fails (nothing written) for a bad plan or task number, a shard
// whose identity no longer matches the plan, or an unwritable RUN.
Result<TaskOutcome> run_task(const index::Index& index, audit::ScanOptions options,
                             const std::filesystem::path& plan_file, std::size_t task,
                             const std::filesystem::path& run, const ReadLimits& limits = {});

struct MergeOutcome {
  audit::ScanResult result;  // as written to RUN
  std::size_t tasks = 0;
  // Tasks whose part lists skipped inputs (the result is then not complete: exit 3).
  std::vector<std::size_t> incomplete_tasks;
};

// Combines RUN's parts and writes RUN/matches.jsonl, summary.json, errors.jsonl. Fails with
// kNotFound (a part missing or incomplete) or kIncompatible (a part stale: made from another
// plan, shards changed since, parameters or index differing from the other parts, or the index
// changed since), naming every such task; nothing is written then.
Result<MergeOutcome> merge(const std::filesystem::path& run, const ReadLimits& limits = {});

// ---- Slurm ---------------------------------------------------------------------------------

// One job array: array indices 0..count-1 run tasks first_task..first_task+count-1.
struct ArrayGroup {
  std::size_t first_task = 0;
  std::size_t count = 0;
  std::string job_id;  // once submitted
};
// Groups tasks into arrays of at most max_array_size indices (Slurm's MaxArraySize: indices
// run 0..MaxArraySize-1), keeping task numbers: array k starts at task k * max_array_size.
std::vector<ArrayGroup> group_arrays(std::size_t tasks, std::size_t max_array_size);
// MaxArraySize from `scontrol show config`; kNotFound when scontrol is missing or silent.
Result<std::size_t> slurm_max_array_size();

struct SlurmOptions {
  std::string binary;      // absolute path of the provaudit the jobs run
  std::string workdir;     // absolute; jobs run there, so relative paths mean what they meant
  std::string index, plan, run;           // as given (relative to workdir)
  std::vector<std::string> scan_args;     // extra `scan` flags (--min-words 30, ...)
  std::string partition, time, mem;       // empty: the cluster's defaults
  unsigned cpus_per_task = 0;             // 0: the cluster's default
  std::vector<std::string> sbatch_args;   // passed to both sbatch calls, before the script
  std::size_t max_array_size = 0;         // 0: ask scontrol (1001 when it cannot say)
  bool dry_run = false;                   // write the scripts, do not submit
};

struct SubmitOutcome {
  std::vector<ArrayGroup> arrays;
  std::string merge_job_id;
  std::size_t max_array_size = 0;
  std::vector<std::string> commands;  // the sbatch command lines (what dry_run would run)
};

// Writes RUN/slurm/scan.sbatch and merge.sbatch, submits the arrays and the merge job
// (afterok on every array, --kill-on-invalid-dep=yes), records RUN/slurm/jobs.json.
Result<SubmitOutcome> slurm_submit(const SlurmOptions& options, const ReadLimits& limits = {});

struct TaskState {
  std::size_t task = 0;
  std::string state;   // done, done-incomplete, running, pending, failed, not-started, stale
  std::string detail;  // job id, exit code, reason
};
struct RunStatus {
  std::vector<TaskState> tasks;
  std::string merge_state;   // done, done-incomplete, pending, running, failed, cancelled, not-run
  std::string merge_detail;
};
// From the parts, the jobs' exit-code files, and squeue / scontrol / sacct when present.
Result<RunStatus> slurm_status(const std::filesystem::path& run, const ReadLimits& limits = {});

}  // namespace prov::scale
