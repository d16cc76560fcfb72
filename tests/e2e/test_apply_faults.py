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
            rc = 1
            for _ in range(3):  # a run may give up on one object; the next finishes the job
                rc, out, err = vpce(sim, d, "apply", "-auto-approve")
                if rc == 0:
                    break
            self.assertEqual(rc, 0, err)
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
