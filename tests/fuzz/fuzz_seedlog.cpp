// tests/fuzz/fuzz_seedlog.cpp: the seeding-log parsers (ingest/seedlog.hpp) on arbitrary bytes.
// Invariants: parsing is deterministic; every event names a line inside the input and
// round-trips through its seeding-event/1 JSON unchanged; errors carry the path and a line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/seedlog.hpp"

namespace {
std::string render(const prov::ingest::SeedLog& log) {
  std::string out = log.format + "\n";
  for (const auto& e : log.events) out += prov::ingest::seed_event_json(e) + "\n";
  for (const auto& e : log.errors) out += e.describe() + "\n";
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  prov::ingest::SeedLogOptions opt;
  opt.max_line_bytes = 4096;
  opt.max_events = 10000;
  opt.max_errors = 50;
  if (size > 0 && (data[0] & 1)) opt.tz = "Europe/Berlin";
  auto a = prov::ingest::parse_seedlog(bytes, "fuzz.log", opt);
  auto b = prov::ingest::parse_seedlog(bytes, "fuzz.log", opt);
  if (a.ok() != b.ok()) __builtin_trap();
  if (!a.ok()) return 0;
  if (render(*a) != render(*b)) __builtin_trap();
  if (a->events.size() > opt.max_events || a->errors.size() > opt.max_errors) __builtin_trap();
  for (const auto& e : a->events) {
    if (a->format != "seeding-event-jsonl" && (e.source_line == 0 || e.source_line > a->lines)) __builtin_trap();
    const std::string j = prov::ingest::seed_event_json(e);
    auto back = prov::ingest::parse_seed_event_json(j);
    if (!back.ok() || prov::ingest::seed_event_json(*back) != j) __builtin_trap();
  }
  for (const auto& e : a->errors)
    if (e.path != "fuzz.log" || !e.line || *e.line == 0 || *e.line > a->lines) __builtin_trap();
  std::vector<prov::ingest::SeedLog> logs{std::move(*a)};
  prov::ingest::resolve_torrents(logs);
  return 0;
}
