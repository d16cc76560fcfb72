#!/usr/bin/env python3
"""ec2sim: an EC2 Query API simulator (Python standard library only). See README.md."""

import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from server import DEFAULT_CREDENTIALS, Config, make_server  # noqa: E402


def prob(s):
    v = float(s)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError("probability must be within 0..1")
    return v


def nonneg(s):
    v = float(s)
    if v < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description="EC2 Query API simulator")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--port-file", help="write the port number to this file once listening")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--extra-region", action="append", default=[], metavar="REGION",
                    help="another region accepted in the credential scope, with a world of its "
                         "own (repeatable)")
    ap.add_argument("--account-id", default="123456789012")
    ap.add_argument("--credentials", action="append", metavar="AKID:SECRET",
                    help="accepted credentials (repeatable); default AKIDEXAMPLE:wJalr... and test:test")
    ap.add_argument("--latency-ms", type=nonneg, default=0.0)
    ap.add_argument("--throttle-prob", type=prob, default=0.0)
    ap.add_argument("--error-prob", type=prob, default=0.0)
    ap.add_argument("--drop-prob", type=prob, default=0.0, help="drop before processing")
    ap.add_argument("--drop-after-prob", type=prob, default=0.0, help="drop after applying the request")
    ap.add_argument("--consistency-delay-ms", type=nonneg, default=0.0)
    ap.add_argument("--pending-ms", type=nonneg, default=100.0)
    ap.add_argument("--deleted-linger-ms", type=nonneg, default=0.0)
    ap.add_argument("--time-scale", type=float, default=1.0)
    ap.add_argument("--buckets", choices=["on", "off"], default="on")
    ap.add_argument("--sts-duration-s", type=nonneg, default=0.0,
                    help="credentials STS issues expire after this many seconds (0: as asked)")
    ap.add_argument("--state-file")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--model", help="path of the EC2 model JSON (default: tests/data/ec2-model)")
    ap.add_argument("--s3-bucket", action="append", default=[], metavar="NAME[:REGION]",
                    help="an S3 bucket to create at start (repeatable; region default --region)")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    if args.time_scale <= 0:
        ap.error("--time-scale must be > 0")

    creds = dict(DEFAULT_CREDENTIALS)
    if args.credentials:
        creds = {}
        for c in args.credentials:
            if ":" not in c:
                ap.error("--credentials wants AKID:SECRET")
            k, s = c.split(":", 1)
            creds[k] = s
    cfg = Config(region=args.region, extra_regions=args.extra_region, account_id=args.account_id, credentials=creds,
                 latency_ms=args.latency_ms, throttle_prob=args.throttle_prob, error_prob=args.error_prob,
                 drop_prob=args.drop_prob, drop_after_prob=args.drop_after_prob,
                 consistency_delay_ms=args.consistency_delay_ms, pending_ms=args.pending_ms,
                 deleted_linger_ms=args.deleted_linger_ms, time_scale=args.time_scale,
                 buckets=args.buckets == "on", state_file=args.state_file, verbose=args.verbose,
                 sts_duration_s=args.sts_duration_s)
    server, sim = make_server(cfg, seed=args.seed, port=args.port, model_path=args.model)
    if args.state_file and os.path.exists(args.state_file):
        sim.load(args.state_file)
    for b in args.s3_bucket:
        name, _, region = b.partition(":")
        sim.s3.create_bucket(name, region or None)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("ec2sim listening on http://127.0.0.1:%d" % port, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        if args.state_file:
            sim.save(args.state_file)
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
