// ingest/detail/book_readers.hpp: the per-format book readers behind read_book_bytes().
//
// book.cpp owns detection, hashing and the Book's identity fields (sha256, path, format,
// extractor); each reader fills in what it extracts (text, offsets, metadata, encoding,
// warnings). Readers return an Error without a path; book.cpp adds it.
#pragma once

#include <string_view>

#include "common/result.hpp"
#include "ingest/ingest.hpp"

namespace prov::ingest::detail {

// Plain text in UTF-8/16/32 (BOM) or a legacy encoding detected by ICU.
Status read_txt(std::string_view bytes, Book& book);
// EPUB 2 and 3 (zip container, OPF package, XHTML spine).
Status read_epub(std::string_view bytes, const BookLimits& limits, Book& book);

}  // namespace prov::ingest::detail
