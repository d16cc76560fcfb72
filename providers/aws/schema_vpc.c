/* providers/aws/schema_vpc.c: aws_vpc, aws_subnet and aws_internet_gateway. */
#include "providers/aws/res_network.h"
#include "providers/aws/provider.h"
#include "providers/aws/resources.h"

static const vpce_attr_schema vpc_attrs[] = {
    ATTR_REGION,
    {"cidr_block", "string", OPT | CMP | FNEW, NULL, "the IPv4 CIDR block"},
    {"instance_tenancy", "string", OPT | FNEW, "\"default\"", "default or dedicated"},
    {"enable_dns_support", "bool", OPT, "true", NULL},
    {"enable_dns_hostnames", "bool", OPT | CMP, "false", NULL},
    {"assign_generated_ipv6_cidr_block", "bool", OPT, "false", NULL},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"main_route_table_id", "string", CMP, NULL, NULL},
    {"default_security_group_id", "string", CMP, NULL, NULL},
    {"default_route_table_id", "string", CMP, NULL, NULL},
    {"default_network_acl_id", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    {"ipv6_cidr_block", "string", OPT | CMP, NULL, NULL},
    {"ipv6_association_id", "string", CMP, NULL, NULL},
    {"dhcp_options_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema vpc_schema = {vpc_attrs, NULL};

const vpce_resource_type vpce_aws_vpc = {
    .name = "aws_vpc",
    .schema = &vpc_schema,
    .description = "a VPC",
    .create = vpce_aws_vpc_create,
    .update = vpce_aws_vpc_update,
    .delete = vpce_aws_vpc_delete,
    .read_batch = vpce_aws_vpc_read_batch,
    .import = vpce_aws_vpc_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema subnet_attrs[] = {
    ATTR_REGION,
    {"vpc_id", "string", REQ | FNEW, NULL, NULL},
    {"cidr_block", "string", OPT | CMP | FNEW, NULL, NULL},
    {"availability_zone", "string", OPT | CMP | FNEW, NULL, NULL},
    {"availability_zone_id", "string", OPT | CMP | FNEW, NULL, NULL},
    {"map_public_ip_on_launch", "bool", OPT, "false", NULL},
    {"ipv6_cidr_block", "string", OPT | CMP, NULL, NULL},
    {"assign_ipv6_address_on_creation", "bool", OPT, "false", NULL},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    {"ipv6_cidr_block_association_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema subnet_schema = {subnet_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_subnet = {
    .name = "aws_subnet",
    .schema = &subnet_schema,
    .description = "a subnet of a VPC",
    .create = vpce_aws_subnet_create,
    .update = vpce_aws_subnet_update,
    .delete = vpce_aws_subnet_delete,
    .read_batch = vpce_aws_subnet_read_batch,
    .import = vpce_aws_subnet_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema igw_attrs[] = {
    ATTR_REGION,
    {"vpc_id", "string", OPT | CMP, NULL, NULL},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema igw_schema = {igw_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_internet_gateway = {
    .name = "aws_internet_gateway",
    .schema = &igw_schema,
    .description = "an internet gateway, attached to a VPC",
    .create = vpce_aws_igw_create,
    .update = vpce_aws_igw_update,
    .delete = vpce_aws_igw_delete,
    .read_batch = vpce_aws_igw_read_batch,
    .import = vpce_aws_igw_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};
