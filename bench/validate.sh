#!/bin/sh
# bench/validate.sh [VPCE_BINARY]: wall time and peak memory of `vpce validate` on generated
# configurations of 1,000 and 10,000 resources (target at 10,000: <= 0.5 s and <= 150 MB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vpce=${1:-${VPCE_BINARY:-vpce}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 1000 10000; do
    python3 "$here/gen_config.py" "$n" "$work/$n" >/dev/null
    /usr/bin/time -f "N=$n: %e s %M KB" "$vpce" validate "$work/$n" >/dev/null
done
