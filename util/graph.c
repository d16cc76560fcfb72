/*
 * util/graph.c: a general directed graph with a deterministic topological order (Kahn's
 * algorithm taking the smallest ready name first), cycle reporting through Tarjan's strongly
 * connected components, and DOT output. It knows nothing of configurations; vpce_config_graph
 * (config/refs.c) builds the configuration's graph on top of it.
 */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct gnode {
    char *name;
    void *data;
    size_t *deps; /* sorted by name, no duplicates */
    size_t ndeps, adeps;
} gnode;

struct vpce_graph {
    gnode *nodes;
    size_t n, alloc;
    vpce_map *index; /* name -> index + 1 */
};

vpce_graph *vpce_graph_new(void)
{
    vpce_graph *g = vpce_calloc(1, sizeof(*g));
    g->index = vpce_map_new();
    return g;
}

void vpce_graph_free(vpce_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].deps);
    }
    free(g->nodes);
    vpce_map_free(g->index);
    free(g);
}

size_t vpce_graph_add(vpce_graph *g, const char *name, void *data)
{
    size_t i;
    if (vpce_graph_find(g, name, &i))
        return i;
    if (g->n == g->alloc) {
        g->alloc = g->alloc ? g->alloc * 2 : 16;
        g->nodes = vpce_realloc(g->nodes, g->alloc * sizeof(gnode));
    }
    gnode *nd = &g->nodes[g->n];
    memset(nd, 0, sizeof(*nd));
    nd->name = vpce_strdup(name);
    nd->data = data;
    vpce_map_set(g->index, name, (void *)(uintptr_t)(g->n + 1));
    return g->n++;
}

bool vpce_graph_find(const vpce_graph *g, const char *name, size_t *out)
{
    uintptr_t v = (uintptr_t)vpce_map_get(g->index, name);
    if (!v)
        return false;
    *out = (size_t)(v - 1);
    return true;
}

void vpce_graph_depend(vpce_graph *g, size_t from, size_t to)
{
    VPCE_ASSERT(from < g->n && to < g->n);
    gnode *nd = &g->nodes[from];
    /* Kept sorted by name and free of duplicates as edges arrive, so readers never mutate. */
    const char *name = g->nodes[to].name;
    size_t lo = 0, hi = nd->ndeps;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(g->nodes[nd->deps[mid]].name, name);
        if (c == 0)
            return;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (nd->ndeps == nd->adeps) {
        nd->adeps = nd->adeps ? nd->adeps * 2 : 4;
        nd->deps = vpce_realloc(nd->deps, nd->adeps * sizeof(size_t));
    }
    memmove(nd->deps + lo + 1, nd->deps + lo, (nd->ndeps - lo) * sizeof(size_t));
    nd->deps[lo] = to;
    nd->ndeps++;
}

size_t vpce_graph_count(const vpce_graph *g)
{
    return g->n;
}

const char *vpce_graph_name(const vpce_graph *g, size_t i)
{
    VPCE_ASSERT(i < g->n);
    return g->nodes[i].name;
}

void *vpce_graph_data(const vpce_graph *g, size_t i)
{
    VPCE_ASSERT(i < g->n);
    return g->nodes[i].data;
}

static int cmp_by_name(const void *a, const void *b, void *ctx)
{
    const vpce_graph *g = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return strcmp(g->nodes[x].name, g->nodes[y].name);
}

void vpce_graph_deps(const vpce_graph *g, size_t i, const size_t **out, size_t *n)
{
    VPCE_ASSERT(i < g->n);
    *out = g->nodes[i].deps;
    *n = g->nodes[i].ndeps;
}

/* ---- topological order ------------------------------------------------------------------- */

/* A binary min-heap of node indexes ordered by name rank. */
typedef struct heap {
    size_t *a;
    size_t n;
    const size_t *rank;
} heap;

static void heap_push(heap *h, size_t v)
{
    size_t i = h->n++;
    h->a[i] = v;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->rank[h->a[p]] <= h->rank[h->a[i]])
            break;
        size_t t = h->a[p];
        h->a[p] = h->a[i];
        h->a[i] = t;
        i = p;
    }
}

static size_t heap_pop(heap *h)
{
    size_t top = h->a[0];
    h->a[0] = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->rank[h->a[l]] < h->rank[h->a[m]])
            m = l;
        if (r < h->n && h->rank[h->a[r]] < h->rank[h->a[m]])
            m = r;
        if (m == i)
            break;
        size_t t = h->a[m];
        h->a[m] = h->a[i];
        h->a[i] = t;
        i = m;
    }
    return top;
}

/* Tarjan's SCC, iterative so deep graphs cannot overflow the stack. */
typedef struct tarjan {
    const vpce_graph *g;
    size_t *idx, *low, *stack, nstack, counter;
    bool *on;
    json_t *cycles;
    const size_t *rank;
} tarjan;

static void tarjan_from(tarjan *t, size_t root)
{
    const vpce_graph *g = t->g;
    size_t *cs = vpce_malloc(g->n * sizeof(size_t)); /* call stack: node */
    size_t *ci = vpce_malloc(g->n * sizeof(size_t)); /* call stack: next edge */
    size_t depth = 0;
    cs[0] = root;
    ci[0] = 0;
    t->idx[root] = t->low[root] = ++t->counter;
    t->stack[t->nstack++] = root;
    t->on[root] = true;
    depth = 1;
    while (depth) {
        size_t v = cs[depth - 1];
        const gnode *nd = &g->nodes[v];
        if (ci[depth - 1] < nd->ndeps) {
            size_t w = nd->deps[ci[depth - 1]++];
            if (!t->idx[w]) {
                t->idx[w] = t->low[w] = ++t->counter;
                t->stack[t->nstack++] = w;
                t->on[w] = true;
                cs[depth] = w;
                ci[depth] = 0;
                depth++;
            } else if (t->on[w] && t->idx[w] < t->low[v]) {
                t->low[v] = t->idx[w];
            }
            continue;
        }
        if (t->low[v] == t->idx[v]) {
            size_t start = t->nstack;
            do {
                start--;
            } while (t->stack[start] != v);
            size_t count = t->nstack - start;
            bool self = false;
            for (size_t k = 0; k < nd->ndeps; k++)
                if (nd->deps[k] == v)
                    self = true;
            if (count > 1 || self) {
                size_t *members = vpce_malloc(count * sizeof(size_t));
                memcpy(members, t->stack + start, count * sizeof(size_t));
                qsort_r(members, count, sizeof(size_t), cmp_by_name, (void *)g);
                json_t *cyc = json_array();
                for (size_t k = 0; k < count; k++)
                    json_array_append_new(cyc, json_string(g->nodes[members[k]].name));
                json_array_append_new(t->cycles, cyc);
                free(members);
            }
            for (size_t k = start; k < t->nstack; k++)
                t->on[t->stack[k]] = false;
            t->nstack = start;
        }
        depth--;
        if (depth) {
            size_t u = cs[depth - 1];
            if (t->low[v] < t->low[u])
                t->low[u] = t->low[v];
        }
    }
    free(cs);
    free(ci);
}

static int cmp_cycle(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_string_value(json_array_get(x, 0)), json_string_value(json_array_get(y, 0)));
}

int vpce_graph_topo(const vpce_graph *g, size_t **out, json_t **cycles)
{
    size_t n = g->n;
    size_t *order = vpce_malloc((n ? n : 1) * sizeof(size_t));
    size_t *rank = vpce_malloc((n ? n : 1) * sizeof(size_t));
    size_t *pending = vpce_calloc(n ? n : 1, sizeof(size_t));
    size_t *rdeg_off = vpce_calloc(n + 1, sizeof(size_t));
    size_t *rev = NULL;
    size_t norder = 0;
    heap h = {vpce_malloc((n ? n : 1) * sizeof(size_t)), 0, rank};
    int rc = 0;

    /* Rank of each node by name. */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(size_t), cmp_by_name, (void *)g);
    for (size_t i = 0; i < n; i++)
        rank[order[i]] = i;

    /* Reverse adjacency (dependents) in CSR form. */
    size_t nedges = 0;
    for (size_t i = 0; i < n; i++) {
        pending[i] = g->nodes[i].ndeps;
        nedges += g->nodes[i].ndeps;
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            rdeg_off[g->nodes[i].deps[k] + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        rdeg_off[i + 1] += rdeg_off[i];
    rev = vpce_malloc((nedges ? nedges : 1) * sizeof(size_t));
    size_t *fill = vpce_malloc((n ? n : 1) * sizeof(size_t));
    memcpy(fill, rdeg_off, n * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            rev[fill[g->nodes[i].deps[k]]++] = i;
    free(fill);

    for (size_t i = 0; i < n; i++)
        if (!pending[i])
            heap_push(&h, i);
    while (h.n) {
        size_t v = heap_pop(&h);
        order[norder++] = v;
        for (size_t k = rdeg_off[v]; k < rdeg_off[v + 1]; k++)
            if (--pending[rev[k]] == 0)
                heap_push(&h, rev[k]);
    }

    if (cycles)
        *cycles = NULL;
    if (norder < n) {
        rc = VPCE_EINVALID;
        tarjan t = {g,
                    vpce_calloc(n, sizeof(size_t)),
                    vpce_calloc(n, sizeof(size_t)),
                    vpce_malloc(n * sizeof(size_t)),
                    0,
                    0,
                    vpce_calloc(n, sizeof(bool)),
                    json_array(),
                    rank};
        size_t *byname = vpce_malloc(n * sizeof(size_t));
        for (size_t i = 0; i < n; i++)
            byname[rank[i]] = i;
        /* Visit in name order so the cycles come out deterministically. */
        for (size_t r = 0; r < n; r++)
            if (!t.idx[byname[r]] && pending[byname[r]])
                tarjan_from(&t, byname[r]);
        free(byname);
        size_t nc = json_array_size(t.cycles);
        json_t **arr = vpce_malloc((nc ? nc : 1) * sizeof(json_t *));
        for (size_t i = 0; i < nc; i++)
            arr[i] = json_incref(json_array_get(t.cycles, i));
        qsort(arr, nc, sizeof(json_t *), cmp_cycle);
        json_t *sorted = json_array();
        for (size_t i = 0; i < nc; i++)
            json_array_append_new(sorted, arr[i]);
        free(arr);
        json_decref(t.cycles);
        if (cycles)
            *cycles = sorted;
        else
            json_decref(sorted);
        free(t.idx);
        free(t.low);
        free(t.stack);
        free(t.on);
        /* The nodes that could be ordered come first, then the rest by name. */
        bool *placed = vpce_calloc(n, sizeof(bool));
        for (size_t i = 0; i < norder; i++)
            placed[order[i]] = true;
        size_t *rest = vpce_malloc(n * sizeof(size_t));
        size_t nrest = 0;
        for (size_t i = 0; i < n; i++)
            if (!placed[i])
                rest[nrest++] = i;
        qsort_r(rest, nrest, sizeof(size_t), cmp_by_name, (void *)g);
        memcpy(order + norder, rest, nrest * sizeof(size_t));
        free(rest);
        free(placed);
    }
    free(h.a);
    free(rank);
    free(pending);
    free(rdeg_off);
    free(rev);
    *out = order;
    return rc;
}

char *vpce_graph_dot(const vpce_graph *g)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    size_t n = g->n;
    size_t *order = vpce_malloc((n ? n : 1) * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(size_t), cmp_by_name, (void *)g);
    vpce_buf_puts(&b, "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n");
    for (size_t i = 0; i < n; i++)
        vpce_buf_printf(&b, "  \"%s\"\n", g->nodes[order[i]].name);
    for (size_t i = 0; i < n; i++) {
        const gnode *nd = &g->nodes[order[i]];
        for (size_t k = 0; k < nd->ndeps; k++)
            vpce_buf_printf(&b, "  \"%s\" -> \"%s\"\n", nd->name, g->nodes[nd->deps[k]].name);
    }
    vpce_buf_puts(&b, "}\n");
    free(order);
    return vpce_buf_detach(&b);
}
