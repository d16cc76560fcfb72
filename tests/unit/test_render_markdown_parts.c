/*
 * The Markdown plan within a comment limit (render/render.h: vpce_plan_render_markdown_parts):
 * a plan that fits is one part equal to the whole; a long one becomes a summary that keeps the
 * destructive changes, then parts holding every resource's block exactly once, each part within
 * the limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "render/render.h"
#include "tests/unit/support/testprov.h"

static int setup(void **state)
{
    (void)state;
    testprov_register();
    return 0;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

static void small_plan_is_one_part(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("resource \"test_thing\" \"a\" {\n  name = \"a\"\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    size_t n = 0;
    char **parts = vpce_plan_render_markdown_parts(p, VPCE_MARKDOWN_COMMENT_MAX, &n);
    char *whole = vpce_plan_render_markdown(p);
    assert_int_equal(n, 1);
    assert_string_equal(parts[0], whole);
    assert_null(parts[1]);
    free(whole);
    free_parts(parts, n);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void no_changes_is_one_line(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load("variable \"x\" {\n  default = 1\n}\n");
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    char *md = vpce_plan_render_markdown(p);
    assert_string_equal(md, "No changes. Your infrastructure matches the configuration.\n");
    free(md);
    vpce_plan_free(p);
    vpce_config_free(cfg);
}

static void long_plan_splits(void **state)
{
    (void)state;
    vpce_config *cfg = testprov_load(
        "resource \"test_thing\" \"many\" {\n  count = 300\n"
        "  name = \"a-rather-long-name-so-that-each-block-takes-some-room-${count.index}\"\n}\n");
    /* 20 objects in the state that the configuration no longer has: destroyed */
    json_t *st = json_object();
    json_t *res = json_array();
    for (int i = 0; i < 20; i++) {
        char name[32], attrs[128];
        snprintf(name, sizeof(name), "old%d", i);
        snprintf(attrs, sizeof(attrs), "{\"id\":\"t-%d\",\"name\":\"old\",\"arn\":\"a\"}", i);
        json_array_append_new(res, testprov_entry("test_thing", name, NULL, attrs));
    }
    json_object_set_new(st, "resources", res);
    vpce_plan *p = testprov_plan(cfg, st, NULL);
    const size_t max = 8192;
    size_t n = 0;
    char **parts = vpce_plan_render_markdown_parts(p, max, &n);
    assert_non_null(parts);
    assert_true(n > 3);
    char *whole = vpce_plan_render_markdown(p);
    assert_true(strlen(whole) > max);
    for (size_t i = 0; i < n; i++)
        assert_true(strlen(parts[i]) <= max);
    /* the summary keeps the count line and the destructive changes, and holds no block */
    assert_non_null(strstr(parts[0], "**Plan: 300 to add, 0 to change, 20 to destroy.**"));
    assert_non_null(strstr(parts[0], "`test_thing.old7` will be **destroyed**"));
    assert_null(strstr(parts[0], "<details>"));
    /* every block once, over all the parts */
    size_t blocks = 0;
    for (size_t i = 1; i < n; i++) {
        assert_non_null(strstr(parts[i], "details, part"));
        blocks += count(parts[i], "<details><summary>");
    }
    assert_int_equal(blocks, 320);
    char needle[64];
    snprintf(needle, sizeof(needle), "<summary>test_thing.many[299] (create)");
    size_t seen = 0;
    for (size_t i = 1; i < n; i++)
        seen += count(parts[i], needle);
    assert_int_equal(seen, 1);
    free(whole);
    free_parts(parts, n);
    vpce_plan_free(p);
    json_decref(st);
    vpce_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_plan_is_one_part),
        cmocka_unit_test(no_changes_is_one_line),
        cmocka_unit_test(long_plan_splits),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
