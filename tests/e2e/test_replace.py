"""End to end: replacements of every type that can force one, with dependents present, and a
for_each instance deleted while an endpoint stops using it, against ec2sim (which refuses to
delete an object still in use with DependencyViolation, as EC2 does). Each apply must finish,
never meet a DependencyViolation (what uses an object goes first), and converge: the next plan
is empty."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

# vpce's own request pacing (0.3 endpoint writes per second, as AWS meters them) would dominate
# the run; the simulator's buckets are off too.
PROVIDER_FAST = '''provider "aws" {
  region = var.region
  rate_limits {
    endpoint_capacity = 1000
    endpoint_refill   = 1000
  }
}'''

# An apply that hangs on a delete gives up long before this (liveness bound, not timing).
APPLY_TIMEOUT = 400


def edit(path, old, new, count=1):
    with open(path) as f:
        text = f.read()
    if text.count(old) != count:
        raise AssertionError("%r occurs %d times in %s" % (old, text.count(old), path))
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def tag(world, obj_id, key="vpce:address"):
    return world["tags"].get(obj_id, {}).get(key)


def by_address(world, items, id_key):
    return {tag(world, x[id_key]): x for x in items if tag(world, x[id_key])}


class Replace(unittest.TestCase):
    def setUp(self):
        self.sim = Sim("--pending-ms", "50", "--buckets", "off")
        self.dirs = []

    def tearDown(self):
        self.sim.stop()

    def seed(self):
        d = workdir(seed=True)
        edit(os.path.join(d, "main.vpce"), 'provider "aws" {\n  region = var.region\n}',
             PROVIDER_FAST)
        return d

    def apply(self, d, *args):
        """Applies, asserts it finished without meeting a DependencyViolation, and that the next
        plan is empty. Returns the apply's stdout and stderr."""
        self.sim.post("/_sim/counts/reset", {})
        rc, out, err = vpce(self.sim, d, "apply", "-auto-approve", *args, timeout=APPLY_TIMEOUT)
        self.assertEqual(rc, 0, "apply failed\nstdout:\n%s\nstderr:\n%s" % (out, err))
        errors = self.sim.get("/_sim/counts")["errors"]
        self.assertNotIn("DependencyViolation", errors, err)
        vpce(self.sim, d, "plan", "-detailed-exitcode", *args, check=0)
        return out, err

    def assert_deleted_before(self, err, first, then):
        """first's object was deleted before then's delete started."""
        lines = err.splitlines()
        done = [i for i, l in enumerate(lines) if l.startswith(first + ": Destruction complete")]
        start = [i for i, l in enumerate(lines) if l.startswith(then + ": Destroying")]
        self.assertTrue(done and start, (first, then))
        self.assertLess(done[0], start[0], "%s deleted after %s started" % (first, then))

    def test_vpc_replacement_replaces_everything_in_it(self):
        d = self.seed()
        out, _ = self.apply(d)
        self.assertIn("18 added", out)
        old_vpc = self.sim.world()["vpcs"][0]["VpcId"]

        rc, out, _ = vpce(self.sim, d, "plan", "-var", "vpc_cidr=10.1.0.0/16", check=0)
        self.assertIn("Plan: 18 to add, 0 to change, 18 to destroy.", out)
        out, err = self.apply(d, "-var", "vpc_cidr=10.1.0.0/16")
        self.assertIn("Resources: 18 added, 0 changed, 18 destroyed.", out)
        # nothing of the old VPC is deleted after the VPC itself; it goes last
        destroying = [l.split(":")[0] for l in err.splitlines() if ": Destroying" in l]
        self.assertEqual(len(destroying), 18)
        self.assertEqual(destroying[-1], "aws_vpc.main")
        for addr in ("aws_subnet.public", "aws_internet_gateway.main",
                     "aws_security_group.endpoints", "aws_route_table.private",
                     'aws_vpc_endpoint.interface["ssm"]'):
            self.assert_deleted_before(err, addr, "aws_vpc.main")
        self.assert_deleted_before(err, 'aws_vpc_endpoint.interface["ssm"]',
                                   "aws_subnet.private[0]")

        w = self.sim.world()
        self.assertEqual(len(w["vpcs"]), 1)
        vpc = w["vpcs"][0]
        self.assertNotEqual(vpc["VpcId"], old_vpc)
        self.assertEqual(vpc["CidrBlock"], "10.1.0.0/16")
        self.assertEqual(sorted(s["CidrBlock"] for s in w["subnets"]),
                         ["10.1.0.0/24", "10.1.10.0/24", "10.1.11.0/24"])
        self.assertTrue(all(s["VpcId"] == vpc["VpcId"] for s in w["subnets"]))
        self.assertEqual([a["VpcId"] for a in w["internet_gateways"][0]["Attachments"]],
                         [vpc["VpcId"]])
        eps = live(w["vpc_endpoints"])
        self.assertEqual(len(eps), 5)
        self.assertTrue(all(e["VpcId"] == vpc["VpcId"] for e in eps))
        self.assertEqual(len(live(w["network_interfaces"], "Status")), 6)

    def test_subnet_and_security_group_replacements(self):
        d = self.seed()
        main = os.path.join(d, "main.vpce")
        self.apply(d)

        # the private subnets' cidr_block: their associations are replaced with them, and the
        # interface endpoints (whose subnet_ids would need the new subnets while their ENIs
        # still sit in the old ones) too
        edit(main, "count.index + 10", "count.index + 20")
        out, err = self.apply(d)
        self.assertIn("Resources: 7 added, 0 changed, 7 destroyed.", out)
        self.assert_deleted_before(err, 'aws_vpc_endpoint.interface["ssm"]',
                                   "aws_subnet.private[0]")
        self.assert_deleted_before(err, "aws_route_table_association.private[1]",
                                   "aws_subnet.private[1]")
        w = self.sim.world()
        subnets = by_address(w, w["subnets"], "SubnetId")
        self.assertEqual(subnets["aws_subnet.private[0]"]["CidrBlock"], "10.0.20.0/24")
        private_ids = sorted(subnets["aws_subnet.private[%d]" % i]["SubnetId"] for i in (0, 1))
        for ep in live(w["vpc_endpoints"]):
            if ep["VpcEndpointType"] == "Interface":
                self.assertEqual(sorted(ep["SubnetIds"]), private_ids)

        # the public subnet's availability_zone
        edit(main, "availability_zone = local.azs[0]", 'availability_zone = "us-east-1c"')
        out, _ = self.apply(d)
        self.assertIn("Resources: 2 added, 0 changed, 2 destroyed.", out)
        w = self.sim.world()
        public = by_address(w, w["subnets"], "SubnetId")["aws_subnet.public"]
        self.assertEqual(public["AvailabilityZone"], "us-east-1c")

        # the security group's name: the endpoints that use it are replaced with it
        edit(main, 'name        = "${var.name_prefix}-endpoints"',
             'name        = "${var.name_prefix}-endpoints-v2"')
        out, err = self.apply(d)
        self.assertIn("Resources: 4 added, 0 changed, 4 destroyed.", out)
        self.assert_deleted_before(err, 'aws_vpc_endpoint.interface["ssmmessages"]',
                                   "aws_security_group.endpoints")
        w = self.sim.world()
        groups = [g for g in w["security_groups"] if g["GroupName"] != "default"]
        self.assertEqual([g["GroupName"] for g in groups], ["seed-endpoints-v2"])
        for ep in live(w["vpc_endpoints"]):
            if ep["VpcEndpointType"] == "Interface":
                self.assertEqual([g["GroupId"] for g in ep["Groups"]], [groups[0]["GroupId"]])
        self.assertEqual(len(live(w["network_interfaces"], "Status")), 6)

    NET = '''
variable "region" {
  default = "us-east-1"
}
variable "home" {
  default = "a"
}
variable "service" {
  default = "dynamodb"
}
variable "kind" {
  default = "Gateway"
}
''' + PROVIDER_FAST + '''
resource "aws_vpc" "a" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}
resource "aws_vpc" "b" {
  cidr_block           = "10.1.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}
locals {
  vpc_id = var.home == "a" ? aws_vpc.a.id : aws_vpc.b.id
  prefix = var.home == "a" ? "10.0" : "10.1"
}
resource "aws_subnet" "s" {
  vpc_id            = local.vpc_id
  cidr_block        = "${local.prefix}.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_route_table" "rt" {
  vpc_id = local.vpc_id
}
resource "aws_route_table" "extra" {
  vpc_id = local.vpc_id
}
resource "aws_route_table_association" "s" {
  subnet_id      = aws_subnet.s.id
  route_table_id = aws_route_table.rt.id
}
resource "aws_security_group" "sg" {
  name   = "endpoints"
  vpc_id = local.vpc_id
}
resource "aws_vpc_endpoint" "ep" {
  vpc_id             = local.vpc_id
  service_name       = "com.amazonaws.us-east-1.${var.service}"
  vpc_endpoint_type  = var.kind
  subnet_ids         = var.kind == "Interface" ? [aws_subnet.s.id] : null
  security_group_ids = var.kind == "Interface" ? [aws_security_group.sg.id] : null
}
resource "aws_vpc_endpoint_route_table_association" "rt" {
  count           = var.kind == "Gateway" ? 1 : 0
  route_table_id  = aws_route_table.rt.id
  vpc_endpoint_id = aws_vpc_endpoint.ep.id
}
resource "aws_vpc_endpoint_route_table_association" "extra" {
  count           = var.kind == "Gateway" ? 1 : 0
  route_table_id  = aws_route_table.extra.id
  vpc_endpoint_id = aws_vpc_endpoint.ep.id
}
'''

    def test_route_table_and_endpoint_replacements(self):
        d = workdir({"main.vpce": self.NET})
        self.apply(d)

        # the endpoint's service_name: its route table association is replaced with it
        out, err = self.apply(d, "-var", "service=s3")
        self.assertIn("Resources: 3 added, 0 changed, 3 destroyed.", out)
        self.assert_deleted_before(err, "aws_vpc_endpoint_route_table_association.extra[0]",
                                   "aws_vpc_endpoint.ep")
        eps = live(self.sim.world()["vpc_endpoints"])
        self.assertEqual([e["ServiceName"] for e in eps], ["com.amazonaws.us-east-1.s3"])

        # the endpoint's vpc_endpoint_type: Gateway to Interface, in the subnet, with the group
        out, _ = self.apply(d, "-var", "service=s3", "-var", "kind=Interface")
        w = self.sim.world()
        eps = live(w["vpc_endpoints"])
        self.assertEqual([(e["VpcEndpointType"], e["SubnetIds"]) for e in eps],
                         [("Interface", [w["subnets"][0]["SubnetId"]])])
        self.assertEqual(len(live(w["network_interfaces"], "Status")), 1)

        # the security group's vpc_id and the route tables' vpc_id: everything moves to VPC b
        out, err = self.apply(d, "-var", "service=s3", "-var", "kind=Interface",
                              "-var", "home=b")
        self.assertIn("Resources: 6 added, 0 changed, 6 destroyed.", out)
        self.assert_deleted_before(err, "aws_route_table_association.s", "aws_route_table.rt")
        self.assert_deleted_before(err, "aws_vpc_endpoint.ep", "aws_security_group.sg")
        self.assert_deleted_before(err, "aws_vpc_endpoint.ep", "aws_subnet.s")
        w = self.sim.world()
        vpc_b = [v["VpcId"] for v in w["vpcs"] if v["CidrBlock"] == "10.1.0.0/16"][0]
        tables = by_address(w, w["route_tables"], "RouteTableId")
        self.assertEqual(tables["aws_route_table.rt"]["VpcId"], vpc_b)
        self.assertEqual([a.get("SubnetId") for a in tables["aws_route_table.rt"]["Associations"]],
                         [w["subnets"][0]["SubnetId"]])
        self.assertEqual([e["VpcId"] for e in live(w["vpc_endpoints"])], [vpc_b])

        # and back, as a gateway endpoint with both route tables
        self.apply(d, "-var", "service=s3")
        w = self.sim.world()
        eps = live(w["vpc_endpoints"])
        self.assertEqual(len(eps), 1)
        self.assertEqual(len(eps[0]["RouteTableIds"]), 2)

    FOR_EACH = PROVIDER_FAST + '''
variable "region" {
  default = "us-east-1"
}
variable "zones" {
  type    = list(string)
  default = ["a", "b"]
}
resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}
resource "aws_subnet" "s" {
  for_each          = toset(var.zones)
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.key == "a" ? "10.0.1.0/24" : "10.0.2.0/24"
  availability_zone = "us-east-1${each.key}"
}
resource "aws_vpc_endpoint" "ssm" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.ssm"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [for s in aws_subnet.s : s.id]
}
'''

    def test_for_each_subnet_removed_while_endpoint_drops_it(self):
        d = workdir({"main.vpce": self.FOR_EACH})
        self.apply(d)
        self.assertEqual(len(live(self.sim.world()["network_interfaces"], "Status")), 2)
        out, err = self.apply(d, "-var", 'zones=["a"]')
        self.assertIn("Resources: 0 added, 1 changed, 1 destroyed.", out)
        lines = err.splitlines()
        updated = [i for i, l in enumerate(lines)
                   if l.startswith("aws_vpc_endpoint.ssm: Modifications complete")]
        deleting = [i for i, l in enumerate(lines) if l.startswith('aws_subnet.s["b"]: Destroying')]
        self.assertTrue(updated and deleting, err)
        self.assertLess(updated[0], deleting[0])
        w = self.sim.world()
        self.assertEqual(len(w["subnets"]), 1)
        self.assertEqual(live(w["vpc_endpoints"])[0]["SubnetIds"], [w["subnets"][0]["SubnetId"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
