/* Unit tests for config/backend.c and the backend blocks of config/config.c: `terraform { backend
   "s3" {...} }` and `vpce { backend ... }` decode into literal settings; variables, functions and
   a second backend block are errors; terraform.workspace reaches expressions. */
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
    return vpce_test_tmpdir_make(tmpdir, sizeof(tmpdir), "backend", NULL, 0);
}

static int teardown(void **state)
{
    (void)state;
    return vpce_test_tmpdir_remove(tmpdir);
}

static bool has_diag(const vpce_diags *d, const char *s)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].summary, s))
            return true;
    return false;
}

static void config_backend_literal_settings(void **state)
{
    (void)state;
    write_file("main.vpce",
               "terraform {\n  required_version = \">= 1.0\"\n  backend \"s3\" {\n"
               "    bucket  = \"b\"\n    key     = \"team/${\"\"}vpce.db\"\n    encrypt = true\n"
               "    shared_credentials_files = [\"/a\", \"/b\"]\n"
               "    endpoints {\n      s3 = \"http://localhost:9000\"\n    }\n  }\n}\n");
    vpce_config *c = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_non_null(c->backend);
    assert_string_equal(c->backend->type, "s3");
    json_t *want = json_pack("{s:s,s:s,s:b,s:[s,s],s:{s:s}}", "bucket", "b", "key", "team/vpce.db",
                             "encrypt", 1, "shared_credentials_files", "/a", "/b", "endpoints",
                             "s3", "http://localhost:9000");
    assert_true(json_equal(c->backend->settings, want));
    json_decref(want);
    vpce_config_free(c);
    vpce_diags_release(&d);
}

static void config_backend_refuses_expressions(void **state)
{
    (void)state;
    write_file("main.vpce", "variable \"b\" {\n  default = \"x\"\n}\n"
                            "vpce {\n  backend \"s3\" {\n    bucket = var.b\n"
                            "    key    = \"${var.b}/k\"\n    region = lower(\"US\")\n  }\n}\n");
    vpce_config *c = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_int_equal(d.nerrors, 3);
    assert_true(has_diag(&d, "variables and functions may not be used in the backend block"));
    assert_null(c->backend);
    vpce_config_free(c);
    vpce_diags_release(&d);
}

static void config_backend_only_one(void **state)
{
    (void)state;
    write_file("main.vpce", "terraform {\n  backend \"s3\" {}\n}\n"
                            "vpce {\n  backend \"local\" {}\n}\n"
                            "terraform {\n  backend {}\n}\n");
    vpce_config *c = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_true(has_diag(&d, "duplicate backend configuration"));
    assert_true(has_diag(&d, "missing backend type"));
    assert_string_equal(c->backend->type, "s3");
    vpce_config_free(c);
    vpce_diags_release(&d);
}

static void config_terraform_workspace_is_known(void **state)
{
    (void)state;
    write_file("main.vpce", "output \"ws\" {\n  value = \"env-${terraform.workspace}\"\n}\n");
    vpce_config *c = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), 0);
    assert_null(c->backend);
    vpce_config_set_workspace(c, "staging");
    json_t *scope = vpce_config_unknown_scope(c);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(scope, "terraform"), "workspace")),
        "staging");
    json_decref(scope);
    vpce_config_free(c);
    vpce_diags_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(config_backend_literal_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(config_backend_refuses_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(config_backend_only_one, setup, teardown),
        cmocka_unit_test_setup_teardown(config_terraform_workspace_is_known, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
