// tests/audit/windowed_test.cpp: verification reads works through a bounded cache of text
// blocks (index format 4) and grows a window block by block as an extension walks. Passages
// that cross many blocks, two distant passages of one work in one document, and a cache that
// holds a single block must all give the exact offsets a whole-work tokenization gives.
#include <catch2/catch.hpp>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {

struct Expect {
  std::string doc_id;
  std::uint64_t doc_start, doc_end;
  std::string work_id;
  std::uint64_t work_start, work_end;
};

// An index of the Pride and Prejudice excerpt alone, opened read-only, its postings in memory.
std::unique_ptr<index::Index> pride_index(const test::TempDir& dir) {
  {
    auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE(index::ingest_paths(**w, {(test::source_dir() / "fixtures" / "works" / "pride-excerpt.txt").string()}).ok());
  }
  auto r = index::Index::open_read_only(dir / "idx");
  REQUIRE(r.ok());
  REQUIRE((*r)->load_postings().ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("windowed verification gives exact offsets across blocks with any cache size", "[audit]") {
  test::TempDir dir("windowed");
  const auto root = test::source_dir() / "fixtures";
  {
    auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
    REQUIRE(w.ok());
    auto rep = index::ingest_paths(**w, {(root / "works").string()});
    REQUIRE(rep.ok());
    REQUIRE(rep->errors.empty());
  }
  auto r = index::Index::open_read_only(dir / "idx");
  REQUIRE(r.ok());
  const auto& ix = **r;
  const auto works = *ix.works();
  const std::string filler = *read_file(root / "filler" / "moby-excerpt.txt");
  const auto ftoks = fingerprint::tokenize(filler);
  const auto filler_words = [&](std::size_t from, std::size_t n) {
    return filler.substr(ftoks[from].start, ftoks[from + n - 1].end - ftoks[from].start);
  };

  std::vector<Expect> truth;
  std::string jsonl;
  std::size_t fpos = 10;
  int n = 0;
  for (const auto& w : works) {
    const std::string text = *ix.text(w.num);
    const auto toks = fingerprint::tokenize(text);
    REQUIRE(toks.size() > 3 * index::kTextBlockTokens);
    // A passage of 2.5 blocks starting just before a block boundary, and a document with two
    // passages a block apart plus one near the work's start and one ending at its very end.
    const auto m = *ix.text_blocks(w.num);
    REQUIRE(m.blocks.size() >= 3);
    const std::size_t b1 = m.blocks[1].first_token;
    struct Cut {
      std::size_t a, len;
    };
    const std::vector<std::vector<Cut>> docs = {
        {{b1 - 7, 5 * index::kTextBlockTokens / 2}},
        {{40, 60}, {b1 + 300, 80}},
        {{toks.size() - 70, 70}},
    };
    for (const auto& cuts : docs) {
      const std::string id = "d" + std::to_string(++n);
      std::string doc;
      for (const auto& c : cuts) {
        doc += filler_words(fpos, 35) + "\n";
        fpos += 211;
        const std::uint64_t ws = toks[c.a].start, we = toks[c.a + c.len - 1].end;
        truth.push_back(Expect{id, doc.size(), doc.size() + (we - ws), w.work_id, ws, we});
        doc += text.substr(ws, we - ws);
        doc += "\n";
      }
      if (cuts.back().a + cuts.back().len < toks.size()) doc += filler_words(fpos, 35);
      fpos += 97;
      JsonWriter jw;
      jw.begin_object().field("id", id).field("text", doc).end_object();
      jsonl += jw.str() + "\n";
    }
  }
  const auto shard = (dir / "shard.jsonl").string();
  test::write_bytes(shard, jsonl);

  audit::ScanOptions opt;
  opt.shards = {shard};
  opt.threads = 2;
  opt.match.near_duplicates = false;
  auto big = audit::scan(ix, opt);
  REQUIRE(big.ok());
  opt.work_cache_bytes = 1;  // one block at a time: every other read goes back to the index
  auto tiny = audit::scan(ix, opt);
  REQUIRE(tiny.ok());

  for (const auto& e : truth) {
    INFO(e.doc_id << " work " << e.work_id << " at " << e.work_start);
    const audit::Match* m = nullptr;
    for (const auto& x : big->matches)
      if (x.doc_id == e.doc_id && x.work_id == e.work_id && x.doc_start == e.doc_start) m = &x;
    REQUIRE(m != nullptr);
    CHECK(m->doc_end == e.doc_end);
    CHECK(m->work_start == e.work_start);
    CHECK(m->work_end == e.work_end);
    CHECK(m->score == 1.0);
  }
  CHECK(big->matches.size() == truth.size());
  REQUIRE(tiny->matches.size() == big->matches.size());
  for (std::size_t i = 0; i < big->matches.size(); ++i) {
    const auto& a = big->matches[i];
    const auto& b = tiny->matches[i];
    CHECK(std::tie(a.doc_id, a.doc_start, a.doc_end, a.work_id, a.work_start, a.work_end, a.words, a.score) ==
          std::tie(b.doc_id, b.doc_start, b.doc_end, b.work_id, b.work_start, b.work_end, b.words, b.score));
  }
}

TEST_CASE("OCR damage to short words at a passage's ends keeps them inside it", "[audit]") {
  // "the" read as "te", "and" as "nd": a letter lost from a word of three. Such words are not
  // similar enough to end a passage on, but inside one they are substitutions, so the damaged
  // second and second-to-last words stay in the passage with the agreeing words beyond them
  // (before, the passage stopped short of them: 5.5 % of OCR passages in eval had an end more
  // than 3 words off).
  test::TempDir dir("ocr-ends");
  const auto r = pride_index(dir);
  const auto& ix = *r;
  const auto work = (*ix.works()).at(0);
  const std::string text = *ix.text(work.num);
  const auto toks = fingerprint::tokenize(text);
  const auto word = [&](std::size_t i) { return text.substr(toks[i].start, toks[i].end - toks[i].start); };
  // A 60-word stretch whose second word is "the" and second-to-last "and".
  std::size_t a = 0;
  while (a + 60 < toks.size() && !(word(a + 1) == "the" && word(a + 58) == "and")) ++a;
  REQUIRE(a + 60 < toks.size());
  const std::string filler = "Zephyr quartz oblong vivid jumps over seventeen lazy marmosets today. ";
  std::string passage = text.substr(toks[a].start, toks[a + 59].end - toks[a].start);
  passage.replace(toks[a + 58].start - toks[a].start, 3, "nd");
  passage.replace(toks[a + 1].start - toks[a].start, 3, "te");
  const std::string doc = filler + passage + ". " + filler;
  auto cache = audit::make_work_cache(ix, 16u << 20);
  auto found = audit::match_document(ix, doc, audit::MatchParams{}, *cache);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->at(0).doc_start == filler.size());
  CHECK(found->at(0).doc_end == filler.size() + passage.size());
  CHECK(found->at(0).work_start == toks[a].start);
  CHECK(found->at(0).work_end == toks[a + 59].end);
}

TEST_CASE("a passage with one sampled shingle is found inside a block and across a block edge", "[audit]") {
  // A single seed is first extended over its own text block alone (read without entering the
  // cache); only an extension that reaches the block's edge, or is long enough, goes on to the
  // full path. Both outcomes must give the passage the full path gives.
  test::TempDir dir("lone-seed");
  const auto r = pride_index(dir);
  const auto& ix = *r;
  const auto work = (*ix.works()).at(0);
  const std::string text = *ix.text(work.num);
  const auto toks = fingerprint::tokenize(text);
  const auto shingles = fingerprint::shingle_hashes(toks, ix.params().k);
  const auto m = *ix.text_blocks(work.num);
  REQUIRE(m.blocks.size() >= 3);
  const auto block_end = [&](std::size_t pos) {  // first token of the block after pos's
    for (const auto& b : m.blocks)
      if (b.first_token > pos) return static_cast<std::size_t>(b.first_token);
    return toks.size();
  };
  constexpr std::size_t kLen = 30;
  const std::string filler = "Zephyr quartz oblong vivid jumps over seventeen lazy marmosets today. ";
  int inside = 0, across = 0;
  for (std::size_t a = 0; a + kLen < toks.size() && (inside < 3 || across < 3); ++a) {
    // Shingles wholly inside the passage: exactly one sampled.
    std::size_t sampled = 0, seed = 0;
    for (std::size_t i = a; i + ix.params().k <= a + kLen; ++i)
      if (fingerprint::is_sampled(shingles[i], ix.params())) {
        ++sampled;
        seed = i;
      }
    if (sampled != 1) continue;
    const bool crosses = block_end(a) < a + kLen;
    if (crosses ? across >= 3 : inside >= 3) continue;
    (crosses ? across : inside)++;
    INFO("passage at token " << a << (crosses ? " across a block edge" : " inside a block") << ", seed at " << seed);
    const std::string passage = text.substr(toks[a].start, toks[a + kLen - 1].end - toks[a].start);
    const std::string doc = filler + passage + ". " + filler;
    auto cache = audit::make_work_cache(ix, 16u << 20);
    auto found = audit::match_document(ix, doc, audit::MatchParams{}, *cache);
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    CHECK(found->at(0).doc_start == filler.size());
    CHECK(found->at(0).doc_end == filler.size() + passage.size());
    CHECK(found->at(0).work_start == toks[a].start);
    CHECK(found->at(0).work_end == toks[a + kLen - 1].end);
  }
  CHECK(inside == 3);
  CHECK(across == 3);
}
