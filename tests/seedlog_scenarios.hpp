// tests/seedlog_scenarios.hpp: the real seeding logs of ../shared/torrent-evidence, for the
// seeding-log tests of ingest, audit and the CLI. Header-only; tests skip when it is absent.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace prov::test {

inline std::optional<std::filesystem::path> torrent_evidence_dir() {
  auto p = std::filesystem::path(PROV_SHARED_DIR) / "torrent-evidence";
  if (!std::filesystem::exists(p / "FORMATS.md")) return std::nullopt;
  return p;
}

// Scenario folders s1-... to s6-..., sorted.
inline std::vector<std::filesystem::path> scenario_dirs(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(root))
    if (e.is_directory() && e.path().filename().string().size() > 2 && e.path().filename().string()[0] == 's' &&
        std::isdigit(static_cast<unsigned char>(e.path().filename().string()[1])))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The logs of a scenario that carry seeding evidence in a format provaudit reads (the rest:
// nginx's error log, console output, the Transmission message log, the rTorrent main log,
// state files, carry none or are not read).
inline bool is_evidence_log(const std::string& name) {
  auto ends = [&](const char* s) {
    const std::string t(s);
    return name.size() >= t.size() && name.compare(name.size() - t.size(), t.size(), t) == 0;
  };
  return name.rfind("tracker-access.", 0) == 0 || ends("-deep-debug.log") || ends("-rpc-poll.jsonl") || ends("-xmlrpc-poll.jsonl") ||
         (name.rfind("aria2-", 0) == 0 && ends("-debug.log")) || ends("-alerts.jsonl") || ends("-alerts.log") || ends("-webapi-poll.jsonl") ||
         ends("-webapi-peers.jsonl") || ends("-peer-debug.log") || name == "qbittorrent.log" || ends("-console-info-final.txt") || ends("-remote-info.txt") ||
         (name.rfind("deluge-", 0) == 0 && ends("-debug.log"));
}

inline std::vector<std::filesystem::path> evidence_logs(const std::filesystem::path& scenario) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(scenario / "logs"))
    if (e.is_regular_file() && is_evidence_log(e.path().filename().string())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace prov::test

#define PROV_REQUIRE_TORRENT_EVIDENCE(var)                                   \
  auto var##_opt = ::prov::test::torrent_evidence_dir();                     \
  if (!var##_opt) {                                                          \
    WARN("skipped: ../shared/torrent-evidence not present");                 \
    return;                                                                  \
  }                                                                          \
  const std::filesystem::path var = *var##_opt
