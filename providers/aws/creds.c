/*
 * providers/aws/creds.c: finding credentials and the region the way the AWS SDKs do: the
 * environment, the shared credentials and config files (profiles, credential_process), then the
 * EC2 instance metadata service (IMDSv2). Secrets never enter a message or a log line.
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

static void free_secret(char *s)
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
    free_secret(c->secret_access_key);
    free_secret(c->session_token);
    memset(c, 0, sizeof(*c));
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *home_path(const char *rel)
{
    const char *home = env_nonempty("HOME");
    return vpce_asprintf("%s/%s", home ? home : "", rel);
}

char *aws_credentials_path(void)
{
    const char *p = env_nonempty("AWS_SHARED_CREDENTIALS_FILE");
    return p ? vpce_strdup(p) : home_path(".aws/credentials");
}

char *aws_config_path(void)
{
    const char *p = env_nonempty("AWS_CONFIG_FILE");
    return p ? vpce_strdup(p) : home_path(".aws/config");
}

const char *aws_profile_name(const char *cfg_profile)
{
    if (cfg_profile && *cfg_profile)
        return cfg_profile;
    const char *p = env_nonempty("AWS_PROFILE");
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
static char *config_section(const char *profile)
{
    return strcmp(profile, "default") == 0 ? vpce_strdup("default")
                                           : vpce_asprintf("profile %s", profile);
}

/* Parses an ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SS[.fff]Z" to Unix seconds (0 if unparsable). */
static int64_t parse_iso8601(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s)
        return 0;
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return 0;
    return (int64_t)timegm(&tm);
}

static int static_from_file(vpce_aws_creds *out, const char *path, const char *section,
                            const char *what, const char *profile)
{
    char *ak = aws_ini_get(path, section, "aws_access_key_id");
    char *sk = aws_ini_get(path, section, "aws_secret_access_key");
    if (ak && sk && *ak && *sk) {
        out->access_key_id = ak;
        out->secret_access_key = sk;
        char *tok = aws_ini_get(path, section, "aws_session_token");
        if (tok && !*tok) {
            free(tok);
            tok = NULL;
        }
        out->session_token = tok;
        snprintf(out->source, sizeof(out->source), "%s (profile \"%s\")", what, profile);
        return 1;
    }
    free(ak);
    free_secret(sk);
    return 0;
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

static int from_process(vpce_aws_creds *out, const char *cmd, const char *profile)
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
    out->expiration = exp ? parse_iso8601(exp) : 0;
    snprintf(out->source, sizeof(out->source), "credential_process (profile \"%s\")", profile);

cleanup:
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(doc);
    return rc;
}

static bool imds_disabled(void)
{
    const char *v = getenv("AWS_EC2_METADATA_DISABLED");
    return v && strcasecmp(v, "true") == 0;
}

static char *imds_endpoint(void)
{
    const char *e = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
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
    aws_http_request req = {method, url, headers, NULL, 0, 1000, 3000, 64u << 10, false};
    if (aws_http_perform(&req, resp) != 0 || resp->status != 200)
        return -1;
    return 0;
}

/* Returns 1 with credentials, 0 when the service is absent or has no role, <0 on a real error. */
static int from_imds(vpce_aws_creds *out)
{
    int rc = 0;
    char *base = imds_endpoint();
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
    out->expiration = exp ? parse_iso8601(exp) : 0;
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
    free_secret(tok_header);
    json_decref(doc);
    free(role);
    free(url);
    free(base);
    return rc;
}

int vpce_aws_creds_resolve(vpce_aws_creds *out, const char *cfg_profile)
{
    int rc = 0;
    const char *profile = aws_profile_name(cfg_profile);
    char *cred_path = aws_credentials_path();
    char *conf_path = aws_config_path();
    char *section = config_section(profile);
    char *process = NULL;
    char *imds = NULL;
    memset(out, 0, sizeof(*out));

    /* 1. The environment. */
    const char *ak = env_nonempty("AWS_ACCESS_KEY_ID");
    const char *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (ak && sk) {
        out->access_key_id = vpce_strdup(ak);
        out->secret_access_key = vpce_strdup(sk);
        const char *tok = env_nonempty("AWS_SESSION_TOKEN");
        out->session_token = tok ? vpce_strdup(tok) : NULL;
        snprintf(out->source, sizeof(out->source), "environment");
        goto cleanup;
    }
    /* 2. The shared credentials file. */
    if (static_from_file(out, cred_path, profile, "shared credentials file", profile))
        goto cleanup;
    /* 3. The shared config file: static keys, then credential_process. */
    if (static_from_file(out, conf_path, section, "shared config file", profile))
        goto cleanup;
    process = aws_ini_get(conf_path, section, "credential_process");
    if (!process || !*process) {
        free(process);
        process = aws_ini_get(cred_path, profile, "credential_process");
    }
    if (process && *process) {
        rc = from_process(out, process, profile);
        goto cleanup;
    }
    /* 4. The EC2 instance metadata service. */
    imds = imds_endpoint();
    if (!imds_disabled()) {
        rc = from_imds(out);
        if (rc == 1) {
            rc = 0;
            goto cleanup;
        }
        if (rc < 0)
            goto cleanup;
    }
    rc = vpce_error_setc(
        VPCE_ENOTFOUND,
        "no AWS credentials found: looked in the environment (AWS_ACCESS_KEY_ID), the shared "
        "credentials file %s (profile \"%s\"), the shared config file %s (profile \"%s\"), and "
        "the EC2 instance metadata service (%s%s)",
        cred_path, profile, conf_path, profile, imds,
        imds_disabled() ? ", disabled by AWS_EC2_METADATA_DISABLED" : ": not reachable");

cleanup:
    if (rc != 0)
        vpce_aws_creds_release(out);
    free_secret(process);
    free(imds);
    free(section);
    free(cred_path);
    free(conf_path);
    return rc;
}

int vpce_aws_region_resolve(char **out, const char *cfg_region, const char *cfg_profile)
{
    *out = NULL;
    if (cfg_region && *cfg_region) {
        *out = vpce_strdup(cfg_region);
        return 0;
    }
    const char *r = env_nonempty("AWS_REGION");
    if (!r)
        r = env_nonempty("AWS_DEFAULT_REGION");
    if (r) {
        *out = vpce_strdup(r);
        return 0;
    }
    const char *profile = aws_profile_name(cfg_profile);
    char *conf_path = aws_config_path();
    char *section = config_section(profile);
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
