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


# The VPC and subnets move into a module; a module called with for_each renames its security
# group with its own moved block, in every instance.
ZONE_BEFORE = """
variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

resource "aws_security_group" "sg" {
  name   = "zone-${var.name}"
  vpc_id = var.vpc_id
}
"""

ZONE_AFTER = ZONE_BEFORE.replace('"sg"', '"this"') + """
moved {
  from = aws_security_group.sg
  to   = aws_security_group.this
}
"""

NET = """
resource "aws_vpc" "this" {
  cidr_block = "10.5.0.0/16"
}

resource "aws_subnet" "this" {
  count      = 2
  vpc_id     = aws_vpc.this.id
  cidr_block = cidrsubnet("10.5.0.0/16", 8, count.index)
}

output "vpc_id" {
  value = aws_vpc.this.id
}
"""

ZONES = """
module "zone" {
  source   = "./zone"
  for_each = toset(["a", "b"])
  name     = each.key
  vpc_id   = %s
}
"""

INTO_MODULES = """
provider "aws" {}

module "net" {
  source = "./net"
}

moved {
  from = aws_vpc.main
  to   = module.net.aws_vpc.this
}

moved {
  from = aws_subnet.a
  to   = module.net.aws_subnet.this
}
""" + ZONES % "module.net.vpc_id"


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

    def test_moves_into_modules_and_within_module_instances(self):
        os.makedirs(os.path.join(self.dir, "zone"))
        os.makedirs(os.path.join(self.dir, "net"))
        with open(os.path.join(self.dir, "zone", "main.vpce"), "w") as f:
            f.write(ZONE_BEFORE)
        with open(os.path.join(self.dir, "net", "main.vpce"), "w") as f:
            f.write(NET)
        self.write(BEFORE + ZONES % "aws_vpc.main.id")
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        before = self.state_list()
        self.assertIn('module.zone["b"].aws_security_group.sg', before)
        world = self.sim.world()
        ids = ({v["VpcId"] for v in live(world["vpcs"])},
               {s["SubnetId"] for s in live(world["subnets"])},
               {g["GroupId"] for g in live(world["security_groups"])})

        with open(os.path.join(self.dir, "zone", "main.vpce"), "w") as f:
            f.write(ZONE_AFTER)
        self.write(INTO_MODULES)
        _, out, _ = vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=2)
        self.assertIn("# aws_vpc.main has moved to module.net.aws_vpc.this", out)
        self.assertIn("# aws_subnet.a[1] has moved to module.net.aws_subnet.this[1]", out)
        self.assertIn('# module.zone["a"].aws_security_group.sg has moved to '
                      'module.zone["a"].aws_security_group.this', out)
        self.assertIn("Plan: 0 to add, 0 to change, 0 to destroy.", out)
        self.sim.post("/_sim/counts/reset", {})
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        counts = self.sim.get("/_sim/counts")["actions"]
        for action in counts:
            self.assertFalse(action.startswith(("Create", "Delete")), counts)
        self.assertEqual(self.state_list(), sorted([
            "module.net.aws_subnet.this[0]", "module.net.aws_subnet.this[1]",
            "module.net.aws_vpc.this", 'module.zone["a"].aws_security_group.this',
            'module.zone["b"].aws_security_group.this']))
        world = self.sim.world()
        self.assertEqual(({v["VpcId"] for v in live(world["vpcs"])},
                          {s["SubnetId"] for s in live(world["subnets"])},
                          {g["GroupId"] for g in live(world["security_groups"])}), ids)
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)


if __name__ == "__main__":
    unittest.main()
