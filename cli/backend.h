/* cli/backend.h: where the state of a configuration directory lives. `vpce init` records the
   backend in DIR/.vpce/backend.json (none: the local file DIR/vpce.db); the selected workspace
   is VPCE_WORKSPACE, else DIR/.vpce/environment, else "default". Every command opens its state
   through here (cli_state_open), so the choice is made in one place. */
#ifndef VPCE_CLI_BACKEND_H
#define VPCE_CLI_BACKEND_H

#include "cli/cli.h"
#include "config/config.h"
#include "state/state.h"

typedef struct cli_backend {
    char *type;       /* "local" or "s3" */
    json_t *block;    /* the configuration's backend settings as `vpce init` read them, or NULL
                         when the configuration has no backend block */
    json_t *settings; /* the settings in force: the block's, with -backend-config over them */
} cli_backend;

#define CLI_BACKEND_DIR "vpce.d" /* the local backend's workspaces: vpce.d/NAME/vpce.db */

void cli_backend_release(cli_backend *b);
/* The local backend without settings (the default). */
void cli_backend_local(cli_backend *b);
/* The backend `vpce init` recorded for dir; the default local one when there is none
   (*recorded false). Returns 0, or a negative code with the error set (a damaged file). */
int cli_backend_read(cli_backend *out, const char *dir, bool *recorded);
/* Records b for dir (DIR/.vpce/backend.json). Returns 0 or a negative code (error set). */
int cli_backend_write(const cli_backend *b, const char *dir);
/* True when a and b are the same type with equal settings. */
bool cli_backend_same(const cli_backend *a, const cli_backend *b);
/* Checks b's settings against its type (names, types, required ones). Prints every problem;
   returns 0 or -1. */
int cli_backend_validate(const cli_backend *b);
/* Describes b for messages ("s3://bucket/key", "the local file vpce.db"); caller frees. */
char *cli_backend_describe(const cli_backend *b);
/*
 * The backend in force for a configuration: the recorded one, after checking that the
 * configuration's backend block is still the one `vpce init` read (else an error saying to run
 * `vpce init`). A configuration without a block and nothing recorded uses the local file.
 * Returns 0 or a negative code with the error set.
 */
int cli_backend_for_config(cli_backend *out, const vpce_config *cfg, const char *dir);

/*
 * The state backend of one workspace of b for dir. state_flag (-state PATH, may be NULL) picks
 * the local file itself and is refused with a remote backend. Returns 0, or a negative code with
 * the error set (not printed).
 */
int cli_backend_open_workspace(vpce_state_backend **out, const cli_backend *b, const char *dir,
                               const char *workspace, const char *state_flag);
/* The workspaces of b that have a state, "default" first and always included; *out (new
   reference) is an array of names. Returns 0 or a negative code with the error set. */
int cli_backend_workspaces(const cli_backend *b, const char *dir, json_t **out);

/* The selected workspace of dir (caller frees). */
char *cli_workspace_current(const char *dir);
/* True when VPCE_WORKSPACE chooses the workspace. */
bool cli_workspace_from_env(void);
/* Remembers name as the selected workspace of dir. Returns 0 or a negative code (error set). */
int cli_workspace_write(const char *dir, const char *name);
/* Workspace names: 1 to 90 of A-Z a-z 0-9 - _ */
bool cli_workspace_name_valid(const char *name);

/* Creates dir and its parents (mode 0700 for those it makes). 0 or -1 with errno. */
int cli_mkdirs(const char *dir);

#endif
