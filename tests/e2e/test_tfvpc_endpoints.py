"""End to end: terraform-aws-modules/vpc's vpc-endpoints module, its .tf files unchanged (a copy
in tests/data/terraform-aws-vpc), called from the root .vpce configuration of the golden case
tests/golden/tfvpc_endpoints_module, against the simulator. Applies it (endpoints, the module's
security group and rule, policies from aws_iam_policy_document), checks what the simulator
holds, plans again with no changes, adds an endpoint through the module's `endpoints` map
(only that endpoint is created), then destroys everything."""
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import SOURCE, Sim, live, vpce, workdir  # noqa: E402

MODULE = os.path.join(SOURCE, "tests", "data", "terraform-aws-vpc", "modules", "vpc-endpoints")
ROOT = os.path.join(SOURCE, "tests", "golden", "tfvpc_endpoints_module", "main.vpce")
SOURCE_LINE = 'source = "../../data/terraform-aws-vpc/modules/vpc-endpoints"'


class TfVpcEndpointsModule(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir()
        shutil.copytree(MODULE, os.path.join(self.dir, "modules", "vpc-endpoints"))
        with open(ROOT, encoding="utf-8") as f:
            self.root = f.read()
        self.assertIn(SOURCE_LINE, self.root)
        self.root = self.root.replace(SOURCE_LINE, 'source = "./modules/vpc-endpoints"')
        self.write_root(self.root)

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_root(self, text):
        with open(os.path.join(self.dir, "main.vpce"), "w", encoding="utf-8") as f:
            f.write(text)

    def run_vpce(self, *args, check=0):
        return vpce(self.sim, self.dir, *args, check=check)

    def test_apply_replan_add_destroy(self):
        self.run_vpce("validate")
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Apply complete! Resources: 12 added, 0 changed, 0 destroyed", out)

        _, out, _ = self.run_vpce("output", "-json")
        outputs = json.loads(out)
        ids = outputs["endpoint_ids"]["value"]
        self.assertEqual(sorted(ids), ["ecr_api", "rds", "s3"])  # ecs_telemetry: create = false
        sg_id = outputs["security_group_id"]["value"]

        world = self.sim.world()
        eps = {e["VpcEndpointId"]: e for e in live(world["vpc_endpoints"])}
        self.assertEqual(sorted(eps), sorted(ids.values()))
        vpc_id = live(world["vpcs"])[0]["VpcId"]
        s3 = eps[ids["s3"]]
        self.assertEqual(s3["VpcEndpointType"], "Gateway")
        self.assertEqual(s3["ServiceName"], "com.amazonaws.us-east-1.s3")
        self.assertEqual(len(s3["RouteTableIds"]), 1)
        policy = json.loads(s3["PolicyDocument"])
        deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"][0]
        self.assertEqual(deny["Condition"]["StringNotEquals"]["aws:SourceVpc"], vpc_id)
        ecr = eps[ids["ecr_api"]]
        self.assertEqual(ecr["ServiceName"], "com.amazonaws.us-east-1.ecr.api")
        self.assertEqual(ecr["VpcEndpointType"], "Interface")
        self.assertEqual(len(ecr["SubnetIds"]), 2)
        self.assertEqual([g["GroupId"] for g in ecr["Groups"]], [sg_id])
        self.assertIn("aws:PrincipalAccount", ecr["PolicyDocument"])
        rds = eps[ids["rds"]]
        self.assertEqual(len(rds["Groups"]), 2)  # the module's and the caller's
        self.assertIn(sg_id, [g["GroupId"] for g in rds["Groups"]])
        tags = {t["Key"]: t["Value"] for t in rds["Tags"] if not t["Key"].startswith("vpce:")}
        self.assertEqual(tags, {"Endpoint": "true", "Name": "rds", "Project": "Secret"})
        sg = [g for g in world["security_groups"] if g["GroupId"] == sg_id][0]
        self.assertTrue(sg["GroupName"].startswith("tfvpc-vpc-endpoints-"))
        ingress = [r for r in sg["Rules"] if not r.get("IsEgress")]
        self.assertEqual([(r["FromPort"], r["ToPort"], r.get("CidrIpv4")) for r in ingress],
                         [(443, 443, "10.0.0.0/16")])

        # Nothing to do on a second plan, with or without refreshing.
        self.run_vpce("plan", "-detailed-exitcode", check=0)
        self.run_vpce("plan", "-refresh=false", "-detailed-exitcode", check=0)

        # A new entry of the module's endpoints map: that endpoint alone is created.
        self.write_root(self.root.replace(
            "    ecs_telemetry = {",
            "    ssm = {\n      service             = \"ssm\"\n"
            "      private_dns_enabled = true\n    },\n    ecs_telemetry = {"))
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertIn('module.vpc_endpoints.aws_vpc_endpoint.this["ssm"] will be created', out)
        self.assertIn("Plan: 1 to add, 0 to change, 0 to destroy.", out)
        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Resources: 1 added, 0 changed, 0 destroyed", out)
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        _, out, _ = self.run_vpce("destroy", "-auto-approve")
        self.assertIn("Resources: 0 added, 0 changed, 13 destroyed", out)
        world = self.sim.world()
        self.assertEqual(live(world["vpc_endpoints"]), [])
        self.assertEqual(live(world["vpcs"]), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
