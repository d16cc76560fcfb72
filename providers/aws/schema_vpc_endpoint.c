/* providers/aws/schema_vpc_endpoint.c: aws_vpc_endpoint, its association resources and policy. */
#include "providers/aws/provider.h"
#include "providers/aws/resources.h"

static const vpce_attr_schema dns_options_attrs[] = {
    {"dns_record_ip_type", "string", OPT | CMP, NULL, "ipv4, dualstack, service-defined, ipv6"},
    {"private_dns_only_for_inbound_resolver_endpoint", "bool", OPT | CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema dns_options_schema = {dns_options_attrs, NULL};

static const vpce_attr_schema subnet_configuration_attrs[] = {
    {"ipv4", "string", OPT | CMP, NULL, NULL},
    {"ipv6", "string", OPT | CMP, NULL, NULL},
    {"subnet_id", "string", OPT | CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema subnet_configuration_schema = {subnet_configuration_attrs, NULL};

static const vpce_attr_schema endpoint_attrs[] = {
    ATTR_REGION,
    {"vpc_id", "string", REQ | FNEW, NULL, "the VPC the endpoint is in"},
    {"service_name", "string", REQ | FNEW, NULL, "com.amazonaws.REGION.SERVICE"},
    {"service_region", "string", OPT | CMP | FNEW, NULL,
     "the region of the endpoint service (cross-region PrivateLink); else the endpoint's"},
    {"vpc_endpoint_type", "string", OPT | FNEW, "\"Gateway\"", "Gateway, Interface, ..."},
    {"auto_accept", "bool", OPT, NULL, "accept the endpoint (same-account endpoint services)"},
    {"route_table_ids", "set(string)", OPT | CMP, NULL, "gateway endpoints"},
    {"subnet_ids", "set(string)", OPT | CMP, NULL, "interface endpoints"},
    {"security_group_ids", "set(string)", OPT | CMP, NULL, "interface endpoints"},
    {"private_dns_enabled", "bool", OPT | CMP, NULL, "interface endpoints"},
    {"policy", "string", OPT | CMP | POLICY, NULL, "the endpoint policy (JSON)"},
    {"ip_address_type", "string", OPT | CMP, NULL, "ipv4, dualstack, ipv6"},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"state", "string", CMP, NULL, NULL},
    {"prefix_list_id", "string", CMP, NULL, NULL},
    {"cidr_blocks", "list(string)", CMP, NULL, NULL},
    {"dns_entry", "list(object({dns_name=string,hosted_zone_id=string}))", CMP, NULL, NULL},
    {"network_interface_ids", "set(string)", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    {"requester_managed", "bool", CMP, NULL, NULL},
    ATTRS_END,
};

static const vpce_nested_block endpoint_blocks[] = {
    {"dns_options", VPCE_NEST_SINGLE, 0, 1, CMP, &dns_options_schema},
    {"subnet_configuration", VPCE_NEST_SET, 0, 0, CMP, &subnet_configuration_schema},
    {"timeouts", VPCE_NEST_SINGLE, 0, 1, 0, &vpce_aws_timeouts_schema},
    BLOCKS_END,
};

static const vpce_block_schema endpoint_schema = {endpoint_attrs, endpoint_blocks};

const vpce_resource_type vpce_aws_vpc_endpoint = {
    .name = "aws_vpc_endpoint",
    .schema = &endpoint_schema,
    .description = "a VPC endpoint (Gateway or Interface)",
    .create = vpce_aws_endpoint_create,
    .update = vpce_aws_endpoint_update,
    .delete = vpce_aws_endpoint_delete,
    .read_batch = vpce_aws_endpoint_read_batch,
    .import = vpce_aws_endpoint_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema rt_assoc_attrs[] = {
    ATTR_REGION,
    {"route_table_id", "string", REQ | FNEW, NULL, NULL},
    {"vpc_endpoint_id", "string", REQ | FNEW, NULL, NULL},
    ATTR_ID,
    ATTRS_END,
};
static const vpce_block_schema rt_assoc_schema = {rt_assoc_attrs, NULL};

const vpce_resource_type vpce_aws_vpc_endpoint_route_table_association = {
    .name = "aws_vpc_endpoint_route_table_association",
    .schema = &rt_assoc_schema,
    .description = "a route table attached to a gateway endpoint",
    .create = vpce_aws_endpoint_rt_assoc_create,
    .update = vpce_aws_endpoint_assoc_update,
    .delete = vpce_aws_endpoint_rt_assoc_delete,
    .read_batch = vpce_aws_endpoint_rt_assoc_read_batch,
    .import = vpce_aws_endpoint_rt_assoc_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema subnet_assoc_attrs[] = {
    ATTR_REGION,
    {"subnet_id", "string", REQ | FNEW, NULL, NULL},
    {"vpc_endpoint_id", "string", REQ | FNEW, NULL, NULL},
    ATTR_ID,
    ATTRS_END,
};
static const vpce_block_schema subnet_assoc_schema = {subnet_assoc_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_vpc_endpoint_subnet_association = {
    .name = "aws_vpc_endpoint_subnet_association",
    .schema = &subnet_assoc_schema,
    .description = "a subnet attached to an interface endpoint",
    .create = vpce_aws_endpoint_subnet_assoc_create,
    .update = vpce_aws_endpoint_assoc_update,
    .delete = vpce_aws_endpoint_subnet_assoc_delete,
    .read_batch = vpce_aws_endpoint_subnet_assoc_read_batch,
    .import = vpce_aws_endpoint_subnet_assoc_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema sg_assoc_attrs[] = {
    ATTR_REGION,
    {"security_group_id", "string", REQ | FNEW, NULL, NULL},
    {"vpc_endpoint_id", "string", REQ | FNEW, NULL, NULL},
    {"replace_default_association", "bool", OPT | FNEW, NULL, NULL},
    ATTR_ID,
    ATTRS_END,
};
static const vpce_block_schema sg_assoc_schema = {sg_assoc_attrs, NULL};

const vpce_resource_type vpce_aws_vpc_endpoint_security_group_association = {
    .name = "aws_vpc_endpoint_security_group_association",
    .schema = &sg_assoc_schema,
    .description = "a security group attached to an interface endpoint",
    .create = vpce_aws_endpoint_sg_assoc_create,
    .update = vpce_aws_endpoint_assoc_update,
    .delete = vpce_aws_endpoint_sg_assoc_delete,
    .read_batch = vpce_aws_endpoint_sg_assoc_read_batch,
    .import = vpce_aws_endpoint_sg_assoc_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema policy_attrs[] = {
    ATTR_REGION,
    {"vpc_endpoint_id", "string", REQ | FNEW, NULL, NULL},
    {"policy", "string", OPT | CMP | POLICY, NULL, "the endpoint policy (JSON)"},
    ATTR_ID,
    ATTRS_END,
};
static const vpce_block_schema policy_schema = {policy_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_vpc_endpoint_policy = {
    .name = "aws_vpc_endpoint_policy",
    .schema = &policy_schema,
    .description = "the policy of an endpoint managed separately",
    .create = vpce_aws_endpoint_policy_create,
    .update = vpce_aws_endpoint_policy_update,
    .delete = vpce_aws_endpoint_policy_delete,
    .read_batch = vpce_aws_endpoint_policy_read_batch,
    .import = vpce_aws_endpoint_policy_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};
