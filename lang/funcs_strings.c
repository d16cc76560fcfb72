/*
 * lang/funcs_strings.c: built-in functions on strings: format, formatlist, joining, splitting,
 * case, trimming, regular expressions.
 */
#include "lang/funcs.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

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
    int len = (int)fn_u8len(s, strlen(s));
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

/* True for a whole number (beyond int64 when vpce_number_int64 failed). */
static bool big_whole(const json_t *v)
{
    char *t = vpce_number_text(v);
    bool whole = t && !strchr(t, '.');
    free(t);
    return whole;
}

/* Formats one verb; returns 0, or -1 after reporting. */
static int format_verb(fcall *c, vpce_buf *b, char verb, const json_t *v, size_t argi, int width,
                       int prec, bool left, bool plus, bool zero, bool sharp, bool space)
{
    char *s = NULL;
    char tmp[512];
    if (verb == 'v' && sharp) {
        s = vpce_json_encode(v);
    } else if (fn_is_null(v)) {
        if (verb != 'v') {
            fn_fail(c, "unsupported value for \"%%%c\" at %zu: null value cannot be formatted",
                    verb, argi + 1);
            return -1;
        }
        s = vpce_strdup("null");
    } else if (verb == 'v' || verb == 's' || verb == 'q') {
        if (json_is_array(v) || json_is_object(v)) {
            if (verb != 'v') {
                fn_fail(c, "unsupported value for \"%%%c\" at %zu: string required", verb,
                        argi + 1);
                return -1;
            }
            s = vpce_json_encode(v);
        } else {
            const char *why;
            s = vpce_value_to_string(v, &why);
        }
        if (s && prec >= 0 && verb != 'q') {
            size_t off = fn_u8off(s, strlen(s), (size_t)prec);
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
            fn_fail(c, "unsupported value for \"%%t\" at %zu: bool required", argi + 1);
            return -1;
        }
        s = vpce_strdup(bv ? "true" : "false");
    } else {
        double d;
        if (vpce_is_number(v))
            d = vpce_number(v);
        else if (!(json_is_string(v) && vpce_number_parse(json_string_value(v), &d))) {
            fn_fail(c, "unsupported value for \"%%%c\" at %zu: number required", verb, argi + 1);
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
        int64_t whole;
        if (verb == 'd' && vpce_is_number(v) && !vpce_number_int64(v, &whole) && big_whole(v)) {
            /* a whole number beyond int64: its exact digits */
            s = vpce_number_text(v);
            if (plus && s && s[0] != '-') {
                char *t = vpce_asprintf("+%s", s);
                free(s);
                s = t;
            }
        } else if (verb == 'd' || verb == 'x' || verb == 'X' || verb == 'o' || verb == 'b') {
            if (d != floor(d) || fabs(d) >= 9223372036854775808.0) {
                fn_fail(c, "unsupported value for \"%%%c\" at %zu: an integer is required", verb,
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
            fn_fail(c, "unsupported format verb \"%%%c\"", verb);
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
        fn_fail(c, "value at %zu cannot be formatted", argi + 1);
        return -1;
    }
    pad_out(b, s, width, left, zero && !left && verb != 's' && verb != 'q' && verb != 'v');
    free(s);
    return 0;
}

/* Formats fmt with args[0..n); returns a new string or NULL after reporting. */
static char *do_format(fcall *c, const char *fmt, json_t *const *args, size_t n, size_t argbase)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
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
                fn_fail(c, "invalid format string: bad argument index");
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
            fn_fail(c, "invalid format string: unrecognized format verb \"%%%c\"",
                    verb ? verb : ' ');
            goto fail;
        }
        p++;
        if (next >= n) {
            fn_fail(c, "not enough arguments for \"%%%c\" at %zu: need %zu, have %zu", verb,
                    (size_t)(p - fmt), next + 1, n);
            goto fail;
        }
        if (format_verb(c, &b, verb, args[next], argbase + next, width, prec, left, plus, zero,
                        sharp, space) < 0)
            goto fail;
        next++;
        if (!fn_fits(c, &b))
            goto fail;
    }
    if (!fn_fits(c, &b))
        goto fail;
    if (!used_explicit && next < n) {
        fn_fail(c, "too many arguments; only %zu used by format string", next);
        goto fail;
    }
    return vpce_buf_detach(&b);
fail:
    vpce_buf_release(&b);
    return NULL;
}

static json_t *f_format(fcall *c)
{
    const char *fmt = fn_str(c, 0);
    if (!fmt)
        return NULL;
    char *s = do_format(c, fmt, c->a + 1, c->n - 1, 1);
    if (!s)
        return NULL;
    json_t *r = fn_str_new(s, strlen(s));
    free(s);
    return r;
}

static json_t *f_formatlist(fcall *c)
{
    const char *fmt = fn_str(c, 0);
    if (!fmt)
        return NULL;
    size_t len = SIZE_MAX;
    for (size_t i = 1; i < c->n; i++) {
        if (json_is_array(c->a[i])) {
            if (len != SIZE_MAX && json_array_size(c->a[i]) != len)
                return fn_fail(c,
                               "argument %zu has length %zu, which is inconsistent with previous "
                               "argument lengths",
                               i + 1, json_array_size(c->a[i]));
            len = json_array_size(c->a[i]);
        }
    }
    if (len == SIZE_MAX)
        len = 1;
    if (!fn_charge(c, len))
        return NULL;
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
        json_array_append_new(out, fn_str_new(s, strlen(s)));
        free(s);
    }
    free(row);
    return out;
}

/* ---- strings ------------------------------------------------------------------------------ */

static json_t *f_join(fcall *c)
{
    const char *sep = fn_str(c, 0);
    if (!sep)
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
    size_t count = 0;
    for (size_t i = 1; i < c->n; i++) {
        const json_t *l = fn_list(c, i);
        if (!l)
            goto fail;
        for (size_t j = 0; j < json_array_size(l); j++) {
            json_t *x = json_array_get(l, j);
            const char *why;
            char *s = json_is_array(x) || json_is_object(x) ? NULL : vpce_value_to_string(x, &why);
            if (!s) {
                if (fn_is_null(x))
                    fn_fail(c, "element %zu of argument %zu is null", j, i + 1);
                else
                    fn_arg_err(c, i, "a list of strings is required");
                goto fail;
            }
            if (count++)
                vpce_buf_puts(&b, sep);
            vpce_buf_puts(&b, s);
            free(s);
            if (!fn_fits(c, &b))
                goto fail;
        }
    }
    json_t *r = fn_str_new(b.data ? b.data : "", b.len);
    vpce_buf_release(&b);
    return r;
fail:
    vpce_buf_release(&b);
    return NULL;
}

static json_t *f_split(fcall *c)
{
    const char *sep = fn_str(c, 0), *s = sep ? fn_str(c, 1) : NULL;
    if (!s)
        return NULL;
    size_t sl = strlen(sep), len = strlen(s);
    /* at most one element per character, or per separator */
    size_t most = sl == 0 ? fn_u8len(s, len) : len / sl + 1;
    if (!fn_charge(c, most))
        return NULL;
    json_t *out = json_array();
    if (sl == 0) {
        for (size_t i = 0; i < len;) {
            size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
            k = k ? k : 1;
            json_array_append_new(out, fn_str_new(s + i, k));
            i += k;
        }
        return out;
    }
    const char *p = s;
    for (;;) {
        const char *q = strstr(p, sep);
        if (!q) {
            json_array_append_new(out, fn_str_new(p, strlen(p)));
            break;
        }
        json_array_append_new(out, fn_str_new(p, (size_t)(q - p)));
        p = q + sl;
    }
    return out;
}

static json_t *map_chars(fcall *c, int (*fn)(int))
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    char *t = vpce_strdup(s);
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x80)
            *p = (char)fn((unsigned char)*p);
    json_t *r = fn_str_new(t, strlen(t));
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
    const char *s = fn_str(c, 0);
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
    json_t *r = fn_str_new(t, strlen(t));
    free(t);
    return r;
}

static json_t *f_strrev(fcall *c)
{
    const char *s = fn_str(c, 0);
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
    json_t *r = fn_str_new(t, len);
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
    const char *s = fn_str(c, 0), *sub = s ? fn_str(c, 1) : NULL, *rep = sub ? fn_str(c, 2) : NULL;
    if (!rep)
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
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
            return fn_fail(c, "invalid regular expression: %s", msg);
        }
        regmatch_t m[10];
        const char *p = s;
        int flags = 0;
        while (*p && !b.overflow && regexec(&re, p, 10, m, flags) == 0) {
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
        for (size_t i = 0; i < len && !b.overflow;) {
            size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
            k = k ? k : 1;
            vpce_buf_append(&b, s + i, k);
            vpce_buf_puts(&b, rep);
            i += k;
        }
    } else {
        const char *p = s;
        for (const char *q; !b.overflow && (q = strstr(p, sub)); p = q + sublen) {
            vpce_buf_append(&b, p, (size_t)(q - p));
            vpce_buf_puts(&b, rep);
        }
        vpce_buf_puts(&b, p);
    }
    json_t *r = fn_fits(c, &b) ? fn_str_new(b.data ? b.data : "", b.len) : NULL;
    vpce_buf_release(&b);
    return r;
}

static json_t *f_substr(fcall *c)
{
    const char *s = fn_str(c, 0);
    long long off, len;
    if (!s || !fn_int(c, 1, &off) || !fn_int(c, 2, &len))
        return NULL;
    size_t bl = strlen(s);
    long long n = (long long)fn_u8len(s, bl);
    if (off < 0)
        off += n;
    if (off < 0 || off > n)
        return fn_fail(c, "offset out of bounds");
    if (len < -1)
        return fn_fail(c, "length must be non-negative or -1");
    if (len == -1 || off + len > n)
        len = n - off;
    size_t a = fn_u8off(s, bl, (size_t)off), e = fn_u8off(s, bl, (size_t)(off + len));
    return fn_str_new(s + a, e - a);
}

static json_t *f_startswith(fcall *c)
{
    const char *s = fn_str(c, 0), *p = s ? fn_str(c, 1) : NULL;
    if (!p)
        return NULL;
    return json_boolean(strncmp(s, p, strlen(p)) == 0);
}

static json_t *f_endswith(fcall *c)
{
    const char *s = fn_str(c, 0), *p = s ? fn_str(c, 1) : NULL;
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

/* chomp(string): every newline (\n or \r\n) at the end removed. */
static json_t *f_chomp(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return fn_str_new(s, n);
}

static json_t *f_strcontains(fcall *c)
{
    const char *s = fn_str(c, 0), *sub = fn_str(c, 1);
    if (!s || !sub)
        return NULL;
    return json_boolean(strstr(s, sub) != NULL);
}

static json_t *f_trimspace(fcall *c)
{
    const char *s = fn_str(c, 0);
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
    return fn_str_new(s + a, e - a);
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
    const char *s = fn_str(c, 0), *cut = s ? fn_str(c, 1) : NULL;
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
    return fn_str_new(s + a, last - a);
}

static json_t *f_trimprefix(fcall *c)
{
    const char *s = fn_str(c, 0), *p = s ? fn_str(c, 1) : NULL;
    if (!p)
        return NULL;
    size_t lp = strlen(p);
    if (strncmp(s, p, lp) == 0)
        s += lp;
    return fn_str_new(s, strlen(s));
}

static json_t *f_trimsuffix(fcall *c)
{
    const char *s = fn_str(c, 0), *p = s ? fn_str(c, 1) : NULL;
    if (!p)
        return NULL;
    size_t ls = strlen(s), lp = strlen(p);
    if (lp <= ls && memcmp(s + ls - lp, p, lp) == 0)
        ls -= lp;
    return fn_str_new(s, ls);
}

static json_t *f_indent(fcall *c)
{
    long long n;
    const char *s;
    if (!fn_int(c, 0, &n) || !(s = fn_str(c, 1)))
        return NULL;
    if (n < 0 || n > 1000)
        return fn_arg_err(c, 0, "the number of spaces must be between 0 and 1000");
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
    for (const char *p = s; *p && !b.overflow; p++) {
        vpce_buf_putc(&b, *p);
        if (*p == '\n')
            for (long long i = 0; i < n; i++)
                vpce_buf_putc(&b, ' ');
    }
    json_t *r = fn_fits(c, &b) ? fn_str_new(b.data ? b.data : "", b.len) : NULL;
    vpce_buf_release(&b);
    return r;
}

static json_t *f_urlencode(fcall *c)
{
    const char *s = fn_str(c, 0);
    if (!s)
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_LANG_MAX_STRING);
    for (const unsigned char *p = (const unsigned char *)s; *p && !b.overflow; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
            vpce_buf_putc(&b, (char)*p);
        else if (*p == ' ')
            vpce_buf_putc(&b, '+');
        else
            vpce_buf_printf(&b, "%%%02X", *p);
    }
    json_t *r = fn_fits(c, &b) ? fn_str_new(b.data ? b.data : "", b.len) : NULL;
    vpce_buf_release(&b);
    return r;
}

static json_t *regex_common(fcall *c, bool all)
{
    const char *pat = fn_str(c, 0), *s = pat ? fn_str(c, 1) : NULL;
    if (!s)
        return NULL;
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED);
    if (rc != 0) {
        char msg[200];
        regerror(rc, &re, msg, sizeof(msg));
        return fn_fail(c, "invalid regular expression: %s", msg);
    }
    size_t ngroups = re.re_nsub;
    regmatch_t *m = vpce_calloc(ngroups + 1, sizeof(*m));
    json_t *out = json_array();
    const char *p = s;
    int flags = 0;
    while (regexec(&re, p, ngroups + 1, m, flags) == 0) {
        json_t *item;
        if (ngroups == 0) {
            item = fn_str_new(p + m[0].rm_so, (size_t)(m[0].rm_eo - m[0].rm_so));
        } else {
            item = json_array();
            for (size_t g = 1; g <= ngroups; g++) {
                if (m[g].rm_so < 0)
                    json_array_append_new(item, json_null());
                else
                    json_array_append_new(
                        item, fn_str_new(p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so)));
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
        return fn_fail(c, "pattern did not match any part of the given string");
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

const fdef vpce_fn_strings[] = {
    {"chomp", 1, 1, 0, f_chomp},
    {"strcontains", 2, 2, 0, f_strcontains},
    {"endswith", 2, 2, 0, f_endswith},
    {"format", 1, -1, F_NULL, f_format},
    {"formatlist", 1, -1, F_NULL, f_formatlist},
    {"indent", 2, 2, 0, f_indent},
    {"join", 2, -1, 0, f_join},
    {"lower", 1, 1, 0, f_lower},
    {"regex", 2, 2, 0, f_regex},
    {"regexall", 2, 2, 0, f_regexall},
    {"replace", 3, 3, 0, f_replace},
    {"split", 2, 2, 0, f_split},
    {"startswith", 2, 2, 0, f_startswith},
    {"strrev", 1, 1, 0, f_strrev},
    {"substr", 3, 3, 0, f_substr},
    {"title", 1, 1, 0, f_title},
    {"trim", 2, 2, 0, f_trim},
    {"trimprefix", 2, 2, 0, f_trimprefix},
    {"trimspace", 1, 1, 0, f_trimspace},
    {"trimsuffix", 2, 2, 0, f_trimsuffix},
    {"upper", 1, 1, 0, f_upper},
    {"urlencode", 1, 1, 0, f_urlencode},
    {NULL, 0, 0, 0, NULL},
};
