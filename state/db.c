/*
 * state/db.c: opening the database (file mode, pragmas), the versioned schema and its
 * migrations, transactions, statement helpers and the fault-injection hook.
 */
#include "state/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Migrations: migrations[i] brings the schema from version i to i + 1, applied in order in one
 * transaction with PRAGMA user_version. Never edit a released migration: append a new one and
 * raise VPCE_STATE_SCHEMA_VERSION.
 */
static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE meta (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE resources (\n"
    "  address TEXT PRIMARY KEY,\n"
    "  mode TEXT NOT NULL CHECK (mode IN ('managed', 'data')),\n"
    "  type TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  index_key TEXT NOT NULL DEFAULT 'null',\n"
    "  provider TEXT NOT NULL,\n"
    "  provider_id TEXT,\n"
    "  schema_version INTEGER NOT NULL DEFAULT 0,\n"
    "  attributes TEXT NOT NULL DEFAULT '{}',\n"
    "  sensitive_attributes TEXT NOT NULL DEFAULT '[]',\n"
    "  dependencies TEXT NOT NULL DEFAULT '[]',\n"
    "  updated_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE outputs (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL,\n"
    "  sensitive INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE history (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  started_at TEXT NOT NULL,\n"
    "  finished_at TEXT,\n"
    "  user TEXT NOT NULL,\n"
    "  host TEXT NOT NULL,\n"
    "  operation TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  summary TEXT\n"
    ");\n"
    "CREATE TABLE history_changes (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  history_id INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE,\n"
    "  address TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  before TEXT,\n"
    "  after TEXT\n"
    ");\n"
    "CREATE TABLE journal (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  address TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  token TEXT,\n"
    "  started_at TEXT NOT NULL,\n"
    "  details TEXT\n"
    ");\n"
    "CREATE TABLE lock (\n"
    "  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),\n"
    "  id TEXT NOT NULL,\n"
    "  holder TEXT NOT NULL,\n"
    "  operation TEXT NOT NULL,\n"
    "  pid INTEGER NOT NULL,\n"
    "  host TEXT NOT NULL,\n"
    "  created_at TEXT NOT NULL,\n"
    "  info TEXT\n"
    ");\n",
    /* 2: indexes for the lookups history and recovery make. */
    "CREATE INDEX history_changes_by_history ON history_changes(history_id);\n"
    "CREATE INDEX journal_by_address ON journal(address);\n",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == VPCE_STATE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- fault injection --------------------------------------------------------------------- */

static int fault_after;
static int fault_count;
static int fault_action;
static bool fault_fired;

void vpce_state_set_fault(int after_n_statements)
{
    fault_after = after_n_statements > 0 ? after_n_statements : 0;
    fault_count = 0;
    fault_fired = false;
}

void vpce_state_set_fault_action(int action)
{
    fault_action = action;
}

bool vpce_state_fault_fired(void)
{
    return fault_fired;
}

bool st_fault_tick(void)
{
    if (fault_after == 0)
        return false;
    if (++fault_count < fault_after)
        return false;
    fault_after = 0;
    fault_fired = true;
    if (fault_action == VPCE_STATE_FAULT_EXIT)
        _exit(0);
    return true;
}

/* ---- statement helpers ------------------------------------------------------------------- */

static int db_error(vpce_state *st, const char *what)
{
    int code = sqlite3_extended_errcode(st->db);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
        return vpce_error_setc(VPCE_ERETRY, "state database \"%s\" is busy (%s)", st->path,
                               sqlite3_errmsg(st->db));
    return vpce_error_set("state database \"%s\": %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int st_exec(vpce_state *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = db_error(st, "cannot execute statement");
        sqlite3_free(msg);
        return rc;
    }
    if (st_fault_tick())
        return vpce_error_set("state database \"%s\": injected fault", st->path);
    return 0;
}

int st_prepare(vpce_state *st, sqlite3_stmt **out, const char *sql)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK) {
        *out = NULL;
        return db_error(st, "cannot prepare statement");
    }
    return 0;
}

int st_step(vpce_state *st, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_error(st, "statement failed");
        return -1;
    }
    if (st_fault_tick()) {
        vpce_error_set("state database \"%s\": injected fault", st->path);
        return -1;
    }
    return rc;
}

int st_run(vpce_state *st, sqlite3_stmt *s)
{
    int rc;
    while ((rc = st_step(st, s)) == SQLITE_ROW)
        ;
    return rc == SQLITE_DONE ? 0 : VPCE_ERROR;
}

int st_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (!v)
        return sqlite3_bind_null(s, i) == SQLITE_OK ? 0 : VPCE_ERROR;
    return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : VPCE_ERROR;
}

int st_bind_json(sqlite3_stmt *s, int i, const json_t *v)
{
    if (!v)
        return sqlite3_bind_null(s, i) == SQLITE_OK ? 0 : VPCE_ERROR;
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!text)
        return vpce_error_set("cannot encode a value as JSON");
    int rc = sqlite3_bind_text(s, i, text, -1, free) == SQLITE_OK ? 0 : VPCE_ERROR;
    return rc;
}

json_t *st_column_json(sqlite3_stmt *s, int i)
{
    const char *text = (const char *)sqlite3_column_text(s, i);
    if (!text)
        return json_null();
    /* NULL, not json null: a damaged value must never read as an empty or absent one. */
    return json_loadb(text, (size_t)sqlite3_column_bytes(s, i), JSON_DECODE_ANY, NULL);
}

json_t *st_column_string(sqlite3_stmt *s, int i)
{
    const char *text = (const char *)sqlite3_column_text(s, i);
    return text ? json_string(text) : json_null();
}

/* ---- small utilities --------------------------------------------------------------------- */

void st_now_iso(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && n > 0)
        buf[0] = '\0';
}

char *st_uuid(void)
{
    unsigned char b[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    if (fd >= 0) {
        while (got < sizeof(b)) {
            ssize_t r = read(fd, b + got, sizeof(b) - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        close(fd);
    }
    if (got < sizeof(b))
        VPCE_BUG("cannot read /dev/urandom");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return vpce_asprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

char *st_user(void)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name)
        return vpce_strdup(res->pw_name);
    return vpce_asprintf("uid%ld", (long)getuid());
}

char *st_host(void)
{
    char h[256];
    if (gethostname(h, sizeof(h)) != 0)
        return vpce_strdup("localhost");
    h[sizeof(h) - 1] = '\0';
    return vpce_strdup(h);
}

char *vpce_state_default_path(const char *dir)
{
    if (!dir || !*dir)
        return vpce_strdup("vpce.db");
    size_t n = strlen(dir);
    return vpce_asprintf("%s%svpce.db", dir, dir[n - 1] == '/' ? "" : "/");
}

/* ---- transactions ------------------------------------------------------------------------ */

static int bump_serial(vpce_state *st)
{
    return st_exec(st, "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                       "WHERE key = 'serial'");
}

int st_tx_begin(vpce_state *st)
{
    if (st->batch) {
        int rc = st_exec(st, "SAVEPOINT vpce_op");
        if (rc) /* the savepoint may exist when the failure came after it */
            sqlite3_exec(st->db, "ROLLBACK TO vpce_op; RELEASE vpce_op", NULL, NULL, NULL);
        return rc;
    }
    int rc = st_exec(st, "BEGIN IMMEDIATE");
    if (rc && sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int st_tx_end(vpce_state *st, int err, bool changes_state)
{
    if (st->batch) {
        if (err) {
            /* Keep the batch's earlier work; undo only this call. Errors here leave the batch
               for the caller to roll back. */
            sqlite3_exec(st->db, "ROLLBACK TO vpce_op; RELEASE vpce_op", NULL, NULL, NULL);
            return err;
        }
        int rc = st_exec(st, "RELEASE vpce_op");
        if (rc == 0 && changes_state)
            st->dirty = true;
        return rc;
    }
    if (!err && changes_state)
        err = bump_serial(st);
    if (!err)
        err = st_exec(st, "COMMIT");
    if (err && sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (!err)
        err = st_after_commit(st);
    return err;
}

int vpce_state_begin(vpce_state *st)
{
    if (st->batch)
        return vpce_error_set("a state batch is already open");
    int rc = st_exec(st, "BEGIN IMMEDIATE");
    if (rc && sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc == 0) {
        st->batch = true;
        st->dirty = false;
    }
    return rc;
}

int vpce_state_commit(vpce_state *st)
{
    if (!st->batch)
        return vpce_error_set("no state batch is open");
    int rc = 0;
    if (st->dirty)
        rc = bump_serial(st);
    if (rc == 0)
        rc = st_exec(st, "COMMIT");
    if (rc && sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->batch = false;
    st->dirty = false;
    if (rc == 0)
        rc = st_after_commit(st);
    return rc;
}

int vpce_state_rollback(vpce_state *st)
{
    if (!st->batch)
        return vpce_error_set("no state batch is open");
    st->batch = false;
    st->dirty = false;
    if (sqlite3_get_autocommit(st->db) == 0 &&
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(st, "cannot roll back");
    return 0;
}

/* ---- opening and migrations -------------------------------------------------------------- */

static int read_user_version(vpce_state *st, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "PRAGMA user_version");
    if (rc)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
    } else {
        rc = db_error(st, "cannot read the schema version");
    }
    sqlite3_finalize(s);
    return rc;
}

int vpce_state_schema_version(vpce_state *st, int *out)
{
    return read_user_version(st, out);
}

static int read_meta(vpce_state *st, const char *key, char **out)
{
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "SELECT value FROM meta WHERE key = ?1");
    if (rc)
        return rc;
    st_bind_text(s, 1, key);
    int r = st_step(st, s);
    if (r == SQLITE_ROW)
        *out = vpce_strdup((const char *)sqlite3_column_text(s, 0));
    else if (r == SQLITE_DONE)
        rc = vpce_error_set("state database \"%s\" has no %s", st->path, key);
    else
        rc = VPCE_ERROR;
    sqlite3_finalize(s);
    return rc;
}

/* Brings the schema from its current version to target, in one transaction. */
static int migrate(vpce_state *st, int target)
{
    int version = 0;
    int rc = read_user_version(st, &version);
    if (rc)
        return rc;
    if (version < 0)
        return vpce_error_setc(VPCE_EINVALID, "state database \"%s\" is damaged: schema version %d",
                               st->path, version);
    if (version > VPCE_STATE_SCHEMA_VERSION || version > target)
        return vpce_error_setc(VPCE_EINVALID,
                               "state database \"%s\" has schema version %d, newer than this "
                               "vpce supports (%d): upgrade vpce to use it",
                               st->path, version, target);
    if (version == target)
        return 0;
    rc = st_exec(st, "BEGIN IMMEDIATE");
    if (rc)
        return rc;
    /* Another process may have migrated while we waited for the write lock. */
    rc = read_user_version(st, &version);
    if (rc == 0 && (version < 0 || version > target))
        rc = vpce_error_setc(VPCE_EINVALID,
                             "state database \"%s\" changed its schema version "
                             "to %d while vpce opened it",
                             st->path, version);
    for (int v = version; rc == 0 && v < target; v++) {
        rc = st_exec(st, migrations[v]);
        if (rc == 0 && v == 0) {
            char *lineage = st_uuid();
            char *sql = vpce_asprintf("INSERT INTO meta(key, value) VALUES ('lineage', '%s'), "
                                      "('serial', '0')",
                                      lineage);
            rc = st_exec(st, sql);
            free(sql);
            free(lineage);
        }
    }
    if (rc == 0 && version < target) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", target);
        rc = st_exec(st, sql);
    }
    if (rc == 0)
        rc = st_exec(st, "COMMIT");
    if (rc && sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int not_a_state(const char *path, const char *why)
{
    return vpce_error_setc(VPCE_EINVALID,
                           "\"%s\" is not a vpce state database: %s; vpce never leaves such a "
                           "file behind: restore the state from a backup, or move the file away "
                           "to start a new, empty state",
                           path, why);
}

/* A new connection to path (which exists), without pragmas. */
static int db_connect(vpce_state **out, const char *path)
{
    vpce_state *st = vpce_calloc(1, sizeof(*st));
    st->path = vpce_strdup(path);
    *out = st;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK)
        return vpce_error_set("cannot open state database \"%s\": %s", path,
                              st->db ? sqlite3_errmsg(st->db) : "out of memory");
    sqlite3_busy_timeout(st->db, 30000);
    sqlite3_extended_result_codes(st->db, 1);
    return 0;
}

/*
 * Creates a new state database at path, at schema version `version`. It is built under a
 * temporary name and linked into place complete, so path never names an empty or half-made
 * database: a 0-byte vpce.db can then only be damage, and is refused. Mode 0600 throughout.
 * When another process creates path first, its database is kept.
 */
static int create_database(const char *path, int version)
{
    char *tmp = vpce_asprintf("%s.new-XXXXXX", path);
    vpce_state *st = NULL;
    int fd = mkstemp(tmp);
    int rc = 0;
    if (fd < 0) {
        rc = vpce_error_set("cannot create state database \"%s\": %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    /* mkstemp makes 0600 files; make sure whatever the umask. */
    fchmod(fd, 0600);
    close(fd);
    rc = db_connect(&st, tmp);
    /* Made in WAL mode already: switching a database to WAL needs it alone, so processes that
       open a new state at once would otherwise find it busy. */
    if (rc == 0)
        rc = st_exec(st, "PRAGMA journal_mode = WAL");
    if (rc == 0)
        rc = st_exec(st, "PRAGMA synchronous = FULL");
    if (rc == 0)
        rc = migrate(st, version);
    if (st && st->db && sqlite3_close(st->db) != SQLITE_OK && rc == 0)
        rc =
            vpce_error_set("cannot create state database \"%s\": %s", path, sqlite3_errmsg(st->db));
    if (st) {
        st->db = NULL;
        vpce_state_close(st);
    }
    if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST) {
        /* A file system without hard links: rename, unless path appeared meanwhile. */
        if ((errno == EPERM || errno == ENOTSUP || errno == ENOSYS) && access(path, F_OK) != 0) {
            if (rename(tmp, path) != 0)
                rc = vpce_error_set("cannot create state database \"%s\": %s", path,
                                    strerror(errno));
        } else {
            rc = vpce_error_set("cannot create state database \"%s\": %s", path, strerror(errno));
        }
    }
    unlink(tmp);
    static const char *const sidecars[] = {"-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
        char *side = vpce_asprintf("%s%s", tmp, sidecars[i]);
        unlink(side);
        free(side);
    }
    free(tmp);
    return rc;
}

/* Makes sure path is an existing regular file that may hold a state database: creates a new
 * database when it is missing and create_if_missing, refuses a 0-byte file. */
static int prepare_file(const char *path, bool create_if_missing, int version)
{
    int fd = -1;
    int rc = vpce_open_regular(&fd, path, O_RDWR);
    if (rc == VPCE_ENOTFOUND) {
        if (!create_if_missing)
            return vpce_error_setc(VPCE_ENOTFOUND, "no state database at \"%s\"", path);
        return create_database(path, version);
    }
    if (rc == VPCE_EINVALID)
        return not_a_state(path, "it is not a regular file");
    if (rc) {
        char *why = vpce_strdup(vpce_error_last());
        rc = vpce_error_setc(rc, "cannot open state database \"%s\": %s", path, why);
        free(why);
        return rc;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        rc = vpce_error_set("cannot open state database \"%s\": %s", path, strerror(errno));
    else if (sb.st_size == 0)
        rc = not_a_state(path, "the file is empty (0 bytes)");
    close(fd);
    return rc;
}

/* Refuses a SQLite database that vpce did not make: one without a schema version, or without
 * the tables of schema version 1. Reads only. */
static int check_schema(vpce_state *st)
{
    int version = 0;
    int rc = read_user_version(st, &version);
    if (rc)
        return rc;
    if (version == 0)
        return not_a_state(st->path, "it is a SQLite database without vpce's tables");
    sqlite3_stmt *s = NULL;
    rc = st_prepare(st, &s,
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                    "('meta', 'resources', 'outputs', 'history', 'history_changes', 'journal', "
                    "'lock')");
    if (rc)
        return rc;
    if (sqlite3_step(s) != SQLITE_ROW)
        rc = db_error(st, "cannot read the schema");
    else if (sqlite3_column_int(s, 0) != 7)
        rc = not_a_state(st->path, "it is a SQLite database without vpce's tables");
    sqlite3_finalize(s);
    return rc;
}

int vpce_state_open_at_version(vpce_state **out, const char *path, bool create_if_missing,
                               int version)
{
    *out = NULL;
    if (version < 1 || version > VPCE_STATE_SCHEMA_VERSION)
        return vpce_error_setc(VPCE_EINVALID, "no state schema version %d", version);
    int rc = prepare_file(path, create_if_missing, version);
    if (rc)
        return rc;
    vpce_state *st = NULL;
    rc = db_connect(&st, path);
    /* The schema is checked before anything is written, so another program's database is
       left exactly as it was. */
    if (rc == 0)
        rc = check_schema(st);
    /* WAL first: synchronous=FULL and the rest apply per connection. */
    if (rc == 0)
        rc = st_exec(st, "PRAGMA journal_mode = WAL");
    if (rc == 0)
        rc = st_exec(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
    if (rc == 0)
        rc = migrate(st, version);
    if (rc == 0)
        rc = read_meta(st, "lineage", &st->lineage);
    if (rc == 0) {
        *out = st;
        st = NULL;
    }
    if (st && rc && st->db && (sqlite3_errcode(st->db) & 0xff) == SQLITE_NOTADB)
        rc = not_a_state(path, "it is not a SQLite database");
    vpce_state_close(st);
    return rc;
}

int vpce_state_open(vpce_state **out, const char *path, bool create_if_missing)
{
    return vpce_state_open_at_version(out, path, create_if_missing, VPCE_STATE_SCHEMA_VERSION);
}

void vpce_state_close(vpce_state *st)
{
    if (!st)
        return;
    if (st->db) {
        if (sqlite3_get_autocommit(st->db) == 0)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        if (st->lock_id)
            vpce_state_unlock(st);
        sqlite3_close_v2(st->db);
    }
    free(st->lock_id);
    free(st->lineage);
    free(st->path);
    st_backend_free(st->backend);
    free(st);
}

const char *vpce_state_path(const vpce_state *st)
{
    return st->path;
}

const char *vpce_state_lineage(const vpce_state *st)
{
    return st->lineage;
}

int vpce_state_serial(vpce_state *st, int64_t *out)
{
    char *v = NULL;
    int rc = read_meta(st, "serial", &v);
    if (rc == 0)
        *out = strtoll(v, NULL, 10);
    free(v);
    return rc;
}

int vpce_state_test_limit_pages(vpce_state *st, int64_t pages)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)pages);
    return st_exec(st, sql);
}
