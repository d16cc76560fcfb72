/*
 * Batched reads against an EC2-compatible endpoint that lacks a filter EC2 documents (the
 * simulator's refuse_filters knob answers as moto's server does: an HTML page with HTTP 500, or
 * InvalidParameterValue): the read falls back to the id list once per client, isolates ids that
 * are gone, keeps transient 5xx retried, and reports a broken endpoint with its first error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "providers/aws/provider.h"
#include "providers/aws/res_network.h"
#include "providers/aws/resources.h"
#include "tests/unit/support/awsprov.h"

static vpce_sim sim;

#define SSM "com.amazonaws.us-east-1.ssm"

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "12", "--pending-ms", "0", "--buckets", "off", NULL};
    return vpce_sim_start(&sim, args);
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_sim_stop(&sim);
    return 0;
}

/* Every test starts from an empty world with a new provider: what a client learnt about the
 * endpoint lives as long as the client. */
static vpce_provider *fresh(const char *faults)
{
    vpce_test_aws_reset(&sim, "{\"pending_ms\":0,\"refuse_filters\":[],\"refuse_shape\":"
                              "\"html500\",\"error_prob\":0,\"fault_actions\":[]}");
    vpce_provider *p = NULL;
    assert_int_equal(vpce_test_aws_provider(&p, &sim), 0);
    if (faults)
        json_decref(vpce_sim_post(&sim, "/_sim/faults", faults));
    return p;
}

static char *make_vpc(vpce_provider *p)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "CidrBlock", "10.0.0.0/16");
    json_t *r = vpce_test_aws_call(p, "CreateVpc", &params);
    char *id = vpce_strdup(vpce_test_str(json_object_get(r, "vpc"), "vpcId"));
    json_decref(r);
    return id;
}

/* n interface endpoints in vpc; priors[i] = {"id": ...} (with "vpc_id" when with_vpc). */
static void make_endpoints(vpce_provider *p, const char *vpc, json_t **priors, int n, bool with_vpc)
{
    for (int i = 0; i < n; i++) {
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        vpce_aws_params_add(&params, "VpcId", vpc);
        vpce_aws_params_add(&params, "ServiceName", SSM);
        vpce_aws_params_add(&params, "VpcEndpointType", "Interface");
        vpce_aws_params_add(&params, "PrivateDnsEnabled", "false");
        json_t *r = vpce_test_aws_call(p, "CreateVpcEndpoint", &params);
        const char *id = vpce_test_str(json_object_get(r, "vpcEndpoint"), "vpcEndpointId");
        assert_non_null(id);
        priors[i] = with_vpc ? json_pack("{s:s,s:s}", "id", id, "vpc_id", vpc)
                             : json_pack("{s:s}", "id", id);
        json_decref(r);
    }
}

static void delete_behind(const json_t *prior)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"op\":\"delete\",\"id\":\"%s\"}", vpce_test_str(prior, "id"));
    json_decref(vpce_sim_post(&sim, "/_sim/mutate", body));
}

/* out[i] is the state of priors[i], except the indexes in gone (-1 terminated), which are NULL. */
static void expect_read(json_t **priors, json_t **out, int n, const int *gone)
{
    for (int i = 0; i < n; i++) {
        bool is_gone = false;
        for (const int *g = gone; *g >= 0; g++)
            is_gone = is_gone || *g == i;
        if (is_gone) {
            if (out[i])
                fail_msg("endpoint %d should read as gone", i);
            continue;
        }
        if (!out[i])
            fail_msg("endpoint %d should read as present", i);
        assert_string_equal(vpce_test_str(out[i], "id"), vpce_test_str(priors[i], "id"));
        json_decref(out[i]);
        out[i] = NULL;
    }
}

static void release(json_t **priors, int n)
{
    for (int i = 0; i < n; i++)
        json_decref(priors[i]);
}

/* moto's shape: HTML 500. Sent twice (not five times), then the id list, bisected around the
 * ids that are gone; the next read of the same client goes to the id list at once. */
static void test_fallback_html_500(void **state)
{
    (void)state;
    vpce_provider *p = fresh(NULL);
    char *vpc = make_vpc(p);
    enum { N = 8 };
    json_t *priors[N], *out[N];
    make_endpoints(p, vpc, priors, N, false);
    delete_behind(priors[2]);
    delete_behind(priors[5]);
    json_decref(vpce_sim_post(
        &sim, "/_sim/faults",
        "{\"refuse_filters\":[\"DescribeVpcEndpoints:vpc-endpoint-id\"],\"refuse_shape\":"
        "\"html500\"}"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p, priors, N, out), 0);
    const int gone[] = {2, 5, -1};
    expect_read(priors, out, N, gone);
    assert_int_equal(vpce_sim_count(&sim, "errors", "HTML500"), VPCE_AWS_FALLBACK_ATTEMPTS);
    long first = vpce_sim_count(&sim, "actions", "DescribeVpcEndpoints");
    /* 2 refused + the whole list + halves until both gone ids stand alone. */
    assert_true(first > 3);
    assert_true(first < 2 + 2 * N);

    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p, priors, N, out), 0);
    expect_read(priors, out, N, gone);
    assert_int_equal(vpce_sim_count(&sim, "errors", "HTML500"), 0);

    /* A new client (a new run) asks the filter again. */
    vpce_provider *p2 = NULL;
    assert_int_equal(vpce_test_aws_provider(&p2, &sim), 0);
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p2, priors, N, out), 0);
    expect_read(priors, out, N, gone);
    assert_int_equal(vpce_sim_count(&sim, "errors", "HTML500"), VPCE_AWS_FALLBACK_ATTEMPTS);
    vpce_aws_provider_free(p2);

    release(priors, N);
    free(vpc);
    vpce_aws_provider_free(p);
}

/* EC2's own shape of a refusal (InvalidParameterValue, HTTP 400) is not retried at all; the vpc-id
 * filter of a refresh (endpoints that carry their VPC) falls back the same way. */
static void test_fallback_invalid_and_vpc_filter(void **state)
{
    (void)state;
    vpce_provider *p = fresh(NULL);
    char *vpc = make_vpc(p);
    enum { N = 6 };
    json_t *priors[N], *out[N];
    make_endpoints(p, vpc, priors, N, true);
    delete_behind(priors[0]);
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"refuse_filters\":[\"DescribeVpcEndpoints:vpc-endpoint-id\","
                              "\"DescribeVpcEndpoints:vpc-id\"],\"refuse_shape\":\"invalid\"}"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p, priors, N, out), 0);
    const int gone[] = {0, -1};
    expect_read(priors, out, N, gone);
    /* One refused vpc-id filter; then the id list (the vpc-endpoint-id filter is not tried). */
    assert_int_equal(vpce_sim_count(&sim, "errors", "InvalidParameterValue"), 1);

    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p, priors, N, out), 0);
    expect_read(priors, out, N, gone);
    assert_int_equal(vpce_sim_count(&sim, "errors", "InvalidParameterValue"), 0);
    release(priors, N);
    free(vpc);
    vpce_aws_provider_free(p);
}

/* The endpoint waiter reads through the same fallback. */
static void test_fallback_waiter(void **state)
{
    (void)state;
    vpce_provider *p = fresh(NULL);
    char *vpc = make_vpc(p);
    json_t *prior[1];
    make_endpoints(p, vpc, prior, 1, false);
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"refuse_filters\":[\"DescribeVpcEndpoints:vpc-endpoint-id\"]}"));
    json_t *ep = NULL;
    assert_int_equal(vpce_aws_wait_endpoint(p, vpce_test_str(prior[0], "id"), false, 20000, &ep),
                     0);
    assert_non_null(ep);
    json_decref(ep);
    delete_behind(prior[0]);
    assert_int_equal(vpce_aws_wait_endpoint(p, vpce_test_str(prior[0], "id"), true, 20000, NULL),
                     0);
    release(prior, 1);
    free(vpc);
    vpce_aws_provider_free(p);
}

/* Another type whose refresh is a filter by id: subnets by subnet-id. */
static void test_fallback_subnets(void **state)
{
    (void)state;
    vpce_provider *p = fresh(NULL);
    char *vpc = make_vpc(p);
    json_t *priors[3], *out[3];
    for (int i = 0; i < 3; i++) {
        char cidr[32];
        snprintf(cidr, sizeof(cidr), "10.0.%d.0/24", i);
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        vpce_aws_params_add(&params, "VpcId", vpc);
        vpce_aws_params_add(&params, "CidrBlock", cidr);
        json_t *r = vpce_test_aws_call(p, "CreateSubnet", &params);
        priors[i] =
            json_pack("{s:s}", "id", vpce_test_str(json_object_get(r, "subnet"), "subnetId"));
        json_decref(r);
    }
    delete_behind(priors[1]);
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"refuse_filters\":[\"DescribeSubnets:subnet-id\"]}"));
    assert_int_equal(vpce_aws_subnet_read_batch(p, priors, 3, out), 0);
    const int gone[] = {1, -1};
    expect_read(priors, out, 3, gone);
    release(priors, 3);
    free(vpc);
    vpce_aws_provider_free(p);
}

/* The aws_vpc_endpoint_service data source: moto fails on its service-name filter; the name is
 * then sent as ServiceName.1, and every answer of that form counts (a match, several, none). */
static void test_fallback_endpoint_service(void **state)
{
    (void)state;
    vpce_provider *p = fresh("{\"refuse_filters\":[\"DescribeVpcEndpointServices:service-name\"]}");
    const vpce_resource_type *t = &vpce_aws_data_vpc_endpoint_service;
    json_t *cfg = vpce_test_json("{\"service_name\":\"com.amazonaws.us-east-1.ssm\"}");
    json_t *out = NULL;
    assert_int_equal(t->read(p, cfg, &out), 0);
    assert_string_equal(vpce_test_str(out, "service_type"), "Interface");
    json_decref(out);
    assert_int_equal(vpce_sim_count(&sim, "errors", "HTML500"), VPCE_AWS_FALLBACK_ATTEMPTS);
    /* s3 is a Gateway and an Interface service: several match, as with the filter. */
    json_t *s3 = vpce_test_json("{\"service\":\"s3\"}");
    out = NULL;
    assert_int_not_equal(t->read(p, s3, &out), 0);
    assert_null(out);
    assert_non_null(strstr(vpce_error_last(), "multiple"));
    assert_int_equal(vpce_sim_count(&sim, "errors", "HTML500"), VPCE_AWS_FALLBACK_ATTEMPTS);
    json_decref(cfg);
    json_decref(s3);
    vpce_aws_provider_free(p);

    /* A new client whose first question is an unknown service: EC2's own error for the name. */
    p = fresh("{\"refuse_filters\":[\"DescribeVpcEndpointServices:service-name\"]}");
    json_t *nope = vpce_test_json("{\"service_name\":\"com.amazonaws.us-east-1.nope\"}");
    out = NULL;
    assert_int_not_equal(t->read(p, nope, &out), 0);
    assert_non_null(strstr(vpce_error_last(), "InvalidServiceName"));
    json_decref(nope);
    vpce_aws_provider_free(p);
}

/* An endpoint failing every request (transient 5xx) is not taken for one lacking a filter: the
 * retries run, the id list is tried, and the filter's own error comes back; nothing is learnt. */
static void test_no_fallback_when_all_fail(void **state)
{
    (void)state;
    setenv("AWS_MAX_ATTEMPTS", "5", 1); /* five attempts a request, not the default 26 */
    vpce_provider *p = fresh(NULL);
    unsetenv("AWS_MAX_ATTEMPTS");
    char *vpc = make_vpc(p);
    json_t *prior[1], *out[1];
    make_endpoints(p, vpc, prior, 1, false);
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"error_prob\":1,\"fault_actions\":[\"DescribeVpcEndpoints\"]}"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    int rc = vpce_aws_endpoint_read_batch(p, prior, 1, out);
    assert_int_equal(rc, VPCE_ERETRY);
    assert_non_null(strstr(vpce_error_last(), "gave up after 5 attempts"));
    /* 5 attempts with the filter, 5 with the id list: transient answers keep their retries. */
    assert_int_equal(vpce_sim_count(&sim, "actions", "DescribeVpcEndpoints"), 10);
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"error_prob\":0,\"fault_actions\":[]}"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p, prior, 1, out), 0);
    assert_non_null(out[0]);
    json_decref(out[0]);
    /* Still by the filter: one request, and it was the filter (refusing it now would show). */
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"refuse_filters\":[\"DescribeVpcEndpoints:vpc-endpoint-id\"]}"));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    assert_int_equal(vpce_aws_endpoint_read_batch(p, prior, 1, out), 0);
    assert_int_equal(vpce_sim_count(&sim, "errors", "HTML500"), VPCE_AWS_FALLBACK_ATTEMPTS);
    json_decref(out[0]);
    release(prior, 1);
    free(vpc);
    vpce_aws_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallback_html_500),
        cmocka_unit_test(test_fallback_invalid_and_vpc_filter),
        cmocka_unit_test(test_fallback_waiter),
        cmocka_unit_test(test_fallback_subnets),
        cmocka_unit_test(test_fallback_endpoint_service),
        cmocka_unit_test(test_no_fallback_when_all_fail),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
