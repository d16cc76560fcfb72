/* cli/cli.h: the command table shared by cli/main.c and one file per command. */
#ifndef VPCE_CLI_H
#define VPCE_CLI_H

#include <stdio.h>

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

int cmd_version(int argc, char **argv);

#endif
