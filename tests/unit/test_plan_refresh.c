/* Unit tests: refresh reads each type once in a batch, gone objects plan as create, drift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/support/testprov.h"

#define N 25

static int setup(void **state)
{
    (void)state;
    testprov_register();
    return 0;
}

/* Plans and applies the configuration so the remote world and the state agree. */
static json_t *applied_state(const vpce_config *cfg)
{
    json_t *st = testprov_state(NULL);
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_true(testprov_converge(cfg, NULL, &st, 5, &d) >= 1);
    vpce_diags_release(&d);
    return st;
}

static const char *CFG = "resource \"test_thing\" \"t\" {\n  count = 25\n"
                         "  name = \"t${count.index}\"\n  size = 1\n}\n"
                         "resource \"test_child\" \"c\" {\n  count = 25\n"
                         "  parent_id = test_thing.t[count.index].id\n}\n";

static void refresh_batches_per_type(void **state)
{
    (void)state;
    testprov_reset();
    vpce_config *cfg = testprov_load(CFG);
    json_t *st = applied_state(cfg);
    assert_int_equal(testprov_remote_count(), 2 * N);
    testprov_counters *k = testprov_counters_get();
    memset(k, 0, sizeof(*k));
    vpce_plan_opts o = {.refresh = true};
    vpce_plan *p = testprov_plan(cfg, st, &o);
    assert_int_equal(k->read_batch_thing, 1);
    assert_int_equal(k->read_batch_child, 1);
    assert_int_equal(k->read_batch_items, 2 * N);
    assert_false(vpce_plan_has_changes(p));
    assert_int_equal(json_array_size(p->drift), 0);
    vpce_plan_free(p);

    /* refresh=false reads nothing */
    memset(k, 0, sizeof(*k));
    o.refresh = false;
    p = testprov_plan(cfg, st, &o);
    assert_int_equal(k->read_batch, 0);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void refresh_gone_and_drift(void **state)
{
    (void)state;
    testprov_reset();
    vpce_config *cfg = testprov_load(CFG);
    json_t *st = applied_state(cfg);
    /* t[3] deleted behind our back; t[4] resized */
    json_t *res = json_object_get(st, "resources");
    const char *id3 = NULL, *id4 = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r)
    {
        const char *a = json_string_value(json_object_get(r, "address"));
        if (strcmp(a, "test_thing.t[3]") == 0)
            id3 = json_string_value(json_object_get(r, "id"));
        if (strcmp(a, "test_thing.t[4]") == 0)
            id4 = json_string_value(json_object_get(r, "id"));
    }
    assert_non_null(id3);
    assert_non_null(id4);
    testprov_remote_delete(id3);
    json_object_set_new(testprov_remote(id4), "size", json_integer(9));

    vpce_plan_opts o = {.refresh = true};
    vpce_plan *p = testprov_plan(cfg, st, &o);
    assert_int_equal(testprov_change(p, "test_thing.t[3]")->action, VPCE_ACTION_CREATE);
    vpce_change *c = testprov_change(p, "test_thing.t[4]");
    assert_int_equal(c->action, VPCE_ACTION_UPDATE);
    assert_int_equal(json_integer_value(json_object_get(c->before, "size")), 9);
    /* the child of the vanished parent must be replaced (its parent_id is now unknown) */
    assert_int_equal(testprov_change(p, "test_child.c[3]")->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_int_equal(json_array_size(p->drift), 2);
    bool saw_delete = false, saw_update = false;
    json_array_foreach(p->drift, i, r)
    {
        const char *a = json_string_value(json_object_get(r, "address"));
        const char *act = json_string_value(json_array_get(json_object_get(r, "actions"), 0));
        if (strcmp(a, "test_thing.t[3]") == 0 && strcmp(act, "delete") == 0)
            saw_delete = true;
        if (strcmp(a, "test_thing.t[4]") == 0 && strcmp(act, "update") == 0)
            saw_update = true;
    }
    assert_true(saw_delete && saw_update);
    vpce_plan_free(p);

    /* -refresh-only: no infrastructure changes, drift shown */
    o.refresh_only = true;
    p = testprov_plan(cfg, st, &o);
    assert_true(p->refresh_only);
    for (size_t j = 0; j < p->nchanges; j++)
        assert_int_equal(p->changes[j]->action, VPCE_ACTION_NOOP);
    assert_int_equal(json_array_size(p->drift), 2);
    assert_true(vpce_plan_has_changes(p));
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void refresh_failure_names_type_and_addresses(void **state)
{
    (void)state;
    testprov_reset();
    vpce_config *cfg = testprov_load(CFG);
    json_t *st = applied_state(cfg);
    testprov_fail_reads("RequestLimitExceeded: Request limit exceeded.");
    vpce_plan_opts o = {.refresh = true};
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    int rc = vpce_plan_make(&p, cfg, NULL, st, &o, &d);
    testprov_fail_reads(NULL);
    assert_true(rc < 0);
    assert_null(p);
    /* The user's words (type and addresses) first, then the provider's code and message. */
    assert_string_equal(vpce_error_last(),
                        "refreshing test_thing (25 instances: test_thing.t[0], ...): "
                        "RequestLimitExceeded: Request limit exceeded.");
    vpce_diags_release(&d);
    json_decref(st);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refresh_batches_per_type),
        cmocka_unit_test(refresh_gone_and_drift),
        cmocka_unit_test(refresh_failure_names_type_and_addresses),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
