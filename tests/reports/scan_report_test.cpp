// tests/reports/scan_report_test.cpp: matches.jsonl lines of both kinds, in
// schema order.
#include <catch2/catch.hpp>

#include "reports/reports.hpp"

using namespace prov;

TEST_CASE(
    "a near-duplicate line has a null work range and its Jaccard and "
    "containment",
    "[reports]") {
  audit::Match m;
  m.finding_id = std::string(32, 'a');
  m.shard = "s.jsonl";
  m.record = 3;
  m.doc_id = "3";
  m.doc_start = 10;
  m.doc_end = 900;
  m.work_id = std::string(64, 'b');
  m.work_path = "w.txt";
  m.work_title = "W";
  m.work_start = 5;
  m.work_end = 50;
  m.words = 150;
  m.score = 0.5;
  const std::string passage = reports::match_line(m);
  CHECK(passage.find(R"("kind":"passage")") != std::string::npos);
  CHECK(passage.find(R"("work_start":5,"work_end":50,"words":150,"score":0.500000,"flags":[])") !=
        std::string::npos);
  CHECK(passage.find("jaccard") == std::string::npos);

  m.kind = audit::MatchKind::kNearDuplicate;
  m.jaccard = 0.5;
  m.containment = 2.0 / 3;
  m.boilerplate = true;
  const std::string nd = reports::match_line(m);
  CHECK(nd.find(R"("kind":"near_duplicate")") != std::string::npos);
  CHECK(nd.find(R"("work_start":null,"work_end":null,"words":150,"score":0.500000,)"
                R"("jaccard":0.500000,"containment":0.666667,"flags":["boilerplate"]})") !=
        std::string::npos);
}
