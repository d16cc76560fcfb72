/*
 * providers/aws/client.h: the AWS EC2 client core used by the resource implementations.
 *
 * It resolves credentials and the region the way the AWS SDKs do (assuming roles through STS,
 * a second Query-protocol client sharing signing, retries and XML parsing with EC2), refreshes
 * temporary credentials five minutes before they expire, signs every request with
 * Signature Version 4, sends it through libcurl (TLS always verified), paces requests with
 * client-side token buckets per EC2 throttling category, retries as the SDKs' "standard" mode,
 * serializes the EC2 Query protocol and turns the XML answers into jansson values.
 *
 * Only providers/aws includes curl, OpenSSL and libxml2; this header exposes none of them.
 *
 * Thread safety: one vpce_aws_client may be used by any number of threads at once. Each thread
 * keeps its own curl handle (connection reuse per thread); the pacing buckets and counters are
 * shared and locked. The last AWS error code is per thread.
 *
 * Idempotency: a mutating request whose connection dropped after it was sent is retried like any
 * other transient failure, so it may reach EC2 twice. That is safe only because the resource layer
 * sends a ClientToken with every create action that accepts one: the resource layer MUST do so.
 *
 * Proxies: libcurl reads HTTPS_PROXY / https_proxy, HTTP_PROXY, ALL_PROXY and NO_PROXY from the
 * environment; vpce keeps that behaviour. AWS_CA_BUNDLE names a CA bundle file for TLS.
 */
#ifndef VPCE_AWS_CLIENT_H
#define VPCE_AWS_CLIENT_H

#include "util/util.h"

/* ---- configuration ----------------------------------------------------------------------- */

/*
 * Token-bucket pacing, one bucket per EC2 throttling category, shared by every thread of a client.
 * 0 means "AWS's default". VPCE_AWS_RATE_SCALE (a positive number) multiplies the refill rates
 * (for a simulator running faster than real time). The client keeps one token of each bucket in
 * reserve (capacity 4 paces as 3) so that jitter between its clock and EC2's never causes a
 * RequestLimitExceeded; a throttling answer empties the bucket so all threads slow down.
 * The buckets apply from the first request when the endpoint is AWS's own (*.amazonaws.com and
 * the other partitions' domains), when any limit is configured here, or when
 * VPCE_AWS_RATE_SCALE is set; against another endpoint (an emulator) they engage at its first
 * throttling answer, since its limits are not EC2's published ones.
 */
typedef struct vpce_aws_rate_limits {
    double endpoint_capacity; /* Create/Modify/DeleteVpcEndpoint(s): default 4 */
    double endpoint_refill;   /* tokens per second: default 0.3 */
    double mutating_capacity; /* other mutating actions: default 50 */
    double mutating_refill;   /* default 5 */
    double describe_capacity; /* non-mutating (Describe*): default 100 */
    double describe_refill;   /* default 20 */
} vpce_aws_rate_limits;

/*
 * One role to assume with sts:AssumeRole (the provider block's `assume_role`, or a profile's
 * role_arn). Strings may be NULL (not set); lists are borrowed arrays of n strings.
 */
typedef struct vpce_aws_assume_role {
    const char *role_arn;     /* required */
    const char *session_name; /* NULL: "vpce-<unix time>" */
    const char *external_id;
    int duration_s; /* DurationSeconds; 0: STS's default (one hour) */
    const char *policy;
    const char *const *policy_arns;
    size_t npolicy_arns;
    const char *const *tag_keys; /* session tags: tag_keys[i] = tag_values[i] */
    const char *const *tag_values;
    size_t ntags;
    const char *const *transitive_tag_keys;
    size_t ntransitive_tag_keys;
    const char *source_identity;
} vpce_aws_assume_role;

/* The provider block's `assume_role_with_web_identity`: a role assumed with an OIDC token
 * (sts:AssumeRoleWithWebIdentity, sent unsigned), from the token itself or from a file read
 * again at every refresh. */
typedef struct vpce_aws_web_identity {
    const char *role_arn;     /* required (else AWS_ROLE_ARN) */
    const char *session_name; /* else AWS_ROLE_SESSION_NAME, else "vpce-<unix time>" */
    const char *token_file;   /* else AWS_WEB_IDENTITY_TOKEN_FILE */
    const char *token;        /* the token itself (wins over a file) */
    int duration_s;
} vpce_aws_web_identity;

/*
 * What the provider block gives. Every string may be NULL (not set) and is borrowed for the call
 * to vpce_aws_client_new() only (the client copies what a refresh needs). Numbers <= 0 mean
 * "default".
 */
typedef struct vpce_aws_config {
    const char *region;  /* else AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
    const char *profile; /* else AWS_PROFILE, else "default" (the block wins, as Terraform) */
    const char
        *endpoint_ec2; /* endpoints { ec2 = ... }; else AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL */
    const char *endpoint_sts; /* endpoints { sts = ... }; else AWS_ENDPOINT_URL_STS,
                                 AWS_ENDPOINT_URL, else https://sts.<sts region>.amazonaws.com */
    const char *sts_region;   /* else the region */
    /* Shared credentials files the default chain reads instead of AWS_SHARED_CREDENTIALS_FILE
       or ~/.aws/credentials (the first that has the profile wins); NULL-terminated, may be
       NULL. */
    const char *const *shared_credentials_files;
    const char *access_key; /* static credentials from the provider block (both or neither) */
    const char *secret_key;
    const char *session_token;
    /* Credentials are the static keys above, else the web identity below, else the SDKs'
     * default chain (vpce_aws_creds_resolve); then every role of assume_roles is assumed in
     * turn, each with the credentials of the one before. */
    const vpce_aws_web_identity *web_identity; /* may be NULL */
    const vpce_aws_assume_role *assume_roles;
    size_t nassume_roles;
    /*
     * Retries and time bounds (README "Talking to AWS"). Each is taken from here when set, else
     * from its environment variable, else its default.
     */
    int max_retries;           /* retries of one call after its first attempt, as Terraform's
                                  max_retries; < 0: none; 0: AWS_MAX_ATTEMPTS (attempts, the first
                                  included) or 25 */
    long retry_max_time_ms;    /* one call, every attempt and wait between them (pacing waits
                                  excluded): no retry starts past it and an attempt is cut at it;
                                  VPCE_AWS_RETRY_MAX_TIME, default 600000 */
    long connect_timeout_ms;   /* one attempt's connection: VPCE_HTTP_CONNECT_TIMEOUT, 10000 */
    long timeout_ms;           /* one attempt, connection to last byte: VPCE_HTTP_TIMEOUT, 60000 */
    long low_speed_limit;      /* an attempt whose answer arrives slower than this many bytes/s */
    long low_speed_time_ms;    /* for this long is abandoned (and retried):
                                  VPCE_HTTP_LOW_SPEED_LIMIT, default 1; VPCE_HTTP_LOW_SPEED_TIME,
                                  default 30000 */
    size_t max_response_bytes; /* default 16 MiB */
    vpce_aws_rate_limits rate_limits;
    bool no_pacing; /* turns the client-side buckets off (tests) */
} vpce_aws_config;

/* Fills rl's zero fields with AWS's published defaults. VPCE_AWS_RATE_SCALE is not applied here. */
void vpce_aws_rate_limits_defaults(vpce_aws_rate_limits *rl);

/* ---- query parameters -------------------------------------------------------------------- */

/*
 * An ordered list of EC2 Query parameters (wire names and values, both copied). EC2 serializes
 * lists as Name.1, Name.2 ... and structures with dots; the helpers below write those names.
 */
typedef struct vpce_aws_params {
    char **names;
    char **values;
    size_t len;
    size_t alloc;
    int nfilters; /* Filter.N counter for vpce_aws_params_add_filter() */
    int ntagspecs;
} vpce_aws_params;

#define VPCE_AWS_PARAMS_INIT                                                                       \
    {                                                                                              \
        NULL, NULL, 0, 0, 0, 0                                                                     \
    }
void vpce_aws_params_init(vpce_aws_params *p);
void vpce_aws_params_release(vpce_aws_params *p);
/* Appends name=value (both copied). A NULL value adds nothing. */
void vpce_aws_params_add(vpce_aws_params *p, const char *name, const char *value);
/* Appends a parameter whose name is formatted printf-style. */
void vpce_aws_params_addf(vpce_aws_params *p, const char *value, const char *name_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vpce_aws_params_add_bool(vpce_aws_params *p, const char *name, bool value);
void vpce_aws_params_add_int(vpce_aws_params *p, const char *name, long long value);
/* prefix.1=values[0], prefix.2=... (an empty list sends nothing, as EC2 expects). */
void vpce_aws_params_add_list(vpce_aws_params *p, const char *prefix, const char *const *values,
                              size_t n);
/* Same from a JSON array of strings (borrowed). Returns VPCE_EINVALID if an item is no string. */
int vpce_aws_params_add_json_list(vpce_aws_params *p, const char *prefix, const json_t *array);
/* Filter.N.Name=name, Filter.N.Value.M=values[M-1]; N counts the filters added so far. */
void vpce_aws_params_add_filter(vpce_aws_params *p, const char *name, const char *const *values,
                                size_t n);
/* prefix.N.Key / prefix.N.Value from a JSON object of strings (borrowed), keys sorted.
 * prefix is "Tag" for CreateTags. Returns VPCE_EINVALID if a value is no string. */
int vpce_aws_params_add_tags(vpce_aws_params *p, const char *prefix, const json_t *tags);
/* TagSpecification.N.ResourceType=resource_type and TagSpecification.N.Tag.M.Key/Value. An
 * empty or NULL tags object adds nothing. */
int vpce_aws_params_add_tag_spec(vpce_aws_params *p, const char *resource_type, const json_t *tags);
/* The value of the first parameter called name, or NULL. Borrowed from p. */
const char *vpce_aws_params_get(const vpce_aws_params *p, const char *name);

/*
 * The form body: "Action=<action>&Version=2016-11-15&name=value..." in insertion order, encoded
 * as botocore does (unreserved characters literal, space as '+', everything else %XX). version
 * NULL means "2016-11-15". The caller frees the result; NULL (VPCE_ETOOBIG set) past 8 MiB.
 */
char *vpce_aws_query_encode(const char *action, const char *version, const vpce_aws_params *p);

/* ---- the client -------------------------------------------------------------------------- */

typedef struct vpce_aws_client vpce_aws_client;

/*
 * Creates a client: resolves the region, the endpoint and the credentials (which may run a
 * credential_process or ask the instance metadata service). On failure returns a negative code
 * with a message saying where it looked, and *out is NULL. Free with vpce_aws_client_free().
 */
int vpce_aws_client_new(vpce_aws_client **out, const vpce_aws_config *cfg);
void vpce_aws_client_free(vpce_aws_client *c);
/*
 * A client of the same service in another region, for objects whose `region` is not the
 * provider's: it signs with base's credentials (base refreshes them; base must outlive it),
 * calls the configured endpoint when there is one (else the region's own), and paces its
 * requests with buckets of its own (EC2's limits are per region).
 */
int vpce_aws_client_for_region(vpce_aws_client **out, vpce_aws_client *base, const char *region);

/* The region and endpoint in use (borrowed from the client). */
const char *vpce_aws_client_region(const vpce_aws_client *c);
const char *vpce_aws_client_endpoint(const vpce_aws_client *c);
/* Where the credentials came from ("environment", "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)",
 * "assume_role \"arn:...\" (from environment)", ...), as found when the client was made (a
 * refresh runs the same chain again). Never a secret. Borrowed. */
const char *vpce_aws_client_creds_source(const vpce_aws_client *c);

/* Who the credentials belong to, as sts:GetCallerIdentity tells. */
typedef struct vpce_aws_identity {
    char account[32];
    char arn[512];
    char user_id[256];
} vpce_aws_identity;

/*
 * Asks STS (GetCallerIdentity, signed with the client's current credentials) who they belong
 * to. The first answer is kept and given again. On failure the message says which credentials
 * (their source, never their value) and which STS endpoint.
 */
int vpce_aws_client_identity(vpce_aws_client *c, vpce_aws_identity *out);

/* The STS endpoint and region the client's credential chain uses (borrowed). */
const char *vpce_aws_client_sts_endpoint(const vpce_aws_client *c);

/*
 * Calls one EC2 action. params may be NULL. On success *out_result (may be NULL when not wanted)
 * receives a new reference to the answer as JSON: the children of the XML root element (the
 * <ActionResponse>), each element a key; an element whose children are all <item> is an array;
 * an element without children is a string (EC2 sends numbers and booleans as text: the caller
 * converts); an empty element is "" (an empty list also arrives as "" or is omitted: callers
 * treat "" where they expect a list as []).
 *
 * On failure returns a negative code and sets the message once:
 *  - an AWS error answer: "Code: message"; VPCE_ENOTFOUND when the code ends in "NotFound"
 *    ("InvalidVpcID.NotFound"), else VPCE_ERROR;
 *  - retries ran out on a transient failure (throttling, 5xx, broken connection, a timeout):
 *    VPCE_ERETRY, the last message followed by "(gave up after N attempts: max_retries is M)" or
 *    "(gave up after N attempts in S s: VPCE_AWS_RETRY_MAX_TIME)";
 *  - a timeout names the bound that ran out and its setting: "request to EC2 for <Action>
 *    failed: the answer stalled: less than 1 byte/s for 30 s (VPCE_HTTP_LOW_SPEED_LIMIT,
 *    VPCE_HTTP_LOW_SPEED_TIME)", "... no complete answer within 60 s (VPCE_HTTP_TIMEOUT)", "... no
 *    connection within 10 s (VPCE_HTTP_CONNECT_TIMEOUT)";
 *  - a broken answer: VPCE_EINVALID, saying what came back: "unexpected response from EC2 to
 *    DescribeVpcs: HTTP 502 with an HTML body (title: \"502 Bad Gateway\")" (or an empty, JSON,
 *    text or binary body, or malformed XML); over the size cap: VPCE_ETOOBIG;
 *  - a transport failure that is not retried (TLS, bad URL): VPCE_ERROR, "request to EC2 for
 *    <Action> failed: <curl's reason>".
 * vpce_aws_last_error_code() then returns the AWS code ("" when the failure had none). Messages
 * and logs never contain credentials. The answer's requestId stays in the result.
 */
int vpce_aws_call(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                  json_t **out_result);

/*
 * For create actions that take no ClientToken (CreateVpc, CreateInternetGateway): like
 * vpce_aws_call(), but before resending a request whose outcome is unknown (the connection broke
 * after it was sent, a timeout, a 5xx answer) it calls probe(probe_ud, &found). When the probe
 * finds what the first attempt made it sets found to a result shaped like the action's answer;
 * the call then returns that instead of creating a second object.
 */
typedef int (*vpce_aws_probe_fn)(void *ud, json_t **found);
int vpce_aws_call_probed(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                         vpce_aws_probe_fn probe, void *probe_ud, json_t **out_result);

/*
 * Calls a Describe action repeatedly, following NextToken, and concatenates the arrays found
 * under list_key (e.g. "vpcSet") into *out_items (a new reference, an array, possibly empty).
 * params is not modified (NextToken is added to a copy). Pass MaxResults in params to choose the
 * page size. Errors as vpce_aws_call().
 */
int vpce_aws_call_paged(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                        const char *list_key, json_t **out_items);

/* This thread's last AWS error code ("" if the last call succeeded or had no AWS code).
 * Borrowed: valid until this thread's next call. */
const char *vpce_aws_last_error_code(void);
/* The HTTP status of this thread's last answer (0 when the last attempt got none). */
long vpce_aws_last_http_status(void);

/*
 * Flags of vpce_aws_call_flags() and vpce_aws_call_paged_flags().
 * VPCE_AWS_CALL_HAS_FALLBACK: the caller can ask for the same thing another way (a Describe by
 * filter that can fall back to the id list). An answer that vpce_aws_retry_opaque_5xx() calls
 * opaque is then sent only VPCE_AWS_FALLBACK_ATTEMPTS times, not max_retries: an endpoint that
 * lacks a feature answers the same every time, and the other way is quicker than four backoffs.
 * Transient-looking 5xx answers (502/503/504, InternalError, Unavailable) and throttling keep
 * the full retries.
 */
#define VPCE_AWS_CALL_HAS_FALLBACK 1u
int vpce_aws_call_flags(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                        unsigned flags, json_t **out_result);
int vpce_aws_call_paged_flags(vpce_aws_client *c, const char *action, const vpce_aws_params *params,
                              const char *list_key, unsigned flags, json_t **out_items);

/*
 * What this client learnt about the endpoint it talks to, for the rest of its life (one run):
 * that `action` refuses the filter `filter` (an EC2-compatible endpoint may implement fewer
 * filters than EC2). vpce_aws_client_refuse_filter() records it and returns true the first time
 * only (so that the caller says so once); vpce_aws_client_filter_refused() asks. Thread-safe.
 */
bool vpce_aws_client_refuse_filter(vpce_aws_client *c, const char *action, const char *filter);
bool vpce_aws_client_filter_refused(vpce_aws_client *c, const char *action, const char *filter);

/* Request counters since the client was made (all attempts, incl. retries). */
typedef struct vpce_aws_stats {
    uint64_t calls;     /* vpce_aws_call invocations */
    uint64_t requests;  /* HTTP attempts */
    uint64_t retries;   /* attempts after the first */
    uint64_t throttles; /* answers with a throttling code */
    uint64_t errors;    /* calls that failed in the end */
    uint64_t paced_ms;  /* total time waited for a pacing token */
} vpce_aws_stats;
void vpce_aws_client_stats(const vpce_aws_client *c, vpce_aws_stats *out);

/* ---- building blocks, exposed for tests -------------------------------------------------- */

/* Credentials. Strings are owned by the struct; release with vpce_aws_creds_release(). */
typedef struct vpce_aws_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when none */
    int64_t expiration;  /* Unix seconds, 0 when they do not expire */
    char source[256];    /* "environment", "shared credentials file (profile \"x\")", ... */
} vpce_aws_creds;
/* A deep copy of src into out. */
void vpce_aws_creds_copy(vpce_aws_creds *out, const vpce_aws_creds *src);
void vpce_aws_creds_release(vpce_aws_creds *c);

/*
 * Resolves credentials in the order of the AWS SDKs' default chain:
 *  1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *  2. web identity: AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE (AWS_ROLE_SESSION_NAME);
 *  3. the profile (profile NULL: AWS_PROFILE, else "default") of the shared credentials and
 *     config files: role_arn with source_profile (chained, cycles refused) or
 *     credential_source (Environment, Ec2InstanceMetadata, EcsContainer) or
 *     web_identity_token_file, with external_id, duration_seconds, role_session_name
 *     (mfa_serial is refused: nothing can prompt); static keys; sso_session or the legacy
 *     sso_* keys (the token cached by `aws sso login`, exchanged with the SSO portal's
 *     GetRoleCredentials); credential_process;
 *  4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE);
 *  5. the EC2 instance metadata service (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true.
 * Roles are assumed through STS at sts_endpoint in sts_region (NULL: AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL, https://sts.<region>.amazonaws.com with the resolved region). On failure
 * the message names every place looked at, or the step that failed.
 */
int vpce_aws_creds_resolve_with(vpce_aws_creds *out, const char *profile, const char *sts_region,
                                const char *sts_endpoint);
/* vpce_aws_creds_resolve_with(out, profile, NULL, NULL). */
int vpce_aws_creds_resolve(vpce_aws_creds *out, const char *profile);
/* The same, reading the shared credentials files given (NULL-terminated; NULL or empty: the
 * default one) in place of AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials. */
int vpce_aws_creds_resolve_files(vpce_aws_creds *out, const char *profile,
                                 const char *const *credentials_files);

/*
 * The URL of container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (relative) appended
 * to http://169.254.170.2, else AWS_CONTAINER_CREDENTIALS_FULL_URI (full), which must be https,
 * or http to a loopback address, the ECS (169.254.170.2) or EKS (169.254.170.23,
 * fd00:ec2::23) agent, as the SDKs require. *out is NULL (and 0 returned) when neither is set;
 * VPCE_EINVALID for a URL that is refused. Pure: reads no environment.
 */
int vpce_aws_container_url(char **out, const char *relative, const char *full);

/* The file name of the SSO token cache entry for key (an sso_session name, or a legacy
 * profile's sso_start_url): the SHA-1 of key in lowercase hex, with ".json". Caller frees. */
char *vpce_aws_sso_cache_name(const char *key);

/* The region: cfg_region, AWS_REGION, AWS_DEFAULT_REGION, then the profile's region in the
 * config file. *out is a new string the caller frees. */
int vpce_aws_region_resolve(char **out, const char *cfg_region, const char *profile);

/* One HTTP header (name and value borrowed). */
typedef struct vpce_aws_header {
    const char *name;
    const char *value;
} vpce_aws_header;

/* A request to sign. query is the raw query string after '?' (may be NULL). */
typedef struct vpce_aws_sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const vpce_aws_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    /* The payload hash to sign (S3's x-amz-content-sha256: hex SHA-256 or "UNSIGNED-PAYLOAD");
       NULL: the SHA-256 of body. */
    const char *payload_hash;
    /* S3's rules: the path is used as given (no dot-segment or slash normalisation) and each
       segment is URI-encoded once; path must then be the decoded object path. */
    bool s3;
} vpce_aws_sigv4_request;

/* Writes s[0..n) to b URI-encoded as SigV4 wants it (RFC 3986: everything but A-Z a-z 0-9 - _ . ~
 * as %XX), keeping '/' when keep_slash. Returns 0 or VPCE_ETOOBIG when b is full. */
int vpce_aws_uri_encode(vpce_buf *b, const char *s, size_t n, bool keep_slash);
/* The lowercase hex SHA-256 of data into out. */
void vpce_aws_sha256_hex(char out[65], const void *data, size_t len);

/* The signature's stages, all owned by the struct (release with vpce_aws_sigv4_release()). */
typedef struct vpce_aws_sigv4 {
    char *canonical_request;
    char *string_to_sign;
    char *authorization; /* the Authorization header value */
    bool token_added;    /* session_token was given and the request lacked the header: the
                            caller must send X-Amz-Security-Token with the request */
} vpce_aws_sigv4;

/*
 * Signs req. amz_date is "YYYYMMDDTHHMMSSZ" (the request should carry it as X-Amz-Date).
 * session_token (may be NULL) is signed as X-Amz-Security-Token unless the request already has
 * that header. Paths are normalized (dot segments, repeated slashes) as for every service but S3
 * (req->s3).
 */
int vpce_aws_sigv4_sign(vpce_aws_sigv4 *out, const vpce_aws_sigv4_request *req,
                        const char *access_key_id, const char *secret_access_key,
                        const char *session_token, const char *region, const char *service,
                        const char *amz_date);
void vpce_aws_sigv4_release(vpce_aws_sigv4 *s);

/* Retry decision of the SDKs' standard mode. */
typedef enum {
    VPCE_AWS_NO_RETRY = 0,
    VPCE_AWS_RETRY_TRANSIENT, /* 5xx, transient codes, broken connections */
    VPCE_AWS_RETRY_THROTTLE,  /* throttling codes and 429 */
} vpce_aws_retry_kind;
/* A pure function: http_status 0 when no answer came, curl_code 0 (CURLE_OK) when the transfer
 * finished, aws_error_code NULL or "" when the answer had none. */
vpce_aws_retry_kind vpce_aws_retry_decide(long http_status, int curl_code,
                                          const char *aws_error_code);
/*
 * True for a 5xx answer without the signs of a passing failure: not 502/503/504 (what gateways
 * and load balancers say while the service behind them is busy), and no EC2 error code that
 * names a transient or throttling condition (InternalError, Unavailable, RequestLimitExceeded).
 * In practice: an HTTP 500 or 501 with an HTML page, an empty body or an unknown code, which is
 * what an EC2-compatible server sends for a feature it lacks. Pure.
 */
bool vpce_aws_retry_opaque_5xx(long http_status, const char *aws_error_code);
/* How many times a call flagged VPCE_AWS_CALL_HAS_FALLBACK sends a request that keeps getting
 * an opaque 5xx (vpce_aws_retry_opaque_5xx) before giving up so the caller can ask another way:
 * twice, so that one stray 500 is still retried. */
#define VPCE_AWS_FALLBACK_ATTEMPTS 2
/* Full-jitter capped exponential backoff before attempt `attempt` (1 = the first retry):
 * random01 * min(cap_ms, base_ms * 2^(attempt-1)), random01 in [0, 1). Pure. */
int64_t vpce_aws_backoff_ms(int attempt, double random01, int64_t base_ms, int64_t cap_ms);
#define VPCE_AWS_BACKOFF_BASE_MS 200
#define VPCE_AWS_BACKOFF_CAP_MS  20000
/* Defaults of the retry bounds (vpce_aws_config). */
#define VPCE_AWS_DEFAULT_MAX_RETRIES    25
#define VPCE_AWS_DEFAULT_RETRY_MAX_TIME 600000

/*
 * Parses a duration as the VPCE_HTTP_*_TIME(OUT) and VPCE_AWS_RETRY_MAX_TIME variables take it:
 * a number of seconds ("30", "2.5") or a number with a unit ms, s, m or h ("500ms", "30s",
 * "10m"). VPCE_EINVALID (no message set) unless it is at least 1 ms and at most 24 h. Pure.
 */
int vpce_aws_parse_duration_ms(const char *s, int64_t *out_ms);

/* A token bucket with an injectable clock (milliseconds). Thread-safety is the caller's. */
typedef struct vpce_aws_bucket {
    double capacity;
    double refill_per_s;
    double tokens;
    int64_t last_ms;
} vpce_aws_bucket;
void vpce_aws_bucket_init(vpce_aws_bucket *b, double capacity, double refill_per_s, int64_t now_ms);
/* Takes one token if there is one (returns 0), else returns how many ms until one is ready. */
int64_t vpce_aws_bucket_take(vpce_aws_bucket *b, int64_t now_ms);
/* Empties the bucket (after a throttling answer, so every thread slows down). */
void vpce_aws_bucket_drain(vpce_aws_bucket *b, int64_t now_ms);

/* The throttling category of an action: 0 endpoint, 1 other mutating, 2 non-mutating. */
int vpce_aws_action_category(const char *action);

/* A parsed answer or error. */
typedef struct vpce_aws_xml_error {
    char code[128];
    char message[512];
    char request_id[128];
} vpce_aws_xml_error;

/*
 * Parses an EC2 XML answer safely (no DTD, no entities, no network, size and depth caps).
 * Returns 0 and sets *out_result (new reference) for a success document; returns VPCE_ERROR with
 * err filled for an error document (<Response><Errors><Error> or <ErrorResponse>); returns
 * VPCE_EINVALID with a message naming the action for anything else. A body that is not XML is
 * never parsed and the message says what it was: "HTTP 500 with an HTML body (title: \"...\")",
 * "with an empty body", "with a JSON body (first line: \"...\")", "with a text body (...)",
 * "with a binary body (N bytes)"; XML that does not parse is "malformed XML (first line: ...)";
 * XML declaring a DOCTYPE or an entity is refused as such; too deep or too big say so.
 */
int vpce_aws_xml_parse(json_t **out_result, vpce_aws_xml_error *err, const char *action,
                       long http_status, const char *body, size_t len);
/* The same for any Query-protocol service: `service` ("EC2", "STS") names it in messages. */
int vpce_aws_xml_parse_service(json_t **out_result, vpce_aws_xml_error *err, const char *service,
                               const char *action, long http_status, const char *body, size_t len);
/*
 * The same safeguards for a REST-XML answer (S3). An <Error> document returns VPCE_ERROR with
 * err filled (code, message, request id); a document whose root element is root_name returns 0
 * with *out_result (new reference) converted as above; anything else is VPCE_EINVALID naming
 * `what` ("GetObject").
 */
int vpce_aws_xml_parse_rest(json_t **out_result, vpce_aws_xml_error *err, const char *what,
                            const char *root_name, long http_status, const char *body, size_t len);
#define VPCE_AWS_XML_MAX_DEPTH 64

#endif
