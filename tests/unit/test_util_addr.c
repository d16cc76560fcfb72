/* Unit tests for util/addr.c: parsing and formatting addresses with module paths, and the
   containment -target uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void addr_parse_module_path_and_resource(void **state)
{
    (void)state;
    vpce_addr a;
    assert_int_equal(
        vpce_addr_parse(&a, "module.a[\"x.y\"].module.b[3].data.aws_region.cur[\"k\\\"q\"]"), 0);
    assert_int_equal(a.nmodule, 2);
    assert_string_equal(a.module[0].name, "a");
    assert_string_equal(json_string_value(a.module[0].key), "x.y");
    assert_string_equal(a.module[1].name, "b");
    assert_int_equal(json_integer_value(a.module[1].key), 3);
    assert_true(a.resource);
    assert_true(a.data);
    assert_string_equal(a.type, "aws_region");
    assert_string_equal(a.name, "cur");
    assert_string_equal(json_string_value(a.key), "k\"q");

    char *s = vpce_addr_string(&a, true, true);
    assert_string_equal(s, "module.a[\"x.y\"].module.b[3].data.aws_region.cur[\"k\\\"q\"]");
    free(s);
    s = vpce_addr_string(&a, false, false);
    assert_string_equal(s, "module.a.module.b.data.aws_region.cur");
    free(s);
    s = vpce_addr_string(&a, true, false);
    assert_string_equal(s, "module.a[\"x.y\"].module.b[3].data.aws_region.cur");
    free(s);
    s = vpce_addr_module_string(&a, true);
    assert_string_equal(s, "module.a[\"x.y\"].module.b[3]");
    free(s);
    vpce_addr_release(&a);

    /* Root-module addresses are unchanged. */
    assert_int_equal(vpce_addr_parse(&a, "aws_subnet.private[10]"), 0);
    assert_int_equal(a.nmodule, 0);
    s = vpce_addr_string(&a, true, true);
    assert_string_equal(s, "aws_subnet.private[10]");
    free(s);
    vpce_addr_release(&a);

    /* A module address names no resource. */
    assert_int_equal(vpce_addr_parse(&a, "module.net[\"a\"]"), 0);
    assert_false(a.resource);
    assert_int_equal(a.nmodule, 1);
    vpce_addr_release(&a);
}

static void addr_parse_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "module",
                                      "module.",
                                      "module.a.",
                                      "module.a[",
                                      "module.a[\"x\"",
                                      "module.a[x].aws_vpc.v",
                                      "module.a.aws_vpc",
                                      "aws_vpc",
                                      "aws_vpc.main[0",
                                      "aws_vpc.main[0]x",
                                      "data.aws_vpc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vpce_addr a;
        assert_int_equal(vpce_addr_parse(&a, bad[i]), VPCE_EINVALID);
        assert_int_equal(a.nmodule, 0);
        assert_null(a.type);
    }
}

static bool contains(const char *target, const char *addr)
{
    vpce_addr t, a;
    assert_int_equal(vpce_addr_parse(&t, target), 0);
    assert_int_equal(vpce_addr_parse(&a, addr), 0);
    bool r = vpce_addr_contains(&t, &a);
    vpce_addr_release(&t);
    vpce_addr_release(&a);
    return r;
}

static void addr_contains_as_target(void **state)
{
    (void)state;
    /* A module target holds everything inside it, every key when it has none. */
    assert_true(contains("module.a", "module.a[\"x\"].aws_vpc.v"));
    assert_true(contains("module.a", "module.a.module.b.aws_vpc.v[2]"));
    assert_true(contains("module.a[\"x\"]", "module.a[\"x\"].aws_vpc.v"));
    assert_false(contains("module.a[\"x\"]", "module.a[\"y\"].aws_vpc.v"));
    assert_false(contains("module.a", "module.ab.aws_vpc.v"));
    assert_false(contains("module.a", "aws_vpc.v"));
    /* A resource target: the same module path, the same resource, its instances. */
    assert_true(contains("module.a.aws_vpc.v", "module.a[0].aws_vpc.v[1]"));
    assert_true(contains("module.a[0].aws_vpc.v[1]", "module.a[0].aws_vpc.v[1]"));
    assert_false(contains("module.a[0].aws_vpc.v[1]", "module.a[0].aws_vpc.v[2]"));
    assert_false(contains("module.a.aws_vpc.v", "module.a.module.b.aws_vpc.v"));
    assert_false(contains("module.a.aws_vpc.v", "aws_vpc.v"));
    assert_false(contains("aws_vpc.v", "module.a.aws_vpc.v"));
    assert_false(contains("aws_vpc.v", "data.aws_vpc.v"));
    assert_true(contains("aws_vpc.v", "aws_vpc.v[\"k\"]"));
}

static void addr_text_helpers(void **state)
{
    (void)state;
    char *s = vpce_addr_static("module.a[\"x\"].module.b[0].aws_subnet.s[\"k\"]");
    assert_string_equal(s, "module.a.module.b.aws_subnet.s");
    free(s);
    s = vpce_addr_resource_part("module.a[\"x\"].aws_subnet.s[\"k\"]");
    assert_string_equal(s, "module.a[\"x\"].aws_subnet.s");
    free(s);
    s = vpce_addr_resource_part("module.a[\"x\"].aws_subnet.s");
    assert_string_equal(s, "module.a[\"x\"].aws_subnet.s");
    free(s);
    s = vpce_addr_resource_part("aws_subnet.s[0]");
    assert_string_equal(s, "aws_subnet.s");
    free(s);
    s = vpce_addr_module_of("module.a[\"x\"].module.b.aws_subnet.s[0]");
    assert_string_equal(s, "module.a[\"x\"].module.b");
    free(s);
    s = vpce_addr_module_of("aws_subnet.s[0]");
    assert_string_equal(s, "");
    free(s);

    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    json_t *k = json_string("a\"b\\c\nd");
    vpce_addr_key_append(&b, k);
    assert_string_equal(vpce_buf_cstr(&b), "[\"a\\\"b\\\\c\\nd\"]");
    json_decref(k);
    vpce_buf_release(&b);
}

/* A module's relative address placed in one instance of the module. */
static void addr_join_into_module_instance(void **state)
{
    (void)state;
    vpce_addr inst, rel, out;
    assert_int_equal(vpce_addr_parse(&inst, "module.a[\"x\"].module.b[2].aws_vpc.v"), 0);
    assert_int_equal(vpce_addr_parse(&rel, "module.c.aws_subnet.s[\"k\"]"), 0);
    vpce_addr_join(&out, &inst, 2, &rel);
    char *s = vpce_addr_format(&out);
    assert_string_equal(s, "module.a[\"x\"].module.b[2].module.c.aws_subnet.s[\"k\"]");
    free(s);
    vpce_addr_release(&out);
    /* depth 0: the root module, the address as it is */
    vpce_addr_join(&out, &inst, 0, &rel);
    s = vpce_addr_format(&out);
    assert_string_equal(s, "module.c.aws_subnet.s[\"k\"]");
    free(s);
    vpce_addr_release(&out);
    /* a depth beyond inst's module path takes all of it */
    vpce_addr_join(&out, &inst, 9, &rel);
    assert_int_equal(out.nmodule, 3);
    vpce_addr_release(&out);
    vpce_addr_release(&inst);
    vpce_addr_release(&rel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addr_parse_module_path_and_resource),
        cmocka_unit_test(addr_parse_rejects_malformed),
        cmocka_unit_test(addr_contains_as_target),
        cmocka_unit_test(addr_text_helpers),
        cmocka_unit_test(addr_join_into_module_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
