/* util/buf.c: size-capped growable buffers and whole-file reads. */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void vpce_buf_init(vpce_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
    b->overflow = false;
}

void vpce_buf_release(vpce_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

static int grow(vpce_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra) {
        b->overflow = true;
        return vpce_error_setc(VPCE_ETOOBIG, "data larger than the limit of %zu bytes", b->cap);
    }
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return 0;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n = n < ((size_t)-1) / 2 ? n * 2 : need;
    b->data = vpce_realloc(b->data, n);
    b->alloc = n;
    return 0;
}

int vpce_buf_append(vpce_buf *b, const void *data, size_t len)
{
    int rc = grow(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int vpce_buf_puts(vpce_buf *b, const char *s)
{
    return vpce_buf_append(b, s, strlen(s));
}

int vpce_buf_putc(vpce_buf *b, char c)
{
    return vpce_buf_append(b, &c, 1);
}

int vpce_buf_vprintf(vpce_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        VPCE_BUG("bad format string");
    int rc = grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int vpce_buf_printf(vpce_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vpce_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void vpce_buf_clear(vpce_buf *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->data)
        b->data[0] = '\0';
}

char *vpce_buf_detach(vpce_buf *b)
{
    char *p = b->data ? b->data : vpce_strdup("");
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}

const char *vpce_buf_cstr(const vpce_buf *b)
{
    return b->data ? b->data : "";
}

int vpce_read_file(char **out, size_t *out_len, const char *path, size_t cap)
{
    vpce_buf b = VPCE_BUF_INIT(cap);
    char chunk[65536];
    int fd = -1;
    int rc = vpce_open_regular(&fd, path, O_RDONLY);
    if (rc)
        return rc;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return vpce_error_set("cannot read \"%s\": %s", path, strerror(errno));
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0 && (rc = vpce_buf_append(&b, chunk, n)) != 0) {
            vpce_error_setc(rc, "\"%s\" is larger than the limit of %zu bytes", path, cap);
            goto cleanup;
        }
        if (n < sizeof(chunk)) {
            if (ferror(f)) {
                rc = vpce_error_set("cannot read \"%s\": %s", path, strerror(errno));
                goto cleanup;
            }
            break;
        }
    }
    if (out_len)
        *out_len = b.len;
    *out = vpce_buf_detach(&b);
cleanup:
    fclose(f);
    if (rc)
        vpce_buf_release(&b);
    return rc;
}
