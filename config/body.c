/*
 * config/body.c: evaluating a resource, data-source or provider body against its schema
 * (vpce_body_eval), with nested blocks, attributes written as blocks (ingress, egress, route),
 * `dynamic` blocks, defaults and unknowns for computed attributes; and the all-unknown
 * evaluation `vpce validate` runs over a whole configuration (vpce_config_validate).
 */
#include "config/config.h"
#include "lang/lang.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsed schema types, cached for the life of the program ------------------------------ */

static pthread_mutex_t type_lock = PTHREAD_MUTEX_INITIALIZER;
static vpce_map *type_cache;    /* type text -> json_t* (never freed: schemas are static) */
static vpce_map *default_cache; /* default JSON text -> json_t* (likewise) */

static const json_t *schema_type(const char *text)
{
    pthread_mutex_lock(&type_lock);
    if (!type_cache)
        type_cache = vpce_map_new();
    json_t *t = vpce_map_get(type_cache, text);
    if (!t) {
        t = vpce_type_parse(text);
        if (!t)
            VPCE_BUG("invalid type in a provider schema");
        vpce_map_set(type_cache, text, t);
    }
    pthread_mutex_unlock(&type_lock);
    return t;
}

/* What eval_block_body looks up for every attribute of every body, worked out once per schema:
   the attribute names hashed to their index, each attribute's parsed type, and the index of
   the first attribute of the same name (vpce_schema_attr finds the first). */
typedef struct schema_info {
    size_t nattrs;
    const json_t **types;  /* per attribute */
    size_t *first;         /* per attribute: index of the first attribute of its name */
    unsigned short *slots; /* open addressing: attribute index + 1, 0 when free */
    size_t mask;           /* slots has mask + 1 entries, a power of two */
} schema_info;

typedef struct info_entry {
    const vpce_block_schema *s;
    schema_info *info;
} info_entry;
static info_entry *info_tab; /* open addressing by schema pointer (never freed: schemas are
                                static) */
static size_t info_cap, info_len;

static size_t name_hash(const char *name)
{
    size_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static size_t ptr_slot(const void *p, size_t cap)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 32) & (cap - 1);
}

static schema_info *schema_info_new(const vpce_block_schema *s)
{
    schema_info *si = vpce_calloc(1, sizeof(*si));
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++)
        si->nattrs++;
    size_t cap = 8;
    while (cap < si->nattrs * 2)
        cap *= 2;
    if (si->nattrs >= 65535)
        VPCE_BUG("too many attributes in a provider schema");
    si->mask = cap - 1;
    si->slots = vpce_calloc(cap, sizeof(*si->slots));
    si->types = vpce_calloc(si->nattrs ? si->nattrs : 1, sizeof(*si->types));
    si->first = vpce_calloc(si->nattrs ? si->nattrs : 1, sizeof(*si->first));
    for (size_t i = 0; i < si->nattrs; i++) {
        const vpce_attr_schema *a = &s->attrs[i];
        si->types[i] = schema_type(a->type);
        size_t h = name_hash(a->name) & si->mask;
        while (si->slots[h] && strcmp(s->attrs[si->slots[h] - 1].name, a->name) != 0)
            h = (h + 1) & si->mask;
        if (!si->slots[h])
            si->slots[h] = (unsigned short)(i + 1);
        si->first[i] = si->slots[h] - 1u;
    }
    return si;
}

/* The schema_info of s, made on first use. */
static const schema_info *schema_info_of(const vpce_block_schema *s)
{
    pthread_mutex_lock(&type_lock);
    schema_info *si = NULL;
    size_t h = info_cap ? ptr_slot(s, info_cap) : 0;
    while (info_cap && info_tab[h].s && info_tab[h].s != s)
        h = (h + 1) & (info_cap - 1);
    if (info_cap && info_tab[h].s == s)
        si = info_tab[h].info;
    pthread_mutex_unlock(&type_lock);
    if (si)
        return si;
    si = schema_info_new(s); /* takes type_lock itself, for the types */
    pthread_mutex_lock(&type_lock);
    if ((info_len + 1) * 2 > info_cap) {
        size_t ncap = info_cap ? info_cap * 2 : 64;
        info_entry *ntab = vpce_calloc(ncap, sizeof(*ntab));
        for (size_t i = 0; i < info_cap; i++) {
            if (!info_tab[i].s)
                continue;
            size_t k = ptr_slot(info_tab[i].s, ncap);
            while (ntab[k].s)
                k = (k + 1) & (ncap - 1);
            ntab[k] = info_tab[i];
        }
        free(info_tab);
        info_tab = ntab;
        info_cap = ncap;
    }
    h = ptr_slot(s, info_cap);
    while (info_tab[h].s && info_tab[h].s != s)
        h = (h + 1) & (info_cap - 1);
    if (info_tab[h].s) { /* another thread made it meanwhile */
        schema_info *mine = si;
        si = info_tab[h].info;
        free(mine->types);
        free(mine->first);
        free(mine->slots);
        free(mine);
    } else {
        info_tab[h].s = s;
        info_tab[h].info = si;
        info_len++;
    }
    pthread_mutex_unlock(&type_lock);
    return si;
}

/* The index of the attribute name in s (as vpce_schema_attr finds it), or -1. */
static long schema_info_find(const schema_info *si, const vpce_block_schema *s, const char *name)
{
    size_t h = name_hash(name) & si->mask;
    for (; si->slots[h]; h = (h + 1) & si->mask)
        if (strcmp(s->attrs[si->slots[h] - 1].name, name) == 0)
            return (long)si->slots[h] - 1;
    return -1;
}

/* Set by vpce_config_validate while it evaluates bodies only for their errors: omitted
   attributes then get no values (their defaults and unknowns would be thrown away). */
static _Thread_local bool checking_only;

/* The value of a schema default (JSON text), parsed once; a new reference to the shared value
   (values are never changed in place). */
static json_t *schema_default(const char *text)
{
    pthread_mutex_lock(&type_lock);
    if (!default_cache)
        default_cache = vpce_map_new();
    json_t *v = vpce_map_get(default_cache, text);
    if (!v) {
        v = json_loads(text, JSON_DECODE_ANY, NULL);
        if (!v)
            VPCE_BUG("invalid default in a provider schema");
        vpce_map_set(default_cache, text, v);
    }
    pthread_mutex_unlock(&type_lock);
    return json_incref(v);
}

/* The element object type of a list(object(...)) or set(object(...)) attribute, or NULL. */
static const json_t *attr_block_type(const vpce_attr_schema *a)
{
    if (!(a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL)))
        return NULL;
    const json_t *t = schema_type(a->type);
    if (!json_is_array(t))
        return NULL;
    const char *k = json_string_value(json_array_get(t, 0));
    const json_t *el = json_array_get(t, 1);
    if (!k || (strcmp(k, "list") != 0 && strcmp(k, "set") != 0) || !json_is_array(el) ||
        strcmp(json_string_value(json_array_get(el, 0)), "object") != 0)
        return NULL;
    return el;
}

/* The zero value Terraform's SDK gives omitted attributes of attribute-as-block objects. */
static json_t *zero_value(const json_t *t)
{
    if (json_is_string(t)) {
        const char *s = json_string_value(t);
        if (strcmp(s, "string") == 0)
            return json_string("");
        if (strcmp(s, "bool") == 0)
            return json_false();
        if (strcmp(s, "number") == 0)
            return json_integer(0);
        return json_null();
    }
    const char *k = json_string_value(json_array_get(t, 0));
    if (k && (strcmp(k, "list") == 0 || strcmp(k, "set") == 0))
        return json_array();
    if (k && strcmp(k, "map") == 0)
        return json_object();
    return json_null();
}

/* ---- diagnostics helpers ------------------------------------------------------------------ */

static bool is_meta(const char *name)
{
    return strcmp(name, "count") == 0 || strcmp(name, "for_each") == 0 ||
           strcmp(name, "depends_on") == 0 || strcmp(name, "provider") == 0 ||
           strcmp(name, "alias") == 0;
}

static void unsupported_attr(const vpce_eval_ctx *ctx, const vpce_ast_attr *at,
                             const vpce_block_schema *s)
{
    char *detail = NULL;
    if (vpce_schema_block(s, at->name)) {
        detail = vpce_asprintf("did you mean to define a block of type \"%s\"?", at->name);
    } else {
        vpce_vec names = VPCE_VEC_INIT;
        for (const vpce_attr_schema *a = s->attrs; a && a->name; a++)
            if (a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL))
                vpce_vec_push(&names, (void *)a->name);
        const char *sug = vpce_suggest(at->name, (const char *const *)names.items, names.len);
        detail = sug ? vpce_asprintf("did you mean \"%s\"?", sug)
                     : vpce_asprintf("an argument named \"%s\" is not expected here", at->name);
        vpce_vec_release(&names);
    }
    vpce_diags_error(ctx->diags, at->name_range, detail, "unsupported argument \"%s\"", at->name);
    free(detail);
}

static void unsupported_block(const vpce_eval_ctx *ctx, const char *name, vpce_range r,
                              const vpce_block_schema *s)
{
    vpce_vec names = VPCE_VEC_INIT;
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++)
        vpce_vec_push(&names, (void *)b->name);
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++)
        if (attr_block_type(a))
            vpce_vec_push(&names, (void *)a->name);
    const char *sug = vpce_suggest(name, (const char *const *)names.items, names.len);
    char *detail = sug ? vpce_asprintf("did you mean \"%s\"?", sug)
                       : vpce_asprintf("blocks of type \"%s\" are not expected here", name);
    vpce_diags_error(ctx->diags, r, detail, "unsupported block type \"%s\"", name);
    free(detail);
    vpce_vec_release(&names);
}

/* Checks a JSON-valued argument; points into the string when its text is in the source. */
static bool check_json(const vpce_eval_ctx *ctx, const vpce_ast_attr *at, const char *text)
{
    /* Instances of one resource usually carry the same document: the last valid one is kept
       and not parsed again. */
    static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
    static char *last_valid; /* kept for the life of the program */
    pthread_mutex_lock(&last_lock);
    bool seen = last_valid && strcmp(last_valid, text) == 0;
    pthread_mutex_unlock(&last_lock);
    if (seen)
        return true;
    json_error_t err;
    json_t *doc = json_loads(text, JSON_DECODE_ANY, &err);
    if (doc) {
        json_decref(doc);
        if (strlen(text) < 65536) {
            char *copy = vpce_strdup(text);
            pthread_mutex_lock(&last_lock);
            free(last_valid);
            last_valid = copy;
            pthread_mutex_unlock(&last_lock);
        }
        return true;
    }
    vpce_range r = at->expr->range;
    size_t tlen = strlen(text);
    if (r.src && tlen && r.end <= r.src->len && r.end - r.start >= tlen) {
        const char *hay = r.src->text + r.start;
        const char *found = memmem(hay, r.end - r.start, text, tlen);
        if (found && err.position >= 0 && (size_t)err.position <= tlen) {
            size_t pos = (size_t)(found - r.src->text) + (size_t)err.position;
            if (pos > 0 && (size_t)err.position == tlen)
                pos--;
            r.start = (uint32_t)pos;
            r.end = (uint32_t)(pos + 1);
        }
    }
    char *detail =
        vpce_asprintf("%s (line %d, column %d of the document)", err.text, err.line, err.column);
    vpce_diags_error(ctx->diags, r, detail, "invalid JSON in \"%s\"", at->name);
    free(detail);
    return false;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static json_t *eval_block_body(const vpce_eval_ctx *ctx, const vpce_ast_body *body,
                               const vpce_block_schema *s, vpce_range header, bool top);

/* One attribute-as-block element: an object of the element type, omitted attributes zero. */
static json_t *eval_attr_block(const vpce_eval_ctx *ctx, const vpce_ast_body *body,
                               const json_t *objtype)
{
    const json_t *attrs = json_array_get(objtype, 1);
    json_t *obj = json_object();
    bool failed = false;
    for (size_t i = 0; i < body->nattrs; i++) {
        const vpce_ast_attr *at = body->attrs[i];
        const json_t *t = json_object_get(attrs, at->name);
        if (!t) {
            const char **keys;
            size_t n;
            keys = vpce_sorted_keys(attrs, &n);
            const char *sug = vpce_suggest(at->name, keys, n);
            char *detail = sug ? vpce_asprintf("did you mean \"%s\"?", sug) : NULL;
            vpce_diags_error(ctx->diags, at->name_range, detail, "unsupported argument \"%s\"",
                             at->name);
            free(detail);
            free(keys);
            failed = true;
            continue;
        }
        json_t *v = vpce_eval(ctx, at->expr);
        if (!v) {
            failed = true;
            continue;
        }
        const char *why = NULL;
        json_t *cv = vpce_convert(v, t, &why);
        json_decref(v);
        if (!cv) {
            char *detail =
                vpce_asprintf("inappropriate value for attribute \"%s\": %s", at->name, why);
            vpce_diags_error(ctx->diags, at->expr->range, detail, "incorrect attribute value type");
            free(detail);
            failed = true;
            continue;
        }
        json_object_set_new_nocheck(obj, at->name, cv);
    }
    for (size_t i = 0; i < body->nblocks; i++) {
        vpce_diags_error(ctx->diags, body->blocks[i]->type_range, NULL,
                         "unsupported block type \"%s\"", body->blocks[i]->type);
        failed = true;
    }
    const char *key;
    json_t *t;
    json_object_foreach((json_t *)attrs, key, t)
    {
        if (!json_object_get(obj, key))
            json_object_set_new_nocheck(obj, key, zero_value(t));
    }
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* Where the elements of one block name are collected. */
typedef struct collected {
    const char *name;
    const vpce_nested_block *nb; /* a nested block, or */
    const json_t *objtype;       /* an attribute written as blocks */
    json_t *items;               /* array of element objects */
    bool unknown;                /* a dynamic block with an unknown for_each */
    vpce_range first;
} collected;

static json_t *eval_element(const vpce_eval_ctx *ctx, const collected *col, const vpce_ast_block *b,
                            const vpce_ast_body *body)
{
    if (col->nb)
        return eval_block_body(ctx, body, col->nb->block, b->open_range, false);
    return eval_attr_block(ctx, body, col->objtype);
}

/* Expands dynamic "NAME" { for_each, iterator, content {} } into col->items. */
static bool eval_dynamic(const vpce_eval_ctx *ctx, collected *col, const vpce_ast_block *b)
{
    const vpce_ast_expr *fe = NULL;
    const char *iter = b->labels[0];
    const vpce_ast_block *content = NULL;
    bool ok = true;
    for (size_t i = 0; i < b->body->nattrs; i++) {
        const vpce_ast_attr *at = b->body->attrs[i];
        if (strcmp(at->name, "for_each") == 0)
            fe = at->expr;
        else if (strcmp(at->name, "iterator") == 0 && at->expr->kind == VPCE_EXPR_VAR)
            iter = at->expr->u.var.name;
        else if (strcmp(at->name, "labels") != 0) {
            vpce_diags_error(ctx->diags, at->name_range,
                             "a dynamic block takes for_each, iterator, labels and a content "
                             "block",
                             "unsupported argument \"%s\"", at->name);
            ok = false;
        }
    }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        if (strcmp(b->body->blocks[i]->type, "content") == 0 && !content)
            content = b->body->blocks[i];
        else {
            vpce_diags_error(ctx->diags, b->body->blocks[i]->type_range, NULL,
                             "unsupported block type \"%s\"", b->body->blocks[i]->type);
            ok = false;
        }
    }
    if (!fe || !content) {
        vpce_diags_error(ctx->diags, b->open_range, NULL, "missing required %s",
                         !fe ? "argument \"for_each\"" : "block \"content\"");
        return false;
    }
    if (!ok)
        return false;
    json_t *coll = vpce_eval(ctx, fe);
    if (!coll)
        return false;
    json_t *scope = ctx->scope ? json_copy(ctx->scope) : json_object();
    vpce_eval_ctx inner = *ctx;
    inner.scope = scope;
    if (vpce_is_unknown(coll)) {
        /* Check the content once with an unknown iterator; the result is unknown. */
        json_object_set_new(scope, iter,
                            json_pack("{s:o,s:o}", "key", vpce_unknown(), "value", vpce_unknown()));
        json_t *el = eval_element(&inner, col, content, content->body);
        ok = el != NULL;
        json_decref(el);
        col->unknown = true;
    } else if (json_is_array(coll)) {
        for (size_t i = 0; i < json_array_size(coll) && ok; i++) {
            json_object_set_new(
                scope, iter,
                json_pack("{s:I,s:O}", "key", (json_int_t)i, "value", json_array_get(coll, i)));
            json_t *el = eval_element(&inner, col, content, content->body);
            if (el)
                json_array_append_new(col->items, el);
            else
                ok = false;
        }
    } else if (json_is_object(coll)) {
        size_t n;
        const char **keys = vpce_sorted_keys(coll, &n);
        for (size_t i = 0; i < n && ok; i++) {
            json_object_set_new(
                scope, iter,
                json_pack("{s:s,s:O}", "key", keys[i], "value", json_object_get(coll, keys[i])));
            json_t *el = eval_element(&inner, col, content, content->body);
            if (el)
                json_array_append_new(col->items, el);
            else
                ok = false;
        }
        free(keys);
    } else if (!json_is_null(coll)) {
        char *detail = vpce_asprintf("for_each of a dynamic block needs a collection, not a %s",
                                     vpce_value_type_name(coll));
        vpce_diags_error(ctx->diags, fe->range, detail, "invalid dynamic for_each value");
        free(detail);
        ok = false;
    }
    json_decref(scope);
    json_decref(coll);
    return ok;
}

static json_t *eval_block_body(const vpce_eval_ctx *ctx, const vpce_ast_body *body,
                               const vpce_block_schema *s, vpce_range header, bool top)
{
    json_t *obj = json_object();
    const schema_info *si = schema_info_of(s);
    /* Attributes set in the body, even when they failed, by schema index. */
    bool present_buf[128];
    bool *present = si->nattrs <= 128 ? present_buf : vpce_calloc(si->nattrs, sizeof(bool));
    if (present == present_buf)
        memset(present_buf, 0, sizeof(present_buf));
    bool failed = false;
    collected *cols = NULL;
    size_t ncols = 0;

    for (size_t i = 0; i < body->nattrs; i++) {
        const vpce_ast_attr *at = body->attrs[i];
        long ai = schema_info_find(si, s, at->name);
        const vpce_attr_schema *a = ai >= 0 ? &s->attrs[ai] : NULL;
        if (!a && top && is_meta(at->name))
            continue;
        if (!a) {
            unsupported_attr(ctx, at, s);
            failed = true;
            continue;
        }
        if (!(a->flags & (VPCE_ATTR_REQUIRED | VPCE_ATTR_OPTIONAL))) {
            vpce_diags_error(ctx->diags, at->name_range,
                             "its value will be decided automatically based on the result of "
                             "applying this configuration",
                             "value for unconfigurable attribute \"%s\"", at->name);
            failed = true;
            continue;
        }
        if (present[ai]) {
            vpce_diags_error(ctx->diags, at->name_range, NULL, "argument \"%s\" set twice",
                             at->name);
            failed = true;
            continue;
        }
        present[ai] = true;
        json_t *v = vpce_eval(ctx, at->expr);
        if (!v) {
            failed = true;
            continue;
        }
        const char *why = NULL;
        json_t *cv = vpce_convert(v, si->types[ai], &why);
        json_decref(v);
        if (!cv) {
            char *detail =
                vpce_asprintf("inappropriate value for attribute \"%s\": %s", at->name, why);
            vpce_diags_error(ctx->diags, at->expr->range, detail, "incorrect attribute value type");
            free(detail);
            failed = true;
            continue;
        }
        if ((a->flags & VPCE_ATTR_JSON) && json_is_string(cv) &&
            !check_json(ctx, at, json_string_value(cv)))
            failed = true;
        json_object_set_new_nocheck(obj, at->name, cv);
    }

    for (size_t i = 0; i < body->nblocks; i++) {
        const vpce_ast_block *b = body->blocks[i];
        if (top && (strcmp(b->type, "lifecycle") == 0 || strcmp(b->type, "vpce_checks") == 0))
            continue;
        bool dyn = strcmp(b->type, "dynamic") == 0;
        if (dyn && b->nlabels != 1) {
            vpce_diags_error(ctx->diags, b->open_range, NULL,
                             "a dynamic block needs one label: the block type it generates");
            failed = true;
            continue;
        }
        const char *name = dyn ? b->labels[0] : b->type;
        vpce_range nr = dyn ? b->label_ranges[0] : b->type_range;
        collected *col = NULL;
        for (size_t k = 0; k < ncols; k++)
            if (strcmp(cols[k].name, name) == 0)
                col = &cols[k];
        if (!col) {
            const vpce_nested_block *nb = vpce_schema_block(s, name);
            const vpce_attr_schema *a = nb ? NULL : vpce_schema_attr(s, name);
            const json_t *ot = a ? attr_block_type(a) : NULL;
            if (!nb && !ot) {
                unsupported_block(ctx, name, nr, s);
                failed = true;
                continue;
            }
            if (ot && json_object_get(obj, name)) {
                vpce_diags_error(ctx->diags, nr, NULL,
                                 "\"%s\" is set both as an argument and as blocks", name);
                failed = true;
                continue;
            }
            cols = vpce_realloc(cols, (ncols + 1) * sizeof(*cols));
            col = &cols[ncols++];
            *col = (collected){name, nb, ot, json_array(), false, b->open_range};
        }
        if (b->nlabels && !dyn) {
            vpce_diags_error(ctx->diags, b->label_ranges[0], NULL,
                             "extraneous label for \"%s\" block", name);
            failed = true;
            continue;
        }
        if (dyn) {
            if (!eval_dynamic(ctx, col, b))
                failed = true;
            continue;
        }
        json_t *el = eval_element(ctx, col, b, b->body);
        if (el)
            json_array_append_new(col->items, el);
        else
            failed = true;
    }

    /* Every attribute of the schema gets a value. Only attributes set in the body (all of them
       present) are in obj so far. */
    for (size_t ai = 0; ai < si->nattrs; ai++) {
        const vpce_attr_schema *a = &s->attrs[ai];
        if (present[si->first[ai]])
            continue;
        collected *col = NULL;
        for (size_t k = 0; k < ncols; k++)
            if (strcmp(cols[k].name, a->name) == 0)
                col = &cols[k];
        if (col) {
            json_t *v = col->unknown ? vpce_unknown() : json_incref(col->items);
            const char *why = NULL;
            json_t *cv = vpce_convert(v, si->types[ai], &why);
            json_decref(v);
            if (!cv) {
                vpce_diags_error(ctx->diags, col->first, why, "invalid \"%s\" blocks", a->name);
                failed = true;
                continue;
            }
            json_object_set_new_nocheck(obj, a->name, cv);
            continue;
        }
        if (a->flags & VPCE_ATTR_REQUIRED) {
            char *detail = vpce_asprintf(
                "the argument \"%s\" is required, but no definition was found", a->name);
            vpce_diags_error(ctx->diags, header, detail, "missing required argument");
            free(detail);
            failed = true;
            continue;
        }
        if (checking_only)
            continue; /* the value is thrown away: only errors matter */
        json_t *v = NULL;
        if (a->default_json)
            v = schema_default(a->default_json);
        else if (a->flags & VPCE_ATTR_COMPUTED)
            v = vpce_unknown();
        json_object_set_new_nocheck(obj, a->name, v ? v : json_null());
    }

    for (const vpce_nested_block *nb = s->blocks; nb && nb->name; nb++) {
        collected *col = NULL;
        for (size_t k = 0; k < ncols; k++)
            if (cols[k].nb == nb)
                col = &cols[k];
        size_t n = col ? json_array_size(col->items) : 0;
        if (col && col->unknown) {
            json_object_set_new_nocheck(obj, nb->name, vpce_unknown());
            continue;
        }
        if (nb->max_items && (int)n > nb->max_items) {
            vpce_diags_error(ctx->diags, col->first, NULL,
                             "too many \"%s\" blocks: no more than %d allowed", nb->name,
                             nb->max_items);
            failed = true;
            continue;
        }
        if ((int)n < nb->min_items) {
            vpce_diags_error(ctx->diags, header, NULL,
                             "insufficient \"%s\" blocks: at least %d required", nb->name,
                             nb->min_items);
            failed = true;
            continue;
        }
        json_t *v;
        if (nb->nesting == VPCE_NEST_SINGLE)
            v = n                                  ? json_incref(json_array_get(col->items, 0))
                : (nb->flags & VPCE_ATTR_COMPUTED) ? vpce_unknown()
                                                   : json_null();
        else if (!n && (nb->flags & VPCE_ATTR_COMPUTED))
            v = vpce_unknown();
        else if (!col)
            v = json_array();
        else if (nb->nesting == VPCE_NEST_SET)
            v = vpce_set_from_array(col->items);
        else
            v = json_incref(col->items);
        json_object_set_new_nocheck(obj, nb->name, v);
    }

    for (size_t k = 0; k < ncols; k++)
        json_decref(cols[k].items);
    free(cols);
    if (present != present_buf)
        free(present);
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

json_t *vpce_body_eval(const vpce_eval_ctx *ctx, const vpce_ast_body *body,
                       const vpce_block_schema *schema)
{
    return eval_block_body(ctx, body, schema, body->range, true);
}

json_t *vpce_body_eval_at(const vpce_eval_ctx *ctx, const vpce_ast_body *body,
                          const vpce_block_schema *schema, vpce_range header)
{
    return eval_block_body(ctx, body, schema, header, true);
}

/* ---- validate: everything evaluated with unknown inputs ----------------------------------- */

json_t *vpce_config_unknown_scope(const vpce_config *c)
{
    /* var, local and data are wholly unknown, so any attribute of them is unknown too;
       undeclared names are reported by the reference check, not here. */
    json_t *scope = json_object();
    json_object_set_new(scope, "var", vpce_unknown());
    json_object_set_new(scope, "local", vpce_unknown());
    json_object_set_new(scope, "data", vpce_unknown());
    json_object_set_new(scope, "module", vpce_unknown());
    json_object_set_new(scope, "path",
                        json_pack("{s:s,s:s,s:s}", "module", c->dir, "root",
                                  c->root ? c->root->dir : c->dir, "cwd", "."));
    const char *workspace = c->root ? c->root->workspace : c->workspace;
    json_object_set_new(scope, "terraform",
                        json_pack("{s:s}", "workspace", workspace ? workspace : "default"));
    size_t n = 0;
    const char **names = vpce_providers_type_names(false, &n);
    for (size_t i = 0; i < n; i++)
        json_object_set_new(scope, names[i], vpce_unknown());
    free(names);
    for (size_t i = 0; i < c->resources.len; i++) {
        const vpce_cfg_resource *r = c->resources.items[i];
        if (r->mode == VPCE_MODE_MANAGED && !json_object_get(scope, r->type))
            json_object_set_new(scope, r->type, vpce_unknown());
    }
    return scope;
}

/* Keeps a diagnostic unless an error was already reported at the same place. */
static void merge_new(vpce_diags *dst, vpce_diags *src)
{
    vpce_map *seen = vpce_map_new();
    char key[64];
    for (size_t i = 0; i < dst->len; i++) {
        snprintf(key, sizeof(key), "%p:%u", (const void *)dst->items[i].range.src,
                 dst->items[i].range.start);
        vpce_map_set(seen, key, dst);
    }
    vpce_diags kept = VPCE_DIAGS_INIT;
    for (size_t i = 0; i < src->len; i++) {
        vpce_diag *g = &src->items[i];
        snprintf(key, sizeof(key), "%p:%u", (const void *)g->range.src, g->range.start);
        if (g->range.src && vpce_map_has(seen, key))
            continue;
        vpce_diags_add(&kept, g->severity, g->range, g->detail, "%s", g->summary);
    }
    vpce_diags_append(dst, &kept);
    vpce_diags_release(src);
    vpce_map_free(seen);
}

static void count_too_big(vpce_diags *diags, vpce_range range, const char *what)
{
    char *detail =
        vpce_asprintf("a %s may have at most %d instances", what, VPCE_MAX_INSTANCES_PER_RESOURCE);
    vpce_diags_error(diags, range, detail, "invalid count argument: too many instances");
    free(detail);
}

/* count and for_each of a resource, or of a module call (what names which). */
static void check_meta(const vpce_eval_ctx *ctx, const vpce_ast_expr *count_expr,
                       const vpce_ast_expr *for_each_expr, const char *what)
{
    struct {
        const vpce_ast_expr *count, *for_each;
    } rr = {count_expr, for_each_expr}, *r = &rr;
    if (r->count) {
        json_t *v = vpce_eval(ctx, r->count);
        if (v && !vpce_is_unknown(v)) {
            const char *why = NULL;
            json_t *n = vpce_convert(v, schema_type("number"), &why);
            int64_t count;
            int crc = n && !json_is_null(n)
                          ? vpce_number_count(n, VPCE_MAX_INSTANCES_PER_RESOURCE, &count)
                          : 0;
            if (!n || crc == -1)
                vpce_diags_error(ctx->diags, r->count->range,
                                 "count must be a whole number, zero or more",
                                 "invalid count argument");
            else if (crc == -2)
                count_too_big(ctx->diags, r->count->range, what);
            json_decref(n);
        }
        json_decref(v);
    }
    if (r->for_each) {
        json_t *v = vpce_eval(ctx, r->for_each);
        bool ok = !v || vpce_is_unknown(v) || json_is_object(v);
        const char *tname = v ? vpce_value_type_name(v) : "null";
        /* A list literal is a tuple, not a set: Terraform wants toset() around it. */
        const vpce_ast_expr *fe = r->for_each;
        while (fe->kind == VPCE_EXPR_PAREN)
            fe = fe->u.inner;
        if (v && json_is_array(v) && fe->kind == VPCE_EXPR_TUPLE) {
            ok = false;
            tname = "tuple";
        } else if (v && json_is_array(v)) {
            ok = true;
            size_t i;
            json_t *el;
            json_array_foreach(v, i, el)
            {
                if (!json_is_string(el) && !vpce_is_unknown(el))
                    ok = false;
            }
        }
        if (!ok) {
            char *detail = vpce_asprintf(
                "the \"for_each\" argument must be a map, or set of "
                "strings, and you have provided a value of type %s%s",
                tname, strcmp(tname, "tuple") == 0 ? "; convert it with toset()" : "");
            vpce_diags_error(ctx->diags, r->for_each->range, detail, "invalid for_each argument");
            free(detail);
        }
        json_decref(v);
    }
}

int vpce_config_condition(const vpce_eval_ctx *ctx, const vpce_cfg_validation *c,
                          const char *summary)
{
    int rc = 1;
    json_t *msg = NULL, *b = NULL;
    json_t *v = vpce_eval(ctx, c->condition);
    if (!v) {
        rc = VPCE_EINVALID;
        goto message;
    }
    if (vpce_contains_unknown(v)) {
        rc = 0;
        goto message;
    }
    const char *why = json_is_null(v) ? "condition expression must return either true or "
                                        "false, not null"
                                      : NULL;
    if (!why) {
        json_t *t = json_string("bool");
        b = vpce_convert(v, t, &why);
        json_decref(t);
    }
    if (!b) {
        char *detail = vpce_asprintf("invalid condition result value: %s", why);
        vpce_diags_error(ctx->diags, c->condition->range, detail, "invalid condition result");
        free(detail);
        rc = VPCE_EINVALID;
        goto cleanup;
    }
    if (json_is_true(b) || !summary)
        goto message;
    /* The condition failed: its message is the diagnostic's detail. */
    rc = VPCE_EINVALID;
    msg = vpce_eval(ctx, c->error_message);
    if (!msg)
        goto cleanup;
    if (vpce_contains_unknown(msg)) {
        vpce_diags_error(ctx->diags, c->condition->range,
                         "the error message is not known yet, so it cannot be shown", "%s",
                         summary);
        goto cleanup;
    }
    char *text = vpce_value_to_string(msg, &why);
    vpce_diags_error(ctx->diags, c->condition->range, text ? text : why, "%s", summary);
    free(text);
    goto cleanup;

message:
    /* The message must be a string whenever the condition is checked, so a mistake in it shows
       before the condition first fails. */
    msg = vpce_eval(ctx, c->error_message);
    if (!msg) {
        rc = VPCE_EINVALID;
    } else if (!vpce_contains_unknown(msg) &&
               (json_is_array(msg) || json_is_object(msg) || json_is_null(msg))) {
        vpce_diags_error(ctx->diags, c->error_message->range, "the error message must be a string",
                         "invalid error message");
        rc = VPCE_EINVALID;
    }
cleanup:
    json_decref(msg);
    json_decref(b);
    json_decref(v);
    return rc;
}

/* Conditions with unknown inputs: only that they evaluate, to a bool and a string. */
static void validate_conditions(const vpce_eval_ctx *ctx, const vpce_cfg_validation *conds,
                                size_t n)
{
    for (size_t i = 0; i < n; i++)
        vpce_config_condition(ctx, &conds[i], NULL);
}

/* The module calls of c: count, for_each and each argument, evaluated in c's scope. */
static void validate_calls(const vpce_config *c, const vpce_eval_ctx *ctx, json_t *each,
                           json_t *count)
{
    for (size_t i = 0; i < c->module_calls.len; i++) {
        const vpce_cfg_module_call *call = c->module_calls.items[i];
        check_meta(ctx, call->count, call->for_each, "module call");
        vpce_eval_ctx cctx = *ctx;
        json_t *cscope = json_copy(ctx->scope);
        if (call->for_each)
            json_object_set(cscope, "each", each);
        if (call->count)
            json_object_set(cscope, "count", count);
        cctx.scope = cscope;
        for (size_t k = 0; k < call->body->nattrs; k++) {
            const vpce_ast_attr *a = call->body->attrs[k];
            if (strcmp(a->name, "source") == 0 || strcmp(a->name, "version") == 0 ||
                strcmp(a->name, "count") == 0 || strcmp(a->name, "for_each") == 0 ||
                strcmp(a->name, "depends_on") == 0 || strcmp(a->name, "providers") == 0)
                continue;
            json_decref(vpce_eval(&cctx, a->expr));
        }
        json_decref(cscope);
    }
}

static void validate_module(const vpce_config *c, vpce_diags *found);

int vpce_config_validate(const vpce_config *c, vpce_diags *diags)
{
    size_t errors_before = diags->nerrors;
    vpce_diags found = VPCE_DIAGS_INIT;
    if (c->modules.len == 0) {
        validate_module(c, &found);
    } else {
        for (size_t i = 0; i < c->modules.len; i++)
            validate_module(c->modules.items[i], &found);
    }
    merge_new(diags, &found);
    return diags->nerrors > errors_before ? VPCE_EINVALID : 0;
}

static void validate_module(const vpce_config *c, vpce_diags *found_out)
{
    vpce_diags found = VPCE_DIAGS_INIT;
    json_t *scope = vpce_config_unknown_scope(c);
    /* Relative paths in file() and the like resolve against the root module's directory (the
       working directory of a Terraform run); path.module leads into a module's. */
    const char *base = c->root ? c->root->dir : c->dir;
    vpce_eval_ctx ctx = {scope, base, &found, vpce_config_ref_sensitive, (void *)c};

    /* A default is a constant of the declared type. */
    json_t *empty = json_object();
    vpce_eval_ctx cctx = {empty, base, &found, NULL, NULL};
    for (size_t i = 0; i < c->variables.len; i++) {
        const vpce_cfg_variable *v = c->variables.items[i];
        if (!v->default_expr)
            continue;
        json_t *d = vpce_eval(&cctx, v->default_expr);
        vpce_diags quiet = VPCE_DIAGS_INIT; /* type errors were reported when decoding */
        json_t *t = v->type ? vpce_type_from_expr(v->type, &quiet) : NULL;
        vpce_diags_release(&quiet);
        const char *why = NULL;
        json_t *cv = d && t ? vpce_convert(d, t, &why) : NULL;
        if (d && t && !cv) {
            char *detail = vpce_asprintf("this default value is not compatible with the "
                                         "variable's type constraint: %s",
                                         why);
            vpce_diags_error(&found, v->default_expr->range, detail,
                             "invalid default value for variable \"%s\"", v->name);
            free(detail);
        }
        json_decref(cv);
        json_decref(t);
        json_decref(d);
    }
    json_decref(empty);

    for (size_t i = 0; i < c->locals.len; i++) {
        const vpce_cfg_local *l = c->locals.items[i];
        json_decref(vpce_eval(&ctx, l->expr));
    }
    for (size_t i = 0; i < c->providers.len; i++) {
        const vpce_cfg_provider *p = c->providers.items[i];
        const vpce_provider_type *pt = vpce_providers_find(p->name);
        if (pt)
            json_decref(vpce_body_eval_at(&ctx, p->body, pt->config_schema, p->range));
    }
    json_t *each = json_pack("{s:o,s:o}", "key", vpce_unknown(), "value", vpce_unknown());
    json_t *count = json_pack("{s:o}", "index", vpce_unknown());
    checking_only = true;
    for (size_t i = 0; i < c->resources.len; i++) {
        const vpce_cfg_resource *r = c->resources.items[i];
        if (!r->rtype)
            continue;
        check_meta(&ctx, r->count, r->for_each, "resource");
        vpce_eval_ctx rctx = ctx;
        json_t *rscope = NULL;
        if (r->count || r->for_each) {
            rscope = json_copy(scope);
            if (r->for_each)
                json_object_set(rscope, "each", each);
            if (r->count)
                json_object_set(rscope, "count", count);
            rctx.scope = rscope;
        }
        json_decref(vpce_body_eval_at(&rctx, r->body, r->rtype->schema, r->range));
        validate_conditions(&rctx, r->preconditions, r->npreconditions);
        if (r->npostconditions) {
            json_t *pscope = json_copy(rctx.scope);
            json_object_set_new(pscope, "self", vpce_unknown());
            vpce_eval_ctx pctx = rctx;
            pctx.scope = pscope;
            validate_conditions(&pctx, r->postconditions, r->npostconditions);
            json_decref(pscope);
        }
        json_decref(rscope);
    }
    checking_only = false;
    validate_calls(c, &ctx, each, count);
    json_decref(each);
    json_decref(count);
    for (size_t i = 0; i < c->outputs.len; i++) {
        const vpce_cfg_output *o = c->outputs.items[i];
        validate_conditions(&ctx, o->preconditions, o->npreconditions);
        if (o->value)
            json_decref(vpce_eval(&ctx, o->value));
    }
    /* check blocks: data.* is wholly unknown here, the scoped data source included */
    for (size_t i = 0; i < c->checks.len; i++) {
        const vpce_cfg_check *ck = c->checks.items[i];
        if (ck->data && ck->data->rtype)
            json_decref(
                vpce_body_eval_at(&ctx, ck->data->body, ck->data->rtype->schema, ck->data->range));
        validate_conditions(&ctx, ck->asserts, ck->nasserts);
    }
    json_decref(scope);
    vpce_diags_append(found_out, &found);
}
