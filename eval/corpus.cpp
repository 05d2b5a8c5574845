// eval/corpus.cpp: the ground-truth corpus: passages cut from the indexed works on token
// boundaries, damaged, wrapped in unrelated natural text, plus wholly unrelated documents,
// written as .jsonl.zst shards.
//
// Planted passages come one per document, so each document (and every match in it) belongs to
// one damage kind and one length bucket, and the truth of every byte is known: the damaged
// passage is exactly [doc_start, doc_end), and all else is text that is in no indexed work.
// Each random choice draws from its own stream (derive_seed), so, e.g., more unrelated text
// never changes which passages are planted.
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "eval/detail/corpus.hpp"

namespace prov::eval::detail {
namespace {

namespace fs = std::filesystem;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Streams one shard through zstd into OUT/shards/NAME.tmp, then renames it, hashing the
// compressed bytes on the way. Input arrives in the same pieces on every run, so the stream
// (and its SHA-256) is the same for the same libzstd.
class ShardWriter {
 public:
  ShardWriter() = default;
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;
  ~ShardWriter() {
    if (file_) std::fclose(file_);
    if (cctx_) ZSTD_freeCCtx(cctx_);
  }

  Status open(const fs::path& path) {
    path_ = path;
    tmp_ = path;
    tmp_ += ".tmp";
    file_ = std::fopen(tmp_.c_str(), "wb");
    if (!file_) return make_error(Errc::kIo, "cannot create file", tmp_.string());
    cctx_ = ZSTD_createCCtx();
    if (!cctx_) return make_error(Errc::kInternal, "zstd: cannot create a context");
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3);
    return Ok{};
  }

  Status add_line(std::string_view line) {
    ++records_;
    pending_ += line;
    pending_ += '\n';
    if (pending_.size() >= (1u << 20)) return push(ZSTD_e_continue);
    return Ok{};
  }

  Result<ShardInfo> finish(std::string relative_path) {
    if (auto st = push(ZSTD_e_end); !st) return std::move(st).error();
    const bool failed = std::fclose(file_) != 0;
    file_ = nullptr;
    if (failed) return make_error(Errc::kIo, "cannot write file", tmp_.string());
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) return make_error(Errc::kIo, "cannot rename: " + ec.message(), path_.string());
    ShardInfo info;
    info.path = std::move(relative_path);
    info.sha256 = sha_.hex();
    info.bytes = bytes_;
    info.records = records_;
    return info;
  }

 private:
  Status push(ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{pending_.data(), pending_.size(), 0};
    std::string buf(ZSTD_CStreamOutSize(), '\0');
    for (;;) {
      ZSTD_outBuffer out{buf.data(), buf.size(), 0};
      const std::size_t left = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(left))
        return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(left));
      if (out.pos > 0) {
        if (std::fwrite(buf.data(), 1, out.pos, file_) != out.pos)
          return make_error(Errc::kIo, "cannot write file", tmp_.string());
        sha_.update(buf.data(), out.pos);
        bytes_ += out.pos;
      }
      const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) break;
    }
    pending_.clear();
    return Ok{};
  }

  fs::path path_, tmp_;
  std::FILE* file_ = nullptr;
  ZSTD_CCtx* cctx_ = nullptr;
  Sha256 sha_;
  std::string pending_;
  std::uint64_t bytes_ = 0, records_ = 0;
};

std::string doc_line(const std::string& id, const std::string& text) {
  JsonWriter w;
  w.begin_object().field("id", id).field("text", text).end_object();
  return w.take();
}

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

std::string doc_id(std::uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "doc-%07llu", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

std::uint64_t TextPool::add(std::string_view text) {
  if (text_.size() >= kMaxBytes) return 0;
  if (text.size() > kMaxBytes - text_.size()) text = text.substr(0, kMaxBytes - text_.size());
  if (!text_.empty()) text_ += "\n\n";
  const std::uint64_t before = starts_.size();
  const std::size_t base = text_.size();
  text_ += text;
  for (std::size_t i = base; i < text_.size(); ++i) {
    if (!is_space(text_[i]) && (i == base || is_space(text_[i - 1])))
      starts_.push_back(static_cast<std::uint32_t>(i));
  }
  return starts_.size() - before;
}

std::string_view TextPool::word(std::uint64_t i) const {
  const std::size_t a = starts_[i];
  std::size_t b = a;
  while (b < text_.size() && !is_space(text_[b])) ++b;
  return std::string_view(text_).substr(a, b - a);
}

std::string TextPool::take(std::uint64_t first, std::uint64_t n) const {
  std::string out;
  if (n == 0 || starts_.empty()) return out;
  first %= starts_.size();
  while (n > 0) {
    const std::uint64_t last = std::min<std::uint64_t>(first + n, starts_.size()) - 1;
    const std::string_view w = word(last);
    const std::size_t end = static_cast<std::size_t>(w.data() - text_.data()) + w.size();
    if (!out.empty()) out += "\n\n";
    out.append(text_, starts_[first], end - starts_[first]);
    n -= last - first + 1;
    first = 0;
  }
  return out;
}

std::vector<std::string> TextPool::sample_words(Rng& rng, std::size_t n) const {
  std::vector<std::string> out;
  if (starts_.empty()) return out;
  // Bounded: a pool without any plain word (say, all CJK) yields none.
  for (std::size_t tries = 0; out.size() < n && tries < 50 * n; ++tries) {
    const std::string_view w = word(rng.below(starts_.size()));
    const bool plain = w.size() >= 2 && w.size() <= 12 &&
                       std::all_of(w.begin(), w.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                       });
    if (plain) out.emplace_back(w);
  }
  return out;
}

Result<Corpus> write_corpus(const std::vector<SourceWork>& works, const TextPool& pool,
                            const fs::path& out, const CorpusSpec& spec) {
  if (works.empty()) return make_error(Errc::kUsage, "no indexed works to plant passages from");
  if (pool.words() == 0) return make_error(Errc::kUsage, "no unrelated text to build documents");
  std::size_t longest = 0;
  for (const auto& w : works) longest = std::max(longest, w.tokens.size());
  if (longest < kBuckets.back().max_words)
    return make_error(Errc::kUsage, "the indexed works are too short: the longest has " +
                                        std::to_string(longest) + " words, passages need " +
                                        std::to_string(kBuckets.back().max_words));

  Rng planting(derive_seed(spec.seed, Stream::kPlanting));
  Rng damage(derive_seed(spec.seed, Stream::kDamage));
  Rng filler(derive_seed(spec.seed, Stream::kFiller));
  Rng unrelated(derive_seed(spec.seed, Stream::kUnrelated));
  Rng layout(derive_seed(spec.seed, Stream::kLayout));
  const std::vector<std::string> insert_words = pool.sample_words(filler, 4000);

  Corpus c;
  // The planted documents, by kind and bucket. Text first; shard and record come with layout.
  for (const Damage kind : kDamageKinds) {
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      for (std::uint32_t n = 0; n < spec.passages_per_cell; ++n) {
        const auto len = static_cast<std::uint32_t>(
            planting.between(kBuckets[b].min_words, kBuckets[b].max_words));
        std::size_t wi = 0;
        do {
          wi = planting.below(works.size());
        } while (works[wi].tokens.size() < len);  // terminates: the longest work qualifies
        const SourceWork& w = works[wi];
        const auto a = planting.below(w.tokens.size() - len + 1);
        Planted p;
        p.work = wi;
        p.work_start = w.tokens[a].start;
        p.work_end = w.tokens[a + len - 1].end;
        p.damage = kind;
        p.bucket = b;
        p.words = len;
        const std::string passage = apply_damage(
            kind, std::string_view(w.text).substr(p.work_start, p.work_end - p.work_start), damage,
            insert_words);
        if (!filler.chance(1, 6)) p.text = pool.take_random(filler, filler.between(20, 400));
        if (!p.text.empty()) p.text += separator(filler);
        p.doc_start = p.text.size();
        p.text += passage;
        p.doc_end = p.text.size();
        if (!filler.chance(1, 6))
          p.text += separator(filler) + pool.take_random(filler, filler.between(20, 400));
        c.filler_bytes += p.text.size() - passage.size();
        c.planted.push_back(std::move(p));
      }
    }
  }

  // Layout: planted documents in a shuffled order, each followed by unrelated documents until
  // the unrelated text keeps pace with the target, dealt round-robin to the shards.
  std::vector<std::size_t> order(c.planted.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[layout.below(i)]);

  std::error_code ec;
  fs::create_directories(out / "shards", ec);
  if (ec)
    return make_error(Errc::kIo, "cannot create directory: " + ec.message(),
                      (out / "shards").string());
  std::vector<std::unique_ptr<ShardWriter>> writers;
  for (std::size_t s = 0; s < spec.shards; ++s) {
    const std::string name = "eval-" + std::to_string(s) + ".jsonl.zst";
    c.shard_paths.push_back((out / "shards" / name).string());
    writers.push_back(std::make_unique<ShardWriter>());
    if (auto st = writers.back()->open(out / "shards" / name); !st) return std::move(st).error();
  }
  std::uint64_t next_doc = 0;
  std::vector<std::uint64_t> records(spec.shards, 0);
  const auto emit = [&](const std::string& text, Planted* p) -> Status {
    const std::size_t s = next_doc % spec.shards;
    const std::string id = doc_id(++next_doc);
    ++records[s];
    if (p) {
      p->shard = s;
      p->record = records[s];
      p->doc_id = id;
    }
    return writers[s]->add_line(doc_line(id, text));
  };
  const auto unrelated_doc = [&]() -> Status {
    const std::string text = pool.take_random(unrelated, unrelated.between(200, 2500));
    ++c.unrelated_documents;
    c.unrelated_bytes += text.size();
    return emit(text, nullptr);
  };
  for (std::size_t k = 0; k < order.size(); ++k) {
    Planted& p = c.planted[order[k]];
    if (auto st = emit(p.text, &p); !st) return std::move(st).error();
    const double due = static_cast<double>(spec.unrelated_bytes) * static_cast<double>(k + 1) /
                       static_cast<double>(order.size());
    while (static_cast<double>(c.unrelated_bytes) < due) {
      if (auto st = unrelated_doc(); !st) return std::move(st).error();
    }
  }
  while (c.unrelated_bytes < spec.unrelated_bytes) {  // no planted documents at all
    if (auto st = unrelated_doc(); !st) return std::move(st).error();
  }
  for (std::size_t s = 0; s < spec.shards; ++s) {
    auto info = writers[s]->finish("shards/eval-" + std::to_string(s) + ".jsonl.zst");
    if (!info) return std::move(info).error();
    c.shards.push_back(std::move(*info));
  }
  return c;
}

std::string truth_jsonl(const Corpus& corpus, const std::vector<SourceWork>& works) {
  std::string out;
  for (const auto& p : corpus.planted) {
    JsonWriter w;
    w.begin_object()
        .field("shard", corpus.shards[p.shard].path)
        .field("record", p.record)
        .field("doc_id", p.doc_id)
        .field("doc_start", p.doc_start)
        .field("doc_end", p.doc_end)
        .field("work_id", works[p.work].work_id)
        .field("work_start", p.work_start)
        .field("work_end", p.work_end)
        .field("damage", damage_name(p.damage))
        .field("bucket", bucket_name(kBuckets[p.bucket]))
        .field("words", static_cast<std::uint64_t>(p.words))
        .end_object();
    out += w.str();
    out += '\n';
  }
  return out;
}

}  // namespace prov::eval::detail
