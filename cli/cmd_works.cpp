// cli/cmd_works.cpp: `provaudit works`: list the works of an index, or print one's text.
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
      .field("format", r.format)
      .field("encoding", r.encoding)
      .field("extractor", r.extractor)
      .field("bytes", r.source_bytes)
      .field("text_bytes", r.text_bytes)
      .field("words", r.words)
      .field_strings("warnings", r.warnings)
      .end_object();
  return w.take();
}

int run_works(const WorksArgs& a) {
  auto idx = index::Index::open_read_only(a.index);
  if (!idx) return fail(idx.error());
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
  std::printf("%-16s  %-5s  %8s  %-40s  %s\n", "work_id", "fmt", "words", "title", "path");
  for (const auto& r : *works) {
    std::string title = r.title.empty() ? "-" : r.title;
    if (title.size() > 40) title = title.substr(0, 37) + "...";
    std::printf("%-16s  %-5s  %8llu  %-40s  %s\n", r.work_id.substr(0, 16).c_str(), r.format.c_str(),
                static_cast<unsigned long long>(r.words), title.c_str(), r.path.c_str());
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
  cmd->callback([args, &exit_code] { exit_code = run_works(*args); });
}

}  // namespace prov::cli
