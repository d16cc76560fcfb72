/*
 * state/lock.c: the state lock (one row; taken and released in short transactions so that the
 * lock outlives a crash of its holder and shows who held it), and `-lock-timeout` durations.
 */
#include "state/internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the lock row into a new object, or sets *out NULL when unlocked. */
static int read_lock(vpce_state *st, json_t **out)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    int rc =
        st_prepare(st, &s, "SELECT id, holder, operation, pid, host, created_at, info FROM lock");
    if (rc)
        return rc;
    int r = st_step(st, s);
    if (r == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", st_column_string(s, 0));
        json_object_set_new(o, "holder", st_column_string(s, 1));
        json_object_set_new(o, "operation", st_column_string(s, 2));
        json_object_set_new(o, "pid", json_integer(sqlite3_column_int64(s, 3)));
        json_object_set_new(o, "host", st_column_string(s, 4));
        json_object_set_new(o, "created_at", st_column_string(s, 5));
        json_object_set_new(o, "info", st_column_string(s, 6));
        /* Alive unless it is on this host and its process is gone (a reused pid reads as alive:
           the safe direction). */
        bool alive = true;
        char *host = st_host();
        pid_t pid = (pid_t)sqlite3_column_int64(s, 3);
        const char *lock_host = json_string_value(json_object_get(o, "host"));
        if (lock_host && strcmp(host, lock_host) == 0 && pid > 0 && kill(pid, 0) != 0 &&
            errno == ESRCH)
            alive = false;
        free(host);
        json_object_set_new(o, "pid_alive", json_boolean(alive));
        *out = o;
    } else if (r != SQLITE_DONE) {
        rc = VPCE_ERROR;
    }
    sqlite3_finalize(s);
    return rc;
}

/* One attempt through a backend that keeps the lock itself. */
static int try_backend_lock(vpce_state *st, const vpce_state_backend_ops *ops,
                            const char *operation, const char *id, json_t **holder)
{
    char *user = st_user(), *host = st_host();
    char now[32];
    st_now_iso(now, sizeof(now));
    json_t *info =
        json_pack("{s:s,s:s,s:s++,s:I,s:s,s:s}", "id", id, "operation", operation, "holder", user,
                  "@", host, "pid", (json_int_t)getpid(), "host", host, "created_at", now);
    int rc = ops->lock(st_backend_ctx(st), info, holder);
    json_decref(info);
    free(user);
    free(host);
    return rc;
}

/* One attempt: 0 and the lock taken, VPCE_ELOCKED with *holder set, or an error. */
static int try_lock(vpce_state *st, const char *operation, const char *id, json_t **holder)
{
    const vpce_state_backend_ops *ops = st_backend_lock_ops(st);
    if (ops)
        return try_backend_lock(st, ops, operation, id, holder);
    sqlite3_stmt *s = NULL;
    char *user = st_user(), *host = st_host();
    char *who = vpce_asprintf("%s@%s", user, host);
    char now[32];
    st_now_iso(now, sizeof(now));
    *holder = NULL;
    int rc = st_exec(st, "BEGIN IMMEDIATE");
    if (rc)
        goto done;
    rc = read_lock(st, holder);
    if (rc == 0 && *holder) {
        /* A lock left by a process that died on this host is taken over, as an OS file lock
           would be released: the journal, not the lock, carries what that run left unfinished.
           *holder stays set so the caller can say whose lock it took. */
        if (json_is_false(json_object_get(*holder, "pid_alive")))
            rc = st_exec(st, "DELETE FROM lock");
        else
            rc = VPCE_ELOCKED;
    }
    if (rc == 0)
        rc = st_prepare(st, &s,
                        "INSERT INTO lock (singleton, id, holder, operation, pid, host, "
                        "created_at, info) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, NULL)");
    if (rc == 0) {
        st_bind_text(s, 1, id);
        st_bind_text(s, 2, who);
        st_bind_text(s, 3, operation ? operation : "");
        sqlite3_bind_int64(s, 4, (sqlite3_int64)getpid());
        st_bind_text(s, 5, host);
        st_bind_text(s, 6, now);
        rc = st_run(st, s);
    }
    sqlite3_finalize(s);
    if (rc == 0)
        rc = st_exec(st, "COMMIT");
done:
    if (sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    free(user);
    free(host);
    free(who);
    return rc;
}

int vpce_state_lock(vpce_state *st, const char *operation, int64_t timeout_ms, json_t **holder_out)
{
    json_t *holder = NULL;
    int rc;
    if (holder_out)
        *holder_out = NULL;
    if (st->lock_id)
        return 0;
    if (st->batch)
        return vpce_error_set("cannot take the state lock inside a batch");
    char *id = st_uuid();
    int64_t deadline = vpce_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int64_t wait = 50;
    for (;;) {
        json_decref(holder);
        holder = NULL;
        rc = try_lock(st, operation, id, &holder);
        if (rc != VPCE_ELOCKED && rc != VPCE_ERETRY)
            break;
        int64_t now = vpce_now_ms();
        if (now >= deadline)
            break;
        vpce_sleep_ms(wait < deadline - now ? wait : deadline - now);
        if (wait < 1000)
            wait *= 2;
    }
    if (rc == 0) {
        st->lock_id = id;
        id = NULL;
        if (holder && holder_out) { /* a dead holder's lock was taken over */
            *holder_out = holder;
            holder = NULL;
        }
    } else if (rc == VPCE_ELOCKED) {
        rc = vpce_error_setc(
            VPCE_ELOCKED, "state \"%s\" is locked by %s (operation \"%s\", lock ID %s)",
            vpce_state_where(st), json_string_value(json_object_get(holder, "holder")),
            json_string_value(json_object_get(holder, "operation")),
            json_string_value(json_object_get(holder, "id")));
        if (holder_out) {
            *holder_out = holder;
            holder = NULL;
        }
    }
    json_decref(holder);
    free(id);
    return rc;
}

/* Deletes the lock row with id; VPCE_ENOTFOUND if the lock has another id or none. */
static int delete_lock(vpce_state *st, const char *id)
{
    const vpce_state_backend_ops *ops = st_backend_lock_ops(st);
    if (ops)
        return ops->unlock(st_backend_ctx(st), id);
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "DELETE FROM lock WHERE id = ?1");
    if (rc)
        return rc;
    st_bind_text(s, 1, id);
    rc = st_run(st, s);
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "state \"%s\" has no lock with ID \"%s\"",
                             vpce_state_where(st), id);
    sqlite3_finalize(s);
    return rc;
}

int st_lock_restore(vpce_state *st)
{
    if (st_backend_lock_ops(st))
        return 0;
    int rc = st_exec(st, "DELETE FROM lock");
    if (rc || !st->lock_id)
        return rc;
    sqlite3_stmt *s = NULL;
    char *user = st_user(), *host = st_host();
    char *who = vpce_asprintf("%s@%s", user, host);
    char now[32];
    st_now_iso(now, sizeof(now));
    rc = st_prepare(st, &s,
                    "INSERT INTO lock (singleton, id, holder, operation, pid, host, created_at, "
                    "info) VALUES (1, ?1, ?2, 'state push', ?3, ?4, ?5, NULL)");
    if (rc == 0) {
        st_bind_text(s, 1, st->lock_id);
        st_bind_text(s, 2, who);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)getpid());
        st_bind_text(s, 4, host);
        st_bind_text(s, 5, now);
        rc = st_run(st, s);
    }
    sqlite3_finalize(s);
    free(user);
    free(host);
    free(who);
    return rc;
}

int vpce_state_unlock(vpce_state *st)
{
    if (!st->lock_id)
        return 0;
    if (st->batch) /* a rollback of the batch would bring the lock back */
        return vpce_error_set("cannot release the state lock inside a batch");
    int rc = delete_lock(st, st->lock_id);
    if (rc == VPCE_ENOTFOUND)
        rc = 0; /* force-unlocked by someone else: nothing left to release */
    if (rc == 0) {
        free(st->lock_id);
        st->lock_id = NULL;
    }
    return rc;
}

int vpce_state_force_unlock(vpce_state *st, const char *id)
{
    int rc = delete_lock(st, id);
    if (rc == 0 && st->lock_id && strcmp(st->lock_id, id) == 0) {
        free(st->lock_id);
        st->lock_id = NULL;
    }
    return rc;
}

int vpce_state_lock_info(vpce_state *st, json_t **out)
{
    const vpce_state_backend_ops *ops = st_backend_lock_ops(st);
    int rc = ops ? ops->lock_info(st_backend_ctx(st), out) : read_lock(st, out);
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "state \"%s\" is not locked", vpce_state_where(st));
    return rc;
}

const char *vpce_state_lock_id(const vpce_state *st)
{
    return st->lock_id;
}

int vpce_state_parse_duration(const char *s, int64_t *out_ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000}};
    const char *p = s;
    int64_t total = 0;
    int last = -1; /* units must come in decreasing order */
    if (!s || !*s)
        goto bad;
    while (*p) {
        if (*p < '0' || *p > '9')
            goto bad;
        char *end = NULL;
        errno = 0;
        long long n = strtoll(p, &end, 10);
        if (errno || n > 1000000000LL)
            goto bad;
        p = end;
        if (*p == '\0') {
            /* A bare number is seconds, and only on its own. */
            if (p != s + strspn(s, "0123456789"))
                goto bad;
            total = n * 1000;
            break;
        }
        int u = -1;
        for (int i = 0; i < 4; i++) {
            size_t ul = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, ul) == 0 &&
                !(i == 2 && p[1] == 's')) { /* "ms" is not "m" followed by "s" */
                u = i;
                p += ul;
                break;
            }
        }
        if (u < 0)
            goto bad;
        int order = u == 0 ? 0 : u == 2 ? 1 : u == 3 ? 2 : 3;
        if (order <= last)
            goto bad;
        last = order;
        total += n * units[u].ms;
    }
    *out_ms = total;
    return 0;
bad:
    return vpce_error_setc(VPCE_EINVALID,
                           "invalid duration \"%s\" (expected e.g. \"10s\", \"2m\", \"2m30s\")",
                           s ? s : "");
}
