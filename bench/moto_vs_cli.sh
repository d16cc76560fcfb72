#!/usr/bin/env bash
# bench/moto_vs_cli.sh [BUILD_DIR] [RUNS]: the seed architecture (examples/seed, 18 resources)
# applied by `vpce apply` against moto's server mode, versus the same architecture built by hand
# with the AWS CLI (bench/seed_by_cli.sh: one `aws ec2` call after another), side by side in one
# run: for each of RUNS rounds (default 3) moto is reset, vpce applies a fresh copy of the seed,
# the result is checked, moto is reset, the CLI script runs, the result is checked (one untimed
# apply first warms moto up). Prints every pair, the medians and their ratio. Needs moto
# (python3 -m moto.server), the AWS CLI and curl.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-3}
VPCE=$(cd "$BUILD" && pwd)/vpce
[ -x "$VPCE" ] || { echo "no vpce binary in $BUILD" >&2; exit 1; }
command -v aws >/dev/null || { echo "the AWS CLI is not installed" >&2; exit 1; }
WORK=$(mktemp -d)
MOTO_PID=
stop_moto() {
    if [ -n "$MOTO_PID" ]; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        MOTO_PID=
    fi
}
trap 'stop_moto; rm -rf "$WORK"' EXIT INT TERM

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m moto.server -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
URL="http://127.0.0.1:$PORT"
for i in $(seq 1 300); do
    curl -sf "$URL/moto-api/data.json" >/dev/null 2>&1 && break
    [ "$i" -lt 300 ] || { echo "moto did not start" >&2; cat "$WORK/moto.log" >&2; exit 1; }
    sleep 0.1
done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
    AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER= NO_COLOR=1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL_EC2="$URL"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL VPCE_AWS_RATE_SCALE VPCE_LOG 2>/dev/null || true

now() { date +%s.%N; }
reset() { curl -sf -X POST "$URL/moto-api/reset" >/dev/null; }
# The architecture both ways must give: 1 VPC besides the default, 3 subnets, 5 live endpoints.
check() { # who
    local got
    got=$(aws --endpoint-url "$URL" ec2 describe-vpcs --filters Name=tag:Name,Values=seed-vpc \
        --query 'Vpcs[0].VpcId' --output text)
    local subnets endpoints
    subnets=$(aws --endpoint-url "$URL" ec2 describe-subnets --filters "Name=vpc-id,Values=$got" \
        --query 'length(Subnets)' --output text)
    endpoints=$(aws --endpoint-url "$URL" ec2 describe-vpc-endpoints \
        --query 'length(VpcEndpoints[?State==`available`])' --output text)
    if [ "$subnets" != 3 ] || [ "$endpoints" != 5 ]; then
        echo "$1 built $subnets subnets and $endpoints endpoints in $got, expected 3 and 5" >&2
        exit 1
    fi
}

# moto builds some things on first use (the list of endpoint services of every region, about
# 5 s): one untimed apply pays it before the rounds, for both sides.
mkdir "$WORK/warm" && cp "$SRC"/examples/seed/*.vpce "$WORK/warm/"
(cd "$WORK/warm" && "$VPCE" apply -auto-approve >"$WORK/apply.log" 2>&1) ||
    { cat "$WORK/apply.log" >&2; exit 1; }

: >"$WORK/vpce" >"$WORK/cli"
for run in $(seq 1 "$RUNS"); do
    reset
    rm -rf "$WORK/seed" && mkdir "$WORK/seed" && cp "$SRC"/examples/seed/*.vpce "$WORK/seed/"
    t0=$(now)
    (cd "$WORK/seed" && "$VPCE" apply -auto-approve >"$WORK/apply.log" 2>&1) ||
        { cat "$WORK/apply.log" >&2; exit 1; }
    t1=$(now)
    check vpce
    reset
    t2=$(now)
    bash "$SRC/bench/seed_by_cli.sh" "$URL" >"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log" >&2; exit 1; }
    t3=$(now)
    check "the AWS CLI"
    v=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
    c=$(awk -v a="$t2" -v b="$t3" 'BEGIN {print b - a}')
    echo "$v" >>"$WORK/vpce"
    echo "$c" >>"$WORK/cli"
    printf 'run %d: vpce apply %.2f s, AWS CLI %.2f s\n' "$run" "$v" "$c"
done
median() { sort -g "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mv=$(median "$WORK/vpce")
mc=$(median "$WORK/cli")
printf 'median of %d: vpce apply %.2f s, AWS CLI %.2f s, ratio %.1fx (target >= 5x)\n' "$RUNS" \
    "$mv" "$mc" "$(awk -v a="$mc" -v b="$mv" 'BEGIN {print a / b}')"
