/*
 * providers/aws/res_security_group.c: aws_security_group (inline ingress / egress sets) and
 * aws_security_group_rule, with the Terraform AWS provider's semantics.
 *
 * Rules are compared as "atomic" rules: one protocol, port range, source (IPv4 CIDR, IPv6 CIDR,
 * prefix list or security group) and description each, which is how EC2 stores them. A set
 * given in the configuration (even empty) is authoritative: rules EC2 has and the set lacks are
 * revoked (so configuring `egress` removes the default allow-all egress rule), missing ones are
 * authorized, each direction in one call. A set not given is not managed. There is no
 * UpdateSecurityGroupRuleDescriptions in vpce's EC2 model: a new description is revoke +
 * authorize.
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { SRC_CIDR, SRC_IPV6, SRC_PL, SRC_SG };

static const struct src_kind {
    const char *attr;      /* rule object list */
    const char *ec2_list;  /* IpPermission member in answers */
    const char *ec2_field; /* field of its items */
    const char *param;     /* IpPermissions.N.<param>.1.<field_param> */
    const char *field_param;
} kinds[] = {
    {"cidr_blocks", "ipRanges", "cidrIp", "IpRanges", "CidrIp"},
    {"ipv6_cidr_blocks", "ipv6Ranges", "cidrIpv6", "Ipv6Ranges", "CidrIpv6"},
    {"prefix_list_ids", "prefixListIds", "prefixListId", "PrefixListIds", "PrefixListId"},
    {"security_groups", "groups", "groupId", "Groups", "GroupId"},
};

/* EC2's protocol name for a configured one: "all" and "-1" are -1, common numbers by name. */
static const char *norm_proto(const char *p)
{
    if (!p || !*p || strcasecmp(p, "all") == 0 || strcmp(p, "-1") == 0)
        return "-1";
    if (strcmp(p, "6") == 0 || strcasecmp(p, "tcp") == 0)
        return "tcp";
    if (strcmp(p, "17") == 0 || strcasecmp(p, "udp") == 0)
        return "udp";
    if (strcmp(p, "1") == 0 || strcasecmp(p, "icmp") == 0)
        return "icmp";
    if (strcmp(p, "58") == 0 || strcasecmp(p, "icmpv6") == 0)
        return "icmpv6";
    return p;
}

/* An atomic rule as a JSON object {p, f, t, k, s, d} (new). */
static json_t *atom(const char *proto, long long from, long long to, int kind, const char *src,
                    const char *desc)
{
    proto = norm_proto(proto);
    if (strcmp(proto, "-1") == 0)
        from = to = 0;
    return json_pack("{s:s,s:I,s:I,s:i,s:s,s:s}", "p", proto, "f", from, "t", to, "k", kind, "s",
                     src, "d", desc ? desc : "");
}

/* "p|f|t|k|s[|d]" (new string). */
static char *atom_key(const json_t *a, bool with_desc)
{
    return vpce_asprintf("%s|%lld|%lld|%lld|%s%s%s", json_string_value(json_object_get(a, "p")),
                         (long long)json_integer_value(json_object_get(a, "f")),
                         (long long)json_integer_value(json_object_get(a, "t")),
                         (long long)json_integer_value(json_object_get(a, "k")),
                         json_string_value(json_object_get(a, "s")), with_desc ? "|" : "",
                         with_desc ? json_string_value(json_object_get(a, "d")) : "");
}

/* Appends the atomic rules of a rule object (config or state shape) to out. self_id is the
 * group's own id (for self = true). */
static void expand_object(json_t *out, const json_t *r, const char *self_id)
{
    long long from = 0, to = 0;
    vpce_aws_attr_num(r, "from_port", &from);
    vpce_aws_attr_num(r, "to_port", &to);
    const char *proto = vpce_aws_attr_str(r, "protocol");
    const char *desc = vpce_aws_attr_str(r, "description");
    for (int k = 0; k < 4; k++) {
        size_t i;
        const json_t *s;
        json_array_foreach(vpce_aws_attr_list(r, kinds[k].attr), i, s)
        {
            if (json_is_string(s))
                json_array_append_new(out, atom(proto, from, to, k, json_string_value(s), desc));
        }
    }
    if (vpce_aws_attr_bool(r, "self") == 1 && self_id)
        json_array_append_new(out, atom(proto, from, to, SRC_SG, self_id, desc));
}

/* The atomic rules of a list of EC2 IpPermission (new array). */
static json_t *expand_ec2(const json_t *perms)
{
    json_t *out = json_array();
    size_t i;
    const json_t *perm;
    json_array_foreach(perms, i, perm)
    {
        const char *proto = vpce_aws_ec2_str(perm, "ipProtocol");
        json_t *f = vpce_aws_ec2_int(perm, "fromPort"), *t = vpce_aws_ec2_int(perm, "toPort");
        long long from = json_is_integer(f) ? json_integer_value(f) : 0;
        long long to = json_is_integer(t) ? json_integer_value(t) : 0;
        json_decref(f);
        json_decref(t);
        for (int k = 0; k < 4; k++) {
            size_t j;
            const json_t *it;
            json_array_foreach(vpce_aws_ec2_list(perm, kinds[k].ec2_list), j, it)
            {
                const char *src = vpce_aws_ec2_str(it, kinds[k].ec2_field);
                if (src)
                    json_array_append_new(
                        out, atom(proto, from, to, k, src, vpce_aws_ec2_str(it, "description")));
            }
        }
    }
    return out;
}

static bool has_key(const json_t *atoms, const char *key, bool with_desc)
{
    size_t i;
    const json_t *a;
    json_array_foreach(atoms, i, a)
    {
        char *k = atom_key(a, with_desc);
        bool same = strcmp(k, key) == 0;
        free(k);
        if (same)
            return true;
    }
    return false;
}

/* atoms of a that are not in b (new array). */
static json_t *atoms_minus(const json_t *a, const json_t *b, bool with_desc)
{
    json_t *out = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        char *k = atom_key(x, with_desc);
        if (!has_key(b, k, with_desc))
            json_array_append(out, x);
        free(k);
    }
    return out;
}

/* Adds IpPermissions.N for each atomic rule. */
static void add_permissions(vpce_aws_params *params, const json_t *atoms, bool with_desc)
{
    size_t i;
    const json_t *a;
    json_array_foreach(atoms, i, a)
    {
        size_t n = i + 1;
        const char *proto = json_string_value(json_object_get(a, "p"));
        int k = (int)json_integer_value(json_object_get(a, "k"));
        const char *desc = json_string_value(json_object_get(a, "d"));
        vpce_aws_params_addf(params, proto, "IpPermissions.%zu.IpProtocol", n);
        if (strcmp(proto, "-1") != 0) {
            char num[32];
            snprintf(num, sizeof(num), "%lld",
                     (long long)json_integer_value(json_object_get(a, "f")));
            vpce_aws_params_addf(params, num, "IpPermissions.%zu.FromPort", n);
            snprintf(num, sizeof(num), "%lld",
                     (long long)json_integer_value(json_object_get(a, "t")));
            vpce_aws_params_addf(params, num, "IpPermissions.%zu.ToPort", n);
        }
        vpce_aws_params_addf(params, json_string_value(json_object_get(a, "s")),
                             "IpPermissions.%zu.%s.1.%s", n, kinds[k].param, kinds[k].field_param);
        if (with_desc && desc && *desc)
            vpce_aws_params_addf(params, desc, "IpPermissions.%zu.%s.1.Description", n,
                                 kinds[k].param);
    }
}

/* Authorize or Revoke (action prefix) "Ingress"/"Egress" of atoms on group. */
static int permissions_call(vpce_provider *p, const char *verb, const char *dir, const char *group,
                            const json_t *atoms, json_t **out_result)
{
    if (json_array_size(atoms) == 0)
        return 0;
    char action[64];
    snprintf(action, sizeof(action), "%sSecurityGroup%s", verb, dir);
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "GroupId", group);
    add_permissions(&params, atoms, strcmp(verb, "Authorize") == 0);
    int rc =
        vpce_aws_call_retry(p, action, &params, out_result, ".NotFound", VPCE_AWS_CONSISTENCY_MS);
    vpce_aws_params_release(&params);
    return rc;
}

/* ---- aws_security_group ------------------------------------------------------------------- */

static json_t *new_rule_object(const json_t *a, const char *self_id)
{
    json_t *o = json_object();
    json_object_set(o, "from_port", json_object_get(a, "f"));
    json_object_set(o, "to_port", json_object_get(a, "t"));
    json_object_set(o, "protocol", json_object_get(a, "p"));
    for (int k = 0; k < 4; k++)
        json_object_set_new(o, kinds[k].attr, json_array());
    json_object_set_new(o, "self", json_false());
    json_object_set(o, "description", json_object_get(a, "d"));
    (void)self_id;
    return o;
}

/*
 * The rule set of one direction as Terraform flattens it: a configured (ref) object whose rules
 * all exist is kept as written; the other rules are grouped by protocol, ports and description.
 */
static json_t *flatten(const json_t *perms, const json_t *ref_set, const char *self_id)
{
    json_t *actual = expand_ec2(perms);
    json_t *set = json_array();
    size_t n = json_array_size(actual);
    bool *used = vpce_calloc(n ? n : 1, sizeof(*used));
    size_t i, j;
    const json_t *ref;
    json_array_foreach(ref_set, i, ref)
    {
        json_t *mine = json_array();
        expand_object(mine, ref, self_id);
        bool all = json_array_size(mine) > 0;
        size_t *idx = vpce_calloc(json_array_size(mine) + 1, sizeof(*idx));
        const json_t *m;
        json_array_foreach(mine, j, m)
        {
            char *mk = atom_key(m, true);
            bool found = false;
            for (size_t x = 0; x < n && !found; x++) {
                if (used[x])
                    continue;
                char *ak = atom_key(json_array_get(actual, x), true);
                if (strcmp(ak, mk) == 0) {
                    found = true;
                    idx[j] = x;
                }
                free(ak);
            }
            free(mk);
            all = all && found;
        }
        if (all) {
            for (j = 0; j < json_array_size(mine); j++)
                used[idx[j]] = true;
            json_array_append_new(set, json_deep_copy(ref));
        }
        free(idx);
        json_decref(mine);
    }
    /* Group what is left. */
    json_t *groups = json_object();
    for (size_t x = 0; x < n; x++) {
        if (used[x])
            continue;
        const json_t *a = json_array_get(actual, x);
        char *gk = vpce_asprintf("%s|%lld|%lld|%s", json_string_value(json_object_get(a, "p")),
                                 (long long)json_integer_value(json_object_get(a, "f")),
                                 (long long)json_integer_value(json_object_get(a, "t")),
                                 json_string_value(json_object_get(a, "d")));
        json_t *o = json_object_get(groups, gk);
        if (!o) {
            o = new_rule_object(a, self_id);
            json_object_set_new(groups, gk, o);
        }
        free(gk);
        int k = (int)json_integer_value(json_object_get(a, "k"));
        const char *src = json_string_value(json_object_get(a, "s"));
        if (k == SRC_SG && self_id && strcmp(src, self_id) == 0)
            json_object_set_new(o, "self", json_true());
        else
            json_array_append_new(json_object_get(o, kinds[k].attr), json_string(src));
    }
    const char *gk;
    json_t *o;
    json_object_foreach(groups, gk, o)
    {
        json_array_append(set, o);
    }
    json_decref(groups);
    free(used);
    json_decref(actual);
    return set;
}

static json_t *sg_state(vpce_provider *p, const json_t *g, const json_t *ref)
{
    json_t *st = json_object();
    const char *id = vpce_aws_ec2_str(g, "groupId");
    const char *owner = vpce_aws_ec2_str(g, "ownerId");
    vpce_aws_set_id_arn(st, p, "security-group", id, owner);
    vpce_aws_set_str(st, "owner_id", owner);
    vpce_aws_set_str(st, "name", vpce_aws_ec2_str(g, "groupName"));
    vpce_aws_copy_attr(st, ref, "name_prefix");
    vpce_aws_set_str(st, "description", vpce_aws_ec2_str(g, "groupDescription"));
    vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(g, "vpcId"));
    json_object_set_new(
        st, "ingress",
        flatten(vpce_aws_ec2_list(g, "ipPermissions"), vpce_aws_attr_list(ref, "ingress"), id));
    json_object_set_new(st, "egress",
                        flatten(vpce_aws_ec2_list(g, "ipPermissionsEgress"),
                                vpce_aws_attr_list(ref, "egress"), id));
    int rod = vpce_aws_attr_bool(ref, "revoke_rules_on_delete");
    json_object_set_new(st, "revoke_rules_on_delete", json_boolean(rod == 1));
    vpce_aws_set_tags(p, st, g, ref);
    vpce_aws_copy_attr(st, ref, "timeouts");
    return st;
}

static const vpce_aws_kind sg_kind = {
    .action = "DescribeSecurityGroups",
    .filter = "group-id",
    .list_key = "securityGroupInfo",
    .id_key = "groupId",
    .missing_code = "InvalidGroup.NotFound",
    .noun = "security group",
    .state = sg_state,
};

static int describe_sgs(vpce_provider *p, const char *const *ids, size_t n, json_t **out)
{
    return vpce_aws_describe_by_filter(p, sg_kind.action, sg_kind.filter, sg_kind.list_key,
                                       sg_kind.id_key, ids, n, 0, out);
}

/* The description of group id right after a write (new), or its not-found error. */
static int sg_read_after_write(vpce_provider *p, const char *id, json_t **out_g)
{
    int rc = vpce_aws_describe_one(p, sg_kind.action, sg_kind.filter, sg_kind.list_key,
                                   sg_kind.id_key, id, VPCE_AWS_CONSISTENCY_MS, out_g);
    if (rc == 0 && !*out_g)
        rc = vpce_aws_kind_missing(&sg_kind, id);
    return rc;
}

/* Brings one direction of group g (a description) to the configured set (when known). */
static int sync_direction(vpce_provider *p, const json_t *g, const json_t *config, const char *attr,
                          const char *ec2_list, const char *dir)
{
    const json_t *want_set = vpce_aws_attr_list(config, attr);
    if (!want_set)
        return 0;
    const char *id = vpce_aws_ec2_str(g, "groupId");
    json_t *want = json_array();
    size_t i;
    const json_t *r;
    json_array_foreach(want_set, i, r)
    {
        expand_object(want, r, id);
    }
    json_t *have = expand_ec2(vpce_aws_ec2_list(g, ec2_list));
    json_t *revoke = atoms_minus(have, want, true);
    json_t *grant = atoms_minus(want, have, true);
    /* The lists come from what EC2 holds now: a rule already gone (or already there) means a
     * retried request went through the first time, which is what we want. */
    int rc = permissions_call(p, "Revoke", dir, id, revoke, NULL);
    if (rc == VPCE_ENOTFOUND &&
        strcmp(vpce_aws_last_error_code(), "InvalidPermission.NotFound") == 0) {
        vpce_error_clear();
        rc = 0;
    }
    if (rc == 0)
        rc = permissions_call(p, "Authorize", dir, id, grant, NULL);
    if (rc && strcmp(vpce_aws_last_error_code(), "InvalidPermission.Duplicate") == 0) {
        vpce_error_clear();
        rc = 0;
    }
    json_decref(want);
    json_decref(have);
    json_decref(revoke);
    json_decref(grant);
    return rc;
}

static int sync_rules(vpce_provider *p, const char *id, const json_t *config, json_t **out_g)
{
    json_t *g = NULL;
    int rc = sg_read_after_write(p, id, &g);
    if (rc == 0)
        rc = sync_direction(p, g, config, "ingress", "ipPermissions", "Ingress");
    if (rc == 0)
        rc = sync_direction(p, g, config, "egress", "ipPermissionsEgress", "Egress");
    json_decref(g);
    if (rc == 0)
        rc = sg_read_after_write(p, id, out_g);
    return rc;
}

/* A unique name: prefix + UTC timestamp with milliseconds + a process-wide counter. */
static char *unique_name(const char *prefix)
{
    static unsigned counter;
    unsigned c = __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* wall clock: vpce_now_ms() is monotonic */
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[32];
    strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
    return vpce_asprintf("%s%s%03d%08x", prefix, ts, (int)(ms % 1000), c);
}

/*
 * The group called name in vpc when it carries the vpce:address tag = address (*out new, or
 * NULL when the group there is someone else's). A group that is not visible yet (EC2's eventual
 * consistency right after the lost first attempt) is waited for.
 */
static int find_own_group(vpce_provider *p, const char *name, const char *vpc, const char *address,
                          json_t **out)
{
    int64_t deadline = vpce_now_ms() + VPCE_AWS_CONSISTENCY_MS;
    int64_t delay = 100;
    int rc = 0;
    *out = NULL;
    for (;;) {
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        json_t *items = NULL;
        vpce_aws_params_add_filter(&params, "group-name", &name, 1);
        if (vpc)
            vpce_aws_params_add_filter(&params, "vpc-id", &vpc, 1);
        rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeSecurityGroups", &params,
                                 "securityGroupInfo", &items);
        vpce_aws_params_release(&params);
        size_t n = json_array_size(items);
        if (rc == 0 && n == 1) {
            json_t *g = json_array_get(items, 0);
            json_t *tags = NULL;
            const char *k;
            json_t *v;
            size_t i;
            json_array_foreach(vpce_aws_ec2_list(g, "tagSet"), i, v)
            {
                k = vpce_aws_ec2_str(v, "key");
                if (k && strcmp(k, VPCE_AWS_ADDRESS_TAG) == 0)
                    tags = v;
            }
            const char *mine = vpce_aws_ec2_str(tags, "value");
            if (mine && strcmp(mine, address) == 0)
                *out = json_incref(g);
        }
        json_decref(items);
        if (rc || n > 0 || vpce_now_ms() + delay > deadline)
            return rc;
        vpce_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

struct own_probe {
    vpce_provider *p;
    const char *name, *vpc, *address;
    bool resent; /* a request whose outcome was unknown is being sent again */
};

/* Before resending a CreateSecurityGroup whose answer was lost: the group it made, if any. */
static int probe_own_group(void *ud, json_t **found)
{
    struct own_probe *o = ud;
    json_t *g = NULL;
    o->resent = true;
    *found = NULL;
    int rc = find_own_group(o->p, o->name, o->vpc, o->address, &g);
    if (rc == 0 && g)
        *found = json_pack("{s:s}", "groupId", vpce_aws_ec2_str(g, "groupId"));
    json_decref(g);
    return rc;
}

int vpce_aws_sg_create(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL, *g = NULL;
    const char *name = vpce_aws_attr_str(op->config, "name");
    const char *prefix = vpce_aws_attr_str(op->config, "name_prefix");
    char *gen = name ? NULL : unique_name(prefix ? prefix : "vpce-");
    const char *desc = vpce_aws_attr_str(op->config, "description");
    vpce_aws_params_add(&params, "GroupName", name ? name : gen);
    vpce_aws_params_add(&params, "GroupDescription", desc ? desc : "Managed by vpce");
    vpce_aws_params_add(&params, "VpcId", vpce_aws_attr_str(op->config, "vpc_id"));
    int rc =
        vpce_aws_add_tag_spec(&params, op->provider, "security-group", op->config, op->address);
    if (rc)
        goto cleanup;
    struct own_probe probe = {op->provider, name ? name : gen,
                              vpce_aws_attr_str(op->config, "vpc_id"), op->address, false};
    rc = vpce_aws_call_probed(vpce_aws_provider_client(op->provider), "CreateSecurityGroup",
                              &params, op->address ? probe_own_group : NULL, &probe, &r);
    if (rc && strcmp(vpce_aws_last_error_code(), "InvalidGroup.Duplicate") == 0 && probe.resent) {
        /* CreateSecurityGroup takes no ClientToken: after a retried request whose first attempt
         * went through, adopt the group this address created (same name, VPC and address tag).
         * Without a retry the duplicate is another object, such as the one a
         * create_before_destroy replacement is about to delete: EC2's error stands. */
        json_t *mine = NULL;
        int rc2 = find_own_group(op->provider, name ? name : gen,
                                 vpce_aws_attr_str(op->config, "vpc_id"), op->address, &mine);
        if (rc2 == 0 && mine) {
            vpce_error_clear();
            rc = 0;
            json_decref(r);
            r = json_pack("{s:s}", "groupId", vpce_aws_ec2_str(mine, "groupId"));
        }
        json_decref(mine);
    }
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(r, "groupId");
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from EC2 to CreateSecurityGroup: no groupId");
        goto cleanup;
    }
    rc = sync_rules(op->provider, id, op->config, &g);
    if (rc == 0)
        op->new_state = sg_state(op->provider, g, op->config);
cleanup:
    vpce_aws_params_release(&params);
    free(gen);
    json_decref(r);
    json_decref(g);
    return rc;
}

int vpce_aws_sg_update(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    json_t *g = NULL;
    int rc = vpce_aws_update_op_tags(op);
    if (rc == 0)
        rc = sync_rules(op->provider, id, op->config, &g);
    if (rc == 0)
        op->new_state = sg_state(op->provider, g, op->config);
    json_decref(g);
    return rc;
}

int vpce_aws_sg_delete(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    int rc = 0;
    if (vpce_aws_attr_bool(op->prior, "revoke_rules_on_delete") == 1) {
        json_t *g = NULL;
        rc = vpce_aws_describe_one(op->provider, sg_kind.action, sg_kind.filter, sg_kind.list_key,
                                   sg_kind.id_key, id, 0, &g);
        if (rc == 0 && g) {
            json_t *in = expand_ec2(vpce_aws_ec2_list(g, "ipPermissions"));
            json_t *out = expand_ec2(vpce_aws_ec2_list(g, "ipPermissionsEgress"));
            rc = permissions_call(op->provider, "Revoke", "Ingress", id, in, NULL);
            if (rc == 0)
                rc = permissions_call(op->provider, "Revoke", "Egress", id, out, NULL);
            json_decref(in);
            json_decref(out);
        }
        json_decref(g);
        if (rc)
            return rc;
    }
    /* ENIs of endpoints being deleted release the group late: retry for the delete timeout. */
    return vpce_aws_delete_retrying(op, "DeleteSecurityGroup", "GroupId", id, 15 * 60 * 1000);
}

int vpce_aws_sg_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    return vpce_aws_kind_read_batch(p, &sg_kind, priors, n, out);
}

int vpce_aws_sg_import(vpce_provider *p, const char *id, json_t **out)
{
    return vpce_aws_kind_import(p, &sg_kind, id, out);
}

/* ---- aws_security_group_rule -------------------------------------------------------------- */

/* The atomic rules of an aws_security_group_rule (new array). */
static json_t *rule_atoms(const json_t *cfg)
{
    json_t *atoms = json_array();
    const char *sg = vpce_aws_attr_str(cfg, "security_group_id");
    expand_object(atoms, cfg, sg);
    const char *src = vpce_aws_attr_str(cfg, "source_security_group_id");
    if (src && vpce_aws_attr_bool(cfg, "self") != 1) {
        long long from = 0, to = 0;
        vpce_aws_attr_num(cfg, "from_port", &from);
        vpce_aws_attr_num(cfg, "to_port", &to);
        json_array_append_new(atoms, atom(vpce_aws_attr_str(cfg, "protocol"), from, to, SRC_SG, src,
                                          vpce_aws_attr_str(cfg, "description")));
    }
    return atoms;
}

static const char *rule_dir(const json_t *cfg)
{
    const char *t = vpce_aws_attr_str(cfg, "type");
    return t && strcmp(t, "egress") == 0 ? "Egress" : "Ingress";
}

/* Terraform's id shape: "sgrule-" + a hash of the group, direction and rules. */
static char *rule_id(const json_t *cfg, const json_t *atoms)
{
    vpce_buf b;
    vpce_buf_init(&b, 1 << 20);
    vpce_buf_printf(&b, "%s_%s", vpce_aws_attr_str(cfg, "security_group_id"), rule_dir(cfg));
    size_t i;
    const json_t *a;
    json_array_foreach(atoms, i, a)
    {
        char *k = atom_key(a, false);
        vpce_buf_printf(&b, "_%s", k);
        free(k);
    }
    char *id = vpce_asprintf("sgrule-%u", (unsigned)vpce_aws_hash32(vpce_buf_cstr(&b)));
    vpce_buf_release(&b);
    return id;
}

/* The state of a rule when all its atomic rules exist in group g, else NULL. */
static json_t *rule_state(const json_t *g, const json_t *ref)
{
    json_t *atoms = rule_atoms(ref);
    bool egress = strcmp(rule_dir(ref), "Egress") == 0;
    json_t *have =
        expand_ec2(vpce_aws_ec2_list(g, egress ? "ipPermissionsEgress" : "ipPermissions"));
    json_t *st = NULL;
    const char *desc = NULL;
    size_t i;
    const json_t *a;
    bool all = json_array_size(atoms) > 0;
    json_array_foreach(atoms, i, a)
    {
        char *k = atom_key(a, false);
        size_t j;
        const json_t *h;
        bool found = false;
        json_array_foreach(have, j, h)
        {
            char *hk = atom_key(h, false);
            if (strcmp(hk, k) == 0) {
                found = true;
                if (!desc)
                    desc = json_string_value(json_object_get(h, "d"));
            }
            free(hk);
        }
        free(k);
        all = all && found;
    }
    if (all) {
        st = json_deep_copy(ref);
        char *id = rule_id(ref, atoms);
        vpce_aws_set_str(st, "id", id);
        free(id);
        const char *cfg_desc = vpce_aws_attr_str(ref, "description");
        if (desc && *desc)
            vpce_aws_set_str(st, "description", desc);
        else if (cfg_desc)
            vpce_aws_set_str(st, "description", NULL);
        const json_t *rid = json_object_get(ref, "security_group_rule_id");
        if (!json_is_string(rid) || vpce_is_unknown(rid))
            vpce_aws_set_str(st, "security_group_rule_id", NULL);
        if (vpce_is_unknown(json_object_get(st, "source_security_group_id")))
            vpce_aws_set_str(st, "source_security_group_id", NULL);
        if (vpce_is_unknown(json_object_get(st, "self")))
            json_object_set_new(st, "self", json_false());
    }
    json_decref(atoms);
    json_decref(have);
    return st;
}

int vpce_aws_sg_rule_create(vpce_resource_op *op)
{
    json_t *atoms = rule_atoms(op->config), *r = NULL, *g = NULL;
    const char *sg = vpce_aws_attr_str(op->config, "security_group_id");
    int rc;
    if (json_array_size(atoms) == 0) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "%s: one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, "
                             "source_security_group_id or self must be set",
                             op->address ? op->address : "aws_security_group_rule");
        goto cleanup;
    }
    rc = permissions_call(op->provider, "Authorize", rule_dir(op->config), sg, atoms, &r);
    if (rc)
        goto cleanup;
    rc = sg_read_after_write(op->provider, sg, &g);
    if (rc)
        goto cleanup;
    json_t *ref = json_deep_copy(op->config);
    const json_t *set = vpce_aws_ec2_list(r, "securityGroupRuleSet");
    const char *rid = json_array_size(set) == 1
                          ? vpce_aws_ec2_str(json_array_get(set, 0), "securityGroupRuleId")
                          : NULL;
    vpce_aws_set_str(ref, "security_group_rule_id", rid);
    op->new_state = rule_state(g, ref);
    json_decref(ref);
    if (!op->new_state)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidPermission.NotFound: the rule of '%s' is not visible after "
                             "its creation",
                             sg);
cleanup:
    json_decref(atoms);
    json_decref(r);
    json_decref(g);
    return rc;
}

static int rule_revoke(vpce_provider *p, const json_t *st)
{
    json_t *atoms = rule_atoms(st);
    int rc = permissions_call(p, "Revoke", rule_dir(st), vpce_aws_attr_str(st, "security_group_id"),
                              atoms, NULL);
    json_decref(atoms);
    return vpce_aws_gone_ok(rc);
}

int vpce_aws_sg_rule_update(vpce_resource_op *op)
{
    /* Only the description changes in place: revoke + authorize. */
    int rc = rule_revoke(op->provider, op->prior);
    return rc ? rc : vpce_aws_sg_rule_create(op);
}

int vpce_aws_sg_rule_delete(vpce_resource_op *op)
{
    return rule_revoke(op->provider, op->prior);
}

int vpce_aws_sg_rule_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    const char **sgs = vpce_calloc(n ? n : 1, sizeof(*sgs));
    size_t k = 0;
    json_t *all = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        const char *sg = vpce_aws_attr_str(priors[i], "security_group_id");
        if (sg)
            sgs[k++] = sg;
    }
    if (k)
        rc = describe_sgs(p, sgs, k, &all);
    for (size_t i = 0; i < n && rc == 0 && k; i++) {
        const char *sg = vpce_aws_attr_str(priors[i], "security_group_id");
        const json_t *g = sg ? json_object_get(all, sg) : NULL;
        if (g)
            out[i] = rule_state(g, priors[i]);
    }
    json_decref(all);
    free(sgs);
    return rc;
}

/* Imports Terraform's "sg-x_ingress_tcp_443_443_10.0.0.0/16[_source...]" (sources: IPv4 or IPv6
 * CIDRs, pl-..., sg-..., self). */
int vpce_aws_sg_rule_import(vpce_provider *p, const char *id, json_t **out)
{
    *out = NULL;
    char *copy = vpce_strdup(id);
    char *parts[64];
    size_t np = 0;
    json_t *cfg = NULL, *all = NULL;
    int rc = 0;
    for (char *save = NULL, *t = strtok_r(copy, "_", &save); t && np < 64;
         t = strtok_r(NULL, "_", &save))
        parts[np++] = t;
    if (np < 6 || (strcmp(parts[1], "ingress") != 0 && strcmp(parts[1], "egress") != 0)) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "import id '%s': expected SGID_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE]",
                             id);
        goto cleanup;
    }
    char *end = NULL;
    long from = strtol(parts[3], &end, 10);
    long to = end && *end == '\0' ? strtol(parts[4], &end, 10) : 0;
    if (!end || *end != '\0') {
        rc = vpce_error_setc(VPCE_EINVALID, "import id '%s': ports must be numbers", id);
        goto cleanup;
    }
    cfg = json_pack("{s:s,s:s,s:s,s:i,s:i,s:[],s:[],s:[],s:n,s:b,s:n,s:n}", "security_group_id",
                    parts[0], "type", parts[1], "protocol", parts[2], "from_port", (int)from,
                    "to_port", (int)to, "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids",
                    "source_security_group_id", "self", 0, "description", "security_group_rule_id");
    for (size_t i = 5; i < np; i++) {
        const char *s = parts[i];
        if (strcmp(s, "self") == 0)
            json_object_set_new(cfg, "self", json_true());
        else if (strncmp(s, "sg-", 3) == 0)
            json_object_set_new(cfg, "source_security_group_id", json_string(s));
        else if (strncmp(s, "pl-", 3) == 0)
            json_array_append_new(json_object_get(cfg, "prefix_list_ids"), json_string(s));
        else if (strchr(s, ':'))
            json_array_append_new(json_object_get(cfg, "ipv6_cidr_blocks"), json_string(s));
        else
            json_array_append_new(json_object_get(cfg, "cidr_blocks"), json_string(s));
    }
    const char *sg = parts[0];
    rc = describe_sgs(p, &sg, 1, &all);
    const json_t *g = json_object_get(all, sg);
    if (rc == 0 && g)
        *out = rule_state(g, cfg);
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "InvalidPermission.NotFound: no rule '%s'", id);
cleanup:
    free(copy);
    json_decref(cfg);
    json_decref(all);
    return rc;
}
