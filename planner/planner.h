/*
 * planner: plans and applies. It builds the resource graph of a decoded configuration
 * (config/config.h), refreshes prior state through the providers, evaluates (lang/lang.h) and
 * diffs each instance by its schema, estimates cost, reads and writes plan files, and walks a
 * plan to apply it, with crash recovery from the journal.
 *
 * It may call config/, lang/, providers/provider.h and util/. It knows nothing of SQL, HTTP or
 * AWS, nor of where the state lives: state comes in and goes out as JSON documents (the shape
 * below) and every write goes through the apply hooks. Rendering a plan is render/render.h.
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
    VPCE_ACTION_FORGET, /* leaves the state; the object itself is kept (removed, destroy = false) */
} vpce_action;

/* "no-op", "create", "read", "update", "delete-then-create", "create-then-delete", "delete",
   "forget". */
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
       "replace_by_request", "replace_by_triggers", "delete_because_no_resource_config",
       "delete_because_no_module", "delete_because_count_index", "delete_because_each_key",
       "read_because_config_unknown", "read_because_dependency_pending".
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
    /* The address the object had in the prior state when a moved block moved it here, else
       NULL. Applying the plan moves it in the state before anything else. */
    char *previous_address;
    /* A precondition or postcondition could not be decided while planning (its result
       depends on values known only after apply): apply plans this instance again before its
       operation, so the conditions are checked with the values then known. */
    bool checks_pending;
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
    /* The reachability findings (analysis/analysis.h's vpce_findings_to_json shape), set by
       whoever ran the analysis, or NULL; owned. Saved in plan files and shown by the renderers
       at the top of the plan. */
    json_t *findings;
    json_t *prior; /* the (refreshed) prior state document it was made against, with the
                      moves of moved blocks made, owned */
    /* Results of check blocks, one per check block in each module instance: [{"name", "module"
       (the instance's path, "" in the root), "module_static" (the path without keys),
       "status": "pass"|"fail"|"unknown", "problems": [{"message"}]}], in configuration order;
       may be empty. */
    json_t *checks;
} vpce_plan;

void vpce_plan_free(vpce_plan *p);
/* Counts of changes: add (create + replacements), change (update), destroy (delete + replacements).
 */
void vpce_plan_counts(const vpce_plan *p, int *add, int *change, int *destroy);
bool vpce_plan_has_changes(const vpce_plan *p);

/* ---- plan files (planner/planfile.c, planner/plan_free.c); rendering is render/render.h -- */

/* Frees a change and everything it owns; NULL is a no-op. */
void vpce_change_free(vpce_change *c);

/* Plan files: a versioned JSON document holding everything apply needs (docs/plan-json.md). */
#define VPCE_PLANFILE_FORMAT   1
#define VPCE_PLANFILE_MAX_SIZE ((size_t)512 * 1024 * 1024)
/* Writes atomically (temporary file in the same directory, fsync, rename), mode 0600. */
int vpce_planfile_write(const vpce_plan *p, const char *path);
/* Reads a plan file; *out is the caller's (vpce_plan_free). Corrupt, truncated, oversized or
 * newer-format files fail with VPCE_EINVALID / VPCE_ETOOBIG and a message, *out NULL. Values
 * come back exactly as written (unknowns included); an absent before/after/index is NULL. */
int vpce_planfile_read(vpce_plan **out, const char *path);
/* The plan file document as a new JSON value (caller owns the reference), and back: *out is the
 * caller's. */
json_t *vpce_plan_to_json(const vpce_plan *p);
int vpce_plan_from_json(vpce_plan **out, const json_t *doc);
/* 0 when the plan still matches the configuration hash and the state's lineage and serial, else
 * VPCE_ESTALE with a message. config_hash NULL skips the configuration check. */
int vpce_planfile_check_current(const vpce_plan *p, const char *config_hash, const char *lineage,
                                int64_t serial);

/* ---- Cost estimate (planner/cost.c) ------------------------------------------------------- */

/* AWS's list price of one interface endpoint ENI-hour (one endpoint in one subnet/AZ) in
   us-east-1 and most other regions, in USD. It excludes data processing ($0.01 per GB), which
   vpce cannot know. Gateway endpoints are free. No prices are looked up over the network. */
#define VPCE_COST_USD_PER_ENI_HOUR 0.01
/* Hours in the month AWS bills by. */
#define VPCE_COST_HOURS_PER_MONTH 730

typedef struct vpce_plan_cost {
    /* The plan changes (or may change: a count is unknown) the number of interface-endpoint
       ENIs; false means there is nothing to say. */
    bool relevant;
    /* ENIs added (negative: removed). When !eni_delta_known it is a lower bound: a wholly
       unknown subnet_ids list (or an unknown vpc_endpoint_type) counts as no ENIs. */
    long eni_delta;
    bool eni_delta_known;
    /* eni_delta * VPCE_COST_USD_PER_ENI_HOUR * VPCE_COST_HOURS_PER_MONTH, rounded to cents. */
    double monthly_usd_delta;
} vpce_plan_cost;

/*
 * The change in interface-endpoint ENIs p makes, from its managed changes (no-ops and reads
 * ignored): an aws_vpc_endpoint side (before/after) whose vpc_endpoint_type is "Interface" has
 * one ENI per element of subnet_ids (a list with unknown elements still has a known length);
 * creates add the after count, deletes remove the before count, updates and replacements add
 * the difference; an aws_vpc_endpoint_subnet_association create adds one, a delete removes one.
 * Subnets an association adds also appear in the endpoint's subnet_ids once refreshed, so
 * deleting both in one plan may count them twice.
 */
void vpce_plan_cost_estimate(const vpce_plan *p, vpce_plan_cost *out);
/* The sentence the renderers print, without a newline: "Cost: +$14.60/month (2 more interface
   endpoint ENIs at $0.01 per ENI-hour, us-east-1 list price; data processing not included)",
   with "-$" and "fewer" for removals and "at least" when the count is a lower bound. NULL when
   !c->relevant. Caller frees. */
char *vpce_plan_cost_sentence(const vpce_plan_cost *c);

/* ---- planning (planner/plan.c) ------------------------------------------------------------ */

struct vpce_config;
struct vpce_provider;

/*
 * Configured provider instances of one configuration, by reference ("aws", "aws.west",
 * "test"): every provider block evaluated (with var.* in scope) against its type's
 * config_schema and passed to the type's configure(); a reference used by a resource but with
 * no block is configured from an empty body. A type without configure() gets a NULL instance.
 */
typedef struct vpce_plan_providers vpce_plan_providers;
/* Configures every provider the configuration uses. *out (caller frees) is set even on
 * errors, which are appended to diags. Returns 0 or VPCE_EINVALID. vars is borrowed. */
int vpce_plan_providers_new(vpce_plan_providers **out, const struct vpce_config *cfg,
                            const json_t *vars, vpce_diags *diags);
/* The instance for ref (NULL when its type has no configure()); borrowed from ps. */
struct vpce_provider *vpce_plan_providers_get(const vpce_plan_providers *ps, const char *ref);
/*
 * The instance that serves the object of ref whose values are `values` (borrowed; NULL: the
 * configured instance): the type's instance_for (a per-resource region), else the configured
 * instance. NULL when ref has no instance, or with the message set when one cannot be made
 * (*failed then set). Borrowed from ps.
 */
struct vpce_provider *vpce_plan_providers_for(const vpce_plan_providers *ps, const char *ref,
                                              const json_t *values, bool *failed);
/* Lets the type of ref fill in what inst decides itself (fill_state) in state (modified). */
void vpce_plan_providers_fill(const vpce_plan_providers *ps, const char *ref,
                              struct vpce_provider *inst, json_t *state);
void vpce_plan_providers_free(vpce_plan_providers *ps);

typedef struct vpce_plan_opts {
    bool refresh;               /* refresh prior state through the providers' read_batch first */
    bool refresh_only;          /* only bring state up to date: no infrastructure changes planned */
    bool destroy;               /* plan to delete everything in state */
    const char *const *targets; /* -target addresses ("aws_vpc.main", "aws_subnet.a[0]") */
    size_t ntargets;
    const char *const *replace; /* -replace instance addresses */
    size_t nreplace;
    /* Configured providers (borrowed); NULL: the plan configures its own and frees them. */
    const vpce_plan_providers *providers;
    /* Most resource instances in the plan; 0: VPCE_MAX_INSTANCES_PER_PLAN (config/config.h). */
    size_t max_instances;
} vpce_plan_opts;

/*
 * Makes a plan: builds the configuration graph, refreshes the prior state (opts->refresh),
 * evaluates variables (vars: name -> value, borrowed; missing ones take their defaults),
 * locals, data sources (read now when their configuration is known) and resources in
 * dependency order, expands count and for_each into instances, and diffs each instance with
 * its prior state by its schema. prior_state_doc is the state document described at the top
 * of this header (borrowed; NULL = empty state); opts may be NULL (refresh on, nothing else).
 * Problems in the configuration (including lifecycle.prevent_destroy violations) go to diags.
 * *out (caller frees with vpce_plan_free) is set only on success. Returns 0, VPCE_EINVALID
 * after diagnostics, or another negative code with vpce_error_set() (a provider failed).
 */
int vpce_plan_make(vpce_plan **out, const struct vpce_config *cfg, const json_t *vars,
                   const json_t *prior_state_doc, const vpce_plan_opts *opts, vpce_diags *diags);

/* One step of applying a plan: a change is one step, or two for a replacement (its delete and
   its create, in the order its action says). */
typedef struct vpce_apply_step {
    size_t change; /* index into p->changes */
    bool del;      /* deletes the change's object (a delete, or the old object of a replacement);
                      false: creates, updates or reads */
} vpce_apply_step;

/*
 * An order in which the steps of p can be applied one at a time, with Terraform's create and
 * destroy edges: creates, updates and reads after the creates and updates they depend on; an
 * object deleted (or deleted to be replaced) only after the deletes of what depends on it,
 * the dependencies recorded in the prior state included, and after the in-place updates that
 * may stop using it; the delete half of a delete-then-create before its create, which comes
 * before its dependents' creates; the old object of a create-then-delete after its create and
 * after what uses it has switched to the new one. *out (caller frees) holds *n steps; no-op
 * changes are left out.
 */
void vpce_plan_apply_order(const vpce_plan *p, vpce_apply_step **out, size_t *n);

/* Formats an instance address: "aws_vpc.main", "aws_subnet.a[0]", "aws_x.y[\"k\"]" (key
 * escaped as Terraform does). key is NULL, an integer or a string. Caller frees. */
char *vpce_plan_instance_addr(const char *resource_addr, const json_t *key);

/*
 * True if the IAM policy documents a and b (JSON text) mean the same, as the Terraform AWS
 * provider's policy equivalence decides: whitespace, key order and statement order do not
 * matter; "x" equals ["x"] and list order does not matter in Action, NotAction, Resource,
 * NotResource, Principal and Condition values; Principal "*" equals {"AWS": "*"}; Effect is
 * compared case-insensitively; Version, Id and Sid must match. Invalid JSON compares as text.
 */
bool vpce_policy_equivalent(const char *a, const char *b);
/* True if a and b are JSON texts of equal values (whitespace and key order ignored). */
bool vpce_json_equivalent(const char *a, const char *b);

/* ---- Applying (planner/apply.c) ----------------------------------------------------------- */

/*
 * The apply walk. The steps of the changes run on a pool of threads in the order of
 * vpce_plan_apply_order (a replacement is two steps: its delete and its create). A failure
 * skips what waits for it, nothing else. Values planned as
 * unknown (an id of a resource created earlier in the same apply) are resolved by planning that
 * one instance again (opts.targets = its address, no refresh) against the state as it is at
 * that moment; a change whose re-planned action differs in kind fails with "the plan changed
 * during apply". The planner never touches the database: every step goes through the hooks,
 * which are called with the walker's lock held (one at a time, never concurrently), so a
 * non-thread-safe state handle can be used from them.
 */

typedef enum {
    VPCE_APPLY_EV_START, /* "Creating..." */
    VPCE_APPLY_EV_STILL, /* "Still creating... [10s elapsed]" */
    VPCE_APPLY_EV_DONE,  /* "Creation complete after 12s [id=...]" */
    VPCE_APPLY_EV_ERROR, /* the operation failed (message in error) */
} vpce_apply_event_kind;

typedef struct vpce_apply_event {
    vpce_apply_event_kind kind;
    const vpce_change *change;
    const char *op;     /* "create", "update", "delete", "read" */
    int64_t elapsed_ms; /* since START */
    const char *id;     /* DONE: the object's id, or NULL */
    const char *error;  /* ERROR: the message (starts with the remote error code) */
} vpce_apply_event;

typedef struct vpce_apply_hooks {
    void *ctx;
    /* Commits a journal entry for op ("create", "update", "delete") on c->address with token
       (NULL but for creates) BEFORE the operation is sent; *out_id gets its id. A failure
       fails the change without calling the provider. For creates and updates c->after holds
       the values the operation is sent with (re-planned unknowns resolved). */
    int (*begin)(void *ctx, const vpce_change *c, const char *op, const char *token,
                 int64_t *out_id);
    /* Records a finished operation and clears its journal entry in one transaction: resource
       (the state document's resources[] shape, borrowed) is put at address, or address is
       removed when resource is NULL. journal_id is 0 for data-source reads (no entry). */
    int (*record)(void *ctx, int64_t journal_id, const char *address, const json_t *resource);
    /* Clears a journal entry without changing resources (a failed update or delete, the old
       object of a create-then-delete). May be NULL. */
    int (*abandon)(void *ctx, int64_t journal_id);
    /* Moves the object at `from` to `to` in one transaction (a moved block), before the walk
       starts; record() is then called with the moved entry. May be NULL: record() alone then
       removes `from` and puts `to`. */
    int (*move)(void *ctx, const char *from, const char *to);
    /* Progress, may be NULL. */
    void (*progress)(void *ctx, const vpce_apply_event *ev);
    /* Polled often; true means start nothing new (finish and record what runs). May be NULL.
       A cancellation (vpce_cancel_request) stops the walk the same way, and the running
       operations end their waits at once with VPCE_EINTERRUPTED: their journal entries are
       kept (an interrupted create, update or delete may have been sent) for the next run's
       vpce_apply_recover. */
    bool (*interrupted)(void *ctx);
} vpce_apply_hooks;

typedef struct vpce_apply_opts {
    int parallelism; /* operations at once; <= 0 means 10 */
    /* For re-plans and reads: the configuration, variables (name -> value, e.g. the plan's
       `variables`) and configured providers, all borrowed and required. */
    const struct vpce_config *cfg;
    const json_t *vars;
    const vpce_plan_providers *providers;
    /* Passed to each operation as its timeout; <= 0 leaves each resource type's own default
       (a resource's `timeouts {}` block wins over both). */
    int64_t op_timeout_ms;
    int64_t still_interval_ms; /* "Still creating..." period; <= 0 means 10 s */
    /* Creates to resume (the `resume` object of vpce_apply_recover, borrowed, may be NULL):
       address -> {"token", "journal_id"}. A create of such an address is sent with that token
       instead of a new one, so an action that takes a ClientToken returns the object an
       interrupted run made (and EC2 has not shown yet) rather than making a second one; once
       its new journal entry is committed, the old entry journal_id is cleared (hooks->abandon). */
    const json_t *resume;
} vpce_apply_opts;

typedef struct vpce_apply_result {
    json_t *state;     /* the state document after the walk (new reference) */
    json_t *succeeded; /* [{"address", "action"}] in completion order */
    json_t *failed;    /* [{"address", "error"}] sorted by address */
    json_t *skipped;   /* ["address"]: not run because something they wait for failed; the
                          delete half of a create-then-delete reads "address (deleting the
                          object it replaces, id ID)" */
    int added, changed, destroyed;
    bool interrupted; /* stopped early at the user's request */
} vpce_apply_result;

/*
 * Applies plan p: first the moves of its changes' previous_address (hooks->move) and its
 * forgets (hooks->record with NULL: the state entry goes, the object stays), then the walk.
 * A failing move or forget stops before the walk (an error, its message set). Returns 0 when
 * the walk ran (even with failed changes: see out->failed), a
 * negative code when it could not start (its message set). *out is always initialised; release
 * it with vpce_apply_result_release().
 */
int vpce_apply(vpce_apply_result *out, const vpce_plan *p, const vpce_apply_opts *opts,
               const vpce_apply_hooks *hooks);
void vpce_apply_result_release(vpce_apply_result *r);

/* How long after a create EC2 may still hide the object it made from Describe* calls (its
   eventual consistency); vpce_apply_recover's default window. */
#define VPCE_RECOVER_WINDOW_MS 5000

/*
 * Reconciles journal entries left by an interrupted apply (entries as vpce_state_journal_list
 * returns them, borrowed: "id", "address", "action", "token", "started_at" as
 * "YYYY-MM-DDTHH:MM:SSZ" UTC, "details"). For a "create" entry whose type can search
 * (find_planned or find_by_address):
 *  - the object found is adopted (hooks->record with the resource built for that address);
 *  - none found, with a token: the entry is kept and {"token", "journal_id"} put at its address
 *    in *resume, for vpce_apply_opts.resume (the create is sent again with the same token);
 *    an entry of a resource no longer in cfg is cleared instead (hooks->abandon);
 *  - none found, without a token: the entry is cleared.
 * Before searching, waits until the newest such create entry started window_ms ago (< 0:
 * VPCE_RECOVER_WINDOW_MS; 0: no wait; never longer than the window), so objects a create made
 * just before the crash are visible to the search. Other entries (updates, deletes, types that
 * cannot search) are cleared: the next refresh reads what is really there. Messages (one per
 * entry, "ADDR: adopted vpce-123" ...) go to *report (new array); *resume is a new object (may
 * be empty); the caller owns both, set even on failure. Stops at the first failing hook or
 * provider search and returns its code.
 */
int vpce_apply_recover(const json_t *entries, const struct vpce_config *cfg,
                       const vpce_plan_providers *ps, const vpce_apply_hooks *hooks,
                       int64_t window_ms, json_t **report, json_t **resume);

/*
 * The outputs to store after an apply: every configured output evaluated against state_doc
 * (a full plan without refresh), as {name: {"value", "sensitive"}} (*out, caller owns); outputs
 * whose value is still unknown are left out. Returns 0, or VPCE_EINVALID with diagnostics.
 */
int vpce_apply_outputs(json_t **out, const struct vpce_config *cfg, const json_t *vars,
                       const json_t *state_doc, const vpce_plan_providers *ps, vpce_diags *diags);

/* A state document resource entry for change c with attributes attrs (borrowed):
   address, mode, type, name, index, provider, id, schema_version, attributes,
   sensitive_attributes, dependencies. New reference. */
json_t *vpce_apply_state_entry(const vpce_change *c, const json_t *attrs);

#endif
