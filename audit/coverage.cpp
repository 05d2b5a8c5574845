// audit/coverage.cpp: per-work coverage from matches, as evidence that adds up across parts.
//
// One scan and a plan/task/merge run both compute coverage here: a scan collects the evidence
// of all its matches at once; a merge adds up the evidence each task collected from its own
// shards. Because counts add and ranges unite, both give the same numbers.
#include <algorithm>
#include <map>
#include <set>

#include "audit/audit.hpp"

namespace prov::audit {
namespace {

// Sorts and unites touching or overlapping ranges, in place.
void unite(std::vector<std::pair<std::uint32_t, std::uint32_t>>& ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::size_t out = 0;
  for (const auto& r : ranges) {
    if (out > 0 && r.first <= ranges[out - 1].second) {
      ranges[out - 1].second = std::max(ranges[out - 1].second, r.second);
    } else {
      ranges[out++] = r;
    }
  }
  ranges.resize(out);
}

}  // namespace

std::vector<WorkEvidence> collect_evidence(const std::vector<Match>& matches,
                                           const std::function<std::uint64_t(const std::string&)>& total_words,
                                           std::uint64_t& documents_matched) {
  std::map<std::string, WorkEvidence> acc;
  std::map<std::string, std::set<std::pair<std::size_t, std::uint64_t>>> docs;
  std::set<std::pair<std::size_t, std::uint64_t>> matched_docs;
  for (const auto& m : matches) {
    auto [it, fresh] = acc.try_emplace(m.work_id);
    WorkEvidence& a = it->second;
    if (fresh) {
      a.work_id = m.work_id;
      a.title = m.work_title;
      a.path = m.work_path;
      a.total_words = total_words(m.work_id);
    }
    if (m.kind == MatchKind::kNearDuplicate && !m.boilerplate) {  // evidence, no work range
      ++a.near_duplicates;
      matched_docs.emplace(m.shard_index, m.record);
      continue;
    }
    if (m.boilerplate) {  // listed, but no evidence of this work
      ++a.boilerplate_passages;
      continue;
    }
    a.ranges.emplace_back(m.work_tok_start, m.work_tok_end);
    docs[m.work_id].emplace(m.shard_index, m.record);
    ++a.passages;
    matched_docs.emplace(m.shard_index, m.record);
  }
  documents_matched = matched_docs.size();
  std::vector<WorkEvidence> out;
  out.reserve(acc.size());
  for (auto& [id, a] : acc) {
    unite(a.ranges);
    if (auto d = docs.find(id); d != docs.end()) a.documents = d->second.size();
    out.push_back(std::move(a));
  }
  return out;
}

void add_evidence(WorkEvidence& into, const WorkEvidence& from) {
  into.ranges.insert(into.ranges.end(), from.ranges.begin(), from.ranges.end());
  unite(into.ranges);
  into.passages += from.passages;
  into.documents += from.documents;  // disjoint document sets: distinct counts add
  into.boilerplate_passages += from.boilerplate_passages;
  into.near_duplicates += from.near_duplicates;
}

std::vector<WorkCoverage> coverage(const std::vector<WorkEvidence>& evidence,
                                   const std::vector<std::string>& allowed_works) {
  std::vector<WorkCoverage> works;
  works.reserve(evidence.size());
  for (const auto& a : evidence) {
    std::uint64_t covered = 0;
    for (const auto& [s, e] : a.ranges) covered += e - s;  // disjoint (see WorkEvidence)
    WorkCoverage c;
    c.work_id = a.work_id;
    c.title = a.title;
    c.path = a.path;
    c.matched_words = covered;
    c.total_words = a.total_words;
    c.coverage = a.total_words ? static_cast<double>(covered) / static_cast<double>(a.total_words) : 0.0;
    c.passages = a.passages;
    c.documents = a.documents;
    c.boilerplate_passages = a.boilerplate_passages;
    c.near_duplicates = a.near_duplicates;
    c.allowed = std::binary_search(allowed_works.begin(), allowed_works.end(), a.work_id);
    works.push_back(std::move(c));
  }
  std::sort(works.begin(), works.end(), [](const WorkCoverage& a, const WorkCoverage& b) {
    return a.matched_words != b.matched_words ? a.matched_words > b.matched_words : a.work_id < b.work_id;
  });
  return works;
}

}  // namespace prov::audit
