/*
 * render/state_text.c: state values and resources in HCL syntax, as `vpce state show` and
 * `vpce output` print them, and the lock holder block of lock errors.
 */
#include "lang/lang.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

static int pad(vpce_buf *b, int n)
{
    for (int i = 0; i < n; i++)
        if (vpce_buf_putc(b, ' '))
            return VPCE_ETOOBIG;
    return 0;
}

static bool is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

/* A quoted HCL string: escapes, and ${ / %{ doubled so they stay literal. */
static int quoted(vpce_buf *b, const char *s, size_t len)
{
    int rc = vpce_buf_putc(b, '"');
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            rc = vpce_buf_puts(b, "\\\"");
            break;
        case '\\':
            rc = vpce_buf_puts(b, "\\\\");
            break;
        case '\n':
            rc = vpce_buf_puts(b, "\\n");
            break;
        case '\r':
            rc = vpce_buf_puts(b, "\\r");
            break;
        case '\t':
            rc = vpce_buf_puts(b, "\\t");
            break;
        default:
            if ((c == '$' || c == '%') && i + 1 < len && s[i + 1] == '{')
                rc = vpce_buf_putc(b, (char)c);
            if (rc == 0 && c < 0x20)
                rc = vpce_buf_printf(b, "\\u%04x", c);
            else if (rc == 0)
                rc = vpce_buf_putc(b, (char)c);
        }
    }
    if (rc == 0)
        rc = vpce_buf_putc(b, '"');
    return rc;
}

static int format_value(vpce_buf *b, const json_t *v, int indent, int width, bool map_keys);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int format_object(vpce_buf *b, const json_t *v, int indent, int width, bool map_keys)
{
    size_t n = json_object_size(v);
    if (n == 0)
        return vpce_buf_puts(b, "{}");
    const char **keys = vpce_malloc(n * sizeof(*keys));
    const char *k;
    json_t *item;
    size_t i = 0, keyw = 0;
    json_object_foreach((json_t *)v, k, item)
    {
        keys[i++] = k;
    }
    qsort(keys, n, sizeof(*keys), cmp_str);
    for (i = 0; i < n; i++) {
        size_t w = strlen(keys[i]) + ((map_keys || !is_identifier(keys[i])) ? 2 : 0);
        if (w > keyw)
            keyw = w;
    }
    int rc = vpce_buf_puts(b, "{\n");
    for (i = 0; rc == 0 && i < n; i++) {
        size_t w = strlen(keys[i]);
        rc = pad(b, (indent + 1) * width);
        if (rc == 0 && (map_keys || !is_identifier(keys[i]))) {
            rc = quoted(b, keys[i], w);
            w += 2;
        } else if (rc == 0) {
            rc = vpce_buf_puts(b, keys[i]);
        }
        if (rc == 0)
            rc = pad(b, (int)(keyw - w));
        if (rc == 0)
            rc = vpce_buf_puts(b, " = ");
        if (rc == 0)
            rc = format_value(b, json_object_get(v, keys[i]), indent + 1, width, false);
        if (rc == 0)
            rc = vpce_buf_putc(b, '\n');
    }
    if (rc == 0)
        rc = pad(b, indent * width);
    if (rc == 0)
        rc = vpce_buf_putc(b, '}');
    free(keys);
    return rc;
}

static int format_string(vpce_buf *b, const json_t *v, int indent, int width)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    const char *p = s + strspn(s, " \t\r\n");
    if (*p == '{' || *p == '[') {
        json_t *doc = json_loadb(s, len, 0, NULL);
        if (doc && (json_is_object(doc) || json_is_array(doc))) {
            int rc = vpce_buf_puts(b, "jsonencode(\n");
            if (rc == 0)
                rc = pad(b, (indent + 1) * width);
            if (rc == 0)
                rc = format_value(b, doc, indent + 1, width, false);
            if (rc == 0)
                rc = vpce_buf_putc(b, '\n');
            if (rc == 0)
                rc = pad(b, indent * width);
            if (rc == 0)
                rc = vpce_buf_putc(b, ')');
            json_decref(doc);
            return rc;
        }
        json_decref(doc);
    }
    /* Multi-line text (ending in a newline, as heredocs do) reads best as a heredoc, unless it
       could not round-trip as one. */
    if (len > 1 && s[len - 1] == '\n' && !memchr(s, '\0', len) && !strstr(s, "${") &&
        !strstr(s, "%{") && !strstr(s, "\nEOT")) {
        int rc = vpce_buf_puts(b, "<<-EOT\n");
        const char *line = s, *end = s + len;
        while (rc == 0 && line < end) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
            if (ll > 0)
                rc = pad(b, (indent + 1) * width);
            if (rc == 0)
                rc = vpce_buf_append(b, line, ll);
            if (rc == 0)
                rc = vpce_buf_putc(b, '\n');
            line += ll + 1;
        }
        if (rc == 0)
            rc = pad(b, indent * width);
        if (rc == 0)
            rc = vpce_buf_puts(b, "EOT");
        return rc;
    }
    return quoted(b, s, len);
}

static int format_value(vpce_buf *b, const json_t *v, int indent, int width, bool map_keys)
{
    int rc = 0;
    if (!v || json_is_null(v))
        return vpce_buf_puts(b, "null");
    if (vpce_is_unknown(v))
        return vpce_buf_puts(b, "(known after apply)");
    if (vpce_is_number(v)) {
        char *s = vpce_number_text(v); /* exact digits, never an exponent */
        rc = vpce_buf_puts(b, s ? s : "0");
        free(s);
        return rc;
    }
    switch (json_typeof(v)) {
    case JSON_TRUE:
        return vpce_buf_puts(b, "true");
    case JSON_FALSE:
        return vpce_buf_puts(b, "false");
    case JSON_INTEGER:
        return vpce_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        rc = vpce_buf_puts(b, s ? s : "0");
        free(s);
        return rc;
    }
    case JSON_STRING:
        return format_string(b, v, indent, width);
    case JSON_ARRAY: {
        if (json_array_size(v) == 0)
            return vpce_buf_puts(b, "[]");
        rc = vpce_buf_puts(b, "[\n");
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (rc == 0)
                rc = pad(b, (indent + 1) * width);
            if (rc == 0)
                rc = format_value(b, item, indent + 1, width, false);
            if (rc == 0)
                rc = vpce_buf_puts(b, ",\n");
        }
        if (rc == 0)
            rc = pad(b, indent * width);
        if (rc == 0)
            rc = vpce_buf_putc(b, ']');
        return rc;
    }
    case JSON_OBJECT:
        return format_object(b, v, indent, width, map_keys);
    default:
        return vpce_buf_puts(b, "null");
    }
}

int vpce_render_value(vpce_buf *out, const json_t *value, int indent, int width)
{
    return format_value(out, value, indent, width, false);
}

/* True if top-level attribute name is marked sensitive (as a name or a path starting with it).
 */
static bool is_sensitive(const json_t *paths, const char *name)
{
    size_t i, n = strlen(name);
    json_t *p;
    json_array_foreach(paths, i, p)
    {
        if (json_is_string(p)) {
            const char *s = json_string_value(p);
            if (strncmp(s, name, n) == 0 && (s[n] == '\0' || s[n] == '.' || s[n] == '['))
                return true;
        } else if (json_is_array(p) && json_is_string(json_array_get(p, 0)) &&
                   strcmp(json_string_value(json_array_get(p, 0)), name) == 0) {
            return true;
        }
    }
    return false;
}

int vpce_render_state_resource(vpce_buf *out, const json_t *r)
{
    const char *address = json_string_value(json_object_get(r, "address"));
    const char *mode = json_string_value(json_object_get(r, "mode"));
    const char *type = json_string_value(json_object_get(r, "type"));
    const char *name = json_string_value(json_object_get(r, "name"));
    const json_t *attrs = json_object_get(r, "attributes");
    const json_t *sens = json_object_get(r, "sensitive_attributes");
    int rc = vpce_buf_printf(out, "# %s:\n%s ", address ? address : "",
                             mode && strcmp(mode, "data") == 0 ? "data" : "resource");
    if (rc == 0)
        rc = quoted(out, type ? type : "", strlen(type ? type : ""));
    if (rc == 0)
        rc = vpce_buf_putc(out, ' ');
    if (rc == 0)
        rc = quoted(out, name ? name : "", strlen(name ? name : ""));
    if (rc == 0)
        rc = vpce_buf_puts(out, " {\n");
    /* Keys sorted, nulls left out, `=` aligned across the block. */
    size_t n = json_object_size(attrs), i = 0, keyw = 0;
    const char **keys = vpce_malloc((n ? n : 1) * sizeof(*keys));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)attrs, k, v)
    {
        if (!json_is_null(v))
            keys[i++] = k;
    }
    n = i;
    qsort(keys, n, sizeof(*keys), cmp_str);
    for (i = 0; i < n; i++)
        if (strlen(keys[i]) > keyw)
            keyw = strlen(keys[i]);
    for (i = 0; rc == 0 && i < n; i++) {
        rc = vpce_buf_printf(out, "    %-*s = ", (int)keyw, keys[i]);
        if (rc == 0 && is_sensitive(sens, keys[i]))
            rc = vpce_buf_puts(out, "(sensitive value)");
        else if (rc == 0)
            rc = format_value(out, json_object_get(attrs, keys[i]), 1, 4, true);
        if (rc == 0)
            rc = vpce_buf_putc(out, '\n');
    }
    if (rc == 0)
        rc = vpce_buf_puts(out, "}\n");
    free(keys);
    return rc;
}

int vpce_render_lock_info(vpce_buf *out, const json_t *h, const char *path)
{
    const json_t *alive = json_object_get(h, "pid_alive");
    const char *info = json_string_value(json_object_get(h, "info"));
    int rc = vpce_buf_printf(
        out,
        "Lock Info:\n  ID:        %s\n  Path:      %s\n  Operation: %s\n  Who:       %s\n"
        "  PID:       %lld%s\n  Created:   %s\n",
        json_string_value(json_object_get(h, "id")) ?: "", path ? path : "",
        json_string_value(json_object_get(h, "operation")) ?: "",
        json_string_value(json_object_get(h, "holder")) ?: "",
        (long long)json_integer_value(json_object_get(h, "pid")),
        json_is_false(alive) ? " (no longer running on this host)" : "",
        json_string_value(json_object_get(h, "created_at")) ?: "");
    if (rc == 0 && info && *info)
        rc = vpce_buf_printf(out, "  Info:      %s\n", info);
    return rc;
}
