// reports/manifest.cpp: `report` (writes the report files and DIR/manifest.json), `verify`
// (re-hashes what the manifest lists, checks its Ed25519 signature), `keygen` and `reproduce`
// (re-runs the recorded scan and compares its bytes with the recorded hashes).
//
// manifest.json (schema provaudit/manifest/1, schemas/manifest-1.schema.json) is canonical
// JSON like every output; only `created` (the wall-clock time the report was made, UTC) and
// `build` (compiler and library versions) may differ between two machines making the same
// report. The signature file holds the 64-byte Ed25519 detached signature of manifest.json's
// exact bytes as 128 lowercase hex digits and a newline. Keys: keygen() (hex, see reports.hpp).
#include <cairo.h>
#include <pango/pango.h>
#include <simdjson.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "audit/audit.hpp"
#include "common/file_io.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "common/version.hpp"
#include "index/index.hpp"
#include "reports/detail/json_read.hpp"
#include "reports/detail/report_model.hpp"

#ifndef PROV_BUILD_TYPE
#define PROV_BUILD_TYPE ""
#endif

namespace prov::reports {
namespace {

namespace fs = std::filesystem;
using detail::FileDigest;
using detail::JsonRead;

constexpr std::uint64_t kMaxManifestBytes = 64ull << 20;
constexpr const char* kSigSuffix = ".sig";

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

// Reads a key or signature file: exactly `n` bytes as hex digits, surrounding whitespace ignored.
Result<std::vector<unsigned char>> read_hex(const std::string& path, std::size_t n, const char* what) {
  auto text = read_file(path, 4096);
  if (!text) return std::move(text).error();
  std::string t = *text;
  t.erase(0, t.find_first_not_of(" \t\r\n"));
  t.erase(t.find_last_not_of(" \t\r\n") + 1);
  if (t.size() != 2 * n || t.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return make_error(Errc::kFormat, std::string("not ") + what + " (" + std::to_string(2 * n) + " hex digits)", path);
  std::vector<unsigned char> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(std::stoi(t.substr(2 * i, 2), nullptr, 16));
  return out;
}

Status init_sodium() {
  if (sodium_init() < 0) return make_error(Errc::kInternal, "libsodium failed to initialise");
  return Ok{};
}

// POSIX shell quoting, so the recorded commands can be pasted as they are.
std::string quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:,+-@%") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void digest_json(JsonWriter& w, const FileDigest& f) {
  w.begin_object().field("path", f.path).field("sha256", f.sha256).field("bytes", f.bytes).end_object();
}

std::string scan_command(const detail::ReportModel& m, bool with_allowlist) {
  // Only flags that differ from scan's defaults; parameters scan has no flag for are in
  // params.scan and are what `reproduce` uses.
  std::string c = "provaudit scan --index " + quote(m.scan_index_path) + " --out " + quote(m.options.run);
  if (m.min_words != 25) c += " --min-words " + std::to_string(m.min_words);
  if (m.text_field != "text") c += " --text-field " + quote(m.text_field);
  if (m.id_field != "id") c += " --id-field " + quote(m.id_field);
  if (with_allowlist) c += " --allow " + quote((fs::path(m.options.out) / "allowlist.txt").string());
  for (const auto& s : m.shards) c += " " + quote(s.path);
  return c;
}

std::string report_command(const ReportOptions& o) {
  std::string c = "provaudit report " + quote(o.run);
  if (!o.index.empty()) c += " --index " + quote(o.index);
  c += " --out " + quote(o.out);
  std::string f;
  if (o.json) f += "json";
  if (o.html) f += std::string(f.empty() ? "" : ",") + "html";
  if (o.pdf) f += std::string(f.empty() ? "" : ",") + "pdf";
  c += " --format " + f;
  if (!o.eval.empty()) c += " --eval " + quote(o.eval);
  for (const auto& e : o.evidence) c += " --evidence " + quote(e);
  if (o.max_excerpts_per_work != 20) c += " --max-excerpts-per-work " + std::to_string(o.max_excerpts_per_work);
  if (o.max_excerpt_bytes != 2000) c += " --max-excerpt-bytes " + std::to_string(o.max_excerpt_bytes);
  return c;
}

std::string manifest_json(const detail::ReportModel& m, const std::vector<std::pair<std::string, std::string>>& outputs) {
  const ReportOptions& o = m.options;
  JsonWriter w(true);
  w.begin_object().field("schema", kManifestSchema);
  w.key("tool").begin_object().field("name", kToolName).field("version", kToolVersion).end_object();
  w.field("created", utc_now());
  w.key("build")
      .begin_object()
      .field("compiler", __VERSION__)
      .field("build_type", PROV_BUILD_TYPE)
      .field("cairo", cairo_version_string())
      .field("pango", pango_version_string())
      .field("libsodium", sodium_version_string())
      .end_object();
  w.key("params").begin_object();
  w.key("scan").raw(m.scan_params_json);
  w.key("report").begin_object();
  w.key("formats").begin_array();
  if (o.json) w.value("json");
  if (o.html) w.value("html");
  if (o.pdf) w.value("pdf");
  w.end_array();
  w.field("max_excerpts_per_work", o.max_excerpts_per_work).field("max_excerpt_bytes", o.max_excerpt_bytes);
  w.end_object().end_object();
  w.key("inputs").begin_object();
  w.key("run").begin_object().field("path", o.run).key("files").begin_array();
  digest_json(w, m.summary_file);
  digest_json(w, m.matches_file);
  if (!m.errors_file.sha256.empty()) digest_json(w, m.errors_file);
  w.end_array().end_object();
  w.key("index")
      .begin_object()
      .field("path", m.index_path)
      .field("scan_path", m.scan_index_path)
      .field("digest", m.index_digest)
      .end_object();
  w.key("works").begin_array();
  for (const auto& x : m.works)
    w.begin_object().field("work_id", x.work_id).field("sha256", x.work_id).field("path", x.path).end_object();
  w.end_array();
  w.key("shards").begin_array();
  for (const auto& s : m.shards) w.begin_object().field("path", s.path).field("sha256", s.sha256).field("bytes", s.bytes).end_object();
  w.end_array();
  w.key("eval");
  if (m.rates) {
    digest_json(w, m.rates->file);
  } else {
    w.null();
  }
  w.key("evidence").begin_array();
  for (const auto& e : m.evidence) digest_json(w, e.file);
  w.end_array();
  w.end_object();
  w.key("outputs").begin_array();
  for (const auto& [name, bytes] : outputs)
    w.begin_object()
        .field("file", name)
        .field("sha256", sha256_hex(bytes))
        .field("bytes", static_cast<std::uint64_t>(bytes.size()))
        .end_object();
  w.end_array();
  w.key("commands")
      .begin_object()
      .field("scan", scan_command(m, !m.allowed_works.empty()))
      .field("report", report_command(o))
      .field("verify", "provaudit verify " + quote(o.out) + " --inputs")
      .field("reproduce", "provaudit reproduce " + quote(o.out))
      .end_object();
  w.end_object();
  return w.take() + "\n";
}

struct Manifest {
  std::string bytes;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
};

Result<std::unique_ptr<Manifest>> read_manifest(const fs::path& dir) {
  auto mf = std::make_unique<Manifest>();
  const std::string path = (dir / "manifest.json").string();
  auto bytes = read_file(path, kMaxManifestBytes);
  if (!bytes) return std::move(bytes).error();
  mf->bytes = std::move(bytes).value();
  if (mf->parser.parse(mf->bytes).get(mf->doc)) return make_error(Errc::kFormat, "not valid JSON", path);
  JsonRead j(mf->doc, path);
  if (j.str("schema") != kManifestSchema)
    return make_error(Errc::kFormat, std::string("not a report manifest (expected schema ") + kManifestSchema + ")", path);
  return mf;
}

// Hashes `path` and compares; appends to differences or notes.
void check_file(const std::string& label, const std::string& path, const std::string& want, bool must_exist,
                VerifyOutcome& out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    if (must_exist) {
      out.differences.push_back("missing: " + path + " (" + label + ")");
    } else {
      out.notes.push_back("not checked: " + path + " (" + label + ", not reachable here)");
    }
    return;
  }
  auto h = sha256_file(path);
  if (!h) {
    out.differences.push_back("unreadable: " + path + " (" + label + "): " + h.error().message);
  } else if (*h != want) {
    out.differences.push_back("changed: " + path + " (" + label + "): SHA-256 " + *h + ", manifest records " + want);
  } else {
    out.notes.push_back("ok: " + path);
  }
}

}  // namespace

Result<ReportOutcome> write_report(const ReportOptions& options) {
  if (!options.json && !options.html && !options.pdf) return make_error(Errc::kUsage, "--format names no format");
  if (options.max_excerpts_per_work == 0) return make_error(Errc::kUsage, "--max-excerpts-per-work must be at least 1");
  if (options.max_excerpt_bytes < 64) return make_error(Errc::kUsage, "--max-excerpt-bytes must be at least 64");
  std::vector<unsigned char> secret;
  if (!options.sign_key.empty()) {
    if (auto s = init_sodium(); !s) return std::move(s).error();
    auto k = read_hex(options.sign_key, crypto_sign_SECRETKEYBYTES, "an Ed25519 secret key");
    if (!k) return std::move(k).error();
    secret = std::move(k).value();
  }
  auto model = detail::build_model(options);
  if (!model) return std::move(model).error();
  const detail::ReportModel& m = *model;

  std::vector<std::pair<std::string, std::string>> outputs;  // sorted by name below
  if (!m.allowed_works.empty()) {
    std::string list = "# work ids the scan kept out of verdicts (scan --allow)\n";
    for (const auto& id : m.allowed_works) list += id + "\n";
    outputs.emplace_back("allowlist.txt", std::move(list));
  }
  if (options.json) outputs.emplace_back("report.json", detail::report_json(m));
  if (options.html) outputs.emplace_back("report.html", detail::report_html(m));
  if (options.pdf) {
    auto pdf = detail::report_pdf(m);
    if (!pdf) return std::move(pdf).error();
    outputs.emplace_back("report.pdf", std::move(pdf).value());
  }
  std::sort(outputs.begin(), outputs.end());

  const fs::path out(options.out);
  if (auto s = reset_owned_paths(out, {}, {"allowlist.txt", "report.json", "report.html", "report.pdf", "manifest.json",
                                           "manifest.json.sig"});
      !s)
    return std::move(s).error();
  ReportOutcome res;
  for (const auto& [name, bytes] : outputs) {
    if (auto s = write_file_atomic(out / name, bytes); !s) return std::move(s).error();
    res.files.push_back(name);
  }
  const std::string manifest = manifest_json(m, outputs);
  if (auto s = write_file_atomic(out / "manifest.json", manifest); !s) return std::move(s).error();
  res.files.push_back("manifest.json");
  if (!secret.empty()) {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(manifest.data()), manifest.size(),
                         secret.data());
    sodium_memzero(secret.data(), secret.size());
    if (auto s = write_file_atomic(out / (std::string("manifest.json") + kSigSuffix), hex(sig, sizeof sig) + "\n"); !s)
      return std::move(s).error();
    res.files.push_back("manifest.json.sig");
  }
  std::sort(res.files.begin(), res.files.end());
  res.problems = m.errors;
  res.works = m.works.size();
  for (const auto& w : m.works) res.findings += w.findings.size();
  return res;
}

Result<VerifyOutcome> verify(const VerifyOptions& options) {
  const fs::path dir(options.dir);
  auto mf = read_manifest(dir);
  if (!mf) return std::move(mf).error();
  const std::string mpath = (dir / "manifest.json").string();
  VerifyOutcome out;

  const std::string sig_path = mpath + kSigSuffix;
  if (!options.pubkey.empty()) {
    if (auto s = init_sodium(); !s) return std::move(s).error();
    auto pk = read_hex(options.pubkey, crypto_sign_PUBLICKEYBYTES, "an Ed25519 public key");
    if (!pk) return std::move(pk).error();
    if (!fs::exists(sig_path)) {
      out.differences.push_back("missing: " + sig_path + " (signature; --pubkey was given)");
    } else {
      auto sig = read_hex(sig_path, crypto_sign_BYTES, "an Ed25519 signature");
      if (!sig) {
        out.differences.push_back("bad signature: " + sig_path + ": " + sig.error().message);
      } else if (crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>((*mf)->bytes.data()),
                                             (*mf)->bytes.size(), pk->data()) != 0) {
        out.differences.push_back("bad signature: " + sig_path + " does not sign " + mpath + " under the given key");
      } else {
        out.notes.push_back("ok: signature " + sig_path);
      }
    }
  } else if (fs::exists(sig_path)) {
    out.notes.push_back("not checked: " + sig_path + " (no --pubkey)");
  }

  JsonRead j((*mf)->doc, mpath);
  for (simdjson::dom::element e : j.arr("outputs")) {
    JsonRead o(e, mpath);
    const std::string name = o.str("file");
    if (!o.ok() || name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
      return make_error(Errc::kFormat, "an output entry is malformed", mpath);
    check_file("output", (dir / name).string(), o.str("sha256"), true, out);
  }
  if (options.inputs) {
    JsonRead in = j.child("inputs");
    for (simdjson::dom::element e : in.child("run").arr("files")) {
      JsonRead f(e, mpath);
      check_file("scan output", f.str("path"), f.str("sha256"), false, out);
    }
    for (simdjson::dom::element e : in.arr("shards")) {
      JsonRead f(e, mpath);
      check_file("shard", f.str("path"), f.str("sha256"), false, out);
    }
    for (simdjson::dom::element e : in.arr("works")) {
      JsonRead f(e, mpath);
      const std::string p = f.str("path");
      if (p.find('!') != std::string::npos && !fs::exists(p)) {
        out.notes.push_back("not checked: " + p + " (work inside an archive)");
        continue;
      }
      check_file("work", p, f.str("sha256"), false, out);
    }
    simdjson::dom::element ev;
    if (!(*mf)->doc["inputs"]["eval"].get(ev) && !ev.is_null()) {
      JsonRead f(ev, mpath);
      check_file("eval", f.str("path"), f.str("sha256"), false, out);
    }
    for (simdjson::dom::element e : in.arr("evidence")) {
      JsonRead f(e, mpath);
      check_file("evidence", f.str("path"), f.str("sha256"), false, out);
    }
    JsonRead idx = in.child("index");
    const std::string ipath = idx.str("path");
    auto index = index::Index::open_read_only(ipath);
    if (!index) {
      out.notes.push_back("not checked: " + ipath + " (index: " + index.error().message + ")");
    } else if ((*index)->digest() != idx.str("digest")) {
      out.differences.push_back("changed: " + ipath + " (index): logical digest " + (*index)->digest() +
                                ", manifest records " + idx.str("digest"));
    } else {
      out.notes.push_back("ok: " + ipath + " (index digest)");
    }
    if (!in.ok()) return in.error();
  }
  if (!j.ok()) return j.error();
  return out;
}

Status keygen(const std::string& prefix) {
  if (prefix.empty()) return make_error(Errc::kUsage, "--out PREFIX is empty");
  if (auto s = init_sodium(); !s) return s;
  const std::string key = prefix + ".key", pub = prefix + ".pub";
  for (const auto& f : {key, pub})
    if (fs::exists(f)) return make_error(Errc::kUsage, "exists; refusing to overwrite a key", f);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::string secret = hex(sk, sizeof sk) + "\n";
  sodium_memzero(sk, sizeof sk);
  // The secret key is created 0600 before any byte is written.
  const mode_t old = ::umask(077);
  auto s = write_file_atomic(key, secret);
  ::umask(old);
  sodium_memzero(secret.data(), secret.size());
  if (!s) return s;
  ::chmod(key.c_str(), 0600);
  return write_file_atomic(pub, hex(pk, sizeof pk) + "\n");
}

Result<ReproduceOutcome> reproduce(const std::string& dir_arg, unsigned threads, bool keep) {
  const fs::path dir(dir_arg);
  auto mf = read_manifest(dir);
  if (!mf) return std::move(mf).error();
  const std::string mpath = (dir / "manifest.json").string();
  JsonRead j((*mf)->doc, mpath);
  JsonRead in = j.child("inputs");
  JsonRead idx = in.child("index");
  const std::string ipath = idx.str("path");
  const std::string scan_ipath = idx.str("scan_path");
  const std::string idigest = idx.str("digest");
  audit::ScanOptions opt;
  for (simdjson::dom::element e : in.arr("shards")) opt.shards.push_back(JsonRead(e, mpath).str("path"));
  std::vector<std::pair<std::string, std::string>> recorded;  // file name -> sha256
  for (simdjson::dom::element e : in.child("run").arr("files")) {
    JsonRead f(e, mpath);
    recorded.emplace_back(fs::path(f.str("path")).filename().string(), f.str("sha256"));
  }
  JsonRead scan = j.child("params").child("scan");
  JsonRead mp = scan.child("match");
  audit::MatchParams& p = opt.match;
  auto u32 = [&](const char* k) { return static_cast<std::uint32_t>(mp.u64(k)); };
  p.min_words = u32("min_words");
  p.max_gap = u32("max_gap");
  p.xdrop = u32("xdrop");
  p.resync_run = u32("resync_run");
  p.chain_gap = u32("chain_gap");
  p.max_postings = u32("max_postings");
  p.rare_postings = u32("rare_postings");
  p.boilerplate_works = u32("boilerplate_works");
  p.near_duplicates = mp.boolean("near_duplicates");
  p.near_dup_jaccard = mp.f64("near_dup_jaccard");
  p.near_dup_containment = mp.f64("near_dup_containment");
  p.near_dup_min_words = u32("near_dup_min_words");
  p.lsh_bands = u32("lsh_bands");
  p.lsh_rows = u32("lsh_rows");
  opt.allowed_works = scan.strings("allowed_works");
  JsonRead sh = scan.child("shard");
  opt.shard.text_field = sh.str("text_field");
  opt.shard.id_field = sh.str("id_field");
  opt.shard.max_record_bytes = sh.u64("max_record_bytes");
  opt.threads = threads;
  if (!j.ok()) return j.error();

  ReproduceOutcome out;
  auto index = index::Index::open_read_only(ipath);
  if (!index) return std::move(index).error();
  if ((*index)->digest() != idigest)
    out.differences.push_back("changed: " + ipath + " (index): logical digest " + (*index)->digest() +
                              ", the scan saw " + idigest);
  auto res = audit::scan(**index, opt);
  if (!res) return std::move(res).error();
  res->index_path = scan_ipath;  // summary.json records the index as the scan was given it

  std::string tmpl = (fs::temp_directory_path() / "provaudit-reproduce-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return make_error(Errc::kIo, "cannot create a temporary folder", tmpl);
  out.scan_dir = tmpl;
  if (auto s = write_scan(*res, tmpl); !s) return std::move(s).error();
  for (const auto& [name, want] : recorded) {
    auto h = sha256_file(fs::path(tmpl) / name);
    if (!h) {
      out.differences.push_back("missing: " + name + " was not written by the re-run");
    } else if (*h != want) {
      out.differences.push_back("different: " + name + ": re-run SHA-256 " + *h + ", recorded " + want);
    } else {
      out.notes.push_back("same: " + name + " (" + want + ")");
    }
  }
  if (!keep) {
    std::error_code ec;
    fs::remove_all(tmpl, ec);
  }
  return out;
}

}  // namespace prov::reports
