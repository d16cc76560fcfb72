/* The retry policy (standard mode) and the pacing buckets, as pure functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <curl/curl.h>

#include "providers/aws/client.h"

static void test_retry_throttling(void **state)
{
    (void)state;
    const char *codes[] = {"RequestLimitExceeded",      "Throttling",
                           "ThrottlingException",       "RequestThrottled",
                           "RequestThrottledException", "TooManyRequestsException",
                           "PriorRequestNotComplete"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++) {
        assert_int_equal(vpce_aws_retry_decide(503, 0, codes[i]), VPCE_AWS_RETRY_THROTTLE);
        assert_int_equal(vpce_aws_retry_decide(400, 0, codes[i]), VPCE_AWS_RETRY_THROTTLE);
    }
    assert_int_equal(vpce_aws_retry_decide(429, 0, NULL), VPCE_AWS_RETRY_THROTTLE);
    assert_int_equal(vpce_aws_retry_decide(429, 0, ""), VPCE_AWS_RETRY_THROTTLE);
}

static void test_retry_transient(void **state)
{
    (void)state;
    const char *codes[] = {"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++)
        assert_int_equal(vpce_aws_retry_decide(500, 0, codes[i]), VPCE_AWS_RETRY_TRANSIENT);
    assert_int_equal(vpce_aws_retry_decide(500, 0, NULL), VPCE_AWS_RETRY_TRANSIENT);
    assert_int_equal(vpce_aws_retry_decide(502, 0, ""), VPCE_AWS_RETRY_TRANSIENT);
    assert_int_equal(vpce_aws_retry_decide(503, 0, NULL), VPCE_AWS_RETRY_TRANSIENT);
    assert_int_equal(vpce_aws_retry_decide(504, 0, NULL), VPCE_AWS_RETRY_TRANSIENT);
    int curl_codes[] = {CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR,
                        CURLE_SEND_ERROR,      CURLE_GOT_NOTHING,        CURLE_PARTIAL_FILE};
    for (size_t i = 0; i < sizeof(curl_codes) / sizeof(*curl_codes); i++)
        assert_int_equal(vpce_aws_retry_decide(0, curl_codes[i], NULL), VPCE_AWS_RETRY_TRANSIENT);
}

static void test_retry_never(void **state)
{
    (void)state;
    const char *codes[] = {"AuthFailure",           "SignatureDoesNotMatch",
                           "UnauthorizedOperation", "InvalidParameterValue",
                           "MissingParameter",      "InvalidVpcID.NotFound",
                           "DependencyViolation",   "OperationInProgress"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++) {
        assert_int_equal(vpce_aws_retry_decide(400, 0, codes[i]), VPCE_AWS_NO_RETRY);
        assert_int_equal(vpce_aws_retry_decide(403, 0, codes[i]), VPCE_AWS_NO_RETRY);
    }
    assert_int_equal(vpce_aws_retry_decide(404, 0, NULL), VPCE_AWS_NO_RETRY);
    /* Not Implemented answers the same again; the SDKs retry 500, 502, 503 and 504 only. */
    assert_int_equal(vpce_aws_retry_decide(501, 0, NULL), VPCE_AWS_NO_RETRY);
    assert_int_equal(vpce_aws_retry_decide(505, 0, ""), VPCE_AWS_NO_RETRY);
    assert_int_equal(vpce_aws_retry_decide(200, 0, NULL), VPCE_AWS_NO_RETRY);
    /* TLS problems, bad URLs, a response over the cap: retrying cannot help. */
    assert_int_equal(vpce_aws_retry_decide(0, CURLE_PEER_FAILED_VERIFICATION, NULL),
                     VPCE_AWS_NO_RETRY);
    assert_int_equal(vpce_aws_retry_decide(0, CURLE_URL_MALFORMAT, NULL), VPCE_AWS_NO_RETRY);
    assert_int_equal(vpce_aws_retry_decide(0, CURLE_WRITE_ERROR, NULL), VPCE_AWS_NO_RETRY);
}

/* Which 5xx answers look like a missing feature rather than a passing failure. */
static void test_retry_opaque_5xx(void **state)
{
    (void)state;
    assert_true(vpce_aws_retry_opaque_5xx(500, ""));
    assert_true(vpce_aws_retry_opaque_5xx(500, NULL));
    assert_true(vpce_aws_retry_opaque_5xx(501, ""));
    assert_true(vpce_aws_retry_opaque_5xx(500, "NotImplemented"));
    assert_false(vpce_aws_retry_opaque_5xx(500, "InternalError"));
    assert_false(vpce_aws_retry_opaque_5xx(500, "InternalFailure"));
    assert_false(vpce_aws_retry_opaque_5xx(503, "Unavailable"));
    assert_false(vpce_aws_retry_opaque_5xx(503, "RequestLimitExceeded"));
    assert_false(vpce_aws_retry_opaque_5xx(502, ""));
    assert_false(vpce_aws_retry_opaque_5xx(503, ""));
    assert_false(vpce_aws_retry_opaque_5xx(504, NULL));
    assert_false(vpce_aws_retry_opaque_5xx(400, ""));
    assert_false(vpce_aws_retry_opaque_5xx(200, NULL));
}

static void test_backoff(void **state)
{
    (void)state;
    /* Ceiling doubles from the base and stops at the cap; jitter scales it. */
    assert_int_equal(vpce_aws_backoff_ms(1, 0.0, 200, 20000), 0);
    assert_int_equal(vpce_aws_backoff_ms(1, 0.5, 200, 20000), 100);
    assert_int_equal(vpce_aws_backoff_ms(2, 0.5, 200, 20000), 200);
    assert_int_equal(vpce_aws_backoff_ms(3, 0.5, 200, 20000), 400);
    assert_int_equal(vpce_aws_backoff_ms(7, 0.5, 200, 20000), 6400);
    assert_int_equal(vpce_aws_backoff_ms(8, 0.5, 200, 20000), 10000);
    assert_int_equal(vpce_aws_backoff_ms(9, 0.5, 200, 20000), 10000);
    assert_int_equal(vpce_aws_backoff_ms(1000, 0.5, 200, 20000), 10000);
    assert_true(vpce_aws_backoff_ms(1000, 0.9999999, 200, 20000) < 20000);
    assert_true(vpce_aws_backoff_ms(0, 1.5, 200, 20000) < 200);
    assert_int_equal(vpce_aws_backoff_ms(2, -1, 200, 20000), 0);
    for (int a = 1; a < 40; a++) {
        int64_t v = vpce_aws_backoff_ms(a, 0.75, VPCE_AWS_BACKOFF_BASE_MS, VPCE_AWS_BACKOFF_CAP_MS);
        assert_true(v >= 0 && v < VPCE_AWS_BACKOFF_CAP_MS);
    }
}

static void test_bucket_math(void **state)
{
    (void)state;
    vpce_aws_bucket b;
    vpce_aws_bucket_init(&b, 4, 0.3, 1000);
    for (int i = 0; i < 4; i++)
        assert_int_equal(vpce_aws_bucket_take(&b, 1000), 0);
    /* Empty: one token needs 1/0.3 s = 3334 ms. */
    assert_int_equal(vpce_aws_bucket_take(&b, 1000), 3334);
    assert_int_equal(vpce_aws_bucket_take(&b, 2000), 2334);
    assert_int_equal(vpce_aws_bucket_take(&b, 4334), 0);
    /* Refill never exceeds the capacity. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(vpce_aws_bucket_take(&b, 1000000), 0);
    assert_true(vpce_aws_bucket_take(&b, 1000000) > 0);
    /* A clock going backwards adds nothing. */
    assert_true(vpce_aws_bucket_take(&b, 500) > 0);

    vpce_aws_bucket d;
    vpce_aws_bucket_init(&d, 100, 20, 0);
    assert_int_equal(vpce_aws_bucket_take(&d, 0), 0);
    vpce_aws_bucket_drain(&d, 0);
    assert_int_equal(vpce_aws_bucket_take(&d, 0), 50);
    assert_int_equal(vpce_aws_bucket_take(&d, 50), 0);
    /* 20/s over 10 s: 200 takes spread evenly. */
    vpce_aws_bucket_init(&d, 1, 20, 0);
    int taken = 0;
    for (int64_t t = 0; t <= 10000; t += 10) {
        if (vpce_aws_bucket_take(&d, t) == 0)
            taken++;
    }
    assert_int_equal(taken, 201);
}

static void test_categories(void **state)
{
    (void)state;
    assert_int_equal(vpce_aws_action_category("CreateVpcEndpoint"), 0);
    assert_int_equal(vpce_aws_action_category("ModifyVpcEndpoint"), 0);
    assert_int_equal(vpce_aws_action_category("DeleteVpcEndpoints"), 0);
    assert_int_equal(vpce_aws_action_category("CreateVpc"), 1);
    assert_int_equal(vpce_aws_action_category("CreateTags"), 1);
    assert_int_equal(vpce_aws_action_category("DescribeVpcEndpoints"), 2);
    assert_int_equal(vpce_aws_action_category("DescribeVpcs"), 2);

    vpce_aws_rate_limits rl = {0, 0, 0, 0, 0, 0};
    vpce_aws_rate_limits_defaults(&rl);
    assert_true(rl.endpoint_capacity == 4 && rl.endpoint_refill == 0.3);
    assert_true(rl.mutating_capacity == 50 && rl.mutating_refill == 5);
    assert_true(rl.describe_capacity == 100 && rl.describe_refill == 20);
    vpce_aws_rate_limits set = {8, 1, 0, 0, 0, 2};
    vpce_aws_rate_limits_defaults(&set);
    assert_true(set.endpoint_capacity == 8 && set.endpoint_refill == 1);
    assert_true(set.describe_refill == 2 && set.describe_capacity == 100);
}

/* Durations of the VPCE_HTTP_* and VPCE_AWS_RETRY_MAX_TIME settings. */
static void test_parse_duration(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t ms;
    } ok[] = {{"30", 30000},  {"2.5", 2500},   {"500ms", 500},
              {"30s", 30000}, {"10m", 600000}, {"1h", 3600000}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t ms = 0;
        assert_int_equal(vpce_aws_parse_duration_ms(ok[i].s, &ms), 0);
        assert_int_equal(ms, ok[i].ms);
    }
    static const char *const bad[] = {"",    "0",   "0s",  "-1",     "s",   "10x", "1 s",
                                      "25h", "nan", "inf", "0.0001", "1e9", NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 0;
        assert_int_equal(vpce_aws_parse_duration_ms(bad[i], &ms), VPCE_EINVALID);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_throttling), cmocka_unit_test(test_retry_transient),
        cmocka_unit_test(test_retry_never),      cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_bucket_math),      cmocka_unit_test(test_categories),
        cmocka_unit_test(test_parse_duration),   cmocka_unit_test(test_retry_opaque_5xx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
