/* cli/cmd_output.c: `vpce output`. */
#include "cli/cli.h"

int cmd_output(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce output: not implemented yet\n", stderr);
    return 1;
}
