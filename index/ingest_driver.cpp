// index/ingest_driver.cpp: bulk ingest: walk, read in parallel, commit in input order.
//
// Workers take files by position and hand them to ingest::read_books(), which hashes each
// work (a book file, or every book member of an archive), asks us whether the index already
// holds it by the current extractor (then it is not extracted), and reads the rest, in a
// child process when the limits ask for isolation. The committing thread (the caller's) adds
// the works to the index strictly in input order, and an archive's members in member order,
// through a small reorder window, so the first path seen and the work numbering never depend
// on timing. Memory: at most `window` files are in flight, and each holds at most
// kQueuedWorks extracted works waiting for the committer (an archive of 10,000 books streams).
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <deque>
#include <optional>
#include <thread>

#include "common/file_io.hpp"
#include "common/sha256.hpp"
#include "index/index.hpp"

namespace prov::index {
namespace {

unsigned cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<unsigned>(CPU_COUNT(&set));
  const unsigned hc = std::thread::hardware_concurrency();
  return hc ? hc : 1;
}

struct Input {
  std::string path;
  std::uint64_t bytes = 0;
};

// Extracted works of one file waiting for the committer, per file.
constexpr std::size_t kQueuedWorks = 4;

// The works of one input file, in order, as the worker produces them. A Book with
// extracted == false is one the index already holds (only its path may be new).
struct Slot {
  std::deque<Result<ingest::Book>> works;
  bool done = false;
};

}  // namespace

Result<IngestReport> ingest_paths(Index& index, const std::vector<std::string>& paths,
                                  const IngestOptions& options) {
  IngestReport report;
  std::vector<Input> inputs;
  for (const auto& p : paths) {
    std::error_code ec;
    const auto st = std::filesystem::status(p, ec);
    if (ec || !std::filesystem::exists(st)) {
      inputs.push_back(Input{p, 0});  // read_file() reports it, in input order
      continue;
    }
    if (std::filesystem::is_directory(st)) {
      std::vector<std::string> found;
      std::filesystem::recursive_directory_iterator it(
          p, std::filesystem::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && ingest::looks_like_book(it->path()))
          found.push_back(it->path().string());
      }
      if (ec) report.errors.push_back(make_error(Errc::kIo, "directory walk: " + ec.message(), p));
      std::sort(found.begin(), found.end());
      for (auto& f : found) inputs.push_back(Input{std::move(f), 0});
    } else {
      inputs.push_back(Input{p, 0});
    }
  }
  std::uint64_t bytes_total = 0;
  for (auto& in : inputs) {
    std::error_code ec;
    in.bytes = std::filesystem::file_size(in.path, ec);
    bytes_total += in.bytes;
  }

  const unsigned threads = std::max(1u, options.threads ? options.threads : cpu_count());
  const std::size_t window = threads * 2 + 2;
  std::vector<Slot> slots(inputs.size());
  std::mutex mu;
  std::condition_variable cv_ready, cv_window;
  std::size_t committed = 0;
  std::atomic<std::size_t> next{0};

  auto push = [&](std::size_t i, Result<ingest::Book> r) {
    std::unique_lock lock(mu);
    // Waits while this file's queue is full. No deadlock: the committer drains the earliest
    // unfinished file, whose worker is another thread that is never waiting on a later file.
    cv_window.wait(lock, [&] { return slots[i].works.size() < kQueuedWorks; });
    slots[i].works.push_back(std::move(r));
    cv_ready.notify_all();
  };
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= inputs.size()) return;
      {
        std::unique_lock lock(mu);
        cv_window.wait(lock, [&] { return i < committed + window; });
      }
      auto bytes = read_file(inputs[i].path, options.limits.max_file_bytes);
      if (!bytes) {
        push(i, std::move(bytes).error());
      } else {
        auto wanted = [&](const ingest::Book& id) {
          auto existing = index.find(id.sha256);
          return !(existing && existing->extractor == id.extractor);
        };
        Status whole = ingest::read_books(
            inputs[i].path, std::move(bytes).value(), options.limits,
            [&](Result<ingest::Book> r) { push(i, std::move(r)); }, wanted);
        if (!whole) push(i, std::move(whole).error());
      }
      std::lock_guard lock(mu);
      slots[i].done = true;
      cv_ready.notify_all();
    }
  };
  // Postings of the whole run go to the index as one sorted file at the end (Index::
  // begin_bulk): one RocksDB merge per sampled shingle cost more than everything else.
  if (auto st = index.begin_bulk(); !st) return std::move(st).error();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);

  std::uint64_t bytes_done = 0;
  std::optional<Error> fatal;
  auto commit = [&](Result<ingest::Book> r, const std::string& file) {
    if (!r) {
      report.errors.push_back(std::move(r).error().with_path(file));
      return;
    }
    ingest::Book& b = *r;
    IngestedFile f;
    f.path = b.path;
    f.work_id = b.sha256;
    f.warnings = b.warnings;
    // An unextracted Book carries the identity only: add_book records a new path, if any.
    Result<AddOutcome> outcome = index.add_book(b);
    if (!outcome) {
      fatal = std::move(outcome).error();
      return;
    }
    f.outcome = *outcome;
    if (auto rec = index.find(f.work_id)) f.words = rec->words;
    switch (*outcome) {
      case AddOutcome::kAdded: ++report.added; break;
      case AddOutcome::kNewPath: ++report.new_paths; break;
      case AddOutcome::kUnchanged: ++report.unchanged; break;
      case AddOutcome::kReextracted: ++report.reextracted; break;
    }
    report.files.push_back(std::move(f));
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (;;) {
      std::optional<Result<ingest::Book>> r;
      {
        std::unique_lock lock(mu);
        cv_ready.wait(lock, [&] { return !slots[i].works.empty() || slots[i].done; });
        if (slots[i].works.empty()) break;  // done
        r.emplace(std::move(slots[i].works.front()));
        slots[i].works.pop_front();
        cv_window.notify_all();
      }
      if (!fatal) commit(std::move(*r), inputs[i].path);
    }
    {
      std::lock_guard lock(mu);
      slots[i] = Slot{};
      committed = i + 1;
      cv_window.notify_all();
    }
    bytes_done += inputs[i].bytes;
    if (options.progress) options.progress(i + 1, inputs.size(), bytes_done, bytes_total);
  }
  for (auto& t : pool) t.join();
  Status stored = index.end_bulk();
  if (fatal) return std::move(*fatal);
  if (!stored) return std::move(stored).error();
  return report;
}

}  // namespace prov::index
