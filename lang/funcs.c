/*
 * lang/funcs.c: the built-in functions of the language (Terraform's semantics): the argument
 * helpers every family uses, the merged table of every family's functions, and the dispatch.
 * Argument count, unknown arguments and conversion of arguments are handled here; errors become
 * diagnostics that name the function and the argument.
 */
#include "lang/funcs.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

json_t *fn_arg_err(fcall *c, size_t i, const char *why)
{
    vpce_diags_error(c->ctx->diags, c->range, NULL, "invalid argument %zu to \"%s\": %s", i + 1,
                     c->name, why);
    return NULL;
}

json_t *fn_fail(fcall *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
json_t *fn_fail(fcall *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vpce_vasprintf(fmt, ap);
    va_end(ap);
    vpce_diags_error(c->ctx->diags, c->range, NULL, "call to function \"%s\" failed: %s", c->name,
                     msg);
    free(msg);
    return NULL;
}

static _Thread_local size_t budget_used;

bool fn_budget_take(size_t n)
{
    if (n > VPCE_LANG_MAX_ELEMENTS - budget_used) {
        budget_used = VPCE_LANG_MAX_ELEMENTS;
        return false;
    }
    budget_used += n;
    return true;
}

void fn_budget_restart(void)
{
    budget_used = 0;
}

bool fn_charge(fcall *c, size_t n)
{
    if (fn_budget_take(n))
        return true;
    fn_fail(c, "the expression would create more than %d collection elements",
            VPCE_LANG_MAX_ELEMENTS);
    return false;
}

bool fn_fits(fcall *c, const vpce_buf *b)
{
    if (!b->overflow)
        return true;
    fn_fail(c, "the result would be longer than %u bytes", VPCE_LANG_MAX_STRING);
    return false;
}

json_t *fn_keep(fcall *c, json_t *v)
{
    vpce_vec_push(&c->tmp, v);
    return v;
}

bool fn_is_null(const json_t *v)
{
    return !v || json_is_null(v);
}

json_t *fn_template_string(json_t *r, const char **why)
{
    if (!r || vpce_is_unknown(r) || json_is_string(r))
        return r;
    /* A template that is a single interpolation still yields a string. */
    json_t *st = json_string("string");
    json_t *conv = vpce_convert(r, st, why);
    json_decref(st);
    json_decref(r);
    return conv;
}

/* Argument i converted to a string (borrowed for the call), or NULL after an error. */
const char *fn_str(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (fn_is_null(v))
        return fn_arg_err(c, i, "argument must not be null"), NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_array(v) || (json_is_object(v) && !vpce_is_bignum(v)))
        return fn_arg_err(c, i, "a string is required"), NULL;
    const char *why;
    char *s = vpce_value_to_string(v, &why);
    json_t *j = fn_keep(c, json_string(s));
    free(s);
    return json_string_value(j);
}

json_t *fn_number(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (fn_is_null(v))
        return fn_arg_err(c, i, "argument must not be null");
    const char *why = NULL;
    json_t *n = vpce_is_number(v) || json_is_string(v) ? vpce_number_canonical(v, &why) : NULL;
    if (!n)
        return fn_arg_err(c, i,
                          why && strcmp(why, "number out of range") == 0 ? "number out of range"
                                                                         : "a number is required");
    return fn_keep(c, n);
}

json_t *fn_number_result(fcall *c, json_t *v, const char *why)
{
    if (!v)
        fn_fail(c, "%s", why ? why : "invalid number");
    return v;
}

bool fn_num(fcall *c, size_t i, double *out)
{
    json_t *v = c->a[i];
    if (fn_is_null(v))
        return fn_arg_err(c, i, "argument must not be null"), false;
    if (vpce_is_number(v)) {
        *out = vpce_number(v);
        return true;
    }
    if (json_is_string(v) && vpce_number_parse(json_string_value(v), out))
        return true;
    fn_arg_err(c, i, "a number is required");
    return false;
}

bool fn_int(fcall *c, size_t i, long long *out)
{
    double d;
    if (!fn_num(c, i, &d))
        return false;
    if (d != floor(d) || fabs(d) > 9e15) {
        fn_arg_err(c, i, "a whole number is required");
        return false;
    }
    *out = (long long)d;
    return true;
}

const json_t *fn_list(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (fn_is_null(v))
        return fn_arg_err(c, i, "argument must not be null"), NULL;
    if (!json_is_array(v))
        return fn_arg_err(c, i, "a list is required"), NULL;
    return v;
}

const json_t *fn_map(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (fn_is_null(v))
        return fn_arg_err(c, i, "argument must not be null"), NULL;
    if (!json_is_object(v))
        return fn_arg_err(c, i, "a map is required"), NULL;
    return v;
}

json_t *fn_str_new(const char *s, size_t len)
{
    json_t *r = json_stringn(s, len);
    return r ? r : vpce_json_string_lossy(s, len);
}

/* Number of UTF-8 characters (invalid bytes count one each). */
size_t fn_u8len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        i += k ? k : 1;
        n++;
    }
    return n;
}

/* Byte offset of character index ci. */
size_t fn_u8off(const char *s, size_t len, size_t ci)
{
    size_t i = 0;
    while (ci > 0 && i < len) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        i += k ? k : 1;
        ci--;
    }
    return i;
}

/*
 * The element type a list/set/map of these values needs: primitives of mixed kinds unify to
 * string; anything else mixed is an error. Returns "string"/"dynamic" or NULL.
 */
const char *fn_unify_elems(json_t *const *items, size_t n)
{
    int kinds = 0; /* 1 bool, 2 number, 4 string, 8 tuple, 16 object */
    for (size_t i = 0; i < n; i++) {
        const json_t *x = items[i];
        if (fn_is_null(x) || vpce_is_unknown(x))
            continue;
        if (json_is_boolean(x))
            kinds |= 1;
        else if (vpce_is_number(x)) /* big numbers before objects: they are numbers */
            kinds |= 2;
        else if (json_is_string(x))
            kinds |= 4;
        else if (json_is_array(x))
            kinds |= 8;
        else
            kinds |= 16;
    }
    if (kinds == 0 || kinds == 1 || kinds == 2 || kinds == 4 || kinds == 8 || kinds == 16)
        return "dynamic";
    if ((kinds & ~7) == 0 && (kinds & 4))
        return "string";
    return NULL;
}

json_t *fn_unified_array(fcall *c, const json_t *v, bool as_set)
{
    size_t n = json_array_size(v);
    json_t **items = vpce_malloc((n ? n : 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(v, i);
    const char *t = fn_unify_elems(items, n);
    free(items);
    if (!t)
        return fn_fail(c, "all elements must be of the same type");
    json_t *type = json_pack("[ss]", as_set ? "set" : "list", t);
    const char *why;
    json_t *r = vpce_convert(v, type, &why);
    json_decref(type);
    if (!r)
        return fn_fail(c, "%s", why);
    return r;
}

/* ---- the table ---------------------------------------------------------------------------- */

/* sensitive() and nonsensitive() leave the value as it is: sensitivity is judged from the
   expressions (vpce_expr_sensitive), where these calls mark and unmark what they wrap. */
static json_t *f_identity(fcall *c)
{
    return c->a[0] ? json_incref(c->a[0]) : json_null();
}

/* try(), can(), issensitive() and templatestring() need their arguments unevaluated:
   vpce_eval handles them. */
static const fdef core_functions[] = {
    {"can", 1, 1, 0, NULL},
    {"issensitive", 1, 1, 0, NULL},
    {"templatestring", 2, 2, 0, NULL},
    {"nonsensitive", 1, 1, F_DEEP | F_NULL, f_identity},
    {"sensitive", 1, 1, F_DEEP | F_NULL, f_identity},
    {"try", 1, -1, 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static const fdef *const families[] = {
    core_functions,     vpce_fn_collections, vpce_fn_crypto,  vpce_fn_encoding,
    vpce_fn_filesystem, vpce_fn_network,     vpce_fn_numeric, vpce_fn_paths,
    vpce_fn_strings,    vpce_fn_time,        vpce_fn_yaml,
};

/* Every family's functions, sorted by name (built once). */
static const fdef **functions;
static size_t nfuncs;
static const char **names;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int cmp_fdef(const void *a, const void *b)
{
    return strcmp((*(const fdef *const *)a)->name, (*(const fdef *const *)b)->name);
}

static void table_init(void)
{
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        for (const fdef *d = families[f]; d->name; d++)
            nfuncs++;
    functions = vpce_malloc(nfuncs * sizeof(*functions));
    names = vpce_malloc((nfuncs + 1) * sizeof(*names));
    size_t n = 0;
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        for (const fdef *d = families[f]; d->name; d++)
            functions[n++] = d;
    qsort(functions, nfuncs, sizeof(*functions), cmp_fdef);
    for (size_t i = 0; i < nfuncs; i++)
        names[i] = functions[i]->name;
    names[nfuncs] = NULL;
}

static const fdef *find(const char *name)
{
    pthread_once(&table_once, table_init);
    size_t lo = 0, hi = nfuncs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, functions[mid]->name);
        if (c == 0)
            return functions[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *const *vpce_eval_function_names(void)
{
    pthread_once(&table_once, table_init);
    return names;
}
bool vpce_eval_has_function(const char *name)
{
    return find(name) != NULL;
}

json_t *vpce_eval_call(const vpce_eval_ctx *ctx, const char *name, json_t *const *args,
                       size_t nargs, vpce_range range)
{
    const fdef *f = find(name);
    if (!f || !f->fn) {
        vpce_diags_error(ctx->diags, range, NULL, "call to unknown function \"%s\"", name);
        return NULL;
    }
    if ((int)nargs < f->min || (f->max >= 0 && (int)nargs > f->max)) {
        char *detail;
        if (f->max < 0)
            detail = vpce_asprintf("expected at least %d, got %zu", f->min, nargs);
        else if (f->min == f->max)
            detail = vpce_asprintf("expected %d, got %zu", f->min, nargs);
        else
            detail = vpce_asprintf("expected %d to %d, got %zu", f->min, f->max, nargs);
        vpce_diags_error(ctx->diags, range, detail, "wrong number of arguments to \"%s\"", name);
        free(detail);
        return NULL;
    }
    for (size_t i = 0; i < nargs; i++) {
        if (vpce_is_unknown(args[i]))
            return vpce_unknown();
        if (!(f->flags & F_DEEP) && vpce_contains_unknown(args[i]))
            return vpce_unknown();
    }
    if (!fn_in_eval())
        fn_budget_restart(); /* called on its own, not from inside an expression */
    fcall c = {ctx, name, range, args, nargs, VPCE_VEC_INIT};
    json_t *r = f->fn(&c);
    for (size_t i = 0; i < c.tmp.len; i++)
        json_decref(c.tmp.items[i]);
    vpce_vec_release(&c.tmp);
    return r;
}
