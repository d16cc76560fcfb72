/* cli/cmd_state.c: `vpce state`. */
#include "cli/cli.h"

int cmd_state(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce state: not implemented yet\n", stderr);
    return 1;
}
