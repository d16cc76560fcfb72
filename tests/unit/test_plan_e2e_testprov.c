/* Unit tests: plan, apply with the test provider, plan again: nothing left to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/support/testprov.h"

static int setup(void **state)
{
    (void)state;
    testprov_register();
    return 0;
}

static const char *CFG =
    "variable \"services\" {\n  default = [\"ssm\", \"ec2\"]\n}\n"
    "provider \"test\" {\n  region = \"eu-west-1\"\n}\n"
    "resource \"test_thing\" \"vpc\" {\n  name = \"vpc\"\n  tags = { Name = \"main\" }\n"
    "  zones = [\"b\", \"a\"]\n}\n"
    "resource \"test_thing\" \"ep\" {\n  for_each = toset(var.services)\n"
    "  name = \"ep-${each.key}\"\n"
    "  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\",\n"
    "    Action = [\"${each.key}:*\"], Resource = \"*\", Principal = \"*\" }] })\n}\n"
    "resource \"test_child\" \"sub\" {\n  for_each = test_thing.ep\n"
    "  parent_id = each.value.id\n  value = test_thing.vpc.arn\n}\n"
    "output \"ids\" {\n  value = { for k, v in test_child.sub : k => v.id }\n}\n";

static void plan_apply_plan_is_clean(void **state)
{
    (void)state;
    testprov_reset();
    vpce_config *cfg = testprov_load(CFG);
    json_t *st = testprov_state(NULL);

    vpce_plan *p = testprov_plan(cfg, st, NULL);
    int add, change, destroy;
    vpce_plan_counts(p, &add, &change, &destroy);
    assert_int_equal(add, 5);
    json_t *next = NULL;
    assert_int_equal(testprov_apply(p, &next), 0);
    vpce_plan_free(p);
    json_decref(st);
    st = next;
    /* the first round creates what has known arguments; the children waited for ids */
    assert_int_equal(testprov_remote_count(), 3);

    vpce_diags d = VPCE_DIAGS_INIT;
    int rounds = testprov_converge(cfg, NULL, &st, 5, &d);
    if (rounds < 0) {
        vpce_diags_print(&d, stderr, false);
        vpce_plan *dbg = testprov_plan(cfg, st, NULL);
        for (size_t j = 0; j < dbg->nchanges; j++)
            if (dbg->changes[j]->action != VPCE_ACTION_NOOP) {
                char *b = json_dumps(dbg->changes[j]->before, JSON_COMPACT | JSON_SORT_KEYS);
                char *a = json_dumps(dbg->changes[j]->after, JSON_COMPACT | JSON_SORT_KEYS);
                fprintf(stderr, "%s %s\n  %s\n  %s\n", dbg->changes[j]->address,
                        vpce_action_name(dbg->changes[j]->action), b, a);
                free(a);
                free(b);
            }
        char *o = json_dumps(dbg->output_changes, JSON_COMPACT);
        fprintf(stderr, "%s\n", o);
        free(o);
        vpce_plan_free(dbg);
    }
    assert_true(rounds >= 1);
    assert_int_equal(testprov_remote_count(), 5);
    assert_int_equal(json_array_size(json_object_get(st, "resources")), 5);
    json_t *ids = json_object_get(json_object_get(json_object_get(st, "outputs"), "ids"), "value");
    assert_int_equal(json_object_size(ids), 2);

    /* the remote world returns the policy in another shape: still no diff */
    json_t *res = json_object_get(st, "resources");
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r)
    {
        json_t *attrs = json_object_get(r, "attributes");
        if (json_object_get(attrs, "policy") && json_is_string(json_object_get(attrs, "policy"))) {
            const char *id = json_string_value(json_object_get(attrs, "id"));
            char *pol = vpce_asprintf(
                "{\"Statement\":{\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"*\"],"
                "\"Action\":\"%s:*\",\"Effect\":\"Allow\"},\"Version\":\"2012-10-17\"}",
                strstr(json_string_value(json_object_get(attrs, "name")), "ssm") ? "ssm" : "ec2");
            json_object_set_new(testprov_remote(id), "policy", json_string(pol));
            free(pol);
        }
    }
    vpce_plan_opts o = {.refresh = true};
    p = testprov_plan(cfg, st, &o);
    for (size_t j = 0; j < p->nchanges; j++)
        assert_int_equal(p->changes[j]->action, VPCE_ACTION_NOOP);
    assert_false(vpce_plan_has_changes(p) && json_array_size(p->drift) == 0);
    vpce_plan_free(p);

    /* dropping a service deletes its endpoint and child, children first */
    vpce_config *cfg2 = testprov_load(
        "variable \"services\" {\n  default = [\"ssm\"]\n}\n"
        "resource \"test_thing\" \"vpc\" {\n  name = \"vpc\"\n  tags = { Name = \"main\" }\n"
        "  zones = [\"a\", \"b\"]\n}\n"
        "resource \"test_thing\" \"ep\" {\n  for_each = toset(var.services)\n"
        "  name = \"ep-${each.key}\"\n"
        "  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\",\n"
        "    Action = [\"${each.key}:*\"], Resource = \"*\", Principal = \"*\" }] })\n}\n"
        "resource \"test_child\" \"sub\" {\n  for_each = test_thing.ep\n"
        "  parent_id = each.value.id\n  value = test_thing.vpc.arn\n}\n");
    assert_int_equal(testprov_converge(cfg2, NULL, &st, 5, &d), 1);
    assert_int_equal(testprov_remote_count(), 3);
    assert_int_equal(testprov_converge(cfg2, NULL, &st, 5, &d), 0);
    vpce_diags_release(&d);
    json_decref(st);
    vpce_config_free(cfg2);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_apply_plan_is_clean),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
