/* Unit tests: unknown values flow through references; known ones come from prior state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/support/testprov.h"

static const char *CFG = "resource \"test_thing\" \"vpc\" {\n  name = \"vpc\"\n}\n"
                         "locals {\n  vpc_id = test_thing.vpc.id\n}\n"
                         "resource \"test_child\" \"subnet\" {\n  count = 2\n"
                         "  parent_id = local.vpc_id\n  value = \"v${count.index}\"\n}\n"
                         "output \"vpc_id\" {\n  value = test_thing.vpc.id\n}\n";

static int setup(void **state)
{
    (void)state;
    testprov_register();
    return 0;
}

static void unknown_flows_when_parent_is_new(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(CFG);
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    vpce_change *c = testprov_change(p, "test_child.subnet[1]");
    assert_non_null(c);
    assert_int_equal(c->action, VPCE_ACTION_CREATE);
    assert_true(vpce_is_unknown(json_object_get(c->after, "parent_id")));
    assert_string_equal(json_string_value(json_object_get(c->after, "value")), "v1");
    /* the child depends on the parent instance, through the local */
    assert_int_equal(c->ndepends_on, 1);
    assert_string_equal(c->depends_on[0], "test_thing.vpc");
    json_t *oc = json_object_get(p->output_changes, "vpc_id");
    assert_true(vpce_is_unknown(json_object_get(oc, "after")));
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

/* A new object's computed id is an unknown that names its origin, and references carry it on
   unchanged (what the reachability analysis links by); a value computed from it does not. */
static void unknown_id_remembers_its_origin(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(
        "resource \"test_thing\" \"vpc\" {\n  name = \"vpc\"\n}\n"
        "resource \"test_child\" \"a\" {\n  parent_id = test_thing.vpc.id\n}\n"
        "resource \"test_child\" \"b\" {\n  parent_id = \"x-${test_thing.vpc.id}\"\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    const json_t *id = json_object_get(testprov_change(p, "test_thing.vpc")->after, "id");
    assert_string_equal(vpce_unknown_origin(id), "test_thing.vpc.id");
    const json_t *a = json_object_get(testprov_change(p, "test_child.a")->after, "parent_id");
    assert_string_equal(vpce_unknown_origin(a), "test_thing.vpc.id");
    const json_t *b = json_object_get(testprov_change(p, "test_child.b")->after, "parent_id");
    assert_true(vpce_is_unknown(b));
    assert_null(vpce_unknown_origin(b));
    /* unknowns compare equal whatever their origin, as before */
    assert_true(vpce_value_equal(a, b));
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

/* The origin names the instance whatever its key: a long one (past any fixed buffer) and one
   that is not ASCII. */
static void unknown_origin_of_long_and_non_ascii_keys(void **state)
{
    (void)state;
    char longkey[700];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    char *text = NULL;
    size_t n = strlen(longkey) + 200;
    text = test_malloc(n);
    snprintf(text, n,
             "resource \"test_thing\" \"t\" {\n  for_each = toset([\"%s\", \"m\xc3\xa9\"])\n"
             "  name = each.key\n}\n",
             longkey);
    vpce_config *cfg = testprov_load(text);
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    char addr[800], origin[810];
    snprintf(addr, sizeof(addr), "test_thing.t[\"%s\"]", longkey);
    snprintf(origin, sizeof(origin), "%s.id", addr);
    const vpce_change *c = testprov_change(p, addr);
    assert_non_null(c);
    assert_string_equal(vpce_unknown_origin(json_object_get(c->after, "id")), origin);
    c = testprov_change(p, "test_thing.t[\"m\xc3\xa9\"]");
    assert_non_null(c);
    assert_string_equal(vpce_unknown_origin(json_object_get(c->after, "id")),
                        "test_thing.t[\"m\xc3\xa9\"].id");
    vpce_plan_free(p);
    vpce_config_free(cfg);
    test_free(text);
}

static void known_when_parent_in_state(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(CFG);
    json_t *st = testprov_state(
        testprov_entry(
            "test_thing", "vpc", NULL,
            "{\"id\":\"vpc-1\",\"name\":\"vpc\",\"arn\":\"a\",\"computed_value\":\"c\"}"),
        NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    assert_int_equal(testprov_change(p, "test_thing.vpc")->action, VPCE_ACTION_NOOP);
    vpce_change *c = testprov_change(p, "test_child.subnet[0]");
    assert_int_equal(c->action, VPCE_ACTION_CREATE);
    assert_string_equal(json_string_value(json_object_get(c->after, "parent_id")), "vpc-1");
    json_t *oc = json_object_get(p->output_changes, "vpc_id");
    assert_string_equal(json_string_value(json_object_get(oc, "after")), "vpc-1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(oc, "actions"), 0)),
                        "create");
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void replaced_parent_makes_child_replace(void **state)
{
    (void)state;
    vpce_config *cfg =
        testprov_load("resource \"test_thing\" \"vpc\" {\n  name = \"vpc2\"\n}\n"
                      "resource \"test_child\" \"subnet\" {\n  parent_id = test_thing.vpc.id\n}\n");
    json_t *st = testprov_state(
        testprov_entry(
            "test_thing", "vpc", NULL,
            "{\"id\":\"vpc-1\",\"name\":\"vpc\",\"arn\":\"a\",\"computed_value\":\"c\"}"),
        testprov_entry("test_child", "subnet", NULL, "{\"id\":\"s-1\",\"parent_id\":\"vpc-1\"}"),
        NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    assert_int_equal(testprov_change(p, "test_thing.vpc")->action, VPCE_ACTION_DELETE_THEN_CREATE);
    vpce_change *c = testprov_change(p, "test_child.subnet");
    /* parent_id becomes unknown and forces a new child */
    assert_int_equal(c->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_true(vpce_is_unknown(json_object_get(c->after, "parent_id")));
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void for_each_over_map(void **state)
{
    (void)state;
    vpce_config *cfg =
        testprov_load("variable \"svc\" {\n  default = { ssm = 1, ec2 = 2 }\n}\n"
                      "resource \"test_thing\" \"ep\" {\n  for_each = var.svc\n"
                      "  name = each.key\n  size = each.value\n}\n"
                      "output \"ids\" {\n  value = [for k, v in test_thing.ep : v.name]\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    vpce_change *c = testprov_change(p, "test_thing.ep[\"ssm\"]");
    assert_non_null(c);
    assert_string_equal(json_string_value(c->index), "ssm");
    assert_int_equal(json_integer_value(json_object_get(c->after, "size")), 1);
    assert_non_null(testprov_change(p, "test_thing.ep[\"ec2\"]"));
    json_t *after = json_object_get(json_object_get(p->output_changes, "ids"), "after");
    assert_int_equal(json_array_size(after), 2);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void unknown_count_is_an_error(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n}\n"
                                     "resource \"test_thing\" \"b\" {\n"
                                     "  count = length(test_thing.a.id)\n  name = \"b\"\n}\n");
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    vpce_plan_opts o = {0};
    assert_int_equal(vpce_plan_make(&p, cfg, NULL, NULL, &o, &d), VPCE_EINVALID);
    assert_null(p);
    assert_true(vpce_diags_has_errors(&d));
    bool found = false;
    for (size_t i = 0; i < d.len; i++)
        if (strstr(d.items[i].summary, "count"))
            found = true;
    assert_true(found);
    vpce_diags_release(&d);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_flows_when_parent_is_new),
        cmocka_unit_test(unknown_id_remembers_its_origin),
        cmocka_unit_test(unknown_origin_of_long_and_non_ascii_keys),
        cmocka_unit_test(known_when_parent_in_state),
        cmocka_unit_test(replaced_parent_makes_child_replace),
        cmocka_unit_test(for_each_over_map),
        cmocka_unit_test(unknown_count_is_an_error),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
