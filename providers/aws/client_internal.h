/*
 * providers/aws/client_internal.h: helpers shared by the files of the AWS client core (HTTP
 * through libcurl, ini files). Not for the resource implementations: they use client.h.
 */
#ifndef VPCE_AWS_CLIENT_INTERNAL_H
#define VPCE_AWS_CLIENT_INTERNAL_H

#include "providers/aws/client.h"

#include <stddef.h>

/* One HTTP exchange through this thread's curl handle. */
typedef struct aws_http_request {
    const char *method; /* "GET", "POST", "PUT", "DELETE", "HEAD" */
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
    /* A stalled answer: abandoned when fewer than low_speed_limit bytes per second arrive for
     * low_speed_time_ms (0: the defaults below). */
    long low_speed_limit;
    long low_speed_time_ms;
    /* Not ended by a cancellation (vpce_cancel_requested): the state backend's requests, which
     * record what a cancelled apply did. Their timeouts still bound them. */
    bool ignore_cancel;
} aws_http_request;

#define AWS_HTTP_LOW_SPEED_LIMIT   1 /* bytes per second */
#define AWS_HTTP_LOW_SPEED_TIME_MS 30000

/* Which bound ended a request that timed out (curl_code CURLE_OPERATION_TIMEDOUT). */
typedef enum {
    AWS_HTTP_NO_TIMEOUT = 0,
    AWS_HTTP_CONNECT_TIMEOUT, /* no connection within connect_timeout_ms */
    AWS_HTTP_LOW_SPEED,       /* the answer stalled (low_speed_limit, low_speed_time_ms) */
    AWS_HTTP_TOTAL_TIMEOUT,   /* no complete answer within timeout_ms */
} aws_http_timeout_kind;

typedef struct aws_http_response {
    long status;          /* 0 when no answer arrived */
    int curl_code;        /* CURLcode */
    bool too_big;         /* the body passed max_response_bytes */
    char error[256];      /* curl's message when curl_code != 0 */
    vpce_buf body;        /* released by aws_http_response_release() */
    char request_id[128]; /* x-amzn-requestid (or S3's x-amz-request-id) header if any */
    aws_http_timeout_kind timeout_kind;
    json_t *headers; /* every response header: lowercase name -> value (the last one of a
                        repeated name); at most 100 of them, each value at most 4 KiB */
} aws_http_response;

/* Performs the request. Returns 0 when an HTTP answer (any status) arrived, else -1 with
 * resp->curl_code and resp->error set (no vpce_error_set: the caller words the message). */
int aws_http_perform(const aws_http_request *req, aws_http_response *resp);
void aws_http_response_release(aws_http_response *resp);

/* The value of key in section of an ini file (new string, or NULL if absent or unreadable). */
char *aws_ini_get(const char *path, const char *section, const char *key);
/* True if the file has the section. */
bool aws_ini_has_section(const char *path, const char *section);

/* ---- what the EC2 and S3 clients share (client.c) ------------------------------------------ */

/* A copy of the client's credentials, refreshed first when they expire soon. Release it. */
int aws_client_creds(vpce_aws_client *c, vpce_aws_creds *out);
/* Adds n to one of the client's counters (a field of its vpce_aws_stats). */
void aws_client_count(vpce_aws_client *c, size_t field_offset, uint64_t n);
#define AWS_COUNT(c, field, n) aws_client_count((c), offsetof(vpce_aws_stats, field), (n))
/* The client's bounds (vpce_aws_config's, resolved: settings, environment, defaults). */
typedef struct aws_client_limits {
    int max_retries; /* after the first attempt */
    int64_t retry_max_time_ms;
    long connect_timeout_ms;
    long timeout_ms; /* one attempt */
    long low_speed_limit;
    long low_speed_time_ms;
} aws_client_limits;
void aws_client_bounds(const vpce_aws_client *c, aws_client_limits *out);
/* The message of an attempt that got no HTTP answer, naming the bound that ended it (an
   attempt given timeout_ms); returns the code set. */
int aws_client_transport_error(const vpce_aws_client *c, const char *action,
                               const aws_http_response *resp, long timeout_ms);
/* A uniformly distributed number in [0, 1) for backoff jitter (per thread). */
double aws_random01(void);
/* The current time as SigV4's "YYYYMMDDTHHMMSSZ". */
void aws_amz_date(char out[17]);
/* This thread's last AWS error code, set for vpce_aws_last_error_code(). */
void aws_set_last_code(const char *code);

/* The shared files' paths (new strings). */
char *aws_credentials_path(void);
char *aws_config_path(void);
/* The profile to use: cfg_profile, else AWS_PROFILE, else "default" (borrowed or static). */
const char *aws_profile_name(const char *cfg_profile);
/* The config file's section of a profile: "default" or "profile NAME" (new string). */
char *aws_config_section(const char *profile);
/* getenv() when set and not empty, else NULL. */
const char *aws_env(const char *name);
/* Frees a string after overwriting it (secrets). */
void aws_free_secret(char *s);
/* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SS[.fff][Z]" to Unix seconds; 0 if unparsable. */
int64_t aws_parse_time(const char *s);

/* ---- Query-protocol services ------------------------------------------------------------- */

/* What differs between the Query-protocol services vpce calls. */
typedef struct aws_service {
    const char *label;        /* "EC2", "STS": in messages */
    const char *signing_name; /* "ec2", "sts": the SigV4 scope and the default host */
    const char *version;      /* the API version sent with every request */
    const char *env_name;     /* "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS" */
    bool paced;               /* EC2's request buckets apply */
} aws_service;
extern const aws_service aws_service_ec2;
extern const aws_service aws_service_sts;
extern const aws_service aws_service_s3; /* REST-XML: only its label, signing name and endpoint */

/*
 * A client of svc at endpoint (configured, may be NULL: resolved as aws_endpoint_resolve does)
 * with cfg's region, credential chain, limits and pacing. vpce_aws_client_new() is this with
 * EC2 and cfg->endpoint_ec2; the S3 client (s3.c) uses it for S3 and signs its own requests
 * with aws_client_creds().
 */
int aws_client_new_service(vpce_aws_client **out, const aws_service *svc, const char *endpoint,
                           const vpce_aws_config *cfg);

/*
 * The endpoint URL of a service: configured (may be NULL), else its AWS_ENDPOINT_URL_<SVC>,
 * else AWS_ENDPOINT_URL, else https://<signing name>.<region>.amazonaws.com; trailing slashes
 * removed. *host gets its authority. VPCE_EINVALID for a URL that is not http(s).
 */
int aws_endpoint_resolve(char **url, char **host, const aws_service *svc, const char *configured,
                         const char *region);

/* Where and how STS is called by the credential chain. Strings owned. */
typedef struct aws_sts {
    char *region;
    char *endpoint;
    int max_attempts;
    long connect_timeout_ms;
    long timeout_ms;
} aws_sts;
/* Fills sts from the configured STS region and endpoint (may be NULL) and the region. */
int aws_sts_init(aws_sts *sts, const char *sts_region, const char *sts_endpoint,
                 const char *region);
void aws_sts_release(aws_sts *sts);

/*
 * A client of svc at url in region, whose requests are signed with a copy of creds (NULL: sent
 * unsigned), never refreshed; no pacing. For STS calls of the credential chain.
 */
int aws_client_new_fixed(vpce_aws_client **out, const aws_service *svc, const aws_sts *where,
                         const vpce_aws_creds *creds);
/* The XML text of body with the text of credential elements (SecretAccessKey, SessionToken)
 * replaced by "[redacted]": for logs. Caller frees. */
char *aws_redact_xml(const char *body, size_t len);

/* ---- STS (sts.c) ------------------------------------------------------------------------- */

/* AssumeRole with the source credentials. out->source is set to `assume_role "ARN" (from
 * SOURCE)`. Failures name the role ARN (and the identity that asked, when STS tells it). */
int aws_sts_assume_role(vpce_aws_creds *out, const aws_sts *sts, const vpce_aws_creds *source,
                        const vpce_aws_assume_role *role);
/* AssumeRoleWithWebIdentity, unsigned. token_origin names where the token came from, for the
 * source and the messages ("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file of profile
 * \"x\"", ...). Failures name the role ARN. */
int aws_sts_assume_role_web_identity(vpce_aws_creds *out, const aws_sts *sts, const char *role_arn,
                                     const char *session_name, const char *token, int duration_s,
                                     const char *token_origin);
/* GetCallerIdentity signed with creds. */
int aws_sts_caller_identity(vpce_aws_identity *out, const aws_sts *sts,
                            const vpce_aws_creds *creds);
/* A session name when none is configured: "vpce-<unix seconds>". Caller frees. */
char *aws_default_session_name(void);

/* ---- credential sources (creds.c, sso.c) ------------------------------------------------- */

/* Each returns 1 with credentials in *out, 0 when the source is not configured or has none
 * (nothing set in *out), or a negative code with the message set. */
int aws_creds_from_env(vpce_aws_creds *out);
int aws_creds_from_process(vpce_aws_creds *out, const char *cmd, const char *profile);
int aws_creds_from_imds(vpce_aws_creds *out);
int aws_creds_from_container(vpce_aws_creds *out);
/* SSO: the profile's section (config file) named section; sso_session names an
 * [sso-session NAME] section or is NULL (legacy sso_start_url/sso_region in the profile). */
int aws_creds_from_sso(vpce_aws_creds *out, const char *conf_path, const char *section,
                       const char *profile);
/* True when the IMDS is switched off (AWS_EC2_METADATA_DISABLED=true). */
bool aws_imds_disabled(void);
/* The IMDS base URL (new string). */
char *aws_imds_endpoint(void);

/* ---- the chain (chain.c) ----------------------------------------------------------------- */

/* Everything needed to resolve the credentials again, copied from a vpce_aws_config. */
typedef struct aws_chain aws_chain;
int aws_chain_new(aws_chain **out, const vpce_aws_config *cfg, const char *region);
void aws_chain_free(aws_chain *ch);
/* Resolves the credentials (runs processes, asks metadata services, calls STS). */
int aws_chain_resolve(const aws_chain *ch, vpce_aws_creds *out);
/* True when what the chain gives never changes (static keys without roles). */
bool aws_chain_is_static(const aws_chain *ch);
const aws_sts *aws_chain_sts(const aws_chain *ch);

#endif
