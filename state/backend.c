/*
 * state/backend.c: where the state lives. The local backend is the database file; a remote
 * backend is pulled into a working copy when opened and pushed after every committed
 * transaction, so the stored state is never behind what the next operation relies on (a journal
 * entry is stored before the create it announces is sent).
 */
#include "state/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vpce_state_backend {
    const vpce_state_backend_ops *ops; /* NULL: local */
    void *ctx;
    char *where;
    char *path; /* the database file, or the remote backend's working copy */
};

vpce_state_backend *vpce_state_backend_local(const char *path)
{
    vpce_state_backend *b = vpce_calloc(1, sizeof(*b));
    b->where = vpce_strdup(path);
    b->path = vpce_strdup(path);
    return b;
}

vpce_state_backend *vpce_state_backend_new(const vpce_state_backend_ops *ops, void *ctx,
                                           const char *where, const char *cache_path)
{
    VPCE_ASSERT(ops && ops->pull && ops->push);
    vpce_state_backend *b = vpce_calloc(1, sizeof(*b));
    b->ops = ops;
    b->ctx = ctx;
    b->where = vpce_strdup(where);
    b->path = vpce_strdup(cache_path);
    return b;
}

void st_backend_free(vpce_state_backend *b)
{
    if (!b)
        return;
    if (b->ops && b->ops->free)
        b->ops->free(b->ctx);
    free(b->where);
    free(b->path);
    free(b);
}

void vpce_state_backend_free(vpce_state_backend *b)
{
    st_backend_free(b);
}

const char *vpce_state_backend_where(const vpce_state_backend *b)
{
    return b->where;
}

/* Removes a working copy and its WAL files, so nothing of an older pull survives. */
static int remove_copy(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char *p = vpce_asprintf("%s%s", path, suffixes[i]);
        int err = unlink(p) != 0 && errno != ENOENT ? errno : 0;
        free(p);
        if (err)
            return vpce_error_set("cannot remove the state's working copy \"%s\": %s", path,
                                  strerror(err));
    }
    return 0;
}

/* Writes the working copy's WAL into the database file, then stores the file. */
static int push(vpce_state *st)
{
    if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
        SQLITE_OK)
        return vpce_error_set("cannot checkpoint the state's working copy \"%s\": %s", st->path,
                              sqlite3_errmsg(st->db));
    return st->backend->ops->push(st->backend->ctx, st->path);
}

int vpce_state_open_backend(vpce_state **out, vpce_state_backend *b, bool create_if_missing)
{
    *out = NULL;
    if (!b->ops) {
        int rc = vpce_state_open(out, b->path, create_if_missing);
        if (rc == 0)
            (*out)->backend = b;
        else
            st_backend_free(b);
        return rc;
    }
    bool created = false;
    int rc = remove_copy(b->path);
    if (rc == 0)
        rc = b->ops->pull(b->ctx, b->path);
    if (rc == VPCE_ENOTFOUND) {
        if (create_if_missing)
            created = true, rc = 0;
        else
            rc = vpce_error_setc(VPCE_ENOTFOUND, "no state at %s", b->where);
    }
    if (rc == 0)
        rc = vpce_state_open(out, b->path, created);
    if (rc == 0) {
        (*out)->backend = b;
        b = NULL;
        if (created) /* a new state exists remotely before anything is recorded in it */
            rc = push(*out);
        if (rc) {
            vpce_state_close(*out);
            *out = NULL;
        }
    }
    st_backend_free(b);
    return rc;
}

int st_after_commit(vpce_state *st)
{
    if (!st->backend || !st->backend->ops)
        return 0;
    return push(st);
}

const vpce_state_backend_ops *st_backend_lock_ops(const vpce_state *st)
{
    if (st->backend && st->backend->ops && st->backend->ops->lock)
        return st->backend->ops;
    return NULL;
}

void *st_backend_ctx(const vpce_state *st)
{
    return st->backend ? st->backend->ctx : NULL;
}

const char *vpce_state_where(const vpce_state *st)
{
    return st->backend ? st->backend->where : st->path;
}
