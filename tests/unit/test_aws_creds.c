/*
 * The credential chain, the region and the endpoint: the environment, shared files in a
 * temporary HOME, credential_process with small shell scripts, and a fake instance metadata
 * service (IMDSv2) served from a thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "providers/aws/client.h"
#include "tests/unit/support/http.h"

static char home[256];

static void write_file(const char *rel, const char *text, int mode)
{
    char *path = vpce_asprintf("%s/%s", home, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
    free(path);
}

static void clear_env(void)
{
    const char *vars[] = {"AWS_ACCESS_KEY_ID",
                          "AWS_SECRET_ACCESS_KEY",
                          "AWS_SESSION_TOKEN",
                          "AWS_PROFILE",
                          "AWS_SHARED_CREDENTIALS_FILE",
                          "AWS_CONFIG_FILE",
                          "AWS_REGION",
                          "AWS_DEFAULT_REGION",
                          "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_EC2",
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                          "AWS_EC2_METADATA_DISABLED"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
        unsetenv(vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static int setup(void **state)
{
    (void)state;
    snprintf(home, sizeof(home), "/tmp/vpce-creds-XXXXXX");
    if (!mkdtemp(home))
        return -1;
    char *aws = vpce_asprintf("%s/.aws", home);
    mkdir(aws, 0700);
    free(aws);
    setenv("HOME", home, 1);
    clear_env();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = vpce_asprintf("rm -rf '%s'", home);
    int rc = system(cmd);
    (void)rc;
    free(cmd);
    return 0;
}

static int each(void **state)
{
    (void)state;
    clear_env();
    char *a = vpce_asprintf("%s/.aws/credentials", home);
    char *b = vpce_asprintf("%s/.aws/config", home);
    unlink(a);
    unlink(b);
    free(a);
    free(b);
    return 0;
}

static void test_creds_env_first(void **state)
{
    (void)state;
    write_file(".aws/credentials",
               "[default]\naws_access_key_id = FILEKEY\n"
               "aws_secret_access_key = filesecret\n",
               0600);
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    vpce_aws_creds c;
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "ENVKEY");
    assert_string_equal(c.secret_access_key, "envsecret");
    assert_string_equal(c.session_token, "envtoken");
    assert_string_equal(c.source, "environment");
    vpce_aws_creds_release(&c);
    /* Only one of the pair: the environment is skipped. */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "FILEKEY");
    assert_null(c.session_token);
    vpce_aws_creds_release(&c);
}

static void test_creds_profiles(void **state)
{
    (void)state;
    write_file(
        ".aws/credentials",
        "# comment\n[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = defsecret\n"
        "\n[dev]\naws_access_key_id=DEVKEY  \naws_secret_access_key=devsecret\n"
        "aws_session_token = devtoken\n; another comment\n",
        0600);
    write_file(".aws/config",
               "[default]\nregion = us-west-2\n[profile ops]\nregion = eu-central-1\n"
               "aws_access_key_id = OPSKEY\naws_secret_access_key = opssecret\n"
               "[ops]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n",
               0600);
    vpce_aws_creds c;
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "DEFKEY");
    assert_string_equal(c.source, "shared credentials file (profile \"default\")");
    vpce_aws_creds_release(&c);

    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "DEVKEY");
    assert_string_equal(c.session_token, "devtoken");
    vpce_aws_creds_release(&c);

    /* The provider's profile argument wins over AWS_PROFILE; config uses [profile x]. */
    assert_int_equal(vpce_aws_creds_resolve(&c, "ops"), 0);
    assert_string_equal(c.access_key_id, "OPSKEY");
    assert_string_equal(c.source, "shared config file (profile \"ops\")");
    vpce_aws_creds_release(&c);

    char *r = NULL;
    assert_int_equal(vpce_aws_region_resolve(&r, NULL, "ops"), 0);
    assert_string_equal(r, "eu-central-1");
    free(r);
    unsetenv("AWS_PROFILE");
    assert_int_equal(vpce_aws_region_resolve(&r, NULL, NULL), 0);
    assert_string_equal(r, "us-west-2");
    free(r);
    setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
    assert_int_equal(vpce_aws_region_resolve(&r, NULL, NULL), 0);
    assert_string_equal(r, "ap-south-1");
    free(r);
    setenv("AWS_REGION", "sa-east-1", 1);
    assert_int_equal(vpce_aws_region_resolve(&r, NULL, NULL), 0);
    assert_string_equal(r, "sa-east-1");
    free(r);
    assert_int_equal(vpce_aws_region_resolve(&r, "ca-central-1", NULL), 0);
    assert_string_equal(r, "ca-central-1");
    free(r);

    /* Files named by the environment. */
    write_file("other-creds", "[default]\naws_access_key_id=OTHER\naws_secret_access_key=o\n",
               0600);
    char *p = vpce_asprintf("%s/other-creds", home);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    free(p);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "OTHER");
    vpce_aws_creds_release(&c);
}

static void test_creds_region_missing(void **state)
{
    (void)state;
    char *r = NULL;
    assert_int_equal(vpce_aws_region_resolve(&r, NULL, NULL), VPCE_ENOTFOUND);
    assert_null(r);
    const char *msg = vpce_error_last();
    assert_non_null(strstr(msg, "no AWS region found"));
    assert_non_null(strstr(msg, "AWS_REGION"));
    assert_non_null(strstr(msg, "profile \"default\""));
}

static void test_creds_nothing_found(void **state)
{
    (void)state;
    vpce_aws_creds c;
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), VPCE_ENOTFOUND);
    const char *msg = vpce_error_last();
    print_message("    %s\n", msg);
    assert_non_null(strstr(msg, "no AWS credentials found: looked in the environment "
                                "(AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE), the shared "
                                "credentials file "));
    assert_non_null(strstr(msg, "container credentials"));
    assert_non_null(strstr(msg, "/.aws/credentials (profile \"default\")"));
    assert_non_null(strstr(msg, "the shared config file "));
    assert_non_null(strstr(msg, "/.aws/config"));
    assert_non_null(strstr(msg, "EC2 instance metadata service"));
    assert_non_null(strstr(msg, "disabled by AWS_EC2_METADATA_DISABLED"));

    /* A client without credentials fails with the same message. */
    setenv("AWS_REGION", "us-east-1", 1);
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, NULL), VPCE_ENOTFOUND);
    assert_null(cl);
}

static void test_creds_process(void **state)
{
    (void)state;
    write_file("ok.sh",
               "#!/bin/sh\necho 'a note on stderr' >&2\n"
               "printf '{\"Version\": 1, \"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": "
               "\"procsecret\", \"SessionToken\": \"proctoken\", \"Expiration\": "
               "\"2030-01-02T03:04:05Z\"}'\n",
               0700);
    write_file("fail.sh", "#!/bin/sh\necho 'SECRET-IN-OUTPUT-xyz'\nexit 3\n", 0700);
    write_file("bad.sh", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"SECRETISH-abc\"}'\n",
               0700);
    char *cfg = vpce_asprintf("[profile proc]\ncredential_process = %s/ok.sh --flag\n"
                              "[profile failing]\ncredential_process = %s/fail.sh\n"
                              "[profile bad]\ncredential_process = %s/bad.sh\n",
                              home, home, home);
    write_file(".aws/config", cfg, 0600);
    free(cfg);

    vpce_aws_creds c;
    assert_int_equal(vpce_aws_creds_resolve(&c, "proc"), 0);
    assert_string_equal(c.access_key_id, "PROCKEY");
    assert_string_equal(c.secret_access_key, "procsecret");
    assert_string_equal(c.session_token, "proctoken");
    assert_int_equal(c.expiration, 1893553445);
    assert_string_equal(c.source, "credential_process (profile \"proc\")");
    vpce_aws_creds_release(&c);

    assert_int_equal(vpce_aws_creds_resolve(&c, "failing"), VPCE_ERROR);
    assert_string_equal(vpce_error_last(),
                        "credential_process for profile \"failing\" failed (exit status 3)");
    assert_int_equal(vpce_aws_creds_resolve(&c, "bad"), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "profile \"bad\" returned invalid output"));
    assert_null(strstr(vpce_error_last(), "SECRETISH"));
}

/* ---- a fake instance metadata service ------------------------------------------------------ */

static int imds_fd;
static int imds_port;
static volatile int imds_stop;
static pthread_t imds_thread;
static int imds_token_puts;

static void imds_reply(int c, int status, const char *body)
{
    vpce_test_http_reply(c, status, NULL, body);
}

static void *imds_serve(void *arg)
{
    (void)arg;
    while (!imds_stop) {
        struct pollfd p = {imds_fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(imds_fd, NULL, NULL);
        if (c < 0)
            continue;
        char buf[8192];
        vpce_test_http_read_head(c, buf, sizeof(buf));
        bool has_token = strstr(buf, "X-aws-ec2-metadata-token: imds-token-1\r\n") != NULL;
        if (strncmp(buf, "PUT /latest/api/token ", 22) == 0) {
            if (strstr(buf, "X-aws-ec2-metadata-token-ttl-seconds: ")) {
                imds_token_puts++;
                imds_reply(c, 200, "imds-token-1");
            } else {
                imds_reply(c, 400, "");
            }
        } else if (!has_token) {
            imds_reply(c, 401, "");
        } else if (strncmp(buf, "GET /latest/meta-data/iam/security-credentials/ ", 48) == 0) {
            imds_reply(c, 200, "my-role\n");
        } else if (strncmp(buf, "GET /latest/meta-data/iam/security-credentials/my-role ", 55) ==
                   0) {
            imds_reply(c, 200,
                       "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"IMDSKEY\","
                       "\"SecretAccessKey\":\"imdssecret\",\"Token\":\"imdstoken\","
                       "\"Expiration\":\"2031-05-06T07:08:09Z\"}");
        } else {
            imds_reply(c, 404, "");
        }
        shutdown(c, SHUT_RDWR);
        close(c);
    }
    return NULL;
}

static void test_creds_imds(void **state)
{
    (void)state;
    imds_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(imds_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(imds_fd, 8), 0);
    socklen_t alen = sizeof(a);
    getsockname(imds_fd, (struct sockaddr *)&a, &alen);
    imds_port = ntohs(a.sin_port);
    pthread_create(&imds_thread, NULL, imds_serve, NULL);

    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", imds_port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    vpce_aws_creds c;
    /* Disabled: not asked. */
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), VPCE_ENOTFOUND);
    assert_int_equal(imds_token_puts, 0);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_int_equal(imds_token_puts, 1);
    assert_string_equal(c.access_key_id, "IMDSKEY");
    assert_string_equal(c.secret_access_key, "imdssecret");
    assert_string_equal(c.session_token, "imdstoken");
    assert_int_equal(c.expiration, 1935817689);
    assert_string_equal(c.source, "EC2 instance metadata (role \"my-role\")");
    vpce_aws_creds_release(&c);

    imds_stop = 1;
    pthread_join(imds_thread, NULL);
    close(imds_fd);

    /* Nothing listening there any more: fails with the place named. */
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), VPCE_ENOTFOUND);
    url[strlen(url) - 1] = '\0'; /* named without the trailing slash */
    assert_non_null(strstr(vpce_error_last(), url));
    assert_non_null(strstr(vpce_error_last(), "not reachable"));
}

static void test_creds_endpoint(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "K", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
    setenv("AWS_REGION", "eu-north-1", 1);
    vpce_aws_client *c = NULL;
    assert_int_equal(vpce_aws_client_new(&c, NULL), 0);
    assert_string_equal(vpce_aws_client_endpoint(c), "https://ec2.eu-north-1.amazonaws.com");
    vpce_aws_client_free(c);
    setenv("AWS_ENDPOINT_URL", "http://localhost:1111/", 1);
    assert_int_equal(vpce_aws_client_new(&c, NULL), 0);
    assert_string_equal(vpce_aws_client_endpoint(c), "http://localhost:1111");
    vpce_aws_client_free(c);
    setenv("AWS_ENDPOINT_URL_EC2", "http://localhost:2222", 1);
    assert_int_equal(vpce_aws_client_new(&c, NULL), 0);
    assert_string_equal(vpce_aws_client_endpoint(c), "http://localhost:2222");
    vpce_aws_client_free(c);
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.endpoint_ec2 = "https://ec2.example.test";
    cfg.region = "us-east-2";
    assert_int_equal(vpce_aws_client_new(&c, &cfg), 0);
    assert_string_equal(vpce_aws_client_endpoint(c), "https://ec2.example.test");
    assert_string_equal(vpce_aws_client_region(c), "us-east-2");
    vpce_aws_client_free(c);
    cfg.endpoint_ec2 = "ftp://nope";
    assert_int_equal(vpce_aws_client_new(&c, &cfg), VPCE_EINVALID);
    cfg.endpoint_ec2 = NULL;
    cfg.access_key = "only-half";
    assert_int_equal(vpce_aws_client_new(&c, &cfg), VPCE_EINVALID);
}

static void test_creds_refresh(void **state)
{
    (void)state;
    /* Credentials that expire soon are fetched again before a request. */
    char *script = vpce_asprintf("#!/bin/sh\necho run >> '%s/runs'\n"
                                 "printf '{\"Version\": 1, \"AccessKeyId\": \"K\", "
                                 "\"SecretAccessKey\": \"S\", \"Expiration\": "
                                 "\"2001-01-01T00:00:00Z\"}'\n",
                                 home);
    write_file("expiring.sh", script, 0700);
    free(script);
    char *cfg = vpce_asprintf(
        "[profile exp]\nregion = us-east-1\ncredential_process = %s/expiring.sh\n", home);
    write_file(".aws/config", cfg, 0600);
    free(cfg);
    vpce_aws_config c;
    memset(&c, 0, sizeof(c));
    c.profile = "exp";
    c.endpoint_ec2 = "http://127.0.0.1:1";
    c.max_retries = -1; /* no retries */
    c.no_pacing = true;
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &c), 0);
    assert_string_equal(vpce_aws_client_region(cl), "us-east-1");
    json_t *r = NULL;
    assert_true(vpce_aws_call(cl, "DescribeVpcs", NULL, &r) < 0);
    assert_true(vpce_aws_call(cl, "DescribeVpcs", NULL, &r) < 0);
    vpce_aws_client_free(cl);
    char *runs_path = vpce_asprintf("%s/runs", home);
    char *runs = NULL;
    size_t len = 0;
    assert_int_equal(vpce_read_file(&runs, &len, runs_path, 4096), 0);
    assert_int_equal(len, 12); /* "run\n" x 3: at creation and before each call */
    free(runs);
    free(runs_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_creds_env_first, each),
        cmocka_unit_test_setup(test_creds_profiles, each),
        cmocka_unit_test_setup(test_creds_region_missing, each),
        cmocka_unit_test_setup(test_creds_nothing_found, each),
        cmocka_unit_test_setup(test_creds_process, each),
        cmocka_unit_test_setup(test_creds_imds, each),
        cmocka_unit_test_setup(test_creds_endpoint, each),
        cmocka_unit_test_setup(test_creds_refresh, each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
