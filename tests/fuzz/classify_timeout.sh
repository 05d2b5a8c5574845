#!/usr/bin/env bash
# Classifies a libFuzzer timeout by where the time went. Usage: classify_timeout.sh LOG
# Prints one line and exits:
#   0 "contained: ..." when the innermost frames, from the alarm up to the first frame of our own
#     code (a prov:: function), include a library whose reader production runs in a child process
#     with a CPU and wall-clock limit (ingest/isolate.cpp: PDF via poppler, MOBI via libmobi, DjVu
#     via djvulibre). Such a slow input costs one book its timeout in production, and is often
#     an artefact of the sanitizer: ASan's realloc always copies, so poppler's ToUnicode CMap,
#     which grows its string map 16 entries at a time, is quadratic under ASan only (25 s for a
#     one-page PDF that pdftotext reads in 40 ms).
#   1 "ours: ..." for any other timeout (our code is spending the time: a real bug).
#   2 when LOG holds no libFuzzer timeout.
set -euo pipefail
log=${1:?usage: classify_timeout.sh LOG}
grep -q 'ERROR: libFuzzer: timeout' "$log" || { echo "not a timeout"; exit 2; }
# The stack printed after the timeout line: "    #N 0x... in FUNCTION (LIB+0x...)" or
# "    #N 0x... (LIB+0x...)" for a stripped library.
awk '
  /ERROR: libFuzzer: timeout/ { in_stack = 1; next }
  in_stack && /^ *#[0-9]+ / {
    if ($0 ~ / in prov::/ || $0 ~ / in LLVMFuzzerTestOneInput/) {
      f = $0; sub(/^.* in /, "", f); sub(/ *\(.*$/, "", f); sub(/ \/.*$/, "", f)
      verdict = (lib != "") ? "contained: the time went in " lib " under " f : "ours: the time went in " f
      exit
    }
    if (lib == "" && match($0, /lib(poppler|poppler-cpp|mobi|djvulibre)\.so[.0-9]*/))
      lib = substr($0, RSTART, RLENGTH)
  }
  END {
    if (verdict == "") verdict = "ours: no frame of provaudit in the stack"
    print verdict
    exit (verdict ~ /^contained/) ? 0 : 1
  }
' "$log"
