/* Unit tests for config/version.c (version constraints with Terraform's rules) and the
   settings blocks decoded from terraform {} and vpce {}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/support/testprov.h"

static void check(const char *constraint, const char *version, int want)
{
    int got = vpce_version_check(constraint, version, NULL);
    if (got != want)
        fail_msg("\"%s\" against %s: got %d, want %d", constraint, version, got, want);
}

static void version_operators(void **state)
{
    (void)state;
    check(">= 1.2", "1.2.0", 1);
    check(">= 1.2", "1.1.9", 0);
    check("> 1.2", "1.2.0", 0);
    check("> 1.2", "1.2.1", 1);
    check("< 1.2", "1.1.99", 1);
    check("<= 1.2", "1.2.0", 1);
    check("<= 1.2", "1.2.1", 0);
    check("= 1.2.3", "1.2.3", 1);
    check("1.2.3", "1.2.3", 1); /* no operator means = */
    check("1.2.3", "1.2.4", 0);
    check("!= 1.2.3", "1.2.3", 0);
    check("!= 1.2.3", "1.2.4", 1);
    check(">=1.0,<2.0", "1.9.9", 1); /* spaces are optional */
    check(" >= 1.0 , < 2.0 ", "2.0.0", 0);
    check("v1.2", "1.2.0", 1);            /* a leading v */
    check("= 1.2.0+build.5", "1.2.0", 1); /* build metadata is ignored */
    check("1.2.3.4", "1.2.3.4", 1);       /* more than three segments */
    check("> 1.2.3", "1.2.3.1", 1);
}

static void version_pessimistic(void **state)
{
    (void)state;
    check("~> 1.2", "1.2.0", 1);
    check("~> 1.2", "1.9.0", 1);
    check("~> 1.2", "2.0.0", 0);
    check("~> 1.2", "1.1.0", 0);
    check("~> 1.2.3", "1.2.9", 1);
    check("~> 1.2.3", "1.3.0", 0);
    check("~> 1.2.3", "1.2.2", 0);
    check("~> 1", "3.0.0", 1); /* only the major segment written: it may grow */
    check("~> 0.1", "0.1.0", 1);
    check("~> 0.0.9", "0.1.0", 0);
}

static void version_prerelease(void **state)
{
    (void)state;
    /* A pre-release version satisfies an inexact constraint only when the constraint names a
       pre-release of the same version. */
    check(">= 1.0", "1.1.0-beta1", 0);
    check(">= 1.1.0-alpha", "1.1.0-beta1", 1);
    check(">= 1.0.0-alpha", "1.1.0-beta1", 0);
    check(">= 1.1.0-alpha", "1.1.0", 1); /* a release satisfies a pre-release bound */
    check("= 1.1.0-beta1", "1.1.0-beta1", 1);
    check("< 1.1.0", "1.1.0-beta1", 0);
    check("~> 1.1.0-beta", "1.1.0", 0);
    check("~> 1.1.0-beta", "1.1.0-rc1", 1);
    /* Pre-release order: numbers numerically and before words, fewer parts first. */
    check("> 1.0.0-beta.2", "1.0.0-beta.11", 1);
    check("> 1.0.0-alpha", "1.0.0-alpha.1", 1);
    check("> 1.0.0-1", "1.0.0-alpha", 1);
    check("< 1.0.0-rc.1", "1.0.0-beta", 1);
    bool pre = false;
    assert_int_equal(vpce_version_check(">= 1.0, < 2.0.0-rc1", "1.5.0", &pre), 1);
    assert_true(pre);
    assert_int_equal(vpce_version_check(">= 1.0", "1.5.0", &pre), 1);
    assert_false(pre);
    char *core = vpce_version_core("1.2.0-beta1+abc");
    assert_string_equal(core, "1.2.0");
    free(core);
}

static void version_syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"",        ">=",      ">= 1.0,", "=> 1.0",  ">= 1..0",
                                      ">= a.b",  "~> ",     ">== 1.0", "1.0 2.0", ">= 1.0-",
                                      ">= 1.0+", ">= -1.0", NULL};
    for (size_t i = 0; bad[i]; i++)
        if (vpce_version_check(bad[i], "1.0.0", NULL) != VPCE_EINVALID)
            fail_msg("\"%s\" was accepted", bad[i]);
    assert_int_equal(vpce_version_check(">= 1.0", "one", NULL), VPCE_EINVALID);
}

static void settings_are_kept(void **state)
{
    (void)state;
    testprov_register();
    vpce_config *cfg =
        testprov_load("terraform {\n  required_version = \">= 0.0.1\"\n"
                      "  required_providers {\n"
                      "    test = { source = \"example/test\", version = \"~> 1.0\" }\n  }\n"
                      "  backend \"s3\" {\n    bucket = \"b\"\n  }\n"
                      "  provider_meta \"test\" {\n    module_name = \"m\"\n  }\n}\n"
                      "vpce {\n  required_version = \"> 0.0.0\"\n}\n");
    assert_int_equal(cfg->required_versions.len, 2);
    vpce_cfg_version_req *v = cfg->required_versions.items[0];
    assert_string_equal(v->constraint, ">= 0.0.1");
    assert_false(v->vpce_block);
    assert_true(((vpce_cfg_version_req *)cfg->required_versions.items[1])->vpce_block);
    assert_int_equal(cfg->required_providers.len, 1);
    vpce_cfg_required_provider *rp = cfg->required_providers.items[0];
    assert_string_equal(rp->name, "test");
    assert_string_equal(rp->source, "example/test");
    assert_string_equal(rp->version, "~> 1.0");
    assert_non_null(cfg->backend);
    assert_string_equal(cfg->backend->type, "s3");
    assert_int_equal(json_object_size(cfg->backend->settings), 1);
    assert_string_equal(json_string_value(json_object_get(cfg->backend->settings, "bucket")), "b");
    assert_int_equal(cfg->provider_metas.len, 1);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_operators),  cmocka_unit_test(version_pessimistic),
        cmocka_unit_test(version_prerelease), cmocka_unit_test(version_syntax_errors),
        cmocka_unit_test(settings_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
