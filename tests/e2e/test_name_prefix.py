"""End to end: a security group with name_prefix gets prefix + the current UTC time + a counter,
as the Terraform AWS provider names it, so that names never repeat across runs."""
import datetime
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, vpce, workdir  # noqa: E402

CONFIG = """
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.7.0.0/16"
}

resource "aws_security_group" "web" {
  name_prefix = "web-"
  vpc_id      = aws_vpc.main.id
}
"""


class NamePrefix(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir({"main.vpce": CONFIG})

    def tearDown(self):
        self.sim.stop()

    def test_generated_name_carries_the_current_utc_time(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        after = datetime.datetime.now(datetime.timezone.utc)
        _, out, _ = vpce(self.sim, self.dir, "state", "show", "aws_security_group.web", check=0)
        m = re.search(r'^\s*name\s*=\s*"web-(\d{14})(\d{3})[0-9a-f]{8}"', out, re.M)
        self.assertIsNotNone(m, out)
        stamp = datetime.datetime.strptime(m.group(1), "%Y%m%d%H%M%S").replace(
            tzinfo=datetime.timezone.utc)
        self.assertTrue(before - datetime.timedelta(seconds=1) <= stamp <= after, m.group(0))
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)


if __name__ == "__main__":
    unittest.main()
