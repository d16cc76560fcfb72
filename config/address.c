/*
 * config/address.c: addresses written as traversal expressions (moved, removed and import
 * blocks): the expression's names and literal keys become the parts util's address syntax
 * takes.
 */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

/* Appends the parts of e to parts (names borrowed from e, keys new); false when e is not a
   traversal with literal keys. */
static bool expr_parts(const vpce_ast_expr *e, vpce_vec *parts)
{
    vpce_addr_part *p;
    switch (e->kind) {
    case VPCE_EXPR_VAR:
        p = vpce_calloc(1, sizeof(*p));
        p->name = e->u.var.name;
        vpce_vec_push(parts, p);
        return true;
    case VPCE_EXPR_GETATTR:
        if (!expr_parts(e->u.getattr.obj, parts))
            return false;
        p = vpce_calloc(1, sizeof(*p));
        p->name = e->u.getattr.name;
        vpce_vec_push(parts, p);
        return true;
    case VPCE_EXPR_INDEX: {
        if (!expr_parts(e->u.index.obj, parts))
            return false;
        const vpce_ast_expr *k = e->u.index.key;
        while (k->kind == VPCE_EXPR_PAREN)
            k = k->u.inner;
        if (k->kind == VPCE_EXPR_TEMPLATE && k->u.list.n == 1)
            k = k->u.list.items[0];
        json_t *key = NULL;
        if (k->kind == VPCE_EXPR_TEMPLATE && k->u.list.n == 0)
            key = json_string("");
        else if (k->kind == VPCE_EXPR_LITERAL && json_is_string(k->u.literal))
            key = json_incref(k->u.literal);
        else if (k->kind == VPCE_EXPR_LITERAL && vpce_is_number(k->u.literal)) {
            double d = vpce_number(k->u.literal);
            if (d < 0 || d != (double)(json_int_t)d)
                return false;
            key = json_integer((json_int_t)d);
        } else
            return false;
        p = vpce_calloc(1, sizeof(*p));
        p->key = key;
        vpce_vec_push(parts, p);
        return true;
    }
    default:
        return false;
    }
}

int vpce_addr_from_expr(vpce_addr *out, const vpce_ast_expr *e, const char **err)
{
    vpce_vec parts = VPCE_VEC_INIT;
    int rc = VPCE_EINVALID;
    memset(out, 0, sizeof(*out));
    *err = "an address such as aws_vpc.main, aws_subnet.a[0] or module.net.aws_vpc.main is "
           "required here, with literal instance keys";
    if (expr_parts(e, &parts)) {
        vpce_addr_part *flat = vpce_calloc(parts.len ? parts.len : 1, sizeof(*flat));
        for (size_t i = 0; i < parts.len; i++)
            flat[i] = *(vpce_addr_part *)parts.items[i];
        rc = vpce_addr_from_parts(out, flat, parts.len, err);
        free(flat);
    }
    for (size_t i = 0; i < parts.len; i++) {
        json_decref(((vpce_addr_part *)parts.items[i])->key);
        free(parts.items[i]);
    }
    vpce_vec_release(&parts);
    return rc;
}
