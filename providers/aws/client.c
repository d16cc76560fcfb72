/*
 * providers/aws/client.c: the Query-protocol client, for EC2 and STS. Each call is paced (EC2:
 * token bucket of the action's category), signed with one snapshot of the credentials (refreshed
 * first when they expire within five minutes), sent, parsed, and retried as the SDKs' standard
 * mode does. Debug logs show each request's parameters and each answer, never a credential.
 */
#include "providers/aws/client_internal.h"
#include "providers/provider.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define LOG_BODY_MAX           2048
#define CREDS_REFRESH_MARGIN_S 300 /* refresh this long before expiry, as the SDKs do */
#define CREDS_WAIT_MARGIN_S    10  /* closer than this, wait for a refresh under way */

const aws_service aws_service_ec2 = {"EC2", "ec2", "2016-11-15", "AWS_ENDPOINT_URL_EC2", true};
const aws_service aws_service_sts = {"STS", "sts", "2011-06-15", "AWS_ENDPOINT_URL_STS", false};
/* S3 speaks REST-XML, not the Query protocol: its client (s3.c) only borrows the endpoint,
   credentials, limits and counters of a client made for this description. */
const aws_service aws_service_s3 = {"S3", "s3", NULL, "AWS_ENDPOINT_URL_S3", false};

struct vpce_aws_client {
    const aws_service *svc;
    char *region;
    char *endpoint;  /* scheme://authority[/path], no trailing slash */
    char *host;      /* authority, for the Host header */
    int max_retries; /* after the first attempt; 0: none */
    int64_t retry_max_time_ms;
    long connect_timeout_ms;
    long timeout_ms;
    long low_speed_limit;
    long low_speed_time_ms;
    size_t max_response_bytes;
    bool sign; /* false: requests go unsigned (AssumeRoleWithWebIdentity) */

    char *configured_endpoint;   /* endpoints { ec2 } as configured, for clients of other regions */
    vpce_aws_client *creds_from; /* a client of another region: its credentials are this one's */
    vpce_aws_rate_limits rate_limits; /* as configured, for clients of other regions */
    bool no_pacing;

    aws_chain *chain; /* how to get the credentials again; NULL: they never change */
    char source[256]; /* where the first credentials came from */
    pthread_mutex_t creds_lock;
    pthread_cond_t creds_cond;
    vpce_aws_creds creds;
    bool refreshing;     /* a thread is refreshing (without the lock) */
    char *refresh_error; /* the first failed refresh: no other is tried */
    bool have_identity;
    vpce_aws_identity identity;

    pthread_mutex_t pace_lock;
    pthread_cond_t pace_cond;
    bool pacing;  /* false: never paced (tests) */
    bool engaged; /* pacing from now on; under pace_lock */
    vpce_aws_bucket buckets[3];

    pthread_mutex_t stats_lock;
    vpce_aws_stats stats;

    pthread_mutex_t refused_lock;
    vpce_map *refused; /* "Action filter-name" -> non-NULL: filters the endpoint refused */
};

static __thread char tl_code[128];
static __thread long tl_status;

const char *vpce_aws_last_error_code(void)
{
    return tl_code;
}

long vpce_aws_last_http_status(void)
{
    return tl_status;
}

static char *refused_key(const char *action, const char *filter)
{
    return vpce_asprintf("%s %s", action, filter);
}

bool vpce_aws_client_refuse_filter(vpce_aws_client *c, const char *action, const char *filter)
{
    char *key = refused_key(action, filter);
    pthread_mutex_lock(&c->refused_lock);
    bool first = !vpce_map_has(c->refused, key);
    if (first)
        vpce_map_set(c->refused, key, c);
    pthread_mutex_unlock(&c->refused_lock);
    free(key);
    return first;
}

bool vpce_aws_client_filter_refused(vpce_aws_client *c, const char *action, const char *filter)
{
    char *key = refused_key(action, filter);
    pthread_mutex_lock(&c->refused_lock);
    bool has = vpce_map_has(c->refused, key);
    pthread_mutex_unlock(&c->refused_lock);
    free(key);
    return has;
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
    return c->source;
}

const char *vpce_aws_client_sts_endpoint(const vpce_aws_client *c)
{
    const aws_sts *sts = c->chain ? aws_chain_sts(c->chain) : NULL;
    return sts ? sts->endpoint : "";
}

int aws_endpoint_resolve(char **url, char **host, const aws_service *svc, const char *configured,
                         const char *region)
{
    *url = NULL;
    *host = NULL;
    const char *e = configured && *configured ? configured : NULL;
    if (!e)
        e = aws_env(svc->env_name);
    if (!e)
        e = aws_env("AWS_ENDPOINT_URL");
    char *u = e ? vpce_strdup(e)
                : vpce_asprintf("https://%s.%s.amazonaws.com", svc->signing_name,
                                region ? region : "us-east-1");
    size_t n = strlen(u);
    while (n && u[n - 1] == '/')
        u[--n] = '\0';
    const char *sep = strstr(u, "://");
    if (!sep || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)) {
        int rc = vpce_error_setc(VPCE_EINVALID,
                                 "invalid %s endpoint \"%s\": expected http:// or https:// URL",
                                 svc->label, u);
        free(u);
        return rc;
    }
    const char *auth = sep + 3;
    const char *slash = strchr(auth, '/');
    size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
    if (alen == 0 || memchr(auth, '@', alen) || strpbrk(u, " \r\n\t?#")) {
        int rc = vpce_error_setc(VPCE_EINVALID, "invalid %s endpoint \"%s\"", svc->label, u);
        free(u);
        return rc;
    }
    *host = vpce_strndup(auth, alen);
    *url = u;
    return 0;
}

/* A duration setting: the configured value when > 0, else the environment variable, else dflt. */
static int duration_setting(int64_t *out, long configured, const char *env, int64_t dflt)
{
    const char *s = aws_env(env);
    *out = dflt;
    if (configured > 0) {
        *out = configured;
    } else if (s && vpce_aws_parse_duration_ms(s, out) != 0) {
        return vpce_error_setc(VPCE_EINVALID,
                               "%s=\"%.40s\" is not a duration: give seconds (\"30\") or a number "
                               "with a unit (\"500ms\", \"30s\", \"10m\"), from 1 ms to 24 h",
                               env, s);
    }
    return 0;
}

/* The retry and time bounds of vpce_aws_config, from cfg, the environment or the defaults. */
static int retry_settings(vpce_aws_client *c, const vpce_aws_config *cfg)
{
    int64_t v = 0;
    int rc = 0;
    if (cfg->max_retries != 0) {
        c->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries;
    } else {
        /* The SDKs' variable counts attempts, the first included. */
        const char *s = aws_env("AWS_MAX_ATTEMPTS");
        char *end = NULL;
        long n = s ? strtol(s, &end, 10) : 0;
        if (s && (!end || *end != '\0' || n < 1 || n > 1000))
            return vpce_error_setc(VPCE_EINVALID,
                                   "AWS_MAX_ATTEMPTS=\"%.40s\" is not a number of attempts from 1 "
                                   "to 1000",
                                   s);
        c->max_retries = s ? (int)n - 1 : VPCE_AWS_DEFAULT_MAX_RETRIES;
    }
    if ((rc = duration_setting(&c->retry_max_time_ms, cfg->retry_max_time_ms,
                               "VPCE_AWS_RETRY_MAX_TIME", VPCE_AWS_DEFAULT_RETRY_MAX_TIME)) < 0)
        return rc;
    if ((rc = duration_setting(&v, cfg->connect_timeout_ms, "VPCE_HTTP_CONNECT_TIMEOUT", 10000)) <
        0)
        return rc;
    c->connect_timeout_ms = (long)v;
    if ((rc = duration_setting(&v, cfg->timeout_ms, "VPCE_HTTP_TIMEOUT", 60000)) < 0)
        return rc;
    c->timeout_ms = (long)v;
    if ((rc = duration_setting(&v, cfg->low_speed_time_ms, "VPCE_HTTP_LOW_SPEED_TIME",
                               AWS_HTTP_LOW_SPEED_TIME_MS)) < 0)
        return rc;
    /* libcurl measures the low-speed window in whole seconds */
    c->low_speed_time_ms = (long)((v + 999) / 1000 * 1000);
    c->low_speed_limit = cfg->low_speed_limit > 0 ? cfg->low_speed_limit : AWS_HTTP_LOW_SPEED_LIMIT;
    const char *s = cfg->low_speed_limit > 0 ? NULL : aws_env("VPCE_HTTP_LOW_SPEED_LIMIT");
    if (s) {
        char *end = NULL;
        long n = strtol(s, &end, 10);
        if (!end || *end != '\0' || n < 1 || n > 1000000000L)
            return vpce_error_setc(VPCE_EINVALID,
                                   "VPCE_HTTP_LOW_SPEED_LIMIT=\"%.40s\" is not a number of bytes "
                                   "per second from 1",
                                   s);
        c->low_speed_limit = n;
    }
    return 0;
}

/* True for AWS's own EC2 endpoints (ec2.REGION.amazonaws.com, FIPS, PrivateLink
 * *.vpce.amazonaws.com, the China, ISO and api.aws partitions): those whose request buckets AWS
 * publishes. */
static bool host_is_aws(const char *host)
{
    size_t n = strcspn(host, ":"); /* without the port */
    static const char *const suffixes[] = {".amazonaws.com", ".amazonaws.com.cn", ".api.aws",
                                           ".c2s.ic.gov", ".sc2s.sgov.gov"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strncasecmp(host + n - k, suffixes[i], k) == 0)
            return true;
    }
    return false;
}

static bool rate_limits_set(const vpce_aws_rate_limits *rl)
{
    return rl->endpoint_capacity > 0 || rl->endpoint_refill > 0 || rl->mutating_capacity > 0 ||
           rl->mutating_refill > 0 || rl->describe_capacity > 0 || rl->describe_refill > 0;
}

static double reserve(double capacity)
{
    return capacity >= 2 ? capacity - 1 : capacity;
}

static vpce_aws_client *client_alloc(const aws_service *svc)
{
    vpce_aws_client *c = vpce_calloc(1, sizeof(*c));
    c->svc = svc;
    c->sign = true;
    pthread_mutex_init(&c->creds_lock, NULL);
    pthread_cond_init(&c->creds_cond, NULL);
    pthread_mutex_init(&c->pace_lock, NULL);
    pthread_cond_init(&c->pace_cond, NULL);
    pthread_mutex_init(&c->stats_lock, NULL);
    pthread_mutex_init(&c->refused_lock, NULL);
    c->refused = vpce_map_new();
    return c;
}

int aws_client_new_fixed(vpce_aws_client **out, const aws_service *svc, const aws_sts *where,
                         const vpce_aws_creds *creds)
{
    vpce_aws_client *c = client_alloc(svc);
    *out = NULL;
    c->region = vpce_strdup(where->region);
    /* The caller's attempts and timeouts; the other bounds as every client's. */
    vpce_aws_config bounds;
    memset(&bounds, 0, sizeof(bounds));
    int attempts = where->max_attempts > 0 ? where->max_attempts : 5;
    bounds.max_retries = attempts > 1 ? attempts - 1 : -1;
    bounds.connect_timeout_ms = where->connect_timeout_ms;
    bounds.timeout_ms = where->timeout_ms;
    c->max_response_bytes = 1u << 20;
    int rc = retry_settings(c, &bounds);
    if (rc == 0)
        rc = aws_endpoint_resolve(&c->endpoint, &c->host, svc, where->endpoint, c->region);
    if (rc < 0) {
        vpce_aws_client_free(c);
        return rc;
    }
    if (creds) {
        vpce_aws_creds_copy(&c->creds, creds);
        snprintf(c->source, sizeof(c->source), "%s", creds->source);
    } else {
        c->sign = false;
        snprintf(c->source, sizeof(c->source), "none (unsigned requests)");
    }
    *out = c;
    return 0;
}

/* The client-side request buckets, from the configured rates (0: EC2's defaults). */
static void init_pacing(vpce_aws_client *c, const vpce_aws_rate_limits *limits, bool no_pacing)
{
    c->rate_limits = *limits;
    c->no_pacing = no_pacing;
    vpce_aws_rate_limits rl = *limits;
    vpce_aws_rate_limits_defaults(&rl);
    double scale = 1.0;
    const char *s = aws_env("VPCE_AWS_RATE_SCALE");
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
    c->pacing = !no_pacing;
    /*
     * AWS publishes EC2's buckets, so against AWS vpce keeps under them from the first request.
     * Another endpoint (an emulator, a test double) has limits of its own that nobody told us:
     * pacing it at EC2's rates would only make an apply that it answers at once take as long as
     * against EC2 (a few seconds per endpoint). There the buckets engage at the first throttling
     * answer, as the SDKs' adaptive retry mode does, unless rate limits were configured.
     */
    c->engaged = host_is_aws(c->host) || rate_limits_set(limits) || s != NULL;
}

int aws_client_new_service(vpce_aws_client **out, const aws_service *svc, const char *endpoint,
                           const vpce_aws_config *cfg)
{
    int rc = 0;
    vpce_aws_config dflt;
    memset(&dflt, 0, sizeof(dflt));
    if (!cfg)
        cfg = &dflt;
    vpce_aws_client *c = client_alloc(svc);
    *out = NULL;

    rc = retry_settings(c, cfg);
    if (rc < 0)
        goto cleanup;
    c->max_response_bytes = cfg->max_response_bytes ? cfg->max_response_bytes : (16u << 20);

    rc = vpce_aws_region_resolve(&c->region, cfg->region, cfg->profile);
    if (rc < 0)
        goto cleanup;
    rc = aws_endpoint_resolve(&c->endpoint, &c->host, svc, endpoint, c->region);
    if (rc < 0)
        goto cleanup;
    rc = aws_chain_new(&c->chain, cfg, c->region);
    if (rc < 0)
        goto cleanup;
    rc = aws_chain_resolve(c->chain, &c->creds);
    if (rc < 0)
        goto cleanup;
    snprintf(c->source, sizeof(c->source), "%s", c->creds.source);
    if (aws_chain_is_static(c->chain) || !c->creds.expiration) {
        /* Nothing to refresh; the chain is kept for its STS settings (identity). */
        c->creds.expiration = 0;
    }

    c->configured_endpoint = endpoint ? vpce_strdup(endpoint) : NULL;
    init_pacing(c, &cfg->rate_limits, cfg->no_pacing);
    vpce_log(VPCE_LOG_DEBUG, "aws: region %s, endpoint %s, credentials from %s%s, pacing %s",
             c->region, c->endpoint, c->source, c->chain ? " (refreshed before they expire)" : "",
             !c->pacing   ? "off"
             : c->engaged ? "at EC2's published rates"
                          : "from the first throttling answer");

cleanup:
    if (rc < 0) {
        vpce_aws_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int vpce_aws_client_for_region(vpce_aws_client **out, vpce_aws_client *base, const char *region)
{
    vpce_aws_client *c = client_alloc(&aws_service_ec2);
    *out = NULL;
    c->max_retries = base->max_retries;
    c->retry_max_time_ms = base->retry_max_time_ms;
    c->connect_timeout_ms = base->connect_timeout_ms;
    c->timeout_ms = base->timeout_ms;
    c->low_speed_limit = base->low_speed_limit;
    c->low_speed_time_ms = base->low_speed_time_ms;
    c->max_response_bytes = base->max_response_bytes;
    c->region = vpce_strdup(region);
    c->configured_endpoint =
        base->configured_endpoint ? vpce_strdup(base->configured_endpoint) : NULL;
    int rc = aws_endpoint_resolve(&c->endpoint, &c->host, &aws_service_ec2, c->configured_endpoint,
                                  region);
    if (rc < 0) {
        vpce_aws_client_free(c);
        return rc;
    }
    /* The credentials (and their refreshes) stay the base client's: one chain for all. */
    c->creds_from = base->creds_from ? base->creds_from : base;
    snprintf(c->source, sizeof(c->source), "%s", base->source);
    /* EC2's request limits are per region: this region gets buckets of its own. */
    init_pacing(c, &base->rate_limits, base->no_pacing);
    vpce_log(VPCE_LOG_DEBUG, "aws: region %s, endpoint %s, credentials of the %s client", c->region,
             c->endpoint, base->region);
    *out = c;
    return 0;
}

int vpce_aws_client_new(vpce_aws_client **out, const vpce_aws_config *cfg)
{
    return aws_client_new_service(out, &aws_service_ec2, cfg ? cfg->endpoint_ec2 : NULL, cfg);
}

void vpce_aws_client_free(vpce_aws_client *c)
{
    if (!c)
        return;
    vpce_log(VPCE_LOG_DEBUG,
             "aws: %llu calls, %llu requests (%llu retries, %llu throttled), %llu failed, %llu ms "
             "waiting for pacing",
             (unsigned long long)c->stats.calls, (unsigned long long)c->stats.requests,
             (unsigned long long)c->stats.retries, (unsigned long long)c->stats.throttles,
             (unsigned long long)c->stats.errors, (unsigned long long)c->stats.paced_ms);
    free(c->configured_endpoint);
    vpce_aws_creds_release(&c->creds);
    aws_chain_free(c->chain);
    free(c->refresh_error);
    free(c->region);
    free(c->endpoint);
    free(c->host);
    pthread_mutex_destroy(&c->creds_lock);
    pthread_cond_destroy(&c->creds_cond);
    pthread_mutex_destroy(&c->pace_lock);
    pthread_cond_destroy(&c->pace_cond);
    pthread_mutex_destroy(&c->stats_lock);
    pthread_mutex_destroy(&c->refused_lock);
    vpce_map_free(c->refused);
    free(c);
}

static void format_time(char *buf, size_t cap, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Copies the current credentials. When they expire within CREDS_REFRESH_MARGIN_S, one thread
 * resolves the chain again (without the lock) while the others keep using the current ones
 * until CREDS_WAIT_MARGIN_S before expiry, then wait for it. A failed refresh is kept: no other
 * is tried, the engine is asked to start nothing new (vpce_providers_request_stop), calls go on
 * with the current credentials until they expire and fail after that with the refresh's error.
 */
static int creds_snapshot(vpce_aws_client *c, vpce_aws_creds *out)
{
    if (c->creds_from)
        return creds_snapshot(c->creds_from, out);
    int rc = 0;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->creds_lock);
    for (bool refreshed = false; !refreshed;) {
        int64_t now = (int64_t)time(NULL);
        int64_t exp = c->creds.expiration;
        bool due = c->chain && exp && now + CREDS_REFRESH_MARGIN_S >= exp;
        if (!due)
            break;
        if (c->refresh_error) {
            if (now >= exp) {
                rc = vpce_error_setc(VPCE_ERROR, "%s", c->refresh_error);
                goto cleanup;
            }
            break;
        }
        if (c->refreshing) {
            if (now + CREDS_WAIT_MARGIN_S < exp)
                break; /* still good for a while: use them */
            pthread_cond_wait(&c->creds_cond, &c->creds_lock);
            continue;
        }
        c->refreshing = true;
        pthread_mutex_unlock(&c->creds_lock);
        char when[32];
        format_time(when, sizeof(when), exp);
        vpce_log(VPCE_LOG_DEBUG, "aws: credentials from %s expire at %s: refreshing", c->source,
                 when);
        vpce_aws_creds fresh;
        memset(&fresh, 0, sizeof(fresh));
        int frc = aws_chain_resolve(c->chain, &fresh);
        char *err = NULL;
        if (frc < 0) {
            err = vpce_asprintf("the credentials from %s expire at %s and could not be "
                                "refreshed: %s",
                                c->source, when, vpce_error_last());
            vpce_providers_request_stop(err);
        }
        pthread_mutex_lock(&c->creds_lock);
        c->refreshing = false;
        refreshed = true; /* once per call, even when STS gives short-lived credentials */
        if (frc == 0) {
            vpce_aws_creds_release(&c->creds);
            c->creds = fresh;
            format_time(when, sizeof(when), c->creds.expiration);
            vpce_log(VPCE_LOG_INFO, "aws: refreshed the credentials from %s (now valid until %s)",
                     c->source, when);
        } else {
            c->refresh_error = err;
            vpce_log(VPCE_LOG_ERROR, "aws: %s", err);
        }
        pthread_cond_broadcast(&c->creds_cond);
    }
    vpce_aws_creds_copy(out, &c->creds);
cleanup:
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
    while (c->engaged) {
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
    if (!c->engaged) {
        vpce_log(VPCE_LOG_DEBUG, "aws: %s was throttled; pacing requests from now on", action);
        c->engaged = true;
    }
    vpce_aws_bucket_drain(&c->buckets[vpce_aws_action_category(action)], vpce_now_ms());
    pthread_mutex_unlock(&c->pace_lock);
}

double aws_random01(void)
{
    static __thread unsigned int seed;
    if (seed == 0)
        seed = (unsigned int)(vpce_now_ms() ^ (int64_t)(uintptr_t)&seed ^ getpid());
    return (double)rand_r(&seed) / ((double)RAND_MAX + 1.0);
}

/* Request parameters that carry a secret (AssumeRoleWithWebIdentity's token). */
static bool secret_param(const char *name)
{
    return strcmp(name, "WebIdentityToken") == 0 || strcmp(name, "SAMLAssertion") == 0 ||
           strcmp(name, "TokenCode") == 0;
}

int aws_client_creds(vpce_aws_client *c, vpce_aws_creds *out)
{
    return creds_snapshot(c, out);
}

void aws_client_count(vpce_aws_client *c, size_t field_offset, uint64_t n)
{
    stat_add(c, (uint64_t *)((char *)&c->stats + field_offset), n);
}

void aws_client_bounds(const vpce_aws_client *c, aws_client_limits *out)
{
    out->max_retries = c->max_retries;
    out->retry_max_time_ms = c->retry_max_time_ms;
    out->connect_timeout_ms = c->connect_timeout_ms;
    out->timeout_ms = c->timeout_ms;
    out->low_speed_limit = c->low_speed_limit;
    out->low_speed_time_ms = c->low_speed_time_ms;
}

void aws_amz_date(char out[17])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

void aws_set_last_code(const char *code)
{
    set_code(code);
}

static void log_request(const vpce_aws_client *c, const char *action, int attempt,
                        const vpce_aws_params *params)
{
    if (!vpce_log_enabled(VPCE_LOG_DEBUG))
        return;
    vpce_buf b = VPCE_BUF_INIT(LOG_BODY_MAX);
    for (size_t i = 0; params && i < params->len; i++) {
        if (vpce_buf_printf(&b, " %s=%s", params->names[i],
                            secret_param(params->names[i]) ? "[redacted]" : params->values[i]) <
            0) {
            break;
        }
    }
    vpce_log(VPCE_LOG_DEBUG, "aws: -> %s%s%s (attempt %d)%s [%s: redacted]",
             c->svc->paced ? "" : c->svc->signing_name, c->svc->paced ? "" : ":", action, attempt,
             vpce_buf_cstr(&b),
             c->sign ? "Authorization, X-Amz-Security-Token" : "unsigned; tokens");
    vpce_buf_release(&b);
}

/* The elements whose text is a secret in an answer (STS's Credentials). */
static const char *const secret_elements[] = {"SecretAccessKey", "SessionToken",
                                              "WebIdentityToken"};

char *aws_redact_xml(const char *body, size_t len)
{
    vpce_buf b = VPCE_BUF_INIT(2 * len + 64);
    size_t i = 0;
    while (i < len) {
        bool done = false;
        for (size_t k = 0; k < sizeof(secret_elements) / sizeof(*secret_elements) && !done; k++) {
            const char *name = secret_elements[k];
            size_t nl = strlen(name);
            if (body[i] != '<' || i + 1 + nl >= len || strncmp(body + i + 1, name, nl) != 0)
                continue;
            const char *gt = memchr(body + i, '>', len - i);
            if (!gt)
                continue;
            size_t open_end = (size_t)(gt - body) + 1;
            /* The text runs to the next '<': everything up to it is hidden. */
            const char *lt = memchr(body + open_end, '<', len - open_end);
            size_t text_end = lt ? (size_t)(lt - body) : len;
            vpce_buf_append(&b, body + i, open_end - i);
            vpce_buf_puts(&b, "[redacted]");
            i = text_end;
            done = true;
        }
        if (!done) {
            vpce_buf_putc(&b, body[i]);
            i++;
        }
    }
    return vpce_buf_detach(&b);
}

/*
 * text with every occurrence of the client's secret access key and session token replaced by
 * "[redacted]", as a new string; NULL when neither occurs. An answer is the server's text, and a
 * proxy's error page may echo the request's headers: what vpce repeats of it goes through here.
 */
static char *redact_secrets(vpce_aws_client *c, const char *text)
{
    char *out = NULL;
    pthread_mutex_lock(&c->creds_lock);
    const char *secrets[] = {c->creds.secret_access_key, c->creds.session_token};
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        const char *sec = secrets[i];
        size_t n = sec ? strlen(sec) : 0;
        if (n < 4 || !strstr(out ? out : text, sec))
            continue;
        vpce_buf b = VPCE_BUF_INIT(1u << 20);
        const char *from = out ? out : text, *hit;
        while ((hit = strstr(from, sec)) != NULL) {
            vpce_buf_append(&b, from, (size_t)(hit - from));
            vpce_buf_puts(&b, "[redacted]");
            from = hit + n;
        }
        vpce_buf_puts(&b, from);
        free(out);
        out = vpce_buf_detach(&b);
    }
    pthread_mutex_unlock(&c->creds_lock);
    return out;
}

static void log_response(vpce_aws_client *c, const char *action, const aws_http_response *r)
{
    if (!vpce_log_enabled(VPCE_LOG_DEBUG))
        return;
    if (r->curl_code != CURLE_OK) {
        vpce_log(VPCE_LOG_DEBUG, "aws: <- %s%s%s transport error: %s",
                 c->svc->paced ? "" : c->svc->signing_name, c->svc->paced ? "" : ":", action,
                 r->error);
        return;
    }
    /* STS's credential elements hidden, then any echo of this client's own secrets. */
    char *text = aws_redact_xml(r->body.data ? r->body.data : "", r->body.len);
    size_t tl = strlen(text);
    char *head = vpce_strndup(text, tl > LOG_BODY_MAX ? LOG_BODY_MAX : tl);
    char *clean = redact_secrets(c, head);
    vpce_log(VPCE_LOG_DEBUG, "aws: <- %s%s%s HTTP %ld request-id %s: %s%s",
             c->svc->paced ? "" : c->svc->signing_name, c->svc->paced ? "" : ":", action, r->status,
             r->request_id[0] ? r->request_id : "-", clean ? clean : head,
             tl > LOG_BODY_MAX ? "..." : "");
    free(clean);
    free(head);
    free(text);
}

/* One exchange, signed with one snapshot of the credentials unless the client sends unsigned. */
static int send_once(vpce_aws_client *c, const char *action, const char *body, long timeout_ms,
                     aws_http_response *resp)
{
    int rc = 0;
    vpce_aws_creds cr;
    vpce_aws_sigv4 sig;
    memset(&sig, 0, sizeof(sig));
    memset(&cr, 0, sizeof(cr));
    char amz_date[17];
    char *h_date = NULL, *h_host = NULL, *h_auth = NULL, *h_tok = NULL, *url = NULL;

    if (c->sign) {
        rc = creds_snapshot(c, &cr);
        if (rc < 0)
            return rc;
    }
    aws_amz_date(amz_date);

    const char *path = strchr(strstr(c->endpoint, "://") + 3, '/');
    if (c->sign) {
        vpce_aws_header hs[4] = {
            {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
            {"Host", c->host},
            {"X-Amz-Date", amz_date},
            {"X-Amz-Security-Token", cr.session_token},
        };
        vpce_aws_sigv4_request sreq = {
            .method = "POST",
            .path = path ? path : "/",
            .headers = hs,
            .nheaders = cr.session_token ? 4 : 3,
            .body = body,
            .body_len = strlen(body),
        };
        rc = vpce_aws_sigv4_sign(&sig, &sreq, cr.access_key_id, cr.secret_access_key, NULL,
                                 c->region, c->svc->signing_name, amz_date);
        if (rc < 0)
            goto cleanup;
        h_auth = vpce_asprintf("Authorization: %s", sig.authorization);
        if (cr.session_token)
            h_tok = vpce_asprintf("X-Amz-Security-Token: %s", cr.session_token);
    }
    h_date = vpce_asprintf("X-Amz-Date: %s", amz_date);
    h_host = vpce_asprintf("Host: %s", c->host);
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                             h_host,
                             h_date,
                             h_auth,
                             h_tok,
                             NULL};
    if (!h_auth)
        headers[3] = NULL;
    url = path ? vpce_strdup(c->endpoint) : vpce_asprintf("%s/", c->endpoint);
    aws_http_request req = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = strlen(body),
        .connect_timeout_ms =
            c->connect_timeout_ms < timeout_ms ? c->connect_timeout_ms : timeout_ms,
        .timeout_ms = timeout_ms,
        .max_response_bytes = c->max_response_bytes,
        .fresh_connection = c->svc->paced && vpce_aws_action_category(action) != 2,
        .low_speed_limit = c->low_speed_limit,
        .low_speed_time_ms = c->low_speed_time_ms,
    };
    aws_http_perform(&req, resp);

cleanup:
    vpce_aws_sigv4_release(&sig);
    vpce_aws_creds_release(&cr);
    free(h_date);
    free(h_host);
    aws_free_secret(h_auth);
    aws_free_secret(h_tok);
    free(url);
    return rc;
}

static bool is_not_found(const char *code)
{
    size_t n = strlen(code);
    return (n >= 8 && strcmp(code + n - 8, "NotFound") == 0);
}

/* Sets the message of a transfer that failed, naming the bound and the setting of a timeout. */
int aws_client_transport_error(const vpce_aws_client *c, const char *action,
                               const aws_http_response *resp, long timeout_ms)
{
    switch (resp->timeout_kind) {
    case AWS_HTTP_CONNECT_TIMEOUT:
        return vpce_error_set(
            "request to %s for %s failed: no connection within %.3g s (%s)", c->svc->label, action,
            (double)(c->connect_timeout_ms < timeout_ms ? c->connect_timeout_ms : timeout_ms) /
                1000.0,
            timeout_ms < c->connect_timeout_ms ? "VPCE_AWS_RETRY_MAX_TIME"
                                               : "VPCE_HTTP_CONNECT_TIMEOUT");
    case AWS_HTTP_LOW_SPEED:
        return vpce_error_set("request to %s for %s failed: the answer stalled: less than %ld "
                              "byte%s/s for %.3g s (VPCE_HTTP_LOW_SPEED_LIMIT, "
                              "VPCE_HTTP_LOW_SPEED_TIME)",
                              c->svc->label, action, c->low_speed_limit,
                              c->low_speed_limit == 1 ? "" : "s",
                              (double)c->low_speed_time_ms / 1000.0);
    case AWS_HTTP_TOTAL_TIMEOUT:
        return vpce_error_set("request to %s for %s failed: no complete answer within %.3g s (%s)",
                              c->svc->label, action, (double)timeout_ms / 1000.0,
                              timeout_ms < c->timeout_ms ? "VPCE_AWS_RETRY_MAX_TIME"
                                                         : "VPCE_HTTP_TIMEOUT");
    default:
        return vpce_error_set("request to %s for %s failed: %s", c->svc->label, action,
                              resp->error);
    }
}

static int call(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                vpce_aws_probe_fn probe, void *probe_ud, unsigned flags, json_t **out_result)
{
    int rc = 0;
    bool outcome_unknown = false;
    /* Time spent on this call's attempts and the waits between them; waits for a pacing token
       are not counted (they are the account's budget, not this call's trouble). */
    int64_t spent = 0;
    json_t *result = NULL;
    char *body = vpce_aws_query_encode(action, c->svc->version, params);
    set_code("");
    tl_status = 0;
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
        log_request(c, action, attempt, params);
        stat_add(c, &c->stats.requests, 1);
        if (attempt > 1)
            stat_add(c, &c->stats.retries, 1);
        memset(&resp, 0, sizeof(resp));
        /* An attempt never runs past the call's time bound. */
        int64_t left = c->retry_max_time_ms - spent;
        long timeout = left < c->timeout_ms ? (long)(left > 1000 ? left : 1000) : c->timeout_ms;
        int64_t sent_at = vpce_now_ms();
        rc = send_once(c, action, body, timeout, &resp);
        spent += vpce_now_ms() - sent_at;
        if (rc < 0) {
            aws_http_response_release(&resp);
            goto cleanup;
        }
        log_response(c, action, &resp);
        if (resp.curl_code == CURLE_ABORTED_BY_CALLBACK) {
            /* Cancelled while waiting for the answer: the service may have acted on it. */
            aws_http_response_release(&resp);
            rc = vpce_error_setc(VPCE_EINTERRUPTED,
                                 "interrupted while waiting for %s's answer to %s", c->svc->label,
                                 action);
            break;
        }
        const char *code = "";
        if (resp.curl_code == CURLE_OK) {
            json_decref(result);
            result = NULL;
            rc = vpce_aws_xml_parse_service(&result, &xerr, c->svc->label, action, resp.status,
                                            resp.body.data, resp.body.len);
            code = xerr.code;
            if (rc == 0 && resp.status != 200) {
                json_decref(result);
                result = NULL;
                rc = vpce_error_setc(VPCE_EINVALID, "unexpected response from %s (HTTP %ld) to %s",
                                     c->svc->label, resp.status, action);
            }
        } else if (resp.too_big) {
            rc =
                vpce_error_setc(VPCE_ETOOBIG, "the response from %s to %s is larger than %zu bytes",
                                c->svc->label, action, c->max_response_bytes);
        } else {
            rc = aws_client_transport_error(c, action, &resp, timeout);
        }
        long status = resp.curl_code == CURLE_OK ? resp.status : 0;
        tl_status = status;
        vpce_aws_retry_kind kind = vpce_aws_retry_decide(status, resp.curl_code, code);
        if (rc == 0)
            kind = VPCE_AWS_NO_RETRY;
        /* The caller has another way to ask: an answer that looks like a missing feature rather
         * than a passing failure is not worth the whole backoff. */
        int max_retries = c->max_retries;
        if (rc < 0 && (flags & VPCE_AWS_CALL_HAS_FALLBACK) &&
            vpce_aws_retry_opaque_5xx(status, code) && max_retries > VPCE_AWS_FALLBACK_ATTEMPTS - 1)
            max_retries = VPCE_AWS_FALLBACK_ATTEMPTS - 1;
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
        int64_t delay = vpce_aws_backoff_ms(attempt, aws_random01(), VPCE_AWS_BACKOFF_BASE_MS,
                                            VPCE_AWS_BACKOFF_CAP_MS);
        if (attempt > max_retries || spent + delay >= c->retry_max_time_ms) {
            /* Keep the last message; say that retries ran out, and which bound. */
            rc = attempt > max_retries
                     ? vpce_error_setc(VPCE_ERETRY,
                                       "%s (gave up after %d attempts: max_retries "
                                       "is %d)",
                                       vpce_error_last(), attempt, max_retries)
                     : vpce_error_setc(VPCE_ERETRY,
                                       "%s (gave up after %d attempts in %.3g s: "
                                       "VPCE_AWS_RETRY_MAX_TIME)",
                                       vpce_error_last(), attempt, (double)spent / 1000.0);
            break;
        }
        vpce_log(VPCE_LOG_DEBUG, "aws: retrying %s in %lld ms (%s)", action, (long long)delay,
                 vpce_error_last());
        vpce_sleep_ms(delay);
        spent += delay;
    }
    if (rc < 0 && rc != VPCE_ERETRY && is_not_found(tl_code))
        rc = VPCE_ENOTFOUND;
    if (rc < 0) {
        char *clean = redact_secrets(c, vpce_error_last());
        if (clean)
            vpce_error_setc(rc, "%s", clean);
        free(clean);
    }

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
    return call(c, action, params, NULL, NULL, 0, out_result);
}

int vpce_aws_call_flags(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                        unsigned flags, json_t **out_result)
{
    return call(c, action, params, NULL, NULL, flags, out_result);
}

int vpce_aws_call_probed(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                         vpce_aws_probe_fn probe, void *probe_ud, json_t **out_result)
{
    return call(c, action, params, probe, probe_ud, 0, out_result);
}

int vpce_aws_call_paged(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                        const char *list_key, json_t **out_items)
{
    return vpce_aws_call_paged_flags(c, action, params, list_key, 0, out_items);
}

int vpce_aws_call_paged_flags(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                              const char *list_key, unsigned flags, json_t **out_items)
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
        rc = vpce_aws_call_flags(c, action, &p, flags, &res);
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
            rc = vpce_error_set("%s: %s returned the same NextToken twice", action, c->svc->label);
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

int vpce_aws_client_identity(vpce_aws_client *c, vpce_aws_identity *out)
{
    if (c->creds_from)
        return vpce_aws_client_identity(c->creds_from, out);
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->creds_lock);
    bool have = c->have_identity;
    if (have)
        *out = c->identity;
    pthread_mutex_unlock(&c->creds_lock);
    if (have)
        return 0;
    if (!c->chain)
        return vpce_error_setc(VPCE_EINVALID, "this client has no STS settings");
    vpce_aws_creds cr;
    int rc = creds_snapshot(c, &cr);
    if (rc < 0)
        return rc;
    const aws_sts *sts = aws_chain_sts(c->chain);
    rc = aws_sts_caller_identity(out, sts, &cr);
    vpce_aws_creds_release(&cr);
    if (rc < 0) {
        char *msg = vpce_strdup(vpce_error_last());
        vpce_error_setc(rc, "cannot validate the credentials from %s with STS (%s): %s", c->source,
                        sts->endpoint, msg);
        free(msg);
        return rc;
    }
    pthread_mutex_lock(&c->creds_lock);
    c->identity = *out;
    c->have_identity = true;
    pthread_mutex_unlock(&c->creds_lock);
    return 0;
}
