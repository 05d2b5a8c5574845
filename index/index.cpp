// index/index.cpp: the RocksDB-backed fingerprint index.
//
// Column families and encodings (format version 2):
//   default   "format_version" -> decimal text; "params" -> JSON {k, sample_rate, version};
//             "next_work" -> u32 big-endian; "created_by" -> tool name and version
//   ids       work_id (64 hex chars) -> u32 BE work number ++ extractor string
//   works     u32 BE work number -> work record, JSON (see WorkRecord)
//   texts     u32 BE work number -> block map: u32 LE tokens, u32 LE text bytes, u32 LE block
//             count, then per block u32 LE first token, u32 LE first byte (format version 4);
//             u32 BE work number ++ u32 BE block number -> that block's UTF-8 text (zstd by
//             RocksDB). Blocks start where whitespace-free runs start (TextBlockMap).
//   offsets   u32 BE work number -> JSON array of [text_start, text_end, source,
//             source_offset, source_line]
//   postings  u32 BE bucket (the top 16 significant bits of the shingle hash, see
//             bucket_shift) -> concatenated 16-byte postings, each u64 LE shingle hash, u32 LE
//             work number, u32 LE token position (format version 4; unsorted within a value);
//             values grow by a concatenating merge operator, so adding a work never reads old
//             postings (bulk ingest writes whole values when the family is empty). Postings of a replaced work number stay
//             until compaction and are filtered by the live-work set on lookup.
//   sketches  u32 BE work number -> u32 LE window count, then per window (fingerprint::
//             sketch_windows over the work's tokens): u32 LE first token, u32 LE end token,
//             u64 LE shingles, kSketchBins x u32 LE mins (one-permutation MinHash). Added in
//             format version 2.
// Big-endian keys make RocksDB's byte order the numeric order.
#include "index/index.hpp"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <simdjson.h>
#include <unordered_map>
#include <unordered_set>

#include "common/huge_alloc.hpp"
#include "common/json_writer.hpp"
#include "common/sha256.hpp"
#include "common/version.hpp"
#include "index/detail/posting_table.hpp"
#include "index/detail/table_file.hpp"

namespace prov::index {
namespace {

constexpr const char* kCfNames[] = {"default",  "ids",      "works",   "texts",
                                    "offsets",  "postings", "sketches", "evidence"};
enum Cf { kDefault = 0, kIds, kWorks, kTexts, kOffsets, kPostings, kSketches, kEvidence, kCfCount };

std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}
std::uint32_t from_be32(std::string_view s) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  return v;
}
std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}
void put_le32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
std::uint32_t get_le32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
void put_le64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
std::uint64_t get_le64(const char* p) {
  return get_le32(p) | (std::uint64_t{get_le32(p + 4)} << 32);
}

// The sketches value of one work (layout at the top of this file).
std::string sketches_value(const std::vector<fingerprint::Token>& tokens,
                           const std::vector<std::uint64_t>& hashes, std::uint32_t k) {
  const auto windows = fingerprint::sketch_windows(tokens.size());
  std::string v;
  v.reserve(4 + windows.size() * (16 + 4 * fingerprint::kSketchBins));
  std::uint32_t n = 0;
  std::string body;
  const auto sketches = fingerprint::window_sketches(hashes, windows, k);
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const auto w = windows[i];
    const auto& sk = sketches[i];
    if (sk.empty()) continue;  // fewer than k tokens: nothing to compare
    put_le32(body, w.start);
    put_le32(body, w.end);
    put_le64(body, sk.shingles);
    for (const std::uint32_t m : sk.mins) put_le32(body, m);
    ++n;
  }
  put_le32(v, n);
  return v + body;
}

Result<std::vector<WindowSketch>> parse_sketches(std::uint32_t num, std::string_view v) {
  constexpr std::size_t kEntry = 16 + 4 * fingerprint::kSketchBins;
  if (v.size() < 4 || (v.size() - 4) % kEntry != 0 || (v.size() - 4) / kEntry != get_le32(v.data()))
    return make_error(Errc::kFormat, "sketches of work " + std::to_string(num) + " are corrupt");
  std::vector<WindowSketch> out((v.size() - 4) / kEntry);
  const char* p = v.data() + 4;
  for (auto& w : out) {
    w.work = num;
    w.window = {get_le32(p), get_le32(p + 4)};
    w.sketch.shingles = get_le64(p + 8);
    w.sketch.mins.resize(fingerprint::kSketchBins);
    for (std::uint32_t i = 0; i < fingerprint::kSketchBins; ++i) w.sketch.mins[i] = get_le32(p + 16 + 4 * i);
    p += kEntry;
  }
  return out;
}

bool ascii_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Block boundaries of a text: the first token at or after every kTextBlockTokens tokens
// since the last boundary whose start is preceded by ASCII whitespace (so it starts a run).
std::vector<TextBlock> text_block_bounds(std::string_view text, const std::vector<fingerprint::Token>& tokens) {
  std::vector<TextBlock> out{TextBlock{}};
  std::size_t t = kTextBlockTokens;
  while (t < tokens.size()) {
    const std::uint32_t s = tokens[t].start;
    if (s > 0 && ascii_space(text[s - 1])) {
      out.push_back(TextBlock{static_cast<std::uint32_t>(t), s});
      t += kTextBlockTokens;
    } else {
      ++t;
    }
  }
  return out;
}

std::string text_map_value(const TextBlockMap& m) {
  std::string v;
  v.reserve(12 + 8 * m.blocks.size());
  put_le32(v, m.tokens);
  put_le32(v, m.bytes);
  put_le32(v, static_cast<std::uint32_t>(m.blocks.size()));
  for (const auto& b : m.blocks) {
    put_le32(v, b.first_token);
    put_le32(v, b.byte_start);
  }
  return v;
}

Result<TextBlockMap> parse_text_map(std::uint32_t num, std::string_view v) {
  const auto corrupt = [&] {
    return make_error(Errc::kFormat, "text block map of work " + std::to_string(num) + " is corrupt");
  };
  if (v.size() < 12) return corrupt();
  TextBlockMap m;
  m.tokens = get_le32(v.data());
  m.bytes = get_le32(v.data() + 4);
  const std::uint32_t n = get_le32(v.data() + 8);
  if (n == 0 || v.size() != 12 + 8ull * n) return corrupt();
  m.blocks.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    m.blocks[i] = {get_le32(v.data() + 12 + 8 * i), get_le32(v.data() + 16 + 8 * i)};
    const bool ascending = i == 0 ? (m.blocks[0].first_token == 0 && m.blocks[0].byte_start == 0)
                                  : (m.blocks[i].first_token > m.blocks[i - 1].first_token &&
                                     m.blocks[i].byte_start > m.blocks[i - 1].byte_start);
    if (!ascending || m.blocks[i].first_token > m.tokens || m.blocks[i].byte_start > m.bytes) return corrupt();
  }
  return m;
}

std::string block_key(std::uint32_t num, std::uint32_t block) { return be32(num) + be32(block); }

// Postings are grouped into 2^kBucketBits keys by the top significant bits of the shingle
// hash (sampled hashes lie below the threshold, so leading zero bits are skipped): a scan
// loads the table with one RocksDB step per bucket instead of one per shingle, which cost
// ~1,500 instructions a key.
constexpr unsigned kBucketBits = 16;
unsigned bucket_shift(const fingerprint::Params& p) {
  const std::uint64_t t = p.threshold();
  const unsigned top = t == ~0ull ? 64u : static_cast<unsigned>(std::bit_width(t));
  return top > kBucketBits ? top - kBucketBits : 0u;
}
// A posting in a bucket value: u64 LE shingle hash, u32 LE work number, u32 LE token position.
constexpr std::size_t kPostingBytes = 16;
void put_posting(std::string& v, std::uint64_t hash, std::uint32_t num, std::uint32_t pos) {
  put_le64(v, hash);
  put_le32(v, num);
  put_le32(v, pos);
}
// Merge operands of one work's samples, one per bucket, into `b`.
template <typename Batch>
void merge_postings(Batch& b, rocksdb::ColumnFamilyHandle* cf, unsigned shift, std::uint32_t num,
                    const std::vector<fingerprint::Sample>& samples) {
  std::map<std::uint32_t, std::string> grouped;
  for (const auto& s : samples) put_posting(grouped[static_cast<std::uint32_t>(s.hash >> shift)], s.hash, num, s.pos);
  for (const auto& [bucket, v] : grouped) b.Merge(cf, be32(bucket), v);
}

// Concatenates posting lists. Associative, so RocksDB may combine operands in any grouping.
class ConcatOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  // The two lists of 16-byte postings together. Each is normally sorted by (hash, work,
  // position) (a bulk flush writes it so), and then so is the result: merged, not appended,
  // so that a compacted bucket is one sorted run and a scan's load_postings() has nothing to
  // merge (it merged up to eight runs a bucket at every scan start). Lists out of order (an
  // older index) are appended; readers never depend on the order.
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    new_value->clear();
    if (!existing || existing->size() % 16 || value.size() % 16 || !sorted(*existing) || !sorted(value)) {
      if (existing) new_value->assign(existing->data(), existing->size());
      new_value->append(value.data(), value.size());
      return true;
    }
    new_value->resize(existing->size() + value.size());
    const char *a = existing->data(), *ae = a + existing->size(), *b = value.data(), *be = b + value.size();
    char* out = new_value->data();
    while (a < ae && b < be) {
      const char*& next = less(b, a) ? b : a;
      std::memcpy(out, next, 16);
      out += 16;
      next += 16;
    }
    std::memcpy(out, a, static_cast<std::size_t>(ae - a));
    out += ae - a;
    std::memcpy(out, b, static_cast<std::size_t>(be - b));
    return true;
  }
  const char* Name() const override { return "provaudit.concat.v1"; }

 private:
  static bool less(const char* x, const char* y) {  // (u64 LE hash, u32 LE work, u32 LE position)
    const std::uint64_t hx = get_le64(x), hy = get_le64(y);
    if (hx != hy) return hx < hy;
    const std::uint32_t nx = get_le32(x + 8), ny = get_le32(y + 8);
    if (nx != ny) return nx < ny;
    return get_le32(x + 12) < get_le32(y + 12);
  }
  static bool sorted(const rocksdb::Slice& v) {
    for (std::size_t off = 16; off < v.size(); off += 16)
      if (less(v.data() + off, v.data() + off - 16)) return false;
    return true;
  }
};

std::string params_json(const fingerprint::Params& p) {
  JsonWriter w;
  w.begin_object()
      .field("k", p.k)
      .field("sample_rate", p.sample_rate)
      .field("version", p.version)
      .end_object();
  return w.take();
}

Result<fingerprint::Params> parse_params(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc))
    return make_error(Errc::kIncompatible, "index parameters are not valid JSON");
  fingerprint::Params p;
  std::uint64_t k = 0, rate = 0, version = 0;
  if (doc["k"].get(k) || doc["sample_rate"].get(rate) || doc["version"].get(version))
    return make_error(Errc::kIncompatible, "index parameters lack k, sample_rate or version");
  p.k = static_cast<std::uint32_t>(k);
  p.sample_rate = static_cast<std::uint32_t>(rate);
  p.version = static_cast<std::uint32_t>(version);
  return p;
}

std::string record_json(const WorkRecord& r) {
  JsonWriter w;
  w.begin_object()
      .field("work_id", r.work_id)
      .field("path", r.path)
      .field_strings("paths", r.paths)
      .field("format", r.format)
      .field("extractor", r.extractor)
      .field("title", r.title)
      .field_strings("authors", r.authors)
      .field("language", r.language)
      .field("publisher", r.publisher)
      .field("date", r.date)
      .field_strings("isbns", r.isbns)
      .field("encoding", r.encoding)
      .field("source_bytes", r.source_bytes)
      .field("text_bytes", r.text_bytes)
      .field("words", r.words)
      .field_strings("warnings", r.warnings);
  if (!r.work_class.empty()) w.field("class", r.work_class);
  if (!r.rightsholder.empty()) w.field("rightsholder", r.rightsholder);
  w.end_object();
  return w.take();
}

std::vector<std::string> string_array(simdjson::dom::element e) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get(a)) return out;
  for (auto v : a) {
    std::string_view s;
    if (!v.get(s)) out.emplace_back(s);
  }
  return out;
}

Result<WorkRecord> parse_record(std::uint32_t num, const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  if (parser.parse(json).get(d))
    return make_error(Errc::kFormat, "work record " + std::to_string(num) + " is corrupt");
  WorkRecord r;
  r.num = num;
  const auto str = [&](const char* k) {
    std::string_view s;
    return d[k].get(s) ? std::string() : std::string(s);
  };
  const auto u64 = [&](const char* k) {
    std::uint64_t v = 0;
    return d[k].get(v) ? std::uint64_t{0} : v;
  };
  r.work_id = str("work_id");
  r.path = str("path");
  r.paths = string_array(d["paths"].value_unsafe());
  r.format = str("format");
  r.extractor = str("extractor");
  r.title = str("title");
  r.authors = string_array(d["authors"].value_unsafe());
  r.language = str("language");
  r.publisher = str("publisher");
  r.date = str("date");
  r.isbns = string_array(d["isbns"].value_unsafe());
  r.encoding = str("encoding");
  r.source_bytes = u64("source_bytes");
  r.text_bytes = u64("text_bytes");
  r.words = u64("words");
  r.warnings = string_array(d["warnings"].value_unsafe());
  r.work_class = str("class");
  r.rightsholder = str("rightsholder");
  if (r.work_id.size() != 64)
    return make_error(Errc::kFormat, "work record " + std::to_string(num) + " lacks a work_id");
  return r;
}

std::string offsets_json(const std::vector<ingest::OffsetSpan>& spans) {
  JsonWriter w;
  w.begin_array();
  for (const auto& s : spans) {
    w.begin_array()
        .value(s.text_start)
        .value(s.text_end)
        .value(s.source)
        .value(s.source_offset)
        .value(static_cast<std::uint64_t>(s.source_line))
        .end_array();
  }
  w.end_array();
  return w.take();
}

Error db_error(const rocksdb::Status& s, const std::filesystem::path& dir) {
  return make_error(Errc::kIo, "index: " + s.ToString(), dir.string());
}

}  // namespace

const char* outcome_name(AddOutcome o) {
  switch (o) {
    case AddOutcome::kAdded: return "added";
    case AddOutcome::kNewPath: return "new_path";
    case AddOutcome::kUnchanged: return "unchanged";
    case AddOutcome::kReextracted: return "reextracted";
  }
  return "?";
}

namespace {

// The live works in number order and where each one's positions start in the table's global
// position space (see detail/posting_table.hpp), and the tag that names this layout: a saved
// table (save_posting_table) is used only while the index holds exactly these works.
struct TableLayout {
  std::vector<std::uint32_t> nums;
  std::vector<std::uint64_t> bases;
  std::vector<std::uint64_t> base_of;  // by work number; kDeadBase for replaced numbers
  std::uint64_t words = 0;
  std::string tag;
};
constexpr std::uint64_t kDeadBase = ~0ull;
const std::string kTableMeta = "posting_table/meta";       // keys in the default family
const std::string kTableChunkPrefix = "posting_table/chunk/";  // before the table file
const std::string kTableFileSeal = "posting_table/file";       // the seal of IDX/posting-table.bin

}  // namespace

struct Index::Impl {
  std::filesystem::path dir;
  fingerprint::Params params;
  bool read_only = true;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  std::uint32_t next_work = 1;
  // Live work numbers (postings of replaced works are filtered out).
  mutable std::shared_mutex live_mu;
  std::unordered_set<std::uint32_t> live;
  // Scan-time table (load_postings): global positions map back through nums/bases.
  std::unique_ptr<detail::PostingTable> table;
  bool table_saved = false;  // read from the saved copy
  Result<std::unique_ptr<detail::PostingTable>> build_table(const TableLayout& layout) const;
  std::unique_ptr<detail::PostingTable> saved_table(const TableLayout& layout) const;
  // Sealed files beside RocksDB's (detail/table_file.hpp), their seals under `seal_key`: the
  // posting table's and later stages' (save_derived). map_sealed() gives the payload only
  // while the seal is `tag`'s and the bytes are whole; write_sealed() drops the seal, writes
  // the file, then stores the new seal, so a file cut short by a crash is never used.
  std::optional<detail::Mapped> map_sealed(const std::string& seal_key, const std::string& name,
                                           const std::string& tag) const;
  Status write_sealed(const std::string& seal_key, const std::string& name, const std::string& tag,
                      const std::function<void(const detail::ByteSink&)>& write);
  std::vector<std::uint32_t> table_nums;   // live work numbers, ascending
  std::vector<std::uint64_t> table_bases;  // first global position of each
  // Bulk mode (begin_bulk/end_bulk): postings of added works wait in `pending`.
  struct Pending {
    std::uint64_t hash;
    std::uint32_t num, pos;
  };
  bool bulk = false;
  bool pending_marked = false;
  bool skip_compact = false;  // postings are a few fresh sorted files: nothing worth folding
  bool run_fresh = false;     // the family held nothing when this bulk run began: its first
  int run_files = 0;          // file holds whole values (Puts), the later ones merge operands
  // Reserved once per bulk run and reused by every flush: a run grew it from nothing by
  // doubling at each of its flushes, and the copies and page faults of that were a tenth of an
  // ingest. In huge pages, as is the radix sort's scratch (freed after each sort: kept, it
  // added its 128 MB to the ingest's peak).
  std::vector<Pending, HugeAlloc<Pending>> pending;
  std::size_t max_pending = 0;  // begin_bulk's limit
  Status flush_pending();
  // Writes one SST file (uncompressed) with `write` and moves it into family cf: past the
  // write-ahead log and the memtable. The file is removed if it cannot be added.
  Status ingest_file(int cf, const std::string& name,
                     const std::function<rocksdb::Status(rocksdb::SstFileWriter&)>& write);

  ~Impl() {
    if (db) {
      // Flush the memtables of a writer, so that the next open (a scan's read-only open above
      // all) reads SST files instead of replaying the write-ahead log into a skiplist: without
      // this, opening a freshly built index cost more than scanning 5 MB against it.
      if (!read_only) db->Flush(rocksdb::FlushOptions(), cfs);
      for (auto* h : cfs) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }

  static rocksdb::ColumnFamilyOptions cf_options(int cf) {
    rocksdb::ColumnFamilyOptions o;
    rocksdb::BlockBasedTableOptions t;
    // Texts: 16 MiB holds the table blocks that verification reads again within a short while
    // (a chain's neighbouring text blocks share a 4 KiB table block; a stock phrase sends many
    // documents to one block). It cut a benchmark shard's reads from 67,000 to 47,600 for
    // ~20 MB of memory (64 MiB: 42,600 reads for ~68 MB).
    t.block_cache = rocksdb::NewLRUCache(cf == kPostings ? (256u << 20) : cf == kTexts ? (16u << 20) : (64u << 20));
    if (cf == kPostings || cf == kIds) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // Texts: a few ~750-byte text blocks per table block (RocksDB's default 4 KiB), so
    // verification decompresses little more than the block it reads.
    // Block checksums: XXH3 instead of CRC32C, which Debian's librocksdb computes without the
    // SSE 4.2 instruction (Slow_CRC32 was 3 % of an ingest). Each file records its own type.
    t.checksum = rocksdb::kXXH3;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    if (cf == kPostings) {
      o.merge_operator = std::make_shared<ConcatOperator>();
      // Bulk ingest adds ~1 posting per 4 words at random keys, and nothing reads postings
      // until the memtable is flushed: a vector memtable appends and sorts once at flush,
      // where a skiplist paid a search per insert (half of all ingest instructions).
      o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
      o.write_buffer_size = 256u << 20;
    }
    // Postings, ids and sketches (MinHash bins are random numbers) do not compress. Texts are
    // stored plain: verification reads one block for every single-seed candidate (~200 a MB
    // scanned), and zstd's decompression of those blocks was a tenth of a scan's CPU and its
    // compression a sixth of an ingest's; the index is ~30 % larger for it (1.85 bytes a text
    // byte against 1.4 with zstd level 1). Each SST file records its own compression, so
    // indexes written with zstd texts read as before.
    o.compression = (cf == kPostings || cf == kIds || cf == kSketches || cf == kTexts) ? rocksdb::kNoCompression
                                                                                          : rocksdb::kZSTD;
    o.compression_opts.level = 1;  // the rest: small, written once
    return o;
  }

  Result<std::string> get(int cf, const std::string& key, bool fill_cache = true) const {
    std::string v;
    rocksdb::ReadOptions ro;
    ro.fill_cache = fill_cache;
    auto s = db->Get(ro, cfs[static_cast<std::size_t>(cf)], key, &v);
    if (s.IsNotFound()) return make_error(Errc::kNotFound, "not found", dir.string());
    if (!s.ok()) return db_error(s, dir);
    return v;
  }

  // An index from another format version may lack (or hold more) column families, and RocksDB
  // refuses to open it with ours. Read its format_version through the families it has, so the
  // refusal names both versions instead of calling it "not a provaudit index", and so an old
  // index is never given a new family by a write open.
  Status check_families() {
    std::vector<std::string> have;
    if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &have).ok())
      return Ok{};  // not a database yet (or unreadable): open() reports it
    std::vector<std::string> ours(std::begin(kCfNames), std::end(kCfNames));
    std::sort(have.begin(), have.end());
    std::sort(ours.begin(), ours.end());
    if (have == ours) return Ok{};
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const auto& n : have) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    rocksdb::DBOptions dbo;
    dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    std::string version;
    if (rocksdb::DB::OpenForReadOnly(dbo, dir.string(), descs, &handles, &raw).ok()) {
      for (std::size_t i = 0; i < have.size(); ++i)
        if (have[i] == "default" && !raw->Get(rocksdb::ReadOptions(), handles[i], "format_version", &version).ok())
          version.clear();
      for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
      delete raw;
    }
    if (!version.empty() && version != std::to_string(kFormatVersion))
      return make_error(Errc::kIncompatible,
                        "index format version " + version + " is not supported (this build reads " +
                            std::to_string(kFormatVersion) + ")",
                        dir.string());
    return make_error(Errc::kIncompatible, "not a provaudit index (column families differ)",
                      dir.string());
  }

  Status open(bool ro, bool create) {
    read_only = ro;
    if (auto st = check_families(); !st) return st;
    rocksdb::DBOptions dbo;
    dbo.create_if_missing = create;
    dbo.create_missing_column_families = create;
    dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    dbo.max_open_files = 512;
    dbo.keep_log_file_num = 2;
    dbo.allow_concurrent_memtable_write = false;  // required by the vector memtable
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (int i = 0; i < kCfCount; ++i) descs.emplace_back(kCfNames[i], cf_options(i));
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s =
        ro ? rocksdb::DB::OpenForReadOnly(dbo, dir.string(), descs, &cfs, &raw)
           : rocksdb::DB::Open(dbo, dir.string(), descs, &cfs, &raw);
    if (!s.ok()) {
      if (s.IsInvalidArgument() && s.ToString().find("Column famil") != std::string::npos)
        return make_error(Errc::kIncompatible,
                          "not a provaudit index (column families differ): " + s.ToString(),
                          dir.string());
      if (s.IsInvalidArgument() || s.IsPathNotFound() || s.IsIOError())
        return make_error(Errc::kIo, "cannot open index: " + s.ToString(), dir.string());
      return db_error(s, dir);
    }
    db.reset(raw);
    return Ok{};
  }

  Status check_meta() {
    auto version = get(kDefault, "format_version");
    if (!version)
      return make_error(Errc::kIncompatible, "not a provaudit index (no format_version)",
                        dir.string());
    if (*version != std::to_string(kFormatVersion))
      return make_error(Errc::kIncompatible,
                        "index format version " + *version + " is not supported (this build reads " +
                            std::to_string(kFormatVersion) + ")",
                        dir.string());
    auto pj = get(kDefault, "params");
    if (!pj) return make_error(Errc::kIncompatible, "index has no parameters", dir.string());
    auto p = parse_params(*pj);
    if (!p) return std::move(p).error().with_path(dir.string());
    const fingerprint::Params ours;
    if (p->version != ours.version)
      return make_error(Errc::kIncompatible,
                        "index fingerprint scheme version " + std::to_string(p->version) +
                            " is not supported (this build computes version " +
                            std::to_string(ours.version) + ")",
                        dir.string());
    if (p->k < 1 || p->k > 64 || p->sample_rate < 1)
      return make_error(Errc::kIncompatible, "index parameters out of range: " + p->describe(),
                        dir.string());
    params = *p;
    if (read_only && get(kDefault, "postings_pending"))
      return make_error(Errc::kIncompatible,
                        "index is incomplete: an ingest stopped before storing its postings; run "
                        "`provaudit ingest --index` on it again to repair it",
                        dir.string());
    if (auto nw = get(kDefault, "next_work"); nw && nw->size() == 4) next_work = from_be32(*nw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cfs[kWorks]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) live.insert(from_be32(it->key().ToStringView()));
    return Ok{};
  }
};

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::~Index() = default;

Result<std::unique_ptr<Index>> Index::open_for_write(const std::filesystem::path& dir,
                                                     const fingerprint::Params& params,
                                                     bool params_given) {
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(dir / "CURRENT", ec);
  if (fresh) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(Errc::kIo, "cannot create index directory: " + ec.message(), dir.string());
    if (!std::filesystem::is_empty(dir, ec))
      return make_error(Errc::kUsage, "directory exists, is not empty and holds no index", dir.string());
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  if (auto s = impl->open(false, true); !s) return std::move(s).error();
  if (fresh) {
    rocksdb::WriteBatch b;
    b.Put(impl->cfs[kDefault], "format_version", std::to_string(kFormatVersion));
    b.Put(impl->cfs[kDefault], "params", params_json(params));
    b.Put(impl->cfs[kDefault], "next_work", be32(1));
    b.Put(impl->cfs[kDefault], "created_by", std::string(kToolName) + " " + kToolVersion);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto s = impl->db->Write(wo, &b); !s.ok()) return db_error(s, dir);
  }
  if (auto s = impl->check_meta(); !s) return std::move(s).error();
  if (auto pending = impl->get(kDefault, "postings_pending"); pending && pending->size() == 4) {
    // A bulk ingest stopped before end_bulk(): works from this number on have no postings.
    // Recompute them from the stored texts, as add_book would have written them.
    const std::uint32_t from = from_be32(*pending);
    std::unique_ptr<Index> idx(new Index(std::move(impl)));
    std::vector<std::uint32_t> nums;
    {
      std::shared_lock lock(idx->impl_->live_mu);
      for (const std::uint32_t n : idx->impl_->live)
        if (n >= from) nums.push_back(n);
    }
    std::sort(nums.begin(), nums.end());
    for (const std::uint32_t n : nums) {
      auto text = idx->text(n);
      if (!text) return std::move(text).error();
      const auto samples = fingerprint::sample(fingerprint::tokenize(*text), idx->impl_->params);
      rocksdb::WriteBatch b;
      merge_postings(b, idx->impl_->cfs[kPostings], bucket_shift(idx->impl_->params), n, samples);
      if (auto s = idx->impl_->db->Write(rocksdb::WriteOptions(), &b); !s.ok()) return db_error(s, dir);
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto s = idx->impl_->db->Delete(wo, idx->impl_->cfs[kDefault], "postings_pending"); !s.ok())
      return db_error(s, dir);
    impl = std::move(idx->impl_);
    impl->pending_marked = false;
  }
  if (params_given && !(impl->params == params))
    return make_error(Errc::kIncompatible,
                      "index was built with " + impl->params.describe() + ", not " + params.describe(),
                      dir.string());
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

Result<std::unique_ptr<Index>> Index::open_read_only(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / "CURRENT", ec))
    return make_error(Errc::kIo, "no index here (run `provaudit ingest --index` first)", dir.string());
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  if (auto s = impl->open(true, false); !s) return std::move(s).error();
  if (auto s = impl->check_meta(); !s) return std::move(s).error();
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

const fingerprint::Params& Index::params() const { return impl_->params; }
const std::filesystem::path& Index::dir() const { return impl_->dir; }

std::uint64_t Index::work_count() const {
  std::shared_lock lock(impl_->live_mu);
  return impl_->live.size();
}

std::optional<WorkRecord> Index::find(std::string_view work_id) const {
  auto v = impl_->get(kIds, std::string(work_id));
  if (!v || v->size() < 4) return std::nullopt;
  auto r = work(from_be32(*v));
  if (!r) return std::nullopt;
  return std::move(r).value();
}

Result<WorkRecord> Index::resolve(std::string_view id) const {
  if (id.size() == 64) {
    if (auto r = find(id)) return *r;
    return make_error(Errc::kNotFound, "no work with id " + std::string(id), impl_->dir.string());
  }
  if (id.size() < 8)
    return make_error(Errc::kUsage, "a work id prefix needs at least 8 hex digits", impl_->dir.string());
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kIds]));
  std::optional<std::uint32_t> found;
  for (it->Seek(std::string(id)); it->Valid() && it->key().starts_with(std::string(id)); it->Next()) {
    if (found)
      return make_error(Errc::kUsage, "work id prefix " + std::string(id) + " is ambiguous",
                        impl_->dir.string());
    found = from_be32(it->value().ToStringView());
  }
  if (!found) return make_error(Errc::kNotFound, "no work with id " + std::string(id), impl_->dir.string());
  return work(*found);
}

Result<WorkRecord> Index::work(std::uint32_t num) const {
  auto v = impl_->get(kWorks, be32(num));
  if (!v) return std::move(v).error();
  return parse_record(num, *v);
}

Result<TextBlockMap> Index::text_blocks(std::uint32_t num) const {
  // Not through the block cache either: a scan keeps every map it reads (audit/match.cpp), and
  // cached table blocks of maps made its memory grow by ~0.1 byte per indexed word.
  auto v = impl_->get(kTexts, be32(num), /*fill_cache=*/false);
  if (!v) return std::move(v).error();
  auto m = parse_text_map(num, *v);
  if (!m) return std::move(m).error().with_path(impl_->dir.string());
  return m;
}

Result<std::string> Index::text_block(std::uint32_t num, std::uint32_t block) const {
  // Through the texts' small block cache (cf_options): the scan's own cache keeps tokenized
  // text blocks of passages, but single-seed checks bypass it and would re-read a table block
  // (a pread, ~5 us on a VM) for each neighbouring text block and each repeat.
  return impl_->get(kTexts, block_key(num, block), /*fill_cache=*/true);
}

Result<std::string> Index::text(std::uint32_t num) const {
  auto m = text_blocks(num);
  if (!m) return std::move(m).error();
  std::string out;
  out.reserve(m->bytes);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kTexts]));
  std::uint32_t i = 0;
  for (it->Seek(block_key(num, 0)); it->Valid() && i < m->blocks.size(); it->Next(), ++i) {
    if (it->key().ToStringView() != block_key(num, i)) break;
    out.append(it->value().data(), it->value().size());
  }
  if (!it->status().ok()) return db_error(it->status(), impl_->dir);
  if (i != m->blocks.size() || out.size() != m->bytes)
    return make_error(Errc::kFormat, "text of work " + std::to_string(num) + " is incomplete",
                      impl_->dir.string());
  return out;
}

Result<std::vector<ingest::OffsetSpan>> Index::offsets(std::uint32_t num) const {
  auto v = impl_->get(kOffsets, be32(num));
  if (!v) return std::move(v).error();
  simdjson::dom::parser parser;
  simdjson::dom::array arr;
  if (parser.parse(*v).get(arr)) return make_error(Errc::kFormat, "offset map is corrupt", impl_->dir.string());
  std::vector<ingest::OffsetSpan> out;
  for (auto e : arr) {
    simdjson::dom::array a;
    if (e.get(a) || a.size() != 5) continue;
    ingest::OffsetSpan s;
    std::string_view src;
    std::uint64_t line = 0;
    if (a.at(0).get(s.text_start) || a.at(1).get(s.text_end) || a.at(2).get(src) ||
        a.at(3).get(s.source_offset) || a.at(4).get(line))
      continue;
    s.source = std::string(src);
    s.source_line = static_cast<std::uint32_t>(line);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<WorkRecord>> Index::works() const {
  std::vector<WorkRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kIds]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto r = work(from_be32(it->value().ToStringView()));
    if (!r) return std::move(r).error();
    out.push_back(std::move(r).value());
  }
  if (!it->status().ok()) return db_error(it->status(), impl_->dir);
  return out;
}

Result<AddOutcome> Index::add_book(const ingest::Book& book) {
  if (impl_->read_only) return make_error(Errc::kUsage, "index opened read-only", impl_->dir.string());
  const std::string& id = book.sha256;
  std::optional<WorkRecord> old = find(id);
  rocksdb::WriteBatch b;
  if (old && old->extractor == book.extractor) {
    if (std::find(old->paths.begin(), old->paths.end(), book.path) != old->paths.end())
      return AddOutcome::kUnchanged;
    old->paths.push_back(book.path);
    b.Put(impl_->cfs[kWorks], be32(old->num), record_json(*old));
    if (auto s = impl_->db->Write(rocksdb::WriteOptions(), &b); !s.ok()) return db_error(s, impl_->dir);
    return AddOutcome::kNewPath;
  }
  if (book.text.size() >= (1ull << 32))
    return make_error(Errc::kLimit, "extracted text exceeds 4 GiB", book.path);

  const auto tokens = fingerprint::tokenize(book.text);
  // Every shingle hash once: the sample and the sketches both take them.
  const auto hashes = fingerprint::shingle_hashes(tokens, impl_->params.k);
  const auto samples = fingerprint::sample(hashes, impl_->params);

  WorkRecord r;
  r.num = impl_->next_work;
  r.work_id = id;
  r.path = old ? old->path : book.path;
  r.paths = old ? old->paths : std::vector<std::string>{book.path};
  if (std::find(r.paths.begin(), r.paths.end(), book.path) == r.paths.end()) r.paths.push_back(book.path);
  r.format = book.format;
  r.extractor = book.extractor;
  r.title = book.title;
  r.authors = book.authors;
  r.language = book.language;
  r.publisher = book.publisher;
  r.date = book.date;
  r.isbns = book.isbns;
  r.encoding = book.encoding;
  r.source_bytes = book.source_bytes;
  r.text_bytes = book.text.size();
  r.words = tokens.size();
  r.warnings = book.warnings;
  if (old) {  // attached at ingest, not extracted: survives re-extraction
    r.work_class = old->work_class;
    r.rightsholder = old->rightsholder;
  }

  const std::string key = be32(r.num);
  b.Put(impl_->cfs[kWorks], key, record_json(r));
  b.Put(impl_->cfs[kIds], id, key + r.extractor);
  if (old) b.DeleteRange(impl_->cfs[kTexts], be32(old->num), be32(old->num + 1));
  {
    TextBlockMap m;
    m.tokens = static_cast<std::uint32_t>(tokens.size());
    m.bytes = static_cast<std::uint32_t>(book.text.size());
    m.blocks = text_block_bounds(book.text, tokens);
    b.Put(impl_->cfs[kTexts], key, text_map_value(m));
    for (std::size_t i = 0; i < m.blocks.size(); ++i) {
      const std::size_t s = m.blocks[i].byte_start;
      const std::size_t e = i + 1 < m.blocks.size() ? m.blocks[i + 1].byte_start : book.text.size();
      b.Put(impl_->cfs[kTexts], block_key(r.num, static_cast<std::uint32_t>(i)),
            rocksdb::Slice(book.text.data() + s, e - s));
    }
  }
  b.Put(impl_->cfs[kOffsets], key, offsets_json(book.offsets));
  b.Put(impl_->cfs[kSketches], key, sketches_value(tokens, hashes, impl_->params.k));
  if (old) {
    b.Delete(impl_->cfs[kWorks], be32(old->num));
    b.Delete(impl_->cfs[kOffsets], be32(old->num));
    b.Delete(impl_->cfs[kSketches], be32(old->num));
  }
  if (impl_->bulk) {
    // Postings wait for end_bulk(); the marker (in this same atomic write) says so.
    if (!impl_->pending_marked) b.Put(impl_->cfs[kDefault], "postings_pending", be32(r.num));
    for (const auto& s : samples) impl_->pending.push_back(Impl::Pending{s.hash, r.num, s.pos});
  } else {
    merge_postings(b, impl_->cfs[kPostings], bucket_shift(impl_->params), r.num, samples);
  }
  b.Put(impl_->cfs[kDefault], "next_work", be32(r.num + 1));
  std::uint64_t total = 0;
  if (auto t = impl_->get(kDefault, "postings_total"); t && t->size() == 8)
    for (const char c : *t) total = (total << 8) | static_cast<unsigned char>(c);
  b.Put(impl_->cfs[kDefault], "postings_total", be64(total + samples.size()));
  if (auto s = impl_->db->Write(rocksdb::WriteOptions(), &b); !s.ok()) return db_error(s, impl_->dir);
  if (impl_->bulk) impl_->pending_marked = true;
  impl_->next_work = r.num + 1;
  if (impl_->bulk && impl_->pending.size() >= impl_->max_pending) {
    // Bound ingest memory: store what is pending, then move the marker past these works. (A
    // crash between the two makes the repair add some postings twice; loading drops repeats.)
    if (auto st = impl_->flush_pending(); !st) return std::move(st).error();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto s = impl_->db->Put(wo, impl_->cfs[kDefault], "postings_pending", be32(r.num + 1)); !s.ok())
      return db_error(s, impl_->dir);
  }
  {
    std::unique_lock lock(impl_->live_mu);
    impl_->live.insert(r.num);
    if (old) impl_->live.erase(old->num);
  }
  return old ? AddOutcome::kReextracted : AddOutcome::kAdded;
}

Status Index::begin_bulk(std::size_t max_pending) {
  if (impl_->read_only) return make_error(Errc::kUsage, "index opened read-only", impl_->dir.string());
  if (impl_->bulk) return Ok{};
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kPostings]));
  it->SeekToFirst();
  if (!it->status().ok()) return db_error(it->status(), impl_->dir);
  impl_->bulk = true;
  impl_->run_fresh = !it->Valid();
  impl_->run_files = 0;
  impl_->max_pending = std::max<std::size_t>(1, max_pending);
  // Address space only until written; a flush comes after the book that passes the limit.
  impl_->pending.reserve(std::min<std::size_t>(impl_->max_pending + (1u << 20), std::size_t{64} << 20));
  return Ok{};
}

// Writes the pending postings as one sorted SST file and adds it to the postings family: plain
// values into a family that held nothing, merge operands otherwise (concatenated onto what is
// there; a compaction folds them).
Status Index::Impl::flush_pending() {
  if (pending.empty()) return Ok{};
  // Sorted by (hash, work, position): first by bucket with a stable two-pass radix sort on
  // its 16 bits (each pass scatters into 256 streams, which stay in cache), then each bucket
  // (~400 postings) sorted on its own. A single std::sort of all of them was a tenth of an
  // ingest's CPU; one scattering pass into 65,536 buckets missed the cache at every posting.
  const unsigned shift = bucket_shift(params);
  {
    const auto bucket_of = [&](const Pending& p) { return static_cast<std::size_t>(p.hash >> shift); };
    std::vector<Pending, HugeAlloc<Pending>> other(pending.size());
    for (const unsigned digit_shift : {0u, 8u}) {
      std::array<std::size_t, 257> start{};
      for (const auto& p : pending) ++start[((bucket_of(p) >> digit_shift) & 0xFF) + 1];
      for (std::size_t d = 0; d < 256; ++d) start[d + 1] += start[d];
      for (const auto& p : pending) other[start[(bucket_of(p) >> digit_shift) & 0xFF]++] = p;
      pending.swap(other);
    }
    decltype(other)().swap(other);
    // Sampled hashes are below the threshold, so a bucket number has at most 16 bits.
    for (std::size_t i = 0; i < pending.size();) {
      const std::size_t b = bucket_of(pending[i]);
      std::size_t j = i + 1;
      while (j < pending.size() && bucket_of(pending[j]) == b) ++j;
      std::sort(pending.begin() + static_cast<std::ptrdiff_t>(i), pending.begin() + static_cast<std::ptrdiff_t>(j),
                [](const Pending& x, const Pending& y) {
                  return x.hash != y.hash ? x.hash < y.hash : (x.num != y.num ? x.num < y.num : x.pos < y.pos);
                });
      i = j;
    }
  }
  const bool whole_values = run_fresh && run_files == 0;
  auto st = ingest_file(kPostings, "bulk-postings-" + std::to_string(pending.front().num) + ".sst",
                        [&](rocksdb::SstFileWriter& w) {
                          std::string v;
                          for (std::size_t i = 0; i < pending.size();) {
                            const auto bucket = static_cast<std::uint32_t>(pending[i].hash >> shift);
                            v.clear();
                            for (; i < pending.size() && (pending[i].hash >> shift) == bucket; ++i)
                              put_posting(v, pending[i].hash, pending[i].num, pending[i].pos);
                            const auto s = whole_values ? w.Put(be32(bucket), v) : w.Merge(be32(bucket), v);
                            if (!s.ok()) return s;
                          }
                          return rocksdb::Status::OK();
                        });
  if (!st) return st;
  pending.clear();
  // A fresh run's files are whole values then merge operands over them, each file sorted, each
  // ingested one level above the last: reads merge them (the merge operator merges sorted
  // lists) at about the cost of reading them, and the scan reads the saved table anyway. So a
  // fresh run of up to 4 files is not compacted (rewriting all postings was 15 % of a
  // 1,000-work ingest); a longer run, or one on top of earlier postings, is.
  ++run_files;
  skip_compact = run_fresh && run_files <= 4;
  return Ok{};
}

Status Index::Impl::ingest_file(int cf, const std::string& name,
                                const std::function<rocksdb::Status(rocksdb::SstFileWriter&)>& write) {
  const auto file = dir / name;
  rocksdb::Status s;
  {
    rocksdb::Options o(rocksdb::DBOptions(), cf_options(cf));
    o.compression = rocksdb::kNoCompression;  // both callers write bits that do not compress
    rocksdb::SstFileWriter w(rocksdb::EnvOptions(), o, cfs[static_cast<std::size_t>(cf)]);
    s = w.Open(file.string());
    if (s.ok()) s = write(w);
    if (s.ok()) s = w.Finish();
  }
  if (s.ok()) {
    rocksdb::IngestExternalFileOptions io;
    io.move_files = true;
    s = db->IngestExternalFile(cfs[static_cast<std::size_t>(cf)], {file.string()}, io);
  }
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return db_error(s, dir);
  }
  return Ok{};
}

Status Index::end_bulk() {
  Impl& m = *impl_;
  if (!m.bulk) return Ok{};
  m.bulk = false;
  if (auto st = m.flush_pending(); !st) return st;
  decltype(m.pending)().swap(m.pending);
  if (m.pending_marked) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto s = m.db->Delete(wo, m.cfs[kDefault], "postings_pending"); !s.ok()) return db_error(s, m.dir);
    m.pending_marked = false;
  }
  return Ok{};
}

Result<std::vector<WindowSketch>> Index::sketches(std::uint32_t num) const {
  // Not through the block cache: a scan reads every work's sketches once at start and keeps
  // what probes need in its own LRU (audit/detail/near_dup.hpp); cached blocks only made the
  // scan's memory grow with the index (~0.5 bytes a word, up to the cache's 64 MB).
  auto v = impl_->get(kSketches, be32(num), /*fill_cache=*/false);
  if (!v) return std::move(v).error();
  auto r = parse_sketches(num, *v);
  if (!r) return std::move(r).error().with_path(impl_->dir.string());
  return r;
}

Result<std::vector<WindowSketch>> Index::all_sketches() const {
  std::vector<WindowSketch> out;
  std::unordered_set<std::uint32_t> live;
  {
    std::shared_lock lock(impl_->live_mu);
    live = impl_->live;
  }
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cfs[kSketches]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 4) continue;
    const std::uint32_t num = from_be32(it->key().ToStringView());
    if (!live.count(num)) continue;
    auto r = parse_sketches(num, it->value().ToStringView());
    if (!r) return std::move(r).error().with_path(impl_->dir.string());
    for (auto& w : *r) out.push_back(std::move(w));
  }
  if (!it->status().ok()) return db_error(it->status(), impl_->dir);
  return out;
}

Result<TableLayout> table_layout(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* works, const std::filesystem::path& dir,
                                 const fingerprint::Params& params) {
  TableLayout l;
  std::string tag = "provaudit posting table 2; entry 6 bytes; filter 8 bits; u32 " + std::to_string(sizeof(std::uint32_t)) +
                    (std::endian::native == std::endian::little ? "; little-endian\n" : "; big-endian\n") +
                    params_json(params) + "\n";
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), works));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::uint32_t num = from_be32(it->key().ToStringView());
    auto r = parse_record(num, it->value().ToString());
    if (!r) return std::move(r).error().with_path(dir.string());
    l.nums.push_back(num);
    l.bases.push_back(l.words);
    if (l.base_of.size() <= num) l.base_of.resize(num + 1, kDeadBase);
    l.base_of[num] = l.words;
    l.words += r->words;
    tag += std::to_string(num) + " " + std::to_string(r->words) + "\n";
  }
  if (!it->status().ok()) return db_error(it->status(), dir);
  l.tag = sha256_hex(tag);
  return l;
}

Result<std::unique_ptr<detail::PostingTable>> Index::Impl::build_table(const TableLayout& layout) const {
  const auto& base_of = layout.base_of;
  std::uint64_t expected = 0;
  if (auto t = get(kDefault, "postings_total"); t && t->size() == 8)
    for (const char c : *t) expected = (expected << 8) | static_cast<unsigned char>(c);
  auto t = std::make_unique<detail::PostingTable>(params.threshold(), expected, layout.words);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> group;  // (hash, global position)
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // one sequential pass; keep the block cache for the texts
  ro.readahead_size = 4u << 20;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cfs[kPostings]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 4) continue;
    const std::string_view v = it->value().ToStringView();
    group.clear();
    for (std::size_t off = 0; off + kPostingBytes <= v.size(); off += kPostingBytes) {
      const std::uint32_t num = get_le32(v.data() + off + 8);
      if (num >= base_of.size() || base_of[num] == kDeadBase) continue;  // a replaced work
      group.emplace_back(get_le64(v.data() + off),
                         static_cast<std::uint32_t>(base_of[num] + get_le32(v.data() + off + 12)));
    }
    // Buckets ascend, so hashes ascend overall. A bulk-written value is sorted already (work
    // numbers ascend with global positions), and so is one that compaction folded (the merge
    // operator merges sorted lists). Operands not yet folded, or lists from older indexes, are
    // sorted runs one after another: merge them.
    auto run_end = static_cast<std::size_t>(std::is_sorted_until(group.begin(), group.end()) - group.begin());
    for (int merges = 0; run_end < group.size(); ++merges) {
      if (merges == 8) {  // many small runs (incremental ingests): one sort is cheaper
        std::sort(group.begin(), group.end());
        break;
      }
      const auto mid = group.begin() + static_cast<std::ptrdiff_t>(run_end);
      const auto stop = std::is_sorted_until(mid, group.end());
      std::inplace_merge(group.begin(), mid, stop);
      run_end = static_cast<std::size_t>(stop - group.begin());
    }
    for (std::size_t i = 0; i < group.size(); ++i)
      if (i == 0 || group[i] != group[i - 1]) t->add(group[i].first, group[i].second);
  }
  if (!it->status().ok()) return db_error(it->status(), dir);
  t->finish();
  return t;
}

// A saved table whose tag is this layout's, or null (none saved, saved for other works, or
// damaged: the caller builds one from the postings).
std::unique_ptr<detail::PostingTable> Index::Impl::saved_table(const TableLayout& layout) const {
  auto meta = get(kDefault, kTableMeta, /*fill_cache=*/false);
  if (!meta || *meta != layout.tag) return nullptr;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4u << 20;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cfs[kDefault]));
  it->Seek(kTableChunkPrefix);
  std::string_view chunk;
  const auto valid = [&] { return it->Valid() && it->key().starts_with(kTableChunkPrefix); };
  if (valid()) chunk = it->value().ToStringView();
  auto t = detail::PostingTable::restore([&](void* dst, std::size_t n) {
    auto* out = static_cast<char*>(dst);
    while (n > 0) {
      if (chunk.empty()) {
        if (!valid()) return false;
        it->Next();
        if (!valid()) return false;
        chunk = it->value().ToStringView();
        continue;
      }
      const std::size_t take = std::min(n, chunk.size());
      std::memcpy(out, chunk.data(), take);
      out += take;
      n -= take;
      chunk.remove_prefix(take);
    }
    return true;
  });
  if (!t || !it->status().ok()) return nullptr;
  return t;
}

Status Index::load_postings() const {
  auto layout = table_layout(*impl_->db, impl_->cfs[kWorks], impl_->dir, impl_->params);
  if (!layout) return std::move(layout).error();
  if (layout->words >= (1ull << 32))
    return make_error(Errc::kLimit, "index holds more than 2^32 words; the in-memory table cannot address them",
                      impl_->dir.string());
  // The table file ingest wrote, mapped in place, when it is for exactly these works; else
  // the copy an older ingest kept in RocksDB; else built from the postings.
  std::unique_ptr<detail::PostingTable> table;
  if (auto m = impl_->map_sealed(kTableFileSeal, detail::kTableFileName, layout->tag))
    table = detail::PostingTable::map(m->data, m->size, std::move(m->keep));
  if (!table) table = impl_->saved_table(*layout);
  impl_->table_saved = table != nullptr;
  if (!table) {
    auto built = impl_->build_table(*layout);
    if (!built) return std::move(built).error();
    table = std::move(built).value();
  }
  impl_->table = std::move(table);
  impl_->table_nums = std::move(layout->nums);
  impl_->table_bases = std::move(layout->bases);
  return Ok{};
}

Status Index::save_posting_table() {
  if (impl_->read_only) return make_error(Errc::kUsage, "index opened read-only", impl_->dir.string());
  auto layout = table_layout(*impl_->db, impl_->cfs[kWorks], impl_->dir, impl_->params);
  if (!layout) return std::move(layout).error();
  if (layout->words >= (1ull << 32)) return Ok{};  // no table can address it: scans use RocksDB
  // Current when the sealed file is for these works and maps whole (a damaged one is rewritten).
  if (auto m = impl_->map_sealed(kTableFileSeal, detail::kTableFileName, layout->tag);
      m && detail::PostingTable::map(m->data, m->size, m->keep))
    return Ok{};
  auto table = impl_->build_table(*layout);
  if (!table) return std::move(table).error();
  const bool had_chunks = impl_->get(kDefault, kTableMeta).ok();
  if (had_chunks) {  // the copy older ingests kept in RocksDB goes
    rocksdb::WriteBatch b;
    if (auto st = b.Delete(impl_->cfs[kDefault], kTableMeta); !st.ok()) return db_error(st, impl_->dir);
    if (auto st = b.DeleteRange(impl_->cfs[kDefault], kTableChunkPrefix, "posting_table/chunk0");  // '0' follows '/'
        !st.ok())
      return db_error(st, impl_->dir);
    if (auto st = impl_->db->Write(rocksdb::WriteOptions(), &b); !st.ok()) return db_error(st, impl_->dir);
  }
  if (auto st = impl_->write_sealed(kTableFileSeal, detail::kTableFileName, layout->tag,
                                    [&](const detail::ByteSink& sink) { (*table)->save(sink, /*aligned=*/true); });
      !st)
    return st;
  if (had_chunks) {  // give back the old copy's disk space now, not at some later compaction
    const rocksdb::Slice from(kTableChunkPrefix), to("posting_table/chunk0");
    if (auto s = impl_->db->CompactRange(rocksdb::CompactRangeOptions(), impl_->cfs[kDefault], &from, &to); !s.ok())
      return db_error(s, impl_->dir);
  }
  return Ok{};
}

Status Index::compact() {
  if (impl_->read_only) return make_error(Errc::kUsage, "index opened read-only", impl_->dir.string());
  if (impl_->skip_compact) return Ok{};  // one fresh sorted file of whole values already
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  if (auto st = impl_->db->CompactRange(o, impl_->cfs[kPostings], nullptr, nullptr); !st.ok())
    return db_error(st, impl_->dir);
  return Ok{};
}

Result<std::string> Index::layout_tag() const {
  auto layout = table_layout(*impl_->db, impl_->cfs[kWorks], impl_->dir, impl_->params);
  if (!layout) return std::move(layout).error();
  return layout->tag;
}

namespace {
const std::string kDerivedSeal = "derived/";  // ++ file name: the seal of IDX/<name>
bool derived_name_ok(const std::string& name) {
  return !name.empty() && name.size() < 64 && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") == std::string::npos &&
         name.front() != '.' && name != detail::kTableFileName;
}
}  // namespace

std::optional<detail::Mapped> Index::Impl::map_sealed(const std::string& seal_key, const std::string& name,
                                                      const std::string& tag) const {
  auto seal = get(kDefault, seal_key, /*fill_cache=*/false);
  if (!seal || !seal->starts_with(tag + " ")) return std::nullopt;
  return detail::map_sealed_file(dir, name, *seal);
}

Status Index::Impl::write_sealed(const std::string& seal_key, const std::string& name, const std::string& tag,
                                 const std::function<void(const detail::ByteSink&)>& write) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = db->Delete(sync, cfs[kDefault], seal_key); !s.ok()) return db_error(s, dir);
  auto seal = detail::write_sealed_file(dir, name, tag, write);
  if (!seal) return std::move(seal).error();
  if (auto s = db->Put(sync, cfs[kDefault], seal_key, *seal); !s.ok()) return db_error(s, dir);
  return Ok{};
}

Status Index::save_derived(const std::string& name, const std::string& tag,
                           const std::function<void(const ByteSink&)>& write) {
  if (impl_->read_only) return make_error(Errc::kUsage, "index opened read-only", impl_->dir.string());
  if (!derived_name_ok(name)) return make_error(Errc::kUsage, "bad derived file name: " + name);
  return impl_->write_sealed(kDerivedSeal + name, name, tag, write);
}

std::optional<Index::MappedBytes> Index::map_derived(const std::string& name, const std::string& tag) const {
  if (!derived_name_ok(name)) return std::nullopt;
  auto m = impl_->map_sealed(kDerivedSeal + name, name, tag);
  if (!m) return std::nullopt;
  return MappedBytes{std::move(m->keep), m->data, m->size};
}

bool Index::postings_from_saved_table() const { return impl_->table && impl_->table_saved; }
std::uint64_t Index::postings_in_memory() const { return impl_->table ? impl_->table->size() : 0; }
std::uint64_t Index::postings_memory_bytes() const {
  return impl_->table ? impl_->table->memory_bytes() + impl_->table_nums.size() * 12 : 0;
}

Status Index::lookup(const std::vector<std::uint64_t>& hashes, PostingLists& out) const {
  return lookup(hashes.data(), hashes.size(), out);
}

Status Index::lookup(const std::uint64_t* hashes, std::size_t n, PostingLists& out) const {
  out.offsets.clear();
  out.postings.clear();
  out.hits.clear();
  out.offsets.reserve(n + 1);
  out.offsets.push_back(0);
  if (!impl_->table) {  // RocksDB path (writers, tests): the nested form, flattened
    std::vector<std::vector<Posting>> nested;
    if (auto st = lookup(std::vector<std::uint64_t>(hashes, hashes + n), nested); !st) return st;
    for (std::size_t i = 0; i < nested.size(); ++i) {
      if (!nested[i].empty()) out.hits.push_back(static_cast<std::uint32_t>(i));
      out.postings.insert(out.postings.end(), nested[i].begin(), nested[i].end());
      out.offsets.push_back(static_cast<std::uint32_t>(out.postings.size()));
    }
    return Ok{};
  }
  const auto& table = *impl_->table;
  const auto& nums = impl_->table_nums;
  const auto& bases = impl_->table_bases;
  // First the filter, one cache line a hash, 16 hashes ahead: ~97 % of a scan's lookups end
  // there. Then the table for the rest, in two stages: the directory slot 16 lookups ahead,
  // the bucket's entries 8 ahead (a table of 100 M words is 150 MB: nearly every lookup misses
  // the caches).
  thread_local std::vector<std::uint32_t> maybe;
  if (maybe.size() < n) maybe.resize(n);  // only grown: resize() would zero-fill each time
  const std::size_t m = table.filter_batch(hashes, n, maybe.data());
  std::size_t next = 0;  // hashes[next..] have no list in `out` yet
  // The pipeline's first stages primed, so a batch's first candidates (often all of its few)
  // wait for two memory latencies in all, not two each.
  for (std::size_t c = 0; c < m && c < 16; ++c) table.prefetch(hashes[maybe[c]]);
  for (std::size_t c = 0; c < m && c < 8; ++c) table.prefetch_entries(hashes[maybe[c]]);
  for (std::size_t c = 0; c < m; ++c) {
    if (c + 16 < m) table.prefetch(hashes[maybe[c + 16]]);
    if (c + 8 < m) table.prefetch_entries(hashes[maybe[c + 8]]);
    const std::size_t i = maybe[c];
    // The hashes before it that the filter turned away have empty lists: one fill, not a
    // push_back each (most of a document's hashes).
    out.offsets.insert(out.offsets.end(), i - next, static_cast<std::uint32_t>(out.postings.size()));
    const std::size_t before = out.postings.size();
    table.find(hashes[i], [&](std::uint32_t g) {
      const auto at = std::upper_bound(bases.begin(), bases.end(), std::uint64_t{g}) - bases.begin() - 1;
      const auto k = static_cast<std::size_t>(at);
      out.postings.push_back(Posting{nums[k], static_cast<std::uint32_t>(g - bases[k])});
    });
    // Global positions ascend with work number, so each list is already sorted by (work, pos).
    out.offsets.push_back(static_cast<std::uint32_t>(out.postings.size()));
    if (out.postings.size() > before) out.hits.push_back(static_cast<std::uint32_t>(i));
    next = i + 1;
  }
  out.offsets.insert(out.offsets.end(), n - next, static_cast<std::uint32_t>(out.postings.size()));
  return Ok{};
}

Status Index::lookup(const std::vector<std::uint64_t>& hashes,
                     std::vector<std::vector<Posting>>& out) const {
  out.assign(hashes.size(), {});
  if (hashes.empty()) return Ok{};
  if (impl_->table) {
    PostingLists flat;
    if (auto st = lookup(hashes, flat); !st) return st;
    for (std::size_t i = 0; i < hashes.size(); ++i) out[i].assign(flat.begin(i), flat.end(i));
    return Ok{};
  }
  // One read per distinct bucket; each bucket's value is scanned for the hashes asked.
  const unsigned shift = bucket_shift(impl_->params);
  std::vector<std::uint32_t> buckets;
  for (const std::uint64_t h : hashes) buckets.push_back(static_cast<std::uint32_t>(h >> shift));
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  std::vector<std::string> keys(buckets.size());
  std::vector<rocksdb::Slice> slices(buckets.size());
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    keys[i] = be32(buckets[i]);
    slices[i] = keys[i];
  }
  std::vector<rocksdb::PinnableSlice> values(buckets.size());
  std::vector<rocksdb::Status> statuses(buckets.size());
  impl_->db->MultiGet(rocksdb::ReadOptions(), impl_->cfs[kPostings], slices.size(), slices.data(),
                      values.data(), statuses.data());
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> wanted;  // hash -> indexes in `hashes`
  for (std::size_t i = 0; i < hashes.size(); ++i) wanted[hashes[i]].push_back(i);
  std::shared_lock lock(impl_->live_mu);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return db_error(statuses[i], impl_->dir);
    const rocksdb::Slice v = values[i];
    for (std::size_t off = 0; off + kPostingBytes <= v.size(); off += kPostingBytes) {
      const auto it = wanted.find(get_le64(v.data() + off));
      if (it == wanted.end()) continue;
      const Posting p{get_le32(v.data() + off + 8), get_le32(v.data() + off + 12)};
      if (!impl_->live.count(p.work)) continue;
      for (const std::size_t j : it->second) out[j].push_back(p);
    }
  }
  for (auto& dst : out) {
    std::sort(dst.begin(), dst.end(), [](const Posting& a, const Posting& b2) {
      return a.work != b2.work ? a.work < b2.work : a.pos < b2.pos;
    });
    dst.erase(std::unique(dst.begin(), dst.end()), dst.end());
  }
  return Ok{};
}

Status Index::put_evidence(const std::vector<std::pair<std::string, std::string>>& records) {
  rocksdb::WriteBatch b;
  for (const auto& [k, v] : records) b.Put(impl_->cfs[kEvidence], k, v);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = impl_->db->Write(wo, &b); !s.ok()) return db_error(s, impl_->dir);
  return Ok{};
}

Result<std::string> Index::get_evidence(std::string_view key) const {
  return impl_->get(kEvidence, std::string(key));
}

Status Index::scan_evidence(
    std::string_view prefix,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kEvidence]));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next())
    if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
  if (!it->status().ok()) return db_error(it->status(), impl_->dir);
  return Ok{};
}

std::string Index::digest() const {
  Sha256 h;
  h.update("provaudit-index/" + std::to_string(kFormatVersion) + "\n" + impl_->params.describe() + "\n");
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kIds]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    h.update(it->key().ToStringView());
    h.update(" ");
    h.update(it->value().ToStringView().substr(4));
    h.update("\n");
  }
  return h.hex();
}

// ---- Metadata attached at ingest ----------------------------------------------------------

namespace {

// An ISBN-10 or -13 (hyphens and spaces allowed) as ISBN-13 digits, if its check digit holds.
std::optional<std::string> isbn13(std::string_view given) {
  std::string d;
  for (const char c : given) {
    if (c == '-' || c == ' ') continue;
    if ((c >= '0' && c <= '9') || ((c == 'X' || c == 'x') && d.size() == 9)) {
      d.push_back(c == 'x' ? 'X' : c);
    } else {
      return std::nullopt;
    }
  }
  if (d.size() == 10) {
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += (10 - i) * (d[static_cast<std::size_t>(i)] == 'X' ? 10 : d[static_cast<std::size_t>(i)] - '0');
    if (sum % 11 != 0) return std::nullopt;
    d = "978" + d.substr(0, 9);
    int s13 = 0;
    for (int i = 0; i < 12; ++i) s13 += (i % 2 ? 3 : 1) * (d[static_cast<std::size_t>(i)] - '0');
    d.push_back(static_cast<char>('0' + (10 - s13 % 10) % 10));
    return d;
  }
  if (d.size() != 13 || d.find('X') != std::string::npos) return std::nullopt;
  int s13 = 0;
  for (int i = 0; i < 13; ++i) s13 += (i % 2 ? 3 : 1) * (d[static_cast<std::size_t>(i)] - '0');
  if (s13 % 10 != 0) return std::nullopt;
  return d;
}

}  // namespace

Result<WorkMeta> parse_work_meta(std::string_view json, const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  if (auto err = parser.parse(json.data(), json.size()).get(d))
    return make_error(Errc::kFormat, std::string("invalid JSON: ") + simdjson::error_message(err), path);
  simdjson::dom::object o;
  if (d.get(o)) return make_error(Errc::kFormat, "metadata must be a JSON object", path);
  WorkMeta m;
  for (auto [k, v] : o) {
    std::string_view s;
    if (k == "authors") {
      simdjson::dom::array a;
      if (!v.get(s)) {
        m.authors.emplace_back(s);
      } else if (!v.get(a)) {
        for (auto e : a) {
          if (e.get(s)) return make_error(Errc::kFormat, "\"authors\" must be strings", path);
          m.authors.emplace_back(s);
        }
      } else {
        return make_error(Errc::kFormat, "\"authors\" must be a string or an array of strings", path);
      }
      continue;
    }
    if (k != "title" && k != "isbn" && k != "rightsholder" && k != "class")
      return make_error(Errc::kFormat,
                        "unknown key \"" + std::string(k) + "\" (known: title, authors, isbn, rightsholder, class)", path);
    if (v.get(s)) return make_error(Errc::kFormat, "\"" + std::string(k) + "\" must be a string", path);
    if (k == "title") m.title = std::string(s);
    if (k == "rightsholder") m.rightsholder = std::string(s);
    if (k == "class") m.work_class = std::string(s);
    if (k == "isbn") {
      auto i = isbn13(s);
      if (!i) return make_error(Errc::kFormat, "\"isbn\": not a valid ISBN-10 or ISBN-13: " + std::string(s), path);
      m.isbn = *i;
    }
  }
  return m;
}

Status Index::set_work_meta(std::string_view work_id, const WorkMeta& meta) {
  if (impl_->read_only) return make_error(Errc::kUsage, "index opened read-only", impl_->dir.string());
  std::optional<WorkRecord> r = find(work_id);
  if (!r) return make_error(Errc::kNotFound, "no work " + std::string(work_id), impl_->dir.string());
  if (!meta.title.empty()) r->title = meta.title;
  if (!meta.authors.empty()) r->authors = meta.authors;
  if (!meta.isbn.empty()) {
    r->isbns.erase(std::remove(r->isbns.begin(), r->isbns.end(), meta.isbn), r->isbns.end());
    r->isbns.insert(r->isbns.begin(), meta.isbn);
  }
  if (!meta.rightsholder.empty()) r->rightsholder = meta.rightsholder;
  if (!meta.work_class.empty()) r->work_class = meta.work_class;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = impl_->db->Put(wo, impl_->cfs[kWorks], be32(r->num), record_json(*r)); !s.ok())
    return db_error(s, impl_->dir);
  return Ok{};
}

}  // namespace prov::index
