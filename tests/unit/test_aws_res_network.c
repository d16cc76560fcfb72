/*
 * The network resources against the EC2 simulator: aws_vpc, aws_subnet, aws_internet_gateway,
 * aws_route_table (+ inline routes), aws_route_table_association, aws_route,
 * aws_security_group (+ inline rules) and aws_security_group_rule. Each goes through
 * create -> read_batch -> update -> read_batch -> delete -> read_batch (NULL), with assertions on
 * the simulator's world, batching (one Describe per type for 20 instances), drift and EC2 error
 * codes.
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

/* Creates with config (stolen) and returns the new state. */
static json_t *create(const vpce_resource_type *t, const char *address, json_t *config)
{
    vpce_resource_op op = vpce_test_op(prov, address, NULL, config);
    assert_int_equal(vpce_test_run_op(t->create, &op), 0);
    assert_non_null(op.new_state);
    json_decref(config);
    return op.new_state;
}

/* Updates prior (borrowed) to config (stolen) and returns the new state. */
static json_t *update(const vpce_resource_type *t, const json_t *prior, json_t *config)
{
    vpce_resource_op op = vpce_test_op(prov, "x.update", prior, config);
    assert_int_equal(vpce_test_run_op(t->update, &op), 0);
    assert_non_null(op.new_state);
    json_decref(config);
    return op.new_state;
}

static void destroy(const vpce_resource_type *t, const json_t *prior)
{
    vpce_resource_op op = vpce_test_op(prov, "x.delete", prior, NULL);
    assert_int_equal(vpce_test_run_op(t->delete, &op), 0);
}

/* read_batch of one prior: the new state or NULL. */
static json_t *refresh(const vpce_resource_type *t, json_t *prior)
{
    json_t *out = NULL;
    int rc = t->read_batch(prov, &prior, 1, &out);
    if (rc)
        print_message("read_batch: %s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    return out;
}

static json_t *world_get(const char *collection, const char *key, const char *id)
{
    json_t *w = vpce_sim_get(&sim, "/_sim/world");
    assert_non_null(w);
    json_t *found = NULL, *item;
    size_t i;
    json_array_foreach(json_object_get(w, collection), i, item)
    {
        if (vpce_test_str(item, key) && strcmp(vpce_test_str(item, key), id) == 0)
            found = json_incref(item);
    }
    json_decref(w);
    return found;
}

static void mutate_delete(const char *id)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"op\":\"delete\",\"id\":\"%s\"}", id);
    json_decref(vpce_sim_post(&sim, "/_sim/mutate", body));
}

static json_t *vpc_config(const char *cidr, bool hostnames, const char *tags)
{
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"cidr_block\":\"%s\",\"instance_tenancy\":\"default\","
             "\"enable_dns_support\":true,\"enable_dns_hostnames\":%s,"
             "\"assign_generated_ipv6_cidr_block\":false,\"tags\":%s}",
             cidr, hostnames ? "true" : "false", tags);
    return vpce_test_json(buf);
}

static json_t *make_vpc(void)
{
    return create(&vpce_aws_vpc, "aws_vpc.main", vpc_config("10.0.0.0/16", false, "null"));
}

/* ---- aws_vpc ----------------------------------------------------------------------------- */

static void vpc_lifecycle(void **state)
{
    (void)state;
    json_t *st = create(&vpce_aws_vpc, "aws_vpc.main",
                        vpc_config("10.1.0.0/16", true, "{\"Name\":\"main\"}"));
    const char *id = vpce_test_str(st, "id");
    assert_non_null(id);
    assert_true(strncmp(id, "vpc-", 4) == 0);
    assert_string_equal(vpce_test_str(st, "cidr_block"), "10.1.0.0/16");
    assert_true(json_is_true(json_object_get(st, "enable_dns_hostnames")));
    assert_true(json_is_true(json_object_get(st, "enable_dns_support")));
    assert_true(strncmp(vpce_test_str(st, "main_route_table_id"), "rtb-", 4) == 0);
    assert_string_equal(vpce_test_str(st, "main_route_table_id"),
                        vpce_test_str(st, "default_route_table_id"));
    assert_true(strncmp(vpce_test_str(st, "default_security_group_id"), "sg-", 3) == 0);
    assert_string_equal(vpce_test_str(st, "owner_id"), "123456789012");
    assert_non_null(strstr(vpce_test_str(st, "arn"), ":vpc/vpc-"));
    /* tags: the configuration's; tags_all: with the default tags; vpce:address hidden. */
    json_t *tags = json_object_get(st, "tags");
    assert_int_equal(json_object_size(tags), 1);
    assert_string_equal(vpce_test_str(json_object_get(st, "tags_all"), "team"), "net");
    json_t *w = vpce_sim_get(&sim, "/_sim/world");
    json_t *wt = json_object_get(json_object_get(w, "tags"), id);
    assert_string_equal(vpce_test_str(wt, "vpce:address"), "aws_vpc.main");
    assert_string_equal(vpce_test_str(wt, "team"), "net");
    json_decref(w);

    json_t *r1 = refresh(&vpce_aws_vpc, st);
    assert_non_null(r1);
    assert_true(vpce_value_equal(r1, st));

    json_t *st2 =
        update(&vpce_aws_vpc, r1, vpc_config("10.1.0.0/16", false, "{\"Name\":\"renamed\"}"));
    assert_true(json_is_false(json_object_get(st2, "enable_dns_hostnames")));
    assert_string_equal(vpce_test_str(json_object_get(st2, "tags"), "Name"), "renamed");
    json_t *r2 = refresh(&vpce_aws_vpc, st2);
    assert_true(vpce_value_equal(r2, st2));

    destroy(&vpce_aws_vpc, r2);
    assert_null(refresh(&vpce_aws_vpc, r2));
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
}

static void vpc_dependency_violation_names_code(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *sn = create(&vpce_aws_subnet, "aws_subnet.a",
                        json_pack("{s:s,s:s,s:s}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block",
                                  "10.0.1.0/24", "availability_zone", "us-east-1a"));
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc.main", vpc, NULL);
    op.timeout_ms = 1000; /* DependencyViolation is retried that long, then reported */
    int rc = vpce_aws_vpc.delete(&op);
    assert_true(rc < 0);
    assert_true(strncmp(vpce_error_last(), "DependencyViolation", 19) == 0);
    destroy(&vpce_aws_subnet, sn);
    destroy(&vpce_aws_vpc, vpc);
    json_decref(vpc);
    json_decref(sn);
}

static void vpc_batch_and_drift(void **state)
{
    (void)state;
    json_t *st[20];
    for (int i = 0; i < 20; i++) {
        char cidr[32];
        snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", i + 10);
        st[i] = create(&vpce_aws_vpc, "aws_vpc.many", vpc_config(cidr, false, "null"));
    }
    mutate_delete(vpce_test_str(st[7], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *out[20];
    assert_int_equal(vpce_aws_vpc.read_batch(prov, st, 20, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeVpcs"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeRouteTables"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeSecurityGroups"), 1);
    for (int i = 0; i < 20; i++) {
        if (i == 7)
            assert_null(out[i]);
        else
            assert_string_equal(vpce_test_str(out[i], "id"), vpce_test_str(st[i], "id"));
        json_decref(out[i]);
        json_decref(st[i]);
    }
}

static void vpc_read_waits_for_consistency(void **state)
{
    (void)state;
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"consistency_delay_ms\":600}"));
    json_t *st = create(&vpce_aws_vpc, "aws_vpc.slow", vpc_config("10.2.0.0/16", true, "null"));
    assert_true(json_is_true(json_object_get(st, "enable_dns_hostnames")));
    /* The VPC was invisible at first: the read after the create polled again. */
    assert_true(vpce_sim_count(&sim, "actions", "DescribeVpcs") >= 2);
    json_decref(st);
}

/* ---- aws_subnet -------------------------------------------------------------------------- */

static void subnet_lifecycle(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *cfg =
        json_pack("{s:s,s:s,s:s,s:b,s:b,s:{s:s}}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block",
                  "10.0.3.0/24", "availability_zone", "us-east-1b", "map_public_ip_on_launch", 0,
                  "assign_ipv6_address_on_creation", 0, "tags", "Name", "a");
    json_t *st = create(&vpce_aws_subnet, "aws_subnet.a", cfg);
    assert_true(strncmp(vpce_test_str(st, "id"), "subnet-", 7) == 0);
    assert_string_equal(vpce_test_str(st, "availability_zone"), "us-east-1b");
    assert_non_null(vpce_test_str(st, "availability_zone_id"));
    json_t *r1 = refresh(&vpce_aws_subnet, st);
    assert_true(vpce_value_equal(r1, st));
    json_t *st2 = update(&vpce_aws_subnet, r1,
                         json_pack("{s:s,s:s,s:s,s:b,s:b,s:{s:s}}", "vpc_id",
                                   vpce_test_str(vpc, "id"), "cidr_block", "10.0.3.0/24",
                                   "availability_zone", "us-east-1b", "map_public_ip_on_launch", 0,
                                   "assign_ipv6_address_on_creation", 0, "tags", "Name", "b"));
    assert_string_equal(vpce_test_str(json_object_get(st2, "tags"), "Name"), "b");
    json_t *r2 = refresh(&vpce_aws_subnet, st2);
    assert_true(vpce_value_equal(r2, st2));
    /* map_public_ip_on_launch cannot be set here: a clear error, nothing created. */
    vpce_resource_op op =
        vpce_test_op(prov, "aws_subnet.pub", NULL,
                     json_pack("{s:s,s:s,s:b}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block",
                               "10.0.4.0/24", "map_public_ip_on_launch", 1));
    assert_true(vpce_aws_subnet.create(&op) < 0);
    assert_non_null(strstr(vpce_error_last(), "map_public_ip_on_launch"));
    json_decref((json_t *)op.config);
    destroy(&vpce_aws_subnet, r2);
    assert_null(refresh(&vpce_aws_subnet, r2));
    destroy(&vpce_aws_vpc, vpc);
    json_decref(vpc);
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
}

static void subnet_batch_and_drift(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *st[20];
    for (int i = 0; i < 20; i++) {
        char cidr[32];
        snprintf(cidr, sizeof(cidr), "10.0.%d.0/24", i + 100);
        st[i] =
            create(&vpce_aws_subnet, "aws_subnet.many",
                   json_pack("{s:s,s:s}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block", cidr));
    }
    mutate_delete(vpce_test_str(st[3], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *out[20];
    assert_int_equal(vpce_aws_subnet.read_batch(prov, st, 20, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeSubnets"), 1);
    for (int i = 0; i < 20; i++) {
        if (i == 3)
            assert_null(out[i]);
        else
            assert_non_null(out[i]);
        json_decref(out[i]);
        json_decref(st[i]);
    }
    json_decref(vpc);
}

/* ---- aws_internet_gateway ---------------------------------------------------------------- */

static void igw_lifecycle(void **state)
{
    (void)state;
    json_t *v1 = make_vpc();
    json_t *v2 = create(&vpce_aws_vpc, "aws_vpc.b", vpc_config("10.9.0.0/16", false, "null"));
    json_t *st = create(&vpce_aws_internet_gateway, "aws_internet_gateway.gw",
                        json_pack("{s:s}", "vpc_id", vpce_test_str(v1, "id")));
    const char *id = vpce_test_str(st, "id");
    assert_true(strncmp(id, "igw-", 4) == 0);
    assert_string_equal(vpce_test_str(st, "vpc_id"), vpce_test_str(v1, "id"));
    json_t *g = world_get("internet_gateways", "InternetGatewayId", id);
    json_t *att = json_array_get(json_object_get(g, "Attachments"), 0);
    assert_string_equal(vpce_test_str(att, "VpcId"), vpce_test_str(v1, "id"));
    json_decref(g);
    json_t *r1 = refresh(&vpce_aws_internet_gateway, st);
    assert_true(vpce_value_equal(r1, st));
    /* Move to the other VPC: detach + attach. */
    json_t *st2 =
        update(&vpce_aws_internet_gateway, r1,
               json_pack("{s:s,s:{s:s}}", "vpc_id", vpce_test_str(v2, "id"), "tags", "k", "v"));
    assert_string_equal(vpce_test_str(st2, "vpc_id"), vpce_test_str(v2, "id"));
    json_t *r2 = refresh(&vpce_aws_internet_gateway, st2);
    assert_true(vpce_value_equal(r2, st2));
    destroy(&vpce_aws_internet_gateway, r2);
    assert_null(refresh(&vpce_aws_internet_gateway, r2));
    destroy(&vpce_aws_vpc, v1);
    destroy(&vpce_aws_vpc, v2);
    json_decref(v1);
    json_decref(v2);
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
}

static void igw_batch(void **state)
{
    (void)state;
    json_t *st[20];
    for (int i = 0; i < 20; i++)
        st[i] = create(&vpce_aws_internet_gateway, "aws_internet_gateway.many", json_object());
    mutate_delete(vpce_test_str(st[0], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *out[20];
    assert_int_equal(vpce_aws_internet_gateway.read_batch(prov, st, 20, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeInternetGateways"), 1);
    assert_null(out[0]);
    for (int i = 0; i < 20; i++) {
        if (i)
            assert_non_null(out[i]);
        json_decref(out[i]);
        json_decref(st[i]);
    }
}

/* ---- route tables ------------------------------------------------------------------------ */

static bool world_route(const char *rtb, const char *dest, const char *gw)
{
    json_t *rt = world_get("route_tables", "RouteTableId", rtb);
    assert_non_null(rt);
    bool found = false;
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(rt, "Routes"), i, r)
    {
        const char *d = vpce_test_str(r, "DestinationCidrBlock");
        const char *g = vpce_test_str(r, "GatewayId");
        if (d && strcmp(d, dest) == 0 && (!gw || (g && strcmp(g, gw) == 0)))
            found = true;
    }
    json_decref(rt);
    return found;
}

static json_t *make_igw(const json_t *vpc)
{
    return create(&vpce_aws_internet_gateway, "aws_internet_gateway.gw",
                  json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
}

static void route_table_lifecycle(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *igw = make_igw(vpc);
    const char *gw = vpce_test_str(igw, "id");
    json_t *st =
        create(&vpce_aws_route_table, "aws_route_table.public",
               json_pack("{s:s,s:[{s:s,s:s,s:n}]}", "vpc_id", vpce_test_str(vpc, "id"), "route",
                         "cidr_block", "0.0.0.0/0", "gateway_id", gw, "nat_gateway_id"));
    const char *id = vpce_test_str(st, "id");
    assert_true(strncmp(id, "rtb-", 4) == 0);
    assert_true(world_route(id, "0.0.0.0/0", gw));
    /* The local route is not part of the set; the configured object keeps its form. */
    json_t *routes = json_object_get(st, "route");
    assert_int_equal(json_array_size(routes), 1);
    assert_string_equal(vpce_test_str(json_array_get(routes, 0), "gateway_id"), gw);
    json_t *r1 = refresh(&vpce_aws_route_table, st);
    assert_true(vpce_value_equal(r1, st));
    /* Replace the default route by a narrower one. */
    json_t *st2 =
        update(&vpce_aws_route_table, r1,
               json_pack("{s:s,s:[{s:s,s:s}],s:{s:s}}", "vpc_id", vpce_test_str(vpc, "id"), "route",
                         "cidr_block", "192.168.0.0/16", "gateway_id", gw, "tags", "Name", "pub"));
    assert_false(world_route(id, "0.0.0.0/0", NULL));
    assert_true(world_route(id, "192.168.0.0/16", gw));
    json_t *r2 = refresh(&vpce_aws_route_table, st2);
    assert_true(vpce_value_equal(r2, st2));
    assert_string_equal(vpce_test_str(json_object_get(r2, "tags"), "Name"), "pub");
    /* An empty set removes every route but the local one. */
    json_t *st3 = update(&vpce_aws_route_table, r2,
                         json_pack("{s:s,s:[]}", "vpc_id", vpce_test_str(vpc, "id"), "route"));
    assert_int_equal(json_array_size(json_object_get(st3, "route")), 0);
    assert_false(world_route(id, "192.168.0.0/16", NULL));
    destroy(&vpce_aws_route_table, st3);
    assert_null(refresh(&vpce_aws_route_table, st3));
    destroy(&vpce_aws_internet_gateway, igw);
    destroy(&vpce_aws_vpc, vpc);
    json_decref(vpc);
    json_decref(igw);
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
    json_decref(st3);
}

static void route_table_batch_and_drift(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *st[20];
    for (int i = 0; i < 20; i++)
        st[i] = create(&vpce_aws_route_table, "aws_route_table.many",
                       json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    mutate_delete(vpce_test_str(st[19], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *out[20];
    assert_int_equal(vpce_aws_route_table.read_batch(prov, st, 20, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeRouteTables"), 1);
    for (int i = 0; i < 20; i++) {
        if (i == 19)
            assert_null(out[i]);
        else
            assert_non_null(out[i]);
        json_decref(out[i]);
        json_decref(st[i]);
    }
    json_decref(vpc);
}

static void route_table_association_lifecycle(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *sn = create(
        &vpce_aws_subnet, "aws_subnet.a",
        json_pack("{s:s,s:s}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block", "10.0.1.0/24"));
    json_t *rt1 = create(&vpce_aws_route_table, "aws_route_table.a",
                         json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    json_t *rt2 = create(&vpce_aws_route_table, "aws_route_table.b",
                         json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    json_t *st = create(&vpce_aws_route_table_association, "aws_route_table_association.a",
                        json_pack("{s:s,s:s}", "subnet_id", vpce_test_str(sn, "id"),
                                  "route_table_id", vpce_test_str(rt1, "id")));
    assert_true(strncmp(vpce_test_str(st, "id"), "rtbassoc-", 9) == 0);
    assert_string_equal(vpce_test_str(st, "route_table_id"), vpce_test_str(rt1, "id"));
    json_t *r1 = refresh(&vpce_aws_route_table_association, st);
    assert_true(vpce_value_equal(r1, st));
    json_t *st2 = update(&vpce_aws_route_table_association, r1,
                         json_pack("{s:s,s:s}", "subnet_id", vpce_test_str(sn, "id"),
                                   "route_table_id", vpce_test_str(rt2, "id")));
    assert_string_equal(vpce_test_str(st2, "route_table_id"), vpce_test_str(rt2, "id"));
    json_t *r2 = refresh(&vpce_aws_route_table_association, st2);
    assert_true(vpce_value_equal(r2, st2));
    /* The old association is gone. */
    assert_null(refresh(&vpce_aws_route_table_association, st));
    /* Import by Terraform's subnet/rtb form. */
    char imp[128];
    snprintf(imp, sizeof(imp), "%s/%s", vpce_test_str(sn, "id"), vpce_test_str(rt2, "id"));
    json_t *im = NULL;
    assert_int_equal(vpce_aws_route_table_association.import(prov, imp, &im), 0);
    assert_true(vpce_value_equal(im, r2));
    json_decref(im);
    destroy(&vpce_aws_route_table_association, r2);
    assert_null(refresh(&vpce_aws_route_table_association, r2));
    json_decref(vpc);
    json_decref(sn);
    json_decref(rt1);
    json_decref(rt2);
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
}

static void route_lifecycle(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *igw = make_igw(vpc);
    json_t *rt = create(&vpce_aws_route_table, "aws_route_table.a",
                        json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    const char *rtb = vpce_test_str(rt, "id");
    json_t *st = create(&vpce_aws_route, "aws_route.default",
                        json_pack("{s:s,s:s,s:s}", "route_table_id", rtb, "destination_cidr_block",
                                  "0.0.0.0/0", "gateway_id", vpce_test_str(igw, "id")));
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "r-%s", rtb);
    assert_true(strncmp(vpce_test_str(st, "id"), prefix, strlen(prefix)) == 0);
    assert_string_equal(vpce_test_str(st, "state"), "active");
    assert_string_equal(vpce_test_str(st, "origin"), "CreateRoute");
    assert_true(world_route(rtb, "0.0.0.0/0", vpce_test_str(igw, "id")));
    json_t *r1 = refresh(&vpce_aws_route, st);
    assert_true(vpce_value_equal(r1, st));
    char imp[128];
    snprintf(imp, sizeof(imp), "%s_0.0.0.0/0", rtb);
    json_t *im = NULL;
    assert_int_equal(vpce_aws_route.import(prov, imp, &im), 0);
    assert_string_equal(vpce_test_str(im, "id"), vpce_test_str(st, "id"));
    json_decref(im);
    /* Drift: the route removed behind vpce's back reads as gone. */
    json_t *prior = json_deep_copy(st);
    destroy(&vpce_aws_route, st);
    assert_false(world_route(rtb, "0.0.0.0/0", NULL));
    assert_null(refresh(&vpce_aws_route, prior));
    json_decref(prior);
    json_decref(vpc);
    json_decref(igw);
    json_decref(rt);
    json_decref(st);
    json_decref(r1);
}

/* ---- security groups --------------------------------------------------------------------- */

/* The flat rules of a group in the world: {"IsEgress", "IpProtocol", "CidrIpv4", ...}. */
static json_t *world_rules(const char *sg)
{
    json_t *g = world_get("security_groups", "GroupId", sg);
    assert_non_null(g);
    json_t *rules = json_incref(json_object_get(g, "Rules"));
    json_decref(g);
    return rules;
}

static int count_rules(const char *sg, bool egress, const char *cidr)
{
    json_t *rules = world_rules(sg);
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        bool e = json_is_true(json_object_get(r, "IsEgress"));
        const char *c = vpce_test_str(r, "CidrIpv4");
        if (e == egress && (!cidr || (c && strcmp(c, cidr) == 0)))
            n++;
    }
    json_decref(rules);
    return n;
}

static void security_group_lifecycle(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *cfg = vpce_test_json(
        "{\"name\":\"web\",\"name_prefix\":null,\"description\":\"web servers\","
        "\"ingress\":[{\"from_port\":443,\"to_port\":443,\"protocol\":\"tcp\","
        "\"cidr_blocks\":[\"10.0.0.0/16\",\"10.1.0.0/16\"],\"ipv6_cidr_blocks\":null,"
        "\"prefix_list_ids\":null,\"security_groups\":null,\"self\":null,"
        "\"description\":\"https\"},"
        "{\"from_port\":22,\"to_port\":22,\"protocol\":\"tcp\",\"self\":true}],"
        "\"egress\":[{\"from_port\":443,\"to_port\":443,\"protocol\":\"tcp\","
        "\"prefix_list_ids\":[\"pl-63a5400a\"]}],"
        "\"revoke_rules_on_delete\":false,\"tags\":null}");
    json_object_set_new(cfg, "vpc_id", json_string(vpce_test_str(vpc, "id")));
    json_t *st = create(&vpce_aws_security_group, "aws_security_group.web", json_incref(cfg));
    const char *id = vpce_test_str(st, "id");
    assert_true(strncmp(id, "sg-", 3) == 0);
    assert_string_equal(vpce_test_str(st, "name"), "web");
    assert_string_equal(vpce_test_str(st, "description"), "web servers");
    /* The default egress rule was revoked: only the configured egress rule is left. */
    assert_int_equal(count_rules(id, true, "0.0.0.0/0"), 0);
    assert_int_equal(count_rules(id, true, NULL), 1);
    assert_int_equal(count_rules(id, false, NULL), 3);
    /* The sets read back as configured. */
    assert_true(vpce_value_equal(json_object_get(st, "ingress"), json_object_get(cfg, "ingress")));
    assert_true(vpce_value_equal(json_object_get(st, "egress"), json_object_get(cfg, "egress")));
    json_t *r1 = refresh(&vpce_aws_security_group, st);
    assert_true(vpce_value_equal(r1, st));

    /* Drop one CIDR and the ssh rule, change the egress to all traffic. */
    json_t *cfg2 = json_deep_copy(cfg);
    json_object_set_new(
        cfg2, "ingress",
        vpce_test_json("[{\"from_port\":443,\"to_port\":443,\"protocol\":\"tcp\","
                       "\"cidr_blocks\":[\"10.0.0.0/16\"],\"description\":\"https\"}]"));
    json_object_set_new(cfg2, "egress",
                        vpce_test_json("[{\"from_port\":0,\"to_port\":0,\"protocol\":\"-1\","
                                       "\"cidr_blocks\":[\"0.0.0.0/0\"]}]"));
    json_object_set_new(cfg2, "tags", vpce_test_json("{\"Name\":\"web\"}"));
    json_t *st2 = update(&vpce_aws_security_group, r1, json_incref(cfg2));
    assert_int_equal(count_rules(id, false, NULL), 1);
    assert_int_equal(count_rules(id, false, "10.0.0.0/16"), 1);
    assert_int_equal(count_rules(id, true, "0.0.0.0/0"), 1);
    assert_int_equal(count_rules(id, true, NULL), 1);
    assert_true(
        vpce_value_equal(json_object_get(st2, "ingress"), json_object_get(cfg2, "ingress")));
    json_t *r2 = refresh(&vpce_aws_security_group, st2);
    assert_true(vpce_value_equal(r2, st2));
    /* Rules added behind vpce's back show up, grouped as Terraform does. */
    json_t *im = NULL;
    assert_int_equal(vpce_aws_security_group.import(prov, id, &im), 0);
    assert_int_equal(json_array_size(json_object_get(im, "ingress")), 1);
    json_t *in0 = json_array_get(json_object_get(im, "ingress"), 0);
    assert_string_equal(vpce_test_str(in0, "protocol"), "tcp");
    assert_int_equal(json_integer_value(json_object_get(in0, "from_port")), 443);
    assert_string_equal(vpce_test_str(in0, "description"), "https");
    json_decref(im);

    destroy(&vpce_aws_security_group, r2);
    assert_null(refresh(&vpce_aws_security_group, r2));
    destroy(&vpce_aws_vpc, vpc);
    json_decref(vpc);
    json_decref(cfg);
    json_decref(cfg2);
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
}

static void security_group_keeps_default_egress_without_egress(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *st =
        create(&vpce_aws_security_group, "aws_security_group.p",
               json_pack("{s:s,s:s}", "name_prefix", "app-", "vpc_id", vpce_test_str(vpc, "id")));
    assert_true(strncmp(vpce_test_str(st, "name"), "app-", 4) == 0);
    assert_int_equal(count_rules(vpce_test_str(st, "id"), true, "0.0.0.0/0"), 1);
    json_t *eg = json_array_get(json_object_get(st, "egress"), 0);
    assert_string_equal(vpce_test_str(eg, "protocol"), "-1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(eg, "cidr_blocks"), 0)),
                        "0.0.0.0/0");
    json_t *st2 = create(&vpce_aws_security_group, "aws_security_group.g",
                         json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    assert_true(strncmp(vpce_test_str(st2, "name"), "vpce-", 5) == 0);
    json_decref(st);
    json_decref(st2);
    json_decref(vpc);
}

static void security_group_batch_and_drift(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *st[20];
    for (int i = 0; i < 20; i++)
        st[i] = create(&vpce_aws_security_group, "aws_security_group.many",
                       json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    mutate_delete(vpce_test_str(st[5], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *out[20];
    assert_int_equal(vpce_aws_security_group.read_batch(prov, st, 20, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeSecurityGroups"), 1);
    for (int i = 0; i < 20; i++) {
        if (i == 5)
            assert_null(out[i]);
        else
            assert_non_null(out[i]);
        json_decref(out[i]);
        json_decref(st[i]);
    }
    json_decref(vpc);
}

static void security_group_delete_dependency(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *a = create(&vpce_aws_security_group, "aws_security_group.a",
                       json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    json_t *b = create(&vpce_aws_security_group, "aws_security_group.b",
                       json_pack("{s:s,s:[{s:i,s:i,s:s,s:[s]}]}", "vpc_id",
                                 vpce_test_str(vpc, "id"), "ingress", "from_port", 80, "to_port",
                                 80, "protocol", "tcp", "security_groups", vpce_test_str(a, "id")));
    /* a is referenced by b's rule: the delete retries DependencyViolation, then reports it. */
    json_t *prior = json_deep_copy(a);
    json_object_set_new(prior, "timeouts", vpce_test_json("{\"delete\":\"1s\"}"));
    vpce_resource_op op = vpce_test_op(prov, "aws_security_group.a", prior, prior);
    op.timeout_ms = 1000;
    assert_true(vpce_aws_security_group.delete(&op) < 0);
    assert_true(strncmp(vpce_error_last(), "DependencyViolation", 19) == 0);
    destroy(&vpce_aws_security_group, b);
    destroy(&vpce_aws_security_group, a);
    json_decref(prior);
    json_decref(a);
    json_decref(b);
    json_decref(vpc);
}

static json_t *rule_config(const char *sg, const char *type, int port, const char *cidr,
                           const char *desc)
{
    return json_pack("{s:s,s:s,s:i,s:i,s:s,s:[s],s:n,s:n,s:n,s:b,s:s?}", "security_group_id", sg,
                     "type", type, "from_port", port, "to_port", port, "protocol", "tcp",
                     "cidr_blocks", cidr, "ipv6_cidr_blocks", "prefix_list_ids",
                     "source_security_group_id", "self", 0, "description", desc);
}

static void security_group_rule_lifecycle(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *sg = create(&vpce_aws_security_group, "aws_security_group.a",
                        json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    const char *sgid = vpce_test_str(sg, "id");
    json_t *st = create(&vpce_aws_security_group_rule, "aws_security_group_rule.https",
                        rule_config(sgid, "ingress", 443, "10.0.0.0/8", "one"));
    assert_true(strncmp(vpce_test_str(st, "id"), "sgrule-", 7) == 0);
    assert_true(strncmp(vpce_test_str(st, "security_group_rule_id"), "sgr-", 4) == 0);
    assert_int_equal(count_rules(sgid, false, "10.0.0.0/8"), 1);
    json_t *r1 = refresh(&vpce_aws_security_group_rule, st);
    assert_true(vpce_value_equal(r1, st));
    json_t *st2 = update(&vpce_aws_security_group_rule, r1,
                         rule_config(sgid, "ingress", 443, "10.0.0.0/8", "two"));
    assert_string_equal(vpce_test_str(st2, "description"), "two");
    assert_string_equal(vpce_test_str(st2, "id"), vpce_test_str(st, "id"));
    json_t *r2 = refresh(&vpce_aws_security_group_rule, st2);
    assert_true(vpce_value_equal(r2, st2));
    char imp[128];
    snprintf(imp, sizeof(imp), "%s_ingress_tcp_443_443_10.0.0.0/8", sgid);
    json_t *im = NULL;
    assert_int_equal(vpce_aws_security_group_rule.import(prov, imp, &im), 0);
    assert_string_equal(vpce_test_str(im, "id"), vpce_test_str(st, "id"));
    json_decref(im);
    /* Twenty rules: one DescribeSecurityGroups. */
    json_t *many[20];
    for (int i = 0; i < 20; i++)
        many[i] = create(&vpce_aws_security_group_rule, "aws_security_group_rule.many",
                         rule_config(sgid, "egress", 1000 + i, "10.0.0.0/8", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *out[20];
    assert_int_equal(vpce_aws_security_group_rule.read_batch(prov, many, 20, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeSecurityGroups"), 1);
    for (int i = 0; i < 20; i++) {
        assert_non_null(out[i]);
        json_decref(out[i]);
        json_decref(many[i]);
    }
    destroy(&vpce_aws_security_group_rule, r2);
    assert_int_equal(count_rules(sgid, false, "10.0.0.0/8"), 0);
    assert_null(refresh(&vpce_aws_security_group_rule, r2));
    json_decref(vpc);
    json_decref(sg);
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(r2);
}

static void security_group_create_adopts_own_duplicate(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    /* Every answer to CreateSecurityGroup is lost: the group the first attempt made is found and
     * adopted rather than created twice. */
    json_decref(
        vpce_sim_post(&sim, "/_sim/faults",
                      "{\"drop_after_prob\": 1, \"fault_actions\": [\"CreateSecurityGroup\"]}"));
    json_t *st = create(&vpce_aws_security_group, "aws_security_group.lost",
                        json_pack("{s:s,s:s}", "name", "lost", "vpc_id", vpce_test_str(vpc, "id")));
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"drop_after_prob\": 0}"));
    assert_non_null(vpce_test_str(st, "id"));
    /* Another address with the same name gets EC2's error. */
    vpce_resource_op op =
        vpce_test_op(prov, "aws_security_group.other", NULL,
                     json_pack("{s:s,s:s}", "name", "lost", "vpc_id", vpce_test_str(vpc, "id")));
    assert_true(vpce_aws_security_group.create(&op) < 0);
    assert_true(strncmp(vpce_error_last(), "InvalidGroup.Duplicate", 22) == 0);
    json_decref((json_t *)op.config);
    /* So does the same address when no request was retried: the group there is the one a
     * create_before_destroy replacement is about to delete, not one this create made. */
    op = vpce_test_op(prov, "aws_security_group.lost", NULL,
                      json_pack("{s:s,s:s}", "name", "lost", "vpc_id", vpce_test_str(vpc, "id")));
    assert_true(vpce_aws_security_group.create(&op) < 0);
    assert_true(strncmp(vpce_error_last(), "InvalidGroup.Duplicate", 22) == 0);
    json_decref((json_t *)op.config);
    json_decref(st);
    json_decref(vpc);
}

static void route_table_client_token(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *cfg = json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id"));
    vpce_resource_op a = vpce_test_op(prov, "aws_route_table.t", NULL, cfg);
    a.token = "tok-route-table-1";
    assert_int_equal(vpce_test_run_op(vpce_aws_route_table.create, &a), 0);
    vpce_resource_op b = vpce_test_op(prov, "aws_route_table.t", NULL, cfg);
    b.token = "tok-route-table-1";
    assert_int_equal(vpce_test_run_op(vpce_aws_route_table.create, &b), 0);
    assert_string_equal(vpce_test_str(a.new_state, "id"), vpce_test_str(b.new_state, "id"));
    json_decref(a.new_state);
    json_decref(b.new_state);
    json_decref(cfg);
    json_decref(vpc);
}

/* Writes whose first attempt went through but whose answer was lost are retried by the client;
 * EC2 then answers "already there". The operations adopt what is theirs and report the rest. */
static void retried_writes_adopt_their_own_result(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    json_t *igw = make_igw(vpc);
    /* Attach again with a stale prior (vpc_id unknown to vpce): adopted. */
    json_t *stale = json_deep_copy(igw);
    json_object_set_new(stale, "vpc_id", json_null());
    json_t *igw2 = update(&vpce_aws_internet_gateway, stale,
                          json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    assert_string_equal(vpce_test_str(igw2, "vpc_id"), vpce_test_str(vpc, "id"));
    json_t *rt = create(&vpce_aws_route_table, "aws_route_table.a",
                        json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    json_t *sn = create(
        &vpce_aws_subnet, "aws_subnet.a",
        json_pack("{s:s,s:s}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block", "10.0.1.0/24"));
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "RouteTableId", vpce_test_str(rt, "id"));
    vpce_aws_params_add(&p, "DestinationCidrBlock", "0.0.0.0/0");
    vpce_aws_params_add(&p, "GatewayId", vpce_test_str(igw, "id"));
    assert_int_equal(vpce_aws_call(vpce_aws_provider_client(prov), "CreateRoute", &p, NULL), 0);
    vpce_aws_params_release(&p);
    json_t *route = create(&vpce_aws_route, "aws_route.r",
                           json_pack("{s:s,s:s,s:s}", "route_table_id", vpce_test_str(rt, "id"),
                                     "destination_cidr_block", "0.0.0.0/0", "gateway_id",
                                     vpce_test_str(igw, "id")));
    assert_string_equal(vpce_test_str(route, "gateway_id"), vpce_test_str(igw, "id"));
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "RouteTableId", vpce_test_str(rt, "id"));
    vpce_aws_params_add(&p, "SubnetId", vpce_test_str(sn, "id"));
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(vpce_aws_provider_client(prov), "AssociateRouteTable", &p, &r),
                     0);
    vpce_aws_params_release(&p);
    json_t *assoc = create(&vpce_aws_route_table_association, "aws_route_table_association.a",
                           json_pack("{s:s,s:s}", "subnet_id", vpce_test_str(sn, "id"),
                                     "route_table_id", vpce_test_str(rt, "id")));
    assert_string_equal(vpce_test_str(assoc, "id"), vpce_test_str(r, "associationId"));
    json_decref(r);
    json_decref(assoc);
    json_decref(route);
    json_decref(sn);
    json_decref(rt);
    json_decref(igw2);
    json_decref(stale);
    json_decref(igw);
    json_decref(vpc);
}

static void subnet_create_adopts_own_conflict(void **state)
{
    (void)state;
    json_t *vpc = make_vpc();
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "VpcId", vpce_test_str(vpc, "id"));
    vpce_aws_params_add(&p, "CidrBlock", "10.0.7.0/24");
    vpce_aws_params_add(&p, "TagSpecification.1.ResourceType", "subnet");
    vpce_aws_params_add(&p, "TagSpecification.1.Tag.1.Key", "vpce:address");
    vpce_aws_params_add(&p, "TagSpecification.1.Tag.1.Value", "aws_subnet.lost");
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(vpce_aws_provider_client(prov), "CreateSubnet", &p, &r), 0);
    vpce_aws_params_release(&p);
    json_t *st = create(
        &vpce_aws_subnet, "aws_subnet.lost",
        json_pack("{s:s,s:s}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block", "10.0.7.0/24"));
    assert_string_equal(vpce_test_str(st, "id"),
                        vpce_test_str(json_object_get(r, "subnet"), "subnetId"));
    vpce_resource_op op = vpce_test_op(
        prov, "aws_subnet.other", NULL,
        json_pack("{s:s,s:s}", "vpc_id", vpce_test_str(vpc, "id"), "cidr_block", "10.0.7.0/24"));
    assert_true(vpce_aws_subnet.create(&op) < 0);
    assert_true(strncmp(vpce_error_last(), "InvalidSubnet.Conflict", 22) == 0);
    json_decref((json_t *)op.config);
    json_decref(r);
    json_decref(st);
    json_decref(vpc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(vpc_lifecycle, reset),
        cmocka_unit_test_setup(vpc_dependency_violation_names_code, reset),
        cmocka_unit_test_setup(vpc_batch_and_drift, reset),
        cmocka_unit_test_setup(vpc_read_waits_for_consistency, reset),
        cmocka_unit_test_setup(subnet_lifecycle, reset),
        cmocka_unit_test_setup(subnet_batch_and_drift, reset),
        cmocka_unit_test_setup(igw_lifecycle, reset),
        cmocka_unit_test_setup(igw_batch, reset),
        cmocka_unit_test_setup(route_table_lifecycle, reset),
        cmocka_unit_test_setup(route_table_batch_and_drift, reset),
        cmocka_unit_test_setup(route_table_association_lifecycle, reset),
        cmocka_unit_test_setup(route_lifecycle, reset),
        cmocka_unit_test_setup(security_group_lifecycle, reset),
        cmocka_unit_test_setup(security_group_keeps_default_egress_without_egress, reset),
        cmocka_unit_test_setup(security_group_batch_and_drift, reset),
        cmocka_unit_test_setup(security_group_delete_dependency, reset),
        cmocka_unit_test_setup(security_group_rule_lifecycle, reset),
        cmocka_unit_test_setup(security_group_create_adopts_own_duplicate, reset),
        cmocka_unit_test_setup(route_table_client_token, reset),
        cmocka_unit_test_setup(retried_writes_adopt_their_own_result, reset),
        cmocka_unit_test_setup(subnet_create_adopts_own_conflict, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
