/* providers/aws/schema_route.c: aws_route_table, aws_route_table_association and aws_route. */
#include "providers/aws/res_network.h"
#include "providers/aws/provider.h"
#include "providers/aws/resources.h"

/* route is an attribute that may also be written as blocks, as in the Terraform provider. */
#define ROUTE_OBJECT                                                                               \
    "object({cidr_block=string,ipv6_cidr_block=string,destination_prefix_list_id=string,"          \
    "carrier_gateway_id=string,core_network_arn=string,egress_only_gateway_id=string,"             \
    "gateway_id=string,local_gateway_id=string,nat_gateway_id=string,"                             \
    "network_interface_id=string,transit_gateway_id=string,vpc_endpoint_id=string,"                \
    "vpc_peering_connection_id=string})"

static const vpce_attr_schema rt_attrs[] = {
    ATTR_REGION,
    {"vpc_id", "string", REQ | FNEW, NULL, NULL},
    {"route", "set(" ROUTE_OBJECT ")", OPT | CMP, NULL, "inline routes"},
    {"propagating_vgws", "set(string)", OPT | CMP, NULL, NULL},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema rt_schema = {rt_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_route_table = {
    .name = "aws_route_table",
    .schema = &rt_schema,
    .description = "a route table",
    .create = vpce_aws_rtb_create,
    .update = vpce_aws_rtb_update,
    .delete = vpce_aws_rtb_delete,
    .read_batch = vpce_aws_rtb_read_batch,
    .import = vpce_aws_rtb_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema rta_attrs[] = {
    ATTR_REGION,
    {"subnet_id", "string", OPT | FNEW, NULL, NULL},
    {"gateway_id", "string", OPT | FNEW, NULL, NULL},
    {"route_table_id", "string", REQ, NULL, NULL},
    ATTR_ID,
    ATTRS_END,
};
static const vpce_block_schema rta_schema = {rta_attrs, NULL};

const vpce_resource_type vpce_aws_route_table_association = {
    .name = "aws_route_table_association",
    .schema = &rta_schema,
    .description = "a subnet or gateway associated with a route table",
    .create = vpce_aws_rtb_assoc_create,
    .update = vpce_aws_rtb_assoc_update,
    .delete = vpce_aws_rtb_assoc_delete,
    .read_batch = vpce_aws_rtb_assoc_read_batch,
    .import = vpce_aws_rtb_assoc_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema route_attrs[] = {
    ATTR_REGION,
    {"route_table_id", "string", REQ | FNEW, NULL, NULL},
    {"destination_cidr_block", "string", OPT | FNEW, NULL, NULL},
    {"destination_ipv6_cidr_block", "string", OPT | FNEW, NULL, NULL},
    {"destination_prefix_list_id", "string", OPT | FNEW, NULL, NULL},
    {"carrier_gateway_id", "string", OPT, NULL, NULL},
    {"core_network_arn", "string", OPT, NULL, NULL},
    {"egress_only_gateway_id", "string", OPT, NULL, NULL},
    {"gateway_id", "string", OPT, NULL, NULL},
    {"local_gateway_id", "string", OPT, NULL, NULL},
    {"nat_gateway_id", "string", OPT, NULL, NULL},
    {"network_interface_id", "string", OPT | CMP, NULL, NULL},
    {"transit_gateway_id", "string", OPT, NULL, NULL},
    {"vpc_endpoint_id", "string", OPT, NULL, NULL},
    {"vpc_peering_connection_id", "string", OPT, NULL, NULL},
    ATTR_ID,
    {"instance_id", "string", CMP, NULL, NULL},
    {"instance_owner_id", "string", CMP, NULL, NULL},
    {"origin", "string", CMP, NULL, NULL},
    {"state", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema route_schema = {route_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_route = {
    .name = "aws_route",
    .schema = &route_schema,
    .description = "one route in a route table",
    .create = vpce_aws_route_create,
    .update = vpce_aws_route_update,
    .delete = vpce_aws_route_delete,
    .read_batch = vpce_aws_route_read_batch,
    .import = vpce_aws_route_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};
