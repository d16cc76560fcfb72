variable "vpc_id" {
  description = "The VPC the endpoints are in"
  type        = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "services" {
  type    = set(string)
  default = []
}
