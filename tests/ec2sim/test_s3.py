"""The simulator's S3 subset over raw signed HTTP: SigV4 with S3's rules, conditional writes,
SSE, content types, region redirects, both addressing styles, faults and listing."""

import hashlib
import http.client
import os
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s3  # noqa: E402
import sigv4  # noqa: E402
from simclient import InProcessSim  # noqa: E402

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


class S3Tests(unittest.TestCase):
    def setUp(self):
        self.sim = InProcessSim().start()
        self.sim.sim.s3.create_bucket("b")
        self.sim.sim.s3.create_bucket("far", "eu-west-1")
        self.sim.sim.s3.create_bucket("enc", require_sse=True)

    def tearDown(self):
        self.sim.stop()

    def req(self, method, path, body=b"", headers=None, host=None, payload=None, sign=True,
            region="us-east-1", service="s3", unsigned=(), secret=SECRET):
        """Sends one request; payload is the x-amz-content-sha256 value (default: the body's);
        headers named in unsigned are sent but left out of the signature."""
        host = host or "127.0.0.1:%d" % self.sim.port
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        payload = payload or hashlib.sha256(body).hexdigest()
        hdrs = [("Host", host), ("X-Amz-Date", amz_date), ("X-Amz-Content-Sha256", payload)]
        hdrs += list((headers or {}).items())
        if sign:
            signed = sorted({n.lower() for n, _ in hdrs} - {u.lower() for u in unsigned})
            raw_path, _, query = path.partition("?")
            creq = s3.canonical_request_s3(method, raw_path, query, hdrs, signed, payload)
            scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
            sts = sigv4.string_to_sign(amz_date, scope, creq)
            sig = sigv4.signature(secret, amz_date[:8], region, service, sts)
            hdrs.append(("Authorization", "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
                         "Signature=%s" % (AKID, scope, ";".join(signed), sig)))
        conn = http.client.HTTPConnection("127.0.0.1", self.sim.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs:
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            conn.send(body)
            r = conn.getresponse()
            data = r.read()
            code = None
            if data.startswith(b"<?xml") and b"<Error>" in data:
                code = ET.fromstring(data).findtext("Code")
            return r.status, code, dict((k.lower(), v) for k, v in r.getheaders()), data
        finally:
            conn.close()

    def put(self, path, body=b"x", headers=None, **kw):
        h = {"Content-Type": "application/octet-stream"}
        h.update(headers or {})
        return self.req("PUT", path, body, h, **kw)

    def test_signature_rules(self):
        self.assertEqual(self.put("/b/k")[:2], (200, None))
        self.assertEqual(self.put("/b/k", sign=False)[:2], (403, "AccessDenied"))
        self.assertEqual(self.put("/b/k", secret="wrong")[:2], (403, "SignatureDoesNotMatch"))
        self.assertEqual(self.put("/b/k", service="ec2")[:2], (400, "AuthorizationHeaderMalformed"))
        self.assertEqual(self.put("/b/k", payload="0" * 64)[:2], (400, "XAmzContentSHA256Mismatch"))
        self.assertEqual(self.put("/b/k", payload=s3.UNSIGNED)[:2], (200, None))
        # x-amz-* and conditional headers must be signed.
        r = self.put("/b/k", headers={"x-amz-meta-a": "1"}, unsigned=("x-amz-meta-a",))
        self.assertEqual(r[:2], (403, "AccessDenied"))
        r = self.put("/b/k", headers={"If-None-Match": "*"}, unsigned=("If-None-Match",))
        self.assertEqual(r[:2], (403, "AccessDenied"))
        # The path is signed as sent: a signature over a normalised path does not match.
        self.assertEqual(self.put("/b/a//b/../k")[:2], (200, None))
        self.assertIn("a//b/../k", self.sim.sim.s3.describe("b"))

    def test_conditional_writes(self):
        st, _, h, _ = self.put("/b/k", headers={"If-None-Match": "*"})
        self.assertEqual(st, 200)
        etag = h["etag"]
        self.assertEqual(self.put("/b/k", headers={"If-None-Match": "*"})[:2], (412, "PreconditionFailed"))
        self.assertEqual(self.put("/b/k", headers={"If-None-Match": etag})[:2], (501, "NotImplemented"))
        self.assertEqual(self.put("/b/k", headers={"If-Match": '"00"'})[:2], (412, "PreconditionFailed"))
        self.assertEqual(self.put("/b/new", headers={"If-Match": etag})[:2], (404, "NoSuchKey"))
        st, _, h2, _ = self.put("/b/k", b"y", headers={"If-Match": etag})
        self.assertEqual(st, 200)
        self.assertNotEqual(h2["etag"], etag)
        self.sim.sim.s3.set_faults({"conflict": 1})
        self.assertEqual(self.put("/b/k", headers={"If-Match": h2["etag"]})[:2],
                         (409, "ConditionalRequestConflict"))
        self.assertEqual(self.put("/b/k", headers={"If-Match": h2["etag"]})[0], 200)

    def test_sse_and_content_type(self):
        self.assertEqual(self.put("/enc/k")[:2], (403, "AccessDenied"))
        r = self.put("/enc/k", headers={"x-amz-server-side-encryption": "AES256"})
        self.assertEqual((r[0], r[2].get("x-amz-server-side-encryption")), (200, "AES256"))
        self.assertEqual(self.put("/b/k", headers={"x-amz-server-side-encryption": "DES"})[:2],
                         (400, "InvalidArgument"))
        self.assertEqual(self.req("PUT", "/b/k", b"a=1")[:2], (400, "InvalidRequest"))
        self.assertEqual(self.put("/b/k", headers={
            "Content-Type": "application/x-www-form-urlencoded"})[:2], (400, "InvalidRequest"))

    def test_region_redirect_and_styles(self):
        st, code, h, _ = self.req("GET", "/far/k")
        self.assertEqual((st, code, h.get("x-amz-bucket-region")), (301, "PermanentRedirect", "eu-west-1"))
        st, _, h, body = self.req("HEAD", "/far/k")
        self.assertEqual((st, h.get("x-amz-bucket-region"), body), (301, "eu-west-1", b""))
        self.assertEqual(self.req("GET", "/far/k", region="eu-west-1")[:2], (404, "NoSuchKey"))
        host = "b.localhost:%d" % self.sim.port
        self.assertEqual(self.put("/v", b"virt", host=host)[0], 200)
        self.assertEqual(self.req("GET", "/b/v")[3], b"virt")
        self.assertEqual(self.req("GET", "/v", host=host)[3], b"virt")
        self.assertEqual(self.req("GET", "/nobucket/k")[:2], (404, "NoSuchBucket"))

    def test_list_pages_and_delete(self):
        for i in range(5):
            self.put("/b/p/%d" % i)
        self.sim.sim.s3.set_faults({"page_size": 2})
        keys, token = [], None
        while True:
            q = "list-type=2&prefix=p%2F" + ("&continuation-token=" + token if token else "")
            st, _, _, body = self.req("GET", "/b?" + q)
            self.assertEqual(st, 200)
            root = ET.fromstring(body)
            ns = "{%s}" % s3.S3_NS
            keys += [c.findtext(ns + "Key") for c in root.findall(ns + "Contents")]
            token = root.findtext(ns + "NextContinuationToken")
            if root.findtext(ns + "IsTruncated") != "true":
                break
        self.assertEqual(keys, ["p/%d" % i for i in range(5)])
        self.assertEqual(self.req("DELETE", "/b/p/0")[0], 204)
        self.assertEqual(self.req("HEAD", "/b/p/0")[0], 404)
        self.assertEqual(self.sim.sim.counts["actions"]["s3:ListObjectsV2"], 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
