/*
 * providers/aws/res_network_acl.c: aws_network_acl, with the Terraform AWS provider's arguments:
 * vpc_id, subnet_ids, inline `ingress` / `egress` rule sets (protocol, rule_no, action,
 * cidr_block or ipv6_cidr_block, from_port, to_port, icmp_type, icmp_code) and tags.
 *
 * A rule set given in the configuration (even empty) is authoritative: entries EC2 has and the
 * set lacks are deleted, changed ones replaced (ReplaceNetworkAclEntry), missing ones created; a
 * set not given is not managed. The final rule 32767 (deny all) is EC2's own and never shown.
 * subnet_ids moves each listed subnet's association to this ACL (ReplaceNetworkAclAssociation);
 * a subnet taken out of the list, and every subnet when the ACL is deleted, goes back to the
 * VPC's default ACL, as in Terraform. The entry helpers at the end are shared with
 * aws_network_acl_rule (res_network_acl_rule.c).
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"
#include "providers/aws/resources.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FINAL_RULE 32767

/* ---- entries ------------------------------------------------------------------------------ */

const char *vpce_aws_nacl_proto(const char *p)
{
    if (!p || !*p || strcasecmp(p, "all") == 0 || strcmp(p, "-1") == 0)
        return "-1";
    if (strcasecmp(p, "tcp") == 0)
        return "6";
    if (strcasecmp(p, "udp") == 0)
        return "17";
    if (strcasecmp(p, "icmp") == 0)
        return "1";
    if (strcasecmp(p, "icmpv6") == 0)
        return "58";
    return p;
}

static long long num_or(const json_t *o, const char *key, long long dflt)
{
    long long v;
    return vpce_aws_attr_num(o, key, &v) ? v : dflt;
}

static const char *str_or_empty(const json_t *o, const char *key)
{
    const char *s = vpce_aws_attr_str(o, key);
    return s ? s : "";
}

void vpce_aws_nacl_entry_init(vpce_aws_nacl_entry *e, const json_t *o, bool egress,
                              const char *rule_no_key, const char *action_key)
{
    memset(e, 0, sizeof(*e));
    e->egress = egress;
    e->rule_no = num_or(o, rule_no_key, 0);
    e->proto = vpce_aws_nacl_proto(vpce_aws_attr_str(o, "protocol"));
    e->action = str_or_empty(o, action_key);
    e->cidr = str_or_empty(o, "cidr_block");
    e->ipv6 = str_or_empty(o, "ipv6_cidr_block");
    bool ports = strcmp(e->proto, "6") == 0 || strcmp(e->proto, "17") == 0;
    bool icmp = strcmp(e->proto, "1") == 0 || strcmp(e->proto, "58") == 0;
    e->from = ports ? num_or(o, "from_port", 0) : 0;
    e->to = ports ? num_or(o, "to_port", 0) : 0;
    e->icmp_type = icmp ? num_or(o, "icmp_type", 0) : 0;
    e->icmp_code = icmp ? num_or(o, "icmp_code", 0) : 0;
}

static long long ec2_num(const json_t *o, const char *key)
{
    json_t *v = vpce_aws_ec2_int(o, key);
    long long n = json_is_integer(v) ? json_integer_value(v) : 0;
    json_decref(v);
    return n;
}

/* An entry of an EC2 answer (its strings are borrowed from item). */
static void entry_from_ec2(vpce_aws_nacl_entry *e, const json_t *item)
{
    memset(e, 0, sizeof(*e));
    json_t *eg = vpce_aws_ec2_bool(item, "egress");
    e->egress = json_is_true(eg);
    json_decref(eg);
    e->rule_no = ec2_num(item, "ruleNumber");
    e->proto = vpce_aws_nacl_proto(vpce_aws_ec2_str(item, "protocol"));
    const char *a = vpce_aws_ec2_str(item, "ruleAction");
    e->action = a ? a : "";
    const char *c = vpce_aws_ec2_str(item, "cidrBlock");
    e->cidr = c ? c : "";
    c = vpce_aws_ec2_str(item, "ipv6CidrBlock");
    e->ipv6 = c ? c : "";
    bool ports = strcmp(e->proto, "6") == 0 || strcmp(e->proto, "17") == 0;
    bool icmp = strcmp(e->proto, "1") == 0 || strcmp(e->proto, "58") == 0;
    const json_t *pr = json_object_get(item, "portRange");
    const json_t *ic = json_object_get(item, "icmpTypeCode");
    e->from = ports ? ec2_num(pr, "from") : 0;
    e->to = ports ? ec2_num(pr, "to") : 0;
    e->icmp_type = icmp ? ec2_num(ic, "type") : 0;
    e->icmp_code = icmp ? ec2_num(ic, "code") : 0;
}

bool vpce_aws_nacl_entry_equal(const vpce_aws_nacl_entry *a, const vpce_aws_nacl_entry *b)
{
    return a->egress == b->egress && a->rule_no == b->rule_no && strcmp(a->proto, b->proto) == 0 &&
           strcasecmp(a->action, b->action) == 0 && strcmp(a->cidr, b->cidr) == 0 &&
           strcmp(a->ipv6, b->ipv6) == 0 && a->from == b->from && a->to == b->to &&
           a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

int vpce_aws_nacl_entry_send(vpce_provider *p, const char *action, const char *acl_id,
                             const vpce_aws_nacl_entry *e)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "NetworkAclId", acl_id);
    vpce_aws_params_add_int(&params, "RuleNumber", e->rule_no);
    vpce_aws_params_add_bool(&params, "Egress", e->egress);
    if (strcmp(action, "DeleteNetworkAclEntry") != 0) {
        vpce_aws_params_add(&params, "Protocol", e->proto);
        vpce_aws_params_add(&params, "RuleAction", e->action);
        if (*e->ipv6)
            vpce_aws_params_add(&params, "Ipv6CidrBlock", e->ipv6);
        else
            vpce_aws_params_add(&params, "CidrBlock", e->cidr);
        if (strcmp(e->proto, "6") == 0 || strcmp(e->proto, "17") == 0) {
            vpce_aws_params_add_int(&params, "PortRange.From", e->from);
            vpce_aws_params_add_int(&params, "PortRange.To", e->to);
        } else if (strcmp(e->proto, "1") == 0 || strcmp(e->proto, "58") == 0) {
            vpce_aws_params_add_int(&params, "Icmp.Type", e->icmp_type);
            vpce_aws_params_add_int(&params, "Icmp.Code", e->icmp_code);
        }
    }
    int rc = vpce_aws_call_retry(p, action, &params, NULL, "InvalidNetworkAclID.NotFound",
                                 VPCE_AWS_CONSISTENCY_MS);
    vpce_aws_params_release(&params);
    return rc;
}

const json_t *vpce_aws_nacl_find_entry(const json_t *acl, long long rule_no, bool egress)
{
    size_t i;
    const json_t *item;
    json_array_foreach(vpce_aws_ec2_list(acl, "entrySet"), i, item)
    {
        vpce_aws_nacl_entry e;
        entry_from_ec2(&e, item);
        if (e.rule_no == rule_no && e.egress == egress)
            return item;
    }
    return NULL;
}

int vpce_aws_nacl_describe(vpce_provider *p, const char *const *ids, size_t n, json_t **out)
{
    return vpce_aws_describe_by_filter(p, "DescribeNetworkAcls", "network-acl-id", "networkAclSet",
                                       "networkAclId", ids, n, 0, out);
}

/* ---- state --------------------------------------------------------------------------------- */

/* The rule object of an EC2 entry, as Terraform flattens it. New. */
static json_t *rule_object(const vpce_aws_nacl_entry *e)
{
    return json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:I}", "from_port", (json_int_t)e->from,
                     "to_port", (json_int_t)e->to, "rule_no", (json_int_t)e->rule_no, "action",
                     e->action, "protocol", e->proto, "cidr_block", e->cidr, "ipv6_cidr_block",
                     e->ipv6, "icmp_type", (json_int_t)e->icmp_type, "icmp_code",
                     (json_int_t)e->icmp_code);
}

/* One direction's rule set: a ref (config or prior) object that matches an entry EC2 has is kept
   as written (so "tcp" stays "tcp"); the other entries are EC2's. New array. */
static json_t *rule_set(const json_t *acl, const json_t *ref_set, bool egress)
{
    json_t *set = json_array();
    size_t i, j;
    const json_t *item, *ref;
    json_array_foreach(vpce_aws_ec2_list(acl, "entrySet"), i, item)
    {
        vpce_aws_nacl_entry e;
        entry_from_ec2(&e, item);
        if (e.egress != egress || e.rule_no == FINAL_RULE)
            continue;
        const json_t *kept = NULL;
        json_array_foreach(ref_set, j, ref)
        {
            vpce_aws_nacl_entry r;
            vpce_aws_nacl_entry_init(&r, ref, egress, "rule_no", "action");
            if (!kept && vpce_aws_nacl_entry_equal(&r, &e))
                kept = ref;
        }
        json_array_append_new(set, kept ? json_deep_copy(kept) : rule_object(&e));
    }
    return set;
}

static json_t *nacl_state(vpce_provider *p, const json_t *acl, const json_t *ref)
{
    json_t *st = json_object();
    const char *id = vpce_aws_ec2_str(acl, "networkAclId");
    const char *owner = vpce_aws_ec2_str(acl, "ownerId");
    vpce_aws_set_id_arn(st, p, "network-acl", id, owner);
    vpce_aws_set_str(st, "owner_id", owner);
    vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(acl, "vpcId"));
    json_object_set_new(
        st, "subnet_ids",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(acl, "associationSet"), "subnetId", true));
    json_object_set_new(st, "ingress", rule_set(acl, vpce_aws_attr_list(ref, "ingress"), false));
    json_object_set_new(st, "egress", rule_set(acl, vpce_aws_attr_list(ref, "egress"), true));
    vpce_aws_set_tags(p, st, acl, ref);
    return st;
}

static const vpce_aws_kind nacl_kind = {
    .action = "DescribeNetworkAcls",
    .filter = "network-acl-id",
    .list_key = "networkAclSet",
    .id_key = "networkAclId",
    .missing_code = "InvalidNetworkAclID.NotFound",
    .noun = "network ACL",
    .state = nacl_state,
};

/* ---- writes -------------------------------------------------------------------------------- */

/* Brings one direction of acl (a description) to the configured set, when it is known. */
static int sync_direction(vpce_provider *p, const json_t *acl, const json_t *config, bool egress)
{
    const json_t *want = vpce_aws_attr_list(config, egress ? "egress" : "ingress");
    if (!want)
        return 0;
    const char *id = vpce_aws_ec2_str(acl, "networkAclId");
    int rc = 0;
    size_t i, j;
    const json_t *item, *w;
    /* Deletes and replacements first, so a rule number freed by one rule can be reused. */
    json_array_foreach(vpce_aws_ec2_list(acl, "entrySet"), i, item)
    {
        vpce_aws_nacl_entry have;
        entry_from_ec2(&have, item);
        if (have.egress != egress || have.rule_no == FINAL_RULE)
            continue;
        const char *verb = "DeleteNetworkAclEntry";
        vpce_aws_nacl_entry repl;
        json_array_foreach(want, j, w)
        {
            vpce_aws_nacl_entry e;
            vpce_aws_nacl_entry_init(&e, w, egress, "rule_no", "action");
            if (e.rule_no != have.rule_no)
                continue;
            verb = vpce_aws_nacl_entry_equal(&e, &have) ? NULL : "ReplaceNetworkAclEntry";
            repl = e;
        }
        if (verb)
            rc = vpce_aws_nacl_entry_send(
                p, verb, id, strcmp(verb, "DeleteNetworkAclEntry") == 0 ? &have : &repl);
        if (rc)
            return rc;
    }
    json_array_foreach(want, j, w)
    {
        vpce_aws_nacl_entry e;
        vpce_aws_nacl_entry_init(&e, w, egress, "rule_no", "action");
        if (!vpce_aws_nacl_find_entry(acl, e.rule_no, egress))
            rc = vpce_aws_nacl_entry_send(p, "CreateNetworkAclEntry", id, &e);
        if (rc)
            return rc;
    }
    return 0;
}

/* The network ACL that subnet is associated with now (new), or NULL. */
static int acl_of_subnet(vpce_provider *p, const char *subnet, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *items = NULL;
    vpce_aws_params_add_filter(&params, "association.subnet-id", &subnet, 1);
    int rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeNetworkAcls", &params,
                                 "networkAclSet", &items);
    vpce_aws_params_release(&params);
    *out = rc == 0 && json_array_size(items) ? json_incref(json_array_get(items, 0)) : NULL;
    json_decref(items);
    return rc;
}

/* Moves subnet's association to acl_id (or, when acl_id is NULL, to vpc's default ACL). */
static int associate(vpce_provider *p, const char *subnet, const char *acl_id, const char *vpc)
{
    json_t *cur = NULL, *defaults = NULL;
    int rc = acl_of_subnet(p, subnet, &cur);
    if (rc == 0 && !cur)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidSubnetID.NotFound: the subnet '%s' has no network ACL "
                             "association",
                             subnet);
    if (rc == 0 && !acl_id) {
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        const char *yes = "true";
        vpce_aws_params_add_filter(&params, "vpc-id", &vpc, 1);
        vpce_aws_params_add_filter(&params, "default", &yes, 1);
        rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeNetworkAcls", &params,
                                 "networkAclSet", &defaults);
        vpce_aws_params_release(&params);
        acl_id = vpce_aws_ec2_str(json_array_get(defaults, 0), "networkAclId");
        if (rc == 0 && !acl_id)
            rc = vpce_error_setc(VPCE_ENOTFOUND, "the VPC '%s' has no default network ACL", vpc);
    }
    const char *assoc = NULL;
    size_t i;
    const json_t *a;
    json_array_foreach(vpce_aws_ec2_list(cur, "associationSet"), i, a)
    {
        const char *s = vpce_aws_ec2_str(a, "subnetId");
        if (s && strcmp(s, subnet) == 0)
            assoc = vpce_aws_ec2_str(a, "networkAclAssociationId");
    }
    const char *cur_id = vpce_aws_ec2_str(cur, "networkAclId");
    if (rc == 0 && assoc && !(cur_id && strcmp(cur_id, acl_id) == 0)) {
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        vpce_aws_params_add(&params, "AssociationId", assoc);
        vpce_aws_params_add(&params, "NetworkAclId", acl_id);
        rc = vpce_aws_call(vpce_aws_provider_client(p), "ReplaceNetworkAclAssociation", &params,
                           NULL);
        vpce_aws_params_release(&params);
    }
    json_decref(cur);
    json_decref(defaults);
    return rc;
}

static bool list_has(const json_t *list, const char *s)
{
    size_t i;
    const json_t *x;
    json_array_foreach(list, i, x) if (json_is_string(x) &&
                                       strcmp(json_string_value(x), s) == 0) return true;
    return false;
}

/* Brings the ACL's subnets, then its rules, to the configuration; *out gets the new state. */
static int sync_all(vpce_resource_op *op, const char *id, json_t **out)
{
    vpce_provider *p = op->provider;
    json_t *acl = NULL;
    const char *vpc = vpce_aws_attr_str(op->config, "vpc_id");
    int rc = vpce_aws_describe_one(p, nacl_kind.action, nacl_kind.filter, nacl_kind.list_key,
                                   nacl_kind.id_key, id, VPCE_AWS_CONSISTENCY_MS, &acl);
    if (rc == 0 && !acl)
        rc = vpce_aws_kind_missing(&nacl_kind, id);
    const json_t *want = vpce_aws_attr_list(op->config, "subnet_ids");
    if (rc == 0 && want) {
        json_t *have =
            vpce_aws_ec2_strings(vpce_aws_ec2_list(acl, "associationSet"), "subnetId", true);
        size_t i;
        const json_t *s;
        json_array_foreach(want, i, s)
        {
            if (rc == 0 && json_is_string(s) && !list_has(have, json_string_value(s)))
                rc = associate(p, json_string_value(s), id, vpc);
        }
        json_array_foreach(have, i, s)
        {
            if (rc == 0 && !list_has(want, json_string_value(s)))
                rc = associate(p, json_string_value(s), NULL, vpc);
        }
        json_decref(have);
    }
    if (rc == 0)
        rc = sync_direction(p, acl, op->config, false);
    if (rc == 0)
        rc = sync_direction(p, acl, op->config, true);
    json_decref(acl);
    if (rc == 0)
        rc = vpce_aws_kind_read_after_write(p, &nacl_kind, id, op->config, out);
    return rc;
}

int vpce_aws_nacl_create(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL;
    vpce_aws_params_add(&params, "VpcId", vpce_aws_attr_str(op->config, "vpc_id"));
    vpce_aws_add_client_token(&params, op);
    int rc = vpce_aws_add_tag_spec(&params, op->provider, "network-acl", op->config, op->address);
    if (rc == 0)
        rc = vpce_aws_call(vpce_aws_provider_client(op->provider), "CreateNetworkAcl", &params, &r);
    const char *id = rc ? NULL : vpce_aws_ec2_str(json_object_get(r, "networkAcl"), "networkAclId");
    if (rc == 0 && !id)
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from EC2 to CreateNetworkAcl: no networkAclId");
    if (rc == 0)
        rc = sync_all(op, id, &op->new_state);
    vpce_aws_params_release(&params);
    json_decref(r);
    return rc;
}

int vpce_aws_nacl_update(vpce_resource_op *op)
{
    int rc = vpce_aws_update_op_tags(op);
    if (rc == 0)
        rc = sync_all(op, vpce_aws_state_id(op->prior), &op->new_state);
    return rc;
}

int vpce_aws_nacl_delete(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    json_t *acl = NULL;
    int rc = vpce_aws_describe_one(op->provider, nacl_kind.action, nacl_kind.filter,
                                   nacl_kind.list_key, nacl_kind.id_key, id, 0, &acl);
    size_t i;
    const json_t *a;
    json_array_foreach(vpce_aws_ec2_list(acl, "associationSet"), i, a)
    {
        const char *s = vpce_aws_ec2_str(a, "subnetId");
        if (rc == 0 && s)
            rc = associate(op->provider, s, NULL, vpce_aws_ec2_str(acl, "vpcId"));
    }
    json_decref(acl);
    if (rc)
        return rc;
    return vpce_aws_delete_retrying(op, "DeleteNetworkAcl", "NetworkAclId", id, 5 * 60 * 1000);
}

int vpce_aws_nacl_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    return vpce_aws_kind_read_batch(p, &nacl_kind, priors, n, out);
}

int vpce_aws_nacl_import(vpce_provider *p, const char *id, json_t **out)
{
    return vpce_aws_kind_import(p, &nacl_kind, id, out);
}

/* ---- the type ------------------------------------------------------------------------------ */

#define NACL_RULE_OBJECT                                                                           \
    "object({from_port=number,to_port=number,rule_no=number,action=string,protocol=string,"        \
    "cidr_block=string,ipv6_cidr_block=string,icmp_type=number,icmp_code=number})"

static const vpce_attr_schema nacl_attrs[] = {
    ATTR_REGION,
    {"vpc_id", "string", REQ | FNEW, NULL, NULL},
    {"subnet_ids", "set(string)", OPT | CMP, NULL, "subnets associated with this ACL"},
    {"ingress", "set(" NACL_RULE_OBJECT ")", OPT | CMP, NULL, "inline ingress rules"},
    {"egress", "set(" NACL_RULE_OBJECT ")", OPT | CMP, NULL, "inline egress rules"},
    ATTR_TAGS,
    ATTR_TAGS_ALL,
    ATTR_ID,
    {"arn", "string", CMP, NULL, NULL},
    {"owner_id", "string", CMP, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema nacl_schema = {nacl_attrs, NULL};

const vpce_resource_type vpce_aws_network_acl = {
    .name = "aws_network_acl",
    .schema = &nacl_schema,
    .description = "a network ACL of a VPC and the subnets it guards",
    .create = vpce_aws_nacl_create,
    .update = vpce_aws_nacl_update,
    .delete = vpce_aws_nacl_delete,
    .read_batch = vpce_aws_nacl_read_batch,
    .import = vpce_aws_nacl_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};
