/* cli/cmd_apply.c: `vpce apply`. */
#include "cli/apply_common.h"
#include "cli/cli.h"

int cmd_apply(int argc, char **argv)
{
    return cli_apply_run(argc, argv, false);
}
