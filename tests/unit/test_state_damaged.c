/*
 * Damaged state: a row whose JSON cannot be read, or a file that is not a vpce state database,
 * is an error that names the file (and the address), for every reader; it is never read as an
 * empty value or an empty state. A missing file is still a new, empty state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/state.h"
#include "tests/unit/support/tmpdir.h"

static char dir[256];
static char path[320];

static int setup(void **ctx)
{
    (void)ctx;
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-damaged", path, sizeof(path)) != 0)
        return -1;
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

/* Runs `vpce ARGS` in dir with dummy credentials and an endpoint nothing listens on; returns
 * the exit code and sets *out to stdout+stderr (caller frees). */
static int run(char **out, const char *args)
{
    char *cmd = vpce_asprintf("cd '%s' && AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "
                              "AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true "
                              "AWS_ENDPOINT_URL_EC2=http://127.0.0.1:9 '%s' %s </dev/null 2>&1",
                              dir, VPCE_BINARY, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    vpce_buf b = VPCE_BUF_INIT(1 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        assert_int_equal(vpce_buf_append(&b, chunk, n), 0);
    int status = pclose(p);
    free(cmd);
    *out = vpce_buf_detach(&b);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_file(const char *name, const char *text, size_t len)
{
    char *p = vpce_asprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    free(p);
}

static json_t *resource(const char *address, const char *type, const char *name, const char *id,
                        json_t *attrs)
{
    return json_pack("{s:s, s:s, s:s, s:n, s:s, s:s, s:o, s:[], s:[]}", "address", address, "type",
                     type, "name", name, "index", "provider", "aws", "id", id, "attributes", attrs,
                     "sensitive_attributes", "dependencies");
}

/* A state with a VPC, a subnet, an output, a history entry and a journal entry. */
static void make_state(void)
{
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    json_t *doc =
        json_pack("{s:[o, o], s:{s:{s:s, s:b}}}", "resources",
                  resource("aws_vpc.main", "aws_vpc", "main", "vpc-1",
                           json_pack("{s:s, s:s}", "id", "vpc-1", "cidr_block", "10.0.0.0/16")),
                  resource("aws_subnet.a", "aws_subnet", "a", "subnet-1",
                           json_pack("{s:s, s:s, s:s}", "id", "subnet-1", "vpc_id", "vpc-1",
                                     "cidr_block", "10.0.1.0/24")),
                  "outputs", "vpc_id", "value", "vpc-1", "sensitive", 0);
    assert_int_equal(vpce_state_store(st, doc), 0);
    json_decref(doc);
    int64_t h = 0, j = 0;
    json_t *after = json_pack("{s:s}", "id", "vpc-1");
    assert_int_equal(vpce_state_history_begin(st, "apply", &h), 0);
    assert_int_equal(vpce_state_history_add_change(st, h, "aws_vpc.main", "create", NULL, after),
                     0);
    assert_int_equal(vpce_state_history_finish(st, h, "success", "1 added"), 0);
    assert_int_equal(vpce_state_journal_begin(st, "aws_subnet.b", "create", "tok", after, &j), 0);
    json_decref(after);
    vpce_state_close(st);
}

/* Runs one SQL statement on the database behind vpce's back. */
static void sql(const char *stmt)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, stmt, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", stmt, err ? err : "?");
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
}

/* The error of the last call names the state file and `what`. */
static void assert_error_names(const char *what)
{
    const char *e = vpce_error_last();
    if (!strstr(e, path) || !strstr(e, what))
        fail_msg("error \"%s\" does not name \"%s\" and \"%s\"", e, path, what);
}

static void assert_load_refused(const char *what)
{
    vpce_state *st = NULL;
    json_t *doc = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_load(st, &doc), VPCE_EINVALID);
    assert_null(doc);
    assert_error_names(what);
    assert_non_null(strstr(vpce_error_last(), "damaged"));
    vpce_state_close(st);
}

/* Attributes that are not valid JSON, or valid JSON but not an object, are refused by the whole
 * load and by the one-resource read; the other resources still read. */
static void state_damaged_attributes_refused(void **ctx)
{
    (void)ctx;
    static const char *const bad[] = {
        "'{\"cidr_block\": \"10.0'", "''", "'not json'", "'null'", "'[1, 2]'", "'\"{}\"'"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unlink(path);
        make_state();
        char *stmt = vpce_asprintf(
            "UPDATE resources SET attributes = %s WHERE address = 'aws_vpc.main'", bad[i]);
        sql(stmt);
        free(stmt);
        assert_load_refused("aws_vpc.main");
        assert_non_null(strstr(vpce_error_last(), "attributes"));

        vpce_state *st = NULL;
        json_t *r = NULL;
        assert_int_equal(vpce_state_open(&st, path, false), 0);
        assert_int_equal(vpce_state_get_resource(st, "aws_vpc.main", &r), VPCE_EINVALID);
        assert_null(r);
        assert_error_names("aws_vpc.main");
        assert_int_equal(vpce_state_get_resource(st, "aws_subnet.a", &r), 0);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(r, "attributes"), "cidr_block")),
            "10.0.1.0/24");
        json_decref(r);
        vpce_state_close(st);
    }
}

/* The same for every other JSON column of a resource row. */
static void state_damaged_other_columns_refused(void **ctx)
{
    (void)ctx;
    static const char *const cols[] = {"index_key", "sensitive_attributes", "dependencies"};
    static const char *const bad[] = {"'[1'", "'{}'", "'{\"a\": 1}'"};
    for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            unlink(path);
            make_state();
            char *stmt = vpce_asprintf(
                "UPDATE resources SET %s = %s WHERE address = 'aws_subnet.a'", cols[c], bad[i]);
            sql(stmt);
            free(stmt);
            assert_load_refused("aws_subnet.a");
        }
    }
}

/* An output value, a journal entry's details and a history change that are not valid JSON are
 * errors naming the output or the address, not null values. */
static void state_damaged_outputs_journal_history(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    json_t *v = NULL;

    make_state();
    sql("UPDATE outputs SET value = '{\"x' WHERE name = 'vpc_id'");
    assert_load_refused("vpc_id");

    unlink(path);
    make_state();
    sql("UPDATE journal SET details = '{bad'");
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_journal_list(st, &v), VPCE_EINVALID);
    assert_null(v);
    assert_error_names("aws_subnet.b");
    vpce_state_close(st);

    unlink(path);
    make_state();
    sql("UPDATE history_changes SET after = '{bad'");
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_history_list(st, &v), VPCE_EINVALID);
    assert_null(v);
    assert_error_names("aws_vpc.main");
    vpce_state_close(st);

    /* a SQL NULL there is fine: no details, no before */
    unlink(path);
    make_state();
    sql("UPDATE journal SET details = NULL");
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_journal_list(st, &v), 0);
    assert_true(json_is_null(json_object_get(json_array_get(v, 0), "details")));
    json_decref(v);
    vpce_state_close(st);
}

/* A 0-byte file, a file that is not SQLite, and a SQLite database without vpce's tables are
 * refused as "not a vpce state database", with or without create_if_missing, and left as they
 * were. A missing file is created as a new empty state. */
static void state_damaged_not_a_state_database(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    struct stat sb;

    write_file("vpce.db", "", 0);
    for (int create = 0; create < 2; create++) {
        assert_int_equal(vpce_state_open(&st, path, create), VPCE_EINVALID);
        assert_null(st);
        assert_error_names("not a vpce state database");
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_size, 0);
    }

    static const char junk[] = "this is not sqlite at all; it is a text file that happens to be "
                               "named vpce.db and is longer than one hundred bytes, really.\n";
    write_file("vpce.db", junk, sizeof(junk) - 1);
    assert_int_equal(vpce_state_open(&st, path, true), VPCE_EINVALID);
    assert_error_names("not a vpce state database");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, sizeof(junk) - 1);

    /* another program's database, with and without a schema version of its own */
    unlink(path);
    sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    for (int version = 0; version < 3; version++) {
        char *stmt = vpce_asprintf("PRAGMA user_version = %d", version);
        sql(stmt);
        free(stmt);
        assert_int_equal(vpce_state_open(&st, path, true), VPCE_EINVALID);
        assert_null(st);
        assert_error_names("not a vpce state database");
    }
    /* left untouched: no vpce table was added */
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    sqlite3_close(db);

    /* an empty SQLite database (vpce's tables never created) */
    unlink(path);
    sql("PRAGMA user_version = 0; VACUUM");
    assert_int_equal(vpce_state_open(&st, path, false), VPCE_EINVALID);
    assert_error_names("not a vpce state database");

    /* a missing file is a new empty state */
    unlink(path);
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    json_t *doc = NULL;
    assert_int_equal(vpce_state_load(st, &doc), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "resources")), 0);
    json_decref(doc);
    vpce_state_close(st);
    /* and opens again */
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    vpce_state_close(st);
}

/* Processes that create the same missing state at once all open one database (one lineage):
 * none of them sees another's half-made file as "not a vpce state database". */
static void state_damaged_concurrent_creation(void **ctx)
{
    (void)ctx;
    enum { N = 8 };
    for (int round = 0; round < 5; round++) {
        unlink(path);
        int fds[N][2];
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
            assert_int_equal(pipe(fds[i]), 0);
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                vpce_state *st = NULL;
                char line[128] = "error";
                if (vpce_state_open(&st, path, true) == 0)
                    snprintf(line, sizeof(line), "%s", vpce_state_lineage(st));
                else
                    snprintf(line, sizeof(line), "error: %.100s", vpce_error_last());
                ssize_t w = write(fds[i][1], line, strlen(line));
                vpce_state_close(st);
                _exit(w > 0 ? 0 : 1);
            }
            close(fds[i][1]);
        }
        char first[128] = "";
        for (int i = 0; i < N; i++) {
            char line[128] = "";
            ssize_t n = read(fds[i][0], line, sizeof(line) - 1);
            close(fds[i][0]);
            int status = 0;
            waitpid(pids[i], &status, 0);
            assert_true(n > 0);
            line[n] = '\0';
            if (strncmp(line, "error", 5) == 0)
                fail_msg("a concurrent open failed: %s", line);
            if (i == 0)
                snprintf(first, sizeof(first), "%s", line);
            assert_string_equal(line, first);
        }
    }
    /* no temporary file is left behind */
    char *cmd = vpce_asprintf("ls '%s' | grep -c new- || true", dir);
    FILE *p = popen(cmd, "r");
    char count[16] = "";
    assert_non_null(fgets(count, sizeof(count), p));
    pclose(p);
    free(cmd);
    assert_string_equal(count, "0\n");
}

static const char config[] = "resource \"aws_vpc\" \"main\" {\n"
                             "  cidr_block = \"10.0.0.0/16\"\n"
                             "}\n"
                             "resource \"aws_subnet\" \"a\" {\n"
                             "  vpc_id     = aws_vpc.main.id\n"
                             "  cidr_block = \"10.0.1.0/24\"\n"
                             "}\n"
                             "output \"vpc_id\" {\n"
                             "  value = aws_vpc.main.id\n"
                             "}\n";

/* Every command that reads the state refuses a damaged row, naming the file and the address,
 * and plans nothing from it; `state rm` can still remove the row. */
static void state_damaged_row_every_command(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    make_state();
    write_file("main.vpce", config, sizeof(config) - 1);
    sql("UPDATE resources SET attributes = '{\"id\": \"vpc-1\", ' WHERE address = 'aws_vpc.main'");
    static const char *const cmds[] = {
        "state show aws_vpc.main",
        "state show aws_subnet.a",
        "state list",
        "show",
        "show -json",
        "output",
        "output vpc_id",
        "plan -refresh=false -lock=false",
        "plan -refresh=false -out p.plan",
        "apply -auto-approve -refresh=false",
        "destroy -auto-approve -refresh=false",
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        int rc = run(&out, cmds[i]);
        if (rc != 1 || !strstr(out, "vpce.db") || !strstr(out, "aws_vpc.main") ||
            !strstr(out, "damaged") || strstr(out, "to add") || strstr(out, "Plan:"))
            fail_msg("`vpce %s` exited %d:\n%s", cmds[i], rc, out);
        free(out);
    }
    char *plan = vpce_asprintf("%s/p.plan", dir);
    assert_int_not_equal(access(plan, F_OK), 0);
    free(plan);

    /* the way out: forget the damaged row (then import it again) */
    assert_int_equal(run(&out, "state rm aws_vpc.main"), 0);
    assert_non_null(strstr(out, "Removed aws_vpc.main"));
    free(out);
    assert_int_equal(run(&out, "state list"), 0);
    assert_string_equal(out, "aws_subnet.a\n");
    free(out);
}

/* Commands given a 0-byte vpce.db refuse it rather than treat it as an empty state. */
static void state_damaged_empty_file_every_command(void **ctx)
{
    (void)ctx;
    char *out = NULL;
    write_file("main.vpce", config, sizeof(config) - 1);
    write_file("vpce.db", "", 0);
    static const char *const cmds[] = {
        "state list",
        "show",
        "output",
        "plan -refresh=false",
        "apply -auto-approve",
        "destroy -auto-approve",
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        int rc = run(&out, cmds[i]);
        if (rc != 1 || !strstr(out, "not a vpce state database") || strstr(out, "to add"))
            fail_msg("`vpce %s` exited %d:\n%s", cmds[i], rc, out);
        free(out);
    }
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_damaged_attributes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(state_damaged_other_columns_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(state_damaged_outputs_journal_history, setup, teardown),
        cmocka_unit_test_setup_teardown(state_damaged_not_a_state_database, setup, teardown),
        cmocka_unit_test_setup_teardown(state_damaged_concurrent_creation, setup, teardown),
        cmocka_unit_test_setup_teardown(state_damaged_row_every_command, setup, teardown),
        cmocka_unit_test_setup_teardown(state_damaged_empty_file_every_command, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
