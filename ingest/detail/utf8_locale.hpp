// ingest/detail/utf8_locale.hpp: a scoped UTF-8 locale for libarchive reads.
// libarchive converts member names to the current locale's charset and drops names it cannot
// convert (in the C locale: every non-ASCII name). For the duration of a read, this thread
// uses a UTF-8 locale, so names arrive intact; other threads are unaffected (uselocale).
#pragma once

#include <locale.h>

namespace prov::ingest::detail {

class Utf8Locale {
 public:
  Utf8Locale() {
    for (const char* name : {"C.UTF-8", "C.utf8", "en_US.UTF-8"}) {
      locale_ = newlocale(LC_CTYPE_MASK, name, static_cast<locale_t>(0));
      if (locale_ != static_cast<locale_t>(0)) break;
    }
    if (locale_ != static_cast<locale_t>(0)) previous_ = uselocale(locale_);
  }
  ~Utf8Locale() {
    if (locale_ == static_cast<locale_t>(0)) return;
    uselocale(previous_);
    freelocale(locale_);
  }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

 private:
  locale_t locale_ = static_cast<locale_t>(0);
  locale_t previous_ = static_cast<locale_t>(0);
};

}  // namespace prov::ingest::detail
