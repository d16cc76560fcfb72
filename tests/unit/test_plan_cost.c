/*
 * The plan's cost estimate: interface-endpoint ENIs added or removed by hand-built plans, the
 * monthly figure, and the line each renderer prints (or does not print).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/golden_render/test_plans.h"

#define IFACE(subnets)                                                                             \
    "{\"id\":\"vpce-1\",\"service_name\":\"com.amazonaws.us-east-1.ssm\","                         \
    "\"vpc_endpoint_type\":\"Interface\",\"subnet_ids\":" subnets "}"
#define IFACE_NEW(subnets)                                                                         \
    "{\"id\":\"?UNKNOWN?\",\"service_name\":\"com.amazonaws.us-east-1.ssm\","                      \
    "\"vpc_endpoint_type\":\"Interface\",\"subnet_ids\":" subnets "}"

static vpce_plan_cost estimate(const vpce_plan *p)
{
    vpce_plan_cost c;
    vpce_plan_cost_estimate(p, &c);
    return c;
}

static void assert_sentence(const vpce_plan_cost *c, const char *want)
{
    char *s = vpce_plan_cost_sentence(c);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static void create_two_subnets(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           IFACE_NEW("[\"subnet-1\",\"subnet-2\"]"));
    vpce_plan_cost c = estimate(p);
    assert_true(c.relevant);
    assert_true(c.eni_delta_known);
    assert_int_equal(c.eni_delta, 2);
    assert_true(fabs(c.monthly_usd_delta - 14.60) < 1e-9);
    assert_sentence(&c, "Cost: +$14.60/month (2 more interface endpoint ENIs at $0.01 per "
                        "ENI-hour, us-east-1 list price; data processing not included)");

    /* The text renderer prints it right after the summary line. */
    char *s = vpce_plan_render_text(p, false);
    assert_non_null(strstr(s, "Plan: 1 to add, 0 to change, 0 to destroy.\nCost: +$14.60/month "
                              "(2 more interface endpoint ENIs at $0.01 per ENI-hour, us-east-1 "
                              "list price; data processing not included)\n"));
    free(s);
    s = vpce_plan_render_text(p, true);
    assert_non_null(strstr(s, "\nCost: +$14.60/month (2 more interface endpoint ENIs"));
    free(s);

    /* Markdown: the same sentence under the summary line. */
    s = vpce_plan_render_markdown(p);
    assert_non_null(strstr(s, "**Plan: 1 to add, 0 to change, 0 to destroy.**\n\nCost: "
                              "+$14.60/month (2 more interface endpoint ENIs at $0.01 per "
                              "ENI-hour, us-east-1 list price; data processing not included)\n"));
    free(s);

    /* JSON: the cost_estimate object. */
    s = vpce_plan_render_json(p);
    json_t *doc = json_loads(s, 0, NULL);
    assert_non_null(doc);
    json_t *ce = json_object_get(doc, "cost_estimate");
    assert_non_null(ce);
    assert_int_equal(json_integer_value(json_object_get(ce, "eni_delta")), 2);
    assert_true(json_is_true(json_object_get(ce, "eni_delta_known")));
    assert_true(fabs(json_real_value(json_object_get(ce, "monthly_usd_delta")) - 14.6) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(ce, "hourly_usd_per_eni")) - 0.01) < 1e-12);
    assert_int_equal(json_integer_value(json_object_get(ce, "hours_per_month")), 730);
    assert_non_null(strstr(s, "\"monthly_usd_delta\": 14.6\n"));
    json_decref(doc);
    free(s);
    vpce_plan_free(p);
}

static void delete_endpoint(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_DELETE,
           "delete_because_no_resource_config", IFACE("[\"subnet-1\",\"subnet-2\",\"subnet-3\"]"),
           NULL);
    vpce_plan_cost c = estimate(p);
    assert_true(c.relevant);
    assert_int_equal(c.eni_delta, -3);
    assert_true(fabs(c.monthly_usd_delta + 21.90) < 1e-9);
    assert_sentence(&c, "Cost: -$21.90/month (3 fewer interface endpoint ENIs at $0.01 per "
                        "ENI-hour, us-east-1 list price; data processing not included)");
    vpce_plan_free(p);
}

static void update_adds_subnet(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_UPDATE, NULL,
           IFACE("[\"subnet-1\",\"subnet-2\"]"),
           IFACE("[\"subnet-1\",\"subnet-2\",\"?UNKNOWN?\"]"));
    vpce_plan_cost c = estimate(p);
    assert_true(c.relevant);
    assert_true(c.eni_delta_known); /* unknown element, known length */
    assert_int_equal(c.eni_delta, 1);
    assert_sentence(&c, "Cost: +$7.30/month (1 more interface endpoint ENI at $0.01 per "
                        "ENI-hour, us-east-1 list price; data processing not included)");
    vpce_plan_free(p);
}

static void replacement_same_subnets_says_nothing(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_CREATE_THEN_DELETE,
           "replace_by_request", IFACE("[\"subnet-1\",\"subnet-2\"]"),
           IFACE_NEW("[\"subnet-1\",\"subnet-2\"]"));
    vpce_plan_cost c = estimate(p);
    assert_false(c.relevant);
    assert_int_equal(c.eni_delta, 0);
    assert_null(vpce_plan_cost_sentence(&c));
    vpce_plan_free(p);
}

static void gateway_is_free(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "s3", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           "{\"id\":\"?UNKNOWN?\",\"service_name\":\"com.amazonaws.us-east-1.s3\","
           "\"vpc_endpoint_type\":\"Gateway\",\"route_table_ids\":[\"rtb-1\"],"
           "\"subnet_ids\":[]}");
    /* Other resources and no-op interface endpoints cost nothing new. */
    tp_add(p, "managed", "aws_vpc", "main", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           "{\"id\":\"?UNKNOWN?\",\"cidr_block\":\"10.0.0.0/16\"}");
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_NOOP, NULL,
           IFACE("[\"subnet-1\"]"), IFACE("[\"subnet-1\"]"));
    vpce_plan_cost c = estimate(p);
    assert_false(c.relevant);
    assert_int_equal(c.eni_delta, 0);
    assert_null(vpce_plan_cost_sentence(&c));
    char *s = vpce_plan_render_text(p, false);
    assert_null(strstr(s, "Cost:"));
    free(s);
    s = vpce_plan_render_markdown(p);
    assert_null(strstr(s, "Cost:"));
    free(s);
    s = vpce_plan_render_json(p);
    assert_null(strstr(s, "cost_estimate"));
    free(s);
    vpce_plan_free(p);
}

static void unknown_subnet_list_is_a_lower_bound(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           IFACE_NEW("[\"subnet-1\",\"subnet-2\"]"));
    tp_add(p, "managed", "aws_vpc_endpoint", "sts", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           IFACE_NEW("\"?UNKNOWN?\""));
    vpce_plan_cost c = estimate(p);
    assert_true(c.relevant);
    assert_false(c.eni_delta_known);
    assert_int_equal(c.eni_delta, 2);
    assert_sentence(&c, "Cost: at least +$14.60/month (at least 2 more interface endpoint ENIs "
                        "at $0.01 per ENI-hour, us-east-1 list price; data processing not "
                        "included)");
    char *s = vpce_plan_render_json(p);
    json_t *doc = json_loads(s, 0, NULL);
    json_t *ce = json_object_get(doc, "cost_estimate");
    assert_true(json_is_false(json_object_get(ce, "eni_delta_known")));
    assert_int_equal(json_integer_value(json_object_get(ce, "eni_delta")), 2);
    json_decref(doc);
    free(s);
    vpce_plan_free(p);

    /* Only an unknown list: still said, as a bound of zero. */
    p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "sts", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           IFACE_NEW("\"?UNKNOWN?\""));
    c = estimate(p);
    assert_true(c.relevant);
    assert_false(c.eni_delta_known);
    assert_sentence(&c, "Cost: known after apply (how many subnets the interface endpoints use "
                        "is not known yet; $0.01 per ENI-hour, us-east-1 list price; data "
                        "processing not included)");
    vpce_plan_free(p);

    /* Removing known ENIs while the new count is unknown: the delta is at least -2. */
    p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint", "ssm", NULL, VPCE_ACTION_DELETE_THEN_CREATE,
           "replace_because_cannot_update", IFACE("[\"subnet-1\",\"subnet-2\"]"),
           IFACE_NEW("\"?UNKNOWN?\""));
    c = estimate(p);
    assert_int_equal(c.eni_delta, -2);
    assert_false(c.eni_delta_known);
    assert_sentence(&c, "Cost: at least -$14.60/month (at most 2 fewer interface endpoint ENIs "
                        "at $0.01 per ENI-hour, us-east-1 list price; data processing not "
                        "included)");
    vpce_plan_free(p);
}

static void subnet_association(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc_endpoint_subnet_association", "a", NULL, VPCE_ACTION_CREATE, NULL,
           NULL,
           "{\"id\":\"?UNKNOWN?\",\"vpc_endpoint_id\":\"vpce-1\",\"subnet_id\":\"subnet-9\"}");
    vpce_plan_cost c = estimate(p);
    assert_true(c.relevant);
    assert_true(c.eni_delta_known);
    assert_int_equal(c.eni_delta, 1);
    assert_sentence(&c, "Cost: +$7.30/month (1 more interface endpoint ENI at $0.01 per "
                        "ENI-hour, us-east-1 list price; data processing not included)");
    tp_add(p, "managed", "aws_vpc_endpoint_subnet_association", "b", NULL, VPCE_ACTION_DELETE,
           "delete_because_no_resource_config",
           "{\"id\":\"a-1\",\"vpc_endpoint_id\":\"vpce-1\",\"subnet_id\":\"subnet-8\"}", NULL);
    tp_add(p, "managed", "aws_vpc_endpoint_subnet_association", "c", NULL, VPCE_ACTION_DELETE,
           "delete_because_no_resource_config",
           "{\"id\":\"a-2\",\"vpc_endpoint_id\":\"vpce-1\",\"subnet_id\":\"subnet-7\"}", NULL);
    c = estimate(p);
    assert_int_equal(c.eni_delta, -1);
    assert_true(fabs(c.monthly_usd_delta + 7.30) < 1e-9);
    vpce_plan_free(p);
}

/* The seed example's shape: three interface endpoints over two subnets not created yet. */
static void seed_shape(void **state)
{
    (void)state;
    vpce_plan *p = tp_plan_new();
    static const char *const names[] = {"\"ec2messages\"", "\"ssm\"", "\"ssmmessages\""};
    for (size_t i = 0; i < 3; i++)
        tp_add(p, "managed", "aws_vpc_endpoint", "interface", names[i], VPCE_ACTION_CREATE, NULL,
               NULL, IFACE_NEW("[\"?UNKNOWN?\",\"?UNKNOWN?\"]"));
    vpce_plan_cost c = estimate(p);
    assert_int_equal(c.eni_delta, 6);
    assert_true(c.eni_delta_known);
    assert_true(fabs(c.monthly_usd_delta - 43.80) < 1e-9);
    char *s = vpce_plan_render_text(p, false);
    assert_non_null(strstr(s, "\nCost: +$43.80/month (6 more interface endpoint ENIs"));
    free(s);
    vpce_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_two_subnets),
        cmocka_unit_test(delete_endpoint),
        cmocka_unit_test(update_adds_subnet),
        cmocka_unit_test(replacement_same_subnets_says_nothing),
        cmocka_unit_test(gateway_is_free),
        cmocka_unit_test(unknown_subnet_list_is_a_lower_bound),
        cmocka_unit_test(subnet_association),
        cmocka_unit_test(seed_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
