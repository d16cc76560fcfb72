/* tests/unit/support/awsprov.c: the aws provider of the resource tests. */
#include "tests/unit/support/awsprov.h"

#include <stdlib.h>

int vpce_test_aws_provider(vpce_provider **out, const vpce_sim *sim)
{
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    json_t *c =
        json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}}, s:{s:i, s:i, s:i, s:i, s:i, s:i}}",
                  "region", "us-east-1", "access_key", "test", "secret_key", "test", "endpoints",
                  "ec2", sim->endpoint, "default_tags", "tags", "team", "net", "rate_limits",
                  "endpoint_capacity", 10000, "endpoint_refill", 10000, "mutating_capacity", 10000,
                  "mutating_refill", 10000, "describe_capacity", 10000, "describe_refill", 10000);
    int rc = vpce_aws_configure(out, c);
    json_decref(c);
    if (rc)
        fprintf(stderr, "configure: %s\n", vpce_error_last());
    return rc;
}
