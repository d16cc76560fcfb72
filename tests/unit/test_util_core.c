/* Unit tests of util/: buffers with caps, the map, diagnostics printing, values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static void util_buf_cap_is_enforced(void **state)
{
    (void)state;
    vpce_buf b = VPCE_BUF_INIT(8);
    assert_int_equal(vpce_buf_puts(&b, "abcd"), 0);
    assert_int_equal(vpce_buf_puts(&b, "efgh"), 0);
    assert_int_equal(vpce_buf_putc(&b, 'x'), VPCE_ETOOBIG);
    assert_string_equal(vpce_buf_cstr(&b), "abcdefgh");
    assert_int_equal(b.len, 8);
    assert_non_null(strstr(vpce_error_last(), "limit of 8 bytes"));
    vpce_buf_clear(&b);
    assert_int_equal(vpce_buf_printf(&b, "%d-%s", 42, "ok"), 0);
    assert_string_equal(vpce_buf_cstr(&b), "42-ok");
    assert_int_equal(vpce_buf_printf(&b, "%s", "too long for it"), VPCE_ETOOBIG);
    assert_string_equal(vpce_buf_cstr(&b), "42-ok");
    char *s = vpce_buf_detach(&b);
    assert_string_equal(s, "42-ok");
    assert_null(b.data);
    free(s);
}

/* A message that quotes the previous one (a common way to add context) keeps it whole. */
static void util_error_may_quote_the_last_error(void **state)
{
    (void)state;
    vpce_error_set("127.0.0.1 port %d: connection refused", 9);
    vpce_error_set("cannot look for what aws_subnet.b made: %s", vpce_error_last());
    assert_string_equal(vpce_error_last(),
                        "cannot look for what aws_subnet.b made: 127.0.0.1 port 9: connection "
                        "refused");
    vpce_error_setc(VPCE_EINVALID, "outer: %s", vpce_error_last());
    assert_string_equal(vpce_error_last(), "outer: cannot look for what aws_subnet.b made: "
                                           "127.0.0.1 port 9: connection refused");
}

/* Files that are not regular files are refused at once, each with what it is; a FIFO with no
 * writer never blocks the read. */
static void util_read_file_refuses_what_is_not_a_regular_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/vpce-util-files-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *fifo = vpce_asprintf("%s/pipe", dir);
    char *reg = vpce_asprintf("%s/file.txt", dir);
    char *missing = vpce_asprintf("%s/missing", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    FILE *f = fopen(reg, "w");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);

    char *data = NULL;
    size_t len = 0;
    assert_int_equal(vpce_read_file(&data, &len, fifo, 1024), VPCE_EINVALID);
    assert_null(data);
    assert_non_null(strstr(vpce_error_last(), "is not a regular file: it is a FIFO"));
    assert_non_null(strstr(vpce_error_last(), fifo));
    assert_int_equal(vpce_read_file(&data, &len, dir, 1024), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "is a directory"));
    assert_int_equal(vpce_read_file(&data, &len, "/dev/null", 1024), VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "character device"));
    assert_int_equal(vpce_read_file(&data, &len, missing, 1024), VPCE_ENOTFOUND);
    assert_int_equal(vpce_read_file(&data, &len, reg, 1024), 0);
    assert_string_equal(data, "hello\n");
    assert_int_equal(len, 6);
    free(data);

    int fd = -1;
    assert_int_equal(vpce_open_regular(&fd, fifo, O_RDWR), VPCE_EINVALID);
    assert_int_equal(fd, -1);
    assert_int_equal(vpce_open_regular(&fd, reg, O_RDONLY), 0);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);

    assert_int_equal(vpce_check_regular(reg), 0);
    assert_int_equal(vpce_check_regular(fifo), VPCE_EINVALID);
    assert_int_equal(vpce_check_regular(dir), VPCE_EINVALID);
    assert_int_equal(vpce_check_regular(missing), VPCE_ENOTFOUND);

    unlink(fifo);
    unlink(reg);
    rmdir(dir);
    free(fifo);
    free(reg);
    free(missing);
}

static void util_map_keeps_insertion_order_and_removes(void **state)
{
    (void)state;
    vpce_map *m = vpce_map_new();
    char name[32];
    static int values[1000];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        values[i] = i;
        assert_null(vpce_map_set(m, name, &values[i]));
    }
    assert_int_equal(vpce_map_count(m), 1000);
    assert_ptr_equal(vpce_map_get(m, "k777"), &values[777]);
    assert_ptr_equal(vpce_map_remove(m, "k500"), &values[500]);
    assert_false(vpce_map_has(m, "k500"));
    assert_ptr_equal(vpce_map_get(m, "k999"), &values[999]);
    assert_ptr_equal(vpce_map_set(m, "k1", &values[2]), &values[1]);
    size_t it = 0, seen = 0;
    const char *k;
    void *v;
    int prev = -1;
    while (vpce_map_next(m, &it, &k, &v)) {
        int idx = (int)strtol(k + 1, NULL, 10);
        assert_true(idx > prev);
        prev = idx;
        seen++;
    }
    assert_int_equal(seen, 999);
    vpce_map_free(m);
}

static void util_suggest_finds_close_names(void **state)
{
    (void)state;
    const char *names[] = {"aws_vpc", "aws_vpc_endpoint", "aws_subnet"};
    assert_string_equal(vpce_suggest("aws_vpc_endpiont", names, 3), "aws_vpc_endpoint");
    assert_string_equal(vpce_suggest("aws_subnt", names, 3), "aws_subnet");
    assert_null(vpce_suggest("google_compute", names, 3));
}

static void util_diag_prints_caret_under_range(void **state)
{
    (void)state;
    const char *text = "a = 1\nbé = \"x\" + 2\n";
    vpce_source *src = vpce_source_new("main.vpce", text, strlen(text));
    vpce_diags d = VPCE_DIAGS_INIT;
    /* "\"x\"" starts at byte 12 of the file: line 2, column 6 (é is one character). */
    vpce_range r = {src, 12, 15};
    assert_int_equal(vpce_diags_error(&d, r, "a number is required", "invalid operand \"%s\"", "x"),
                     VPCE_EINVALID);
    vpce_diags_warning(&d, (vpce_range){NULL, 0, 0}, NULL, "no location");
    assert_true(vpce_diags_has_errors(&d));
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    vpce_diags_print(&d, f, false);
    fclose(f);
    assert_string_equal(out, "main.vpce:2:6: error: invalid operand \"x\"\n"
                             "  bé = \"x\" + 2\n"
                             "       ^~~\n"
                             "  a number is required\n"
                             "warning: no location\n");
    free(out);
    json_t *j = vpce_diags_to_json(&d);
    assert_int_equal(json_array_size(j), 2);
    json_t *start = json_object_get(json_object_get(json_array_get(j, 0), "range"), "start");
    assert_int_equal(json_integer_value(json_object_get(start, "line")), 2);
    assert_int_equal(json_integer_value(json_object_get(start, "column")), 6);
    json_decref(j);
    vpce_diags_release(&d);
    vpce_source_free(src);
}

static void util_diag_replaces_control_bytes(void **state)
{
    (void)state;
    const char text[] = "x = \x01\x02 \0 y";
    vpce_source *src = vpce_source_new("bin.vpce", text, sizeof(text) - 1);
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_diags_error(&d, (vpce_range){src, 4, 5}, NULL, "invalid character");
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    vpce_diags_print(&d, f, false);
    fclose(f);
    assert_string_equal(out, "bin.vpce:1:5: error: invalid character\n  x = ?? ? y\n      ^\n");
    free(out);
    vpce_diags_release(&d);
    vpce_source_free(src);
}

static void util_diag_shows_invalid_utf8_as_question_marks(void **state)
{
    (void)state;
    const char text[] = "x = \xff\xfe \xc3\xa9 y";
    vpce_source *src = vpce_source_new("u.vpce", text, sizeof(text) - 1);
    vpce_diags d = VPCE_DIAGS_INIT;
    /* The range covers "é y": columns count the two bad bytes as one column each. */
    vpce_diags_error(&d, (vpce_range){src, 7, 11}, NULL, "bad");
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    vpce_diags_print(&d, f, false);
    fclose(f);
    assert_string_equal(out, "u.vpce:1:8: error: bad\n  x = ?? \xc3\xa9 y\n         ^~~\n");
    free(out);
    vpce_diags_release(&d);
    vpce_source_free(src);
}

static void util_values_compare_numbers_and_unknowns(void **state)
{
    (void)state;
    json_t *a = json_integer(1), *b = json_real(1.0), *c = json_string("1");
    assert_true(vpce_value_equal(a, b));
    assert_false(vpce_value_equal(a, c));
    json_t *u = vpce_unknown();
    json_t *copy = json_deep_copy(u);
    assert_true(vpce_is_unknown(copy));
    json_t *arr = json_pack("[i, O]", 1, u);
    assert_true(vpce_contains_unknown(arr));
    assert_false(vpce_is_unknown(arr));
    json_t *n = vpce_number_new(3.0);
    assert_true(json_is_integer(n));
    json_t *r = vpce_number_new(0.5);
    assert_true(json_is_real(r));
    json_decref(a), json_decref(b), json_decref(c), json_decref(u), json_decref(copy);
    json_decref(arr), json_decref(n), json_decref(r);
}

static void util_lossy_string_replaces_invalid_utf8(void **state)
{
    (void)state;
    json_t *s = vpce_json_string_lossy("a\xff"
                                       "b\xc3\xa9",
                                       5);
    assert_string_equal(json_string_value(s), "a\xEF\xBF\xBD"
                                              "b\xc3\xa9");
    json_decref(s);
    assert_int_equal(vpce_utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0);
    assert_int_equal(vpce_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
}

/* Formats that only join strings take a path of their own: the same text as vsnprintf. */
static void util_asprintf_joins_strings_as_printf_does(void **state)
{
    (void)state;
    static const char *const fmts[] = {"", "plain", "%s", "%s.%s", "a%sb%sc", "%%s%s%%", "%s%%"};
    const char *a = "aws_vpc.main", *b = "id\xc3\xa9";
    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), fmts[i], a, b);
        char *got = vpce_asprintf(fmts[i], a, b);
        assert_string_equal(got, want);
        free(got);
    }
    /* other conversions, and strings longer than the stack buffer */
    char *n = vpce_asprintf("%s[%d]", "x", 42);
    assert_string_equal(n, "x[42]");
    free(n);
    char *big = vpce_malloc(1001);
    memset(big, 'y', 1000);
    big[1000] = '\0';
    char *joined = vpce_asprintf("%s.%s", big, big);
    assert_int_equal(strlen(joined), 2001);
    assert_int_equal(joined[1000], '.');
    free(joined);
    free(big);
}

/* An unknown remembers its origin, ASCII or not. */
static void util_unknown_from_keeps_its_origin(void **state)
{
    (void)state;
    json_t *u = vpce_unknown_from("aws_vpc.main.id");
    assert_true(vpce_is_unknown(u));
    assert_string_equal(vpce_unknown_origin(u), "aws_vpc.main.id");
    json_t *w = vpce_unknown_from("aws_vpc.m\xc3\xa9.id");
    assert_string_equal(vpce_unknown_origin(w), "aws_vpc.m\xc3\xa9.id");
    json_t *plain = vpce_unknown_from(NULL);
    assert_true(vpce_is_unknown(plain));
    assert_null(vpce_unknown_origin(plain));
    json_decref(u);
    json_decref(w);
    json_decref(plain);
}

static void util_arena_allocates_large_and_small(void **state)
{
    (void)state;
    vpce_arena *a = vpce_arena_new();
    char *small = vpce_arena_strdup(a, "hello");
    char *big = vpce_arena_alloc(a, 200000);
    memset(big, 'x', 200000);
    char *small2 = vpce_arena_strndup(a, "worldwide", 5);
    assert_string_equal(small, "hello");
    assert_string_equal(small2, "world");
    assert_int_equal((uintptr_t)big % _Alignof(max_align_t), 0);
    vpce_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(util_buf_cap_is_enforced),
        cmocka_unit_test(util_asprintf_joins_strings_as_printf_does),
        cmocka_unit_test(util_unknown_from_keeps_its_origin),
        cmocka_unit_test(util_error_may_quote_the_last_error),
        cmocka_unit_test(util_read_file_refuses_what_is_not_a_regular_file),
        cmocka_unit_test(util_map_keeps_insertion_order_and_removes),
        cmocka_unit_test(util_suggest_finds_close_names),
        cmocka_unit_test(util_diag_prints_caret_under_range),
        cmocka_unit_test(util_diag_replaces_control_bytes),
        cmocka_unit_test(util_diag_shows_invalid_utf8_as_question_marks),
        cmocka_unit_test(util_values_compare_numbers_and_unknowns),
        cmocka_unit_test(util_lossy_string_replaces_invalid_utf8),
        cmocka_unit_test(util_arena_allocates_large_and_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
