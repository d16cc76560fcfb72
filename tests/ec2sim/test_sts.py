"""STS in the simulator: the three actions, strict SigV4 for the signed ones, parameter checks,
and the temporary credentials on the EC2 side (their session token required, refused once
expired with EC2's RequestExpired)."""

import base64
import json
import time
import unittest

from simclient import InProcessSim

ROLE = "arn:aws:iam::210987654321:role/deploy"


def jwt(claims):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    return "%s.%s.c2ln" % (enc({"alg": "RS256"}), enc(claims))


class STSTest(unittest.TestCase):
    def setUp(self):
        self.sim = InProcessSim().start()
        self.c = self.sim.client()

    def tearDown(self):
        self.sim.stop()

    def assume(self, **extra):
        params = {"RoleArn": ROLE, "RoleSessionName": "ci"}
        params.update(extra)
        return self.c.sts("AssumeRole", params)

    def temp_client(self, r, action="AssumeRoleResult"):
        cr = r[action]["Credentials"]
        return cr, self.sim.client(akid=cr["AccessKeyId"], secret=cr["SecretAccessKey"])

    def test_caller_identity_of_long_term_key(self):
        r = self.c.sts("GetCallerIdentity")
        self.assertTrue(r.ok, r)
        res = r["GetCallerIdentityResult"]
        self.assertEqual(res["Account"], "123456789012")
        self.assertEqual(res["Arn"], "arn:aws:iam::123456789012:user/AKIDEXAMPLE")

    def test_assume_role_and_use_the_credentials(self):
        r = self.assume(DurationSeconds="900", ExternalId="ext-1")
        self.assertTrue(r.ok, r)
        res = r["AssumeRoleResult"]
        self.assertEqual(res["AssumedRoleUser"]["Arn"], "arn:aws:sts::210987654321:assumed-role/deploy/ci")
        cr, tc = self.temp_client(r)
        self.assertTrue(cr["AccessKeyId"].startswith("ASIA"))
        # EC2 takes them with their session token only.
        ok = tc.call("DescribeVpcs", session_token=cr["SessionToken"])
        self.assertTrue(ok.ok, ok)
        self.assertEqual(tc.call("DescribeVpcs").code, "AuthFailure")
        self.assertEqual(tc.call("DescribeVpcs", session_token="wrong").code, "AuthFailure")
        # STS sees who they are.
        who = tc.sts("GetCallerIdentity", session_token=cr["SessionToken"])
        self.assertEqual(who["GetCallerIdentityResult"]["Arn"], res["AssumedRoleUser"]["Arn"])
        self.assertEqual(tc.sts("GetCallerIdentity").code, "InvalidClientTokenId")
        calls = self.c.control("GET", "/_sim/sts")[1]["calls"]
        self.assertEqual(calls[0]["ExternalId"], "ext-1")
        self.assertEqual(calls[0]["caller"], "arn:aws:iam::123456789012:user/AKIDEXAMPLE")

    def test_expired_credentials_are_refused(self):
        self.c.control("POST", "/_sim/faults", {"sts_duration_s": 1})
        r = self.assume()
        cr, tc = self.temp_client(r)
        self.assertTrue(tc.call("DescribeVpcs", session_token=cr["SessionToken"]).ok)
        time.sleep(1.2)
        e = tc.call("DescribeVpcs", session_token=cr["SessionToken"])
        self.assertEqual((e.status, e.code), (400, "RequestExpired"))
        e = tc.sts("GetCallerIdentity", session_token=cr["SessionToken"])
        self.assertEqual(e.code, "ExpiredToken")

    def test_signature_is_checked(self):
        self.assertEqual(self.c.sts("AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "x1"},
                                    mutate_sig=True).code, "SignatureDoesNotMatch")
        # Scoped to the wrong service.
        self.assertEqual(self.c.sts("GetCallerIdentity", sign_service="ec2").code, "SignatureDoesNotMatch")
        self.assertEqual(self.c.sts("AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "x1"},
                                    sign=False).code, "MissingAuthenticationToken")

    def test_parameters_are_checked(self):
        self.assertEqual(self.c.sts("AssumeRole", {"RoleSessionName": "x1"}).code, "ValidationError")
        self.assertEqual(self.assume(RoleArn="arn:aws:iam::1:role/x").code, "ValidationError")
        self.assertEqual(self.assume(RoleSessionName="has space").code, "ValidationError")
        self.assertEqual(self.assume(DurationSeconds="60").code, "ValidationError")
        self.assertEqual(self.assume(Policy="{not json").code, "MalformedPolicyDocument")
        self.assertEqual(self.assume(Bogus="1").code, "InvalidParameterValue")
        # Role chaining is limited to one hour.
        cr, tc = self.temp_client(self.assume())
        r = tc.sts("AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "x2", "DurationSeconds": "7200"},
                   session_token=cr["SessionToken"])
        self.assertEqual(r.code, "ValidationError")
        self.assertIn("role chaining", r.message)

    def test_denied_role(self):
        self.c.control("POST", "/_sim/faults", {"sts_deny_roles": [ROLE]})
        r = self.assume()
        self.assertEqual((r.status, r.code), (403, "AccessDenied"))
        self.assertIn(ROLE, r.message)

    def test_web_identity_is_unsigned_and_checks_the_token(self):
        tok = jwt({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:x/y:ref:main",
                   "aud": "sts.amazonaws.com", "exp": int(time.time()) + 600})
        p = {"RoleArn": ROLE, "RoleSessionName": "gha", "WebIdentityToken": tok}
        r = self.c.sts("AssumeRoleWithWebIdentity", p, sign=False)
        self.assertTrue(r.ok, r)
        res = r["AssumeRoleWithWebIdentityResult"]
        self.assertEqual(res["AssumedRoleUser"]["Arn"], "arn:aws:sts::210987654321:assumed-role/deploy/gha")
        self.assertEqual(res["SubjectFromWebIdentityToken"], "repo:x/y:ref:main")
        report = self.c.control("GET", "/_sim/sts")[1]
        self.assertNotIn(tok, json.dumps(report))
        bad = dict(p, WebIdentityToken="not-a-jwt")
        self.assertEqual(self.c.sts("AssumeRoleWithWebIdentity", bad, sign=False).code,
                         "InvalidIdentityToken")
        old = dict(p, WebIdentityToken=jwt({"iss": "i", "exp": int(time.time()) - 5}))
        self.assertEqual(self.c.sts("AssumeRoleWithWebIdentity", old, sign=False).code,
                         "ExpiredTokenException")
        self.c.control("POST", "/_sim/faults", {"sts_idp_errors": 1})
        self.assertEqual(self.c.sts("AssumeRoleWithWebIdentity", p, sign=False).code,
                         "IDPCommunicationError")
        self.assertTrue(self.c.sts("AssumeRoleWithWebIdentity", p, sign=False).ok)


if __name__ == "__main__":
    unittest.main()
