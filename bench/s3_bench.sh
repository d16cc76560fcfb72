#!/bin/sh
# S3 state benchmark, against the simulator (EC2 and S3 on one port).
#
# 1. `vpce apply` of examples/seed (18 resources; provider pacing relaxed) with the state in a
#    local file and with the state in S3, RUNS times each (a fresh simulator per run, EC2 with
#    --buckets off --pending-ms 20): the wall time of each, the time S3 adds, and the S3 requests
#    the S3 run made (by operation, and per resource). LATENCY_MS (default 0) makes the simulator
#    wait that long before answering every request, EC2 and S3 alike, as a network would.
# 2. `vpce plan -refresh=false` of a 1,000-resource configuration (bench/plan_gen.py) against a
#    state of 1,000 instances (bench/mkstate.c), from a local file and from S3: the wall time of
#    each, the state's size, and `vpce state pull` alone (download).
# Prints each run and the medians.
#
# usage: bench/s3_bench.sh [BUILD_DIR] [RUNS] [N]   (defaults: build, 3, 1000)
# Use a release build.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-3}
N=${3:-1000}
LAT=${LATENCY_MS:-0}
VPCE="$BUILD/vpce"
EC2SIM=${EC2SIM:-$SRC/tests/ec2sim/ec2sim.py}
[ -x "$VPCE" ] || { echo "no vpce binary at $VPCE" >&2; exit 1; }
WORK=$(mktemp -d /tmp/vpce-s3-bench-XXXXXX)
. "$SRC/bench/sim.sh"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true NO_COLOR=1
unset AWS_ENDPOINT_URL AWS_PROFILE VPCE_WORKSPACE 2>/dev/null || true

BACKEND='terraform {
  backend "s3" {
    bucket         = "bench"
    key            = "seed/vpce.db"
    region         = "us-east-1"
    use_path_style = true
  }
}'

# seed_copy DIR: examples/seed with the provider's endpoint pacing relaxed.
seed_copy() {
    mkdir -p "$1"
    cp "$SRC"/examples/seed/*.vpce "$1/"
    python3 - "$1/main.vpce" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read()
old = 'provider "aws" {\n  region = var.region\n}'
assert old in t, "examples/seed changed its provider block"
open(p, "w").write(t.replace(old, 'provider "aws" {\n  region = var.region\n  rate_limits {\n'
                             '    endpoint_capacity = 1000\n    endpoint_refill   = 1000\n  }\n}'))
PY
}

# s3_counts: "GET n PUT n DELETE n LIST n TOTAL n" from the simulator's counters.
s3_counts() {
    curl -sf "$SIM/_sim/counts" | python3 -c '
import json, sys
a = json.load(sys.stdin)["actions"]
g = lambda k: a.get("s3:" + k, 0)
tot = sum(v for k, v in a.items() if k.startswith("s3:"))
print("GET %d PUT %d DELETE %d HEAD %d LIST %d TOTAL %d" % (g("GetObject"), g("PutObject"),
      g("DeleteObject"), g("HeadObject"), g("ListObjectsV2"), tot))'
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

echo "== apply of examples/seed (18 resources), local state vs S3 state; latency ${LAT} ms per request"
: >"$WORK/local" ; : >"$WORK/s3" ; : >"$WORK/s3req"
run=1
while [ $run -le "$RUNS" ]; do
    start_sim --buckets off --pending-ms 20 --latency-ms "$LAT" --s3-bucket bench
    export AWS_ENDPOINT_URL_EC2="$SIM" AWS_ENDPOINT_URL_S3="$SIM"
    dl="$WORK/local$run"; ds="$WORK/s3$run"
    seed_copy "$dl"; seed_copy "$ds"
    printf '%s\n' "$BACKEND" >"$ds/backend.vpce"
    t0=$(now)
    "$VPCE" apply -auto-approve "$dl" >"$dl/apply.log" 2>&1 || { tail -n 20 "$dl/apply.log" >&2; exit 1; }
    t1=$(now)
    curl -sf -X POST "$SIM/_sim/reset" >/dev/null
    (cd "$ds" && "$VPCE" init >"$ds/init.log" 2>&1) || { cat "$ds/init.log" >&2; exit 1; }
    curl -sf -X POST "$SIM/_sim/counts/reset" >/dev/null
    t2=$(now)
    (cd "$ds" && "$VPCE" apply -auto-approve >"$ds/apply.log" 2>&1) || { tail -n 20 "$ds/apply.log" >&2; exit 1; }
    t3=$(now)
    counts=$(s3_counts)
    stop_sim
    lw=$(echo "$t1 - $t0" | bc); sw=$(echo "$t3 - $t2" | bc)
    echo "$lw" >>"$WORK/local"; echo "$sw" >>"$WORK/s3"
    echo "$counts" | awk '{print $12}' >>"$WORK/s3req"
    printf 'run %d: local %.2fs  s3 %.2fs  S3 requests: %s\n' "$run" "$lw" "$sw" "$counts"
    run=$((run + 1))
done
ml=$(median <"$WORK/local"); ms=$(median <"$WORK/s3"); mr=$(median <"$WORK/s3req")
printf 'median: local %.2fs, s3 %.2fs, added %.2fs; S3 requests %s (%.1f per resource)\n' \
    "$ml" "$ms" "$(echo "$ms - $ml" | bc)" "$mr" "$(echo "$mr / 18" | bc -l)"

echo "== plan -refresh=false of $N resources: state from a local file vs from S3"
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$SRC" -I"$BUILD" "$SRC/bench/mkstate.c" -o "$WORK/mkstate" \
    "$BUILD/libvpce_planner.a" "$BUILD/libvpce_config.a" "$BUILD/libvpce_lang.a" \
    "$BUILD/libvpce_providers.a" "$BUILD/libvpce_state.a" "$BUILD/libvpce_parser.a" \
    "$BUILD/libvpce_util.a" $(pkg-config --libs jansson sqlite3 libcurl libcrypto libxml-2.0) -lm -lpthread
start_sim --buckets off --latency-ms "$LAT" --s3-bucket bench
export AWS_ENDPOINT_URL_EC2="$SIM" AWS_ENDPOINT_URL_S3="$SIM"
dl="$WORK/plan-local"; ds="$WORK/plan-s3"
python3 "$SRC/bench/plan_gen.py" "$N" "$dl"
"$WORK/mkstate" "$dl" "$dl/vpce.db" >/dev/null
python3 "$SRC/bench/plan_gen.py" "$N" "$ds"
printf '%s\n' "$BACKEND" | sed 's|seed/vpce.db|plan/vpce.db|' >"$ds/backend.vpce"
cp "$dl/vpce.db" "$WORK/pushed.db" # the local plans below take the lock: the file changes
(cd "$ds" && "$VPCE" init >/dev/null && "$VPCE" state push "$WORK/pushed.db" >/dev/null)
size=$(wc -c <"$dl/vpce.db")
: >"$WORK/pl"; : >"$WORK/ps"; : >"$WORK/pull"
run=1
while [ $run -le "$RUNS" ]; do
    t0=$(now); "$VPCE" plan -refresh=false "$dl" >/dev/null 2>&1 || true; t1=$(now)
    (cd "$ds" && "$VPCE" plan -refresh=false >/dev/null 2>&1) || true; t2=$(now)
    rm -f "$WORK/pulled.db"
    (cd "$ds" && "$VPCE" state pull -out="$WORK/pulled.db" 2>/dev/null); t3=$(now)
    echo "$t1 - $t0" | bc >>"$WORK/pl"; echo "$t2 - $t1" | bc >>"$WORK/ps"; echo "$t3 - $t2" | bc >>"$WORK/pull"
    run=$((run + 1))
done
cmp -s "$WORK/pulled.db" "$WORK/pushed.db" || { echo "the pulled state differs from the pushed one" >&2; exit 1; }
printf 'state %d bytes; median plan: local %.3fs, from S3 %.3fs; state pull alone %.3fs\n' \
    "$size" "$(median <"$WORK/pl")" "$(median <"$WORK/ps")" "$(median <"$WORK/pull")"
