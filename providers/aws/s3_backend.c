/*
 * providers/aws/s3_backend.c: the S3 state backend on state/'s seam. The state is one object,
 * the SQLite database file, at KEY (or WORKSPACE_KEY_PREFIX/NAME/KEY). Every write is
 * conditional: If-Match on the ETag this process read or last wrote, or If-None-Match: * when
 * there was none, so a writer that lost its lock can never replace a newer state. The lock is
 * KEY.tflock, created with If-None-Match: * and holding Terraform's lock-info JSON; it is
 * released with a delete after its ID was checked.
 */
#include "providers/aws/aws.h"
#include "providers/aws/provider.h"
#include "providers/aws/s3.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#define LOCK_MAX (64u << 10)

static _Atomic uint64_t total_requests;

typedef struct s3b {
    aws_s3 *s3;
    char *key;
    char *lock_key;
    char *path_label; /* "bucket/key", the lock's Path */
    char *etag;       /* of the state object read or last written; NULL: none exists */
} s3b;

uint64_t vpce_s3_backend_requests(void)
{
    return atomic_load(&total_requests);
}

static char *new_id(void)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        VPCE_BUG("no random bytes");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return vpce_asprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

static void set_etag(s3b *b, const char *etag)
{
    free(b->etag);
    b->etag = etag && *etag ? vpce_strdup(etag) : NULL;
}

static int write_all(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return vpce_error_set("cannot write the state's working copy \"%s\": %s", path,
                              strerror(errno));
    int rc = 0;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = vpce_error_set("cannot write the state's working copy \"%s\": %s", path,
                                strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 && rc == 0)
        rc = vpce_error_set("cannot write the state's working copy \"%s\": %s", path,
                            strerror(errno));
    return rc;
}

static int b_pull(void *ctx, const char *path)
{
    s3b *b = ctx;
    vpce_buf body;
    char etag[AWS_S3_ETAG_MAX] = "";
    set_etag(b, NULL);
    int rc = aws_s3_get(b->s3, b->key, &body, etag);
    if (rc == VPCE_ENOTFOUND)
        return rc;
    if (rc < 0) {
        char *url = aws_s3_url(b->s3, b->key);
        char *msg = vpce_strdup(vpce_error_last());
        rc = vpce_error_setc(rc, "cannot read the state %s: %s", url, msg);
        free(msg);
        free(url);
        return rc;
    }
    rc = write_all(path, body.data ? body.data : "", body.len);
    vpce_buf_release(&body);
    if (rc == 0)
        set_etag(b, etag);
    return rc;
}

static int b_push(void *ctx, const char *path)
{
    s3b *b = ctx;
    char *data = NULL;
    size_t len = 0;
    char etag[AWS_S3_ETAG_MAX] = "";
    int rc = vpce_read_file(&data, &len, path, 256u << 20);
    if (rc < 0)
        return rc;
    char *id = new_id();
    aws_s3_put_opts o = {
        .if_match = b->etag,
        .if_none_match = b->etag == NULL,
        .content_type = "application/vnd.sqlite3",
        .write_id = id,
    };
    rc = aws_s3_put(b->s3, b->key, data, len, &o, etag);
    free(id);
    free(data);
    if (rc == 0) {
        set_etag(b, etag);
        return 0;
    }
    char *url = aws_s3_url(b->s3, b->key);
    if (rc == VPCE_ESTALE || rc == VPCE_EEXISTS) {
        rc = vpce_error_setc(rc,
                             "the state %s was changed by someone else since this run read it "
                             "(S3 refused the conditional write: PreconditionFailed); nothing "
                             "was overwritten: check who else runs against this state",
                             url);
    } else {
        char *msg = vpce_strdup(vpce_error_last());
        rc = vpce_error_setc(rc, "cannot store the state %s: %s", url, msg);
        free(msg);
    }
    free(url);
    return rc;
}

/* The lock object's JSON (Terraform's LockInfo) in the seam's shape; NULL when unreadable. */
static json_t *holder_from_lock(const char *data, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(data, len, 0, &err);
    if (!json_is_object(j)) {
        json_decref(j);
        return json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", "?", "holder", "?", "operation", "?",
                         "host", "?", "created_at", "");
    }
    const char *id = json_string_value(json_object_get(j, "ID"));
    const char *who = json_string_value(json_object_get(j, "Who"));
    const char *op = json_string_value(json_object_get(j, "Operation"));
    const char *created = json_string_value(json_object_get(j, "Created"));
    const char *host = json_string_value(json_object_get(j, "Host"));
    const char *info = json_string_value(json_object_get(j, "Info"));
    json_t *h = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "id", id ? id : "?", "holder",
                          who ? who : "?", "operation", op ? op : "?", "host", host ? host : "?",
                          "created_at", created ? created : "", "pid",
                          (json_int_t)json_integer_value(json_object_get(j, "Pid")));
    if (info && *info)
        json_object_set_new(h, "info", json_string(info));
    const char *version = json_string_value(json_object_get(j, "Version"));
    if (version)
        json_object_set_new(h, "version", json_string(version));
    json_decref(j);
    return h;
}

static int read_lock(s3b *b, json_t **out)
{
    vpce_buf body;
    *out = NULL;
    int rc = aws_s3_get(b->s3, b->lock_key, &body, NULL);
    if (rc == VPCE_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    if (body.len > LOCK_MAX) {
        vpce_buf_release(&body);
        return vpce_error_setc(VPCE_EINVALID, "the lock object %s is larger than %u bytes",
                               b->lock_key, LOCK_MAX);
    }
    *out = holder_from_lock(body.data ? body.data : "", body.len);
    vpce_buf_release(&body);
    return 0;
}

static int b_lock(void *ctx, const json_t *info, json_t **holder_out)
{
    s3b *b = ctx;
    *holder_out = NULL;
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "ID", json_string_value(json_object_get(info, "id")),
        "Operation", json_string_value(json_object_get(info, "operation")), "Info", "", "Who",
        json_string_value(json_object_get(info, "holder")), "Version", VPCE_VERSION, "Created",
        json_string_value(json_object_get(info, "created_at")), "Path", b->path_label, "Pid",
        json_integer_value(json_object_get(info, "pid")));
    json_object_set(j, "Host", json_object_get(info, "host"));
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    aws_s3_put_opts o = {.if_none_match = true,
                         .content_type = "application/json",
                         .write_id = json_string_value(json_object_get(info, "id"))};
    int rc = aws_s3_put(b->s3, b->lock_key, text, strlen(text), &o, NULL);
    free(text);
    if (rc != VPCE_EEXISTS)
        return rc;
    /* Held: say by whom. Released in between: worth another attempt at once. */
    rc = read_lock(b, holder_out);
    if (rc < 0)
        return rc;
    if (!*holder_out)
        return vpce_error_setc(VPCE_ERETRY, "the lock was released while being taken");
    return VPCE_ELOCKED;
}

static int b_lock_info(void *ctx, json_t **out)
{
    return read_lock(ctx, out);
}

static int b_unlock(void *ctx, const char *id)
{
    s3b *b = ctx;
    json_t *cur = NULL;
    int rc = read_lock(b, &cur);
    if (rc < 0)
        return rc;
    const char *cur_id = json_string_value(json_object_get(cur, "id"));
    if (!cur_id || strcmp(cur_id, id) != 0) {
        char *url = aws_s3_url(b->s3, b->lock_key);
        rc = vpce_error_setc(VPCE_ENOTFOUND, "%s has no lock with ID \"%s\"%s%s", url, id,
                             cur_id ? ": it is held with ID " : "", cur_id ? cur_id : "");
        free(url);
    } else {
        rc = aws_s3_delete(b->s3, b->lock_key);
    }
    json_decref(cur);
    return rc;
}

static int b_remove(void *ctx)
{
    s3b *b = ctx;
    char etag[AWS_S3_ETAG_MAX] = "";
    int rc = aws_s3_head(b->s3, b->key, etag, NULL);
    if (rc == VPCE_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    if (!b->etag || strcmp(etag, b->etag) != 0) {
        char *url = aws_s3_url(b->s3, b->key);
        rc = vpce_error_setc(VPCE_ESTALE, "the state %s changed since it was read: not deleted",
                             url);
        free(url);
        return rc;
    }
    return aws_s3_delete(b->s3, b->key);
}

static void b_free(void *ctx)
{
    s3b *b = ctx;
    if (!b)
        return;
    if (b->s3)
        atomic_fetch_add(&total_requests, aws_s3_requests(b->s3));
    aws_s3_free(b->s3);
    free(b->key);
    free(b->lock_key);
    free(b->path_label);
    free(b->etag);
    free(b);
}

static const vpce_state_backend_ops s3_ops = {
    .kind = "s3",
    .pull = b_pull,
    .push = b_push,
    .lock = b_lock,
    .unlock = b_unlock,
    .lock_info = b_lock_info,
    .remove = b_remove,
    .free = b_free,
};

static const char *prefix_of(const vpce_s3_backend_config *cfg)
{
    return cfg->workspace_key_prefix ? cfg->workspace_key_prefix : "env:";
}

static int check_config(const vpce_s3_backend_config *cfg)
{
    if (!cfg->key || !*cfg->key)
        return vpce_error_setc(VPCE_EINVALID, "the S3 backend needs a \"key\"");
    if (cfg->key[0] == '/' || cfg->key[strlen(cfg->key) - 1] == '/')
        return vpce_error_setc(VPCE_EINVALID,
                               "invalid key \"%s\": it may not start or end with \"/\"", cfg->key);
    if (cfg->workspace_key_prefix && strchr(cfg->workspace_key_prefix, '/') &&
        cfg->workspace_key_prefix[strlen(cfg->workspace_key_prefix) - 1] == '/')
        return vpce_error_setc(VPCE_EINVALID,
                               "invalid workspace_key_prefix \"%s\": it may not end with \"/\"",
                               cfg->workspace_key_prefix);
    return 0;
}

static int make_client(aws_s3 **out, const vpce_s3_backend_config *cfg)
{
    vpce_aws_role_blocks roles;
    memset(&roles, 0, sizeof(roles));
    int rc = 0;
    if (cfg->assume_role) {
        rc = vpce_aws_roles_decode(&roles, cfg->assume_role);
        if (rc < 0) {
            char *msg = vpce_strdup(vpce_error_last());
            rc = vpce_error_setc(rc, "the S3 backend's %s", msg);
            free(msg);
            vpce_aws_roles_release(&roles);
            return rc;
        }
    }
    aws_s3_config sc = {
        .bucket = cfg->bucket,
        .region = cfg->region,
        .endpoint = cfg->endpoint,
        .profile = cfg->profile,
        .shared_credentials_files = cfg->shared_credentials_files,
        .use_path_style = cfg->use_path_style,
        .sse = cfg->encrypt ? (cfg->kms_key_id && *cfg->kms_key_id ? "aws:kms" : "AES256") : NULL,
        .kms_key_id = cfg->kms_key_id,
        .assume_roles = roles.roles,
        .nassume_roles = roles.n,
        .sts_endpoint = cfg->sts_endpoint,
        .sts_region = cfg->sts_region,
    };
    rc = aws_s3_new(out, &sc);
    vpce_aws_roles_release(&roles);
    return rc;
}

int vpce_s3_backend_new(vpce_state_backend **out, const vpce_s3_backend_config *cfg,
                        const char *workspace)
{
    *out = NULL;
    int rc = check_config(cfg);
    if (rc < 0)
        return rc;
    s3b *b = vpce_calloc(1, sizeof(*b));
    rc = make_client(&b->s3, cfg);
    if (rc < 0) {
        b_free(b);
        return rc;
    }
    if (!workspace || strcmp(workspace, "default") == 0)
        b->key = vpce_strdup(cfg->key);
    else
        b->key = vpce_asprintf("%s/%s/%s", prefix_of(cfg), workspace, cfg->key);
    b->lock_key = vpce_asprintf("%s.tflock", b->key);
    b->path_label = vpce_asprintf("%s/%s", cfg->bucket, b->key);
    char *where = aws_s3_url(b->s3, b->key);
    *out = vpce_state_backend_new(&s3_ops, b, where, NULL);
    free(where);
    return 0;
}

int vpce_s3_backend_workspaces(const vpce_s3_backend_config *cfg, json_t **out)
{
    aws_s3 *s3 = NULL;
    json_t *keys = NULL;
    *out = NULL;
    int rc = check_config(cfg);
    if (rc == 0)
        rc = make_client(&s3, cfg);
    char *prefix = vpce_asprintf("%s/", prefix_of(cfg));
    if (rc == 0)
        rc = aws_s3_list(s3, prefix, &keys);
    if (rc == 0) {
        size_t plen = strlen(prefix), klen = strlen(cfg->key);
        json_t *names = json_array();
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k)
        {
            const char *key = json_string_value(k) + plen; /* NAME/KEY */
            const char *slash = strchr(key, '/');
            if (!slash || slash == key || strlen(slash + 1) != klen ||
                strcmp(slash + 1, cfg->key) != 0)
                continue;
            json_array_append_new(names, json_stringn(key, (size_t)(slash - key)));
        }
        vpce_json_array_sort(names, vpce_json_cmp_strings);
        *out = names;
    }
    if (s3)
        atomic_fetch_add(&total_requests, aws_s3_requests(s3));
    free(prefix);
    json_decref(keys);
    aws_s3_free(s3);
    return rc;
}
