// reports/detail/json_read.hpp: typed field access over simdjson DOM objects for the files a
// report reads back (summary.json, matches.jsonl, eval.json, manifest.json). The first missing
// or mistyped field is remembered (ok() / error() name it with the file and line); accessors
// then return empty values, so a reader checks once at the end instead of after every field.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace prov::reports::detail {

class JsonRead {
 public:
  JsonRead(simdjson::dom::element e, std::string path, std::optional<std::uint64_t> line = {})
      : path_(std::move(path)), line_(line), err_(std::make_shared<std::optional<Error>>()) {
    if (e.get(obj_)) {
      fail("", "an object");
      obj_ = empty().first;
    }
  }
  // A reader of the object under `key` that shares this reader's error.
  JsonRead child(const char* key) {
    JsonRead r = *this;
    simdjson::dom::element e;
    if (obj_[key].get(e) || e.get(r.obj_)) {
      fail(key, "an object");
      r.obj_ = empty().first;
    }
    return r;
  }
  bool has(const char* key) const {
    simdjson::dom::element e;
    return !obj_[key].get(e);
  }
  std::string str(const char* key) {
    std::string_view v;
    if (obj_[key].get(v)) return fail(key, "a string"), std::string();
    return std::string(v);
  }
  std::uint64_t u64(const char* key) {
    std::uint64_t v = 0;
    if (obj_[key].get(v)) return fail(key, "a non-negative integer"), 0;
    return v;
  }
  double f64(const char* key) {
    double v = 0;
    if (obj_[key].get(v)) return fail(key, "a number"), 0.0;
    return v;
  }
  bool boolean(const char* key) {
    bool v = false;
    if (obj_[key].get(v)) return fail(key, "true or false"), false;
    return v;
  }
  // The raw element under `key` (any type); `fallback` if absent.
  simdjson::dom::element elem(const char* key, simdjson::dom::element fallback) {
    simdjson::dom::element e;
    if (obj_[key].get(e)) return fail(key, "present"), fallback;
    return e;
  }
  simdjson::dom::array arr(const char* key) {
    simdjson::dom::array a;
    if (obj_[key].get(a)) return fail(key, "an array"), empty().second;
    return a;
  }
  std::vector<std::string> strings(const char* key) {
    std::vector<std::string> out;
    for (simdjson::dom::element e : arr(key)) {
      std::string_view v;
      if (e.get(v)) return fail(key, "an array of strings"), std::vector<std::string>();
      out.emplace_back(v);
    }
    return out;
  }
  bool ok() const { return !err_->has_value(); }
  Error error() const { return **err_; }

 private:
  // A default-constructed simdjson object or array points at no document (iterating it
  // crashes), so a missing field yields these, parsed once from "{}" and "[]".
  static std::pair<simdjson::dom::object, simdjson::dom::array> empty() {
    static simdjson::dom::parser po, pa;
    static const simdjson::dom::object o = po.parse(std::string_view("{}")).get_object().value_unsafe();
    static const simdjson::dom::array a = pa.parse(std::string_view("[]")).get_array().value_unsafe();
    return {o, a};
  }
  void fail(const char* key, const char* what) {
    if (err_->has_value()) return;
    Error e = make_error(Errc::kFormat,
                         *key ? std::string("field \"") + key + "\" missing or not " + what
                              : std::string("expected ") + what,
                         path_);
    e.line = line_;
    *err_ = e;
  }

  simdjson::dom::object obj_;
  std::string path_;
  std::optional<std::uint64_t> line_;
  std::shared_ptr<std::optional<Error>> err_;  // shared with child readers
};

// The element re-written through JsonWriter (keys in document order, integers as integers,
// other numbers with 6 decimals), compact. Empty if nested deeper than 64 levels.
std::string canonical(simdjson::dom::element e);

}  // namespace prov::reports::detail
