// tests/index/ingest_driver_test.cpp: index/ingest_driver.cpp on archives and hostile files
// (issue 3): members are works in member order, errors name the member, one bad file never
// stops the run, a rerun skips what is indexed.
#include <catch2/catch.hpp>

#include <string>

#include "common/sha256.hpp"
#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {

// A stored (uncompressed) zip of the given members, written by hand: the index tests do not
// link libarchive.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  auto le = [](std::string& out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  // CRC-32 (IEEE), bitwise: test data is small.
  auto crc32 = [](const std::string& s) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (const char ch : s) {
      const auto b = static_cast<unsigned char>(ch);
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
  };
  std::string out, central;
  for (const auto& [name, data] : members) {
    const std::uint64_t offset = out.size();
    const std::uint32_t crc = crc32(data);
    out += "PK\x03\x04";
    le(out, 10, 2); le(out, 0, 2); le(out, 0, 2); le(out, 0, 2); le(out, 0, 2);
    le(out, crc, 4); le(out, data.size(), 4); le(out, data.size(), 4);
    le(out, name.size(), 2); le(out, 0, 2);
    out += name + data;
    central += "PK\x01\x02";
    le(central, 20, 2); le(central, 10, 2); le(central, 0, 2); le(central, 0, 2);
    le(central, 0, 2); le(central, 0, 2); le(central, crc, 4); le(central, data.size(), 4);
    le(central, data.size(), 4); le(central, name.size(), 2); le(central, 0, 2);
    le(central, 0, 2); le(central, 0, 2); le(central, 0, 2); le(central, 0, 4);
    le(central, offset, 4);
    central += name;
  }
  const std::uint64_t cd_at = out.size();
  out += central;
  out += "PK\x05\x06";
  le(out, 0, 2); le(out, 0, 2); le(out, members.size(), 2); le(out, members.size(), 2);
  le(out, central.size(), 4); le(out, cd_at, 4); le(out, 0, 2);
  return out;
}

}  // namespace

TEST_CASE("bulk ingest: archive members are works; errors name the member; reruns skip",
          "[index][ingest][archive]") {
  test::TempDir dir("ingest-archive");
  const std::string a = "The first member book, about a lighthouse keeper and his cat.\n";
  const std::string b = "The second member book, about a baker who never slept.\n";
  test::write_bytes(dir / "in" / "a-shelf.zip",
                    stored_zip({{"x/first.txt", a}, {"../escape.txt", "no\n"}, {"second.txt", b}}));
  test::write_bytes(dir / "in" / "b-empty.pdf", "");
  test::write_bytes(dir / "in" / "c-truncated.pdf", "%PDF-1.4\n1 0 obj << /Type /Cat");
  test::write_bytes(dir / "in" / "d-plain.txt", "A plain book beside the hostile ones.\n");
  auto idx = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
  REQUIRE(idx.ok());
  index::IngestOptions opt;
  opt.threads = 2;
  auto rep = index::ingest_paths(**idx, {(dir / "in").string()}, opt);
  REQUIRE(rep.ok());
  CHECK(rep->added == 3);
  REQUIRE(rep->files.size() == 3);
  const std::string zip = (dir / "in" / "a-shelf.zip").string();
  CHECK(rep->files[0].path == zip + "!x/first.txt");
  CHECK(rep->files[0].work_id == sha256_hex(a));
  CHECK(rep->files[1].path == zip + "!second.txt");
  CHECK(rep->files[2].path.find("d-plain.txt") != std::string::npos);
  REQUIRE(rep->errors.size() == 3);
  CHECK(rep->errors[0].path == zip + "!../escape.txt");
  CHECK(rep->errors[1].path.find("b-empty.pdf") != std::string::npos);
  CHECK(rep->errors[1].message == "empty file (0 bytes)");
  CHECK(rep->errors[2].path.find("c-truncated.pdf") != std::string::npos);
  auto rec = (*idx)->find(sha256_hex(b));
  REQUIRE(rec.has_value());
  CHECK(rec->path == zip + "!second.txt");

  auto again = index::ingest_paths(**idx, {(dir / "in").string()}, opt);
  REQUIRE(again.ok());
  CHECK(again->added == 0);
  CHECK(again->unchanged == 3);
  CHECK((*idx)->work_count() == 3);
}
