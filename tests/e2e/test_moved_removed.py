"""End to end: moved blocks rename objects in the state without touching them (the simulator
keeps the same objects, no create or delete is sent), and removed blocks with destroy = false
take objects out of the state while they stay in EC2."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

BEFORE = """
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.5.0.0/16"
}

resource "aws_subnet" "a" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.5.0.0/16", 8, count.index)
}
"""

MOVED = """
provider "aws" {}

resource "aws_vpc" "primary" {
  cidr_block = "10.5.0.0/16"
}

moved {
  from = aws_vpc.main
  to   = aws_vpc.primary
}

resource "aws_subnet" "a" {
  for_each   = { x = 0, y = 1 }
  vpc_id     = aws_vpc.primary.id
  cidr_block = cidrsubnet("10.5.0.0/16", 8, each.value)
}

moved {
  from = aws_subnet.a[0]
  to   = aws_subnet.a["x"]
}

moved {
  from = aws_subnet.a[1]
  to   = aws_subnet.a["y"]
}
"""

REMOVED = """
provider "aws" {}

resource "aws_vpc" "primary" {
  cidr_block = "10.5.0.0/16"
}

removed {
  from = aws_subnet.a

  lifecycle {
    destroy = false
  }
}
"""


class MovedRemoved(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir({"main.vpce": BEFORE})

    def tearDown(self):
        self.sim.stop()

    def write(self, text):
        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(text)

    def state_list(self):
        _, out, _ = vpce(self.sim, self.dir, "state", "list", check=0)
        return sorted(out.split())

    def test_moves_then_forget(self):
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        world = self.sim.world()
        vpcs = {v["VpcId"] for v in live(world["vpcs"]) if v["CidrBlock"] == "10.5.0.0/16"}
        subnets = {s["SubnetId"] for s in live(world["subnets"])}
        self.assertEqual(len(vpcs), 1)

        self.write(MOVED)
        code, out, _ = vpce(self.sim, self.dir, "plan", "-detailed-exitcode")
        self.assertEqual(code, 2, out)  # moves are changes to apply
        self.assertIn("# aws_vpc.main has moved to aws_vpc.primary", out)
        self.assertIn('# aws_subnet.a[0] has moved to aws_subnet.a["x"]', out)
        self.assertIn("Plan: 0 to add, 0 to change, 0 to destroy.", out)
        self.sim.post("/_sim/counts/reset", {})
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        counts = self.sim.get("/_sim/counts")["actions"]
        for action in ("CreateVpc", "DeleteVpc", "CreateSubnet", "DeleteSubnet"):
            self.assertNotIn(action, counts)
        self.assertEqual(self.state_list(),
                         ['aws_subnet.a["x"]', 'aws_subnet.a["y"]', "aws_vpc.primary"])
        world = self.sim.world()
        self.assertEqual({v["VpcId"] for v in live(world["vpcs"])
                          if v["CidrBlock"] == "10.5.0.0/16"}, vpcs)
        self.assertEqual({s["SubnetId"] for s in live(world["subnets"])}, subnets)
        # recorded: the next plan has nothing to do, moved blocks or not
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)

        self.write(REMOVED)
        _, out, err = vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=2)
        self.assertIn('# aws_subnet.a["x"] will no longer be managed by vpce, but will not be '
                      'destroyed', out)
        self.assertIn("some objects will no longer be managed by vpce", err)
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertEqual(self.state_list(), ["aws_vpc.primary"])
        # the subnets are still there
        self.assertEqual({s["SubnetId"] for s in live(self.sim.world()["subnets"])}, subnets)


if __name__ == "__main__":
    unittest.main()
