/* Type constraints (from expressions and text), Terraform's conversions and type names. */
#include "test_eval_common.h"

static json_t *conv(const char *value, const char *type, const char **why)
{
    json_t *v = jparse(value);
    json_t *t = vpce_type_parse(type);
    if (!t)
        fail_msg("bad type %s", type);
    json_t *r = vpce_convert(v, t, why);
    json_decref(v);
    json_decref(t);
    return r;
}

#define CONV(value, type, expected)                                                                \
    do {                                                                                           \
        const char *why_ = NULL;                                                                   \
        assert_json(conv(value, type, &why_), expected);                                           \
    } while (0)
#define CONV_ERR(value, type, expected_why)                                                        \
    do {                                                                                           \
        const char *why_ = NULL;                                                                   \
        assert_null(conv(value, type, &why_));                                                     \
        assert_string_equal(why_, expected_why);                                                   \
    } while (0)

static void parse_text(void **state)
{
    (void)state;
    assert_json(vpce_type_parse("string"), "\"string\"");
    assert_json(vpce_type_parse("any"), "\"dynamic\"");
    assert_json(vpce_type_parse("list(string)"), "[\"list\", \"string\"]");
    assert_json(vpce_type_parse("map(set(number))"), "[\"map\", [\"set\", \"number\"]]");
    assert_json(vpce_type_parse("tuple([string, bool])"), "[\"tuple\", [\"string\", \"bool\"]]");
    assert_json(vpce_type_parse("object({a = string, b = optional(number)})"),
                "[\"object\", {\"a\": \"string\", \"b\": \"number\"}, [\"b\"]]");
    assert_null(vpce_type_parse("list(string"));
    assert_null(vpce_type_parse("strin"));
    assert_null(vpce_type_parse("optional(string)"));
    assert_null(vpce_type_parse("string x"));
}

static void from_expr(void **state)
{
    (void)state;
    assert_json(vpce_type_from_expr(parse("list(map(string))"), &t_diags),
                "[\"list\", [\"map\", \"string\"]]");
    assert_json(vpce_type_from_expr(parse("object({name = string, port = optional(number, 80)})"),
                                    &t_diags),
                "[\"object\", {\"name\": \"string\", \"port\": \"number\"}, [\"port\"],"
                " {\"port\": 80}]");
    assert_json(vpce_type_from_expr(parse("tuple([string, any])"), &t_diags),
                "[\"tuple\", [\"string\", \"dynamic\"]]");
    assert_err(vpce_type_from_expr(parse("lst(string)"), &t_diags), "invalid type specification");
    assert_err(vpce_type_from_expr(parse("\"string\""), &t_diags), "invalid type specification");
    assert_err(vpce_type_from_expr(parse("optional(string)"), &t_diags),
               "invalid type specification");
    /* a default fills a missing attribute */
    json_t *t = vpce_type_from_expr(parse("object({name = string, port = optional(number, 80)})"),
                                    &t_diags);
    json_t *v = jparse("{\"name\": \"x\"}");
    const char *why;
    assert_json(vpce_convert(v, t, &why), "{\"name\": \"x\", \"port\": 80}");
    json_decref(v);
    json_decref(t);
}

static void primitives(void **state)
{
    (void)state;
    CONV("5", "string", "\"5\"");
    CONV("1.5", "string", "\"1.5\"");
    CONV("true", "string", "\"true\"");
    CONV("\"5\"", "number", "5");
    CONV("\"-1.25e2\"", "number", "-125");
    CONV("\"false\"", "bool", "false");
    CONV("null", "number", "null");
    CONV("[1, \"a\"]", "any", "[1, \"a\"]");
    CONV_ERR("\"abc\"", "number", "a number is required");
    CONV_ERR("\" 5\"", "number", "a number is required");
    CONV_ERR("\"yes\"", "bool", "a bool is required");
    CONV_ERR("1", "bool", "a bool is required");
    CONV_ERR("[1]", "string", "a string is required");
}

static void collections(void **state)
{
    (void)state;
    CONV("[1, \"2\"]", "list(number)", "[1, 2]");
    CONV("[\"b\", \"a\", \"b\"]", "set(string)", "[\"a\", \"b\"]");
    CONV("[3, 1, 2, 1]", "set(number)", "[1, 2, 3]");
    CONV("{\"a\": 1}", "map(string)", "{\"a\": \"1\"}");
    CONV("[\"a\", 1]", "tuple([string, string])", "[\"a\", \"1\"]");
    CONV_ERR("[\"1\", \"x\"]", "list(number)", "element 1: a number is required");
    CONV_ERR("{\"a\": 1}", "list(string)", "a list is required");
    CONV_ERR("[1]", "map(string)", "a map is required");
    CONV_ERR("{\"k\": [1]}", "map(string)", "element \"k\": a string is required");
    CONV_ERR("[\"a\"]", "tuple([string, string])", "a tuple of 2 elements is required");
}

static void objects(void **state)
{
    (void)state;
    CONV("{\"a\": \"x\", \"b\": 1, \"extra\": true}", "object({a = string, b = number})",
         "{\"a\": \"x\", \"b\": 1}");
    CONV("{\"a\": \"x\"}", "object({a = string, b = optional(number)})",
         "{\"a\": \"x\", \"b\": null}");
    CONV("{\"a\": 5, \"n\": {\"x\": \"1\"}}", "object({a = string, n = object({x = number})})",
         "{\"a\": \"5\", \"n\": {\"x\": 1}}");
    CONV_ERR("{\"b\": 1}", "object({a = string, b = number})", "attribute \"a\" is required");
    CONV_ERR("{\"a\": [1]}", "object({a = string})", "attribute \"a\": a string is required");
    CONV_ERR("[1]", "object({a = string})", "an object is required");
}

static void names(void **state)
{
    (void)state;
    json_t *t = vpce_type_parse("list(map(string))");
    char *n = vpce_type_name(t);
    assert_string_equal(n, "list of map of string");
    free(n);
    json_decref(t);
    t = vpce_type_parse("object({a = string})");
    n = vpce_type_name(t);
    assert_string_equal(n, "object");
    free(n);
    json_decref(t);
    t = vpce_type_parse("any");
    n = vpce_type_name(t);
    assert_string_equal(n, "any");
    free(n);
    json_decref(t);
    json_t *v = jparse("[null, 1, \"s\", true, [], {}]");
    const char *want[] = {"null", "number", "string", "bool", "tuple", "object"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(vpce_value_type_name(json_array_get(v, i)), want[i]);
    json_decref(v);
}

static void numbers_and_sets(void **state)
{
    (void)state;
    const double xs[] = {0.1, 1e21, 1.5e-7, -2.5, 123456789.125, 1e300};
    const char *want[] = {"0.1",  "1000000000000000000000", "0.00000015",
                          "-2.5", "123456789.125",          NULL};
    for (size_t i = 0; i < 5; i++) {
        char *s = vpce_number_format(xs[i]);
        assert_string_equal(s, want[i]);
        free(s);
    }
    char *big = vpce_number_format(xs[5]);
    assert_int_equal(strlen(big), 301);
    free(big);
    json_t *a = jparse("[\"b\", 2, null, true, \"a\", 1, 2]");
    assert_json(vpce_set_from_array(a), "[null, true, 1, 2, \"a\", \"b\"]");
    json_decref(a);
    char *j = vpce_json_encode(a = jparse("{\"z\": [1.5, \"\\u2028&\"], \"a\": {}}"));
    assert_string_equal(j, "{\"a\":{},\"z\":[1.5,\"\\u2028\\u0026\"]}");
    free(j);
    json_decref(a);
}

/* A string converted to string is the same text; one with a NUL inside ends at the NUL, as its
   C text does. */
static void strings_to_string(void **state)
{
    (void)state;
    json_t *t = vpce_type_parse("string");
    const char *why = NULL;
    json_t *v = json_string("caf\xc3\xa9 \xe2\x82\xac");
    json_t *r = vpce_convert(v, t, &why);
    assert_true(json_equal(r, v));
    json_decref(r);
    json_decref(v);
    v = json_stringn("ab\0cd", 5);
    r = vpce_convert(v, t, &why);
    assert_int_equal(json_string_length(r), 2);
    assert_string_equal(json_string_value(r), "ab");
    json_decref(r);
    json_decref(v);
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(parse_text), T(from_expr), T(primitives),       T(collections),
        T(objects),    T(names),     T(numbers_and_sets), T(strings_to_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
