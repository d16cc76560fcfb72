/* Unit tests of the apply walk (planner/apply.c) with an in-memory provider "ap": dependency
   order and re-planned unknowns, reverse deletes, failures, parallelism, the journal, crash
   recovery, interruption, and plan-after-apply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "config/config.h"
#include "tests/unit/support/testprov.h"

/* ---- the "ap" provider ------------------------------------------------------------------- */

static pthread_mutex_t ap_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *ap_world;   /* id -> object (with "_address") */
static json_t *ap_log;     /* ["create NAME", "delete NAME", ...] in call order */
static json_t *ap_journal; /* the test hooks' journal: [{"id", "address", "action", "token"}] */
static json_t *ap_tokens;  /* ClientToken -> id of the object its create made (idempotency) */
static json_t *ap_hidden;  /* id -> true (always) or the vpce_now_ms() from which searches show
                              the object: made, but not visible yet (eventual consistency) */
static int ap_next, ap_active, ap_max_active, ap_delay_ms, ap_journal_misses, ap_dummy;
static const char *ap_fail_name;
static const char *ap_wait_name; /* creates of this name wait until cancelled */
static bool ap_wait_saw_cancel;
static int64_t ap_last_timeout; /* the timeout_ms of the last delete */

static const vpce_attr_schema ap_attrs[] = {
    {"name", "string", VPCE_ATTR_REQUIRED | VPCE_ATTR_FORCE_NEW, NULL, NULL},
    {"parent_id", "string", VPCE_ATTR_OPTIONAL | VPCE_ATTR_FORCE_NEW, NULL, NULL},
    {"value", "string", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {"id", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL},
};
static const vpce_nested_block ap_no_blocks[] = {{NULL, 0, 0, 0, 0, NULL}};
static const vpce_block_schema ap_schema = {ap_attrs, ap_no_blocks};
static const vpce_attr_schema ap_cfg_attrs[] = {{NULL, NULL, 0, NULL, NULL}};
static const vpce_block_schema ap_cfg_schema = {ap_cfg_attrs, ap_no_blocks};

static void ap_enter(const char *what, const json_t *obj)
{
    pthread_mutex_lock(&ap_mu);
    ap_active++;
    if (ap_active > ap_max_active)
        ap_max_active = ap_active;
    char *s = vpce_asprintf("%s %s", what, json_string_value(json_object_get(obj, "name")));
    json_array_append_new(ap_log, json_string(s));
    free(s);
    pthread_mutex_unlock(&ap_mu);
    if (ap_delay_ms)
        vpce_sleep_ms(ap_delay_ms);
}

static void ap_leave(void)
{
    pthread_mutex_lock(&ap_mu);
    ap_active--;
    pthread_mutex_unlock(&ap_mu);
}

static int ap_create(vpce_resource_op *op)
{
    ap_enter("create", op->config);
    pthread_mutex_lock(&ap_mu);
    /* The journal entry must be committed before the create is sent, with this token. */
    bool journaled = false;
    size_t i;
    json_t *e;
    json_array_foreach(ap_journal, i, e)
    {
        const char *tok = json_string_value(json_object_get(e, "token"));
        if (strcmp(json_string_value(json_object_get(e, "address")), op->address) == 0 &&
            op->token && tok && strcmp(tok, op->token) == 0 && strlen(tok) == 32)
            journaled = true;
    }
    if (!journaled)
        ap_journal_misses++;
    int rc = 0;
    const char *name = json_string_value(json_object_get(op->config, "name"));
    if (ap_wait_name && name && strcmp(name, ap_wait_name) == 0) {
        /* An object that never becomes ready: the create waits, as for an endpoint stuck in
           "pending", until the apply is cancelled (or ten minutes pass). */
        pthread_mutex_unlock(&ap_mu);
        for (int i = 0; i < 60000 && !vpce_cancel_requested(); i++)
            vpce_sleep_ms(10);
        pthread_mutex_lock(&ap_mu);
        ap_wait_saw_cancel = vpce_cancel_requested();
        rc = vpce_error_setc(VPCE_EINTERRUPTED, "interrupted while waiting for %s", name);
    } else if (ap_fail_name && name && strcmp(name, ap_fail_name) == 0) {
        rc = vpce_error_setc(VPCE_ERROR, "InvalidParameterValue: %s is refused", name);
    } else if (vpce_contains_unknown(op->config)) {
        json_t *pid = json_object_get(op->config, "parent_id");
        if (vpce_contains_unknown(pid))
            rc = vpce_error_set("InvalidParameter: parent_id unknown");
    }
    json_t *made =
        op->token
            ? json_object_get(ap_world, json_string_value(json_object_get(ap_tokens, op->token)))
            : NULL;
    const char *made_name = made ? json_string_value(json_object_get(made, "name")) : NULL;
    if (rc == 0 && made && name && made_name && strcmp(name, made_name) != 0) {
        /* As EC2: a known token with other parameters. */
        rc = vpce_error_set("IdempotentParameterMismatch: the token was used with other "
                            "parameters");
    } else if (rc == 0 && made) {
        /* As EC2 with a ClientToken it has seen: the object the first create made. */
        op->new_state = json_deep_copy(made);
        json_object_del(op->new_state, "_address");
    } else if (rc == 0) {
        json_t *s = json_object();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)op->config, k, v)
            json_object_set(s, k, vpce_is_unknown(v) ? json_null() : v);
        char *id = vpce_asprintf("ap-%d", ++ap_next);
        json_object_set_new(s, "id", json_string(id));
        free(id);
        json_t *w = json_deep_copy(s);
        json_object_set_new(w, "_address", json_string(op->address));
        json_object_set_new(ap_world, json_string_value(json_object_get(s, "id")), w);
        if (op->token)
            json_object_set(ap_tokens, op->token, json_object_get(s, "id"));
        op->new_state = s;
    }
    pthread_mutex_unlock(&ap_mu);
    ap_leave();
    return rc;
}

static int ap_update(vpce_resource_op *op)
{
    ap_enter("update", op->config);
    pthread_mutex_lock(&ap_mu);
    json_t *s = json_deep_copy(op->config);
    json_object_set(s, "id", json_object_get(op->prior, "id"));
    json_t *w = json_deep_copy(s);
    json_object_set_new(w, "_address", json_string(op->address));
    json_object_set_new(ap_world, json_string_value(json_object_get(s, "id")), w);
    op->new_state = s;
    pthread_mutex_unlock(&ap_mu);
    ap_leave();
    return 0;
}

/* True if the live object w refers to id: its parent_id, or one of the comma-separated ids of
   its value. ap_mu held. */
static bool ap_uses(const json_t *w, const char *id)
{
    const char *pid = json_string_value(json_object_get(w, "parent_id"));
    if (pid && strcmp(pid, id) == 0)
        return true;
    const char *v = json_string_value(json_object_get(w, "value"));
    size_t n = strlen(id);
    for (const char *p = v; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static int ap_delete(vpce_resource_op *op)
{
    ap_enter("delete", op->prior);
    pthread_mutex_lock(&ap_mu);
    ap_last_timeout = op->timeout_ms;
    const char *id = json_string_value(json_object_get(op->prior, "id"));
    const char *k;
    json_t *w;
    int rc = 0;
    /* As EC2: an object still used by another cannot be deleted. */
    json_object_foreach(ap_world, k, w)
    {
        if (id && strcmp(k, id) != 0 && ap_uses(w, id))
            rc = vpce_error_set("DependencyViolation: the object '%s' has dependencies and cannot "
                                "be deleted",
                                id);
    }
    if (rc == 0)
        json_object_del(ap_world, id);
    pthread_mutex_unlock(&ap_mu);
    ap_leave();
    return rc;
}

static int ap_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    (void)p;
    pthread_mutex_lock(&ap_mu);
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_object_get(ap_world, json_string_value(json_object_get(priors[i], "id")));
        out[i] = w ? json_deep_copy(w) : NULL;
        if (out[i])
            json_object_del(out[i], "_address");
    }
    pthread_mutex_unlock(&ap_mu);
    return 0;
}

static int ap_find(vpce_provider *p, const char *address, const char *token, json_t **out)
{
    (void)p;
    (void)token;
    *out = NULL;
    const char *k;
    json_t *w;
    json_object_foreach(ap_world, k, w)
    {
        json_t *hid = json_object_get(ap_hidden, k);
        if (json_is_true(hid) || (json_is_integer(hid) && vpce_now_ms() < json_integer_value(hid)))
            continue;
        if (strcmp(json_string_value(json_object_get(w, "_address")), address) == 0) {
            *out = json_deep_copy(w);
            json_object_del(*out, "_address");
        }
    }
    return 0;
}

static const vpce_resource_type ap_thing = {
    .name = "ap_thing",
    .schema = &ap_schema,
    .create = ap_create,
    .update = ap_update,
    .delete = ap_delete,
    .read_batch = ap_read_batch,
    .find_by_address = ap_find,
};
static const vpce_resource_type *const ap_resources[] = {&ap_thing, NULL};
static const vpce_resource_type *const ap_data[] = {NULL};

static int ap_configure(vpce_provider **out, const json_t *config)
{
    (void)config;
    *out = (vpce_provider *)&ap_dummy;
    return 0;
}

static void ap_free(vpce_provider *p)
{
    (void)p;
}

static const vpce_provider_type ap_provider = {
    .name = "ap",
    .config_schema = &ap_cfg_schema,
    .resources = ap_resources,
    .data_sources = ap_data,
    .configure = ap_configure,
    .free = ap_free,
};

/* ---- hooks: an in-memory state and journal ----------------------------------------------- */

typedef struct hooks_state {
    json_t *resources; /* address -> entry */
    int64_t next_jid;
    int records, abandons;
    int stop_after_records; /* interrupted once this many records happened (0: never) */
} hooks_state;

static int h_begin(void *ctx, const vpce_change *c, const char *op, const char *token,
                   int64_t *out_id)
{
    hooks_state *h = ctx;
    json_t *e = json_object();
    *out_id = ++h->next_jid;
    json_object_set_new(e, "id", json_integer(*out_id));
    json_object_set_new(e, "address", json_string(c->address));
    json_object_set_new(e, "action", json_string(op));
    json_object_set_new(e, "token", token ? json_string(token) : json_null());
    pthread_mutex_lock(&ap_mu);
    json_array_append_new(ap_journal, e);
    pthread_mutex_unlock(&ap_mu);
    return 0;
}

static int journal_remove(int64_t id)
{
    int rc = VPCE_ENOTFOUND;
    pthread_mutex_lock(&ap_mu);
    for (size_t i = 0; i < json_array_size(ap_journal); i++)
        if (json_integer_value(json_object_get(json_array_get(ap_journal, i), "id")) == id) {
            json_array_remove(ap_journal, i);
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&ap_mu);
    return rc;
}

static int h_record(void *ctx, int64_t jid, const char *address, const json_t *resource)
{
    hooks_state *h = ctx;
    if (jid && journal_remove(jid) < 0)
        return vpce_error_setc(VPCE_ENOTFOUND, "no journal entry %lld", (long long)jid);
    if (resource)
        json_object_set_new(h->resources, address, json_deep_copy(resource));
    else
        json_object_del(h->resources, address);
    h->records++;
    return 0;
}

static int h_abandon(void *ctx, int64_t jid)
{
    hooks_state *h = ctx;
    h->abandons++;
    return journal_remove(jid);
}

static bool h_interrupted(void *ctx)
{
    hooks_state *h = ctx;
    return h->stop_after_records && h->records >= h->stop_after_records;
}

static json_t *state_doc(const hooks_state *h)
{
    json_t *doc = json_object();
    json_t *res = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(h->resources, k, v) json_array_append(res, v);
    json_object_set_new(doc, "lineage", json_string("test-lineage"));
    json_object_set_new(doc, "serial", json_integer(1));
    json_object_set_new(doc, "resources", res);
    return doc;
}

/* ---- fixture ----------------------------------------------------------------------------- */

typedef struct fx {
    vpce_config *cfg;
    vpce_plan_providers *ps;
    json_t *vars;
    hooks_state hs;
    vpce_apply_hooks hooks;
} fx;

static void fx_init(fx *f, const char *text)
{
    json_decref(ap_world);
    json_decref(ap_log);
    json_decref(ap_journal);
    json_decref(ap_tokens);
    json_decref(ap_hidden);
    ap_tokens = json_object();
    ap_hidden = json_object();
    ap_world = json_object();
    ap_log = json_array();
    ap_journal = json_array();
    ap_next = ap_active = ap_max_active = ap_delay_ms = ap_journal_misses = 0;
    ap_fail_name = ap_wait_name = NULL;
    ap_wait_saw_cancel = false;
    vpce_cancel_reset();
    memset(f, 0, sizeof(*f));
    f->cfg = testprov_load(text);
    f->vars = json_object();
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_plan_providers_new(&f->ps, f->cfg, f->vars, &d), 0);
    vpce_diags_release(&d);
    f->hs.resources = json_object();
    f->hooks = (vpce_apply_hooks){
        .ctx = &f->hs,
        .begin = h_begin,
        .record = h_record,
        .abandon = h_abandon,
        .interrupted = h_interrupted,
    };
}

static void fx_release(fx *f)
{
    vpce_plan_providers_free(f->ps);
    vpce_config_free(f->cfg);
    json_decref(f->vars);
    json_decref(f->hs.resources);
}

static vpce_plan *fx_plan(fx *f, bool destroy)
{
    json_t *doc = state_doc(&f->hs);
    vpce_plan_opts o = {.refresh = true, .destroy = destroy, .providers = f->ps};
    vpce_plan *p = testprov_plan(f->cfg, doc, &o);
    json_decref(doc);
    return p;
}

static void fx_apply_resume(fx *f, const vpce_plan *p, int parallelism, const json_t *resume,
                            vpce_apply_result *res)
{
    vpce_apply_opts o = {
        .parallelism = parallelism,
        .cfg = f->cfg,
        .vars = f->vars,
        .providers = f->ps,
        .resume = resume,
    };
    assert_int_equal(vpce_apply(res, p, &o, &f->hooks), 0);
}

static void fx_apply(fx *f, const vpce_plan *p, int parallelism, vpce_apply_result *res)
{
    fx_apply_resume(f, p, parallelism, NULL, res);
}

static int log_pos(const char *entry)
{
    for (size_t i = 0; i < json_array_size(ap_log); i++)
        if (strcmp(json_string_value(json_array_get(ap_log, i)), entry) == 0)
            return (int)i;
    return -1;
}

/* ---- tests ------------------------------------------------------------------------------- */

static const char *TREE = "resource \"ap_thing\" \"vpc\" {\n  name = \"vpc\"\n}\n"
                          "resource \"ap_thing\" \"sub\" {\n  count = 3\n"
                          "  name = \"sub${count.index}\"\n  parent_id = ap_thing.vpc.id\n}\n"
                          "resource \"ap_thing\" \"leaf\" {\n  name = \"leaf\"\n"
                          "  parent_id = ap_thing.sub[1].id\n  value = ap_thing.vpc.id\n}\n";

static void creates_in_order_with_replanned_ids(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, TREE);
    vpce_plan *p = fx_plan(&f, false);
    vpce_change *leaf = testprov_change(p, "ap_thing.leaf");
    assert_true(vpce_is_unknown(json_object_get(leaf->after, "parent_id")));
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(json_array_size(res.failed), 0);
    assert_int_equal(res.added, 5);
    assert_int_equal(json_object_size(ap_world), 5);
    assert_int_equal(ap_journal_misses, 0);
    assert_int_equal(json_array_size(ap_journal), 0); /* cleared after each create */
    assert_true(log_pos("create vpc") < log_pos("create sub0"));
    assert_true(log_pos("create sub1") < log_pos("create leaf"));
    /* the children got the ids computed by the creates before them */
    json_t *vpc = json_object_get(f.hs.resources, "ap_thing.vpc");
    const char *vpc_id = json_string_value(json_object_get(vpc, "id"));
    json_t *sub1 = json_object_get(f.hs.resources, "ap_thing.sub[1]");
    json_t *lf = json_object_get(json_object_get(f.hs.resources, "ap_thing.leaf"), "attributes");
    assert_string_equal(json_string_value(json_object_get(lf, "value")), vpc_id);
    assert_string_equal(json_string_value(json_object_get(lf, "parent_id")),
                        json_string_value(json_object_get(sub1, "id")));
    /* the entries have the state document's shape */
    assert_string_equal(json_string_value(json_object_get(sub1, "type")), "ap_thing");
    assert_int_equal(json_integer_value(json_object_get(sub1, "index")), 1);
    assert_true(json_array_size(json_object_get(sub1, "dependencies")) >= 1);
    /* the walk's own state equals what was recorded */
    assert_int_equal(json_array_size(json_object_get(res.state, "resources")), 5);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* planning again finds nothing to do */
    p = fx_plan(&f, false);
    assert_false(vpce_plan_has_changes(p));
    vpce_plan_free(p);

    /* destroy: deletes in reverse dependency order */
    p = fx_plan(&f, true);
    fx_apply(&f, p, 10, &res);
    assert_int_equal(res.destroyed, 5);
    assert_int_equal(json_object_size(ap_world), 0);
    assert_int_equal(json_object_size(f.hs.resources), 0);
    assert_true(log_pos("delete leaf") < log_pos("delete sub1"));
    assert_true(log_pos("delete sub0") < log_pos("delete vpc"));
    assert_true(log_pos("delete sub2") < log_pos("delete vpc"));
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

/* create_before_destroy: the new object is made, what uses it switches to it, and only then is
   the old one deleted (as Terraform orders it), not before its users have moved. */
static void create_before_destroy_deletes_after_users_move(void **state)
{
    (void)state;
    static const char *const v1 =
        "resource \"ap_thing\" \"sg\" {\n  name = \"sg-v1\"\n"
        "  lifecycle {\n    create_before_destroy = true\n  }\n}\n"
        "resource \"ap_thing\" \"ep\" {\n  name = \"ep\"\n  value = ap_thing.sg.id\n}\n";
    fx f;
    fx_init(&f, v1);
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(res.added, 2);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* The same configuration with the group renamed: a replacement, new before old. */
    vpce_config_free(f.cfg);
    char *v2 = vpce_strdup(v1);
    memcpy(strstr(v2, "sg-v1"), "sg-v2", 5);
    f.cfg = testprov_load(v2);
    free(v2);
    json_array_clear(ap_log);
    p = fx_plan(&f, false);
    assert_int_equal(testprov_change(p, "ap_thing.sg")->action, VPCE_ACTION_CREATE_THEN_DELETE);
    fx_apply(&f, p, 10, &res);
    assert_int_equal(json_array_size(res.failed), 0);
    assert_int_equal(res.added, 1);
    assert_int_equal(res.changed, 1);
    assert_int_equal(res.destroyed, 1);
    assert_true(log_pos("create sg-v2") >= 0);
    assert_true(log_pos("create sg-v2") < log_pos("update ep"));
    assert_true(log_pos("update ep") < log_pos("delete sg-v1"));
    /* ep now points at the new group, and only the new group is left */
    json_t *sg = json_object_get(f.hs.resources, "ap_thing.sg");
    json_t *ep = json_object_get(json_object_get(f.hs.resources, "ap_thing.ep"), "attributes");
    assert_string_equal(json_string_value(json_object_get(ep, "value")),
                        json_string_value(json_object_get(sg, "id")));
    assert_int_equal(json_object_size(ap_world), 2);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* When a user of the new object fails, the old one is not deleted, and the run names it. */
    const char *old_id =
        json_string_value(json_object_get(json_object_get(f.hs.resources, "ap_thing.sg"), "id"));
    char *keep = vpce_strdup(old_id);
    vpce_config_free(f.cfg);
    f.cfg = testprov_load("resource \"ap_thing\" \"sg\" {\n  name = \"sg-v3\"\n"
                          "  lifecycle {\n    create_before_destroy = true\n  }\n}\n"
                          "resource \"ap_thing\" \"ep\" {\n  name = \"ep\"\n"
                          "  value = ap_thing.sg.id\n}\n"
                          "resource \"ap_thing\" \"bad\" {\n  name = \"bad\"\n"
                          "  value = ap_thing.sg.id\n}\n");
    ap_fail_name = "bad";
    p = fx_plan(&f, false);
    fx_apply(&f, p, 10, &res);
    ap_fail_name = NULL;
    assert_int_equal(json_array_size(res.failed), 1);
    char *expect = vpce_asprintf("ap_thing.sg (deleting the object it replaces, id %s)", keep);
    bool named = false;
    for (size_t k = 0; k < json_array_size(res.skipped); k++)
        named = named || strcmp(json_string_value(json_array_get(res.skipped, k)), expect) == 0;
    assert_true(named);
    assert_non_null(json_object_get(ap_world, keep)); /* still there */
    free(expect);
    free(keep);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

static void failure_stops_dependents_only(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, TREE);
    ap_fail_name = "sub1";
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 4, &res);
    assert_int_equal(json_array_size(res.failed), 1);
    json_t *fl = json_array_get(res.failed, 0);
    assert_string_equal(json_string_value(json_object_get(fl, "address")), "ap_thing.sub[1]");
    assert_non_null(strstr(json_string_value(json_object_get(fl, "error")),
                           "InvalidParameterValue: sub1 is refused"));
    assert_int_equal(json_array_size(res.skipped), 1);
    assert_string_equal(json_string_value(json_array_get(res.skipped, 0)), "ap_thing.leaf");
    assert_int_equal(res.added, 3); /* vpc, sub0, sub2 */
    assert_int_equal(json_object_size(f.hs.resources), 3);
    assert_int_equal(log_pos("create leaf"), -1);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* a second run finishes the job */
    ap_fail_name = NULL;
    p = fx_plan(&f, false);
    fx_apply(&f, p, 4, &res);
    assert_int_equal(json_array_size(res.failed), 0);
    assert_int_equal(res.added, 2);
    assert_int_equal(json_object_size(ap_world), 5);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    p = fx_plan(&f, false);
    assert_false(vpce_plan_has_changes(p));
    vpce_plan_free(p);
    fx_release(&f);
}

static const char *WIDE = "resource \"ap_thing\" \"w\" {\n  count = 16\n"
                          "  name = \"w${count.index}\"\n}\n";

static void parallelism_is_bounded(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, WIDE);
    ap_delay_ms = 40;
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 4, &res);
    assert_int_equal(res.added, 16);
    assert_int_equal(ap_max_active, 4); /* ran in parallel, never more than 4 at once */
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* parallelism 1 runs one at a time */
    p = fx_plan(&f, true);
    ap_max_active = 0;
    fx_apply(&f, p, 1, &res);
    assert_int_equal(res.destroyed, 16);
    assert_int_equal(ap_max_active, 1);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

static void interrupt_starts_nothing_new(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, WIDE);
    ap_delay_ms = 20;
    f.hs.stop_after_records = 2;
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 2, &res);
    assert_true(res.interrupted);
    assert_true(res.added >= 2 && res.added < 16);
    /* what ran was recorded: state and remote world agree, no journal left */
    assert_int_equal((int)json_object_size(f.hs.resources), res.added);
    assert_int_equal((int)json_object_size(ap_world), res.added);
    assert_int_equal(json_array_size(ap_journal), 0);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

static void recovery_adopts_and_clears(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, TREE);
    /* a crashed run: the vpc create reached the provider, the sub[0] create did not */
    json_t *obj =
        json_pack("{s:s, s:s, s:s}", "name", "vpc", "id", "ap-77", "_address", "ap_thing.vpc");
    json_object_set_new(ap_world, "ap-77", obj);
    json_t *entries = json_pack(
        "[{s:I, s:s, s:s, s:s}, {s:I, s:s, s:s, s:s}, {s:I, s:s, s:s, s:n}]", "id", (json_int_t)1,
        "address", "ap_thing.vpc", "action", "create", "token", "0123456789abcdef0123456789abcdef",
        "id", (json_int_t)2, "address", "ap_thing.sub[0]", "action", "create", "token",
        "fedcba9876543210fedcba9876543210", "id", (json_int_t)3, "address", "ap_thing.old",
        "action", "delete", "token");
    json_t *e;
    size_t i;
    json_array_foreach(entries, i, e) json_array_append(ap_journal, e);
    f.hs.next_jid = 3;
    json_t *report = NULL, *resume = NULL;
    assert_int_equal(vpce_apply_recover(entries, f.cfg, f.ps, &f.hooks, 0, &report, &resume), 0);
    assert_int_equal(json_array_size(report), 3);
    json_t *vpc = json_object_get(f.hs.resources, "ap_thing.vpc");
    assert_non_null(vpc);
    assert_string_equal(json_string_value(json_object_get(vpc, "id")), "ap-77");
    assert_null(json_object_get(f.hs.resources, "ap_thing.sub[0]"));
    assert_int_equal(f.hs.abandons, 1); /* the delete; sub[0] keeps its entry and token */
    assert_int_equal(json_array_size(ap_journal), 1);
    assert_int_equal(json_object_size(resume), 1);
    json_t *rs = json_object_get(resume, "ap_thing.sub[0]");
    assert_string_equal(json_string_value(json_object_get(rs, "token")),
                        "fedcba9876543210fedcba9876543210");
    assert_int_equal(json_integer_value(json_object_get(rs, "journal_id")), 2);

    /* the next apply creates only what is missing: no duplicate vpc */
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply_resume(&f, p, 10, resume, &res);
    assert_int_equal(res.added, 4);
    assert_int_equal(json_object_size(ap_world), 5);
    assert_int_equal(log_pos("create vpc"), -1);
    assert_int_equal(ap_journal_misses, 0);
    assert_int_equal(json_array_size(ap_journal), 0); /* the kept entry was replaced, then done */
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    json_decref(resume);
    json_decref(report);
    json_decref(entries);
    fx_release(&f);
}

/* A crashed run's create made an object the search does not see yet (eventual consistency):
   recovery keeps the token, and the walk sends the create with it, so the provider's token
   idempotency answers with that object instead of a second one. */
static void token_reused_after_not_found(void **state)
{
    (void)state;
    static const char *const tok = "00112233445566778899aabbccddeeff";
    for (int reuse = 1; reuse >= 0; reuse--) {
        fx f;
        fx_init(&f, TREE);
        json_t *obj =
            json_pack("{s:s, s:s, s:s}", "name", "vpc", "id", "ap-77", "_address", "ap_thing.vpc");
        json_object_set_new(ap_world, "ap-77", obj);
        json_object_set_new(ap_tokens, tok, json_string("ap-77"));
        /* Hidden from searches for the first 30 s only: a recovery that waited its window
           (60 s) would find it; one that does not wait for an old entry finds nothing. */
        json_object_set_new(ap_hidden, "ap-77", json_integer(vpce_now_ms() + 30000));
        json_t *entries =
            json_pack("[{s:I, s:s, s:s, s:s, s:s}]", "id", (json_int_t)1, "address", "ap_thing.vpc",
                      "action", "create", "token", tok, "started_at", "2001-01-01T00:00:00Z");
        json_array_append(ap_journal, json_array_get(entries, 0));
        f.hs.next_jid = 1;
        json_t *report = NULL, *resume = NULL;
        assert_int_equal(
            vpce_apply_recover(entries, f.cfg, f.ps, &f.hooks, 60000, &report, &resume), 0);
        /* an old entry: no consistency wait, so the object is still hidden */
        assert_null(json_object_get(f.hs.resources, "ap_thing.vpc"));
        assert_int_equal(f.hs.abandons, 0);
        assert_int_equal(json_array_size(ap_journal), 1);
        assert_non_null(strstr(json_string_value(json_array_get(report, 0)), "with its token"));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(resume, "ap_thing.vpc"), "token")),
            tok);

        vpce_plan *p = fx_plan(&f, false);
        vpce_apply_result res;
        fx_apply_resume(&f, p, 10, reuse ? resume : NULL, &res);
        assert_int_equal(json_array_size(res.failed), 0);
        assert_int_equal(res.added, 5);
        json_t *vpc = json_object_get(f.hs.resources, "ap_thing.vpc");
        if (reuse) {
            /* the object made before the crash, once; the old entry replaced and cleared */
            assert_string_equal(json_string_value(json_object_get(vpc, "id")), "ap-77");
            assert_int_equal(json_object_size(ap_world), 5);
            assert_int_equal(json_array_size(ap_journal), 0);
            assert_int_equal(f.hs.abandons, 1);
            assert_int_equal(ap_journal_misses, 0);
        } else {
            /* control: a new token makes a duplicate, which is what the resume prevents */
            assert_string_not_equal(json_string_value(json_object_get(vpc, "id")), "ap-77");
            assert_int_equal(json_object_size(ap_world), 6);
        }
        vpce_apply_result_release(&res);
        vpce_plan_free(p);
        json_decref(resume);
        json_decref(report);
        json_decref(entries);
        fx_release(&f);
    }
}

/* The configuration changed between the crash and the next run: the resumed token meets
   EC2's IdempotentParameterMismatch, and the error says what happened instead of making a
   second object with a fresh token. */
static void resumed_token_mismatch_is_explained(void **state)
{
    (void)state;
    static const char *const tok = "00112233445566778899aabbccddeeff";
    fx f;
    fx_init(&f, TREE);
    json_object_set_new(ap_world, "ap-77",
                        json_pack("{s:s, s:s, s:s}", "name", "vpc-before-the-edit", "id", "ap-77",
                                  "_address", "ap_thing.vpc"));
    json_object_set_new(ap_tokens, tok, json_string("ap-77"));
    json_object_set_new(ap_hidden, "ap-77", json_true());
    json_t *entries =
        json_pack("[{s:I, s:s, s:s, s:s, s:s}]", "id", (json_int_t)1, "address", "ap_thing.vpc",
                  "action", "create", "token", tok, "started_at", "2001-01-01T00:00:00Z");
    json_array_append(ap_journal, json_array_get(entries, 0));
    f.hs.next_jid = 1;
    json_t *report = NULL, *resume = NULL;
    assert_int_equal(vpce_apply_recover(entries, f.cfg, f.ps, &f.hooks, 0, &report, &resume), 0);
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply_resume(&f, p, 10, resume, &res);
    assert_int_equal(json_array_size(res.failed), 1);
    const char *err = json_string_value(json_object_get(json_array_get(res.failed, 0), "error"));
    assert_non_null(strstr(err, "IdempotentParameterMismatch"));
    assert_non_null(strstr(err, "reused the idempotency token of an earlier run"));
    assert_int_equal(json_object_size(ap_world), 1); /* nothing new was made */
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    json_decref(resume);
    json_decref(report);
    json_decref(entries);
    fx_release(&f);
}

/* Recovery waits until the newest create entry is window_ms old before searching, and not
   longer; a resource no longer configured has its entry cleared, not kept. */
static void recovery_waits_for_consistency_window(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, TREE);
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *entries = json_pack(
        "[{s:I, s:s, s:s, s:s, s:s}, {s:I, s:s, s:s, s:s, s:s}]", "id", (json_int_t)1, "address",
        "ap_thing.sub[1]", "action", "create", "token", "0123456789abcdef0123456789abcdef",
        "started_at", now, "id", (json_int_t)2, "address", "ap_thing.gone", "action", "create",
        "token", "fedcba9876543210fedcba9876543210", "started_at", "2001-01-01T00:00:00Z");
    json_t *e;
    size_t i;
    json_array_foreach(entries, i, e) json_array_append(ap_journal, e);
    f.hs.next_jid = 2;
    /* made just now and hidden from searches for 300 ms */
    json_t *obj =
        json_pack("{s:s, s:s, s:s}", "name", "sub1", "id", "ap-9", "_address", "ap_thing.sub[1]");
    json_object_set_new(ap_world, "ap-9", obj);
    json_object_set_new(ap_hidden, "ap-9", json_integer(vpce_now_ms() + 300));
    json_t *report = NULL, *resume = NULL;
    assert_int_equal(vpce_apply_recover(entries, f.cfg, f.ps, &f.hooks, 600, &report, &resume), 0);
    /* found, so the search came after the window: a search at once would not have seen it */
    assert_non_null(json_object_get(f.hs.resources, "ap_thing.sub[1]"));
    assert_int_equal(json_object_size(resume), 0);
    assert_int_equal(json_array_size(ap_journal), 0); /* adopted; the unconfigured one cleared */
    json_decref(report);
    json_decref(resume);

    /* the same entry with a timestamp unreadable, or far in the future: the whole window (an
       object hidden for half of it is found), never more (the call returns) */
    static const char *const stamps[] = {"yesterday", "2999-01-01T00:00:00Z"};
    for (int k = 0; k < 2; k++) {
        json_t *bad = json_pack("[{s:I, s:s, s:s, s:s, s:s}]", "id", (json_int_t)(3 + k), "address",
                                "ap_thing.sub[2]", "action", "create", "token",
                                "0123456789abcdef0123456789abcdef", "started_at", stamps[k]);
        json_array_append(ap_journal, json_array_get(bad, 0));
        char id[16];
        snprintf(id, sizeof(id), "ap-2%d", k);
        json_object_set_new(
            ap_world, id,
            json_pack("{s:s, s:s, s:s}", "name", "sub2", "id", id, "_address", "ap_thing.sub[2]"));
        json_object_set_new(ap_hidden, id, json_integer(vpce_now_ms() + 150));
        assert_int_equal(vpce_apply_recover(bad, f.cfg, f.ps, &f.hooks, 300, &report, &resume), 0);
        assert_int_equal(json_object_size(resume), 0); /* found after the window: adopted */
        assert_non_null(json_object_get(f.hs.resources, "ap_thing.sub[2]"));
        json_object_del(f.hs.resources, "ap_thing.sub[2]");
        json_object_del(ap_world, id);
        json_decref(report);
        json_decref(resume);
        json_decref(bad);
    }
    json_decref(entries);
    fx_release(&f);
}

static void update_in_place_and_outputs(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "resource \"ap_thing\" \"a\" {\n  name = \"a\"\n  value = \"one\"\n}\n"
                "output \"a_id\" {\n  value = ap_thing.a.id\n}\n");
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(res.added, 1);
    json_t *outs = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_apply_outputs(&outs, f.cfg, f.vars, res.state, f.ps, &d), 0);
    char *id = vpce_strdup(
        json_string_value(json_object_get(json_object_get(f.hs.resources, "ap_thing.a"), "id")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(outs, "a_id"), "value")),
                        id);
    json_decref(outs);
    vpce_diags_release(&d);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* an edited argument: one update in place, same id */
    json_t *w = json_object_get(ap_world, id);
    json_object_set_new(w, "value", json_string("drifted"));
    p = fx_plan(&f, false);
    assert_int_equal(testprov_change(p, "ap_thing.a")->action, VPCE_ACTION_UPDATE);
    fx_apply(&f, p, 10, &res);
    assert_int_equal(res.changed, 1);
    assert_int_equal(res.added, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(ap_world, id), "value")),
                        "one");
    free(id);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

/* Reloads the configuration of f from text (a format with one %s, given arg). */
static void fx_reload(fx *f, const char *fmt, const char *arg)
{
    char *text = vpce_asprintf(fmt, arg);
    vpce_config_free(f->cfg);
    f->cfg = testprov_load(text);
    free(text);
}

static const char *REPLACE = "resource \"ap_thing\" \"vpc\" {\n  name = \"%s\"\n}\n"
                             "resource \"ap_thing\" \"sub\" {\n  count = 2\n"
                             "  name = \"sub${count.index}\"\n  parent_id = ap_thing.vpc.id\n}\n"
                             "resource \"ap_thing\" \"gw\" {\n  name = \"gw\"\n"
                             "  value = ap_thing.vpc.id\n}\n"
                             "resource \"ap_thing\" \"leaf\" {\n  name = \"leaf\"\n"
                             "  parent_id = ap_thing.sub[0].id\n}\n";

/* Replacing an object (delete, then create) with dependents: what uses the old object is
   deleted first (its dependents are replaced with it, even gw, whose updatable value refers to
   it), then the object; the new object is created before its dependents. The provider refuses
   to delete an object still in use, as EC2 does, so a wrong order fails the apply. */
static void replace_deletes_dependents_first(void **state)
{
    (void)state;
    fx f;
    char *v1 = vpce_asprintf(REPLACE, "vpc-v1");
    fx_init(&f, v1);
    free(v1);
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(res.added, 5);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    fx_reload(&f, REPLACE, "vpc-v2");
    json_array_clear(ap_log);
    p = fx_plan(&f, false);
    const char *const replaced[] = {"ap_thing.vpc", "ap_thing.sub[0]", "ap_thing.sub[1]",
                                    "ap_thing.leaf", "ap_thing.gw"};
    for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++)
        assert_int_equal(testprov_change(p, replaced[i])->action, VPCE_ACTION_DELETE_THEN_CREATE);
    fx_apply(&f, p, 10, &res);
    for (size_t i = 0; i < json_array_size(res.failed); i++)
        print_message("failed: %s\n",
                      json_string_value(json_object_get(json_array_get(res.failed, i), "error")));
    assert_int_equal(json_array_size(res.failed), 0);
    assert_int_equal(res.added, 5);
    assert_int_equal(res.destroyed, 5);
    assert_true(log_pos("delete leaf") < log_pos("delete sub0"));
    assert_true(log_pos("delete sub0") < log_pos("delete vpc-v1"));
    assert_true(log_pos("delete sub1") < log_pos("delete vpc-v1"));
    assert_true(log_pos("delete gw") < log_pos("delete vpc-v1"));
    assert_true(log_pos("delete vpc-v1") < log_pos("create vpc-v2"));
    assert_true(log_pos("create vpc-v2") < log_pos("create sub0"));
    assert_true(log_pos("create sub0") < log_pos("create leaf"));
    assert_true(log_pos("create vpc-v2") < log_pos("create gw"));
    /* each replacement is listed once, as a replacement */
    assert_int_equal(json_array_size(res.succeeded), 5);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(res.succeeded, 4), "action")),
        "delete-then-create");
    const char *vpc_id =
        json_string_value(json_object_get(json_object_get(f.hs.resources, "ap_thing.vpc"), "id"));
    json_t *gw = json_object_get(json_object_get(f.hs.resources, "ap_thing.gw"), "attributes");
    assert_string_equal(json_string_value(json_object_get(gw, "value")), vpc_id);
    assert_int_equal(json_object_size(ap_world), 5);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    p = fx_plan(&f, false);
    assert_false(vpce_plan_has_changes(p));
    vpce_plan_free(p);
    fx_release(&f);
}

static const char *STOP_USING = "resource \"ap_thing\" \"a_sub\" {\n  for_each = toset(%s)\n"
                                "  name = \"sub-${each.key}\"\n}\n"
                                "resource \"ap_thing\" \"ep\" {\n  name = \"ep\"\n"
                                "  value = join(\",\", [for s in ap_thing.a_sub : s.id])\n}\n";

/* A delete waits for the in-place updates of what stops using the object: the instance removed
   from a for_each map is deleted only after the endpoint dropped it, whether the endpoint still
   refers to the resource in its configuration or only its prior state records it. One thread,
   the delete first in address order: without the edge it would run first and be refused. */
static void delete_waits_for_updates_that_stop_using_it(void **state)
{
    (void)state;
    fx f;
    char *v1 = vpce_asprintf(STOP_USING, "[\"a\", \"b\"]");
    fx_init(&f, v1);
    free(v1);
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(res.added, 3);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    fx_reload(&f, STOP_USING, "[\"a\"]");
    json_array_clear(ap_log);
    p = fx_plan(&f, false);
    assert_int_equal(testprov_change(p, "ap_thing.a_sub[\"b\"]")->action, VPCE_ACTION_DELETE);
    assert_int_equal(testprov_change(p, "ap_thing.ep")->action, VPCE_ACTION_UPDATE);
    fx_apply(&f, p, 1, &res);
    assert_int_equal(json_array_size(res.failed), 0);
    assert_true(log_pos("update ep") >= 0);
    assert_true(log_pos("update ep") < log_pos("delete sub-b"));
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* the endpoint no longer refers to the subnets at all: its prior state still does */
    vpce_config_free(f.cfg);
    f.cfg = testprov_load("resource \"ap_thing\" \"ep\" {\n  name = \"ep\"\n"
                          "  value = \"none\"\n}\n");
    json_array_clear(ap_log);
    p = fx_plan(&f, false);
    assert_int_equal(testprov_change(p, "ap_thing.ep")->ndepends_on, 0);
    fx_apply(&f, p, 1, &res);
    assert_int_equal(json_array_size(res.failed), 0);
    assert_true(log_pos("update ep") >= 0);
    assert_true(log_pos("update ep") < log_pos("delete sub-a"));
    assert_int_equal(json_object_size(ap_world), 1);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

/* A delete refused because the object is still used names the users the state records, and
   the operation gets each type's own timeout (0 here: no walk-wide override) unless one is
   given. */
static void dependency_violation_names_users(void **state)
{
    (void)state;
    fx f;
    char *v1 = vpce_asprintf(STOP_USING, "[\"a\", \"b\"]");
    fx_init(&f, v1);
    free(v1);
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);

    /* only the subnet is targeted: the endpoint that uses it is left as it is */
    fx_reload(&f, STOP_USING, "[\"a\"]");
    json_t *doc = state_doc(&f.hs);
    const char *targets[] = {"ap_thing.a_sub[\"b\"]"};
    vpce_plan_opts o = {.refresh = true, .providers = f.ps, .targets = targets, .ntargets = 1};
    p = testprov_plan(f.cfg, doc, &o);
    json_decref(doc);
    ap_last_timeout = -1;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(ap_last_timeout, 0);
    assert_int_equal(json_array_size(res.failed), 1);
    const char *err = json_string_value(json_object_get(json_array_get(res.failed, 0), "error"));
    assert_non_null(strstr(err, "DependencyViolation"));
    assert_non_null(strstr(err, "still used by ap_thing.ep"));
    vpce_apply_result_release(&res);

    vpce_apply_opts ao = {.cfg = f.cfg, .vars = f.vars, .providers = f.ps, .op_timeout_ms = 1234};
    assert_int_equal(vpce_apply(&res, p, &ao, &f.hooks), 0);
    assert_int_equal(ap_last_timeout, 1234);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

/* Cancels the apply once the waiting create has started (what a SIGTERM does). */
static void cancel_on_start(void *ctx, const vpce_apply_event *ev)
{
    (void)ctx;
    if (ev->kind == VPCE_APPLY_EV_START && strcmp(ev->change->address, "ap_thing.w[0]") == 0)
        vpce_cancel_request();
}

/* A cancellation ends a running operation's wait at once (it would otherwise last ten
   minutes), starts nothing new, reports the walk as interrupted, and keeps the journal entry
   of the create that was waiting, for the next run to reconcile. */
static void cancel_ends_running_waits(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, WIDE);
    ap_wait_name = "w0";
    f.hooks.progress = cancel_on_start;
    vpce_plan *p = fx_plan(&f, false);
    vpce_apply_result res;
    fx_apply(&f, p, 1, &res);
    assert_true(ap_wait_saw_cancel);
    assert_true(res.interrupted);
    assert_int_equal(res.added, 0);
    assert_int_equal(json_array_size(res.failed), 1);
    assert_non_null(strstr(
        json_string_value(json_object_get(json_array_get(res.failed, 0), "error")), "interrupted"));
    assert_int_equal(json_array_size(ap_log), 1); /* nothing else started */
    assert_int_equal(json_array_size(ap_journal), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ap_journal, 0), "address")),
        "ap_thing.w[0]");
    vpce_cancel_reset();
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

/* A postcondition not known at plan time is checked once the object exists: the object stays
   in state, its dependents are not applied, and the failure names the condition. */
static void postcondition_checked_after_apply(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "resource \"ap_thing\" \"a\" {\n  name = \"a\"\n"
                "  lifecycle {\n    postcondition {\n"
                "      condition = self.id == \"ap-999\"\n"
                "      error_message = \"got ${self.id}\"\n    }\n  }\n}\n"
                "resource \"ap_thing\" \"b\" {\n  name = \"b\"\n"
                "  parent_id = ap_thing.a.id\n}\n");
    vpce_plan *p = fx_plan(&f, false);
    assert_true(testprov_change(p, "ap_thing.a")->checks_pending);
    vpce_apply_result res;
    fx_apply(&f, p, 10, &res);
    assert_int_equal(json_array_size(res.failed), 1);
    json_t *fl = json_array_get(res.failed, 0);
    assert_string_equal(json_string_value(json_object_get(fl, "address")), "ap_thing.a");
    const char *e = json_string_value(json_object_get(fl, "error"));
    assert_non_null(strstr(e, "resource postcondition failed ("));
    assert_non_null(strstr(e, "main.vpce:5): got ap-1"));
    assert_int_equal(json_array_size(res.skipped), 1);
    assert_non_null(json_object_get(f.hs.resources, "ap_thing.a")); /* made, so recorded */
    assert_int_equal(log_pos("create b"), -1);
    vpce_apply_result_release(&res);
    vpce_plan_free(p);
    fx_release(&f);
}

/* A precondition that depends on what apply makes is checked before the operation. */
static void precondition_deferred_to_apply(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "resource \"ap_thing\" \"a\" {\n  name = \"a\"\n}\n"
                "resource \"ap_thing\" \"b\" {\n  name = \"b\"\n"
                "  lifecycle {\n    precondition {\n"
                "      condition = ap_thing.a.id == \"ap-999\"\n"
                "      error_message = \"a is ${ap_thing.a.id}\"\n    }\n  }\n}\n"
                "resource \"ap_thing\" \"c\" {\n  name = \"c\"\n"
                "  lifecycle {\n    precondition {\n"
                "      condition = ap_thing.a.id != \"\"\n"
                "      error_message = \"no id\"\n    }\n  }\n}\n");
    vpce_plan *p = fx_plan(&f, false);
    vpce_change *b = testprov_change(p, "ap_thing.b");
    assert_int_equal(b->action, VPCE_ACTION_CREATE);
    assert_true(b->checks_pending);
    /* The mark survives a plan file. */
    json_t *doc = vpce_plan_to_json(p);
    vpce_plan *p2 = NULL;
    assert_int_equal(vpce_plan_from_json(&p2, doc), 0);
    assert_true(testprov_change(p2, "ap_thing.b")->checks_pending);
    assert_false(testprov_change(p2, "ap_thing.a")->checks_pending);
    json_decref(doc);
    vpce_apply_result res;
    fx_apply(&f, p2, 1, &res);
    assert_int_equal(json_array_size(res.failed), 1);
    json_t *fl = json_array_get(res.failed, 0);
    assert_string_equal(json_string_value(json_object_get(fl, "address")), "ap_thing.b");
    const char *e = json_string_value(json_object_get(fl, "error"));
    assert_non_null(strstr(e, "resource precondition failed ("));
    assert_non_null(strstr(e, "main.vpce:8): a is ap-1"));
    assert_int_equal(log_pos("create b"), -1);
    assert_true(log_pos("create c") >= 0); /* its precondition holds */
    assert_int_equal(res.added, 2);
    vpce_apply_result_release(&res);
    vpce_plan_free(p2);
    vpce_plan_free(p);
    fx_release(&f);
}

int main(void)
{
    vpce_providers_register(&ap_provider);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(creates_in_order_with_replanned_ids),
        cmocka_unit_test(create_before_destroy_deletes_after_users_move),
        cmocka_unit_test(failure_stops_dependents_only),
        cmocka_unit_test(parallelism_is_bounded),
        cmocka_unit_test(interrupt_starts_nothing_new),
        cmocka_unit_test(recovery_adopts_and_clears),
        cmocka_unit_test(token_reused_after_not_found),
        cmocka_unit_test(resumed_token_mismatch_is_explained),
        cmocka_unit_test(recovery_waits_for_consistency_window),
        cmocka_unit_test(update_in_place_and_outputs),
        cmocka_unit_test(replace_deletes_dependents_first),
        cmocka_unit_test(delete_waits_for_updates_that_stop_using_it),
        cmocka_unit_test(dependency_violation_names_users),
        cmocka_unit_test(cancel_ends_running_waits),
        cmocka_unit_test(postcondition_checked_after_apply),
        cmocka_unit_test(precondition_deferred_to_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
