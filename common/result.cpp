// common/result.cpp: human-readable rendering of errors.
#include "common/result.hpp"

namespace prov {

const char* errc_name(Errc c) {
  switch (c) {
    case Errc::kIo: return "io";
    case Errc::kFormat: return "format";
    case Errc::kEncoding: return "encoding";
    case Errc::kLimit: return "limit";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kIncompatible: return "incompatible";
    case Errc::kUsage: return "usage";
    case Errc::kNotFound: return "not_found";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::describe() const {
  std::string out;
  if (!path.empty()) {
    out += path;
    if (line) out += ":" + std::to_string(*line);
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace prov
