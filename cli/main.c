/* cli/main.c: the vpce command line: global flags, the command table, exit codes. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static const struct cli_command commands[] = {
    {"version", cmd_version, "Show the vpce version"},
};

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("vpce v%s\n", VPCE_VERSION);
    return 0;
}

static void usage(FILE *out)
{
    fputs("Usage: vpce [-chdir=DIR] <command> [args]\n\nCommands:\n", out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "vpce: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 1;
}
