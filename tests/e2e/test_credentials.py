"""Pipeline credentials end to end: the seed applied with a web identity token (as GitHub
Actions gives one) and with a chained assume_role, against the simulator's STS and against
moto's STS and EC2; `vpce whoami`; refresh of short-lived credentials during a long apply; a
refresh that fails stopping new work cleanly; a wrong account failing at once; and no token or
issued secret in outputs, debug logs, the state or a plan file."""
import base64
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_support as e2e  # noqa: E402

ROLE = "arn:aws:iam::210987654321:role/deploy"
ROLE_NET = "arn:aws:iam::345678901234:role/network-admin"
SIG = "JwtSignatureThatMustNeverLeak0123456789"


def jwt(claims):
    def enc(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
    return "%s.%s.%s" % (enc({"alg": "RS256", "kid": "k1"}), enc(claims), SIG)


TOKEN = jwt({"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
             "sub": "repo:example/network:ref:refs/heads/main", "exp": int(time.time()) + 3600})


def files_text(d):
    out = []
    for path in glob.glob(os.path.join(d, "*")):
        if os.path.isfile(path):
            with open(path, "rb") as f:
                out.append((path, f.read().decode("latin-1")))
    return out


def with_provider(d, body):
    """Replaces the seed's provider block by `provider "aws" { body }`."""
    path = os.path.join(d, "main.vpce")
    with open(path) as f:
        text = f.read()
    start = text.index('provider "aws" {')
    end = text.index("}\n", start) + 2
    with open(path, "w") as f:
        f.write(text[:start] + 'provider "aws" {\n' + body + "}\n" + text[end:])


class Base(unittest.TestCase):
    sim_args = ()

    def setUp(self):
        self.sim = e2e.Sim(*self.sim_args)
        self.dir = e2e.workdir(seed=True)
        self.token_file = os.path.join(tempfile.mkdtemp(prefix="vpce-e2e-oidc-"), "token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        self.extra = {}
        base_env = self.sim.env

        def env():
            e = base_env()
            e.update(self.extra)
            return e
        self.sim.env = env

    def tearDown(self):
        self.sim.stop()

    def web_identity_env(self):
        self.extra = {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": self.token_file,
                      "AWS_ROLE_SESSION_NAME": "gha-run-7", "AWS_ACCESS_KEY_ID": "",
                      "AWS_SECRET_ACCESS_KEY": ""}

    def sts_calls(self, action):
        return [c for c in self.sim.get("/_sim/sts")["calls"] if c["Action"] == action]

    def assertNoSecret(self, text, where):
        self.assertNotIn(SIG, text, "%s contains the web identity token" % where)
        self.assertNotIn("FQoGZXIvYXdzE", text, "%s contains a session token" % where)
        for issued in self.sim.get("/_sim/sts/issued"):
            self.assertNotIn(issued["secret"], text, "%s contains an issued secret key" % where)
            self.assertNotIn(issued["token"], text, "%s contains an issued session token" % where)


class WebIdentity(Base):
    def test_seed_with_web_identity_whoami_and_no_secret_anywhere(self):
        self.web_identity_env()
        self.extra["VPCE_LOG"] = "debug"
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 18 added", out)
        self.assertIn("aws: -> sts:AssumeRoleWithWebIdentity", err)
        self.assertIn("aws: acting as arn:aws:sts::210987654321:assumed-role/deploy/gha-run-7", err)
        self.assertNoSecret(out + err, "apply output")
        calls = self.sts_calls("AssumeRoleWithWebIdentity")
        self.assertEqual(calls[0]["RoleSessionName"], "gha-run-7")
        self.assertEqual(calls[0]["caller"], "web identity repo:example/network:ref:refs/heads/main")
        self.assertGreaterEqual(len(self.sts_calls("GetCallerIdentity")), 1)
        # The EC2 side saw the role's temporary keys (with their session token) only.
        world = self.sim.world()
        self.assertEqual(len(e2e.live(world["vpc_endpoints"])), 5)

        code, out, err = e2e.vpce(self.sim, self.dir, "plan", "-out", "saved.plan",
                                  "-detailed-exitcode", check=0)
        self.assertNoSecret(out + err, "plan output")
        for path, text in files_text(self.dir):
            self.assertNoSecret(text, path)

        self.extra.pop("VPCE_LOG")
        code, out, err = e2e.vpce(self.sim, self.dir, "whoami", "-json", check=0)
        who = json.loads(out)["providers"][0]
        self.assertEqual(who["provider"], "aws")
        self.assertEqual(who["account"], "210987654321")
        self.assertEqual(who["arn"], "arn:aws:sts::210987654321:assumed-role/deploy/gha-run-7")
        self.assertTrue(who["user_id"].endswith(":gha-run-7"))
        self.assertEqual(who["source"], 'web identity (AWS_WEB_IDENTITY_TOKEN_FILE) for role "%s"' % ROLE)
        code, out, err = e2e.vpce(self.sim, self.dir, "whoami", check=0)
        self.assertIn("Account   210987654321", out)
        self.assertIn("Source    web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", out)
        self.assertNoSecret(out + err, "whoami output")
        # Outside any configuration: the environment's default provider.
        empty = tempfile.mkdtemp(prefix="vpce-e2e-empty-")
        code, out, err = e2e.vpce(self.sim, empty, "whoami", "-json", check=0)
        self.assertEqual(json.loads(out)["providers"][0]["account"], "210987654321")

    def test_invalid_token_fails_at_once_naming_the_role(self):
        self.web_identity_env()
        with open(self.token_file, "w") as f:
            f.write("not-a-jwt-" + SIG)
        code, out, err = e2e.vpce(self.sim, self.dir, "plan")
        self.assertEqual(code, 1)
        self.assertIn('cannot assume role "%s"' % ROLE, err)
        self.assertIn("InvalidIdentityToken", err)
        self.assertNoSecret(out + err, "failed plan output")
        self.assertEqual(self.sim.get("/_sim/counts")["actions"].get("DescribeVpcs", 0), 0)


class ChainedRoles(Base):
    def test_seed_with_chained_assume_role_and_aliases(self):
        with_provider(self.dir, '  region = var.region\n'
                      '  assume_role {\n    role_arn     = "%s"\n    session_name = "ci"\n'
                      '    external_id  = "shared-ext"\n    duration     = "1h"\n  }\n'
                      '  assume_role {\n    role_arn     = "%s"\n    session_name = "net"\n'
                      '    tags = {\n      Pipeline = "network"\n    }\n  }\n' % (ROLE, ROLE_NET))
        with open(os.path.join(self.dir, "accounts.vpce"), "w") as f:
            f.write('provider "aws" {\n  alias  = "audit"\n  region = var.region\n'
                    '  assume_role {\n    role_arn = "arn:aws:iam::999988887777:role/audit"\n  }\n}\n\n'
                    'data "aws_availability_zones" "audit" {\n  provider = aws.audit\n}\n')
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 18 added", out)
        roles = [(c["RoleArn"], c["caller"]) for c in self.sts_calls("AssumeRole")]
        self.assertIn((ROLE, "arn:aws:iam::123456789012:user/test"), roles)
        self.assertIn((ROLE_NET, "arn:aws:sts::210987654321:assumed-role/deploy/ci"), roles)
        self.assertTrue(any(r == "arn:aws:iam::999988887777:role/audit" for r, _ in roles))
        first = [c for c in self.sts_calls("AssumeRole") if c["RoleArn"] == ROLE][0]
        self.assertEqual((first["ExternalId"], first["DurationSeconds"]), ("shared-ext", "3600"))
        code, out, err = e2e.vpce(self.sim, self.dir, "whoami", "-json", check=0)
        who = {p["provider"]: p for p in json.loads(out)["providers"]}
        self.assertEqual(who["aws"]["account"], "345678901234")
        self.assertEqual(who["aws.audit"]["account"], "999988887777")
        self.assertEqual(who["aws"]["source"], 'assume_role "%s" (from assume_role "%s" (from environment))'
                         % (ROLE_NET, ROLE))

    def test_wrong_account_fails_at_once_naming_account_and_arn(self):
        with_provider(self.dir, '  region = var.region\n  allowed_account_ids = ["111111111111"]\n'
                      '  assume_role {\n    role_arn = "%s"\n  }\n' % ROLE)
        code, out, err = e2e.vpce(self.sim, self.dir, "plan")
        self.assertEqual(code, 1)
        self.assertIn("arn:aws:sts::210987654321:assumed-role/deploy/", err)
        self.assertIn("in account 210987654321, which is not in allowed_account_ids (111111111111)", err)
        self.assertEqual(self.sim.get("/_sim/counts")["actions"].get("DescribeVpcs", 0), 0)

    def test_denied_role_names_role_and_caller(self):
        self.sim.post("/_sim/faults", {"sts_deny_roles": [ROLE]})
        with_provider(self.dir, '  region = var.region\n  assume_role {\n    role_arn = "%s"\n  }\n' % ROLE)
        code, out, err = e2e.vpce(self.sim, self.dir, "plan")
        self.assertEqual(code, 1)
        self.assertIn('cannot assume role "%s" as arn:aws:iam::123456789012:user/test (account '
                      "123456789012): AccessDenied" % ROLE, err)


class Refresh(Base):
    # Endpoints stay pending 2.5 s: the apply outlives the 2 s before short-lived credentials
    # (302 s, inside the 5-minute refresh window after 2 s) must be refreshed.
    sim_args = ("--pending-ms", "2500", "--sts-duration-s", "302")

    def test_refresh_during_a_long_apply(self):
        self.web_identity_env()
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 18 added", out)
        # Configured once, refreshed at least once while endpoints were pending.
        self.assertGreaterEqual(len(self.sts_calls("AssumeRoleWithWebIdentity")), 2)
        errors = self.sim.get("/_sim/counts")["errors"]
        self.assertEqual(errors.get("RequestExpired", 0) + errors.get("AuthFailure", 0), 0)

    def test_failed_refresh_stops_new_work_cleanly(self):
        self.web_identity_env()
        self.sim.post("/_sim/faults", {"sts_issue_limit": 1})  # the first refresh is refused
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve")
        self.assertEqual(code, 1, err)
        self.assertIn("stopped starting new operations: the credentials from web identity", err)
        self.assertIn("could not be refreshed", err)
        self.assertIn('cannot assume role "%s"' % ROLE, err)
        self.assertNoSecret(out + err, "stopped apply output")
        # What was made is recorded: every endpoint in the world is in the state.
        code, listed, _ = e2e.vpce(self.sim, self.dir, "state", "list", check=0)
        self.assertIn("aws_vpc.main", listed)
        self.assertNotIn("aws_vpc_endpoint_route_table_association.dynamodb_private", listed)
        self.assertEqual(len(e2e.live(self.sim.world()["vpc_endpoints"])),
                         listed.count("aws_vpc_endpoint."))
        # Fixed, the next apply finishes the rest.
        self.sim.post("/_sim/faults", {"sts_issue_limit": 0})
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete!", out)
        code, out, err = e2e.vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)


class Moto(unittest.TestCase):
    """The same flows against moto's STS and EC2 (python3 -m moto.server)."""

    def setUp(self):
        self.moto = e2e.Moto()
        self.url = self.moto.url
        self.dir = e2e.workdir(seed=True)
        self.token_file = os.path.join(tempfile.mkdtemp(prefix="vpce-e2e-oidc-"), "token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN)

    def tearDown(self):
        self.moto.stop()

    def run_vpce(self, extra, *args, check=None):
        env = dict(os.environ)
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS",
                  "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "VPCE_LOG"):
            env.pop(k, None)
        env.update({"AWS_ENDPOINT_URL": self.url, "AWS_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1",
                    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
        env.update(extra)
        p = subprocess.run([e2e.BINARY] + list(args), cwd=self.dir, env=env, capture_output=True,
                           text=True, timeout=600)
        if check is not None and p.returncode != check:
            raise AssertionError("vpce %s exited %d\nstdout:\n%s\nstderr:\n%s"
                                 % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p.returncode, p.stdout, p.stderr

    def test_seed_with_web_identity_against_moto(self):
        env = {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": self.token_file,
               "AWS_ROLE_SESSION_NAME": "moto-run", "AWS_ACCESS_KEY_ID": "",
               "AWS_SECRET_ACCESS_KEY": "", "VPCE_LOG": "debug"}
        code, out, err = self.run_vpce(env, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 18 added", out)
        self.assertIn("aws: -> sts:AssumeRoleWithWebIdentity", err)
        self.assertNotIn(SIG, out + err)
        code, out, err = self.run_vpce(env, "whoami", "-json", check=0)
        who = json.loads(out)["providers"][0]
        self.assertEqual(who["account"], "210987654321")
        self.assertEqual(who["arn"], "arn:aws:sts::210987654321:assumed-role/deploy/moto-run")
        for path, text in files_text(self.dir):
            self.assertNotIn(SIG, text, path)

    def test_seed_with_chained_assume_role_against_moto(self):
        with_provider(self.dir, '  region = var.region\n'
                      '  assume_role {\n    role_arn     = "%s"\n    session_name = "ci"\n  }\n'
                      '  assume_role {\n    role_arn     = "%s"\n    session_name = "net"\n  }\n'
                      % (ROLE, ROLE_NET))
        code, out, err = self.run_vpce({}, "apply", "-auto-approve", check=0)
        self.assertIn("Apply complete! Resources: 18 added", out)
        code, out, err = self.run_vpce({}, "whoami", "-json", check=0)
        who = json.loads(out)["providers"][0]
        self.assertEqual(who["arn"], "arn:aws:sts::345678901234:assumed-role/network-admin/net")
        self.run_vpce({}, "plan", "-detailed-exitcode", check=0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
