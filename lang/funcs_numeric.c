/*
 * lang/funcs_numeric.c: built-in functions on type conversion functions and numbers.
 */
#include "lang/funcs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *convert_fn(fcall *c, const char *type, const char *tname)
{
    json_t *v = c->a[0];
    if (fn_is_null(v))
        return json_null();
    json_t *t = json_string(type);
    const char *why;
    json_t *r = vpce_convert(v, t, &why);
    json_decref(t);
    if (r)
        return r;
    if (json_is_string(v))
        return fn_fail(c, "cannot convert \"%s\" to %s", json_string_value(v), tname);
    return fn_fail(c, "cannot convert %s to %s", vpce_value_type_name(v), tname);
}

static json_t *f_tostring(fcall *c)
{
    return convert_fn(c, "string", "string");
}

static json_t *f_tonumber(fcall *c)
{
    return convert_fn(c, "number", "number");
}

static json_t *f_tobool(fcall *c)
{
    return convert_fn(c, "bool", "bool");
}

/* ---- numbers ------------------------------------------------------------------------------ */

static json_t *min_max(fcall *c, bool max)
{
    if (c->n == 0)
        return fn_fail(c, "must pass at least one number");
    json_t *best = NULL;
    for (size_t i = 0; i < c->n; i++) {
        json_t *n = fn_number(c, i);
        if (!n)
            return NULL;
        if (!best || (max ? vpce_number_cmp(n, best) > 0 : vpce_number_cmp(n, best) < 0))
            best = n;
    }
    return json_incref(best);
}

static json_t *f_max(fcall *c)
{
    return min_max(c, true);
}

static json_t *f_min(fcall *c)
{
    return min_max(c, false);
}

/* One of vpce_number_unary's functions on argument 0. */
static json_t *num1(fcall *c, char fn)
{
    json_t *n = fn_number(c, 0);
    if (!n)
        return NULL;
    const char *why = NULL;
    json_t *r = vpce_number_unary(fn, n, &why);
    return fn_number_result(c, r, why);
}

static json_t *f_abs(fcall *c)
{
    return num1(c, 'a');
}

static json_t *f_ceil(fcall *c)
{
    return num1(c, 'c');
}

static json_t *f_floor(fcall *c)
{
    return num1(c, 'f');
}

static json_t *f_signum(fcall *c)
{
    return num1(c, 's');
}

static json_t *f_pow(fcall *c)
{
    json_t *a = fn_number(c, 0), *b = a ? fn_number(c, 1) : NULL;
    if (!b)
        return NULL;
    const char *why = NULL;
    json_t *r = vpce_number_pow(a, b, &why);
    return fn_number_result(c, r, why);
}

/* log(number, base). */
static json_t *f_log(fcall *c)
{
    double x, b;
    if (!fn_num(c, 0, &x) || !fn_num(c, 1, &b))
        return NULL;
    if (x < 0 || b <= 0 || b == 1)
        return fn_fail(c, "the logarithm of %g in base %g is not a number", x, b);
    double r = log(x) / log(b);
    if (!isfinite(r))
        return fn_fail(c, "the logarithm of %g in base %g is not a finite number", x, b);
    return vpce_number_new(r);
}

static json_t *f_parseint(fcall *c)
{
    const char *s = fn_str(c, 0);
    long long base;
    if (!s || !fn_int(c, 1, &base))
        return NULL;
    if (base < 2 || base > 62)
        return fn_arg_err(c, 1, "the base must be between 2 and 62");
    const char *why = NULL;
    json_t *r = base <= 36 ? vpce_number_parse_int(s, (int)base, &why) : NULL;
    if (!r && why && strcmp(why, "number out of range") == 0)
        return fn_fail(c, "number out of range");
    if (!r)
        return fn_fail(c, "cannot parse \"%s\" as a base %lld integer", s, base);
    return r;
}

const fdef vpce_fn_numeric[] = {
    {"abs", 1, 1, 0, f_abs},
    {"log", 2, 2, 0, f_log},
    {"ceil", 1, 1, 0, f_ceil},
    {"floor", 1, 1, 0, f_floor},
    {"max", 1, -1, 0, f_max},
    {"min", 1, -1, 0, f_min},
    {"parseint", 2, 2, 0, f_parseint},
    {"pow", 2, 2, 0, f_pow},
    {"signum", 1, 1, 0, f_signum},
    {"tobool", 1, 1, F_NULL, f_tobool},
    {"tonumber", 1, 1, F_NULL, f_tonumber},
    {"tostring", 1, 1, F_NULL, f_tostring},
    {NULL, 0, 0, 0, NULL},
};
