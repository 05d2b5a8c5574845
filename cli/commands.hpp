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
void register_evidence(CLI::App& app, int& exit_code);

// Prints "provaudit: <error>" on stderr and returns kExitCannotRun.
int fail(const Error& e);
// Writes skipped inputs to stderr, one line each.
void print_errors(const std::vector<Error>& errors);
bool stderr_is_terminal();

}  // namespace prov::cli
