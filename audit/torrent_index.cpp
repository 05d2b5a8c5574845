// audit/torrent_index.cpp: torrents, their aliases and torrent-file → work links in the index's
// evidence column family (key scheme in audit/torrent.hpp and ARCHITECTURE.md). Values are
// canonical JSON written by JsonWriter and read back with simdjson; a value that does not parse
// is an error naming its key, never a crash.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "audit/torrent.hpp"
#include "common/hex.hpp"
#include "common/json_writer.hpp"

namespace prov::audit {
namespace {

constexpr std::string_view kTorrentPrefix = "torrent/";
constexpr std::string_view kAliasPrefix = "alias/";
constexpr std::string_view kLinkPrefix = "link/";

std::string lower_hex(std::string_view s, bool& ok) {
  ok = (s.size() == 40 || s.size() == 64) && is_hex(s);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string link_key(std::string_view work_id, std::string_view torrent, std::uint32_t file) {
  char num[16];
  std::snprintf(num, sizeof num, "%08u", file);
  return std::string(kLinkPrefix) + std::string(work_id) + "/" + std::string(torrent) + "/" + num;
}

Error bad_value(std::string_view key, std::string_view what) {
  return make_error(Errc::kFormat, "evidence record " + std::string(key) + ": " + std::string(what));
}

std::string get_str(simdjson::dom::element e, const char* k) {
  std::string_view v;
  return e[k].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}
std::uint64_t get_u64(simdjson::dom::element e, const char* k) {
  std::uint64_t v = 0;
  return e[k].get(v) == simdjson::SUCCESS ? v : 0;
}
bool get_bool(simdjson::dom::element e, const char* k) {
  bool v = false;
  return e[k].get(v) == simdjson::SUCCESS && v;
}
std::vector<std::string> get_strs(simdjson::dom::element e, const char* k) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e[k].get(a) != simdjson::SUCCESS) return out;
  for (auto x : a) {
    std::string_view v;
    if (x.get(v) == simdjson::SUCCESS) out.emplace_back(v);
  }
  return out;
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto nib = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 32) - 'a' + 10; };
    out += static_cast<char>(nib(hex[i]) * 16 + nib(hex[i + 1]));
  }
  return out;
}

Result<TorrentRecord> parse_record(std::string_view key, std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(json.data(), json.size()).get(e) != simdjson::SUCCESS || !e.is_object())
    return bad_value(key, "not a JSON object");
  TorrentRecord r;
  auto& m = r.meta;
  m.source = get_str(e, "source");
  m.magnet = get_bool(e, "magnet");
  m.kind = get_str(e, "kind");
  m.info_hash_v1 = get_str(e, "info_hash_v1");
  m.info_hash_v2 = get_str(e, "info_hash_v2");
  m.name = get_str(e, "name");
  m.piece_length = get_u64(e, "piece_length");
  m.num_pieces = static_cast<std::uint32_t>(get_u64(e, "num_pieces"));
  m.total_size = get_u64(e, "total_size");
  std::int64_t date = 0;
  if (e["creation_date"].get(date) == simdjson::SUCCESS) m.creation_date = date;
  m.creator = get_str(e, "creator");
  m.comment = get_str(e, "comment");
  m.is_private = get_bool(e, "private");
  m.trackers = get_strs(e, "trackers");
  m.web_seeds = get_strs(e, "web_seeds");
  m.torrent_sha256 = get_str(e, "torrent_sha256");
  m.torrent_bytes = get_u64(e, "torrent_bytes");
  simdjson::dom::array files;
  if (e["files"].get(files) == simdjson::SUCCESS) {
    for (auto f : files) {
      ingest::TorrentFile tf;
      tf.path = get_str(f, "path");
      tf.size = get_u64(f, "size");
      tf.offset = get_u64(f, "offset");
      tf.pad = get_bool(f, "pad");
      tf.symlink = get_bool(f, "symlink");
      tf.first_piece = static_cast<std::uint32_t>(get_u64(f, "first_piece"));
      tf.end_piece = static_cast<std::uint32_t>(get_u64(f, "end_piece"));
      tf.pieces_root = unhex(get_str(f, "pieces_root"));
      m.files.push_back(std::move(tf));
    }
  }
  if (m.info_hash_v1.empty() && m.info_hash_v2.empty()) return bad_value(key, "no info-hash");
  return r;
}

Result<TorrentLink> parse_link(std::string_view key, std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(json.data(), json.size()).get(e) != simdjson::SUCCESS || !e.is_object())
    return bad_value(key, "not a JSON object");
  TorrentLink l;
  l.work_id = get_str(e, "work_id");
  l.torrent = get_str(e, "torrent");
  l.file_index = static_cast<std::uint32_t>(get_u64(e, "file_index"));
  l.path = get_str(e, "path");
  l.size = get_u64(e, "size");
  l.sha256 = get_str(e, "sha256");
  l.method = get_str(e, "method");
  l.pieces = static_cast<std::uint32_t>(get_u64(e, "pieces"));
  l.pieces_proven = static_cast<std::uint32_t>(get_u64(e, "pieces_proven"));
  l.bytes_proven = get_u64(e, "bytes_proven");
  l.data_path = get_str(e, "data_path");
  if (l.work_id.empty() || l.torrent.empty()) return bad_value(key, "no work_id or torrent");
  return l;
}

// The primary hash for any of a torrent's hashes, or empty.
Result<std::string> resolve_primary(const index::Index& idx, std::string_view any_hash_hex) {
  bool ok = false;
  const std::string h = lower_hex(any_hash_hex, ok);
  if (!ok)
    return make_error(Errc::kUsage, "\"" + std::string(any_hash_hex) +
                                        "\" is not an info-hash (40 or 64 hex digits)");
  auto direct = idx.get_evidence(std::string(kTorrentPrefix) + h);
  if (direct) return h;
  if (direct.error().code != Errc::kNotFound) return std::move(direct).error();
  auto alias = idx.get_evidence(std::string(kAliasPrefix) + h);
  if (alias) return std::move(alias).value();
  if (alias.error().code != Errc::kNotFound) return std::move(alias).error();
  return std::string();
}

}  // namespace

std::string torrent_record_json(const ingest::TorrentMeta& m, bool with_pieces) {
  JsonWriter w;
  w.begin_object()
      .field("schema", "provaudit/torrent/1")
      .field("source", m.source)
      .field("magnet", m.magnet)
      .field("kind", m.kind)
      .field("info_hash_v1", m.info_hash_v1)
      .field("info_hash_v2", m.info_hash_v2)
      .field("info_hash_v2_truncated", m.info_hash_v2_truncated())
      .field("name", m.name)
      .field("piece_length", m.piece_length)
      .field("num_pieces", m.num_pieces)
      .field("total_size", m.total_size);
  w.key("creation_date");
  if (m.creation_date)
    w.value(*m.creation_date);
  else
    w.null();
  w.field("creator", m.creator)
      .field("comment", m.comment)
      .field("private", m.is_private)
      .field_strings("trackers", m.trackers)
      .field_strings("web_seeds", m.web_seeds)
      .field("torrent_sha256", m.torrent_sha256)
      .field("torrent_bytes", m.torrent_bytes);
  w.key("files").begin_array();
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const auto& f = m.files[i];
    w.begin_object()
        .field("index", static_cast<std::uint64_t>(i))
        .field("path", f.path)
        .field("size", f.size)
        .field("offset", f.offset)
        .field("pad", f.pad)
        .field("symlink", f.symlink)
        .field("first_piece", f.first_piece)
        .field("end_piece", f.end_piece)
        .field("pieces_root", to_hex(f.pieces_root));
    if (with_pieces) {
      w.key("piece_layer").begin_array();
      for (std::size_t p = 0; p + 32 <= f.piece_layer.size(); p += 32)
        w.value(to_hex(std::string_view(f.piece_layer).substr(p, 32)));
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
  if (with_pieces) {
    w.key("v1_pieces").begin_array();
    for (std::size_t p = 0; p + 20 <= m.v1_pieces.size(); p += 20)
      w.value(to_hex(std::string_view(m.v1_pieces).substr(p, 20)));
    w.end_array();
  }
  w.end_object();
  return w.take();
}

std::string torrent_link_json(const TorrentLink& l) {
  JsonWriter w;
  w.begin_object()
      .field("work_id", l.work_id)
      .field("torrent", l.torrent)
      .field("file_index", l.file_index)
      .field("path", l.path)
      .field("size", l.size)
      .field("sha256", l.sha256)
      .field("method", l.method)
      .field("pieces", l.pieces)
      .field("pieces_proven", l.pieces_proven)
      .field("bytes_proven", l.bytes_proven)
      .field("data_path", l.data_path)
      .end_object();
  return w.take();
}

Result<AddedTorrent> add_torrent(index::Index& idx, const ingest::TorrentMeta& t,
                                 const VerifyReport* verified) {
  AddedTorrent out;
  out.primary_hash = t.primary_hash();
  std::vector<std::pair<std::string, std::string>> records;
  const std::string key = std::string(kTorrentPrefix) + out.primary_hash;
  bool keep_existing = false;
  if (t.magnet) {  // never replace a full record by a magnet's few fields
    auto existing = idx.get_evidence(key);
    if (existing) {
      auto rec = parse_record(key, *existing);
      keep_existing = rec.ok() && !rec->meta.magnet;
    }
  }
  if (!keep_existing) records.emplace_back(key, torrent_record_json(t));
  if (!t.info_hash_v2.empty()) {
    if (t.info_hash_v2 != out.primary_hash)
      records.emplace_back(std::string(kAliasPrefix) + t.info_hash_v2, out.primary_hash);
    records.emplace_back(std::string(kAliasPrefix) + t.info_hash_v2_truncated(), out.primary_hash);
  }
  if (verified) {
    for (const auto& c : verified->files) {
      if (c.status != FileStatus::kVerified || c.size == 0) continue;
      if (!idx.find(c.sha256)) {
        out.proven_unindexed.push_back(c.path);
        continue;
      }
      TorrentLink l;
      l.work_id = c.sha256;
      l.torrent = out.primary_hash;
      l.file_index = c.index;
      l.path = c.path;
      l.size = c.size;
      l.sha256 = c.sha256;
      l.method = c.method;
      l.pieces = c.pieces;
      l.pieces_proven = c.pieces_proven;
      l.bytes_proven = c.bytes_proven;
      l.data_path = c.local_path;
      records.emplace_back(link_key(l.work_id, l.torrent, l.file_index), torrent_link_json(l));
      out.links.push_back(std::move(l));
    }
  }
  if (auto s = idx.put_evidence(records); !s) return std::move(s).error();
  return out;
}

Result<std::optional<TorrentRecord>> find_torrent(const index::Index& idx, std::string_view any_hash_hex) {
  auto primary = resolve_primary(idx, any_hash_hex);
  if (!primary) return std::move(primary).error();
  if (primary->empty()) return std::optional<TorrentRecord>();
  const std::string key = std::string(kTorrentPrefix) + *primary;
  auto value = idx.get_evidence(key);
  if (!value) {
    if (value.error().code == Errc::kNotFound) return std::optional<TorrentRecord>();
    return std::move(value).error();
  }
  auto rec = parse_record(key, *value);
  if (!rec) return std::move(rec).error();
  return std::optional<TorrentRecord>(std::move(rec).value());
}

Result<std::vector<TorrentRecord>> all_torrents(const index::Index& idx) {
  std::vector<TorrentRecord> out;
  std::optional<Error> err;
  auto s = idx.scan_evidence(kTorrentPrefix, [&](std::string_view k, std::string_view v) {
    auto rec = parse_record(k, v);
    if (!rec) {
      err = std::move(rec).error();
      return false;
    }
    out.push_back(std::move(rec).value());
    return true;
  });
  if (!s) return std::move(s).error();
  if (err) return std::move(*err);
  return out;
}

namespace {
Result<std::vector<TorrentLink>> scan_links(const index::Index& idx, const std::string& prefix,
                                            const std::string& torrent_filter) {
  std::vector<TorrentLink> out;
  std::optional<Error> err;
  auto s = idx.scan_evidence(prefix, [&](std::string_view k, std::string_view v) {
    auto l = parse_link(k, v);
    if (!l) {
      err = std::move(l).error();
      return false;
    }
    if (torrent_filter.empty() || l->torrent == torrent_filter) out.push_back(std::move(l).value());
    return true;
  });
  if (!s) return std::move(s).error();
  if (err) return std::move(*err);
  return out;
}
}  // namespace

Result<std::vector<TorrentLink>> links_for_work(const index::Index& idx, std::string_view work_id) {
  if (work_id.empty() || work_id.find('/') != std::string_view::npos)
    return make_error(Errc::kUsage, "\"" + std::string(work_id) + "\" is not a work id");
  return scan_links(idx, std::string(kLinkPrefix) + std::string(work_id) + "/", {});
}

Result<std::vector<TorrentLink>> links_for_torrent(const index::Index& idx, std::string_view any_hash_hex) {
  auto primary = resolve_primary(idx, any_hash_hex);
  if (!primary) return std::move(primary).error();
  if (primary->empty()) return std::vector<TorrentLink>();
  return scan_links(idx, std::string(kLinkPrefix), *primary);
}

}  // namespace prov::audit
