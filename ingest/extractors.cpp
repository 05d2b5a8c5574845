// ingest/extractors.cpp: the current extractor version of each book format.
// Bump a format's number whenever its reader's text output changes for any input: ingest
// then re-extracts works indexed by the older reader (CONTRACT: Works).
#include "ingest/ingest.hpp"

namespace prov::ingest {

std::string extractor_for(std::string_view format) {
  if (format == "txt") return "txt/1";
  if (format == "epub") return "epub/1";
  return std::string(format) + "/0";
}

}  // namespace prov::ingest
