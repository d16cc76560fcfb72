"""Credentials never appear in state, plan files, logs or error messages: an apply with debug
logging, a saved plan and a failing run are searched for the secret key and session token."""
import glob
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_support as e2e  # noqa: E402

AKID = "AKIDVPCESECRETTEST"
SECRET = "s3cr3t/KeyThatMustNeverLeak+0123456789ab"
TOKEN = "SessionTokenThatMustNeverLeak0123456789"
PROVIDER_SECRET = "ProviderBlockSecretNeverLeak987"

CONFIG = """
variable "db_password" {
  type      = string
  default   = "VariableSecretNeverShown42"
  sensitive = true
}

resource "aws_vpc" "main" {
  cidr_block = "10.9.0.0/16"
  tags = {
    Name = "secrets"
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.us-east-1.s3"
}
"""


class SecretsStaySecret(unittest.TestCase):
    def setUp(self):
        self.sim = e2e.Sim("--credentials", "%s:%s" % (AKID, SECRET))
        self.dir = e2e.workdir({"main.vpce": CONFIG})
        base_env = self.sim.env

        def env():
            e = base_env()
            e.update({"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
                      "AWS_SESSION_TOKEN": TOKEN, "VPCE_LOG": "debug"})
            return e
        self.sim.env = env

    def tearDown(self):
        self.sim.stop()

    def assertNoSecret(self, text, where):
        for s in (SECRET, TOKEN, PROVIDER_SECRET):
            self.assertNotIn(s, text, "%s contains a credential" % where)

    def files_text(self):
        out = []
        for path in glob.glob(os.path.join(self.dir, "*")):
            with open(path, "rb") as f:
                out.append((path, f.read().decode("latin-1")))
        return out

    def test_apply_plan_file_state_and_logs(self):
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 2 added", out)
        # The debug log really logged requests: otherwise the search below proves nothing.
        self.assertIn("CreateVpcEndpoint", err)
        self.assertNoSecret(out + err, "apply output")
        code, out, err = e2e.vpce(self.sim, self.dir, "plan", "-out", "saved.plan", check=0)
        self.assertNoSecret(out + err, "plan output")
        code, out, err = e2e.vpce(self.sim, self.dir, "show", "-json", "saved.plan", check=0)
        self.assertNoSecret(out + err, "show output")
        self.assertNotIn("VariableSecretNeverShown42", out)
        for path, text in self.files_text():
            self.assertNoSecret(text, path)
        self.assertTrue(any(p.endswith("vpce.db") for p, _ in self.files_text()))

    def test_provider_block_credentials_and_auth_failure(self):
        with open(os.path.join(self.dir, "provider.vpce"), "w") as f:
            f.write('provider "aws" {\n  access_key = "%s"\n  secret_key = "%s"\n}\n'
                    % (AKID, PROVIDER_SECRET))
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve")
        self.assertEqual(code, 1)
        # EC2's answer to a wrong secret is named, the secret is not.
        self.assertIn("SignatureDoesNotMatch", out + err)
        self.assertNoSecret(out + err, "failed apply output")
        for path, text in self.files_text():
            if not path.endswith(".vpce"):
                self.assertNoSecret(text, path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
