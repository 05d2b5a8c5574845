// common/json_writer.hpp: the one JSON writer every output goes through.
//
// Canonical by construction: keys appear in the order the caller writes them (each output's
// order is fixed in code and documented in schemas/), no whitespace except in pretty mode's
// fixed two-space indent, strings are UTF-8 with only '"', '\\' and control characters escaped,
// and floats are written with exactly 6 decimals, so the same data gives the same bytes on
// every machine. Invalid UTF-8 in a string is replaced by U+FFFD (never emitted raw).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace prov {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(double v);  // 6 decimals; NaN/inf become null
  JsonWriter& value(bool v);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // pre-serialised JSON value

  // Shorthands for "key": value.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  JsonWriter& field_strings(std::string_view k, const std::vector<std::string>& v);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  void newline();
  std::string out_;
  struct Frame {
    bool first = true;
    bool is_object = false;
  };
  std::vector<Frame> stack_;
  bool after_key_ = false;
  bool pretty_ = false;
};

// Appends s to out as a JSON string literal (with quotes).
void append_json_string(std::string& out, std::string_view s);

}  // namespace prov
