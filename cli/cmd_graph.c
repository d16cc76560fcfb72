/* cli/cmd_graph.c: `vpce graph`. */
#include "cli/cli.h"

int cmd_graph(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("vpce graph: not implemented yet\n", stderr);
    return 1;
}
