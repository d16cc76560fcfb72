"""Shared helpers of the end-to-end tests: start tests/ec2sim, run the vpce binary against it,
read the simulator's world. Python standard library only."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

BINARY = os.environ.get("VPCE_BINARY", "vpce")
SOURCE = os.environ.get("VPCE_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SIM = os.path.join(SOURCE, "tests", "ec2sim", "ec2sim.py")


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


class Sim:
    """One simulator process on a free port; stop() ends it."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="vpce-e2e-sim-")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, SIM, "--port", "0", "--port-file", port_file, "--pending-ms", "100"]
            + list(args), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not _read(port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.05)
        self.port = int(_read(port_file))
        self.url = "http://127.0.0.1:%d" % self.port

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return json.loads(r.read())

    def post(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
            return json.loads(data) if data else None

    def world(self):
        return self.get("/_sim/world")

    def env(self):
        e = dict(os.environ)
        e.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                  "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_EC2": self.url,
                  "AWS_ENDPOINT_URL_STS": self.url,
                  "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1"})
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN",
                  "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
            e.pop(k, None)
        return e

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def workdir(files=None, seed=False):
    """A temporary configuration directory: a copy of examples/seed, and/or files {name: text}."""
    d = tempfile.mkdtemp(prefix="vpce-e2e-")
    if seed:
        src = os.path.join(SOURCE, "examples", "seed")
        for n in os.listdir(src):
            if n.endswith(".vpce"):
                shutil.copy(os.path.join(src, n), d)
    for name, text in (files or {}).items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return d


def vpce(sim, cwd, *args, timeout=600, check=None):
    """Runs the binary in cwd; returns (exit code, stdout, stderr)."""
    p = subprocess.run([BINARY] + list(args), cwd=cwd, env=sim.env(), capture_output=True,
                       text=True, timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError("vpce %s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(args), p.returncode, check, p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr


def live(items, key="State"):
    """Objects of a world list that are not deleted."""
    return [x for x in items if str(x.get(key, "")).lower() not in ("deleted", "deleting")]
