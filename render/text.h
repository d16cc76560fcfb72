/*
 * render/text.h (internal to render/): what the human plan's two halves share: the rendering
 * context, the line primitives and the value and diff renderer of render/text_diff.c.
 */
#ifndef VPCE_RENDER_TEXT_H
#define VPCE_RENDER_TEXT_H

#include "render/render.h"

#include <string.h>

#define TEXT_CAP ((size_t)512 * 1024 * 1024)
/* Arrays longer than this are diffed as "all removed, all added" rather than by LCS. */
#define LCS_MAX 2000

enum { A_NOOP, A_CREATE, A_DELETE, A_UPDATE, A_DTC, A_CTD, A_READ, A_FORGET, A_COUNT };

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"
#define C_RED    "\033[31m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN   "\033[36m"
#define C_GRAY   "\033[90m"

struct txt_orders;

typedef struct rctx {
    vpce_buf *b;
    bool color;
    const json_t *replace_paths; /* of the change being rendered, may be NULL */
    const json_t *sensitive;     /* top-level sensitive attribute names, may be NULL */
    json_t *path;                /* current attribute path (array), for replace_paths */
    bool failed;                 /* an append hit the cap */
    struct txt_orders *orders;   /* sorted orders of body names seen, NULL until needed */
} rctx;

/* Frees what rendering cached in r (not r->path). */
void txt_release(rctx *r);

/* Appends n bytes at s (txt_putn_slow when the buffer must grow or the cap is reached). */
void txt_putn_slow(rctx *r, const char *s, size_t n);
/* The common case, room in the buffer, inline: the plan text is made of millions of short
   appends. The buffer stays NUL-terminated as vpce_buf_append keeps it. */
static inline void txt_putn(rctx *r, const char *s, size_t n)
{
    vpce_buf *b = r->b;
    if (n < b->alloc - b->len && n <= b->cap - b->len) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    txt_putn_slow(r, s, n);
}
static inline void txt_put(rctx *r, const char *s)
{
    txt_putn(r, s, strlen(s));
}
void txt_putf(rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void txt_color_on(rctx *r, const char *c)
{
    if (r->color)
        txt_put(r, c);
}
static inline void txt_color_off(rctx *r)
{
    if (r->color)
        txt_putn(r, C_RESET, sizeof(C_RESET) - 1);
}
/* The four-column symbol field of an action, and the indentation of a level before it. */
void txt_sym(rctx *r, int act);
void txt_prefix(rctx *r, int level, int act);
bool txt_is_null(const json_t *v);
/* Characters (UTF-8 code points) in s, for alignment. */
size_t txt_display_width(const char *s);
void txt_put_quoted(rctx *r, const char *s, size_t len);
/* The keys of a and b (either NULL) sorted, without duplicates; caller frees the array. */
const char **txt_union_keys(const json_t *a, const json_t *b, size_t *n);
/* A value created, deleted or unchanged (act), and a value changed from b to a. */
void txt_render_whole(rctx *r, const json_t *v, int act, int level, bool in_json);
void txt_render_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json);
/* The attributes and nested blocks of an object body, from b to a (either NULL). */
void txt_render_body(rctx *r, const json_t *b, const json_t *a, int level);

#endif
