/*
 * parser/grammar.y: HCL native syntax. Bodies are newline-terminated attributes and blocks;
 * expressions follow HCL's precedence. Every node lives in the file's arena; error productions
 * resume at the next newline or closing brace so one run reports several errors.
 */
%define api.pure full
%define api.prefix {vpce_yy}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {parse_ctx *ctx}

%code requires {
#include "parser/parse_internal.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
typedef struct bodyb {
    plist *attrs;
    plist *blocks;
} bodyb;
typedef struct label {
    const char *s;
    VPCE_YYLTYPE loc;
} label;
typedef struct forhead {
    const char *key_var;
    const char *val_var;
    vpce_ast_expr *coll;
} forhead;
}

%code provides {
int vpce_yylex(VPCE_YYSTYPE *lval, VPCE_YYLTYPE *lloc, yyscan_t scanner);
int parse_lex_raw(VPCE_YYSTYPE *lval, VPCE_YYLTYPE *lloc, yyscan_t scanner);
int vpce_yyparse(yyscan_t scanner, parse_ctx *ctx);
}

%code {
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                                \
    do {                                                                                           \
        if (N) {                                                                                   \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                                                  \
            (Cur).end = YYRHSLOC(Rhs, N).end;                                                      \
        } else {                                                                                   \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                                        \
        }                                                                                          \
    } while (0)

#define YYMAXDEPTH 20000

static void yyerror(VPCE_YYLTYPE *loc, yyscan_t scanner, parse_ctx *ctx, const char *msg);

/* Each node carries its tree depth just before it, so deep trees are refused as they grow. */
typedef struct exprbox {
    uint32_t depth;
    vpce_ast_expr e;
} exprbox;

static vpce_range R(parse_ctx *ctx, VPCE_YYLTYPE l)
{
    vpce_range r = {ctx->src, l.start, l.end};
    return r;
}

static vpce_ast_expr *mk(parse_ctx *ctx, vpce_expr_kind kind, VPCE_YYLTYPE loc)
{
    exprbox *b = vpce_arena_alloc(ctx->file->arena, sizeof(*b));
    b->depth = 1;
    b->e.kind = kind;
    b->e.range = R(ctx, loc);
    return &b->e;
}

static uint32_t depth_of(vpce_ast_expr *e)
{
    return ((exprbox *)(void *)((char *)e - offsetof(exprbox, e)))->depth;
}

/* Records that child hangs under parent; refuses trees deeper than PARSE_MAX_EXPR_DEPTH. */
static vpce_ast_expr *kid(parse_ctx *ctx, vpce_ast_expr *parent, vpce_ast_expr *child)
{
    if (!child)
        return child;
    uint32_t d = depth_of(child) + 1;
    exprbox *b = (exprbox *)(void *)((char *)parent - offsetof(exprbox, e));
    if (d > b->depth)
        b->depth = d;
    if (d > PARSE_MAX_EXPR_DEPTH && !ctx->fatal) {
        parse_error(ctx, parent->range.start, parent->range.end, NULL,
                    "expression nested too deeply");
        ctx->fatal = true;
        ctx->eof_reported = true;
    }
    return child;
}

static json_t *keep(parse_ctx *ctx, json_t *v)
{
    vpce_vec_push(&ctx->file->literals, v);
    return v;
}

static vpce_ast_expr *lit_string(parse_ctx *ctx, const char *s, size_t len, VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_LITERAL, loc);
    e->u.literal = keep(ctx, vpce_json_string_lossy(s, len));
    return e;
}

/*
 * A number literal: an integer that fits int64, or a fraction of at most 15 significant digits
 * (which a double holds exactly as written), becomes that JSON value; any other literal (more
 * digits, beyond the double's range, a whole number written with an exponent) is kept as its
 * text in the big number sentinel of util/util.h, which the evaluator turns into the exact
 * number (or reports as out of range there, where the literal is).
 */
static vpce_ast_expr *lit_number(parse_ctx *ctx, const char *s, VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_LITERAL, loc);
    size_t len = strlen(s);
    json_t *v = NULL;
    if (strspn(s, "0123456789") == len) {
        errno = 0;
        long long n = strtoll(s, NULL, 10);
        if (errno == 0)
            v = json_integer((json_int_t)n);
    } else {
        size_t sig = 0;
        bool lead = true;
        for (const char *p = s; *p && *p != 'e' && *p != 'E'; p++) {
            if (*p == '.' || (lead && *p == '0'))
                continue;
            lead = false;
            sig++;
        }
        double d = strtod(s, NULL);
        if (sig > 0 && sig <= 15 && isfinite(d) && fabs(d) >= 1e-300 && d != floor(d))
            v = json_real(d);
        else if (sig <= 15 && (d != 0 || sig == 0) && d == floor(d) &&
                 fabs(d) < 9007199254740992.0)
            v = json_integer((json_int_t)d); /* exact: a whole double below 2^53 */
    }
    if (!v) {
        v = json_object();
        json_object_set_new(v, VPCE_NUMBER_KEY, json_string(s));
    }
    e->u.literal = keep(ctx, v);
    return e;
}

static vpce_ast_expr *binary(parse_ctx *ctx, vpce_op op, vpce_ast_expr *l, vpce_ast_expr *r,
                             VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_BINARY, loc);
    e->u.binary.op = op;
    e->u.binary.lhs = kid(ctx, e, l);
    e->u.binary.rhs = kid(ctx, e, r);
    return e;
}

static vpce_ast_expr *unary(parse_ctx *ctx, vpce_op op, vpce_ast_expr *x, VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_UNARY, loc);
    e->u.unary.op = op;
    e->u.unary.operand = kid(ctx, e, x);
    return e;
}

static vpce_ast_expr *getattr(parse_ctx *ctx, vpce_ast_expr *obj, tokstr name, VPCE_YYLTYPE nloc,
                              VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_GETATTR, loc);
    e->u.getattr.obj = kid(ctx, e, obj);
    e->u.getattr.name = name.s;
    e->u.getattr.name_range = R(ctx, nloc);
    return e;
}

static vpce_ast_expr *index_(parse_ctx *ctx, vpce_ast_expr *obj, vpce_ast_expr *key,
                             VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_INDEX, loc);
    e->u.index.obj = kid(ctx, e, obj);
    e->u.index.key = kid(ctx, e, key);
    return e;
}

/*
 * Parts of a template: one string literal alone becomes that literal. One other part alone is
 * passed through unconverted only when it was the whole template ("${x}"); otherwise an empty
 * literal joins it so that the template evaluates to a string.
 */
static vpce_ast_expr *template(parse_ctx *ctx, plist *parts, VPCE_YYLTYPE loc)
{
    if (!parts || parts->n == 0)
        return lit_string(ctx, "", 0, loc);
    vpce_ast_expr *first = parts->items[0];
    if (parts->n == 1 && first->kind == VPCE_EXPR_LITERAL &&
        (!parts->no_passthru || json_is_string(first->u.literal))) {
        first->range = R(ctx, loc);
        return first;
    }
    if (parts->n == 1 && parts->no_passthru)
        plist_push(ctx, &parts, lit_string(ctx, "", 0, (VPCE_YYLTYPE){loc.end, loc.end}));
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_TEMPLATE, loc);
    e->u.list.items = (vpce_ast_expr **)parts->items;
    e->u.list.n = parts->n;
    for (size_t i = 0; i < parts->n; i++)
        kid(ctx, e, parts->items[i]);
    return e;
}

static vpce_ast_body *finish_body(parse_ctx *ctx, bodyb *b, VPCE_YYLTYPE loc)
{
    vpce_ast_body *body = vpce_arena_alloc(ctx->file->arena, sizeof(*body));
    body->range = R(ctx, loc);
    if (b && b->attrs) {
        body->attrs = (vpce_ast_attr **)b->attrs->items;
        body->nattrs = b->attrs->n;
    }
    if (b && b->blocks) {
        body->blocks = (vpce_ast_block **)b->blocks->items;
        body->nblocks = b->blocks->n;
    }
    return body;
}

static bodyb *new_bodyb(parse_ctx *ctx)
{
    return vpce_arena_alloc(ctx->file->arena, sizeof(bodyb));
}

static vpce_ast_attr *attribute(parse_ctx *ctx, tokstr name, VPCE_YYLTYPE nloc, vpce_ast_expr *x,
                                VPCE_YYLTYPE loc)
{
    vpce_ast_attr *a = vpce_arena_alloc(ctx->file->arena, sizeof(*a));
    a->name = name.s;
    a->name_range = R(ctx, nloc);
    a->expr = x;
    a->range = R(ctx, loc);
    return a;
}

static vpce_ast_block *block(parse_ctx *ctx, tokstr type, VPCE_YYLTYPE tloc, plist *labels,
                             VPCE_YYLTYPE open, bodyb *b, VPCE_YYLTYPE bodyloc, VPCE_YYLTYPE loc)
{
    vpce_ast_block *k = vpce_arena_alloc(ctx->file->arena, sizeof(*k));
    k->type = type.s;
    k->type_range = R(ctx, tloc);
    if (labels && labels->n) {
        k->nlabels = labels->n;
        k->labels = vpce_arena_alloc(ctx->file->arena, labels->n * sizeof(char *));
        k->label_ranges = vpce_arena_alloc(ctx->file->arena, labels->n * sizeof(vpce_range));
        for (size_t i = 0; i < labels->n; i++) {
            label *l = labels->items[i];
            k->labels[i] = l->s;
            k->label_ranges[i] = R(ctx, l->loc);
        }
    }
    k->body = finish_body(ctx, b, bodyloc);
    k->range = R(ctx, loc);
    VPCE_YYLTYPE o = {tloc.start, open.end};
    k->open_range = R(ctx, o);
    return k;
}

static label *mklabel(parse_ctx *ctx, const char *s, VPCE_YYLTYPE loc)
{
    label *l = vpce_arena_alloc(ctx->file->arena, sizeof(*l));
    l->s = s;
    l->loc = loc;
    return l;
}

static vpce_ast_objitem *objitem(parse_ctx *ctx, vpce_ast_expr *key, vpce_ast_expr *value)
{
    vpce_ast_objitem *it = vpce_arena_alloc(ctx->file->arena, sizeof(*it));
    if (key && key->kind == VPCE_EXPR_VAR) {
        /* a bare identifier key names itself */
        vpce_ast_expr *k = lit_string(ctx, key->u.var.name, strlen(key->u.var.name),
                                      (VPCE_YYLTYPE){key->range.start, key->range.end});
        key = k;
        it->key_is_ident = true;
    }
    it->key = key;
    it->value = value;
    return it;
}

static vpce_ast_expr *object(parse_ctx *ctx, plist *items, VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_OBJECT, loc);
    if (items && items->n) {
        e->u.object.n = items->n;
        e->u.object.items = vpce_arena_alloc(ctx->file->arena, items->n * sizeof(vpce_ast_objitem));
        for (size_t i = 0; i < items->n; i++) {
            vpce_ast_objitem *it = items->items[i];
            e->u.object.items[i] = *it;
            kid(ctx, e, it->key);
            kid(ctx, e, it->value);
        }
    }
    return e;
}

static vpce_ast_expr *list(parse_ctx *ctx, vpce_expr_kind kind, plist *items, VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, kind, loc);
    if (items) {
        e->u.list.items = (vpce_ast_expr **)items->items;
        e->u.list.n = items->n;
        for (size_t i = 0; i < items->n; i++)
            kid(ctx, e, items->items[i]);
    }
    return e;
}

static vpce_ast_expr *call(parse_ctx *ctx, tokstr name, VPCE_YYLTYPE nloc, plist *args,
                           bool expand, VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_CALL, loc);
    e->u.call.name = name.s;
    e->u.call.name_range = R(ctx, nloc);
    e->u.call.expand_final = expand;
    if (args) {
        e->u.call.args = (vpce_ast_expr **)args->items;
        e->u.call.nargs = args->n;
        for (size_t i = 0; i < args->n; i++)
            kid(ctx, e, args->items[i]);
    }
    return e;
}

static vpce_ast_expr *forx(parse_ctx *ctx, bool is_object, forhead h, vpce_ast_expr *key,
                           vpce_ast_expr *value, bool grouping, vpce_ast_expr *cond,
                           VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_FOR, loc);
    e->u.forx.is_object = is_object;
    e->u.forx.key_var = h.key_var;
    e->u.forx.val_var = h.val_var;
    e->u.forx.coll = kid(ctx, e, h.coll);
    e->u.forx.key = kid(ctx, e, key);
    e->u.forx.value = kid(ctx, e, value);
    e->u.forx.grouping = grouping;
    e->u.forx.cond = kid(ctx, e, cond);
    return e;
}

/*
 * Template directives become expressions of the AST: %{ if c }A%{ else }B%{ endif } is the
 * conditional c ? "A" : "B", and %{ for x in l }T%{ endfor } is join("", [for x in l : "T"]).
 */
static vpce_ast_expr *directive_if(parse_ctx *ctx, vpce_ast_expr *cond, plist *then,
                                   VPCE_YYLTYPE then_loc, plist *els, VPCE_YYLTYPE els_loc,
                                   VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_COND, loc);
    /* each branch is a template of its own: a string */
    if (then)
        then->no_passthru = true;
    if (els)
        els->no_passthru = true;
    e->u.cond.cond = kid(ctx, e, cond);
    e->u.cond.then = kid(ctx, e, template(ctx, then, then_loc));
    e->u.cond.els = kid(ctx, e, template(ctx, els, els_loc));
    return e;
}

static vpce_ast_expr *directive_for(parse_ctx *ctx, forhead h, plist *body, VPCE_YYLTYPE body_loc,
                                    VPCE_YYLTYPE loc)
{
    if (body)
        body->no_passthru = true;
    vpce_ast_expr *f = forx(ctx, false, h, NULL, template(ctx, body, body_loc), false, NULL, loc);
    plist *args = NULL;
    plist_push(ctx, &args, lit_string(ctx, "", 0, loc));
    plist_push(ctx, &args, f);
    return call(ctx, (tokstr){"join", 4}, loc, args, false, loc);
}

static vpce_ast_expr *splat(parse_ctx *ctx, vpce_ast_expr *src, vpce_ast_expr *each,
                            VPCE_YYLTYPE loc)
{
    vpce_ast_expr *e = mk(ctx, VPCE_EXPR_SPLAT, loc);
    e->u.splat.source = kid(ctx, e, src);
    e->u.splat.each = kid(ctx, e, each);
    return e;
}
}

%union {
    tokstr str;
    vpce_ast_expr *expr;
    plist *list;
    bodyb *bodyb;
    vpce_ast_attr *attr;
    vpce_ast_block *block;
    label *label;
    forhead forhead;
    bool flag;
}

%token NEWLINE "newline"
%token <str> IDENT "identifier"
%token <str> NUMBER "number"
%token <str> TLIT "template literal"
%token OQUOTE "string"
%token CQUOTE "closing quote"
%token TINTERP "${"
%token TDIRECTIVE "%{"
%token TCLOSE "interpolation end"
%token HEREDOC_OPEN "heredoc"
%token HEREDOC_CLOSE "heredoc end"
%token COMMENT "comment"
%token EQ "==" NE "!=" LE "<=" GE ">=" AND "&&" OR "||" ARROW "=>" ELLIPSIS "..."
%token TRUE_ "true" FALSE_ "false" NULL_ "null" FOR "for" IN "in" IF "if"
%token ELSE_ "else" ENDIF "endif" ENDFOR "endfor"
%token START_FILE START_EXPR START_TEMPLATE
%token TEMPLATE_END "end of the template"

%type <expr> expr postfix primary splat_trav attr_splat_trav template opt_cond
%type <list> tparts labels items items_ne args args_ne objitems objitems_ne
%type <bodyb> body
%type <attr> attribute
%type <block> block
%type <label> label
%type <forhead> for_head
%type <str> name
%type <flag> opt_group
%type <expr> objkey

%precedence SPLAT
%right '?' ':'
%left OR
%left AND
%left EQ NE
%left '<' LE '>' GE
%left '+' '-'
%left '*' '/' '%'
%precedence '!' UNARY
%precedence '.' '['

%%

start:
    START_FILE body
        { VPCE_YYLTYPE all = {0, (uint32_t)ctx->src->len}; ctx->body = finish_body(ctx, $2, all); }
  | START_EXPR expr opt_nl
        { ctx->expr = $2; }
  | START_TEMPLATE tparts TEMPLATE_END opt_nl
        { VPCE_YYLTYPE all = {0, (uint32_t)ctx->src->len}; ctx->expr = template(ctx, $2, all); }
  | START_TEMPLATE tparts error TEMPLATE_END opt_nl
        { yyerrok; }
;

opt_nl: %empty | NEWLINE ;

body:
    %empty                  { $$ = new_bodyb(ctx); }
  | body NEWLINE            { $$ = $1; }
  | body attribute NEWLINE  { plist_push(ctx, &$1->attrs, $2); $$ = $1; }
  | body block NEWLINE      { plist_push(ctx, &$1->blocks, $2); $$ = $1; }
  | body error NEWLINE      { $$ = $1; yyerrok; }
;

attribute:
    IDENT '=' expr          { $$ = attribute(ctx, $1, @1, $3, @$); }
;

block:
    IDENT labels '{' body '}'
        { $$ = block(ctx, $1, @1, $2, @3, $4, (VPCE_YYLTYPE){@3.start, @5.end}, @$); }
  | IDENT labels '{' body attribute '}'
        {
            plist_push(ctx, &$4->attrs, $5);
            $$ = block(ctx, $1, @1, $2, @3, $4, (VPCE_YYLTYPE){@3.start, @6.end}, @$);
        }
  | IDENT labels '{' body block '}'
        {
            plist_push(ctx, &$4->blocks, $5);
            $$ = block(ctx, $1, @1, $2, @3, $4, (VPCE_YYLTYPE){@3.start, @6.end}, @$);
        }
  | IDENT labels '{' body error '}'
        {
            yyerrok;
            $$ = block(ctx, $1, @1, $2, @3, $4, (VPCE_YYLTYPE){@3.start, @6.end}, @$);
        }
;

labels:
    %empty                  { $$ = NULL; }
  | labels label            { $$ = $1; plist_push(ctx, &$$, $2); }
;

label:
    IDENT                   { $$ = mklabel(ctx, $1.s, @1); }
  | OQUOTE tparts CQUOTE
        {
            const char *s = "";
            if ($2 && $2->n == 1 && ((vpce_ast_expr *)$2->items[0])->kind == VPCE_EXPR_LITERAL)
                s = json_string_value(((vpce_ast_expr *)$2->items[0])->u.literal);
            else if ($2 && $2->n > 0)
                parse_error(ctx, @$.start, @$.end, NULL, "block labels cannot contain interpolation");
            $$ = mklabel(ctx, vpce_arena_strdup(ctx->file->arena, s ? s : ""), @$);
        }
;

expr:
    expr '?' expr ':' expr
        {
            $$ = mk(ctx, VPCE_EXPR_COND, @$);
            $$->u.cond.cond = kid(ctx, $$, $1);
            $$->u.cond.then = kid(ctx, $$, $3);
            $$->u.cond.els = kid(ctx, $$, $5);
        }
  | expr OR expr            { $$ = binary(ctx, VPCE_OP_OR, $1, $3, @$); }
  | expr AND expr           { $$ = binary(ctx, VPCE_OP_AND, $1, $3, @$); }
  | expr EQ expr            { $$ = binary(ctx, VPCE_OP_EQ, $1, $3, @$); }
  | expr NE expr            { $$ = binary(ctx, VPCE_OP_NE, $1, $3, @$); }
  | expr '<' expr           { $$ = binary(ctx, VPCE_OP_LT, $1, $3, @$); }
  | expr LE expr            { $$ = binary(ctx, VPCE_OP_LE, $1, $3, @$); }
  | expr '>' expr           { $$ = binary(ctx, VPCE_OP_GT, $1, $3, @$); }
  | expr GE expr            { $$ = binary(ctx, VPCE_OP_GE, $1, $3, @$); }
  | expr '+' expr           { $$ = binary(ctx, VPCE_OP_ADD, $1, $3, @$); }
  | expr '-' expr           { $$ = binary(ctx, VPCE_OP_SUB, $1, $3, @$); }
  | expr '*' expr           { $$ = binary(ctx, VPCE_OP_MUL, $1, $3, @$); }
  | expr '/' expr           { $$ = binary(ctx, VPCE_OP_DIV, $1, $3, @$); }
  | expr '%' expr           { $$ = binary(ctx, VPCE_OP_MOD, $1, $3, @$); }
  | '!' expr                { $$ = unary(ctx, VPCE_OP_NOT, $2, @$); }
  | '-' expr %prec UNARY    { $$ = unary(ctx, VPCE_OP_NEG, $2, @$); }
  | postfix                 { $$ = $1; }
;

name:
    IDENT | TRUE_ { $$ = (tokstr){"true", 4}; } | FALSE_ { $$ = (tokstr){"false", 5}; }
  | NULL_ { $$ = (tokstr){"null", 4}; } | FOR { $$ = (tokstr){"for", 3}; }
  | IN { $$ = (tokstr){"in", 2}; } | IF { $$ = (tokstr){"if", 2}; }
;

postfix:
    primary                 { $$ = $1; }
  | postfix '.' name        { $$ = getattr(ctx, $1, $3, @3, @$); }
  | postfix '.' NUMBER      { $$ = index_(ctx, $1, lit_number(ctx, $3.s, @3), @$); }
  | postfix '[' expr ']'    { $$ = index_(ctx, $1, $3, @$); }
  | postfix '[' '*' ']' splat_trav %prec SPLAT
                            { $$ = splat(ctx, $1, $5, @$); }
  | postfix '.' '*' attr_splat_trav %prec SPLAT
                            { $$ = splat(ctx, $1, $4, @$); }
;

splat_trav:
    %empty                  { $$ = mk(ctx, VPCE_EXPR_SPLAT_ITEM, @$); }
  | splat_trav '.' name     { $$ = getattr(ctx, $1, $3, @3, @$); }
  | splat_trav '.' NUMBER   { $$ = index_(ctx, $1, lit_number(ctx, $3.s, @3), @$); }
  | splat_trav '[' expr ']' { $$ = index_(ctx, $1, $3, @$); }
;

attr_splat_trav:
    %empty                  { $$ = mk(ctx, VPCE_EXPR_SPLAT_ITEM, @$); }
  | attr_splat_trav '.' name { $$ = getattr(ctx, $1, $3, @3, @$); }
;

primary:
    NUMBER                  { $$ = lit_number(ctx, $1.s, @1); }
  | TRUE_                   { $$ = mk(ctx, VPCE_EXPR_LITERAL, @1); $$->u.literal = keep(ctx, json_true()); }
  | FALSE_                  { $$ = mk(ctx, VPCE_EXPR_LITERAL, @1); $$->u.literal = keep(ctx, json_false()); }
  | NULL_                   { $$ = mk(ctx, VPCE_EXPR_LITERAL, @1); $$->u.literal = keep(ctx, json_null()); }
  | template                { $$ = $1; }
  | IDENT                   { $$ = mk(ctx, VPCE_EXPR_VAR, @1); $$->u.var.name = $1.s; }
  | IDENT '(' args ')'      { $$ = call(ctx, $1, @1, $3, false, @$); }
  | IDENT '(' args_ne ELLIPSIS ')'     { $$ = call(ctx, $1, @1, $3, true, @$); }
  | IDENT '(' args_ne ELLIPSIS ',' ')' { $$ = call(ctx, $1, @1, $3, true, @$); }
  | '(' expr ')'            { $$ = mk(ctx, VPCE_EXPR_PAREN, @$); $$->u.inner = kid(ctx, $$, $2); }
  | '[' items ']'           { $$ = list(ctx, VPCE_EXPR_TUPLE, $2, @$); }
  | '{' objitems '}'        { $$ = object(ctx, $2, @$); }
  | '[' FOR for_head ':' expr opt_cond ']'
                            { $$ = forx(ctx, false, $3, NULL, $5, false, $6, @$); }
  | '{' FOR for_head ':' expr ARROW expr opt_group opt_cond '}'
                            { $$ = forx(ctx, true, $3, $5, $7, $8, $9, @$); }
;

template:
    OQUOTE tparts CQUOTE            { $$ = template(ctx, $2, @$); }
  | HEREDOC_OPEN tparts HEREDOC_CLOSE { $$ = template(ctx, $2, @$); }
  | OQUOTE tparts error CQUOTE      { yyerrok; $$ = template(ctx, $2, @$); }
  | HEREDOC_OPEN tparts error HEREDOC_CLOSE { yyerrok; $$ = template(ctx, $2, @$); }
;

tparts:
    %empty                  { $$ = NULL; }
  | tparts TLIT
        {
            $$ = $1;
            if ($2.len)
                plist_push(ctx, &$$, lit_string(ctx, $2.s, $2.len, @2));
            else if (!$$)
                $$ = vpce_arena_alloc(ctx->file->arena, sizeof(plist));
            $$->no_passthru = true;
        }
  | tparts TINTERP expr TCLOSE { $$ = $1; plist_push(ctx, &$$, $3); }
  | tparts TINTERP error TCLOSE { $$ = $1; yyerrok; }
  | tparts TDIRECTIVE IF expr TCLOSE tparts TDIRECTIVE ENDIF TCLOSE
        {
            $$ = $1;
            plist_push(ctx, &$$, directive_if(ctx, $4, $6, @6, NULL, @8, @$));
            $$->no_passthru = true;
        }
  | tparts TDIRECTIVE IF expr TCLOSE tparts TDIRECTIVE ELSE_ TCLOSE tparts TDIRECTIVE ENDIF TCLOSE
        {
            $$ = $1;
            plist_push(ctx, &$$, directive_if(ctx, $4, $6, @6, $10, @10, @$));
            $$->no_passthru = true;
        }
  | tparts TDIRECTIVE FOR for_head TCLOSE tparts TDIRECTIVE ENDFOR TCLOSE
        {
            $$ = $1;
            plist_push(ctx, &$$, directive_for(ctx, $4, $6, @6, @$));
            $$->no_passthru = true;
        }
;

for_head:
    IDENT IN expr           { $$ = (forhead){NULL, $1.s, $3}; }
  | IDENT ',' IDENT IN expr { $$ = (forhead){$1.s, $3.s, $5}; }
;

opt_cond:
    %empty                  { $$ = NULL; }
  | IF expr                 { $$ = $2; }
;

opt_group:
    %empty                  { $$ = false; }
  | ELLIPSIS                { $$ = true; }
;

items:
    %empty                  { $$ = NULL; }
  | items_ne                { $$ = $1; }
  | items_ne ','            { $$ = $1; }
;

items_ne:
    expr                    { $$ = NULL; plist_push(ctx, &$$, $1); }
  | items_ne ',' expr       { $$ = $1; plist_push(ctx, &$$, $3); }
;

args:
    %empty                  { $$ = NULL; }
  | args_ne                 { $$ = $1; }
  | args_ne ','             { $$ = $1; }
;

args_ne:
    expr                    { $$ = NULL; plist_push(ctx, &$$, $1); }
  | args_ne ',' expr        { $$ = $1; plist_push(ctx, &$$, $3); }
;

objkey:
    expr                    { $$ = $1; }
;

objitems:
    %empty                  { $$ = NULL; }
  | objitems_ne             { $$ = $1; }
  | objitems_ne ','         { $$ = $1; }
  | objitems_ne NEWLINE     { $$ = $1; }
  | objitems_ne ',' NEWLINE { $$ = $1; }
;

objitems_ne:
    objkey '=' expr         { $$ = NULL; plist_push(ctx, &$$, objitem(ctx, $1, $3)); }
  | objkey ':' expr         { $$ = NULL; plist_push(ctx, &$$, objitem(ctx, $1, $3)); }
  | objitems_ne ',' objkey '=' expr { $$ = $1; plist_push(ctx, &$$, objitem(ctx, $3, $5)); }
  | objitems_ne ',' objkey ':' expr { $$ = $1; plist_push(ctx, &$$, objitem(ctx, $3, $5)); }
  | objitems_ne NEWLINE objkey '=' expr { $$ = $1; plist_push(ctx, &$$, objitem(ctx, $3, $5)); }
  | objitems_ne NEWLINE objkey ':' expr { $$ = $1; plist_push(ctx, &$$, objitem(ctx, $3, $5)); }
  | objitems_ne ',' NEWLINE objkey '=' expr { $$ = $1; plist_push(ctx, &$$, objitem(ctx, $4, $6)); }
  | objitems_ne ',' NEWLINE objkey ':' expr { $$ = $1; plist_push(ctx, &$$, objitem(ctx, $4, $6)); }
;

%%

static void yyerror(VPCE_YYLTYPE *loc, yyscan_t scanner, parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    (void)msg;
    /* bison calls this only when its stack is exhausted */
    if (!ctx->fatal)
        parse_error(ctx, loc->start, loc->end, NULL, "expression nested too deeply");
    ctx->fatal = true;
    ctx->eof_reported = true;
}

/* How a grammar symbol reads in "expected ..." lists. */
static const char *expected_name(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_YYEOF:
        return "end of file";
    case YYSYMBOL_NEWLINE:
        return "a newline";
    case YYSYMBOL_IDENT:
        return "a name";
    case YYSYMBOL_NUMBER:
        return "a number";
    case YYSYMBOL_TLIT:
        return "text";
    case YYSYMBOL_OQUOTE:
        return "a string";
    case YYSYMBOL_CQUOTE:
        return "a closing quote";
    case YYSYMBOL_TCLOSE:
        return "\"}\"";
    case YYSYMBOL_HEREDOC_OPEN:
        return "a heredoc";
    case YYSYMBOL_HEREDOC_CLOSE:
        return "the heredoc marker";
    case YYSYMBOL_TEMPLATE_END:
        return "the end of the template";
    default:
        break;
    }
    return yysymbol_name(k);
}

static void put_expected(vpce_buf *b, yysymbol_kind_t k)
{
    const char *n = expected_name(k);
    if (n[0] == '\'' && strlen(n) == 3)
        vpce_buf_printf(b, "\"%c\"", n[1]);
    else if (k == YYSYMBOL_YYEOF || n != yysymbol_name(k) || n[0] == '"')
        vpce_buf_puts(b, n); /* a description, or already quoted */
    else
        vpce_buf_printf(b, "\"%s\"", n); /* a keyword or operator */
}

static bool expects(const yysymbol_kind_t *exp, int n, yysymbol_kind_t k)
{
    for (int i = 0; i < n; i++)
        if (exp[i] == k)
            return true;
    return false;
}

static bool starts_expr(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_IDENT:
    case YYSYMBOL_NUMBER:
    case YYSYMBOL_OQUOTE:
    case YYSYMBOL_HEREDOC_OPEN:
    case YYSYMBOL_TRUE_:
    case YYSYMBOL_FALSE_:
    case YYSYMBOL_NULL_:
        return true;
    default:
        return k == YYTRANSLATE('!') || k == YYTRANSLATE('-') || k == YYTRANSLATE('(') ||
               k == YYTRANSLATE('[') || k == YYTRANSLATE('{');
    }
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner, parse_ctx *ctx)
{
    (void)scanner;
    if (ctx->fatal)
        return 0;
    yysymbol_kind_t tok = yypcontext_token(yyctx);
    const VPCE_YYLTYPE *loc = yypcontext_location(yyctx);
    if (tok == YYSYMBOL_YYEOF && ctx->eof_reported)
        return 0;
    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS);
    if (n < 0)
        n = 0;

    char *what;
    switch (tok) {
    case YYSYMBOL_YYEOF:
    case YYSYMBOL_TEMPLATE_END:
        what = vpce_strdup("end of file");
        break;
    case YYSYMBOL_NEWLINE:
        what = vpce_strdup("newline");
        break;
    case YYSYMBOL_OQUOTE:
        what = vpce_strdup("string");
        break;
    case YYSYMBOL_HEREDOC_OPEN:
        what = vpce_strdup("heredoc");
        break;
    case YYSYMBOL_CQUOTE:
        what = vpce_strdup("end of string");
        break;
    case YYSYMBOL_TCLOSE:
        what = vpce_strdup("\"}\"");
        break;
    default:
        what = parse_quote_bytes(ctx->src->text + loc->start, loc->end - loc->start, 24);
        break;
    }

    vpce_buf detail = VPCE_BUF_INIT(4096);
    bool any_expr = false;
    for (int i = 0; i < n; i++)
        if (exp[i] == YYSYMBOL_NUMBER)
            any_expr = true;
    int listed = 0, total = 0;
    for (int i = 0; i < n; i++)
        if (!(any_expr && starts_expr(exp[i])))
            total++;
    if (any_expr)
        total++;
    if (total > 7 && expects(exp, n, YYTRANSLATE('+')) &&
        (expects(exp, n, YYSYMBOL_NEWLINE) || expects(exp, n, YYTRANSLATE(',')))) {
        /* after a complete operand: anything that continues or ends the expression */
        bool nl = expects(exp, n, YYSYMBOL_NEWLINE), comma = expects(exp, n, YYTRANSLATE(','));
        vpce_buf_puts(&detail, nl && comma ? "expected an operator, \",\" or a newline"
                               : nl        ? "expected an operator or the end of the line"
                                           : "expected an operator, \",\" or a closing bracket");
    } else if (total > 0 && total <= 7) {
        vpce_buf_puts(&detail, "expected ");
        if (any_expr) {
            vpce_buf_puts(&detail, "an expression");
            listed++;
        }
        for (int i = 0; i < n; i++) {
            if (any_expr && starts_expr(exp[i]))
                continue;
            if (listed)
                vpce_buf_puts(&detail, listed == total - 1 ? " or " : ", ");
            put_expected(&detail, exp[i]);
            listed++;
        }
    }

    if (ctx->prev2_tok == IDENT && expects(exp, n, YYTRANSLATE('=')) &&
        expects(exp, n, YYTRANSLATE('{'))) {
        /* the lookahead is the last token read; the name is the one before it */
        char *name = parse_quote_bytes(ctx->src->text + ctx->prev2_loc.start,
                                       ctx->prev2_loc.end - ctx->prev2_loc.start, 40);
        parse_error(ctx, loc->start, loc->end, NULL, "expected \"=\" or a block body after %s",
                    name);
        free(name);
    } else {
        parse_error(ctx, loc->start, loc->end, detail.len ? detail.data : NULL, "unexpected %s",
                    what);
    }
    vpce_buf_release(&detail);
    free(what);
    return 0;
}
