// audit/detail/near_dup.hpp: near-duplicate detection by MinHash window
// sketches and LSH.
//
// Works were sketched at ingest in windows of fingerprint::kSketchWindow tokens
// (the index's "sketches" family). At scan start every live window sketch is
// loaded into a NearDupTable: an LSH table of `bands` bands of `rows` bins
// each, so a document window costs `bands` binary searches ("a few probes")
// whatever the index size. A window pair becomes a candidate when at least one
// band agrees in all its rows, with probability 1 - (1 - J^rows)^bands;
// candidates are then scored by the full 128-bin Jaccard estimate.
//
// Memory: the table keeps only the band entries (8 bytes each, `bands` a window, plus a 4-byte
// directory slot per ~4 entries) and 24 bytes of metadata a window, about 0.31 bytes per
// indexed word. The 128 bins of a candidate's
// windows are read from the index when a probe needs them, one work at a time, through a
// small LRU cache shared by the threads (most documents have no candidate at all).
//
// Building the table at every scan's start cost ~0.15 CPU-s against 1,000 works (reading 54 MB
// of sketches, hashing 3.2 M band keys, a counting sort into fresh memory), so `ingest` saves
// it (save(), through Index::save_derived: IDX/near-dup-table.bin) and load() maps that file
// while it is current: for the live works, these bands and rows, and whole.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "audit/audit.hpp"
#include "fingerprint/fingerprint.hpp"
#include "index/index.hpp"

namespace prov::audit::detail {

class NearDupTable {
 public:
  // Reads every live work's window sketches (Index::sketches, one work at a
  // time) and builds the band table. bands * rows must not exceed
  // fingerprint::kSketchBins (kUsage otherwise). The index must outlive the table.
  static Result<std::unique_ptr<NearDupTable>> load(const index::Index& index,
                                                    const MatchParams& params);
  // Builds the table and stores it in the index for load() to map (writers only; nothing to do
  // when the stored one is current).
  static Status save(index::Index& index, const MatchParams& params);
  bool mapped() const { return mapping_ != nullptr; }

  // A stored window without its bins.
  struct Window {
    std::uint32_t work = 0;           // index work number
    std::uint32_t local = 0;          // its number among the work's windows
    fingerprint::TokenWindow window;  // token range in the work
    std::uint64_t shingles = 0;       // as in fingerprint::Sketch
  };

  // For every work with a window that shares a band with `s`: that work's
  // window with the highest estimated Jaccard (ties: the earlier window), as
  // (window number, J). Thread-safe. Fails only if the index cannot be read.
  struct Candidate {
    std::uint32_t window = 0;  // into windows()
    double jaccard = 0;
  };
  Result<std::vector<Candidate>> probe(const fingerprint::Sketch& s) const;

  std::span<const Window> windows() const { return windows_; }
  // The full sketch of window number `w` (read from the index, cached).
  Result<fingerprint::Sketch> sketch(std::uint32_t w) const;
  std::uint64_t memory_bytes() const;

 private:
  using WorkSketches = std::vector<index::WindowSketch>;
  explicit NearDupTable(const index::Index& index) : index_(index) {}
  static Result<std::unique_ptr<NearDupTable>> build(const index::Index& index, const MatchParams& params);
  static Result<std::string> file_tag(const index::Index& index, const MatchParams& params);
  // The table in the layout save() writes / the table read in place from it (null if the
  // bytes are not a consistent table for these parameters).
  void write(const index::Index::ByteSink& sink) const;
  static std::unique_ptr<NearDupTable> view(const index::Index& index, const MatchParams& params,
                                            index::Index::MappedBytes bytes);
  void bind();  // the spans onto the owned vectors
  std::uint64_t band_key(const fingerprint::Sketch& s, std::uint32_t band) const;
  Result<std::shared_ptr<const WorkSketches>> work_sketches(std::uint32_t work) const;

  const index::Index& index_;
  std::uint32_t bands_ = 0, rows_ = 0;
  std::uint32_t stored_key(std::uint64_t band_key) const;
  unsigned window_bits_ = 1;
  unsigned dir_bits_ = 1;
  // What probes read, owned (built here) or mapped (a saved table):
  //  windows_: every live window, by work number then window;
  //  entries_: sorted by band key, stored_key(key) << window_bits_ | window number (4 bytes);
  //  dir_[k]:  the first entry whose key's top dir_bits_ bits are >= k (about 4 entries a
  //            slot), so a band probe reads one slot and a short run instead of
  //            binary-searching all entries.
  std::span<const Window> windows_;
  std::span<const std::uint32_t> entries_;
  std::span<const std::uint32_t> dir_;
  std::vector<Window> own_windows_;
  std::vector<std::uint32_t> own_entries_, own_dir_;
  std::shared_ptr<const void> mapping_;
  // Works' sketches read by probes: LRU by bytes (kCacheBytes in near_dup.cpp).
  mutable std::mutex mu_;
  mutable std::list<std::uint32_t> lru_;
  struct Slot {
    std::shared_ptr<const WorkSketches> sketches;
    std::list<std::uint32_t>::iterator pos;
    std::uint64_t bytes = 0;
  };
  mutable std::unordered_map<std::uint32_t, Slot> cache_;
  mutable std::uint64_t cache_bytes_ = 0;
};

// The scan probes a document only if at least this many of its sampled shingles are in the
// index (any work, any number of postings). A window it would report shares many shingles
// with a work window: J >= near_dup_jaccard = 0.5 needs at least a third of the pair's union
// (65+ shingles for a 200-token window), and containment >= 0.8 from an estimate of J
// >= 0.08 against a 2,000-token work window needs ~160. Each shared shingle is sampled with
// probability 1/4 (the sampling and the sketch bins use independent bits of the hash), so
// even at the estimate's 3-sigma low (true J ~0.03, ~60 shared shingles) fewer than 3 sampled
// hits has probability ~1e-5, and against an estimate already that far off. Most unrelated
// text then costs no LSH probe: of a real English text's samples, 0.02 % hit the benchmark's
// 1,000-work index and 0.6 % an index of 10 real books (2026-11-29).
inline constexpr std::size_t kNearDupMinHits = 3;

// A document window whose sketch resembles a work window's.
struct NearDup {
  std::uint32_t work = 0;  // index work number
  std::uint32_t doc_tok_start = 0, doc_tok_end = 0;
  std::uint64_t doc_start = 0,
                doc_end = 0;  // bytes of those tokens in the document
  double jaccard = 0;         // estimated Jaccard of the shingle sets
  double containment = 0;     // estimated share of the document window's shingles in the work's
  bool boilerplate = false;   // the window resembles >= boilerplate_works works
};

// `shingles`, if given, must be fingerprint::shingle_hashes(tokens, k) (match_document's);
// otherwise they are computed here.
// Sketches `tokens` (the document's, as fingerprint::tokenize gave them) in
// fingerprint::sketch_windows, probes the table with each window of at least
// params.near_dup_min_words tokens, and keeps a work when J >= near_dup_jaccard
// or C >= near_dup_containment, unless that work's verified `passages` in this
// document already cover at least half of the window's tokens or start where it
// starts (a verified passage is the better evidence). A window that resembles
// boilerplate_works works or more is flagged boilerplate in all of them.
// Overlapping kept windows of one work merge into one NearDup, with the mean of
// their J and C. Sorted by (doc_tok_start, work).
Result<std::vector<NearDup>> find_near_duplicates(const NearDupTable& table,
                                          const std::vector<fingerprint::Token>& tokens,
                                          std::uint32_t k, const std::vector<Passage>& passages,
                                          const MatchParams& params,
                                          const std::vector<std::uint64_t>* shingles = nullptr);

}  // namespace prov::audit::detail
