/*
 * providers/aws/schema_data.c: the data sources of the "aws" provider (aws_vpc, aws_subnet,
 * aws_subnets, aws_route_table, aws_security_group, aws_vpc_endpoint_service, aws_prefix_list,
 * aws_availability_zones, aws_region), and the filter and timeouts blocks they share.
 */
#include "providers/aws/res_network.h"
#include "providers/aws/resources.h"

static const vpce_attr_schema filter_attrs[] = {
    {"name", "string", REQ, NULL, "the EC2 filter name"},
    {"values", "set(string)", REQ, NULL, NULL},
    ATTRS_END,
};
const vpce_block_schema vpce_aws_filter_schema = {filter_attrs, NULL};

static const vpce_attr_schema timeouts_attrs[] = {
    {"create", "string", OPT, NULL, "a duration such as \"10m\""},
    {"update", "string", OPT, NULL, NULL},
    {"delete", "string", OPT, NULL, NULL},
    {"read", "string", OPT, NULL, NULL},
    ATTRS_END,
};
const vpce_block_schema vpce_aws_timeouts_schema = {timeouts_attrs, NULL};
const vpce_nested_block vpce_aws_timeouts_blocks[] = {
    {"timeouts", VPCE_NEST_SINGLE, 0, 1, 0, &vpce_aws_timeouts_schema},
    BLOCKS_END,
};

static const vpce_nested_block filter_blocks[] = {
    {"filter", VPCE_NEST_SET, 0, 0, 0, &vpce_aws_filter_schema},
    BLOCKS_END,
};

static const vpce_attr_schema vpc_attrs[] = {
    ATTR_DATA_REGION,
    {"id", "string", OPT | CMP, NULL, NULL},
    {"cidr_block", "string", OPT | CMP, NULL, NULL},
    {"default", "bool", OPT | CMP, NULL, NULL},
    {"dhcp_options_id", "string", OPT | CMP, NULL, NULL},
    {"state", "string", OPT | CMP, NULL, NULL},
    {"tags", "map(string)", OPT | CMP, NULL, NULL},
    {"arn", "string", CMP, NULL, NULL},
    {"enable_dns_support", "bool", CMP, NULL, NULL},
    {"enable_dns_hostnames", "bool", CMP, NULL, NULL},
    {"instance_tenancy", "string", CMP, NULL, NULL},
    {"ipv6_cidr_block", "string", CMP, NULL, NULL},
    {"main_route_table_id", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema vpc_schema = {vpc_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_vpc = {
    .name = "aws_vpc", .schema = &vpc_schema, .read = vpce_aws_data_vpc_read};

static const vpce_attr_schema subnet_attrs[] = {
    ATTR_DATA_REGION,
    {"id", "string", OPT | CMP, NULL, NULL},
    {"vpc_id", "string", OPT | CMP, NULL, NULL},
    {"cidr_block", "string", OPT | CMP, NULL, NULL},
    {"availability_zone", "string", OPT | CMP, NULL, NULL},
    {"availability_zone_id", "string", OPT | CMP, NULL, NULL},
    {"default_for_az", "bool", OPT | CMP, NULL, NULL},
    {"state", "string", OPT | CMP, NULL, NULL},
    {"tags", "map(string)", OPT | CMP, NULL, NULL},
    {"arn", "string", CMP, NULL, NULL},
    {"available_ip_address_count", "number", CMP, NULL, NULL},
    {"map_public_ip_on_launch", "bool", CMP, NULL, NULL},
    {"ipv6_cidr_block", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema subnet_schema = {subnet_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_subnet = {
    .name = "aws_subnet", .schema = &subnet_schema, .read = vpce_aws_data_subnet_read};

static const vpce_attr_schema subnets_attrs[] = {
    ATTR_DATA_REGION,
    {"tags", "map(string)", OPT, NULL, NULL},
    {"id", "string", CMP, NULL, NULL},
    {"ids", "list(string)", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema subnets_schema = {subnets_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_subnets = {
    .name = "aws_subnets", .schema = &subnets_schema, .read = vpce_aws_data_subnets_read};

static const vpce_attr_schema rt_attrs[] = {
    ATTR_DATA_REGION,
    {"route_table_id", "string", OPT | CMP, NULL, NULL},
    {"subnet_id", "string", OPT | CMP, NULL, NULL},
    {"gateway_id", "string", OPT | CMP, NULL, NULL},
    {"vpc_id", "string", OPT | CMP, NULL, NULL},
    {"tags", "map(string)", OPT | CMP, NULL, NULL},
    {"id", "string", CMP, NULL, NULL},
    {"arn", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    {"routes",
     "list(object({cidr_block=string,ipv6_cidr_block=string,"
     "destination_prefix_list_id=string,gateway_id=string,nat_gateway_id=string,"
     "network_interface_id=string,transit_gateway_id=string,vpc_endpoint_id=string,"
     "vpc_peering_connection_id=string}))",
     CMP, NULL, NULL},
    {"associations",
     "list(object({route_table_association_id=string,route_table_id=string,"
     "subnet_id=string,gateway_id=string,main=bool}))",
     CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema rt_schema = {rt_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_route_table = {
    .name = "aws_route_table", .schema = &rt_schema, .read = vpce_aws_data_route_table_read};

static const vpce_attr_schema sg_attrs[] = {
    ATTR_DATA_REGION,
    {"id", "string", OPT | CMP, NULL, NULL},
    {"name", "string", OPT | CMP, NULL, NULL},
    {"vpc_id", "string", OPT | CMP, NULL, NULL},
    {"tags", "map(string)", OPT | CMP, NULL, NULL},
    {"arn", "string", CMP, NULL, NULL},
    {"description", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema sg_schema = {sg_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_security_group = {
    .name = "aws_security_group", .schema = &sg_schema, .read = vpce_aws_data_security_group_read};

static const vpce_attr_schema svc_attrs[] = {
    ATTR_DATA_REGION,
    {"service", "string", OPT, NULL, "the short name, e.g. \"s3\""},
    {"service_name", "string", OPT | CMP, NULL, NULL},
    {"service_type", "string", OPT | CMP, NULL, "Gateway or Interface"},
    {"service_regions", "set(string)", OPT, NULL, NULL},
    {"tags", "map(string)", OPT | CMP, NULL, NULL},
    {"id", "string", CMP, NULL, NULL},
    {"service_id", "string", CMP, NULL, NULL},
    {"arn", "string", CMP, NULL, NULL},
    {"availability_zones", "set(string)", CMP, NULL, NULL},
    {"private_dns_name", "string", CMP, NULL, NULL},
    {"private_dns_names", "list(string)", CMP, NULL, NULL},
    {"base_endpoint_dns_names", "set(string)", CMP, NULL, NULL},
    {"vpc_endpoint_policy_supported", "bool", CMP, NULL, NULL},
    {"acceptance_required", "bool", CMP, NULL, NULL},
    {"manages_vpc_endpoints", "bool", CMP, NULL, NULL},
    {"owner", "string", CMP, NULL, NULL},
    {"region", "string", CMP, NULL, NULL},
    {"supported_ip_address_types", "set(string)", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema svc_schema = {svc_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_vpc_endpoint_service = {
    .name = "aws_vpc_endpoint_service",
    .schema = &svc_schema,
    .read = vpce_aws_data_endpoint_service_read};

static const vpce_attr_schema pl_attrs[] = {
    ATTR_DATA_REGION,
    {"prefix_list_id", "string", OPT, NULL, NULL},
    {"name", "string", OPT | CMP, NULL, NULL},
    {"id", "string", CMP, NULL, NULL},
    {"cidr_blocks", "list(string)", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema pl_schema = {pl_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_prefix_list = {
    .name = "aws_prefix_list", .schema = &pl_schema, .read = vpce_aws_data_prefix_list_read};

static const vpce_attr_schema az_attrs[] = {
    ATTR_DATA_REGION,
    {"all_availability_zones", "bool", OPT, NULL, NULL},
    {"exclude_names", "set(string)", OPT, NULL, NULL},
    {"exclude_zone_ids", "set(string)", OPT, NULL, NULL},
    {"state", "string", OPT, NULL, "available, information, impaired, unavailable"},
    {"id", "string", CMP, NULL, NULL},
    {"group_names", "set(string)", CMP, NULL, NULL},
    {"names", "list(string)", CMP, NULL, NULL},
    {"zone_ids", "list(string)", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema az_schema = {az_attrs, filter_blocks};
const vpce_resource_type vpce_aws_data_availability_zones = {
    .name = "aws_availability_zones", .schema = &az_schema, .read = vpce_aws_data_azs_read};

static const vpce_attr_schema region_attrs[] = {
    {"region", "string", OPT | CMP, NULL, "the region to describe; else the provider's"},
    {"name", "string", OPT | CMP, NULL, "the same as region (deprecated by the AWS provider v6)"},
    {"endpoint", "string", OPT | CMP, NULL, NULL},
    {"id", "string", CMP, NULL, NULL},
    {"description", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema region_schema = {region_attrs, NULL};
const vpce_resource_type vpce_aws_data_region = {
    .name = "aws_region", .schema = &region_schema, .read = vpce_aws_data_region_read};
