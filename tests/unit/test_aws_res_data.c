/*
 * The data sources against the EC2 simulator: aws_vpc, aws_subnet, aws_subnets, aws_route_table,
 * aws_security_group, aws_vpc_endpoint_service, aws_prefix_list, aws_availability_zones and
 * aws_region, including "no match" and "multiple matches" errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "providers/aws/provider.h"
#include "providers/aws/resources.h"
#include "tests/unit/support/awsprov.h"

static vpce_sim sim;
static vpce_provider *prov;

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "7", "--buckets", "off", NULL};
    return vpce_test_aws_start(&prov, &sim, args);
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_test_aws_stop(prov, &sim);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    vpce_test_aws_reset(&sim, "{\"consistency_delay_ms\":0}");
    return 0;
}

/* Reads data source t with config (stolen); returns the result. */
static json_t *dread(const vpce_resource_type *t, json_t *config)
{
    json_t *out = NULL;
    int rc = t->read(prov, config, &out);
    if (rc)
        print_message("%s: %s\n", t->name, vpce_error_last());
    assert_int_equal(rc, 0);
    assert_non_null(out);
    json_decref(config);
    return out;
}

static int dread_fails(const vpce_resource_type *t, json_t *config)
{
    json_t *out = NULL;
    int rc = t->read(prov, config, &out);
    assert_null(out);
    json_decref(config);
    return rc;
}

struct net {
    char vpc[64], vpc2[64], subnet[2][64], rt[64], sg[64], igw[64];
};

static void tag(const char *id, const char *k, const char *v)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "ResourceId.1", id);
    vpce_aws_params_add(&p, "Tag.1.Key", k);
    vpce_aws_params_add(&p, "Tag.1.Value", v);
    json_decref(vpce_test_aws_call(prov, "CreateTags", &p));
}

static void make_net(struct net *n)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "CidrBlock", "10.0.0.0/16");
    json_t *r = vpce_test_aws_call(prov, "CreateVpc", &p);
    snprintf(n->vpc, 64, "%s", vpce_test_str(json_object_get(r, "vpc"), "vpcId"));
    json_decref(r);
    tag(n->vpc, "Name", "main");
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "CidrBlock", "10.1.0.0/16");
    r = vpce_test_aws_call(prov, "CreateVpc", &p);
    snprintf(n->vpc2, 64, "%s", vpce_test_str(json_object_get(r, "vpc"), "vpcId"));
    json_decref(r);
    for (int i = 0; i < 2; i++) {
        char cidr[32], az[32];
        snprintf(cidr, sizeof(cidr), "10.0.%d.0/24", i + 1);
        snprintf(az, sizeof(az), "us-east-1%c", 'a' + i);
        vpce_aws_params_init(&p);
        vpce_aws_params_add(&p, "VpcId", n->vpc);
        vpce_aws_params_add(&p, "CidrBlock", cidr);
        vpce_aws_params_add(&p, "AvailabilityZone", az);
        r = vpce_test_aws_call(prov, "CreateSubnet", &p);
        snprintf(n->subnet[i], 64, "%s", vpce_test_str(json_object_get(r, "subnet"), "subnetId"));
        json_decref(r);
        tag(n->subnet[i], "tier", "private");
    }
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcId", n->vpc);
    r = vpce_test_aws_call(prov, "CreateRouteTable", &p);
    snprintf(n->rt, 64, "%s", vpce_test_str(json_object_get(r, "routeTable"), "routeTableId"));
    json_decref(r);
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "RouteTableId", n->rt);
    vpce_aws_params_add(&p, "SubnetId", n->subnet[0]);
    json_decref(vpce_test_aws_call(prov, "AssociateRouteTable", &p));
    vpce_aws_params_init(&p);
    r = vpce_test_aws_call(prov, "CreateInternetGateway", &p);
    snprintf(n->igw, 64, "%s",
             vpce_test_str(json_object_get(r, "internetGateway"), "internetGatewayId"));
    json_decref(r);
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "InternetGatewayId", n->igw);
    vpce_aws_params_add(&p, "VpcId", n->vpc);
    json_decref(vpce_test_aws_call(prov, "AttachInternetGateway", &p));
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "RouteTableId", n->rt);
    vpce_aws_params_add(&p, "DestinationCidrBlock", "0.0.0.0/0");
    vpce_aws_params_add(&p, "GatewayId", n->igw);
    json_decref(vpce_test_aws_call(prov, "CreateRoute", &p));
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcId", n->vpc);
    vpce_aws_params_add(&p, "GroupName", "web");
    vpce_aws_params_add(&p, "GroupDescription", "web servers");
    r = vpce_test_aws_call(prov, "CreateSecurityGroup", &p);
    snprintf(n->sg, 64, "%s", vpce_test_str(r, "groupId"));
    json_decref(r);
}

static void data_vpc(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_t *v = dread(&vpce_aws_data_vpc, vpce_test_json("{\"tags\":{\"Name\":\"main\"}}"));
    assert_string_equal(vpce_test_str(v, "id"), n.vpc);
    assert_string_equal(vpce_test_str(v, "cidr_block"), "10.0.0.0/16");
    assert_true(json_is_false(json_object_get(v, "default")));
    assert_true(json_is_true(json_object_get(v, "enable_dns_support")));
    assert_true(json_is_false(json_object_get(v, "enable_dns_hostnames")));
    assert_true(strncmp(vpce_test_str(v, "main_route_table_id"), "rtb-", 4) == 0);
    assert_string_equal(vpce_test_str(json_object_get(v, "tags"), "Name"), "main");
    json_decref(v);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"id\":\"%s\"}", n.vpc2);
    v = dread(&vpce_aws_data_vpc, vpce_test_json(cfg));
    assert_string_equal(vpce_test_str(v, "cidr_block"), "10.1.0.0/16");
    json_decref(v);
    v = dread(&vpce_aws_data_vpc,
              vpce_test_json("{\"filter\":[{\"name\":\"cidr\",\"values\":[\"10.1.0.0/16\"]}]}"));
    assert_string_equal(vpce_test_str(v, "id"), n.vpc2);
    json_decref(v);
    assert_true(dread_fails(&vpce_aws_data_vpc, vpce_test_json("{}")) < 0);
    assert_non_null(strstr(vpce_error_last(), "multiple VPCs matched"));
    assert_true(dread_fails(&vpce_aws_data_vpc, vpce_test_json("{\"tags\":{\"Name\":\"nope\"}}")) <
                0);
    assert_string_equal(vpce_error_last(), "no matching VPC found");
}

static void data_subnets(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"vpc_id\":\"%s\",\"availability_zone\":\"us-east-1b\"}", n.vpc);
    json_t *s = dread(&vpce_aws_data_subnet, vpce_test_json(cfg));
    assert_string_equal(vpce_test_str(s, "id"), n.subnet[1]);
    assert_string_equal(vpce_test_str(s, "cidr_block"), "10.0.2.0/24");
    assert_true(json_integer_value(json_object_get(s, "available_ip_address_count")) > 200);
    json_decref(s);
    snprintf(cfg, sizeof(cfg),
             "{\"filter\":[{\"name\":\"vpc-id\",\"values\":[\"%s\"]}],"
             "\"tags\":{\"tier\":\"private\"}}",
             n.vpc);
    json_t *ss = dread(&vpce_aws_data_subnets, vpce_test_json(cfg));
    json_t *ids = json_object_get(ss, "ids");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), n.subnet[0]);
    json_decref(ss);
    ss = dread(&vpce_aws_data_subnets, vpce_test_json("{\"tags\":{\"tier\":\"none\"}}"));
    assert_int_equal(json_array_size(json_object_get(ss, "ids")), 0);
    json_decref(ss);
}

static void data_route_table_and_sg(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"subnet_id\":\"%s\"}", n.subnet[0]);
    json_t *rt = dread(&vpce_aws_data_route_table, vpce_test_json(cfg));
    assert_string_equal(vpce_test_str(rt, "id"), n.rt);
    assert_string_equal(vpce_test_str(rt, "vpc_id"), n.vpc);
    json_t *routes = json_object_get(rt, "routes");
    assert_int_equal(json_array_size(routes), 1); /* the local route is left out */
    assert_string_equal(vpce_test_str(json_array_get(routes, 0), "gateway_id"), n.igw);
    json_t *assocs = json_object_get(rt, "associations");
    assert_int_equal(json_array_size(assocs), 1);
    assert_string_equal(vpce_test_str(json_array_get(assocs, 0), "subnet_id"), n.subnet[0]);
    json_decref(rt);
    snprintf(cfg, sizeof(cfg), "{\"vpc_id\":\"%s\",\"name\":\"web\"}", n.vpc);
    json_t *sg = dread(&vpce_aws_data_security_group, vpce_test_json(cfg));
    assert_string_equal(vpce_test_str(sg, "id"), n.sg);
    assert_string_equal(vpce_test_str(sg, "description"), "web servers");
    assert_non_null(strstr(vpce_test_str(sg, "arn"), ":security-group/sg-"));
    json_decref(sg);
    snprintf(cfg, sizeof(cfg), "{\"vpc_id\":\"%s\",\"name\":\"default\"}", n.vpc2);
    sg = dread(&vpce_aws_data_security_group, vpce_test_json(cfg));
    assert_string_equal(vpce_test_str(sg, "name"), "default");
    json_decref(sg);
}

static void data_endpoint_service(void **state)
{
    (void)state;
    json_t *s = dread(&vpce_aws_data_vpc_endpoint_service,
                      vpce_test_json("{\"service\":\"s3\",\"service_type\":\"Gateway\"}"));
    assert_string_equal(vpce_test_str(s, "service_name"), "com.amazonaws.us-east-1.s3");
    assert_string_equal(vpce_test_str(s, "service_type"), "Gateway");
    assert_string_equal(vpce_test_str(s, "owner"), "amazon");
    assert_true(json_is_true(json_object_get(s, "vpc_endpoint_policy_supported")));
    assert_true(json_is_false(json_object_get(s, "acceptance_required")));
    assert_true(json_array_size(json_object_get(s, "availability_zones")) >= 3);
    assert_non_null(vpce_test_str(s, "service_id"));
    json_decref(s);
    s = dread(&vpce_aws_data_vpc_endpoint_service,
              vpce_test_json("{\"service_name\":\"com.amazonaws.us-east-1.ssm\"}"));
    assert_string_equal(vpce_test_str(s, "service_type"), "Interface");
    assert_string_equal(vpce_test_str(s, "private_dns_name"), "ssm.us-east-1.amazonaws.com");
    assert_true(json_array_size(json_object_get(s, "base_endpoint_dns_names")) >= 1);
    json_decref(s);
    /* s3 has a Gateway and an Interface service. */
    assert_true(dread_fails(&vpce_aws_data_vpc_endpoint_service,
                            vpce_test_json("{\"service\":\"s3\"}")) < 0);
    assert_non_null(strstr(vpce_error_last(), "multiple"));
}

static void data_prefix_list_azs_region(void **state)
{
    (void)state;
    json_t *pl =
        dread(&vpce_aws_data_prefix_list, vpce_test_json("{\"prefix_list_id\":\"pl-63a5400a\"}"));
    assert_string_equal(vpce_test_str(pl, "name"), "com.amazonaws.us-east-1.s3");
    assert_true(json_array_size(json_object_get(pl, "cidr_blocks")) >= 1);
    json_decref(pl);
    pl = dread(&vpce_aws_data_prefix_list,
               vpce_test_json("{\"name\":\"com.amazonaws.us-east-1.dynamodb\"}"));
    assert_string_equal(vpce_test_str(pl, "id"), "pl-02cd2c6b");
    json_decref(pl);
    json_t *az =
        dread(&vpce_aws_data_availability_zones,
              vpce_test_json("{\"state\":\"available\",\"exclude_names\":[\"us-east-1c\"]}"));
    json_t *names = json_object_get(az, "names");
    assert_int_equal(json_array_size(names), 2);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "us-east-1a");
    assert_int_equal(json_array_size(json_object_get(az, "zone_ids")), 2);
    assert_string_equal(vpce_test_str(az, "id"), "us-east-1");
    json_decref(az);
    json_t *r = dread(&vpce_aws_data_region, vpce_test_json("{}"));
    assert_string_equal(vpce_test_str(r, "name"), "us-east-1");
    assert_string_equal(vpce_test_str(r, "endpoint"), "ec2.us-east-1.amazonaws.com");
    assert_string_equal(vpce_test_str(r, "description"), "US East (N. Virginia)");
    json_decref(r);
    r = dread(&vpce_aws_data_region, vpce_test_json("{\"name\":\"eu-west-1\"}"));
    assert_string_equal(vpce_test_str(r, "endpoint"), "ec2.eu-west-1.amazonaws.com");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(data_vpc, reset),
        cmocka_unit_test_setup(data_subnets, reset),
        cmocka_unit_test_setup(data_route_table_and_sg, reset),
        cmocka_unit_test_setup(data_endpoint_service, reset),
        cmocka_unit_test_setup(data_prefix_list_azs_region, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
