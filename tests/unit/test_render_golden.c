/*
 * Golden tests of the plan renderers: each hand-built plan is rendered as text (plain and
 * coloured), JSON and Markdown and compared byte for byte with tests/golden_render/<case>.<ext>.
 * UPDATE_GOLDEN=1 rewrites the expected files instead (review the diff before committing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/golden_render/test_plans.h"

#define GOLDEN_DIR VPCE_SOURCE_DIR "/tests/golden_render"

/* The version number changes with every release: golden files hold "(version)" instead. */
static char *normalize(const char *got)
{
    const char *needle = "\"vpce_version\": \"" VPCE_VERSION "\"";
    const char *at = strstr(got, needle);
    if (!at)
        return vpce_strdup(got);
    return vpce_asprintf("%.*s\"vpce_version\": \"(version)\"%s", (int)(at - got), got,
                         at + strlen(needle));
}

static void check_golden(const char *name, const char *ext, const char *raw)
{
    assert_non_null(raw);
    char *got = normalize(raw);
    char *path = vpce_asprintf("%s/%s.%s", GOLDEN_DIR, name, ext);
    const char *upd = getenv("UPDATE_GOLDEN");
    if (upd && *upd && strcmp(upd, "0") != 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
        free(path);
        free(got);
        return;
    }
    char *want = NULL;
    size_t len = 0;
    if (vpce_read_file(&want, &len, path, 1 << 24) != 0)
        fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1)", path);
    if (strcmp(want, got) != 0) {
        char *actual = vpce_asprintf("%s.actual", path);
        FILE *f = fopen(actual, "wb");
        if (f) {
            fputs(got, f);
            fclose(f);
        }
        fail_msg("%s differs from the rendering; see %s", path, actual);
    }
    free(want);
    free(path);
    free(got);
}

/* A sink that keeps what it is handed, counting the pieces; stops after stop_after of them
   (0: never). */
typedef struct pieces {
    vpce_buf text;
    size_t n, stop_after;
} pieces;

static int keep_piece(void *ctx, const char *text, size_t len)
{
    pieces *p = ctx;
    assert_true(len > 0);
    assert_int_equal(vpce_buf_append(&p->text, text, len), 0);
    p->n++;
    return p->stop_after && p->n >= p->stop_after ? 42 : 0;
}

/* The text handed to a sink is the text returned whole. */
static void check_streamed(vpce_plan *p, bool color, const char *whole)
{
    pieces got = {VPCE_BUF_INIT(VPCE_BUF_UNLIMITED), 0, 0};
    assert_int_equal(vpce_plan_render_text_to(p, color, keep_piece, &got), 0);
    assert_string_equal(vpce_buf_cstr(&got.text), whole);
    vpce_buf_release(&got.text);
}

static void check_all(const char *name, vpce_plan *p, bool color_too)
{
    char *s = vpce_plan_render_text(p, false);
    check_golden(name, "txt", s);
    check_streamed(p, false, s);
    assert_null(strstr(s, "\033["));
    free(s);
    if (color_too) {
        s = vpce_plan_render_text(p, true);
        check_golden(name, "color.txt", s);
        check_streamed(p, true, s);
        assert_non_null(strstr(s, "\033["));
        free(s);
    }
    s = vpce_plan_render_json(p);
    check_golden(name, "json", s);
    json_error_t err;
    json_t *doc = json_loads(s, 0, &err);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "format_version")), "1.0");
    json_decref(doc);
    free(s);
    s = vpce_plan_render_markdown(p);
    check_golden(name, "md", s);
    free(s);
}

static void render_create(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_create();
    check_all("create", p, true);
    vpce_plan_free(p);
}

static void render_mixed(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    check_all("mixed", p, true);
    vpce_plan_free(p);
}

static void render_drift(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_drift(false);
    check_all("drift", p, true);
    vpce_plan_free(p);
}

static void render_refresh_only(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_drift(true);
    check_all("refresh_only", p, false);
    vpce_plan_free(p);
}

static void render_nochange(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_nochange();
    check_all("nochange", p, true);
    assert_false(vpce_plan_has_changes(p));
    vpce_plan_free(p);
}

static void render_outputs_only(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_outputs_only();
    check_all("outputs_only", p, false);
    assert_true(vpce_plan_has_changes(p));
    vpce_plan_free(p);
}

static void render_destroy_empty(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_destroy_empty();
    check_all("destroy_empty", p, false);
    vpce_plan_free(p);
}

/* Facts checked directly, so a careless UPDATE_GOLDEN cannot bless them away. */
/* A plan of many changes goes to the sink in several pieces, cut between resources, and a sink
   that returns non-zero stops it. */
static void render_text_streams_in_pieces(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    size_t n = p->nchanges, copies = 2000;
    vpce_change **own = p->changes;
    /* The same changes many times over (borrowed: the plan's own array is put back to free). */
    p->changes = vpce_calloc(n * copies, sizeof(*p->changes));
    for (size_t i = 0; i < n * copies; i++)
        p->changes[i] = own[i % n];
    p->nchanges = n * copies;
    char *whole = vpce_plan_render_text(p, false);
    assert_true(strlen(whole) > 4 * 64 * 1024);
    pieces got = {VPCE_BUF_INIT(VPCE_BUF_UNLIMITED), 0, 0};
    assert_int_equal(vpce_plan_render_text_to(p, false, keep_piece, &got), 0);
    assert_true(got.n > 4);
    assert_string_equal(vpce_buf_cstr(&got.text), whole);
    vpce_buf_release(&got.text);
    pieces two = {VPCE_BUF_INIT(VPCE_BUF_UNLIMITED), 0, 2};
    assert_int_equal(vpce_plan_render_text_to(p, false, keep_piece, &two), 42);
    assert_int_equal(two.n, 2);
    assert_true(two.text.len < strlen(whole));
    assert_memory_equal(two.text.data, whole, two.text.len);
    vpce_buf_release(&two.text);
    free(whole);
    free(p->changes);
    p->changes = own;
    p->nchanges = n;
    vpce_plan_free(p);
}

static void render_text_facts(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    char *s = vpce_plan_render_text(p, false);
    assert_non_null(strstr(s, "Plan: 2 to add, 2 to change, 5 to destroy.\n"));
    assert_non_null(strstr(s, "  # aws_vpc.main must be replaced\n-/+ resource \"aws_vpc\" "
                              "\"main\" {\n"));
    assert_non_null(strstr(s, "\"10.0.0.0/16\" -> \"10.1.0.0/16\" # forces replacement\n"));
    assert_non_null(strstr(s, "  # (because aws_route_table.old is not in configuration)\n"));
    assert_non_null(strstr(s, "  # (because index [2] is out of range for count)\n"));
    assert_non_null(strstr(s, "  # (because key [\"sts\"] is not in for_each map)\n"));
    assert_non_null(strstr(s, "(sensitive value)"));
    assert_null(strstr(s, "hunter"));
    assert_non_null(strstr(s, "jsonencode("));
    assert_null(strstr(s, "aws_vpc_endpoint.noop"));
    assert_null(strstr(s, "data.aws_region.gone"));
    assert_non_null(strstr(s, "+/- create replacement and then destroy\n"));
    assert_non_null(strstr(s, " <= read (data resources)\n"));
    free(s);
    /* JSON: unknowns null + after_unknown, sensitive variable value left out. */
    s = vpce_plan_render_json(p);
    assert_null(strstr(s, "s3cr3t-value"));
    json_t *doc = json_loads(s, 0, NULL);
    assert_non_null(doc);
    json_t *vars = json_object_get(doc, "variables");
    assert_true(json_is_true(json_object_get(json_object_get(vars, "db_password"), "sensitive")));
    assert_null(json_object_get(json_object_get(vars, "db_password"), "value"));
    json_t *rc = json_object_get(doc, "resource_changes");
    json_t *vpc = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(rc, i, e) if (strcmp(json_string_value(json_object_get(e, "address")),
                                            "aws_vpc.main") == 0) vpc = e;
    assert_non_null(vpc);
    json_t *ch = json_object_get(vpc, "change");
    assert_true(json_is_null(json_object_get(json_object_get(ch, "after"), "id")));
    assert_true(json_is_true(json_object_get(json_object_get(ch, "after_unknown"), "id")));
    assert_null(json_object_get(json_object_get(ch, "after_unknown"), "cidr_block"));
    json_t *acts = json_object_get(ch, "actions");
    assert_string_equal(json_string_value(json_array_get(acts, 0)), "delete");
    assert_string_equal(json_string_value(json_array_get(acts, 1)), "create");
    json_decref(doc);
    free(s);
    vpce_plan_free(p);
}

/* Details of value rendering, checked directly. */
static void render_text_values(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    vpce_change *c =
        tp_add(p, "managed", "aws_vpc_endpoint", "x", NULL, VPCE_ACTION_UPDATE, NULL,
               "{\"id\":\"vpce-1\",\"name\":\"n\",\"s\":\"a\",\"n\":1,"
               "\"policy\":\"{\\\"Sid\\\":\\\"x\\\",\\\"Effect\\\":\\\"Allow\\\"}\","
               "\"big\":[1,2,3,4,5,6,7,8]}",
               "{\"id\":\"vpce-1\",\"name\":\"n\",\"s\":\"q\\\"b\\\\c\\u0001${x}\",\"n\":2.5,"
               "\"policy\":\"{\\\"Effect\\\":\\\"Allow\\\"}\",\"big\":[1,2,3,4,9,6,7,8]}");
    c->sensitive_paths = tp_json("[\"name\"]");
    char *s = vpce_change_render_text(c, false);
    /* Quoted as Terraform does: escapes, template sequences untouched. */
    assert_non_null(strstr(s, "~ s      = \"a\" -> \"q\\\"b\\\\c\\x01${x}\"\n"));
    assert_non_null(strstr(s, "~ n      = 1 -> 2.5\n"));
    /* Important attributes stay visible, sensitive ones as (sensitive value). */
    assert_non_null(strstr(s, "        id     = \"vpce-1\"\n"));
    assert_non_null(strstr(s, "        name   = (sensitive value)\n"));
    /* A removed JSON member has no "-> null". */
    assert_non_null(strstr(s, "- Sid    = \"x\"\n"));
    /* List context: the neighbours of a change, the rest counted. */
    assert_non_null(strstr(s, "# (3 unchanged elements hidden)\n"
                              "            4,\n"
                              "          - 5,\n"
                              "          + 9,\n"
                              "            6,\n"
                              "            # (2 unchanged elements hidden)\n"));
    free(s);
    vpce_plan_free(p);
}

/* Escapes between runs of plain characters, at the start and at the end of a string. */
static void render_text_quotes(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    vpce_change *c = tp_add(p, "managed", "aws_vpc", "x", NULL, VPCE_ACTION_CREATE, NULL, NULL,
                            "{\"s\":\"\\tab\\u007f d\\u00e9j\\u00e0 \\\"q\\\"\\r\","
                            "\"e\":\"\",\"p\":\"plain text\"}");
    char *s = vpce_change_render_text(c, false);
    assert_non_null(strstr(s, "+ s = \"\\tab\\x7f d\xc3\xa9j\xc3\xa0 \\\"q\\\"\\r\"\n"));
    assert_non_null(strstr(s, "+ e = \"\"\n"));
    assert_non_null(strstr(s, "+ p = \"plain text\"\n"));
    free(s);
    vpce_plan_free(p);
}

/* Bodies of the same names in other orders, of other names of the same count, of many names,
   and more kinds of body than the renderer keeps the sorted order of: each is sorted and
   aligned on its own, and the plan's text is that of its changes rendered one by one. */
static void render_text_body_orders(void **state)
{
    (void)state;
    static const char *const shapes[] = {
        "{\"zeta\":1,\"alpha\":2,\"mid\":3}",
        "{\"mid\":3,\"zeta\":1,\"alpha\":2}",
        "{\"zeta\":1,\"alphabet\":2,\"mid\":3}",
        "{\"zeta\":1,\"alpha\":2,\"zz\":3}",
        "{\"zeta\":1,\"alpha\":2,\"mid\":3,\"b\\u00e9ta\":4}",
    };
    static const char *const want[] = {
        "      + alpha = 2\n      + mid   = 3\n      + zeta  = 1\n    }\n",
        "      + alpha = 2\n      + mid   = 3\n      + zeta  = 1\n    }\n",
        "      + alphabet = 2\n      + mid      = 3\n      + zeta     = 1\n    }\n",
        "      + alpha = 2\n      + zeta  = 1\n      + zz    = 3\n    }\n",
        "      + alpha = 2\n      + b\xc3\xa9ta  = 4\n      + mid   = 3\n      + zeta  = 1\n    "
        "}\n",
    };
    size_t nshapes = sizeof(shapes) / sizeof(shapes[0]);
    /* 70 names given in reverse order */
    vpce_buf many = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_puts(&many, "{");
    for (int i = 69; i >= 0; i--)
        vpce_buf_printf(&many, "%s\"k%02d\":%d", i == 69 ? "" : ",", i, i);
    vpce_buf_puts(&many, "}");
    vpce_plan *p = tp_plan_new();
    int n = 0;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < nshapes; i++) {
            char *name = vpce_asprintf("s%d", n++);
            tp_add(p, "managed", "aws_x", name, NULL, VPCE_ACTION_CREATE, NULL, NULL, shapes[i]);
            free(name);
        }
        char *name = vpce_asprintf("s%d", n++);
        tp_add(p, "managed", "aws_x", name, NULL, VPCE_ACTION_CREATE, NULL, NULL,
               vpce_buf_cstr(&many));
        free(name);
        /* more kinds of body than are kept */
        for (int k = 0; k < 20; k++) {
            char *body = vpce_asprintf("{\"x%02d\":1,\"a\":2}", k);
            name = vpce_asprintf("s%d", n++);
            tp_add(p, "managed", "aws_x", name, NULL, VPCE_ACTION_CREATE, NULL, NULL, body);
            free(name);
            free(body);
        }
    }
    size_t per_round = nshapes + 1 + 20;
    assert_int_equal(p->nchanges, 2 * per_round);
    char *s = vpce_plan_render_text(p, false);
    vpce_buf each = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (size_t i = 0; i < p->nchanges; i++) {
        char *one = vpce_change_render_text(p->changes[i], false);
        vpce_buf_puts(&each, one);
        vpce_buf_puts(&each, "\n");
        if (i % per_round < nshapes) {
            char *head = vpce_asprintf("  + resource \"aws_x\" \"%s\" {\n%s", p->changes[i]->name,
                                       want[i % per_round]);
            assert_non_null(strstr(one, head));
            free(head);
        }
        if (i % per_round == nshapes) {
            const char *k00 = strstr(one, "      + k00 = 0\n"), *k69 = strstr(one, "+ k69 = 69\n");
            assert_non_null(k00);
            assert_non_null(k69);
            assert_true(k00 < strstr(one, "+ k01 = 1\n") && strstr(one, "+ k68 = 68\n") < k69);
        }
        free(one);
    }
    assert_non_null(strstr(s, vpce_buf_cstr(&each)));
    vpce_buf_release(&each);
    vpce_buf_release(&many);
    free(s);
    vpce_plan_free(p);
}

static void render_counts(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_mixed();
    int a, c, d;
    vpce_plan_counts(p, &a, &c, &d);
    assert_int_equal(a, 2);
    assert_int_equal(c, 2);
    assert_int_equal(d, 5);
    assert_true(vpce_plan_has_changes(p));
    assert_string_equal(vpce_action_name(VPCE_ACTION_DELETE_THEN_CREATE), "delete-then-create");
    vpce_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(render_create),
        cmocka_unit_test(render_mixed),
        cmocka_unit_test(render_drift),
        cmocka_unit_test(render_refresh_only),
        cmocka_unit_test(render_nochange),
        cmocka_unit_test(render_outputs_only),
        cmocka_unit_test(render_destroy_empty),
        cmocka_unit_test(render_text_facts),
        cmocka_unit_test(render_counts),
        cmocka_unit_test(render_text_values),
        cmocka_unit_test(render_text_streams_in_pieces),
        cmocka_unit_test(render_text_quotes),
        cmocka_unit_test(render_text_body_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
