// index/ingest_driver.cpp: bulk ingest: walk, read in parallel, commit in input order.
//
// Workers take files by position, hash and (if needed) extract them; the committing thread
// (the caller's) adds them to the index strictly in input order through a small reorder
// window, so the first path seen and the work numbering never depend on timing, and at most
// `window` extracted books are held in memory at once.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
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

struct Slot {
  bool ready = false;
  std::optional<Result<ingest::Book>> book;  // empty when the work was already indexed
  std::string sha256;                         // set when skipped without extraction
  std::optional<Error> error;
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

  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= inputs.size()) return;
      {
        std::unique_lock lock(mu);
        cv_window.wait(lock, [&] { return i < committed + window; });
      }
      Slot s;
      auto bytes = read_file(inputs[i].path, options.limits.max_file_bytes);
      if (!bytes) {
        s.error = std::move(bytes).error();
      } else {
        const std::string sha = sha256_hex(*bytes);
        const std::string format = ingest::detect_book_format(
            inputs[i].path, std::string_view(*bytes).substr(0, 4096));
        auto existing = index.find(sha);
        if (existing && !format.empty() && existing->extractor == ingest::extractor_for(format)) {
          s.sha256 = sha;
        } else {
          s.book = ingest::read_book_bytes(inputs[i].path, std::move(bytes).value(), options.limits);
        }
      }
      std::lock_guard lock(mu);
      s.ready = true;
      slots[i] = std::move(s);
      cv_ready.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);

  std::uint64_t bytes_done = 0;
  std::optional<Error> fatal;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Slot s;
    {
      std::unique_lock lock(mu);
      cv_ready.wait(lock, [&] { return slots[i].ready; });
      s = std::move(slots[i]);
      slots[i] = Slot{};
    }
    IngestedFile f;
    f.path = inputs[i].path;
    if (!fatal) {
      if (s.error) {
        report.errors.push_back(std::move(*s.error).with_path(f.path));
      } else if (s.book && !*s.book) {
        report.errors.push_back(std::move(*s.book).error().with_path(f.path));
      } else {
        Result<AddOutcome> outcome = AddOutcome::kUnchanged;
        if (s.book) {
          ingest::Book& b = s.book->value();
          b.path = f.path;
          f.warnings = b.warnings;
          outcome = index.add_book(b);
          f.work_id = b.sha256;
        } else {
          // Already indexed by this extractor: only the path may be new.
          ingest::Book stub;
          auto rec = index.find(s.sha256);
          stub.sha256 = s.sha256;
          stub.path = f.path;
          stub.extractor = rec ? rec->extractor : std::string();
          outcome = index.add_book(stub);
          f.work_id = s.sha256;
        }
        if (!outcome) {
          fatal = std::move(outcome).error();
        } else {
          f.outcome = *outcome;
          if (auto rec = index.find(f.work_id)) f.words = rec->words;
          switch (*outcome) {
            case AddOutcome::kAdded: ++report.added; break;
            case AddOutcome::kNewPath: ++report.new_paths; break;
            case AddOutcome::kUnchanged: ++report.unchanged; break;
            case AddOutcome::kReextracted: ++report.reextracted; break;
          }
          report.files.push_back(std::move(f));
        }
      }
    }
    {
      std::lock_guard lock(mu);
      committed = i + 1;
      cv_window.notify_all();
    }
    bytes_done += inputs[i].bytes;
    if (options.progress) options.progress(i + 1, inputs.size(), bytes_done, bytes_total);
  }
  for (auto& t : pool) t.join();
  if (fatal) return std::move(*fatal);
  return report;
}

}  // namespace prov::index
