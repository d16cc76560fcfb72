"""End to end: configurations made of modules against the simulator. A root module calls a
local module with for_each (whose outputs feed root resources), a module of .tf files only,
a module with count that calls a nested module, and a module from a git repository made by the
test (fetched by `vpce init`). Checks the addresses in the state, that a second plan is empty,
-target with module addresses, `state mv` into a module and between modules, `import` at a
module address, and destroy."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

ROOT = """
provider "aws" {}

module "network" {
  source = "./modules/network"
  cidr   = "10.30.0.0/16"
}

module "endpoint" {
  source          = "./modules/endpoint"
  for_each        = toset(["s3", "dynamodb"])
  service         = each.key
  vpc_id          = module.network.vpc_id
  route_table_ids = [module.network.route_table_id]
}

module "spoke" {
  source = "./modules/spoke"
  count  = 2
  index  = count.index
}

module "remote" {
  source = "git::file://%(repo)s//modules/sg?ref=v1"
  vpc_id = module.network.vpc_id
}

resource "aws_security_group" "clients" {
  name   = "clients"
  vpc_id = module.network.vpc_id
  tags   = { S3 = module.endpoint["s3"].id }
}

%(extra)s

output "endpoints" {
  value = { for k, m in module.endpoint : k => m.id }
}
"""

EXTRA_ROOT = """
resource "aws_route_table" "extra" {
  vpc_id = module.network.vpc_id
}
"""

NETWORK = """
variable "cidr" {
  type = string
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
}

%(extra)s

output "vpc_id" {
  value = aws_vpc.this.id
}

output "route_table_id" {
  value = aws_route_table.private.id
}
"""

EXTRA_MODULE = """
resource "aws_route_table" "extra" {
  vpc_id = aws_vpc.this.id
}
"""

# A Terraform module, unchanged: .tf files, with a versions.tf.
ENDPOINT_TF = {
    "versions.tf": """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
""",
    "main.tf": """variable "service" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "route_table_ids" {
  type = list(string)
}

resource "aws_vpc_endpoint" "this" {
  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.us-east-1.${var.service}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
}

output "id" {
  value = aws_vpc_endpoint.this.id
}
""",
}

SPOKE = """
variable "index" {
  type = number
}

module "vpc" {
  source = "../vpc"
  cidr   = cidrsubnet("10.128.0.0/9", 7, var.index)
}
"""

VPC = """
variable "cidr" {
  type = string
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
}
"""

SG = """
variable "vpc_id" {
  type = string
}

resource "aws_security_group" "this" {
  name   = "from-git"
  vpc_id = var.vpc_id
}
"""


def write(base, rel, text):
    path = os.path.join(base, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def git(*args, cwd):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git"] + list(args), cwd=cwd, env=env, check=True, capture_output=True)


class Modules(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.tmp = tempfile.mkdtemp(prefix="vpce-e2e-git-")
        # A bare repository holding a module, tagged v1, as a team's module repository.
        src = os.path.join(self.tmp, "src")
        write(src, "modules/sg/main.vpce", SG)
        git("init", "-q", cwd=src)
        git("add", "-A", cwd=src)
        git("commit", "-q", "-m", "sg module", cwd=src)
        git("tag", "v1", cwd=src)
        self.repo = os.path.join(self.tmp, "repo.git")
        git("clone", "-q", "--bare", src, self.repo, cwd=self.tmp)
        self.dir = workdir()
        self.write_config(root_extra=EXTRA_ROOT, module_extra="")
        for name, text in ENDPOINT_TF.items():
            write(self.dir, "modules/endpoint/" + name, text)
        write(self.dir, "modules/spoke/main.vpce", SPOKE)
        write(self.dir, "modules/vpc/main.vpce", VPC)

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_config(self, root_extra, module_extra):
        write(self.dir, "main.vpce", ROOT % {"repo": self.repo, "extra": root_extra})
        write(self.dir, "modules/network/main.vpce", NETWORK % {"extra": module_extra})

    def run_vpce(self, *args, check=0):
        return vpce(self.sim, self.dir, *args, check=check)

    def listed(self):
        return self.run_vpce("state", "list")[1].split()

    def test_modules(self):
        # A git module must be installed first.
        _, _, err = self.run_vpce("validate", check=1)
        self.assertIn('module "remote" is not installed', err)
        self.assertIn("vpce init", err)
        _, out, _ = self.run_vpce("init")
        self.assertIn("- remote in .vpce/modules/remote", out)
        with open(os.path.join(self.dir, ".vpce", "modules.lock.json")) as f:
            lock = json.load(f)
        self.assertEqual(lock["modules"]["remote"]["source"],
                         "git::file://%s//modules/sg?ref=v1" % self.repo)
        self.assertEqual(len(lock["modules"]["remote"]["commit"]), 40)
        self.run_vpce("validate")

        # -target with a module address plans that module instance only.
        _, out, _ = self.run_vpce("plan", "-target", 'module.endpoint["s3"]')
        self.assertIn('# module.endpoint["s3"].aws_vpc_endpoint.this will be created', out)
        self.assertIn("# module.network.aws_vpc.this will be created", out)  # a dependency
        self.assertNotIn('module.endpoint["dynamodb"]', out)
        self.assertNotIn("module.spoke", out)

        _, out, _ = self.run_vpce("plan", "-json")
        plan = json.loads(out)
        mods = {c["address"]: c.get("module_address") for c in plan["resource_changes"]}
        self.assertEqual(mods['module.endpoint["s3"].aws_vpc_endpoint.this'],
                         'module.endpoint["s3"]')
        self.assertEqual(mods["module.spoke[1].module.vpc.aws_vpc.this"], "module.spoke[1].module.vpc")
        self.assertIsNone(mods["aws_security_group.clients"])

        _, out, _ = self.run_vpce("apply", "-auto-approve")
        self.assertIn("Apply complete! Resources: 9 added", out)
        want = [
            "aws_route_table.extra",
            "aws_security_group.clients",
            'module.endpoint["dynamodb"].aws_vpc_endpoint.this',
            'module.endpoint["s3"].aws_vpc_endpoint.this',
            "module.network.aws_route_table.private",
            "module.network.aws_vpc.this",
            "module.remote.aws_security_group.this",
            "module.spoke[0].module.vpc.aws_vpc.this",
            "module.spoke[1].module.vpc.aws_vpc.this",
        ]
        self.assertEqual(sorted(self.listed()), sorted(want))
        world = self.sim.world()
        self.assertEqual(len(live(world["vpcs"])), 3)
        self.assertEqual(len(live(world["vpc_endpoints"])), 2)
        # Module outputs fed the root: the security group carries the s3 endpoint's id.
        _, shown, _ = self.run_vpce("state", "show", 'module.endpoint["s3"].aws_vpc_endpoint.this')
        s3_id = [l.split('"')[1] for l in shown.splitlines() if l.strip().startswith("id ")][0]
        _, shown, _ = self.run_vpce("state", "show", "aws_security_group.clients")
        self.assertIn('"S3" = "%s"' % s3_id, shown)
        _, out, _ = self.run_vpce("output", "-json")
        self.assertEqual(json.loads(out)["endpoints"]["value"]["s3"], s3_id)
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # The route table moves into the network module: state mv, then no change planned.
        self.write_config(root_extra="", module_extra=EXTRA_MODULE)
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertIn("# aws_route_table.extra will be destroyed", out)
        self.assertIn("# module.network.aws_route_table.extra will be created", out)
        self.run_vpce("state", "mv", "aws_route_table.extra", "module.network.aws_route_table.extra")
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # A whole module instance between calls: renaming the call moves the state with it.
        with open(os.path.join(self.dir, "main.vpce")) as f:
            text = f.read()
        write(self.dir, "main.vpce", text.replace('module "spoke"', 'module "spokes"'))
        _, out, _ = self.run_vpce("plan", "-detailed-exitcode", check=2)
        self.assertIn("# module.spoke[0].module.vpc.aws_vpc.this will be destroyed", out)
        self.assertIn("# (because module.spoke[0].module.vpc is not in configuration)", out)
        _, out, _ = self.run_vpce("state", "mv", "module.spoke", "module.spokes")
        self.assertIn("Successfully moved 2 object(s).", out)
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # Import at a module address.
        _, shown, _ = self.run_vpce("state", "show", "module.network.aws_vpc.this")
        vpc_id = [l.split('"')[1] for l in shown.splitlines() if l.strip().startswith("id ")][0]
        self.run_vpce("state", "rm", "module.network.aws_vpc.this")
        _, _, err = self.run_vpce("import", 'module.network["x"].aws_vpc.this', vpc_id, check=1)
        self.assertIn("has no count or for_each", err)
        self.run_vpce("import", "module.network.aws_vpc.this", vpc_id)
        self.assertIn("module.network.aws_vpc.this", self.listed())
        self.run_vpce("plan", "-detailed-exitcode", check=0)

        # state list and rm take module addresses.
        _, out, _ = self.run_vpce("state", "list", "module.endpoint")
        self.assertEqual(sorted(out.split()), ['module.endpoint["dynamodb"].aws_vpc_endpoint.this',
                                               'module.endpoint["s3"].aws_vpc_endpoint.this'])

        _, out, _ = self.run_vpce("destroy", "-auto-approve")
        self.assertIn("Resources: 0 added, 0 changed, 9 destroyed", out)
        self.assertEqual(self.listed(), [])
        world = self.sim.world()
        self.assertEqual(live(world["vpcs"]), [])
        self.assertEqual(live(world["vpc_endpoints"]), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
