/* cli/cmd_import.c: `vpce import`. */
#include "cli/cli.h"

int cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce import: not implemented yet\n", stderr);
    return 1;
}
