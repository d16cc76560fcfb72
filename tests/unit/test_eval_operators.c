/* Operators, traversals, templates, conditionals, for and splat expressions. */
#include "test_eval_common.h"

static const char *SCOPE =
    "{\"var\": {\"n\": 5, \"s\": \"5\", \"name\": \"web\", \"list\": [\"a\", \"b\", \"c\"],"
    " \"m\": {\"x\": 1, \"y\": 2}, \"nul\": null, \"objs\": [{\"id\": \"i1\"}, {\"id\": \"i2\"}],"
    " \"one\": {\"id\": \"solo\"}, \"t\": true, \"f\": false},"
    " \"aws_vpc\": {\"main\": {\"id\": \"vpc-1\", \"cidr\": \"10.0.0.0/16\"}}}";

static void arithmetic(void **state)
{
    (void)state;
    assert_json(eval_in(bin(VPCE_OP_ADD, lit("1"), lit("2")), NULL), "3");
    assert_json(eval_in(bin(VPCE_OP_SUB, lit("1"), lit("2.5")), NULL), "-1.5");
    assert_json(eval_in(bin(VPCE_OP_MUL, lit("4"), lit("2.5")), NULL), "10");
    assert_json(eval_in(bin(VPCE_OP_DIV, lit("7"), lit("2")), NULL), "3.5");
    assert_json(eval_in(bin(VPCE_OP_MOD, lit("7"), lit("3")), NULL), "1");
    assert_json(eval_in(bin(VPCE_OP_MOD, lit("-7"), lit("3")), NULL), "-1");
    assert_json(eval_in(bin(VPCE_OP_ADD, lit("\"5\""), lit("1")), NULL), "6");
    assert_json(eval_in(bin(VPCE_OP_ADD, path("var.s"), path("var.n")), SCOPE), "10");
    assert_json(eval_in(un(VPCE_OP_NEG, lit("3")), NULL), "-3");
    assert_json(eval_in(un(VPCE_OP_NEG, lit("\"2.5\"")), NULL), "-2.5");
}

static void arithmetic_errors(void **state)
{
    (void)state;
    assert_err(eval_in(bin(VPCE_OP_DIV, lit("1"), lit("0")), NULL), "division by zero");
    assert_err(eval_in(bin(VPCE_OP_MOD, lit("1"), lit("0")), NULL), "modulo by zero");
    assert_err(eval_in(bin(VPCE_OP_ADD, lit("null"), lit("1")), NULL),
               "invalid operand to \"+\": a number is required");
    assert_err(eval_in(bin(VPCE_OP_ADD, lit("\"abc\""), lit("1")), NULL),
               "invalid operand to \"+\": a number is required");
    assert_err(eval_in(bin(VPCE_OP_MUL, lit("[1]"), lit("1")), NULL),
               "invalid operand to \"*\": a number is required");
    assert_err(eval_in(un(VPCE_OP_NEG, lit("true")), NULL),
               "invalid operand to \"-\": a number is required");
}

static void comparisons(void **state)
{
    (void)state;
    assert_json(eval_in(bin(VPCE_OP_LT, lit("1"), lit("2")), NULL), "true");
    assert_json(eval_in(bin(VPCE_OP_LE, lit("2"), lit("2")), NULL), "true");
    assert_json(eval_in(bin(VPCE_OP_GT, lit("1"), lit("2")), NULL), "false");
    assert_json(eval_in(bin(VPCE_OP_GE, lit("\"10\""), lit("9")), NULL), "true");
    assert_err(eval_in(bin(VPCE_OP_LT, lit("\"a\""), lit("2")), NULL),
               "invalid operand to \"<\": a number is required");
    assert_json(eval_in(bin(VPCE_OP_EQ, lit("1"), lit("1.0")), NULL), "true");
    assert_json(eval_in(bin(VPCE_OP_EQ, lit("1"), lit("\"1\"")), NULL), "false");
    assert_json(eval_in(bin(VPCE_OP_NE, lit("[1,2]"), lit("[1,2]")), NULL), "false");
    assert_json(eval_in(bin(VPCE_OP_EQ, lit("{\"a\":1}"), lit("{\"a\":1}")), NULL), "true");
    assert_json(eval_in(bin(VPCE_OP_EQ, lit("null"), lit("null")), NULL), "true");
    assert_json(eval_in(bin(VPCE_OP_EQ, path("var.nul"), lit("null")), SCOPE), "true");
}

static void logic(void **state)
{
    (void)state;
    assert_json(eval_in(bin(VPCE_OP_AND, lit("true"), lit("false")), NULL), "false");
    assert_json(eval_in(bin(VPCE_OP_OR, lit("false"), lit("true")), NULL), "true");
    assert_json(eval_in(bin(VPCE_OP_AND, lit("\"true\""), lit("true")), NULL), "true");
    assert_json(eval_in(un(VPCE_OP_NOT, lit("false")), NULL), "true");
    assert_json(eval_in(un(VPCE_OP_NOT, lit("\"true\"")), NULL), "false");
    /* short-circuit: the right side is not evaluated */
    assert_json(eval_in(bin(VPCE_OP_AND, lit("false"), var("nope")), NULL), "false");
    assert_json(eval_in(bin(VPCE_OP_OR, lit("true"), var("nope")), NULL), "true");
    assert_err(eval_in(bin(VPCE_OP_AND, lit("1"), lit("true")), NULL),
               "invalid operand to \"&&\": a bool is required");
    assert_err(eval_in(bin(VPCE_OP_OR, lit("false"), lit("\"x\"")), NULL),
               "invalid operand to \"||\": a bool is required");
    assert_err(eval_in(un(VPCE_OP_NOT, lit("null")), NULL),
               "invalid operand to \"!\": a bool is required");
}

static void traversal(void **state)
{
    (void)state;
    assert_json(eval_in(path("aws_vpc.main.id"), SCOPE), "\"vpc-1\"");
    assert_json(eval_in(idx(path("var.list"), lit("1")), SCOPE), "\"b\"");
    assert_json(eval_in(idx(path("var.list"), lit("\"2\"")), SCOPE), "\"c\"");
    assert_json(eval_in(idx(path("var.m"), lit("\"y\"")), SCOPE), "2");
    assert_json(eval_in(idx(lit("{\"1\": \"one\"}"), lit("1")), SCOPE), "\"one\"");
    assert_json(eval_in(attr(path("var.list"), "0"), SCOPE), "\"a\"");
    assert_err(eval_in(path("var.missing"), SCOPE), "unsupported attribute \"missing\"");
    assert_err(eval_in(path("var.n.x"), SCOPE), "unsupported attribute \"x\"");
    assert_err(eval_in(path("nope.x"), SCOPE), "unknown variable \"nope\"");
    assert_err(eval_in(idx(path("var.list"), lit("3")), SCOPE), "invalid index");
    assert_err(eval_in(idx(path("var.list"), lit("-1")), SCOPE), "invalid index");
    assert_err(eval_in(idx(path("var.list"), lit("1.5")), SCOPE), "invalid index");
    assert_err(eval_in(idx(path("var.list"), lit("\"a\"")), SCOPE), "invalid index");
    assert_err(eval_in(idx(path("var.m"), lit("\"z\"")), SCOPE), "invalid index");
    assert_err(eval_in(idx(path("var.nul"), lit("0")), SCOPE), "invalid index");
    assert_err(eval_in(idx(path("var.n"), lit("0")), SCOPE), "invalid index");
}

static void splats(void **state)
{
    (void)state;
    assert_json(eval_in(splat(path("var.objs"), attr(item(), "id")), SCOPE), "[\"i1\",\"i2\"]");
    assert_json(eval_in(splat(path("var.one"), attr(item(), "id")), SCOPE), "[\"solo\"]");
    assert_json(eval_in(splat(path("var.nul"), attr(item(), "id")), SCOPE), "[]");
    assert_json(eval_in(splat(path("var.list"), item()), SCOPE), "[\"a\",\"b\",\"c\"]");
    /* nested: [[{a:1},{a:2}],[{a:3}]][*] -> each element's [*].a */
    assert_json(
        eval_in(splat(lit("[[{\"a\":1},{\"a\":2}],[{\"a\":3}]]"), splat(item(), attr(item(), "a"))),
                NULL),
        "[[1,2],[3]]");
    assert_err(eval_in(splat(path("var.objs"), attr(item(), "nope")), SCOPE),
               "unsupported attribute \"nope\"");
}

static void templates(void **state)
{
    (void)state;
    assert_json(eval_in(tmpl(3, str("n="), path("var.n"), str("!")), SCOPE), "\"n=5!\"");
    assert_json(eval_in(tmpl(2, lit("1.5"), lit("true")), NULL), "\"1.5true\"");
    assert_json(eval_in(tmpl(2, lit("1e20"), lit("0.1")), NULL), "\"1000000000000000000000.1\"");
    assert_json(eval_in(tmpl(2, lit("0.000001"), str("")), NULL), "\"0.000001\"");
    /* a single interpolation keeps its value */
    assert_json(eval_in(tmpl(1, path("var.list")), SCOPE), "[\"a\",\"b\",\"c\"]");
    assert_json(eval_in(tmpl(1, path("var.n")), SCOPE), "5");
    assert_err(eval_in(tmpl(2, str("x"), path("var.nul")), SCOPE),
               "invalid template interpolation value");
    assert_err(eval_in(tmpl(2, str("x"), path("var.list")), SCOPE),
               "cannot include a tuple in a string template");
    assert_err(eval_in(tmpl(2, str("x"), path("var.m")), SCOPE),
               "cannot include an object in a string template");
}

static void conditionals(void **state)
{
    (void)state;
    assert_json(eval_in(cnd(path("var.t"), lit("1"), lit("2")), SCOPE), "1");
    assert_json(eval_in(cnd(lit("\"false\""), lit("1"), lit("2")), SCOPE), "2");
    /* unification: number with string -> string */
    assert_json(eval_in(cnd(lit("true"), lit("1"), lit("\"a\"")), NULL), "\"1\"");
    /* the branch not taken may fail */
    assert_json(eval_in(cnd(lit("true"), lit("1"), idx(path("var.list"), lit("9"))), SCOPE), "1");
    assert_err(eval_in(cnd(lit("false"), lit("1"), idx(path("var.list"), lit("9"))), SCOPE),
               "invalid index");
    assert_err(eval_in(cnd(lit("1"), lit("1"), lit("2")), NULL),
               "invalid conditional: the condition must be a bool");
    assert_err(eval_in(cnd(lit("null"), lit("1"), lit("2")), NULL),
               "invalid conditional: the condition must be a bool");
}

static void collections(void **state)
{
    (void)state;
    assert_json(eval_in(tup(3, lit("1"), str("a"), path("var.t")), SCOPE), "[1,\"a\",true]");
    assert_json(eval_in(obj(2, "a", lit("1"), "b", path("var.list")), SCOPE),
                "{\"a\":1,\"b\":[\"a\",\"b\",\"c\"]}");
    E *o = obj(1, "k", lit("1"));
    o->u.object.items[0].key = path("var.name");
    o->u.object.items[0].key_is_ident = false;
    assert_json(eval_in(o, SCOPE), "{\"web\":1}");
    o->u.object.items[0].key = path("var.list");
    assert_err(eval_in(o, SCOPE), "invalid object key: a string is required");
}

static void for_exprs(void **state)
{
    (void)state;
    assert_json(eval_in(forl(NULL, "s", path("var.list"), call("upper", 1, var("s")), NULL), SCOPE),
                "[\"A\",\"B\",\"C\"]");
    assert_json(eval_in(forl("i", "s", path("var.list"), var("i"), NULL), SCOPE), "[0,1,2]");
    /* objects iterate in key order */
    assert_json(eval_in(forl("k", "v", lit("{\"b\":2,\"a\":1}"), var("k"), NULL), NULL),
                "[\"a\",\"b\"]");
    assert_json(eval_in(foro(NULL, "s", path("var.list"), var("s"), tmpl(2, var("s"), str("!")),
                             bin(VPCE_OP_NE, var("s"), str("b")), false),
                        SCOPE),
                "{\"a\":\"a!\",\"c\":\"c!\"}");
    assert_json(eval_in(foro(NULL, "o",
                             lit("[{\"k\":\"x\",\"v\":1},{\"k\":\"x\",\"v\":2},"
                                 "{\"k\":\"y\",\"v\":3}]"),
                             attr(var("o"), "k"), attr(var("o"), "v"), NULL, true),
                        NULL),
                "{\"x\":[1,2],\"y\":[3]}");
    /* iterator variables shadow the scope and do not leak out */
    assert_json(
        eval_in(tup(2, forl(NULL, "var", lit("[1]"), var("var"), NULL), path("var.n")), SCOPE),
        "[[1],5]");
    assert_err(eval_in(foro(NULL, "o", lit("[1,1]"), var("o"), var("o"), NULL, false), NULL),
               "duplicate object key \"1\"");
    assert_err(eval_in(forl(NULL, "s", path("var.list"), var("s"), lit("1")), SCOPE),
               "invalid \"for\" condition: a bool is required");
    assert_err(eval_in(forl(NULL, "s", path("var.n"), var("s"), NULL), SCOPE),
               "invalid \"for\" collection: a list, set, map or object is required");
}

static void function_calls(void **state)
{
    (void)state;
    assert_json(eval_in(call("upper", 1, path("var.name")), SCOPE), "\"WEB\"");
    assert_err(eval_in(call("uper", 1, path("var.name")), SCOPE),
               "call to unknown function \"uper\"");
    assert_err(eval_in(call("upper", 2, str("a"), str("b")), SCOPE),
               "wrong number of arguments to \"upper\"");
    E *c = call("max", 2, lit("1"), lit("[5, 9, 2]"));
    c->u.call.expand_final = true;
    assert_json(eval_in(c, NULL), "9");
    /* try and can */
    assert_json(eval_in(call("try", 2, path("var.nope"), str("fallback")), SCOPE), "\"fallback\"");
    assert_json(eval_in(call("try", 1, path("var.n")), SCOPE), "5");
    assert_json(eval_in(call("can", 1, path("var.nope")), SCOPE), "false");
    assert_json(eval_in(call("can", 1, path("var.n")), SCOPE), "true");
    assert_err(eval_in(call("try", 2, path("var.nope"), path("var.nope2")), SCOPE),
               "no expression succeeded in call to \"try\"");
    assert_err(eval_in(call("can", 0), SCOPE), "wrong number of arguments to \"can\"");
}

static void parsed(void **state)
{
    (void)state;
    const char *objs = "{\"var\":{\"objs\":[{\"id\":1},{\"id\":2}], \"l\": [7]}}";
    assert_json(evs("upper(\"a\")", NULL), "\"A\"");
    assert_json(evs("[for k, v in {b = 1, a = 2} : \"${k}=${v}\"]", NULL), "[\"a=2\",\"b=1\"]");
    assert_json(evs("var.objs[*].id", objs), "[1,2]");
    assert_json(evs("var.objs.*.id", objs), "[1,2]");
    assert_json(evs("var.l.0", objs), "7");
    assert_json(evs("{for s in [\"a\", \"a\", \"b\"] : s => s...}", NULL),
                "{\"a\":[\"a\",\"a\"],\"b\":[\"b\"]}");
    assert_json(evs("max([1, 2]...)", NULL), "2");
    assert_json(evs("<<EOT\nhello ${1 + 1}\nEOT\n", NULL), "\"hello 2\\n\"");
    assert_json(evs("1 + 2 * 3 - 4 / 2", NULL), "5");
    assert_json(evs("\"5\" + 1 == 6 && !false", NULL), "true");
    assert_json(evs("length(var.objs) > 1 ? var.objs[1].id : null", objs), "2");
    assert_err(evs("var.objs[5]", objs), "invalid index");
}

/* Strip markers and template values as HCL evaluates them: "~" trims within one line of a
 * heredoc, and a template with any literal text or a directive is a string. */
static void templates_strip_markers_evaluate_as_hcl(void **state)
{
    (void)state;
    assert_json(evs("\" ${~ true ~} \"", NULL), "\"true\"");
    assert_json(evs("\"${true}\"", NULL), "true");
    assert_json(evs("\"%{ if true }${5}%{ endif }\"", NULL), "\"5\"");
    assert_json(evs("\"%{ if false }${5}%{ else }${6}%{ endif }\"", NULL), "\"6\"");
    assert_json(
        evs("<<EOT\n%{ for x in [\"a\", \"b\"] ~}\n  - ${x}\n%{ endfor ~}\ndone\nEOT\n", NULL),
        "\"  - a\\n  - b\\ndone\\n\"");
    /* HCL's own result: "%{~" empties the indentation token of the first line, so no
       indentation is removed from the others */
    assert_json(
        evs("<<-EOT\n    %{~ for x in [1, 2] ~}\n    ${x},\n    %{~ endfor ~}\n    EOT\n", NULL),
        "\"    1,\\n    2,\\n\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(arithmetic),
        T(arithmetic_errors),
        T(comparisons),
        T(logic),
        T(traversal),
        T(splats),
        T(templates),
        T(conditionals),
        T(collections),
        T(for_exprs),
        T(function_calls),
        T(parsed),
        T(templates_strip_markers_evaluate_as_hcl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
