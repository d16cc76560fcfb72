/* cli/cli.h: the command table, and what every command shares (flags, output, exit codes). */
#ifndef VPCE_CLI_H
#define VPCE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "util/util.h"

/* Exit codes. */
enum { CLI_OK = 0, CLI_ERROR = 1, CLI_CHANGES = 2 };

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary; /* NULL: a hidden command, not listed by -help */
};

/* The command table (cli/main.c), *n entries. */
const struct cli_command *cli_commands(size_t *n);

/* One function per command, one file per command: cli/cmd_<name>.c. argv[0] is the command name. */
int cmd_validate(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_output(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_force_unlock(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_workspace(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_whoami(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_addresses(int argc, char **argv);

/* The module part of `vpce init` (cli/init_modules.c): installs the git modules of the
 * configuration in dir and writes the lock file; prints progress and errors. CLI_OK or
 * CLI_ERROR. */
int cli_init_modules(const char *dir, bool upgrade);

/* True when colour may be used on f: a terminal, no NO_COLOR, and -no-color not given. */
bool cli_color(FILE *f);
/* Set by -no-color anywhere on the command line. */
extern bool cli_no_color;
/* Prints diagnostics to stderr (sorted, with carets, coloured when allowed). */
void cli_print_diags(const vpce_diags *d);
/* Prints "Error: <msg>" to stderr for a library error (vpce_error_last()) and returns CLI_ERROR. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Opens the state of the configuration directory dir (state/state.h's seam): the selected
 * workspace's state in the backend `vpce init` recorded (cli/backend.h), or the local file
 * (-state PATH when state_flag is not NULL). Every command opens the state here, so where the
 * state lives is decided in one place. As vpce_state_open(): VPCE_ENOTFOUND when there is no
 * state and !create_if_missing; other errors are set, not printed.
 */
struct vpce_state;
struct vpce_config;
int cli_state_open(struct vpce_state **out, const char *dir, const char *state_flag,
                   bool create_if_missing);
/* The same for a command that loaded the configuration: it also checks that the configuration's
 * backend block is the one `vpce init` recorded. */
int cli_state_open_config(struct vpce_state **out, const struct vpce_config *cfg, const char *dir,
                          const char *state_flag, bool create_if_missing);
/* Sets terraform.workspace of cfg to the workspace selected for dir. */
void cli_config_workspace(struct vpce_config *cfg, const char *dir);
/* True if arg is "-name" or "--name" (flags take one or two dashes, as Terraform's do). */
bool cli_flag_is(const char *arg, const char *name);
/* If arg is "-name=VALUE" (or --name=VALUE) returns VALUE, else NULL. */
const char *cli_flag_value(const char *arg, const char *name);
/* A flag's value: "-name=V", or "-name V" (advancing *i). NULL when argv[*i] is not this flag;
 * then *missing is set if it was the flag without its value. */
const char *cli_flag_arg(int argc, char **argv, int *i, const char *name, bool *missing);
/* "true"/"1" or "false"/"0" into *out; false for anything else. */
bool cli_parse_bool(const char *v, bool *out);
/*
 * Takes the state lock for operation, waiting up to timeout_ms. When someone else holds it,
 * prints who (user@host, pid, operation, lock ID, the Lock Info block) and how to remove a lock
 * left by a dead run, and returns VPCE_ELOCKED; other failures are printed too. A lock left by a
 * run that died on this host is taken over with a warning.
 */
struct vpce_state;
int cli_lock_state(struct vpce_state *st, const char *operation, int64_t timeout_ms);
/* If arg is "-help", "--help" or "-h". */
bool cli_is_help(const char *arg);

struct vpce_config;
/* Checks that each module step of resource address addr has an instance key exactly when its
 * call sets count or for_each; prints the error and returns CLI_ERROR otherwise. */
int cli_check_module_keys(const struct vpce_config *cfg, const char *addr);

#endif
