// cli/cmd_eval.cpp: `provaudit eval`: the matcher's error rates on a corpus with known answers.
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "common/file_io.hpp"
#include "eval/eval.hpp"

namespace prov::cli {
namespace {

struct EvalArgs {
  std::vector<std::string> works;
  std::vector<std::string> negatives;
  std::string out = "provaudit-eval";
  std::uint64_t seed = eval::EvalOptions{}.seed;
  unsigned threads = 0;
  bool quick = false;
  std::uint32_t passages = 0;
  std::uint64_t negative_mb = 0;
  std::uint32_t min_words = audit::MatchParams{}.min_words;
  std::string json;
};

int run_eval_cmd(const EvalArgs& a) {
  eval::EvalOptions opt;
  opt.works = a.works;
  opt.negatives = a.negatives;
  opt.out = a.out;
  opt.seed = a.seed;
  opt.threads = a.threads;
  opt.quick = a.quick;
  opt.passages_per_cell = a.passages;
  opt.negative_mb = a.negative_mb;
  opt.match.min_words = a.min_words;
  opt.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto res = eval::run_eval(opt);
  if (!res) return fail(res.error());
  print_errors(res->errors);
  if (!a.json.empty()) {
    if (auto st = write_file_atomic(a.json, eval::eval_json(*res)); !st) return fail(st.error());
  }
  std::cout << eval::format_table(*res);
  return res->exit_code;
}

}  // namespace

void register_eval(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Measure the matcher's error rates: index the works, plant passages of them in\n"
      "unrelated natural text under each kind of damage (verbatim, case_punct, typography,\n"
      "linewrap, ocr, editing) and length (12-1000 words), scan, and score recall,\n"
      "precision, boundary error and the PAN measures (precision, recall, granularity,\n"
      "plagdet) per kind and length, and false attributions per MB of unrelated text.\n"
      "Writes OUT/eval.json (schema provaudit/eval/1), OUT/truth.jsonl, OUT/index,\n"
      "OUT/shards and OUT/run; prints the table.");
  cmd->add_option("--works", args->works,
                  "Works to index: files or directories (default: the demo's generated works)");
  cmd->add_option("--negatives", args->negatives,
                  "Unrelated natural text, never indexed: .txt files or directories (default: "
                  "every third work is held out of the index and used instead)");
  cmd->add_option("--out", args->out, "Output directory (default provaudit-eval)");
  cmd->add_option("--seed", args->seed, "Seed of the generated corpus");
  cmd->add_option("--threads", args->threads, "Threads (default: all CPUs; never changes results)");
  cmd->add_flag("--quick", args->quick,
                "Small corpus for CI: 40 passages per kind and length, 4 MB unrelated text "
                "(default: 200 and 100 MB)");
  cmd->add_option("--passages", args->passages,
                  "Passages per damage kind and length bucket (overrides the mode's)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--negative-mb", args->negative_mb,
                  "MB of unrelated documents (overrides the mode's; small negatives are repeated)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--min-words", args->min_words,
                  "Shortest passage the scan reports, in words (default 25, as scan)")
      ->check(CLI::Range(5, 1000000));
  cmd->add_option("--json", args->json, "Also write eval.json here");
  cmd->callback([args, &exit_code] { exit_code = run_eval_cmd(*args); });
}

}  // namespace prov::cli
