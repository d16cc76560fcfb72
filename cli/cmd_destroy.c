/* cli/cmd_destroy.c: `vpce destroy`. */
#include "cli/cli.h"

int cmd_destroy(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce destroy: not implemented yet\n", stderr);
    return 1;
}
