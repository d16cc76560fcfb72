/*
 * providers/aws/client.c: the EC2 client. Each call is paced (token bucket of the action's
 * category), signed, sent, parsed, and retried as the SDKs' standard mode does. Debug logs show
 * each request's parameters and each answer, never a credential.
 */
#include "providers/aws/client_internal.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define EC2_VERSION            "2016-11-15"
#define LOG_BODY_MAX           2048
#define CREDS_REFRESH_MARGIN_S 300

struct vpce_aws_client {
    char *region;
    char *endpoint; /* scheme://authority[/path], no trailing slash */
    char *host;     /* authority, for the Host header */
    char *profile;
    int max_attempts;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes;
    bool static_creds; /* from the provider block: never re-resolved */

    pthread_mutex_t creds_lock;
    vpce_aws_creds creds;

    pthread_mutex_t pace_lock;
    pthread_cond_t pace_cond;
    bool pacing;
    vpce_aws_bucket buckets[3];

    pthread_mutex_t stats_lock;
    vpce_aws_stats stats;
};

static __thread char tl_code[128];

const char *vpce_aws_last_error_code(void)
{
    return tl_code;
}

static void set_code(const char *code)
{
    snprintf(tl_code, sizeof(tl_code), "%s", code ? code : "");
}

static void stat_add(vpce_aws_client *c, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&c->stats_lock);
    *field += n;
    pthread_mutex_unlock(&c->stats_lock);
}

void vpce_aws_client_stats(const vpce_aws_client *c, vpce_aws_stats *out)
{
    vpce_aws_client *m = (vpce_aws_client *)c;
    pthread_mutex_lock(&m->stats_lock);
    *out = c->stats;
    pthread_mutex_unlock(&m->stats_lock);
}

const char *vpce_aws_client_region(const vpce_aws_client *c)
{
    return c->region;
}

const char *vpce_aws_client_endpoint(const vpce_aws_client *c)
{
    return c->endpoint;
}

const char *vpce_aws_client_creds_source(const vpce_aws_client *c)
{
    return c->creds.source;
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int set_endpoint(vpce_aws_client *c, const char *cfg_endpoint)
{
    const char *e = cfg_endpoint && *cfg_endpoint ? cfg_endpoint : NULL;
    if (!e)
        e = env_nonempty("AWS_ENDPOINT_URL_EC2");
    if (!e)
        e = env_nonempty("AWS_ENDPOINT_URL");
    if (e)
        c->endpoint = vpce_strdup(e);
    else
        c->endpoint = vpce_asprintf("https://ec2.%s.amazonaws.com", c->region);
    size_t n = strlen(c->endpoint);
    while (n && c->endpoint[n - 1] == '/')
        c->endpoint[--n] = '\0';
    const char *sep = strstr(c->endpoint, "://");
    if (!sep ||
        (strncmp(c->endpoint, "http://", 7) != 0 && strncmp(c->endpoint, "https://", 8) != 0)) {
        return vpce_error_setc(VPCE_EINVALID,
                               "invalid EC2 endpoint \"%s\": expected http:// or https:// URL",
                               c->endpoint);
    }
    const char *auth = sep + 3;
    const char *slash = strchr(auth, '/');
    size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
    if (alen == 0 || memchr(auth, '@', alen))
        return vpce_error_setc(VPCE_EINVALID, "invalid EC2 endpoint \"%s\"", c->endpoint);
    c->host = vpce_strndup(auth, alen);
    return 0;
}

static double reserve(double capacity)
{
    return capacity >= 2 ? capacity - 1 : capacity;
}

int vpce_aws_client_new(vpce_aws_client **out, const vpce_aws_config *cfg)
{
    int rc = 0;
    vpce_aws_config dflt;
    memset(&dflt, 0, sizeof(dflt));
    if (!cfg)
        cfg = &dflt;
    vpce_aws_client *c = vpce_calloc(1, sizeof(*c));
    pthread_mutex_init(&c->creds_lock, NULL);
    pthread_mutex_init(&c->pace_lock, NULL);
    pthread_cond_init(&c->pace_cond, NULL);
    pthread_mutex_init(&c->stats_lock, NULL);
    *out = NULL;

    c->profile = vpce_strdup(aws_profile_name(cfg->profile));
    c->max_attempts = cfg->max_retries > 0 ? cfg->max_retries : 5;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000;
    c->max_response_bytes = cfg->max_response_bytes ? cfg->max_response_bytes : (16u << 20);

    rc = vpce_aws_region_resolve(&c->region, cfg->region, cfg->profile);
    if (rc < 0)
        goto cleanup;
    rc = set_endpoint(c, cfg->endpoint_ec2);
    if (rc < 0)
        goto cleanup;

    if ((cfg->access_key && *cfg->access_key) || (cfg->secret_key && *cfg->secret_key)) {
        if (!cfg->access_key || !*cfg->access_key || !cfg->secret_key || !*cfg->secret_key) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "\"access_key\" and \"secret_key\" must be set together");
            goto cleanup;
        }
        c->creds.access_key_id = vpce_strdup(cfg->access_key);
        c->creds.secret_access_key = vpce_strdup(cfg->secret_key);
        c->creds.session_token =
            cfg->session_token && *cfg->session_token ? vpce_strdup(cfg->session_token) : NULL;
        snprintf(c->creds.source, sizeof(c->creds.source), "provider configuration");
        c->static_creds = true;
    } else {
        rc = vpce_aws_creds_resolve(&c->creds, cfg->profile);
        if (rc < 0)
            goto cleanup;
    }

    vpce_aws_rate_limits rl = cfg->rate_limits;
    vpce_aws_rate_limits_defaults(&rl);
    double scale = 1.0;
    const char *s = env_nonempty("VPCE_AWS_RATE_SCALE");
    if (s) {
        char *end = NULL;
        double v = strtod(s, &end);
        if (end && *end == '\0' && v > 0)
            scale = v;
    }
    /*
     * One token of each bucket is kept in reserve: a sequence our smaller bucket admits is then
     * admitted by EC2's bucket of the same rate even when requests reach EC2 up to one refill
     * interval closer together than they left (threads, network jitter).
     */
    int64_t now = vpce_now_ms();
    vpce_aws_bucket_init(&c->buckets[0], reserve(rl.endpoint_capacity), rl.endpoint_refill * scale,
                         now);
    vpce_aws_bucket_init(&c->buckets[1], reserve(rl.mutating_capacity), rl.mutating_refill * scale,
                         now);
    vpce_aws_bucket_init(&c->buckets[2], reserve(rl.describe_capacity), rl.describe_refill * scale,
                         now);
    c->pacing = !cfg->no_pacing;
    vpce_log(VPCE_LOG_DEBUG, "aws: region %s, endpoint %s, credentials from %s", c->region,
             c->endpoint, c->creds.source);

cleanup:
    if (rc < 0) {
        vpce_aws_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void vpce_aws_client_free(vpce_aws_client *c)
{
    if (!c)
        return;
    vpce_aws_creds_release(&c->creds);
    free(c->region);
    free(c->endpoint);
    free(c->host);
    free(c->profile);
    pthread_mutex_destroy(&c->creds_lock);
    pthread_mutex_destroy(&c->pace_lock);
    pthread_cond_destroy(&c->pace_cond);
    pthread_mutex_destroy(&c->stats_lock);
    free(c);
}

/* Copies the current credentials, refreshing them first when they expire soon. */
static int creds_snapshot(vpce_aws_client *c, vpce_aws_creds *out)
{
    int rc = 0;
    pthread_mutex_lock(&c->creds_lock);
    if (!c->static_creds && c->creds.expiration &&
        (int64_t)time(NULL) + CREDS_REFRESH_MARGIN_S >= c->creds.expiration) {
        vpce_aws_creds fresh;
        rc = vpce_aws_creds_resolve(&fresh, c->profile);
        if (rc == 0) {
            vpce_aws_creds_release(&c->creds);
            c->creds = fresh;
        }
    }
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        out->access_key_id = vpce_strdup(c->creds.access_key_id);
        out->secret_access_key = vpce_strdup(c->creds.secret_access_key);
        out->session_token = c->creds.session_token ? vpce_strdup(c->creds.session_token) : NULL;
    }
    pthread_mutex_unlock(&c->creds_lock);
    return rc;
}

/* Waits for a token of the action's bucket. */
static void pace(vpce_aws_client *c, const char *action)
{
    if (!c->pacing)
        return;
    int cat = vpce_aws_action_category(action);
    int64_t start = vpce_now_ms();
    pthread_mutex_lock(&c->pace_lock);
    for (;;) {
        int64_t wait = vpce_aws_bucket_take(&c->buckets[cat], vpce_now_ms());
        if (wait == 0 || vpce_cancel_requested())
            break;
        if (wait > 100)
            wait = 100; /* to notice a cancellation */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&c->pace_cond, &c->pace_lock, &ts);
    }
    pthread_mutex_unlock(&c->pace_lock);
    int64_t waited = vpce_now_ms() - start;
    if (waited > 0)
        stat_add(c, &c->stats.paced_ms, (uint64_t)waited);
}

static void drain(vpce_aws_client *c, const char *action)
{
    if (!c->pacing)
        return;
    pthread_mutex_lock(&c->pace_lock);
    vpce_aws_bucket_drain(&c->buckets[vpce_aws_action_category(action)], vpce_now_ms());
    pthread_mutex_unlock(&c->pace_lock);
}

static double random01(void)
{
    static __thread unsigned int seed;
    if (seed == 0)
        seed = (unsigned int)(vpce_now_ms() ^ (int64_t)(uintptr_t)&seed ^ getpid());
    return (double)rand_r(&seed) / ((double)RAND_MAX + 1.0);
}

static void log_request(const char *action, int attempt, const vpce_aws_params *params)
{
    if (!vpce_log_enabled(VPCE_LOG_DEBUG))
        return;
    vpce_buf b = VPCE_BUF_INIT(LOG_BODY_MAX);
    for (size_t i = 0; params && i < params->len; i++) {
        if (vpce_buf_printf(&b, " %s=%s", params->names[i], params->values[i]) < 0) {
            break;
        }
    }
    vpce_log(VPCE_LOG_DEBUG,
             "aws: -> %s (attempt %d)%s [Authorization, X-Amz-Security-Token: "
             "redacted]",
             action, attempt, vpce_buf_cstr(&b));
    vpce_buf_release(&b);
}

static void log_response(const char *action, const aws_http_response *r)
{
    if (!vpce_log_enabled(VPCE_LOG_DEBUG))
        return;
    if (r->curl_code != CURLE_OK) {
        vpce_log(VPCE_LOG_DEBUG, "aws: <- %s transport error: %s", action, r->error);
        return;
    }
    int n = r->body.len > LOG_BODY_MAX ? LOG_BODY_MAX : (int)r->body.len;
    vpce_log(VPCE_LOG_DEBUG, "aws: <- %s HTTP %ld request-id %s: %.*s%s", action, r->status,
             r->request_id[0] ? r->request_id : "-", n, r->body.data ? r->body.data : "",
             r->body.len > LOG_BODY_MAX ? "..." : "");
}

/* One signed exchange. */
static int send_once(vpce_aws_client *c, const char *action, const char *body,
                     aws_http_response *resp)
{
    int rc = 0;
    vpce_aws_creds cr;
    vpce_aws_sigv4 sig;
    memset(&sig, 0, sizeof(sig));
    char amz_date[17];
    char *h_date = NULL, *h_host = NULL, *h_auth = NULL, *h_tok = NULL, *url = NULL;

    rc = creds_snapshot(c, &cr);
    if (rc < 0)
        return rc;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);

    const char *path = strchr(strstr(c->endpoint, "://") + 3, '/');
    vpce_aws_header hs[4] = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"Host", c->host},
        {"X-Amz-Date", amz_date},
        {"X-Amz-Security-Token", cr.session_token},
    };
    vpce_aws_sigv4_request sreq = {"POST", path ? path : "/", NULL, hs, cr.session_token ? 4 : 3,
                                   body,   strlen(body)};
    rc = vpce_aws_sigv4_sign(&sig, &sreq, cr.access_key_id, cr.secret_access_key, NULL, c->region,
                             "ec2", amz_date);
    if (rc < 0)
        goto cleanup;
    h_date = vpce_asprintf("X-Amz-Date: %s", amz_date);
    h_host = vpce_asprintf("Host: %s", c->host);
    h_auth = vpce_asprintf("Authorization: %s", sig.authorization);
    if (cr.session_token)
        h_tok = vpce_asprintf("X-Amz-Security-Token: %s", cr.session_token);
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                             h_host,
                             h_date,
                             h_auth,
                             h_tok,
                             NULL};
    url = path ? vpce_strdup(c->endpoint) : vpce_asprintf("%s/", c->endpoint);
    aws_http_request req = {"POST",
                            url,
                            headers,
                            body,
                            strlen(body),
                            c->connect_timeout_ms,
                            c->timeout_ms,
                            c->max_response_bytes,
                            vpce_aws_action_category(action) != 2};
    aws_http_perform(&req, resp);

cleanup:
    vpce_aws_sigv4_release(&sig);
    vpce_aws_creds_release(&cr);
    free(h_date);
    free(h_host);
    if (h_auth)
        OPENSSL_cleanse(h_auth, strlen(h_auth));
    free(h_auth);
    if (h_tok)
        OPENSSL_cleanse(h_tok, strlen(h_tok));
    free(h_tok);
    free(url);
    return rc;
}

static bool is_not_found(const char *code)
{
    size_t n = strlen(code);
    return (n >= 8 && strcmp(code + n - 8, "NotFound") == 0);
}

static int call(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                vpce_aws_probe_fn probe, void *probe_ud, json_t **out_result)
{
    int rc = 0;
    bool outcome_unknown = false;
    json_t *result = NULL;
    char *body = vpce_aws_query_encode(action, EC2_VERSION, params);
    set_code("");
    if (out_result)
        *out_result = NULL;
    stat_add(c, &c->stats.calls, 1);
    if (!body) {
        rc = VPCE_ETOOBIG;
        goto cleanup;
    }
    for (int attempt = 1;; attempt++) {
        aws_http_response resp;
        vpce_aws_xml_error xerr;
        memset(&xerr, 0, sizeof(xerr));
        if (vpce_cancel_requested()) {
            rc = vpce_error_setc(VPCE_EINTERRUPTED, "interrupted: %s was not sent", action);
            break;
        }
        if (probe && outcome_unknown) {
            /* The last attempt may have gone through: ask before sending it again. */
            json_t *found = NULL;
            int prc = probe(probe_ud, &found);
            if (prc == 0 && found) {
                vpce_log(VPCE_LOG_DEBUG, "aws: %s had gone through; not sent again", action);
                json_decref(result);
                result = found;
                rc = 0;
                set_code("");
                break;
            }
            json_decref(found);
        }
        pace(c, action);
        if (vpce_cancel_requested()) {
            rc = vpce_error_setc(VPCE_EINTERRUPTED, "interrupted: %s was not sent", action);
            break;
        }
        log_request(action, attempt, params);
        stat_add(c, &c->stats.requests, 1);
        if (attempt > 1)
            stat_add(c, &c->stats.retries, 1);
        memset(&resp, 0, sizeof(resp));
        rc = send_once(c, action, body, &resp);
        if (rc < 0) {
            aws_http_response_release(&resp);
            goto cleanup;
        }
        log_response(action, &resp);
        if (resp.curl_code == CURLE_ABORTED_BY_CALLBACK) {
            /* Cancelled while waiting for the answer: EC2 may have acted on it. */
            aws_http_response_release(&resp);
            rc = vpce_error_setc(VPCE_EINTERRUPTED,
                                 "interrupted while waiting for EC2's answer to %s", action);
            break;
        }
        const char *code = "";
        if (resp.curl_code == CURLE_OK) {
            json_decref(result);
            result = NULL;
            rc = vpce_aws_xml_parse(&result, &xerr, action, resp.status, resp.body.data,
                                    resp.body.len);
            code = xerr.code;
            if (rc == 0 && resp.status != 200) {
                json_decref(result);
                result = NULL;
                rc = vpce_error_setc(VPCE_EINVALID, "unexpected response from EC2 (HTTP %ld) to %s",
                                     resp.status, action);
            }
        } else if (resp.too_big) {
            rc = vpce_error_setc(VPCE_ETOOBIG,
                                 "the response from EC2 to %s is larger than %zu bytes", action,
                                 c->max_response_bytes);
        } else {
            rc = vpce_error_set("request to EC2 for %s failed: %s", action, resp.error);
        }
        vpce_aws_retry_kind kind = vpce_aws_retry_decide(
            resp.curl_code == CURLE_OK ? resp.status : 0, resp.curl_code, code);
        if (rc == 0)
            kind = VPCE_AWS_NO_RETRY;
        /* Throttled requests were refused; a broken transfer or a 5xx may have been applied. */
        outcome_unknown = kind == VPCE_AWS_RETRY_TRANSIENT;
        if (kind == VPCE_AWS_RETRY_THROTTLE) {
            stat_add(c, &c->stats.throttles, 1);
            drain(c, action);
        }
        aws_http_response_release(&resp);
        if (rc < 0)
            set_code(code);
        if (rc == 0 || kind == VPCE_AWS_NO_RETRY)
            break;
        if (attempt >= c->max_attempts) {
            /* Keep the last message; say that retries ran out. */
            char *msg = vpce_strdup(vpce_error_last());
            rc = vpce_error_setc(VPCE_ERETRY, "%s (gave up after %d attempts)", msg, attempt);
            free(msg);
            break;
        }
        int64_t delay = vpce_aws_backoff_ms(attempt, random01(), VPCE_AWS_BACKOFF_BASE_MS,
                                            VPCE_AWS_BACKOFF_CAP_MS);
        vpce_log(VPCE_LOG_DEBUG, "aws: retrying %s in %lld ms (%s)", action, (long long)delay,
                 vpce_error_last());
        vpce_sleep_ms(delay);
    }
    if (rc < 0 && rc != VPCE_ERETRY && is_not_found(tl_code))
        rc = VPCE_ENOTFOUND;

cleanup:
    free(body);
    if (rc < 0) {
        stat_add(c, &c->stats.errors, 1);
        json_decref(result);
        return rc;
    }
    if (out_result)
        *out_result = result;
    else
        json_decref(result);
    return 0;
}

int vpce_aws_call(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                  json_t **out_result)
{
    return call(c, action, params, NULL, NULL, out_result);
}

int vpce_aws_call_probed(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                         vpce_aws_probe_fn probe, void *probe_ud, json_t **out_result)
{
    return call(c, action, params, probe, probe_ud, out_result);
}

int vpce_aws_call_paged(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                        const char *list_key, json_t **out_items)
{
    int rc = 0;
    json_t *items = json_array();
    char *token = NULL;
    *out_items = NULL;
    for (int page = 0;; page++) {
        if (page >= 100000) {
            rc = vpce_error_set("%s: too many pages", action);
            goto cleanup;
        }
        vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
        for (size_t i = 0; params && i < params->len; i++) {
            if (strcmp(params->names[i], "NextToken") != 0)
                vpce_aws_params_add(&p, params->names[i], params->values[i]);
        }
        if (token)
            vpce_aws_params_add(&p, "NextToken", token);
        json_t *res = NULL;
        rc = vpce_aws_call(c, action, &p, &res);
        vpce_aws_params_release(&p);
        if (rc < 0)
            goto cleanup;
        json_t *list = json_object_get(res, list_key);
        if (json_is_array(list))
            json_array_extend(items, list);
        else if (json_is_object(list))
            json_array_append(items, list);
        const char *next = json_string_value(json_object_get(res, "nextToken"));
        if (!next)
            next = json_string_value(json_object_get(res, "NextToken"));
        if (!next || !*next) {
            json_decref(res);
            break;
        }
        if (token && strcmp(token, next) == 0) {
            json_decref(res);
            rc = vpce_error_set("%s: EC2 returned the same NextToken twice", action);
            goto cleanup;
        }
        free(token);
        token = vpce_strdup(next);
        json_decref(res);
    }

cleanup:
    free(token);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out_items = items;
    return 0;
}
