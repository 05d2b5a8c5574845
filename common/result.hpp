// common/result.hpp: the error vocabulary every stage returns instead of throwing.
//
// Result<T> is shaped like std::expected<T, Error> (not available in GCC 12 / clang 14 in
// C++20). Libraries never print or exit; they return an Error carrying a code, a message and
// where it happened (path, optional line or byte offset). The CLI turns it into one line and an
// exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace prov {

enum class Errc {
  kIo,            // file missing, unreadable, not writable
  kFormat,        // input is not what its name or content claims (broken zip, bad JSON)
  kEncoding,      // bytes are not valid in the declared or detected encoding
  kLimit,         // a safety limit was hit (size, depth, ratio, member count)
  kUnsupported,   // a format or version we do not read
  kIncompatible,  // an index whose version or parameters this build does not understand
  kUsage,         // bad arguments
  kNotFound,      // a requested id does not exist
  kInternal,      // a dependency failed in a way that is not the input's fault
};

const char* errc_name(Errc c);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
  std::string path;                    // file (or archive!member) the error is about
  std::optional<std::uint64_t> line;   // 1-based line or record, when known

  // "path:line: message" (parts omitted when unknown).
  std::string describe() const;
  // Adds context: sets the path if none is set yet.
  Error&& with_path(std::string p) && {
    if (path.empty()) path = std::move(p);
    return std::move(*this);
  }
};

inline Error make_error(Errc code, std::string message, std::string path = {}) {
  return Error{code, std::move(message), std::move(path), std::nullopt};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace prov
