// eval/score.cpp: the scan's matches against the planted truth.
//
// Every match falls in exactly one place: a planted passage of its own work (a true positive),
// a planted passage of another work (a wrong attribution), the filler around a passage, or an
// unrelated document (false attributions both). Cells accumulate planted passages and the
// matches of their documents; since each planted document holds one passage, a document's
// matches belong to that passage's damage kind and length bucket.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "eval/detail/corpus.hpp"
#include "eval/detail/pan.hpp"

namespace prov::eval::detail {
namespace {

std::uint64_t doc_key(std::size_t shard, std::uint64_t record) {
  return (static_cast<std::uint64_t>(shard) << 40) | record;
}

bool overlaps(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1) {
  return a0 < b1 && b0 < a1;
}

double ratio(std::uint64_t num, std::uint64_t den) {
  return den == 0 ? 1.0 : static_cast<double>(num) / static_cast<double>(den);
}

struct Accumulator {
  Cell cell;
  std::vector<AlignedSpan> cases, detections;
  std::uint64_t boundary_ends = 0, boundary_sum = 0, within_3 = 0;

  Cell finish() {
    Cell c = cell;
    c.recall = ratio(c.found, c.planted);
    c.precision = ratio(c.true_positives, c.reported);
    c.boundary_mean_words =
        boundary_ends == 0 ? 0.0
                           : static_cast<double>(boundary_sum) / static_cast<double>(boundary_ends);
    c.boundary_within_3 = ratio(within_3, c.found);
    c.pan = pan_measures(cases, detections);
    return c;
  }
};

// What scoring learns about one planted passage, added to every cell it belongs to.
struct PassageOutcome {
  bool found = false;
  bool below_min = false;
  std::uint64_t start_error = 0, end_error = 0;
  std::uint64_t reported = 0, true_positives = 0, wrong_work = 0;
  AlignedSpan truth;
  std::vector<AlignedSpan> detections;
};

void add(Accumulator& acc, const PassageOutcome& o) {
  Cell& c = acc.cell;
  ++c.planted;
  c.below_min_words += o.below_min ? 1 : 0;
  c.reported += o.reported;
  c.true_positives += o.true_positives;
  c.wrong_work += o.wrong_work;
  acc.cases.push_back(o.truth);
  acc.detections.insert(acc.detections.end(), o.detections.begin(), o.detections.end());
  if (!o.found) return;
  ++c.found;
  acc.boundary_ends += 2;
  acc.boundary_sum += o.start_error + o.end_error;
  c.boundary_max_words = std::max({c.boundary_max_words, o.start_error, o.end_error});
  acc.within_3 += (o.start_error <= 3 && o.end_error <= 3) ? 1 : 0;
}

// Tokens starting in [lo, hi): the words between two start offsets.
std::uint64_t starts_between(const std::vector<fingerprint::Token>& t, std::uint64_t lo,
                             std::uint64_t hi) {
  return static_cast<std::uint64_t>(std::count_if(
      t.begin(), t.end(), [&](const fingerprint::Token& x) { return x.start >= lo && x.start < hi; }));
}
// Tokens ending in (lo, hi]: the words between two end offsets.
std::uint64_t ends_between(const std::vector<fingerprint::Token>& t, std::uint64_t lo,
                           std::uint64_t hi) {
  return static_cast<std::uint64_t>(std::count_if(
      t.begin(), t.end(), [&](const fingerprint::Token& x) { return x.end > lo && x.end <= hi; }));
}

}  // namespace

void score(const Corpus& corpus, const std::vector<SourceWork>& works,
           const audit::ScanResult& scan, std::uint32_t min_words, EvalResult& r) {
  std::unordered_map<std::string, std::uint64_t> work_key;
  for (std::size_t i = 0; i < works.size(); ++i) work_key.emplace(works[i].work_id, i);
  const auto key_of = [&](const std::string& work_id) {
    return work_key.emplace(work_id, work_key.size()).first->second;
  };
  std::unordered_map<std::uint64_t, std::size_t> planted_at;
  for (std::size_t i = 0; i < corpus.planted.size(); ++i)
    planted_at.emplace(doc_key(corpus.planted[i].shard, corpus.planted[i].record), i);

  // Matches by planted passage; the rest are in unrelated documents.
  std::vector<std::vector<const audit::Match*>> in_doc(corpus.planted.size());
  std::vector<AlignedSpan> unrelated_detections;
  FalseAttribution fa;
  for (const auto& m : scan.matches) {
    const std::uint64_t key = doc_key(m.shard_index, m.record);
    const auto it = planted_at.find(key);
    if (it != planted_at.end()) {
      // A near-duplicate row has no work range: it is document-level evidence, not an
      // alignment, so it neither finds nor splits a planted passage. In an unrelated document
      // it is a false attribution like any other row (below).
      if (m.kind != audit::MatchKind::kNearDuplicate) in_doc[it->second].push_back(&m);
      continue;
    }
    ++fa.in_unrelated_documents;
    unrelated_detections.push_back(
        {key, key_of(m.work_id), m.doc_start, m.doc_end, m.work_start, m.work_end});
  }

  std::array<Accumulator, kDamageKinds.size() * kBuckets.size()> cells;
  std::array<Accumulator, kDamageKinds.size()> kind_all, kind_ge25, kind_ge50;
  std::array<Accumulator, kBuckets.size()> bucket_all;
  Accumulator all, ge25, ge50;
  for (std::size_t i = 0; i < corpus.planted.size(); ++i) {
    const Planted& p = corpus.planted[i];
    const std::uint64_t dk = doc_key(p.shard, p.record);
    const std::uint64_t wk = key_of(works[p.work].work_id);
    PassageOutcome o;
    o.below_min = p.words < min_words;
    o.truth = {dk, wk, p.doc_start, p.doc_end, p.work_start, p.work_end};
    std::uint64_t got_start = 0, got_end = 0;
    for (const audit::Match* m : in_doc[i]) {
      ++o.reported;
      o.detections.push_back(
          {dk, key_of(m->work_id), m->doc_start, m->doc_end, m->work_start, m->work_end});
      const bool on_passage = overlaps(m->doc_start, m->doc_end, p.doc_start, p.doc_end);
      if (on_passage && m->work_id == works[p.work].work_id) {
        ++o.true_positives;
        got_start = o.found ? std::min(got_start, m->doc_start) : m->doc_start;
        got_end = o.found ? std::max(got_end, m->doc_end) : m->doc_end;
        o.found = true;
      } else if (on_passage) {
        ++o.wrong_work;
      } else {
        ++fa.in_filler;
      }
    }
    if (o.found) {
      const auto tokens = fingerprint::tokenize(p.text);
      o.start_error = starts_between(tokens, std::min(got_start, p.doc_start),
                                     std::max(got_start, p.doc_start));
      o.end_error =
          ends_between(tokens, std::min(got_end, p.doc_end), std::max(got_end, p.doc_end));
    }
    fa.wrong_work += o.wrong_work;
    const auto kind = static_cast<std::size_t>(p.damage);
    add(cells[kind * kBuckets.size() + p.bucket], o);
    add(kind_all[kind], o);
    add(bucket_all[p.bucket], o);
    add(all, o);
    if (p.words >= 25) {
      add(kind_ge25[kind], o);
      add(ge25, o);
    }
    if (p.words >= 50) {
      add(kind_ge50[kind], o);
      add(ge50, o);
    }
  }
  // Unrelated documents hold no passage of any kind: their matches count against the totals.
  for (Accumulator* acc : {&all, &ge25, &ge50}) {
    acc->cell.reported += unrelated_detections.size();
    acc->detections.insert(acc->detections.end(), unrelated_detections.begin(),
                           unrelated_detections.end());
  }

  r.kinds.clear();
  for (std::size_t k = 0; k < kDamageKinds.size(); ++k) {
    KindScores ks;
    ks.kind = kDamageKinds[k];
    for (std::size_t b = 0; b < kBuckets.size(); ++b)
      ks.buckets[b] = cells[k * kBuckets.size() + b].finish();
    ks.all = kind_all[k].finish();
    ks.ge25 = kind_ge25[k].finish();
    ks.ge50 = kind_ge50[k].finish();
    r.kinds.push_back(ks);
  }
  for (std::size_t b = 0; b < kBuckets.size(); ++b) r.buckets[b] = bucket_all[b].finish();
  r.all = all.finish();
  r.ge25 = ge25.finish();
  r.ge50 = ge50.finish();

  fa.unrelated_documents = corpus.unrelated_documents;
  fa.unrelated_bytes = corpus.unrelated_bytes;
  fa.filler_bytes = corpus.filler_bytes;
  const std::uint64_t text = fa.unrelated_bytes + fa.filler_bytes;
  fa.per_mb = text == 0 ? 0.0
                        : static_cast<double>(fa.in_unrelated_documents + fa.in_filler) * 1e6 /
                              static_cast<double>(text);
  r.false_attribution = fa;
}

}  // namespace prov::eval::detail
