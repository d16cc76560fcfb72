/*
 * providers/aws/sso.c: IAM Identity Center (SSO) profiles. The access token `aws sso login`
 * cached in ~/.aws/sso/cache/<SHA-1 of the session name or start URL>.json is exchanged for
 * the role's credentials with the SSO portal's GetRoleCredentials (GET /federation/credentials,
 * the token in x-amz-sso_bearer_token). The cache is only read: an expired token is an error
 * that says to log in again. Neither the token nor the credentials enter a message or a log.
 */
#include "providers/aws/client_internal.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

char *vpce_aws_sso_cache_name(const char *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL);
    char *out = vpce_malloc(2 * n + 6);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    snprintf(out + 2 * n, 6, ".json");
    return out;
}

/* Percent-encodes a query value (RFC 3986 unreserved characters kept). */
static char *query_escape(const char *s)
{
    vpce_buf b = VPCE_BUF_INIT(4096);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
            vpce_buf_putc(&b, (char)*c);
        else
            vpce_buf_printf(&b, "%%%02X", *c);
    }
    return vpce_buf_detach(&b);
}

static char *cache_dir(void)
{
    const char *home = aws_env("HOME");
    return vpce_asprintf("%s/.aws/sso/cache", home ? home : "");
}

int aws_creds_from_sso(vpce_aws_creds *out, const char *conf_path, const char *section,
                       const char *profile)
{
    int rc = 0;
    char *session = aws_ini_get(conf_path, section, "sso_session");
    char *ss_section = NULL, *start_url = NULL, *region = NULL, *account = NULL, *role = NULL;
    char *cache_name = NULL, *dir = NULL, *cache_path = NULL, *text = NULL, *portal = NULL;
    char *url = NULL, *e_acc = NULL, *e_role = NULL, *tok_header = NULL;
    size_t text_len = 0;
    json_t *cache = NULL, *doc = NULL;
    aws_http_response r;
    memset(&r, 0, sizeof(r));
    memset(out, 0, sizeof(*out));

    if (session && *session) {
        ss_section = vpce_asprintf("sso-session %s", session);
        if (!aws_ini_has_section(conf_path, ss_section)) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "profile \"%s\": sso_session \"%s\" has no [sso-session %s] "
                                 "section in %s",
                                 profile, session, session, conf_path);
            goto cleanup;
        }
        start_url = aws_ini_get(conf_path, ss_section, "sso_start_url");
        region = aws_ini_get(conf_path, ss_section, "sso_region");
    } else {
        start_url = aws_ini_get(conf_path, section, "sso_start_url");
        region = aws_ini_get(conf_path, section, "sso_region");
    }
    account = aws_ini_get(conf_path, section, "sso_account_id");
    role = aws_ini_get(conf_path, section, "sso_role_name");
    if (!start_url || !*start_url || !region || !*region || !account || !*account || !role ||
        !*role) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "profile \"%s\" is an SSO profile but lacks %s (it needs "
                             "sso_account_id, sso_role_name, and sso_start_url with sso_region, "
                             "in the profile or its sso-session)",
                             profile,
                             !start_url || !*start_url ? "sso_start_url"
                             : !region || !*region     ? "sso_region"
                             : !account || !*account   ? "sso_account_id"
                                                       : "sso_role_name");
        goto cleanup;
    }
    cache_name = vpce_aws_sso_cache_name(session && *session ? session : start_url);
    dir = cache_dir();
    cache_path = vpce_asprintf("%s/%s", dir, cache_name);
    if (vpce_read_file(&text, &text_len, cache_path, 1u << 20) != 0) {
        vpce_error_clear();
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "profile \"%s\": no SSO token cached (%s): run `aws sso login "
                             "--profile %s`",
                             profile, cache_path, profile);
        goto cleanup;
    }
    cache = json_loadb(text, text_len, 0, NULL);
    const char *token = json_string_value(json_object_get(cache, "accessToken"));
    const char *expires = json_string_value(json_object_get(cache, "expiresAt"));
    int64_t exp = expires ? aws_parse_time(expires) : 0;
    if (!token || !*token || !exp) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "profile \"%s\": the SSO token cache %s is not usable (accessToken "
                             "or expiresAt missing): run `aws sso login --profile %s`",
                             profile, cache_path, profile);
        goto cleanup;
    }
    if ((int64_t)time(NULL) >= exp) {
        rc = vpce_error_setc(VPCE_ERROR,
                             "profile \"%s\": the SSO token expired at %s: run `aws sso login "
                             "--profile %s`",
                             profile, expires, profile);
        goto cleanup;
    }
    const char *override = aws_env("AWS_ENDPOINT_URL_SSO");
    portal = override ? vpce_strdup(override)
                      : vpce_asprintf("https://portal.sso.%s.amazonaws.com", region);
    size_t pl = strlen(portal);
    while (pl && portal[pl - 1] == '/')
        portal[--pl] = '\0';
    e_acc = query_escape(account);
    e_role = query_escape(role);
    url = vpce_asprintf("%s/federation/credentials?account_id=%s&role_name=%s", portal, e_acc,
                        e_role);
    if (strpbrk(token, "\r\n")) {
        rc = vpce_error_setc(VPCE_EINVALID, "profile \"%s\": the cached SSO token is malformed",
                             profile);
        goto cleanup;
    }
    tok_header = vpce_asprintf("x-amz-sso_bearer_token: %s", token);
    const char *headers[] = {"Accept: application/json", tok_header, NULL};
    aws_http_request req = {"GET", url,       headers, NULL, 0, 10000,
                            30000, 64u << 10, false,   0,    0, false};
    for (int attempt = 1;; attempt++) {
        aws_http_response_release(&r);
        memset(&r, 0, sizeof(r));
        int hrc = aws_http_perform(&req, &r);
        vpce_aws_retry_kind kind = vpce_aws_retry_decide(hrc == 0 ? r.status : 0, r.curl_code, "");
        if (kind == VPCE_AWS_NO_RETRY || attempt >= 3)
            break;
        vpce_sleep_ms(
            vpce_aws_backoff_ms(attempt, 0.5, VPCE_AWS_BACKOFF_BASE_MS, VPCE_AWS_BACKOFF_CAP_MS));
    }
    vpce_log(VPCE_LOG_DEBUG, "aws: <- SSO GetRoleCredentials HTTP %ld (profile \"%s\")", r.status,
             profile);
    if (r.curl_code != 0) {
        rc = vpce_error_set("profile \"%s\": request to the SSO portal %s failed: %s", profile,
                            portal, r.error);
        goto cleanup;
    }
    if (r.status == 401 || r.status == 403) {
        rc = vpce_error_setc(VPCE_ERROR,
                             "profile \"%s\": the SSO portal refused the cached token (HTTP "
                             "%ld): run `aws sso login --profile %s`",
                             profile, r.status, profile);
        goto cleanup;
    }
    doc = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
    if (r.status != 200) {
        const char *msg = json_string_value(json_object_get(doc, "message"));
        if (!msg)
            msg = json_string_value(json_object_get(doc, "Message"));
        rc = vpce_error_setc(VPCE_ERROR,
                             "profile \"%s\": GetRoleCredentials for role \"%s\" in account %s "
                             "failed (HTTP %ld)%s%.300s",
                             profile, role, account, r.status, msg ? ": " : "", msg ? msg : "");
        goto cleanup;
    }
    const json_t *rc_obj = json_object_get(doc, "roleCredentials");
    const char *ak = json_string_value(json_object_get(rc_obj, "accessKeyId"));
    const char *sk = json_string_value(json_object_get(rc_obj, "secretAccessKey"));
    const char *st = json_string_value(json_object_get(rc_obj, "sessionToken"));
    json_t *jexp = json_object_get(rc_obj, "expiration");
    if (!ak || !sk || !st || !*ak || !*sk || !*st || !json_is_integer(jexp)) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "profile \"%s\": unexpected answer from the SSO portal to "
                             "GetRoleCredentials (roleCredentials incomplete)",
                             profile);
        goto cleanup;
    }
    out->access_key_id = vpce_strdup(ak);
    out->secret_access_key = vpce_strdup(sk);
    out->session_token = vpce_strdup(st);
    out->expiration = (int64_t)(json_integer_value(jexp) / 1000); /* milliseconds */
    snprintf(out->source, sizeof(out->source), "SSO (profile \"%s\", account %s, role \"%.60s\")",
             profile, account, role);
    rc = 1;

cleanup:
    if (text) {
        OPENSSL_cleanse(text, text_len);
        free(text);
    }
    if (r.body.data)
        OPENSSL_cleanse(r.body.data, r.body.len);
    aws_http_response_release(&r);
    json_decref(cache);
    json_decref(doc);
    aws_free_secret(tok_header);
    free(session);
    free(ss_section);
    free(start_url);
    free(region);
    free(account);
    free(role);
    free(cache_name);
    free(dir);
    free(cache_path);
    free(portal);
    free(url);
    free(e_acc);
    free(e_role);
    return rc;
}
