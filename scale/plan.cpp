// scale/plan.cpp: the shard plan: identities, the split into tasks, plan.json both ways.
#include <glob.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <simdjson.h>
#include <thread>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "scale/scale.hpp"

namespace prov::scale {

Result<std::vector<std::string>> expand_shard_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (a.find_first_of("*?[") == std::string::npos) {
      out.push_back(a);
      continue;
    }
    glob_t g{};
    const int rc = ::glob(a.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      ::globfree(&g);
      return make_error(Errc::kUsage, "no file matches this pattern", a);
    }
    if (rc != 0) {
      ::globfree(&g);
      return make_error(Errc::kIo, "cannot expand this pattern", a);
    }
    std::vector<std::string> hits(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    ::globfree(&g);
    std::sort(hits.begin(), hits.end());  // glob sorts by locale; plans sort by bytes
    out.insert(out.end(), hits.begin(), hits.end());
  }
  return out;
}

ShardIdentity identify(const std::string& path, bool hash) {
  ShardIdentity id;
  id.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    id.exists = false;
    return id;
  }
  id.bytes = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  if (hash) {
    if (auto h = sha256_file(path)) id.sha256 = *h;
  }
  return id;
}

std::vector<PlanTask> split_tasks(const std::vector<std::uint64_t>& sizes, std::size_t tasks) {
  const std::size_t n = sizes.size();
  tasks = std::min(tasks, n);
  std::vector<PlanTask> out;
  if (tasks == 0) return out;
  // prefix[i] = bytes of shards [0, i). Boundary i (between task i-1 and task i) goes to the
  // shard edge nearest to i * total / tasks, leaving at least one shard for every task.
  std::vector<std::uint64_t> prefix(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + sizes[i];
  const std::uint64_t total = prefix[n];
  std::size_t start = 0;
  for (std::size_t t = 0; t < tasks; ++t) {
    std::size_t end = n;
    if (t + 1 < tasks) {
      // total * (t + 1) / tasks without overflow (tasks <= shards, so the remainder term is small).
      const std::uint64_t target = total / tasks * (t + 1) + total % tasks * (t + 1) / tasks;
      const std::size_t lo = start + 1;                // at least one shard in this task
      const std::size_t hi = n - (tasks - t - 1);      // at least one for each later task
      // First edge at or past the target (or hi), then the nearer of it and the one before.
      std::size_t e = static_cast<std::size_t>(
          std::lower_bound(prefix.begin() + static_cast<std::ptrdiff_t>(lo),
                           prefix.begin() + static_cast<std::ptrdiff_t>(hi + 1), target) -
          prefix.begin());
      if (e > hi) e = hi;
      else if (e > lo && target - prefix[e - 1] <= prefix[e] - target) --e;
      end = std::clamp(e, lo, hi);
    }
    PlanTask pt;
    pt.first = start;
    pt.count = end - start;
    pt.bytes = prefix[end] - prefix[start];
    out.push_back(pt);
    start = end;
  }
  return out;
}

Result<Plan> make_plan(const std::vector<std::string>& shards, std::size_t tasks, bool hash) {
  if (shards.empty()) return make_error(Errc::kUsage, "no shards to plan");
  if (tasks == 0) return make_error(Errc::kUsage, "--tasks must be at least 1");
  Plan plan;
  plan.hashed = hash;
  std::vector<std::uint64_t> sizes;
  for (const auto& s : shards) {
    ShardIdentity id = identify(s, hash);
    if (!id.exists) return make_error(Errc::kIo, "not a readable file", s);
    if (hash && id.sha256.empty()) return make_error(Errc::kIo, "cannot read the file to hash it", s);
    sizes.push_back(id.bytes);
    plan.shards.push_back(std::move(id));
  }
  plan.tasks = split_tasks(sizes, tasks);
  return plan;
}

std::string plan_json(const Plan& plan) {
  JsonWriter w(true);
  std::uint64_t total = 0;
  for (const auto& s : plan.shards) total += s.bytes;
  w.begin_object().field("schema", kPlanSchema).field("identity", plan.hashed ? "sha256" : "stat");
  w.key("totals")
      .begin_object()
      .field("shards", static_cast<std::uint64_t>(plan.shards.size()))
      .field("bytes", total)
      .field("tasks", static_cast<std::uint64_t>(plan.tasks.size()))
      .end_object();
  w.key("tasks").begin_array();
  for (std::size_t t = 0; t < plan.tasks.size(); ++t) {
    w.begin_object()
        .field("task", static_cast<std::uint64_t>(t))
        .field("first", static_cast<std::uint64_t>(plan.tasks[t].first))
        .field("count", static_cast<std::uint64_t>(plan.tasks[t].count))
        .field("bytes", plan.tasks[t].bytes)
        .end_object();
  }
  w.end_array();
  w.key("shards").begin_array();
  for (const auto& s : plan.shards) {
    w.begin_object()
        .field("path", s.path)
        .field("bytes", s.bytes)
        .field("mtime_ns", s.mtime_ns)
        .field("inode", s.inode);
    if (s.sha256.empty()) {
      w.key("sha256").null();
    } else {
      w.field("sha256", s.sha256);
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

Result<Plan> parse_plan(std::string_view json, const std::string& name, const ReadLimits& limits) {
  auto bad = [&](const std::string& why) { return make_error(Errc::kFormat, "not a valid plan: " + why, name); };
  if (json.size() > limits.max_plan_bytes) return make_error(Errc::kLimit, "plan larger than the limit", name);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return bad("not JSON");
  std::string_view schema, identity;
  if (root["schema"].get(schema) || schema != kPlanSchema) return bad("schema is not " + std::string(kPlanSchema));
  if (root["identity"].get(identity) || (identity != "stat" && identity != "sha256")) return bad("identity");
  Plan plan;
  plan.hashed = identity == "sha256";
  simdjson::dom::array shards, tasks;
  if (root["shards"].get(shards) || root["tasks"].get(tasks)) return bad("no shards or tasks");
  if (shards.size() > limits.max_shards) return make_error(Errc::kLimit, "too many shards", name);
  if (tasks.size() > limits.max_tasks) return make_error(Errc::kLimit, "too many tasks", name);
  for (auto s : shards) {
    ShardIdentity id;
    std::string_view path;
    std::int64_t mtime = 0;
    if (s["path"].get(path) || s["bytes"].get(id.bytes) || s["mtime_ns"].get(mtime) || s["inode"].get(id.inode))
      return bad("shard " + std::to_string(plan.shards.size()) + " lacks path, bytes, mtime_ns or inode");
    if (path.empty()) return bad("empty shard path");
    id.path = std::string(path);
    id.mtime_ns = mtime;
    std::string_view sha;
    if (!s["sha256"].get(sha)) id.sha256 = std::string(sha);
    if (plan.hashed && id.sha256.size() != 64) return bad("shard " + id.path + " has no sha256");
    plan.shards.push_back(std::move(id));
  }
  std::size_t next = 0;
  for (auto t : tasks) {
    PlanTask pt;
    std::uint64_t first = 0, count = 0, task = 0;
    if (t["task"].get(task) || t["first"].get(first) || t["count"].get(count) || t["bytes"].get(pt.bytes))
      return bad("task " + std::to_string(plan.tasks.size()) + " lacks task, first, count or bytes");
    // Tasks are numbered 0.. and cover the shards in order, each a non-empty run.
    if (task != plan.tasks.size() || first != next || count == 0 || count > plan.shards.size() - next)
      return bad("task " + std::to_string(plan.tasks.size()) + " is not the next contiguous run of shards");
    pt.first = static_cast<std::size_t>(first);
    pt.count = static_cast<std::size_t>(count);
    next += pt.count;
    plan.tasks.push_back(pt);
  }
  if (next != plan.shards.size() || plan.tasks.empty()) return bad("tasks do not cover every shard");
  return plan;
}

Result<Plan> read_plan(const std::filesystem::path& file, const ReadLimits& limits) {
  auto text = read_file(file, limits.max_plan_bytes);
  if (!text) return std::move(text).error();
  return parse_plan(*text, file.string(), limits);
}

unsigned default_threads() {
  unsigned n = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = static_cast<unsigned>(CPU_COUNT(&set));
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  // Slurm without task affinity (task/none) leaves the mask wide open; the allocation is in
  // SLURM_CPUS_PER_TASK.
  if (const char* s = std::getenv("SLURM_CPUS_PER_TASK")) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(s, &end, 10);
    if (end != s && *end == '\0' && v > 0) n = std::min(n, static_cast<unsigned>(std::min(v, 4096ul)));
  }
  return n;
}

Status write_file_shared(const std::filesystem::path& file, std::string_view bytes) {
  std::filesystem::path tmp = file;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()) % 1000000);
  if (auto s = write_file_atomic(tmp, bytes); !s) return s;  // writes tmp.tmp, renames to tmp
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::kIo, "cannot rename into place", file.string());
  }
  return Ok{};
}

std::string part_dir_name(std::size_t task) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "task-%04zu", task);
  return buf;
}

}  // namespace prov::scale
