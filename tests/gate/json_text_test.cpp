// tests/gate/json_text_test.cpp: finding a string field's bytes in a raw JSON line, unescaping.
#include <catch2/catch.hpp>

#include "gate/detail/json_text.hpp"

using namespace prov::gate::detail;

namespace {
std::string field(std::string_view line, std::string_view path) {
  auto s = find_string_field(line, path);
  if (!s) return "<none>";
  return std::string(line.substr(s->first, s->second - s->first));
}
}  // namespace

TEST_CASE("string fields are found by dotted path, first key wins", "[gate][json]") {
  const std::string line =
      R"({"id": 3, "arr": [1, {"text": "no"}, "x\"y"], "te\u0078t" : "first", "text": "second",)"
      R"( "meta": {"n": null, "content": "inner \"q\"", "deep": {"t": true}}})";
  CHECK(field(line, "text") == R"("first")");  // "te\u0078t" is "text"
  CHECK(field(line, "meta.content") == R"("inner \"q\"")");
  CHECK(field(line, "meta.deep.t") == "<none>");  // not a string
  CHECK(field(line, "id") == "<none>");
  CHECK(field(line, "missing") == "<none>");
  CHECK(field("[1,2]", "text") == "<none>");
  CHECK(field(R"({"text": "unterminated)", "text") == "<none>");
  CHECK(field(R"({"a": {"b": {"c": "x"}}})", "a.b.c") == R"("x")");
  // Depth is limited.
  std::string deep = R"({"a":)";
  for (int i = 0; i < 100; ++i) deep += R"({"a":)";
  deep += "1" + std::string(101, '}') + R"(, "text": "t"})";
  CHECK(find_string_field(deep, "text", 64) == std::nullopt);
}

TEST_CASE("unescaping matches the shard reader, lone surrogates become U+FFFD", "[gate][json]") {
  CHECK(*unescape_string(R"("a\"b\\c\/d\n\t\u00e9\ud83d\ude00")") == "a\"b\\c/d\n\t\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(*unescape_string(R"("x\ud800y")") == "x\xEF\xBF\xBDy");
  CHECK(*unescape_string(R"("x\udc00")") == "x\xEF\xBF\xBD");
  CHECK(unescape_string(R"("bad \q")") == std::nullopt);
  CHECK(unescape_string(R"("short \u12")") == std::nullopt);
  CHECK(unescape_string("no quotes") == std::nullopt);
}
