/*
 * The functions Terraform has beyond the first set: hashes and crypto, encodings (gzip, text
 * encodings, CSV, YAML), time, paths and files, and the remaining string, collection, network
 * and numeric functions. Expected values are the examples of Terraform's function
 * documentation where it gives one; fixtures live in tests/data/functions/.
 */
#include "test_eval_common.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <regex.h>
#include <zlib.h>

#define OK(name, args, expected) assert_json(fcall(name, args), expected)
#define ERR(name, args, summary) assert_err(fcall(name, args), summary)

static bool matches(const char *re, const char *s)
{
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

static void hashes(void **state)
{
    (void)state;
    OK("md5", "[\"hello world\"]", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
    OK("sha1", "[\"hello world\"]", "\"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\"");
    OK("sha256", "[\"hello world\"]",
       "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\"");
    OK("sha512", "[\"hello world\"]",
       "\"309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da342"
       "55b45b0cfd830e81f605dcf7dc5542e93ae9cd76f\"");
    OK("base64sha256", "[\"hello world\"]", "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"");
    OK("base64sha512", "[\"hello world\"]",
       "\"MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="
       "\"");
    /* The file variants hash the same bytes read from a file. */
    OK("filemd5", "[\"functions/hello.txt\"]", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
    OK("filesha1", "[\"functions/hello.txt\"]", "\"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\"");
    OK("filesha256", "[\"functions/hello.txt\"]",
       "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\"");
    OK("filebase64sha256", "[\"functions/hello.txt\"]",
       "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"");
    OK("filebase64", "[\"functions/hello.txt\"]", "\"aGVsbG8gd29ybGQ=\"");
    json_t *v = fcall("filesha512", "[\"functions/hello.txt\"]");
    json_t *w = fcall("sha512", "[\"hello world\"]");
    assert_true(json_equal(v, w));
    json_decref(v);
    json_decref(w);
    ERR("filemd5", "[\"functions/no-such-file\"]",
        "call to function \"filemd5\" failed: cannot read functions/no-such-file: cannot open "
        "\"" VPCE_TEST_DATA_DIR "/functions/no-such-file\": No such file or directory");
}

static void uuids_and_bcrypt(void **state)
{
    (void)state;
    OK("uuidv5", "[\"dns\", \"www.terraform.io\"]", "\"a5008fae-b28c-5ba5-96cd-82b4c53552d6\"");
    OK("uuidv5", "[\"url\", \"https://www.terraform.io/\"]",
       "\"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5\"");
    OK("uuidv5", "[\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\", \"www.terraform.io\"]",
       "\"a5008fae-b28c-5ba5-96cd-82b4c53552d6\"");
    ERR("uuidv5", "[\"nope\", \"x\"]",
        "invalid argument 1 to \"uuidv5\": must be \"dns\", \"url\", \"oid\", \"x500\" or a UUID");
    json_t *a = fcall("uuid", "[]"), *b = fcall("uuid", "[]");
    assert_true(matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                        json_string_value(a)));
    assert_string_not_equal(json_string_value(a), json_string_value(b));
    json_decref(a);
    json_decref(b);

    json_t *h = fcall("bcrypt", "[\"hello world\"]");
    assert_non_null(h);
    assert_true(matches("^\\$2a\\$10\\$[./A-Za-z0-9]{53}$", json_string_value(h)));
    struct crypt_data cd = {0};
    /* The hash verifies against the password, and not against another one. */
    assert_string_equal(crypt_r("hello world", json_string_value(h), &cd), json_string_value(h));
    assert_string_not_equal(crypt_r("hello there", json_string_value(h), &cd),
                            json_string_value(h));
    json_decref(h);
    h = fcall("bcrypt", "[\"x\", 5]");
    assert_true(matches("^\\$2a\\$05\\$", json_string_value(h)));
    json_decref(h);
    ERR("bcrypt", "[\"x\", 3]",
        "call to function \"bcrypt\" failed: the cost must be between 4 "
        "and 31, got 3");
}

static void rsa(void **state)
{
    (void)state;
    char *pem = NULL, *ct = NULL;
    size_t n;
    assert_int_equal(vpce_read_file(&pem, &n, VPCE_TEST_DATA_DIR "/functions/rsa.pem", 1 << 20), 0);
    assert_int_equal(vpce_read_file(&ct, &n, VPCE_TEST_DATA_DIR "/functions/rsa.ct.b64", 1 << 20),
                     0);
    json_t *args = json_pack("[ss]", ct, pem);
    char *text = json_dumps(args, 0);
    OK("rsadecrypt", text, "\"secret text\"");
    free(text);
    json_decref(args);
    args = json_pack("[ss]", "aGVsbG8=", pem);
    text = json_dumps(args, 0);
    ERR("rsadecrypt", text,
        "call to function \"rsadecrypt\" failed: failed to decrypt: wrong key or damaged "
        "ciphertext");
    free(text);
    json_decref(args);
    ERR("rsadecrypt", "[\"aGVsbG8=\", \"not a key\"]",
        "call to function \"rsadecrypt\" failed: failed to parse the key: not an RSA private key "
        "in PEM format");
    free(pem);
    free(ct);
}

static void encodings(void **state)
{
    (void)state;
    OK("textencodebase64", "[\"Hello World\", \"UTF-16LE\"]",
       "\"SABlAGwAbABvACAAVwBvAHIAbABkAA==\"");
    OK("textdecodebase64", "[\"SABlAGwAbABvACAAVwBvAHIAbABkAA==\", \"UTF-16LE\"]",
       "\"Hello World\"");
    ERR("textencodebase64", "[\"x\", \"NO-SUCH-ENCODING\"]",
        "call to function \"textencodebase64\" failed: cannot encode the string as "
        "\"NO-SUCH-ENCODING\" (unknown encoding, or characters it cannot represent)");

    /* base64gzip: gunzip(base64decode(x)) is the input. */
    json_t *g = fcall("base64gzip", "[\"hello hello hello hello\"]");
    assert_non_null(g);
    unsigned char raw[256], out[256];
    const char *g64 = json_string_value(g);
    size_t glen = strlen(g64);
    assert_true(glen < 300);
    int rawlen = EVP_DecodeBlock(raw, (const unsigned char *)g64, (int)glen);
    rawlen -= (glen > 0 && g64[glen - 1] == '=') + (glen > 1 && g64[glen - 2] == '=');
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = raw;
    z.avail_in = (uInt)rawlen;
    z.next_out = out;
    z.avail_out = sizeof(out);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, 23);
    assert_memory_equal(out, "hello hello hello hello", 23);
    inflateEnd(&z);
    json_decref(g);

    OK("csvdecode", "[\"a,b,c\\n1,2,3\\n4,5,6\"]",
       "[{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"},{\"a\":\"4\",\"b\":\"5\",\"c\":\"6\"}]");
    OK("csvdecode", "[\"name,note\\r\\n\\\"x, y\\\",\\\"say \\\"\\\"hi\\\"\\\"\\\"\\r\\n\"]",
       "[{\"name\":\"x, y\",\"note\":\"say \\\"hi\\\"\"}]");
    ERR("csvdecode", "[\"a,b\\n1,2,3\"]",
        "call to function \"csvdecode\" failed: record on line 2: wrong number of fields (3, "
        "expected 2)");
}

static void yaml(void **state)
{
    (void)state;
    OK("yamldecode", "[\"hello: world\"]", "{\"hello\":\"world\"}");
    OK("yamldecode", "[\"true\"]", "true");
    OK("yamldecode", "[\"{a: &foo [1, 2, 3], b: *foo}\"]", "{\"a\":[1,2,3],\"b\":[1,2,3]}");
    OK("yamldecode", "[\"n: ~\\ni: 0x1F\\nf: 1.5e3\\ns: '42'\\nt: !!str 7\\nyes: yes\"]",
       "{\"n\":null,\"i\":31,\"f\":1500,\"s\":\"42\",\"t\":\"7\",\"yes\":\"yes\"}");
    OK("yamldecode", "[\"base: &b {x: 1, y: 2}\\nd:\\n  <<: *b\\n  y: 3\"]",
       "{\"base\":{\"x\":1,\"y\":2},\"d\":{\"x\":1,\"y\":3}}");
    OK("yamldecode", "[\"\"]", "null");
    ERR("yamldecode", "[\"{a: &foo [1, *foo, 3]}\"]",
        "call to function \"yamldecode\" failed: on line 1, column 14: unknown anchor");
    ERR("yamldecode", "[\"a: 1\\n---\\nb: 2\"]",
        "call to function \"yamldecode\" failed: on line 2, column 1: only one YAML document is "
        "allowed");
    ERR("yamldecode", "[\"a: [1\"]",
        "call to function \"yamldecode\" failed: on line 2, column 1: did not find expected ',' "
        "or ']' (while parsing a flow sequence that starts on line 1, column 4)");

    OK("yamlencode", "[{\"a\":\"b\", \"c\":\"d\"}]",
       "\"\\\"a\\\": \\\"b\\\"\\n\\\"c\\\": \\\"d\\\"\\n\"");
    OK("yamlencode", "[{\"foo\":[1, 2, 3], \"bar\": \"baz\"}]",
       "\"\\\"bar\\\": \\\"baz\\\"\\n\\\"foo\\\":\\n- 1\\n- 2\\n- 3\\n\"");
    OK("yamlencode", "[{\"foo\":[1, {\"a\":\"b\",\"c\":\"d\"}, 3], \"bar\": \"baz\"}]",
       "\"\\\"bar\\\": \\\"baz\\\"\\n\\\"foo\\\":\\n- 1\\n- \\\"a\\\": \\\"b\\\"\\n  \\\"c\\\": "
       "\\\"d\\\"\\n- 3\\n\"");
    OK("yamlencode", "[{\"e\": [], \"m\": {}, \"n\": null, \"t\": true}]",
       "\"\\\"e\\\": []\\n\\\"m\\\": {}\\n\\\"n\\\": null\\n\\\"t\\\": true\\n\"");
    /* What yamlencode writes, yamldecode reads back. */
    json_t *enc =
        fcall("yamlencode", "[{\"s\": \"multi\\nline: \\\"q\\\"\", \"l\": [1.5, \"x\"]}]");
    json_t *args = json_pack("[O]", enc);
    char *text = json_dumps(args, 0);
    OK("yamldecode", text, "{\"s\":\"multi\\nline: \\\"q\\\"\",\"l\":[1.5,\"x\"]}");
    free(text);
    json_decref(args);
    json_decref(enc);
}

static void times(void **state)
{
    (void)state;
    OK("formatdate", "[\"DD MMM YYYY hh:mm ZZZ\", \"2018-01-02T23:12:01Z\"]",
       "\"02 Jan 2018 23:12 UTC\"");
    OK("formatdate", "[\"EEEE, DD-MMM-YY hh:mm:ss ZZZ\", \"2018-01-02T23:12:01Z\"]",
       "\"Tuesday, 02-Jan-18 23:12:01 UTC\"");
    OK("formatdate", "[\"EEE, DD MMM YYYY hh:mm:ss ZZZ\", \"2018-01-02T23:12:01-08:00\"]",
       "\"Tue, 02 Jan 2018 23:12:01 -0800\"");
    OK("formatdate", "[\"MMM DD, YYYY\", \"2018-01-02T23:12:01Z\"]", "\"Jan 02, 2018\"");
    OK("formatdate", "[\"HH:mmaa\", \"2018-01-02T23:12:01Z\"]", "\"11:12pm\"");
    OK("formatdate", "[\"'Day' D 'o''clock' h Z\", \"2020-02-29T07:05:09+05:30\"]",
       "\"Day 29 o'clock 7 +05:30\"");
    ERR("formatdate", "[\"YYYY\", \"2018-13-02T23:12:01Z\"]",
        "call to function \"formatdate\" failed: not a valid RFC3339 timestamp: "
        "\"2018-13-02T23:12:01Z\"");
    ERR("formatdate", "[\"Today\", \"2018-01-02T23:12:01Z\"]",
        "call to function \"formatdate\" failed: invalid date format verb \"T\": letters must be "
        "quoted to appear literally");
    OK("timeadd", "[\"2017-11-22T00:00:00Z\", \"10m\"]", "\"2017-11-22T00:10:00Z\"");
    OK("timeadd", "[\"2017-11-22T00:00:00Z\", \"-1h30m\"]", "\"2017-11-21T22:30:00Z\"");
    OK("timeadd", "[\"2016-02-28T23:00:00+01:00\", \"24h\"]", "\"2016-02-29T23:00:00+01:00\"");
    ERR("timeadd", "[\"2017-11-22T00:00:00Z\", \"10 minutes\"]",
        "call to function \"timeadd\" failed: invalid duration \"10 minutes\"");
    OK("timecmp", "[\"2017-11-22T00:00:00Z\", \"2017-11-22T00:00:00Z\"]", "0");
    OK("timecmp", "[\"2017-11-22T00:00:00Z\", \"2017-11-22T01:00:00Z\"]", "-1");
    OK("timecmp", "[\"2017-11-22T01:00:00Z\", \"2017-11-22T00:00:00Z\"]", "1");
    OK("timecmp", "[\"2017-11-22T01:00:00Z\", \"2017-11-22T00:00:00-01:00\"]", "0");
    json_t *t = fcall("timestamp", "[]");
    assert_true(
        matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", json_string_value(t)));
    json_decref(t);
    json_t *p1 = fcall("plantimestamp", "[]"), *p2 = fcall("plantimestamp", "[]");
    assert_string_equal(json_string_value(p1), json_string_value(p2));
    json_decref(p1);
    json_decref(p2);
}

static void paths(void **state)
{
    (void)state;
    OK("basename", "[\"foo/bar/baz.txt\"]", "\"baz.txt\"");
    OK("basename", "[\"foo/bar/\"]", "\"bar\"");
    OK("basename", "[\"/\"]", "\"/\"");
    OK("dirname", "[\"foo/bar/baz.txt\"]", "\"foo/bar\"");
    OK("dirname", "[\"baz.txt\"]", "\".\"");
    OK("dirname", "[\"/a//b/../c/d\"]", "\"/a/c\"");
    OK("dirname", "[\"/\"]", "\"/\"");
    setenv("HOME", "/home/tester", 1);
    OK("pathexpand", "[\"~/.ssh/id_rsa\"]", "\"/home/tester/.ssh/id_rsa\"");
    OK("pathexpand", "[\"/etc/resolv.conf\"]", "\"/etc/resolv.conf\"");
    OK("pathexpand", "[\"~root/x\"]", "\"/root/x\"");
    OK("abspath", "[\"/a/./b/../c\"]", "\"/a/c\"");
    json_t *a = fcall("abspath", "[\"no/such/dir/..\"]");
    assert_true(json_string_value(a)[0] == '/');
    assert_non_null(strstr(json_string_value(a), "/no/such"));
    json_decref(a);

    OK("fileset", "[\"functions/tree\", \"*.txt\"]", "[\"a.txt\"]");
    OK("fileset", "[\"functions/tree\", \"**/*.txt\"]",
       "[\"a.txt\", \"sub/c.txt\", \"sub/deep/d.txt\"]");
    OK("fileset", "[\"functions/tree\", \"{a.txt,b.md}\"]", "[\"a.txt\", \"b.md\"]");
    OK("fileset", "[\"functions/tree\", \"sub/*\"]", "[\"sub/c.txt\"]");
    OK("fileset", "[\"functions/tree\", \"nothing*\"]", "[]");
    ERR("fileset", "[\"functions/hello.txt\", \"*\"]",
        "call to function \"fileset\" failed: the path functions/hello.txt is not a directory");
}

static void strings_collections_numbers(void **state)
{
    (void)state;
    OK("chomp", "[\"hello\\n\"]", "\"hello\"");
    OK("chomp", "[\"hello\\r\\n\"]", "\"hello\"");
    OK("chomp", "[\"hello\\n\\n\"]", "\"hello\"");
    OK("chomp", "[\"hel\\nlo\"]", "\"hel\\nlo\"");
    OK("strcontains", "[\"hello world\", \"wor\"]", "true");
    OK("strcontains", "[\"hello world\", \"wod\"]", "false");
    OK("matchkeys",
       "[[\"i-123\", \"i-abc\", \"i-def\"], [\"us-west\", \"us-east\", \"us-east\"], "
       "[\"us-east\"]]",
       "[\"i-abc\", \"i-def\"]");
    ERR("matchkeys", "[[1, 2], [1], [1]]",
        "call to function \"matchkeys\" failed: length of keys and values should be equal");
    OK("setproduct", "[[\"development\", \"staging\"], [\"app1\", \"app2\"]]",
       "[[\"development\",\"app1\"],[\"development\",\"app2\"],[\"staging\",\"app1\"],"
       "[\"staging\",\"app2\"]]");
    OK("setproduct", "[[\"a\"], []]", "[]");
    ERR("setproduct",
        "[[1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10], "
        "[1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10], "
        "[1,2]]",
        "call to function \"setproduct\" failed: the product has more than 1000000 elements");
    OK("setsubtract", "[[\"a\", \"b\", \"c\"], [\"a\", \"c\"]]", "[\"b\"]");
    OK("transpose", "[{\"a\": [\"1\", \"2\"], \"b\": [\"2\", \"3\"]}]",
       "{\"1\":[\"a\"],\"2\":[\"a\",\"b\"],\"3\":[\"b\"]}");
    OK("cidrsubnets", "[\"10.1.0.0/16\", 4, 4, 8, 4]",
       "[\"10.1.0.0/20\", \"10.1.16.0/20\", \"10.1.32.0/24\", \"10.1.48.0/20\"]");
    OK("cidrsubnets", "[\"fd00:fd12:3456:7890::/56\", 16, 16, 16, 32]",
       "[\"fd00:fd12:3456:7800::/72\", \"fd00:fd12:3456:7800:100::/72\", "
       "\"fd00:fd12:3456:7800:200::/72\", \"fd00:fd12:3456:7800:300::/88\"]");
    ERR("cidrsubnets", "[\"10.0.0.0/30\", 1, 1, 1]",
        "call to function \"cidrsubnets\" failed: not enough remaining address space for a subnet "
        "with a prefix of 31 bits after 10.0.0.2/31");
    OK("log", "[16, 2]", "4");
    OK("log", "[1, 10]", "0");
    ERR("log", "[16, 1]",
        "call to function \"log\" failed: the logarithm of 16 in base 1 is not a number");
    OK("ephemeralasnull", "[{\"a\": 1}]", "{\"a\": 1}");
}

/* A predicate that calls var.secret sensitive, as a configuration declaring it so would. */
static vpce_sensitivity secret_only(const char *root, const vpce_ref_step *st, size_t n, void *ud)
{
    (void)ud;
    return strcmp(root, "var") == 0 && n > 0 && st[0].name && strcmp(st[0].name, "secret") == 0
               ? VPCE_SENS_WHOLE
               : VPCE_SENS_NONE;
}

static json_t *evs_sens(const char *src, const char *scope_json)
{
    json_t *scope = jparse(scope_json);
    vpce_eval_ctx ctx = {scope, NULL, &t_diags, secret_only, NULL};
    json_t *v = vpce_eval(&ctx, parse(src));
    json_decref(scope);
    return v;
}

/* templatestring (Terraform 1.9) and issensitive (1.8), with the documentation's examples. */
static void templatestring_and_issensitive(void **state)
{
    (void)state;
    const char *scope = "{\"local\": {\"tmpl\": \"Hello, ${name}!\", "
                        "\"list\": \"%{ for a in addrs ~}\\n${a}\\n%{ endfor ~}\", "
                        "\"bad\": \"${\", \"n\": 5}, "
                        "\"data\": {\"s3\": {\"x\": {\"body\": \"Bucket ${bucket}\"}}}}";
    assert_json(evs("templatestring(local.tmpl, { name = \"Jodie\" })", scope),
                "\"Hello, Jodie!\"");
    assert_json(evs("templatestring(data.s3.x.body, { bucket = \"logs\" })", scope),
                "\"Bucket logs\"");
    assert_json(evs("templatestring(local.list, { addrs = [\"10.0.0.1\", \"10.0.0.2\"] })", scope),
                "\"10.0.0.1\\n10.0.0.2\\n\"");
    /* the template sees only the variables given to it */
    json_t *v = evs("templatestring(local.tmpl, {})", scope);
    assert_null(v);
    assert_true(t_diags.len >= 1);
    vpce_diags_release(&t_diags);
    /* a template written in place is refused: it was rendered before the call */
    assert_err(evs("templatestring(\"Hello, ${name}!\", { name = \"x\" })", scope),
               "invalid argument 1 to templatestring: a reference to a string is required");
    assert_err(evs("templatestring(upper(local.tmpl), {})", scope),
               "invalid argument 1 to templatestring: a reference to a string is required");
    assert_err(evs("templatestring(local.n, {})", scope),
               "invalid argument 1 to templatestring: a string is required, not number");
    v = evs("templatestring(local.bad, {})", scope);
    assert_null(v);
    /* the template's own syntax error, then the call's */
    assert_true(t_diags.len >= 2);
    assert_string_equal(t_diags.items[t_diags.len - 1].summary,
                        "invalid template: the string given to templatestring has errors");
    vpce_diags_release(&t_diags);
    assert_err(evs("templatestring(local.tmpl, \"x\")", scope),
               "invalid argument 2 to templatestring: a map or object of template variables is "
               "required");
    assert_err(evs("templatestring(local.tmpl)", scope),
               "wrong number of arguments to \"templatestring\"");
    assert_unknown(
        evs("templatestring(local.u, { name = \"x\" })", "{\"local\": {\"u\": " UNK "}}"));

    const char *vars = "{\"var\": {\"secret\": \"hunter2\", \"plain\": \"x\"}}";
    assert_json(evs_sens("issensitive(var.secret)", vars), "true");
    assert_json(evs_sens("issensitive(var.plain)", vars), "false");
    assert_json(evs_sens("issensitive(sensitive(\"x\"))", vars), "true");
    assert_json(evs_sens("issensitive(nonsensitive(var.secret))", vars), "false");
    assert_json(evs_sens("issensitive(\"${var.secret}-suffix\")", vars), "true");
    assert_json(evs_sens("issensitive(1)", vars), "false");
    assert_err(evs_sens("issensitive(var.plain, 1)", vars),
               "wrong number of arguments to \"issensitive\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hashes, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(uuids_and_bcrypt, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(rsa, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(encodings, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(yaml, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(times, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(templatestring_and_issensitive, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(paths, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(strings_collections_numbers, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
