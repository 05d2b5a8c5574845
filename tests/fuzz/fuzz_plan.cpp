// tests/fuzz/fuzz_plan.cpp: the plan reader (scale::parse_plan) on arbitrary bytes. Invariant:
// a plan it accepts has tasks that cover its shards contiguously, and writing it and reading
// it back gives the same plan (the same JSON).
#include <cstdint>
#include <string>

#include "scale/scale.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  prov::scale::ReadLimits limits;
  limits.max_shards = 10'000;
  limits.max_tasks = 10'000;
  auto plan = prov::scale::parse_plan(text, "fuzz.json", limits);
  if (!plan) return 0;
  std::size_t next = 0;
  for (const auto& t : plan->tasks) {
    if (t.first != next || t.count == 0) __builtin_trap();
    next += t.count;
  }
  if (next != plan->shards.size()) __builtin_trap();
  const std::string json = prov::scale::plan_json(*plan);
  auto again = prov::scale::parse_plan(json, "again.json", limits);
  if (!again || prov::scale::plan_json(*again) != json) __builtin_trap();
  return 0;
}
