/* cli/cmd_fmt.c: `vpce fmt`. */
#include "cli/cli.h"

int cmd_fmt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce fmt: not implemented yet\n", stderr);
    return 1;
}
