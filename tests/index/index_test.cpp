// tests/index/index_test.cpp: the RocksDB index on disk: create, reopen, postings,
// duplicates, re-extraction, refusal of unknown versions and parameters, bulk ingest.
#include <catch2/catch.hpp>
#include <rocksdb/db.h>

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
  b.title = "Title of " + path;
  b.authors = {"A. Author"};
  b.text = text;
  b.offsets = {ingest::OffsetSpan{0, text.size(), "", 0, 0}};
  return b;
}

const std::string kText =
    "Alice was beginning to get very tired of sitting by her sister on the bank, and of having "
    "nothing to do: once or twice she had peeped into the book her sister was reading, but it "
    "had no pictures or conversations in it, and what is the use of a book, thought Alice, "
    "without pictures or conversations? So she was considering in her own mind.";

}  // namespace

TEST_CASE("an index stores works, texts, offsets and postings, and reopens read-only", "[index]") {
  test::TempDir dir("index");
  const auto path = dir / "idx";
  const auto book = make_book(kText, "alice.txt");
  {
    auto idx = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(idx.ok());
    auto out = (*idx)->add_book(book);
    REQUIRE(out.ok());
    CHECK(*out == index::AddOutcome::kAdded);
  }
  auto idx = index::Index::open_read_only(path);
  REQUIRE(idx.ok());
  const auto& ix = **idx;
  CHECK(ix.params() == fingerprint::Params{});
  auto works = ix.works();
  REQUIRE(works.ok());
  REQUIRE(works->size() == 1);
  const auto& r = works->front();
  CHECK(r.work_id == book.sha256);
  CHECK(r.title == "Title of alice.txt");
  CHECK(r.paths == std::vector<std::string>{"alice.txt"});
  const auto tokens = fingerprint::tokenize(kText);
  CHECK(r.words == tokens.size());
  CHECK(*ix.text(r.num) == kText);
  auto offsets = ix.offsets(r.num);
  REQUIRE(offsets.ok());
  REQUIRE(offsets->size() == 1);
  CHECK(offsets->front().text_end == kText.size());
  CHECK(ix.resolve(book.sha256.substr(0, 12))->num == r.num);
  CHECK_FALSE(ix.resolve("ffffffffffff").ok());

  // Every sampled shingle of the text is found at its own position.
  const auto samples = fingerprint::sample(tokens, ix.params());
  REQUIRE_FALSE(samples.empty());
  std::vector<std::uint64_t> keys;
  for (const auto& s : samples) keys.push_back(s.hash);
  keys.push_back(0x0123456789abcdefull);  // not in the index
  std::vector<std::vector<index::Posting>> postings;
  REQUIRE(ix.lookup(keys, postings).ok());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    REQUIRE_FALSE(postings[i].empty());
    bool found = false;
    for (const auto& p : postings[i]) found |= (p.work == r.num && p.pos == samples[i].pos);
    CHECK(found);
  }
  CHECK(postings.back().empty());
}

TEST_CASE("the same bytes are one work; a newer extractor replaces the old text", "[index]") {
  test::TempDir dir("index-dup");
  auto idx = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
  REQUIRE(idx.ok());
  auto& ix = **idx;
  CHECK(*ix.add_book(make_book(kText, "a.txt")) == index::AddOutcome::kAdded);
  CHECK(*ix.add_book(make_book(kText, "a.txt")) == index::AddOutcome::kUnchanged);
  CHECK(*ix.add_book(make_book(kText, "copy/b.txt")) == index::AddOutcome::kNewPath);
  auto w = ix.find(sha256_hex(kText));
  REQUIRE(w);
  CHECK(w->path == "a.txt");
  CHECK(w->paths == std::vector<std::string>{"a.txt", "copy/b.txt"});
  const std::uint32_t old_num = w->num;

  CHECK(*ix.add_book(make_book(kText, "a.txt", "txt/2")) == index::AddOutcome::kReextracted);
  auto w2 = ix.find(sha256_hex(kText));
  REQUIRE(w2);
  CHECK(w2->extractor == "txt/2");
  CHECK(w2->paths == w->paths);
  CHECK(ix.work_count() == 1);
  // Postings of the replaced number are no longer returned.
  const auto samples = fingerprint::sample(fingerprint::tokenize(kText), ix.params());
  std::vector<std::uint64_t> keys{samples.front().hash};
  std::vector<std::vector<index::Posting>> postings;
  REQUIRE(ix.lookup(keys, postings).ok());
  for (const auto& p : postings[0]) CHECK(p.work != old_num);
  CHECK_FALSE(postings[0].empty());
}

TEST_CASE("an index refuses other parameters, versions and non-index directories", "[index]") {
  test::TempDir dir("index-refuse");
  const auto path = dir / "idx";
  REQUIRE(index::Index::open_for_write(path, fingerprint::Params{}).ok());
  fingerprint::Params other;
  other.k = 7;
  auto bad = index::Index::open_for_write(path, other, true);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::kIncompatible);
  CHECK(bad.error().message.find("k=5") != std::string::npos);
  // Without explicit parameters the index's own are used.
  auto keep = index::Index::open_for_write(path, other, false);
  REQUIRE(keep.ok());
  CHECK((*keep)->params().k == 5);
  keep = Result<std::unique_ptr<index::Index>>(make_error(Errc::kInternal, "closed"));

  // A future format version, written with RocksDB directly.
  {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n : {"default", "ids", "works", "texts", "offsets", "postings", "sketches", "evidence"})
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DBOptions o;
    REQUIRE(rocksdb::DB::Open(o, path.string(), cfs, &handles, &raw).ok());
    REQUIRE(raw->Put(rocksdb::WriteOptions(), handles[0], "format_version", "99").ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto future = index::Index::open_read_only(path);
  REQUIRE_FALSE(future.ok());
  CHECK(future.error().code == Errc::kIncompatible);
  CHECK(future.error().message.find("version 99") != std::string::npos);

  // A version-1 index (before the sketches family) is refused by version, read or write, and
  // a write open does not add the new family to it.
  {
    const auto v1 = dir / "v1";
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n : {"default", "ids", "works", "texts", "offsets", "postings"})
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DBOptions o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    REQUIRE(rocksdb::DB::Open(o, v1.string(), cfs, &handles, &raw).ok());
    REQUIRE(raw->Put(rocksdb::WriteOptions(), handles[0], "format_version", "1").ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
    auto ro = index::Index::open_read_only(v1);
    REQUIRE_FALSE(ro.ok());
    CHECK(ro.error().code == Errc::kIncompatible);
    CHECK(ro.error().message.find("format version 1 is not supported") != std::string::npos);
    auto rw = index::Index::open_for_write(v1, fingerprint::Params{});
    REQUIRE_FALSE(rw.ok());
    CHECK(rw.error().message.find("format version 1 is not supported") != std::string::npos);
    std::vector<std::string> families;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), v1.string(), &families).ok());
    CHECK(families.size() == 6);
  }

  test::write_bytes(dir / "notidx" / "file.txt", "hello");
  CHECK_FALSE(index::Index::open_read_only(dir / "notidx").ok());
  CHECK_FALSE(index::Index::open_for_write(dir / "notidx", fingerprint::Params{}).ok());
  CHECK_FALSE(index::Index::open_read_only(dir / "missing").ok());
}

TEST_CASE("bulk ingest reads directories, reports bad files, keeps what is indexed", "[index]") {
  test::TempDir dir("index-bulk");
  const auto works = test::source_dir() / "fixtures" / "works";
  test::write_bytes(dir / "bad" / "broken.epub", "PK\x03\x04 this is not a zip archive at all");
  test::write_bytes(dir / "bad" / "latin1.txt", "caf\xE9 cr\xE8me br\xFBl\xE9" "e, na\xEFve fa\xE7" "ade, d\xE9j\xE0 vu\n");
  auto idx = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
  REQUIRE(idx.ok());
  index::IngestOptions opt;
  opt.threads = 2;
  auto rep = index::ingest_paths(**idx, {works.string(), (dir / "bad").string(), (dir / "nope.txt").string()}, opt);
  REQUIRE(rep.ok());
  CHECK(rep->added == 4);  // three fixture works + the latin-1 text
  REQUIRE(rep->errors.size() == 2);
  CHECK(rep->errors[0].path.find("broken.epub") != std::string::npos);
  CHECK(rep->errors[1].path.find("nope.txt") != std::string::npos);
  // Files come in sorted order within a directory.
  REQUIRE(rep->files.size() == 4);
  CHECK(rep->files[0].path.find("alice-excerpt.txt") != std::string::npos);

  // A second run over the same inputs changes nothing and loses nothing.
  auto again = index::ingest_paths(**idx, {works.string()}, opt);
  REQUIRE(again.ok());
  CHECK(again->added == 0);
  CHECK(again->unchanged == 3);
  CHECK((*idx)->work_count() == 4);
  const std::string digest = (*idx)->digest();
  CHECK(digest.size() == 64);
  CHECK((*idx)->digest() == digest);
}

TEST_CASE("each work's window sketches are stored with it and replaced with it", "[index]") {
  test::TempDir dir("index-sketch");
  const auto path = dir / "idx";
  std::string longer;
  for (int i = 0; i < 60; ++i) longer += kText + " Chapter " + std::to_string(i) + ". ";
  const auto toks = fingerprint::tokenize(longer);
  REQUIRE(toks.size() > fingerprint::kSketchWindow);
  {
    auto w = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE((*w)->add_book(make_book(kText, "a.txt")).ok());
    REQUIRE((*w)->add_book(make_book(longer, "b.txt")).ok());
    // The same bytes by a newer extractor replace work 2 by work 3, sketches included.
    REQUIRE(*(*w)->add_book(make_book(longer, "b.txt", "txt/2")) == index::AddOutcome::kReextracted);
  }
  auto idx = index::Index::open_read_only(path);
  REQUIRE(idx.ok());
  auto one = (*idx)->sketches(1);
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  const auto hashes = fingerprint::shingle_hashes(fingerprint::tokenize(kText), 5);
  CHECK(one->front().sketch == fingerprint::sketch(hashes));
  CHECK(one->front().window.end == fingerprint::tokenize(kText).size());

  CHECK((*idx)->sketches(2).error().code == Errc::kNotFound);
  auto three = (*idx)->sketches(3);
  REQUIRE(three.ok());
  const auto windows = fingerprint::sketch_windows(toks.size());
  REQUIRE(three->size() == windows.size());
  const auto long_hashes = fingerprint::shingle_hashes(toks, 5);
  for (std::size_t i = 0; i < windows.size(); ++i) {
    CHECK((*three)[i].window.start == windows[i].start);
    CHECK((*three)[i].sketch == fingerprint::window_sketch(long_hashes, windows[i], 5));
  }
  auto all = (*idx)->all_sketches();
  REQUIRE(all.ok());
  CHECK(all->size() == 1 + windows.size());
  CHECK(all->front().work == 1);
  CHECK(all->back().work == 3);
}

TEST_CASE("evidence records are stored atomically, survive reopening and are visited by prefix", "[index]") {
  test::TempDir dir("index-evidence");
  const auto path = dir / "idx";
  {
    auto idx = index::Index::open_for_write(path, fingerprint::Params{});
    REQUIRE(idx.ok());
    REQUIRE((*idx)->put_evidence({{"t/bb", "torrent b"}, {"t/aa", "torrent a"}, {"e/1", "event"}}).ok());
  }
  auto idx = index::Index::open_read_only(path);
  REQUIRE(idx.ok());
  auto v = (*idx)->get_evidence("t/aa");
  REQUIRE(v.ok());
  CHECK(*v == "torrent a");
  CHECK((*idx)->get_evidence("t/cc").error().code == Errc::kNotFound);
  std::vector<std::string> seen;
  REQUIRE((*idx)->scan_evidence("t/", [&](std::string_view k, std::string_view val) {
    seen.push_back(std::string(k) + "=" + std::string(val));
    return true;
  }).ok());
  CHECK(seen == std::vector<std::string>{"t/aa=torrent a", "t/bb=torrent b"});
  // The evidence family is not part of what a scan sees: the digest ignores it.
  test::TempDir dir2("index-evidence2");
  {
    auto other = index::Index::open_for_write(dir2 / "idx", fingerprint::Params{});
    REQUIRE(other.ok());
  }
  auto other = index::Index::open_read_only(dir2 / "idx");
  REQUIRE(other.ok());
  CHECK((*other)->digest() == (*idx)->digest());
}
