// tests/index/work_meta_test.cpp: metadata attached at ingest (class, rights holder, title,
// authors, ISBN): parsed strictly, stored on the work record, kept across reopen; a record
// without it reads as empty.
#include <catch2/catch.hpp>

#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

TEST_CASE("work metadata is parsed strictly", "[index][meta]") {
  auto m = index::parse_work_meta(
      R"({"title": "T", "authors": ["A", "B"], "isbn": "0-306-40615-2", "rightsholder": "R", "class": "licensed"})",
      "m.json");
  REQUIRE(m.ok());
  CHECK(m->title == "T");
  CHECK(m->authors == std::vector<std::string>{"A", "B"});
  CHECK(m->isbn == "9780306406157");  // ISBN-10 as ISBN-13
  CHECK(m->rightsholder == "R");
  CHECK(m->work_class == "licensed");
  CHECK(index::parse_work_meta(R"({"authors": "Solo"})", "m.json")->authors == std::vector<std::string>{"Solo"});
  CHECK(index::parse_work_meta(R"({"isbn": "978-0-306-40615-7"})", "m.json")->isbn == "9780306406157");
  for (const char* bad : {R"({"isbn": "978-0-306-40615-8"})", R"({"publisher": "x"})", R"({"class": 3})",
                          R"({"authors": [1]})", "[1]", "{"}) {
    INFO(bad);
    auto e = index::parse_work_meta(bad, "m.json");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().path == "m.json");
  }
}

TEST_CASE("set_work_meta stores class and metadata on the work record", "[index][meta]") {
  test::TempDir dir("work-meta");
  std::string alice, pride;
  {
    auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
    REQUIRE(w.ok());
    auto rep = index::ingest_paths(**w, {(test::source_dir() / "fixtures" / "works").string()});
    REQUIRE(rep.ok());
    for (const auto& f : rep->files) {
      if (f.path.find("alice") != std::string::npos) alice = f.work_id;
      if (f.path.find("pride") != std::string::npos) pride = f.work_id;
    }
    const std::string digest = (*w)->digest();
    index::WorkMeta m;
    m.work_class = "opted_out";
    m.rightsholder = "Estate";
    m.title = "Alice";
    m.isbn = "9780306406157";
    REQUIRE((*w)->set_work_meta(alice, m).ok());
    CHECK((*w)->digest() == digest);  // metadata does not change what a scan sees
    auto missing = (*w)->set_work_meta(std::string(64, '0'), m);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == Errc::kNotFound);
    // Re-ingesting the unchanged file keeps what was attached.
    REQUIRE(index::ingest_paths(**w, {(test::source_dir() / "fixtures" / "works" / "alice-excerpt.txt").string()}).ok());
  }
  auto r = index::Index::open_read_only(dir / "idx");
  REQUIRE(r.ok());
  const auto a = (*r)->find(alice);
  REQUIRE(a);
  CHECK(a->work_class == "opted_out");
  CHECK(a->rightsholder == "Estate");
  CHECK(a->title == "Alice");
  CHECK(a->isbns.front() == "9780306406157");
  const auto p = (*r)->find(pride);
  REQUIRE(p);
  CHECK(p->work_class.empty());  // never set: reads as empty
  CHECK(p->rightsholder.empty());
  index::WorkMeta m;
  m.work_class = "x";
  CHECK_FALSE((*r)->set_work_meta(alice, m).ok());  // read-only
}
