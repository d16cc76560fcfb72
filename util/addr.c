/*
 * util/addr.c: object addresses as Terraform writes them: an optional module path of
 * `module.NAME[KEY]` steps, then an optional resource `[data.]TYPE.NAME[KEY]`:
 * `module.a["x"].module.b[0].data.aws_region.r`, `aws_vpc.main`, `module.a`. Parsing (from
 * text, or from the parts of a traversal the configuration decodes), formatting (keys escaped
 * as Terraform escapes them), the containment -target uses and the mapping moved blocks use.
 * It knows the syntax of addresses only, nothing of configurations.
 */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void vpce_addr_release(vpce_addr *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nmodule; i++) {
        free(a->module[i].name);
        json_decref(a->module[i].key);
    }
    free(a->module);
    free(a->type);
    free(a->name);
    json_decref(a->key);
    memset(a, 0, sizeof(*a));
}

void vpce_addr_copy(vpce_addr *out, const vpce_addr *a)
{
    *out = *a;
    out->module = vpce_calloc(a->nmodule ? a->nmodule : 1, sizeof(*out->module));
    for (size_t i = 0; i < a->nmodule; i++) {
        out->module[i].name = vpce_strdup(a->module[i].name);
        out->module[i].key = a->module[i].key ? json_incref(a->module[i].key) : NULL;
    }
    out->type = a->type ? vpce_strdup(a->type) : NULL;
    out->name = a->name ? vpce_strdup(a->name) : NULL;
    out->key = a->key ? json_incref(a->key) : NULL;
}

void vpce_addr_join(vpce_addr *out, const vpce_addr *a, size_t depth, const vpce_addr *rel)
{
    if (depth > a->nmodule)
        depth = a->nmodule;
    vpce_addr_copy(out, rel);
    size_t n = depth + rel->nmodule;
    vpce_addr_step *steps = vpce_calloc(n ? n : 1, sizeof(*steps));
    for (size_t i = 0; i < depth; i++) {
        steps[i].name = vpce_strdup(a->module[i].name);
        steps[i].key = a->module[i].key ? json_incref(a->module[i].key) : NULL;
    }
    for (size_t i = 0; i < rel->nmodule; i++)
        steps[depth + i] = out->module[i];
    free(out->module);
    out->module = steps;
    out->nmodule = n;
}

static bool valid_key(const json_t *k)
{
    return json_is_string(k) || (json_is_integer(k) && json_integer_value(k) >= 0);
}

int vpce_addr_from_parts(vpce_addr *out, const vpce_addr_part *s, size_t n, const char **err)
{
    size_t i = 0, cap = 0;
    memset(out, 0, sizeof(*out));
    *err = NULL;
    while (i < n && s[i].name && strcmp(s[i].name, "module") == 0) {
        if (i + 1 >= n || !s[i + 1].name) {
            *err = "\"module\" must be followed by a module call name";
            goto fail;
        }
        if (out->nmodule == cap) {
            cap = cap ? 2 * cap : 4;
            out->module = vpce_realloc(out->module, cap * sizeof(*out->module));
        }
        vpce_addr_step *st = &out->module[out->nmodule++];
        st->name = vpce_strdup(s[i + 1].name);
        st->key = NULL;
        i += 2;
        if (i < n && !s[i].name) {
            if (!valid_key(s[i].key)) {
                *err = "a module instance key must be a whole number or a string";
                goto fail;
            }
            st->key = json_incref(s[i].key);
            i++;
        }
    }
    if (i == n) {
        if (out->nmodule == 0) {
            *err = "an address is required";
            goto fail;
        }
        return 0; /* a module call or module instance */
    }
    out->resource = true;
    if (s[i].name && strcmp(s[i].name, "data") == 0) {
        out->data = true;
        i++;
    }
    if (i + 1 >= n || !s[i].name || !s[i + 1].name) {
        *err = "a resource address is TYPE.NAME, with an optional instance key";
        goto fail;
    }
    out->type = vpce_strdup(s[i].name);
    out->name = vpce_strdup(s[i + 1].name);
    i += 2;
    if (i < n && !s[i].name) {
        if (!valid_key(s[i].key)) {
            *err = "an instance key must be a whole number or a string";
            goto fail;
        }
        out->key = json_incref(s[i].key);
        i++;
    }
    if (i < n) {
        *err = s[i].name ? "an address ends after the resource name and its instance key"
                         : "only one instance key may follow a resource name";
        goto fail;
    }
    return 0;

fail:
    vpce_addr_release(out);
    return VPCE_EINVALID;
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

/* A quoted key at *pp (on its opening quote), in JSON string syntax as plans print keys. */
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
    json_t *v = json_loadb(p, (size_t)(q - p + 1), JSON_DECODE_ANY, NULL);
    if (!json_is_string(v)) {
        json_decref(v);
        return NULL;
    }
    *pp = q + 1;
    return v;
}

int vpce_addr_parse(vpce_addr *out, const char *text)
{
    vpce_vec parts = VPCE_VEC_INIT; /* vpce_addr_part* (names and keys owned) */
    const char *p = text ? text : "";
    const char *err = "an address such as aws_vpc.main, aws_subnet.a[0] or "
                      "module.net.aws_vpc.main is required";
    int rc = VPCE_EINVALID;
    memset(out, 0, sizeof(*out));
    bool need_name = true;
    while (*p) {
        if (!need_name && *p == '.') {
            p++;
            need_name = true;
            continue;
        }
        vpce_addr_part *s = vpce_calloc(1, sizeof(*s));
        vpce_vec_push(&parts, s);
        if (need_name) {
            const char *st = p;
            if (!ident_start((unsigned char)*p))
                goto cleanup;
            while (ident_char((unsigned char)*p))
                p++;
            s->name = vpce_strndup(st, (size_t)(p - st));
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
    vpce_addr_part *steps = vpce_calloc(parts.len ? parts.len : 1, sizeof(*steps));
    for (size_t i = 0; i < parts.len; i++)
        steps[i] = *(vpce_addr_part *)parts.items[i];
    rc = vpce_addr_from_parts(out, steps, parts.len, &err);
    free(steps);

cleanup:
    for (size_t i = 0; i < parts.len; i++) {
        vpce_addr_part *s = parts.items[i];
        free((char *)s->name);
        json_decref(s->key);
        free(s);
    }
    vpce_vec_release(&parts);
    if (rc != 0)
        return vpce_error_setc(VPCE_EINVALID, "invalid address \"%s\": %s", text ? text : "", err);
    return 0;
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

char *vpce_addr_module_string(const vpce_addr *a, bool keys)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < a->nmodule; i++) {
        vpce_buf_printf(&b, "%smodule.%s", i ? "." : "", a->module[i].name);
        if (keys)
            vpce_addr_key_append(&b, a->module[i].key);
    }
    return vpce_buf_detach(&b);
}

char *vpce_addr_string(const vpce_addr *a, bool module_keys, bool instance_key)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < a->nmodule; i++) {
        vpce_buf_printf(&b, "%smodule.%s", i ? "." : "", a->module[i].name);
        if (module_keys)
            vpce_addr_key_append(&b, a->module[i].key);
    }
    if (a->resource) {
        vpce_buf_printf(&b, "%s%s%s.%s", a->nmodule ? "." : "", a->data ? "data." : "", a->type,
                        a->name);
        if (instance_key)
            vpce_addr_key_append(&b, a->key);
    }
    return vpce_buf_detach(&b);
}

char *vpce_addr_format(const vpce_addr *a)
{
    return vpce_addr_string(a, true, true);
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
    if (a->nmodule != b->nmodule)
        return false;
    for (size_t i = 0; i < a->nmodule; i++)
        if (strcmp(a->module[i].name, b->module[i].name) != 0 ||
            !key_equal(a->module[i].key, b->module[i].key))
            return false;
    return true;
}

/* The same resource in the same module (keys of the module path compared), mode included. */
static bool resource_equal(const vpce_addr *a, const vpce_addr *b)
{
    return a->resource && b->resource && a->data == b->data && strcmp(a->type, b->type) == 0 &&
           strcmp(a->name, b->name) == 0;
}

bool vpce_addr_equal(const vpce_addr *a, const vpce_addr *b)
{
    if (!modules_equal(a, b) || a->resource != b->resource)
        return false;
    return !a->resource || (resource_equal(a, b) && key_equal(a->key, b->key));
}

bool vpce_addr_same_resource(const vpce_addr *a, const vpce_addr *b)
{
    return modules_equal(a, b) && resource_equal(a, b);
}

bool vpce_addr_is_instance(const vpce_addr *a)
{
    return a->resource && a->key;
}

bool vpce_addr_contains(const vpce_addr *target, const vpce_addr *a)
{
    if (target->nmodule > a->nmodule)
        return false;
    for (size_t i = 0; i < target->nmodule; i++) {
        if (strcmp(target->module[i].name, a->module[i].name) != 0)
            return false;
        if (target->module[i].key && !key_equal(target->module[i].key, a->module[i].key))
            return false;
    }
    if (!target->resource)
        return true;
    if (target->nmodule != a->nmodule || !resource_equal(target, a))
        return false;
    return !target->key || key_equal(target->key, a->key);
}

/*
 * Whether the module path of inst starts with that of pat, where pat's last step may leave
 * its key out (then any key matches: the whole module call). *last_key gets inst's key at
 * that step when pat's was left out.
 */
static bool module_prefix(const vpce_addr *pat, const vpce_addr *inst, const json_t **last_key)
{
    *last_key = NULL;
    if (inst->nmodule < pat->nmodule)
        return false;
    for (size_t i = 0; i < pat->nmodule; i++) {
        if (strcmp(pat->module[i].name, inst->module[i].name) != 0)
            return false;
        if (!pat->module[i].key && i + 1 == pat->nmodule && !pat->resource) {
            *last_key = inst->module[i].key;
            continue;
        }
        if (!key_equal(pat->module[i].key, inst->module[i].key))
            return false;
    }
    return true;
}

int vpce_addr_move(vpce_addr *out, const vpce_addr *from, const vpce_addr *to,
                   const vpce_addr *inst)
{
    const json_t *mkey = NULL;
    memset(out, 0, sizeof(*out));
    if (!inst->resource || !module_prefix(from, inst, &mkey))
        return 0;
    if (from->resource) {
        if (inst->nmodule != from->nmodule || !resource_equal(inst, from))
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
    size_t depth = from->nmodule, rest = inst->nmodule - depth;
    vpce_addr_copy(out, to);
    out->module = vpce_realloc(out->module, (to->nmodule + rest + 1) * sizeof(*out->module));
    if (mkey && to->nmodule && !to->module[to->nmodule - 1].key)
        out->module[to->nmodule - 1].key = json_incref((json_t *)mkey);
    for (size_t i = 0; i < rest; i++) {
        out->module[to->nmodule + i].name = vpce_strdup(inst->module[depth + i].name);
        const json_t *k = inst->module[depth + i].key;
        out->module[to->nmodule + i].key = k ? json_incref((json_t *)k) : NULL;
    }
    out->nmodule = to->nmodule + rest;
    out->resource = true;
    out->data = inst->data;
    out->type = vpce_strdup(inst->type);
    out->name = vpce_strdup(inst->name);
    out->key = inst->key ? json_incref(inst->key) : NULL;
    return 1;
}

bool vpce_addr_chains(const vpce_addr *to, const vpce_addr *from)
{
    if (vpce_addr_equal(to, from))
        return true;
    /* from lies inside what to names (an instance of a moved resource or module) */
    if (!from->resource)
        return false;
    vpce_addr moved;
    int hit = vpce_addr_move(&moved, to, to, from);
    vpce_addr_release(&moved);
    return hit == 1;
}

/* ---- on address text ---------------------------------------------------------------------- */

/* An address without a module path, or one that does not parse: cut at its first '[' (in a
   root-module address that is where the instance key starts). */
static char *cut_root_key(const char *address)
{
    const char *br = strchr(address, '[');
    return br ? vpce_strndup(address, (size_t)(br - address)) : vpce_strdup(address);
}

/* address without its instance key, and without its module keys unless module_keys. */
static char *without_keys(const char *address, bool module_keys)
{
    if (strncmp(address, "module.", 7) != 0)
        return cut_root_key(address);
    vpce_addr a;
    if (vpce_addr_parse(&a, address) != 0) {
        vpce_error_clear();
        return cut_root_key(address);
    }
    char *s = vpce_addr_string(&a, module_keys, false);
    vpce_addr_release(&a);
    return s;
}

char *vpce_addr_static(const char *address)
{
    return without_keys(address, false);
}

char *vpce_addr_resource_part(const char *address)
{
    size_t n = strlen(address);
    if (n == 0 || address[n - 1] != ']')
        return vpce_strdup(address);
    return without_keys(address, true);
}

char *vpce_addr_module_of(const char *address)
{
    if (strncmp(address, "module.", 7) != 0)
        return vpce_strdup("");
    vpce_addr a;
    if (vpce_addr_parse(&a, address) != 0) {
        vpce_error_clear();
        return vpce_strdup("");
    }
    char *s = vpce_addr_module_string(&a, true);
    vpce_addr_release(&a);
    return s;
}
