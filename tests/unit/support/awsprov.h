/* tests/unit/support/awsprov.h: an "aws" provider instance pointed at a running simulator, and
 * the small helpers the aws resource tests share. */
#ifndef VPCE_TEST_AWSPROV_H
#define VPCE_TEST_AWSPROV_H

#include "providers/aws/provider.h"
#include "tests/unit/support/sim.h"

/*
 * Configures the aws provider against sim with the test credentials, default tag team=net, and
 * client-side pacing opened wide (the tests check behaviour, not rates). Prints the error and
 * returns non-zero on failure. Free *out with vpce_aws_provider_free().
 */
int vpce_test_aws_provider(vpce_provider **out, const vpce_sim *sim);

/*
 * A cmocka group setup in one call: starts sim with args (NULL-terminated, see vpce_sim_start)
 * and configures *out against it with vpce_test_aws_provider(). Non-zero on failure. Undo with
 * vpce_test_aws_stop().
 */
int vpce_test_aws_start(vpce_provider **out, vpce_sim *sim, const char *const *args);
/* Frees prov (may be NULL) and stops sim. */
void vpce_test_aws_stop(vpce_provider *prov, vpce_sim *sim);
/* Between tests: empties the simulator's world, sets its faults to faults_json (a JSON object
 * text) and zeroes its request counts. */
void vpce_test_aws_reset(vpce_sim *sim, const char *faults_json);

/* text parsed as JSON (any value; new reference); fails the test on bad JSON. */
json_t *vpce_test_json(const char *text);
/* The string o[k], or NULL. Borrowed from o. */
const char *vpce_test_str(const json_t *o, const char *k);

/* A resource operation of prov on address (prior and config borrowed), with a 60 s timeout. */
vpce_resource_op vpce_test_op(vpce_provider *prov, const char *address, const json_t *prior,
                              const json_t *config);
/* fn(op); prints the error on failure. Returns what fn returned. */
int vpce_test_run_op(int (*fn)(vpce_resource_op *), vpce_resource_op *op);
/* One EC2 call through prov's client that must succeed (asserts rc 0, printing the error);
 * releases params and returns the result (new reference). */
json_t *vpce_test_aws_call(vpce_provider *prov, const char *action, vpce_aws_params *params);

#endif
