"""End to end: apply, plan again, update in place, drift, lock and destroy against ec2sim, with
a configuration of the resource types whose operations exist (VPC, subnets, route table and
associations, a gateway and an interface endpoint)."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

POLICY = """jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = ["s3:GetObject"], Resource = "*" }]
  })"""

CONFIG = """
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "e2e" }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "private" {
  count          = 2
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy            = POLICY
}

resource "aws_vpc_endpoint" "ssm" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.ssm"
  vpc_endpoint_type = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  private_dns_enabled = false
}

output "s3_id" {
  value = aws_vpc_endpoint.s3.id
}
"""


def config(policy_action="s3:GetObject"):
    return CONFIG.replace("POLICY", POLICY.replace("s3:GetObject", policy_action))


class ApplyBasic(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir({"main.vpce": config()})

    def tearDown(self):
        self.sim.stop()

    def apply(self, *args, check=0):
        return vpce(self.sim, self.dir, "apply", "-auto-approve", *args, check=check)

    def test_lifecycle(self):
        _, out, err = self.apply()
        self.assertIn("Apply complete! Resources: 8 added, 0 changed, 0 destroyed.", out)
        self.assertIn("aws_vpc.main: Creation complete after", err)
        self.assertIn("Outputs:", out)
        w = self.sim.world()
        self.assertEqual(len(w["vpcs"]), 1)
        self.assertEqual(len(w["subnets"]), 2)
        eps = live(w["vpc_endpoints"])
        self.assertEqual(len(eps), 2)
        ssm = [e for e in eps if e["ServiceName"].endswith(".ssm")][0]
        self.assertEqual(len(live(w["network_interfaces"], "Status")), 2)
        self.assertEqual(len(ssm.get("NetworkInterfaceIds", [])), 2)
        s3 = [e for e in eps if e["ServiceName"].endswith(".s3")][0]
        self.assertEqual(json.loads(s3["PolicyDocument"])["Statement"][0]["Action"],
                         ["s3:GetObject"])
        rt = [r for r in w["route_tables"] if s3["VpcEndpointId"] in
              [x.get("GatewayId") for x in r.get("Routes", [])]]
        self.assertEqual(len(rt), 1)
        _, out, _ = vpce(self.sim, self.dir, "state", "list", check=0)
        self.assertEqual(len(out.split()), 8)

        # nothing left to do
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)

        # an edited policy: exactly one update in place
        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(config("s3:PutObject"))
        _, out, _ = vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=2)
        self.assertIn("0 to add, 1 to change, 0 to destroy", out)
        _, out, _ = self.apply()
        self.assertIn("Resources: 0 added, 1 changed, 0 destroyed.", out)
        s3 = [e for e in self.sim.world()["vpc_endpoints"] if e["ServiceName"].endswith(".s3")][0]
        self.assertEqual(json.loads(s3["PolicyDocument"])["Statement"][0]["Action"],
                         ["s3:PutObject"])
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)

        # drift behind vpce's back shows in the next plan
        self.sim.post("/_sim/mutate", {"op": "delete", "id": ssm["VpcEndpointId"]})
        _, out, _ = vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=2)
        self.assertIn("aws_vpc_endpoint.ssm will be created", out)
        self.apply()
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)

        # a second apply while one runs is refused and changes nothing
        self.sim.post("/_sim/faults", {"latency_ms": 400})
        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(config("s3:ListBucket"))
        first = subprocess.Popen(["vpce" if not os.environ.get("VPCE_BINARY") else
                                  os.environ["VPCE_BINARY"], "apply", "-auto-approve"],
                                 cwd=self.dir, env=self.sim.env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        rc, _, err = self.apply(check=None)
        self.assertEqual(rc, 1)
        self.assertIn("locked", err)
        out, err = first.communicate(timeout=300)
        self.assertEqual(first.returncode, 0, err)
        self.assertIn("0 added, 1 changed, 0 destroyed", out)
        self.sim.post("/_sim/faults", {"latency_ms": 0})

        # destroy leaves nothing behind
        _, out, _ = vpce(self.sim, self.dir, "destroy", "-auto-approve", check=0)
        self.assertIn("8 destroyed", out)
        w = self.sim.world()
        self.assertEqual(w["vpcs"], [])
        self.assertEqual(w["subnets"], [])
        self.assertEqual(live(w["vpc_endpoints"]), [])
        self.assertEqual([r for r in w["route_tables"] if not r.get("Associations") or
                          not any(a.get("Main") for a in r["Associations"])], [])

    def test_no_terminal_needs_auto_approve(self):
        rc, _, err = vpce(self.sim, self.dir, "apply")
        self.assertEqual(rc, 1)
        self.assertIn("-auto-approve", err)
        self.assertEqual(self.sim.world()["vpcs"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
