/*
 * providers/aws/res_network_acl_rule.c: aws_network_acl_rule, one entry of a network ACL, with
 * the Terraform AWS provider's arguments (network_acl_id, rule_number, egress, protocol,
 * rule_action, cidr_block or ipv6_cidr_block, from_port, to_port, icmp_type, icmp_code). Every
 * argument forces a replacement. The id is "nacl-<hash of ACL id, rule number, egress and
 * protocol>" (Terraform's shape with its hash replaced); import takes Terraform's
 * "ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS".
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"
#include "providers/aws/resources.h"

#include <stdlib.h>
#include <string.h>

static char *rule_id(const char *acl, long long rule_no, bool egress, const char *proto)
{
    char *key = vpce_asprintf("%s-%lld-%s-%s", acl, rule_no, egress ? "true" : "false", proto);
    char *id = vpce_asprintf("nacl-%u", (unsigned)vpce_aws_hash32(key));
    free(key);
    return id;
}

/* The state of the rule `ref` describes, from the ACL's description acl; NULL when the entry is
   gone. New. */
static json_t *rule_state(const json_t *acl, const json_t *ref)
{
    const char *acl_id = vpce_aws_attr_str(ref, "network_acl_id");
    long long rn = 0;
    vpce_aws_attr_num(ref, "rule_number", &rn);
    bool egress = vpce_aws_attr_bool(ref, "egress") == 1;
    const json_t *item = vpce_aws_nacl_find_entry(acl, rn, egress);
    if (!acl_id || !item)
        return NULL;
    const char *proto = vpce_aws_attr_str(ref, "protocol");
    const char *ec2_proto = vpce_aws_ec2_str(item, "protocol");
    /* The configured spelling ("tcp") when it means what EC2 holds ("6"). */
    if (!proto || !ec2_proto ||
        strcmp(vpce_aws_nacl_proto(proto), vpce_aws_nacl_proto(ec2_proto)) != 0)
        proto = ec2_proto ? ec2_proto : "-1";
    json_t *st = json_object();
    char *id = rule_id(acl_id, rn, egress, vpce_aws_nacl_proto(proto));
    json_object_set_new(st, "id", json_string(id));
    free(id);
    json_object_set_new(st, "network_acl_id", json_string(acl_id));
    json_object_set_new(st, "rule_number", json_integer(rn));
    json_object_set_new(st, "egress", json_boolean(egress));
    json_object_set_new(st, "protocol", json_string(proto));
    vpce_aws_set_str(st, "rule_action", vpce_aws_ec2_str(item, "ruleAction"));
    vpce_aws_set_str(st, "cidr_block", vpce_aws_ec2_str(item, "cidrBlock"));
    vpce_aws_set_str(st, "ipv6_cidr_block", vpce_aws_ec2_str(item, "ipv6CidrBlock"));
    const json_t *pr = json_object_get(item, "portRange");
    const json_t *ic = json_object_get(item, "icmpTypeCode");
    json_object_set_new(st, "from_port", pr ? vpce_aws_ec2_int(pr, "from") : json_null());
    json_object_set_new(st, "to_port", pr ? vpce_aws_ec2_int(pr, "to") : json_null());
    json_object_set_new(st, "icmp_type", ic ? vpce_aws_ec2_int(ic, "type") : json_null());
    json_object_set_new(st, "icmp_code", ic ? vpce_aws_ec2_int(ic, "code") : json_null());
    return st;
}

/* Reads the ACL of ref and the rule in it (*out new, NULL when gone). */
static int read_one(vpce_provider *p, const json_t *ref, json_t **out)
{
    const char *acl_id = vpce_aws_attr_str(ref, "network_acl_id");
    json_t *all = NULL;
    *out = NULL;
    int rc = vpce_aws_nacl_describe(p, &acl_id, 1, &all);
    const json_t *acl = acl_id ? json_object_get(all, acl_id) : NULL;
    if (rc == 0 && acl)
        *out = rule_state(acl, ref);
    json_decref(all);
    return rc;
}

int vpce_aws_nacl_rule_create(vpce_resource_op *op)
{
    vpce_aws_nacl_entry e;
    const char *acl_id = vpce_aws_attr_str(op->config, "network_acl_id");
    vpce_aws_nacl_entry_init(&e, op->config, vpce_aws_attr_bool(op->config, "egress") == 1,
                             "rule_number", "rule_action");
    int rc = vpce_aws_nacl_entry_send(op->provider, "CreateNetworkAclEntry", acl_id, &e);
    if (rc)
        return rc;
    int64_t deadline = vpce_now_ms() + VPCE_AWS_CONSISTENCY_MS;
    for (int64_t delay = 100;; delay = delay * 2 > 2000 ? 2000 : delay * 2) {
        rc = read_one(op->provider, op->config, &op->new_state);
        if (rc || op->new_state || vpce_now_ms() + delay > deadline)
            break;
        vpce_sleep_ms(delay);
    }
    if (rc == 0 && !op->new_state)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidNetworkAclEntry.NotFound: rule %lld of '%s' is not visible "
                             "after its creation",
                             e.rule_no, acl_id);
    return rc;
}

int vpce_aws_nacl_rule_delete(vpce_resource_op *op)
{
    vpce_aws_nacl_entry e;
    vpce_aws_nacl_entry_init(&e, op->prior, vpce_aws_attr_bool(op->prior, "egress") == 1,
                             "rule_number", "rule_action");
    int rc = vpce_aws_nacl_entry_send(op->provider, "DeleteNetworkAclEntry",
                                      vpce_aws_attr_str(op->prior, "network_acl_id"), &e);
    if (rc && strcmp(vpce_aws_last_error_code(), "InvalidNetworkAclEntry.NotFound") == 0) {
        vpce_error_clear();
        rc = 0;
    }
    return vpce_aws_gone_ok(rc);
}

int vpce_aws_nacl_rule_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    const char **ids = vpce_calloc(n ? n : 1, sizeof(*ids));
    size_t k = 0;
    json_t *all = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        const char *acl = vpce_aws_attr_str(priors[i], "network_acl_id");
        if (acl)
            ids[k++] = acl;
    }
    if (k)
        rc = vpce_aws_nacl_describe(p, ids, k, &all);
    for (size_t i = 0; i < n && rc == 0 && k; i++) {
        const char *acl_id = vpce_aws_attr_str(priors[i], "network_acl_id");
        const json_t *acl = acl_id ? json_object_get(all, acl_id) : NULL;
        if (acl)
            out[i] = rule_state(acl, priors[i]);
    }
    json_decref(all);
    free(ids);
    return rc;
}

int vpce_aws_nacl_rule_import(vpce_provider *p, const char *id, json_t **out)
{
    *out = NULL;
    char *copy = vpce_strdup(id);
    char *parts[5];
    size_t np = 0;
    json_t *ref = NULL;
    int rc = 0;
    for (char *save = NULL, *t = strtok_r(copy, ":", &save); t && np < 5;
         t = strtok_r(NULL, ":", &save))
        parts[np++] = t;
    char *end = NULL;
    long long rn = np == 4 ? strtoll(parts[1], &end, 10) : 0;
    if (np != 4 || !end || *end || (strcmp(parts[3], "true") != 0 && strcmp(parts[3], "false"))) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "import id '%s': expected NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS",
                             id);
        goto cleanup;
    }
    ref = json_pack("{s:s,s:I,s:s,s:b}", "network_acl_id", parts[0], "rule_number", (json_int_t)rn,
                    "protocol", parts[2], "egress", strcmp(parts[3], "true") == 0);
    rc = read_one(p, ref, out);
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "InvalidNetworkAclEntry.NotFound: no rule '%s'", id);
cleanup:
    free(copy);
    json_decref(ref);
    return rc;
}

static const vpce_attr_schema rule_attrs[] = {
    ATTR_REGION,
    {"network_acl_id", "string", REQ | FNEW, NULL, NULL},
    {"rule_number", "number", REQ | FNEW, NULL, NULL},
    {"egress", "bool", OPT | FNEW, "false", NULL},
    {"protocol", "string", REQ | FNEW, NULL, "-1 (all), tcp, udp, icmp or a protocol number"},
    {"rule_action", "string", REQ | FNEW, NULL, "allow or deny"},
    {"cidr_block", "string", OPT | FNEW, NULL, NULL},
    {"ipv6_cidr_block", "string", OPT | FNEW, NULL, NULL},
    {"from_port", "number", OPT | FNEW, NULL, NULL},
    {"to_port", "number", OPT | FNEW, NULL, NULL},
    {"icmp_type", "number", OPT | FNEW, NULL, NULL},
    {"icmp_code", "number", OPT | FNEW, NULL, NULL},
    ATTR_ID,
    ATTRS_END,
};
static const vpce_block_schema rule_schema = {rule_attrs, NULL};

const vpce_resource_type vpce_aws_network_acl_rule = {
    .name = "aws_network_acl_rule",
    .schema = &rule_schema,
    .description = "one rule of a network ACL",
    .create = vpce_aws_nacl_rule_create,
    .delete = vpce_aws_nacl_rule_delete,
    .read_batch = vpce_aws_nacl_rule_read_batch,
    .import = vpce_aws_nacl_rule_import,
    .find_by_address = vpce_aws_find_by_address,
    .find_planned = vpce_aws_find_planned,
};
