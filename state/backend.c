/*
 * state/backend.c: where the state lives. The local backend is the database file; a remote
 * backend is pulled into a working copy when opened and pushed after every committed
 * transaction, so the stored state is never behind what the next operation relies on (a journal
 * entry is stored before the create it announces is sent).
 */
#include "state/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct vpce_state_backend {
    const vpce_state_backend_ops *ops; /* NULL: local */
    void *ctx;
    char *where;
    char *path;     /* the database file, or the remote backend's working copy */
    char *temp_dir; /* the private directory of a working copy this module made, or NULL */
};

vpce_state_backend *vpce_state_backend_local(const char *path)
{
    vpce_state_backend *b = vpce_calloc(1, sizeof(*b));
    b->where = vpce_strdup(path);
    b->path = vpce_strdup(path);
    return b;
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

vpce_state_backend *vpce_state_backend_new(const vpce_state_backend_ops *ops, void *ctx,
                                           const char *where, const char *cache_path)
{
    VPCE_ASSERT(ops && ops->pull && ops->push);
    vpce_state_backend *b = vpce_calloc(1, sizeof(*b));
    b->ops = ops;
    b->ctx = ctx;
    b->where = vpce_strdup(where);
    if (cache_path) {
        b->path = vpce_strdup(cache_path);
    } else {
        /* A private directory per process: two runs never share a working copy. */
        const char *tmp = getenv("TMPDIR");
        char *tmpl = vpce_asprintf("%s/vpce-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(tmpl)) {
            b->temp_dir = tmpl;
            b->path = vpce_asprintf("%s/vpce.db", tmpl);
        } else {
            free(tmpl);
            b->path = vpce_asprintf("vpce-state-%ld.db", (long)getpid());
        }
    }
    return b;
}

void st_backend_free(vpce_state_backend *b)
{
    if (!b)
        return;
    if (b->ops && b->ops->free)
        b->ops->free(b->ctx);
    if (b->temp_dir) {
        remove_copy(b->path);
        rmdir(b->temp_dir);
        free(b->temp_dir);
    }
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

const char *vpce_state_backend_kind(const vpce_state_backend *b)
{
    return b->ops ? b->ops->kind : "local";
}

bool vpce_state_is_remote(const vpce_state *st)
{
    return st->backend && st->backend->ops;
}

/* ---- whole-database copies --------------------------------------------------------------- */

/* Copies the file from to a new file to (mode 0600, which must not exist), fsynced. */
static int copy_file(const char *from, const char *to)
{
    int rc = 0;
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return vpce_error_set("cannot read \"%s\": %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        rc = errno == EEXIST ? vpce_error_setc(VPCE_EEXISTS, "\"%s\" exists already", to)
                             : vpce_error_set("cannot create \"%s\": %s", to, strerror(errno));
        close(in);
        return rc;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = vpce_error_set("cannot read \"%s\": %s", from, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < n && rc == 0;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                rc = vpce_error_set("cannot write \"%s\": %s", to, strerror(errno));
            else
                off += w;
        }
        if (rc)
            break;
    }
    if (rc == 0 && fsync(out) != 0)
        rc = vpce_error_set("cannot write \"%s\": %s", to, strerror(errno));
    if (close(out) != 0 && rc == 0)
        rc = vpce_error_set("cannot write \"%s\": %s", to, strerror(errno));
    close(in);
    if (rc)
        unlink(to);
    return rc;
}

/* The size of path's WAL file (0 when it has none). */
static off_t wal_size(const char *path)
{
    char *w = vpce_asprintf("%s-wal", path);
    struct stat sb;
    off_t n = stat(w, &sb) == 0 ? sb.st_size : 0;
    free(w);
    return n;
}

int vpce_state_snapshot(vpce_state *st, const char *dst)
{
    if (st->batch)
        return vpce_error_set("cannot copy the state inside a batch");
    /* Fold the WAL into the file, then hold SQLite's write lock while copying it, so no commit
       lands in between; a commit that came before the lock shows as a non-empty WAL: again. */
    for (int attempt = 0; attempt < 20; attempt++) {
        if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
            SQLITE_OK)
            return vpce_error_setc(VPCE_ERETRY, "cannot checkpoint the state \"%s\": %s", st->path,
                                   sqlite3_errmsg(st->db));
        int rc = st_exec(st, "BEGIN IMMEDIATE");
        if (rc)
            return rc;
        if (wal_size(st->path) == 0) {
            rc = copy_file(st->path, dst);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        vpce_sleep_ms(50);
    }
    return vpce_error_setc(VPCE_ERETRY, "the state \"%s\" kept changing while it was copied",
                           st->path);
}

int vpce_state_file_info(const char *path, char **out_lineage, int64_t *out_serial)
{
    vpce_state *st = NULL;
    *out_lineage = NULL;
    *out_serial = 0;
    /* Opening migrates nothing that is current; an older schema is migrated in the file. */
    int rc = vpce_state_open(&st, path, false);
    if (rc == 0)
        rc = vpce_state_serial(st, out_serial);
    if (rc == 0)
        *out_lineage = vpce_strdup(st->lineage);
    vpce_state_close(st);
    return rc;
}

/* Reopens st's connection on its file (after the file was replaced underneath). */
static int reopen(vpce_state *st)
{
    vpce_state *fresh = NULL;
    sqlite3_close_v2(st->db);
    st->db = NULL;
    int rc = vpce_state_open(&fresh, st->path, false);
    if (rc)
        return rc;
    st->db = fresh->db;
    fresh->db = NULL;
    free(st->lineage);
    st->lineage = fresh->lineage;
    fresh->lineage = NULL;
    vpce_state_close(fresh);
    return 0;
}

int vpce_state_replace(vpce_state *st, const char *src)
{
    char *lineage = NULL;
    int64_t serial = 0;
    if (st->batch)
        return vpce_error_set("cannot replace the state inside a batch");
    int rc = vpce_state_file_info(src, &lineage, &serial);
    free(lineage);
    if (rc)
        return rc;
    if (!vpce_state_is_remote(st)) {
        /* Other processes may have the file open: copy through SQLite, which locks it. */
        sqlite3 *from = NULL;
        if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            rc = vpce_error_set("cannot open \"%s\": %s", src,
                                from ? sqlite3_errmsg(from) : "out of memory");
            sqlite3_close_v2(from);
            return rc;
        }
        sqlite3_backup *bk = sqlite3_backup_init(st->db, "main", from, "main");
        if (!bk) {
            rc = vpce_error_set("cannot copy \"%s\" into the state: %s", src,
                                sqlite3_errmsg(st->db));
        } else {
            int r;
            while ((r = sqlite3_backup_step(bk, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED)
                vpce_sleep_ms(50);
            sqlite3_backup_finish(bk);
            if (r != SQLITE_DONE)
                rc =
                    vpce_error_set("cannot copy \"%s\" into the state: %s", src, sqlite3_errstr(r));
        }
        sqlite3_close_v2(from);
        if (rc == 0)
            rc = reopen(st);
        if (rc == 0)
            rc = st_lock_restore(st);
        return rc;
    }
    /* A remote backend's working copy is this process's own: replace its bytes, then store. */
    rc = remove_copy(st->path);
    if (rc == 0) {
        sqlite3_close_v2(st->db);
        st->db = NULL;
        rc = copy_file(src, st->path);
    }
    if (rc == 0)
        rc = reopen(st);
    if (rc == 0)
        rc = push(st);
    return rc;
}

int vpce_state_backend_seed(vpce_state_backend *b, const char *src)
{
    char *lineage = NULL;
    int64_t serial = 0;
    int rc = vpce_state_file_info(src, &lineage, &serial);
    free(lineage);
    if (rc)
        return rc;
    if (b->ops) /* a push without a pull creates the object only if there is none */
        return b->ops->push(b->ctx, src);
    /* The file appears whole or not at all, and never replaces one that exists. */
    char *tmp = vpce_asprintf("%s.seed-%ld", b->path, (long)getpid());
    unlink(tmp);
    rc = copy_file(src, tmp);
    if (rc == 0 && link(tmp, b->path) != 0)
        rc = errno == EEXIST
                 ? vpce_error_setc(VPCE_EEXISTS, "a state exists already at \"%s\"", b->path)
                 : vpce_error_set("cannot create \"%s\": %s", b->path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return rc;
}

int vpce_state_delete(vpce_state *st)
{
    int rc = 0;
    if (vpce_state_is_remote(st)) {
        if (!st->backend->ops->remove)
            rc = vpce_error_set("the %s backend cannot delete a state", st->backend->ops->kind);
        else
            rc = st->backend->ops->remove(st->backend->ctx);
        vpce_state_close(st);
        return rc;
    }
    /* The local file: close first (releasing the lock it holds), then remove it. */
    char *path = vpce_strdup(st->path);
    vpce_state_close(st);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; rc == 0 && i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char *p = vpce_asprintf("%s%s", path, suffixes[i]);
        if (unlink(p) != 0 && errno != ENOENT)
            rc = vpce_error_set("cannot delete \"%s\": %s", p, strerror(errno));
        free(p);
    }
    free(path);
    return rc;
}
