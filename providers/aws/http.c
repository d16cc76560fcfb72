/*
 * providers/aws/http.c: HTTP through libcurl. One easy handle per thread, reset and reused so
 * connections stay alive between requests; TLS verification is never turned off; AWS_CA_BUNDLE
 * names a CA file; proxies come from the environment as libcurl reads them; bodies are capped.
 */
#include "providers/aws/client_internal.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static pthread_key_t handle_key;

static void handle_destroy(void *h)
{
    curl_easy_cleanup(h);
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_key_create(&handle_key, handle_destroy);
}

static CURL *thread_handle(void)
{
    pthread_once(&global_once, global_init);
    CURL *h = pthread_getspecific(handle_key);
    if (!h) {
        h = curl_easy_init();
        if (!h)
            return NULL;
        pthread_setspecific(handle_key, h);
    } else {
        curl_easy_reset(h); /* keeps the connection cache */
    }
    return h;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    aws_http_response *r = userdata;
    size_t n = size * nmemb;
    if (vpce_buf_append(&r->body, ptr, n) < 0) {
        r->too_big = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return n;
}

/* Aborts the transfer (CURLE_ABORTED_BY_CALLBACK) once cancellation is requested. */
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)clientp;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return vpce_cancel_requested() ? 1 : 0;
}

#define MAX_HEADERS      100
#define MAX_HEADER_VALUE 4096

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    aws_http_response *r = userdata;
    size_t n = size * nmemb;
    const char *colon = memchr(ptr, ':', n);
    if (!colon || colon == ptr)
        return n; /* the status line or the blank line ending the headers */
    if (strncmp(ptr, "HTTP/", 5) == 0)
        return n;
    size_t nl = (size_t)(colon - ptr);
    const char *v = colon + 1;
    size_t vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl > MAX_HEADER_VALUE)
        vl = MAX_HEADER_VALUE;
    char name[128];
    if (nl >= sizeof(name))
        return n;
    for (size_t i = 0; i < nl; i++)
        name[i] = (char)((ptr[i] >= 'A' && ptr[i] <= 'Z') ? ptr[i] - 'A' + 'a' : ptr[i]);
    name[nl] = '\0';
    if (strcmp(name, "x-amzn-requestid") == 0 || strcmp(name, "x-amz-request-id") == 0) {
        size_t k = vl < sizeof(r->request_id) ? vl : sizeof(r->request_id) - 1;
        memcpy(r->request_id, v, k);
        r->request_id[k] = '\0';
    }
    if (!r->headers)
        r->headers = json_object();
    if (json_object_size(r->headers) < MAX_HEADERS || json_object_get(r->headers, name))
        json_object_set_new(r->headers, name, vpce_json_string_lossy(v, vl));
    return n;
}

int aws_http_perform(const aws_http_request *req, aws_http_response *resp)
{
    int rc = 0;
    struct curl_slist *hl = NULL;
    memset(resp, 0, sizeof(*resp));
    vpce_buf_init(&resp->body, req->max_response_bytes ? req->max_response_bytes : (16u << 20));

    CURL *h = thread_handle();
    if (!h) {
        resp->curl_code = CURLE_FAILED_INIT;
        snprintf(resp->error, sizeof(resp->error), "cannot initialise libcurl");
        return -1;
    }
    for (const char *const *p = req->headers; p && *p; p++)
        hl = curl_slist_append(hl, *p);
    hl = curl_slist_append(hl, "Expect:");

    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, req->fresh_connection ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "vpce/" VPCE_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 60000L);
    /* A server that trickles its answer (a byte every few seconds) never reaches the total
       timeout's end quickly: a low-speed limit ends it once it stalls. libcurl counts whole
       seconds here; anything shorter rounds up to one. */
    long ls_limit = req->low_speed_limit > 0 ? req->low_speed_limit : AWS_HTTP_LOW_SPEED_LIMIT;
    long ls_time = req->low_speed_time_ms > 0 ? req->low_speed_time_ms : AWS_HTTP_LOW_SPEED_TIME_MS;
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, ls_limit);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (ls_time + 999) / 1000);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    const char *ca = getenv("AWS_CA_BUNDLE");
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, resp->error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
    }
    /* libcurl calls this about once a second even when idle: a cancellation ends the wait. */
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, req->ignore_cancel ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    CURLcode cc = curl_easy_perform(h);
    resp->curl_code = (int)cc;
    if (cc != CURLE_OK) {
        if (!resp->error[0])
            snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(cc));
        if (resp->too_big)
            snprintf(resp->error, sizeof(resp->error), "the response is larger than %zu bytes",
                     resp->body.cap);
        if (cc == CURLE_OPERATION_TIMEDOUT) {
            /* Which bound ran out: before the request could be sent, the connection was never
               made; libcurl words the low-speed abort "Operation too slow". */
            curl_off_t pre = 0;
            curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
            if (pre == 0)
                resp->timeout_kind = AWS_HTTP_CONNECT_TIMEOUT;
            else if (strstr(resp->error, "too slow"))
                resp->timeout_kind = AWS_HTTP_LOW_SPEED;
            else
                resp->timeout_kind = AWS_HTTP_TOTAL_TIMEOUT;
        }
        rc = -1;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    }
    /* The handle outlives this call: drop pointers into our stack and headers. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hl);
    return rc;
}

void aws_http_response_release(aws_http_response *resp)
{
    vpce_buf_release(&resp->body);
    json_decref(resp->headers);
    resp->headers = NULL;
}
