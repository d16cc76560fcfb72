/*
 * analysis/internal.h (internal to analysis/): the planned world's objects and the helpers the
 * rules share. Everything returned is borrowed from the world unless said otherwise.
 */
#ifndef VPCE_ANALYSIS_INTERNAL_H
#define VPCE_ANALYSIS_INTERNAL_H

#include "analysis/analysis.h"

#include <stdint.h>

/* One object of the planned world: a managed resource instance or a data source. */
typedef struct wobj {
    const char *address; /* "aws_subnet.private[0]", "data.aws_vpc.main" */
    const char *type;    /* "aws_subnet" (data sources too) */
    bool data;
    /* Its attributes as they will be after apply (unknowns included). */
    const json_t *attrs;
    /* Its identity: the id when known, else "\x01" + the origin of its unknown id
       ("\x01aws_vpc.main.id"); NULL when it cannot be told. Owned by the world. */
    char *key;
    /* A managed aws_vpc_endpoint: endpoint_type() ("Gateway", "Interface", NULL when unknown).
       NULL for every other object. */
    const char *ep_type;
} wobj;

struct vpce_world {
    wobj *objs; /* sorted by address */
    size_t n;
    vpce_map *by_key; /* key -> wobj* */
    /* The managed aws_vpc_endpoint objects, in address order: what the rules are about. */
    const wobj **eps;
    size_t neps;
    /* "type.attr=key" -> vpce_vec of the wobj* of that type whose attr names key, in address
       order, for the references of world.c's ref_kinds (see world_referrers) */
    vpce_map *refs;
};

/* The identity a value names (a known string, or an unknown with an origin) as a new string,
   or NULL. */
char *wkey(const json_t *v);
/* The object whose identity value v names, or NULL. */
const wobj *world_get(const vpce_world *w, const json_t *v);
/* The object o[attr] names, or NULL. */
const wobj *world_ref(const vpce_world *w, const wobj *o, const char *attr);
/*
 * The objects of type (data sources included) whose attr names target (wkey of o[attr] equals
 * target's key), in address order, without a scan of the world. *n gets
 * their number; the array is borrowed from the world (NULL when *n is 0). Only the (type, attr)
 * pairs listed in world.c's ref_kinds are indexed; asking for another is a bug.
 */
const wobj *const *world_referrers(const vpce_world *w, const char *type, const char *attr,
                                   const wobj *target, size_t *n);

/* o[attr] as a list of values: 1 with *out set (a known array, possibly empty or NULL for null:
   jansson takes NULL as an empty array; its elements may still be unknown), 0 when it is computed
   by AWS at creation (an unknown whose origin is o's own attribute: what association resources
   add), -1 when it cannot be known. */
int wlist(const wobj *o, const char *attr, const json_t **out);
/* A known string attribute, or NULL. */
const char *wstr(const wobj *o, const char *attr);
/* A known bool attribute: 1 / 0; own_dflt when computed by AWS at creation; -1 otherwise. */
int wbool(const wobj *o, const char *attr, int own_dflt);
/* A known number attribute in *out. */
bool wnum(const wobj *o, const char *attr, long long *out);
/* A name for the object a value names: its address, else the id, else the origin. Borrowed. */
const char *wname(const vpce_world *w, const json_t *v);

/* Endpoints: "Gateway" or "Interface" (NULL when unknown). */
const char *endpoint_type(const wobj *ep);

/*
 * The keys of what an endpoint is attached to, from its own list attribute (attr) and from the
 * association resources of assoc_type (whose assoc_attr names the attached object and whose
 * vpc_endpoint_id names the endpoint): a new array of strings (keys, deduplicated, in order);
 * NULL when it cannot be known.
 */
json_t *endpoint_attached(const vpce_world *w, const wobj *ep, const char *attr,
                          const char *assoc_type, const char *assoc_attr);
/* The key of the route table subnet s uses: its explicit association's, else its VPC's main
   route table. New string, NULL when it cannot be known. */
char *subnet_route_table(const vpce_world *w, const wobj *s);
/* The object with key k (a key made by wkey), or NULL. */
const wobj *world_by_key(const vpce_world *w, const char *k);
/* A name for key k: the object's address, the id, or the origin. Borrowed. */
const char *key_name(const vpce_world *w, const char *k);

/* ---- IPv4 CIDRs ----------------------------------------------------------------------------- */

typedef struct cidr4 {
    uint32_t net;
    int len;
} cidr4;
bool cidr_parse(const char *s, cidr4 *out);
bool cidr_contains(cidr4 outer, cidr4 inner);
bool cidr_overlaps(cidr4 a, cidr4 b);

/* ---- security group rules ----------------------------------------------------------------- */

/* True when a rule of protocol proto ("-1", "all", "tcp", "6", ...) and ports from..to admits
   TCP port. */
bool rule_admits_tcp(const char *proto, long long from, long long to, long long port);

/*
 * The rules of one direction ("ingress" / "egress") of security group sg: its inline set and
 * the aws_security_group_rule resources of that type on it, as a new array of objects
 * {protocol, from_port, to_port, cidr_blocks, prefix_list_ids, security_groups, self}. NULL when
 * they cannot be known (an unknown set, an unknown rule).
 */
json_t *sg_rules(const vpce_world *w, const wobj *sg, const char *dir);
/* sg_rules(w, sg, dir) worked out once per group in cache (a map from vpce_map_new() that only
   this function fills, with one dir per map; freed by sg_rules_cache_free): many endpoints share
   a group. Borrowed from the cache; NULL when the rules cannot be known. */
const json_t *sg_rules_cached(vpce_map *cache, const vpce_world *w, const wobj *sg,
                              const char *dir);
void sg_rules_cache_free(vpce_map *cache);

#endif
