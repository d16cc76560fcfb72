/* Unknown values propagate through every operator, template, conditional, for, splat, index and
 * function; functions that do not look at an unknown keep their known result. */
#include "test_eval_common.h"

static const char *S = "{\"var\": {\"u\": " UNK ", \"n\": 1, \"l\": [\"a\", " UNK "],"
                       " \"m\": {\"a\": " UNK ", \"b\": 2}, \"objs\": [{\"id\": " UNK "}]}}";

static void operators(void **state)
{
    (void)state;
    const char *exprs[] = {"var.u + 1",
                           "1 - var.u",
                           "var.u * 2",
                           "var.u / 2",
                           "var.u % 2",
                           "var.u < 1",
                           "var.u <= 1",
                           "var.u > 1",
                           "var.u >= 1",
                           "var.u == 1",
                           "1 != var.u",
                           "var.u && true",
                           "true && var.u",
                           "var.u || false",
                           "!var.u",
                           "-var.u",
                           "var.l == [\"a\", \"b\"]"};
    for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
        assert_unknown(evs(exprs[i], S));
    /* a known side that decides the result wins */
    assert_json(evs("false && var.u", S), "false");
    assert_json(evs("var.u && false", S), "false");
    assert_json(evs("var.u || true", S), "true");
    /* a type error on the known side is still reported */
    assert_err(evs("var.u + \"x\"", S), "invalid operand to \"+\": a number is required");
}

static void templates_and_conditionals(void **state)
{
    (void)state;
    assert_unknown(evs("\"id-${var.u}\"", S));
    assert_unknown(evs("\"${var.u}\"", S));
    assert_unknown(evs("var.u ? 1 : 2", S));
    assert_json(evs("var.u ? 1 : 1", S), "1");
    assert_unknown(evs("true ? var.u : 2", S));
    assert_json(evs("false ? var.u : 2", S), "2");
}

static void traversals(void **state)
{
    (void)state;
    assert_unknown(evs("var.u.x", S));
    assert_unknown(evs("var.u[0]", S));
    assert_unknown(evs("var.l[var.u]", S));
    assert_unknown(evs("var.l[1]", S));
    assert_json(evs("var.l[0]", S), "\"a\"");
    assert_unknown(evs("var.m.a", S));
    assert_json(evs("var.m.b", S), "2");
    assert_unknown(evs("var.u[*].id", S));
    assert_json(evs("var.objs[*].id", S), "[" UNK "]");
}

static void for_exprs(void **state)
{
    (void)state;
    assert_unknown(evs("[for x in var.u : x]", S));
    assert_json(evs("[for x in var.l : x]", S), "[\"a\", " UNK "]");
    assert_unknown(evs("[for x in var.l : x if x == \"a\"]", S));
    assert_unknown(evs("{for x in var.l : x => 1}", S));
    assert_json(evs("{for k, v in var.m : k => v}", S), "{\"a\": " UNK ", \"b\": 2}");
}

static void functions(void **state)
{
    (void)state;
    assert_unknown(evs("upper(var.u)", S));
    assert_unknown(evs("join(\",\", var.l)", S));
    assert_unknown(evs("jsonencode(var.l)", S));
    assert_unknown(evs("jsonencode({a = var.u})", S));
    assert_unknown(evs("contains(var.l, \"a\")", S));
    assert_unknown(evs("toset(var.u)", S));
    assert_unknown(evs("cidrsubnet(var.u, 8, 1)", S));
    assert_unknown(evs("format(\"%s\", var.u)", S));
    assert_unknown(evs("length(var.u)", S));
    assert_unknown(evs("try(var.u, 1)", S));
    assert_unknown(evs("can(var.u)", S));
    assert_json(evs("length(var.l)", S), "2");
    assert_json(evs("length(var.m)", S), "2");
    assert_json(evs("keys(var.m)", S), "[\"a\", \"b\"]");
    assert_json(evs("element(var.l, 0)", S), "\"a\"");
    assert_json(evs("concat(var.l, [1])", S), "[\"a\", " UNK ", 1]");
    assert_json(evs("merge(var.m, {c = 3})", S), "{\"a\": " UNK ", \"b\": 2, \"c\": 3}");
    assert_json(evs("lookup(var.m, \"b\", 0)", S), "2");
    assert_json(evs("try(var.nope, var.n)", S), "1");
    /* errors are still errors */
    assert_err(evs("upper(var.u, 1)", S), "wrong number of arguments to \"upper\"");
}

static void convert(void **state)
{
    (void)state;
    json_t *u = vpce_unknown();
    json_t *t = vpce_type_parse("list(string)");
    const char *why;
    json_t *r = vpce_convert(u, t, &why);
    assert_unknown(r);
    json_decref(u);
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(operators), T(templates_and_conditionals), T(traversals), T(for_exprs), T(functions),
        T(convert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
