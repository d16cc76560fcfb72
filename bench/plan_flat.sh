#!/bin/sh
# Flat plan benchmark: `vpce plan -refresh=false` of the bench/gen_config.py configuration of
# N resource blocks (default 10,000: 12,500 instances with for_each) against an empty state,
# RUNS times (default 7). Prints the median wall time, the median CPU time (user + system:
# less sensitive to a loaded machine) and the largest peak memory, and the size of the plan
# text. With OUT=FILE the last plan text is kept in FILE (to compare outputs across builds).
#
# usage: bench/plan_flat.sh [VPCE_BINARY] [N] [RUNS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-${VPCE_BINARY:-vpce}}
case "$BIN" in */*) BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") ;; esac
N=${2:-10000}
RUNS=${3:-7}
# Dummy credentials: nothing is sent anywhere (no refresh, no credential check through STS).
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN 2>/dev/null || true
WORK=$(mktemp -d /tmp/vpce-plan-flat-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$SRC/bench/gen_config.py" "$N" "$WORK/cfg" >/dev/null
printf 'provider "aws" {\n  skip_credentials_validation = true\n}\n' >"$WORK/cfg/provider.vpce"
cd "$WORK/cfg"
"$BIN" plan -refresh=false -no-color >/dev/null # warm the page cache
i=0
while [ "$i" -lt "$RUNS" ]; do
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/t$i" "$BIN" plan -refresh=false -no-color \
        >"$WORK/out"
    i=$((i + 1))
done
cat "$WORK"/t* | awk '{ print $1, $2 + $3, $4 }' | sort -n >"$WORK/all"
wall=$(awk '{ print $1 }' "$WORK/all" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
cpu=$(awk '{ print $2 }' "$WORK/all" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
kb=$(awk '{ print $3 }' "$WORK/all" | sort -n | tail -n 1)
printf 'N=%s runs=%s wall(median)=%ss cpu(median)=%ss peak=%sMB plan_text=%s bytes  %s\n' \
    "$N" "$RUNS" "$wall" "$cpu" "$((kb / 1024))" "$(wc -c <"$WORK/out")" \
    "$(grep '^Plan:' "$WORK/out")"
[ -n "${OUT:-}" ] && cp "$WORK/out" "$OUT"
exit 0
