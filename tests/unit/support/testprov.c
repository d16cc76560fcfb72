/* tests/unit/support/testprov.c: the in-memory "test" provider and a small apply loop. */
#include "tests/unit/support/testprov.h"

#include "config/config.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *world; /* id -> object */
static int next_id;
static testprov_counters counters;
static int dummy_instance;

static const vpce_attr_schema rule_attrs[] = {
    {"port", "number", VPCE_ATTR_REQUIRED, NULL, NULL},
    {"cidr", "string", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL},
};
static const vpce_nested_block no_blocks[] = {{NULL, 0, 0, 0, 0, NULL}};
static const vpce_block_schema rule_schema = {rule_attrs, no_blocks};

static const vpce_attr_schema thing_attrs[] = {
    {"name", "string", VPCE_ATTR_REQUIRED | VPCE_ATTR_FORCE_NEW, NULL, NULL},
    {"size", "number", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {"tags", "map(string)", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {"zones", "set(string)", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {"policy", "string", VPCE_ATTR_OPTIONAL | VPCE_ATTR_JSON | VPCE_ATTR_POLICY, NULL, NULL},
    {"secret", "string", VPCE_ATTR_OPTIONAL | VPCE_ATTR_SENSITIVE, NULL, NULL},
    {"note", "string", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {"id", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {"arn", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {"computed_value", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL},
};
static const vpce_nested_block thing_blocks[] = {
    {"rule", VPCE_NEST_SET, 0, 0, 0, &rule_schema},
    {NULL, 0, 0, 0, 0, NULL},
};
static const vpce_block_schema thing_schema = {thing_attrs, thing_blocks};

static const vpce_attr_schema child_attrs[] = {
    {"parent_id", "string", VPCE_ATTR_REQUIRED | VPCE_ATTR_FORCE_NEW, NULL, NULL},
    {"value", "string", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {"id", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL},
};
static const vpce_block_schema child_schema = {child_attrs, no_blocks};

static const vpce_attr_schema lookup_attrs[] = {
    {"name", "string", VPCE_ATTR_REQUIRED, NULL, NULL},
    {"value", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {"id", "string", VPCE_ATTR_COMPUTED, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL},
};
static const vpce_block_schema lookup_schema = {lookup_attrs, no_blocks};

static const vpce_attr_schema config_attrs[] = {
    {"region", "string", VPCE_ATTR_OPTIONAL, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL},
};
static const vpce_block_schema config_schema = {config_attrs, no_blocks};

static json_t *get_world(void)
{
    if (!world)
        world = json_object();
    return world;
}

/* Known configurable values of config over base; computed unknowns filled by fill(). */
static json_t *materialize(const json_t *base, const json_t *config, const char *prefix, int n)
{
    json_t *s = base ? json_deep_copy(base) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)config, k, v)
    {
        if (vpce_contains_unknown(v)) {
            json_t *cur = json_object_get(s, k);
            if (!cur || json_is_null(cur) || vpce_contains_unknown(cur))
                json_object_set_new(s, k, vpce_unknown());
            continue;
        }
        json_object_set(s, k, v);
    }
    json_object_foreach(s, k, v)
    {
        if (!vpce_is_unknown(v))
            continue;
        if (strcmp(k, "id") == 0)
            json_object_set_new(s, k, json_sprintf("%s-%d", prefix, n));
        else if (strcmp(k, "arn") == 0)
            json_object_set_new(s, k, json_sprintf("arn:test:::%s/%d", prefix, n));
        else if (strcmp(k, "computed_value") == 0)
            json_object_set_new(s, k, json_sprintf("cv-%d", n));
        else
            json_object_set_new(s, k, json_null());
    }
    if (!json_object_get(s, "id"))
        json_object_set_new(s, "id", json_sprintf("%s-%d", prefix, n));
    return s;
}

static int op_create(vpce_resource_op *op, const char *prefix)
{
    counters.create++;
    int n = ++next_id;
    json_t *s = materialize(NULL, op->config, prefix, n);
    json_object_set(get_world(), json_string_value(json_object_get(s, "id")), s);
    op->new_state = s;
    return 0;
}

static int thing_create(vpce_resource_op *op)
{
    return op_create(op, "thing");
}

static int child_create(vpce_resource_op *op)
{
    return op_create(op, "child");
}

static int op_update(vpce_resource_op *op)
{
    counters.update++;
    const char *id = json_string_value(json_object_get(op->prior, "id"));
    json_t *cur = id ? json_object_get(get_world(), id) : NULL;
    if (!cur)
        return vpce_error_setc(VPCE_ENOTFOUND, "NotFound: %s does not exist", id ? id : "?");
    json_t *s = materialize(cur, op->config, "x", 0);
    json_object_set_new(get_world(), id, json_deep_copy(s));
    op->new_state = s;
    return 0;
}

static int op_delete(vpce_resource_op *op)
{
    counters.del++;
    const char *id = json_string_value(json_object_get(op->prior, "id"));
    if (id)
        json_object_del(get_world(), id);
    return 0;
}

static const char *read_failure;

void testprov_fail_reads(const char *message)
{
    read_failure = message;
}

static int read_batch(json_t *const *priors, size_t n, json_t **out)
{
    if (read_failure)
        return vpce_error_set("%s", read_failure);
    counters.read_batch++;
    counters.read_batch_items += n;
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_object_get(priors[i], "id"));
        json_t *cur = id ? json_object_get(get_world(), id) : NULL;
        out[i] = cur ? json_deep_copy(cur) : NULL;
    }
    return 0;
}

static int thing_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    (void)p;
    counters.read_batch_thing++;
    return read_batch(priors, n, out);
}

static int child_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    (void)p;
    counters.read_batch_child++;
    return read_batch(priors, n, out);
}

static int op_import(vpce_provider *p, const char *id, json_t **out)
{
    (void)p;
    json_t *cur = json_object_get(get_world(), id);
    if (!cur)
        return vpce_error_setc(VPCE_ENOTFOUND, "NotFound: %s does not exist", id);
    *out = json_deep_copy(cur);
    return 0;
}

static int lookup_read(vpce_provider *p, const json_t *config, json_t **out)
{
    (void)p;
    counters.read_data++;
    const char *name = json_string_value(json_object_get(config, "name"));
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name ? name : ""));
    json_object_set_new(o, "value", json_sprintf("value-of-%s", name ? name : ""));
    json_object_set_new(o, "id", json_string(name ? name : ""));
    *out = o;
    return 0;
}

static const vpce_resource_type thing_type = {
    .name = "test_thing",
    .schema = &thing_schema,
    .create = thing_create,
    .update = op_update,
    .delete = op_delete,
    .read_batch = thing_read_batch,
    .import = op_import,
};
static const vpce_resource_type child_type = {
    .name = "test_child",
    .schema = &child_schema,
    .create = child_create,
    .update = op_update,
    .delete = op_delete,
    .read_batch = child_read_batch,
    .import = op_import,
};
static const vpce_resource_type lookup_type = {
    .name = "test_lookup",
    .schema = &lookup_schema,
    .read = lookup_read,
};
static const vpce_resource_type *const resources[] = {&thing_type, &child_type, NULL};
static const vpce_resource_type *const data_sources[] = {&lookup_type, NULL};

static int configure(vpce_provider **out, const json_t *config)
{
    (void)config;
    counters.configure++;
    *out = (vpce_provider *)&dummy_instance;
    return 0;
}

static void provider_free(vpce_provider *p)
{
    (void)p;
}

static const vpce_provider_type test_provider = {
    .name = "test",
    .config_schema = &config_schema,
    .resources = resources,
    .data_sources = data_sources,
    .configure = configure,
    .free = provider_free,
};

void testprov_register(void)
{
    vpce_providers_register(&test_provider);
    testprov_reset();
}

void testprov_reset(void)
{
    json_decref(world);
    world = json_object();
    next_id = 0;
    memset(&counters, 0, sizeof(counters));
}

testprov_counters *testprov_counters_get(void)
{
    return &counters;
}

json_t *testprov_remote(const char *id)
{
    return json_object_get(get_world(), id);
}

void testprov_remote_delete(const char *id)
{
    json_object_del(get_world(), id);
}

size_t testprov_remote_count(void)
{
    return json_object_size(get_world());
}

/* ---- apply ------------------------------------------------------------------------------- */

static bool config_ready(const vpce_change *c)
{
    const vpce_resource_type *rt = vpce_providers_resource(c->type);
    if (!rt)
        return false;
    for (const vpce_attr_schema *a = rt->schema->attrs; a->name; a++)
        if ((a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL)) &&
            vpce_contains_unknown(json_object_get(c->after, a->name)))
            return false;
    return true;
}

static json_t *state_entry(const vpce_change *c, json_t *attrs)
{
    json_t *e = json_object();
    json_object_set_new(e, "address", json_string(c->address));
    json_object_set_new(e, "mode", json_string(c->mode));
    json_object_set_new(e, "type", json_string(c->type));
    json_object_set_new(e, "name", json_string(c->name));
    json_object_set_new(e, "index", c->index ? json_deep_copy(c->index) : json_null());
    json_object_set_new(e, "provider", json_string(c->provider));
    json_object_set(e, "id", json_object_get(attrs, "id"));
    json_object_set_new(e, "schema_version", json_integer(0));
    json_object_set_new(e, "attributes", attrs);
    json_object_set_new(e, "sensitive_attributes", json_array());
    json_t *deps = json_array();
    for (size_t i = 0; i < c->ndepends_on; i++)
        json_array_append_new(deps, json_string(c->depends_on[i]));
    json_object_set_new(e, "dependencies", deps);
    return e;
}

int testprov_apply(const vpce_plan *p, json_t **out)
{
    json_t *doc = json_deep_copy(p->prior);
    json_t *byaddr = json_object();
    json_t *res = json_object_get(doc, "resources");
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r)
        json_object_set(byaddr, json_string_value(json_object_get(r, "address")), r);
    vpce_apply_step *order;
    size_t n;
    int rc = 0;
    vpce_plan_apply_order(p, &order, &n);
    for (size_t k = 0; k < n; k++) {
        const vpce_change *c = p->changes[order[k].change];
        if (strcmp(c->mode, "managed") != 0)
            continue;
        const vpce_resource_type *rt = vpce_providers_resource(c->type);
        bool replace = c->action == VPCE_ACTION_DELETE_THEN_CREATE ||
                       c->action == VPCE_ACTION_CREATE_THEN_DELETE;
        bool create = c->action == VPCE_ACTION_CREATE || replace;
        if (order[k].del) {
            vpce_resource_op op = {.address = c->address, .prior = c->before};
            if ((rc = rt->delete (&op)) < 0)
                goto cleanup;
            if (c->action != VPCE_ACTION_CREATE_THEN_DELETE)
                json_object_del(byaddr, c->address);
            continue;
        }
        if ((create || c->action == VPCE_ACTION_UPDATE) && !config_ready(c))
            continue; /* waits for what it references: the next round plans it again */
        if (create || c->action == VPCE_ACTION_UPDATE) {
            vpce_resource_op op = {
                .address = c->address, .prior = create ? NULL : c->before, .config = c->after};
            rc = create ? rt->create(&op) : rt->update(&op);
            if (rc < 0)
                goto cleanup;
            json_object_set_new(byaddr, c->address, state_entry(c, op.new_state));
        }
    }
    json_t *nres = json_array();
    const char *key;
    json_object_foreach(byaddr, key, r) json_array_append(nres, r);
    json_object_set_new(doc, "resources", nres);
    json_t *outs = json_object();
    json_t *oc;
    json_object_foreach(p->output_changes, key, oc)
    {
        json_t *after = json_object_get(oc, "after");
        const char *a0 = json_string_value(json_array_get(json_object_get(oc, "actions"), 0));
        if ((a0 && strcmp(a0, "delete") == 0) || vpce_contains_unknown(after))
            continue;
        json_t *o = json_object();
        json_object_set(o, "value", after);
        json_object_set(o, "sensitive", json_object_get(oc, "sensitive"));
        json_object_set_new(outs, key, o);
    }
    json_object_set_new(doc, "outputs", outs);
    json_object_set_new(doc, "serial",
                        json_integer(json_integer_value(json_object_get(doc, "serial")) + 1));
cleanup:
    free(order);
    json_decref(byaddr);
    if (rc < 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int testprov_converge(const vpce_config *cfg, const json_t *vars, json_t **state, int max_rounds,
                      vpce_diags *diags)
{
    int applied = 0;
    for (int round = 0; round < max_rounds; round++) {
        vpce_plan *p = NULL;
        if (vpce_plan_make(&p, cfg, vars, *state, NULL, diags) < 0)
            return -1;
        if (!vpce_plan_has_changes(p)) {
            vpce_plan_free(p);
            return applied;
        }
        json_t *next = NULL;
        int rc = testprov_apply(p, &next);
        vpce_plan_free(p);
        if (rc < 0)
            return -1;
        json_decref(*state);
        *state = next;
        applied++;
    }
    return -1;
}

/* ---- temporary directories ----------------------------------------------------------------- */

char *testprov_tempdir(const char *const *files)
{
    char tmpl[] = "/tmp/vpce-plan-test-XXXXXX";
    if (!mkdtemp(tmpl))
        return NULL;
    for (size_t i = 0; files && files[i]; i += 2) {
        char *path = vpce_asprintf("%s/%s", tmpl, files[i]);
        FILE *f = fopen(path, "w");
        free(path);
        if (!f)
            return NULL;
        fputs(files[i + 1], f);
        fclose(f);
    }
    return vpce_strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void testprov_rmdir(char *dir)
{
    if (dir)
        nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* ---- helpers for planner tests ------------------------------------------------------------ */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

vpce_config *testprov_load(const char *text)
{
    const char *files[] = {"main.vpce", text, NULL};
    char *dir = testprov_tempdir(files);
    assert_non_null(dir);
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *cfg = NULL;
    int rc = vpce_config_load_dir(&cfg, dir, &d);
    if (rc < 0 || vpce_diags_has_errors(&d))
        vpce_diags_print(&d, stderr, false);
    assert_int_equal(rc, 0);
    vpce_diags_release(&d);
    testprov_rmdir(dir);
    return cfg;
}

vpce_plan *testprov_plan(const vpce_config *cfg, const json_t *state, const vpce_plan_opts *opts)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    vpce_plan_opts none = {0};
    int rc = vpce_plan_make(&p, cfg, NULL, state, opts ? opts : &none, &d);
    if (rc < 0 || vpce_diags_has_errors(&d))
        vpce_diags_print(&d, stderr, false);
    assert_int_equal(rc, 0);
    assert_non_null(p);
    vpce_diags_release(&d);
    return p;
}

vpce_change *testprov_change(const vpce_plan *p, const char *addr)
{
    for (size_t i = 0; p && i < p->nchanges; i++)
        if (strcmp(p->changes[i]->address, addr) == 0)
            return p->changes[i];
    return NULL;
}

json_t *testprov_entry(const char *type, const char *name, const char *index_json,
                       const char *attrs_json)
{
    json_t *e = json_object();
    json_t *ix = index_json ? json_loads(index_json, JSON_DECODE_ANY, NULL) : json_null();
    json_t *attrs = json_loads(attrs_json, 0, NULL);
    assert_non_null(ix);
    assert_non_null(attrs);
    char *raddr = vpce_asprintf("%s.%s", type, name);
    char *addr = vpce_plan_instance_addr(raddr, ix);
    json_object_set_new(e, "address", json_string(addr));
    json_object_set_new(e, "mode", json_string("managed"));
    json_object_set_new(e, "type", json_string(type));
    json_object_set_new(e, "name", json_string(name));
    json_object_set_new(e, "index", ix);
    json_object_set_new(e, "provider", json_string("test"));
    json_object_set(e, "id", json_object_get(attrs, "id"));
    json_object_set_new(e, "schema_version", json_integer(0));
    json_object_set_new(e, "attributes", attrs);
    json_object_set_new(e, "sensitive_attributes", json_array());
    json_object_set_new(e, "dependencies", json_array());
    free(raddr);
    free(addr);
    return e;
}

json_t *testprov_state(json_t *first, ...)
{
    json_t *doc = json_object();
    json_t *res = json_array();
    json_object_set_new(doc, "lineage", json_string("test-lineage"));
    json_object_set_new(doc, "serial", json_integer(1));
    va_list ap;
    va_start(ap, first);
    for (json_t *e = first; e; e = va_arg(ap, json_t *))
        json_array_append_new(res, e);
    va_end(ap);
    json_object_set_new(doc, "resources", res);
    json_object_set_new(doc, "outputs", json_object());
    return doc;
}
