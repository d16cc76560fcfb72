/*
 * Fault injection: every change of state is one transaction. For every statement index k of
 * each multi-statement change, a child process dies abruptly (_exit) right after statement k;
 * the parent reopens the database and finds exactly the old or exactly the new state. The same
 * in-process with the error path, and a full disk via max_page_count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/state.h"

static char dir[256];
static char template_path[320];
static char path[320];

static void copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY);
    assert_true(in >= 0);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(out >= 0);
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
}

static void reset_work_db(void)
{
    char p[400];
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    copy_file(template_path, path);
}

static json_t *res(const char *address, const char *type, const char *name, json_t *index,
                   const char *id)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:{s:s, s:[s, s]}, s:[], s:[]}",
                     "address", address, "mode", "managed", "type", type, "name", name, "index",
                     index ? index : json_null(), "provider", "aws", "id", id, "schema_version", 0,
                     "attributes", "id", id, "list", "a", "b", "sensitive_attributes",
                     "dependencies");
}

static int setup(void **ctx)
{
    (void)ctx;
    snprintf(dir, sizeof(dir), "/tmp/vpce-state-faults-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(template_path, sizeof(template_path), "%s/template.db", dir);
    snprintf(path, sizeof(path), "%s/vpce.db", dir);
    vpce_state *st = NULL;
    if (vpce_state_open(&st, template_path, true) != 0)
        return -1;
    json_t *doc = json_pack("{s:[o, o, o, o], s:{s:{s:s, s:b}}}", "resources",
                            res("aws_vpc.main", "aws_vpc", "main", NULL, "vpc-1"),
                            res("aws_subnet.s[0]", "aws_subnet", "s", json_integer(0), "subnet-0"),
                            res("aws_subnet.s[1]", "aws_subnet", "s", json_integer(1), "subnet-1"),
                            res("aws_subnet.s[2]", "aws_subnet", "s", json_integer(2), "subnet-2"),
                            "outputs", "vpc", "value", "vpc-1", "sensitive", 0);
    int64_t jid = 0;
    int rc = vpce_state_store(st, doc);
    if (rc == 0)
        rc = vpce_state_journal_begin(st, "aws_vpc.new", "create", "tok", NULL, &jid);
    json_decref(doc);
    vpce_state_close(st);
    return rc == 0 && jid == 1 ? 0 : -1;
}

static int teardown(void **ctx)
{
    (void)ctx;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- the changes under test -------------------------------------------------------------- */

static int op_store(vpce_state *st)
{
    json_t *doc =
        json_pack("{s:[o, o, o], s:{s:{s:i, s:b}, s:{s:s, s:b}}}", "resources",
                  res("aws_vpc.main", "aws_vpc", "main", NULL, "vpc-2"),
                  res("aws_vpc.other", "aws_vpc", "other", NULL, "vpc-3"),
                  res("aws_subnet.s[5]", "aws_subnet", "s", json_integer(5), "subnet-5"), "outputs",
                  "n", "value", 1, "sensitive", 0, "secret", "value", "x", "sensitive", 1);
    int rc = vpce_state_store(st, doc);
    json_decref(doc);
    return rc;
}

static int op_put(vpce_state *st)
{
    json_t *r = res("aws_vpc.main", "aws_vpc", "main", NULL, "vpc-changed");
    int rc = vpce_state_put_resource(st, r);
    json_decref(r);
    return rc;
}

static int op_remove(vpce_state *st)
{
    return vpce_state_remove_resource(st, "aws_subnet.s[1]");
}

static int op_move_all(vpce_state *st)
{
    return vpce_state_move_resource(st, "aws_subnet.s", "aws_subnet.t", NULL);
}

static int op_record(vpce_state *st)
{
    json_t *r = res("aws_vpc.new", "aws_vpc", "new", NULL, "vpc-new");
    int rc = vpce_state_record_result(st, 1, r, NULL);
    json_decref(r);
    return rc;
}

static int op_outputs(vpce_state *st)
{
    json_t *o = json_pack("{s:{s:[i, i], s:b}, s:{s:s, s:b}}", "a", "value", 1, 2, "sensitive", 0,
                          "b", "value", "x", "sensitive", 1);
    int rc = vpce_state_set_outputs(st, o);
    json_decref(o);
    return rc;
}

static int op_batch(vpce_state *st)
{
    json_t *r = res("aws_vpc.new", "aws_vpc", "new", NULL, "vpc-new");
    int rc = vpce_state_begin(st);
    if (rc == 0)
        rc = vpce_state_remove_resource(st, "aws_subnet.s[0]");
    if (rc == 0)
        rc = vpce_state_record_result(st, 1, r, NULL);
    if (rc == 0)
        rc = vpce_state_move_resource(st, "aws_vpc.main", "aws_vpc.core", NULL);
    if (rc == 0)
        rc = vpce_state_commit(st);
    else
        vpce_state_rollback(st);
    json_decref(r);
    return rc;
}

struct op {
    const char *name;
    int (*fn)(vpce_state *st);
};

static const struct op ops[] = {
    {"store", op_store},   {"put", op_put},         {"remove", op_remove}, {"move", op_move_all},
    {"record", op_record}, {"outputs", op_outputs}, {"batch", op_batch},
};

/* The whole observable state: the document and the journal. */
static json_t *snapshot(vpce_state *st)
{
    json_t *doc = NULL, *journal = NULL;
    int lrc = vpce_state_load(st, &doc);
    if (lrc)
        fprintf(stderr, "load: %s\n", vpce_error_last());
    assert_int_equal(lrc, 0);
    assert_int_equal(vpce_state_journal_list(st, &journal), 0);
    return json_pack("{s:o, s:o}", "doc", doc, "journal", journal);
}

static json_t *snapshot_path(void)
{
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    json_t *s = snapshot(st);
    vpce_state_close(st);
    return s;
}

/* The state before and after op, computed without faults. */
static void old_and_new(const struct op *op, json_t **old_out, json_t **new_out)
{
    reset_work_db();
    *old_out = snapshot_path();
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(op->fn(st), 0);
    vpce_state_close(st);
    *new_out = snapshot_path();
    assert_false(json_equal(*old_out, *new_out));
}

static void state_faults_crash_each_statement(void **ctx)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        json_t *old = NULL, *new = NULL;
        old_and_new(&ops[i], &old, &new);
        int crashes = 0, saw_old = 0;
        for (int k = 1;; k++) {
            assert_true(k < 200);
            reset_work_db();
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                vpce_state *st = NULL;
                if (vpce_state_open(&st, path, false) != 0)
                    _exit(2);
                vpce_state_set_fault_action(VPCE_STATE_FAULT_EXIT);
                vpce_state_set_fault(k);
                int rc = ops[i].fn(st);
                _exit(rc == 0 ? 3 : 4); /* reached only when the fault did not fire */
            }
            int status = 0;
            assert_int_equal(waitpid(pid, &status, 0), pid);
            assert_true(WIFEXITED(status));
            int code = WEXITSTATUS(status);
            assert_true(code == 0 || code == 3);
            json_t *now = snapshot_path();
            bool is_old = json_equal(now, old), is_new = json_equal(now, new);
            if (!is_old && !is_new) {
                char *s = json_dumps(now, JSON_INDENT(1));
                fprintf(stderr, "op %s, crash after statement %d: mixed state\n%s\n", ops[i].name,
                        k, s);
                free(s);
            }
            assert_true(is_old || is_new);
            json_decref(now);
            if (code == 3) {
                assert_true(is_new);
                break;
            }
            crashes++;
            saw_old += is_old;
        }
        /* a change of several statements was interrupted at each one, mostly before commit */
        assert_true(crashes >= 3);
        assert_true(saw_old >= 2);
        json_decref(old);
        json_decref(new);
    }
}

static void state_faults_error_each_statement(void **ctx)
{
    (void)ctx;
    vpce_state_set_fault_action(VPCE_STATE_FAULT_ERROR);
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        json_t *old = NULL, *new = NULL;
        old_and_new(&ops[i], &old, &new);
        for (int k = 1;; k++) {
            assert_true(k < 200);
            reset_work_db();
            vpce_state *st = NULL;
            assert_int_equal(vpce_state_open(&st, path, false), 0);
            vpce_state_set_fault(k);
            int rc = ops[i].fn(st);
            bool fired = vpce_state_fault_fired();
            vpce_state_set_fault(0);
            /* the same handle keeps working and sees a whole state */
            json_t *now = snapshot(st);
            vpce_state_close(st);
            json_t *again = snapshot_path();
            assert_true(json_equal(now, again));
            if (!fired) {
                assert_int_equal(rc, 0);
                assert_true(json_equal(now, new));
                json_decref(now);
                json_decref(again);
                break;
            }
            assert_int_not_equal(rc, 0);
            assert_true(json_equal(now, old) || json_equal(now, new));
            json_decref(now);
            json_decref(again);
        }
        json_decref(old);
        json_decref(new);
    }
}

static void state_faults_disk_full(void **ctx)
{
    (void)ctx;
    reset_work_db();
    json_t *old = snapshot_path();
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    /* max_page_count cannot go below the current size: this caps it there */
    assert_int_equal(vpce_state_test_limit_pages(st, 1), 0);
    size_t big = 512 * 1024;
    char *blob = vpce_malloc(big + 1);
    memset(blob, 'x', big);
    blob[big] = '\0';
    json_t *r = res("aws_vpc.big", "aws_vpc", "big", NULL, "vpc-big");
    json_object_set_new(json_object_get(r, "attributes"), "blob", json_string(blob));
    free(blob);
    int rc = vpce_state_put_resource(st, r);
    assert_int_equal(rc, VPCE_ERROR);
    assert_non_null(strstr(vpce_error_last(), "full"));
    json_t *now = snapshot(st);
    assert_true(json_equal(now, old));
    json_decref(now);
    /* a batch that fails part-way is rolled back whole */
    assert_int_equal(vpce_state_begin(st), 0);
    assert_int_equal(vpce_state_remove_resource(st, "aws_vpc.main"), 0);
    assert_int_equal(vpce_state_put_resource(st, r), VPCE_ERROR);
    assert_int_equal(vpce_state_rollback(st), 0);
    vpce_state_close(st);
    now = snapshot_path();
    assert_true(json_equal(now, old));
    json_decref(now);
    json_decref(old);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_faults_crash_each_statement),
        cmocka_unit_test(state_faults_error_each_statement),
        cmocka_unit_test(state_faults_disk_full),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
