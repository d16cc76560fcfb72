/*
 * providers/aws/res_find.c: crash recovery of apply for every managed "aws" resource type (the
 * find_by_address / find_planned ops of providers/provider.h). One generic search driven by a
 * table per type name:
 *
 *  - tagged objects (VPC, subnet, route table, internet gateway, security group, network ACL,
 *    endpoint): every
 *    create tags its object vpce:address = address through TagSpecification, so the object a
 *    crashed create made is found with a Describe* filtered on tag:vpce:address (the tag is then
 *    checked exactly, since EC2 filter values take '*' and '?' wildcards). Exactly one match is
 *    read with the type's own import op, so the adopted state has the shape an import or a
 *    create gives; none gives NULL; several is an error naming the ids (a duplicate exists and
 *    the user must decide which to keep). Endpoints that are deleting or deleted do not count.
 *  - objects without tags (aws_route, aws_route_table_association, aws_security_group_rule,
 *    aws_network_acl_rule,
 *    the aws_vpc_endpoint_*_association types, aws_vpc_endpoint_policy): the planned values the
 *    create was sent with (kept by apply in the journal entry's details) name the object: the
 *    type's own refresh (read_batch, with the planned values as the prior) or import (for route
 *    table associations, "subnet-x/rtb-y") tells whether it exists.
 *
 * EC2's Describe* calls may not show an object for a few seconds after its create: the
 * planner's recovery (planner/apply_recover.c) searches only once the newest create is older
 * than that window, so one search here is enough, and "not found" means not made.
 */
#include "providers/aws/provider.h"
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
    FIND_TAG,       /* Describe* by tag:vpce:address, then import the one match */
    FIND_READ,      /* read_batch with the planned values as the prior */
    FIND_RTB_ASSOC, /* import "subnet-x/rtb-y" or "igw-x/rtb-y" from the planned values */
} find_mode;

typedef struct find_kind {
    const char *type; /* "aws_vpc" */
    find_mode mode;
    const char *action;    /* FIND_TAG: "DescribeVpcs" */
    const char *list_key;  /* FIND_TAG: "vpcSet" */
    const char *id_key;    /* FIND_TAG: "vpcId" */
    const char *state_key; /* FIND_TAG: a state field whose deleting/deleted items are ignored */
    int (*import)(vpce_provider *p, const char *id, json_t **out);
    int (*read_batch)(vpce_provider *p, json_t *const *priors, size_t n, json_t **out);
    /* Untagged kinds: attributes that must equal their planned value (when known) for the
       object to be the one the create made (NULL-terminated, may be NULL). */
    const char *const *same;
} find_kind;

/* A route found at the planned destination is ours only with the planned target: another
   target means someone else's route, which the create would have refused (RouteAlreadyExists)
   and which must not be adopted silently. */
static const char *const route_targets[] = {
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
    NULL,
};

#define TAGGED(t, act, list, idk, stk, imp)                                                        \
    {                                                                                              \
        .type = (t), .mode = FIND_TAG, .action = (act), .list_key = (list), .id_key = (idk),       \
        .state_key = (stk), .import = (imp)                                                        \
    }
#define READ(t, rb, same_attrs)                                                                    \
    {                                                                                              \
        .type = (t), .mode = FIND_READ, .read_batch = (rb), .same = (same_attrs)                   \
    }

/* A rule number taken by another entry is not the rule the create made. */
static const char *const nacl_rule_same[] = {"rule_action", "cidr_block", "ipv6_cidr_block", NULL};

static const find_kind kinds[] = {
    TAGGED("aws_vpc", "DescribeVpcs", "vpcSet", "vpcId", NULL, vpce_aws_vpc_import),
    TAGGED("aws_subnet", "DescribeSubnets", "subnetSet", "subnetId", NULL, vpce_aws_subnet_import),
    TAGGED("aws_route_table", "DescribeRouteTables", "routeTableSet", "routeTableId", NULL,
           vpce_aws_rtb_import),
    TAGGED("aws_internet_gateway", "DescribeInternetGateways", "internetGatewaySet",
           "internetGatewayId", NULL, vpce_aws_igw_import),
    TAGGED("aws_security_group", "DescribeSecurityGroups", "securityGroupInfo", "groupId", NULL,
           vpce_aws_sg_import),
    TAGGED("aws_network_acl", "DescribeNetworkAcls", "networkAclSet", "networkAclId", NULL,
           vpce_aws_nacl_import),
    TAGGED("aws_vpc_endpoint", "DescribeVpcEndpoints", "vpcEndpointSet", "vpcEndpointId", "state",
           vpce_aws_endpoint_import),
    READ("aws_route", vpce_aws_route_read_batch, route_targets),
    {.type = "aws_route_table_association",
     .mode = FIND_RTB_ASSOC,
     .import = vpce_aws_rtb_assoc_import},
    READ("aws_security_group_rule", vpce_aws_sg_rule_read_batch, NULL),
    READ("aws_network_acl_rule", vpce_aws_nacl_rule_read_batch, nacl_rule_same),
    READ("aws_vpc_endpoint_route_table_association", vpce_aws_endpoint_rt_assoc_read_batch, NULL),
    READ("aws_vpc_endpoint_subnet_association", vpce_aws_endpoint_subnet_assoc_read_batch, NULL),
    READ("aws_vpc_endpoint_security_group_association", vpce_aws_endpoint_sg_assoc_read_batch,
         NULL),
    READ("aws_vpc_endpoint_policy", vpce_aws_endpoint_policy_read_batch, NULL),
};

/* The table entry of the type of address ("aws_vpc.main" -> aws_vpc), or NULL. */
static const find_kind *kind_of(const char *address)
{
    const char *dot = address ? strchr(address, '.') : NULL;
    if (!dot)
        return NULL;
    size_t n = (size_t)(dot - address);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strlen(kinds[i].type) == n && strncmp(kinds[i].type, address, n) == 0)
            return &kinds[i];
    return NULL;
}

/* True when the EC2 item carries vpce:address = address exactly. */
static bool has_address_tag(const json_t *item, const char *address)
{
    size_t i;
    const json_t *t;
    json_array_foreach(vpce_aws_ec2_list(item, "tagSet"), i, t)
    {
        const char *k = vpce_aws_ec2_str(t, "key");
        const char *v = vpce_aws_ec2_str(t, "value");
        if (k && v && strcmp(k, VPCE_AWS_ADDRESS_TAG) == 0 && strcmp(v, address) == 0)
            return true;
    }
    return false;
}

static int find_tagged(const find_kind *k, vpce_provider *p, const char *address, json_t **out)
{
    json_t *all = NULL;
    vpce_buf ids = VPCE_BUF_INIT(4096);
    const char *only = NULL;
    size_t n = 0;
    /* Filter values are patterns ('*', '?'; some implementations also take '[...]' classes and
       '\\' escapes): each such character becomes '?', and the tag is compared exactly below. */
    char *pattern = vpce_strdup(address);
    for (char *c = pattern; *c; c++)
        if (strchr("*?[]\\", *c))
            *c = '?';
    const char *pat = pattern;
    int rc = vpce_aws_describe_by_filter(p, k->action, "tag:" VPCE_AWS_ADDRESS_TAG, k->list_key,
                                         k->id_key, &pat, 1, 0, &all);
    free(pattern);
    if (rc)
        goto cleanup;
    const char *id;
    json_t *item;
    json_object_foreach(all, id, item)
    {
        if (!has_address_tag(item, address))
            continue;
        const char *st = k->state_key ? vpce_aws_ec2_str(item, k->state_key) : NULL;
        if (st && (strcasecmp(st, "deleting") == 0 || strcasecmp(st, "deleted") == 0))
            continue;
        vpce_buf_printf(&ids, "%s%s", n ? ", " : "", id);
        only = id;
        n++;
    }
    if (n > 1) {
        rc = vpce_error_setc(VPCE_EEXISTS,
                             "%zu objects carry the tag %s = %s (%s): an interrupted apply may "
                             "have made a duplicate; delete the extra ones (or import the right "
                             "one) before applying again",
                             n, VPCE_AWS_ADDRESS_TAG, address, vpce_buf_cstr(&ids));
        goto cleanup;
    }
    if (n == 1) {
        rc = k->import(p, only, out);
        if (rc == VPCE_ENOTFOUND) { /* gone between the two reads */
            vpce_error_clear();
            rc = 0;
            *out = NULL;
        }
    }
cleanup:
    json_decref(all);
    vpce_buf_release(&ids);
    return rc;
}

/* Unknown values left in a state (computed attributes of the planned prior) become null. */
static void null_unknowns(json_t *st)
{
    const char *key;
    json_t *v;
    json_object_foreach(st, key, v)
    {
        if (vpce_is_unknown(v))
            json_object_set_new(st, key, json_null());
        else if (json_is_object(v))
            null_unknowns(v);
        else if (json_is_array(v)) {
            size_t i;
            json_t *x;
            json_array_foreach(v, i, x)
            {
                if (vpce_is_unknown(x))
                    json_array_set_new(v, i, json_null());
                else if (json_is_object(x))
                    null_unknowns(x);
            }
        }
    }
}

static int find_untagged(const find_kind *k, vpce_provider *p, const json_t *planned, json_t **out)
{
    int rc = 0;
    if (k->mode == FIND_READ) {
        json_t *const priors[] = {(json_t *)planned};
        rc = k->read_batch(p, priors, 1, out);
    } else {
        const char *rtb = vpce_aws_attr_str(planned, "route_table_id");
        const char *subnet = vpce_aws_attr_str(planned, "subnet_id");
        const char *target = subnet ? subnet : vpce_aws_attr_str(planned, "gateway_id");
        if (!rtb || !target)
            return 0; /* nothing could have been associated */
        char *imp = vpce_asprintf("%s/%s", target, rtb);
        rc = k->import(p, imp, out);
        free(imp);
    }
    if (rc == VPCE_ENOTFOUND) { /* the parent object itself is gone */
        vpce_error_clear();
        json_decref(*out);
        *out = NULL;
        rc = 0;
    }
    for (size_t i = 0; rc == 0 && *out && k->same && k->same[i]; i++) {
        const char *want = vpce_aws_attr_str(planned, k->same[i]);
        const char *have = vpce_aws_attr_str(*out, k->same[i]);
        if (want && (!have || strcmp(want, have) != 0)) {
            json_decref(*out);
            *out = NULL;
        }
    }
    if (rc == 0 && *out)
        null_unknowns(*out);
    return rc;
}

int vpce_aws_find_planned(vpce_provider *p, const char *address, const char *token,
                          const json_t *planned, json_t **out)
{
    /* ClientToken is not searchable in EC2; the address tag is. The token still matters: when
       this search finds nothing, recovery keeps it and the create is sent again with it, so an
       action that takes a ClientToken answers with an object the search could not see yet. */
    (void)token;
    *out = NULL;
    const find_kind *k = kind_of(address);
    if (!k)
        return vpce_error_setc(VPCE_EINVALID, "%s: no search for this resource type", address);
    if (k->mode == FIND_TAG)
        return find_tagged(k, p, address, out);
    /* Without the planned values (a journal entry written by an older vpce) there is nothing to
       search for: report nothing made. The create is then sent again, and these creates adopt
       an identical object that already exists (RouteAlreadyExists, AlreadyAssociated, ...). */
    if (!json_is_object(planned))
        return 0;
    return find_untagged(k, p, planned, out);
}

int vpce_aws_find_by_address(vpce_provider *p, const char *address, const char *token, json_t **out)
{
    return vpce_aws_find_planned(p, address, token, NULL, out);
}
