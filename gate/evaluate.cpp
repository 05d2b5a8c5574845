// gate/evaluate.cpp: which findings count, which limits they break, and gate.json.
//
// A finding counts when it is evidence (not flagged boilerplate) of at least the work's
// min_words document words. Allowed works (policy [allow] or the scan's allowlist) are listed
// but never violate. Per work, in this order:
//   matched-words-per-document  sum of counted words of the work in one document > limit
//   coverage-per-work           the work's coverage > limit
//   documents-per-work          distinct documents with a counted finding > limit
// Coverage is the scan's (union of matched work tokens over all documents). When a work's
// min_words is above the scan's, some passages the scan counted no longer count; the coverage
// is then scaled by the share of the work's matched bytes (union of work_start..work_end) that
// the counted passages keep, and marked coverage_estimated. A fresh gate and a gate on the run
// folder use the same data (RunData), so they agree byte for byte.
#include <algorithm>
#include <cstdio>
#include <set>

#include "common/json_writer.hpp"
#include "common/version.hpp"
#include "gate/gate.hpp"

namespace prov::gate {
namespace {

using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

std::uint64_t union_bytes(Ranges r) {
  std::sort(r.begin(), r.end());
  std::uint64_t total = 0, cur_s = 0, cur_e = 0;
  bool open = false;
  for (const auto& [s, e] : r) {
    if (!open || s > cur_e) {
      if (open) total += cur_e - cur_s;
      cur_s = s;
      cur_e = e;
      open = true;
    } else {
      cur_e = std::max(cur_e, e);
    }
  }
  if (open) total += cur_e - cur_s;
  return total;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * v);
  return buf;
}

}  // namespace

const char* rule_id(Rule r) {
  switch (r) {
    case Rule::kMatchedWordsPerDocument: return "matched-words-per-document";
    case Rule::kCoveragePerWork: return "coverage-per-work";
    case Rule::kDocumentsPerWork: return "documents-per-work";
  }
  return "unknown";
}

Result<GateResult> evaluate(const Policy& policy, const RunData& run) {
  if (run.min_words > policy.smallest_min_words())
    return make_error(Errc::kUsage,
                      "the run reported passages of at least " + std::to_string(run.min_words) +
                          " words, but the policy counts passages from " +
                          std::to_string(policy.smallest_min_words()) +
                          " words: scan again with --min-words " +
                          std::to_string(policy.smallest_min_words()) + " (or run gate with --index)",
                      policy.path);
  GateResult res;
  res.counted.assign(run.findings.size(), false);
  res.in_violation.assign(run.findings.size(), false);

  std::map<std::string, std::vector<std::size_t>> by_work;
  for (std::size_t i = 0; i < run.findings.size(); ++i) by_work[run.findings[i].work_id].push_back(i);

  for (const auto& [work_id, idx] : by_work) {
    const RunWork* rw = nullptr;
    auto it = std::lower_bound(run.works.begin(), run.works.end(), work_id,
                               [](const RunWork& w, const std::string& id) { return w.work_id < id; });
    if (it != run.works.end() && it->work_id == work_id) rw = &*it;
    const Finding& first = run.findings[idx.front()];
    WorkVerdict v;
    v.work_id = work_id;
    v.title = rw && !rw->title.empty() ? rw->title : first.work_title;
    v.path = rw && !rw->path.empty() ? rw->path : first.work_path;
    v.work_class = policy.class_of(work_id, rw ? rw->work_class : std::string());
    v.limits = policy.thresholds_for(work_id, rw ? rw->work_class : std::string());
    v.allowed = policy.allowed(work_id) || first.allowed;

    // Documents: (shard, record) -> counted words and findings, in findings order.
    std::map<std::pair<std::size_t, std::uint64_t>, std::pair<std::uint64_t, std::vector<std::size_t>>> docs;
    Ranges all_ranges, counted_ranges;
    bool all_counted = true;
    std::vector<std::size_t> counted;
    for (const std::size_t i : idx) {
      const Finding& f = run.findings[i];
      const bool evidence = !f.boilerplate;
      const bool c = evidence && f.words >= v.limits.min_words;
      res.counted[i] = c;
      if (evidence && f.work_start && f.work_end) {
        all_ranges.emplace_back(*f.work_start, *f.work_end);
        if (c) counted_ranges.emplace_back(*f.work_start, *f.work_end);
        else all_counted = false;
      }
      if (!c) continue;
      counted.push_back(i);
      auto& d = docs[{f.shard_index, f.record}];
      d.first += f.words;
      d.second.push_back(i);
    }
    v.counted = counted.size();
    v.documents = docs.size();
    const double scan_cov = rw ? rw->coverage : 0.0;
    if (all_counted) {
      v.coverage = scan_cov;
    } else {
      const std::uint64_t all = union_bytes(all_ranges);
      v.coverage = all ? scan_cov * static_cast<double>(union_bytes(counted_ranges)) / static_cast<double>(all) : 0.0;
      v.coverage_estimated = true;
    }
    for (const auto& [key, d] : docs) v.max_document_words = std::max(v.max_document_words, d.first);

    if (!v.allowed) {
      for (const auto& [key, d] : docs) {
        if (d.first <= v.limits.max_matched_words_per_document) continue;
        Violation x;
        x.rule = Rule::kMatchedWordsPerDocument;
        x.work_id = work_id;
        x.value = static_cast<double>(d.first);
        x.limit = static_cast<double>(v.limits.max_matched_words_per_document);
        x.document = d.second.front();
        x.findings = d.second;
        for (const std::size_t i : d.second) res.in_violation[i] = true;
        res.violations.push_back(std::move(x));
      }
      if (v.coverage > v.limits.max_coverage_per_work) {
        Violation x;
        x.rule = Rule::kCoveragePerWork;
        x.work_id = work_id;
        x.value = v.coverage;
        x.limit = v.limits.max_coverage_per_work;
        x.findings = counted;
        for (const std::size_t i : counted) res.in_violation[i] = true;
        res.violations.push_back(std::move(x));
      }
      if (v.documents > v.limits.max_documents_per_work) {
        Violation x;
        x.rule = Rule::kDocumentsPerWork;
        x.work_id = work_id;
        x.value = static_cast<double>(v.documents);
        x.limit = static_cast<double>(v.limits.max_documents_per_work);
        x.findings = counted;
        for (const std::size_t i : counted) res.in_violation[i] = true;
        res.violations.push_back(std::move(x));
      }
    }
    v.passed = v.allowed || std::none_of(res.violations.begin(), res.violations.end(),
                                         [&v](const Violation& x) { return x.work_id == v.work_id; });
    if (!v.passed) res.passed = false;
    res.works.push_back(std::move(v));
  }
  return res;
}

namespace {

void write_limit_value(JsonWriter& w, const char* key, Rule r, double v) {
  if (r == Rule::kCoveragePerWork) {
    w.field(key, v);
  } else {
    w.field(key, static_cast<std::uint64_t>(v));
  }
}

const char* finding_verdict(const GateResult& res, const RunData& run, std::size_t i, const Policy& policy) {
  const Finding& f = run.findings[i];
  if (res.in_violation[i]) return "violation";
  if (policy.allowed(f.work_id) || f.allowed) return "allowed";
  if (!res.counted[i]) return "not_counted";
  return "within_limits";
}

}  // namespace

std::string gate_json(const Policy& policy, const RunData& run, const GateResult& res) {
  JsonWriter w(true);
  w.begin_object();
  w.field("schema", kGateSchema);
  w.key("tool").begin_object().field("name", kToolName).field("version", kToolVersion).end_object();
  w.key("policy")
      .begin_object()
      .field("path", policy.path)
      .field("sha256", policy.sha256)
      .field("min_words", policy.smallest_min_words())
      .end_object();
  w.key("scan").begin_object().field("min_words", run.min_words);
  w.key("index").begin_object().field("path", run.index_path).field("digest", run.index_digest).end_object();
  w.key("shards").begin_array();
  for (const auto& s : run.shards)
    w.begin_object().field("path", s.path).field("sha256", s.sha256).field("records", s.records)
        .field("skipped", s.skipped).end_object();
  w.end_array();
  w.field("errors", static_cast<std::uint64_t>(run.errors.size()));
  w.end_object();
  // Fail closed: a scan that could not read all of its input gives no "pass".
  w.field("verdict", !run.errors.empty() ? "error" : res.passed ? "pass" : "fail");
  std::uint64_t counted = 0, in_violation = 0, failed = 0;
  for (std::size_t i = 0; i < run.findings.size(); ++i) {
    counted += res.counted[i];
    in_violation += res.in_violation[i];
  }
  for (const auto& v : res.works) failed += !v.passed;
  w.key("totals")
      .begin_object()
      .field("findings", static_cast<std::uint64_t>(run.findings.size()))
      .field("counted", counted)
      .field("in_violation", in_violation)
      .field("violations", static_cast<std::uint64_t>(res.violations.size()))
      .field("works", static_cast<std::uint64_t>(res.works.size()))
      .field("works_failed", failed)
      .end_object();
  w.key("works").begin_array();
  for (const auto& v : res.works) {
    w.begin_object()
        .field("work_id", v.work_id)
        .field("title", v.title)
        .field("path", v.path)
        .field("class", v.work_class);
    w.key("limits")
        .begin_object()
        .field("min_words", v.limits.min_words)
        .field("max_matched_words_per_document", v.limits.max_matched_words_per_document)
        .field("max_coverage_per_work", v.limits.max_coverage_per_work)
        .field("max_documents_per_work", v.limits.max_documents_per_work)
        .end_object();
    w.field("counted", v.counted)
        .field("documents", v.documents)
        .field("max_document_words", v.max_document_words)
        .field("coverage", v.coverage)
        .field("coverage_estimated", v.coverage_estimated)
        .field("verdict", v.allowed ? "allowed" : v.passed ? "pass" : "fail")
        .end_object();
  }
  w.end_array();
  w.key("violations").begin_array();
  for (const auto& x : res.violations) {
    w.begin_object().field("rule", rule_id(x.rule)).field("work_id", x.work_id);
    write_limit_value(w, "value", x.rule, x.value);
    write_limit_value(w, "limit", x.rule, x.limit);
    if (x.document) {
      const Finding& f = run.findings[*x.document];
      w.field("shard", f.shard).field("record", f.record).field("doc_id", f.doc_id);
    } else {
      w.key("shard").null();
      w.key("record").null();
      w.key("doc_id").null();
    }
    w.key("finding_ids").begin_array();
    for (const std::size_t i : x.findings) w.value(run.findings[i].finding_id);
    w.end_array().end_object();
  }
  w.end_array();
  w.key("findings").begin_array();
  for (std::size_t i = 0; i < run.findings.size(); ++i) {
    const Finding& f = run.findings[i];
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
        .field("counted", static_cast<bool>(res.counted[i]))
        .field("verdict", finding_verdict(res, run, i, policy))
        .end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

std::string human_summary(const Policy& policy, const RunData& run, const GateResult& res) {
  std::string out;
  std::uint64_t counted = 0;
  for (const bool c : res.counted) counted += c;
  std::size_t failed = 0;
  for (const auto& v : res.works) failed += !v.passed;
  const char* verdict = !run.errors.empty() ? "ERROR (inputs unreadable; failing closed)" : res.passed ? "PASS" : "FAIL";
  out += std::string("gate: ") + verdict + " under " + policy.path + ": " +
         std::to_string(res.violations.size()) + " violations in " + std::to_string(failed) + " of " +
         std::to_string(res.works.size()) + " works; " + std::to_string(run.findings.size()) + " findings, " +
         std::to_string(counted) + " counted\n";
  for (const auto& v : res.works) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-7s %s  %-10s coverage %s (limit %s), %llu documents (limit %llu)  %s\n",
                  v.allowed ? "allowed" : v.passed ? "pass" : "FAIL", v.work_id.substr(0, 16).c_str(),
                  v.work_class.empty() ? "-" : v.work_class.c_str(), pct(v.coverage).c_str(),
                  pct(v.limits.max_coverage_per_work).c_str(), static_cast<unsigned long long>(v.documents),
                  static_cast<unsigned long long>(v.limits.max_documents_per_work),
                  (v.title.empty() ? v.path : v.title).c_str());
    out += line;
  }
  std::size_t shown = 0;
  for (const auto& x : res.violations) {
    if (++shown > 20) {
      out += "  ... and " + std::to_string(res.violations.size() - 20) + " more violations (gate.json)\n";
      break;
    }
    out += "    " + std::string(rule_id(x.rule)) + " " + x.work_id.substr(0, 16) + ": ";
    if (x.rule == Rule::kCoveragePerWork) {
      out += pct(x.value) + " > " + pct(x.limit);
    } else {
      out += std::to_string(static_cast<std::uint64_t>(x.value)) + " > " +
             std::to_string(static_cast<std::uint64_t>(x.limit));
    }
    if (x.document) {
      const Finding& f = run.findings[*x.document];
      out += " in " + f.shard + ":" + std::to_string(f.record) + " (doc " + f.doc_id + ")";
    }
    out += "\n";
  }
  for (const auto& e : run.errors) out += "  unreadable: " + e.describe() + "\n";
  return out;
}

}  // namespace prov::gate
