/*
 * providers/aws/provider.h (internal to providers/aws/): the configured "aws" provider instance
 * and what every resource implementation shares: the client, default tags, serialisation of
 * changes to one VPC endpoint, and the batched waiter for endpoint states.
 */
#ifndef VPCE_AWS_PROVIDER_H
#define VPCE_AWS_PROVIDER_H

#include "providers/aws/client.h"
#include "providers/provider.h"

/* Makes an instance from the evaluated provider block (NULL: an empty block). */
int vpce_aws_configure(vpce_provider **out, const json_t *config);
void vpce_aws_provider_free(vpce_provider *p);

/* The client of the instance. Borrowed; lives as long as p. */
vpce_aws_client *vpce_aws_provider_client(vpce_provider *p);
const char *vpce_aws_provider_region(vpce_provider *p);
/* The provider's default_tags (an object, possibly empty). Borrowed. */
const json_t *vpce_aws_provider_default_tags(vpce_provider *p);

/*
 * EC2 answers OperationInProgress to two concurrent modifications of one endpoint. Every change
 * of an endpoint (modify, association, policy, delete) holds this lock for its endpoint id, so a
 * parallel apply never sends two at once.
 */
void vpce_aws_endpoint_lock(vpce_provider *p, const char *endpoint_id);
void vpce_aws_endpoint_unlock(vpce_provider *p, const char *endpoint_id);

/*
 * Waits until the endpoint settles: available or pendingAcceptance (want_gone false), or gone
 * or "deleted" (want_gone true). Every waiter of the moment shares one DescribeVpcEndpoints per
 * poll (ids given as a filter, so one missing endpoint does not fail the others). Polling starts
 * at once and backs off (an endpoint that is ready at once costs no fixed delay). An endpoint
 * missing right after its creation is taken as EC2's eventual consistency for a bounded time.
 * "failed" and "rejected" end the wait with the endpoint's LastError. *out_ep (may be NULL)
 * gets the last description (NULL when gone).
 */
int vpce_aws_wait_endpoint(vpce_provider *p, const char *id, bool want_gone, int64_t timeout_ms,
                           json_t **out_ep);

#endif
