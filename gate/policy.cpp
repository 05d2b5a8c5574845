// gate/policy.cpp: the policy file (TOML, toml++) and how its levels combine.
//
// Levels, most specific first: [works."<work_id>"], [classes.NAME] (the work's class), then
// [defaults], then built-in values. Each level overrides only the keys it sets. Every key is
// checked: an unknown key, a wrong type or a value out of range is an error naming the line,
// because a typo in a release gate must never silently loosen it.
#include <algorithm>
#include <cmath>

#include <toml++/toml.h>

#include "common/file_io.hpp"
#include "common/sha256.hpp"
#include "gate/gate.hpp"

namespace prov::gate {
namespace {

constexpr std::uint64_t kMaxPolicyBytes = 1u << 20;
constexpr std::size_t kMaxWorks = 100'000;

bool is_work_id(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  Error error_at(const toml::source_region& where, std::string msg) const {
    Error e = make_error(Errc::kFormat, std::move(msg), path_);
    if (where.begin.line > 0) e.line = where.begin.line;
    return e;
  }

  // Reads the limit keys of one table; `extra` names other keys the table may hold.
  Result<Limits> limits(const toml::table& t, const std::string& section,
                        std::initializer_list<const char*> extra = {}) const {
    Limits out;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const auto& where = v.source();
      if (std::find_if(extra.begin(), extra.end(), [&](const char* e) { return key == e; }) != extra.end())
        continue;
      if (key == "min_words") {
        auto n = integer(v, section, key, 5, 1'000'000);
        if (!n) return std::move(n).error();
        out.min_words = static_cast<std::uint32_t>(*n);
      } else if (key == "max_matched_words_per_document") {
        auto n = integer(v, section, key, 0, INT64_MAX);
        if (!n) return std::move(n).error();
        out.max_matched_words_per_document = static_cast<std::uint64_t>(*n);
      } else if (key == "max_documents_per_work") {
        auto n = integer(v, section, key, 0, INT64_MAX);
        if (!n) return std::move(n).error();
        out.max_documents_per_work = static_cast<std::uint64_t>(*n);
      } else if (key == "max_coverage_per_work") {
        double d = 0;
        if (auto f = v.as_floating_point()) {
          d = f->get();
        } else if (auto i = v.as_integer()) {
          d = static_cast<double>(i->get());
        } else {
          return error_at(where, "[" + section + "] " + key + " must be a number between 0 and 1");
        }
        if (!(d >= 0.0 && d <= 1.0))
          return error_at(where, "[" + section + "] " + key + " must be between 0 and 1, not " +
                                     std::to_string(d));
        out.max_coverage_per_work = d;
      } else {
        return error_at(where, "unknown key '" + key + "' in [" + section +
                                   "] (known: min_words, max_matched_words_per_document, "
                                   "max_coverage_per_work, max_documents_per_work)");
      }
    }
    return out;
  }

  Result<std::int64_t> integer(const toml::node& v, const std::string& section, const std::string& key,
                               std::int64_t lo, std::int64_t hi) const {
    auto i = v.as_integer();
    if (!i) return error_at(v.source(), "[" + section + "] " + key + " must be an integer");
    const std::int64_t n = i->get();
    if (n < lo || n > hi)
      return error_at(v.source(), "[" + section + "] " + key + " must be between " + std::to_string(lo) +
                                      " and " + std::to_string(hi) + ", not " + std::to_string(n));
    return n;
  }

  Result<Policy> parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, path_);
    } catch (const toml::parse_error& e) {
      return error_at(e.source(), std::string("invalid TOML: ") + std::string(e.description()));
    }
    Policy p;
    p.path = path_;
    p.sha256 = sha256_hex(text);
    for (auto&& [k, v] : root) {
      const std::string section(k.str());
      const auto* t = v.as_table();
      if (section == "defaults" || section == "classes" || section == "allow" || section == "works") {
        if (!t) return error_at(v.source(), "'" + section + "' must be a table ([" + section + "])");
      }
      if (section == "defaults") {
        auto l = limits(*t, "defaults");
        if (!l) return std::move(l).error();
        if (l->min_words) p.defaults.min_words = *l->min_words;
        if (l->max_matched_words_per_document)
          p.defaults.max_matched_words_per_document = *l->max_matched_words_per_document;
        if (l->max_coverage_per_work) p.defaults.max_coverage_per_work = *l->max_coverage_per_work;
        if (l->max_documents_per_work) p.defaults.max_documents_per_work = *l->max_documents_per_work;
      } else if (section == "classes") {
        for (auto&& [ck, cv] : *t) {
          const std::string name(ck.str());
          const auto* ct = cv.as_table();
          if (!ct) return error_at(cv.source(), "classes." + name + " must be a table ([classes." + name + "])");
          if (name.empty()) return error_at(cv.source(), "a class name may not be empty");
          auto l = limits(*ct, "classes." + name);
          if (!l) return std::move(l).error();
          p.classes[name] = *l;
        }
      } else if (section == "works") {
        for (auto&& [wk, wv] : *t) {
          const std::string id(wk.str());
          const auto* wt = wv.as_table();
          if (!wt) return error_at(wv.source(), "works.\"" + id + "\" must be a table");
          if (!is_work_id(id))
            return error_at(wv.source(), "works.\"" + id + "\": a work id is 64 lowercase hex digits (the SHA-256 of the work's file)");
          if (p.works.size() >= kMaxWorks) return error_at(wv.source(), "more than 100000 works");
          auto l = limits(*wt, "works.\"" + id.substr(0, 12) + "...\"", {"class"});
          if (!l) return std::move(l).error();
          WorkRule rule;
          rule.limits = *l;
          if (const auto* c = wt->get("class")) {
            auto s = c->as_string();
            if (!s || s->get().empty()) return error_at(c->source(), "class must be a non-empty string");
            rule.work_class = s->get();
          }
          p.works[id] = std::move(rule);
        }
      } else if (section == "allow") {
        for (auto&& [ak, av] : *t) {
          const std::string key(ak.str());
          if (key != "works") return error_at(av.source(), "unknown key '" + key + "' in [allow] (known: works)");
          const auto* arr = av.as_array();
          if (!arr) return error_at(av.source(), "[allow] works must be an array of work ids");
          if (arr->size() > kMaxWorks) return error_at(av.source(), "more than 100000 allowed works");
          for (const auto& e : *arr) {
            auto s = e.as_string();
            if (!s || !is_work_id(s->get()))
              return error_at(e.source(), "[allow] works: each entry must be a work id or source SHA-256 (64 lowercase hex digits)");
            p.allow.push_back(s->get());
          }
        }
      } else {
        return error_at(v.source(), "unknown section [" + section + "] (known: defaults, classes, works, allow)");
      }
    }
    std::sort(p.allow.begin(), p.allow.end());
    p.allow.erase(std::unique(p.allow.begin(), p.allow.end()), p.allow.end());
    return p;
  }

 private:
  std::string path_;
};

void apply(Thresholds& t, const Limits& l) {
  if (l.min_words) t.min_words = *l.min_words;
  if (l.max_matched_words_per_document) t.max_matched_words_per_document = *l.max_matched_words_per_document;
  if (l.max_coverage_per_work) t.max_coverage_per_work = *l.max_coverage_per_work;
  if (l.max_documents_per_work) t.max_documents_per_work = *l.max_documents_per_work;
}

}  // namespace

std::string Policy::class_of(const std::string& work_id, const std::string& indexed_class) const {
  if (auto it = works.find(work_id); it != works.end() && !it->second.work_class.empty())
    return it->second.work_class;
  return indexed_class;
}

Thresholds Policy::thresholds_for(const std::string& work_id, const std::string& work_class) const {
  Thresholds t = defaults;
  const std::string cls = class_of(work_id, work_class);
  if (auto it = classes.find(cls); !cls.empty() && it != classes.end()) apply(t, it->second);
  if (auto it = works.find(work_id); it != works.end()) apply(t, it->second.limits);
  return t;
}

std::uint32_t Policy::smallest_min_words() const {
  std::uint32_t m = defaults.min_words;
  for (const auto& [name, l] : classes)
    if (l.min_words) m = std::min(m, *l.min_words);
  for (const auto& [id, r] : works)
    if (r.limits.min_words) m = std::min(m, *r.limits.min_words);
  return m;
}

bool Policy::allowed(const std::string& work_id) const {
  return std::binary_search(allow.begin(), allow.end(), work_id);
}

Result<Policy> parse_policy(std::string_view toml, const std::string& path) {
  if (toml.size() > kMaxPolicyBytes)
    return make_error(Errc::kLimit, "policy larger than 1 MiB", path);
  return Parser(path).parse(toml);
}

Result<Policy> load_policy(const std::string& path) {
  auto text = read_file(path, kMaxPolicyBytes);
  if (!text) return std::move(text).error().with_path(path);
  return parse_policy(*text, path);
}

}  // namespace prov::gate
