/*
 * lang/funcs_encoding.c: built-in functions on encodings: JSON, base64 (of text in any
 * character encoding, through iconv), gzip (zlib) and CSV. YAML is lang/funcs_yaml.c.
 */
#include "lang/funcs.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static json_t *f_jsonencode(fcall *c)
{
    char *s = vpce_json_encode(c->a[0]);
    if (!s && vpce_contains_unknown(c->a[0]))
        return vpce_unknown();
    if (!s)
        return fn_fail(c, "the result would be longer than %u bytes", VPCE_LANG_MAX_STRING);
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

json_t *fn_base64_json(fcall *c, const unsigned char *d, size_t len)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
    for (size_t i = 0; i < len && !b.overflow; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < len)
            v |= d[i + 2];
        vpce_buf_putc(&b, b64chars[(v >> 18) & 63]);
        vpce_buf_putc(&b, b64chars[(v >> 12) & 63]);
        vpce_buf_putc(&b, i + 1 < len ? b64chars[(v >> 6) & 63] : '=');
        vpce_buf_putc(&b, i + 2 < len ? b64chars[v & 63] : '=');
    }
    json_t *r = fn_fits(c, &b) ? json_stringn(b.data ? b.data : "", b.len) : NULL;
    vpce_buf_release(&b);
    return r;
}

int fn_base64_decode(const char *s, unsigned char **out, size_t *out_len)
{
    size_t len = strlen(s);
    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0)
        return vpce_error_setc(VPCE_EINVALID, "the length is not a multiple of 4");
    unsigned char *d = vpce_malloc(len / 4 * 3 + 1);
    size_t n = 0;
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
                free(d);
                return vpce_error_setc(VPCE_EINVALID, "illegal character at offset %zu", i + j);
            }
            v = (v << 6) | (unsigned)(p - b64chars);
        }
        d[n++] = (unsigned char)(v >> 16);
        if (pad < 2)
            d[n++] = (unsigned char)(v >> 8);
        if (pad < 1)
            d[n++] = (unsigned char)v;
    }
    d[n] = 0;
    *out = d;
    *out_len = n;
    return 0;
}

static json_t *f_base64encode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    size_t len = json_is_string(c->a[0]) ? json_string_length(c->a[0]) : strlen(s);
    return fn_base64_json(c, (const unsigned char *)s, len);
}

static json_t *f_base64decode(fcall *c)
{
    const char *s = fn_str(c, 0);
    unsigned char *d;
    size_t n;
    if (!s)
        return NULL;
    if (fn_base64_decode(s, &d, &n) < 0)
        return fn_fail(c, "failed to decode base64 data: %s", vpce_error_last());
    json_t *r = json_stringn((const char *)d, n);
    free(d);
    if (!r)
        fn_fail(c, "the result of decoding the provided string is not valid UTF-8");
    return r;
}

/* base64gzip(string): the string gzip-compressed (RFC 1952), then base64-encoded. */
static json_t *f_base64gzip(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    size_t len = json_is_string(c->a[0]) ? json_string_length(c->a[0]) : strlen(s);
    z_stream z = {0};
    /* 15 window bits + 16: a gzip header and trailer rather than zlib's. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return fn_fail(c, "cannot start gzip compression");
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    unsigned char *out = vpce_malloc(cap);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int zrc = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    json_t *r =
        zrc == Z_STREAM_END ? fn_base64_json(c, out, n) : fn_fail(c, "gzip compression failed");
    free(out);
    return r;
}

/* Converts len bytes of in from one character encoding to another with iconv; *out (caller
 * frees) and its length. -1 when the text cannot be represented or an encoding is unknown. */
static int recode(const char *from, const char *to, const char *in, size_t len, char **out,
                  size_t *out_len)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return -1;
    size_t cap = len * 4 + 16, left = cap, inleft = len;
    char *buf = vpce_malloc(cap), *op = buf, *ip = (char *)in;
    size_t rc = iconv(cd, &ip, &inleft, &op, &left);
    if (rc != (size_t)-1)
        rc = iconv(cd, NULL, NULL, &op, &left);
    iconv_close(cd);
    if (rc == (size_t)-1) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = cap - left;
    return 0;
}

/* textencodebase64(string, encoding_name): the string in that encoding, base64-encoded. */
static json_t *f_textencodebase64(fcall *c)
{
    const char *s = fn_str(c, 0), *enc = fn_str(c, 1);
    if (!s || !enc)
        return NULL;
    size_t len = json_is_string(c->a[0]) ? json_string_length(c->a[0]) : strlen(s);
    char *out;
    size_t n;
    if (recode("UTF-8", enc, s, len, &out, &n) < 0)
        return fn_fail(c,
                       "cannot encode the string as \"%s\" (unknown encoding, or characters "
                       "it cannot represent)",
                       enc);
    json_t *r = fn_base64_json(c, (const unsigned char *)out, n);
    free(out);
    return r;
}

/* textdecodebase64(source, encoding_name): base64 text in that encoding, as a string. */
static json_t *f_textdecodebase64(fcall *c)
{
    const char *s = fn_str(c, 0), *enc = fn_str(c, 1);
    unsigned char *d;
    size_t n;
    if (!s || !enc)
        return NULL;
    if (fn_base64_decode(s, &d, &n) < 0)
        return fn_fail(c, "failed to decode base64 data: %s", vpce_error_last());
    char *out;
    size_t olen;
    json_t *r = NULL;
    if (recode(enc, "UTF-8", (const char *)d, n, &out, &olen) < 0) {
        fn_fail(c, "the data is not valid \"%s\" text (or the encoding is unknown)", enc);
    } else {
        r = json_stringn(out, olen);
        free(out);
        if (!r)
            fn_fail(c, "the decoded text is not valid UTF-8");
    }
    free(d);
    return r;
}

/* One CSV field starting at *p (RFC 4180: quoted fields may hold commas, newlines and ""). */
static json_t *csv_field(const char **p, int *err)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    const char *s = *p;
    if (*s == '"') {
        s++;
        for (;;) {
            if (!*s) {
                *err = 1; /* unterminated quote */
                break;
            }
            if (*s == '"') {
                if (s[1] == '"') {
                    vpce_buf_putc(&b, '"');
                    s += 2;
                    continue;
                }
                s++;
                if (*s && *s != ',' && *s != '\n' && *s != '\r')
                    *err = 2; /* text after a closing quote */
                break;
            }
            vpce_buf_putc(&b, *s++);
        }
    } else {
        while (*s && *s != ',' && *s != '\n' && *s != '\r') {
            if (*s == '"')
                *err = 3; /* a bare quote in an unquoted field */
            vpce_buf_putc(&b, *s++);
        }
    }
    *p = s;
    json_t *r = fn_str_new(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
}

/* csvdecode(string): a list of maps, keyed by the first line's field names. */
static json_t *f_csvdecode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    json_t *header = NULL, *rows = json_array();
    size_t line = 1;
    int err = 0;
    while (*s) {
        json_t *rec = json_array();
        for (;;) {
            json_array_append_new(rec, csv_field(&s, &err));
            if (err || *s != ',')
                break;
            s++;
        }
        if (*s == '\r')
            s++;
        if (*s == '\n')
            s++;
        if (err) {
            json_decref(rec);
            json_decref(header);
            json_decref(rows);
            return fn_fail(c, "parse error on line %zu: %s", line,
                           err == 3 ? "bare \" in non-quoted-field"
                                    : "extraneous or missing \" in quoted-field");
        }
        if (!header) {
            header = rec;
        } else if (json_array_size(rec) != json_array_size(header)) {
            size_t got = json_array_size(rec), want = json_array_size(header);
            json_decref(rec);
            json_decref(header);
            json_decref(rows);
            return fn_fail(c, "record on line %zu: wrong number of fields (%zu, expected %zu)",
                           line, got, want);
        } else {
            json_t *o = json_object();
            for (size_t i = 0; i < json_array_size(rec); i++)
                json_object_set(o, json_string_value(json_array_get(header, i)),
                                json_array_get(rec, i));
            json_array_append_new(rows, o);
            json_decref(rec);
        }
        line++;
    }
    json_decref(header);
    return rows;
}

const fdef vpce_fn_encoding[] = {
    {"base64decode", 1, 1, 0, f_base64decode},
    {"base64encode", 1, 1, 0, f_base64encode},
    {"base64gzip", 1, 1, 0, f_base64gzip},
    {"csvdecode", 1, 1, 0, f_csvdecode},
    {"jsondecode", 1, 1, 0, f_jsondecode},
    {"jsonencode", 1, 1, F_NULL, f_jsonencode},
    {"textdecodebase64", 2, 2, 0, f_textdecodebase64},
    {"textencodebase64", 2, 2, 0, f_textencodebase64},
    {NULL, 0, 0, 0, NULL},
};
