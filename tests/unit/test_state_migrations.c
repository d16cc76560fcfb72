/* Tests of the state schema: versioned migrations, refusing newer databases, atomic migration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
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
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-mig", path, sizeof(path)) != 0)
        return -1;
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

/* The schema version as SQLite stores it in the file header (big-endian at offset 60). */
static int header_user_version(void)
{
    unsigned char b[4];
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, b, 4, 60), 4);
    close(fd);
    return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
}

static void set_header_user_version(int v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, b, 4, 60), 4);
    close(fd);
}

static void state_migrations_v1_upgrades(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    int v = 0;
    assert_int_equal(vpce_state_open_at_version(&st, path, true, 1), 0);
    assert_int_equal(vpce_state_schema_version(st, &v), 0);
    assert_int_equal(v, 1);
    char *lineage = vpce_strdup(vpce_state_lineage(st));
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "address", "aws_vpc.main", "type", "aws_vpc",
                  "name", "main", "id", "vpc-1", "attributes", "cidr_block", "10.0.0.0/16");
    assert_int_equal(vpce_state_put_resource(st, r), 0);
    int64_t id = 0;
    assert_int_equal(vpce_state_history_begin(st, "apply", &id), 0);
    assert_int_equal(vpce_state_history_add_change(st, id, "aws_vpc.main", "create", NULL, r), 0);
    vpce_state_close(st);
    assert_int_equal(header_user_version(), 1);

    /* newer code opens it and migrates, keeping the data */
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_schema_version(st, &v), 0);
    assert_int_equal(v, VPCE_STATE_SCHEMA_VERSION);
    assert_string_equal(vpce_state_lineage(st), lineage);
    json_t *got = NULL;
    assert_int_equal(vpce_state_get_resource(st, "aws_vpc.main", &got), 0);
    assert_true(json_equal(json_object_get(got, "attributes"), json_object_get(r, "attributes")));
    json_decref(got);
    int64_t serial = 0;
    assert_int_equal(vpce_state_serial(st, &serial), 0);
    assert_int_equal(serial, 1);
    json_t *hist = NULL;
    assert_int_equal(vpce_state_history_list(st, &hist), 0);
    assert_int_equal(json_array_size(hist), 1);
    json_decref(hist);
    vpce_state_close(st);
    assert_int_equal(header_user_version(), VPCE_STATE_SCHEMA_VERSION);
    json_decref(r);
    free(lineage);
}

static void state_migrations_newer_refused(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    assert_int_equal(vpce_state_open(&st, path, true), 0);
    vpce_state_close(st);
    set_header_user_version(VPCE_STATE_SCHEMA_VERSION + 7);
    assert_int_equal(vpce_state_open(&st, path, false), VPCE_EINVALID);
    assert_null(st);
    assert_non_null(strstr(vpce_error_last(), "newer than this vpce supports"));
    assert_non_null(strstr(vpce_error_last(), path));
    /* the refused file is left untouched */
    assert_int_equal(header_user_version(), VPCE_STATE_SCHEMA_VERSION + 7);

    /* older code (here: a build that stops at version 1) refuses the current schema */
    set_header_user_version(VPCE_STATE_SCHEMA_VERSION);
    assert_int_equal(vpce_state_open_at_version(&st, path, false, 1), VPCE_EINVALID);
    assert_null(st);
}

/* A failure at any statement of the migration leaves the file at its old version, and the next
 * open migrates cleanly. */
static void state_migrations_atomic(void **ctx)
{
    (void)ctx;
    vpce_state *st = NULL;
    int fired = 0;
    for (int k = 1; k < 100; k++) {
        assert_int_equal(vpce_state_open_at_version(&st, path, true, 1), 0);
        vpce_state_close(st);
        vpce_state_set_fault(k);
        int rc = vpce_state_open(&st, path, false);
        bool hit = vpce_state_fault_fired();
        vpce_state_set_fault(0);
        if (!hit) {
            assert_int_equal(rc, 0);
            vpce_state_close(st);
            break;
        }
        fired++;
        assert_int_not_equal(rc, 0);
        assert_null(st);
        assert_int_equal(header_user_version() == 1 || header_user_version() == 2, 1);
        assert_int_equal(vpce_state_open(&st, path, false), 0);
        int v = 0;
        assert_int_equal(vpce_state_schema_version(st, &v), 0);
        assert_int_equal(v, VPCE_STATE_SCHEMA_VERSION);
        vpce_state_close(st);
        unlink(path);
    }
    assert_true(fired >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_migrations_v1_upgrades, setup, teardown),
        cmocka_unit_test_setup_teardown(state_migrations_newer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(state_migrations_atomic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
