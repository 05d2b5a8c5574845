// gate/run.cpp: the findings of a scan, from memory or from a run folder, and their excerpts.
//
// A gate on a fresh scan and a gate on the folder that scan wrote must judge the same data, so
// both go through RunData, built only from what matches.jsonl and summary.json hold.
#include <simdjson.h>

#include <algorithm>

#include "common/file_io.hpp"
#include "gate/gate.hpp"

namespace prov::gate {
namespace {

constexpr std::uint64_t kMaxSummaryBytes = 1ull << 30;
constexpr std::uint64_t kMaxMatchesBytes = 16ull << 30;
constexpr std::size_t kExcerptBytes = 240;

Error bad(const std::string& file, std::uint64_t line, std::string msg) {
  Error e = make_error(Errc::kFormat, std::move(msg), file);
  if (line) e.line = line;
  return e;
}

// Cuts at most n bytes without splitting a UTF-8 character.
std::string cut_utf8(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  std::size_t at = n;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return std::string(s.substr(0, at)) + "...";
}

}  // namespace

RunData run_from_scan(const audit::ScanResult& scan) {
  RunData run;
  run.min_words = scan.match.min_words;
  run.index_path = scan.index_path;
  run.index_digest = scan.index_digest;
  run.shard_options = scan.shard_options;
  for (const auto& s : scan.shards) run.shards.push_back({s.path, s.sha256, s.records, s.skipped});
  for (const auto& m : scan.matches) {
    Finding f;
    f.finding_id = m.finding_id;
    f.kind = m.kind == audit::MatchKind::kNearDuplicate ? "near_duplicate" : "passage";
    f.shard_index = m.shard_index;
    f.shard = m.shard;
    f.record = m.record;
    f.doc_id = m.doc_id;
    f.doc_start = m.doc_start;
    f.doc_end = m.doc_end;
    f.work_id = m.work_id;
    f.work_title = m.work_title;
    f.work_path = m.work_path;
    if (m.kind == audit::MatchKind::kPassage) {
      f.work_start = m.work_start;
      f.work_end = m.work_end;
    }
    f.words = m.words;
    f.score = m.score;
    f.boilerplate = m.boilerplate;
    f.allowed = m.allowed;
    run.findings.push_back(std::move(f));
  }
  for (const auto& w : scan.works) run.works.push_back({w.work_id, w.title, w.path, "", w.coverage, w.total_words});
  std::sort(run.works.begin(), run.works.end(),
            [](const RunWork& a, const RunWork& b) { return a.work_id < b.work_id; });
  run.errors = scan.errors;
  return run;
}

Result<RunData> load_run(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string summary_path = (fs::path(dir) / "summary.json").string();
  const std::string matches_path = (fs::path(dir) / "matches.jsonl").string();
  auto summary = read_file(summary_path, kMaxSummaryBytes);
  if (!summary) return std::move(summary).error().with_path(summary_path);
  RunData run;
  simdjson::dom::parser parser;
  simdjson::dom::element s;
  if (auto err = parser.parse(*summary).get(s))
    return bad(summary_path, 0, std::string("not JSON: ") + simdjson::error_message(err));
  std::string_view schema;
  if (s["schema"].get(schema) || schema != "provaudit/summary/1")
    return bad(summary_path, 0, "not a scan summary (schema provaudit/summary/1)");
  std::uint64_t mw = 0;
  if (s.at_pointer("/params/match/min_words").get(mw) || mw == 0 || mw > 1'000'000)
    return bad(summary_path, 0, "params.match.min_words missing");
  run.min_words = static_cast<std::uint32_t>(mw);
  std::string_view sv;
  if (!s.at_pointer("/params/shard/text_field").get(sv)) run.shard_options.text_field = std::string(sv);
  if (!s.at_pointer("/params/shard/id_field").get(sv)) run.shard_options.id_field = std::string(sv);
  std::uint64_t mrb = 0;
  if (!s.at_pointer("/params/shard/max_record_bytes").get(mrb)) run.shard_options.max_record_bytes = mrb;
  if (!s.at_pointer("/index/path").get(sv)) run.index_path = std::string(sv);
  if (!s.at_pointer("/index/digest").get(sv)) run.index_digest = std::string(sv);
  simdjson::dom::array arr;
  if (s["shards"].get(arr)) return bad(summary_path, 0, "shards missing");
  for (auto e : arr) {
    RunShard sh;
    std::string_view p, h;
    if (e["path"].get(p) || e["sha256"].get(h)) return bad(summary_path, 0, "a shard lacks path or sha256");
    sh.path = std::string(p);
    sh.sha256 = std::string(h);
    if (e["records"].get(sh.records)) sh.records = {};
    if (e["skipped"].get(sh.skipped)) sh.skipped = {};
    run.shards.push_back(std::move(sh));
  }
  if (s["works"].get(arr)) return bad(summary_path, 0, "works missing");
  for (auto e : arr) {
    RunWork w;
    std::string_view id, t, p;
    if (e["work_id"].get(id)) return bad(summary_path, 0, "a work lacks work_id");
    w.work_id = std::string(id);
    if (!e["title"].get(t)) w.title = std::string(t);
    if (!e["path"].get(p)) w.path = std::string(p);
    if (e["coverage"].get(w.coverage)) w.coverage = {};
    if (e["total_words"].get(w.total_words)) w.total_words = {};
    run.works.push_back(std::move(w));
  }
  std::sort(run.works.begin(), run.works.end(),
            [](const RunWork& a, const RunWork& b) { return a.work_id < b.work_id; });
  if (!s["errors"].get(arr)) {
    for (auto e : arr) {
      std::string_view file, reason;
      if (e["file"].get(file)) file = {};
      if (e["reason"].get(reason)) reason = {};
      Error err = make_error(Errc::kFormat, std::string(reason), std::string(file));
      std::uint64_t line = 0;
      if (!e["line"].get(line)) err.line = line;
      run.errors.push_back(std::move(err));
    }
  }

  auto matches = read_file(matches_path, kMaxMatchesBytes);
  if (!matches) return std::move(matches).error().with_path(matches_path);
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  simdjson::dom::parser lp;
  while (pos < matches->size()) {
    std::size_t nl = matches->find('\n', pos);
    if (nl == std::string::npos) nl = matches->size();
    const std::string_view line(matches->data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    simdjson::dom::element m;
    if (auto err = lp.parse(line.data(), line.size()).get(m))
      return bad(matches_path, line_no, std::string("not JSON: ") + simdjson::error_message(err));
    Finding f;
    std::string_view str;
    const auto need_str = [&](const char* k, std::string& out) {
      if (m[k].get(str)) return false;
      out = std::string(str);
      return true;
    };
    std::uint64_t words = 0;
    if (!need_str("finding_id", f.finding_id) || !need_str("kind", f.kind) || !need_str("shard", f.shard) ||
        !need_str("doc_id", f.doc_id) || !need_str("work_id", f.work_id) || m["record"].get(f.record) ||
        m["doc_start"].get(f.doc_start) || m["doc_end"].get(f.doc_end) || m["words"].get(words))
      return bad(matches_path, line_no, "a match lacks a required field");
    f.words = static_cast<std::uint32_t>(std::min<std::uint64_t>(words, UINT32_MAX));
    (void)need_str("work_title", f.work_title);
    (void)need_str("work_path", f.work_path);
    std::uint64_t ws = 0, we = 0;
    if (!m["work_start"].get(ws) && !m["work_end"].get(we)) {
      f.work_start = ws;
      f.work_end = we;
    }
    if (m["score"].get(f.score)) f.score = {};
    if (!m["flags"].get(arr)) {
      for (auto fl : arr) {
        if (fl.get(str)) continue;
        if (str == "boilerplate") f.boilerplate = true;
        if (str == "allowed") f.allowed = true;
      }
    }
    // The shard's position: the first shard of the summary with this path (paths as given).
    auto it = std::find_if(run.shards.begin(), run.shards.end(), [&](const RunShard& sh) { return sh.path == f.shard; });
    if (it == run.shards.end()) return bad(matches_path, line_no, "shard '" + f.shard + "' is not in summary.json");
    f.shard_index = static_cast<std::size_t>(it - run.shards.begin());
    if (f.doc_end < f.doc_start) return bad(matches_path, line_no, "doc_end before doc_start");
    run.findings.push_back(std::move(f));
  }
  return run;
}

Status attach_classes(RunData& run, const index::Index& index) {
  for (auto& w : run.works) {
    if (auto r = index.find(w.work_id)) w.work_class = r->work_class;
  }
  return Ok{};
}

Status attach_excerpts(RunData& run, const GateResult& result) {
  // Wanted records per shard: record -> finding indices.
  std::vector<std::map<std::uint64_t, std::vector<std::size_t>>> want(run.shards.size());
  for (std::size_t i = 0; i < run.findings.size(); ++i)
    if (result.in_violation[i]) want[run.findings[i].shard_index][run.findings[i].record].push_back(i);
  for (std::size_t s = 0; s < run.shards.size(); ++s) {
    if (want[s].empty()) continue;
    auto reader = ingest::ShardReader::open(run.shards[s].path, run.shard_options);
    if (!reader) return std::move(reader).error().with_path(run.shards[s].path);
    std::vector<Error> record_errors;
    ingest::ShardRecord rec;
    for (;;) {
      auto got = (*reader)->next(rec, record_errors);
      if (!got) return std::move(got).error().with_path(run.shards[s].path);
      if (!*got) break;
      auto it = want[s].find(rec.index);
      if (it == want[s].end()) continue;
      for (const std::size_t i : it->second) {
        Finding& f = run.findings[i];
        if (f.doc_end > rec.text.size())
          return make_error(Errc::kFormat, "record " + std::to_string(rec.index) + " is shorter than its finding " +
                                               f.finding_id + ": the shard changed since the scan",
                            run.shards[s].path);
        f.excerpt = cut_utf8(std::string_view(rec.text).substr(f.doc_start, f.doc_end - f.doc_start), kExcerptBytes);
      }
    }
    if ((*reader)->stats().sha256 != run.shards[s].sha256)
      return make_error(Errc::kFormat, "the shard changed since the scan (SHA-256 differs)", run.shards[s].path);
  }
  return Ok{};
}

}  // namespace prov::gate
