/* tests/unit/support/awsprov.c: the aws provider of the resource tests and their shared
 * helpers. */
#include "tests/unit/support/awsprov.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

int vpce_test_aws_provider(vpce_provider **out, const vpce_sim *sim)
{
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    json_t *c = json_pack(
        "{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}}, s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "region",
        "us-east-1", "access_key", "test", "secret_key", "test", "endpoints", "ec2", sim->endpoint,
        "sts", sim->endpoint, "default_tags", "tags", "team", "net", "rate_limits",
        "endpoint_capacity", 10000, "endpoint_refill", 10000, "mutating_capacity", 10000,
        "mutating_refill", 10000, "describe_capacity", 10000, "describe_refill", 10000);
    int rc = vpce_aws_configure(out, c);
    json_decref(c);
    if (rc)
        fprintf(stderr, "configure: %s\n", vpce_error_last());
    return rc;
}

int vpce_test_aws_start(vpce_provider **out, vpce_sim *sim, const char *const *args)
{
    if (vpce_sim_start(sim, args) != 0)
        return -1;
    if (vpce_test_aws_provider(out, sim) != 0)
        return -1;
    return 0;
}

void vpce_test_aws_stop(vpce_provider *prov, vpce_sim *sim)
{
    vpce_aws_provider_free(prov);
    vpce_sim_stop(sim);
}

void vpce_test_aws_reset(vpce_sim *sim, const char *faults_json)
{
    json_decref(vpce_sim_post(sim, "/_sim/reset", NULL));
    json_decref(vpce_sim_post(sim, "/_sim/faults", faults_json));
    json_decref(vpce_sim_post(sim, "/_sim/counts/reset", NULL));
}

json_t *vpce_test_json(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    if (!v)
        fail_msg("bad JSON in test: %s: %s", err.text, text);
    return v;
}

const char *vpce_test_str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

vpce_resource_op vpce_test_op(vpce_provider *prov, const char *address, const json_t *prior,
                              const json_t *config)
{
    vpce_resource_op op;
    memset(&op, 0, sizeof(op));
    op.provider = prov;
    op.address = address;
    op.prior = prior;
    op.config = config;
    op.timeout_ms = 60000;
    return op;
}

int vpce_test_run_op(int (*fn)(vpce_resource_op *), vpce_resource_op *op)
{
    int rc = fn(op);
    if (rc)
        print_message("op %s: %s\n", op->address, vpce_error_last());
    return rc;
}

json_t *vpce_test_aws_call(vpce_provider *prov, const char *action, vpce_aws_params *params)
{
    json_t *r = NULL;
    int rc = vpce_aws_call(vpce_aws_provider_client(prov), action, params, &r);
    if (rc)
        print_error("%s: %s\n", action, vpce_error_last());
    assert_int_equal(rc, 0);
    vpce_aws_params_release(params);
    return r;
}
