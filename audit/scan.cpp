// audit/scan.cpp: the scan driver: reader threads, N matcher threads, one sorted result.
//
// Readers (one per two matcher threads, at most one per shard) take the shards in command-line
// order, decompress and parse them and hand batches of documents to the matchers through a
// bounded queue (so memory stays flat on terabyte inputs). Each matcher appends its matches to
// its own list; at the end the lists are merged, sorted by (shard, record, doc_start, work_id)
// and coverage is computed per work, so output bytes never depend on scheduling.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "audit/audit.hpp"
#include "audit/detail/near_dup.hpp"
#include "common/sha256.hpp"

namespace prov::audit {
namespace {

struct Doc {
  std::size_t shard_index = 0;
  ingest::ShardRecord rec;
};

// A bounded multi-producer/multi-consumer queue of document batches.
class BatchQueue {
 public:
  explicit BatchQueue(std::size_t capacity) : capacity_(capacity) {}
  void push(std::vector<Doc> batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_; });
    q_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  bool pop(std::vector<Doc>& out) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::vector<Doc>> q_;
  bool closed_ = false;
};

unsigned default_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return hc ? hc : 1;
}

struct RawMatch {
  std::size_t shard_index;
  std::uint64_t record;
  std::string doc_id;
  bool text_repaired;
  Passage p;
  MatchKind kind = MatchKind::kPassage;
  double jaccard = 0, containment = 0;
};

}  // namespace

Result<ScanResult> scan(const index::Index& index, const ScanOptions& options) {
  ScanResult result;
  result.index_path = index.dir().string();
  result.index_digest = index.digest();
  result.fingerprint = index.params();
  result.match = options.match;
  result.shard_options = options.shard;
  result.allowed_works = options.allowed_works;
  std::sort(result.allowed_works.begin(), result.allowed_works.end());
  result.allowed_works.erase(std::unique(result.allowed_works.begin(), result.allowed_works.end()),
                             result.allowed_works.end());
  result.shards.resize(options.shards.size());
  for (std::size_t i = 0; i < options.shards.size(); ++i) result.shards[i].path = options.shards[i];

  // Load the sampled postings into memory once, so the scan path never probes RocksDB.
  if (options.in_memory_postings && index.postings_in_memory() == 0) {
    if (auto st = index.load_postings(); !st && st.error().code != Errc::kLimit) return std::move(st).error();
  }
  // And every work window's MinHash sketch into the near-duplicate LSH table.
  std::unique_ptr<detail::NearDupTable> near_dups;
  if (options.match.near_duplicates) {
    auto t = detail::NearDupTable::load(index, options.match);
    if (!t) return std::move(t).error();
    near_dups = std::move(t).value();
  }
  const unsigned threads = options.threads ? options.threads : default_threads();
  auto cache = make_work_cache(index, options.work_cache_bytes);
  BatchQueue queue(threads * 4);
  std::vector<std::vector<RawMatch>> per_thread(threads);
  std::vector<Error> thread_errors;
  std::mutex err_mu;
  std::atomic<std::uint64_t> match_count{0};

  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<Doc> batch;
      std::vector<fingerprint::Token> tokens;  // per document, memory reused
      std::vector<std::uint64_t> shingles;
      while (queue.pop(batch)) {
        for (auto& doc : batch) {
          std::size_t hit_keys = kHitsUnknown;
          auto passages = match_document(index, doc.rec.text, options.match, *cache, &tokens, &shingles, &hit_keys);
          if (!passages) {
            std::lock_guard lock(err_mu);
            Error e = std::move(passages).error();
            e.path = options.shards[doc.shard_index];
            e.line = doc.rec.index;
            thread_errors.push_back(std::move(e));
            continue;
          }
          for (auto& p : *passages)
            per_thread[t].push_back(RawMatch{doc.shard_index, doc.rec.index, doc.rec.doc_id,
                                             doc.rec.text_repaired, p});
          match_count += passages->size();
          // A token is at least one byte: shorter texts cannot reach near_dup_min_words. And a
          // document with fewer than kNearDupMinHits sampled shingles in the index resembles
          // no work (detail/near_dup.hpp): most unrelated text skips the LSH probes.
          if (near_dups && doc.rec.text.size() >= options.match.near_dup_min_words &&
              (hit_keys == kHitsUnknown || hit_keys >= detail::kNearDupMinHits)) {
            auto dups = detail::find_near_duplicates(*near_dups, tokens, index.params().k, *passages,
                                                     options.match, &shingles);
            if (!dups) {
              std::lock_guard lock(err_mu);
              Error e = std::move(dups).error();
              e.path = options.shards[doc.shard_index];
              e.line = doc.rec.index;
              thread_errors.push_back(std::move(e));
              continue;
            }
            for (const auto& d : *dups) {
              Passage p;
              p.work = d.work;
              p.doc_tok_start = d.doc_tok_start;
              p.doc_tok_end = d.doc_tok_end;
              p.doc_start = d.doc_start;
              p.doc_end = d.doc_end;
              p.boilerplate = d.boilerplate;
              per_thread[t].push_back(RawMatch{doc.shard_index, doc.rec.index, doc.rec.doc_id,
                                               doc.rec.text_repaired, p,
                                               MatchKind::kNearDuplicate, d.jaccard,
                                               d.containment});
              ++match_count;
            }
          }
          if (tokens.capacity() > (std::size_t{1} << 22)) {  // not a huge document's for the run
            tokens = {};
            shingles = {};
          }
        }
      }
    });
  }

  // Readers: this thread and, with several shards, one more per two matcher threads, each
  // taking the next unread shard. Reading (decompressing, hashing and parsing) costs a quarter
  // of a scan's CPU on the benchmark and ~40 % on text that matches little, so one reader
  // cannot keep many matchers busy. On two cores a second reader only added CPU (2.7-2.8 ->
  // 2.9-3.1 s for two 259 MB shards of real text, the same wall time). Batches carry their
  // shard's index and the results are sorted afterwards, so the output does not depend on
  // which reader read what; each shard's reader errors are kept apart and appended in shard
  // order.
  constexpr std::size_t kBatchBytes = 4u << 20;
  constexpr std::size_t kBatchDocs = 512;
  const std::size_t n_shards = options.shards.size();
  std::vector<std::vector<Error>> shard_errors(n_shards);
  std::atomic<std::size_t> next_shard{0};
  std::mutex progress_mu;  // guards `progress` and serialises options.progress
  Progress progress;
  std::vector<std::uint64_t> shard_bytes(n_shards, 0);  // read so far, under progress_mu
  for (const auto& s : options.shards) {
    std::error_code ec;
    progress.bytes_total += std::filesystem::file_size(s, ec);
  }
  const auto report = [&](std::size_t si, std::uint64_t bytes, std::uint64_t records) {
    std::lock_guard lock(progress_mu);
    progress.bytes_read += bytes - shard_bytes[si];
    shard_bytes[si] = bytes;
    progress.records += records;
    progress.shard_index = std::max(progress.shard_index, si);
    if (options.progress) {
      progress.matches = match_count.load();
      options.progress(progress);
    }
  };
  const auto read_shards = [&] {
    for (std::size_t si; (si = next_shard.fetch_add(1)) < n_shards;) {
      const std::string& path = options.shards[si];
      std::vector<Error>& errors = shard_errors[si];
      auto reader = ingest::ShardReader::open(path, options.shard);
      if (!reader) {
        errors.push_back(std::move(reader).error());
        result.shards[si].path = path;
        if (auto sha = sha256_file(path)) result.shards[si].sha256 = *sha;
        continue;
      }
      std::vector<Doc> batch;
      std::size_t batch_bytes = 0;
      std::uint64_t records = 0;  // since the last report
      std::vector<Error> rec_errors;
      for (;;) {
        Doc doc;
        doc.shard_index = si;
        auto got = (*reader)->next(doc.rec, rec_errors);
        for (auto& e : rec_errors) errors.push_back(std::move(e));
        rec_errors.clear();
        if (!got) {
          errors.push_back(std::move(got).error());
          break;
        }
        if (!*got) break;
        ++records;
        batch_bytes += doc.rec.text.size();
        batch.push_back(std::move(doc));
        if (batch.size() >= kBatchDocs || batch_bytes >= kBatchBytes) {
          queue.push(std::move(batch));
          batch.clear();
          batch_bytes = 0;
          report(si, (*reader)->stats().bytes, records);
          records = 0;
        }
      }
      if (!batch.empty()) queue.push(std::move(batch));
      result.shards[si] = (*reader)->stats();
      report(si, result.shards[si].bytes, records);
    }
  };
  const std::size_t readers = std::clamp<std::size_t>(threads / 2, 1, std::max<std::size_t>(n_shards, 1));
  std::vector<std::thread> more_readers;
  for (std::size_t r = 1; r < readers; ++r) more_readers.emplace_back(read_shards);
  read_shards();
  for (auto& r : more_readers) r.join();
  for (auto& errors : shard_errors)
    for (auto& e : errors) result.errors.push_back(std::move(e));
  queue.close();
  for (auto& w : workers) w.join();
  if (!thread_errors.empty()) {
    std::sort(thread_errors.begin(), thread_errors.end(), [](const Error& a, const Error& b) {
      return a.path != b.path ? a.path < b.path : a.line.value_or(0) < b.line.value_or(0);
    });
    for (auto& e : thread_errors) result.errors.push_back(std::move(e));
  }
  result.matcher_errors = thread_errors.size();
  for (const auto& s : result.shards) result.records += s.records;

  // Merge, resolve work numbers to ids, sort.
  std::map<std::uint32_t, index::WorkRecord> records;
  std::vector<Match> matches;
  for (auto& list : per_thread) {
    for (auto& m : list) {
      auto it = records.find(m.p.work);
      if (it == records.end()) {
        auto r = index.work(m.p.work);
        if (!r) return std::move(r).error();
        it = records.emplace(m.p.work, std::move(r).value()).first;
      }
      Match x;
      x.kind = m.kind;
      x.shard_index = m.shard_index;
      x.shard = options.shards[m.shard_index];
      x.record = m.record;
      x.doc_id = std::move(m.doc_id);
      x.doc_start = m.p.doc_start;
      x.doc_end = m.p.doc_end;
      x.work_id = it->second.work_id;
      x.work_path = it->second.path;
      x.work_title = it->second.title;
      x.work_start = m.p.work_start;
      x.work_end = m.p.work_end;
      x.work_tok_start = m.p.work_tok_start;
      x.work_tok_end = m.p.work_tok_end;
      x.words = m.p.doc_tok_end - m.p.doc_tok_start;
      x.score = m.p.columns ? static_cast<double>(m.p.matched) / m.p.columns : 0.0;
      if (m.kind == MatchKind::kNearDuplicate) {
        x.score = m.jaccard;
        x.jaccard = m.jaccard;
        x.containment = m.containment;
      }
      x.text_repaired = m.text_repaired;
      x.boilerplate = m.p.boilerplate;
      x.allowed = std::binary_search(result.allowed_works.begin(), result.allowed_works.end(), x.work_id);
      matches.push_back(std::move(x));
    }
    list.clear();
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.shard_index != b.shard_index) return a.shard_index < b.shard_index;
    if (a.record != b.record) return a.record < b.record;
    if (a.doc_start != b.doc_start) return a.doc_start < b.doc_start;
    if (a.work_id != b.work_id) return a.work_id < b.work_id;
    if (a.kind != b.kind) return a.kind < b.kind;  // a passage before a near-duplicate
    return a.work_start < b.work_start;
  });
  for (auto& m : matches) {
    const std::string key = m.work_id + "\n" + result.shards[m.shard_index].sha256 + "\n" +
                            m.doc_id + "\n" + std::to_string(m.doc_start);
    m.finding_id = sha256_hex(key).substr(0, 32);
  }

  // Coverage: union of matched work token ranges, per work (audit/coverage.cpp).
  std::map<std::string, std::uint64_t> words_of;
  for (const auto& [num, r] : records) words_of[r.work_id] = r.words;
  result.works = coverage(collect_evidence(matches, [&](const std::string& id) { return words_of.at(id); },
                                           result.documents_matched),
                          result.allowed_works);
  result.matches = std::move(matches);
  return result;
}

}  // namespace prov::audit
