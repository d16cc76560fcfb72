#!/usr/bin/env python3
"""Golden test runner: run_golden.py BINARY CASEDIR.

Runs BINARY with the arguments of CASEDIR/args (shell words; default "validate") in CASEDIR
(in a copy of it holding a vpce.db made from CASEDIR/state.json when there is one),
with NO_COLOR=1, and compares stdout followed by stderr, byte for byte, with CASEDIR/expected,
and the exit code with CASEDIR/exit (default 0). An env value "@SIM" is replaced by the URL of a
tests/ec2sim simulator started for the case (and stopped after it), so a case can let vpce reach
STS or EC2 while the rest stays offline. With UPDATE_GOLDEN=1 in the environment the
expected files are rewritten instead. See tests/golden/README.md.
"""
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

SIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ec2sim", "ec2sim.py")


def start_sim():
    """Starts the simulator on a free port; returns (process, url, temporary directory)."""
    d = tempfile.mkdtemp(prefix="vpce-golden-sim-")
    port_file = os.path.join(d, "port")
    proc = subprocess.Popen([sys.executable, SIM, "--port", "0", "--port-file", port_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("the simulator did not start")
        time.sleep(0.05)
    return proc, "http://127.0.0.1:%s" % open(port_file).read().strip(), d


def make_state(binary, workdir, state_path, env):
    """Creates workdir/vpce.db holding the resources of state.json (the state document shape).

    The database is made by vpce itself (an apply of an empty configuration elsewhere), then
    the resources are inserted with SQLite, so the schema is always the current one.
    """
    empty = tempfile.mkdtemp(prefix="golden-empty-")
    try:
        open(os.path.join(empty, "empty.vpce"), "w").close()
        db = os.path.join(workdir, "vpce.db")
        subprocess.run([binary, "apply", "-auto-approve", "-state", db], cwd=empty, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       timeout=60)
    finally:
        shutil.rmtree(empty)
    doc = json.load(open(state_path, encoding="utf-8"))
    con = sqlite3.connect(db)
    for r in doc.get("resources", []):
        con.execute(
            "INSERT INTO resources (address, mode, type, name, index_key, provider, provider_id,"
            " schema_version, attributes, sensitive_attributes, dependencies, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, '[]', ?, '2024-01-01T00:00:00Z')",
            (r["address"], r.get("mode", "managed"), r["type"], r["name"],
             json.dumps(r.get("index")), r.get("provider", "aws"),
             r.get("attributes", {}).get("id"), json.dumps(r.get("attributes", {})),
             json.dumps(r.get("dependencies", []))))
    con.commit()
    con.close()


def main():
    if len(sys.argv) != 3:
        print("usage: run_golden.py BINARY CASEDIR", file=sys.stderr)
        return 2
    binary, case = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    args = ["validate"]
    args_file = os.path.join(case, "args")
    if os.path.exists(args_file):
        with open(args_file, encoding="utf-8") as f:
            args = shlex.split(f.read())
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("VPCE_LOG", None)
    for k in list(env):
        if k.startswith("VPCE_VAR_"):
            del env[k]
    env_file = os.path.join(case, "env")
    if os.path.exists(env_file):
        with open(env_file, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line and not line.startswith("#"):
                    k, _, v = line.partition("=")
                    env[k] = v
    sim = None
    if "@SIM" in env.values():
        sim = start_sim()
        env = {k: (sim[1] if v == "@SIM" else v) for k, v in env.items()}
    workdir, tmp = case, None
    try:
        if os.path.exists(os.path.join(case, "state.json")):
            # A prior state: run in a copy of the case, so the database never lands in the tree.
            tmp = tempfile.mkdtemp(prefix="golden-")
            workdir = os.path.join(tmp, os.path.basename(case))
            shutil.copytree(case, workdir)
            make_state(binary, workdir, os.path.join(case, "state.json"), env)
        proc = subprocess.run([binary] + args, cwd=workdir, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
    finally:
        if tmp:
            shutil.rmtree(tmp)
        if sim:
            sim[0].terminate()
            sim[0].wait(10)
            shutil.rmtree(sim[2], ignore_errors=True)
    got = proc.stdout + proc.stderr
    exp_path = os.path.join(case, "expected")
    exit_path = os.path.join(case, "exit")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        with open(exp_path, "wb") as f:
            f.write(got)
        with open(exit_path, "w", encoding="utf-8") as f:
            f.write("%d\n" % proc.returncode)
        print("updated %s" % case)
        return 0
    want = open(exp_path, "rb").read() if os.path.exists(exp_path) else b""
    want_exit = 0
    if os.path.exists(exit_path):
        want_exit = int(open(exit_path, encoding="utf-8").read().strip() or "0")
    ok = True
    if got != want:
        ok = False
        print("output differs for %s" % case)
        import difflib
        for line in difflib.unified_diff(want.decode("utf-8", "replace").splitlines(True),
                                         got.decode("utf-8", "replace").splitlines(True),
                                         "expected", "actual"):
            sys.stdout.write(line)
    if proc.returncode != want_exit:
        ok = False
        print("exit code %d, expected %d" % (proc.returncode, want_exit))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
