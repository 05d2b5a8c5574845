// common/utf8.hpp: UTF-8 validation helpers shared by ingest, audit and the JSON writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace prov {

// Length of the well-formed UTF-8 sequence starting at s[i] (1..4), or 0 if it is ill-formed
// (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
bool is_valid_utf8(std::string_view s);
// Byte offset of the first ill-formed sequence, or s.size() if none.
std::size_t first_invalid_utf8(std::string_view s);
// Appends code point cp (assumed valid scalar value) as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace prov
