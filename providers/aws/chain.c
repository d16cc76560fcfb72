/*
 * providers/aws/chain.c: the credential chain. The provider block's static keys, else its
 * assume_role_with_web_identity, else the AWS SDKs' default chain (environment, web identity
 * from the environment, the profile with its roles, SSO and credential_process, container
 * credentials, IMDSv2); then the provider block's assume_role list, each role assumed with the
 * credentials of the one before. The chain keeps copies of its settings so that a refresh runs
 * it again from the start. Secrets never enter a message or a log line.
 */
#include "providers/aws/client_internal.h"

#include <string.h>

#define MAX_PROFILE_DEPTH 16

typedef struct role_copy {
    char *role_arn, *session_name, *external_id, *policy, *source_identity;
    int duration_s;
    vpce_vec policy_arns, tag_keys, tag_values, transitive;
} role_copy;

struct aws_chain {
    char *profile;     /* the provider block's profile, or NULL */
    char **cred_files; /* shared credentials files given (NULL-terminated), or NULL */
    char *access_key, *secret_key, *session_token;
    bool web_identity;
    char *wi_role_arn, *wi_session, *wi_token_file, *wi_token;
    int wi_duration_s;
    role_copy *roles;
    size_t nroles;
    aws_sts sts;
};

static char *dup_or_null(const char *s)
{
    return s && *s ? vpce_strdup(s) : NULL;
}

static void copy_list(vpce_vec *v, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vpce_vec_push(v, vpce_strdup(items[i] ? items[i] : ""));
}

static void free_list(vpce_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        free(v->items[i]);
    vpce_vec_release(v);
}

int aws_chain_new(aws_chain **out, const vpce_aws_config *cfg, const char *region)
{
    *out = NULL;
    aws_chain *ch = vpce_calloc(1, sizeof(*ch));
    int rc = 0;
    bool ak = cfg->access_key && *cfg->access_key, sk = cfg->secret_key && *cfg->secret_key;
    if (ak != sk) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "\"access_key\" and \"secret_key\" must be set together");
        goto cleanup;
    }
    ch->profile = dup_or_null(cfg->profile);
    if (cfg->shared_credentials_files && cfg->shared_credentials_files[0]) {
        size_t n = 0;
        while (cfg->shared_credentials_files[n])
            n++;
        ch->cred_files = vpce_calloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
            ch->cred_files[i] = vpce_strdup(cfg->shared_credentials_files[i]);
    }
    ch->access_key = dup_or_null(cfg->access_key);
    ch->secret_key = dup_or_null(cfg->secret_key);
    ch->session_token = dup_or_null(cfg->session_token);
    if (cfg->web_identity) {
        const vpce_aws_web_identity *w = cfg->web_identity;
        ch->web_identity = true;
        ch->wi_role_arn = dup_or_null(w->role_arn);
        ch->wi_session = dup_or_null(w->session_name);
        ch->wi_token_file = dup_or_null(w->token_file);
        ch->wi_token = dup_or_null(w->token);
        ch->wi_duration_s = w->duration_s;
    }
    ch->roles = vpce_calloc(cfg->nassume_roles + 1, sizeof(*ch->roles));
    for (size_t i = 0; i < cfg->nassume_roles; i++) {
        const vpce_aws_assume_role *r = &cfg->assume_roles[i];
        role_copy *c = &ch->roles[ch->nroles++];
        if (!r->role_arn || !*r->role_arn) {
            rc = vpce_error_setc(VPCE_EINVALID, "assume_role #%zu has no role_arn", i + 1);
            goto cleanup;
        }
        c->role_arn = vpce_strdup(r->role_arn);
        c->session_name = dup_or_null(r->session_name);
        c->external_id = dup_or_null(r->external_id);
        c->policy = dup_or_null(r->policy);
        c->source_identity = dup_or_null(r->source_identity);
        c->duration_s = r->duration_s;
        copy_list(&c->policy_arns, r->policy_arns, r->npolicy_arns);
        copy_list(&c->tag_keys, r->tag_keys, r->ntags);
        copy_list(&c->tag_values, r->tag_values, r->ntags);
        copy_list(&c->transitive, r->transitive_tag_keys, r->ntransitive_tag_keys);
    }
    rc = aws_sts_init(&ch->sts, cfg->sts_region, cfg->endpoint_sts, region);

cleanup:
    if (rc < 0) {
        aws_chain_free(ch);
        return rc;
    }
    *out = ch;
    return 0;
}

void aws_chain_free(aws_chain *ch)
{
    if (!ch)
        return;
    free(ch->profile);
    for (size_t i = 0; ch->cred_files && ch->cred_files[i]; i++)
        free(ch->cred_files[i]);
    free(ch->cred_files);
    free(ch->access_key);
    aws_free_secret(ch->secret_key);
    aws_free_secret(ch->session_token);
    free(ch->wi_role_arn);
    free(ch->wi_session);
    free(ch->wi_token_file);
    aws_free_secret(ch->wi_token);
    for (size_t i = 0; i < ch->nroles; i++) {
        role_copy *c = &ch->roles[i];
        free(c->role_arn);
        free(c->session_name);
        free(c->external_id);
        free(c->policy);
        free(c->source_identity);
        free_list(&c->policy_arns);
        free_list(&c->tag_keys);
        free_list(&c->tag_values);
        free_list(&c->transitive);
    }
    free(ch->roles);
    aws_sts_release(&ch->sts);
    free(ch);
}

bool aws_chain_is_static(const aws_chain *ch)
{
    return ch->access_key && ch->nroles == 0;
}

const aws_sts *aws_chain_sts(const aws_chain *ch)
{
    return &ch->sts;
}

/* Reads a web identity token file (read again at every refresh: pipelines rotate it). */
static int read_token(char **out, const char *path, const char *what)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (vpce_read_file(&text, &len, path, 64u << 10) != 0)
        return vpce_error_setc(VPCE_ERROR, "cannot read the web identity token file \"%s\" (%s)",
                               path, what);
    /* Trailing newlines are not part of the token. */
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (!len || memchr(text, '\0', len)) {
        aws_free_secret(text);
        return vpce_error_setc(VPCE_EINVALID, "the web identity token file \"%s\" (%s) is empty",
                               path, what);
    }
    *out = text;
    return 0;
}

static int web_identity(vpce_aws_creds *out, const aws_sts *sts, const char *role_arn,
                        const char *session, const char *token_file, int duration_s,
                        const char *origin)
{
    char *token = NULL;
    int rc = read_token(&token, token_file, origin);
    if (rc == 0)
        rc = aws_sts_assume_role_web_identity(out, sts, role_arn, session, token, duration_s,
                                              origin);
    aws_free_secret(token);
    return rc;
}

/* ---- profiles ------------------------------------------------------------------------------ */

typedef struct profile_files {
    char *cred_path;
    char *conf_path;
} profile_files;

/* A key of profile `name`: the credentials file's [name] wins over the config file's section. */
static char *profile_get(const profile_files *f, const char *name, const char *key)
{
    char *v = aws_ini_get(f->cred_path, name, key);
    if (v && *v)
        return v;
    free(v);
    char *section = aws_config_section(name);
    v = aws_ini_get(f->conf_path, section, key);
    free(section);
    if (v && !*v) {
        free(v);
        v = NULL;
    }
    return v;
}

static bool profile_exists(const profile_files *f, const char *name)
{
    char *section = aws_config_section(name);
    bool found =
        aws_ini_has_section(f->cred_path, name) || aws_ini_has_section(f->conf_path, section);
    free(section);
    return found;
}

/* Static keys of a profile: the credentials file first, then the config file. 1 found, 0 not. */
static int profile_static(vpce_aws_creds *out, const profile_files *f, const char *name)
{
    char *section = aws_config_section(name);
    const char *paths[2] = {f->cred_path, f->conf_path};
    const char *sections[2] = {name, section};
    const char *what[2] = {"shared credentials file", "shared config file"};
    int found = 0;
    for (int i = 0; i < 2 && !found; i++) {
        char *ak = aws_ini_get(paths[i], sections[i], "aws_access_key_id");
        char *sk = aws_ini_get(paths[i], sections[i], "aws_secret_access_key");
        if (ak && sk && *ak && *sk) {
            memset(out, 0, sizeof(*out));
            out->access_key_id = ak;
            out->secret_access_key = sk;
            char *tok = aws_ini_get(paths[i], sections[i], "aws_session_token");
            if (tok && !*tok) {
                free(tok);
                tok = NULL;
            }
            out->session_token = tok;
            snprintf(out->source, sizeof(out->source), "%s (profile \"%s\")", what[i], name);
            found = 1;
        } else {
            free(ak);
            aws_free_secret(sk);
        }
    }
    free(section);
    return found;
}

static int profile_resolve(vpce_aws_creds *out, const profile_files *f, const aws_sts *sts,
                           const char *name, const char **visited, int depth);

/* A profile with role_arn: its source credentials, then AssumeRole (or web identity). */
static int profile_role(vpce_aws_creds *out, const profile_files *f, const aws_sts *sts,
                        const char *name, const char *role_arn, const char **visited, int depth)
{
    int rc = 0;
    char *mfa = profile_get(f, name, "mfa_serial");
    char *src_profile = profile_get(f, name, "source_profile");
    char *cred_source = profile_get(f, name, "credential_source");
    char *token_file = profile_get(f, name, "web_identity_token_file");
    char *session = profile_get(f, name, "role_session_name");
    char *external_id = profile_get(f, name, "external_id");
    char *duration = profile_get(f, name, "duration_seconds");
    vpce_aws_creds base;
    memset(&base, 0, sizeof(base));
    int duration_s = 0;

    if (duration) {
        char *end = NULL;
        long v = strtol(duration, &end, 10);
        if (end == duration || *end || v < 900 || v > 43200) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "profile \"%s\": duration_seconds \"%s\" is not a number of "
                                 "seconds from 900 to 43200",
                                 name, duration);
            goto cleanup;
        }
        duration_s = (int)v;
    }
    if (mfa) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "profile \"%s\" assumes role \"%s\" with MFA (mfa_serial): vpce "
                             "cannot prompt for a code; use a profile without mfa_serial, or "
                             "credentials that need no MFA (web identity in pipelines)",
                             name, role_arn);
        goto cleanup;
    }
    if (token_file && !src_profile && !cred_source) {
        char *origin = vpce_asprintf("web_identity_token_file of profile \"%s\"", name);
        rc = web_identity(out, sts, role_arn, session, token_file, duration_s, origin);
        free(origin);
        goto cleanup;
    }
    if (src_profile && cred_source) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "profile \"%s\" sets both source_profile and credential_source: "
                             "keep one",
                             name);
        goto cleanup;
    }
    if (src_profile) {
        bool seen = false;
        for (int i = 0; i < depth; i++)
            if (strcmp(visited[i], src_profile) == 0)
                seen = true;
        if (strcmp(src_profile, name) == 0) {
            /* A profile may take its own static keys as the source of its role. */
            rc = profile_static(&base, f, name);
            if (rc == 0)
                rc = vpce_error_setc(VPCE_EINVALID,
                                     "profile \"%s\" is its own source_profile but has no "
                                     "aws_access_key_id and aws_secret_access_key",
                                     name);
        } else if (seen || depth + 1 >= MAX_PROFILE_DEPTH) {
            vpce_buf b = VPCE_BUF_INIT(4096);
            for (int i = 0; i < depth; i++)
                vpce_buf_printf(&b, "%s -> ", visited[i]);
            vpce_buf_printf(&b, "%s -> %s", name, src_profile);
            rc = vpce_error_setc(VPCE_EINVALID, "the source_profile chain of profile \"%s\" %s: %s",
                                 visited[0], seen ? "has a cycle" : "is too long",
                                 vpce_buf_cstr(&b));
            vpce_buf_release(&b);
        } else if (!profile_exists(f, src_profile)) {
            rc = vpce_error_setc(VPCE_ENOTFOUND,
                                 "profile \"%s\": source_profile \"%s\" is not in %s or %s", name,
                                 src_profile, f->cred_path, f->conf_path);
        } else {
            visited[depth] = name;
            rc = profile_resolve(&base, f, sts, src_profile, visited, depth + 1);
            if (rc == 0)
                rc = vpce_error_setc(VPCE_ENOTFOUND,
                                     "profile \"%s\": source_profile \"%s\" has no credentials",
                                     name, src_profile);
        }
    } else if (cred_source) {
        if (strcmp(cred_source, "Environment") == 0)
            rc = aws_creds_from_env(&base);
        else if (strcmp(cred_source, "Ec2InstanceMetadata") == 0)
            rc = aws_imds_disabled() ? 0 : aws_creds_from_imds(&base);
        else if (strcmp(cred_source, "EcsContainer") == 0)
            rc = aws_creds_from_container(&base);
        else {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "profile \"%s\": credential_source \"%s\" is not one of "
                                 "Environment, Ec2InstanceMetadata, EcsContainer",
                                 name, cred_source);
            goto cleanup;
        }
        if (rc == 0)
            rc = vpce_error_setc(VPCE_ENOTFOUND,
                                 "profile \"%s\": credential_source %s gave no credentials", name,
                                 cred_source);
    } else {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "profile \"%s\" has role_arn but no source_profile, "
                             "credential_source or web_identity_token_file",
                             name);
    }
    if (rc < 0)
        goto cleanup;
    vpce_aws_assume_role role;
    memset(&role, 0, sizeof(role));
    role.role_arn = role_arn;
    role.session_name = session;
    role.external_id = external_id;
    role.duration_s = duration_s;
    rc = aws_sts_assume_role(out, sts, &base, &role);
    if (rc == 0) {
        char *src = vpce_asprintf("profile \"%s\": %s", name, out->source);
        snprintf(out->source, sizeof(out->source), "%s", src);
        free(src);
    }

cleanup:
    vpce_aws_creds_release(&base);
    free(mfa);
    free(src_profile);
    free(cred_source);
    free(token_file);
    free(session);
    free(external_id);
    free(duration);
    return rc < 0 ? rc : 1;
}

/* The credentials of profile `name`: 1 found, 0 none there, < 0 an error. */
static int profile_resolve(vpce_aws_creds *out, const profile_files *f, const aws_sts *sts,
                           const char *name, const char **visited, int depth)
{
    int rc = 0;
    char *role_arn = profile_get(f, name, "role_arn");
    char *process = NULL, *section = NULL, *sso_session = NULL, *sso_url = NULL;
    if (role_arn) {
        rc = profile_role(out, f, sts, name, role_arn, visited, depth);
        goto cleanup;
    }
    rc = profile_static(out, f, name);
    if (rc)
        goto cleanup;
    section = aws_config_section(name);
    sso_session = aws_ini_get(f->conf_path, section, "sso_session");
    sso_url = aws_ini_get(f->conf_path, section, "sso_start_url");
    if ((sso_session && *sso_session) || (sso_url && *sso_url)) {
        rc = aws_creds_from_sso(out, f->conf_path, section, name);
        goto cleanup;
    }
    process = profile_get(f, name, "credential_process");
    if (process) {
        memset(out, 0, sizeof(*out));
        rc = aws_creds_from_process(out, process, name);
        goto cleanup;
    }
    rc = 0;

cleanup:
    free(role_arn);
    aws_free_secret(process);
    free(section);
    free(sso_session);
    free(sso_url);
    return rc;
}

/* ---- the default chain --------------------------------------------------------------------- */

static int from_profile(vpce_aws_creds *out, const profile_files *f, const aws_sts *sts,
                        const char *profile, bool named)
{
    const char *visited[MAX_PROFILE_DEPTH];
    visited[0] = profile;
    if (named && strcmp(profile, "default") != 0 && !profile_exists(f, profile))
        return vpce_error_setc(VPCE_ENOTFOUND,
                               "profile \"%s\" is not in the shared credentials file %s nor in "
                               "the shared config file %s",
                               profile, f->cred_path, f->conf_path);
    return profile_resolve(out, f, sts, profile, visited, 0);
}

/* The first of files that has the profile's section, else the first of them; NULL or empty:
 * the default shared credentials file. */
static char *credentials_file(const char *const *files, const char *profile)
{
    if (!files || !files[0])
        return aws_credentials_path();
    for (size_t i = 0; files[i]; i++)
        if (aws_ini_has_section(files[i], profile))
            return vpce_strdup(files[i]);
    return vpce_strdup(files[0]);
}

static int default_chain(vpce_aws_creds *out, const aws_sts *sts, const char *cfg_profile,
                         const char *const *cred_files)
{
    int rc = 0;
    const char *profile = aws_profile_name(cfg_profile);
    profile_files f = {credentials_file(cred_files, profile), aws_config_path()};
    bool named = (cfg_profile && *cfg_profile) || aws_env("AWS_PROFILE");
    char *imds = NULL;
    memset(out, 0, sizeof(*out));

    /* A profile named in the provider block comes before the environment (as Terraform). */
    if (cfg_profile && *cfg_profile) {
        rc = from_profile(out, &f, sts, profile, true);
        if (rc)
            goto cleanup;
    }
    /* 1. The environment. */
    rc = aws_creds_from_env(out);
    if (rc)
        goto cleanup;
    /* 2. Web identity from the environment (EKS IRSA, CI pipelines). */
    const char *token_file = aws_env("AWS_WEB_IDENTITY_TOKEN_FILE");
    if (token_file) {
        const char *role = aws_env("AWS_ROLE_ARN");
        if (!role) {
            rc = vpce_error_setc(VPCE_EINVALID, "AWS_WEB_IDENTITY_TOKEN_FILE is set but "
                                                "AWS_ROLE_ARN is not: set the role to assume");
            goto cleanup;
        }
        rc = web_identity(out, sts, role, aws_env("AWS_ROLE_SESSION_NAME"), token_file, 0,
                          "AWS_WEB_IDENTITY_TOKEN_FILE");
        if (rc == 0)
            rc = 1;
        goto cleanup;
    }
    /* 3. The profile. */
    if (!(cfg_profile && *cfg_profile)) {
        rc = from_profile(out, &f, sts, profile, named);
        if (rc)
            goto cleanup;
    }
    /* 4. Container credentials. */
    rc = aws_creds_from_container(out);
    if (rc)
        goto cleanup;
    /* 5. The EC2 instance metadata service. */
    imds = aws_imds_endpoint();
    if (!aws_imds_disabled()) {
        rc = aws_creds_from_imds(out);
        if (rc)
            goto cleanup;
    }
    rc = vpce_error_setc(
        VPCE_ENOTFOUND,
        "no AWS credentials found: looked in the environment (AWS_ACCESS_KEY_ID, "
        "AWS_WEB_IDENTITY_TOKEN_FILE), the shared credentials file %s (profile \"%s\"), the "
        "shared config file %s (profile \"%s\"), container credentials "
        "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set), and the EC2 instance "
        "metadata service (%s%s)",
        f.cred_path, profile, f.conf_path, profile, imds,
        aws_imds_disabled() ? ", disabled by AWS_EC2_METADATA_DISABLED" : ": not reachable");

cleanup:
    if (rc < 0)
        vpce_aws_creds_release(out);
    free(imds);
    free(f.cred_path);
    free(f.conf_path);
    return rc < 0 ? rc : 0;
}

int vpce_aws_creds_resolve_with(vpce_aws_creds *out, const char *profile, const char *sts_region,
                                const char *sts_endpoint)
{
    char *region = NULL;
    aws_sts sts;
    memset(out, 0, sizeof(*out));
    if (vpce_aws_region_resolve(&region, NULL, profile) < 0)
        vpce_error_clear();
    int rc = aws_sts_init(&sts, sts_region, sts_endpoint, region);
    free(region);
    if (rc < 0)
        return rc;
    rc = default_chain(out, &sts, profile, NULL);
    aws_sts_release(&sts);
    return rc;
}

int vpce_aws_creds_resolve(vpce_aws_creds *out, const char *profile)
{
    return vpce_aws_creds_resolve_with(out, profile, NULL, NULL);
}

static int base_creds(const aws_chain *ch, vpce_aws_creds *out)
{
    memset(out, 0, sizeof(*out));
    if (ch->access_key) {
        out->access_key_id = vpce_strdup(ch->access_key);
        out->secret_access_key = vpce_strdup(ch->secret_key);
        out->session_token = ch->session_token ? vpce_strdup(ch->session_token) : NULL;
        snprintf(out->source, sizeof(out->source), "provider configuration");
        return 0;
    }
    if (!ch->web_identity)
        return default_chain(out, &ch->sts, ch->profile, (const char *const *)ch->cred_files);
    const char *role = ch->wi_role_arn ? ch->wi_role_arn : aws_env("AWS_ROLE_ARN");
    const char *session = ch->wi_session ? ch->wi_session : aws_env("AWS_ROLE_SESSION_NAME");
    if (!role)
        return vpce_error_setc(VPCE_EINVALID, "assume_role_with_web_identity needs role_arn (or "
                                              "AWS_ROLE_ARN)");
    if (ch->wi_token)
        return aws_sts_assume_role_web_identity(out, &ch->sts, role, session, ch->wi_token,
                                                ch->wi_duration_s,
                                                "web_identity_token of the provider block");
    const char *file = ch->wi_token_file;
    const char *origin = "web_identity_token_file of the provider block";
    if (!file) {
        file = aws_env("AWS_WEB_IDENTITY_TOKEN_FILE");
        origin = "AWS_WEB_IDENTITY_TOKEN_FILE";
    }
    if (!file)
        return vpce_error_setc(VPCE_EINVALID,
                               "assume_role_with_web_identity needs web_identity_token, "
                               "web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE");
    return web_identity(out, &ch->sts, role, session, file, ch->wi_duration_s, origin);
}

int aws_chain_resolve(const aws_chain *ch, vpce_aws_creds *out)
{
    vpce_aws_creds cur;
    int rc = base_creds(ch, &cur);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < ch->nroles; i++) {
        const role_copy *c = &ch->roles[i];
        vpce_aws_assume_role r;
        memset(&r, 0, sizeof(r));
        r.role_arn = c->role_arn;
        r.session_name = c->session_name;
        r.external_id = c->external_id;
        r.policy = c->policy;
        r.source_identity = c->source_identity;
        r.duration_s = c->duration_s;
        r.policy_arns = (const char *const *)c->policy_arns.items;
        r.npolicy_arns = c->policy_arns.len;
        r.tag_keys = (const char *const *)c->tag_keys.items;
        r.tag_values = (const char *const *)c->tag_values.items;
        r.ntags = c->tag_keys.len;
        r.transitive_tag_keys = (const char *const *)c->transitive.items;
        r.ntransitive_tag_keys = c->transitive.len;
        vpce_aws_creds next;
        rc = aws_sts_assume_role(&next, &ch->sts, &cur, &r);
        vpce_aws_creds_release(&cur);
        if (rc < 0)
            return rc;
        cur = next;
    }
    *out = cur;
    return 0;
}
