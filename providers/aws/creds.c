/*
 * providers/aws/creds.c: the credential sources of the AWS SDKs' chain that need no STS: the
 * environment, the shared files (ini reading, static keys, credential_process), container
 * credentials (ECS, EKS Pod Identity) and the EC2 instance metadata service (IMDSv2); and the
 * region. The chain that orders them (and assumes roles) is chain.c. Secrets never enter a
 * message or a log line.
 */
#include "providers/aws/client_internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define INI_CAP         (1u << 20)
#define PROCESS_OUT_CAP (1u << 20)

void aws_free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void vpce_aws_creds_release(vpce_aws_creds *c)
{
    if (!c)
        return;
    free(c->access_key_id);
    aws_free_secret(c->secret_access_key);
    aws_free_secret(c->session_token);
    memset(c, 0, sizeof(*c));
}

void vpce_aws_creds_copy(vpce_aws_creds *out, const vpce_aws_creds *src)
{
    memset(out, 0, sizeof(*out));
    out->access_key_id = src->access_key_id ? vpce_strdup(src->access_key_id) : NULL;
    out->secret_access_key = src->secret_access_key ? vpce_strdup(src->secret_access_key) : NULL;
    out->session_token = src->session_token ? vpce_strdup(src->session_token) : NULL;
    out->expiration = src->expiration;
    memcpy(out->source, src->source, sizeof(out->source));
}

const char *aws_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *home_path(const char *rel)
{
    const char *home = aws_env("HOME");
    return vpce_asprintf("%s/%s", home ? home : "", rel);
}

char *aws_credentials_path(void)
{
    const char *p = aws_env("AWS_SHARED_CREDENTIALS_FILE");
    return p ? vpce_strdup(p) : home_path(".aws/credentials");
}

char *aws_config_path(void)
{
    const char *p = aws_env("AWS_CONFIG_FILE");
    return p ? vpce_strdup(p) : home_path(".aws/config");
}

const char *aws_profile_name(const char *cfg_profile)
{
    if (cfg_profile && *cfg_profile)
        return cfg_profile;
    const char *p = aws_env("AWS_PROFILE");
    return p ? p : "default";
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/*
 * Walks an ini file. For the wanted section, returns the value of key (key NULL: returns "" when
 * the section exists). Indented lines continue a nested block (e.g. "s3 =") and are skipped.
 */
static char *ini_lookup(const char *path, const char *section, const char *key)
{
    char *text = NULL;
    size_t len = 0;
    char *result = NULL;
    if (vpce_read_file(&text, &len, path, INI_CAP) != 0) {
        vpce_error_clear();
        return NULL;
    }
    bool in = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        bool indented = line[0] == ' ' || line[0] == '\t';
        char *l = trim(line);
        if (!*l || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            char *end = strchr(l, ']');
            if (!end)
                continue;
            *end = '\0';
            in = strcmp(trim(l + 1), section) == 0;
            if (in && !key) {
                result = vpce_strdup("");
                break;
            }
            continue;
        }
        if (!in || indented || !key)
            continue;
        char *eq = strchr(l, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (strcmp(trim(l), key) == 0) {
            free(result);
            result = vpce_strdup(trim(eq + 1));
        }
    }
    OPENSSL_cleanse(text, len);
    free(text);
    return result;
}

char *aws_ini_get(const char *path, const char *section, const char *key)
{
    return ini_lookup(path, section, key);
}

bool aws_ini_has_section(const char *path, const char *section)
{
    char *r = ini_lookup(path, section, NULL);
    free(r);
    return r != NULL;
}

/* The config file names profiles "[profile x]", except "[default]". */
char *aws_config_section(const char *profile)
{
    return strcmp(profile, "default") == 0 ? vpce_strdup("default")
                                           : vpce_asprintf("profile %s", profile);
}

int64_t aws_parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s)
        return 0;
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return 0;
    if (*end == '.') {
        end++;
        while (isdigit((unsigned char)*end))
            end++;
    }
    if (*end == 'Z' || *end == 'z')
        end++;
    else if (strcmp(end, "+00:00") == 0)
        end += 6;
    if (*end)
        return 0;
    return (int64_t)timegm(&tm);
}

/* Runs cmd with /bin/sh -c (as the AWS CLI's shell-split does for a command line), stdout piped,
 * stderr passed through. */
static int run_process(char **out, const char *cmd, int *status)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    vpce_buf b = VPCE_BUF_INIT(PROCESS_OUT_CAP);
    char chunk[4096];
    bool overflow = false;
    for (;;) {
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!overflow && vpce_buf_append(&b, chunk, (size_t)n) < 0)
            overflow = true;
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (overflow) {
        OPENSSL_cleanse(b.data, b.len);
        vpce_buf_release(&b);
        *status = -2;
        *out = NULL;
        return 0;
    }
    *out = vpce_buf_detach(&b);
    return 0;
}

int aws_creds_from_process(vpce_aws_creds *out, const char *cmd, const char *profile)
{
    char *text = NULL;
    int status = 0;
    int rc = 0;
    json_t *doc = NULL;
    if (run_process(&text, cmd, &status) != 0) {
        rc = vpce_error_set("credential_process for profile \"%s\" could not be started", profile);
        goto cleanup;
    }
    if (status == -2) {
        rc = vpce_error_set("credential_process for profile \"%s\" wrote more than %u bytes",
                            profile, PROCESS_OUT_CAP);
        goto cleanup;
    }
    if (status != 0) {
        rc = vpce_error_set("credential_process for profile \"%s\" failed (exit status %d)",
                            profile, status);
        goto cleanup;
    }
    doc = json_loads(text, 0, NULL);
    json_t *ver = json_object_get(doc, "Version");
    const char *ak = json_string_value(json_object_get(doc, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
    const char *tok = json_string_value(json_object_get(doc, "SessionToken"));
    const char *exp = json_string_value(json_object_get(doc, "Expiration"));
    if (!json_is_object(doc) || !json_is_integer(ver) || json_integer_value(ver) != 1 || !ak ||
        !sk || !*ak || !*sk) {
        /* Never echo the output: it may hold secrets. */
        rc = vpce_error_set("credential_process for profile \"%s\" returned invalid output "
                            "(expected JSON with Version 1, AccessKeyId and SecretAccessKey)",
                            profile);
        goto cleanup;
    }
    out->access_key_id = vpce_strdup(ak);
    out->secret_access_key = vpce_strdup(sk);
    out->session_token = tok && *tok ? vpce_strdup(tok) : NULL;
    out->expiration = exp ? aws_parse_time(exp) : 0;
    snprintf(out->source, sizeof(out->source), "credential_process (profile \"%s\")", profile);
    rc = 1;

cleanup:
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(doc);
    return rc;
}

bool aws_imds_disabled(void)
{
    const char *v = getenv("AWS_EC2_METADATA_DISABLED");
    return v && strcasecmp(v, "true") == 0;
}

char *aws_imds_endpoint(void)
{
    const char *e = aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char *s = vpce_strdup(e ? e : "http://169.254.169.254");
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

static int imds_get(aws_http_response *resp, const char *method, const char *url,
                    const char *header)
{
    const char *headers[] = {header, NULL};
    aws_http_request req = {method, url,       headers, NULL, 0, 1000,
                            3000,   64u << 10, false,   0,    0, false};
    if (aws_http_perform(&req, resp) != 0 || resp->status != 200)
        return -1;
    return 0;
}

/* Returns 1 with credentials, 0 when the service is absent or has no role, <0 on a real error. */
int aws_creds_from_imds(vpce_aws_creds *out)
{
    int rc = 0;
    char *base = aws_imds_endpoint();
    char *url = NULL;
    char *tok_header = NULL;
    char *role = NULL;
    json_t *doc = NULL;
    aws_http_response r1, r2, r3;
    memset(&r1, 0, sizeof(r1));
    memset(&r2, 0, sizeof(r2));
    memset(&r3, 0, sizeof(r3));

    url = vpce_asprintf("%s/latest/api/token", base);
    if (imds_get(&r1, "PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: 21600") != 0)
        goto cleanup;
    tok_header = vpce_asprintf("X-aws-ec2-metadata-token: %s",
                               trim(r1.body.data ? r1.body.data : (char *)""));
    free(url);
    url = vpce_asprintf("%s/latest/meta-data/iam/security-credentials/", base);
    if (imds_get(&r2, "GET", url, tok_header) != 0 || !r2.body.data)
        goto cleanup;
    char *nl = strchr(r2.body.data, '\n');
    if (nl)
        *nl = '\0';
    role = vpce_strdup(trim(r2.body.data));
    if (!*role || strchr(role, '/'))
        goto cleanup;
    free(url);
    url = vpce_asprintf("%s/latest/meta-data/iam/security-credentials/%s", base, role);
    if (imds_get(&r3, "GET", url, tok_header) != 0 || !r3.body.data)
        goto cleanup;
    doc = json_loads(r3.body.data, 0, NULL);
    const char *ak = json_string_value(json_object_get(doc, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
    const char *tok = json_string_value(json_object_get(doc, "Token"));
    const char *exp = json_string_value(json_object_get(doc, "Expiration"));
    if (!ak || !sk || !*ak || !*sk) {
        rc = vpce_error_set("the EC2 instance metadata service returned unusable credentials "
                            "for role \"%s\"",
                            role);
        goto cleanup;
    }
    out->access_key_id = vpce_strdup(ak);
    out->secret_access_key = vpce_strdup(sk);
    out->session_token = tok && *tok ? vpce_strdup(tok) : NULL;
    out->expiration = exp ? aws_parse_time(exp) : 0;
    snprintf(out->source, sizeof(out->source), "EC2 instance metadata (role \"%.60s\")", role);
    rc = 1;

cleanup:
    if (r1.body.data)
        OPENSSL_cleanse(r1.body.data, r1.body.len);
    if (r3.body.data)
        OPENSSL_cleanse(r3.body.data, r3.body.len);
    aws_http_response_release(&r1);
    aws_http_response_release(&r2);
    aws_http_response_release(&r3);
    aws_free_secret(tok_header);
    json_decref(doc);
    free(role);
    free(url);
    free(base);
    return rc;
}

int aws_creds_from_env(vpce_aws_creds *out)
{
    const char *ak = aws_env("AWS_ACCESS_KEY_ID");
    const char *sk = aws_env("AWS_SECRET_ACCESS_KEY");
    if (!ak || !sk)
        return 0;
    memset(out, 0, sizeof(*out));
    out->access_key_id = vpce_strdup(ak);
    out->secret_access_key = vpce_strdup(sk);
    const char *tok = aws_env("AWS_SESSION_TOKEN");
    out->session_token = tok ? vpce_strdup(tok) : NULL;
    snprintf(out->source, sizeof(out->source), "environment");
    return 1;
}

/* ---- container credentials ---------------------------------------------------------------- */

#define ECS_HOST "169.254.170.2"

/* True for the hosts plain http may reach: loopback, the ECS and EKS agents. */
static bool container_host_allowed(const char *host)
{
    static const char *const agents[] = {ECS_HOST, "169.254.170.23", "fd00:ec2::23", "localhost",
                                         "::1"};
    for (size_t i = 0; i < sizeof(agents) / sizeof(*agents); i++)
        if (strcasecmp(host, agents[i]) == 0)
            return true;
    /* 127.0.0.0/8, written as a dotted quad. */
    unsigned a, b, c, d;
    char tail;
    if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
        c < 256 && d < 256)
        return true;
    return false;
}

int vpce_aws_container_url(char **out, const char *relative, const char *full)
{
    *out = NULL;
    if (relative && *relative) {
        if (relative[0] != '/' || strpbrk(relative, " \r\n\t#"))
            return vpce_error_setc(VPCE_EINVALID,
                                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \"%s\" is not a path",
                                   relative);
        *out = vpce_asprintf("http://" ECS_HOST "%s", relative);
        return 0;
    }
    if (!full || !*full)
        return 0;
    bool https = strncasecmp(full, "https://", 8) == 0;
    bool http = strncasecmp(full, "http://", 7) == 0;
    if ((!https && !http) || strpbrk(full, " \r\n\t"))
        return vpce_error_setc(
            VPCE_EINVALID, "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" is not an http(s) URL", full);
    const char *auth = full + (https ? 8 : 7);
    size_t alen = strcspn(auth, "/?#");
    char *host = NULL;
    if (alen && auth[0] == '[') {
        const char *close = memchr(auth, ']', alen);
        if (close)
            host = vpce_strndup(auth + 1, (size_t)(close - auth - 1));
    } else if (alen) {
        const char *colon = memchr(auth, ':', alen);
        host = vpce_strndup(auth, colon ? (size_t)(colon - auth) : alen);
    }
    int rc = 0;
    if (!host || !*host || memchr(auth, '@', alen)) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" has no valid host", full);
    } else if (http && !container_host_allowed(host)) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\": plain http is allowed "
                             "only to a loopback address or the ECS/EKS agent (169.254.170.2, "
                             "169.254.170.23, fd00:ec2::23); use https",
                             full);
    } else {
        *out = vpce_strdup(full);
    }
    free(host);
    return rc;
}

/* The authorization token: the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names (read again at
 * every call: EKS rotates it), else AWS_CONTAINER_AUTHORIZATION_TOKEN. *out NULL when none. */
static int container_token(char **out)
{
    *out = NULL;
    const char *file = aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    char *tok = NULL;
    if (file) {
        size_t len = 0;
        if (vpce_read_file(&tok, &len, file, 16u << 10) != 0)
            return vpce_error_setc(
                VPCE_ERROR, "cannot read the container authorization token file \"%s\"", file);
        char *t = trim(tok);
        memmove(tok, t, strlen(t) + 1);
    } else if (aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        tok = vpce_strdup(aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    } else {
        return 0;
    }
    if (strpbrk(tok, "\r\n")) {
        aws_free_secret(tok);
        return vpce_error_setc(VPCE_EINVALID,
                               "the container authorization token holds a line break");
    }
    *out = tok;
    return 0;
}

int aws_creds_from_container(vpce_aws_creds *out)
{
    char *url = NULL, *tok = NULL, *auth = NULL;
    json_t *doc = NULL;
    aws_http_response r;
    memset(&r, 0, sizeof(r));
    int rc = vpce_aws_container_url(&url, aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
                                    aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    if (rc < 0 || !url)
        goto cleanup;
    rc = container_token(&tok);
    if (rc < 0)
        goto cleanup;
    if (tok)
        auth = vpce_asprintf("Authorization: %s", tok);
    const char *headers[] = {"Accept: application/json", auth, NULL};
    aws_http_request req = {"GET", url,       headers, NULL, 0, 2000,
                            5000,  64u << 10, false,   0,    0, false};
    /* The agent may be starting: a few tries, as the SDKs make. */
    for (int attempt = 1;; attempt++) {
        aws_http_response_release(&r);
        memset(&r, 0, sizeof(r));
        int hrc = aws_http_perform(&req, &r);
        bool retry = hrc != 0 || r.status >= 500;
        if (!retry || attempt >= 3)
            break;
        vpce_sleep_ms(100 * attempt);
    }
    if (r.curl_code != 0) {
        rc = vpce_error_set("cannot get container credentials from %s: %s", url, r.error);
        goto cleanup;
    }
    if (r.status != 200) {
        rc = vpce_error_set("cannot get container credentials from %s: HTTP %ld%s", url, r.status,
                            r.status == 401 || r.status == 403
                                ? " (check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE))"
                                : "");
        goto cleanup;
    }
    doc = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
    const char *ak = json_string_value(json_object_get(doc, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
    const char *st = json_string_value(json_object_get(doc, "Token"));
    const char *exp = json_string_value(json_object_get(doc, "Expiration"));
    if (!ak || !sk || !*ak || !*sk || (exp && !aws_parse_time(exp))) {
        rc = vpce_error_set("unusable container credentials from %s (expected JSON with "
                            "AccessKeyId, SecretAccessKey, Token and Expiration)",
                            url);
        goto cleanup;
    }
    memset(out, 0, sizeof(*out));
    out->access_key_id = vpce_strdup(ak);
    out->secret_access_key = vpce_strdup(sk);
    out->session_token = st && *st ? vpce_strdup(st) : NULL;
    out->expiration = exp ? aws_parse_time(exp) : 0;
    snprintf(out->source, sizeof(out->source), "container credentials (%s)",
             aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
                 ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
                 : "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    rc = 1;

cleanup:
    if (r.body.data)
        OPENSSL_cleanse(r.body.data, r.body.len);
    aws_http_response_release(&r);
    json_decref(doc);
    aws_free_secret(tok);
    aws_free_secret(auth);
    free(url);
    return rc;
}

int vpce_aws_region_resolve(char **out, const char *cfg_region, const char *cfg_profile)
{
    *out = NULL;
    if (cfg_region && *cfg_region) {
        *out = vpce_strdup(cfg_region);
        return 0;
    }
    const char *r = aws_env("AWS_REGION");
    if (!r)
        r = aws_env("AWS_DEFAULT_REGION");
    if (r) {
        *out = vpce_strdup(r);
        return 0;
    }
    const char *profile = aws_profile_name(cfg_profile);
    char *conf_path = aws_config_path();
    char *section = aws_config_section(profile);
    char *v = aws_ini_get(conf_path, section, "region");
    int rc = 0;
    if (v && *v) {
        *out = v;
        v = NULL;
    } else {
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "no AWS region found: set \"region\" in the provider block, "
                             "AWS_REGION or AWS_DEFAULT_REGION, or \"region\" in profile \"%s\" "
                             "of the shared config file %s",
                             profile, conf_path);
    }
    free(v);
    free(section);
    free(conf_path);
    return rc;
}
