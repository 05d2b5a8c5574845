// cli/cmd_report.cpp: `provaudit report`, `verify`, `reproduce` and `keygen`: evidentiary
// reports of a scan run, their manifest, its signature, and re-running the recorded scan.
#include <cstdio>

#include "cli/commands.hpp"
#include "reports/reports.hpp"

namespace prov::cli {
namespace {

struct ReportArgs {
  reports::ReportOptions opt;
  std::string formats = "json,html,pdf";
};

int run_report(ReportArgs& a) {
  a.opt.json = a.opt.html = a.opt.pdf = false;
  std::size_t pos = 0;
  while (pos <= a.formats.size()) {
    std::size_t comma = a.formats.find(',', pos);
    if (comma == std::string::npos) comma = a.formats.size();
    const std::string f = a.formats.substr(pos, comma - pos);
    if (f == "json") {
      a.opt.json = true;
    } else if (f == "html") {
      a.opt.html = true;
    } else if (f == "pdf") {
      a.opt.pdf = true;
    } else {
      return fail(make_error(Errc::kUsage, "--format: unknown format \"" + f + "\" (json, html, pdf)"));
    }
    pos = comma + 1;
  }
  auto res = reports::write_report(a.opt);
  if (!res) return fail(res.error());
  print_errors(res->problems);
  std::printf("%llu works, %llu findings\n", static_cast<unsigned long long>(res->works),
              static_cast<unsigned long long>(res->findings));
  for (const auto& f : res->files) std::printf("  %s/%s\n", a.opt.out.c_str(), f.c_str());
  return res->problems.empty() ? kExitOk : kExitSkipped;
}

int run_verify(const reports::VerifyOptions& o, bool verbose) {
  auto res = reports::verify(o);
  if (!res) return fail(res.error());
  for (const auto& n : res->notes)
    if (verbose || n.rfind("ok: ", 0) != 0) std::printf("%s\n", n.c_str());
  for (const auto& d : res->differences) std::printf("%s\n", d.c_str());
  if (!res->ok()) {
    std::fprintf(stderr, "provaudit: verify: %zu difference(s) in %s\n", res->differences.size(), o.dir.c_str());
    return kExitCheckFailed;
  }
  std::printf("verified: every recorded hash matches%s\n", o.pubkey.empty() ? "" : ", and the signature is valid");
  return kExitOk;
}

int run_reproduce(const std::string& dir, unsigned threads, bool keep) {
  auto res = reports::reproduce(dir, threads, keep);
  if (!res) return fail(res.error());
  for (const auto& n : res->notes) std::printf("%s\n", n.c_str());
  for (const auto& d : res->differences) std::printf("%s\n", d.c_str());
  if (keep) std::printf("re-run kept in %s\n", res->scan_dir.c_str());
  if (!res->ok()) {
    std::fprintf(stderr, "provaudit: reproduce: the re-run differs from the recorded scan\n");
    return kExitCheckFailed;
  }
  std::printf("reproduced: the re-run scan gives the recorded bytes\n");
  return kExitOk;
}

}  // namespace

void register_report(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write an evidentiary report of a scan run into DIR: report.json (schema\n"
      "provaudit/report/1: every finding with the training excerpt re-read from its shard and\n"
      "the work excerpt from the index, both locations, coverage, method, parameters, error\n"
      "rates, input SHA-256s; byte-identical for the same inputs), report.html (self-contained:\n"
      "no scripts, no fetches), report.pdf (title page, exhibit list, page numbers) and\n"
      "manifest.json (SHA-256 of every input and output, the commands that reproduce it).\n"
      "Exit 3 if some excerpts could not be read back (a shard changed or went missing).");
  cmd->add_option("run", a->opt.run, "The scan's output folder (RUN of `provaudit scan --out RUN`)")->required();
  cmd->add_option("--out", a->opt.out, "Report folder (created; earlier report files in it are replaced)")->required();
  cmd->add_option("--index", a->opt.index, "Index directory (default: the path recorded in RUN/summary.json)");
  cmd->add_option("--format", a->formats, "Comma-separated: json, html, pdf (default all three)");
  cmd->add_option("--eval", a->opt.eval, "eval.json of `provaudit eval`: the measured error rates to quote");
  cmd->add_option("--evidence", a->opt.evidence,
                  "Torrent evidence JSON (`provaudit evidence show --json`); repeatable. Its \"events\"\n"
                  "array becomes the timeline");
  cmd->add_option("--sign", a->opt.sign_key, "Ed25519 secret key file (`provaudit keygen`): writes manifest.json.sig");
  cmd->add_option("--max-excerpts-per-work", a->opt.max_excerpts_per_work,
                  "Findings shown per work in HTML and PDF (default 20; report.json lists all)")
      ->check(CLI::Range(1u, 1000000u));
  cmd->add_option("--max-excerpt-bytes", a->opt.max_excerpt_bytes,
                  "Longest excerpt kept on each side, in bytes (default 2000)")
      ->check(CLI::Range(64u, 100000000u));
  cmd->callback([a, &exit_code] { exit_code = run_report(*a); });
}

void register_verify(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<reports::VerifyOptions>();
  auto verbose = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "verify",
      "Re-hash a report folder's outputs against DIR/manifest.json and name every file that\n"
      "changed. --inputs also re-hashes the inputs still reachable at their recorded paths\n"
      "(scan outputs, shards, works, eval, evidence, the index's logical digest). --pubkey\n"
      "checks DIR/manifest.json.sig. Exit 0 all match, 1 a difference or a bad signature,\n"
      "2 cannot run.");
  cmd->add_option("dir", o->dir, "Report folder (DIR of `provaudit report --out DIR`)")->required();
  cmd->add_option("--pubkey", o->pubkey, "Ed25519 public key file (`provaudit keygen`: PREFIX.pub)");
  cmd->add_flag("--inputs", o->inputs, "Also re-hash the recorded inputs");
  cmd->add_flag("--verbose,-v", *verbose, "List every file checked, not only problems");
  cmd->callback([o, verbose, &exit_code] { exit_code = run_verify(*o, *verbose); });
}

void register_reproduce(CLI::App& app, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  auto threads = std::make_shared<unsigned>(0);
  auto keep = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "reproduce",
      "Re-run the scan recorded in DIR/manifest.json (same index, shards and parameters) into\n"
      "a temporary folder and compare matches.jsonl, summary.json and errors.jsonl with the\n"
      "recorded SHA-256s. Relative paths are resolved from the current directory, as when the\n"
      "scan ran. Exit 0 same bytes, 1 different, 2 cannot run.");
  cmd->add_option("dir", *dir, "Report folder")->required();
  cmd->add_option("--threads", *threads, "Matcher threads (default: all CPUs; never changes results)");
  cmd->add_flag("--keep", *keep, "Keep the re-run's folder and print where it is");
  cmd->callback([dir, threads, keep, &exit_code] { exit_code = run_reproduce(*dir, *threads, *keep); });
}

void register_keygen(CLI::App& app, int& exit_code) {
  auto prefix = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "keygen",
      "Make an Ed25519 key pair for signing report manifests (libsodium): PREFIX.key (secret,\n"
      "64 bytes as 128 hex digits, mode 0600) and PREFIX.pub (32 bytes as 64 hex digits).\n"
      "Refuses to overwrite existing files.");
  cmd->add_option("--out", *prefix, "Path prefix of the two files")->required();
  cmd->callback([prefix, &exit_code] {
    auto s = reports::keygen(*prefix);
    if (!s) {
      exit_code = fail(s.error());
      return;
    }
    std::printf("secret key: %s.key (keep it private)\npublic key: %s.pub\n", prefix->c_str(), prefix->c_str());
    exit_code = kExitOk;
  });
}

}  // namespace prov::cli
