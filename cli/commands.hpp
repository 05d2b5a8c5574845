// cli/commands.hpp: one function per subcommand; main.cpp wires them to CLI11.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/result.hpp"

namespace prov::cli {

// Exit codes (CONTRACT.md): 0 done; 1 the command's check failed; 2 could not run;
// 3 done, but some inputs were skipped.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitCannotRun = 2;
inline constexpr int kExitSkipped = 3;

// Each register_* adds a subcommand whose callback stores its exit code in `exit_code`.
void register_ingest(CLI::App& app, int& exit_code);
void register_works(CLI::App& app, int& exit_code);
void register_scan(CLI::App& app, int& exit_code);
void register_demo(CLI::App& app, int& exit_code);
void register_eval(CLI::App& app, int& exit_code);
void register_gate(CLI::App& app, int& exit_code);
void register_diff(CLI::App& app, int& exit_code);
void register_filter(CLI::App& app, int& exit_code);
void register_plan(CLI::App& app, int& exit_code);   // plan, merge, slurm (cli/cmd_scale.cpp)
void register_merge(CLI::App& app, int& exit_code);
void register_slurm(CLI::App& app, int& exit_code);
void register_report(CLI::App& app, int& exit_code);
void register_verify(CLI::App& app, int& exit_code);
void register_reproduce(CLI::App& app, int& exit_code);
void register_keygen(CLI::App& app, int& exit_code);
void register_torrent(CLI::App& app, int& exit_code);
void register_evidence(CLI::App& app, int& exit_code);

// Prints "provaudit: <error>" on stderr and returns kExitCannotRun.
int fail(const Error& e);
// Writes skipped inputs to stderr, one line each.
void print_errors(const std::vector<Error>& errors);
bool stderr_is_terminal();

}  // namespace prov::cli

namespace prov::index { class Index; }
namespace prov::audit { struct ScanOptions; }
namespace prov::cli {
// `scan --plan PLAN --task I`: scans one task of a plan into RUN/parts (cli/cmd_scale.cpp).
int run_scan_task(const index::Index& index, audit::ScanOptions options, const std::string& plan,
                  std::size_t task, const std::string& run, bool quiet);

}  // namespace prov::cli
