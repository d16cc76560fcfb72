/*
 * planner/plan_providers.c: the configured provider instances of a configuration, by reference
 * ("aws", "aws.west"), made from the provider blocks evaluated against their schemas.
 */
#include "config/config.h"
#include "lang/lang.h"
#include "planner/planner.h"

#include <stdlib.h>
#include <string.h>

typedef struct pentry {
    const vpce_provider_type *type;
    vpce_provider *inst;
} pentry;

struct vpce_plan_providers {
    vpce_map *by_ref; /* ref -> pentry* */
};

static int configure_one(vpce_plan_providers *ps, const char *ref, const char *type_name,
                         const vpce_ast_body *body, vpce_range range, const json_t *vars,
                         const vpce_config *cfg, vpce_diags *diags)
{
    if (vpce_map_has(ps->by_ref, ref))
        return 0;
    const vpce_provider_type *t = vpce_providers_find(type_name);
    if (!t)
        return vpce_diags_error(diags, range, NULL, "unknown provider \"%s\"", type_name);
    pentry *e = vpce_calloc(1, sizeof(*e));
    e->type = t;
    vpce_map_set(ps->by_ref, ref, e);
    if (!t->configure)
        return 0;
    json_t *config = NULL;
    int rc = 0;
    if (t->config_schema) {
        vpce_ast_body empty = {0};
        json_t *scope = json_object();
        json_object_set_new(scope, "var", vars ? json_incref((json_t *)vars) : json_object());
        json_object_set_new(
            scope, "terraform",
            json_pack("{s:s}", "workspace", cfg->workspace ? cfg->workspace : "default"));
        vpce_eval_ctx ctx = {scope, cfg->dir, diags, NULL, NULL};
        config = vpce_body_eval(&ctx, body ? body : &empty, t->config_schema);
        json_decref(scope);
        if (!config) {
            rc = VPCE_EINVALID;
            goto cleanup;
        }
    } else {
        config = json_object();
    }
    if (t->configure(&e->inst, config) < 0)
        rc = vpce_diags_error(diags, range, vpce_error_last(), "cannot configure provider \"%s\"",
                              ref);
cleanup:
    json_decref(config);
    return rc;
}

int vpce_plan_providers_new(vpce_plan_providers **out, const vpce_config *cfg, const json_t *vars,
                            vpce_diags *diags)
{
    vpce_plan_providers *ps = vpce_calloc(1, sizeof(*ps));
    ps->by_ref = vpce_map_new();
    int rc = 0;
    size_t nmods = cfg->modules.len ? cfg->modules.len : 1;
    /* Provider blocks of the root module see its variables; those a module declares are
       configured before its variables have values, so they see none. */
    json_t *no_vars = json_object();
    for (size_t mi = 0; mi < nmods; mi++) {
        const vpce_config *m = cfg->modules.len ? cfg->modules.items[mi] : cfg;
        for (size_t i = 0; i < m->providers.len; i++) {
            vpce_cfg_provider *p = m->providers.items[i];
            char *ref = p->alias ? vpce_asprintf("%s%s.%s", m->prefix, p->name, p->alias)
                                 : vpce_asprintf("%s%s", m->prefix, p->name);
            if (configure_one(ps, ref, p->name, p->body, p->range, m->parent ? no_vars : vars, cfg,
                              diags) < 0)
                rc = VPCE_EINVALID;
            free(ref);
        }
    }
    json_decref(no_vars);
    /* References without a block of their own are configured from an empty body. */
    for (size_t mi = 0; mi < nmods; mi++) {
        const vpce_config *m = cfg->modules.len ? cfg->modules.items[mi] : cfg;
        for (size_t i = 0; i < m->resources.len; i++) {
            vpce_cfg_resource *r = m->resources.items[i];
            const vpce_provider_type *pt = vpce_providers_for_type(r->type);
            const char *ref = r->provider_ref ? r->provider_ref : (pt ? pt->name : NULL);
            if (!ref)
                continue;
            char *tname = vpce_config_provider_type(ref);
            if (configure_one(ps, ref, tname, NULL, r->range, vars, cfg, diags) < 0)
                rc = VPCE_EINVALID;
            free(tname);
        }
        /* A check block's scoped data source may be the only user of its provider. */
        for (size_t i = 0; i < m->checks.len; i++) {
            const vpce_cfg_check *ck = m->checks.items[i];
            if (!ck->data || !ck->data->provider_ref)
                continue;
            char *tname = vpce_config_provider_type(ck->data->provider_ref);
            if (configure_one(ps, ck->data->provider_ref, tname, NULL, ck->data->range, vars, cfg,
                              diags) < 0)
                rc = VPCE_EINVALID;
            free(tname);
        }
    }
    *out = ps;
    return rc;
}

vpce_provider *vpce_plan_providers_for(const vpce_plan_providers *ps, const char *ref,
                                       const json_t *values, bool *failed)
{
    if (failed)
        *failed = false;
    if (!ps || !ref)
        return NULL;
    pentry *e = vpce_map_get(ps->by_ref, ref);
    if (!e || !e->inst || !values || !e->type->instance_for)
        return e ? e->inst : NULL;
    vpce_provider *p = e->type->instance_for(e->inst, values);
    if (!p && failed)
        *failed = true;
    return p;
}

void vpce_plan_providers_fill(const vpce_plan_providers *ps, const char *ref, vpce_provider *inst,
                              json_t *state)
{
    pentry *e = ps && ref ? vpce_map_get(ps->by_ref, ref) : NULL;
    if (e && inst && json_is_object(state) && e->type->fill_state)
        e->type->fill_state(inst, state);
}

vpce_provider *vpce_plan_providers_get(const vpce_plan_providers *ps, const char *ref)
{
    if (!ps || !ref)
        return NULL;
    pentry *e = vpce_map_get(ps->by_ref, ref);
    return e ? e->inst : NULL;
}

void vpce_plan_providers_free(vpce_plan_providers *ps)
{
    if (!ps)
        return;
    const char *k;
    void *v;
    for (size_t it = 0; vpce_map_next(ps->by_ref, &it, &k, &v);) {
        pentry *e = v;
        if (e->inst && e->type->free)
            e->type->free(e->inst);
        free(e);
    }
    vpce_map_free(ps->by_ref);
    free(ps);
}
