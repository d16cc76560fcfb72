"""End to end: the S3 state backend, against the simulator's S3 and against moto's S3 (the same
tests; those needing a fault or a policy only the simulator models run against it alone). EC2 is
the simulator in both cases.

- init, apply, plan, state list from a second directory (another machine) share one state;
- two applies from two directories: the second is refused by the lock, naming its holder,
  operation and age, and changes nothing; force-unlock removes a lock by its ID;
- a writer whose state was replaced behind its back is refused by If-Match, and the newer
  state is not overwritten;
- migration local -> S3 -> local round-trips the database byte for byte;
- workspaces (S3 and local), terraform.workspace, state pull/push with lineage and serial
  checks, -backend-config, literal-only settings;
- simulator only: SSE required by the bucket policy, a bucket in another region (301),
  409 ConditionalRequestConflict retried, a PUT whose answer was lost, virtual-hosted style."""
import json
import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, workdir  # noqa: E402
from s3_support import (BUCKET, KEY, MotoS3, SimS3, backend_block, config_dir,  # noqa: E402
                        moto_available, popen, run)

PROVIDER_FAST = '''provider "aws" {
  region = var.region
  rate_limits {
    endpoint_capacity = 1000
    endpoint_refill   = 1000
  }
}'''

TINY = '''provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = "vpc-${terraform.workspace}"
  }
}
'''


def seed_dir(backend=True, extra=""):
    d = config_dir(backend=backend, extra=extra)
    path = os.path.join(d, "main.vpce")
    with open(path) as f:
        text = f.read()
    old = 'provider "aws" {\n  region = var.region\n}'
    assert old in text, "examples/seed changed its provider block"
    with open(path, "w") as f:
        f.write(text.replace(old, PROVIDER_FAST))
    return d


def copy_config(src):
    """The configuration files of src in a fresh directory (another machine: no .vpce/)."""
    d = workdir()
    for n in os.listdir(src):
        if n.endswith(".vpce") and os.path.isfile(os.path.join(src, n)):
            shutil.copy(os.path.join(src, n), d)
    return d


class Backend:
    """The tests; a subclass gives the S3 server (self.s3) and the simulator (self.sim)."""

    def setUp(self):
        self.sim.post("/_sim/reset", {})
        self.sim.post("/_sim/faults", {"latency_ms": 0})
        self.s3.create_bucket()
        self.s3.reset()

    def vpce(self, d, *args, **kw):
        return run(self.sim, self.s3, d, *args, **kw)

    def state_object(self):
        return self.s3.objects().get(KEY)

    def test_init_apply_and_a_second_machine(self):
        d = seed_dir()
        rc, _, err = self.vpce(d, "plan")
        self.assertEqual(rc, 1)
        self.assertIn("run `vpce init`", err)
        self.vpce(d, "init", check=0)
        self.vpce(d, "apply", "-auto-approve", check=0)
        objs = self.s3.objects()
        self.assertIn(KEY, objs)
        self.assertNotIn(KEY + ".tflock", objs, "the lock was not released")
        self.assertTrue(objs[KEY]["data"].startswith(b"SQLite format 3\x00"))
        self.assertFalse(os.path.exists(os.path.join(d, "vpce.db")), "a local state was written")
        self.vpce(d, "plan", "-detailed-exitcode", check=0)
        # Another machine: the configuration alone, `vpce init`, and the same state.
        d2 = copy_config(d)
        self.vpce(d2, "init", check=0)
        _, out1, _ = self.vpce(d, "state", "list", check=0)
        _, out2, _ = self.vpce(d2, "state", "list", check=0)
        self.assertEqual(out1, out2)
        self.assertEqual(len(out2.split()), 18)
        _, hist, _ = self.vpce(d2, "state", "history", "-json", check=0)
        h = json.loads(hist)
        self.assertEqual([e["operation"] for e in h], ["apply"])
        self.assertEqual(h[0]["status"], "success")
        self.vpce(d2, "plan", "-detailed-exitcode", check=0)

    def test_second_apply_refused_by_the_lock(self):
        d1 = seed_dir()
        d2 = copy_config(d1)
        self.vpce(d1, "init", check=0)
        self.vpce(d2, "init", check=0)
        self.sim.post("/_sim/faults", {"latency_ms": 150})
        p = popen(self.sim, self.s3, d1, "apply", "-auto-approve", "-no-color")
        try:
            deadline = time.time() + 60
            while KEY + ".tflock" not in self.s3.objects():
                self.assertIsNone(p.poll(), "the first apply ended before it was seen locked")
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            vpcs_before = len(self.sim.world()["vpcs"])
            rc, out, err = self.vpce(d2, "apply", "-auto-approve", "-no-color")
            self.assertEqual(rc, 1, out + err)
            self.assertIn("error acquiring the state lock", err)
            self.assertIn('operation "apply"', err)
            self.assertIn("held for", err)
            self.assertIn("s3://%s/%s" % (BUCKET, KEY), err)
            self.assertLessEqual(len(self.sim.world()["vpcs"]), max(vpcs_before, 1))
        finally:
            out, err = p.communicate(timeout=600)
        self.sim.post("/_sim/faults", {"latency_ms": 0})
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(len(self.sim.world()["vpcs"]), 1, "the refused apply created objects")
        self.assertEqual(len(live(self.sim.world()["vpc_endpoints"])), 5)
        self.vpce(d2, "plan", "-detailed-exitcode", check=0)

    def test_force_unlock_removes_a_dead_runs_lock(self):
        d = config_dir({"main.vpce": TINY}, seed=False)
        self.vpce(d, "init", check=0)
        lock = {"ID": "0b4c1ea8-dead-4000-8000-000000000001", "Operation": "apply",
                "Who": "ci@runner-7", "Version": "0.1.0", "Created": "2024-01-01T00:00:00Z",
                "Path": "%s/%s" % (BUCKET, KEY), "Info": ""}
        self.s3.put(KEY + ".tflock", json.dumps(lock).encode())
        rc, _, err = self.vpce(d, "apply", "-auto-approve", "-no-color")
        self.assertEqual(rc, 1)
        self.assertIn("ci@runner-7", err)
        self.assertEqual(self.sim.world()["vpcs"], [])
        self.assertIn(lock["ID"], err)
        rc, _, err = self.vpce(d, "force-unlock", "-force", "0000")
        self.assertEqual(rc, 1)
        self.assertIn("does not match", err)
        self.vpce(d, "force-unlock", "-force", lock["ID"], check=0)
        self.assertNotIn(KEY + ".tflock", self.s3.objects())
        self.vpce(d, "apply", "-auto-approve", check=0)

    def test_lock_timeout_waits_for_the_lock(self):
        d = config_dir({"main.vpce": TINY}, seed=False)
        self.vpce(d, "init", check=0)
        lock = {"ID": "0b4c1ea8-dead-4000-8000-000000000002", "Operation": "plan",
                "Who": "ci@runner-8", "Created": "2024-01-01T00:00:00Z"}
        self.s3.put(KEY + ".tflock", json.dumps(lock).encode())
        p = popen(self.sim, self.s3, d, "apply", "-auto-approve", "-lock-timeout=60s")
        time.sleep(1.5)
        self.assertIsNone(p.poll(), "apply did not wait for the lock")
        self.s3.delete(KEY + ".tflock")
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)

    def test_stale_writer_refused_by_if_match(self):
        d = seed_dir()
        self.vpce(d, "init", check=0)
        # A state someone else wrote, to put in place while the apply runs.
        other = config_dir({"main.vpce": TINY}, seed=False)
        shutil.copy(os.path.join(d, "backend.vpce"), other)
        self.vpce(other, "init", check=0)
        self.vpce(other, "apply", "-auto-approve", check=0)
        newer = self.state_object()["data"]
        self.s3.delete(KEY)
        self.sim.post("/_sim/reset", {})
        self.s3.create_bucket()
        self.sim.post("/_sim/faults", {"latency_ms": 100})
        p = popen(self.sim, self.s3, d, "apply", "-auto-approve", "-no-color")
        try:
            deadline = time.time() + 60
            while not self.sim.world()["vpcs"]:  # the apply has begun creating
                self.assertIsNone(p.poll())
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            self.s3.put(KEY, newer)  # the lock was lost: someone else wrote the state
        finally:
            out, err = p.communicate(timeout=600)
        self.sim.post("/_sim/faults", {"latency_ms": 0})
        self.assertEqual(p.returncode, 1, out + err)
        self.assertIn("was changed by someone else since this run read it", err)
        self.assertEqual(self.state_object()["data"], newer, "the newer state was overwritten")

    def test_migrate_round_trip_is_byte_equal(self):
        d = seed_dir(backend=False)
        self.vpce(d, "apply", "-auto-approve", check=0)
        with open(os.path.join(d, "vpce.db"), "rb") as f:
            original = f.read()
        with open(os.path.join(d, "backend.vpce"), "w") as f:
            f.write(backend_block())
        rc, _, err = self.vpce(d, "init")
        self.assertEqual(rc, 1)
        self.assertIn("-migrate-state", err)
        self.vpce(d, "init", "-migrate-state", check=0)
        self.assertEqual(self.state_object()["data"], original)
        self.assertFalse(os.path.exists(os.path.join(d, "vpce.db")))
        self.assertTrue(os.path.exists(os.path.join(d, "vpce.db.backup")))
        self.vpce(d, "plan", "-detailed-exitcode", check=0)
        # And back to a local file.
        os.unlink(os.path.join(d, "backend.vpce"))
        rc, _, err = self.vpce(d, "plan")
        self.assertEqual(rc, 1)
        self.assertIn("no longer has the backend", err)
        self.vpce(d, "init", "-migrate-state", check=0)
        with open(os.path.join(d, "vpce.db"), "rb") as f:
            self.assertEqual(f.read(), original)
        self.vpce(d, "plan", "-detailed-exitcode", check=0)

    def test_migrate_refuses_to_overwrite_without_force_copy(self):
        d = config_dir({"main.vpce": TINY}, seed=False, backend=False)
        self.vpce(d, "apply", "-auto-approve", check=0)
        self.s3.put(KEY, b"x" * 10)
        with open(os.path.join(d, "backend.vpce"), "w") as f:
            f.write(backend_block())
        rc, _, err = self.vpce(d, "init", "-migrate-state")
        self.assertEqual(rc, 1)
        self.assertIn("-force-copy", err)
        self.assertEqual(self.state_object()["data"], b"x" * 10)

    def test_workspaces(self):
        d = config_dir({"main.vpce": TINY}, seed=False)
        self.vpce(d, "init", check=0)
        self.vpce(d, "apply", "-auto-approve", check=0)
        self.vpce(d, "workspace", "new", "staging", check=0)
        self.assertIn("env:/staging/" + KEY, self.s3.objects())
        _, out, _ = self.vpce(d, "workspace", "list", check=0)
        self.assertEqual(out.split("\n")[:2], ["  default", "* staging"])
        _, out, _ = self.vpce(d, "workspace", "show", check=0)
        self.assertEqual(out.strip(), "staging")
        with open(os.path.join(d, ".vpce", "environment")) as f:
            self.assertEqual(f.read().strip(), "staging")
        self.vpce(d, "apply", "-auto-approve", check=0)
        w = self.sim.world()
        names = sorted(w["tags"][v["VpcId"]]["Name"] for v in w["vpcs"])
        self.assertEqual(names, ["vpc-default", "vpc-staging"])
        # VPCE_WORKSPACE chooses without selecting.
        self.vpce(d, "plan", "-detailed-exitcode", env={"VPCE_WORKSPACE": "default"}, check=0)
        rc, _, err = self.vpce(d, "workspace", "delete", "staging")
        self.assertEqual(rc, 1)
        self.assertIn("is selected", err)
        self.vpce(d, "workspace", "select", "default", check=0)
        rc, _, err = self.vpce(d, "workspace", "delete", "staging")
        self.assertEqual(rc, 1)
        self.assertIn("not empty", err)
        rc, _, err = self.vpce(d, "workspace", "select", "nope")
        self.assertEqual(rc, 1)
        self.assertIn("doesn't exist", err)
        self.vpce(d, "workspace", "delete", "-force", "staging", check=0)
        self.assertNotIn("env:/staging/" + KEY, self.s3.objects())
        _, out, _ = self.vpce(d, "workspace", "list", check=0)
        self.assertEqual(out.split(), ["*", "default"])

    def test_state_pull_and_push(self):
        d = config_dir({"main.vpce": TINY}, seed=False)
        self.vpce(d, "init", check=0)
        self.vpce(d, "apply", "-auto-approve", check=0)
        pulled = os.path.join(d, "pulled.db")
        self.vpce(d, "state", "pull", "-out=" + pulled, check=0)
        with open(pulled, "rb") as f:
            self.assertEqual(f.read(), self.state_object()["data"])
        # A state of another lineage is refused; -force takes it.
        other = config_dir({"main.vpce": TINY}, seed=False, backend=False)
        self.vpce(other, "apply", "-auto-approve", check=0)
        rc, _, err = self.vpce(d, "state", "push", os.path.join(other, "vpce.db"))
        self.assertEqual(rc, 1)
        self.assertIn("lineage", err)
        # An older serial is refused.
        self.vpce(d, "state", "rm", "aws_vpc.main", check=0)
        rc, _, err = self.vpce(d, "state", "push", pulled)
        self.assertEqual(rc, 1)
        self.assertIn("older", err)
        self.vpce(d, "state", "push", "-force", pulled, check=0)
        with open(pulled, "rb") as f:
            self.assertEqual(self.state_object()["data"], f.read())
        _, out, _ = self.vpce(d, "state", "list", check=0)
        self.assertEqual(out.split(), ["aws_vpc.main"])

    def test_backend_config_flags_and_literals_only(self):
        d = config_dir({"main.vpce": TINY, "backend.vpce": 'terraform {\n  backend "s3" {}\n}\n'},
                       seed=False, backend=False)
        with open(os.path.join(d, "s3.hcl"), "w") as f:
            f.write('key = "%s"\nuse_path_style = true\n' % KEY)
        rc, _, err = self.vpce(d, "init")
        self.assertEqual(rc, 1)
        self.assertIn('needs "bucket"', err)
        self.vpce(d, "init", "-backend-config=bucket=" + BUCKET, "-backend-config", "s3.hcl",
                  "-backend-config=region=us-east-1", check=0)
        self.vpce(d, "apply", "-auto-approve", check=0)
        self.assertIn(KEY, self.s3.objects())
        bad = config_dir({"main.vpce": TINY + 'variable "b" {\n  default = "x"\n}\n',
                          "backend.vpce": 'terraform {\n  backend "s3" {\n    bucket = var.b\n'
                                          '    key = "k"\n  }\n}\n'}, seed=False, backend=False)
        rc, _, err = self.vpce(bad, "init")
        self.assertEqual(rc, 1)
        self.assertIn("variables and functions may not be used", err)


class SimBackend(Backend, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim("--seed", "21", "--pending-ms", "20", "--buckets", "off")
        cls.s3 = SimS3(cls.sim)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_sse_required_by_the_bucket_policy(self):
        self.s3.create_bucket(require_sse=True)
        d = config_dir({"main.vpce": TINY}, seed=False, extra="    encrypt        = false\n")
        self.vpce(d, "init", check=0)
        rc, _, err = self.vpce(d, "apply", "-auto-approve")
        self.assertEqual(rc, 1)
        self.assertIn("AccessDenied", err)
        self.assertEqual(self.sim.world()["vpcs"], [], "a create was sent before the state was stored")
        d2 = config_dir({"main.vpce": TINY}, seed=False)
        self.vpce(d2, "init", check=0)
        self.vpce(d2, "apply", "-auto-approve", check=0)
        o = self.s3.objects()[KEY]
        self.assertEqual(o["sse"], "AES256")
        self.assertEqual(o["content_type"], "application/vnd.sqlite3")
        d3 = config_dir({"main.vpce": TINY}, seed=False, extra='    kms_key_id     = "alias/state"\n')
        with open(os.path.join(d3, "backend.vpce")) as f:
            text = f.read().replace(KEY, "kms/" + KEY)
        with open(os.path.join(d3, "backend.vpce"), "w") as f:
            f.write(text)
        self.vpce(d3, "init", check=0)
        self.vpce(d3, "workspace", "new", "k", check=0)
        o = self.s3.objects()["env:/k/kms/" + KEY]
        self.assertEqual((o["sse"], o["kms_key_id"]), ("aws:kms", "alias/state"))

    def test_bucket_in_another_region(self):
        self.s3.create_bucket("far-away", region="eu-west-1")
        d = config_dir({"main.vpce": TINY, "backend.vpce": backend_block(bucket="far-away")},
                       seed=False, backend=False)
        rc, _, err = self.vpce(d, "init")
        self.assertEqual(rc, 1)
        self.assertIn('bucket "far-away" is in region eu-west-1, not us-east-1', err)
        self.assertIn('set region = "eu-west-1"', err)

    def test_conditional_conflicts_and_lost_answers_are_retried(self):
        d = config_dir({"main.vpce": TINY}, seed=False)
        self.vpce(d, "init", check=0)
        self.sim.post("/_sim/s3/faults", {"conflict": 3, "drop_after_put": 2})
        self.sim.post("/_sim/counts/reset", {})
        self.vpce(d, "apply", "-auto-approve", check=0)
        counts = self.sim.get("/_sim/counts")
        self.assertEqual(counts["errors"].get("ConditionalRequestConflict"), 3)
        self.assertEqual(counts["dropped"], 2)
        self.assertEqual(len(self.sim.world()["vpcs"]), 1)
        self.vpce(d, "plan", "-detailed-exitcode", check=0)

    def test_virtual_hosted_style(self):
        d = config_dir({"main.vpce": TINY, "backend.vpce": '''terraform {
  backend "s3" {
    bucket = "%s"
    key    = "%s"
    region = "us-east-1"
    endpoints {
      s3 = "http://localhost:%d"
    }
  }
}
''' % (BUCKET, KEY, self.sim.port)}, seed=False, backend=False)
        self.vpce(d, "init", check=0, env={"AWS_ENDPOINT_URL_S3": "http://bad.invalid"})
        self.vpce(d, "apply", "-auto-approve", check=0, env={"AWS_ENDPOINT_URL_S3": "http://bad.invalid"})
        self.assertIn(KEY, self.s3.objects())

    def test_assume_role_through_sts(self):
        role = "arn:aws:iam::210987654321:role/state-writer"
        extra = ('    assume_role {\n      role_arn     = "%s"\n      session_name = "vpce-state"\n'
                 '      duration     = "15m"\n    }\n' % role)
        self.sim.post("/_sim/sts/reset", {})
        d = config_dir({"main.vpce": TINY}, seed=False, extra=extra)
        self.vpce(d, "init", check=0)
        self.vpce(d, "apply", "-auto-approve", check=0)
        self.assertIn(KEY, self.s3.objects())
        calls = [c for c in self.sim.get("/_sim/sts")["calls"] if c["Action"] == "AssumeRole"]
        self.assertTrue(calls, "the backend did not assume its role")
        for c in calls:
            self.assertEqual((c["RoleArn"], c["RoleSessionName"], c["DurationSeconds"]),
                             (role, "vpce-state", "900"))
        try:
            self.sim.post("/_sim/faults", {"sts_deny_roles": [role]})
            rc, _, err = self.vpce(d, "plan")
            self.assertEqual(rc, 1)
            self.assertIn('cannot assume role "%s"' % role, err)
        finally:
            self.sim.post("/_sim/faults", {"sts_deny_roles": []})
        bad = config_dir({"main.vpce": TINY}, seed=False,
                         extra='    assume_role {\n      mfa_serial = "x"\n    }\n')
        rc, _, err = self.vpce(bad, "init")
        self.assertEqual(rc, 1)
        self.assertIn('unsupported argument "mfa_serial" in the S3 backend\'s assume_role block', err)
        self.assertIn('assume_role block needs "role_arn"', err)

    def test_local_workspaces(self):
        d = config_dir({"main.vpce": TINY}, seed=False, backend=False)
        self.vpce(d, "apply", "-auto-approve", check=0)
        self.vpce(d, "workspace", "new", "dev", check=0)
        self.assertTrue(os.path.exists(os.path.join(d, "vpce.d", "dev", "vpce.db")))
        self.vpce(d, "apply", "-auto-approve", check=0)
        self.assertEqual(len(self.sim.world()["vpcs"]), 2)
        _, out, _ = self.vpce(d, "workspace", "list", check=0)
        self.assertEqual(out.split("\n")[:2], ["  default", "* dev"])
        self.vpce(d, "destroy", "-auto-approve", check=0)
        self.vpce(d, "workspace", "select", "default", check=0)
        self.vpce(d, "workspace", "delete", "dev", check=0)
        self.assertFalse(os.path.exists(os.path.join(d, "vpce.d", "dev", "vpce.db")))


@unittest.skipUnless(moto_available(), "moto and boto3 are not installed")
class MotoBackend(Backend, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim("--seed", "22", "--pending-ms", "20", "--buckets", "off")
        cls.s3 = MotoS3()

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()
        cls.sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
