#!/usr/bin/env python3
"""Writes a configuration of N resources for the plan benchmark: one aws_vpc and N-1
aws_subnet resources that reference it, each with its own CIDR and tags.

usage: plan_gen.py N DIR
"""
import os
import sys


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "main.vpce"), "w") as f:
        f.write('provider "aws" {\n  region                      = "eu-west-1"\n  skip_credentials_validation = true\n}\n\n')
        f.write('variable "env" {\n  default = "bench"\n}\n\n')
        f.write('resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/8"\n'
                '  tags = {\n    Name = "bench"\n  }\n}\n\n')
        for i in range(1, n):
            f.write('resource "aws_subnet" "s%d" {\n'
                    '  vpc_id     = aws_vpc.main.id\n'
                    '  cidr_block = "10.%d.%d.0/24"\n'
                    '  tags = {\n    Name = "s%d-${var.env}"\n  }\n}\n\n'
                    % (i, (i // 256) % 256, i % 256, i))


if __name__ == "__main__":
    main()
