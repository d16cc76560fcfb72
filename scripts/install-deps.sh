#!/usr/bin/env bash
# Installs every package vpce needs to build and test, from Debian's archive, by name.
# Safe to run again: apt skips what is already installed. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config flex bison
  libcurl4-openssl-dev libssl-dev libjansson-dev libsqlite3-dev libxml2-dev libcmocka-dev
  libyaml-dev zlib1g-dev libcrypt-dev libgmp-dev
  python3 python3-botocore clang libclang-rt-14-dev clang-format ca-certificates time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
