/*
 * The HTTP path against a tiny raw socket server that sends broken or hostile answers: an HTML
 * error page, entity expansion, a connection closed mid-body, no answer, an oversized body, a
 * server that never answers. Each gives a clear error naming the action and never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "providers/aws/client.h"

typedef struct server {
    int fd;
    int port;
    pthread_t thread;
    const char *answer; /* raw bytes sent after reading the request; NULL: close at once */
    size_t answer_len;
    int hang_ms; /* wait this long before answering */
    int requests;
    volatile int stop;
    pthread_mutex_t lock;
} server;

static server srv;

/* Reads the request head and its Content-Length body. */
static void read_request(int c)
{
    char buf[65536];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {c, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0)
            return;
        ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        char *cl = strcasestr(buf, "content-length:");
        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if (len - (size_t)(end + 4 - buf) >= want)
            return;
    }
}

static void *serve(void *arg)
{
    (void)arg;
    while (!srv.stop) {
        struct pollfd p = {srv.fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        read_request(c);
        pthread_mutex_lock(&srv.lock);
        srv.requests++;
        const char *ans = srv.answer;
        size_t alen = srv.answer_len;
        int hang = srv.hang_ms;
        pthread_mutex_unlock(&srv.lock);
        if (hang)
            vpce_sleep_ms(hang);
        if (ans) {
            size_t off = 0;
            while (off < alen) {
                ssize_t n = send(c, ans + off, alen - off, MSG_NOSIGNAL);
                if (n <= 0)
                    break;
                off += (size_t)n;
            }
        }
        shutdown(c, SHUT_RDWR);
        close(c);
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.lock, NULL);
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(srv.fd, 16) != 0)
        return -1;
    socklen_t alen = sizeof(a);
    getsockname(srv.fd, (struct sockaddr *)&a, &alen);
    srv.port = ntohs(a.sin_port);
    pthread_create(&srv.thread, NULL, serve, NULL);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    unsetenv("AWS_ENDPOINT_URL_EC2");
    setenv("AWS_ACCESS_KEY_ID", "AKIDHOSTILE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "hostile-secret-never-shown", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    srv.stop = 1;
    pthread_join(srv.thread, NULL);
    close(srv.fd);
    return 0;
}

static void set_answer(const char *ans, size_t len, int hang_ms)
{
    pthread_mutex_lock(&srv.lock);
    srv.answer = ans;
    srv.answer_len = len;
    srv.hang_ms = hang_ms;
    srv.requests = 0;
    pthread_mutex_unlock(&srv.lock);
}

/* Calls DescribeVpcs with the given answer; returns the code; *requests gets the server's count. */
static int call_with(const char *ans, size_t len, int hang_ms, int attempts, size_t max_bytes,
                     int *requests)
{
    set_answer(ans, len, hang_ms);
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_retries = attempts;
    cfg.max_response_bytes = max_bytes;
    cfg.timeout_ms = 400;
    cfg.connect_timeout_ms = 400;
    cfg.no_pacing = true;
    vpce_aws_client *c = NULL;
    assert_int_equal(vpce_aws_client_new(&c, &cfg), 0);
    json_t *r = NULL;
    int rc = vpce_aws_call(c, "DescribeVpcs", NULL, &r);
    assert_null(r);
    vpce_aws_client_free(c);
    pthread_mutex_lock(&srv.lock);
    *requests = srv.requests;
    pthread_mutex_unlock(&srv.lock);
    const char *msg = vpce_error_last();
    assert_non_null(strstr(msg, "DescribeVpcs"));
    assert_null(strstr(msg, "hostile-secret-never-shown"));
    print_message("    -> %d: %s\n", rc, msg);
    return rc;
}

static char *http(const char *status, const char *body)
{
    return vpce_asprintf("HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n%s",
                         status, strlen(body), body);
}

static void test_hostile_html_502(void **state)
{
    (void)state;
    char *a = http("502 Bad Gateway", "<html><head><title>502</title></head><body><hr>nginx"
                                      "</body></html>");
    int n = 0;
    int rc = call_with(a, strlen(a), 0, 2, 0, &n);
    assert_int_equal(rc, VPCE_ERETRY); /* 5xx is retried, then given up */
    assert_int_equal(n, 2);
    assert_non_null(strstr(vpce_error_last(), "unexpected response from EC2 (HTTP 502) to "
                                              "DescribeVpcs: not XML"));
    assert_string_equal(vpce_aws_last_error_code(), "");
    free(a);
}

static void test_hostile_entities(void **state)
{
    (void)state;
    char *a = http("200 OK", "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaa\">"
                             "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                             "<DescribeVpcsResponse>&b;</DescribeVpcsResponse>");
    int n = 0;
    assert_int_equal(call_with(a, strlen(a), 0, 3, 0, &n), VPCE_EINVALID);
    assert_int_equal(n, 1); /* not retried */
    assert_non_null(strstr(vpce_error_last(), "DOCTYPE"));
    free(a);
}

static void test_hostile_closed_mid_body(void **state)
{
    (void)state;
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<DescribeVpcsResponse><vpc";
    int n = 0;
    assert_int_equal(call_with(a, strlen(a), 0, 2, 0, &n), VPCE_ERETRY);
    assert_true(n >= 2);
    assert_non_null(strstr(vpce_error_last(), "request to EC2 for DescribeVpcs failed"));
}

static void test_hostile_no_answer(void **state)
{
    (void)state;
    int n = 0;
    assert_int_equal(call_with(NULL, 0, 0, 2, 0, &n), VPCE_ERETRY);
    assert_true(n >= 2);
}

static void test_hostile_garbage(void **state)
{
    (void)state;
    const char a[] = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n\x00\xff\xfe<\x01>\x02&";
    int n = 0;
    assert_int_equal(call_with(a, sizeof(a) - 1, 0, 2, 0, &n), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "not XML"));
    const char *b = "NOT HTTP AT ALL\r\n\r\n";
    assert_true(call_with(b, strlen(b), 0, 1, 0, &n) < 0);
}

static void test_hostile_oversized(void **state)
{
    (void)state;
    vpce_buf body = VPCE_BUF_INIT(1 << 20);
    vpce_buf_puts(&body, "<DescribeVpcsResponse>");
    for (int i = 0; i < 500; i++)
        vpce_buf_puts(&body, "<a>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</a>");
    vpce_buf_puts(&body, "</DescribeVpcsResponse>");
    char *a = http("200 OK", body.data);
    int n = 0;
    assert_int_equal(call_with(a, strlen(a), 0, 3, 4096, &n), VPCE_ETOOBIG);
    assert_int_equal(n, 1);
    assert_non_null(strstr(vpce_error_last(), "larger than 4096 bytes"));
    free(a);
    vpce_buf_release(&body);
}

static void test_hostile_timeout(void **state)
{
    (void)state;
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\n<DescribeVpcsResponse/>";
    int n = 0;
    int64_t t0 = vpce_now_ms();
    assert_int_equal(call_with(a, strlen(a), 1000, 2, 0, &n), VPCE_ERETRY);
    assert_true(vpce_now_ms() - t0 < 5000);
    /* And the same answer in time works. */
    set_answer(a, strlen(a), 0);
    vpce_aws_client *c = NULL;
    assert_int_equal(vpce_aws_client_new(&c, NULL), 0);
    assert_string_equal(vpce_aws_client_region(c), "eu-west-1");
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), 0);
    assert_true(json_is_object(r));
    json_decref(r);
    vpce_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_html_502),        cmocka_unit_test(test_hostile_entities),
        cmocka_unit_test(test_hostile_closed_mid_body), cmocka_unit_test(test_hostile_no_answer),
        cmocka_unit_test(test_hostile_garbage),         cmocka_unit_test(test_hostile_oversized),
        cmocka_unit_test(test_hostile_timeout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
