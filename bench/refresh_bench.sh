#!/bin/sh
# Refresh benchmark: `vpce plan` (refresh on) of N endpoints (default 1,000) against the EC2
# simulator. Each run starts a fresh simulator (--buckets off --pending-ms 0), applies a generated
# configuration (bench/gen_endpoints.py: 1 VPC, 2 subnets, 1 security group, 3 route tables,
# 6 gateway and N-6 interface endpoints, with a provider rate_limits block that turns vpce's pacing
# off), zeroes the simulator's counters, then times `vpce plan -detailed-exitcode` (which must find
# no changes) and reads the counters: the API calls of the refresh, all of them and those of the
# endpoints alone (DescribeVpcEndpoints + DescribePrefixLists). Prints each run and the medians.
#
# usage: bench/refresh_bench.sh [BUILD_DIR] [N] [RUNS]     (defaults: build, 1000, 3)
# Use a release build (-DCMAKE_BUILD_TYPE=Release). EC2SIM overrides the simulator script.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
N=${2:-1000}
RUNS=${3:-3}
VPCE="$BUILD/vpce"
EC2SIM=${EC2SIM:-$SRC/tests/ec2sim/ec2sim.py}
[ -x "$VPCE" ] || { echo "no vpce binary at $VPCE" >&2; exit 1; }
WORK=$(mktemp -d /tmp/vpce-refresh-bench-XXXXXX)
. "$SRC/bench/sim.sh"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
unset VPCE_AWS_RATE_SCALE AWS_ENDPOINT_URL 2>/dev/null || true
: >"$WORK/results"
run=1
while [ $run -le "$RUNS" ]; do
    start_sim --buckets off --pending-ms 0
    export AWS_ENDPOINT_URL_EC2="$SIM" AWS_ENDPOINT_URL_STS="$SIM"
    dir="$WORK/run$run"
    python3 "$SRC/bench/gen_endpoints.py" "$N" "$dir" --relaxed >/dev/null
    if ! "$VPCE" apply -auto-approve -no-color -parallelism 20 "$dir" >"$dir/apply.log" 2>&1; then
        echo "setup apply failed:" >&2
        tail -n 20 "$dir/apply.log" >&2
        exit 1
    fi
    curl -sf -X POST "$SIM/_sim/counts/reset" >/dev/null
    t0=$(now)
    rc=0
    "$VPCE" plan -no-color -detailed-exitcode "$dir" >"$dir/plan.log" 2>&1 || rc=$?
    t1=$(now)
    if [ $rc -ne 0 ]; then
        echo "plan exited $rc (0 = no changes expected):" >&2
        tail -n 20 "$dir/plan.log" >&2
        exit 1
    fi
    curl -sf "$SIM/_sim/counts" >"$dir/counts.json"
    python3 - "$dir/counts.json" "$t0" "$t1" "$run" >>"$WORK/results" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
a = c["actions"]
ep = a.get("DescribeVpcEndpoints", 0) + a.get("DescribePrefixLists", 0)
wall = float(sys.argv[3]) - float(sys.argv[2])
detail = " ".join("%s=%d" % kv for kv in sorted(a.items()))
print("%s %.3f %d %d %d %s" % (sys.argv[4], wall, c["total"], ep, sum(c["errors"].values()), detail))
PY
    tail -n 1 "$WORK/results" | awk '{printf "run %s: plan wall %ss, refresh calls %s (endpoints %s), errors %s\n   ", $1, $2, $3, $4, $5; for (i = 6; i <= NF; i++) printf " %s", $i; printf "\n"}'
    stop_sim
    run=$((run + 1))
done
python3 - "$WORK/results" "$N" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda k: statistics.median(float(r[k]) for r in rows)
print("refresh of %s endpoints, median of %d runs: plan wall %.3f s, API calls %g "
      "(endpoint reads %g; target <= 5), errors %g"
      % (sys.argv[2], len(rows), med(1), med(2), med(3), med(4)))
PY
