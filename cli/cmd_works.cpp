// cli/cmd_works.cpp: `provaudit works`: list the works of an index, print one's text, or say
// where one of its text offsets came from (--locate).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "common/json_writer.hpp"
#include "index/index.hpp"

namespace prov::cli {
namespace {

struct WorksArgs {
  std::string index;
  bool json = false;
  std::string text_of;
  std::vector<std::string> locate;  // WORK_ID OFFSET
};

std::string work_json(const index::WorkRecord& r) {
  JsonWriter w;
  w.begin_object()
      .field("work_id", r.work_id)
      .field("sha256", r.work_id)
      .field("path", r.path)
      .field_strings("paths", r.paths)
      .field("title", r.title)
      .field_strings("authors", r.authors)
      .field("language", r.language)
      .field("publisher", r.publisher)
      .field("date", r.date)
      .field_strings("isbns", r.isbns)
      .field("format", r.format)
      .field("encoding", r.encoding)
      .field("extractor", r.extractor)
      .field("bytes", r.source_bytes)
      .field("text_bytes", r.text_bytes)
      .field("words", r.words)
      .field_strings("warnings", r.warnings)
      .field("class", r.work_class)
      .field("rightsholder", r.rightsholder)
      .end_object();
  return w.take();
}

// Where text offset `offset` of a work came from, as one line per fact:
//   work, offset, source (archive member / spine item / page), line, raw byte offset.
int run_locate(const index::Index& idx, const std::string& id, const std::string& offset_arg) {
  auto r = idx.resolve(id);
  if (!r) return fail(r.error());
  std::uint64_t offset = 0;
  try {
    std::size_t used = 0;
    offset = std::stoull(offset_arg, &used);
    if (used != offset_arg.size()) throw std::invalid_argument("trailing characters");
  } catch (const std::exception&) {
    return fail(make_error(Errc::kUsage, "--locate: OFFSET must be a byte offset, not \"" +
                                             offset_arg + "\""));
  }
  auto spans = idx.offsets(r->num);
  if (!spans) return fail(spans.error());
  if (offset >= r->text_bytes)
    return fail(make_error(Errc::kUsage, "--locate: offset " + std::to_string(offset) +
                                             " is past the end of the text (" +
                                             std::to_string(r->text_bytes) + " bytes)"));
  auto it = std::upper_bound(spans->begin(), spans->end(), offset,
                             [](std::uint64_t o, const ingest::OffsetSpan& s) { return o < s.text_start; });
  if (it == spans->begin() || offset >= std::prev(it)->text_end)
    return fail(make_error(Errc::kNotFound, "--locate: the offset map has no span for offset " +
                                                std::to_string(offset)));
  const ingest::OffsetSpan& s = *std::prev(it);
  std::printf("work: %s\n", r->work_id.c_str());
  std::printf("path: %s\n", r->path.c_str());
  std::printf("offset: %llu (span %llu-%llu of the extracted text)\n",
              static_cast<unsigned long long>(offset), static_cast<unsigned long long>(s.text_start),
              static_cast<unsigned long long>(s.text_end));
  const bool paged = r->format == "pdf" || r->format == "djvu";
  if (!s.source.empty()) std::printf("%s: %s\n", paged ? "page" : "part", paged ? s.source.substr(5).c_str() : s.source.c_str());
  if (r->format == "txt") {
    // Line endings were normalised one for one, so text line N is source line N; within a
    // UTF-8 span the bytes are the source's, so the raw offset is exact.
    auto text = idx.text(r->num);
    if (!text) return fail(text.error());
    const auto line = 1 + std::count(text->begin(), text->begin() + static_cast<std::ptrdiff_t>(offset), '\n');
    std::printf("line: %lld\n", static_cast<long long>(line));
    if (r->encoding == "UTF-8")
      std::printf("source byte: %llu\n",
                  static_cast<unsigned long long>(s.source_offset + (offset - s.text_start)));
    else
      std::printf("source byte: %llu (start of the line; %s)\n",
                  static_cast<unsigned long long>(s.source_offset), r->encoding.c_str());
  } else if (!paged && s.source_line > 0) {
    std::printf("line: %u (of the element that starts the block)\n", s.source_line);
  }
  return kExitOk;
}

int run_works(const WorksArgs& a) {
  auto idx = index::Index::open_read_only(a.index);
  if (!idx) return fail(idx.error());
  if (!a.locate.empty()) return run_locate(**idx, a.locate[0], a.locate[1]);
  if (!a.text_of.empty()) {
    auto r = (*idx)->resolve(a.text_of);
    if (!r) return fail(r.error());
    auto text = (*idx)->text(r->num);
    if (!text) return fail(text.error());
    std::fwrite(text->data(), 1, text->size(), stdout);
    return kExitOk;
  }
  auto works = (*idx)->works();
  if (!works) return fail(works.error());
  if (a.json) {
    std::string out = "[";
    for (std::size_t i = 0; i < works->size(); ++i) {
      out += (i ? ",\n" : "\n") + work_json((*works)[i]);
    }
    out += works->empty() ? "]\n" : "\n]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  std::printf("%-16s  %-5s  %8s  %-40s  %-24s  %-10s  %-13s  %-12s  %s\n", "work_id", "fmt", "words",
              "title", "authors", "date", "isbn", "class", "path");
  auto cut = [](std::string s, std::size_t n) {
    if (s.empty()) return std::string("-");
    if (s.size() <= n) return s;
    std::size_t at = n - 3;
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;  // whole chars
    return s.substr(0, at) + "...";
  };
  for (const auto& r : *works) {
    std::string authors;
    for (const auto& au : r.authors) authors += (authors.empty() ? "" : "; ") + au;
    std::printf("%-16s  %-5s  %8llu  %-40s  %-24s  %-10s  %-13s  %-12s  %s\n",
                r.work_id.substr(0, 16).c_str(), r.format.c_str(),
                static_cast<unsigned long long>(r.words), cut(r.title, 40).c_str(),
                cut(authors, 24).c_str(), cut(r.date, 10).c_str(),
                r.isbns.empty() ? "-" : r.isbns.front().c_str(), cut(r.work_class, 12).c_str(), r.path.c_str());
  }
  std::printf("%zu works; full ids and every field: --json\n", works->size());
  return kExitOk;
}

}  // namespace

void register_works(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<WorksArgs>();
  auto* cmd = app.add_subcommand("works", "List the works in an index, or print one work's extracted text.");
  cmd->add_option("--index", args->index, "Index directory")->required();
  cmd->add_flag("--json", args->json, "One JSON array with every field of every work");
  cmd->add_option("--text", args->text_of, "Print the extracted text of WORK_ID (or a unique prefix of 8+ hex digits)");
  cmd->add_option("--locate", args->locate,
                  "WORK_ID OFFSET: where byte OFFSET of the work's extracted text came from "
                  "(archive member, EPUB spine item and element line, PDF page, .txt line and byte)")
      ->expected(2);
  cmd->callback([args, &exit_code] { exit_code = run_works(*args); });
}

}  // namespace prov::cli
