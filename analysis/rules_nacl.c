/*
 * analysis/rules_nacl.c: network ACLs of the configuration (aws_network_acl with its inline
 * rules and the aws_network_acl_rule resources on it) that stop traffic to an endpoint. ACL
 * rules are evaluated as EC2 does: in rule number order, the first rule that matches decides,
 * and the final rule (32767) denies everything else. Network ACLs are stateless, so the return
 * traffic on the ephemeral ports (1024-65535) must be allowed too.
 */
#include "analysis/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct nrule {
    long long no;
    bool deny;
    const char *proto;
    const char *cidr; /* NULL: IPv6 only */
    long long from, to;
    const char *address; /* the aws_network_acl_rule, or NULL for an inline rule */
} nrule;

typedef struct nacl {
    const wobj *acl;
    nrule *in, *out;
    size_t nin, nout;
} nacl;

static int cmp_rule(const void *a, const void *b)
{
    long long x = ((const nrule *)a)->no, y = ((const nrule *)b)->no;
    return x < y ? -1 : x > y;
}

/* Reads one rule object; false when something that matters is unknown. */
static bool read_rule(nrule *r, const json_t *o, const char *no_key, const char *action_key,
                      const char *address)
{
    const json_t *no = json_object_get(o, no_key), *act = json_object_get(o, action_key);
    const json_t *proto = json_object_get(o, "protocol"), *cidr = json_object_get(o, "cidr_block");
    const json_t *v6 = json_object_get(o, "ipv6_cidr_block");
    if (!vpce_is_number(no) || !json_is_string(act) || !json_is_string(proto))
        return false;
    if (!json_is_string(cidr) || !json_string_length(cidr)) {
        if (!(json_is_string(v6) && json_string_length(v6)))
            return false;
        cidr = NULL;
    }
    r->no = (long long)vpce_number(no);
    r->deny = strcasecmp(json_string_value(act), "deny") == 0;
    r->proto = json_string_value(proto);
    r->cidr = cidr ? json_string_value(cidr) : NULL;
    const json_t *f = json_object_get(o, "from_port"), *t = json_object_get(o, "to_port");
    r->from = vpce_is_number(f) ? (long long)vpce_number(f) : 0;
    r->to = vpce_is_number(t) ? (long long)vpce_number(t) : 0;
    r->address = address;
    return true;
}

static void push(nrule **v, size_t *n, const nrule *r)
{
    *v = vpce_realloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = *r;
}

/* The rules of acl; false when they cannot be known. */
static bool load_acl(const vpce_world *w, const wobj *acl, nacl *out)
{
    memset(out, 0, sizeof(*out));
    out->acl = acl;
    static const char *const dirs[] = {"ingress", "egress"};
    for (int d = 0; d < 2; d++) {
        const json_t *set;
        if (wlist(acl, dirs[d], &set) < 0)
            return false;
        size_t i;
        const json_t *o;
        json_array_foreach(set, i, o)
        {
            nrule r;
            if (!read_rule(&r, o, "rule_no", "action", NULL))
                return false;
            d ? push(&out->out, &out->nout, &r) : push(&out->in, &out->nin, &r);
        }
    }
    size_t nx;
    const wobj *const *xs = world_referrers(w, "aws_network_acl_rule", "network_acl_id", acl, &nx);
    for (size_t j = 0; j < nx; j++) {
        const wobj *x = xs[j];
        if (x->data)
            continue;
        nrule r;
        int egress = wbool(x, "egress", 0);
        if (egress < 0 || !read_rule(&r, x->attrs, "rule_number", "rule_action", x->address))
            return false;
        egress ? push(&out->out, &out->nout, &r) : push(&out->in, &out->nin, &r);
    }
    if (out->nin)
        qsort(out->in, out->nin, sizeof(nrule), cmp_rule);
    if (out->nout)
        qsort(out->out, out->nout, sizeof(nrule), cmp_rule);
    return true;
}

typedef enum { V_ALLOW, V_DENY_ALL, V_DENY_PART, V_UNKNOWN } verdict;

/* How the rules treat TCP lo..hi with the other end in target. strict: a narrower allow rule
   makes the answer unknown (the target stands for addresses we do not know). *by gets the
   deciding rule (NULL: the final rule). */
static verdict evaluate(const nrule *rules, size_t n, cidr4 target, long long lo, long long hi,
                        bool strict, const nrule **by)
{
    bool partial_allow = false;
    *by = NULL;
    for (size_t i = 0; i < n; i++) {
        const nrule *r = &rules[i];
        if (!r->cidr)
            continue;
        long long from = r->from, to = r->to;
        if (strcmp(r->proto, "-1") == 0 || strcasecmp(r->proto, "all") == 0) {
            from = 0;
            to = 65535;
        } else if (strcmp(r->proto, "6") != 0 && strcasecmp(r->proto, "tcp") != 0) {
            continue;
        }
        if (to < lo || from > hi)
            continue;
        cidr4 c;
        if (!cidr_parse(r->cidr, &c))
            return V_UNKNOWN;
        if (!cidr_overlaps(c, target))
            continue;
        bool all_addrs = cidr_contains(c, target);
        bool all_ports = from <= lo && to >= hi;
        *by = r;
        if (r->deny)
            return all_addrs && all_ports && !partial_allow ? V_DENY_ALL : V_DENY_PART;
        if (all_addrs && all_ports)
            return partial_allow ? V_DENY_PART : V_ALLOW;
        if (strict && !all_addrs)
            return V_UNKNOWN;
        partial_allow = true;
    }
    *by = NULL;
    return partial_allow ? V_DENY_PART : V_DENY_ALL;
}

static void report(vpce_findings *out, const wobj *ep, const nacl *a, const wobj *subnet, verdict v,
                   const nrule *by, const char *what, const char *dir, long long lo, long long hi,
                   const char *target)
{
    if (v == V_ALLOW || v == V_UNKNOWN)
        return;
    char ports[32];
    if (lo == hi)
        snprintf(ports, sizeof(ports), "%lld", lo);
    else
        snprintf(ports, sizeof(ports), "%lld-%lld", lo, hi);
    char *summary = vpce_asprintf("network ACL %s on %s denies %sTCP %s (%s) %s %s",
                                  a->acl->address, subnet->address,
                                  v == V_DENY_PART ? "part of " : "", ports, what, dir, target);
    char *detail = by ? vpce_asprintf("rule %lld: %s %s %s", by->no, by->deny ? "deny" : "allow",
                                      by->proto, by->cidr)
                      : vpce_strdup("no rule allows it: the final rule 32767 denies everything");
    char *fix = vpce_asprintf("add an allow rule for TCP %s %s %s, numbered below any deny "
                              "that covers it, to %s",
                              ports, dir, target, a->acl->address);
    vpce_findings_add(out, "nacl-blocks-endpoint",
                      v == V_DENY_ALL ? VPCE_FINDING_ERROR : VPCE_FINDING_WARNING, ep->address,
                      by && by->address ? by->address : a->acl->address, summary, detail, fix);
    free(summary);
    free(detail);
    free(fix);
}

/* Subnet key -> vpce_vec of the ACLs (nacl*) whose known subnet_ids name it, in the order of
   acls: a new map. */
static vpce_map *acls_by_subnet(nacl *acls, size_t nacls)
{
    vpce_map *by_subnet = vpce_map_new();
    for (size_t i = 0; i < nacls; i++) {
        const json_t *subs;
        if (wlist(acls[i].acl, "subnet_ids", &subs) != 1)
            continue;
        size_t j;
        const json_t *v;
        json_array_foreach(subs, j, v)
        {
            char *k = wkey(v);
            if (!k)
                continue;
            vpce_vec *list = vpce_map_get(by_subnet, k);
            if (!list) {
                list = vpce_calloc(1, sizeof(*list));
                vpce_map_set(by_subnet, k, list);
            }
            if (!list->len || list->items[list->len - 1] != &acls[i])
                vpce_vec_push(list, &acls[i]);
            free(k);
        }
    }
    return by_subnet;
}

static void check_subnet(vpce_findings *out, const wobj *ep, const wobj *subnet, bool gateway,
                         const char *vpc_cidr, const vpce_map *by_subnet)
{
    const vpce_vec *list = vpce_map_get(by_subnet, subnet->key);
    for (size_t i = 0; list && i < list->len; i++) {
        const nacl *acl = list->items[i];
        const nrule *by;
        cidr4 t;
        if (gateway) {
            cidr_parse("0.0.0.0/0", &t);
            verdict v = evaluate(acl->out, acl->nout, t, 443, 443, true, &by);
            report(out, ep, acl, subnet, v, by, "HTTPS", "out to", 443, 443, "0.0.0.0/0");
            v = evaluate(acl->in, acl->nin, t, 1024, 65535, true, &by);
            report(out, ep, acl, subnet, v, by, "the return ports", "in from", 1024, 65535,
                   "0.0.0.0/0");
        } else if (cidr_parse(vpc_cidr, &t)) {
            verdict v = evaluate(acl->in, acl->nin, t, 443, 443, false, &by);
            report(out, ep, acl, subnet, v, by, "HTTPS", "in from", 443, 443, vpc_cidr);
            v = evaluate(acl->out, acl->nout, t, 1024, 65535, false, &by);
            report(out, ep, acl, subnet, v, by, "the return ports", "out to", 1024, 65535,
                   vpc_cidr);
        }
    }
}

void vpce_analysis_rule_nacl(const vpce_world *w, vpce_findings *out)
{
    nacl *acls = NULL;
    size_t nacls = 0;
    for (size_t i = 0; i < w->n; i++) {
        const wobj *o = &w->objs[i];
        if (o->data || strcmp(o->type, "aws_network_acl") != 0)
            continue;
        nacl a;
        if (load_acl(w, o, &a)) {
            acls = vpce_realloc(acls, (nacls + 1) * sizeof(*acls));
            acls[nacls++] = a;
        } else {
            free(a.in);
            free(a.out);
        }
    }
    vpce_map *by_subnet = acls_by_subnet(acls, nacls);
    for (size_t i = 0; nacls && i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        const char *type = ep->ep_type;
        const wobj *vpc = type ? world_ref(w, ep, "vpc_id") : NULL;
        if (!vpc)
            continue;
        bool gateway = strcmp(type, "Gateway") == 0;
        json_t *keys =
            gateway
                ? endpoint_attached(w, ep, "route_table_ids",
                                    "aws_vpc_endpoint_route_table_association", "route_table_id")
                : endpoint_attached(w, ep, "subnet_ids", "aws_vpc_endpoint_subnet_association",
                                    "subnet_id");
        size_t nsubnets;
        const wobj *const *subnets = world_referrers(w, "aws_subnet", "vpc_id", vpc, &nsubnets);
        for (size_t j = 0; keys && j < nsubnets; j++) {
            const wobj *s = subnets[j];
            if (!s->key)
                continue;
            bool uses;
            if (gateway) {
                char *rt = subnet_route_table(w, s);
                uses = false;
                size_t k;
                const json_t *x;
                json_array_foreach(keys, k, x) uses =
                    uses || (rt && strcmp(json_string_value(x), rt) == 0);
                free(rt);
            } else {
                uses = false;
                size_t k;
                const json_t *x;
                json_array_foreach(keys, k, x) uses =
                    uses || strcmp(json_string_value(x), s->key) == 0;
            }
            if (uses)
                check_subnet(out, ep, s, gateway, wstr(vpc, "cidr_block"), by_subnet);
        }
        json_decref(keys);
    }
    const char *k;
    void *v;
    for (size_t it = 0; vpce_map_next(by_subnet, &it, &k, &v);) {
        vpce_vec_release(v);
        free(v);
    }
    vpce_map_free(by_subnet);
    for (size_t i = 0; i < nacls; i++) {
        free(acls[i].in);
        free(acls[i].out);
    }
    free(acls);
}
