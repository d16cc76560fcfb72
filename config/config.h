/*
 * config: the configuration, decoded from every *.vpce file of one directory.
 *
 * Owns: loading the files (through parser/), decoding bodies against the provider schemas
 * (providers/provider.h), references between objects and the configuration's graph (on util's
 * DAG), input variables, and the content hash that saved plans check. It may call parser/,
 * lang/ (evaluation and types), providers/provider.h (schemas only, never CRUD) and util/; it
 * knows nothing of state, plans, rendering, HTTP or AWS.
 * Decoding checks the structure against the provider schemas; expressions stay as
 * syntax trees and are evaluated later, during planning. Everything here is owned by the
 * vpce_config and freed by vpce_config_free(); AST pointers borrow from its files.
 */
#ifndef VPCE_CONFIG_H
#define VPCE_CONFIG_H

#include "lang/lang.h"
#include "parser/parser.h"
#include "providers/provider.h"

/*
 * Most instances one resource or data block may expand to with count or for_each, and most
 * instances in one plan. Past them planning stops with an error before anything is allocated
 * for the instances (a typo such as count = 1e18 must not exhaust memory).
 */
#define VPCE_MAX_INSTANCES_PER_RESOURCE 10000
#define VPCE_MAX_INSTANCES_PER_PLAN     100000

/* A condition with its error message: a variable's validation block, or a precondition or
   postcondition block of a resource, data source or output. */
typedef struct vpce_cfg_validation {
    vpce_ast_expr *condition;
    vpce_ast_expr *error_message;
    vpce_range range; /* the block header */
} vpce_cfg_validation;

typedef struct vpce_cfg_variable {
    char *name;
    vpce_range range;            /* the block header */
    vpce_ast_expr *type;         /* type constraint expression, NULL = any */
    vpce_ast_expr *default_expr; /* NULL = required */
    char *description;
    bool sensitive;
    bool nullable;
    vpce_cfg_validation *validations;
    size_t nvalidations;
} vpce_cfg_variable;

typedef struct vpce_cfg_local {
    char *name;
    vpce_ast_expr *expr;
    vpce_range range;
    int sensitivity; /* whether expr is sensitive, worked out once while loading: 0 not yet,
                        1 being worked out, 2 no, 3 yes (vpce_config_expr_sensitive reads it) */
} vpce_cfg_local;

typedef struct vpce_cfg_output {
    char *name;
    vpce_ast_expr *value;
    char *description;
    bool sensitive;
    vpce_ast_expr **depends_on;
    size_t ndepends_on;
    vpce_cfg_validation *preconditions; /* checked before the value is evaluated */
    size_t npreconditions;
    vpce_range range;
} vpce_cfg_output;

typedef struct vpce_cfg_provider {
    char *name;  /* "aws" */
    char *alias; /* NULL for the default configuration */
    vpce_ast_body *body;
    vpce_range range;
} vpce_cfg_provider;

typedef enum { VPCE_MODE_MANAGED, VPCE_MODE_DATA } vpce_mode;

typedef struct vpce_cfg_resource {
    vpce_mode mode;
    char *type;                      /* "aws_vpc_endpoint" */
    char *name;                      /* "s3" */
    char *addr;                      /* "aws_vpc_endpoint.s3" or "data.aws_region.current" */
    vpce_range range;                /* the block header */
    const vpce_resource_type *rtype; /* schema and operations, never NULL after a clean decode */
    vpce_ast_body *body;        /* the block body; meta-arguments are skipped when evaluating it */
    vpce_ast_expr *count;       /* NULL when absent */
    vpce_ast_expr *for_each;    /* NULL when absent */
    vpce_ast_expr **depends_on; /* traversal expressions */
    size_t ndepends_on;
    char *provider_ref; /* the provider configuration, resolved through the module tree:
                           "aws" or "aws.west" (the root's), "module.a.aws" (one a module
                           declares itself) */
    char *path_addr;    /* addr with the static module path: "module.a.aws_vpc.main" (= addr in
                           the root module); the name of its graph node */
    const struct vpce_config *module; /* the module that declares it */
    bool prevent_destroy;
    bool create_before_destroy;
    bool ignore_all_changes; /* ignore_changes = all */
    char **ignore_changes;   /* top-level attribute names */
    size_t nignore_changes;
    /* lifecycle { precondition {} postcondition {} }: checked before and after planning (and
       after apply); postconditions may use self. Data sources have these too. */
    vpce_cfg_validation *preconditions;
    size_t npreconditions;
    vpce_cfg_validation *postconditions;
    size_t npostconditions;
    /* lifecycle.replace_triggered_by: references to managed resources of the configuration
       (aws_x.y, aws_x.y[count.index], aws_x.y.attr), checked when decoding. */
    vpce_ast_expr **replace_triggered_by;
    size_t nreplace_triggered_by;
    /* Reachability checks this endpoint opts out of: `vpce_checks { skip = ["rule-id"] }` in
       the resource block (a meta block, like lifecycle; analysis/analysis.h names the rules). */
    char **check_skips;
    size_t ncheck_skips;
} vpce_cfg_resource;

typedef struct vpce_cfg_import {
    char *to; /* resource address with instance key, e.g. aws_vpc.main or aws_subnet.a["x"] */
    vpce_ast_expr *to_expr;
    vpce_ast_expr *id;
    vpce_range range;
} vpce_cfg_import;

/* ---- addresses (config/address.c) -------------------------------------------------------- */

/* An address (util's vpce_addr) from a traversal expression with literal keys, as moved,
   removed and import blocks write them (aws_subnet.a["x"], module.net.aws_vpc.main). Returns 0,
   or VPCE_EINVALID with *err set to a static explanation. */
int vpce_addr_from_expr(vpce_addr *out, const vpce_ast_expr *e, const char **err);

/* moved { from = ADDR  to = ADDR } */
typedef struct vpce_cfg_moved {
    vpce_addr from, to;
    vpce_range range; /* the block header */
    vpce_range from_range, to_range;
} vpce_cfg_moved;

/* removed { from = ADDR  lifecycle { destroy = BOOL } } */
typedef struct vpce_cfg_removed {
    vpce_addr from;
    bool destroy; /* true (the default): destroy the object; false: only forget it */
    vpce_range range, from_range;
} vpce_cfg_removed;

/* check "NAME" { data "T" "N" {...}  assert { condition  error_message } ... } */
typedef struct vpce_cfg_check {
    char *name;
    vpce_range range;
    struct vpce_cfg_resource *data; /* the scoped data source, or NULL (one at most) */
    vpce_cfg_validation *asserts;
    size_t nasserts;
} vpce_cfg_check;

/* A required_version constraint: `terraform { required_version }` or `vpce { required_version
   }`; both are checked against vpce's own version. */
typedef struct vpce_cfg_version_req {
    char *constraint; /* as written, syntax checked */
    bool vpce_block;  /* from a vpce {} block, else terraform {} */
    vpce_range range; /* the whole attribute, where a failure is reported */
} vpce_cfg_version_req;

/* One entry of `terraform { required_providers { NAME = { source, version } } }`. */
typedef struct vpce_cfg_required_provider {
    char *name;    /* the local name, "aws" */
    char *source;  /* NULL when not given */
    char *version; /* constraint as written, NULL when not given; not checked against anything */
    vpce_range range;
} vpce_cfg_required_provider;
/*
 * The `backend "TYPE" { ... }` block of a `terraform {}` or `vpce {}` block: where the state
 * lives. Its settings are literals only (no variables, no functions: they are read before
 * anything is evaluated), decoded into an object: attributes as values, nested blocks
 * (`endpoints { s3 = ... }`, `assume_role { ... }`) as objects. Which settings a type takes is
 * checked where the backend is built.
 */
typedef struct vpce_cfg_backend {
    char *type;       /* "s3", "local" */
    json_t *settings; /* owned */
    vpce_range range; /* the block header */
} vpce_cfg_backend;

/* providers = { aws = aws.west }: the child's configuration `child` is the parent's `parent`. */
typedef struct vpce_cfg_provider_map {
    char *child;  /* "aws", "aws.east" */
    char *parent; /* "aws.west" */
    vpce_range range;
} vpce_cfg_provider_map;

struct vpce_config;

typedef struct vpce_cfg_module_call {
    char *name;
    char *source; /* as written: "./modules/x", "git::https://...?ref=v1//sub" */
    vpce_range range;
    vpce_range source_range;
    vpce_ast_body *body;     /* the arguments: every attribute but the meta-arguments */
    vpce_ast_expr *count;    /* NULL when absent */
    vpce_ast_expr *for_each; /* NULL when absent */
    vpce_ast_expr **depends_on;
    size_t ndepends_on;
    vpce_cfg_provider_map *providers; /* providers = {...}, in source order */
    size_t nproviders;
    bool has_providers;        /* a providers argument is given (it may be empty) */
    struct vpce_config *child; /* the called module; NULL when its source is not usable */
} vpce_cfg_module_call;

/* What a node of the configuration graph stands for (vpce_graph_data of its node). */
typedef enum {
    VPCE_NODE_VARIABLE,
    VPCE_NODE_LOCAL,
    VPCE_NODE_OUTPUT,
    VPCE_NODE_PROVIDER,
    VPCE_NODE_RESOURCE, /* managed or data */
    VPCE_NODE_MODULE,   /* a module call: expands count/for_each into module instances */
} vpce_node_kind;

typedef struct vpce_cfg_node {
    vpce_node_kind kind;
    void *obj;                        /* vpce_cfg_variable*, ..., vpce_cfg_module_call* */
    const struct vpce_config *module; /* the module the object is declared in */
} vpce_cfg_node;

typedef struct vpce_config {
    char *dir;
    vpce_vec files;     /* vpce_file*, sorted by name */
    vpce_vec variables; /* vpce_cfg_variable* in source order; likewise below */
    vpce_vec locals;
    vpce_vec outputs;
    vpce_vec providers;
    vpce_vec resources; /* managed and data, in source order */
    vpce_vec imports;
    vpce_vec moved;    /* vpce_cfg_moved*, in source order */
    vpce_vec removed;  /* vpce_cfg_removed* */
    vpce_vec checks;   /* vpce_cfg_check* */
    vpce_map *by_addr; /* addr -> vpce_cfg_resource* */
    /* Settings from terraform {} and vpce {} blocks (every such block of every file). */
    vpce_vec required_versions;  /* vpce_cfg_version_req* */
    vpce_vec required_providers; /* vpce_cfg_required_provider* */
    vpce_vec experiments;        /* char*: keywords of terraform { experiments = [...] } */
    vpce_vec provider_metas;     /* const vpce_ast_block*: provider_meta "NAME" {} (kept as is) */
    /* backend "TYPE" { ... } of the terraform (or vpce) block, decoded as literals; NULL when
       the configuration names none (local state) or its settings were refused. */
    vpce_cfg_backend *backend;
    /* The selected workspace, terraform.workspace in expressions; NULL means "default". The
       caller sets it (vpce_config_set_workspace) before planning. */
    char *workspace;
    char content_hash[65]; /* sha256 hex of the files' names and bytes, for saved plans (of
                              every module of the tree in the root's) */
    /* The reference graph vpce_config_load_dir built (vpce_config_graph), when it had no
       errors; NULL otherwise. Read-only once loaded: planning uses it instead of building its
       own. */
    vpce_graph *graph;
    /* The module tree: a configuration is a tree of modules, the root first. */
    vpce_vec module_calls;            /* vpce_cfg_module_call* in source order */
    struct vpce_config *parent;       /* NULL for the root module */
    const vpce_cfg_module_call *call; /* the call in parent that loaded it; NULL for the root */
    char *prefix;                     /* static module path with a final dot: "" for the root,
                                         "module.a.", "module.a.module.b." */
    size_t depth;                     /* 0 for the root */
    size_t id;                        /* index in the root's modules */
    const struct vpce_config *root;
    vpce_vec modules; /* root only: every module of the tree, root first (parents before
                         children); borrowed vpce_config* (the root itself first) */
    vpce_vec nodes;   /* root only: vpce_cfg_node* for the graph of the whole tree */
} vpce_config;

/*
 * Loads and decodes every *.vpce file of dir (sorted by name), or its *.tf files when it has no
 * *.vpce file (a directory with neither is an error "no configuration files in DIR"), then every
 * module it calls, recursively (a module directory's *.vpce files, or its *.tf files when it has
 * none). Module calls are checked against the called module: unknown arguments, missing required
 * variables, provider configurations passed or inherited (each resource's provider_ref is resolved
 * through the tree), sources that are not usable. Every problem found is appended to diags: syntax
 * errors, unknown block types, unknown resource types (with a suggestion), unsupported, missing
 * or mistyped arguments, duplicates, count with for_each, non-literal lifecycle values,
 * undeclared provider aliases, unknown settings in terraform {} and vpce {}, references to
 * undeclared variables, locals and resources (vpce_config_graph), reference cycles, outputs
 * that carry sensitive values without sensitive = true, and what evaluation with unknown
 * inputs finds (vpce_config_validate). After syntax errors only the decoding checks run. When
 * a required_version does not match VPCE_VERSION, only that is reported (a configuration for
 * another version may use what this one does not know). Diagnostics name files as dir/NAME
 * ("NAME" alone when dir is "."). *out is always set (free it with vpce_config_free), so
 * callers can still report. Returns 0 or VPCE_EINVALID.
 */
int vpce_config_load_dir(vpce_config **out, const char *dir, vpce_diags *diags);
void vpce_config_free(vpce_config *c);

/*
 * Evaluates a resource, data-source or provider body against its schema into an object that
 * holds every attribute and nested block of the schema: configured values converted to the
 * schema's type, default_json for omitted attributes that have one, vpce_unknown() for omitted
 * computed ones, null for other omitted ones; nested blocks as lists (LIST, SET: sets sorted) of
 * objects, or an object or null (SINGLE); `dynamic` blocks expanded. Meta-arguments (count,
 * for_each, depends_on, lifecycle, vpce_checks, provider) are skipped. Wrongly typed and missing
 * required arguments, unsupported arguments and blocks, and invalid JSON in VPCE_ATTR_JSON
 * arguments are appended to ctx->diags with their ranges. Returns a new reference, or NULL after
 * errors.
 */
struct vpce_eval_ctx;
json_t *vpce_body_eval(const struct vpce_eval_ctx *ctx, const vpce_ast_body *body,
                       const vpce_block_schema *schema);

/* Like vpce_body_eval, with missing required arguments reported at header (the block header). */
json_t *vpce_body_eval_at(const struct vpce_eval_ctx *ctx, const vpce_ast_body *body,
                          const vpce_block_schema *schema, vpce_range header);

/*
 * Converts a body of literal settings (a backend block, a -backend-config file) into *out (new
 * reference): attributes as their values, nested blocks as objects (a block given twice, a
 * duplicate argument, labels on a nested block are errors). Anything but a literal, a template
 * without interpolation, or a list or object of those is reported as "variables and functions
 * may not be used here" at its range; `what` names the body in messages ("the backend block").
 * Returns 0 or VPCE_EINVALID (then *out is NULL).
 */
int vpce_config_literal_body(json_t **out, const vpce_ast_body *body, const char *what,
                             vpce_diags *diags);
/* Sets the selected workspace (copied; NULL: "default"). */
void vpce_config_set_workspace(vpce_config *c, const char *workspace);

/* The resource or data source with address addr ("aws_vpc.main", "data.aws_region.r"), or NULL.
 * addr may start with a module path ("module.a.aws_vpc.main", "module.a[\"x\"].aws_vpc.main":
 * keys are ignored), looked up from module c down; it carries no instance key of its own. */
vpce_cfg_resource *vpce_config_resource(const vpce_config *c, const char *addr);

/* ---- sensitivity (config/sensitive.c) ------------------------------------------------------ */

/*
 * Whether the value of e may be sensitive (lang's vpce_expr_sensitive, with Terraform's
 * sources of sensitivity): it uses a variable declared sensitive, a local value whose
 * expression is sensitive, or an attribute its provider schema marks sensitive (a whole
 * resource or instance counts when any of its attributes is), or calls sensitive();
 * nonsensitive() clears what it wraps. vpce_config_load_dir reports every output whose value
 * is sensitive but which is not declared sensitive = true ("output refers to sensitive values").
 */
bool vpce_config_expr_sensitive(const vpce_config *c, const vpce_ast_expr *e);
/* The reference predicate behind it (ud: the const vpce_config *), for vpce_eval_ctx.sensitive
   so issensitive() judges as the rest of vpce does. */
vpce_sensitivity vpce_config_ref_sensitive(const char *root, const vpce_ref_step *steps,
                                           size_t nsteps, void *ud);

/* ---- version constraints (config/version.c) ----------------------------------------------- */

/*
 * Checks version (e.g. VPCE_VERSION) against a version constraint in Terraform's syntax (that
 * of HashiCorp's go-version): comma-separated terms "OP VERSION", all of which must hold, OP
 * one of = != > < >= <= ~> (none means =); "~> 1.2" allows 1.2 and later 1.x, "~> 1.2.3" later
 * 1.2.x only. A pre-release version satisfies an inexact term only when the term names a
 * pre-release of the same segments. Returns 1 when satisfied, 0 when not, VPCE_EINVALID when
 * the constraint or the version is not valid syntax. *prerelease (may be NULL) tells whether a
 * term names a pre-release version.
 */
int vpce_version_check(const char *constraint, const char *version, bool *prerelease);
/* The version without its pre-release and build metadata ("1.2.0" of "1.2.0-beta1+x"), or
   NULL when it is not a version. Caller frees. */
char *vpce_version_core(const char *version);

/* ---- the module tree (config/modules.c) -------------------------------------------------- */

/*
 * Module sources: a local path ("./x", "../x", relative to the calling module's directory) or a
 * git source ("git::URL", with an optional "//SUBDIR" and "?ref=REF"), which `vpce init` fetches
 * into .vpce/modules/KEY of the root module's directory, pinned by commit in
 * .vpce/modules.lock.json. Anything else (registry addresses, other schemes) is an error.
 */
#define VPCE_MODULES_DIR       ".vpce/modules"
#define VPCE_MODULES_LOCK_FILE ".vpce/modules.lock.json"

/* True if source is a git source ("git::..."). */
bool vpce_config_source_is_git(const char *source);
/*
 * Splits a git source into the URL git clones (*url), the ref to check out (*ref, NULL when none)
 * and the subdirectory (*subdir, NULL when none); the caller frees them. VPCE_EINVALID with a
 * message when it is malformed or uses an unsupported query argument.
 */
int vpce_config_git_source(const char *source, char **url, char **ref, char **subdir);
/* The key of the call `call` in module parent: the names of the calls from the root, joined
 * with dots ("a", "a.b"). Caller frees. */
char *vpce_config_module_key(const vpce_config *parent, const vpce_cfg_module_call *call);
/* The module a's module path leads to from module c (keys ignored), or NULL. */
const vpce_config *vpce_config_module_at(const vpce_config *c, const vpce_addr *a);
/* Whether address a lies in (an instance of) module m: its module path starts with the calls
 * that lead from the root to m (keys ignored). */
bool vpce_config_module_contains(const vpce_config *m, const vpce_addr *a);
/* The graph node name of a provider key: "aws.west" -> "provider.aws.west",
 * "module.a.aws" -> "module.a.provider.aws". Caller frees. */
char *vpce_config_provider_node(const char *key);
/* The provider type of a provider key ("aws" for "module.a.aws.west"). Caller frees. */
char *vpce_config_provider_type(const char *key);

/* ---- SHA-256 (config/hash.c), for the configuration's content hash ---------------------- */

typedef struct vpce_sha256_ctx {
    void *md; /* OpenSSL's EVP_MD_CTX, from init to final */
} vpce_sha256_ctx;
void vpce_sha256_init(vpce_sha256_ctx *c);
void vpce_sha256_update(vpce_sha256_ctx *c, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL. */
void vpce_sha256_final(vpce_sha256_ctx *c, char hex[65]);

/* ---- input variables (config/vars.c) ----------------------------------------------------- */

/*
 * The value of every declared variable as an object name -> value (*out, new reference), from,
 * lowest to highest precedence: the default, the TF_VAR_<name> then VPCE_VAR_<name> environment
 * variables, the files of c->dir Terraform loads by itself (vpce.tfvars, terraform.tfvars,
 * terraform.tfvars.json, then *.auto.tfvars, *.auto.tfvars.json and *.auto.vpcevars by name),
 * the -var-file files in order (HCL attribute syntax with constant expressions, or a JSON object
 * when the name ends in .json), then cli_vars (an
 * object name -> raw string from -var k=v, in order, borrowed; NULL for none). A raw value is
 * taken as a string when the variable's type is string (or unset) and parsed as an expression
 * otherwise. Values are converted to the declared type; validation blocks are then checked.
 * Errors (required variable without a value, undeclared -var, conversion, failed validation)
 * and warnings (undeclared variable in a var file) go to diags. *out is always set. Returns 0
 * or VPCE_EINVALID.
 */
int vpce_config_vars(json_t **out, const vpce_config *c, const json_t *cli_vars,
                     const char *const *var_files, size_t nvar_files, vpce_diags *diags);

/*
 * The scope validate uses: every variable, local, resource and data source is an unknown value,
 * path.* is known. The for_each/count roots (each, count) are added by the caller per resource.
 * New reference.
 */
json_t *vpce_config_unknown_scope(const vpce_config *c);

/*
 * Evaluates every resource, data source, provider, local and output of a decoded configuration
 * against the all-unknown scope (argument types, required arguments, JSON arguments, function
 * calls, count and for_each values). vpce_config_load_dir runs it; errors at a place where one
 * was already reported are dropped. Appends to diags; returns 0 or VPCE_EINVALID.
 */
int vpce_config_validate(const vpce_config *c, vpce_diags *diags);

/*
 * Checks condition c (a precondition, postcondition or output precondition) in ctx, as
 * Terraform does: returns 1 when it holds, 0 when its result is not known yet (it is checked
 * again once it is), VPCE_EINVALID when it fails: an error with summary ("resource
 * precondition failed"...) at the condition, the evaluated error_message as its detail.
 * Conditions that cannot be evaluated, are null or not a bool, and messages that are not
 * strings are errors too. summary NULL checks only that: a false result then counts as holding
 * (what validate does with unknown inputs).
 */
int vpce_config_condition(const struct vpce_eval_ctx *ctx, const vpce_cfg_validation *c,
                          const char *summary);

/*
 * The configuration's graph, over the whole module tree: a node per variable ("var.x"), local
 * ("local.x"), resource ("aws_vpc.main"), data source ("data.aws_region.r"), output ("output.x"),
 * provider configuration ("provider.aws", "provider.aws.west") and module call ("module.a"),
 * the names of a module's objects prefixed with its static module path ("module.a.var.x",
 * "module.a.aws_vpc.main"); data points at a vpce_cfg_node. Edges come from references and
 * depends_on; a module's variables depend on the references of the call's arguments, every
 * object of a module on its call, and a reference to module.NAME on the module's outputs.
 * References to undeclared objects and cycles are reported to diags (a cycle names every
 * member with its range). Returns 0 or VPCE_EINVALID.
 */
int vpce_config_graph(vpce_graph **out, const vpce_config *c, vpce_diags *diags);

#endif
