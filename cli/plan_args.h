/* cli/plan_args.h: the flags `vpce plan`, `vpce apply` and `vpce destroy` share, and loading
   the configuration and variables they name. */
#ifndef VPCE_CLI_PLAN_ARGS_H
#define VPCE_CLI_PLAN_ARGS_H

#include "cli/cli.h"
#include "config/config.h"
#include "planner/planner.h"

typedef struct cli_plan_args {
    const char *dir;        /* the configuration directory; "." when none was given */
    const char *state_path; /* -state; NULL: DIR/vpce.db */
    bool refresh;           /* -refresh=false turns it off */
    bool refresh_only;
    bool destroy;
    bool lock; /* -lock=false turns it off */
    int64_t lock_timeout_ms;
    vpce_vec targets, replace, var_files; /* borrowed argv strings */
    json_t *cli_vars;                     /* -var name=value, in order */
} cli_plan_args;

void cli_plan_args_init(cli_plan_args *a);
void cli_plan_args_release(cli_plan_args *a);
/*
 * If argv[*i] is one of the shared flags (-refresh, -refresh-only, -destroy, -lock,
 * -lock-timeout, -state, -target, -replace, -var, -var-file), takes it and its value (advancing
 * *i) and returns 1; returns 0 when it is not one of them, and -1 after printing an error.
 */
int cli_plan_args_flag(cli_plan_args *a, int argc, char **argv, int *i);
/* Loads the configuration of a->dir and the variables' values, printing every diagnostic.
 * Returns 0, or -1 (the caller frees whatever was set). */
int cli_plan_args_load(const cli_plan_args *a, vpce_config **cfg, json_t **vars, vpce_diags *diags);
/* The state path to use: -state, or DIR/vpce.db. Caller frees. */
char *cli_plan_args_state_path(const cli_plan_args *a);
/* Planning options from the flags (targets and replacements borrowed from a). */
vpce_plan_opts cli_plan_args_opts(const cli_plan_args *a, const vpce_plan_providers *ps);

/* What cli_plan_run makes; release with cli_planned_release(). */
typedef struct cli_planned {
    vpce_config *cfg;
    json_t *vars;
    vpce_plan_providers *ps;
    vpce_plan *plan; /* with plan->findings set: the reachability analysis has run */
    json_t *imports; /* import blocks planned: [{"address", "id"}], or NULL */
} cli_planned;

/*
 * What `vpce plan` and `vpce check` share: loads the configuration and variables, reads (and
 * locks, unless -lock=false) the state, plans import blocks, makes the plan and runs the
 * reachability analysis on it (analysis/analysis.h), attaching its findings to the plan.
 * Diagnostics and errors are printed. Returns 0, or CLI_ERROR (out may be partly set).
 */
int cli_plan_run(const cli_plan_args *a, cli_planned *out);

/*
 * Prints plan p as Markdown for a pull-request comment: within GitHub's comment limit (a
 * summary when the whole is longer). With split > 0, writes every part of at most split bytes
 * to dir/plan-1.md, plan-2.md, ... instead and prints their paths, one per line. Returns 0, or
 * CLI_ERROR after printing the error.
 */
int cli_markdown_out(const vpce_plan *p, size_t split, const char *dir);
void cli_planned_release(cli_planned *p);
/*
 * The same at the end of a command, when the process is about to exit: the plan of a large
 * configuration is millions of small allocations, and handing them back one by one costs a
 * fifth of a plan's time for nothing (the process exits next). Builds with sanitizers, and runs
 * with VPCE_FREE_AT_EXIT=1 (for leak checkers such as valgrind), free everything as usual.
 */
void cli_planned_release_at_exit(cli_planned *p);

#endif
