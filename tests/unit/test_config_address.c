/* Unit tests of object addresses: parsed from text (util/addr.c) and from traversal expressions
   (config/address.c), formatted back, compared, and matched for moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

/* Parses text and formats it back; fails the test when it does not parse. */
static char *roundtrip(const char *text)
{
    vpce_addr a;
    if (vpce_addr_parse(&a, text) < 0)
        fail_msg("\"%s\" did not parse: %s", text, vpce_error_last());
    char *s = vpce_addr_format(&a);
    vpce_addr_release(&a);
    return s;
}

static void expect_roundtrip(const char *text)
{
    char *s = roundtrip(text);
    assert_string_equal(s, text);
    free(s);
}

static void expect_invalid(const char *text)
{
    vpce_addr a;
    if (vpce_addr_parse(&a, text) == 0) {
        char *s = vpce_addr_format(&a);
        vpce_addr_release(&a);
        fail_msg("\"%s\" parsed as %s, expected an error", text, s);
    }
    assert_non_null(strstr(vpce_error_last(), "invalid address"));
}

static void address_parse_forms(void **state)
{
    (void)state;
    expect_roundtrip("aws_vpc.main");
    expect_roundtrip("aws_subnet.a[0]");
    expect_roundtrip("aws_subnet.a[12]");
    expect_roundtrip("aws_subnet.a[\"x\"]");
    expect_roundtrip("aws_subnet.a[\"quote \\\" and \\\\ back\"]");
    expect_roundtrip("data.aws_region.current");
    expect_roundtrip("module.net.aws_vpc.main");
    expect_roundtrip("module.net[\"eu\"].module.inner[2].aws_subnet.a[\"x\"]");
    expect_roundtrip("module.net");
    expect_roundtrip("module.net[0]");
    expect_roundtrip("aws_vpc.größe"); /* identifiers may be Unicode letters */

    vpce_addr a;
    assert_int_equal(vpce_addr_parse(&a, "module.m[1].data.aws_vpc.v[\"k\"]"), 0);
    assert_int_equal(a.nmodule, 1);
    assert_string_equal(a.module[0].name, "m");
    assert_int_equal(json_integer_value(a.module[0].key), 1);
    assert_true(a.resource);
    assert_true(a.data);
    assert_string_equal(a.type, "aws_vpc");
    assert_string_equal(a.name, "v");
    assert_string_equal(json_string_value(a.key), "k");
    char *r = vpce_addr_string(&a, true, false);
    assert_string_equal(r, "module.m[1].data.aws_vpc.v");
    free(r);
    vpce_addr_release(&a);
}

static void address_parse_errors(void **state)
{
    (void)state;
    expect_invalid("");
    expect_invalid("aws_vpc");
    expect_invalid("aws_vpc.");
    expect_invalid("aws_vpc.main.extra");
    expect_invalid("aws_subnet.a[0][1]");
    expect_invalid("aws_subnet.a[-1]");
    expect_invalid("aws_subnet.a[x]");
    expect_invalid("aws_subnet.a[\"x]");
    expect_invalid("module");
    expect_invalid("module.");
    expect_invalid("module.m[true]");
    expect_invalid("1abc.x");
    expect_invalid("aws_vpc main");
}

static void from_expr(const char *text, const char *want)
{
    vpce_file *f = NULL;
    vpce_ast_expr *e = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    assert_int_equal(vpce_parse_expr(&f, &e, "test", text, strlen(text), &d), 0);
    vpce_addr a;
    const char *err = NULL;
    int rc = vpce_addr_from_expr(&a, e, &err);
    if (!want) {
        assert_int_not_equal(rc, 0);
        assert_non_null(err);
    } else {
        if (rc != 0)
            fail_msg("\"%s\": %s", text, err);
        char *s = vpce_addr_format(&a);
        assert_string_equal(s, want);
        free(s);
        vpce_addr_release(&a);
    }
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void address_from_expressions(void **state)
{
    (void)state;
    from_expr("aws_subnet.a[0]", "aws_subnet.a[0]");
    from_expr("aws_subnet.a[\"x\"]", "aws_subnet.a[\"x\"]");
    from_expr("module.net[\"a\"].aws_vpc.main", "module.net[\"a\"].aws_vpc.main");
    from_expr("aws_subnet.a.1", "aws_subnet.a[1]"); /* legacy index syntax */
    from_expr("aws_subnet.a[var.i]", NULL);         /* keys must be literals */
    from_expr("aws_subnet.a[1.5]", NULL);
    from_expr("\"aws_vpc.main\"", NULL); /* a string is not an address */
    from_expr("aws_vpc.main.id", NULL);
}

/* Where inst goes under from -> to ("" when it does not move). */
static void expect_move(const char *from, const char *to, const char *inst, const char *want)
{
    vpce_addr f, t, i, out;
    assert_int_equal(vpce_addr_parse(&f, from), 0);
    assert_int_equal(vpce_addr_parse(&t, to), 0);
    assert_int_equal(vpce_addr_parse(&i, inst), 0);
    int hit = vpce_addr_move(&out, &f, &t, &i);
    if (!*want) {
        assert_int_equal(hit, 0);
    } else {
        assert_int_equal(hit, 1);
        char *s = vpce_addr_format(&out);
        assert_string_equal(s, want);
        free(s);
        vpce_addr_release(&out);
    }
    vpce_addr_release(&f);
    vpce_addr_release(&t);
    vpce_addr_release(&i);
}

static void address_moves(void **state)
{
    (void)state;
    /* a whole resource keeps each instance's key */
    expect_move("aws_subnet.a", "aws_subnet.b", "aws_subnet.a[3]", "aws_subnet.b[3]");
    expect_move("aws_subnet.a", "aws_subnet.b", "aws_subnet.a[\"k\"]", "aws_subnet.b[\"k\"]");
    expect_move("aws_vpc.a", "aws_vpc.b", "aws_vpc.a", "aws_vpc.b");
    expect_move("aws_subnet.a", "aws_subnet.b", "aws_subnet.ab[0]", "");
    expect_move("aws_subnet.a", "aws_subnet.b", "data.aws_subnet.a", "");
    /* one instance: count to for_each, and a key-less instance into count */
    expect_move("aws_subnet.a[0]", "aws_subnet.a[\"x\"]", "aws_subnet.a[0]", "aws_subnet.a[\"x\"]");
    expect_move("aws_subnet.a[0]", "aws_subnet.a[\"x\"]", "aws_subnet.a[1]", "");
    expect_move("aws_vpc.a", "aws_vpc.b[0]", "aws_vpc.a", "aws_vpc.b[0]");
    /* module paths are a prefix */
    expect_move("aws_vpc.a", "module.net.aws_vpc.a", "aws_vpc.a", "module.net.aws_vpc.a");
    expect_move("module.net.aws_vpc.a", "aws_vpc.a", "module.net.aws_vpc.a", "aws_vpc.a");
    expect_move("aws_vpc.a", "aws_vpc.b", "module.net.aws_vpc.a", "");
    expect_move("module.old", "module.new", "module.old.aws_vpc.a", "module.new.aws_vpc.a");
    expect_move("module.old", "module.new", "module.old[\"x\"].module.in.aws_subnet.s[1]",
                "module.new[\"x\"].module.in.aws_subnet.s[1]");
    expect_move("module.old[0]", "module.new[\"a\"]", "module.old[0].aws_vpc.v",
                "module.new[\"a\"].aws_vpc.v");
    expect_move("module.old[0]", "module.new[\"a\"]", "module.old[1].aws_vpc.v", "");
}

static void address_equality_and_chains(void **state)
{
    (void)state;
    vpce_addr a, b, c;
    assert_int_equal(vpce_addr_parse(&a, "aws_subnet.a"), 0);
    assert_int_equal(vpce_addr_parse(&b, "aws_subnet.a[0]"), 0);
    assert_int_equal(vpce_addr_parse(&c, "aws_subnet.a[\"0\"]"), 0);
    assert_false(vpce_addr_equal(&a, &b));
    assert_false(vpce_addr_equal(&b, &c)); /* 0 and "0" are different keys */
    assert_true(vpce_addr_same_resource(&b, &c));
    assert_true(vpce_addr_is_instance(&b));
    assert_false(vpce_addr_is_instance(&a));
    /* what moves to aws_subnet.a includes aws_subnet.a[0] */
    assert_true(vpce_addr_chains(&a, &b));
    assert_false(vpce_addr_chains(&b, &a));
    vpce_addr_release(&a);
    vpce_addr_release(&b);
    vpce_addr_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(address_parse_forms),         cmocka_unit_test(address_parse_errors),
        cmocka_unit_test(address_from_expressions),    cmocka_unit_test(address_moves),
        cmocka_unit_test(address_equality_and_chains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
