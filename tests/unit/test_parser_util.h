/*
 * tests/unit/test_parser_util.h: helpers shared by the parser unit tests: an S-expression
 * rendering of the syntax tree, so a test can state the expected shape in one string.
 */
#ifndef VPCE_TEST_PARSER_UTIL_H
#define VPCE_TEST_PARSER_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

static const char *const test_op_names[] = {"!",  "neg", "*",  "/",  "%",  "+",  "-", "<",
                                            "<=", ">",   ">=", "==", "!=", "&&", "||"};

static inline void sx_expr(const vpce_ast_expr *e, FILE *o)
{
    if (!e) {
        fputs("NULL", o);
        return;
    }
    switch (e->kind) {
    case VPCE_EXPR_LITERAL: {
        char *s = json_dumps(e->u.literal, JSON_ENCODE_ANY);
        fputs(s, o);
        free(s);
        break;
    }
    case VPCE_EXPR_TEMPLATE:
    case VPCE_EXPR_TUPLE:
        fputs(e->kind == VPCE_EXPR_TEMPLATE ? "(tmpl" : "(tuple", o);
        for (size_t i = 0; i < e->u.list.n; i++) {
            fputc(' ', o);
            sx_expr(e->u.list.items[i], o);
        }
        fputc(')', o);
        break;
    case VPCE_EXPR_OBJECT:
        fputs("(obj", o);
        for (size_t i = 0; i < e->u.object.n; i++) {
            fputs(e->u.object.items[i].key_is_ident ? " id:" : " ", o);
            sx_expr(e->u.object.items[i].key, o);
            fputc('=', o);
            sx_expr(e->u.object.items[i].value, o);
        }
        fputc(')', o);
        break;
    case VPCE_EXPR_VAR:
        fputs(e->u.var.name, o);
        break;
    case VPCE_EXPR_GETATTR:
        fputs("(. ", o);
        sx_expr(e->u.getattr.obj, o);
        fprintf(o, " %s)", e->u.getattr.name);
        break;
    case VPCE_EXPR_INDEX:
        fputs("(idx ", o);
        sx_expr(e->u.index.obj, o);
        fputc(' ', o);
        sx_expr(e->u.index.key, o);
        fputc(')', o);
        break;
    case VPCE_EXPR_SPLAT:
        fputs("(splat ", o);
        sx_expr(e->u.splat.source, o);
        fputc(' ', o);
        sx_expr(e->u.splat.each, o);
        fputc(')', o);
        break;
    case VPCE_EXPR_SPLAT_ITEM:
        fputc('@', o);
        break;
    case VPCE_EXPR_CALL:
        fprintf(o, "(call %s", e->u.call.name);
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            fputc(' ', o);
            sx_expr(e->u.call.args[i], o);
        }
        if (e->u.call.expand_final)
            fputs(" ...", o);
        fputc(')', o);
        break;
    case VPCE_EXPR_UNARY:
        fprintf(o, "(%s ", test_op_names[e->u.unary.op]);
        sx_expr(e->u.unary.operand, o);
        fputc(')', o);
        break;
    case VPCE_EXPR_BINARY:
        fprintf(o, "(%s ", test_op_names[e->u.binary.op]);
        sx_expr(e->u.binary.lhs, o);
        fputc(' ', o);
        sx_expr(e->u.binary.rhs, o);
        fputc(')', o);
        break;
    case VPCE_EXPR_COND:
        fputs("(? ", o);
        sx_expr(e->u.cond.cond, o);
        fputc(' ', o);
        sx_expr(e->u.cond.then, o);
        fputc(' ', o);
        sx_expr(e->u.cond.els, o);
        fputc(')', o);
        break;
    case VPCE_EXPR_FOR:
        fprintf(o, "(for%s %s %s ", e->u.forx.is_object ? "{}" : "[]",
                e->u.forx.key_var ? e->u.forx.key_var : "-", e->u.forx.val_var);
        sx_expr(e->u.forx.coll, o);
        fputs(" : ", o);
        if (e->u.forx.key) {
            sx_expr(e->u.forx.key, o);
            fputs(" => ", o);
        }
        sx_expr(e->u.forx.value, o);
        if (e->u.forx.grouping)
            fputs("...", o);
        if (e->u.forx.cond) {
            fputs(" if ", o);
            sx_expr(e->u.forx.cond, o);
        }
        fputc(')', o);
        break;
    case VPCE_EXPR_PAREN:
        fputs("(paren ", o);
        sx_expr(e->u.inner, o);
        fputc(')', o);
        break;
    }
}

static inline void sx_body(const vpce_ast_body *b, FILE *o)
{
    for (size_t i = 0; i < b->nattrs; i++) {
        fprintf(o, "%s%s=", i ? " " : "", b->attrs[i]->name);
        sx_expr(b->attrs[i]->expr, o);
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const vpce_ast_block *k = b->blocks[i];
        fprintf(o, "%s%s", b->nattrs || i ? " " : "", k->type);
        for (size_t j = 0; j < k->nlabels; j++)
            fprintf(o, " [%s]", k->labels[j]);
        fputs(" {", o);
        sx_body(k->body, o);
        fputc('}', o);
    }
}

/* The S-expression of an expression / a body; caller frees. */
static inline char *sx_expr_str(const vpce_ast_expr *e)
{
    char *s = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&s, &n);
    sx_expr(e, o);
    fclose(o);
    return s;
}

static inline char *sx_body_str(const vpce_ast_body *b)
{
    char *s = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&s, &n);
    sx_body(b, o);
    fclose(o);
    return s;
}

/* Everything vpce_diags_print writes, as one string; caller frees. */
static inline char *diags_str(const vpce_diags *d)
{
    char *s = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&s, &n);
    vpce_diags_print(d, o, false);
    fclose(o);
    return s;
}

#endif
