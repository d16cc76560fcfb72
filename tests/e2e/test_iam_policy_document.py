"""End to end: an endpoint policy written as an aws_iam_policy_document data source is sent to EC2
as the document's JSON, and the next plan finds nothing to change (EC2 hands the policy back
reformatted; policy equivalence decides). A change of the document updates the endpoint in place."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim, live, vpce, workdir  # noqa: E402

CONFIG = """
provider "aws" {}

variable "bucket" {
  default = "team-artifacts"
}

resource "aws_vpc" "main" {
  cidr_block = "10.9.0.0/16"
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

data "aws_iam_policy_document" "s3" {
  statement {
    sid       = "OnlyOurBucket"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.bucket}", "arn:aws:s3:::${var.bucket}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id          = aws_vpc.main.id
  service_name    = "com.amazonaws.us-east-1.s3"
  route_table_ids = [aws_route_table.private.id]
  policy          = data.aws_iam_policy_document.s3.json
}
"""


class IamPolicyDocument(unittest.TestCase):
    def setUp(self):
        self.sim = Sim()
        self.dir = workdir({"main.vpce": CONFIG})

    def tearDown(self):
        self.sim.stop()

    def endpoint_policy(self):
        eps = live(self.sim.world()["vpc_endpoints"])
        self.assertEqual(len(eps), 1)
        return json.loads(eps[0]["PolicyDocument"])

    def test_policy_from_document(self):
        vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        pol = self.endpoint_policy()
        st = pol["Statement"][0]
        self.assertEqual(pol["Version"], "2012-10-17")
        self.assertEqual(st["Sid"], "OnlyOurBucket")
        self.assertEqual(st["Principal"], "*")
        self.assertEqual(sorted(st["Action"]), ["s3:GetObject", "s3:ListBucket", "s3:PutObject"])
        self.assertEqual(sorted(st["Resource"]),
                         ["arn:aws:s3:::team-artifacts", "arn:aws:s3:::team-artifacts/*"])
        vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)

        code, out, _ = vpce(self.sim, self.dir, "plan", "-var", "bucket=other-bucket",
                            "-detailed-exitcode")
        self.assertEqual(code, 2, out)
        self.assertIn("aws_vpc_endpoint.s3 will be updated in-place", out)
        self.assertIn("0 to add, 1 to change, 0 to destroy", out)
        vpce(self.sim, self.dir, "apply", "-auto-approve", "-var", "bucket=other-bucket", check=0)
        self.assertIn("arn:aws:s3:::other-bucket/*", self.endpoint_policy()["Statement"][0]["Resource"])


if __name__ == "__main__":
    unittest.main()
