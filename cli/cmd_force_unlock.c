/* cli/cmd_force_unlock.c: `vpce force-unlock [-force] ID`. */
#include "cli/cli.h"
#include "state/state.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: vpce force-unlock [options] LOCK_ID\n\n"
    "  Removes the state lock whose ID is LOCK_ID, for when a vpce run died while holding it.\n"
    "  Make sure no other vpce is running against this state: it does not stop it.\n\n"
    "Options:\n"
    "  -force          Do not ask for confirmation (required without a terminal)\n"
    "  -state=PATH     State database (default: vpce.db in the current directory)\n";

int cmd_force_unlock(int argc, char **argv)
{
    const char *path = NULL, *id = NULL, *v;
    bool force = false;
    vpce_state *st = NULL;
    json_t *info = NULL;
    int rc = CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (cli_flag_is(argv[i], "force")) {
            force = true;
        } else if ((v = cli_flag_value(argv[i], "state"))) {
            path = v;
        } else if (cli_flag_is(argv[i], "state") && i + 1 < argc) {
            path = argv[++i];
        } else if (cli_flag_is(argv[i], "no-color")) {
            /* handled globally */
        } else if (argv[i][0] == '-') {
            return cli_fail("unknown flag \"%s\"; see `vpce force-unlock -help`", argv[i]);
        } else if (id) {
            return cli_fail("`vpce force-unlock` takes exactly one lock ID");
        } else {
            id = argv[i];
        }
    }
    if (!id) {
        fputs(usage_text, stderr);
        return cli_fail("`vpce force-unlock` needs the lock ID");
    }
    if (cli_state_open(&st, ".", path, false) != 0) {
        rc = cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    if (vpce_state_lock_info(st, &info) != 0) {
        rc = cli_fail("failed to unlock the state: %s", vpce_error_last());
        goto cleanup;
    }
    if (strcmp(json_string_value(json_object_get(info, "id")), id) != 0) {
        rc = cli_fail("failed to unlock the state: the lock ID \"%s\" does not match the "
                      "existing lock",
                      id);
        goto cleanup;
    }
    if (!force) {
        if (!isatty(STDIN_FILENO)) {
            rc = cli_fail("not running on a terminal: pass -force to remove the lock without "
                          "confirmation");
            goto cleanup;
        }
        vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
        vpce_render_lock_info(&b, info, vpce_state_where(st));
        printf("Do you really want to force-unlock?\n  vpce will remove the lock on the state "
               "database. This can corrupt the state if another vpce is still using it.\n\n%s\n"
               "  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ",
               vpce_buf_cstr(&b));
        vpce_buf_release(&b);
        fflush(stdout);
        char line[64];
        if (!fgets(line, sizeof(line), stdin))
            line[0] = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "yes") != 0) {
            rc = cli_fail("force-unlock cancelled");
            goto cleanup;
        }
    }
    if (vpce_state_force_unlock(st, id) != 0) {
        rc = cli_fail("failed to unlock the state: %s", vpce_error_last());
        goto cleanup;
    }
    printf("vpce state has been successfully unlocked!\n\nThe state has been unlocked, and vpce "
           "commands should now be able to obtain a new lock on it.\n");
cleanup:
    json_decref(info);
    vpce_state_close(st);
    return rc;
}
