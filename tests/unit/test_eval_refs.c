/* vpce_expr_walk_refs: every root traversal, iterator variables skipped. */
#include "test_eval_common.h"

static void collect(const char *root, const char *attr, const char *attr2, vpce_range range,
                    void *ud)
{
    vpce_buf *b = ud;
    if (b->len)
        vpce_buf_putc(b, ' ');
    vpce_buf_printf(b, "%s", root);
    if (attr)
        vpce_buf_printf(b, ".%s", attr);
    if (attr2)
        vpce_buf_printf(b, ".%s", attr2);
    vpce_buf_printf(b, "@%u-%u", (unsigned)range.start, (unsigned)range.end);
}

static void check_refs(const char *src, const char *expected, const char *file, int line)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_expr_walk_refs(parse(src), collect, &b);
    if (strcmp(vpce_buf_cstr(&b), expected) != 0) {
        print_error("%s:%d: refs of %s: expected \"%s\", got \"%s\"\n", file, line, src, expected,
                    vpce_buf_cstr(&b));
        vpce_buf_release(&b);
        _fail(file, line);
    }
    vpce_buf_release(&b);
}

#define REFS(src, expected) check_refs((src), (expected), __FILE__, __LINE__)

static void simple(void **state)
{
    (void)state;
    REFS("var.x", "var.x@0-5");
    REFS("aws_vpc.main.id", "aws_vpc.main.id@0-15");
    REFS("data.aws_vpc.def.id", "data.aws_vpc.def@0-19");
    REFS("local.a.b.c", "local.a.b@0-11");
    REFS("count.index", "count.index@0-11");
    REFS("1 + 2", "");
    REFS("\"plain\"", "");
    REFS("path.module", "path.module@0-11");
}

static void indexes(void **state)
{
    (void)state;
    REFS("aws_subnet.a[0].id", "aws_subnet.a@0-18");
    REFS("aws_subnet.a[\"k\"].id", "aws_subnet.a.k@0-20");
    REFS("aws_subnet.a[var.i]", "var.i@13-18 aws_subnet.a@0-19");
    REFS("var.m[\"x\"]", "var.m.x@0-10");
}

static void composite(void **state)
{
    (void)state;
    REFS("\"${var.a}-${local.b}\"", "var.a@3-8 local.b@12-19");
    REFS("var.c ? aws_vpc.x.id : null", "var.c@0-5 aws_vpc.x.id@8-20");
    REFS("upper(var.s)", "var.s@6-11");
    REFS("{ (var.k) = var.v }", "var.k@3-8 var.v@12-17");
    REFS("[var.a, -var.b, !var.c]", "var.a@1-6 var.b@9-14 var.c@17-22");
    REFS("aws_instance.web[*].id", "aws_instance.web@0-16");
}

static void for_iterators(void **state)
{
    (void)state;
    REFS("[for s in var.x : s.id]", "var.x@10-15");
    REFS("{for k, v in var.m : k => v.name if v.on}", "var.m@13-18");
    REFS("[for s in var.x : s.id if s.id != local.skip]", "var.x@10-15 local.skip@34-44");
    /* the iterator is bound only inside its own for expression */
    REFS("[[for s in var.x : s], s.y]", "var.x@11-16 s.y@23-26");
    REFS("[for a in var.x : [for b in a : b + each.value]]", "var.x@10-15 each.value@36-46");
}

int main(void)
{
    const struct CMUnitTest tests[] = {T(simple), T(indexes), T(composite), T(for_iterators)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
