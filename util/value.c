/* util/value.c: the "unknown" sentinel and value comparison shared by every module. */
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static json_t *unknown_value;
static pthread_once_t unknown_once = PTHREAD_ONCE_INIT;

static void unknown_init(void)
{
    unknown_value = json_object();
    json_object_set_new_nocheck(unknown_value, VPCE_UNKNOWN_KEY, json_true());
}

/* One shared object: plans hold hundreds of thousands of unknowns, and values are never
   changed in place (jansson's reference counts are atomic, so threads may share it too). */
json_t *vpce_unknown(void)
{
    pthread_once(&unknown_once, unknown_init);
    return json_incref(unknown_value);
}

json_t *vpce_unknown_from(const char *origin)
{
    if (!origin)
        return vpce_unknown();
    /* A plan makes one for every computed attribute of every new instance: jansson's checks of
       the constant key and of an ASCII origin (an address and an attribute name, nearly
       always) are skipped. */
    size_t len = strlen(origin);
    unsigned char high = 0;
    for (size_t i = 0; i < len; i++)
        high |= (unsigned char)origin[i];
    json_t *o = json_object();
    json_object_setn_new_nocheck(o, VPCE_UNKNOWN_KEY, sizeof(VPCE_UNKNOWN_KEY) - 1,
                                 high < 0x80 ? json_stringn_nocheck(origin, len)
                                             : json_string(origin));
    return o;
}

/* The member of a one-member object whose key is VPCE_UNKNOWN_KEY, or NULL. Read through the
   object's iterator, without a hash lookup: every value the plan walks is asked. */
static json_t *unknown_member(const json_t *v)
{
    if (!v || !json_is_object(v) || json_object_size(v) != 1)
        return NULL;
    void *it = json_object_iter((json_t *)v);
    return it && strcmp(json_object_iter_key(it), VPCE_UNKNOWN_KEY) == 0
               ? json_object_iter_value(it)
               : NULL;
}

const char *vpce_unknown_origin(const json_t *v)
{
    return json_string_value(unknown_member(v));
}

bool vpce_is_unknown(const json_t *v)
{
    if (v && v == unknown_value)
        return true;
    return unknown_member(v) != NULL;
}

bool vpce_contains_unknown(const json_t *v)
{
    if (!v)
        return false;
    if (vpce_is_unknown(v))
        return true;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (vpce_contains_unknown(x)) return true;
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) if (vpce_contains_unknown(x)) return true;
    }
    return false;
}

bool vpce_is_bignum(const json_t *v)
{
    return v && json_is_object(v) && json_object_size(v) == 1 &&
           json_is_string(json_object_get(v, VPCE_NUMBER_KEY));
}

const char *vpce_bignum_text(const json_t *v)
{
    return json_string_value(json_object_get(v, VPCE_NUMBER_KEY));
}

bool vpce_is_number(const json_t *v)
{
    return v && (json_is_integer(v) || json_is_real(v) || vpce_is_bignum(v));
}

double vpce_number(const json_t *v)
{
    if (json_is_integer(v))
        return (double)json_integer_value(v);
    if (json_is_real(v))
        return json_real_value(v);
    if (vpce_is_bignum(v))
        return strtod(vpce_bignum_text(v), NULL);
    return 0;
}

bool vpce_number_int64(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_real(v))
        return false; /* a big number never fits: it would be an integer */
    double d = json_real_value(v);
    if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
        return false;
    *out = (int64_t)d;
    return true;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

char *vpce_json_dumps(const json_t *v, size_t flags)
{
    static const char key[] = "\"\\u0001vpce:number\"";
    char *s = json_dumps(v, flags);
    if (!s || !strstr(s, key))
        return s;
    /*
     * A sentinel dumps as {"\u0001vpce:number": "DIGITS"} (spacing by flags). Inside a JSON
     * string a quote is escaped, so a match preceded by "{" is a sentinel's key.
     */
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    const char *p = s;
    for (const char *k; (k = strstr(p, key));) {
        const char *open = k;
        while (open > p && (open[-1] == ' ' || open[-1] == '\n' || open[-1] == '\t'))
            open--;
        const char *q = skip_ws(k + sizeof(key) - 1);
        const char *digits = NULL, *end = NULL, *close = NULL;
        if (open > p && open[-1] == '{' && *q == ':') {
            q = skip_ws(q + 1);
            if (*q == '"') {
                digits = q + 1;
                end = strchr(digits, '"');
                close = end ? skip_ws(end + 1) : NULL;
            }
        }
        if (!close || *close != '}') {
            vpce_buf_append(&b, p, (size_t)(k + sizeof(key) - 1 - p));
            p = k + sizeof(key) - 1;
            continue;
        }
        vpce_buf_append(&b, p, (size_t)(open - 1 - p));
        vpce_buf_append(&b, digits, (size_t)(end - digits));
        p = close + 1;
    }
    vpce_buf_puts(&b, p);
    free(s);
    return vpce_buf_detach(&b);
}

json_t *vpce_number_new(double x)
{
    if (isfinite(x) && x == floor(x) && fabs(x) < 9007199254740992.0)
        return json_integer((json_int_t)x);
    return json_real(x);
}

bool vpce_value_equal(const json_t *a, const json_t *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    if (vpce_is_unknown(a) || vpce_is_unknown(b))
        return vpce_is_unknown(a) && vpce_is_unknown(b);
    if (vpce_is_bignum(a) || vpce_is_bignum(b)) {
        /* numbers are canonical: a big number equals only the big number of the same digits */
        return vpce_is_bignum(a) && vpce_is_bignum(b) &&
               strcmp(vpce_bignum_text(a), vpce_bignum_text(b)) == 0;
    }
    if (vpce_is_number(a) && vpce_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return vpce_number(a) == vpce_number(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!vpce_value_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)a, k, x)
        {
            if (!vpce_value_equal(x, json_object_get(b, k)))
                return false;
        }
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

char *vpce_value_brief(const json_t *v)
{
    if (!v)
        return vpce_strdup("null");
    if (vpce_is_unknown(v))
        return vpce_strdup("(known after apply)");
    if (vpce_is_bignum(v)) {
        const char *t = vpce_bignum_text(v);
        return strlen(t) > 60 ? vpce_asprintf("%.57s...", t) : vpce_strdup(t);
    }
    switch (json_typeof(v)) {
    case JSON_ARRAY:
        return vpce_asprintf("tuple of %zu elements", json_array_size(v));
    case JSON_OBJECT:
        return vpce_asprintf("object with %zu attributes", json_object_size(v));
    default: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        if (!s)
            return vpce_strdup("(value)");
        if (strlen(s) > 60) {
            char *t = vpce_asprintf("%.57s...", s);
            free(s);
            return t;
        }
        char *t = vpce_strdup(s);
        free(s);
        return t;
    }
    }
}

size_t vpce_utf8_seq_len(const unsigned char *s, size_t avail)
{
    if (avail == 0)
        return 0;
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

json_t *vpce_json_string_lossy(const char *s, size_t len)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    /* Valid text (nearly always) is taken as it is, without copying it byte by byte. */
    while (i < len) {
        size_t n = p[i] < 0x80 ? 1 : vpce_utf8_seq_len(p + i, len - i);
        if (n == 0 || p[i] == 0)
            break;
        i += n;
    }
    if (i == len)
        return json_stringn_nocheck(s, len);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    i = 0;
    while (i < len) {
        size_t n = vpce_utf8_seq_len(p + i, len - i);
        if (n == 0) {
            vpce_buf_append(&b, replacement, 3);
            i++;
            continue;
        }
        vpce_buf_append(&b, s + i, n);
        i += n;
    }
    json_t *r = json_stringn(vpce_buf_cstr(&b), b.len);
    vpce_buf_release(&b);
    return r;
}

int vpce_json_cmp_strings(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

void vpce_json_array_sort(json_t *arr, int (*cmp)(const void *a, const void *b))
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    json_t **v = vpce_malloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof(*v), cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
}
