/*
 * planner/functions.c: the built-in functions of the language (Terraform's semantics). Each
 * function gets its evaluated arguments; argument count, unknown arguments and conversion of
 * arguments to the types a function wants are handled here, errors become diagnostics that name
 * the function and the argument.
 */
#include "planner/eval.h"
#include "parser/parser.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (16u * 1024 * 1024)

typedef struct fcall {
    const vpce_eval_ctx *ctx;
    const char *name;
    vpce_range range;
    json_t *const *a;
    size_t n;
    vpce_vec tmp; /* json_t references released after the call */
} fcall;

/* ---- errors and argument helpers ---------------------------------------------------------- */

static json_t *arg_err(fcall *c, size_t i, const char *why)
{
    vpce_diags_error(c->ctx->diags, c->range, NULL, "invalid argument %zu to \"%s\": %s", i + 1,
                     c->name, why);
    return NULL;
}

static json_t *fail(fcall *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *fail(fcall *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vpce_vasprintf(fmt, ap);
    va_end(ap);
    vpce_diags_error(c->ctx->diags, c->range, NULL, "call to function \"%s\" failed: %s", c->name,
                     msg);
    free(msg);
    return NULL;
}

static json_t *keep(fcall *c, json_t *v)
{
    vpce_vec_push(&c->tmp, v);
    return v;
}

static bool is_null(const json_t *v)
{
    return !v || json_is_null(v);
}

/* Argument i converted to a string (borrowed for the call), or NULL after an error. */
static const char *S(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (is_null(v))
        return arg_err(c, i, "argument must not be null"), NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_array(v) || json_is_object(v))
        return arg_err(c, i, "a string is required"), NULL;
    const char *why;
    char *s = vpce_value_to_string(v, &why);
    json_t *j = keep(c, json_string(s));
    free(s);
    return json_string_value(j);
}

static bool N(fcall *c, size_t i, double *out)
{
    json_t *v = c->a[i];
    if (is_null(v))
        return arg_err(c, i, "argument must not be null"), false;
    if (vpce_is_number(v)) {
        *out = vpce_number(v);
        return true;
    }
    if (json_is_string(v) && vpce_number_parse(json_string_value(v), out))
        return true;
    arg_err(c, i, "a number is required");
    return false;
}

static bool I(fcall *c, size_t i, long long *out)
{
    double d;
    if (!N(c, i, &d))
        return false;
    if (d != floor(d) || fabs(d) > 9e15) {
        arg_err(c, i, "a whole number is required");
        return false;
    }
    *out = (long long)d;
    return true;
}

static const json_t *L(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (is_null(v))
        return arg_err(c, i, "argument must not be null"), NULL;
    if (!json_is_array(v))
        return arg_err(c, i, "a list is required"), NULL;
    return v;
}

static const json_t *M(fcall *c, size_t i)
{
    json_t *v = c->a[i];
    if (is_null(v))
        return arg_err(c, i, "argument must not be null"), NULL;
    if (!json_is_object(v))
        return arg_err(c, i, "a map is required"), NULL;
    return v;
}

static json_t *str_new(const char *s, size_t len)
{
    json_t *r = json_stringn(s, len);
    return r ? r : vpce_json_string_lossy(s, len);
}

/* Number of UTF-8 characters (invalid bytes count one each). */
static size_t u8len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        i += k ? k : 1;
        n++;
    }
    return n;
}

/* Byte offset of character index ci. */
static size_t u8off(const char *s, size_t len, size_t ci)
{
    size_t i = 0;
    while (ci > 0 && i < len) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        i += k ? k : 1;
        ci--;
    }
    return i;
}

/*
 * The element type a list/set/map of these values needs: primitives of mixed kinds unify to
 * string; anything else mixed is an error. Returns "string"/"dynamic" or NULL.
 */
static const char *unify_elems(json_t *const *items, size_t n)
{
    int kinds = 0; /* 1 bool, 2 number, 4 string, 8 tuple, 16 object */
    for (size_t i = 0; i < n; i++) {
        const json_t *x = items[i];
        if (is_null(x) || vpce_is_unknown(x))
            continue;
        if (json_is_boolean(x))
            kinds |= 1;
        else if (vpce_is_number(x))
            kinds |= 2;
        else if (json_is_string(x))
            kinds |= 4;
        else if (json_is_array(x))
            kinds |= 8;
        else
            kinds |= 16;
    }
    if (kinds == 0 || kinds == 1 || kinds == 2 || kinds == 4 || kinds == 8 || kinds == 16)
        return "dynamic";
    if ((kinds & ~7) == 0 && (kinds & 4))
        return "string";
    return NULL;
}

static json_t *unified_array(fcall *c, const json_t *v, bool as_set)
{
    size_t n = json_array_size(v);
    json_t **items = vpce_malloc((n ? n : 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(v, i);
    const char *t = unify_elems(items, n);
    free(items);
    if (!t)
        return fail(c, "all elements must be of the same type");
    json_t *type = json_pack("[ss]", as_set ? "set" : "list", t);
    const char *why;
    json_t *r = vpce_convert(v, type, &why);
    json_decref(type);
    if (!r)
        return fail(c, "%s", why);
    return r;
}

/* ---- encoding ----------------------------------------------------------------------------- */

static json_t *f_jsonencode(fcall *c)
{
    char *s = vpce_json_encode(c->a[0]);
    if (!s)
        return vpce_unknown();
    json_t *r = str_new(s, strlen(s));
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
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    json_error_t je;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
    if (!v)
        return arg_err(c, 0, je.text);
    return normalize_numbers(v);
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *f_base64encode(fcall *c)
{
    const char *s = S(c, 0);
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
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len % 4 != 0)
        return fail(c, "failed to decode base64 data: the length is not a multiple of 4");
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
                fail(c, "failed to decode base64 data: illegal character at offset %zu", i + j);
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
        fail(c, "the result of decoding the provided string is not valid UTF-8");
cleanup:
    vpce_buf_release(&b);
    return r;
}

/* ---- format ------------------------------------------------------------------------------- */

static void go_quote(vpce_buf *b, const char *s)
{
    vpce_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            vpce_buf_putc(b, '\\');
            vpce_buf_putc(b, (char)ch);
        } else if (ch == '\n') {
            vpce_buf_puts(b, "\\n");
        } else if (ch == '\t') {
            vpce_buf_puts(b, "\\t");
        } else if (ch == '\r') {
            vpce_buf_puts(b, "\\r");
        } else if (ch < 0x20 || ch == 0x7f) {
            vpce_buf_printf(b, "\\x%02x", ch);
        } else {
            vpce_buf_putc(b, (char)ch);
        }
    }
    vpce_buf_putc(b, '"');
}

static void pad_out(vpce_buf *b, const char *s, int width, bool left, bool zero)
{
    int len = (int)u8len(s, strlen(s));
    int padn = width > len ? width - len : 0;
    if (!left) {
        if (zero && (s[0] == '-' || s[0] == '+')) {
            vpce_buf_putc(b, s[0]);
            s++;
        }
        for (int i = 0; i < padn; i++)
            vpce_buf_putc(b, zero ? '0' : ' ');
    }
    vpce_buf_puts(b, s);
    if (left)
        for (int i = 0; i < padn; i++)
            vpce_buf_putc(b, ' ');
}

/* Formats one verb; returns 0, or -1 after reporting. */
static int format_verb(fcall *c, vpce_buf *b, char verb, const json_t *v, size_t argi, int width,
                       int prec, bool left, bool plus, bool zero, bool sharp, bool space)
{
    char *s = NULL;
    char tmp[512];
    if (verb == 'v' && sharp) {
        s = vpce_json_encode(v);
    } else if (is_null(v)) {
        if (verb != 'v') {
            fail(c, "unsupported value for \"%%%c\" at %zu: null value cannot be formatted", verb,
                 argi + 1);
            return -1;
        }
        s = vpce_strdup("null");
    } else if (verb == 'v' || verb == 's' || verb == 'q') {
        if (json_is_array(v) || json_is_object(v)) {
            if (verb != 'v') {
                fail(c, "unsupported value for \"%%%c\" at %zu: string required", verb, argi + 1);
                return -1;
            }
            s = vpce_json_encode(v);
        } else {
            const char *why;
            s = vpce_value_to_string(v, &why);
        }
        if (s && prec >= 0 && verb != 'q') {
            size_t off = u8off(s, strlen(s), (size_t)prec);
            s[off] = 0;
        }
        if (s && verb == 'q') {
            vpce_buf q = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
            go_quote(&q, s);
            free(s);
            s = vpce_buf_detach(&q);
        }
    } else if (verb == 't') {
        bool bv;
        if (json_is_boolean(v))
            bv = json_is_true(v);
        else if (json_is_string(v) && (strcmp(json_string_value(v), "true") == 0 ||
                                       strcmp(json_string_value(v), "false") == 0))
            bv = json_string_value(v)[0] == 't';
        else {
            fail(c, "unsupported value for \"%%t\" at %zu: bool required", argi + 1);
            return -1;
        }
        s = vpce_strdup(bv ? "true" : "false");
    } else {
        double d;
        if (vpce_is_number(v))
            d = vpce_number(v);
        else if (!(json_is_string(v) && vpce_number_parse(json_string_value(v), &d))) {
            fail(c, "unsupported value for \"%%%c\" at %zu: number required", verb, argi + 1);
            return -1;
        }
        char spec[16];
        int k = 0;
        spec[k++] = '%';
        if (plus)
            spec[k++] = '+';
        else if (space)
            spec[k++] = ' ';
        if (sharp)
            spec[k++] = '#';
        if (verb == 'd' || verb == 'x' || verb == 'X' || verb == 'o' || verb == 'b') {
            if (d != floor(d)) {
                fail(c, "unsupported value for \"%%%c\" at %zu: an integer is required", verb,
                     argi + 1);
                return -1;
            }
            long long iv = (long long)d;
            if (verb == 'b') {
                char bits[70];
                int p = 69;
                bits[p] = 0;
                unsigned long long u = iv < 0 ? (unsigned long long)(-iv) : (unsigned long long)iv;
                do {
                    bits[--p] = (char)('0' + (u & 1));
                    u >>= 1;
                } while (u);
                if (iv < 0)
                    bits[--p] = '-';
                s = vpce_strdup(bits + p);
            } else if (verb == 'd') {
                memcpy(spec + k, "lld", 4);
                snprintf(tmp, sizeof(tmp), spec, iv);
                s = vpce_strdup(tmp);
            } else {
                /* Go prints negative hex/octal with a sign. */
                spec[k++] = 'l';
                spec[k++] = 'l';
                spec[k++] = verb;
                spec[k] = 0;
                unsigned long long u = iv < 0 ? (unsigned long long)(-iv) : (unsigned long long)iv;
                snprintf(tmp, sizeof(tmp), spec, u);
                s = iv < 0 ? vpce_asprintf("-%s", tmp) : vpce_strdup(tmp);
            }
        } else if (verb == 'f' || verb == 'e' || verb == 'E' || verb == 'g' || verb == 'G' ||
                   verb == 'F') {
            if (verb == 'g' && prec < 0) {
                char *n = vpce_number_format(d);
                s = n;
            } else {
                spec[k++] = '.';
                spec[k++] = '*';
                spec[k++] = verb == 'F' ? 'f' : verb;
                spec[k] = 0;
                snprintf(tmp, sizeof(tmp), spec, prec < 0 ? 6 : prec, d);
                s = vpce_strdup(tmp);
            }
        } else {
            fail(c, "unsupported format verb \"%%%c\"", verb);
            return -1;
        }
        if ((plus || space) && s && verb != 'd' && verb != 'f' && verb != 'e' && verb != 'E' &&
            verb != 'F' && s[0] != '-') {
            char *t = vpce_asprintf("%c%s", plus ? '+' : ' ', s);
            free(s);
            s = t;
        }
    }
    if (!s) {
        fail(c, "value at %zu cannot be formatted", argi + 1);
        return -1;
    }
    pad_out(b, s, width, left, zero && !left && verb != 's' && verb != 'q' && verb != 'v');
    free(s);
    return 0;
}

/* Formats fmt with args[0..n); returns a new string or NULL after reporting. */
static char *do_format(fcall *c, const char *fmt, json_t *const *args, size_t n, size_t argbase)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    size_t next = 0;
    bool used_explicit = false;
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            vpce_buf_putc(&b, *p++);
            continue;
        }
        p++;
        if (*p == '%') {
            vpce_buf_putc(&b, '%');
            p++;
            continue;
        }
        bool left = false, plus = false, zero = false, sharp = false, space = false;
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '+')
                plus = true;
            else if (*p == '0')
                zero = true;
            else if (*p == '#')
                sharp = true;
            else if (*p == ' ')
                space = true;
            else
                break;
        }
        if (*p == '[') {
            char *end;
            long idx = strtol(p + 1, &end, 10);
            if (*end != ']' || idx < 1) {
                fail(c, "invalid format string: bad argument index");
                goto fail;
            }
            next = (size_t)idx - 1;
            used_explicit = true;
            p = end + 1;
        }
        int width = 0, prec = -1;
        while (isdigit((unsigned char)*p) && width < 10000)
            width = width * 10 + (*p++ - '0');
        if (*p == '.') {
            p++;
            prec = 0;
            while (isdigit((unsigned char)*p) && prec < 10000)
                prec = prec * 10 + (*p++ - '0');
        }
        char verb = *p;
        if (!verb || !strchr("vsqtdxXobfFeEgG", verb)) {
            fail(c, "invalid format string: unrecognized format verb \"%%%c\"", verb ? verb : ' ');
            goto fail;
        }
        p++;
        if (next >= n) {
            fail(c, "not enough arguments for \"%%%c\" at %zu: need %zu, have %zu", verb,
                 (size_t)(p - fmt), next + 1, n);
            goto fail;
        }
        if (format_verb(c, &b, verb, args[next], argbase + next, width, prec, left, plus, zero,
                        sharp, space) < 0)
            goto fail;
        next++;
    }
    if (!used_explicit && next < n) {
        fail(c, "too many arguments; only %zu used by format string", next);
        goto fail;
    }
    return vpce_buf_detach(&b);
fail:
    vpce_buf_release(&b);
    return NULL;
}

static json_t *f_format(fcall *c)
{
    const char *fmt = S(c, 0);
    if (!fmt)
        return NULL;
    char *s = do_format(c, fmt, c->a + 1, c->n - 1, 1);
    if (!s)
        return NULL;
    json_t *r = str_new(s, strlen(s));
    free(s);
    return r;
}

static json_t *f_formatlist(fcall *c)
{
    const char *fmt = S(c, 0);
    if (!fmt)
        return NULL;
    size_t len = SIZE_MAX;
    for (size_t i = 1; i < c->n; i++) {
        if (json_is_array(c->a[i])) {
            if (len != SIZE_MAX && json_array_size(c->a[i]) != len)
                return fail(c,
                            "argument %zu has length %zu, which is inconsistent with previous "
                            "argument lengths",
                            i + 1, json_array_size(c->a[i]));
            len = json_array_size(c->a[i]);
        }
    }
    if (len == SIZE_MAX)
        len = 1;
    json_t *out = json_array();
    json_t **row = vpce_calloc(c->n ? c->n : 1, sizeof(*row));
    for (size_t j = 0; j < len; j++) {
        for (size_t i = 1; i < c->n; i++)
            row[i - 1] = json_is_array(c->a[i]) ? json_array_get(c->a[i], j) : c->a[i];
        char *s = do_format(c, fmt, row, c->n - 1, 1);
        if (!s) {
            json_decref(out);
            out = NULL;
            break;
        }
        json_array_append_new(out, str_new(s, strlen(s)));
        free(s);
    }
    free(row);
    return out;
}

/* ---- strings ------------------------------------------------------------------------------ */

static json_t *f_join(fcall *c)
{
    const char *sep = S(c, 0);
    if (!sep)
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    size_t count = 0;
    for (size_t i = 1; i < c->n; i++) {
        const json_t *l = L(c, i);
        if (!l)
            goto fail;
        for (size_t j = 0; j < json_array_size(l); j++) {
            json_t *x = json_array_get(l, j);
            const char *why;
            char *s = json_is_array(x) || json_is_object(x) ? NULL : vpce_value_to_string(x, &why);
            if (!s) {
                if (is_null(x))
                    fail(c, "element %zu of argument %zu is null", j, i + 1);
                else
                    arg_err(c, i, "a list of strings is required");
                goto fail;
            }
            if (count++)
                vpce_buf_puts(&b, sep);
            vpce_buf_puts(&b, s);
            free(s);
        }
    }
    json_t *r = str_new(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
fail:
    vpce_buf_release(&b);
    return NULL;
}

static json_t *f_split(fcall *c)
{
    const char *sep = S(c, 0), *s = sep ? S(c, 1) : NULL;
    if (!s)
        return NULL;
    json_t *out = json_array();
    size_t sl = strlen(sep), len = strlen(s);
    if (sl == 0) {
        for (size_t i = 0; i < len;) {
            size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
            k = k ? k : 1;
            json_array_append_new(out, str_new(s + i, k));
            i += k;
        }
        return out;
    }
    const char *p = s;
    for (;;) {
        const char *q = strstr(p, sep);
        if (!q) {
            json_array_append_new(out, str_new(p, strlen(p)));
            break;
        }
        json_array_append_new(out, str_new(p, (size_t)(q - p)));
        p = q + sl;
    }
    return out;
}

static json_t *map_chars(fcall *c, int (*fn)(int))
{
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    char *t = vpce_strdup(s);
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x80)
            *p = (char)fn((unsigned char)*p);
    json_t *r = str_new(t, strlen(t));
    free(t);
    return r;
}

static json_t *f_upper(fcall *c)
{
    return map_chars(c, toupper);
}

static json_t *f_lower(fcall *c)
{
    return map_chars(c, tolower);
}

static json_t *f_title(fcall *c)
{
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    char *t = vpce_strdup(s);
    bool prev_letter = false;
    for (char *p = t; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        bool letter = isalnum(ch) || ch >= 0x80 || ch == '_' || ch == '\'';
        if (letter && !prev_letter && ch < 0x80)
            *p = (char)toupper(ch);
        prev_letter = letter;
    }
    json_t *r = str_new(t, strlen(t));
    free(t);
    return r;
}

static json_t *f_strrev(fcall *c)
{
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *t = vpce_malloc(len + 1);
    size_t o = len;
    for (size_t i = 0; i < len;) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        k = k ? k : 1;
        o -= k;
        memcpy(t + o, s + i, k);
        i += k;
    }
    t[len] = 0;
    json_t *r = str_new(t, len);
    free(t);
    return r;
}

/* Expands $1, ${1} and $$ in a regex replacement. */
static void regex_expand(vpce_buf *b, const char *repl, const char *subject, const regmatch_t *m,
                         size_t nm)
{
    for (const char *p = repl; *p; p++) {
        if (*p != '$') {
            vpce_buf_putc(b, *p);
            continue;
        }
        if (p[1] == '$') {
            vpce_buf_putc(b, '$');
            p++;
            continue;
        }
        const char *q = p + 1;
        bool brace = *q == '{';
        if (brace)
            q++;
        if (!isdigit((unsigned char)*q)) {
            vpce_buf_putc(b, '$');
            continue;
        }
        size_t idx = 0;
        while (isdigit((unsigned char)*q))
            idx = idx * 10 + (size_t)(*q++ - '0');
        if (brace) {
            if (*q != '}') {
                vpce_buf_putc(b, '$');
                continue;
            }
            q++;
        }
        if (idx < nm && m[idx].rm_so >= 0)
            vpce_buf_append(b, subject + m[idx].rm_so, (size_t)(m[idx].rm_eo - m[idx].rm_so));
        p = q - 1;
    }
}

static json_t *f_replace(fcall *c)
{
    const char *s = S(c, 0), *sub = s ? S(c, 1) : NULL, *rep = sub ? S(c, 2) : NULL;
    if (!rep)
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    size_t sublen = strlen(sub);
    if (sublen >= 2 && sub[0] == '/' && sub[sublen - 1] == '/') {
        char *pat = vpce_strndup(sub + 1, sublen - 2);
        regex_t re;
        int rc = regcomp(&re, pat, REG_EXTENDED);
        free(pat);
        if (rc != 0) {
            char msg[200];
            regerror(rc, &re, msg, sizeof(msg));
            vpce_buf_release(&b);
            return fail(c, "invalid regular expression: %s", msg);
        }
        regmatch_t m[10];
        const char *p = s;
        int flags = 0;
        while (*p && regexec(&re, p, 10, m, flags) == 0) {
            vpce_buf_append(&b, p, (size_t)m[0].rm_so);
            regex_expand(&b, rep, p, m, 10);
            if (m[0].rm_eo == m[0].rm_so) {
                /* Empty match: copy one character and move on. */
                size_t k = vpce_utf8_seq_len((const unsigned char *)p + m[0].rm_eo,
                                             strlen(p + m[0].rm_eo));
                k = k ? k : 1;
                vpce_buf_append(&b, p + m[0].rm_eo, k);
                p += m[0].rm_eo + k;
            } else {
                p += m[0].rm_eo;
            }
            flags = REG_NOTBOL;
        }
        vpce_buf_puts(&b, p);
        regfree(&re);
    } else if (sublen == 0) {
        size_t len = strlen(s);
        vpce_buf_puts(&b, rep);
        for (size_t i = 0; i < len;) {
            size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
            k = k ? k : 1;
            vpce_buf_append(&b, s + i, k);
            vpce_buf_puts(&b, rep);
            i += k;
        }
    } else {
        const char *p = s;
        for (const char *q; (q = strstr(p, sub)); p = q + sublen) {
            vpce_buf_append(&b, p, (size_t)(q - p));
            vpce_buf_puts(&b, rep);
        }
        vpce_buf_puts(&b, p);
    }
    json_t *r = str_new(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
}

static json_t *f_substr(fcall *c)
{
    const char *s = S(c, 0);
    long long off, len;
    if (!s || !I(c, 1, &off) || !I(c, 2, &len))
        return NULL;
    size_t bl = strlen(s);
    long long n = (long long)u8len(s, bl);
    if (off < 0)
        off += n;
    if (off < 0 || off > n)
        return fail(c, "offset out of bounds");
    if (len < -1)
        return fail(c, "length must be non-negative or -1");
    if (len == -1 || off + len > n)
        len = n - off;
    size_t a = u8off(s, bl, (size_t)off), e = u8off(s, bl, (size_t)(off + len));
    return str_new(s + a, e - a);
}

static json_t *f_startswith(fcall *c)
{
    const char *s = S(c, 0), *p = s ? S(c, 1) : NULL;
    if (!p)
        return NULL;
    return json_boolean(strncmp(s, p, strlen(p)) == 0);
}

static json_t *f_endswith(fcall *c)
{
    const char *s = S(c, 0), *p = s ? S(c, 1) : NULL;
    if (!p)
        return NULL;
    size_t ls = strlen(s), lp = strlen(p);
    return json_boolean(lp <= ls && memcmp(s + ls - lp, p, lp) == 0);
}

static bool is_space_at(const char *s, size_t len, size_t *k)
{
    unsigned char ch = (unsigned char)s[0];
    if (ch == ' ' || (ch >= '\t' && ch <= '\r')) {
        *k = 1;
        return true;
    }
    /* U+0085, U+00A0, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 */
    if (len >= 2 && ch == 0xC2 && ((unsigned char)s[1] == 0x85 || (unsigned char)s[1] == 0xA0)) {
        *k = 2;
        return true;
    }
    if (len >= 3 && ch == 0xE2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] <= 0x8A || (unsigned char)s[2] == 0xA8 ||
         (unsigned char)s[2] == 0xA9 || (unsigned char)s[2] == 0xAF)) {
        *k = 3;
        return true;
    }
    if (len >= 3 && ((ch == 0xE2 && (unsigned char)s[1] == 0x81 && (unsigned char)s[2] == 0x9F) ||
                     (ch == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80))) {
        *k = 3;
        return true;
    }
    return false;
}

static json_t *f_trimspace(fcall *c)
{
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    size_t len = strlen(s), a = 0, e = len, k;
    while (a < len && is_space_at(s + a, len - a, &k))
        a += k;
    /* Trailing: scan forward remembering the end of the last non-space character. */
    size_t last = a;
    for (size_t i = a; i < len;) {
        if (is_space_at(s + i, len - i, &k)) {
            i += k;
        } else {
            size_t q = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
            i += q ? q : 1;
            last = i;
        }
    }
    e = last;
    return str_new(s + a, e - a);
}

/* True if the character at s (k bytes) is in the cutset. */
static bool in_cutset(const char *s, size_t k, const char *cut)
{
    size_t cl = strlen(cut);
    for (size_t i = 0; i < cl;) {
        size_t q = vpce_utf8_seq_len((const unsigned char *)cut + i, cl - i);
        q = q ? q : 1;
        if (q == k && memcmp(cut + i, s, k) == 0)
            return true;
        i += q;
    }
    return false;
}

static json_t *f_trim(fcall *c)
{
    const char *s = S(c, 0), *cut = s ? S(c, 1) : NULL;
    if (!cut)
        return NULL;
    size_t len = strlen(s), a = 0, last = 0;
    bool leading = true;
    for (size_t i = 0; i < len;) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        k = k ? k : 1;
        bool in = in_cutset(s + i, k, cut);
        if (leading && in) {
            a = i + k;
            last = a;
        } else {
            leading = false;
            if (!in)
                last = i + k;
        }
        i += k;
    }
    if (last < a)
        last = a;
    return str_new(s + a, last - a);
}

static json_t *f_trimprefix(fcall *c)
{
    const char *s = S(c, 0), *p = s ? S(c, 1) : NULL;
    if (!p)
        return NULL;
    size_t lp = strlen(p);
    if (strncmp(s, p, lp) == 0)
        s += lp;
    return str_new(s, strlen(s));
}

static json_t *f_trimsuffix(fcall *c)
{
    const char *s = S(c, 0), *p = s ? S(c, 1) : NULL;
    if (!p)
        return NULL;
    size_t ls = strlen(s), lp = strlen(p);
    if (lp <= ls && memcmp(s + ls - lp, p, lp) == 0)
        ls -= lp;
    return str_new(s, ls);
}

static json_t *f_indent(fcall *c)
{
    long long n;
    const char *s;
    if (!I(c, 0, &n) || !(s = S(c, 1)))
        return NULL;
    if (n < 0 || n > 1000)
        return arg_err(c, 0, "the number of spaces must be between 0 and 1000");
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (const char *p = s; *p; p++) {
        vpce_buf_putc(&b, *p);
        if (*p == '\n')
            for (long long i = 0; i < n; i++)
                vpce_buf_putc(&b, ' ');
    }
    json_t *r = str_new(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
}

static json_t *f_urlencode(fcall *c)
{
    const char *s = S(c, 0);
    if (!s)
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
            vpce_buf_putc(&b, (char)*p);
        else if (*p == ' ')
            vpce_buf_putc(&b, '+');
        else
            vpce_buf_printf(&b, "%%%02X", *p);
    }
    json_t *r = str_new(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
}

static json_t *regex_common(fcall *c, bool all)
{
    const char *pat = S(c, 0), *s = pat ? S(c, 1) : NULL;
    if (!s)
        return NULL;
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED);
    if (rc != 0) {
        char msg[200];
        regerror(rc, &re, msg, sizeof(msg));
        return fail(c, "invalid regular expression: %s", msg);
    }
    size_t ngroups = re.re_nsub;
    regmatch_t *m = vpce_calloc(ngroups + 1, sizeof(*m));
    json_t *out = json_array();
    const char *p = s;
    int flags = 0;
    while (regexec(&re, p, ngroups + 1, m, flags) == 0) {
        json_t *item;
        if (ngroups == 0) {
            item = str_new(p + m[0].rm_so, (size_t)(m[0].rm_eo - m[0].rm_so));
        } else {
            item = json_array();
            for (size_t g = 1; g <= ngroups; g++) {
                if (m[g].rm_so < 0)
                    json_array_append_new(item, json_null());
                else
                    json_array_append_new(
                        item, str_new(p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so)));
            }
        }
        json_array_append_new(out, item);
        if (!all || !p[m[0].rm_eo == m[0].rm_so ? m[0].rm_eo : 0])
            break;
        p += m[0].rm_eo == m[0].rm_so ? m[0].rm_eo + 1 : m[0].rm_eo;
        flags = REG_NOTBOL;
    }
    regfree(&re);
    free(m);
    if (all)
        return out;
    if (json_array_size(out) == 0) {
        json_decref(out);
        return fail(c, "pattern did not match any part of the given string");
    }
    json_t *r = json_incref(json_array_get(out, 0));
    json_decref(out);
    return r;
}

static json_t *f_regex(fcall *c)
{
    return regex_common(c, false);
}

static json_t *f_regexall(fcall *c)
{
    return regex_common(c, true);
}

/* ---- collections -------------------------------------------------------------------------- */

/* Every argument list's elements in one new tuple (also the first step of setunion). */
static json_t *f_concat(fcall *c)
{
    json_t *out = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const json_t *l = L(c, i);
        if (!l) {
            json_decref(out);
            return NULL;
        }
        json_array_extend(out, (json_t *)l);
    }
    return out;
}

static json_t *f_merge(fcall *c)
{
    json_t *out = json_object();
    for (size_t i = 0; i < c->n; i++) {
        if (is_null(c->a[i]))
            continue;
        if (!json_is_object(c->a[i])) {
            json_decref(out);
            return arg_err(c, i, "a map or object is required");
        }
        json_object_update(out, c->a[i]);
    }
    return out;
}

static json_t *f_lookup(fcall *c)
{
    const json_t *m = M(c, 0);
    const char *k = m ? S(c, 1) : NULL;
    if (!k)
        return NULL;
    json_t *x = json_object_get(m, k);
    if (x)
        return json_incref(x);
    if (c->n == 3)
        return json_incref(c->a[2]);
    return fail(c, "lookup failed to find key \"%s\"", k);
}

static json_t *f_length(fcall *c)
{
    json_t *v = c->a[0];
    if (is_null(v))
        return arg_err(c, 0, "argument must not be null");
    if (json_is_array(v))
        return json_integer((json_int_t)json_array_size(v));
    if (json_is_object(v))
        return json_integer((json_int_t)json_object_size(v));
    if (json_is_string(v))
        return json_integer((json_int_t)u8len(json_string_value(v), json_string_length(v)));
    return arg_err(c, 0, "a collection or a string is required");
}

static json_t *f_keys(fcall *c)
{
    const json_t *m = M(c, 0);
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
    const json_t *m = M(c, 0);
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
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    for (size_t i = 0; i < json_array_size(l); i++)
        if (vpce_value_equal(json_array_get(l, i), c->a[1]))
            return json_true();
    return json_false();
}

static json_t *f_element(fcall *c)
{
    const json_t *l = L(c, 0);
    long long idx;
    if (!l || !I(c, 1, &idx))
        return NULL;
    size_t n = json_array_size(l);
    if (n == 0)
        return fail(c, "cannot use element function with an empty list");
    if (idx < 0)
        return fail(c, "cannot use element function with a negative index");
    return json_incref(json_array_get(l, (size_t)idx % n));
}

static json_t *f_index(fcall *c)
{
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    for (size_t i = 0; i < json_array_size(l); i++)
        if (vpce_value_equal(json_array_get(l, i), c->a[1]))
            return json_integer((json_int_t)i);
    return fail(c, "item not found");
}

static json_t *f_toset(fcall *c)
{
    if (is_null(c->a[0]))
        return json_null();
    const json_t *l = L(c, 0);
    return l ? unified_array(c, l, true) : NULL;
}

static json_t *f_tolist(fcall *c)
{
    if (is_null(c->a[0]))
        return json_null();
    const json_t *l = L(c, 0);
    return l ? unified_array(c, l, false) : NULL;
}

static json_t *f_tomap(fcall *c)
{
    if (is_null(c->a[0]))
        return json_null();
    const json_t *m = M(c, 0);
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
    const char *t = unify_elems(items, n);
    free(items);
    if (!t)
        return fail(c, "all map elements must have the same type");
    json_t *type = json_pack("[ss]", "map", t);
    const char *why;
    json_t *r = vpce_convert(m, type, &why);
    json_decref(type);
    return r ? r : fail(c, "%s", why);
}

static json_t *f_coalesce(fcall *c)
{
    for (size_t i = 0; i < c->n; i++) {
        json_t *v = c->a[i];
        if (is_null(v))
            continue;
        if (json_is_string(v) && json_string_length(v) == 0)
            continue;
        /* Terraform converts the result to the arguments' common type. */
        json_t **items = (json_t **)c->a;
        const char *t = unify_elems(items, c->n);
        if (!t)
            return fail(c, "all arguments must have the same type");
        if (strcmp(t, "string") == 0) {
            json_t *st = json_string("string");
            const char *why;
            json_t *r = vpce_convert(v, st, &why);
            json_decref(st);
            return r;
        }
        return json_incref(v);
    }
    return fail(c, "no non-null, non-empty-string arguments");
}

static json_t *f_coalescelist(fcall *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (is_null(c->a[i]))
            continue;
        const json_t *l = L(c, i);
        if (!l)
            return NULL;
        if (json_array_size(l) > 0)
            return json_incref((json_t *)l);
    }
    return fail(c, "no non-null arguments");
}

static json_t *f_distinct(fcall *c)
{
    const json_t *l = L(c, 0);
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

static void flatten_into(json_t *out, const json_t *l)
{
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        if (json_is_array(x))
            flatten_into(out, x);
        else
            json_array_append(out, x);
    }
}

static json_t *f_flatten(fcall *c)
{
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    flatten_into(out, l);
    return out;
}

static json_t *f_compact(fcall *c)
{
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        if (is_null(x) || (json_is_string(x) && json_string_length(x) == 0))
            continue;
        if (json_is_array(x) || json_is_object(x)) {
            json_decref(out);
            return arg_err(c, 0, "a list of strings is required");
        }
        const char *why;
        char *s = vpce_value_to_string(x, &why);
        json_array_append_new(out, str_new(s, strlen(s)));
        free(s);
    }
    return out;
}

static json_t *f_zipmap(fcall *c)
{
    const json_t *k = L(c, 0), *v = k ? L(c, 1) : NULL;
    if (!v)
        return NULL;
    if (vpce_contains_unknown(k))
        return vpce_unknown();
    if (json_array_size(k) != json_array_size(v))
        return fail(c, "number of keys (%zu) does not match number of values (%zu)",
                    json_array_size(k), json_array_size(v));
    json_t *out = json_object();
    for (size_t i = 0; i < json_array_size(k); i++) {
        json_t *kx = json_array_get(k, i);
        const char *why;
        char *ks = is_null(kx) || json_is_array(kx) || json_is_object(kx)
                       ? NULL
                       : vpce_value_to_string(kx, &why);
        if (!ks) {
            json_decref(out);
            return arg_err(c, 0, "a list of strings is required");
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
        if (!N(c, 0, &limit))
            return NULL;
    } else {
        if (!N(c, 0, &start) || !N(c, 1, &limit))
            return NULL;
    }
    if (c->n == 3) {
        if (!N(c, 2, &step))
            return NULL;
        if (step == 0)
            return arg_err(c, 2, "step must not be zero");
    } else {
        step = start > limit ? -1 : 1;
    }
    if ((step > 0 && start > limit) || (step < 0 && start < limit))
        return fail(c, "the step must be %s when the start is %s than the limit",
                    step > 0 ? "negative" : "positive", step > 0 ? "greater" : "less");
    json_t *out = json_array();
    size_t count = 0;
    for (double x = start; step > 0 ? x < limit : x > limit; x += step) {
        if (++count > 1024) {
            json_decref(out);
            return fail(c, "more than 1024 values were generated; either decrease the difference "
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
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    size_t n = json_array_size(l);
    json_t **items = vpce_malloc((n ? n : 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(l, i);
        const char *why;
        char *s = is_null(x) || json_is_array(x) || json_is_object(x)
                      ? NULL
                      : vpce_value_to_string(x, &why);
        if (!s) {
            for (size_t j = 0; j < i; j++)
                json_decref(items[j]);
            free(items);
            return is_null(x) ? fail(c, "given list element %zu is null", i)
                              : arg_err(c, 0, "a list of strings is required");
        }
        items[i] = str_new(s, strlen(s));
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
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    json_t *out = json_array();
    for (size_t i = json_array_size(l); i > 0; i--)
        json_array_append(out, json_array_get(l, i - 1));
    return out;
}

static json_t *f_slice(fcall *c)
{
    const json_t *l = L(c, 0);
    long long a, e;
    if (!l || !I(c, 1, &a) || !I(c, 2, &e))
        return NULL;
    long long n = (long long)json_array_size(l);
    if (a < 0)
        return arg_err(c, 1, "start index must not be less than zero");
    if (e > n)
        return arg_err(c, 2, "end index must not be greater than the length of the list");
    if (a > e)
        return arg_err(c, 1, "start index must not be greater than end index");
    json_t *out = json_array();
    for (long long i = a; i < e; i++)
        json_array_append(out, json_array_get(l, (size_t)i));
    return out;
}

static json_t *f_sum(fcall *c)
{
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    if (json_array_size(l) == 0)
        return fail(c, "cannot sum an empty list");
    double s = 0;
    bool ints = true;
    long long is = 0;
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *x = json_array_get(l, i);
        double d;
        if (is_null(x))
            return arg_err(c, 0, "argument must not contain null values");
        if (vpce_is_number(x))
            d = vpce_number(x);
        else if (!(json_is_string(x) && vpce_number_parse(json_string_value(x), &d)))
            return arg_err(c, 0, "a list of numbers is required");
        s += d;
        if (ints && d == floor(d) && fabs(d) < 9e15 &&
            !__builtin_add_overflow(is, (long long)d, &is))
            continue;
        ints = false;
    }
    return ints ? json_integer(is) : vpce_number_new(s);
}

static json_t *f_one(fcall *c)
{
    const json_t *l = L(c, 0);
    if (!l)
        return NULL;
    if (json_array_size(l) == 0)
        return json_null();
    if (json_array_size(l) == 1)
        return json_incref(json_array_get(l, 0));
    return fail(c, "must be a list, set, or tuple value with either zero or one elements");
}

static json_t *all_any(fcall *c, bool all)
{
    const json_t *l = L(c, 0);
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
        else if (is_null(x))
            b = false;
        else
            return arg_err(c, 0, "a list of bools is required");
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
    json_t *r = unified_array(c, all, true);
    json_decref(all);
    return r;
}

static json_t *f_setintersection(fcall *c)
{
    const json_t *first = L(c, 0);
    if (!first)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(first); i++) {
        json_t *x = json_array_get(first, i);
        bool everywhere = true;
        for (size_t j = 1; j < c->n && everywhere; j++) {
            const json_t *l = L(c, j);
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
    const json_t *l = L(c, 0);
    long long size;
    if (!l || !I(c, 1, &size))
        return NULL;
    if (size < 0)
        return arg_err(c, 1, "the size argument must be positive");
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

/* ---- conversion functions ----------------------------------------------------------------- */

static json_t *convert_fn(fcall *c, const char *type, const char *tname)
{
    json_t *v = c->a[0];
    if (is_null(v))
        return json_null();
    json_t *t = json_string(type);
    const char *why;
    json_t *r = vpce_convert(v, t, &why);
    json_decref(t);
    if (r)
        return r;
    if (json_is_string(v))
        return fail(c, "cannot convert \"%s\" to %s", json_string_value(v), tname);
    return fail(c, "cannot convert %s to %s", vpce_value_type_name(v), tname);
}

static json_t *f_tostring(fcall *c)
{
    return convert_fn(c, "string", "string");
}

static json_t *f_tonumber(fcall *c)
{
    return convert_fn(c, "number", "number");
}

static json_t *f_tobool(fcall *c)
{
    return convert_fn(c, "bool", "bool");
}

/* ---- numbers ------------------------------------------------------------------------------ */

static json_t *min_max(fcall *c, bool max)
{
    if (c->n == 0)
        return fail(c, "must pass at least one number");
    double best = 0;
    for (size_t i = 0; i < c->n; i++) {
        double d;
        if (!N(c, i, &d))
            return NULL;
        if (i == 0 || (max ? d > best : d < best))
            best = d;
    }
    return vpce_number_new(best);
}

static json_t *f_max(fcall *c)
{
    return min_max(c, true);
}

static json_t *f_min(fcall *c)
{
    return min_max(c, false);
}

static json_t *num1(fcall *c, double (*fn)(double))
{
    double d;
    if (!N(c, 0, &d))
        return NULL;
    return vpce_number_new(fn(d));
}

static json_t *f_abs(fcall *c)
{
    return num1(c, fabs);
}

static json_t *f_ceil(fcall *c)
{
    return num1(c, ceil);
}

static json_t *f_floor(fcall *c)
{
    return num1(c, floor);
}

static json_t *f_signum(fcall *c)
{
    double d;
    if (!N(c, 0, &d))
        return NULL;
    return json_integer(d > 0 ? 1 : d < 0 ? -1 : 0);
}

static json_t *f_pow(fcall *c)
{
    double a, b;
    if (!N(c, 0, &a) || !N(c, 1, &b))
        return NULL;
    return vpce_number_new(pow(a, b));
}

static json_t *f_parseint(fcall *c)
{
    const char *s = S(c, 0);
    long long base;
    if (!s || !I(c, 1, &base))
        return NULL;
    if (base < 2 || base > 62)
        return arg_err(c, 1, "the base must be between 2 and 62");
    char *end;
    long long v = strtoll(s, &end, (int)base);
    if (!*s || *end || base > 36)
        return fail(c, "cannot parse \"%s\" as a base %lld integer", s, base);
    return json_integer(v);
}

/* ---- network ------------------------------------------------------------------------------ */

typedef struct cidr {
    unsigned char addr[16];
    int bits;   /* 32 or 128 */
    int prefix; /* prefix length */
} cidr;

static bool parse_cidr(const char *s, cidr *out)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return false;
    char host[64];
    size_t hl = (size_t)(slash - s);
    if (hl >= sizeof(host))
        return false;
    memcpy(host, s, hl);
    host[hl] = 0;
    char *end;
    long pl = strtol(slash + 1, &end, 10);
    if (*end || slash[1] == 0)
        return false;
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, host, out->addr) == 1)
        out->bits = 32;
    else if (inet_pton(AF_INET6, host, out->addr) == 1)
        out->bits = 128;
    else
        return false;
    if (pl < 0 || pl > out->bits)
        return false;
    out->prefix = (int)pl;
    return true;
}

static void mask_addr(cidr *c)
{
    for (int i = 0; i < c->bits; i++)
        if (i >= c->prefix)
            c->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

/* Adds n (may be a big value; only the low bits after `from` are set) at bit range [from, to). */
static void set_bits(unsigned char *addr, int from, int to, unsigned long long n)
{
    for (int i = to - 1; i >= from; i--) {
        unsigned char bit = (unsigned char)(0x80u >> (i % 8));
        if (n & 1)
            addr[i / 8] |= bit;
        else
            addr[i / 8] &= (unsigned char)~bit;
        n >>= 1;
    }
}

static json_t *addr_json(const cidr *c, bool with_prefix)
{
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(c->bits == 32 ? AF_INET : AF_INET6, c->addr, buf, sizeof(buf));
    if (!with_prefix)
        return json_string(buf);
    char *s = vpce_asprintf("%s/%d", buf, c->prefix);
    json_t *r = json_string(s);
    free(s);
    return r;
}

static json_t *f_cidrsubnet(fcall *c)
{
    const char *p = S(c, 0);
    long long newbits, netnum;
    if (!p || !I(c, 1, &newbits) || !I(c, 2, &netnum))
        return NULL;
    cidr ci;
    if (!parse_cidr(p, &ci))
        return arg_err(c, 0, "invalid CIDR expression");
    if (newbits < 0)
        return arg_err(c, 1, "newbits must not be negative");
    if (ci.prefix + newbits > ci.bits)
        return fail(c, "insufficient address space to extend prefix of %d by %lld", ci.prefix,
                    newbits);
    if (netnum < 0 || (newbits < 63 && (unsigned long long)netnum >= (1ULL << newbits)))
        return fail(c, "prefix extension of %lld does not accommodate a subnet numbered %lld",
                    newbits, netnum);
    mask_addr(&ci);
    set_bits(ci.addr, ci.prefix, ci.prefix + (int)newbits, (unsigned long long)netnum);
    ci.prefix += (int)newbits;
    return addr_json(&ci, true);
}

static json_t *f_cidrhost(fcall *c)
{
    const char *p = S(c, 0);
    long long hostnum;
    if (!p || !I(c, 1, &hostnum))
        return NULL;
    cidr ci;
    if (!parse_cidr(p, &ci))
        return arg_err(c, 0, "invalid CIDR expression");
    int hostbits = ci.bits - ci.prefix;
    unsigned long long max = hostbits >= 63 ? ULLONG_MAX : (1ULL << hostbits);
    long long orig = hostnum;
    if (hostnum < 0) {
        if (hostbits < 63 && (unsigned long long)(-hostnum) > max)
            return fail(c, "prefix of %d does not accommodate a host numbered %lld", ci.prefix,
                        orig);
        hostnum = (long long)(max + (unsigned long long)hostnum);
        if (hostbits >= 63)
            return fail(c, "negative host numbers are not supported in prefixes this large");
    } else if (hostbits < 63 && (unsigned long long)hostnum >= max) {
        return fail(c, "prefix of %d does not accommodate a host numbered %lld", ci.prefix, orig);
    }
    mask_addr(&ci);
    int from = ci.prefix;
    if (ci.bits - from > 64)
        from = ci.bits - 64;
    set_bits(ci.addr, from, ci.bits, (unsigned long long)hostnum);
    return addr_json(&ci, false);
}

static json_t *f_cidrnetmask(fcall *c)
{
    const char *p = S(c, 0);
    if (!p)
        return NULL;
    cidr ci;
    if (!parse_cidr(p, &ci))
        return arg_err(c, 0, "invalid CIDR expression");
    if (ci.bits != 32)
        return fail(c, "IPv6 addresses cannot have a netmask: %s", p);
    cidr m = {{0}, 32, 32};
    for (int i = 0; i < ci.prefix; i++)
        m.addr[i / 8] |= (unsigned char)(0x80u >> (i % 8));
    return addr_json(&m, false);
}

/* ---- files -------------------------------------------------------------------------------- */

static char *resolve_path(fcall *c, const char *p)
{
    if (p[0] == '/' || !c->ctx->base_dir || !c->ctx->base_dir[0])
        return vpce_strdup(p);
    return vpce_asprintf("%s/%s", c->ctx->base_dir, p);
}

static json_t *f_file(fcall *c)
{
    const char *p = S(c, 0);
    if (!p)
        return NULL;
    char *path = resolve_path(c, p);
    char *data = NULL;
    size_t len = 0;
    json_t *r = NULL;
    int rc = vpce_read_file(&data, &len, path, FILE_MAX);
    if (rc == VPCE_ETOOBIG) {
        fail(c, "the file %s is larger than %u bytes", p, FILE_MAX);
        goto cleanup;
    }
    if (rc < 0) {
        fail(c,
             "no file exists at %s; this function works only with files that are part of the "
             "configuration",
             p);
        goto cleanup;
    }
    r = json_stringn(data, len);
    if (!r)
        fail(c,
             "contents of %s are not valid UTF-8; use the filebase64 function to obtain the "
             "Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to "
             "obtain file hashing results instead",
             p);
cleanup:
    free(data);
    free(path);
    return r;
}

static json_t *f_fileexists(fcall *c)
{
    const char *p = S(c, 0);
    if (!p)
        return NULL;
    char *path = resolve_path(c, p);
    FILE *f = fopen(path, "rb");
    free(path);
    if (f)
        fclose(f);
    return json_boolean(f != NULL);
}

static bool valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        if (k == 0 || s[i] == 0)
            return false;
        i += k;
    }
    return true;
}

/* templatefile() inside a template is refused, as Terraform does. */
static _Thread_local int template_depth;

static json_t *f_templatefile(fcall *c)
{
    const char *p = S(c, 0);
    if (!p)
        return NULL;
    if (!is_null(c->a[1]) && !json_is_object(c->a[1]))
        return arg_err(c, 1, "a map or object of template variables is required");
    if (template_depth > 0)
        return fail(c, "cannot recursively call templatefile from inside another template");
    char *path = resolve_path(c, p);
    char *data = NULL;
    size_t len = 0;
    json_t *r = NULL, *scope = NULL;
    vpce_file *file = NULL;
    vpce_ast_expr *expr = NULL;
    vpce_buf q = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    int rc = vpce_read_file(&data, &len, path, FILE_MAX);
    if (rc < 0) {
        fail(c, "no file exists at %s", p);
        goto cleanup;
    }
    if (!valid_utf8(data, len)) {
        fail(c, "contents of %s are not valid UTF-8", p);
        goto cleanup;
    }
    /*
     * The file is a template: wrap it in a heredoc (whose contents need no escaping) with a
     * delimiter the text does not contain, so the parser reads it as one template.
     */
    char delim[48];
    for (unsigned k = 0;; k++) {
        snprintf(delim, sizeof(delim), "VPCE_TEMPLATE_EOF_%u", k);
        if (!memmem(data, len, delim, strlen(delim)))
            break;
    }
    bool added_newline = len == 0 || data[len - 1] != '\n';
    vpce_buf_printf(&q, "<<%s\n", delim);
    vpce_buf_append(&q, data, len);
    vpce_buf_printf(&q, "%s%s\n", added_newline ? "\n" : "", delim);
    if (vpce_parse_expr(&file, &expr, path, q.data, q.len, c->ctx->diags) < 0 || !expr) {
        fail(c, "the template %s has syntax errors", p);
        goto cleanup;
    }
    scope = is_null(c->a[1]) ? json_object() : json_incref(c->a[1]);
    vpce_eval_ctx tctx = {scope, c->ctx->base_dir, c->ctx->diags};
    template_depth++;
    r = vpce_eval(&tctx, expr);
    template_depth--;
    if (r && added_newline && json_is_string(r) && json_string_length(r) > 0) {
        json_t *t = json_stringn(json_string_value(r), json_string_length(r) - 1);
        json_decref(r);
        r = t;
    }
    if (r && !vpce_is_unknown(r) && !json_is_string(r)) {
        /* A template that is a single interpolation still yields a string here. */
        json_t *st = json_string("string");
        const char *why;
        json_t *conv = vpce_convert(r, st, &why);
        json_decref(st);
        json_decref(r);
        r = conv;
        if (!r)
            fail(c, "the template %s must produce a string: %s", p, why);
    }
cleanup:
    json_decref(scope);
    vpce_buf_release(&q);
    vpce_file_free(file);
    free(data);
    free(path);
    return r;
}

/* ---- the table ---------------------------------------------------------------------------- */

enum {
    F_DEEP = 1, /* arguments may contain unknowns deep inside; the function passes them through */
    F_NULL = 2, /* null arguments are passed to the function (it checks them itself) */
};

typedef struct fdef {
    const char *name;
    int min, max; /* max -1: variadic */
    int flags;
    json_t *(*fn)(fcall *c);
} fdef;

static const fdef functions[] = {
    {"abs", 1, 1, 0, f_abs},
    {"alltrue", 1, 1, 0, f_alltrue},
    {"anytrue", 1, 1, 0, f_anytrue},
    {"base64decode", 1, 1, 0, f_base64decode},
    {"base64encode", 1, 1, 0, f_base64encode},
    {"can", 1, 1, 0, NULL},
    {"ceil", 1, 1, 0, f_ceil},
    {"chunklist", 2, 2, F_DEEP, f_chunklist},
    {"cidrhost", 2, 2, 0, f_cidrhost},
    {"cidrnetmask", 1, 1, 0, f_cidrnetmask},
    {"cidrsubnet", 3, 3, 0, f_cidrsubnet},
    {"coalesce", 1, -1, F_NULL, f_coalesce},
    {"coalescelist", 1, -1, F_DEEP | F_NULL, f_coalescelist},
    {"compact", 1, 1, 0, f_compact},
    {"concat", 1, -1, F_DEEP, f_concat},
    {"contains", 2, 2, F_NULL, f_contains},
    {"distinct", 1, 1, 0, f_distinct},
    {"element", 2, 2, F_DEEP, f_element},
    {"endswith", 2, 2, 0, f_endswith},
    {"file", 1, 1, 0, f_file},
    {"fileexists", 1, 1, 0, f_fileexists},
    {"flatten", 1, 1, 0, f_flatten},
    {"floor", 1, 1, 0, f_floor},
    {"format", 1, -1, F_NULL, f_format},
    {"formatlist", 1, -1, F_NULL, f_formatlist},
    {"indent", 2, 2, 0, f_indent},
    {"index", 2, 2, F_NULL, f_index},
    {"join", 2, -1, 0, f_join},
    {"jsondecode", 1, 1, 0, f_jsondecode},
    {"jsonencode", 1, 1, F_NULL, f_jsonencode},
    {"keys", 1, 1, F_DEEP, f_keys},
    {"length", 1, 1, F_DEEP, f_length},
    {"lookup", 2, 3, F_DEEP | F_NULL, f_lookup},
    {"lower", 1, 1, 0, f_lower},
    {"max", 1, -1, 0, f_max},
    {"merge", 0, -1, F_DEEP | F_NULL, f_merge},
    {"min", 1, -1, 0, f_min},
    {"one", 1, 1, F_DEEP, f_one},
    {"parseint", 2, 2, 0, f_parseint},
    {"pow", 2, 2, 0, f_pow},
    {"range", 1, 3, 0, f_range},
    {"regex", 2, 2, 0, f_regex},
    {"regexall", 2, 2, 0, f_regexall},
    {"replace", 3, 3, 0, f_replace},
    {"reverse", 1, 1, F_DEEP, f_reverse},
    {"setintersection", 1, -1, 0, f_setintersection},
    {"setunion", 1, -1, 0, f_setunion},
    {"signum", 1, 1, 0, f_signum},
    {"slice", 3, 3, F_DEEP, f_slice},
    {"sort", 1, 1, 0, f_sort},
    {"split", 2, 2, 0, f_split},
    {"startswith", 2, 2, 0, f_startswith},
    {"strrev", 1, 1, 0, f_strrev},
    {"substr", 3, 3, 0, f_substr},
    {"sum", 1, 1, 0, f_sum},
    {"templatefile", 2, 2, F_NULL, f_templatefile},
    {"title", 1, 1, 0, f_title},
    {"tobool", 1, 1, F_NULL, f_tobool},
    {"tolist", 1, 1, F_DEEP | F_NULL, f_tolist},
    {"tomap", 1, 1, F_DEEP | F_NULL, f_tomap},
    {"tonumber", 1, 1, F_NULL, f_tonumber},
    {"toset", 1, 1, F_NULL, f_toset},
    {"tostring", 1, 1, F_NULL, f_tostring},
    {"trim", 2, 2, 0, f_trim},
    {"trimprefix", 2, 2, 0, f_trimprefix},
    {"trimspace", 1, 1, 0, f_trimspace},
    {"trimsuffix", 2, 2, 0, f_trimsuffix},
    {"try", 1, -1, 0, NULL},
    {"upper", 1, 1, 0, f_upper},
    {"urlencode", 1, 1, 0, f_urlencode},
    {"values", 1, 1, F_DEEP, f_values},
    {"zipmap", 2, 2, F_DEEP, f_zipmap},
};

#define NFUNCS (sizeof(functions) / sizeof(functions[0]))

static const fdef *find(const char *name)
{
    size_t lo = 0, hi = NFUNCS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, functions[mid].name);
        if (c == 0)
            return &functions[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const char *names[NFUNCS + 1];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void names_init(void)
{
    for (size_t i = 0; i < NFUNCS; i++)
        names[i] = functions[i].name;
    names[NFUNCS] = NULL;
}

const char *const *vpce_eval_function_names(void)
{
    pthread_once(&names_once, names_init);
    return names;
}

bool vpce_eval_has_function(const char *name)
{
    return find(name) != NULL;
}

json_t *vpce_eval_call(const vpce_eval_ctx *ctx, const char *name, json_t *const *args,
                       size_t nargs, vpce_range range)
{
    const fdef *f = find(name);
    if (!f || !f->fn) {
        vpce_diags_error(ctx->diags, range, NULL, "call to unknown function \"%s\"", name);
        return NULL;
    }
    if ((int)nargs < f->min || (f->max >= 0 && (int)nargs > f->max)) {
        char *detail;
        if (f->max < 0)
            detail = vpce_asprintf("expected at least %d, got %zu", f->min, nargs);
        else if (f->min == f->max)
            detail = vpce_asprintf("expected %d, got %zu", f->min, nargs);
        else
            detail = vpce_asprintf("expected %d to %d, got %zu", f->min, f->max, nargs);
        vpce_diags_error(ctx->diags, range, detail, "wrong number of arguments to \"%s\"", name);
        free(detail);
        return NULL;
    }
    for (size_t i = 0; i < nargs; i++) {
        if (vpce_is_unknown(args[i]))
            return vpce_unknown();
        if (!(f->flags & F_DEEP) && vpce_contains_unknown(args[i]))
            return vpce_unknown();
    }
    fcall c = {ctx, name, range, args, nargs, VPCE_VEC_INIT};
    json_t *r = f->fn(&c);
    for (size_t i = 0; i < c.tmp.len; i++)
        json_decref(c.tmp.items[i]);
    vpce_vec_release(&c.tmp);
    return r;
}
