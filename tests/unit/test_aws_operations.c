/*
 * Every operation of the EC2 model subset, called once or more through the AWS client against
 * the EC2 simulator in a realistic order (network, gateway, security group, endpoints, tags,
 * then teardown), each answer checked. At the end the set of operations called must equal the
 * model's operation names, so a new operation in the model fails this test until it is covered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "providers/aws/client.h"
#include "tests/unit/support/sim.h"

#define SSM "com.amazonaws.us-east-1.ssm"
#define S3  "com.amazonaws.us-east-1.s3"

static vpce_sim sim;
static vpce_aws_client *cli;

/* ---- the operations called ---------------------------------------------------------------- */

#define MAX_OPS 64
static char *called[MAX_OPS];
static size_t ncalled;

static void record(const char *action)
{
    for (size_t i = 0; i < ncalled; i++)
        if (strcmp(called[i], action) == 0)
            return;
    assert_true(ncalled < MAX_OPS);
    called[ncalled++] = strdup(action);
}

/* Calls action, asserts success, records it, and empties p for the next call. */
static json_t *ok(const char *action, vpce_aws_params *p)
{
    json_t *r = NULL;
    int rc = vpce_aws_call(cli, action, p, &r);
    if (rc != 0)
        print_error("%s: %s\n", action, vpce_error_last());
    assert_int_equal(rc, 0);
    assert_non_null(r);
    record(action);
    vpce_aws_params_release(p);
    vpce_aws_params_init(p);
    return r;
}

static json_t *ok_paged(const char *action, vpce_aws_params *p, const char *list_key)
{
    json_t *items = NULL;
    int rc = vpce_aws_call_paged(cli, action, p, list_key, &items);
    if (rc != 0)
        print_error("%s: %s\n", action, vpce_error_last());
    assert_int_equal(rc, 0);
    assert_true(json_is_array(items));
    record(action);
    vpce_aws_params_release(p);
    vpce_aws_params_init(p);
    return items;
}

/* Calls action expecting a "...NotFound" answer. */
static void not_found(const char *action, vpce_aws_params *p)
{
    json_t *r = NULL;
    assert_int_equal(vpce_aws_call(cli, action, p, &r), VPCE_ENOTFOUND);
    assert_null(r);
    const char *code = vpce_aws_last_error_code();
    assert_true(strlen(code) > 8);
    assert_string_equal(code + strlen(code) - 8, "NotFound");
    vpce_aws_params_release(p);
    vpce_aws_params_init(p);
}

/* ---- JSON helpers ------------------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A list as EC2 answers it: an array, or "" / absent when empty. */
static size_t n_items(const json_t *v)
{
    return json_is_array(v) ? json_array_size(v) : 0;
}

static void assert_prefix(const char *s, const char *prefix)
{
    assert_non_null(s);
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        print_error("'%s' does not start with '%s'\n", s, prefix);
    assert_int_equal(strncmp(s, prefix, strlen(prefix)), 0);
}

static char *dup_id(const json_t *o, const char *key, const char *prefix)
{
    const char *s = str(o, key);
    assert_prefix(s, prefix);
    return strdup(s);
}

/* The value of tag key in a tagSet, or NULL. */
static const char *tag_value(const json_t *tagset, const char *key)
{
    for (size_t i = 0; i < n_items(tagset); i++) {
        const json_t *t = json_array_get(tagset, i);
        if (str(t, "key") && strcmp(str(t, "key"), key) == 0)
            return str(t, "value");
    }
    return NULL;
}

/* The element of arr whose field key equals value, or NULL. */
static json_t *find_by(const json_t *arr, const char *key, const char *value)
{
    for (size_t i = 0; i < n_items(arr); i++) {
        json_t *o = json_array_get(arr, i);
        if (str(o, key) && strcmp(str(o, key), value) == 0)
            return o;
    }
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "11", "--pending-ms", "100", NULL};
    if (vpce_sim_start(&sim, args) != 0)
        return -1;
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("VPCE_AWS_RATE_SCALE");
    vpce_aws_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.endpoint_ec2 = sim.endpoint;
    cfg.region = "us-east-1";
    cfg.access_key = "test";
    cfg.secret_key = "test";
    cfg.no_pacing = true;
    if (vpce_aws_client_new(&cli, &cfg) != 0) {
        fprintf(stderr, "client_new: %s\n", vpce_error_last());
        vpce_sim_stop(&sim);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_aws_client_free(cli);
    vpce_sim_stop(&sim);
    for (size_t i = 0; i < ncalled; i++)
        free(called[i]);
    return 0;
}

/* ---- pieces of the sequence --------------------------------------------------------------- */

/* DescribeVpcEndpoints by id until the endpoint is available (at most 10 s); returns it. */
static json_t *wait_available(const char *vpce_id)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    for (int i = 0; i < 500; i++) {
        vpce_aws_params_add(&p, "VpcEndpointId.1", vpce_id);
        json_t *items = ok_paged("DescribeVpcEndpoints", &p, "vpcEndpointSet");
        assert_int_equal(json_array_size(items), 1);
        json_t *ep = json_incref(json_array_get(items, 0));
        json_decref(items);
        const char *st = str(ep, "state");
        assert_non_null(st);
        if (strcmp(st, "available") == 0) {
            vpce_aws_params_release(&p);
            return ep;
        }
        assert_string_equal(st, "pending");
        json_decref(ep);
        sleep_ms(20);
    }
    fail_msg("endpoint %s never became available", vpce_id);
    return NULL;
}

/* The route table as DescribeRouteTables shows it (new reference). */
static json_t *describe_rtb(const char *rtb)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "RouteTableId.1", rtb);
    json_t *r = ok("DescribeRouteTables", &p);
    json_t *set = json_object_get(r, "routeTableSet");
    assert_int_equal(n_items(set), 1);
    json_t *t = json_incref(json_array_get(set, 0));
    json_decref(r);
    vpce_aws_params_release(&p);
    return t;
}

/* The VPC's tagSet value for key, copied (NULL when absent). */
static char *vpc_tag(const char *vpc, const char *key)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&p, "VpcId.1", vpc);
    json_t *items = ok_paged("DescribeVpcs", &p, "vpcSet");
    assert_int_equal(json_array_size(items), 1);
    const char *v = tag_value(json_object_get(json_array_get(items, 0), "tagSet"), key);
    char *out = v ? strdup(v) : NULL;
    json_decref(items);
    vpce_aws_params_release(&p);
    return out;
}

/* The security group rule ids of gid. */
static json_t *rules_of(const char *gid)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    const char *g[] = {gid};
    vpce_aws_params_add_filter(&p, "group-id", g, 1);
    json_t *items = ok_paged("DescribeSecurityGroupRules", &p, "securityGroupRuleSet");
    vpce_aws_params_release(&p);
    return items;
}

static size_t count_enis(const char *vpc)
{
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    const char *v[] = {vpc};
    const char *t[] = {"vpc_endpoint"};
    vpce_aws_params_add_filter(&p, "vpc-id", v, 1);
    vpce_aws_params_add_filter(&p, "interface-type", t, 1);
    json_t *items = ok_paged("DescribeNetworkInterfaces", &p, "networkInterfaceSet");
    size_t n = json_array_size(items);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(items, i);
        assert_prefix(str(e, "networkInterfaceId"), "eni-");
        assert_string_equal(str(e, "vpcId"), vpc);
    }
    json_decref(items);
    vpce_aws_params_release(&p);
    return n;
}

/* ---- the test ----------------------------------------------------------------------------- */

static void test_every_operation(void **state)
{
    (void)state;
    vpce_aws_params p = VPCE_AWS_PARAMS_INIT;
    json_t *r, *o, *items;

    /* Zones of the region. */
    r = ok("DescribeAvailabilityZones", &p);
    json_t *zones = json_object_get(r, "availabilityZoneInfo");
    assert_true(n_items(zones) >= 2);
    char *az1 = dup_id(json_array_get(zones, 0), "zoneName", "us-east-1");
    char *az2 = dup_id(json_array_get(zones, 1), "zoneName", "us-east-1");
    assert_string_equal(str(json_array_get(zones, 0), "zoneState"), "available");
    assert_string_equal(str(json_array_get(zones, 0), "regionName"), "us-east-1");
    json_decref(r);

    /* VPC, its DNS attributes. */
    vpce_aws_params_add(&p, "CidrBlock", "10.20.0.0/16");
    r = ok("CreateVpc", &p);
    char *vpc = dup_id(json_object_get(r, "vpc"), "vpcId", "vpc-");
    json_decref(r);
    vpce_aws_params_add(&p, "VpcId.1", vpc);
    items = ok_paged("DescribeVpcs", &p, "vpcSet");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(str(json_array_get(items, 0), "vpcId"), vpc);
    assert_string_equal(str(json_array_get(items, 0), "cidrBlock"), "10.20.0.0/16");
    json_decref(items);

    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "Attribute", "enableDnsHostnames");
    r = ok("DescribeVpcAttribute", &p);
    assert_string_equal(str(json_object_get(r, "enableDnsHostnames"), "value"), "false");
    json_decref(r);
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add_bool(&p, "EnableDnsHostnames.Value", true);
    json_decref(ok("ModifyVpcAttribute", &p));
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "Attribute", "enableDnsHostnames");
    r = ok("DescribeVpcAttribute", &p);
    assert_string_equal(str(r, "vpcId"), vpc);
    assert_string_equal(str(json_object_get(r, "enableDnsHostnames"), "value"), "true");
    json_decref(r);
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "Attribute", "enableDnsSupport");
    r = ok("DescribeVpcAttribute", &p);
    assert_string_equal(str(json_object_get(r, "enableDnsSupport"), "value"), "true");
    json_decref(r);

    /* Two subnets in two zones. */
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "CidrBlock", "10.20.1.0/24");
    vpce_aws_params_add(&p, "AvailabilityZone", az1);
    r = ok("CreateSubnet", &p);
    char *sub1 = dup_id(json_object_get(r, "subnet"), "subnetId", "subnet-");
    json_decref(r);
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "CidrBlock", "10.20.2.0/24");
    vpce_aws_params_add(&p, "AvailabilityZone", az2);
    r = ok("CreateSubnet", &p);
    char *sub2 = dup_id(json_object_get(r, "subnet"), "subnetId", "subnet-");
    json_decref(r);
    const char *vpcs[] = {vpc};
    vpce_aws_params_add_filter(&p, "vpc-id", vpcs, 1);
    items = ok_paged("DescribeSubnets", &p, "subnetSet");
    assert_int_equal(json_array_size(items), 2);
    o = find_by(items, "subnetId", sub1);
    assert_non_null(o);
    assert_string_equal(str(o, "cidrBlock"), "10.20.1.0/24");
    assert_string_equal(str(o, "availabilityZone"), az1);
    o = find_by(items, "subnetId", sub2);
    assert_non_null(o);
    assert_string_equal(str(o, "availabilityZone"), az2);
    json_decref(items);

    /* A route table: the local route, an association made and undone. */
    vpce_aws_params_add(&p, "VpcId", vpc);
    r = ok("CreateRouteTable", &p);
    char *rtb = dup_id(json_object_get(r, "routeTable"), "routeTableId", "rtb-");
    json_decref(r);
    o = describe_rtb(rtb);
    assert_string_equal(str(o, "vpcId"), vpc);
    json_t *route = find_by(json_object_get(o, "routeSet"), "destinationCidrBlock", "10.20.0.0/16");
    assert_non_null(route);
    assert_string_equal(str(route, "gatewayId"), "local");
    assert_int_equal(n_items(json_object_get(o, "associationSet")), 0);
    json_decref(o);

    vpce_aws_params_add(&p, "RouteTableId", rtb);
    vpce_aws_params_add(&p, "SubnetId", sub1);
    r = ok("AssociateRouteTable", &p);
    char *assoc = dup_id(r, "associationId", "rtbassoc-");
    assert_string_equal(str(json_object_get(r, "associationState"), "state"), "associated");
    json_decref(r);
    o = describe_rtb(rtb);
    json_t *a = find_by(json_object_get(o, "associationSet"), "routeTableAssociationId", assoc);
    assert_non_null(a);
    assert_string_equal(str(a, "subnetId"), sub1);
    json_decref(o);
    vpce_aws_params_add(&p, "AssociationId", assoc);
    json_decref(ok("DisassociateRouteTable", &p));
    o = describe_rtb(rtb);
    assert_null(find_by(json_object_get(o, "associationSet"), "routeTableAssociationId", assoc));
    json_decref(o);

    /* Internet gateway: attach, route through it, remove the route, detach, delete. */
    r = ok("CreateInternetGateway", &p);
    char *igw = dup_id(json_object_get(r, "internetGateway"), "internetGatewayId", "igw-");
    json_decref(r);
    vpce_aws_params_add(&p, "InternetGatewayId", igw);
    vpce_aws_params_add(&p, "VpcId", vpc);
    json_decref(ok("AttachInternetGateway", &p));
    vpce_aws_params_add(&p, "InternetGatewayId.1", igw);
    items = ok_paged("DescribeInternetGateways", &p, "internetGatewaySet");
    assert_int_equal(json_array_size(items), 1);
    json_t *att = json_object_get(json_array_get(items, 0), "attachmentSet");
    assert_int_equal(n_items(att), 1);
    assert_string_equal(str(json_array_get(att, 0), "vpcId"), vpc);
    json_decref(items);

    vpce_aws_params_add(&p, "RouteTableId", rtb);
    vpce_aws_params_add(&p, "DestinationCidrBlock", "0.0.0.0/0");
    vpce_aws_params_add(&p, "GatewayId", igw);
    r = ok("CreateRoute", &p);
    assert_string_equal(str(r, "return"), "true");
    json_decref(r);
    o = describe_rtb(rtb);
    route = find_by(json_object_get(o, "routeSet"), "destinationCidrBlock", "0.0.0.0/0");
    assert_non_null(route);
    assert_string_equal(str(route, "gatewayId"), igw);
    assert_string_equal(str(route, "state"), "active");
    json_decref(o);
    vpce_aws_params_add(&p, "RouteTableId", rtb);
    vpce_aws_params_add(&p, "DestinationCidrBlock", "0.0.0.0/0");
    json_decref(ok("DeleteRoute", &p));
    o = describe_rtb(rtb);
    assert_null(find_by(json_object_get(o, "routeSet"), "destinationCidrBlock", "0.0.0.0/0"));
    assert_non_null(
        find_by(json_object_get(o, "routeSet"), "destinationCidrBlock", "10.20.0.0/16"));
    json_decref(o);

    vpce_aws_params_add(&p, "InternetGatewayId", igw);
    vpce_aws_params_add(&p, "VpcId", vpc);
    json_decref(ok("DetachInternetGateway", &p));
    vpce_aws_params_add(&p, "InternetGatewayId.1", igw);
    items = ok_paged("DescribeInternetGateways", &p, "internetGatewaySet");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(n_items(json_object_get(json_array_get(items, 0), "attachmentSet")), 0);
    json_decref(items);
    vpce_aws_params_add(&p, "InternetGatewayId", igw);
    json_decref(ok("DeleteInternetGateway", &p));
    vpce_aws_params_add(&p, "InternetGatewayId.1", igw);
    not_found("DescribeInternetGateways", &p);

    /* Security group: rules added, listed, revoked. */
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "GroupName", "endpoints");
    vpce_aws_params_add(&p, "GroupDescription", "HTTPS to the interface endpoints");
    r = ok("CreateSecurityGroup", &p);
    char *sg = dup_id(r, "groupId", "sg-");
    json_decref(r);
    vpce_aws_params_add(&p, "GroupId.1", sg);
    items = ok_paged("DescribeSecurityGroups", &p, "securityGroupInfo");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(str(json_array_get(items, 0), "groupName"), "endpoints");
    assert_string_equal(str(json_array_get(items, 0), "vpcId"), vpc);
    json_decref(items);

    vpce_aws_params_add(&p, "GroupId", sg);
    vpce_aws_params_add(&p, "IpPermissions.1.IpProtocol", "tcp");
    vpce_aws_params_add_int(&p, "IpPermissions.1.FromPort", 443);
    vpce_aws_params_add_int(&p, "IpPermissions.1.ToPort", 443);
    vpce_aws_params_add(&p, "IpPermissions.1.IpRanges.1.CidrIp", "10.20.0.0/16");
    r = ok("AuthorizeSecurityGroupIngress", &p);
    assert_string_equal(str(r, "return"), "true");
    assert_int_equal(n_items(json_object_get(r, "securityGroupRuleSet")), 1);
    char *in_rule = dup_id(json_array_get(json_object_get(r, "securityGroupRuleSet"), 0),
                           "securityGroupRuleId", "sgr-");
    json_decref(r);
    vpce_aws_params_add(&p, "GroupId", sg);
    vpce_aws_params_add(&p, "IpPermissions.1.IpProtocol", "tcp");
    vpce_aws_params_add_int(&p, "IpPermissions.1.FromPort", 443);
    vpce_aws_params_add_int(&p, "IpPermissions.1.ToPort", 443);
    vpce_aws_params_add(&p, "IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8");
    r = ok("AuthorizeSecurityGroupEgress", &p);
    assert_string_equal(str(r, "return"), "true");
    char *out_rule = dup_id(json_array_get(json_object_get(r, "securityGroupRuleSet"), 0),
                            "securityGroupRuleId", "sgr-");
    json_decref(r);

    items = rules_of(sg);
    o = find_by(items, "securityGroupRuleId", in_rule);
    assert_non_null(o);
    assert_string_equal(str(o, "isEgress"), "false");
    assert_string_equal(str(o, "cidrIpv4"), "10.20.0.0/16");
    assert_string_equal(str(o, "fromPort"), "443");
    o = find_by(items, "securityGroupRuleId", out_rule);
    assert_non_null(o);
    assert_string_equal(str(o, "isEgress"), "true");
    assert_string_equal(str(o, "cidrIpv4"), "10.0.0.0/8");
    size_t nrules = json_array_size(items);
    json_decref(items);

    vpce_aws_params_add(&p, "GroupId", sg);
    vpce_aws_params_add(&p, "SecurityGroupRuleId.1", in_rule);
    r = ok("RevokeSecurityGroupIngress", &p);
    assert_string_equal(str(r, "return"), "true");
    assert_non_null(
        find_by(json_object_get(r, "revokedSecurityGroupRuleSet"), "securityGroupRuleId", in_rule));
    json_decref(r);
    vpce_aws_params_add(&p, "GroupId", sg);
    vpce_aws_params_add(&p, "IpPermissions.1.IpProtocol", "tcp");
    vpce_aws_params_add_int(&p, "IpPermissions.1.FromPort", 443);
    vpce_aws_params_add_int(&p, "IpPermissions.1.ToPort", 443);
    vpce_aws_params_add(&p, "IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8");
    r = ok("RevokeSecurityGroupEgress", &p);
    assert_string_equal(str(r, "return"), "true");
    assert_non_null(find_by(json_object_get(r, "revokedSecurityGroupRuleSet"),
                            "securityGroupRuleId", out_rule));
    json_decref(r);
    items = rules_of(sg);
    assert_int_equal(json_array_size(items), nrules - 2);
    assert_null(find_by(items, "securityGroupRuleId", in_rule));
    assert_null(find_by(items, "securityGroupRuleId", out_rule));
    json_decref(items);
    /* The interface endpoint below needs HTTPS in from the VPC. */
    vpce_aws_params_add(&p, "GroupId", sg);
    vpce_aws_params_add(&p, "IpPermissions.1.IpProtocol", "tcp");
    vpce_aws_params_add_int(&p, "IpPermissions.1.FromPort", 443);
    vpce_aws_params_add_int(&p, "IpPermissions.1.ToPort", 443);
    vpce_aws_params_add(&p, "IpPermissions.1.IpRanges.1.CidrIp", "10.20.0.0/16");
    json_decref(ok("AuthorizeSecurityGroupIngress", &p));

    /* The services and the S3 prefix list. */
    vpce_aws_params_add(&p, "ServiceName.1", S3);
    vpce_aws_params_add(&p, "ServiceName.2", SSM);
    r = ok("DescribeVpcEndpointServices", &p);
    json_t *names = json_object_get(r, "serviceNameSet");
    assert_true(n_items(names) >= 2);
    bool seen_s3 = false, seen_ssm = false;
    for (size_t i = 0; i < n_items(names); i++) {
        const char *n = json_string_value(json_array_get(names, i));
        assert_non_null(n);
        seen_s3 = seen_s3 || strcmp(n, S3) == 0;
        seen_ssm = seen_ssm || strcmp(n, SSM) == 0;
    }
    assert_true(seen_s3 && seen_ssm);
    o = find_by(json_object_get(r, "serviceDetailSet"), "serviceName", SSM);
    assert_non_null(o);
    assert_string_equal(str(o, "privateDnsName"), "ssm.us-east-1.amazonaws.com");
    json_decref(r);

    const char *s3name[] = {S3};
    vpce_aws_params_add_filter(&p, "prefix-list-name", s3name, 1);
    items = ok_paged("DescribePrefixLists", &p, "prefixListSet");
    assert_int_equal(json_array_size(items), 1);
    char *pl = dup_id(json_array_get(items, 0), "prefixListId", "pl-");
    assert_true(n_items(json_object_get(json_array_get(items, 0), "cidrSet")) > 0);
    json_decref(items);
    const char *pls[] = {pl};
    vpce_aws_params_add_filter(&p, "prefix-list-id", pls, 1);
    items = ok_paged("DescribeManagedPrefixLists", &p, "prefixListSet");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(str(json_array_get(items, 0), "prefixListName"), S3);
    assert_string_equal(str(json_array_get(items, 0), "ownerId"), "AWS");
    json_decref(items);

    /* Gateway endpoint for S3 on the route table: the prefix-list route appears. */
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "ServiceName", S3);
    vpce_aws_params_add(&p, "VpcEndpointType", "Gateway");
    vpce_aws_params_add(&p, "RouteTableId.1", rtb);
    vpce_aws_params_add(&p, "ClientToken", "ops-s3-gateway-1");
    json_t *tags = json_pack("{s:s}", "Name", "s3");
    assert_int_equal(vpce_aws_params_add_tag_spec(&p, "vpc-endpoint", tags), 0);
    json_decref(tags);
    r = ok("CreateVpcEndpoint", &p);
    o = json_object_get(r, "vpcEndpoint");
    char *gw = dup_id(o, "vpcEndpointId", "vpce-");
    assert_string_equal(str(o, "vpcEndpointType"), "Gateway");
    assert_string_equal(tag_value(json_object_get(o, "tagSet"), "Name"), "s3");
    json_decref(r);
    o = describe_rtb(rtb);
    route = find_by(json_object_get(o, "routeSet"), "destinationPrefixListId", pl);
    assert_non_null(route);
    assert_string_equal(str(route, "gatewayId"), gw);
    json_decref(o);

    /* Interface endpoint for SSM in one subnet: pending, then available with one ENI. */
    vpce_aws_params_add(&p, "VpcId", vpc);
    vpce_aws_params_add(&p, "ServiceName", SSM);
    vpce_aws_params_add(&p, "VpcEndpointType", "Interface");
    vpce_aws_params_add(&p, "SubnetId.1", sub1);
    vpce_aws_params_add(&p, "SecurityGroupId.1", sg);
    vpce_aws_params_add_bool(&p, "PrivateDnsEnabled", true);
    vpce_aws_params_add(&p, "ClientToken", "ops-ssm-interface-1");
    r = ok("CreateVpcEndpoint", &p);
    o = json_object_get(r, "vpcEndpoint");
    char *ifc = dup_id(o, "vpcEndpointId", "vpce-");
    assert_string_equal(str(o, "vpcEndpointType"), "Interface");
    assert_string_equal(str(o, "state"), "pending");
    json_decref(r);
    o = wait_available(ifc);
    assert_string_equal(str(o, "privateDnsEnabled"), "true");
    assert_int_equal(n_items(json_object_get(o, "networkInterfaceIdSet")), 1);
    assert_non_null(find_by(json_object_get(o, "groupSet"), "groupId", sg));
    json_decref(o);
    assert_int_equal(count_enis(vpc), 1);

    /* A second subnet: a second ENI. */
    vpce_aws_params_add(&p, "VpcEndpointId", ifc);
    vpce_aws_params_add(&p, "AddSubnetId.1", sub2);
    r = ok("ModifyVpcEndpoint", &p);
    assert_string_equal(str(r, "return"), "true");
    json_decref(r);
    o = wait_available(ifc);
    assert_int_equal(n_items(json_object_get(o, "networkInterfaceIdSet")), 2);
    assert_int_equal(n_items(json_object_get(o, "subnetIdSet")), 2);
    json_decref(o);
    assert_int_equal(count_enis(vpc), 2);

    /* Both endpoints in the VPC. */
    vpce_aws_params_add_filter(&p, "vpc-id", vpcs, 1);
    items = ok_paged("DescribeVpcEndpoints", &p, "vpcEndpointSet");
    assert_int_equal(json_array_size(items), 2);
    assert_non_null(find_by(items, "vpcEndpointId", gw));
    assert_non_null(find_by(items, "vpcEndpointId", ifc));
    json_decref(items);

    /* Tags on the VPC: present, then absent. */
    vpce_aws_params_add(&p, "ResourceId.1", vpc);
    tags = json_pack("{s:s}", "team", "network");
    assert_int_equal(vpce_aws_params_add_tags(&p, "Tag", tags), 0);
    json_decref(tags);
    json_decref(ok("CreateTags", &p));
    char *tv = vpc_tag(vpc, "team");
    assert_non_null(tv);
    assert_string_equal(tv, "network");
    free(tv);
    vpce_aws_params_add(&p, "ResourceId.1", vpc);
    vpce_aws_params_add(&p, "Tag.1.Key", "team");
    json_decref(ok("DeleteTags", &p));
    assert_null(vpc_tag(vpc, "team"));

    /* Teardown: endpoints (routes and ENIs go with them), then the network. */
    vpce_aws_params_add(&p, "VpcEndpointId.1", gw);
    vpce_aws_params_add(&p, "VpcEndpointId.2", ifc);
    r = ok("DeleteVpcEndpoints", &p);
    assert_int_equal(n_items(json_object_get(r, "unsuccessful")), 0);
    json_decref(r);
    o = describe_rtb(rtb);
    assert_null(find_by(json_object_get(o, "routeSet"), "destinationPrefixListId", pl));
    json_decref(o);
    size_t left = 1;
    for (int i = 0; i < 500 && left > 0; i++) {
        vpce_aws_params_add_filter(&p, "vpc-id", vpcs, 1);
        items = ok_paged("DescribeVpcEndpoints", &p, "vpcEndpointSet");
        left = json_array_size(items);
        json_decref(items);
        if (left > 0)
            sleep_ms(20);
    }
    assert_int_equal(left, 0);
    assert_int_equal(count_enis(vpc), 0);

    vpce_aws_params_add(&p, "GroupId", sg);
    r = ok("DeleteSecurityGroup", &p);
    assert_string_equal(str(r, "return"), "true");
    json_decref(r);
    vpce_aws_params_add(&p, "GroupId.1", sg);
    not_found("DescribeSecurityGroups", &p);

    vpce_aws_params_add(&p, "RouteTableId", rtb);
    json_decref(ok("DeleteRouteTable", &p));
    vpce_aws_params_add(&p, "RouteTableId.1", rtb);
    not_found("DescribeRouteTables", &p);

    /* Network ACLs: a new ACL with an entry, a subnet moved to it and back, then gone. */
    vpce_aws_params_add(&p, "VpcId", vpc);
    r = ok("CreateNetworkAcl", &p);
    char *acl = vpce_strdup(str(json_object_get(r, "networkAcl"), "networkAclId"));
    json_decref(r);
    assert_true(strncmp(acl, "acl-", 4) == 0);
    vpce_aws_params_add(&p, "NetworkAclId", acl);
    vpce_aws_params_add(&p, "RuleNumber", "100");
    vpce_aws_params_add(&p, "Protocol", "6");
    vpce_aws_params_add(&p, "RuleAction", "allow");
    vpce_aws_params_add(&p, "Egress", "false");
    vpce_aws_params_add(&p, "CidrBlock", "10.0.0.0/16");
    vpce_aws_params_add(&p, "PortRange.From", "443");
    vpce_aws_params_add(&p, "PortRange.To", "443");
    json_decref(ok("CreateNetworkAclEntry", &p));
    vpce_aws_params_add(&p, "NetworkAclId", acl);
    vpce_aws_params_add(&p, "RuleNumber", "100");
    vpce_aws_params_add(&p, "Protocol", "-1");
    vpce_aws_params_add(&p, "RuleAction", "deny");
    vpce_aws_params_add(&p, "Egress", "false");
    vpce_aws_params_add(&p, "CidrBlock", "0.0.0.0/0");
    json_decref(ok("ReplaceNetworkAclEntry", &p));
    vpce_aws_params_add_filter(&p, "association.subnet-id", (const char *[]){sub1}, 1);
    items = ok_paged("DescribeNetworkAcls", &p, "networkAclSet");
    assert_int_equal(json_array_size(items), 1);
    const json_t *dflt = json_array_get(items, 0);
    char *dflt_id = vpce_strdup(str(dflt, "networkAclId"));
    char *acl_assoc = NULL;
    size_t k;
    const json_t *as;
    json_array_foreach(json_object_get(dflt, "associationSet"), k, as)
    {
        if (strcmp(str(as, "subnetId"), sub1) == 0)
            acl_assoc = vpce_strdup(str(as, "networkAclAssociationId"));
    }
    json_decref(items);
    assert_non_null(acl_assoc);
    vpce_aws_params_add(&p, "AssociationId", acl_assoc);
    vpce_aws_params_add(&p, "NetworkAclId", acl);
    r = ok("ReplaceNetworkAclAssociation", &p);
    char *moved = vpce_strdup(str(r, "newAssociationId"));
    json_decref(r);
    vpce_aws_params_add(&p, "AssociationId", moved);
    vpce_aws_params_add(&p, "NetworkAclId", dflt_id);
    json_decref(ok("ReplaceNetworkAclAssociation", &p));
    vpce_aws_params_add(&p, "NetworkAclId", acl);
    vpce_aws_params_add(&p, "RuleNumber", "100");
    vpce_aws_params_add(&p, "Egress", "false");
    json_decref(ok("DeleteNetworkAclEntry", &p));
    vpce_aws_params_add(&p, "NetworkAclId", acl);
    json_decref(ok("DeleteNetworkAcl", &p));
    free(acl);
    free(dflt_id);
    free(acl_assoc);
    free(moved);

    vpce_aws_params_add(&p, "SubnetId", sub1);
    json_decref(ok("DeleteSubnet", &p));
    vpce_aws_params_add(&p, "SubnetId", sub2);
    json_decref(ok("DeleteSubnet", &p));
    vpce_aws_params_add(&p, "SubnetId.1", sub1);
    not_found("DescribeSubnets", &p);

    vpce_aws_params_add(&p, "VpcId", vpc);
    json_decref(ok("DeleteVpc", &p));
    vpce_aws_params_add(&p, "VpcId.1", vpc);
    not_found("DescribeVpcs", &p);

    vpce_aws_params_release(&p);
    free(az1);
    free(az2);
    free(vpc);
    free(sub1);
    free(sub2);
    free(rtb);
    free(assoc);
    free(igw);
    free(sg);
    free(in_rule);
    free(out_rule);
    free(pl);
    free(gw);
    free(ifc);

    /* The operations called are exactly the model's. */
    json_error_t jerr;
    json_t *model = json_load_file(VPCE_TEST_DATA_DIR "/ec2-model/ec2-vpc-subset.json", 0, &jerr);
    if (!model)
        print_error("model: %s\n", jerr.text);
    assert_non_null(model);
    json_t *ops = json_object_get(model, "operations");
    assert_true(json_is_object(ops));
    assert_int_equal(json_object_size(ops), 46);
    const char *name;
    json_t *unused;
    json_object_foreach(ops, name, unused)
    {
        bool found = false;
        for (size_t i = 0; i < ncalled && !found; i++)
            found = strcmp(called[i], name) == 0;
        if (!found)
            print_error("model operation not called: %s\n", name);
        assert_true(found);
    }
    for (size_t i = 0; i < ncalled; i++) {
        if (!json_object_get(ops, called[i]))
            print_error("called an operation outside the model: %s\n", called[i]);
        assert_non_null(json_object_get(ops, called[i]));
    }
    assert_int_equal(ncalled, json_object_size(ops));
    json_decref(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_operation),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
