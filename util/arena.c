/* util/arena.c: a bump allocator for data with one lifetime (an AST, a parse). */
#include "util/util.h"

#include <string.h>

#define CHUNK_SIZE (64 * 1024)

struct chunk {
    struct chunk *next;
    size_t used;
    size_t size;
    _Alignas(max_align_t) unsigned char data[];
};

struct vpce_arena {
    struct chunk *head;
};

vpce_arena *vpce_arena_new(void)
{
    return vpce_calloc(1, sizeof(vpce_arena));
}

void vpce_arena_free(vpce_arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *vpce_arena_alloc(vpce_arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (!a->head || a->head->size - a->head->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        struct chunk *c = vpce_malloc(sizeof(struct chunk) + size);
        c->used = 0;
        c->size = size;
        /* A large block gets its own chunk behind the head, so the head keeps its free space. */
        if (a->head && n > CHUNK_SIZE) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
        c->used = n;
        memset(c->data, 0, n);
        return c->data;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

char *vpce_arena_strndup(vpce_arena *a, const char *s, size_t n)
{
    char *p = vpce_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vpce_arena_strdup(vpce_arena *a, const char *s)
{
    return vpce_arena_strndup(a, s, strlen(s));
}
