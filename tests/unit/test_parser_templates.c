/*
 * Templates: quoted strings with escapes and interpolation (nested braces and strings inside
 * interpolations), the $${ and %%{ escapes, heredocs with <<EOF and <<-EOF indentation
 * stripping, and the literal/template shapes the evaluator relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tests/unit/test_parser_util.h"

/* Parses `text` as a file with one attribute and compares that attribute's expression. */
static void expect_attr(const char *text, const char *want)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    int rc = vpce_parse(&f, "t.vpce", text, strlen(text), &d);
    if (rc != 0) {
        char *msg = diags_str(&d);
        print_error("unexpected diagnostics for %s:\n%s", text, msg);
        free(msg);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(f->body->nattrs, 1);
    char *s = sx_expr_str(f->body->attrs[0]->expr);
    if (strcmp(s, want) != 0)
        print_error("%s\n  got:  %s\n  want: %s\n", text, s, want);
    assert_string_equal(s, want);
    free(s);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void templates_plain_string_is_literal(void **state)
{
    (void)state;
    const char *text = "a = \"hello\"\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "t.vpce", text, strlen(text), &d), 0);
    const vpce_ast_expr *e = f->body->attrs[0]->expr;
    assert_int_equal(e->kind, VPCE_EXPR_LITERAL);
    assert_string_equal(json_string_value(e->u.literal), "hello");
    assert_int_equal(e->range.start, 4); /* the quotes belong to the range */
    assert_int_equal(e->range.end, 11);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void templates_escapes(void **state)
{
    (void)state;
    expect_attr("a = \"q\\\"b\\\\s\\n\\r\\t\"\n", "\"q\\\"b\\\\s\\n\\r\\t\"");
    expect_attr("a = \"\\u00e9\\U0001F600\"\n", "\"\xc3\xa9\xf0\x9f\x98\x80\"");
    expect_attr("a = \"$${x} %%{y} $ % $x %x\"\n", "\"${x} %{y} $ % $x %x\"");
    expect_attr("a = \"caf\xc3\xa9\"\n", "\"caf\xc3\xa9\"");
}

static void templates_interpolation(void **state)
{
    (void)state;
    expect_attr("a = \"${x}\"\n", "(tmpl x)");
    expect_attr("a = \"a${x}b${y.z}c\"\n", "(tmpl \"a\" x \"b\" (. y z) \"c\")");
    expect_attr("a = \"${ {a = 1}.a }\"\n", "(tmpl (. (obj id:\"a\"=1) a))");
    expect_attr("a = \"${join(\",\", [for x in y : \"${x}-a\"])}\"\n",
                "(tmpl (call join \",\" (for[] - x y : (tmpl x \"-a\"))))");
    expect_attr("a = \"${\"${\"${x}\"}\"}\"\n", "(tmpl (tmpl (tmpl x)))");
    expect_attr("a = \"x${a ? \"}\" : \"{\"}y\"\n", "(tmpl \"x\" (? a \"}\" \"{\") \"y\")");
    expect_attr("a = \"pre\\n${x}\\tpost\"\n", "(tmpl \"pre\\n\" x \"\\tpost\")");
}

static void templates_interpolation_ranges(void **state)
{
    (void)state;
    const char *text = "a = \"ab${x}\"\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "t.vpce", text, strlen(text), &d), 0);
    const vpce_ast_expr *e = f->body->attrs[0]->expr;
    assert_int_equal(e->kind, VPCE_EXPR_TEMPLATE);
    assert_int_equal(e->u.list.n, 2);
    assert_int_equal(e->u.list.items[0]->range.start, 5);
    assert_int_equal(e->u.list.items[0]->range.end, 7);
    assert_int_equal(e->u.list.items[1]->range.start, 9);
    assert_int_equal(e->u.list.items[1]->range.end, 10);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void templates_heredoc(void **state)
{
    (void)state;
    expect_attr("a = <<EOF\nhello\n  world\nEOF\n", "\"hello\\n  world\\n\"");
    expect_attr("a = <<EOF\nhi ${name}!\n\\n stays\nEOF\n",
                "(tmpl \"hi \" name \"!\\n\\\\n stays\\n\")");
    expect_attr("a = <<EOF\nEOF\n", "\"\"");
    expect_attr("a = <<EOT\nEOF\n  EOT\n", "\"EOF\\n\"");    /* marker may be indented */
    expect_attr("a = <<EOF\r\nx\r\nEOF\r\n", "\"x\\r\\n\""); /* CRLF files */
    expect_attr("a = <<EOF\n$${x} %%{y}\nEOF\n", "\"${x} %{y}\\n\"");
    expect_attr("a = <<EOF\n${x}\nEOF", "(tmpl x \"\\n\")"); /* no final newline */
    const char *text = "b {\n  a = <<EOF\n  keep\n  EOF\n  c = 1\n}\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "t.vpce", text, strlen(text), &d), 0);
    const vpce_ast_body *b = f->body->blocks[0]->body;
    assert_int_equal(b->nattrs, 2);
    assert_string_equal(json_string_value(b->attrs[0]->expr->u.literal), "  keep\n");
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void templates_heredoc_indented(void **state)
{
    (void)state;
    /* <<- removes the smallest indentation of the content lines */
    expect_attr("a = <<-EOT\n    one\n      two\n    three\n    EOT\n",
                "\"one\\n  two\\nthree\\n\"");
    expect_attr("a = <<-EOT\n\t\tx\n\t\t\ty\n\tEOT\n", "\"x\\n\\ty\\n\"");
    /* blank lines do not count and keep their own newline */
    expect_attr("a = <<-EOT\n    a\n\n    b\n  EOT\n", "\"a\\n\\nb\\n\"");
    /* interpolations stay, the literal around them is stripped */
    expect_attr("a = <<-EOT\n  x ${v}\n    y\n  EOT\n", "(tmpl \"x \" v \"\\n  y\\n\")");
    /* a less indented line sets the amount */
    expect_attr("a = <<-EOT\n    a\n  b\n  EOT\n", "\"  a\\nb\\n\"");
}

static void templates_heredoc_in_expressions(void **state)
{
    (void)state;
    expect_attr("a = [<<EOF\nx\nEOF\n, \"y\"]\n", "(tuple \"x\\n\" \"y\")");
    expect_attr("a = f(<<-EOT\n  x\n  EOT\n)\n", "(call f \"x\\n\")");
    /* one interpolation of a literal is that literal */
    expect_attr("a = \"${<<EOF\nin\nEOF\n}\"\n", "\"in\\n\"");
}

static void templates_directives(void **state)
{
    (void)state;
    /* %{ if } is a conditional of templates, %{ for } a join over a for expression */
    /* (a template that is only a directive, and each branch or body, is a string: the empty
       literal that ends them makes it so, see templates_passthrough) */
    expect_attr("a = \"%{ if x }yes%{ else }no%{ endif }\"\n", "(tmpl (? x \"yes\" \"no\") \"\")");
    expect_attr("a = \"<%{ if x }${x}%{ endif }>\"\n",
                "(tmpl \"<\" (? x (tmpl x \"\") \"\") \">\")");
    expect_attr("a = \"%{if a}%{if b}ab%{endif}%{endif}\"\n",
                "(tmpl (? a (tmpl (? b \"ab\" \"\") \"\") \"\") \"\")");
    expect_attr("a = \"%{ for x in [1, 2] }${x},%{ endfor }\"\n",
                "(tmpl (call join \"\" (for[] - x (tuple 1 2) : (tmpl x \",\"))) \"\")");
    expect_attr("a = <<EOT\n%{ for k, v in m }${k}=${v}\n%{ endfor }\nEOT\n",
                "(tmpl (call join \"\" (for[] k v m : (tmpl k \"=\" v \"\\n\"))) \"\\n\")");
}

static void templates_strip_markers(void **state)
{
    (void)state;
    expect_attr("a = \"x  ${~ y ~}  z\"\n", "(tmpl \"x\" y \"z\")");
    expect_attr("a = \"x ${~y}\"\n", "(tmpl \"x\" y)");
    /* literal text, even stripped whole, makes the template a string */
    expect_attr("a = \" \t ${~y}\"\n", "(tmpl y \"\")");
}

/*
 * Strip markers, compared with HCL (hclsyntax's template parser and its tests): "~" trims the
 * whitespace of the adjacent literal *token* only. In a quoted string a literal token is the
 * whole run between two sequences (escaped newlines included); in a heredoc (and a template
 * file) a literal token ends with each line, so "~}" trims at most the rest of its own line
 * (its newline included) and "${~" / "%{~" at most the part of the line before it, or the whole
 * previous line when the sequence starts a line. The expected values are what HCL gives.
 */
static void templates_strip_markers_as_hcl(void **state)
{
    (void)state;
    /* HCL's own cases (expression_template_test.go), as quoted strings */
    expect_attr("a = \"trim ${~ \"trim\"}\"\n", "(tmpl \"trim\" \"trim\")");
    expect_attr("a = \"${\"trim\" ~} trim\"\n", "(tmpl \"trim\" \"trim\")");
    expect_attr("a = \" ${~ true ~} \"\n", "(tmpl true \"\")"); /* "true", not true */
    expect_attr("a = \"${\"hello \"}${~\"trim\"~}${\" hello\"}\"\n",
                "(tmpl \"hello \" \"trim\" \" hello\")"); /* nothing to trim between sequences */
    expect_attr("a = \"%{ if true ~} hello %{~ endif }\"\n", "(tmpl (? true \"hello\" \"\") \"\")");
    expect_attr("a = \"%{ if false ~} hello %{~ else ~} goodbye %{~ endif }\"\n",
                "(tmpl (? false \"hello\" \"goodbye\") \"\")");
    expect_attr("a = \"%{ for v in [\"a\", \"b\"] ~} ${v} %{~ endfor }\"\n",
                "(tmpl (call join \"\" (for[] - v (tuple \"a\" \"b\") : (tmpl v \"\"))) \"\")");
    expect_attr(
        "a = \"%{ for v in [\"a\", \"b\"] } ${v} %{ endfor }\"\n",
        "(tmpl (call join \"\" (for[] - v (tuple \"a\" \"b\") : (tmpl \" \" v \" \"))) \"\")");
    /* HCL's multi-line case, as a heredoc: trim\n${~"trim"~}\ntrim */
    expect_attr("a = <<EOT\ntrim\n${~\"trim\"~}\ntrim\nEOT\n",
                "(tmpl \"trim\" \"trim\" \"trim\\n\")");
    /* quoted strings: a literal token spans escaped newlines, and any Unicode space goes */
    expect_attr("a = \"a \\n\\t ${~x}\"\n", "(tmpl \"a\" x)");
    expect_attr("a = \"a\\u00a0\\u3000${~x~}\\u2003\\u0085b\"\n", "(tmpl \"a\" x \"b\")");

    /* heredocs: the issue's case, "~}" ends the directive's line, the next line stays */
    expect_attr("a = <<EOT\n%{ for i in l ~}\n  - ${i}\n%{ endfor ~}\ndone\nEOT\n",
                "(tmpl (call join \"\" (for[] - i l : (tmpl \"  - \" i \"\\n\"))) \"done\\n\")");
    /* "%{~" after indentation trims the indentation only, not the line before */
    expect_attr("a = <<EOT\nhello\n  %{~ if true ~}\n  world\n  %{~ endif ~}\nEOT\n",
                "(tmpl \"hello\\n\" (? true \"  world\\n\" \"\"))");
    /* at the start of a line it trims the previous line's end, newline included */
    expect_attr("a = <<EOT\nx  \n%{~ if true ~}\ny\n%{~ endif ~}\nz\nEOT\n",
                "(tmpl \"x\" (? true \"y\" \"\") \"z\\n\")");
    /* ... but only that line: a blank line before it stays empty, the line before that stays */
    expect_attr("a = <<EOT\na\n   \n${~x}\nEOT\n", "(tmpl \"a\\n\" x \"\\n\")");
    /* "~}" followed by text on its line: the spaces up to the text go, the next line stays */
    expect_attr("a = <<EOT\n%{ if true ~}   a\n  b\n%{ endif }\nEOT\n",
                "(tmpl (? true \"a\\n  b\\n\" \"\") \"\\n\")");
    expect_attr("a = <<EOT\nfoo \t ${~x}\nEOT\n", "(tmpl \"foo\" x \"\\n\")");
    /* a line of spaces after "~}": that line goes (its newline too), not the next one's indent */
    expect_attr("a = <<EOT\n${x~}   \n  y\nEOT\n", "(tmpl x \"  y\\n\")");
}

/* <<- heredocs with strip markers, as HCL computes the indentation to remove: after trimming,
 * over the literal tokens that start a line (a line of spaces only does not count and keeps its
 * spaces; a line that starts with a sequence counts as no indentation). */
static void templates_flush_heredoc_as_hcl(void **state)
{
    (void)state;
    /* a line of spaces only keeps them */
    expect_attr("a = <<-EOT\n    a\n      \n    b\n    EOT\n", "\"a\\n      \\nb\\n\"");
    /* "%{~" after indentation leaves that line's token empty: no indentation at all is removed */
    expect_attr("a = <<-EOT\n    a\n    %{~ if true ~}\n    b\n    %{~ endif ~}\n    EOT\n",
                "(tmpl \"    a\\n\" (? true \"    b\\n\" \"\"))");
    /* the line after "~}" no longer starts a line: it keeps its indentation */
    expect_attr("a = <<-EOT\n  %{ if true ~}\n  foo\n  %{ endif }\n  EOT\n",
                "(tmpl (? true \"  foo\\n\" \"\") \"\\n\")");
    /* a sequence starting a line counts as no indentation */
    expect_attr("a = <<-EOT\n${x}\n  y\n  EOT\n", "(tmpl x \"\\n  y\\n\")");
    expect_attr("a = <<-EOT\n  ${x}\n  y\n  EOT\n", "(tmpl x \"\\ny\\n\")");
    /* nested: a <<- heredoc inside an interpolation of another is flushed on its own */
    expect_attr(
        "a = <<-EOT\n    ${f(<<-IN\n      deep\n        deeper\n      IN\n    )}\n    x\n    EOT\n",
        "(tmpl (call f \"deep\\n  deeper\\n\") \"\\nx\\n\")");
}

/* Only a template that is exactly one interpolation passes its value through unconverted. */
static void templates_passthrough(void **state)
{
    (void)state;
    expect_attr("a = \"${x}\"\n", "(tmpl x)");
    expect_attr("a = \"${5}\"\n", "5");
    expect_attr("a = \" ${~5~} \"\n", "(tmpl 5 \"\")");
    expect_attr("a = \"%{ if c }${5}%{ endif }\"\n", "(tmpl (? c (tmpl 5 \"\") \"\") \"\")");
    expect_attr("a = <<EOT\n${x~}\nEOT\n", "(tmpl x \"\")");
}

static void templates_directive_errors(void **state)
{
    (void)state;
    const char *text = "a = \"%{ endif }\"\nb = \"%{ if x }\"\nc = \"%{ for x }%{ endfor }\"\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "t.vpce", text, strlen(text), &d), VPCE_EINVALID);
    assert_int_equal(d.len, 3);
    assert_string_equal(d.items[0].summary, "unexpected \"endif\"");
    assert_string_equal(d.items[0].detail, "expected \"for\" or \"if\"");
    assert_string_equal(d.items[1].summary, "unexpected end of string");
    assert_string_equal(d.items[2].summary, "unexpected \"}\"");
    vpce_file_free(f);
    vpce_diags_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_plain_string_is_literal),
        cmocka_unit_test(templates_escapes),
        cmocka_unit_test(templates_interpolation),
        cmocka_unit_test(templates_interpolation_ranges),
        cmocka_unit_test(templates_heredoc),
        cmocka_unit_test(templates_heredoc_indented),
        cmocka_unit_test(templates_heredoc_in_expressions),
        cmocka_unit_test(templates_directives),
        cmocka_unit_test(templates_strip_markers),
        cmocka_unit_test(templates_strip_markers_as_hcl),
        cmocka_unit_test(templates_flush_heredoc_as_hcl),
        cmocka_unit_test(templates_passthrough),
        cmocka_unit_test(templates_directive_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
