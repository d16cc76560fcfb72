/*
 * analysis/world.c: the planned world built from a plan, and the lookups every rule shares:
 * identities (known ids, or unknowns that name their origin), references between objects,
 * what an endpoint is attached to, which route table a subnet uses, CIDRs and rule matching.
 */
#include "analysis/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *wkey(const json_t *v)
{
    if (json_is_string(v) && json_string_length(v) > 0)
        return vpce_strdup(json_string_value(v));
    const char *origin = vpce_unknown_origin(v);
    return origin ? vpce_asprintf("\x01%s", origin) : NULL;
}

const wobj *world_by_key(const vpce_world *w, const char *k)
{
    return k ? vpce_map_get(w->by_key, k) : NULL;
}

const wobj *world_get(const vpce_world *w, const json_t *v)
{
    /* wkey's key, looked up without a copy of it when it is short: every rule follows
       references of every object. */
    if (json_is_string(v) && json_string_length(v) > 0)
        return vpce_map_get(w->by_key, json_string_value(v));
    const char *origin = vpce_unknown_origin(v);
    if (!origin)
        return NULL;
    char small[256];
    size_t n = strlen(origin);
    if (n + 2 > sizeof(small)) {
        char *k = wkey(v);
        const wobj *o = world_by_key(w, k);
        free(k);
        return o;
    }
    small[0] = '\x01';
    memcpy(small + 1, origin, n + 1);
    return vpce_map_get(w->by_key, small);
}

const wobj *world_ref(const vpce_world *w, const wobj *o, const char *attr)
{
    return world_get(w, json_object_get(o->attrs, attr));
}

/* The references world_referrers answers: each (type, attr) a rule follows backwards. */
static const struct {
    const char *type, *attr;
} ref_kinds[] = {
    {"aws_vpc_endpoint_route_table_association", "vpc_endpoint_id"},
    {"aws_vpc_endpoint_subnet_association", "vpc_endpoint_id"},
    {"aws_vpc_endpoint_security_group_association", "vpc_endpoint_id"},
    {"aws_route_table_association", "subnet_id"},
    {"aws_subnet", "vpc_id"},
    {"aws_security_group", "vpc_id"},
    {"aws_security_group_rule", "security_group_id"},
    {"aws_network_acl_rule", "network_acl_id"},
};

static char *ref_index_key(const char *type, const char *attr, const char *key)
{
    return vpce_asprintf("%s.%s=%s", type, attr, key);
}

const wobj *const *world_referrers(const vpce_world *w, const char *type, const char *attr,
                                   const wobj *target, size_t *n)
{
    bool indexed = false;
    for (size_t i = 0; i < sizeof(ref_kinds) / sizeof(ref_kinds[0]) && !indexed; i++)
        indexed = strcmp(ref_kinds[i].type, type) == 0 && strcmp(ref_kinds[i].attr, attr) == 0;
    VPCE_ASSERT(indexed);
    *n = 0;
    if (!target->key)
        return NULL;
    char *k = ref_index_key(type, attr, target->key);
    const vpce_vec *v = vpce_map_get(w->refs, k);
    free(k);
    if (!v)
        return NULL;
    *n = v->len;
    return (const wobj *const *)v->items;
}

/* Indexes o under every reference of ref_kinds it holds. */
static void index_refs(vpce_world *w, const wobj *o)
{
    for (size_t i = 0; i < sizeof(ref_kinds) / sizeof(ref_kinds[0]); i++) {
        if (strcmp(ref_kinds[i].type, o->type) != 0)
            continue;
        char *target = wkey(json_object_get(o->attrs, ref_kinds[i].attr));
        if (!target)
            continue;
        char *k = ref_index_key(o->type, ref_kinds[i].attr, target);
        vpce_vec *v = vpce_map_get(w->refs, k);
        if (!v) {
            v = vpce_calloc(1, sizeof(*v));
            vpce_map_set(w->refs, k, v);
        }
        vpce_vec_push(v, (void *)o);
        free(k);
        free(target);
    }
}

/* True when v is an unknown computed by AWS for o's own attribute attr. */
static bool own_computed(const wobj *o, const char *attr, const json_t *v)
{
    const char *origin = vpce_unknown_origin(v);
    size_t n = strlen(o->address);
    return origin && strncmp(origin, o->address, n) == 0 && origin[n] == '.' &&
           strcmp(origin + n + 1, attr) == 0;
}

int wlist(const wobj *o, const char *attr, const json_t **out)
{
    const json_t *v = json_object_get(o->attrs, attr);
    *out = NULL;
    if (!v || json_is_null(v))
        return 1; /* NULL: jansson takes it as an empty array */
    if (json_is_array(v)) {
        *out = v;
        return 1;
    }
    return own_computed(o, attr, v) ? 0 : -1;
}

const char *wstr(const wobj *o, const char *attr)
{
    const json_t *v = json_object_get(o->attrs, attr);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int wbool(const wobj *o, const char *attr, int own_dflt)
{
    const json_t *v = json_object_get(o->attrs, attr);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (own_computed(o, attr, v))
        return own_dflt;
    return -1;
}

bool wnum(const wobj *o, const char *attr, long long *out)
{
    const json_t *v = json_object_get(o->attrs, attr);
    if (!vpce_is_number(v))
        return false;
    *out = (long long)vpce_number(v);
    return true;
}

const char *key_name(const vpce_world *w, const char *k)
{
    const wobj *o = world_by_key(w, k);
    if (o)
        return o->address;
    return k && k[0] == '\x01' ? k + 1 : k;
}

const char *wname(const vpce_world *w, const json_t *v)
{
    const wobj *o = world_get(w, v);
    if (o)
        return o->address;
    if (json_is_string(v))
        return json_string_value(v);
    const char *origin = vpce_unknown_origin(v);
    return origin ? origin : "(known after apply)";
}

const char *endpoint_type(const wobj *ep)
{
    const json_t *v = json_object_get(ep->attrs, "vpc_endpoint_type");
    if (!v || json_is_null(v))
        return "Gateway";
    if (!json_is_string(v))
        return NULL;
    if (strcasecmp(json_string_value(v), "gateway") == 0)
        return "Gateway";
    if (strcasecmp(json_string_value(v), "interface") == 0)
        return "Interface";
    return NULL;
}

static bool has_key(const json_t *keys, const char *k)
{
    size_t i;
    const json_t *x;
    json_array_foreach(keys, i, x) if (strcmp(json_string_value(x), k) == 0) return true;
    return false;
}

json_t *endpoint_attached(const vpce_world *w, const wobj *ep, const char *attr,
                          const char *assoc_type, const char *assoc_attr)
{
    const json_t *list;
    if (wlist(ep, attr, &list) < 0)
        return NULL;
    json_t *keys = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        char *k = wkey(v);
        if (!k) {
            json_decref(keys);
            return NULL;
        }
        if (!has_key(keys, k))
            json_array_append_new(keys, json_string(k));
        free(k);
    }
    size_t na;
    const wobj *const *assocs = world_referrers(w, assoc_type, "vpc_endpoint_id", ep, &na);
    for (size_t j = 0; j < na; j++) {
        const wobj *a = assocs[j];
        if (a->data)
            continue;
        char *k = wkey(json_object_get(a->attrs, assoc_attr));
        if (!k) {
            json_decref(keys);
            return NULL;
        }
        if (!has_key(keys, k))
            json_array_append_new(keys, json_string(k));
        free(k);
    }
    return keys;
}

char *subnet_route_table(const vpce_world *w, const wobj *s)
{
    size_t na;
    const wobj *const *assocs =
        world_referrers(w, "aws_route_table_association", "subnet_id", s, &na);
    for (size_t j = 0; j < na; j++)
        if (!assocs[j]->data)
            return wkey(json_object_get(assocs[j]->attrs, "route_table_id"));
    const wobj *vpc = world_ref(w, s, "vpc_id");
    return vpc ? wkey(json_object_get(vpc->attrs, "main_route_table_id")) : NULL;
}

/* ---- CIDRs and rules ------------------------------------------------------------------------ */

bool cidr_parse(const char *s, cidr4 *out)
{
    unsigned a, b, c, d, len;
    char tail;
    if (!s || sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &tail) != 5 || a > 255 ||
        b > 255 || c > 255 || d > 255 || len > 32)
        return false;
    uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
    out->net = ((a << 24) | (b << 16) | (c << 8) | d) & mask;
    out->len = (int)len;
    return true;
}

static uint32_t mask_of(int len)
{
    return len ? 0xffffffffu << (32 - len) : 0;
}

bool cidr_contains(cidr4 outer, cidr4 inner)
{
    return outer.len <= inner.len && (inner.net & mask_of(outer.len)) == outer.net;
}

bool cidr_overlaps(cidr4 a, cidr4 b)
{
    return cidr_contains(a, b) || cidr_contains(b, a);
}

bool rule_admits_tcp(const char *proto, long long from, long long to, long long port)
{
    if (!proto)
        return false;
    if (strcmp(proto, "-1") == 0 || strcasecmp(proto, "all") == 0)
        return true;
    if (strcasecmp(proto, "tcp") != 0 && strcmp(proto, "6") != 0)
        return false;
    return from <= port && port <= to;
}

/* Appends rule object r (config/state shape) to out in the common shape; false when a field
   that matters is unknown. */
static bool add_rule(json_t *out, const json_t *r, const char *const *lists, size_t nlists,
                     const json_t *extra_sg, bool self)
{
    const json_t *proto = json_object_get(r, "protocol");
    const json_t *from = json_object_get(r, "from_port"), *to = json_object_get(r, "to_port");
    if (!json_is_string(proto) || !vpce_is_number(from) || !vpce_is_number(to))
        return false;
    json_t *o = json_pack("{s:O,s:O,s:O,s:b}", "protocol", proto, "from_port", from, "to_port", to,
                          "self", self || json_is_true(json_object_get(r, "self")));
    for (size_t i = 0; i < nlists; i++) {
        const json_t *v = json_object_get(r, lists[i]);
        if (v && !json_is_null(v) && !json_is_array(v)) {
            json_decref(o);
            return false;
        }
        json_object_set_new(o, lists[i], v && json_is_array(v) ? json_deep_copy(v) : json_array());
    }
    if (extra_sg && !json_is_null(extra_sg))
        json_array_append(json_object_get(o, "security_groups"), (json_t *)extra_sg);
    json_array_append_new(out, o);
    return true;
}

json_t *sg_rules(const vpce_world *w, const wobj *sg, const char *dir)
{
    static const char *const lists[] = {"cidr_blocks", "prefix_list_ids", "security_groups",
                                        "ipv6_cidr_blocks"};
    const json_t *set;
    json_t *out = json_array();
    int known = wlist(sg, dir, &set);
    if (known < 0)
        goto unknowable;
    size_t i;
    const json_t *r;
    json_array_foreach(set, i, r)
    {
        if (!add_rule(out, r, lists, 4, NULL, false))
            goto unknowable;
    }
    if (known == 0 && strcmp(dir, "egress") == 0) {
        /* A group created without an egress set keeps EC2's default allow-all egress rule. */
        json_array_append_new(out, json_pack("{s:s,s:i,s:i,s:[s],s:[],s:[],s:[],s:b}", "protocol",
                                             "-1", "from_port", 0, "to_port", 0, "cidr_blocks",
                                             "0.0.0.0/0", "prefix_list_ids", "security_groups",
                                             "ipv6_cidr_blocks", "self", 0));
    }
    size_t nx;
    const wobj *const *xs =
        world_referrers(w, "aws_security_group_rule", "security_group_id", sg, &nx);
    for (size_t j = 0; j < nx; j++) {
        const wobj *x = xs[j];
        if (x->data)
            continue;
        const char *type = wstr(x, "type");
        if (!type)
            goto unknowable;
        if (strcmp(type, dir) != 0)
            continue;
        if (!add_rule(out, x->attrs, lists, 4,
                      json_object_get(x->attrs, "source_security_group_id"), false))
            goto unknowable;
    }
    return out;
unknowable:
    json_decref(out);
    return NULL;
}

/* Stands for "cannot be known" in the cache of sg_rules_cached. */
static char unknowable_rules;

const json_t *sg_rules_cached(vpce_map *cache, const vpce_world *w, const wobj *sg, const char *dir)
{
    void *v = vpce_map_get(cache, sg->address);
    if (!v) {
        json_t *rules = sg_rules(w, sg, dir);
        v = rules ? (void *)rules : &unknowable_rules;
        vpce_map_set(cache, sg->address, v);
    }
    return v == &unknowable_rules ? NULL : v;
}

void sg_rules_cache_free(vpce_map *cache)
{
    const char *k;
    void *v;
    for (size_t i = 0; cache && vpce_map_next(cache, &i, &k, &v);)
        if (v != &unknowable_rules)
            json_decref(v);
    vpce_map_free(cache);
}

/* ---- building the world --------------------------------------------------------------------- */

static int cmp_obj(const void *a, const void *b)
{
    return strcmp(((const wobj *)a)->address, ((const wobj *)b)->address);
}

static void add_obj(vpce_world *w, size_t *cap, const char *address, const char *type, bool data,
                    const json_t *attrs)
{
    if (!attrs || !json_is_object(attrs) || !type)
        return;
    if (w->n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        w->objs = vpce_realloc(w->objs, *cap * sizeof(*w->objs));
    }
    wobj *o = &w->objs[w->n++];
    o->address = address;
    o->type = type;
    o->data = data;
    o->attrs = attrs;
    o->key = wkey(json_object_get(attrs, "id"));
    o->ep_type = NULL;
}

int vpce_world_new(vpce_world **out, const vpce_plan *p)
{
    vpce_world *w = vpce_calloc(1, sizeof(*w));
    size_t cap = 0;
    vpce_map *seen = vpce_map_new();
    for (size_t i = 0; i < p->nchanges; i++) {
        const vpce_change *c = p->changes[i];
        vpce_map_set(seen, c->address, (void *)1);
        if (c->action == VPCE_ACTION_DELETE)
            continue;
        add_obj(w, &cap, c->address, c->type, c->mode && strcmp(c->mode, "data") == 0, c->after);
    }
    /* Instances the plan does not speak of (outside -target) stay as refreshed. */
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(p->prior, "resources"), i, r)
    {
        const char *addr = json_string_value(json_object_get(r, "address"));
        const char *mode = json_string_value(json_object_get(r, "mode"));
        if (!addr || vpce_map_has(seen, addr))
            continue;
        add_obj(w, &cap, addr, json_string_value(json_object_get(r, "type")),
                mode && strcmp(mode, "data") == 0, json_object_get(r, "attributes"));
    }
    vpce_map_free(seen);
    if (w->n)
        qsort(w->objs, w->n, sizeof(*w->objs), cmp_obj);
    w->by_key = vpce_map_new();
    w->refs = vpce_map_new();
    w->eps = vpce_calloc(w->n ? w->n : 1, sizeof(*w->eps));
    for (size_t k = 0; k < w->n; k++) {
        wobj *o = &w->objs[k];
        if (!o->data && strcmp(o->type, "aws_vpc_endpoint") == 0) {
            o->ep_type = endpoint_type(o);
            w->eps[w->neps++] = o;
        }
        if (w->objs[k].key && !vpce_map_has(w->by_key, w->objs[k].key))
            vpce_map_set(w->by_key, w->objs[k].key, &w->objs[k]);
        index_refs(w, &w->objs[k]);
    }
    *out = w;
    return 0;
}

void vpce_world_free(vpce_world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->objs[i].key);
    free(w->objs);
    free(w->eps);
    vpce_map_free(w->by_key);
    if (w->refs) {
        const char *k;
        void *v;
        for (size_t i = 0; vpce_map_next(w->refs, &i, &k, &v);) {
            vpce_vec_release(v);
            free(v);
        }
        vpce_map_free(w->refs);
    }
    free(w);
}
