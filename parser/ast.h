/*
 * parser/ast.h: the syntax tree of a .vpce file (HCL native syntax). Every node carries the byte
 * range it came from. All nodes, strings and arrays live in the file's arena and are freed with
 * the file (vpce_file_free); literal json_t values are owned by the file too.
 */
#ifndef VPCE_PARSER_AST_H
#define VPCE_PARSER_AST_H

#include "util/util.h"

typedef struct vpce_ast_expr vpce_ast_expr;
typedef struct vpce_ast_body vpce_ast_body;

typedef enum {
    VPCE_EXPR_LITERAL,    /* u.literal: string, number, bool or null */
    VPCE_EXPR_TEMPLATE,   /* u.list: parts, each a string LITERAL or an interpolated expression.
                             A template that is exactly one interpolation ("${x}") evaluates to
                             x's value unconverted, as in HCL. Heredocs are templates too. */
    VPCE_EXPR_TUPLE,      /* u.list: items */
    VPCE_EXPR_OBJECT,     /* u.object: items */
    VPCE_EXPR_VAR,        /* u.var: a root name (var, local, each, count, data, aws_vpc, ...) */
    VPCE_EXPR_GETATTR,    /* u.getattr: obj.name */
    VPCE_EXPR_INDEX,      /* u.index: obj[key]; legacy obj.0 is an INDEX with a number key */
    VPCE_EXPR_SPLAT,      /* u.splat: source[*].each or source.*.each */
    VPCE_EXPR_SPLAT_ITEM, /* the element being traversed inside a SPLAT's `each` */
    VPCE_EXPR_CALL,       /* u.call: name(args...) */
    VPCE_EXPR_UNARY,      /* u.unary */
    VPCE_EXPR_BINARY,     /* u.binary */
    VPCE_EXPR_COND,       /* u.cond: cond ? then : els */
    VPCE_EXPR_FOR,        /* u.forx: [for ...] or {for ...} */
    VPCE_EXPR_PAREN,      /* u.inner: ( inner ) */
} vpce_expr_kind;

typedef enum {
    VPCE_OP_NOT, /* !x */
    VPCE_OP_NEG, /* -x */
    VPCE_OP_MUL,
    VPCE_OP_DIV,
    VPCE_OP_MOD,
    VPCE_OP_ADD,
    VPCE_OP_SUB,
    VPCE_OP_LT,
    VPCE_OP_LE,
    VPCE_OP_GT,
    VPCE_OP_GE,
    VPCE_OP_EQ,
    VPCE_OP_NE,
    VPCE_OP_AND,
    VPCE_OP_OR,
} vpce_op;

typedef struct vpce_ast_objitem {
    vpce_ast_expr *key; /* a bare identifier key is a string LITERAL with key_is_ident set */
    vpce_ast_expr *value;
    bool key_is_ident;
} vpce_ast_objitem;

struct vpce_ast_expr {
    vpce_expr_kind kind;
    vpce_range range;
    union {
        json_t *literal;
        struct {
            vpce_ast_expr **items;
            size_t n;
        } list;
        struct {
            vpce_ast_objitem *items;
            size_t n;
        } object;
        struct {
            const char *name;
        } var;
        struct {
            vpce_ast_expr *obj;
            const char *name;
            vpce_range name_range;
        } getattr;
        struct {
            vpce_ast_expr *obj;
            vpce_ast_expr *key;
        } index;
        struct {
            vpce_ast_expr *source;
            vpce_ast_expr
                *each; /* expression over SPLAT_ITEM; SPLAT_ITEM itself when no traversal */
        } splat;
        struct {
            const char *name;
            vpce_range name_range;
            vpce_ast_expr **args;
            size_t nargs;
            bool expand_final; /* f(args...) */
        } call;
        struct {
            vpce_op op;
            vpce_ast_expr *operand;
        } unary;
        struct {
            vpce_op op;
            vpce_ast_expr *lhs;
            vpce_ast_expr *rhs;
        } binary;
        struct {
            vpce_ast_expr *cond;
            vpce_ast_expr *then;
            vpce_ast_expr *els;
        } cond;
        struct {
            bool is_object;      /* {for ...} */
            const char *key_var; /* NULL when only one variable is named */
            const char *val_var;
            vpce_ast_expr *coll;
            vpce_ast_expr *key; /* object form only */
            vpce_ast_expr *value;
            vpce_ast_expr *cond; /* NULL without `if` */
            bool grouping;       /* value... in the object form */
        } forx;
        vpce_ast_expr *inner;
    } u;
};

typedef struct vpce_ast_attr {
    const char *name;
    vpce_range name_range;
    vpce_ast_expr *expr;
    vpce_range range; /* name through the end of the expression */
} vpce_ast_attr;

typedef struct vpce_ast_block {
    const char *type;
    vpce_range type_range;
    const char **labels;
    vpce_range *label_ranges;
    size_t nlabels;
    vpce_ast_body *body;
    vpce_range range; /* type through the closing brace */
    vpce_range
        open_range; /* type through the opening brace: where diagnostics about the block point */
} vpce_ast_block;

/* Attributes and blocks in source order within each array. */
struct vpce_ast_body {
    vpce_ast_attr **attrs;
    size_t nattrs;
    vpce_ast_block **blocks;
    size_t nblocks;
    vpce_range range;
};

#endif
