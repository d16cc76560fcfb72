/*
 * analysis/rules_gateway.c: the rules about gateway endpoints (S3, DynamoDB): which subnets use
 * them, two endpoints of one service on one route table, and security groups whose egress cannot
 * reach the service.
 */
#include "analysis/internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_endpoint(const wobj *o, const char *type)
{
    return o->ep_type && strcmp(o->ep_type, type) == 0;
}

static bool keys_have(const json_t *keys, const char *k)
{
    size_t i;
    const json_t *x;
    json_array_foreach(keys, i, x) if (k && strcmp(json_string_value(x), k) == 0) return true;
    return false;
}

static json_t *gateway_route_tables(const vpce_world *w, const wobj *ep)
{
    return endpoint_attached(w, ep, "route_table_ids", "aws_vpc_endpoint_route_table_association",
                             "route_table_id");
}

void vpce_analysis_rule_gateway_unused(const vpce_world *w, vpce_findings *out)
{
    if (!out->endpoints)
        out->endpoints = json_array();
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        if (!is_endpoint(ep, "Gateway"))
            continue;
        json_t *rts = gateway_route_tables(w, ep);
        if (!rts)
            continue;
        const char *service = wstr(ep, "service_name");
        json_t *entry = json_pack("{s:s,s:s,s:s?,s:[],s:[],s:[]}", "address", ep->address, "type",
                                  "Gateway", "service_name", service, "route_tables",
                                  "subnets_routed", "subnets_not_routed");
        size_t k;
        const json_t *rt;
        json_array_foreach(rts, k, rt)
            json_array_append_new(json_object_get(entry, "route_tables"),
                                  json_string(key_name(w, json_string_value(rt))));
        const wobj *vpc = world_ref(w, ep, "vpc_id");
        size_t nsub = 0, nrouted = 0, nunknown = 0, nsubnets = 0;
        const wobj *const *subnets =
            vpc ? world_referrers(w, "aws_subnet", "vpc_id", vpc, &nsubnets) : NULL;
        for (size_t j = 0; j < nsubnets; j++) {
            const wobj *s = subnets[j];
            char *srt = subnet_route_table(w, s);
            nsub++;
            if (!srt) {
                nunknown++;
                continue;
            }
            bool routed = keys_have(rts, srt);
            nrouted += routed;
            json_array_append_new(
                json_object_get(entry, routed ? "subnets_routed" : "subnets_not_routed"),
                json_string(s->address));
            free(srt);
        }
        json_array_append_new(out->endpoints, entry);
        const char *what = service ? service : "the service";
        if (json_array_size(rts) == 0) {
            char *fix = vpce_asprintf("list the route tables of the subnets that need %s in "
                                      "route_table_ids, or add an "
                                      "aws_vpc_endpoint_route_table_association",
                                      what);
            vpce_findings_add(out, "gateway-unused", VPCE_FINDING_WARNING, ep->address, NULL,
                              "no route table routes to this gateway endpoint, so no subnet "
                              "uses it",
                              NULL, fix);
            free(fix);
        } else if (vpc && nsub > 0 && nunknown == 0 && nrouted == 0) {
            char *detail =
                vpce_asprintf("route tables %s carry it; no subnet of %s uses them",
                              key_name(w, json_string_value(json_array_get(rts, 0))), vpc->address);
            vpce_findings_add(out, "gateway-unused", VPCE_FINDING_WARNING, ep->address,
                              key_name(w, json_string_value(json_array_get(rts, 0))),
                              "no subnet of the VPC uses a route table that routes to this "
                              "gateway endpoint",
                              detail,
                              "associate the subnets that need it with one of those route "
                              "tables, or add their route tables to route_table_ids");
            free(detail);
        }
        json_decref(rts);
    }
}

/* A gateway endpoint seen before the one being checked (a, its index in the world) that
   carries the k-th route table of the one being checked. */
typedef struct dup_pair {
    size_t a, k;
} dup_pair;

static int cmp_pair(const void *x, const void *y)
{
    const dup_pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->k < q->k ? -1 : p->k > q->k;
}

/* The key of service and route table rt in the map of carriers: the length of the service
   first, so that no two pairs share a key. New string. */
static char *carrier_key(const char *service, const char *rt)
{
    return vpce_asprintf("%zu:%s%s", strlen(service), service, rt);
}

void vpce_analysis_rule_gateway_duplicate(const vpce_world *w, vpce_findings *out)
{
    /* service and route table -> vpce_vec of the gateway endpoints (wobj*) of that service seen
       so far that carry that route table, in address order: each endpoint is compared with the
       earlier ones that share a route table only, not with every earlier endpoint */
    vpce_map *carriers = vpce_map_new();
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *b = w->eps[i];
        const char *service = wstr(b, "service_name");
        if (!is_endpoint(b, "Gateway") || !service)
            continue;
        json_t *brts = gateway_route_tables(w, b);
        size_t nrt = json_array_size(brts), npairs = 0, cap = 0;
        dup_pair *pairs = NULL;
        for (size_t k = 0; k < nrt; k++) {
            char *ck = carrier_key(service, json_string_value(json_array_get(brts, k)));
            const vpce_vec *earlier = vpce_map_get(carriers, ck);
            for (size_t e = 0; earlier && e < earlier->len; e++) {
                if (npairs == cap) {
                    cap = cap ? cap * 2 : 8;
                    pairs = vpce_realloc(pairs, cap * sizeof(*pairs));
                }
                pairs[npairs++] =
                    (dup_pair){(size_t)((const wobj *)earlier->items[e] - w->objs), k};
            }
            free(ck);
        }
        /* The order of the scan this replaces: by earlier endpoint, then by route table. */
        if (npairs > 1)
            qsort(pairs, npairs, sizeof(*pairs), cmp_pair);
        for (size_t p = 0; p < npairs; p++) {
            const wobj *a = &w->objs[pairs[p].a];
            const char *rtname = key_name(w, json_string_value(json_array_get(brts, pairs[p].k)));
            char *summary = vpce_asprintf("route table %s already routes to %s through %s; "
                                          "AWS refuses a second gateway endpoint of the "
                                          "service on it (RouteAlreadyExists)",
                                          rtname, service, a->address);
            char *fix =
                vpce_asprintf("keep %s on one of %s and %s", rtname, a->address, b->address);
            vpce_findings_add(out, "gateway-duplicate-route-table", VPCE_FINDING_ERROR, b->address,
                              rtname, summary, NULL, fix);
            free(summary);
            free(fix);
        }
        free(pairs);
        for (size_t k = 0; k < nrt; k++) {
            char *ck = carrier_key(service, json_string_value(json_array_get(brts, k)));
            vpce_vec *v = vpce_map_get(carriers, ck);
            if (!v) {
                v = vpce_calloc(1, sizeof(*v));
                vpce_map_set(carriers, ck, v);
            }
            vpce_vec_push(v, (void *)b);
            free(ck);
        }
        json_decref(brts);
    }
    const char *k;
    void *v;
    for (size_t it = 0; vpce_map_next(carriers, &it, &k, &v);) {
        vpce_vec_release(v);
        free(v);
    }
    vpce_map_free(carriers);
}

/* The prefix list data sources by name (the first in address order of each name): a new map
   to borrowed wobj*. */
static vpce_map *prefix_list_data(const vpce_world *w)
{
    vpce_map *by_name = vpce_map_new();
    for (size_t i = 0; i < w->n; i++) {
        const wobj *o = &w->objs[i];
        const char *name =
            o->data && strcmp(o->type, "aws_prefix_list") == 0 ? wstr(o, "name") : NULL;
        if (name && !vpce_map_has(by_name, name))
            vpce_map_set(by_name, name, (void *)o);
    }
    return by_name;
}

/* 1: rule r admits the service, 0: it does not, -1: cannot tell. */
static int egress_reaches(const json_t *r, const char *pl_key, const char *pl_data_key,
                          const json_t *pl_cidrs)
{
    long long from = (long long)vpce_number(json_object_get(r, "from_port"));
    long long to = (long long)vpce_number(json_object_get(r, "to_port"));
    if (!rule_admits_tcp(json_string_value(json_object_get(r, "protocol")), from, to, 443))
        return 0;
    int verdict = 0;
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(r, "prefix_list_ids"), i, v)
    {
        char *k = wkey(v);
        bool known_other = k && k[0] != '\x01' && pl_key && pl_key[0] != '\x01';
        if (k &&
            ((pl_key && strcmp(k, pl_key) == 0) || (pl_data_key && strcmp(k, pl_data_key) == 0)))
            verdict = 1;
        else if (!known_other)
            verdict = -1; /* a list we cannot compare with the service's */
        free(k);
        if (verdict == 1)
            return 1;
    }
    json_array_foreach(json_object_get(r, "cidr_blocks"), i, v)
    {
        cidr4 c;
        if (!json_is_string(v) || !cidr_parse(json_string_value(v), &c)) {
            verdict = -1;
            continue;
        }
        if (c.len == 0)
            return 1;
        if (!json_is_array(pl_cidrs)) {
            verdict = -1;
            continue;
        }
        bool all = json_array_size(pl_cidrs) > 0;
        size_t j;
        const json_t *p;
        json_array_foreach(pl_cidrs, j, p)
        {
            cidr4 pc;
            all = all && json_is_string(p) && cidr_parse(json_string_value(p), &pc) &&
                  cidr_contains(c, pc);
        }
        if (all)
            return 1;
    }
    return verdict;
}

void vpce_analysis_rule_gateway_sg_egress(const vpce_world *w, vpce_findings *out)
{
    vpce_map *prefix_lists = prefix_list_data(w);
    vpce_map *egress = vpce_map_new();
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        const char *service = wstr(ep, "service_name");
        const wobj *vpc = world_ref(w, ep, "vpc_id");
        if (!is_endpoint(ep, "Gateway") || !service || !vpc)
            continue;
        char *pl_key = wkey(json_object_get(ep->attrs, "prefix_list_id"));
        const wobj *pld = vpce_map_get(prefix_lists, service);
        const json_t *pl_cidrs = pld ? json_object_get(pld->attrs, "cidr_blocks") : NULL;
        size_t nsgs;
        const wobj *const *sgs = world_referrers(w, "aws_security_group", "vpc_id", vpc, &nsgs);
        for (size_t j = 0; j < nsgs; j++) {
            const wobj *sg = sgs[j];
            if (sg->data)
                continue;
            const json_t *rules = sg_rules_cached(egress, w, sg, "egress");
            if (!rules)
                continue;
            int verdict = 0;
            size_t k;
            const json_t *r;
            json_array_foreach(rules, k, r)
            {
                int v = egress_reaches(r, pl_key, pld ? pld->key : NULL, pl_cidrs);
                verdict = v == 1 || verdict == 1 ? 1 : (v < 0 ? -1 : verdict);
            }
            if (verdict == 0) {
                char *summary = vpce_asprintf("security group %s allows no TCP 443 out to %s: "
                                              "its members cannot use the endpoint",
                                              sg->address, service);
                char *detail = vpce_asprintf("%zu egress rule(s), none to 0.0.0.0/0 or to the "
                                             "service's prefix list on port 443",
                                             json_array_size(rules));
                char *fix = vpce_asprintf(
                    "add to %s: egress { from_port = 443, to_port = 443, protocol = \"tcp\", "
                    "prefix_list_ids = [%s.prefix_list_id] }, or skip the check for groups "
                    "whose members never use %s",
                    sg->address, ep->address, service);
                vpce_findings_add(out, "gateway-sg-egress", VPCE_FINDING_WARNING, ep->address,
                                  sg->address, summary, detail, fix);
                free(summary);
                free(detail);
                free(fix);
            }
        }
        free(pl_key);
    }
    vpce_map_free(prefix_lists);
    sg_rules_cache_free(egress);
}
