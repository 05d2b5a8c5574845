// demo/corpus.cpp: the demo's known works: English-like prose from seeded generators, written
// as .txt and EPUB 3 files.
//
// The prose is made of pseudo-words (syllable strings) and common English words, so it
// segments and normalises like real English while no two works share a long run of words by
// chance: with thousands of content words ranked differently per work, a 25-word run in two
// works does not happen. The shards' filler uses a disjoint vocabulary (see corpus.hpp).
//
// The text of a work depends only on the seed. The bytes of an EPUB also depend on the zlib
// and libarchive that wrote it (deflate output is not specified bit for bit), so an EPUB's
// work_id is stable per build environment, not across all of them; the text, and with it every
// offset in the truth, is.
#include "demo/detail/corpus.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <set>

namespace prov::demo::detail {
namespace {

constexpr std::string_view kFillerLetters = "kqxzj";

// Onsets, nuclei and codas of work pseudo-words: none contains a filler letter.
constexpr std::array kOnsets = {"b",  "c",  "d",  "f",  "g",  "h",  "l",  "m",  "n",
                                "p",  "r",  "s",  "t",  "v",  "w",  "br", "cr", "dr",
                                "fr", "gr", "pl", "pr", "st", "tr", "sh", "ch", "th",
                                "bl", "fl", "gl", "sl", "sp", "wh", "",   ""};
constexpr std::array kNuclei = {"a", "e",  "i",  "o",  "u",  "a",  "e", "i",
                                "o", "ai", "ea", "ou", "ie", "oa", "y", "ee"};
constexpr std::array kCodas = {"",   "",   "",   "",   "n",  "r", "l", "s",  "m",
                               "nd", "st", "th", "rn", "ll", "t", "d", "ng", "sh"};
// Onsets that mark a filler word.
constexpr std::array kFillerOnsets = {"k", "z", "x", "j", "qu", "kr", "zh", "kl", "sk", "dz", "jo"};

// Frequent English words, most frequent first. Words containing a filler letter are dropped
// when the vocabulary is built, so the list can stay natural.
constexpr std::array kEnglish = {
    "the",     "of",      "and",     "to",       "a",       "in",        "that",    "it",
    "was",     "he",      "for",     "on",       "are",     "as",        "with",    "his",
    "they",    "at",      "be",      "this",     "from",    "I",         "have",    "or",
    "by",      "one",     "had",     "not",      "but",     "what",      "all",     "were",
    "when",    "we",      "there",   "can",      "an",      "your",      "which",   "their",
    "said",    "if",      "do",      "will",     "each",    "about",     "how",     "up",
    "out",     "them",    "then",    "she",      "many",    "some",      "so",      "these",
    "would",   "other",   "into",    "has",      "more",    "her",       "two",     "him",
    "see",     "time",    "could",   "no",       "than",    "first",     "been",    "its",
    "who",     "now",     "people",  "my",       "over",    "down",      "only",    "way",
    "find",    "may",     "water",   "long",     "little",  "very",      "after",   "where",
    "most",    "through", "much",    "before",   "go",      "good",      "new",     "our",
    "me",      "man",     "too",     "any",      "day",     "same",      "right",   "also",
    "around",  "another", "came",    "come",     "three",   "must",      "because", "does",
    "even",    "place",   "well",    "such",     "here",    "why",       "again",   "off",
    "went",    "old",     "great",   "tell",     "men",     "say",       "small",   "every",
    "found",   "still",   "between", "name",     "should",  "home",      "give",    "air",
    "under",   "read",    "last",    "never",    "us",      "left",      "end",     "along",
    "while",   "might",   "next",    "below",    "saw",     "something", "thought", "both",
    "few",     "those",   "always",  "house",    "world",   "going",     "want",    "until",
    "without", "once",    "life",    "enough",   "head",    "above",     "began",   "almost",
    "light",   "night",   "mother",  "father",   "being",   "soon",      "since",   "white",
    "ever",    "near",    "better",  "across",   "door",    "morning",   "upon",    "face",
    "open",    "ground",  "table",   "remember", "tree",    "early",     "brought", "nothing",
    "though",  "letter",  "among",   "perhaps",  "certain", "voice",     "river",   "dark",
    "road",    "already", "winter",  "heart",    "window",  "garden",    "silence", "quite",
    "know",    "like",    "just",    "back",     "look",    "think",     "took",    "asked"};

constexpr std::array kContractions = {"don't", "it's",   "I'm",     "we're",    "they'd",
                                      "isn't", "wasn't", "didn't",  "couldn't", "she'll",
                                      "he'd",  "that's", "there's", "I've",     "you're"};

bool has_filler_letter(std::string_view w) {
  for (const char c : w) {
    const char lc = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    if (kFillerLetters.find(lc) != std::string_view::npos) return true;
  }
  return false;
}

std::string syllable(Rng& rng, bool filler_onset) {
  std::string s = filler_onset ? kFillerOnsets[rng.below(kFillerOnsets.size())]
                               : kOnsets[rng.below(kOnsets.size())];
  s += kNuclei[rng.below(kNuclei.size())];
  s += kCodas[rng.below(kCodas.size())];
  return s;
}

// `count` distinct pseudo-words of 3+ letters; filler words start with a marked onset.
std::vector<std::string> pseudo_words(Rng& rng, std::size_t count, bool filler,
                                      const std::set<std::string>& taken) {
  std::vector<std::string> out;
  std::set<std::string> seen = taken;
  while (out.size() < count) {
    const std::uint64_t syllables = 1 + rng.skewed(3) + rng.below(2);  // 1..4, mostly 1-2
    std::string w = syllable(rng, filler);
    for (std::uint64_t i = 1; i < syllables; ++i) w += syllable(rng, false);
    if (w.size() < 3 || w.size() > 14 || has_filler_letter(w) != filler) continue;
    if (!seen.insert(w).second) continue;
    out.push_back(std::move(w));
  }
  return out;
}

// XHTML text content: markup characters escaped, and the right single quote written as a
// character reference, so the EPUB reader's entity handling is part of every demo.
std::string xhtml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 16);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (s.compare(i, 3, "\xE2\x80\x99") == 0) {  // U+2019 RIGHT SINGLE QUOTATION MARK
      out += "&#8217;";
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string slug(std::string_view title) {
  std::string out;
  for (const char c : title) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c + 32));
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string two_digits(std::size_t n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); }

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool is_filler_word(std::string_view word) { return has_filler_letter(word); }

std::string capitalize(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
  return s;
}

Vocabulary work_vocabulary(std::uint64_t seed) {
  Vocabulary v;
  std::set<std::string> english;
  for (const char* w : kEnglish) {
    if (has_filler_letter(w)) continue;
    v.function.emplace_back(w);
    english.insert(w);
    english.insert(capitalize(w));
  }
  Rng rng(derive_seed(seed, Stream::kWorkVocabulary));
  v.content = pseudo_words(rng, 9000, false, english);
  return v;
}

Vocabulary filler_vocabulary(std::uint64_t seed) {
  Vocabulary v;
  Rng rng(derive_seed(seed, Stream::kFillerVocabulary));
  v.content = pseudo_words(rng, 4000, true, {});
  // Short frequent words, filler-marked too, to give the filler the rhythm of prose.
  for (auto& w : pseudo_words(rng, 400, true, {v.content.begin(), v.content.end()})) {
    if (w.size() <= 4 && v.function.size() < 40) v.function.push_back(std::move(w));
  }
  return v;
}

ProseGenerator::ProseGenerator(const Vocabulary& vocab, std::uint64_t seed, ProseStyle style)
    : vocab_(vocab), rng_(seed), style_(style) {
  rank_.resize(vocab_.content.size());
  for (std::size_t i = 0; i < rank_.size(); ++i) rank_[i] = i;
  for (std::size_t i = rank_.size(); i > 1; --i) std::swap(rank_[i - 1], rank_[rng_.below(i)]);
  // Character names come from the rare end of this text's ranking.
  for (std::size_t i = 0; i < 10; ++i)
    names_.push_back(capitalize(vocab_.content[rank_[rank_.size() - 1 - i]]));
}

std::string ProseGenerator::word() {
  if (!vocab_.function.empty() && rng_.chance(2, 5)) {
    if (style_.contractions && rng_.chance(1, 30)) {
      std::string c = kContractions[rng_.below(kContractions.size())];
      if (style_.curly) {
        const auto q = c.find('\'');
        c.replace(q, 1, "\xE2\x80\x99");
      }
      return c;
    }
    return vocab_.function[rng_.skewed(vocab_.function.size())];
  }
  return vocab_.content[rank_[rng_.skewed(rank_.size())]];
}

std::string ProseGenerator::name() { return names_[rng_.skewed(names_.size())]; }

std::string ProseGenerator::sentence(std::uint64_t* words) {
  const std::uint64_t n = rng_.between(4, 12) + rng_.skewed(16);
  std::string s;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string w;
    if (style_.ampersands && rng_.chance(1, 150)) {
      w = name() + " & " + name();
      *words += 1;
    } else if (rng_.chance(1, 25)) {
      w = name();
    } else {
      w = word();
    }
    if (i == 0) w = capitalize(std::move(w));
    s += w;
    *words += 1;
    if (i + 1 == n) break;
    if (rng_.chance(1, 9)) {
      s += ", ";
    } else if (rng_.chance(1, 50)) {
      s += "; ";
    } else if (rng_.chance(1, 70)) {
      s += ": ";
    } else if (rng_.chance(1, 60)) {
      s += rng_.chance(1, 2) ? "\xE2\x80\x94" : " \xE2\x80\x94 ";  // em dash, tight or spaced
    } else {
      s += ' ';
    }
  }
  const std::uint64_t end = rng_.below(100);
  const char* stop = end < 78 ? "." : end < 90 ? "?" : "!";
  if (rng_.chance(1, 7)) {  // dialogue: “Words,” said Name.
    const char* open = style_.curly ? "\xE2\x80\x9C" : "\"";
    const char* close = style_.curly ? "\xE2\x80\x9D" : "\"";
    *words += 2;
    return open + s + (stop[0] == '.' ? "," : stop) + close + " " + style_.said + " " + name() +
           ".";
  }
  return s + stop;
}

std::string ProseGenerator::paragraph(std::uint64_t* words) {
  const std::uint64_t n = rng_.between(2, 7);
  std::string p;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i) p += ' ';
    p += sentence(words);
  }
  return p;
}

std::string ProseGenerator::text(std::uint64_t min_words, bool paragraphs) {
  std::string t;
  std::uint64_t words = 0;
  while (words < min_words) {
    if (!t.empty()) t += paragraphs && rng_.chance(1, 3) ? "\n\n" : " ";
    t += paragraphs ? paragraph(&words) : sentence(&words);
  }
  return t;
}

// ---- Works ------------------------------------------------------------------------------

Result<std::vector<GeneratedWork>> generate_works(std::uint64_t seed) {
  const Vocabulary vocab = work_vocabulary(seed);
  std::vector<GeneratedWork> works;
  constexpr std::size_t kWorks = 6;
  for (std::size_t i = 0; i < kWorks; ++i) {
    GeneratedWork w;
    w.format = i < 3 ? "txt" : "epub";
    w.bom_crlf = i == 1;
    ProseStyle style;
    style.curly = i != 0 && i != 2;  // the plain .txt files use straight quotes
    style.ampersands = w.format == "epub";
    ProseGenerator gen(vocab, derive_seed(seed, Stream::kWork, i), style);
    Rng rng(derive_seed(seed, Stream::kWork, 50 + i));
    const std::string a = capitalize(vocab.content[rng.below(vocab.content.size())]);
    const std::string b = capitalize(vocab.content[rng.below(vocab.content.size())]);
    switch (rng.below(3)) {
      case 0:
        w.title = "The " + a + " of " + b;
        break;
      case 1:
        w.title = a + " and " + b;
        break;
      default:
        w.title = "A " + a + " in " + b;
        break;
    }
    w.author = gen.name() + " " + capitalize(vocab.content[rng.below(vocab.content.size())]);
    const std::uint64_t target = rng.between(8000, 15000);
    const std::uint64_t chapters = w.format == "epub" ? rng.between(2, 3) : rng.between(3, 5);
    for (std::uint64_t c = 0; c < chapters; ++c) {
      Chapter ch;
      ch.heading = "Chapter " + std::to_string(c + 1);
      std::uint64_t words = 0;
      while (words < target / chapters) ch.paragraphs.push_back(gen.paragraph(&words));
      w.chapters.push_back(std::move(ch));
    }
    w.file_name = two_digits(i + 1) + "-" + slug(w.title) + "." + w.format;
    if (w.format == "txt") {
      w.bytes = render_txt(w);
    } else {
      auto bytes = render_epub(w, seed);
      if (!bytes) return std::move(bytes).error();
      w.bytes = std::move(*bytes);
    }
    works.push_back(std::move(w));
  }
  return works;
}

std::string render_txt(const GeneratedWork& w) {
  // A Project Gutenberg style header: the .txt reader takes title and author from it.
  std::string t = "Title: " + w.title + "\nAuthor: " + w.author + "\nLanguage: English\n\n\n";
  for (const auto& ch : w.chapters) {
    t += ch.heading + "\n\n";
    for (const auto& p : ch.paragraphs) t += rewrap(p, 72) + "\n\n";
    t += "\n";
  }
  if (!w.bom_crlf) return t;
  std::string crlf = "\xEF\xBB\xBF";
  crlf.reserve(t.size() + t.size() / 30);
  for (const char c : t) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  return crlf;
}

namespace {

la_ssize_t append_to_string(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// Adds one member with fixed metadata (time, owner, mode), so the zip is reproducible.
Status add_member(struct archive* a, const std::string& name, std::string_view data) {
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_entry_set_mtime(e, 1764288000, 0);  // 2025-11-28T00:00:00Z
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  Status st = Ok{};
  if (archive_write_header(a, e) != ARCHIVE_OK ||
      (!data.empty() &&
       archive_write_data(a, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) ||
      archive_write_finish_entry(a) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a);
    st = make_error(Errc::kInternal, std::string("libarchive: ") + (msg ? msg : "write failed"),
                    name);
  }
  archive_entry_free(e);
  return st;
}

}  // namespace

Result<std::string> render_epub(const GeneratedWork& w, std::uint64_t seed) {
  std::vector<std::pair<std::string, std::string>> members;
  members.emplace_back("META-INF/container.xml",
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<container version=\"1.0\" "
                       "xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n"
                       "  <rootfiles>\n"
                       "    <rootfile full-path=\"OEBPS/content.opf\" "
                       "media-type=\"application/oebps-package+xml\"/>\n"
                       "  </rootfiles>\n"
                       "</container>\n");
  std::string manifest, spine, nav_items;
  std::vector<std::pair<std::string, std::string>> chapters;
  for (std::size_t c = 0; c < w.chapters.size(); ++c) {
    const std::string id = "chapter-" + two_digits(c + 1);
    const auto& ch = w.chapters[c];
    std::string x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" "
        "lang=\"en\" xml:lang=\"en\">\n<head>\n  <title>" +
        xhtml_escape(ch.heading) +
        "</title>\n</head>\n<body>\n<section epub:type=\"chapter\" id=\"" + id + "\">\n<h1>" +
        xhtml_escape(ch.heading) + "</h1>\n";
    for (const auto& p : ch.paragraphs) x += "<p>" + xhtml_escape(p) + "</p>\n";
    x += "</section>\n</body>\n</html>\n";
    chapters.emplace_back("OEBPS/" + id + ".xhtml", std::move(x));
    manifest += "    <item id=\"" + id + "\" href=\"" + id +
                ".xhtml\" media-type=\"application/xhtml+xml\"/>\n";
    spine += "    <itemref idref=\"" + id + "\"/>\n";
    nav_items +=
        "      <li><a href=\"" + id + ".xhtml\">" + xhtml_escape(ch.heading) + "</a></li>\n";
  }
  members.emplace_back(
      "OEBPS/content.opf",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" "
      "unique-identifier=\"book-id\" xml:lang=\"en\">\n"
      "  <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
      "    <dc:identifier id=\"book-id\">urn:provaudit-demo:" +
          std::to_string(seed) + ":" + slug(w.title) +
          "</dc:identifier>\n"
          "    <dc:title>" +
          xhtml_escape(w.title) +
          "</dc:title>\n"
          "    <dc:creator>" +
          xhtml_escape(w.author) +
          "</dc:creator>\n"
          "    <dc:language>en</dc:language>\n"
          "    <meta property=\"dcterms:modified\">2025-11-28T00:00:00Z</meta>\n"
          "  </metadata>\n"
          "  <manifest>\n"
          "    <item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" "
          "properties=\"nav\"/>\n" +
          manifest +
          "  </manifest>\n"
          "  <spine>\n" +
          spine +
          "  </spine>\n"
          "</package>\n");
  members.emplace_back(
      "OEBPS/nav.xhtml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" "
      "lang=\"en\" xml:lang=\"en\">\n<head>\n  <title>" +
          xhtml_escape(w.title) +
          "</title>\n</head>\n<body>\n  <nav epub:type=\"toc\" id=\"toc\">\n    <h1>Contents</h1>\n"
          "    <ol>\n" +
          nav_items + "    </ol>\n  </nav>\n</body>\n</html>\n");
  for (auto& c : chapters) members.push_back(std::move(c));

  std::string out;
  struct archive* a = archive_write_new();
  if (!a) return make_error(Errc::kInternal, "libarchive: cannot create a writer", w.file_name);
  Status st = Ok{};
  // Unblocked output: no padding after the central directory.
  if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
      archive_write_open(a, &out, nullptr, append_to_string, nullptr) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a);
    st = make_error(Errc::kInternal, std::string("libarchive: ") + (msg ? msg : "open failed"),
                    w.file_name);
  }
  // OCF: `mimetype` is the first member, stored uncompressed; the rest are deflated.
  if (st && archive_write_zip_set_compression_store(a) == ARCHIVE_OK) {
    st = add_member(a, "mimetype", "application/epub+zip");
  }
  if (st && archive_write_zip_set_compression_deflate(a) != ARCHIVE_OK) {
    st = make_error(Errc::kInternal, "libarchive: no deflate support", w.file_name);
  }
  for (std::size_t i = 0; st && i < members.size(); ++i) {
    st = add_member(a, members[i].first, members[i].second);
  }
  if (st && archive_write_close(a) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a);
    st = make_error(Errc::kInternal, std::string("libarchive: ") + (msg ? msg : "close failed"),
                    w.file_name);
  }
  archive_write_free(a);
  if (!st) return std::move(st).error();
  return out;
}

}  // namespace prov::demo::detail
