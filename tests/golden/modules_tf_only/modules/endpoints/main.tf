data "aws_iam_policy_document" "this" {
  statement {
    actions   = ["*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root"]
    }
  }
}

resource "aws_vpc_endpoint" "this" {
  for_each            = var.services
  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.us-east-1.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  private_dns_enabled = true
  policy              = data.aws_iam_policy_document.this.json
}
