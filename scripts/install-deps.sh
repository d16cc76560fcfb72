#!/usr/bin/env bash
# Installs every package vpce needs to build and test, from Debian's archive, by name (and moto, the
# EC2 emulator one end-to-end suite runs against, with pip where python3 cannot import it).
# Safe to run again: apt skips what is already installed. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config flex bison
  libcurl4-openssl-dev libssl-dev libjansson-dev libsqlite3-dev libxml2-dev libcmocka-dev
  libyaml-dev zlib1g-dev libcrypt-dev libgmp-dev libmimalloc-dev
  python3 python3-botocore clang libclang-rt-14-dev clang-format ca-certificates time awscli
)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=0
apt_install() {
  [ "$updated" -eq 1 ] || { $sudo apt-get update -q; updated=1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

# moto's server mode (tests/e2e/test_moto_seed.py): Debian has no package of it, so pip installs
# it, only where the python3 that runs the tests cannot import it already.
if python3 -c 'import moto.server' 2>/dev/null; then
  echo "install-deps: moto present ($(python3 -c 'import moto; print(moto.__version__)'))"
else
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  echo "install-deps: installing moto[server] with pip"
  python3 -m pip install -q 'moto[server]==5.2.1' ||
    python3 -m pip install -q --break-system-packages 'moto[server]==5.2.1'
fi
