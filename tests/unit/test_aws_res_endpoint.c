/*
 * The VPC endpoint resource family against the EC2 simulator: gateway and interface endpoints
 * (create, update in one ModifyVpcEndpoint, tags, delete waiting until gone), association
 * resources folded into one modify, batched refresh, ClientToken idempotency, EC2 error codes in
 * messages, and the shared endpoint waiter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "providers/aws/provider.h"
#include "providers/aws/resources.h"
#include "tests/unit/support/awsprov.h"

static vpce_sim sim;
static vpce_provider *prov;

#define S3  "com.amazonaws.us-east-1.s3"
#define SSM "com.amazonaws.us-east-1.ssm"

#define POLICY1                                                                                    \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","        \
    "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"
#define POLICY2                                                                                    \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","         \
    "\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"

/* The network each test builds first. */
struct net {
    char vpc[64];
    char rt[3][64];
    char subnet[3][64];
    char sg[2][64];
};

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "11", "--pending-ms", "100", "--buckets", "off", NULL};
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
    vpce_test_aws_reset(&sim, "{\"pending_ms\":100}");
    return 0;
}

static void copy_id(char *dst, const json_t *r, const char *obj, const char *key)
{
    const char *id = json_string_value(json_object_get(json_object_get(r, obj), key));
    assert_non_null(id);
    snprintf(dst, 64, "%s", id);
}

static void make_net(struct net *n)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "CidrBlock", "10.0.0.0/16");
    json_t *r = vpce_test_aws_call(prov, "CreateVpc", &p);
    copy_id(n->vpc, r, "vpc", "vpcId");
    json_decref(r);
    for (int i = 0; i < 3; i++) {
        vpce_aws_params_init(&p);
        vpce_aws_params_add(&p, "VpcId", n->vpc);
        r = vpce_test_aws_call(prov, "CreateRouteTable", &p);
        copy_id(n->rt[i], r, "routeTable", "routeTableId");
        json_decref(r);
        char cidr[32], az[32];
        snprintf(cidr, sizeof(cidr), "10.0.%d.0/24", i + 1);
        snprintf(az, sizeof(az), "us-east-1%c", 'a' + i);
        vpce_aws_params_init(&p);
        vpce_aws_params_add(&p, "VpcId", n->vpc);
        vpce_aws_params_add(&p, "CidrBlock", cidr);
        vpce_aws_params_add(&p, "AvailabilityZone", az);
        r = vpce_test_aws_call(prov, "CreateSubnet", &p);
        copy_id(n->subnet[i], r, "subnet", "subnetId");
        json_decref(r);
    }
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof(name), "sg%d", i);
        vpce_aws_params_init(&p);
        vpce_aws_params_add(&p, "VpcId", n->vpc);
        vpce_aws_params_add(&p, "GroupName", name);
        vpce_aws_params_add(&p, "GroupDescription", name);
        r = vpce_test_aws_call(prov, "CreateSecurityGroup", &p);
        const char *id = json_string_value(json_object_get(r, "groupId"));
        assert_non_null(id);
        snprintf(n->sg[i], 64, "%s", id);
        json_decref(r);
    }
}

static json_t *world_get(const char *collection, const char *key, const char *id)
{
    json_t *w = vpce_sim_get(&sim, "/_sim/world");
    assert_non_null(w);
    json_t *found = NULL, *item;
    size_t i;
    json_array_foreach(json_object_get(w, collection), i, item)
    {
        if (strcmp(vpce_test_str(item, key), id) == 0)
            found = json_incref(item);
    }
    json_decref(w);
    return found;
}

static bool route_to(const char *rtb, const char *pl, const char *vpce)
{
    json_t *rt = world_get("route_tables", "RouteTableId", rtb);
    assert_non_null(rt);
    bool found = false;
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(rt, "Routes"), i, r)
    {
        const char *d = vpce_test_str(r, "DestinationPrefixListId");
        const char *g = vpce_test_str(r, "GatewayId");
        if (d && g && strcmp(d, pl) == 0 && strcmp(g, vpce) == 0)
            found = true;
    }
    json_decref(rt);
    return found;
}

static json_t *gateway_config(const struct net *n, int nrt, const char *policy)
{
    json_t *rts = json_array();
    for (int i = 0; i < nrt; i++)
        json_array_append_new(rts, json_string(n->rt[i]));
    json_t *c = json_pack("{s:s,s:s,s:s,s:o,s:{s:s},s:o}", "vpc_id", n->vpc, "service_name", S3,
                          "vpc_endpoint_type", "Gateway", "route_table_ids", rts, "tags", "Name",
                          "s3", "security_group_ids", vpce_unknown());
    json_object_set_new(c, "policy", policy ? json_string(policy) : json_null());
    return c;
}

static void test_gateway_lifecycle(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_t *cfg = gateway_config(&n, 1, POLICY1);
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc_endpoint.s3", NULL, cfg);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &op), 0);
    json_t *st = op.new_state;
    const char *id = vpce_test_str(st, "id");
    assert_non_null(id);
    assert_int_equal(strncmp(id, "vpce-", 5), 0);
    assert_string_equal(vpce_test_str(st, "state"), "available");
    assert_string_equal(vpce_test_str(st, "vpc_endpoint_type"), "Gateway");
    assert_string_equal(vpce_test_str(st, "prefix_list_id"), "pl-63a5400a");
    assert_true(json_array_size(json_object_get(st, "cidr_blocks")) > 0);
    assert_string_equal(vpce_test_str(st, "owner_id"), "123456789012");
    char arn[160];
    snprintf(arn, sizeof(arn), "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/%s", id);
    assert_string_equal(vpce_test_str(st, "arn"), arn);
    assert_false(json_is_true(json_object_get(st, "requester_managed")));
    assert_int_equal(json_array_size(json_object_get(st, "route_table_ids")), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(st, "route_table_ids"), 0)), n.rt[0]);
    /* The policy as written (normalised), tags without default tags and the address tag. */
    json_t *want_pol = json_loads(POLICY1, 0, NULL);
    json_t *got_pol = json_loads(vpce_test_str(st, "policy"), 0, NULL);
    assert_true(json_equal(want_pol, got_pol));
    json_decref(want_pol);
    json_decref(got_pol);
    assert_int_equal(json_object_size(json_object_get(st, "tags")), 1);
    assert_string_equal(vpce_test_str(json_object_get(st, "tags"), "Name"), "s3");
    assert_string_equal(vpce_test_str(json_object_get(st, "tags_all"), "team"), "net");
    assert_null(json_object_get(json_object_get(st, "tags_all"), "vpce:address"));
    /* The route to the prefix list is in the route table, and the address tag on the endpoint. */
    assert_true(route_to(n.rt[0], "pl-63a5400a", id));
    json_t *w = vpce_sim_get(&sim, "/_sim/world");
    assert_string_equal(
        vpce_test_str(json_object_get(json_object_get(w, "tags"), id), "vpce:address"),
        "aws_vpc_endpoint.s3");
    json_decref(w);

    /* Add a route table and change the policy: exactly one ModifyVpcEndpoint. Tags change too. */
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *cfg2 = gateway_config(&n, 2, POLICY2);
    json_object_set_new(cfg2, "tags", json_pack("{s:s}", "Env", "test"));
    vpce_resource_op up = vpce_test_op(prov, "aws_vpc_endpoint.s3", st, cfg2);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_update, &up), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "CreateTags"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DeleteTags"), 1);
    json_t *st2 = up.new_state;
    assert_int_equal(json_array_size(json_object_get(st2, "route_table_ids")), 2);
    assert_true(route_to(n.rt[1], "pl-63a5400a", id));
    want_pol = json_loads(POLICY2, 0, NULL);
    got_pol = json_loads(vpce_test_str(st2, "policy"), 0, NULL);
    assert_true(json_equal(want_pol, got_pol));
    json_decref(want_pol);
    json_decref(got_pol);
    assert_string_equal(vpce_test_str(json_object_get(st2, "tags"), "Env"), "test");
    assert_null(json_object_get(json_object_get(st2, "tags"), "Name"));

    /* The same policy written differently and the same tags: nothing to send. */
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *same = gateway_config(&n, 2, NULL);
    json_object_set_new(same, "tags", json_pack("{s:s}", "Env", "test"));
    json_t *doc = json_loads(POLICY2, 0, NULL);
    char *spaced = json_dumps(doc, JSON_INDENT(2));
    json_object_set_new(same, "policy", json_string(spaced));
    free(spaced);
    json_decref(doc);
    vpce_resource_op noop = vpce_test_op(prov, "aws_vpc_endpoint.s3", st2, same);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_update, &noop), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "CreateTags"), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DeleteTags"), 0);
    assert_true(json_equal(noop.new_state, st2));
    json_decref(noop.new_state);
    json_decref(same);

    /* A null policy resets to the service's default. */
    json_t *cfg3 = gateway_config(&n, 2, NULL);
    json_object_set_new(cfg3, "policy", json_string(""));
    vpce_resource_op up3 = vpce_test_op(prov, "aws_vpc_endpoint.s3", st2, cfg3);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_update, &up3), 0);
    assert_non_null(strstr(vpce_test_str(up3.new_state, "policy"), "2008-10-17"));

    /* Delete waits until the endpoint is gone and its routes with it. */
    vpce_resource_op del = vpce_test_op(prov, "aws_vpc_endpoint.s3", up3.new_state, NULL);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_delete, &del), 0);
    json_t *gone = world_get("vpc_endpoints", "VpcEndpointId", id);
    assert_null(gone);
    assert_false(route_to(n.rt[0], "pl-63a5400a", id));
    /* Deleting again: EC2 reports NotFound in `unsuccessful`, which is success. */
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_delete, &del), 0);

    json_decref(cfg);
    json_decref(cfg2);
    json_decref(cfg3);
    json_decref(st);
    json_decref(st2);
    json_decref(up3.new_state);
}

static json_t *interface_config(const struct net *n, int nsub)
{
    json_t *subs = json_array();
    for (int i = 0; i < nsub; i++)
        json_array_append_new(subs, json_string(n->subnet[i]));
    return json_pack("{s:s,s:s,s:s,s:o,s:[s],s:b,s:{s:s}}", "vpc_id", n->vpc, "service_name", SSM,
                     "vpc_endpoint_type", "Interface", "subnet_ids", subs, "security_group_ids",
                     n->sg[0], "private_dns_enabled", 0, "timeouts", "create", "2m");
}

static void test_interface_subnets(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_t *cfg = interface_config(&n, 2);
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc_endpoint.ssm", NULL, cfg);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &op), 0);
    json_t *st = op.new_state;
    assert_string_equal(vpce_test_str(st, "vpc_endpoint_type"), "Interface");
    assert_int_equal(json_array_size(json_object_get(st, "network_interface_ids")), 2);
    assert_int_equal(json_array_size(json_object_get(st, "subnet_ids")), 2);
    assert_true(json_array_size(json_object_get(st, "dns_entry")) >= 3);
    assert_non_null(vpce_test_str(json_array_get(json_object_get(st, "dns_entry"), 0), "dns_name"));
    assert_true(json_is_false(json_object_get(st, "private_dns_enabled")));
    assert_true(json_is_null(json_object_get(st, "prefix_list_id")));
    assert_string_equal(vpce_test_str(json_object_get(st, "timeouts"), "create"), "2m");
    assert_true(json_is_true(json_object_get(st, "requester_managed")) ||
                json_is_false(json_object_get(st, "requester_managed")));

    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *cfg2 = interface_config(&n, 3);
    vpce_resource_op up = vpce_test_op(prov, "aws_vpc_endpoint.ssm", st, cfg2);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_update, &up), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 1);
    assert_int_equal(json_array_size(json_object_get(up.new_state, "network_interface_ids")), 3);
    assert_int_equal(json_array_size(json_object_get(up.new_state, "subnet_ids")), 3);

    /* import reads the same endpoint. */
    json_t *imp = NULL;
    assert_int_equal(vpce_aws_endpoint_import(prov, vpce_test_str(st, "id"), &imp), 0);
    assert_true(json_equal(json_object_get(imp, "subnet_ids"),
                           json_object_get(up.new_state, "subnet_ids")));
    json_decref(imp);
    assert_int_equal(vpce_aws_endpoint_import(prov, "vpce-0123456789abcdef0", &imp),
                     VPCE_ENOTFOUND);

    vpce_resource_op del = vpce_test_op(prov, "aws_vpc_endpoint.ssm", up.new_state, NULL);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_delete, &del), 0);
    json_decref(cfg);
    json_decref(cfg2);
    json_decref(st);
    json_decref(up.new_state);
}

struct assoc_job {
    int (*fn)(vpce_resource_op *);
    vpce_resource_op op;
    int rc;
};

static void *assoc_thread(void *arg)
{
    struct assoc_job *j = arg;
    j->rc = j->fn(&j->op);
    if (j->rc)
        fprintf(stderr, "%s: %s\n", j->op.address, vpce_error_last());
    return NULL;
}

static void run_parallel(struct assoc_job *jobs, size_t n)
{
    pthread_t t[8];
    for (size_t i = 0; i < n; i++)
        pthread_create(&t[i], NULL, assoc_thread, &jobs[i]);
    for (size_t i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(jobs[i].rc, 0);
}

static void test_associations_fold(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_t *cfg = interface_config(&n, 1);
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc_endpoint.ssm", NULL, cfg);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &op), 0);
    const char *ep = vpce_test_str(op.new_state, "id");

    json_t *c1 = json_pack("{s:s,s:s}", "vpc_endpoint_id", ep, "subnet_id", n.subnet[1]);
    json_t *c2 = json_pack("{s:s,s:s}", "vpc_endpoint_id", ep, "subnet_id", n.subnet[2]);
    json_t *c3 = json_pack("{s:s,s:s,s:b}", "vpc_endpoint_id", ep, "security_group_id", n.sg[1],
                           "replace_default_association", 0);
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    uint64_t before = vpce_aws_endpoint_modify_count(prov);
    struct assoc_job jobs[3] = {
        {vpce_aws_endpoint_subnet_assoc_create, vpce_test_op(prov, "a.s1", NULL, c1), 0},
        {vpce_aws_endpoint_subnet_assoc_create, vpce_test_op(prov, "a.s2", NULL, c2), 0},
        {vpce_aws_endpoint_sg_assoc_create, vpce_test_op(prov, "a.sg", NULL, c3), 0},
    };
    run_parallel(jobs, 3);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 1);
    assert_int_equal(vpce_sim_count(&sim, "errors", "OperationInProgress"), 0);
    assert_int_equal(vpce_aws_endpoint_modify_count(prov) - before, 1);
    json_t *w = world_get("vpc_endpoints", "VpcEndpointId", ep);
    assert_int_equal(json_array_size(json_object_get(w, "SubnetIds")), 3);
    assert_int_equal(json_array_size(json_object_get(w, "Groups")), 2);
    json_decref(w);
    char want_id[160];
    snprintf(want_id, sizeof(want_id), "a-%s", ep);
    assert_int_equal(strncmp(vpce_test_str(jobs[0].op.new_state, "id"), want_id, strlen(want_id)),
                     0);

    /* Refresh: one DescribeVpcEndpoints for all three; import by "vpce/subnet". */
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *priors[2] = {jobs[0].op.new_state, jobs[1].op.new_state};
    json_t *out[2] = {NULL, NULL};
    assert_int_equal(vpce_aws_endpoint_subnet_assoc_read_batch(prov, priors, 2, out), 0);
    assert_non_null(out[0]);
    assert_non_null(out[1]);
    assert_true(json_equal(out[0], jobs[0].op.new_state));
    json_decref(out[0]);
    json_decref(out[1]);
    json_t *sgout = NULL;
    json_t *sgp[1] = {jobs[2].op.new_state};
    assert_int_equal(vpce_aws_endpoint_sg_assoc_read_batch(prov, sgp, 1, &sgout), 0);
    assert_non_null(sgout);
    json_decref(sgout);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeVpcEndpoints"), 2);
    char imp_id[160];
    snprintf(imp_id, sizeof(imp_id), "%s/%s", ep, n.subnet[2]);
    json_t *imp = NULL;
    assert_int_equal(vpce_aws_endpoint_subnet_assoc_import(prov, imp_id, &imp), 0);
    assert_string_equal(vpce_test_str(imp, "id"), vpce_test_str(jobs[1].op.new_state, "id"));
    json_decref(imp);
    assert_int_equal(vpce_aws_endpoint_subnet_assoc_import(prov, "nonsense", &imp), VPCE_EINVALID);

    /* The policy resource and the endpoint's own update fold with an association delete. */
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *pc = json_pack("{s:s,s:s}", "vpc_endpoint_id", ep, "policy", POLICY1);
    struct assoc_job jobs2[3] = {
        {vpce_aws_endpoint_subnet_assoc_delete,
         vpce_test_op(prov, "a.s1", jobs[0].op.new_state, NULL), 0},
        {vpce_aws_endpoint_subnet_assoc_delete,
         vpce_test_op(prov, "a.s2", jobs[1].op.new_state, NULL), 0},
        {vpce_aws_endpoint_policy_create, vpce_test_op(prov, "p", NULL, pc), 0},
    };
    run_parallel(jobs2, 3);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 1);
    json_t *pp[1] = {jobs2[2].op.new_state};
    json_t *pout = NULL;
    assert_int_equal(vpce_aws_endpoint_policy_read_batch(prov, pp, 1, &pout), 0);
    json_t *a = json_loads(POLICY1, 0, NULL),
           *b = json_loads(vpce_test_str(pout, "policy"), 0, NULL);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    json_decref(pout);
    w = world_get("vpc_endpoints", "VpcEndpointId", ep);
    assert_int_equal(json_array_size(json_object_get(w, "SubnetIds")), 1);
    json_decref(w);
    /* The associations are gone from a refresh. */
    assert_int_equal(vpce_aws_endpoint_subnet_assoc_read_batch(prov, priors, 2, out), 0);
    assert_null(out[0]);
    assert_null(out[1]);

    for (int i = 0; i < 3; i++) {
        json_decref(jobs[i].op.new_state);
        json_decref(jobs2[i].op.new_state);
    }
    json_decref(c1);
    json_decref(c2);
    json_decref(c3);
    json_decref(pc);
    json_decref(cfg);
    json_decref(op.new_state);
}

static void test_route_table_association(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_t *cfg = gateway_config(&n, 1, NULL);
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc_endpoint.s3", NULL, cfg);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &op), 0);
    const char *ep = vpce_test_str(op.new_state, "id");
    json_t *c = json_pack("{s:s,s:s}", "vpc_endpoint_id", ep, "route_table_id", n.rt[2]);
    vpce_resource_op a = vpce_test_op(prov, "aws_vpc_endpoint_route_table_association.x", NULL, c);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_rt_assoc_create, &a), 0);
    assert_true(route_to(n.rt[2], "pl-63a5400a", ep));
    vpce_resource_op d =
        vpce_test_op(prov, "aws_vpc_endpoint_route_table_association.x", a.new_state, NULL);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_rt_assoc_delete, &d), 0);
    assert_false(route_to(n.rt[2], "pl-63a5400a", ep));
    json_decref(a.new_state);
    json_decref(c);
    json_decref(cfg);
    json_decref(op.new_state);
}

static void test_read_batch_many(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"pending_ms\":0}"));
    enum { N = 50 };
    json_t *priors[N], *out[N];
    for (int i = 0; i < N; i++) {
        vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
        vpce_aws_params_add(&p, "VpcId", n.vpc);
        vpce_aws_params_add(&p, "ServiceName", SSM);
        vpce_aws_params_add(&p, "VpcEndpointType", "Interface");
        vpce_aws_params_add(&p, "PrivateDnsEnabled", "false");
        json_t *r = vpce_test_aws_call(prov, "CreateVpcEndpoint", &p);
        char id[64];
        copy_id(id, r, "vpcEndpoint", "vpcEndpointId");
        json_decref(r);
        priors[i] = json_pack("{s:s}", "id", id);
    }
    char body[160];
    snprintf(body, sizeof(body), "{\"op\":\"delete\",\"id\":\"%s\"}",
             vpce_test_str(priors[7], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/mutate", body));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(prov, priors, N, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeVpcEndpoints"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribePrefixLists"), 0);
    for (int i = 0; i < N; i++) {
        if (i == 7) {
            assert_null(out[i]);
            continue;
        }
        assert_non_null(out[i]);
        assert_string_equal(vpce_test_str(out[i], "id"), vpce_test_str(priors[i], "id"));
        json_decref(out[i]);
    }
    /* A gateway endpoint costs one DescribePrefixLists more; a "deleted" one is gone too. */
    json_t *cfg = gateway_config(&n, 1, NULL);
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc_endpoint.s3", NULL, cfg);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &op), 0);
    json_decref(priors[8]);
    priors[8] = op.new_state;
    snprintf(body, sizeof(body),
             "{\"op\":\"set\",\"id\":\"%s\",\"field\":\"State\",\"value\":\"deleted\"}",
             vpce_test_str(priors[9], "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/mutate", body));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(prov, priors, N, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeVpcEndpoints"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribePrefixLists"), 1);
    assert_string_equal(vpce_test_str(out[8], "prefix_list_id"), "pl-63a5400a");
    assert_null(out[9]);
    for (int i = 0; i < N; i++) {
        json_decref(out[i]);
        json_decref(priors[i]);
    }
    json_decref(cfg);
}

static void test_client_token_and_errors(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_t *cfg = gateway_config(&n, 1, NULL);
    vpce_resource_op a = vpce_test_op(prov, "aws_vpc_endpoint.s3", NULL, cfg);
    a.token = "apply-1234-aws_vpc_endpoint.s3";
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &a), 0);
    vpce_resource_op b = vpce_test_op(prov, "aws_vpc_endpoint.s3", NULL, cfg);
    b.token = a.token;
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &b), 0);
    assert_string_equal(vpce_test_str(a.new_state, "id"), vpce_test_str(b.new_state, "id"));
    json_t *w = vpce_sim_get(&sim, "/_sim/world");
    assert_int_equal(json_array_size(json_object_get(w, "vpc_endpoints")), 1);
    json_decref(w);

    /* A bad service name: EC2's code starts the message. */
    json_t *bad =
        json_pack("{s:s,s:s}", "vpc_id", n.vpc, "service_name", "com.amazonaws.us-east-1.nope");
    vpce_resource_op c = vpce_test_op(prov, "aws_vpc_endpoint.bad", NULL, bad);
    assert_int_not_equal(vpce_aws_endpoint_create(&c), 0);
    assert_non_null(strstr(vpce_error_last(), "InvalidServiceName"));
    assert_null(c.new_state);
    json_t *glb = json_pack("{s:s,s:s,s:s}", "vpc_id", n.vpc, "service_name", S3,
                            "vpc_endpoint_type", "GatewayLoadBalancer");
    vpce_resource_op d = vpce_test_op(prov, "aws_vpc_endpoint.glb", NULL, glb);
    assert_int_not_equal(vpce_aws_endpoint_create(&d), 0);
    assert_non_null(strstr(vpce_error_last(), "not supported"));

    json_decref(a.new_state);
    json_decref(b.new_state);
    json_decref(cfg);
    json_decref(bad);
    json_decref(glb);
}

struct wait_job {
    char id[64];
    int rc;
};

static void *wait_thread(void *arg)
{
    struct wait_job *j = arg;
    j->rc = vpce_aws_wait_endpoint(prov, j->id, false, 30000, NULL);
    return NULL;
}

static void test_waiter_shared(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"pending_ms\":300}"));
    enum { W = 5 };
    struct wait_job jobs[W];
    for (int i = 0; i < W; i++) {
        vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
        vpce_aws_params_add(&p, "VpcId", n.vpc);
        vpce_aws_params_add(&p, "ServiceName", SSM);
        vpce_aws_params_add(&p, "VpcEndpointType", "Interface");
        vpce_aws_params_add(&p, "PrivateDnsEnabled", "false");
        json_t *r = vpce_test_aws_call(prov, "CreateVpcEndpoint", &p);
        copy_id(jobs[i].id, r, "vpcEndpoint", "vpcEndpointId");
        json_decref(r);
    }
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    pthread_t t[W];
    for (int i = 0; i < W; i++)
        pthread_create(&t[i], NULL, wait_thread, &jobs[i]);
    for (int i = 0; i < W; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < W; i++)
        assert_int_equal(jobs[i].rc, 0);
    /* Alone, each waiter polls at 0, 200 and 600 ms: 3 polls, 15 for five. Shared: ~3-4. */
    long polls = vpce_sim_count(&sim, "actions", "DescribeVpcEndpoints");
    print_message("shared waiter polls: %ld\n", polls);
    assert_true(polls >= 2);
    assert_true(polls < 2 * W);
}

static void test_replace_default_and_in_progress(void **state)
{
    (void)state;
    struct net n;
    make_net(&n);
    /* No security group given: EC2 puts the VPC's default group on the endpoint. */
    json_t *cfg = json_pack("{s:s,s:s,s:s,s:[s],s:b}", "vpc_id", n.vpc, "service_name", SSM,
                            "vpc_endpoint_type", "Interface", "subnet_ids", n.subnet[0],
                            "private_dns_enabled", 0);
    vpce_resource_op op = vpce_test_op(prov, "aws_vpc_endpoint.ssm", NULL, cfg);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_create, &op), 0);
    const char *ep = vpce_test_str(op.new_state, "id");
    assert_int_equal(json_array_size(json_object_get(op.new_state, "security_group_ids")), 1);
    const char *dflt =
        json_string_value(json_array_get(json_object_get(op.new_state, "security_group_ids"), 0));
    assert_string_not_equal(dflt, n.sg[0]);

    json_t *c = json_pack("{s:s,s:s,s:b}", "vpc_endpoint_id", ep, "security_group_id", n.sg[0],
                          "replace_default_association", 1);
    vpce_resource_op a =
        vpce_test_op(prov, "aws_vpc_endpoint_security_group_association.x", NULL, c);
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_sg_assoc_create, &a), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 1);
    json_t *w = world_get("vpc_endpoints", "VpcEndpointId", ep);
    json_t *groups = json_object_get(w, "Groups");
    assert_int_equal(json_array_size(groups), 1);
    assert_string_equal(vpce_test_str(json_array_get(groups, 0), "GroupId"), n.sg[0]);
    json_decref(w);
    /* Deleting it puts the default group back in the same call. */
    vpce_resource_op d =
        vpce_test_op(prov, "aws_vpc_endpoint_security_group_association.x", a.new_state, NULL);
    assert_int_equal(vpce_test_run_op(vpce_aws_endpoint_sg_assoc_delete, &d), 0);
    w = world_get("vpc_endpoints", "VpcEndpointId", ep);
    groups = json_object_get(w, "Groups");
    assert_int_equal(json_array_size(groups), 1);
    assert_string_not_equal(vpce_test_str(json_array_get(groups, 0), "GroupId"), n.sg[0]);
    json_decref(w);

    /* A modify while the endpoint is still pending: OperationInProgress, wait, then success. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"pending_ms\":400}"));
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "VpcId", n.vpc);
    vpce_aws_params_add(&p, "ServiceName", S3);
    json_t *r = vpce_test_aws_call(prov, "CreateVpcEndpoint", &p);
    char id[64];
    copy_id(id, r, "vpcEndpoint", "vpcEndpointId");
    json_decref(r);
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_t *change = json_pack("{s:[s]}", "AddRouteTableId", n.rt[0]);
    json_t *desc = NULL;
    int rc = vpce_aws_endpoint_modify(prov, id, change, 30000, &desc);
    if (rc)
        print_error("modify: %s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    assert_string_equal(vpce_test_str(desc, "state"), "available");
    assert_int_equal(vpce_sim_count(&sim, "errors", "OperationInProgress"), 1);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 2);
    assert_true(route_to(n.rt[0], "pl-63a5400a", id));
    json_decref(desc);
    json_decref(change);
    json_decref(a.new_state);
    json_decref(c);
    json_decref(cfg);
    json_decref(op.new_state);
}

static void test_parse_duration(void **state)
{
    (void)state;
    assert_int_equal(vpce_aws_parse_duration("10m"), 600000);
    assert_int_equal(vpce_aws_parse_duration("30s"), 30000);
    assert_int_equal(vpce_aws_parse_duration("1h"), 3600000);
    assert_int_equal(vpce_aws_parse_duration("1h30m"), 5400000);
    assert_int_equal(vpce_aws_parse_duration("ten"), -1);
    assert_int_equal(vpce_aws_parse_duration(""), -1);
    assert_int_equal(vpce_aws_parse_duration("5"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test_setup(test_gateway_lifecycle, reset),
        cmocka_unit_test_setup(test_interface_subnets, reset),
        cmocka_unit_test_setup(test_associations_fold, reset),
        cmocka_unit_test_setup(test_route_table_association, reset),
        cmocka_unit_test_setup(test_read_batch_many, reset),
        cmocka_unit_test_setup(test_client_token_and_errors, reset),
        cmocka_unit_test_setup(test_waiter_shared, reset),
        cmocka_unit_test_setup(test_replace_default_and_in_progress, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
