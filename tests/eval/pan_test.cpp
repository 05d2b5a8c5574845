// tests/eval/pan_test.cpp: the PAN text-alignment measures on hand-made cases with known
// answers (eval/pan.cpp).
#include <catch2/catch.hpp>
#include <cmath>

#include "eval/detail/pan.hpp"

namespace {

using prov::eval::detail::AlignedSpan;
using prov::eval::detail::pan_measures;

// One planted case: document 1, work 7, 100 bytes on each side.
const AlignedSpan kCase{1, 7, 1000, 1100, 5000, 5100};

AlignedSpan part(std::uint64_t from, std::uint64_t to) {
  return {1, 7, 1000 + from, 1000 + to, 5000 + from, 5000 + to};
}

}  // namespace

TEST_CASE("pan: a perfect detection scores 1 everywhere", "[eval][pan]") {
  const auto p = pan_measures({kCase}, {kCase});
  CHECK(p.precision == Approx(1.0));
  CHECK(p.recall == Approx(1.0));
  CHECK(p.granularity == Approx(1.0));
  CHECK(p.plagdet == Approx(1.0));
}

TEST_CASE("pan: a detection covering half of the case has recall 0.5", "[eval][pan]") {
  const auto p = pan_measures({kCase}, {part(0, 50)});
  CHECK(p.precision == Approx(1.0));
  CHECK(p.recall == Approx(0.5));
  CHECK(p.granularity == Approx(1.0));
  CHECK(p.plagdet == Approx(2.0 / 3.0));  // F1 of 1 and 0.5
}

TEST_CASE("pan: a case split into two detections has granularity 2", "[eval][pan]") {
  const auto p = pan_measures({kCase}, {part(0, 50), part(50, 100)});
  CHECK(p.precision == Approx(1.0));
  CHECK(p.recall == Approx(1.0));
  CHECK(p.granularity == Approx(2.0));
  CHECK(p.plagdet == Approx(1.0 / std::log2(3.0)));
}

TEST_CASE("pan: overlapping detections count their characters once", "[eval][pan]") {
  const auto p = pan_measures({kCase}, {part(0, 60), part(40, 100)});
  CHECK(p.precision == Approx(1.0));
  CHECK(p.recall == Approx(1.0));
  CHECK(p.granularity == Approx(2.0));
}

TEST_CASE("pan: a detection running past the case loses precision", "[eval][pan]") {
  // 50 extra bytes on each side: 200 of 300 reported characters are planted.
  const AlignedSpan longer{1, 7, 1000, 1150, 5000, 5150};
  const auto p = pan_measures({kCase}, {longer});
  CHECK(p.precision == Approx(200.0 / 300.0));
  CHECK(p.recall == Approx(1.0));
}

TEST_CASE("pan: detections elsewhere or of another work detect nothing", "[eval][pan]") {
  const AlignedSpan other_doc{2, 7, 0, 100, 9000, 9100};
  const AlignedSpan other_work{1, 8, 1000, 1100, 5000, 5100};
  const auto p = pan_measures({kCase}, {kCase, other_doc, other_work});
  CHECK(p.recall == Approx(1.0));
  // Reported characters: the case's 200, 200 in document 2 and work 7, and work 8's 100 (its
  // document side is the case's own bytes, counted once).
  CHECK(p.precision == Approx(200.0 / 500.0));
  CHECK(p.granularity == Approx(1.0));

  const auto missed = pan_measures({kCase}, {other_work});
  CHECK(missed.recall == Approx(0.0));
  CHECK(missed.precision == Approx(0.0));
  CHECK(missed.plagdet == Approx(0.0));
}

TEST_CASE("pan: empty sets follow the eval's convention", "[eval][pan]") {
  const auto none_reported = pan_measures({kCase}, {});
  CHECK(none_reported.precision == Approx(1.0));  // nothing false was claimed
  CHECK(none_reported.recall == Approx(0.0));
  CHECK(none_reported.plagdet == Approx(0.0));
  const auto nothing_planted = pan_measures({}, {});
  CHECK(nothing_planted.recall == Approx(1.0));
  CHECK(nothing_planted.plagdet == Approx(1.0));
}

TEST_CASE("pan: micro-averaging weights cases by their length", "[eval][pan]") {
  // A 100-byte case found whole and a 300-byte case missed: recall 200 / 800.
  const AlignedSpan big{3, 7, 0, 300, 8000, 8300};
  const auto p = pan_measures({kCase, big}, {kCase});
  CHECK(p.recall == Approx(200.0 / 800.0));
  CHECK(p.precision == Approx(1.0));
}
