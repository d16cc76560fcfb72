/* cli/cmd_apply.c: `vpce apply`. */
#include "cli/cli.h"

int cmd_apply(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce apply: not implemented yet\n", stderr);
    return 1;
}
