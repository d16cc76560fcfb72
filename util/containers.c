/* util/containers.c: pointer vectors, an insertion-ordered string map, edit distance. */
#include "util/util.h"

#include <string.h>

void vpce_vec_push(vpce_vec *v, void *item)
{
    if (v->len == v->alloc) {
        v->alloc = v->alloc ? v->alloc * 2 : 8;
        v->items = vpce_realloc(v->items, v->alloc * sizeof(void *));
    }
    v->items[v->len++] = item;
}

void vpce_vec_release(vpce_vec *v)
{
    free(v->items);
    v->items = NULL;
    v->len = v->alloc = 0;
}

void vpce_vec_sort(vpce_vec *v, int (*cmp)(const void *a, const void *b))
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof(void *), cmp);
}

/*
 * Entries live in an array in insertion order; an open-addressing index of slots points into
 * it. Removal leaves a tombstone entry (key NULL) so iteration order stays stable.
 */
struct entry {
    char *key;
    void *value;
    uint32_t hash;
};

struct vpce_map {
    struct entry *entries;
    size_t nentries, entries_alloc;
    size_t count;
    int64_t *slots; /* -1 empty, else index into entries */
    size_t nslots;
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

vpce_map *vpce_map_new(void)
{
    return vpce_calloc(1, sizeof(vpce_map));
}

void vpce_map_free(vpce_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nentries; i++)
        free(m->entries[i].key);
    free(m->entries);
    free(m->slots);
    free(m);
}

static int64_t find_slot(const vpce_map *m, const char *key, uint32_t h)
{
    if (!m->nslots)
        return -1;
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        int64_t e = m->slots[i];
        if (e < 0)
            return -(int64_t)i - 2; /* empty slot i, encoded */
        const struct entry *en = &m->entries[e];
        if (en->key && en->hash == h && strcmp(en->key, key) == 0)
            return (int64_t)i;
    }
}

static void rehash(vpce_map *m)
{
    /* Compact away tombstones, then rebuild the index at twice the live count. */
    size_t j = 0;
    for (size_t i = 0; i < m->nentries; i++) {
        if (m->entries[i].key)
            m->entries[j++] = m->entries[i];
    }
    m->nentries = j;
    size_t n = 16;
    while (n < (m->count + 1) * 2)
        n *= 2;
    free(m->slots);
    m->slots = vpce_malloc(n * sizeof(int64_t));
    for (size_t i = 0; i < n; i++)
        m->slots[i] = -1;
    m->nslots = n;
    for (size_t e = 0; e < m->nentries; e++) {
        size_t mask = n - 1;
        size_t i = m->entries[e].hash & mask;
        while (m->slots[i] >= 0)
            i = (i + 1) & mask;
        m->slots[i] = (int64_t)e;
    }
}

void *vpce_map_set(vpce_map *m, const char *key, void *value)
{
    uint32_t h = hash_str(key);
    int64_t s = find_slot(m, key, h);
    if (s >= 0) {
        struct entry *en = &m->entries[m->slots[s]];
        void *old = en->value;
        en->value = value;
        return old;
    }
    if ((m->nentries + 1) * 2 > m->nslots) {
        rehash(m);
        s = find_slot(m, key, h);
    }
    if (m->nentries == m->entries_alloc) {
        m->entries_alloc = m->entries_alloc ? m->entries_alloc * 2 : 16;
        m->entries = vpce_realloc(m->entries, m->entries_alloc * sizeof(struct entry));
    }
    m->entries[m->nentries] = (struct entry){vpce_strdup(key), value, h};
    m->slots[-(s + 2)] = (int64_t)m->nentries;
    m->nentries++;
    m->count++;
    return NULL;
}

void *vpce_map_get(const vpce_map *m, const char *key)
{
    int64_t s = find_slot(m, key, hash_str(key));
    return s >= 0 ? m->entries[m->slots[s]].value : NULL;
}

bool vpce_map_has(const vpce_map *m, const char *key)
{
    return find_slot(m, key, hash_str(key)) >= 0;
}

void *vpce_map_remove(vpce_map *m, const char *key)
{
    int64_t s = find_slot(m, key, hash_str(key));
    if (s < 0)
        return NULL;
    struct entry *en = &m->entries[m->slots[s]];
    void *old = en->value;
    free(en->key);
    en->key = NULL; /* tombstone: the slot still points here so probing continues past it */
    en->value = NULL;
    m->count--;
    return old;
}

size_t vpce_map_count(const vpce_map *m)
{
    return m->count;
}

bool vpce_map_next(const vpce_map *m, size_t *iter, const char **key, void **value)
{
    while (*iter < m->nentries) {
        const struct entry *en = &m->entries[(*iter)++];
        if (en->key) {
            if (key)
                *key = en->key;
            if (value)
                *value = en->value;
            return true;
        }
    }
    return false;
}

size_t vpce_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = vpce_malloc((lb + 1) * sizeof(size_t));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

const char *vpce_suggest(const char *name, const char *const *candidates, size_t n)
{
    size_t len = strlen(name);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = vpce_edit_distance(name, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
