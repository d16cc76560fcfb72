/*
 * lang/funcs_encoding.c: built-in functions on JSON and base64 encoding.
 */
#include "lang/funcs.h"

#include <stdlib.h>
#include <string.h>

static json_t *f_jsonencode(fcall *c)
{
    char *s = vpce_json_encode(c->a[0]);
    if (!s)
        return vpce_unknown();
    json_t *r = fn_str_new(s, strlen(s));
    free(s);
    return r;
}

/* Integral reals from the decoder become integers, as everywhere else. */
static json_t *normalize_numbers(json_t *v)
{
    if (json_is_real(v)) {
        json_t *r = vpce_number_new(json_real_value(v));
        json_decref(v);
        return r;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_set_new(v, i, normalize_numbers(json_incref(json_array_get(v, i))));
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, x)
        {
            json_object_set_new(v, k, normalize_numbers(json_incref(x)));
        }
    }
    return v;
}

static json_t *f_jsondecode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    json_error_t je;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
    if (!v)
        return fn_arg_err(c, 0, je.text);
    return normalize_numbers(v);
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *f_base64encode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    size_t len = json_is_string(c->a[0]) ? json_string_length(c->a[0]) : strlen(s);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)s[i + 2];
        vpce_buf_putc(&b, b64chars[(v >> 18) & 63]);
        vpce_buf_putc(&b, b64chars[(v >> 12) & 63]);
        vpce_buf_putc(&b, i + 1 < len ? b64chars[(v >> 6) & 63] : '=');
        vpce_buf_putc(&b, i + 2 < len ? b64chars[v & 63] : '=');
    }
    json_t *r = json_stringn(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
}

static json_t *f_base64decode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len % 4 != 0)
        return fn_fail(c, "failed to decode base64 data: the length is not a multiple of 4");
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    json_t *r = NULL;
    for (size_t i = 0; i < len; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char ch = s[i + j];
            const char *p = ch ? strchr(b64chars, ch) : NULL;
            if (ch == '=' && i + 4 == len && j >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (!p || pad) {
                fn_fail(c, "failed to decode base64 data: illegal character at offset %zu", i + j);
                goto cleanup;
            }
            v = (v << 6) | (unsigned)(p - b64chars);
        }
        vpce_buf_putc(&b, (char)(v >> 16));
        if (pad < 2)
            vpce_buf_putc(&b, (char)(v >> 8));
        if (pad < 1)
            vpce_buf_putc(&b, (char)v);
    }
    r = json_stringn(b.data ? b.data : "", b.len);
    if (!r)
        fn_fail(c, "the result of decoding the provided string is not valid UTF-8");
cleanup:
    vpce_buf_release(&b);
    return r;
}

const fdef vpce_fn_encoding[] = {
    {"base64decode", 1, 1, 0, f_base64decode},
    {"base64encode", 1, 1, 0, f_base64encode},
    {"jsondecode", 1, 1, 0, f_jsondecode},
    {"jsonencode", 1, 1, F_NULL, f_jsonencode},
    {NULL, 0, 0, 0, NULL},
};
