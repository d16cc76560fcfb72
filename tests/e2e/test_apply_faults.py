"""End to end: apply converges through throttling, 5xx answers and dropped connections, with
no duplicated objects, and the next plan is clean."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402
from test_apply_basic import config  # noqa: E402


class ApplyFaults(unittest.TestCase):
    def test_converges_without_duplicates(self):
        sim = Sim("--seed", "7")
        try:
            d = workdir({"main.vpce": config()})
            sim.post("/_sim/faults", {"throttle_prob": 0.3, "error_prob": 0.05, "drop_prob": 0.02})
            # One run: throttling and transient failures are waited out, never given up on.
            rc, out, err = vpce(sim, d, "apply", "-auto-approve", check=0)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("gave up", err)
            sim.post("/_sim/faults", {"throttle_prob": 0, "error_prob": 0, "drop_prob": 0})
            w = sim.world()
            self.assertEqual(len(w["vpcs"]), 1)
            self.assertEqual(len(w["subnets"]), 2)
            self.assertEqual(len(live(w["vpc_endpoints"])), 2)
            self.assertEqual(len(w["route_tables"]), 2)  # the main one and ours
            vpce(sim, d, "plan", "-detailed-exitcode", check=0)
            counts = sim.get("/_sim/counts")
            self.assertGreater(sum(counts["errors"].values()), 0)
        finally:
            sim.stop()

    def test_seed_converges_in_one_run_with_half_throttled(self):
        # examples/seed (18 resources) with half of every action's requests throttled: the first
        # apply converges (it gave up after 5 attempts before), and the next plan is clean.
        sim = Sim("--seed", "11", "--pending-ms", "20", "--time-scale", "10")
        try:
            d = workdir(seed=True)
            sim.post("/_sim/faults", {"throttle_prob": 0.5})
            rc, out, err = vpce(sim, d, "apply", "-auto-approve", "-no-color", check=0)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("gave up", err)
            self.assertIn("18 added", out)
            counts = sim.get("/_sim/counts")
            self.assertGreater(counts["errors"].get("RequestLimitExceeded", 0), 10)
            sim.post("/_sim/faults", {"throttle_prob": 0})
            rc, out, err = vpce(sim, d, "plan", "-detailed-exitcode", "-no-color", check=0)
            self.assertEqual(rc, 0, out + err)
        finally:
            sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
