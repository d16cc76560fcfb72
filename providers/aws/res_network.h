/*
 * providers/aws/res_network.h (internal to providers/aws/): the operations of the network
 * resources (aws_vpc, aws_subnet, aws_route_table, aws_route_table_association, aws_route,
 * aws_internet_gateway, aws_security_group, aws_security_group_rule) and of the data sources,
 * wired into the type tables of schema_*.c. Contracts are those of vpce_resource_type
 * (providers/provider.h): new_state / *out are new references the caller owns; errors start
 * with EC2's code ("DependencyViolation: ...").
 */
#ifndef VPCE_AWS_RES_NETWORK_H
#define VPCE_AWS_RES_NETWORK_H

#include "providers/provider.h"

#define VPCE_AWS_RES_OPS(prefix)                                                                   \
    int prefix##_create(vpce_resource_op *op);                                                     \
    int prefix##_update(vpce_resource_op *op);                                                     \
    int prefix##_delete(vpce_resource_op *op);                                                     \
    int prefix##_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out);      \
    int prefix##_import(vpce_provider *p, const char *id, json_t **out);

/* aws_vpc: CreateVpc + ModifyVpcAttribute (dns), read with DescribeVpcs + attributes. */
VPCE_AWS_RES_OPS(vpce_aws_vpc)
/* aws_subnet: CreateSubnet; map_public_ip_on_launch = true is refused (no ModifySubnetAttribute
 * in vpce's EC2 model). */
VPCE_AWS_RES_OPS(vpce_aws_subnet)
/* aws_internet_gateway: CreateInternetGateway + AttachInternetGateway. */
VPCE_AWS_RES_OPS(vpce_aws_igw)
/* aws_route_table with the inline `route` set. */
VPCE_AWS_RES_OPS(vpce_aws_rtb)
/* aws_route_table_association: id rtbassoc-...; imports "subnet-x/rtb-y", "igw-x/rtb-y". */
VPCE_AWS_RES_OPS(vpce_aws_rtb_assoc)
/* aws_route: id "r-<rtb id><hash of destination>"; imports "rtb-x_destination". */
VPCE_AWS_RES_OPS(vpce_aws_route)
/* aws_security_group with inline ingress / egress sets. */
VPCE_AWS_RES_OPS(vpce_aws_sg)
/* aws_security_group_rule: id "sgrule-<hash>"; imports "sg-x_type_proto_from_to_source...". */
VPCE_AWS_RES_OPS(vpce_aws_sg_rule)

/* aws_network_acl: CreateNetworkAcl, its entries and ReplaceNetworkAclAssociation
 * (res_network_acl.c). */
VPCE_AWS_RES_OPS(vpce_aws_nacl)
/* aws_network_acl_rule: id "nacl-<hash>"; imports "acl-x:RULE_NUMBER:PROTOCOL:EGRESS"; every
 * argument forces a replacement (no update). */
int vpce_aws_nacl_rule_create(vpce_resource_op *op);
int vpce_aws_nacl_rule_delete(vpce_resource_op *op);
int vpce_aws_nacl_rule_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out);
int vpce_aws_nacl_rule_import(vpce_provider *p, const char *id, json_t **out);

/* One network ACL entry, normalised: what EC2 stores and compares. Strings are borrowed from
 * the object they were read from. Shared by aws_network_acl and aws_network_acl_rule. */
typedef struct vpce_aws_nacl_entry {
    bool egress;
    long long rule_no;
    const char *proto;              /* "-1", "6", "17", "1", "58" or another number */
    const char *action;             /* "allow" or "deny" */
    const char *cidr;               /* "" when unset */
    const char *ipv6;               /* "" when unset */
    long long from, to;             /* 0 unless TCP or UDP */
    long long icmp_type, icmp_code; /* 0 unless ICMP */
} vpce_aws_nacl_entry;

/* EC2's protocol number for a configured protocol ("tcp" -> "6", "all" -> "-1"). Borrowed. */
const char *vpce_aws_nacl_proto(const char *p);
/* Fills e from a rule object (config or state): the rule number and action are read from the
 * keys given ("rule_no"/"action" in aws_network_acl, "rule_number"/"rule_action" in the rule). */
void vpce_aws_nacl_entry_init(vpce_aws_nacl_entry *e, const json_t *o, bool egress,
                              const char *rule_no_key, const char *action_key);
bool vpce_aws_nacl_entry_equal(const vpce_aws_nacl_entry *a, const vpce_aws_nacl_entry *b);
/* Sends CreateNetworkAclEntry, ReplaceNetworkAclEntry or DeleteNetworkAclEntry for e. */
int vpce_aws_nacl_entry_send(vpce_provider *p, const char *action, const char *acl_id,
                             const vpce_aws_nacl_entry *e);
/* The entry (EC2 answer item, borrowed from acl) with that rule number and direction, or NULL. */
const json_t *vpce_aws_nacl_find_entry(const json_t *acl, long long rule_no, bool egress);
/* DescribeNetworkAcls of ids by filter: *out a new object id -> description. */
int vpce_aws_nacl_describe(vpce_provider *p, const char *const *ids, size_t n, json_t **out);

/* Data sources. */
int vpce_aws_data_vpc_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_subnet_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_subnets_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_route_table_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_security_group_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_endpoint_service_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_prefix_list_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_azs_read(vpce_provider *p, const json_t *config, json_t **out);
int vpce_aws_data_region_read(vpce_provider *p, const json_t *config, json_t **out);

#endif
