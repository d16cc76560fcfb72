#!/usr/bin/env bash
# Builds and runs every test: the normal build, then the whole suite again under ASan+UBSan,
# then the formatting check. This is what CI runs (.ci/run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/install-deps.sh

echo "== build and test (RelWithDebInfo)"
bash scripts/build.sh "$top/build"
ctest --test-dir "$top/build" --output-on-failure -j2

echo "== build and test under AddressSanitizer and UndefinedBehaviorSanitizer"
bash scripts/build.sh "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DVPCE_SANITIZE=address,undefined
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$top/build-asan" --output-on-failure -j2

echo "== source checks"
bash scripts/check-format.sh
bash scripts/check-banned.sh
