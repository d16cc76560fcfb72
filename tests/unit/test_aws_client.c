/*
 * The AWS client against the EC2 simulator: a call of each resource family, each class of
 * error, pagination, retries under each fault, pacing against the simulator's buckets, and that
 * no credential reaches a log line or an error message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "providers/aws/client.h"
#include "tests/unit/support/sim.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "FwoGZXIvYXdzEXAMPLE-session-token-do-not-log"

static vpce_sim sim;

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "7", "--pending-ms", "0", NULL};
    if (vpce_sim_start(&sim, args) != 0)
        return -1;
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL_EC2", sim.endpoint, 1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_sim_stop(&sim);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    json_decref(vpce_sim_post(&sim, "/_sim/reset", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"throttle_prob\":0,\"error_prob\":0,\"drop_prob\":0,"
                              "\"drop_after_prob\":0,\"buckets\":true,\"time_scale\":1}"));
    unsetenv("VPCE_AWS_RATE_SCALE");
    return 0;
}

/* A client making at most `attempts` attempts per call (0: the default bounds). */
static vpce_aws_client *client_with(int attempts, bool no_pacing)
{
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_retries = attempts == 0 ? 0 : attempts > 1 ? attempts - 1 : -1;
    cfg.no_pacing = no_pacing;
    vpce_aws_client *c = NULL;
    int rc = vpce_aws_client_new(&c, &cfg);
    if (rc != 0)
        print_error("client_new: %s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    return c;
}

static char *create_vpc(vpce_aws_client *c, const char *cidr)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "CidrBlock", cidr);
    json_t *r = NULL;
    int rc = vpce_aws_call(c, "CreateVpc", &p, &r);
    if (rc != 0)
        print_error("CreateVpc: %s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    const char *id = json_string_value(json_object_get(json_object_get(r, "vpc"), "vpcId"));
    assert_non_null(id);
    char *out = strdup(id);
    json_decref(r);
    vpce_aws_params_release(&p);
    return out;
}

static void test_client_families(void **state)
{
    (void)state;
    vpce_aws_client *c = client_with(0, false);
    assert_string_equal(vpce_aws_client_region(c), "us-east-1");
    assert_string_equal(vpce_aws_client_endpoint(c), sim.endpoint);
    assert_string_equal(vpce_aws_client_creds_source(c), "environment");
    char *vpc = create_vpc(c, "10.1.0.0/16");

    /* DescribeVpcs by id: a one-element vpcSet array. */
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    const char *ids[] = {vpc};
    vpce_aws_params_add_list(&p, "VpcId", ids, 1);
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", &p, &r), 0);
    json_t *set = json_object_get(r, "vpcSet");
    assert_true(json_is_array(set));
    assert_int_equal(json_array_size(set), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(set, 0), "cidrBlock")),
                        "10.1.0.0/16");
    assert_non_null(json_string_value(json_object_get(r, "requestId")));
    json_decref(r);
    vpce_aws_params_release(&p);

    /* Subnet, security group, route table, then a gateway endpoint with tags. */
    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "CidrBlock", "10.1.1.0/24");
    assert_int_equal(vpce_aws_call(c, "CreateSubnet", &p, &r), 0);
    assert_non_null(json_string_value(json_object_get(json_object_get(r, "subnet"), "subnetId")));
    json_decref(r);
    vpce_aws_params_release(&p);

    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "GroupName", "web");
    vpce_aws_params_add(&p, "GroupDescription", "web servers & more");
    assert_int_equal(vpce_aws_call(c, "CreateSecurityGroup", &p, &r), 0);
    assert_non_null(json_string_value(json_object_get(r, "groupId")));
    json_decref(r);
    vpce_aws_params_release(&p);

    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcId", vpc);
    assert_int_equal(vpce_aws_call(c, "CreateRouteTable", &p, &r), 0);
    char *rtb = strdup(
        json_string_value(json_object_get(json_object_get(r, "routeTable"), "routeTableId")));
    json_decref(r);
    vpce_aws_params_release(&p);

    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "ServiceName", "com.amazonaws.us-east-1.s3");
    vpce_aws_params_add(&p, "VpcEndpointType", "Gateway");
    vpce_aws_params_add(&p, "RouteTableId.1", rtb);
    vpce_aws_params_add(&p, "ClientToken", "token-families-1");
    json_t *tags = json_pack("{s:s, s:s}", "Name", "s3 gw", "env", "test");
    assert_int_equal(vpce_aws_params_add_tag_spec(&p, "vpc-endpoint", tags), 0);
    json_decref(tags);
    int rc = vpce_aws_call(c, "CreateVpcEndpoint", &p, &r);
    if (rc)
        print_error("%s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    json_t *ep = json_object_get(r, "vpcEndpoint");
    const char *epid = json_string_value(json_object_get(ep, "vpcEndpointId"));
    assert_non_null(epid);
    assert_true(json_is_array(json_object_get(ep, "tagSet")));
    assert_int_equal(json_array_size(json_object_get(ep, "tagSet")), 2);
    assert_true(json_is_array(json_object_get(ep, "routeTableIdSet")));
    char *epid_copy = strdup(epid);
    json_decref(r);
    vpce_aws_params_release(&p);

    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "VpcEndpointId.1", epid_copy);
    assert_int_equal(vpce_aws_call(c, "DeleteVpcEndpoints", &p, &r), 0);
    json_decref(r);
    vpce_aws_params_release(&p);

    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    assert_int_equal(st.calls, 7);
    assert_int_equal(st.retries, 0);
    free(epid_copy);
    free(rtb);
    free(vpc);
    vpce_aws_client_free(c);
}

static void test_client_errors(void **state)
{
    (void)state;
    vpce_aws_client *c = client_with(0, false);
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL;

    vpce_aws_params_add(&p, "VpcId.1", "vpc-0123456789abcdef0");
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", &p, &r), VPCE_ENOTFOUND);
    assert_null(r);
    assert_string_equal(vpce_aws_last_error_code(), "InvalidVpcID.NotFound");
    assert_non_null(strstr(vpce_error_last(), "InvalidVpcID.NotFound: "));
    vpce_aws_params_release(&p);

    assert_int_equal(vpce_aws_call(c, "CreateVpc", NULL, &r), VPCE_ERROR);
    assert_string_equal(vpce_aws_last_error_code(), "MissingParameter");

    vpce_aws_params_init(&p);
    vpce_aws_params_add(&p, "CidrBlock", "not-a-cidr");
    assert_int_equal(vpce_aws_call(c, "CreateVpc", &p, &r), VPCE_ERROR);
    assert_string_equal(vpce_aws_last_error_code(), "InvalidParameterValue");
    vpce_aws_params_release(&p);

    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    assert_int_equal(st.retries, 0); /* 4xx are never retried */
    vpce_aws_client_free(c);

    /* A wrong secret: AuthFailure (or SignatureDoesNotMatch), not retried. */
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.access_key = "AKIDEXAMPLE";
    cfg.secret_key = "wrong-secret-value-1234";
    assert_int_equal(vpce_aws_client_new(&c, &cfg), 0);
    assert_string_equal(vpce_aws_client_creds_source(c), "provider configuration");
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERROR);
    const char *code = vpce_aws_last_error_code();
    assert_true(strcmp(code, "AuthFailure") == 0 || strcmp(code, "SignatureDoesNotMatch") == 0);
    assert_null(strstr(vpce_error_last(), "wrong-secret-value-1234"));
    vpce_aws_client_stats(c, &st);
    assert_int_equal(st.requests, 1);
    vpce_aws_client_free(c);

    /* Unknown key id. */
    cfg.access_key = "AKIDUNKNOWN";
    assert_int_equal(vpce_aws_client_new(&c, &cfg), 0);
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERROR);
    assert_string_equal(vpce_aws_last_error_code(), "AuthFailure");
    vpce_aws_client_free(c);
}

static void test_client_pagination(void **state)
{
    (void)state;
    vpce_aws_client *c = client_with(0, false);
    for (int i = 0; i < 12; i++) {
        char cidr[32];
        snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", 100 + i);
        free(create_vpc(c, cidr));
    }
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add_int(&p, "MaxResults", 5);
    json_t *items = NULL;
    int rc = vpce_aws_call_paged(c, "DescribeVpcs", &p, "vpcSet", &items);
    if (rc)
        print_error("%s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    /* 12 made here, plus any default VPC the simulator starts with. */
    json_t *all = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &all), 0);
    size_t total = json_array_size(json_object_get(all, "vpcSet"));
    assert_true(total >= 12);
    assert_int_equal(json_array_size(items), total);
    assert_true(vpce_sim_count(&sim, "actions", "DescribeVpcs") >= 4); /* 3 pages + 1 */
    /* Every id once. */
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *a = json_string_value(json_object_get(json_array_get(items, i), "vpcId"));
        assert_non_null(a);
        for (size_t j = i + 1; j < json_array_size(items); j++)
            assert_string_not_equal(
                a, json_string_value(json_object_get(json_array_get(items, j), "vpcId")));
    }
    json_decref(all);
    json_decref(items);
    vpce_aws_params_release(&p);
    vpce_aws_client_free(c);
}

static void run_faulted(const char *faults, uint64_t *out_retries)
{
    json_decref(vpce_sim_post(&sim, "/_sim/faults", faults));
    vpce_aws_client *c = client_with(12, false);
    for (int i = 0; i < 20; i++) {
        json_t *r = NULL;
        int rc = vpce_aws_call(c, "DescribeVpcs", NULL, &r);
        if (rc)
            print_error("%s: %s\n", faults, vpce_error_last());
        assert_int_equal(rc, 0);
        assert_true(json_is_object(r));
        json_decref(r);
    }
    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    *out_retries = st.retries;
    vpce_aws_client_free(c);
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"throttle_prob\":0,\"error_prob\":0,\"drop_prob\":0,"
                              "\"drop_after_prob\":0}"));
}

static void test_client_retries(void **state)
{
    (void)state;
    uint64_t retries = 0;
    run_faulted("{\"throttle_prob\":0.5}", &retries);
    assert_true(retries > 0);
    assert_true(vpce_sim_count(&sim, "errors", "RequestLimitExceeded") > 0);

    run_faulted("{\"error_prob\":0.5}", &retries);
    assert_true(retries > 0);

    /* Dropped before the action ran. A Describe on a reused connection may be resent by libcurl
     * itself (harmless: it changes nothing), so count what the simulator saw: every one of the
     * 20 calls succeeded, some answers were dropped, and the dropped ones were sent again. */
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    run_faulted("{\"drop_prob\":0.4}", &retries);
    json_t *counts = vpce_sim_get(&sim, "/_sim/counts");
    json_int_t dropped = json_integer_value(json_object_get(counts, "dropped"));
    assert_true(dropped > 0);
    assert_int_equal(json_integer_value(json_object_get(counts, "total")), 20 + dropped);
    json_decref(counts);

    /* Dropped after the action ran: on a reused connection libcurl itself resends once, so the
     * retry may not show in our counters; the simulator saw the drops and every call succeeded. */
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    run_faulted("{\"drop_after_prob\":0.4}", &retries);
    counts = vpce_sim_get(&sim, "/_sim/counts");
    assert_true(json_integer_value(json_object_get(counts, "dropped")) > 0);
    json_decref(counts);

    /* Retries run out: ERETRY with the last code. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"throttle_prob\":1}"));
    vpce_aws_client *c = client_with(2, false);
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERETRY);
    assert_string_equal(vpce_aws_last_error_code(), "RequestLimitExceeded");
    assert_non_null(strstr(vpce_error_last(), "gave up after 2 attempts"));
    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.throttles, 2);
    vpce_aws_client_free(c);
}

static char *make_endpoint(vpce_aws_client *c)
{
    char *vpc = create_vpc(c, "10.9.0.0/16");
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "ServiceName", "com.amazonaws.us-east-1.s3");
    vpce_aws_params_add(&p, "VpcEndpointType", "Gateway");
    json_t *r = NULL;
    int rc = vpce_aws_call(c, "CreateVpcEndpoint", &p, &r);
    if (rc)
        print_error("%s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    char *id = strdup(
        json_string_value(json_object_get(json_object_get(r, "vpcEndpoint"), "vpcEndpointId")));
    json_decref(r);
    vpce_aws_params_release(&p);
    free(vpc);
    return id;
}

typedef struct modify_job {
    vpce_aws_client *c;
    const char *id;
    int n;
    int failures;
} modify_job;

static void *modify_worker(void *arg)
{
    modify_job *j = arg;
    for (int i = 0; i < j->n; i++) {
        vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
        vpce_aws_params_add(&p, "VpcEndpointId", j->id);
        vpce_aws_params_add_bool(&p, "ResetPolicy", true);
        if (vpce_aws_call(j->c, "ModifyVpcEndpoint", &p, NULL) != 0)
            j->failures++;
        vpce_aws_params_release(&p);
    }
    return NULL;
}

static void test_client_pacing(void **state)
{
    (void)state;
    /* The simulator's endpoint bucket (4, 0.3/s) runs 20x faster; so do vpce's. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"time_scale\":20}"));
    setenv("VPCE_AWS_RATE_SCALE", "20", 1);
    vpce_aws_client *c = client_with(1, false); /* no retries: a throttle would fail */
    char *id = make_endpoint(c);
    json_decref(vpce_sim_post(&sim, "/_sim/buckets/reset", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    vpce_aws_client_free(c);
    c = client_with(1, false); /* fresh, full buckets like the simulator's */

    modify_job jobs[3] = {{c, id, 4, 0}, {c, id, 4, 0}, {c, id, 4, 0}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, modify_worker, &jobs[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    /* 12 calls, 4 at once then 6/s: the client itself waited for its tokens (paced_ms is what
       the bucket made it wait, not a measured time), and the simulator throttled none. */
    assert_int_equal(vpce_sim_count(&sim, "errors", "RequestLimitExceeded"), 0);
    assert_int_equal(vpce_sim_count(&sim, "actions", "ModifyVpcEndpoint"), 12);
    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    assert_true(st.paced_ms > 0);
    vpce_aws_client_free(c);

    /* Without pacing the same burst is throttled by the simulator. */
    json_decref(vpce_sim_post(&sim, "/_sim/buckets/reset", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    c = client_with(1, true);
    modify_job j = {c, id, 12, 0};
    modify_worker(&j);
    assert_true(j.failures > 0);
    assert_true(vpce_sim_count(&sim, "errors", "RequestLimitExceeded") > 0);
    vpce_aws_client_free(c);
    free(id);
}

/* Against an endpoint that is not AWS's and without configured limits, nothing is paced until
 * the endpoint throttles; from then on the client paces at EC2's rates. */
static void test_client_pacing_engages_on_throttle(void **state)
{
    (void)state;
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"time_scale\":20}"));
    unsetenv("VPCE_AWS_RATE_SCALE");
    vpce_aws_client *c = client_with(5, false);
    char *id = make_endpoint(c);
    vpce_aws_client_free(c);
    json_decref(vpce_sim_post(&sim, "/_sim/buckets/reset", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    c = client_with(5, false);
    /* The simulator's bucket holds 4: paced at EC2's rates the 4th would wait (one token is kept
       in reserve); here all 4 go at once. */
    modify_job j = {c, id, 4, 0};
    modify_worker(&j);
    assert_int_equal(j.failures, 0);
    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    assert_int_equal(st.paced_ms, 0);
    assert_int_equal(st.throttles, 0);
    /* The 5th is throttled, and its retry waits for a token: requests are paced from then on. */
    modify_job k = {c, id, 1, 0};
    modify_worker(&k);
    assert_int_equal(k.failures, 0);
    vpce_aws_client_stats(c, &st);
    assert_true(st.throttles >= 1);
    assert_true(st.paced_ms > 0);
    long throttled = vpce_sim_count(&sim, "errors", "RequestLimitExceeded");
    print_message("engaged after %ld throttled answers, paced %llu ms\n", throttled,
                  (unsigned long long)st.paced_ms);
    assert_true(throttled <= 2);
    vpce_aws_client_free(c);
    free(id);
}

/* ---- no secret in any log line or message ------------------------------------------------ */

static vpce_buf logbuf = VPCE_BUF_INIT(1 << 24);
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void capture(vpce_log_level level, const char *msg, void *ctx)
{
    (void)level;
    (void)ctx;
    pthread_mutex_lock(&log_lock);
    vpce_buf_puts(&logbuf, msg);
    vpce_buf_putc(&logbuf, '\n');
    pthread_mutex_unlock(&log_lock);
}

static void check_no_secret(const char *text)
{
    assert_null(strstr(text, SECRET));
    assert_null(strstr(text, TOKEN));
    assert_null(strstr(text, "wrong-secret-value-1234"));
}

static void test_client_no_secret_in_logs(void **state)
{
    (void)state;
    vpce_log_set_sink(capture, NULL, VPCE_LOG_TRACE);
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"throttle_prob\":0.3,\"error_prob\":0.2}"));
    vpce_aws_client *c = client_with(10, false);
    free(create_vpc(c, "10.50.0.0/16"));
    json_t *r = NULL;
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "VpcId.1", "vpc-0000000000000000f");
    vpce_aws_call(c, "DescribeVpcs", &p, &r);
    check_no_secret(vpce_error_last());
    vpce_aws_params_release(&p);
    for (int i = 0; i < 5; i++) {
        vpce_aws_call(c, "DescribeVpcs", NULL, &r);
        json_decref(r);
        r = NULL;
    }
    vpce_aws_client_free(c);

    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.access_key = "AKIDEXAMPLE";
    cfg.secret_key = "wrong-secret-value-1234";
    assert_int_equal(vpce_aws_client_new(&c, &cfg), 0);
    vpce_aws_call(c, "DescribeVpcs", NULL, &r);
    check_no_secret(vpce_error_last());
    vpce_aws_client_free(c);
    vpce_log_set_sink(NULL, NULL, VPCE_LOG_WARN);

    assert_non_null(strstr(vpce_buf_cstr(&logbuf), "aws: -> CreateVpc"));
    assert_non_null(strstr(vpce_buf_cstr(&logbuf), "aws: <- DescribeVpcs HTTP"));
    check_no_secret(vpce_buf_cstr(&logbuf));
    vpce_buf_release(&logbuf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_client_families, reset),
        cmocka_unit_test_setup(test_client_errors, reset),
        cmocka_unit_test_setup(test_client_pagination, reset),
        cmocka_unit_test_setup(test_client_retries, reset),
        cmocka_unit_test_setup(test_client_pacing, reset),
        cmocka_unit_test_setup(test_client_pacing_engages_on_throttle, reset),
        cmocka_unit_test_setup(test_client_no_secret_in_logs, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
