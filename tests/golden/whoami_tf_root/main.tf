# whoami in a root of *.tf files reads its provider configurations (both are listed).
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "second"
  region = "us-east-1"
}
