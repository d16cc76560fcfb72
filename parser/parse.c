/* parser/parse.c: the parse driver behind vpce_parse(): sets up the scanner and the grammar. */
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "parser/parse_internal.h"
#include "parser/grammar.h"
#define YYSTYPE VPCE_YYSTYPE
#define YYLTYPE VPCE_YYLTYPE
#include "parser/lexer.h"

void parse_error(parse_ctx *ctx, uint32_t start, uint32_t end, const char *detail, const char *fmt,
                 ...)
{
    if (ctx->nerrors >= PARSE_MAX_ERRORS)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vpce_vasprintf(fmt, ap);
    va_end(ap);
    vpce_range r = {ctx->src, start, end};
    vpce_diags_error(ctx->diags, r, detail, "%s", msg);
    free(msg);
    if (++ctx->nerrors == PARSE_MAX_ERRORS) {
        vpce_diags_error(ctx->diags, r, NULL, "too many errors in this file, giving up");
        ctx->fatal = true;
        ctx->eof_reported = true;
    }
}

void plist_push(parse_ctx *ctx, plist **l, void *item)
{
    plist *p = *l;
    if (!p) {
        p = vpce_arena_alloc(ctx->file->arena, sizeof(*p));
        *l = p;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        void **items = vpce_arena_alloc(ctx->file->arena, cap * sizeof(void *));
        if (p->n)
            memcpy(items, p->items, p->n * sizeof(void *));
        p->items = items;
        p->cap = cap;
    }
    p->items[p->n++] = item;
}

char *parse_quote_bytes(const char *s, size_t len, size_t max)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_putc(&b, '"');
    size_t shown = 0;
    for (size_t i = 0; i < len;) {
        if (shown >= max) {
            vpce_buf_puts(&b, "...");
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            vpce_buf_putc(&b, '\\');
            vpce_buf_putc(&b, (char)c);
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            vpce_buf_putc(&b, (char)c);
            i++;
        } else if (c == '\n') {
            vpce_buf_puts(&b, "\\n");
            i++;
        } else if (c == '\t') {
            vpce_buf_puts(&b, "\\t");
            i++;
        } else {
            size_t k = c >= 0x80 ? vpce_utf8_seq_len((const unsigned char *)s + i, len - i) : 0;
            if (k) {
                vpce_buf_append(&b, s + i, k);
                i += k;
            } else {
                vpce_buf_printf(&b, "\\x%02x", c);
                i++;
            }
        }
        shown++;
    }
    vpce_buf_putc(&b, '"');
    return vpce_buf_detach(&b);
}

static vpce_file *file_new(const char *name, const char *text, size_t len)
{
    vpce_file *f = vpce_calloc(1, sizeof(*f));
    f->src = vpce_source_new(name, text, len);
    f->arena = vpce_arena_new();
    return f;
}

void vpce_file_free(vpce_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->literals.len; i++)
        json_decref(f->literals.items[i]);
    vpce_vec_release(&f->literals);
    vpce_arena_free(f->arena);
    vpce_source_free(f->src);
    free(f);
}

/* Runs the grammar over f's source in file or expression mode. */
static int run(vpce_file *f, int start_token, vpce_ast_expr **expr, vpce_diags *diags)
{
    parse_ctx *ctx = vpce_calloc(1, sizeof(*ctx));
    yyscan_t scanner = NULL;
    int rc = 0;
    size_t before = diags->nerrors;

    ctx->file = f;
    ctx->src = f->src;
    ctx->diags = diags;
    ctx->start_token = start_token;
    ctx->pending_tok = -1;
    vpce_buf_init(&ctx->lit, VPCE_PARSE_MAX_FILE);

    if (f->src->len > VPCE_PARSE_MAX_FILE) {
        vpce_range r = {f->src, 0, 0};
        vpce_diags_error(diags, r, NULL, "file too large (more than %u bytes)",
                         (unsigned)VPCE_PARSE_MAX_FILE);
        goto cleanup;
    }
    if (vpce_yylex_init_extra(ctx, &scanner) != 0) {
        rc = vpce_error_set("cannot initialise the scanner");
        goto cleanup;
    }
    YY_BUFFER_STATE buf = vpce_yy_scan_bytes(f->src->text, (int)f->src->len, scanner);
    vpce_yyparse(scanner, ctx);
    vpce_yy_delete_buffer(buf, scanner);

cleanup:
    if (scanner)
        vpce_yylex_destroy(scanner);
    if (diags->nerrors > before || ctx->fatal) {
        if (rc == 0)
            rc = VPCE_EINVALID;
        /* what was parsed may be partial; a refused (too deep) tree is dropped entirely */
        if (ctx->fatal)
            ctx->body = NULL;
        ctx->expr = NULL;
    }
    if (start_token == START_FILE) {
        f->body = ctx->body;
        if (!f->body) {
            f->body = vpce_arena_alloc(f->arena, sizeof(vpce_ast_body));
            f->body->range.src = f->src;
            f->body->range.end = (uint32_t)(f->src->len <= UINT32_MAX ? f->src->len : 0);
        }
    }
    if (expr)
        *expr = ctx->expr;
    vpce_buf_release(&ctx->lit);
    free(ctx);
    return rc;
}

int vpce_parse(vpce_file **out, const char *name, const char *text, size_t len, vpce_diags *diags)
{
    vpce_file *f = file_new(name, text, len);
    *out = f;
    return run(f, START_FILE, NULL, diags);
}

int vpce_parse_expr(vpce_file **out, vpce_ast_expr **expr, const char *name, const char *text,
                    size_t len, vpce_diags *diags)
{
    vpce_file *f = file_new(name, text, len);
    *out = f;
    *expr = NULL;
    int rc = run(f, START_EXPR, expr, diags);
    if (rc == 0 && !*expr) {
        vpce_range r = {f->src, 0, (uint32_t)f->src->len};
        rc = vpce_diags_error(diags, r, NULL, "expected an expression");
    }
    return rc;
}

int vpce_parse_template(vpce_file **out, vpce_ast_expr **expr, const char *name, const char *text,
                        size_t len, vpce_diags *diags)
{
    vpce_file *f = file_new(name, text, len);
    *out = f;
    *expr = NULL;
    int rc = run(f, START_TEMPLATE, expr, diags);
    if (rc == 0 && !*expr) {
        vpce_range r = {f->src, 0, 0};
        rc = vpce_diags_error(diags, r, NULL, "expected a template");
    }
    return rc;
}

int vpce_parse_file(vpce_file **out, const char *path, vpce_diags *diags)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = vpce_read_file(&text, &len, path, VPCE_PARSE_MAX_FILE);
    if (rc != 0) {
        vpce_range r = {NULL, 0, 0};
        vpce_diags_error(diags, r, vpce_error_last(), "cannot read \"%s\"", path);
        return rc == VPCE_ETOOBIG ? VPCE_ETOOBIG : VPCE_EINVALID;
    }
    rc = vpce_parse(out, path, text, len, diags);
    free(text);
    return rc;
}

/* ---- identifiers -------------------------------------------------------------------------- */

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Combining marks and the few other ID_Continue characters the C library does not count as
   letters or digits. */
static bool extra_continue(uint32_t cp)
{
    static const uint32_t ranges[][2] = {
        {0x00B7, 0x00B7}, {0x0300, 0x036F}, {0x0387, 0x0387}, {0x0483, 0x0487},   {0x0591, 0x05BD},
        {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0900, 0x0903}, {0x093A, 0x094F},   {0x0951, 0x0957},
        {0x0962, 0x0963}, {0x1369, 0x1371}, {0x19DA, 0x19DA}, {0x1AB0, 0x1AFF},   {0x1DC0, 0x1DFF},
        {0x200C, 0x200D}, {0x203F, 0x2040}, {0x20D0, 0x20FF}, {0x3099, 0x309A},   {0xFE00, 0xFE0F},
        {0xFE20, 0xFE2F}, {0xFE33, 0xFE34}, {0xFF3F, 0xFF3F}, {0xE0100, 0xE01EF},
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    return false;
}

/* Without the C.UTF-8 tables: everything but spaces, format characters and symbols counts. */
static bool fallback_letter(uint32_t cp)
{
    return !(cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 ||
             cp == 0xFEFF || (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
             (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xE000 && cp <= 0xF8FF) ||
             (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7);
}

static bool ident_char(uint32_t cp, bool first)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
               (!first && ((cp >= '0' && cp <= '9') || cp == '-'));
    pthread_once(&utf8_once, utf8_locale_init);
    if (utf8_locale == (locale_t)0)
        return fallback_letter(cp);
    if (iswalpha_l((wint_t)cp, utf8_locale))
        return true;
    return !first && (iswalnum_l((wint_t)cp, utf8_locale) || extra_continue(cp));
}

uint32_t parse_utf8_decode(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = n ? vpce_utf8_seq_len(u, n) : 0;
    if (k == 2)
        return ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
    if (k == 3)
        return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
    if (k == 4)
        return ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) |
               (u[3] & 0x3Fu);
    return n ? u[0] : 0;
}

size_t parse_ident_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    /* ASCII only (nearly always): the scanner's pattern already made it an identifier. */
    while (i < n && u[i] < 0x80)
        i++;
    if (i == n)
        return n;
    i = 0;
    while (i < n) {
        size_t k = vpce_utf8_seq_len(u + i, n - i);
        if (k == 0)
            return i;
        uint32_t cp = parse_utf8_decode(s + i, n - i);
        if (!ident_char(cp, i == 0))
            return i;
        i += k;
    }
    return i;
}
