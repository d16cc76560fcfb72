/*
 * providers/aws/res_common.h (internal to providers/aws/): helpers shared by the resource and
 * data-source implementations of the "aws" provider (res_*.c).
 *
 * Conventions used throughout:
 *  - "config" is the planned value of an operation (every schema attribute present, computed
 *    ones possibly vpce_unknown()); "state" is what a resource operation returns.
 *  - EC2 answers are JSON made from XML: every leaf is a string, a list is an array of objects
 *    (or "" / absent when empty). The vpce_aws_ec2_* readers hide those quirks.
 *  - Every function documents whether a json_t it returns is a new reference (caller decrefs)
 *    or borrowed. Parameters are always borrowed.
 *  - Errors: functions returning int give 0 or a negative VPCE_E* code with the message set
 *    once (the EC2 "Code: message" for remote errors, left as vpce_aws_call() set it).
 */
#ifndef VPCE_AWS_RES_COMMON_H
#define VPCE_AWS_RES_COMMON_H

#include "providers/aws/provider.h"

/* The tag every resource gets at creation: the resource's address in the configuration. It is
 * never shown in tags or tags_all, and never removed by a tags update. */
#define VPCE_AWS_ADDRESS_TAG "vpce:address"

/* How long reads right after a write keep answering *.NotFound before we believe it (EC2's
 * eventual consistency). */
#define VPCE_AWS_CONSISTENCY_MS 20000

/* ---- planned values and states ------------------------------------------------------------ */

/* A known, non-empty string attribute, or NULL (absent, null, unknown, ""). Borrowed. */
const char *vpce_aws_attr_str(const json_t *obj, const char *key);
/* A known boolean attribute: 1 true, 0 false, -1 unset or unknown. */
int vpce_aws_attr_bool(const json_t *obj, const char *key);
/* A known number attribute in *out (returns true), else false. */
bool vpce_aws_attr_num(const json_t *obj, const char *key, long long *out);
/* A known array attribute without unknowns, or NULL. Borrowed. */
const json_t *vpce_aws_attr_list(const json_t *obj, const char *key);
/* A single nested block: the object, or the first element of a list; NULL when absent/unknown. */
const json_t *vpce_aws_attr_block(const json_t *obj, const char *key);

/* st[key] = a string, or null when v is NULL. */
void vpce_aws_set_str(json_t *st, const char *key, const char *v);
/* st[key] = a deep copy of ref[key] when it is known, else null (values EC2 does not keep,
 * such as timeouts). */
void vpce_aws_copy_attr(json_t *st, const json_t *ref, const char *key);
/* st[key] = ref[key] when known, else the JSON value v (stolen; NULL means null). */
void vpce_aws_set_or_ref(json_t *st, const json_t *ref, const char *key, json_t *v);

/* The "id" of a prior state, or NULL. Borrowed. */
const char *vpce_aws_state_id(const json_t *st);

/* ---- EC2 answers -------------------------------------------------------------------------- */

/* An EC2 list (borrowed), or NULL for "" and absent (jansson's array functions take NULL as an
 * empty array, so json_array_foreach over the result is always safe). */
const json_t *vpce_aws_ec2_list(const json_t *obj, const char *key);
/* A string leaf, or NULL. Borrowed. */
const char *vpce_aws_ec2_str(const json_t *obj, const char *key);
/* "true"/"false" (any case) as a new JSON boolean; null when absent or not a boolean. */
json_t *vpce_aws_ec2_bool(const json_t *obj, const char *key);
/* A decimal leaf as a new JSON integer; null when absent or not a number. */
json_t *vpce_aws_ec2_int(const json_t *obj, const char *key);
/* The strings of field `field` of every item of an EC2 list (or the items themselves when
 * field is NULL and they are strings), as a new array, sorted when sort is true. */
json_t *vpce_aws_ec2_strings(const json_t *list, const char *field, bool sort);
/* An EC2 "tagSet" as a new object key -> value, without the vpce:address tag. */
json_t *vpce_aws_ec2_tags(const json_t *obj);

/* ---- tags --------------------------------------------------------------------------------- */

/* The tags a resource should carry: the provider's default tags overlaid with config "tags"
 * (which win). New object, never NULL. Excludes the vpce:address tag. */
json_t *vpce_aws_desired_tags(vpce_provider *p, const json_t *config);
/* Adds a TagSpecification for resource_type ("vpc", "subnet", ...) with the desired tags and
 * vpce:address = address (when address is not NULL). */
int vpce_aws_add_tag_spec(vpce_aws_params *params, vpce_provider *p, const char *resource_type,
                          const json_t *config, const char *address);
/* Brings the tags of `id` from `old` (tags_all of the prior state, may be NULL) to `want`:
 * one DeleteTags for removed keys (never vpce:address), one CreateTags for new or changed
 * values. No call when nothing differs. */
int vpce_aws_update_tags(vpce_provider *p, const char *id, const json_t *old, const json_t *want);
/* Sets st["tags_all"] (every EC2 tag but vpce:address) and st["tags"] (tags_all without the
 * default tags that ref's "tags" does not set itself; null when empty and ref has no tags
 * object) from the EC2 object's tagSet. ref (config or prior) may be NULL. */
void vpce_aws_set_tags(vpce_provider *p, json_t *st, const json_t *ec2_obj, const json_t *ref);
/* vpce_aws_update_tags() for an update: the object op->prior names, from the prior's tags_all to
 * the tags op->config asks for. */
int vpce_aws_update_op_tags(vpce_resource_op *op);

/* ---- idempotency, timeouts, retries ------------------------------------------------------- */

/* Adds ClientToken = op->token (only for actions that accept it: CreateRouteTable,
 * CreateVpcEndpoint, CreateNetworkAcl). Nothing when op->token is NULL or empty. */
void vpce_aws_add_client_token(vpce_aws_params *params, const vpce_resource_op *op);
/* The timeout of an operation: timeouts.<which> ("10m", "30s") of the config, or of the prior
 * state when the config has no timeouts block (a delete), when set; else op->timeout_ms when
 * > 0; else dflt_ms, the type's default. */
int64_t vpce_aws_op_timeout(const vpce_resource_op *op, const char *which, int64_t dflt_ms);

/*
 * vpce_aws_call() retried while the AWS error code equals retry_code, or ends with it when
 * retry_code starts with '.' (".NotFound"), for at most timeout_ms in total, with capped
 * exponential backoff (100 ms doubling to 2 s). Other errors and the last failure are returned
 * as vpce_aws_call() gives them.
 */
int vpce_aws_call_retry(vpce_provider *p, const char *action, const vpce_aws_params *params,
                        json_t **out_result, const char *retry_code, int64_t timeout_ms);
/*
 * The delete of an object EC2 may hold a while (ENIs of endpoints being deleted release VPCs,
 * subnets and groups late): `action` with id_param = id, retried while the answer is
 * DependencyViolation for the op's "delete" timeout (dflt_ms unless configured); an object
 * already gone is deleted (vpce_aws_gone_ok()).
 */
int vpce_aws_delete_retrying(vpce_resource_op *op, const char *action, const char *id_param,
                             const char *id, int64_t dflt_ms);
/* For deletes: an object already gone is deleted. VPCE_ENOTFOUND becomes 0 with the message
 * cleared; any other rc is returned as it is. */
int vpce_aws_gone_ok(int rc);

/*
 * Sends a create action that takes no ClientToken (CreateVpc, CreateInternetGateway) so that a
 * retry after a lost answer cannot make a second object: before resending, it looks for an
 * object of `describe` (list_key, id_key) tagged vpce:address = address, and when exactly one
 * exists answers {result_key: {id_key: id}} as the create would have. Without an address it is
 * vpce_aws_call().
 */
int vpce_aws_create_untokened(vpce_provider *p, const char *action, const vpce_aws_params *params,
                              const char *address, const char *describe, const char *list_key,
                              const char *id_key, const char *result_key, json_t **out_result);

/* ---- batched reads ----------------------------------------------------------------------- */

/*
 * Describes objects by id through a FILTER (so missing ids are left out instead of failing the
 * call), paginated, in chunks of 200 ids: `action` ("DescribeVpcs"), `filter` ("vpc-id"),
 * `list_key` ("vpcSet"), `id_key` ("vpcId"). MaxResults is sent only when max_results > 0.
 * *out gets a new object id -> item.
 *
 * An EC2-compatible endpoint may lack a filter EC2 documents. When the filter names objects by
 * id (vpc-endpoint-id, vpc-id of DescribeVpcs, subnet-id, ...) and the answer is shaped like a
 * refusal (vpce_aws_refusal_shaped()), the same ids are asked for as the action's id list
 * (VpcEndpointId.N, ...), split in halves until ids that answer *.NotFound stand alone and are
 * left out. If that works, the client remembers the refusal for the rest of the run (every later
 * read uses the id list at once) and it is logged once at debug level; if it fails too, the
 * filter's own error is returned. Other filters (tag:...) have no fallback.
 */
int vpce_aws_describe_by_filter(vpce_provider *p, const char *action, const char *filter,
                                const char *list_key, const char *id_key, const char *const *ids,
                                size_t n, int max_results, json_t **out);
/* The filtered Describe alone, without a fallback: `filter` = values in chunks of 200, flags
 * as vpce_aws_call_flags() (VPCE_AWS_CALL_HAS_FALLBACK when the caller has another way to ask).
 * *out gets a new object id -> item, or NULL on failure. */
int vpce_aws_describe_filter_values(vpce_provider *p, const char *action, const char *filter,
                                    const char *list_key, const char *id_key,
                                    const char *const *values, size_t n, int max_results,
                                    unsigned flags, json_t **out);
/*
 * True when rc, just returned by a filtered Describe, may be the endpoint refusing the filter:
 * an error code EC2-compatible endpoints use for a parameter they do not take
 * (InvalidParameterValue, InvalidParameter, InvalidParameterCombination, InvalidFilter,
 * UnknownParameter, Unsupported, UnsupportedOperation, NotImplemented), or a 5xx answer that is
 * not throttling. Only asking another way tells whether it really was the filter.
 */
bool vpce_aws_refusal_shaped(int rc);
/* Records that `action` refused `filter` for the rest of the run and, the first time only, logs
 * it at debug level with the reason and what is read instead. Returns true that first time. */
bool vpce_aws_note_refused_filter(vpce_provider *p, const char *action, const char *filter,
                                  const char *reason, const char *instead);

/*
 * Describes one object by id filter, retrying while it is not visible yet for up to wait_ms
 * (0: one try). *out gets a new reference to the item, or NULL when still not found (rc 0).
 */
int vpce_aws_describe_one(vpce_provider *p, const char *action, const char *filter,
                          const char *list_key, const char *id_key, const char *id, int64_t wait_ms,
                          json_t **out);
/* The ids of the priors (NULL for a prior without one), as a new array of n borrowed pointers
 * the caller frees with free(); *count gets how many are not NULL, and ids_only (may be NULL)
 * a packed new array of just those (free() it too). */
const char **vpce_aws_prior_ids(json_t *const *priors, size_t n, const char ***ids_only,
                                size_t *count);

/*
 * One kind of EC2 object read by id, and the state a resource makes of it. Resources whose state
 * is one described object and their ref (config or prior) use the vpce_aws_kind_* readers.
 */
typedef struct vpce_aws_kind {
    const char *action;   /* "DescribeSubnets" */
    const char *filter;   /* "subnet-id" */
    const char *list_key; /* "subnetSet" */
    const char *id_key;   /* "subnetId" */
    /* The error of an unknown id: "<missing_code>: the <noun> '<id>' does not exist". */
    const char *missing_code; /* "InvalidSubnetID.NotFound" */
    const char *noun;         /* "subnet ID" */
    /* The state of one described item (borrowed); ref (may be NULL) gives what EC2 does not
     * keep. A new reference. */
    json_t *(*state)(vpce_provider *p, const json_t *item, const json_t *ref);
} vpce_aws_kind;

/* Sets and returns the not-found error of kind k for id (VPCE_ENOTFOUND). */
int vpce_aws_kind_missing(const vpce_aws_kind *k, const char *id);
/*
 * The states of the objects named by ids (NULL entries allowed) into out[i], NULL when EC2 does
 * not know it; refs (may be NULL) holds the ref of each. One vpce_aws_describe_by_filter() call
 * for all of them; none when no id is set.
 */
int vpce_aws_kind_read(vpce_provider *p, const vpce_aws_kind *k, const char *const *ids,
                       const json_t *const *refs, size_t n, json_t **out);
/* read_batch of a resource type: vpce_aws_kind_read() of the priors' ids, priors as refs. */
int vpce_aws_kind_read_batch(vpce_provider *p, const vpce_aws_kind *k, json_t *const *priors,
                             size_t n, json_t **out);
/* import of a resource type: the state of id (without a ref), or the kind's not-found error. */
int vpce_aws_kind_import(vpce_provider *p, const vpce_aws_kind *k, const char *id, json_t **out);
/* The state of id right after a write, waiting VPCE_AWS_CONSISTENCY_MS for EC2 to show it;
 * the kind's not-found error when it never does. *out is new. */
int vpce_aws_kind_read_after_write(vpce_provider *p, const vpce_aws_kind *k, const char *id,
                                   const json_t *ref, json_t **out);

/* ---- identifiers ------------------------------------------------------------------------- */

/* "arn:aws:ec2:REGION:OWNER:KIND/ID" as a new string (caller frees). */
char *vpce_aws_arn(vpce_provider *p, const char *owner, const char *kind, const char *id);
/* st["id"] = id, then st["arn"] = vpce_aws_arn(p, owner, kind, id) (null for a NULL id). */
void vpce_aws_set_id_arn(json_t *st, vpce_provider *p, const char *kind, const char *id,
                         const char *owner);
/* FNV-1a 32-bit hash of s (the stand-in for Terraform's CRC-32 based ids). */
uint32_t vpce_aws_hash32(const char *s);

#endif
