// tests/eval/damage_test.cpp: each damage transform does what it claims (eval/damage.cpp),
// and the corpus records every planted range exactly (eval/corpus.cpp).
#include <catch2/catch.hpp>
#include <map>
#include <regex>

#include "common/sha256.hpp"
#include "eval/detail/corpus.hpp"
#include "eval/detail/damage.hpp"
#include "fingerprint/fingerprint.hpp"
#include "ingest/ingest.hpp"
#include "tests/testlib.hpp"

namespace {

namespace detail = prov::eval::detail;
using prov::eval::Damage;

// English with what the transforms act on: straight and curly quotes, apostrophes, fi and fl,
// long words, accented letters, hyphens, numbers, dashes, and line breaks inside paragraphs.
const std::vector<std::string> kSentences = {
    "\"I don't think,\" said Mr. Fairfield, \"that the office will be finished before the café "
    "opens.\"",
    "The flight of the butterflies across the fields was a magnificent, unforgettable "
    "spectacle.",
    "She reflected, with considerable satisfaction, that naïve Zoë had never visited Montréal "
    "\xE2\x80\x94 nor Zürich.",
    "It was a well-known fact (in 1894, at least) that 3.5 per cent of the profits went to "
    "'charitable' causes; nobody questioned it.",
    "Afterwards, the fisherman's daughter flung the influential pamphlet into the fireplace!",
    "Why? Because knowledge, unlike fortune, cannot be stolen: it is one's own.",
    "\xE2\x80\x9CNonetheless,\xE2\x80\x9D replied the old gentleman, \xE2\x80\x9C"
    "confidentiality is indispensable.\xE2\x80\x9D",
    "Olga's brother, a remarkable linguist, had translated seventeen volumes of correspondence "
    "between 1801 and 1810.",
    "Them, in the morning, the modern farmers returned to their barns and their corn.",
    "Little by little the flickering lamplight filled the library with long shadows.",
};

std::string english(std::uint64_t seed, std::size_t sentences) {
  detail::Rng rng(seed);
  std::string out;
  for (std::size_t i = 0; i < sentences; ++i) {
    if (i > 0) out += rng.chance(1, 8) ? "\n\n" : rng.chance(1, 4) ? "\n" : " ";
    out += kSentences[rng.below(kSentences.size())];
  }
  return out;
}

std::vector<std::uint64_t> hashes(std::string_view text) {
  std::vector<std::uint64_t> out;
  for (const auto& t : prov::fingerprint::tokenize(text)) out.push_back(t.hash);
  return out;
}

std::size_t levenshtein(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (const char c : s) {
    if (c == ' ' || c == '\n') {
      if (!w.empty()) out.push_back(std::move(w));
      w.clear();
    } else {
      w.push_back(c);
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

std::size_t lcs(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string collapse(std::string_view s) {
  std::string out;
  for (const auto& w : words(s)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

bool edge_is_space(const std::string& s) {
  const auto sp = [](char c) { return c == ' ' || c == '\n' || c == '\t'; };
  return s.empty() || sp(s.front()) || sp(s.back());
}

}  // namespace

TEST_CASE("damage: verbatim changes nothing", "[eval][damage]") {
  const std::string src = english(1, 30);
  detail::Rng rng(7);
  CHECK(detail::apply_damage(Damage::kVerbatim, src, rng, {}) == src);
}

TEST_CASE("damage: case_punct flattens case, punctuation and whitespace, not words",
          "[eval][damage]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string src = english(seed, 40);
    detail::Rng rng(seed);
    const std::string out = detail::flatten_case_punct(src, rng);
    INFO(out);
    CHECK(hashes(out) == hashes(src));
    CHECK(out.find('\n') == std::string::npos);
    CHECK(out.find("  ") == std::string::npos);
    CHECK(std::none_of(out.begin(), out.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
    CHECK(out.find("\xC3\x9C") == std::string::npos);  // Ü lower-cased
    CHECK(!edge_is_space(out));
    // About half the marks go: fewer commas and full stops than the source.
    const auto count = [](const std::string& s, char c) { return std::count(s.begin(), s.end(), c); };
    CHECK(count(out, ',') + count(out, '.') < count(src, ',') + count(src, '.'));
  }
}

TEST_CASE("damage: typography changes characters, never the normalised words",
          "[eval][damage]") {
  const std::string src = english(3, 200);
  detail::Rng rng(11);
  const std::string out = detail::typography(src, rng);
  CHECK(hashes(out) == hashes(src));
  CHECK(out != src);
  CHECK(out.find("\xEF\xAC\x81") != std::string::npos);  // ﬁ
  CHECK(out.find("\xEF\xAC\x82") != std::string::npos);  // ﬂ
  CHECK(out.find("\xC2\xAD") != std::string::npos);      // soft hyphen
  CHECK(out.find("\xC2\xA0") != std::string::npos);      // no-break space
  CHECK(out.find("e\xCC\x81") != std::string::npos);     // é decomposed
  CHECK(out.find("\xE2\x80\x9C") != std::string::npos);  // “ from a straight quote
  CHECK(out.find("don\xE2\x80\x99t") != std::string::npos);
  CHECK(out.find('"') != std::string::npos);             // " from a curly one (or kept)
  CHECK(!edge_is_space(out));
}

TEST_CASE("damage: linewrap breaks lines at 60-70 columns, hyphenates and adds page numbers",
          "[eval][damage]") {
  const std::string src = english(5, 300);
  detail::Rng rng(13);
  const std::string out = detail::linewrap(src, rng);
  CHECK(out.find("-\n") != std::string::npos);
  const std::regex page("\n\n[0-9]+\n\n");
  CHECK(std::regex_search(out, page));
  // Undo it: page lines out, hyphenated words joined; the words are the source's.
  std::string undone = std::regex_replace(out, page, "\n");
  undone = std::regex_replace(undone, std::regex("([A-Za-z])-\n"), "$1");
  CHECK(collapse(undone) == collapse(src));
  std::size_t lines = 0, start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string_view line(out.data() + start, end - start);
    if (line.find(' ') != std::string_view::npos) CHECK(line.size() <= 70);
    ++lines;
    start = end + 1;
  }
  CHECK(lines > src.size() / 71);
  CHECK(!edge_is_space(out));
}

TEST_CASE("damage: ocr damages about 2% of characters", "[eval][damage]") {
  std::size_t edits = 0, chars = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const std::string src = english(100 + seed, 40);
    detail::Rng rng(seed);
    const std::string out = detail::ocr(src, rng);
    CHECK(!edge_is_space(out));
    edits += levenshtein(src, out);
    chars += src.size();
  }
  const double rate = static_cast<double>(edits) / static_cast<double>(chars);
  INFO("edit rate " << rate);
  CHECK(rate > 0.012);
  CHECK(rate < 0.03);
  // The confusions named: rn -> m, l -> 1 (seen over a long text).
  const std::string src = english(9, 600);
  detail::Rng rng(3);
  const std::string out = detail::ocr(src, rng);
  CHECK(out.find('1') != std::string::npos);
  CHECK(out.size() != src.size());
}

TEST_CASE("damage: editing drops or inserts 3-5% of words", "[eval][damage]") {
  const std::vector<std::string> filler = {"quorble", "zandik", "fexlo"};
  std::size_t changed = 0, total = 0;
  bool inserted = false;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const std::string src = english(200 + seed, 40);
    detail::Rng rng(seed);
    const std::string out = detail::editing(src, rng, filler);
    CHECK(!edge_is_space(out));
    const auto a = words(src), b = words(out);
    const std::size_t common = lcs(a, b);
    changed += (a.size() - common) + (b.size() - common);
    total += a.size();
    inserted = inserted || out.find("zandik") != std::string::npos ||
               out.find("quorble") != std::string::npos || out.find("fexlo") != std::string::npos;
  }
  const double rate = static_cast<double>(changed) / static_cast<double>(total);
  INFO("word edit rate " << rate);
  CHECK(rate > 0.02);
  CHECK(rate < 0.065);
  CHECK(inserted);
}

TEST_CASE("damage: the same seed gives the same damage", "[eval][damage]") {
  const std::string src = english(42, 50);
  for (const Damage d : prov::eval::kDamageKinds) {
    detail::Rng a(99), b(99);
    CHECK(detail::apply_damage(d, src, a, {"xq"}) == detail::apply_damage(d, src, b, {"xq"}));
  }
}

TEST_CASE("corpus: every planted range is recorded exactly", "[eval][damage]") {
  prov::test::TempDir dir("eval-corpus");
  detail::SourceWork work;
  work.work_id = std::string(64, 'a');
  work.text = english(77, 900);
  work.tokens = prov::fingerprint::tokenize(work.text);
  REQUIRE(work.tokens.size() > 1000);
  detail::TextPool pool;
  pool.add("A few words of unrelated text, then some more: zebras quarrel in Jakarta.");
  detail::CorpusSpec spec;
  spec.seed = 5;
  spec.passages_per_cell = 3;
  spec.unrelated_bytes = 20'000;
  auto corpus = detail::write_corpus({work}, pool, dir.path(), spec);
  REQUIRE(corpus.ok());
  REQUIRE(corpus->planted.size() == 3 * prov::eval::kDamageKinds.size() * prov::eval::kBuckets.size());
  CHECK(corpus->unrelated_bytes >= 20'000);

  // Read the shards back as a scan would.
  std::map<std::pair<std::size_t, std::uint64_t>, prov::ingest::ShardRecord> records;
  for (std::size_t s = 0; s < corpus->shard_paths.size(); ++s) {
    auto reader = prov::ingest::ShardReader::open(corpus->shard_paths[s]);
    REQUIRE(reader.ok());
    prov::ingest::ShardRecord rec;
    std::vector<prov::Error> errors;
    for (;;) {
      auto more = (*reader)->next(rec, errors);
      REQUIRE(more.ok());
      if (!*more) break;
      records[{s, rec.index}] = rec;
    }
    CHECK(errors.empty());
    CHECK((*reader)->stats().sha256 == corpus->shards[s].sha256);
    CHECK((*reader)->stats().records == corpus->shards[s].records);
    CHECK(prov::sha256_file(corpus->shard_paths[s]).value() == corpus->shards[s].sha256);
  }
  for (const auto& p : corpus->planted) {
    INFO(prov::eval::damage_name(p.damage) << " " << p.words << " words");
    const auto it = records.find({p.shard, p.record});
    REQUIRE(it != records.end());
    CHECK(it->second.doc_id == p.doc_id);
    CHECK(it->second.text == p.text);
    REQUIRE(p.doc_end <= p.text.size());
    const std::string planted = p.text.substr(p.doc_start, p.doc_end - p.doc_start);
    const std::string source = work.text.substr(p.work_start, p.work_end - p.work_start);
    CHECK(!edge_is_space(planted));
    // The work range is whole tokens, p.words of them.
    const auto src_tokens = prov::fingerprint::tokenize(source);
    CHECK(src_tokens.size() == p.words);
    CHECK(p.words >= prov::eval::kBuckets[p.bucket].min_words);
    CHECK(p.words <= prov::eval::kBuckets[p.bucket].max_words);
    switch (p.damage) {
      case Damage::kVerbatim:
        CHECK(planted == source);
        break;
      case Damage::kCasePunct:
      case Damage::kTypography:
        CHECK(hashes(planted) == hashes(source));
        break;
      case Damage::kLinewrap:
        if (source.size() > 80) CHECK(planted.find('\n') != std::string::npos);
        break;
      case Damage::kOcr:
      case Damage::kEditing:
        CHECK(!planted.empty());
        break;
    }
  }
}
