/* Unit tests: every plan action and reason, from real .vpce text and the test provider. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/support/testprov.h"

#define THING(id, name, extra)                                                                     \
    "{\"id\":\"" id "\",\"arn\":\"arn:test:::" id "\",\"computed_value\":\"cv\",\"name\":\"" name  \
    "\"" extra "}"

static int setup(void **state)
{
    (void)state;
    testprov_register();
    return 0;
}

static void plan_create(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n"
                                     "  size = 3\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_non_null(c);
    assert_int_equal(c->action, VPCE_ACTION_CREATE);
    assert_string_equal(c->mode, "managed");
    assert_string_equal(c->provider, "test");
    assert_null(c->reason);
    assert_string_equal(json_string_value(json_object_get(c->after, "name")), "a");
    assert_int_equal(json_integer_value(json_object_get(c->after, "size")), 3);
    assert_true(vpce_is_unknown(json_object_get(c->after, "id")));
    assert_true(vpce_is_unknown(json_object_get(c->after, "arn")));
    assert_true(vpce_plan_has_changes(p));
    int add, change, destroy;
    vpce_plan_counts(p, &add, &change, &destroy);
    assert_int_equal(add, 1);
    assert_int_equal(change + destroy, 0);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void plan_update_keeps_computed(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n"
                                     "  size = 2\n}\n");
    json_t *st = testprov_state(
        testprov_entry("test_thing", "a", NULL, THING("t-1", "a", ",\"size\":1")), NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_int_equal(c->action, VPCE_ACTION_UPDATE);
    assert_null(c->replace_paths);
    assert_int_equal(json_integer_value(json_object_get(c->before, "size")), 1);
    assert_int_equal(json_integer_value(json_object_get(c->after, "size")), 2);
    /* prior for computed: the id stays known */
    assert_string_equal(json_string_value(json_object_get(c->after, "id")), "t-1");
    assert_string_equal(json_string_value(json_object_get(c->after, "computed_value")), "cv");
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void plan_replace_names_argument(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"new\"\n}\n");
    json_t *st =
        testprov_state(testprov_entry("test_thing", "a", NULL, THING("t-1", "old", "")), NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_int_equal(c->action, VPCE_ACTION_DELETE_THEN_CREATE);
    assert_string_equal(c->reason, "replace_because_cannot_update");
    assert_non_null(c->replace_paths);
    assert_int_equal(json_array_size(c->replace_paths), 1);
    assert_string_equal(json_string_value(json_array_get(json_array_get(c->replace_paths, 0), 0)),
                        "name");
    assert_true(vpce_is_unknown(json_object_get(c->after, "id")));
    int add, change, destroy;
    vpce_plan_counts(p, &add, &change, &destroy);
    assert_int_equal(add, 1);
    assert_int_equal(destroy, 1);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void plan_replace_create_before_destroy(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"new\"\n"
                                     "  lifecycle {\n    create_before_destroy = true\n  }\n}\n");
    json_t *st =
        testprov_state(testprov_entry("test_thing", "a", NULL, THING("t-1", "old", "")), NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_int_equal(c->action, VPCE_ACTION_CREATE_THEN_DELETE);
    assert_string_equal(c->reason, "replace_because_cannot_update");
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void plan_delete_reasons(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"c\" {\n  count = 1\n"
                                     "  name = \"c${count.index}\"\n}\n"
                                     "resource \"test_thing\" \"e\" {\n"
                                     "  for_each = toset([\"a\"])\n  name = each.key\n}\n");
    json_t *st =
        testprov_state(testprov_entry("test_thing", "gone", NULL, THING("t-1", "gone", "")),
                       testprov_entry("test_thing", "c", "0", THING("t-2", "c0", "")),
                       testprov_entry("test_thing", "c", "1", THING("t-3", "c1", "")),
                       testprov_entry("test_thing", "e", "\"a\"", THING("t-4", "a", "")),
                       testprov_entry("test_thing", "e", "\"b\"", THING("t-5", "b", "")), NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    vpce_change *c = testprov_change(p, "test_thing.gone");
    assert_int_equal(c->action, VPCE_ACTION_DELETE);
    assert_string_equal(c->reason, "delete_because_no_resource_config");
    assert_null(c->after);
    c = testprov_change(p, "test_thing.c[1]");
    assert_int_equal(c->action, VPCE_ACTION_DELETE);
    assert_string_equal(c->reason, "delete_because_count_index");
    c = testprov_change(p, "test_thing.e[\"b\"]");
    assert_non_null(c);
    assert_int_equal(c->action, VPCE_ACTION_DELETE);
    assert_string_equal(c->reason, "delete_because_each_key");
    assert_int_equal(testprov_change(p, "test_thing.c[0]")->action, VPCE_ACTION_NOOP);
    assert_int_equal(testprov_change(p, "test_thing.e[\"a\"]")->action, VPCE_ACTION_NOOP);
    /* sorted by address */
    for (size_t i = 1; i < p->nchanges; i++)
        assert_true(strcmp(p->changes[i - 1]->address, p->changes[i]->address) < 0);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void plan_data_read(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n}\n"
                                     "data \"test_lookup\" \"later\" {\n"
                                     "  name = test_thing.a.id\n}\n"
                                     "data \"test_lookup\" \"now\" {\n  name = \"k\"\n}\n"
                                     "resource \"test_thing\" \"b\" {\n"
                                     "  name = data.test_lookup.now.value\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    vpce_change *c = testprov_change(p, "data.test_lookup.later");
    assert_non_null(c);
    assert_int_equal(c->action, VPCE_ACTION_READ);
    assert_string_equal(c->reason, "read_because_config_unknown");
    assert_string_equal(c->mode, "data");
    c = testprov_change(p, "data.test_lookup.now");
    assert_int_equal(c->action, VPCE_ACTION_NOOP);
    c = testprov_change(p, "test_thing.b");
    assert_string_equal(json_string_value(json_object_get(c->after, "name")), "value-of-k");
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void plan_noop_equivalent_values(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(
        "resource \"test_thing\" \"a\" {\n  name = \"a\"\n  zones = [\"b\", \"a\"]\n"
        "  tags = { Name = \"a\" }\n"
        "  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\",\n"
        "    Action = \"s3:GetObject\", Resource = \"*\", Principal = \"*\" }] })\n"
        "  rule {\n    port = 443\n  }\n  rule {\n    port = 80\n  }\n}\n");
    const char *prior_policy = "{\\n  \\\"Statement\\\": [{\\\"Principal\\\": {\\\"AWS\\\": "
                               "[\\\"*\\\"]}, \\\"Resource\\\": [\\\"*\\\"], \\\"Action\\\": "
                               "[\\\"s3:GetObject\\\"], \\\"Effect\\\": \\\"Allow\\\"}],\\n "
                               "\\\"Version\\\": \\\"2012-10-17\\\"}";
    char *attrs =
        vpce_asprintf(THING("t-1", "a",
                            ",\"zones\":[\"a\",\"b\"],\"tags\":{\"Name\":\"a\"},\"policy\":\"%s\","
                            "\"rule\":[{\"port\":80,\"cidr\":null},{\"port\":443,\"cidr\":null}]"),
                      prior_policy);
    json_t *st = testprov_state(testprov_entry("test_thing", "a", NULL, attrs), NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_int_equal(c->action, VPCE_ACTION_NOOP);
    /* the planned value keeps the prior policy text: nothing spurious to show */
    assert_string_equal(json_string_value(json_object_get(c->after, "policy")),
                        json_string_value(json_object_get(c->before, "policy")));
    assert_false(vpce_plan_has_changes(p));
    vpce_plan_free(p);
    json_decref(st);
    free(attrs);
    vpce_config_free(cfg);
}

static void plan_policy_change_is_update(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(
        "resource \"test_thing\" \"a\" {\n  name = \"a\"\n"
        "  policy = jsonencode({ Statement = [{ Effect = \"Deny\", Action = \"*\" }] })\n}\n");
    json_t *st = testprov_state(
        testprov_entry("test_thing", "a", NULL,
                       THING("t-1", "a",
                             ",\"policy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
                             "\\\"Action\\\":\\\"*\\\"}]}\"")),
        NULL);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    assert_int_equal(testprov_change(p, "test_thing.a")->action, VPCE_ACTION_UPDATE);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

static void plan_sensitive_paths(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("variable \"pw\" {\n  default = \"x\"\n  sensitive = true\n}\n"
                                     "resource \"test_thing\" \"a\" {\n  name = \"a\"\n"
                                     "  note = \"n-${var.pw}\"\n  secret = \"s\"\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    vpce_change *c = testprov_change(p, "test_thing.a");
    assert_non_null(c->sensitive_paths);
    char *s = json_dumps(c->sensitive_paths, JSON_COMPACT);
    assert_non_null(strstr(s, "\"secret\""));
    assert_non_null(strstr(s, "\"note\""));
    assert_null(strstr(s, "\"name\""));
    free(s);
    assert_int_equal(json_array_size(p->sensitive_vars), 1);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void plan_instance_addresses(void **state)
{
    (void)state;
    json_t *k = json_string("a\"b\\c");
    char *a = vpce_plan_instance_addr("test_thing.x", k);
    assert_string_equal(a, "test_thing.x[\"a\\\"b\\\\c\"]");
    free(a);
    json_decref(k);
    k = json_integer(3);
    a = vpce_plan_instance_addr("test_thing.x", k);
    assert_string_equal(a, "test_thing.x[3]");
    free(a);
    json_decref(k);
    a = vpce_plan_instance_addr("test_thing.x", NULL);
    assert_string_equal(a, "test_thing.x");
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_create),
        cmocka_unit_test(plan_update_keeps_computed),
        cmocka_unit_test(plan_replace_names_argument),
        cmocka_unit_test(plan_replace_create_before_destroy),
        cmocka_unit_test(plan_delete_reasons),
        cmocka_unit_test(plan_data_read),
        cmocka_unit_test(plan_noop_equivalent_values),
        cmocka_unit_test(plan_policy_change_is_update),
        cmocka_unit_test(plan_sensitive_paths),
        cmocka_unit_test(plan_instance_addresses),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
