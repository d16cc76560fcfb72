/*
 * config/address.c: object addresses as moved, removed and import blocks, state and plans
 * write them: an optional module path (module.NAME, module.NAME[KEY], repeated), then a
 * resource ([data.]TYPE.NAME) with an optional instance key. Parsed from text or from a
 * traversal expression into the same steps; formatted back the way plans print them; matched
 * for moves (a whole resource or module call moves every instance under it, keys kept).
 */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

/* One step of an address: a name (attribute) or a key (index). */
typedef struct step {
    const char *name; /* borrowed; NULL for a key */
    json_t *key;      /* borrowed; integer or string */
} step;

void vpce_addr_release(vpce_addr *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nmodules; i++) {
        free(a->modules[i].name);
        json_decref(a->modules[i].key);
    }
    free(a->modules);
    free(a->type);
    free(a->name);
    json_decref(a->key);
    memset(a, 0, sizeof(*a));
}

void vpce_addr_copy(vpce_addr *out, const vpce_addr *a)
{
    memset(out, 0, sizeof(*out));
    out->nmodules = a->nmodules;
    out->modules = vpce_calloc(a->nmodules ? a->nmodules : 1, sizeof(*out->modules));
    for (size_t i = 0; i < a->nmodules; i++) {
        out->modules[i].name = vpce_strdup(a->modules[i].name);
        out->modules[i].key = a->modules[i].key ? json_incref(a->modules[i].key) : NULL;
    }
    out->mode = a->mode;
    out->type = a->type ? vpce_strdup(a->type) : NULL;
    out->name = a->name ? vpce_strdup(a->name) : NULL;
    out->key = a->key ? json_incref(a->key) : NULL;
}

static bool valid_key(const json_t *k)
{
    return json_is_string(k) || (json_is_integer(k) && json_integer_value(k) >= 0);
}

/* Builds *out from steps; a message in *err (static text) when they are not an address. */
static bool from_steps(vpce_addr *out, const step *s, size_t n, const char **err)
{
    size_t i = 0;
    vpce_vec mods = VPCE_VEC_INIT;
    memset(out, 0, sizeof(*out));
    *err = NULL;
    while (i < n && s[i].name && strcmp(s[i].name, "module") == 0) {
        if (i + 1 >= n || !s[i + 1].name) {
            *err = "\"module\" must be followed by a module call name";
            goto fail;
        }
        vpce_addr_module *m = vpce_calloc(1, sizeof(*m));
        m->name = vpce_strdup(s[i + 1].name);
        i += 2;
        if (i < n && !s[i].name) {
            if (!valid_key(s[i].key)) {
                free(m->name);
                free(m);
                *err = "a module instance key must be a whole number or a string";
                goto fail;
            }
            m->key = json_incref(s[i].key);
            i++;
        }
        vpce_vec_push(&mods, m);
    }
    out->nmodules = mods.len;
    out->modules = vpce_calloc(mods.len ? mods.len : 1, sizeof(*out->modules));
    for (size_t k = 0; k < mods.len; k++) {
        out->modules[k] = *(vpce_addr_module *)mods.items[k];
        free(mods.items[k]);
    }
    vpce_vec_release(&mods);
    if (i == n) {
        if (out->nmodules == 0) {
            *err = "an address is required";
            goto fail2;
        }
        return true; /* a module call or module instance */
    }
    out->mode = VPCE_MODE_MANAGED;
    if (s[i].name && strcmp(s[i].name, "data") == 0) {
        out->mode = VPCE_MODE_DATA;
        i++;
    }
    if (i + 1 >= n || !s[i].name || !s[i + 1].name) {
        *err = "a resource address is TYPE.NAME, with an optional instance key";
        goto fail2;
    }
    out->type = vpce_strdup(s[i].name);
    out->name = vpce_strdup(s[i + 1].name);
    i += 2;
    if (i < n && !s[i].name) {
        if (!valid_key(s[i].key)) {
            *err = "an instance key must be a whole number or a string";
            goto fail2;
        }
        out->key = json_incref(s[i].key);
        i++;
    }
    if (i < n) {
        *err = s[i].name ? "an address ends after the resource name and its instance key"
                         : "only one instance key may follow a resource name";
        goto fail2;
    }
    return true;

fail:
    for (size_t k = 0; k < mods.len; k++) {
        vpce_addr_module *m = mods.items[k];
        free(m->name);
        json_decref(m->key);
        free(m);
    }
    vpce_vec_release(&mods);
    return false;
fail2:
    vpce_addr_release(out);
    return false;
}

/* ---- from a traversal expression ---------------------------------------------------------- */

static bool expr_steps(const vpce_ast_expr *e, vpce_vec *names, vpce_vec *keys, vpce_vec *kinds)
{
    switch (e->kind) {
    case VPCE_EXPR_VAR:
        vpce_vec_push(names, (void *)e->u.var.name);
        vpce_vec_push(kinds, NULL);
        return true;
    case VPCE_EXPR_GETATTR:
        if (!expr_steps(e->u.getattr.obj, names, keys, kinds))
            return false;
        vpce_vec_push(names, (void *)e->u.getattr.name);
        vpce_vec_push(kinds, NULL);
        return true;
    case VPCE_EXPR_INDEX: {
        if (!expr_steps(e->u.index.obj, names, keys, kinds))
            return false;
        const vpce_ast_expr *k = e->u.index.key;
        while (k->kind == VPCE_EXPR_PAREN)
            k = k->u.inner;
        if (k->kind == VPCE_EXPR_TEMPLATE && k->u.list.n == 1)
            k = k->u.list.items[0];
        json_t *key = NULL;
        if (k->kind == VPCE_EXPR_TEMPLATE && k->u.list.n == 0)
            key = json_string("");
        else if (k->kind == VPCE_EXPR_LITERAL && json_is_string(k->u.literal))
            key = json_incref(k->u.literal);
        else if (k->kind == VPCE_EXPR_LITERAL && vpce_is_number(k->u.literal)) {
            double d = vpce_number(k->u.literal);
            if (d < 0 || d != (double)(json_int_t)d)
                return false;
            key = json_integer((json_int_t)d);
        } else
            return false;
        vpce_vec_push(names, NULL);
        vpce_vec_push(keys, key);
        vpce_vec_push(kinds, (void *)1);
        return true;
    }
    default:
        return false;
    }
}

int vpce_addr_from_expr(vpce_addr *out, const vpce_ast_expr *e, const char **err)
{
    vpce_vec names = VPCE_VEC_INIT, keys = VPCE_VEC_INIT, kinds = VPCE_VEC_INIT;
    int rc = VPCE_EINVALID;
    memset(out, 0, sizeof(*out));
    *err = "an address such as aws_vpc.main, aws_subnet.a[0] or module.net.aws_vpc.main is "
           "required here, with literal instance keys";
    if (expr_steps(e, &names, &keys, &kinds)) {
        step *s = vpce_calloc(kinds.len ? kinds.len : 1, sizeof(*s));
        for (size_t i = 0, k = 0; i < kinds.len; i++) {
            if (kinds.items[i])
                s[i].key = keys.items[k++];
            else
                s[i].name = names.items[i];
        }
        if (from_steps(out, s, kinds.len, err))
            rc = 0;
        free(s);
    }
    for (size_t i = 0; i < keys.len; i++)
        json_decref(keys.items[i]);
    vpce_vec_release(&names);
    vpce_vec_release(&keys);
    vpce_vec_release(&kinds);
    return rc;
}

/* ---- from text ---------------------------------------------------------------------------- */

static bool ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* A quoted key at p (after '['): JSON string syntax. */
static json_t *parse_string_key(const char **pp)
{
    const char *p = *pp;
    const char *q = p + 1;
    while (*q && *q != '"') {
        if (*q == '\\' && q[1])
            q++;
        q++;
    }
    if (*q != '"')
        return NULL;
    char *lit = vpce_strndup(p, (size_t)(q - p + 1));
    json_error_t je;
    json_t *v = json_loads(lit, JSON_DECODE_ANY, &je);
    free(lit);
    if (!json_is_string(v)) {
        json_decref(v);
        return NULL;
    }
    *pp = q + 1;
    return v;
}

int vpce_addr_parse(vpce_addr *out, const char *text, const char **err)
{
    vpce_vec parts = VPCE_VEC_INIT; /* step* */
    vpce_vec owned = VPCE_VEC_INIT; /* char* names */
    const char *p = text;
    int rc = VPCE_EINVALID;
    memset(out, 0, sizeof(*out));
    *err = "an address such as aws_vpc.main, aws_subnet.a[0] or module.net.aws_vpc.main is "
           "required";
    bool need_name = true;
    while (*p) {
        if (!need_name && *p == '.') {
            p++;
            need_name = true;
            continue;
        }
        step *s = vpce_calloc(1, sizeof(*s));
        vpce_vec_push(&parts, s);
        if (need_name) {
            const char *st = p;
            if (!ident_start((unsigned char)*p))
                goto cleanup;
            while (ident_char((unsigned char)*p))
                p++;
            char *name = vpce_strndup(st, (size_t)(p - st));
            vpce_vec_push(&owned, name);
            s->name = name;
            need_name = false;
        } else if (*p == '[') {
            p++;
            if (*p == '"') {
                s->key = parse_string_key(&p);
            } else if (*p >= '0' && *p <= '9') {
                char *end = NULL;
                long long v = strtoll(p, &end, 10);
                if (end == p || v < 0)
                    goto cleanup;
                s->key = json_integer((json_int_t)v);
                p = end;
            }
            if (!s->key || *p != ']')
                goto cleanup;
            p++;
        } else {
            goto cleanup;
        }
    }
    if (need_name)
        goto cleanup;
    step *steps = vpce_calloc(parts.len ? parts.len : 1, sizeof(*steps));
    for (size_t i = 0; i < parts.len; i++)
        steps[i] = *(step *)parts.items[i];
    if (from_steps(out, steps, parts.len, err))
        rc = 0;
    free(steps);

cleanup:
    for (size_t i = 0; i < parts.len; i++) {
        step *s = parts.items[i];
        json_decref(s->key);
        free(s);
    }
    for (size_t i = 0; i < owned.len; i++)
        free(owned.items[i]);
    vpce_vec_release(&parts);
    vpce_vec_release(&owned);
    return rc;
}

/* ---- formatting --------------------------------------------------------------------------- */

void vpce_addr_key_append(vpce_buf *b, const json_t *key)
{
    if (!key || json_is_null(key))
        return;
    if (json_is_integer(key)) {
        vpce_buf_printf(b, "[%" JSON_INTEGER_FORMAT "]", json_integer_value(key));
        return;
    }
    vpce_buf_puts(b, "[\"");
    for (const char *p = json_string_value(key); p && *p; p++) {
        switch (*p) {
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
        default:
            if ((unsigned char)*p < 0x20)
                vpce_buf_printf(b, "\\u%04x", (unsigned)*p);
            else
                vpce_buf_putc(b, *p);
        }
    }
    vpce_buf_puts(b, "\"]");
}

char *vpce_addr_format(const vpce_addr *a)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < a->nmodules; i++) {
        vpce_buf_printf(&b, "%smodule.%s", i ? "." : "", a->modules[i].name);
        vpce_addr_key_append(&b, a->modules[i].key);
    }
    if (a->type) {
        vpce_buf_printf(&b, "%s%s%s.%s", a->nmodules ? "." : "",
                        a->mode == VPCE_MODE_DATA ? "data." : "", a->type, a->name);
        vpce_addr_key_append(&b, a->key);
    }
    return vpce_buf_detach(&b);
}

char *vpce_addr_resource(const vpce_addr *a)
{
    vpce_addr r = *a;
    r.key = NULL;
    return vpce_addr_format(&r);
}

/* ---- comparing ---------------------------------------------------------------------------- */

static bool key_equal(const json_t *x, const json_t *y)
{
    if (!x || !y)
        return x == y;
    return json_equal((json_t *)x, (json_t *)y);
}

static bool modules_equal(const vpce_addr *a, const vpce_addr *b)
{
    if (a->nmodules != b->nmodules)
        return false;
    for (size_t i = 0; i < a->nmodules; i++)
        if (strcmp(a->modules[i].name, b->modules[i].name) != 0 ||
            !key_equal(a->modules[i].key, b->modules[i].key))
            return false;
    return true;
}

bool vpce_addr_equal(const vpce_addr *a, const vpce_addr *b)
{
    if (!modules_equal(a, b) || !a->type != !b->type)
        return false;
    if (!a->type)
        return true;
    return a->mode == b->mode && strcmp(a->type, b->type) == 0 && strcmp(a->name, b->name) == 0 &&
           key_equal(a->key, b->key);
}

bool vpce_addr_same_resource(const vpce_addr *a, const vpce_addr *b)
{
    return a->type && b->type && modules_equal(a, b) && a->mode == b->mode &&
           strcmp(a->type, b->type) == 0 && strcmp(a->name, b->name) == 0;
}

bool vpce_addr_is_instance(const vpce_addr *a)
{
    return a->type && a->key;
}

/*
 * Whether the module path of inst starts with that of pat, where pat's last step may leave
 * its key out (then any key matches: the whole module call). *last_key gets inst's key at
 * that step when pat's was left out.
 */
static bool module_prefix(const vpce_addr *pat, const vpce_addr *inst, size_t *depth,
                          const json_t **last_key)
{
    *last_key = NULL;
    if (inst->nmodules < pat->nmodules)
        return false;
    for (size_t i = 0; i < pat->nmodules; i++) {
        if (strcmp(pat->modules[i].name, inst->modules[i].name) != 0)
            return false;
        if (!pat->modules[i].key && i + 1 == pat->nmodules && !pat->type) {
            *last_key = inst->modules[i].key;
            continue;
        }
        if (!key_equal(pat->modules[i].key, inst->modules[i].key))
            return false;
    }
    *depth = pat->nmodules;
    return true;
}

int vpce_addr_move(vpce_addr *out, const vpce_addr *from, const vpce_addr *to,
                   const vpce_addr *inst)
{
    size_t depth = 0;
    const json_t *mkey = NULL;
    memset(out, 0, sizeof(*out));
    if (!inst->type || !module_prefix(from, inst, &depth, &mkey))
        return 0;
    if (from->type) {
        if (inst->nmodules != from->nmodules || inst->mode != from->mode ||
            strcmp(inst->type, from->type) != 0 || strcmp(inst->name, from->name) != 0)
            return 0;
        if (from->key && !key_equal(from->key, inst->key))
            return 0;
        vpce_addr_copy(out, to);
        /* A whole resource moves with its keys; an instance takes the destination's key. */
        if (!from->key && !to->key && inst->key)
            out->key = json_incref(inst->key);
        return 1;
    }
    /* A module call or instance: the rest of inst's path comes along. */
    vpce_addr_copy(out, to);
    size_t rest = inst->nmodules - depth;
    out->modules = vpce_realloc(out->modules, (to->nmodules + rest + 1) * sizeof(*out->modules));
    if (mkey && to->nmodules && !to->modules[to->nmodules - 1].key)
        out->modules[to->nmodules - 1].key = json_incref((json_t *)mkey);
    for (size_t i = 0; i < rest; i++) {
        out->modules[to->nmodules + i].name = vpce_strdup(inst->modules[depth + i].name);
        const json_t *k = inst->modules[depth + i].key;
        out->modules[to->nmodules + i].key = k ? json_incref((json_t *)k) : NULL;
    }
    out->nmodules = to->nmodules + rest;
    out->mode = inst->mode;
    out->type = vpce_strdup(inst->type);
    out->name = vpce_strdup(inst->name);
    out->key = inst->key ? json_incref(inst->key) : NULL;
    return 1;
}

bool vpce_addr_chains(const vpce_addr *to, const vpce_addr *from)
{
    vpce_addr moved;
    if (vpce_addr_equal(to, from))
        return true;
    /* from lies inside what to names (an instance of a moved resource or module) */
    vpce_addr probe;
    if (!from->type)
        return false;
    vpce_addr_copy(&probe, from);
    int hit = vpce_addr_move(&moved, to, to, &probe);
    vpce_addr_release(&moved);
    vpce_addr_release(&probe);
    return hit == 1;
}
