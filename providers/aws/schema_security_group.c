/* providers/aws/schema_security_group.c: aws_security_group and aws_security_group_rule. */
#include "providers/aws/res_network.h"
#include "providers/aws/provider.h"
#include "providers/aws/resources.h"

/* ingress and egress are attributes that may also be written as blocks, as in Terraform. */
#define SG_RULE_OBJECT                                                                             \
    "object({from_port=number,to_port=number,protocol=string,cidr_blocks=list(string),"            \
    "ipv6_cidr_blocks=list(string),prefix_list_ids=list(string),security_groups=set(string),"      \
    "self=bool,description=string})"

static const vpce_attr_schema sg_attrs[] = {
    ATTR_REGION,
    {"name", "string", OPT | CMP | FNEW, NULL, NULL},
    {"name_prefix", "string", OPT | CMP | FNEW, NULL, NULL},
    {"description", "string", OPT | FNEW, "\"Managed by vpce\"", NULL},
    {"vpc_id", "string", OPT | CMP | FNEW, NULL, NULL},
    {"ingress", "set(" SG_RULE_OBJECT ")", OPT | CMP, NULL, "inline ingress rules"},
    {"egress", "set(" SG_RULE_OBJECT ")", OPT | CMP, NULL, "inline egress rules"},
    {"revoke_rules_on_delete", "bool", OPT, "false", NULL},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema sg_schema = {sg_attrs, vpce_aws_timeouts_blocks};

const vpce_resource_type vpce_aws_security_group = {
    .name = "aws_security_group",
    .schema = &sg_schema,
    .description = "a security group",
    .create = vpce_aws_sg_create,
    .update = vpce_aws_sg_update,
    .delete = vpce_aws_sg_delete,
    .read_batch = vpce_aws_sg_read_batch,
    .import = vpce_aws_sg_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};

static const vpce_attr_schema rule_attrs[] = {
    ATTR_REGION,
    {"type", "string", REQ | FNEW, NULL, "ingress or egress"},
    {"from_port", "number", REQ | FNEW, NULL, NULL},
    {"to_port", "number", REQ | FNEW, NULL, NULL},
    {"protocol", "string", REQ | FNEW, NULL, NULL},
    {"cidr_blocks", "list(string)", OPT | FNEW, NULL, NULL},
    {"ipv6_cidr_blocks", "list(string)", OPT | FNEW, NULL, NULL},
    {"prefix_list_ids", "list(string)", OPT | FNEW, NULL, NULL},
    {"source_security_group_id", "string", OPT | CMP | FNEW, NULL, NULL},
    {"self", "bool", OPT | FNEW, "false", NULL},
    {"security_group_id", "string", REQ | FNEW, NULL, NULL},
    {"description", "string", OPT, NULL, NULL},
    ATTR_ID,
    {"security_group_rule_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema rule_schema = {rule_attrs, NULL};

const vpce_resource_type vpce_aws_security_group_rule = {
    .name = "aws_security_group_rule",
    .schema = &rule_schema,
    .description = "one rule of a security group",
    .create = vpce_aws_sg_rule_create,
    .update = vpce_aws_sg_rule_update,
    .delete = vpce_aws_sg_rule_delete,
    .read_batch = vpce_aws_sg_rule_read_batch,
    .import = vpce_aws_sg_rule_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};
