/*
 * planner/render_text.c: the human plan, as Terraform prints it. Values are shown in HCL syntax;
 * unchanged attributes are hidden behind a count; JSON strings (policies) are shown as
 * jsonencode() with a structural diff; "=" signs are aligned within each object or block.
 *
 * Every line has the shape INDENT SYMBOL TEXT: four spaces per nesting level, then a four-column
 * symbol field ("  + ", "  ~ ", "-/+ ", "    " ...). The closing brace of a body is a no-op line
 * of the level that opened it.
 */
#include "planner/planner.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_CAP ((size_t)512 * 1024 * 1024)
/* Arrays longer than this are diffed as "all removed, all added" rather than by LCS. */
#define LCS_MAX 2000

enum { A_NOOP, A_CREATE, A_DELETE, A_UPDATE, A_DTC, A_CTD, A_READ };

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"
#define C_RED    "\033[31m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN   "\033[36m"
#define C_GRAY   "\033[90m"

typedef struct rctx {
    vpce_buf *b;
    bool color;
    const json_t *replace_paths; /* of the change being rendered, may be NULL */
    const json_t *sensitive;     /* top-level sensitive attribute names, may be NULL */
    json_t *path;                /* current attribute path (array), for replace_paths */
    bool failed;                 /* an append hit the cap */
} rctx;

static void put(rctx *r, const char *s)
{
    if (vpce_buf_puts(r->b, s) < 0)
        r->failed = true;
}

static void putn(rctx *r, const char *s, size_t n)
{
    if (vpce_buf_append(r->b, s, n) < 0)
        r->failed = true;
}

static void putf(rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(rctx *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vpce_buf_vprintf(r->b, fmt, ap) < 0)
        r->failed = true;
    va_end(ap);
}

static void color_on(rctx *r, const char *c)
{
    if (r->color)
        put(r, c);
}

static void color_off(rctx *r)
{
    if (r->color)
        put(r, C_RESET);
}

/* The four-column symbol field of an action. */
static void sym(rctx *r, int act)
{
    switch (act) {
    case A_NOOP:
        put(r, "    ");
        return;
    case A_CREATE:
        put(r, "  ");
        color_on(r, C_GREEN);
        put(r, "+");
        break;
    case A_DELETE:
        put(r, "  ");
        color_on(r, C_RED);
        put(r, "-");
        break;
    case A_UPDATE:
        put(r, "  ");
        color_on(r, C_YELLOW);
        put(r, "~");
        break;
    case A_DTC:
        color_on(r, C_RED);
        put(r, "-");
        color_off(r);
        put(r, "/");
        color_on(r, C_GREEN);
        put(r, "+");
        break;
    case A_CTD:
        color_on(r, C_GREEN);
        put(r, "+");
        color_off(r);
        put(r, "/");
        color_on(r, C_RED);
        put(r, "-");
        break;
    case A_READ:
        put(r, " ");
        color_on(r, C_CYAN);
        put(r, "<=");
        break;
    }
    color_off(r);
    put(r, " ");
}

static void prefix(rctx *r, int level, int act)
{
    for (int i = 0; i < level; i++)
        put(r, "    ");
    sym(r, act);
}

static void comment(rctx *r, int level, const char *fmt, size_t n, const char *one,
                    const char *many)
{
    prefix(r, level, A_NOOP);
    color_on(r, C_GRAY);
    putf(r, fmt, n, n == 1 ? one : many);
    color_off(r);
    put(r, "\n");
}

/* ---- values ------------------------------------------------------------------------------ */

static bool is_null(const json_t *v)
{
    return v == NULL || json_is_null(v);
}

static bool is_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

/* Characters (UTF-8 code points) in s, for alignment. */
static size_t display_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* A string literal, quoted and escaped as Terraform's plan renderer does (Go's %q: template
   sequences are left as they are). */
static void put_quoted(rctx *r, const char *s, size_t len)
{
    put(r, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            put(r, "\\\"");
            break;
        case '\\':
            put(r, "\\\\");
            break;
        case '\n':
            put(r, "\\n");
            break;
        case '\r':
            put(r, "\\r");
            break;
        case '\t':
            put(r, "\\t");
            break;
        case '\a':
            put(r, "\\a");
            break;
        case '\b':
            put(r, "\\b");
            break;
        case '\f':
            put(r, "\\f");
            break;
        case '\v':
            put(r, "\\v");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                putf(r, "\\x%02x", c);
            else
                putn(r, (const char *)&s[i], 1);
        }
    }
    put(r, "\"");
}

/* A map key or object attribute name: bare when it is an identifier and bare is allowed. */
static char *key_text(const char *k, bool bare_ok)
{
    if (bare_ok && is_ident(k))
        return vpce_strdup(k);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    rctx tmp = {.b = &b};
    put_quoted(&tmp, k, strlen(k));
    return vpce_buf_detach(&b);
}

static void put_key(rctx *r, const char *k, bool bare_ok, size_t width)
{
    char *t = key_text(k, bare_ok);
    put(r, t);
    for (size_t w = display_width(t); w < width; w++)
        put(r, " ");
    free(t);
}

/* The decoded JSON object or array in a string, or NULL when it holds none. New reference. */
static json_t *json_in_string(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    if (*s != '{' && *s != '[')
        return NULL;
    json_t *d = json_loadb(json_string_value(v), json_string_length(v), 0, NULL);
    if (d && !json_is_object(d) && !json_is_array(d)) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted union of the keys of two objects (either may be NULL). Free the array only. */
static const char **union_keys(const json_t *a, const json_t *b, size_t *n)
{
    size_t cap = json_object_size(a) + json_object_size(b);
    const char **keys = vpce_malloc((cap ? cap : 1) * sizeof(*keys));
    size_t k = 0;
    const char *key;
    json_t *v;
    if (json_is_object(a))
        json_object_foreach((json_t *)a, key, v) keys[k++] = key;
    if (json_is_object(b))
        json_object_foreach((json_t *)b, key, v) if (!json_is_object(a) || !json_object_get(a, key))
            keys[k++] = key;
    qsort(keys, k, sizeof(*keys), cmp_str);
    *n = k;
    return keys;
}

static int classify(const json_t *b, const json_t *a)
{
    if (is_null(b) && is_null(a))
        return A_NOOP;
    if (is_null(b))
        return A_CREATE;
    if (is_null(a))
        return A_DELETE;
    if (!vpce_contains_unknown(a) && vpce_value_equal(b, a))
        return A_NOOP;
    return A_UPDATE;
}

static bool is_composite(const json_t *v)
{
    return (json_is_object(v) && !vpce_is_unknown(v)) || json_is_array(v);
}

/* The lines of a multi-line string as a JSON array of strings (a final newline ends the last
   line rather than starting an empty one). New reference. */
static json_t *split_lines(const json_t *v)
{
    json_t *lines = json_array();
    const char *s = json_string_value(v), *end = s + json_string_length(v);
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        json_array_append_new(lines, vpce_json_string_lossy(s, n));
        s += n + (nl ? 1 : 0);
    }
    return lines;
}

static bool is_multiline(const json_t *v)
{
    return json_is_string(v) && memchr(json_string_value(v), '\n', json_string_length(v));
}

/* One heredoc line, as it is. */
static void put_heredoc_line(rctx *r, const char *s)
{
    put(r, s);
    put(r, "\n");
}

static void render_whole(rctx *r, const json_t *v, int act, int level, bool in_json);
static void render_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json);

static void render_object_whole(rctx *r, const json_t *v, int act, int level, bool in_json)
{
    size_t n;
    const char **keys = union_keys(v, NULL, &n);
    if (n == 0) {
        put(r, "{}");
        free(keys);
        return;
    }
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        char *t = key_text(keys[i], in_json);
        size_t w = display_width(t);
        width = w > width ? w : width;
        free(t);
    }
    put(r, "{\n");
    for (size_t i = 0; i < n; i++) {
        prefix(r, level + 1, act);
        put_key(r, keys[i], in_json, width);
        put(r, " = ");
        render_whole(r, json_object_get(v, keys[i]), act, level + 1, in_json);
        put(r, "\n");
    }
    prefix(r, level, A_NOOP);
    put(r, "}");
    free(keys);
}

/* v in full, every nested line marked with act (A_CREATE, A_DELETE or A_NOOP). */
static void render_whole(rctx *r, const json_t *v, int act, int level, bool in_json)
{
    if (vpce_is_unknown(v)) {
        put(r, "(known after apply)");
        return;
    }
    if (is_null(v)) {
        put(r, "null");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_STRING: {
        json_t *d = in_json ? NULL : json_in_string(v);
        if (d) {
            put(r, "jsonencode(\n");
            prefix(r, level + 1, A_NOOP);
            render_whole(r, d, act, level + 1, true);
            put(r, "\n");
            prefix(r, level, A_NOOP);
            put(r, ")");
            json_decref(d);
        } else if (!in_json && is_multiline(v)) {
            json_t *lines = split_lines(v);
            size_t i;
            json_t *l;
            put(r, "<<-EOT\n");
            json_array_foreach(lines, i, l)
            {
                prefix(r, level + 1, A_NOOP);
                put_heredoc_line(r, json_string_value(l));
            }
            prefix(r, level, A_NOOP);
            put(r, "EOT");
            json_decref(lines);
        } else {
            put_quoted(r, json_string_value(v), json_string_length(v));
        }
        return;
    }
    case JSON_INTEGER:
    case JSON_REAL: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        put(r, s ? s : "0");
        free(s);
        return;
    }
    case JSON_TRUE:
        put(r, "true");
        return;
    case JSON_FALSE:
        put(r, "false");
        return;
    case JSON_ARRAY: {
        if (json_array_size(v) == 0) {
            put(r, "[]");
            return;
        }
        put(r, "[\n");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            prefix(r, level + 1, act);
            render_whole(r, e, act, level + 1, in_json);
            put(r, ",\n");
        }
        prefix(r, level, A_NOOP);
        put(r, "]");
        return;
    }
    case JSON_OBJECT:
        render_object_whole(r, v, act, level, in_json);
        return;
    case JSON_NULL:
        put(r, "null");
        return;
    }
}

/* ---- lists ------------------------------------------------------------------------------- */

enum { OP_KEEP, OP_DEL, OP_INS, OP_UPD };
typedef struct op {
    int kind;
    const json_t *b, *a;
} op;

/* The edit script from b to a: equal elements kept (longest common subsequence), a run of
   removals followed by a run of additions paired into updates where both are objects (when
   pair_composites). *n ops, caller frees. */
static op *list_ops(const json_t *b, const json_t *a, bool pair_composites, size_t *n)
{
    size_t nb = json_array_size(b), na = json_array_size(a);
    op *ops = vpce_malloc((nb + na + 1) * sizeof(*ops));
    size_t k = 0;
    if (nb <= LCS_MAX && na <= LCS_MAX) {
        /* lcs[i][j]: length of the LCS of b[i..] and a[j..] */
        size_t w = na + 1;
        unsigned *lcs = vpce_calloc((nb + 1) * w, sizeof(unsigned));
        for (size_t i = nb; i-- > 0;)
            for (size_t j = na; j-- > 0;) {
                if (vpce_value_equal(json_array_get(b, i), json_array_get(a, j)) &&
                    !vpce_contains_unknown(json_array_get(a, j)))
                    lcs[i * w + j] = lcs[(i + 1) * w + j + 1] + 1;
                else {
                    unsigned x = lcs[(i + 1) * w + j], y = lcs[i * w + j + 1];
                    lcs[i * w + j] = x > y ? x : y;
                }
            }
        size_t i = 0, j = 0;
        while (i < nb || j < na) {
            if (i < nb && j < na && vpce_value_equal(json_array_get(b, i), json_array_get(a, j)) &&
                !vpce_contains_unknown(json_array_get(a, j))) {
                ops[k++] = (op){OP_KEEP, json_array_get(b, i), json_array_get(a, j)};
                i++;
                j++;
            } else if (i < nb && (j >= na || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
                ops[k++] = (op){OP_DEL, json_array_get(b, i), NULL};
                i++;
            } else {
                ops[k++] = (op){OP_INS, NULL, json_array_get(a, j)};
                j++;
            }
        }
        free(lcs);
    } else {
        for (size_t i = 0; i < nb; i++)
            ops[k++] = (op){OP_DEL, json_array_get(b, i), NULL};
        for (size_t j = 0; j < na; j++)
            ops[k++] = (op){OP_INS, NULL, json_array_get(a, j)};
    }
    if (pair_composites) {
        /* Pair each run of removals with the run of additions right after it. */
        size_t out = 0;
        for (size_t s = 0; s < k;) {
            if (ops[s].kind != OP_DEL) {
                ops[out++] = ops[s++];
                continue;
            }
            size_t d0 = s, d1 = s;
            while (d1 < k && ops[d1].kind == OP_DEL)
                d1++;
            size_t i1 = d1;
            while (i1 < k && ops[i1].kind == OP_INS)
                i1++;
            size_t nd = d1 - d0, ni = i1 - d1, np = 0;
            while (np < nd && np < ni && json_is_object(ops[d0 + np].b) &&
                   !vpce_is_unknown(ops[d0 + np].b) && json_is_object(ops[d1 + np].a) &&
                   !vpce_is_unknown(ops[d1 + np].a))
                np++;
            op tmp[2];
            for (size_t p = 0; p < np; p++) {
                tmp[0] = (op){OP_UPD, ops[d0 + p].b, ops[d1 + p].a};
                ops[out++] = tmp[0];
            }
            /* Remaining removals then additions; moving left never overwrites unread ops. */
            for (size_t p = np; p < nd; p++) {
                tmp[1] = ops[d0 + p];
                ops[out++] = tmp[1];
            }
            for (size_t p = np; p < ni; p++) {
                tmp[1] = ops[d1 + p];
                ops[out++] = tmp[1];
            }
            s = i1;
        }
        k = out;
    }
    *n = k;
    return ops;
}

static void render_list_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json)
{
    size_t n;
    op *ops = list_ops(b, a, true, &n);
    put(r, "[\n");
    size_t hidden = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == OP_KEEP) {
            /* Unchanged elements next to a change are shown as context. */
            bool near =
                (i > 0 && ops[i - 1].kind != OP_KEEP) || (i + 1 < n && ops[i + 1].kind != OP_KEEP);
            if (!near) {
                hidden++;
                continue;
            }
        }
        if (hidden) {
            comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "element", "elements");
            hidden = 0;
        }
        switch (ops[i].kind) {
        case OP_KEEP:
            prefix(r, level + 1, A_NOOP);
            render_whole(r, ops[i].b, A_NOOP, level + 1, in_json);
            break;
        case OP_DEL:
            prefix(r, level + 1, A_DELETE);
            render_whole(r, ops[i].b, A_DELETE, level + 1, in_json);
            break;
        case OP_INS:
            prefix(r, level + 1, A_CREATE);
            render_whole(r, ops[i].a, A_CREATE, level + 1, in_json);
            break;
        case OP_UPD:
            prefix(r, level + 1, A_UPDATE);
            render_diff(r, ops[i].b, ops[i].a, level + 1, in_json);
            break;
        }
        put(r, ",\n");
    }
    if (hidden)
        comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "element", "elements");
    prefix(r, level, A_NOOP);
    put(r, "]");
    free(ops);
}

/* Multi-line strings: a heredoc with a line diff. */
static void render_heredoc_diff(rctx *r, const json_t *b, const json_t *a, int level)
{
    json_t *lb = split_lines(b), *la = split_lines(a);
    size_t n;
    op *ops = list_ops(lb, la, false, &n);
    put(r, "<<-EOT\n");
    for (size_t i = 0; i < n; i++) {
        int act = ops[i].kind == OP_DEL ? A_DELETE : ops[i].kind == OP_INS ? A_CREATE : A_NOOP;
        prefix(r, level + 1, act);
        put_heredoc_line(r, json_string_value(ops[i].kind == OP_INS ? ops[i].a : ops[i].b));
    }
    prefix(r, level, A_NOOP);
    put(r, "EOT");
    free(ops);
    json_decref(lb);
    json_decref(la);
}

/* ---- objects and maps -------------------------------------------------------------------- */

static void render_object_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json)
{
    size_t n;
    const char **keys = union_keys(b, a, &n);
    size_t width = 0, hidden = 0;
    for (size_t i = 0; i < n; i++) {
        if (classify(json_object_get(b, keys[i]), json_object_get(a, keys[i])) == A_NOOP &&
            is_null(json_object_get(b, keys[i])))
            continue;
        char *t = key_text(keys[i], in_json);
        size_t w = display_width(t);
        width = w > width ? w : width;
        free(t);
    }
    put(r, "{\n");
    for (size_t i = 0; i < n; i++) {
        const json_t *vb = json_object_get(b, keys[i]), *va = json_object_get(a, keys[i]);
        int act = classify(vb, va);
        if (act == A_NOOP) {
            if (!is_null(vb))
                hidden++;
            continue;
        }
        prefix(r, level + 1, act);
        put_key(r, keys[i], in_json, width);
        put(r, " = ");
        if (act == A_CREATE) {
            render_whole(r, va, A_CREATE, level + 1, in_json);
        } else if (act == A_DELETE) {
            render_whole(r, vb, A_DELETE, level + 1, in_json);
            if (!in_json) /* removed map elements end so, removed JSON members do not */
                put(r, " -> null");
        } else {
            render_diff(r, vb, va, level + 1, in_json);
        }
        put(r, "\n");
    }
    if (hidden) {
        if (in_json)
            comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "attribute", "attributes");
        else
            comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "element", "elements");
    }
    prefix(r, level, A_NOOP);
    put(r, "}");
    free(keys);
}

/* The change from b to a (both present, not equal), starting after "name = ". */
static void render_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json)
{
    if (vpce_is_unknown(a)) {
        render_whole(r, b, is_composite(b) ? A_DELETE : A_NOOP, level, in_json);
        put(r, " -> (known after apply)");
        return;
    }
    if (vpce_is_unknown(b)) {
        put(r, "(known after apply) -> ");
        render_whole(r, a, A_NOOP, level, in_json);
        return;
    }
    json_t *db = in_json ? NULL : json_in_string(b);
    json_t *da = db ? json_in_string(a) : NULL;
    if (db && da && json_typeof(db) == json_typeof(da)) {
        put(r, "jsonencode(\n");
        if (vpce_value_equal(db, da)) {
            prefix(r, level + 1, A_NOOP);
            put(r, "# whitespace changes\n");
        } else {
            prefix(r, level + 1, A_UPDATE);
            render_diff(r, db, da, level + 1, true);
            put(r, "\n");
        }
        prefix(r, level, A_NOOP);
        put(r, ")");
    } else if (!in_json && json_is_string(b) && json_is_string(a) &&
               (is_multiline(b) || is_multiline(a))) {
        render_heredoc_diff(r, b, a, level);
    } else if (json_is_array(b) && json_is_array(a)) {
        render_list_diff(r, b, a, level, in_json);
    } else if (json_is_object(b) && json_is_object(a)) {
        render_object_diff(r, b, a, level, in_json);
    } else {
        render_whole(r, b, A_DELETE, level, in_json);
        put(r, " -> ");
        render_whole(r, a, A_CREATE, level, in_json);
    }
    json_decref(db);
    json_decref(da);
}

/* ---- resource bodies --------------------------------------------------------------------- */

static bool all_objects(const json_t *v)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) if (!json_is_object(e) || vpce_is_unknown(e)) return false;
    return true;
}

/* A list of objects on one side (and a list or nothing on the other) is shown as nested blocks. */
static bool is_block(const json_t *b, const json_t *a)
{
    if (!(is_null(b) || json_is_array(b)) || !(is_null(a) || json_is_array(a)))
        return false;
    if (!(all_objects(b) || all_objects(a)))
        return false;
    return (is_null(b) || json_array_size(b) == 0 || all_objects(b)) &&
           (is_null(a) || json_array_size(a) == 0 || all_objects(a));
}

static bool important(const char *k)
{
    return strcmp(k, "id") == 0 || strcmp(k, "name") == 0 || strcmp(k, "tags") == 0;
}

static bool is_sensitive(rctx *r, int level, const char *k)
{
    if (level != 1 || !r->sensitive)
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(r->sensitive, i, e) if (json_is_string(e) &&
                                               strcmp(json_string_value(e), k) == 0) return true;
    return false;
}

static bool forces_replacement(rctx *r)
{
    size_t i;
    json_t *p;
    json_array_foreach(r->replace_paths, i, p)
    {
        if (json_is_string(p) && json_array_size(r->path) == 1 &&
            json_equal(p, json_array_get(r->path, 0)))
            return true;
        if (json_is_array(p) && json_equal(p, r->path))
            return true;
    }
    return false;
}

static void put_forces(rctx *r)
{
    put(r, " ");
    color_on(r, C_RED);
    put(r, "# forces replacement");
    color_off(r);
}

/* Renders a value into a separate buffer so "# forces replacement" can end its first line. */
static void attr_value(rctx *r, int act, const json_t *vb, const json_t *va, int level,
                       bool sensitive)
{
    vpce_buf tmp = VPCE_BUF_INIT(TEXT_CAP);
    vpce_buf *main = r->b;
    r->b = &tmp;
    if (sensitive) {
        put(r, "(sensitive value)");
        if (act == A_DELETE)
            put(r, " -> null");
    } else if (act == A_CREATE) {
        render_whole(r, va, A_CREATE, level, false);
    } else if (act == A_DELETE) {
        render_whole(r, vb, A_DELETE, level, false);
        put(r, " -> null");
    } else if (act == A_NOOP) {
        render_whole(r, va, A_NOOP, level, false);
    } else {
        render_diff(r, vb, va, level, false);
    }
    r->b = main;
    const char *s = vpce_buf_cstr(&tmp);
    const char *nl = strchr(s, '\n');
    if (act != A_NOOP && forces_replacement(r)) {
        putn(r, s, nl ? (size_t)(nl - s) : strlen(s));
        put_forces(r);
        if (nl)
            put(r, nl);
    } else {
        put(r, s);
    }
    vpce_buf_release(&tmp);
}

static void render_body(rctx *r, const json_t *b, const json_t *a, int level);

static void render_blocks(rctx *r, const char *name, const json_t *b, const json_t *a, int level,
                          bool has_attrs, size_t *hidden_blocks)
{
    size_t nb = json_array_size(b), na = json_array_size(a), n;
    op *ops;
    if (nb == na) {
        /* Same count: blocks correspond by position. */
        ops = vpce_malloc((nb + 1) * sizeof(*ops));
        for (size_t i = 0; i < nb; i++) {
            const json_t *eb = json_array_get(b, i), *ea = json_array_get(a, i);
            ops[i] = (op){classify(eb, ea) == A_NOOP ? OP_KEEP : OP_UPD, eb, ea};
        }
        n = nb;
    } else {
        ops = list_ops(b, a, false, &n);
    }
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == OP_KEEP) {
            (*hidden_blocks)++;
            continue;
        }
        /* A blank line between the attributes and each group of blocks. */
        if (first && has_attrs)
            put(r, "\n");
        first = false;
        int act = ops[i].kind == OP_DEL ? A_DELETE : ops[i].kind == OP_INS ? A_CREATE : A_UPDATE;
        prefix(r, level, act);
        put(r, name);
        put(r, " {");
        json_array_append_new(r->path, json_string(name));
        if (forces_replacement(r))
            put_forces(r);
        put(r, "\n");
        json_array_append_new(r->path, json_integer((json_int_t)i));
        if (is_sensitive(r, level, name)) {
            prefix(r, level + 1, A_NOOP);
            put(r, "# At least one attribute in this block is (or was) sensitive,\n");
            prefix(r, level + 1, A_NOOP);
            put(r, "# so its contents will not be displayed.\n");
        } else {
            render_body(r, ops[i].b, ops[i].a, level + 1);
        }
        json_array_remove(r->path, json_array_size(r->path) - 1);
        json_array_remove(r->path, json_array_size(r->path) - 1);
        prefix(r, level, A_NOOP);
        put(r, "}\n");
    }
    free(ops);
}

/* The attributes and nested blocks of an object body, from b to a (either NULL). */
static void render_body(rctx *r, const json_t *b, const json_t *a, int level)
{
    size_t n;
    const char **keys = union_keys(json_is_object(b) ? b : NULL, json_is_object(a) ? a : NULL, &n);
    size_t width = 0, hidden = 0, hidden_blocks = 0;
    bool has_attrs = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *vb = json_object_get(b, keys[i]), *va = json_object_get(a, keys[i]);
        if ((is_null(vb) && is_null(va)) || is_block(vb, va))
            continue;
        size_t w = display_width(keys[i]);
        width = w > width ? w : width;
        has_attrs = true;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *vb = json_object_get(b, keys[i]), *va = json_object_get(a, keys[i]);
        if ((is_null(vb) && is_null(va)) || is_block(vb, va))
            continue;
        int act = classify(vb, va);
        bool sens = is_sensitive(r, level, keys[i]);
        if (act == A_NOOP && !important(keys[i])) {
            hidden++;
            continue;
        }
        json_array_append_new(r->path, json_string(keys[i]));
        prefix(r, level, act);
        put(r, keys[i]);
        for (size_t w = display_width(keys[i]); w < width; w++)
            put(r, " ");
        put(r, " = ");
        attr_value(r, act, vb, va, level, sens);
        put(r, "\n");
        json_array_remove(r->path, json_array_size(r->path) - 1);
    }
    if (hidden)
        comment(r, level, "# (%zu unchanged %s hidden)", hidden, "attribute", "attributes");
    for (size_t i = 0; i < n; i++) {
        const json_t *vb = json_object_get(b, keys[i]), *va = json_object_get(a, keys[i]);
        if ((is_null(vb) && is_null(va)) || !is_block(vb, va))
            continue;
        render_blocks(r, keys[i], vb, va, level, has_attrs, &hidden_blocks);
    }
    if (hidden_blocks) {
        put(r, "\n");
        comment(r, level, "# (%zu unchanged %s hidden)", hidden_blocks, "block", "blocks");
    }
    free(keys);
}

/* ---- one resource ------------------------------------------------------------------------ */

static int resource_act(vpce_action a)
{
    switch (a) {
    case VPCE_ACTION_CREATE:
        return A_CREATE;
    case VPCE_ACTION_UPDATE:
        return A_UPDATE;
    case VPCE_ACTION_DELETE_THEN_CREATE:
        return A_DTC;
    case VPCE_ACTION_CREATE_THEN_DELETE:
        return A_CTD;
    case VPCE_ACTION_DELETE:
        return A_DELETE;
    case VPCE_ACTION_READ:
        return A_READ;
    case VPCE_ACTION_NOOP:
        return A_NOOP;
    }
    return A_NOOP;
}

/* Changes the text shows: not no-ops, and not data sources leaving the state (nothing to do). */
static bool shown(const vpce_change *c)
{
    if (c->action == VPCE_ACTION_NOOP)
        return false;
    return !(c->action == VPCE_ACTION_DELETE && c->mode && strcmp(c->mode, "data") == 0);
}

static bool reason_is(const vpce_change *c, const char *r)
{
    return c->reason && strcmp(c->reason, r) == 0;
}

/* "  # ADDR will be created" and the lines that explain it, as Terraform words them. */
static void render_change_comment(rctx *r, const vpce_change *c, bool drift)
{
    /* what = before + the emphasised word (bold red in colour) + after */
    const char *before = "", *word = NULL, *after = "";
    switch (c->action) {
    case VPCE_ACTION_CREATE:
        before = "will be created";
        break;
    case VPCE_ACTION_UPDATE:
        before = drift ? "has changed" : "will be updated in-place";
        break;
    case VPCE_ACTION_DELETE_THEN_CREATE:
    case VPCE_ACTION_CREATE_THEN_DELETE:
        word = "replaced";
        if (reason_is(c, "replace_by_request")) {
            before = "will be ";
            after = ", as requested";
        } else if (reason_is(c, "replace_because_tainted")) {
            before = "is tainted, so must be ";
        } else {
            before = "must be ";
        }
        break;
    case VPCE_ACTION_DELETE:
        if (drift) {
            before = "has been deleted";
        } else {
            before = "will be ";
            word = "destroyed";
        }
        break;
    case VPCE_ACTION_READ:
        before = "will be read during apply";
        break;
    case VPCE_ACTION_NOOP:
        before = c->import_id ? "will be imported" : "has no changes";
        break;
    }
    put(r, "  ");
    color_on(r, C_BOLD);
    put(r, "# ");
    put(r, c->address);
    color_off(r);
    put(r, " ");
    put(r, before);
    if (word) {
        color_on(r, C_BOLD C_RED);
        put(r, word);
        color_off(r);
    }
    put(r, after);
    put(r, "\n");

    char *idx = c->index ? json_dumps(c->index, JSON_ENCODE_ANY) : NULL;
    if (c->action == VPCE_ACTION_DELETE && !drift) {
        if (reason_is(c, "delete_because_no_resource_config"))
            putf(r, "  # (because %s.%s is not in configuration)\n", c->type ? c->type : "",
                 c->name ? c->name : "");
        else if (reason_is(c, "delete_because_count_index"))
            putf(r, "  # (because index [%s] is out of range for count)\n", idx ? idx : "");
        else if (reason_is(c, "delete_because_each_key"))
            putf(r, "  # (because key [%s] is not in for_each map)\n", idx ? idx : "");
        else if (reason_is(c, "delete_because_wrong_repetition"))
            put(r, !c->index                   ? "  # (because resource uses count or for_each)\n"
                   : json_is_integer(c->index) ? "  # (because resource does not use count)\n"
                                               : "  # (because resource does not use for_each)\n");
    } else if (c->action == VPCE_ACTION_READ) {
        if (reason_is(c, "read_because_config_unknown"))
            put(r, "  # (config refers to values not yet known)\n");
        else if (reason_is(c, "read_because_dependency_pending"))
            put(r, "  # (depends on a resource or a module with changes pending)\n");
    }
    free(idx);
    if (c->import_id && c->action != VPCE_ACTION_NOOP) {
        putf(r, "  # (imported from \"%s\")\n", c->import_id);
        if (c->action == VPCE_ACTION_DELETE_THEN_CREATE ||
            c->action == VPCE_ACTION_CREATE_THEN_DELETE) {
            put(r, "  # ");
            color_on(r, C_YELLOW);
            put(r, "Warning: this will destroy the imported resource");
            color_off(r);
            put(r, "\n");
        }
    }
}

static void render_change(rctx *r, const vpce_change *c, bool drift)
{
    render_change_comment(r, c, drift);

    r->replace_paths = c->replace_paths;
    r->sensitive = c->sensitive_paths;
    prefix(r, 0, resource_act(c->action));
    put(r, c->mode && strcmp(c->mode, "data") == 0 ? "data " : "resource ");
    put_quoted(r, c->type ? c->type : "", c->type ? strlen(c->type) : 0);
    put(r, " ");
    put_quoted(r, c->name ? c->name : "", c->name ? strlen(c->name) : 0);
    put(r, " {\n");
    const json_t *b = is_null(c->before) ? NULL : c->before;
    const json_t *a = is_null(c->after) ? NULL : c->after;
    if (c->action == VPCE_ACTION_DELETE)
        a = NULL;
    if (c->action == VPCE_ACTION_CREATE)
        b = NULL;
    render_body(r, b, a, 1);
    prefix(r, 0, A_NOOP);
    put(r, "}\n");
    r->replace_paths = NULL;
    r->sensitive = NULL;
}

/* ---- outputs ----------------------------------------------------------------------------- */

static int output_act(const json_t *oc)
{
    json_t *acts = json_object_get(oc, "actions");
    const char *a0 = json_string_value(json_array_get(acts, 0));
    if (!a0 || strcmp(a0, "no-op") == 0)
        return A_NOOP;
    if (strcmp(a0, "create") == 0)
        return json_array_size(acts) > 1 ? A_UPDATE : A_CREATE;
    if (strcmp(a0, "delete") == 0)
        return json_array_size(acts) > 1 ? A_UPDATE : A_DELETE;
    return A_UPDATE;
}

static size_t count_output_changes(const vpce_plan *p)
{
    size_t n = 0;
    const char *k;
    json_t *oc;
    json_object_foreach(p->output_changes, k, oc) if (output_act(oc) != A_NOOP) n++;
    return n;
}

static void render_outputs(rctx *r, const vpce_plan *p)
{
    size_t n;
    const char **keys = union_keys(p->output_changes, NULL, &n);
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = display_width(keys[i]);
        width = w > width ? w : width;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *oc = json_object_get(p->output_changes, keys[i]);
        int act = output_act(oc);
        if (act == A_NOOP)
            continue;
        prefix(r, 0, act);
        put(r, keys[i]);
        for (size_t w = display_width(keys[i]); w < width; w++)
            put(r, " ");
        put(r, " = ");
        bool sens = json_is_true(json_object_get(oc, "sensitive"));
        const json_t *b = json_object_get(oc, "before"), *a = json_object_get(oc, "after");
        if (sens) {
            put(r, "(sensitive value)");
            if (act == A_DELETE)
                put(r, " -> null");
        } else if (act == A_CREATE) {
            render_whole(r, a, A_CREATE, 0, false);
        } else if (act == A_DELETE) {
            render_whole(r, b, A_DELETE, 0, false);
            put(r, " -> null");
        } else if (is_null(b)) {
            render_whole(r, a, A_CREATE, 0, false);
        } else if (is_null(a)) {
            render_whole(r, b, A_DELETE, 0, false);
            put(r, " -> null");
        } else {
            render_diff(r, b, a, 0, false);
        }
        put(r, "\n");
    }
    free(keys);
}

/* ---- the whole plan ---------------------------------------------------------------------- */

static void bold_line(rctx *r, const char *s)
{
    color_on(r, C_BOLD);
    put(r, s);
    color_off(r);
    put(r, "\n");
}

static void no_changes(rctx *r, const char *rest)
{
    color_on(r, C_BOLD C_GREEN);
    put(r, "No changes.");
    color_off(r);
    color_on(r, C_BOLD);
    put(r, " ");
    put(r, rest);
    color_off(r);
    put(r, "\n\n");
}

static vpce_action action_from_json(const json_t *acts)
{
    const char *a0 = json_string_value(json_array_get(acts, 0));
    const char *a1 = json_string_value(json_array_get(acts, 1));
    if (!a0)
        return VPCE_ACTION_NOOP;
    if (strcmp(a0, "create") == 0)
        return a1 ? VPCE_ACTION_CREATE_THEN_DELETE : VPCE_ACTION_CREATE;
    if (strcmp(a0, "delete") == 0)
        return a1 ? VPCE_ACTION_DELETE_THEN_CREATE : VPCE_ACTION_DELETE;
    if (strcmp(a0, "update") == 0)
        return VPCE_ACTION_UPDATE;
    if (strcmp(a0, "read") == 0)
        return VPCE_ACTION_READ;
    return VPCE_ACTION_NOOP;
}

static void render_drift(rctx *r, const vpce_plan *p)
{
    color_on(r, C_BOLD C_CYAN);
    put(r, "Note:");
    color_off(r);
    color_on(r, C_BOLD);
    put(r, " Objects have changed outside of vpce");
    color_off(r);
    put(r, "\n");
    put(r, "\nvpce detected the following changes made outside of vpce since the last \"vpce "
           "apply\" which may have affected this plan:\n\n");
    size_t i;
    json_t *d;
    json_array_foreach(p->drift, i, d)
    {
        /* Either the JSON renderer's shape ({"change": {...}}) or the flat one refresh makes. */
        json_t *ch = json_object_get(d, "change") ? json_object_get(d, "change") : d;
        vpce_change c = {0};
        c.address = (char *)json_string_value(json_object_get(d, "address"));
        c.mode = (char *)json_string_value(json_object_get(d, "mode"));
        c.type = (char *)json_string_value(json_object_get(d, "type"));
        c.name = (char *)json_string_value(json_object_get(d, "name"));
        c.action = action_from_json(json_object_get(ch, "actions"));
        c.before = json_object_get(ch, "before");
        c.after = json_object_get(ch, "after");
        if (!c.address)
            continue;
        if (c.action == VPCE_ACTION_NOOP)
            c.action = VPCE_ACTION_UPDATE;
        /* Sensitive paths in the JSON shape: before_sensitive {"attr": true}. */
        json_t *sens = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(ch, "after_sensitive"), k, v) if (json_is_true(v))
            json_array_append_new(sens, json_string(k));
        json_object_foreach(json_object_get(ch, "before_sensitive"), k, v) if (json_is_true(v))
            json_array_append_new(sens, json_string(k));
        c.sensitive_paths = sens;
        render_change(r, &c, true);
        put(r, "\n");
        json_decref(sens);
    }
    put(r, "\n");
    if (p->refresh_only)
        put(r, "This is a refresh-only plan, so vpce will not take any actions to undo these. If "
               "you were expecting these changes then you can apply this plan to record the "
               "updated values in the vpce state without changing any remote objects.\n");
    else
        put(r, "Unless you have made equivalent changes to your configuration, or ignored the "
               "relevant attributes using ignore_changes, the following plan may include actions "
               "to undo or respond to these changes.\n");
    /* A refresh-only plan ends here; a normal one goes on to its changes after a rule. */
    if (p->refresh_only)
        return;
    put(r, "\n");
    color_on(r, C_GRAY);
    for (int k = 0; k < 77; k++)
        put(r, "\xe2\x94\x80"); /* U+2500 BOX DRAWINGS LIGHT HORIZONTAL */
    color_off(r);
    put(r, "\n\n");
}

char *vpce_change_render_text(const vpce_change *c, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    render_change(&r, c, false);
    json_decref(r.path);
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}

char *vpce_plan_render_outputs_text(const vpce_plan *p, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    render_outputs(&r, p);
    json_decref(r.path);
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}

char *vpce_plan_render_text(const vpce_plan *p, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    size_t counts[7] = {0}, nres = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        if (!shown(p->changes[i]))
            continue;
        counts[resource_act(p->changes[i]->action)]++;
        nres++;
    }
    size_t nout = count_output_changes(p);
    bool drift = json_array_size(p->drift) > 0;

    /* Drift is news only when something is planned, or when recording it is the plan. */
    if (drift && (p->refresh_only || nres > 0 || nout > 0))
        render_drift(&r, p);
    if (p->refresh_only) {
        if (!drift) {
            no_changes(&r, "Your infrastructure still matches the configuration.");
            put(&r, "vpce has checked that the real remote objects still match the result of "
                    "your most recent changes, and found no differences.\n");
        }
        goto done;
    }
    if (nres == 0 && nout == 0) {
        if (p->destroy) {
            no_changes(&r, "No objects need to be destroyed.");
            put(&r, "Either you have not created any objects yet or the existing objects were "
                    "already deleted outside of vpce.\n");
        } else {
            no_changes(&r, "Your infrastructure matches the configuration.");
            put(&r, "vpce has compared your real infrastructure against your configuration and "
                    "found no differences, so no changes are needed.\n");
        }
        goto done;
    }
    if (nres > 0) {
        put(&r, "vpce used the selected providers to generate the following execution plan. "
                "Resource actions are indicated with the following symbols:\n");
        static const struct {
            int act;
            const char *text;
        } legend[] = {
            {A_CREATE, "create"},
            {A_UPDATE, "update in-place"},
            {A_DELETE, "destroy"},
            {A_DTC, "destroy and then create replacement"},
            {A_CTD, "create replacement and then destroy"},
            {A_READ, "read (data resources)"},
        };
        for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++)
            if (counts[legend[i].act]) {
                sym(&r, legend[i].act);
                put(&r, legend[i].text);
                put(&r, "\n");
            }
        put(&r, "\nvpce will perform the following actions:\n\n");
        for (size_t i = 0; i < p->nchanges; i++) {
            if (!shown(p->changes[i]))
                continue;
            render_change(&r, p->changes[i], false);
            put(&r, "\n");
        }
        int add, change, destroy;
        vpce_plan_counts(p, &add, &change, &destroy);
        color_on(&r, C_BOLD);
        putf(&r, "Plan:");
        color_off(&r);
        putf(&r, " %d to add, %d to change, %d to destroy.\n", add, change, destroy);
        vpce_plan_cost cost;
        vpce_plan_cost_estimate(p, &cost);
        char *cost_line = vpce_plan_cost_sentence(&cost);
        if (cost_line)
            putf(&r, "%s\n", cost_line);
        free(cost_line);
    }
    if (nout > 0) {
        put(&r, "\n");
        bold_line(&r, "Changes to Outputs:");
        render_outputs(&r, p);
        if (nres == 0)
            put(&r, "\nYou can apply this plan to save these new output values to the vpce "
                    "state, without changing any real infrastructure.\n");
    }
done:
    json_decref(r.path);
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}
