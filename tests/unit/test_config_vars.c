/* Unit tests for config/vars.c: variable value precedence, types, required values, validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/support/tmpdir.h"

static char tmpdir[256];

static void write_file(const char *name, const char *text)
{
    vpce_test_write_file(tmpdir, name, text);
}

static int setup(void **state)
{
    (void)state;
    if (vpce_test_tmpdir_make(tmpdir, sizeof(tmpdir), "vars", NULL, 0) != 0)
        return -1;
    write_file("main.vpce", "variable \"region\" {\n  default = \"us-east-1\"\n}\n"
                            "variable \"count_n\" {\n  type = number\n  default = 1\n}\n"
                            "variable \"zones\" {\n  type = list(string)\n  default = [\"a\"]\n}\n"
                            "variable \"name\" {\n  type = string\n"
                            "  validation {\n    condition = length(var.name) <= 5\n"
                            "    error_message = \"name is too long\"\n  }\n}\n"
                            "variable \"flag\" {\n  type = bool\n  default = false\n}\n");
    write_file("one.vpcevars", "region = \"eu-west-1\"\nzones = [\"x\", \"y\"]\nunknown = 1\n");
    write_file("two.vpcevars", "region = \"eu-west-2\"\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return vpce_test_tmpdir_remove(tmpdir);
}

static vpce_config *load(void)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), 0);
    vpce_diags_release(&d);
    return c;
}

static bool has_diag(const vpce_diags *d, vpce_severity sev, const char *s)
{
    for (size_t i = 0; i < d->len; i++)
        if (d->items[i].severity == sev && strstr(d->items[i].summary, s))
            return true;
    return false;
}

static void vars_precedence(void **state)
{
    (void)state;
    vpce_config *c = load();
    char f1[512], f2[512];
    snprintf(f1, sizeof(f1), "%s/one.vpcevars", tmpdir);
    snprintf(f2, sizeof(f2), "%s/two.vpcevars", tmpdir);
    const char *files[] = {f1, f2};
    setenv("VPCE_VAR_count_n", "7", 1);
    setenv("VPCE_VAR_region", "from-env", 1);
    json_t *cli =
        json_pack("{s:s,s:s,s:s}", "name", "abc", "flag", "true", "zones", "[\"p\", \"q\", \"r\"]");
    vpce_diags d = VPCE_DIAGS_INIT;
    json_t *vals = NULL;
    assert_int_equal(vpce_config_vars(&vals, c, cli, files, 2, &d), 0);
    /* The later var file wins over the earlier one and over the environment. */
    assert_string_equal(json_string_value(json_object_get(vals, "region")), "eu-west-2");
    /* The environment wins over the default, converted to the type. */
    assert_int_equal(json_integer_value(json_object_get(vals, "count_n")), 7);
    /* -var wins over files; a list is parsed as an expression, a bool converted. */
    assert_int_equal(json_array_size(json_object_get(vals, "zones")), 3);
    assert_true(json_is_true(json_object_get(vals, "flag")));
    assert_string_equal(json_string_value(json_object_get(vals, "name")), "abc");
    /* An undeclared variable in a var file is a warning. */
    assert_true(has_diag(&d, VPCE_DIAG_WARNING, "value for undeclared variable \"unknown\""));
    assert_int_equal(d.nerrors, 0);
    unsetenv("VPCE_VAR_count_n");
    unsetenv("VPCE_VAR_region");
    json_decref(vals);
    json_decref(cli);
    vpce_diags_release(&d);
    vpce_config_free(c);
}

static void remove_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    unlink(path);
}

/* terraform.tfvars, its JSON form and *.auto.tfvars(.json) load by themselves, in Terraform's
 * order, below -var-file; TF_VAR_ is read, VPCE_VAR_ wins over it. */
static void vars_auto_files_and_tf_var(void **state)
{
    (void)state;
    write_file("terraform.tfvars", "region = \"from-tfvars\"\nname = \"t\"\n");
    write_file("terraform.tfvars.json", "{\"region\": \"from-json\", \"count_n\": 3}");
    write_file("a.auto.tfvars.json", "{\"count_n\": 5, \"ghost\": 1}");
    write_file("b.auto.tfvars", "count_n = 4\n");
    setenv("TF_VAR_flag", "true", 1);
    setenv("TF_VAR_zones", "[\"z\"]", 1);
    setenv("VPCE_VAR_zones", "[\"v\", \"w\"]", 1);
    vpce_config *c = load();
    vpce_diags d = VPCE_DIAGS_INIT;
    json_t *vals = NULL;
    assert_int_equal(vpce_config_vars(&vals, c, NULL, NULL, 0, &d), 0);
    assert_string_equal(json_string_value(json_object_get(vals, "region")), "from-json");
    assert_string_equal(json_string_value(json_object_get(vals, "name")), "t");
    assert_int_equal(json_integer_value(json_object_get(vals, "count_n")), 4);
    assert_true(json_is_true(json_object_get(vals, "flag")));
    assert_int_equal(json_array_size(json_object_get(vals, "zones")), 2);
    assert_true(has_diag(&d, VPCE_DIAG_WARNING, "\"ghost (in "));
    assert_int_equal(d.nerrors, 0);
    json_decref(vals);
    vpce_diags_release(&d);

    /* An explicit -var-file wins over every file loaded by itself. */
    char f1[512];
    snprintf(f1, sizeof(f1), "%s/one.vpcevars", tmpdir);
    const char *files[] = {f1};
    d = (vpce_diags)VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_vars(&vals, c, NULL, files, 1, &d), 0);
    assert_string_equal(json_string_value(json_object_get(vals, "region")), "eu-west-1");
    json_decref(vals);
    vpce_diags_release(&d);

    /* A damaged JSON file is an error naming it and where. */
    write_file("c.auto.tfvars.json", "{\"count_n\": ");
    d = (vpce_diags)VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_vars(&vals, c, NULL, NULL, 0, &d), VPCE_EINVALID);
    assert_true(has_diag(&d, VPCE_DIAG_ERROR, "c.auto.tfvars.json"));
    json_decref(vals);
    vpce_diags_release(&d);

    unsetenv("TF_VAR_flag");
    unsetenv("TF_VAR_zones");
    unsetenv("VPCE_VAR_zones");
    remove_file("terraform.tfvars");
    remove_file("terraform.tfvars.json");
    remove_file("a.auto.tfvars.json");
    remove_file("b.auto.tfvars");
    remove_file("c.auto.tfvars.json");
    vpce_config_free(c);
}

static void vars_errors(void **state)
{
    (void)state;
    vpce_config *c = load();
    vpce_diags d = VPCE_DIAGS_INIT;
    json_t *vals = NULL;
    /* name is required; count_n gets a non-number; an undeclared -var is an error. */
    json_t *cli = json_pack("{s:s,s:s}", "count_n", "many", "nosuch", "1");
    assert_int_equal(vpce_config_vars(&vals, c, cli, NULL, 0, &d), VPCE_EINVALID);
    assert_true(has_diag(&d, VPCE_DIAG_ERROR, "no value for required variable \"name\""));
    assert_true(has_diag(&d, VPCE_DIAG_ERROR, "invalid value for input variable \"count_n\""));
    assert_true(has_diag(&d, VPCE_DIAG_ERROR, "value for undeclared variable \"nosuch\""));
    for (size_t i = 0; i < d.len; i++)
        if (strstr(d.items[i].summary, "required variable"))
            assert_non_null(d.items[i].range.src); /* points at the declaration */
    json_decref(vals);
    json_decref(cli);
    vpce_diags_release(&d);
    vpce_config_free(c);
}

static void vars_validation(void **state)
{
    (void)state;
    vpce_config *c = load();
    vpce_diags d = VPCE_DIAGS_INIT;
    json_t *vals = NULL;
    json_t *cli = json_pack("{s:s}", "name", "much-too-long");
    assert_int_equal(vpce_config_vars(&vals, c, cli, NULL, 0, &d), VPCE_EINVALID);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].summary, "invalid value for variable \"name\"");
    assert_string_equal(d.items[0].detail, "name is too long");
    assert_non_null(d.items[0].range.src);
    json_decref(vals);
    json_decref(cli);
    vpce_diags_release(&d);
    vpce_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vars_precedence),
        cmocka_unit_test(vars_errors),
        cmocka_unit_test(vars_validation),
        cmocka_unit_test(vars_auto_files_and_tf_var),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
