"""STS in the simulator: AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity (Query
protocol, Version 2011-06-15), and the temporary credentials they issue, which the EC2 side then
accepts only with their session token and only until they expire.

What it checks, as STS does: the parameters of each action (required ones, lengths, patterns,
DurationSeconds within 900..43200 and within one hour for role chaining), that AssumeRole and
GetCallerIdentity are signed (SigV4 is checked by the server) and that AssumeRoleWithWebIdentity
carries a token shaped as a JWT whose `exp` has not passed. It can be told (knobs of
/_sim/faults) to issue credentials that expire after `sts_duration_s` seconds whatever was asked,
to refuse some roles (`sts_deny_roles`: AccessDenied) or every role once `sts_issue_limit`
credentials were issued (a refresh that fails), and to fail the next `sts_idp_errors`
web-identity calls with IDPCommunicationError. GET /_sim/sts lists the calls (their parameters,
never a token) and how many credentials were issued; GET /_sim/sts/issued gives the issued
secrets and session tokens, for tests that search outputs for them.
"""

import base64
import json
import re
import secrets
import string
import threading
import time
from datetime import datetime, timezone
from xml.sax.saxutils import escape

VERSION = "2011-06-15"
ACTIONS = ("AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity")
NS = "https://sts.amazonaws.com/doc/2011-06-15/"

ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
SESSION_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$")


class STSError(Exception):
    def __init__(self, code, message, status=400, kind="Sender"):
        super().__init__("%s: %s" % (code, message))
        self.code, self.message, self.status, self.kind = code, message, status, kind


def error_xml(e, request_id):
    return ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>'
            "</Error><RequestId>%s</RequestId></ErrorResponse>"
            % (NS, e.kind, escape(e.code), escape(e.message), request_id))


def iso(epoch):
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rand(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


class STS:
    """Issued credentials and the call log; thread-safe."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.lock = threading.Lock()
        self.issued = {}  # akid -> {secret, token, expires, arn, account, user_id, role_arn, chained}
        self.calls = []

    def reset(self):
        with self.lock:
            self.issued.clear()
            self.calls.clear()

    # ------------------------------------------------------------------ credentials
    def lookup(self, akid):
        with self.lock:
            return self.issued.get(akid)

    def identity_of(self, akid):
        """(arn, user_id, account) of a long-term or issued access key."""
        rec = self.lookup(akid)
        if rec:
            return rec["arn"], rec["user_id"], rec["account"]
        name = re.sub(r"[^\w+=,.@-]", "-", akid) or "user"
        uid = "AIDA" + base64.b32encode(akid.encode()).decode().rstrip("=")[:17].upper()
        return ("arn:aws:iam::%s:user/%s" % (self.cfg.account_id, name), uid, self.cfg.account_id)

    def _issue(self, role_arn, session, duration, chained):
        m = ROLE_ARN_RE.match(role_arn)
        account, role_name = m.group(1), m.group(2)
        override = float(getattr(self.cfg, "sts_duration_s", 0) or 0)
        life = override if override > 0 else duration
        rec = {
            "secret": _rand(string.ascii_letters + string.digits + "+/", 40),
            "token": "FQoGZXIvYXdzE" + _rand(string.ascii_letters + string.digits + "+/", 300),
            "expires": time.time() + life,
            "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role_name, session),
            "account": account,
            "role_arn": role_arn,
            "chained": chained,
        }
        role_id = "AROA" + base64.b32encode(role_arn.encode()).decode().rstrip("=")[-17:].upper()
        rec["user_id"] = "%s:%s" % (role_id, session)
        akid = "ASIA" + _rand(string.ascii_uppercase + string.digits, 16)
        with self.lock:
            self.issued[akid] = rec
        return akid, rec

    # ------------------------------------------------------------------ actions
    def _log(self, action, params, caller):
        entry = {k: v for k, v in params.items() if k != "WebIdentityToken"}
        entry["Action"] = action
        entry["caller"] = caller
        with self.lock:
            self.calls.append(entry)

    @staticmethod
    def _common(params, allowed):
        for k in params:
            base = k.split(".", 1)[0]
            if base not in allowed:
                raise STSError("InvalidParameterValue" if "." not in k else "ValidationError",
                               "The parameter %s is not recognized" % k)
        role_arn = params.get("RoleArn")
        if not role_arn:
            raise STSError("ValidationError", "1 validation error detected: Value null at 'roleArn' "
                           "failed to satisfy constraint: Member must not be null")
        if not ROLE_ARN_RE.match(role_arn):
            raise STSError("ValidationError", "%s is invalid" % role_arn)
        session = params.get("RoleSessionName")
        if not session:
            raise STSError("ValidationError", "1 validation error detected: Value null at "
                           "'roleSessionName' failed to satisfy constraint: Member must not be null")
        if not SESSION_RE.match(session):
            raise STSError("ValidationError", "1 validation error detected: Value '%s' at "
                           "'roleSessionName' failed to satisfy constraint: Member must satisfy "
                           "regular expression pattern: [\\w+=,.@-]*" % session)
        duration = 3600
        if "DurationSeconds" in params:
            try:
                duration = int(params["DurationSeconds"])
            except ValueError:
                raise STSError("ValidationError", "DurationSeconds must be a number") from None
            if not 900 <= duration <= 43200:
                raise STSError("ValidationError", "1 validation error detected: Value '%d' at "
                               "'durationSeconds' failed to satisfy constraint: Member must have "
                               "value between 900 and 43200" % duration)
        if "Policy" in params:
            try:
                json.loads(params["Policy"])
            except ValueError:
                raise STSError("MalformedPolicyDocument", "The policy is not in the valid JSON "
                               "format.") from None
        for k, v in params.items():
            if k.startswith("PolicyArns.member.") and not k.endswith(".arn"):
                raise STSError("ValidationError", "The parameter %s is not recognized" % k)
            if k.endswith(".arn") and not v.startswith("arn:"):
                raise STSError("ValidationError", "%s is invalid" % v)
        return role_arn, session, duration

    def _check_denied(self, role_arn, caller_arn):
        limit = float(getattr(self.cfg, "sts_issue_limit", 0) or 0)
        with self.lock:
            spent = len(self.issued)
        if (limit > 0 and spent >= limit) or role_arn in (getattr(self.cfg, "sts_deny_roles", None) or []):
            raise STSError("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on "
                           "resource: %s" % (caller_arn, role_arn), 403)

    def assume_role(self, params, caller_akid):
        role_arn, session, duration = self._common(
            params, {"RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId", "Policy",
                     "PolicyArns", "Tags", "TransitiveTagKeys", "SourceIdentity", "SerialNumber",
                     "TokenCode", "ProvidedContexts"})
        caller_arn, _, _ = self.identity_of(caller_akid)
        chained = self.lookup(caller_akid) is not None
        if chained and duration > 3600:
            raise STSError("ValidationError", "The requested DurationSeconds exceeds the 1 hour "
                           "session limit for roles assumed by role chaining.")
        ext = params.get("ExternalId")
        if ext is not None and not EXTERNAL_ID_RE.match(ext):
            raise STSError("ValidationError", "ExternalId is invalid")
        src = params.get("SourceIdentity")
        if src is not None and not SESSION_RE.match(src):
            raise STSError("ValidationError", "SourceIdentity is invalid")
        keys = [k for k in params if k.startswith("Tags.member.") and k.endswith(".Key")]
        for k in keys:
            if k[:-4] + ".Value" not in params:
                raise STSError("ValidationError", "Tag %s has no value" % k)
        self._check_denied(role_arn, caller_arn)
        self._log("AssumeRole", params, caller_arn)
        akid, rec = self._issue(role_arn, session, duration, chained)
        return self._credentials_xml("AssumeRole", akid, rec, extra="<PackedPolicySize>6</PackedPolicySize>"
                                     + ("<SourceIdentity>%s</SourceIdentity>" % escape(src) if src else ""))

    def assume_role_web_identity(self, params):
        role_arn, session, duration = self._common(
            params, {"RoleArn", "RoleSessionName", "WebIdentityToken", "DurationSeconds", "Policy",
                     "PolicyArns", "ProviderId"})
        token = params.get("WebIdentityToken")
        if not token or not 4 <= len(token) <= 20000:
            raise STSError("ValidationError", "1 validation error detected: Value at "
                           "'webIdentityToken' failed to satisfy constraint: Member must have length "
                           "greater than or equal to 4")
        claims = self._jwt_claims(token)
        with self.lock:
            left = float(getattr(self.cfg, "sts_idp_errors", 0) or 0)
            if left > 0:
                self.cfg.sts_idp_errors = left - 1
        if left > 0:
            raise STSError("IDPCommunicationError", "Couldn't retrieve verification key from your "
                           "identity provider,  please reference AssumeRoleWithWebIdentity "
                           "documentation for requirements")
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp <= time.time():
            raise STSError("ExpiredTokenException", "Token expired: current date/time %d must be before "
                           "the expiration date/time %d" % (time.time(), exp))
        self._check_denied(role_arn, "web identity %s" % claims.get("sub", "?"))
        self._log("AssumeRoleWithWebIdentity", params, "web identity %s" % claims.get("sub", "?"))
        akid, rec = self._issue(role_arn, session, duration, False)
        extra = ("<SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken><Audience>%s</Audience>"
                 "<Provider>%s</Provider>" % (escape(str(claims.get("sub", ""))),
                                               escape(str(claims.get("aud", ""))),
                                               escape(str(claims.get("iss", "")))))
        return self._credentials_xml("AssumeRoleWithWebIdentity", akid, rec, extra=extra)

    @staticmethod
    def _jwt_claims(token):
        parts = token.split(".")
        bad = STSError("InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see "
                       "this error if you sent an Access Token)")
        if len(parts) != 3 or not all(parts[:2]):
            raise bad
        try:
            pad = "=" * (-len(parts[1]) % 4)
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + pad).decode())
        except (ValueError, UnicodeDecodeError):
            raise bad from None
        if not isinstance(claims, dict) or "iss" not in claims:
            raise STSError("InvalidIdentityToken", "No OpenIDConnect provider found in your account "
                           "for the issuer of this token")
        return claims

    def caller_identity(self, params, caller_akid):
        if params:
            raise STSError("InvalidParameterValue", "The parameter %s is not recognized"
                           % sorted(params)[0])
        arn, uid, account = self.identity_of(caller_akid)
        self._log("GetCallerIdentity", {}, arn)
        return ("<GetCallerIdentityResponse xmlns=\"%s\"><GetCallerIdentityResult><Arn>%s</Arn>"
                "<UserId>%s</UserId><Account>%s</Account></GetCallerIdentityResult>"
                % (NS, escape(arn), escape(uid), account))

    @staticmethod
    def _credentials_xml(action, akid, rec, extra=""):
        role_id = rec["user_id"]
        return ("<%sResponse xmlns=\"%s\"><%sResult><Credentials><AccessKeyId>%s</AccessKeyId>"
                "<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>"
                "<Expiration>%s</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>%s"
                "</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>%s</%sResult>"
                % (action, NS, action, akid, escape(rec["secret"]), escape(rec["token"]),
                   iso(rec["expires"]), escape(role_id), escape(rec["arn"]), extra, action))

    def handle(self, action, params, caller_akid, request_id):
        """-> XML of the answer (without ResponseMetadata closing), or raises STSError."""
        if action == "AssumeRole":
            xml = self.assume_role(params, caller_akid)
        elif action == "AssumeRoleWithWebIdentity":
            xml = self.assume_role_web_identity(params)
        else:
            xml = self.caller_identity(params, caller_akid)
        return xml + ("<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>"
                      % (request_id, action))

    def issued_secrets(self):
        with self.lock:
            return [{"secret": r["secret"], "token": r["token"]} for r in self.issued.values()]

    def report(self):
        with self.lock:
            return {"calls": json.loads(json.dumps(self.calls)), "issued": len(self.issued)}

