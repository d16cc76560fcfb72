/*
 * Resource exhaustion: input that would make vpce allocate without bound is refused with an
 * error before the allocation: instances per resource and per plan (count, for_each), collection
 * elements created by one expression, and the length of strings that functions and templates
 * build (shared references make a small value stand for a huge one).
 */
#include "test_eval_common.h"

#include "config/config.h"
#include "planner/planner.h"
#include "tests/unit/support/testprov.h"

/* A string of n copies of c, as a JSON string value kept until teardown. */
static json_t *repeated(char c, size_t n)
{
    char *s = vpce_malloc(n + 1);
    memset(s, c, n);
    s[n] = 0;
    json_t *v = json_stringn(s, n);
    free(s);
    vpce_vec_push(&t_literals, v);
    return v;
}

/* Evaluates src with scope {"x": x}. */
static json_t *eval_with_x(const char *src, json_t *x)
{
    json_t *scope = json_object();
    json_object_set(scope, "x", x);
    vpce_eval_ctx ctx = {scope, NULL, &t_diags, NULL, NULL};
    json_t *v = vpce_eval(&ctx, parse(src));
    json_decref(scope);
    return v;
}

static void join_of_shared_strings_is_capped(void **state)
{
    (void)state;
    json_t *x = repeated('a', 20000);
    /* 1000 references to one 20 kB string: 20 MB once joined */
    assert_err(eval_with_x("join(\"\", [for i in range(1000) : x])", x),
               "call to function \"join\" failed: the result would be longer than 16777216 bytes");
    json_t *ok = eval_with_x("length(join(\"\", [for i in range(100) : x]))", x);
    assert_json(ok, "2000000");
}

static void template_result_is_capped(void **state)
{
    (void)state;
    json_t *x = repeated('b', 9u * 1024 * 1024);
    assert_err(eval_with_x("\"${x}${x}\"", x), "template result too long");
    assert_json(eval_with_x("length(\"${x}-\")", x), "9437185");
}

static void indent_and_replace_are_capped(void **state)
{
    (void)state;
    json_t *x = repeated('\n', 20000);
    assert_err(eval_with_x("indent(1000, x)", x),
               "call to function \"indent\" failed: the result would be longer than 16777216 "
               "bytes");
    assert_err(eval_with_x("replace(x, \"\\n\", join(\"\", [for i in range(1000) : \"y\"]))", x),
               "call to function \"replace\" failed: the result would be longer than 16777216 "
               "bytes");
    assert_err(eval_with_x("format(join(\"\", [for i in range(1000) : \"%s\"]), "
                           "[for i in range(1000) : x]...)",
                           x),
               "call to function \"format\" failed: the result would be longer than 16777216 "
               "bytes");
}

static void jsonencode_of_shared_values_is_capped(void **state)
{
    (void)state;
    json_t *x = repeated('c', 20000);
    assert_err(eval_with_x("jsonencode([for i in range(1000) : x])", x),
               "call to function \"jsonencode\" failed: the result would be longer than 16777216 "
               "bytes");
}

static void nested_for_is_capped(void **state)
{
    (void)state;
    assert_err(
        evs("[for a in range(1024) : [for b in range(1024) : [for c in range(1024) : c]]]", NULL),
        "\"for\" expression too large");
    /* the budget is per top-level evaluation: a second one starts afresh */
    assert_json(evs("length(flatten([for a in range(100) : [for b in range(100) : b]]))", NULL),
                "10000");
}

static void flatten_and_concat_of_shared_lists_are_capped(void **state)
{
    (void)state;
    json_t *x = json_array();
    for (int i = 0; i < 1024; i++)
        json_array_append_new(x, json_integer(i));
    vpce_vec_push(&t_literals, x);
    /* 1024 references to one 1024-element list: 1024^2 elements once flattened */
    assert_err(eval_with_x("flatten([for a in range(1024) : x])", x),
               "call to function \"flatten\" failed: the expression would create more than "
               "1000000 collection elements");
    assert_err(eval_with_x("concat([for a in range(1024) : x]...)", x),
               "call to function \"concat\" failed: the expression would create more than "
               "1000000 collection elements");
}

/* ---- instances ------------------------------------------------------------------------------ */

static int plan_errors(const char *cfg_text, const char *vars_json, size_t max_instances,
                       const char *summary)
{
    vpce_config *cfg = testprov_load(cfg_text);
    json_t *vars = vars_json ? jparse(vars_json) : NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    vpce_plan_opts o = {0};
    o.max_instances = max_instances;
    int rc = vpce_plan_make(&p, cfg, vars, NULL, &o, &d);
    bool found = false;
    for (size_t i = 0; i < d.len; i++)
        if (strcmp(d.items[i].summary, summary) == 0)
            found = true;
    if (!found)
        vpce_diags_print(&d, stderr, false);
    vpce_plan_free(p);
    vpce_diags_release(&d);
    json_decref(vars);
    vpce_config_free(cfg);
    return rc == VPCE_EINVALID && found ? 0 : -1;
}

static void huge_count_is_refused_before_planning(void **state)
{
    (void)state;
    /* known only at plan time, so validation cannot catch it */
    const char *cfg = "variable \"n\" {\n  type = number\n}\n"
                      "resource \"test_thing\" \"a\" {\n  count = var.n\n  name = \"a\"\n}\n";
    assert_int_equal(plan_errors(cfg, "{\"n\": 1000000000000000000}", 0,
                                 "invalid count argument: too many instances"),
                     0);
    assert_int_equal(
        plan_errors(cfg, "{\"n\": 10001}", 0, "invalid count argument: too many instances"), 0);
}

static void huge_for_each_is_refused(void **state)
{
    (void)state;
    const char *cfg = "resource \"test_thing\" \"a\" {\n"
                      "  for_each = toset(flatten([for a in range(200) : [for b in range(60) : "
                      "\"${a}-${b}\"]]))\n"
                      "  name = each.key\n}\n";
    assert_int_equal(plan_errors(cfg, NULL, 0, "invalid for_each argument: too many instances"), 0);
}

static void plan_total_is_capped(void **state)
{
    (void)state;
    const char *cfg = "resource \"test_thing\" \"a\" {\n  count = 3\n  name = \"a\"\n}\n"
                      "resource \"test_thing\" \"b\" {\n  count = 3\n  name = \"b\"\n}\n";
    assert_int_equal(plan_errors(cfg, NULL, 5, "too many resource instances in the plan"), 0);
    /* within the cap it plans */
    vpce_config *c = testprov_load(cfg);
    vpce_plan_opts o = {0};
    o.max_instances = 6;
    vpce_plan *p = testprov_plan(c, NULL, &o);
    assert_non_null(testprov_change(p, "test_thing.b[2]"));
    vpce_plan_free(p);
    vpce_config_free(c);
}

int main(void)
{
    testprov_register();
    const struct CMUnitTest tests[] = {
        T(join_of_shared_strings_is_capped),
        T(template_result_is_capped),
        T(indent_and_replace_are_capped),
        T(jsonencode_of_shared_values_is_capped),
        T(nested_for_is_capped),
        T(flatten_and_concat_of_shared_lists_are_capped),
        T(huge_count_is_refused_before_planning),
        T(huge_for_each_is_refused),
        T(plan_total_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
