// eval/detail/pan.hpp: the PAN text-alignment measures (Potthast, Stein, Barrón-Cedeño and
// Rosso, "An Evaluation Framework for Plagiarism Detection", COLING 2010).
//
// A case (planted passage) and a detection (reported match) are each a pair of ranges: one in
// a document and one in a work. Their characters are the union of both ranges, identified
// globally, so two cases copying the same stretch of a work share those work characters. A
// detection r detects a case s when both lie in the same document and work and overlap on both
// sides; s ⊓ r is then their intersection (both sides), else empty. With S the cases and R the
// detections:
//   precision   = |∪_{s,r} (s ⊓ r)| / |∪_{r} r|
//   recall      = |∪_{s,r} (s ⊓ r)| / |∪_{s} s|
//   granularity = mean over detected cases s of |{r : r detects s}|
//   plagdet     = F1(precision, recall) / log2(1 + granularity)
// "Characters" are UTF-8 bytes here: every offset in provaudit is a byte offset. Unlike the
// PAN scripts, which give 0 for both when either set is empty, precision is 1 when nothing
// was reported (nothing false was claimed) and recall 1 when nothing was planted.
#pragma once

#include <cstdint>
#include <vector>

#include "eval/eval.hpp"

namespace prov::eval::detail {

struct AlignedSpan {
  std::uint64_t doc = 0;   // document key (any id unique per document)
  std::uint64_t work = 0;  // work key
  std::uint64_t doc_start = 0, doc_end = 0;    // half-open
  std::uint64_t work_start = 0, work_end = 0;  // half-open
};

PanScores pan_measures(const std::vector<AlignedSpan>& cases,
                       const std::vector<AlignedSpan>& detections);

}  // namespace prov::eval::detail
