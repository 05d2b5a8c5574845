// cli/progress.hpp: a one-line progress display on stderr, only when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace prov::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), start_(clock::now()) {}
  ~ProgressLine() { finish(); }

  // done/total in bytes; `what` says what is counted ("12/40 files").
  void update(const std::string& what, std::uint64_t bytes_done, std::uint64_t bytes_total) {
    if (!enabled_) return;
    const auto now = clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && bytes_done < bytes_total) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double mb = static_cast<double>(bytes_done) / 1e6;
    const double rate = secs > 0 ? mb / secs : 0;
    std::string eta = "--";
    if (rate > 0 && bytes_total > bytes_done) {
      const double left = (static_cast<double>(bytes_total - bytes_done) / 1e6) / rate;
      eta = std::to_string(static_cast<long>(left)) + "s";
    }
    std::fprintf(stderr, "\r\033[K%s, %.1f/%.1f MB, %.1f MB/s, ETA %s", what.c_str(), mb,
                 static_cast<double>(bytes_total) / 1e6, rate, eta.c_str());
    std::fflush(stderr);
    shown_ = true;
  }
  void finish() {
    if (enabled_ && shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  using clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  clock::time_point start_;
  clock::time_point last_{};
};

}  // namespace prov::cli
