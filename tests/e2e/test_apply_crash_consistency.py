"""End to end: crash safety of apply under EC2's eventual consistency. The simulator hides every
new object from Describe* calls for 3 s (consistency_delay_ms), during the killed run and during
the recovery run. `vpce apply` of examples/seed is killed with SIGKILL while the simulator handles
the first request of a given create (CreateVpc, CreateSubnet: no ClientToken; CreateRouteTable:
ClientToken; AssociateRouteTable: untagged, found from the planned values), so that request still
makes its object but the answer is lost, and the next apply starts while the object cannot be
seen yet. Recovery must neither miss it (a duplicate) nor leave it behind (an orphan): the world
then holds exactly the configured objects and the plan is clean."""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_apply_crash as base  # noqa: E402
from e2e_support import BINARY, Sim, vpce  # noqa: E402

DELAY_MS = 3000
KILL_AT = ["CreateVpc", "CreateSubnet", "CreateRouteTable", "AssociateRouteTable"]


def fresh(sim):
    sim.post("/_sim/reset", {})
    sim.post("/_sim/counts/reset", {})
    sim.post("/_sim/faults", {"latency_ms": base.LATENCY_MS, "consistency_delay_ms": DELAY_MS})


class ApplyCrashConsistency(unittest.TestCase):
    check_world = base.ApplyCrash.check_world
    apply_until_done = base.ApplyCrash.apply_until_done

    def test_sigkill_while_objects_are_not_visible(self):
        started = time.time()
        sim = Sim("--seed", "13", "--pending-ms", "20", "--buckets", "off")
        report = []
        try:
            for action in KILL_AT:
                fresh(sim)
                d = base.seed_dir()
                p = subprocess.Popen([BINARY, "apply", "-auto-approve", "-no-color"], cwd=d,
                                     env=sim.env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                while p.poll() is None:
                    if sim.get("/_sim/counts")["actions"].get(action, 0) >= 1:
                        p.send_signal(signal.SIGKILL)
                        break
                    time.sleep(0.005)
                p.wait()
                self.assertEqual(p.returncode, -signal.SIGKILL,
                                 "%s: the apply ended before sending it" % action)
                # The recovery run starts at once, while what the killed run made is hidden.
                t0 = time.time()
                notes = self.apply_until_done(sim, d)
                report.append("%s: %s (%.1f s)" % (action, "; ".join(notes), time.time() - t0))
                # The object the lost request made is in the state, not only in EC2.
                self.assertTrue(any(": adopted " in n for n in notes),
                                "%s: nothing adopted: %s" % (action, notes))
                self.check_world(sim, d)
                # Refresh reads objects made in the last seconds too.
                time.sleep(DELAY_MS / 1000.0)
                vpce(sim, d, "plan", "-detailed-exitcode", "-no-color", check=0)
            sys.stderr.write("\n" + "\n".join(report) + "\n")
            sys.stderr.write("%.1f s\n" % (time.time() - started))
        finally:
            sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
