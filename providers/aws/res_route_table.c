/*
 * providers/aws/res_route_table.c: aws_route_table (with the inline `route` set),
 * aws_route_table_association and aws_route, with the Terraform AWS provider's semantics.
 *
 * The `route` set leaves out, as Terraform does, the local route and the routes that VPC
 * endpoints manage (gateway vpce-...). When `route` is not known in the configuration (not set),
 * routes are not managed. vpce's EC2 model has neither ReplaceRoute nor
 * ReplaceRouteTableAssociation, so a changed target is DeleteRoute + CreateRoute and a changed
 * route table of an association is Disassociate + Associate (a new association id).
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>

/* The route object's keys and EC2's names for them (Describe member, CreateRoute parameter). */
static const struct route_field {
    const char *attr;
    const char *ec2;
    const char *param;
    bool destination;
} route_fields[] = {
    {"cidr_block", "destinationCidrBlock", "DestinationCidrBlock", true},
    {"ipv6_cidr_block", "destinationIpv6CidrBlock", "DestinationIpv6CidrBlock", true},
    {"destination_prefix_list_id", "destinationPrefixListId", "DestinationPrefixListId", true},
    {"carrier_gateway_id", "carrierGatewayId", "CarrierGatewayId", false},
    {"core_network_arn", "coreNetworkArn", "CoreNetworkArn", false},
    {"egress_only_gateway_id", "egressOnlyInternetGatewayId", "EgressOnlyInternetGatewayId", false},
    {"gateway_id", "gatewayId", "GatewayId", false},
    {"local_gateway_id", "localGatewayId", "LocalGatewayId", false},
    {"nat_gateway_id", "natGatewayId", "NatGatewayId", false},
    {"network_interface_id", "networkInterfaceId", "NetworkInterfaceId", false},
    {"transit_gateway_id", "transitGatewayId", "TransitGatewayId", false},
    {"vpc_endpoint_id", "vpcEndpointId", "VpcEndpointId", false},
    {"vpc_peering_connection_id", "vpcPeeringConnectionId", "VpcPeeringConnectionId", false},
};
#define NFIELDS (sizeof(route_fields) / sizeof(route_fields[0]))

/* A route object (config or state) as a comparable key "field=value;..." (new string). */
static char *route_key(const json_t *r)
{
    vpce_buf b;
    vpce_buf_init(&b, 4096);
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = vpce_aws_attr_str(r, route_fields[i].attr);
        if (v)
            vpce_buf_printf(&b, "%s=%s;", route_fields[i].attr, v);
    }
    return vpce_buf_detach(&b);
}

/* The destination of a route object ("10.0.0.0/8", "pl-..."), or NULL. Borrowed. */
static const char *route_dest(const json_t *r, const struct route_field **which)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (route_fields[i].destination && vpce_aws_attr_str(r, route_fields[i].attr)) {
            if (which)
                *which = &route_fields[i];
            return vpce_aws_attr_str(r, route_fields[i].attr);
        }
    return NULL;
}

/* Whether an EC2 route belongs in the `route` set. */
static bool route_managed(const json_t *r)
{
    const char *gw = vpce_aws_ec2_str(r, "gatewayId");
    const char *origin = vpce_aws_ec2_str(r, "origin");
    if (gw && (strcmp(gw, "local") == 0 || strncmp(gw, "vpce-", 5) == 0))
        return false;
    if (origin && strcmp(origin, "CreateRouteTable") == 0)
        return false;
    if (origin && strcmp(origin, "EnableVgwRoutePropagation") == 0)
        return false;
    return true;
}

/* An EC2 route as a route object (new). */
static json_t *route_object(const json_t *r)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = vpce_aws_ec2_str(r, route_fields[i].ec2);
        vpce_aws_set_str(o, route_fields[i].attr, v && *v ? v : NULL);
    }
    return o;
}

/* The `route` set of a route table; objects equal in meaning to one of ref's keep ref's form
 * (so "" versus null never shows as a change). */
static json_t *route_set(const json_t *rt, const json_t *ref_routes)
{
    json_t *set = json_array();
    size_t i;
    const json_t *r;
    json_array_foreach(vpce_aws_ec2_list(rt, "routeSet"), i, r)
    {
        if (!route_managed(r))
            continue;
        json_t *o = route_object(r);
        char *k = route_key(o);
        size_t j;
        const json_t *ref;
        json_array_foreach(ref_routes, j, ref)
        {
            char *rk = route_key(ref);
            bool same = strcmp(k, rk) == 0;
            free(rk);
            if (same) {
                json_decref(o);
                o = json_deep_copy(ref);
                break;
            }
        }
        free(k);
        json_array_append_new(set, o);
    }
    return set;
}

static json_t *rtb_state(vpce_provider *p, const json_t *rt, const json_t *ref)
{
    json_t *st = json_object();
    const char *id = vpce_aws_ec2_str(rt, "routeTableId");
    const char *owner = vpce_aws_ec2_str(rt, "ownerId");
    vpce_aws_set_id_arn(st, p, "route-table", id, owner);
    vpce_aws_set_str(st, "owner_id", owner);
    vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(rt, "vpcId"));
    json_object_set_new(st, "route", route_set(rt, vpce_aws_attr_list(ref, "route")));
    json_object_set_new(
        st, "propagating_vgws",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(rt, "propagatingVgwSet"), "gatewayId", true));
    vpce_aws_set_tags(p, st, rt, ref);
    vpce_aws_copy_attr(st, ref, "timeouts");
    return st;
}

static const vpce_aws_kind rtb_kind = {
    .action = "DescribeRouteTables",
    .filter = "route-table-id",
    .list_key = "routeTableSet",
    .id_key = "routeTableId",
    .missing_code = "InvalidRouteTableID.NotFound",
    .noun = "route table ID",
    .state = rtb_state,
};

/* One DescribeRouteTables for the ids (route-table-id filter): id -> description (new). */
static int describe_rtbs(vpce_provider *p, const char *const *ids, size_t n, json_t **out)
{
    return vpce_aws_describe_by_filter(p, rtb_kind.action, rtb_kind.filter, rtb_kind.list_key,
                                       rtb_kind.id_key, ids, n, 0, out);
}

/* The description of route table id right after a write (new), or its not-found error. */
static int rtb_read_after_write(vpce_provider *p, const char *id, const json_t *ref,
                                json_t **out_rt)
{
    int rc = vpce_aws_describe_one(p, rtb_kind.action, rtb_kind.filter, rtb_kind.list_key,
                                   rtb_kind.id_key, id, VPCE_AWS_CONSISTENCY_MS, out_rt);
    (void)ref;
    if (rc == 0 && !*out_rt)
        rc = vpce_aws_kind_missing(&rtb_kind, id);
    return rc;
}

static int route_call(vpce_provider *p, const char *action, const char *rtb, const json_t *r,
                      bool with_target)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "RouteTableId", rtb);
    for (size_t i = 0; i < NFIELDS; i++) {
        if (!with_target && !route_fields[i].destination)
            continue;
        vpce_aws_params_add(&params, route_fields[i].param,
                            vpce_aws_attr_str(r, route_fields[i].attr));
    }
    int rc = vpce_aws_call_retry(p, action, &params, NULL, ".NotFound", VPCE_AWS_CONSISTENCY_MS);
    vpce_aws_params_release(&params);
    return rc;
}

/* Brings the managed routes of rt (a description) to want (a known array): deletes first (by
 * destination), then creates. */
static int sync_routes(vpce_provider *p, const json_t *rt, const json_t *want)
{
    const char *id = vpce_aws_ec2_str(rt, "routeTableId");
    json_t *have = route_set(rt, NULL);
    int rc = 0;
    size_t i, j;
    json_t *h;
    const json_t *w;
    json_array_foreach(have, i, h)
    {
        char *hk = route_key(h);
        bool keep = false;
        json_array_foreach(want, j, w)
        {
            char *wk = route_key(w);
            keep = keep || strcmp(hk, wk) == 0;
            free(wk);
        }
        free(hk);
        if (!keep && (rc = route_call(p, "DeleteRoute", id, h, false)) != 0)
            goto cleanup;
    }
    json_array_foreach(want, j, w)
    {
        char *wk = route_key(w);
        bool present = false;
        json_array_foreach(have, i, h)
        {
            char *hk = route_key(h);
            present = present || strcmp(hk, wk) == 0;
            free(hk);
        }
        free(wk);
        if (!present && (rc = route_call(p, "CreateRoute", id, w, true)) != 0)
            goto cleanup;
    }
cleanup:
    json_decref(have);
    return rc;
}

int vpce_aws_rtb_create(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL, *rt = NULL;
    vpce_aws_params_add(&params, "VpcId", vpce_aws_attr_str(op->config, "vpc_id"));
    vpce_aws_add_client_token(&params, op);
    int rc = vpce_aws_add_tag_spec(&params, op->provider, "route-table", op->config, op->address);
    if (rc)
        goto cleanup;
    rc = vpce_aws_call(vpce_aws_provider_client(op->provider), "CreateRouteTable", &params, &r);
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(json_object_get(r, "routeTable"), "routeTableId");
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from EC2 to CreateRouteTable: no routeTableId");
        goto cleanup;
    }
    rc = rtb_read_after_write(op->provider, id, op->config, &rt);
    if (rc)
        goto cleanup;
    const json_t *want = vpce_aws_attr_list(op->config, "route");
    if (want && json_array_size(want)) {
        rc = sync_routes(op->provider, rt, want);
        json_decref(rt);
        rt = NULL;
        if (rc == 0)
            rc = rtb_read_after_write(op->provider, id, op->config, &rt);
        if (rc)
            goto cleanup;
    }
    op->new_state = rtb_state(op->provider, rt, op->config);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(r);
    json_decref(rt);
    return rc;
}

int vpce_aws_rtb_update(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    json_t *rt = NULL;
    int rc = rtb_read_after_write(op->provider, id, op->config, &rt);
    if (rc)
        goto cleanup;
    const json_t *want = vpce_aws_attr_list(op->config, "route");
    if (want) {
        rc = sync_routes(op->provider, rt, want);
        if (rc)
            goto cleanup;
    }
    rc = vpce_aws_update_op_tags(op);
    if (rc)
        goto cleanup;
    json_decref(rt);
    rt = NULL;
    rc = rtb_read_after_write(op->provider, id, op->config, &rt);
    if (rc == 0)
        op->new_state = rtb_state(op->provider, rt, op->config);
cleanup:
    json_decref(rt);
    return rc;
}

int vpce_aws_rtb_delete(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "RouteTableId", vpce_aws_state_id(op->prior));
    int rc =
        vpce_aws_call(vpce_aws_provider_client(op->provider), "DeleteRouteTable", &params, NULL);
    vpce_aws_params_release(&params);
    return vpce_aws_gone_ok(rc);
}

int vpce_aws_rtb_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    return vpce_aws_kind_read_batch(p, &rtb_kind, priors, n, out);
}

int vpce_aws_rtb_import(vpce_provider *p, const char *id, json_t **out)
{
    return vpce_aws_kind_import(p, &rtb_kind, id, out);
}

/* ---- aws_route_table_association ---------------------------------------------------------- */

static json_t *assoc_state(const json_t *a)
{
    json_t *st = json_object();
    vpce_aws_set_str(st, "id", vpce_aws_ec2_str(a, "routeTableAssociationId"));
    vpce_aws_set_str(st, "route_table_id", vpce_aws_ec2_str(a, "routeTableId"));
    vpce_aws_set_str(st, "subnet_id", vpce_aws_ec2_str(a, "subnetId"));
    vpce_aws_set_str(st, "gateway_id", vpce_aws_ec2_str(a, "gatewayId"));
    return st;
}

/* Every association of the route tables found by one DescribeRouteTables with filter
 * filter=values: association id -> association (new object). */
static int describe_assocs(vpce_provider *p, const char *filter, const char *const *values,
                           size_t n, json_t **out)
{
    json_t *rts = NULL;
    *out = json_object();
    int rc = vpce_aws_describe_by_filter(p, "DescribeRouteTables", filter, "routeTableSet",
                                         "routeTableId", values, n, 0, &rts);
    const char *k;
    json_t *rt;
    json_object_foreach(rts, k, rt)
    {
        size_t i;
        json_t *a;
        json_array_foreach(vpce_aws_ec2_list(rt, "associationSet"), i, a)
        {
            const char *id = vpce_aws_ec2_str(a, "routeTableAssociationId");
            const char *state = vpce_aws_ec2_str(json_object_get(a, "associationState"), "state");
            if (id && !(state && strcmp(state, "disassociated") == 0))
                json_object_set(*out, id, a);
        }
    }
    json_decref(rts);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static int assoc_wait(vpce_provider *p, const char *id, json_t **out)
{
    int64_t deadline = vpce_now_ms() + VPCE_AWS_CONSISTENCY_MS;
    int64_t delay = 100;
    for (;;) {
        json_t *all = NULL;
        int rc = describe_assocs(p, "association.route-table-association-id", &id, 1, &all);
        if (rc)
            return rc;
        const json_t *a = json_object_get(all, id);
        if (a) {
            *out = assoc_state(a);
            json_decref(all);
            return 0;
        }
        json_decref(all);
        if (vpce_now_ms() + delay > deadline)
            return vpce_error_setc(VPCE_ENOTFOUND,
                                   "InvalidAssociationID.NotFound: the association ID '%s' does "
                                   "not exist",
                                   id);
        vpce_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

static int associate(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL;
    vpce_aws_params_add(&params, "RouteTableId", vpce_aws_attr_str(op->config, "route_table_id"));
    const char *subnet = vpce_aws_attr_str(op->config, "subnet_id");
    const char *gw = vpce_aws_attr_str(op->config, "gateway_id");
    int rc;
    if ((subnet == NULL) == (gw == NULL)) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "%s: exactly one of subnet_id and gateway_id must be set",
                             op->address ? op->address : "aws_route_table_association");
        goto cleanup;
    }
    vpce_aws_params_add(&params, "SubnetId", subnet);
    vpce_aws_params_add(&params, "GatewayId", gw);
    rc = vpce_aws_call_retry(op->provider, "AssociateRouteTable", &params, &r, ".NotFound",
                             VPCE_AWS_CONSISTENCY_MS);
    if (rc && strcmp(vpce_aws_last_error_code(), "Resource.AlreadyAssociated") == 0) {
        /* A retried request whose first attempt went through: adopt the association when it
         * is with this very route table. */
        char *imp = vpce_asprintf("%s/%s", subnet ? subnet : gw,
                                  vpce_aws_attr_str(op->config, "route_table_id"));
        char *msg = vpce_strdup(vpce_error_last());
        json_t *found = NULL;
        if (vpce_aws_rtb_assoc_import(op->provider, imp, &found) == 0) {
            vpce_error_clear();
            op->new_state = found;
            rc = 0;
        } else {
            vpce_error_set("%s", msg);
        }
        free(msg);
        free(imp);
        goto cleanup;
    }
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(r, "associationId");
    if (!id) {
        rc = vpce_error_setc(
            VPCE_EINVALID, "unexpected response from EC2 to AssociateRouteTable: no associationId");
        goto cleanup;
    }
    rc = assoc_wait(op->provider, id, &op->new_state);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(r);
    return rc;
}

static int disassociate(vpce_provider *p, const char *id)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "AssociationId", id);
    int rc = vpce_aws_call(vpce_aws_provider_client(p), "DisassociateRouteTable", &params, NULL);
    vpce_aws_params_release(&params);
    return vpce_aws_gone_ok(rc);
}

int vpce_aws_rtb_assoc_create(vpce_resource_op *op)
{
    return associate(op);
}

int vpce_aws_rtb_assoc_update(vpce_resource_op *op)
{
    int rc = disassociate(op->provider, vpce_aws_state_id(op->prior));
    return rc ? rc : associate(op);
}

int vpce_aws_rtb_assoc_delete(vpce_resource_op *op)
{
    return disassociate(op->provider, vpce_aws_state_id(op->prior));
}

int vpce_aws_rtb_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    size_t count = 0;
    const char **packed = NULL;
    const char **ids = vpce_aws_prior_ids(priors, n, &packed, &count);
    json_t *all = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    if (count)
        rc = describe_assocs(p, "association.route-table-association-id", packed, count, &all);
    for (size_t i = 0; i < n && rc == 0 && count; i++) {
        const json_t *a = ids[i] ? json_object_get(all, ids[i]) : NULL;
        if (a)
            out[i] = assoc_state(a);
    }
    json_decref(all);
    free(ids);
    free(packed);
    return rc;
}

/* Imports "rtbassoc-...", or Terraform's "subnet-x/rtb-y" and "igw-x/rtb-y". */
int vpce_aws_rtb_assoc_import(vpce_provider *p, const char *id, json_t **out)
{
    json_t *all = NULL;
    *out = NULL;
    int rc;
    const char *slash = strchr(id, '/');
    if (!slash) {
        rc = describe_assocs(p, "association.route-table-association-id", &id, 1, &all);
        const json_t *a = json_object_get(all, id);
        if (rc == 0 && a)
            *out = assoc_state(a);
    } else {
        char *target = vpce_strndup(id, (size_t)(slash - id));
        const char *rtb = slash + 1;
        rc = describe_assocs(p, "route-table-id", &rtb, 1, &all);
        const char *k;
        json_t *a;
        json_object_foreach(all, k, a)
        {
            const char *s = vpce_aws_ec2_str(a, "subnetId");
            const char *g = vpce_aws_ec2_str(a, "gatewayId");
            if (!*out && ((s && strcmp(s, target) == 0) || (g && strcmp(g, target) == 0)))
                *out = assoc_state(a);
        }
        free(target);
    }
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidAssociationID.NotFound: no route table association '%s'", id);
    json_decref(all);
    return rc;
}

/* ---- aws_route ---------------------------------------------------------------------------- */

/* Terraform's id shape: "r-" + route table id + a hash of the destination. */
static char *route_id(const char *rtb, const char *dest)
{
    return vpce_asprintf("r-%s%u", rtb, (unsigned)vpce_aws_hash32(dest));
}

/* The aws_route attributes as a route object (new) for route_call(). */
static json_t *route_from_resource(const json_t *cfg)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *attr = route_fields[i].attr;
        char name[64];
        if (route_fields[i].destination) {
            snprintf(name, sizeof(name), "destination_%s",
                     strncmp(attr, "destination_", 12) == 0 ? attr + 12 : attr);
        } else {
            snprintf(name, sizeof(name), "%s", attr);
        }
        vpce_aws_set_str(o, attr, vpce_aws_attr_str(cfg, name));
    }
    return o;
}

static json_t *aws_route_state(const char *rtb, const json_t *r, const json_t *ref)
{
    json_t *st = json_object();
    json_t *o = route_object(r);
    const char *dest = route_dest(o, NULL);
    char *id = route_id(rtb, dest ? dest : "");
    vpce_aws_set_str(st, "id", id);
    free(id);
    vpce_aws_set_str(st, "route_table_id", rtb);
    vpce_aws_set_str(st, "destination_cidr_block", vpce_aws_attr_str(o, "cidr_block"));
    vpce_aws_set_str(st, "destination_ipv6_cidr_block", vpce_aws_attr_str(o, "ipv6_cidr_block"));
    vpce_aws_set_str(st, "destination_prefix_list_id",
                     vpce_aws_attr_str(o, "destination_prefix_list_id"));
    for (size_t i = 0; i < NFIELDS; i++)
        if (!route_fields[i].destination)
            vpce_aws_set_str(st, route_fields[i].attr, vpce_aws_attr_str(o, route_fields[i].attr));
    vpce_aws_set_str(st, "instance_id", vpce_aws_ec2_str(r, "instanceId"));
    vpce_aws_set_str(st, "instance_owner_id", vpce_aws_ec2_str(r, "instanceOwnerId"));
    vpce_aws_set_str(st, "origin", vpce_aws_ec2_str(r, "origin"));
    vpce_aws_set_str(st, "state", vpce_aws_ec2_str(r, "state"));
    vpce_aws_copy_attr(st, ref, "timeouts");
    json_decref(o);
    return st;
}

/* The route of rt (a description) whose destination is that of want (a route object). */
static const json_t *find_route(const json_t *rt, const json_t *want)
{
    const struct route_field *f = NULL;
    const char *dest = route_dest(want, &f);
    size_t i;
    const json_t *r;
    if (!dest)
        return NULL;
    json_array_foreach(vpce_aws_ec2_list(rt, "routeSet"), i, r)
    {
        const char *d = vpce_aws_ec2_str(r, f->ec2);
        if (d && strcmp(d, dest) == 0)
            return r;
    }
    return NULL;
}

static int route_read(vpce_provider *p, const json_t *cfg, int64_t wait_ms, json_t **out)
{
    const char *rtb = vpce_aws_attr_str(cfg, "route_table_id");
    json_t *want = route_from_resource(cfg);
    int64_t deadline = vpce_now_ms() + wait_ms;
    int64_t delay = 100;
    int rc = 0;
    *out = NULL;
    for (;;) {
        json_t *rt = NULL;
        rc = vpce_aws_describe_one(p, "DescribeRouteTables", "route-table-id", "routeTableSet",
                                   "routeTableId", rtb, 0, &rt);
        if (rc)
            break;
        const json_t *r = rt ? find_route(rt, want) : NULL;
        if (r)
            *out = aws_route_state(rtb, r, cfg);
        json_decref(rt);
        if (*out || vpce_now_ms() + delay > deadline)
            break;
        vpce_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
    json_decref(want);
    return rc;
}

int vpce_aws_route_create(vpce_resource_op *op)
{
    json_t *r = route_from_resource(op->config);
    const char *rtb = vpce_aws_attr_str(op->config, "route_table_id");
    int rc;
    if (!route_dest(r, NULL)) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "%s: one of destination_cidr_block, destination_ipv6_cidr_block and "
                             "destination_prefix_list_id must be set",
                             op->address ? op->address : "aws_route");
        goto cleanup;
    }
    rc = route_call(op->provider, "CreateRoute", rtb, r, true);
    if (rc && strcmp(vpce_aws_last_error_code(), "RouteAlreadyExists") == 0) {
        /* A retried request whose first attempt went through: adopt the route when it has the
         * configured target; any other route to that destination is EC2's error. */
        json_t *have = NULL;
        char *msg = vpce_strdup(vpce_error_last());
        if (route_read(op->provider, op->config, 0, &have) == 0 && have) {
            bool same = true;
            for (size_t i = 0; i < NFIELDS; i++) {
                const char *a = route_fields[i].attr;
                if (route_fields[i].destination)
                    continue;
                const char *want = vpce_aws_attr_str(op->config, a);
                const char *got = vpce_aws_attr_str(have, a);
                if (want && (!got || strcmp(want, got) != 0))
                    same = false;
            }
            if (same) {
                vpce_error_clear();
                op->new_state = have;
                have = NULL;
                rc = 0;
            }
        }
        if (rc)
            vpce_error_set("%s", msg);
        free(msg);
        json_decref(have);
        goto cleanup;
    }
    if (rc)
        goto cleanup;
    rc = route_read(op->provider, op->config, VPCE_AWS_CONSISTENCY_MS, &op->new_state);
    if (rc == 0 && !op->new_state)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidRoute.NotFound: route in '%s' not found "
                             "after creation",
                             rtb);
cleanup:
    json_decref(r);
    return rc;
}

int vpce_aws_route_update(vpce_resource_op *op)
{
    /* Only the target changes here (the destination forces a replacement). */
    json_t *r = route_from_resource(op->config);
    int rc = vpce_aws_gone_ok(route_call(
        op->provider, "DeleteRoute", vpce_aws_attr_str(op->config, "route_table_id"), r, false));
    json_decref(r);
    if (rc)
        return rc;
    return vpce_aws_route_create(op);
}

int vpce_aws_route_delete(vpce_resource_op *op)
{
    json_t *r = route_from_resource(op->prior);
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "RouteTableId", vpce_aws_attr_str(op->prior, "route_table_id"));
    for (size_t i = 0; i < NFIELDS; i++)
        if (route_fields[i].destination)
            vpce_aws_params_add(&params, route_fields[i].param,
                                vpce_aws_attr_str(r, route_fields[i].attr));
    int rc = vpce_aws_call(vpce_aws_provider_client(op->provider), "DeleteRoute", &params, NULL);
    vpce_aws_params_release(&params);
    json_decref(r);
    return vpce_aws_gone_ok(rc);
}

int vpce_aws_route_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    const char **rtbs = vpce_calloc(n ? n : 1, sizeof(*rtbs));
    size_t k = 0;
    json_t *all = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        const char *rtb = vpce_aws_attr_str(priors[i], "route_table_id");
        if (rtb)
            rtbs[k++] = rtb;
    }
    if (k)
        rc = describe_rtbs(p, rtbs, k, &all);
    for (size_t i = 0; i < n && rc == 0 && k; i++) {
        const char *rtb = vpce_aws_attr_str(priors[i], "route_table_id");
        const json_t *rt = rtb ? json_object_get(all, rtb) : NULL;
        if (!rt)
            continue;
        json_t *want = route_from_resource(priors[i]);
        const json_t *r = find_route(rt, want);
        if (r)
            out[i] = aws_route_state(rtb, r, priors[i]);
        json_decref(want);
    }
    json_decref(all);
    free(rtbs);
    return rc;
}

/* Imports Terraform's "rtb-x_destination" (CIDR, IPv6 CIDR or prefix list id). */
int vpce_aws_route_import(vpce_provider *p, const char *id, json_t **out)
{
    *out = NULL;
    const char *us = strchr(id, '_');
    if (!us)
        return vpce_error_setc(VPCE_EINVALID, "import id '%s': expected ROUTETABLEID_DESTINATION",
                               id);
    char *rtb = vpce_strndup(id, (size_t)(us - id));
    const char *dest = us + 1;
    const char *key = strncmp(dest, "pl-", 3) == 0 ? "destination_prefix_list_id"
                      : strchr(dest, ':')          ? "destination_ipv6_cidr_block"
                                                   : "destination_cidr_block";
    json_t *cfg = json_pack("{s:s,s:s}", "route_table_id", rtb, key, dest);
    int rc = route_read(p, cfg, 0, out);
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "InvalidRoute.NotFound: no route to '%s' in '%s'",
                             dest, rtb);
    json_decref(cfg);
    free(rtb);
    return rc;
}
