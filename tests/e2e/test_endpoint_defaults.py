"""End to end: an interface endpoint without private_dns_enabled is created with it false, as the
Terraform AWS provider documents, so it works in a VPC without DNS hostnames."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, vpce, workdir  # noqa: E402

CONFIG = """
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.8.0.0/16"
}

resource "aws_vpc_endpoint" "ssm" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.ssm"
  vpc_endpoint_type = "Interface"
}
"""


class EndpointDefaults(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir({"main.vpce": CONFIG})

    def tearDown(self):
        self.sim.stop()

    def test_private_dns_defaults_to_false(self):
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        _, out, _ = vpce(self.sim, self.dir, "state", "show", "aws_vpc_endpoint.ssm", check=0)
        self.assertRegex(out, re.compile(r"^\s*private_dns_enabled\s*=\s*false$", re.M))
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)


if __name__ == "__main__":
    unittest.main()
