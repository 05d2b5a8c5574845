// eval/pan.cpp: the PAN text-alignment measures over byte ranges (see eval/detail/pan.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "eval/detail/pan.hpp"

namespace prov::eval::detail {
namespace {

// Characters as (side, key) -> ranges; the size of their union is what the measures count.
class CharSet {
 public:
  void add_doc(std::uint64_t doc, std::uint64_t a, std::uint64_t b) { add({0, doc}, a, b); }
  void add_work(std::uint64_t work, std::uint64_t a, std::uint64_t b) { add({1, work}, a, b); }
  void add(const AlignedSpan& s) {
    add_doc(s.doc, s.doc_start, s.doc_end);
    add_work(s.work, s.work_start, s.work_end);
  }
  std::uint64_t size() {
    std::uint64_t n = 0;
    for (auto& [key, ranges] : ranges_) {
      std::sort(ranges.begin(), ranges.end());
      std::uint64_t end = 0;
      bool any = false;
      for (const auto& [a, b] : ranges) {
        if (!any || a > end) {
          n += b - a;
          end = b;
          any = true;
        } else if (b > end) {
          n += b - end;
          end = b;
        }
      }
    }
    return n;
  }

 private:
  void add(std::pair<int, std::uint64_t> key, std::uint64_t a, std::uint64_t b) {
    if (b > a) ranges_[key].emplace_back(a, b);
  }
  std::map<std::pair<int, std::uint64_t>, std::vector<std::pair<std::uint64_t, std::uint64_t>>>
      ranges_;
};

bool overlap(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1) {
  return a0 < b1 && b0 < a1;
}

}  // namespace

PanScores pan_measures(const std::vector<AlignedSpan>& cases,
                       const std::vector<AlignedSpan>& detections) {
  // Detections by (doc, work), so each case only looks at its own document's detections.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::vector<const AlignedSpan*>> by_pair;
  for (const auto& r : detections) by_pair[{r.doc, r.work}].push_back(&r);

  CharSet case_chars, detection_chars, detected_chars;
  for (const auto& s : cases) case_chars.add(s);
  for (const auto& r : detections) detection_chars.add(r);
  std::uint64_t detected_cases = 0, detecting = 0;
  for (const auto& s : cases) {
    const auto it = by_pair.find({s.doc, s.work});
    if (it == by_pair.end()) continue;
    std::uint64_t n = 0;
    for (const AlignedSpan* r : it->second) {
      if (!overlap(s.doc_start, s.doc_end, r->doc_start, r->doc_end) ||
          !overlap(s.work_start, s.work_end, r->work_start, r->work_end))
        continue;
      ++n;
      detected_chars.add_doc(s.doc, std::max(s.doc_start, r->doc_start),
                             std::min(s.doc_end, r->doc_end));
      detected_chars.add_work(s.work, std::max(s.work_start, r->work_start),
                              std::min(s.work_end, r->work_end));
    }
    if (n > 0) {
      ++detected_cases;
      detecting += n;
    }
  }

  PanScores p;
  const std::uint64_t hit = detected_chars.size();
  const std::uint64_t planted = case_chars.size(), reported = detection_chars.size();
  p.precision = reported == 0 ? 1.0 : static_cast<double>(hit) / static_cast<double>(reported);
  p.recall = planted == 0 ? 1.0 : static_cast<double>(hit) / static_cast<double>(planted);
  p.granularity = detected_cases == 0
                      ? 1.0
                      : static_cast<double>(detecting) / static_cast<double>(detected_cases);
  const double f1 = p.precision + p.recall == 0
                        ? 0.0
                        : 2 * p.precision * p.recall / (p.precision + p.recall);
  p.plagdet = f1 / std::log2(1.0 + p.granularity);
  return p;
}

}  // namespace prov::eval::detail
