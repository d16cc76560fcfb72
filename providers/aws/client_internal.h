/*
 * providers/aws/client_internal.h: helpers shared by the files of the AWS client core (HTTP
 * through libcurl, ini files). Not for the resource implementations: they use client.h.
 */
#ifndef VPCE_AWS_CLIENT_INTERNAL_H
#define VPCE_AWS_CLIENT_INTERNAL_H

#include "providers/aws/client.h"

/* One HTTP exchange through this thread's curl handle. */
typedef struct aws_http_request {
    const char *method; /* "GET", "POST", "PUT" */
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;           /* may be NULL */
    size_t body_len;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes;
    /* A new connection for this request. libcurl silently resends a request whose reused
     * connection closed without an answer; for a mutating request that may have been applied,
     * that resend could create a second object, so mutating requests never reuse one. */
    bool fresh_connection;
} aws_http_request;

typedef struct aws_http_response {
    long status;          /* 0 when no answer arrived */
    int curl_code;        /* CURLcode */
    bool too_big;         /* the body passed max_response_bytes */
    char error[256];      /* curl's message when curl_code != 0 */
    vpce_buf body;        /* released by aws_http_response_release() */
    char request_id[128]; /* x-amzn-requestid header if any */
} aws_http_response;

/* Performs the request. Returns 0 when an HTTP answer (any status) arrived, else -1 with
 * resp->curl_code and resp->error set (no vpce_error_set: the caller words the message). */
int aws_http_perform(const aws_http_request *req, aws_http_response *resp);
void aws_http_response_release(aws_http_response *resp);

/* The value of key in section of an ini file (new string, or NULL if absent or unreadable). */
char *aws_ini_get(const char *path, const char *section, const char *key);
/* True if the file has the section. */
bool aws_ini_has_section(const char *path, const char *section);

/* The shared files' paths (new strings). */
char *aws_credentials_path(void);
char *aws_config_path(void);
/* The profile to use: cfg_profile, else AWS_PROFILE, else "default" (borrowed or static). */
const char *aws_profile_name(const char *cfg_profile);

#endif
