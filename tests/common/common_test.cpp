// tests/common/common_test.cpp: SHA-256, UTF-8 rules and the canonical JSON writer.
#include <catch2/catch.hpp>

#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "common/utf8.hpp"
#include "tests/testlib.hpp"

using namespace prov;

TEST_CASE("sha256 matches the FIPS 180-2 test vectors", "[common]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  test::TempDir dir("sha");
  test::write_bytes(dir / "f", "abc");
  CHECK(*sha256_file(dir / "f") == sha256_hex("abc"));
  CHECK_FALSE(sha256_file(dir / "missing").ok());
}

TEST_CASE("utf8 validation follows Unicode's well-formedness table", "[common]") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xC3\xA9t\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8("abc\xE6\x97"));       // truncated
  CHECK(first_invalid_utf8("abcdefghij\xFFxyz") == 10);
}

TEST_CASE("json writer is canonical", "[common]") {
  JsonWriter w;
  w.begin_object()
      .field("s", std::string_view("a\"b\\c\n\x01\xC3\xA9"))
      .field("n", std::uint64_t{18446744073709551615ull})
      .field("i", std::int64_t{-3})
      .field("f", 2.0 / 3.0)
      .field("t", true);
  w.key("e").begin_array().end_array();
  w.key("x").null();
  w.end_object();
  CHECK(w.str() ==
        "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\",\"n\":18446744073709551615,\"i\":-3,"
        "\"f\":0.666667,\"t\":true,\"e\":[],\"x\":null}");
  std::string bad;
  append_json_string(bad, "x\xFFy");
  CHECK(bad == "\"x\xEF\xBF\xBDy\"");
}
