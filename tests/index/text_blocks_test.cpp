// tests/index/text_blocks_test.cpp: a work's text stored in blocks (index format 4). Each block
// starts a whitespace-free run, so tokenizing a block alone gives exactly its share of the
// work's tokens: what windowed verification (audit/match.cpp) relies on for exact offsets.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/file_io.hpp"
#include "common/sha256.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {

ingest::Book make_book(const std::string& text, const std::string& path, const std::string& extractor = "txt/1") {
  ingest::Book b;
  b.sha256 = sha256_hex(text);
  b.path = path;
  b.source_bytes = text.size();
  b.format = "txt";
  b.extractor = extractor;
  b.text = text;
  b.offsets = {ingest::OffsetSpan{0, text.size(), "", 0, 0}};
  return b;
}

// Texts with every script the shared corpus has (two a language), else the fixtures.
std::vector<std::filesystem::path> sample_texts() {
  std::vector<std::filesystem::path> out;
  if (auto texts = test::shared_corpus("texts")) {
    for (const auto& lang : {"en", "fr", "ja", "ru"}) {
      std::vector<std::filesystem::path> files;
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(*texts / lang, ec)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (std::size_t i = 0; i < files.size() && i < 2; ++i) out.push_back(files[i]);
    }
  }
  for (const auto& f : {"works/alice-excerpt.txt", "works/chekhov-excerpt.txt"})
    out.push_back(test::source_dir() / "fixtures" / f);
  return out;
}

// Every block tokenizes alone to the whole text's tokens [first_token, next first_token).
void check_blocks(const index::Index& ix, std::uint32_t num, const std::string& text) {
  const auto all = fingerprint::tokenize(text);
  auto m = ix.text_blocks(num);
  REQUIRE(m.ok());
  CHECK(m->tokens == all.size());
  CHECK(m->bytes == text.size());
  REQUIRE(!m->blocks.empty());
  CHECK(m->blocks.size() <= std::max<std::size_t>(1, (all.size() + index::kTextBlockTokens - 1) / index::kTextBlockTokens));
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < m->blocks.size(); ++i) {
    const auto& b = m->blocks[i];
    const std::uint32_t next = i + 1 < m->blocks.size() ? m->blocks[i + 1].first_token : m->tokens;
    if (i + 1 < m->blocks.size()) CHECK(next - b.first_token >= index::kTextBlockTokens);
    auto block = ix.text_block(num, static_cast<std::uint32_t>(i));
    REQUIRE(block.ok());
    CHECK(b.byte_start == bytes);
    bytes += block->size();
    const auto toks = fingerprint::tokenize(*block);
    REQUIRE(toks.size() == next - b.first_token);
    for (std::size_t t = 0; t < toks.size(); ++t) {
      const auto& want = all[b.first_token + t];
      if (toks[t].start + b.byte_start != want.start || toks[t].end + b.byte_start != want.end ||
          toks[t].hash != want.hash)
        FAIL("work " << num << " block " << i << " token " << t << " differs from the whole text's");
    }
  }
  CHECK(bytes == text.size());
  auto whole = ix.text(num);
  REQUIRE(whole.ok());
  CHECK(*whole == text);
}

}  // namespace

TEST_CASE("a work's text blocks tokenize alone exactly as the whole text does", "[index]") {
  test::TempDir dir("text-blocks");
  auto idx = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
  REQUIRE(idx.ok());
  auto& ix = **idx;
  std::vector<std::string> texts;
  for (const auto& f : sample_texts()) {
    auto text = read_file(f, 64u << 20);
    REQUIRE(text.ok());
    texts.push_back(std::move(text).value());
    REQUIRE(ix.add_book(make_book(texts.back(), f.string())).ok());
  }
  // Edge cases: empty, shorter than one block, exactly one block, no whitespace at all (one
  // run, so one block however long), and a block boundary that must skip a token that does not
  // start a run.
  std::string exact;
  for (std::uint32_t i = 0; i < index::kTextBlockTokens; ++i) exact += "w" + std::to_string(i) + " ";
  std::string glued;
  for (int i = 0; i < 2000; ++i) glued += "word" + std::to_string(i) + ",";
  std::string mixed;
  for (int i = 0; i < 3000; ++i) mixed += (i % 7 == 0 ? "(x" : "y") + std::to_string(i) + (i % 3 ? " " : "--");
  for (const auto& t : {std::string(), std::string("a few words only"), exact, glued, mixed}) {
    texts.push_back(t);
    REQUIRE(ix.add_book(make_book(t, "edge" + std::to_string(texts.size()))).ok());
  }
  auto works = ix.works();
  REQUIRE(works.ok());
  REQUIRE(works->size() == texts.size());
  for (const auto& w : *works) {
    const auto it = std::find_if(texts.begin(), texts.end(), [&](const std::string& t) { return sha256_hex(t) == w.work_id; });
    REQUIRE(it != texts.end());
    INFO(w.path);
    check_blocks(ix, w.num, *it);
  }
  const auto glued_rec = ix.find(sha256_hex(glued));
  REQUIRE(glued_rec);
  CHECK(ix.text_blocks(glued_rec->num)->blocks.size() == 1);  // one run: nowhere to cut
  const auto mixed_rec = ix.find(sha256_hex(mixed));
  REQUIRE(mixed_rec);
  CHECK(ix.text_blocks(mixed_rec->num)->blocks.size() > 1);
}

TEST_CASE("a replaced work's text blocks are deleted with it", "[index]") {
  test::TempDir dir("text-blocks-replace");
  auto idx = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
  REQUIRE(idx.ok());
  auto& ix = **idx;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "token" + std::to_string(i % 97) + (i % 11 ? " " : ".\n");
  REQUIRE(*ix.add_book(make_book(text, "a.txt")) == index::AddOutcome::kAdded);
  const auto old = ix.find(sha256_hex(text));
  REQUIRE(old);
  const auto n_old = ix.text_blocks(old->num)->blocks.size();
  REQUIRE(n_old > 1);
  REQUIRE(*ix.add_book(make_book(text, "a.txt", "txt/2")) == index::AddOutcome::kReextracted);
  const auto now = ix.find(sha256_hex(text));
  REQUIRE(now);
  CHECK(now->num != old->num);
  check_blocks(ix, now->num, text);
  CHECK(ix.text_blocks(old->num).error().code == Errc::kNotFound);
  for (std::uint32_t b = 0; b < n_old; ++b) CHECK(ix.text_block(old->num, b).error().code == Errc::kNotFound);
}
