#!/usr/bin/env bash
# Installs provaudit's build and test dependencies from Debian 12's archive (run as root).
# Skips apt entirely when everything is already installed, so it is cheap to repeat.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config
  librocksdb-dev libsimdjson-dev libxxhash-dev libicu-dev libtorrent-rasterbar-dev
  libzstd-dev zlib1g-dev libarchive-dev libxml2-dev libssl-dev libfmt-dev libcli11-dev
  catch2 libboost-dev
  libtomlplusplus-dev
  libpoppler-cpp-dev libmobi-dev libdjvulibre-dev
  djvulibre-bin pandoc poppler-utils
  libpango1.0-dev libcairo2-dev libsodium-dev fonts-dejavu-core
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
