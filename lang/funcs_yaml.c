/*
 * lang/funcs_yaml.c: yamldecode and yamlencode, on libyaml. Plain scalars resolve by the YAML
 * 1.2 core schema (null, true/false, integers in decimal, octal 0o and hex 0x, floats), as
 * Terraform's YAML codec does; anchors, aliases and "<<" merge keys work; one document only.
 * yamlencode writes block style with every string and key double-quoted, as Terraform does.
 */
#include "lang/funcs.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deepest nesting of collections yamldecode accepts. */
#define YAML_MAX_DEPTH 512

typedef struct ydec {
    fcall *c;
    yaml_parser_t p;
    json_t *anchors; /* anchor name -> value */
    bool failed;
} ydec;

static json_t *yfail(ydec *d, const char *what, const yaml_mark_t *m)
{
    if (!d->failed)
        fn_fail(d->c, "on line %zu, column %zu: %s", m->line + 1, m->column + 1, what);
    d->failed = true;
    return NULL;
}

static bool next_event(ydec *d, yaml_event_t *ev)
{
    if (yaml_parser_parse(&d->p, ev))
        return true;
    if (!d->failed && d->p.context)
        fn_fail(d->c, "on line %zu, column %zu: %s (%s that starts on line %zu, column %zu)",
                d->p.problem_mark.line + 1, d->p.problem_mark.column + 1,
                d->p.problem ? d->p.problem : "invalid YAML", d->p.context,
                d->p.context_mark.line + 1, d->p.context_mark.column + 1);
    else if (!d->failed)
        fn_fail(d->c, "on line %zu, column %zu: %s", d->p.problem_mark.line + 1,
                d->p.problem_mark.column + 1, d->p.problem ? d->p.problem : "invalid YAML");
    d->failed = true;
    return false;
}

static bool full_match(const char *re, const char *s)
{
    regex_t r;
    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

/* A number from YAML integer or float syntax, or NULL. */
static json_t *yaml_number(const char *s)
{
    if (full_match("^[-+]?[0-9]+$", s) ||
        full_match("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", s)) {
        double x;
        return vpce_number_parse(s[0] == '+' ? s + 1 : s, &x) ? vpce_number_new(x) : NULL;
    }
    if (full_match("^0o[0-7]+$", s) || full_match("^0x[0-9a-fA-F]+$", s)) {
        errno = 0;
        unsigned long long v = strtoull(s + 2, NULL, s[1] == 'o' ? 8 : 16);
        return errno ? NULL : vpce_number_new((double)v);
    }
    return NULL;
}

/* A scalar event's value: quoted scalars and !!str are strings, plain ones resolve by schema. */
static json_t *scalar(ydec *d, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (tag && strcmp(tag, YAML_STR_TAG) == 0)
        plain = false;
    else if (tag && strcmp(tag, "!") != 0 && strcmp(tag, YAML_NULL_TAG) != 0 &&
             strcmp(tag, YAML_BOOL_TAG) != 0 && strcmp(tag, YAML_INT_TAG) != 0 &&
             strcmp(tag, YAML_FLOAT_TAG) != 0)
        return yfail(d, "unsupported tag", &ev->start_mark);
    if (!plain)
        return fn_str_new(v, len);
    if (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
        strcmp(v, "NULL") == 0)
        return json_null();
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
        return json_true();
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
        return json_false();
    if (full_match("^[-+]?\\.(inf|Inf|INF)$", v) || full_match("^\\.(nan|NaN|NAN)$", v))
        return yfail(d, "infinity and NaN are not numbers here", &ev->start_mark);
    json_t *n = yaml_number(v);
    if (n)
        return n;
    if (tag && strcmp(tag, "!") != 0)
        return yfail(d, "the value does not match its tag", &ev->start_mark);
    return fn_str_new(v, len);
}

static json_t *node(ydec *d, yaml_event_t *ev, int depth);

static void remember(ydec *d, const yaml_char_t *anchor, json_t *v)
{
    if (anchor && v)
        json_object_set(d->anchors, (const char *)anchor, v);
}

/* Merges the mapping (or sequence of mappings) m into o without replacing keys o has. */
static bool merge_into(json_t *o, const json_t *m)
{
    if (json_is_array(m)) {
        for (size_t i = 0; i < json_array_size(m); i++)
            if (!merge_into(o, json_array_get(m, i)))
                return false;
        return true;
    }
    if (!json_is_object(m))
        return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)m, k, v)
    {
        if (!json_object_get(o, k))
            json_object_set(o, k, v);
    }
    return true;
}

static json_t *mapping(ydec *d, const yaml_event_t *start, int depth)
{
    json_t *o = json_object();
    for (;;) {
        yaml_event_t kev;
        if (!next_event(d, &kev))
            goto fail;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            return o;
        }
        bool merge = kev.type == YAML_SCALAR_EVENT &&
                     kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                     strcmp((const char *)kev.data.scalar.value, "<<") == 0;
        json_t *key = node(d, &kev, depth + 1);
        yaml_mark_t km = kev.start_mark;
        yaml_event_delete(&kev);
        if (!key)
            goto fail;
        yaml_event_t vev;
        if (!next_event(d, &vev)) {
            json_decref(key);
            goto fail;
        }
        json_t *val = node(d, &vev, depth + 1);
        yaml_event_delete(&vev);
        if (!val) {
            json_decref(key);
            goto fail;
        }
        if (merge) {
            bool ok = merge_into(o, val);
            json_decref(key);
            json_decref(val);
            if (!ok) {
                yfail(d, "a merge key's value must be a mapping or a list of mappings", &km);
                goto fail;
            }
            continue;
        }
        const char *why;
        char *k = json_is_string(key) ? vpce_strdup(json_string_value(key))
                                      : vpce_value_to_string(key, &why);
        json_decref(key);
        if (!k) {
            json_decref(val);
            yfail(d, "a mapping key must be a string, number or bool", &km);
            goto fail;
        }
        json_object_set_new(o, k, val);
        free(k);
    }
fail:
    (void)start;
    json_decref(o);
    return NULL;
}

static json_t *sequence(ydec *d, int depth)
{
    json_t *a = json_array();
    for (;;) {
        yaml_event_t ev;
        if (!next_event(d, &ev))
            break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return a;
        }
        json_t *v = node(d, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!v)
            break;
        json_array_append_new(a, v);
    }
    json_decref(a);
    return NULL;
}

/* The value that starts with ev (a scalar, alias, or the start of a collection). */
static json_t *node(ydec *d, yaml_event_t *ev, int depth)
{
    if (depth > YAML_MAX_DEPTH)
        return yfail(d, "nested too deeply", &ev->start_mark);
    json_t *v = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        v = scalar(d, ev);
        remember(d, ev->data.scalar.anchor, v);
        return v;
    case YAML_ALIAS_EVENT:
        v = json_object_get(d->anchors, (const char *)ev->data.alias.anchor);
        return v ? json_incref(v) : yfail(d, "unknown anchor", &ev->start_mark);
    case YAML_SEQUENCE_START_EVENT:
        v = sequence(d, depth);
        remember(d, ev->data.sequence_start.anchor, v);
        return v;
    case YAML_MAPPING_START_EVENT:
        v = mapping(d, ev, depth);
        remember(d, ev->data.mapping_start.anchor, v);
        return v;
    default:
        return yfail(d, "unexpected YAML content", &ev->start_mark);
    }
}

static json_t *f_yamldecode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    ydec d = {.c = c, .anchors = json_object()};
    json_t *result = NULL;
    yaml_event_t ev;
    bool have_doc = false, done = false;
    if (!yaml_parser_initialize(&d.p)) {
        json_decref(d.anchors);
        return fn_fail(c, "cannot start the YAML parser");
    }
    yaml_parser_set_input_string(&d.p, (const unsigned char *)s, strlen(s));
    while (!done && next_event(&d, &ev)) {
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (have_doc) {
                yfail(&d, "only one YAML document is allowed", &ev.start_mark);
                done = true;
            }
            have_doc = true;
            break;
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        default:
            result = node(&d, &ev, 0);
            if (!result)
                done = true;
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&d.p);
    json_decref(d.anchors);
    if (d.failed) {
        json_decref(result);
        return NULL;
    }
    return result ? result : json_null();
}

/* ---- encoding ------------------------------------------------------------------------------ */

static int write_buf(void *data, unsigned char *buffer, size_t size)
{
    return vpce_buf_append(data, buffer, size) == 0;
}

static bool emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style) &&
           yaml_emitter_emit(e, &ev);
}

static bool emit_value(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    if (json_is_null(v))
        return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    if (json_is_boolean(v))
        return json_is_true(v) ? emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE)
                               : emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    if (json_is_string(v))
        return emit_scalar(e, json_string_value(v), json_string_length(v),
                           YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    if (vpce_is_number(v)) {
        const char *why;
        char *n = vpce_value_to_string(v, &why);
        bool ok = n && emit_scalar(e, n, strlen(n), YAML_PLAIN_SCALAR_STYLE);
        free(n);
        return ok;
    }
    if (json_is_array(v)) {
        bool empty = json_array_size(v) == 0;
        if (!yaml_sequence_start_event_initialize(
                &ev, NULL, NULL, 1, empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return false;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!emit_value(e, json_array_get(v, i)))
                return false;
        return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev);
    }
    bool empty = json_object_size(v) == 0;
    if (!yaml_mapping_start_event_initialize(
            &ev, NULL, NULL, 1, empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE) ||
        !yaml_emitter_emit(e, &ev))
        return false;
    size_t n;
    const char **keys = vpce_sorted_keys(v, &n);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = emit_scalar(e, keys[i], strlen(keys[i]), YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
             emit_value(e, json_object_get(v, keys[i]));
    free(keys);
    return ok && yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev);
}

static json_t *f_yamlencode(fcall *c)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    if (!yaml_emitter_initialize(&e))
        return fn_fail(c, "cannot start the YAML emitter");
    yaml_emitter_set_output(&e, write_buf, &b);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    yaml_emitter_set_indent(&e, 2);
    bool ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
              yaml_emitter_emit(&e, &ev) &&
              yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
              yaml_emitter_emit(&e, &ev) && emit_value(&e, c->a[0]) &&
              yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
              yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
              yaml_emitter_flush(&e);
    yaml_emitter_delete(&e);
    json_t *r = ok ? fn_str_new(b.data ? b.data : "", b.len)
                   : fn_fail(c, "cannot encode the value as YAML");
    vpce_buf_release(&b);
    return r;
}

const fdef vpce_fn_yaml[] = {
    {"yamldecode", 1, 1, 0, f_yamldecode},
    {"yamlencode", 1, 1, F_NULL, f_yamlencode},
    {NULL, 0, 0, 0, NULL},
};
