/*
 * lang/eval.c: the expression evaluator (HCL semantics over jansson values) and the
 * reference walker. The scope is borrowed, never copied deeply: a for expression makes one
 * shallow copy of the top-level scope object and sets its iterator names on it.
 */
#include "lang/funcs.h"
#include "lang/lang.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The element a SPLAT's `each` expression is traversing (NULL outside a splat). */
typedef struct splat_frame {
    const json_t *item;
} splat_frame;

static json_t *ev(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e);

static const char *op_text(vpce_op op)
{
    static const char *const names[] = {"!",  "-", "*",  "/",  "%",  "+",  "-", "<",
                                        "<=", ">", ">=", "==", "!=", "&&", "||"};
    return (size_t)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static json_t *err(const vpce_eval_ctx *ctx, vpce_range r, const char *detail, const char *summary)
{
    vpce_diags_error(ctx->diags, r, detail, "%s", summary);
    return NULL;
}

/* ---- traversal ---------------------------------------------------------------------------- */

/* A tuple or object value (a big number is an object underneath, but a number). */
static bool is_structural(const json_t *v)
{
    return json_is_array(v) || (json_is_object(v) && !vpce_is_bignum(v));
}

static json_t *get_attr(const vpce_eval_ctx *ctx, json_t *obj, const char *name, vpce_range r)
{
    if (vpce_is_unknown(obj))
        return vpce_unknown();
    if (json_is_object(obj) && !vpce_is_bignum(obj)) {
        json_t *x = json_object_get(obj, name);
        if (x)
            return json_incref(x);
        vpce_diags_error(ctx->diags, r, "this object does not have an attribute with that name",
                         "unsupported attribute \"%s\"", name);
        return NULL;
    }
    if (json_is_array(obj)) {
        /* Legacy index syntax: list.0 */
        char *end;
        long i = strtol(name, &end, 10);
        if (*name && *end == 0 && i >= 0) {
            json_t *x = json_array_get(obj, (size_t)i);
            if (x)
                return json_incref(x);
            return err(ctx, r, "the index is out of range", "invalid index");
        }
    }
    char *detail = vpce_asprintf("a %s value has no attributes", vpce_value_type_name(obj));
    vpce_diags_error(ctx->diags, r, detail, "unsupported attribute \"%s\"", name);
    free(detail);
    return NULL;
}

static json_t *get_index(const vpce_eval_ctx *ctx, json_t *coll, json_t *key, vpce_range r)
{
    if (vpce_is_unknown(coll) || vpce_is_unknown(key))
        return vpce_unknown();
    if (json_is_null(key))
        return err(ctx, r, "the index must not be null", "invalid index");
    if (json_is_array(coll)) {
        const char *why;
        json_t *t = json_string("number");
        json_t *k = vpce_convert(key, t, &why);
        json_decref(t);
        if (!k)
            return err(ctx, r, "a tuple or list index must be a number", "invalid index");
        int64_t i = -1;
        bool whole = vpce_number_int64(k, &i);
        json_t *floor_k = whole ? NULL : vpce_number_unary('f', k, &why);
        bool integral = whole || (floor_k && vpce_number_cmp(floor_k, k) == 0);
        json_decref(floor_k);
        if (!integral) {
            json_decref(k);
            return err(ctx, r, "the index must be a whole number", "invalid index");
        }
        if (!whole || i < 0 || (uint64_t)i >= json_array_size(coll)) {
            char *num = vpce_number_text(k);
            char *detail =
                vpce_asprintf("the index %s is out of range for a collection of %zu elements", num,
                              json_array_size(coll));
            free(num);
            json_decref(k);
            vpce_diags_error(ctx->diags, r, detail, "invalid index");
            free(detail);
            return NULL;
        }
        json_decref(k);
        return json_incref(json_array_get(coll, (size_t)i));
    }
    if (json_is_object(coll) && !vpce_is_bignum(coll)) {
        const char *why;
        char *k = is_structural(key) ? NULL : vpce_value_to_string(key, &why);
        if (!k)
            return err(ctx, r, "a map or object key must be a string", "invalid index");
        json_t *x = json_object_get(coll, k);
        if (!x) {
            char *detail = vpce_asprintf("the collection has no element with the key \"%s\"", k);
            vpce_diags_error(ctx->diags, r, detail, "invalid index");
            free(detail);
        }
        free(k);
        return x ? json_incref(x) : NULL;
    }
    char *detail = vpce_asprintf("a %s value cannot be indexed", vpce_value_type_name(coll));
    vpce_diags_error(ctx->diags, r, detail, "invalid index");
    free(detail);
    return NULL;
}

static json_t *eval_splat(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    json_t *src = ev(ctx, sf, e->u.splat.source);
    if (!src)
        return NULL;
    if (vpce_is_unknown(src))
        return src;
    json_t *out = json_array();
    if (json_is_null(src)) {
        json_decref(src);
        return out;
    }
    if (!json_is_array(src)) {
        json_t *wrap = json_array();
        json_array_append_new(wrap, src);
        src = wrap;
    }
    for (size_t i = 0; i < json_array_size(src); i++) {
        splat_frame inner = {json_array_get(src, i)};
        json_t *x = ev(ctx, &inner, e->u.splat.each);
        if (!x) {
            json_decref(out);
            out = NULL;
            break;
        }
        json_array_append_new(out, x);
    }
    json_decref(src);
    return out;
}

/* ---- operators ---------------------------------------------------------------------------- */

static int to_bool(const json_t *v, bool *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0) {
        *out = true;
        return 0;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "false") == 0) {
        *out = false;
        return 0;
    }
    return -1;
}

static json_t *operand_err(const vpce_eval_ctx *ctx, vpce_range r, vpce_op op, const json_t *v,
                           const char *need)
{
    char *detail = json_is_null(v) ? vpce_strdup("the operand is null")
                                   : vpce_asprintf("the operand is a %s", vpce_value_type_name(v));
    vpce_diags_error(ctx->diags, r, detail, "invalid operand to \"%s\": %s", op_text(op), need);
    free(detail);
    return NULL;
}

/* A number result, or the error of an arithmetic failure at r. */
static json_t *number_result(const vpce_eval_ctx *ctx, vpce_range r, json_t *v, const char *why)
{
    if (v)
        return v;
    if (strcmp(why, "number out of range") == 0) {
        char *detail = vpce_asprintf("numbers have at most %d significant digits and, unless "
                                     "zero, magnitudes from 1e-%d to below 1e%d",
                                     VPCE_NUMBER_DIGITS, VPCE_NUMBER_MAX_EXP, VPCE_NUMBER_MAX_EXP);
        vpce_diags_error(ctx->diags, r, detail, "number out of range");
        free(detail);
        return NULL;
    }
    if (strcmp(why, "division by zero") == 0)
        return err(ctx, r, "the right operand of \"/\" is zero", why);
    if (strcmp(why, "modulo by zero") == 0)
        return err(ctx, r, "the right operand of \"%\" is zero", why);
    return err(ctx, r, NULL, why);
}

static json_t *eval_unary(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    json_t *v = ev(ctx, sf, e->u.unary.operand);
    if (!v)
        return NULL;
    json_t *r = NULL;
    if (vpce_is_unknown(v)) {
        r = vpce_unknown();
    } else if (e->u.unary.op == VPCE_OP_NOT) {
        bool b;
        if (to_bool(v, &b) < 0)
            operand_err(ctx, e->range, VPCE_OP_NOT, v, "a bool is required");
        else
            r = json_boolean(!b);
    } else if (!vpce_number_is_numeric(v)) {
        operand_err(ctx, e->range, VPCE_OP_NEG, v, "a number is required");
    } else if (json_is_integer(v) && json_integer_value(v) != INT64_MIN) {
        r = json_integer(-json_integer_value(v));
    } else {
        const char *why = NULL;
        json_t *n = vpce_number_unary('-', v, &why);
        r = number_result(ctx, e->range, n, why);
    }
    json_decref(v);
    return r;
}

static json_t *arith(const vpce_eval_ctx *ctx, vpce_range r, vpce_op op, json_t *a, json_t *b)
{
    if (!vpce_number_is_numeric(a))
        return operand_err(ctx, r, op, a, "a number is required");
    if (!vpce_number_is_numeric(b))
        return operand_err(ctx, r, op, b, "a number is required");
    if (json_is_integer(a) && json_is_integer(b)) {
        /* the common case, exact in int64 */
        json_int_t x = json_integer_value(a), y = json_integer_value(b), z;
        switch (op) {
        case VPCE_OP_ADD:
            if (!__builtin_add_overflow(x, y, &z))
                return json_integer(z);
            break;
        case VPCE_OP_SUB:
            if (!__builtin_sub_overflow(x, y, &z))
                return json_integer(z);
            break;
        case VPCE_OP_MUL:
            if (!__builtin_mul_overflow(x, y, &z))
                return json_integer(z);
            break;
        case VPCE_OP_MOD:
            if (y != 0 && y != -1)
                return json_integer(x % y);
            break;
        case VPCE_OP_LT:
            return json_boolean(x < y);
        case VPCE_OP_LE:
            return json_boolean(x <= y);
        case VPCE_OP_GT:
            return json_boolean(x > y);
        case VPCE_OP_GE:
            return json_boolean(x >= y);
        default:
            break;
        }
    }
    const char *why = NULL;
    if (op == VPCE_OP_LT || op == VPCE_OP_LE || op == VPCE_OP_GT || op == VPCE_OP_GE) {
        /* numeric strings compare as the numbers they convert to */
        json_t *x = vpce_number_canonical(a, &why);
        json_t *y = x ? vpce_number_canonical(b, &why) : NULL;
        if (!x || !y) {
            json_decref(x);
            return number_result(ctx, r, NULL, why);
        }
        int c = vpce_number_cmp(x, y);
        json_decref(x);
        json_decref(y);
        return json_boolean(op == VPCE_OP_LT   ? c < 0
                            : op == VPCE_OP_LE ? c <= 0
                            : op == VPCE_OP_GT ? c > 0
                                               : c >= 0);
    }
    json_t *v = vpce_number_arith(op, a, b, &why);
    return number_result(ctx, r, v, why);
}

static json_t *eval_binary(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    vpce_op op = e->u.binary.op;
    json_t *a = ev(ctx, sf, e->u.binary.lhs);
    if (!a)
        return NULL;
    json_t *b = NULL, *r = NULL;
    if (op == VPCE_OP_AND || op == VPCE_OP_OR) {
        bool x = false, y;
        bool a_unknown = vpce_is_unknown(a);
        if (!a_unknown) {
            if (to_bool(a, &x) < 0) {
                operand_err(ctx, e->range, op, a, "a bool is required");
                goto cleanup;
            }
            /* Short-circuit as HCL does: the right side is not evaluated. */
            if (op == VPCE_OP_AND ? !x : x) {
                r = json_boolean(x);
                goto cleanup;
            }
        }
        b = ev(ctx, sf, e->u.binary.rhs);
        if (!b)
            goto cleanup;
        if (vpce_is_unknown(b)) {
            r = vpce_unknown();
            goto cleanup;
        }
        if (to_bool(b, &y) < 0) {
            operand_err(ctx, e->range, op, b, "a bool is required");
            goto cleanup;
        }
        if (a_unknown)
            r = (op == VPCE_OP_AND ? !y : y) ? json_boolean(y) : vpce_unknown();
        else
            r = json_boolean(y);
        goto cleanup;
    }
    b = ev(ctx, sf, e->u.binary.rhs);
    if (!b)
        goto cleanup;
    if (op == VPCE_OP_EQ || op == VPCE_OP_NE) {
        if (vpce_contains_unknown(a) || vpce_contains_unknown(b))
            r = vpce_unknown();
        else
            r = json_boolean(vpce_value_equal(a, b) == (op == VPCE_OP_EQ));
        goto cleanup;
    }
    if (vpce_is_unknown(a) || vpce_is_unknown(b)) {
        /* Type errors on the known side are still reported. */
        json_t *k = vpce_is_unknown(a) ? b : a;
        if (!vpce_is_unknown(k) && !vpce_number_is_numeric(k))
            operand_err(ctx, e->range, op, k, "a number is required");
        else
            r = vpce_unknown();
        goto cleanup;
    }
    r = arith(ctx, e->range, op, a, b);
cleanup:
    json_decref(a);
    json_decref(b);
    return r;
}

/* ---- templates ---------------------------------------------------------------------------- */

static json_t *eval_template(const vpce_eval_ctx *ctx, const splat_frame *sf,
                             const vpce_ast_expr *e)
{
    size_t n = e->u.list.n;
    if (n == 1) {
        const vpce_ast_expr *p = e->u.list.items[0];
        if (!(p->kind == VPCE_EXPR_LITERAL && json_is_string(p->u.literal)))
            return ev(ctx, sf, p);
    }
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
    bool unknown = false, failed = false;
    for (size_t i = 0; i < n; i++) {
        const vpce_ast_expr *p = e->u.list.items[i];
        if (p->kind == VPCE_EXPR_LITERAL && json_is_string(p->u.literal)) {
            vpce_buf_append(&b, json_string_value(p->u.literal), json_string_length(p->u.literal));
            continue;
        }
        json_t *v = ev(ctx, sf, p);
        if (!v) {
            failed = true;
            continue;
        }
        if (vpce_is_unknown(v)) {
            unknown = true;
        } else if (json_is_null(v)) {
            err(ctx, p->range, "the value is null; a template cannot include a null value",
                "invalid template interpolation value");
            failed = true;
        } else if (json_is_array(v)) {
            err(ctx, p->range, "a string template can include only strings, numbers and bools",
                "cannot include a tuple in a string template");
            failed = true;
        } else if (json_is_object(v) && !vpce_is_bignum(v)) {
            err(ctx, p->range, "a string template can include only strings, numbers and bools",
                "cannot include an object in a string template");
            failed = true;
        } else if (!unknown && !failed) {
            const char *why;
            char *s = vpce_value_to_string(v, &why);
            if (json_is_string(v))
                vpce_buf_append(&b, json_string_value(v), json_string_length(v));
            else if (s)
                vpce_buf_puts(&b, s);
            free(s);
        }
        json_decref(v);
        if (b.overflow) {
            char *detail =
                vpce_asprintf("a string may be at most %u bytes long", VPCE_LANG_MAX_STRING);
            vpce_diags_error(ctx->diags, e->range, detail, "template result too long");
            free(detail);
            failed = true;
            break;
        }
    }
    if (b.overflow && !failed) {
        char *detail = vpce_asprintf("a string may be at most %u bytes long", VPCE_LANG_MAX_STRING);
        vpce_diags_error(ctx->diags, e->range, detail, "template result too long");
        free(detail);
        failed = true;
    }
    json_t *r = NULL;
    if (!failed)
        r = unknown ? vpce_unknown() : json_stringn(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
}

/* ---- conditional -------------------------------------------------------------------------- */

/* Makes the branch results agree in type where HCL would (number/bool with string -> string). */
static json_t *unify(json_t *v, const json_t *other)
{
    if (!v || !other || vpce_is_unknown(v) || vpce_is_unknown(other))
        return v;
    if (json_is_string(other) && (vpce_is_number(v) || json_is_boolean(v))) {
        const char *why;
        char *s = vpce_value_to_string(v, &why);
        json_decref(v);
        json_t *r = json_string(s);
        free(s);
        return r;
    }
    return v;
}

static json_t *eval_cond(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    json_t *c = ev(ctx, sf, e->u.cond.cond);
    if (!c)
        return NULL;
    json_t *r = NULL;
    bool b = false;
    bool cu = vpce_is_unknown(c);
    if (!cu && (json_is_null(c) || to_bool(c, &b) < 0)) {
        char *detail = vpce_asprintf("the condition is a %s value; a bool is required",
                                     json_is_null(c) ? "null" : vpce_value_type_name(c));
        vpce_diags_error(ctx->diags, e->u.cond.cond->range, detail,
                         "invalid conditional: the condition must be a bool");
        free(detail);
        json_decref(c);
        return NULL;
    }
    json_decref(c);
    /* Both branches are evaluated for their types; only the chosen branch's errors count. */
    vpce_diags dt = VPCE_DIAGS_INIT, de = VPCE_DIAGS_INIT;
    vpce_eval_ctx ct = *ctx, ce = *ctx;
    ct.diags = &dt;
    ce.diags = &de;
    json_t *tv = ev(&ct, sf, e->u.cond.then);
    json_t *evv = ev(&ce, sf, e->u.cond.els);
    if (cu) {
        vpce_diags_append(ctx->diags, &dt);
        vpce_diags_append(ctx->diags, &de);
        if (tv && evv)
            r = vpce_value_equal(tv, evv) && !vpce_contains_unknown(tv) ? json_incref(tv)
                                                                        : vpce_unknown();
    } else if (b) {
        vpce_diags_append(ctx->diags, &dt);
        r = unify(json_incref(tv), evv);
        if (!tv)
            r = NULL;
    } else {
        vpce_diags_append(ctx->diags, &de);
        r = unify(evv ? json_incref(evv) : NULL, tv);
    }
    json_decref(tv);
    json_decref(evv);
    vpce_diags_release(&dt);
    vpce_diags_release(&de);
    return r;
}

/* ---- for expressions ---------------------------------------------------------------------- */

static json_t *eval_for(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    json_t *coll = ev(ctx, sf, e->u.forx.coll);
    if (!coll)
        return NULL;
    if (vpce_is_unknown(coll))
        return coll;
    if (!is_structural(coll)) {
        char *detail = vpce_asprintf("a %s value cannot be iterated",
                                     json_is_null(coll) ? "null" : vpce_value_type_name(coll));
        vpce_diags_error(ctx->diags, e->u.forx.coll->range, detail,
                         "invalid \"for\" collection: a list, set, map or object is required");
        free(detail);
        json_decref(coll);
        return NULL;
    }
    /* One shallow copy of the top-level scope; the iterator names are set on it each round. */
    json_t *scope = ctx->scope ? json_copy(ctx->scope) : json_object();
    vpce_eval_ctx inner = *ctx;
    inner.scope = scope;
    const bool is_obj = e->u.forx.is_object;
    json_t *out = is_obj ? json_object() : json_array();
    bool ok = true, unknown = false;
    size_t n = 0;
    const char **keys = NULL;
    if (json_is_object(coll))
        keys = vpce_sorted_keys(coll, &n);
    else
        n = json_array_size(coll);
    for (size_t i = 0; i < n && ok && !unknown; i++) {
        json_t *k, *v;
        if (keys) {
            k = json_string(keys[i]);
            v = json_object_get(coll, keys[i]);
        } else {
            k = json_integer((json_int_t)i);
            v = json_array_get(coll, i);
        }
        if (e->u.forx.key_var)
            json_object_set(scope, e->u.forx.key_var, k);
        json_object_set(scope, e->u.forx.val_var, v);
        json_decref(k);
        if (e->u.forx.cond) {
            json_t *c = ev(&inner, sf, e->u.forx.cond);
            bool b = false;
            if (!c) {
                ok = false;
                continue;
            }
            if (vpce_is_unknown(c)) {
                unknown = true;
                json_decref(c);
                continue;
            }
            if (json_is_null(c) || to_bool(c, &b) < 0) {
                err(&inner, e->u.forx.cond->range, "the \"if\" clause must produce a bool",
                    "invalid \"for\" condition: a bool is required");
                json_decref(c);
                ok = false;
                continue;
            }
            json_decref(c);
            if (!b)
                continue;
        }
        if (!fn_budget_take(1)) {
            char *detail = vpce_asprintf("one expression may create at most %d collection "
                                         "elements",
                                         VPCE_LANG_MAX_ELEMENTS);
            vpce_diags_error(ctx->diags, e->range, detail, "\"for\" expression too large");
            free(detail);
            ok = false;
            break;
        }
        if (!is_obj) {
            json_t *x = ev(&inner, sf, e->u.forx.value);
            if (!x)
                ok = false;
            else
                json_array_append_new(out, x);
            continue;
        }
        json_t *kv = ev(&inner, sf, e->u.forx.key);
        if (!kv) {
            ok = false;
            continue;
        }
        if (vpce_is_unknown(kv)) {
            unknown = true;
            json_decref(kv);
            continue;
        }
        const char *why;
        char *ks = is_structural(kv) ? NULL : vpce_value_to_string(kv, &why);
        json_decref(kv);
        if (!ks) {
            err(&inner, e->u.forx.key->range, "an object key must be a string",
                "invalid object key: a string is required");
            ok = false;
            continue;
        }
        json_t *x = ev(&inner, sf, e->u.forx.value);
        if (!x) {
            ok = false;
        } else if (e->u.forx.grouping) {
            json_t *g = json_object_get(out, ks);
            if (!g) {
                g = json_array();
                json_object_set_new(out, ks, g);
            }
            json_array_append_new(g, x);
        } else if (json_object_get(out, ks)) {
            vpce_diags_error(ctx->diags, e->u.forx.key->range,
                             "use the grouping mode (value followed by ...) to group values by key",
                             "duplicate object key \"%s\"", ks);
            json_decref(x);
            ok = false;
        } else {
            json_object_set_new(out, ks, x);
        }
        free(ks);
    }
    free(keys);
    json_decref(scope);
    json_decref(coll);
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    if (unknown) {
        json_decref(out);
        return vpce_unknown();
    }
    return out;
}

/* ---- collections and calls ---------------------------------------------------------------- */

static json_t *eval_object(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    json_t *out = json_object();
    bool ok = true, unknown = false;
    for (size_t i = 0; i < e->u.object.n; i++) {
        const vpce_ast_objitem *it = &e->u.object.items[i];
        json_t *k;
        if (it->key_is_ident || it->key->kind == VPCE_EXPR_LITERAL)
            k = json_incref(it->key->u.literal);
        else if (it->key->kind == VPCE_EXPR_VAR)
            k = json_string(it->key->u.var.name); /* a bare name used as a key */
        else
            k = ev(ctx, sf, it->key);
        if (!k) {
            ok = false;
            continue;
        }
        json_t *v = ev(ctx, sf, it->value);
        if (!v) {
            json_decref(k);
            ok = false;
            continue;
        }
        if (vpce_is_unknown(k)) {
            unknown = true;
        } else {
            const char *why;
            char *ks = is_structural(k) ? NULL : vpce_value_to_string(k, &why);
            if (!ks) {
                err(ctx, it->key->range, "an object key must be a string",
                    "invalid object key: a string is required");
                ok = false;
            } else {
                json_object_set(out, ks, v);
                free(ks);
            }
        }
        json_decref(k);
        json_decref(v);
    }
    if (!ok || unknown) {
        json_decref(out);
        return ok ? vpce_unknown() : NULL;
    }
    return out;
}

/* try(): the first argument that evaluates without error; failures leave no diagnostics. */
static json_t *eval_try(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e,
                        bool is_can)
{
    size_t n = e->u.call.nargs;
    if (n == 0 || (is_can && n != 1)) {
        vpce_diags_error(ctx->diags, e->range, is_can ? "can takes one argument" : NULL,
                         "wrong number of arguments to \"%s\"", e->u.call.name);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        vpce_diags scratch = VPCE_DIAGS_INIT;
        vpce_eval_ctx c = *ctx;
        c.diags = &scratch;
        json_t *v = ev(&c, sf, e->u.call.args[i]);
        vpce_diags_release(&scratch);
        if (v && vpce_contains_unknown(v)) {
            /* Whether it would fail is not known yet. */
            json_decref(v);
            return vpce_unknown();
        }
        if (is_can) {
            json_decref(v);
            return json_boolean(v != NULL);
        }
        if (v)
            return v;
    }
    return err(ctx, e->range, "every argument of try failed to evaluate",
               "no expression succeeded in call to \"try\"");
}

/* issensitive(value): whether the argument is sensitive, judged from its expression as every
   sensitivity in vpce is (vpce_expr_sensitive with the context's predicate). */
static json_t *eval_issensitive(const vpce_eval_ctx *ctx, const splat_frame *sf,
                                const vpce_ast_expr *e)
{
    if (e->u.call.nargs != 1 || e->u.call.expand_final) {
        vpce_diags_error(ctx->diags, e->range, "expected 1 argument",
                         "wrong number of arguments to \"issensitive\"");
        return NULL;
    }
    json_t *v = ev(ctx, sf, e->u.call.args[0]);
    if (!v)
        return NULL;
    json_decref(v);
    return json_boolean(vpce_expr_sensitive(e->u.call.args[0], ctx->sensitive, ctx->sensitive_ud));
}

/* templatestring() inside a template is refused, as Terraform refuses it (and templatefile). */
static _Thread_local int templatestring_depth;

/*
 * templatestring(ref, vars), Terraform 1.9's: renders the string ref refers to as a template
 * with vars as its only scope. ref must be a reference to a named value (local.t,
 * data.x.y.body), not a template written in place (that would already have been rendered).
 */
static json_t *eval_templatestring(const vpce_eval_ctx *ctx, const splat_frame *sf,
                                   const vpce_ast_expr *e)
{
    if (e->u.call.nargs != 2 || e->u.call.expand_final) {
        vpce_diags_error(ctx->diags, e->range, "expected 2 arguments",
                         "wrong number of arguments to \"templatestring\"");
        return NULL;
    }
    const vpce_ast_expr *ref = e->u.call.args[0];
    while (ref->kind == VPCE_EXPR_PAREN)
        ref = ref->u.inner;
    if (ref->kind != VPCE_EXPR_VAR && ref->kind != VPCE_EXPR_GETATTR &&
        ref->kind != VPCE_EXPR_INDEX) {
        return err(ctx, e->u.call.args[0]->range,
                   "the template must be given as a reference to a string defined elsewhere, "
                   "such as local.template; a template written here is rendered before the "
                   "call: use it directly instead",
                   "invalid argument 1 to templatestring: a reference to a string is required");
    }
    if (templatestring_depth > 0)
        return err(ctx, e->range, NULL,
                   "cannot call templatestring from inside a template rendered by "
                   "templatestring");
    json_t *tmpl = ev(ctx, sf, e->u.call.args[0]);
    json_t *vars = tmpl ? ev(ctx, sf, e->u.call.args[1]) : NULL;
    json_t *r = NULL;
    vpce_file *file = NULL;
    vpce_ast_expr *expr = NULL;
    if (!tmpl || !vars)
        goto cleanup;
    if (vpce_is_unknown(tmpl) || vpce_contains_unknown(vars)) {
        r = vpce_unknown();
        goto cleanup;
    }
    if (!json_is_string(tmpl)) {
        vpce_diags_error(ctx->diags, e->u.call.args[0]->range, NULL,
                         "invalid argument 1 to templatestring: a string is required, not %s",
                         vpce_value_type_name(tmpl));
        goto cleanup;
    }
    if (!json_is_object(vars) && !json_is_null(vars)) {
        err(ctx, e->u.call.args[1]->range, NULL,
            "invalid argument 2 to templatestring: a map or object of template variables is "
            "required");
        goto cleanup;
    }
    /* Errors inside the template point into the string, named after the reference. */
    vpce_diags tdiags = VPCE_DIAGS_INIT;
    if (vpce_parse_template(&file, &expr, "templatestring", json_string_value(tmpl),
                            json_string_length(tmpl), &tdiags) < 0 ||
        !expr) {
        vpce_diags_append(ctx->diags, &tdiags);
        err(ctx, e->u.call.args[0]->range, NULL,
            "invalid template: the string given to templatestring has errors");
        goto cleanup;
    }
    vpce_diags_append(ctx->diags, &tdiags);
    json_t *scope = json_is_object(vars) ? json_incref(vars) : json_object();
    vpce_eval_ctx tctx = {scope, ctx->base_dir, ctx->diags, NULL, NULL};
    templatestring_depth++;
    r = vpce_eval(&tctx, expr);
    templatestring_depth--;
    json_decref(scope);
    const char *why = NULL;
    bool had = r != NULL;
    r = fn_template_string(r, &why);
    if (had && !r)
        err(ctx, e->range, why, "the template given to templatestring must produce a string");
cleanup:
    json_decref(tmpl);
    json_decref(vars);
    vpce_file_free(file);
    return r;
}

static json_t *eval_call(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    const char *name = e->u.call.name;
    if (strcmp(name, "try") == 0 || strcmp(name, "can") == 0)
        return eval_try(ctx, sf, e, name[0] == 'c');
    if (strcmp(name, "issensitive") == 0)
        return eval_issensitive(ctx, sf, e);
    if (strcmp(name, "templatestring") == 0)
        return eval_templatestring(ctx, sf, e);
    if (!vpce_eval_has_function(name)) {
        const char *const *names = vpce_eval_function_names();
        size_t cnt = 0;
        while (names[cnt])
            cnt++;
        const char *s = vpce_suggest(name, names, cnt);
        char *detail = s ? vpce_asprintf("did you mean \"%s\"?", s) : NULL;
        vpce_diags_error(ctx->diags, e->u.call.name_range.src ? e->u.call.name_range : e->range,
                         detail, "call to unknown function \"%s\"", name);
        free(detail);
        return NULL;
    }
    size_t n = e->u.call.nargs;
    json_t **args = vpce_calloc(n ? n : 1, sizeof(*args));
    json_t *r = NULL;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        args[i] = ev(ctx, sf, e->u.call.args[i]);
        if (!args[i])
            ok = false;
    }
    if (!ok)
        goto cleanup;
    size_t nargs = n;
    json_t **argv = args;
    json_t **expanded = NULL;
    if (e->u.call.expand_final && n > 0) {
        json_t *last = args[n - 1];
        if (vpce_is_unknown(last)) {
            r = vpce_unknown();
            goto cleanup;
        }
        if (!json_is_array(last)) {
            err(ctx, e->u.call.args[n - 1]->range,
                "the final argument expanded with ... must be a list, set or tuple",
                "invalid expanding argument value");
            goto cleanup;
        }
        nargs = n - 1 + json_array_size(last);
        expanded = vpce_calloc(nargs ? nargs : 1, sizeof(*expanded));
        for (size_t i = 0; i + 1 < n; i++)
            expanded[i] = args[i];
        for (size_t i = 0; i < json_array_size(last); i++)
            expanded[n - 1 + i] = json_array_get(last, i);
        argv = expanded;
    }
    r = vpce_eval_call(ctx, name, argv, nargs, e->range);
    free(expanded);
cleanup:
    for (size_t i = 0; i < n; i++)
        json_decref(args[i]);
    free(args);
    return r;
}

static json_t *ev_node(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    switch (e->kind) {
    case VPCE_EXPR_LITERAL:
        if (vpce_is_bignum(e->u.literal)) {
            /* the parser keeps number literals it cannot hold exactly as their text */
            const char *why = NULL;
            json_t *n = vpce_number_canonical(e->u.literal, &why);
            return number_result(ctx, e->range, n, why);
        }
        return json_incref(e->u.literal);
    case VPCE_EXPR_TEMPLATE:
        return eval_template(ctx, sf, e);
    case VPCE_EXPR_TUPLE: {
        json_t *out = json_array();
        bool ok = true;
        for (size_t i = 0; i < e->u.list.n; i++) {
            json_t *x = ev(ctx, sf, e->u.list.items[i]);
            if (!x)
                ok = false;
            else
                json_array_append_new(out, x);
        }
        if (!ok) {
            json_decref(out);
            return NULL;
        }
        return out;
    }
    case VPCE_EXPR_OBJECT:
        return eval_object(ctx, sf, e);
    case VPCE_EXPR_VAR: {
        json_t *x = ctx->scope ? json_object_get(ctx->scope, e->u.var.name) : NULL;
        if (!x) {
            vpce_diags_error(ctx->diags, e->range, "there is no variable with that name here",
                             "unknown variable \"%s\"", e->u.var.name);
            return NULL;
        }
        return json_incref(x);
    }
    case VPCE_EXPR_GETATTR: {
        json_t *o = ev(ctx, sf, e->u.getattr.obj);
        if (!o)
            return NULL;
        json_t *r = get_attr(ctx, o, e->u.getattr.name, e->range);
        json_decref(o);
        return r;
    }
    case VPCE_EXPR_INDEX: {
        json_t *o = ev(ctx, sf, e->u.index.obj);
        if (!o)
            return NULL;
        json_t *k = ev(ctx, sf, e->u.index.key);
        if (!k) {
            json_decref(o);
            return NULL;
        }
        json_t *r = get_index(ctx, o, k, e->range);
        json_decref(o);
        json_decref(k);
        return r;
    }
    case VPCE_EXPR_SPLAT:
        return eval_splat(ctx, sf, e);
    case VPCE_EXPR_SPLAT_ITEM:
        if (!sf || !sf->item)
            return err(ctx, e->range, NULL, "splat item outside a splat expression");
        return json_incref((json_t *)sf->item);
    case VPCE_EXPR_CALL:
        return eval_call(ctx, sf, e);
    case VPCE_EXPR_UNARY:
        return eval_unary(ctx, sf, e);
    case VPCE_EXPR_BINARY:
        return eval_binary(ctx, sf, e);
    case VPCE_EXPR_COND:
        return eval_cond(ctx, sf, e);
    case VPCE_EXPR_FOR:
        return eval_for(ctx, sf, e);
    case VPCE_EXPR_PAREN:
        return ev(ctx, sf, e->u.inner);
    }
    VPCE_BUG("unknown expression kind");
}

/*
 * Evaluation recurses once per level of the syntax tree. The parser refuses trees deeper than
 * its own limit, but trees are also built by other means (templatefile() parses its file), so
 * the evaluator has its own bound: an error, never a stack overflow.
 */
#define EVAL_MAX_DEPTH 2000
static _Thread_local unsigned eval_depth;

static json_t *ev(const vpce_eval_ctx *ctx, const splat_frame *sf, const vpce_ast_expr *e)
{
    if (eval_depth >= EVAL_MAX_DEPTH)
        return err(ctx, e->range, "split it into locals or simplify it",
                   "expression nested too deeply to evaluate");
    eval_depth++;
    json_t *r = ev_node(ctx, sf, e);
    eval_depth--;
    return r;
}

bool fn_in_eval(void)
{
    return eval_depth > 0;
}

json_t *vpce_eval(const vpce_eval_ctx *ctx, const vpce_ast_expr *e)
{
    VPCE_ASSERT(ctx && ctx->diags && e);
    if (eval_depth == 0)
        fn_budget_restart();
    return ev(ctx, NULL, e);
}

/* ---- references --------------------------------------------------------------------------- */

typedef struct bound {
    const char *name;
    const struct bound *next;
} bound;

typedef void (*ref_visit)(const char *root, const char *attr, const char *attr2, vpce_range range,
                          void *ud);

static bool is_bound(const bound *b, const char *name)
{
    for (; b; b = b->next)
        if (b->name && strcmp(b->name, name) == 0)
            return true;
    return false;
}

static void walk(const vpce_ast_expr *e, const bound *b, ref_visit visit, void *ud);

static const char *static_step(const vpce_ast_expr *step)
{
    if (step->kind == VPCE_EXPR_GETATTR)
        return step->u.getattr.name;
    const vpce_ast_expr *k = step->u.index.key;
    if (k->kind == VPCE_EXPR_LITERAL && json_is_string(k->u.literal))
        return json_string_value(k->u.literal);
    if (k->kind == VPCE_EXPR_TEMPLATE && k->u.list.n == 1 &&
        k->u.list.items[0]->kind == VPCE_EXPR_LITERAL &&
        json_is_string(k->u.list.items[0]->u.literal))
        return json_string_value(k->u.list.items[0]->u.literal);
    return NULL;
}

/* A chain of GETATTR/INDEX ending at e: visits its root once and walks dynamic index keys. */
static void walk_traversal(const vpce_ast_expr *e, const bound *b, ref_visit visit, void *ud)
{
    const vpce_ast_expr *steps[64];
    size_t n = 0;
    const vpce_ast_expr *cur = e;
    while ((cur->kind == VPCE_EXPR_GETATTR || cur->kind == VPCE_EXPR_INDEX) && n < 64) {
        steps[n++] = cur;
        cur = cur->kind == VPCE_EXPR_GETATTR ? cur->u.getattr.obj : cur->u.index.obj;
    }
    /* steps[n-1] is the step nearest the root. */
    for (size_t i = 0; i < n; i++)
        if (steps[i]->kind == VPCE_EXPR_INDEX)
            walk(steps[i]->u.index.key, b, visit, ud);
    if (cur->kind != VPCE_EXPR_VAR) {
        walk(cur, b, visit, ud);
        return;
    }
    if (is_bound(b, cur->u.var.name))
        return;
    const char *attr = NULL, *attr2 = NULL;
    if (n >= 1)
        attr = static_step(steps[n - 1]);
    if (attr && n >= 2)
        attr2 = static_step(steps[n - 2]);
    visit(cur->u.var.name, attr, attr2, e->range, ud);
}

static void walk(const vpce_ast_expr *e, const bound *b, ref_visit visit, void *ud)
{
    if (!e)
        return;
    switch (e->kind) {
    case VPCE_EXPR_LITERAL:
    case VPCE_EXPR_SPLAT_ITEM:
        return;
    case VPCE_EXPR_TEMPLATE:
    case VPCE_EXPR_TUPLE:
        for (size_t i = 0; i < e->u.list.n; i++)
            walk(e->u.list.items[i], b, visit, ud);
        return;
    case VPCE_EXPR_OBJECT:
        for (size_t i = 0; i < e->u.object.n; i++) {
            const vpce_ast_objitem *it = &e->u.object.items[i];
            if (!it->key_is_ident && it->key->kind != VPCE_EXPR_VAR)
                walk(it->key, b, visit, ud);
            walk(it->value, b, visit, ud);
        }
        return;
    case VPCE_EXPR_VAR:
    case VPCE_EXPR_GETATTR:
    case VPCE_EXPR_INDEX:
        walk_traversal(e, b, visit, ud);
        return;
    case VPCE_EXPR_SPLAT:
        walk(e->u.splat.source, b, visit, ud);
        walk(e->u.splat.each, b, visit, ud);
        return;
    case VPCE_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            walk(e->u.call.args[i], b, visit, ud);
        return;
    case VPCE_EXPR_UNARY:
        walk(e->u.unary.operand, b, visit, ud);
        return;
    case VPCE_EXPR_BINARY:
        walk(e->u.binary.lhs, b, visit, ud);
        walk(e->u.binary.rhs, b, visit, ud);
        return;
    case VPCE_EXPR_COND:
        walk(e->u.cond.cond, b, visit, ud);
        walk(e->u.cond.then, b, visit, ud);
        walk(e->u.cond.els, b, visit, ud);
        return;
    case VPCE_EXPR_FOR: {
        walk(e->u.forx.coll, b, visit, ud);
        bound kb = {e->u.forx.key_var, b};
        bound vb = {e->u.forx.val_var, &kb};
        walk(e->u.forx.key, &vb, visit, ud);
        walk(e->u.forx.value, &vb, visit, ud);
        walk(e->u.forx.cond, &vb, visit, ud);
        return;
    }
    case VPCE_EXPR_PAREN:
        walk(e->u.inner, b, visit, ud);
        return;
    }
}

void vpce_expr_walk_refs(const vpce_ast_expr *e,
                         void (*visit)(const char *root, const char *attr, const char *attr2,
                                       vpce_range range, void *ud),
                         void *ud)
{
    walk(e, NULL, visit, ud);
}

/* ---- sensitivity -------------------------------------------------------------------------- */

typedef vpce_sensitivity (*sens_pred)(const char *root, const vpce_ref_step *steps, size_t nsteps,
                                      void *ud);

typedef struct sens_ctx {
    sens_pred pred;
    void *ud;
} sens_ctx;

/* A name bound by a for expression; alias: the collection it iterates, when the variable stands
   for its elements (key: the key variable, which stands for the element as a whole). */
typedef struct sens_bound {
    const char *name;
    const vpce_ast_expr *alias;
    bool key;
    const struct sens_bound *next;
} sens_bound;

#define MAX_STEPS 64

static bool sens_expr(const vpce_ast_expr *e, const sens_bound *b, const sens_ctx *s);

static const sens_bound *sens_find(const sens_bound *b, const char *name)
{
    for (; b; b = b->next)
        if (b->name && strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

/* Collects the chain of GETATTR/INDEX steps ending at e, nearest the root first, into steps
   (at most MAX_STEPS); *root gets what the chain starts from. False when it is too long. */
static bool chain_steps(const vpce_ast_expr *e, const vpce_ast_expr **steps, size_t *n,
                        const vpce_ast_expr **root)
{
    const vpce_ast_expr *rev[MAX_STEPS];
    size_t k = 0;
    const vpce_ast_expr *cur = e;
    while (cur->kind == VPCE_EXPR_GETATTR || cur->kind == VPCE_EXPR_INDEX) {
        if (k == MAX_STEPS)
            return false;
        rev[k++] = cur;
        cur = cur->kind == VPCE_EXPR_GETATTR ? cur->u.getattr.obj : cur->u.index.obj;
    }
    for (size_t i = 0; i < k; i++)
        steps[i] = rev[k - 1 - i];
    *n = k;
    *root = cur;
    return true;
}

static void to_ref_steps(const vpce_ast_expr *const *steps, size_t n, vpce_ref_step *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].index = steps[i]->kind == VPCE_EXPR_INDEX;
        out[i].name = out[i].index ? static_step(steps[i]) : steps[i]->u.getattr.name;
    }
}

/* Dynamic index keys of a chain: a sensitive key makes the element it selects sensitive. */
static bool sens_keys(const vpce_ast_expr *const *steps, size_t n, const sens_bound *b,
                      const sens_ctx *s)
{
    for (size_t i = 0; i < n; i++)
        if (steps[i]->kind == VPCE_EXPR_INDEX && sens_expr(steps[i]->u.index.key, b, s))
            return true;
    return false;
}

/* A reference as root + steps: a plain chain from an unbound root, or from a for variable
   standing for the elements of such a chain. Fills rs, nrs and root; false when e is neither
   (then its parts are judged one by one). */
static bool ref_of(const vpce_ast_expr *e, const sens_bound *b, vpce_ref_step *rs, size_t *nrs,
                   const char **root, const vpce_ast_expr **nonchain)
{
    const vpce_ast_expr *steps[MAX_STEPS], *r;
    size_t n;
    *nonchain = NULL;
    if (!chain_steps(e, steps, &n, &r))
        return false;
    if (r->kind != VPCE_EXPR_VAR) {
        *nonchain = r;
        return false;
    }
    const sens_bound *bd = sens_find(b, r->u.var.name);
    if (!bd) {
        to_ref_steps(steps, n, rs);
        *nrs = n;
        *root = r->u.var.name;
        return true;
    }
    if (!bd->alias)
        return false;
    /* v.x with v an element of coll: coll[*].x; k: the element itself. */
    size_t na;
    if (!ref_of(bd->alias, bd->next, rs, &na, root, nonchain) || na + 1 + n > MAX_STEPS)
        return false;
    rs[na].name = NULL;
    rs[na].index = true;
    if (bd->key)
        n = 0;
    to_ref_steps(steps, n, rs + na + 1);
    *nrs = na + 1 + n;
    return true;
}

static bool sens_traversal(const vpce_ast_expr *e, const sens_bound *b, const sens_ctx *s)
{
    const vpce_ast_expr *steps[MAX_STEPS], *root;
    size_t n;
    if (!chain_steps(e, steps, &n, &root))
        return true; /* too deep to follow: say sensitive rather than miss it */
    if (sens_keys(steps, n, b, s))
        return true;
    vpce_ref_step rs[MAX_STEPS];
    size_t nrs;
    const char *name;
    const vpce_ast_expr *nonchain;
    if (ref_of(e, b, rs, &nrs, &name, &nonchain))
        return s->pred(name, rs, nrs, s->ud) != VPCE_SENS_NONE;
    if (nonchain)
        return sens_expr(nonchain, b, s);
    return false; /* a for variable over something judged as a whole */
}

/* source[*].each: one reference when both halves are plain chains, so an attribute taken from
   every instance is judged as that attribute. */
static bool sens_splat(const vpce_ast_expr *e, const sens_bound *b, const sens_ctx *s)
{
    const vpce_ast_expr *each[MAX_STEPS], *item;
    size_t ne, ns;
    vpce_ref_step rs[MAX_STEPS];
    const char *name;
    const vpce_ast_expr *nonchain;
    if (ref_of(e->u.splat.source, b, rs, &ns, &name, &nonchain) &&
        chain_steps(e->u.splat.each, each, &ne, &item) && item->kind == VPCE_EXPR_SPLAT_ITEM &&
        ns + 1 + ne <= MAX_STEPS) {
        const vpce_ast_expr *src[MAX_STEPS], *r;
        size_t n;
        if ((chain_steps(e->u.splat.source, src, &n, &r) && sens_keys(src, n, b, s)) ||
            sens_keys(each, ne, b, s))
            return true;
        rs[ns].name = NULL;
        rs[ns].index = true;
        to_ref_steps(each, ne, rs + ns + 1);
        return s->pred(name, rs, ns + 1 + ne, s->ud) != VPCE_SENS_NONE;
    }
    return sens_expr(e->u.splat.source, b, s) || sens_expr(e->u.splat.each, b, s);
}

static bool sens_for(const vpce_ast_expr *e, const sens_bound *b, const sens_ctx *s)
{
    const vpce_ast_expr *coll = e->u.forx.coll;
    vpce_ref_step rs[MAX_STEPS];
    size_t nrs;
    const char *name;
    const vpce_ast_expr *nonchain;
    const vpce_ast_expr *alias = NULL;
    if (ref_of(coll, b, rs, &nrs, &name, &nonchain)) {
        const vpce_ast_expr *steps[MAX_STEPS], *r;
        size_t n;
        if (chain_steps(coll, steps, &n, &r) && sens_keys(steps, n, b, s))
            return true;
        vpce_sensitivity v = s->pred(name, rs, nrs, s->ud);
        if (v == VPCE_SENS_WHOLE)
            return true; /* iterating a marked collection marks the result */
        if (v == VPCE_SENS_PART)
            alias = coll;
    } else if (sens_expr(coll, b, s)) {
        return true;
    }
    sens_bound kb = {e->u.forx.key_var, alias, true, b};
    sens_bound vb = {e->u.forx.val_var, alias, false, &kb};
    return sens_expr(e->u.forx.key, &vb, s) || sens_expr(e->u.forx.value, &vb, s) ||
           sens_expr(e->u.forx.cond, &vb, s);
}

static bool sens_expr(const vpce_ast_expr *e, const sens_bound *b, const sens_ctx *s)
{
    if (!e)
        return false;
    switch (e->kind) {
    case VPCE_EXPR_LITERAL:
    case VPCE_EXPR_SPLAT_ITEM:
        return false;
    case VPCE_EXPR_TEMPLATE:
    case VPCE_EXPR_TUPLE:
        for (size_t i = 0; i < e->u.list.n; i++)
            if (sens_expr(e->u.list.items[i], b, s))
                return true;
        return false;
    case VPCE_EXPR_OBJECT:
        for (size_t i = 0; i < e->u.object.n; i++) {
            const vpce_ast_objitem *it = &e->u.object.items[i];
            if (!it->key_is_ident && it->key->kind != VPCE_EXPR_VAR && sens_expr(it->key, b, s))
                return true;
            if (sens_expr(it->value, b, s))
                return true;
        }
        return false;
    case VPCE_EXPR_VAR:
    case VPCE_EXPR_GETATTR:
    case VPCE_EXPR_INDEX:
        return sens_traversal(e, b, s);
    case VPCE_EXPR_SPLAT:
        return sens_splat(e, b, s);
    case VPCE_EXPR_CALL:
        if (strcmp(e->u.call.name, "nonsensitive") == 0 ||
            strcmp(e->u.call.name, "issensitive") == 0)
            return false; /* issensitive's answer is not itself sensitive */
        if (strcmp(e->u.call.name, "sensitive") == 0)
            return true;
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (sens_expr(e->u.call.args[i], b, s))
                return true;
        return false;
    case VPCE_EXPR_UNARY:
        return sens_expr(e->u.unary.operand, b, s);
    case VPCE_EXPR_BINARY:
        return sens_expr(e->u.binary.lhs, b, s) || sens_expr(e->u.binary.rhs, b, s);
    case VPCE_EXPR_COND:
        return sens_expr(e->u.cond.cond, b, s) || sens_expr(e->u.cond.then, b, s) ||
               sens_expr(e->u.cond.els, b, s);
    case VPCE_EXPR_FOR:
        return sens_for(e, b, s);
    case VPCE_EXPR_PAREN:
        return sens_expr(e->u.inner, b, s);
    }
    return false;
}

bool vpce_expr_sensitive(const vpce_ast_expr *e, sens_pred ref_sensitive, void *ud)
{
    sens_ctx s = {ref_sensitive, ud};
    return sens_expr(e, NULL, &s);
}
