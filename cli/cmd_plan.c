/* cli/cmd_plan.c: `vpce plan`. */
#include "cli/cli.h"

int cmd_plan(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce plan: not implemented yet\n", stderr);
    return 1;
}
