"""End to end: the seed architecture (examples/seed, 18 resources) applied against ec2sim, with
the relations between the objects checked in the simulator's world; then a policy edit, a third
private subnet, and destroy."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

S3_PL = "pl-63a5400a"
DYNAMODB_PL = "pl-02cd2c6b"
INTERFACE_SERVICES = ("ssm", "ssmmessages", "ec2messages")


def seed_policy(actions):
    bucket = "seed-artifacts-bucket"
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OnlyOneBucket",
            "Effect": "Allow",
            "Principal": "*",
            "Action": list(actions),
            "Resource": ["arn:aws:s3:::%s" % bucket, "arn:aws:s3:::%s/*" % bucket],
        }],
    }


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


class Seed(unittest.TestCase):
    def setUp(self):
        self.sim = Sim("--pending-ms", "50", "--time-scale", "10")
        self.dir = workdir(seed=True)

    def tearDown(self):
        self.sim.stop()

    def run_vpce(self, *args, check=0):
        return vpce(self.sim, self.dir, *args, check=check)

    def counts(self):
        return self.sim.get("/_sim/counts")["actions"]

    def check_world(self, private_subnets, actions):
        w = self.sim.world()
        vpcs = w["vpcs"]
        self.assertEqual(len(vpcs), 1)
        vpc_id = vpcs[0]["VpcId"]
        self.assertEqual(vpcs[0]["CidrBlock"], "10.0.0.0/16")
        self.assertEqual(tag(w, vpc_id, "Name"), "seed-vpc")

        subnets = by_address(w, w["subnets"], "SubnetId")
        private = [subnets["aws_subnet.private[%d]" % i] for i in range(private_subnets)]
        public = subnets["aws_subnet.public"]
        self.assertEqual(len(w["subnets"]), private_subnets + 1)
        for i, s in enumerate(private):
            self.assertEqual(s["VpcId"], vpc_id)
            self.assertEqual(s["CidrBlock"], "10.0.%d.0/24" % (10 + i))
            self.assertEqual(s["AvailabilityZone"], "us-east-1" + "abc"[i])
        private_ids = sorted(s["SubnetId"] for s in private)

        igws = w["internet_gateways"]
        self.assertEqual(len(igws), 1)
        self.assertEqual([a["VpcId"] for a in igws[0]["Attachments"]], [vpc_id])
        igw_id = igws[0]["InternetGatewayId"]

        tables = by_address(w, w["route_tables"], "RouteTableId")
        pub_rt, priv_rt = tables["aws_route_table.public"], tables["aws_route_table.private"]
        self.assertEqual(sorted(a.get("SubnetId") for a in priv_rt["Associations"]), private_ids)
        self.assertEqual([a.get("SubnetId") for a in pub_rt["Associations"]],
                         [public["SubnetId"]])
        self.assertIn({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw_id},
                      [{k: r.get(k) for k in ("DestinationCidrBlock", "GatewayId")}
                       for r in pub_rt["Routes"]])

        eps = by_address(w, live(w["vpc_endpoints"]), "VpcEndpointId")
        self.assertEqual(len(eps), 5, sorted(eps))
        s3, ddb = eps["aws_vpc_endpoint.s3"], eps["aws_vpc_endpoint.dynamodb"]
        # the prefix-list routes of both gateway endpoints are in the private table, only
        pl_routes = {r["DestinationPrefixListId"]: r["GatewayId"]
                     for r in priv_rt["Routes"] if r.get("DestinationPrefixListId")}
        self.assertEqual(pl_routes, {S3_PL: s3["VpcEndpointId"], DYNAMODB_PL: ddb["VpcEndpointId"]})
        for rt in w["route_tables"]:
            if rt is not priv_rt:
                self.assertFalse([r for r in rt["Routes"] if r.get("DestinationPrefixListId")])
        self.assertEqual(s3["RouteTableIds"], [priv_rt["RouteTableId"]])
        self.assertEqual(ddb["RouteTableIds"], [priv_rt["RouteTableId"]])
        self.assertEqual(json.loads(s3["PolicyDocument"]), seed_policy(actions))

        sgs = by_address(w, w["security_groups"], "GroupId")
        sg = sgs["aws_security_group.endpoints"]
        self.assertEqual(sg["GroupName"], "seed-endpoints")
        self.assertEqual(sg["VpcId"], vpc_id)
        ingress = [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"),
                    [r["CidrIp"] for r in p["IpRanges"]]) for p in sg["IpPermissions"]]
        self.assertEqual(ingress, [("tcp", 443, 443, ["10.0.0.0/16"])])

        enis = {e["NetworkInterfaceId"]: e for e in live(w["network_interfaces"], "Status")}
        self.assertEqual(len(enis), 3 * private_subnets)
        for svc in INTERFACE_SERVICES:
            ep = eps['aws_vpc_endpoint.interface["%s"]' % svc]
            self.assertEqual(ep["ServiceName"], "com.amazonaws.us-east-1." + svc)
            self.assertEqual(ep["VpcEndpointType"], "Interface")
            self.assertTrue(ep["PrivateDnsEnabled"])
            self.assertEqual(sorted(ep["SubnetIds"]), private_ids)
            self.assertEqual([g["GroupId"] for g in ep["Groups"]], [sg["GroupId"]])
            self.assertEqual(len(ep["NetworkInterfaceIds"]), private_subnets)
            eni_subnets = []
            for eni_id in ep["NetworkInterfaceIds"]:
                eni = enis[eni_id]
                eni_subnets.append(eni["SubnetId"])
                self.assertEqual([g["GroupId"] for g in eni["Groups"]], [sg["GroupId"]])
            # one ENI per private subnet
            self.assertEqual(sorted(eni_subnets), private_ids)
            self.assertIn("%s.us-east-1.amazonaws.com" % svc,
                          [d.get("DnsName") for d in ep["DnsEntries"]])
        return w

    def test_seed_lifecycle(self):
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Apply complete! Resources: 18 added, 0 changed, 0 destroyed.", out)
        self.check_world(2, ["s3:GetObject", "s3:PutObject", "s3:ListBucket"])
        _, out, _ = self.run_vpce("state", "list")
        self.assertEqual(len(out.split()), 18)
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # the policy gains an action: one update in place, one ModifyVpcEndpoint
        main = os.path.join(self.dir, "main.vpce")
        edit(main, '"s3:ListBucket"]', '"s3:ListBucket", "s3:DeleteObject"]')
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to destroy.", out)
        self.assertIn("aws_vpc_endpoint.s3 will be updated in-place", out)
        self.sim.post("/_sim/counts/reset", {})
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 0 added, 1 changed, 0 destroyed.", out)
        self.assertEqual(self.counts().get("ModifyVpcEndpoint"), 1, self.counts())
        actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"]
        self.check_world(2, actions)
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # a third private subnet: one new ENI per interface endpoint, one modify each
        edit(main, "count = 2", "count = 3", count=2)
        edit(os.path.join(self.dir, "variables.vpce"), '["us-east-1a", "us-east-1b"]',
             '["us-east-1a", "us-east-1b", "us-east-1c"]')
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertIn("Plan: 2 to add, 3 to change, 0 to destroy.", out)
        self.sim.post("/_sim/counts/reset", {})
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 2 added, 3 changed, 0 destroyed.", out)
        c = self.counts()
        self.assertEqual(c.get("ModifyVpcEndpoint"), 3, c)
        self.assertNotIn("CreateVpcEndpoint", c)
        self.assertNotIn("DeleteVpcEndpoints", c)
        self.check_world(3, actions)
        self.run_vpce("plan", "-detailed-exitcode", check=0)
        _, out, _ = self.run_vpce("state", "list")
        self.assertEqual(len(out.split()), 20)

        # destroy leaves nothing behind
        _, out, _ = self.run_vpce("destroy", "-auto-approve")
        self.assertIn("20 destroyed", out)
        w = self.sim.world()
        self.assertEqual(w["vpcs"], [])
        self.assertEqual(w["subnets"], [])
        self.assertEqual(live(w["vpc_endpoints"]), [])
        self.assertEqual(live(w["network_interfaces"], "Status"), [])
        self.assertEqual(w["internet_gateways"], [])
        self.assertEqual([g for g in w["security_groups"] if g["GroupName"] != "default"], [])
        self.assertEqual(w["route_tables"], [])
        _, out, _ = self.run_vpce("state", "list")
        self.assertEqual(out.strip(), "")
        self.assertIsNone(re.search(r"\S", out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
