#!/bin/sh
# Apply benchmark: `vpce apply` of N interface endpoints (default 40) against the EC2 simulator
# enforcing AWS's request buckets (endpoint bucket: 4, refilled at 0.3/s) at --time-scale 10, with
# vpce told the same scale (VPCE_AWS_RATE_SCALE=10) so its pacing matches. Each run starts a fresh
# simulator, applies the network (VPC, 2 subnets, security group, route tables) in a first,
# untimed apply, refills the buckets and zeroes the counters, then times the apply of the
# endpoints alone (bench/gen_endpoints.py N, N < 100: interface endpoints only). It reports the
# wall time against the bound (N - 4) / 0.3 / SCALE (the time EC2's bucket needs to admit N
# endpoint calls; 12 s for N=40 at scale 10) and the RequestLimitExceeded answers the simulator
# counted. Target: wall <= 1.1 x bound and 0 throttles. Prints each run and the medians.
#
# usage: bench/apply_bench.sh [BUILD_DIR] [N] [RUNS] [SCALE]   (defaults: build, 40, 3, 10)
# PARALLELISM (default 10) sets `vpce apply -parallelism`; EC2SIM overrides the simulator
# script; ENDPOINT_CAPACITY=C gives the provider `rate_limits { endpoint_capacity = C }` (vpce
# keeps one token in reserve: 5 paces as EC2's 4, to measure what the reserve costs).
# Use a release build.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
N=${2:-40}
RUNS=${3:-3}
SCALE=${4:-10}
PAR=${PARALLELISM:-10}
VPCE="$BUILD/vpce"
EC2SIM=${EC2SIM:-$SRC/tests/ec2sim/ec2sim.py}
[ -x "$VPCE" ] || { echo "no vpce binary at $VPCE" >&2; exit 1; }
[ "$N" -lt 100 ] || { echo "N must be below 100 (interface endpoints only)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/vpce-apply-bench-XXXXXX)
. "$SRC/bench/sim.sh"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export VPCE_AWS_RATE_SCALE="$SCALE"
unset AWS_ENDPOINT_URL 2>/dev/null || true
: >"$WORK/results"
run=1
while [ $run -le "$RUNS" ]; do
    start_sim --time-scale "$SCALE"
    export AWS_ENDPOINT_URL_EC2="$SIM" AWS_ENDPOINT_URL_STS="$SIM"
    dir="$WORK/run$run"
    python3 "$SRC/bench/gen_endpoints.py" "$N" "$dir" --network-only >/dev/null
    if ! "$VPCE" apply -auto-approve -no-color "$dir" >"$dir/network.log" 2>&1; then
        echo "network apply failed:" >&2
        tail -n 20 "$dir/network.log" >&2
        exit 1
    fi
    python3 "$SRC/bench/gen_endpoints.py" "$N" "$dir" ${ENDPOINT_CAPACITY:+--endpoint-capacity "$ENDPOINT_CAPACITY"} >/dev/null
    curl -sf -X POST "$SIM/_sim/buckets/reset" >/dev/null
    curl -sf -X POST "$SIM/_sim/counts/reset" >/dev/null
    t0=$(now)
    rc=0
    "$VPCE" apply -auto-approve -no-color -parallelism "$PAR" "$dir" >"$dir/apply.log" 2>&1 || rc=$?
    t1=$(now)
    if [ $rc -ne 0 ]; then
        echo "endpoint apply failed ($rc):" >&2
        tail -n 20 "$dir/apply.log" >&2
        exit 1
    fi
    grep -q "Resources: $N added, 0 changed, 0 destroyed" "$dir/apply.log" || {
        echo "unexpected apply summary:" >&2
        tail -n 3 "$dir/apply.log" >&2
        exit 1
    }
    curl -sf "$SIM/_sim/counts" >"$dir/counts.json"
    python3 - "$dir/counts.json" "$t0" "$t1" "$run" "$N" "$SCALE" >>"$WORK/results" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
a, e = c["actions"], c["errors"]
wall = float(sys.argv[3]) - float(sys.argv[2])
bound = (int(sys.argv[5]) - 4) / 0.3 / float(sys.argv[6])
detail = " ".join("%s=%d" % kv for kv in sorted(a.items()))
errs = " ".join("%s=%d" % kv for kv in sorted(e.items())) or "-"
print("%s %.3f %.3f %d %d %s errors: %s" % (sys.argv[4], wall, bound,
      e.get("RequestLimitExceeded", 0), c["total"], detail, errs))
PY
    tail -n 1 "$WORK/results" | awk '{printf "run %s: apply wall %ss (bound %ss, ratio %.3f), RequestLimitExceeded %s, calls %s\n   ", $1, $2, $3, $2 / $3, $4, $5; for (i = 6; i <= NF; i++) printf " %s", $i; printf "\n"}'
    stop_sim
    run=$((run + 1))
done
python3 - "$WORK/results" "$N" "$SCALE" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda k: statistics.median(float(r[k]) for r in rows)
wall, bound, thr = med(1), float(rows[0][2]), med(3)
ok = wall <= 1.1 * bound and thr == 0
print("apply of %s interface endpoints at scale %s, median of %d runs: wall %.3f s, bound %.3f s "
      "(ratio %.3f, target <= 1.1), RequestLimitExceeded %g (target 0): %s"
      % (sys.argv[2], sys.argv[3], len(rows), wall, bound, wall / bound, thr,
         "target met" if ok else "TARGET MISSED"))
PY
