// common/hex.hpp: hexadecimal text of bytes (hashes, info-hashes, raw peer ids).
#pragma once

#include <string>
#include <string_view>

namespace prov {

// Lowercase hex, two digits a byte.
std::string to_hex(std::string_view bytes);
// Non-empty and only hex digits, either case.
bool is_hex(std::string_view s);

}  // namespace prov
