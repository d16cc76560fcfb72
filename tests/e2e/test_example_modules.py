"""End to end: examples/modules (two environments, each a call of a network module that calls an
endpoints module) applies against the simulator, passes the reachability check, plans empty
afterwards and destroys everything it made."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE, Sim, live, vpce  # noqa: E402


class ExampleModules(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = os.path.join(tempfile.mkdtemp(prefix="vpce-e2e-"), "modules")
        shutil.copytree(os.path.join(SOURCE, "examples", "modules"), self.dir)

    def tearDown(self):
        self.sim.stop()

    def test_apply_check_plan_destroy(self):
        _, out, _ = vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 25 added, 0 changed, 0 destroyed.", out)
        world = self.sim.world()
        endpoints = live(world["vpc_endpoints"])
        # prod: s3 and 4 interface endpoints; staging: s3 and 3
        self.assertEqual(len(endpoints), 9)
        _, listed, _ = vpce(self.sim, self.dir, "state", "list", check=0)
        self.assertIn('module.network["prod"].module.endpoints.aws_vpc_endpoint.interface["logs"]',
                      listed.split())
        self.assertIn('aws_security_group.workloads["staging"]', listed.split())
        # the policy the aws_iam_policy_document made allows only the listed buckets
        s3 = [e for e in endpoints if e["ServiceName"].endswith(".s3")
              and "staging-artifacts" in e.get("PolicyDocument", "")]
        self.assertEqual(len(s3), 1)
        self.assertIn("arn:aws:s3:::shared-tools/*", s3[0]["PolicyDocument"])
        _, out, err = vpce(self.sim, self.dir, "check", check=0)
        self.assertIn("No findings: 9 endpoints checked.", out + err)
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)
        _, out, _ = vpce(self.sim, self.dir, "output", "-json", "endpoint_ids", check=0)
        self.assertIn('"logs"', out)
        _, out, _ = vpce(self.sim, self.dir, "destroy", "-auto-approve", check=0)
        self.assertIn("Resources: 0 added, 0 changed, 25 destroyed.", out)
        self.assertEqual(live(self.sim.world()["vpc_endpoints"]), [])


if __name__ == "__main__":
    unittest.main()
