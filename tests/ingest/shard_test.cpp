// tests/ingest/shard_test.cpp: training shards: JSONL plain, gzip and zstd, ids, nested
// fields, bad records, truncated streams, surrogate repair, plain-text shards.
#include <catch2/catch.hpp>

#include "common/sha256.hpp"
#include "ingest/ingest.hpp"
#include "tests/testlib.hpp"

using namespace prov;
using namespace prov::ingest;

namespace {

struct Read {
  std::vector<ShardRecord> records;
  std::vector<Error> errors;
  std::optional<Error> fatal;
  ShardStats stats;
};

Read read_all(const std::string& path, const ShardOptions& opt = {}) {
  Read r;
  auto reader = ShardReader::open(path, opt);
  if (!reader) {
    r.fatal = reader.error();
    return r;
  }
  for (;;) {
    ShardRecord rec;
    auto got = (*reader)->next(rec, r.errors);
    if (!got) {
      r.fatal = got.error();
      break;
    }
    if (!*got) break;
    r.records.push_back(std::move(rec));
  }
  r.stats = (*reader)->stats();
  return r;
}

const std::string kJsonl =
    "{\"id\":\"doc-a\",\"text\":\"first \\\"quoted\\\" text\\n\\u00e9\"}\n"
    "{\"id\":42,\"text\":\"numeric id\"}\r\n"
    "\n"
    "{\"text\":\"no id at all\"}\n"
    "{\"id\":\"x\",\"text\":\"trailing\"} garbage\n"
    "[1,2,3]\n"
    "{\"id\":\"y\",\"body\":\"no text field\"}\n"
    "{\"id\":\"bad-utf8\",\"text\":\"caf\xE9\"}\n"
    "{\"id\":\"sur\",\"text\":\"cut \\ud83d pair and \\ud83d\\ude00 ok and lone \\udc00\"}\n"
    "{\"id\":\"last\",\"text\":\"no newline at the end\"}";

}  // namespace

TEST_CASE("jsonl records: ids, unescaping, bad lines skipped with their line numbers", "[shard]") {
  test::TempDir dir("shard");
  const auto path = (dir / "a.jsonl").string();
  test::write_bytes(path, kJsonl);
  const Read r = read_all(path);
  REQUIRE_FALSE(r.fatal);
  REQUIRE(r.records.size() == 5);
  CHECK(r.records[0].doc_id == "doc-a");
  CHECK(r.records[0].text == "first \"quoted\" text\n\xC3\xA9");
  CHECK(r.records[0].index == 1);
  CHECK(r.records[1].doc_id == "42");
  CHECK(r.records[1].text == "numeric id");
  CHECK(r.records[2].doc_id == "4");  // no id: the 1-based line number
  CHECK(r.records[3].doc_id == "sur");
  CHECK(r.records[3].text_repaired);
  CHECK(r.records[3].text ==
        "cut \xEF\xBF\xBD pair and \xF0\x9F\x98\x80 ok and lone \xEF\xBF\xBD");
  CHECK_FALSE(r.records[0].text_repaired);
  CHECK(r.records[4].doc_id == "last");
  CHECK(r.records[4].index == 10);

  REQUIRE(r.errors.size() == 4);
  CHECK(*r.errors[0].line == 5);  // trailing garbage
  CHECK(*r.errors[1].line == 6);  // not an object
  CHECK(*r.errors[2].line == 7);  // no text field
  CHECK(r.errors[2].message.find("text") != std::string::npos);
  CHECK(*r.errors[3].line == 8);  // invalid UTF-8
  CHECK(r.errors[3].code == Errc::kEncoding);
  for (const auto& e : r.errors) CHECK(e.path == path);
  CHECK(r.stats.records == 5);
  CHECK(r.stats.skipped == 4);
  CHECK(r.stats.sha256 == sha256_hex(kJsonl));
  CHECK(r.stats.bytes == kJsonl.size());
}

TEST_CASE("gzip and zstd shards give the same records as plain JSONL", "[shard]") {
  test::TempDir dir("shard-z");
  const auto plain = (dir / "a.jsonl").string();
  const auto gz = (dir / "a.jsonl.gz").string();
  const auto zst = (dir / "a.jsonl.zst").string();
  test::write_bytes(plain, kJsonl);
  const std::string gz_bytes = test::gzip_compress(kJsonl);
  const std::string zst_bytes = test::zstd_compress(kJsonl);
  test::write_bytes(gz, gz_bytes);
  test::write_bytes(zst, zst_bytes);
  const Read p = read_all(plain), g = read_all(gz), z = read_all(zst);
  REQUIRE_FALSE(g.fatal);
  REQUIRE_FALSE(z.fatal);
  REQUIRE(g.records.size() == p.records.size());
  REQUIRE(z.records.size() == p.records.size());
  for (std::size_t i = 0; i < p.records.size(); ++i) {
    CHECK(g.records[i].text == p.records[i].text);
    CHECK(z.records[i].doc_id == p.records[i].doc_id);
  }
  CHECK(g.stats.sha256 == sha256_hex(gz_bytes));
  CHECK(z.stats.sha256 == sha256_hex(zst_bytes));
  CHECK(z.stats.text_bytes == kJsonl.size());
}

TEST_CASE("a truncated zstd shard delivers its complete lines, then fails naming the file", "[shard]") {
  test::TempDir dir("shard-trunc");
  std::string big;
  for (int i = 0; i < 20000; ++i)
    big += "{\"id\":" + std::to_string(i) + ",\"text\":\"record number " + std::to_string(i) + " with some words\"}\n";
  const std::string z = test::zstd_compress(big, 1);
  const auto path = (dir / "t.jsonl.zst").string();
  test::write_bytes(path, z.substr(0, z.size() / 2));
  const Read r = read_all(path);
  REQUIRE(r.fatal);
  CHECK(r.fatal->path == path);
  CHECK(r.fatal->message.find("zstd") != std::string::npos);
  CHECK(r.records.size() > 100);
  CHECK(r.records.size() < 20000);
  for (std::size_t i = 0; i < r.records.size(); ++i) CHECK(r.records[i].doc_id == std::to_string(i));
  CHECK(r.stats.sha256 == sha256_hex(z.substr(0, z.size() / 2)));

  test::write_bytes(dir / "fake.jsonl.zst", "{\"text\":\"not compressed\"}\n");
  CHECK(read_all((dir / "fake.jsonl.zst").string()).fatal);
  CHECK(read_all((dir / "missing.jsonl").string()).fatal->code == Errc::kIo);
}

TEST_CASE("nested text and id fields by dotted path", "[shard]") {
  test::TempDir dir("shard-nested");
  const auto path = (dir / "n.jsonl").string();
  test::write_bytes(path, "{\"meta\":{\"content\":\"deep text\",\"key\":{\"id\":7}}}\n");
  ShardOptions opt;
  opt.text_field = "meta.content";
  opt.id_field = "meta.key.id";
  const Read r = read_all(path, opt);
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0].text == "deep text");
  CHECK(r.records[0].doc_id == "7");
}

TEST_CASE("oversized records are skipped without buffering them whole", "[shard]") {
  test::TempDir dir("shard-big");
  const auto path = (dir / "b.jsonl").string();
  std::string data = "{\"text\":\"small\"}\n{\"text\":\"" + std::string(5000, 'x') + "\"}\n{\"text\":\"after\"}\n";
  test::write_bytes(path, data);
  ShardOptions opt;
  opt.max_record_bytes = 1000;
  const Read r = read_all(path, opt);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[1].text == "after");
  CHECK(r.records[1].index == 3);
  REQUIRE(r.errors.size() == 1);
  CHECK(*r.errors[0].line == 2);
  CHECK(r.errors[0].code == Errc::kLimit);
}

TEST_CASE("a .txt shard is one document named by its path", "[shard]") {
  test::TempDir dir("shard-txt");
  const auto path = (dir / "doc.txt").string();
  test::write_bytes(path, "\xEF\xBB\xBFHello there.\r\nSecond line.");
  const Read r = read_all(path);
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0].doc_id == path);
  CHECK(r.records[0].text == "Hello there.\r\nSecond line.");
  test::write_bytes(dir / "bad.txt", "bad \xFF bytes");
  const Read b = read_all((dir / "bad.txt").string());
  CHECK(b.records.empty());
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].code == Errc::kEncoding);
}
