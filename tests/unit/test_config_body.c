/* Unit tests for config/body.c: vpce_body_eval against schemas (defaults, unknowns, nested and
   dynamic blocks, attributes as blocks, type errors, JSON arguments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "lang/lang.h"

typedef struct parsed {
    vpce_file *f;
    vpce_diags d;
    json_t *scope;
} parsed;

/* Parses text and evaluates the body of its first block against the type's schema. */
static json_t *eval_first(parsed *p, const char *text, const vpce_block_schema *schema)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(vpce_parse(&p->f, "t.vpce", text, strlen(text), &p->d), 0);
    p->scope = json_pack("{s:{s:s,s:[s,s],s:{s:s}}}", "var", "cidr", "10.0.0.0/16", "ports", "443",
                         "80", "m", "a", "b");
    json_object_set_new(p->scope, "aws_vpc", json_pack("{s:{s:o}}", "main", "id", vpce_unknown()));
    vpce_eval_ctx ctx = {p->scope, ".", &p->d, NULL, NULL};
    return vpce_body_eval(&ctx, p->f->body->blocks[0]->body, schema);
}

static void release(parsed *p, json_t *v)
{
    json_decref(v);
    json_decref(p->scope);
    vpce_file_free(p->f);
    vpce_diags_release(&p->d);
}

static const vpce_block_schema *schema_of(const char *type)
{
    const vpce_resource_type *t = vpce_providers_resource(type);
    assert_non_null(t);
    return t->schema;
}

static void body_defaults_and_unknowns(void **state)
{
    (void)state;
    parsed p;
    json_t *v = eval_first(&p,
                           "resource \"aws_vpc\" \"m\" {\n  cidr_block = var.cidr\n"
                           "  count = 2\n  tags = { Name = \"x\" }\n}\n",
                           schema_of("aws_vpc"));
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "cidr_block")), "10.0.0.0/16");
    assert_true(json_is_true(json_object_get(v, "enable_dns_support")));    /* default */
    assert_true(json_is_false(json_object_get(v, "enable_dns_hostnames"))); /* default */
    assert_true(vpce_is_unknown(json_object_get(v, "id")));                 /* computed */
    assert_true(vpce_is_unknown(json_object_get(v, "arn")));
    assert_null(json_object_get(v, "count")); /* meta-arguments are skipped */
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "tags"), "Name")),
                        "x");
    release(&p, v);
}

static void body_endpoint_sets_blocks_and_types(void **state)
{
    (void)state;
    parsed p;
    json_t *v = eval_first(&p,
                           "resource \"aws_vpc_endpoint\" \"e\" {\n"
                           "  vpc_id = aws_vpc.main.id\n"
                           "  service_name = \"com.amazonaws.us-east-1.ssm\"\n"
                           "  vpc_endpoint_type = \"Interface\"\n"
                           "  subnet_ids = [\"subnet-b\", \"subnet-a\", \"subnet-b\"]\n"
                           "  private_dns_enabled = \"true\"\n"
                           "  dns_options {\n    dns_record_ip_type = \"ipv4\"\n  }\n"
                           "  timeouts {\n    create = \"10m\"\n  }\n"
                           "}\n",
                           schema_of("aws_vpc_endpoint"));
    assert_non_null(v);
    assert_true(vpce_is_unknown(json_object_get(v, "vpc_id")));
    char *s = json_dumps(json_object_get(v, "subnet_ids"), JSON_COMPACT);
    assert_string_equal(s, "[\"subnet-a\",\"subnet-b\"]"); /* a set: sorted, deduplicated */
    free(s);
    assert_true(json_is_true(json_object_get(v, "private_dns_enabled"))); /* converted */
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "dns_options"), "dns_record_ip_type")),
        "ipv4");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "timeouts"), "create")), "10m");
    assert_true(json_is_null(json_object_get(json_object_get(v, "timeouts"), "delete")));
    assert_true(vpce_is_unknown(json_object_get(v, "subnet_configuration"))); /* computed */
    assert_true(vpce_is_unknown(json_object_get(v, "policy")));
    assert_true(vpce_is_unknown(json_object_get(v, "route_table_ids")));
    release(&p, v);
}

static void body_dynamic_and_attribute_blocks(void **state)
{
    (void)state;
    parsed p;
    json_t *v = eval_first(&p,
                           "resource \"aws_security_group\" \"s\" {\n"
                           "  vpc_id = \"vpc-1\"\n"
                           "  dynamic \"ingress\" {\n    for_each = var.ports\n"
                           "    iterator = port\n    content {\n"
                           "      from_port = port.value\n      to_port = port.value\n"
                           "      protocol = \"tcp\"\n      description = \"p${port.key}\"\n"
                           "    }\n  }\n"
                           "  egress {\n    from_port = 0\n    to_port = 0\n"
                           "    protocol = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n"
                           "}\n",
                           schema_of("aws_security_group"));
    for (size_t i = 0; i < p.d.len; i++)
        print_message("diag: %s %s\n", p.d.items[i].summary,
                      p.d.items[i].detail ? p.d.items[i].detail : "");
    assert_non_null(v);
    json_t *ing = json_object_get(v, "ingress");
    assert_int_equal(json_array_size(ing), 2);
    /* Sorted as a set; omitted attributes get zero values as in Terraform. */
    json_t *first = json_array_get(ing, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "from_port")), 443);
    assert_string_equal(json_string_value(json_object_get(first, "description")), "p0");
    assert_int_equal(json_array_size(json_object_get(first, "cidr_blocks")), 0);
    assert_true(json_is_false(json_object_get(first, "self")));
    json_t *eg = json_object_get(v, "egress");
    assert_int_equal(json_array_size(eg), 1);
    assert_string_equal(json_string_value(json_object_get(v, "description")), "Managed by vpce");
    release(&p, v);
}

static void body_errors(void **state)
{
    (void)state;
    parsed p;
    json_t *v = eval_first(&p,
                           "resource \"aws_vpc_endpoint\" \"e\" {\n"
                           "  service_name = 5\n"
                           "  subnet_ids = \"x\"\n"
                           "  polic = \"{}\"\n"
                           "  policy = \"{nope\"\n"
                           "  arn = \"x\"\n"
                           "  dns_option {}\n"
                           "}\n",
                           schema_of("aws_vpc_endpoint"));
    assert_null(v);
    const char *want[] = {
        "incorrect attribute value type",             /* subnet_ids */
        "unsupported argument \"polic\"",             /* with did you mean */
        "invalid JSON in \"policy\"",                 /* JSON argument */
        "value for unconfigurable attribute \"arn\"", /* computed only */
        "unsupported block type \"dns_option\"",      /* did you mean dns_options */
        "missing required argument",                  /* vpc_id */
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        bool found = false;
        for (size_t i = 0; i < p.d.len; i++)
            found = found || strcmp(p.d.items[i].summary, want[k]) == 0;
        if (!found)
            fail_msg("missing diagnostic: %s", want[k]);
    }
    for (size_t i = 0; i < p.d.len; i++) {
        if (strcmp(p.d.items[i].summary, "unsupported argument \"polic\"") == 0)
            assert_string_equal(p.d.items[i].detail, "did you mean \"policy\"?");
        if (strcmp(p.d.items[i].summary, "incorrect attribute value type") == 0)
            assert_string_equal(p.d.items[i].detail,
                                "inappropriate value for attribute \"subnet_ids\": a set is "
                                "required");
    }
    assert_int_equal(p.d.nerrors, 6); /* service_name = 5 converts to "5" */
    release(&p, v);
}

static void body_unknown_dynamic_and_nested_sets(void **state)
{
    (void)state;
    parsed p;
    json_t *v = eval_first(&p,
                           "resource \"aws_vpc_endpoint\" \"e\" {\n"
                           "  vpc_id = \"vpc-1\"\n"
                           "  service_name = \"com.amazonaws.us-east-1.ssm\"\n"
                           "  subnet_configuration {\n    subnet_id = \"subnet-b\"\n  }\n"
                           "  subnet_configuration {\n    subnet_id = \"subnet-a\"\n  }\n"
                           "  dynamic \"dns_options\" {\n    for_each = aws_vpc.main.id\n"
                           "    content {\n      dns_record_ip_type = dns_options.value\n"
                           "    }\n  }\n"
                           "}\n",
                           schema_of("aws_vpc_endpoint"));
    assert_non_null(v);
    json_t *sc = json_object_get(v, "subnet_configuration");
    assert_int_equal(json_array_size(sc), 2);
    /* Elements holding unknowns (ipv4, ipv6 are optional+computed) keep their order. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(sc, 0), "subnet_id")),
                        "subnet-b");
    assert_true(vpce_is_unknown(json_object_get(json_array_get(sc, 1), "ipv4")));
    assert_true(vpce_is_unknown(json_object_get(v, "dns_options")));
    release(&p, v);
}

/* A schema of many attributes (more than a body's usual table holds): each is found by name,
   one set twice is reported, the ones left out get their defaults, unknowns or nulls. */
static void body_many_attributes_found_by_name(void **state)
{
    (void)state;
    enum { N = 300 };
    static char names[N][8];
    static vpce_attr_schema attrs[N + 1];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "a%d", i);
        attrs[i] = (vpce_attr_schema){names[i], "string", VPCE_ATTR_OPTIONAL, NULL, NULL};
    }
    attrs[7].flags = VPCE_ATTR_COMPUTED;
    attrs[8].flags = VPCE_ATTR_OPTIONAL | VPCE_ATTR_COMPUTED;
    attrs[9].default_json = "\"dflt\"";
    attrs[N] = (vpce_attr_schema){0};
    static const vpce_nested_block no_blocks[] = {{0}};
    static const vpce_block_schema schema = {attrs, no_blocks};
    parsed p;
    json_t *v =
        eval_first(&p, "thing {\n  a0 = \"x\"\n  a299 = \"y\"\n  a150 = \"z\"\n}\n", &schema);
    assert_non_null(v);
    assert_int_equal(json_object_size(v), N);
    assert_string_equal(json_string_value(json_object_get(v, "a0")), "x");
    assert_string_equal(json_string_value(json_object_get(v, "a299")), "y");
    assert_string_equal(json_string_value(json_object_get(v, "a150")), "z");
    assert_true(vpce_is_unknown(json_object_get(v, "a7")));
    assert_true(vpce_is_unknown(json_object_get(v, "a8")));
    assert_string_equal(json_string_value(json_object_get(v, "a9")), "dflt");
    assert_true(json_is_null(json_object_get(v, "a1")));
    release(&p, v);

    v = eval_first(&p, "thing {\n  a150 = \"x\"\n  a150 = \"y\"\n  a7 = \"c\"\n  b1 = 1\n}\n",
                   &schema);
    assert_null(v);
    assert_int_equal(p.d.nerrors, 3);
    assert_string_equal(p.d.items[0].summary, "argument \"a150\" set twice");
    assert_string_equal(p.d.items[1].summary, "value for unconfigurable attribute \"a7\"");
    assert_string_equal(p.d.items[2].summary, "unsupported argument \"b1\"");
    release(&p, v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_defaults_and_unknowns),
        cmocka_unit_test(body_endpoint_sets_blocks_and_types),
        cmocka_unit_test(body_dynamic_and_attribute_blocks),
        cmocka_unit_test(body_errors),
        cmocka_unit_test(body_unknown_dynamic_and_nested_sets),
        cmocka_unit_test(body_many_attributes_found_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
