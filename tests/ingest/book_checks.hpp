// tests/ingest/book_checks.hpp: invariants every Book must keep, shared by the book tests.
#pragma once

#include <catch2/catch.hpp>

#include "common/utf8.hpp"
#include "ingest/ingest.hpp"

namespace prov::test {

// Text is UTF-8 without BOM or CR; offsets are sorted, non-overlapping, inside the text.
inline void check_book_invariants(const ingest::Book& book) {
  INFO(book.path);
  CHECK(is_valid_utf8(book.text));
  CHECK(book.text.rfind("\xEF\xBB\xBF", 0) != 0);
  CHECK(book.text.find('\r') == std::string::npos);
  CHECK(book.sha256.size() == 64);
  std::uint64_t prev_end = 0;
  for (const auto& span : book.offsets) {
    REQUIRE(span.text_start <= span.text_end);
    REQUIRE(span.text_end <= book.text.size());
    REQUIRE(span.text_start >= prev_end);
    prev_end = span.text_end;
  }
  if (!book.text.empty()) {
    REQUIRE(!book.offsets.empty());
    CHECK(book.offsets.front().text_start == 0);
    CHECK(book.offsets.back().text_end == book.text.size());
  }
}

}  // namespace prov::test
