// ingest/extractors.cpp: the current extractor version of each book format.
// Bump a format's number whenever its reader's output (text, offsets or metadata) changes for
// any input: ingest then re-extracts works indexed by the older reader (CONTRACT: Works).
#include "ingest/ingest.hpp"

namespace prov::ingest {

std::string extractor_for(std::string_view format) {
  if (format == "txt") return "txt/1";
  if (format == "epub") return "epub/2";  // 2: publisher, date and ISBNs from the OPF
  if (format == "pdf") return "pdf/1";
  if (format == "fb2") return "fb2/1";
  if (format == "html") return "html/1";
  if (format == "mobi") return "mobi/1";
  if (format == "djvu") return "djvu/1";
  return std::string(format) + "/0";
}

}  // namespace prov::ingest
