"""HTTP front end of the simulator: SigV4 check, EC2 request framing, token buckets, fault
injection, request counting, and the unsigned JSON control endpoint under /_sim/."""

import hashlib
import hmac
import json
import os
import random
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import s3
import sigv4
import sts as stsmod
from model import API_VERSION, EC2Error, Model, error_xml

DEFAULT_CREDENTIALS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "test": "test"}
MAX_BODY = 4 * 1024 * 1024
CLOCK_SKEW_S = 300

# Runtime-adjustable knobs (flags at start, POST /_sim/faults later) and their types.
FAULT_KNOBS = {
    "latency_ms": float, "throttle_prob": float, "error_prob": float, "drop_prob": float,
    "drop_after_prob": float, "consistency_delay_ms": float, "pending_ms": float,
    "deleted_linger_ms": float, "time_scale": float, "buckets": bool, "fault_actions": list,
    "sts_duration_s": float, "sts_deny_roles": list, "sts_idp_errors": float,
    "sts_issue_limit": float,
    "refuse_filters": list, "refuse_shape": str,
}
REFUSE_SHAPES = ("html500", "invalid")
HTML_500 = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
            "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was "
            "unable to complete your request.</p>\n")

# AWS request-rate buckets: (capacity, refill per second)
ENDPOINT_ACTIONS = {"CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints"}
BUCKETS = {"endpoint": (4, 0.3), "mutating": (50, 5.0), "describe": (100, 20.0)}


def bucket_of(action):
    if action in ENDPOINT_ACTIONS:
        return "endpoint"
    if action.startswith("Describe"):
        return "describe"
    return "mutating"


class Config:
    def __init__(self, **kw):
        self.region = "us-east-1"
        self.extra_regions = []  # more regions accepted, each with a world of its own
        self.account_id = "123456789012"
        self.credentials = dict(DEFAULT_CREDENTIALS)
        self.latency_ms = 0.0
        self.throttle_prob = 0.0
        self.error_prob = 0.0
        self.drop_prob = 0.0
        self.drop_after_prob = 0.0
        self.consistency_delay_ms = 0.0
        self.pending_ms = 100.0
        self.deleted_linger_ms = 0.0
        self.time_scale = 1.0
        self.buckets = True
        self.fault_actions = []  # the probabilistic faults hit only these actions; [] = all
        self.sts_duration_s = 0.0  # > 0: issued credentials expire after this, whatever was asked
        self.sts_deny_roles = []  # role ARNs AssumeRole* refuses (AccessDenied)
        self.sts_idp_errors = 0.0  # the next N AssumeRoleWithWebIdentity get IDPCommunicationError
        self.sts_issue_limit = 0.0  # > 0: after this many credentials issued, AccessDenied
        # "Action:filter-name" pairs answered as an EC2-compatible server lacking that filter
        # would: an HTML 500 page ("html500") or InvalidParameterValue ("invalid").
        self.refuse_filters = []
        self.refuse_shape = "html500"
        self.state_file = None
        self.verbose = False
        for k, v in kw.items():
            setattr(self, k, v)

    def faults(self):
        return {k: getattr(self, k) for k in FAULT_KNOBS}

    def set_faults(self, d):
        for k, v in d.items():
            if k not in FAULT_KNOBS:
                raise ValueError("unknown fault knob %r (known: %s)" % (k, ", ".join(sorted(FAULT_KNOBS))))
            if FAULT_KNOBS[k] is list:
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    raise ValueError("%s must be a list of strings" % k)
                setattr(self, k, list(v))
            elif FAULT_KNOBS[k] is str:
                if k == "refuse_shape" and v not in REFUSE_SHAPES:
                    raise ValueError("refuse_shape must be one of %s" % ", ".join(REFUSE_SHAPES))
                setattr(self, k, v)
            elif FAULT_KNOBS[k] is bool:
                if isinstance(v, str):
                    v = v.lower() in ("on", "true", "1", "yes")
                setattr(self, k, bool(v))
            else:
                v = float(v)
                if k.endswith("_prob") and not 0 <= v <= 1:
                    raise ValueError("%s must be within 0..1" % k)
                if v < 0 or (k == "time_scale" and v <= 0):
                    raise ValueError("%s must be positive" % k)
                setattr(self, k, v)


class TokenBucket:
    def __init__(self, capacity, rate):
        self.capacity = capacity
        self.rate = rate
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self, scale):
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate * scale)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Sim:
    """Shared state of the server: config, world, model, buckets, counters, randomness."""

    def __init__(self, cfg, world, model, seed=None, worlds=None):
        self.cfg = cfg
        self.world = world  # the world of cfg.region
        self.worlds = dict(worlds or {})  # region -> world, cfg.region's included
        self.worlds[cfg.region] = world
        self.model = model
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.s3 = s3.S3World(cfg.region)
        self.reset_buckets()
        self.reset_counts()
        self.sts = stsmod.STS(cfg)
        self.httpd = None

    def reset_buckets(self):
        with getattr(self, "lock", threading.Lock()):
            self.buckets = {k: TokenBucket(c, r) for k, (c, r) in BUCKETS.items()}

    def reset_counts(self):
        self.counts = {"actions": {}, "errors": {}, "total": 0, "dropped": 0, "sts_actions": {},
                       "sts_errors": {}}

    def count(self, action=None, error=None, dropped=False, total=False, sts=False):
        """EC2 actions and errors under "actions" and "errors"; STS's under "sts_actions" and
        "sts_errors" (so that counts of EC2 calls stay what they were)."""
        actions, errors = ("sts_actions", "sts_errors") if sts else ("actions", "errors")
        with self.lock:
            if total:
                self.counts["total"] += 1
            if action:
                self.counts[actions][action] = self.counts[actions].get(action, 0) + 1
            if error:
                self.counts[errors][error] = self.counts[errors].get(error, 0) + 1
            if dropped:
                self.counts["dropped"] += 1

    def chance(self, p):
        if p <= 0:
            return False
        with self.lock:
            return self.rng.random() < p

    def request_id(self):
        with self.lock:
            h = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])

    def take_token(self, action):
        if not self.cfg.buckets:
            return True
        with self.lock:
            return self.buckets[bucket_of(action)].take(self.cfg.time_scale)

    def save(self, path):
        data = json.dumps(self.world.dump_state())
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def load(self, path):
        with open(path, encoding="utf-8") as fh:
            self.world.load_state(json.load(fh))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY the body waits for the client's
    # delayed ACK (about 40 ms a request), a latency real EC2 does not have.
    disable_nagle_algorithm = True
    server_version = "AmazonEC2"
    sys_version = ""

    def version_string(self):
        return self.server_version

    @property
    def sim(self):
        return self.server.sim

    def log_message(self, fmt, *args):
        if self.sim.cfg.verbose:
            sys.stderr.write("ec2sim: " + (fmt % args) + "\n")

    # ------------------------------------------------------------------ plumbing
    def _read_body(self):
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        try:
            n = int(n)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            raise EC2Error("InvalidRequest", "Bad or too large Content-Length", 400)
        return self.rfile.read(n)

    def _send(self, status, body, ctype):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _drop(self):
        """Close the connection without answering (a broken connection for the client)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def _dispatch(self):
        try:
            if (self.path.startswith("/_sim/") or self.path == "/_sim") and \
                    not s3.parse_host(self.headers.get("Host")):
                self._control()
            elif s3.is_s3_request(self):
                s3.S3Handler(self).handle()
            else:
                self._api()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # never let a handler thread die silently
            traceback.print_exc(file=sys.stderr)
            try:
                self._send(500, error_xml("InternalError", "ec2sim internal error", "0"), "text/xml")
            except OSError:
                self.close_connection = True

    # ------------------------------------------------------------------ control endpoint
    def _control(self):
        sim = self.sim
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_body()
        try:
            req = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return self._json(400, {"error": "body is not JSON"})
        get, post = self.command == "GET", self.command == "POST"
        try:
            if path == "/_sim/counts" and get:
                with sim.lock:
                    return self._json(200, json.loads(json.dumps(sim.counts)))
            if path == "/_sim/counts/reset" and post:
                with sim.lock:
                    sim.reset_counts()
                return self._json(200, {"ok": True})
            if path == "/_sim/world" and get:
                query = urllib.parse.parse_qs(self.path.split("?", 1)[1] if "?" in self.path else "")
                region = query.get("region", [sim.cfg.region])[0]
                if region not in sim.worlds:
                    return self._json(404, {"error": "no region %s" % region})
                return self._json(200, sim.worlds[region].world_json())
            if path == "/_sim/faults" and get:
                return self._json(200, sim.cfg.faults())
            if path == "/_sim/faults" and post:
                sim.cfg.set_faults(req)
                return self._json(200, sim.cfg.faults())
            if path.startswith("/_sim/s3/"):
                query = dict(urllib.parse.parse_qsl(self.path.partition("?")[2]))
                res = s3.control(sim, self.command, path, query, req)
                if res is not None:
                    return self._json(*res)
            if path == "/_sim/reset" and post:
                for w in sim.worlds.values():
                    w.reset()
                sim.s3.reset_objects()
                sim.reset_buckets()
                return self._json(200, {"ok": True})
            if path == "/_sim/buckets/reset" and post:
                sim.reset_buckets()
                return self._json(200, {"ok": True})
            if path in ("/_sim/save", "/_sim/load") and post:
                target = req.get("path") or sim.cfg.state_file
                if not target:
                    return self._json(400, {"error": "no path given and no --state-file"})
                (sim.save if path.endswith("save") else sim.load)(target)
                return self._json(200, {"ok": True, "path": target})
            if path == "/_sim/mutate" and post:
                return self._json(200, sim.world.mutate(req))
            if path == "/_sim/shutdown" and post:
                self._json(200, {"ok": True})
                threading.Thread(target=sim.httpd.shutdown, daemon=True).start()
                return None
            if path == "/_sim/sts" and get:
                return self._json(200, sim.sts.report())
            if path == "/_sim/sts/issued" and get:
                # For tests that search outputs for leaked credentials.
                return self._json(200, sim.sts.issued_secrets())
            if path == "/_sim/sts/reset" and post:
                sim.sts.reset()
                return self._json(200, {"ok": True})
            if path == "/_sim/health" and get:
                return self._json(200, {"ok": True})
        except (ValueError, KeyError, OSError, TypeError) as e:
            return self._json(400, {"error": str(e)})
        return self._json(404, {"error": "no such control endpoint: %s %s" % (self.command, path)})

    def _json(self, status, obj):
        self._send(status, json.dumps(obj, indent=1, sort_keys=True), "application/json")

    # ------------------------------------------------------------------ EC2 API
    def _api(self):
        sim, cfg = self.sim, self.sim.cfg
        rid = sim.request_id()
        sim.count(total=True)
        try:
            body = self._read_body()
        except EC2Error as e:
            sim.count(error=e.code)
            self.close_connection = True
            return self._send(e.status, error_xml(e.code, e.message, rid), "text/xml;charset=UTF-8")
        if cfg.latency_ms > 0:
            time.sleep(cfg.latency_ms / 1000.0)
        if sim.chance(cfg.drop_prob):
            sim.count(dropped=True)
            return self._drop()
        action = None
        route = urllib.parse.parse_qs(body.decode("utf-8", "replace") if self.command == "POST"
                                      else self.path.partition("?")[2])
        if route.get("Version") == [stsmod.VERSION] or route.get("Action", [""])[0] in stsmod.ACTIONS:
            return self._sts(body, rid)
        try:
            self._check_auth(body)
            world = sim.worlds[self._region]
            params = self._params(body)
            action = params.pop("Action", None)
            version = params.pop("Version", None)
            if not action or action not in sim.model.operations:
                raise EC2Error("InvalidAction", "The action %s is not valid for this web service."
                               % (action or "(none)"))
            sim.count(action=action)
            if version is None:
                raise EC2Error("MissingParameter", "The request must contain the parameter Version")
            if version != API_VERSION:
                raise EC2Error("NoSuchVersion", "The requested version (%s) of service AmazonEC2 does not "
                               "exist" % version)
            if not sim.take_token(action):
                raise EC2Error("RequestLimitExceeded", "Request limit exceeded.", 503)
            hit = not cfg.fault_actions or action in cfg.fault_actions
            if hit and sim.chance(cfg.throttle_prob):
                raise EC2Error("RequestLimitExceeded", "Request limit exceeded.", 503)
            if hit and sim.chance(cfg.error_prob):
                if sim.chance(0.5):
                    raise EC2Error("InternalError", "An internal error has occurred", 500)
                raise EC2Error("Unavailable", "The server is overloaded and can't handle the request.", 503)
            refused = self._refused_filter(action, params)
            if refused and cfg.refuse_shape == "html500":
                sim.count(error="HTML500")
                self.close_connection = True
                return self._send(500, HTML_500, "text/html; charset=utf-8")
            if refused:
                raise EC2Error("InvalidParameterValue", "The filter '%s' is not supported" % refused)
            parsed = sim.model.parse_input(action, params)
            result = world.call(action, parsed)
            xml = sim.model.serialize_response(action, result, rid)
        except EC2Error as e:
            sim.count(error=e.code)
            return self._send(e.status, error_xml(e.code, e.message, rid), "text/xml;charset=UTF-8")
        except Exception:
            traceback.print_exc(file=sys.stderr)
            sim.count(error="InternalError")
            return self._send(500, error_xml("InternalError", "An internal error has occurred", rid),
                              "text/xml;charset=UTF-8")
        if (not cfg.fault_actions or action in cfg.fault_actions) and sim.chance(cfg.drop_after_prob):
            sim.count(dropped=True)
            return self._drop()
        return self._send(200, xml, "text/xml;charset=UTF-8")

    def _sts(self, body, rid):
        """One STS request: AssumeRoleWithWebIdentity unsigned, the others signed (scope "sts")."""
        sim = self.sim
        action = None
        try:
            params = self._params(body)
            action = params.pop("Action", None)
            version = params.pop("Version", None)
            if action not in stsmod.ACTIONS:
                raise stsmod.STSError("InvalidAction", "Could not find operation %s for version %s"
                                      % (action, version))
            sim.count(action=action, sts=True)
            if version != stsmod.VERSION:
                raise stsmod.STSError("InvalidAction", "Could not find operation %s for version %s"
                                      % (action, version))
            caller = None
            if action != "AssumeRoleWithWebIdentity":
                if not self.headers.get("Authorization"):
                    raise stsmod.STSError("MissingAuthenticationToken", "Request is missing "
                                          "Authentication Token", 403)
                caller = self._check_auth(body, service="sts")
            xml = sim.sts.handle(action, params, caller, rid)
        except EC2Error as e:
            err = stsmod.STSError(e.code, e.message, e.status)
            sim.count(error=err.code, sts=True)
            return self._send(err.status, stsmod.error_xml(err, rid), "text/xml")
        except stsmod.STSError as e:
            sim.count(error=e.code, sts=True)
            return self._send(e.status, stsmod.error_xml(e, rid), "text/xml")
        return self._send(200, xml, "text/xml")
    def _refused_filter(self, action, params):
        """The first Filter.N.Name of the request that refuse_filters names for this action."""
        pairs = self.sim.cfg.refuse_filters
        for k, v in params.items():
            if pairs and k.startswith("Filter.") and k.endswith(".Name") and "%s:%s" % (action, v) in pairs:
                return v
        return None

    def _params(self, body):
        """Form body for POST (query string for GET) -> dict; repeated names are refused."""
        if self.command == "POST":
            try:
                raw = body.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                raise EC2Error("InvalidParameterValue", "The request body is not valid UTF-8") from None
        else:
            raw = self.path.split("?", 1)[1] if "?" in self.path else ""
        out = {}
        for k, v in urllib.parse.parse_qsl(raw, keep_blank_values=True):
            if k in out:
                raise EC2Error("InvalidParameterValue", "The parameter %s was given more than once" % k)
            out[k] = v
        return out

    def _check_auth(self, body, service="ec2"):
        """Checks the SigV4 signature (scope service), and for credentials the simulator's STS
        issued, the session token and the expiry. Returns the access key id."""
        cfg = self.sim.cfg
        authz = self.headers.get("Authorization")
        if not authz:
            raise EC2Error("AuthFailure", "AWS was not able to validate the provided access credentials "
                           "(no Authorization header)", 403)
        a = sigv4.parse_authorization(authz)
        if a is None or a["terminator"] != "aws4_request":
            raise EC2Error("IncompleteSignature", "Authorization header requires 'Credential', "
                           "'Signature' and 'SignedHeaders' parameters with AWS4-HMAC-SHA256", 403)
        secret = cfg.credentials.get(a["akid"])
        temp = None
        if secret is None:
            temp = self.sim.sts.lookup(a["akid"])
        if secret is None and temp is None:
            if service == "sts":
                raise EC2Error("InvalidClientTokenId", "The security token included in the request is "
                               "invalid.", 403)
            raise EC2Error("AuthFailure", "AWS was not able to validate the provided access credentials",
                           403)
        if temp is not None:
            secret = temp["secret"]
        if a["service"] != service:
            raise EC2Error("AuthFailure" if service == "ec2" else "SignatureDoesNotMatch",
                           "Credential should be scoped to correct service: '%s'." % service, 403)
        accepted = self.sim.worlds if service == "ec2" else (cfg.region,)
        if a["region"] not in accepted:
            raise EC2Error("AuthFailure" if service == "ec2" else "SignatureDoesNotMatch",
                           "Credential should be scoped to a valid region, not '%s'."
                           % a["region"], 403)
        amz_date = self.headers.get("X-Amz-Date")
        if not amz_date:
            raise EC2Error("AuthFailure", "Request must contain an X-Amz-Date header", 403)
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise EC2Error("AuthFailure", "Invalid X-Amz-Date '%s'" % amz_date, 403) from None
        if "host" not in a["signed"] or "x-amz-date" not in a["signed"]:
            raise EC2Error("SignatureDoesNotMatch", "'Host' and 'X-Amz-Date' must be signed headers", 403)
        if a["date"] != amz_date[:8]:
            raise EC2Error("SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from "
                           "ISO-8601 version of date from HTTP: '%s' != '%s'" % (a["date"], amz_date[:8]),
                           403)
        now = datetime.now(timezone.utc)
        skew = (when - now).total_seconds()
        fmt = "%Y%m%dT%H%M%SZ"
        if skew < -CLOCK_SKEW_S:
            raise EC2Error("AuthFailure", "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                           % (amz_date, time.strftime(fmt, time.gmtime(now.timestamp() - CLOCK_SKEW_S)),
                              now.strftime(fmt)), 403)
        if skew > CLOCK_SKEW_S:
            raise EC2Error("AuthFailure", "Signature not yet current: %s is still later than %s (%s + 5 min.)"
                           % (amz_date, time.strftime(fmt, time.gmtime(now.timestamp() + CLOCK_SKEW_S)),
                              now.strftime(fmt)), 403)
        payload_hash = hashlib.sha256(body).hexdigest()
        declared = self.headers.get("X-Amz-Content-Sha256")
        if declared is not None and declared != payload_hash:
            raise EC2Error("SignatureDoesNotMatch", "The provided x-amz-content-sha256 header does not match "
                           "the request body", 403)
        path, _, query = self.path.partition("?")
        creq = sigv4.canonical_request(self.command, path, query, list(self.headers.items()),
                                       a["signed"], payload_hash)
        scope = "%s/%s/%s/aws4_request" % (a["date"], a["region"], a["service"])
        sts = sigv4.string_to_sign(amz_date, scope, creq)
        expected = sigv4.signature(secret, a["date"], a["region"], a["service"], sts)
        if not hmac.compare_digest(expected, a["signature"]):
            if self.sim.cfg.verbose:
                sys.stderr.write("ec2sim: canonical request was:\n%s\n" % creq)
            raise EC2Error("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                           "signature you provided. Check your AWS Secret Access Key and signing method. "
                           "Consult the service documentation for details.", 403)
        if temp is not None:
            # Temporary credentials work only with their own session token, until they expire.
            if self.headers.get("X-Amz-Security-Token") != temp["token"]:
                if service == "sts":
                    raise EC2Error("InvalidClientTokenId", "The security token included in the request "
                                   "is invalid.", 403)
                raise EC2Error("AuthFailure", "AWS was not able to validate the provided access "
                               "credentials", 401)
            if time.time() >= temp["expires"]:
                if service == "sts":
                    raise EC2Error("ExpiredToken", "The security token included in the request is "
                                   "expired", 400)
                raise EC2Error("RequestExpired", "Request has expired.", 400)
        self._region = a["region"]
        return a["akid"]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, sim):
        super().__init__(addr, Handler)
        self.sim = sim
        sim.httpd = self


def make_server(cfg, seed=None, port=0, model_path=None):
    """Build (server, sim) without starting it. The caller runs server.serve_forever()."""
    from world import World
    model = Model(model_path) if model_path else Model()
    world = World(cfg.region, cfg.account_id, random.Random(seed), cfg)
    world.model = model
    worlds = {}
    for i, r in enumerate(getattr(cfg, "extra_regions", None) or []):
        if r != cfg.region:
            worlds[r] = World(r, cfg.account_id, random.Random(None if seed is None else seed + 100 + i), cfg)
            worlds[r].model = model
    sim = Sim(cfg, world, model, None if seed is None else seed + 1, worlds)
    return Server(("127.0.0.1", port), sim), sim
