/* cli/cmd_validate.c: `vpce validate`. */
#include "cli/cli.h"

int cmd_validate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce validate: not implemented yet\n", stderr);
    return 1;
}
