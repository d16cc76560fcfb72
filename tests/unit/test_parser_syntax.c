/*
 * The parser on valid input: bodies, blocks, labels, every expression form with HCL's
 * precedence, traversals and splats, for expressions, newline rules, and node ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <unistd.h>

#include "tests/unit/test_parser_util.h"

/* Parses text as a file; asserts success; returns the body's S-expression (caller frees). */
static char *body_of(const char *text)
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
    assert_int_equal(d.len, 0);
    char *s = sx_body_str(f->body);
    vpce_file_free(f);
    vpce_diags_release(&d);
    return s;
}

/* Parses text as one expression and compares its S-expression. */
static void expect_expr(const char *text, const char *want)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    vpce_ast_expr *e = NULL;
    int rc = vpce_parse_expr(&f, &e, "expr", text, strlen(text), &d);
    if (rc != 0) {
        char *msg = diags_str(&d);
        print_error("unexpected diagnostics for %s:\n%s", text, msg);
        free(msg);
    }
    assert_int_equal(rc, 0);
    assert_non_null(e);
    char *s = sx_expr_str(e);
    if (strcmp(s, want) != 0)
        print_error("%s\n  got:  %s\n  want: %s\n", text, s, want);
    assert_string_equal(s, want);
    free(s);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void expect_body(const char *text, const char *want)
{
    char *s = body_of(text);
    if (strcmp(s, want) != 0)
        print_error("got:  %s\nwant: %s\n", s, want);
    assert_string_equal(s, want);
    free(s);
}

static void parser_attributes_and_blocks(void **state)
{
    (void)state;
    expect_body("a = 1\nb = \"x\"\n", "a=1 b=\"x\"");
    expect_body("a = 1", "a=1"); /* no final newline */
    expect_body("", "");
    expect_body("\n\n# only a comment\n", "");
    expect_body("resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
                "resource [aws_vpc] [main] {cidr_block=\"10.0.0.0/16\"}");
    expect_body("locals {}\n", "locals {}");
    expect_body("a b c {\n}\n", "a [b] [c] {}");
    expect_body("a { b = 1 }\n", "a {b=1}");
    expect_body("a \"x\" { b {} }\n", "a [x] {b {}}");
    expect_body("outer {\n  inner \"l\" {\n    x = true\n  }\n  y = null\n}\n",
                "outer {y=null inner [l] {x=true}}");
    expect_body("a = 1 # c\nb = 2 // c\n/* c\n */ c = 3\n", "a=1 b=2 c=3");
    expect_body("a = 1\r\nb {\r\n  c = 2\r\n}\r\n", "a=1 b {c=2}");
}

static void parser_literals(void **state)
{
    (void)state;
    expect_expr("42", "42");
    expect_expr("1.5", "1.5");
    expect_expr("1e3", "1000");
    expect_expr("2.5E-1", "0.25");
    expect_expr("true", "true");
    expect_expr("false", "false");
    expect_expr("null", "null");
    expect_expr("\"s\"", "\"s\"");
    expect_expr("\"\"", "\"\"");
}

static void parser_operators_precedence(void **state)
{
    (void)state;
    expect_expr("1 + 2 * 3", "(+ 1 (* 2 3))");
    expect_expr("1 * 2 + 3", "(+ (* 1 2) 3)");
    expect_expr("1 - 2 - 3", "(- (- 1 2) 3)");
    expect_expr("8 / 4 % 3", "(% (/ 8 4) 3)");
    expect_expr("a < b == c >= d", "(== (< a b) (>= c d))");
    expect_expr("a || b && c", "(|| a (&& b c))");
    expect_expr("a && b || c", "(|| (&& a b) c)");
    expect_expr("a != b && c <= d", "(&& (!= a b) (<= c d))");
    expect_expr("!a && -b > 1", "(&& (! a) (> (neg b) 1))");
    expect_expr("-a.b", "(neg (. a b))");
    expect_expr("a ? b : c ? d : e", "(? a b (? c d e))");
    expect_expr("a || b ? 1 + 2 : 3", "(? (|| a b) (+ 1 2) 3)");
    expect_expr("(1 + 2) * 3", "(* (paren (+ 1 2)) 3)");
    expect_expr("!!x", "(! (! x))");
    expect_expr("a - -1", "(- a (neg 1))");
}

static void parser_collections(void **state)
{
    (void)state;
    expect_expr("[]", "(tuple)");
    expect_expr("[1, 2,]", "(tuple 1 2)");
    expect_expr("[\n  1,\n  2\n]", "(tuple 1 2)");
    expect_expr("{}", "(obj)");
    expect_expr("{ a = 1, \"b\" = 2, (k) = 3, c: 4 }",
                "(obj id:\"a\"=1 \"b\"=2 (paren k)=3 id:\"c\"=4)");
    expect_expr("{\n  a = 1\n\n  b = [\n    2,\n  ]\n}", "(obj id:\"a\"=1 id:\"b\"=(tuple 2))");
    expect_expr("{ a = 1,\n b = 2, }", "(obj id:\"a\"=1 id:\"b\"=2)");
    expect_expr("{ a = { b = { c = 1 } } }", "(obj id:\"a\"=(obj id:\"b\"=(obj id:\"c\"=1)))");
}

static void parser_calls(void **state)
{
    (void)state;
    expect_expr("f()", "(call f)");
    expect_expr("f(1, \"a\")", "(call f 1 \"a\")");
    expect_expr("f(1, 2,)", "(call f 1 2)");
    expect_expr("concat(a, b...)", "(call concat a b ...)");
    expect_expr("f(\n  a,\n  g(b)\n)", "(call f a (call g b))");
    expect_expr("jsonencode({ a = [1] })", "(call jsonencode (obj id:\"a\"=(tuple 1)))");
}

/* HCL identifiers are Unicode: ID_Start, then ID_Continue and '-'. */
static void parser_unicode_identifiers(void **state)
{
    (void)state;
    expect_body("größe = 1\n", "größe=1");
    expect_body("variable \"größe\" {}\n", "variable [größe] {}");
    expect_expr("local.数", "(. local 数)");
    expect_expr("var.größe-x", "(. var größe-x)");
    expect_expr("local.café\xcc\x81", "(. local café\xcc\x81)"); /* a combining accent */
    expect_expr("local.Ωμέγα_2", "(. local Ωμέγα_2)");
    expect_expr("local.名前1", "(. local 名前1)");
}

static void parser_traversals_and_splats(void **state)
{
    (void)state;
    expect_expr("var.region", "(. var region)");
    expect_expr("aws_vpc.main.id", "(. (. aws_vpc main) id)");
    expect_expr("a[0]", "(idx a 0)");
    expect_expr("a[\"k\"].b", "(. (idx a \"k\") b)");
    expect_expr("a.0.b", "(. (idx a 0) b)");
    expect_expr("a.0.1", "(idx (idx a 0) 1)");
    expect_expr("a[count.index]", "(idx a (. count index))");
    expect_expr("a[*]", "(splat a @)");
    expect_expr("a[*].id", "(splat a (. @ id))");
    expect_expr("a[*].b[0].c", "(splat a (. (idx (. @ b) 0) c))");
    expect_expr("a.*.id", "(splat a (. @ id))");
    expect_expr("a.*.b[0]", "(idx (splat a (. @ b)) 0)");
    expect_expr("length(a[*].id)", "(call length (splat a (. @ id)))");
    expect_expr("each.value.true", "(. (. each value) true)");
}

static void parser_for_expressions(void **state)
{
    (void)state;
    expect_expr("[for s in list : upper(s)]", "(for[] - s list : (call upper s))");
    expect_expr("[for i, s in list : s if i > 0]", "(for[] i s list : s if (> i 0))");
    expect_expr("{for k, v in m : k => v}", "(for{} k v m : k => v)");
    expect_expr("{for k, v in m : v => k...}", "(for{} k v m : v => k...)");
    expect_expr("{\n  for k, v in m :\n  k => v\n  if v != null\n}",
                "(for{} k v m : k => v if (!= v null))");
    expect_expr("[for x in [for y in z : y] : [for w in x : w]]",
                "(for[] - x (for[] - y z : y) : (for[] - w x : w))");
    /* `for`, `in`, `if` are only keywords where a for expression needs them */
    expect_expr("{ in = 1, if = 2 }", "(obj id:\"in\"=1 id:\"if\"=2)");
    expect_body("for_each = toset(a)\nif = 1\nin = 2\n", "for_each=(call toset a) if=1 in=2");
}

static void parser_newlines_inside_brackets(void **state)
{
    (void)state;
    expect_body("a = f(\n1,\n2)\nb = [\n\n]\nc = (\n1\n+\n2\n)\n",
                "a=(call f 1 2) b=(tuple) c=(paren (+ 1 2))");
    expect_body("a = \"${\nx\n}\"\n", "a=(tmpl x)");
}

static void parser_ranges(void **state)
{
    (void)state;
    const char *text = "resource \"t\" \"n\" {\n  count = var.n + 1\n}\nx = [a, b]\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "t.vpce", text, strlen(text), &d), 0);
    const vpce_ast_block *b = f->body->blocks[0];
    assert_ptr_equal(b->type_range.src, f->src);
    assert_int_equal(b->type_range.start, 0);
    assert_int_equal(b->type_range.end, 8);
    assert_int_equal(b->nlabels, 2);
    assert_int_equal(b->label_ranges[0].start, 9); /* "t" including quotes */
    assert_int_equal(b->label_ranges[0].end, 12);
    assert_int_equal(b->open_range.start, 0);
    assert_int_equal(b->open_range.end, 18); /* through "{" */
    assert_int_equal(b->range.end, 40);      /* through "}" */
    const vpce_ast_attr *a = b->body->attrs[0];
    assert_int_equal(a->name_range.start, 21);
    assert_int_equal(a->name_range.end, 26);
    assert_int_equal(a->range.start, 21);
    assert_int_equal(a->range.end, 38);
    const vpce_ast_expr *e = a->expr;
    assert_int_equal(e->kind, VPCE_EXPR_BINARY);
    assert_int_equal(e->range.start, 29);
    assert_int_equal(e->range.end, 38);
    const vpce_ast_expr *lhs = e->u.binary.lhs;
    assert_int_equal(lhs->kind, VPCE_EXPR_GETATTR);
    assert_int_equal(lhs->u.getattr.name_range.start, 33);
    assert_int_equal(lhs->u.getattr.name_range.end, 34);
    int line, col;
    vpce_source_pos(f->src, lhs->range.start, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 11);
    const vpce_ast_attr *x = f->body->attrs[0];
    assert_int_equal(x->expr->kind, VPCE_EXPR_TUPLE);
    assert_int_equal(x->expr->range.start, 45);
    assert_int_equal(x->expr->range.end, 51);
    assert_int_equal(x->expr->u.list.items[1]->range.start, 49);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void parser_literals_owned_by_file(void **state)
{
    (void)state;
    const char *text = "a = [1, \"two\", true, null, 2.5]\n";
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "t.vpce", text, strlen(text), &d), 0);
    assert_true(f->literals.len >= 5);
    const vpce_ast_expr *t = f->body->attrs[0]->expr;
    assert_true(json_is_integer(t->u.list.items[0]->u.literal));
    assert_string_equal(json_string_value(t->u.list.items[1]->u.literal), "two");
    assert_true(json_is_real(t->u.list.items[4]->u.literal));
    vpce_file_free(f); /* ASan checks the literals are released */
    vpce_diags_release(&d);
}

static void parser_expr_mode(void **state)
{
    (void)state;
    expect_expr("  [\"a\", \"b\"]  \n", "(tuple \"a\" \"b\")");
    expect_expr("{ x = 1 }", "(obj id:\"x\"=1)");
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    vpce_ast_expr *e = (vpce_ast_expr *)1;
    assert_int_equal(vpce_parse_expr(&f, &e, "v", "1 2", 3, &d), VPCE_EINVALID);
    assert_null(e);
    assert_true(d.nerrors > 0);
    vpce_file_free(f);
    vpce_diags_release(&d);
    e = (vpce_ast_expr *)1;
    assert_int_equal(vpce_parse_expr(&f, &e, "v", "", 0, &d), VPCE_EINVALID);
    assert_null(e);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void parser_parse_file(void **state)
{
    (void)state;
    char path[] = "/tmp/vpce_parser_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "x = 1\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse_file(&f, path, &d), 0);
    assert_string_equal(f->src->name, path);
    assert_int_equal(f->body->nattrs, 1);
    vpce_file_free(f);
    unlink(path);
    assert_true(vpce_parse_file(&f, path, &d) != 0);
    assert_null(f);
    assert_int_equal(d.nerrors, 1);
    vpce_diags_release(&d);
}

static void parser_large_config_parses_whole(void **state)
{
    (void)state;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (int i = 0; i < 10000; i++)
        vpce_buf_printf(&b,
                        "resource \"aws_vpc_endpoint\" \"ep%d\" {\n"
                        "  vpc_id            = aws_vpc.main[%d].id\n"
                        "  service_name      = \"com.amazonaws.${var.region}.svc%d\"\n"
                        "  subnet_ids        = [for s in aws_subnet.p : s.id if s.az != \"\"]\n"
                        "  security_group_ids = [aws_security_group.ep.id]\n"
                        "  policy = jsonencode({\n"
                        "    Statement = [{ Effect = \"Allow\", Principal = \"*\" }]\n"
                        "  })\n"
                        "  tags = merge(local.tags, { Name = \"ep-%d\" })\n"
                        "}\n\n",
                        i, i % 3, i, i);
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_file *f = NULL;
    /* The behaviour only; how fast it parses is measured by bench/, never asserted here. */
    assert_int_equal(vpce_parse(&f, "big.vpce", b.data, b.len, &d), 0);
    assert_int_equal(d.len, 0);
    assert_int_equal(f->body->nblocks, 10000);
    assert_int_equal(f->body->nattrs, 0);
    for (size_t i = 0; i < f->body->nblocks; i += 1111) {
        const vpce_ast_block *blk = f->body->blocks[i];
        char name[32];
        snprintf(name, sizeof(name), "ep%zu", i);
        assert_string_equal(blk->type, "resource");
        assert_int_equal(blk->nlabels, 2);
        assert_string_equal(blk->labels[0], "aws_vpc_endpoint");
        assert_string_equal(blk->labels[1], name);
        assert_int_equal(blk->body->nattrs, 6);
    }
    vpce_file_free(f);
    vpce_diags_release(&d);
    vpce_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser_attributes_and_blocks),
        cmocka_unit_test(parser_literals),
        cmocka_unit_test(parser_operators_precedence),
        cmocka_unit_test(parser_collections),
        cmocka_unit_test(parser_calls),
        cmocka_unit_test(parser_traversals_and_splats),
        cmocka_unit_test(parser_unicode_identifiers),
        cmocka_unit_test(parser_for_expressions),
        cmocka_unit_test(parser_newlines_inside_brackets),
        cmocka_unit_test(parser_ranges),
        cmocka_unit_test(parser_literals_owned_by_file),
        cmocka_unit_test(parser_expr_mode),
        cmocka_unit_test(parser_parse_file),
        cmocka_unit_test(parser_large_config_parses_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
