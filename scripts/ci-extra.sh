#!/usr/bin/env bash
# CI-only steps (CONTRACT: the sanitizer build, which is also the clang build with brief fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# 1. One clang build with AddressSanitizer and UndefinedBehaviorSanitizer (any UB aborts) and
#    libFuzzer's coverage: every unit test runs in it, then each fuzz target briefly on its seeds.
#    One build, not a GCC sanitizer build plus a clang fuzz build: that saved ~6 of CI's 30
#    minutes on 2 cores. -DPROV_WERROR=ON: clang's -Wconversion also warns on sign changes.
dpkg-query -W -f='${Status}' clang libclang-rt-14-dev 2>/dev/null | grep -c "install ok installed" | grep -q 2 ||
  { export DEBIAN_FRONTEND=noninteractive; $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROV_FUZZ=ON \
  -DPROV_TESTS=ON -DPROV_WERROR=ON
cmake --build build-fuzz
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-fuzz --output-on-failure -E 'cli|demo' -j "$(nproc)"  # own temp dirs each
# 2. The libFuzzer targets (built above), 10 s each: 16 targets keep CI well inside 30 min.
bash tests/fuzz/run_fuzzers.sh build-fuzz 10

# 3. provaudit on a real one-node Slurm cluster (installs slurm and munge, started by hand).
bash tests/slurm/slurm_test.sh "$PWD/build/provaudit" --install
# 4. report.html in headless Chromium, offline (tests/reports/chromium_test.sh); the screenshot
#    is kept in build/chromium-artifacts/.
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" ||
  { export DEBIAN_FRONTEND=noninteractive; $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
[ -x build/provaudit ] || { cmake -S . -B build -G Ninja && cmake --build build --target provaudit; }
bash tests/reports/chromium_test.sh build/provaudit . build/chromium-artifacts
# 5. Real BitTorrent peers on 127.0.0.1 (python3-libtorrent), their logs through evidence add/show.
if [ -d ../shared/torrent-evidence ] && [ -x build/provaudit ]; then
  dpkg-query -W -f='${Status}' python3-libtorrent 2>/dev/null | grep -q "install ok installed" ||
    { export DEBIAN_FRONTEND=noninteractive; $SUDO apt-get install -y -qq --no-install-recommends python3-libtorrent >/dev/null; }
  bash tests/cli/real_clients_test.sh build/provaudit .
fi
