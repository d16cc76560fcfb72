"""Test helpers: run the simulator in-process (or as a subprocess) and talk to it with raw,
signed HTTP requests."""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sigv4  # noqa: E402
from server import Config, make_server  # noqa: E402

NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


def xml_to_py(el):
    """EC2 XML -> Python: <x><item>..</item></x> -> list, nested elements -> dict, text -> str."""
    kids = list(el)
    if not kids:
        return el.text or ""
    if all(k.tag.replace(NS, "") == "item" for k in kids):
        return [xml_to_py(k) for k in kids]
    return {k.tag.replace(NS, "").replace(STS_NS, ""): xml_to_py(k) for k in kids}


class Result:
    def __init__(self, status, body):
        self.status = status
        self.body = body
        try:
            self.root = ET.fromstring(body) if body.strip() else None
        except ET.ParseError:  # not XML: an HTML error page (refuse_filters)
            self.root = None
        self.code = self.message = None
        if self.root is not None and self.root.tag == "Response":
            self.code = self.root.findtext("Errors/Error/Code")
            self.message = self.root.findtext("Errors/Error/Message")
            self.data = None
        elif self.root is not None and self.root.tag == STS_NS + "ErrorResponse":
            self.code = self.root.findtext(STS_NS + "Error/" + STS_NS + "Code")
            self.message = self.root.findtext(STS_NS + "Error/" + STS_NS + "Message")
            self.data = None
        elif self.root is not None:
            self.data = xml_to_py(self.root)

    @property
    def ok(self):
        return self.status == 200

    def __getitem__(self, k):
        return self.data[k]

    def __repr__(self):
        return "Result(%s, %s)" % (self.status, self.code or self.data)


def flatten(params, prefix=""):
    """{"Filter": [{"Name": "x", "Value": ["a"]}]} -> {"Filter.1.Name": "x", "Filter.1.Value.1": "a"}.
    Keys are wire names already."""
    out = {}
    if isinstance(params, dict):
        for k, v in params.items():
            out.update(flatten(v, prefix + "." + k if prefix else k))
    elif isinstance(params, (list, tuple)):
        for i, v in enumerate(params, 1):
            out.update(flatten(v, "%s.%d" % (prefix, i)))
    elif isinstance(params, bool):
        out[prefix] = "true" if params else "false"
    else:
        out[prefix] = str(params)
    return out


class Client:
    def __init__(self, port, akid="AKIDEXAMPLE", secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                 region="us-east-1", service="ec2"):
        self.port = port
        self.akid, self.secret, self.region, self.service = akid, secret, region, service

    def raw(self, body, headers=None, method="POST", path="/", sign=True, amz_date=None,
            mutate_sig=False, session_token=None, sign_region=None, sign_service=None, secret=None):
        host = "127.0.0.1:%d" % self.port
        amz_date = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        hdrs = [("Host", host), ("X-Amz-Date", amz_date)]
        if method == "POST":
            hdrs.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
        for k, v in (headers or {}).items():
            hdrs.append((k, v))
        if sign:
            q = path.split("?", 1)[1] if "?" in path else ""
            authz, _, _ = sigv4.sign(method, path.split("?")[0], q, hdrs, body, self.akid,
                                     secret or self.secret, sign_region or self.region,
                                     sign_service or self.service, amz_date, session_token=session_token)
            if mutate_sig:
                authz = authz[:-1] + ("0" if authz[-1] != "0" else "1")
            hdrs.append(("Authorization", authz))
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs:
                conn.putheader(k, v)
            data = body.encode() if isinstance(body, str) else body
            conn.putheader("Content-Length", str(len(data)))
            conn.endheaders()
            conn.send(data)
            resp = conn.getresponse()
            return Result(resp.status, resp.read().decode())
        finally:
            conn.close()

    def call(self, action, params=None, **kw):
        flat = {"Action": action, "Version": "2016-11-15"}
        flat.update(flatten(params or {}))
        return self.raw(urllib.parse.urlencode(flat), **kw)

    def sts(self, action, params=None, **kw):
        """An STS request (Version 2011-06-15, signed for "sts" unless sign=False)."""
        flat = {"Action": action, "Version": "2011-06-15"}
        flat.update(params or {})
        kw.setdefault("sign_service", "sts")
        return self.raw(urllib.parse.urlencode(flat), **kw)

    def ok(self, action, params=None):
        r = self.call(action, params)
        if not r.ok:
            raise AssertionError("%s failed: %s %s %s" % (action, r.status, r.code, r.message))
        return r

    def control(self, method, path, obj=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            body = json.dumps(obj).encode() if obj is not None else b""
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read().decode() or "null")
        finally:
            conn.close()


class InProcessSim:
    """Start the simulator on a thread. Use as a context manager or call start()/stop()."""

    def __init__(self, **cfg):
        cfg.setdefault("pending_ms", 0.0)
        cfg.setdefault("buckets", False)
        seed = cfg.pop("seed", 1)
        self.cfg = Config(**cfg)
        self.server, self.sim = make_server(self.cfg, seed=seed)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()

    def client(self, **kw):
        return Client(self.port, **kw)
