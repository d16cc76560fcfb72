"""End to end: the AWS provider v6 per-resource `region` argument. Objects whose region is not
the provider's are made, read, updated and deleted through a client of their own region (the
simulator keeps one world per region and picks it by the region a request is signed for), the
way terraform-aws-modules/vpc's vpc-endpoints module uses it on aws_vpc_endpoint,
aws_security_group and aws_security_group_rule."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

CONFIG = """
provider "aws" {
  region = "us-east-1"
}

variable "west" {
  default = "us-west-2"
}

resource "aws_vpc" "home" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_vpc" "west" {
  region     = var.west
  cidr_block = "10.2.0.0/16"
}

resource "aws_subnet" "west" {
  region            = var.west
  vpc_id            = aws_vpc.west.id
  cidr_block        = "10.2.1.0/24"
  availability_zone = "us-west-2a"
}

resource "aws_security_group" "endpoints" {
  region      = var.west
  name_prefix = "endpoints-"
  vpc_id      = aws_vpc.west.id
}

resource "aws_security_group_rule" "https" {
  region            = var.west
  type              = "ingress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["10.2.0.0/16"]
  security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_endpoint" "ssm" {
  region              = var.west
  vpc_id              = aws_vpc.west.id
  service_name        = "com.amazonaws.us-west-2.ssm"
  service_region      = "us-west-2"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.west.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = false
}

data "aws_vpc" "west" {
  region = var.west
  id     = aws_vpc.west.id
}

output "west_vpc_cidr" {
  value = data.aws_vpc.west.cidr_block
}
"""


class Region(unittest.TestCase):
    def setUp(self):
        self.sim = Sim("--extra-region", "us-west-2")
        self.dir = workdir({"main.vpce": CONFIG})

    def tearDown(self):
        self.sim.stop()

    def world(self, region):
        return self.sim.get("/_sim/world?region=" + region)

    def test_objects_live_in_their_own_region(self):
        _, out, _ = vpce(self.sim, self.dir, "plan", check=0)
        # the region is known when planning: the provider's, or the argument
        self.assertRegex(out, r'# aws_vpc.home will be created\n[^#]*\+ region\s+= "us-east-1"')
        self.assertRegex(out, r'# aws_vpc_endpoint.ssm will be created\n[^#]*\+ region\s+= "us-west-2"')

        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        east, west = self.world("us-east-1"), self.world("us-west-2")
        east_cidrs = {v["CidrBlock"] for v in live(east["vpcs"])}
        west_cidrs = {v["CidrBlock"] for v in live(west["vpcs"])}
        self.assertIn("10.1.0.0/16", east_cidrs)
        self.assertNotIn("10.2.0.0/16", east_cidrs)
        self.assertIn("10.2.0.0/16", west_cidrs)
        self.assertNotIn("10.1.0.0/16", west_cidrs)
        # the endpoint, its security group (with the rule) and the subnet are in us-west-2 only
        self.assertEqual(len(live(west["vpc_endpoints"])), 1)
        self.assertEqual(live(west["vpc_endpoints"])[0]["ServiceName"],
                         "com.amazonaws.us-west-2.ssm")
        self.assertEqual(len(live(east["vpc_endpoints"])), 0)
        sgs = [g for g in west["security_groups"] if g["GroupName"].startswith("endpoints-")]
        self.assertEqual(len(sgs), 1)
        self.assertTrue(any(r.get("FromPort") == 443 for r in sgs[0]["Rules"]), sgs[0])
        self.assertFalse(any(g["GroupName"].startswith("endpoints-")
                             for g in east["security_groups"]))

        _, out, _ = vpce(self.sim, self.dir, "state", "show", "aws_vpc_endpoint.ssm", check=0)
        self.assertRegex(out, r'region\s+= "us-west-2"')
        self.assertRegex(out, r'arn\s+= "arn:aws:ec2:us-west-2:')
        _, out, _ = vpce(self.sim, self.dir, "state", "show", "aws_vpc.home", check=0)
        self.assertRegex(out, r'region\s+= "us-east-1"')
        _, out, _ = vpce(self.sim, self.dir, "output", "west_vpc_cidr", check=0)
        self.assertIn("10.2.0.0/16", out)

        # refreshed through the us-west-2 client: nothing changed, nothing to do
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)

        # another region is another object: a replacement
        with open(os.path.join(self.dir, "main.vpce")) as f:
            text = f.read()
        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(text.replace('''resource "aws_vpc" "home" {
  cidr_block''', '''resource "aws_vpc" "home" {
  region     = "us-west-2"
  cidr_block'''))
        _, out, _ = vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=2)
        self.assertIn("# aws_vpc.home must be replaced", out)
        self.assertRegex(out, r'~ region\s+= "us-east-1" -> "us-west-2" # forces replacement')
        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(text)

        vpce(self.sim, self.dir, "destroy", "-auto-approve", check=0)
        west = self.world("us-west-2")
        self.assertEqual(live(west["vpc_endpoints"]), [])
        self.assertNotIn("10.2.0.0/16", {v["CidrBlock"] for v in live(west["vpcs"])})

    def test_invalid_region_is_an_error(self):
        d = workdir({"main.vpce": 'provider "aws" {}\nresource "aws_vpc" "x" {\n'
                                  '  region     = "Not A Region"\n  cidr_block = "10.0.0.0/16"\n}\n'})
        code, _, err = vpce(self.sim, d, "plan")
        self.assertEqual(code, 1)
        self.assertIn('invalid region "Not A Region"', err)


if __name__ == "__main__":
    unittest.main()
