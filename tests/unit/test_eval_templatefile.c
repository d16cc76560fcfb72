/*
 * templatefile(): errors inside a template point into the template file itself (name, line,
 * column, source line and caret), stay printable after the call has freed the template, and deep
 * nesting is an error rather than a crash. Also the evaluator's own depth bound.
 */
#include "test_eval_common.h"

#include <unistd.h>

static char t_dir[64];

static int tf_setup(void **state)
{
    snprintf(t_dir, sizeof(t_dir), "/tmp/vpce_tplXXXXXX");
    if (!mkdtemp(t_dir))
        return -1;
    return t_setup(state);
}

static int tf_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", t_dir);
    if (system(cmd) != 0)
        return -1;
    return t_teardown(state);
}

static void write_tpl(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", t_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* templatefile(name, vars_json) evaluated with the temporary directory as base. */
static json_t *render(const char *name, const char *vars_json)
{
    json_t *args[2] = {json_string(name), jparse(vars_json)};
    json_t *scope = json_object();
    vpce_eval_ctx ctx = {scope, t_dir, &t_diags, NULL, NULL};
    vpce_range r = {NULL, 0, 0};
    json_t *v = vpce_eval_call(&ctx, "templatefile", args, 2, r);
    json_decref(args[0]);
    json_decref(args[1]);
    json_decref(scope);
    return v;
}

/* The diagnostics as vpce_diags_print writes them (caller frees). */
static char *printed(void)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    assert_non_null(m);
    vpce_diags_print(&t_diags, m, false);
    fclose(m);
    return out;
}

static void expect_printed(const char *expected)
{
    char *out = printed();
    if (strcmp(out, expected) != 0) {
        print_error("expected:\n%s\ngot:\n%s\n", expected, out);
        free(out);
        fail();
    }
    free(out);
}

static void templatefile_unknown_variable_names_template_position(void **state)
{
    (void)state;
    write_tpl("t.tpl", "first line\nhello ${nme}\n");
    json_t *v = render("t.tpl", "{\"name\": \"x\"}");
    assert_null(v);
    assert_int_equal(t_diags.len, 1);
    /* the template's source was freed by the call; the diagnostic keeps it alive */
    const vpce_source *src = t_diags.items[0].range.src;
    assert_non_null(src);
    char want_name[128];
    snprintf(want_name, sizeof(want_name), "%s/t.tpl", t_dir);
    assert_string_equal(src->name, want_name);
    char expected[512];
    snprintf(expected, sizeof(expected),
             "%s:2:9: error: unknown variable \"nme\"\n"
             "  hello ${nme}\n"
             "          ^~~\n"
             "  there is no variable with that name here\n",
             want_name);
    expect_printed(expected);
}

static void templatefile_syntax_error_names_template_position(void **state)
{
    (void)state;
    write_tpl("s.tpl", "a\nb ${x +}\n");
    json_t *v = render("s.tpl", "{\"x\": 1}");
    assert_null(v);
    assert_true(t_diags.len >= 2);
    const vpce_diag *g = &t_diags.items[0];
    assert_non_null(g->range.src);
    int line, col;
    vpce_source_pos(g->range.src, g->range.start, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 8);
    assert_string_equal(g->summary, "unexpected \"}\"");
    /* the call site says which template failed */
    assert_string_equal(t_diags.items[t_diags.len - 1].summary,
                        "call to function \"templatefile\" failed: the template s.tpl has "
                        "errors");
    char *out = printed();
    assert_non_null(strstr(out, "s.tpl:2:8: error: unexpected \"}\"\n  b ${x +}\n         ^\n"));
    free(out);
}

static void templatefile_unclosed_interpolation_at_end(void **state)
{
    (void)state;
    write_tpl("u.tpl", "hello ${");
    assert_null(render("u.tpl", "{}"));
    assert_true(t_diags.len >= 1);
    assert_string_equal(t_diags.items[0].summary, "unclosed \"${\"");
    int line, col;
    vpce_source_pos(t_diags.items[0].range.src, t_diags.items[0].range.start, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 7);
}

static void templatefile_deep_if_nesting_is_an_error(void **state)
{
    (void)state;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (int i = 0; i < 10000; i++)
        vpce_buf_puts(&b, "%{if true}");
    vpce_buf_puts(&b, "x");
    for (int i = 0; i < 10000; i++)
        vpce_buf_puts(&b, "%{endif}");
    write_tpl("deep.tpl", b.data);
    vpce_buf_release(&b);
    assert_null(render("deep.tpl", "{}"));
    assert_true(t_diags.len >= 1);
    assert_string_equal(t_diags.items[0].summary, "expression nested too deeply");
    assert_non_null(t_diags.items[0].range.src);
    char *out = printed(); /* must not touch freed memory */
    assert_non_null(strstr(out, "deep.tpl:1:"));
    free(out);
}

static void templatefile_moderate_nesting_still_renders(void **state)
{
    (void)state;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (int i = 0; i < 50; i++)
        vpce_buf_puts(&b, "%{if true}");
    vpce_buf_puts(&b, "x");
    for (int i = 0; i < 50; i++)
        vpce_buf_puts(&b, "%{endif}");
    vpce_buf_puts(&b, "\n");
    write_tpl("ok.tpl", b.data);
    vpce_buf_release(&b);
    assert_json(render("ok.tpl", "{}"), "\"x\\n\"");
    write_tpl("plain.tpl", "no newline ${n}");
    assert_json(render("plain.tpl", "{\"n\": 5}"), "\"no newline 5\"");
    write_tpl("marker.tpl", "EOF\nVPCE_TEMPLATE_EOF_0\n${n}\n");
    assert_json(render("marker.tpl", "{\"n\": 1}"), "\"EOF\\nVPCE_TEMPLATE_EOF_0\\n1\\n\"");
}

/* A syntax tree deeper than the evaluator's bound (built without the parser) is an error. */
static void eval_deep_tree_is_an_error(void **state)
{
    (void)state;
    E *e = lit("true");
    for (int i = 0; i < 100000; i++)
        e = un(VPCE_OP_NOT, e);
    assert_err(eval_in(e, NULL), "expression nested too deeply to evaluate");
    E *ok = lit("true");
    for (int i = 0; i < 1000; i++)
        ok = un(VPCE_OP_NOT, ok);
    assert_json(eval_in(ok, NULL), "true");
}

/* A diagnostic stays printable after the file it points into is freed. */
static void diag_outlives_its_file(void **state)
{
    (void)state;
    vpce_file *f = NULL;
    vpce_ast_expr *e = NULL;
    const char *text = "1 +\n";
    vpce_parse_expr(&f, &e, "gone.vpce", text, strlen(text), &t_diags);
    vpce_file_free(f);
    assert_true(t_diags.len >= 1);
    char *out = printed();
    assert_non_null(strstr(out, "gone.vpce:"));
    free(out);
}

int main(void)
{
#define TF(f) cmocka_unit_test_setup_teardown(f, tf_setup, tf_teardown)
    const struct CMUnitTest tests[] = {
        TF(templatefile_unknown_variable_names_template_position),
        TF(templatefile_syntax_error_names_template_position),
        TF(templatefile_unclosed_interpolation_at_end),
        TF(templatefile_deep_if_nesting_is_an_error),
        TF(templatefile_moderate_nesting_still_renders),
        TF(eval_deep_tree_is_an_error),
        TF(diag_outlives_its_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
