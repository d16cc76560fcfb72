/* Tests of the state lock between processes (fork). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/state.h"
#include "tests/unit/support/tmpdir.h"

static char dir[256];
static char path[320];

static int setup(void **ctx)
{
    (void)ctx;
    if (vpce_test_tmpdir_make(dir, sizeof(dir), "state-lock", path, sizeof(path)) != 0)
        return -1;
    vpce_state *st = NULL;
    if (vpce_state_open(&st, path, true) != 0)
        return -1;
    vpce_state_close(st);
    return 0;
}

static int teardown(void **ctx)
{
    (void)ctx;
    return vpce_test_tmpdir_remove(dir);
}

/* Child: takes the lock, says so on `up`, waits for a byte on `down`, sleeps hold_ms, unlocks
 * (or, with crash, exits holding it). */
static void child(int up, int down, int hold_ms, bool crash)
{
    vpce_state *st = NULL;
    char c = 'x';
    if (vpce_state_open(&st, path, false) != 0 || vpce_state_lock(st, "apply", 0, NULL) != 0)
        _exit(2);
    if (write(up, &c, 1) != 1)
        _exit(2);
    if (crash)
        _exit(0);
    if (read(down, &c, 1) != 1)
        _exit(2);
    vpce_sleep_ms(hold_ms);
    if (vpce_state_unlock(st) != 0)
        _exit(3);
    vpce_state_close(st);
    _exit(0);
}

static void state_lock_two_processes(void **ctx)
{
    (void)ctx;
    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child(up[1], down[0], 400, false);
    char c;
    assert_int_equal(read(up[0], &c, 1), 1);

    vpce_state *st = NULL;
    json_t *holder = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_lock(st, "plan", 0, &holder), VPCE_ELOCKED);
    assert_non_null(holder);
    assert_int_equal(json_integer_value(json_object_get(holder, "pid")), pid);
    assert_string_equal(json_string_value(json_object_get(holder, "operation")), "apply");
    assert_non_null(strchr(json_string_value(json_object_get(holder, "holder")), '@'));
    assert_int_equal(strlen(json_string_value(json_object_get(holder, "id"))), 36);
    assert_true(json_is_true(json_object_get(holder, "pid_alive")));
    assert_non_null(strstr(vpce_error_last(), "locked"));
    json_decref(holder);
    holder = NULL;

    /* a short timeout expires while the child holds it (it holds it until told to go) */
    assert_int_equal(vpce_state_lock(st, "plan", 200, &holder), VPCE_ELOCKED);
    assert_true(json_is_true(json_object_get(holder, "pid_alive")));
    json_decref(holder);
    holder = NULL;

    /* with a longer timeout the parent waits and gets it once the child releases: the child
       still holds it for 400 ms after "g", so a call that did not wait would be refused */
    assert_int_equal(write(down[1], "g", 1), 1);
    assert_int_equal(vpce_state_lock(st, "plan", 10000, &holder), 0);
    assert_null(holder);
    assert_non_null(vpce_state_lock_id(st));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* a second handle in this process is refused too; locking again through the holder is
       a no-op; the lock shows our pid */
    vpce_state *st2 = NULL;
    assert_int_equal(vpce_state_open(&st2, path, false), 0);
    assert_int_equal(vpce_state_lock(st2, "x", 0, NULL), VPCE_ELOCKED);
    assert_int_equal(vpce_state_lock(st, "plan", 0, NULL), 0);
    json_t *info = NULL;
    assert_int_equal(vpce_state_lock_info(st2, &info), 0);
    assert_int_equal(json_integer_value(json_object_get(info, "pid")), getpid());
    json_decref(info);
    /* close releases */
    vpce_state_close(st);
    assert_int_equal(vpce_state_lock_info(st2, &info), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_lock(st2, "x", 0, NULL), 0);
    assert_int_equal(vpce_state_unlock(st2), 0);
    vpce_state_close(st2);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

static void state_lock_dead_holder_taken_over(void **ctx)
{
    (void)ctx;
    int up[2];
    assert_int_equal(pipe(up), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child(up[1], -1, 0, true);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The child died holding the lock: it shows as a dead holder... */
    vpce_state *st = NULL;
    json_t *info = NULL;
    assert_int_equal(vpce_state_open(&st, path, false), 0);
    assert_int_equal(vpce_state_lock_info(st, &info), 0);
    assert_int_equal(json_integer_value(json_object_get(info, "pid")), pid);
    assert_true(json_is_false(json_object_get(info, "pid_alive")));
    char *dead_id = vpce_strdup(json_string_value(json_object_get(info, "id")));
    json_decref(info);

    /* ...and the next lock takes it over, naming whose it was. */
    json_t *holder = NULL;
    assert_int_equal(vpce_state_lock(st, "apply", 0, &holder), 0);
    assert_non_null(holder);
    assert_string_equal(json_string_value(json_object_get(holder, "id")), dead_id);
    assert_int_equal(json_integer_value(json_object_get(holder, "pid")), pid);
    json_decref(holder);
    assert_string_not_equal(vpce_state_lock_id(st), dead_id);
    assert_int_equal(vpce_state_force_unlock(st, dead_id), VPCE_ENOTFOUND);
    assert_int_equal(vpce_state_lock_info(st, &info), 0);
    assert_int_equal(json_integer_value(json_object_get(info, "pid")), getpid());
    json_decref(info);
    assert_int_equal(vpce_state_unlock(st), 0);
    free(dead_id);
    vpce_state_close(st);
    close(up[0]);
    close(up[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(state_lock_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(state_lock_dead_holder_taken_over, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
