// gate/ci_formats.cpp: the verdict in the formats CI systems already show.
//
// JUnit XML: one <testsuite>, one <testcase> per work with findings (classname
// provaudit.gate.<class>), a <failure> per failing work whose text lists each violation with
// its work, document, shard, line and excerpt; plus one testcase "inputs readable" that is an
// <error> when the scan skipped input (the gate fails closed).
// SARIF 2.1.0: one run, one rule per limit kind, one result per violation whose first location
// is the shard file with region.startLine = the record's line; a work-wide violation lists its
// other documents as relatedLocations. partialFingerprints carry the finding_id, so code
// scanning UIs track a finding across runs.
#include <cstdio>

#include "common/json_writer.hpp"
#include "common/version.hpp"
#include "gate/gate.hpp"

namespace prov::gate {
namespace {

constexpr std::size_t kMaxListed = 100;  // findings written out per violation

// XML 1.0 text: escapes markup characters and replaces the control characters XML forbids.
std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    // U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
    if (c == '\xEF' && i + 2 < s.size() && s[i + 1] == '\xBF' && (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
      out += "\xEF\xBF\xBD";
      i += 2;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string limit_text(Rule r, double v) {
  if (r == Rule::kCoveragePerWork) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    return buf;
  }
  return std::to_string(static_cast<std::uint64_t>(v));
}

std::string violation_message(const Violation& x, const RunData& run) {
  std::string m = std::string(rule_id(x.rule)) + ": work " + x.work_id + " ";
  switch (x.rule) {
    case Rule::kMatchedWordsPerDocument: {
      const Finding& f = run.findings[*x.document];
      m += "has " + limit_text(x.rule, x.value) + " matched words in document " + f.doc_id + " (" + f.shard +
           " line " + std::to_string(f.record) + "), limit " + limit_text(x.rule, x.limit);
      break;
    }
    case Rule::kCoveragePerWork:
      m += "coverage " + limit_text(x.rule, x.value) + " exceeds limit " + limit_text(x.rule, x.limit);
      break;
    case Rule::kDocumentsPerWork:
      m += "is found in " + limit_text(x.rule, x.value) + " documents, limit " + limit_text(x.rule, x.limit);
      break;
  }
  return m;
}

// Percent-encodes a path for a SARIF artifactLocation.uri: relative paths stay relative
// references; absolute ones become file:// URIs.
std::string path_uri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = !path.empty() && path[0] == '/' ? "file://" : "";
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.' || c == '~' || c == '/';
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void physical_location(JsonWriter& w, const Finding& f) {
  w.begin_object().key("physicalLocation").begin_object();
  w.key("artifactLocation").begin_object().field("uri", path_uri(f.shard)).end_object();
  w.key("region").begin_object().field("startLine", f.record).end_object();
  w.end_object();
  w.key("message").begin_object().field("text", "document " + f.doc_id + ", bytes " + std::to_string(f.doc_start) +
                                                    "-" + std::to_string(f.doc_end) + ", finding " + f.finding_id)
      .end_object();
  w.end_object();
}

}  // namespace

std::string junit_xml(const Policy& policy, const RunData& run, const GateResult& res) {
  std::size_t failures = 0;
  for (const auto& v : res.works) failures += !v.passed;
  const std::size_t errors = run.errors.empty() ? 0 : 1;
  const std::size_t tests = res.works.size() + 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"provaudit gate\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\">\n";
  out += "  <testsuite name=\"provaudit gate: " + xml_escape(policy.path) + "\" tests=\"" + std::to_string(tests) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
         "\" skipped=\"0\">\n";
  out += "    <testcase classname=\"provaudit.gate\" name=\"inputs readable\"";
  if (run.errors.empty()) {
    out += "/>\n";
  } else {
    out += ">\n      <error type=\"unreadable-input\" message=\"" + std::to_string(run.errors.size()) +
           " inputs could not be read; the gate fails closed\">";
    for (const auto& e : run.errors) out += xml_escape(e.describe()) + "\n";
    out += "</error>\n    </testcase>\n";
  }
  for (const auto& v : res.works) {
    out += "    <testcase classname=\"provaudit.gate." + xml_escape(v.work_class.empty() ? "unclassified" : v.work_class) +
           "\" name=\"" + xml_escape("work " + v.work_id + " (" + (v.title.empty() ? v.path : v.title) + ")") + "\"";
    if (v.passed) {
      out += "/>\n";
      continue;
    }
    std::string first_msg, body;
    std::size_t n = 0;
    for (const auto& x : res.violations) {
      if (x.work_id != v.work_id) continue;
      const std::string msg = violation_message(x, run);
      if (first_msg.empty()) first_msg = msg;
      ++n;
      body += msg + "\n";
      std::size_t listed = 0;
      for (const std::size_t i : x.findings) {
        if (++listed > kMaxListed) {
          body += "  ... " + std::to_string(x.findings.size() - kMaxListed) + " more findings in gate.json\n";
          break;
        }
        const Finding& f = run.findings[i];
        body += "  work: " + f.work_id + "\n  document: " + f.doc_id + "\n  shard: " + f.shard +
                "\n  line: " + std::to_string(f.record) + "\n  bytes: " + std::to_string(f.doc_start) + "-" +
                std::to_string(f.doc_end) + " (" + std::to_string(f.words) + " words)\n  finding: " + f.finding_id +
                "\n  excerpt: " + f.excerpt + "\n\n";
      }
    }
    const std::string type = n > 1 ? "multiple" : first_msg.substr(0, first_msg.find(':'));
    out += ">\n      <failure type=\"" + xml_escape(type) + "\" message=\"" +
           xml_escape(first_msg + (n > 1 ? " (and " + std::to_string(n - 1) + " more)" : "")) + "\">" +
           xml_escape(body) + "</failure>\n    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string sarif_json(const Policy& policy, const RunData& run, const GateResult& res) {
  const Rule rules[] = {Rule::kMatchedWordsPerDocument, Rule::kCoveragePerWork, Rule::kDocumentsPerWork};
  const char* descriptions[] = {
      "A document holds more counted words of one known work than the policy allows",
      "More of one known work is found across all shards than the policy allows",
      "One known work is found in more documents than the policy allows"};
  JsonWriter w(true);
  w.begin_object()
      .field("$schema", "https://json.schemastore.org/sarif-2.1.0.json")
      .field("version", "2.1.0");
  w.key("runs").begin_array().begin_object();
  w.key("tool").begin_object().key("driver").begin_object()
      .field("name", kToolName)
      .field("version", kToolVersion);  // no informationUri: the project has no public home yet
  w.key("rules").begin_array();
  for (std::size_t r = 0; r < 3; ++r) {
    w.begin_object().field("id", rule_id(rules[r]));
    w.key("shortDescription").begin_object().field("text", descriptions[r]).end_object();
    w.key("defaultConfiguration").begin_object().field("level", "error").end_object();
    w.end_object();
  }
  w.end_array().end_object().end_object();  // rules, driver, tool
  w.key("invocations").begin_array().begin_object()
      .field("executionSuccessful", run.errors.empty());
  w.key("toolExecutionNotifications").begin_array();
  for (const auto& e : run.errors) {
    w.begin_object().field("level", "error");
    w.key("message").begin_object().field("text", "unreadable input: " + e.describe()).end_object();
    w.end_object();
  }
  w.end_array().end_object().end_array();
  w.key("results").begin_array();
  for (const auto& x : res.violations) {
    const std::size_t primary = x.document ? *x.document : x.findings.front();
    const Finding& f = run.findings[primary];
    w.begin_object()
        .field("ruleId", rule_id(x.rule))
        .field("ruleIndex", static_cast<std::uint64_t>(x.rule))
        .field("level", "error");
    w.key("message").begin_object().field("text", violation_message(x, run) +
                                                      (f.excerpt.empty() ? "" : ". Excerpt: " + f.excerpt))
        .end_object();
    w.key("locations").begin_array();
    physical_location(w, f);
    w.end_array();
    if (x.findings.size() > 1) {
      w.key("relatedLocations").begin_array();
      std::size_t listed = 0;
      for (const std::size_t i : x.findings) {
        if (i == primary) continue;
        if (++listed > kMaxListed) break;
        physical_location(w, run.findings[i]);
      }
      w.end_array();
    }
    w.key("partialFingerprints").begin_object()
        .field("provauditFinding/v1", f.finding_id + "/" + rule_id(x.rule))
        .end_object();
    w.key("properties").begin_object()
        .field("work_id", x.work_id)
        .field("doc_id", f.doc_id);
    if (x.rule == Rule::kCoveragePerWork) {
      w.field("value", x.value).field("limit", x.limit);
    } else {
      w.field("value", static_cast<std::uint64_t>(x.value)).field("limit", static_cast<std::uint64_t>(x.limit));
    }
    w.key("finding_ids").begin_array();
    for (const std::size_t i : x.findings) w.value(run.findings[i].finding_id);
    w.end_array().end_object();
    w.end_object();
  }
  w.end_array();
  w.end_object().end_array().end_object();
  (void)policy;
  return w.take() + "\n";
}

}  // namespace prov::gate
