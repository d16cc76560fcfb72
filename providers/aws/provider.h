/*
 * providers/aws/provider.h (internal to providers/aws/): the configured "aws" provider instance
 * and what every resource implementation shares: the client, default tags, serialisation of
 * changes to one VPC endpoint, and the batched waiter for endpoint states.
 */
#ifndef VPCE_AWS_PROVIDER_H
#define VPCE_AWS_PROVIDER_H

#include "providers/aws/client.h"
#include "providers/provider.h"

/*
 * Makes an instance from the evaluated provider block (NULL: an empty block): resolves the
 * credentials (assume_role, assume_role_with_web_identity, the default chain), then, unless
 * skip_credentials_validation, asks sts:GetCallerIdentity who they belong to and checks
 * allowed_account_ids / forbidden_account_ids.
 */
int vpce_aws_configure(vpce_provider **out, const json_t *config);
void vpce_aws_provider_free(vpce_provider *p);
/* The identity of the instance's credentials (provider type's `identity`): account, arn,
 * user_id, source, region, sts_endpoint. */
int vpce_aws_provider_identity(vpce_provider *p, json_t **out);

/* The instance_for hook: the instance for values' `region` (p's own when it is p's region or
   not set), made on first use and kept by p. NULL with the message set for an invalid region. */
vpce_provider *vpce_aws_provider_for_values(vpce_provider *p, const json_t *values);
/* The fill_state hook: `region` = the instance's region where state has none. */
void vpce_aws_provider_fill_state(vpce_provider *p, json_t *state);
/* assume_role blocks decoded for the client (vpce_aws_config.assume_roles), in order: each
 * assumed with the credentials of the one before. Strings are borrowed from the JSON. */
typedef struct vpce_aws_role_blocks {
    vpce_aws_assume_role *roles;
    size_t n;
    vpce_vec owned; /* arrays to free */
} vpce_aws_role_blocks;
/*
 * Decodes `assume_role` (one block as an object, or a list of them) as the provider block and
 * the S3 backend write it: role_arn (required), session_name, external_id, duration ("1h",
 * 15m..12h), policy (a JSON object), policy_arns, tags, transitive_tag_keys, source_identity.
 * NULL decodes to no role. Release rb even on failure (VPCE_EINVALID naming the setting).
 */
int vpce_aws_roles_decode(vpce_aws_role_blocks *rb, const json_t *list);
void vpce_aws_roles_release(vpce_aws_role_blocks *rb);

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

/*
 * Folds changes to one endpoint into as few ModifyVpcEndpoint calls as possible. `change` is a
 * JSON object of ModifyVpcEndpoint parameters (borrowed): list parameters as arrays of strings
 * ("AddRouteTableId", "RemoveRouteTableId", "AddSubnetId", "RemoveSubnetId",
 * "AddSecurityGroupId", "RemoveSecurityGroupId"), the others as strings or booleans
 * ("PolicyDocument", "ResetPolicy", "PrivateDnsEnabled", "IpAddressType",
 * "DnsOptions.DnsRecordIpType", "DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint").
 *
 * The first caller for an endpoint becomes the flusher: it waits a short coalescing window
 * (until no change arrived for VPCE_AWS_FOLD_QUIET_MS, at most VPCE_AWS_FOLD_WINDOW_MS), takes
 * the endpoint lock, merges every queued change (an id added by one change and removed by a later
 * one ends up removed; a later scalar wins; PolicyDocument and ResetPolicy exclude each other),
 * sends ONE ModifyVpcEndpoint (retrying after OperationInProgress once the endpoint settled),
 * waits until the endpoint is available again and wakes every caller with the shared result.
 * Changes arriving while a modify is in flight queue for the next one. Every caller gets the same
 * return code and message; *out_ep (may be NULL) gets a new reference to the endpoint's last
 * description (NULL when none was read).
 */
#define VPCE_AWS_FOLD_WINDOW_MS 150
#define VPCE_AWS_FOLD_QUIET_MS  50
int vpce_aws_endpoint_modify(vpce_provider *p, const char *endpoint_id, const json_t *change,
                             int64_t timeout_ms, json_t **out_ep);

/* How many ModifyVpcEndpoint calls this instance sent (tests). */
uint64_t vpce_aws_endpoint_modify_count(vpce_provider *p);

/* ---- operations of the endpoint resource family (res_vpc_endpoint.c) ---------------------- */

/* aws_vpc_endpoint */
int vpce_aws_endpoint_create(vpce_resource_op *op);
int vpce_aws_endpoint_update(vpce_resource_op *op);
int vpce_aws_endpoint_delete(vpce_resource_op *op);
int vpce_aws_endpoint_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out);
int vpce_aws_endpoint_import(vpce_provider *p, const char *id, json_t **out);

/*
 * The association resources: route table, subnet and security group. Their ids are
 * "a-<endpoint id><FNV-1a 32-bit hash of the attached id, in decimal>" (Terraform's shape, with
 * its CRC-based hash replaced); they import from "vpce-id/attached-id".
 */
int vpce_aws_endpoint_rt_assoc_create(vpce_resource_op *op);
int vpce_aws_endpoint_rt_assoc_delete(vpce_resource_op *op);
int vpce_aws_endpoint_rt_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                          json_t **out);
int vpce_aws_endpoint_rt_assoc_import(vpce_provider *p, const char *id, json_t **out);
int vpce_aws_endpoint_subnet_assoc_create(vpce_resource_op *op);
int vpce_aws_endpoint_subnet_assoc_delete(vpce_resource_op *op);
int vpce_aws_endpoint_subnet_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                              json_t **out);
int vpce_aws_endpoint_subnet_assoc_import(vpce_provider *p, const char *id, json_t **out);
int vpce_aws_endpoint_sg_assoc_create(vpce_resource_op *op);
int vpce_aws_endpoint_sg_assoc_delete(vpce_resource_op *op);
int vpce_aws_endpoint_sg_assoc_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                          json_t **out);
int vpce_aws_endpoint_sg_assoc_import(vpce_provider *p, const char *id, json_t **out);
/* Updates of association attributes that do not force a replacement (timeouts): state only. */
int vpce_aws_endpoint_assoc_update(vpce_resource_op *op);

/* aws_vpc_endpoint_policy: id = the endpoint id; delete resets the endpoint's policy. */
int vpce_aws_endpoint_policy_create(vpce_resource_op *op);
int vpce_aws_endpoint_policy_update(vpce_resource_op *op);
int vpce_aws_endpoint_policy_delete(vpce_resource_op *op);
int vpce_aws_endpoint_policy_read_batch(vpce_provider *p, json_t *const *priors, size_t n,
                                        json_t **out);
int vpce_aws_endpoint_policy_import(vpce_provider *p, const char *id, json_t **out);

/* ---- crash recovery of apply (res_find.c) -------------------------------------------------- */

/*
 * The find_planned / find_by_address ops of every managed type (providers/provider.h): the object
 * an interrupted create of `address` made. Tagged types search their vpce:address tag (several
 * matches: VPCE_ECONFLICT naming the ids); routes, associations, rules and endpoint policies are
 * read from `planned` (borrowed, may be NULL: then *out is NULL). *out: new reference or NULL.
 * `token` is unused (EC2 cannot search by ClientToken).
 */
int vpce_aws_find_planned(vpce_provider *p, const char *address, const char *token,
                          const json_t *planned, json_t **out);
int vpce_aws_find_by_address(vpce_provider *p, const char *address, const char *token,
                             json_t **out);

/* A Terraform duration ("10m", "30s", "1h", "1h30m") in ms; -1 when s is not one. */
int64_t vpce_aws_parse_duration(const char *s);

#endif
