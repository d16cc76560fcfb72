/* tests/unit/support/http.c: see http.h. */
#include "tests/unit/support/http.h"

#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

size_t vpce_test_http_read_head(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    return len;
}

void vpce_test_http_reply(int fd, int status, const char *content_type, const char *body)
{
    char *r = vpce_asprintf(
        "HTTP/1.1 %d X\r\n%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s", status,
        content_type ? "Content-Type: " : "", content_type ? content_type : "",
        content_type ? "\r\n" : "", strlen(body), body);
    ssize_t n = send(fd, r, strlen(r), MSG_NOSIGNAL);
    (void)n;
    free(r);
}
