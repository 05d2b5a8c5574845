// gate/diff.cpp: what changed between two runs, finding by finding.
//
// Findings are keyed by (finding_id, kind): the id already folds in the work, the shard's
// content hash, the document id and where the passage starts, so a key present in both runs is
// the same evidence, and a change is in its extent, its score, its flags or (when both runs hold
// a gate.json) its verdict.
#include <simdjson.h>

#include <algorithm>
#include <cstdio>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "gate/gate.hpp"

namespace prov::gate {
namespace {

std::string key_of(const Finding& f) { return f.finding_id + "\n" + f.kind; }

// finding_id -> verdict from RUN/gate.json, empty when the run has none.
Result<std::map<std::string, std::string>> gate_verdicts(const std::string& dir) {
  std::map<std::string, std::string> out;
  const auto path = std::filesystem::path(dir) / "gate.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  auto text = read_file(path, 1ull << 32);
  if (!text) return std::move(text).error().with_path(path.string());
  simdjson::dom::parser p;
  simdjson::dom::element d;
  simdjson::dom::array arr;
  if (p.parse(*text).get(d) || d["findings"].get(arr))
    return make_error(Errc::kFormat, "not a gate report (provaudit/gate/1)", path.string());
  for (auto f : arr) {
    std::string_view id, kind, verdict;
    if (f["finding_id"].get(id) || f["kind"].get(kind) || f["verdict"].get(verdict)) continue;
    out[std::string(id) + "\n" + std::string(kind)] = std::string(verdict);
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

std::string flags(const Finding& f) {
  std::string s;
  if (f.boilerplate) s += "boilerplate";
  if (f.allowed) s += s.empty() ? "allowed" : ",allowed";
  return s;
}

std::string opt(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "null"; }

void finding_object(JsonWriter& w, const Finding& f) {
  w.begin_object()
      .field("finding_id", f.finding_id)
      .field("kind", f.kind)
      .field("shard", f.shard)
      .field("record", f.record)
      .field("doc_id", f.doc_id)
      .field("doc_start", f.doc_start)
      .field("doc_end", f.doc_end)
      .field("work_id", f.work_id)
      .field("words", static_cast<std::uint64_t>(f.words))
      .end_object();
}

}  // namespace

Result<RunDiff> diff_runs(const std::string& run_a, const std::string& run_b) {
  auto a = load_run(run_a);
  if (!a) return std::move(a).error();
  auto b = load_run(run_b);
  if (!b) return std::move(b).error();
  auto va = gate_verdicts(run_a);
  if (!va) return std::move(va).error();
  auto vb = gate_verdicts(run_b);
  if (!vb) return std::move(vb).error();
  std::map<std::string, const Finding*> ma, mb;
  for (const auto& f : a->findings) ma.emplace(key_of(f), &f);
  for (const auto& f : b->findings) mb.emplace(key_of(f), &f);
  RunDiff d;
  for (const auto& [k, f] : ma)
    if (!mb.count(k)) d.removed.push_back(*f);
  for (const auto& [k, f] : mb) {
    auto it = ma.find(k);
    if (it == ma.end()) {
      d.added.push_back(*f);
      continue;
    }
    const Finding& x = *it->second;
    const Finding& y = *f;
    FindingChange c;
    c.finding_id = y.finding_id;
    auto cmp = [&](const char* name, const std::string& p, const std::string& q) {
      if (p != q) c.fields.push_back({name, {p, q}});
    };
    cmp("kind", x.kind, y.kind);
    cmp("shard", x.shard, y.shard);
    cmp("record", std::to_string(x.record), std::to_string(y.record));
    cmp("doc_end", std::to_string(x.doc_end), std::to_string(y.doc_end));
    cmp("work_start", opt(x.work_start), opt(y.work_start));
    cmp("work_end", opt(x.work_end), opt(y.work_end));
    cmp("words", std::to_string(x.words), std::to_string(y.words));
    cmp("score", num(x.score), num(y.score));
    cmp("flags", flags(x), flags(y));
    if (!va->empty() && !vb->empty()) {
      auto pa = va->find(k);
      auto pb = vb->find(k);
      cmp("verdict", pa == va->end() ? "" : pa->second, pb == vb->end() ? "" : pb->second);
    }
    if (!c.fields.empty()) d.changed.push_back(std::move(c));
  }
  return d;
}

std::string diff_json(const std::string& run_a, const std::string& run_b, const RunDiff& d) {
  JsonWriter w(true);
  w.begin_object().field("schema", kDiffSchema).field("run_a", run_a).field("run_b", run_b);
  w.key("totals")
      .begin_object()
      .field("added", static_cast<std::uint64_t>(d.added.size()))
      .field("removed", static_cast<std::uint64_t>(d.removed.size()))
      .field("changed", static_cast<std::uint64_t>(d.changed.size()))
      .end_object();
  w.key("added").begin_array();
  for (const auto& f : d.added) finding_object(w, f);
  w.end_array();
  w.key("removed").begin_array();
  for (const auto& f : d.removed) finding_object(w, f);
  w.end_array();
  w.key("changed").begin_array();
  for (const auto& c : d.changed) {
    w.begin_object().field("finding_id", c.finding_id).key("fields").begin_array();
    for (const auto& [name, ab] : c.fields)
      w.begin_object().field("field", name).field("a", ab.first).field("b", ab.second).end_object();
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.take() + "\n";
}

std::string diff_text(const RunDiff& d) {
  std::string out;
  for (const auto& f : d.added)
    out += "+ " + f.finding_id + "  " + f.kind + "  work " + f.work_id.substr(0, 16) + "  " + f.shard + ":" +
           std::to_string(f.record) + " (doc " + f.doc_id + ") bytes " + std::to_string(f.doc_start) + "-" +
           std::to_string(f.doc_end) + ", " + std::to_string(f.words) + " words\n";
  for (const auto& f : d.removed)
    out += "- " + f.finding_id + "  " + f.kind + "  work " + f.work_id.substr(0, 16) + "  " + f.shard + ":" +
           std::to_string(f.record) + " (doc " + f.doc_id + ") bytes " + std::to_string(f.doc_start) + "-" +
           std::to_string(f.doc_end) + ", " + std::to_string(f.words) + " words\n";
  for (const auto& c : d.changed) {
    out += "~ " + c.finding_id + " ";
    for (const auto& [name, ab] : c.fields) out += " " + name + " " + ab.first + " -> " + ab.second;
    out += "\n";
  }
  out += std::to_string(d.added.size()) + " added, " + std::to_string(d.removed.size()) + " removed, " +
         std::to_string(d.changed.size()) + " changed\n";
  return out;
}

}  // namespace prov::gate
