/*
 * CreateVpc and CreateInternetGateway take no ClientToken: when EC2 applies the request but the
 * answer is lost, the retry must adopt what the first attempt made instead of making a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "providers/aws/resources.h"
#include "tests/unit/support/awsprov.h"

static vpce_sim sim;
static vpce_provider *prov;

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--buckets", "off", NULL};
    return vpce_test_aws_start(&prov, &sim, args);
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_test_aws_stop(prov, &sim);
    return 0;
}

/* Objects of one world list carrying tag vpce:address = address. */
static size_t count_tagged(const char *list, const char *address)
{
    json_t *world = vpce_sim_get(&sim, "/_sim/world");
    json_t *items = json_object_get(world, list);
    size_t i, n = 0;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        json_t *tags = json_object_get(item, "Tags");
        size_t j;
        json_t *t;
        json_array_foreach(tags, j, t)
        {
            const char *k = json_string_value(json_object_get(t, "Key"));
            const char *v = json_string_value(json_object_get(t, "Value"));
            if (k && v && strcmp(k, "vpce:address") == 0 && strcmp(v, address) == 0)
                n++;
        }
    }
    json_decref(world);
    return n;
}

static void lose_answers_of(const char *action)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"drop_after_prob\": 1, \"fault_actions\": [\"%s\"]}", action);
    json_decref(vpce_sim_post(&sim, "/_sim/faults", body));
    json_decref(vpce_sim_post(&sim, "/_sim/counts/reset", NULL));
}

static void create_once(const vpce_resource_type *t, const char *address, const char *config,
                        const char *list, const char *action)
{
    lose_answers_of(action);
    json_t *cfg = json_loads(config, 0, NULL);
    vpce_resource_op op = {prov, address, NULL, cfg, NULL, 60000, NULL};
    int rc = t->create(&op);
    json_decref(vpce_sim_post(&sim, "/_sim/faults", "{\"drop_after_prob\": 0}"));
    if (rc)
        fail_msg("%s: %s", address, vpce_error_last());
    /* The first answer was lost, so the request was sent, and then not sent again. */
    assert_int_equal(vpce_sim_count(&sim, "actions", action), 1);
    assert_true(vpce_sim_count(&sim, NULL, "dropped") >= 1);
    assert_int_equal(count_tagged(list, address), 1);
    assert_non_null(json_object_get(op.new_state, "id"));
    json_decref(op.new_state);
    json_decref(cfg);
}

static void aws_vpc_create_after_lost_answer_makes_one_vpc(void **state)
{
    (void)state;
    create_once(&vpce_aws_vpc, "aws_vpc.lost",
                "{\"cidr_block\": \"10.7.0.0/16\", \"enable_dns_support\": true,"
                " \"enable_dns_hostnames\": false, \"tags\": {\"Name\": \"lost\"}}",
                "vpcs", "CreateVpc");
}

static void aws_igw_create_after_lost_answer_makes_one_gateway(void **state)
{
    (void)state;
    create_once(&vpce_aws_internet_gateway, "aws_internet_gateway.lost",
                "{\"tags\": {\"Name\": \"lost\"}}", "internet_gateways", "CreateInternetGateway");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aws_vpc_create_after_lost_answer_makes_one_vpc),
        cmocka_unit_test(aws_igw_create_after_lost_answer_makes_one_gateway),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
