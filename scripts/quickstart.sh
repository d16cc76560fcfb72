#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds vpce, starts the bundled EC2
# simulator, applies examples/seed against it with dummy credentials, lists the state, shows that
# a second plan has nothing left to change, and stops the simulator.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/install-deps.sh
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j"$(nproc)" --target vpce
vpce="$top/build/vpce"

work=$(mktemp -d)
portfile="$work/port"
python3 tests/ec2sim/ec2sim.py --port 0 --port-file "$portfile" >"$work/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
[ -s "$portfile" ] || { echo "the simulator did not start:"; cat "$work/sim.log"; exit 1; }

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_EC2="http://127.0.0.1:$(cat "$portfile")"
export AWS_ENDPOINT_URL_STS="$AWS_ENDPOINT_URL_EC2"
export AWS_EC2_METADATA_DISABLED=true
cp -r examples/seed "$work/seed"
cd "$work/seed"

echo "== vpce validate"
"$vpce" validate
echo "== vpce plan"
"$vpce" plan
echo "== vpce apply -auto-approve"
"$vpce" apply -auto-approve
echo "== vpce state list"
"$vpce" state list
echo "== vpce plan -detailed-exitcode (nothing left to change)"
"$vpce" plan -detailed-exitcode
