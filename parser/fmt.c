/*
 * parser/fmt.c: the canonical layout behind `vpce fmt`, computed from tokens as hclwrite does:
 * the input is split into lines, each line is indented by the brackets still open before it,
 * tokens are re-spaced by what they are, and `=` signs and trailing comments are aligned across
 * runs of consecutive lines. Strings and heredocs are copied verbatim, interpolations included.
 */
#include <stdlib.h>
#include <string.h>

#include "parser/parse_internal.h"
#include "parser/grammar.h"
#define YYSTYPE VPCE_YYSTYPE
#define YYLTYPE VPCE_YYLTYPE
#include "parser/lexer.h"

/* Token kinds the formatter adds to the grammar's. */
enum {
    FT_STRING = 10000, /* a quoted template, kept as written */
    FT_HEREDOC,        /* a heredoc, kept as written */
    FT_KEYWORD,        /* "in" and "if": never a call or an index, so spaced as operators */
};

typedef struct ftok {
    int type;
    uint32_t start, end;
} ftok;

typedef struct ftoks {
    ftok *items;
    size_t n, cap;
} ftoks;

static void ftoks_push(ftoks *t, int type, uint32_t start, uint32_t end)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->items = vpce_realloc(t->items, t->cap * sizeof(ftok));
    }
    t->items[t->n++] = (ftok){type, start, end};
}

/* Scans the (already validated) source into formatter tokens: templates become one token. */
static int tokenize(vpce_file *f, ftoks *out, vpce_diags *diags)
{
    parse_ctx *ctx = vpce_calloc(1, sizeof(*ctx));
    yyscan_t scanner = NULL;
    int rc = 0, depth = 0;
    uint32_t tstart = 0;
    int ttype = 0;
    VPCE_YYSTYPE lval;
    VPCE_YYLTYPE lloc;

    ctx->file = f;
    ctx->src = f->src;
    ctx->diags = diags;
    ctx->fmt_mode = true;
    ctx->pending_tok = -1;
    vpce_buf_init(&ctx->lit, VPCE_PARSE_MAX_FILE);
    if (vpce_yylex_init_extra(ctx, &scanner) != 0) {
        rc = vpce_error_set("cannot initialise the scanner");
        goto cleanup;
    }
    YY_BUFFER_STATE buf = vpce_yy_scan_bytes(f->src->text, (int)f->src->len, scanner);
    for (;;) {
        int t = parse_lex_raw(&lval, &lloc, scanner);
        if (t == 0 || ctx->fatal)
            break;
        if (t == OQUOTE || t == HEREDOC_OPEN) {
            if (depth++ == 0) {
                tstart = lloc.start;
                ttype = t == OQUOTE ? FT_STRING : FT_HEREDOC;
            }
            continue;
        }
        if (t == CQUOTE || t == HEREDOC_CLOSE) {
            if (--depth == 0)
                ftoks_push(out, ttype, tstart, lloc.end);
            continue;
        }
        if (depth != 0)
            continue;
        if (t == IDENT && (strcmp(lval.str.s, "in") == 0 || strcmp(lval.str.s, "if") == 0))
            t = FT_KEYWORD;
        ftoks_push(out, t, lloc.start, lloc.end);
    }
    vpce_yy_delete_buffer(buf, scanner);
    if (ctx->nerrors || depth != 0)
        rc = VPCE_EINVALID;

cleanup:
    if (scanner)
        vpce_yylex_destroy(scanner);
    vpce_buf_release(&ctx->lit);
    free(ctx);
    return rc;
}

static int bracket_change(int t)
{
    if (t == '(' || t == '[' || t == '{')
        return 1;
    if (t == ')' || t == ']' || t == '}')
        return -1;
    return 0;
}

/* True when a '-' after a token of this type must be a negation. */
static bool before_negation(int t)
{
    switch (t) {
    case 0:
    case '(':
    case '[':
    case '{':
    case '=':
    case ':':
    case ',':
    case '?':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '<':
    case '>':
    case '!':
    case EQ:
    case NE:
    case LE:
    case GE:
    case AND:
    case OR:
    case ARROW:
    case FT_KEYWORD:
        return true;
    default:
        return false;
    }
}

/* The space rule between `prev` and `next`; `before` precedes prev (0 at line start). */
static bool space_between(int before, int prev, int next)
{
    if (prev == IDENT && next == '(')
        return false;
    if (prev == '.' || next == '.')
        return false;
    if (next == ',' || next == ELLIPSIS || next == ')' || next == ']')
        return false;
    if (prev == ',')
        return true;
    if (prev == '!')
        return false;
    if (prev == '-')
        return !before_negation(before);
    if (prev == '{' && next == '}')
        return false;
    if (prev == '{' || next == '}')
        return true;
    if (prev == '(' || prev == '[')
        return false;
    if (next == ')' || next == ']')
        return false;
    if (next == '[' && (prev == IDENT || prev == NUMBER || prev == ')' || prev == ']' ||
                        prev == '}' || prev == FT_STRING || prev == '*'))
        return false;
    return true;
}

/* Columns of UTF-8 text (continuation bytes do not count). */
static size_t columns(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

typedef struct fline {
    size_t first, n;   /* tokens */
    size_t assign;     /* index (within the line) of the '=' cell, or n */
    size_t comment;    /* index of the trailing comment cell, or n */
    bool ends_chains;  /* a heredoc or multi-line comment: nothing aligns across it */
    size_t indent;     /* in spaces */
    vpce_buf text[3];  /* lead, assign, comment */
    size_t pad_assign; /* spaces before the assign cell */
    size_t pad_comment;
} fline;

static void put_token(vpce_buf *b, const vpce_source *src, const ftok *t)
{
    const char *s = src->text + t->start;
    size_t len = t->end - t->start;
    if (t->type == COMMENT && len > 0 && (s[0] == '#' || s[0] == '/') && (len < 2 || s[1] != '*')) {
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
    }
    vpce_buf_append(b, s, len);
}

static void put_text(vpce_buf *out, const vpce_buf *b)
{
    if (b->len)
        vpce_buf_append(out, b->data, b->len);
}

static bool multi_line(const vpce_source *src, const ftok *t)
{
    return memchr(src->text + t->start, '\n', t->end - t->start) != NULL;
}

int vpce_fmt(char **out, const char *name, const char *text, size_t len, vpce_diags *diags)
{
    vpce_file *f = NULL;
    size_t before = diags->len;
    *out = NULL;
    int rc = vpce_parse(&f, name, text, len, diags);
    if (rc == 0)
        rc = vpce_fmt_file(out, f, diags);
    /* the source dies with f: move each location into the detail */
    for (size_t i = before; i < diags->len; i++) {
        vpce_diag *d = &diags->items[i];
        if (d->range.src != f->src)
            continue;
        int line, col;
        vpce_source_pos(f->src, d->range.start, &line, &col);
        char *detail = d->detail
                           ? vpce_asprintf("at %s:%d:%d: %s", f->src->name, line, col, d->detail)
                           : vpce_asprintf("at %s:%d:%d", f->src->name, line, col);
        free(d->detail);
        d->detail = detail;
        vpce_source_free(d->range.src);
        d->range.src = NULL;
        d->range.start = d->range.end = 0;
    }
    vpce_file_free(f);
    return rc;
}

int vpce_fmt_file(char **out, const vpce_file *cf, vpce_diags *diags)
{
    vpce_file *f = (vpce_file *)cf;
    ftoks toks = {0};
    fline *lines = NULL;
    size_t nlines = 0, cap = 0;
    size_t *indents = NULL, nindents = 0, indents_cap = 0;
    vpce_buf res = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    int rc;
    (void)diags;

    *out = NULL;
    rc = tokenize(f, &toks, diags);
    if (rc != 0)
        goto cleanup;
    const vpce_source *src = f->src;

    /* lines */
    size_t start = 0;
    for (size_t i = 0; i <= toks.n; i++) {
        if (i < toks.n && toks.items[i].type != NEWLINE)
            continue;
        if (nlines == cap) {
            cap = cap ? cap * 2 : 64;
            lines = vpce_realloc(lines, cap * sizeof(fline));
        }
        fline *l = &lines[nlines++];
        memset(l, 0, sizeof(*l));
        l->first = start;
        l->n = i - start;
        start = i + 1;
    }

    for (size_t li = 0; li < nlines; li++) {
        fline *l = &lines[li];
        const ftok *t = toks.items ? toks.items + l->first : NULL;
        l->assign = l->comment = l->n;
        for (int k = 0; k < 3; k++)
            vpce_buf_init(&l->text[k], VPCE_BUF_UNLIMITED);
        if (l->n == 0)
            continue;
        size_t lead_end = l->n;
        if (l->n > 1 && t[l->n - 1].type == COMMENT) {
            l->comment = l->n - 1;
            lead_end = l->comment;
        }
        for (size_t k = 1; k < lead_end; k++) {
            if (t[k].type != '=')
                continue;
            int net = 0;
            for (size_t j = k; j < lead_end; j++)
                net += bracket_change(t[j].type);
            if (net == 0)
                l->assign = k;
            break;
        }
        int net = 0;
        for (size_t k = 0; k < l->n; k++) {
            net += bracket_change(t[k].type);
            if (t[k].type == FT_HEREDOC || multi_line(src, &t[k]))
                l->ends_chains = true;
        }
        /* indentation: one level per line that leaves brackets open (hclwrite's rule) */
        if (net > 0) {
            l->indent = 2 * nindents;
            if (nindents == indents_cap) {
                indents_cap = indents_cap ? indents_cap * 2 : 16;
                indents = vpce_realloc(indents, indents_cap * sizeof(size_t));
            }
            indents[nindents++] = (size_t)net;
        } else {
            size_t closed = (size_t)-net;
            while (closed > 0 && nindents > 0) {
                size_t topn = indents[nindents - 1];
                if (closed >= topn) {
                    closed -= topn;
                    nindents--;
                } else {
                    indents[nindents - 1] -= closed;
                    closed = 0;
                }
            }
            l->indent = 2 * nindents;
        }
        /* cells */
        int before = 0, prev = 0;
        for (size_t k = 0; k < l->n; k++) {
            int cell = k >= l->comment ? 2 : k >= l->assign ? 1 : 0;
            vpce_buf *b = &l->text[cell];
            bool cell_start = k == 0 || k == l->assign || k == l->comment;
            if (!cell_start && space_between(before, prev, t[k].type))
                vpce_buf_putc(b, ' ');
            put_token(b, src, &t[k]);
            before = prev;
            prev = t[k].type;
        }
        l->pad_assign = 1;
        l->pad_comment = 1;
    }

    /* alignment of '=' across consecutive lines with an assign cell */
    for (size_t li = 0; li < nlines;) {
        if (lines[li].assign == lines[li].n) {
            li++;
            continue;
        }
        size_t end = li, maxw = 0;
        while (end < nlines && lines[end].assign < lines[end].n) {
            size_t w = lines[end].indent + columns(lines[end].text[0].data, lines[end].text[0].len);
            if (w > maxw)
                maxw = w;
            if (lines[end++].ends_chains)
                break;
        }
        for (size_t k = li; k < end; k++) {
            size_t w = lines[k].indent + columns(lines[k].text[0].data, lines[k].text[0].len);
            lines[k].pad_assign = maxw - w + 1;
        }
        li = end;
    }
    /* alignment of trailing comments */
    for (size_t li = 0; li < nlines;) {
        if (lines[li].comment == lines[li].n) {
            li++;
            continue;
        }
        size_t end = li, maxw = 0;
        while (end < nlines && lines[end].comment < lines[end].n) {
            fline *l = &lines[end];
            size_t w = l->indent + columns(l->text[0].data, l->text[0].len);
            if (l->assign < l->n)
                w += l->pad_assign + columns(l->text[1].data, l->text[1].len);
            if (w > maxw)
                maxw = w;
            if (lines[end++].ends_chains)
                break;
        }
        for (size_t k = li; k < end; k++) {
            fline *l = &lines[k];
            size_t w = l->indent + columns(l->text[0].data, l->text[0].len);
            if (l->assign < l->n)
                w += l->pad_assign + columns(l->text[1].data, l->text[1].len);
            l->pad_comment = maxw - w + 1;
        }
        li = end;
    }

    /* output; trailing blank lines dropped, one final newline */
    size_t last = nlines;
    while (last > 0 && lines[last - 1].n == 0)
        last--;
    for (size_t li = 0; li < last; li++) {
        fline *l = &lines[li];
        if (l->n > 0) {
            for (size_t k = 0; k < l->indent; k++)
                vpce_buf_putc(&res, ' ');
            put_text(&res, &l->text[0]);
            if (l->assign < l->n) {
                for (size_t k = 0; k < l->pad_assign; k++)
                    vpce_buf_putc(&res, ' ');
                put_text(&res, &l->text[1]);
            }
            if (l->comment < l->n) {
                for (size_t k = 0; k < l->pad_comment; k++)
                    vpce_buf_putc(&res, ' ');
                put_text(&res, &l->text[2]);
            }
        }
        vpce_buf_putc(&res, '\n');
    }
    *out = vpce_buf_detach(&res);

cleanup:
    for (size_t li = 0; li < nlines; li++)
        for (int k = 0; k < 3; k++)
            vpce_buf_release(&lines[li].text[k]);
    free(lines);
    free(indents);
    free(toks.items);
    vpce_buf_release(&res);
    return rc;
}
