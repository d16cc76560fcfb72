/* Every built-in function: at least one correct call and one error each. */
#include "test_eval_common.h"

#define OK(name, args, expected) assert_json(fcall(name, args), expected)
#define ERR(name, args, summary) assert_err(fcall(name, args), summary)

static void encoding(void **state)
{
    (void)state;
    OK("jsonencode", "[{\"b\":[1,2.5,true,null],\"a\":\"<x>\"}]",
       "\"{\\\"a\\\":\\\"\\\\u003cx\\\\u003e\\\",\\\"b\\\":[1,2.5,true,null]}\"");
    OK("jsonencode", "[0.1]", "\"0.1\"");
    ERR("jsonencode", "[1, 2]", "wrong number of arguments to \"jsonencode\"");
    OK("jsondecode", "[\"{\\\"a\\\":[1,2.0,\\\"x\\\"]}\"]", "{\"a\":[1,2,\"x\"]}");
    OK("jsondecode", "[\"true\"]", "true");
    ERR("jsondecode", "[\"{nope\"]",
        "invalid argument 1 to \"jsondecode\": string or '}' expected near 'nope'");
    OK("base64encode", "[\"hello\"]", "\"aGVsbG8=\"");
    OK("base64encode", "[\"\"]", "\"\"");
    ERR("base64encode", "[[1]]", "invalid argument 1 to \"base64encode\": a string is required");
    OK("base64decode", "[\"aGVsbG8=\"]", "\"hello\"");
    OK("base64decode", "[\"aGk=\"]", "\"hi\"");
    ERR("base64decode", "[\"a!==\"]",
        "call to function \"base64decode\" failed: failed to decode base64 data: illegal "
        "character at offset 1");
    ERR("base64decode", "[\"/w==\"]",
        "call to function \"base64decode\" failed: the result of decoding the provided string is "
        "not valid UTF-8");
}

static void format_fn(void **state)
{
    (void)state;
    OK("format", "[\"%s-%d\", \"a\", 5]", "\"a-5\"");
    OK("format", "[\"%05.2f|%-4s|%4s|\", 3.14159, \"ab\", \"cd\"]", "\"03.14|ab  |  cd|\"");
    OK("format", "[\"%q %t %%\", \"x\\\"y\", true]", "\"\\\"x\\\\\\\"y\\\" true %\"");
    OK("format", "[\"%v %v %v\", 1.5, \"s\", false]", "\"1.5 s false\"");
    OK("format", "[\"%#v\", {\"a\": [1]}]", "\"{\\\"a\\\":[1]}\"");
    OK("format", "[\"%x %X %o %b\", 255, 255, 8, 5]", "\"ff FF 10 101\"");
    OK("format", "[\"%[2]s %[1]s\", \"a\", \"b\"]", "\"b a\"");
    OK("format", "[\"%d\", \"12\"]", "\"12\"");
    ERR("format", "[\"%d\", 1.5]",
        "call to function \"format\" failed: unsupported value for \"%d\" at 2: an integer is "
        "required");
    ERR("format", "[\"%s %s\", \"a\"]",
        "call to function \"format\" failed: not enough arguments for \"%s\" at 5: need 2, have 1");
    ERR("format", "[\"%s\", \"a\", \"b\"]",
        "call to function \"format\" failed: too many arguments; only 1 used by format string");
    ERR("format", "[\"%s\", null]",
        "call to function \"format\" failed: unsupported value for \"%s\" at 2: null value cannot "
        "be formatted");
    ERR("format", "[\"%z\", 1]",
        "call to function \"format\" failed: invalid format string: unrecognized format verb "
        "\"%z\"");
    OK("formatlist", "[\"%s=%d\", [\"a\", \"b\"], [1, 2]]", "[\"a=1\", \"b=2\"]");
    OK("formatlist", "[\"%s-%s\", \"x\", [\"a\", \"b\"]]", "[\"x-a\", \"x-b\"]");
    ERR("formatlist", "[\"%s%s\", [\"a\"], [\"b\", \"c\"]]",
        "call to function \"formatlist\" failed: argument 3 has length 2, which is inconsistent "
        "with previous argument lengths");
}

static void strings(void **state)
{
    (void)state;
    OK("join", "[\",\", [\"a\", \"b\"], [\"c\"]]", "\"a,b,c\"");
    OK("join", "[\"-\", [1, true]]", "\"1-true\"");
    ERR("join", "[\",\"]", "wrong number of arguments to \"join\"");
    ERR("join", "[\",\", \"a\"]", "invalid argument 2 to \"join\": a list is required");
    ERR("join", "[\",\", [\"a\", null]]",
        "call to function \"join\" failed: element 1 of argument 2 is null");
    OK("split", "[\",\", \"a,b,,c\"]", "[\"a\",\"b\",\"\",\"c\"]");
    OK("split", "[\",\", \"\"]", "[\"\"]");
    ERR("split", "[\",\", null]", "invalid argument 2 to \"split\": argument must not be null");
    OK("upper", "[\"abc-é\"]", "\"ABC-é\"");
    OK("lower", "[\"ABC\"]", "\"abc\"");
    ERR("upper", "[{}]", "invalid argument 1 to \"upper\": a string is required");
    ERR("lower", "[[]]", "invalid argument 1 to \"lower\": a string is required");
    OK("title", "[\"hello big world\"]", "\"Hello Big World\"");
    ERR("title", "[]", "wrong number of arguments to \"title\"");
    OK("replace", "[\"a-b-c\", \"-\", \"+\"]", "\"a+b+c\"");
    OK("replace", "[\"hello world\", \"/o(r?)/\", \"0$1\"]", "\"hell0 w0rld\"");
    OK("replace", "[\"abc\", \"\", \"-\"]", "\"-a-b-c-\"");
    ERR("replace", "[\"a\", \"/(/\", \"x\"]",
        "call to function \"replace\" failed: invalid regular expression: Unmatched ( or \\(");
    OK("substr", "[\"hello world\", 1, 4]", "\"ello\"");
    OK("substr", "[\"hello\", -3, -1]", "\"llo\"");
    OK("substr", "[\"héllo\", 1, 2]", "\"él\"");
    OK("substr", "[\"hello\", 2, 100]", "\"llo\"");
    ERR("substr", "[\"hello\", 9, 1]", "call to function \"substr\" failed: offset out of bounds");
    OK("startswith", "[\"hello\", \"he\"]", "true");
    OK("startswith", "[\"hello\", \"lo\"]", "false");
    ERR("startswith", "[\"hello\"]", "wrong number of arguments to \"startswith\"");
    OK("endswith", "[\"hello\", \"lo\"]", "true");
    ERR("endswith", "[[], \"lo\"]", "invalid argument 1 to \"endswith\": a string is required");
    OK("trimspace", "[\"  a b \\n\\t\"]", "\"a b\"");
    ERR("trimspace", "[null]", "invalid argument 1 to \"trimspace\": argument must not be null");
    OK("trim", "[\"?!hello?!\", \"!?\"]", "\"hello\"");
    OK("trim", "[\"xxx\", \"x\"]", "\"\"");
    ERR("trim", "[\"a\", []]", "invalid argument 2 to \"trim\": a string is required");
    OK("trimprefix", "[\"helloworld\", \"hello\"]", "\"world\"");
    OK("trimprefix", "[\"helloworld\", \"x\"]", "\"helloworld\"");
    ERR("trimprefix", "[\"a\"]", "wrong number of arguments to \"trimprefix\"");
    OK("trimsuffix", "[\"helloworld\", \"world\"]", "\"hello\"");
    ERR("trimsuffix", "[\"a\", {}]", "invalid argument 2 to \"trimsuffix\": a string is required");
    OK("strrev", "[\"abé\"]", "\"éba\"");
    ERR("strrev", "[[]]", "invalid argument 1 to \"strrev\": a string is required");
    OK("indent", "[2, \"a\\nb\"]", "\"a\\n  b\"");
    ERR("indent", "[\"x\", \"a\"]", "invalid argument 1 to \"indent\": a number is required");
    OK("urlencode", "[\"a b&c\"]", "\"a+b%26c\"");
    ERR("urlencode", "[[]]", "invalid argument 1 to \"urlencode\": a string is required");
    OK("regex", "[\"[a-z]+\", \"123abc456\"]", "\"abc\"");
    OK("regex", "[\"([0-9]+)-([a-z]+)\", \"x 12-ab\"]", "[\"12\", \"ab\"]");
    ERR("regex", "[\"[0-9]+\", \"abc\"]",
        "call to function \"regex\" failed: pattern did not match any part of the given string");
    OK("regexall", "[\"[0-9]+\", \"a1b22c333\"]", "[\"1\", \"22\", \"333\"]");
    ERR("regexall", "[\"(\", \"a\"]",
        "call to function \"regexall\" failed: invalid regular expression: Unmatched ( or \\(");
}

static void collections(void **state)
{
    (void)state;
    OK("concat", "[[1], [2, 3], []]", "[1,2,3]");
    ERR("concat", "[[1], \"a\"]", "invalid argument 2 to \"concat\": a list is required");
    OK("merge", "[{\"a\":1,\"b\":2}, null, {\"b\":3}]", "{\"a\":1,\"b\":3}");
    OK("merge", "[]", "{}");
    ERR("merge", "[{}, [1]]", "invalid argument 2 to \"merge\": a map or object is required");
    OK("lookup", "[{\"a\":1}, \"a\"]", "1");
    OK("lookup", "[{\"a\":1}, \"b\", \"def\"]", "\"def\"");
    ERR("lookup", "[{\"a\":1}, \"b\"]",
        "call to function \"lookup\" failed: lookup failed to find key \"b\"");
    ERR("lookup", "[[1], \"b\"]", "invalid argument 1 to \"lookup\": a map is required");
    OK("length", "[\"héllo\"]", "5");
    OK("length", "[[1, 2]]", "2");
    OK("length", "[{\"a\": 1}]", "1");
    ERR("length", "[5]", "invalid argument 1 to \"length\": a collection or a string is required");
    ERR("length", "[null]", "invalid argument 1 to \"length\": argument must not be null");
    OK("keys", "[{\"b\":1,\"a\":2}]", "[\"a\",\"b\"]");
    ERR("keys", "[[1]]", "invalid argument 1 to \"keys\": a map is required");
    OK("values", "[{\"b\":1,\"a\":2}]", "[2,1]");
    ERR("values", "[\"x\"]", "invalid argument 1 to \"values\": a map is required");
    OK("contains", "[[\"a\", \"b\"], \"b\"]", "true");
    OK("contains", "[[1, 2], \"1\"]", "false");
    ERR("contains", "[\"ab\", \"a\"]", "invalid argument 1 to \"contains\": a list is required");
    OK("element", "[[\"a\", \"b\", \"c\"], 4]", "\"b\"");
    ERR("element", "[[\"a\"], \"x\"]", "invalid argument 2 to \"element\": a number is required");
    ERR("element", "[[], 0]",
        "call to function \"element\" failed: cannot use element function with an empty list");
    ERR("element", "[[1], -1]",
        "call to function \"element\" failed: cannot use element function with a negative index");
    OK("index", "[[\"a\", \"b\"], \"b\"]", "1");
    ERR("index", "[[\"a\"], \"z\"]", "call to function \"index\" failed: item not found");
    OK("toset", "[[\"b\", \"a\", \"b\"]]", "[\"a\",\"b\"]");
    OK("toset", "[[1, \"a\"]]", "[\"1\",\"a\"]");
    ERR("toset", "[[1, true]]",
        "call to function \"toset\" failed: all elements must be of the same type");
    OK("tolist", "[[1, \"a\"]]", "[\"1\",\"a\"]");
    OK("tolist", "[null]", "null");
    ERR("tolist", "[{\"a\":1}]", "invalid argument 1 to \"tolist\": a list is required");
    OK("tomap", "[{\"a\":1,\"b\":\"x\"}]", "{\"a\":\"1\",\"b\":\"x\"}");
    ERR("tomap", "[[1]]", "invalid argument 1 to \"tomap\": a map is required");
    OK("coalesce", "[null, \"\", \"a\", \"b\"]", "\"a\"");
    OK("coalesce", "[null, 1, \"b\"]", "\"1\"");
    ERR("coalesce", "[null, \"\"]",
        "call to function \"coalesce\" failed: no non-null, non-empty-string arguments");
    OK("coalescelist", "[[], [1], [2]]", "[1]");
    ERR("coalescelist", "[[], \"a\"]",
        "invalid argument 2 to \"coalescelist\": a list is required");
    OK("distinct", "[[1, 2, 1, \"1\"]]", "[1,2,\"1\"]");
    ERR("distinct", "[{}]", "invalid argument 1 to \"distinct\": a list is required");
    OK("flatten", "[[1, [2, [3]], []]]", "[1,2,3]");
    ERR("flatten", "[1]", "invalid argument 1 to \"flatten\": a list is required");
    OK("compact", "[[\"a\", \"\", null, \"b\"]]", "[\"a\",\"b\"]");
    ERR("compact", "[[[1]]]", "invalid argument 1 to \"compact\": a list of strings is required");
    OK("zipmap", "[[\"a\", \"b\"], [1, 2]]", "{\"a\":1,\"b\":2}");
    ERR("zipmap", "[[\"a\"], [1, 2]]",
        "call to function \"zipmap\" failed: number of keys (1) does not match number of values "
        "(2)");
    OK("range", "[3]", "[0,1,2]");
    OK("range", "[1, 4]", "[1,2,3]");
    OK("range", "[0, 1, 0.25]", "[0,0.25,0.5,0.75]");
    OK("range", "[3, 0]", "[3,2,1]");
    OK("range", "[0, 0]", "[]");
    ERR("range", "[0, 5, 0]", "invalid argument 3 to \"range\": step must not be zero");
    ERR("range", "[0, 5000]",
        "call to function \"range\" failed: more than 1024 values were generated; either decrease "
        "the difference between start and end or use a smaller step");
    ERR("range", "[]", "wrong number of arguments to \"range\"");
    OK("sort", "[[\"b\", \"a\", \"10\", \"9\"]]", "[\"10\",\"9\",\"a\",\"b\"]");
    ERR("sort", "[[\"a\", null]]",
        "call to function \"sort\" failed: given list element 1 is null");
    OK("reverse", "[[1, 2, 3]]", "[3,2,1]");
    ERR("reverse", "[\"abc\"]", "invalid argument 1 to \"reverse\": a list is required");
    OK("slice", "[[1, 2, 3, 4], 1, 3]", "[2,3]");
    ERR("slice", "[[1, 2], 1, 3]",
        "invalid argument 3 to \"slice\": end index must not be greater than the length of the "
        "list");
    ERR("slice", "[[1, 2], 2, 1]",
        "invalid argument 2 to \"slice\": start index must not be greater than end index");
    OK("one", "[[]]", "null");
    OK("one", "[[\"x\"]]", "\"x\"");
    ERR("one", "[[1, 2]]",
        "call to function \"one\" failed: must be a list, set, or tuple value with either zero or "
        "one elements");
    OK("alltrue", "[[true, \"true\"]]", "true");
    OK("alltrue", "[[]]", "true");
    OK("alltrue", "[[true, false]]", "false");
    ERR("alltrue", "[[1]]", "invalid argument 1 to \"alltrue\": a list of bools is required");
    OK("anytrue", "[[false, true]]", "true");
    OK("anytrue", "[[]]", "false");
    ERR("anytrue", "[\"x\"]", "invalid argument 1 to \"anytrue\": a list is required");
    OK("setunion", "[[\"a\", \"b\"], [\"b\", \"c\"]]", "[\"a\",\"b\",\"c\"]");
    ERR("setunion", "[[\"a\"], 1]", "invalid argument 2 to \"setunion\": a list is required");
    OK("setintersection", "[[\"a\", \"b\"], [\"b\", \"c\"]]", "[\"b\"]");
    ERR("setintersection", "[1]", "invalid argument 1 to \"setintersection\": a list is required");
    OK("chunklist", "[[1, 2, 3], 2]", "[[1,2],[3]]");
    ERR("chunklist", "[[1], -1]",
        "invalid argument 2 to \"chunklist\": the size argument must be positive");
}

static void conversions_and_numbers(void **state)
{
    (void)state;
    OK("tostring", "[5]", "\"5\"");
    OK("tostring", "[true]", "\"true\"");
    OK("tostring", "[null]", "null");
    ERR("tostring", "[[1]]",
        "call to function \"tostring\" failed: cannot convert tuple to string");
    OK("tonumber", "[\"1.5\"]", "1.5");
    OK("tonumber", "[2]", "2");
    ERR("tonumber", "[\"abc\"]",
        "call to function \"tonumber\" failed: cannot convert \"abc\" to number");
    OK("tobool", "[\"true\"]", "true");
    ERR("tobool", "[1]", "call to function \"tobool\" failed: cannot convert number to bool");
    OK("max", "[1, 5, \"3\"]", "5");
    ERR("max", "[]", "wrong number of arguments to \"max\"");
    ERR("max", "[1, \"a\"]", "invalid argument 2 to \"max\": a number is required");
    OK("min", "[4, -2.5]", "-2.5");
    ERR("min", "[null]", "invalid argument 1 to \"min\": argument must not be null");
    OK("abs", "[-3]", "3");
    ERR("abs", "[\"x\"]", "invalid argument 1 to \"abs\": a number is required");
    OK("ceil", "[1.2]", "2");
    ERR("ceil", "[[]]", "invalid argument 1 to \"ceil\": a number is required");
    OK("floor", "[-1.2]", "-2");
    ERR("floor", "[{}]", "invalid argument 1 to \"floor\": a number is required");
    OK("sum", "[[1, 2.5, \"3\"]]", "6.5");
    ERR("sum", "[[]]", "call to function \"sum\" failed: cannot sum an empty list");
    OK("signum", "[-7]", "-1");
    ERR("signum", "[\"a\"]", "invalid argument 1 to \"signum\": a number is required");
    OK("pow", "[2, 10]", "1024");
    ERR("pow", "[2]", "wrong number of arguments to \"pow\"");
    OK("parseint", "[\"ff\", 16]", "255");
    ERR("parseint", "[\"zz\", 10]",
        "call to function \"parseint\" failed: cannot parse \"zz\" as a base 10 integer");
}

static void network(void **state)
{
    (void)state;
    OK("cidrsubnet", "[\"10.0.0.0/16\", 8, 2]", "\"10.0.2.0/24\"");
    OK("cidrsubnet", "[\"10.1.2.3/16\", 4, 15]", "\"10.1.240.0/20\"");
    OK("cidrsubnet", "[\"fd00:fd12:3456:7890::/56\", 16, 162]",
       "\"fd00:fd12:3456:7800:a200::/72\"");
    ERR("cidrsubnet", "[\"10.0.0.0/30\", 4, 0]",
        "call to function \"cidrsubnet\" failed: insufficient address space to extend prefix of 30 "
        "by 4");
    ERR("cidrsubnet", "[\"10.0.0.0/16\", 2, 4]",
        "call to function \"cidrsubnet\" failed: prefix extension of 2 does not accommodate a "
        "subnet numbered 4");
    ERR("cidrsubnet", "[\"10.0.0.0\", 2, 1]",
        "invalid argument 1 to \"cidrsubnet\": invalid CIDR expression");
    OK("cidrhost", "[\"10.12.112.0/20\", 16]", "\"10.12.112.16\"");
    OK("cidrhost", "[\"10.12.112.0/20\", 268]", "\"10.12.113.12\"");
    OK("cidrhost", "[\"10.0.0.0/24\", -1]", "\"10.0.0.255\"");
    OK("cidrhost", "[\"fd00:fd12:3456:7890:00a2::/72\", 34]", "\"fd00:fd12:3456:7890::22\"");
    ERR("cidrhost", "[\"10.0.0.0/30\", 4]",
        "call to function \"cidrhost\" failed: prefix of 30 does not accommodate a host numbered "
        "4");
    OK("cidrnetmask", "[\"172.16.0.0/12\"]", "\"255.240.0.0\"");
    OK("cidrnetmask", "[\"10.0.0.0/0\"]", "\"0.0.0.0\"");
    ERR("cidrnetmask", "[\"10.0.0.0/33\"]",
        "invalid argument 1 to \"cidrnetmask\": invalid CIDR expression");
}

static void files(void **state)
{
    (void)state;
    FILE *f = fopen("/tmp/vpce_eval_test_file.txt", "wb");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
    f = fopen("/tmp/vpce_eval_test_bin.txt", "wb");
    fputs("\xff\xfe", f);
    fclose(f);
    OK("file", "[\"/tmp/vpce_eval_test_file.txt\"]", "\"hello\\n\"");
    ERR("file", "[\"/tmp/vpce_eval_test_bin.txt\"]",
        "call to function \"file\" failed: contents of /tmp/vpce_eval_test_bin.txt are not valid "
        "UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other "
        "file functions (e.g. filemd5, filesha256) to obtain file hashing results instead");
    ERR("file", "[\"does-not-exist.txt\"]",
        "call to function \"file\" failed: no file exists at does-not-exist.txt; this function "
        "works only with files that are part of the configuration");
    OK("fileexists", "[\"/tmp/vpce_eval_test_file.txt\"]", "true");
    OK("fileexists", "[\"nope.txt\"]", "false");
    ERR("fileexists", "[[]]", "invalid argument 1 to \"fileexists\": a string is required");
    ERR("templatefile", "[\"x.tpl\", 5]",
        "invalid argument 2 to \"templatefile\": a map or object of template variables is "
        "required");
    f = fopen("/tmp/vpce_eval_test.tpl", "wb");
    fputs("Hello ${name}, \"${join(\",\", ports)}\" \\ $${raw}\n", f);
    fclose(f);
    OK("templatefile", "[\"/tmp/vpce_eval_test.tpl\", {\"name\": \"web\", \"ports\": [80, 443]}]",
       "\"Hello web, \\\"80,443\\\" \\\\ ${raw}\\n\"");
    ERR("templatefile", "[\"/tmp/vpce_eval_test.tpl\", {\"name\": \"web\"}]",
        "unknown variable \"ports\"");
    f = fopen("/tmp/vpce_eval_test.tpl", "wb");
    fputs("no newline ${name}", f);
    fclose(f);
    OK("templatefile", "[\"/tmp/vpce_eval_test.tpl\", {\"name\": 5}]", "\"no newline 5\"");
    /* strip markers trim within a line, as HCL's (the indentation of the next line stays) */
    f = fopen("/tmp/vpce_eval_test.tpl", "wb");
    fputs("%{ for p in ports ~}\n  port ${p}\n%{ endfor ~}\nend\n", f);
    fclose(f);
    OK("templatefile", "[\"/tmp/vpce_eval_test.tpl\", {\"ports\": [80, 443]}]",
       "\"  port 80\\n  port 443\\nend\\n\"");
    remove("/tmp/vpce_eval_test.tpl");
    remove("/tmp/vpce_eval_test_file.txt");
    remove("/tmp/vpce_eval_test_bin.txt");
}

static void names(void **state)
{
    (void)state;
    const char *const *n = vpce_eval_function_names();
    size_t cnt = 0;
    bool has_try = false;
    for (; n[cnt]; cnt++)
        if (strcmp(n[cnt], "try") == 0)
            has_try = true;
    assert_true(cnt > 60);
    assert_true(has_try);
    assert_true(vpce_eval_has_function("cidrsubnet"));
    assert_false(vpce_eval_has_function("nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(encoding), T(format_fn), T(strings), T(collections), T(conversions_and_numbers),
        T(network),  T(files),     T(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
