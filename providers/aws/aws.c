/*
 * providers/aws/aws.c: the "aws" provider type: its configuration schema (the provider block)
 * and the tables of its resource and data-source types; configure, free and identity are in
 * provider.c.
 */
#include "providers/aws/provider.h"
#include "providers/aws/resources.h"

static const vpce_attr_schema endpoints_attrs[] = {
    {"ec2", "string", OPT, NULL, "EC2 endpoint URL (for local emulators)"},
    {"sts", "string", OPT, NULL, "STS endpoint URL (roles, web identity, GetCallerIdentity)"},
    ATTRS_END,
};

static const vpce_attr_schema assume_role_attrs[] = {
    {"role_arn", "string", REQ, NULL, "ARN of the role to assume"},
    {"session_name", "string", OPT, NULL, "else vpce-<unix time>"},
    {"external_id", "string", OPT, NULL, NULL},
    {"duration", "string", OPT, NULL, "session duration, 15m to 12h (e.g. \"1h\")"},
    {"policy", "string", OPT, NULL, "an IAM policy (JSON) further restricting the session"},
    {"policy_arns", "set(string)", OPT, NULL, "managed policies restricting the session"},
    {"tags", "map(string)", OPT, NULL, "session tags"},
    {"transitive_tag_keys", "set(string)", OPT, NULL, NULL},
    {"source_identity", "string", OPT, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema assume_role_schema = {assume_role_attrs, NULL};

static const vpce_attr_schema web_identity_attrs[] = {
    {"role_arn", "string", OPT, NULL, "else AWS_ROLE_ARN"},
    {"session_name", "string", OPT, NULL, "else AWS_ROLE_SESSION_NAME, else vpce-<unix time>"},
    {"web_identity_token_file", "string", OPT, NULL, "else AWS_WEB_IDENTITY_TOKEN_FILE"},
    {"web_identity_token", "string", OPT | SENS, NULL, NULL},
    {"duration", "string", OPT, NULL, "session duration, 15m to 12h"},
    ATTRS_END,
};
static const vpce_block_schema web_identity_schema = {web_identity_attrs, NULL};
static const vpce_block_schema endpoints_schema = {endpoints_attrs, NULL};

static const vpce_attr_schema default_tags_attrs[] = {
    {"tags", "map(string)", OPT, NULL, "tags added to every resource"},
    ATTRS_END,
};
static const vpce_block_schema default_tags_schema = {default_tags_attrs, NULL};

static const vpce_attr_schema rate_limits_attrs[] = {
    {"endpoint_capacity", "number", OPT, "4", "CreateVpcEndpoint/Modify/Delete bucket size"},
    {"endpoint_refill", "number", OPT, "0.3", "tokens per second"},
    {"mutating_capacity", "number", OPT, "50", NULL},
    {"mutating_refill", "number", OPT, "5", NULL},
    {"describe_capacity", "number", OPT, "100", NULL},
    {"describe_refill", "number", OPT, "20", NULL},
    ATTRS_END,
};
static const vpce_block_schema rate_limits_schema = {rate_limits_attrs, NULL};

static const vpce_attr_schema config_attrs[] = {
    {"region", "string", OPT, NULL, "AWS region; else AWS_REGION, AWS_DEFAULT_REGION, profile"},
    {"profile", "string", OPT, NULL, NULL},
    {"shared_credentials_files", "list(string)", OPT, NULL, NULL},
    {"shared_config_files", "list(string)", OPT, NULL, NULL},
    {"access_key", "string", OPT | SENS, NULL, NULL},
    {"secret_key", "string", OPT | SENS, NULL, NULL},
    {"token", "string", OPT | SENS, NULL, NULL},
    {"max_retries", "number", OPT, NULL,
     "retries of a request on throttling, 5xx, broken connections and timeouts"},
    {"sts_region", "string", OPT, NULL, "region of the STS endpoint; else the region"},
    {"allowed_account_ids", "set(string)", OPT, NULL, "refuse credentials of other accounts"},
    {"forbidden_account_ids", "set(string)", OPT, NULL, "refuse credentials of these accounts"},
    {"skip_credentials_validation", "bool", OPT, "false",
     "do not call sts:GetCallerIdentity when configured"},
    {"skip_region_validation", "bool", OPT, "false", NULL},
    {"skip_requesting_account_id", "bool", OPT, "false", NULL},
    ATTRS_END,
};
static const vpce_nested_block config_blocks[] = {
    {"endpoints", VPCE_NEST_SINGLE, 0, 1, 0, &endpoints_schema},
    {"default_tags", VPCE_NEST_SINGLE, 0, 1, 0, &default_tags_schema},
    {"rate_limits", VPCE_NEST_SINGLE, 0, 1, 0, &rate_limits_schema},
    {"assume_role", VPCE_NEST_LIST, 0, 0, 0, &assume_role_schema},
    {"assume_role_with_web_identity", VPCE_NEST_SINGLE, 0, 1, 0, &web_identity_schema},
    BLOCKS_END,
};
static const vpce_block_schema config_schema = {config_attrs, config_blocks};

static const vpce_resource_type *const resources[] = {
    &vpce_aws_internet_gateway,
    &vpce_aws_network_acl,
    &vpce_aws_network_acl_rule,
    &vpce_aws_route,
    &vpce_aws_route_table,
    &vpce_aws_route_table_association,
    &vpce_aws_security_group,
    &vpce_aws_security_group_rule,
    &vpce_aws_subnet,
    &vpce_aws_vpc,
    &vpce_aws_vpc_endpoint,
    &vpce_aws_vpc_endpoint_policy,
    &vpce_aws_vpc_endpoint_route_table_association,
    &vpce_aws_vpc_endpoint_security_group_association,
    &vpce_aws_vpc_endpoint_subnet_association,
    NULL,
};

static const vpce_resource_type *const data_sources[] = {
    &vpce_aws_data_availability_zones,
    &vpce_aws_data_iam_policy_document,
    &vpce_aws_data_prefix_list,
    &vpce_aws_data_region,
    &vpce_aws_data_route_table,
    &vpce_aws_data_security_group,
    &vpce_aws_data_subnet,
    &vpce_aws_data_subnets,
    &vpce_aws_data_vpc,
    &vpce_aws_data_vpc_endpoint_service,
    NULL,
};

const vpce_provider_type vpce_aws_provider = {
    .name = "aws",
    .config_schema = &config_schema,
    .resources = resources,
    .data_sources = data_sources,
    .configure = vpce_aws_configure,
    .free = vpce_aws_provider_free,
    .identity = vpce_aws_provider_identity,
    .instance_for = vpce_aws_provider_for_values,
    .fill_state = vpce_aws_provider_fill_state,
};
