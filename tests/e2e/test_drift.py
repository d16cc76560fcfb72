"""End to end: changes made behind vpce's back after the seed is applied (an endpoint deleted, a
VPC tag changed): plan reports them and plans them back, -refresh-only records them without
touching the infrastructure, and a normal apply restores everything."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

NOTE = "Objects have changed outside of vpce"


def drift_section(out):
    """The text of the drift note (up to the separator before the plan), or ''."""
    start = out.find(NOTE)
    if start < 0:
        return ""
    end = out.find("\u2500\u2500\u2500", start)
    return out[start:] if end < 0 else out[start:end]


def mutating(actions):
    return {k: v for k, v in actions.items() if not k.startswith("Describe")}


class Drift(unittest.TestCase):
    def setUp(self):
        self.sim = Sim("--pending-ms", "50", "--time-scale", "10")
        self.dir = workdir(seed=True)

    def tearDown(self):
        self.sim.stop()

    def run_vpce(self, *args, check=0):
        return vpce(self.sim, self.dir, *args, check=check)

    def world_ids(self):
        w = self.sim.world()
        by_addr = {}
        for obj_id, tags in w["tags"].items():
            if "vpce:address" in tags:
                by_addr[tags["vpce:address"]] = obj_id
        return w, by_addr

    def test_drift(self):
        self.run_vpce("apply", "-auto-approve")
        # vpce's own changes (the aws_route in the public table, the association's route in the
        # private one) are not drift
        _, out, _ = self.run_vpce("plan", "-refresh-only", "-detailed-exitcode", check=0)
        self.assertNotIn(NOTE, out)
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        w, ids = self.world_ids()
        vpc_id, s3_id = ids["aws_vpc.main"], ids["aws_vpc_endpoint.s3"]
        self.sim.post("/_sim/mutate", {"op": "delete", "id": s3_id})
        self.sim.post("/_sim/mutate", {"op": "tag", "id": vpc_id, "key": "Name",
                                       "value": "renamed-outside"})

        # a normal plan: the note names both, the plan undoes both
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        note = drift_section(out)
        self.assertTrue(note, out)
        self.assertIn("# aws_vpc_endpoint.s3 has been deleted", note)
        self.assertIn("# aws_vpc.main has changed", note)
        self.assertRegex(note, r'"Name" = "seed-vpc" -> "renamed-outside"')
        self.assertEqual(len(re.findall(r"^  # ", note, re.M)), 2, note)
        plan = out[out.find(NOTE) + len(note):]
        self.assertIn("# aws_vpc_endpoint.s3 will be created", plan)
        self.assertIn("# aws_vpc.main will be updated in-place", plan)
        self.assertRegex(plan, r'"Name" = "renamed-outside" -> "seed-vpc"')
        self.assertIn("Plan: 1 to add, 1 to change, 0 to destroy.", plan)

        # a refresh-only plan shows the drift and plans nothing
        self.sim.post("/_sim/counts/reset", {})
        _, out, _ = self.run_vpce("plan", "-refresh-only")
        self.assertIn("# aws_vpc_endpoint.s3 has been deleted", drift_section(out))
        self.assertIn("# aws_vpc.main has changed", drift_section(out))
        self.assertIn("refresh-only plan", out)
        self.assertNotIn("will be created", out)
        self.assertNotIn("will be updated", out)
        self.assertNotIn("Plan:", out)

        # a refresh-only apply records the drift in the state and changes nothing
        _, out, _ = self.run_vpce("apply", "-refresh-only", "-auto-approve")
        self.assertIn("0 added, 0 changed, 0 destroyed", out)
        self.assertEqual(mutating(self.sim.get("/_sim/counts")["actions"]), {})
        _, listed, _ = self.run_vpce("state", "list")
        listed = listed.split()
        self.assertEqual(len(listed), 17)
        self.assertNotIn("aws_vpc_endpoint.s3", listed)
        self.assertIn("aws_vpc_endpoint.dynamodb", listed)
        _, shown, _ = self.run_vpce("state", "show", "aws_vpc.main")
        self.assertRegex(shown, r'"Name" = "renamed-outside"')
        w = self.sim.world()
        self.assertEqual(w["tags"][vpc_id]["Name"], "renamed-outside")
        self.assertNotIn(s3_id, [e["VpcEndpointId"] for e in live(w["vpc_endpoints"])])
        # the drift is in the state now: the next plan has no note, only the changes
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertNotIn(NOTE, out)
        self.assertIn("Plan: 1 to add, 1 to change, 0 to destroy.", out)

        # a normal apply restores both
        self.sim.post("/_sim/counts/reset", {})
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 1 added, 1 changed, 0 destroyed.", out)
        c = self.sim.get("/_sim/counts")["actions"]
        self.assertEqual(c.get("CreateVpcEndpoint"), 1, c)
        w, ids = self.world_ids()
        self.assertEqual(w["tags"][vpc_id]["Name"], "seed-vpc")
        new_s3 = ids["aws_vpc_endpoint.s3"]
        self.assertNotEqual(new_s3, s3_id)
        private = [r for r in w["route_tables"]
                   if r["RouteTableId"] == ids["aws_route_table.private"]][0]
        self.assertIn(("pl-63a5400a", new_s3), [(r.get("DestinationPrefixListId"),
                                                r.get("GatewayId")) for r in private["Routes"]])
        self.run_vpce("plan", "-detailed-exitcode", check=0)
        _, out, _ = self.run_vpce("plan", "-refresh-only", "-detailed-exitcode", check=0)
        self.assertNotIn(NOTE, out)
        _, listed, _ = self.run_vpce("state", "list")
        self.assertEqual(len(listed.split()), 18)


if __name__ == "__main__":
    unittest.main(verbosity=2)
