/*
 * Unit tests of the reachability rules (analysis/analysis.h), one group per rule: each plans a
 * small configuration offline with the aws provider's schemas (empty state, no data source
 * reads; dummy credentials, nothing is sent) and runs that rule alone on the planned world. Each
 * rule is shown to report the broken case, to stay quiet on the fixed one, and to stay quiet
 * when a value it needs cannot be known before apply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis/analysis.h"
#include "config/config.h"
#include "tests/unit/support/testprov.h"

typedef void (*rule_fn)(const vpce_world *w, vpce_findings *out);

/* A VPC 10.0.0.0/16 with DNS on, subnets a (us-east-1a) and b (us-east-1b) on route table
   private, and group endpoints admitting 443 from the VPC, plus extra. */
static char *config(const char *extra)
{
    return vpce_asprintf(
        "provider \"aws\" {\n  skip_credentials_validation = true\n}\n"
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n"
        "  enable_dns_hostnames = true\n}\n"
        "resource \"aws_subnet\" \"a\" {\n  vpc_id = aws_vpc.main.id\n"
        "  cidr_block = \"10.0.1.0/24\"\n  availability_zone = \"us-east-1a\"\n}\n"
        "resource \"aws_subnet\" \"b\" {\n  vpc_id = aws_vpc.main.id\n"
        "  cidr_block = \"10.0.2.0/24\"\n  availability_zone = \"us-east-1b\"\n}\n"
        "resource \"aws_route_table\" \"private\" {\n  vpc_id = aws_vpc.main.id\n}\n"
        "resource \"aws_route_table_association\" \"a\" {\n  subnet_id = aws_subnet.a.id\n"
        "  route_table_id = aws_route_table.private.id\n}\n"
        "resource \"aws_route_table_association\" \"b\" {\n  subnet_id = aws_subnet.b.id\n"
        "  route_table_id = aws_route_table.private.id\n}\n"
        "resource \"aws_security_group\" \"endpoints\" {\n  vpc_id = aws_vpc.main.id\n"
        "  ingress {\n    from_port = 443\n    to_port = 443\n    protocol = \"tcp\"\n"
        "    cidr_blocks = [aws_vpc.main.cidr_block]\n  }\n}\n%s",
        extra);
}

/* An interface endpoint for ssm with the given body lines. */
static char *ssm(const char *name, const char *body)
{
    return vpce_asprintf("resource \"aws_vpc_endpoint\" \"%s\" {\n  vpc_id = aws_vpc.main.id\n"
                         "  service_name = \"com.amazonaws.us-east-1.ssm\"\n"
                         "  vpc_endpoint_type = \"Interface\"\n%s}\n",
                         name, body);
}

static vpce_plan *plan_of(const char *extra, vpce_config **cfg_out)
{
    char *text = config(extra);
    vpce_config *cfg = testprov_load(text);
    free(text);
    vpce_plan *p = testprov_plan(cfg, NULL, NULL);
    if (cfg_out)
        *cfg_out = cfg;
    else
        vpce_config_free(cfg);
    return p;
}

/* Runs fn on the world of p into out (initialised here). */
static void run_on(vpce_plan *p, rule_fn fn, vpce_findings *out)
{
    vpce_world *w = NULL;
    *out = (vpce_findings)VPCE_FINDINGS_INIT;
    assert_int_equal(vpce_world_new(&w, p), 0);
    fn(w, out);
    vpce_world_free(w);
}

/* Plans extra, runs fn, and checks the findings: n of them, the first with rule and sev. */
static void expect(const char *extra, rule_fn fn, size_t n, const char *rule,
                   vpce_finding_severity sev)
{
    vpce_plan *p = plan_of(extra, NULL);
    vpce_findings f;
    run_on(p, fn, &f);
    for (size_t i = 0; i < f.n && f.n != n; i++)
        print_message("finding: %s %s\n", f.items[i].rule, f.items[i].summary);
    assert_int_equal(f.n, n);
    if (n && rule) {
        assert_string_equal(f.items[0].rule, rule);
        assert_int_equal(f.items[0].severity, sev);
        assert_non_null(f.items[0].fix);
    }
    vpce_findings_release(&f);
    vpce_plan_free(p);
}

#define S3(body)                                                                                   \
    "resource \"aws_vpc_endpoint\" \"s3\" {\n  vpc_id = aws_vpc.main.id\n"                         \
    "  service_name = \"com.amazonaws.us-east-1.s3\"\n" body "}\n"

static void gateway_unused(void **state)
{
    (void)state;
    expect(S3(""), vpce_analysis_rule_gateway_unused, 1, "gateway-unused", VPCE_FINDING_WARNING);
    expect(S3("  route_table_ids = [aws_route_table.private.id]\n"),
           vpce_analysis_rule_gateway_unused, 0, NULL, 0);
    /* an association resource attaches it just as well */
    expect(S3("") "resource \"aws_vpc_endpoint_route_table_association\" \"x\" {\n"
                  "  route_table_id = aws_route_table.private.id\n"
                  "  vpc_endpoint_id = aws_vpc_endpoint.s3.id\n}\n",
           vpce_analysis_rule_gateway_unused, 0, NULL, 0);
    /* a list computed from unknowns cannot be told: nothing is said */
    expect(S3("  route_table_ids = [lower(aws_route_table.private.id)]\n"),
           vpce_analysis_rule_gateway_unused, 0, NULL, 0);
    /* a route table no subnet uses */
    expect(S3("  route_table_ids = [aws_route_table.spare.id]\n") "resource \"aws_route_table\" "
                                                                  "\"spare\" {\n  vpc_id = "
                                                                  "aws_vpc.main.id\n}\n",
           vpce_analysis_rule_gateway_unused, 1, "gateway-unused", VPCE_FINDING_WARNING);
}

static void gateway_duplicate(void **state)
{
    (void)state;
    const char *two = S3(
        "  route_table_ids = [aws_route_table.private.id]\n") "resource \"aws_vpc_endpoint\" "
                                                              "\"s3b\" {\n  vpc_id = "
                                                              "aws_vpc.main.id\n"
                                                              "  service_name = "
                                                              "\"com.amazonaws.us-east-1.%s\"\n"
                                                              "  route_table_ids = "
                                                              "[aws_route_table.private.id]\n}\n";
    char *same = vpce_asprintf(two, "s3"), *other = vpce_asprintf(two, "dynamodb");
    expect(same, vpce_analysis_rule_gateway_duplicate, 1, "gateway-duplicate-route-table",
           VPCE_FINDING_ERROR);
    expect(other, vpce_analysis_rule_gateway_duplicate, 0, NULL, 0);
    free(same);
    free(other);
}

/* Three endpoints of one service on shared route tables, one attached by an association
   resource: each is reported against every earlier one it shares a route table with, by earlier
   endpoint and then in the order of its own route tables. */
static void gateway_duplicate_several(void **state)
{
    (void)state;
    const char *extra =
        "resource \"aws_route_table\" \"spare\" {\n  vpc_id = aws_vpc.main.id\n}\n"
        "resource \"aws_vpc_endpoint\" \"s3\" {\n  vpc_id = aws_vpc.main.id\n"
        "  service_name = \"com.amazonaws.us-east-1.s3\"\n"
        "  route_table_ids = [aws_route_table.spare.id, aws_route_table.private.id]\n}\n"
        "resource \"aws_vpc_endpoint\" \"s3b\" {\n  vpc_id = aws_vpc.main.id\n"
        "  service_name = \"com.amazonaws.us-east-1.s3\"\n}\n"
        "resource \"aws_vpc_endpoint_route_table_association\" \"b\" {\n"
        "  route_table_id = aws_route_table.private.id\n"
        "  vpc_endpoint_id = aws_vpc_endpoint.s3b.id\n}\n"
        "resource \"aws_vpc_endpoint\" \"s3c\" {\n  vpc_id = aws_vpc.main.id\n"
        "  service_name = \"com.amazonaws.us-east-1.s3\"\n"
        "  route_table_ids = [aws_route_table.private.id, aws_route_table.spare.id]\n}\n"
        "resource \"aws_vpc_endpoint\" \"dynamo\" {\n  vpc_id = aws_vpc.main.id\n"
        "  service_name = \"com.amazonaws.us-east-1.dynamodb\"\n"
        "  route_table_ids = [aws_route_table.private.id]\n}\n";
    static const char *const want[][3] = {
        /* endpoint, route table, earlier endpoint */
        {"aws_vpc_endpoint.s3b", "aws_route_table.private", "aws_vpc_endpoint.s3"},
        {"aws_vpc_endpoint.s3c", "aws_route_table.private", "aws_vpc_endpoint.s3"},
        {"aws_vpc_endpoint.s3c", "aws_route_table.spare", "aws_vpc_endpoint.s3"},
        {"aws_vpc_endpoint.s3c", "aws_route_table.private", "aws_vpc_endpoint.s3b"},
    };
    vpce_plan *p = plan_of(extra, NULL);
    vpce_findings f;
    run_on(p, vpce_analysis_rule_gateway_duplicate, &f);
    assert_int_equal(f.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < f.n; i++) {
        assert_string_equal(f.items[i].endpoint, want[i][0]);
        assert_string_equal(f.items[i].blocking, want[i][1]);
        char *through = vpce_asprintf("through %s;", want[i][2]);
        assert_non_null(strstr(f.items[i].summary, through));
        free(through);
    }
    vpce_findings_release(&f);
    vpce_plan_free(p);
}

/* Three private-DNS endpoints of one service in one VPC and one in another VPC: the second and
   the third are reported against the first, the one elsewhere not at all. */
static void private_dns_duplicate_several(void **state)
{
    (void)state;
    char *a = ssm("a", "  private_dns_enabled = true\n");
    char *b = ssm("b", "  private_dns_enabled = true\n");
    char *c = ssm("c", "  private_dns_enabled = true\n");
    char *extra = vpce_asprintf("%s%s%s"
                                "resource \"aws_vpc\" \"other\" {\n  cidr_block = "
                                "\"10.1.0.0/16\"\n  enable_dns_hostnames = true\n}\n"
                                "resource \"aws_vpc_endpoint\" \"d\" {\n"
                                "  vpc_id = aws_vpc.other.id\n"
                                "  service_name = \"com.amazonaws.us-east-1.ssm\"\n"
                                "  vpc_endpoint_type = \"Interface\"\n"
                                "  private_dns_enabled = true\n}\n",
                                a, b, c);
    vpce_plan *p = plan_of(extra, NULL);
    vpce_findings f;
    run_on(p, vpce_analysis_rule_private_dns_duplicate, &f);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.items[0].endpoint, "aws_vpc_endpoint.b");
    assert_string_equal(f.items[0].blocking, "aws_vpc_endpoint.a");
    assert_string_equal(f.items[1].endpoint, "aws_vpc_endpoint.c");
    assert_string_equal(f.items[1].blocking, "aws_vpc_endpoint.a");
    vpce_findings_release(&f);
    vpce_plan_free(p);
    free(a);
    free(b);
    free(c);
    free(extra);
}

static void gateway_sg_egress(void **state)
{
    (void)state;
    const char *tmpl =
        S3("  route_table_ids = [aws_route_table.private.id]\n") "resource \"aws_security_group\" "
                                                                 "\"app\" {\n  vpc_id = "
                                                                 "aws_vpc.main.id\n"
                                                                 "  egress {\n    from_port = "
                                                                 "443\n    to_port = 443\n    "
                                                                 "protocol = \"tcp\"\n%s  }\n}\n";
    static const struct {
        const char *dest;
        size_t n;
    } cases[] = {
        {"    security_groups = [aws_security_group.endpoints.id]\n", 1},
        {"    cidr_blocks = [\"0.0.0.0/0\"]\n", 0},
        {"    prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]\n", 0},
        /* a narrower CIDR may or may not hold the prefix list: unknown, quiet */
        {"    cidr_blocks = [\"52.216.0.0/15\"]\n", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *extra = vpce_asprintf(tmpl, cases[i].dest);
        expect(extra, vpce_analysis_rule_gateway_sg_egress, cases[i].n, "gateway-sg-egress",
               VPCE_FINDING_WARNING);
        free(extra);
    }
    /* the endpoints group has no egress set: EC2's default allow-all stays, no finding */
    expect(S3("  route_table_ids = [aws_route_table.private.id]\n"),
           vpce_analysis_rule_gateway_sg_egress, 0, NULL, 0);
}

static void policy(void **state)
{
    (void)state;
    const char *tmpl = S3("  policy = jsonencode({ Statement = [%s] })\n");
    static const struct {
        const char *st;
        size_t n;
        const char *rule;
        vpce_finding_severity sev;
    } cases[] = {
        {"{ Effect = \"Deny\", Principal = \"*\", Action = \"*\", Resource = \"*\" }", 1,
         "policy-denies-all", VPCE_FINDING_ERROR},
        {"{ Effect = \"Deny\", Principal = { AWS = \"*\" }, Action = [\"*\"], Resource = \"*\" "
         "}",
         1, "policy-denies-all", VPCE_FINDING_ERROR},
        {"{ Effect = \"Allow\", Principal = \"*\", Action = \"s3:GetObject\" }", 1,
         "policy-no-resource", VPCE_FINDING_WARNING},
        {"{ Effect = \"Allow\", Principal = \"*\", Action = \"*\", Resource = \"*\" }", 0, NULL, 0},
        {"{ Effect = \"Deny\", Principal = \"*\", Action = \"*\", Resource = \"*\", Condition = "
         "{ Bool = { \"aws:SecureTransport\" = \"false\" } } }, { Effect = \"Allow\", Principal "
         "= \"*\", Action = \"*\", Resource = \"*\" }",
         0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *extra = vpce_asprintf(tmpl, cases[i].st);
        expect(extra, vpce_analysis_rule_policy, cases[i].n, cases[i].rule, cases[i].sev);
        free(extra);
    }
}

static void interface_sg_ingress(void **state)
{
    (void)state;
    char *good = ssm("x", "  security_group_ids = [aws_security_group.endpoints.id]\n");
    expect(good, vpce_analysis_rule_interface_sg_ingress, 0, NULL, 0);
    free(good);
    char *none = ssm("x", "");
    expect(none, vpce_analysis_rule_interface_sg_ingress, 1, "interface-sg-ingress",
           VPCE_FINDING_WARNING);
    free(none);
    const char *tmpl = "resource \"aws_security_group\" \"ssh\" {\n  vpc_id = aws_vpc.main.id\n"
                       "  ingress {\n    from_port = %d\n    to_port = %d\n"
                       "    protocol = \"tcp\"\n    cidr_blocks = [%s]\n  }\n}\n%s";
    char *ep = ssm("x", "  security_group_ids = [aws_security_group.ssh.id]\n");
    char *ssh = vpce_asprintf(tmpl, 22, 22, "\"10.0.0.0/16\"", ep);
    expect(ssh, vpce_analysis_rule_interface_sg_ingress, 1, "interface-sg-ingress",
           VPCE_FINDING_ERROR);
    char *outside = vpce_asprintf(tmpl, 443, 443, "\"192.168.0.0/16\"", ep);
    expect(outside, vpce_analysis_rule_interface_sg_ingress, 1, "interface-sg-ingress",
           VPCE_FINDING_WARNING);
    /* a CIDR computed at apply: quiet */
    char *unknown = vpce_asprintf(tmpl, 443, 443, "cidrsubnet(aws_vpc.main.id, 0, 0)", ep);
    expect(unknown, vpce_analysis_rule_interface_sg_ingress, 0, NULL, 0);
    char *rule = vpce_asprintf(
        "%s"
        "resource \"aws_security_group_rule\" \"https\" {\n  type = \"ingress\"\n"
        "  security_group_id = aws_security_group.ssh.id\n  from_port = 443\n  to_port = 443\n"
        "  protocol = \"tcp\"\n  cidr_blocks = [\"10.0.0.0/8\"]\n}\n",
        ssh);
    expect(rule, vpce_analysis_rule_interface_sg_ingress, 0, NULL, 0);
    free(ep);
    free(ssh);
    free(outside);
    free(unknown);
    free(rule);
}

static void interface_azs(void **state)
{
    (void)state;
    const char *c = "resource \"aws_subnet\" \"c\" {\n  vpc_id = aws_vpc.main.id\n"
                    "  cidr_block = \"10.0.3.0/24\"\n  availability_zone = \"%s\"\n}\n%s";
    char *ep = ssm("x", "  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]\n");
    char *ep3 = ssm("x", "  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]\n");
    char *uncovered = vpce_asprintf(c, "us-east-1c", ep);
    char *covered = vpce_asprintf(c, "us-east-1c", ep3);
    char *twice = vpce_asprintf(c, "us-east-1a", ep3);
    expect(uncovered, vpce_analysis_rule_interface_azs, 1, "interface-az-coverage",
           VPCE_FINDING_WARNING);
    expect(covered, vpce_analysis_rule_interface_azs, 0, NULL, 0);
    expect(twice, vpce_analysis_rule_interface_azs, 1, "interface-subnets-same-az",
           VPCE_FINDING_ERROR);
    /* a zone AWS picks at apply: quiet */
    char *picked = vpce_asprintf("resource \"aws_subnet\" \"c\" {\n  vpc_id = aws_vpc.main.id\n"
                                 "  cidr_block = \"10.0.3.0/24\"\n}\n%s",
                                 ep3);
    expect(picked, vpce_analysis_rule_interface_azs, 0, NULL, 0);
    free(ep);
    free(ep3);
    free(uncovered);
    free(covered);
    free(twice);
    free(picked);
}

static void private_dns(void **state)
{
    (void)state;
    char *ep = ssm("x", "  private_dns_enabled = true\n");
    char *off = ssm("x", "  private_dns_enabled = false\n");
    expect(ep, vpce_analysis_rule_private_dns_vpc, 0, NULL, 0);
    expect(off, vpce_analysis_rule_private_dns_vpc, 0, NULL, 0);
    /* a VPC without DNS hostnames (the default) */
    char *text =
        vpce_asprintf("resource \"aws_vpc\" \"plain\" {\n  cidr_block = "
                      "\"10.1.0.0/16\"\n}\n"
                      "resource \"aws_vpc_endpoint\" \"y\" {\n  vpc_id = aws_vpc.plain.id\n"
                      "  service_name = \"com.amazonaws.us-east-1.ssm\"\n"
                      "  vpc_endpoint_type = \"Interface\"\n"
                      "  private_dns_enabled = true\n}\n");
    expect(text, vpce_analysis_rule_private_dns_vpc, 1, "interface-private-dns-vpc",
           VPCE_FINDING_ERROR);
    char *dup = vpce_asprintf("%s%s", ep,
                              "resource \"aws_vpc_endpoint\" \"z\" {\n"
                              "  vpc_id = aws_vpc.main.id\n"
                              "  service_name = \"com.amazonaws.us-east-1.ssm\"\n"
                              "  vpc_endpoint_type = \"Interface\"\n"
                              "  private_dns_enabled = true\n}\n");
    expect(dup, vpce_analysis_rule_private_dns_duplicate, 1, "interface-private-dns-duplicate",
           VPCE_FINDING_ERROR);
    char *ok = vpce_asprintf("%s%s", ep, off);
    ok[strlen(ep) + strlen("resource \"aws_vpc_endpoint\" \"")] = 'w'; /* rename the second */
    expect(ok, vpce_analysis_rule_private_dns_duplicate, 0, NULL, 0);
    free(ep);
    free(off);
    free(text);
    free(dup);
    free(ok);
}

/* A data source change the plan read: aws_vpc_endpoint_service for ssm offered in zones. */
static void add_service(vpce_plan *p, const char *zones_json)
{
    vpce_change *c = vpce_calloc(1, sizeof(*c));
    c->address = vpce_strdup("data.aws_vpc_endpoint_service.ssm");
    c->mode = vpce_strdup("data");
    c->type = vpce_strdup("aws_vpc_endpoint_service");
    c->name = vpce_strdup("ssm");
    c->provider = vpce_strdup("aws");
    c->action = VPCE_ACTION_NOOP;
    char *text = vpce_asprintf("{\"id\":\"x\",\"service_name\":\"com.amazonaws.us-east-1.ssm\","
                               "\"availability_zones\":%s}",
                               zones_json);
    c->after = json_loads(text, 0, NULL);
    free(text);
    p->changes = vpce_realloc(p->changes, (p->nchanges + 1) * sizeof(*p->changes));
    p->changes[p->nchanges++] = c;
}

static void service_azs(void **state)
{
    (void)state;
    char *ep = ssm("x", "  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]\n");
    static const struct {
        const char *zones;
        size_t n;
    } cases[] = {{"[\"us-east-1a\"]", 1}, {"[\"us-east-1a\",\"us-east-1b\"]", 0}};
    for (size_t i = 0; i < 2; i++) {
        vpce_plan *p = plan_of(ep, NULL);
        add_service(p, cases[i].zones);
        vpce_findings f;
        run_on(p, vpce_analysis_rule_service_azs, &f);
        assert_int_equal(f.n, cases[i].n);
        if (f.n) {
            assert_string_equal(f.items[0].rule, "interface-service-az");
            assert_string_equal(f.items[0].blocking, "aws_subnet.b");
        }
        vpce_findings_release(&f);
        vpce_plan_free(p);
    }
    /* without the data source there is nothing to compare with */
    expect(ep, vpce_analysis_rule_service_azs, 0, NULL, 0);
    free(ep);
}

static void nacl(void **state)
{
    (void)state;
    const char *tmpl =
        "resource \"aws_network_acl\" \"n\" {\n  vpc_id = aws_vpc.main.id\n"
        "  subnet_ids = [aws_subnet.a.id]\n"
        "  ingress {\n    rule_no = 100\n    action = \"%s\"\n    protocol = \"tcp\"\n"
        "    cidr_block = \"10.0.0.0/16\"\n    from_port = 443\n    to_port = 443\n  }\n"
        "  egress {\n    rule_no = 100\n    action = \"allow\"\n    protocol = \"tcp\"\n"
        "    cidr_block = \"10.0.0.0/16\"\n    from_port = 1024\n    to_port = %d\n  }\n}\n%s";
    char *ep = ssm("x", "  subnet_ids = [aws_subnet.a.id]\n");
    char *ok = vpce_asprintf(tmpl, "allow", 65535, ep);
    char *deny = vpce_asprintf(tmpl, "deny", 65535, ep);
    char *part = vpce_asprintf(tmpl, "allow", 2000, ep);
    expect(ok, vpce_analysis_rule_nacl, 0, NULL, 0);
    expect(deny, vpce_analysis_rule_nacl, 1, "nacl-blocks-endpoint", VPCE_FINDING_ERROR);
    expect(part, vpce_analysis_rule_nacl, 1, "nacl-blocks-endpoint", VPCE_FINDING_WARNING);
    /* a lower-numbered aws_network_acl_rule allowing 443 comes first */
    char *rule = vpce_asprintf("%s"
                               "resource \"aws_network_acl_rule\" \"https\" {\n"
                               "  network_acl_id = aws_network_acl.n.id\n  rule_number = 50\n"
                               "  protocol = \"tcp\"\n  rule_action = \"allow\"\n"
                               "  cidr_block = \"0.0.0.0/0\"\n  from_port = 443\n"
                               "  to_port = 443\n}\n",
                               deny);
    expect(rule, vpce_analysis_rule_nacl, 0, NULL, 0);
    free(ep);
    free(ok);
    free(deny);
    free(part);
    free(rule);
}

static void run_skips_and_sorts(void **state)
{
    (void)state;
    char *ep = ssm("x", "  vpce_checks {\n    skip = [\"interface-sg-ingress\", \"nope\"]\n  }\n");
    vpce_config *cfg = NULL;
    vpce_plan *p = plan_of(ep, &cfg);
    vpce_findings f;
    assert_int_equal(vpce_analysis_run(&f, p, NULL), 0);
    assert_int_equal(f.n, 1); /* no security group */
    vpce_findings_release(&f);
    assert_int_equal(vpce_analysis_run(&f, p, cfg), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].rule, "unknown-check");
    json_t *doc = vpce_findings_to_json(&f);
    assert_int_equal(json_integer_value(json_object_get(doc, "warnings")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "endpoints"), 0), "address")),
                        "aws_vpc_endpoint.x");
    json_decref(doc);
    vpce_findings_release(&f);
    vpce_plan_free(p);
    vpce_config_free(cfg);
    free(ep);
}

int main(void)
{
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    setenv("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:9", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gateway_unused),
        cmocka_unit_test(gateway_duplicate),
        cmocka_unit_test(gateway_duplicate_several),
        cmocka_unit_test(gateway_sg_egress),
        cmocka_unit_test(policy),
        cmocka_unit_test(interface_sg_ingress),
        cmocka_unit_test(interface_azs),
        cmocka_unit_test(private_dns),
        cmocka_unit_test(private_dns_duplicate_several),
        cmocka_unit_test(service_azs),
        cmocka_unit_test(nacl),
        cmocka_unit_test(run_skips_and_sorts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
