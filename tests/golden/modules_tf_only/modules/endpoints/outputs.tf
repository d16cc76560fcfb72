output "ids" {
  value = { for k, e in aws_vpc_endpoint.this : k => e.id }
}
