// tests/fuzz/fuzz_policy.cpp: the gate's TOML policy parser on arbitrary bytes. Invariant: a
// policy that parses has every threshold in range, and an error always names a line or says
// why not (the file is the policy's).
#include <string>
#include <string_view>

#include "gate/gate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = prov::gate::parse_policy(text, "fuzz.toml");
  if (!p) {
    if (p.error().path != "fuzz.toml" || p.error().message.empty()) __builtin_trap();
    return 0;
  }
  const std::string id(64, 'a');
  for (const auto& [name, limits] : p->classes) {
    const auto t = p->thresholds_for(id, name);
    if (t.min_words < 5 || t.max_coverage_per_work < 0.0 || t.max_coverage_per_work > 1.0) __builtin_trap();
  }
  if (p->smallest_min_words() < 5) __builtin_trap();
  return 0;
}
