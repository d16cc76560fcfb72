/* Unit tests for the provider registry and the aws schemas: every type of the design is there
   with the key flags right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/lang.h"
#include "providers/provider.h"

static const char *resources[] = {
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_route_table_association",
    "aws_vpc_endpoint_subnet_association",
    "aws_vpc_endpoint_security_group_association",
    "aws_vpc_endpoint_policy",
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_route_table_association",
    "aws_route",
    "aws_internet_gateway",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_network_acl",
    "aws_network_acl_rule",
};
static const char *data_sources[] = {
    "aws_vpc",
    "aws_subnet",
    "aws_subnets",
    "aws_route_table",
    "aws_security_group",
    "aws_vpc_endpoint_service",
    "aws_prefix_list",
    "aws_availability_zones",
    "aws_region",
};

static unsigned flags_of(const char *type, const char *attr, bool data)
{
    const vpce_resource_type *t =
        data ? vpce_providers_data_source(type) : vpce_providers_resource(type);
    assert_non_null(t);
    const vpce_attr_schema *a = vpce_schema_attr(t->schema, attr);
    if (!a)
        fail_msg("%s has no attribute %s", type, attr);
    return a->flags;
}

static void schema_every_design_type_registered(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
        const vpce_resource_type *t = vpce_providers_resource(resources[i]);
        assert_non_null(t);
        assert_string_equal(t->name, resources[i]);
        assert_non_null(vpce_schema_attr(t->schema, "id"));
    }
    for (size_t i = 0; i < sizeof(data_sources) / sizeof(data_sources[0]); i++)
        assert_non_null(vpce_providers_data_source(data_sources[i]));
    size_t n = 0;
    const char **names = vpce_providers_type_names(false, &n);
    assert_int_equal(n, sizeof(resources) / sizeof(resources[0]));
    assert_string_equal(vpce_suggest("aws_vpc_endpointt", names, n), "aws_vpc_endpoint");
    free(names);
    assert_null(vpce_providers_resource("aws_nat_gateway"));
    assert_non_null(vpce_providers_find("aws"));
    assert_ptr_equal(vpce_providers_for_type("aws_vpc"), vpce_providers_find("aws"));
}

static void schema_endpoint_flags(void **state)
{
    (void)state;
    unsigned f = flags_of("aws_vpc_endpoint", "vpc_id", false);
    assert_true(f & VPCE_ATTR_REQUIRED);
    assert_true(f & VPCE_ATTR_FORCE_NEW);
    f = flags_of("aws_vpc_endpoint", "service_name", false);
    assert_true((f & VPCE_ATTR_REQUIRED) && (f & VPCE_ATTR_FORCE_NEW));
    f = flags_of("aws_vpc_endpoint", "policy", false);
    assert_true((f & VPCE_ATTR_JSON) && (f & VPCE_ATTR_POLICY) && (f & VPCE_ATTR_COMPUTED));
    const vpce_resource_type *t = vpce_providers_resource("aws_vpc_endpoint");
    assert_string_equal(vpce_schema_attr(t->schema, "route_table_ids")->type, "set(string)");
    assert_string_equal(vpce_schema_attr(t->schema, "vpc_endpoint_type")->default_json,
                        "\"Gateway\"");
    assert_true(flags_of("aws_vpc_endpoint", "arn", false) == VPCE_ATTR_COMPUTED);
    assert_non_null(vpce_schema_block(t->schema, "dns_options"));
    assert_int_equal(vpce_schema_block(t->schema, "subnet_configuration")->nesting, VPCE_NEST_SET);
    f = flags_of("aws_vpc_endpoint_policy", "policy", false);
    assert_true(f & VPCE_ATTR_POLICY);
    f = flags_of("aws_vpc_endpoint_route_table_association", "route_table_id", false);
    assert_true((f & VPCE_ATTR_REQUIRED) && (f & VPCE_ATTR_FORCE_NEW));
    f = flags_of("aws_security_group_rule", "type", false);
    assert_true((f & VPCE_ATTR_REQUIRED) && (f & VPCE_ATTR_FORCE_NEW));
    assert_true(flags_of("aws_subnet", "availability_zone", false) & VPCE_ATTR_FORCE_NEW);
    assert_true(flags_of("aws_region", "name", true) & VPCE_ATTR_COMPUTED);
}

/* Flags checked against the Terraform AWS provider's documented behaviour. */
static void schema_terraform_parity(void **state)
{
    (void)state;
    /* A subnet's cidr_block is optional and computed (read back when not configured). */
    unsigned f = flags_of("aws_subnet", "cidr_block", false);
    assert_true((f & VPCE_ATTR_OPTIONAL) && (f & VPCE_ATTR_COMPUTED) && (f & VPCE_ATTR_FORCE_NEW));
    /* An internet gateway's vpc_id is optional and computed and changes in place. */
    f = flags_of("aws_internet_gateway", "vpc_id", false);
    assert_true((f & VPCE_ATTR_OPTIONAL) && (f & VPCE_ATTR_COMPUTED));
    assert_false(f & VPCE_ATTR_FORCE_NEW);
}

/* Every type string of every schema parses (the evaluator's type parser). */
static void check_types(const vpce_block_schema *s)
{
    for (const vpce_attr_schema *a = s->attrs; a && a->name; a++) {
        json_t *t = vpce_type_parse(a->type);
        if (!t)
            fail_msg("type of %s does not parse: %s", a->name, a->type);
        json_decref(t);
        if (a->default_json) {
            json_t *d = json_loads(a->default_json, JSON_DECODE_ANY, NULL);
            assert_non_null(d);
            json_decref(d);
        }
    }
    for (const vpce_nested_block *b = s->blocks; b && b->name; b++)
        check_types(b->block);
}

static void schema_types_parse(void **state)
{
    (void)state;
    const vpce_provider_type *p = vpce_providers_find("aws");
    check_types(p->config_schema);
    for (size_t i = 0; p->resources[i]; i++)
        check_types(p->resources[i]->schema);
    for (size_t i = 0; p->data_sources[i]; i++)
        check_types(p->data_sources[i]->schema);
    assert_true(vpce_schema_attr(p->config_schema, "secret_key")->flags & VPCE_ATTR_SENSITIVE);
    assert_non_null(vpce_schema_block(p->config_schema, "rate_limits"));
}

static const vpce_resource_type fake_thing = {.name = "fake_thing"};
static const vpce_resource_type *const fake_resources[] = {&fake_thing, NULL};
static const vpce_provider_type fake = {.name = "fake", .resources = fake_resources};

static void registry_register_test_provider(void **state)
{
    (void)state;
    vpce_providers_register(&fake);
    assert_ptr_equal(vpce_providers_resource("fake_thing"), &fake_thing);
    assert_null(vpce_providers_data_source("fake_thing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_every_design_type_registered),
        cmocka_unit_test(schema_endpoint_flags),
        cmocka_unit_test(schema_terraform_parity),
        cmocka_unit_test(schema_types_parse),
        cmocka_unit_test(registry_register_test_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
