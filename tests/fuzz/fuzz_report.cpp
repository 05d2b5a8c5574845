// tests/fuzz/fuzz_report.cpp: the report's readers and text helpers on hostile bytes.
// The input is also read as a run: up to the first blank line summary.json, the rest
// matches.jsonl (no crash, and every finding lands in a work section).
// Invariants: torrent-evidence parsing never crashes and its canonical form is a fixed point
// (re-parsing it gives the same bytes); clean_text gives valid UTF-8 and html_escape of it
// holds no markup character; word_diff keeps every byte of both sides.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "common/utf8.hpp"
#include "reports/detail/report_model.hpp"

using namespace prov::reports::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto ev = parse_evidence("fuzz.json", bytes);
  if (ev) {
    auto again = parse_evidence("fuzz.json", ev->canonical_json);
    if (!again || again->canonical_json != ev->canonical_json) std::abort();
  }
  {
    ReportModel m;
    const auto cut = bytes.find("\n\n");
    const std::string summary = bytes.substr(0, cut);
    if (parse_summary(m, "summary.json", summary)) {
      std::istringstream matches(cut == std::string::npos ? std::string() : bytes.substr(cut + 2));
      (void)parse_matches(m, "matches.jsonl", matches);
      for (const auto& w : m.works)
        for (const auto& f : w.findings)
          if (f.work_id != w.work_id) std::abort();
    }
  }
  const std::string clean = clean_text(bytes);
  if (!prov::is_valid_utf8(clean)) std::abort();
  const std::string escaped = html_escape(clean);
  if (escaped.find_first_of("<>\"'") != std::string::npos) std::abort();
  const auto nl = clean.find('\n');
  const std::string left = clean.substr(0, nl == std::string::npos ? clean.size() : nl);
  const std::string right = nl == std::string::npos ? std::string() : clean.substr(nl + 1);
  const WordDiff d = word_diff(left, right);
  std::string l, r;
  for (const auto& x : d.left) l += x.text;
  for (const auto& x : d.right) r += x.text;
  if (l != left || r != right) std::abort();
  return 0;
}
