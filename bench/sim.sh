# bench/sim.sh: sourced by the simulator benchmarks. Needs SRC, EC2SIM and WORK set; defines
# start_sim FLAGS... (a fresh tests/ec2sim on a free port; sets SIM to its URL), stop_sim, and
# now (seconds with nanoseconds), and stops the simulator and removes WORK on exit.
SIM_PID=
stop_sim() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
}
trap 'stop_sim; rm -rf "$WORK"' EXIT INT TERM

start_sim() { # flags...
    rm -f "$WORK/port"
    python3 "$EC2SIM" --port 0 --port-file "$WORK/port" --seed 1 \
        --model "$SRC/tests/data/ec2-model/ec2-vpc-subset.json" "$@" >"$WORK/sim.log" 2>&1 &
    SIM_PID=$!
    i=0
    while [ ! -s "$WORK/port" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "the simulator did not start" >&2; cat "$WORK/sim.log" >&2; exit 1; }
        sleep 0.1
    done
    SIM="http://127.0.0.1:$(cat "$WORK/port")"
}

now() { date +%s.%N; }
