/* util/diag.c: source files with line maps, and diagnostics printed with caret lines. */
#include "util/util.h"

#include <string.h>

vpce_source *vpce_source_new(const char *name, const char *text, size_t len)
{
    vpce_source *src = vpce_calloc(1, sizeof(*src));
    src->refs = 1;
    src->name = vpce_strdup(name);
    src->text = vpce_malloc(len + 1);
    if (len)
        memcpy(src->text, text, len);
    src->text[len] = '\0';
    src->len = len;
    size_t alloc = 64;
    src->line_starts = vpce_malloc(alloc * sizeof(uint32_t));
    src->line_starts[0] = 0;
    src->nlines = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\n')
            continue;
        if (src->nlines == alloc) {
            alloc *= 2;
            src->line_starts = vpce_realloc(src->line_starts, alloc * sizeof(uint32_t));
        }
        src->line_starts[src->nlines++] = (uint32_t)(i + 1);
    }
    return src;
}

const vpce_source *vpce_source_ref(const vpce_source *src)
{
    if (src)
        __atomic_add_fetch(&((vpce_source *)src)->refs, 1, __ATOMIC_RELAXED);
    return src;
}

void vpce_source_free(const vpce_source *csrc)
{
    vpce_source *src = (vpce_source *)csrc;
    if (!src || __atomic_sub_fetch(&src->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    free(src->name);
    free(src->text);
    free(src->line_starts);
    free(src);
}

static size_t line_index(const vpce_source *src, size_t offset)
{
    size_t lo = 0, hi = src->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (src->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Columns count characters: a valid UTF-8 sequence is one column, and so is each byte that is
 * not part of one (it is shown as '?').
 */
static int count_chars(const char *s, size_t n)
{
    int c = 0;
    size_t i = 0;
    while (i < n) {
        size_t len = vpce_utf8_seq_len((const unsigned char *)s + i, n - i);
        i += len ? len : 1;
        c++;
    }
    return c;
}

void vpce_source_pos(const vpce_source *src, size_t offset, int *line, int *col)
{
    if (offset > src->len)
        offset = src->len;
    size_t li = line_index(src, offset);
    *line = (int)li + 1;
    *col = count_chars(src->text + src->line_starts[li], offset - src->line_starts[li]) + 1;
}

const char *vpce_source_line(const vpce_source *src, size_t offset, size_t *len)
{
    if (offset > src->len)
        offset = src->len;
    size_t li = line_index(src, offset);
    size_t start = src->line_starts[li];
    size_t end = li + 1 < src->nlines ? src->line_starts[li + 1] - 1 : src->len;
    if (end > start && src->text[end - 1] == '\r')
        end--;
    *len = end - start;
    return src->text + start;
}

void vpce_diags_release(vpce_diags *d)
{
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].summary);
        free(d->items[i].detail);
        vpce_source_free(d->items[i].range.src);
    }
    free(d->items);
    d->items = NULL;
    d->len = d->alloc = d->nerrors = 0;
}

static int vadd(vpce_diags *d, vpce_severity sev, vpce_range range, const char *detail,
                const char *fmt, va_list ap)
{
    if (d->len == d->alloc) {
        d->alloc = d->alloc ? d->alloc * 2 : 8;
        d->items = vpce_realloc(d->items, d->alloc * sizeof(vpce_diag));
    }
    vpce_diag *g = &d->items[d->len++];
    g->severity = sev;
    g->summary = vpce_vasprintf(fmt, ap);
    g->detail = detail ? vpce_strdup(detail) : NULL;
    g->range = range;
    vpce_source_ref(range.src);
    if (sev == VPCE_DIAG_ERROR) {
        d->nerrors++;
        return VPCE_EINVALID;
    }
    return 0;
}

int vpce_diags_add(vpce_diags *d, vpce_severity sev, vpce_range range, const char *detail,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(d, sev, range, detail, fmt, ap);
    va_end(ap);
    return rc;
}

int vpce_diags_error(vpce_diags *d, vpce_range range, const char *detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(d, VPCE_DIAG_ERROR, range, detail, fmt, ap);
    va_end(ap);
    return rc;
}

int vpce_diags_warning(vpce_diags *d, vpce_range range, const char *detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(d, VPCE_DIAG_WARNING, range, detail, fmt, ap);
    va_end(ap);
    return rc;
}

bool vpce_diags_has_errors(const vpce_diags *d)
{
    return d->nerrors > 0;
}

void vpce_diags_append(vpce_diags *dst, vpce_diags *src)
{
    for (size_t i = 0; i < src->len; i++) {
        if (dst->len == dst->alloc) {
            dst->alloc = dst->alloc ? dst->alloc * 2 : 8;
            dst->items = vpce_realloc(dst->items, dst->alloc * sizeof(vpce_diag));
        }
        dst->items[dst->len++] = src->items[i];
    }
    dst->nerrors += src->nerrors;
    free(src->items);
    src->items = NULL;
    src->len = src->alloc = src->nerrors = 0;
}

static int diag_cmp(const vpce_diag *a, const vpce_diag *b)
{
    const char *na = a->range.src ? a->range.src->name : "";
    const char *nb = b->range.src ? b->range.src->name : "";
    int c = strcmp(na, nb);
    if (c)
        return c;
    if (a->range.start != b->range.start)
        return a->range.start < b->range.start ? -1 : 1;
    return 0;
}

void vpce_diags_sort(vpce_diags *d)
{
    /* Insertion sort: stable, and diagnostics lists are short. */
    for (size_t i = 1; i < d->len; i++) {
        vpce_diag tmp = d->items[i];
        size_t j = i;
        while (j > 0 && diag_cmp(&d->items[j - 1], &tmp) > 0) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = tmp;
    }
}

/* Longest source line shown in full; longer ones are cut around the range. */
#define MAX_SHOWN 200

static void print_one(const vpce_diag *g, FILE *out, bool color)
{
    const char *sev = g->severity == VPCE_DIAG_ERROR ? "error" : "warning";
    const char *sev_color = g->severity == VPCE_DIAG_ERROR ? "\033[1;31m" : "\033[1;35m";
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const vpce_source *src = g->range.src;
    if (src) {
        int line, col;
        vpce_source_pos(src, g->range.start, &line, &col);
        fprintf(out, "%s%s:%d:%d:%s %s%s:%s %s%s%s\n", bold, src->name, line, col, reset,
                color ? sev_color : "", sev, reset, bold, g->summary, reset);
        size_t len;
        const char *text = vpce_source_line(src, g->range.start, &len);
        size_t lstart = (size_t)(text - src->text);
        size_t from = 0, to = len;
        size_t caret = g->range.start - lstart;
        if (len > MAX_SHOWN) {
            from = caret > MAX_SHOWN / 2 ? caret - MAX_SHOWN / 2 : 0;
            to = from + MAX_SHOWN < len ? from + MAX_SHOWN : len;
        }
        /* Show the line with control bytes and invalid UTF-8 replaced, so binary input cannot
         * disturb a terminal; the caret line counts columns the same way. */
        fputs("  ", out);
        for (size_t i = from; i < to;) {
            unsigned char c = (unsigned char)text[i];
            size_t n = vpce_utf8_seq_len((const unsigned char *)text + i, to - i);
            if (n > 1)
                fwrite(text + i, 1, n, out);
            else
                fputc(c == '\t' ? ' ' : (n == 0 || c < 0x20 || c == 0x7f) ? '?' : c, out);
            i += n ? n : 1;
        }
        fputs("\n  ", out);
        if (caret > from)
            for (int i = count_chars(text + from, (caret < to ? caret : to) - from); i > 0; i--)
                fputc(' ', out);
        size_t end = g->range.end > g->range.start ? g->range.end - lstart : caret + 1;
        if (end > to)
            end = to > caret ? to : caret + 1;
        fprintf(out, "%s^", color ? sev_color : "");
        int width = end > caret && caret < len ? count_chars(text + caret, end - caret) : 1;
        for (int i = 1; i < width; i++)
            fputc('~', out);
        fprintf(out, "%s\n", reset);
    } else {
        fprintf(out, "%s%s:%s %s%s%s\n", color ? sev_color : "", sev, reset, bold, g->summary,
                reset);
    }
    if (g->detail && *g->detail) {
        const char *p = g->detail;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(out, "  %.*s\n", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
    }
}

void vpce_diags_print(const vpce_diags *d, FILE *out, bool color)
{
    for (size_t i = 0; i < d->len; i++)
        print_one(&d->items[i], out, color);
}

static json_t *pos_json(const vpce_source *src, size_t off)
{
    int line, col;
    vpce_source_pos(src, off, &line, &col);
    return json_pack("{s:i,s:i,s:I}", "line", line, "column", col, "byte", (json_int_t)off);
}

json_t *vpce_diags_to_json(const vpce_diags *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < d->len; i++) {
        const vpce_diag *g = &d->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "severity",
                            json_string(g->severity == VPCE_DIAG_ERROR ? "error" : "warning"));
        json_object_set_new(o, "summary", vpce_json_string_lossy(g->summary, strlen(g->summary)));
        const char *detail = g->detail ? g->detail : "";
        json_object_set_new(o, "detail", vpce_json_string_lossy(detail, strlen(detail)));
        if (g->range.src) {
            json_t *r = json_object();
            const char *name = g->range.src->name;
            json_object_set_new(r, "filename", vpce_json_string_lossy(name, strlen(name)));
            json_object_set_new(r, "start", pos_json(g->range.src, g->range.start));
            json_object_set_new(r, "end", pos_json(g->range.src, g->range.end));
            json_object_set_new(o, "range", r);
        }
        json_array_append_new(arr, o);
    }
    return arr;
}
