/*
 * planner/apply_graph.c: the steps of applying a plan and the edges between them (Terraform's
 * create and destroy edges), and vpce_plan_apply_order(), a sequential order of those steps.
 */
#include "planner/apply_graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

typedef struct builder {
    const vpce_plan *p;
    vpce_apply_graph *g;
    size_t *w_step;    /* per change: its create/update/read step, or NONE */
    size_t *d_step;    /* per change: its delete step, or NONE */
    vpce_map *by_addr; /* instance address -> change index + 1 (changes with steps) */
    vpce_map *by_res;  /* resource address -> vpce_vec* of change index + 1 */
    size_t *seen;      /* per change: the index + 1 of the change whose deps listed it */
    unsigned *mark;    /* per step: reachability stamps */
    unsigned stamp;
    vpce_vec stack;
} builder;

static bool creates(vpce_action a)
{
    return a == VPCE_ACTION_CREATE || a == VPCE_ACTION_DELETE_THEN_CREATE ||
           a == VPCE_ACTION_CREATE_THEN_DELETE;
}

static vpce_action action_of(const builder *b, size_t k)
{
    return b->p->changes[k]->action;
}

static void add_edge(vpce_apply_graph *g, size_t from, size_t to)
{
    if (from == NONE || to == NONE || from == to)
        return;
    vpce_vec *v = &g->next[from];
    for (size_t i = 0; i < v->len; i++)
        if ((uintptr_t)v->items[i] == to + 1)
            return;
    vpce_vec_push(v, (void *)(uintptr_t)(to + 1));
    g->waits[to]++;
}

/* True if step `to` can be reached from step `from` along the edges added so far. */
static bool reaches(builder *b, size_t from, size_t to)
{
    if (from == to)
        return true;
    b->stamp++;
    b->stack.len = 0;
    vpce_vec_push(&b->stack, (void *)(uintptr_t)(from + 1));
    b->mark[from] = b->stamp;
    while (b->stack.len) {
        size_t s = (uintptr_t)b->stack.items[--b->stack.len] - 1;
        const vpce_vec *v = &b->g->next[s];
        for (size_t i = 0; i < v->len; i++) {
            size_t n = (uintptr_t)v->items[i] - 1;
            if (n == to)
                return true;
            if (b->mark[n] != b->stamp) {
                b->mark[n] = b->stamp;
                vpce_vec_push(&b->stack, (void *)(uintptr_t)(n + 1));
            }
        }
    }
    return false;
}

static size_t push_step(vpce_apply_graph *g, size_t change, bool del)
{
    g->steps[g->nsteps].change = change;
    g->steps[g->nsteps].del = del;
    return g->nsteps++;
}

/* x depends on y in its configuration. */
static void config_edges(builder *b, size_t x, size_t y)
{
    vpce_apply_graph *g = b->g;
    vpce_action ax = action_of(b, x), ay = action_of(b, y);
    size_t wx = b->w_step[x], dx = b->d_step[x], wy = b->w_step[y], dy = b->d_step[y];
    if (wx != NONE && wy != NONE) {
        add_edge(g, wy, wx);
        if (creates(ay) || ay == VPCE_ACTION_UPDATE)
            g->after_write[wx] = true;
    }
    /* The old object of y goes once what uses y has switched to the new one. */
    if (ay == VPCE_ACTION_CREATE_THEN_DELETE && wx != NONE)
        add_edge(g, wx, dy);
    /* What uses an object is deleted first. The old object of a create-then-delete x is
       deleted after x's create, which needs y's replacement: it cannot also go before y's
       delete-then-create (Terraform makes y create-then-delete too; vpce does not). */
    if (dx != NONE && dy != NONE &&
        !(ax == VPCE_ACTION_CREATE_THEN_DELETE && ay == VPCE_ACTION_DELETE_THEN_CREATE))
        add_edge(g, dx, dy);
    /* An update may stop using y: a plain delete of y waits for it. An update that uses y's
       replacement cannot go before y's delete (the planner replaces x instead when the update
       would hold on to y's old object). */
    if (ax == VPCE_ACTION_UPDATE && ay == VPCE_ACTION_DELETE)
        add_edge(g, wx, dy);
}

/* x's prior state depends on y, its configuration no longer does. */
static void state_edges(builder *b, size_t x, size_t y)
{
    vpce_apply_graph *g = b->g;
    size_t wx = b->w_step[x], dx = b->d_step[x], dy = b->d_step[y];
    if (dy == NONE)
        return;
    if (dx != NONE && !reaches(b, dy, dx))
        add_edge(g, dx, dy);
    if (action_of(b, x) == VPCE_ACTION_UPDATE && !reaches(b, dy, wx))
        add_edge(g, wx, dy);
}

/* Calls fn(b, x, y) for each change y that address names (an instance, or every instance of a
   resource) and that x has not listed yet; fn NULL only marks them listed. */
static void for_dep(builder *b, size_t x, const char *address,
                    void (*fn)(builder *b, size_t x, size_t y))
{
    uintptr_t k = (uintptr_t)vpce_map_get(b->by_addr, address);
    if (k) {
        if (k - 1 != x && b->seen[k - 1] != x + 1) {
            b->seen[k - 1] = x + 1;
            if (fn)
                fn(b, x, k - 1);
        }
        return;
    }
    const vpce_vec *v = vpce_map_get(b->by_res, address);
    for (size_t i = 0; v && i < v->len; i++) {
        size_t y = (uintptr_t)v->items[i] - 1;
        if (y != x && b->seen[y] != x + 1) {
            b->seen[y] = x + 1;
            if (fn)
                fn(b, x, y);
        }
    }
}

static char *resource_part(const char *addr)
{
    return vpce_addr_resource_part(addr);
}

void vpce_apply_graph_build(vpce_apply_graph *g, const vpce_plan *p)
{
    size_t nc = p ? p->nchanges : 0;
    builder b = {.p = p, .g = g};
    memset(g, 0, sizeof(*g));
    size_t cap = 2 * nc + 1;
    g->steps = vpce_calloc(cap, sizeof(*g->steps));
    g->next = vpce_calloc(cap, sizeof(*g->next));
    g->waits = vpce_calloc(cap, sizeof(*g->waits));
    g->after_write = vpce_calloc(cap, sizeof(*g->after_write));
    b.w_step = vpce_calloc(nc + 1, sizeof(size_t));
    b.d_step = vpce_calloc(nc + 1, sizeof(size_t));
    b.seen = vpce_calloc(nc + 1, sizeof(size_t));
    b.mark = vpce_calloc(cap, sizeof(unsigned));
    b.by_addr = vpce_map_new();
    b.by_res = vpce_map_new();

    for (size_t i = 0; i < nc; i++) {
        const vpce_change *c = p->changes[i];
        b.w_step[i] = b.d_step[i] = NONE;
        switch (c->action) {
        case VPCE_ACTION_NOOP:
        case VPCE_ACTION_FORGET: /* done before the walk (vpce_apply) */
            continue;
        case VPCE_ACTION_DELETE:
            b.d_step[i] = push_step(g, i, true);
            break;
        case VPCE_ACTION_DELETE_THEN_CREATE:
            b.d_step[i] = push_step(g, i, true);
            b.w_step[i] = push_step(g, i, false);
            add_edge(g, b.d_step[i], b.w_step[i]);
            break;
        case VPCE_ACTION_CREATE_THEN_DELETE:
            b.w_step[i] = push_step(g, i, false);
            b.d_step[i] = push_step(g, i, true);
            add_edge(g, b.w_step[i], b.d_step[i]);
            break;
        default:
            b.w_step[i] = push_step(g, i, false);
        }
        vpce_map_set(b.by_addr, c->address, (void *)(uintptr_t)(i + 1));
        char *ra = resource_part(c->address);
        vpce_vec *v = vpce_map_get(b.by_res, ra);
        if (!v) {
            v = vpce_calloc(1, sizeof(*v));
            vpce_map_set(b.by_res, ra, v);
        }
        vpce_vec_push(v, (void *)(uintptr_t)(i + 1));
        free(ra);
    }

    /* The configuration's edges first, then those of dependencies only the prior state
       records, each added only where it closes no cycle. */
    for (size_t i = 0; i < nc; i++) {
        const vpce_change *c = p->changes[i];
        if (c->action == VPCE_ACTION_NOOP || c->action == VPCE_ACTION_FORGET)
            continue;
        for (size_t j = 0; j < c->ndepends_on; j++)
            for_dep(&b, i, c->depends_on[j], config_edges);
    }
    json_t *prior_deps = json_object();
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(p ? p->prior : NULL, "resources"), k, r)
    {
        const char *a = json_string_value(json_object_get(r, "address"));
        json_t *d = json_object_get(r, "dependencies");
        if (a && json_is_array(d))
            json_object_set(prior_deps, a, d);
    }
    for (size_t i = 0; i < nc; i++) {
        const vpce_change *c = p->changes[i];
        json_t *deps = json_object_get(prior_deps, c->address);
        if (c->action == VPCE_ACTION_NOOP || c->action == VPCE_ACTION_FORGET ||
            strcmp(c->mode, "managed") != 0 || !deps)
            continue;
        for (size_t j = 0; j < c->ndepends_on; j++)
            for_dep(&b, i, c->depends_on[j], NULL);
        json_t *d;
        json_array_foreach(deps, k, d)
        {
            if (json_is_string(d))
                for_dep(&b, i, json_string_value(d), state_edges);
        }
    }
    json_decref(prior_deps);

    const char *key;
    void *v;
    for (size_t it = 0; vpce_map_next(b.by_res, &it, &key, &v);) {
        vpce_vec_release(v);
        free(v);
    }
    vpce_map_free(b.by_res);
    vpce_map_free(b.by_addr);
    vpce_vec_release(&b.stack);
    free(b.mark);
    free(b.seen);
    free(b.w_step);
    free(b.d_step);
}

void vpce_apply_graph_release(vpce_apply_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; g->next && i < g->nsteps; i++)
        vpce_vec_release(&g->next[i]);
    free(g->steps);
    free(g->next);
    free(g->waits);
    free(g->after_write);
    memset(g, 0, sizeof(*g));
}

void vpce_plan_apply_order(const vpce_plan *p, vpce_apply_step **out, size_t *n)
{
    vpce_apply_graph g;
    vpce_apply_graph_build(&g, p);
    size_t *order = vpce_calloc(g.nsteps + 1, sizeof(size_t));
    size_t *waits = vpce_calloc(g.nsteps + 1, sizeof(size_t));
    bool *placed = vpce_calloc(g.nsteps + 1, sizeof(bool));
    memcpy(waits, g.waits, g.nsteps * sizeof(size_t));
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < g.nsteps; i++)
        if (waits[i] == 0) {
            order[tail++] = i;
            placed[i] = true;
        }
    while (head < tail) {
        size_t s = order[head++];
        for (size_t j = 0; j < g.next[s].len; j++) {
            size_t t = (uintptr_t)g.next[s].items[j] - 1;
            if (--waits[t] == 0 && !placed[t]) {
                order[tail++] = t;
                placed[t] = true;
            }
        }
    }
    /* A cycle (should not happen) leaves some out: append them in plan order. */
    for (size_t i = 0; i < g.nsteps; i++)
        if (!placed[i])
            order[tail++] = i;
    vpce_apply_step *res = vpce_calloc(tail + 1, sizeof(*res));
    for (size_t i = 0; i < tail; i++)
        res[i] = g.steps[order[i]];
    free(order);
    free(waits);
    free(placed);
    vpce_apply_graph_release(&g);
    *out = res;
    *n = tail;
}
