/* EC2 Query parameters and the form encoding, against the bodies botocore produces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "providers/aws/client.h"

static void expect_body(const char *action, const vpce_aws_params *p, const char *want)
{
    char *got = vpce_aws_query_encode(action, "2016-11-15", p);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_query_readme_examples(void **state)
{
    (void)state;
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    const char *vpcs[] = {"vpc-1", "vpc-2"};
    vpce_aws_params_add_filter(&p, "vpc-id", vpcs, 2);
    vpce_aws_params_add_list(&p, "VpcId", vpcs, 1);
    vpce_aws_params_add_bool(&p, "DryRun", true);
    expect_body("DescribeVpcs", &p,
                "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-"
                "1&Filter.1.Value.2=vpc-2&VpcId.1=vpc-1&DryRun=true");
    vpce_aws_params_release(&p);

    vpce_aws_params_add(&p, "VpcId", "vpc-1");
    vpce_aws_params_add_bool(&p, "EnableDnsHostnames.Value", true);
    expect_body("ModifyVpcAttribute", &p,
                "Action=ModifyVpcAttribute&Version=2016-11-15&VpcId=vpc-1&EnableDnsHostnames."
                "Value=true");
    vpce_aws_params_release(&p);

    vpce_aws_params_add(&p, "ResourceId.1", "vpce-1");
    json_t *tags = json_pack("{s:s}", "Name", "a b");
    assert_int_equal(vpce_aws_params_add_tags(&p, "Tag", tags), 0);
    json_decref(tags);
    expect_body("CreateTags", &p,
                "Action=CreateTags&Version=2016-11-15&ResourceId.1=vpce-1&Tag.1.Key=Name&Tag.1."
                "Value=a+b");
    vpce_aws_params_release(&p);

    vpce_aws_params_add(&p, "GroupId", "sg-1");
    vpce_aws_params_add(&p, "IpPermissions.1.IpProtocol", "tcp");
    vpce_aws_params_add_int(&p, "IpPermissions.1.FromPort", 443);
    vpce_aws_params_add_int(&p, "IpPermissions.1.ToPort", 443);
    vpce_aws_params_add(&p, "IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/16");
    vpce_aws_params_addf(&p, "sg-2", "IpPermissions.%d.Groups.%d.GroupId", 1, 1);
    expect_body("AuthorizeSecurityGroupIngress", &p,
                "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&"
                "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1."
                "ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F16&IpPermissions.1."
                "Groups.1.GroupId=sg-2");
    vpce_aws_params_release(&p);

    vpce_aws_params_add(&p, "VpcId", "vpc-1");
    vpce_aws_params_add(&p, "ServiceName", "com.amazonaws.us-east-1.s3");
    vpce_aws_params_add(&p, "VpcEndpointType", "Interface");
    json_t *subnets = json_pack("[s]", "subnet-1");
    assert_int_equal(vpce_aws_params_add_json_list(&p, "SubnetId", subnets), 0);
    json_decref(subnets);
    vpce_aws_params_add(&p, "SecurityGroupId.1", "sg-1");
    vpce_aws_params_add_bool(&p, "PrivateDnsEnabled", false);
    vpce_aws_params_add(&p, "DnsOptions.DnsRecordIpType", "ipv4");
    tags = json_pack("{s:s}", "k", "v");
    assert_int_equal(vpce_aws_params_add_tag_spec(&p, "vpc-endpoint", tags), 0);
    json_decref(tags);
    expect_body("CreateVpcEndpoint", &p,
                "Action=CreateVpcEndpoint&Version=2016-11-15&VpcId=vpc-1&ServiceName=com."
                "amazonaws.us-east-1.s3&VpcEndpointType=Interface&SubnetId.1=subnet-1&"
                "SecurityGroupId.1=sg-1&PrivateDnsEnabled=false&DnsOptions.DnsRecordIpType=ipv4&"
                "TagSpecification.1.ResourceType=vpc-endpoint&TagSpecification.1.Tag.1.Key=k&"
                "TagSpecification.1.Tag.1.Value=v");
    vpce_aws_params_release(&p);

    const char *eps[] = {"vpce-1", "vpce-2"};
    vpce_aws_params_add_list(&p, "VpcEndpointId", eps, 2);
    expect_body("DeleteVpcEndpoints", &p,
                "Action=DeleteVpcEndpoints&Version=2016-11-15&VpcEndpointId.1=vpce-1&"
                "VpcEndpointId.2=vpce-2");
    vpce_aws_params_release(&p);
}

static void test_query_helpers(void **state)
{
    (void)state;
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    /* Empty lists, NULL values and empty tag maps send nothing. */
    vpce_aws_params_add_list(&p, "VpcId", NULL, 0);
    vpce_aws_params_add(&p, "Nothing", NULL);
    json_t *empty = json_object();
    assert_int_equal(vpce_aws_params_add_tag_spec(&p, "vpc", empty), 0);
    assert_int_equal(vpce_aws_params_add_tag_spec(&p, "vpc", NULL), 0);
    json_decref(empty);
    assert_int_equal(vpce_aws_params_add_json_list(&p, "X", json_null()), 0);
    assert_int_equal(p.len, 0);
    expect_body("DescribeVpcs", &p, "Action=DescribeVpcs&Version=2016-11-15");

    /* Bad shapes are errors, not crashes. */
    json_t *bad = json_pack("[s,i]", "a", 1);
    assert_int_equal(vpce_aws_params_add_json_list(&p, "X", bad), VPCE_EINVALID);
    json_decref(bad);
    bad = json_pack("{s:i}", "k", 1);
    assert_int_equal(vpce_aws_params_add_tags(&p, "Tag", bad), VPCE_EINVALID);
    assert_int_equal(vpce_aws_params_add_tag_spec(&p, "vpc", bad), VPCE_EINVALID);
    json_decref(bad);
    assert_int_equal(p.len, 0);

    /* Two filters and two tag specifications count separately; tags sorted by key. */
    const char *v1[] = {"available"};
    vpce_aws_params_add_filter(&p, "state", v1, 1);
    vpce_aws_params_add_filter(&p, "tag:Name", v1, 1);
    json_t *t = json_pack("{s:s,s:s}", "z", "1", "a", "2");
    vpce_aws_params_add_tag_spec(&p, "vpc", t);
    vpce_aws_params_add_tag_spec(&p, "subnet", t);
    json_decref(t);
    assert_string_equal(vpce_aws_params_get(&p, "Filter.2.Name"), "tag:Name");
    assert_string_equal(vpce_aws_params_get(&p, "TagSpecification.2.ResourceType"), "subnet");
    assert_string_equal(vpce_aws_params_get(&p, "TagSpecification.1.Tag.1.Key"), "a");
    assert_string_equal(vpce_aws_params_get(&p, "TagSpecification.1.Tag.2.Value"), "1");
    assert_null(vpce_aws_params_get(&p, "Missing"));
    vpce_aws_params_release(&p);

    /* Encoding: unreserved literal, space '+', UTF-8 and reserved bytes %XX. */
    vpce_aws_params_add(&p, "Policy", "{\"a\": \"b&c=d~é\"}");
    expect_body("X", &p,
                "Action=X&Version=2016-11-15&Policy=%7B%22a%22%3A+%22b%26c%3Dd~%C3%A9%22%7D");
    vpce_aws_params_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_readme_examples),
        cmocka_unit_test(test_query_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
