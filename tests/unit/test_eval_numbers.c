/*
 * Numbers are exact decimals: literals of any size within range keep their value, arithmetic is
 * exact to VPCE_NUMBER_DIGITS significant digits, overflow is an error naming the expression,
 * and every representation (integer, real, big number) compares, prints and converts alike.
 */
#include "test_eval_common.h"

/* The number's exact text as tostring() gives it. */
static void check_text(json_t *v, const char *want, const char *file, int line)
{
    if (!v) {
        print_error("%s:%d: expected %s, got an error: %s\n", file, line, want,
                    t_diags.len ? t_diags.items[0].summary : "(none)");
        _fail(file, line);
        return;
    }
    char *got = vpce_number_text(v);
    if (!got || strcmp(got, want) != 0) {
        print_error("%s:%d: expected %s, got %s\n", file, line, want, got ? got : "(not a number)");
        free(got);
        json_decref(v);
        _fail(file, line);
        return;
    }
    free(got);
    json_decref(v);
    assert_int_equal(t_diags.len, 0);
}
#define assert_number(v, text) check_text((v), (text), __FILE__, __LINE__)

static void decimal_sums_are_exact(void **state)
{
    (void)state;
    assert_number(evs("0.1 + 0.2", NULL), "0.3");
    assert_json(evs("0.1 + 0.2 == 0.3", NULL), "true");
    assert_json(evs("tostring(0.1 + 0.2)", NULL), "\"0.3\"");
    assert_json(evs("\"${0.1 + 0.2}!\"", NULL), "\"0.3!\"");
    assert_number(evs("1.1 * 1.1", NULL), "1.21");
    assert_number(evs("0.3 - 0.1", NULL), "0.2");
    assert_number(evs("10 / 4", NULL), "2.5");
    assert_number(evs("sum([0.1, 0.2, 0.3])", NULL), "0.6");
    /* a result a double holds stays a plain JSON real */
    json_t *v = evs("0.1 + 0.2", NULL);
    assert_true(json_is_real(v));
    json_decref(v);
}

static void integers_keep_every_digit(void **state)
{
    (void)state;
    assert_number(evs("9007199254740992 + 1", NULL), "9007199254740993");
    assert_json(evs("9007199254740993 > 9007199254740992", NULL), "true");
    assert_number(evs("9223372036854775807 + 1", NULL), "9223372036854775808");
    assert_number(evs("-9223372036854775808 - 1", NULL), "-9223372036854775809");
    assert_number(evs("-(-9223372036854775808)", NULL), "9223372036854775808");
    assert_number(evs("123456789012345678901234567890 * 10", NULL),
                  "1234567890123456789012345678900");
    assert_number(evs("123456789012345678901234567891 - 123456789012345678901234567890", NULL),
                  "1");
    assert_json(evs("12345678901234567890123 == 12345678901234567890123", NULL), "true");
    assert_json(evs("12345678901234567890123 == 12345678901234567890124", NULL), "false");
    assert_json(evs("12345678901234567890123 < 12345678901234567890124", NULL), "true");
    assert_number(evs("pow(2, 64)", NULL), "18446744073709551616");
    assert_number(evs("parseint(\"ffffffffffffffffffff\", 16)", NULL), "1208925819614629174706175");
    assert_number(evs("tonumber(\"123456789012345678901234567890\")", NULL),
                  "123456789012345678901234567890");
    assert_json(evs("format(\"%d\", 123456789012345678901234567890)", NULL),
                "\"123456789012345678901234567890\"");
    assert_json(evs("jsonencode([18446744073709551616, 0.5])", NULL),
                "\"[18446744073709551616,0.5]\"");
    assert_json(evs("\"n=${9007199254740993}\"", NULL), "\"n=9007199254740993\"");
}

static void literals_beyond_double_range(void **state)
{
    (void)state;
    json_t *v = evs("1e400", NULL);
    assert_true(vpce_is_bignum(v));
    char *t = vpce_number_text(v);
    assert_int_equal(strlen(t), 401);
    assert_true(t[0] == '1' && strspn(t + 1, "0") == 400);
    free(t);
    json_decref(v);
    assert_number(evs("1e400 / 1e399", NULL), "10");
    assert_json(evs("1e400 > 1e399", NULL), "true");
    v = evs("1e308 * 10", NULL);
    assert_true(vpce_is_bignum(v));
    json_decref(v);
    assert_number(evs("1e-400 * 1e400", NULL), "1");
    assert_number(evs("max(5, 1e400) / 1e400", NULL), "1");
    assert_number(evs("signum(-1e400)", NULL), "-1");
    assert_number(evs("abs(-1e400) / 1e400", NULL), "1");
    assert_number(evs("floor(-2.5)", NULL), "-3");
    assert_number(evs("ceil(2.1)", NULL), "3");
    assert_number(evs("-7 % 3", NULL), "-1");
    assert_number(evs("7.5 % 2", NULL), "1.5");
}

static void overflow_is_an_error_at_the_expression(void **state)
{
    (void)state;
    E *e = parse("1 + 1e999 * 10");
    json_t *v = eval_in(e, NULL);
    assert_null(v);
    assert_int_equal(t_diags.len, 1);
    assert_string_equal(t_diags.items[0].summary, "number out of range");
    /* the range is the multiplication, not the whole sum */
    assert_int_equal(t_diags.items[0].range.start, 4);
    assert_int_equal(t_diags.items[0].range.end, 14);
    vpce_diags_release(&t_diags);
    assert_err(evs("1e1000", NULL), "number out of range");
    assert_err(evs("1e-1001", NULL), "number out of range");
    assert_err(evs("pow(10, 1000)", NULL), "call to function \"pow\" failed: number out of range");
    assert_err(evs("1 / 0", NULL), "division by zero");
    /* a literal of 100,000 digits */
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    vpce_buf_putc(&b, '7');
    for (int i = 1; i < 100000; i++)
        vpce_buf_putc(&b, (char)('0' + i % 10));
    assert_err(evs(b.data, NULL), "number out of range");
    /* 999 digits are within range, rounded to the precision */
    b.len = 999;
    b.data[999] = 0;
    json_t *big = evs(b.data, NULL);
    assert_true(vpce_is_bignum(big));
    char *t = vpce_number_text(big);
    assert_int_equal(strlen(t), 999);
    assert_int_equal(strspn(t + VPCE_NUMBER_DIGITS, "0"), 999 - VPCE_NUMBER_DIGITS);
    free(t);
    json_decref(big);
    vpce_buf_release(&b);
}

static void big_numbers_are_numbers(void **state)
{
    (void)state;
    assert_json(evs("tostring(1e20)", NULL), "\"100000000000000000000\"");
    assert_json(evs("length(tostring(1e400))", NULL), "401");
    assert_json(evs("[for x in [1e400] : x == 1e400]", NULL), "[true]");
    assert_json(evs("contains([1, 1e400], 1e400)", NULL), "true");
    assert_json(evs("length(toset([1e400, 1e400, 2]))", NULL), "2");
    assert_json(evs("{\"a\" = 1e400}[\"a\"] == 1e400", NULL), "true");
    assert_err(evs("[1, 2][1e400]", NULL), "invalid index");
    assert_err(evs("[1, 2][1.00000000000000000000001]", NULL), "invalid index");
    assert_json(evs("[1, 2][1.0]", NULL), "2");
    assert_err(evs("1e400.x", NULL), "unsupported attribute \"x\"");
    assert_err(evs("[for x in 1e400 : x]", NULL),
               "invalid \"for\" collection: a list, set, map or object is required");
}

/* count rejects numbers that are not whole or out of range, whatever their representation. */
static void count_checks_numbers_exactly(void **state)
{
    (void)state;
    int64_t n;
    json_t *v = evs("2.00000000000000000000001", NULL);
    assert_int_equal(vpce_number_count(v, 100, &n), -1);
    json_decref(v);
    v = evs("1e400", NULL);
    assert_int_equal(vpce_number_count(v, 100, &n), -2);
    json_decref(v);
    v = evs("-1e400", NULL);
    assert_int_equal(vpce_number_count(v, 100, &n), -1);
    json_decref(v);
    v = evs("3", NULL);
    assert_int_equal(vpce_number_count(v, 100, &n), 0);
    assert_int_equal(n, 3);
    json_decref(v);
}

/* Plan JSON and -json outputs write big numbers as bare JSON numbers of their exact digits. */
static void json_dumps_writes_big_numbers_bare(void **state)
{
    (void)state;
    json_t *v = evs("[18446744073709551616, {a = -0.12345678901234567890123}, \"x\", 1.5]", NULL);
    assert_non_null(v);
    char *s = vpce_json_dumps(v, JSON_COMPACT);
    assert_string_equal(s, "[18446744073709551616,{\"a\":-0.12345678901234567890123},\"x\",1.5]");
    free(s);
    s = vpce_json_dumps(v, JSON_INDENT(2));
    assert_non_null(strstr(s, "\n  18446744073709551616,\n"));
    assert_null(strstr(s, "vpce:number"));
    free(s);
    json_decref(v);
    /* a string that merely contains the key's text is left alone */
    json_t *t = json_pack("[s]", "{\"\\u0001vpce:number\": \"1\"}");
    s = vpce_json_dumps(t, JSON_COMPACT);
    char *plain = json_dumps(t, JSON_COMPACT);
    assert_string_equal(s, plain);
    free(s);
    free(plain);
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(decimal_sums_are_exact),
        T(integers_keep_every_digit),
        T(literals_beyond_double_range),
        T(overflow_is_an_error_at_the_expression),
        T(big_numbers_are_numbers),
        T(count_checks_numbers_exactly),
        T(json_dumps_writes_big_numbers_bare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
