/*
 * lang/number.c: exact decimal numbers. A number is coefficient * 10^exponent with a GMP integer
 * coefficient of at most VPCE_NUMBER_DIGITS significant digits (rounded half to even beyond),
 * so sums, differences and products of decimal literals are exact (0.1 + 0.2 is 0.3) and
 * integers keep every digit up to that precision. Values are stored in the first JSON form that
 * holds them exactly: integer (int64), real (when the shortest decimal form of the double is the
 * number itself), else the big number sentinel of util/util.h.
 */
#include "lang/lang.h"

#include <ctype.h>
#include <gmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct dec {
    mpz_t c; /* coefficient */
    long e;  /* exponent of ten */
} dec;

static const char *const out_of_range = "number out of range";

static void dec_init(dec *d)
{
    mpz_init(d->c);
    d->e = 0;
}

static void dec_clear(dec *d)
{
    mpz_clear(d->c);
}

/* Exact number of decimal digits of |c| (0 has one). */
static size_t ndigits(const mpz_t c)
{
    size_t n = mpz_sizeinbase(c, 10);
    if (n > 1) {
        mpz_t t;
        mpz_init(t);
        mpz_ui_pow_ui(t, 10, n - 1);
        if (mpz_cmpabs(c, t) < 0)
            n--;
        mpz_clear(t);
    }
    return n;
}

/* c = round(c / 10^k), half to even. */
static void div_pow10_round(mpz_t c, size_t k)
{
    mpz_t t, q, r;
    mpz_inits(t, q, r, NULL);
    mpz_ui_pow_ui(t, 10, k);
    mpz_tdiv_qr(q, r, c, t);
    mpz_mul_2exp(r, r, 1);
    int cmp = mpz_cmpabs(r, t);
    if (cmp > 0 || (cmp == 0 && mpz_odd_p(q))) {
        if (mpz_sgn(c) < 0)
            mpz_sub_ui(q, q, 1);
        else
            mpz_add_ui(q, q, 1);
    }
    mpz_swap(c, q);
    mpz_clears(t, q, r, NULL);
}

/* Rounds to `digits` significant digits. */
static void dec_round(dec *d, size_t digits)
{
    size_t n = ndigits(d->c);
    if (n > digits) {
        div_pow10_round(d->c, n - digits);
        d->e += (long)(n - digits);
    }
}

/* Rounds to the precision, drops trailing zeros and checks the range: 0, or -1 out of range. */
static int dec_finish(dec *d)
{
    if (mpz_sgn(d->c) == 0) {
        d->e = 0;
        return 0;
    }
    dec_round(d, VPCE_NUMBER_DIGITS);
    while (mpz_divisible_ui_p(d->c, 10)) {
        mpz_divexact_ui(d->c, d->c, 10);
        d->e++;
    }
    long adjusted = d->e + (long)ndigits(d->c) - 1;
    if (adjusted >= VPCE_NUMBER_MAX_EXP || adjusted < -VPCE_NUMBER_MAX_EXP)
        return -1;
    return 0;
}

/*
 * Parses [+-]digits[.digits][(e|E)[+-]digits] (also ".5" and "5."): 0, -1 when the text is not
 * a number, -2 when it is out of range. Only the leading significant digits are kept, with a
 * sticky digit for the rest, so a literal of any length costs little.
 */
static int dec_parse(dec *d, const char *s)
{
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return -1;
    char keep[VPCE_NUMBER_DIGITS + 8];
    size_t nkeep = 0;
    long dropped = 0, frac = 0;
    bool sticky = false, point = false;
    for (;; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        if (point)
            frac++;
        if (nkeep == 0 && *p == '0')
            continue; /* leading zeros */
        if (nkeep < sizeof(keep) - 2) {
            keep[nkeep++] = *p;
        } else {
            dropped++;
            if (*p != '0')
                sticky = true;
        }
        if (dropped > 100000000L || frac > 100000000L)
            return -2;
    }
    long exp10 = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '-' || *p == '+')
            eneg = *p++ == '-';
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++)
            if (exp10 < 1000000000L)
                exp10 = exp10 * 10 + (*p - '0');
        if (eneg)
            exp10 = -exp10;
    }
    if (*p)
        return -1;
    if (sticky)
        keep[nkeep++] = '1';
    keep[nkeep] = 0;
    if (nkeep == 0) {
        mpz_set_ui(d->c, 0);
        d->e = 0;
        return 0;
    }
    mpz_set_str(d->c, keep, 10);
    if (neg)
        mpz_neg(d->c, d->c);
    d->e = exp10 + dropped - frac - (sticky ? 1 : 0);
    return dec_finish(d) < 0 ? -2 : 0;
}

/* The canonical text: sign, digits, a point only when needed, never an exponent. */
static char *dec_text(const dec *d)
{
    char *digits = mpz_get_str(NULL, 10, d->c);
    const char *dg = digits[0] == '-' ? digits + 1 : digits;
    size_t nd = strlen(dg);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    if (digits[0] == '-')
        vpce_buf_putc(&b, '-');
    if (d->e >= 0) {
        vpce_buf_puts(&b, dg);
        if (mpz_sgn(d->c) != 0)
            for (long i = 0; i < d->e; i++)
                vpce_buf_putc(&b, '0');
    } else {
        long point = (long)nd + d->e; /* digits before the point */
        if (point > 0) {
            vpce_buf_append(&b, dg, (size_t)point);
            vpce_buf_putc(&b, '.');
            vpce_buf_puts(&b, dg + point);
        } else {
            vpce_buf_puts(&b, "0.");
            for (long i = 0; i < -point; i++)
                vpce_buf_putc(&b, '0');
            vpce_buf_puts(&b, dg);
        }
    }
    void (*freefn)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefn);
    freefn(digits, strlen(digits) + 1);
    return vpce_buf_detach(&b);
}

/* The value of a finished dec, in the first form that holds it exactly. New reference. */
static json_t *dec_value(const dec *d)
{
    if (d->e >= 0 && ndigits(d->c) + (size_t)d->e <= 19) {
        mpz_t t;
        mpz_init(t);
        mpz_ui_pow_ui(t, 10, (unsigned long)d->e);
        mpz_mul(t, t, d->c);
        bool fits = mpz_fits_slong_p(t);
        long v = fits ? mpz_get_si(t) : 0;
        mpz_clear(t);
        if (fits)
            return json_integer((json_int_t)v);
    }
    char *s = dec_text(d);
    double x = strtod(s, NULL);
    json_t *r = NULL;
    if (isfinite(x)) {
        char *shortest = vpce_number_format(x);
        if (strcmp(shortest, s) == 0)
            r = json_real(x);
        free(shortest);
    }
    if (!r) {
        r = json_object();
        json_object_set_new(r, VPCE_NUMBER_KEY, json_string(s));
    }
    free(s);
    return r;
}

/* v (a number, or a string holding one) as a dec: 0, or -1 not a number, -2 out of range. */
static int dec_from(dec *d, const json_t *v)
{
    if (json_is_integer(v)) {
        mpz_set_si(d->c, (long)json_integer_value(v));
        d->e = 0;
        return dec_finish(d) < 0 ? -2 : 0;
    }
    if (json_is_real(v)) {
        if (!isfinite(json_real_value(v)))
            return -2;
        char *s = vpce_number_format(json_real_value(v));
        int rc = dec_parse(d, s);
        free(s);
        return rc;
    }
    if (vpce_is_bignum(v))
        return dec_parse(d, vpce_bignum_text(v));
    if (json_is_string(v))
        return dec_parse(d, json_string_value(v));
    return -1;
}

json_t *vpce_number_from_text(const char *s, const char **why)
{
    dec d;
    dec_init(&d);
    int rc = dec_parse(&d, s);
    json_t *r = rc == 0 ? dec_value(&d) : NULL;
    if (rc == -1)
        *why = "a number is required";
    else if (rc == -2)
        *why = out_of_range;
    dec_clear(&d);
    return r;
}

json_t *vpce_number_canonical(const json_t *v, const char **why)
{
    if (json_is_integer(v))
        return json_incref((json_t *)v);
    dec d;
    dec_init(&d);
    int rc = dec_from(&d, v);
    json_t *r = rc == 0 ? dec_value(&d) : NULL;
    if (rc < 0)
        *why = rc == -2 ? out_of_range : "a number is required";
    dec_clear(&d);
    return r;
}

bool vpce_number_is_numeric(const json_t *v)
{
    if (vpce_is_number(v))
        return true;
    if (!json_is_string(v))
        return false;
    dec d;
    dec_init(&d);
    int rc = dec_parse(&d, json_string_value(v));
    dec_clear(&d);
    return rc != -1;
}

char *vpce_number_text(const json_t *v)
{
    if (json_is_integer(v))
        return vpce_asprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return vpce_number_format(json_real_value(v));
    if (vpce_is_bignum(v))
        return vpce_strdup(vpce_bignum_text(v));
    return NULL;
}

/* Aligns a and b to the smaller exponent. */
static void align(dec *a, dec *b)
{
    dec *hi = a->e > b->e ? a : b, *lo = hi == a ? b : a;
    if (hi->e == lo->e)
        return;
    mpz_t t;
    mpz_init(t);
    mpz_ui_pow_ui(t, 10, (unsigned long)(hi->e - lo->e));
    mpz_mul(hi->c, hi->c, t);
    hi->e = lo->e;
    mpz_clear(t);
}

static void dec_div(dec *q, dec *a, dec *b)
{
    long k = VPCE_NUMBER_DIGITS + 3 + (long)ndigits(b->c) - (long)ndigits(a->c);
    if (k < 0)
        k = 0;
    mpz_t num, r;
    mpz_inits(num, r, NULL);
    mpz_ui_pow_ui(num, 10, (unsigned long)k);
    mpz_mul(num, num, a->c);
    mpz_tdiv_qr(q->c, r, num, b->c);
    q->e = a->e - b->e - k;
    if (mpz_sgn(r) != 0) {
        /* a sticky digit, so that rounding sees the quotient is not exact */
        bool neg = (mpz_sgn(a->c) < 0) != (mpz_sgn(b->c) < 0);
        mpz_mul_ui(q->c, q->c, 10);
        if (neg)
            mpz_sub_ui(q->c, q->c, 1);
        else
            mpz_add_ui(q->c, q->c, 1);
        q->e--;
    }
    mpz_clears(num, r, NULL);
}

json_t *vpce_number_arith(vpce_op op, const json_t *x, const json_t *y, const char **why)
{
    dec a, b, r;
    dec_init(&a);
    dec_init(&b);
    dec_init(&r);
    json_t *out = NULL;
    int ra = dec_from(&a, x), rb = ra == 0 ? dec_from(&b, y) : 0;
    if (ra < 0 || rb < 0) {
        *why = ra == -2 || rb == -2 ? out_of_range : "a number is required";
        goto cleanup;
    }
    switch (op) {
    case VPCE_OP_ADD:
    case VPCE_OP_SUB:
        align(&a, &b);
        if (op == VPCE_OP_ADD)
            mpz_add(r.c, a.c, b.c);
        else
            mpz_sub(r.c, a.c, b.c);
        r.e = a.e;
        break;
    case VPCE_OP_MUL:
        mpz_mul(r.c, a.c, b.c);
        r.e = a.e + b.e;
        break;
    case VPCE_OP_DIV:
        if (mpz_sgn(b.c) == 0) {
            *why = "division by zero";
            goto cleanup;
        }
        dec_div(&r, &a, &b);
        break;
    case VPCE_OP_MOD:
        if (mpz_sgn(b.c) == 0) {
            *why = "modulo by zero";
            goto cleanup;
        }
        /* the remainder of truncated division: its sign is the dividend's, as in Terraform */
        align(&a, &b);
        mpz_tdiv_r(r.c, a.c, b.c);
        r.e = a.e;
        break;
    default:
        VPCE_BUG("not an arithmetic operator");
    }
    if (dec_finish(&r) < 0) {
        *why = out_of_range;
        goto cleanup;
    }
    out = dec_value(&r);
cleanup:
    dec_clear(&a);
    dec_clear(&b);
    dec_clear(&r);
    return out;
}

int vpce_number_cmp(const json_t *x, const json_t *y)
{
    if (json_is_integer(x) && json_is_integer(y)) {
        json_int_t a = json_integer_value(x), b = json_integer_value(y);
        return a < b ? -1 : a > b;
    }
    dec a, b;
    dec_init(&a);
    dec_init(&b);
    int c = 0;
    if (dec_from(&a, x) == 0 && dec_from(&b, y) == 0) {
        align(&a, &b);
        c = mpz_cmp(a.c, b.c);
        c = c < 0 ? -1 : c > 0;
    } else {
        double p = vpce_number(x), q = vpce_number(y);
        c = p < q ? -1 : p > q;
    }
    dec_clear(&a);
    dec_clear(&b);
    return c;
}

json_t *vpce_number_unary(char fn, const json_t *x, const char **why)
{
    dec a;
    dec_init(&a);
    json_t *out = NULL;
    int rc = dec_from(&a, x);
    if (rc < 0) {
        *why = rc == -2 ? out_of_range : "a number is required";
        goto cleanup;
    }
    if (fn == '-') {
        mpz_neg(a.c, a.c);
    } else if (fn == 'a') {
        mpz_abs(a.c, a.c);
    } else if (fn == 's') {
        int s = mpz_sgn(a.c);
        mpz_set_si(a.c, s);
        a.e = 0;
    } else if ((fn == 'f' || fn == 'c') && a.e < 0) {
        mpz_t t;
        mpz_init(t);
        mpz_ui_pow_ui(t, 10, (unsigned long)-a.e);
        if (fn == 'f')
            mpz_fdiv_q(a.c, a.c, t);
        else
            mpz_cdiv_q(a.c, a.c, t);
        a.e = 0;
        mpz_clear(t);
    }
    if (dec_finish(&a) < 0) {
        *why = out_of_range;
        goto cleanup;
    }
    out = dec_value(&a);
cleanup:
    dec_clear(&a);
    return out;
}

json_t *vpce_number_pow(const json_t *x, const json_t *y, const char **why)
{
    int64_t n;
    json_t *yc = vpce_number_canonical(y, why);
    if (!yc)
        return NULL;
    bool whole = vpce_number_int64(yc, &n) && n > -100000 && n < 100000;
    json_decref(yc);
    if (!whole) {
        /* Terraform computes pow in binary floating point; so does vpce for such exponents */
        double r = pow(vpce_number(x), vpce_number(y));
        if (!isfinite(r)) {
            *why = isnan(r) ? "the result is not a number" : out_of_range;
            return NULL;
        }
        json_t *t = json_real(r);
        json_t *out = vpce_number_canonical(t, why);
        json_decref(t);
        return out;
    }
    dec base, acc;
    dec_init(&base);
    dec_init(&acc);
    json_t *out = NULL;
    int rc = dec_from(&base, x);
    if (rc < 0) {
        *why = rc == -2 ? out_of_range : "a number is required";
        goto cleanup;
    }
    mpz_set_ui(acc.c, 1);
    acc.e = 0;
    uint64_t k = n < 0 ? (uint64_t)-n : (uint64_t)n;
    /* square and multiply, rounded to a few guard digits beyond the precision at each step */
    while (k) {
        if (k & 1) {
            mpz_mul(acc.c, acc.c, base.c);
            acc.e += base.e;
            dec_round(&acc, VPCE_NUMBER_DIGITS + 10);
        }
        k >>= 1;
        if (k) {
            mpz_mul(base.c, base.c, base.c);
            base.e *= 2;
            dec_round(&base, VPCE_NUMBER_DIGITS + 10);
        }
        long adj = acc.e + (long)ndigits(acc.c), badj = base.e + (long)ndigits(base.c);
        if (labs(adj) > 4L * VPCE_NUMBER_MAX_EXP || labs(badj) > 4L * VPCE_NUMBER_MAX_EXP) {
            if (mpz_sgn(base.c) != 0) {
                *why = out_of_range;
                goto cleanup;
            }
        }
    }
    if (n < 0) {
        if (mpz_sgn(acc.c) == 0) {
            *why = "division by zero";
            goto cleanup;
        }
        dec one, q;
        dec_init(&one);
        dec_init(&q);
        mpz_set_ui(one.c, 1);
        dec_div(&q, &one, &acc);
        mpz_swap(acc.c, q.c);
        acc.e = q.e;
        dec_clear(&one);
        dec_clear(&q);
    }
    if (dec_finish(&acc) < 0) {
        *why = out_of_range;
        goto cleanup;
    }
    out = dec_value(&acc);
cleanup:
    dec_clear(&base);
    dec_clear(&acc);
    return out;
}

json_t *vpce_number_parse_int(const char *s, int base, const char **why)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!*p) {
        *why = "not a number";
        return NULL;
    }
    for (const char *q = p; *q; q++) {
        int v = isdigit((unsigned char)*q)   ? *q - '0'
                : isalpha((unsigned char)*q) ? tolower((unsigned char)*q) - 'a' + 10
                                             : 99;
        if (v >= base) {
            *why = "not a number";
            return NULL;
        }
    }
    dec d;
    dec_init(&d);
    mpz_set_str(d.c, p, base);
    if (s[0] == '-')
        mpz_neg(d.c, d.c);
    json_t *r = NULL;
    if (dec_finish(&d) < 0)
        *why = out_of_range;
    else
        r = dec_value(&d);
    dec_clear(&d);
    return r;
}

int vpce_number_count(const json_t *v, int64_t max, int64_t *out)
{
    int64_t n;
    if (vpce_number_int64(v, &n)) {
        if (n < 0)
            return -1;
        if (n > max)
            return -2;
        *out = n;
        return 0;
    }
    if (!vpce_is_number(v))
        return -1;
    /* a real that is not whole, or a big number: whole when its exact digits have no point */
    char *text = vpce_number_text(v);
    bool whole = text && !strchr(text, '.');
    bool neg = text && text[0] == '-';
    free(text);
    return whole && !neg ? -2 : -1;
}
