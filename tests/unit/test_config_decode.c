/* Unit tests for config/config.c and config/refs.c: decoding a directory into the config
   structures, and the static checks reported as diagnostics. */
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
    return vpce_test_tmpdir_make(tmpdir, sizeof(tmpdir), "decode", NULL, 0);
}

static int teardown(void **state)
{
    (void)state;
    return vpce_test_tmpdir_remove(tmpdir);
}

/* True if some diagnostic's summary contains s. */
static bool has_diag(const vpce_diags *d, const char *s)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].summary, s))
            return true;
    return false;
}

static void decode_full_configuration(void **state)
{
    (void)state;
    write_file("b.vpce", "provider \"aws\" {\n  region = \"us-east-1\"\n}\n"
                         "provider \"aws\" {\n  alias  = \"west\"\n  region = \"us-west-2\"\n}\n"
                         "variable \"cidr\" {\n  type    = string\n  default = \"10.0.0.0/16\"\n"
                         "  description = \"the cidr\"\n  sensitive = true\n"
                         "  validation {\n    condition     = length(var.cidr) > 0\n"
                         "    error_message = \"empty\"\n  }\n}\n"
                         "locals {\n  name = \"x\"\n}\n"
                         "output \"id\" {\n  value      = aws_vpc.main.id\n"
                         "  depends_on = [aws_subnet.a]\n}\n");
    write_file("a.vpce",
               "terraform {\n  required_version = \">= 1.0\"\n}\n"
               "resource \"aws_vpc\" \"main\" {\n  cidr_block = var.cidr\n"
               "  lifecycle {\n    prevent_destroy = true\n    ignore_changes = [tags]\n  }\n}\n"
               "resource \"aws_subnet\" \"a\" {\n  provider = aws.west\n  for_each = "
               "toset([\"x\"])\n  vpc_id = aws_vpc.main.id\n  cidr_block = local.name\n"
               "  depends_on = [aws_vpc.main]\n}\n"
               "data \"aws_region\" \"r\" {}\n"
               "import {\n  to = aws_subnet.a[\"x\"]\n  id = \"subnet-1\"\n}\n");
    write_file("ignored.txt", "not a config");
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    int rc = vpce_config_load_dir(&c, tmpdir, &d);
    for (size_t i = 0; i < d.len; i++)
        print_message("diag: %s\n", d.items[i].summary);
    assert_int_equal(rc, 0);
    assert_int_equal(d.len, 0);
    assert_int_equal(c->files.len, 2);
    vpce_file *f0 = c->files.items[0];
    assert_non_null(strstr(f0->src->name, "a.vpce"));
    assert_int_equal(c->resources.len, 3);
    vpce_cfg_resource *vpc = vpce_config_resource(c, "aws_vpc.main");
    assert_non_null(vpc);
    assert_true(vpc->prevent_destroy);
    assert_int_equal(vpc->nignore_changes, 1);
    assert_string_equal(vpc->ignore_changes[0], "tags");
    assert_string_equal(vpc->provider_ref, "aws");
    vpce_cfg_resource *sub = vpce_config_resource(c, "aws_subnet.a");
    assert_string_equal(sub->provider_ref, "aws.west");
    assert_non_null(sub->for_each);
    assert_int_equal(sub->ndepends_on, 1);
    assert_non_null(vpce_config_resource(c, "data.aws_region.r"));
    assert_int_equal(((vpce_cfg_resource *)vpce_config_resource(c, "data.aws_region.r"))->mode,
                     VPCE_MODE_DATA);
    assert_int_equal(c->variables.len, 1);
    vpce_cfg_variable *v = c->variables.items[0];
    assert_true(v->sensitive);
    assert_string_equal(v->description, "the cidr");
    assert_int_equal(v->nvalidations, 1);
    assert_int_equal(c->providers.len, 2);
    assert_int_equal(c->outputs.len, 1);
    assert_int_equal(((vpce_cfg_output *)c->outputs.items[0])->ndepends_on, 1);
    assert_int_equal(c->imports.len, 1);
    assert_string_equal(((vpce_cfg_import *)c->imports.items[0])->to, "aws_subnet.a[\"x\"]");
    assert_int_equal(strlen(c->content_hash), 64);
    char first_hash[65];
    memcpy(first_hash, c->content_hash, 65);

    vpce_graph *g = NULL;
    vpce_diags d2 = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_graph(&g, c, &d2), 0);
    size_t *order = NULL;
    assert_int_equal(vpce_graph_topo(g, &order, NULL), 0);
    size_t ivpc = 0, isub = 0, iout = 0;
    for (size_t i = 0; i < vpce_graph_count(g); i++) {
        const char *n = vpce_graph_name(g, order[i]);
        if (strcmp(n, "aws_vpc.main") == 0)
            ivpc = i;
        if (strcmp(n, "aws_subnet.a") == 0)
            isub = i;
        if (strcmp(n, "output.id") == 0)
            iout = i;
    }
    assert_true(ivpc < isub && isub < iout);
    size_t sub_idx;
    assert_true(vpce_graph_find(g, "aws_subnet.a", &sub_idx));
    const size_t *deps;
    size_t ndeps;
    vpce_graph_deps(g, sub_idx, &deps, &ndeps);
    assert_int_equal(ndeps, 3); /* aws_vpc.main, local.name, provider.aws.west */
    assert_string_equal(vpce_graph_name(g, deps[2]), "provider.aws.west");
    free(order);
    vpce_graph_free(g);
    vpce_config_free(c);

    /* The hash changes with the content. */
    write_file("a.vpce", "resource \"aws_vpc\" \"main\" {}\n");
    c = NULL;
    vpce_diags_release(&d);
    vpce_config_load_dir(&c, tmpdir, &d);
    assert_string_not_equal(first_hash, c->content_hash);
    vpce_config_free(c);
    vpce_diags_release(&d);
    vpce_diags_release(&d2);
    char ig[512];
    snprintf(ig, sizeof(ig), "%s/ignored.txt", tmpdir);
    unlink(ig);
    snprintf(ig, sizeof(ig), "%s/a.vpce", tmpdir);
    unlink(ig);
    snprintf(ig, sizeof(ig), "%s/b.vpce", tmpdir);
    unlink(ig);
}

static void decode_reports_every_problem(void **state)
{
    (void)state;
    write_file("a.vpce", "resource \"aws_vpc\" \"main\" {\n  cidr_block = var.nope\n"
                         "  count = 1\n  for_each = {}\n}\n"
                         "resource \"aws_vpc\" \"main\" {}\n"
                         "resource \"aws_vpcc\" \"x\" {}\n"
                         "resourc \"aws_vpc\" \"y\" {}\n"
                         "resource \"aws_subnet\" \"s\" {\n  vpc_id = aws_vpc.mian.id\n"
                         "  cidr_block = each.key\n}\n"
                         "resource \"aws_security_group\" \"a\" {\n"
                         "  vpc_id = aws_security_group.b.id\n}\n"
                         "resource \"aws_security_group\" \"b\" {\n"
                         "  vpc_id = aws_security_group.a.id\n}\n");
    write_file("b.vpce", "");
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_true(has_diag(&d, "reference to undeclared input variable \"nope\""));
    assert_true(has_diag(&d, "invalid combination of \"count\" and \"for_each\""));
    assert_true(has_diag(&d, "duplicate resource \"aws_vpc\" configuration"));
    assert_true(has_diag(&d, "resource type \"aws_vpcc\" is not supported by vpce"));
    assert_true(has_diag(&d, "unsupported block type \"resourc\""));
    assert_true(has_diag(&d, "reference to undeclared resource \"aws_vpc.mian\""));
    assert_true(has_diag(&d, "reference to \"each\" without for_each"));
    assert_true(has_diag(&d, "cycle: aws_security_group.a, aws_security_group.b"));
    for (size_t i = 0; i < d.len; i++)
        if (strstr(d.items[i].summary, "aws_vpc.mian"))
            assert_string_equal(d.items[i].detail, "did you mean \"aws_vpc.main\"?");
    vpce_config_free(c);
    vpce_diags_release(&d);
    char path[512];
    snprintf(path, sizeof(path), "%s/b.vpce", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/a.vpce", tmpdir);
    unlink(path);
}

static void decode_empty_directory(void **state)
{
    (void)state;
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_non_null(c);
    assert_true(has_diag(&d, "no configuration files in"));
    vpce_config_free(c);
    vpce_diags_release(&d);
    assert_int_equal(vpce_config_load_dir(&c, "/nonexistent/dir", &d), VPCE_EINVALID);
    vpce_config_free(c);
    vpce_diags_release(&d);
}

static void decode_seed_example(void **state)
{
    (void)state;
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    assert_int_equal(vpce_config_load_dir(&c, VPCE_SOURCE_DIR "/examples/seed", &d), 0);
    assert_int_equal(d.len, 0);
    size_t managed = 0;
    for (size_t i = 0; i < c->resources.len; i++)
        managed += ((vpce_cfg_resource *)c->resources.items[i])->mode == VPCE_MODE_MANAGED;
    assert_int_equal(managed, 14); /* 18 instances once count and for_each expand */
    vpce_config_free(c);
    vpce_diags_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_full_configuration),
        cmocka_unit_test(decode_reports_every_problem),
        cmocka_unit_test(decode_empty_directory),
        cmocka_unit_test(decode_seed_example),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
