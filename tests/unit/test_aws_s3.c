/*
 * The S3 client and the S3 state backend against the simulator's S3: SigV4's S3 rules (checked
 * against the example of AWS's S3 documentation), conditional writes (If-None-Match: *, If-Match),
 * pagination, a bucket of another region, SSE required by a bucket policy, 409 conflicts
 * retried, a write whose answer was lost, virtual-hosted style, the lock object, and that no
 * secret reaches an error message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "providers/aws/aws.h"
#include "providers/aws/s3.h"
#include "tests/unit/support/sim.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static vpce_sim sim;

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed",        "5", "--s3-bucket", "unit", "--s3-bucket",
                          "far:eu-west-1", NULL};
    if (vpce_sim_start(&sim, args) != 0)
        return -1;
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL_S3", sim.endpoint, 1);
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
    json_decref(vpce_sim_post(&sim, "/_sim/s3/buckets", "{\"name\":\"unit\"}"));
    return 0;
}

static aws_s3 *client(const char *bucket, const char *sse)
{
    aws_s3_config c = {.bucket = bucket, .use_path_style = true, .sse = sse, .max_retries = 3};
    aws_s3 *s = NULL;
    int rc = aws_s3_new(&s, &c);
    if (rc != 0)
        print_error("aws_s3_new: %s\n", vpce_error_last());
    assert_int_equal(rc, 0);
    return s;
}

/* The example "GET Object" of the S3 SigV4 documentation (header-based authentication). */
static void s3_sigv4_matches_the_documented_example(void **state)
{
    (void)state;
    static const char empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    vpce_aws_header hs[] = {{"Host", "examplebucket.s3.amazonaws.com"},
                            {"Range", "bytes=0-9"},
                            {"x-amz-content-sha256", empty},
                            {"x-amz-date", "20130524T000000Z"}};
    vpce_aws_sigv4_request r = {.method = "GET",
                                .path = "/test.txt",
                                .headers = hs,
                                .nheaders = 4,
                                .payload_hash = empty,
                                .s3 = true};
    vpce_aws_sigv4 sig;
    assert_int_equal(vpce_aws_sigv4_sign(&sig, &r, "AKIAIOSFODNN7EXAMPLE",
                                         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL,
                                         "us-east-1", "s3", "20130524T000000Z"),
                     0);
    assert_non_null(strstr(sig.authorization, "SignedHeaders=host;range;x-amz-content-sha256;"
                                              "x-amz-date"));
    assert_non_null(strstr(sig.authorization, "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f"
                                              "0170aba48dd91039c6036bdb41"));
    vpce_aws_sigv4_release(&sig);
}

/* S3 signs the path as it is (encoded once); other services normalise it. */
static void s3_sigv4_does_not_normalise_the_path(void **state)
{
    (void)state;
    vpce_aws_header hs[] = {{"Host", "h"}};
    vpce_aws_sigv4_request r = {
        .method = "GET", .path = "/b/a//x/../k y", .headers = hs, .nheaders = 1, .s3 = true};
    vpce_aws_sigv4 sig;
    assert_int_equal(
        vpce_aws_sigv4_sign(&sig, &r, "A", "S", NULL, "us-east-1", "s3", "20240101T000000Z"), 0);
    assert_non_null(strstr(sig.canonical_request, "GET\n/b/a//x/../k%20y\n"));
    vpce_aws_sigv4_release(&sig);
    r.s3 = false;
    assert_int_equal(
        vpce_aws_sigv4_sign(&sig, &r, "A", "S", NULL, "us-east-1", "ec2", "20240101T000000Z"), 0);
    assert_non_null(strstr(sig.canonical_request, "GET\n/b/a/k%20y\n"));
    vpce_aws_sigv4_release(&sig);
}

static void s3_conditional_writes(void **state)
{
    (void)state;
    aws_s3 *s = client("unit", "AES256");
    char e1[AWS_S3_ETAG_MAX], e2[AWS_S3_ETAG_MAX];
    aws_s3_put_opts create = {.if_none_match = true};
    assert_int_equal(aws_s3_put(s, "dir/a b.db", "one", 3, &create, e1), 0);
    assert_true(strlen(e1) > 2);
    assert_int_equal(aws_s3_put(s, "dir/a b.db", "two", 3, &create, NULL), VPCE_EEXISTS);
    aws_s3_put_opts stale = {.if_match = "\"0000\""};
    assert_int_equal(aws_s3_put(s, "dir/a b.db", "two", 3, &stale, NULL), VPCE_ESTALE);
    aws_s3_put_opts fresh = {.if_match = e1};
    assert_int_equal(aws_s3_put(s, "dir/a b.db", "two", 3, &fresh, e2), 0);
    assert_string_not_equal(e1, e2);
    vpce_buf body;
    char got[AWS_S3_ETAG_MAX];
    assert_int_equal(aws_s3_get(s, "dir/a b.db", &body, got), 0);
    assert_int_equal(body.len, 3);
    assert_memory_equal(body.data, "two", 3);
    assert_string_equal(got, e2);
    vpce_buf_release(&body);
    assert_int_equal(aws_s3_get(s, "dir/none", &body, NULL), VPCE_ENOTFOUND);
    assert_int_equal(aws_s3_delete(s, "dir/a b.db"), 0);
    assert_int_equal(aws_s3_head(s, "dir/a b.db", NULL, NULL), VPCE_ENOTFOUND);
    aws_s3_free(s);
}

static void s3_list_follows_pages(void **state)
{
    (void)state;
    aws_s3 *s = client("unit", NULL);
    json_decref(vpce_sim_post(&sim, "/_sim/s3/faults", "{\"page_size\":2}"));
    char key[32];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "env:/w%d/k", i);
        assert_int_equal(aws_s3_put(s, key, "x", 1, NULL, NULL), 0);
    }
    assert_int_equal(aws_s3_put(s, "other", "x", 1, NULL, NULL), 0);
    json_t *keys = NULL;
    assert_int_equal(aws_s3_list(s, "env:/", &keys), 0);
    assert_int_equal(json_array_size(keys), 5);
    assert_string_equal(json_string_value(json_array_get(keys, 4)), "env:/w4/k");
    json_decref(keys);
    assert_int_equal(vpce_sim_count(&sim, "actions", "s3:ListObjectsV2"), 3);
    aws_s3_free(s);
}

static void s3_bucket_in_another_region_is_named(void **state)
{
    (void)state;
    aws_s3 *s = client("far", NULL);
    vpce_buf body;
    assert_int_equal(aws_s3_get(s, "k", &body, NULL), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "is in region eu-west-1, not us-east-1"));
    assert_int_equal(aws_s3_head(s, "k", NULL, NULL), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "region = \"eu-west-1\""));
    aws_s3_free(s);
    aws_s3 *nb = client("no-such-bucket", NULL);
    assert_int_equal(aws_s3_get(nb, "k", &body, NULL), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "does not exist (NoSuchBucket)"));
    aws_s3_free(nb);
}

static void s3_sse_required_by_policy(void **state)
{
    (void)state;
    json_decref(vpce_sim_post(&sim, "/_sim/s3/buckets", "{\"name\":\"sse\",\"require_sse\":true}"));
    aws_s3 *plain = client("sse", NULL);
    assert_int_equal(aws_s3_put(plain, "k", "x", 1, NULL, NULL), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "AccessDenied"));
    aws_s3_free(plain);
    aws_s3 *enc = client("sse", "AES256");
    assert_int_equal(aws_s3_put(enc, "k", "x", 1, NULL, NULL), 0);
    aws_s3_free(enc);
    json_t *objs = vpce_sim_get(&sim, "/_sim/s3/objects?bucket=sse");
    assert_string_equal(json_string_value(json_object_get(json_object_get(objs, "k"), "sse")),
                        "AES256");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(objs, "k"), "content_type")),
        "application/octet-stream");
    json_decref(objs);
}

static void s3_conflicts_are_retried(void **state)
{
    (void)state;
    aws_s3 *s = client("unit", NULL);
    json_decref(vpce_sim_post(&sim, "/_sim/s3/faults", "{\"conflict\":2}"));
    aws_s3_put_opts create = {.if_none_match = true};
    assert_int_equal(aws_s3_put(s, "lock", "x", 1, &create, NULL), 0);
    assert_int_equal(vpce_sim_count(&sim, "errors", "ConditionalRequestConflict"), 2);
    assert_int_equal(vpce_sim_count(&sim, "actions", "s3:PutObject"), 3);
    /* More conflicts than attempts: a retryable failure, named. */
    json_decref(vpce_sim_post(&sim, "/_sim/s3/faults", "{\"conflict\":10}"));
    assert_int_equal(aws_s3_put(s, "lock2", "x", 1, &create, NULL), VPCE_ERETRY);
    assert_non_null(strstr(vpce_error_last(), "ConditionalRequestConflict"));
    assert_non_null(strstr(vpce_error_last(), "gave up after 4 attempts: max_retries is 3"));
    aws_s3_free(s);
}

/* The first PUT is applied but its answer is lost; the retry is refused by its own condition,
 * and the write id read back shows it was ours. */
static void s3_lost_answer_to_a_conditional_write(void **state)
{
    (void)state;
    aws_s3 *s = client("unit", NULL);
    json_decref(vpce_sim_post(&sim, "/_sim/s3/faults", "{\"drop_after_put\":1}"));
    char etag[AWS_S3_ETAG_MAX] = "";
    aws_s3_put_opts create = {.if_none_match = true, .write_id = "w-1"};
    assert_int_equal(aws_s3_put(s, "state", "x", 1, &create, etag), 0);
    assert_true(strlen(etag) > 2);
    assert_int_equal(vpce_sim_count(&sim, NULL, "dropped"), 1);
    /* Someone else's object is not mistaken for ours. */
    json_decref(vpce_sim_post(&sim, "/_sim/s3/faults", "{\"drop_after_put\":1}"));
    aws_s3_put_opts other = {.if_match = etag, .write_id = "w-2"};
    assert_int_equal(aws_s3_put(s, "state", "y", 1, &other, NULL), 0);
    aws_s3_put_opts stale = {.if_match = etag, .write_id = "w-3"};
    assert_int_equal(aws_s3_put(s, "state", "z", 1, &stale, NULL), VPCE_ESTALE);
    aws_s3_free(s);
}

static void s3_virtual_hosted_style(void **state)
{
    (void)state;
    char ep[96];
    snprintf(ep, sizeof(ep), "http://localhost:%d", sim.port);
    aws_s3_config c = {.bucket = "unit", .endpoint = ep};
    aws_s3 *s = NULL;
    assert_int_equal(aws_s3_new(&s, &c), 0);
    assert_int_equal(aws_s3_put(s, "v/k", "v", 1, NULL, NULL), 0);
    json_t *keys = NULL;
    assert_int_equal(aws_s3_list(s, "v/", &keys), 0);
    assert_int_equal(json_array_size(keys), 1);
    json_decref(keys);
    aws_s3_free(s);
}

static void s3_errors_never_show_the_secret(void **state)
{
    (void)state;
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-right-secret-value", 1);
    aws_s3 *s = client("unit", NULL);
    vpce_buf body;
    assert_int_equal(aws_s3_get(s, "k", &body, NULL), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "SignatureDoesNotMatch"));
    assert_null(strstr(vpce_error_last(), "not-the-right-secret-value"));
    aws_s3_free(s);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
}

static vpce_state_backend *backend(const char *ws)
{
    vpce_s3_backend_config c = {
        .bucket = "unit", .key = "st/vpce.db", .use_path_style = true, .encrypt = true};
    vpce_state_backend *b = NULL;
    assert_int_equal(vpce_s3_backend_new(&b, &c, ws), 0);
    return b;
}

static void s3_backend_state_and_lock(void **state)
{
    (void)state;
    vpce_state *a = NULL, *b = NULL;
    assert_int_equal(vpce_state_open_backend(&a, backend(NULL), false), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_open_backend(&a, backend(NULL), true), 0);
    assert_string_equal(vpce_state_where(a), "s3://unit/st/vpce.db");
    assert_int_equal(vpce_state_open_backend(&b, backend("default"), false), 0);
    assert_string_equal(vpce_state_lineage(a), vpce_state_lineage(b));

    json_t *holder = NULL;
    assert_int_equal(vpce_state_lock(a, "apply", 0, &holder), 0);
    assert_null(holder);
    json_t *objs = vpce_sim_get(&sim, "/_sim/s3/objects?bucket=unit");
    json_t *lock = json_object_get(objs, "st/vpce.db.tflock");
    assert_non_null(lock);
    assert_string_equal(json_string_value(json_object_get(lock, "sse")), "AES256");
    json_decref(objs);
    assert_int_equal(vpce_state_lock(b, "plan", 0, &holder), VPCE_ELOCKED);
    assert_string_equal(json_string_value(json_object_get(holder, "id")), vpce_state_lock_id(a));
    assert_string_equal(json_string_value(json_object_get(holder, "operation")), "apply");
    json_decref(holder);
    holder = NULL;

    /* a writes; b's copy is older and its write is refused. */
    json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:{s:s}}", "address", "aws_vpc.main", "type", "aws_vpc",
                          "name", "main", "id", "vpc-1", "attributes", "id", "vpc-1");
    assert_int_equal(vpce_state_put_resource(a, r), 0);
    assert_int_equal(vpce_state_put_resource(b, r), VPCE_ESTALE);
    assert_non_null(strstr(vpce_error_last(), "was changed by someone else"));
    json_decref(r);

    assert_int_equal(vpce_state_force_unlock(b, "not-the-id"), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_unlock(a), 0);
    assert_int_equal(vpce_state_lock_info(b, &holder), VPCE_ENOTFOUND);
    vpce_state_close(a);
    vpce_state_close(b);

    /* Workspaces: WORKSPACE_KEY_PREFIX/NAME/KEY, listed. */
    assert_int_equal(vpce_state_open_backend(&a, backend("blue"), true), 0);
    vpce_state_close(a);
    vpce_s3_backend_config c = {.bucket = "unit", .key = "st/vpce.db", .use_path_style = true};
    json_t *names = NULL;
    assert_int_equal(vpce_s3_backend_workspaces(&c, &names), 0);
    assert_int_equal(json_array_size(names), 1);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "blue");
    json_decref(names);
    assert_true(vpce_s3_backend_requests() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s3_sigv4_matches_the_documented_example),
        cmocka_unit_test(s3_sigv4_does_not_normalise_the_path),
        cmocka_unit_test_setup(s3_conditional_writes, reset),
        cmocka_unit_test_setup(s3_list_follows_pages, reset),
        cmocka_unit_test_setup(s3_bucket_in_another_region_is_named, reset),
        cmocka_unit_test_setup(s3_sse_required_by_policy, reset),
        cmocka_unit_test_setup(s3_conflicts_are_retried, reset),
        cmocka_unit_test_setup(s3_lost_answer_to_a_conditional_write, reset),
        cmocka_unit_test_setup(s3_virtual_hosted_style, reset),
        cmocka_unit_test_setup(s3_errors_never_show_the_secret, reset),
        cmocka_unit_test_setup(s3_backend_state_and_lock, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
