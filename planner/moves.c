/*
 * planner/moves.c: the moves of moved blocks, made on the prior state document before
 * planning, as Terraform makes them (a called module's blocks in each of its instances): statements
 * in chain order (a statement whose `from` is another's `to` after it, so an object follows a whole
 * chain), each moving the managed instances under its `from` to `to` unless something is already
 * there; dependencies recorded in the state follow the objects they name.
 */
#include "config/config.h"
#include "planner/plan_build.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    json_t *res;    /* the resources[] member (borrowed) */
    vpce_addr addr; /* its address, parsed */
    bool ok;        /* parsed */
} entry;

/* A moved block in one module instance: its addresses with the instance's module path. */
typedef struct stmt {
    vpce_addr from, to;
    const vpce_cfg_moved *m;
} stmt;

static void add_stmt(vpce_vec *out, const vpce_cfg_moved *m, const vpce_addr *inst, size_t depth)
{
    stmt *st = vpce_calloc(1, sizeof(*st));
    vpce_addr_join(&st->from, inst, depth, &m->from);
    vpce_addr_join(&st->to, inst, depth, &m->to);
    st->m = m;
    vpce_vec_push(out, st);
}

/*
 * The moved blocks of every module of the tree as statements on whole addresses: the root's as
 * written; a called module's once for each instance of it the prior state holds objects in
 * (its addresses are relative to the module, as in Terraform).
 */
static void collect_stmts(vpce_vec *out, const vpce_config *cfg, const entry *es, size_t n)
{
    size_t nmods = cfg->modules.len ? cfg->modules.len : 1;
    vpce_addr none = {0};
    for (size_t mi = 0; mi < nmods; mi++) {
        const vpce_config *m = cfg->modules.len ? cfg->modules.items[mi] : cfg;
        if (!m->moved.len)
            continue;
        if (!m->parent) {
            for (size_t k = 0; k < m->moved.len; k++)
                add_stmt(out, m->moved.items[k], &none, 0);
            continue;
        }
        vpce_map *seen = vpce_map_new(); /* module instance paths already expanded */
        for (size_t i = 0; i < n; i++) {
            if (!es[i].ok || !vpce_config_module_contains(m, &es[i].addr))
                continue;
            vpce_addr inst = es[i].addr;
            inst.nmodule = m->depth;
            char *path = vpce_addr_module_string(&inst, true);
            if (!vpce_map_has(seen, path)) {
                vpce_map_set(seen, path, (void *)1);
                for (size_t k = 0; k < m->moved.len; k++)
                    add_stmt(out, m->moved.items[k], &es[i].addr, m->depth);
            }
            free(path);
        }
        vpce_map_free(seen);
    }
}

/* Statement indexes in chain order: Kahn's algorithm over "i's to feeds j's from". Cycles were
   refused when the configuration was loaded; any left are appended in source order. */
static size_t *chain_order(const vpce_vec *stmts)
{
    size_t n = stmts->len;
    size_t *order = vpce_calloc(n ? n : 1, sizeof(*order));
    size_t *indeg = vpce_calloc(n ? n : 1, sizeof(*indeg));
    bool *done = vpce_calloc(n ? n : 1, sizeof(*done));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const stmt *a = stmts->items[i], *b = stmts->items[j];
            if (i != j && vpce_addr_chains(&a->to, &b->from))
                indeg[j]++;
        }
    size_t k = 0;
    while (k < n) {
        size_t pick = n;
        for (size_t i = 0; i < n && pick == n; i++)
            if (!done[i] && indeg[i] == 0)
                pick = i;
        if (pick == n) /* a cycle: take the rest as written */
            for (size_t i = 0; i < n && pick == n; i++)
                if (!done[i])
                    pick = i;
        done[pick] = true;
        order[k++] = pick;
        const stmt *a = stmts->items[pick];
        for (size_t j = 0; j < n; j++)
            if (!done[j] && vpce_addr_chains(&a->to, &((const stmt *)stmts->items[j])->from))
                if (indeg[j] > 0)
                    indeg[j]--;
    }
    free(indeg);
    free(done);
    return order;
}

/* Rewrites the entry's address members from a. */
static void set_entry_addr(json_t *res, const vpce_addr *a)
{
    char *text = vpce_addr_format(a);
    json_object_set_new(res, "address", json_string(text));
    json_object_set_new(res, "type", json_string(a->type));
    json_object_set_new(res, "name", json_string(a->name));
    json_object_set_new(res, "index", a->key ? json_incref(a->key) : json_null());
    free(text);
}

bool vpce_plan_has_moves(const vpce_config *cfg)
{
    bool any = cfg->moved.len > 0;
    for (size_t mi = 0; mi < cfg->modules.len && !any; mi++)
        any = ((const vpce_config *)cfg->modules.items[mi])->moved.len > 0;
    return any;
}

int vpce_plan_moves(json_t *doc, const vpce_config *cfg, vpce_map *previous, vpce_diags *diags)
{
    json_t *resources = json_object_get(doc, "resources");
    size_t n = json_array_size(resources);
    if (!vpce_plan_has_moves(cfg) || !n)
        return 0;
    entry *es = vpce_calloc(n, sizeof(*es));
    vpce_map *at = vpce_map_new(); /* address -> entry* */
    for (size_t i = 0; i < n; i++) {
        json_t *res = json_array_get(resources, i);
        const char *a = json_string_value(json_object_get(res, "address"));
        const char *mode = json_string_value(json_object_get(res, "mode"));
        es[i].res = res;
        if (!a)
            continue;
        vpce_map_set(at, a, &es[i]);
        es[i].ok = (!mode || strcmp(mode, "managed") == 0) && vpce_addr_parse(&es[i].addr, a) == 0;
    }
    vpce_error_clear();
    vpce_vec stmts = VPCE_VEC_INIT;
    collect_stmts(&stmts, cfg, es, n);
    size_t *order = chain_order(&stmts);
    for (size_t k = 0; k < stmts.len; k++) {
        const stmt *m = stmts.items[order[k]];
        for (size_t i = 0; i < n; i++) {
            entry *e = &es[i];
            vpce_addr dst;
            if (!e->ok || vpce_addr_move(&dst, &m->from, &m->to, &e->addr) != 1)
                continue;
            char *old = vpce_strdup(json_string_value(json_object_get(e->res, "address")));
            char *to = vpce_addr_format(&dst);
            if (vpce_map_has(at, to)) {
                char *detail = vpce_asprintf("%s was not moved to %s: an object is already "
                                             "there in the state, so this statement is ignored "
                                             "for it",
                                             old, to);
                vpce_diags_warning(diags, m->m->range, detail, "moved object not moved");
                free(detail);
                free(old);
                free(to);
                vpce_addr_release(&dst);
                continue;
            }
            vpce_map_remove(at, old);
            vpce_map_set(at, to, e);
            set_entry_addr(e->res, &dst);
            /* A chain keeps the address the object had before the first move. */
            char *first = vpce_map_remove(previous, old);
            vpce_map_set(previous, to, first ? first : vpce_strdup(old));
            vpce_addr_release(&e->addr);
            e->addr = dst;
            free(old);
            free(to);
        }
    }
    /* Dependencies recorded in the state follow the objects (and resources) they name. */
    for (size_t i = 0; i < n; i++) {
        json_t *deps = json_object_get(es[i].res, "dependencies");
        size_t j;
        json_t *d;
        json_array_foreach(deps, j, d)
        {
            vpce_addr a;
            if (!json_is_string(d) || vpce_addr_parse(&a, json_string_value(d)) < 0)
                continue;
            for (size_t k = 0; k < stmts.len; k++) {
                const stmt *m = stmts.items[order[k]];
                vpce_addr dst;
                if (vpce_addr_move(&dst, &m->from, &m->to, &a) == 1) {
                    vpce_addr_release(&a);
                    a = dst;
                }
            }
            char *text = vpce_addr_format(&a);
            if (strcmp(text, json_string_value(d)) != 0)
                json_array_set_new(deps, j, json_string(text));
            free(text);
            vpce_addr_release(&a);
        }
        vpce_addr_release(&es[i].addr);
    }
    vpce_error_clear();
    for (size_t k = 0; k < stmts.len; k++) {
        stmt *st = stmts.items[k];
        vpce_addr_release(&st->from);
        vpce_addr_release(&st->to);
        free(st);
    }
    vpce_vec_release(&stmts);
    free(order);
    free(es);
    vpce_map_free(at);
    return 0;
}
