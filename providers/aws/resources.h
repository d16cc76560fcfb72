/*
 * providers/aws/resources.h (internal to providers/aws/): every resource and data-source type of
 * the "aws" provider, one global per type, each defined in its own providers/aws/schema_*.c or
 * res_*.c file (schema now; the CRUD functions are filled in by the same files later). The short
 * flag macros below keep the schema tables readable.
 */
#ifndef VPCE_AWS_RESOURCES_H
#define VPCE_AWS_RESOURCES_H

#include "providers/provider.h"

#define REQ    VPCE_ATTR_REQUIRED
#define OPT    VPCE_ATTR_OPTIONAL
#define CMP    VPCE_ATTR_COMPUTED
#define FNEW   VPCE_ATTR_FORCE_NEW
#define JSONV  VPCE_ATTR_JSON
#define POLICY (VPCE_ATTR_JSON | VPCE_ATTR_POLICY)
#define SENS   VPCE_ATTR_SENSITIVE
#define ATTRS_END                                                                                  \
    {                                                                                              \
        NULL, NULL, 0, NULL, NULL                                                                  \
    }
#define BLOCKS_END                                                                                 \
    {                                                                                              \
        NULL, 0, 0, 0, 0, NULL                                                                     \
    }

/* Shared pieces: tags, tags_all and the id. */
#define ATTR_ID                                                                                    \
    {                                                                                              \
        "id", "string", CMP, NULL, "the object's id"                                               \
    }
#define ATTR_TAGS                                                                                  \
    {                                                                                              \
        "tags", "map(string)", OPT, NULL, "tags to assign"                                         \
    }
#define ATTR_TAGS_ALL                                                                              \
    {                                                                                              \
        "tags_all", "map(string)", CMP, NULL, "tags including the provider's default_tags"         \
    }

/* The AWS provider v6 `region` argument of every regional resource: the region the object is
   in, the provider's by default; a change replaces the object. Data sources read there. */
#define ATTR_REGION                                                                                \
    {                                                                                              \
        "region", "string", OPT | CMP | FNEW, NULL,                                                \
            "the region of the object; else the "                                                  \
            "provider's"                                                                           \
    }
#define ATTR_DATA_REGION                                                                           \
    {                                                                                              \
        "region", "string", OPT | CMP, NULL, "the region to read in; else the provider's"          \
    }

/* The `filter { name = ..., values = [...] }` block of data sources. */
extern const vpce_block_schema vpce_aws_filter_schema;
/* The `timeouts { create, update, delete }` block. */
extern const vpce_block_schema vpce_aws_timeouts_schema;
/* The nested blocks of a resource whose only block is `timeouts`. */
extern const vpce_nested_block vpce_aws_timeouts_blocks[];

/* Managed resources. */
extern const vpce_resource_type vpce_aws_vpc_endpoint;
extern const vpce_resource_type vpce_aws_vpc_endpoint_route_table_association;
extern const vpce_resource_type vpce_aws_vpc_endpoint_subnet_association;
extern const vpce_resource_type vpce_aws_vpc_endpoint_security_group_association;
extern const vpce_resource_type vpce_aws_vpc_endpoint_policy;
extern const vpce_resource_type vpce_aws_vpc;
extern const vpce_resource_type vpce_aws_subnet;
extern const vpce_resource_type vpce_aws_route_table;
extern const vpce_resource_type vpce_aws_route_table_association;
extern const vpce_resource_type vpce_aws_route;
extern const vpce_resource_type vpce_aws_internet_gateway;
extern const vpce_resource_type vpce_aws_security_group;
extern const vpce_resource_type vpce_aws_security_group_rule;
extern const vpce_resource_type vpce_aws_network_acl;
extern const vpce_resource_type vpce_aws_network_acl_rule;

/* Data sources (the type names are the same as Terraform's, the globals carry a data_ prefix). */
extern const vpce_resource_type vpce_aws_data_vpc;
extern const vpce_resource_type vpce_aws_data_subnet;
extern const vpce_resource_type vpce_aws_data_subnets;
extern const vpce_resource_type vpce_aws_data_route_table;
extern const vpce_resource_type vpce_aws_data_security_group;
extern const vpce_resource_type vpce_aws_data_vpc_endpoint_service;
extern const vpce_resource_type vpce_aws_data_iam_policy_document;
extern const vpce_resource_type vpce_aws_data_prefix_list;
extern const vpce_resource_type vpce_aws_data_availability_zones;
extern const vpce_resource_type vpce_aws_data_region;

#endif
