#!/usr/bin/env bash
# bench/seed_by_cli.sh ENDPOINT_URL: builds the seed architecture of examples/seed by hand with the
# AWS CLI, one `aws ec2` call after another as the AWS walkthroughs do (create, then wait where
# they wait): a VPC with DNS support and hostnames, a public and two private subnets, an internet
# gateway with a default route, a public and a private route table with their associations, a
# security group allowing HTTPS from the VPC, S3 (with the seed's policy) and DynamoDB gateway
# endpoints on the private table, and ssm, ssmmessages and ec2messages interface endpoints in the
# private subnets with private DNS. Credentials and region come from the environment.
set -euo pipefail
URL=${1:?usage: seed_by_cli.sh ENDPOINT_URL}
R=${AWS_DEFAULT_REGION:-us-east-1}
ec2() { aws --endpoint-url "$URL" ec2 "$@"; }
tags() { echo "ResourceType=$1,Tags=[{Key=Name,Value=$2}]"; }

VPC=$(ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications "$(tags vpc seed-vpc)" \
    --query Vpc.VpcId --output text)
ec2 wait vpc-available --vpc-ids "$VPC"
ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-support '{"Value":true}'
ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-hostnames '{"Value":true}'

PUB=$(ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.0.0/24 --availability-zone "${R}a" \
    --tag-specifications "$(tags subnet seed-public)" --query Subnet.SubnetId --output text)
PRIV0=$(ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.10.0/24 --availability-zone "${R}a" \
    --tag-specifications "$(tags subnet seed-private-0)" --query Subnet.SubnetId --output text)
PRIV1=$(ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.11.0/24 --availability-zone "${R}b" \
    --tag-specifications "$(tags subnet seed-private-1)" --query Subnet.SubnetId --output text)
ec2 wait subnet-available --subnet-ids "$PUB" "$PRIV0" "$PRIV1"

IGW=$(ec2 create-internet-gateway --tag-specifications "$(tags internet-gateway seed-igw)" \
    --query InternetGateway.InternetGatewayId --output text)
ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC"

RT_PUB=$(ec2 create-route-table --vpc-id "$VPC" --tag-specifications "$(tags route-table seed-public)" \
    --query RouteTable.RouteTableId --output text)
ec2 create-route --route-table-id "$RT_PUB" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW" >/dev/null
ec2 associate-route-table --route-table-id "$RT_PUB" --subnet-id "$PUB" >/dev/null
RT_PRIV=$(ec2 create-route-table --vpc-id "$VPC" --tag-specifications "$(tags route-table seed-private)" \
    --query RouteTable.RouteTableId --output text)
ec2 associate-route-table --route-table-id "$RT_PRIV" --subnet-id "$PRIV0" >/dev/null
ec2 associate-route-table --route-table-id "$RT_PRIV" --subnet-id "$PRIV1" >/dev/null

SG=$(ec2 create-security-group --vpc-id "$VPC" --group-name seed-endpoints \
    --description "HTTPS from the VPC to the interface endpoints" \
    --tag-specifications "$(tags security-group seed-endpoints)" --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$SG" --ip-permissions \
    'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/16,Description="HTTPS from the VPC"}]' >/dev/null

POLICY='{"Version":"2012-10-17","Statement":[{"Sid":"OnlyOneBucket","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::seed-artifacts-bucket","arn:aws:s3:::seed-artifacts-bucket/*"]}]}'
EPS=()
EPS+=("$(ec2 create-vpc-endpoint --vpc-id "$VPC" --service-name "com.amazonaws.$R.s3" \
    --vpc-endpoint-type Gateway --route-table-ids "$RT_PRIV" --policy-document "$POLICY" \
    --tag-specifications "$(tags vpc-endpoint seed-s3)" --query VpcEndpoint.VpcEndpointId --output text)")
EPS+=("$(ec2 create-vpc-endpoint --vpc-id "$VPC" --service-name "com.amazonaws.$R.dynamodb" \
    --vpc-endpoint-type Gateway --route-table-ids "$RT_PRIV" \
    --tag-specifications "$(tags vpc-endpoint seed-dynamodb)" --query VpcEndpoint.VpcEndpointId --output text)")
for svc in ssm ssmmessages ec2messages; do
    EPS+=("$(ec2 create-vpc-endpoint --vpc-id "$VPC" --service-name "com.amazonaws.$R.$svc" \
        --vpc-endpoint-type Interface --subnet-ids "$PRIV0" "$PRIV1" --security-group-ids "$SG" \
        --private-dns-enabled --tag-specifications "$(tags vpc-endpoint "seed-$svc")" \
        --query VpcEndpoint.VpcEndpointId --output text)")
done
# The CLI has no endpoint waiter: poll until every endpoint is available, as the guides do.
for _ in $(seq 1 120); do
    pending=$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "${EPS[@]}" \
        --query 'length(VpcEndpoints[?State!=`available`])' --output text)
    [ "$pending" = "0" ] && exit 0
    sleep 5
done
echo "seed_by_cli: endpoints still not available" >&2
exit 1
