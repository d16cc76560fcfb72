/*
 * parser/parse_internal.h: what the lexer, the grammar, the parse driver and the formatter share.
 * Not a public header: nothing outside parser/ includes it.
 */
#ifndef VPCE_PARSE_INTERNAL_H
#define VPCE_PARSE_INTERNAL_H

#include "parser/parser.h"

/* Deepest bracket/brace/template nesting the lexer accepts. */
#define PARSE_MAX_NESTING 256
/* Deepest expression tree the grammar builds (operators chains count too). */
#define PARSE_MAX_EXPR_DEPTH 512
/* After this many errors in one file the parser gives up. */
#define PARSE_MAX_ERRORS 100

typedef struct VPCE_YYLTYPE {
    uint32_t start;
    uint32_t end;
} VPCE_YYLTYPE;
#define VPCE_YYLTYPE_IS_DECLARED 1

/* A growable array of pointers living in the arena (growth copies; total work stays linear). */
typedef struct plist {
    void **items;
    size_t n, cap;
    /* Template parts only: the template had literal text (maybe all stripped by "~") or a
     * directive, so even a single part is converted to a string, as HCL does; only a template
     * that is exactly one "${...}" passes its value through unconverted. */
    bool no_passthru;
} plist;

/* Kinds of lexer nesting entries. */
enum nest_kind { NEST_PAREN, NEST_BRACKET, NEST_BRACE, NEST_INTERP, NEST_STRING, NEST_HEREDOC };

typedef struct nest {
    enum nest_kind kind;
    bool is_for;        /* a [for ...] or {for ...}: newlines are insignificant */
    bool is_directive;  /* a NEST_INTERP opened by %{ rather than ${ */
    uint32_t start;     /* where it was opened */
    uint32_t end;       /* end of the opening token */
    const char *marker; /* heredoc marker (points into the source) */
    size_t marker_len;
    bool flush;       /* <<-: the template's common indentation is removed (vpce_yylex) */
    bool is_template; /* a template file's whole text: a heredoc without marker, ended by EOF */
} nest;

typedef struct parse_ctx {
    vpce_file *file;
    const vpce_source *src;
    vpce_diags *diags;
    size_t nerrors;
    bool fatal;        /* stop: the rest of the input is not parsed */
    bool eof_reported; /* the lexer explained why the input ended early */
    bool fmt_mode;     /* the raw lexer returns comments (for the formatter) */
    int start_token;   /* first token handed to the grammar (file or expression mode) */

    /* lexer state */
    uint32_t off; /* byte offset of the scanner */
    nest stack[PARSE_MAX_NESTING + 1];
    size_t depth;
    vpce_buf lit; /* template literal being accumulated */
    bool lit_active;
    bool strip_ws; /* after "~}": drop the whitespace that starts the next literal */
    uint32_t lit_start, lit_end;
    uint32_t comment_start;
    int prev_tok; /* last token handed to the grammar, 0 at the start */
    VPCE_YYLTYPE prev_loc;
    int prev2_tok; /* the token before prev_tok */
    VPCE_YYLTYPE prev2_loc;
    int pending_tok; /* token to return next (after a synthetic newline) */
    VPCE_YYLTYPE pending_loc;
    void *queue; /* tokens read ahead for a <<- heredoc (lexer.l), arena-owned */

    /* results */
    vpce_ast_body *body;
    vpce_ast_expr *expr;
} parse_ctx;

/* Reports an error at [start, end) unless too many were reported already. */
void parse_error(parse_ctx *ctx, uint32_t start, uint32_t end, const char *detail, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

void plist_push(parse_ctx *ctx, plist **l, void *item);

/* Human-readable rendering of a byte string for messages ("\x00", "é", "abc"); caller frees. */
char *parse_quote_bytes(const char *s, size_t len, size_t max);

/*
 * The length in bytes of the longest prefix of s (n bytes, a match of the scanner's identifier
 * pattern) that is a valid HCL identifier: a letter or '_' first (Unicode ID_Start), then
 * letters, digits, combining marks, '_' and '-' (ID_Continue). 0 when the first character
 * already is not one. Unicode classes come from the C library's C.UTF-8 tables (a locale
 * object of its own: the process locale is not touched).
 */
size_t parse_ident_prefix(const char *s, size_t n);
/* The code point of the UTF-8 sequence at s (n bytes available); the first byte when invalid. */
uint32_t parse_utf8_decode(const char *s, size_t n);

/* A token's text: for identifiers and numbers the source text, for template literals the decoded
 * bytes. Arena-owned. */
typedef struct tokstr {
    const char *s;
    size_t len;
} tokstr;

#endif
