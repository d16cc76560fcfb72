/*
 * planner/apply.c: the apply walk. A pool of threads runs the plan's changes in dependency
 * order (deletes in reverse), resolves values known only after apply by planning one instance
 * again against the state as it is now, and hands every step to the caller's hooks (journal,
 * record, progress) so that each finished operation is committed at once. Also the recovery of
 * journal entries left by an interrupted apply, and the outputs stored after an apply.
 */
#include "config/config.h"
#include "planner/apply_graph.h"
#include "planner/planner.h"
#include "providers/provider.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { T_PENDING, T_READY, T_RUNNING, T_DONE, T_FAILED, T_SKIPPED };

/* One task per step of the apply graph (planner/apply_graph.h), same index. */
typedef struct task {
    const vpce_change *c;
    size_t waiting;    /* unfinished tasks this one waits for */
    bool del;          /* deletes: a delete, or the delete half of a replacement */
    bool after_change; /* waits for a create, update or replace of this apply */
    bool deposed;      /* the delete half of a create-then-delete: runs after what uses c */
    int status;
    const char *cur_op; /* phase running now, for "Still ..." */
    int64_t phase_start, next_still;
} task;

typedef struct walker {
    const vpce_plan *p;
    const vpce_apply_opts *o;
    const vpce_apply_hooks *h;
    vpce_apply_result *res;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    vpce_apply_graph g;
    task *tasks;
    size_t ntasks;
    size_t *queue; /* ready tasks, FIFO */
    size_t qhead, qtail;
    size_t running;
    size_t remaining; /* tasks not yet DONE, FAILED or SKIPPED */
    bool stopping, quit;
    json_t *by_addr; /* address -> state entry (the state as it is now) */
    int64_t interval;
    int64_t timeout;
} walker;

/* ---- state entries ----------------------------------------------------------------------- */

json_t *vpce_apply_state_entry(const vpce_change *c, const json_t *attrs)
{
    const vpce_resource_type *rt = strcmp(c->mode, "data") == 0
                                       ? vpce_providers_data_source(c->type)
                                       : vpce_providers_resource(c->type);
    json_t *e = json_object();
    json_object_set_new(e, "address", json_string(c->address));
    json_object_set_new(e, "mode", json_string(c->mode));
    json_object_set_new(e, "type", json_string(c->type));
    json_object_set_new(e, "name", json_string(c->name));
    json_object_set_new(e, "index", c->index ? json_deep_copy(c->index) : json_null());
    json_object_set_new(e, "provider", json_string(c->provider ? c->provider : "aws"));
    json_t *id = json_object_get(attrs, "id");
    json_object_set_new(e, "id", json_is_string(id) ? json_incref(id) : json_null());
    json_object_set_new(e, "schema_version", json_integer(rt ? rt->schema_version : 0));
    json_object_set_new(e, "attributes", attrs ? json_deep_copy(attrs) : json_object());
    json_object_set_new(e, "sensitive_attributes",
                        c->sensitive_paths ? json_deep_copy(c->sensitive_paths) : json_array());
    json_t *deps = json_array();
    for (size_t i = 0; i < c->ndepends_on; i++)
        json_array_append_new(deps, json_string(c->depends_on[i]));
    json_object_set_new(e, "dependencies", deps);
    return e;
}

static void random_token(char out[33])
{
    unsigned char b[16];
    static const char hex[] = "0123456789abcdef";
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        /* No entropy source: time and address still make a token unique enough per run. */
        uint64_t x = (uint64_t)vpce_now_ms() ^ (uint64_t)(uintptr_t)out;
        for (size_t i = 0; i < sizeof(b); i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            b[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < sizeof(b); i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
}

/* ---- helpers run with the lock held ------------------------------------------------------ */

/* The token of a create of address that an interrupted run sent (opts->resume), copied into
   out; *out_jid gets its journal entry. False when there is none (or it does not fit). */
static bool resumed_token(walker *w, const char *address, char *out, size_t n, int64_t *out_jid)
{
    json_t *r = json_object_get(w->o->resume, address);
    const char *tok = json_string_value(json_object_get(r, "token"));
    size_t len = tok ? strlen(tok) : 0;
    if (len == 0 || len >= n)
        return false;
    memcpy(out, tok, len + 1);
    *out_jid = json_integer_value(json_object_get(r, "journal_id"));
    return true;
}

static json_t *current_doc(walker *w)
{
    json_t *doc = json_object();
    json_t *prior = w->p->prior;
    json_t *lin = json_object_get(prior, "lineage");
    if (lin)
        json_object_set(doc, "lineage", lin);
    json_object_set_new(doc, "serial",
                        json_integer(json_integer_value(json_object_get(prior, "serial"))));
    json_t *res = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(w->by_addr, k, v) json_array_append(res, v);
    json_object_set_new(doc, "resources", res);
    json_t *outs = json_object_get(prior, "outputs");
    json_object_set_new(doc, "outputs", outs ? json_incref(outs) : json_object());
    return doc;
}

static void emit(walker *w, vpce_apply_event_kind kind, task *t, const char *op, const char *id,
                 const char *error)
{
    if (!w->h->progress)
        return;
    vpce_apply_event ev = {
        .kind = kind,
        .change = t->c,
        .op = op,
        .elapsed_ms = vpce_now_ms() - t->phase_start,
        .id = id,
        .error = error,
    };
    w->h->progress(w->h->ctx, &ev);
}

static bool kind_ok(vpce_action orig, bool create_phase_after_delete, vpce_action now)
{
    switch (orig) {
    case VPCE_ACTION_CREATE:
        return now == VPCE_ACTION_CREATE;
    case VPCE_ACTION_UPDATE:
        return now == VPCE_ACTION_UPDATE || now == VPCE_ACTION_NOOP;
    case VPCE_ACTION_DELETE_THEN_CREATE:
    case VPCE_ACTION_CREATE_THEN_DELETE:
        return create_phase_after_delete
                   ? now == VPCE_ACTION_CREATE
                   : now == VPCE_ACTION_DELETE_THEN_CREATE || now == VPCE_ACTION_CREATE_THEN_DELETE;
    case VPCE_ACTION_READ:
        return now == VPCE_ACTION_READ || now == VPCE_ACTION_NOOP;
    default:
        return false;
    }
}

/* The first error of d as one line: a failed condition as "SUMMARY (FILE:LINE): MESSAGE",
   anything else as its detail (or summary). NULL when d has no error. Caller frees. */
static char *first_error(const vpce_diags *d)
{
    for (size_t i = 0; i < d->len; i++) {
        const vpce_diag *x = &d->items[i];
        if (x->severity != VPCE_DIAG_ERROR)
            continue;
        if (!strstr(x->summary, "condition failed"))
            return vpce_strdup(x->detail ? x->detail : x->summary);
        int line = 0, col = 0;
        if (x->range.src)
            vpce_source_pos(x->range.src, x->range.start, &line, &col);
        return vpce_asprintf("%s (%s:%d): %s", x->summary, x->range.src ? x->range.src->name : "?",
                             line, x->detail ? x->detail : "");
    }
    return NULL;
}

/* Plans c alone against the state as it is now; *out_change gets the re-planned change's copy
   of what the caller needs: its action and after (new reference). Lock held. */
static int replan(walker *w, const vpce_change *c, bool after_delete, vpce_action *out_action,
                  json_t **out_after)
{
    json_t *doc = current_doc(w);
    const char *targets[1] = {c->address};
    /* A replacement stays one, whatever forced it (-replace, replace_triggered_by): what
       triggered it may be applied already and show no change now. */
    bool replacing = !after_delete && (c->action == VPCE_ACTION_DELETE_THEN_CREATE ||
                                       c->action == VPCE_ACTION_CREATE_THEN_DELETE);
    vpce_plan_opts po = {
        .refresh = false,
        .targets = targets,
        .ntargets = 1,
        .replace = replacing ? targets : NULL,
        .nreplace = replacing ? 1 : 0,
        .providers = w->o->providers,
    };
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *np = NULL;
    int rc = vpce_plan_make(&np, w->o->cfg, w->o->vars, doc, &po, &d);
    if (rc < 0) {
        char *msg = first_error(&d);
        rc = vpce_error_set("cannot plan %s again with the values now known: %s", c->address,
                            msg ? msg : vpce_error_last());
        free(msg);
        goto cleanup;
    }
    const vpce_change *nc = NULL;
    for (size_t i = 0; i < np->nchanges && !nc; i++)
        if (strcmp(np->changes[i]->address, c->address) == 0)
            nc = np->changes[i];
    if (!nc) {
        rc = vpce_error_set("the plan changed during apply: %s is no longer planned", c->address);
        goto cleanup;
    }
    if (!kind_ok(c->action, after_delete, nc->action)) {
        rc = vpce_error_set("the plan changed during apply: %s was planned to %s but now "
                            "plans to %s; plan again",
                            c->address, vpce_action_name(c->action), vpce_action_name(nc->action));
        goto cleanup;
    }
    *out_action = nc->action;
    *out_after = nc->after ? json_incref(nc->after) : json_null();
cleanup:
    vpce_plan_free(np);
    vpce_diags_release(&d);
    json_decref(doc);
    return rc;
}

/*
 * After c's operation: its postconditions with self = the object as it is now (planning the
 * instance again against the state just recorded). 0 when they hold (or it has none), else
 * VPCE_EINVALID with the failure as the message. Lock held.
 */
static int check_after_apply(walker *w, const vpce_change *c)
{
    char *raddr = vpce_addr_resource_part(c->address); /* module keys kept */
    const vpce_cfg_resource *r = vpce_config_resource(w->o->cfg, raddr);
    free(raddr);
    if (!r || !r->npostconditions)
        return 0;
    json_t *doc = current_doc(w);
    const char *targets[1] = {c->address};
    vpce_plan_opts po = {
        .refresh = false,
        .targets = targets,
        .ntargets = 1,
        .providers = w->o->providers,
    };
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *np = NULL;
    int rc = vpce_plan_make(&np, w->o->cfg, w->o->vars, doc, &po, &d);
    if (rc < 0) {
        char *msg = first_error(&d);
        rc = vpce_error_setc(VPCE_EINVALID, "%s", msg ? msg : vpce_error_last());
        free(msg);
    }
    vpce_plan_free(np);
    vpce_diags_release(&d);
    json_decref(doc);
    return rc;
}

/* True if a value the configuration sets (not a computed-only attribute) is still unknown. */
static bool config_has_unknown(const vpce_change *c)
{
    const vpce_resource_type *rt = strcmp(c->mode, "data") == 0
                                       ? vpce_providers_data_source(c->type)
                                       : vpce_providers_resource(c->type);
    const char *k;
    json_t *v;
    json_object_foreach(c->after, k, v)
    {
        if (!vpce_contains_unknown(v))
            continue;
        const vpce_attr_schema *a = rt ? vpce_schema_attr(rt->schema, k) : NULL;
        if (a && !(a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL)))
            continue;
        return true;
    }
    return false;
}

/* ---- one phase of a task (called without the lock) --------------------------------------- */

static void fail_msg(char **err, const char *prefix)
{
    if (*err)
        return;
    const char *m = vpce_error_last();
    *err = prefix ? vpce_asprintf("%s: %s", prefix, m && *m ? m : "unknown error")
                  : vpce_strdup(m && *m ? m : "unknown error");
}

static const vpce_resource_type *rtype_of(const vpce_change *c)
{
    return strcmp(c->mode, "data") == 0 ? vpce_providers_data_source(c->type)
                                        : vpce_providers_resource(c->type);
}

/* The addresses of the resources in the state as it is now whose recorded dependencies
   include address (or its whole resource), comma-separated; NULL when none. Lock held. */
static char *state_users(walker *w, const char *address)
{
    char *rpart = vpce_addr_resource_part(address);
    size_t rlen = strlen(rpart);
    free(rpart);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    const char *k;
    json_t *e;
    json_object_foreach(w->by_addr, k, e)
    {
        if (strcmp(k, address) == 0)
            continue;
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(e, "dependencies"), i, d)
        {
            const char *dep = json_string_value(d);
            if (dep && (strcmp(dep, address) == 0 ||
                        (strlen(dep) == rlen && strncmp(dep, address, rlen) == 0))) {
                vpce_buf_printf(&b, "%s%s", b.len ? ", " : "", k);
                break;
            }
        }
    }
    if (!b.len) {
        vpce_buf_release(&b);
        return NULL;
    }
    return vpce_buf_detach(&b);
}

/* Deletes the object of c described by prior; deposed: the old object of a create-then-delete
   (its journal entry is cleared rather than the address removed). */
static int phase_delete(walker *w, task *t, const json_t *prior, bool deposed, char **err)
{
    const vpce_change *c = t->c;
    const vpce_resource_type *rt = rtype_of(c);
    int64_t jid = 0;
    int rc;
    if (!rt || !rt->delete) {
        *err = vpce_asprintf("resource type \"%s\" cannot be deleted", c->type);
        return VPCE_ERROR;
    }
    pthread_mutex_lock(&w->mu);
    rc = w->h->begin(w->h->ctx, c, "delete", NULL, &jid);
    if (rc < 0)
        fail_msg(err, "cannot write the journal");
    else {
        t->cur_op = "delete";
        t->phase_start = vpce_now_ms();
        t->next_still = t->phase_start + w->interval;
        emit(w, VPCE_APPLY_EV_START, t, "delete", NULL, NULL);
    }
    pthread_mutex_unlock(&w->mu);
    if (rc < 0)
        return rc;

    bool nop = false;
    vpce_resource_op op = {
        .provider = vpce_plan_providers_for(w->o->providers, c->provider, prior, &nop),
        .address = c->address,
        .prior = prior,
        .timeout_ms = w->timeout,
    };
    rc = nop ? VPCE_ERROR : rt->delete (&op);
    json_decref(op.new_state);
    if (rc < 0)
        fail_msg(err, NULL);

    pthread_mutex_lock(&w->mu);
    t->cur_op = NULL;
    if (rc < 0 && *err && strncmp(*err, "DependencyViolation", 19) == 0) {
        /* Name what still uses the object when the state knows; EC2's message otherwise. */
        char *users = state_users(w, c->address);
        if (users) {
            char *msg = vpce_asprintf("%s (still used by %s, as the state records)", *err, users);
            free(*err);
            *err = msg;
            free(users);
        }
    }
    if (rc < 0) {
        /* A cancelled delete may have been sent: its entry stays for the next run. */
        if (w->h->abandon && rc != VPCE_EINTERRUPTED && !vpce_cancel_requested())
            w->h->abandon(w->h->ctx, jid);
        emit(w, VPCE_APPLY_EV_ERROR, t, "delete", NULL, *err);
    } else {
        rc = deposed ? (w->h->abandon ? w->h->abandon(w->h->ctx, jid) : 0)
                     : w->h->record(w->h->ctx, jid, c->address, NULL);
        if (rc < 0) {
            fail_msg(err, "the object was deleted but the state could not be written");
            emit(w, VPCE_APPLY_EV_ERROR, t, "delete", NULL, *err);
        } else {
            if (!deposed)
                json_object_del(w->by_addr, c->address);
            w->res->destroyed++;
            emit(w, VPCE_APPLY_EV_DONE, t, "delete", NULL, NULL);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Creates or updates c (after_delete: the create half of a delete-then-create). */
static int phase_write(walker *w, task *t, bool create, bool after_delete, char **err)
{
    const vpce_change *c = t->c;
    const vpce_resource_type *rt = rtype_of(c);
    json_t *config = NULL, *prior = NULL;
    int64_t jid = 0, resumed_jid = 0;
    char token[65] = ""; /* EC2 takes ClientTokens of up to 64 characters */
    int rc = 0;
    if (!rt || !(create ? rt->create : rt->update)) {
        *err = vpce_asprintf("resource type \"%s\" cannot be %s", c->type,
                             create ? "created" : "updated");
        return VPCE_ERROR;
    }
    const char *op_name = create ? "create" : "update";

    pthread_mutex_lock(&w->mu);
    vpce_action now = c->action;
    if ((t->after_change && c->after && config_has_unknown(c)) || c->checks_pending) {
        rc = replan(w, c, after_delete, &now, &config);
        if (rc < 0)
            fail_msg(err, NULL);
    } else {
        config = c->after ? json_incref(c->after) : json_object();
    }
    if (rc == 0 && !create && now == VPCE_ACTION_NOOP) {
        /* What was unknown turned out to be what is there already. */
        w->res->changed++;
        pthread_mutex_unlock(&w->mu);
        json_decref(config);
        return 0;
    }
    if (rc == 0) {
        json_t *cur = create ? NULL : json_object_get(w->by_addr, c->address);
        json_t *attrs = cur ? json_object_get(cur, "attributes") : NULL;
        prior = create ? NULL : json_incref(attrs ? attrs : c->before);
        if (create && !resumed_token(w, c->address, token, sizeof(token), &resumed_jid))
            random_token(token);
        /* The hook sees the values the operation is sent with (re-planned unknowns resolved),
           so a journal entry can keep them for crash recovery. */
        vpce_change sent = *c;
        sent.after = config;
        rc = w->h->begin(w->h->ctx, &sent, op_name, create ? token : NULL, &jid);
        if (rc < 0) {
            fail_msg(err, "cannot write the journal");
        } else {
            /* The new entry carries the resumed token: the old one has done its job. Should
               clearing it fail, both entries name the same token and address, and the next
               recovery reconciles them alike. */
            if (resumed_jid && w->h->abandon)
                w->h->abandon(w->h->ctx, resumed_jid);
            t->cur_op = op_name;
            t->phase_start = vpce_now_ms();
            t->next_still = t->phase_start + w->interval;
            emit(w, VPCE_APPLY_EV_START, t, op_name, NULL, NULL);
        }
    }
    pthread_mutex_unlock(&w->mu);
    if (rc < 0)
        goto cleanup;

    bool nop = false;
    vpce_resource_op op = {
        .provider = vpce_plan_providers_for(w->o->providers, c->provider, config, &nop),
        .address = c->address,
        .prior = prior,
        .config = config,
        .token = create ? token : NULL,
        .timeout_ms = w->timeout,
    };
    rc = nop ? VPCE_ERROR : create ? rt->create(&op) : rt->update(&op);
    if (rc == 0 && !op.new_state)
        rc = vpce_error_set("the provider returned no state for %s", c->address);
    if (rc == 0)
        vpce_plan_providers_fill(w->o->providers, c->provider, op.provider, op.new_state);
    if (rc < 0 && resumed_jid) {
        /* The token is an earlier run's: what that run made may differ from what is sent
           now (the configuration changed since), and recovery could not find it. Say so: the
           user can import it or delete it; a fresh token would only make a second object. */
        char *msg = vpce_strdup(vpce_error_last());
        vpce_error_set("%s (this create reused the idempotency token of an earlier run that did "
                       "not finish it; if that run made the object, `vpce import` or delete it, "
                       "then apply again)",
                       msg);
        free(msg);
    }
    if (rc < 0)
        fail_msg(err, NULL);

    pthread_mutex_lock(&w->mu);
    t->cur_op = NULL;
    if (rc < 0) {
        /* A failed create may still have made something (a timeout while waiting): keep its
           journal entry when the type can look for it, so the next run reconciles it. */
        bool cancelled = rc == VPCE_EINTERRUPTED || vpce_cancel_requested();
        if (w->h->abandon && !cancelled && !(create && (rt->find_by_address || rt->find_planned)))
            w->h->abandon(w->h->ctx, jid);
        emit(w, VPCE_APPLY_EV_ERROR, t, op_name, NULL, *err);
    } else {
        json_t *entry = vpce_apply_state_entry(c, op.new_state);
        rc = w->h->record(w->h->ctx, jid, c->address, entry);
        if (rc < 0) {
            fail_msg(err, "the operation succeeded but the state could not be written");
            emit(w, VPCE_APPLY_EV_ERROR, t, op_name, NULL, *err);
            json_decref(entry);
        } else {
            json_object_set_new(w->by_addr, c->address, entry);
            if (create)
                w->res->added++;
            else
                w->res->changed++;
            /* The object is made and recorded; a failed postcondition stops what uses it. */
            rc = check_after_apply(w, c);
            if (rc < 0) {
                fail_msg(err, NULL);
                emit(w, VPCE_APPLY_EV_ERROR, t, op_name, NULL, *err);
            } else {
                emit(w, VPCE_APPLY_EV_DONE, t, op_name,
                     json_string_value(json_object_get(op.new_state, "id")), NULL);
            }
        }
    }
    pthread_mutex_unlock(&w->mu);
    json_decref(op.new_state);
cleanup:
    json_decref(config);
    json_decref(prior);
    return rc;
}

/* Reads a data source whose configuration was unknown at plan time. */
static int phase_read(walker *w, task *t, char **err)
{
    const vpce_change *c = t->c;
    const vpce_resource_type *rt = rtype_of(c);
    json_t *config = NULL, *value = NULL;
    vpce_action now = VPCE_ACTION_READ;
    int rc;

    pthread_mutex_lock(&w->mu);
    t->cur_op = "read";
    t->phase_start = vpce_now_ms();
    t->next_still = t->phase_start + w->interval;
    emit(w, VPCE_APPLY_EV_START, t, "read", NULL, NULL);
    rc = replan(w, c, false, &now, &config);
    pthread_mutex_unlock(&w->mu);
    if (rc == 0 && now == VPCE_ACTION_NOOP) {
        value = json_incref(config); /* read while planning */
    } else if (rc == 0) {
        if (!rt || !rt->read || vpce_contains_unknown(config))
            rc = vpce_error_set("data source %s cannot be read: its configuration is not known",
                                c->address);
        else {
            bool nop = false;
            vpce_provider *p = vpce_plan_providers_for(w->o->providers, c->provider, config, &nop);
            rc = nop ? VPCE_ERROR : rt->read(p, config, &value);
            if (rc == 0)
                vpce_plan_providers_fill(w->o->providers, c->provider, p, value);
        }
    }
    if (rc < 0)
        fail_msg(err, NULL);

    pthread_mutex_lock(&w->mu);
    t->cur_op = NULL;
    if (rc < 0) {
        emit(w, VPCE_APPLY_EV_ERROR, t, "read", NULL, *err);
    } else {
        json_object_set_new(w->by_addr, c->address, vpce_apply_state_entry(c, value));
        emit(w, VPCE_APPLY_EV_DONE, t, "read", NULL, NULL);
    }
    pthread_mutex_unlock(&w->mu);
    json_decref(value);
    json_decref(config);
    return rc;
}

static int run_task(walker *w, task *t, char **err)
{
    const vpce_change *c = t->c;
    switch (c->action) {
    case VPCE_ACTION_CREATE:
        return phase_write(w, t, true, false, err);
    case VPCE_ACTION_UPDATE:
        return phase_write(w, t, false, false, err);
    case VPCE_ACTION_DELETE:
        return phase_delete(w, t, c->before, false, err);
    case VPCE_ACTION_DELETE_THEN_CREATE:
        /* Two tasks: the delete waits for what uses the object, the create for the delete. */
        return t->del ? phase_delete(w, t, c->before, false, err)
                      : phase_write(w, t, true, true, err);
    case VPCE_ACTION_CREATE_THEN_DELETE:
        /* The old object is deleted by its own deposed task, once what uses it has moved on. */
        if (t->deposed)
            return phase_delete(w, t, c->before, true, err);
        return phase_write(w, t, true, false, err);
    case VPCE_ACTION_READ:
        return phase_read(w, t, err);
    default:
        return 0;
    }
}

/* ---- scheduling -------------------------------------------------------------------------- */

static void push_ready(walker *w, size_t i)
{
    w->tasks[i].status = T_READY;
    w->queue[w->qtail++] = i;
}

/* Skips what waits for task i (which failed or was skipped); origin is the change that failed,
   whose own other half is not listed again. */
static void skip_after(walker *w, size_t i, const vpce_change *origin)
{
    const vpce_vec *next = &w->g.next[i];
    for (size_t j = 0; j < next->len; j++) {
        size_t n = (uintptr_t)next->items[j] - 1;
        if (w->tasks[n].status != T_PENDING)
            continue;
        w->tasks[n].status = T_SKIPPED;
        w->remaining--;
        const vpce_change *c = w->tasks[n].c;
        if (c == origin) {
            /* The create half of a replacement whose delete failed: its address is in failed. */
        } else if (w->tasks[n].deposed) {
            /* Say which object stays: the replaced one, no longer the address's in the state
               once its replacement was made. */
            const char *id = json_string_value(json_object_get(c->before, "id"));
            json_array_append_new(w->res->skipped,
                                  json_sprintf("%s (deleting the object it replaces, id %s)",
                                               c->address, id ? id : "unknown"));
        } else {
            json_array_append_new(w->res->skipped, json_string(c->address));
        }
        skip_after(w, n, origin);
    }
}

/* Adds task t's success to w->res->succeeded. The delete half of a delete-then-create is listed
   as a "delete" until its create half succeeds too. */
static void add_succeeded(walker *w, const task *t)
{
    const char *addr = t->c->address;
    bool dtc = t->c->action == VPCE_ACTION_DELETE_THEN_CREATE;
    if (dtc && !t->del) {
        size_t i;
        json_t *e;
        json_array_foreach(w->res->succeeded, i, e)
        {
            if (strcmp(json_string_value(json_object_get(e, "address")), addr) == 0) {
                json_object_set_new(e, "action", json_string(vpce_action_name(t->c->action)));
                return;
            }
        }
    }
    json_t *s = json_object();
    json_object_set_new(s, "address", json_string(addr));
    json_object_set_new(
        s, "action",
        json_string(t->deposed || (dtc && t->del) ? "delete" : vpce_action_name(t->c->action)));
    json_array_append_new(w->res->succeeded, s);
}

/* Lock held. */
static void finish(walker *w, size_t i, bool ok, const char *err)
{
    task *t = &w->tasks[i];
    t->status = ok ? T_DONE : T_FAILED;
    w->remaining--;
    if (ok) {
        add_succeeded(w, t);
        const vpce_vec *next = &w->g.next[i];
        for (size_t j = 0; j < next->len; j++) {
            size_t n = (uintptr_t)next->items[j] - 1;
            if (--w->tasks[n].waiting == 0 && w->tasks[n].status == T_PENDING)
                push_ready(w, n);
        }
    } else {
        json_t *f = json_object();
        json_object_set_new(f, "address", json_string(t->c->address));
        json_object_set_new(f, "error", json_string(err ? err : "failed"));
        json_array_append_new(w->res->failed, f);
        skip_after(w, i, t->c);
    }
}

static void *worker(void *arg)
{
    walker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        /* A cancellation starts nothing new, even before the main loop notices it. */
        if (vpce_cancel_requested())
            w->stopping = true;
        while (!w->quit && (w->qhead == w->qtail || w->stopping))
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit)
            break;
        size_t i = w->queue[w->qhead++];
        w->tasks[i].status = T_RUNNING;
        w->running++;
        pthread_mutex_unlock(&w->mu);
        char *err = NULL;
        vpce_error_clear();
        int rc = run_task(w, &w->tasks[i], &err);
        pthread_mutex_lock(&w->mu);
        w->running--;
        finish(w, i, rc >= 0, err);
        free(err);
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int cmp_failed(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(x, "address")),
                  json_string_value(json_object_get(y, "address")));
}

int vpce_apply(vpce_apply_result *out, const vpce_plan *p, const vpce_apply_opts *opts,
               const vpce_apply_hooks *hooks)
{
    walker w = {0};
    pthread_t *threads = NULL;
    size_t nthreads = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->succeeded = json_array();
    out->failed = json_array();
    out->skipped = json_array();
    if (!p || !opts || !hooks || !hooks->begin || !hooks->record || !opts->cfg || !opts->providers)
        VPCE_BUG("vpce_apply needs a plan, a configuration, providers and hooks");

    w.p = p;
    w.o = opts;
    w.h = hooks;
    w.res = out;
    w.interval = opts->still_interval_ms > 0 ? opts->still_interval_ms : 10000;
    w.timeout = opts->op_timeout_ms > 0 ? opts->op_timeout_ms : 0;
    w.by_addr = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(p->prior, "resources"), i, r)
    {
        const char *a = json_string_value(json_object_get(r, "address"));
        if (a)
            json_object_set(w.by_addr, a, r);
    }
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);

    /* Moves and forgets change only the state: made first, each in its own transaction. */
    for (size_t k = 0; k < p->nchanges; k++) {
        const vpce_change *c = p->changes[k];
        json_t *entry = json_object_get(w.by_addr, c->address);
        if (c->previous_address && entry) {
            rc = hooks->move ? hooks->move(hooks->ctx, c->previous_address, c->address)
                             : hooks->record(hooks->ctx, 0, c->previous_address, NULL);
            if (rc == 0)
                rc = hooks->record(hooks->ctx, 0, c->address, entry);
            if (rc < 0) {
                char *why = vpce_strdup(vpce_error_last());
                rc = vpce_error_set("cannot move %s to %s in the state: %s", c->previous_address,
                                    c->address, why);
                free(why);
                goto cleanup;
            }
        }
        if (c->action == VPCE_ACTION_FORGET) {
            rc = hooks->record(hooks->ctx, 0, c->address, NULL);
            if (rc < 0 && rc != VPCE_ENOTFOUND) {
                char *why = vpce_strdup(vpce_error_last());
                rc = vpce_error_set("cannot remove %s from the state: %s", c->address, why);
                free(why);
                goto cleanup;
            }
            rc = 0;
            json_object_del(w.by_addr, c->address);
        }
    }

    /* One task per step: a change, or each half of a replacement. */
    vpce_apply_graph_build(&w.g, p);
    w.ntasks = w.g.nsteps;
    w.tasks = vpce_calloc(w.ntasks + 1, sizeof(task));
    for (size_t k = 0; k < w.ntasks; k++) {
        task *t = &w.tasks[k];
        t->c = p->changes[w.g.steps[k].change];
        t->del = w.g.steps[k].del;
        t->deposed = t->del && t->c->action == VPCE_ACTION_CREATE_THEN_DELETE;
        t->after_change = w.g.after_write[k];
        t->waiting = w.g.waits[k];
        t->status = T_PENDING;
    }
    w.remaining = w.ntasks;
    w.queue = vpce_calloc(w.ntasks ? w.ntasks : 1, sizeof(size_t));
    for (size_t k = 0; k < w.ntasks; k++)
        if (w.tasks[k].waiting == 0)
            push_ready(&w, k);

    nthreads = (size_t)(opts->parallelism > 0 ? opts->parallelism : 10);
    if (nthreads > w.ntasks)
        nthreads = w.ntasks;
    threads = vpce_calloc(nthreads ? nthreads : 1, sizeof(pthread_t));
    size_t started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&threads[started], NULL, worker, &w) != 0)
            break;
    if (started == 0 && w.ntasks > 0) {
        rc = vpce_error_set("cannot start the apply threads");
        goto cleanup;
    }

    pthread_mutex_lock(&w.mu);
    for (;;) {
        if (!w.stopping &&
            ((hooks->interrupted && hooks->interrupted(hooks->ctx)) || vpce_cancel_requested())) {
            w.stopping = true;
            out->interrupted = w.remaining > w.running;
        }
        if (w.running == 0 && (w.qhead == w.qtail || w.stopping)) {
            if (!w.stopping && w.remaining > 0) {
                /* Only a dependency cycle leaves tasks waiting with nothing running. */
                for (size_t k = 0; k < w.ntasks; k++)
                    if (w.tasks[k].status == T_PENDING)
                        finish(&w, k, false, "the changes depend on each other in a cycle");
            }
            w.quit = true;
            pthread_cond_broadcast(&w.cv);
            break;
        }
        int64_t now = vpce_now_ms();
        for (size_t k = 0; k < w.ntasks; k++) {
            task *t = &w.tasks[k];
            if (t->status == T_RUNNING && t->cur_op && now >= t->next_still) {
                emit(&w, VPCE_APPLY_EV_STILL, t, t->cur_op, NULL, NULL);
                t->next_still += w.interval;
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w.cv, &w.mu, &ts);
    }
    pthread_mutex_unlock(&w.mu);
    for (size_t k = 0; k < started; k++)
        pthread_join(threads[k], NULL);
    if (w.stopping && w.remaining > 0)
        out->interrupted = true;
    vpce_json_array_sort(out->failed, cmp_failed);
    out->state = current_doc(&w);

cleanup:
    free(threads);
    vpce_apply_graph_release(&w.g);
    free(w.tasks);
    free(w.queue);
    json_decref(w.by_addr);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    return rc;
}

void vpce_apply_result_release(vpce_apply_result *r)
{
    if (!r)
        return;
    json_decref(r->state);
    json_decref(r->succeeded);
    json_decref(r->failed);
    json_decref(r->skipped);
    memset(r, 0, sizeof(*r));
}

/* ---- outputs ----------------------------------------------------------------------------- */

int vpce_apply_outputs(json_t **out, const vpce_config *cfg, const json_t *vars,
                       const json_t *state_doc, const vpce_plan_providers *ps, vpce_diags *diags)
{
    vpce_plan_opts po = {.refresh = false, .providers = ps};
    vpce_plan *p = NULL;
    *out = NULL;
    int rc = vpce_plan_make(&p, cfg, vars, state_doc, &po, diags);
    if (rc < 0)
        return rc;
    json_t *outs = json_object();
    const char *name;
    json_t *oc;
    json_object_foreach(p->output_changes, name, oc)
    {
        const char *a0 = json_string_value(json_array_get(json_object_get(oc, "actions"), 0));
        json_t *after = json_object_get(oc, "after");
        if ((a0 && strcmp(a0, "delete") == 0) || !after || vpce_contains_unknown(after))
            continue;
        json_t *o = json_object();
        json_object_set(o, "value", after);
        json_object_set_new(o, "sensitive",
                            json_boolean(json_is_true(json_object_get(oc, "sensitive"))));
        json_object_set_new(outs, name, o);
    }
    vpce_plan_free(p);
    *out = outs;
    return 0;
}
