/*
 * lang/funcs_time.c: built-in functions on time: timestamp, plantimestamp, formatdate, timeadd
 * and timecmp. Timestamps are RFC 3339 strings ("2024-01-02T15:04:05Z",
 * "2024-01-02T15:04:05.5+01:00"); results keep the offset of the timestamp given.
 */
#include "lang/funcs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ts {
    int64_t secs;    /* since the epoch, UTC */
    int64_t nanos;   /* 0..999999999 */
    int offset_mins; /* of the written zone; 0 for Z */
    bool zulu;       /* written as Z */
} ts;

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Parses an RFC 3339 timestamp, as Terraform requires for every time function. */
static bool parse_ts(const char *s, ts *out)
{
    int y, mo, d, h, mi, se;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
        mi > 59 || se > 59)
        return false;
    const char *p = s + 19;
    int64_t nanos = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 9)
                nanos = nanos * 10 + (*p - '0');
        if (n == 0)
            return false;
        for (; n < 9; n++)
            nanos *= 10;
    }
    int off = 0;
    bool zulu = false;
    if (*p == 'Z' || *p == 'z') {
        zulu = true;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    out->secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off * 60;
    out->nanos = nanos;
    out->offset_mins = off;
    out->zulu = zulu;
    return true;
}

/* The wall-clock fields of t in its own offset. */
typedef struct fields {
    int64_t year;
    int month, day, hour, min, sec, wday;
} fields;

static fields to_fields(const ts *t)
{
    int64_t local = t->secs + (int64_t)t->offset_mins * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t rem = local - days * 86400;
    fields f;
    civil_from_days(days, &f.year, &f.month, &f.day);
    f.hour = (int)(rem / 3600);
    f.min = (int)(rem % 3600 / 60);
    f.sec = (int)(rem % 60);
    f.wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    return f;
}

static void put_offset(vpce_buf *b, const ts *t, bool colon)
{
    int o = t->offset_mins < 0 ? -t->offset_mins : t->offset_mins;
    vpce_buf_printf(b, "%c%02d%s%02d", t->offset_mins < 0 ? '-' : '+', o / 60, colon ? ":" : "",
                    o % 60);
}

/* RFC 3339 as Go's time.RFC3339 writes it (no fractional seconds). */
static json_t *format_rfc3339(const ts *t)
{
    fields f = to_fields(t);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_printf(&b, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)f.year, f.month, f.day,
                    f.hour, f.min, f.sec);
    if (t->zulu || t->offset_mins == 0)
        vpce_buf_putc(&b, 'Z');
    else
        put_offset(&b, t, true);
    json_t *r = json_string(vpce_buf_cstr(&b));
    vpce_buf_release(&b);
    return r;
}

static bool arg_ts(fcall *c, size_t i, ts *out)
{
    const char *s = fn_str(c, i);
    if (!s)
        return false;
    if (!parse_ts(s, out)) {
        fn_fail(c, "not a valid RFC3339 timestamp: \"%s\"", s);
        return false;
    }
    return true;
}

static ts now_ts(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    ts t = {now.tv_sec, now.tv_nsec, 0, true};
    return t;
}

/* The current time: a new value at every call, so a resource argument that uses it changes at
 * every run, as in Terraform. */
static json_t *f_timestamp(fcall *c)
{
    (void)c;
    ts t = now_ts();
    return format_rfc3339(&t);
}

/* The time this run started planning: the same value for every call in one run. */
static ts plan_time;
static pthread_once_t plan_time_once = PTHREAD_ONCE_INIT;
static void plan_time_init(void)
{
    plan_time = now_ts();
}

static json_t *f_plantimestamp(fcall *c)
{
    (void)c;
    pthread_once(&plan_time_once, plan_time_init);
    return format_rfc3339(&plan_time);
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

static size_t run_of(const char *s, char ch)
{
    size_t n = 0;
    while (s[n] == ch)
        n++;
    return n;
}

/* formatdate(spec, timestamp), with Terraform's specification characters. */
static json_t *f_formatdate(fcall *c)
{
    const char *spec = fn_str(c, 0);
    ts t;
    if (!spec || !arg_ts(c, 1, &t))
        return NULL;
    fields f = to_fields(&t);
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    json_t *r = NULL;
    for (const char *p = spec; *p;) {
        size_t n = run_of(p, *p);
        int h12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
        switch (*p) {
        case 'Y':
            if (n == 4)
                vpce_buf_printf(&b, "%04lld", (long long)f.year);
            else if (n == 2)
                vpce_buf_printf(&b, "%02lld", (long long)(f.year % 100));
            else
                goto bad;
            break;
        case 'M':
            if (n == 1 || n == 2)
                vpce_buf_printf(&b, n == 1 ? "%d" : "%02d", f.month);
            else if (n == 3 || n == 4)
                vpce_buf_printf(&b, "%.*s", n == 3 ? 3 : 20, month_names[f.month - 1]);
            else
                goto bad;
            break;
        case 'D':
            if (n > 2)
                goto bad;
            vpce_buf_printf(&b, n == 1 ? "%d" : "%02d", f.day);
            break;
        case 'E':
            if (n != 3 && n != 4)
                goto bad;
            vpce_buf_printf(&b, "%.*s", n == 3 ? 3 : 20, day_names[f.wday]);
            break;
        case 'h':
            if (n > 2)
                goto bad;
            vpce_buf_printf(&b, n == 1 ? "%d" : "%02d", f.hour);
            break;
        case 'H':
            if (n > 2)
                goto bad;
            vpce_buf_printf(&b, n == 1 ? "%d" : "%02d", h12);
            break;
        case 'A':
        case 'a':
            if (n != 2)
                goto bad;
            vpce_buf_puts(&b, f.hour < 12 ? (*p == 'A' ? "AM" : "am") : (*p == 'A' ? "PM" : "pm"));
            break;
        case 'm':
            if (n > 2)
                goto bad;
            vpce_buf_printf(&b, n == 1 ? "%d" : "%02d", f.min);
            break;
        case 's':
            if (n > 2)
                goto bad;
            vpce_buf_printf(&b, n == 1 ? "%d" : "%02d", f.sec);
            break;
        case 'Z':
            if (n == 1) {
                if (t.offset_mins == 0)
                    vpce_buf_putc(&b, 'Z');
                else
                    put_offset(&b, &t, true);
            } else if (n == 3) {
                if (t.offset_mins == 0)
                    vpce_buf_puts(&b, "UTC");
                else
                    put_offset(&b, &t, false);
            } else if (n == 4 || n == 5) {
                put_offset(&b, &t, n == 5);
            } else {
                goto bad;
            }
            break;
        case '\'': {
            /* A quoted literal; '' is one quote. */
            const char *q = p + 1;
            if (*q == '\'') {
                vpce_buf_putc(&b, '\'');
                p += 2;
                continue;
            }
            for (;;) {
                if (!*q) {
                    fn_fail(c, "unterminated literal '");
                    goto cleanup;
                }
                if (*q == '\'' && q[1] == '\'') {
                    vpce_buf_putc(&b, '\'');
                    q += 2;
                    continue;
                }
                if (*q == '\'')
                    break;
                vpce_buf_putc(&b, *q++);
            }
            p = q + 1;
            continue;
        }
        default:
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                goto bad;
            vpce_buf_append(&b, p, n);
            break;
        }
        p += n;
        continue;
    bad:
        fn_fail(c, "invalid date format verb \"%.*s\": letters must be quoted to appear literally",
                (int)n, p);
        goto cleanup;
    }
    r = json_string(vpce_buf_cstr(&b));
cleanup:
    vpce_buf_release(&b);
    return r;
}

/* Parses a Go duration ("1h30m", "-10s", "1.5h", "300ms", "2us", "10ns") into nanoseconds. */
static bool parse_duration(const char *s, int64_t *out)
{
    static const struct {
        const char *unit;
        double nanos;
    } units[] = {{"ns", 1},  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
                 {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return true;
    }
    if (!*s)
        return false;
    double total = 0;
    while (*s) {
        char *end;
        if (!((*s >= '0' && *s <= '9') || *s == '.'))
            return false;
        double v = strtod(s, &end);
        if (end == s)
            return false;
        s = end;
        size_t best = 0, bi = 0;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(s, units[i].unit, l) == 0 && l > best)
                best = l, bi = i;
        }
        if (!best)
            return false;
        total += v * units[bi].nanos;
        s += best;
    }
    if (total > 9.2e18)
        return false;
    *out = (int64_t)(neg ? -total : total);
    return true;
}

static json_t *f_timeadd(fcall *c)
{
    ts t;
    const char *d = fn_str(c, 1);
    int64_t nanos;
    if (!arg_ts(c, 0, &t) || !d)
        return NULL;
    if (!parse_duration(d, &nanos))
        return fn_fail(c, "invalid duration \"%s\"", d);
    int64_t total = t.nanos + nanos % 1000000000;
    t.secs += nanos / 1000000000 + (total >= 1000000000 ? 1 : total < 0 ? -1 : 0);
    t.nanos = (total % 1000000000 + 1000000000) % 1000000000;
    return format_rfc3339(&t);
}

static json_t *f_timecmp(fcall *c)
{
    ts a, b;
    if (!arg_ts(c, 0, &a) || !arg_ts(c, 1, &b))
        return NULL;
    int r = a.secs != b.secs ? (a.secs < b.secs ? -1 : 1)
                             : (a.nanos != b.nanos ? (a.nanos < b.nanos ? -1 : 1) : 0);
    return json_integer(r);
}

const fdef vpce_fn_time[] = {
    {"formatdate", 2, 2, 0, f_formatdate}, {"plantimestamp", 0, 0, 0, f_plantimestamp},
    {"timeadd", 2, 2, 0, f_timeadd},       {"timecmp", 2, 2, 0, f_timecmp},
    {"timestamp", 0, 0, 0, f_timestamp},   {NULL, 0, 0, 0, NULL},
};
