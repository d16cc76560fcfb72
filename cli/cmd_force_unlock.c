/* cli/cmd_force_unlock.c: `vpce force-unlock`. */
#include "cli/cli.h"

int cmd_force_unlock(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce force-unlock: not implemented yet\n", stderr);
    return 1;
}
