"""Shared helpers of the end-to-end tests: start tests/ec2sim (or moto's server), run the vpce
binary against it, read the simulator's world (or read moto with the AWS CLI). Python standard
library only; moto and the AWS CLI are separate programs."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
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
                  "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1",
                  # The simulator enforces EC2's request buckets, like EC2 and unlike other
                  # local endpoints: vpce is told to pace at EC2's rates from the first request.
                  "VPCE_AWS_RATE_SCALE": "1"})
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


def free_port():
    """A TCP port of 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def moto_python():
    """The Python interpreter that can import moto (this one, else python3 on PATH), or None."""
    for exe in (sys.executable, shutil.which("python3")):
        if exe and subprocess.run([exe, "-c", "import moto.server"], capture_output=True).returncode == 0:
            return exe
    return None


class Moto:
    """moto's server mode (the EC2 emulator LocalStack builds on) on a free port; stop() ends it
    by its PID. Same env() shape as Sim, so vpce() takes either."""

    def __init__(self):
        exe = moto_python()
        if not exe:
            raise RuntimeError("moto is not installed: run scripts/install-deps.sh")
        self.dir = tempfile.mkdtemp(prefix="vpce-e2e-moto-")
        self.log = open(os.path.join(self.dir, "moto.log"), "w")
        for _ in range(5):  # the port may be taken between free_port() and the bind
            self.port = free_port()
            self.url = "http://127.0.0.1:%d" % self.port
            self.proc = subprocess.Popen([exe, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                          str(self.port)], stdout=self.log, stderr=subprocess.STDOUT)
            if self._wait_ready():
                return
            self._end()
        raise RuntimeError("moto's server did not start; see %s" % self.log.name)

    def _wait_ready(self):
        deadline = time.time() + 60
        while time.time() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=5):
                    return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        return False

    def reset(self):
        """POST /moto-api/reset: every backend emptied."""
        req = urllib.request.Request(self.url + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    def env(self):
        e = dict(os.environ)
        e.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                  "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                  "AWS_ENDPOINT_URL_EC2": self.url, "AWS_ENDPOINT_URL_STS": self.url,
                  "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1", "AWS_PAGER": "",
                  "AWS_CONFIG_FILE": os.path.join(self.dir, "none"),
                  "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.dir, "none")})
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "VPCE_AWS_RATE_SCALE"):
            e.pop(k, None)
        return e

    def aws(self, *args):
        """`aws --endpoint-url URL ec2 ARGS --output json` with dummy credentials: the answer as
        JSON (None when empty). Raises AssertionError with the CLI's error when it fails."""
        cli = shutil.which("aws")
        if not cli:
            raise RuntimeError("the AWS CLI is not installed: run scripts/install-deps.sh")
        p = subprocess.run([cli, "--endpoint-url", self.url, "ec2"] + list(args) + ["--output", "json"],
                           env=self.env(), capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise AssertionError("aws ec2 %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
        return json.loads(p.stdout) if p.stdout.strip() else None

    def _end(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def stop(self):
        self._end()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
