/*
 * providers: the interface between the planner and the systems it manages. A provider type
 * declares its resource and data-source types, each with a schema (which attributes are
 * required, optional, computed, force a replacement, compare as JSON) and its operations. The
 * planner decides create, update or replace from the schema alone, and reaches a provider only
 * through this header. Values are jansson json_t; computed values not yet known are the
 * vpce_unknown() sentinel of util.h.
 */
#ifndef VPCE_PROVIDER_H
#define VPCE_PROVIDER_H

#include "util/util.h"

/* ---- schemas ----------------------------------------------------------------------------- */

enum {
    VPCE_ATTR_REQUIRED = 1 << 0,  /* must be set in configuration */
    VPCE_ATTR_OPTIONAL = 1 << 1,  /* may be set in configuration */
    VPCE_ATTR_COMPUTED = 1 << 2,  /* set by the provider (with OPTIONAL: defaults remotely) */
    VPCE_ATTR_FORCE_NEW = 1 << 3, /* a change replaces the resource */
    VPCE_ATTR_JSON = 1 << 4,      /* a JSON document in a string, compared by meaning */
    VPCE_ATTR_SENSITIVE = 1 << 5, /* never shown in plans or logs */
    VPCE_ATTR_POLICY = 1 << 6,    /* with JSON: an IAM policy, compared with policy equivalence */
};

/*
 * An attribute. `type` is a type constraint in the language's syntax: "string", "number",
 * "bool", "list(string)", "set(string)", "map(string)", "any", "list(object({...}))"...
 * `default_json`, when not NULL, is the JSON text of the value used when the attribute is
 * omitted (as Terraform's schema Default).
 */
typedef struct vpce_attr_schema {
    const char *name;
    const char *type;
    unsigned flags;
    const char *default_json;
    const char *description;
} vpce_attr_schema;

typedef enum {
    VPCE_NEST_SINGLE, /* at most one block; the value is an object or null */
    VPCE_NEST_LIST,   /* the value is a list of objects */
    VPCE_NEST_SET,    /* the value is a set of objects (order does not matter) */
} vpce_nesting;

typedef struct vpce_block_schema vpce_block_schema;

typedef struct vpce_nested_block {
    const char *name;
    vpce_nesting nesting;
    int min_items;
    int max_items; /* 0: no limit */
    unsigned
        flags; /* VPCE_ATTR_FORCE_NEW, VPCE_ATTR_COMPUTED (filled by the provider when absent) */
    const vpce_block_schema *block;
} vpce_nested_block;

/* A body's schema. Both arrays end with an entry whose name is NULL. */
struct vpce_block_schema {
    const vpce_attr_schema *attrs;
    const vpce_nested_block *blocks;
};

/* Looks up an attribute or nested block by name; NULL when absent. Borrowed from the schema. */
const vpce_attr_schema *vpce_schema_attr(const vpce_block_schema *s, const char *name);
const vpce_nested_block *vpce_schema_block(const vpce_block_schema *s, const char *name);

/* ---- resource and data-source types ------------------------------------------------------ */

typedef struct vpce_provider vpce_provider; /* a configured provider instance (opaque) */

/*
 * One operation on one resource instance. The planner fills the inputs; the operation sets
 * new_state (a new reference the caller takes) on success. On failure the operation returns a
 * negative code and sets the error message with vpce_error_set(), starting with the remote
 * error code when there is one ("InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist").
 */
typedef struct vpce_resource_op {
    vpce_provider *provider;
    const char *address;  /* "aws_vpc_endpoint.s3", for messages and the vpce:address tag */
    const json_t *prior;  /* state before the operation; NULL for create and import */
    const json_t *config; /* planned values: configuration with unknowns for computed ones */
    const char *token;    /* idempotency token for create (ClientToken), may be NULL */
    int64_t timeout_ms;   /* how long to wait for the resource to settle */
    json_t *new_state;    /* out */
} vpce_resource_op;

typedef struct vpce_resource_type {
    const char *name; /* "aws_vpc_endpoint" */
    const vpce_block_schema *schema;
    int schema_version;
    const char *description;

    /* Operations; NULL until implemented (the planner then reports the type as read-only). */
    int (*create)(vpce_resource_op *op);
    int (*update)(vpce_resource_op *op);
    int (*delete)(vpce_resource_op *op);
    /*
     * Refreshes n instances at once from their prior states: out[i] gets the current state of
     * priors[i] as a new reference, or NULL when the object is gone. One batched call per type
     * (or a few, paginated), never one per instance.
     */
    int (*read_batch)(vpce_provider *p, json_t *const *priors, size_t n, json_t **out);
    /* Reads the object with remote id `id` into a new state (*out, caller owns). */
    int (*import)(vpce_provider *p, const char *id, json_t **out);
    /* Data sources only: reads with the evaluated configuration into *out. */
    int (*read)(vpce_provider *p, const json_t *config, json_t **out);
    /*
     * Optional, for crash recovery of apply: finds the object a create for `address` may have
     * made (by its vpce:address tag, or by the idempotency token `token`, which may be NULL).
     * Sets *out to its state (new reference) when found, NULL when no such object exists, and
     * returns 0; a negative code when it cannot tell (then nothing is decided).
     */
    int (*find_by_address)(vpce_provider *p, const char *address, const char *token, json_t **out);
    /*
     * Optional, preferred over find_by_address when set: the same search, also given the
     * planned values the create was sent with (`planned`, borrowed, may be NULL when the journal
     * entry has none). Types whose objects carry no tag (routes, associations, rules) find them
     * from their planned identity (route table + destination, subnet + route table...).
     */
    int (*find_planned)(vpce_provider *p, const char *address, const char *token,
                        const json_t *planned, json_t **out);
} vpce_resource_type;

/* ---- provider types and the registry ----------------------------------------------------- */

typedef struct vpce_provider_type {
    const char *name; /* "aws" */
    const vpce_block_schema *config_schema;
    const vpce_resource_type *const *resources;    /* NULL-terminated */
    const vpce_resource_type *const *data_sources; /* NULL-terminated */
    /* Makes an instance from the evaluated provider block (may be NULL for an empty block). */
    int (*configure)(vpce_provider **out, const json_t *config);
    void (*free)(vpce_provider *p);
    /* Optional: who a configured instance acts as, for `vpce whoami`: *out gets a new JSON
     * object of strings (for aws: account, arn, user_id, source, region). Never a secret. */
    int (*identity)(vpce_provider *p, json_t **out);
    /*
     * Optional: the instance that serves an object whose values (configuration, planned values
     * or state; borrowed) are `values`. For aws: an instance for the object's own `region`
     * argument when it names another region than the provider's, made on first use with the
     * same credentials and kept by p (borrowed; freed with p). Returns p itself when the
     * object is the provider's own, NULL with the message set when no instance can be made.
     */
    vpce_provider *(*instance_for)(vpce_provider *p, const json_t *values);
    /* Optional: sets in state (an object, modified in place) the attributes the instance
     * decides itself (aws: region) where they are missing, null or unknown. */
    void (*fill_state)(vpce_provider *p, json_t *state);
} vpce_provider_type;

/*
 * A provider that can no longer work safely (its credentials could not be refreshed) asks the
 * engine to start nothing new: the apply walk finishes and records what runs, as after an
 * interrupt. The first reason is kept (copied). Thread-safe.
 */
void vpce_providers_request_stop(const char *reason);
/* The reason given to vpce_providers_request_stop(), or NULL. Valid until the program ends. */
const char *vpce_providers_stop_reason(void);

/* The provider type called name ("aws"), or NULL. Borrowed; lives for the whole program. */
const vpce_provider_type *vpce_providers_find(const char *name);
/* Adds a provider type (tests register their own). Borrowed: t must outlive the program. */
void vpce_providers_register(const vpce_provider_type *t);
/* A resource or data-source type of any registered provider by its full name, or NULL. */
const vpce_resource_type *vpce_providers_resource(const char *type_name);
const vpce_resource_type *vpce_providers_data_source(const char *type_name);
/* The provider name of a type name: the part before the first '_' ("aws" of "aws_vpc"). */
const vpce_provider_type *vpce_providers_for_type(const char *type_name);
/* All resource (data=false) or data-source type names, for "did you mean"; caller frees the array.
 */
const char **vpce_providers_type_names(bool data, size_t *n);

#endif
