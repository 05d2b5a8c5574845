// cli/main.cpp: provaudit's entry point. Turns arguments into a subcommand call and any
// error into one message and an exit code (CONTRACT.md); all work happens in the libraries.
#include <libtorrent/version.hpp>
#include <rocksdb/version.h>
#include <simdjson.h>
#include <unicode/uversion.h>
#include <xxhash.h>
#include <zstd.h>
#include <zlib.h>
#include <archive.h>
#include <libxml/xmlversion.h>

#include <malloc.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <unistd.h>

#include "cli/commands.hpp"
#include "common/version.hpp"

namespace prov::cli {

int fail(const Error& e) {
  std::fprintf(stderr, "provaudit: %s\n", e.describe().c_str());
  return kExitCannotRun;
}

void print_errors(const std::vector<Error>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "provaudit: skipped %s\n", e.describe().c_str());
}

bool stderr_is_terminal() { return ::isatty(2) == 1; }

}  // namespace prov::cli

namespace {

std::string version_text() {
  std::string v = std::string(prov::kToolName) + " " + prov::kToolVersion + "\n";
  v += "  rocksdb " + std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
       std::to_string(ROCKSDB_PATCH) + "\n";
  v += "  simdjson " + std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
       std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." + std::to_string(simdjson::SIMDJSON_VERSION_REVISION) + "\n";
  v += std::string("  icu ") + U_ICU_VERSION + "\n";
  v += "  xxhash " + std::to_string(XXH_versionNumber() / 10000) + "." +
       std::to_string(XXH_versionNumber() / 100 % 100) + "." + std::to_string(XXH_versionNumber() % 100) + "\n";
  v += std::string("  zstd ") + ZSTD_versionString() + "\n";
  v += std::string("  zlib ") + zlibVersion() + "\n";
  v += std::string("  ") + archive_version_string() + "\n";
  v += std::string("  libxml2 ") + LIBXML_DOTTED_VERSION + "\n";
  v += std::string("  libtorrent-rasterbar ") + lt::version() + "\n";
  return v;
}

// glibc's malloc hands freed memory back to the kernel at a 128 KiB heap top and serves
// blocks over 128 KiB-32 MiB with fresh mmaps, so a scan that allocates per document paid a
// page fault (and the kernel's zeroing) for the same memory again and again: 3-9 % of a scan
// or an ingest on this project's virtual machines. Keep freed memory for reuse instead: the
// benchmark's peak RSS grew 2 % for it (bench/README.md).
void tune_malloc() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest glibc accepts; fixes the threshold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 16 << 20);
}

}  // namespace

int main(int argc, char** argv) try {
  tune_malloc();
  CLI::App app{
      "provaudit: find known works inside training data, with evidence.\n"
      "Ingest known works (e-books of every common format) into an index, scan training shards\n"
      "(.jsonl, .jsonl.gz, .jsonl.zst, .txt) against it, and get every verified passage with byte\n"
      "offsets on both sides plus per-work coverage.\n\n"
      "Exit codes: 0 done; 1 a check failed; 2 could not run; 3 done, some inputs skipped.",
      "provaudit"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and the libraries' versions");
  int exit_code = prov::cli::kExitOk;
  prov::cli::register_ingest(app, exit_code);
  prov::cli::register_works(app, exit_code);
  prov::cli::register_scan(app, exit_code);
  prov::cli::register_demo(app, exit_code);
  prov::cli::register_eval(app, exit_code);
  prov::cli::register_gate(app, exit_code);
  prov::cli::register_diff(app, exit_code);
  prov::cli::register_filter(app, exit_code);
  prov::cli::register_plan(app, exit_code);
  prov::cli::register_merge(app, exit_code);
  prov::cli::register_slurm(app, exit_code);
  prov::cli::register_report(app, exit_code);
  prov::cli::register_verify(app, exit_code);
  prov::cli::register_reproduce(app, exit_code);
  prov::cli::register_keygen(app, exit_code);
  prov::cli::register_torrent(app, exit_code);
  prov::cli::register_evidence(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return prov::cli::kExitCannotRun;
  }
  if (show_version) {
    std::cout << version_text();
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return prov::cli::kExitCannotRun;
  }
  return exit_code;
} catch (const std::exception& e) {
  std::fprintf(stderr, "provaudit: internal error: %s\n", e.what());
  return prov::cli::kExitCannotRun;
}
