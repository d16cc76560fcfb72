/*
 * The formatter: indentation, `=` alignment and what breaks it, token spacing, comments kept
 * and aligned, heredocs untouched, blank lines, refusing broken input, idempotence on every
 * input here and in the fuzz corpus, and `vpce fmt` itself (-check, -diff, rewriting, stdin).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/test_parser_util.h"

/* Formats text, compares with want, and checks that want is a fixed point. */
static void expect_fmt(const char *text, const char *want)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    char *out = NULL;
    int rc = vpce_fmt(&out, "f.vpce", text, strlen(text), &d);
    if (rc != 0) {
        char *msg = diags_str(&d);
        print_error("unexpected diagnostics:\n%s", msg);
        free(msg);
    }
    assert_int_equal(rc, 0);
    if (strcmp(out, want) != 0)
        print_error("input:\n%s\ngot:\n%s\nwant:\n%s\n", text, out, want);
    assert_string_equal(out, want);
    char *again = NULL;
    assert_int_equal(vpce_fmt(&again, "f.vpce", out, strlen(out), &d), 0);
    assert_string_equal(again, out);
    free(again);
    free(out);
    vpce_diags_release(&d);
}

static void fmt_indentation(void **state)
{
    (void)state;
    expect_fmt("resource \"a\" \"b\" {\n"
               "tags = {\n"
               "Name = \"x\"\n"
               "LongerKey = \"y\"\n"
               "}\n"
               "list = [\n"
               "1,\n"
               "2,\n"
               "]\n"
               "nested {\n"
               "x=1\n"
               "      }\n"
               "}\n",
               "resource \"a\" \"b\" {\n"
               "  tags = {\n"
               "    Name      = \"x\"\n"
               "    LongerKey = \"y\"\n"
               "  }\n"
               "  list = [\n"
               "    1,\n"
               "    2,\n"
               "  ]\n"
               "  nested {\n"
               "    x = 1\n"
               "  }\n"
               "}\n");
    /* several brackets opened on one line indent one level */
    expect_fmt("a = jsonencode({\nStatement = [{\nEffect = \"Allow\"\n}]\n})\n",
               "a = jsonencode({\n"
               "  Statement = [{\n"
               "    Effect = \"Allow\"\n"
               "  }]\n"
               "})\n");
    expect_fmt("a = f(\n1,\n[\n2\n]\n)\n", "a = f(\n  1,\n  [\n    2\n  ]\n)\n");
}

static void fmt_alignment(void **state)
{
    (void)state;
    expect_fmt("a=1\nbcd = 2\n\ne = 3\n", "a   = 1\nbcd = 2\n\ne = 3\n");
    /* a comment line or a block ends the group */
    expect_fmt("a = 1\n# c\nlong = 2\n", "a = 1\n# c\nlong = 2\n");
    expect_fmt("a = 1\nb {}\nlong = 2\n", "a = 1\nb {}\nlong = 2\n");
    /* a multi-line value ends it too; its own `=` is not aligned */
    expect_fmt("a = 1\nlonger = {\nx = 1\n}\nb = 2\nccc = 3\n",
               "a = 1\nlonger = {\n  x = 1\n}\nb   = 2\nccc = 3\n");
    /* single-line objects and calls align */
    expect_fmt("a = { x = 1 }\nlong = f(1)\n", "a    = { x = 1 }\nlong = f(1)\n");
    /* a heredoc belongs to its attribute's line: the lines around it align as one run */
    expect_fmt("a = 1\nlong = <<EOF\nx\nEOF\nb = 2\nccc = 3\n",
               "a    = 1\nlong = <<EOF\nx\nEOF\nb    = 2\nccc  = 3\n");
    /* inside objects too, per nesting level */
    expect_fmt("x = {\na = 1\nbbb = {\nc = 1\ndddd = 2\n}\n}\n",
               "x = {\n  a = 1\n  bbb = {\n    c    = 1\n    dddd = 2\n  }\n}\n");
}

static void fmt_spacing(void **state)
{
    (void)state;
    expect_fmt("a=f( 1 ,2 )\n"
               "b = x [ 0 ]\n"
               "c = - 1\n"
               "d = !  x\n"
               "e = a.b [*]. c\n"
               "f={for k,v in m:k=>v...}\n"
               "g = [ for x in y : x ]\n"
               "h = a?b:c\n"
               "i = (1+2)*3\n"
               "k = [-1, - 2, x - -3]\n"
               "l = a.*.b\n"
               "m = {  }\n"
               "o = f(a...)\n"
               "q = 1<=2&&!(3==4)||5%2>1\n",
               "a = f(1, 2)\n"
               "b = x[0]\n"
               "c = -1\n"
               "d = !x\n"
               "e = a.b[*].c\n"
               "f = { for k, v in m : k => v... }\n"
               "g = [for x in y : x]\n"
               "h = a ? b : c\n"
               "i = (1 + 2) * 3\n"
               "k = [-1, -2, x - -3]\n"
               "l = a.*.b\n"
               "m = {}\n"
               "o = f(a...)\n"
               "q = 1 <= 2 && !(3 == 4) || 5 % 2 > 1\n");
    expect_fmt("blk   \"x\"   y{\n}\n", "blk \"x\" y {\n}\n");
    expect_fmt("a { b = 1 }\n", "a { b = 1 }\n");
    /* "in" before "[" keeps its space; otherwise for/in/if are identifiers to hclwrite's rules,
       so terraform fmt writes "in(y)", "if(x > 1)" and "if - x": vpce fmt does the same */
    expect_fmt("a = [for x in [1,2] : x if (x > 1)]\nb = [for x in (y) : -x if -x<0]\n",
               "a = [for x in [1, 2] : x if(x > 1)]\nb = [for x in(y) : -x if - x < 0]\n");
    /* a trailing comma keeps its space before the bracket */
    expect_fmt("a = [1,2,]\n", "a = [1, 2, ]\n");
    /* literal text is copied as written; the tokens of interpolations are spaced */
    expect_fmt("a = \"${ x }  y\"\n", "a = \"${x}  y\"\n");
}

/*
 * hclwrite's own cases (hclwrite/format_test.go, the formatter behind terraform fmt), made into
 * attributes where they were bare expressions, plus the three differences reported against
 * terraform fmt: trailing commas, spacing inside template sequences, alignment around heredocs.
 */
static void fmt_as_hclwrite(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"a=1\n", "a = 1\n"},
        {"a=b.c\n", "a = b.c\n"},
        {"a=b[c]\n", "a = b[c]\n"},
        {"a=b()[c]\n", "a = b()[c]\n"},
        {"a=[\"hello\"][0]\n", "a = [\"hello\"][0]\n"},
        {"x = ( a+2 )\n", "x = (a + 2)\n"},
        {"x = ( a*-2 )\n", "x = (a * -2)\n"},
        {"x = (-2+1)\n", "x = (-2 + 1)\n"},
        {"x = foo(1, -2,a*b, b,c)\n", "x = foo(1, -2, a * b, b, c)\n"},
        {"x = foo(a,b...)\n", "x = foo(a, b...)\n"},
        {"x = ! true\n", "x = !true\n"},
        {"a=\"hello ${ name }\"\n", "a = \"hello ${name}\"\n"},
        {"a=\"hello ${~ name ~}\"\n", "a = \"hello ${~name~}\"\n"},
        {"a=\"${b}${c}${ d } ${e}\"\n", "a = \"${b}${c}${d} ${e}\"\n"},
        {"x = \"%{if true}${var.foo}%{endif}\"\n", "x = \"%{if true}${var.foo}%{endif}\"\n"},
        {"b{}\n", "b {}\n"},
        {"x = \"${\nhello\n}\"\n", "x = \"${\n  hello\n}\"\n"},
        {"x = foo(\n1,\n- 2,\na*b,\nb,\nc,\n)\n",
         "x = foo(\n  1,\n  -2,\n  a * b,\n  b,\n  c,\n)\n"},
        {"x = a?b:c\n", "x = a ? b : c\n"},
        {"x = [ [ ] ]\n", "x = [[]]\n"},
        {"x = [for x in y : x]\n", "x = [for x in y : x]\n"},
        {"x = [for x in [y] : x]\n", "x = [for x in [y] : x]\n"},
        {"x = [\n[\na\n]\n]\n", "x = [\n  [\n    a\n  ]\n]\n"},
        {"x = [[\na\n]]\n", "x = [[\n  a\n]]\n"},
        {"b {\na = 1\n}\n", "b {\n  a = 1\n}\n"},
        {"b {a = 1}\n", "b { a = 1 }\n"},
        {"a = 1\nbungle = 2\n", "a      = 1\nbungle = 2\n"},
        {"a = 1\n\nbungle = 2\n", "a = 1\n\nbungle = 2\n"},
        {"a = 1 # foo\nbungle = 2\n", "a      = 1 # foo\nbungle = 2\n"},
        {"a = 1 # foo\nbungle = \"bonce\" # baz\n",
         "a      = 1       # foo\nbungle = \"bonce\" # baz\n"},
        {"foo {} # here we go\na = 1 # foo\nbungle = \"bonce\" # baz\n",
         "foo {}           # here we go\na      = 1       # foo\nbungle = \"bonce\" # baz\n"},
        {"a = 1 # foo\nbungle = (\n    \"bonce\"\n) # baz\nzebra = \"striped\" # baz\n",
         "a = 1 # foo\nbungle = (\n  \"bonce\"\n)                 # baz\nzebra = \"striped\" # "
         "baz\n"},
        {"a = 1 # foo\nbungle = \"\xf0\x9f\x87\xac\xf0\x9f\x87\xa7\" # baz\nzebra = \"striped\" # "
         "baz\n",
         "a      = 1         # foo\nbungle = \"\xf0\x9f\x87\xac\xf0\x9f\x87\xa7\"       # baz\n"
         "zebra  = \"striped\" # baz\n"},
        {"foo {\nbar = <<EOT\nFoo bar baz\nEOT\n}\n",
         "foo {\n  bar = <<EOT\nFoo bar baz\nEOT\n}\n"},
        {"foo {\nbar = <<-EOT\n  Foo bar baz\nEOT\n}\n",
         "foo {\n  bar = <<-EOT\n  Foo bar baz\nEOT\n}\n"},
        {"foo {\nbar = <<-EOT\n  ${{ blahblahblah = x }}\nEOT\n}\n",
         "foo {\n  bar = <<-EOT\n  ${ { blahblahblah = x } }\nEOT\n}\n"},
        {"foo {\n  bar = <<-EOT\n  ${a}${b}${ c } ${d}\nEOT\n}\n",
         "foo {\n  bar = <<-EOT\n  ${a}${b}${c} ${d}\nEOT\n}\n"},
        {"foo {\nbar = <<EOT\nFoo bar baz\nEOT\nbaz = <<EOT\nFoo bar baz\nEOT\n}\n\nbar {\nfoo = "
         "\"bar\"\n}\n",
         "foo {\n  bar = <<EOT\nFoo bar baz\nEOT\n  baz = <<EOT\nFoo bar baz\nEOT\n}\n\nbar {\n  "
         "foo "
         "= \"bar\"\n}\n"},
        {"foo = [{\n# ...\n}]\n", "foo = [{\n  # ...\n}]\n"},
        {"foo {\nbar = [\n# ...\n]\n}\n", "foo {\n  bar = [\n    # ...\n  ]\n}\n"},
        {"module \"foo\" {\nfoo = <<EOF\n5\nEOF\n}\n\nmodule \"x\" {\na = \"b\"\nabcde = "
         "\"456\"\n}\n",
         "module \"foo\" {\n  foo = <<EOF\n5\nEOF\n}\n\nmodule \"x\" {\n  a     = \"b\"\n  abcde = "
         "\"456\"\n}\n"},
        {"a=\"apple\"# foo\nbungle=(# woo parens\n\"bonce\"\n)# baz\nzebra=\"striped\"# baz\n",
         "a = \"apple\" # foo\nbungle = (  # woo parens\n  \"bonce\"\n)                 # "
         "baz\nzebra = "
         "\"striped\" # baz\n"},
        /* the reported differences */
        {"x = format(\"x\", y, )\n", "x = format(\"x\", y, )\n"},
        {"x = format(\"x\", y,)\n", "x = format(\"x\", y, )\n"},
        {"a = [1, 2, ]\n", "a = [1, 2, ]\n"},
        {"x = \"%{ for x in y ~}${x}%{ endfor ~}\"\n", "x = \"%{for x in y~}${x}%{endfor~}\"\n"},
        {"x = <<EOT\n%{ for x in y ~}\n  ${ x }\n%{ endfor ~}\nEOT\n",
         "x = <<EOT\n%{for x in y~}\n  ${x}\n%{endfor~}\nEOT\n"},
        {"d = 1\nffff = <<EOT\nx\nEOT\ng = 2\nhh = 3\n",
         "d    = 1\nffff = <<EOT\nx\nEOT\ng    = 2\nhh   = 3\n"},
        /* a string's literal text, spaces and escapes included, stays as written */
        {"x = \"a  ${ b }  \\n  c\"\n", "x = \"a  ${b}  \\n  c\"\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_fmt(cases[i][0], cases[i][1]);
}

/* Columns count user-perceived characters: a combining accent, a flag and a ZWJ emoji are one
 * column each, so the `=` after them aligns as in terraform fmt. */
static void fmt_columns_are_characters(void **state)
{
    (void)state;
    expect_fmt("x = {\n\"e\xcc\x81\" = 1\nab = 2\n}\n",
               "x = {\n  \"e\xcc\x81\" = 1\n  ab  = 2\n}\n");
    expect_fmt("x = {\n\"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb\" = 1\nabcd = 2\n}\n",
               "x = {\n  \"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb\"  = 1\n  abcd = 2\n}\n");
}

static void fmt_comments(void **state)
{
    (void)state;
    expect_fmt("a = 1 # one\nbcd = 22 # two\n# standalone\n  // other\ne = 3 /* inline */\n",
               "a   = 1  # one\nbcd = 22 # two\n# standalone\n// other\ne = 3 /* inline */\n");
    expect_fmt("g = [ # c\n  1, # one\n  22, # two\n]\n",
               "g = [ # c\n  1,  # one\n  22, # two\n]\n");
    expect_fmt("b {\n# inside\nx = 1 # trailing   \n}\n",
               "b {\n  # inside\n  x = 1 # trailing\n}\n");
    expect_fmt("/* multi\n   line */\na = 1\n", "/* multi\n   line */\na = 1\n");
}

static void fmt_heredocs_untouched(void **state)
{
    (void)state;
    expect_fmt("b {\nf = <<EOF\n  keep   \n\tthis\nEOF\ng = <<-EOT\n      x\n    EOT\n}\n",
               "b {\n  f = <<EOF\n  keep   \n\tthis\nEOF\n  g = <<-EOT\n      x\n    EOT\n}\n");
}

static void fmt_whitespace(void **state)
{
    (void)state;
    expect_fmt("a = 1   \n\n\n\nb = 2\n\n\n", "a = 1\n\n\n\nb = 2\n");
    expect_fmt("a = 1", "a = 1\n");
    expect_fmt("", "");
    expect_fmt("\n\n", "");
    expect_fmt("a = 1\r\nb {\r\n}\r\n", "a = 1\nb {\n}\n");
    expect_fmt("  # only\n", "# only\n");
}

static void fmt_refuses_syntax_errors(void **state)
{
    (void)state;
    vpce_diags d = VPCE_DIAGS_INIT;
    char *out = (char *)1;
    const char *text = "a = 1\nb = \n";
    assert_int_equal(vpce_fmt(&out, "bad.vpce", text, strlen(text), &d), VPCE_EINVALID);
    assert_null(out);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].summary, "unexpected newline");
    /* the source is gone with the parse: the detail says where */
    assert_null(d.items[0].range.src);
    assert_string_equal(d.items[0].detail, "at bad.vpce:2:5: expected an expression");
    vpce_diags_release(&d);

    /* vpce_fmt_file keeps the source with the caller */
    vpce_file *f = NULL;
    assert_int_equal(vpce_parse(&f, "ok.vpce", "x=1\n", 4, &d), 0);
    assert_int_equal(vpce_fmt_file(&out, f, &d), 0);
    assert_string_equal(out, "x = 1\n");
    free(out);
    vpce_file_free(f);
    vpce_diags_release(&d);
}

static void check_idempotent(const char *name, const char *text, size_t len)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    char *out = NULL;
    if (vpce_fmt(&out, name, text, len, &d) != 0) {
        vpce_diags_release(&d);
        return; /* broken inputs are refused, not formatted */
    }
    char *again = NULL;
    assert_int_equal(vpce_fmt(&again, name, out, strlen(out), &d), 0);
    if (strcmp(out, again) != 0)
        print_error("%s: not a fixed point:\n%s\n---\n%s\n", name, out, again);
    assert_string_equal(out, again);
    /* formatting never changes the meaning */
    vpce_file *f1 = NULL, *f2 = NULL;
    assert_int_equal(vpce_parse(&f1, name, text, len, &d), 0);
    assert_int_equal(vpce_parse(&f2, name, out, strlen(out), &d), 0);
    char *s1 = sx_body_str(f1->body), *s2 = sx_body_str(f2->body);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    vpce_file_free(f1);
    vpce_file_free(f2);
    free(again);
    free(out);
    vpce_diags_release(&d);
}

static void fmt_idempotent_on_corpus(void **state)
{
    (void)state;
    const char *dir = VPCE_SOURCE_DIR "/tests/fuzz/corpus/parser";
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(vpce_read_file(&text, &len, path, 1 << 24), 0);
        check_idempotent(e->d_name, text, len);
        free(text);
        n++;
    }
    closedir(dp);
    assert_true(n >= 10);
    /* and on the examples shipped with vpce, if any */
    dp = opendir(VPCE_SOURCE_DIR "/examples");
    while (dp && (e = readdir(dp)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".vpce") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/examples/%s", VPCE_SOURCE_DIR, e->d_name);
        char *text = NULL;
        size_t len = 0;
        if (vpce_read_file(&text, &len, path, 1 << 24) == 0)
            check_idempotent(e->d_name, text, len);
        free(text);
    }
    if (dp)
        closedir(dp);
}

/* ---- the command --------------------------------------------------------------------------- */

static char tmpdir[64];

static void write_text(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *name)
{
    char path[256], *text = NULL;
    size_t len;
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    assert_int_equal(vpce_read_file(&text, &len, path, 1 << 20), 0);
    return text;
}

/* Runs `vpce fmt ARGS` in tmpdir; returns the exit code; *out gets stdout (caller frees). */
static int run_fmt(const char *args, const char *input, char **out)
{
    char full[2048];
    if (input)
        snprintf(full, sizeof(full), "cd %s && printf '%s' | %s fmt %s 2>&1", tmpdir, input,
                 VPCE_BINARY, args);
    else
        snprintf(full, sizeof(full), "cd %s && %s fmt %s 2>&1", tmpdir, VPCE_BINARY, args);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    vpce_buf b = VPCE_BUF_INIT(1 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        vpce_buf_append(&b, chunk, n);
    int st = pclose(p);
    *out = vpce_buf_detach(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void fmt_command(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vpce_fmt_test_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_text("a.vpce", "x=1\nyy = 2\n");
    write_text("ok.vpce", "z = 1\n");
    write_text("sub/b.vpce", "b  =  1\n");
    write_text("notes.txt", "x=1\n");

    char *out = NULL, *text;
    /* -check: lists unformatted files, writes nothing, exits 1 */
    assert_int_equal(run_fmt("-check", NULL, &out), 1);
    assert_string_equal(out, "a.vpce\n");
    free(out);
    text = read_text("a.vpce");
    assert_string_equal(text, "x=1\nyy = 2\n");
    free(text);

    assert_int_equal(run_fmt("-check -recursive", NULL, &out), 1);
    assert_string_equal(out, "a.vpce\nsub/b.vpce\n");
    free(out);

    /* -diff */
    assert_int_equal(run_fmt("-check -diff -list=false a.vpce", NULL, &out), 1);
    assert_string_equal(
        out, "--- old/a.vpce\n+++ new/a.vpce\n@@ -1,2 +1,2 @@\n-x=1\n+x  = 1\n yy = 2\n");
    free(out);

    /* rewriting */
    assert_int_equal(run_fmt("", NULL, &out), 0);
    assert_string_equal(out, "a.vpce\n");
    free(out);
    text = read_text("a.vpce");
    assert_string_equal(text, "x  = 1\nyy = 2\n");
    free(text);
    assert_int_equal(run_fmt("-check", NULL, &out), 0);
    assert_string_equal(out, "");
    free(out);
    text = read_text("sub/b.vpce"); /* not recursive: untouched */
    assert_string_equal(text, "b  =  1\n");
    free(text);
    assert_int_equal(run_fmt("-recursive sub", NULL, &out), 0);
    assert_string_equal(out, "sub/b.vpce\n");
    free(out);

    /* stdin to stdout */
    assert_int_equal(run_fmt("-", "a=[1,2]\\n", &out), 0);
    assert_string_equal(out, "a = [1, 2]\n");
    free(out);
    assert_int_equal(run_fmt("-check -", "a=1\\n", &out), 1);
    free(out);

    /* syntax errors: diagnostics with the source line, exit 1, file untouched */
    write_text("bad.vpce", "a = \n");
    assert_int_equal(run_fmt("bad.vpce", NULL, &out), 1);
    assert_string_equal(out, "bad.vpce:1:5: error: unexpected newline\n"
                             "  a = \n"
                             "      ^\n"
                             "  expected an expression\n");
    free(out);
    text = read_text("bad.vpce");
    assert_string_equal(text, "a = \n");
    free(text);

    assert_int_equal(run_fmt("-help", NULL, &out), 0);
    assert_non_null(strstr(out, "Usage: vpce fmt"));
    free(out);
    assert_int_equal(run_fmt("-bogus", NULL, &out), 1);
    free(out);

    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fmt_indentation),
        cmocka_unit_test(fmt_alignment),
        cmocka_unit_test(fmt_spacing),
        cmocka_unit_test(fmt_as_hclwrite),
        cmocka_unit_test(fmt_columns_are_characters),
        cmocka_unit_test(fmt_comments),
        cmocka_unit_test(fmt_heredocs_untouched),
        cmocka_unit_test(fmt_whitespace),
        cmocka_unit_test(fmt_refuses_syntax_errors),
        cmocka_unit_test(fmt_idempotent_on_corpus),
        cmocka_unit_test(fmt_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
