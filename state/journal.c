/*
 * state/journal.c: the journal of operations begun but not yet recorded, and the history of
 * every apply.
 */
#include "state/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- journal ----------------------------------------------------------------------------- */

int vpce_state_journal_begin(vpce_state *st, const char *address, const char *action,
                             const char *token, const json_t *details, int64_t *out_id)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    st_now_iso(now, sizeof(now));
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = st_prepare(st, &s,
                    "INSERT INTO journal (address, action, token, started_at, details) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (rc)
        goto cleanup;
    st_bind_text(s, 1, address);
    st_bind_text(s, 2, action);
    st_bind_text(s, 3, token);
    st_bind_text(s, 4, now);
    st_bind_json(s, 5, details);
    rc = st_run(st, s);
    if (rc == 0 && out_id)
        *out_id = sqlite3_last_insert_rowid(st->db);
cleanup:
    sqlite3_finalize(s);
    return st_tx_end(st, rc, false);
}

int vpce_state_journal_list(vpce_state *st, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *s = NULL;
    json_t *arr = json_array();
    int rc = st_prepare(st, &s,
                        "SELECT id, address, action, token, started_at, details FROM journal "
                        "ORDER BY id");
    if (rc)
        goto cleanup;
    int r;
    while ((r = st_step(st, s)) == SQLITE_ROW) {
        json_t *details = st_column_json(s, 5);
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer(sqlite3_column_int64(s, 0)));
        json_object_set_new(e, "address", st_column_string(s, 1));
        json_object_set_new(e, "action", st_column_string(s, 2));
        json_object_set_new(e, "token", st_column_string(s, 3));
        json_object_set_new(e, "started_at", st_column_string(s, 4));
        json_object_set_new(e, "details", details);
        json_array_append_new(arr, e);
        /* An entry that cannot be read in full cannot be reconciled safely: a create it
           stands for could be sent a second time. */
        if (!details || !json_is_string(json_object_get(e, "address")) ||
            !json_is_string(json_object_get(e, "action"))) {
            const char *address = (const char *)sqlite3_column_text(s, 1);
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "the state \"%s\" is damaged: the journal entry %lld for "
                                 "\"%.200s\" cannot be read (column \"details\" is not valid "
                                 "JSON, or its address or action is not text); restore a "
                                 "backup of the state",
                                 st->path, (long long)sqlite3_column_int64(s, 0),
                                 address ? address : "");
            goto cleanup;
        }
    }
    if (r != SQLITE_DONE) {
        rc = VPCE_ERROR;
        goto cleanup;
    }
    *out = arr;
    arr = NULL;
cleanup:
    sqlite3_finalize(s);
    json_decref(arr);
    return rc;
}

/* Deletes journal entry id; VPCE_ENOTFOUND if there is none. No transaction of its own. */
static int delete_entry(vpce_state *st, int64_t id)
{
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "DELETE FROM journal WHERE id = ?1");
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = st_run(st, s);
    if (rc == 0 && sqlite3_changes(st->db) == 0)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "no journal entry %lld", (long long)id);
    sqlite3_finalize(s);
    return rc;
}

int vpce_state_journal_clear(vpce_state *st, int64_t id)
{
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = delete_entry(st, id);
    return st_tx_end(st, rc, false);
}

int vpce_state_record_result(vpce_state *st, int64_t journal_id, const json_t *resource,
                             const char *address)
{
    if (!resource && !address)
        return vpce_error_setc(VPCE_EINVALID, "a deleted resource needs its address");
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = delete_entry(st, journal_id);
    if (rc == 0)
        rc = resource ? st_write_resource(st, resource) : st_delete_resource(st, address);
    return st_tx_end(st, rc, true);
}

/* ---- history ----------------------------------------------------------------------------- */

int vpce_state_history_begin(vpce_state *st, const char *operation, int64_t *out_id)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    char *user = st_user(), *host = st_host();
    st_now_iso(now, sizeof(now));
    int rc = st_tx_begin(st);
    if (rc)
        goto done;
    rc = st_prepare(st, &s,
                    "INSERT INTO history (started_at, user, host, operation, status) "
                    "VALUES (?1, ?2, ?3, ?4, 'running')");
    if (rc == 0) {
        st_bind_text(s, 1, now);
        st_bind_text(s, 2, user);
        st_bind_text(s, 3, host);
        st_bind_text(s, 4, operation);
        rc = st_run(st, s);
        if (rc == 0 && out_id)
            *out_id = sqlite3_last_insert_rowid(st->db);
    }
    sqlite3_finalize(s);
    rc = st_tx_end(st, rc, false);
done:
    free(user);
    free(host);
    return rc;
}

int vpce_state_history_add_change(vpce_state *st, int64_t id, const char *address,
                                  const char *action, const json_t *before, const json_t *after)
{
    sqlite3_stmt *s = NULL;
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = st_prepare(st, &s,
                    "INSERT INTO history_changes (history_id, address, action, before, after) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, id);
        st_bind_text(s, 2, address);
        st_bind_text(s, 3, action);
        st_bind_json(s, 4, before);
        st_bind_json(s, 5, after);
        rc = st_run(st, s);
        if (rc && strstr(vpce_error_last(), "FOREIGN KEY"))
            rc = vpce_error_setc(VPCE_ENOTFOUND, "no history entry %lld", (long long)id);
    }
    sqlite3_finalize(s);
    return st_tx_end(st, rc, false);
}

int vpce_state_history_finish(vpce_state *st, int64_t id, const char *status, const char *summary)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    st_now_iso(now, sizeof(now));
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = st_prepare(st, &s,
                    "UPDATE history SET finished_at = ?1, status = ?2, summary = ?3 WHERE id = ?4");
    if (rc == 0) {
        st_bind_text(s, 1, now);
        st_bind_text(s, 2, status);
        st_bind_text(s, 3, summary);
        sqlite3_bind_int64(s, 4, id);
        rc = st_run(st, s);
        if (rc == 0 && sqlite3_changes(st->db) == 0)
            rc = vpce_error_setc(VPCE_ENOTFOUND, "no history entry %lld", (long long)id);
    }
    sqlite3_finalize(s);
    return st_tx_end(st, rc, false);
}

int vpce_state_history_list(vpce_state *st, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *s = NULL, *c = NULL;
    json_t *arr = json_array();
    int rc = st_prepare(st, &s,
                        "SELECT id, started_at, finished_at, user, host, operation, status, "
                        "summary FROM history ORDER BY id");
    if (rc == 0)
        rc = st_prepare(st, &c,
                        "SELECT address, action, before, after FROM history_changes "
                        "WHERE history_id = ?1 ORDER BY id");
    if (rc)
        goto cleanup;
    int r;
    while ((r = st_step(st, s)) == SQLITE_ROW) {
        json_t *e = json_object();
        json_t *changes = json_array();
        static const char *const names[] = {"id",   "started_at", "finished_at", "user",
                                            "host", "operation",  "status",      "summary"};
        json_object_set_new(e, names[0], json_integer(sqlite3_column_int64(s, 0)));
        for (int i = 1; i < 8; i++)
            json_object_set_new(e, names[i], st_column_string(s, i));
        json_object_set_new(e, "changes", changes);
        json_array_append_new(arr, e);
        sqlite3_reset(c);
        sqlite3_bind_int64(c, 1, sqlite3_column_int64(s, 0));
        int rr;
        while ((rr = st_step(st, c)) == SQLITE_ROW) {
            json_t *before = st_column_json(c, 2), *after = st_column_json(c, 3);
            if (!before || !after) {
                const char *address = (const char *)sqlite3_column_text(c, 0);
                rc = vpce_error_setc(VPCE_EINVALID,
                                     "the state \"%s\" is damaged: in the history entry %lld, "
                                     "the change of \"%.200s\" is not valid JSON",
                                     st->path, (long long)sqlite3_column_int64(s, 0),
                                     address ? address : "");
                json_decref(before);
                json_decref(after);
                goto cleanup;
            }
            json_t *ch = json_object();
            json_object_set_new(ch, "address", st_column_string(c, 0));
            json_object_set_new(ch, "action", st_column_string(c, 1));
            json_object_set_new(ch, "before", before);
            json_object_set_new(ch, "after", after);
            json_array_append_new(changes, ch);
        }
        if (rr != SQLITE_DONE) {
            rc = VPCE_ERROR;
            goto cleanup;
        }
    }
    if (r != SQLITE_DONE) {
        rc = VPCE_ERROR;
        goto cleanup;
    }
    *out = arr;
    arr = NULL;
cleanup:
    sqlite3_finalize(s);
    sqlite3_finalize(c);
    json_decref(arr);
    return rc;
}
