/*
 * planner: decodes a configuration, builds the resource graph, refreshes prior state through the
 * providers, computes and renders plans, reads and writes plan files, and walks a plan to apply
 * it. It knows nothing of SQL, HTTP or AWS: state comes in and goes out as JSON documents (the
 * shape below) and providers are reached through providers/provider.h.
 *
 * The state document exchanged with state/ ("prior"):
 *   { "lineage": "uuid", "serial": 7,
 *     "resources": [ { "address": "aws_subnet.private[0]", "mode": "managed"|"data",
 *                      "type": "aws_subnet", "name": "private", "index": null|0|"key",
 *                      "provider": "aws" | "aws.west", "id": "subnet-0abc...",
 *                      "schema_version": 0, "attributes": { ... },
 *                      "sensitive_attributes": [ "path", ... ],
 *                      "dependencies": [ "aws_vpc.main", ... ] } ... ],
 *     "outputs": { "name": { "value": ..., "sensitive": false } } }
 */
#ifndef VPCE_PLANNER_H
#define VPCE_PLANNER_H

#include "util/util.h"

/* The closed set of plan actions. */
typedef enum {
    VPCE_ACTION_NOOP,
    VPCE_ACTION_CREATE,
    VPCE_ACTION_READ,
    VPCE_ACTION_UPDATE,
    VPCE_ACTION_DELETE_THEN_CREATE,
    VPCE_ACTION_CREATE_THEN_DELETE,
    VPCE_ACTION_DELETE,
} vpce_action;

/* "no-op", "create", "read", "update", "delete-then-create", "create-then-delete", "delete". */
const char *vpce_action_name(vpce_action a);

/* One resource instance's planned change. All members are owned by the change. */
typedef struct vpce_change {
    char *address;  /* "aws_vpc_endpoint.interface[\"ssm\"]" */
    char *mode;     /* "managed" or "data" */
    char *type;     /* "aws_vpc_endpoint" */
    char *name;     /* "interface" */
    json_t *index;  /* NULL (no key), an integer, or a string */
    char *provider; /* "aws" or "aws.west" */
    vpce_action action;
    /* Why, in Terraform's JSON plan vocabulary, or NULL: "replace_because_cannot_update",
       "replace_by_request", "delete_because_no_resource_config", "delete_because_count_index",
       "delete_because_each_key", "read_because_config_unknown", "read_because_dependency_pending".
     */
    char *reason;
    json_t *before; /* prior attributes (null for create) */
    json_t
        *after; /* planned attributes with vpce_unknown() where not yet known (null for delete) */
    json_t *replace_paths;   /* array of paths (arrays of keys) that force replacement, or NULL */
    json_t *sensitive_paths; /* array of top-level attribute names shown as (sensitive value), or
                                NULL */
    char **depends_on; /* addresses of the instances this one depends on (for the apply walk) */
    size_t ndepends_on;
    char *import_id; /* set when this change imports an existing object */
} vpce_change;

/* A complete plan. */
typedef struct vpce_plan {
    vpce_change **changes; /* sorted by address; includes no-op changes */
    size_t nchanges;
    json_t *drift; /* array of changes made outside vpce found by refresh (same shape as
                      the JSON renderer's resource_drift), may be empty */
    json_t
        *output_changes; /* object: name -> { "actions": [...], "before", "after", "sensitive" } */
    json_t *variables;   /* object: name -> value (sensitive ones included: never rendered) */
    json_t *sensitive_vars; /* array of names of sensitive variables */
    char *config_hash;      /* of the configuration the plan was made from */
    char *lineage;          /* of the state it was made against */
    int64_t serial;
    bool destroy;      /* planned with -destroy */
    bool refresh_only; /* planned with -refresh-only */
    json_t *prior;     /* the (refreshed) prior state document it was made against, owned */
} vpce_plan;

void vpce_plan_free(vpce_plan *p);
/* Counts of changes: add (create + replacements), change (update), destroy (delete + replacements).
 */
void vpce_plan_counts(const vpce_plan *p, int *add, int *change, int *destroy);
bool vpce_plan_has_changes(const vpce_plan *p);

#endif
