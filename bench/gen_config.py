#!/usr/bin/env python3
"""gen_config.py N OUTDIR: writes a configuration of about N resources to OUTDIR/main.vpce.

The resources form groups, each one VPC, two subnets, a route table with its associations, a
security group, a gateway endpoint with a policy and an interface endpoint expanded with
for_each, with references between them, so that decoding, reference checking and evaluation
all have real work to do. N counts resource blocks (not instances).
"""
import os
import sys

GROUP = '''
resource "aws_vpc" "v{i}" {{
  cidr_block           = "10.{a}.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags = {{
    Name = "${{var.prefix}}-{i}"
  }}
}}

resource "aws_subnet" "a{i}" {{
  vpc_id            = aws_vpc.v{i}.id
  cidr_block        = cidrsubnet(aws_vpc.v{i}.cidr_block, 8, 1)
  availability_zone = "us-east-1a"
}}

resource "aws_subnet" "b{i}" {{
  vpc_id            = aws_vpc.v{i}.id
  cidr_block        = cidrsubnet(aws_vpc.v{i}.cidr_block, 8, 2)
  availability_zone = "us-east-1b"
}}

resource "aws_route_table" "rt{i}" {{
  vpc_id = aws_vpc.v{i}.id
}}

resource "aws_route_table_association" "ra{i}" {{
  subnet_id      = aws_subnet.a{i}.id
  route_table_id = aws_route_table.rt{i}.id
}}

resource "aws_security_group" "sg{i}" {{
  vpc_id = aws_vpc.v{i}.id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.v{i}.cidr_block]
  }}
}}

resource "aws_vpc_endpoint" "s3_{i}" {{
  vpc_id          = aws_vpc.v{i}.id
  service_name    = "com.amazonaws.${{var.region}}.s3"
  route_table_ids = [aws_route_table.rt{i}.id]
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = "*", Action = "s3:*", Resource = "*" }}]
  }})
}}

resource "aws_vpc_endpoint" "if{i}" {{
  for_each            = local.services
  vpc_id              = aws_vpc.v{i}.id
  service_name        = "com.amazonaws.${{var.region}}.${{each.value}}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.a{i}.id, aws_subnet.b{i}.id]
  security_group_ids  = [aws_security_group.sg{i}.id]
}}
'''
PER_GROUP = 8

HEADER = '''variable "region" {
  default = "us-east-1"
}

variable "prefix" {
  default = "bench"
}

locals {
  services = toset(["ssm", "ssmmessages", "ec2messages"])
}
'''


def main():
    if len(sys.argv) != 3:
        print("usage: gen_config.py N OUTDIR", file=sys.stderr)
        return 2
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    groups = max(1, (n + PER_GROUP - 1) // PER_GROUP)
    with open(os.path.join(out, "main.vpce"), "w") as f:
        f.write(HEADER)
        for i in range(groups):
            f.write(GROUP.format(i=i, a=i % 256))
    print("%d resources in %s" % (groups * PER_GROUP, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
