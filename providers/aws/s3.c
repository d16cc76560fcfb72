/*
 * providers/aws/s3.c: the S3 client of the state backend. Each call builds the URL (virtual
 * hosted or path style), signs it with SigV4's S3 rules (the payload's SHA-256 in
 * x-amz-content-sha256), sends it, and retries transient failures as the EC2 client does
 * (throttling, 5xx, broken connections, and S3's 409 ConditionalRequestConflict). Answers are
 * parsed with the same hardened XML reader. Debug logs name the method, the key and the status,
 * never a credential.
 */
#include "providers/aws/s3.h"
#include "providers/aws/client_internal.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define DEFAULT_MAX_OBJECT (256u << 20)
#define ERROR_BODY_MAX     (64u << 10)
#define LIST_BODY_MAX      (8u << 20)

struct aws_s3 {
    vpce_aws_client *client; /* credentials, region, endpoint, limits, counters */
    char *bucket;
    char *scheme;    /* "https" */
    char *authority; /* host[:port] of the endpoint */
    char *base_path; /* the endpoint's path without a trailing slash ("" mostly) */
    bool path_style;
    char *sse;
    char *kms_key_id;
    size_t max_object;
};

/* One HTTP header to send and sign. */
typedef struct s3_header {
    const char *name;
    const char *value;
} s3_header;

/* What a call asks for. */
typedef struct s3_call {
    const char *op; /* "GetObject", for messages and logs */
    const char *method;
    const char *key;   /* NULL: the bucket itself */
    const char *query; /* encoded query string or NULL */
    const void *body;
    size_t body_len;
    const s3_header *headers;
    size_t nheaders;
    size_t max_response;
    const char *write_id; /* see aws_s3_put_opts */
} s3_call;

static bool ip_literal(const char *host)
{
    if (host[0] == '[')
        return true;
    for (const char *p = host; *p && *p != ':'; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

/* Virtual-hosted style needs a bucket name that is a valid DNS label (no dots: TLS wildcard
 * certificates cover one level). */
static bool dns_compatible(const char *bucket)
{
    size_t n = strlen(bucket);
    if (n < 3 || n > 63)
        return false;
    for (const char *p = bucket; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            return false;
    return bucket[0] != '-' && bucket[n - 1] != '-';
}

static bool valid_bucket(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63)
        return false;
    for (const char *p = b; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
            return false;
    return true;
}

int aws_s3_new(aws_s3 **out, const aws_s3_config *cfg)
{
    int rc = 0;
    *out = NULL;
    if (!cfg->bucket || !*cfg->bucket)
        return vpce_error_setc(VPCE_EINVALID, "the S3 backend needs a \"bucket\"");
    if (!valid_bucket(cfg->bucket))
        return vpce_error_setc(VPCE_EINVALID,
                               "invalid bucket name \"%s\": S3 bucket names have 3 to 63 "
                               "lowercase letters, digits, dots and hyphens",
                               cfg->bucket);
    aws_s3 *s = vpce_calloc(1, sizeof(*s));
    vpce_aws_config ac;
    memset(&ac, 0, sizeof(ac));
    ac.region = cfg->region;
    ac.profile = cfg->profile;
    ac.shared_credentials_files = cfg->shared_credentials_files;
    ac.assume_roles = cfg->assume_roles;
    ac.nassume_roles = cfg->nassume_roles;
    ac.endpoint_sts = cfg->sts_endpoint;
    ac.sts_region = cfg->sts_region;
    ac.max_retries = cfg->max_retries;
    ac.no_pacing = true; /* S3's request rates are far above what a state needs */
    rc = aws_client_new_service(&s->client, &aws_service_s3, cfg->endpoint, &ac);
    if (rc < 0)
        goto cleanup;
    s->bucket = vpce_strdup(cfg->bucket);
    const char *ep = vpce_aws_client_endpoint(s->client);
    const char *sep = strstr(ep, "://");
    s->scheme = vpce_strndup(ep, (size_t)(sep - ep));
    const char *auth = sep + 3;
    const char *slash = strchr(auth, '/');
    s->authority = slash ? vpce_strndup(auth, (size_t)(slash - auth)) : vpce_strdup(auth);
    s->base_path = vpce_strdup(slash ? slash : "");
    size_t bl = strlen(s->base_path);
    while (bl && s->base_path[bl - 1] == '/')
        s->base_path[--bl] = '\0';
    s->path_style = cfg->use_path_style || !dns_compatible(cfg->bucket) || ip_literal(s->authority);
    s->sse = cfg->sse && *cfg->sse ? vpce_strdup(cfg->sse) : NULL;
    s->kms_key_id = cfg->kms_key_id && *cfg->kms_key_id ? vpce_strdup(cfg->kms_key_id) : NULL;
    s->max_object = cfg->max_object_bytes ? cfg->max_object_bytes : DEFAULT_MAX_OBJECT;
    vpce_log(VPCE_LOG_DEBUG,
             "s3: bucket %s, region %s, endpoint %s (%s style), credentials from %s", s->bucket,
             vpce_aws_client_region(s->client), ep, s->path_style ? "path" : "virtual-hosted",
             vpce_aws_client_creds_source(s->client));

cleanup:
    if (rc < 0) {
        aws_s3_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void aws_s3_free(aws_s3 *s)
{
    if (!s)
        return;
    vpce_aws_client_free(s->client);
    free(s->bucket);
    free(s->scheme);
    free(s->authority);
    free(s->base_path);
    free(s->sse);
    free(s->kms_key_id);
    free(s);
}

char *aws_s3_url(const aws_s3 *s, const char *key)
{
    return vpce_asprintf("s3://%s/%s", s->bucket, key ? key : "");
}

const char *aws_s3_creds_source(const aws_s3 *s)
{
    return vpce_aws_client_creds_source(s->client);
}

uint64_t aws_s3_requests(const aws_s3 *s)
{
    vpce_aws_stats st;
    vpce_aws_client_stats(s->client, &st);
    return st.requests;
}

/* The request path, decoded (as SigV4 for S3 signs it after encoding it once). */
static char *object_path(const aws_s3 *s, const char *key)
{
    if (s->path_style)
        return vpce_asprintf("%s/%s%s%s", s->base_path, s->bucket, key ? "/" : "", key ? key : "");
    return vpce_asprintf("%s/%s", s->base_path, key ? key : "");
}

/* Explains a bucket in another region from a 301 or 400 answer that names it. */
static int region_error(aws_s3 *s, const char *op, const char *bucket_region)
{
    return vpce_error_setc(VPCE_EINVALID,
                           "%s: bucket \"%s\" is in region %s, not %s (S3 answered with a "
                           "redirect): set region = \"%s\" in the backend configuration",
                           op, s->bucket, bucket_region, vpce_aws_client_region(s->client),
                           bucket_region);
}

static void log_exchange(const s3_call *c, int attempt, const aws_http_response *r)
{
    if (!vpce_log_enabled(VPCE_LOG_DEBUG))
        return;
    if (r->curl_code != CURLE_OK)
        vpce_log(VPCE_LOG_DEBUG, "s3: %s %s (attempt %d): transport error: %s", c->op,
                 c->key ? c->key : "", attempt, r->error);
    else
        vpce_log(VPCE_LOG_DEBUG, "s3: %s %s (attempt %d): HTTP %ld request-id %s", c->op,
                 c->key ? c->key : "", attempt, r->status, r->request_id[0] ? r->request_id : "-");
}

/* Sleeps ms even when a cancellation was requested (vpce_sleep_ms would end at once): a state
   write after a cancelled apply keeps its retry pauses. */
static void pause_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0)
        ;
}

/* One signed exchange. */
static int send_once(aws_s3 *s, const s3_call *c, const char *payload_hash,
                     const aws_client_limits *lim, long timeout_ms, aws_http_response *resp)
{
    int rc = 0;
    vpce_aws_creds cr;
    vpce_aws_sigv4 sig;
    memset(&sig, 0, sizeof(sig));
    char amz_date[17];
    char *path = object_path(s, c->key);
    char *host =
        s->path_style ? vpce_strdup(s->authority) : vpce_asprintf("%s.%s", s->bucket, s->authority);
    vpce_buf epath = VPCE_BUF_INIT(1u << 16);
    char *url = NULL;
    size_t nh = c->nheaders + 4;
    vpce_aws_header *hs = vpce_calloc(nh, sizeof(*hs));
    /* The headers, Authorization, an empty Content-Type and the NULL that ends them. */
    const char **lines = vpce_calloc(nh + 3, sizeof(*lines));
    char **owned = vpce_calloc(nh + 3, sizeof(*owned));
    size_t n = 0;

    rc = aws_client_creds(s->client, &cr);
    if (rc < 0)
        goto done;
    if (vpce_aws_uri_encode(&epath, path, strlen(path), true) < 0) {
        rc = vpce_error_setc(VPCE_ETOOBIG, "%s: the object key is too long", c->op);
        goto done;
    }
    url = vpce_asprintf("%s://%s%s%s%s", s->scheme, host, vpce_buf_cstr(&epath),
                        c->query ? "?" : "", c->query ? c->query : "");
    aws_amz_date(amz_date);
    hs[n++] = (vpce_aws_header){"Host", host};
    hs[n++] = (vpce_aws_header){"X-Amz-Date", amz_date};
    hs[n++] = (vpce_aws_header){"X-Amz-Content-Sha256", payload_hash};
    if (cr.session_token)
        hs[n++] = (vpce_aws_header){"X-Amz-Security-Token", cr.session_token};
    for (size_t i = 0; i < c->nheaders; i++)
        hs[n++] = (vpce_aws_header){c->headers[i].name, c->headers[i].value};
    vpce_aws_sigv4_request sreq = {
        .method = c->method,
        .path = path,
        .query = c->query,
        .headers = hs,
        .nheaders = n,
        .payload_hash = payload_hash,
        .s3 = true,
    };
    rc = vpce_aws_sigv4_sign(&sig, &sreq, cr.access_key_id, cr.secret_access_key, NULL,
                             vpce_aws_client_region(s->client), "s3", amz_date);
    if (rc < 0)
        goto done;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        lines[k] = owned[k] = vpce_asprintf("%s: %s", hs[i].name, hs[i].value), k++;
    lines[k] = owned[k] = vpce_asprintf("Authorization: %s", sig.authorization), k++;
    /* A body without Content-Type would go out as a form (curl's default for a body). */
    bool has_type = false;
    for (size_t i = 0; i < c->nheaders; i++)
        has_type |= strcasecmp(c->headers[i].name, "Content-Type") == 0;
    if (!has_type)
        lines[k++] = "Content-Type:";
    lines[k] = NULL;
    aws_http_request req = {
        .method = c->method,
        .url = url,
        .headers = lines,
        .body = c->body ? c->body : (strcmp(c->method, "PUT") == 0 ? "" : NULL),
        .body_len = c->body_len,
        .connect_timeout_ms =
            lim->connect_timeout_ms < timeout_ms ? lim->connect_timeout_ms : timeout_ms,
        .timeout_ms = timeout_ms,
        .low_speed_limit = lim->low_speed_limit,
        .low_speed_time_ms = lim->low_speed_time_ms,
        .max_response_bytes = c->max_response,
        .fresh_connection = strcmp(c->method, "GET") != 0 && strcmp(c->method, "HEAD") != 0,
        /* The state is written after a cancelled apply too: what was done must be recorded. */
        .ignore_cancel = true,
    };
    aws_http_perform(&req, resp);

done:
    for (size_t i = 0; i < nh + 3; i++) {
        if (owned[i]) {
            OPENSSL_cleanse(owned[i], strlen(owned[i]));
            free(owned[i]);
        }
    }
    free(owned);
    free(lines);
    free(hs);
    vpce_aws_sigv4_release(&sig);
    vpce_aws_creds_release(&cr);
    vpce_buf_release(&epath);
    free(url);
    free(host);
    free(path);
    return rc;
}

static const char *header(const aws_http_response *r, const char *name)
{
    return json_string_value(json_object_get(r->headers, name));
}

/* Reads the write id back after a conditional write whose first attempt may have landed. */
static bool write_landed(aws_s3 *s, const s3_call *c, char etag[AWS_S3_ETAG_MAX])
{
    json_t *meta = NULL;
    char got[AWS_S3_ETAG_MAX] = "";
    bool ok = aws_s3_head(s, c->key, got, &meta) == 0 &&
              json_string_value(json_object_get(meta, "vpce-write-id")) &&
              strcmp(json_string_value(json_object_get(meta, "vpce-write-id")), c->write_id) == 0;
    json_decref(meta);
    if (ok && etag)
        snprintf(etag, AWS_S3_ETAG_MAX, "%s", got);
    return ok;
}

/*
 * Runs c with retries. On success *resp holds the answer (caller releases). Errors: 404
 * VPCE_ENOTFOUND, 412 VPCE_ESTALE (the caller words it), a bucket elsewhere VPCE_EINVALID with
 * the region, retries exhausted VPCE_ERETRY, others VPCE_ERROR with S3's code and message.
 * *landed is set when a conditional write refused on retry is found to be ours.
 */
static int s3_run(aws_s3 *s, const s3_call *c, aws_http_response *resp, bool *landed,
                  char landed_etag[AWS_S3_ETAG_MAX])
{
    int rc = 0;
    char payload[65];
    bool outcome_unknown = false;
    aws_client_limits lim;
    aws_client_bounds(s->client, &lim);
    int64_t spent = 0; /* attempts and pauses, bounded by lim.retry_max_time_ms */
    vpce_aws_sha256_hex(payload, c->body ? c->body : "", c->body ? c->body_len : 0);
    aws_set_last_code("");
    if (landed)
        *landed = false;
    AWS_COUNT(s->client, calls, 1);
    for (int attempt = 1;; attempt++) {
        AWS_COUNT(s->client, requests, 1);
        if (attempt > 1)
            AWS_COUNT(s->client, retries, 1);
        memset(resp, 0, sizeof(*resp));
        /* An attempt never runs past the call's time bound. */
        int64_t left = lim.retry_max_time_ms - spent;
        long timeout = left < lim.timeout_ms ? (long)(left > 1000 ? left : 1000) : lim.timeout_ms;
        int64_t sent_at = vpce_now_ms();
        rc = send_once(s, c, payload, &lim, timeout, resp);
        spent += vpce_now_ms() - sent_at;
        if (rc < 0)
            break;
        log_exchange(c, attempt, resp);
        const char *code = "";
        vpce_aws_xml_error xerr;
        memset(&xerr, 0, sizeof(xerr));
        if (resp->curl_code != CURLE_OK) {
            rc =
                resp->too_big
                    ? vpce_error_setc(VPCE_ETOOBIG, "%s of %s: the answer is larger than %zu bytes",
                                      c->op, c->key ? c->key : s->bucket, c->max_response)
                    : aws_client_transport_error(s->client, c->op, resp, timeout);
        } else if (resp->status >= 200 && resp->status < 300) {
            rc = 0;
        } else {
            const char *bregion = header(resp, "x-amz-bucket-region");
            json_t *ignored = NULL;
            if (resp->body.len)
                vpce_aws_xml_parse_rest(&ignored, &xerr, c->op, NULL, resp->status, resp->body.data,
                                        resp->body.len);
            json_decref(ignored);
            code = xerr.code;
            if ((resp->status == 301 || resp->status == 307 ||
                 strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
                 strcmp(code, "PermanentRedirect") == 0) &&
                bregion && strcmp(bregion, vpce_aws_client_region(s->client)) != 0) {
                rc = region_error(s, c->op, bregion);
            } else if (resp->status == 301 || resp->status == 307) {
                rc = vpce_error_set("%s: S3 redirected the request (HTTP %ld) without naming the "
                                    "bucket's region; check the endpoint and region",
                                    c->op, resp->status);
            } else if (resp->status == 404 && strcmp(code, "NoSuchBucket") == 0) {
                rc = vpce_error_setc(VPCE_ERROR, "%s: bucket \"%s\" does not exist (NoSuchBucket)",
                                     c->op, s->bucket);
            } else if (resp->status == 404) {
                rc = vpce_error_setc(VPCE_ENOTFOUND, "%s: %s does not exist", c->op,
                                     c->key ? c->key : s->bucket);
            } else if (resp->status == 412) {
                if (outcome_unknown && c->write_id && write_landed(s, c, landed_etag)) {
                    if (landed)
                        *landed = true;
                    rc = 0;
                } else {
                    rc = vpce_error_setc(VPCE_ESTALE, "%s: PreconditionFailed", c->op);
                }
            } else if (xerr.code[0]) {
                rc = vpce_error_set("%s: %s: %s", c->op, xerr.code, xerr.message);
            } else {
                rc =
                    vpce_error_set("%s: unexpected answer from S3 (HTTP %ld)", c->op, resp->status);
            }
        }
        vpce_aws_retry_kind kind = VPCE_AWS_NO_RETRY;
        if (rc < 0 && rc != VPCE_ETOOBIG) {
            kind = vpce_aws_retry_decide(resp->curl_code == CURLE_OK ? resp->status : 0,
                                         resp->curl_code, code);
            /* Two conditional writes of one key raced inside S3: retry. */
            if (strcmp(code, "ConditionalRequestConflict") == 0 || resp->status == 409)
                kind = VPCE_AWS_RETRY_TRANSIENT;
        }
        if (rc == 0)
            break;
        aws_set_last_code(code);
        outcome_unknown |= kind == VPCE_AWS_RETRY_TRANSIENT && resp->status != 409;
        if (kind == VPCE_AWS_RETRY_THROTTLE)
            AWS_COUNT(s->client, throttles, 1);
        if (kind == VPCE_AWS_NO_RETRY)
            break;
        int64_t delay = vpce_aws_backoff_ms(attempt, aws_random01(), VPCE_AWS_BACKOFF_BASE_MS,
                                            VPCE_AWS_BACKOFF_CAP_MS);
        if (attempt > lim.max_retries || spent + delay >= lim.retry_max_time_ms) {
            /* Keep the last message; say that retries ran out, and which bound (as EC2's). */
            rc = attempt > lim.max_retries
                     ? vpce_error_setc(VPCE_ERETRY,
                                       "%s (gave up after %d attempts: max_retries is %d)",
                                       vpce_error_last(), attempt, lim.max_retries)
                     : vpce_error_setc(VPCE_ERETRY,
                                       "%s (gave up after %d attempts in %.3g s: "
                                       "VPCE_AWS_RETRY_MAX_TIME)",
                                       vpce_error_last(), attempt, (double)spent / 1000.0);
            break;
        }
        aws_http_response_release(resp);
        vpce_log(VPCE_LOG_DEBUG, "s3: retrying %s in %lld ms (%s)", c->op, (long long)delay,
                 vpce_error_last());
        pause_ms(delay);
        spent += delay;
    }
    if (rc < 0) {
        AWS_COUNT(s->client, errors, 1);
        aws_http_response_release(resp);
    }
    return rc;
}

static void copy_etag(char etag[AWS_S3_ETAG_MAX], const aws_http_response *r)
{
    if (!etag)
        return;
    const char *e = header(r, "etag");
    snprintf(etag, AWS_S3_ETAG_MAX, "%s", e ? e : "");
}

int aws_s3_get(aws_s3 *s, const char *key, vpce_buf *body, char etag[AWS_S3_ETAG_MAX])
{
    aws_http_response resp;
    s3_call c = {.op = "GetObject", .method = "GET", .key = key, .max_response = s->max_object};
    vpce_buf_init(body, s->max_object);
    int rc = s3_run(s, &c, &resp, NULL, NULL);
    if (rc < 0)
        return rc;
    copy_etag(etag, &resp);
    *body = resp.body; /* hand the buffer over */
    memset(&resp.body, 0, sizeof(resp.body));
    aws_http_response_release(&resp);
    return 0;
}

int aws_s3_put(aws_s3 *s, const char *key, const void *body, size_t len,
               const aws_s3_put_opts *opts, char etag[AWS_S3_ETAG_MAX])
{
    aws_s3_put_opts none;
    memset(&none, 0, sizeof(none));
    if (!opts)
        opts = &none;
    if (len > s->max_object)
        return vpce_error_setc(VPCE_ETOOBIG,
                               "PutObject of %s: %zu bytes, more than the %zu allowed", key, len,
                               s->max_object);
    s3_header hs[6];
    size_t n = 0;
    hs[n++] = (s3_header){"Content-Type",
                          opts->content_type ? opts->content_type : "application/octet-stream"};
    if (opts->if_match)
        hs[n++] = (s3_header){"If-Match", opts->if_match};
    if (opts->if_none_match)
        hs[n++] = (s3_header){"If-None-Match", "*"};
    if (s->sse)
        hs[n++] = (s3_header){"x-amz-server-side-encryption", s->sse};
    if (s->sse && s->kms_key_id && strcmp(s->sse, "aws:kms") == 0)
        hs[n++] = (s3_header){"x-amz-server-side-encryption-aws-kms-key-id", s->kms_key_id};
    if (opts->write_id)
        hs[n++] = (s3_header){"x-amz-meta-vpce-write-id", opts->write_id};
    s3_call c = {.op = "PutObject",
                 .method = "PUT",
                 .key = key,
                 .body = body,
                 .body_len = len,
                 .headers = hs,
                 .nheaders = n,
                 .max_response = ERROR_BODY_MAX,
                 .write_id = opts->write_id};
    aws_http_response resp;
    bool landed = false;
    char landed_etag[AWS_S3_ETAG_MAX] = "";
    int rc = s3_run(s, &c, &resp, &landed, landed_etag);
    if (rc == VPCE_ESTALE && opts->if_none_match)
        rc = vpce_error_setc(VPCE_EEXISTS, "%s exists already", key);
    else if (rc == VPCE_ESTALE)
        rc = vpce_error_setc(VPCE_ESTALE, "%s changed since it was read (its ETag is no longer %s)",
                             key, opts->if_match);
    if (rc < 0)
        return rc;
    if (landed) {
        vpce_log(VPCE_LOG_DEBUG, "s3: PutObject %s had gone through before the retry", key);
        if (etag)
            snprintf(etag, AWS_S3_ETAG_MAX, "%s", landed_etag);
    } else {
        copy_etag(etag, &resp);
    }
    aws_http_response_release(&resp);
    return 0;
}

int aws_s3_delete(aws_s3 *s, const char *key)
{
    s3_call c = {
        .op = "DeleteObject", .method = "DELETE", .key = key, .max_response = ERROR_BODY_MAX};
    aws_http_response resp;
    int rc = s3_run(s, &c, &resp, NULL, NULL);
    if (rc == VPCE_ENOTFOUND)
        return 0;
    if (rc == 0)
        aws_http_response_release(&resp);
    return rc;
}

int aws_s3_head(aws_s3 *s, const char *key, char etag[AWS_S3_ETAG_MAX], json_t **meta)
{
    s3_call c = {.op = "HeadObject", .method = "HEAD", .key = key, .max_response = ERROR_BODY_MAX};
    aws_http_response resp;
    if (meta)
        *meta = NULL;
    int rc = s3_run(s, &c, &resp, NULL, NULL);
    if (rc < 0)
        return rc;
    copy_etag(etag, &resp);
    if (meta) {
        *meta = json_object();
        const char *name;
        json_t *v;
        json_object_foreach(resp.headers, name, v)
        {
            if (strncmp(name, "x-amz-meta-", 11) == 0)
                json_object_set(*meta, name + 11, v);
        }
    }
    aws_http_response_release(&resp);
    return 0;
}

/* Appends name=value, both encoded, to a query string. */
static int query_add(vpce_buf *q, const char *name, const char *value)
{
    int rc = q->len ? vpce_buf_putc(q, '&') : 0;
    if (rc == 0)
        rc = vpce_aws_uri_encode(q, name, strlen(name), false);
    if (rc == 0)
        rc = vpce_buf_putc(q, '=');
    if (rc == 0)
        rc = vpce_aws_uri_encode(q, value, strlen(value), false);
    return rc;
}

int aws_s3_list(aws_s3 *s, const char *prefix, json_t **keys)
{
    int rc = 0;
    json_t *out = json_array();
    char *token = NULL;
    *keys = NULL;
    for (int page = 0; page < 10000; page++) {
        vpce_buf q = VPCE_BUF_INIT(1u << 16);
        rc = query_add(&q, "list-type", "2");
        if (rc == 0)
            rc = query_add(&q, "prefix", prefix ? prefix : "");
        if (rc == 0 && token)
            rc = query_add(&q, "continuation-token", token);
        if (rc < 0) {
            vpce_buf_release(&q);
            rc = vpce_error_setc(VPCE_ETOOBIG, "ListObjectsV2: the prefix is too long");
            break;
        }
        s3_call c = {.op = "ListObjectsV2",
                     .method = "GET",
                     .query = vpce_buf_cstr(&q),
                     .max_response = LIST_BODY_MAX};
        aws_http_response resp;
        json_t *doc = NULL;
        vpce_aws_xml_error xerr;
        rc = s3_run(s, &c, &resp, NULL, NULL);
        vpce_buf_release(&q);
        if (rc < 0)
            break;
        rc = vpce_aws_xml_parse_rest(&doc, &xerr, "ListObjectsV2", "ListBucketResult", resp.status,
                                     resp.body.data, resp.body.len);
        aws_http_response_release(&resp);
        if (rc < 0)
            break;
        json_t *contents = json_object_get(doc, "Contents");
        if (json_is_object(contents)) {
            json_t *k = json_object_get(contents, "Key");
            if (json_is_string(k))
                json_array_append(out, k);
        } else {
            size_t i;
            json_t *item;
            json_array_foreach(contents, i, item)
            {
                json_t *k = json_object_get(item, "Key");
                if (json_is_string(k))
                    json_array_append(out, k);
            }
        }
        const char *trunc = json_string_value(json_object_get(doc, "IsTruncated"));
        const char *next = json_string_value(json_object_get(doc, "NextContinuationToken"));
        bool more = trunc && strcmp(trunc, "true") == 0 && next && *next;
        free(token);
        token = more ? vpce_strdup(next) : NULL;
        json_decref(doc);
        if (!more)
            break;
    }
    free(token);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *keys = out;
    return 0;
}
