/* util/error.c: the per-thread error message, bugs, and allocation that cannot fail. */
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[2048];

static int verror(int code, const char *fmt, va_list ap)
{
    /* Through a copy: the arguments may quote the last message itself, to add context to it. */
    char msg[sizeof(last_error)];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    memcpy(last_error, msg, sizeof(msg));
    return code;
}

int vpce_error_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(VPCE_ERROR, fmt, ap);
    va_end(ap);
    return rc;
}

int vpce_error_setc(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(code, fmt, ap);
    va_end(ap);
    return rc;
}

const char *vpce_error_last(void)
{
    return last_error;
}

void vpce_error_clear(void)
{
    last_error[0] = '\0';
}

void vpce_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "vpce: BUG at %s:%d: %s\n", file, line, msg);
    abort();
}

static void *check(void *p)
{
    if (!p) {
        fputs("vpce: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *vpce_malloc(size_t n)
{
    return check(malloc(n ? n : 1));
}

void *vpce_calloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1));
}

void *vpce_realloc(void *p, size_t n)
{
    return check(realloc(p, n ? n : 1));
}

char *vpce_strdup(const char *s)
{
    return check(strdup(s));
}

char *vpce_strndup(const char *s, size_t n)
{
    char *p = vpce_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* True when fmt has no conversion but plain %s (and %%). */
static bool only_strings(const char *fmt)
{
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
        if (p[1] != 's' && p[1] != '%')
            return false;
    return true;
}

/* fmt (only_strings) with its arguments joined by copying; NULL when an argument is NULL (left
   to vsnprintf, which prints it its own way). ap is not consumed. */
static char *join_strings(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    size_t n = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            n++;
            continue;
        }
        if (*++p == '%') {
            n++;
            continue;
        }
        const char *s = va_arg(ap2, const char *);
        if (!s) {
            va_end(ap2);
            return NULL;
        }
        n += strlen(s);
    }
    va_end(ap2);
    char *out = vpce_malloc(n + 1), *o = out;
    va_copy(ap2, ap);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
        } else if (*++p == '%') {
            *o++ = '%';
        } else {
            const char *s = va_arg(ap2, const char *);
            size_t len = strlen(s);
            memcpy(o, s, len);
            o += len;
        }
    }
    va_end(ap2);
    *o = '\0';
    return out;
}

char *vpce_vasprintf(const char *fmt, va_list ap)
{
    /* Most formats only join strings ("%s.%s": addresses, keys, paths): copied, as vsnprintf
       costs several hundred instructions even for those. */
    if (only_strings(fmt)) {
        char *joined = join_strings(fmt, ap);
        if (joined)
            return joined;
    }
    /* Most results are short: formatted once into a stack buffer, then copied. */
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        VPCE_BUG("bad format string");
    char *p = vpce_malloc((size_t)n + 1);
    if ((size_t)n < sizeof(small))
        memcpy(p, small, (size_t)n + 1);
    else
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *vpce_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vpce_vasprintf(fmt, ap);
    va_end(ap);
    return p;
}
