// scale/part.cpp: a task writes its part; merge adds the parts up into one scan's files.
//
// A part (RUN/parts/task-NNNN/) is an ordinary run of the task's shards (matches.jsonl,
// summary.json, errors.jsonl, written by reports::write_scan) plus part.json: the plan and
// configuration it was made from, the shard identities it saw, how many matches each shard
// gave, the matcher/reader split of the errors, and each work's evidence (audit::WorkEvidence).
// It is written into a temporary folder and renamed into place, so a part either is complete
// or is not there. The merge parses the parts back into one audit::ScanResult and writes it
// with reports::write_scan, so the bytes are those of one scan by construction; it checks its
// reading of each part by rendering it again (parameters and match lines) before trusting it.
#include <unistd.h>

#include <algorithm>
#include <map>
#include <simdjson.h>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "reports/reports.hpp"
#include "scale/scale.hpp"

namespace prov::scale {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;

// SHA-256 of the summary a run with this configuration and no shards would write: it covers
// the tool version, every result-affecting parameter and the index (path as given, digest),
// and follows reports::summary_json as fields are added there.
std::string config_sha256(const audit::ScanResult& r) {
  audit::ScanResult cfg;
  cfg.index_path = r.index_path;
  cfg.index_digest = r.index_digest;
  cfg.fingerprint = r.fingerprint;
  cfg.match = r.match;
  cfg.shard_options = r.shard_options;
  cfg.allowed_works = r.allowed_works;
  return sha256_hex(reports::summary_json(cfg));
}

Errc errc_from_name(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(Errc::kInternal); ++c)
    if (name == errc_name(static_cast<Errc>(c))) return static_cast<Errc>(c);
  return Errc::kInternal;
}

std::string str(element e, const char* key) {
  std::string_view v;
  return e[key].get(v) ? std::string() : std::string(v);
}

// Everything part.json records.
struct PartInfo {
  std::size_t task = 0;
  std::string plan_sha256, config_sha256, index_path, index_digest, matches_sha256;
  std::vector<ShardIdentity> seen;            // identities observed when the task ran
  std::vector<std::uint64_t> shard_matches;   // match lines per shard
  std::uint64_t records = 0, documents_matched = 0, matcher_errors = 0;
  std::vector<audit::WorkEvidence> evidence;  // by work_id
  bool complete = false;
};

std::string part_json(const PartInfo& p) {
  JsonWriter w(true);
  w.begin_object()
      .field("schema", kPartSchema)
      .field("task", static_cast<std::uint64_t>(p.task))
      .field("plan_sha256", p.plan_sha256)
      .field("config_sha256", p.config_sha256);
  w.key("index").begin_object().field("path", p.index_path).field("digest", p.index_digest).end_object();
  w.key("shards").begin_array();
  for (std::size_t i = 0; i < p.seen.size(); ++i) {
    const auto& s = p.seen[i];
    w.begin_object()
        .field("path", s.path)
        .field("exists", s.exists)
        .field("bytes", s.bytes)
        .field("mtime_ns", s.mtime_ns)
        .field("inode", s.inode)
        .field("matches", p.shard_matches[i])
        .end_object();
  }
  w.end_array();
  w.field("records", p.records)
      .field("documents_matched", p.documents_matched)
      .field("matcher_errors", p.matcher_errors)
      .field("matches_sha256", p.matches_sha256);
  w.key("evidence").begin_array();
  for (const auto& e : p.evidence) {
    w.begin_object()
        .field("work_id", e.work_id)
        .field("title", e.title)
        .field("path", e.path)
        .field("total_words", e.total_words)
        .field("passages", e.passages)
        .field("documents", e.documents)
        .field("boilerplate_passages", e.boilerplate_passages)
        .field("near_duplicates", e.near_duplicates);
    w.key("ranges").begin_array();
    for (const auto& [s, e2] : e.ranges) w.begin_array().value(s).value(e2).end_array();
    w.end_array().end_object();
  }
  w.end_array();
  w.field("complete", p.complete).end_object();
  return w.take() + "\n";
}

Result<PartInfo> parse_part(const std::string& json, const std::string& name) {
  auto bad = [&](const std::string& why) { return make_error(Errc::kFormat, "damaged part: " + why, name); };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element root;
  if (parser.parse(padded).get(root)) return bad("part.json is not JSON");
  if (str(root, "schema") != kPartSchema) return bad("schema is not " + std::string(kPartSchema));
  PartInfo p;
  std::uint64_t task = 0;
  element index;
  simdjson::dom::array shards, evidence;
  if (root["task"].get(task) || root["index"].get(index) || root["shards"].get(shards) ||
      root["evidence"].get(evidence) || root["records"].get(p.records) ||
      root["documents_matched"].get(p.documents_matched) || root["matcher_errors"].get(p.matcher_errors) ||
      root["complete"].get(p.complete))
    return bad("part.json lacks a field");
  p.task = static_cast<std::size_t>(task);
  p.plan_sha256 = str(root, "plan_sha256");
  p.config_sha256 = str(root, "config_sha256");
  p.matches_sha256 = str(root, "matches_sha256");
  p.index_path = str(index, "path");
  p.index_digest = str(index, "digest");
  for (auto s : shards) {
    ShardIdentity id;
    std::uint64_t n = 0;
    if (s["exists"].get(id.exists) || s["bytes"].get(id.bytes) || s["mtime_ns"].get(id.mtime_ns) ||
        s["inode"].get(id.inode) || s["matches"].get(n))
      return bad("a shard entry lacks a field");
    id.path = str(s, "path");
    p.seen.push_back(std::move(id));
    p.shard_matches.push_back(n);
  }
  for (auto e : evidence) {
    audit::WorkEvidence w;
    simdjson::dom::array ranges;
    if (e["total_words"].get(w.total_words) || e["passages"].get(w.passages) ||
        e["documents"].get(w.documents) || e["boilerplate_passages"].get(w.boilerplate_passages) ||
        e["near_duplicates"].get(w.near_duplicates) || e["ranges"].get(ranges))
      return bad("an evidence entry lacks a field");
    w.work_id = str(e, "work_id");
    w.title = str(e, "title");
    w.path = str(e, "path");
    for (auto r : ranges) {
      simdjson::dom::array pair;
      std::uint64_t a = 0, b = 0;
      if (r.get(pair) || pair.size() != 2 || pair.at(0).get(a) || pair.at(1).get(b) || a > b || b > UINT32_MAX)
        return bad("bad range of work " + w.work_id);
      w.ranges.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
    }
    p.evidence.push_back(std::move(w));
  }
  return p;
}

Result<PartInfo> read_part(const fs::path& dir, const ReadLimits& limits) {
  auto text = read_file(dir / "part.json", limits.max_plan_bytes);
  if (!text) return std::move(text).error();
  return parse_part(*text, (dir / "part.json").string());
}

// The run's copy of the plan, so `merge RUN` needs nothing else.
Status keep_plan_copy(const fs::path& run, const std::string& plan_bytes) {
  const fs::path copy = run / "plan.json";
  if (auto old = read_file(copy, plan_bytes.size() + 1); old && *old == plan_bytes) return Ok{};
  return write_file_shared(copy, plan_bytes);
}

// Replaces `final_dir` by `tmp_dir` (a rename each; a reader sees the old part, no part, or
// the new part, never half of one).
Status move_into_place(const fs::path& tmp_dir, const fs::path& final_dir) {
  std::error_code ec;
  if (fs::exists(final_dir, ec)) {
    fs::path old = final_dir;
    old += ".old-" + std::to_string(::getpid());
    fs::rename(final_dir, old, ec);
    if (ec) return make_error(Errc::kIo, "cannot move the old part aside: " + ec.message(), final_dir.string());
    fs::remove_all(old, ec);
  }
  fs::rename(tmp_dir, final_dir, ec);
  if (ec) return make_error(Errc::kIo, "cannot rename the part into place: " + ec.message(), final_dir.string());
  return Ok{};
}

Error parse_error_object(element e) {
  Error err;
  err.path = str(e, "file");
  std::uint64_t line = 0;
  if (!e["line"].get(line)) err.line = line;
  err.code = errc_from_name(str(e, "kind"));
  err.message = str(e, "reason");
  return err;
}

}  // namespace

Result<TaskOutcome> run_task(const index::Index& index, audit::ScanOptions options, const fs::path& plan_file,
                             std::size_t task, const fs::path& run, const ReadLimits& limits) {
  auto plan_bytes = read_file(plan_file, limits.max_plan_bytes);
  if (!plan_bytes) return std::move(plan_bytes).error();
  auto plan = parse_plan(*plan_bytes, plan_file.string(), limits);
  if (!plan) return std::move(plan).error();
  if (task >= plan->tasks.size())
    return make_error(Errc::kUsage, "task " + std::to_string(task) + " is not in the plan (tasks 0-" +
                                        std::to_string(plan->tasks.size() - 1) + ")", plan_file.string());
  const PlanTask& pt = plan->tasks[task];
  std::vector<ShardIdentity> planned(plan->shards.begin() + static_cast<std::ptrdiff_t>(pt.first),
                                     plan->shards.begin() + static_cast<std::ptrdiff_t>(pt.first + pt.count));

  PartInfo info;
  info.task = task;
  info.plan_sha256 = sha256_hex(*plan_bytes);
  // A shard that changed since the plan was made is refused (the plan's split and identities
  // no longer describe it); one that cannot be stat'ed is left to the scan, which reports it.
  for (const auto& s : planned) {
    ShardIdentity now = identify(s.path, false);
    if (now.exists && !now.same_file(s))
      return make_error(Errc::kIncompatible, "shard changed since the plan was made (size, mtime or inode); make a new plan", s.path);
    info.seen.push_back(std::move(now));
  }
  options.shards.clear();
  for (const auto& s : planned) options.shards.push_back(s.path);
  std::sort(options.allowed_works.begin(), options.allowed_works.end());
  options.allowed_works.erase(std::unique(options.allowed_works.begin(), options.allowed_works.end()),
                              options.allowed_works.end());
  audit::ScanResult cfg;
  cfg.index_path = index.dir().string();
  cfg.index_digest = index.digest();
  cfg.fingerprint = index.params();
  cfg.match = options.match;
  cfg.shard_options = options.shard;
  cfg.allowed_works = options.allowed_works;
  info.config_sha256 = config_sha256(cfg);
  info.index_path = cfg.index_path;
  info.index_digest = cfg.index_digest;

  const fs::path parts = run / "parts";
  const fs::path final_dir = parts / part_dir_name(task);
  std::error_code ec;
  fs::create_directories(parts, ec);
  if (ec) return make_error(Errc::kIo, "cannot create the parts directory: " + ec.message(), parts.string());
  if (auto s = keep_plan_copy(run, *plan_bytes); !s) return std::move(s).error();

  TaskOutcome out;
  out.part_dir = final_dir;
  out.shards = options.shards;

  // Skip an up-to-date part: same plan, same configuration and index, shards as they were.
  if (auto old = read_part(final_dir, limits); old && old->complete && old->task == task &&
      old->plan_sha256 == info.plan_sha256 && old->config_sha256 == info.config_sha256 &&
      old->seen.size() == info.seen.size() &&
      std::equal(old->seen.begin(), old->seen.end(), info.seen.begin(),
                 [](const ShardIdentity& a, const ShardIdentity& b) { return a.path == b.path && a.same_file(b); })) {
    auto m = read_file(final_dir / "matches.jsonl", limits.max_part_bytes);
    auto summary = read_file(final_dir / "summary.json", limits.max_part_bytes);
    if (m && summary && sha256_hex(*m) == old->matches_sha256) {
      simdjson::dom::parser parser;
      simdjson::padded_string padded(*summary);
      element root;
      simdjson::dom::array errors;
      if (!parser.parse(padded).get(root) && !root["errors"].get(errors)) {
        out.skipped = true;
        out.records = old->records;
        for (auto n : old->shard_matches) out.matches += n;
        for (auto e : errors) out.errors.push_back(parse_error_object(e));
        return out;
      }
    }
  }

  auto res = audit::scan(index, options);
  if (!res) return std::move(res).error();
  for (std::size_t i = 0; i < planned.size(); ++i) {
    // Read while it changed, or not the bytes the plan hashed: the part would describe a file
    // the plan does not. Refuse rather than record it.
    ShardIdentity after = identify(planned[i].path, false);
    if (after.exists != info.seen[i].exists || !after.same_file(info.seen[i]))
      return make_error(Errc::kIncompatible, "shard changed while it was scanned; run the task again", planned[i].path);
    if (plan->hashed && info.seen[i].exists && !res->shards[i].sha256.empty() &&
        res->shards[i].sha256 != planned[i].sha256)
      return make_error(Errc::kIncompatible, "shard's SHA-256 differs from the plan's; make a new plan", planned[i].path);
  }
  info.records = res->records;
  info.matcher_errors = res->matcher_errors;
  info.shard_matches.assign(planned.size(), 0);
  for (const auto& m : res->matches) ++info.shard_matches[m.shard_index];
  std::map<std::string, std::uint64_t> words_of;
  for (const auto& w : res->works) words_of[w.work_id] = w.total_words;
  info.evidence = audit::collect_evidence(
      res->matches, [&](const std::string& id) { return words_of.at(id); }, info.documents_matched);

  const fs::path tmp_dir = parts / (".tmp-" + part_dir_name(task) + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp_dir, ec);
  if (auto s = reports::write_scan(*res, tmp_dir); !s) return std::move(s).error();
  auto written = read_file(tmp_dir / "matches.jsonl", limits.max_part_bytes);
  if (!written) return std::move(written).error();
  info.matches_sha256 = sha256_hex(*written);
  info.complete = true;
  if (auto s = write_file_atomic(tmp_dir / "part.json", part_json(info)); !s) return std::move(s).error();
  if (auto s = move_into_place(tmp_dir, final_dir); !s) return std::move(s).error();
  out.records = res->records;
  out.matches = res->matches.size();
  out.errors = res->errors;
  return out;
}

namespace {

// A part's summary.json and matches.jsonl read back into the ScanResult fields they carry.
struct PartFiles {
  audit::ScanResult result;  // params, index, shards, errors, records, matches
};

Status parse_params(element params, audit::ScanResult& r) {
  element fp, m, sh;
  simdjson::dom::array allowed;
  if (params["fingerprint"].get(fp) || params["match"].get(m) || params["shard"].get(sh) ||
      params["allowed_works"].get(allowed))
    return make_error(Errc::kFormat, "summary params incomplete");
  auto u32 = [](element e, const char* key, std::uint32_t& out) {
    std::uint64_t v = 0;
    if (e[key].get(v) || v > UINT32_MAX) return false;
    out = static_cast<std::uint32_t>(v);
    return true;
  };
  auto& mp = r.match;
  bool ok = u32(fp, "k", r.fingerprint.k) && u32(fp, "sample_rate", r.fingerprint.sample_rate) &&
            u32(fp, "version", r.fingerprint.version) && u32(m, "min_words", mp.min_words) &&
            u32(m, "max_gap", mp.max_gap) && u32(m, "xdrop", mp.xdrop) && u32(m, "resync_run", mp.resync_run) &&
            u32(m, "chain_gap", mp.chain_gap) && u32(m, "max_postings", mp.max_postings) &&
            u32(m, "rare_postings", mp.rare_postings) && u32(m, "boilerplate_works", mp.boilerplate_works) &&
            u32(m, "near_dup_min_words", mp.near_dup_min_words) && u32(m, "lsh_bands", mp.lsh_bands) &&
            u32(m, "lsh_rows", mp.lsh_rows);
  ok = ok && !m["near_duplicates"].get(mp.near_duplicates) && !m["near_dup_jaccard"].get(mp.near_dup_jaccard) &&
       !m["near_dup_containment"].get(mp.near_dup_containment) &&
       !sh["max_record_bytes"].get(r.shard_options.max_record_bytes);
  if (!ok) return make_error(Errc::kFormat, "summary params incomplete");
  r.shard_options.text_field = str(sh, "text_field");
  r.shard_options.id_field = str(sh, "id_field");
  for (auto a : allowed) {
    std::string_view v;
    if (a.get(v)) return make_error(Errc::kFormat, "allowed_works holds a non-string");
    r.allowed_works.emplace_back(v);
  }
  return Ok{};
}

Result<audit::Match> parse_match(std::string_view line, simdjson::dom::parser& parser) {
  simdjson::padded_string padded(line);
  element e;
  if (parser.parse(padded).get(e)) return make_error(Errc::kFormat, "match line is not JSON");
  audit::Match m;
  m.finding_id = str(e, "finding_id");
  m.kind = str(e, "kind") == "near_duplicate" ? audit::MatchKind::kNearDuplicate : audit::MatchKind::kPassage;
  m.shard = str(e, "shard");
  m.doc_id = str(e, "doc_id");
  m.work_id = str(e, "work_id");
  m.work_path = str(e, "work_path");
  m.work_title = str(e, "work_title");
  std::uint64_t words = 0;
  if (e["record"].get(m.record) || e["doc_start"].get(m.doc_start) || e["doc_end"].get(m.doc_end) ||
      e["words"].get(words) || e["score"].get(m.score) || words > UINT32_MAX)
    return make_error(Errc::kFormat, "match line lacks a field");
  m.words = static_cast<std::uint32_t>(words);
  if (m.kind == audit::MatchKind::kPassage) {
    if (e["work_start"].get(m.work_start) || e["work_end"].get(m.work_end))
      return make_error(Errc::kFormat, "passage without work range");
  } else if (e["jaccard"].get(m.jaccard) || e["containment"].get(m.containment)) {
    return make_error(Errc::kFormat, "near-duplicate without jaccard/containment");
  }
  simdjson::dom::array flags;
  if (!e["flags"].get(flags)) {
    for (auto f : flags) {
      std::string_view v;
      if (f.get(v)) continue;
      if (v == "boilerplate") m.boilerplate = true;
      if (v == "allowed") m.allowed = true;
    }
  }
  bool repaired = false;
  if (!e["text_repaired"].get(repaired)) m.text_repaired = repaired;
  return m;
}

}  // namespace

Result<MergeOutcome> merge(const fs::path& run, const ReadLimits& limits) {
  const fs::path plan_file = run / "plan.json";
  auto plan_bytes = read_file(plan_file, limits.max_plan_bytes);
  if (!plan_bytes)
    return make_error(Errc::kNotFound, "no plan.json in the run: no task has run yet", run.string());
  auto plan = parse_plan(*plan_bytes, plan_file.string(), limits);
  if (!plan) return std::move(plan).error();
  const std::string plan_sha = sha256_hex(*plan_bytes);
  const std::size_t tasks = plan->tasks.size();

  // 1. Every part present, complete, made from this plan, its shards unchanged since.
  std::vector<PartInfo> parts(tasks);
  std::vector<std::string> missing, stale;
  for (std::size_t t = 0; t < tasks; ++t) {
    const fs::path dir = run / "parts" / part_dir_name(t);
    auto p = read_part(dir, limits);
    if (!p || !p->complete || p->task != t) {
      missing.push_back("task " + std::to_string(t) + (fs::exists(dir) ? " (incomplete part)" : " (no part)"));
      continue;
    }
    if (p->plan_sha256 != plan_sha) {
      stale.push_back("task " + std::to_string(t) + " (made from another plan)");
      continue;
    }
    const PlanTask& pt = plan->tasks[t];
    bool changed = p->seen.size() != pt.count;
    if (changed) stale.push_back("task " + std::to_string(t) + " (shards differ from the plan)");
    for (std::size_t i = 0; !changed && i < pt.count; ++i) {
      const ShardIdentity now = identify(plan->shards[pt.first + i].path, false);
      changed = p->seen[i].path != plan->shards[pt.first + i].path || !now.same_file(p->seen[i]);
      if (changed) stale.push_back("task " + std::to_string(t) + " (shard " + p->seen[i].path + " changed since)");
    }
    parts[t] = std::move(p).value();
  }
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 20; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 20) s += ", ... (" + std::to_string(v.size()) + " in all)";
    return s;
  };
  if (!missing.empty())
    return make_error(Errc::kNotFound, "cannot merge: " + std::to_string(missing.size()) + " of " +
                                           std::to_string(tasks) + " parts not ready: " + list(missing) +
                                           "; run those tasks (provaudit scan --plan PLAN --task I)",
                      run.string());
  if (!stale.empty())
    return make_error(Errc::kIncompatible, "cannot merge: stale parts: " + list(stale) + "; run those tasks again",
                      run.string());
  // 2. One configuration (parameters, index) for all: the most common one is taken as the
  // run's, ties to the lowest task; the others are stale.
  std::map<std::string, std::size_t> votes;
  for (const auto& p : parts) ++votes[p.config_sha256];
  std::string config = parts[0].config_sha256;
  for (const auto& p : parts)
    if (votes[p.config_sha256] > votes[config]) config = p.config_sha256;
  for (std::size_t t = 0; t < tasks; ++t)
    if (parts[t].config_sha256 != config)
      stale.push_back("task " + std::to_string(t) + " (other parameters or index: " +
                      (parts[t].index_digest != parts[0].index_digest ? "index digest " + parts[t].index_digest.substr(0, 12)
                                                                       : "parameters") + ")");
  if (!stale.empty())
    return make_error(Errc::kIncompatible, "cannot merge: parts made with different parameters or index: " +
                                               list(stale) + "; run those tasks again with the same ones",
                      run.string());
  // The index as it is now, when this machine can open it (read-only).
  const PartInfo* ref = nullptr;
  for (const auto& p : parts)
    if (p.config_sha256 == config) ref = &p;
  if (auto idx = index::Index::open_read_only(ref->index_path); idx && (*idx)->digest() != ref->index_digest)
    return make_error(Errc::kIncompatible, "cannot merge: the index changed since the tasks ran (digest " +
                                               ref->index_digest.substr(0, 12) + " then, " +
                                               (*idx)->digest().substr(0, 12) + " now); run every task again",
                      ref->index_path);

  // 3. Read the parts back into one result.
  MergeOutcome out;
  out.tasks = tasks;
  audit::ScanResult& r = out.result;
  std::vector<Error> matcher_errors;
  std::map<std::string, audit::WorkEvidence> evidence;
  simdjson::dom::parser parser, line_parser;
  for (std::size_t t = 0; t < tasks; ++t) {
    const fs::path dir = run / "parts" / part_dir_name(t);
    const std::string name = (dir / "summary.json").string();
    auto summary = read_file(dir / "summary.json", limits.max_part_bytes);
    if (!summary) return std::move(summary).error();
    auto matches = read_file(dir / "matches.jsonl", limits.max_part_bytes);
    if (!matches) return std::move(matches).error();
    const PartInfo& p = parts[t];
    auto damaged = [&](const std::string& why) {
      return make_error(Errc::kFormat, "damaged part of task " + std::to_string(t) + ": " + why, dir.string());
    };
    if (sha256_hex(*matches) != p.matches_sha256) return damaged("matches.jsonl differs from part.json's digest");
    simdjson::padded_string padded(*summary);
    element root, index_obj, params;
    simdjson::dom::array shards, errors;
    if (parser.parse(padded).get(root) || root["params"].get(params) || root["index"].get(index_obj) ||
        root["shards"].get(shards) || root["errors"].get(errors))
      return damaged("summary.json unreadable");
    if (t == 0) {
      if (auto s = parse_params(params, r); !s) return damaged(s.error().message);
      r.index_path = str(index_obj, "path");
      r.index_digest = str(index_obj, "digest");
      if (config_sha256(r) != config)
        return make_error(Errc::kInternal, "merge cannot reproduce the parameters of task 0's part "
                                           "(a parameter this build does not read back?)", name);
    }
    const std::size_t shard_base = r.shards.size();
    for (auto s : shards) {
      ingest::ShardStats st;
      st.path = str(s, "path");
      st.sha256 = str(s, "sha256");
      if (s["bytes"].get(st.bytes) || s["text_bytes"].get(st.text_bytes) || s["records"].get(st.records) ||
          s["skipped"].get(st.skipped))
        return damaged("a shard entry lacks a field");
      r.shards.push_back(std::move(st));
    }
    if (r.shards.size() - shard_base != p.seen.size()) return damaged("shard count differs from part.json");
    std::vector<Error> errs;
    for (auto e : errors) errs.push_back(parse_error_object(e));
    if (p.matcher_errors > errs.size()) return damaged("matcher_errors larger than the error list");
    const std::size_t reader_errors = errs.size() - p.matcher_errors;
    for (std::size_t i = 0; i < errs.size(); ++i)
      (i < reader_errors ? r.errors : matcher_errors).push_back(std::move(errs[i]));
    if (!errs.empty()) out.incomplete_tasks.push_back(t);
    r.records += p.records;
    r.documents_matched += p.documents_matched;
    // Matches: each line parsed back and checked by writing it again.
    std::size_t pos = 0, local = 0;
    std::uint64_t left_in_shard = p.shard_matches.empty() ? 0 : p.shard_matches[0];
    while (pos < matches->size()) {
      std::size_t nl = matches->find('\n', pos);
      if (nl == std::string::npos) return damaged("matches.jsonl does not end in a newline");
      const std::string_view line(matches->data() + pos, nl - pos);
      pos = nl + 1;
      while (left_in_shard == 0 && local + 1 < p.shard_matches.size()) left_in_shard = p.shard_matches[++local];
      if (left_in_shard == 0) return damaged("more match lines than part.json counts");
      --left_in_shard;
      auto m = parse_match(line, line_parser);
      if (!m) return damaged(m.error().message);
      m->shard_index = shard_base + local;
      if (reports::match_line(*m) != line) return damaged("a match line does not read back to itself");
      r.matches.push_back(std::move(m).value());
    }
    for (const auto& e : p.evidence) {
      auto [it, fresh] = evidence.try_emplace(e.work_id, e);
      if (!fresh) audit::add_evidence(it->second, e);
    }
  }
  // Matcher errors follow the reader's, sorted as one scan sorts them (audit/scan.cpp).
  std::stable_sort(matcher_errors.begin(), matcher_errors.end(), [](const Error& a, const Error& b) {
    return a.path != b.path ? a.path < b.path : a.line.value_or(0) < b.line.value_or(0);
  });
  r.matcher_errors = matcher_errors.size();
  for (auto& e : matcher_errors) r.errors.push_back(std::move(e));
  std::vector<audit::WorkEvidence> ev;
  ev.reserve(evidence.size());
  for (auto& [id, e] : evidence) ev.push_back(std::move(e));
  r.works = audit::coverage(ev, r.allowed_works);
  if (auto s = reports::write_scan(r, run); !s) return std::move(s).error();
  return out;
}

}  // namespace prov::scale
