/*
 * config/backend.c: settings that must be literals (a backend block, a -backend-config file)
 * turned into JSON, and the selected workspace. As in Terraform, backend settings are read before
 * the configuration is evaluated, so variables, locals and function calls are refused.
 */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

static int literal(json_t **out, const vpce_ast_expr *e, const char *what, vpce_diags *diags);

static int refuse(const vpce_ast_expr *e, const char *what, vpce_diags *diags)
{
    vpce_diags_error(diags, e->range,
                     "the settings of a backend are read before anything is evaluated: use a "
                     "literal value here, or pass it with -backend-config at `vpce init`",
                     "variables and functions may not be used in %s", what);
    return VPCE_EINVALID;
}

static int literal_template(json_t **out, const vpce_ast_expr *e, const char *what,
                            vpce_diags *diags)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < e->u.list.n; i++) {
        const vpce_ast_expr *p = e->u.list.items[i];
        if (p->kind != VPCE_EXPR_LITERAL || !json_is_string(p->u.literal)) {
            vpce_buf_release(&b);
            return refuse(p, what, diags);
        }
        vpce_buf_append(&b, json_string_value(p->u.literal), json_string_length(p->u.literal));
    }
    *out = json_stringn(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return 0;
}

static int literal(json_t **out, const vpce_ast_expr *e, const char *what, vpce_diags *diags)
{
    int rc = 0;
    *out = NULL;
    switch (e->kind) {
    case VPCE_EXPR_LITERAL:
        *out = json_deep_copy(e->u.literal);
        return 0;
    case VPCE_EXPR_TEMPLATE:
        return literal_template(out, e, what, diags);
    case VPCE_EXPR_PAREN:
        return literal(out, e->u.inner, what, diags);
    case VPCE_EXPR_UNARY:
        if (e->u.unary.op == VPCE_OP_NEG && e->u.unary.operand->kind == VPCE_EXPR_LITERAL &&
            json_is_number(e->u.unary.operand->u.literal)) {
            const json_t *n = e->u.unary.operand->u.literal;
            *out = json_is_integer(n) ? json_integer(-json_integer_value(n))
                                      : json_real(-json_real_value(n));
            return 0;
        }
        return refuse(e, what, diags);
    case VPCE_EXPR_TUPLE: {
        json_t *a = json_array();
        for (size_t i = 0; i < e->u.list.n && rc == 0; i++) {
            json_t *v = NULL;
            rc = literal(&v, e->u.list.items[i], what, diags);
            if (rc == 0)
                json_array_append_new(a, v);
        }
        if (rc)
            json_decref(a);
        else
            *out = a;
        return rc;
    }
    case VPCE_EXPR_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < e->u.object.n && rc == 0; i++) {
            json_t *k = NULL, *v = NULL;
            rc = literal(&k, e->u.object.items[i].key, what, diags);
            if (rc == 0 && !json_is_string(k)) {
                vpce_diags_error(diags, e->u.object.items[i].key->range, NULL,
                                 "object keys in %s must be strings", what);
                rc = VPCE_EINVALID;
            }
            if (rc == 0)
                rc = literal(&v, e->u.object.items[i].value, what, diags);
            if (rc == 0)
                json_object_set_new(o, json_string_value(k), v);
            json_decref(k);
        }
        if (rc)
            json_decref(o);
        else
            *out = o;
        return rc;
    }
    default:
        return refuse(e, what, diags);
    }
}

int vpce_config_literal_body(json_t **out, const vpce_ast_body *body, const char *what,
                             vpce_diags *diags)
{
    json_t *o = json_object();
    int rc = 0;
    *out = NULL;
    for (size_t i = 0; body && i < body->nattrs; i++) {
        const vpce_ast_attr *a = body->attrs[i];
        json_t *v = NULL;
        if (json_object_get(o, a->name)) {
            vpce_diags_error(diags, a->name_range, NULL, "duplicate argument \"%s\" in %s", a->name,
                             what);
            rc = VPCE_EINVALID;
            continue;
        }
        if (literal(&v, a->expr, what, diags) < 0) {
            rc = VPCE_EINVALID;
            continue;
        }
        json_object_set_new(o, a->name, v);
    }
    for (size_t i = 0; body && i < body->nblocks; i++) {
        const vpce_ast_block *b = body->blocks[i];
        json_t *v = NULL;
        if (b->nlabels) {
            vpce_diags_error(diags, b->label_ranges[0], NULL,
                             "a \"%s\" block in %s takes no labels", b->type, what);
            rc = VPCE_EINVALID;
            continue;
        }
        if (json_object_get(o, b->type)) {
            vpce_diags_error(diags, b->type_range, NULL, "duplicate \"%s\" block in %s", b->type,
                             what);
            rc = VPCE_EINVALID;
            continue;
        }
        if (vpce_config_literal_body(&v, b->body, what, diags) < 0) {
            rc = VPCE_EINVALID;
            continue;
        }
        json_object_set_new(o, b->type, v);
    }
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

void vpce_config_set_workspace(vpce_config *c, const char *workspace)
{
    free(c->workspace);
    c->workspace = workspace ? vpce_strdup(workspace) : NULL;
}
