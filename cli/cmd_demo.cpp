// cli/cmd_demo.cpp: `provaudit demo`: the whole pipeline on a corpus it generates itself.
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "demo/demo.hpp"

namespace prov::cli {
namespace {

struct DemoArgs {
  std::string out = "provaudit-demo";
  unsigned threads = 0;
};

int run_demo_cmd(const DemoArgs& a) {
  demo::DemoOptions opt;
  opt.out = a.out;
  opt.threads = a.threads;
  opt.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto res = demo::run_demo(opt);
  if (!res) return fail(res.error());
  std::cout << demo::format_table(*res);
  return res->exit_code;
}

}  // namespace

void register_demo(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Generate a small corpus (works as .txt and .epub, shards with planted passages and\n"
      "their ground truth), ingest it, scan it, and print what was found beside what was\n"
      "planted, with recall and precision. Needs no input.");
  cmd->add_option("--out", args->out, "Directory for the generated corpus, index and run (default provaudit-demo)");
  cmd->add_option("--threads", args->threads, "Threads (default: all CPUs)");
  cmd->callback([args, &exit_code] { exit_code = run_demo_cmd(*args); });
}

}  // namespace prov::cli
