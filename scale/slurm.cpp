// scale/slurm.cpp: the Slurm front end: job-array scripts, submission, and a run's status.
//
// The jobs run the same provaudit binary (absolute path) with the same plan/task/merge
// commands a user would type; Slurm only decides where and when. Each task is one array index
// (task = offset + SLURM_ARRAY_TASK_ID, the offset passed as the script's argument, so task
// numbers never change when the plan is cut into several arrays for MaxArraySize). Exit code
// 3 (the part is written but lists shards it could not read) is turned into 0 for Slurm so the
// afterok merge still runs and reports them (merge exits 3: not a complete result). Every job
// writes its exit code to RUN/slurm/rc/, which `slurm status` reads when the cluster has no
// accounting database (sacct) and has purged the job records.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <simdjson.h>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "scale/scale.hpp"

extern char** environ;

namespace prov::scale {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int rc = -1;  // exit status; 127 when it could not be started
  std::string out, err;
};

// Runs argv[0] (found on PATH) without a shell and collects its stdout and stderr (each
// capped at 16 MiB).
CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult r;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return r;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawn_rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    r.rc = 127;
    r.err = std::strerror(spawn_rc);
    return r;
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* bufs[2] = {&r.out, &r.err};
  int open_fds = 2;
  char chunk[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        if (bufs[i]->size() < (16u << 20)) bufs[i]->append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

// 'text' for bash, with embedded single quotes closed and reopened.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string first_line(const std::string& s) {
  std::string l = s.substr(0, s.find('\n'));
  while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
  return l;
}

fs::path absolute_of(const std::string& workdir, const std::string& p) {
  fs::path x(p);
  return x.is_absolute() ? x : fs::path(workdir) / x;
}

std::string scan_script(const SlurmOptions& o, const fs::path& run_abs) {
  std::string cmd = shell_quote(o.binary) + " scan --index " + shell_quote(o.index) + " --plan " +
                    shell_quote(o.plan) + " --task \"$task\" --out " + shell_quote(o.run) + " --quiet";
  for (const auto& a : o.scan_args) cmd += " " + shell_quote(a);
  const std::string rc_dir = shell_quote((run_abs / "slurm" / "rc").string());
  return "#!/bin/bash\n"
         "# Written by `provaudit slurm submit`: one array index per plan task. The argument is\n"
         "# the array's first task, so task numbers are the plan's whatever the array size.\n"
         "set -u\n"
         "offset=${1:?usage: scan.sbatch FIRST_TASK}\n"
         "task=$((offset + SLURM_ARRAY_TASK_ID))\n" +
         cmd +
         "\n"
         "rc=$?\n"
         "mkdir -p " + rc_dir + "\n"
         "printf '%s\\n' \"$rc\" > " + rc_dir + "/\"$(printf 'task-%04d' \"$task\")\".rc\n"
         "# 3: the part is written and lists the shards it could not read. Let the afterok merge\n"
         "# run: it reports them and exits 3 itself (the result is not complete).\n"
         "if [ \"$rc\" -eq 3 ]; then exit 0; fi\n"
         "exit \"$rc\"\n";
}

std::string merge_script(const SlurmOptions& o, const fs::path& run_abs) {
  const std::string rc_dir = shell_quote((run_abs / "slurm" / "rc").string());
  return "#!/bin/bash\n"
         "# Written by `provaudit slurm submit`: runs once every scan array has succeeded.\n"
         "set -u\n" +
         shell_quote(o.binary) + " merge " + shell_quote(o.run) +
         "\n"
         "rc=$?\n"
         "mkdir -p " + rc_dir + "\n"
         "printf '%s\\n' \"$rc\" > " + rc_dir + "/merge.rc\n"
         "exit \"$rc\"\n";
}

std::vector<std::string> common_sbatch_args(const SlurmOptions& o) {
  std::vector<std::string> a;
  if (!o.partition.empty()) a.push_back("--partition=" + o.partition);
  if (!o.time.empty()) a.push_back("--time=" + o.time);
  if (!o.mem.empty()) a.push_back("--mem=" + o.mem);
  return a;
}

std::string join_command(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    const bool plain = !a.empty() && a.find_first_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:%,@+") == std::string::npos;
    s += plain ? a : shell_quote(a);
  }
  return s;
}

std::string jobs_json(const SubmitOutcome& s, const SlurmOptions& o, std::size_t tasks) {
  JsonWriter w(true);
  w.begin_object()
      .field("schema", kJobsSchema)
      .field("binary", o.binary)
      .field("workdir", o.workdir)
      .field("index", o.index)
      .field("plan", o.plan)
      .field("tasks", static_cast<std::uint64_t>(tasks))
      .field("max_array_size", static_cast<std::uint64_t>(s.max_array_size));
  w.key("arrays").begin_array();
  for (const auto& a : s.arrays)
    w.begin_object()
        .field("job_id", a.job_id)
        .field("first_task", static_cast<std::uint64_t>(a.first_task))
        .field("count", static_cast<std::uint64_t>(a.count))
        .end_object();
  w.end_array();
  w.field("merge_job_id", s.merge_job_id);
  w.field_strings("commands", s.commands);
  w.end_object();
  return w.take() + "\n";
}

}  // namespace

std::vector<ArrayGroup> group_arrays(std::size_t tasks, std::size_t max_array_size) {
  std::vector<ArrayGroup> out;
  if (max_array_size == 0) max_array_size = 1;
  for (std::size_t first = 0; first < tasks; first += max_array_size)
    out.push_back(ArrayGroup{first, std::min(max_array_size, tasks - first), {}});
  return out;
}

Result<std::size_t> slurm_max_array_size() {
  CommandResult r = run_command({"scontrol", "show", "config"});
  if (r.rc != 0) return make_error(Errc::kNotFound, "scontrol show config failed: " + first_line(r.err));
  std::size_t pos = r.out.find("MaxArraySize");
  if (pos == std::string::npos) return make_error(Errc::kNotFound, "scontrol show config has no MaxArraySize");
  pos = r.out.find('=', pos);
  if (pos == std::string::npos) return make_error(Errc::kNotFound, "unreadable MaxArraySize");
  const std::size_t v = std::strtoull(r.out.c_str() + pos + 1, nullptr, 10);
  if (v == 0) return make_error(Errc::kNotFound, "unreadable MaxArraySize");
  return v;
}

Result<SubmitOutcome> slurm_submit(const SlurmOptions& o, const ReadLimits& limits) {
  auto plan = read_plan(absolute_of(o.workdir, o.plan), limits);
  if (!plan) return std::move(plan).error();
  const std::size_t tasks = plan->tasks.size();
  SubmitOutcome s;
  s.max_array_size = o.max_array_size;
  if (s.max_array_size == 0) {
    auto m = slurm_max_array_size();
    s.max_array_size = m ? *m : 1001;  // Slurm's default
  }
  s.arrays = group_arrays(tasks, s.max_array_size);

  const fs::path run_abs = absolute_of(o.workdir, o.run);
  const fs::path dir = run_abs / "slurm";
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) return make_error(Errc::kIo, "cannot create " + (dir / "logs").string() + ": " + ec.message());
  fs::remove_all(dir / "rc", ec);  // exit codes of an earlier submission
  fs::create_directories(dir / "rc", ec);
  if (auto st = write_file_atomic(dir / "scan.sbatch", scan_script(o, run_abs)); !st) return std::move(st).error();
  if (auto st = write_file_atomic(dir / "merge.sbatch", merge_script(o, run_abs)); !st) return std::move(st).error();

  std::vector<std::string> dependency;
  for (auto& a : s.arrays) {
    std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=provaudit-scan", "--chdir=" + o.workdir,
                                     "--output=" + (dir / "logs" / "scan-%A_%a.out").string(),
                                     "--array=0-" + std::to_string(a.count - 1)};
    for (auto& x : common_sbatch_args(o)) argv.push_back(x);
    if (o.cpus_per_task) argv.push_back("--cpus-per-task=" + std::to_string(o.cpus_per_task));
    for (auto& x : o.sbatch_args) argv.push_back(x);
    argv.push_back((dir / "scan.sbatch").string());
    argv.push_back(std::to_string(a.first_task));
    s.commands.push_back(join_command(argv));
    if (o.dry_run) continue;
    CommandResult r = run_command(argv);
    const std::string id = first_line(r.out).substr(0, first_line(r.out).find(';'));
    if (r.rc != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
      // Arrays already queued stay queued; say which, so they can be cancelled or kept.
      std::string queued;
      for (const auto& b : s.arrays)
        if (!b.job_id.empty()) queued += (queued.empty() ? "" : ",") + b.job_id;
      return make_error(Errc::kIo, "sbatch failed (exit " + std::to_string(r.rc) + "): " + first_line(r.err) +
                                       (queued.empty() ? "" : "; arrays already queued: " + queued));
    }
    a.job_id = id;
    dependency.push_back(id);
  }
  std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=provaudit-merge", "--chdir=" + o.workdir,
                                   "--output=" + (dir / "logs" / "merge-%j.out").string()};
  std::string dep = "--dependency=afterok";
  for (const auto& a : s.arrays) dep += ":" + (a.job_id.empty() ? std::string("ARRAY") : a.job_id);
  argv.push_back(dep);
  argv.push_back("--kill-on-invalid-dep=yes");
  for (auto& x : common_sbatch_args(o)) argv.push_back(x);
  for (auto& x : o.sbatch_args) argv.push_back(x);
  argv.push_back((dir / "merge.sbatch").string());
  s.commands.push_back(join_command(argv));
  if (!o.dry_run) {
    CommandResult r = run_command(argv);
    const std::string id = first_line(r.out).substr(0, first_line(r.out).find(';'));
    if (r.rc != 0 || id.empty())
      return make_error(Errc::kIo, "sbatch of the merge job failed (exit " + std::to_string(r.rc) +
                                       "): " + first_line(r.err) + "; the scan arrays are queued");
    s.merge_job_id = id;
  }
  if (auto st = write_file_atomic(dir / "jobs.json", jobs_json(s, o, tasks)); !st) return std::move(st).error();
  return s;
}

namespace {

// Job states Slurm reports, by array task ("123_4") or job id ("130").
struct QueueView {
  std::map<std::string, std::pair<std::string, std::string>> state;  // id -> (STATE, reason)
};

void add_squeue(const std::vector<std::string>& ids, QueueView& v) {
  if (ids.empty()) return;
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  CommandResult r = run_command({"squeue", "-h", "-r", "-j", list, "-o", "%i|%T|%r"});
  if (r.rc != 0) return;
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    std::size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) nl = r.out.size();
    const std::string line = r.out.substr(pos, nl - pos);
    pos = nl + 1;
    const std::size_t a = line.find('|'), b = line.rfind('|');
    if (a == std::string::npos || b == a) continue;
    v.state[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
  }
}

// Finished jobs still known to slurmctld (MinJobAge), then to sacct when there is one.
void add_finished(const std::string& job, QueueView& v) {
  CommandResult r = run_command({"scontrol", "-o", "show", "job", job});
  if (r.rc == 0) {
    std::size_t pos = 0;
    while (pos < r.out.size()) {
      std::size_t nl = r.out.find('\n', pos);
      if (nl == std::string::npos) nl = r.out.size();
      const std::string line = r.out.substr(pos, nl - pos);
      pos = nl + 1;
      auto field = [&](const std::string& k) {
        const std::size_t p = line.find(" " + k + "=");
        if (p == std::string::npos) return std::string();
        const std::size_t s = p + k.size() + 2;
        return line.substr(s, line.find(' ', s) - s);
      };
      std::string id = field("ArrayJobId"), task = field("ArrayTaskId");
      std::string key = (!id.empty() && !task.empty()) ? id + "_" + task : line.substr(6, line.find(' ') - 6);
      if (!v.state.count(key)) v.state[key] = {field("JobState"), field("Reason")};
    }
    return;
  }
  CommandResult s = run_command({"sacct", "-n", "-P", "-X", "-j", job, "-o", "JobID,State,ExitCode"});
  if (s.rc != 0) return;
  std::size_t pos = 0;
  while (pos < s.out.size()) {
    std::size_t nl = s.out.find('\n', pos);
    if (nl == std::string::npos) nl = s.out.size();
    const std::string line = s.out.substr(pos, nl - pos);
    pos = nl + 1;
    const std::size_t a = line.find('|'), b = line.rfind('|');
    if (a == std::string::npos || b == a) continue;
    std::string state = line.substr(a + 1, b - a - 1);
    state = state.substr(0, state.find(' '));  // "CANCELLED by 0"
    if (!v.state.count(line.substr(0, a))) v.state[line.substr(0, a)] = {state, "exit " + line.substr(b + 1)};
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int> read_rc(const fs::path& file) {
  auto t = read_file(file, 64);
  if (!t) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(t->c_str(), &end, 10);
  if (end == t->c_str()) return std::nullopt;
  return static_cast<int>(v);
}

}  // namespace

Result<RunStatus> slurm_status(const fs::path& run, const ReadLimits& limits) {
  const fs::path dir = run / "slurm";
  auto jobs_text = read_file(dir / "jobs.json", limits.max_plan_bytes);
  if (!jobs_text) return make_error(Errc::kNotFound, "no slurm/jobs.json: not submitted with `provaudit slurm submit`", run.string());
  simdjson::dom::parser parser;
  simdjson::padded_string padded(*jobs_text);
  simdjson::dom::element root;
  simdjson::dom::array arrays;
  std::uint64_t tasks = 0;
  std::string_view merge_id;
  if (parser.parse(padded).get(root) || root["tasks"].get(tasks) || root["arrays"].get(arrays) ||
      root["merge_job_id"].get(merge_id) || tasks > limits.max_tasks)
    return make_error(Errc::kFormat, "unreadable jobs.json", (dir / "jobs.json").string());
  std::vector<ArrayGroup> groups;
  std::vector<std::string> ids;
  for (auto a : arrays) {
    ArrayGroup g;
    std::string_view id;
    std::uint64_t first = 0, count = 0;
    if (a["job_id"].get(id) || a["first_task"].get(first) || a["count"].get(count))
      return make_error(Errc::kFormat, "unreadable jobs.json", (dir / "jobs.json").string());
    g.job_id = std::string(id);
    g.first_task = static_cast<std::size_t>(first);
    g.count = static_cast<std::size_t>(count);
    groups.push_back(g);
    if (!g.job_id.empty()) ids.push_back(g.job_id);
  }
  QueueView q;
  std::vector<std::string> all = ids;
  if (!merge_id.empty()) all.emplace_back(merge_id);
  add_squeue(all, q);
  for (const auto& id : all) add_finished(id, q);

  std::string plan_sha;
  if (auto p = read_file(run / "plan.json", limits.max_plan_bytes)) plan_sha = sha256_hex(*p);
  RunStatus st;
  for (const auto& g : groups) {
    for (std::size_t i = 0; i < g.count; ++i) {
      TaskState ts;
      ts.task = g.first_task + i;
      const std::string key = g.job_id + "_" + std::to_string(i);
      const fs::path part = run / "parts" / part_dir_name(ts.task);
      const auto rc = read_rc(dir / "rc" / (part_dir_name(ts.task) + ".rc"));
      auto part_text = read_file(part / "part.json", limits.max_plan_bytes);
      const bool part_done = part_text && part_text->find("\"complete\": true") != std::string::npos;
      const bool part_stale = part_done && !plan_sha.empty() && part_text->find(plan_sha) == std::string::npos;
      auto it = q.state.find(key);
      if (it == q.state.end() && !g.job_id.empty()) {
        // A pending array is listed as one line "123_[0-4]" by some versions.
        for (const auto& [id, s] : q.state)
          if (id.rfind(g.job_id + "_[", 0) == 0 && s.first == "PENDING") it = q.state.find(id);
      }
      const std::string slurm_state = it != q.state.end() ? it->second.first : "";
      if (slurm_state == "PENDING" || slurm_state == "RUNNING" || slurm_state == "CONFIGURING" ||
          slurm_state == "COMPLETING") {
        ts.state = slurm_state == "PENDING" ? "pending" : "running";
        ts.detail = "job " + key + (it->second.second.empty() || it->second.second == "None" ? "" : " (" + it->second.second + ")");
      } else if (part_stale) {
        ts.state = "stale";
        ts.detail = "part made from another plan";
      } else if (part_done && (!rc || *rc == 0 || *rc == 3)) {
        ts.state = rc && *rc == 3 ? "done-incomplete" : "done";
        ts.detail = rc && *rc == 3 ? "exit 3: some inputs skipped (see the part's errors.jsonl)" : "";
      } else if (rc && *rc != 0) {
        ts.state = "failed";
        ts.detail = "exit " + std::to_string(*rc) + ", log " + (dir / "logs" / ("scan-" + g.job_id + "_" + std::to_string(i) + ".out")).string();
      } else if (!slurm_state.empty()) {
        ts.state = slurm_state == "COMPLETED" ? "done" : "failed";
        ts.detail = "job " + key + " " + slurm_state;
      } else {
        ts.state = "not-started";
      }
      st.tasks.push_back(std::move(ts));
    }
  }
  const auto mrc = read_rc(dir / "rc" / "merge.rc");
  auto mit = q.state.find(std::string(merge_id));
  const std::string ms = mit != q.state.end() ? mit->second.first : "";
  if (ms == "PENDING" || ms == "RUNNING" || ms == "CONFIGURING" || ms == "COMPLETING") {
    st.merge_state = ms == "PENDING" ? "pending" : "running";
    st.merge_detail = "job " + std::string(merge_id) + (mit->second.second.empty() || mit->second.second == "None" ? "" : " (" + mit->second.second + ")");
  } else if (mrc) {
    st.merge_state = *mrc == 0 ? "done" : *mrc == 3 ? "done-incomplete" : "failed";
    st.merge_detail = *mrc == 0   ? "complete result in " + run.string()
                      : *mrc == 3 ? "exit 3: written, but not complete (see errors.jsonl)"
                                  : "exit " + std::to_string(*mrc);
  } else if (!ms.empty()) {
    st.merge_state = lower(ms);
    st.merge_detail = "job " + std::string(merge_id) + (mit->second.second.empty() ? "" : " (" + mit->second.second + ")");
  } else {
    st.merge_state = "not-run";
  }
  return st;
}

}  // namespace prov::scale
