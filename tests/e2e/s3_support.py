"""Support of the S3 backend tests: one interface over the two S3 servers the tests run against,
the simulator's S3 side (tests/ec2sim/s3.py, through its control endpoint) and moto's server
(`python3 -m moto.server`, read through boto3). EC2 is always the simulator."""
import base64
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import BINARY, Moto, Sim, workdir  # noqa: E402,F401

BUCKET = "vpce-state"
KEY = "team/vpce.db"


def backend_block(bucket=BUCKET, key=KEY, extra=""):
    return '''terraform {
  backend "s3" {
    bucket         = "%s"
    key            = "%s"
    region         = "us-east-1"
    use_path_style = true
%s  }
}
''' % (bucket, key, extra)


def moto_available():
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
        return True
    except ImportError:
        return False


class SimS3:
    """The simulator's S3: the same process as EC2."""
    name = "ec2sim"

    def __init__(self, sim):
        self.sim = sim
        self.url = sim.url

    def env(self):
        return {"AWS_ENDPOINT_URL_S3": self.url}

    def create_bucket(self, name=BUCKET, region=None, require_sse=False):
        self.sim.post("/_sim/s3/buckets", {"name": name, "region": region, "require_sse": require_sse})

    def objects(self, bucket=BUCKET):
        """key -> {"etag", "data" (bytes), "sse", "kms_key_id"}."""
        out = {}
        for k, o in self.sim.get("/_sim/s3/objects?bucket=" + bucket).items():
            out[k] = {"etag": o["etag"], "data": base64.b64decode(o["data_b64"]) if o["data_b64"] else None,
                      "sse": o["sse"], "kms_key_id": o["kms_key_id"], "content_type": o["content_type"]}
        return out

    def put(self, key, data, bucket=BUCKET):
        self.sim.post("/_sim/s3/object", {"bucket": bucket, "key": key,
                                          "data_b64": base64.b64encode(data).decode()})

    def delete(self, key, bucket=BUCKET):
        self.sim.post("/_sim/s3/object/delete", {"bucket": bucket, "key": key})

    def reset(self):
        pass  # /_sim/reset clears the objects

    def stop(self):
        pass


class MotoS3:
    """moto's S3 server on a free port; its objects are read and written with boto3."""
    name = "moto"

    def __init__(self):
        import boto3
        self.moto = Moto()
        self.url = self.moto.url
        self.client = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                                   aws_access_key_id="test", aws_secret_access_key="test")

    def env(self):
        return {"AWS_ENDPOINT_URL_S3": self.url}

    def create_bucket(self, name=BUCKET, region=None, require_sse=False):
        assert not require_sse and not region, "moto: only plain buckets here"
        try:
            self.client.create_bucket(Bucket=name)
        except self.client.exceptions.BucketAlreadyOwnedByYou:
            pass

    def objects(self, bucket=BUCKET):
        out = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for o in page.get("Contents", []):
                r = self.client.get_object(Bucket=bucket, Key=o["Key"])
                out[o["Key"]] = {"etag": r["ETag"], "data": r["Body"].read(),
                                 "sse": r.get("ServerSideEncryption"),
                                 "kms_key_id": r.get("SSEKMSKeyId"), "content_type": r.get("ContentType")}
        return out

    def put(self, key, data, bucket=BUCKET):
        self.client.put_object(Bucket=bucket, Key=key, Body=data)

    def delete(self, key, bucket=BUCKET):
        self.client.delete_object(Bucket=bucket, Key=key)

    def reset(self):
        for k in self.objects():
            self.delete(k)

    def stop(self):
        self.moto.stop()


def run(sim, s3, cwd, *args, env=None, timeout=600, check=None):
    """Runs vpce in cwd against the simulator's EC2 and s3's S3."""
    e = sim.env()
    e.update(s3.env())
    e.pop("VPCE_WORKSPACE", None)
    e.update(env or {})
    p = subprocess.run([BINARY] + list(args), cwd=cwd, env=e, capture_output=True, text=True,
                       timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError("vpce %s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(args), p.returncode, check, p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr


def popen(sim, s3, cwd, *args, env=None):
    e = sim.env()
    e.update(s3.env())
    e.update(env or {})
    return subprocess.Popen([BINARY] + list(args), cwd=cwd, env=e, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def config_dir(files=None, seed=True, backend=True, extra=""):
    f = dict(files or {})
    if backend:
        f["backend.vpce"] = backend_block(extra=extra)
    return workdir(f, seed=seed)


def json_lock(data):
    return json.loads(data.decode())
