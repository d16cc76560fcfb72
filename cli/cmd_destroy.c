/* cli/cmd_destroy.c: `vpce destroy`: plan to delete everything in the state, then apply. */
#include "cli/apply_common.h"
#include "cli/cli.h"

int cmd_destroy(int argc, char **argv)
{
    return cli_apply_run(argc, argv, true);
}
