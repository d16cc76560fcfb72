/* state/internal.h: what the files of state/ share; never included outside state/. */
#ifndef VPCE_STATE_INTERNAL_H
#define VPCE_STATE_INTERNAL_H

#include <sqlite3.h>

#include "state/state.h"

struct vpce_state {
    sqlite3 *db;
    char *path;
    char *lineage;
    char *lock_id;               /* the lock this handle holds, or NULL */
    bool batch;                  /* inside vpce_state_begin() */
    bool dirty;                  /* the batch changed resources or outputs */
    vpce_state_backend *backend; /* where the state lives; NULL: the file at path */
};

/* Called after every committed top-level transaction: a remote backend stores the database
 * (see vpce_state_backend_ops.push). 0 for the local backend. */
int st_after_commit(vpce_state *st);
/* The backend's lock operations, or NULL when the lock lives in the database. */
const vpce_state_backend_ops *st_backend_lock_ops(const vpce_state *st);
void *st_backend_ctx(const vpce_state *st);
void st_backend_free(vpce_state_backend *b);

/* After the database content was replaced: removes any lock row it brought and puts back the
 * one of the lock this handle holds (local lock only). */
int st_lock_restore(vpce_state *st);

/* Fault injection: counts one statement; returns true when the fault fires (action ERROR). */
bool st_fault_tick(void);

/* Runs one SQL text with no parameters (may hold several statements). */
int st_exec(vpce_state *st, const char *sql);
/* Prepares sql; on failure sets the error. */
int st_prepare(vpce_state *st, sqlite3_stmt **out, const char *sql);
/* Steps s once: SQLITE_ROW or SQLITE_DONE, anything else (or a fault) sets the error and
 * returns VPCE_ERROR through *rc. Returns the sqlite code or -1. */
int st_step(vpce_state *st, sqlite3_stmt *s);
/* Steps a non-query statement to completion; 0 or VPCE_ERROR. */
int st_run(vpce_state *st, sqlite3_stmt *s);

/* Binds helpers (NULL text or json binds SQL NULL). */
int st_bind_text(sqlite3_stmt *s, int i, const char *v);
int st_bind_json(sqlite3_stmt *s, int i, const json_t *v);
/* A column holding JSON text as a new reference: json null for SQL NULL, NULL when the text is
 * not valid JSON (the caller reports the state as damaged, naming what it was reading). */
json_t *st_column_json(sqlite3_stmt *s, int i);
/* A column as a new json string, or json null. */
json_t *st_column_string(sqlite3_stmt *s, int i);

/*
 * One change is one transaction: outside a batch st_tx_begin starts BEGIN IMMEDIATE and
 * st_tx_end commits (bumping the serial when `changes_state`) or rolls back on err; inside a
 * batch they use a savepoint so a failed call undoes only itself.
 */
int st_tx_begin(vpce_state *st);
int st_tx_end(vpce_state *st, int err, bool changes_state);

/* Resource rows without a transaction of their own (for vpce_state_record_result). Deleting a
 * missing address is not an error. */
int st_write_resource(vpce_state *st, const json_t *r);
int st_delete_resource(vpce_state *st, const char *address);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 32 bytes). */
void st_now_iso(char *buf, size_t n);
/* A random UUID v4 as a new string. */
char *st_uuid(void);
/* "user" and "host" of this process (from the password database and gethostname, never from
 * the environment); caller frees. */
char *st_user(void);
char *st_host(void);

#endif
