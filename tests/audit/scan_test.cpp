// tests/audit/scan_test.cpp: planted passages in real shards are found with exact offsets on
// both sides, in JSONL, .jsonl.gz and .jsonl.zst; bad records are skipped and reported;
// results are the same at any thread count (and so with several readers at once).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"
#include "tests/testlib.hpp"

using namespace prov;

namespace {

struct Planted {
  std::string shard;
  std::string doc_id;
  std::uint64_t doc_start, doc_end;
  std::string work_id;
  std::uint64_t work_start, work_end;
  std::string variant;
};

// Words [a, b) of a text as a byte range.
struct Span {
  std::uint64_t start, end;
};
Span word_span(const std::vector<fingerprint::Token>& toks, std::size_t a, std::size_t b) {
  return Span{toks[a].start, toks[b - 1].end};
}

std::string lower_and_strip_punct(std::string s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && std::isupper(u)) c = static_cast<char>(std::tolower(u));
    if (c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '(' || c == ')') continue;
    out.push_back(c);
  }
  return out;
}

std::string rewrap(const std::string& s) {
  std::string out;
  std::size_t col = 0;
  for (const char c : s) {
    if (c == ' ' || c == '\n' || c == '\r') {
      if (col >= 50) {
        out += "\n";
        col = 0;
      } else {
        out += ' ';
        ++col;
      }
      continue;
    }
    out.push_back(c);
    ++col;
  }
  // Collapse the runs the loop may have produced ("  " from CRLF) to keep it looking wrapped.
  std::string collapsed;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if ((out[i] == ' ' || out[i] == '\n') && !collapsed.empty() &&
        (collapsed.back() == ' ' || collapsed.back() == '\n'))
      continue;
    collapsed.push_back(out[i]);
  }
  return collapsed;
}

struct Fixture {
  test::TempDir dir{"scan"};
  std::unique_ptr<index::Index> index;
  std::vector<index::WorkRecord> works;
  std::string filler;
  std::vector<fingerprint::Token> filler_toks;

  Fixture() {
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
    index = std::move(r).value();
    works = *index->works();
    REQUIRE(works.size() == 3);
    filler = *read_file(root / "filler" / "moby-excerpt.txt");
    filler_toks = fingerprint::tokenize(filler);
  }

  // A stretch of filler of about n words, cut at word boundaries.
  std::string filler_words(std::size_t from, std::size_t n) const {
    from %= (filler_toks.size() - n - 1);
    return filler.substr(filler_toks[from].start, filler_toks[from + n - 1].end - filler_toks[from].start);
  }
};

}  // namespace

TEST_CASE("planted passages are found with exact offsets in every shard format", "[audit]") {
  Fixture fx;
  std::vector<Planted> truth;
  std::vector<std::string> shard_paths;
  std::size_t filler_pos = 100;
  const char* variants[] = {"verbatim", "case_punct", "rewrapped"};
  int doc_counter = 0;
  for (const char* ext : {".jsonl", ".jsonl.gz", ".jsonl.zst"}) {
    const std::string shard = (fx.dir / (std::string("shard") + ext)).string();
    std::string jsonl;
    for (std::size_t wi = 0; wi < fx.works.size(); ++wi) {
      const auto& w = fx.works[wi];
      const std::string text = *fx.index->text(w.num);
      const auto toks = fingerprint::tokenize(text);
      for (std::size_t v = 0; v < 3; ++v) {
        const std::string variant = variants[v];
        const std::size_t len = 30 + (37 * (v + 1) * (wi + 1)) % 200;
        const std::size_t a = 50 + static_cast<std::size_t>(doc_counter * 131) % (toks.size() - len - 100);
        const Span sp = word_span(toks, a, a + len);
        std::string passage = text.substr(sp.start, sp.end - sp.start);
        if (variant == "case_punct") passage = lower_and_strip_punct(passage);
        if (variant == "rewrapped") passage = rewrap(passage);
        std::string before, after;
        for (;; filler_pos += 7) {  // the words next to the passage must differ from the work's
          before = fx.filler_words(filler_pos, 40);
          after = fx.filler_words(filler_pos + 41, 30);
          if (fingerprint::tokenize(before).back().hash != toks[a - 1].hash &&
              fingerprint::tokenize(after).front().hash != toks[a + len].hash)
            break;
        }
        filler_pos += 97;
        const std::string doc = before + " " + passage + "\n" + after;
        const std::string id = "doc-" + std::to_string(++doc_counter);
        JsonWriter jw;
        jw.begin_object().field("id", id).field("text", doc).end_object();
        jsonl += jw.str() + "\n";
        truth.push_back(Planted{shard, id, before.size() + 1, before.size() + 1 + passage.size(), w.work_id,
                                sp.start, sp.end, variant});
      }
    }
    // A record with no planted text, and one that is not JSON.
    JsonWriter clean;
    clean.begin_object().field("id", "clean").field("text", fx.filler_words(5000, 200)).end_object();
    jsonl += clean.str() + "\n";
    jsonl += "{\"id\":\"broken\", \"text\": \n";
    if (std::string(ext) == ".jsonl.gz") jsonl = test::gzip_compress(jsonl);
    if (std::string(ext) == ".jsonl.zst") jsonl = test::zstd_compress(jsonl);
    test::write_bytes(shard, jsonl);
    shard_paths.push_back(shard);
  }

  audit::ScanOptions opt;
  opt.shards = shard_paths;
  opt.threads = 2;
  auto res = audit::scan(*fx.index, opt);
  REQUIRE(res.ok());
  CHECK(res->records == truth.size() + 3);
  REQUIRE(res->errors.size() == 3);  // the broken line of each shard
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(res->errors[i].path == shard_paths[i]);
    CHECK(*res->errors[i].line == 11);
  }
  for (const auto& p : truth) {
    INFO(p.variant << " " << p.shard << " " << p.doc_id);
    const audit::Match* m = nullptr;
    for (const auto& x : res->matches)
      if (x.shard == p.shard && x.doc_id == p.doc_id && x.work_id == p.work_id) m = &x;
    REQUIRE(m != nullptr);
    CHECK(m->doc_start == p.doc_start);
    CHECK(m->doc_end == p.doc_end);
    CHECK(m->work_start == p.work_start);
    CHECK(m->work_end == p.work_end);
    CHECK(m->score > 0.9);
    CHECK(m->score <= 1.0);
  }
  // Nothing else: no passage in the clean documents, one passage per planted one.
  CHECK(res->matches.size() == truth.size());
  // Coverage: every work was matched, and no more than its size.
  REQUIRE(res->works.size() == 3);
  for (const auto& c : res->works) {
    CHECK(c.matched_words > 0);
    CHECK(c.matched_words <= c.total_words);
    CHECK(c.passages == 9);
    CHECK(c.documents == 9);
  }
  // Sorted by (shard, record, doc_start, work_id); finding ids are unique.
  for (std::size_t i = 1; i < res->matches.size(); ++i) {
    const auto& a = res->matches[i - 1];
    const auto& b = res->matches[i];
    CHECK(std::tie(a.shard_index, a.record, a.doc_start) <= std::tie(b.shard_index, b.record, b.doc_start));
    CHECK(a.finding_id != b.finding_id);
  }

  // The same scan on one thread (one reader) and on six (a reader per shard, reading at
  // once) gives the same matches, errors and shard records.
  for (const unsigned threads : {1u, 6u}) {
    INFO("threads " << threads);
    opt.threads = threads;
    auto other = audit::scan(*fx.index, opt);
    REQUIRE(other.ok());
    REQUIRE(other->matches.size() == res->matches.size());
    for (std::size_t i = 0; i < res->matches.size(); ++i) {
      CHECK(other->matches[i].finding_id == res->matches[i].finding_id);
      CHECK(other->matches[i].work_end == res->matches[i].work_end);
    }
    REQUIRE(other->errors.size() == res->errors.size());
    for (std::size_t i = 0; i < res->errors.size(); ++i) CHECK(other->errors[i].path == res->errors[i].path);
    REQUIRE(other->shards.size() == res->shards.size());
    for (std::size_t i = 0; i < res->shards.size(); ++i) {
      CHECK(other->shards[i].path == res->shards[i].path);
      CHECK(other->shards[i].sha256 == res->shards[i].sha256);
      CHECK(other->shards[i].records == res->shards[i].records);
    }
  }
}

TEST_CASE("a passage present in a copy of a work matches both works; short ones are ignored", "[audit]") {
  Fixture fx;
  const auto& w = fx.works.front();
  const std::string text = *fx.index->text(w.num);
  const auto toks = fingerprint::tokenize(text);
  const Span longp = word_span(toks, 200, 260);
  const Span shortp = word_span(toks, 400, 415);
  const std::string doc = fx.filler_words(10, 30) + " " + text.substr(longp.start, longp.end - longp.start) + " " +
                          fx.filler_words(300, 30) + " " + text.substr(shortp.start, shortp.end - shortp.start) +
                          " " + fx.filler_words(600, 30);
  JsonWriter jw;
  jw.begin_object().field("text", doc).end_object();
  const auto shard = (fx.dir / "one.jsonl").string();
  test::write_bytes(shard, jw.str() + "\n");
  audit::ScanOptions opt;
  opt.shards = {shard};
  auto res = audit::scan(*fx.index, opt);
  REQUIRE(res.ok());
  REQUIRE(res->matches.size() == 1);
  CHECK(res->matches[0].words == 60);
  CHECK(res->matches[0].doc_id == "1");
  CHECK(res->matches[0].work_start == longp.start);

  opt.match.min_words = 10;
  res = audit::scan(*fx.index, opt);
  REQUIRE(res.ok());
  CHECK(res->matches.size() == 2);
}

TEST_CASE("an unreadable shard is reported and the other shards are scanned", "[audit]") {
  Fixture fx;
  const auto& w = fx.works.back();
  const std::string text = *fx.index->text(w.num);
  const auto toks = fingerprint::tokenize(text);
  const Span sp = word_span(toks, 100, 150);
  JsonWriter jw;
  jw.begin_object().field("id", "x").field("text", text.substr(sp.start, sp.end - sp.start)).end_object();
  const auto good = (fx.dir / "good.jsonl").string();
  test::write_bytes(good, jw.str() + "\n");
  audit::ScanOptions opt;
  opt.shards = {(fx.dir / "missing.jsonl").string(), good};
  auto res = audit::scan(*fx.index, opt);
  REQUIRE(res.ok());
  REQUIRE(res->errors.size() == 1);
  CHECK(res->errors[0].path == opt.shards[0]);
  REQUIRE(res->matches.size() == 1);
  CHECK(res->matches[0].shard_index == 1);
  CHECK(res->matches[0].doc_start == 0);
  CHECK(res->matches[0].doc_end == sp.end - sp.start);
}

TEST_CASE("text shared by many works is flagged boilerplate; allowlisted works are flagged allowed",
          "[audit]") {
  test::TempDir dir("boilerplate");
  const std::string licence =
      "This eBook is for the use of anyone anywhere at no cost and with almost no restrictions "
      "whatsoever. You may copy it, give it away or re-use it under the terms of the Licence "
      "included with this eBook or online, and you must keep this notice intact in every copy, "
      "together with the name of the archive that distributed it to you in the first place.";
  const std::string moby = *read_file(test::source_dir() / "fixtures/filler/moby-excerpt.txt");
  const auto toks = fingerprint::tokenize(moby);
  const std::size_t per = toks.size() / 7;
  std::vector<std::string> parts;
  for (int i = 0; i < 6; ++i) {
    const std::size_t a = static_cast<std::size_t>(i) * per, b = a + per - 1;
    parts.push_back(moby.substr(toks[a].start, toks[b].end - toks[a].start));
    test::write_bytes(dir / "works" / ("w" + std::to_string(i) + ".txt"), parts.back() + "\n\n" + licence + "\n");
  }
  {
    auto w = index::Index::open_for_write(dir / "idx", fingerprint::Params{});
    REQUIRE(w.ok());
    REQUIRE(index::ingest_paths(**w, {(dir / "works").string()}).ok());
  }
  auto idx = index::Index::open_read_only(dir / "idx");
  REQUIRE(idx.ok());
  // One document: the licence, then 60 words that only work 3 holds.
  const auto p3 = fingerprint::tokenize(parts[3]);
  const std::string own = parts[3].substr(p3[100].start, p3[159].end - p3[100].start);
  JsonWriter jw;
  jw.begin_object().field("text", "zzz qqq " + licence + " xxx jjj " + own + " kkk").end_object();
  const auto shard = (dir / "s.jsonl").string();
  test::write_bytes(shard, jw.str() + "\n");
  audit::ScanOptions opt;
  opt.shards = {shard};
  auto res = audit::scan(**idx, opt);
  REQUIRE(res.ok());
  REQUIRE(res->matches.size() == 7);  // the licence in each of 6 works, and work 3's own text
  std::size_t flagged = 0;
  std::string own_id;
  for (const auto& m : res->matches) {
    flagged += m.boilerplate;
    if (!m.boilerplate) own_id = m.work_id;
  }
  CHECK(flagged == 6);
  // Coverage counts only the evidence: work 3's 60 words, none of the licence.
  REQUIRE(res->works.size() == 6);
  CHECK(res->works[0].work_id == own_id);
  CHECK(res->works[0].matched_words == 60);
  CHECK(res->works[0].passages == 1);
  CHECK(res->works[0].boilerplate_passages == 1);
  for (std::size_t i = 1; i < res->works.size(); ++i) {
    CHECK(res->works[i].matched_words == 0);
    CHECK(res->works[i].boilerplate_passages == 1);
  }

  opt.allowed_works = {own_id};
  res = audit::scan(**idx, opt);
  REQUIRE(res.ok());
  for (const auto& m : res->matches) CHECK(m.allowed == (m.work_id == own_id));
  CHECK(res->works[0].allowed);
}
