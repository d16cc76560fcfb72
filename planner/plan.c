/*
 * planner/plan.c: makes a plan. Walks the configuration graph in dependency order, evaluating
 * variables, locals, data sources and resources into one growing scope; expands count and
 * for_each into instances; combines each instance with its prior state (computed attributes
 * keep their prior value unless the resource is replaced); diffs by schema; plans deletes for
 * what state has and configuration no longer does; and evaluates the outputs.
 */
#include "config/config.h"
#include "lang/lang.h"
#include "planner/plan_build.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Per graph node: what planning it produced. */
typedef struct node_info {
    vpce_cfg_resource *res; /* NULL for non-resource nodes */
    vpce_vec resdeps;       /* indexes (+1) of resource nodes this node depends on, transitively
                               through variables and locals */
    vpce_vec insts;         /* char*: instance addresses planned for this resource (owned) */
    bool included;          /* false when -target leaves it out */
    bool whole;             /* with -target: every instance, not just the targeted ones */
} node_info;

typedef struct planner {
    const vpce_config *cfg;
    const vpce_plan_opts *opts;
    vpce_diags *diags;
    const vpce_plan_providers *ps;
    vpce_graph *g;
    node_info *nodes;
    json_t *scope;
    json_t *prior;            /* refreshed copy of the prior document (owned) */
    vpce_map *prior_by_addr;  /* instance address -> json_t* resource entry (borrowed) */
    vpce_map *prior_by_res;   /* resource address -> vpce_vec* of instance addresses */
    vpce_map *matched;        /* instance addresses claimed by configuration */
    vpce_map *change_by_addr; /* instance address -> vpce_change* */
    vpce_map *target_addrs;   /* -target addresses */
    vpce_map *replace_addrs;  /* -replace addresses */
    vpce_map *previous;       /* instance address -> char* address before its move (owned) */
    vpce_map *sens_cache;     /* resource address -> json_t* of sensitive_paths (owned), or
                                 &no_sensitive_paths: the same for every instance */
    vpce_vec changes;         /* vpce_change* */
    vpce_vec forgotten;       /* char*: addresses planned to be forgotten */
    size_t ninstances;        /* instances expanded so far (count and for_each included) */
    bool failed;
} planner;

/* ---- addresses --------------------------------------------------------------------------- */

char *vpce_plan_instance_addr(const char *resource_addr, const json_t *key)
{
    if (!key || json_is_null(key))
        return vpce_strdup(resource_addr);
    if (json_is_integer(key))
        return vpce_asprintf("%s[%" JSON_INTEGER_FORMAT "]", resource_addr,
                             json_integer_value(key));
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_printf(&b, "%s[\"", resource_addr);
    for (const char *p = json_string_value(key); p && *p; p++) {
        switch (*p) {
        case '"':
            vpce_buf_puts(&b, "\\\"");
            break;
        case '\\':
            vpce_buf_puts(&b, "\\\\");
            break;
        case '\n':
            vpce_buf_puts(&b, "\\n");
            break;
        case '\r':
            vpce_buf_puts(&b, "\\r");
            break;
        case '\t':
            vpce_buf_puts(&b, "\\t");
            break;
        default:
            if ((unsigned char)*p < 0x20)
                vpce_buf_printf(&b, "\\u%04x", (unsigned)*p);
            else
                vpce_buf_putc(&b, *p);
        }
    }
    vpce_buf_puts(&b, "\"]");
    return vpce_buf_detach(&b);
}

/* The resource part of an instance address ("aws_subnet.a" of "aws_subnet.a[0]"); caller frees. */
static char *resource_part(const char *addr)
{
    const char *br = strchr(addr, '[');
    return br ? vpce_strndup(addr, (size_t)(br - addr)) : vpce_strdup(addr);
}

static const char *provider_ref_of(const vpce_cfg_resource *r, char *buf, size_t n)
{
    if (r->provider_ref)
        return r->provider_ref;
    const vpce_provider_type *pt = vpce_providers_for_type(r->type);
    snprintf(buf, n, "%s", pt ? pt->name : r->type);
    return buf;
}

/* ---- small helpers ----------------------------------------------------------------------- */

static bool body_sets(const vpce_ast_body *body, const char *name)
{
    for (size_t i = 0; body && i < body->nattrs; i++)
        if (strcmp(body->attrs[i]->name, name) == 0)
            return true;
    for (size_t i = 0; body && i < body->nblocks; i++) {
        const vpce_ast_block *b = body->blocks[i];
        if (strcmp(b->type, name) == 0)
            return true;
        if (strcmp(b->type, "dynamic") == 0 && b->nlabels > 0 && strcmp(b->labels[0], name) == 0)
            return true;
    }
    return false;
}

static bool expr_sensitive(const planner *P, const vpce_ast_expr *e)
{
    return vpce_config_expr_sensitive(P->cfg, e);
}

static bool body_sensitive(const planner *P, const vpce_ast_body *b)
{
    for (size_t i = 0; b && i < b->nattrs; i++)
        if (expr_sensitive(P, b->attrs[i]->expr))
            return true;
    for (size_t i = 0; b && i < b->nblocks; i++)
        if (body_sensitive(P, b->blocks[i]->body))
            return true;
    return false;
}

/* Top-level names shown as (sensitive value): schema-sensitive attributes, and arguments whose
   expression uses a sensitive variable. NULL when none. */
static json_t *sensitive_paths(const planner *P, const vpce_cfg_resource *r)
{
    json_t *out = json_array();
    const vpce_block_schema *s = r->rtype ? r->rtype->schema : NULL;
    for (const vpce_attr_schema *a = s ? s->attrs : NULL; a && a->name; a++) {
        bool sens = (a->flags & VPCE_ATTR_SENSITIVE) != 0;
        for (size_t i = 0; !sens && r->body && i < r->body->nattrs; i++)
            if (strcmp(r->body->attrs[i]->name, a->name) == 0 &&
                expr_sensitive(P, r->body->attrs[i]->expr))
                sens = true;
        if (sens)
            json_array_append_new(out, json_string(a->name));
    }
    for (const vpce_nested_block *nb = s ? s->blocks : NULL; nb && nb->name; nb++)
        for (size_t i = 0; r->body && i < r->body->nblocks; i++) {
            const vpce_ast_block *b = r->body->blocks[i];
            bool match = strcmp(b->type, nb->name) == 0 ||
                         (strcmp(b->type, "dynamic") == 0 && b->nlabels > 0 &&
                          strcmp(b->labels[0], nb->name) == 0);
            if (match && body_sensitive(P, b->body)) {
                json_array_append_new(out, json_string(nb->name));
                break;
            }
        }
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* sensitive_paths() of r, worked out once per resource: a new reference or NULL. */
static char no_sensitive_paths;
static json_t *resource_sensitive_paths(planner *P, const vpce_cfg_resource *r)
{
    void *v = vpce_map_get(P->sens_cache, r->addr);
    if (!v) {
        json_t *paths = sensitive_paths(P, r);
        v = paths ? (void *)paths : (void *)&no_sensitive_paths;
        vpce_map_set(P->sens_cache, r->addr, v);
    }
    return v == &no_sensitive_paths ? NULL : json_incref(v);
}

static void set_in_scope(planner *P, const vpce_cfg_resource *r, json_t *value /* stolen */)
{
    json_t *root;
    if (r->mode == VPCE_MODE_DATA) {
        json_t *data = json_object_get(P->scope, "data");
        root = json_object_get(data, r->type);
        if (!root) {
            root = json_object();
            json_object_set_new(data, r->type, root);
        }
    } else {
        root = json_object_get(P->scope, r->type);
        if (!root) {
            root = json_object();
            json_object_set_new(P->scope, r->type, root);
        }
    }
    json_object_set_new(root, r->name, value);
}

static vpce_change *change_new(const vpce_cfg_resource *r, const json_t *prior_res,
                               const char *addr, const json_t *key)
{
    vpce_change *c = vpce_calloc(1, sizeof(*c));
    char pbuf[128];
    c->address = vpce_strdup(addr);
    if (r) {
        c->mode = vpce_strdup(r->mode == VPCE_MODE_DATA ? "data" : "managed");
        c->type = vpce_strdup(r->type);
        c->name = vpce_strdup(r->name);
        c->provider = vpce_strdup(provider_ref_of(r, pbuf, sizeof(pbuf)));
        c->index = key && !json_is_null(key) ? json_deep_copy(key) : NULL;
    } else {
        const char *m = json_string_value(json_object_get(prior_res, "mode"));
        const char *t = json_string_value(json_object_get(prior_res, "type"));
        const char *n = json_string_value(json_object_get(prior_res, "name"));
        const char *p = json_string_value(json_object_get(prior_res, "provider"));
        json_t *ix = json_object_get(prior_res, "index");
        c->mode = vpce_strdup(m ? m : "managed");
        c->type = vpce_strdup(t ? t : "");
        c->name = vpce_strdup(n ? n : "");
        if (!p) {
            const vpce_provider_type *pt = vpce_providers_for_type(c->type);
            p = pt ? pt->name : c->type;
        }
        c->provider = vpce_strdup(p);
        c->index = ix && !json_is_null(ix) ? json_deep_copy(ix) : NULL;
    }
    return c;
}

/* Adds c to the plan. */
static void push_change(planner *P, vpce_change *c)
{
    const char *prev = vpce_map_get(P->previous, c->address);
    if (prev && !c->previous_address)
        c->previous_address = vpce_strdup(prev);
    vpce_vec_push(&P->changes, c);
    vpce_map_set(P->change_by_addr, c->address, c);
}

static void add_dep(vpce_vec *deps, vpce_map *seen, const char *addr)
{
    if (vpce_map_has(seen, addr))
        return;
    vpce_map_set(seen, addr, (void *)1);
    vpce_vec_push(deps, vpce_strdup(addr));
}

/* The instances of resource (or data source) address raddr that a change must be ordered
   against: those planned now and those in prior state. */
static void add_resource_deps(planner *P, vpce_vec *deps, vpce_map *seen, const char *raddr)
{
    size_t gi;
    if (vpce_graph_find(P->g, raddr, &gi)) {
        node_info *ni = &P->nodes[gi];
        for (size_t i = 0; i < ni->insts.len; i++)
            add_dep(deps, seen, ni->insts.items[i]);
    }
    vpce_vec *pv = vpce_map_get(P->prior_by_res, raddr);
    for (size_t i = 0; pv && i < pv->len; i++)
        add_dep(deps, seen, pv->items[i]);
    if (!vpce_map_has(P->prior_by_res, raddr) && vpce_map_has(P->prior_by_addr, raddr))
        add_dep(deps, seen, raddr);
}

static void set_depends(planner *P, vpce_change *c, size_t gi, const json_t *state_deps)
{
    vpce_vec deps = VPCE_VEC_INIT;
    vpce_map *seen = vpce_map_new();
    if (P->g && gi != (size_t)-1)
        for (size_t i = 0; i < P->nodes[gi].resdeps.len; i++) {
            size_t d = (uintptr_t)P->nodes[gi].resdeps.items[i] - 1;
            add_resource_deps(P, &deps, seen, vpce_graph_name(P->g, d));
        }
    size_t k;
    json_t *sd;
    json_array_foreach(state_deps, k, sd)
    {
        if (!json_is_string(sd))
            continue;
        char *ra = resource_part(json_string_value(sd));
        if (strcmp(ra, json_string_value(sd)) != 0) {
            if (vpce_map_has(P->prior_by_addr, json_string_value(sd)))
                add_dep(&deps, seen, json_string_value(sd));
        } else {
            add_resource_deps(P, &deps, seen, ra);
        }
        free(ra);
    }
    vpce_map_free(seen);
    c->depends_on = (char **)deps.items;
    c->ndepends_on = deps.len;
}

/* ---- conditions -------------------------------------------------------------------------- */

/*
 * Checks conditions in the planner's scope (self set by the caller for postconditions).
 * Failures are diagnostics (summary as Terraform words it); returns false after one, and sets
 * *pending when a result is not known yet.
 */
static bool check_conditions(planner *P, const vpce_cfg_validation *conds, size_t n,
                             const char *summary, bool *pending)
{
    vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)P->cfg};
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        int rc = vpce_config_condition(&ctx, &conds[i], summary);
        if (rc < 0)
            ok = false;
        else if (rc == 0 && pending)
            *pending = true;
    }
    if (!ok)
        P->failed = true;
    return ok;
}

/* Postconditions with self = value. */
static bool check_postconditions(planner *P, const vpce_cfg_resource *r, const json_t *value,
                                 bool *pending)
{
    if (!r->npostconditions)
        return true;
    json_object_set(P->scope, "self", (json_t *)value);
    bool ok = check_conditions(P, r->postconditions, r->npostconditions,
                               "resource postcondition failed", pending);
    json_object_del(P->scope, "self");
    return ok;
}

/* ---- evaluation of one resource ---------------------------------------------------------- */

/* An unknown computed attribute of instance addr, remembering its origin (util.h). */
static json_t *unknown_attr(const char *addr, const char *attr)
{
    char *origin = vpce_asprintf("%s.%s", addr, attr);
    json_t *v = vpce_unknown_from(origin);
    free(origin);
    return v;
}

/* Builds the planned value of a managed instance from its configuration and prior attributes. */
static json_t *planned_value(const vpce_cfg_resource *r, const char *addr, const json_t *config,
                             const json_t *prior, bool replacing)
{
    const vpce_block_schema *s = r->rtype->schema;
    /* Only top-level members are replaced below, values are never changed in place. A
       configuration object nobody else holds (the fresh result of vpce_body_eval) is completed
       in place: the members set are the same whether replacing or not, so planning it twice
       (an update turned into a replacement) gives what two copies would. Shared: a shallow
       copy. */
    json_t *planned =
        config->refcount == 1 ? json_incref((json_t *)config) : json_copy((json_t *)config);
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++) {
        if (!(a->flags & VPCE_ATTR_COMPUTED) || body_sets(r->body, a->name))
            continue;
        json_t *pv = prior && !replacing ? json_object_get(prior, a->name) : NULL;
        json_object_set_new_nocheck(planned, a->name,
                                    pv                    ? json_incref(pv)
                                    : prior && !replacing ? json_null()
                                                          : unknown_attr(addr, a->name));
    }
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++) {
        if (!(b->flags & VPCE_ATTR_COMPUTED) || body_sets(r->body, b->name))
            continue;
        json_t *pv = prior && !replacing ? json_object_get(prior, b->name) : NULL;
        json_object_set_new_nocheck(planned, b->name,
                                    pv                    ? json_incref(pv)
                                    : prior && !replacing ? json_null()
                                                          : vpce_unknown());
    }
    if (prior && (r->ignore_all_changes || r->nignore_changes)) {
        for (const vpce_attr_schema *a = s->attrs; a && a->name; a++) {
            bool ign = r->ignore_all_changes;
            for (size_t i = 0; !ign && i < r->nignore_changes; i++)
                ign = strcmp(r->ignore_changes[i], a->name) == 0;
            json_t *pv = json_object_get(prior, a->name);
            if (ign && pv && (a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL)))
                json_object_set_nocheck(planned, a->name, pv);
        }
        for (const vpce_nested_block *b = s->blocks; b && b->name; b++) {
            bool ign = r->ignore_all_changes;
            for (size_t i = 0; !ign && i < r->nignore_changes; i++)
                ign = strcmp(r->ignore_changes[i], b->name) == 0;
            json_t *pv = json_object_get(prior, b->name);
            if (ign && pv)
                json_object_set_nocheck(planned, b->name, pv);
        }
    }
    if (prior)
        vpce_diff_keep_prior_equivalent(s, prior, planned);
    return planned;
}

static void prevent_destroy_error(planner *P, const vpce_cfg_resource *r, const char *addr)
{
    char *detail = vpce_asprintf(
        "resource %s has lifecycle.prevent_destroy set, but the plan calls for this resource to "
        "be destroyed. To avoid this error and continue with the plan, either disable "
        "lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag",
        addr);
    vpce_diags_error(P->diags, r->range, detail, "instance cannot be destroyed");
    free(detail);
    P->failed = true;
}

/*
 * True if an in-place update of c would hold on to the old object of a dependency that is
 * deleted and then created: an argument known in prior becomes unknown (it refers to the
 * replacement's values). That update can only run once the replacement exists, and the old
 * object can only be deleted once nothing uses it: the cycle is broken by replacing c as well.
 * The arguments are appended to paths as one-element paths.
 */
static bool holds_replaced(const planner *P, const vpce_cfg_resource *r, const vpce_change *c,
                           const json_t *prior, const json_t *planned, json_t *paths)
{
    bool replaced_dep = false;
    for (size_t i = 0; i < c->ndepends_on && !replaced_dep; i++) {
        const vpce_change *d = vpce_map_get(P->change_by_addr, c->depends_on[i]);
        replaced_dep = d && d->action == VPCE_ACTION_DELETE_THEN_CREATE;
    }
    if (!replaced_dep)
        return false;
    for (const vpce_attr_schema *a = r->rtype->schema->attrs; a && a->name; a++) {
        if (!(a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL)))
            continue;
        const json_t *pv = json_object_get(prior, a->name);
        if (vpce_contains_unknown(json_object_get(planned, a->name)) && pv && !json_is_null(pv) &&
            !vpce_contains_unknown(pv))
            json_array_append_new(paths, json_pack("[s]", a->name));
    }
    return json_array_size(paths) > 0;
}

/* ---- replace_triggered_by --------------------------------------------------------------- */

/* The value at the path of steps (GETATTR names, INDEX keys evaluated in the scope) inside v,
   or NULL where it does not exist or is null. Borrowed from v. */
static const json_t *value_at(planner *P, const json_t *v, const vpce_ast_expr *const *steps,
                              size_t n)
{
    vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)P->cfg};
    for (size_t i = 0; i < n && v; i++) {
        if (steps[i]->kind == VPCE_EXPR_GETATTR) {
            v = json_is_object(v) && !vpce_is_unknown(v)
                    ? json_object_get(v, steps[i]->u.getattr.name)
                    : NULL;
            continue;
        }
        json_t *k = vpce_eval(&ctx, steps[i]->u.index.key);
        if (json_is_string(k) && json_is_object(v) && !vpce_is_unknown(v))
            v = json_object_get(v, json_string_value(k));
        else if (k && vpce_is_number(k) && json_is_array(v))
            v = json_array_get(v, (size_t)vpce_number(k));
        else
            v = NULL;
        json_decref(k);
    }
    return json_is_null(v) ? NULL : v; /* state leaves null attributes out */
}

/* Whether change c of a referenced instance triggers a replacement, as Terraform decides: an
   update or a replacement of the instance, or, with an attribute path, a change of the
   value there (a value known only after apply counts as changed). */
static bool triggers(planner *P, const vpce_change *c, const vpce_ast_expr *const *rest,
                     size_t nrest)
{
    if (c->action != VPCE_ACTION_UPDATE && c->action != VPCE_ACTION_DELETE_THEN_CREATE &&
        c->action != VPCE_ACTION_CREATE_THEN_DELETE)
        return false;
    if (nrest == 0)
        return true;
    const json_t *before = value_at(P, c->before, rest, nrest);
    const json_t *after = value_at(P, c->after, rest, nrest);
    if (!before || !after)
        return before != after;
    return !vpce_value_equal(before, after);
}

/* True if any replace_triggered_by reference of r (count and each in scope) has a triggering
   change planned; those references are planned first (they are edges of the graph). */
static bool replace_triggered(planner *P, const vpce_cfg_resource *r)
{
    vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)P->cfg};
    for (size_t t = 0; t < r->nreplace_triggered_by; t++) {
        const vpce_ast_expr *steps[64], *rev[64], *e = r->replace_triggered_by[t];
        size_t n = 0;
        while ((e->kind == VPCE_EXPR_GETATTR || e->kind == VPCE_EXPR_INDEX) && n < 64) {
            rev[n++] = e;
            e = e->kind == VPCE_EXPR_GETATTR ? e->u.getattr.obj : e->u.index.obj;
        }
        for (size_t i = 0; i < n; i++)
            steps[i] = rev[n - 1 - i];
        /* decoding checked the shape: TYPE.NAME, then an optional instance key, then a path */
        char *raddr = vpce_asprintf("%s.%s", e->u.var.name, steps[0]->u.getattr.name);
        const vpce_cfg_resource *tr = vpce_config_resource(P->cfg, raddr);
        size_t first = 1;
        vpce_vec addrs = VPCE_VEC_INIT;
        if (tr && (tr->count || tr->for_each) && n > 1 && steps[1]->kind == VPCE_EXPR_INDEX) {
            json_t *k = vpce_eval(&ctx, steps[1]->u.index.key);
            json_t *key =
                k && vpce_is_number(k) ? json_integer((json_int_t)vpce_number(k)) : json_incref(k);
            if (key && (json_is_integer(key) || json_is_string(key)))
                vpce_vec_push(&addrs, vpce_plan_instance_addr(raddr, key));
            json_decref(key);
            json_decref(k);
            first = 2;
        } else if (tr && (tr->count || tr->for_each)) {
            size_t gi; /* every instance: a change to any of them triggers */
            if (vpce_graph_find(P->g, raddr, &gi))
                for (size_t i = 0; i < P->nodes[gi].insts.len; i++)
                    vpce_vec_push(&addrs, vpce_strdup(P->nodes[gi].insts.items[i]));
        } else {
            vpce_vec_push(&addrs, vpce_strdup(raddr));
        }
        bool hit = false;
        for (size_t i = 0; i < addrs.len; i++) {
            const vpce_change *c = vpce_map_get(P->change_by_addr, addrs.items[i]);
            hit = hit || (c && triggers(P, c, steps + first, n - first));
            free(addrs.items[i]);
        }
        vpce_vec_release(&addrs);
        free(raddr);
        if (hit)
            return true;
    }
    return false;
}

/* Plans one managed instance; returns the value to expose to references (new reference). */
static json_t *plan_managed_instance(planner *P, size_t gi, const vpce_cfg_resource *r,
                                     const char *addr, const json_t *key, const json_t *config)
{
    json_t *prior_res = vpce_map_get(P->prior_by_addr, addr);
    json_t *prior = prior_res ? json_object_get(prior_res, "attributes") : NULL;
    if (P->opts->refresh_only)
        return json_incref(prior ? prior : (json_t *)config);

    bool pending = false;
    if (!check_conditions(P, r->preconditions, r->npreconditions, "resource precondition failed",
                          &pending))
        return json_incref((json_t *)config);

    bool by_request = vpce_map_has(P->replace_addrs, addr);
    bool by_trigger = prior_res && replace_triggered(P, r);
    json_t *planned = planned_value(r, addr, config, prior, false);
    json_t *paths = json_array();
    vpce_change *c = change_new(r, NULL, addr, key);
    set_depends(P, c, gi, NULL);
    if (!prior_res) {
        c->action = VPCE_ACTION_CREATE;
    } else {
        bool changed = false;
        vpce_diff_instance(r->rtype->schema, prior, planned, paths, &changed);
        if (by_request || by_trigger || json_array_size(paths) > 0 ||
            (changed && holds_replaced(P, r, c, prior, planned, paths))) {
            json_decref(planned);
            planned = planned_value(r, addr, config, prior, true);
            c->action = r->create_before_destroy ? VPCE_ACTION_CREATE_THEN_DELETE
                                                 : VPCE_ACTION_DELETE_THEN_CREATE;
            c->reason = vpce_strdup(by_trigger   ? "replace_by_triggers"
                                    : by_request ? "replace_by_request"
                                                 : "replace_because_cannot_update");
            if (r->prevent_destroy)
                prevent_destroy_error(P, r, addr);
        } else {
            c->action = changed ? VPCE_ACTION_UPDATE : VPCE_ACTION_NOOP;
        }
        c->before = json_incref(prior);
    }
    if (c->action != VPCE_ACTION_UPDATE && c->action != VPCE_ACTION_NOOP) {
        /* A new object: what its provider instance decides itself (the region of an aws
           object) is known now. */
        char pbuf[128];
        const char *ref = provider_ref_of(r, pbuf, sizeof(pbuf));
        bool nop = false;
        vpce_provider *p = vpce_plan_providers_for(P->ps, ref, planned, &nop);
        if (!nop) {
            vpce_plan_providers_fill(P->ps, ref, p, planned);
        } else {
            vpce_diags_error(P->diags, r->range, vpce_error_last(),
                             "cannot configure provider \"%s\" for %s", ref, addr);
            P->failed = true;
        }
    }
    c->after = json_incref(planned);
    if (json_array_size(paths) > 0)
        c->replace_paths = json_incref(paths);
    json_decref(paths);
    c->sensitive_paths = resource_sensitive_paths(P, r);
    push_change(P, c);
    check_postconditions(P, r, planned, &pending);
    c->checks_pending = pending;
    return planned;
}

static bool deps_pending(const planner *P, size_t gi)
{
    for (size_t i = 0; i < P->nodes[gi].resdeps.len; i++) {
        node_info *d = &P->nodes[(uintptr_t)P->nodes[gi].resdeps.items[i] - 1];
        for (size_t j = 0; j < d->insts.len; j++) {
            vpce_change *c = vpce_map_get(P->change_by_addr, d->insts.items[j]);
            if (c && c->action != VPCE_ACTION_NOOP && strcmp(c->mode, "managed") == 0)
                return true;
        }
    }
    return false;
}

/* True if an argument the configuration sets is not known yet (omitted computed attributes are
   unknown in config until read, which does not count). */
static bool config_unknown(const vpce_cfg_resource *r, const json_t *config)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)config, k, v)
    {
        if (!vpce_contains_unknown(v))
            continue;
        const vpce_attr_schema *a = vpce_schema_attr(r->rtype->schema, k);
        const vpce_nested_block *b = a ? NULL : vpce_schema_block(r->rtype->schema, k);
        bool computed = a   ? (a->flags & VPCE_ATTR_COMPUTED) != 0
                        : b ? (b->flags & VPCE_ATTR_COMPUTED) != 0
                            : false;
        if (!computed || body_sets(r->body, k))
            return true;
    }
    return false;
}

/* Plans one data-source instance: read now when its configuration is known. */
static json_t *plan_data_instance(planner *P, size_t gi, const vpce_cfg_resource *r,
                                  const char *addr, const json_t *key, const json_t *config)
{
    json_t *prior_res = vpce_map_get(P->prior_by_addr, addr);
    json_t *prior = prior_res ? json_object_get(prior_res, "attributes") : NULL;
    bool checks = false;
    if (!check_conditions(P, r->preconditions, r->npreconditions, "resource precondition failed",
                          &checks))
        return json_incref((json_t *)config);
    vpce_change *c = change_new(r, NULL, addr, key);
    c->before = prior ? json_incref(prior) : NULL;
    json_t *value = NULL;
    bool unknown = config_unknown(r, config);
    bool pending = !unknown && deps_pending(P, gi);
    if (!unknown && !pending && r->rtype->read) {
        char pbuf[128];
        const char *ref = provider_ref_of(r, pbuf, sizeof(pbuf));
        bool nop = false;
        vpce_provider *p = vpce_plan_providers_for(P->ps, ref, config, &nop);
        if (!nop && r->rtype->read(p, config, &value) == 0 && value)
            vpce_plan_providers_fill(P->ps, ref, p, value);
        if (nop || !value) {
            vpce_diags_error(P->diags, r->range, vpce_error_last(), "cannot read data source %s",
                             addr);
            P->failed = true;
            value = json_incref((json_t *)config);
        }
        c->action = VPCE_ACTION_NOOP;
    } else {
        value = json_incref((json_t *)config);
        c->action = VPCE_ACTION_READ;
        if (unknown)
            c->reason = vpce_strdup("read_because_config_unknown");
        else if (pending)
            c->reason = vpce_strdup("read_because_dependency_pending");
    }
    c->after = json_incref(value);
    set_depends(P, c, gi, NULL);
    push_change(P, c);
    /* Read now: its postconditions see what was read; read during apply: checked then. */
    if (c->action == VPCE_ACTION_NOOP)
        check_postconditions(P, r, value, &checks);
    else
        checks = checks || r->npostconditions > 0;
    c->checks_pending = checks;
    return value;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Checks n more instances of one resource against the caps (before any is allocated) and
 * counts them towards the plan's total. False after a diagnostic.
 */
static bool instances_fit(planner *P, vpce_range range, size_t n, const char *meta)
{
    if (n > VPCE_MAX_INSTANCES_PER_RESOURCE) {
        char *detail = vpce_asprintf("a resource may have at most %d instances",
                                     VPCE_MAX_INSTANCES_PER_RESOURCE);
        vpce_diags_error(P->diags, range, detail, "invalid %s argument: too many instances", meta);
        free(detail);
        return false;
    }
    size_t max =
        P->opts && P->opts->max_instances ? P->opts->max_instances : VPCE_MAX_INSTANCES_PER_PLAN;
    if (P->ninstances + n > max) {
        char *detail = vpce_asprintf("this resource would bring the plan to %zu instances; a plan "
                                     "may have at most %zu",
                                     P->ninstances + n, max);
        vpce_diags_error(P->diags, range, detail, "too many resource instances in the plan");
        free(detail);
        return false;
    }
    P->ninstances += n;
    return true;
}

/* Evaluates count / for_each into the instance keys (array of null, integers or strings) and
   the each.value per key (array, same length). Returns false after a diagnostic. */
static bool expand_keys(planner *P, const vpce_cfg_resource *r, json_t **keys, json_t **values)
{
    vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)P->cfg};
    *keys = json_array();
    *values = json_array();
    if (r->count) {
        json_t *v = vpce_eval(&ctx, r->count);
        if (!v)
            return false;
        int64_t count = 0;
        int crc = vpce_number_count(v, VPCE_MAX_INSTANCES_PER_RESOURCE, &count);
        if (crc == -1) {
            vpce_diags_error(P->diags, r->count->range,
                             vpce_is_unknown(v) ? "The \"count\" value depends on resource "
                                                  "attributes that cannot be determined until "
                                                  "apply"
                                                : "count must be a whole number, 0 or more",
                             "invalid count argument");
            json_decref(v);
            return false;
        }
        /* (a huge count is refused here, before it is converted or anything is allocated) */
        size_t want = crc == -2 ? (size_t)-1 : (size_t)count;
        json_int_t n = (json_int_t)want;
        if (!instances_fit(P, r->count->range, want, "count")) {
            json_decref(v);
            return false;
        }
        for (json_int_t i = 0; i < n; i++) {
            json_array_append_new(*keys, json_integer(i));
            json_array_append_new(*values, json_null());
        }
        json_decref(v);
        return true;
    }
    if (r->for_each) {
        json_t *v = vpce_eval(&ctx, r->for_each);
        if (!v)
            return false;
        bool ok = true;
        size_t size = json_is_object(v) && !vpce_is_unknown(v) ? json_object_size(v)
                      : json_is_array(v)                       ? json_array_size(v)
                                                               : 0;
        if (!instances_fit(P, r->for_each->range, size, "for_each")) {
            json_decref(v);
            return false;
        }
        if (json_is_object(v) && !vpce_is_unknown(v)) {
            size_t n = json_object_size(v);
            const char **names = vpce_calloc(n ? n : 1, sizeof(*names));
            size_t k = 0;
            const char *name;
            json_t *x;
            json_object_foreach(v, name, x) names[k++] = name;
            qsort(names, k, sizeof(*names), cmp_str);
            for (size_t i = 0; i < k; i++) {
                json_array_append_new(*keys, json_string(names[i]));
                json_array_append(*values, json_object_get(v, names[i]));
            }
            free(names);
        } else if (json_is_array(v)) {
            size_t i;
            json_t *x;
            json_array_foreach(v, i, x)
            {
                if (!json_is_string(x)) {
                    ok = false;
                    break;
                }
                json_array_append(*keys, x);
                json_array_append(*values, x);
            }
        } else {
            ok = false;
        }
        if (!ok) {
            vpce_diags_error(
                P->diags, r->for_each->range,
                vpce_contains_unknown(v)
                    ? "The \"for_each\" value depends on resource attributes that cannot be "
                      "determined until apply"
                    : "for_each must be a map, or a set of strings, with known keys",
                "invalid for_each argument");
            json_decref(v);
            return false;
        }
        json_decref(v);
        return true;
    }
    json_array_append_new(*keys, json_null());
    json_array_append_new(*values, json_null());
    return true;
}

static bool instance_targeted(const planner *P, const node_info *ni, const char *addr)
{
    if (!P->target_addrs || ni->whole)
        return true;
    return vpce_map_has(P->target_addrs, addr);
}

static void plan_resource(planner *P, size_t gi)
{
    node_info *ni = &P->nodes[gi];
    vpce_cfg_resource *r = ni->res;
    json_t *keys = NULL, *values = NULL;
    if (!r->rtype) {
        P->failed = true;
        return;
    }
    if (!expand_keys(P, r, &keys, &values)) {
        P->failed = true;
        set_in_scope(P, r, vpce_unknown());
        goto cleanup;
    }
    json_t *collected = r->count ? json_array() : r->for_each ? json_object() : NULL;
    json_t *single = NULL;
    vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)P->cfg};
    for (size_t i = 0; i < json_array_size(keys); i++) {
        json_t *key = json_array_get(keys, i);
        char *addr = vpce_plan_instance_addr(r->addr, key);
        json_t *value = NULL;
        vpce_map_set(P->matched, addr, (void *)1);
        if (!instance_targeted(P, ni, addr)) {
            /* Outside -target: left as it is in state. */
            json_t *pr = vpce_map_get(P->prior_by_addr, addr);
            json_t *pa = pr ? json_object_get(pr, "attributes") : NULL;
            value = pa ? json_incref(pa) : vpce_unknown();
        } else {
            if (r->count) {
                json_t *cnt = json_object();
                json_object_set(cnt, "index", key);
                json_object_set_new(P->scope, "count", cnt);
            } else if (r->for_each) {
                json_t *each = json_object();
                json_object_set(each, "key", key);
                json_object_set(each, "value", json_array_get(values, i));
                json_object_set_new(P->scope, "each", each);
            }
            /* count and each stay in scope for the conditions and triggers as well. */
            json_t *config = vpce_body_eval(&ctx, r->body, r->rtype->schema);
            if (!config) {
                P->failed = true;
                value = vpce_unknown();
            } else {
                value = r->mode == VPCE_MODE_DATA
                            ? plan_data_instance(P, gi, r, addr, key, config)
                            : plan_managed_instance(P, gi, r, addr, key, config);
                json_decref(config);
            }
            json_object_del(P->scope, "count");
            json_object_del(P->scope, "each");
            vpce_vec_push(&ni->insts, vpce_strdup(addr));
        }
        if (r->count)
            json_array_append_new(collected, value);
        else if (r->for_each)
            json_object_set_new(collected, json_string_value(key), value);
        else
            single = value;
        free(addr);
    }
    set_in_scope(P, r, collected ? collected : single ? single : json_null());
cleanup:
    json_decref(keys);
    json_decref(values);
}

/* ---- variables, locals, outputs ---------------------------------------------------------- */

static void plan_variable(planner *P, const vpce_cfg_variable *v, const json_t *vars)
{
    json_t *val = json_object_get(vars, v->name);
    json_t *varobj = json_object_get(P->scope, "var");
    if (val) {
        json_object_set(varobj, v->name, val);
    } else if (v->default_expr) {
        vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                             (void *)P->cfg};
        json_t *d = vpce_eval(&ctx, v->default_expr);
        if (!d)
            P->failed = true;
        json_object_set_new(varobj, v->name, d ? d : json_null());
    } else {
        vpce_diags_error(P->diags, v->range, NULL, "no value for required variable \"%s\"",
                         v->name);
        P->failed = true;
        json_object_set_new(varobj, v->name, vpce_unknown());
    }
}

static void plan_local(planner *P, const vpce_cfg_local *l)
{
    vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)P->cfg};
    json_t *v = vpce_eval(&ctx, l->expr);
    if (!v) {
        P->failed = true;
        v = vpce_unknown();
    }
    json_object_set_new(json_object_get(P->scope, "local"), l->name, v);
}

static json_t *actions1(const char *a)
{
    json_t *arr = json_array();
    json_array_append_new(arr, json_string(a));
    return arr;
}

static json_t *output_changes(planner *P, bool destroy)
{
    json_t *out = json_object();
    json_t *prior_outs = json_object_get(P->prior, "outputs");
    for (size_t i = 0; !destroy && i < P->cfg->outputs.len; i++) {
        const vpce_cfg_output *o = P->cfg->outputs.items[i];
        vpce_eval_ctx ctx = {P->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                             (void *)P->cfg};
        /* Not known yet: checked again when the outputs are stored after apply. */
        if (!check_conditions(P, o->preconditions, o->npreconditions,
                              "module output value precondition failed", NULL))
            continue;
        json_t *v = o->value ? vpce_eval(&ctx, o->value) : json_null();
        if (!v) {
            P->failed = true;
            continue;
        }
        json_t *po = json_object_get(prior_outs, o->name);
        json_t *before = po ? json_object_get(po, "value") : NULL;
        const char *act = !po ? "create" : vpce_value_equal(before, v) ? "no-op" : "update";
        json_t *oc = json_object();
        json_object_set_new(oc, "actions", actions1(act));
        json_object_set_new(oc, "before", before ? json_deep_copy(before) : json_null());
        json_object_set_new(oc, "after", v);
        /* Loading reported outputs that carry sensitive values without saying so. */
        json_object_set_new(oc, "sensitive",
                            json_boolean(o->sensitive || expr_sensitive(P, o->value)));
        json_object_set_new(out, o->name, oc);
    }
    const char *name;
    json_t *po;
    json_object_foreach(prior_outs, name, po)
    {
        if (json_object_get(out, name))
            continue;
        json_t *oc = json_object();
        json_object_set_new(oc, "actions", actions1("delete"));
        json_t *before = json_object_get(po, "value");
        json_object_set_new(oc, "before", before ? json_deep_copy(before) : json_null());
        json_object_set_new(oc, "after", json_null());
        json_object_set(oc, "sensitive",
                        json_is_true(json_object_get(po, "sensitive")) ? json_true()
                                                                       : json_false());
        json_object_set_new(out, name, oc);
    }
    return out;
}

/* ---- deletes ----------------------------------------------------------------------------- */

/* The removed block whose `from` names the resource (or a module call holding it) of instance
   address addr, or NULL. */
static const vpce_cfg_removed *removed_for(const planner *P, const char *addr)
{
    if (!P->cfg->removed.len)
        return NULL;
    vpce_addr a;
    const char *err;
    const vpce_cfg_removed *found = NULL;
    if (vpce_addr_parse(&a, addr, &err) < 0)
        return NULL;
    for (size_t i = 0; i < P->cfg->removed.len && !found; i++) {
        const vpce_cfg_removed *rm = P->cfg->removed.items[i];
        vpce_addr dst;
        if (vpce_addr_move(&dst, &rm->from, &rm->from, &a) == 1)
            found = rm;
        vpce_addr_release(&dst);
    }
    vpce_addr_release(&a);
    return found;
}

static void plan_orphans(planner *P)
{
    json_t *resources = json_object_get(P->prior, "resources");
    size_t i;
    json_t *res;
    json_array_foreach(resources, i, res)
    {
        const char *addr = json_string_value(json_object_get(res, "address"));
        const char *mode = json_string_value(json_object_get(res, "mode"));
        if (!addr || (mode && strcmp(mode, "managed") != 0) || vpce_map_has(P->matched, addr))
            continue;
        char *raddr = resource_part(addr);
        if (P->target_addrs && !vpce_map_has(P->target_addrs, addr) &&
            !vpce_map_has(P->target_addrs, raddr)) {
            free(raddr);
            continue;
        }
        vpce_cfg_resource *r = vpce_config_resource(P->cfg, raddr);
        size_t gi = (size_t)-1;
        if (r && P->g && !vpce_graph_find(P->g, raddr, &gi))
            gi = (size_t)-1;
        vpce_change *c = change_new(NULL, res, addr, NULL);
        c->action = VPCE_ACTION_DELETE;
        json_t *ix = json_object_get(res, "index");
        const vpce_cfg_removed *rm = r ? NULL : removed_for(P, addr);
        if (rm && !rm->destroy && !P->opts->destroy) {
            c->action = VPCE_ACTION_FORGET;
            vpce_vec_push(&P->forgotten, vpce_strdup(addr));
        } else if (!P->opts->destroy) {
            if (!r)
                c->reason = vpce_strdup("delete_because_no_resource_config");
            else if (r->count && json_is_integer(ix))
                c->reason = vpce_strdup("delete_because_count_index");
            else if (r->for_each && json_is_string(ix))
                c->reason = vpce_strdup("delete_because_each_key");
            else
                c->reason = vpce_strdup("delete_because_wrong_repetition");
        }
        json_t *attrs = json_object_get(res, "attributes");
        c->before = attrs ? json_incref(attrs) : json_object();
        c->after = NULL;
        set_depends(P, c, gi, json_object_get(res, "dependencies"));
        if (r && r->prevent_destroy)
            prevent_destroy_error(P, r, addr);
        push_change(P, c);
        free(raddr);
    }
}

/* ---- moved blocks and check blocks ------------------------------------------------------- */

/* A moved block whose `from` is an instance the configuration still declares is an error, as
   in Terraform (a whole resource was checked when loading). */
static void moved_still_declared(planner *P)
{
    for (size_t i = 0; i < P->cfg->moved.len; i++) {
        const vpce_cfg_moved *m = P->cfg->moved.items[i];
        if (!m->from.type || !m->from.key || m->from.nmodules)
            continue;
        char *from = vpce_addr_format(&m->from);
        if (vpce_map_has(P->matched, from)) {
            char *ra = vpce_addr_resource(&m->from);
            const vpce_cfg_resource *r = vpce_config_resource(P->cfg, ra);
            char *w = NULL;
            if (r && r->range.src) {
                int line, col;
                vpce_source_pos(r->range.src, r->range.start, &line, &col);
                w = vpce_asprintf("%s:%d:%d", r->range.src->name, line, col);
            }
            char *detail = vpce_asprintf("this statement declares a move from %s, but that "
                                         "resource instance is still declared by %s%s%s; change "
                                         "your configuration so that this instance is declared "
                                         "only at the new address",
                                         from, ra, w ? " at " : "", w ? w : "");
            vpce_diags_error(P->diags, m->from_range, detail, "moved object still exists");
            P->failed = true;
            free(detail);
            free(w);
            free(ra);
        }
        free(from);
    }
}

/* Puts value (stolen) at data.TYPE.NAME of the scope, or removes it (value NULL). */
static void scope_data(planner *P, const vpce_cfg_resource *r, json_t *value)
{
    json_t *data = json_object_get(P->scope, "data");
    json_t *byt = json_object_get(data, r->type);
    if (!value) {
        json_object_del(byt, r->name);
        if (byt && json_object_size(byt) == 0)
            json_object_del(data, r->type);
        return;
    }
    if (!byt) {
        byt = json_object();
        json_object_set_new(data, r->type, byt);
    }
    json_object_set_new(byt, r->name, value);
}

/*
 * Evaluates every check block in the final scope, as Terraform does after planning (and, through
 * the plan vpce_apply_outputs makes, after applying): its scoped data source is read when its
 * configuration is known, then each assertion is tested. Failures and errors are warnings.
 * Returns the results in the shape of vpce_plan.checks.
 */
static json_t *run_checks(planner *P)
{
    json_t *out = json_array();
    for (size_t i = 0; i < P->cfg->checks.len; i++) {
        const vpce_cfg_check *ck = P->cfg->checks.items[i];
        vpce_diags local = VPCE_DIAGS_INIT;
        vpce_eval_ctx ctx = {P->scope, P->cfg->dir, &local, vpce_config_ref_sensitive,
                             (void *)P->cfg};
        const char *status = "pass";
        json_t *problems = json_array();
        bool scoped = false;
        if (ck->data && ck->data->rtype) {
            json_t *config = vpce_body_eval(&ctx, ck->data->body, ck->data->rtype->schema);
            json_t *value = NULL;
            if (config && !config_unknown(ck->data, config) && ck->data->rtype->read) {
                char pbuf[128];
                const char *ref = provider_ref_of(ck->data, pbuf, sizeof(pbuf));
                bool nop = false;
                vpce_provider *p = vpce_plan_providers_for(P->ps, ref, config, &nop);
                if (!nop && ck->data->rtype->read(p, config, &value) == 0 && value)
                    vpce_plan_providers_fill(P->ps, ref, p, value);
                if (nop || !value) {
                    json_decref(value);
                    value = NULL;
                    vpce_diags_warning(P->diags, ck->data->range, vpce_error_last(),
                                       "cannot read data source %s in check \"%s\"", ck->data->addr,
                                       ck->name);
                    status = "fail";
                }
            }
            scope_data(P, ck->data, value ? value : vpce_unknown());
            scoped = true;
            json_decref(config);
        }
        for (size_t k = 0; k < ck->nasserts; k++) {
            size_t before = local.len;
            int rc = vpce_config_condition(&ctx, &ck->asserts[k], "check block assertion failed");
            if (rc == 0 && strcmp(status, "pass") == 0)
                status = "unknown";
            if (rc < 0) {
                status = "fail";
                for (size_t d = before; d < local.len; d++)
                    json_array_append_new(problems, json_pack("{s:s}", "message",
                                                              local.items[d].detail
                                                                  ? local.items[d].detail
                                                                  : local.items[d].summary));
            }
        }
        /* Everything a check finds is a warning: it never stops a plan or an apply. */
        for (size_t d = 0; d < local.len; d++)
            vpce_diags_warning(P->diags, local.items[d].range, local.items[d].detail, "%s",
                               local.items[d].summary);
        if (strcmp(status, "unknown") == 0)
            vpce_diags_warning(P->diags, ck->range,
                               "a condition depends on values known only after apply; it "
                               "will be checked after apply",
                               "check \"%s\" will be checked after apply", ck->name);
        if (scoped)
            scope_data(P, ck->data, NULL);
        vpce_diags_release(&local);
        json_array_append_new(out, json_pack("{s:s,s:s,s:o}", "name", ck->name, "status", status,
                                             "problems", problems));
    }
    return out;
}

/* ---- setup ------------------------------------------------------------------------------- */

static void index_prior(planner *P)
{
    json_t *resources = json_object_get(P->prior, "resources");
    size_t i;
    json_t *res;
    json_array_foreach(resources, i, res)
    {
        const char *addr = json_string_value(json_object_get(res, "address"));
        if (!addr)
            continue;
        vpce_map_set(P->prior_by_addr, addr, res);
        char *raddr = resource_part(addr);
        vpce_vec *v = vpce_map_get(P->prior_by_res, raddr);
        if (!v) {
            v = vpce_calloc(1, sizeof(*v));
            vpce_map_set(P->prior_by_res, raddr, v);
        }
        vpce_vec_push(v, (void *)addr);
        free(raddr);
    }
}

static bool is_resource_node(const char *name)
{
    return strncmp(name, "var.", 4) != 0 && strncmp(name, "local.", 6) != 0 &&
           strncmp(name, "output.", 7) != 0 && strncmp(name, "provider.", 9) != 0;
}

static void vec_add_unique(vpce_vec *v, void *x)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == x)
            return;
    vpce_vec_push(v, x);
}

/* Resource dependencies of every node, through variables and locals, in topological order. */
static void compute_resdeps(planner *P, const size_t *order, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const size_t *deps;
        size_t nd;
        vpce_graph_deps(P->g, i, &deps, &nd);
        for (size_t j = 0; j < nd; j++) {
            size_t d = deps[j];
            if (P->nodes[d].res)
                vec_add_unique(&P->nodes[i].resdeps, (void *)(uintptr_t)(d + 1));
            else
                for (size_t m = 0; m < P->nodes[d].resdeps.len; m++)
                    vec_add_unique(&P->nodes[i].resdeps, P->nodes[d].resdeps.items[m]);
        }
    }
}

static void mark_included(planner *P, size_t i)
{
    if (P->nodes[i].included)
        return;
    P->nodes[i].included = true;
    const size_t *deps;
    size_t nd;
    vpce_graph_deps(P->g, i, &deps, &nd);
    for (size_t j = 0; j < nd; j++) {
        mark_included(P, deps[j]);
        P->nodes[deps[j]].whole = true;
    }
}

static void apply_targets(planner *P)
{
    size_t n = vpce_graph_count(P->g);
    if (!P->opts->ntargets) {
        for (size_t i = 0; i < n; i++)
            P->nodes[i].included = P->nodes[i].whole = true;
        return;
    }
    P->target_addrs = vpce_map_new();
    for (size_t t = 0; t < P->opts->ntargets; t++) {
        const char *addr = P->opts->targets[t];
        vpce_map_set(P->target_addrs, addr, (void *)1);
        char *raddr = resource_part(addr);
        size_t gi;
        if (vpce_graph_find(P->g, raddr, &gi)) {
            mark_included(P, gi);
            if (strcmp(raddr, addr) == 0)
                P->nodes[gi].whole = true;
        }
        free(raddr);
    }
    /* Variables and locals are cheap and harmless: always evaluate those that are needed. */
    vpce_diags_warning(P->diags, (vpce_range){0},
                       "The -target option is not for routine use: the plan may not represent "
                       "every change the configuration asks for, and what it leaves out can "
                       "only be seen by planning again without it",
                       "resource targeting is in effect");
}

static int cmp_change(const void *a, const void *b)
{
    const vpce_change *x = *(vpce_change *const *)a;
    const vpce_change *y = *(vpce_change *const *)b;
    return strcmp(x->address, y->address);
}

int vpce_plan_make(vpce_plan **out, const vpce_config *cfg, const json_t *vars,
                   const json_t *prior_state_doc, const vpce_plan_opts *opts, vpce_diags *diags)
{
    static const vpce_plan_opts defaults = {.refresh = true};
    planner P = {0};
    vpce_plan_providers *own_ps = NULL;
    vpce_plan *plan = NULL;
    size_t *order = NULL;
    json_t *cycles = NULL;
    size_t errors_before = diags->nerrors;
    int rc = 0;
    bool own_graph = false;

    *out = NULL;
    P.cfg = cfg;
    P.opts = opts ? opts : &defaults;
    P.diags = diags;
    /* The prior document is shared, not copied, unless refresh is going to change it. Values
       taken from it into the plan are shared too: nothing changes a value in place. */
    bool refreshing = (P.opts->refresh || P.opts->refresh_only) && !P.opts->destroy;
    bool moving =
        cfg->moved.len > 0 && json_array_size(json_object_get(prior_state_doc, "resources")) > 0;
    if (!prior_state_doc)
        P.prior = json_object();
    else if (refreshing || moving || !json_is_array(json_object_get(prior_state_doc, "resources")))
        P.prior = json_deep_copy(prior_state_doc);
    else
        P.prior = json_incref((json_t *)prior_state_doc);
    if (!json_is_array(json_object_get(P.prior, "resources")))
        json_object_set_new(P.prior, "resources", json_array());
    P.prior_by_addr = vpce_map_new();
    P.prior_by_res = vpce_map_new();
    P.matched = vpce_map_new();
    P.change_by_addr = vpce_map_new();
    P.replace_addrs = vpce_map_new();
    P.previous = vpce_map_new();
    P.sens_cache = vpce_map_new();
    for (size_t i = 0; i < P.opts->nreplace; i++)
        vpce_map_set(P.replace_addrs, P.opts->replace[i], (void *)1);
    json_t *drift = json_array();

    P.ps = P.opts->providers;
    if (!P.ps) {
        if (vpce_plan_providers_new(&own_ps, cfg, vars, diags) < 0) {
            rc = VPCE_EINVALID;
            goto cleanup;
        }
        P.ps = own_ps;
    }

    if (refreshing) {
        rc = vpce_refresh_state(P.prior, P.ps, drift);
        if (rc < 0)
            goto cleanup;
    }
    vpce_plan_moves(P.prior, cfg, P.previous, diags);
    index_prior(&P);

    if (cfg->graph) {
        P.g = cfg->graph; /* built when loading: the configuration does not change */
    } else {
        rc = vpce_config_graph(&P.g, cfg, diags);
        if (rc < 0)
            goto cleanup;
        own_graph = true;
    }
    size_t n = vpce_graph_count(P.g);
    rc = vpce_graph_topo(P.g, &order, &cycles);
    if (rc < 0) {
        vpce_diags_error(diags, (vpce_range){0}, NULL, "the configuration has reference cycles");
        goto cleanup;
    }
    P.nodes = vpce_calloc(n ? n : 1, sizeof(*P.nodes));
    for (size_t i = 0; i < n; i++)
        if (is_resource_node(vpce_graph_name(P.g, i)))
            P.nodes[i].res = vpce_config_resource(cfg, vpce_graph_name(P.g, i));
    compute_resdeps(&P, order, n);
    apply_targets(&P);

    P.scope = json_object();
    json_object_set_new(P.scope, "var", json_object());
    json_object_set_new(P.scope, "local", json_object());
    json_object_set_new(P.scope, "data", json_object());
    {
        json_t *path = json_object();
        char cwd[4096];
        json_object_set_new(path, "module", json_string(cfg->dir ? cfg->dir : "."));
        json_object_set_new(path, "root", json_string(cfg->dir ? cfg->dir : "."));
        json_object_set_new(path, "cwd", json_string(getcwd(cwd, sizeof(cwd)) ? cwd : "."));
        json_object_set_new(P.scope, "path", path);
        json_object_set_new(
            P.scope, "terraform",
            json_pack("{s:s}", "workspace", cfg->workspace ? cfg->workspace : "default"));
    }

    /* Variables first, whatever the graph says, so sensitivity is known everywhere. */
    for (size_t i = 0; i < cfg->variables.len; i++)
        plan_variable(&P, cfg->variables.items[i], vars);

    if (P.opts->destroy) {
        plan_orphans(&P); /* nothing is matched: every managed instance is deleted */
    } else {
        for (size_t k = 0; k < n; k++) {
            size_t i = order[k];
            const char *name = vpce_graph_name(P.g, i);
            if (!P.nodes[i].included && P.nodes[i].res)
                continue;
            if (strncmp(name, "local.", 6) == 0) {
                for (size_t j = 0; j < cfg->locals.len; j++) {
                    vpce_cfg_local *l = cfg->locals.items[j];
                    if (strcmp(l->name, name + 6) == 0)
                        plan_local(&P, l);
                }
            } else if (P.nodes[i].res) {
                plan_resource(&P, i);
            }
        }
        if (!P.opts->refresh_only)
            plan_orphans(&P);
    }

    if (!P.opts->destroy)
        moved_still_declared(&P);
    if (P.forgotten.len) {
        vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
        vpce_buf_puts(&b, "If you apply this plan, vpce will discard its tracking information "
                          "for the following objects, but it will not delete them:");
        for (size_t i = 0; i < P.forgotten.len; i++)
            vpce_buf_printf(&b, "\n - %s", (const char *)P.forgotten.items[i]);
        vpce_buf_puts(&b, "\n\nAfter applying this plan, vpce will no longer manage these "
                          "objects. You will need to import them to manage them again.");
        vpce_diags_warning(diags, (vpce_range){0}, b.data,
                           "some objects will no longer be managed by vpce");
        vpce_buf_release(&b);
    }

    plan = vpce_calloc(1, sizeof(*plan));
    plan->output_changes =
        P.opts->ntargets ? json_object() : output_changes(&P, P.opts->destroy != 0);
    plan->checks = P.opts->ntargets || P.opts->destroy || P.opts->refresh_only || P.failed ||
                           diags->nerrors > errors_before
                       ? json_array()
                       : run_checks(&P);
    if (P.failed || diags->nerrors > errors_before) {
        rc = VPCE_EINVALID;
        goto cleanup;
    }
    vpce_vec_sort(&P.changes, cmp_change);
    plan->changes = (vpce_change **)P.changes.items;
    plan->nchanges = P.changes.len;
    P.changes = (vpce_vec)VPCE_VEC_INIT;
    plan->drift = drift;
    drift = NULL;
    plan->variables = json_incref(json_object_get(P.scope, "var"));
    plan->sensitive_vars = json_array();
    for (size_t i = 0; i < cfg->variables.len; i++) {
        const vpce_cfg_variable *v = cfg->variables.items[i];
        if (v->sensitive)
            json_array_append_new(plan->sensitive_vars, json_string(v->name));
    }
    plan->config_hash = vpce_strdup(cfg->content_hash);
    const char *lineage = json_string_value(json_object_get(P.prior, "lineage"));
    plan->lineage = lineage ? vpce_strdup(lineage) : NULL;
    plan->serial = json_integer_value(json_object_get(P.prior, "serial"));
    plan->destroy = P.opts->destroy;
    plan->refresh_only = P.opts->refresh_only;
    plan->prior = P.prior;
    P.prior = NULL;
    *out = plan;
    plan = NULL;
    rc = 0;

cleanup:
    vpce_plan_free(plan);
    for (size_t i = 0; i < P.changes.len; i++)
        vpce_change_free(P.changes.items[i]);
    vpce_vec_release(&P.changes);
    for (size_t i = 0; P.nodes && i < vpce_graph_count(P.g); i++) {
        vpce_vec_release(&P.nodes[i].resdeps);
        for (size_t j = 0; j < P.nodes[i].insts.len; j++)
            free(P.nodes[i].insts.items[j]);
        vpce_vec_release(&P.nodes[i].insts);
    }
    free(P.nodes);
    const char *k;
    void *v;
    for (size_t it = 0; P.prior_by_res && vpce_map_next(P.prior_by_res, &it, &k, &v);) {
        vpce_vec_release(v);
        free(v);
    }
    vpce_map_free(P.prior_by_res);
    vpce_map_free(P.prior_by_addr);
    vpce_map_free(P.matched);
    vpce_map_free(P.change_by_addr);
    vpce_map_free(P.target_addrs);
    vpce_map_free(P.replace_addrs);
    for (size_t it = 0; P.previous && vpce_map_next(P.previous, &it, &k, &v);)
        free(v);
    vpce_map_free(P.previous);
    for (size_t it = 0; P.sens_cache && vpce_map_next(P.sens_cache, &it, &k, &v);)
        if (v != &no_sensitive_paths)
            json_decref(v);
    vpce_map_free(P.sens_cache);
    for (size_t i = 0; i < P.forgotten.len; i++)
        free(P.forgotten.items[i]);
    vpce_vec_release(&P.forgotten);
    json_decref(P.scope);
    json_decref(P.prior);
    json_decref(drift);
    json_decref(cycles);
    free(order);
    if (own_graph)
        vpce_graph_free(P.g);
    vpce_plan_providers_free(own_ps);
    return rc;
}
