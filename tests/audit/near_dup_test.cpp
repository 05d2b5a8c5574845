// tests/audit/near_dup_test.cpp: near-duplicate documents (audit/near_dup.cpp)
// on real text: copies that passage verification explains give passages only; a
// copy whose damage defeats verification is found by MinHash as a
// near_duplicate; unrelated text gives nothing.
#include "audit/detail/near_dup.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {

struct Fixture {
  test::TempDir dir{"near-dup"};
  std::unique_ptr<index::Index> index;
  std::vector<index::WorkRecord> works;

  explicit Fixture(const std::vector<std::string>& inputs = {}) {
    {
      auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
      REQUIRE(w.ok());
      auto rep = index::ingest_paths(
          **w, inputs.empty()
                   ? std::vector<std::string>{(test::source_dir() / "fixtures/works").string()}
                   : inputs);
      REQUIRE(rep.ok());
      REQUIRE(rep->errors.empty());
    }
    auto r = index::Index::open_read_only(dir / "idx");
    REQUIRE(r.ok());
    index = std::move(r).value();
    works = *index->works();
  }
  const index::WorkRecord& work(std::string_view name) const {
    for (const auto& w : works)
      if (w.path.find(name) != std::string::npos) return w;
    FAIL("no work " << name);
    return works.front();
  }
  // Scans one JSONL shard holding `docs`, one record each.
  Result<audit::ScanResult> scan(const std::vector<std::string>& docs,
                                 audit::ScanOptions opt = {}) {
    std::string jsonl;
    for (const auto& d : docs) {
      JsonWriter jw;
      jw.begin_object().field("text", d).end_object();
      jsonl += jw.str() + "\n";
    }
    const auto shard = (dir / "s.jsonl").string();
    test::write_bytes(shard, jsonl);
    opt.shards = {shard};
    return audit::scan(*index, opt);
  }
};

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& t : fingerprint::tokenize(text))
    out.push_back(text.substr(t.start, t.end - t.start));
  return out;
}

std::string join_wrapped(const std::vector<std::string>& words) {
  std::string out;
  std::size_t col = 0;
  for (const auto& w : words) {
    out += w;
    col += w.size() + 1;
    if (col >= 60) {
      out += "\n";
      col = 0;
    } else {
      out += " ";
    }
  }
  return out;
}

// The text cut into runs of `run` words, the runs in a shuffled order: every
// run is shorter than min_words, so verification has no passage to report, but
// most shingles survive.
std::string shuffled_runs(const std::string& text, std::size_t run, std::uint64_t seed) {
  const auto w = words_of(text);
  std::vector<std::vector<std::string>> runs;
  for (std::size_t i = 0; i < w.size(); i += run)
    runs.emplace_back(w.begin() + static_cast<std::ptrdiff_t>(i),
                      w.begin() + static_cast<std::ptrdiff_t>(std::min(w.size(), i + run)));
  std::mt19937_64 rng(seed);
  std::shuffle(runs.begin(), runs.end(), rng);
  std::vector<std::string> flat;
  for (const auto& r : runs) flat.insert(flat.end(), r.begin(), r.end());
  return join_wrapped(flat);
}

std::size_t count_kind(const audit::ScanResult& r, audit::MatchKind k) {
  return static_cast<std::size_t>(std::count_if(
      r.matches.begin(), r.matches.end(), [&](const audit::Match& m) { return m.kind == k; }));
}

}  // namespace

TEST_CASE(
    "a lightly edited whole copy is explained by passages: no "
    "near-duplicate row",
    "[near_dup]") {
  Fixture fx;
  const auto& pride = fx.work("pride");
  const auto w = words_of(*fx.index->text(pride.num));
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < w.size(); ++i)
    if (i % 10 != 9) kept.push_back(w[i]);  // every 10th word dropped, re-wrapped
  auto res = fx.scan({join_wrapped(kept)});
  REQUIRE(res.ok());
  CHECK(count_kind(*res, audit::MatchKind::kPassage) >= 1);
  CHECK(count_kind(*res, audit::MatchKind::kNearDuplicate) == 0);
  REQUIRE(res->works.size() == 1);
  CHECK(res->works[0].work_id == pride.work_id);
  CHECK(res->works[0].near_duplicates == 0);
}

TEST_CASE("a copy whose damage defeats verification is found as a near-duplicate", "[near_dup]") {
  Fixture fx;
  const auto& pride = fx.work("pride");
  const std::string doc = shuffled_runs(*fx.index->text(pride.num), 14, 7);
  const auto doc_toks = fingerprint::tokenize(doc);
  auto res = fx.scan({doc});
  REQUIRE(res.ok());
  // Where two runs happened to stay in order, a short passage verifies; nothing
  // else does.
  std::uint64_t passage_words = 0;
  for (const auto& p : res->matches)
    if (p.kind == audit::MatchKind::kPassage) passage_words += p.words;
  CHECK(passage_words * 20 <= doc_toks.size());
  REQUIRE(count_kind(*res, audit::MatchKind::kNearDuplicate) == 1);  // the windows merge
  const auto& m = *std::find_if(
      res->matches.begin(), res->matches.end(),
      [](const audit::Match& x) { return x.kind == audit::MatchKind::kNearDuplicate; });
  CHECK(m.kind == audit::MatchKind::kNearDuplicate);
  CHECK(m.work_id == pride.work_id);
  // 14-word runs keep 10 of each 14 shingles in place of 14; a reordered
  // document window holds shingles from all over the work, so its best work
  // window shares well under all of them.
  CHECK(m.jaccard >= 0.3);
  CHECK(m.jaccard <= 0.8);
  CHECK(m.score == m.jaccard);
  CHECK(m.containment >= m.jaccard);
  CHECK(m.doc_start == doc_toks.front().start);
  CHECK(m.doc_end == doc_toks.back().end);
  CHECK(m.words == doc_toks.size());
  REQUIRE(res->works.size() == 1);
  CHECK(res->works[0].near_duplicates == 1);
  CHECK(res->works[0].matched_words <= passage_words);  // the near-duplicate adds no coverage
  CHECK(res->documents_matched == 1);
  CHECK(count_kind(*res, audit::MatchKind::kNearDuplicate) == 1);
  CHECK(m.finding_id.size() == 32);
  // The scan probes only documents with kNearDupMinHits sampled shingles in the index; this
  // one, found at J well under 1, clears that gate many times over.
  {
    auto cache = audit::make_work_cache(*fx.index, 1 << 20);
    std::size_t hits = audit::kHitsUnknown;
    REQUIRE(audit::match_document(*fx.index, doc, audit::MatchParams{}, *cache, nullptr, nullptr, &hits).ok());
    CHECK(hits != audit::kHitsUnknown);
    CHECK(hits >= 10 * audit::detail::kNearDupMinHits);
  }

  // Off: nothing is found.
  audit::ScanOptions off;
  off.match.near_duplicates = false;
  auto none = fx.scan({doc}, off);
  REQUIRE(none.ok());
  CHECK(count_kind(*none, audit::MatchKind::kNearDuplicate) == 0);
}

TEST_CASE(
    "word-level damage on every few words defeats shingles too; "
    "unrelated text gives nothing",
    "[near_dup]") {
  Fixture fx;
  const auto& alice = fx.work("alice");
  auto w = words_of(*fx.index->text(alice.num));
  for (std::size_t i = 2; i < w.size(); i += 3) w[i] = "zz" + std::to_string(i % 17);
  const std::string moby = *read_file(test::source_dir() / "fixtures/filler/moby-excerpt.txt");
  auto res = fx.scan({join_wrapped(w), moby});
  REQUIRE(res.ok());
  // Every k = 5 shingle of the first document holds a replaced word: J = 0 to
  // every work.
  CHECK(count_kind(*res, audit::MatchKind::kNearDuplicate) == 0);
  for (const auto& m : res->matches) CHECK(m.record == 1);  // nothing in the unrelated text
}

TEST_CASE(
    "near-duplicate results do not depend on threads; short documents "
    "are not sketched",
    "[near_dup]") {
  Fixture fx;
  std::vector<std::string> docs;
  for (const auto& w : fx.works) docs.push_back(shuffled_runs(*fx.index->text(w.num), 12, w.num));
  const auto short_doc = words_of(docs[0]);
  docs.push_back(join_wrapped({short_doc.begin(), short_doc.begin() + 150}));
  audit::ScanOptions opt;
  opt.threads = 1;
  auto one = fx.scan(docs, opt);
  opt.threads = 4;
  auto four = fx.scan(docs, opt);
  REQUIRE(one.ok());
  REQUIRE(four.ok());
  REQUIRE(one->matches.size() == four->matches.size());
  for (std::size_t i = 0; i < one->matches.size(); ++i) {
    CHECK(one->matches[i].finding_id == four->matches[i].finding_id);
    CHECK(one->matches[i].jaccard == four->matches[i].jaccard);
  }
  // One a work; the 150-word document is below near_dup_min_words.
  CHECK(count_kind(*one, audit::MatchKind::kNearDuplicate) == 3);
  for (const auto& m : one->matches) CHECK(m.record <= 3);
}

TEST_CASE("the LSH table finds a work window from a similar document window", "[near_dup]") {
  Fixture fx;
  audit::MatchParams p;
  auto table = audit::detail::NearDupTable::load(*fx.index, p);
  REQUIRE(table.ok());
  std::size_t expected = 0;
  for (const auto& w : fx.works) expected += fingerprint::sketch_windows(w.words).size();
  CHECK((*table)->windows().size() == expected);
  // Each stored window, probed with its own sketch, finds itself (J = 1).
  for (std::uint32_t i = 0; i < (*table)->windows().size(); ++i) {
    const auto own = (*table)->sketch(i);
    REQUIRE(own.ok());
    CHECK(own->shingles == (*table)->windows()[i].shingles);
    const auto hits_or = (*table)->probe(*own);
    REQUIRE(hits_or.ok());
    const auto& hits = *hits_or;
    const auto it = std::find_if(hits.begin(), hits.end(), [&](const auto& c) {
      return (*table)->windows()[c.window].work == (*table)->windows()[i].work;
    });
    REQUIRE(it != hits.end());
    CHECK(it->jaccard == 1.0);
  }
  p.lsh_bands = 64;  // 64 x 3 > 128 bins
  CHECK_FALSE(audit::detail::NearDupTable::load(*fx.index, p).ok());
}

TEST_CASE("a saved LSH table is mapped while current and gives the built table's candidates", "[near_dup]") {
  Fixture fx;
  audit::MatchParams p;
  auto built = audit::detail::NearDupTable::load(*fx.index, p);
  REQUIRE(built.ok());
  CHECK_FALSE((*built)->mapped());  // nothing saved yet
  const auto idx_dir = fx.dir / "idx";
  {
    auto w = index::Index::open_for_write(idx_dir, fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE(audit::save_near_dup_table(**w, p).ok());
  }
  const auto reopen = [&] {
    auto r = index::Index::open_read_only(idx_dir);
    REQUIRE(r.ok());
    return std::move(r).value();
  };
  auto ro = reopen();
  auto saved = audit::detail::NearDupTable::load(*ro, p);
  REQUIRE(saved.ok());
  CHECK((*saved)->mapped());
  REQUIRE((*saved)->windows().size() == (*built)->windows().size());
  for (std::uint32_t i = 0; i < (*built)->windows().size(); ++i) {
    const auto& a = (*built)->windows()[i];
    const auto& b = (*saved)->windows()[i];
    CHECK((a.work == b.work && a.local == b.local && a.window.start == b.window.start && a.shingles == b.shingles));
    const auto own = (*built)->sketch(i);
    REQUIRE(own.ok());
    const auto x = (*built)->probe(*own), y = (*saved)->probe(*own);
    REQUIRE((x.ok() && y.ok()));
    REQUIRE(x->size() == y->size());
    for (std::size_t k = 0; k < x->size(); ++k) CHECK(((*x)[k].window == (*y)[k].window && (*x)[k].jaccard == (*y)[k].jaccard));
  }
  // Other LSH parameters: the saved table is not theirs, so it is built.
  audit::MatchParams other = p;
  other.lsh_bands = p.lsh_bands / 2;
  auto rebuilt = audit::detail::NearDupTable::load(*ro, other);
  REQUIRE(rebuilt.ok());
  CHECK_FALSE((*rebuilt)->mapped());
  // A damaged file is built around, and the next save writes it again.
  const auto file = idx_dir / "near-dup-table.bin";
  std::string bytes = *read_file(file);
  bytes[bytes.size() - 3] ^= 1;
  REQUIRE(write_file_atomic(file, bytes).ok());
  ro = reopen();
  auto around = audit::detail::NearDupTable::load(*ro, p);
  REQUIRE(around.ok());
  CHECK_FALSE((*around)->mapped());
  CHECK((*around)->windows().size() == (*built)->windows().size());
  {
    auto w = index::Index::open_for_write(idx_dir, fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE(audit::save_near_dup_table(**w, p).ok());
  }
  ro = reopen();
  auto again = audit::detail::NearDupTable::load(*ro, p);
  REQUIRE(again.ok());
  CHECK((*again)->mapped());
}

// The S-curve the LSH parameters give: P(candidate | J) = 1 - (1 -
// J^rows)^bands, measured on random set pairs of known Jaccard (a band agrees
// when all its rows' bins agree).
TEST_CASE("LSH candidate probability follows 1 - (1 - J^r)^b", "[near_dup]") {
  const audit::MatchParams p;
  std::mt19937_64 rng(11);
  for (const double j : {0.1, 0.2, 0.3, 0.4, 0.5, 0.7}) {
    const double expected = 1 - std::pow(1 - std::pow(j, p.lsh_rows), p.lsh_bands);
    int hits = 0;
    const int trials = 400;
    for (int t = 0; t < trials; ++t) {
      // shared / (shared + 2 priv) = j over 3,000 elements per set
      const auto shared = static_cast<std::size_t>(std::lround(3000 * 2 * j / (1 + j)));
      std::vector<std::uint64_t> a, b;
      for (std::size_t i = 0; i < shared; ++i) a.push_back(rng()), b.push_back(a.back());
      for (std::size_t i = shared; i < 3000; ++i) a.push_back(rng()), b.push_back(rng());
      const auto sa = fingerprint::sketch(a), sb = fingerprint::sketch(b);
      bool any = false;
      for (std::uint32_t band = 0; band < p.lsh_bands && !any; ++band) {
        bool all = true;
        for (std::uint32_t r = 0; r < p.lsh_rows; ++r)
          all &= sa.mins[band * p.lsh_rows + r] == sb.mins[band * p.lsh_rows + r];
        any = all;
      }
      hits += any;
    }
    const double measured = static_cast<double>(hits) / trials;
    INFO("J " << j << ": candidate in " << measured << " of pairs, formula " << expected);
    CHECK(std::abs(measured - expected) <= 0.08);
  }
}

TEST_CASE("a Project Gutenberg text scanned against the Standard Ebooks edition",
          "[near_dup][shared]") {
  PROV_REQUIRE_SHARED(epub, "ebooks/epub/standardebooks/jane-austen_pride-and-prejudice.epub");
  PROV_REQUIRE_SHARED(pg, "texts/en/pg1342.body.txt");
  Fixture fx({epub.string()});
  REQUIRE(fx.works.size() == 1);
  const std::string text = *read_file(pg);
  // As a .txt shard the whole book is one document; as reflowed runs the
  // passages fail.
  auto res = fx.scan({text, shuffled_runs(text, 14, 3)});
  REQUIRE(res.ok());
  std::uint64_t passage_words = 0, passages = 0, near_dups = 0;
  for (const auto& m : res->matches) {
    if (m.record != 1) continue;
    if (m.kind == audit::MatchKind::kPassage)
      passage_words += m.words, ++passages;
    else
      ++near_dups;
  }
  const auto doc_words = fingerprint::tokenize(text).size();
  WARN("PG 1342 vs Standard Ebooks: " << passages << " passages covering " << passage_words
                                      << " of " << doc_words << " words; " << near_dups
                                      << " near-duplicate rows");
  // The other edition is found by passages over most of its length...
  CHECK(passage_words * 10 >= doc_words * 8);
  // ...and the shuffled copy by MinHash, over the whole document (a few runs
  // that stayed in order verify as short passages).
  std::size_t nd2 = 0;
  for (const auto& m : res->matches) {
    if (m.record != 2) continue;
    if (m.kind == audit::MatchKind::kNearDuplicate) {
      ++nd2;
      WARN("shuffled PG 1342: near-duplicate J " << m.jaccard << " C " << m.containment << " over "
                                                 << m.words << " words");
    }
  }
  CHECK(nd2 >= 1);
}
