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
#include "providers/aws/provider.h"

typedef struct server {
    int fd;
    int port;
    pthread_t thread;
    const char *answer; /* raw bytes sent after reading the request; NULL: close at once */
    size_t answer_len;
    int hang_ms;        /* wait this long before answering */
    int trickle_ms;     /* send the answer one byte at a time, this long apart */
    int throttle_first; /* answer that many requests with RequestLimitExceeded first */
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
        static const char throttled[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 174\r\nConnection: close\r\n\r\n"
            "<?xml version=\"1.0\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>"
            "<Message>Request limit exceeded.</Message></Error></Errors><RequestID>r1</RequestID>"
            "</Response>";
        pthread_mutex_lock(&srv.lock);
        srv.requests++;
        /* A copy: the test may free its answer as soon as the client has read it, which can be
           before this thread's send() has returned. */
        char *ans = NULL;
        size_t alen = srv.answer_len;
        const char *src = srv.answer;
        int hang = srv.hang_ms, trickle = srv.trickle_ms;
        if (srv.throttle_first > 0) {
            srv.throttle_first--;
            src = throttled;
            alen = sizeof(throttled) - 1;
            hang = trickle = 0;
        }
        if (src) {
            ans = vpce_malloc(alen ? alen : 1);
            memcpy(ans, src, alen);
        }
        pthread_mutex_unlock(&srv.lock);
        if (hang)
            vpce_sleep_ms(hang);
        if (ans) {
            size_t off = 0;
            while (off < alen && !srv.stop) {
                size_t chunk = trickle ? 1 : alen - off;
                ssize_t n = send(c, ans + off, chunk, MSG_NOSIGNAL);
                if (n <= 0)
                    break; /* the client gave up */
                off += (size_t)n;
                if (trickle && off < alen)
                    vpce_sleep_ms(trickle);
            }
        }
        free(ans);
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
    srv.trickle_ms = 0;
    srv.throttle_first = 0;
    srv.requests = 0;
    pthread_mutex_unlock(&srv.lock);
}

/* Calls DescribeVpcs with the given answer; returns the code; *requests gets the server's count. */
static int call_flags(const char *ans, size_t len, int attempts, unsigned flags, int *requests);

static int call_with(const char *ans, size_t len, int hang_ms, int attempts, size_t max_bytes,
                     int *requests)
{
    set_answer(ans, len, hang_ms);
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_retries = attempts > 1 ? attempts - 1 : -1;
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

/* DescribeVpcs through vpce_aws_call_flags(); returns the code, *requests the server's count. */
static int call_flags(const char *ans, size_t len, int attempts, unsigned flags, int *requests)
{
    set_answer(ans, len, 0);
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_retries = attempts > 1 ? attempts - 1 : -1;
    cfg.no_pacing = true;
    vpce_aws_client *c = NULL;
    assert_int_equal(vpce_aws_client_new(&c, &cfg), 0);
    json_t *r = NULL;
    int rc = vpce_aws_call_flags(c, "DescribeVpcs", NULL, flags, &r);
    assert_null(r);
    vpce_aws_client_free(c);
    pthread_mutex_lock(&srv.lock);
    *requests = srv.requests;
    pthread_mutex_unlock(&srv.lock);
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
    assert_non_null(strstr(vpce_error_last(), "unexpected response from EC2 to DescribeVpcs: "
                                              "HTTP 502 with an HTML body (title: \"502\")"));
    assert_string_equal(vpce_aws_last_error_code(), "");
    free(a);
}

/*
 * How often a 5xx is sent. An opaque one (an HTML 500, an unknown code) keeps its retries unless
 * the caller has another way to ask; then twice. 502/503/504 and EC2's transient codes keep all
 * their retries either way; 501 is never retried.
 */
static void test_hostile_opaque_5xx(void **state)
{
    (void)state;
    char *html500 = http("500 Internal Server Error",
                         "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>"
                         "\n<h1>Internal Server Error</h1>\n");
    char *html503 = http("503 Service Unavailable",
                         "<html><head><title>503</title></head><body>busy</body></html>");
    char *xml500 = http("500 Internal Server Error",
                        "<Response><Errors><Error><Code>InternalError</Code><Message>x</Message>"
                        "</Error></Errors></Response>");
    char *xml500odd = http("500 Internal Server Error",
                           "<Response><Errors><Error><Code>NotImplemented</Code><Message>no"
                           "</Message></Error></Errors></Response>");
    char *html501 = http("501 Not Implemented", "<html><title>501</title></html>");
    int n = 0;
    assert_int_equal(call_flags(html500, strlen(html500), 4, 0, &n), VPCE_ERETRY);
    assert_int_equal(n, 4);
    assert_non_null(strstr(vpce_error_last(), "HTTP 500 with an HTML body (title: \"500 Internal "
                                              "Server Error\") (gave up after 4 attempts"));
    assert_int_equal(vpce_aws_last_http_status(), 500);
    assert_int_equal(call_flags(html500, strlen(html500), 4, VPCE_AWS_CALL_HAS_FALLBACK, &n),
                     VPCE_ERETRY);
    assert_int_equal(n, VPCE_AWS_FALLBACK_ATTEMPTS);
    assert_int_equal(call_flags(xml500odd, strlen(xml500odd), 4, VPCE_AWS_CALL_HAS_FALLBACK, &n),
                     VPCE_ERETRY);
    assert_int_equal(n, VPCE_AWS_FALLBACK_ATTEMPTS);
    assert_string_equal(vpce_aws_last_error_code(), "NotImplemented");
    assert_int_equal(call_flags(html503, strlen(html503), 4, VPCE_AWS_CALL_HAS_FALLBACK, &n),
                     VPCE_ERETRY);
    assert_int_equal(n, 4);
    assert_int_equal(call_flags(xml500, strlen(xml500), 4, VPCE_AWS_CALL_HAS_FALLBACK, &n),
                     VPCE_ERETRY);
    assert_int_equal(n, 4);
    assert_int_equal(call_flags(html501, strlen(html501), 4, 0, &n), VPCE_EINVALID);
    assert_int_equal(n, 1);
    assert_int_equal(vpce_aws_last_http_status(), 501);
    free(html500);
    free(html503);
    free(xml500);
    free(xml500odd);
    free(html501);
}

/* A proxy's error page that echoes the request's credentials: what vpce repeats of the page (the
 * message, the debug log) never carries the secret key or the session token. */
static void test_hostile_echoed_secrets(void **state)
{
    (void)state;
    setenv("AWS_SESSION_TOKEN", "hostile-session-token-never-shown", 1);
    char *a =
        http("500 Internal Server Error", "<html><title>bad key hostile-secret-never-shown, token "
                                          "hostile-session-token-never-shown</title></html>");
    int n = 0;
    assert_int_equal(call_with(a, strlen(a), 0, 1, 0, &n), VPCE_ERETRY);
    const char *msg = vpce_error_last();
    assert_null(strstr(msg, "hostile-session-token-never-shown"));
    assert_non_null(strstr(msg, "bad key [redacted], token [redacted]"));
    unsetenv("AWS_SESSION_TOKEN");
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
    assert_non_null(strstr(vpce_error_last(), "HTTP 200 with a binary body (8 bytes)"));
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
    /* The error names the bound that ran out and how to change it (not how long it took). */
    assert_int_equal(call_with(a, strlen(a), 1000, 2, 0, &n), VPCE_ERETRY);
    assert_non_null(
        strstr(vpce_error_last(), "no complete answer within 0.4 s (VPCE_HTTP_TIMEOUT)"));
    assert_non_null(strstr(vpce_error_last(), "gave up after 2 attempts: max_retries is 1"));
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

/* A client with the default bounds except those given (0: default; max_retries -1: none). */
static vpce_aws_client *client(int max_retries, long timeout_ms, long retry_max_time_ms)
{
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_retries = max_retries;
    cfg.timeout_ms = timeout_ms;
    cfg.retry_max_time_ms = retry_max_time_ms;
    cfg.no_pacing = true;
    vpce_aws_client *c = NULL;
    int rc = vpce_aws_client_new(&c, &cfg);
    if (rc != 0)
        fail_msg("client: %s", vpce_error_last());
    return c;
}

static int requests_served(void)
{
    pthread_mutex_lock(&srv.lock);
    int n = srv.requests;
    pthread_mutex_unlock(&srv.lock);
    return n;
}

static const char ok_answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 23\r\nConnection: close\r\n"
                                "\r\n<DescribeVpcsResponse/>";

/* Throttling is waited out: six throttled answers in a row (the old count of 5 attempts gave up
 * on them) and the call still succeeds with the default bounds. */
static void test_hostile_throttling_waited_out(void **state)
{
    (void)state;
    set_answer(ok_answer, sizeof(ok_answer) - 1, 0);
    pthread_mutex_lock(&srv.lock);
    srv.throttle_first = 6;
    pthread_mutex_unlock(&srv.lock);
    vpce_aws_client *c = client(0, 0, 0);
    json_t *r = NULL;
    int rc = vpce_aws_call(c, "DescribeVpcs", NULL, &r);
    if (rc != 0)
        fail_msg("%s", vpce_error_last());
    json_decref(r);
    assert_int_equal(requests_served(), 7);
    vpce_aws_stats st;
    vpce_aws_client_stats(c, &st);
    assert_int_equal(st.throttles, 6);
    assert_int_equal(st.retries, 6);
    vpce_aws_client_free(c);
}

/* max_retries bounds the retries (as Terraform's); AWS_MAX_ATTEMPTS counts attempts. */
static void test_hostile_max_retries(void **state)
{
    (void)state;
    set_answer(ok_answer, sizeof(ok_answer) - 1, 0);
    pthread_mutex_lock(&srv.lock);
    srv.throttle_first = 100;
    pthread_mutex_unlock(&srv.lock);
    vpce_aws_client *c = client(2, 0, 0);
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERETRY);
    assert_int_equal(requests_served(), 3);
    assert_string_equal(vpce_aws_last_error_code(), "RequestLimitExceeded");
    assert_non_null(strstr(vpce_error_last(), "gave up after 3 attempts: max_retries is 2"));
    vpce_aws_client_free(c);

    set_answer(ok_answer, sizeof(ok_answer) - 1, 0);
    pthread_mutex_lock(&srv.lock);
    srv.throttle_first = 100;
    pthread_mutex_unlock(&srv.lock);
    setenv("AWS_MAX_ATTEMPTS", "1", 1);
    c = client(0, 0, 0);
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERETRY);
    assert_int_equal(requests_served(), 1);
    vpce_aws_client_free(c);
    /* the provider's max_retries wins over the variable */
    set_answer(ok_answer, sizeof(ok_answer) - 1, 0);
    pthread_mutex_lock(&srv.lock);
    srv.throttle_first = 1;
    pthread_mutex_unlock(&srv.lock);
    c = client(1, 0, 0);
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), 0);
    json_decref(r);
    assert_int_equal(requests_served(), 2);
    vpce_aws_client_free(c);
    unsetenv("AWS_MAX_ATTEMPTS");
}

/* The provider block's max_retries, as Terraform's: a number of retries, 0 turning them off;
 * anything but a whole number from 0 to 1000 is refused. */
static void test_hostile_provider_max_retries(void **state)
{
    (void)state;
    static const char *const bad[] = {"{\"max_retries\": -1}", "{\"max_retries\": 2.5}",
                                      "{\"max_retries\": 1001}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *cfg = json_loads(bad[i], 0, NULL);
        vpce_provider *p = NULL;
        assert_int_equal(vpce_aws_configure(&p, cfg), VPCE_EINVALID);
        assert_null(p);
        assert_non_null(strstr(vpce_error_last(), "max_retries"));
        json_decref(cfg);
    }
    for (int retries = 0; retries <= 3; retries += 3) {
        set_answer(ok_answer, sizeof(ok_answer) - 1, 0);
        pthread_mutex_lock(&srv.lock);
        srv.throttle_first = 100;
        pthread_mutex_unlock(&srv.lock);
        json_t *cfg =
            json_pack("{s:i,s:b}", "max_retries", retries, "skip_credentials_validation", 1);
        vpce_provider *p = NULL;
        assert_int_equal(vpce_aws_configure(&p, cfg), 0);
        json_t *r = NULL;
        assert_int_equal(vpce_aws_call(vpce_aws_provider_client(p), "DescribeVpcs", NULL, &r),
                         VPCE_ERETRY);
        assert_int_equal(requests_served(), retries + 1);
        vpce_aws_provider_free(p);
        json_decref(cfg);
    }
}

/* A server that trickles its answer (a byte every 1.5 s) is cut off by the low-speed limit
 * (here set through the environment to 1 s), not left to run to the total timeout, and the
 * error says which bound ended it. */
static void test_hostile_trickle_cut_by_low_speed_limit(void **state)
{
    (void)state;
    set_answer(ok_answer, sizeof(ok_answer) - 1, 0);
    pthread_mutex_lock(&srv.lock);
    srv.trickle_ms = 1500;
    pthread_mutex_unlock(&srv.lock);
    setenv("VPCE_HTTP_LOW_SPEED_TIME", "1s", 1);
    vpce_aws_client *c = client(1, 600000, 0);
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERETRY);
    unsetenv("VPCE_HTTP_LOW_SPEED_TIME");
    const char *msg = vpce_error_last();
    assert_non_null(strstr(msg, "request to EC2 for DescribeVpcs failed: the answer stalled: less "
                                "than 1 byte/s for 1 s (VPCE_HTTP_LOW_SPEED_LIMIT, "
                                "VPCE_HTTP_LOW_SPEED_TIME)"));
    assert_non_null(strstr(msg, "gave up after 2 attempts"));
    assert_int_equal(requests_served(), 2);
    vpce_aws_client_free(c);
}

/* VPCE_AWS_RETRY_MAX_TIME bounds the whole call: with retries left (1000), a server that never
 * answers in time ends the call once the call's time is spent, and the error says so. */
static void test_hostile_call_time_bound(void **state)
{
    (void)state;
    set_answer(ok_answer, sizeof(ok_answer) - 1, 700);
    setenv("VPCE_AWS_RETRY_MAX_TIME", "1500ms", 1);
    vpce_aws_client *c = client(1000, 300, 0);
    unsetenv("VPCE_AWS_RETRY_MAX_TIME");
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(c, "DescribeVpcs", NULL, &r), VPCE_ERETRY);
    assert_non_null(strstr(vpce_error_last(), "VPCE_AWS_RETRY_MAX_TIME)"));
    assert_non_null(strstr(vpce_error_last(), "no complete answer within"));
    assert_true(requests_served() < 1000);
    vpce_aws_client_free(c);
}

/* Settings that are not durations or numbers are refused when the client is made, naming the
 * variable. */
static void test_hostile_bad_settings(void **state)
{
    (void)state;
    static const struct {
        const char *var, *value;
    } bad[] = {
        {"VPCE_HTTP_TIMEOUT", "soon"},      {"VPCE_HTTP_TIMEOUT", "-5"},
        {"VPCE_HTTP_CONNECT_TIMEOUT", "0"}, {"VPCE_HTTP_LOW_SPEED_TIME", "3 days"},
        {"VPCE_HTTP_LOW_SPEED_LIMIT", "x"}, {"VPCE_AWS_RETRY_MAX_TIME", "25h"},
        {"AWS_MAX_ATTEMPTS", "0"},          {"AWS_MAX_ATTEMPTS", "many"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv(bad[i].var, bad[i].value, 1);
        vpce_aws_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        vpce_aws_client *c = NULL;
        int rc = vpce_aws_client_new(&c, &cfg);
        unsetenv(bad[i].var);
        assert_int_equal(rc, VPCE_EINVALID);
        assert_null(c);
        assert_non_null(strstr(vpce_error_last(), bad[i].var));
    }
    static const char *const good[] = {"30", "2.5", "500ms", "30s", "10m", "1h"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        setenv("VPCE_HTTP_TIMEOUT", good[i], 1);
        vpce_aws_client *c = NULL;
        assert_int_equal(vpce_aws_client_new(&c, NULL), 0);
        vpce_aws_client_free(c);
    }
    unsetenv("VPCE_HTTP_TIMEOUT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_html_502),
        cmocka_unit_test(test_hostile_opaque_5xx),
        cmocka_unit_test(test_hostile_echoed_secrets),
        cmocka_unit_test(test_hostile_entities),
        cmocka_unit_test(test_hostile_closed_mid_body),
        cmocka_unit_test(test_hostile_no_answer),
        cmocka_unit_test(test_hostile_garbage),
        cmocka_unit_test(test_hostile_oversized),
        cmocka_unit_test(test_hostile_timeout),
        cmocka_unit_test(test_hostile_throttling_waited_out),
        cmocka_unit_test(test_hostile_max_retries),
        cmocka_unit_test(test_hostile_provider_max_retries),
        cmocka_unit_test(test_hostile_trickle_cut_by_low_speed_limit),
        cmocka_unit_test(test_hostile_call_time_bound),
        cmocka_unit_test(test_hostile_bad_settings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
