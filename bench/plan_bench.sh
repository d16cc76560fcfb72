#!/bin/sh
# Plan benchmark: `vpce plan -refresh=false` over a generated configuration of N resources
# against a state of the same size (half unchanged, a quarter changed, a quarter new).
# Prints wall time (s) and peak memory (KB) per N.
#
# usage: bench/plan_bench.sh [BUILD_DIR] [N...]      (default N: 1000 10000)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
[ $# -gt 0 ] && shift
SIZES=${*:-1000 10000}
# The aws provider wants credentials to configure; nothing is sent anywhere without refresh
# (the generated provider block skips the credential validation through STS).
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=eu-west-1
WORK=$(mktemp -d /tmp/vpce-plan-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# A small helper, built against the project's libraries, that writes the state through the
# state API (bench/mkstate.c).
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$SRC" -I"$BUILD" "$SRC/bench/mkstate.c" -o "$WORK/mkstate" \
    "$BUILD/libvpce_planner.a" "$BUILD/libvpce_config.a" "$BUILD/libvpce_lang.a" "$BUILD/libvpce_state.a" "$BUILD/libvpce_providers.a" \
    "$BUILD/libvpce_parser.a" "$BUILD/libvpce_util.a" \
    $(pkg-config --libs jansson sqlite3 libcurl libcrypto libxml-2.0 yaml-0.1 zlib libcrypt) -lm -lpthread

for n in $SIZES; do
    dir="$WORK/n$n"
    python3 "$SRC/bench/plan_gen.py" "$n" "$dir"
    "$WORK/mkstate" "$dir" "$dir/vpce.db" >/dev/null
    # warm the page cache, then measure
    "$BUILD/vpce" plan "$dir" -refresh=false -no-color >/dev/null 2>&1 || true
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$BUILD/vpce" plan "$dir" -refresh=false \
        -no-color -detailed-exitcode >"$WORK/out" 2>"$WORK/err" || rc=$?
    summary=$(grep '^Plan:' "$WORK/out" || true)
    secs=$(tail -n 1 "$WORK/time" | cut -d' ' -f1)
    kb=$(tail -n 1 "$WORK/time" | cut -d' ' -f2)
    printf 'N=%-6s wall=%ss peak=%sMB  %s\n' "$n" "$secs" "$((kb / 1024))" "$summary"
done
