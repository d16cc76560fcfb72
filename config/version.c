/*
 * config/version.c: version constraints as Terraform writes them in required_version and
 * required_providers (the syntax and matching rules of HashiCorp's go-version): versions with
 * any number of dotted numeric segments (fewer than three are padded with zeros), an optional
 * leading "v", a pre-release after "-" and build metadata after "+" (ignored when comparing);
 * constraints as comma-separated terms "OP VERSION", every one of which must hold.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 16

typedef struct version {
    int64_t seg[MAX_SEGMENTS]; /* at least three, padded with zeros */
    size_t nseg;               /* segments stored (>= 3) */
    size_t given;              /* segments written */
    char pre[128];             /* pre-release without its "-", "" when none */
} version;

typedef enum { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_PESSIMISTIC } op;

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '~';
}

/* Dot-separated non-empty parts of [0-9A-Za-z-~]; returns the length consumed, 0 if none. */
static size_t dotted_idents(const char *s)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (ident_char(s[i]))
            i++;
        if (i == start)
            return start == 0 ? 0 : start - 1; /* an empty part: stop before its dot */
        if (s[i] != '.' || !ident_char(s[i + 1]))
            return i;
        i++;
    }
}

/* Parses s[0..len) as a whole version; false if it is not one. */
static bool parse_version(const char *s, size_t len, version *out)
{
    char buf[256];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    const char *p = buf;
    if (*p == 'v')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    for (;;) {
        if (out->given == MAX_SEGMENTS)
            return false;
        char *end;
        errno = 0;
        long long n = strtoll(p, &end, 10);
        if (end == p || errno == ERANGE || n < 0)
            return false;
        out->seg[out->given++] = n;
        p = end;
        if (p[0] == '.' && isdigit((unsigned char)p[1]))
            p++;
        else
            break;
    }
    out->nseg = out->given < 3 ? 3 : out->given;
    /* A pre-release: "-" then identifiers starting with a digit, or (with or without the "-")
       identifiers starting with a letter, "-" or "~". */
    const char *pre = NULL;
    if (p[0] == '-' && ident_char(p[1]))
        pre = p + 1;
    else if (isalpha((unsigned char)p[0]) || p[0] == '~')
        pre = p;
    if (pre) {
        size_t n = dotted_idents(pre);
        if (n == 0 || n >= sizeof(out->pre))
            return false;
        memcpy(out->pre, pre, n);
        out->pre[n] = '\0';
        p = pre + n;
    }
    if (p[0] == '+') {
        size_t n = dotted_idents(p + 1);
        if (n == 0)
            return false;
        p += 1 + n;
    }
    return *p == '\0';
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* One pre-release identifier against another ("" = absent): numbers compare numerically and
   sort before words; an absent identifier sorts before a word and after a number. */
static int cmp_pre_part(const char *a, size_t na, const char *b, size_t nb)
{
    if (na == nb && memcmp(a, b, na) == 0)
        return 0;
    bool an = all_digits(a, na), bn = all_digits(b, nb);
    if (na == 0)
        return bn ? -1 : 1;
    if (nb == 0)
        return an ? 1 : -1;
    if (an && !bn)
        return -1;
    if (!an && bn)
        return 1;
    if (an && bn) {
        /* Without leading zeros a longer number is larger; compare as text otherwise. */
        while (na > 1 && *a == '0')
            a++, na--;
        while (nb > 1 && *b == '0')
            b++, nb--;
        if (na != nb)
            return na < nb ? -1 : 1;
        return memcmp(a, b, na) < 0 ? -1 : 1;
    }
    size_t n = na < nb ? na : nb;
    int c = memcmp(a, b, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return na < nb ? -1 : 1;
}

static int cmp_pre(const char *a, const char *b)
{
    for (;;) {
        size_t na = strcspn(a, "."), nb = strcspn(b, ".");
        int c = cmp_pre_part(a, na, b, nb);
        if (c != 0)
            return c;
        a += na;
        b += nb;
        if (!*a && !*b)
            return 0;
        if (*a)
            a++;
        if (*b)
            b++;
    }
}

static int cmp_version(const version *a, const version *b)
{
    size_t n = a->nseg > b->nseg ? a->nseg : b->nseg;
    for (size_t i = 0; i < n; i++) {
        int c = cmp_i64(i < a->nseg ? a->seg[i] : 0, i < b->nseg ? b->seg[i] : 0);
        if (c != 0)
            return c;
    }
    if (!a->pre[0] && !b->pre[0])
        return 0;
    if (!a->pre[0])
        return 1;
    if (!b->pre[0])
        return -1;
    return cmp_pre(a->pre, b->pre);
}

/* A pre-release version matches an inexact constraint only when the constraint names a
   pre-release of the same segments; a constraint's pre-release does not stop a release. */
static bool prerelease_ok(const version *v, const version *c)
{
    if (c->pre[0] && v->pre[0]) {
        if (v->nseg != c->nseg)
            return false;
        for (size_t i = 0; i < v->nseg; i++)
            if (v->seg[i] != c->seg[i])
                return false;
        return true;
    }
    return !v->pre[0];
}

static bool term_holds(const version *v, op o, const version *c)
{
    int cmp = cmp_version(v, c);
    switch (o) {
    case OP_EQ:
        return cmp == 0;
    case OP_NE:
        return cmp != 0;
    case OP_GT:
        return prerelease_ok(v, c) && cmp > 0;
    case OP_LT:
        return prerelease_ok(v, c) && cmp < 0;
    case OP_GE:
        return prerelease_ok(v, c) && cmp >= 0;
    case OP_LE:
        return prerelease_ok(v, c) && cmp <= 0;
    case OP_PESSIMISTIC:
        /* ~> X.Y.Z: at least X.Y.Z, and only the last written segment may grow. */
        if (!prerelease_ok(v, c) || (c->pre[0] && !v->pre[0]) || cmp < 0)
            return false;
        for (size_t i = 0; i + 1 < c->given; i++)
            if (v->seg[i] != c->seg[i])
                return false;
        return true;
    }
    return false;
}

/* Parses one term "OP VERSION" (spaces allowed around both). */
static bool parse_term(const char *s, size_t len, op *o, version *v)
{
    static const struct {
        const char *text;
        op o;
    } ops[] = {{"~>", OP_PESSIMISTIC}, {">=", OP_GE}, {"<=", OP_LE}, {"!=", OP_NE},
               {">", OP_GT},           {"<", OP_LT},  {"=", OP_EQ}};
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    *o = OP_EQ;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = strlen(ops[i].text);
        if (len >= n && memcmp(s, ops[i].text, n) == 0) {
            *o = ops[i].o;
            s += n;
            len -= n;
            break;
        }
    }
    while (len && isspace((unsigned char)*s))
        s++, len--;
    return parse_version(s, len, v);
}

int vpce_version_check(const char *constraint, const char *version_text, bool *prerelease)
{
    version v, c;
    op o;
    bool ok = true;
    if (prerelease)
        *prerelease = false;
    if (!parse_version(version_text, strlen(version_text), &v))
        return VPCE_EINVALID;
    const char *p = constraint;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (!parse_term(p, n, &o, &c))
            return VPCE_EINVALID;
        if (c.pre[0] && prerelease)
            *prerelease = true;
        ok = ok && term_holds(&v, o, &c);
        if (!p[n])
            break;
        p += n + 1;
    }
    return ok ? 1 : 0;
}

char *vpce_version_core(const char *version_text)
{
    version v;
    if (!parse_version(version_text, strlen(version_text), &v))
        return NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < v.given; i++)
        vpce_buf_printf(&b, "%s%lld", i ? "." : "", (long long)v.seg[i]);
    return vpce_buf_detach(&b);
}
