/* Unit tests for config/modules.c: the module tree (local sources, *.tf modules, nested
   modules), the checks of module calls, provider configurations through the tree, the graph's
   module nodes, and git source parsing. */
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
    return vpce_test_tmpdir_make(tmpdir, sizeof(tmpdir), "modules", NULL, 0);
}

static int teardown(void **state)
{
    (void)state;
    return vpce_test_tmpdir_remove(tmpdir);
}

static bool has_diag(const vpce_diags *d, const char *s)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].summary, s) || (d->items[i].detail && strstr(d->items[i].detail, s)))
            return true;
    return false;
}

/* The line of the first diagnostic whose summary contains s, or 0. */
static int diag_line(const vpce_diags *d, const char *s)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].summary, s) && d->items[i].range.src) {
            int line, col;
            vpce_source_pos(d->items[i].range.src, d->items[i].range.start, &line, &col);
            return line;
        }
    return 0;
}

static const char ROOT[] =
    "provider \"aws\" {\n  region = \"us-east-1\"\n}\n"
    "provider \"aws\" {\n  alias  = \"west\"\n  region = \"us-west-2\"\n}\n"
    "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"
    "module \"net\" {\n  source = \"./modules/net/\"\n  vpc_id = aws_vpc.main.id\n}\n"
    "module \"ep\" {\n  source   = \"./modules/./ep\"\n  for_each = toset([\"a\", \"b\"])\n"
    "  name     = each.key\n  vpc_id   = module.net.vpc_id\n"
    "  providers = {\n    aws = aws.west\n  }\n}\n"
    "output \"ids\" {\n  value = { for k, m in module.ep : k => m.id }\n}\n";

static void write_tree(void)
{
    write_file("main.vpce", ROOT);
    /* A Terraform module: *.tf files only, with a versions.tf. */
    write_file("modules/net/versions.tf",
               "terraform {\n  required_version = \">= 1.3\"\n  required_providers {\n"
               "    aws = {\n      source  = \"hashicorp/aws\"\n      version = \">= 5.0\"\n"
               "    }\n  }\n}\n");
    write_file("modules/net/main.tf",
               "variable \"vpc_id\" {\n  type = string\n}\n"
               "resource \"aws_route_table\" \"rt\" {\n  vpc_id = var.vpc_id\n}\n"
               "output \"vpc_id\" {\n  value = var.vpc_id\n}\n");
    write_file("modules/ep/main.vpce",
               "variable \"name\" {\n  type = string\n}\n"
               "variable \"vpc_id\" {\n  type = string\n}\n"
               "module \"inner\" {\n  source = \"../inner\"\n  vpc_id = var.vpc_id\n}\n"
               "output \"id\" {\n  value = module.inner.id\n}\n");
    write_file("modules/inner/main.vpce",
               "variable \"vpc_id\" {}\n"
               "resource \"aws_vpc_endpoint\" \"s3\" {\n  vpc_id       = var.vpc_id\n"
               "  service_name = \"com.amazonaws.us-east-1.s3\"\n}\n"
               "output \"id\" {\n  value = aws_vpc_endpoint.s3.id\n}\n");
    /* A .tf file beside .vpce files is not read. */
    write_file("modules/inner/ignored.tf", "this is not read {{{\n");
}

static void modules_tree_loads(void **state)
{
    (void)state;
    write_tree();
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    int rc = vpce_config_load_dir(&c, tmpdir, &d);
    if (rc != 0)
        vpce_diags_print(&d, stderr, false);
    assert_int_equal(rc, 0);
    assert_int_equal(c->modules.len, 4);
    const vpce_config *net = c->modules.items[1], *ep = c->modules.items[2];
    const vpce_config *inner = c->modules.items[3];
    assert_string_equal(net->prefix, "module.net.");
    assert_string_equal(ep->prefix, "module.ep.");
    assert_string_equal(inner->prefix, "module.ep.module.inner.");
    assert_int_equal(inner->depth, 2);
    assert_ptr_equal(inner->parent, ep);
    char want[512];
    snprintf(want, sizeof(want), "%s/modules/net", tmpdir);
    assert_string_equal(net->dir, want);
    snprintf(want, sizeof(want), "%s/modules/inner", tmpdir);
    assert_string_equal(inner->dir, want);
    assert_int_equal(net->files.len, 2); /* main.tf and versions.tf */
    assert_int_equal(inner->files.len, 1);

    /* Resources know their module and their static address. */
    const vpce_cfg_resource *s3 =
        vpce_config_resource(c, "module.ep[\"a\"].module.inner.aws_vpc_endpoint.s3");
    assert_non_null(s3);
    assert_ptr_equal(s3->module, inner);
    assert_string_equal(s3->addr, "aws_vpc_endpoint.s3");
    assert_string_equal(s3->path_addr, "module.ep.module.inner.aws_vpc_endpoint.s3");
    /* providers = { aws = aws.west } reaches the nested module by inheritance. */
    assert_string_equal(s3->provider_ref, "aws.west");
    const vpce_cfg_resource *rt = vpce_config_resource(c, "module.net.aws_route_table.rt");
    assert_non_null(rt);
    assert_string_equal(rt->provider_ref, "aws");
    assert_null(vpce_config_resource(c, "module.nope.aws_route_table.rt"));
    assert_non_null(vpce_config_resource(c, "aws_vpc.main"));

    /* The graph: module calls, variables fed by arguments, outputs feeding references. */
    vpce_graph *g = NULL;
    vpce_diags d2 = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_config_graph(&g, c, &d2), 0);
    size_t i_var, i_vpc, i_call, i_out, i_inner_out, i_res;
    assert_true(vpce_graph_find(g, "module.net.var.vpc_id", &i_var));
    assert_true(vpce_graph_find(g, "aws_vpc.main", &i_vpc));
    assert_true(vpce_graph_find(g, "module.net", &i_call));
    assert_true(vpce_graph_find(g, "module.ep.output.id", &i_out));
    assert_true(vpce_graph_find(g, "module.ep.module.inner.output.id", &i_inner_out));
    assert_true(vpce_graph_find(g, "module.ep.module.inner.aws_vpc_endpoint.s3", &i_res));
    const size_t *deps;
    size_t nd;
    vpce_graph_deps(g, i_var, &deps, &nd);
    bool to_vpc = false, to_call = false;
    for (size_t k = 0; k < nd; k++) {
        to_vpc = to_vpc || deps[k] == i_vpc;
        to_call = to_call || deps[k] == i_call;
    }
    assert_true(to_vpc);
    assert_true(to_call);
    vpce_graph_deps(g, i_out, &deps, &nd);
    bool to_inner = false;
    for (size_t k = 0; k < nd; k++)
        to_inner = to_inner || deps[k] == i_inner_out;
    assert_true(to_inner);
    const vpce_cfg_node *n = vpce_graph_data(g, i_res);
    assert_int_equal(n->kind, VPCE_NODE_RESOURCE);
    assert_ptr_equal(n->module, inner);
    vpce_graph_free(g);
    vpce_diags_release(&d2);

    /* The content hash covers the modules' files. */
    char before[65];
    memcpy(before, c->content_hash, sizeof(before));
    vpce_config_free(c);
    vpce_diags_release(&d);
    write_file("modules/inner/main.vpce",
               "variable \"vpc_id\" {}\n"
               "resource \"aws_vpc_endpoint\" \"s3\" {\n  vpc_id       = var.vpc_id\n"
               "  service_name = \"com.amazonaws.us-east-1.dynamodb\"\n}\n"
               "output \"id\" {\n  value = aws_vpc_endpoint.s3.id\n}\n");
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), 0);
    assert_string_not_equal(before, c->content_hash);
    vpce_config_free(c);
    vpce_diags_release(&d);
}

static void modules_call_errors(void **state)
{
    (void)state;
    write_file("modules/m/main.vpce", "variable \"req\" {}\n"
                                      "variable \"opt\" {\n  default = 1\n}\n"
                                      "output \"o\" {\n  value = var.req\n}\n");
    write_file("modules/p/main.vpce",
               "provider \"aws\" {\n  region = \"us-east-1\"\n}\n"
               "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"
               "resource \"aws_vpc\" \"w\" {\n  provider   = aws.east\n"
               "  cidr_block = \"10.0.0.0/16\"\n}\n");
    write_file("main.vpce", "module \"a\" {\n"                                       /* 1 */
                            "  source = \"./modules/m\"\n"                           /* 2 */
                            "  bogus  = 1\n"                                         /* 3 */
                            "}\n"                                                    /* 4 */
                            "module \"reg\" {\n"                                     /* 5 */
                            "  source = \"hashicorp/consul/aws\"\n"                  /* 6 */
                            "}\n"                                                    /* 7 */
                            "module \"p\" {\n"                                       /* 8 */
                            "  source = \"./modules/p\"\n"                           /* 9 */
                            "  count  = 2\n"                                         /* 10 */
                            "}\n"                                                    /* 11 */
                            "module \"g\" {\n"                                       /* 12 */
                            "  source = \"git::https://example.com/x.git?ref=v1\"\n" /* 13 */
                            "}\n"                                                    /* 14 */
                            "module \"nodir\" {\n"                                   /* 15 */
                            "  source = \"./modules/none\"\n"                        /* 16 */
                            "}\n");
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_int_equal(diag_line(&d, "unsupported argument \"bogus\""), 3);
    assert_int_equal(diag_line(&d, "missing required argument \"req\""), 1);
    assert_false(has_diag(&d, "missing required argument \"opt\""));
    assert_int_equal(diag_line(&d, "unsupported module source \"hashicorp/consul/aws\""), 6);
    assert_int_equal(diag_line(&d, "incompatible with count, for_each and depends_on"), 8);
    assert_int_equal(diag_line(&d, "module \"g\" is not installed"), 13);
    assert_true(has_diag(&d, "run `vpce init`"));
    assert_int_equal(diag_line(&d, "cannot read module directory"), 16);
    assert_true(has_diag(&d, "provider configuration \"aws.east\" is not available in module "
                             "\"p\""));
    vpce_config_free(c);
    vpce_diags_release(&d);

    /* References to what a module does not have. */
    write_file("main.vpce", "module \"a\" {\n  source = \"./modules/m\"\n  req    = 1\n}\n"
                            "output \"x\" {\n  value = module.a.nope\n}\n"
                            "output \"y\" {\n  value = module.b.o\n}\n"
                            "output \"z\" {\n  value = module.a.o\n}\n");
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_int_equal(diag_line(&d, "unsupported attribute \"nope\""), 6);
    assert_int_equal(diag_line(&d, "reference to undeclared module \"b\""), 9);
    assert_int_equal(d.nerrors, 2);
    vpce_config_free(c);
    vpce_diags_release(&d);

    /* A module calling itself is stopped. */
    write_file("modules/self/main.vpce", "module \"again\" {\n  source = \"./\"\n}\n");
    write_file("main.vpce", "module \"s\" {\n  source = \"./modules/self\"\n}\n");
    assert_int_equal(vpce_config_load_dir(&c, tmpdir, &d), VPCE_EINVALID);
    assert_true(has_diag(&d, "module calls nest more than"));
    vpce_config_free(c);
    vpce_diags_release(&d);
}

static void modules_git_sources(void **state)
{
    (void)state;
    char *url, *ref, *sub;
    assert_int_equal(
        vpce_config_git_source("git::https://example.com/org/repo.git//modules/vpc?ref=v1.2", &url,
                               &ref, &sub),
        0);
    assert_string_equal(url, "https://example.com/org/repo.git");
    assert_string_equal(ref, "v1.2");
    assert_string_equal(sub, "modules/vpc");
    free(url);
    free(ref);
    free(sub);
    assert_int_equal(vpce_config_git_source("git::file:///srv/repo.git", &url, &ref, &sub), 0);
    assert_string_equal(url, "file:///srv/repo.git");
    assert_null(ref);
    assert_null(sub);
    free(url);
    assert_int_equal(
        vpce_config_git_source("git::file:///srv/repo.git//a/b?ref=abc&depth=1", &url, &ref, &sub),
        0);
    assert_string_equal(url, "file:///srv/repo.git");
    assert_string_equal(ref, "abc");
    assert_string_equal(sub, "a/b");
    free(url);
    free(ref);
    free(sub);
    assert_int_equal(
        vpce_config_git_source("git::git@github.com:org/repo.git?ref=main", &url, &ref, &sub), 0);
    assert_string_equal(url, "git@github.com:org/repo.git");
    free(url);
    free(ref);
    free(sub);
    assert_int_equal(vpce_config_git_source("git::https://x/r.git?sshkey=abc", &url, &ref, &sub),
                     VPCE_EINVALID);
    assert_int_equal(vpce_config_git_source("git::https://x/r.git//../up", &url, &ref, &sub),
                     VPCE_EINVALID);
    assert_int_equal(vpce_config_git_source("./local", &url, &ref, &sub), VPCE_EINVALID);
    assert_false(vpce_config_source_is_git("hashicorp/consul/aws"));

    char *node = vpce_config_provider_node("module.a.module.b.aws.west");
    assert_string_equal(node, "module.a.module.b.provider.aws.west");
    free(node);
    char *type = vpce_config_provider_type("module.a.aws.west");
    assert_string_equal(type, "aws");
    free(type);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(modules_tree_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(modules_call_errors, setup, teardown),
        cmocka_unit_test(modules_git_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
