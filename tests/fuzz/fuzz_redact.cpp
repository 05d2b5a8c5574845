// tests/fuzz/fuzz_redact.cpp: locating and unescaping the text field of a raw JSON line, as
// filter --redact does. Invariants: the span lies inside the line and is a quoted token; a
// text that unescapes re-escapes (canonical writer) to a token that unescapes to the same text.
#include <string>
#include <string_view>

#include "common/json_writer.hpp"
#include "common/utf8.hpp"
#include "gate/detail/json_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  for (const char* path : {"text", "meta.content"}) {
    const auto span = prov::gate::detail::find_string_field(line, path);
    if (!span) continue;
    if (span->first >= span->second || span->second > line.size() || line[span->first] != '"' ||
        line[span->second - 1] != '"')
      __builtin_trap();
    const auto text = prov::gate::detail::unescape_string(line.substr(span->first, span->second - span->first));
    if (!text || !prov::is_valid_utf8(*text)) continue;
    std::string token;
    prov::append_json_string(token, *text);
    const auto again = prov::gate::detail::unescape_string(token);
    if (!again || *again != *text) __builtin_trap();
  }
  return 0;
}
