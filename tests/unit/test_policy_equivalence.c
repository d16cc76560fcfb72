/* Unit tests: IAM policy equivalence (planner/policy.c), the equal and the not-equal cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "planner/planner.h"

#define BASE                                                                                       \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","              \
    "\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"                          \
    "\"Resource\":[\"arn:aws:s3:::b/*\"],"                                                         \
    "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\"]}}}]}"

static void equal(const char *a, const char *b)
{
    assert_true(vpce_policy_equivalent(a, b));
    assert_true(vpce_policy_equivalent(b, a));
}

static void differ(const char *a, const char *b)
{
    assert_false(vpce_policy_equivalent(a, b));
    assert_false(vpce_policy_equivalent(b, a));
}

static void policy_equal_whitespace_and_key_order(void **state)
{
    (void)state;
    equal(BASE, "{ \"Statement\" : [ { \"Resource\": \"arn:aws:s3:::b/*\",\n"
                "  \"Action\": [\"s3:PutObject\", \"s3:GetObject\"], \"Effect\": \"Allow\",\n"
                "  \"Condition\": {\"StringEquals\": {\"aws:SourceVpc\": \"vpc-1\"}},\n"
                "  \"Principal\": {\"AWS\": \"*\"}, \"Sid\": \"A\" } ],\n"
                "  \"Version\": \"2012-10-17\" }");
}

static void policy_equal_string_vs_list(void **state)
{
    (void)state;
    equal("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\","
          "\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::1:root\"}}]}",
          "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:*\"],\"Resource\":[\"*\"],"
          "\"NotPrincipal\":{\"AWS\":[\"arn:aws:iam::1:root\"]}}}");
    equal("{\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":\"ec2:*\",\"NotResource\":\"x\"}]}",
          "{\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":[\"ec2:*\"],"
          "\"NotResource\":[\"x\"]}]}");
}

static void policy_equal_statement_order_and_effect_case(void **state)
{
    (void)state;
    equal("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:1\",\"Resource\":\"*\"},"
          "{\"Effect\":\"Deny\",\"Action\":\"a:2\",\"Resource\":\"*\"}]}",
          "{\"Statement\":[{\"Effect\":\"deny\",\"Action\":\"a:2\",\"Resource\":\"*\"},"
          "{\"Effect\":\"ALLOW\",\"Action\":[\"a:1\",\"a:1\"],\"Resource\":\"*\"}]}");
}

static void policy_equal_condition_scalars(void **state)
{
    (void)state;
    equal("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
          "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":true},"
          "\"StringLike\":{\"k\":[\"b\",\"a\"]}}}]}",
          "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
          "\"Condition\":{\"StringLike\":{\"k\":[\"a\",\"b\"]},"
          "\"Bool\":{\"aws:SecureTransport\":\"true\"}}}]}");
}

static void policy_not_equal(void **state)
{
    (void)state;
    /* different action */
    differ(BASE, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
                 "\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:DeleteObject\"],"
                 "\"Resource\":[\"arn:aws:s3:::b/*\"],"
                 "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\"]}}}]}");
    /* Allow vs Deny */
    differ(BASE, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Deny\","
                 "\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
                 "\"Resource\":[\"arn:aws:s3:::b/*\"],"
                 "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\"]}}}]}");
    /* extra statement */
    differ(BASE, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
                 "\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
                 "\"Resource\":[\"arn:aws:s3:::b/*\"],"
                 "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\"]}}},"
                 "{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\"}]}");
    /* different resource */
    differ(BASE, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
                 "\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
                 "\"Resource\":[\"arn:aws:s3:::c/*\"],"
                 "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\"]}}}]}");
    /* different condition key */
    differ(BASE, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
                 "\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
                 "\"Resource\":[\"arn:aws:s3:::b/*\"],"
                 "\"Condition\":{\"StringEquals\":{\"aws:SourceVpce\":[\"vpc-1\"]}}}]}");
    /* different principal */
    differ(BASE, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
                 "\"Principal\":{\"AWS\":\"arn:aws:iam::1:root\"},"
                 "\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
                 "\"Resource\":[\"arn:aws:s3:::b/*\"],"
                 "\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":[\"vpc-1\"]}}}]}");
    /* different Version, missing Version, different Sid */
    differ("{\"Version\":\"2012-10-17\",\"Statement\":[]}",
           "{\"Version\":\"2008-10-17\",\"Statement\":[]}");
    differ("{\"Version\":\"2012-10-17\",\"Statement\":[]}", "{\"Statement\":[]}");
    differ("{\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"*\"}]}",
           "{\"Statement\":[{\"Sid\":\"B\",\"Effect\":\"Allow\",\"Action\":\"*\"}]}");
    /* a one-element list is not equal to a two-element one */
    differ("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a\"}]}",
           "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a\",\"b\"]}]}");
}

static void policy_invalid_json_compares_as_text(void **state)
{
    (void)state;
    assert_true(vpce_policy_equivalent("{not json", "{not json"));
    assert_false(vpce_policy_equivalent("{not json", "{not  json"));
    assert_false(vpce_policy_equivalent("{not json", "{}"));
}

static void json_equivalence(void **state)
{
    (void)state;
    assert_true(vpce_json_equivalent("{\"a\": 1, \"b\": [1,2]}", "{\"b\":[1,2],\"a\":1.0}"));
    assert_false(vpce_json_equivalent("{\"b\":[1,2]}", "{\"b\":[2,1]}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_equal_whitespace_and_key_order),
        cmocka_unit_test(policy_equal_string_vs_list),
        cmocka_unit_test(policy_equal_statement_order_and_effect_case),
        cmocka_unit_test(policy_equal_condition_scalars),
        cmocka_unit_test(policy_not_equal),
        cmocka_unit_test(policy_invalid_json_compares_as_text),
        cmocka_unit_test(json_equivalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
