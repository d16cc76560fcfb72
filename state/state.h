/*
 * state: the SQLite store of what vpce manages. One database file (by default `vpce.db` beside
 * the configuration) holds the resources and outputs of the state document, a lineage and a
 * serial, a lock so two operations cannot run at once, a journal of operations begun but not yet
 * recorded (crash recovery of apply), and the history of every apply.
 *
 * The state document exchanged with the planner (see planner/planner.h) is:
 *   { "lineage": "uuid", "serial": 7,
 *     "resources": [ { "address", "mode", "type", "name", "index", "provider", "id",
 *                      "schema_version", "attributes", "sensitive_attributes",
 *                      "dependencies" } ... ],
 *     "outputs": { "name": { "value": ..., "sensitive": false } } }
 *
 * Every change of state is one SQLite transaction: a crash leaves the old or the new state,
 * never a mix. Every committed change of resources or outputs increments the serial once.
 * Secrets: attributes are stored as given. Callers mark secret attributes in
 * "sensitive_attributes" (top-level attribute names or paths) so renderers hide them; this
 * module never reads anything from the environment into the database.
 *
 * Only this module includes sqlite3.h. The handle is not thread-safe: use one per thread.
 */
#ifndef VPCE_STATE_H
#define VPCE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

/* The schema version this build writes; migrations 1..VPCE_STATE_SCHEMA_VERSION exist. */
#define VPCE_STATE_SCHEMA_VERSION 2

typedef struct vpce_state vpce_state;

/* ---- opening ----------------------------------------------------------------------------- */

/* The default database path for a configuration directory: "<dir>/vpce.db" ("vpce.db" when dir
 * is NULL or ""). The caller frees the result. */
char *vpce_state_default_path(const char *dir);

/*
 * Opens the state database at path. With create_if_missing a missing file is created (mode
 * 0600, as are its -wal and -shm files) with a new lineage and serial 0; without it a missing
 * file is VPCE_ENOTFOUND. Older schemas are migrated in one transaction; a database written by
 * a newer vpce is refused with VPCE_EINVALID. The connection uses WAL, synchronous=FULL,
 * foreign_keys=ON and a busy timeout. Free *out with vpce_state_close().
 */
int vpce_state_open(vpce_state **out, const char *path, bool create_if_missing);
/* Closes the handle (releasing a lock it still holds, rolling back an open batch). NULL is a
 * no-op. */
void vpce_state_close(vpce_state *st);
/* The path the handle was opened with: the database file, or a remote backend's working copy
 * (borrowed). */
const char *vpce_state_path(const vpce_state *st);
/* Where the state lives, for messages: the database path, or the remote backend's URL. */
const char *vpce_state_where(const vpce_state *st);

/* ---- backends: where the state lives ---------------------------------------------------- */

/*
 * A backend is where the state is kept. The local backend is the database file itself. A remote
 * backend (an object store) keeps the database elsewhere and implements the operations below;
 * state/ works on a local working copy of it and calls them, so nothing above state/ knows where
 * the state lives. Callers build a backend and open it with vpce_state_open_backend().
 */
typedef struct vpce_state_backend_ops {
    const char *kind; /* "local", "s3", ... for messages */
    /* Copies the stored database into the file at path (which it creates, mode 0600).
       VPCE_ENOTFOUND when nothing is stored yet. */
    int (*pull)(void *ctx, const char *path);
    /* Stores the database file at path as the new state. Must refuse (VPCE_ESTALE, message
       set) when the stored state is no longer the one pulled or last pushed, so that a writer
       that lost its lock never replaces a newer state. Called after every committed
       transaction, journal entries included, before the call that committed returns. A push
       after a pull that found nothing (or with no pull at all) creates the state only if none
       exists: VPCE_EEXISTS when one appeared. */
    int (*push)(void *ctx, const char *path);
    /* The lock, when the backend keeps it itself; NULL: the lock lives in the database.
       lock: info is {"id", "operation", "holder", "pid", "host", "created_at"} (borrowed);
       returns 0, or VPCE_ELOCKED with *holder_out (new reference) in the same shape,
       VPCE_ERETRY for a conflict worth retrying at once, or another error. unlock releases the
       lock with that id (VPCE_ENOTFOUND if it has another id or none); lock_info reads it
       (*out NULL when unlocked). */
    int (*lock)(void *ctx, const json_t *info, json_t **holder_out);
    int (*unlock)(void *ctx, const char *id);
    int (*lock_info)(void *ctx, json_t **out);
    /* Deletes the stored state (a workspace being deleted); VPCE_ESTALE when it is no longer
       the one pulled. May be NULL: the backend cannot delete states. */
    int (*remove)(void *ctx);
    /* Frees ctx; may be NULL. */
    void (*free)(void *ctx);
} vpce_state_backend_ops;

typedef struct vpce_state_backend vpce_state_backend;

/* The database file at path. Caller owns the result (vpce_state_backend_free, or pass it to
   vpce_state_open_backend). */
vpce_state_backend *vpce_state_backend_local(const char *path);
/*
 * A remote backend: ops (static, borrowed) on ctx (owned: freed with ops->free), described as
 * where in messages ("s3://bucket/key"), its working copy kept at cache_path (a file that
 * vpce_state_open_backend replaces with what pull brings). Caller owns the result.
 */
vpce_state_backend *vpce_state_backend_new(const vpce_state_backend_ops *ops, void *ctx,
                                           const char *where, const char *cache_path);
void vpce_state_backend_free(vpce_state_backend *b);
/* The path or URL of the state, for messages (borrowed). */
const char *vpce_state_backend_where(const vpce_state_backend *b);
/* "local", or the remote backend's ops->kind (borrowed). */
const char *vpce_state_backend_kind(const vpce_state_backend *b);

/*
 * Remote working copies: with cache_path NULL, vpce_state_backend_new() keeps the working copy in
 * a private directory of its own under TMPDIR (or /tmp), removed when the backend is freed, so
 * that two runs never share one.
 */

/*
 * Opens the state backend b holds, taking ownership of b (freed with the handle, or at once on
 * failure). Like vpce_state_open(): with create_if_missing a state that does not exist yet is
 * created (and, for a remote backend, pushed), without it that is VPCE_ENOTFOUND.
 */
int vpce_state_open_backend(vpce_state **out, vpce_state_backend *b, bool create_if_missing);

/* True if st lives in a remote backend (its file is a working copy). */
bool vpce_state_is_remote(const vpce_state *st);

/* ---- the whole database: migration, `state pull` and `state push` ------------------------ */

/*
 * Writes a consistent copy of st's database, byte for byte, to the new file dst (mode 0600;
 * VPCE_EEXISTS if it exists): the WAL is folded into the file first and SQLite's write lock is
 * held while copying, so no commit can land half-copied. Not inside a batch.
 */
int vpce_state_snapshot(vpce_state *st, const char *dst);
/* The lineage (*out_lineage, caller frees) and serial of the state database file at path;
 * VPCE_EINVALID when it is not a vpce state (or is newer than this vpce). */
int vpce_state_file_info(const char *path, char **out_lineage, int64_t *out_serial);
/*
 * Makes the database file src the state of st (lineage and serial checks are the caller's): a
 * remote working copy takes src's bytes and is pushed (conditionally, as every push); the local
 * file gets src's content through SQLite's backup API (other processes may have it open), which
 * also drops the lock row this handle held. st stays open on the new content.
 */
int vpce_state_replace(vpce_state *st, const char *src);
/*
 * Makes the database file src the state of backend b where none exists yet, byte for byte: the
 * local backend links a copy into place (VPCE_EEXISTS if a file is there), a remote backend
 * pushes it with nothing pulled (VPCE_EEXISTS if a state appeared). b is borrowed.
 */
int vpce_state_backend_seed(vpce_state_backend *b, const char *src);
/*
 * Deletes the stored state st holds (the local file and its WAL, or the remote object through
 * ops->remove) and closes st in every case (releasing its lock). For deleting a workspace.
 */
int vpce_state_delete(vpce_state *st);

/* ---- the document ------------------------------------------------------------------------ */

/* The whole state document (shape above). Resources are sorted by address, integer indexes
 * numerically ([2] before [10]) and before string keys. Caller owns *out. A row or an output
 * whose JSON cannot be read (or has the wrong shape) is never read as an empty value: the whole
 * load fails with VPCE_EINVALID and a message that names the file and the address. */
int vpce_state_load(vpce_state *st, json_t **out);
/*
 * Replaces every resource and output with those of doc (same shape; "lineage" is optional and
 * one different from the database's is VPCE_EINVALID; "serial" is ignored: the database's is
 * incremented once). One transaction. doc is borrowed. Staleness checks (a plan made against an
 * older serial) are the caller's, with vpce_state_serial().
 */
int vpce_state_store(vpce_state *st, const json_t *doc);
/*
 * The addresses of every resource row as a JSON array of strings, in vpce_state_load()'s order,
 * read without the rows' other columns: what `state rm` needs to forget a damaged row that
 * vpce_state_load() refuses (VPCE_EINVALID, naming the file and the address). Caller owns.
 */
int vpce_state_list_addresses(vpce_state *st, json_t **out);
/* One resource by address, in the document's shape; VPCE_ENOTFOUND when absent, VPCE_EINVALID
 * when its row is damaged. Caller owns. */
int vpce_state_get_resource(vpce_state *st, const char *address, json_t **out);
/*
 * Inserts or replaces one resource (an object of the document's resources[] shape; "address",
 * "type" and "name" are required). One transaction that increments the serial. Borrowed.
 */
int vpce_state_put_resource(vpce_state *st, const json_t *resource);
/* Removes one resource; VPCE_ENOTFOUND when absent. One transaction, serial incremented. */
int vpce_state_remove_resource(vpce_state *st, const char *address);
/*
 * Moves src to dst. If src is an instance address it moves that instance; if it names a whole
 * resource ("aws_subnet.a") every instance moves with its index kept ("aws_subnet.b[0]"). The
 * type and mode cannot change; an existing destination is VPCE_EEXISTS, a missing source
 * VPCE_ENOTFOUND. *out_moved (may be NULL) gets the number of instances moved. One transaction.
 */
int vpce_state_move_resource(vpce_state *st, const char *src, const char *dst, int *out_moved);
/* Replaces all outputs with outputs (object name -> {"value", "sensitive"}; borrowed). */
int vpce_state_set_outputs(vpce_state *st, const json_t *outputs);
/* The lineage (borrowed, lives as long as st). */
const char *vpce_state_lineage(const vpce_state *st);
/* The current serial. */
int vpce_state_serial(vpce_state *st, int64_t *out);
/* The schema version of the open database. */
int vpce_state_schema_version(vpce_state *st, int *out);

/*
 * Batches: between vpce_state_begin() and vpce_state_commit() every change above joins one
 * transaction (a failed call inside a batch undoes only its own part) and the serial is
 * incremented once at commit if anything changed. vpce_state_rollback() discards the batch.
 * Batches do not nest.
 */
int vpce_state_begin(vpce_state *st);
int vpce_state_commit(vpce_state *st);
int vpce_state_rollback(vpce_state *st);

/* ---- journal (operations begun but not yet recorded) ------------------------------------- */

/*
 * Records that an operation on address is about to start: action ("create", "update",
 * "delete", ...), the idempotency token sent with it (may be NULL), details (object or NULL,
 * borrowed). Does not change the serial. *out_id gets the entry's id.
 */
int vpce_state_journal_begin(vpce_state *st, const char *address, const char *action,
                             const char *token, const json_t *details, int64_t *out_id);
/* Every open entry, oldest first: [{"id", "address", "action", "token", "started_at",
 * "details"}]. Caller owns. */
int vpce_state_journal_list(vpce_state *st, json_t **out);
/* Removes an entry; VPCE_ENOTFOUND when absent. */
int vpce_state_journal_clear(vpce_state *st, int64_t id);
/*
 * Records a finished operation atomically: puts resource (borrowed) or, when resource is NULL,
 * removes address (absent is fine), clears journal entry journal_id (must exist, else
 * VPCE_ENOTFOUND and nothing changes) and increments the serial, in one transaction.
 */
int vpce_state_record_result(vpce_state *st, int64_t journal_id, const json_t *resource,
                             const char *address);

/* ---- history ----------------------------------------------------------------------------- */

/* Starts a history entry for operation ("apply", "destroy", "import", "state rm"...) with status
 * "running", the current user and host. */
int vpce_state_history_begin(vpce_state *st, const char *operation, int64_t *out_id);
/* Adds one change; before/after are borrowed and may be NULL. Pass values with sensitive
 * attributes already hidden: history is printed. */
int vpce_state_history_add_change(vpce_state *st, int64_t id, const char *address,
                                  const char *action, const json_t *before, const json_t *after);
/* Finishes the entry: status ("success", "error", "interrupted"), summary (may be NULL). */
int vpce_state_history_finish(vpce_state *st, int64_t id, const char *status, const char *summary);
/* Every entry, oldest first: [{"id", "started_at", "finished_at", "user", "host", "operation",
 * "status", "summary", "changes": [{"address", "action", "before", "after"}]}]. Caller owns. */
int vpce_state_history_list(vpce_state *st, json_t **out);

/* ---- lock -------------------------------------------------------------------------------- */

/*
 * Takes the state lock for operation, retrying until timeout_ms (0: one attempt). On success
 * returns 0 and the handle holds the lock until vpce_state_unlock() or close. When someone else
 * holds it returns VPCE_ELOCKED and, if holder_out is not NULL, sets *holder_out (caller owns)
 * to {"id", "holder" ("user@host"), "operation", "pid", "host", "created_at", "info",
 * "pid_alive" (false only when the holder is on this host and its pid is gone)}. A lock whose
 * process died on this host is taken over, as an OS file lock would be released: the call then
 * succeeds and sets *holder_out to the dead holder so the caller can say so. Locking twice
 * through the same handle is a no-op.
 */
int vpce_state_lock(vpce_state *st, const char *operation, int64_t timeout_ms, json_t **holder_out);
/* Releases the lock this handle holds (no-op if none). Not inside a batch: finish it first. */
int vpce_state_unlock(vpce_state *st);
/* Removes the lock whose id is id, whoever holds it; VPCE_ENOTFOUND if no lock has that id. */
int vpce_state_force_unlock(vpce_state *st, const char *id);
/* The current lock as above, or VPCE_ENOTFOUND when unlocked. Caller owns *out. */
int vpce_state_lock_info(vpce_state *st, json_t **out);
/* The id of the lock this handle holds, or NULL (borrowed). */
const char *vpce_state_lock_id(const vpce_state *st);

/* ---- helpers ----------------------------------------------------------------------------- */

/*
 * Parses a duration as `-lock-timeout` takes it: "0", "500ms", "10s", "2m", "2m30s", "1h"
 * (integers with units h, m, s, ms, in that order; a bare number is seconds). Shared by every
 * command with -lock-timeout; lives here rather than in util. VPCE_EINVALID on bad input.
 */
int vpce_state_parse_duration(const char *s, int64_t *out_ms);

/*
 * Splits a resource address "[data.]TYPE.NAME[INDEX]" into its parts (each may be NULL):
 * *out_mode "managed"/"data", *out_type, *out_name (caller frees), *out_index (NULL when no
 * index, else a JSON integer or string; caller owns). VPCE_EINVALID when malformed.
 */
int vpce_state_parse_address(const char *address, char **out_mode, char **out_type, char **out_name,
                             json_t **out_index);

/* ---- test hooks (compiled in always; cheap) ---------------------------------------------- */

/*
 * Fault injection: after the n-th SQL statement executed from now on (any handle in the
 * process), the statement's caller stops as if the process had crashed: with
 * VPCE_STATE_FAULT_ERROR the vpce function returns VPCE_ERROR without committing, with
 * VPCE_STATE_FAULT_EXIT the process calls _exit(0) at once. n = 0 turns it off. One-shot.
 */
enum { VPCE_STATE_FAULT_ERROR = 0, VPCE_STATE_FAULT_EXIT = 1 };
void vpce_state_set_fault(int after_n_statements);
void vpce_state_set_fault_action(int action);
/* True if the fault set last fired. */
bool vpce_state_fault_fired(void);
/* Opens like vpce_state_open() but migrates only up to version (to build old databases in tests);
 * a database newer than version is refused. */
int vpce_state_open_at_version(vpce_state **out, const char *path, bool create_if_missing,
                               int version);
/* Caps the database at pages pages (PRAGMA max_page_count) to simulate a full disk. */
int vpce_state_test_limit_pages(vpce_state *st, int64_t pages);

#endif
