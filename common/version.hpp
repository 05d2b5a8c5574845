// common/version.hpp: the tool's identity, recorded in every output.
#pragma once

namespace prov {
inline constexpr const char* kToolName = "provaudit";
inline constexpr const char* kToolVersion = "0.1.0";
}  // namespace prov
