"""AWS Signature Version 4, written from the public specification with hmac/hashlib.

Used two ways:
  * by the simulator, to recompute the signature of an incoming request and compare it;
  * by the tests, to sign requests they send (and to check this code against AWS's
    published test vectors in tests/data/sigv4).

Only header-based signing (the Authorization header) is implemented; presigned URLs
(X-Amz-Signature in the query string) are not.
"""

import hashlib
import hmac
import re
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def uri_encode(s, keep_slash=False):
    """Percent-encode every byte except the unreserved characters (RFC 3986)."""
    safe = _UNRESERVED + ("/" if keep_slash else "")
    if isinstance(s, str):
        s = s.encode("utf-8")
    return "".join(chr(b) if chr(b) in safe else "%%%02X" % b for b in s)


def normalize_path(path):
    """Remove dot segments and collapse repeated slashes (not used for S3)."""
    if not path:
        return "/"
    out = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    res = "/" + "/".join(out)
    if path.endswith("/") and res != "/":
        res += "/"
    return res


def canonical_uri(path):
    """The path as given on the request line: decode, normalise, encode once."""
    decoded = urllib.parse.unquote(path)
    return uri_encode(normalize_path(decoded), keep_slash=True)


def canonical_query(query):
    """Sorted, strictly re-encoded query string. `query` is the raw query (no '?')."""
    pairs = []
    if query:
        for part in query.split("&"):
            if part == "":
                continue
            if "=" in part:
                k, v = part.split("=", 1)
            else:
                k, v = part, ""
            k = urllib.parse.unquote(k)
            v = urllib.parse.unquote(v)
            pairs.append((uri_encode(k), uri_encode(v)))
    pairs.sort()
    return "&".join("%s=%s" % kv for kv in pairs)


def _trim(value):
    return re.sub(r"\s+", " ", value.strip())


def canonical_headers(headers, signed):
    """headers: list of (name, value) pairs, duplicates allowed.
    signed: list of lowercase header names. Returns (canonical headers block, signed string)."""
    values = {}
    for name, value in headers:
        values.setdefault(name.lower().strip(), []).append(_trim(value))
    lines = []
    for name in signed:
        lines.append("%s:%s\n" % (name, ",".join(values.get(name, []))))
    return "".join(lines), ";".join(signed)


def canonical_request(method, path, query, headers, signed, payload_hash):
    ch, sh = canonical_headers(headers, signed)
    return "\n".join([method, canonical_uri(path), canonical_query(query), ch, sh, payload_hash])


def string_to_sign(amz_date, scope, creq):
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])


def signing_key(secret, date, region, service):
    k = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode("utf-8"), hashlib.sha256).digest()
    return k


def signature(secret, date, region, service, sts):
    key = signing_key(secret, date, region, service)
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(method, path, query, headers, body, akid, secret, region, service, amz_date,
         session_token=None):
    """Sign a request. headers: list of (name, value) (must include Host and X-Amz-Date).
    Returns (authorization header value, canonical request, string to sign).
    If session_token is given and no X-Amz-Security-Token header exists, one is added to
    `headers` (in place) and signed."""
    if session_token is not None and not any(n.lower() == "x-amz-security-token" for n, _ in headers):
        headers.append(("X-Amz-Security-Token", session_token))
    if isinstance(body, str):
        body = body.encode("utf-8")
    signed = sorted({n.lower().strip() for n, _ in headers})
    payload_hash = hashlib.sha256(body or b"").hexdigest()
    creq = canonical_request(method, path, query, headers, signed, payload_hash)
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    sts = string_to_sign(amz_date, scope, creq)
    sig = signature(secret, amz_date[:8], region, service, sts)
    authz = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, akid, scope, ";".join(signed), sig)
    return authz, creq, sts


_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


def parse_authorization(value):
    """Parse an Authorization header. Returns dict with keys akid, date, region, service,
    terminator, signed (list), signature; or None if malformed."""
    m = _AUTH_RE.match(value.strip())
    if not m:
        return None
    fields = {}
    for part in m.group(1).split(","):
        part = part.strip()
        if "=" not in part:
            return None
        k, v = part.split("=", 1)
        fields[k.strip()] = v.strip()
    try:
        cred = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        sig = fields["Signature"]
    except KeyError:
        return None
    if len(cred) != 5 or not sig or not all(signed):
        return None
    return {"akid": cred[0], "date": cred[1], "region": cred[2], "service": cred[3],
            "terminator": cred[4], "signed": signed, "signature": sig}
