/*
 * planner/moves.c: the moves of moved blocks, made on the prior state document before
 * planning, as Terraform makes them: statements in chain order (a statement whose `from` is
 * another's `to` after it, so an object follows a whole chain), each moving the managed
 * instances under its `from` to `to` unless something is already there; dependencies recorded
 * in the state follow the objects they name.
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

/* Statement indexes in chain order: Kahn's algorithm over "i's to feeds j's from". Cycles were
   refused when the configuration was loaded; any left are appended in source order. */
static size_t *chain_order(const vpce_config *cfg)
{
    size_t n = cfg->moved.len;
    size_t *order = vpce_calloc(n ? n : 1, sizeof(*order));
    size_t *indeg = vpce_calloc(n ? n : 1, sizeof(*indeg));
    bool *done = vpce_calloc(n ? n : 1, sizeof(*done));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const vpce_cfg_moved *a = cfg->moved.items[i], *b = cfg->moved.items[j];
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
        const vpce_cfg_moved *a = cfg->moved.items[pick];
        for (size_t j = 0; j < n; j++)
            if (!done[j] &&
                vpce_addr_chains(&a->to, &((vpce_cfg_moved *)cfg->moved.items[j])->from))
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

int vpce_plan_moves(json_t *doc, const vpce_config *cfg, vpce_map *previous, vpce_diags *diags)
{
    json_t *resources = json_object_get(doc, "resources");
    size_t n = json_array_size(resources);
    if (!cfg->moved.len || !n)
        return 0;
    entry *es = vpce_calloc(n, sizeof(*es));
    vpce_map *at = vpce_map_new(); /* address -> entry* */
    size_t *order = chain_order(cfg);
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
    for (size_t k = 0; k < cfg->moved.len; k++) {
        const vpce_cfg_moved *m = cfg->moved.items[order[k]];
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
                vpce_diags_warning(diags, m->range, detail, "moved object not moved");
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
            for (size_t k = 0; k < cfg->moved.len; k++) {
                const vpce_cfg_moved *m = cfg->moved.items[order[k]];
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
    free(order);
    free(es);
    vpce_map_free(at);
    return 0;
}
