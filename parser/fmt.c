/*
 * parser/fmt.c: the canonical layout behind `vpce fmt`, computed from tokens as hclwrite (behind
 * `terraform fmt`) does: the input is split into lines, each line is indented by the brackets
 * still open before it, tokens are re-spaced by what they are, and `=` signs and trailing
 * comments are aligned across runs of consecutive lines that have them. Inside strings and
 * heredocs the literal text is copied as written, while the tokens of interpolations and
 * directives are spaced like any others ("${ x }" becomes "${x}", as with terraform fmt). A
 * heredoc belongs to the line of its attribute: it neither ends nor splits an alignment run.
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
    FT_LIT = 10000, /* literal text of a string or heredoc, copied as written */
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

/*
 * Scans the (already validated) source into formatter tokens. Inside a string or a heredoc the
 * text between its sequences becomes one FT_LIT token (the source bytes, whatever the literal
 * decodes to); the tokens of "${...}" and "%{...}" are kept as they are outside templates.
 */
static int tokenize(vpce_file *f, ftoks *out, vpce_diags *diags)
{
    parse_ctx *ctx = vpce_calloc(1, sizeof(*ctx));
    yyscan_t scanner = NULL;
    int rc = 0;
    /* what each open level is: 0 code, 1 a template's literal level */
    char levels[PARSE_MAX_NESTING + 2];
    size_t nlevels = 1;
    uint32_t lit_from = 0;
    VPCE_YYSTYPE lval;
    VPCE_YYLTYPE lloc;

    levels[0] = 0;
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
        bool in_template = levels[nlevels - 1] == 1;
        if (in_template) {
            if (t == TLIT)
                continue; /* the gap before the next sequence is the literal */
            if (lloc.start > lit_from)
                ftoks_push(out, FT_LIT, lit_from, lloc.start);
            ftoks_push(out, t, lloc.start, lloc.end);
            if ((t == TINTERP || t == TDIRECTIVE) && nlevels < sizeof(levels))
                levels[nlevels++] = 0;
            else if ((t == CQUOTE || t == HEREDOC_CLOSE) && nlevels > 1)
                nlevels--;
            continue;
        }
        ftoks_push(out, t, lloc.start, lloc.end);
        if ((t == OQUOTE || t == HEREDOC_OPEN) && nlevels < sizeof(levels)) {
            levels[nlevels++] = 1;
            lit_from = lloc.end;
        } else if (t == TCLOSE && nlevels > 1) {
            nlevels--;
            lit_from = lloc.end;
        }
    }
    vpce_yy_delete_buffer(buf, scanner);
    if (ctx->nerrors || nlevels != 1)
        rc = VPCE_EINVALID;

cleanup:
    if (scanner)
        vpce_yylex_destroy(scanner);
    vpce_buf_release(&ctx->lit);
    free(ctx);
    return rc;
}

/* hclwrite counts "${" and "%{" as opening brackets and their "}" as closing ones. */
static int bracket_change(int t)
{
    if (t == '(' || t == '[' || t == '{' || t == TINTERP || t == TDIRECTIVE)
        return 1;
    if (t == ')' || t == ']' || t == '}' || t == TCLOSE)
        return -1;
    return 0;
}

/* True when a '-' after a token of this type must be a negation (hclwrite's list). */
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
        return true;
    default:
        return false;
    }
}

static bool is_in_keyword(const vpce_source *src, const ftok *t)
{
    return t->type == IDENT && t->end - t->start == 2 && memcmp(src->text + t->start, "in", 2) == 0;
}

/*
 * Whether a space follows `subj` when `next` comes after it; `before` precedes subj (NULL at the
 * start of a cell). The rules of hclwrite's spaceAfterToken, in its order.
 */
static bool space_between(const vpce_source *src, const ftok *before, const ftok *subj,
                          const ftok *next)
{
    int s = subj->type, a = next->type, b = before ? before->type : 0;
    if (s == IDENT && a == '(')
        return false; /* a call */
    if (s == '.' || a == '.')
        return false;
    if (a == ',' || a == ELLIPSIS)
        return false;
    if (s == ',')
        return true; /* a trailing comma too: f(a, ) and [1, 2, ] stay so */
    if (s == FT_LIT || s == OQUOTE || s == HEREDOC_OPEN || a == FT_LIT || a == CQUOTE ||
        a == HEREDOC_CLOSE)
        return false; /* nothing is added inside templates */
    if (is_in_keyword(src, subj) && b == IDENT)
        return true; /* for x in [y] */
    if (a == '[' && (s == IDENT || s == NUMBER || bracket_change(s) < 0))
        return false;
    if (s == '!')
        return false;
    if (s == '-')
        return !before_negation(b);
    if (s == '{' || a == '}')
        return !(s == '{' && a == '}');
    if ((s == TINTERP || s == TDIRECTIVE) && a == '{')
        return true; /* "${ {a = 1} }" */
    if (s == '}' && a == TCLOSE)
        return true;
    if (s == TCLOSE && (a == TINTERP || a == TDIRECTIVE))
        return false;
    if (bracket_change(s) > 0)
        return false;
    if (bracket_change(a) < 0)
        return false;
    return true;
}

/* The code point at s (n bytes available) and its length; U+FFFD for a broken sequence. */
static uint32_t code_point(const unsigned char *s, size_t n, size_t *len)
{
    size_t k = vpce_utf8_seq_len(s, n);
    if (k == 0) {
        *len = 1;
        return 0xFFFD;
    }
    *len = k;
    if (k == 1)
        return s[0];
    uint32_t cp = s[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

/* Code points that extend the character before them rather than start one. */
static bool extends(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
           (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F) ||
           (cp >= 0xE0100 && cp <= 0xE01EF) || cp == 0x200D;
}

/*
 * Columns of UTF-8 text, counted as hclwrite counts them: in user-perceived characters
 * (grapheme clusters), so "é" written with a combining accent, a flag (two regional
 * indicators) or an emoji joined with ZWJ is one column. An approximation of Unicode's rules
 * that covers marks, variation selectors, skin tones, tags, ZWJ sequences and flags.
 */
static size_t columns(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0, i = 0, k;
    bool after_zwj = false, open_flag = false;
    while (i < len) {
        uint32_t cp = code_point(u + i, len - i, &k);
        i += k;
        bool regional = cp >= 0x1F1E6 && cp <= 0x1F1FF;
        if (after_zwj || extends(cp) || (regional && open_flag)) {
            after_zwj = cp == 0x200D;
            open_flag = false;
            continue;
        }
        n++;
        after_zwj = false;
        open_flag = regional;
    }
    return n;
}

typedef struct fline {
    size_t first, n;   /* tokens */
    size_t assign;     /* index (within the line) of the '=' cell, or n */
    size_t comment;    /* index of the trailing comment cell, or n */
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
        /* brackets of the lead cell up to a heredoc, and all of the assign cell (hclwrite) */
        int net = 0;
        for (size_t k = 0; k < l->assign && k < lead_end; k++) {
            net += bracket_change(t[k].type);
            if (t[k].type == HEREDOC_OPEN)
                break;
        }
        for (size_t k = l->assign; k < lead_end; k++)
            net += bracket_change(t[k].type);
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
        /* cells; `before` restarts with each cell, as hclwrite spaces each cell on its own */
        for (size_t k = 0; k < l->n; k++) {
            int cell = k >= l->comment ? 2 : k >= l->assign ? 1 : 0;
            vpce_buf *b = &l->text[cell];
            size_t cell_first = cell == 2 ? l->comment : cell == 1 ? l->assign : 0;
            if (k > cell_first &&
                space_between(src, k - 1 > cell_first ? &t[k - 2] : NULL, &t[k - 1], &t[k]))
                vpce_buf_putc(b, ' ');
            put_token(b, src, &t[k]);
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
            end++;
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
            end++;
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
