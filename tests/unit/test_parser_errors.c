/*
 * The parser on broken and hostile input: several errors reported in one run at the right
 * line:col, the printed form (caret lines included), and every way a file can end early or be
 * garbage: unterminated strings, heredocs, comments and interpolations, unclosed blocks, NUL
 * bytes, invalid UTF-8, a 10 MB line, 10,000 nested brackets, long operator chains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tests/unit/test_parser_util.h"

typedef struct want {
    int line, col;
    const char *summary;
} want;

/* Parses len bytes and checks the diagnostics, in order, against want[0..n). */
static void expect_errors_n(const char *text, size_t len, const want *w, size_t n)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    int rc = vpce_parse(&f, "e.vpce", text, len, &d);
    assert_int_equal(rc, VPCE_EINVALID);
    assert_non_null(f);
    assert_non_null(f->body);
    if (d.len != n) {
        char *msg = diags_str(&d);
        print_error("expected %zu diagnostics, got %zu:\n%s", n, d.len, msg);
        free(msg);
    }
    assert_int_equal(d.len, n);
    for (size_t i = 0; i < n; i++) {
        int line, col;
        assert_ptr_equal(d.items[i].range.src, f->src);
        vpce_source_pos(f->src, d.items[i].range.start, &line, &col);
        if (line != w[i].line || col != w[i].col || strcmp(d.items[i].summary, w[i].summary))
            print_error("diagnostic %zu: got %d:%d %s, want %d:%d %s\n", i, line, col,
                        d.items[i].summary, w[i].line, w[i].col, w[i].summary);
        assert_string_equal(d.items[i].summary, w[i].summary);
        assert_int_equal(line, w[i].line);
        assert_int_equal(col, w[i].col);
        assert_int_equal(d.items[i].severity, VPCE_DIAG_ERROR);
    }
    vpce_file_free(f);
    vpce_diags_release(&d);
}

#define EXPECT_ERRORS(text, ...)                                                                   \
    do {                                                                                           \
        const want w_[] = {__VA_ARGS__};                                                           \
        expect_errors_n((text), strlen(text), w_, sizeof(w_) / sizeof(w_[0]));                     \
    } while (0)

/* Characters that are not letters stop an identifier and are reported where they are. */
static void errors_unicode_identifiers(void **state)
{
    (void)state;
    EXPECT_ERRORS("a\xf0\x9f\x98\x80 = 1\n",
                  {1, 2, "invalid character \"\xf0\x9f\x98\x80\" (U+1F600)"});
    EXPECT_ERRORS("x = 1\nb\xc2\xa0= 2\n", {2, 2, "invalid character \"\xc2\xa0\" (U+00A0)"});
    EXPECT_ERRORS("\xe2\x82\xac = 3\n", {1, 1, "invalid character \"\xe2\x82\xac\" (U+20AC)"},
                  {1, 3, "unexpected \"=\""});
    EXPECT_ERRORS("y = local.\xcc\x81"
                  "a\n",
                  {1, 11, "invalid character \"\xcc\x81\" (U+0301)"});
}

static void errors_several_in_one_run(void **state)
{
    (void)state;
    const char *text = "a = 1\n"
                       "b = }\n"
                       "c = 2\n"
                       "d = [1, +]\n"
                       "e {\n"
                       "  f = \n"
                       "}\n"
                       "g = 3\n"
                       "h \"x\" {\n"
                       "  i = \"${j +}\"\n"
                       "}\n";
    EXPECT_ERRORS(text, {2, 5, "unexpected \"}\""}, {4, 9, "unexpected \"+\""},
                  {6, 7, "unexpected newline"}, {10, 13, "unexpected \"}\""});

    /* what parsed around the errors is kept */
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    vpce_parse(&f, "e.vpce", text, strlen(text), &d);
    char *s = sx_body_str(f->body);
    assert_string_equal(s, "a=1 c=2 g=3 e {} h [x] {i=\"\"}");
    free(s);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void errors_printed_form(void **state)
{
    (void)state;
    const char *text = "x = 1\nname\n  y = [1, +]\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "main.vpce", text, strlen(text), &d), VPCE_EINVALID);
    char *out = diags_str(&d);
    assert_string_equal(out, "main.vpce:2:5: error: expected \"=\" or a block body after \"name\"\n"
                             "  name\n"
                             "      ^\n"
                             "main.vpce:3:11: error: unexpected \"+\"\n"
                             "    y = [1, +]\n"
                             "            ^\n"
                             "  expected an expression or \"]\"\n");
    free(out);
    vpce_file_free(f);
    vpce_diags_release(&d);

    text = "a = <<EOF\nnever closed\n";
    assert_int_equal(vpce_parse(&f, "h.vpce", text, strlen(text), &d), VPCE_EINVALID);
    out = diags_str(&d);
    assert_string_equal(out, "h.vpce:1:5: error: unterminated heredoc \"EOF\" started here\n"
                             "  a = <<EOF\n"
                             "      ^~~~~\n"
                             "  the file ends before the closing marker line\n");
    free(out);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void errors_unterminated(void **state)
{
    (void)state;
    EXPECT_ERRORS("a = \"abc\nb = 1\n", {1, 5, "unterminated string"});
    EXPECT_ERRORS("a = \"abc", {1, 5, "unterminated string"});
    EXPECT_ERRORS("x = 1\na = <<-EOT\n  text\n",
                  {2, 5, "unterminated heredoc \"EOT\" started here"});
    EXPECT_ERRORS("a = 1\n/* comment\n\n", {2, 1, "unterminated comment"});
    EXPECT_ERRORS("a = <<EOF\n${x\n", {2, 1, "unclosed \"${\""});
    EXPECT_ERRORS("a {\n  b {\n    c = 1\n", {2, 5, "unclosed \"{\""});
    EXPECT_ERRORS("a = f(1,\n", {1, 6, "unclosed \"(\""});
    EXPECT_ERRORS("a = [1,\n2\n", {1, 5, "unclosed \"[\""});
    EXPECT_ERRORS("a = {\n  k = 1\n", {1, 5, "unclosed \"{\""});
}

static void errors_bodies(void **state)
{
    (void)state;
    EXPECT_ERRORS("name\n", {1, 5, "expected \"=\" or a block body after \"name\""});
    EXPECT_ERRORS("}\nok = 1\n", {1, 1, "unexpected \"}\""});
    EXPECT_ERRORS("a = 1 2\n", {1, 7, "unexpected \"2\""});
    EXPECT_ERRORS("b \"${x}\" {}\n", {1, 3, "block labels cannot contain interpolation"});
    EXPECT_ERRORS("a = \"\\q\"\n", {1, 6, "invalid escape sequence \"\\\\q\""});
    EXPECT_ERRORS("a = \"\\uD800\"\n", {1, 6, "invalid unicode escape"});
    EXPECT_ERRORS("a = 1 ; b = 2\n", {1, 7, "invalid character \";\""}, {1, 9, "unexpected \"b\""});
}

static void errors_expected_details(void **state)
{
    (void)state;
    const char *text = "a = 1 2\nb = [1 2]\nc = {a = 1 b = 2}\nd = [for x y]\n";
    const char *details[] = {"expected an operator or the end of the line",
                             "expected an operator, \",\" or a closing bracket",
                             "expected an operator, \",\" or a newline",
                             "expected \"in\" or \",\""};
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "e.vpce", text, strlen(text), &d), VPCE_EINVALID);
    assert_int_equal(d.len, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(d.items[i].detail, details[i]);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void errors_binary_input(void **state)
{
    (void)state;
    const char nul[] = "a = \"x\0y\"\nb = 1\0\n";
    const want w1[] = {{1, 7, "invalid character \"\\x00\""},
                       {2, 6, "invalid character \"\\x00\""}};
    expect_errors_n(nul, sizeof(nul) - 1, w1, 2);

    const char *bad = "a = \"\xff\xfe\"\nb = \xe2\x82\xac\n# \xc0 comment\n";
    EXPECT_ERRORS(bad, {1, 6, "invalid UTF-8"},
                  {2, 5, "invalid character \"\xe2\x82\xac\" (U+20AC)"},
                  {2, 6, "unexpected newline"}, {3, 3, "invalid UTF-8"});

    /* pseudo-random binary data: errors, capped, never a crash */
    size_t len = 1 << 20;
    char *buf = malloc(len);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)(x >> 16);
    }
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "bin", buf, len, &d), VPCE_EINVALID);
    assert_true(d.len > 0 && d.len <= 101);
    assert_string_equal(d.items[d.len - 1].summary, "too many errors in this file, giving up");
    vpce_file_free(f);
    vpce_diags_release(&d);
    free(buf);
}

static void errors_huge_line(void **state)
{
    (void)state;
    size_t n = 10u * 1024 * 1024;
    char *buf = malloc(n + 16);
    memcpy(buf, "a = \"", 5);
    memset(buf + 5, 'x', n);
    memcpy(buf + 5 + n, "\"\n", 2);
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "big", buf, n + 7, &d), 0);
    assert_int_equal(json_string_length(f->body->attrs[0]->expr->u.literal), n);
    vpce_file_free(f);
    /* the same line, never closed */
    assert_int_equal(vpce_parse(&f, "big", buf, n + 5, &d), VPCE_EINVALID);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].summary, "unterminated string");
    vpce_file_free(f);
    vpce_diags_release(&d);
    /* a 10 MB line of one token after another */
    for (size_t i = 4; i + 4 < n; i += 4)
        memcpy(buf + i, "a + ", 4);
    memcpy(buf, "a = ", 4);
    size_t len = n - (n % 4);
    memcpy(buf + len - 4, "1\n\n\n", 4);
    assert_int_equal(vpce_parse(&f, "big", buf, len, &d), VPCE_EINVALID);
    assert_string_equal(d.items[0].summary, "expression nested too deeply");
    vpce_file_free(f);
    vpce_diags_release(&d);
    free(buf);
}

static void errors_deep_nesting(void **state)
{
    (void)state;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_puts(&b, "a = ");
    for (int i = 0; i < 10000; i++)
        vpce_buf_putc(&b, '[');
    for (int i = 0; i < 10000; i++)
        vpce_buf_putc(&b, ']');
    vpce_buf_putc(&b, '\n');
    EXPECT_ERRORS(b.data, {1, 261, "expression nested too deeply"});

    vpce_buf_clear(&b);
    for (int i = 0; i < 10000; i++)
        vpce_buf_puts(&b, "a {\n");
    EXPECT_ERRORS(b.data, {257, 3, "expression nested too deeply"});

    vpce_buf_clear(&b);
    vpce_buf_puts(&b, "a = ");
    for (int i = 0; i < 10000; i++)
        vpce_buf_puts(&b, "\"${");
    EXPECT_ERRORS(b.data, {1, 389, "expression nested too deeply"});

    vpce_buf_clear(&b);
    vpce_buf_puts(&b, "a = ");
    for (int i = 0; i < 100000; i++)
        vpce_buf_putc(&b, '-');
    vpce_buf_puts(&b, "1\n");
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "deep", b.data, b.len, &d), VPCE_EINVALID);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].summary, "expression nested too deeply");
    assert_int_equal(f->body->nattrs, 0); /* a refused tree is not handed out */
    vpce_file_free(f);
    vpce_diags_release(&d);

    /* 256 levels are still fine */
    vpce_buf_clear(&b);
    vpce_buf_puts(&b, "a = ");
    for (int i = 0; i < 200; i++)
        vpce_buf_putc(&b, '(');
    vpce_buf_putc(&b, '1');
    for (int i = 0; i < 200; i++)
        vpce_buf_putc(&b, ')');
    assert_int_equal(vpce_parse(&f, "ok", b.data, b.len, &d), 0);
    vpce_file_free(f);
    vpce_diags_release(&d);
    vpce_buf_release(&b);
}

static void errors_expression_mode(void **state)
{
    (void)state;
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    vpce_ast_expr *e = NULL;
    assert_int_equal(vpce_parse_expr(&f, &e, "-var x", "[1, ", 4, &d), VPCE_EINVALID);
    assert_null(e);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].summary, "unclosed \"[\"");
    vpce_file_free(f);
    vpce_diags_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_several_in_one_run),
        cmocka_unit_test(errors_unicode_identifiers),
        cmocka_unit_test(errors_printed_form),
        cmocka_unit_test(errors_unterminated),
        cmocka_unit_test(errors_bodies),
        cmocka_unit_test(errors_expected_details),
        cmocka_unit_test(errors_binary_input),
        cmocka_unit_test(errors_huge_line),
        cmocka_unit_test(errors_deep_nesting),
        cmocka_unit_test(errors_expression_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
