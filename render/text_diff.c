/*
 * render/text_diff.c: values and their changes in HCL syntax, for the human plan. Values are
 * shown in HCL syntax;
 * unchanged attributes are hidden behind a count; JSON strings (policies) are shown as
 * jsonencode() with a structural diff; "=" signs are aligned within each object or block.
 *
 * Every line has the shape INDENT SYMBOL TEXT: four spaces per nesting level, then a four-column
 * symbol field ("  + ", "  ~ ", "-/+ ", "    " ...). The closing brace of a body is a no-op line
 * of the level that opened it.
 */
#include "lang/lang.h"
#include "render/text.h"

#include <stdlib.h>
#include <string.h>

void txt_putn_slow(rctx *r, const char *s, size_t n)
{
    if (vpce_buf_append(r->b, s, n) < 0)
        r->failed = true;
}

static void putn(rctx *r, const char *s, size_t n)
{
    txt_putn(r, s, n);
}

void txt_putf(rctx *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vpce_buf_vprintf(r->b, fmt, ap) < 0)
        r->failed = true;
    va_end(ap);
}

/* The four-column symbol field of an action. */
void txt_sym(rctx *r, int act)
{
    if (!r->color) {
        /* The common case, without escapes: one append. */
        static const char *const plain[A_COUNT] = {
            [A_NOOP] = "    ", [A_CREATE] = "  + ", [A_DELETE] = "  - ", [A_UPDATE] = "  ~ ",
            [A_DTC] = "-/+ ",  [A_CTD] = "+/- ",    [A_READ] = " <= ",   [A_FORGET] = " . ",
        };
        if (act >= 0 && act < A_COUNT && plain[act]) {
            txt_putn(r, plain[act], act == A_FORGET ? 3 : 4);
            return;
        }
    }
    switch (act) {
    case A_NOOP:
        txt_put(r, "    ");
        return;
    case A_CREATE:
        txt_put(r, "  ");
        txt_color_on(r, C_GREEN);
        txt_put(r, "+");
        break;
    case A_DELETE:
        txt_put(r, "  ");
        txt_color_on(r, C_RED);
        txt_put(r, "-");
        break;
    case A_UPDATE:
        txt_put(r, "  ");
        txt_color_on(r, C_YELLOW);
        txt_put(r, "~");
        break;
    case A_DTC:
        txt_color_on(r, C_RED);
        txt_put(r, "-");
        txt_color_off(r);
        txt_put(r, "/");
        txt_color_on(r, C_GREEN);
        txt_put(r, "+");
        break;
    case A_CTD:
        txt_color_on(r, C_GREEN);
        txt_put(r, "+");
        txt_color_off(r);
        txt_put(r, "/");
        txt_color_on(r, C_RED);
        txt_put(r, "-");
        break;
    case A_READ:
        txt_put(r, " ");
        txt_color_on(r, C_CYAN);
        txt_put(r, "<=");
        break;
    case A_FORGET:
        /* Terraform's forget symbol is one column narrower than the others */
        txt_put(r, " ");
        txt_color_on(r, C_RED);
        txt_put(r, ".");
        break;
    }
    txt_color_off(r);
    txt_put(r, " ");
}

void txt_prefix(rctx *r, int level, int act)
{
    size_t ind = level > 0 ? (size_t)level * 4 : 0;
    vpce_buf *b = r->b;
    /* Without colour, and with room for it, the whole prefix in place: four bytes at a time. */
    if (!r->color && act >= 0 && act < A_COUNT && ind <= 256 && ind + 5 < b->alloc - b->len &&
        ind + 4 <= b->cap - b->len) {
        static const char plain[A_COUNT][4] = {
            [A_NOOP] = "    ", [A_CREATE] = "  + ", [A_DELETE] = "  - ", [A_UPDATE] = "  ~ ",
            [A_DTC] = "-/+ ",  [A_CTD] = "+/- ",    [A_READ] = " <= ",   [A_FORGET] = " .  ",
        };
        char *p = b->data + b->len;
        for (size_t i = 0; i < ind; i += 4)
            memcpy(p + i, "    ", 4);
        memcpy(p + ind, plain[act], 4);
        b->len += ind + (act == A_FORGET ? 3 : 4);
        b->data[b->len] = '\0';
        return;
    }
    static const char spaces[] = "                                                                ";
    while (ind > 0) {
        size_t k = ind < sizeof(spaces) - 1 ? ind : sizeof(spaces) - 1;
        txt_putn(r, spaces, k);
        ind -= k;
    }
    txt_sym(r, act);
}

static void comment(rctx *r, int level, const char *fmt, size_t n, const char *one,
                    const char *many)
{
    txt_prefix(r, level, A_NOOP);
    txt_color_on(r, C_GRAY);
    txt_putf(r, fmt, n, n == 1 ? one : many);
    txt_color_off(r);
    txt_put(r, "\n");
}

/* ---- values ------------------------------------------------------------------------------ */

bool txt_is_null(const json_t *v)
{
    return v == NULL || json_is_null(v);
}

/* vpce_is_unknown without a hash lookup: the marker is the one key of its object. */
static bool is_unknown(const json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return false;
    const char *k = json_object_iter_key(json_object_iter((json_t *)v));
    return k && k[0] == VPCE_UNKNOWN_KEY[0] && strcmp(k, VPCE_UNKNOWN_KEY) == 0;
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
size_t txt_display_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* A string literal, quoted and escaped as Terraform's plan renderer does (Go's %q: template
   sequences are left as they are). */
void txt_put_quoted(rctx *r, const char *s, size_t len)
{
    txt_put(r, "\"");
    /* Characters that need no escape are copied in runs, not one append each. */
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
            continue;
        if (i > run)
            putn(r, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            txt_put(r, "\\\"");
            break;
        case '\\':
            txt_put(r, "\\\\");
            break;
        case '\n':
            txt_put(r, "\\n");
            break;
        case '\r':
            txt_put(r, "\\r");
            break;
        case '\t':
            txt_put(r, "\\t");
            break;
        case '\a':
            txt_put(r, "\\a");
            break;
        case '\b':
            txt_put(r, "\\b");
            break;
        case '\f':
            txt_put(r, "\\f");
            break;
        case '\v':
            txt_put(r, "\\v");
            break;
        default:
            txt_putf(r, "\\x%02x", c);
        }
    }
    if (len > run)
        putn(r, s + run, len - run);
    txt_put(r, "\"");
}

/* A map key or object attribute name is bare when it is an identifier and bare is allowed,
   quoted otherwise. */
static bool key_bare(const char *k, bool bare_ok)
{
    return bare_ok && is_ident(k);
}

/* The display width of k as put_key writes it. */
static size_t key_width(const char *k, bool bare_ok)
{
    if (key_bare(k, bare_ok))
        return txt_display_width(k);
    size_t w = 2; /* the quotes */
    for (const unsigned char *c = (const unsigned char *)k; *c; c++) {
        if (*c == '"' || *c == '\\' || *c == '\n' || *c == '\r' || *c == '\t' || *c == '\a' ||
            *c == '\b' || *c == '\f' || *c == '\v')
            w += 2;
        else if (*c < 0x20 || *c == 0x7f)
            w += 4; /* \xNN */
        else if ((*c & 0xC0) != 0x80)
            w++;
    }
    return w;
}

static void put_key(rctx *r, const char *k, bool bare_ok, size_t width)
{
    if (key_bare(k, bare_ok))
        txt_put(r, k);
    else
        txt_put_quoted(r, k, strlen(k));
    for (size_t w = key_width(k, bare_ok); w < width; w++)
        txt_putn(r, " ", 1);
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

/* Sorts n distinct strings. The keys of an object are few and often nearly in order: an
   insertion sort does them in about n comparisons, without qsort's calls. */
static void sort_keys(const char **keys, size_t n)
{
    if (n > 32) {
        qsort(keys, n, sizeof(*keys), cmp_str);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        const char *k = keys[i];
        size_t j = i;
        for (; j > 0 && strcmp(keys[j - 1], k) > 0; j--)
            keys[j] = keys[j - 1];
        keys[j] = k;
    }
}

/* The sorted union of the keys of two objects (either may be NULL). Free the array only. */
const char **txt_union_keys(const json_t *a, const json_t *b, size_t *n)
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
    sort_keys(keys, k);
    *n = k;
    return keys;
}

static int classify(const json_t *b, const json_t *a)
{
    if (txt_is_null(b) && txt_is_null(a))
        return A_NOOP;
    if (txt_is_null(b))
        return A_CREATE;
    if (txt_is_null(a))
        return A_DELETE;
    if (!vpce_contains_unknown(a) && vpce_value_equal(b, a))
        return A_NOOP;
    return A_UPDATE;
}

static bool is_composite(const json_t *v)
{
    return (json_is_object(v) && !is_unknown(v) && !vpce_is_bignum(v)) || json_is_array(v);
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
    txt_put(r, s);
    txt_put(r, "\n");
}

static void render_object_whole(rctx *r, const json_t *v, int act, int level, bool in_json)
{
    size_t n;
    const char **keys = txt_union_keys(v, NULL, &n);
    if (n == 0) {
        txt_put(r, "{}");
        free(keys);
        return;
    }
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = key_width(keys[i], in_json);
        width = w > width ? w : width;
    }
    txt_put(r, "{\n");
    for (size_t i = 0; i < n; i++) {
        txt_prefix(r, level + 1, act);
        put_key(r, keys[i], in_json, width);
        txt_put(r, " = ");
        txt_render_whole(r, json_object_get(v, keys[i]), act, level + 1, in_json);
        txt_put(r, "\n");
    }
    txt_prefix(r, level, A_NOOP);
    txt_put(r, "}");
    free(keys);
}

/* v in full, every nested line marked with act (A_CREATE, A_DELETE or A_NOOP). */
void txt_render_whole(rctx *r, const json_t *v, int act, int level, bool in_json)
{
    if (is_unknown(v)) {
        txt_put(r, "(known after apply)");
        return;
    }
    if (txt_is_null(v)) {
        txt_put(r, "null");
        return;
    }
    if (vpce_is_number(v)) {
        char *s = vpce_number_text(v); /* exact digits, never an exponent */
        txt_put(r, s ? s : "0");
        free(s);
        return;
    }
    switch (json_typeof(v)) {
    case JSON_STRING: {
        json_t *d = in_json ? NULL : json_in_string(v);
        if (d) {
            txt_put(r, "jsonencode(\n");
            txt_prefix(r, level + 1, A_NOOP);
            txt_render_whole(r, d, act, level + 1, true);
            txt_put(r, "\n");
            txt_prefix(r, level, A_NOOP);
            txt_put(r, ")");
            json_decref(d);
        } else if (!in_json && is_multiline(v)) {
            json_t *lines = split_lines(v);
            size_t i;
            json_t *l;
            txt_put(r, "<<-EOT\n");
            json_array_foreach(lines, i, l)
            {
                txt_prefix(r, level + 1, A_NOOP);
                put_heredoc_line(r, json_string_value(l));
            }
            txt_prefix(r, level, A_NOOP);
            txt_put(r, "EOT");
            json_decref(lines);
        } else {
            txt_put_quoted(r, json_string_value(v), json_string_length(v));
        }
        return;
    }
    case JSON_INTEGER:
    case JSON_REAL: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        txt_put(r, s ? s : "0");
        free(s);
        return;
    }
    case JSON_TRUE:
        txt_put(r, "true");
        return;
    case JSON_FALSE:
        txt_put(r, "false");
        return;
    case JSON_ARRAY: {
        if (json_array_size(v) == 0) {
            txt_put(r, "[]");
            return;
        }
        txt_put(r, "[\n");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            txt_prefix(r, level + 1, act);
            txt_render_whole(r, e, act, level + 1, in_json);
            txt_put(r, ",\n");
        }
        txt_prefix(r, level, A_NOOP);
        txt_put(r, "]");
        return;
    }
    case JSON_OBJECT:
        render_object_whole(r, v, act, level, in_json);
        return;
    case JSON_NULL:
        txt_put(r, "null");
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
                   !is_unknown(ops[d0 + np].b) && json_is_object(ops[d1 + np].a) &&
                   !is_unknown(ops[d1 + np].a))
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
    txt_put(r, "[\n");
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
            txt_prefix(r, level + 1, A_NOOP);
            txt_render_whole(r, ops[i].b, A_NOOP, level + 1, in_json);
            break;
        case OP_DEL:
            txt_prefix(r, level + 1, A_DELETE);
            txt_render_whole(r, ops[i].b, A_DELETE, level + 1, in_json);
            break;
        case OP_INS:
            txt_prefix(r, level + 1, A_CREATE);
            txt_render_whole(r, ops[i].a, A_CREATE, level + 1, in_json);
            break;
        case OP_UPD:
            txt_prefix(r, level + 1, A_UPDATE);
            txt_render_diff(r, ops[i].b, ops[i].a, level + 1, in_json);
            break;
        }
        txt_put(r, ",\n");
    }
    if (hidden)
        comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "element", "elements");
    txt_prefix(r, level, A_NOOP);
    txt_put(r, "]");
    free(ops);
}

/* Multi-line strings: a heredoc with a line diff. */
static void render_heredoc_diff(rctx *r, const json_t *b, const json_t *a, int level)
{
    json_t *lb = split_lines(b), *la = split_lines(a);
    size_t n;
    op *ops = list_ops(lb, la, false, &n);
    txt_put(r, "<<-EOT\n");
    for (size_t i = 0; i < n; i++) {
        int act = ops[i].kind == OP_DEL ? A_DELETE : ops[i].kind == OP_INS ? A_CREATE : A_NOOP;
        txt_prefix(r, level + 1, act);
        put_heredoc_line(r, json_string_value(ops[i].kind == OP_INS ? ops[i].a : ops[i].b));
    }
    txt_prefix(r, level, A_NOOP);
    txt_put(r, "EOT");
    free(ops);
    json_decref(lb);
    json_decref(la);
}

/* ---- objects and maps -------------------------------------------------------------------- */

static void render_object_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json)
{
    size_t n;
    const char **keys = txt_union_keys(b, a, &n);
    size_t width = 0, hidden = 0;
    for (size_t i = 0; i < n; i++) {
        if (classify(json_object_get(b, keys[i]), json_object_get(a, keys[i])) == A_NOOP &&
            txt_is_null(json_object_get(b, keys[i])))
            continue;
        size_t w = key_width(keys[i], in_json);
        width = w > width ? w : width;
    }
    txt_put(r, "{\n");
    for (size_t i = 0; i < n; i++) {
        const json_t *vb = json_object_get(b, keys[i]), *va = json_object_get(a, keys[i]);
        int act = classify(vb, va);
        if (act == A_NOOP) {
            if (!txt_is_null(vb))
                hidden++;
            continue;
        }
        txt_prefix(r, level + 1, act);
        put_key(r, keys[i], in_json, width);
        txt_put(r, " = ");
        if (act == A_CREATE) {
            txt_render_whole(r, va, A_CREATE, level + 1, in_json);
        } else if (act == A_DELETE) {
            txt_render_whole(r, vb, A_DELETE, level + 1, in_json);
            if (!in_json) /* removed map elements end so, removed JSON members do not */
                txt_put(r, " -> null");
        } else {
            txt_render_diff(r, vb, va, level + 1, in_json);
        }
        txt_put(r, "\n");
    }
    if (hidden) {
        if (in_json)
            comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "attribute", "attributes");
        else
            comment(r, level + 1, "# (%zu unchanged %s hidden)", hidden, "element", "elements");
    }
    txt_prefix(r, level, A_NOOP);
    txt_put(r, "}");
    free(keys);
}

/* The change from b to a (both present, not equal), starting after "name = ". */
void txt_render_diff(rctx *r, const json_t *b, const json_t *a, int level, bool in_json)
{
    if (is_unknown(a)) {
        txt_render_whole(r, b, is_composite(b) ? A_DELETE : A_NOOP, level, in_json);
        txt_put(r, " -> (known after apply)");
        return;
    }
    if (is_unknown(b)) {
        txt_put(r, "(known after apply) -> ");
        txt_render_whole(r, a, A_NOOP, level, in_json);
        return;
    }
    json_t *db = in_json ? NULL : json_in_string(b);
    json_t *da = db ? json_in_string(a) : NULL;
    if (db && da && json_typeof(db) == json_typeof(da)) {
        txt_put(r, "jsonencode(\n");
        if (vpce_value_equal(db, da)) {
            txt_prefix(r, level + 1, A_NOOP);
            txt_put(r, "# whitespace changes\n");
        } else {
            txt_prefix(r, level + 1, A_UPDATE);
            txt_render_diff(r, db, da, level + 1, true);
            txt_put(r, "\n");
        }
        txt_prefix(r, level, A_NOOP);
        txt_put(r, ")");
    } else if (!in_json && json_is_string(b) && json_is_string(a) &&
               (is_multiline(b) || is_multiline(a))) {
        render_heredoc_diff(r, b, a, level);
    } else if (json_is_array(b) && json_is_array(a)) {
        render_list_diff(r, b, a, level, in_json);
    } else if (is_composite(b) && is_composite(a) && json_is_object(b) && json_is_object(a)) {
        render_object_diff(r, b, a, level, in_json);
    } else {
        txt_render_whole(r, b, A_DELETE, level, in_json);
        txt_put(r, " -> ");
        txt_render_whole(r, a, A_CREATE, level, in_json);
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
    json_array_foreach(v, i, e) if (!json_is_object(e) || is_unknown(e)) return false;
    return true;
}

/* A list of objects on one side (and a list or nothing on the other) is shown as nested blocks. */
static bool is_block(const json_t *b, const json_t *a)
{
    if (!(txt_is_null(b) || json_is_array(b)) || !(txt_is_null(a) || json_is_array(a)))
        return false;
    if (!(all_objects(b) || all_objects(a)))
        return false;
    return (txt_is_null(b) || json_array_size(b) == 0 || all_objects(b)) &&
           (txt_is_null(a) || json_array_size(a) == 0 || all_objects(a));
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
    txt_put(r, " ");
    txt_color_on(r, C_RED);
    txt_put(r, "# forces replacement");
    txt_color_off(r);
}

/* Renders a value into a separate buffer so "# forces replacement" can end its first line. */
static void attr_value_into(rctx *r, int act, const json_t *vb, const json_t *va, int level,
                            bool sensitive)
{
    if (sensitive) {
        txt_put(r, "(sensitive value)");
        if (act == A_DELETE)
            txt_put(r, " -> null");
    } else if (act == A_CREATE) {
        txt_render_whole(r, va, A_CREATE, level, false);
    } else if (act == A_DELETE) {
        txt_render_whole(r, vb, A_DELETE, level, false);
        txt_put(r, " -> null");
    } else if (act == A_NOOP) {
        txt_render_whole(r, va, A_NOOP, level, false);
    } else {
        txt_render_diff(r, vb, va, level, false);
    }
}

static void attr_value(rctx *r, int act, const json_t *vb, const json_t *va, int level,
                       bool sensitive)
{
    /* Without replace paths nothing is appended to the first line: render in place. */
    if (act == A_NOOP || json_array_size(r->replace_paths) == 0) {
        attr_value_into(r, act, vb, va, level, sensitive);
        return;
    }
    vpce_buf tmp = VPCE_BUF_INIT(TEXT_CAP);
    vpce_buf *main = r->b;
    r->b = &tmp;
    attr_value_into(r, act, vb, va, level, sensitive);
    r->b = main;
    const char *s = vpce_buf_cstr(&tmp);
    const char *nl = strchr(s, '\n');
    if (act != A_NOOP && forces_replacement(r)) {
        putn(r, s, nl ? (size_t)(nl - s) : strlen(s));
        put_forces(r);
        if (nl)
            txt_put(r, nl);
    } else {
        txt_put(r, s);
    }
    vpce_buf_release(&tmp);
}

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
            txt_put(r, "\n");
        first = false;
        int act = ops[i].kind == OP_DEL ? A_DELETE : ops[i].kind == OP_INS ? A_CREATE : A_UPDATE;
        txt_prefix(r, level, act);
        txt_put(r, name);
        txt_put(r, " {");
        json_array_append_new(r->path, json_string(name));
        if (forces_replacement(r))
            put_forces(r);
        txt_put(r, "\n");
        json_array_append_new(r->path, json_integer((json_int_t)i));
        if (is_sensitive(r, level, name)) {
            txt_prefix(r, level + 1, A_NOOP);
            txt_put(r, "# At least one attribute in this block is (or was) sensitive,\n");
            txt_prefix(r, level + 1, A_NOOP);
            txt_put(r, "# so its contents will not be displayed.\n");
        } else {
            txt_render_body(r, ops[i].b, ops[i].a, level + 1);
        }
        json_array_remove(r->path, json_array_size(r->path) - 1);
        json_array_remove(r->path, json_array_size(r->path) - 1);
        txt_prefix(r, level, A_NOOP);
        txt_put(r, "}\n");
    }
    free(ops);
}

/* One attribute of a body: its name, its value before and after (either NULL), and what the
   three passes of txt_render_body need to know of it. */
typedef struct attr {
    const char *key;
    const json_t *vb, *va;
    size_t idx;   /* position in the objects' own order */
    size_t width; /* of the name */
    bool skip;    /* null on both sides */
    bool block;   /* shown as nested blocks */
} attr;

/*
 * The sorted order of a list of names given in the order an object holds them. The bodies of
 * one resource type come with the same names in the same order, so the order (and the names'
 * widths) is worked out once per list and found again by comparing the names.
 */
typedef struct txt_order {
    size_t n;
    char **keys;   /* the names in the object's order (one allocation with perm, width, text) */
    size_t *perm;  /* perm[j]: the index in keys of the j-th name in sorted order */
    size_t *width; /* width[j]: the display width of that name */
} txt_order;

/* Orders kept per rendering, the most recently used first; bodies with more names than
   ORDER_MAX_NAMES are sorted each time. */
#define ORDERS_MAX      16
#define ORDER_MAX_NAMES 64
struct txt_orders {
    size_t n;
    txt_order o[ORDERS_MAX];
};

void txt_release(rctx *r)
{
    if (!r->orders)
        return;
    for (size_t i = 0; i < r->orders->n; i++)
        free(r->orders->o[i].keys);
    free(r->orders);
    r->orders = NULL;
}

static bool same_names(const txt_order *o, const attr *v, size_t n)
{
    if (o->n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (o->keys[i][0] != v[i].key[0] || strcmp(o->keys[i], v[i].key) != 0)
            return false;
    return true;
}

/* The order of the names of v[0..n) (in the objects' order), found or worked out; NULL when
   the names are too many to keep. */
static const txt_order *names_order(rctx *r, const attr *v, size_t n)
{
    if (n > ORDER_MAX_NAMES)
        return NULL;
    if (!r->orders)
        r->orders = vpce_calloc(1, sizeof(*r->orders));
    txt_order *o = r->orders->o;
    for (size_t i = 0; i < r->orders->n; i++) {
        if (!same_names(&o[i], v, n))
            continue;
        if (i > 0) {
            txt_order t = o[i];
            memmove(o + 1, o, i * sizeof(*o));
            o[0] = t;
        }
        return &o[0];
    }
    /* A new one, in front; the least recently used goes when all places are taken. */
    if (r->orders->n == ORDERS_MAX)
        free(o[--r->orders->n].keys);
    memmove(o + 1, o, r->orders->n * sizeof(*o));
    r->orders->n++;
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        text += strlen(v[i].key) + 1;
    char *mem = vpce_malloc(n * (sizeof(char *) + 2 * sizeof(size_t)) + text + 1);
    txt_order t = {.n = n,
                   .keys = (char **)mem,
                   .perm = (size_t *)(mem + n * sizeof(char *)),
                   .width = (size_t *)(mem + n * (sizeof(char *) + sizeof(size_t)))};
    char *p = mem + n * (sizeof(char *) + 2 * sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i].key) + 1;
        memcpy(p, v[i].key, len);
        t.keys[i] = p;
        p += len;
    }
    /* Insertion sort of the indices; the names are distinct. */
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j > 0 && strcmp(t.keys[t.perm[j - 1]], t.keys[i]) > 0; j--)
            t.perm[j] = t.perm[j - 1];
        t.perm[j] = i;
    }
    for (size_t j = 0; j < n; j++)
        t.width[j] = txt_display_width(t.keys[t.perm[j]]);
    o[0] = t;
    return &o[0];
}

static int cmp_attr(const void *a, const void *b)
{
    return strcmp(((const attr *)a)->key, ((const attr *)b)->key);
}

/* The attributes of objects b and a (either NULL, or the same) sorted by name, each with its
   values: one walk of each object, a lookup in the other only for b's names. *n entries,
   caller frees. */
static attr *body_attrs(rctx *r, const json_t *b, const json_t *a, size_t *n)
{
    size_t cap = json_object_size(a) + (b != a ? json_object_size(b) : 0);
    /* the names as the objects hold them, then sorted */
    attr *v = vpce_malloc((2 * cap + 1) * sizeof(*v));
    size_t k = 0;
    const char *key;
    json_t *x;
    if (a)
        json_object_foreach((json_t *)a, key, x)
        {
            const json_t *y = b == a ? x : b ? json_object_get(b, key) : NULL;
            v[k] = (attr){.key = key, .vb = y, .va = x, .idx = k};
            k++;
        }
    if (b && b != a)
        json_object_foreach((json_t *)b, key, x) if (!a || !json_object_get(a, key))
        {
            v[k] = (attr){.key = key, .vb = x, .va = NULL, .idx = k};
            k++;
        }
    *n = k;
    const txt_order *o = names_order(r, v, k);
    attr *sorted = v + k;
    if (o) {
        for (size_t j = 0; j < k; j++) {
            sorted[j] = v[o->perm[j]];
            sorted[j].width = o->width[j];
        }
    } else {
        memcpy(sorted, v, k * sizeof(*v));
        qsort(sorted, k, sizeof(*sorted), cmp_attr);
        for (size_t j = 0; j < k; j++)
            sorted[j].width = txt_display_width(sorted[j].key);
    }
    memmove(v, sorted, k * sizeof(*v));
    return v;
}

/* The attributes and nested blocks of an object body, from b to a (either NULL). */
void txt_render_body(rctx *r, const json_t *b, const json_t *a, int level)
{
    size_t n;
    attr *at = body_attrs(r, json_is_object(b) ? b : NULL, json_is_object(a) ? a : NULL, &n);
    size_t width = 0, hidden = 0, hidden_blocks = 0;
    bool has_attrs = false;
    for (size_t i = 0; i < n; i++) {
        attr *e = &at[i];
        e->skip = txt_is_null(e->vb) && txt_is_null(e->va);
        e->block = !e->skip && is_block(e->vb, e->va);
        if (e->skip || e->block)
            continue;
        width = e->width > width ? e->width : width;
        has_attrs = true;
    }
    /* The path is only looked at for "# forces replacement". */
    bool track = json_array_size(r->replace_paths) > 0;
    for (size_t i = 0; i < n; i++) {
        const attr *e = &at[i];
        if (e->skip || e->block)
            continue;
        int act = classify(e->vb, e->va);
        if (act == A_NOOP && !important(e->key)) {
            hidden++;
            continue;
        }
        bool sens = is_sensitive(r, level, e->key);
        if (track)
            json_array_append_new(r->path, json_string(e->key));
        txt_prefix(r, level, act);
        txt_put(r, e->key);
        static const char spaces[] = "                                                ";
        for (size_t w = e->width; w < width;) {
            size_t k = width - w < sizeof(spaces) - 1 ? width - w : sizeof(spaces) - 1;
            putn(r, spaces, k);
            w += k;
        }
        txt_putn(r, " = ", 3);
        attr_value(r, act, e->vb, e->va, level, sens);
        txt_putn(r, "\n", 1);
        if (track)
            json_array_remove(r->path, json_array_size(r->path) - 1);
    }
    if (hidden)
        comment(r, level, "# (%zu unchanged %s hidden)", hidden, "attribute", "attributes");
    for (size_t i = 0; i < n; i++) {
        const attr *e = &at[i];
        if (!e->block)
            continue;
        render_blocks(r, e->key, e->vb, e->va, level, has_attrs, &hidden_blocks);
    }
    free(at);
    if (hidden_blocks) {
        txt_put(r, "\n");
        comment(r, level, "# (%zu unchanged %s hidden)", hidden_blocks, "block", "blocks");
    }
}
