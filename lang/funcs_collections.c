/*
 * lang/funcs_collections.c: built-in functions on lists, sets, maps and tuples.
 */
#include "lang/funcs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every argument list's elements in one new tuple (also the first step of setunion). */
static json_t *f_concat(fcall *c)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++) {
        const json_t *l = fn_list(c, i);
        if (!l)
            return NULL;
        total += json_array_size(l);
    }
    if (!fn_charge(c, total))
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < c->n; i++)
        json_array_extend(out, c->a[i]);
    return out;
}

static json_t *f_merge(fcall *c)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (fn_is_null(c->a[i]))
            continue;
        if (!json_is_object(c->a[i]))
            return fn_arg_err(c, i, "a map or object is required");
        total += json_object_size(c->a[i]);
    }
    if (!fn_charge(c, total))
        return NULL;
    json_t *out = json_object();
    for (size_t i = 0; i < c->n; i++)
        if (!fn_is_null(c->a[i]))
            json_object_update(out, c->a[i]);
    return out;
}

static json_t *f_lookup(fcall *c)
{
    const json_t *m = fn_map(c, 0);
    const char *k = m ? fn_str(c, 1) : NULL;
    if (!k)
        return NULL;
    json_t *x = json_object_get(m, k);
    if (x)
        return json_incref(x);
    if (c->n == 3)
        return json_incref(c->a[2]);
    return fn_fail(c, "lookup failed to find key \"%s\"", k);
}

static json_t *f_length(fcall *c)
{
    json_t *v = c->a[0];
    if (fn_is_null(v))
        return fn_arg_err(c, 0, "argument must not be null");
    if (json_is_array(v))
        return json_integer((json_int_t)json_array_size(v));
    if (json_is_object(v))
        return json_integer((json_int_t)json_object_size(v));
    if (json_is_string(v))
        return json_integer((json_int_t)fn_u8len(json_string_value(v), json_string_length(v)));
    return fn_arg_err(c, 0, "a collection or a string is required");
}

static json_t *f_keys(fcall *c)
{
    const json_t *m = fn_map(c, 0);
    if (!m)
        return NULL;
    size_t n;
    const char **keys = vpce_sorted_keys(m, &n);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_string(keys[i]));
    free(keys);
    return out;
}

static json_t *f_values(fcall *c)
{
    const json_t *m = fn_map(c, 0);
    if (!m)
        return NULL;
    size_t n;
    const char **keys = vpce_sorted_keys(m, &n);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, json_object_get(m, keys[i]));
    free(keys);
    return out;
}

static json_t *f_contains(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    for (size_t i = 0; i < json_array_size(l); i++)
        if (vpce_value_equal(json_array_get(l, i), c->a[1]))
            return json_true();
    return json_false();
}

static json_t *f_element(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    long long idx;
    if (!l || !fn_int(c, 1, &idx))
        return NULL;
    size_t n = json_array_size(l);
    if (n == 0)
        return fn_fail(c, "cannot use element function with an empty list");
    if (idx < 0)
        return fn_fail(c, "cannot use element function with a negative index");
    return json_incref(json_array_get(l, (size_t)idx % n));
}

static json_t *f_index(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    for (size_t i = 0; i < json_array_size(l); i++)
        if (vpce_value_equal(json_array_get(l, i), c->a[1]))
            return json_integer((json_int_t)i);
    return fn_fail(c, "item not found");
}

static json_t *f_toset(fcall *c)
{
    if (fn_is_null(c->a[0]))
        return json_null();
    const json_t *l = fn_list(c, 0);
    return l ? fn_unified_array(c, l, true) : NULL;
}

static json_t *f_tolist(fcall *c)
{
    if (fn_is_null(c->a[0]))
        return json_null();
    const json_t *l = fn_list(c, 0);
    return l ? fn_unified_array(c, l, false) : NULL;
}

static json_t *f_tomap(fcall *c)
{
    if (fn_is_null(c->a[0]))
        return json_null();
    const json_t *m = fn_map(c, 0);
    if (!m)
        return NULL;
    size_t n = json_object_size(m), i = 0;
    json_t **items = vpce_malloc((n ? n : 1) * sizeof(*items));
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)m, k, x)
    {
        items[i++] = x;
    }
    const char *t = fn_unify_elems(items, n);
    free(items);
    if (!t)
        return fn_fail(c, "all map elements must have the same type");
    json_t *type = json_pack("[ss]", "map", t);
    const char *why;
    json_t *r = vpce_convert(m, type, &why);
    json_decref(type);
    return r ? r : fn_fail(c, "%s", why);
}

static json_t *f_coalesce(fcall *c)
{
    for (size_t i = 0; i < c->n; i++) {
        json_t *v = c->a[i];
        if (fn_is_null(v))
            continue;
        if (json_is_string(v) && json_string_length(v) == 0)
            continue;
        /* Terraform converts the result to the arguments' common type. */
        json_t **items = (json_t **)c->a;
        const char *t = fn_unify_elems(items, c->n);
        if (!t)
            return fn_fail(c, "all arguments must have the same type");
        if (strcmp(t, "string") == 0) {
            json_t *st = json_string("string");
            const char *why;
            json_t *r = vpce_convert(v, st, &why);
            json_decref(st);
            return r;
        }
        return json_incref(v);
    }
    return fn_fail(c, "no non-null, non-empty-string arguments");
}

static json_t *f_coalescelist(fcall *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (fn_is_null(c->a[i]))
            continue;
        const json_t *l = fn_list(c, i);
        if (!l)
            return NULL;
        if (json_array_size(l) > 0)
            return json_incref((json_t *)l);
    }
    return fn_fail(c, "no non-null arguments");
}

static json_t *f_distinct(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        bool seen = false;
        for (size_t j = 0; j < json_array_size(out) && !seen; j++)
            seen = vpce_value_equal(json_array_get(out, j), x);
        if (!seen)
            json_array_append(out, x);
    }
    return out;
}

/* False when the element budget ran out (nested lists may share elements many times over). */
static bool flatten_into(json_t *out, const json_t *l)
{
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        if (json_is_array(x)) {
            if (!flatten_into(out, x))
                return false;
        } else {
            if (!fn_budget_take(1))
                return false;
            json_array_append(out, x);
        }
    }
    return true;
}

static json_t *f_flatten(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    if (!flatten_into(out, l)) {
        json_decref(out);
        return fn_fail(c, "the expression would create more than %d collection elements",
                       VPCE_LANG_MAX_ELEMENTS);
    }
    return out;
}

static json_t *f_compact(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        if (fn_is_null(x) || (json_is_string(x) && json_string_length(x) == 0))
            continue;
        if (json_is_array(x) || json_is_object(x)) {
            json_decref(out);
            return fn_arg_err(c, 0, "a list of strings is required");
        }
        const char *why;
        char *s = vpce_value_to_string(x, &why);
        json_array_append_new(out, fn_str_new(s, strlen(s)));
        free(s);
    }
    return out;
}

static json_t *f_zipmap(fcall *c)
{
    const json_t *k = fn_list(c, 0), *v = k ? fn_list(c, 1) : NULL;
    if (!v)
        return NULL;
    if (vpce_contains_unknown(k))
        return vpce_unknown();
    if (json_array_size(k) != json_array_size(v))
        return fn_fail(c, "number of keys (%zu) does not match number of values (%zu)",
                       json_array_size(k), json_array_size(v));
    json_t *out = json_object();
    for (size_t i = 0; i < json_array_size(k); i++) {
        json_t *kx = json_array_get(k, i);
        const char *why;
        char *ks = fn_is_null(kx) || json_is_array(kx) || json_is_object(kx)
                       ? NULL
                       : vpce_value_to_string(kx, &why);
        if (!ks) {
            json_decref(out);
            return fn_arg_err(c, 0, "a list of strings is required");
        }
        json_object_set(out, ks, json_array_get(v, i));
        free(ks);
    }
    return out;
}

static json_t *f_range(fcall *c)
{
    double start = 0, limit, step;
    if (c->n == 1) {
        if (!fn_num(c, 0, &limit))
            return NULL;
    } else {
        if (!fn_num(c, 0, &start) || !fn_num(c, 1, &limit))
            return NULL;
    }
    if (c->n == 3) {
        if (!fn_num(c, 2, &step))
            return NULL;
        if (step == 0)
            return fn_arg_err(c, 2, "step must not be zero");
    } else {
        step = start > limit ? -1 : 1;
    }
    if ((step > 0 && start > limit) || (step < 0 && start < limit))
        return fn_fail(c, "the step must be %s when the start is %s than the limit",
                       step > 0 ? "negative" : "positive", step > 0 ? "greater" : "less");
    json_t *out = json_array();
    size_t count = 0;
    for (double x = start; step > 0 ? x < limit : x > limit; x += step) {
        if (++count > 1024) {
            json_decref(out);
            return fn_fail(c,
                           "more than 1024 values were generated; either decrease the difference "
                           "between start and end or use a smaller step");
        }
        json_array_append_new(out, vpce_number_new(x));
    }
    return out;
}

static int cmp_strings_json(const void *a, const void *b)
{
    return vpce_value_compare(*(json_t *const *)a, *(json_t *const *)b);
}

static json_t *f_sort(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    size_t n = json_array_size(l);
    json_t **items = vpce_malloc((n ? n : 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(l, i);
        const char *why;
        char *s = fn_is_null(x) || json_is_array(x) || json_is_object(x)
                      ? NULL
                      : vpce_value_to_string(x, &why);
        if (!s) {
            for (size_t j = 0; j < i; j++)
                json_decref(items[j]);
            free(items);
            return fn_is_null(x) ? fn_fail(c, "given list element %zu is null", i)
                                 : fn_arg_err(c, 0, "a list of strings is required");
        }
        items[i] = fn_str_new(s, strlen(s));
        free(s);
    }
    qsort(items, n, sizeof(*items), cmp_strings_json);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, items[i]);
    free(items);
    return out;
}

static json_t *f_reverse(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    for (size_t i = json_array_size(l); i > 0; i--)
        json_array_append(out, json_array_get(l, i - 1));
    return out;
}

static json_t *f_slice(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    long long a, e;
    if (!l || !fn_int(c, 1, &a) || !fn_int(c, 2, &e))
        return NULL;
    long long n = (long long)json_array_size(l);
    if (a < 0)
        return fn_arg_err(c, 1, "start index must not be less than zero");
    if (e > n)
        return fn_arg_err(c, 2, "end index must not be greater than the length of the list");
    if (a > e)
        return fn_arg_err(c, 1, "start index must not be greater than end index");
    json_t *out = json_array();
    for (long long i = a; i < e; i++)
        json_array_append(out, json_array_get(l, (size_t)i));
    return out;
}

static json_t *f_sum(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    if (json_array_size(l) == 0)
        return fn_fail(c, "cannot sum an empty list");
    json_t *s = json_integer(0);
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        if (fn_is_null(x)) {
            json_decref(s);
            return fn_arg_err(c, 0, "argument must not contain null values");
        }
        if (!vpce_number_is_numeric(x) || json_is_boolean(x)) {
            json_decref(s);
            return fn_arg_err(c, 0, "a list of numbers is required");
        }
        const char *why = NULL;
        json_t *t = vpce_number_arith(VPCE_OP_ADD, s, x, &why);
        json_decref(s);
        if (!t)
            return fn_fail(c, "%s", why);
        s = t;
    }
    return s;
}

static json_t *f_one(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    if (json_array_size(l) == 0)
        return json_null();
    if (json_array_size(l) == 1)
        return json_incref(json_array_get(l, 0));
    return fn_fail(c, "must be a list, set, or tuple value with either zero or one elements");
}

static json_t *all_any(fcall *c, bool all)
{
    const json_t *l = fn_list(c, 0);
    if (!l)
        return NULL;
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        bool b;
        if (json_is_boolean(x))
            b = json_is_true(x);
        else if (json_is_string(x) && strcmp(json_string_value(x), "true") == 0)
            b = true;
        else if (json_is_string(x) && strcmp(json_string_value(x), "false") == 0)
            b = false;
        else if (fn_is_null(x))
            b = false;
        else
            return fn_arg_err(c, 0, "a list of bools is required");
        if (all && !b)
            return json_false();
        if (!all && b)
            return json_true();
    }
    return json_boolean(all);
}

static json_t *f_alltrue(fcall *c)
{
    return all_any(c, true);
}

static json_t *f_anytrue(fcall *c)
{
    return all_any(c, false);
}

static json_t *f_setunion(fcall *c)
{
    json_t *all = f_concat(c);
    if (!all)
        return NULL;
    json_t *r = fn_unified_array(c, all, true);
    json_decref(all);
    return r;
}

static bool in_list(const json_t *l, const json_t *x)
{
    for (size_t k = 0; k < json_array_size(l); k++)
        if (vpce_value_equal(json_array_get(l, k), x))
            return true;
    return false;
}

/* setsubtract(a, b): the elements of a that are not in b, as a set. */
static json_t *f_setsubtract(fcall *c)
{
    const json_t *a = fn_list(c, 0), *b = fn_list(c, 1);
    if (!a || !b)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!in_list(b, json_array_get(a, i)))
            json_array_append(out, json_array_get(a, i));
    json_t *r = fn_unified_array(c, out, true);
    json_decref(out);
    return r;
}

/* setproduct(sets...): every combination of one element from each, as a list of tuples. */
static json_t *f_setproduct(fcall *c)
{
    size_t total = 1;
    for (size_t i = 0; i < c->n; i++) {
        const json_t *l = fn_list(c, i);
        if (!l)
            return NULL;
        size_t n = json_array_size(l);
        if (n != 0 && total > FN_MAX_ELEMENTS / n)
            return fn_fail(c, "the product has more than %d elements", FN_MAX_ELEMENTS);
        total *= n;
    }
    json_t *out = json_array();
    size_t *idx = vpce_calloc(c->n, sizeof(*idx));
    for (size_t k = 0; k < total; k++) {
        json_t *t = json_array();
        for (size_t i = 0; i < c->n; i++)
            json_array_append(t, json_array_get(c->a[i], idx[i]));
        json_array_append_new(out, t);
        for (size_t i = c->n; i-- > 0;) { /* the last argument varies fastest */
            if (++idx[i] < json_array_size(c->a[i]))
                break;
            idx[i] = 0;
        }
    }
    free(idx);
    return out;
}

/* matchkeys(values, keys, searchset): the values whose key (same index) is in searchset. */
static json_t *f_matchkeys(fcall *c)
{
    const json_t *values = fn_list(c, 0), *keys = fn_list(c, 1), *search = fn_list(c, 2);
    if (!values || !keys || !search)
        return NULL;
    if (json_array_size(values) != json_array_size(keys))
        return fn_fail(c, "length of keys and values should be equal");
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(keys); i++)
        if (in_list(search, json_array_get(keys, i)))
            json_array_append(out, json_array_get(values, i));
    return out;
}

/* transpose(map of lists of strings): each string becomes a key listing the keys it was under. */
static json_t *f_transpose(fcall *c)
{
    const json_t *m = fn_map(c, 0);
    if (!m)
        return NULL;
    json_t *out = json_object();
    size_t n;
    const char **keys = vpce_sorted_keys(m, &n);
    for (size_t i = 0; i < n; i++) {
        const json_t *l = json_object_get(m, keys[i]);
        if (!json_is_array(l)) {
            free(keys);
            json_decref(out);
            return fn_arg_err(c, 0, "a map of lists of strings is required");
        }
        for (size_t k = 0; k < json_array_size(l); k++) {
            const json_t *v = json_array_get(l, k);
            if (!json_is_string(v)) {
                free(keys);
                json_decref(out);
                return fn_arg_err(c, 0, "a map of lists of strings is required");
            }
            json_t *dst = json_object_get(out, json_string_value(v));
            if (!dst) {
                dst = json_array();
                json_object_set_new(out, json_string_value(v), dst);
            }
            json_array_append_new(dst, json_string(keys[i]));
        }
    }
    free(keys);
    return out;
}

/* ephemeralasnull(value): vpce has no ephemeral values, so the value as it is. */
static json_t *f_ephemeralasnull(fcall *c)
{
    return json_incref(c->a[0]);
}

static json_t *f_setintersection(fcall *c)
{
    const json_t *first = fn_list(c, 0);
    if (!first)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(first); i++) {
        json_t *x = json_array_get(first, i);
        bool everywhere = true;
        for (size_t j = 1; j < c->n && everywhere; j++) {
            const json_t *l = fn_list(c, j);
            if (!l) {
                json_decref(out);
                return NULL;
            }
            bool found = false;
            for (size_t k = 0; k < json_array_size(l) && !found; k++)
                found = vpce_value_equal(json_array_get(l, k), x);
            everywhere = found;
        }
        if (everywhere)
            json_array_append(out, x);
    }
    json_t *r = vpce_set_from_array(out);
    json_decref(out);
    return r;
}

static json_t *f_chunklist(fcall *c)
{
    const json_t *l = fn_list(c, 0);
    long long size;
    if (!l || !fn_int(c, 1, &size))
        return NULL;
    if (size < 0)
        return fn_arg_err(c, 1, "the size argument must be positive");
    json_t *out = json_array();
    if (size == 0) {
        json_array_append(out, (json_t *)l);
        return out;
    }
    json_t *chunk = NULL;
    for (size_t i = 0; i < json_array_size(l); i++) {
        if (i % (size_t)size == 0) {
            chunk = json_array();
            json_array_append_new(out, chunk);
        }
        json_array_append(chunk, json_array_get(l, i));
    }
    return out;
}

const fdef vpce_fn_collections[] = {
    {"alltrue", 1, 1, 0, f_alltrue},
    {"anytrue", 1, 1, 0, f_anytrue},
    {"chunklist", 2, 2, F_DEEP, f_chunklist},
    {"coalesce", 1, -1, F_NULL, f_coalesce},
    {"coalescelist", 1, -1, F_DEEP | F_NULL, f_coalescelist},
    {"compact", 1, 1, 0, f_compact},
    {"concat", 1, -1, F_DEEP, f_concat},
    {"contains", 2, 2, F_NULL, f_contains},
    {"distinct", 1, 1, 0, f_distinct},
    {"element", 2, 2, F_DEEP, f_element},
    {"flatten", 1, 1, 0, f_flatten},
    {"index", 2, 2, F_NULL, f_index},
    {"keys", 1, 1, F_DEEP, f_keys},
    {"length", 1, 1, F_DEEP, f_length},
    {"lookup", 2, 3, F_DEEP | F_NULL, f_lookup},
    {"merge", 0, -1, F_DEEP | F_NULL, f_merge},
    {"one", 1, 1, F_DEEP, f_one},
    {"range", 1, 3, 0, f_range},
    {"reverse", 1, 1, F_DEEP, f_reverse},
    {"matchkeys", 3, 3, 0, f_matchkeys},
    {"setintersection", 1, -1, 0, f_setintersection},
    {"setproduct", 1, -1, 0, f_setproduct},
    {"setsubtract", 2, 2, 0, f_setsubtract},
    {"transpose", 1, 1, 0, f_transpose},
    {"ephemeralasnull", 1, 1, F_DEEP | F_NULL, f_ephemeralasnull},
    {"setunion", 1, -1, 0, f_setunion},
    {"slice", 3, 3, F_DEEP, f_slice},
    {"sort", 1, 1, 0, f_sort},
    {"sum", 1, 1, 0, f_sum},
    {"tolist", 1, 1, F_DEEP | F_NULL, f_tolist},
    {"tomap", 1, 1, F_DEEP | F_NULL, f_tomap},
    {"toset", 1, 1, F_NULL, f_toset},
    {"values", 1, 1, F_DEEP, f_values},
    {"zipmap", 2, 2, F_DEEP, f_zipmap},
    {NULL, 0, 0, 0, NULL},
};
