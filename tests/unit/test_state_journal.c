/* Tests of the crash-recovery journal, record_result and the history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"
#include "tests/unit/support/tmpdir.h"

static char dir[256];
static char path[320];

static int setup(void **ctx)
{
    (void)ctx;
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-journal", path, sizeof(path)) != 0)
        return -1;
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

static json_t *vpc(const char *name, const char *id)
{
    char addr[64];
    snprintf(addr, sizeof(addr), "aws_vpc.%s", name);
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "address", addr, "type", "aws_vpc", "name",
                     name, "id", id, "attributes", "id", id);
}

static void state_journal_record_result(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    int64_t j1 = 0, j2 = 0, j3 = 0, serial = 0;
    json_t *list = NULL, *got = NULL;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    json_t *details = json_pack("{s:s}", "service", "s3");
    assert_int_equal(vpce_state_journal_begin(st, "aws_vpc.a", "create", "tok-1", details, &j1), 0);
    assert_int_equal(vpce_state_journal_begin(st, "aws_vpc.b", "create", NULL, NULL, &j2), 0);
    assert_true(j2 > j1);
    /* the journal does not change the document's serial */
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 0);

    /* a crash now: the entries survive a reopen */
    vpce_state_close(st);
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_journal_list(st, &list), 0);
    assert_int_equal(json_array_size(list), 2);
    json_t *e = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), j1);
    assert_string_equal(json_string_value(json_object_get(e, "address")), "aws_vpc.a");
    assert_string_equal(json_string_value(json_object_get(e, "action")), "create");
    assert_string_equal(json_string_value(json_object_get(e, "token")), "tok-1");
    assert_true(json_equal(json_object_get(e, "details"), details));
    assert_true(json_is_string(json_object_get(e, "started_at")));
    assert_true(json_is_null(json_object_get(json_array_get(list, 1), "token")));
    json_decref(list);

    /* recording a result writes the resource and clears the entry in one go */
    json_t *a = vpc("a", "vpc-a");
    assert_int_equal(vpce_state_record_result(st, j1, a, "aws_vpc.a"), 0);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.a", &got), 0);
    json_decref(got);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 1);
    assert_int_equal(vpce_state_journal_list(st, &list), 0);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);

    /* an unknown journal id changes nothing */
    json_t *b = vpc("b", "vpc-b");
    assert_int_equal(vpce_state_record_result(st, j1, b, "aws_vpc.b"), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.b", &got), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 1);

    /* a delete result removes the resource */
    assert_int_equal(vpce_state_journal_begin(st, "aws_vpc.a", "delete", NULL, NULL, &j3), 0);
    assert_int_equal(vpce_state_record_result(st, j3, NULL, "aws_vpc.a"), 0);
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.a", &got), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 2);

    /* clearing */
    assert_int_equal(vpce_state_journal_clear(st, j2), 0);
    assert_int_equal(vpce_state_journal_clear(st, j2), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_journal_list(st, &list), 0);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    /* inside a batch: several results then one commit bumps the serial once */
    assert_int_equal(vpce_state_journal_begin(st, "aws_vpc.a", "create", NULL, NULL, &j1), 0);
    assert_int_equal(vpce_state_journal_begin(st, "aws_vpc.b", "create", NULL, NULL, &j2), 0);
    assert_int_equal(vpce_state_begin(st), 0);
    assert_int_equal(vpce_state_record_result(st, j1, a, NULL), 0);
    assert_int_equal(vpce_state_record_result(st, j2, b, NULL), 0);
    assert_int_equal(vpce_state_commit(st), 0);
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 3);

    json_decref(a);
    json_decref(b);
    json_decref(details);
    vpce_state_close(st);
}

static void state_history_entries(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    int64_t h1 = 0, h2 = 0;
    json_t *list = NULL;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    assert_int_equal(vpce_state_history_begin(st, "apply", &h1), 0);
    json_t *after = json_pack("{s:s}", "id", "vpc-1");
    assert_int_equal(vpce_state_history_add_change(st, h1, "aws_vpc.a", "create", NULL, after), 0);
    assert_int_equal(vpce_state_history_add_change(st, h1, "aws_vpc.b", "delete", after, NULL), 0);
    assert_int_equal(
        vpce_state_history_finish(st, h1, "success", "1 added, 0 changed, 1 destroyed"), 0);
    assert_int_equal(vpce_state_history_begin(st, "destroy", &h2), 0);
    assert_int_equal(vpce_state_history_add_change(st, 9999, "x.y", "create", NULL, NULL),
                     VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_history_finish(st, 9999, "error", NULL), VPCE_ENOTFOUND);

    assert_int_equal(vpce_state_history_list(st, &list), 0);
    assert_int_equal(json_array_size(list), 2);
    json_t *e = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), h1);
    assert_string_equal(json_string_value(json_object_get(e, "operation")), "apply");
    assert_string_equal(json_string_value(json_object_get(e, "status")), "success");
    assert_string_equal(json_string_value(json_object_get(e, "summary")),
                        "1 added, 0 changed, 1 destroyed");
    assert_true(json_is_string(json_object_get(e, "finished_at")));
    assert_true(json_string_length(json_object_get(e, "user")) > 0);
    assert_true(json_string_length(json_object_get(e, "host")) > 0);
    json_t *changes = json_object_get(e, "changes");
    assert_int_equal(json_array_size(changes), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 1), "action")),
                        "delete");
    assert_true(json_equal(json_object_get(json_array_get(changes, 0), "after"), after));
    assert_true(json_is_null(json_object_get(json_array_get(changes, 0), "before")));
    e = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "running");
    assert_true(json_is_null(json_object_get(e, "finished_at")));
    json_decref(list);
    json_decref(after);
    /* history does not touch the document serial */
    int64_t serial = -1;
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 0);
    vpce_state_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_journal_record_result, setup, teardown),
        cmocka_unit_test_setup_teardown(state_history_entries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
