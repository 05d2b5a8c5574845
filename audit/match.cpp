// audit/match.cpp: one document against the index: seeds, chains, verified passages.
//
// Seeds are the document's sampled shingles found in the index. Per work, seeds are chained
// when they lie on nearly the same diagonal (work_pos - doc_pos) within chain_gap tokens of
// each other; each chain is verified by extending its seeds over the token sequences
// (align.cpp). A chain of one seed is verified only when its shingle is rare in the index, so
// stock phrases shared by many books cost nothing. Overlapping passages of one work (a
// refrain, a chapter quoted twice) are reduced to the best one per document stretch.
// The work side of an extension is a window of the work's text blocks (index format 4), read
// and tokenized on demand through a shared LRU cache, never the whole work: scan memory stays
// fixed however many works the documents hit, and offsets are those of the whole text.
#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

#include "audit/audit.hpp"
#include "audit/detail/align.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::audit {

// Tokenized text blocks of works (index::TextBlockMap), shared by all scan threads, evicted
// least-recently-used by size; the works' block maps (8 bytes a block) are kept for the run.
// Verification reads only the blocks around a candidate passage, so memory is bounded by
// max_bytes however many works the documents hit.
class WorkCache {
 public:
  struct Block {
    std::string text;                        // the block's bytes
    std::uint32_t byte_start = 0;            // their offset in the work's text
    std::uint32_t first_token = 0;
    std::vector<fingerprint::Token> tokens;  // byte offsets into the work's text
    std::vector<std::uint64_t> hashes;
  };
  WorkCache(const index::Index& index, std::uint64_t max_bytes) : index_(index), max_bytes_(max_bytes) {}

  Result<std::shared_ptr<const index::TextBlockMap>> map(std::uint32_t work) {
    {
      std::lock_guard lock(mu_);
      if (auto it = maps_.find(work); it != maps_.end()) return it->second;
    }
    auto m = index_.text_blocks(work);
    if (!m) return std::move(m).error();
    auto p = std::make_shared<const index::TextBlockMap>(std::move(m).value());
    std::lock_guard lock(mu_);
    return maps_.emplace(work, p).first->second;
  }

  // Block b of a work, read and tokenized without entering the cache (token offsets relative
  // to the block): for single-seed checks, which nearly all fail and would only evict the
  // blocks of real passages. block() fills its cache entries with it.
  Status peek(std::uint32_t work, const index::TextBlockMap& m, std::uint32_t b, Block& out) const {
    auto text = index_.text_block(work, b);
    if (!text) return std::move(text).error();
    out.text = std::move(text).value();
    out.byte_start = m.blocks[b].byte_start;
    out.first_token = m.blocks[b].first_token;
    fingerprint::tokenize(out.text, out.tokens);
    out.hashes.clear();
    for (const auto& t : out.tokens) out.hashes.push_back(t.hash);
    return Ok{};
  }

  Result<std::shared_ptr<const Block>> block(std::uint32_t work, const index::TextBlockMap& m, std::uint32_t b) {
    const std::uint64_t key = (std::uint64_t{work} << 32) | b;
    {
      std::lock_guard lock(mu_);
      if (auto it = map_.find(key); it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.pos);
        return it->second.entry;
      }
    }
    auto e = std::make_shared<Block>();
    if (auto st = peek(work, m, b, *e); !st) return std::move(st).error();
    return insert(key, m, b, std::move(e));
  }

  // Enters a block that peek() read (a single-seed check that goes on to the full path reads
  // the same block next): the same entry block() would make, without reading it again.
  void offer(std::uint32_t work, const index::TextBlockMap& m, std::uint32_t b, Block&& blk) {
    const std::uint64_t key = (std::uint64_t{work} << 32) | b;
    {
      std::lock_guard lock(mu_);
      if (map_.count(key)) return;
    }
    (void)insert(key, m, b, std::make_shared<Block>(std::move(blk)));
  }

 private:
  Result<std::shared_ptr<const Block>> insert(std::uint64_t key, const index::TextBlockMap& m, std::uint32_t b,
                                              std::shared_ptr<Block> e) {
    const auto work = static_cast<std::uint32_t>(key >> 32);
    const std::uint32_t want = (b + 1 < m.blocks.size() ? m.blocks[b + 1].first_token : m.tokens) - e->first_token;
    if (e->tokens.size() != want)
      return make_error(Errc::kFormat, "text block " + std::to_string(b) + " of work " + std::to_string(work) +
                                           " does not tokenize to its " + std::to_string(want) + " tokens",
                        index_.dir().string());
    for (auto& t : e->tokens) {  // offsets in the whole text
      t.start += e->byte_start;
      t.end += e->byte_start;
    }
    const std::uint64_t size = e->text.size() + e->tokens.size() * (sizeof(fingerprint::Token) + 8) + 128;
    std::lock_guard lock(mu_);
    if (auto it = map_.find(key); it != map_.end()) return it->second.entry;  // raced
    lru_.push_front(key);
    map_[key] = Slot{e, lru_.begin(), size};
    bytes_ += size;
    while (bytes_ > max_bytes_ && lru_.size() > 1) {
      const std::uint64_t victim = lru_.back();
      lru_.pop_back();
      bytes_ -= map_[victim].size;
      map_.erase(victim);
    }
    return std::shared_ptr<const Block>(e);
  }

  struct Slot {
    std::shared_ptr<const Block> entry;
    std::list<std::uint64_t>::iterator pos;
    std::uint64_t size = 0;
  };
  const index::Index& index_;
  std::uint64_t max_bytes_;
  std::mutex mu_;
  std::unordered_map<std::uint32_t, std::shared_ptr<const index::TextBlockMap>> maps_;
  std::list<std::uint64_t> lru_;  // (work << 32 | block), most recent first
  std::unordered_map<std::uint64_t, Slot> map_;
  std::uint64_t bytes_ = 0;
};

std::shared_ptr<WorkCache> make_work_cache(const index::Index& index, std::uint64_t max_bytes) {
  return std::make_shared<WorkCache>(index, max_bytes);
}

namespace {

// The stretch of one work that verifying one document has needed so far: consecutive text
// blocks [b0_, b1_), their tokens and hashes. seq() reads work token hashes by absolute
// position and grows the window (blocks ahead or behind, at least doubling it) when an
// extension walks off its edge. A block that cannot be read leaves status() failed and the
// position reads as a hash no text has, so the extension stops there.
class WorkWindow {
 public:
  WorkWindow(WorkCache& cache, std::uint32_t work, std::shared_ptr<const index::TextBlockMap> map)
      : cache_(cache), work_(work), map_(std::move(map)) {
    seq_.size = map_->tokens;
    seq_.miss = [this](std::uint32_t pos) { return miss(pos); };
  }
  WorkWindow(const WorkWindow&) = delete;
  WorkWindow& operator=(const WorkWindow&) = delete;

  const detail::TokenSeq& seq() const { return seq_; }
  std::uint32_t size() const { return map_->tokens; }
  const Status& status() const { return status_; }
  // Loads the blocks holding tokens [lo, hi) (hi <= size()). A range next to the held one
  // extends it (by at least its own size, so a long extension costs O(n) copying); a range
  // away from it (another chain) replaces it.
  void ensure(std::uint32_t lo, std::uint32_t hi) {
    if (hi <= lo || (lo >= seq_.lo && hi <= seq_.hi)) return;
    std::uint32_t b0 = block_of(lo), b1 = block_of(hi - 1) + 1;
    if (b1_ > b0_ && b0 <= b1_ && b1 >= b0_) {
      const std::uint32_t held = b1_ - b0_;
      const auto blocks = static_cast<std::uint32_t>(map_->blocks.size());
      if (b0 < b0_) b0 = std::min(b0, b0_ > held ? b0_ - held : 0u);
      if (b1 > b1_) b1 = std::max(b1, std::min(b1_ + held, blocks));
      b0 = std::min(b0, b0_);
      b1 = std::max(b1, b1_);
    }
    load(b0, b1);
  }
  // Token at an absolute position inside the window.
  const fingerprint::Token& token(std::uint32_t pos) {
    if (pos - seq_.lo >= seq_.hi - seq_.lo) ensure(pos, pos + 1);
    if (pos - seq_.lo >= seq_.hi - seq_.lo) return kNone;
    return tokens_data_[pos - seq_.lo];
  }
  std::string_view word(std::uint32_t pos) {
    const auto& t = token(pos);
    if (t.end <= t.start) return {};
    return text_view_.substr(t.start - byte_lo_, t.end - t.start);
  }

 private:
  static constexpr fingerprint::Token kNone{};
  std::uint32_t block_of(std::uint32_t pos) const {
    const auto& bl = map_->blocks;
    const auto it = std::upper_bound(bl.begin(), bl.end(), pos,
                                     [](std::uint32_t p, const index::TextBlock& b) { return p < b.first_token; });
    return static_cast<std::uint32_t>(it - bl.begin()) - 1;
  }
  std::uint64_t miss(std::uint32_t pos) {
    if (pos < seq_.size && status_) ensure(pos, pos + 1);
    if (pos - seq_.lo < seq_.hi - seq_.lo) return seq_.data[pos - seq_.lo];
    return ~0ull ^ pos;  // unreadable: the extension stops, and the document reports the error
  }
  void load(std::uint32_t b0, std::uint32_t b1) {
    std::vector<std::shared_ptr<const WorkCache::Block>> blocks;
    for (std::uint32_t b = b0; b < b1; ++b) {
      if (b >= b0_ && b < b1_) {
        blocks.push_back(blocks_[b - b0_]);
        continue;
      }
      auto e = cache_.block(work_, *map_, b);
      if (!e) {
        status_ = std::move(e).error();
        return;
      }
      blocks.push_back(std::move(e).value());
    }
    blocks_ = std::move(blocks);
    b0_ = b0;
    b1_ = b1;
    byte_lo_ = blocks_.front()->byte_start;
    if (blocks_.size() == 1) {  // the common case: point into the cached block
      const auto& e = *blocks_.front();
      seq_.data = e.hashes.data();
      tokens_data_ = e.tokens.data();
      text_view_ = e.text;
      seq_.lo = e.first_token;
      seq_.hi = seq_.lo + static_cast<std::uint32_t>(e.hashes.size());
      return;
    }
    hashes_.clear();
    tokens_.clear();
    text_.clear();
    for (const auto& e : blocks_) {
      hashes_.insert(hashes_.end(), e->hashes.begin(), e->hashes.end());
      tokens_.insert(tokens_.end(), e->tokens.begin(), e->tokens.end());
      text_ += e->text;
    }
    seq_.data = hashes_.data();
    tokens_data_ = tokens_.data();
    text_view_ = text_;
    seq_.lo = blocks_.front()->first_token;
    seq_.hi = seq_.lo + static_cast<std::uint32_t>(hashes_.size());
  }

  WorkCache& cache_;
  std::uint32_t work_;
  std::shared_ptr<const index::TextBlockMap> map_;
  detail::TokenSeq seq_;
  Status status_ = Ok{};
  std::uint32_t b0_ = 0, b1_ = 0;
  std::vector<std::shared_ptr<const WorkCache::Block>> blocks_;
  std::vector<std::uint64_t> hashes_;
  std::vector<fingerprint::Token> tokens_;
  std::string text_;
  const fingerprint::Token* tokens_data_ = nullptr;  // tokens_ or the one block's tokens
  std::string_view text_view_;                      // text_ or the one block's text
  std::uint32_t byte_lo_ = 0;
};

}  // namespace

namespace {

struct Hit {
  std::uint32_t d = 0, w = 0;
  std::uint32_t occurrences = 0;  // postings of this shingle in the whole index
  std::uint32_t works = 0;        // distinct works holding it
};

struct Chain {
  std::vector<Hit> hits;
};

// Are two words the same word after OCR damage or a spelling change? Levenshtein distance over
// ASCII-lower-cased bytes, at most 1 for words of up to 4 bytes and 2 for longer ones, and
// never for words shorter than 3 bytes ("of"/"on" are different words, not damage), except a
// word of 1 or 2 bytes that is a word one byte longer less one letter ("te"/"the", "II"/"I").
// Returns 2 for one edit in a word of 5+ bytes, 1 for other similar pairs, 0 otherwise.
int similar_words(std::string_view a, std::string_view b) {
  const std::size_t la = a.size(), lb = b.size();
  const auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  if (std::min(la, lb) == 1 && std::max(la, lb) == 2) {  // "II"/"I", "aa"/"a", "b"/"be"
    const std::string_view s = la == 1 ? a : b, l = la == 1 ? b : a;
    return (low(s[0]) == low(l[0]) || low(s[0]) == low(l[1])) ? 1 : 0;
  }
  if (std::min(la, lb) == 2 && std::max(la, lb) == 3) {
    // A three-letter word that lost a letter ("te"/"the", "nd"/"and", "hr"/"her"): OCR's
    // most common damage to short words. Only as a substitution inside a passage (1), never
    // an end, so "of"/"on"-like pairs of real words cannot stretch a passage by themselves.
    const std::string_view s = la == 2 ? a : b, l = la == 2 ? b : a;
    const bool sub = (low(s[0]) == low(l[0]) && (low(s[1]) == low(l[1]) || low(s[1]) == low(l[2]))) ||
                     (low(s[0]) == low(l[1]) && low(s[1]) == low(l[2]));
    return sub ? 1 : 0;
  }
  if (std::min(la, lb) < 3 || std::max(la, lb) > 40) return 0;
  const std::size_t limit = std::max(la, lb) <= 4 ? 1 : 2;
  if ((la > lb ? la - lb : lb - la) > limit) return 0;
  std::size_t prev[41], cur[41];
  for (std::size_t j = 0; j <= lb; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= la; ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= lb; ++j) {
      const std::size_t sub = prev[j - 1] + (low(a[i - 1]) == low(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return 0;
    std::copy(cur, cur + lb + 1, prev);
  }
  if (prev[lb] > limit) return 0;
  return (prev[lb] <= 1 && std::max(la, lb) >= 5) ? 2 : 1;
}

// Groups hits (sorted by doc position) into colinear chains.
std::vector<Chain> chain_hits(const std::vector<Hit>& hits, const MatchParams& p) {  // sorted by (d, w)
  std::vector<Chain> chains;
  std::vector<std::size_t> open;  // indices into chains
  for (const Hit& h : hits) {
    std::size_t best = SIZE_MAX;
    std::int64_t best_dev = 0;
    for (std::size_t k = 0; k < open.size();) {
      const Hit& last = chains[open[k]].hits.back();
      if (h.d - last.d > p.chain_gap) {  // too far behind: close it
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
        continue;
      }
      const auto dd = static_cast<std::int64_t>(h.d) - last.d;
      const auto dw = static_cast<std::int64_t>(h.w) - last.w;
      const std::int64_t dev = std::abs(dw - dd);
      const std::int64_t tol = 8 + dd / 8;
      if (dw >= 0 && dev <= tol && (best == SIZE_MAX || dev < best_dev)) {
        best = open[k];
        best_dev = dev;
      }
      ++k;
    }
    if (best == SIZE_MAX) {
      chains.push_back(Chain{{h}});
      open.push_back(chains.size() - 1);
    } else {
      chains[best].hits.push_back(h);
    }
  }
  return chains;
}

// A chain of one seed is a passage only if extending that seed covers min_words document
// tokens, and nearly all such seeds are chance agreements of a rare shingle (on the benchmark,
// 3 of 55,000 become passages). So the extension is first run on the seed's own text block
// alone, read without entering the cache. If it never asked for a token outside the block, its
// result is the one the full path would reach (same seed, same floors, same scoring), and a
// short one rejects the chain for the price of one block read. Returns true when the chain
// must go on to the full path: the extension is long enough, or it reached the block's edge.
Result<bool> lone_seed_may_extend(WorkCache& cache, std::uint32_t work, const index::TextBlockMap& m,
                                  const Hit& h, const detail::TokenSeq& doc_seq,
                                  const std::vector<fingerprint::Token>& tokens, std::string_view text,
                                  const MatchParams& params, std::uint32_t k, const detail::AlignParams& ap) {
  thread_local WorkCache::Block blk;
  const auto& bl = m.blocks;
  const auto it = std::upper_bound(bl.begin(), bl.end(), h.w,
                                   [](std::uint32_t p, const index::TextBlock& b) { return p < b.first_token; });
  const auto b = static_cast<std::uint32_t>(it - bl.begin()) - 1;
  const std::uint32_t end = b + 1 < bl.size() ? bl[b + 1].first_token : m.tokens;
  if (h.w + k > end) return true;  // the seed spans two blocks
  if (auto st = cache.peek(work, m, b, blk); !st) return std::move(st).error();
  if (blk.hashes.size() != end - blk.first_token) return true;  // the full path reports it
  bool outside = false;
  detail::TokenSeq seq;
  seq.data = blk.hashes.data();
  seq.lo = blk.first_token;
  seq.hi = end;
  seq.size = m.tokens;
  seq.miss = [&outside](std::uint32_t pos) {
    outside = true;
    return ~0ull ^ pos;
  };
  const std::string_view block_text = blk.text;
  const detail::Similar similar = [&](std::uint32_t dp, std::uint32_t wp) {
    if (wp - seq.lo >= seq.hi - seq.lo) {
      outside = true;
      return 0;
    }
    const auto& dt = tokens[dp];
    const auto& wt = blk.tokens[wp - seq.lo];
    return similar_words(text.substr(dt.start, dt.end - dt.start), block_text.substr(wt.start, wt.end - wt.start));
  };
  const auto s = detail::extend_seed(doc_seq, seq, h.d, h.w, k, ap, 0, 0, &similar);
  if (outside || s.d1 - s.d0 >= params.min_words) {
    cache.offer(work, m, b, std::move(blk));  // the full path reads this block first
    return true;
  }
  return false;
}

}  // namespace

Result<std::vector<Passage>> match_document(const index::Index& index, std::string_view text,
                                            const MatchParams& params, WorkCache& cache,
                                            std::vector<fingerprint::Token>* tokens_out,
                                            std::vector<std::uint64_t>* shingles_out, std::size_t* hit_keys_out) {
  std::vector<Passage> out;
  if (hit_keys_out) *hit_keys_out = kHitsUnknown;
  const auto& fp = index.params();
  std::vector<fingerprint::Token> local_tokens;
  std::vector<fingerprint::Token>& tokens = tokens_out ? *tokens_out : local_tokens;
  std::vector<std::uint64_t> local_shingles;
  std::vector<std::uint64_t>& shingles = shingles_out ? *shingles_out : local_shingles;
  fingerprint::tokenize(text, tokens);
  if (tokens.size() < fp.k || tokens.size() < params.min_words) {
    shingles.clear();
    return out;
  }
  // Every shingle hash once (near-duplicate sketching needs them all); the samples are the
  // ones below the threshold, exactly as fingerprint::sample() picks them.
  thread_local std::vector<std::uint64_t> doc_hashes;  // the tokens' hashes, side by side
  fingerprint::token_hashes(tokens, doc_hashes);
  fingerprint::shingle_hashes(doc_hashes, fp.k, shingles);
  // Per-thread scratch: most documents hit nothing, and their cost should be the lookups alone.
  thread_local std::vector<std::uint32_t> sample_pos;
  thread_local std::vector<std::uint64_t> keys;
  thread_local index::PostingLists postings;
  thread_local std::vector<std::pair<std::uint32_t, Hit>> work_hits;  // (work, hit)
  work_hits.clear();
  if (sample_pos.size() < shingles.size() + 8) {  // only grown: resize() would zero-fill each time
    sample_pos.resize(shingles.size() + 8);
    keys.resize(shingles.size() + 8);
  }
  const std::size_t n_keys = fingerprint::sampled(shingles.data(), shingles.size(), fp, sample_pos.data(), keys.data());
  if (hit_keys_out) *hit_keys_out = 0;
  if (n_keys == 0) return out;
  if (auto st = index.lookup(keys.data(), n_keys, postings); !st) return std::move(st).error();

  const std::size_t hit_keys = postings.hits.size();
  for (const std::uint32_t i : postings.hits) {
    const std::size_t occ = postings.count(i);
    if (occ > params.max_postings) continue;
    const index::Posting* list = postings.begin(i);
    std::uint32_t distinct = 0;  // postings are sorted by work
    for (std::size_t j = 0; j < occ; ++j) distinct += (j == 0 || list[j].work != list[j - 1].work);
    for (std::size_t j = 0; j < occ; ++j)
      work_hits.emplace_back(list[j].work, Hit{sample_pos[i], list[j].pos, static_cast<std::uint32_t>(occ), distinct});
  }
  if (hit_keys_out) *hit_keys_out = hit_keys;
  if (work_hits.empty()) return out;
  // Works in number order, so the work of verification is the same on every run.
  std::sort(work_hits.begin(), work_hits.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second.d != b.second.d ? a.second.d < b.second.d : a.second.w < b.second.w;
  });

  const detail::TokenSeq doc_seq = detail::TokenSeq::whole(doc_hashes);
  const detail::AlignParams ap{params.max_gap, params.xdrop, params.resync_run};

  // A chain of one hit whose shingle is too common to be checked alone: skipped, both before
  // chains are built (a work hit once) and among a work's chains.
  const auto stock_lone = [&](std::size_t n, const Hit& first) { return n == 1 && first.occurrences > params.rare_postings; };
  thread_local std::vector<Hit> hits;
  for (std::size_t g = 0; g < work_hits.size();) {
    const std::uint32_t work = work_hits[g].first;
    const std::size_t g0 = g;
    while (g < work_hits.size() && work_hits[g].first == work) ++g;
    // The common case in unrelated text: one hit of a stock shingle in this work, which would
    // make a chain of one seed that is not rare enough to check (below). Skipped here without
    // building chains: the same outcome, minus five allocations a hit.
    if (stock_lone(g - g0, work_hits[g0].second)) continue;
    hits.clear();
    for (std::size_t i = g0; i < g; ++i) hits.push_back(work_hits[i].second);
    auto chains = chain_hits(hits, params);
    std::shared_ptr<const index::TextBlockMap> map;
    std::unique_ptr<WorkWindow> win;
    std::vector<Passage> found;
    for (const Chain& c : chains) {
      if (stock_lone(c.hits.size(), c.hits[0])) continue;
      if (!map) {
        auto m = cache.map(work);
        if (!m) return std::move(m).error();
        map = std::move(m).value();
      }
      if (c.hits.size() == 1) {
        auto go_on = lone_seed_may_extend(cache, work, *map, c.hits[0], doc_seq, tokens, text, params, fp.k, ap);
        if (!go_on) return std::move(go_on).error();
        if (!*go_on) continue;
      }
      if (!win) win = std::make_unique<WorkWindow>(cache, work, map);
      {  // the blocks under the chain's seeds, in one load
        std::uint32_t lo = UINT32_MAX, hi = 0;
        for (const Hit& h : c.hits) {
          lo = std::min(lo, h.w);
          hi = std::max(hi, h.w + fp.k);
        }
        win->ensure(lo, std::min(hi, win->size()));
      }
      const detail::Similar similar = [&](std::uint32_t dp, std::uint32_t wp) {
        const auto& dt = tokens[dp];
        return similar_words(text.substr(dt.start, dt.end - dt.start), win->word(wp));
      };
      // Extend from each seed not already inside a segment of this chain; join segments
      // that the extension could not bridge but that lie on the same alignment.
      std::vector<detail::Segment> segs;
      for (const Hit& h : c.hits) {
        if (h.w + fp.k > win->size()) continue;  // stale posting (cannot happen in a sound index)
        if (!segs.empty() && h.d < segs.back().d1 && h.w < segs.back().w1) continue;
        const std::uint32_t d_floor = segs.empty() ? 0 : segs.back().d1;
        const std::uint32_t w_floor = segs.empty() ? 0 : segs.back().w1;
        if (h.d < d_floor || h.w < w_floor) continue;
        const auto s = detail::extend_seed(doc_seq, win->seq(), h.d, h.w, fp.k, ap, d_floor, w_floor, &similar);
        if (s.d1 <= s.d0) continue;
        segs.push_back(s);
      }
      // Merge consecutive segments separated by short gaps (a damaged stretch of a copy).
      std::vector<detail::Segment> merged;
      for (const auto& s : segs) {
        if (!merged.empty()) {
          auto& m = merged.back();
          const std::uint32_t gd = s.d0 - m.d1, gw = s.w0 >= m.w1 ? s.w0 - m.w1 : UINT32_MAX;
          if (gw != UINT32_MAX && std::max(gd, gw) <= 4 * params.max_gap) {
            m.d1 = s.d1;
            m.w1 = s.w1;
            m.matched += s.matched;
            m.columns += s.columns + std::max(gd, gw);
            continue;
          }
        }
        merged.push_back(s);
      }
      for (const auto& s : merged) {
        if (s.d1 - s.d0 < params.min_words) continue;
        Passage p;
        p.work = work;
        p.doc_tok_start = s.d0;
        p.doc_tok_end = s.d1;
        p.work_tok_start = s.w0;
        p.work_tok_end = s.w1;
        p.doc_start = tokens[s.d0].start;
        p.doc_end = tokens[s.d1 - 1].end;
        p.work_start = win->token(s.w0).start;
        p.work_end = win->token(s.w1 - 1).end;
        p.matched = s.matched;
        p.columns = s.columns;
        for (const Hit& h : c.hits) {
          if (h.d < s.d0 || h.d >= s.d1) continue;
          ++p.seeds;
          p.common_seeds += h.works >= params.boilerplate_works;
        }
        p.boilerplate = p.seeds > 0 && 2 * p.common_seeds >= p.seeds;
        found.push_back(p);
      }
    }
    if (win && !win->status()) return win->status().error();
    // Keep the best of passages that cover mostly the same document tokens.
    std::sort(found.begin(), found.end(), [](const Passage& a, const Passage& b) {
      if (a.matched != b.matched) return a.matched > b.matched;
      if (a.doc_tok_start != b.doc_tok_start) return a.doc_tok_start < b.doc_tok_start;
      return a.work_tok_start < b.work_tok_start;
    });
    std::vector<Passage> kept;
    for (const auto& p : found) {
      bool dup = false;
      for (const auto& q : kept) {
        const std::uint32_t lo = std::max(p.doc_tok_start, q.doc_tok_start);
        const std::uint32_t hi = std::min(p.doc_tok_end, q.doc_tok_end);
        if (hi > lo && 2 * (hi - lo) > (p.doc_tok_end - p.doc_tok_start)) dup = true;
      }
      if (!dup) kept.push_back(p);
    }
    out.insert(out.end(), kept.begin(), kept.end());
  }
  std::sort(out.begin(), out.end(), [](const Passage& a, const Passage& b) {
    return a.doc_start != b.doc_start ? a.doc_start < b.doc_start : a.work < b.work;
  });
  return out;
}

}  // namespace prov::audit
