/*
 * planner/diff.c: compares planned values with prior ones using the schema alone: which
 * attributes differ, which differences force a replacement, and how sets, JSON documents and
 * IAM policies compare.
 */
#include "planner/plan_build.h"

#include <stdlib.h>
#include <string.h>

static bool is_null(const json_t *v)
{
    return !v || json_is_null(v);
}

static bool null_or_empty(const json_t *v)
{
    return is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_object(v) && !vpce_is_unknown(v) && json_object_size(v) == 0);
}

static bool type_is(const char *type, const char *prefix)
{
    return type && strncmp(type, prefix, strlen(prefix)) == 0;
}

static bool type_is_collection(const char *type)
{
    return type_is(type, "list(") || type_is(type, "set(") || type_is(type, "map(");
}

typedef bool (*elem_eq)(const void *ctx, const json_t *x, const json_t *y);

/* Multiset equality of two arrays with elem equality. */
static bool set_equal(const json_t *x, const json_t *y, elem_eq eq, const void *ctx)
{
    size_t n = json_array_size(x);
    if (n != json_array_size(y))
        return false;
    bool *used = vpce_calloc(n ? n : 1, sizeof(bool));
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        /* Same position first: sets are usually stored sorted on both sides. */
        json_t *xi = json_array_get(x, i);
        if (!used[i] && eq(ctx, xi, json_array_get(y, i))) {
            used[i] = true;
            continue;
        }
        ok = false;
        for (size_t j = 0; j < n; j++)
            if (!used[j] && eq(ctx, xi, json_array_get(y, j))) {
                used[j] = true;
                ok = true;
                break;
            }
    }
    free(used);
    return ok;
}

static bool value_eq(const void *ctx, const json_t *x, const json_t *y)
{
    (void)ctx;
    return vpce_value_equal(x, y);
}

bool vpce_diff_attr_equal(const vpce_attr_schema *a, const json_t *x, const json_t *y)
{
    if (vpce_is_unknown(x) || vpce_is_unknown(y))
        return vpce_is_unknown(x) && vpce_is_unknown(y);
    if (is_null(x) && is_null(y))
        return true;
    if (a && type_is_collection(a->type) && null_or_empty(x) && null_or_empty(y))
        return true;
    if (a && (a->flags & VPCE_ATTR_JSON) && json_is_string(x) && json_is_string(y)) {
        if (a->flags & VPCE_ATTR_POLICY)
            return vpce_policy_equivalent(json_string_value(x), json_string_value(y));
        return vpce_json_equivalent(json_string_value(x), json_string_value(y));
    }
    if (a && type_is(a->type, "set(") && json_is_array(x) && json_is_array(y))
        return set_equal(x, y, value_eq, NULL);
    if (is_null(x) || is_null(y))
        return false;
    return vpce_value_equal(x, y);
}

static bool object_equal(const vpce_block_schema *s, const json_t *x, const json_t *y)
{
    if (vpce_is_unknown(x) || vpce_is_unknown(y))
        return vpce_is_unknown(x) && vpce_is_unknown(y);
    if (is_null(x) || is_null(y))
        return is_null(x) && is_null(y);
    if (!json_is_object(x) || !json_is_object(y) || !s)
        return vpce_value_equal(x, y);
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++)
        if (!vpce_diff_attr_equal(a, json_object_get(x, a->name), json_object_get(y, a->name)))
            return false;
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++)
        if (!vpce_diff_block_equal(b, json_object_get(x, b->name), json_object_get(y, b->name)))
            return false;
    return true;
}

static bool object_eq(const void *ctx, const json_t *x, const json_t *y)
{
    return object_equal(ctx, x, y);
}

bool vpce_diff_block_equal(const vpce_nested_block *b, const json_t *x, const json_t *y)
{
    if (vpce_is_unknown(x) || vpce_is_unknown(y))
        return vpce_is_unknown(x) && vpce_is_unknown(y);
    if (null_or_empty(x) && null_or_empty(y))
        return true;
    if (b->nesting == VPCE_NEST_SINGLE) {
        /* A single block may be stored as a one-element list by a provider. */
        const json_t *xs = json_is_array(x) && json_array_size(x) == 1 ? json_array_get(x, 0) : x;
        const json_t *ys = json_is_array(y) && json_array_size(y) == 1 ? json_array_get(y, 0) : y;
        return object_equal(b->block, xs, ys);
    }
    if (!json_is_array(x) || !json_is_array(y))
        return false;
    if (b->nesting == VPCE_NEST_SET)
        return set_equal(x, y, object_eq, b->block);
    if (json_array_size(x) != json_array_size(y))
        return false;
    for (size_t i = 0; i < json_array_size(x); i++)
        if (!object_equal(b->block, json_array_get(x, i), json_array_get(y, i)))
            return false;
    return true;
}

/* True if a change between x and y inside block b touches an attribute that forces a new
   resource. */
static bool block_forces_new(const vpce_nested_block *b, const json_t *x, const json_t *y)
{
    if (b->flags & VPCE_ATTR_FORCE_NEW)
        return true;
    const vpce_block_schema *s = b->block;
    bool any_force = false;
    for (const vpce_attr_schema *a = s ? s->attrs : NULL; a && a->name; a++)
        if (a->flags & VPCE_ATTR_FORCE_NEW)
            any_force = true;
    if (!any_force)
        return false;
    /* Element by element when the shapes line up; otherwise any change may touch them. */
    const json_t *xs = x, *ys = y;
    if (b->nesting == VPCE_NEST_SINGLE) {
        if (is_null(xs) || is_null(ys) || !json_is_object(xs) || !json_is_object(ys))
            return true;
        for (const vpce_attr_schema *a = s->attrs; a->name; a++)
            if ((a->flags & VPCE_ATTR_FORCE_NEW) &&
                !vpce_diff_attr_equal(a, json_object_get(xs, a->name),
                                      json_object_get(ys, a->name)))
                return true;
        return false;
    }
    if (b->nesting == VPCE_NEST_LIST && json_is_array(xs) && json_is_array(ys) &&
        json_array_size(xs) == json_array_size(ys)) {
        for (size_t i = 0; i < json_array_size(xs); i++) {
            json_t *xi = json_array_get(xs, i), *yi = json_array_get(ys, i);
            for (const vpce_attr_schema *a = s->attrs; a->name; a++)
                if ((a->flags & VPCE_ATTR_FORCE_NEW) &&
                    !vpce_diff_attr_equal(a, json_object_get(xi, a->name),
                                          json_object_get(yi, a->name)))
                    return true;
        }
        return false;
    }
    return true;
}

static void add_path(json_t *paths, const char *name)
{
    if (!paths)
        return;
    json_t *p = json_array();
    json_array_append_new(p, json_string(name));
    json_array_append_new(paths, p);
}

void vpce_diff_instance(const vpce_block_schema *s, const json_t *prior, const json_t *planned,
                        json_t *replace_paths, bool *changed)
{
    bool ch = false;
    for (const vpce_attr_schema *a = s ? s->attrs : NULL; a && a->name; a++) {
        const json_t *x = json_object_get(prior, a->name);
        const json_t *y = json_object_get(planned, a->name);
        if (vpce_diff_attr_equal(a, x, y))
            continue;
        /* A computed-only attribute unknown in the plan follows the others; it alone is no
           change. */
        if (!(a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL)) && vpce_is_unknown(y))
            continue;
        ch = true;
        if (a->flags & VPCE_ATTR_FORCE_NEW)
            add_path(replace_paths, a->name);
    }
    for (const vpce_nested_block *b = s ? s->blocks : NULL; b && b->name; b++) {
        const json_t *x = json_object_get(prior, b->name);
        const json_t *y = json_object_get(planned, b->name);
        if (vpce_diff_block_equal(b, x, y))
            continue;
        if ((b->flags & VPCE_ATTR_COMPUTED) && vpce_is_unknown(y))
            continue;
        ch = true;
        if (block_forces_new(b, x, y))
            add_path(replace_paths, b->name);
    }
    *changed = ch;
}

void vpce_diff_keep_prior_equivalent(const vpce_block_schema *s, const json_t *prior,
                                     json_t *planned)
{
    if (!json_is_object(prior) || !json_is_object(planned))
        return;
    for (const vpce_attr_schema *a = s ? s->attrs : NULL; a && a->name; a++) {
        json_t *x = json_object_get(prior, a->name);
        json_t *y = json_object_get(planned, a->name);
        if (x && y && !vpce_is_unknown(y) && vpce_diff_attr_equal(a, x, y) &&
            !vpce_value_equal(x, y))
            json_object_set(planned, a->name, x);
    }
    for (const vpce_nested_block *b = s ? s->blocks : NULL; b && b->name; b++) {
        json_t *x = json_object_get(prior, b->name);
        json_t *y = json_object_get(planned, b->name);
        if (x && y && !vpce_contains_unknown(y) && vpce_diff_block_equal(b, x, y) &&
            !vpce_value_equal(x, y))
            json_object_set(planned, b->name, x);
    }
}
