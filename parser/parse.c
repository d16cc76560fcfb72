/* parser/parse.c: the parse driver behind vpce_parse(): sets up the scanner and the grammar. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
