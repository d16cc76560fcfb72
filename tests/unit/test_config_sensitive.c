/* Unit tests for config/sensitive.c: which expressions carry sensitive values, and the error for
   outputs that carry them without sensitive = true. */
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

/* Loads text as main.vpce; returns the number of "output refers to sensitive values" errors and
   puts the output names they point at, comma-separated, into names. */
static size_t sensitive_errors(const char *text, char *names, size_t n)
{
    const char *files[] = {"main.vpce", text, NULL};
    char *dir = testprov_tempdir(files);
    vpce_config *cfg = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config_load_dir(&cfg, dir, &d);
    size_t count = 0;
    names[0] = '\0';
    for (size_t i = 0; i < d.len; i++) {
        if (strcmp(d.items[i].summary, "output refers to sensitive values") != 0) {
            if (d.items[i].severity == VPCE_DIAG_ERROR)
                fail_msg("unexpected error: %s", d.items[i].summary);
            continue;
        }
        vpce_range r = d.items[i].range;
        assert_non_null(r.src);
        /* the range is the block header: output "NAME" { */
        const char *q = memchr(r.src->text + r.start, '"', r.end - r.start);
        assert_non_null(q);
        size_t len = strcspn(q + 1, "\"");
        size_t used = strlen(names);
        snprintf(names + used, n - used, "%s%.*s", count ? "," : "", (int)len, q + 1);
        count++;
    }
    vpce_diags_release(&d);
    vpce_config_free(cfg);
    testprov_rmdir(dir);
    return count;
}

static void sensitive_attribute_in_output(void **state)
{
    (void)state;
    char names[256];
    size_t n = sensitive_errors(
        "resource \"test_thing\" \"a\" {\n  name = \"a\"\n  secret = \"s\"\n}\n"
        "resource \"test_thing\" \"many\" {\n  count = 2\n  name = \"m\"\n}\n"
        "output \"secret\" {\n  value = test_thing.a.secret\n}\n"
        "output \"whole\" {\n  value = test_thing.a\n}\n"
        "output \"splat\" {\n  value = test_thing.many[*].secret\n}\n"
        "output \"indexed\" {\n  value = test_thing.many[0].secret\n}\n"
        "output \"id\" {\n  value = test_thing.a.id\n}\n"
        "output \"ids\" {\n  value = test_thing.many[*].id\n}\n"
        "output \"for_ids\" {\n  value = [for k, v in test_thing.many : v.id]\n}\n"
        "output \"for_secrets\" {\n  value = [for v in test_thing.many : v.secret]\n}\n"
        "output \"for_whole\" {\n  value = [for v in test_thing.many : v]\n}\n"
        "output \"unmarked\" {\n  value = nonsensitive(test_thing.a.secret)\n}\n"
        "output \"declared\" {\n  value = test_thing.a\n  sensitive = true\n}\n",
        names, sizeof(names));
    assert_string_equal(names, "secret,whole,splat,indexed,for_secrets,for_whole");
    assert_int_equal(n, 6);
}

static void sensitive_through_locals_and_functions(void **state)
{
    (void)state;
    char names[256];
    sensitive_errors("variable \"pw\" {\n  default = \"x\"\n  sensitive = true\n}\n"
                     "variable \"plain\" {\n  default = \"y\"\n}\n"
                     "locals {\n  a = var.pw\n  b = { k = local.a }\n  c = var.plain\n"
                     "  d = nonsensitive(local.b)\n}\n"
                     "output \"b\" {\n  value = local.b[\"k\"]\n}\n"
                     "output \"c\" {\n  value = local.c\n}\n"
                     "output \"d\" {\n  value = local.d\n}\n"
                     "output \"key\" {\n  value = { x = 1 }[var.pw]\n}\n"
                     "output \"cond\" {\n  value = var.plain == \"\" ? var.pw : \"z\"\n}\n"
                     "output \"for\" {\n  value = [for s in [var.plain] : s]\n}\n"
                     "output \"over\" {\n  value = [for s in local.b : 1]\n}\n"
                     "output \"marked\" {\n  value = sensitive(var.plain)\n}\n",
                     names, sizeof(names));
    assert_string_equal(names, "b,key,cond,over,marked");
}

static void sensitive_functions_are_identity(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("variable \"pw\" {\n  default = \"x\"\n  sensitive = true\n}\n"
                                     "output \"a\" {\n  value = nonsensitive(var.pw)\n}\n"
                                     "output \"b\" {\n  value = sensitive([1, 2])\n"
                                     "  sensitive = true\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    json_t *a = json_object_get(p->output_changes, "a");
    assert_string_equal(json_string_value(json_object_get(a, "after")), "x");
    assert_false(json_is_true(json_object_get(a, "sensitive")));
    json_t *b = json_object_get(p->output_changes, "b");
    assert_int_equal(json_array_size(json_object_get(b, "after")), 2);
    assert_true(json_is_true(json_object_get(b, "sensitive")));
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void sensitive_attribute_reference_is_hidden_in_plan(void **state)
{
    (void)state;
    /* An argument built from another resource's sensitive attribute is shown as sensitive. */
    vpce_config *cfg = testprov_load(
        "resource \"test_thing\" \"a\" {\n  name = \"a\"\n  secret = \"s\"\n}\n"
        "resource \"test_thing\" \"b\" {\n  name = \"b\"\n  note = test_thing.a.secret\n"
        "  size = length(nonsensitive(test_thing.a.secret))\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    vpce_change *c = testprov_change(p, "test_thing.b");
    char *s = json_dumps(c->sensitive_paths, JSON_COMPACT);
    assert_non_null(strstr(s, "\"note\""));
    assert_null(strstr(s, "\"size\""));
    free(s);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sensitive_attribute_in_output),
        cmocka_unit_test(sensitive_through_locals_and_functions),
        cmocka_unit_test(sensitive_functions_are_identity),
        cmocka_unit_test(sensitive_attribute_reference_is_hidden_in_plan),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
