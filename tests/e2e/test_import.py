"""End to end: bringing an existing VPC back under management with `vpce import ADDR ID` and with
an `import` block, and importing an id that does not exist."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, vpce, workdir  # noqa: E402

CONFIG = """
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block           = "10.1.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "imported", Team = "net" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = "us-east-1a"
}
"""

MISSING = "vpc-0123456789abcdef0"


def import_block(vpc_id):
    return 'import {\n  to = aws_vpc.main\n  id = "%s"\n}\n' % vpc_id


def mutating(actions):
    return {k: v for k, v in actions.items() if not k.startswith("Describe")}


class Import(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir({"main.vpce": CONFIG})

    def tearDown(self):
        self.sim.stop()

    def run_vpce(self, *args, check=0):
        return vpce(self.sim, self.dir, *args, check=check)

    def listed(self):
        return self.run_vpce("state", "list")[1].split()

    def forget_vpc(self):
        _, out, _ = self.run_vpce("state", "rm", "aws_vpc.main")
        self.assertNotIn("aws_vpc.main", self.listed())
        # without it in the state, the plan would make a second VPC
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertIn("# aws_vpc.main will be created", out)

    def apply_vpc(self):
        self.run_vpce("apply", "-auto-approve")
        vpcs = self.sim.world()["vpcs"]
        self.assertEqual(len(vpcs), 1)
        return vpcs[0]["VpcId"]

    def test_import_command(self):
        vpc_id = self.apply_vpc()
        self.forget_vpc()
        self.sim.post("/_sim/counts/reset", {})
        _, out, err = self.run_vpce("import", "aws_vpc.main", vpc_id)
        self.assertIn("Import successful!", out)
        self.assertEqual(mutating(self.sim.get("/_sim/counts")["actions"]), {})
        self.assertEqual(sorted(self.listed()), ["aws_subnet.a", "aws_vpc.main"])
        _, shown, _ = self.run_vpce("state", "show", "aws_vpc.main")
        self.assertIn('id                               = "%s"' % vpc_id, shown)
        self.assertRegex(shown, r'cidr_block +=.*"10\.1\.0\.0/16"')
        self.assertRegex(shown, r'"Team" = "net"')
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # importing over a managed address is refused
        rc, _, err = self.run_vpce("import", "aws_vpc.main", vpc_id, check=1)
        self.assertIn("already managed", err)

        # an id that does not exist: EC2's NotFound code, exit 1, nothing recorded
        self.run_vpce("state", "rm", "aws_vpc.main")
        _, _, err = self.run_vpce("import", "aws_vpc.main", MISSING, check=1)
        self.assertIn("InvalidVpcID.NotFound", err)
        self.assertIn(MISSING, err)
        self.assertNotIn("aws_vpc.main", self.listed())
        self.assertEqual(len(self.sim.world()["vpcs"]), 1)

    def test_import_block(self):
        vpc_id = self.apply_vpc()
        self.forget_vpc()
        with open(os.path.join(self.dir, "import.vpce"), "w") as f:
            f.write(import_block(vpc_id))

        # the plan imports instead of creating, and writes nothing
        self.sim.post("/_sim/counts/reset", {})
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertNotIn("will be created", out)
        self.assertNotIn("must be replaced", out)
        self.assertRegex(out, r"aws_vpc\.main \(id %s\)" % vpc_id)
        self.assertNotIn("aws_vpc.main", self.listed())
        # an apply that is not approved imports nothing
        rc, _, err = self.run_vpce("apply", check=1)
        self.assertIn("-auto-approve", err)
        self.assertNotIn("aws_vpc.main", self.listed())

        _, out, err = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed.",
                      out)
        self.assertIn("aws_vpc.main: Import complete [id=%s]" % vpc_id, err)
        self.assertEqual(mutating(self.sim.get("/_sim/counts")["actions"]), {})
        self.assertEqual(sorted(self.listed()), ["aws_subnet.a", "aws_vpc.main"])
        self.assertEqual(len(self.sim.world()["vpcs"]), 1)
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=0)
        self.assertNotIn("Import:", out)
        # the block is done once the address is managed: a second apply changes nothing
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 0 added, 0 changed, 0 destroyed.", out)

        # an import block naming an id that does not exist fails the plan and the apply
        self.run_vpce("state", "rm", "aws_vpc.main")
        with open(os.path.join(self.dir, "import.vpce"), "w") as f:
            f.write(import_block(MISSING))
        self.sim.post("/_sim/counts/reset", {})
        _, _, err = self.run_vpce("plan", check=1)
        self.assertIn("InvalidVpcID.NotFound", err)
        _, _, err = self.run_vpce("apply", "-auto-approve", check=1)
        self.assertIn("InvalidVpcID.NotFound", err)
        self.assertEqual(mutating(self.sim.get("/_sim/counts")["actions"]), {})
        self.assertNotIn("aws_vpc.main", self.listed())
        self.assertEqual(len(self.sim.world()["vpcs"]), 1)
        self.assertIsNone(re.search(r"Apply complete", err))


if __name__ == "__main__":
    unittest.main(verbosity=2)
