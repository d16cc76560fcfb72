/*
 * Shared helpers of the evaluator tests: a small AST builder (nodes live in one arena), a scope
 * from JSON text, and assertions on exact values and diagnostic summaries.
 */
#ifndef VPCE_TEST_EVAL_COMMON_H
#define VPCE_TEST_EVAL_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/parser.h"
#include "lang/lang.h"

#pragma GCC diagnostic ignored "-Wunused-function"

/* The unknown sentinel in JSON text. */
#define UNK "{\"\\u0001vpce:unknown\":true}"

typedef vpce_ast_expr E;

static vpce_arena *t_arena;
static vpce_vec t_literals;
static vpce_diags t_diags;
static vpce_vec t_files;

static int t_setup(void **state)
{
    (void)state;
    t_arena = vpce_arena_new();
    vpce_diags_release(&t_diags);
    return 0;
}

static int t_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < t_literals.len; i++)
        json_decref(t_literals.items[i]);
    vpce_vec_release(&t_literals);
    for (size_t i = 0; i < t_files.len; i++)
        vpce_file_free(t_files.items[i]);
    vpce_vec_release(&t_files);
    vpce_arena_free(t_arena);
    t_arena = NULL;
    vpce_diags_release(&t_diags);
    return 0;
}

static json_t *jparse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad JSON in test: %s: %s", text, je.text);
    return v;
}

static E *node(vpce_expr_kind k)
{
    E *e = vpce_arena_alloc(t_arena, sizeof(*e));
    e->kind = k;
    return e;
}

/* A literal from JSON text: lit("1"), lit("\"a\""), lit("null"). */
static E *lit(const char *json)
{
    E *e = node(VPCE_EXPR_LITERAL);
    e->u.literal = jparse(json);
    vpce_vec_push(&t_literals, e->u.literal);
    return e;
}

static E *str(const char *s)
{
    E *e = node(VPCE_EXPR_LITERAL);
    e->u.literal = json_string(s);
    vpce_vec_push(&t_literals, e->u.literal);
    return e;
}

static E *var(const char *name)
{
    E *e = node(VPCE_EXPR_VAR);
    e->u.var.name = vpce_arena_strdup(t_arena, name);
    return e;
}

static E *attr(E *obj, const char *name)
{
    E *e = node(VPCE_EXPR_GETATTR);
    e->u.getattr.obj = obj;
    e->u.getattr.name = vpce_arena_strdup(t_arena, name);
    return e;
}

/* var.a.b.c as a chain: path("var.a.b"). */
static E *path(const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", dotted);
    char *save = NULL;
    char *tok = strtok_r(buf, ".", &save);
    E *e = var(tok);
    while ((tok = strtok_r(NULL, ".", &save)))
        e = attr(e, tok);
    return e;
}

static E *idx(E *obj, E *key)
{
    E *e = node(VPCE_EXPR_INDEX);
    e->u.index.obj = obj;
    e->u.index.key = key;
    return e;
}

static E *bin(vpce_op op, E *a, E *b)
{
    E *e = node(VPCE_EXPR_BINARY);
    e->u.binary.op = op;
    e->u.binary.lhs = a;
    e->u.binary.rhs = b;
    return e;
}

static E *un(vpce_op op, E *a)
{
    E *e = node(VPCE_EXPR_UNARY);
    e->u.unary.op = op;
    e->u.unary.operand = a;
    return e;
}

static E *cnd(E *c, E *t, E *f)
{
    E *e = node(VPCE_EXPR_COND);
    e->u.cond.cond = c;
    e->u.cond.then = t;
    e->u.cond.els = f;
    return e;
}

static E **list_of(size_t n, va_list ap)
{
    E **items = vpce_arena_alloc(t_arena, (n ? n : 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i] = va_arg(ap, E *);
    return items;
}

static E *tmpl(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    E *e = node(VPCE_EXPR_TEMPLATE);
    e->u.list.items = list_of(n, ap);
    e->u.list.n = n;
    va_end(ap);
    return e;
}

static E *tup(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    E *e = node(VPCE_EXPR_TUPLE);
    e->u.list.items = list_of(n, ap);
    e->u.list.n = n;
    va_end(ap);
    return e;
}

/* obj(2, "a", expr, "b", expr): identifier keys. */
static E *obj(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    E *e = node(VPCE_EXPR_OBJECT);
    e->u.object.items = vpce_arena_alloc(t_arena, (n ? n : 1) * sizeof(vpce_ast_objitem));
    e->u.object.n = n;
    for (size_t i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        e->u.object.items[i].key = str(k);
        e->u.object.items[i].key_is_ident = true;
        e->u.object.items[i].value = va_arg(ap, E *);
    }
    va_end(ap);
    return e;
}

static E *call(const char *name, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    E *e = node(VPCE_EXPR_CALL);
    e->u.call.name = vpce_arena_strdup(t_arena, name);
    e->u.call.args = list_of(n, ap);
    e->u.call.nargs = n;
    va_end(ap);
    return e;
}

static E *forl(const char *k, const char *v, E *coll, E *val, E *c)
{
    E *e = node(VPCE_EXPR_FOR);
    e->u.forx.key_var = k ? vpce_arena_strdup(t_arena, k) : NULL;
    e->u.forx.val_var = vpce_arena_strdup(t_arena, v);
    e->u.forx.coll = coll;
    e->u.forx.value = val;
    e->u.forx.cond = c;
    return e;
}

static E *foro(const char *k, const char *v, E *coll, E *key, E *val, E *c, bool grouping)
{
    E *e = forl(k, v, coll, val, c);
    e->u.forx.is_object = true;
    e->u.forx.key = key;
    e->u.forx.grouping = grouping;
    return e;
}

static E *item(void)
{
    return node(VPCE_EXPR_SPLAT_ITEM);
}

static E *splat(E *src, E *each)
{
    E *e = node(VPCE_EXPR_SPLAT);
    e->u.splat.source = src;
    e->u.splat.each = each;
    return e;
}

/* Evaluates e with the scope given as JSON text (NULL: empty). New reference or NULL. */
static json_t *eval_in(E *e, const char *scope_json)
{
    json_t *scope = scope_json ? jparse(scope_json) : json_object();
    vpce_eval_ctx ctx = {scope, NULL, &t_diags, NULL, NULL};
    json_t *v = vpce_eval(&ctx, e);
    json_decref(scope);
    return v;
}

/* Parses source text as one expression (kept until teardown); fails the test on syntax errors. */
static E *parse(const char *src)
{
    vpce_file *f = NULL;
    E *e = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    int rc = vpce_parse_expr(&f, &e, "test.vpce", src, strlen(src), &d);
    if (f)
        vpce_vec_push(&t_files, f);
    if (rc < 0 || !e) {
        print_error("syntax error in test expression %s: %s\n", src,
                    d.len ? d.items[0].summary : "?");
        vpce_diags_release(&d);
        fail();
    }
    vpce_diags_release(&d);
    return e;
}

/* Evaluates source text with the scope given as JSON text (NULL: empty). */
static json_t *evs(const char *src, const char *scope_json)
{
    return eval_in(parse(src), scope_json);
}

/* Calls a function with arguments given as a JSON array text. */
static json_t *fcall(const char *name, const char *args_json)
{
    json_t *args = jparse(args_json);
    json_t *scope = json_object();
    vpce_eval_ctx ctx = {scope, VPCE_TEST_DATA_DIR, &t_diags, NULL, NULL};
    size_t n = json_array_size(args);
    json_t **argv = calloc(n ? n : 1, sizeof(*argv));
    for (size_t i = 0; i < n; i++)
        argv[i] = json_array_get(args, i);
    vpce_range r = {NULL, 0, 0};
    json_t *v = vpce_eval_call(&ctx, name, argv, n, r);
    free(argv);
    json_decref(args);
    json_decref(scope);
    return v;
}

static void check_json(json_t *v, const char *expected, const char *file, int line)
{
    if (!v) {
        const char *s = t_diags.len ? t_diags.items[t_diags.len - 1].summary : "(none)";
        print_error("%s:%d: expected %s, got an error: %s\n", file, line, expected, s);
        _fail(file, line);
        return;
    }
    json_t *exp = jparse(expected);
    if (!vpce_value_equal(v, exp) || json_typeof(v) != json_typeof(exp)) {
        /* integer vs real is fine; other type mismatches are not */
        if (!(vpce_is_number(v) && vpce_is_number(exp) && vpce_value_equal(v, exp))) {
            char *got = json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS);
            print_error("%s:%d: expected %s, got %s\n", file, line, expected, got);
            free(got);
            json_decref(exp);
            json_decref(v);
            _fail(file, line);
            return;
        }
    }
    if (t_diags.len != 0) {
        const char *s = t_diags.items[0].summary;
        json_decref(exp);
        json_decref(v);
        print_error("%s:%d: unexpected diagnostic: %s\n", file, line, s);
        _fail(file, line);
        return;
    }
    json_decref(exp);
    json_decref(v);
}

static void check_err(json_t *v, const char *summary, const char *file, int line)
{
    if (v) {
        char *got = json_dumps(v, JSON_ENCODE_ANY);
        print_error("%s:%d: expected error \"%s\", got %s\n", file, line, summary, got);
        free(got);
        json_decref(v);
        _fail(file, line);
        return;
    }
    if (t_diags.len != 1 || strcmp(t_diags.items[0].summary, summary) != 0) {
        print_error("%s:%d: expected one error \"%s\", got %zu, first: %s\n", file, line, summary,
                    t_diags.len, t_diags.len ? t_diags.items[0].summary : "(none)");
        _fail(file, line);
        return;
    }
    vpce_diags_release(&t_diags);
}

/* Asserts v (consumed) equals the JSON text and no diagnostic was added. */
#define assert_json(v, expected) check_json((v), (expected), __FILE__, __LINE__)
/* Asserts v is NULL and exactly one diagnostic with this summary was added (then clears it). */
#define assert_err(v, summary) check_err((v), (summary), __FILE__, __LINE__)
#define assert_unknown(v)      assert_json((v), UNK)

#define T(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

#endif
