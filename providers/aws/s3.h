/*
 * providers/aws/s3.h (internal to providers/aws/): a small S3 client for the state backend:
 * GetObject, PutObject (conditional: If-Match / If-None-Match), DeleteObject, HeadObject and
 * ListObjectsV2, signed with SigV4's S3 rules (x-amz-content-sha256 carries the payload's
 * SHA-256), virtual-hosted or path style, retried as the EC2 client is (SDK standard mode), with
 * every body capped. It shares credentials, signing, HTTP, retries and XML parsing with the EC2
 * client; it knows nothing of state.
 */
#ifndef VPCE_AWS_S3_H
#define VPCE_AWS_S3_H

#include "providers/aws/client.h"

#define AWS_S3_ETAG_MAX 160

typedef struct aws_s3_config {
    const char *bucket;   /* required */
    const char *region;   /* else AWS_REGION, AWS_DEFAULT_REGION, the profile's */
    const char *endpoint; /* endpoints { s3 = ... }; else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL */
    const char *profile;
    const char *const *shared_credentials_files; /* NULL-terminated or NULL */
    const vpce_aws_assume_role *assume_roles;    /* assumed in turn after the default chain */
    size_t nassume_roles;
    const char *sts_endpoint; /* endpoints { sts = ... }; else AWS_ENDPOINT_URL_STS, ... */
    const char *sts_region;
    bool use_path_style;    /* https://host/BUCKET/KEY rather than https://BUCKET.host/KEY */
    const char *sse;        /* server-side encryption on PUT: NULL, "AES256" or "aws:kms" */
    const char *kms_key_id; /* with "aws:kms" (NULL: the bucket's default key) */
    int max_retries; /* retries after the first attempt, as vpce_aws_config's (0: AWS_MAX_ATTEMPTS
                        or the default; < 0: none), within VPCE_AWS_RETRY_MAX_TIME */
    size_t max_object_bytes; /* the largest object read or written; default 256 MiB */
} aws_s3_config;

typedef struct aws_s3 aws_s3;

/* Makes a client: resolves region, endpoint and credentials. Free with aws_s3_free(). */
int aws_s3_new(aws_s3 **out, const aws_s3_config *cfg);
void aws_s3_free(aws_s3 *s);
/* "s3://BUCKET/KEY" for messages; caller frees. */
char *aws_s3_url(const aws_s3 *s, const char *key);
/* Where the credentials came from (never a secret); borrowed. */
const char *aws_s3_creds_source(const aws_s3 *s);

/*
 * GetObject: the body into *body (initialised here with the object size cap; release it) and
 * its ETag (quotes included, as S3 sends it) into etag (may be NULL). VPCE_ENOTFOUND when the
 * key does not exist; a missing bucket, a bucket in another region (named in the message) and
 * access denied are errors with S3's code in the message.
 */
int aws_s3_get(aws_s3 *s, const char *key, vpce_buf *body, char etag[AWS_S3_ETAG_MAX]);

typedef struct aws_s3_put_opts {
    const char *if_match;     /* send If-Match: ETAG (412 becomes VPCE_ESTALE) */
    bool if_none_match;       /* send If-None-Match: * (412 becomes VPCE_EEXISTS) */
    const char *content_type; /* default application/octet-stream (never a form type) */
    /* A unique id sent as x-amz-meta-vpce-write-id: when an attempt's outcome is unknown (the
       connection broke) and the retry is refused by its condition, the object is read back and
       the write counts as done if it carries this id. */
    const char *write_id;
} aws_s3_put_opts;

/* PutObject with the configured server-side encryption. etag (may be NULL) gets the new ETag. */
int aws_s3_put(aws_s3 *s, const char *key, const void *body, size_t len,
               const aws_s3_put_opts *opts, char etag[AWS_S3_ETAG_MAX]);
/* DeleteObject (a missing key is not an error, as in S3). */
int aws_s3_delete(aws_s3 *s, const char *key);
/* HeadObject: ETag (may be NULL) and *meta (may be NULL; new reference) the x-amz-meta-*
 * headers without their prefix. VPCE_ENOTFOUND when absent. */
int aws_s3_head(aws_s3 *s, const char *key, char etag[AWS_S3_ETAG_MAX], json_t **meta);
/* ListObjectsV2 under prefix, every page: *keys (new reference) is an array of key strings. */
int aws_s3_list(aws_s3 *s, const char *prefix, json_t **keys);

/* Requests sent (every attempt) since the client was made. */
uint64_t aws_s3_requests(const aws_s3 *s);

#endif
