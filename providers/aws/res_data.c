/*
 * providers/aws/res_data.c: the data sources of the "aws" provider, with the Terraform AWS
 * provider's semantics. Arguments become EC2 filters (with the `filter` blocks and `tags` as
 * tag:KEY filters); the singular data sources need exactly one match. The result is the
 * configuration with every computed attribute filled in.
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>

/* ---- shared ------------------------------------------------------------------------------- */

/* Adds the `filter` blocks and `tags` (as tag:KEY filters) of config. */
static int add_filters(vpce_aws_params *params, const json_t *config, bool with_tags)
{
    size_t i;
    const json_t *f;
    json_array_foreach(vpce_aws_attr_list(config, "filter"), i, f)
    {
        const char *name = vpce_aws_attr_str(f, "name");
        const json_t *values = vpce_aws_attr_list(f, "values");
        size_t n = json_array_size(values);
        const char **v = vpce_calloc(n ? n : 1, sizeof(*v));
        for (size_t j = 0; j < n; j++)
            v[j] = json_string_value(json_array_get(values, j));
        if (name)
            vpce_aws_params_add_filter(params, name, v, n);
        free(v);
    }
    const json_t *tags = json_object_get(config, "tags");
    if (with_tags && json_is_object(tags) && !vpce_contains_unknown(tags)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)tags, k, v)
        {
            if (!json_is_string(v))
                return vpce_error_setc(VPCE_EINVALID, "tag '%s': the value must be a string", k);
            char name[300];
            snprintf(name, sizeof(name), "tag:%s", k);
            const char *val = json_string_value(v);
            vpce_aws_params_add_filter(params, name, &val, 1);
        }
    }
    return 0;
}

/* Adds filter `filter` = config[attr] when it is known (strings, or booleans as "true"). */
static void add_attr_filter(vpce_aws_params *params, const json_t *config, const char *attr,
                            const char *filter)
{
    const json_t *v = json_object_get(config, attr);
    const char *s = NULL;
    if (json_is_boolean(v))
        s = json_is_true(v) ? "true" : "false";
    else
        s = vpce_aws_attr_str(config, attr);
    if (s)
        vpce_aws_params_add_filter(params, filter, &s, 1);
}

/* Describes with params (flags as vpce_aws_call_flags()) and requires exactly one item (*out: new
 * reference). */
static int describe_one_match_flags(vpce_provider *p, const char *action,
                                    const vpce_aws_params *params, const char *list_key,
                                    const char *what, const char *plural, unsigned flags,
                                    json_t **out)
{
    json_t *items = NULL;
    *out = NULL;
    int rc = vpce_aws_call_paged_flags(vpce_aws_provider_client(p), action, params, list_key, flags,
                                       &items);
    if (rc)
        return rc;
    if (json_array_size(items) == 0)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "no matching %s found", what);
    else if (json_array_size(items) > 1)
        rc = vpce_error_setc(VPCE_EINVALID,
                             "multiple %s matched; use additional constraints to reduce matches "
                             "to a single %s",
                             plural, what);
    else
        *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

static int describe_one_match(vpce_provider *p, const char *action, const vpce_aws_params *params,
                              const char *list_key, const char *what, const char *plural,
                              json_t **out)
{
    return describe_one_match_flags(p, action, params, list_key, what, plural, 0, out);
}

/* The result: a copy of the configuration (unknowns become null) to fill in. */
static json_t *result_from(const json_t *config)
{
    json_t *st = json_is_object(config) ? json_deep_copy(config) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach(st, k, v)
    {
        if (vpce_contains_unknown(v))
            json_object_set_new(st, k, json_null());
    }
    return st;
}

static int vpc_attr(vpce_provider *p, const char *id, const char *attr, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "Attribute", attr);
    vpce_aws_params_add(&params, "VpcId", id);
    json_t *r = NULL;
    int rc = vpce_aws_call(vpce_aws_provider_client(p), "DescribeVpcAttribute", &params, &r);
    vpce_aws_params_release(&params);
    if (rc == 0)
        *out = vpce_aws_ec2_bool(json_object_get(r, attr), "value");
    json_decref(r);
    return rc;
}

/* ---- aws_vpc ------------------------------------------------------------------------------ */

int vpce_aws_data_vpc_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *v = NULL, *rt = NULL, *st = NULL;
    *out = NULL;
    add_attr_filter(&params, config, "id", "vpc-id");
    add_attr_filter(&params, config, "cidr_block", "cidr");
    add_attr_filter(&params, config, "default", "is-default");
    add_attr_filter(&params, config, "dhcp_options_id", "dhcp-options-id");
    add_attr_filter(&params, config, "state", "state");
    int rc = add_filters(&params, config, true);
    if (rc == 0)
        rc = describe_one_match(p, "DescribeVpcs", &params, "vpcSet", "VPC", "VPCs", &v);
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(v, "vpcId");
    const char *owner = vpce_aws_ec2_str(v, "ownerId");
    st = result_from(config);
    vpce_aws_set_id_arn(st, p, "vpc", id, owner);
    vpce_aws_set_str(st, "cidr_block", vpce_aws_ec2_str(v, "cidrBlock"));
    json_t *dflt = vpce_aws_ec2_bool(v, "isDefault");
    json_object_set_new(st, "default", json_is_null(dflt) ? json_false() : dflt);
    vpce_aws_set_str(st, "dhcp_options_id", vpce_aws_ec2_str(v, "dhcpOptionsId"));
    vpce_aws_set_str(st, "state", vpce_aws_ec2_str(v, "state"));
    vpce_aws_set_str(st, "instance_tenancy", vpce_aws_ec2_str(v, "instanceTenancy"));
    vpce_aws_set_str(st, "owner_id", owner);
    const json_t *v6 = json_array_get(vpce_aws_ec2_list(v, "ipv6CidrBlockAssociationSet"), 0);
    vpce_aws_set_str(st, "ipv6_cidr_block", vpce_aws_ec2_str(v6, "ipv6CidrBlock"));
    json_object_set_new(st, "tags", vpce_aws_ec2_tags(v));
    json_t *b = NULL;
    rc = vpc_attr(p, id, "enableDnsSupport", &b);
    if (rc)
        goto cleanup;
    json_object_set_new(st, "enable_dns_support", b);
    rc = vpc_attr(p, id, "enableDnsHostnames", &b);
    if (rc)
        goto cleanup;
    json_object_set_new(st, "enable_dns_hostnames", b);
    vpce_aws_params_release(&params);
    vpce_aws_params_init(&params);
    const char *yes = "true";
    vpce_aws_params_add_filter(&params, "association.main", &yes, 1);
    vpce_aws_params_add_filter(&params, "vpc-id", &id, 1);
    rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeRouteTables", &params,
                             "routeTableSet", &rt);
    if (rc)
        goto cleanup;
    vpce_aws_set_str(st, "main_route_table_id",
                     vpce_aws_ec2_str(json_array_get(rt, 0), "routeTableId"));
    *out = st;
    st = NULL;
cleanup:
    vpce_aws_params_release(&params);
    json_decref(v);
    json_decref(rt);
    json_decref(st);
    return rc;
}

/* ---- aws_subnet / aws_subnets ------------------------------------------------------------- */

int vpce_aws_data_subnet_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *s = NULL;
    *out = NULL;
    add_attr_filter(&params, config, "id", "subnet-id");
    add_attr_filter(&params, config, "vpc_id", "vpc-id");
    add_attr_filter(&params, config, "cidr_block", "cidr-block");
    add_attr_filter(&params, config, "availability_zone", "availability-zone");
    add_attr_filter(&params, config, "availability_zone_id", "availability-zone-id");
    add_attr_filter(&params, config, "default_for_az", "default-for-az");
    add_attr_filter(&params, config, "state", "state");
    int rc = add_filters(&params, config, true);
    if (rc == 0)
        rc =
            describe_one_match(p, "DescribeSubnets", &params, "subnetSet", "subnet", "subnets", &s);
    if (rc == 0) {
        json_t *st = result_from(config);
        const char *id = vpce_aws_ec2_str(s, "subnetId");
        const char *owner = vpce_aws_ec2_str(s, "ownerId");
        vpce_aws_set_id_arn(st, p, "subnet", id, owner);
        vpce_aws_set_str(st, "owner_id", owner);
        vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(s, "vpcId"));
        vpce_aws_set_str(st, "cidr_block", vpce_aws_ec2_str(s, "cidrBlock"));
        vpce_aws_set_str(st, "availability_zone", vpce_aws_ec2_str(s, "availabilityZone"));
        vpce_aws_set_str(st, "availability_zone_id", vpce_aws_ec2_str(s, "availabilityZoneId"));
        vpce_aws_set_str(st, "state", vpce_aws_ec2_str(s, "state"));
        json_t *d = vpce_aws_ec2_bool(s, "defaultForAz");
        json_object_set_new(st, "default_for_az", json_is_null(d) ? json_false() : d);
        json_t *m = vpce_aws_ec2_bool(s, "mapPublicIpOnLaunch");
        json_object_set_new(st, "map_public_ip_on_launch", json_is_null(m) ? json_false() : m);
        json_object_set_new(st, "available_ip_address_count",
                            vpce_aws_ec2_int(s, "availableIpAddressCount"));
        const json_t *v6 = json_array_get(vpce_aws_ec2_list(s, "ipv6CidrBlockAssociationSet"), 0);
        vpce_aws_set_str(st, "ipv6_cidr_block", vpce_aws_ec2_str(v6, "ipv6CidrBlock"));
        json_object_set_new(st, "tags", vpce_aws_ec2_tags(s));
        *out = st;
    }
    vpce_aws_params_release(&params);
    json_decref(s);
    return rc;
}

int vpce_aws_data_subnets_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *items = NULL;
    *out = NULL;
    int rc = add_filters(&params, config, true);
    if (rc == 0)
        rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeSubnets", &params,
                                 "subnetSet", &items);
    if (rc == 0) {
        json_t *st = result_from(config);
        vpce_aws_set_str(st, "id", vpce_aws_provider_region(p));
        json_object_set_new(st, "ids", vpce_aws_ec2_strings(items, "subnetId", false));
        *out = st;
    }
    vpce_aws_params_release(&params);
    json_decref(items);
    return rc;
}

/* ---- aws_route_table ---------------------------------------------------------------------- */

int vpce_aws_data_route_table_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *rt = NULL;
    *out = NULL;
    add_attr_filter(&params, config, "route_table_id", "route-table-id");
    add_attr_filter(&params, config, "subnet_id", "association.subnet-id");
    add_attr_filter(&params, config, "gateway_id", "association.gateway-id");
    add_attr_filter(&params, config, "vpc_id", "vpc-id");
    int rc = add_filters(&params, config, true);
    if (rc == 0)
        rc = describe_one_match(p, "DescribeRouteTables", &params, "routeTableSet", "route table",
                                "route tables", &rt);
    if (rc)
        goto cleanup;
    json_t *st = result_from(config);
    const char *id = vpce_aws_ec2_str(rt, "routeTableId");
    const char *owner = vpce_aws_ec2_str(rt, "ownerId");
    vpce_aws_set_str(st, "id", id);
    vpce_aws_set_str(st, "route_table_id", id);
    char *arn = vpce_aws_arn(p, owner, "route-table", id);
    vpce_aws_set_str(st, "arn", arn);
    free(arn);
    vpce_aws_set_str(st, "owner_id", owner);
    vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(rt, "vpcId"));
    json_object_set_new(st, "tags", vpce_aws_ec2_tags(rt));
    static const char *const route_keys[][2] = {
        {"cidr_block", "destinationCidrBlock"},
        {"ipv6_cidr_block", "destinationIpv6CidrBlock"},
        {"destination_prefix_list_id", "destinationPrefixListId"},
        {"gateway_id", "gatewayId"},
        {"nat_gateway_id", "natGatewayId"},
        {"network_interface_id", "networkInterfaceId"},
        {"transit_gateway_id", "transitGatewayId"},
        {"vpc_endpoint_id", "vpcEndpointId"},
        {"vpc_peering_connection_id", "vpcPeeringConnectionId"},
    };
    json_t *routes = json_array();
    size_t i;
    const json_t *r;
    json_array_foreach(vpce_aws_ec2_list(rt, "routeSet"), i, r)
    {
        const char *gw = vpce_aws_ec2_str(r, "gatewayId");
        if (gw && strcmp(gw, "local") == 0)
            continue; /* as Terraform: the local route is left out */
        json_t *o = json_object();
        for (size_t k = 0; k < sizeof(route_keys) / sizeof(route_keys[0]); k++) {
            const char *v = vpce_aws_ec2_str(r, route_keys[k][1]);
            json_object_set_new(o, route_keys[k][0], json_string(v ? v : ""));
        }
        json_array_append_new(routes, o);
    }
    json_object_set_new(st, "routes", routes);
    json_t *assocs = json_array();
    const json_t *a;
    json_array_foreach(vpce_aws_ec2_list(rt, "associationSet"), i, a)
    {
        json_t *o = json_object();
        const char *keys[][2] = {{"route_table_association_id", "routeTableAssociationId"},
                                 {"route_table_id", "routeTableId"},
                                 {"subnet_id", "subnetId"},
                                 {"gateway_id", "gatewayId"}};
        for (size_t k = 0; k < 4; k++) {
            const char *v = vpce_aws_ec2_str(a, keys[k][1]);
            json_object_set_new(o, keys[k][0], json_string(v ? v : ""));
        }
        json_t *m = vpce_aws_ec2_bool(a, "main");
        json_object_set_new(o, "main", json_is_null(m) ? json_false() : m);
        json_array_append_new(assocs, o);
    }
    json_object_set_new(st, "associations", assocs);
    *out = st;
cleanup:
    vpce_aws_params_release(&params);
    json_decref(rt);
    return rc;
}

/* ---- aws_security_group ------------------------------------------------------------------- */

int vpce_aws_data_security_group_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *g = NULL;
    *out = NULL;
    add_attr_filter(&params, config, "id", "group-id");
    add_attr_filter(&params, config, "name", "group-name");
    add_attr_filter(&params, config, "vpc_id", "vpc-id");
    int rc = add_filters(&params, config, true);
    if (rc == 0)
        rc = describe_one_match(p, "DescribeSecurityGroups", &params, "securityGroupInfo",
                                "security group", "security groups", &g);
    if (rc == 0) {
        json_t *st = result_from(config);
        const char *id = vpce_aws_ec2_str(g, "groupId");
        const char *owner = vpce_aws_ec2_str(g, "ownerId");
        vpce_aws_set_id_arn(st, p, "security-group", id, owner);
        vpce_aws_set_str(st, "name", vpce_aws_ec2_str(g, "groupName"));
        vpce_aws_set_str(st, "description", vpce_aws_ec2_str(g, "groupDescription"));
        vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(g, "vpcId"));
        json_object_set_new(st, "tags", vpce_aws_ec2_tags(g));
        *out = st;
    }
    vpce_aws_params_release(&params);
    json_decref(g);
    return rc;
}

/* ---- aws_vpc_endpoint_service ------------------------------------------------------------- */

/* The parameters of a DescribeVpcEndpointServices for config: the service's name as the
 * service-name filter, or as ServiceName.1 where the server refused that filter. */
static int service_params(vpce_aws_params *params, const json_t *config, const char *name,
                          bool by_param)
{
    vpce_aws_params_init(params);
    if (name && by_param)
        vpce_aws_params_add(params, "ServiceName.1", name);
    else if (name)
        vpce_aws_params_add_filter(params, "service-name", &name, 1);
    add_attr_filter(params, config, "service_type", "service-type");
    return add_filters(params, config, true);
}

int vpce_aws_data_endpoint_service_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *s = NULL;
    char *name = NULL;
    *out = NULL;
    const char *service = vpce_aws_attr_str(config, "service");
    const char *service_name = vpce_aws_attr_str(config, "service_name");
    int rc = 0;
    if (service && service_name) {
        rc = vpce_error_setc(VPCE_EINVALID, "only one of service and service_name may be set");
        goto cleanup;
    }
    if (service)
        name = vpce_asprintf("com.amazonaws.%s.%s", vpce_aws_provider_region(p), service);
    else if (service_name)
        name = vpce_strdup(service_name);
    static const char action[] = "DescribeVpcEndpointServices";
    bool by_param =
        name && vpce_aws_client_filter_refused(vpce_aws_provider_client(p), action, "service-name");
    rc = service_params(&params, config, name, by_param);
    if (rc == 0)
        rc = describe_one_match_flags(p, action, &params, "serviceDetailSet",
                                      "VPC Endpoint Service", "VPC Endpoint Services",
                                      name && !by_param ? VPCE_AWS_CALL_HAS_FALLBACK : 0, &s);
    if (rc < 0 && name && !by_param && vpce_aws_refusal_shaped(rc)) {
        /* A server without the service-name filter (moto fails on it with an HTML 500): the
           name as ServiceName.1, which EC2 documents too; if that works, the filter was it. */
        char *why = vpce_strdup(vpce_error_last());
        vpce_aws_params_release(&params);
        int frc = service_params(&params, config, name, true);
        if (frc == 0)
            frc = describe_one_match(p, action, &params, "serviceDetailSet", "VPC Endpoint Service",
                                     "VPC Endpoint Services", &s);
        if (frc == 0 || (frc != VPCE_ERETRY && !vpce_aws_refusal_shaped(frc))) {
            /* An answer (a match, none, several, an unknown name): the server can answer this
               way, and that is the answer. */
            char *msg = frc ? vpce_strdup(vpce_error_last()) : NULL;
            vpce_aws_note_refused_filter(p, action, "service-name", why, "ServiceName.N");
            rc = frc ? vpce_error_setc(frc, "%s", msg) : 0;
            if (!frc)
                vpce_error_clear();
            free(msg);
        } else {
            rc = vpce_error_setc(rc, "%s", why);
        }
        free(why);
    }
    if (rc)
        goto cleanup;
    json_t *st = result_from(config);
    const char *id = vpce_aws_ec2_str(s, "serviceId");
    vpce_aws_set_str(st, "id", id);
    vpce_aws_set_str(st, "service_id", id);
    vpce_aws_set_str(st, "service_name", vpce_aws_ec2_str(s, "serviceName"));
    vpce_aws_set_str(
        st, "service_type",
        vpce_aws_ec2_str(json_array_get(vpce_aws_ec2_list(s, "serviceType"), 0), "serviceType"));
    const char *owner = vpce_aws_ec2_str(s, "owner");
    vpce_aws_set_str(st, "owner", owner);
    const char *region = vpce_aws_ec2_str(s, "serviceRegion");
    vpce_aws_set_str(st, "region", region ? region : vpce_aws_provider_region(p));
    char *arn = vpce_asprintf("arn:aws:ec2:%s:%s:vpc-endpoint-service/%s",
                              vpce_aws_provider_region(p), owner ? owner : "", id ? id : "");
    vpce_aws_set_str(st, "arn", arn);
    free(arn);
    json_object_set_new(
        st, "availability_zones",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(s, "availabilityZoneSet"), NULL, true));
    json_object_set_new(
        st, "base_endpoint_dns_names",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(s, "baseEndpointDnsNameSet"), NULL, true));
    vpce_aws_set_str(st, "private_dns_name", vpce_aws_ec2_str(s, "privateDnsName"));
    json_object_set_new(
        st, "private_dns_names",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(s, "privateDnsNameSet"), "privateDnsName", false));
    json_object_set_new(
        st, "supported_ip_address_types",
        vpce_aws_ec2_strings(vpce_aws_ec2_list(s, "supportedIpAddressTypeSet"), NULL, true));
    json_object_set_new(st, "vpc_endpoint_policy_supported",
                        vpce_aws_ec2_bool(s, "vpcEndpointPolicySupported"));
    json_object_set_new(st, "acceptance_required", vpce_aws_ec2_bool(s, "acceptanceRequired"));
    json_object_set_new(st, "manages_vpc_endpoints", vpce_aws_ec2_bool(s, "managesVpcEndpoints"));
    json_object_set_new(st, "tags", vpce_aws_ec2_tags(s));
    *out = st;
cleanup:
    vpce_aws_params_release(&params);
    free(name);
    json_decref(s);
    return rc;
}

/* ---- aws_prefix_list ---------------------------------------------------------------------- */

int vpce_aws_data_prefix_list_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *pl = NULL;
    *out = NULL;
    add_attr_filter(&params, config, "prefix_list_id", "prefix-list-id");
    add_attr_filter(&params, config, "name", "prefix-list-name");
    int rc = add_filters(&params, config, false);
    if (rc == 0)
        rc = describe_one_match(p, "DescribePrefixLists", &params, "prefixListSet", "prefix list",
                                "prefix lists", &pl);
    if (rc == 0) {
        json_t *st = result_from(config);
        vpce_aws_set_str(st, "id", vpce_aws_ec2_str(pl, "prefixListId"));
        vpce_aws_set_str(st, "name", vpce_aws_ec2_str(pl, "prefixListName"));
        json_object_set_new(st, "cidr_blocks",
                            vpce_aws_ec2_strings(vpce_aws_ec2_list(pl, "cidrSet"), NULL, false));
        *out = st;
    }
    vpce_aws_params_release(&params);
    json_decref(pl);
    return rc;
}

/* ---- aws_availability_zones --------------------------------------------------------------- */

static bool in_list(const json_t *list, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && s && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

int vpce_aws_data_azs_read(vpce_provider *p, const json_t *config, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *azs = NULL;
    *out = NULL;
    add_attr_filter(&params, config, "state", "state");
    if (vpce_aws_attr_bool(config, "all_availability_zones") == 1)
        vpce_aws_params_add_bool(&params, "AllAvailabilityZones", true);
    int rc = add_filters(&params, config, false);
    if (rc == 0) {
        json_t *r = NULL;
        rc = vpce_aws_call(vpce_aws_provider_client(p), "DescribeAvailabilityZones", &params, &r);
        if (rc == 0) {
            const json_t *l = vpce_aws_ec2_list(r, "availabilityZoneInfo");
            azs = l ? json_incref((json_t *)l) : json_array();
        }
        json_decref(r);
    }
    if (rc == 0) {
        const json_t *ex_names = vpce_aws_attr_list(config, "exclude_names");
        const json_t *ex_ids = vpce_aws_attr_list(config, "exclude_zone_ids");
        json_t *names = json_array(), *ids = json_array(), *groups = json_array();
        size_t i;
        const json_t *az;
        json_array_foreach(azs, i, az)
        {
            const char *n = vpce_aws_ec2_str(az, "zoneName");
            const char *z = vpce_aws_ec2_str(az, "zoneId");
            const char *g = vpce_aws_ec2_str(az, "groupName");
            if (!n || in_list(ex_names, n) || in_list(ex_ids, z))
                continue;
            json_array_append_new(names, json_string(n));
            json_array_append_new(ids, json_string(z ? z : ""));
            if (g && !in_list(groups, g))
                json_array_append_new(groups, json_string(g));
        }
        json_t *st = result_from(config);
        vpce_aws_set_str(st, "id", vpce_aws_provider_region(p));
        json_object_set_new(st, "names", names);
        json_object_set_new(st, "zone_ids", ids);
        json_object_set_new(st, "group_names", groups);
        *out = st;
    }
    vpce_aws_params_release(&params);
    json_decref(azs);
    return rc;
}

/* ---- aws_region --------------------------------------------------------------------------- */

static const char *const region_names[][2] = {
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
    {"ca-central-1", "Canada (Central)"},
    {"eu-west-1", "Europe (Ireland)"},
    {"eu-west-2", "Europe (London)"},
    {"eu-west-3", "Europe (Paris)"},
    {"eu-central-1", "Europe (Frankfurt)"},
    {"eu-north-1", "Europe (Stockholm)"},
    {"eu-south-1", "Europe (Milan)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-northeast-3", "Asia Pacific (Osaka)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"sa-east-1", "South America (Sao Paulo)"},
    {"me-south-1", "Middle East (Bahrain)"},
    {"af-south-1", "Africa (Cape Town)"},
};

int vpce_aws_data_region_read(vpce_provider *p, const json_t *config, json_t **out)
{
    /* The AWS provider v6 names the region to describe `region` (the argument every data
       source has) and keeps `name` as a deprecated synonym. */
    const char *name = vpce_aws_attr_str(config, "name");
    const char *region = vpce_aws_attr_str(config, "region");
    const char *endpoint = vpce_aws_attr_str(config, "endpoint");
    *out = NULL;
    if (name && region && strcmp(name, region) != 0)
        return vpce_error_setc(VPCE_EINVALID, "name \"%s\" and region \"%s\" differ", name, region);
    if (!name)
        name = region;
    if (!name)
        name = vpce_aws_provider_region(p);
    if (!name)
        return vpce_error_setc(VPCE_EINVALID, "no region: set region or the provider's region");
    char *ep = vpce_asprintf("ec2.%s.amazonaws.com", name);
    if (endpoint && strcmp(endpoint, ep) != 0) {
        int rc = vpce_error_setc(VPCE_ENOTFOUND, "region with endpoint '%s' not found", endpoint);
        free(ep);
        return rc;
    }
    const char *desc = "";
    for (size_t i = 0; i < sizeof(region_names) / sizeof(region_names[0]); i++)
        if (strcmp(region_names[i][0], name) == 0)
            desc = region_names[i][1];
    json_t *st = result_from(config);
    vpce_aws_set_str(st, "region", name);
    vpce_aws_set_str(st, "name", name);
    vpce_aws_set_str(st, "id", name);
    vpce_aws_set_str(st, "endpoint", ep);
    vpce_aws_set_str(st, "description", desc);
    free(ep);
    *out = st;
    return 0;
}
