// ingest/isolate.cpp: reading one book in a child process, so that a parser that crashes,
// leaks or hangs (PDF and DjVu libraries do, on hostile input) costs that book only.
//
// fork() gives the child the input bytes for free (copy-on-write). The child sets its limits
// (RLIMIT_AS = max_memory, RLIMIT_CPU = timeout_s), sends stdin, stdout and stderr to
// /dev/null (libraries never print), restores default crash signal handlers, runs the reader and writes the Result<Book> to a pipe in the encoding below,
// then _exit()s without running the parent's atexit handlers or destructors. The parent reads
// the pipe with a wall-clock deadline, kills the child when it passes, and reaps it.
//
// Wire format: u8 tag ('B' book, 'E' error), then for 'E': u32 code, str message, str path,
// u8 has_line, u64 line; for 'B' the Book's fields in declaration order. u32/u64 are little
// endian; str is u64 length + bytes; vectors are u64 count + items; a span is four u64 and a
// str. The parent checks every length against what remains, so a garbled stream is an error,
// never an overread.
//
// Forking a threaded process: the child only runs reader code, which may take a lock another
// parent thread held at the instant of fork (ICU and libxml2 initialise lazily under locks;
// malloc is fork-safe in glibc). Such a child never runs: it stalls with ~0 CPU time. A child
// that timed out having used under a tenth of its time is therefore retried once.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "ingest/detail/book_readers.hpp"

namespace prov::ingest::detail {
namespace {

// ---- Encoding ---------------------------------------------------------------------------

class Writer {
 public:
  void u8(std::uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void str(std::string_view s) {
    u64(s.size());
    out.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<std::uint8_t>(in_[at_++]);
  }
  std::uint64_t u64() {
    if (!need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(in_[at_ + static_cast<std::size_t>(i)]);
    at_ += 8;
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!need(n)) return {};
    std::string s(in_.substr(at_, static_cast<std::size_t>(n)));
    at_ += static_cast<std::size_t>(n);
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v;
    const std::uint64_t n = u64();
    for (std::uint64_t i = 0; i < n && ok_; ++i) v.push_back(str());
    return v;
  }
  bool at_end() const { return at_ == in_.size(); }

 private:
  bool need(std::uint64_t n) {
    if (!ok_ || n > in_.size() - at_) ok_ = false;
    return ok_;
  }
  std::string_view in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

std::string encode(const Result<Book>& r) {
  Writer w;
  if (!r) {
    const Error& e = r.error();
    w.u8('E');
    w.u64(static_cast<std::uint64_t>(e.code));
    w.str(e.message);
    w.str(e.path);
    w.u8(e.line ? 1 : 0);
    w.u64(e.line.value_or(0));
    return std::move(w.out);
  }
  const Book& b = *r;
  w.u8('B');
  for (const std::string* s : {&b.sha256, &b.path, &b.format, &b.extractor, &b.title})
    w.str(*s);
  w.u64(b.source_bytes);
  w.strs(b.authors);
  for (const std::string* s : {&b.language, &b.publisher, &b.date}) w.str(*s);
  w.strs(b.isbns);
  w.str(b.encoding);
  w.str(b.text);
  w.u64(b.offsets.size());
  for (const auto& s : b.offsets) {
    w.u64(s.text_start);
    w.u64(s.text_end);
    w.str(s.source);
    w.u64(s.source_offset);
    w.u64(s.source_line);
  }
  w.strs(b.warnings);
  return std::move(w.out);
}

Result<Book> decode(std::string_view bytes) {
  Reader r(bytes);
  const std::uint8_t tag = r.u8();
  if (tag == 'E') {
    Error e;
    const std::uint64_t code = r.u64();
    e.code = code <= static_cast<std::uint64_t>(Errc::kInternal) ? static_cast<Errc>(code)
                                                                 : Errc::kInternal;
    e.message = r.str();
    e.path = r.str();
    const bool has_line = r.u8() != 0;
    const std::uint64_t line = r.u64();
    if (has_line) e.line = line;
    if (r.ok() && r.at_end()) return e;
  } else if (tag == 'B') {
    Book b;
    for (std::string* s : {&b.sha256, &b.path, &b.format, &b.extractor, &b.title}) *s = r.str();
    b.source_bytes = r.u64();
    b.authors = r.strs();
    for (std::string* s : {&b.language, &b.publisher, &b.date}) *s = r.str();
    b.isbns = r.strs();
    b.encoding = r.str();
    b.text = r.str();
    const std::uint64_t spans = r.u64();
    for (std::uint64_t i = 0; i < spans && r.ok(); ++i) {
      OffsetSpan s;
      s.text_start = r.u64();
      s.text_end = r.u64();
      s.source = r.str();
      s.source_offset = r.u64();
      s.source_line = static_cast<std::uint32_t>(r.u64());
      b.offsets.push_back(std::move(s));
    }
    b.warnings = r.strs();
    if (r.ok() && r.at_end()) return b;
  }
  return make_error(Errc::kInternal, "isolated reader sent a garbled result");
}

// ---- The child --------------------------------------------------------------------------

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// This process's mapped address space, in bytes (0 if unknown).
[[maybe_unused]] std::uint64_t vm_size() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[64] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  std::uint64_t pages = 0;
  for (const char* c = buf; *c >= '0' && *c <= '9'; ++c) pages = pages * 10 + static_cast<std::uint64_t>(*c - '0');
  return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

[[noreturn]] void run_child(int fd, const std::function<Result<Book>()>& read,
                            const BookLimits& limits) {
  // Pipes that other threads' children hold would delay their EOF: keep only ours.
  const int keep = fd > 2 ? fd : ::dup(fd);
  if (keep > 3) ::close_range(3, static_cast<unsigned>(keep) - 1, 0);
  ::close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
  const int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
  }
  // A crash must kill the child, whatever handlers the parent installed (a test framework's,
  // a crash reporter's): the parent reads the signal from the exit status.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGXCPU, SIGPIPE, SIGTERM})
    ::signal(sig, SIG_DFL);
#if !defined(__SANITIZE_ADDRESS__) && !defined(PROV_NO_RLIMIT_AS)
#if defined(__has_feature)
#if !__has_feature(address_sanitizer)
#define PROV_SET_RLIMIT_AS 1
#endif
#else
#define PROV_SET_RLIMIT_AS 1
#endif
#endif
#ifdef PROV_SET_RLIMIT_AS  // ASan reserves terabytes of address space: no limit under it
  if (limits.max_memory > 0) {
    // On top of what the parent had mapped already (its threads' stacks and malloc arenas,
    // RocksDB's caches), which the child inherits but does not use.
    const rlimit as{vm_size() + limits.max_memory, vm_size() + limits.max_memory};
    ::setrlimit(RLIMIT_AS, &as);
  }
#endif
  if (limits.timeout_s > 0) {
    rlimit cpu{limits.timeout_s, limits.timeout_s + 1};
    ::setrlimit(RLIMIT_CPU, &cpu);
  }
  std::string out;
  try {
    out = encode(read());
  } catch (const std::bad_alloc&) {
    out = encode(make_error(Errc::kLimit, "reader ran out of memory (limit " +
                                              std::to_string(limits.max_memory >> 20) + " MiB)"));
  } catch (...) {
    out = encode(make_error(Errc::kInternal, "reader threw an exception"));
  }
  Writer len;
  len.u64(out.size());
  const bool ok = write_all(keep, len.out) && write_all(keep, out);
  ::_exit(ok ? 0 : 1);
}

// ---- The parent -------------------------------------------------------------------------

struct Outcome {
  std::string bytes;      // what the child sent
  int status = 0;         // waitpid status
  bool timed_out = false;
  double cpu_s = 0;       // the child's CPU time
  int fork_errno = 0;
};

Outcome run_once(const std::function<Result<Book>()>& read, const BookLimits& limits) {
  Outcome o;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    o.fork_errno = errno;
    return o;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    o.fork_errno = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return o;
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], read, limits);
  }
  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(limits.timeout_s ? limits.timeout_s : 3600u);
  // Room for a Book of max_bytes text plus its offset map; more is a broken child.
  const std::uint64_t cap = 3 * limits.max_bytes + (64u << 20);
  std::vector<char> buf(1u << 16);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      o.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    o.bytes.append(buf.data(), static_cast<std::size_t>(n));
    if (o.bytes.size() > cap) break;
  }
  ::close(fds[0]);
  if (o.timed_out || o.bytes.size() > cap) ::kill(pid, SIGKILL);
  rusage ru{};
  while (::wait4(pid, &o.status, 0, &ru) < 0 && errno == EINTR) {
  }
  o.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return o;
}

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return "signal " + std::to_string(sig) + (abbrev ? std::string(", ") + abbrev : std::string());
}

}  // namespace

Result<Book> read_isolated(const std::function<Result<Book>()>& read, const BookLimits& limits) {
  Outcome o = run_once(read, limits);
  if (o.timed_out && o.cpu_s < 0.1 * limits.timeout_s) o = run_once(read, limits);  // stalled
  if (o.fork_errno != 0)
    return make_error(Errc::kInternal,
                      std::string("cannot start an isolated reader: ") + std::strerror(o.fork_errno));
  const std::string timeout = std::to_string(limits.timeout_s);
  if (o.timed_out) return make_error(Errc::kLimit, "reader timed out after " + timeout + " s");
  if (WIFSIGNALED(o.status)) {
    const int sig = WTERMSIG(o.status);
    if (sig == SIGXCPU)
      return make_error(Errc::kLimit, "reader used more than " + timeout + " s of CPU time");
    return make_error(Errc::kFormat, "reader crashed (" + signal_text(sig) + ")");
  }
  Reader len(o.bytes);
  const std::uint64_t n = len.u64();
  if (!len.ok() || n != o.bytes.size() - 8 || !WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0)
    return make_error(Errc::kFormat, "reader died without a result (exit status " +
                                         std::to_string(WIFEXITED(o.status)
                                                            ? WEXITSTATUS(o.status)
                                                            : -1) +
                                         ")");
  return decode(std::string_view(o.bytes).substr(8));
}

}  // namespace prov::ingest::detail
