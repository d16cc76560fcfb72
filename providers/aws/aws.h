/*
 * providers/aws/aws.h: what the CLI may use of providers/aws besides the provider interface
 * (providers/provider.h): the S3 state backend. It builds a state backend on state/'s seam
 * (state/state.h: pull, push after every commit, the lock) whose state is one S3 object, the
 * SQLite database itself, written only with If-Match on the ETag read (or If-None-Match when
 * none existed), with server-side encryption; its lock is the object KEY.tflock created with
 * If-None-Match: *. Credentials (the SDKs' chain, roles through STS), signing, retries and XML
 * parsing are the EC2 client's.
 */
#ifndef VPCE_AWS_AWS_H
#define VPCE_AWS_AWS_H

#include "state/state.h"
#include "util/util.h"

/* The backend "s3" settings, as Terraform's S3 backend names them. Strings may be NULL. */
typedef struct vpce_s3_backend_config {
    const char *bucket;   /* required */
    const char *key;      /* required: the state object of the default workspace */
    const char *region;   /* else AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
    const char *endpoint; /* endpoints { s3 = ... }; else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL */
    const char *profile;
    const char *const *shared_credentials_files; /* NULL-terminated, may be NULL */
    bool use_path_style;
    bool encrypt;                     /* x-amz-server-side-encryption on every write */
    const char *kms_key_id;           /* with encrypt: aws:kms with this key, else AES256 */
    const char *workspace_key_prefix; /* default "env:" */
    /* assume_role { role_arn, session_name, external_id, duration, policy, policy_arns, tags,
       transitive_tag_keys, source_identity } as an object (NULL: none): the role is assumed
       through STS with the credentials of the default chain, and again when they expire. */
    const json_t *assume_role;
    const char *sts_endpoint; /* endpoints { sts = ... }; else AWS_ENDPOINT_URL_STS, ... */
    const char *sts_region;   /* else the region */
} vpce_s3_backend_config;

/*
 * The state of workspace ("default" or NULL: KEY; else WORKSPACE_KEY_PREFIX/NAME/KEY) as a
 * backend for vpce_state_open_backend(). Resolves region, endpoint and credentials now (errors
 * name where it looked). *out is the caller's.
 */
int vpce_s3_backend_new(vpce_state_backend **out, const vpce_s3_backend_config *cfg,
                        const char *workspace);
/*
 * The workspaces other than "default" that have a state object: *out (new reference) is a
 * sorted array of names, from the keys WORKSPACE_KEY_PREFIX/NAME/KEY of the bucket.
 */
int vpce_s3_backend_workspaces(const vpce_s3_backend_config *cfg, json_t **out);
/* S3 requests (every attempt) made by the backends of this process, for benchmarks. */
uint64_t vpce_s3_backend_requests(void);

#endif
