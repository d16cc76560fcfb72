/* cli/cmd_show.c: `vpce show`. */
#include "cli/cli.h"

int cmd_show(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce show: not implemented yet\n", stderr);
    return 1;
}
