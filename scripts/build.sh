#!/usr/bin/env bash
# Builds vpce into build/ (or $1) with the tests. Extra arguments go to cmake.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
shift || true
cmake -S "$top" -B "$dir" -DVPCE_BUILD_TESTS=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
