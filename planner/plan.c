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

/*
 * A module instance: the root module (path ""), or one instance of a module call
 * ("module.a[\"x\"]", "module.a[\"x\"].module.b"). Each has its own evaluation scope.
 */
typedef struct modinst {
    char *path;
    const vpce_config *mod;
    json_t *scope;          /* owned */
    struct modinst *parent; /* NULL for the root */
    json_t *key;            /* its key in the call: NULL, an integer or a string (owned) */
    json_t *each_value;     /* each.value for a for_each call (owned), else NULL */
    json_t *outputs;        /* the object in the parent's scope its outputs go to (borrowed) */
} modinst;

/*
 * Instance addresses of one resource, and for a resource in a module, the same grouped by
 * module instance path (so a dependency in the same module instance is one lookup).
 */
typedef struct instset {
    vpce_vec all;    /* char* (borrowed, or owned by node_info) */
    vpce_map *by_mi; /* module instance path -> vpce_vec*; NULL in the root module */
} instset;

static void instset_add(instset *s, const char *mi, char *addr)
{
    vpce_vec_push(&s->all, addr);
    if (!mi[0])
        return;
    if (!s->by_mi)
        s->by_mi = vpce_map_new();
    vpce_vec *v = vpce_map_get(s->by_mi, mi);
    if (!v) {
        v = vpce_calloc(1, sizeof(*v));
        vpce_map_set(s->by_mi, mi, v);
    }
    vpce_vec_push(v, addr);
}

static void instset_release(instset *s)
{
    const char *k;
    void *v;
    for (size_t it = 0; s->by_mi && vpce_map_next(s->by_mi, &it, &k, &v);) {
        vpce_vec_release(v);
        free(v);
    }
    vpce_map_free(s->by_mi);
    vpce_vec_release(&s->all);
}

/* Per graph node: what planning it produced. */
typedef struct node_info {
    const vpce_cfg_node *cn;
    vpce_cfg_resource *res; /* NULL for non-resource nodes */
    vpce_vec resdeps;       /* indexes (+1) of resource nodes this node depends on, transitively
                               through variables, locals, module calls and outputs */
    vpce_vec readdeps;      /* data sources only: indexes (+1) of the resources whose pending
                               changes defer its read (read_deps()) */
    instset insts;          /* instance addresses planned for this resource (owned) */
    bool included;          /* false when -target leaves it out */
    bool whole;             /* with -target: every instance, not just the targeted ones */
    bool *sets;             /* per attribute then per nested block of the resource's schema:
                               whether its body sets it (made on first use, owned) */
} node_info;

typedef struct planner {
    const vpce_config *cfg;
    const vpce_plan_opts *opts;
    vpce_diags *diags;
    const vpce_plan_providers *ps;
    vpce_graph *g;
    node_info *nodes;
    modinst *root;            /* the root module's one instance */
    vpce_vec *minsts;         /* per module id: modinst* of that module, in creation order */
    vpce_map *mi_paths;       /* module instance path -> modinst* */
    json_t *prior;            /* refreshed copy of the prior document (owned) */
    vpce_map *prior_by_addr;  /* instance address -> json_t* resource entry (borrowed) */
    vpce_map *prior_by_res;   /* static resource address (module keys left out) -> instset* of
                                 its instances in prior state */
    vpce_map *matched;        /* instance addresses claimed by configuration */
    vpce_map *change_by_addr; /* instance address -> vpce_change* */
    vpce_addr *targets;       /* -target addresses, parsed; NULL without -target */
    size_t ntargets;
    vpce_map *replace_addrs; /* -replace addresses */
    vpce_map *previous;      /* instance address -> char* address before its move (owned) */
    vpce_map *sens_cache;    /* static resource address -> json_t* of sensitive_paths (owned),
                                or &no_sensitive_paths: the same for every instance */
    json_t *sensitive_names; /* object: "module.a.var.x" / "module.a.module.b.out" -> true:
                                what a module receives or returns sensitive */
    vpce_vec changes;        /* vpce_change* */
    vpce_vec forgotten;      /* char*: addresses planned to be forgotten */
    size_t ninstances;       /* instances expanded so far (count and for_each included) */
    bool plan_cap_reported;  /* the plan's cap is reported once, not per module instance */
    bool failed;
} planner;

/* Evaluation in module instance mi: its scope; relative paths from the root module's directory
   (the working directory of a Terraform run); issensitive() judged in mi's module. */
static vpce_eval_ctx eval_in(const planner *P, const modinst *mi)
{
    vpce_eval_ctx ctx = {mi->scope, P->cfg->dir, P->diags, vpce_config_ref_sensitive,
                         (void *)mi->mod};
    return ctx;
}

/* ---- addresses --------------------------------------------------------------------------- */

char *vpce_plan_instance_addr(const char *resource_addr, const json_t *key)
{
    if (!key || json_is_null(key))
        return vpce_strdup(resource_addr);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_puts(&b, resource_addr);
    vpce_addr_key_append(&b, key);
    return vpce_buf_detach(&b);
}

/* The resource part of an instance address ("module.a[0].aws_subnet.a" of
   "module.a[0].aws_subnet.a[0]"); caller frees. */
static char *resource_part(const char *addr)
{
    return vpce_addr_resource_part(addr);
}

/* Length of the first `depth` steps of a module instance path ("module.a[\"x.y\"].module.b"),
   keys skipped whole (they may hold dots). */
static size_t mi_prefix_len(const char *path, size_t depth)
{
    const char *p = path;
    for (size_t d = 0; d < depth && *p; d++) {
        if (d > 0) {
            if (*p != '.')
                break;
            p++;
        }
        if (strncmp(p, "module.", 7) != 0)
            break;
        p += 7;
        while (*p && *p != '.' && *p != '[')
            p++;
        if (*p == '[') {
            bool quoted = false;
            for (p++; *p && (quoted || *p != ']'); p++) {
                if (quoted && *p == '\\' && p[1])
                    p++;
                else if (*p == '"')
                    quoted = !quoted;
            }
            if (*p == ']')
                p++;
        }
    }
    return (size_t)(p - path);
}

/* The full address of a module's local address in module instance mi ("" for the root). */
static char *in_module(const char *mi, const char *local)
{
    return mi[0] ? vpce_asprintf("%s.%s", mi, local) : vpce_strdup(local);
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

/* Whether the body sets name as an argument or as blocks. The first bytes are compared before
   strcmp: most names differ there. */
static bool body_sets(const vpce_ast_body *body, const char *name)
{
    for (size_t i = 0; body && i < body->nattrs; i++) {
        const char *an = body->attrs[i]->name;
        if (an[0] == name[0] && strcmp(an, name) == 0)
            return true;
    }
    for (size_t i = 0; body && i < body->nblocks; i++) {
        const vpce_ast_block *b = body->blocks[i];
        if (b->type[0] == name[0] && strcmp(b->type, name) == 0)
            return true;
        if (b->type[0] == 'd' && strcmp(b->type, "dynamic") == 0 && b->nlabels > 0 &&
            b->labels[0][0] == name[0] && strcmp(b->labels[0], name) == 0)
            return true;
    }
    return false;
}

/* The module of the tree whose static module path is prefix ("" for the root). */
static const vpce_config *module_by_prefix(const planner *P, const char *prefix)
{
    for (size_t i = 0; prefix && prefix[0] && i < P->cfg->modules.len; i++) {
        const vpce_config *m = P->cfg->modules.items[i];
        if (strcmp(m->prefix, prefix) == 0)
            return m;
    }
    return P->cfg;
}

typedef struct sens_walk {
    const json_t *names;
    const char *prefix; /* the static module path of the expression's module */
    bool found;
} sens_walk;

static void sens_visit(const char *root, const char *attr, const char *attr2, vpce_range range,
                       void *ud)
{
    (void)range;
    sens_walk *w = ud;
    if (!attr ||
        (strcmp(root, "var") != 0 && strcmp(root, "local") != 0 && strcmp(root, "module") != 0))
        return;
    char key[1024];
    snprintf(key, sizeof(key), "%s%s.%s", w->prefix, root, attr);
    if (json_object_get(w->names, key))
        w->found = true;
    if (attr2 && strcmp(root, "module") == 0) {
        snprintf(key, sizeof(key), "%s%s.%s.%s", w->prefix, root, attr, attr2);
        if (json_object_get(w->names, key))
            w->found = true;
    }
}

static bool expr_sensitive(const planner *P, const char *prefix, const vpce_ast_expr *e)
{
    if (!e)
        return false;
    if (vpce_config_expr_sensitive(module_by_prefix(P, prefix), e))
        return true;
    if (json_object_size(P->sensitive_names) == 0)
        return false;
    sens_walk w = {P->sensitive_names, prefix, false};
    vpce_expr_walk_refs(e, sens_visit, &w);
    return w.found;
}

static bool body_sensitive(const planner *P, const char *prefix, const vpce_ast_body *b)
{
    for (size_t i = 0; b && i < b->nattrs; i++)
        if (expr_sensitive(P, prefix, b->attrs[i]->expr))
            return true;
    for (size_t i = 0; b && i < b->nblocks; i++)
        if (body_sensitive(P, prefix, b->blocks[i]->body))
            return true;
    return false;
}

static void mark_sensitive(planner *P, const char *prefix, const char *name)
{
    char key[1024];
    snprintf(key, sizeof(key), "%s%s", prefix, name);
    json_object_set_new(P->sensitive_names, key, json_true());
}

/* Top-level names shown as (sensitive value): schema-sensitive attributes, and arguments whose
   expression uses a sensitive variable. NULL when none. */
static json_t *sensitive_paths(const planner *P, const vpce_cfg_resource *r)
{
    json_t *out = json_array();
    const char *prefix = r->module ? r->module->prefix : "";
    const vpce_block_schema *s = r->rtype ? r->rtype->schema : NULL;
    for (const vpce_attr_schema *a = s ? s->attrs : NULL; a && a->name; a++) {
        bool sens = (a->flags & VPCE_ATTR_SENSITIVE) != 0;
        for (size_t i = 0; !sens && r->body && i < r->body->nattrs; i++)
            if (r->body->attrs[i]->name[0] == a->name[0] &&
                strcmp(r->body->attrs[i]->name, a->name) == 0 &&
                expr_sensitive(P, prefix, r->body->attrs[i]->expr))
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
            if (match && body_sensitive(P, prefix, b->body)) {
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
    void *v = vpce_map_get(P->sens_cache, r->path_addr);
    if (!v) {
        json_t *paths = sensitive_paths(P, r);
        v = paths ? (void *)paths : (void *)&no_sensitive_paths;
        vpce_map_set(P->sens_cache, r->path_addr, v);
    }
    return v == &no_sensitive_paths ? NULL : json_incref(v);
}

static void set_in_scope(json_t *scope, const vpce_cfg_resource *r, json_t *value /* stolen */)
{
    json_t *root;
    if (r->mode == VPCE_MODE_DATA) {
        json_t *data = json_object_get(scope, "data");
        root = json_object_get(data, r->type);
        if (!root) {
            root = json_object();
            json_object_set_new(data, r->type, root);
        }
    } else {
        root = json_object_get(scope, r->type);
        if (!root) {
            root = json_object();
            json_object_set_new(scope, r->type, root);
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

/* Adds the addresses of s (may be NULL) that are in module instance mi or in a module inside
   it ("" holds them all). */
static void add_under(vpce_vec *deps, vpce_map *seen, const instset *s, const char *mi)
{
    if (!s)
        return;
    if (!mi[0]) {
        for (size_t i = 0; i < s->all.len; i++)
            add_dep(deps, seen, s->all.items[i]);
        return;
    }
    if (!s->by_mi)
        return;
    const vpce_vec *v = vpce_map_get(s->by_mi, mi);
    for (size_t i = 0; v && i < v->len; i++)
        add_dep(deps, seen, v->items[i]);
    /* And the instances of modules inside mi. */
    size_t n = strlen(mi);
    const char *k;
    void *val;
    for (size_t it = 0; vpce_map_next(s->by_mi, &it, &k, &val);) {
        if (strncmp(k, mi, n) != 0 || k[n] != '.')
            continue;
        v = val;
        for (size_t i = 0; i < v->len; i++)
            add_dep(deps, seen, v->items[i]);
    }
}

/* Depth of the deepest module that a and b are both inside of. */
static size_t common_depth(const vpce_config *a, const vpce_config *b)
{
    while (a->depth > b->depth)
        a = a->parent;
    while (b->depth > a->depth)
        b = b->parent;
    while (a != b) {
        a = a->parent;
        b = b->parent;
    }
    return a->depth;
}

/*
 * The instances of the resource (or data source) of node d that a change in module instance mi
 * of module m must be ordered against: those planned now and those in prior state, in the
 * module instance of their common ancestor module that holds mi (a resource of the same module
 * instance, of an enclosing one, or of the modules inside it).
 */
static void add_resource_deps(planner *P, vpce_vec *deps, vpce_map *seen, size_t d, const char *mi,
                              const vpce_config *m)
{
    node_info *ni = &P->nodes[d];
    const vpce_config *dm = ni->res->module;
    size_t depth = m ? common_depth(dm, m) : 0;
    char *prefix = vpce_strndup(mi, mi_prefix_len(mi, depth));
    add_under(deps, seen, &ni->insts, prefix);
    add_under(deps, seen, vpce_map_get(P->prior_by_res, ni->res->path_addr), prefix);
    free(prefix);
}

/* The instances, planned and in prior state, of the resource address raddr (with module
   keys). */
static void add_prior_resource(planner *P, vpce_vec *deps, vpce_map *seen, const char *raddr)
{
    char *st = vpce_addr_static(raddr);
    char *mi = vpce_addr_module_of(raddr);
    size_t gi;
    if (P->g && vpce_graph_find(P->g, st, &gi))
        add_under(deps, seen, &P->nodes[gi].insts, mi);
    const instset *pv = vpce_map_get(P->prior_by_res, st);
    if (pv)
        add_under(deps, seen, pv, mi);
    else if (vpce_map_has(P->prior_by_addr, raddr))
        add_dep(deps, seen, raddr);
    free(st);
    free(mi);
}

static void set_depends(planner *P, vpce_change *c, size_t gi, const char *mi,
                        const json_t *state_deps)
{
    vpce_vec deps = VPCE_VEC_INIT;
    vpce_map *seen = vpce_map_new();
    if (P->g && gi != (size_t)-1)
        for (size_t i = 0; i < P->nodes[gi].resdeps.len; i++) {
            size_t d = (uintptr_t)P->nodes[gi].resdeps.items[i] - 1;
            const vpce_config *m = P->nodes[gi].res ? P->nodes[gi].res->module : NULL;
            add_resource_deps(P, &deps, seen, d, mi, m);
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
            add_prior_resource(P, &deps, seen, ra);
        }
        free(ra);
    }
    vpce_map_free(seen);
    c->depends_on = (char **)deps.items;
    c->ndepends_on = deps.len;
}

/* ---- conditions -------------------------------------------------------------------------- */

/*
 * Checks conditions in scope, a module instance's (self set by the caller for postconditions).
 * Failures are diagnostics (summary as Terraform words it); returns false after one, and sets
 * *pending when a result is not known yet.
 */
static bool check_conditions(planner *P, const modinst *mi, const vpce_cfg_validation *conds,
                             size_t n, const char *summary, bool *pending)
{
    vpce_eval_ctx ctx = eval_in(P, mi);
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
static bool check_postconditions(planner *P, const modinst *mi, const vpce_cfg_resource *r,
                                 const json_t *value, bool *pending)
{
    if (!r->npostconditions)
        return true;
    json_object_set(mi->scope, "self", (json_t *)value);
    bool ok = check_conditions(P, mi, r->postconditions, r->npostconditions,
                               "resource postcondition failed", pending);
    json_object_del(mi->scope, "self");
    return ok;
}

/* ---- evaluation of one resource ---------------------------------------------------------- */

/* An unknown computed attribute of instance addr, remembering its origin (util.h). */
static json_t *unknown_attr(const char *addr, const char *attr)
{
    /* One for every computed attribute of every new instance: the origin is put together on
       the stack when it fits (nearly always). */
    char buf[512];
    size_t alen = strlen(addr), tlen = strlen(attr);
    if (alen + 1 + tlen >= sizeof(buf)) {
        char *origin = vpce_asprintf("%s.%s", addr, attr);
        json_t *v = vpce_unknown_from(origin);
        free(origin);
        return v;
    }
    memcpy(buf, addr, alen);
    buf[alen] = '.';
    memcpy(buf + alen + 1, attr, tlen + 1);
    return vpce_unknown_from(buf);
}

/* Which attributes, then nested blocks, of its schema the body of the resource of ni sets
   (body_sets): the same for every instance, so worked out once. Borrowed from ni. */
static const bool *schema_sets(node_info *ni, const vpce_cfg_resource *r)
{
    if (ni->sets)
        return ni->sets;
    const vpce_block_schema *s = r->rtype->schema;
    size_t n = 0;
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++)
        n++;
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++)
        n++;
    ni->sets = vpce_calloc(n ? n : 1, sizeof(bool));
    size_t i = 0;
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++)
        ni->sets[i++] = body_sets(r->body, a->name);
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++)
        ni->sets[i++] = body_sets(r->body, b->name);
    return ni->sets;
}

/* Builds the planned value of a managed instance from its configuration and prior attributes;
   sets is schema_sets() of r. */
static json_t *planned_value(const vpce_cfg_resource *r, const bool *sets, const char *addr,
                             const json_t *config, const json_t *prior, bool replacing)
{
    const vpce_block_schema *s = r->rtype->schema;
    size_t si = 0; /* index into sets */
    /* Only top-level members are replaced below, values are never changed in place. A
       configuration object nobody else holds (the fresh result of vpce_body_eval) is completed
       in place: the members set are the same whether replacing or not, so planning it twice
       (an update turned into a replacement) gives what two copies would. Shared: a shallow
       copy. */
    json_t *planned =
        config->refcount == 1 ? json_incref((json_t *)config) : json_copy((json_t *)config);
    /* Skipped: what the configuration gives a value, the body setting it to something other
       than null (an argument set to null is omitted, as in Terraform: an optional computed one
       is then the provider's to decide). */
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++) {
        bool set = sets[si++];
        if (!(a->flags & VPCE_ATTR_COMPUTED) ||
            (set && !json_is_null(json_object_get(config, a->name))))
            continue;
        json_t *pv = prior && !replacing ? json_object_get(prior, a->name) : NULL;
        json_object_set_new_nocheck(planned, a->name,
                                    pv                    ? json_incref(pv)
                                    : prior && !replacing ? json_null()
                                                          : unknown_attr(addr, a->name));
    }
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++) {
        bool set = sets[si++];
        if (!(b->flags & VPCE_ATTR_COMPUTED) ||
            (set && !json_is_null(json_object_get(config, b->name))))
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
static const json_t *value_at(planner *P, const modinst *mi, const json_t *v,
                              const vpce_ast_expr *const *steps, size_t n)
{
    vpce_eval_ctx ctx = eval_in(P, mi);
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
static bool triggers(planner *P, const modinst *mi, const vpce_change *c,
                     const vpce_ast_expr *const *rest, size_t nrest)
{
    if (c->action != VPCE_ACTION_UPDATE && c->action != VPCE_ACTION_DELETE_THEN_CREATE &&
        c->action != VPCE_ACTION_CREATE_THEN_DELETE)
        return false;
    if (nrest == 0)
        return true;
    const json_t *before = value_at(P, mi, c->before, rest, nrest);
    const json_t *after = value_at(P, mi, c->after, rest, nrest);
    if (!before || !after)
        return before != after;
    return !vpce_value_equal(before, after);
}

/* True if any replace_triggered_by reference of r in module instance mi (count and each in its
   scope) has a triggering change planned; those references are planned first (they are edges
   of the graph). A reference names a resource of the same module, in the same module
   instance. */
static bool replace_triggered(planner *P, const modinst *mi, const vpce_cfg_resource *r)
{
    vpce_eval_ctx ctx = eval_in(P, mi);
    const vpce_config *m = r->module ? r->module : P->cfg;
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
        char *local = vpce_asprintf("%s.%s", e->u.var.name, steps[0]->u.getattr.name);
        const vpce_cfg_resource *tr = vpce_config_resource(m, local);
        char *raddr = in_module(mi->path, local);
        free(local);
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
            size_t gi; /* every instance (of mi): a change to any of them triggers */
            const vpce_vec *in_mi = NULL;
            if (vpce_graph_find(P->g, tr->path_addr, &gi)) {
                const instset *is = &P->nodes[gi].insts;
                in_mi = !mi->path[0] ? &is->all
                        : is->by_mi  ? vpce_map_get(is->by_mi, mi->path)
                                     : NULL;
            }
            for (size_t i = 0; in_mi && i < in_mi->len; i++)
                vpce_vec_push(&addrs, vpce_strdup(in_mi->items[i]));
        } else {
            vpce_vec_push(&addrs, vpce_strdup(raddr));
        }
        bool hit = false;
        for (size_t i = 0; i < addrs.len; i++) {
            const vpce_change *c = vpce_map_get(P->change_by_addr, addrs.items[i]);
            hit = hit || (c && triggers(P, mi, c, steps + first, n - first));
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
static json_t *plan_managed_instance(planner *P, size_t gi, const modinst *mi,
                                     const vpce_cfg_resource *r, const char *addr,
                                     const json_t *key, const json_t *config)
{
    json_t *prior_res = vpce_map_get(P->prior_by_addr, addr);
    json_t *prior = prior_res ? json_object_get(prior_res, "attributes") : NULL;
    if (P->opts->refresh_only)
        return json_incref(prior ? prior : (json_t *)config);

    bool pending = false;
    if (!check_conditions(P, mi, r->preconditions, r->npreconditions,
                          "resource precondition failed", &pending))
        return json_incref((json_t *)config);

    bool by_request = vpce_map_has(P->replace_addrs, addr);
    bool by_trigger = prior_res && replace_triggered(P, mi, r);
    const bool *sets = schema_sets(&P->nodes[gi], r);
    json_t *planned = planned_value(r, sets, addr, config, prior, false);
    json_t *paths = json_array();
    vpce_change *c = change_new(r, NULL, addr, key);
    set_depends(P, c, gi, mi->path, NULL);
    if (!prior_res) {
        c->action = VPCE_ACTION_CREATE;
    } else {
        bool changed = false;
        vpce_diff_instance(r->rtype->schema, prior, planned, paths, &changed);
        if (by_request || by_trigger || json_array_size(paths) > 0 ||
            (changed && holds_replaced(P, r, c, prior, planned, paths))) {
            json_decref(planned);
            planned = planned_value(r, sets, addr, config, prior, true);
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
    check_postconditions(P, mi, r, planned, &pending);
    c->checks_pending = pending;
    return planned;
}

/* Whether a resource whose changes defer data source gi's read (in module instance mi) has
   changes planned. */
static bool deps_pending(planner *P, size_t gi, const modinst *mi)
{
    vpce_vec deps = VPCE_VEC_INIT;
    vpce_map *seen = vpce_map_new();
    bool pending = false;
    for (size_t i = 0; i < P->nodes[gi].readdeps.len; i++) {
        size_t d = (uintptr_t)P->nodes[gi].readdeps.items[i] - 1;
        add_resource_deps(P, &deps, seen, d, mi->path, mi->mod);
    }
    for (size_t j = 0; j < deps.len; j++) {
        vpce_change *c = vpce_map_get(P->change_by_addr, deps.items[j]);
        if (c && c->action != VPCE_ACTION_NOOP && strcmp(c->mode, "managed") == 0)
            pending = true;
        free(deps.items[j]);
    }
    vpce_vec_release(&deps);
    vpce_map_free(seen);
    return pending;
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
static json_t *plan_data_instance(planner *P, size_t gi, const modinst *mi,
                                  const vpce_cfg_resource *r, const char *addr, const json_t *key,
                                  const json_t *config)
{
    json_t *prior_res = vpce_map_get(P->prior_by_addr, addr);
    json_t *prior = prior_res ? json_object_get(prior_res, "attributes") : NULL;
    bool checks = false;
    if (!check_conditions(P, mi, r->preconditions, r->npreconditions,
                          "resource precondition failed", &checks))
        return json_incref((json_t *)config);
    vpce_change *c = change_new(r, NULL, addr, key);
    c->before = prior ? json_incref(prior) : NULL;
    json_t *value = NULL;
    bool unknown = config_unknown(r, config);
    bool pending = !unknown && deps_pending(P, gi, mi);
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
        /* What the read will give: the configuration, with every computed attribute it leaves
           null (or omits) unknown until then. */
        value = json_copy((json_t *)config);
        for (const vpce_attr_schema *a = r->rtype->schema->attrs; a && a->name; a++)
            if ((a->flags & VPCE_ATTR_COMPUTED) && json_is_null(json_object_get(value, a->name)))
                json_object_set_new_nocheck(value, a->name, vpce_unknown());
        c->action = VPCE_ACTION_READ;
        if (unknown)
            c->reason = vpce_strdup("read_because_config_unknown");
        else if (pending)
            c->reason = vpce_strdup("read_because_dependency_pending");
    }
    c->after = json_incref(value);
    set_depends(P, c, gi, mi->path, NULL);
    push_change(P, c);
    /* Read now: its postconditions see what was read; read during apply: checked then. */
    if (c->action == VPCE_ACTION_NOOP)
        check_postconditions(P, mi, r, value, &checks);
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
 * Checks n more instances of one resource, or of one module call (module), against the caps
 * (before any is allocated); a resource's count towards the plan's total, a module's multiply
 * the instances of the resources inside it as those are planned. False after a diagnostic.
 */
static bool instances_fit(planner *P, vpce_range range, size_t n, const char *meta, bool module)
{
    if (n > VPCE_MAX_INSTANCES_PER_RESOURCE) {
        char *detail =
            vpce_asprintf("a %s may have at most %d instances", module ? "module call" : "resource",
                          VPCE_MAX_INSTANCES_PER_RESOURCE);
        vpce_diags_error(P->diags, range, detail, "invalid %s argument: too many instances", meta);
        free(detail);
        return false;
    }
    if (module)
        return true;
    size_t max =
        P->opts && P->opts->max_instances ? P->opts->max_instances : VPCE_MAX_INSTANCES_PER_PLAN;
    if (P->ninstances + n > max) {
        if (P->plan_cap_reported)
            return false;
        P->plan_cap_reported = true;
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

/* Evaluates count / for_each (in scope) of a resource, or of a module call (module), into the
   instance keys (array of null, integers or strings) and the each.value per key (array, same
   length). Returns false after a diagnostic. */
static bool expand_keys(planner *P, const modinst *mi, const vpce_ast_expr *count,
                        const vpce_ast_expr *for_each, bool module, json_t **keys, json_t **values)
{
    struct {
        const vpce_ast_expr *count, *for_each;
    } rr = {count, for_each}, *r = &rr;
    vpce_eval_ctx ctx = eval_in(P, mi);
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
        if (!instances_fit(P, r->count->range, want, "count", module)) {
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
        if (!instances_fit(P, r->for_each->range, size, "for_each", module)) {
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

/* True if a -target selects the instance (or module instance) address addr. */
static bool targeted(const planner *P, const char *addr)
{
    vpce_addr a;
    if (vpce_addr_parse(&a, addr) != 0) {
        vpce_error_clear();
        return false;
    }
    bool hit = false;
    for (size_t t = 0; t < P->ntargets && !hit; t++)
        hit = vpce_addr_contains(&P->targets[t], &a);
    vpce_addr_release(&a);
    return hit;
}

static bool instance_targeted(const planner *P, const node_info *ni, const char *addr)
{
    if (!P->targets || ni->whole)
        return true;
    return targeted(P, addr);
}

static void plan_resource_in(planner *P, size_t gi, modinst *mi)
{
    node_info *ni = &P->nodes[gi];
    vpce_cfg_resource *r = ni->res;
    json_t *keys = NULL, *values = NULL;
    json_t *scope = mi->scope;
    if (!expand_keys(P, mi, r->count, r->for_each, false, &keys, &values)) {
        P->failed = true;
        set_in_scope(scope, r, vpce_unknown());
        goto cleanup;
    }
    char *raddr = in_module(mi->path, r->addr);
    json_t *collected = r->count ? json_array() : r->for_each ? json_object() : NULL;
    json_t *single = NULL;
    vpce_eval_ctx ctx = eval_in(P, mi);
    for (size_t i = 0; i < json_array_size(keys); i++) {
        json_t *key = json_array_get(keys, i);
        char *addr = vpce_plan_instance_addr(raddr, key);
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
                json_object_set_new(scope, "count", cnt);
            } else if (r->for_each) {
                json_t *each = json_object();
                json_object_set(each, "key", key);
                json_object_set(each, "value", json_array_get(values, i));
                json_object_set_new(scope, "each", each);
            }
            /* count and each stay in scope for the conditions and triggers as well. */
            json_t *config = vpce_body_eval(&ctx, r->body, r->rtype->schema);
            if (!config) {
                P->failed = true;
                value = vpce_unknown();
            } else {
                value = r->mode == VPCE_MODE_DATA
                            ? plan_data_instance(P, gi, mi, r, addr, key, config)
                            : plan_managed_instance(P, gi, mi, r, addr, key, config);
                json_decref(config);
            }
            json_object_del(scope, "count");
            json_object_del(scope, "each");
            instset_add(&ni->insts, mi->path, vpce_strdup(addr));
        }
        if (r->count)
            json_array_append_new(collected, value);
        else if (r->for_each)
            json_object_set_new(collected, json_string_value(key), value);
        else
            single = value;
        free(addr);
    }
    free(raddr);
    set_in_scope(scope, r, collected ? collected : single ? single : json_null());
cleanup:
    json_decref(keys);
    json_decref(values);
}

static void plan_resource(planner *P, size_t gi)
{
    vpce_cfg_resource *r = P->nodes[gi].res;
    if (!r->rtype) {
        P->failed = true;
        return;
    }
    const vpce_vec *v = &P->minsts[r->module->id];
    for (size_t i = 0; i < v->len; i++)
        plan_resource_in(P, gi, v->items[i]);
}

/* ---- variables, locals, outputs ---------------------------------------------------------- */

static void plan_variable(planner *P, const vpce_cfg_variable *v, const json_t *vars)
{
    json_t *val = json_object_get(vars, v->name);
    json_t *varobj = json_object_get(P->root->scope, "var");
    if (val) {
        json_object_set(varobj, v->name, val);
    } else if (v->default_expr) {
        vpce_eval_ctx ctx = eval_in(P, P->root);
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

static void plan_local(planner *P, const vpce_cfg_local *l, const vpce_config *m)
{
    const vpce_vec *insts = &P->minsts[m->id];
    for (size_t i = 0; i < insts->len; i++) {
        modinst *mi = insts->items[i];
        vpce_eval_ctx ctx = eval_in(P, mi);
        json_t *v = vpce_eval(&ctx, l->expr);
        if (!v) {
            P->failed = true;
            v = vpce_unknown();
        }
        json_object_set_new(json_object_get(mi->scope, "local"), l->name, v);
    }
    if (expr_sensitive(P, m->prefix, l->expr)) {
        char key[512];
        snprintf(key, sizeof(key), "local.%s", l->name);
        mark_sensitive(P, m->prefix, key);
    }
}

/* ---- modules ----------------------------------------------------------------------------- */

static const vpce_ast_attr *call_argument(const vpce_cfg_module_call *call, const char *name)
{
    for (size_t i = 0; i < call->body->nattrs; i++)
        if (strcmp(call->body->attrs[i]->name, name) == 0)
            return call->body->attrs[i];
    return NULL;
}

/* Sets each.* or count.index of module instance mi's call in its parent's scope (undone by
   clear_repetition). */
static void set_repetition(const modinst *mi)
{
    json_t *ps = mi->parent->scope;
    if (mi->mod->call->count) {
        json_t *cnt = json_object();
        json_object_set(cnt, "index", mi->key);
        json_object_set_new(ps, "count", cnt);
    } else if (mi->mod->call->for_each) {
        json_t *each = json_object();
        json_object_set(each, "key", mi->key);
        json_object_set(each, "value", mi->each_value);
        json_object_set_new(ps, "each", each);
    }
}

static void clear_repetition(const modinst *mi)
{
    json_object_del(mi->parent->scope, "count");
    json_object_del(mi->parent->scope, "each");
}

/* A module's input variable in each of its instances: the call's argument (evaluated in the
   calling module instance), else the default; converted to the type, then validated. */
static void plan_module_variable(planner *P, const vpce_cfg_variable *v, const vpce_config *m)
{
    const vpce_cfg_module_call *call = m->call;
    const vpce_ast_attr *arg = call_argument(call, v->name);
    json_t *type = NULL;
    if (v->type) {
        vpce_diags quiet = VPCE_DIAGS_INIT; /* reported when decoding */
        type = vpce_type_from_expr(v->type, &quiet);
        vpce_diags_release(&quiet);
    }
    const vpce_vec *insts = &P->minsts[m->id];
    for (size_t i = 0; i < insts->len; i++) {
        modinst *mi = insts->items[i];
        json_t *x = NULL;
        vpce_range at = arg ? arg->expr->range : call->range;
        if (arg) {
            vpce_eval_ctx ctx = eval_in(P, mi->parent);
            set_repetition(mi);
            x = vpce_eval(&ctx, arg->expr);
            clear_repetition(mi);
            if (!x) {
                P->failed = true;
                x = vpce_unknown();
            }
        }
        if ((!x || (json_is_null(x) && !v->nullable)) && v->default_expr) {
            json_decref(x);
            vpce_eval_ctx ctx = eval_in(P, mi);
            x = vpce_eval(&ctx, v->default_expr);
        }
        if (!x) {
            vpce_diags_error(P->diags, call->range, NULL,
                             "no value for required variable \"%s\" of module \"%s\"", v->name,
                             call->name);
            P->failed = true;
            x = vpce_unknown();
        }
        if (type) {
            const char *why = NULL;
            json_t *cv = vpce_convert(x, type, &why);
            if (!cv) {
                vpce_diags_error(P->diags, at, why,
                                 "invalid value for input variable \"%s\" of module \"%s\"",
                                 v->name, call->name);
                P->failed = true;
                cv = vpce_unknown();
            }
            json_decref(x);
            x = cv;
        }
        json_object_set_new(json_object_get(mi->scope, "var"), v->name, x);
        /* Validation rules see the variable's value. */
        for (size_t k = 0; k < v->nvalidations; k++) {
            const vpce_cfg_validation *val = &v->validations[k];
            vpce_eval_ctx vctx = eval_in(P, mi);
            json_t *ok = vpce_eval(&vctx, val->condition);
            if (ok && json_is_false(ok)) {
                json_t *msg = vpce_eval(&vctx, val->error_message);
                char *text = msg ? vpce_value_to_string(msg, &(const char *){NULL}) : NULL;
                vpce_diags_error(P->diags, at, text,
                                 "invalid value for variable \"%s\" of module \"%s\"", v->name,
                                 call->name);
                free(text);
                json_decref(msg);
                P->failed = true;
            } else if (!ok) {
                P->failed = true;
            }
            json_decref(ok);
        }
    }
    json_decref(type);
    if (v->sensitive || (arg && expr_sensitive(P, m->parent->prefix, arg->expr))) {
        char key[512];
        snprintf(key, sizeof(key), "var.%s", v->name);
        mark_sensitive(P, m->prefix, key);
    }
}

/* A new scope for a module instance: path.*, and empty var, local, data and module. */
static json_t *new_scope(const planner *P, const vpce_config *m)
{
    json_t *scope = json_object();
    json_object_set_new(scope, "var", json_object());
    json_object_set_new(scope, "local", json_object());
    json_object_set_new(scope, "data", json_object());
    json_object_set_new(scope, "module", json_object());
    json_t *path = json_object();
    char cwd[4096];
    const char *root = P->cfg->dir ? P->cfg->dir : ".";
    json_object_set_new(path, "module", json_string(m->dir ? m->dir : root));
    json_object_set_new(path, "root", json_string(root));
    json_object_set_new(path, "cwd", json_string(getcwd(cwd, sizeof(cwd)) ? cwd : "."));
    json_object_set_new(scope, "path", path);
    const char *ws = P->cfg->workspace ? P->cfg->workspace : "default";
    json_object_set_new(scope, "terraform", json_pack("{s:s}", "workspace", ws));
    return scope;
}

static modinst *add_modinst(planner *P, const vpce_config *m, modinst *parent, const char *path)
{
    modinst *mi = vpce_calloc(1, sizeof(*mi));
    mi->path = vpce_strdup(path);
    mi->mod = m;
    mi->parent = parent;
    mi->scope = new_scope(P, m);
    vpce_vec_push(&P->minsts[m->id], mi);
    vpce_map_set(P->mi_paths, mi->path, mi);
    return mi;
}

/* An object with every output of module m unknown, for its instances' values in the scope. */
static json_t *unknown_outputs(const vpce_config *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->outputs.len; i++)
        json_object_set_new(o, ((vpce_cfg_output *)m->outputs.items[i])->name, vpce_unknown());
    return o;
}

/* A module call in every instance of its calling module: count and for_each expand into the
   called module's instances; module.NAME in the caller's scope gets their outputs. */
static void plan_module_call(planner *P, const vpce_cfg_module_call *call, const vpce_config *m)
{
    const vpce_config *child = call->child;
    if (!child)
        return;
    const vpce_vec *insts = &P->minsts[m->id];
    for (size_t i = 0; i < insts->len; i++) {
        modinst *pm = insts->items[i];
        json_t *keys = NULL, *values = NULL;
        json_t *mods = json_object_get(pm->scope, "module");
        if (!expand_keys(P, pm, call->count, call->for_each, true, &keys, &values)) {
            P->failed = true;
            json_object_set_new(mods, call->name, vpce_unknown());
            json_decref(keys);
            json_decref(values);
            continue;
        }
        json_t *collected = call->count ? json_array() : call->for_each ? json_object() : NULL;
        for (size_t k = 0; k < json_array_size(keys); k++) {
            json_t *key = json_array_get(keys, k);
            vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
            vpce_buf_printf(&b, "%s%smodule.%s", pm->path, pm->path[0] ? "." : "", call->name);
            vpce_addr_key_append(&b, key);
            modinst *mi = add_modinst(P, child, pm, vpce_buf_cstr(&b));
            vpce_buf_release(&b);
            mi->key = json_is_null(key) ? NULL : json_incref(key);
            mi->each_value = call->for_each ? json_incref(json_array_get(values, k)) : NULL;
            json_t *outs = unknown_outputs(child);
            mi->outputs = outs;
            if (call->count)
                json_array_append_new(collected, outs);
            else if (call->for_each)
                json_object_set_new(collected, json_string_value(key), outs);
            else
                collected = outs;
        }
        json_object_set_new(mods, call->name, collected ? collected : json_null());
        json_decref(keys);
        json_decref(values);
    }
}

/* A module's output in each of its instances, into the caller's module.NAME. */
static void plan_module_output(planner *P, const vpce_cfg_output *o, const vpce_config *m)
{
    const vpce_vec *insts = &P->minsts[m->id];
    for (size_t i = 0; i < insts->len; i++) {
        modinst *mi = insts->items[i];
        vpce_eval_ctx ctx = eval_in(P, mi);
        /* A precondition whose result is not known yet is not checked again during apply. */
        if (!check_conditions(P, mi, o->preconditions, o->npreconditions,
                              "module output value precondition failed", NULL)) {
            json_object_set_new(mi->outputs, o->name, vpce_unknown());
            continue;
        }
        json_t *v = o->value ? vpce_eval(&ctx, o->value) : json_null();
        if (!v) {
            P->failed = true;
            v = vpce_unknown();
        }
        json_object_set_new(mi->outputs, o->name, v);
    }
    if (o->sensitive || expr_sensitive(P, m->prefix, o->value)) {
        char key[512];
        const vpce_cfg_module_call *call = m->call;
        snprintf(key, sizeof(key), "module.%s.%s", call->name, o->name);
        mark_sensitive(P, m->parent->prefix, key);
        if (call->count || call->for_each) {
            snprintf(key, sizeof(key), "module.%s", call->name);
            mark_sensitive(P, m->parent->prefix, key);
        }
    }
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
        vpce_eval_ctx ctx = eval_in(P, P->root);
        /* Not known yet: checked again when the outputs are stored after apply. */
        if (!check_conditions(P, P->root, o->preconditions, o->npreconditions,
                              "module output value precondition failed", NULL))
            continue;
        const char *prefix = "";
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
                            json_boolean(o->sensitive || expr_sensitive(P, prefix, o->value)));
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
    vpce_addr a;
    const vpce_cfg_removed *found = NULL;
    size_t nmods = P->cfg->modules.len ? P->cfg->modules.len : 1;
    bool any = false;
    for (size_t mi = 0; mi < nmods && !any; mi++)
        any = ((const vpce_config *)(P->cfg->modules.len ? P->cfg->modules.items[mi] : P->cfg))
                  ->removed.len > 0;
    if (!any || vpce_addr_parse(&a, addr) < 0)
        return NULL;
    /* A called module's removed blocks name addresses in each of its instances. */
    for (size_t mi = 0; mi < nmods && !found; mi++) {
        const vpce_config *m = P->cfg->modules.len ? P->cfg->modules.items[mi] : P->cfg;
        if (!m->removed.len || !vpce_config_module_contains(m, &a))
            continue;
        for (size_t i = 0; i < m->removed.len && !found; i++) {
            const vpce_cfg_removed *rm = m->removed.items[i];
            vpce_addr from, dst;
            vpce_addr_join(&from, &a, m->depth, &rm->from);
            if (vpce_addr_move(&dst, &from, &from, &a) == 1)
                found = rm;
            vpce_addr_release(&dst);
            vpce_addr_release(&from);
        }
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
        if (P->targets && !targeted(P, addr))
            continue;
        char *raddr = resource_part(addr);
        char *mi = vpce_addr_module_of(addr);
        vpce_cfg_resource *r = vpce_config_resource(P->cfg, raddr);
        size_t gi = (size_t)-1;
        if (r && P->g && !vpce_graph_find(P->g, r->path_addr, &gi))
            gi = (size_t)-1;
        vpce_change *c = change_new(NULL, res, addr, NULL);
        c->action = VPCE_ACTION_DELETE;
        json_t *ix = json_object_get(res, "index");
        const vpce_cfg_removed *rm = r ? NULL : removed_for(P, addr);
        if (rm && !rm->destroy && !P->opts->destroy) {
            c->action = VPCE_ACTION_FORGET;
            vpce_vec_push(&P->forgotten, vpce_strdup(addr));
        } else if (!P->opts->destroy) {
            if (mi[0] && !vpce_map_has(P->mi_paths, mi))
                c->reason = vpce_strdup("delete_because_no_module");
            else if (!r)
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
        set_depends(P, c, gi, mi, json_object_get(res, "dependencies"));
        if (r && r->prevent_destroy)
            prevent_destroy_error(P, r, addr);
        push_change(P, c);
        free(raddr);
        free(mi);
    }
}

/* ---- moved blocks and check blocks ------------------------------------------------------- */

/* A moved block whose `from` is an instance the configuration still declares is an error, as
   in Terraform (a whole resource was checked when loading). */
static void moved_still_declared(planner *P)
{
    for (size_t i = 0; i < P->cfg->moved.len; i++) {
        const vpce_cfg_moved *m = P->cfg->moved.items[i];
        if (!m->from.resource || !m->from.key)
            continue;
        char *from = vpce_addr_format(&m->from);
        if (vpce_map_has(P->matched, from)) {
            char *ra = vpce_addr_string(&m->from, true, false);
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
static void scope_data(json_t *scope, const vpce_cfg_resource *r, json_t *value)
{
    json_t *data = json_object_get(scope, "data");
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
static void run_module_checks(planner *P, const modinst *mi, json_t *out)
{
    for (size_t i = 0; i < mi->mod->checks.len; i++) {
        const vpce_cfg_check *ck = mi->mod->checks.items[i];
        vpce_diags local = VPCE_DIAGS_INIT;
        vpce_eval_ctx ctx = eval_in(P, mi);
        ctx.diags = &local;
        /* Messages name a module instance's check with the instance. */
        char *name =
            mi->path[0] ? vpce_asprintf("%s\" in \"%s", ck->name, mi->path) : vpce_strdup(ck->name);
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
                                       name);
                    status = "fail";
                }
            }
            scope_data(mi->scope, ck->data, value ? value : vpce_unknown());
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
            vpce_diags_warning(P->diags, local.items[d].range, local.items[d].detail, "%s%s%s",
                               local.items[d].summary, mi->path[0] ? " in " : "", mi->path);
        if (strcmp(status, "unknown") == 0)
            vpce_diags_warning(P->diags, ck->range,
                               "a condition depends on values known only after apply; it "
                               "will be checked after apply",
                               "check \"%s\" will be checked after apply", name);
        if (scoped)
            scope_data(mi->scope, ck->data, NULL);
        vpce_diags_release(&local);
        json_array_append_new(out,
                              json_pack("{s:s,s:s,s:s%,s:s,s:o}", "name", ck->name, "module",
                                        mi->path, "module_static", mi->mod->prefix,
                                        strlen(mi->mod->prefix) ? strlen(mi->mod->prefix) - 1 : 0,
                                        "status", status, "problems", problems));
        free(name);
    }
}

static json_t *run_checks(planner *P)
{
    json_t *out = json_array();
    size_t nmods = P->cfg->modules.len ? P->cfg->modules.len : 1;
    for (size_t m = 0; m < nmods; m++)
        for (size_t i = 0; i < P->minsts[m].len; i++)
            run_module_checks(P, P->minsts[m].items[i], out);
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
        char *st = vpce_addr_static(addr);
        instset *v = vpce_map_get(P->prior_by_res, st);
        if (!v) {
            v = vpce_calloc(1, sizeof(*v));
            vpce_map_set(P->prior_by_res, st, v);
        }
        char *mi = strncmp(addr, "module.", 7) == 0 ? vpce_addr_module_of(addr) : NULL;
        instset_add(v, mi ? mi : "", (char *)addr);
        free(mi);
        free(st);
    }
}

static void vec_add_unique(vpce_vec *v, void *x)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == x)
            return;
    vpce_vec_push(v, x);
}

/*
 * The resources whose pending changes defer the read of data source node i, as Terraform
 * decides: those its arguments or depends_on name directly (a reference is an implied
 * depends_on; one through a local value or a variable is not), and those the depends_on of
 * the module calls around it name (the node of its module call, with what that depends on).
 */
static void read_deps(planner *P, size_t i)
{
    const size_t *deps;
    size_t nd;
    vpce_graph_deps(P->g, i, &deps, &nd);
    for (size_t j = 0; j < nd; j++) {
        size_t d = deps[j];
        const vpce_cfg_node *dn = P->nodes[d].cn;
        if (P->nodes[d].res)
            vec_add_unique(&P->nodes[i].readdeps, (void *)(uintptr_t)(d + 1));
        else if (dn && dn->kind == VPCE_NODE_MODULE)
            for (size_t m = 0; m < P->nodes[d].resdeps.len; m++)
                vec_add_unique(&P->nodes[i].readdeps, P->nodes[d].resdeps.items[m]);
    }
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
        if (P->nodes[i].res && P->nodes[i].res->mode == VPCE_MODE_DATA)
            read_deps(P, i);
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

/* True if module m is the module of target t's path (names only), or (prefix) inside it. */
static bool module_matches(const vpce_config *m, const vpce_addr *t, bool prefix)
{
    if (m->depth < t->nmodule || (!prefix && m->depth != t->nmodule))
        return false;
    while (m->depth > t->nmodule)
        m = m->parent;
    for (size_t i = t->nmodule; i-- > 0; m = m->parent)
        if (strcmp(m->call->name, t->module[i].name) != 0)
            return false;
    return true;
}

static void apply_targets(planner *P)
{
    size_t n = vpce_graph_count(P->g);
    if (!P->opts->ntargets) {
        for (size_t i = 0; i < n; i++)
            P->nodes[i].included = P->nodes[i].whole = true;
        return;
    }
    P->targets = vpce_calloc(P->opts->ntargets, sizeof(*P->targets));
    for (size_t t = 0; t < P->opts->ntargets; t++) {
        vpce_addr *ta = &P->targets[P->ntargets];
        if (vpce_addr_parse(ta, P->opts->targets[t]) != 0) {
            vpce_diags_error(P->diags, (vpce_range){0}, vpce_error_last(),
                             "invalid target address \"%s\"", P->opts->targets[t]);
            P->failed = true;
            continue;
        }
        P->ntargets++;
        bool keys = ta->key != NULL;
        for (size_t k = 0; k < ta->nmodule; k++)
            keys = keys || ta->module[k].key != NULL;
        for (size_t gi = 0; gi < n; gi++) {
            const vpce_cfg_resource *r = P->nodes[gi].res;
            if (!r || !module_matches(r->module, ta, !ta->resource))
                continue;
            if (ta->resource && (ta->data != (r->mode == VPCE_MODE_DATA) ||
                                 strcmp(ta->type, r->type) != 0 || strcmp(ta->name, r->name) != 0))
                continue;
            mark_included(P, gi);
            if (!keys)
                P->nodes[gi].whole = true;
        }
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
    size_t nmods = 0;
    int rc = 0;
    bool own_graph = false;

    *out = NULL;
    P.cfg = cfg;
    P.opts = opts ? opts : &defaults;
    P.diags = diags;
    /* The prior document is shared, not copied, unless refresh is going to change it. Values
       taken from it into the plan are shared too: nothing changes a value in place. */
    bool refreshing = (P.opts->refresh || P.opts->refresh_only) && !P.opts->destroy;
    bool moving = vpce_plan_has_moves(cfg) &&
                  json_array_size(json_object_get(prior_state_doc, "resources")) > 0;
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
    P.sensitive_names = json_object();
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
    for (size_t i = 0; i < n; i++) {
        P.nodes[i].cn = vpce_graph_data(P.g, i);
        if (P.nodes[i].cn && P.nodes[i].cn->kind == VPCE_NODE_RESOURCE)
            P.nodes[i].res = P.nodes[i].cn->obj;
    }
    compute_resdeps(&P, order, n);
    apply_targets(&P);

    /* The root module's one instance; modules calls add theirs as the walk reaches them. */
    nmods = cfg->modules.len ? cfg->modules.len : 1;
    P.minsts = vpce_calloc(nmods, sizeof(*P.minsts));
    P.mi_paths = vpce_map_new();
    P.root = add_modinst(&P, cfg, NULL, "");

    /* Variables first, whatever the graph says, so sensitivity is known everywhere. */
    for (size_t i = 0; i < cfg->variables.len; i++)
        plan_variable(&P, cfg->variables.items[i], vars);

    if (P.opts->destroy) {
        plan_orphans(&P); /* nothing is matched: every managed instance is deleted */
    } else {
        for (size_t k = 0; k < n; k++) {
            size_t i = order[k];
            const vpce_cfg_node *cn = P.nodes[i].cn;
            if (!cn)
                continue;
            if (!P.nodes[i].included && P.nodes[i].res) {
                /* Outside -target: unknown to what still refers to it (module outputs). */
                const vpce_vec *mis = &P.minsts[cn->module->id];
                for (size_t j = 0; j < mis->len; j++)
                    set_in_scope(((modinst *)mis->items[j])->scope, P.nodes[i].res, vpce_unknown());
                continue;
            }
            switch (cn->kind) {
            case VPCE_NODE_LOCAL:
                plan_local(&P, cn->obj, cn->module);
                break;
            case VPCE_NODE_RESOURCE:
                plan_resource(&P, i);
                break;
            case VPCE_NODE_VARIABLE:
                if (cn->module->parent)
                    plan_module_variable(&P, cn->obj, cn->module);
                break;
            case VPCE_NODE_MODULE:
                plan_module_call(&P, cn->obj, cn->module);
                break;
            case VPCE_NODE_OUTPUT:
                if (cn->module->parent)
                    plan_module_output(&P, cn->obj, cn->module);
                break;
            case VPCE_NODE_PROVIDER:
                break;
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
    plan->variables = json_incref(json_object_get(P.root->scope, "var"));
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
        vpce_vec_release(&P.nodes[i].readdeps);
        for (size_t j = 0; j < P.nodes[i].insts.all.len; j++)
            free(P.nodes[i].insts.all.items[j]);
        instset_release(&P.nodes[i].insts);
        free(P.nodes[i].sets);
    }
    free(P.nodes);
    const char *k;
    void *v;
    for (size_t it = 0; P.prior_by_res && vpce_map_next(P.prior_by_res, &it, &k, &v);) {
        instset_release(v);
        free(v);
    }
    vpce_map_free(P.prior_by_res);
    for (size_t m = 0; P.minsts && m < nmods; m++) {
        for (size_t j = 0; j < P.minsts[m].len; j++) {
            modinst *mi = P.minsts[m].items[j];
            free(mi->path);
            json_decref(mi->scope);
            json_decref(mi->key);
            json_decref(mi->each_value);
            free(mi);
        }
        vpce_vec_release(&P.minsts[m]);
    }
    free(P.minsts);
    vpce_map_free(P.mi_paths);
    for (size_t t = 0; t < P.ntargets; t++)
        vpce_addr_release(&P.targets[t]);
    free(P.targets);
    vpce_map_free(P.prior_by_addr);
    vpce_map_free(P.matched);
    vpce_map_free(P.change_by_addr);
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
    json_decref(P.sensitive_names);
    json_decref(P.prior);
    json_decref(drift);
    json_decref(cycles);
    free(order);
    if (own_graph)
        vpce_graph_free(P.g);
    vpce_plan_providers_free(own_ps);
    return rc;
}
