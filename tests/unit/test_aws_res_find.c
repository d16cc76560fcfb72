/*
 * Crash recovery searches of the "aws" resource types against the EC2 simulator: objects made by
 * each type's create op (so they carry the vpce:address tag) are found by their address with the
 * state the type's import gives; an absent address (or one that only matches as a filter
 * wildcard) finds nothing; two objects with one address are an error naming both; endpoints being
 * deleted do not count; objects without tags (route, route table association, security group
 * rule, endpoint association and policy) are found from the planned values of their create.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "providers/aws/provider.h"
#include "providers/aws/resources.h"
#include "tests/unit/support/sim.h"

static vpce_sim sim;
static vpce_provider *prov;

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "5", "--buckets", "off", "--pending-ms", "0", NULL};
    if (vpce_sim_start(&sim, args) != 0)
        return -1;
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char cfg[768];
    snprintf(cfg, sizeof(cfg),
             "{\"region\":\"us-east-1\",\"access_key\":\"test\",\"secret_key\":\"test\","
             "\"endpoints\":{\"ec2\":\"%s\",\"sts\":\"%s\"},"
             "\"rate_limits\":{\"endpoint_capacity\":10000,\"endpoint_refill\":10000,"
             "\"mutating_capacity\":10000,\"mutating_refill\":10000,"
             "\"describe_capacity\":10000,\"describe_refill\":10000}}",
             sim.endpoint, sim.endpoint);
    json_t *c = json_loads(cfg, 0, NULL);
    int rc = vpce_aws_configure(&prov, c);
    json_decref(c);
    if (rc) {
        fprintf(stderr, "configure: %s\n", vpce_error_last());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_aws_provider_free(prov);
    vpce_sim_stop(&sim);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    json_decref(vpce_sim_post(&sim, "/_sim/reset", NULL));
    return 0;
}

static const char *sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Creates with config (stolen) through the type's create op; returns the new state. */
static json_t *create(const vpce_resource_type *t, const char *address, json_t *config)
{
    vpce_resource_op op;
    memset(&op, 0, sizeof(op));
    op.provider = prov;
    op.address = address;
    op.config = config;
    op.timeout_ms = 60000;
    int rc = t->create(&op);
    if (rc)
        print_message("create %s: %s\n", address, vpce_error_last());
    assert_int_equal(rc, 0);
    assert_non_null(op.new_state);
    json_decref(config);
    return op.new_state;
}

/* find_planned of type t: asserts success, returns *out (may be NULL). */
static json_t *find(const vpce_resource_type *t, const char *address, const json_t *planned)
{
    assert_non_null(t->find_planned);
    assert_non_null(t->find_by_address);
    json_t *out = NULL;
    int rc = t->find_planned(prov, address, NULL, planned, &out);
    if (rc)
        print_message("find %s: %s\n", address, vpce_error_last());
    assert_int_equal(rc, 0);
    return out;
}

/* Finds address and checks it is the object `made` (same id, same state as its import). */
static void assert_found(const vpce_resource_type *t, const char *address, const json_t *made)
{
    json_t *got = find(t, address, NULL);
    if (!got)
        fail_msg("%s: not found", address);
    assert_string_equal(sget(got, "id"), sget(made, "id"));
    json_t *imp = NULL;
    assert_int_equal(t->import(prov, sget(made, "id"), &imp), 0);
    assert_true(vpce_value_equal(got, imp));
    json_decref(imp);
    json_decref(got);
}

static json_t *make_vpc(const char *address)
{
    return create(&vpce_aws_vpc, address, json_pack("{s:s}", "cidr_block", "10.0.0.0/16"));
}

static void tagged_types_found_by_address(void **state)
{
    (void)state;
    json_t *vpc = make_vpc("aws_vpc.main");
    const char *v = sget(vpc, "id");
    json_t *sn = create(&vpce_aws_subnet, "aws_subnet.private[0]",
                        json_pack("{s:s,s:s}", "vpc_id", v, "cidr_block", "10.0.1.0/24"));
    json_t *rt =
        create(&vpce_aws_route_table, "aws_route_table.private", json_pack("{s:s}", "vpc_id", v));
    json_t *igw = create(&vpce_aws_internet_gateway, "aws_internet_gateway.main",
                         json_pack("{s:s}", "vpc_id", v));
    json_t *sg = create(&vpce_aws_security_group, "aws_security_group.endpoints",
                        json_pack("{s:s,s:s}", "name", "endpoints", "vpc_id", v));
    json_t *ep = create(&vpce_aws_vpc_endpoint, "aws_vpc_endpoint.gw[\"s3\"]",
                        json_pack("{s:s,s:s,s:s,s:[s]}", "vpc_id", v, "service_name",
                                  "com.amazonaws.us-east-1.s3", "vpc_endpoint_type", "Gateway",
                                  "route_table_ids", sget(rt, "id")));

    assert_found(&vpce_aws_vpc, "aws_vpc.main", vpc);
    assert_found(&vpce_aws_subnet, "aws_subnet.private[0]", sn);
    assert_found(&vpce_aws_route_table, "aws_route_table.private", rt);
    assert_found(&vpce_aws_internet_gateway, "aws_internet_gateway.main", igw);
    assert_found(&vpce_aws_security_group, "aws_security_group.endpoints", sg);
    assert_found(&vpce_aws_vpc_endpoint, "aws_vpc_endpoint.gw[\"s3\"]", ep);

    /* Absent addresses, another index, and EC2 filter wildcards find nothing. */
    assert_null(find(&vpce_aws_vpc, "aws_vpc.other", NULL));
    assert_null(find(&vpce_aws_subnet, "aws_subnet.private[1]", NULL));
    assert_null(find(&vpce_aws_vpc, "aws_vpc.ma*", NULL));
    assert_null(find(&vpce_aws_vpc_endpoint, "aws_vpc_endpoint.gw[\"s?\"]", NULL));
    /* find_by_address is the same search. */
    json_t *out = NULL;
    assert_int_equal(vpce_aws_vpc.find_by_address(prov, "aws_vpc.main", "tok", &out), 0);
    assert_string_equal(sget(out, "id"), v);
    json_decref(out);

    /* An endpoint that is being deleted is not the object a create made. */
    char body[256];
    snprintf(body, sizeof(body),
             "{\"op\":\"set\",\"id\":\"%s\",\"field\":\"State\",\"value\":"
             "\"deleting\"}",
             sget(ep, "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/mutate", body));
    assert_null(find(&vpce_aws_vpc_endpoint, "aws_vpc_endpoint.gw[\"s3\"]", NULL));

    json_decref(vpc);
    json_decref(sn);
    json_decref(rt);
    json_decref(igw);
    json_decref(sg);
    json_decref(ep);
}

static void duplicate_is_an_error(void **state)
{
    (void)state;
    json_t *a = make_vpc("aws_vpc.dup");
    json_t *b = make_vpc("aws_vpc.dup");
    json_t *out = NULL;
    int rc = vpce_aws_vpc.find_planned(prov, "aws_vpc.dup", NULL, NULL, &out);
    assert_int_equal(rc, VPCE_EEXISTS);
    assert_null(out);
    const char *msg = vpce_error_last();
    assert_non_null(strstr(msg, sget(a, "id")));
    assert_non_null(strstr(msg, sget(b, "id")));
    json_decref(a);
    json_decref(b);
}

static void untagged_types_found_from_planned_values(void **state)
{
    (void)state;
    json_t *vpc = make_vpc("aws_vpc.main");
    const char *v = sget(vpc, "id");
    json_t *sn = create(&vpce_aws_subnet, "aws_subnet.a",
                        json_pack("{s:s,s:s}", "vpc_id", v, "cidr_block", "10.0.1.0/24"));
    json_t *rt =
        create(&vpce_aws_route_table, "aws_route_table.a", json_pack("{s:s}", "vpc_id", v));
    json_t *igw = create(&vpce_aws_internet_gateway, "aws_internet_gateway.a",
                         json_pack("{s:s}", "vpc_id", v));
    json_t *sg = create(&vpce_aws_security_group, "aws_security_group.a",
                        json_pack("{s:s,s:s}", "name", "a", "vpc_id", v));
    const char *rtb = sget(rt, "id");

    /* aws_route: the planned values carry unknown computed attributes, as in a plan. */
    json_t *route_cfg =
        json_pack("{s:s,s:s,s:s,s:o}", "route_table_id", rtb, "destination_cidr_block", "0.0.0.0/0",
                  "gateway_id", sget(igw, "id"), "id", vpce_unknown());
    json_t *other_cfg = json_pack("{s:s,s:s,s:s}", "route_table_id", rtb, "destination_cidr_block",
                                  "10.9.0.0/16", "gateway_id", sget(igw, "id"));
    assert_null(find(&vpce_aws_route, "aws_route.a", route_cfg));
    json_t *route = create(&vpce_aws_route, "aws_route.a", json_deep_copy(route_cfg));
    json_t *got = find(&vpce_aws_route, "aws_route.a", route_cfg);
    assert_non_null(got);
    assert_string_equal(sget(got, "id"), sget(route, "id"));
    assert_false(vpce_contains_unknown(got));
    json_decref(got);
    assert_null(find(&vpce_aws_route, "aws_route.a", other_cfg));
    /* The planned destination with another target: someone else's route, not adopted. */
    json_t *foreign_cfg =
        json_pack("{s:s,s:s,s:s}", "route_table_id", rtb, "destination_cidr_block", "0.0.0.0/0",
                  "gateway_id", "igw-00000000000000000");
    assert_null(find(&vpce_aws_route, "aws_route.a", foreign_cfg));
    json_decref(foreign_cfg);
    /* Without planned values nothing can be looked for: nothing found. */
    assert_null(find(&vpce_aws_route, "aws_route.a", NULL));

    /* aws_route_table_association */
    json_t *assoc_cfg = json_pack("{s:s,s:s,s:o}", "subnet_id", sget(sn, "id"), "route_table_id",
                                  rtb, "id", vpce_unknown());
    assert_null(
        find(&vpce_aws_route_table_association, "aws_route_table_association.a", assoc_cfg));
    json_t *assoc = create(&vpce_aws_route_table_association, "aws_route_table_association.a",
                           json_deep_copy(assoc_cfg));
    got = find(&vpce_aws_route_table_association, "aws_route_table_association.a", assoc_cfg);
    assert_non_null(got);
    assert_string_equal(sget(got, "id"), sget(assoc, "id"));
    json_decref(got);

    /* aws_security_group_rule */
    json_t *rule_cfg = json_pack(
        "{s:s,s:s,s:i,s:i,s:s,s:[s],s:n,s:n,s:n,s:b,s:n,s:o}", "security_group_id", sget(sg, "id"),
        "type", "ingress", "from_port", 443, "to_port", 443, "protocol", "tcp", "cidr_blocks",
        "10.0.0.0/16", "ipv6_cidr_blocks", "prefix_list_ids", "source_security_group_id", "self", 0,
        "description", "security_group_rule_id", vpce_unknown());
    assert_null(find(&vpce_aws_security_group_rule, "aws_security_group_rule.a", rule_cfg));
    json_t *rule = create(&vpce_aws_security_group_rule, "aws_security_group_rule.a",
                          json_deep_copy(rule_cfg));
    got = find(&vpce_aws_security_group_rule, "aws_security_group_rule.a", rule_cfg);
    assert_non_null(got);
    assert_string_equal(sget(got, "id"), sget(rule, "id"));
    assert_false(vpce_contains_unknown(got));
    json_decref(got);

    /* aws_vpc_endpoint_route_table_association and aws_vpc_endpoint_policy */
    json_t *ep =
        create(&vpce_aws_vpc_endpoint, "aws_vpc_endpoint.ddb",
               json_pack("{s:s,s:s,s:s}", "vpc_id", v, "service_name",
                         "com.amazonaws.us-east-1.dynamodb", "vpc_endpoint_type", "Gateway"));
    json_t *ea_cfg =
        json_pack("{s:s,s:s}", "vpc_endpoint_id", sget(ep, "id"), "route_table_id", rtb);
    assert_null(find(&vpce_aws_vpc_endpoint_route_table_association,
                     "aws_vpc_endpoint_route_table_association.a", ea_cfg));
    json_t *ea = create(&vpce_aws_vpc_endpoint_route_table_association,
                        "aws_vpc_endpoint_route_table_association.a", json_deep_copy(ea_cfg));
    got = find(&vpce_aws_vpc_endpoint_route_table_association,
               "aws_vpc_endpoint_route_table_association.a", ea_cfg);
    assert_non_null(got);
    assert_string_equal(sget(got, "id"), sget(ea, "id"));
    json_decref(got);
    json_t *pol_cfg = json_pack("{s:s}", "vpc_endpoint_id", sget(ep, "id"));
    got = find(&vpce_aws_vpc_endpoint_policy, "aws_vpc_endpoint_policy.a", pol_cfg);
    assert_non_null(got);
    assert_string_equal(sget(got, "id"), sget(ep, "id"));
    json_decref(got);
    /* A parent that does not exist: nothing was made. */
    json_t *gone_cfg =
        json_pack("{s:s,s:s}", "vpc_endpoint_id", "vpce-00000000000000000", "route_table_id", rtb);
    assert_null(find(&vpce_aws_vpc_endpoint_route_table_association,
                     "aws_vpc_endpoint_route_table_association.b", gone_cfg));
    json_decref(gone_cfg);

    json_t *objs[] = {vpc,       sn,    rt,       igw,  sg, route_cfg, other_cfg, route,
                      assoc_cfg, assoc, rule_cfg, rule, ep, ea_cfg,    ea,        pol_cfg};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        json_decref(objs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(tagged_types_found_by_address, reset),
        cmocka_unit_test_setup(duplicate_is_an_error, reset),
        cmocka_unit_test_setup(untagged_types_found_from_planned_values, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
