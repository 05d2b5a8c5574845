// gate/detail/json_text.hpp: where a string field sits inside one JSON line, and its text.
//
// Redaction rewrites one string value of a record and must leave every other byte of the line
// as it was, so it needs the byte span of that value in the raw line, which a DOM parser does
// not give. This is a small validating scanner for one JSON object (depth and size limited);
// the caller has already had the line accepted by simdjson (ingest's ShardReader).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace prov::gate::detail {

// The span [first, last) of the string token (quotes included) that the dotted path
// ("text", "meta.content") names in the JSON object `line`: the first key that matches at each
// level, as simdjson's lookups take it. nullopt if the line is not an object, the path is
// missing, the value is not a string, or nesting exceeds max_depth.
std::optional<std::pair<std::size_t, std::size_t>> find_string_field(std::string_view line,
                                                                     std::string_view dotted_path,
                                                                     int max_depth = 64);

// The text of a JSON string token (with quotes): escapes resolved, an unpaired surrogate
// escape becoming U+FFFD (as ingest's reader repairs it). nullopt if the token is malformed.
std::optional<std::string> unescape_string(std::string_view token);

}  // namespace prov::gate::detail
