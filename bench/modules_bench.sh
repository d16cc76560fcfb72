#!/bin/sh
# bench/modules_bench.sh [VPCE_BINARY] [INSTANCES] [RUNS]: wall time and peak memory of
# `vpce validate` and `vpce plan -refresh=false` (empty state) on a root module calling one
# local module INSTANCES times with for_each (gen_modules.py; default 100 instances of 100
# resources: 10,000 resource instances). Prints the median of RUNS runs (default 7).
# Targets at 100 instances: validate <= 0.5 s, plan <= 1 s.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vpce=${1:-${VPCE_BINARY:-vpce}}
n=${2:-100}
runs=${3:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The aws provider wants credentials to configure; nothing is sent anywhere without refresh (the
# generated provider block skips the credential check through STS).
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
python3 "$here/gen_modules.py" "$n" "$work/cfg"

median() {
    sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

measure() {
    label=$1
    shift
    "$@" >/dev/null 2>&1 || true # warm the page cache
    : >"$work/times"
    : >"$work/mems"
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -f '%e %M' -o "$work/t" "$@" >"$work/out" 2>"$work/err" || true
        cut -d' ' -f1 "$work/t" | tail -n 1 >>"$work/times"
        cut -d' ' -f2 "$work/t" | tail -n 1 >>"$work/mems"
        i=$((i + 1))
    done
    printf '%-8s instances=%s wall=%ss peak=%sMB  %s\n' "$label" "$n" \
        "$(median <"$work/times")" "$(($(median <"$work/mems") / 1024))" \
        "$(grep -E '^(Plan:|Success)' "$work/out" || head -c 200 "$work/err")"
}

measure validate "$vpce" validate "$work/cfg"
measure plan "$vpce" plan "$work/cfg" -refresh=false -lock=false -no-color -state "$work/none.db"
