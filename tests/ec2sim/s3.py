"""The S3 subset of the simulator: what a state backend uses (GetObject, PutObject with
If-Match / If-None-Match, DeleteObject, HeadObject, ListObjectsV2), checked as strictly as the
EC2 side: SigV4 with S3's rules (x-amz-content-sha256 must be signed and match the body, or be
UNSIGNED-PAYLOAD), virtual-hosted (BUCKET.localhost:PORT) and path style, a 301 with
x-amz-bucket-region for a bucket of another region, server-side encryption headers (refused when
the bucket's policy requires them and they are missing), and an explicit, non-form Content-Type
on PUT. Faults: 409 ConditionalRequestConflict on the next N conditional writes, a dropped
connection after the next N PUTs were applied. Requests are counted with the EC2 ones
("s3:GetObject", ...)."""

import base64
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from xml.sax.saxutils import escape

import sigv4

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_OBJECT = 256 * 1024 * 1024
CLOCK_SKEW_S = 900  # S3 allows 15 minutes
UNSIGNED = "UNSIGNED-PAYLOAD"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class S3Error(Exception):
    def __init__(self, code, message, status=400, headers=None, extra=None):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.headers = headers or {}
        self.extra = extra or {}


def error_xml(e, rid):
    extra = "".join("<%s>%s</%s>" % (k, escape(str(v)), k) for k, v in e.extra.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>%s'
            "<RequestId>%s</RequestId></Error>" % (e.code, escape(e.message), extra, rid))


class S3World:
    """Buckets and objects, the S3 faults and the lock that guards them."""

    def __init__(self, region):
        self.region = region
        self.lock = threading.Lock()
        self.buckets = {}  # name -> {"region", "require_sse", "objects": {key: obj}}
        self.faults = {"conflict": 0, "drop_after_put": 0, "page_size": 1000}

    def reset_objects(self):
        with self.lock:
            for b in self.buckets.values():
                b["objects"] = {}
            self.faults = {"conflict": 0, "drop_after_put": 0, "page_size": 1000}

    def create_bucket(self, name, region=None, require_sse=False):
        with self.lock:
            b = self.buckets.setdefault(name, {"objects": {}})
            b["region"] = region or self.region
            b["require_sse"] = bool(require_sse)
        return {"name": name, "region": b["region"], "require_sse": b["require_sse"]}

    def describe(self, bucket):
        with self.lock:
            b = self.buckets.get(bucket)
            if b is None:
                raise KeyError("no bucket %s" % bucket)
            return {k: {"etag": o["etag"], "size": len(o["data"]), "sse": o["sse"],
                        "kms_key_id": o["kms_key_id"], "content_type": o["content_type"],
                        "meta": o["meta"], "sha256": hashlib.sha256(o["data"]).hexdigest(),
                        "data_b64": base64.b64encode(o["data"]).decode() if len(o["data"]) < (1 << 20)
                        else None}
                    for k, o in sorted(b["objects"].items())}

    def put_raw(self, bucket, key, data):
        """Control endpoint: store an object as another writer would (no checks)."""
        with self.lock:
            b = self.buckets[bucket]
            etag = '"%s"' % hashlib.md5(data).hexdigest()
            b["objects"][key] = {"data": data, "etag": etag, "meta": {}, "sse": "AES256",
                                 "kms_key_id": None, "content_type": "application/octet-stream",
                                 "modified": time.time()}
            return etag

    def delete_raw(self, bucket, key):
        with self.lock:
            self.buckets[bucket]["objects"].pop(key, None)

    def set_faults(self, d):
        with self.lock:
            for k, v in d.items():
                if k not in self.faults:
                    raise ValueError("unknown S3 fault %r (known: %s)" % (k, ", ".join(sorted(self.faults))))
                v = int(v)
                if v < 0 or (k == "page_size" and v < 1):
                    raise ValueError("%s must be positive" % k)
                self.faults[k] = v
            return dict(self.faults)


def parse_host(host):
    """(bucket or None) from a Host header: BUCKET.localhost[:port] is virtual-hosted style."""
    name = (host or "").rsplit(":", 1)[0] if not (host or "").startswith("[") else host
    if name.endswith(".localhost") and name != "localhost":
        return name[: -len(".localhost")]
    return None


def is_s3_request(handler):
    """True when the request is for the S3 side: virtual-hosted, a verb EC2 never uses, or a
    path-style request (EC2 is always sent to "/") signed for s3."""
    if parse_host(handler.headers.get("Host")):
        return True
    if handler.command in ("PUT", "DELETE", "HEAD"):
        return True
    if handler.path.split("?", 1)[0] in ("", "/"):
        return False
    a = sigv4.parse_authorization(handler.headers.get("Authorization") or "")
    return bool(a and a["service"] == "s3")


def canonical_request_s3(method, raw_path, query, headers, signed, payload_hash):
    """S3 signs the path as sent, encoded once, without normalisation."""
    ch, sh = sigv4.canonical_headers(headers, signed)
    uri = sigv4.uri_encode(urllib.parse.unquote(raw_path) or "/", keep_slash=True)
    return "\n".join([method, uri, sigv4.canonical_query(query), ch, sh, payload_hash])


class S3Handler:
    """Handles one S3 request for the server's Handler (which owns the socket)."""

    def __init__(self, h):
        self.h = h
        self.sim = h.server.sim
        self.world = self.sim.s3

    def send(self, status, body=b"", headers=None, ctype="application/xml"):
        h = self.h
        data = body.encode("utf-8") if isinstance(body, str) else body
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if data or h.command != "HEAD":
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD" and data:
            h.wfile.write(data)

    def handle(self):
        h, sim, cfg = self.h, self.sim, self.sim.cfg
        rid = sim.request_id()
        sim.count(total=True)
        op = None
        try:
            n = h.headers.get("Content-Length")
            try:
                n = int(n) if n is not None else 0
            except ValueError:
                n = -1
            if n < 0 or n > MAX_OBJECT:
                h.close_connection = True
                raise S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            body = h.rfile.read(n) if n else b""
            if cfg.latency_ms > 0:
                time.sleep(cfg.latency_ms / 1000.0)
            if sim.chance(cfg.drop_prob):
                sim.count(dropped=True)
                return h._drop()
            bucket, key, query = self.route()
            op = self.op_name(bucket, key, query)
            sim.count(action="s3:" + op)
            b = self.check_auth(body, bucket)
            hit = not cfg.fault_actions or ("s3:" + op) in cfg.fault_actions
            if hit and sim.chance(cfg.throttle_prob):
                raise S3Error("SlowDown", "Please reduce your request rate.", 503)
            if hit and sim.chance(cfg.error_prob):
                raise S3Error("InternalError", "We encountered an internal error. Please try again.", 500)
            if op == "ListObjectsV2":
                return self.list(bucket, b, query)
            if op == "GetObject" or op == "HeadObject":
                return self.get(b, key)
            if op == "PutObject":
                return self.put(b, key, body)
            if op == "DeleteObject":
                return self.delete(b, key)
            raise S3Error("NotImplemented", "A header or operation you provided implies functionality "
                          "that is not implemented", 501)
        except S3Error as e:
            sim.count(error=e.code)
            if h.command == "HEAD":
                return self.send(e.status, b"", e.headers)
            return self.send(e.status, error_xml(e, rid), e.headers)

    def route(self):
        """(bucket, key or None, query dict) from the Host header and the path."""
        raw_path, _, raw_query = self.h.path.partition("?")
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        vbucket = parse_host(self.h.headers.get("Host"))
        path = urllib.parse.unquote(raw_path)
        if vbucket:
            key = path[1:] if path.startswith("/") else path
            return vbucket, key or None, query
        parts = path.lstrip("/").split("/", 1)
        if not parts[0]:
            raise S3Error("InvalidRequest", "no bucket in the request")
        return parts[0], (parts[1] if len(parts) > 1 and parts[1] else None), query

    def op_name(self, bucket, key, query):
        m = self.h.command
        if key is None:
            if m == "GET" and query.get("list-type") == "2":
                return "ListObjectsV2"
            return "Bucket" + m.title()
        return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject",
                "DELETE": "DeleteObject"}.get(m, m)

    def check_auth(self, body, bucket):
        h, cfg = self.h, self.sim.cfg
        authz = h.headers.get("Authorization")
        if not authz:
            raise S3Error("AccessDenied", "Access Denied (anonymous requests are refused)", 403)
        a = sigv4.parse_authorization(authz)
        if a is None or a["terminator"] != "aws4_request":
            raise S3Error("AuthorizationHeaderMalformed", "The authorization header is malformed", 400)
        secret = cfg.credentials.get(a["akid"])
        temp = None
        if secret is None:
            temp = self.sim.sts.lookup(a["akid"])  # credentials STS issued
            secret = temp["secret"] if temp is not None else None
        if secret is None:
            raise S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in "
                          "our records.", 403)
        if a["service"] != "s3":
            raise S3Error("AuthorizationHeaderMalformed", "The authorization header is malformed; "
                          "incorrect service \"%s\". This endpoint belongs to \"s3\"." % a["service"])
        with self.world.lock:
            b = self.world.buckets.get(bucket)
        if b is None:
            raise S3Error("NoSuchBucket", "The specified bucket does not exist", 404,
                          extra={"BucketName": bucket})
        if a["region"] != b["region"]:
            raise S3Error("PermanentRedirect", "The bucket you are attempting to access must be "
                          "addressed using the specified endpoint. Please send all future requests "
                          "to this endpoint.", 301, headers={"x-amz-bucket-region": b["region"]},
                          extra={"Bucket": bucket, "Endpoint": "s3.%s.amazonaws.com" % b["region"]})
        amz_date = h.headers.get("X-Amz-Date")
        try:
            when = datetime.strptime(amz_date or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date "
                          "header", 403) from None
        declared = h.headers.get("X-Amz-Content-Sha256")
        if declared is None:
            raise S3Error("InvalidRequest", "Missing required header for this request: "
                          "x-amz-content-sha256")
        for name in ("host", "x-amz-date", "x-amz-content-sha256"):
            if name not in a["signed"]:
                raise S3Error("AccessDenied", "There were headers present in the request which were "
                              "not signed: %s" % name, 403)
        for name in h.headers.keys():
            n = name.lower()
            if (n.startswith("x-amz-") or n in ("if-match", "if-none-match", "content-type")) \
                    and n not in a["signed"] and n != "x-amz-security-token":
                raise S3Error("AccessDenied", "There were headers present in the request which were "
                              "not signed: %s" % n, 403)
        if a["date"] != amz_date[:8]:
            raise S3Error("SignatureDoesNotMatch", "Date in Credential scope does not match the "
                          "x-amz-date header", 403)
        skew = (when - datetime.now(timezone.utc)).total_seconds()
        if abs(skew) > CLOCK_SKEW_S:
            raise S3Error("RequestTimeTooSkewed", "The difference between the request time and the "
                          "current time is too large.", 403)
        actual = hashlib.sha256(body).hexdigest()
        if declared != UNSIGNED and declared != actual:
            raise S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header "
                          "does not match what was computed.", 400,
                          extra={"ClientComputedContentSHA256": declared,
                                 "S3ComputedContentSHA256": actual})
        raw_path, _, raw_query = h.path.partition("?")
        creq = canonical_request_s3(h.command, raw_path, raw_query, list(h.headers.items()),
                                    a["signed"], declared)
        scope = "%s/%s/%s/aws4_request" % (a["date"], a["region"], a["service"])
        sts = sigv4.string_to_sign(amz_date, scope, creq)
        expected = sigv4.signature(secret, a["date"], a["region"], a["service"], sts)
        if not hmac.compare_digest(expected, a["signature"]):
            if self.sim.cfg.verbose:
                import sys
                sys.stderr.write("ec2sim s3: canonical request was:\n%s\n" % creq)
            raise S3Error("SignatureDoesNotMatch", "The request signature we calculated does not match "
                          "the signature you provided. Check your key and signing method.", 403)
        if temp is not None:
            # Temporary credentials work only with their own session token, until they expire.
            if h.headers.get("X-Amz-Security-Token") != temp["token"]:
                raise S3Error("InvalidToken", "The provided token is malformed or otherwise invalid.",
                              400)
            if time.time() >= temp["expires"]:
                raise S3Error("ExpiredToken", "The provided token has expired.", 400)
        return b

    # ------------------------------------------------------------------ operations
    def get(self, b, key):
        with self.world.lock:
            o = b["objects"].get(key)
            if o is None:
                raise S3Error("NoSuchKey", "The specified key does not exist.", 404, extra={"Key": key})
            data, headers = o["data"], self.object_headers(o)
        self.send(200, data, headers, ctype=o["content_type"])

    def object_headers(self, o):
        hs = {"ETag": o["etag"], "Last-Modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                                time.gmtime(o["modified"]))}
        if o["sse"]:
            hs["x-amz-server-side-encryption"] = o["sse"]
        if o["kms_key_id"]:
            hs["x-amz-server-side-encryption-aws-kms-key-id"] = o["kms_key_id"]
        for k, v in o["meta"].items():
            hs["x-amz-meta-" + k] = v
        return hs

    def put(self, b, key, body):
        h, world = self.h, self.world
        ctype = h.headers.get("Content-Type")
        if not ctype or ctype.split(";")[0].strip().lower() in FORM_TYPES:
            raise S3Error("InvalidRequest", "ec2sim requires an explicit, non-form Content-Type on "
                          "PutObject (got %r)" % ctype)
        sse = h.headers.get("x-amz-server-side-encryption")
        kms = h.headers.get("x-amz-server-side-encryption-aws-kms-key-id")
        if sse is not None and sse not in ("AES256", "aws:kms"):
            raise S3Error("InvalidArgument", "The encryption method specified is not supported")
        if kms and sse != "aws:kms":
            raise S3Error("InvalidArgument", "Server Side Encryption with KMS managed key requires "
                          "HTTP header x-amz-server-side-encryption : aws:kms")
        if b["require_sse"] and sse is None:
            raise S3Error("AccessDenied", "Access Denied (the bucket policy denies PutObject without "
                          "x-amz-server-side-encryption)", 403)
        if_match = h.headers.get("If-Match")
        if_none = h.headers.get("If-None-Match")
        if if_none is not None and if_none.strip() != "*":
            raise S3Error("NotImplemented", "A header you provided implies functionality that is not "
                          "implemented: If-None-Match accepts only *", 501)
        meta = {k.lower()[len("x-amz-meta-"):]: v for k, v in h.headers.items()
                if k.lower().startswith("x-amz-meta-")}
        with world.lock:
            conditional = if_match is not None or if_none is not None
            if conditional and world.faults["conflict"] > 0:
                world.faults["conflict"] -= 1
                conflict = True
            else:
                conflict = False
        if conflict:
            raise S3Error("ConditionalRequestConflict", "A conflicting conditional operation is "
                          "currently in progress against this resource. Please try again.", 409)
        with world.lock:
            cur = b["objects"].get(key)
            if if_none is not None and cur is not None:
                raise S3Error("PreconditionFailed", "At least one of the pre-conditions you specified "
                              "did not hold", 412, extra={"Condition": "If-None-Match"})
            if if_match is not None:
                if cur is None:
                    raise S3Error("NoSuchKey", "The specified key does not exist.", 404, extra={"Key": key})
                if if_match.strip() != cur["etag"] and if_match.strip() != "*":
                    raise S3Error("PreconditionFailed", "At least one of the pre-conditions you "
                                  "specified did not hold", 412, extra={"Condition": "If-Match"})
            if sse == "aws:kms":
                etag = '"%s"' % os.urandom(16).hex()  # not an MD5, as with SSE-KMS
            else:
                etag = '"%s"' % hashlib.md5(body).hexdigest()
            b["objects"][key] = {"data": body, "etag": etag, "meta": meta, "sse": sse,
                                 "kms_key_id": kms, "content_type": ctype, "modified": time.time()}
            drop = world.faults["drop_after_put"] > 0
            if drop:
                world.faults["drop_after_put"] -= 1
        if drop:
            self.sim.count(dropped=True)
            return h._drop()
        hs = {"ETag": etag}
        if sse:
            hs["x-amz-server-side-encryption"] = sse
        self.send(200, b"", hs)

    def delete(self, b, key):
        if_match = self.h.headers.get("If-Match")
        with self.world.lock:
            cur = b["objects"].get(key)
            if if_match is not None and (cur is None or cur["etag"] != if_match.strip()):
                raise S3Error("PreconditionFailed", "At least one of the pre-conditions you specified "
                              "did not hold", 412, extra={"Condition": "If-Match"})
            b["objects"].pop(key, None)
        self.send(204, b"")

    def list(self, name, b, query):
        prefix = query.get("prefix", "")
        token = query.get("continuation-token")
        try:
            max_keys = int(query.get("max-keys", "1000"))
        except ValueError:
            raise S3Error("InvalidArgument", "max-keys must be an integer") from None
        with self.world.lock:
            page = min(max_keys, self.world.faults["page_size"])
            keys = sorted(k for k in b["objects"] if k.startswith(prefix))
            start = 0
            if token:
                try:
                    after = base64.urlsafe_b64decode(token.encode()).decode()
                except (ValueError, UnicodeDecodeError):
                    raise S3Error("InvalidArgument", "The continuation token provided is incorrect") from None
                start = next((i for i, k in enumerate(keys) if k > after), len(keys))
            chunk = keys[start:start + page]
            truncated = start + page < len(keys)
            items = "".join("<Contents><Key>%s</Key><ETag>%s</ETag><Size>%d</Size>"
                            "<StorageClass>STANDARD</StorageClass></Contents>"
                            % (escape(k), escape(b["objects"][k]["etag"]), len(b["objects"][k]["data"]))
                            for k in chunk)
        nxt = ""
        if truncated:
            nxt = "<NextContinuationToken>%s</NextContinuationToken>" % \
                base64.urlsafe_b64encode(chunk[-1].encode()).decode()
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="%s"><Name>%s</Name>'
               "<Prefix>%s</Prefix><KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>"
               "<IsTruncated>%s</IsTruncated>%s%s</ListBucketResult>"
               % (S3_NS, escape(name), escape(prefix), len(chunk), max_keys,
                  "true" if truncated else "false", items, nxt))
        self.send(200, xml)


def control(sim, method, path, query, req):
    """The /_sim/s3/... control endpoints; returns (status, json) or None when not one of them."""
    w = sim.s3
    if path == "/_sim/s3/buckets" and method == "POST":
        return 200, w.create_bucket(req["name"], req.get("region"), req.get("require_sse", False))
    if path == "/_sim/s3/objects" and method == "GET":
        return 200, w.describe(query["bucket"])
    if path == "/_sim/s3/object" and method == "POST":
        return 200, {"etag": w.put_raw(req["bucket"], req["key"], base64.b64decode(req["data_b64"]))}
    if path == "/_sim/s3/object/delete" and method == "POST":
        w.delete_raw(req["bucket"], req["key"])
        return 200, {"ok": True}
    if path == "/_sim/s3/faults" and method == "POST":
        return 200, w.set_faults(req)
    if path == "/_sim/s3/faults" and method == "GET":
        with w.lock:
            return 200, dict(w.faults)
    return None


def json_dumps(obj):
    return json.dumps(obj, indent=1, sort_keys=True)
