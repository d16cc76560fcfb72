/* The XML parser on good, hostile and broken answers: clear errors naming the action, no crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "providers/aws/client.h"

static int parse(json_t **out, vpce_aws_xml_error *err, long status, const char *body)
{
    return vpce_aws_xml_parse(out, err, "DescribeVpcs", status, body, strlen(body));
}

static void test_xml_success_shape(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
        "  <requestId>r-1</requestId>\n"
        "  <vpcSet>\n"
        "    <item><vpcId>vpc-1</vpcId><isDefault>false</isDefault>\n"
        "      <tagSet><item><key>Name</key><value>a &amp; b &lt;c&gt;</value></item></tagSet>\n"
        "      <cidrBlockAssociationSet/>\n"
        "    </item>\n"
        "    <item><vpcId>vpc-2</vpcId></item>\n"
        "  </vpcSet>\n"
        "  <nextToken>tok</nextToken>\n"
        "</DescribeVpcsResponse>";
    json_t *r = NULL;
    vpce_aws_xml_error err;
    assert_int_equal(parse(&r, &err, 200, doc), 0);
    assert_string_equal(json_string_value(json_object_get(r, "requestId")), "r-1");
    assert_string_equal(json_string_value(json_object_get(r, "nextToken")), "tok");
    json_t *set = json_object_get(r, "vpcSet");
    assert_int_equal(json_array_size(set), 2);
    json_t *v = json_array_get(set, 0);
    assert_string_equal(json_string_value(json_object_get(v, "isDefault")), "false");
    json_t *tag = json_array_get(json_object_get(v, "tagSet"), 0);
    assert_string_equal(json_string_value(json_object_get(tag, "value")), "a & b <c>");
    assert_string_equal(json_string_value(json_object_get(v, "cidrBlockAssociationSet")), "");
    json_decref(r);

    /* An empty answer is an empty object; a repeated name becomes an array. */
    assert_int_equal(parse(&r, &err, 200, "<DescribeVpcsResponse/>"), 0);
    assert_true(json_is_object(r) && json_object_size(r) == 0);
    json_decref(r);
    assert_int_equal(parse(&r, &err, 200,
                           "<DescribeVpcsResponse><a>1</a><a>2</a><a>3</a></DescribeVpcsResponse>"),
                     0);
    assert_int_equal(json_array_size(json_object_get(r, "a")), 3);
    json_decref(r);
}

static void test_xml_errors(void **state)
{
    (void)state;
    json_t *r = NULL;
    vpce_aws_xml_error err;
    assert_int_equal(parse(&r, &err, 400,
                           "<?xml version=\"1.0\"?><Response><Errors><Error><Code>InvalidVpcID."
                           "NotFound</Code><Message>The vpc ID 'vpc-1' does not exist</Message>"
                           "</Error></Errors><RequestID>req-9</RequestID></Response>"),
                     VPCE_ERROR);
    assert_null(r);
    assert_string_equal(err.code, "InvalidVpcID.NotFound");
    assert_string_equal(err.request_id, "req-9");
    assert_string_equal(vpce_error_last(),
                        "InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist");

    assert_int_equal(parse(&r, &err, 403,
                           "<ErrorResponse><Error><Type>Sender</Type><Code>AuthFailure</Code>"
                           "<Message>no</Message></Error><RequestId>x</RequestId></ErrorResponse>"),
                     VPCE_ERROR);
    assert_string_equal(err.code, "AuthFailure");
    assert_string_equal(err.request_id, "x");

    /* An error document without a code is not trusted. */
    assert_int_equal(parse(&r, &err, 500, "<Response><Errors><Error/></Errors></Response>"),
                     VPCE_EINVALID);
    assert_non_null(strstr(vpce_error_last(), "DescribeVpcs"));
}

static void expect_invalid(long status, const char *body, size_t len, const char *needle)
{
    json_t *r = NULL;
    vpce_aws_xml_error err;
    int rc = vpce_aws_xml_parse(&r, &err, "DescribeVpcs", status, body, len);
    assert_true(rc == VPCE_EINVALID || rc == VPCE_ETOOBIG);
    assert_null(r);
    const char *msg = vpce_error_last();
    assert_non_null(strstr(msg, "unexpected response from EC2"));
    assert_non_null(strstr(msg, "DescribeVpcs"));
    if (needle && !strstr(msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

static void test_xml_hostile(void **state)
{
    (void)state;
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
        "<DescribeVpcsResponse><a>&lol3;</a></DescribeVpcsResponse>";
    expect_invalid(200, laughs, strlen(laughs), "DOCTYPE");
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                      "\"file:///etc/passwd\">]><DescribeVpcsResponse>&x;</DescribeVpcsResponse>";
    expect_invalid(200, xxe, strlen(xxe), "DOCTYPE");
    const char *lower = "<!doctype html><html><body>hi</body></html>";
    expect_invalid(502, lower, strlen(lower), "HTTP 502 with an HTML body");

    const char *html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 "
                       "Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    expect_invalid(502, html, strlen(html),
                   "to DescribeVpcs: HTTP 502 with an HTML body (title: \"502 Bad Gateway\")");
    const char *wellformed_html = "<html><body><p>Bad Gateway</p></body></html>";
    expect_invalid(502, wellformed_html, strlen(wellformed_html), "HTTP 502");
    expect_invalid(200, wellformed_html, strlen(wellformed_html),
                   "HTTP 200 with an HTML body (first line: \"<html><body><p>Bad Gateway</p>");

    const char *truncated = "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-";
    expect_invalid(200, truncated, strlen(truncated),
                   "HTTP 200 with malformed XML (first line: \"<DescribeVpcsResponse><vpcSet>");
    const char garbage[] = "\x89PNG\r\n\x1a\n\x00\x01\x02\xff\xfe";
    expect_invalid(200, garbage, sizeof(garbage) - 1, "HTTP 200 with a binary body (13 bytes)");
    expect_invalid(200, "", 0, "HTTP 200 with an empty body");
    expect_invalid(200, "{\"json\": true}", 14,
                   "HTTP 200 with a JSON body (first line: \"{\"json\": true}\")");
    expect_invalid(200, "<a>&undefined;</a>", 18, NULL);
    expect_invalid(200, "<OtherActionResponse/>", 22, "is not its answer");

    /* Deep nesting: past our cap, and far past libxml2's own. */
    for (int depth = 70; depth <= 20000; depth *= 17) {
        vpce_buf b = VPCE_BUF_INIT(1 << 24);
        vpce_buf_puts(&b, "<DescribeVpcsResponse>");
        for (int i = 0; i < depth; i++)
            vpce_buf_puts(&b, "<a>");
        for (int i = 0; i < depth; i++)
            vpce_buf_puts(&b, "</a>");
        vpce_buf_puts(&b, "</DescribeVpcsResponse>");
        expect_invalid(200, b.data, b.len, NULL);
        vpce_buf_release(&b);
    }
    /* 60 levels is fine. */
    vpce_buf b = VPCE_BUF_INIT(1 << 20);
    vpce_buf_puts(&b, "<DescribeVpcsResponse>");
    for (int i = 0; i < 60; i++)
        vpce_buf_puts(&b, "<a>");
    for (int i = 0; i < 60; i++)
        vpce_buf_puts(&b, "</a>");
    vpce_buf_puts(&b, "</DescribeVpcsResponse>");
    json_t *r = NULL;
    vpce_aws_xml_error err;
    assert_int_equal(vpce_aws_xml_parse(&r, &err, "DescribeVpcs", 200, b.data, b.len), 0);
    json_decref(r);
    vpce_buf_release(&b);

    /* Oversized. */
    size_t big = (16u << 20) + 10;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    expect_invalid(200, huge, big, "larger than");
    free(huge);
}

/* What came back is named for any body that is not XML, and never blamed on a DOCTYPE unless it
 * is XML declaring one. */
static void test_xml_what_came_back(void **state)
{
    (void)state;
    /* The page moto's server (Werkzeug) sends for a filter it does not implement. */
    const char *moto = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
                       "<h1>Internal Server Error</h1>\n<p>The server encountered an internal "
                       "error and was unable to complete your request.</p>\n";
    expect_invalid(500, moto, strlen(moto),
                   "unexpected response from EC2 to DescribeVpcs: HTTP 500 with an HTML body "
                   "(title: \"500 Internal Server Error\")");
    assert_null(strstr(vpce_error_last(), "DOCTYPE"));
    const char *xhtml = "<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 "
                        "Strict//EN\" \"x\">\n<html><head><title>Oops</title></head></html>";
    expect_invalid(503, xhtml, strlen(xhtml), "HTTP 503 with an HTML body (title: \"Oops\")");
    expect_invalid(500, " \r\n\t ", 5, "HTTP 500 with an empty body");
    const char *text = "\n\nService Unavailable\nretry later";
    expect_invalid(503, text, strlen(text),
                   "HTTP 503 with a text body (first line: \"Service Unavailable\")");
    const char *json = "{\"__type\":\"UnknownOperationException\"}";
    expect_invalid(400, json, strlen(json), "HTTP 400 with a JSON body (first line: \"{");
    char long_line[400];
    memset(long_line, 'x', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = '\0';
    expect_invalid(500, long_line, strlen(long_line), "xxx...\")");
    assert_true(strlen(vpce_error_last()) < 250);
    /* Real XML declaring a DOCTYPE is still refused as such, whatever the status. */
    const char *dtd = "<?xml version=\"1.0\"?><!DOCTYPE Response [<!ENTITY e \"x\">]>"
                      "<Response><Errors><Error><Code>&e;</Code></Error></Errors></Response>";
    expect_invalid(500, dtd, strlen(dtd), "XML with a DOCTYPE refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_success_shape),
        cmocka_unit_test(test_xml_errors),
        cmocka_unit_test(test_xml_hostile),
        cmocka_unit_test(test_xml_what_came_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
