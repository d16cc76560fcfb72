/*
 * providers/aws/provider.c: the configured "aws" provider: the client made from the provider
 * block, per-endpoint locks, and the endpoint waiter shared by every worker thread.
 */
#include "providers/aws/provider.h"

#include <pthread.h>
#include <string.h>

/* One thread waiting for one endpoint. */
struct waiter {
    const char *id;
    bool want_gone;
    bool done;
    int rc;
    char *error;
    json_t *ep;       /* last description seen */
    int64_t due_ms;   /* next time this waiter wants a poll */
    int64_t interval; /* current backoff */
    int64_t missing_since;
    struct waiter *next;
};

struct vpce_provider {
    vpce_aws_client *client;
    json_t *default_tags;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    vpce_map *endpoint_locks; /* id -> struct endpoint_lock* */
    struct waiter *waiters;
    bool polling; /* one thread polls for every waiter */
};

struct endpoint_lock {
    bool held;
    int users;
};

#define FIRST_POLL_MS    0
#define MIN_INTERVAL_MS  200
#define MAX_INTERVAL_MS  5000
#define INVISIBLE_MAX_MS 60000 /* how long a new endpoint may be missing from Describe */

static const char *str_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static double num_or_zero(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return vpce_is_number(v) ? vpce_number(v) : 0;
}

int vpce_aws_configure(vpce_provider **out, const json_t *config)
{
    *out = NULL;
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    const json_t *endpoints = json_object_get(config, "endpoints");
    const json_t *limits = json_object_get(config, "rate_limits");
    const json_t *dtags = json_object_get(config, "default_tags");
    if (json_is_array(endpoints))
        endpoints = json_array_get(endpoints, 0);
    if (json_is_array(limits))
        limits = json_array_get(limits, 0);
    if (json_is_array(dtags))
        dtags = json_array_get(dtags, 0);
    cfg.region = str_or_null(config, "region");
    cfg.profile = str_or_null(config, "profile");
    cfg.access_key = str_or_null(config, "access_key");
    cfg.secret_key = str_or_null(config, "secret_key");
    cfg.session_token = str_or_null(config, "token");
    cfg.max_retries = (int)num_or_zero(config, "max_retries");
    if (endpoints)
        cfg.endpoint_ec2 = str_or_null(endpoints, "ec2");
    if (limits) {
        cfg.rate_limits.endpoint_capacity = num_or_zero(limits, "endpoint_capacity");
        cfg.rate_limits.endpoint_refill = num_or_zero(limits, "endpoint_refill");
        cfg.rate_limits.mutating_capacity = num_or_zero(limits, "mutating_capacity");
        cfg.rate_limits.mutating_refill = num_or_zero(limits, "mutating_refill");
        cfg.rate_limits.describe_capacity = num_or_zero(limits, "describe_capacity");
        cfg.rate_limits.describe_refill = num_or_zero(limits, "describe_refill");
    }
    vpce_aws_client *client = NULL;
    int rc = vpce_aws_client_new(&client, &cfg);
    if (rc)
        return rc;
    vpce_provider *p = vpce_calloc(1, sizeof(*p));
    p->client = client;
    const json_t *tags = dtags ? json_object_get(dtags, "tags") : NULL;
    p->default_tags = json_is_object(tags) ? json_deep_copy(tags) : json_object();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->endpoint_locks = vpce_map_new();
    *out = p;
    return 0;
}

void vpce_aws_provider_free(vpce_provider *p)
{
    if (!p)
        return;
    size_t it = 0;
    void *v;
    while (vpce_map_next(p->endpoint_locks, &it, NULL, &v))
        free(v);
    vpce_map_free(p->endpoint_locks);
    json_decref(p->default_tags);
    vpce_aws_client_free(p->client);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

vpce_aws_client *vpce_aws_provider_client(vpce_provider *p)
{
    return p->client;
}

const char *vpce_aws_provider_region(vpce_provider *p)
{
    return vpce_aws_client_region(p->client);
}

const json_t *vpce_aws_provider_default_tags(vpce_provider *p)
{
    return p->default_tags;
}

void vpce_aws_endpoint_lock(vpce_provider *p, const char *endpoint_id)
{
    pthread_mutex_lock(&p->mu);
    struct endpoint_lock *l = vpce_map_get(p->endpoint_locks, endpoint_id);
    if (!l) {
        l = vpce_calloc(1, sizeof(*l));
        vpce_map_set(p->endpoint_locks, endpoint_id, l);
    }
    l->users++;
    while (l->held)
        pthread_cond_wait(&p->cond, &p->mu);
    l->held = true;
    pthread_mutex_unlock(&p->mu);
}

void vpce_aws_endpoint_unlock(vpce_provider *p, const char *endpoint_id)
{
    pthread_mutex_lock(&p->mu);
    struct endpoint_lock *l = vpce_map_get(p->endpoint_locks, endpoint_id);
    VPCE_ASSERT(l && l->held);
    l->held = false;
    l->users--;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

/* Marks w finished. Called with p->mu held. */
static void finish(struct waiter *w, int rc, const char *error, json_t *ep)
{
    w->done = true;
    w->rc = rc;
    if (error)
        w->error = vpce_strdup(error);
    json_decref(w->ep);
    w->ep = ep ? json_incref(ep) : NULL;
}

/* Applies one poll's answer to every waiter whose id was asked about. Called with p->mu held. */
static void settle(struct waiter *asked, json_t *items, int64_t now)
{
    for (struct waiter *w = asked; w; w = w->next) {
        if (w->done || w->due_ms > now)
            continue;
        json_t *ep = NULL, *item;
        size_t i;
        json_array_foreach(items, i, item)
        {
            const char *id = str_or_null(item, "vpcEndpointId");
            if (id && strcmp(id, w->id) == 0)
                ep = item;
        }
        const char *st = ep ? str_or_null(ep, "state") : NULL;
        if (w->want_gone) {
            if (!ep || (st && strcasecmp(st, "deleted") == 0)) {
                finish(w, 0, NULL, NULL);
                continue;
            }
        } else if (!ep) {
            if (!w->missing_since)
                w->missing_since = now;
            if (now - w->missing_since > INVISIBLE_MAX_MS) {
                char *msg = vpce_asprintf("InvalidVpcEndpointId.NotFound: endpoint %s did not "
                                          "appear in DescribeVpcEndpoints",
                                          w->id);
                finish(w, VPCE_ENOTFOUND, msg, NULL);
                free(msg);
                continue;
            }
        } else if (st &&
                   (strcasecmp(st, "available") == 0 || strcasecmp(st, "pendingAcceptance") == 0)) {
            finish(w, 0, NULL, ep);
            continue;
        } else if (st && (strcasecmp(st, "failed") == 0 || strcasecmp(st, "rejected") == 0 ||
                          strcasecmp(st, "deleted") == 0 || strcasecmp(st, "expired") == 0)) {
            const json_t *le = json_object_get(ep, "lastError");
            const char *code = le ? str_or_null(le, "code") : NULL;
            const char *message = le ? str_or_null(le, "message") : NULL;
            char *msg = vpce_asprintf("endpoint %s is %s: %s%s%s", w->id, st,
                                      code ? code : "no error reported", message ? ": " : "",
                                      message ? message : "");
            finish(w, VPCE_ERROR, msg, ep);
            free(msg);
            continue;
        }
        /* Not there yet: back off. */
        w->interval = w->interval ? w->interval * 2 : MIN_INTERVAL_MS;
        if (w->interval > MAX_INTERVAL_MS)
            w->interval = MAX_INTERVAL_MS;
        w->due_ms = now + w->interval;
    }
}

/* One DescribeVpcEndpoints for every waiter that is due. Called with p->mu held; drops it
 * during the request. */
static int poll_once(vpce_provider *p, int64_t now)
{
    vpce_vec ids = VPCE_VEC_INIT;
    for (struct waiter *w = p->waiters; w; w = w->next)
        if (!w->done)
            vpce_vec_push(&ids, vpce_strdup(w->id));
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add_filter(&params, "vpc-endpoint-id", (const char *const *)ids.items, ids.len);
    pthread_mutex_unlock(&p->mu);
    json_t *items = NULL;
    int rc =
        vpce_aws_call_paged(p->client, "DescribeVpcEndpoints", &params, "vpcEndpointSet", &items);
    char *error = rc ? vpce_strdup(vpce_error_last()) : NULL;
    pthread_mutex_lock(&p->mu);
    if (rc == 0)
        settle(p->waiters, items, now);
    else
        for (struct waiter *w = p->waiters; w; w = w->next)
            if (!w->done)
                finish(w, rc, error, NULL);
    free(error);
    json_decref(items);
    vpce_aws_params_release(&params);
    for (size_t i = 0; i < ids.len; i++)
        free(ids.items[i]);
    vpce_vec_release(&ids);
    return rc;
}

static void unlink_waiter(vpce_provider *p, struct waiter *w)
{
    for (struct waiter **pp = &p->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

static void timespec_at(struct timespec *ts, int64_t ms_from_now)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms_from_now / 1000;
    ts->tv_nsec += (ms_from_now % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

int vpce_aws_wait_endpoint(vpce_provider *p, const char *id, bool want_gone, int64_t timeout_ms,
                           json_t **out_ep)
{
    if (out_ep)
        *out_ep = NULL;
    int64_t start = vpce_now_ms();
    struct waiter w = {0};
    w.id = id;
    w.want_gone = want_gone;
    w.due_ms = start + FIRST_POLL_MS;
    pthread_mutex_lock(&p->mu);
    w.next = p->waiters;
    p->waiters = &w;
    pthread_cond_broadcast(&p->cond); /* a sleeping poller may need to poll sooner */
    while (!w.done) {
        int64_t now = vpce_now_ms();
        if (now - start > timeout_ms) {
            char *msg = vpce_asprintf("timed out after %llds waiting for endpoint %s to %s",
                                      (long long)(timeout_ms / 1000), id,
                                      want_gone ? "be deleted" : "become available");
            finish(&w, VPCE_ERROR, msg, NULL);
            free(msg);
            break;
        }
        if (p->polling) {
            struct timespec ts;
            timespec_at(&ts, 1000);
            pthread_cond_timedwait(&p->cond, &p->mu, &ts);
            continue;
        }
        /* Become the poller: sleep until the earliest due waiter, then ask about all of them. */
        int64_t due = INT64_MAX;
        for (struct waiter *x = p->waiters; x; x = x->next)
            if (!x->done && x->due_ms < due)
                due = x->due_ms;
        if (due > now) {
            struct timespec ts;
            timespec_at(&ts, due - now);
            pthread_cond_timedwait(&p->cond, &p->mu, &ts);
            continue;
        }
        p->polling = true;
        poll_once(p, now);
        p->polling = false;
        pthread_cond_broadcast(&p->cond);
    }
    unlink_waiter(p, &w);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    int rc = w.rc;
    if (rc)
        vpce_error_setc(rc, "%s", w.error ? w.error : "waiting for the endpoint failed");
    if (out_ep)
        *out_ep = w.ep;
    else
        json_decref(w.ep);
    free(w.error);
    return rc;
}
