"""End to end: crash safety of apply with the state in S3. `vpce apply` of examples/seed with an
S3 backend (the simulator's) is killed with SIGKILL right after the simulator has received its
k-th request (EC2 and S3 requests alike), for ten values of k spread over the whole apply. The
rerun happens in a FRESH directory, as on another CI runner: only the configuration, `vpce init`,
and what S3 holds. The killed run's lock is still there, so the rerun is refused naming it; it
is removed with `vpce force-unlock ID` (as an operator would), and the next applies reconcile
the journal that was stored in S3 before each create was sent. Then the world holds exactly the
configured objects (none duplicated, none orphaned) and the plan is clean."""
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, vpce  # noqa: E402
from s3_support import BUCKET, KEY, SimS3  # noqa: E402
import test_apply_crash  # noqa: E402
from test_s3_backend import copy_config, seed_dir  # noqa: E402

LATENCY_MS = 30
POINTS = 10


class SimWithS3(Sim):
    """The simulator, with vpce's S3 requests sent to it too."""

    def env(self):
        e = super().env()
        e["AWS_ENDPOINT_URL_S3"] = self.url
        e.pop("VPCE_WORKSPACE", None)
        return e


class S3ApplyCrash(unittest.TestCase):
    check_world = test_apply_crash.ApplyCrash.check_world

    def fresh(self, sim, s3):
        sim.post("/_sim/reset", {})
        sim.post("/_sim/counts/reset", {})
        s3.create_bucket()
        sim.post("/_sim/faults", {"latency_ms": LATENCY_MS})

    def rerun_elsewhere(self, sim, src):
        """A fresh directory: init, clear the dead run's lock if it left one, apply until done.
        Returns the journal lines printed and whether a lock had to be removed."""
        d = copy_config(src)
        vpce(sim, d, "init", check=0)
        notes, unlocked = [], False
        for attempt in range(4):
            rc, out, err = vpce(sim, d, "apply", "-auto-approve", "-no-color")
            m = re.search(r"lock ID ([0-9a-f-]{36})", err)
            if rc != 0 and m and "error acquiring the state lock" in err:
                self.assertFalse(unlocked, "locked again after force-unlock:\n" + err)
                self.assertIn('operation "apply"', err)
                vpce(sim, d, "force-unlock", "-force", m.group(1), check=0)
                unlocked = True
                continue
            notes += [ln.strip() for ln in err.splitlines() if ln.startswith("  aws_")]
            if rc == 0:
                return d, notes, unlocked
        self.fail("apply did not converge: %s\n%s" % (out, err))

    def test_sigkill_at_ten_points_rerun_from_a_fresh_directory(self):
        started = time.time()
        sim = SimWithS3("--seed", "17", "--pending-ms", "20", "--buckets", "off")
        s3 = SimS3(sim)
        try:
            self.fresh(sim, s3)
            d = seed_dir()
            vpce(sim, d, "init", check=0)
            sim.post("/_sim/counts/reset", {})
            vpce(sim, d, "apply", "-auto-approve", "-no-color", check=0)
            counts = sim.get("/_sim/counts")
            total = counts["total"]
            self.check_world(sim, d)
            ks = sorted({max(1, round(total * i / (POINTS + 1))) for i in range(1, POINTS + 1)})
            self.assertEqual(len(ks), POINTS)
            report = []
            for k in ks:
                self.fresh(sim, s3)
                d = seed_dir()
                vpce(sim, d, "init", check=0)
                sim.post("/_sim/counts/reset", {})
                returncode, seen = test_apply_crash.apply_killed_at(sim, d, k)
                self.assertEqual(returncode, -signal.SIGKILL,
                                 "k=%d: the apply ended before its k-th request" % k)
                time.sleep(0.2)  # requests in flight still land
                sim.post("/_sim/faults", {"latency_ms": 0})
                d2, notes, unlocked = self.rerun_elsewhere(sim, d)
                adopted = [n for n in notes if ": adopted " in n]
                report.append("k=%d (killed at %d): lock left %s, %d journal entries, %d adopted"
                              % (k, seen, "yes" if unlocked else "no", len(notes), len(adopted)))
                self.check_world(sim, d2)
                self.assertNotIn(KEY + ".tflock", s3.objects(BUCKET))
                vpce(sim, d2, "plan", "-detailed-exitcode", "-no-color", check=0)
            sys.stderr.write("\nrequests of an uninterrupted apply (EC2 + S3): %d, S3 PUTs %d\n"
                             % (total, counts["actions"].get("s3:PutObject", 0)))
            sys.stderr.write("\n".join(report) + "\n%.1f s\n" % (time.time() - started))
        finally:
            sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
