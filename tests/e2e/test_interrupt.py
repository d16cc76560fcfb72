"""End to end: one SIGINT during an apply of the seed (with simulator latency) lets the running
operations finish and be recorded, starts nothing new, and exits non-zero; the state then holds
exactly what exists; a second apply finishes the job. A second apply while the first runs is
refused, naming the lock holder, and changes nothing. SIGTERM (and a second SIGINT) during an
apply whose endpoints stay pending for ten minutes ends the waits at once: vpce exits non-zero
well within a liveness bound, the journal keeps the creates it started, and the next apply
adopts them without duplicates."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import BINARY, Sim, live, vpce, workdir  # noqa: E402


def tagged_addresses(world):
    return sorted(t["vpce:address"] for t in world["tags"].values() if "vpce:address" in t)


class Interrupt(unittest.TestCase):
    def setUp(self):
        self.sim = Sim("--pending-ms", "50", "--time-scale", "10")
        self.dir = workdir(seed=True)
        self.first = None

    def tearDown(self):
        if self.first and self.first.poll() is None:
            self.first.kill()
            self.first.wait()
        self.sim.stop()

    def run_vpce(self, *args, check=0):
        return vpce(self.sim, self.dir, *args, check=check)

    def wait_for(self, path, text, count):
        deadline = time.time() + 60
        while time.time() < deadline:
            with open(path) as f:
                if f.read().count(text) >= count:
                    return
            if self.first.poll() is not None:
                self.fail("the apply ended before %d %r lines" % (count, text))
            time.sleep(0.02)
        self.fail("no %d %r lines after 60 s" % (count, text))

    def test_interrupt_and_lock(self):
        self.sim.post("/_sim/faults", {"latency_ms": 300})
        err_path = os.path.join(self.dir, "first.err")
        with open(err_path, "w") as err_file:
            self.first = subprocess.Popen([BINARY, "apply", "-auto-approve"], cwd=self.dir,
                                          env=self.sim.env(), stdout=subprocess.PIPE,
                                          stderr=err_file, text=True)
        # the VPC is made, and the wave of resources that need only the VPC has started
        self.wait_for(err_path, "Creating...", 4)

        # a second apply meanwhile is refused, naming the holder, and does nothing
        rc, out, err = self.run_vpce("apply", "-auto-approve", "-var", "name_prefix=other",
                                     check=1)
        self.assertIn("locked by", err)
        self.assertIn("pid %d" % self.first.pid, err)
        self.assertIn('operation "apply"', err)
        self.assertNotIn("Apply complete", out)

        self.first.send_signal(signal.SIGINT)
        out, _ = self.first.communicate(timeout=120)
        with open(err_path) as f:
            err = f.read()
        self.assertNotEqual(self.first.returncode, 0, err)
        self.assertIn("Interrupt received", err)
        self.assertIn("interrupted", err.split("Interrupt received", 1)[1])
        self.assertNotIn("Apply complete", out)

        # every operation that started finished and was recorded; nothing started after
        before, after = err.split("Interrupt received", 1)
        started = {l.split(": Creating...")[0] for l in before.splitlines()
                   if l.endswith(": Creating...")}
        self.assertNotIn(": Creating...", after)
        completed = {l.split(": Creation complete")[0] for l in err.splitlines()
                     if ": Creation complete" in l}
        self.assertEqual(completed, started)
        self.assertLess(len(started), 18)

        # the state holds exactly what exists
        w = self.sim.world()
        listed = sorted(self.run_vpce("state", "list")[1].split())
        self.assertEqual(listed, sorted(started))
        self.assertEqual(tagged_addresses(w), [a for a in listed if a in tagged_addresses(w)])
        for addr in listed:
            kind = addr.split(".")[0]
            if kind in ("aws_route", "aws_route_table_association",
                        "aws_vpc_endpoint_route_table_association"):
                continue  # objects without tags of their own
            self.assertIn(addr, tagged_addresses(w))
        # the refused second apply made nothing
        self.assertFalse([t for t in w["tags"].values() if t.get("Name", "").startswith("other")])
        self.assertEqual(len(w["vpcs"]), 1)

        # a second apply finishes the job, and then nothing is left to do
        self.sim.post("/_sim/faults", {"latency_ms": 0})
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Apply complete! Resources: %d added, 0 changed, 0 destroyed."
                      % (18 - len(started)), out)
        self.run_vpce("plan", "-detailed-exitcode", check=0)
        w = self.sim.world()
        self.assertEqual(len(w["vpcs"]), 1)
        self.assertEqual(len(w["subnets"]), 3)
        self.assertEqual(len(live(w["vpc_endpoints"])), 5)
        self.assertEqual(len(live(w["network_interfaces"], "Status")), 6)
        self.assertEqual(len(self.run_vpce("state", "list")[1].split()), 18)
        self.assertEqual(len(tagged_addresses(w)), 13)


    def sigterm_case(self, signals):
        """Applies the seed with endpoints pending for 10 minutes, sends signals once the
        endpoints are being created, and checks the exit, the journal and the next apply."""
        self.sim.post("/_sim/faults", {"pending_ms": 600000})
        err_path = os.path.join(self.dir, "first.err")
        with open(err_path, "w") as err_file:
            self.first = subprocess.Popen([BINARY, "apply", "-auto-approve"], cwd=self.dir,
                                          env=self.sim.env(), stdout=subprocess.PIPE,
                                          stderr=err_file, text=True)
        self.wait_for(err_path, 'aws_vpc_endpoint.interface["ssm"]: Creating...', 1)
        time.sleep(0.5)  # the create was sent, and its wait for "available" began
        for sig in signals:
            self.first.send_signal(sig)
            time.sleep(0.2)
        # a liveness bound, not a timing assertion: before, vpce waited up to 10 minutes
        try:
            self.first.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("vpce had not exited 30 s after %s" % [s.name for s in signals])
        with open(err_path) as f:
            err = f.read()
        self.assertNotEqual(self.first.returncode, 0, err)
        self.assertIn("Stopping: the running operations stop waiting", err)
        self.assertIn("interrupted while waiting for endpoint", err)

        # the journal keeps the endpoint creates that were waiting; the lock was released
        db = sqlite3.connect(os.path.join(self.dir, "vpce.db"))
        try:
            journal = [r[0] for r in db.execute("SELECT address FROM journal")]
            locks = db.execute("SELECT COUNT(*) FROM lock").fetchone()[0]
        finally:
            db.close()
        self.assertIn('aws_vpc_endpoint.interface["ssm"]', journal, err)
        self.assertEqual(locks, 0)

        # EC2 finishes the endpoints; the next apply adopts them and makes no second one
        w = self.sim.world()
        made = [e for e in live(w["vpc_endpoints"])]
        self.assertTrue(made)
        for e in made:
            self.sim.post("/_sim/mutate", {"op": "set", "id": e["VpcEndpointId"],
                                           "field": "_busy_until", "value": 0})
        self.sim.post("/_sim/faults", {"pending_ms": 50})
        _, out, err2 = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Apply complete!", out)
        self.assertIn("Reconciling", err2)
        self.run_vpce("plan", "-detailed-exitcode", check=0)
        w = self.sim.world()
        self.assertEqual(len(w["vpcs"]), 1)
        eps = [tag for tag in tagged_addresses(w) if tag.startswith("aws_vpc_endpoint.")]
        self.assertEqual(len(eps), 5)
        self.assertEqual(len(set(eps)), 5)
        self.assertEqual(len(live(w["vpc_endpoints"])), 5)
        for e in made:
            self.assertIn(e["VpcEndpointId"],
                          [x["VpcEndpointId"] for x in live(w["vpc_endpoints"])])

    def test_sigterm_stops_waiting(self):
        self.sigterm_case([signal.SIGTERM])

    def test_second_sigint_stops_waiting(self):
        self.sigterm_case([signal.SIGINT, signal.SIGINT])


if __name__ == "__main__":
    unittest.main(verbosity=2)
