// demo/plant.cpp: training shards with passages of the works planted in filler, and the truth.
//
// A passage is cut from a work's text as the index extracted it, on token boundaries
// ([tokens[a].start, tokens[b-1].end)), so its work offsets are exact by construction. It is
// planted as is, lower-cased and re-punctuated, or hard-wrapped; each variant keeps the
// passage's normalised tokens (checked here, so a broken transform fails loudly instead of
// showing up as a matcher miss). The words around a passage come from the filler vocabulary,
// which shares no word with the works, so the exact extent of every passage is well defined.
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>

#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "demo/detail/corpus.hpp"

namespace prov::demo::detail {
namespace {

// Punctuation the case_punct variant may drop or change; apostrophes are left alone because
// they sit inside words ("don't").
constexpr std::array<std::string_view, 13> kPunct = {
    ",",
    ";",
    ":",
    ".",
    "!",
    "?",
    "\"",
    "(",
    ")",
    "&",
    "\xE2\x80\x94",   // em dash
    "\xE2\x80\x9C",   // left double quotation mark
    "\xE2\x80\x9D"};  // right double quotation mark

std::size_t punct_at(std::string_view s, std::size_t i) {
  for (const auto p : kPunct)
    if (s.compare(i, p.size(), p) == 0) return p.size();
  return 0;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// "end.Then", "a:b", "3,5": UAX #29 keeps (some of) these one word; leave such marks alone.
bool inside_word(std::string_view s, std::size_t i) {
  return i > 0 && i + 1 < s.size() && is_alnum(s[i - 1]) && is_alnum(s[i + 1]) &&
         (s[i] == '.' || s[i] == ':' || s[i] == ',' || s[i] == ';');
}

std::vector<std::uint64_t> token_hashes(std::string_view text) {
  std::vector<std::uint64_t> out;
  for (const auto& t : fingerprint::tokenize(text)) out.push_back(t.hash);
  return out;
}

enum class IdKind { kString, kNumber, kNone };

struct ShardSpec {
  const char* file;
  IdKind ids;
};

// Scan order. Each shard exercises one reader path and one doc_id rule of the contract.
constexpr std::array<ShardSpec, 3> kShards = {{{"web-a.jsonl", IdKind::kString},
                                               {"web-b.jsonl.gz", IdKind::kNumber},
                                               {"web-c.jsonl.zst", IdKind::kNone}}};

constexpr std::array<const char*, 3> kVariants = {"verbatim", "case_punct", "rewrapped"};

struct Pick {
  std::size_t work = 0;
  std::uint32_t a = 0, b = 0;  // token range [a, b)
};

// Same-work passages in one document stay this many tokens apart in the work, so that each
// planted passage is one reportable passage, not a fragment of a longer one.
constexpr std::uint32_t kMinWorkGap = 60;

std::string separator(Rng& rng) {
  switch (rng.below(4)) {
    case 0:
      return "\n";
    case 1:
      return "\n\n";
    default:
      return " ";
  }
}

}  // namespace

std::string lower_and_repunctuate(std::string_view passage, Rng& rng) {
  static constexpr std::array<std::string_view, 3> kReplacements = {",", ";", " -"};
  std::string out;
  out.reserve(passage.size());
  std::size_t i = 0;
  while (i < passage.size()) {
    const char c = passage[i];
    const std::size_t n = inside_word(passage, i) ? 0 : punct_at(passage, i);
    if (n == 0) {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      ++i;
      continue;
    }
    const std::uint64_t action = rng.below(4);  // 0-1 drop, 2 replace, 3 keep
    i += n;
    if (action == 3) {
      out.append(passage.substr(i - n, n));
      continue;
    }
    if (action == 2) out += kReplacements[rng.below(kReplacements.size())];
    // Never join two words: "a—b" or "end.“Next" would become one token without a space
    // (and "a:b", "a.b" are single words under UAX #29).
    const bool word_before = !out.empty() && !is_space(out.back());
    const bool word_after =
        i < passage.size() && !is_space(passage[i]) && punct_at(passage, i) == 0;
    if (word_before && word_after) out.push_back(' ');
  }
  return out;
}

std::string rewrap(std::string_view passage, std::size_t columns) {
  std::string out;
  out.reserve(passage.size());
  std::size_t col = 0;
  std::size_t i = 0;
  while (i < passage.size()) {
    while (i < passage.size() && is_space(passage[i])) ++i;
    std::size_t j = i;
    while (j < passage.size() && !is_space(passage[j])) ++j;
    if (j == i) break;
    const std::size_t len = j - i;
    if (col > 0 && col + 1 + len > columns) {
      out.push_back('\n');
      col = 0;
    } else if (col > 0) {
      out.push_back(' ');
      ++col;
    }
    out.append(passage.substr(i, len));
    col += len;
    i = j;
  }
  return out;
}

Result<std::string> gzip(std::string_view bytes) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper (mtime 0, no name), as `gzip -n` would write.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error(Errc::kInternal, "zlib: deflateInit2 failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(bytes.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error(Errc::kInternal, "zlib: deflate did not finish");
  return out;
}

Result<std::string> zstd(std::string_view bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 3);
  if (ZSTD_isError(n))
    return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string truth_jsonl(const std::vector<PlantedPassage>& truth) {
  std::string out;
  for (const auto& p : truth) {
    JsonWriter w;
    w.begin_object()
        .field("shard", p.shard)
        .field("doc_id", p.doc_id)
        .field("doc_start", p.doc_start)
        .field("doc_end", p.doc_end)
        .field("work_id", p.work_id)
        .field("work_path", p.work_path)
        .field("work_start", p.work_start)
        .field("work_end", p.work_end)
        .field("variant", p.variant)
        .field("words", static_cast<std::uint64_t>(p.words))
        .end_object();
    out += w.str();
    out += '\n';
  }
  return out;
}

Result<ShardSet> write_shards(const std::vector<IndexedWork>& works,
                              const std::filesystem::path& dir, std::uint64_t seed) {
  if (works.empty()) return make_error(Errc::kInternal, "no indexed works to plant from");
  for (const auto& w : works) {
    if (w.tokens.size() < 400)
      return make_error(Errc::kInternal, "work too short to plant from", w.path);
  }
  const Vocabulary filler_vocab = filler_vocabulary(seed);
  const Vocabulary work_vocab = work_vocabulary(seed);
  ProseStyle filler_style;
  filler_style.contractions = false;  // contractions are English words: work vocabulary
  filler_style.said = filler_vocab.function.front();
  ProseGenerator filler(filler_vocab, derive_seed(seed, Stream::kFiller), filler_style);
  // Decoys: fresh prose in the works' own vocabulary, in documents with nothing planted. They
  // share words and short phrases with every work but no passage, which is what precision is
  // about.
  ProseGenerator decoy(work_vocab, derive_seed(seed, Stream::kDecoy), ProseStyle{});
  Rng rng(derive_seed(seed, Stream::kPlanting));
  Rng transform_rng(derive_seed(seed, Stream::kTransform));

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::kIo, "cannot create directory: " + ec.message(), dir.string());

  ShardSet set;
  for (const auto& spec : kShards) {
    const std::string shard_path = (dir / spec.file).string();
    const std::uint64_t docs = rng.between(18, 24);
    std::string jsonl;
    for (std::uint64_t d = 1; d <= docs; ++d) {
      std::string doc_id;
      switch (spec.ids) {
        case IdKind::kString:
          doc_id = "a-" + std::string(d < 10 ? "000" : "00") + std::to_string(d);
          break;
        case IdKind::kNumber:
          doc_id = std::to_string(7000 + d);
          break;
        case IdKind::kNone:
          doc_id = std::to_string(d);
          break;  // the 1-based line number
      }
      std::string text;
      std::vector<PlantedPassage> planted;
      if (rng.chance(1, 2)) {
        // 1-3 passages, kept apart in the work when they come from the same one.
        std::vector<Pick> picks;
        const std::uint64_t count = rng.between(1, 3);
        for (std::uint64_t k = 0; k < count; ++k) {
          for (int attempt = 0; attempt < 20; ++attempt) {
            Pick p;
            p.work = rng.below(works.size());
            const auto ntok = static_cast<std::uint32_t>(works[p.work].tokens.size());
            const auto len = static_cast<std::uint32_t>(30 + rng.skewed(271));
            p.a = static_cast<std::uint32_t>(rng.below(ntok - len + 1));
            p.b = p.a + len;
            const bool clash = std::any_of(picks.begin(), picks.end(), [&](const Pick& q) {
              return q.work == p.work && p.a < q.b + kMinWorkGap && q.a < p.b + kMinWorkGap;
            });
            if (!clash) {
              picks.push_back(p);
              break;
            }
          }
        }
        const bool lead = !rng.chance(1, 6);   // filler before the first passage
        const bool trail = !rng.chance(1, 6);  // filler after the last one
        if (lead) text = filler.text(rng.between(15, 150), true);
        for (std::size_t k = 0; k < picks.size(); ++k) {
          const Pick& p = picks[k];
          const IndexedWork& w = works[p.work];
          const std::uint64_t ws = w.tokens[p.a].start;
          const std::uint64_t we = w.tokens[p.b - 1].end;
          const std::string_view source = std::string_view(w.text).substr(ws, we - ws);
          const char* variant = kVariants[rng.below(kVariants.size())];
          std::string passage;
          if (std::string_view(variant) == "verbatim") {
            passage = std::string(source);
          } else if (std::string_view(variant) == "case_punct") {
            passage = lower_and_repunctuate(source, transform_rng);
          } else {
            passage = rewrap(source, 60);
          }
          if (token_hashes(passage) != token_hashes(source))
            return make_error(
                Errc::kInternal,
                std::string("demo: the ") + variant + " variant changed the words of a passage",
                w.path);
          if (!text.empty()) text += separator(rng);
          PlantedPassage pp;
          pp.shard = shard_path;
          pp.doc_id = doc_id;
          pp.doc_start = text.size();
          text += passage;
          pp.doc_end = text.size();
          pp.work_id = w.work_id;
          pp.work_path = w.path;
          pp.work_start = ws;
          pp.work_end = we;
          pp.variant = variant;
          pp.words = p.b - p.a;
          planted.push_back(std::move(pp));
          if (k + 1 < picks.size())
            text += separator(rng) + filler.text(rng.between(12, 120), true);
        }
        if (trail) text += separator(rng) + filler.text(rng.between(15, 150), true);
      } else if (rng.chance(1, 3)) {
        text = decoy.text(rng.between(80, 400), true);
      } else {
        text = filler.text(rng.between(60, 500), true);
      }

      JsonWriter jw;
      jw.begin_object();
      switch (spec.ids) {
        case IdKind::kString:
          jw.field("id", doc_id).field("url", "https://forum.example.org/t/" + std::to_string(d));
          break;
        case IdKind::kNumber:
          jw.field("id", static_cast<std::uint64_t>(7000 + d)).field("lang", "en");
          break;
        case IdKind::kNone:
          break;
      }
      jw.field("text", text);
      if (spec.ids == IdKind::kNone) {
        jw.key("meta").begin_object().field("source", "demo-crawl").end_object();
      }
      jw.end_object();
      jsonl += jw.str();
      jsonl += '\n';
      for (auto& p : planted) set.truth.push_back(std::move(p));
    }
    std::string bytes;
    const std::string_view file = spec.file;
    if (file.ends_with(".gz")) {
      auto z = gzip(jsonl);
      if (!z) return std::move(z).error();
      bytes = std::move(*z);
    } else if (file.ends_with(".zst")) {
      auto z = zstd(jsonl);
      if (!z) return std::move(z).error();
      bytes = std::move(*z);
    } else {
      bytes = std::move(jsonl);
    }
    if (auto st = write_file_atomic(shard_path, bytes); !st) return std::move(st).error();
    set.paths.push_back(shard_path);
  }
  return set;
}

}  // namespace prov::demo::detail
