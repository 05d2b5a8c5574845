// audit/match.cpp: one document against the index: seeds, chains, verified passages.
//
// Seeds are the document's sampled shingles found in the index. Per work, seeds are chained
// when they lie on nearly the same diagonal (work_pos - doc_pos) within chain_gap tokens of
// each other; each chain is verified by extending its seeds over the token sequences
// (align.cpp). A chain of one seed is verified only when its shingle is rare in the index, so
// stock phrases shared by many books cost nothing. Overlapping passages of one work (a
// refrain, a chapter quoted twice) are reduced to the best one per document stretch.
#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

#include "audit/audit.hpp"
#include "audit/detail/align.hpp"
#include "fingerprint/fingerprint.hpp"

namespace prov::audit {

// Tokenized works, shared by all scan threads, evicted least-recently-used by size.
class WorkCache {
 public:
  struct Entry {
    std::string text;
    std::vector<fingerprint::Token> tokens;
    std::vector<std::uint64_t> hashes;
  };
  WorkCache(const index::Index& index, std::uint64_t max_bytes) : index_(index), max_bytes_(max_bytes) {}

  Result<std::shared_ptr<const Entry>> get(std::uint32_t work) {
    {
      std::lock_guard lock(mu_);
      if (auto it = map_.find(work); it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.pos);
        return it->second.entry;
      }
    }
    auto text = index_.text(work);
    if (!text) return std::move(text).error();
    auto e = std::make_shared<Entry>();
    e->text = std::move(text).value();
    e->tokens = fingerprint::tokenize(e->text);
    e->hashes.reserve(e->tokens.size());
    for (const auto& t : e->tokens) e->hashes.push_back(t.hash);
    const std::uint64_t size = e->text.size() + e->tokens.size() * (sizeof(fingerprint::Token) + 8) + 64;
    std::lock_guard lock(mu_);
    if (auto it = map_.find(work); it != map_.end()) return it->second.entry;  // raced
    lru_.push_front(work);
    map_[work] = Slot{e, lru_.begin(), size};
    bytes_ += size;
    while (bytes_ > max_bytes_ && lru_.size() > 1) {
      const std::uint32_t victim = lru_.back();
      lru_.pop_back();
      bytes_ -= map_[victim].size;
      map_.erase(victim);
    }
    return std::shared_ptr<const Entry>(e);
  }

 private:
  struct Slot {
    std::shared_ptr<const Entry> entry;
    std::list<std::uint32_t>::iterator pos;
    std::uint64_t size = 0;
  };
  const index::Index& index_;
  std::uint64_t max_bytes_;
  std::mutex mu_;
  std::list<std::uint32_t> lru_;
  std::unordered_map<std::uint32_t, Slot> map_;
  std::uint64_t bytes_ = 0;
};

std::shared_ptr<WorkCache> make_work_cache(const index::Index& index, std::uint64_t max_bytes) {
  return std::make_shared<WorkCache>(index, max_bytes);
}

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
// never for words shorter than 3 bytes ("of"/"on" are different words, not damage).
// Returns 2 for one edit in a word of 5+ bytes, 1 for other similar pairs, 0 otherwise.
int similar_words(std::string_view a, std::string_view b) {
  const std::size_t la = a.size(), lb = b.size();
  if (std::min(la, lb) < 3 || std::max(la, lb) > 40) return 0;
  const std::size_t limit = std::max(la, lb) <= 4 ? 1 : 2;
  if ((la > lb ? la - lb : lb - la) > limit) return 0;
  const auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
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
std::vector<Chain> chain_hits(std::vector<Hit>& hits, const MatchParams& p) {
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.d != b.d ? a.d < b.d : a.w < b.w;
  });
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

}  // namespace

Result<std::vector<Passage>> match_document(const index::Index& index, std::string_view text,
                                            const MatchParams& params, WorkCache& cache,
                                            std::vector<fingerprint::Token>* tokens_out) {
  std::vector<Passage> out;
  const auto& fp = index.params();
  std::vector<fingerprint::Token> local_tokens;
  std::vector<fingerprint::Token>& tokens = tokens_out ? *tokens_out : local_tokens;
  tokens = fingerprint::tokenize(text);
  if (tokens.size() < fp.k || tokens.size() < params.min_words) return out;
  const auto samples = fingerprint::sample(tokens, fp);
  if (samples.empty()) return out;

  std::vector<std::uint64_t> keys;
  keys.reserve(samples.size());
  for (const auto& s : samples) keys.push_back(s.hash);
  std::vector<std::vector<index::Posting>> postings;
  if (auto st = index.lookup(keys, postings); !st) return std::move(st).error();

  std::unordered_map<std::uint32_t, std::vector<Hit>> by_work;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& list = postings[i];
    if (list.empty() || list.size() > params.max_postings) continue;
    const auto occ = static_cast<std::uint32_t>(list.size());
    std::uint32_t distinct = 0;  // postings are sorted by work
    for (std::size_t j = 0; j < list.size(); ++j) distinct += (j == 0 || list[j].work != list[j - 1].work);
    for (const auto& p : list) by_work[p.work].push_back(Hit{samples[i].pos, p.pos, occ, distinct});
  }
  if (by_work.empty()) return out;

  std::vector<std::uint64_t> doc_hashes;
  doc_hashes.reserve(tokens.size());
  for (const auto& t : tokens) doc_hashes.push_back(t.hash);
  const detail::AlignParams ap{params.max_gap, params.xdrop, params.resync_run};

  // Works in number order, so the work of verification is the same on every run.
  std::vector<std::uint32_t> works;
  works.reserve(by_work.size());
  for (const auto& [w, _] : by_work) works.push_back(w);
  std::sort(works.begin(), works.end());

  for (const std::uint32_t work : works) {
    auto& hits = by_work[work];
    auto chains = chain_hits(hits, params);
    std::shared_ptr<const WorkCache::Entry> entry;
    std::vector<Passage> found;
    for (const Chain& c : chains) {
      if (c.hits.size() == 1 && c.hits[0].occurrences > params.rare_postings) continue;
      if (!entry) {
        auto e = cache.get(work);
        if (!e) return std::move(e).error();
        entry = std::move(e).value();
      }
      const auto& wh = entry->hashes;
      const detail::Similar similar = [&](std::uint32_t dp, std::uint32_t wp) {
        const auto& dt = tokens[dp];
        const auto& wt = entry->tokens[wp];
        return similar_words(text.substr(dt.start, dt.end - dt.start),
                             std::string_view(entry->text).substr(wt.start, wt.end - wt.start));
      };
      // Extend from each seed not already inside a segment of this chain; join segments
      // that the extension could not bridge but that lie on the same alignment.
      std::vector<detail::Segment> segs;
      for (const Hit& h : c.hits) {
        if (h.w + fp.k > wh.size()) continue;  // stale posting (cannot happen in a sound index)
        if (!segs.empty() && h.d < segs.back().d1 && h.w < segs.back().w1) continue;
        const std::uint32_t d_floor = segs.empty() ? 0 : segs.back().d1;
        const std::uint32_t w_floor = segs.empty() ? 0 : segs.back().w1;
        if (h.d < d_floor || h.w < w_floor) continue;
        const auto s = detail::extend_seed(doc_hashes, wh, h.d, h.w, fp.k, ap, d_floor, w_floor, &similar);
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
        p.work_start = entry->tokens[s.w0].start;
        p.work_end = entry->tokens[s.w1 - 1].end;
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
