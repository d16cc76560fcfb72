/*
 * planner/policy.c: equivalence of IAM policy documents and of JSON documents, so that a policy
 * written differently from what AWS returns (whitespace, key order, statement order, a string
 * where AWS answers a one-element list) does not show as a change.
 *
 * Both documents are brought to a canonical form and compared: statements become a sorted list,
 * Action/NotAction/Resource/NotResource and every Principal and Condition value become sorted
 * sets of strings, Effect is lowercased, Principal "*" becomes {"AWS": ["*"]}. Version, Id and
 * Sid are compared as they are (a missing Sid equals an empty one).
 */
#include "planner/planner.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The string form of a scalar inside a policy (condition values may be bools or numbers). */
static json_t *scalar_string(const json_t *v)
{
    if (json_is_string(v))
        return json_incref((json_t *)v);
    if (json_is_true(v))
        return json_string("true");
    if (json_is_false(v))
        return json_string("false");
    if (json_is_integer(v))
        return json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (json_is_real(v))
        return json_sprintf("%.17g", json_real_value(v));
    return NULL;
}

static int cmp_strings(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a;
    const json_t *y = *(json_t *const *)b;
    return strcmp(json_string_value(x), json_string_value(y));
}

/* A string or a list of scalars as a sorted, deduplicated array of strings; NULL if neither. */
static json_t *string_set(const json_t *v)
{
    json_t *items[1];
    json_t **arr = NULL;
    size_t n = 0;
    json_t *out = NULL;
    if (json_is_array(v)) {
        n = json_array_size(v);
        arr = vpce_calloc(n ? n : 1, sizeof(*arr));
        for (size_t i = 0; i < n; i++) {
            arr[i] = scalar_string(json_array_get(v, i));
            if (!arr[i]) {
                n = i;
                goto cleanup;
            }
        }
    } else {
        items[0] = scalar_string(v);
        if (!items[0])
            return NULL;
        arr = vpce_calloc(1, sizeof(*arr));
        arr[0] = items[0];
        n = 1;
    }
    qsort(arr, n, sizeof(*arr), cmp_strings);
    out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(json_string_value(arr[i]), json_string_value(arr[i - 1])) != 0)
            json_array_append(out, arr[i]);
cleanup:
    for (size_t i = 0; i < n; i++)
        json_decref(arr[i]);
    free(arr);
    return out;
}

/* Principal / NotPrincipal: "*" is {"AWS": ["*"]}; each value a set of strings. */
static json_t *canon_principal(const json_t *v)
{
    json_t *out = json_object();
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "*") == 0) {
            json_object_set_new(out, "AWS", string_set(v));
            return out;
        }
        json_decref(out);
        return json_incref((json_t *)v);
    }
    if (!json_is_object(v)) {
        json_decref(out);
        return json_deep_copy(v);
    }
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        json_t *s = string_set(x);
        json_object_set_new(out, k, s ? s : json_deep_copy(x));
    }
    return out;
}

/* Condition: operator -> key -> values, each values a set of strings. */
static json_t *canon_condition(const json_t *v)
{
    if (!json_is_object(v))
        return json_deep_copy(v);
    json_t *out = json_object();
    const char *op;
    json_t *keys;
    json_object_foreach((json_t *)v, op, keys)
    {
        if (!json_is_object(keys)) {
            json_object_set_new(out, op, json_deep_copy(keys));
            continue;
        }
        json_t *o = json_object();
        const char *k;
        json_t *x;
        json_object_foreach(keys, k, x)
        {
            json_t *s = string_set(x);
            json_object_set_new(o, k, s ? s : json_deep_copy(x));
        }
        json_object_set_new(out, op, o);
    }
    return out;
}

static json_t *canon_statement(const json_t *st)
{
    if (!json_is_object(st))
        return json_deep_copy(st);
    json_t *out = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)st, k, x)
    {
        json_t *c = NULL;
        if (strcmp(k, "Action") == 0 || strcmp(k, "NotAction") == 0 || strcmp(k, "Resource") == 0 ||
            strcmp(k, "NotResource") == 0) {
            c = string_set(x);
        } else if (strcmp(k, "Principal") == 0 || strcmp(k, "NotPrincipal") == 0) {
            c = canon_principal(x);
        } else if (strcmp(k, "Condition") == 0) {
            c = canon_condition(x);
        } else if (strcmp(k, "Effect") == 0 && json_is_string(x)) {
            char *e = vpce_strdup(json_string_value(x));
            for (char *p = e; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            c = json_string(e);
            free(e);
        } else if (strcmp(k, "Sid") == 0 && json_is_string(x) && !*json_string_value(x)) {
            continue; /* "" is the same as no Sid */
        }
        json_object_set_new(out, k, c ? c : json_deep_copy(x));
    }
    return out;
}

static int cmp_dumped(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The canonical form of a policy document; NULL if doc is not an object. */
static json_t *canon_policy(const json_t *doc)
{
    if (!json_is_object(doc))
        return NULL;
    json_t *out = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)doc, k, x)
    {
        if (strcmp(k, "Statement") != 0) {
            json_object_set_new(out, k, json_deep_copy(x));
            continue;
        }
        /* Statements compare as a multiset: sort their canonical texts. */
        size_t n = json_is_array(x) ? json_array_size(x) : 1;
        char **texts = vpce_calloc(n ? n : 1, sizeof(*texts));
        for (size_t i = 0; i < n; i++) {
            json_t *c = canon_statement(json_is_array(x) ? json_array_get(x, i) : x);
            texts[i] = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            json_decref(c);
        }
        qsort(texts, n, sizeof(*texts), cmp_dumped);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(arr, json_string(texts[i] ? texts[i] : ""));
            free(texts[i]);
        }
        free(texts);
        json_object_set_new(out, "Statement", arr);
    }
    return out;
}

bool vpce_policy_equivalent(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    if (strcmp(a, b) == 0)
        return true;
    json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL);
    json_t *jb = json_loads(b, JSON_DECODE_ANY, NULL);
    json_t *ca = NULL, *cb = NULL;
    bool eq = false;
    if (!ja || !jb)
        goto cleanup; /* invalid JSON: only the identical strings above are equal */
    ca = canon_policy(ja);
    cb = canon_policy(jb);
    if (ca && cb)
        eq = json_equal(ca, cb);
    else if (!ca && !cb)
        eq = vpce_value_equal(ja, jb);
cleanup:
    json_decref(ja);
    json_decref(jb);
    json_decref(ca);
    json_decref(cb);
    return eq;
}

bool vpce_json_equivalent(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    if (strcmp(a, b) == 0)
        return true;
    json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL);
    json_t *jb = json_loads(b, JSON_DECODE_ANY, NULL);
    bool eq = ja && jb && vpce_value_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return eq;
}
