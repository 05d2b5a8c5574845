// ingest/archive.cpp: archives of books (zip, tar with any compression, 7z, rar), read with
// libarchive from memory, one member at a time.
//
// Every member name is checked before it is used (no absolute paths, no "..", valid UTF-8);
// a refused member is reported and the rest of the archive is read. Decompression is bounded
// three ways: per member (max_bytes), per archive (max_archive_bytes), and by ratio: the
// archive's decompressed total may not exceed max_ratio times its compressed size plus 1 MiB,
// checked as the bytes arrive, so a zip bomb stops after ~max_ratio x its size, not at 4 GiB.
// A single compressed file (book.txt.gz) is an archive of one member named after it.
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <memory>
#include <string>
#include <vector>

#include "ingest/detail/book_readers.hpp"
#include "ingest/detail/markup.hpp"
#include "ingest/detail/utf8_locale.hpp"

namespace prov::ingest::detail {
namespace {

constexpr std::uint64_t kRatioSlack = 1u << 20;

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string why(archive* a, const char* fallback) {
  const char* s = archive_error_string(a);
  return s ? s : fallback;
}

// The name of the one member of a compressed single file: the archive's name without its
// compression suffix ("a.zip!book.txt.gz" -> "book.txt").
std::string raw_member_name(const std::string& archive_name) {
  std::string base = archive_name.substr(archive_name.find_last_of("/!") + 1);
  const std::size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base.empty() || !is_safe_name(base) ? std::string("data") : base;
}

}  // namespace

Status expand_archive(std::string_view bytes, const std::string& archive_name,
                      const BookLimits& limits,
                      const std::function<void(Result<ArchiveMember>)>& each) {
  Utf8Locale utf8_names;
  ArchivePtr a(archive_read_new());
  if (!a) return make_error(Errc::kInternal, "archive_read_new failed");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_zip_seekable(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_7zip(a.get());
  archive_read_support_format_rar(a.get());
  archive_read_support_format_rar5(a.get());
  archive_read_support_format_cpio(a.get());
  archive_read_support_format_raw(a.get());  // bids last: a compressed single file
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return make_error(Errc::kFormat, "not an archive we can read: " + why(a.get(), "unreadable"));

  const double ratio_cap =
      limits.max_ratio * static_cast<double>(bytes.size()) + static_cast<double>(kRatioSlack);
  std::uint64_t total = 0;
  std::size_t count = 0;
  archive_entry* e = nullptr;
  int r = ARCHIVE_OK;
  std::vector<char> buf(1u << 16);
  while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (++count > limits.max_entries)
      return make_error(Errc::kLimit, "more than max_entries (" +
                                          std::to_string(limits.max_entries) + ") members");
    const bool raw = archive_format(a.get()) == ARCHIVE_FORMAT_RAW;
    if (!raw && archive_entry_filetype(e) != AE_IFREG) continue;
    const char* n = archive_entry_pathname_utf8(e);
    if (n == nullptr) n = archive_entry_pathname(e);
    std::string name = raw ? raw_member_name(archive_name) : (n ? n : "");
    if (!is_safe_name(name)) {
      each(make_error(Errc::kFormat,
                      name.empty() || !is_valid_utf8(name)
                          ? "member name is empty or not UTF-8; refused"
                          : "member name escapes the archive (absolute or \"..\"); refused",
                      is_valid_utf8(name) ? name : std::string("?")));
      continue;
    }
    if (archive_entry_is_encrypted(e)) {
      each(make_error(Errc::kUnsupported, "encrypted archive member", name));
      continue;
    }
    if (archive_entry_size_is_set(e) &&
        static_cast<std::uint64_t>(archive_entry_size(e)) > limits.max_bytes) {
      each(make_error(Errc::kLimit, "member is larger than max_bytes (" +
                                        std::to_string(limits.max_bytes) + ")", name));
      continue;
    }
    ArchiveMember m;
    m.name = std::move(name);
    bool failed = false;
    for (;;) {
      const la_ssize_t got = archive_read_data(a.get(), buf.data(), buf.size());
      if (got == 0) break;
      if (got < 0) {
        each(make_error(Errc::kFormat, "unreadable member: " + why(a.get(), "read error"),
                        m.name));
        failed = true;
        break;
      }
      total += static_cast<std::uint64_t>(got);
      if (static_cast<double>(total) > ratio_cap)
        return make_error(Errc::kLimit,
                          "archive decompresses to more than max_ratio (" +
                              std::to_string(static_cast<int>(limits.max_ratio)) +
                              ") times its size: a decompression bomb?");
      if (total > limits.max_archive_bytes)
        return make_error(Errc::kLimit, "archive decompresses to more than max_archive_bytes (" +
                                            std::to_string(limits.max_archive_bytes) + ")");
      if (m.data.size() + static_cast<std::size_t>(got) > limits.max_bytes) {
        each(make_error(Errc::kLimit, "member decompresses to more than max_bytes (" +
                                          std::to_string(limits.max_bytes) + ")", m.name));
        failed = true;
        break;
      }
      m.data.append(buf.data(), static_cast<std::size_t>(got));
    }
    if (!failed) each(std::move(m));  // else the next header read skips the rest of it
  }
  if (r != ARCHIVE_EOF)
    return make_error(Errc::kFormat, count == 0 ? "not an archive we can read: " +
                                                      why(a.get(), "unreadable")
                                                : "archive damaged after " +
                                                      std::to_string(count) +
                                                      " members: " + why(a.get(), "unreadable"));
  return Ok{};
}

}  // namespace prov::ingest::detail
