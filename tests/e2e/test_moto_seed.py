"""End to end against an EC2 implementation vpce was not written with: moto's server mode (the
emulator LocalStack builds on), started on a free port and stopped by its PID. The seed
(examples/seed) is applied, read back with the AWS CLI, planned again (empty), its S3 policy
edited (one in-place update), drifted behind vpce's back with the AWS CLI (an endpoint deleted, a
tag changed) and repaired, a VPC made by hand is imported, and destroy leaves nothing. What moto
does differently from EC2 is listed in docs/compatibility.md."""
import json
import os
import re
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import BINARY, Moto, vpce, workdir  # noqa: E402

INTERFACE_SERVICES = ("ssm", "ssmmessages", "ec2messages")
SERVICES = {"com.amazonaws.us-east-1." + s for s in ("s3", "dynamodb") + INTERFACE_SERVICES}
DATA_SOURCES = """
data "aws_vpc" "seed" {
  tags = { Name = "seed-vpc" }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.seed.id]
  }
  tags = { Name = "seed-private-*" }
}

data "aws_security_group" "endpoints" {
  vpc_id = data.aws_vpc.seed.id
  name   = "seed-endpoints"
}

data "aws_route_table" "private" {
  subnet_id = data.aws_subnets.private.ids[0]
}

data "aws_vpc_endpoint_service" "ssm" {
  service = "ssm"
}

data "aws_prefix_list" "s3" {
  name = "com.amazonaws.us-east-1.s3"
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_region" "current" {}

output "looked_up" {
  value = {
    vpc             = data.aws_vpc.seed.id
    private_subnets = data.aws_subnets.private.ids
    group           = data.aws_security_group.endpoints.id
    private_rt      = data.aws_route_table.private.id
    ssm             = data.aws_vpc_endpoint_service.ssm.private_dns_name
    s3_prefix_list  = data.aws_prefix_list.s3.id
    azs             = data.aws_availability_zones.available.names
    region          = data.aws_region.current.name
  }
}
"""
REFUSED_LOG = re.compile(r"aws: the EC2 server refused the filter (\S+) of (\S+)")


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    if text.count(old) != 1:
        raise AssertionError("%r occurs %d times in %s" % (old, text.count(old), path))
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def tags(obj):
    return {t["Key"]: t["Value"] for t in obj.get("Tags") or []}


def live(endpoints):
    """moto keeps deleted endpoints, in state "deleted" (EC2 drops them after a while)."""
    return [e for e in endpoints if e["State"].lower() not in ("deleted", "deleting")]


class MotoSeed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.dir = workdir(seed=True)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def run_vpce(self, *args, check=0, debug=False):
        env_log = os.environ.get("VPCE_LOG")
        os.environ["VPCE_LOG"] = "debug" if debug else ""
        try:
            return vpce(self.moto, self.dir, *args, check=check)
        finally:
            if env_log is None:
                os.environ.pop("VPCE_LOG", None)
            else:
                os.environ["VPCE_LOG"] = env_log

    def plan_exit(self):
        """plan -detailed-exitcode: (exit code, stdout)."""
        rc, out, err = self.run_vpce("plan", "-detailed-exitcode", check=None)
        self.assertIn(rc, (0, 2), "plan failed:\n%s\n%s" % (out, err))
        return rc, out

    def state_ids(self):
        rc, out, err = self.run_vpce("output", "-json", check=0)
        return json.loads(out)

    def seed_vpc(self):
        vpcs = self.moto.aws("describe-vpcs", "--filters", "Name=tag:vpce:address,Values=aws_vpc.main")["Vpcs"]
        self.assertEqual(len(vpcs), 1, vpcs)
        return vpcs[0]

    def endpoints(self, vpc_id):
        # By VPC through the AWS CLI: an independent client asking moto directly.
        eps = self.moto.aws("describe-vpc-endpoints", "--filters", "Name=vpc-id,Values=" + vpc_id)
        return live(eps["VpcEndpoints"])

    def by_service(self, vpc_id):
        eps = self.endpoints(vpc_id)
        names = [e["ServiceName"] for e in eps]
        self.assertEqual(len(names), len(set(names)), "duplicate endpoints: %s" % eps)
        return {e["ServiceName"].rsplit(".", 1)[1]: e for e in eps}

    def test_seed_lifecycle(self):
        # 1. apply: every object exists, as the AWS CLI sees it.
        rc, out, err = self.run_vpce("apply", "-auto-approve", debug=True)
        self.assertIn("Apply complete! Resources: 18 added, 0 changed, 0 destroyed.", out)
        self.assertNotIn("DOCTYPE", err)
        refused = REFUSED_LOG.findall(err)
        self.assertEqual(len(refused), len(set(refused)), "a refused filter was logged twice: %s" % refused)
        self.assertIn(("vpc-endpoint-id", "DescribeVpcEndpoints"), refused)
        vpc = self.seed_vpc()
        self.assertEqual(vpc["CidrBlock"], "10.0.0.0/16")
        self.assertEqual(tags(vpc).get("Name"), "seed-vpc")
        vpc_id = vpc["VpcId"]
        subnets = self.moto.aws("describe-subnets", "--filters", "Name=vpc-id,Values=" + vpc_id)["Subnets"]
        self.assertEqual(sorted(s["CidrBlock"] for s in subnets), ["10.0.0.0/24", "10.0.10.0/24", "10.0.11.0/24"])
        igws = self.moto.aws("describe-internet-gateways", "--filters",
                             "Name=attachment.vpc-id,Values=" + vpc_id)["InternetGateways"]
        self.assertEqual(len(igws), 1)
        groups = self.moto.aws("describe-security-groups", "--filters", "Name=vpc-id,Values=" + vpc_id,
                               "Name=group-name,Values=seed-endpoints")["SecurityGroups"]
        self.assertEqual(len(groups), 1)
        self.assertEqual([(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in groups[0]["IpPermissions"]],
                         [("tcp", 443, 443)])
        eps = self.by_service(vpc_id)
        self.assertEqual(set(eps), {"s3", "dynamodb"} | set(INTERFACE_SERVICES))
        outputs = self.state_ids()
        self.assertEqual(outputs["vpc_id"]["value"], vpc_id)
        for svc in INTERFACE_SERVICES:
            self.assertEqual(eps[svc]["VpcEndpointType"], "Interface")
            self.assertEqual(outputs["interface_endpoint_ids"]["value"][svc], eps[svc]["VpcEndpointId"])
            self.assertEqual(len(eps[svc]["SubnetIds"]), 2, eps[svc])
            self.assertEqual(eps[svc]["Groups"][0]["GroupId"], groups[0]["GroupId"])
        self.assertEqual(eps["s3"]["VpcEndpointType"], "Gateway")
        self.assertIn("arn:aws:s3:::seed-artifacts-bucket", eps["s3"]["PolicyDocument"])
        private_rt = self.moto.aws("describe-route-tables", "--filters",
                                   "Name=tag:Name,Values=seed-private")["RouteTables"][0]["RouteTableId"]
        self.assertEqual(eps["s3"]["RouteTableIds"], [private_rt])
        self.assertEqual(eps["dynamodb"]["RouteTableIds"], [private_rt])

        # 2. nothing left to change.
        rc, out = self.plan_exit()
        self.assertEqual(rc, 0, out)

        # 3. a policy edit: one in-place update of the S3 endpoint, applied.
        s3_id = eps["s3"]["VpcEndpointId"]
        edit(os.path.join(self.dir, "variables.vpce"), '"seed-artifacts-bucket"', '"edited-bucket"')
        rc, out = self.plan_exit()
        self.assertEqual(rc, 2, out)
        self.assertIn("aws_vpc_endpoint.s3 will be updated in-place", out)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to destroy.", out)
        rc, out, err = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 0 added, 1 changed, 0 destroyed.", out)
        eps = self.by_service(vpc_id)
        self.assertEqual(eps["s3"]["VpcEndpointId"], s3_id)
        policy = json.loads(eps["s3"]["PolicyDocument"])
        self.assertEqual(policy["Statement"][0]["Resource"],
                         ["arn:aws:s3:::edited-bucket", "arn:aws:s3:::edited-bucket/*"])
        self.assertEqual(self.plan_exit()[0], 0)

        # 4. drift behind vpce's back: an endpoint deleted, a tag changed; shown, then repaired.
        gone = eps["ec2messages"]["VpcEndpointId"]
        self.moto.aws("delete-vpc-endpoints", "--vpc-endpoint-ids", gone)
        self.moto.aws("create-tags", "--resources", vpc_id, "--tags", "Key=Name,Value=renamed-by-hand")
        rc, out = self.plan_exit()
        self.assertEqual(rc, 2, out)
        self.assertIn('aws_vpc_endpoint.interface["ec2messages"] has been deleted', out)
        self.assertIn('aws_vpc_endpoint.interface["ec2messages"] will be created', out)
        self.assertIn('"Name" = "seed-vpc" -> "renamed-by-hand"', out)
        self.assertIn("aws_vpc.main will be updated in-place", out)
        self.assertIn("Plan: 1 to add, 1 to change, 0 to destroy.", out)
        rc, out, err = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 1 added, 1 changed, 0 destroyed.", out)
        eps = self.by_service(vpc_id)
        self.assertIn("ec2messages", eps)
        self.assertNotEqual(eps["ec2messages"]["VpcEndpointId"], gone)
        self.assertEqual(tags(self.seed_vpc()).get("Name"), "seed-vpc")
        self.assertEqual(self.plan_exit()[0], 0)

        # 5. import of a VPC made by hand.
        made = self.moto.aws("create-vpc", "--cidr-block", "10.9.0.0/16", "--tag-specifications",
                             "ResourceType=vpc,Tags=[{Key=Name,Value=by-hand}]")["Vpc"]["VpcId"]
        with open(os.path.join(self.dir, "imported.vpce"), "w") as f:
            f.write('resource "aws_vpc" "by_hand" {\n  cidr_block = "10.9.0.0/16"\n\n'
                    '  tags = {\n    Name = "by-hand"\n  }\n}\n')
        rc, out, err = self.run_vpce("import", "aws_vpc.by_hand", made)
        self.assertIn("Import successful!", out)
        rc, out, err = self.run_vpce("state", "show", "aws_vpc.by_hand")
        self.assertIn(made, out)
        rc, out = self.plan_exit()
        self.assertEqual(rc, 0, out)

        # 5b. data sources read the same objects the AWS CLI sees.
        with open(os.path.join(self.dir, "data.vpce"), "w") as f:
            f.write(DATA_SOURCES)
        rc, out, err = self.run_vpce("apply", "-auto-approve")
        d = self.state_ids()["looked_up"]["value"]
        self.assertEqual(d["vpc"], vpc_id)
        self.assertEqual(sorted(d["private_subnets"]),
                         sorted(s["SubnetId"] for s in subnets if s["CidrBlock"] != "10.0.0.0/24"))
        self.assertEqual(d["group"], groups[0]["GroupId"])
        self.assertEqual(d["private_rt"], private_rt)
        self.assertEqual(d["ssm"], "ssm.us-east-1.amazonaws.com")
        pls = self.moto.aws("describe-prefix-lists", "--filters",
                            "Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3")["PrefixLists"]
        self.assertEqual(d["s3_prefix_list"], pls[0]["PrefixListId"])
        self.assertEqual(d["region"], "us-east-1")
        self.assertIn("us-east-1a", d["azs"])

        # 6. destroy leaves nothing but moto's default VPC (and endpoints in state "deleted").
        rc, out, err = self.run_vpce("destroy", "-auto-approve")
        self.assertIn("Resources: 0 added, 0 changed, 19 destroyed.", out)
        vpcs = self.moto.aws("describe-vpcs")["Vpcs"]
        self.assertEqual([v for v in vpcs if not v["IsDefault"]], [])
        self.assertEqual(live(self.moto.aws("describe-vpc-endpoints")["VpcEndpoints"]), [])
        default_vpcs = {v["VpcId"] for v in vpcs}
        for what, key in (("describe-subnets", "Subnets"), ("describe-route-tables", "RouteTables"),
                          ("describe-security-groups", "SecurityGroups")):
            left = [x for x in self.moto.aws(what)[key] if x["VpcId"] not in default_vpcs]
            self.assertEqual(left, [], what)
        igws = self.moto.aws("describe-internet-gateways")["InternetGateways"]
        self.assertEqual([i for i in igws if tags(i).get("vpce:address")], [])
        enis = self.moto.aws("describe-network-interfaces")["NetworkInterfaces"]
        self.assertEqual([e for e in enis if e.get("VpcId") not in default_vpcs], [])
        rc, out, err = self.run_vpce("state", "list", check=0)
        self.assertEqual(out.strip(), "")


class MotoCrash(unittest.TestCase):
    """moto does not honour ClientToken: an apply killed while it creates endpoints must still not
    leave duplicates once the next apply has recovered (it finds what the killed run made by its
    vpce:address tag and adopts it)."""

    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def test_killed_while_creating_endpoints(self):
        d = workdir(seed=True)
        p = subprocess.Popen([BINARY, "apply", "-auto-approve"], cwd=d, env=self.moto.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = []
        for line in p.stdout:
            seen.append(line)
            # The first endpoint is made: the others' creates are on their way or answered but
            # not yet recorded, which is what the next apply must adopt rather than make again.
            if re.match(r"aws_vpc_endpoint\.\S+: Creation complete", line):
                p.send_signal(signal.SIGKILL)
                break
        p.stdout.close()
        p.wait(60)
        self.assertEqual(p.returncode, -signal.SIGKILL, "never reached the endpoints:\n" + "".join(seen))
        made = live(self.moto.aws("describe-vpc-endpoints")["VpcEndpoints"])
        self.assertGreaterEqual(len(made), 1)
        rc, out, err = vpce(self.moto, d, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete!", out)
        print("adopted after the kill:", [l.strip() for l in (out + err).splitlines() if "adopted" in l])
        vpcs = self.moto.aws("describe-vpcs", "--filters", "Name=tag:vpce:address,Values=aws_vpc.main")["Vpcs"]
        self.assertEqual(len(vpcs), 1, vpcs)
        eps = live(self.moto.aws("describe-vpc-endpoints")["VpcEndpoints"])
        by_address = {}
        for e in eps:
            by_address.setdefault(tags(e).get("vpce:address"), []).append(e["VpcEndpointId"])
        self.assertEqual(len(eps), 5, by_address)
        self.assertTrue(all(len(ids) == 1 for ids in by_address.values()), by_address)
        rc, out, err = vpce(self.moto, d, "state", "show", "aws_vpc_endpoint.s3", check=0)
        self.assertIn(by_address["aws_vpc_endpoint.s3"][0], out)
        self.assertEqual(vpce(self.moto, d, "plan", "-detailed-exitcode", check=None)[0], 0)


if __name__ == "__main__":
    unittest.main()
