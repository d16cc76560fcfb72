/*
 * The credential chain step by step, in a temporary HOME with fake shared files, against the
 * simulator's STS (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity) and a local HTTP
 * server on loopback standing in for the container credentials agent and the SSO portal:
 * web identity from the environment, profiles with roles (source_profile chains and cycles,
 * credential_source, web_identity_token_file, mfa_serial), SSO, container credentials, the
 * provider block's assume_role list and web identity, STS errors naming the role, the retry of
 * IDPCommunicationError, refresh under concurrency, a failed refresh, and debug logs without a
 * secret.
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
#include <time.h>
#include <unistd.h>

#include "providers/aws/client.h"
#include "providers/provider.h"
#include "tests/unit/support/http.h"
#include "tests/unit/support/sim.h"

#define ROLE1 "arn:aws:iam::210987654321:role/deploy"
#define ROLE2 "arn:aws:iam::345678901234:role/network-admin"
/* A JWT-shaped token: header.payload.signature, payload {"iss":"https://oidc.example","sub":"ci"}.
 */
#define JWT                                                                                        \
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZSIsInN1YiI6ImNpIn0."                \
    "U2VjcmV0VG9rZW5TaWduYXR1cmVOZXZlckxlYWtz"

static char home[256];
static vpce_sim sim;

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

static char *home_file(const char *rel)
{
    return vpce_asprintf("%s/%s", home, rel);
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
                          "AWS_ENDPOINT_URL_SSO",
                          "AWS_ROLE_ARN",
                          "AWS_ROLE_SESSION_NAME",
                          "AWS_WEB_IDENTITY_TOKEN_FILE",
                          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
        unsetenv(vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ENDPOINT_URL_STS", sim.endpoint, 1);
}

/* ---- a local server: container credentials agent and SSO portal --------------------------- */

static int srv_fd, srv_port;
static volatile int srv_stop;
static pthread_t srv_thread;
static int srv_requests;

static void reply(int c, int status, const char *body)
{
    vpce_test_http_reply(c, status, "application/json", body);
}

static void *serve(void *arg)
{
    (void)arg;
    while (!srv_stop) {
        struct pollfd p = {srv_fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(srv_fd, NULL, NULL);
        if (c < 0)
            continue;
        char buf[8192];
        vpce_test_http_read_head(c, buf, sizeof(buf));
        __sync_fetch_and_add(&srv_requests, 1);
        if (strncmp(buf, "GET /creds ", 11) == 0) {
            if (!strstr(buf, "\r\nAuthorization: container-auth-token\r\n"))
                reply(c, 401, "{\"message\":\"no\"}");
            else
                reply(c, 200,
                      "{\"AccessKeyId\":\"CONTAINERKEY\",\"SecretAccessKey\":\"containersecret\","
                      "\"Token\":\"containertoken\",\"Expiration\":\"2031-01-01T00:00:00Z\","
                      "\"RoleArn\":\"arn:aws:iam::1:role/task\"}");
        } else if (strncmp(buf,
                           "GET /federation/credentials?account_id=111122223333&role_name="
                           "Admin ",
                           68) == 0) {
            if (!strstr(buf, "\r\nx-amz-sso_bearer_token: sso-access-token\r\n"))
                reply(c, 401, "{\"message\":\"Session token not found or invalid\"}");
            else
                reply(c, 200,
                      "{\"roleCredentials\":{\"accessKeyId\":\"SSOKEY\",\"secretAccessKey\":"
                      "\"ssosecret\",\"sessionToken\":\"ssotoken\",\"expiration\":"
                      "1924992000000}}");
        } else {
            reply(c, 404, "{}");
        }
        shutdown(c, SHUT_RDWR);
        close(c);
    }
    return NULL;
}

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--buckets", "off", "--pending-ms", "0", NULL};
    if (vpce_sim_start(&sim, args) != 0)
        return -1;
    snprintf(home, sizeof(home), "/tmp/vpce-chain-XXXXXX");
    if (!mkdtemp(home))
        return -1;
    char *p = vpce_asprintf("%s/.aws", home);
    mkdir(p, 0700);
    free(p);
    p = vpce_asprintf("%s/.aws/sso", home);
    mkdir(p, 0700);
    free(p);
    p = vpce_asprintf("%s/.aws/sso/cache", home);
    mkdir(p, 0700);
    free(p);
    setenv("HOME", home, 1);

    srv_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(srv_fd, 16) != 0)
        return -1;
    socklen_t alen = sizeof(a);
    getsockname(srv_fd, (struct sockaddr *)&a, &alen);
    srv_port = ntohs(a.sin_port);
    pthread_create(&srv_thread, NULL, serve, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    srv_stop = 1;
    pthread_join(srv_thread, NULL);
    close(srv_fd);
    vpce_sim_stop(&sim);
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
    const char *files[] = {".aws/credentials", ".aws/config"};
    for (size_t i = 0; i < 2; i++) {
        char *f = home_file(files[i]);
        unlink(f);
        free(f);
    }
    json_decref(vpce_sim_post(&sim, "/_sim/faults",
                              "{\"sts_duration_s\": 0, \"sts_deny_roles\": [], "
                              "\"sts_idp_errors\": 0}"));
    json_decref(vpce_sim_post(&sim, "/_sim/sts/reset", NULL));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
    return 0;
}

/* The n-th STS call the simulator logged (borrowed from *doc, which the caller frees). */
static json_t *sts_call(json_t **doc, size_t n)
{
    *doc = vpce_sim_get(&sim, "/_sim/sts");
    assert_non_null(*doc);
    json_t *calls = json_object_get(*doc, "calls");
    assert_true(json_array_size(calls) > n);
    return json_array_get(calls, n);
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void assert_no_secret(const char *text)
{
    assert_null(strstr(text, JWT));
    assert_null(strstr(text, "U2VjcmV0VG9rZW5TaWduYXR1cmVOZXZlckxlYWtz"));
    assert_null(strstr(text, "sso-access-token"));
    assert_null(strstr(text, "container-auth-token"));
    assert_null(strstr(text, "basesecret"));
}

/* ---- web identity from the environment ---------------------------------------------------- */

static void test_chain_web_identity_env(void **state)
{
    (void)state;
    write_file("token", JWT "\n", 0600);
    char *tf = home_file("token");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    vpce_aws_creds c;
    /* Without the role: a clear error. */
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "AWS_ROLE_ARN is not"));
    setenv("AWS_ROLE_ARN", ROLE1, 1);
    setenv("AWS_ROLE_SESSION_NAME", "gha-run-42", 1);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_true(strncmp(c.access_key_id, "ASIA", 4) == 0);
    assert_non_null(c.session_token);
    assert_true(c.expiration > (int64_t)time(NULL));
    assert_string_equal(c.source,
                        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE) for role \"" ROLE1 "\"");
    vpce_aws_creds_release(&c);
    json_t *doc = NULL;
    json_t *call = sts_call(&doc, 0);
    assert_string_equal(jstr(call, "Action"), "AssumeRoleWithWebIdentity");
    assert_string_equal(jstr(call, "RoleSessionName"), "gha-run-42");
    assert_string_equal(jstr(call, "RoleArn"), ROLE1);
    json_decref(doc);
    /* The environment's keys come first. */
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "ENVKEY");
    vpce_aws_creds_release(&c);
    unsetenv("AWS_ACCESS_KEY_ID");
    /* A missing file is named; the token never is. */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    assert_true(vpce_aws_creds_resolve(&c, NULL) < 0);
    assert_non_null(strstr(vpce_error_last(), "/nonexistent/token"));
    /* A token STS refuses: the role is named, the token is not. */
    write_file("bad-token", "not-a-jwt-SecretTokenNeverShown", 0600);
    char *bad = home_file("bad-token");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", bad, 1);
    assert_true(vpce_aws_creds_resolve(&c, NULL) < 0);
    const char *msg = vpce_error_last();
    assert_non_null(strstr(msg, "cannot assume role \"" ROLE1 "\""));
    assert_non_null(strstr(msg, "InvalidIdentityToken"));
    assert_null(strstr(msg, "SecretTokenNeverShown"));
    /* An expired token: STS's ExpiredTokenException, with the role and the token's origin. */
    write_file("bad-token",
               "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZSIsImV4cCI6MTAwMDAwMDA"
               "wMH0.SecretTokenNeverShown",
               0600);
    assert_true(vpce_aws_creds_resolve(&c, NULL) < 0);
    msg = vpce_error_last();
    assert_non_null(strstr(msg, "cannot assume role \"" ROLE1 "\""));
    assert_non_null(strstr(msg, "ExpiredTokenException"));
    assert_non_null(strstr(msg, "the web identity token from AWS_WEB_IDENTITY_TOKEN_FILE has "
                                "expired"));
    assert_null(strstr(msg, "SecretTokenNeverShown"));
    free(bad);
    free(tf);
}

/* ---- profiles with roles ------------------------------------------------------------------ */

static void test_chain_profile_roles(void **state)
{
    (void)state;
    write_file(".aws/credentials",
               "[base]\naws_access_key_id = test\naws_secret_access_key = test\n", 0600);
    write_file(".aws/config",
               "[profile deploy]\nrole_arn = " ROLE1 "\nsource_profile = base\n"
               "external_id = ext-42\nrole_session_name = deploy-session\n"
               "duration_seconds = 1800\n"
               "[profile network]\nrole_arn = " ROLE2 "\nsource_profile = deploy\n"
               "[profile loop-a]\nrole_arn = " ROLE1 "\nsource_profile = loop-b\n"
               "[profile loop-b]\nrole_arn = " ROLE2 "\nsource_profile = loop-a\n"
               "[profile self]\nrole_arn = " ROLE1 "\nsource_profile = self\n"
               "aws_access_key_id = test\naws_secret_access_key = test\n"
               "[profile mfa]\nrole_arn = " ROLE1 "\nsource_profile = base\n"
               "mfa_serial = arn:aws:iam::1:mfa/me\n"
               "[profile nosource]\nrole_arn = " ROLE1 "\n"
               "[profile both]\nrole_arn = " ROLE1 "\nsource_profile = base\n"
               "credential_source = Environment\n"
               "[profile fromenv]\nrole_arn = " ROLE1 "\ncredential_source = Environment\n"
               "[profile fromimds]\nrole_arn = " ROLE1 "\ncredential_source = Ec2InstanceMetadata\n"
               "[profile badsource]\nrole_arn = " ROLE1 "\ncredential_source = Somewhere\n",
               0600);
    vpce_aws_creds c;
    /* Chained: base -> deploy (ROLE1) -> network (ROLE2). */
    assert_int_equal(vpce_aws_creds_resolve(&c, "network"), 0);
    assert_true(strncmp(c.access_key_id, "ASIA", 4) == 0);
    assert_non_null(strstr(c.source, "assume_role \"" ROLE2 "\""));
    assert_non_null(strstr(c.source, "assume_role \"" ROLE1 "\""));
    assert_non_null(strstr(c.source, "shared credentials file (profile \"base\")"));
    vpce_aws_creds_release(&c);
    json_t *doc = NULL;
    json_t *first = sts_call(&doc, 0);
    assert_string_equal(jstr(first, "RoleArn"), ROLE1);
    assert_string_equal(jstr(first, "ExternalId"), "ext-42");
    assert_string_equal(jstr(first, "RoleSessionName"), "deploy-session");
    assert_string_equal(jstr(first, "DurationSeconds"), "1800");
    assert_string_equal(jstr(first, "caller"), "arn:aws:iam::123456789012:user/test");
    json_t *second = json_array_get(json_object_get(doc, "calls"), 1);
    assert_string_equal(jstr(second, "RoleArn"), ROLE2);
    assert_string_equal(jstr(second, "caller"),
                        "arn:aws:sts::210987654321:assumed-role/deploy/deploy-session");
    json_decref(doc);

    /* A cycle is refused with its path. */
    assert_int_equal(vpce_aws_creds_resolve(&c, "loop-a"), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "has a cycle"));
    assert_non_null(strstr(vpce_error_last(), "loop-a -> loop-b -> loop-a"));
    /* Its own static keys as the source. */
    assert_int_equal(vpce_aws_creds_resolve(&c, "self"), 0);
    assert_non_null(strstr(c.source, "shared config file (profile \"self\")"));
    vpce_aws_creds_release(&c);
    /* No prompt in a pipeline. */
    assert_int_equal(vpce_aws_creds_resolve(&c, "mfa"), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "mfa_serial"));
    assert_non_null(strstr(vpce_error_last(), "cannot prompt"));
    assert_int_equal(vpce_aws_creds_resolve(&c, "nosource"), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "no source_profile, credential_source"));
    assert_int_equal(vpce_aws_creds_resolve(&c, "both"), VPCE_EINVALID);
    assert_int_equal(vpce_aws_creds_resolve(&c, "badsource"), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "\"Somewhere\" is not one of"));
    assert_true(vpce_aws_creds_resolve(&c, "fromimds") < 0);
    assert_non_null(strstr(vpce_error_last(), "Ec2InstanceMetadata gave no credentials"));
    /* credential_source = Environment: the profile named in the provider block comes first. */
    assert_true(vpce_aws_creds_resolve(&c, "fromenv") < 0);
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    assert_int_equal(vpce_aws_creds_resolve(&c, "fromenv"), 0);
    assert_non_null(strstr(c.source, "(from environment)"));
    vpce_aws_creds_release(&c);
    /* A profile named but absent is an error, not a silent fallback. */
    assert_int_equal(vpce_aws_creds_resolve(&c, "missing"), VPCE_ENOTFOUND);
    assert_non_null(strstr(vpce_error_last(), "profile \"missing\" is not in"));
}

static void test_chain_profile_web_identity(void **state)
{
    (void)state;
    write_file("token", JWT, 0600);
    char *cfg = vpce_asprintf("[profile oidc]\nrole_arn = %s\nweb_identity_token_file = %s/token\n"
                              "role_session_name = oidc-session\n",
                              ROLE2, home);
    write_file(".aws/config", cfg, 0600);
    free(cfg);
    setenv("AWS_PROFILE", "oidc", 1);
    vpce_aws_creds c;
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_non_null(strstr(c.source, "web_identity_token_file of profile \"oidc\""));
    vpce_aws_creds_release(&c);
    json_t *doc = NULL;
    assert_string_equal(jstr(sts_call(&doc, 0), "RoleSessionName"), "oidc-session");
    json_decref(doc);
}

/* ---- container credentials ---------------------------------------------------------------- */

static void test_chain_container_url_rules(void **state)
{
    (void)state;
    char *u = NULL;
    assert_int_equal(vpce_aws_container_url(&u, NULL, NULL), 0);
    assert_null(u);
    assert_int_equal(vpce_aws_container_url(&u, "/v2/credentials/abc", "https://ignored"), 0);
    assert_string_equal(u, "http://169.254.170.2/v2/credentials/abc");
    free(u);
    const char *ok[] = {"https://creds.example.com/x", "http://127.0.0.1:8080/creds",
                        "http://127.12.0.1/creds",     "http://localhost/creds",
                        "http://169.254.170.2/v2",     "http://169.254.170.23/v1/credentials",
                        "http://[fd00:ec2::23]/v1",    "http://[::1]:80/x"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        assert_int_equal(vpce_aws_container_url(&u, NULL, ok[i]), 0);
        assert_string_equal(u, ok[i]);
        free(u);
    }
    const char *refused[] = {"http://10.0.0.1/creds",   "http://169.254.169.254/latest",
                             "http://example.com/",     "ftp://127.0.0.1/",
                             "http://127.0.0.1.evil/x", "http://user@127.0.0.1/"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        assert_int_equal(vpce_aws_container_url(&u, NULL, refused[i]), VPCE_EINVALID);
        assert_null(u);
    }
    assert_int_equal(vpce_aws_container_url(&u, "no-slash", NULL), VPCE_EINVALID);
}

static void test_chain_container(void **state)
{
    (void)state;
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/creds", srv_port);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    vpce_aws_creds c;
    /* Without the token the agent refuses: the message says what to check. */
    assert_true(vpce_aws_creds_resolve(&c, NULL) < 0);
    assert_non_null(strstr(vpce_error_last(), "HTTP 401"));
    assert_non_null(strstr(vpce_error_last(), "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token", 1);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_string_equal(c.access_key_id, "CONTAINERKEY");
    assert_string_equal(c.session_token, "containertoken");
    assert_int_equal(c.expiration, 1924992000);
    assert_string_equal(c.source, "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)");
    vpce_aws_creds_release(&c);
    /* The token file (EKS Pod Identity) wins over the variable and is read each time. */
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
    write_file("eks-token", "container-auth-token\n", 0600);
    char *tf = home_file("eks-token");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tf, 1);
    free(tf);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    vpce_aws_creds_release(&c);
    /* A FULL_URI that plain http may not reach is refused before any request. */
    int before = srv_requests;
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/creds", 1);
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), VPCE_EINVALID);
    assert_int_equal(srv_requests, before);
    assert_no_secret(vpce_error_last());
    /* As a role's credential_source. */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    write_file(".aws/config",
               "[profile task]\nrole_arn = " ROLE1 "\ncredential_source = "
               "EcsContainer\n",
               0600);
    assert_true(vpce_aws_creds_resolve(&c, "task") < 0); /* CONTAINERKEY is no key STS knows */
    assert_non_null(strstr(vpce_error_last(), "cannot assume role \"" ROLE1 "\""));
    assert_non_null(strstr(vpce_error_last(), "InvalidClientTokenId"));
}

/* ---- SSO ---------------------------------------------------------------------------------- */

static void test_chain_sso(void **state)
{
    (void)state;
    char *portal = vpce_asprintf("http://127.0.0.1:%d", srv_port);
    setenv("AWS_ENDPOINT_URL_SSO", portal, 1);
    free(portal);
    write_file(".aws/config",
               "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n"
               "sso_role_name = Admin\nregion = eu-west-1\n"
               "[sso-session my-sso]\nsso_start_url = https://example.awsapps.com/start\n"
               "sso_region = eu-west-1\n"
               "[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\n"
               "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n"
               "[profile half]\nsso_session = my-sso\nsso_role_name = Admin\n",
               0600);
    char *name = vpce_aws_sso_cache_name("my-sso");
    assert_string_equal(name, "0ad374308c5a4e22f723adf10145eafad7c4031c.json");
    vpce_aws_creds c;
    /* Not logged in yet. */
    assert_int_equal(vpce_aws_creds_resolve(&c, "dev"), VPCE_ENOTFOUND);
    assert_non_null(strstr(vpce_error_last(), "run `aws sso login --profile dev`"));
    char *rel = vpce_asprintf(".aws/sso/cache/%s", name);
    write_file(rel,
               "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"eu-west-1\", "
               "\"accessToken\": \"sso-access-token\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}",
               0600);
    assert_int_equal(vpce_aws_creds_resolve(&c, "dev"), 0);
    assert_string_equal(c.access_key_id, "SSOKEY");
    assert_string_equal(c.session_token, "ssotoken");
    assert_int_equal(c.expiration, 1924992000);
    assert_string_equal(c.source, "SSO (profile \"dev\", account 111122223333, role \"Admin\")");
    vpce_aws_creds_release(&c);
    /* An expired token: log in again. */
    write_file(rel,
               "{\"accessToken\": \"sso-access-token\", \"expiresAt\": \"2001-01-01T00:00:00Z\"}",
               0600);
    assert_int_equal(vpce_aws_creds_resolve(&c, "dev"), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "the SSO token expired at 2001-01-01T00:00:00Z"));
    assert_non_null(strstr(vpce_error_last(), "aws sso login"));
    /* A token the portal refuses. */
    write_file(rel, "{\"accessToken\": \"other-token\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}",
               0600);
    assert_int_equal(vpce_aws_creds_resolve(&c, "dev"), VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "refused the cached token"));
    assert_null(strstr(vpce_error_last(), "other-token"));
    free(rel);
    free(name);
    /* Legacy profile: the cache is named after the start URL. */
    name = vpce_aws_sso_cache_name("https://legacy.awsapps.com/start");
    rel = vpce_asprintf(".aws/sso/cache/%s", name);
    write_file(rel,
               "{\"accessToken\": \"sso-access-token\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}",
               0600);
    assert_int_equal(vpce_aws_creds_resolve(&c, "legacy"), 0);
    assert_string_equal(c.access_key_id, "SSOKEY");
    vpce_aws_creds_release(&c);
    free(rel);
    free(name);
    assert_int_equal(vpce_aws_creds_resolve(&c, "half"), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "lacks sso_account_id"));
}

/* ---- the provider block: assume_role list, web identity ------------------------------------ */

static void base_config(vpce_aws_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->region = "us-east-1";
    cfg->endpoint_ec2 = sim.endpoint;
    cfg->endpoint_sts = sim.endpoint;
    cfg->no_pacing = true;
}

static void test_chain_provider_assume_roles(void **state)
{
    (void)state;
    unsetenv("AWS_ENDPOINT_URL_STS"); /* from the configuration only */
    const char *arns[] = {"arn:aws:iam::aws:policy/ReadOnlyAccess"};
    const char *keys[] = {"Team", "Pipeline"};
    const char *vals[] = {"net", "deploy"};
    const char *transitive[] = {"Team"};
    vpce_aws_assume_role roles[2];
    memset(roles, 0, sizeof(roles));
    roles[0].role_arn = ROLE1;
    roles[0].session_name = "first";
    roles[0].external_id = "ext-1";
    roles[0].duration_s = 3600;
    roles[0].tag_keys = keys;
    roles[0].tag_values = vals;
    roles[0].ntags = 2;
    roles[0].transitive_tag_keys = transitive;
    roles[0].ntransitive_tag_keys = 1;
    roles[0].source_identity = "alice";
    roles[1].role_arn = ROLE2;
    roles[1].session_name = "second";
    roles[1].policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
    roles[1].policy_arns = arns;
    roles[1].npolicy_arns = 1;
    vpce_aws_config cfg;
    base_config(&cfg);
    cfg.access_key = "test";
    cfg.secret_key = "test";
    cfg.assume_roles = roles;
    cfg.nassume_roles = 2;
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), 0);
    assert_string_equal(vpce_aws_client_creds_source(cl),
                        "assume_role \"" ROLE2 "\" (from assume_role \"" ROLE1
                        "\" (from provider configuration))");
    assert_string_equal(vpce_aws_client_sts_endpoint(cl), sim.endpoint);
    vpce_aws_identity id;
    assert_int_equal(vpce_aws_client_identity(cl, &id), 0);
    assert_string_equal(id.account, "345678901234");
    assert_string_equal(id.arn, "arn:aws:sts::345678901234:assumed-role/network-admin/second");
    assert_true(strstr(id.user_id, ":second") != NULL);
    /* The assumed credentials work on the EC2 side (with their session token). */
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(cl, "DescribeVpcs", NULL, &r), 0);
    json_decref(r);
    vpce_aws_client_free(cl);
    json_t *doc = NULL;
    json_t *c0 = sts_call(&doc, 0);
    assert_string_equal(jstr(c0, "Tags.member.1.Key"), "Team");
    assert_string_equal(jstr(c0, "Tags.member.1.Value"), "net");
    assert_string_equal(jstr(c0, "Tags.member.2.Key"), "Pipeline");
    assert_string_equal(jstr(c0, "TransitiveTagKeys.member.1"), "Team");
    assert_string_equal(jstr(c0, "SourceIdentity"), "alice");
    assert_string_equal(jstr(c0, "ExternalId"), "ext-1");
    assert_string_equal(jstr(c0, "DurationSeconds"), "3600");
    json_t *c1 = json_array_get(json_object_get(doc, "calls"), 1);
    assert_string_equal(jstr(c1, "PolicyArns.member.1.arn"),
                        "arn:aws:iam::aws:policy/ReadOnlyAccess");
    assert_non_null(strstr(jstr(c1, "Policy"), "2012-10-17"));
    assert_string_equal(jstr(c1, "caller"), "arn:aws:sts::210987654321:assumed-role/deploy/first");
    json_decref(doc);

    /* A role the caller may not assume: the role and who asked are named. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"sts_deny_roles\": [\"" ROLE2 "\"]}"));
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), VPCE_ERROR);
    const char *msg = vpce_error_last();
    print_message("    %s\n", msg);
    assert_non_null(strstr(msg, "cannot assume role \"" ROLE2 "\" as "
                                "arn:aws:sts::210987654321:assumed-role/deploy/first (account "
                                "210987654321): AccessDenied"));
    assert_null(cl);
}

static void test_chain_provider_web_identity(void **state)
{
    (void)state;
    vpce_aws_web_identity wi;
    memset(&wi, 0, sizeof(wi));
    wi.role_arn = ROLE1;
    wi.token = JWT;
    wi.session_name = "block";
    wi.duration_s = 900;
    vpce_aws_config cfg;
    base_config(&cfg);
    cfg.web_identity = &wi;
    /* The environment's keys are not used when the block is there. */
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    /* STS is slow to reach the identity provider twice: retried. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"sts_idp_errors\": 2}"));
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), 0);
    assert_int_equal(vpce_sim_count(&sim, "sts_actions", "AssumeRoleWithWebIdentity"), 3);
    assert_int_equal(vpce_sim_count(&sim, "sts_errors", "IDPCommunicationError"), 2);
    vpce_aws_identity id;
    assert_int_equal(vpce_aws_client_identity(cl, &id), 0);
    assert_string_equal(id.arn, "arn:aws:sts::210987654321:assumed-role/deploy/block");
    assert_string_equal(vpce_aws_client_creds_source(cl),
                        "web identity (web_identity_token of the provider block) for role \"" ROLE1
                        "\"");
    vpce_aws_client_free(cl);
    json_t *doc = NULL;
    assert_string_equal(jstr(sts_call(&doc, 0), "DurationSeconds"), "900");
    json_decref(doc);
    /* No role anywhere. */
    wi.role_arn = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "needs role_arn"));
}

/* ---- logs --------------------------------------------------------------------------------- */

static vpce_buf logbuf = VPCE_BUF_INIT(1 << 22);

static void capture(vpce_log_level level, const char *msg, void *ctx)
{
    (void)level;
    (void)ctx;
    vpce_buf_puts(&logbuf, msg);
    vpce_buf_putc(&logbuf, '\n');
}

static void test_chain_debug_log_redacted(void **state)
{
    (void)state;
    write_file("token", JWT, 0600);
    char *tf = home_file("token");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    setenv("AWS_ROLE_ARN", ROLE1, 1);
    free(tf);
    vpce_log_set_sink(capture, NULL, VPCE_LOG_TRACE);
    vpce_aws_config cfg;
    base_config(&cfg);
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), 0);
    vpce_aws_identity id;
    assert_int_equal(vpce_aws_client_identity(cl, &id), 0);
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(cl, "DescribeVpcs", NULL, &r), 0);
    json_decref(r);
    vpce_log_set_sink(NULL, NULL, VPCE_LOG_WARN);
    const char *log = vpce_buf_cstr(&logbuf);
    /* It logged the exchanges (otherwise the search proves nothing)... */
    assert_non_null(strstr(log, "aws: -> sts:AssumeRoleWithWebIdentity"));
    assert_non_null(strstr(log, "WebIdentityToken=[redacted]"));
    assert_non_null(strstr(log, "<SecretAccessKey>[redacted]</SecretAccessKey>"));
    assert_non_null(strstr(log, "aws: -> sts:GetCallerIdentity"));
    /* ...without the token or the credentials STS gave. */
    assert_no_secret(log);
    vpce_aws_creds c;
    assert_int_equal(vpce_aws_creds_resolve(&c, NULL), 0);
    assert_null(strstr(log, "<SessionToken>FQoG"));
    vpce_aws_creds_release(&c);
    vpce_aws_client_free(cl);
    vpce_buf_release(&logbuf);
}

/* ---- refresh ------------------------------------------------------------------------------ */

typedef struct worker {
    vpce_aws_client *cl;
    int failures;
} worker;

static void *describe_loop(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 6; i++) {
        json_t *r = NULL;
        if (vpce_aws_call(w->cl, "DescribeVpcs", NULL, &r) != 0)
            w->failures++;
        json_decref(r);
    }
    return NULL;
}

static void test_chain_refresh_concurrent(void **state)
{
    (void)state;
    /* Credentials that live 300 s are inside the 5-minute refresh window from the start: every
     * call is a chance to refresh, from 8 threads at once. Each request must be signed with one
     * consistent snapshot: the simulator refuses a key with another key's session token. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"sts_duration_s\": 300}"));
    write_file("token", JWT, 0600);
    char *tf = home_file("token");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    setenv("AWS_ROLE_ARN", ROLE1, 1);
    free(tf);
    vpce_aws_config cfg;
    base_config(&cfg);
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), 0);
    pthread_t th[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i].cl = cl;
        w[i].failures = 0;
        pthread_create(&th[i], NULL, describe_loop, &w[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        assert_int_equal(w[i].failures, 0);
    long exchanges = vpce_sim_count(&sim, "sts_actions", "AssumeRoleWithWebIdentity");
    print_message("    %ld web identity exchanges for 48 calls\n", exchanges);
    assert_true(exchanges >= 2); /* refreshed at least once after the first */
    assert_int_equal(vpce_sim_count(&sim, "errors", "AuthFailure"), 0);
    assert_null(vpce_providers_stop_reason());
    vpce_aws_client_free(cl);
}

/* Last: a failed refresh asks the whole process to stop starting work. */
static void test_chain_refresh_failure_stops(void **state)
{
    (void)state;
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"sts_duration_s\": 2}"));
    write_file("token", JWT, 0600);
    char *tf = home_file("token");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    setenv("AWS_ROLE_ARN", ROLE1, 1);
    free(tf);
    vpce_aws_config cfg;
    base_config(&cfg);
    vpce_aws_client *cl = NULL;
    assert_int_equal(vpce_aws_client_new(&cl, &cfg), 0);
    /* From now on STS refuses the role: the refresh fails, the current credentials still work. */
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"sts_deny_roles\": [\"" ROLE1 "\"]}"));
    json_t *r = NULL;
    int rc = vpce_aws_call(cl, "DescribeVpcs", NULL, &r);
    json_decref(r);
    const char *why = vpce_providers_stop_reason();
    assert_non_null(why);
    print_message("    %s\n", why);
    assert_non_null(strstr(why, "could not be refreshed"));
    assert_non_null(strstr(why, "cannot assume role \"" ROLE1 "\""));
    assert_no_secret(why);
    if (rc == 0) {
        /* Once they have expired, calls fail with the refresh's error instead of EC2's. */
        vpce_sleep_ms(2500);
        rc = vpce_aws_call(cl, "DescribeVpcs", NULL, &r);
        json_decref(r);
    }
    assert_true(rc < 0);
    assert_non_null(strstr(vpce_error_last(), "could not be refreshed"));
    vpce_aws_client_free(cl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_chain_web_identity_env, each),
        cmocka_unit_test_setup(test_chain_profile_roles, each),
        cmocka_unit_test_setup(test_chain_profile_web_identity, each),
        cmocka_unit_test_setup(test_chain_container_url_rules, each),
        cmocka_unit_test_setup(test_chain_container, each),
        cmocka_unit_test_setup(test_chain_sso, each),
        cmocka_unit_test_setup(test_chain_provider_assume_roles, each),
        cmocka_unit_test_setup(test_chain_provider_web_identity, each),
        cmocka_unit_test_setup(test_chain_debug_log_redacted, each),
        cmocka_unit_test_setup(test_chain_refresh_concurrent, each),
        cmocka_unit_test_setup(test_chain_refresh_failure_stops, each),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
