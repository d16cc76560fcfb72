/*
 * lang/types.c: type constraints (parsed from expressions or text), Terraform's conversion
 * rules between values and types, number formatting, the value order used by sets, and the
 * JSON encoding used by jsonencode.
 */
#include "lang/lang.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Conversion messages that name an attribute or element are built here (one per thread). */
static _Thread_local char why_buf[256];

/* ---- numbers ------------------------------------------------------------------------------ */

char *vpce_number_format(double x)
{
    if (isnan(x))
        return vpce_strdup("NaN");
    if (isinf(x))
        return vpce_strdup(x < 0 ? "-Inf" : "+Inf");
    if (x == floor(x) && fabs(x) < 9007199254740992.0)
        return vpce_asprintf("%lld", (long long)x);
    /* Shortest digits that read back as the same double. */
    char sci[64];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(sci, sizeof(sci), "%.*e", prec, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    /* sci is [-]d[.ddd]e[+-]XX: expand it without exponent. */
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    const char *p = sci;
    if (*p == '-') {
        vpce_buf_putc(&b, '-');
        p++;
    }
    char digits[32];
    size_t nd = 0;
    while (*p && *p != 'e') {
        if (isdigit((unsigned char)*p) && nd < sizeof(digits) - 1)
            digits[nd++] = *p;
        p++;
    }
    digits[nd] = 0;
    long exp10 = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    /* The value is 0.digits * 10^(exp10+1). */
    long point = exp10 + 1; /* digits before the decimal point */
    if (point <= 0) {
        vpce_buf_puts(&b, "0.");
        for (long i = 0; i < -point; i++)
            vpce_buf_putc(&b, '0');
        vpce_buf_puts(&b, digits);
    } else if ((size_t)point >= nd) {
        vpce_buf_puts(&b, digits);
        for (long i = 0; i < point - (long)nd; i++)
            vpce_buf_putc(&b, '0');
    } else {
        vpce_buf_append(&b, digits, (size_t)point);
        vpce_buf_putc(&b, '.');
        vpce_buf_puts(&b, digits + point);
    }
    return vpce_buf_detach(&b);
}

bool vpce_number_parse(const char *s, double *out)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    /* Digits first: strtod would also take "inf", "nan", hex and leading spaces. */
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return false;
    for (const char *q = p; *q; q++)
        if (!(isdigit((unsigned char)*q) || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
              *q == '-'))
            return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end != 0 || end == s)
        return false;
    *out = d;
    return true;
}

char *vpce_value_to_string(const json_t *v, const char **why)
{
    if (!v || json_is_null(v)) {
        *why = "a string is required, got null";
        return NULL;
    }
    if (vpce_is_unknown(v)) {
        *why = "the value is not known yet";
        return NULL;
    }
    if (vpce_is_bignum(v))
        return vpce_strdup(vpce_bignum_text(v));
    switch (json_typeof(v)) {
    case JSON_STRING:
        return vpce_strndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return vpce_asprintf("%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return vpce_number_format(json_real_value(v));
    case JSON_TRUE:
        return vpce_strdup("true");
    case JSON_FALSE:
        return vpce_strdup("false");
    case JSON_ARRAY:
        *why = "a string is required, got tuple";
        return NULL;
    default:
        *why = "a string is required, got object";
        return NULL;
    }
}

/* ---- order and sets ----------------------------------------------------------------------- */

static int type_rank(const json_t *v)
{
    if (vpce_is_unknown(v))
        return 6;
    if (vpce_is_bignum(v))
        return 2;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        return 1;
    case JSON_INTEGER:
    case JSON_REAL:
        return 2;
    case JSON_STRING:
        return 3;
    case JSON_ARRAY:
        return 4;
    default:
        return 5;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **vpce_sorted_keys(const json_t *o, size_t *n)
{
    size_t cnt = json_object_size(o), i = 0;
    const char **keys = vpce_malloc((cnt ? cnt : 1) * sizeof(*keys));
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)o, k, x)
    {
        keys[i++] = k;
    }
    qsort(keys, i, sizeof(*keys), cmp_str);
    *n = i;
    return keys;
}

int vpce_value_compare(const json_t *a, const json_t *b)
{
    int ra = type_rank(a), rb = type_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (ra) {
    case 1:
        return (int)json_is_true(a) - (int)json_is_true(b);
    case 2:
        return vpce_number_cmp(a, b);
    case 3: {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        if (c)
            return c < 0 ? -1 : 1;
        return la < lb ? -1 : la > lb ? 1 : 0;
    }
    case 4: {
        size_t la = json_array_size(a), lb = json_array_size(b);
        for (size_t i = 0; i < la && i < lb; i++) {
            int c = vpce_value_compare(json_array_get(a, i), json_array_get(b, i));
            if (c)
                return c;
        }
        return la < lb ? -1 : la > lb ? 1 : 0;
    }
    case 5: {
        size_t na, nb;
        const char **ka = vpce_sorted_keys(a, &na), **kb = vpce_sorted_keys(b, &nb);
        int c = 0;
        for (size_t i = 0; !c && i < na && i < nb; i++) {
            c = strcmp(ka[i], kb[i]);
            if (!c)
                c = vpce_value_compare(json_object_get(a, ka[i]), json_object_get(b, kb[i]));
        }
        if (!c)
            c = na < nb ? -1 : na > nb ? 1 : 0;
        free(ka);
        free(kb);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default:
        return 0;
    }
}

static int cmp_values(const void *a, const void *b)
{
    return vpce_value_compare(*(json_t *const *)a, *(json_t *const *)b);
}

json_t *vpce_set_from_array(const json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **items = vpce_malloc((n ? n : 1) * sizeof(*items));
    size_t m = 0, nunk = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(arr, i);
        if (vpce_contains_unknown(x))
            nunk++;
        else
            items[m++] = x;
    }
    qsort(items, m, sizeof(*items), cmp_values);
    json_t *out = json_array();
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && vpce_value_equal(items[i - 1], items[i]))
            continue;
        json_array_append(out, items[i]);
    }
    if (nunk) {
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_array_get(arr, i);
            if (vpce_contains_unknown(x))
                json_array_append(out, x);
        }
    }
    free(items);
    return out;
}

/* ---- JSON encoding ------------------------------------------------------------------------ */

static void encode_string(vpce_buf *b, const char *s, size_t len)
{
    vpce_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            vpce_buf_puts(b, "\\\"");
            break;
        case '\\':
            vpce_buf_puts(b, "\\\\");
            break;
        case '\n':
            vpce_buf_puts(b, "\\n");
            break;
        case '\r':
            vpce_buf_puts(b, "\\r");
            break;
        case '\t':
            vpce_buf_puts(b, "\\t");
            break;
        case '\b':
            vpce_buf_puts(b, "\\b");
            break;
        case '\f':
            vpce_buf_puts(b, "\\f");
            break;
        case '<':
        case '>':
        case '&':
            /* Terraform escapes these as Go's encoder does. */
            vpce_buf_printf(b, "\\u%04x", c);
            break;
        default:
            if (c < 0x20) {
                vpce_buf_printf(b, "\\u%04x", c);
            } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                       ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
                vpce_buf_printf(b, "\\u%04x",
                                (unsigned)(0x2000 + ((unsigned char)s[i + 2] & 0x0F) + 0x20));
                i += 2;
            } else {
                vpce_buf_putc(b, (char)c);
            }
        }
    }
    vpce_buf_putc(b, '"');
}

static int encode_value(vpce_buf *b, const json_t *v)
{
    if (vpce_is_unknown(v))
        return -1;
    if (vpce_is_bignum(v))
        return vpce_buf_puts(b, vpce_bignum_text(v)), 0; /* an overflow is checked by the caller */
    switch (json_typeof(v)) {
    case JSON_NULL:
        return vpce_buf_puts(b, "null");
    case JSON_TRUE:
        return vpce_buf_puts(b, "true");
    case JSON_FALSE:
        return vpce_buf_puts(b, "false");
    case JSON_INTEGER:
        return vpce_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL: {
        char *s = vpce_number_format(json_real_value(v));
        vpce_buf_puts(b, s);
        free(s);
        return 0;
    }
    case JSON_STRING:
        encode_string(b, json_string_value(v), json_string_length(v));
        return 0;
    case JSON_ARRAY:
        vpce_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                vpce_buf_putc(b, ',');
            if (encode_value(b, json_array_get(v, i)) < 0 || b->overflow)
                return -1;
        }
        return vpce_buf_putc(b, ']');
    default: {
        size_t n;
        const char **keys = vpce_sorted_keys(v, &n);
        int rc = 0;
        vpce_buf_putc(b, '{');
        for (size_t i = 0; i < n && rc == 0 && !b->overflow; i++) {
            if (i)
                vpce_buf_putc(b, ',');
            encode_string(b, keys[i], strlen(keys[i]));
            vpce_buf_putc(b, ':');
            rc = encode_value(b, json_object_get(v, keys[i]));
        }
        free(keys);
        if (rc < 0)
            return -1;
        return vpce_buf_putc(b, '}');
    }
    }
}

char *vpce_json_encode(const json_t *v)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
    if (encode_value(&b, v) < 0 || b.overflow) {
        vpce_buf_release(&b);
        return NULL;
    }
    return vpce_buf_detach(&b);
}

/* ---- type names --------------------------------------------------------------------------- */

const char *vpce_value_type_name(const json_t *v)
{
    if (!v)
        return "null";
    if (vpce_is_unknown(v))
        return "unknown";
    if (vpce_is_bignum(v))
        return "number";
    switch (json_typeof(v)) {
    case JSON_NULL:
        return "null";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_STRING:
        return "string";
    case JSON_ARRAY:
        return "tuple";
    default:
        return "object";
    }
}

char *vpce_type_name(const json_t *t)
{
    if (json_is_string(t)) {
        const char *s = json_string_value(t);
        return vpce_strdup(strcmp(s, "dynamic") == 0 ? "any" : s);
    }
    if (json_is_array(t) && json_array_size(t) >= 2) {
        const char *k = json_string_value(json_array_get(t, 0));
        if (!k)
            return vpce_strdup("invalid type");
        if (strcmp(k, "list") == 0 || strcmp(k, "set") == 0 || strcmp(k, "map") == 0) {
            char *inner = vpce_type_name(json_array_get(t, 1));
            char *r = vpce_asprintf("%s of %s", k, inner);
            free(inner);
            return r;
        }
        return vpce_strdup(k);
    }
    return vpce_strdup("invalid type");
}

/* ---- conversion --------------------------------------------------------------------------- */

static const char *kind_of(const json_t *t)
{
    if (json_is_string(t))
        return json_string_value(t);
    if (json_is_array(t))
        return json_string_value(json_array_get(t, 0));
    return NULL;
}

static bool is_optional_attr(const json_t *t, const char *name)
{
    json_t *opt = json_array_get(t, 2);
    size_t i;
    json_t *x;
    json_array_foreach(opt, i, x)
    {
        if (json_is_string(x) && strcmp(json_string_value(x), name) == 0)
            return true;
    }
    return false;
}

/* Prefixes the current *why with a path element ("element 0: ", "attribute \"a\": "). */
static const char *nest_why(const char *prefix, const char *why)
{
    char tmp[sizeof(why_buf)];
    snprintf(tmp, sizeof(tmp), "%s: %s", prefix, why);
    memcpy(why_buf, tmp, sizeof(why_buf));
    return why_buf;
}

/* True if the string v has no NUL inside and is valid UTF-8: json_string() of its text gives
   the same string back. */
static bool string_is_clean(const json_t *v)
{
    const unsigned char *p = (const unsigned char *)json_string_value(v);
    size_t len = json_string_length(v);
    for (size_t i = 0; i < len;) {
        if (p[i] == 0)
            return false;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = vpce_utf8_seq_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

json_t *vpce_convert(const json_t *v, const json_t *t, const char **why)
{
    const char *kind = kind_of(t);
    if (!kind) {
        *why = "invalid type constraint";
        return NULL;
    }
    if (!v || json_is_null(v))
        return json_null();
    if (vpce_is_unknown(v) || strcmp(kind, "dynamic") == 0)
        return json_incref((json_t *)v);
    if (strcmp(kind, "string") == 0) {
        if (json_is_array(v) || (json_is_object(v) && !vpce_is_bignum(v))) {
            *why = "a string is required";
            return NULL;
        }
        if (json_is_string(v) && string_is_clean(v))
            return json_incref((json_t *)v); /* what the copy below would give */
        const char *w;
        char *s = vpce_value_to_string(v, &w);
        if (!s) {
            *why = "a string is required";
            return NULL;
        }
        json_t *r = json_string(s);
        free(s);
        if (!r)
            r = vpce_json_string_lossy(json_string_value(v), json_string_length(v));
        return r;
    }
    if (strcmp(kind, "number") == 0) {
        if (vpce_is_number(v))
            return json_incref((json_t *)v);
        if (json_is_string(v))
            return vpce_number_from_text(json_string_value(v), why);
        *why = "a number is required";
        return NULL;
    }
    if (strcmp(kind, "bool") == 0) {
        if (json_is_boolean(v))
            return json_incref((json_t *)v);
        if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0)
            return json_true();
        if (json_is_string(v) && strcmp(json_string_value(v), "false") == 0)
            return json_false();
        *why = "a bool is required";
        return NULL;
    }
    json_t *et = json_array_get(t, 1);
    if (strcmp(kind, "list") == 0 || strcmp(kind, "set") == 0) {
        if (!json_is_array(v)) {
            *why = kind[0] == 'l' ? "a list is required" : "a set is required";
            return NULL;
        }
        json_t *out = json_array();
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *x = vpce_convert(json_array_get(v, i), et, why);
            if (!x) {
                char pre[32];
                snprintf(pre, sizeof(pre), "element %zu", i);
                *why = nest_why(pre, *why);
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, x);
        }
        if (kind[0] == 's') {
            json_t *s = vpce_set_from_array(out);
            json_decref(out);
            out = s;
        }
        return out;
    }
    if (strcmp(kind, "map") == 0) {
        if (!json_is_object(v) || vpce_is_bignum(v)) {
            *why = "a map is required";
            return NULL;
        }
        json_t *out = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            json_t *c = vpce_convert(x, et, why);
            if (!c) {
                char pre[160];
                snprintf(pre, sizeof(pre), "element \"%.120s\"", k);
                *why = nest_why(pre, *why);
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, k, c);
        }
        return out;
    }
    if (strcmp(kind, "tuple") == 0) {
        if (!json_is_array(v)) {
            *why = "a tuple is required";
            return NULL;
        }
        if (json_array_size(v) != json_array_size(et)) {
            snprintf(why_buf, sizeof(why_buf), "a tuple of %zu elements is required",
                     json_array_size(et));
            *why = why_buf;
            return NULL;
        }
        json_t *out = json_array();
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *x = vpce_convert(json_array_get(v, i), json_array_get(et, i), why);
            if (!x) {
                char pre[32];
                snprintf(pre, sizeof(pre), "element %zu", i);
                *why = nest_why(pre, *why);
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, x);
        }
        return out;
    }
    if (strcmp(kind, "object") == 0) {
        if (!json_is_object(v) || vpce_is_bignum(v)) {
            *why = "an object is required";
            return NULL;
        }
        json_t *defaults = json_array_get(t, 3);
        json_t *out = json_object();
        const char *k;
        json_t *at;
        json_object_foreach(et, k, at)
        {
            json_t *x = json_object_get(v, k);
            json_t *c;
            if (!x || json_is_null(x)) {
                json_t *def = json_object_get(defaults, k);
                if (x == NULL && !is_optional_attr(t, k)) {
                    snprintf(why_buf, sizeof(why_buf), "attribute \"%.120s\" is required", k);
                    *why = why_buf;
                    json_decref(out);
                    return NULL;
                }
                c = def ? vpce_convert(def, at, why) : json_null();
            } else {
                c = vpce_convert(x, at, why);
            }
            if (!c) {
                char pre[160];
                snprintf(pre, sizeof(pre), "attribute \"%.120s\"", k);
                *why = nest_why(pre, *why);
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, k, c);
        }
        return out;
    }
    *why = "invalid type constraint";
    return NULL;
}

/* ---- type constraints from expressions ---------------------------------------------------- */

static json_t *type_err(vpce_diags *diags, vpce_range r, const char *detail)
{
    if (diags)
        vpce_diags_error(diags, r, detail, "invalid type specification");
    return NULL;
}

static json_t *type_from_expr(const vpce_ast_expr *e, vpce_diags *diags, bool in_object,
                              bool *optional, json_t **def)
{
    while (e && e->kind == VPCE_EXPR_PAREN)
        e = e->u.inner;
    if (!e)
        return NULL;
    if (e->kind == VPCE_EXPR_VAR) {
        const char *n = e->u.var.name;
        if (strcmp(n, "string") == 0 || strcmp(n, "number") == 0 || strcmp(n, "bool") == 0)
            return json_string(n);
        if (strcmp(n, "any") == 0)
            return json_string("dynamic");
        return type_err(diags, e->range, "expected a type keyword such as string or list(...)");
    }
    if (e->kind != VPCE_EXPR_CALL)
        return type_err(diags, e->range, "expected a type keyword such as string or list(...)");
    const char *n = e->u.call.name;
    size_t na = e->u.call.nargs;
    if (strcmp(n, "optional") == 0) {
        if (!in_object || !optional || na < 1 || na > 2)
            return type_err(diags, e->range,
                            "optional(type) or optional(type, default) is allowed only as an "
                            "object attribute type");
        json_t *inner = type_from_expr(e->u.call.args[0], diags, false, NULL, NULL);
        if (!inner)
            return NULL;
        *optional = true;
        if (na == 2) {
            const vpce_ast_expr *d = e->u.call.args[1];
            vpce_eval_ctx ctx = {json_object(), NULL, diags, NULL, NULL};
            json_t *dv = vpce_eval(&ctx, d);
            json_decref(ctx.scope);
            if (!dv) {
                json_decref(inner);
                return NULL;
            }
            *def = dv;
        }
        return inner;
    }
    if (strcmp(n, "list") == 0 || strcmp(n, "set") == 0 || strcmp(n, "map") == 0) {
        if (na != 1)
            return type_err(diags, e->range, "the collection type takes one element type");
        json_t *inner = type_from_expr(e->u.call.args[0], diags, false, NULL, NULL);
        if (!inner)
            return NULL;
        return json_pack("[so]", n, inner);
    }
    if (strcmp(n, "tuple") == 0) {
        const vpce_ast_expr *a = na == 1 ? e->u.call.args[0] : NULL;
        if (!a || a->kind != VPCE_EXPR_TUPLE)
            return type_err(diags, e->range, "tuple takes a list of element types: tuple([...])");
        json_t *elems = json_array();
        for (size_t i = 0; i < a->u.list.n; i++) {
            json_t *x = type_from_expr(a->u.list.items[i], diags, false, NULL, NULL);
            if (!x) {
                json_decref(elems);
                return NULL;
            }
            json_array_append_new(elems, x);
        }
        return json_pack("[so]", "tuple", elems);
    }
    if (strcmp(n, "object") == 0) {
        const vpce_ast_expr *a = na == 1 ? e->u.call.args[0] : NULL;
        if (!a || a->kind != VPCE_EXPR_OBJECT)
            return type_err(diags, e->range,
                            "object takes an object of attribute types: object({...})");
        json_t *attrs = json_object(), *opts = json_array(), *defs = json_object();
        for (size_t i = 0; i < a->u.object.n; i++) {
            const vpce_ast_expr *k = a->u.object.items[i].key;
            while (k && k->kind == VPCE_EXPR_PAREN)
                k = k->u.inner;
            const char *name = NULL;
            if (k && k->kind == VPCE_EXPR_LITERAL && json_is_string(k->u.literal))
                name = json_string_value(k->u.literal);
            else if (k && k->kind == VPCE_EXPR_VAR)
                name = k->u.var.name;
            else if (k && k->kind == VPCE_EXPR_TEMPLATE && k->u.list.n == 1 &&
                     k->u.list.items[0]->kind == VPCE_EXPR_LITERAL &&
                     json_is_string(k->u.list.items[0]->u.literal))
                name = json_string_value(k->u.list.items[0]->u.literal);
            if (!name) {
                json_decref(attrs);
                json_decref(opts);
                json_decref(defs);
                return type_err(diags, k ? k->range : a->range,
                                "an object attribute name must be a name");
            }
            bool opt = false;
            json_t *def = NULL;
            json_t *x = type_from_expr(a->u.object.items[i].value, diags, true, &opt, &def);
            if (!x) {
                json_decref(attrs);
                json_decref(opts);
                json_decref(defs);
                return NULL;
            }
            json_object_set_new(attrs, name, x);
            if (opt)
                json_array_append_new(opts, json_string(name));
            if (def)
                json_object_set_new(defs, name, def);
        }
        json_t *r;
        if (json_object_size(defs))
            r = json_pack("[sooo]", "object", attrs, opts, defs);
        else if (json_array_size(opts)) {
            r = json_pack("[soo]", "object", attrs, opts);
            json_decref(defs);
        } else {
            r = json_pack("[so]", "object", attrs);
            json_decref(opts);
            json_decref(defs);
        }
        return r;
    }
    return type_err(diags, e->range, "expected a type keyword such as string or list(...)");
}

json_t *vpce_type_from_expr(const vpce_ast_expr *e, vpce_diags *diags)
{
    return type_from_expr(e, diags, false, NULL, NULL);
}

/* ---- type constraints from text ----------------------------------------------------------- */

typedef struct tparser {
    const char *p;
} tparser;

static void tskip(tparser *tp)
{
    while (*tp->p && isspace((unsigned char)*tp->p))
        tp->p++;
}

static bool teat(tparser *tp, char c)
{
    tskip(tp);
    if (*tp->p == c) {
        tp->p++;
        return true;
    }
    return false;
}

static size_t tident(tparser *tp, const char **start)
{
    tskip(tp);
    *start = tp->p;
    while (*tp->p && (isalnum((unsigned char)*tp->p) || *tp->p == '_' || *tp->p == '-'))
        tp->p++;
    return (size_t)(tp->p - *start);
}

static bool tis(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

static json_t *tparse(tparser *tp, int depth, bool in_object, bool *optional)
{
    const char *s;
    size_t n = tident(tp, &s);
    if (n == 0 || depth > 32)
        return NULL;
    if (tis(s, n, "string") || tis(s, n, "number") || tis(s, n, "bool"))
        return json_stringn(s, n);
    if (tis(s, n, "any") || tis(s, n, "dynamic"))
        return json_string("dynamic");
    if (!teat(tp, '('))
        return NULL;
    json_t *r = NULL;
    if (tis(s, n, "list") || tis(s, n, "set") || tis(s, n, "map")) {
        json_t *inner = tparse(tp, depth + 1, false, NULL);
        if (inner)
            r = json_pack("[s#o]", s, (int)n, inner);
    } else if (tis(s, n, "optional") && in_object) {
        r = tparse(tp, depth + 1, false, NULL);
        *optional = true;
    } else if (tis(s, n, "tuple")) {
        if (!teat(tp, '['))
            return NULL;
        json_t *elems = json_array();
        if (!teat(tp, ']')) {
            do {
                json_t *x = tparse(tp, depth + 1, false, NULL);
                if (!x) {
                    json_decref(elems);
                    return NULL;
                }
                json_array_append_new(elems, x);
            } while (teat(tp, ','));
            if (!teat(tp, ']')) {
                json_decref(elems);
                return NULL;
            }
        }
        r = json_pack("[so]", "tuple", elems);
    } else if (tis(s, n, "object")) {
        if (!teat(tp, '{'))
            return NULL;
        json_t *attrs = json_object(), *opts = json_array();
        bool ok = true;
        while (ok && !teat(tp, '}')) {
            const char *an;
            size_t al = tident(tp, &an);
            char *name = vpce_strndup(an, al);
            bool opt = false;
            json_t *x = NULL;
            if (al > 0 && (teat(tp, '=') || teat(tp, ':')))
                x = tparse(tp, depth + 1, true, &opt);
            if (!x) {
                ok = false;
            } else {
                json_object_set_new(attrs, name, x);
                if (opt)
                    json_array_append_new(opts, json_string(name));
                teat(tp, ',');
            }
            free(name);
            if (!*tp->p)
                ok = false;
        }
        if (ok) {
            if (json_array_size(opts))
                r = json_pack("[soo]", "object", attrs, opts);
            else {
                r = json_pack("[so]", "object", attrs);
                json_decref(opts);
            }
        } else {
            json_decref(attrs);
            json_decref(opts);
        }
    }
    if (r && !teat(tp, ')')) {
        json_decref(r);
        r = NULL;
    }
    return r;
}

json_t *vpce_type_parse(const char *text)
{
    tparser tp = {text};
    json_t *r = tparse(&tp, 0, false, NULL);
    tskip(&tp);
    if (r && *tp.p) {
        json_decref(r);
        return NULL;
    }
    return r;
}
