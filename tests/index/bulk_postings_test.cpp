// tests/index/bulk_postings_test.cpp: bulk ingest writes postings as one sorted file at the
// end (Index::begin_bulk / end_bulk). Its lookups must equal one-merge-per-book ingest's, on a
// fresh index (plain values) and on top of existing postings (merge operands); an ingest that
// dies before end_bulk leaves an index that scans refuse and the next writer repairs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <cstring>
#include <optional>

#include "common/file_io.hpp"
#include "common/sha256.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/detail/posting_table.hpp"
#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {

ingest::Book make_book(const std::string& text, const std::string& path) {
  ingest::Book b;
  b.sha256 = sha256_hex(text);
  b.path = path;
  b.source_bytes = text.size();
  b.format = "txt";
  b.extractor = "txt/1";
  b.text = text;
  b.offsets = {ingest::OffsetSpan{0, text.size(), "", 0, 0}};
  return b;
}

// One bulk run adding texts[from, to) (named by their index), ended and compacted as ingest does.
void bulk_add(index::Index& ix, const std::vector<std::string>& texts, std::size_t from, std::size_t to,
              std::optional<std::size_t> max_pending = std::nullopt) {
  REQUIRE((max_pending ? ix.begin_bulk(*max_pending) : ix.begin_bulk()).ok());
  for (std::size_t i = from; i < to; ++i) REQUIRE(ix.add_book(make_book(texts[i], std::to_string(i))).ok());
  REQUIRE(ix.end_bulk().ok());
  REQUIRE(ix.compact().ok());
}

std::vector<std::string> fixture_texts() {
  std::vector<std::string> out;
  for (const auto& f : {"works/alice-excerpt.txt", "works/chekhov-excerpt.txt", "works/pride-excerpt.txt",
                        "filler/moby-excerpt.txt"})
    out.push_back(*read_file(test::source_dir() / "fixtures" / f));
  return out;
}

// Every sampled shingle of every text -> its postings, as (work_id, pos), sorted.
using Table = std::vector<std::vector<std::pair<std::string, std::uint32_t>>>;
Table all_postings(const index::Index& ix, const std::vector<std::string>& texts, bool in_memory) {
  std::vector<std::uint64_t> keys;
  for (const auto& t : texts)
    for (const auto& s : fingerprint::sample(fingerprint::tokenize(t), ix.params())) keys.push_back(s.hash);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (in_memory) REQUIRE(ix.load_postings().ok());
  std::vector<std::vector<index::Posting>> got;
  REQUIRE(ix.lookup(keys, got).ok());
  {  // The flat form, with keys absent from the index between them (most of a scan's): the
     // same lists, and `hits` names exactly the keys that have one.
    std::vector<std::uint64_t> mixed;
    for (const auto k : keys) {
      mixed.push_back(k);
      mixed.push_back(k >> 1);
      mixed.push_back(k ^ 0x00FF00FF00FF00FFull);
    }
    std::vector<std::vector<index::Posting>> nested;
    REQUIRE(ix.lookup(mixed, nested).ok());
    index::PostingLists flat;
    REQUIRE(ix.lookup(mixed.data(), mixed.size(), flat).ok());
    REQUIRE(flat.offsets.size() == mixed.size() + 1);
    std::vector<std::uint32_t> hits;
    for (std::size_t i = 0; i < mixed.size(); ++i) {
      CHECK(std::vector<index::Posting>(flat.begin(i), flat.end(i)) == nested[i]);
      if (!nested[i].empty()) hits.push_back(static_cast<std::uint32_t>(i));
    }
    CHECK(flat.hits == hits);
    CHECK(!hits.empty());
  }
  Table out(got.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    for (const auto& p : got[i]) out[i].emplace_back(ix.work(p.work)->work_id, p.pos);
    std::sort(out[i].begin(), out[i].end());
  }
  return out;
}

}  // namespace

TEST_CASE("bulk postings equal per-book postings, fresh and on top of existing ones", "[index]") {
  const auto texts = fixture_texts();
  test::TempDir dir("bulk-postings");
  {  // reference: one merge write per book
    auto ix = index::Index::open_for_write(dir / "ref", fingerprint::Params{});
    REQUIRE(ix.ok());
    for (std::size_t i = 0; i < texts.size(); ++i) REQUIRE((*ix)->add_book(make_book(texts[i], std::to_string(i))).ok());
  }
  {  // bulk into a fresh index (plain values), then bulk again on top (merge operands)
    auto ix = index::Index::open_for_write(dir / "bulk", fingerprint::Params{});
    REQUIRE(ix.ok());
    bulk_add(**ix, texts, 0, 2);
    bulk_add(**ix, texts, 2, texts.size());
  }
  {  // bulk with a tiny memory limit: a file every few hundred postings, merged
    auto ix = index::Index::open_for_write(dir / "chunked", fingerprint::Params{});
    REQUIRE(ix.ok());
    bulk_add(**ix, texts, 0, texts.size(), 300);
  }
  {  // a fresh run of a few files (one per work): not compacted, merged when read
    auto ix = index::Index::open_for_write(dir / "few", fingerprint::Params{});
    REQUIRE(ix.ok());
    bulk_add(**ix, texts, 0, texts.size(), 1);  // compact() skipped: 4 files, read merged
  }
  auto ref = index::Index::open_read_only(dir / "ref");
  REQUIRE(ref.ok());
  const auto want = all_postings(**ref, texts, false);
  REQUIRE(want.size() > 1000);
  for (const char* name : {"bulk", "chunked", "few"}) {
    INFO(name);
    auto bulk = index::Index::open_read_only(dir / name);
    REQUIRE(bulk.ok());
    CHECK(all_postings(**bulk, texts, false) == want);  // RocksDB lookups
    CHECK(all_postings(**bulk, texts, true) == want);   // the in-memory table
    CHECK((*bulk)->digest() == (*ref)->digest());
  }
}

TEST_CASE("an ingest that dies before storing its postings is refused, then repaired", "[index]") {
  const auto texts = fixture_texts();
  test::TempDir dir("bulk-interrupted");
  {
    auto ix = index::Index::open_for_write(dir / "ref", fingerprint::Params{});
    REQUIRE(ix.ok());
    for (std::size_t i = 0; i < texts.size(); ++i) REQUIRE((*ix)->add_book(make_book(texts[i], std::to_string(i))).ok());
  }
  {
    auto ix = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
    REQUIRE(ix.ok());
    REQUIRE((*ix)->add_book(make_book(texts[0], "0")).ok());  // stored the ordinary way
    REQUIRE((*ix)->begin_bulk(GENERATE(std::size_t{1} << 30, std::size_t{500})).ok());
    for (std::size_t i = 1; i < texts.size(); ++i) REQUIRE((*ix)->add_book(make_book(texts[i], std::to_string(i))).ok());
    // No end_bulk(): the process "dies" with the postings of works 1..3 in memory only.
  }
  {
    auto ro = index::Index::open_read_only(dir / "idx");
    REQUIRE_FALSE(ro.ok());
    CHECK(ro.error().code == Errc::kIncompatible);
    CHECK(ro.error().message.find("incomplete") != std::string::npos);
  }
  { REQUIRE(index::Index::open_for_write(dir / "idx", fingerprint::Params{}).ok()); }  // repairs
  auto ref = index::Index::open_read_only(dir / "ref");
  auto idx = index::Index::open_read_only(dir / "idx");
  REQUIRE(ref.ok());
  REQUIRE(idx.ok());
  CHECK(all_postings(**idx, texts, true) == all_postings(**ref, texts, true));
}

TEST_CASE("a saved posting table is read while it is current and rebuilt once the works change", "[index]") {
  const auto texts = fixture_texts();
  test::TempDir dir("saved-table");
  const auto path = dir / "idx";
  const auto check = [&](bool want_saved) {
    auto ix = index::Index::open_read_only(path);
    REQUIRE(ix.ok());
    const auto rocks = all_postings(**ix, texts, false);
    const auto table = all_postings(**ix, texts, true);
    CHECK((*ix)->postings_from_saved_table() == want_saved);
    CHECK(table == rocks);
    std::size_t found = 0;
    for (const auto& l : table) found += !l.empty();
    return found;
  };
  {
    auto ix = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(ix.ok());
    bulk_add(**ix, texts, 0, 3);
    REQUIRE((*ix)->save_posting_table().ok());
  }
  const std::size_t three = check(true);
  {  // a fourth work: the saved copy no longer matches the live works
    auto ix = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(ix.ok());
    REQUIRE((*ix)->add_book(make_book(texts[3], "3")).ok());
  }
  const std::size_t four = check(false);
  CHECK(four > three);  // the fourth work's shingles are found: the table was rebuilt
  {
    auto ix = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(ix.ok());
    REQUIRE((*ix)->save_posting_table().ok());
  }
  CHECK(check(true) == four);
}

TEST_CASE("the posting table file is mapped while it is whole, rebuilt around when damaged, and outlives its replacement", "[index]") {
  const auto texts = fixture_texts();
  test::TempDir dir("table-file");
  const auto path = dir / "idx";
  const auto file = path / "posting-table.bin";
  {
    auto ix = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(ix.ok());
    bulk_add(**ix, texts, 0, 3);
    REQUIRE((*ix)->save_posting_table().ok());
  }
  REQUIRE(std::filesystem::exists(file));
  const auto size = std::filesystem::file_size(file);
  CHECK(size > 4096);
  auto mapped = index::Index::open_read_only(path);
  REQUIRE(mapped.ok());
  const auto before = all_postings(**mapped, texts, false);  // from RocksDB: nothing loaded yet
  CHECK(all_postings(**mapped, texts, true) == before);
  CHECK((*mapped)->postings_from_saved_table());
  // One flipped bit in the table: the digest no longer holds, so the scan rebuilds from the
  // postings and finds the same.
  {
    std::string bytes = *read_file(file);
    bytes[4096 + (bytes.size() - 4096) / 2] ^= 0x10;
    REQUIRE(write_file_atomic(file, bytes).ok());
  }
  {
    auto ix = index::Index::open_read_only(path);
    REQUIRE(ix.ok());
    CHECK(all_postings(**ix, texts, true) == before);
    CHECK_FALSE((*ix)->postings_from_saved_table());
  }
  {  // cut short: the same
    std::string bytes = *read_file(file);
    bytes.resize(bytes.size() - 100);
    REQUIRE(write_file_atomic(file, bytes).ok());
    auto ix = index::Index::open_read_only(path);
    REQUIRE(ix.ok());
    CHECK(all_postings(**ix, texts, true) == before);
    CHECK_FALSE((*ix)->postings_from_saved_table());
  }
  {  // the next save sees the damage and writes the file again
    auto ix = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(ix.ok());
    REQUIRE((*ix)->save_posting_table().ok());
  }
  CHECK(std::filesystem::file_size(file) == size);
  {
    auto ix = index::Index::open_read_only(path);
    REQUIRE(ix.ok());
    CHECK(all_postings(**ix, texts, true) == before);
    CHECK((*ix)->postings_from_saved_table());
  }
  {  // a fourth work replaces the file while the first reader still has the old one mapped
    auto ix = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(ix.ok());
    REQUIRE((*ix)->add_book(make_book(texts[3], "3")).ok());
    REQUIRE((*ix)->save_posting_table().ok());
  }
  CHECK(std::filesystem::file_size(file) > size);
  CHECK(all_postings(**mapped, texts, false) == before);  // its table as loaded: the old file's pages
}

TEST_CASE("a posting table restores from its saved bytes and refuses damaged ones", "[index]") {
  const fingerprint::Params params;
  index::detail::PostingTable t(params.threshold(), 5000, 100000);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> in;
  std::uint64_t h = 0;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    h += 1 + (params.threshold() / 6000) * ((i * 2654435761u) % 3);  // ascending, below the threshold
    in.emplace_back(h, (i * 7919u) % 100000);
    t.add(h, in.back().second);
  }
  t.finish();
  std::string bytes;
  t.save([&](const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); });
  const auto restore = [](const std::string& b) {
    std::size_t at = 0;
    return index::detail::PostingTable::restore([&](void* dst, std::size_t n) {
      if (b.size() - at < n) return false;
      std::memcpy(dst, b.data() + at, n);
      at += n;
      return true;
    });
  };
  auto r = restore(bytes);
  REQUIRE(r != nullptr);
  CHECK(r->size() == t.size());
  for (const auto& [hash, pos] : in) {
    std::vector<std::uint32_t> a, b;
    t.find(hash, [&](std::uint32_t g) { a.push_back(g); });
    r->find(hash, [&](std::uint32_t g) { b.push_back(g); });
    CHECK(a == b);
    CHECK(std::find(b.begin(), b.end(), pos) != b.end());
  }
  CHECK(restore(bytes.substr(0, bytes.size() - 1)) == nullptr);  // cut short
  std::string bad = bytes;
  constexpr std::size_t kHeader = 12 * 8;
  bad[kHeader + 4 * 10] = static_cast<char>(0xFF);  // a directory slot far past the entries
  bad[kHeader + 4 * 10 + 3] = static_cast<char>(0x7F);
  CHECK(restore(bad) == nullptr);
  bad = bytes;
  bad[8] = 40;  // pos_bits no longer matches its mask
  CHECK(restore(bad) == nullptr);
  bad = bytes;
  bad[10 * 8] ^= 1;  // a filter of another size than these entries get
  CHECK(restore(bad) == nullptr);
  // Fields consistent one by one but not with each other (found by fuzz_posting_table: the
  // lookups' bounds rest on these relations, and such a header read the filter out of bounds).
  const auto with_field = [&](std::size_t field, std::uint64_t v) {
    std::string b = bytes;
    std::memcpy(b.data() + field * 8, &v, 8);
    return b;
  };
  std::uint64_t check_shift = 0, buckets = 0;
  std::memcpy(&check_shift, bytes.data() + 3 * 8, 8);
  std::memcpy(&buckets, bytes.data() + 6 * 8, 8);
  CHECK(restore(with_field(3, check_shift + 1)) == nullptr);  // check bits no longer right below the bucket bits
  CHECK(restore(with_field(6, buckets - 1)) == nullptr);      // not a power of two (and a directory of another size)
}

TEST_CASE("the posting table's filter passes every stored shingle and few others", "[index]") {
  const fingerprint::Params params;
  constexpr std::uint32_t kN = 200000;
  index::detail::PostingTable t(params.threshold(), kN, 1u << 24);
  std::mt19937_64 rng(20261129);
  std::vector<std::uint64_t> in(kN);
  for (auto& h : in) h = rng() % params.threshold();
  std::sort(in.begin(), in.end());
  for (std::uint32_t i = 0; i < kN; ++i) t.add(in[i], i);
  t.finish();
  std::size_t missed = 0;
  for (const std::uint64_t h : in) missed += !t.may_contain(h);
  CHECK(missed == 0);  // no stored shingle is ever filtered out
  // Unstored sampled hashes: a split-block filter at 8 bits a key passes ~2-3 % of them.
  std::size_t passed = 0, absent = 0;
  for (std::uint32_t i = 0; i < 400000; ++i) {
    const std::uint64_t h = rng() % params.threshold();
    if (std::binary_search(in.begin(), in.end(), h)) continue;
    ++absent;
    passed += t.may_contain(h);
  }
  const double fp = static_cast<double>(passed) / static_cast<double>(absent);
  CHECK(fp > 0.005);  // it is a filter, not an exact set (a broken key would pass all or none)
  CHECK(fp < 0.05);
  CHECK_FALSE(t.may_contain(params.threshold() + 12345));  // above the sampled range: nothing
  // filter_batch() (8 hashes at a time with AVX-512 where the CPU has it) keeps exactly the
  // hashes may_contain() passes, in order, on both paths: stored, absent, above the sampled
  // range, and batches of every length up to 40 (every remainder after the blocks of 8).
  std::vector<std::uint64_t> mixed;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    mixed.push_back(in[(i * 7919u) % kN]);
    mixed.push_back(rng() % params.threshold());
    mixed.push_back(params.threshold() + rng() % 1000);
    mixed.push_back(rng());
  }
  std::vector<std::uint32_t> want;
  for (std::uint32_t i = 0; i < mixed.size(); ++i)
    if (t.may_contain(mixed[i])) want.push_back(i);
  for (const bool portable : {false, true}) {
    index::detail::use_portable_filter(portable);
    std::vector<std::uint32_t> maybe(mixed.size());
    maybe.resize(t.filter_batch(mixed.data(), mixed.size(), maybe.data()));
    CHECK(maybe == want);
    for (std::size_t n = 0; n <= 40; ++n) {
      std::vector<std::uint32_t> part(n + 1, 0xFFFFFFFF), expect;
      part.resize(t.filter_batch(mixed.data() + 4 * n, n, part.data()));
      for (std::uint32_t i = 0; i < n; ++i)
        if (t.may_contain(mixed[4 * n + i])) expect.push_back(i);
      CHECK(part == expect);
    }
    index::detail::use_portable_filter(false);
  }
  // Lookups through the filter find what find() finds.
  for (std::uint32_t i = 0; i < kN; i += 997) {
    std::vector<std::uint32_t> got;
    t.find(in[i], [&](std::uint32_t g) { got.push_back(g); });
    CHECK(std::find(got.begin(), got.end(), i) != got.end());
  }
}
