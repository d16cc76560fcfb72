#!/usr/bin/env python3
"""gen_endpoints.py N OUTDIR [--network-only] [--route-tables R] [--endpoint ENDPOINT_URL]
                 [--relaxed]

Writes OUTDIR/main.vpce for the refresh and apply benchmarks against the EC2 simulator:
1 VPC (10.0.0.0/16, DNS on), two /20 subnets in us-east-1a and us-east-1b, a security group,
R route tables (default 3), and N endpoints:

- 2*R gateway endpoints, one to S3 and one to DynamoDB per route table (a route table can route a
  service's prefix list only once), when N is large enough (N >= 100);
- the rest interface endpoints, cycling over the simulator's interface services, private DNS off
  (two private-DNS endpoints of one service in a VPC conflict), each in one of the two subnets
  (alternating), guarded by the security group. One ENI each: a /20 holds about 4,000.

--network-only writes the same file without the endpoints (for a first apply of the network, so
that a later apply measures the endpoints alone). --relaxed adds a provider `rate_limits` block
large enough that vpce does not pace (used to set up the refresh benchmark quickly).
--endpoint-capacity C writes `rate_limits { endpoint_capacity = C }` (vpce paces the endpoint
bucket as C - 1, keeping one token in reserve; C = 5 makes it pace as EC2's 4).
--endpoint URL writes `endpoints { ec2 = URL }` (else vpce takes AWS_ENDPOINT_URL_EC2).
"""
import os
import sys

SERVICES = [
    "ssm", "ssmmessages", "ec2messages", "ec2", "kms", "logs", "sts", "secretsmanager",
    "ecr.api", "ecr.dkr", "monitoring", "sqs", "sns", "lambda", "elasticloadbalancing",
    "execute-api", "ecs", "ecs-agent", "ecs-telemetry", "events", "states", "kinesis-streams",
    "elasticfilesystem", "autoscaling", "cloudformation", "rds", "glue", "athena", "codebuild",
]

PROVIDER = '''provider "aws" {{
  region = "us-east-1"
{endpoints}{limits}}}
'''

ENDPOINTS = '''  endpoints {{
    ec2 = "{url}"
  }}
'''

RELAXED = '''  rate_limits {
    endpoint_capacity  = 100000
    endpoint_refill    = 100000
    mutating_capacity  = 100000
    mutating_refill    = 100000
    describe_capacity  = 100000
    describe_refill    = 100000
  }
'''

CAPACITY = '''  rate_limits {{
    endpoint_capacity = {c:g}
  }}
'''

NETWORK = '''
resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags = {
    Name = "bench"
  }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.0.0/20"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.16.0/20"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "ep" {
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
'''

ROUTE_TABLE = '''
resource "aws_route_table" "rt{i}" {{
  vpc_id = aws_vpc.main.id
}}
'''

GATEWAY = '''
resource "aws_vpc_endpoint" "gw_{svc}_{i}" {{
  vpc_id          = aws_vpc.main.id
  service_name    = "com.amazonaws.us-east-1.{svc}"
  route_table_ids = [aws_route_table.rt{i}.id]
}}
'''

INTERFACE = '''
resource "aws_vpc_endpoint" "if{i}" {{
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.{svc}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = false
  subnet_ids          = [aws_subnet.{subnet}.id]
  security_group_ids  = [aws_security_group.ep.id]
}}
'''


def main(argv):
    args = list(argv[1:])
    network_only = "--network-only" in args
    relaxed = "--relaxed" in args
    args = [a for a in args if a not in ("--network-only", "--relaxed")]
    rts = 3
    endpoint = None
    capacity = None
    for flag in ("--route-tables", "--endpoint", "--endpoint-capacity"):
        if flag in args:
            k = args.index(flag)
            if k + 1 >= len(args):
                print("%s needs a value" % flag, file=sys.stderr)
                return 2
            if flag == "--route-tables":
                rts = int(args[k + 1])
            elif flag == "--endpoint-capacity":
                capacity = float(args[k + 1])
            else:
                endpoint = args[k + 1]
            del args[k:k + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    n, out = int(args[0]), args[1]
    os.makedirs(out, exist_ok=True)
    gateways = 2 * rts if n >= 100 else 0
    with open(os.path.join(out, "main.vpce"), "w") as f:
        f.write(PROVIDER.format(endpoints=ENDPOINTS.format(url=endpoint) if endpoint else "", limits=RELAXED if relaxed else
                                 CAPACITY.format(c=capacity) if capacity else ""))
        f.write(NETWORK)
        for i in range(rts):
            f.write(ROUTE_TABLE.format(i=i))
        if not network_only:
            for i in range(gateways // 2):
                for svc in ("s3", "dynamodb"):
                    f.write(GATEWAY.format(svc=svc, i=i))
            for i in range(n - gateways):
                f.write(INTERFACE.format(i=i, svc=SERVICES[i % len(SERVICES)],
                                         subnet="a" if i % 2 == 0 else "b"))
    what = "network only" if network_only else "%d endpoints (%d gateway)" % (n, gateways)
    print("%s: %s" % (os.path.join(out, "main.vpce"), what))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
