/*
 * providers/aws/res_vpc_endpoint.c: the operations of aws_vpc_endpoint, of its three association
 * resources and of aws_vpc_endpoint_policy, with the Terraform AWS provider's semantics. Every
 * change to an endpoint after its creation goes through vpce_aws_endpoint_modify() (provider.c),
 * which folds the changes of one apply into as few ModifyVpcEndpoint calls as possible.
 */
#include "providers/aws/res_common.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS (10 * 60 * 1000)
#define FILTER_CHUNK       200 /* ids per vpc-endpoint-id filter */

/* ---- small helpers ------------------------------------------------------------------------ */

/* A known, non-empty string attribute of a config or state, or NULL. */
static const char *attr_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static json_t *ec2_bool(const json_t *obj, const char *key)
{
    const char *s = vpce_aws_ec2_str(obj, key);
    return json_boolean(s && strcasecmp(s, "true") == 0);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool list_has(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Strings of a that are not in b (a new array, possibly empty). */
static json_t *list_minus(const json_t *a, const json_t *b)
{
    json_t *out = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && !list_has(b, json_string_value(v)))
            json_array_append(out, (json_t *)v);
    }
    return out;
}

int64_t vpce_aws_parse_duration(const char *s)
{
    if (!s || !*s)
        return -1;
    int64_t total = 0;
    const char *c = s;
    while (*c) {
        char *end = NULL;
        double x = strtod(c, &end);
        if (end == c || x < 0)
            return -1;
        int64_t unit;
        if (strncmp(end, "ms", 2) == 0) {
            unit = 1;
            end += 2;
        } else if (*end == 's') {
            unit = 1000;
            end++;
        } else if (*end == 'm') {
            unit = 60000;
            end++;
        } else if (*end == 'h') {
            unit = 3600000;
            end++;
        } else {
            return -1;
        }
        total += (int64_t)(x * (double)unit);
        c = end;
    }
    return total;
}

/* The timeout of an operation: timeouts { which = "..." } in config, else op->timeout_ms, else
 * ten minutes (the provider's default for endpoints). */
static int64_t op_timeout(const vpce_resource_op *op, const char *which)
{
    const json_t *t = vpce_aws_attr_block(op->config, "timeouts");
    if (!t && op->prior)
        t = vpce_aws_attr_block(op->prior, "timeouts");
    int64_t ms = t ? vpce_aws_parse_duration(attr_str(t, which)) : -1;
    if (ms > 0)
        return ms;
    return op->timeout_ms > 0 ? op->timeout_ms : DEFAULT_TIMEOUT_MS;
}

/* The id attribute of an object ("id" of a state). */
static const char *state_id(const json_t *st)
{
    return attr_str(st, "id");
}

/* A normalised policy: compact JSON with sorted keys; the text unchanged when not JSON. */
static json_t *normalise_policy(const char *text)
{
    if (!text || !*text)
        return json_null();
    json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!doc)
        return json_string(text);
    char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(doc);
    json_t *out = json_string(s ? s : text);
    free(s);
    return out;
}

/* ---- describing endpoints ------------------------------------------------------------------ */

/* DescribeVpcEndpoints of the endpoints matching filter name = values, in chunks of
 * FILTER_CHUNK values (EC2's limit per filter), paginated with MaxResults 1000. *out gets
 * id -> description (new object). */
static int describe_by_filter(vpce_provider *p, const char *name, const char *const *values,
                              size_t n, json_t **out)
{
    return vpce_aws_describe_by_filter(p, "DescribeVpcEndpoints", name, "vpcEndpointSet",
                                       "vpcEndpointId", values, n, 1000, out);
}
/*
 * DescribeVpcEndpoints for ids as a vpc-endpoint-id filter (missing ids are left out), in chunks
 * of FILTER_CHUNK, paginated with MaxResults 1000. *out gets id -> description (new object).
 */
static int describe_endpoints(vpce_provider *p, const char *const *ids, size_t n, json_t **out)
{
    return describe_by_filter(p, "vpc-endpoint-id", ids, n, out);
}

static size_t chunks(size_t n)
{
    return (n + FILTER_CHUNK - 1) / FILTER_CHUNK;
}

/*
 * Like describe_endpoints(), for a refresh: vpcs[i] is the VPC of ids[i] in the prior state (or
 * NULL). When the ids span few VPCs, a vpc-id filter reads them in fewer calls than the ids
 * themselves (1,000 endpoints of one VPC: 1 call instead of 5); endpoints of those VPCs that are
 * not asked for come back too and are simply not looked up. An endpoint cannot change VPC, so one
 * missing from its VPC's answer is gone. Ids without a VPC are read by id.
 */
static int describe_endpoints_batch(vpce_provider *p, const char *const *ids,
                                    const char *const *vpcs, size_t n, json_t **out)
{
    vpce_map *seen = vpce_map_new();
    vpce_vec vpc_list = VPCE_VEC_INIT, by_id = VPCE_VEC_INIT;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!vpcs[i]) {
            vpce_vec_push(&by_id, (void *)ids[i]);
        } else if (!vpce_map_get(seen, vpcs[i])) {
            vpce_map_set(seen, vpcs[i], (void *)vpcs[i]);
            vpce_vec_push(&vpc_list, (void *)vpcs[i]);
        }
    }
    if (chunks(vpc_list.len) + chunks(by_id.len) >= chunks(n) ||
        vpce_aws_client_filter_refused(vpce_aws_provider_client(p), "DescribeVpcEndpoints",
                                       "vpc-id")) {
        rc = describe_endpoints(p, ids, n, out);
        goto cleanup;
    }
    rc = vpce_aws_describe_filter_values(p, "DescribeVpcEndpoints", "vpc-id", "vpcEndpointSet",
                                         "vpcEndpointId", (const char *const *)vpc_list.items,
                                         vpc_list.len, 1000, VPCE_AWS_CALL_HAS_FALLBACK, out);
    if (rc < 0 && vpce_aws_refusal_shaped(rc)) {
        /* An endpoint without the vpc-id filter: the same endpoints by id, which if it works
           tells that the filter was the problem. */
        char *why = vpce_strdup(vpce_error_last());
        rc = describe_endpoints(p, ids, n, out);
        if (rc == 0)
            vpce_aws_note_refused_filter(p, "DescribeVpcEndpoints", "vpc-id", why,
                                         "the endpoints by id");
        else
            rc = vpce_error_setc(rc, "%s", why);
        free(why);
        goto cleanup;
    }
    if (rc == 0) {
        json_t *more = NULL;
        rc = describe_by_filter(p, "vpc-endpoint-id", (const char *const *)by_id.items, by_id.len,
                                &more);
        if (rc == 0)
            json_object_update(*out, more);
        json_decref(more);
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
cleanup:
    vpce_vec_release(&vpc_list);
    vpce_vec_release(&by_id);
    vpce_map_free(seen);
    return rc;
}

/* One DescribePrefixLists for the gateway services among eps (an id -> description object).
 * *out gets prefix-list name -> {"id", "cidrs"} (new object). */
static int describe_prefix_lists(vpce_provider *p, const json_t *eps, json_t **out)
{
    *out = json_object();
    vpce_vec names = VPCE_VEC_INIT;
    const char *key;
    json_t *ep;
    json_object_foreach((json_t *)eps, key, ep)
    {
        const char *type = vpce_aws_ec2_str(ep, "vpcEndpointType");
        const char *svc = vpce_aws_ec2_str(ep, "serviceName");
        if (!type || strcasecmp(type, "Gateway") != 0 || !svc)
            continue;
        bool seen = false;
        for (size_t i = 0; i < names.len; i++)
            seen = seen || strcmp(names.items[i], svc) == 0;
        if (!seen)
            vpce_vec_push(&names, (void *)svc);
    }
    int rc = 0;
    if (names.len == 0)
        goto cleanup;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add_filter(&params, "prefix-list-name", (const char *const *)names.items,
                               names.len);
    json_t *items = NULL;
    rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribePrefixLists", &params,
                             "prefixListSet", &items);
    vpce_aws_params_release(&params);
    size_t i;
    json_t *pl;
    json_array_foreach(items, i, pl)
    {
        const char *name = vpce_aws_ec2_str(pl, "prefixListName");
        const char *id = vpce_aws_ec2_str(pl, "prefixListId");
        if (!name || !id)
            continue;
        json_object_set_new(
            *out, name,
            json_pack("{s:s,s:o}", "id", id, "cidrs",
                      vpce_aws_ec2_strings(vpce_aws_ec2_list(pl, "cidrSet"), NULL, true)));
    }
    json_decref(items);
cleanup:
    vpce_vec_release(&names);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/*
 * The state of an endpoint from its description. ref (config or prior, may be NULL) gives what
 * EC2 does not keep: auto_accept, timeouts, and which tags the configuration sets itself.
 */
static json_t *endpoint_state(vpce_provider *p, const json_t *ep, const json_t *pls,
                              const json_t *ref)
{
    json_t *st = json_object();
    const char *id = vpce_aws_ec2_str(ep, "vpcEndpointId");
    const char *owner = vpce_aws_ec2_str(ep, "ownerId");
    const char *type = vpce_aws_ec2_str(ep, "vpcEndpointType");
    const char *svc = vpce_aws_ec2_str(ep, "serviceName");
    json_object_set_new(st, "id", json_string(id));
    char *arn = vpce_asprintf("arn:aws:ec2:%s:%s:vpc-endpoint/%s", vpce_aws_provider_region(p),
                              owner ? owner : "", id);
    json_object_set_new(st, "arn", json_string(arn));
    free(arn);
    json_object_set_new(st, "vpc_id", json_string(vpce_aws_ec2_str(ep, "vpcId")));
    json_object_set_new(st, "service_name", json_string(svc));
    const char *sreg = vpce_aws_ec2_str(ep, "serviceRegion");
    json_object_set_new(st, "service_region",
                        json_string(sreg && *sreg ? sreg : vpce_aws_provider_region(p)));
    json_object_set_new(st, "vpc_endpoint_type", json_string(type ? type : "Gateway"));
    json_object_set_new(st, "state", json_string(vpce_aws_ec2_str(ep, "state")));
    json_object_set_new(st, "policy", normalise_policy(vpce_aws_ec2_str(ep, "policyDocument")));
    json_object_set_new(st, "route_table_ids",
                        vpce_aws_ec2_strings(vpce_aws_ec2_list(ep, "routeTableIdSet"), NULL, true));
    json_object_set_new(st, "subnet_ids",
                        vpce_aws_ec2_strings(vpce_aws_ec2_list(ep, "subnetIdSet"), NULL, true));
    json_object_set_new(st, "security_group_ids",
                        vpce_aws_ec2_strings(vpce_aws_ec2_list(ep, "groupSet"), "groupId", true));
    json_object_set_new(st, "private_dns_enabled", ec2_bool(ep, "privateDnsEnabled"));
    json_object_set_new(st, "requester_managed", ec2_bool(ep, "requesterManaged"));
    const char *iat = vpce_aws_ec2_str(ep, "ipAddressType");
    json_object_set_new(st, "ip_address_type", iat && *iat ? json_string(iat) : json_null());
    const json_t *dns = json_object_get(ep, "dnsOptions");
    if (json_is_object(dns)) {
        const char *rt = vpce_aws_ec2_str(dns, "dnsRecordIpType");
        json_object_set_new(st, "dns_options",
                            json_pack("{s:o,s:o}", "dns_record_ip_type",
                                      rt && *rt ? json_string(rt) : json_null(),
                                      "private_dns_only_for_inbound_resolver_endpoint",
                                      ec2_bool(dns, "privateDnsOnlyForInboundResolverEndpoint")));
    } else {
        json_object_set_new(st, "dns_options", json_null());
    }
    json_t *entries = json_array();
    size_t i;
    const json_t *e;
    json_array_foreach(vpce_aws_ec2_list(ep, "dnsEntrySet"), i, e)
    {
        const char *dn = vpce_aws_ec2_str(e, "dnsName");
        const char *hz = vpce_aws_ec2_str(e, "hostedZoneId");
        json_array_append_new(entries, json_pack("{s:s,s:s}", "dns_name", dn ? dn : "",
                                                 "hosted_zone_id", hz ? hz : ""));
    }
    json_object_set_new(st, "dns_entry", entries);
    json_object_set_new(
        st, "network_interface_ids",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(ep, "networkInterfaceIdSet"), NULL, true));
    json_t *subnet_cfg = json_array();
    json_array_foreach(json_object_get(st, "subnet_ids"), i, e)
    {
        json_array_append_new(subnet_cfg,
                              json_pack("{s:n,s:n,s:O}", "ipv4", "ipv6", "subnet_id", (json_t *)e));
    }
    json_object_set_new(st, "subnet_configuration", subnet_cfg);
    const json_t *pl = (svc && pls) ? json_object_get(pls, svc) : NULL;
    if (pl && type && strcasecmp(type, "Gateway") == 0) {
        json_object_set(st, "prefix_list_id", json_object_get(pl, "id"));
        json_object_set(st, "cidr_blocks", json_object_get(pl, "cidrs"));
    } else {
        json_object_set_new(st, "prefix_list_id", json_null());
        json_object_set_new(st, "cidr_blocks", json_array());
    }
    json_object_set_new(st, "owner_id", json_string(owner ? owner : ""));

    /* tags_all is everything but our address tag; tags leaves out the default tags the
     * configuration does not set itself (with the same value). */
    json_t *all = vpce_aws_ec2_tags(ep);
    json_t *tags = json_deep_copy(all);
    const json_t *cfg_tags = json_object_get(ref, "tags");
    const json_t *dtags = vpce_aws_provider_default_tags(p);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)dtags, k, v)
    {
        const json_t *mine = json_object_get(tags, k);
        if (mine && vpce_value_equal(mine, v) && !json_object_get(cfg_tags, k))
            json_object_del(tags, k);
    }
    if (json_object_size(tags) == 0 && !json_is_object(cfg_tags)) {
        json_decref(tags);
        tags = json_null();
    }
    json_object_set_new(st, "tags", tags);
    json_object_set_new(st, "tags_all", all);
    const json_t *aa = json_object_get(ref, "auto_accept");
    json_object_set_new(st, "auto_accept",
                        json_is_boolean(aa) ? json_incref((json_t *)aa) : json_null());
    const json_t *to = json_object_get(ref, "timeouts");
    json_object_set_new(st, "timeouts",
                        to && !vpce_contains_unknown(to) ? json_deep_copy(to) : json_null());
    return st;
}

/* Reads one endpoint's full state (NULL in *out when gone). */
/*
 * The state of an endpoint from a description just read (the waiter's last answer, which is a
 * DescribeVpcEndpoints item like read_endpoint's): no second DescribeVpcEndpoints, and a
 * DescribePrefixLists only for a gateway endpoint. *out gets a new object.
 */
static int state_from_description(vpce_provider *p, json_t *ep, const json_t *ref, json_t **out)
{
    *out = NULL;
    json_t *eps = json_object(), *pls = NULL;
    json_object_set(
        eps, vpce_aws_ec2_str(ep, "vpcEndpointId") ? vpce_aws_ec2_str(ep, "vpcEndpointId") : "",
        ep);
    int rc = describe_prefix_lists(p, eps, &pls);
    if (rc == 0)
        *out = endpoint_state(p, ep, pls, ref);
    json_decref(eps);
    json_decref(pls);
    return rc;
}

static int read_endpoint(vpce_provider *p, const char *id, const json_t *ref, json_t **out)
{
    *out = NULL;
    json_t *eps = NULL, *pls = NULL;
    int rc = describe_endpoints(p, &id, 1, &eps);
    if (rc)
        goto cleanup;
    const json_t *ep = json_object_get(eps, id);
    const char *st = ep ? vpce_aws_ec2_str(ep, "state") : NULL;
    if (!ep || (st && strcasecmp(st, "deleted") == 0))
        goto cleanup;
    rc = describe_prefix_lists(p, eps, &pls);
    if (rc)
        goto cleanup;
    *out = endpoint_state(p, ep, pls, ref);
cleanup:
    json_decref(eps);
    json_decref(pls);
    return rc;
}

/* ---- aws_vpc_endpoint ---------------------------------------------------------------------- */

/* The tags to put on the endpoint: default tags, then the configuration's (which win). */
static json_t *desired_tags(vpce_provider *p, const json_t *config)
{
    json_t *all = json_deep_copy(vpce_aws_provider_default_tags(p));
    const json_t *tags = json_object_get(config, "tags");
    if (json_is_object(tags) && !vpce_is_unknown(tags))
        json_object_update(all, (json_t *)tags);
    return all;
}

static int add_dns_options(vpce_aws_params *params, const json_t *config)
{
    const json_t *dns = vpce_aws_attr_block(config, "dns_options");
    if (!dns)
        return 0;
    const char *rt = attr_str(dns, "dns_record_ip_type");
    int inbound = vpce_aws_attr_bool(dns, "private_dns_only_for_inbound_resolver_endpoint");
    if (rt)
        vpce_aws_params_add(params, "DnsOptions.DnsRecordIpType", rt);
    if (inbound >= 0)
        vpce_aws_params_add_bool(params, "DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint",
                                 inbound);
    return 0;
}

int vpce_aws_endpoint_create(vpce_resource_op *op)
{
    vpce_provider *p = op->provider;
    const json_t *cfg = op->config;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *res = NULL, *tags = NULL, *ep = NULL;
    char *token = NULL;
    int rc = 0;
    const char *type = attr_str(cfg, "vpc_endpoint_type");
    if (!type)
        type = "Gateway";
    bool interface = strcasecmp(type, "Interface") == 0;
    if (strcasecmp(type, "GatewayLoadBalancer") == 0) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "%s: vpc_endpoint_type \"GatewayLoadBalancer\" is not supported yet",
                             op->address);
        goto cleanup;
    }
    vpce_aws_params_add(&params, "VpcId", attr_str(cfg, "vpc_id"));
    vpce_aws_params_add(&params, "ServiceName", attr_str(cfg, "service_name"));
    vpce_aws_params_add(&params, "VpcEndpointType", type);
    /* A service in another region (cross-region PrivateLink); the endpoint's own region needs
       no parameter. */
    const char *sreg = attr_str(cfg, "service_region");
    if (sreg && *sreg && strcmp(sreg, vpce_aws_provider_region(p)) != 0)
        vpce_aws_params_add(&params, "ServiceRegion", sreg);
    const json_t *l;
    if ((l = vpce_aws_attr_list(cfg, "route_table_ids")) != NULL)
        rc = vpce_aws_params_add_json_list(&params, "RouteTableId", l);
    if (!rc && (l = vpce_aws_attr_list(cfg, "subnet_ids")) != NULL)
        rc = vpce_aws_params_add_json_list(&params, "SubnetId", l);
    if (!rc && (l = vpce_aws_attr_list(cfg, "security_group_ids")) != NULL)
        rc = vpce_aws_params_add_json_list(&params, "SecurityGroupId", l);
    if (rc)
        goto cleanup;
    /* Unset means false, as in the Terraform AWS provider (EC2's own default is true). */
    int pde = vpce_aws_attr_bool(cfg, "private_dns_enabled");
    if (interface)
        vpce_aws_params_add_bool(&params, "PrivateDnsEnabled", pde > 0);
    const char *policy = attr_str(cfg, "policy");
    if (policy)
        vpce_aws_params_add(&params, "PolicyDocument", policy);
    vpce_aws_params_add(&params, "IpAddressType", attr_str(cfg, "ip_address_type"));
    add_dns_options(&params, cfg);
    if (op->token && *op->token) {
        token = vpce_strdup(op->token);
    } else {
        /* Always send one, so a retried create cannot make two endpoints. */
        unsigned char rnd[8] = {0};
        FILE *f = fopen("/dev/urandom", "rb");
        if (f) {
            if (fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
                memset(rnd, 0, sizeof(rnd));
            fclose(f);
        }
        uint32_t h = 2166136261u;
        for (const char *c = op->address ? op->address : ""; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        token =
            vpce_asprintf("vpce-%08x-%02x%02x%02x%02x%02x%02x%02x%02x-%lld", h, rnd[0], rnd[1],
                          rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], (long long)vpce_now_ms());
    }
    vpce_aws_params_add(&params, "ClientToken", token);
    tags = desired_tags(p, cfg);
    if (op->address)
        json_object_set_new(tags, VPCE_AWS_ADDRESS_TAG, json_string(op->address));
    rc = vpce_aws_params_add_tag_spec(&params, "vpc-endpoint", tags);
    if (rc)
        goto cleanup;
    rc = vpce_aws_call(vpce_aws_provider_client(p), "CreateVpcEndpoint", &params, &res);
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(json_object_get(res, "vpcEndpoint"), "vpcEndpointId");
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID, "CreateVpcEndpoint answered without an endpoint id");
        goto cleanup;
    }
    rc = vpce_aws_wait_endpoint(p, id, false, op_timeout(op, "create"), &ep);
    if (rc)
        goto cleanup;
    if (ep)
        rc = state_from_description(p, ep, cfg, &op->new_state);
    else
        rc = read_endpoint(p, id, cfg, &op->new_state);
    if (!rc && !op->new_state)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidVpcEndpointId.NotFound: endpoint %s "
                             "disappeared right after its creation",
                             id);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(res);
    json_decref(tags);
    json_decref(ep);
    free(token);
    return rc;
}

/* Adds Add<what>/Remove<what> for a set attribute that changed between prior and config. */
static void diff_set(json_t *change, const json_t *prior, const json_t *cfg, const char *attr,
                     const char *what)
{
    const json_t *want = vpce_aws_attr_list(cfg, attr);
    if (!want)
        return; /* unknown or not configured: computed, keep what is there */
    const json_t *have = json_object_get(prior, attr);
    json_t *empty = json_array();
    if (!json_is_array(have))
        have = empty;
    json_t *add = list_minus(want, have);
    json_t *rem = list_minus(have, want);
    char name[64];
    if (json_array_size(add)) {
        snprintf(name, sizeof(name), "Add%s", what);
        json_object_set(change, name, add);
    }
    if (json_array_size(rem)) {
        snprintf(name, sizeof(name), "Remove%s", what);
        json_object_set(change, name, rem);
    }
    json_decref(add);
    json_decref(rem);
    json_decref(empty);
}

/* CreateTags/DeleteTags for the difference between the old and new tags (keys sorted). */
static int update_tags(vpce_provider *p, const char *id, const json_t *old, const json_t *want)
{
    int rc = 0;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *removed = json_object(), *changed = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)old, k, v)
    {
        if (strcmp(k, VPCE_AWS_ADDRESS_TAG) != 0 && !json_object_get(want, k))
            json_object_set(removed, k, v);
    }
    json_object_foreach((json_t *)want, k, v)
    {
        const json_t *o = json_object_get(old, k);
        if (!o || !vpce_value_equal(o, v))
            json_object_set(changed, k, v);
    }
    const char *ids[] = {id};
    if (json_object_size(removed)) {
        vpce_aws_params_add_list(&params, "ResourceId", ids, 1);
        /* Keys only, sorted: the value of a removed tag does not matter. */
        vpce_vec keys = VPCE_VEC_INIT;
        json_object_foreach(removed, k, v)
        {
            vpce_vec_push(&keys, (void *)k);
        }
        qsort(keys.items, keys.len, sizeof(void *), cmp_cstr);
        for (size_t i = 0; i < keys.len; i++)
            vpce_aws_params_addf(&params, keys.items[i], "Tag.%zu.Key", i + 1);
        vpce_vec_release(&keys);
        rc = vpce_aws_call(vpce_aws_provider_client(p), "DeleteTags", &params, NULL);
        vpce_aws_params_release(&params);
        if (rc)
            goto cleanup;
    }
    if (json_object_size(changed)) {
        vpce_aws_params_init(&params);
        vpce_aws_params_add_list(&params, "ResourceId", ids, 1);
        rc = vpce_aws_params_add_tags(&params, "Tag", changed);
        if (!rc)
            rc = vpce_aws_call(vpce_aws_provider_client(p), "CreateTags", &params, NULL);
        vpce_aws_params_release(&params);
    }
cleanup:
    json_decref(removed);
    json_decref(changed);
    return rc;
}

int vpce_aws_endpoint_update(vpce_resource_op *op)
{
    vpce_provider *p = op->provider;
    const json_t *cfg = op->config, *prior = op->prior;
    const char *id = state_id(prior);
    json_t *change = json_object(), *ep = NULL, *want = NULL;
    int rc = 0;
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID, "%s: the prior state has no id", op->address);
        goto cleanup;
    }
    const char *type = attr_str(prior, "vpc_endpoint_type");
    bool interface = type && strcasecmp(type, "Interface") == 0;
    diff_set(change, prior, cfg, "route_table_ids", "RouteTableId");
    diff_set(change, prior, cfg, "subnet_ids", "SubnetId");
    diff_set(change, prior, cfg, "security_group_ids", "SecurityGroupId");
    const json_t *pol = json_object_get(cfg, "policy");
    if (!vpce_is_unknown(pol)) {
        const char *want_pol = json_is_string(pol) ? json_string_value(pol) : "";
        const char *have_pol = attr_str(prior, "policy");
        if (!*want_pol) {
            if (json_is_string(pol))
                json_object_set_new(change, "ResetPolicy", json_true());
        } else {
            /* The prior holds the normalised text: compare normalised texts. */
            json_t *norm = normalise_policy(want_pol);
            if (!have_pol || strcmp(json_string_value(norm), have_pol) != 0)
                json_object_set_new(change, "PolicyDocument", json_string(want_pol));
            json_decref(norm);
        }
    }
    int pde = vpce_aws_attr_bool(cfg, "private_dns_enabled");
    if (interface && pde >= 0 && pde != vpce_aws_attr_bool(prior, "private_dns_enabled"))
        json_object_set_new(change, "PrivateDnsEnabled", json_boolean(pde));
    const char *iat = attr_str(cfg, "ip_address_type");
    const char *old_iat = attr_str(prior, "ip_address_type");
    if (iat && (!old_iat || strcmp(iat, old_iat) != 0))
        json_object_set_new(change, "IpAddressType", json_string(iat));
    const json_t *dns = vpce_aws_attr_block(cfg, "dns_options");
    const json_t *old_dns = vpce_aws_attr_block(prior, "dns_options");
    if (dns) {
        const char *rt = attr_str(dns, "dns_record_ip_type");
        const char *ort = attr_str(old_dns, "dns_record_ip_type");
        if (rt && (!ort || strcmp(rt, ort) != 0))
            json_object_set_new(change, "DnsOptions.DnsRecordIpType", json_string(rt));
        const char *ik = "private_dns_only_for_inbound_resolver_endpoint";
        int in = vpce_aws_attr_bool(dns, ik);
        if (in >= 0 && in != vpce_aws_attr_bool(old_dns, ik))
            json_object_set_new(change, "DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint",
                                json_boolean(in));
    }
    if (json_object_size(change)) {
        rc = vpce_aws_endpoint_modify(p, id, change, op_timeout(op, "update"), &ep);
        if (rc)
            goto cleanup;
    }
    const json_t *tags = json_object_get(cfg, "tags");
    if (!vpce_is_unknown(tags)) {
        want = desired_tags(p, cfg);
        const json_t *old = json_object_get(prior, "tags_all");
        json_t *none = json_object();
        rc = update_tags(p, id, json_is_object(old) ? old : none, want);
        json_decref(none);
        if (rc)
            goto cleanup;
    }
    rc = read_endpoint(p, id, cfg, &op->new_state);
    if (!rc && !op->new_state)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "InvalidVpcEndpointId.NotFound: endpoint %s is gone",
                             id);
cleanup:
    json_decref(change);
    json_decref(ep);
    json_decref(want);
    return rc;
}

/* DeleteVpcEndpoints for one id; an endpoint that is already gone counts as deleted. */
static int delete_endpoint(vpce_provider *p, const char *id, int64_t timeout_ms)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *res = NULL;
    const char *ids[] = {id};
    vpce_aws_params_add_list(&params, "VpcEndpointId", ids, 1);
    vpce_aws_endpoint_lock(p, id);
    int rc = vpce_aws_call(vpce_aws_provider_client(p), "DeleteVpcEndpoints", &params, &res);
    vpce_aws_endpoint_unlock(p, id);
    if (rc == VPCE_ENOTFOUND)
        rc = 0;
    if (rc)
        goto cleanup;
    size_t i;
    const json_t *u;
    json_array_foreach(vpce_aws_ec2_list(res, "unsuccessful"), i, u)
    {
        const json_t *err = json_object_get(u, "error");
        const char *code = vpce_aws_ec2_str(err, "code");
        const char *msg = vpce_aws_ec2_str(err, "message");
        if (code && strstr(code, "NotFound"))
            continue;
        rc = vpce_error_set("%s: %s", code ? code : "DeleteVpcEndpoints",
                            msg ? msg : "the endpoint was not deleted");
        goto cleanup;
    }
    rc = vpce_aws_wait_endpoint(p, id, true, timeout_ms, NULL);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(res);
    return rc;
}

int vpce_aws_endpoint_delete(vpce_resource_op *op)
{
    const char *id = state_id(op->prior);
    if (!id)
        return vpce_error_setc(VPCE_EINVALID, "%s: the prior state has no id", op->address);
    return delete_endpoint(op->provider, id, op_timeout(op, "delete"));
}

int vpce_aws_endpoint_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    const char **ids = vpce_calloc(n ? n : 1, sizeof(*ids));
    const char **vpcs = vpce_calloc(n ? n : 1, sizeof(*vpcs));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        const char *id = state_id(priors[i]);
        if (id) {
            vpcs[k] = attr_str(priors[i], "vpc_id");
            ids[k++] = id;
        }
    }
    json_t *eps = NULL, *pls = NULL;
    int rc = describe_endpoints_batch(p, ids, vpcs, k, &eps);
    if (!rc)
        rc = describe_prefix_lists(p, eps, &pls);
    if (rc)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const char *id = state_id(priors[i]);
        const json_t *ep = id ? json_object_get(eps, id) : NULL;
        const char *st = ep ? vpce_aws_ec2_str(ep, "state") : NULL;
        if (!ep || (st && strcasecmp(st, "deleted") == 0))
            continue;
        out[i] = endpoint_state(p, ep, pls, priors[i]);
    }
cleanup:
    if (rc)
        for (size_t i = 0; i < n; i++) {
            json_decref(out[i]);
            out[i] = NULL;
        }
    json_decref(eps);
    json_decref(pls);
    free(ids);
    free(vpcs);
    return rc;
}

int vpce_aws_endpoint_import(vpce_provider *p, const char *id, json_t **out)
{
    int rc = read_endpoint(p, id, NULL, out);
    if (!rc && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidVpcEndpointId.NotFound: the endpoint '%s' does not exist", id);
    return rc;
}

/* ---- association resources ----------------------------------------------------------------- */

/* What distinguishes the three association resources. */
struct assoc_kind {
    const char *attr;      /* "route_table_id" */
    const char *ec2_list;  /* "routeTableIdSet" */
    const char *ec2_field; /* field of the list items, NULL for plain strings */
    const char *param;     /* "RouteTableId" (Add/Remove prefix) */
};

static const struct assoc_kind rt_kind = {"route_table_id", "routeTableIdSet", NULL,
                                          "RouteTableId"};
static const struct assoc_kind subnet_kind = {"subnet_id", "subnetIdSet", NULL, "SubnetId"};
static const struct assoc_kind sg_kind = {"security_group_id", "groupSet", "groupId",
                                          "SecurityGroupId"};

static char *assoc_id(const char *endpoint_id, const char *other)
{
    uint32_t h = 2166136261u;
    for (const char *c = other; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return vpce_asprintf("a-%s%u", endpoint_id, h);
}

static json_t *assoc_state(const struct assoc_kind *k, const char *endpoint_id, const char *other,
                           const json_t *ref)
{
    char *id = assoc_id(endpoint_id, other);
    json_t *st =
        json_pack("{s:s,s:s,s:s}", "id", id, "vpc_endpoint_id", endpoint_id, k->attr, other);
    free(id);
    const json_t *to = json_object_get(ref, "timeouts");
    if (to && !vpce_contains_unknown(to))
        json_object_set_new(st, "timeouts", json_deep_copy(to));
    else if (k == &subnet_kind)
        json_object_set_new(st, "timeouts", json_null());
    if (k == &sg_kind) {
        const json_t *r = json_object_get(ref, "replace_default_association");
        json_object_set_new(st, "replace_default_association",
                            json_is_boolean(r) ? json_incref((json_t *)r) : json_null());
    }
    return st;
}

static bool ep_has(const struct assoc_kind *k, const json_t *ep, const char *other)
{
    size_t i;
    const json_t *v;
    json_array_foreach(vpce_aws_ec2_list(ep, k->ec2_list), i, v)
    {
        const json_t *s = k->ec2_field ? json_object_get(v, k->ec2_field) : v;
        if (json_is_string(s) && strcmp(json_string_value(s), other) == 0)
            return true;
    }
    return false;
}

/* The VPC's default security group id (for replace_default_association). */
static int default_sg(vpce_provider *p, const char *vpc_id, char **out)
{
    *out = NULL;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    const char *vpc[] = {vpc_id};
    const char *name[] = {"default"};
    vpce_aws_params_add_filter(&params, "vpc-id", vpc, 1);
    vpce_aws_params_add_filter(&params, "group-name", name, 1);
    json_t *items = NULL;
    int rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeSecurityGroups", &params,
                                 "securityGroupInfo", &items);
    vpce_aws_params_release(&params);
    if (rc)
        return rc;
    const char *id = vpce_aws_ec2_str(json_array_get(items, 0), "groupId");
    if (id)
        *out = vpce_strdup(id);
    else
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidGroup.NotFound: vpc %s has no default "
                             "security group",
                             vpc_id);
    json_decref(items);
    return rc;
}

/* The change of an association: add (or remove) `other`; with replace_default also the default
 * security group the other way round. */
static int assoc_change(vpce_resource_op *op, const struct assoc_kind *k, const json_t *src,
                        bool add, int64_t timeout)
{
    const char *ep_id = attr_str(src, "vpc_endpoint_id");
    const char *other = attr_str(src, k->attr);
    if (!ep_id || !other)
        return vpce_error_setc(VPCE_EINVALID, "%s: vpc_endpoint_id and %s are required",
                               op->address, k->attr);
    json_t *change = json_object(), *ep = NULL;
    char *dflt = NULL;
    char name[64];
    int rc = 0;
    snprintf(name, sizeof(name), "%s%s", add ? "Add" : "Remove", k->param);
    json_object_set_new(change, name, json_pack("[s]", other));
    if (k == &sg_kind && vpce_aws_attr_bool(src, "replace_default_association") == 1) {
        json_t *eps = NULL;
        rc = describe_endpoints(op->provider, &ep_id, 1, &eps);
        const char *vpc = rc ? NULL : vpce_aws_ec2_str(json_object_get(eps, ep_id), "vpcId");
        if (!rc && vpc)
            rc = default_sg(op->provider, vpc, &dflt);
        json_decref(eps);
        if (rc)
            goto cleanup;
        if (dflt && strcmp(dflt, other) != 0) {
            snprintf(name, sizeof(name), "%s%s", add ? "Remove" : "Add", k->param);
            json_object_set_new(change, name, json_pack("[s]", dflt));
        }
    }
    rc = vpce_aws_endpoint_modify(op->provider, ep_id, change, timeout, &ep);
    if (rc == VPCE_ENOTFOUND && !add)
        rc = 0; /* the endpoint is gone, and the association with it */
cleanup:
    json_decref(change);
    json_decref(ep);
    free(dflt);
    return rc;
}

static int assoc_create(vpce_resource_op *op, const struct assoc_kind *k)
{
    int rc = assoc_change(op, k, op->config, true, op_timeout(op, "create"));
    if (rc)
        return rc;
    op->new_state = assoc_state(k, attr_str(op->config, "vpc_endpoint_id"),
                                attr_str(op->config, k->attr), op->config);
    return 0;
}

static int assoc_delete(vpce_resource_op *op, const struct assoc_kind *k)
{
    return assoc_change(op, k, op->prior, false, op_timeout(op, "delete"));
}

static int assoc_read_batch(const struct assoc_kind *k, vpce_provider *p, json_t *const *priors,
                            size_t n, json_t **out)
{
    const char **ids = vpce_calloc(n ? n : 1, sizeof(*ids));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        const char *id = attr_str(priors[i], "vpc_endpoint_id");
        if (id)
            ids[m++] = id;
    }
    json_t *eps = NULL;
    int rc = describe_endpoints(p, ids, m, &eps);
    if (rc)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const char *id = attr_str(priors[i], "vpc_endpoint_id");
        const char *other = attr_str(priors[i], k->attr);
        const json_t *ep = id ? json_object_get(eps, id) : NULL;
        const char *st = ep ? vpce_aws_ec2_str(ep, "state") : NULL;
        if (!ep || !other || (st && strcasecmp(st, "deleted") == 0) || !ep_has(k, ep, other))
            continue;
        out[i] = assoc_state(k, id, other, priors[i]);
    }
cleanup:
    json_decref(eps);
    free(ids);
    return rc;
}

static int assoc_import(const struct assoc_kind *k, vpce_provider *p, const char *id, json_t **out)
{
    *out = NULL;
    const char *slash = strchr(id, '/');
    if (!slash || slash == id || !slash[1])
        return vpce_error_setc(VPCE_EINVALID, "unexpected import id \"%s\": expected vpce-id/%s",
                               id, k->attr);
    char *ep_id = vpce_strndup(id, (size_t)(slash - id));
    json_t *prior = json_pack("{s:s,s:s}", "vpc_endpoint_id", ep_id, k->attr, slash + 1);
    json_t *const priors[] = {prior};
    int rc = assoc_read_batch(k, p, priors, 1, out);
    if (!rc && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "%s is not associated with endpoint %s", slash + 1,
                             ep_id);
    json_decref(prior);
    free(ep_id);
    return rc;
}

int vpce_aws_endpoint_assoc_update(vpce_resource_op *op)
{
    op->new_state = json_deep_copy(op->prior);
    const json_t *to = json_object_get(op->config, "timeouts");
    if (to && !vpce_contains_unknown(to))
        json_object_set_new(op->new_state, "timeouts", json_deep_copy(to));
    return 0;
}

int vpce_aws_endpoint_rt_assoc_create(vpce_resource_op *op)
{
    return assoc_create(op, &rt_kind);
}
int vpce_aws_endpoint_rt_assoc_delete(vpce_resource_op *op)
{
    return assoc_delete(op, &rt_kind);
}
int vpce_aws_endpoint_rt_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                          json_t **out)
{
    return assoc_read_batch(&rt_kind, p, priors, n, out);
}
int vpce_aws_endpoint_rt_assoc_import(vpce_provider *p, const char *id, json_t **out)
{
    return assoc_import(&rt_kind, p, id, out);
}
int vpce_aws_endpoint_subnet_assoc_create(vpce_resource_op *op)
{
    return assoc_create(op, &subnet_kind);
}
int vpce_aws_endpoint_subnet_assoc_delete(vpce_resource_op *op)
{
    return assoc_delete(op, &subnet_kind);
}
int vpce_aws_endpoint_subnet_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                              json_t **out)
{
    return assoc_read_batch(&subnet_kind, p, priors, n, out);
}
int vpce_aws_endpoint_subnet_assoc_import(vpce_provider *p, const char *id, json_t **out)
{
    return assoc_import(&subnet_kind, p, id, out);
}
int vpce_aws_endpoint_sg_assoc_create(vpce_resource_op *op)
{
    return assoc_create(op, &sg_kind);
}
int vpce_aws_endpoint_sg_assoc_delete(vpce_resource_op *op)
{
    return assoc_delete(op, &sg_kind);
}
int vpce_aws_endpoint_sg_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                          json_t **out)
{
    return assoc_read_batch(&sg_kind, p, priors, n, out);
}
int vpce_aws_endpoint_sg_assoc_import(vpce_provider *p, const char *id, json_t **out)
{
    return assoc_import(&sg_kind, p, id, out);
}

/* ---- aws_vpc_endpoint_policy --------------------------------------------------------------- */

static json_t *policy_state(const char *ep_id, const json_t *ep, const json_t *ref)
{
    json_t *st = json_pack("{s:s,s:s,s:o}", "id", ep_id, "vpc_endpoint_id", ep_id, "policy",
                           normalise_policy(vpce_aws_ec2_str(ep, "policyDocument")));
    const json_t *to = json_object_get(ref, "timeouts");
    json_object_set_new(st, "timeouts",
                        to && !vpce_contains_unknown(to) ? json_deep_copy(to) : json_null());
    return st;
}

static int policy_set(vpce_resource_op *op, const char *which)
{
    const char *ep_id = attr_str(op->config, "vpc_endpoint_id");
    if (!ep_id)
        return vpce_error_setc(VPCE_EINVALID, "%s: vpc_endpoint_id is required", op->address);
    const char *policy = attr_str(op->config, "policy");
    json_t *change = json_object(), *ep = NULL;
    if (policy)
        json_object_set_new(change, "PolicyDocument", json_string(policy));
    else
        json_object_set_new(change, "ResetPolicy", json_true());
    int rc = vpce_aws_endpoint_modify(op->provider, ep_id, change, op_timeout(op, which), &ep);
    if (!rc && !ep) {
        json_t *eps = NULL;
        rc = describe_endpoints(op->provider, &ep_id, 1, &eps);
        if (!rc)
            ep = json_incref(json_object_get(eps, ep_id));
        json_decref(eps);
    }
    if (!rc && !ep)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidVpcEndpointId.NotFound: the endpoint '%s' does not exist",
                             ep_id);
    if (!rc)
        op->new_state = policy_state(ep_id, ep, op->config);
    json_decref(change);
    json_decref(ep);
    return rc;
}

int vpce_aws_endpoint_policy_create(vpce_resource_op *op)
{
    return policy_set(op, "create");
}

int vpce_aws_endpoint_policy_update(vpce_resource_op *op)
{
    return policy_set(op, "update");
}

int vpce_aws_endpoint_policy_delete(vpce_resource_op *op)
{
    const char *ep_id = attr_str(op->prior, "vpc_endpoint_id");
    if (!ep_id)
        return vpce_error_setc(VPCE_EINVALID, "%s: the prior state has no vpc_endpoint_id",
                               op->address);
    json_t *change = json_pack("{s:b}", "ResetPolicy", 1);
    int rc = vpce_aws_endpoint_modify(op->provider, ep_id, change, op_timeout(op, "delete"), NULL);
    json_decref(change);
    return rc == VPCE_ENOTFOUND ? 0 : rc;
}

int vpce_aws_endpoint_policy_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                        json_t **out)
{
    const char **ids = vpce_calloc(n ? n : 1, sizeof(*ids));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        const char *id = attr_str(priors[i], "vpc_endpoint_id");
        if (id)
            ids[m++] = id;
    }
    json_t *eps = NULL;
    int rc = describe_endpoints(p, ids, m, &eps);
    if (rc)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const char *id = attr_str(priors[i], "vpc_endpoint_id");
        const json_t *ep = id ? json_object_get(eps, id) : NULL;
        const char *st = ep ? vpce_aws_ec2_str(ep, "state") : NULL;
        if (!ep || (st && strcasecmp(st, "deleted") == 0))
            continue;
        out[i] = policy_state(id, ep, priors[i]);
    }
cleanup:
    json_decref(eps);
    free(ids);
    return rc;
}

int vpce_aws_endpoint_policy_import(vpce_provider *p, const char *id, json_t **out)
{
    json_t *prior = json_pack("{s:s}", "vpc_endpoint_id", id);
    json_t *const priors[] = {prior};
    int rc = vpce_aws_endpoint_policy_read_batch(p, priors, 1, out);
    if (!rc && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidVpcEndpointId.NotFound: the endpoint '%s' does not exist", id);
    json_decref(prior);
    return rc;
}
