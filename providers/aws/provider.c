/*
 * providers/aws/provider.c: the configured "aws" provider: the client made from the provider
 * block, per-endpoint locks, the endpoint waiter shared by every worker thread, and the queue
 * that folds every change to one endpoint into as few ModifyVpcEndpoint calls as possible.
 */
#include "providers/aws/provider.h"
#include "providers/aws/res_common.h"

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
    bool in_poll; /* its id is in the poll under way: only then does an answer speak of it */
    struct waiter *next;
};

struct vpce_provider {
    vpce_aws_client *client;
    json_t *default_tags;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    vpce_map *endpoint_locks; /* id -> struct endpoint_lock* */
    struct waiter *waiters;
    bool polling;        /* one thread polls for every waiter */
    vpce_map *fold_open; /* endpoint id -> struct fold* still accepting changes */
    uint64_t modifies;   /* ModifyVpcEndpoint calls sent */
    /* Instances for objects of other regions (the per-resource `region` argument): region ->
       struct vpce_provider*, made on first use under regions_mu; each has a client of its own
       region signing with this instance's credentials. NULL in those instances themselves. */
    vpce_map *regions;
    pthread_mutex_t regions_mu;
    struct vpce_provider *parent; /* the configured instance, for those of other regions */
};

struct endpoint_lock {
    bool held;
    int users;
};

#define FIRST_POLL_MS    0
#define MIN_INTERVAL_MS  100
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

/* A provider-block duration ("1h") in seconds for STS, checked against STS's 15m..12h. */
static int config_duration(int *out, const json_t *block, const char *what)
{
    *out = 0;
    const char *d = str_or_null(block, "duration");
    if (!d)
        return 0;
    int64_t ms = vpce_aws_parse_duration(d);
    if (ms < 0 || ms % 1000 != 0 || ms < 900000 || ms > 43200000)
        return vpce_error_setc(VPCE_EINVALID,
                               "%s: duration \"%s\" must be a duration from 15m to 12h (e.g. "
                               "\"1h\")",
                               what, d);
    *out = (int)(ms / 1000);
    return 0;
}

/* Strings of a JSON array (a set or list of strings), borrowed from it, into a new array. */
static const char **string_items(const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    const char **items = vpce_calloc(*n + 1, sizeof(char *));
    size_t i, k = 0;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            items[k++] = json_string_value(v);
    }
    *n = k;
    return items;
}

int vpce_aws_roles_decode(vpce_aws_role_blocks *rb, const json_t *list)
{
    memset(rb, 0, sizeof(*rb));
    if (json_is_object(list)) {
        json_t *one = json_array();
        json_array_append((json_t *)one, (json_t *)list);
        int rc = vpce_aws_roles_decode(rb, one);
        json_decref(one);
        return rc;
    }
    size_t n = json_array_size(list);
    rb->roles = vpce_calloc(n + 1, sizeof(*rb->roles));
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(list, i);
        vpce_aws_assume_role *r = &rb->roles[rb->n++];
        char what[64];
        snprintf(what, sizeof(what), "assume_role #%zu", i + 1);
        r->role_arn = str_or_null(b, "role_arn");
        if (!r->role_arn)
            return vpce_error_setc(VPCE_EINVALID, "%s: role_arn is empty", what);
        r->session_name = str_or_null(b, "session_name");
        r->external_id = str_or_null(b, "external_id");
        r->policy = str_or_null(b, "policy");
        r->source_identity = str_or_null(b, "source_identity");
        int rc = config_duration(&r->duration_s, b, what);
        if (rc < 0)
            return rc;
        if (r->policy) {
            json_t *doc = json_loads(r->policy, 0, NULL);
            bool ok = json_is_object(doc);
            json_decref(doc);
            if (!ok)
                return vpce_error_setc(VPCE_EINVALID, "%s: policy is not a JSON object", what);
        }
        const char **arns = string_items(json_object_get(b, "policy_arns"), &r->npolicy_arns);
        r->policy_arns = arns;
        vpce_vec_push(&rb->owned, (void *)arns);
        const char **tk =
            string_items(json_object_get(b, "transitive_tag_keys"), &r->ntransitive_tag_keys);
        r->transitive_tag_keys = tk;
        vpce_vec_push(&rb->owned, (void *)tk);
        const json_t *tags = json_object_get(b, "tags");
        size_t nt = json_is_object(tags) ? json_object_size(tags) : 0;
        const char **keys = vpce_calloc(nt + 1, sizeof(char *));
        const char **vals = vpce_calloc(nt + 1, sizeof(char *));
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)tags, k, v)
        {
            if (!json_is_string(v))
                continue;
            keys[r->ntags] = k;
            vals[r->ntags] = json_string_value(v);
            r->ntags++;
        }
        r->tag_keys = keys;
        r->tag_values = vals;
        vpce_vec_push(&rb->owned, (void *)keys);
        vpce_vec_push(&rb->owned, (void *)vals);
    }
    return 0;
}

void vpce_aws_roles_release(vpce_aws_role_blocks *rb)
{
    for (size_t i = 0; i < rb->owned.len; i++)
        free(rb->owned.items[i]);
    vpce_vec_release(&rb->owned);
    free(rb->roles);
}

static bool in_string_set(const json_t *set, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

static char *join_strings(const json_t *set)
{
    vpce_buf b = VPCE_BUF_INIT(4096);
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v) vpce_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(v));
    return vpce_buf_detach(&b);
}

/*
 * sts:GetCallerIdentity at configuration time (the start of plan and apply), as the Terraform
 * AWS provider does: credentials that do not work, or work for the wrong account, fail at once
 * and say whose they are.
 */
static int validate_identity(vpce_aws_client *client, const json_t *config)
{
    vpce_aws_identity id;
    int rc = vpce_aws_client_identity(client, &id);
    if (rc < 0) {
        if (!*vpce_aws_last_error_code()) {
            char *msg = vpce_strdup(vpce_error_last());
            vpce_error_setc(rc,
                            "%s (set endpoints { sts = \"...\" } or AWS_ENDPOINT_URL_STS when STS "
                            "is elsewhere, or skip_credentials_validation = true)",
                            msg);
            free(msg);
        }
        return rc;
    }
    const json_t *allowed = json_object_get(config, "allowed_account_ids");
    const json_t *forbidden = json_object_get(config, "forbidden_account_ids");
    if (json_array_size(allowed) && !in_string_set(allowed, id.account)) {
        char *list = join_strings(allowed);
        rc = vpce_error_setc(VPCE_EINVALID,
                             "the credentials from %s are those of %s in account %s, which is "
                             "not in allowed_account_ids (%s)",
                             vpce_aws_client_creds_source(client), id.arn, id.account, list);
        free(list);
        return rc;
    }
    if (in_string_set(forbidden, id.account))
        return vpce_error_setc(VPCE_EINVALID,
                               "the credentials from %s are those of %s in account %s, which is "
                               "in forbidden_account_ids",
                               vpce_aws_client_creds_source(client), id.arn, id.account);
    vpce_log(VPCE_LOG_INFO, "aws: acting as %s (account %s), credentials from %s", id.arn,
             id.account, vpce_aws_client_creds_source(client));
    return 0;
}

int vpce_aws_configure(vpce_provider **out, const json_t *config)
{
    *out = NULL;
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    vpce_aws_role_blocks roles;
    memset(&roles, 0, sizeof(roles));
    vpce_aws_web_identity wi;
    memset(&wi, 0, sizeof(wi));
    vpce_aws_client *client = NULL;
    int rc = 0;
    const json_t *endpoints = json_object_get(config, "endpoints");
    const json_t *limits = json_object_get(config, "rate_limits");
    const json_t *dtags = json_object_get(config, "default_tags");
    const json_t *wib = json_object_get(config, "assume_role_with_web_identity");
    if (json_is_array(endpoints))
        endpoints = json_array_get(endpoints, 0);
    if (json_is_array(limits))
        limits = json_array_get(limits, 0);
    if (json_is_array(dtags))
        dtags = json_array_get(dtags, 0);
    if (json_is_array(wib))
        wib = json_array_get(wib, 0);
    cfg.region = str_or_null(config, "region");
    cfg.profile = str_or_null(config, "profile");
    cfg.access_key = str_or_null(config, "access_key");
    cfg.secret_key = str_or_null(config, "secret_key");
    cfg.session_token = str_or_null(config, "token");
    cfg.sts_region = str_or_null(config, "sts_region");
    /* As Terraform's: retries after the first attempt; 0 turns them off; unset is the default. */
    const json_t *retries = json_object_get(config, "max_retries");
    if (vpce_is_number(retries)) {
        double n = vpce_number(retries);
        if (n < 0 || n > 1000 || n != (double)(int)n)
            return vpce_error_setc(VPCE_EINVALID,
                                   "\"max_retries\" must be a whole number from 0 to 1000");
        cfg.max_retries = n == 0 ? -1 : (int)n;
    }
    if (endpoints) {
        cfg.endpoint_ec2 = str_or_null(endpoints, "ec2");
        cfg.endpoint_sts = str_or_null(endpoints, "sts");
    }
    if (limits) {
        cfg.rate_limits.endpoint_capacity = num_or_zero(limits, "endpoint_capacity");
        cfg.rate_limits.endpoint_refill = num_or_zero(limits, "endpoint_refill");
        cfg.rate_limits.mutating_capacity = num_or_zero(limits, "mutating_capacity");
        cfg.rate_limits.mutating_refill = num_or_zero(limits, "mutating_refill");
        cfg.rate_limits.describe_capacity = num_or_zero(limits, "describe_capacity");
        cfg.rate_limits.describe_refill = num_or_zero(limits, "describe_refill");
    }
    if (json_is_object(wib)) {
        wi.role_arn = str_or_null(wib, "role_arn");
        wi.session_name = str_or_null(wib, "session_name");
        wi.token_file = str_or_null(wib, "web_identity_token_file");
        wi.token = str_or_null(wib, "web_identity_token");
        rc = config_duration(&wi.duration_s, wib, "assume_role_with_web_identity");
        if (rc < 0)
            goto cleanup;
        cfg.web_identity = &wi;
    }
    rc = vpce_aws_roles_decode(&roles, json_object_get(config, "assume_role"));
    if (rc < 0)
        goto cleanup;
    cfg.assume_roles = roles.roles;
    cfg.nassume_roles = roles.n;
    rc = vpce_aws_client_new(&client, &cfg);
    if (rc < 0)
        goto cleanup;
    if (!json_is_true(json_object_get(config, "skip_credentials_validation"))) {
        rc = validate_identity(client, config);
        if (rc < 0)
            goto cleanup;
    }
    vpce_provider *p = vpce_calloc(1, sizeof(*p));
    p->client = client;
    client = NULL;
    const json_t *tags = dtags ? json_object_get(dtags, "tags") : NULL;
    p->default_tags = json_is_object(tags) ? json_deep_copy(tags) : json_object();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->endpoint_locks = vpce_map_new();
    p->fold_open = vpce_map_new();
    p->regions = vpce_map_new();
    pthread_mutex_init(&p->regions_mu, NULL);
    *out = p;

cleanup:
    vpce_aws_client_free(client);
    vpce_aws_roles_release(&roles);
    return rc;
}

int vpce_aws_provider_identity(vpce_provider *p, json_t **out)
{
    *out = NULL;
    vpce_aws_identity id;
    int rc = vpce_aws_client_identity(p->client, &id);
    if (rc < 0)
        return rc;
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "account", id.account, "arn", id.arn,
                     "user_id", id.user_id, "source", vpce_aws_client_creds_source(p->client),
                     "region", vpce_aws_client_region(p->client), "sts_endpoint",
                     vpce_aws_client_sts_endpoint(p->client));
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
    vpce_map_free(p->fold_open); /* empty: every fold is closed by its flusher */
    for (it = 0; p->regions && vpce_map_next(p->regions, &it, NULL, &v);)
        vpce_aws_provider_free(v);
    vpce_map_free(p->regions);
    if (!p->parent)
        pthread_mutex_destroy(&p->regions_mu);
    json_decref(p->default_tags);
    vpce_aws_client_free(p->client);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

vpce_provider *vpce_aws_provider_for_values(vpce_provider *p, const json_t *values)
{
    const json_t *r = json_object_get(values, "region");
    const char *region = json_is_string(r) ? json_string_value(r) : NULL;
    vpce_provider *base = p->parent ? p->parent : p;
    if (!region || !*region || strcmp(region, vpce_aws_client_region(base->client)) == 0)
        return base;
    if (strlen(region) > 64 ||
        strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
        vpce_error_setc(VPCE_EINVALID, "invalid region \"%s\"", region);
        return NULL;
    }
    pthread_mutex_lock(&base->regions_mu);
    vpce_provider *child = vpce_map_get(base->regions, region);
    if (!child) {
        vpce_aws_client *client = NULL;
        if (vpce_aws_client_for_region(&client, base->client, region) == 0) {
            child = vpce_calloc(1, sizeof(*child));
            child->client = client;
            child->default_tags = json_incref(base->default_tags);
            pthread_mutex_init(&child->mu, NULL);
            pthread_cond_init(&child->cond, NULL);
            child->endpoint_locks = vpce_map_new();
            child->fold_open = vpce_map_new();
            child->parent = base;
            vpce_map_set(base->regions, region, child);
        }
    }
    pthread_mutex_unlock(&base->regions_mu);
    return child;
}

void vpce_aws_provider_fill_state(vpce_provider *p, json_t *state)
{
    const json_t *r = json_object_get(state, "region");
    if (!json_is_string(r) || json_string_length(r) == 0)
        json_object_set_new(state, "region", json_string(vpce_aws_client_region(p->client)));
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
        if (w->done || !w->in_poll)
            continue;
        w->in_poll = false;
        /* A waiter that is not due yet still takes a final answer: only its backoff waits. */
        bool due = w->due_ms <= now;
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
            if (!due)
                continue;
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
        if (!due)
            continue;
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
        if (!w->done) {
            w->in_poll = true;
            vpce_vec_push(&ids, vpce_strdup(w->id));
        }
    pthread_mutex_unlock(&p->mu);
    /* By the vpc-endpoint-id filter, or the id list where the endpoint lacks that filter. */
    json_t *found = NULL, *items = json_array();
    int rc = vpce_aws_describe_by_filter(p, "DescribeVpcEndpoints", "vpc-endpoint-id",
                                         "vpcEndpointSet", "vpcEndpointId",
                                         (const char *const *)ids.items, ids.len, 0, &found);
    const char *key;
    json_t *ep;
    json_object_foreach(found, key, ep) json_array_append(items, ep);
    json_decref(found);
    char *error = rc ? vpce_strdup(vpce_error_last()) : NULL;
    pthread_mutex_lock(&p->mu);
    if (rc == 0)
        settle(p->waiters, items, now);
    else
        for (struct waiter *w = p->waiters; w; w = w->next)
            if (!w->done && w->in_poll)
                finish(w, rc, error, NULL);
    free(error);
    json_decref(items);
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

/* The longest a waiter sleeps before it looks at the clock and for a cancellation again. */
#define WAKE_MS 200

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
        if (vpce_cancel_requested()) {
            char *msg = vpce_asprintf("interrupted while waiting for endpoint %s to %s", id,
                                      want_gone ? "be deleted" : "become available");
            finish(&w, VPCE_EINTERRUPTED, msg, NULL);
            free(msg);
            break;
        }
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
            timespec_at(&ts, WAKE_MS);
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
            timespec_at(&ts, due - now < WAKE_MS ? due - now : WAKE_MS);
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

/* ---- folding changes to one endpoint ------------------------------------------------------ */

/* One batch of changes to one endpoint, shared by every caller that queued into it. */
struct fold {
    char *id;
    json_t *merged;   /* merged ModifyVpcEndpoint parameters */
    int64_t first_ms; /* when the first change arrived */
    int64_t last_ms;  /* when the latest change arrived */
    bool done;
    int rc;
    char *error;
    json_t *ep;
    int refs;
};

static const char *const list_keys[][2] = {
    {"AddRouteTableId", "RemoveRouteTableId"},
    {"AddSubnetId", "RemoveSubnetId"},
    {"AddSecurityGroupId", "RemoveSecurityGroupId"},
};

/* The key of the opposite list ("Remove..." for "Add..."), or NULL for a scalar. */
static const char *opposite_list(const char *key)
{
    for (size_t i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]); i++) {
        if (strcmp(key, list_keys[i][0]) == 0)
            return list_keys[i][1];
        if (strcmp(key, list_keys[i][1]) == 0)
            return list_keys[i][0];
    }
    return NULL;
}

static void array_remove_string(json_t *arr, const char *s)
{
    for (size_t i = json_array_size(arr); i-- > 0;)
        if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
            json_array_remove(arr, i);
}

static bool array_has_string(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Merges change into merged. A later change wins over an earlier one. */
static void fold_merge(json_t *merged, const json_t *change)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)change, key, val)
    {
        const char *opp = opposite_list(key);
        if (opp) {
            json_t *mine = json_object_get(merged, key);
            if (!mine) {
                mine = json_array();
                json_object_set_new(merged, key, mine);
            }
            json_t *other = json_object_get(merged, opp);
            size_t i;
            json_t *v;
            json_array_foreach(val, i, v)
            {
                if (!json_is_string(v))
                    continue;
                if (other)
                    array_remove_string(other, json_string_value(v));
                if (!array_has_string(mine, json_string_value(v)))
                    json_array_append(mine, v);
            }
            continue;
        }
        if (strcmp(key, "PolicyDocument") == 0)
            json_object_del(merged, "ResetPolicy");
        if (strcmp(key, "ResetPolicy") == 0)
            json_object_del(merged, "PolicyDocument");
        json_object_set(merged, key, val);
    }
}

/* Turns merged parameters into query parameters. Returns how many modifications they hold. */
static size_t fold_params(vpce_aws_params *params, const char *id, const json_t *merged)
{
    size_t n = 0;
    vpce_aws_params_add(params, "VpcEndpointId", id);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)merged, key, val)
    {
        if (json_is_array(val)) {
            if (json_array_size(val) == 0)
                continue;
            vpce_aws_params_add_json_list(params, key, val);
        } else if (json_is_boolean(val)) {
            vpce_aws_params_add_bool(params, key, json_is_true(val));
        } else if (json_is_string(val)) {
            vpce_aws_params_add(params, key, json_string_value(val));
        } else {
            continue;
        }
        n++;
    }
    return n;
}

/* Sends the merged change and waits for the endpoint to settle. Called without p->mu, with the
 * endpoint lock held. */
static int fold_flush(vpce_provider *p, const char *id, const json_t *merged, int64_t timeout_ms,
                      json_t **out_ep)
{
    *out_ep = NULL;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    int rc = 0;
    if (fold_params(&params, id, merged) == 0)
        goto cleanup; /* nothing to change */
    int64_t start = vpce_now_ms();
    for (;;) {
        pthread_mutex_lock(&p->mu);
        p->modifies++;
        pthread_mutex_unlock(&p->mu);
        rc = vpce_aws_call(p->client, "ModifyVpcEndpoint", &params, NULL);
        if (rc == 0 || strcmp(vpce_aws_last_error_code(), "OperationInProgress") != 0)
            break;
        /* Someone outside vpce (or EC2 itself) is still changing it: wait, then try again. */
        int64_t left = timeout_ms - (vpce_now_ms() - start);
        if (left <= 0)
            break;
        char *saved = vpce_strdup(vpce_error_last());
        json_t *ep = NULL;
        int wrc = vpce_aws_wait_endpoint(p, id, false, left, &ep);
        json_decref(ep);
        if (wrc) {
            free(saved);
            rc = wrc;
            goto cleanup;
        }
        vpce_error_setc(rc, "%s", saved);
        free(saved);
    }
    if (rc)
        goto cleanup;
    rc = vpce_aws_wait_endpoint(p, id, false, timeout_ms, out_ep);
cleanup:
    vpce_aws_params_release(&params);
    return rc;
}

int vpce_aws_endpoint_modify(vpce_provider *p, const char *endpoint_id, const json_t *change,
                             int64_t timeout_ms, json_t **out_ep)
{
    if (out_ep)
        *out_ep = NULL;
    pthread_mutex_lock(&p->mu);
    int64_t now = vpce_now_ms();
    struct fold *f = vpce_map_get(p->fold_open, endpoint_id);
    bool flusher = false;
    if (!f) {
        f = vpce_calloc(1, sizeof(*f));
        f->id = vpce_strdup(endpoint_id);
        f->merged = json_object();
        f->first_ms = now;
        vpce_map_set(p->fold_open, endpoint_id, f);
        flusher = true;
    }
    fold_merge(f->merged, change);
    f->last_ms = now;
    f->refs++;
    pthread_cond_broadcast(&p->cond);
    if (flusher) {
        /* Let the other changes of this moment arrive. */
        for (;;) {
            now = vpce_now_ms();
            int64_t quiet_end = f->last_ms + VPCE_AWS_FOLD_QUIET_MS;
            int64_t window_end = f->first_ms + VPCE_AWS_FOLD_WINDOW_MS;
            int64_t end = quiet_end < window_end ? quiet_end : window_end;
            if (now >= end)
                break;
            struct timespec ts;
            timespec_at(&ts, end - now);
            pthread_cond_timedwait(&p->cond, &p->mu, &ts);
        }
        pthread_mutex_unlock(&p->mu);
        /* A modify of this endpoint may be in flight: changes keep queueing until it ends. */
        vpce_aws_endpoint_lock(p, endpoint_id);
        pthread_mutex_lock(&p->mu);
        vpce_map_remove(p->fold_open, endpoint_id);
        json_t *merged = f->merged;
        f->merged = NULL;
        pthread_mutex_unlock(&p->mu);
        json_t *ep = NULL;
        int rc = fold_flush(p, endpoint_id, merged, timeout_ms, &ep);
        char *error = rc ? vpce_strdup(vpce_error_last()) : NULL;
        json_decref(merged);
        vpce_aws_endpoint_unlock(p, endpoint_id);
        pthread_mutex_lock(&p->mu);
        f->done = true;
        f->rc = rc;
        f->error = error;
        f->ep = ep;
        pthread_cond_broadcast(&p->cond);
    } else {
        while (!f->done)
            pthread_cond_wait(&p->cond, &p->mu);
    }
    int rc = f->rc;
    if (rc)
        vpce_error_setc(rc, "%s", f->error ? f->error : "ModifyVpcEndpoint failed");
    if (out_ep && f->ep)
        *out_ep = json_incref(f->ep);
    if (--f->refs == 0) {
        free(f->id);
        free(f->error);
        json_decref(f->ep);
        json_decref(f->merged);
        free(f);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

uint64_t vpce_aws_endpoint_modify_count(vpce_provider *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->modifies;
    pthread_mutex_unlock(&p->mu);
    return n;
}
