/*
 * botocore's EC2 protocol vectors (tests/data/ec2-protocol) against the client's serializer and
 * parser.
 *
 * Input cases: the test flattens each case's params through its model into the client's flat
 * parameter list (wire names by the EC2 rules: queryName, else capitalised locationName, else the
 * member name, capitalised; lists as Name.N; structures with dots; scalar formats), and the body
 * from vpce_aws_query_encode() must equal the expected body byte for byte.
 *
 * Output cases: vpce_aws_xml_parse() turns the XML into the client's generic JSON (element
 * names as keys, text as strings); the test then applies the model's type conversions (the
 * resource layer does the same with its own knowledge of each field): member names instead of
 * XML names, lists from <member>/<item> wrappers or flattened repeats, maps from entries, numbers,
 * booleans, timestamps (to epoch seconds) and blobs (base64-decoded). The result must equal the
 * expected result; for errors the code and message must match.
 *
 * Skipped, and counted: request compression (gzip), idempotency-token autofill (vpce sends
 * ClientToken explicitly), and error cases whose expected result needs the error's extra members
 * (the client reports code, message and request id only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "providers/aws/client.h"

#define DATA         VPCE_TEST_DATA_DIR "/ec2-protocol"
#define INPUT_FLOOR  35
#define OUTPUT_FLOOR 36

static json_t *shapes; /* of the suite being run (borrowed) */
static const char *skip_reason;

static json_t *load(const char *rel)
{
    char *path = vpce_asprintf("%s/%s", DATA, rel);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fail_msg("%s: %s", path, e.text);
    free(path);
    return j;
}

static json_t *shape_of(const json_t *ref)
{
    return json_object_get(shapes, json_string_value(json_object_get(ref, "shape")));
}

static const char *type_of(const json_t *shape)
{
    return json_string_value(json_object_get(shape, "type"));
}

/* ---- base64 and time helpers (test side) -------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const char *s, size_t n)
{
    char *o = vpce_malloc(4 * ((n + 2) / 3) + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        o[j++] = b64[(v >> 18) & 63];
        o[j++] = b64[(v >> 12) & 63];
        o[j++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        o[j++] = i + 2 < n ? b64[v & 63] : '=';
    }
    o[j] = '\0';
    return o;
}

static char *b64_decode(const char *s)
{
    size_t n = strlen(s);
    char *o = vpce_malloc(n + 1);
    size_t j = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(b64, s[i]);
        if (!p || !s[i])
            continue;
        v = (v << 6) | (unsigned)(p - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[j++] = (char)((v >> bits) & 0xff);
        }
    }
    o[j] = '\0';
    return o;
}

static double parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char *end = NULL;
    double num = strtod(s, &end);
    if (end && *end == '\0' && end != s)
        return num;
    const char *r = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (r && *r == '\0')
        return (double)timegm(&tm);
    memset(&tm, 0, sizeof(tm));
    r = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!r)
        return NAN;
    double t = (double)timegm(&tm);
    if (*r == '.') {
        char *e2;
        double frac = strtod(r, &e2);
        t += frac;
        r = e2;
    }
    if (*r == '+' || *r == '-') {
        int sign = *r == '-' ? -1 : 1;
        int hh = 0, mm = 0;
        if (sscanf(r + 1, "%2d:%2d", &hh, &mm) == 2)
            t -= sign * (hh * 3600 + mm * 60);
    }
    return t;
}

/* Python's repr of a float (shortest round-trip). */
static char *float_repr(double d)
{
    if (isnan(d))
        return vpce_strdup("NaN");
    if (isinf(d))
        return vpce_strdup(d > 0 ? "Infinity" : "-Infinity");
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".e"))
        return vpce_asprintf("%s.0", buf);
    return vpce_strdup(buf);
}

/* ---- input: params through the model into the flat list ----------------------------------- */

static void ser(vpce_aws_params *p, const char *name, const json_t *ref, const json_t *value);

static char *wire_name(const char *member, const json_t *ref)
{
    const char *q = json_string_value(json_object_get(ref, "queryName"));
    if (q)
        return vpce_strdup(q);
    const char *l = json_string_value(json_object_get(ref, "locationName"));
    if (l) {
        char *s = vpce_strdup(l);
        s[0] = (char)toupper((unsigned char)s[0]);
        return s;
    }
    /* Smithy's ec2Query rule capitalises the member name too (botocore's ignore list skips the
     * cases that show it; they pass here). */
    char *s = vpce_strdup(member);
    s[0] = (char)toupper((unsigned char)s[0]);
    return s;
}

static void ser(vpce_aws_params *p, const char *name, const json_t *ref, const json_t *value)
{
    const json_t *sh = shape_of(ref);
    const char *t = type_of(sh);
    if (strcmp(t, "structure") == 0) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)value, k, v)
        {
            const json_t *mref = json_object_get(json_object_get(sh, "members"), k);
            if (!mref) {
                skip_reason = "param not in model";
                return;
            }
            char *w = wire_name(k, mref);
            char *full = name ? vpce_asprintf("%s.%s", name, w) : vpce_strdup(w);
            ser(p, full, mref, v);
            free(full);
            free(w);
        }
    } else if (strcmp(t, "list") == 0) {
        size_t i;
        json_t *v;
        json_array_foreach(value, i, v)
        {
            char *full = vpce_asprintf("%s.%zu", name, i + 1);
            ser(p, full, json_object_get(sh, "member"), v);
            free(full);
        }
    } else if (strcmp(t, "map") == 0) {
        skip_reason = "map input (EC2 has none)";
    } else if (strcmp(t, "boolean") == 0) {
        vpce_aws_params_add_bool(p, name, json_is_true(value));
    } else if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
        vpce_aws_params_add_int(p, name, (long long)json_integer_value(value));
    } else if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
        char *s = json_is_string(value) ? vpce_strdup(json_string_value(value))
                                        : float_repr(json_number_value(value));
        vpce_aws_params_add(p, name, s);
        free(s);
    } else if (strcmp(t, "blob") == 0) {
        const char *s = json_string_value(value);
        char *e = b64_encode(s, strlen(s));
        vpce_aws_params_add(p, name, e);
        free(e);
    } else if (strcmp(t, "timestamp") == 0) {
        const char *fmt = json_string_value(json_object_get(ref, "timestampFormat"));
        if (!fmt)
            fmt = json_string_value(json_object_get(sh, "timestampFormat"));
        double d =
            json_is_number(value) ? json_number_value(value) : parse_time(json_string_value(value));
        if (fmt && strcmp(fmt, "unixTimestamp") == 0) {
            vpce_aws_params_add_int(p, name, (long long)d);
        } else {
            time_t tt = (time_t)d;
            struct tm tm;
            gmtime_r(&tt, &tm);
            char buf[64];
            strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
            vpce_aws_params_add(p, name, buf);
        }
    } else {
        vpce_aws_params_add(p, name, json_string_value(value));
    }
}

static int in_run, in_pass, in_skip;

static void run_input_case(const json_t *suite, const json_t *c)
{
    const json_t *given = json_object_get(c, "given");
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *desc = json_string_value(json_object_get(c, "description"));
    const char *expect =
        json_string_value(json_object_get(json_object_get(c, "serialized"), "body"));
    skip_reason = NULL;
    if (json_object_get(given, "requestcompression"))
        skip_reason = "request compression";
    const json_t *in = json_object_get(given, "input");
    const json_t *ish = in ? shape_of(in) : NULL;
    const char *k;
    json_t *m;
    json_object_foreach(json_object_get(ish, "members"), k, m)
    {
        if (json_is_true(json_object_get(m, "idempotencyToken")) &&
            !json_object_get(json_object_get(c, "params"), k))
            skip_reason = "idempotency-token autofill";
    }
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    if (!skip_reason && in)
        ser(&p, NULL, in, json_object_get(c, "params"));
    if (skip_reason) {
        print_message("  skip input %s (%s): %s\n", id ? id : "-", desc, skip_reason);
        in_skip++;
        vpce_aws_params_release(&p);
        return;
    }
    const char *version =
        json_string_value(json_object_get(json_object_get(suite, "metadata"), "apiVersion"));
    char *body =
        vpce_aws_query_encode(json_string_value(json_object_get(given, "name")), version, &p);
    in_run++;
    if (strcmp(body, expect) == 0)
        in_pass++;
    else
        print_error("input %s (%s)\n  got  %s\n  want %s\n", id ? id : "-", desc, body, expect);
    free(body);
    vpce_aws_params_release(&p);
}

/* ---- output: the generic JSON through the model --------------------------------------------- */

static json_t *conv(const json_t *ref, const json_t *g);

/* The items of a list in the generic tree: an array, "" (empty), or a wrapper object. */
static json_t *list_items(const json_t *g)
{
    if (json_is_array(g))
        return json_incref((json_t *)g);
    json_t *arr = json_array();
    if (json_is_object(g) && json_object_size(g) == 1) {
        json_t *inner = json_object_iter_value(json_object_iter((json_t *)g));
        if (json_is_array(inner))
            json_array_extend(arr, inner);
        else
            json_array_append(arr, inner);
    } else if (json_is_object(g)) {
        json_array_append(arr, (json_t *)g);
    }
    return arr;
}

static json_t *conv_scalar(const char *t, const json_t *ref, const json_t *g)
{
    const char *s = json_string_value(g);
    if (!s)
        return NULL;
    if (strcmp(t, "boolean") == 0)
        return json_boolean(strcmp(s, "true") == 0);
    if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0 || strcmp(t, "byte") == 0 ||
        strcmp(t, "short") == 0)
        return json_integer(strtoll(s, NULL, 10));
    if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
        if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)
            return json_string(s);
        return vpce_number_new(strtod(s, NULL));
    }
    if (strcmp(t, "timestamp") == 0)
        return vpce_number_new(parse_time(s));
    if (strcmp(t, "blob") == 0) {
        char *d = b64_decode(s);
        json_t *r = json_string(d);
        free(d);
        return r;
    }
    return json_string(s);
}

static json_t *conv(const json_t *ref, const json_t *g)
{
    const json_t *sh = shape_of(ref);
    const char *t = type_of(sh);
    if (strcmp(t, "structure") == 0) {
        json_t *out = json_object();
        const char *k;
        json_t *m;
        json_object_foreach(json_object_get(sh, "members"), k, m)
        {
            const json_t *msh = shape_of(m);
            const char *key = json_string_value(json_object_get(m, "locationName"));
            if (!key && json_is_true(json_object_get(msh, "flattened")))
                key = json_string_value(
                    json_object_get(json_object_get(msh, "member"), "locationName"));
            if (!key)
                key = k;
            json_t *v = json_object_get(g, key);
            if (v) {
                json_t *c = conv(m, v);
                if (c)
                    json_object_set_new(out, k, c);
            }
        }
        return out;
    }
    if (strcmp(t, "list") == 0) {
        json_t *items = json_is_true(json_object_get(sh, "flattened"))
                            ? (json_is_array(g) ? json_incref((json_t *)g) : json_pack("[O]", g))
                            : list_items(g);
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(items, i, v)
        {
            json_t *c = conv(json_object_get(sh, "member"), v);
            if (c)
                json_array_append_new(out, c);
        }
        json_decref(items);
        return out;
    }
    if (strcmp(t, "map") == 0) {
        const json_t *kref = json_object_get(sh, "key");
        const json_t *vref = json_object_get(sh, "value");
        const char *kn = json_string_value(json_object_get(kref, "locationName"));
        const char *vn = json_string_value(json_object_get(vref, "locationName"));
        json_t *entries = json_is_true(json_object_get(sh, "flattened"))
                              ? (json_is_array(g) ? json_incref((json_t *)g) : json_pack("[O]", g))
                              : list_items(g);
        json_t *out = json_object();
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e)
        {
            const char *key = json_string_value(json_object_get(e, kn ? kn : "key"));
            json_t *val = json_object_get(e, vn ? vn : "value");
            json_t *c = val ? conv(vref, val) : NULL;
            if (key && c)
                json_object_set_new(out, key, c);
            else
                json_decref(c);
        }
        json_decref(entries);
        return out;
    }
    return conv_scalar(t, ref, g);
}

static int out_run, out_pass, out_skip;

static void run_output_case(const json_t *c)
{
    const json_t *given = json_object_get(c, "given");
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *desc = json_string_value(json_object_get(c, "description"));
    const char *action = json_string_value(json_object_get(given, "name"));
    const json_t *resp = json_object_get(c, "response");
    const char *body = json_string_value(json_object_get(resp, "body"));
    long status = (long)json_integer_value(json_object_get(resp, "status_code"));
    const char *ecode = json_string_value(json_object_get(c, "errorCode"));
    const char *emsg = json_string_value(json_object_get(c, "errorMessage"));
    json_t *r = NULL;
    vpce_aws_xml_error err;
    int rc = vpce_aws_xml_parse(&r, &err, action, status, body, strlen(body));
    int ok = 0;
    if (ecode) {
        /* Expected error: code and message; extra members of the error are not reported. */
        const json_t *want = json_object_get(c, "error");
        bool extra = false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)want, k, v)
        {
            if (strcmp(k, "Message") != 0 && strcmp(k, "Code") != 0)
                extra = true;
        }
        if (extra && rc == VPCE_ERROR && strcmp(err.code, ecode) == 0) {
            print_message("  skip output %s (%s): error members beyond code and message "
                          "(code checked)\n",
                          id ? id : "-", desc);
            out_skip++;
            return;
        }
        out_run++;
        const char *wmsg = emsg ? emsg : json_string_value(json_object_get(want, "Message"));
        ok = rc == VPCE_ERROR && strcmp(err.code, ecode) == 0 &&
             (!wmsg || strcmp(err.message, wmsg) == 0);
        if (!ok)
            print_error("output %s (%s): rc %d code %s\n", id ? id : "-", desc, rc, err.code);
    } else {
        out_run++;
        json_t *got = NULL;
        if (rc == 0) {
            const json_t *oref = json_object_get(given, "output");
            got = oref ? conv(oref, r) : json_object();
        }
        const json_t *want = json_object_get(c, "result");
        ok = got && vpce_value_equal(got, want);
        if (!ok) {
            char *gs = got ? json_dumps(got, JSON_SORT_KEYS) : vpce_strdup(vpce_error_last());
            char *ws = json_dumps(want, JSON_SORT_KEYS);
            print_error("output %s (%s)\n  got  %s\n  want %s\n", id ? id : "-", desc, gs, ws);
            free(gs);
            free(ws);
        }
        json_decref(got);
    }
    json_decref(r);
    out_pass += ok;
}

static void run_file(const char *rel, bool input)
{
    json_t *suites = load(rel);
    size_t i, j;
    json_t *s, *c;
    json_array_foreach(suites, i, s)
    {
        shapes = json_object_get(s, "shapes");
        json_array_foreach(json_object_get(s, "cases"), j, c)
        {
            if (input)
                run_input_case(s, c);
            else
                run_output_case(c);
        }
    }
    json_decref(suites);
}

static void test_protocol_input(void **state)
{
    (void)state;
    run_file("input/ec2.json", true);
    run_file("legacy/input/ec2.json", true);
    print_message("protocol input: %d run, %d passed, %d skipped\n", in_run, in_pass, in_skip);
    assert_int_equal(in_run + in_skip, 41);
    assert_int_equal(in_pass, in_run);
    assert_true(in_run >= INPUT_FLOOR);
}

static void test_protocol_output(void **state)
{
    (void)state;
    run_file("output/ec2.json", false);
    run_file("legacy/output/ec2.json", false);
    print_message("protocol output: %d run, %d passed, %d skipped\n", out_run, out_pass, out_skip);
    assert_int_equal(out_run + out_skip, 42);
    assert_int_equal(out_pass, out_run);
    assert_true(out_run >= OUTPUT_FLOOR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_input),
        cmocka_unit_test(test_protocol_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
