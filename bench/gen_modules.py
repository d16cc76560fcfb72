#!/usr/bin/env python3
"""gen_modules.py INSTANCES OUTDIR: a root module calling one local module INSTANCES times.

OUTDIR/main.vpce calls OUTDIR/modules/net with for_each over INSTANCES keys; each instance of
the module holds 100 resource instances (a VPC, a route table, a security group, 33 subnets
and their route table associations with count, two gateway endpoints and 29 interface endpoints
with for_each), fed by the module's variables and referring to each other, and the root uses
the module's outputs. INSTANCES=100 gives 10,000 resource instances.
"""
import os
import sys

MODULE = '''variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "interface_services" {
  type = set(string)
}

locals {
  azs = ["${var.region}a", "${var.region}b", "${var.region}c"]
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = var.name }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name}-private" }
}

resource "aws_security_group" "endpoints" {
  name   = "${var.name}-endpoints"
  vpc_id = aws_vpc.this.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.this.cidr_block]
  }
}

resource "aws_subnet" "private" {
  count             = 33
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr, 8, count.index)
  availability_zone = element(local.azs, count.index)
  tags              = { Name = format("%s-private-%02d", var.name, count.index) }
}

resource "aws_route_table_association" "private" {
  count          = 33
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_vpc_endpoint" "gateway" {
  for_each          = toset(["s3", "dynamodb"])
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "${each.key}:*", Resource = "*" }]
  })
}

resource "aws_vpc_endpoint" "interface" {
  for_each            = var.interface_services
  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = slice(aws_subnet.private[*].id, 0, 2)
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = false
}

output "vpc_id" {
  value = aws_vpc.this.id
}

output "endpoint_ids" {
  value = { for k, e in aws_vpc_endpoint.interface : k => e.id }
}
'''

SERVICES = ["ec2", "ec2messages", "ssm", "ssmmessages", "kms", "logs", "monitoring", "sts",
            "secretsmanager", "sqs", "sns", "ecr.api", "ecr.dkr", "ecs", "ecs-agent",
            "ecs-telemetry", "elasticloadbalancing", "autoscaling", "lambda", "events",
            "execute-api", "glue", "athena", "kinesis-streams", "elasticfilesystem",
            "codebuild", "codecommit", "git-codecommit", "states"]

ROOT = '''provider "aws" {
  region = var.region
  # Benchmarks plan without refresh: nothing is sent to AWS, STS included.
  skip_credentials_validation = true
}

variable "region" {
  type    = string
  default = "us-east-1"
}

locals {
  environments = { for i in range(%(n)d) : format("env%%03d", i) => i }
}

module "net" {
  source             = "./modules/net"
  for_each           = local.environments
  name               = each.key
  cidr               = cidrsubnet("10.0.0.0/8", 8, each.value)
  region             = var.region
  interface_services = toset(%(services)s)
}

output "vpc_ids" {
  value = { for k, m in module.net : k => m.vpc_id }
}
'''


def main():
    if len(sys.argv) != 3:
        print("usage: gen_modules.py INSTANCES OUTDIR", file=sys.stderr)
        return 2
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(out, "modules", "net"), exist_ok=True)
    with open(os.path.join(out, "modules", "net", "main.vpce"), "w") as f:
        f.write(MODULE)
    services = "[" + ", ".join('"%s"' % s for s in SERVICES) + "]"
    with open(os.path.join(out, "main.vpce"), "w") as f:
        f.write(ROOT % {"n": n, "services": services})
    print("%d module instances, %d resource instances" % (n, 100 * n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
