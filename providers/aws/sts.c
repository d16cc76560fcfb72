/*
 * providers/aws/sts.c: the STS calls of the credential chain (AssumeRole,
 * AssumeRoleWithWebIdentity, GetCallerIdentity), made through the Query-protocol client of client.c
 * with STS's version and signing name. Answers are checked strictly (every credential field
 * present, a parsable expiration); failures name the role ARN, never a key or a token.
 */
#include "providers/aws/client_internal.h"

#include <string.h>
#include <time.h>

int aws_sts_init(aws_sts *sts, const char *sts_region, const char *sts_endpoint, const char *region)
{
    memset(sts, 0, sizeof(*sts));
    const char *r = sts_region && *sts_region ? sts_region : region;
    sts->region = vpce_strdup(r && *r ? r : "us-east-1");
    char *host = NULL;
    int rc =
        aws_endpoint_resolve(&sts->endpoint, &host, &aws_service_sts, sts_endpoint, sts->region);
    free(host);
    sts->max_attempts = 5;
    sts->connect_timeout_ms = 10000;
    sts->timeout_ms = 30000;
    if (rc < 0)
        aws_sts_release(sts);
    return rc;
}

void aws_sts_release(aws_sts *sts)
{
    if (!sts)
        return;
    free(sts->region);
    free(sts->endpoint);
    memset(sts, 0, sizeof(*sts));
}

char *aws_default_session_name(void)
{
    return vpce_asprintf("vpce-%lld", (long long)time(NULL));
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

/* Credentials from the <Credentials> of an AssumeRole* answer, checked strictly. */
static int parse_credentials(vpce_aws_creds *out, const json_t *result, const char *action,
                             const char *role_arn)
{
    char key[64];
    snprintf(key, sizeof(key), "%sResult", action);
    const json_t *res = json_object_get(result, key);
    const json_t *cr = json_object_get(res, "Credentials");
    const char *ak = jstr(cr, "AccessKeyId");
    const char *sk = jstr(cr, "SecretAccessKey");
    const char *tok = jstr(cr, "SessionToken");
    const char *exp = jstr(cr, "Expiration");
    int64_t when = exp ? aws_parse_time(exp) : 0;
    if (!ak || !sk || !tok || !when)
        return vpce_error_setc(VPCE_EINVALID,
                               "unexpected response from STS to %s for role \"%s\": %s", action,
                               role_arn,
                               !res           ? "no result"
                               : !cr          ? "no Credentials"
                               : !when && exp ? "an Expiration that is no ISO 8601 time"
                                              : "a credential field is missing");
    memset(out, 0, sizeof(*out));
    out->access_key_id = vpce_strdup(ak);
    out->secret_access_key = vpce_strdup(sk);
    out->session_token = vpce_strdup(tok);
    out->expiration = when;
    return 0;
}

/* Words an STS failure: "cannot assume role "ARN"<who>: <STS's message><hint>". */
static int role_error(int rc, const char *role_arn, const char *who, const char *hint)
{
    char *msg = vpce_strdup(vpce_error_last());
    vpce_error_setc(rc, "cannot assume role \"%s\"%s: %s%s", role_arn, who ? who : "", msg,
                    hint ? hint : "");
    free(msg);
    return rc;
}

int aws_sts_caller_identity(vpce_aws_identity *out, const aws_sts *sts, const vpce_aws_creds *creds)
{
    vpce_aws_client *c = NULL;
    json_t *res = NULL;
    memset(out, 0, sizeof(*out));
    int rc = aws_client_new_fixed(&c, &aws_service_sts, sts, creds);
    if (rc < 0)
        goto cleanup;
    rc = vpce_aws_call(c, "GetCallerIdentity", NULL, &res);
    if (rc < 0)
        goto cleanup;
    const json_t *r = json_object_get(res, "GetCallerIdentityResult");
    const char *account = jstr(r, "Account"), *arn = jstr(r, "Arn"), *uid = jstr(r, "UserId");
    if (!account || !arn || !uid) {
        rc = vpce_error_setc(VPCE_EINVALID, "unexpected response from STS to GetCallerIdentity: "
                                            "Account, Arn or UserId missing");
        goto cleanup;
    }
    snprintf(out->account, sizeof(out->account), "%s", account);
    snprintf(out->arn, sizeof(out->arn), "%s", arn);
    snprintf(out->user_id, sizeof(out->user_id), "%s", uid);

cleanup:
    json_decref(res);
    vpce_aws_client_free(c);
    return rc;
}

int aws_sts_assume_role(vpce_aws_creds *out, const aws_sts *sts, const vpce_aws_creds *source,
                        const vpce_aws_assume_role *role)
{
    vpce_aws_client *c = NULL;
    json_t *res = NULL;
    char *session = NULL;
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    memset(out, 0, sizeof(*out));
    int rc = aws_client_new_fixed(&c, &aws_service_sts, sts, source);
    if (rc < 0)
        goto cleanup;
    session = role->session_name && *role->session_name ? vpce_strdup(role->session_name)
                                                        : aws_default_session_name();
    vpce_aws_params_add(&p, "RoleArn", role->role_arn);
    vpce_aws_params_add(&p, "RoleSessionName", session);
    if (role->duration_s > 0)
        vpce_aws_params_add_int(&p, "DurationSeconds", role->duration_s);
    if (role->external_id && *role->external_id)
        vpce_aws_params_add(&p, "ExternalId", role->external_id);
    if (role->policy && *role->policy)
        vpce_aws_params_add(&p, "Policy", role->policy);
    for (size_t i = 0; i < role->npolicy_arns; i++)
        vpce_aws_params_addf(&p, role->policy_arns[i], "PolicyArns.member.%zu.arn", i + 1);
    for (size_t i = 0; i < role->ntags; i++) {
        vpce_aws_params_addf(&p, role->tag_keys[i], "Tags.member.%zu.Key", i + 1);
        vpce_aws_params_addf(&p, role->tag_values[i], "Tags.member.%zu.Value", i + 1);
    }
    for (size_t i = 0; i < role->ntransitive_tag_keys; i++)
        vpce_aws_params_addf(&p, role->transitive_tag_keys[i], "TransitiveTagKeys.member.%zu",
                             i + 1);
    if (role->source_identity && *role->source_identity)
        vpce_aws_params_add(&p, "SourceIdentity", role->source_identity);
    rc = vpce_aws_call(c, "AssumeRole", &p, &res);
    if (rc < 0) {
        char code[128];
        snprintf(code, sizeof(code), "%s", vpce_aws_last_error_code());
        char *saved = vpce_strdup(vpce_error_last());
        const char *hint = NULL;
        if (strncmp(code, "ExpiredToken", 12) == 0)
            hint = "; the source credentials have expired";
        else if (strcmp(code, "InvalidClientTokenId") == 0 ||
                 strcmp(code, "SignatureDoesNotMatch") == 0)
            hint = "; STS does not accept the source credentials";
        /* Name who asked: a wrong role or trust policy is then plain to see. */
        char *who = NULL;
        vpce_aws_identity id;
        if (strcmp(code, "AccessDenied") == 0 && aws_sts_caller_identity(&id, sts, source) == 0)
            who = vpce_asprintf(" as %s (account %s)", id.arn, id.account);
        else
            who = vpce_asprintf(" with the credentials from %s", source->source);
        vpce_error_setc(rc, "%s", saved);
        free(saved);
        role_error(rc, role->role_arn, who, hint);
        free(who);
        goto cleanup;
    }
    rc = parse_credentials(out, res, "AssumeRole", role->role_arn);
    if (rc < 0)
        goto cleanup;
    char *src = vpce_asprintf("assume_role \"%s\" (from %s)", role->role_arn, source->source);
    snprintf(out->source, sizeof(out->source), "%s", src);
    free(src);

cleanup:
    vpce_aws_params_release(&p);
    json_decref(res);
    vpce_aws_client_free(c);
    free(session);
    return rc;
}

int aws_sts_assume_role_web_identity(vpce_aws_creds *out, const aws_sts *sts, const char *role_arn,
                                     const char *session_name, const char *token, int duration_s,
                                     const char *token_origin)
{
    vpce_aws_client *c = NULL;
    json_t *res = NULL;
    char *session = NULL;
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    memset(out, 0, sizeof(*out));
    /* The token is the proof: AssumeRoleWithWebIdentity is sent unsigned. */
    int rc = aws_client_new_fixed(&c, &aws_service_sts, sts, NULL);
    if (rc < 0)
        goto cleanup;
    session =
        session_name && *session_name ? vpce_strdup(session_name) : aws_default_session_name();
    vpce_aws_params_add(&p, "RoleArn", role_arn);
    vpce_aws_params_add(&p, "RoleSessionName", session);
    vpce_aws_params_add(&p, "WebIdentityToken", token);
    if (duration_s > 0)
        vpce_aws_params_add_int(&p, "DurationSeconds", duration_s);
    rc = vpce_aws_call(c, "AssumeRoleWithWebIdentity", &p, &res);
    if (rc < 0) {
        const char *code = vpce_aws_last_error_code();
        char *hint = NULL;
        if (strncmp(code, "ExpiredToken", 12) == 0)
            hint = vpce_asprintf("; the web identity token from %s has expired", token_origin);
        else if (strncmp(code, "InvalidIdentityToken", 20) == 0)
            hint = vpce_asprintf("; STS refused the web identity token from %s (its issuer must "
                                 "be an OIDC provider of the account, its audience "
                                 "sts.amazonaws.com or the one the role trusts)",
                                 token_origin);
        else if (strcmp(code, "AccessDenied") == 0)
            hint = vpce_asprintf("; the role's trust policy does not allow the identity of the "
                                 "token from %s",
                                 token_origin);
        role_error(rc, role_arn, " with a web identity", hint);
        free(hint);
        goto cleanup;
    }
    rc = parse_credentials(out, res, "AssumeRoleWithWebIdentity", role_arn);
    if (rc < 0)
        goto cleanup;
    char *src = vpce_asprintf("web identity (%s) for role \"%s\"", token_origin, role_arn);
    snprintf(out->source, sizeof(out->source), "%s", src);
    free(src);

cleanup:
    vpce_aws_params_release(&p);
    json_decref(res);
    vpce_aws_client_free(c);
    free(session);
    return rc;
}
