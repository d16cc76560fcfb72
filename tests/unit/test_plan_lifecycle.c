/* Unit tests: ignore_changes, prevent_destroy, -target, -replace and -destroy ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "render/render.h"
#include "tests/unit/support/testprov.h"

static int setup(void **state)
{
    (void)state;
    testprov_register();
    return 0;
}

static json_t *thing_state(const char *name, const char *id, const char *extra)
{
    char *attrs = vpce_asprintf("{\"id\":\"%s\",\"name\":\"%s\",\"arn\":\"a\","
                                "\"computed_value\":\"c\"%s}",
                                id, name, extra);
    json_t *e = testprov_entry("test_thing", name, NULL, attrs);
    free(attrs);
    return e;
}

static void ignore_changes_keeps_prior(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n"
                                     "  size = 5\n  note = \"new\"\n"
                                     "  lifecycle {\n    ignore_changes = [size]\n  }\n}\n"
                                     "resource \"test_thing\" \"b\" {\n  name = \"b\"\n"
                                     "  size = 5\n"
                                     "  lifecycle {\n    ignore_changes = all\n  }\n}\n");
    json_t *st = testprov_state(thing_state("a", "t-1", ",\"size\":1,\"note\":\"old\""),
                                thing_state("b", "t-2", ",\"size\":1"), NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_int_equal(c->action, VPCE_ACTION_UPDATE); /* note still changes */
    assert_int_equal(json_integer_value(json_object_get(c->after, "size")), 1);
    assert_string_equal(json_string_value(json_object_get(c->after, "note")), "new");
    assert_int_equal(testprov_change(p, "test_thing.b")->action, VPCE_ACTION_NOOP);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void prevent_destroy_fails_plan(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"main\" {\n  name = \"new\"\n"
                                     "  lifecycle {\n    prevent_destroy = true\n  }\n}\n");
    json_t *st = testprov_state(thing_state("main", "t-1", ""), NULL);
    /* rename: the state entry is named "main" with name "main"; config wants "new" */
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    vpce_plan_opts o = {0};
    assert_int_equal(vpce_plan_make(&p, cfg, NULL, st, &o, &d), VPCE_EINVALID);
    assert_null(p);
    bool found = false;
    for (size_t i = 0; i < d.len; i++)
        if (strcmp(d.items[i].summary, "instance cannot be destroyed") == 0) {
            found = true;
            assert_non_null(strstr(d.items[i].detail, "resource test_thing.main has "
                                                      "lifecycle.prevent_destroy set"));
            assert_non_null(d.items[i].range.src);
        }
    assert_true(found);
    vpce_diags_release(&d);

    /* -destroy is refused as well */
    o.destroy = true;
    assert_int_equal(vpce_plan_make(&p, cfg, NULL, st, &o, &d), VPCE_EINVALID);
    vpce_diags_release(&d);
    json_decref(st);
    vpce_config_free(cfg);
}

static void target_plans_deps_only(void **state)
{
    (void)state;
    vpce_config *cfg =
        testprov_load("resource \"test_thing\" \"vpc\" {\n  name = \"vpc\"\n}\n"
                      "resource \"test_child\" \"subnet\" {\n  parent_id = test_thing.vpc.id\n}\n"
                      "resource \"test_thing\" \"other\" {\n  name = \"other\"\n}\n");
    const char *targets[] = {"test_child.subnet"};
    vpce_plan_opts o = {.targets = targets, .ntargets = 1};
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    assert_int_equal(vpce_plan_make(&p, cfg, NULL, NULL, &o, &d), 0);
    assert_non_null(testprov_change(p, "test_child.subnet"));
    assert_non_null(testprov_change(p, "test_thing.vpc"));
    assert_null(testprov_change(p, "test_thing.other"));
    bool warned = false;
    for (size_t i = 0; i < d.len; i++)
        if (d.items[i].severity == VPCE_DIAG_WARNING &&
            strstr(d.items[i].summary, "targeting is in effect"))
            warned = true;
    assert_true(warned);
    vpce_diags_release(&d);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void replace_by_request(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n}\n");
    json_t *st = testprov_state(thing_state("a", "t-1", ""), NULL);
    const char *repl[] = {"test_thing.a"};
    vpce_plan_opts o = {.replace = repl, .nreplace = 1};
    vpce_plan *p = testprov_plan(cfg, st, &o);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_int_equal(c->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_string_equal(c->reason, "replace_by_request");
    assert_true(vpce_is_unknown(json_object_get(c->after, "id")));
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

/* Where the step of addr that deletes (del) or creates, updates or reads (!del) is in order. */
static size_t step_at(const vpce_plan *p, const vpce_apply_step *order, size_t n, const char *addr,
                      bool del)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p->changes[order[i].change]->address, addr) == 0 && order[i].del == del)
            return i;
    fail_msg("%s (%s) not in the apply order", addr, del ? "delete" : "create");
    return 0;
}

static size_t position(const vpce_plan *p, const vpce_apply_step *order, size_t n, const char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p->changes[order[i].change]->address, addr) == 0)
            return i;
    fail_msg("%s not in the apply order", addr);
    return 0;
}

static void destroy_in_reverse_order(void **state)
{
    (void)state;
    vpce_config *cfg =
        testprov_load("resource \"test_thing\" \"vpc\" {\n  name = \"vpc\"\n}\n"
                      "resource \"test_child\" \"subnet\" {\n  parent_id = test_thing.vpc.id\n}\n"
                      "data \"test_lookup\" \"x\" {\n  name = \"x\"\n}\n"
                      "output \"o\" {\n  value = test_thing.vpc.id\n}\n");
    json_t *child = testprov_entry("test_child", "subnet", NULL,
                                   "{\"id\":\"s-1\",\"parent_id\":\"t-1\",\"value\":null}");
    json_array_append_new(json_object_get(child, "dependencies"), json_string("test_thing.vpc"));
    json_t *st = testprov_state(thing_state("vpc", "t-1", ""), child, NULL);
    json_object_set_new(json_object_get(st, "outputs"), "o", json_pack("{s:s}", "value", "t-1"));
    vpce_plan_opts o = {.destroy = true};
    testprov_counters_get()->read_data = 0;
    vpce_plan *p = testprov_plan(cfg, st, &o);
    assert_true(p->destroy);
    assert_int_equal(p->nchanges, 2);
    assert_int_equal(testprov_change(p, "test_thing.vpc")->action, VPCE_ACTION_DELETE);
    assert_int_equal(testprov_change(p, "test_child.subnet")->action, VPCE_ACTION_DELETE);
    assert_int_equal(testprov_counters_get()->read_data, 0); /* data sources not read */
    vpce_apply_step *order;
    size_t n;
    vpce_plan_apply_order(p, &order, &n);
    assert_int_equal(n, 2);
    assert_true(position(p, order, n, "test_child.subnet") <
                position(p, order, n, "test_thing.vpc"));
    free(order);
    json_t *oc = json_object_get(p->output_changes, "o");
    assert_string_equal(json_string_value(json_array_get(json_object_get(oc, "actions"), 0)),
                        "delete");
    vpce_plan_free(p);

    /* and creates go parents first */
    o.destroy = false;
    p = testprov_plan(cfg, NULL, &o);
    vpce_plan_apply_order(p, &order, &n);
    assert_true(position(p, order, n, "test_thing.vpc") <
                position(p, order, n, "test_child.subnet"));
    free(order);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

/* A replaced object's dependents: those whose forcing argument refers to it are replaced with
   it, and so is one whose updatable argument refers to it (its update would need the new
   object while still using the old one). The steps: every dependent's delete before the
   object's, the object's create after its delete and before its dependents' creates. */
static void replacement_steps_delete_dependents_first(void **state)
{
    (void)state;
    static const char *const text =
        "resource \"test_thing\" \"vpc\" {\n  name = \"v2\"\n}\n"
        "resource \"test_child\" \"subnet\" {\n  parent_id = test_thing.vpc.id\n}\n"
        "resource \"test_child\" \"leaf\" {\n  parent_id = test_child.subnet.id\n}\n"
        "resource \"test_child\" \"gw\" {\n  parent_id = \"fixed\"\n"
        "  value = test_thing.vpc.id\n}\n"
        "resource \"test_child\" \"other\" {\n  parent_id = \"fixed\"\n  value = \"x\"\n}\n";
    vpce_config *cfg = testprov_load(text);
    json_t *subnet = testprov_entry("test_child", "subnet", NULL,
                                    "{\"id\":\"s-1\",\"parent_id\":\"t-1\",\"value\":null}");
    json_array_append_new(json_object_get(subnet, "dependencies"), json_string("test_thing.vpc"));
    json_t *leaf = testprov_entry("test_child", "leaf", NULL,
                                  "{\"id\":\"s-2\",\"parent_id\":\"s-1\",\"value\":null}");
    json_array_append_new(json_object_get(leaf, "dependencies"), json_string("test_child.subnet"));
    json_t *gw = testprov_entry("test_child", "gw", NULL,
                                "{\"id\":\"s-3\",\"parent_id\":\"fixed\",\"value\":\"t-1\"}");
    json_array_append_new(json_object_get(gw, "dependencies"), json_string("test_thing.vpc"));
    /* other no longer refers to the vpc, but its prior state does: it is updated first */
    json_t *other = testprov_entry("test_child", "other", NULL,
                                   "{\"id\":\"s-4\",\"parent_id\":\"fixed\",\"value\":\"t-1\"}");
    json_array_append_new(json_object_get(other, "dependencies"), json_string("test_thing.vpc"));
    json_t *st = testprov_state(thing_state("vpc", "t-1", ""), subnet, leaf, gw, other, NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    assert_int_equal(testprov_change(p, "test_thing.vpc")->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_int_equal(testprov_change(p, "test_child.subnet")->action,
                     VPCE_ACTION_DELETE_THEN_CREATE);
    assert_int_equal(testprov_change(p, "test_child.leaf")->action, VPCE_ACTION_DELETE_THEN_CREATE);
    vpce_change *g = testprov_change(p, "test_child.gw");
    assert_int_equal(g->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_string_equal(json_string_value(json_array_get(json_array_get(g->replace_paths, 0), 0)),
                        "value");
    assert_int_equal(testprov_change(p, "test_child.other")->action, VPCE_ACTION_UPDATE);

    vpce_apply_step *order;
    size_t n;
    vpce_plan_apply_order(p, &order, &n);
    assert_int_equal(n, 9); /* four replacements of two steps, one update */
    size_t vpc_del = step_at(p, order, n, "test_thing.vpc", true);
    size_t vpc_new = step_at(p, order, n, "test_thing.vpc", false);
    assert_true(step_at(p, order, n, "test_child.leaf", true) <
                step_at(p, order, n, "test_child.subnet", true));
    assert_true(step_at(p, order, n, "test_child.subnet", true) < vpc_del);
    assert_true(step_at(p, order, n, "test_child.gw", true) < vpc_del);
    assert_true(step_at(p, order, n, "test_child.other", false) < vpc_del);
    assert_true(vpc_del < vpc_new);
    assert_true(vpc_new < step_at(p, order, n, "test_child.subnet", false));
    assert_true(step_at(p, order, n, "test_child.subnet", false) <
                step_at(p, order, n, "test_child.leaf", false));
    assert_true(vpc_new < step_at(p, order, n, "test_child.gw", false));
    free(order);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

/* replace_triggered_by: an update or replacement of what it names (or a change of the named
   attribute) plans the resource as a replacement, reason replace_by_triggers, rendered as
   Terraform renders it; creates, no-ops and other attributes trigger nothing. */
static void replace_triggered_by_plans_replacement(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(
        "resource \"test_thing\" \"sg\" {\n  name = \"sg\"\n  size = 2\n}\n"
        "resource \"test_thing\" \"multi\" {\n  count = 2\n  name = \"multi\"\n"
        "  size = count.index == 0 ? 5 : 1\n}\n"
        "resource \"test_thing\" \"whole\" {\n  name = \"whole\"\n"
        "  lifecycle {\n    replace_triggered_by = [test_thing.sg]\n  }\n}\n"
        "resource \"test_thing\" \"attr\" {\n  name = \"attr\"\n"
        "  lifecycle {\n    create_before_destroy = true\n"
        "    replace_triggered_by = [test_thing.sg.size]\n  }\n}\n"
        "resource \"test_thing\" \"other\" {\n  name = \"other\"\n"
        "  lifecycle {\n    replace_triggered_by = [test_thing.sg.note]\n  }\n}\n"
        "resource \"test_thing\" \"idx\" {\n  count = 2\n  name = \"idx\"\n"
        "  lifecycle {\n    replace_triggered_by = [test_thing.multi[count.index].id]\n"
        "  }\n}\n"
        "resource \"test_thing\" \"fresh\" {\n  name = \"fresh\"\n"
        "  lifecycle {\n    replace_triggered_by = [test_thing.sg]\n  }\n}\n"
        "resource \"test_thing\" \"calm\" {\n  name = \"calm\"\n"
        "  lifecycle {\n    replace_triggered_by = [test_thing.multi[1]]\n  }\n}\n");
    json_t *st =
        testprov_state(thing_state("sg", "t-1", ",\"size\":1"), thing_state("whole", "t-2", ""),
                       thing_state("attr", "t-3", ""), thing_state("other", "t-4", ""),
                       thing_state("calm", "t-9", ""),
                       testprov_entry("test_thing", "multi", "0",
                                      "{\"id\":\"t-5\",\"name\":\"multi\",\"size\":1,\"arn\":\"a\","
                                      "\"computed_value\":\"c\"}"),
                       testprov_entry("test_thing", "multi", "1",
                                      "{\"id\":\"t-6\",\"name\":\"multi\",\"size\":1,\"arn\":\"a\","
                                      "\"computed_value\":\"c\"}"),
                       testprov_entry("test_thing", "idx", "0",
                                      "{\"id\":\"t-7\",\"name\":\"idx\",\"arn\":\"a\","
                                      "\"computed_value\":\"c\"}"),
                       testprov_entry("test_thing", "idx", "1",
                                      "{\"id\":\"t-8\",\"name\":\"idx\",\"arn\":\"a\","
                                      "\"computed_value\":\"c\"}"),
                       NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    assert_int_equal(testprov_change(p, "test_thing.sg")->action, VPCE_ACTION_UPDATE);
    vpce_change *c = testprov_change(p, "test_thing.whole");
    assert_int_equal(c->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_string_equal(c->reason, "replace_by_triggers");
    assert_true(vpce_is_unknown(json_object_get(c->after, "id")));
    c = testprov_change(p, "test_thing.attr");
    assert_int_equal(c->action, VPCE_ACTION_CREATE_THEN_DELETE);
    assert_string_equal(c->reason, "replace_by_triggers");
    /* note did not change: nothing triggered */
    assert_int_equal(testprov_change(p, "test_thing.other")->action, VPCE_ACTION_NOOP);
    /* multi[0] is updated (size), but its id does not change; multi[1] is not changed */
    assert_int_equal(testprov_change(p, "test_thing.multi[0]")->action, VPCE_ACTION_UPDATE);
    assert_int_equal(testprov_change(p, "test_thing.idx[0]")->action, VPCE_ACTION_NOOP);
    assert_int_equal(testprov_change(p, "test_thing.idx[1]")->action, VPCE_ACTION_NOOP);
    assert_int_equal(testprov_change(p, "test_thing.calm")->action, VPCE_ACTION_NOOP);
    /* a new object is created, not replaced */
    c = testprov_change(p, "test_thing.fresh");
    assert_int_equal(c->action, VPCE_ACTION_CREATE);
    assert_null(c->reason);
    /* the trigger comes first in the apply order */
    vpce_apply_step *order;
    size_t n;
    vpce_plan_apply_order(p, &order, &n);
    assert_true(step_at(p, order, n, "test_thing.sg", false) <
                step_at(p, order, n, "test_thing.whole", false));
    free(order);

    char *text = vpce_plan_render_text(p, false);
    assert_non_null(strstr(
        text, "  # test_thing.whole will be replaced due to changes in replace_triggered_by\n"
              "-/+ resource \"test_thing\" \"whole\" {\n"));
    assert_non_null(strstr(text, "  # test_thing.attr will be replaced due to changes in "
                                 "replace_triggered_by\n+/- resource"));
    free(text);
    char *json = vpce_plan_render_json(p);
    assert_non_null(strstr(json, "\"action_reason\": \"replace_by_triggers\""));
    free(json);
    vpce_plan_free(p);
    json_decref(st);

    /* Once the trigger's change is applied (no change left), nothing is replaced. */
    st = testprov_state(thing_state("sg", "t-1", ",\"size\":2"), thing_state("whole", "t-2", ""),
                        NULL);
    vpce_config *cfg2 =
        testprov_load("resource \"test_thing\" \"sg\" {\n  name = \"sg\"\n  size = 2\n}\n"
                      "resource \"test_thing\" \"whole\" {\n  name = \"whole\"\n"
                      "  lifecycle {\n    replace_triggered_by = [test_thing.sg]\n  }\n}\n");
    p = testprov_plan(cfg2, st, NULL);
    assert_int_equal(testprov_change(p, "test_thing.whole")->action, VPCE_ACTION_NOOP);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg2);
    vpce_config_free(cfg);
}

/* A replacement of the trigger (a forced-new attribute changed) triggers too, and a change to
   any instance of a counted resource triggers a reference to the whole resource. */
static void replace_triggered_by_replacement_and_any_instance(void **state)
{
    (void)state;
    vpce_config *cfg =
        testprov_load("resource \"test_thing\" \"a\" {\n  name = \"renamed\"\n}\n"
                      "resource \"test_thing\" \"m\" {\n  count = 2\n  name = \"m\"\n"
                      "  note = count.index == 1 ? \"new\" : null\n}\n"
                      "resource \"test_thing\" \"x\" {\n  name = \"x\"\n"
                      "  lifecycle {\n    replace_triggered_by = [test_thing.a.id]\n  }\n}\n"
                      "resource \"test_thing\" \"y\" {\n  name = \"y\"\n"
                      "  lifecycle {\n    replace_triggered_by = [test_thing.m]\n  }\n}\n");
    json_t *st = testprov_state(thing_state("a", "t-1", ""), thing_state("x", "t-2", ""),
                                thing_state("y", "t-3", ""),
                                testprov_entry("test_thing", "m", "0",
                                               "{\"id\":\"t-5\",\"name\":\"m\",\"arn\":\"a\","
                                               "\"computed_value\":\"c\"}"),
                                testprov_entry("test_thing", "m", "1",
                                               "{\"id\":\"t-6\",\"name\":\"m\",\"arn\":\"a\","
                                               "\"computed_value\":\"c\"}"),
                                NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    /* a's name forces a new object: its id becomes unknown, a change of the named attribute */
    assert_int_equal(testprov_change(p, "test_thing.a")->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_string_equal(testprov_change(p, "test_thing.x")->reason, "replace_by_triggers");
    assert_int_equal(testprov_change(p, "test_thing.m[0]")->action, VPCE_ACTION_NOOP);
    assert_int_equal(testprov_change(p, "test_thing.m[1]")->action, VPCE_ACTION_UPDATE);
    assert_string_equal(testprov_change(p, "test_thing.y")->reason, "replace_by_triggers");
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ignore_changes_keeps_prior),
        cmocka_unit_test(prevent_destroy_fails_plan),
        cmocka_unit_test(target_plans_deps_only),
        cmocka_unit_test(replace_by_request),
        cmocka_unit_test(destroy_in_reverse_order),
        cmocka_unit_test(replacement_steps_delete_dependents_first),
        cmocka_unit_test(replace_triggered_by_plans_replacement),
        cmocka_unit_test(replace_triggered_by_replacement_and_any_instance),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
