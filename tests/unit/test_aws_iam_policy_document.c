/*
 * The aws_iam_policy_document data source, computed locally: the JSON text as the Terraform AWS
 * provider writes it (key order, one-element sets as strings, larger ones in reverse order,
 * "*" principals), source and override documents merged by Sid, and its errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "providers/provider.h"

static json_t *read_doc(const char *config_json, int expect_rc)
{
    const vpce_resource_type *t = vpce_providers_data_source("aws_iam_policy_document");
    assert_non_null(t);
    assert_non_null(t->read);
    json_error_t je;
    json_t *config = json_loads(config_json, 0, &je);
    assert_non_null(config);
    json_t *out = NULL;
    assert_int_equal(t->read(NULL, config, &out), expect_rc);
    json_decref(config);
    return out;
}

static void iam_document_statement_blocks(void **state)
{
    (void)state;
    json_t *out =
        read_doc("{\"statement\": [{\"sid\": \"Read\", \"effect\": \"Allow\","
                 " \"actions\": [\"s3:GetObject\", \"s3:ListBucket\"], \"resources\": "
                 "[\"arn:aws:s3:::b/*\"],"
                 " \"principals\": [{\"type\": \"*\", \"identifiers\": [\"*\"]}],"
                 " \"condition\": [{\"test\": \"StringEquals\", \"variable\": \"aws:SourceVpc\","
                 " \"values\": [\"vpc-1\"]}]},"
                 " {\"effect\": \"Deny\", \"not_actions\": [\"s3:*\"], \"resources\": [\"*\"],"
                 " \"principals\": [{\"type\": \"AWS\", \"identifiers\": [\"arn:a\", \"arn:b\"]},"
                 " {\"type\": \"AWS\", \"identifiers\": [\"arn:a\"]}]}]}",
                 0);
    assert_string_equal(json_string_value(json_object_get(out, "json")),
                        "{\n"
                        "  \"Version\": \"2012-10-17\",\n"
                        "  \"Statement\": [\n"
                        "    {\n"
                        "      \"Sid\": \"Read\",\n"
                        "      \"Effect\": \"Allow\",\n"
                        "      \"Action\": [\n"
                        "        \"s3:ListBucket\",\n"
                        "        \"s3:GetObject\"\n"
                        "      ],\n"
                        "      \"Resource\": \"arn:aws:s3:::b/*\",\n"
                        "      \"Principal\": \"*\",\n"
                        "      \"Condition\": {\n"
                        "        \"StringEquals\": {\n"
                        "          \"aws:SourceVpc\": \"vpc-1\"\n"
                        "        }\n"
                        "      }\n"
                        "    },\n"
                        "    {\n"
                        "      \"Effect\": \"Deny\",\n"
                        "      \"NotAction\": \"s3:*\",\n"
                        "      \"Resource\": \"*\",\n"
                        "      \"Principal\": {\n"
                        "        \"AWS\": [\n"
                        "          \"arn:b\",\n"
                        "          \"arn:a\"\n"
                        "        ]\n"
                        "      }\n"
                        "    }\n"
                        "  ]\n"
                        "}");
    const char *min = json_string_value(json_object_get(out, "minified_json"));
    assert_non_null(strstr(min, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Read\""));
    assert_null(strchr(min, '\n'));
    /* The id is the CRC-32 of the indented text, as a decimal string. */
    const char *id = json_string_value(json_object_get(out, "id"));
    assert_non_null(id);
    assert_true(strspn(id, "0123456789") == strlen(id));
    json_decref(out);
}

static void iam_document_sources_and_overrides(void **state)
{
    (void)state;
    json_t *out = read_doc(
        "{\"version\": \"2012-10-17\", \"policy_id\": \"p1\","
        " \"source_policy_documents\": [\"{\\\"Statement\\\": [{\\\"Sid\\\": \\\"A\\\", "
        "\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"ec2:*\\\", \\\"Resource\\\": "
        "\\\"*\\\"}, {\\\"Sid\\\": \\\"B\\\", \\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": "
        "\\\"s3:*\\\", \\\"Resource\\\": \\\"*\\\"}]}\"],"
        " \"statement\": [{\"sid\": \"B\", \"effect\": \"Deny\", \"actions\": [\"s3:Delete*\"],"
        " \"resources\": [\"*\"]}],"
        " \"override_policy_documents\": [\"{\\\"Statement\\\": {\\\"Sid\\\": \\\"A\\\", "
        "\\\"Effect\\\": \\\"Deny\\\", \\\"Action\\\": \\\"ec2:Delete*\\\", \\\"Resource\\\": "
        "\\\"*\\\"}}\", \"{\\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": "
        "\\\"sts:GetCallerIdentity\\\", \\\"Resource\\\": \\\"*\\\"}]}\"]}",
        0);
    json_error_t je;
    json_t *doc = json_loads(json_string_value(json_object_get(out, "json")), 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "Id")), "p1");
    json_t *st = json_object_get(doc, "Statement");
    assert_int_equal(json_array_size(st), 3);
    /* A: from the source, replaced by the override. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(st, 0), "Effect")),
                        "Deny");
    assert_string_equal(json_string_value(json_object_get(json_array_get(st, 0), "Action")),
                        "ec2:Delete*");
    /* B: from the source, replaced by the statement block, in the source's place. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(st, 1), "Sid")), "B");
    assert_string_equal(json_string_value(json_object_get(json_array_get(st, 1), "Action")),
                        "s3:Delete*");
    /* The override without a Sid is appended. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(st, 2), "Action")),
                        "sts:GetCallerIdentity");
    assert_null(json_object_get(json_array_get(st, 2), "Sid"));
    json_decref(doc);
    json_decref(out);
}

static void iam_document_errors(void **state)
{
    (void)state;
    assert_null(read_doc("{\"statement\": [{\"sid\": \"X\", \"actions\": [\"a:b\"]},"
                         " {\"sid\": \"X\", \"actions\": [\"a:c\"]}]}",
                         VPCE_EINVALID));
    assert_string_equal(vpce_error_last(), "duplicate Sid (X): sids must be unique");
    assert_null(read_doc("{\"source_policy_documents\": [\"not json\"]}", VPCE_EINVALID));
    assert_non_null(
        strstr(vpce_error_last(), "source_policy_documents[0] is not a JSON policy document"));
    assert_null(
        read_doc("{\"override_policy_documents\": [\"{\\\"Statement\\\": [1]}\"]}", VPCE_EINVALID));
    assert_string_equal(vpce_error_last(),
                        "override_policy_documents[0]: statement 1 is not an object");
}

static void iam_document_escapes_like_go(void **state)
{
    (void)state;
    json_t *out =
        read_doc("{\"statement\": [{\"actions\": [\"a:b\"], \"resources\": [\"x<y>&z\"]}]}", 0);
    assert_non_null(strstr(json_string_value(json_object_get(out, "json")),
                           "\"Resource\": \"x\\u003cy\\u003e\\u0026z\""));
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iam_document_statement_blocks),
        cmocka_unit_test(iam_document_sources_and_overrides),
        cmocka_unit_test(iam_document_errors),
        cmocka_unit_test(iam_document_escapes_like_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
