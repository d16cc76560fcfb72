/* tests/unit/support/awsprov.h: an "aws" provider instance pointed at a running simulator. */
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

#endif
