/* cli/main.c: the vpce command line: global flags, the command table, logging, exit codes. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_command commands[] = {
    {"init", cmd_init, "Prepare the configuration: install its git modules, set up the backend"},
    {"validate", cmd_validate, "Check whether the configuration is valid"},
    {"fmt", cmd_fmt, "Rewrite .vpce files in the canonical format"},
    {"plan", cmd_plan, "Show the changes required by the configuration"},
    {"check", cmd_check, "Check that workloads can reach every endpoint once planned"},
    {"apply", cmd_apply, "Create or update the infrastructure"},
    {"destroy", cmd_destroy, "Destroy the infrastructure vpce manages"},
    {"show", cmd_show, "Show a saved plan or the current state"},
    {"output", cmd_output, "Show output values from the state"},
    {"import", cmd_import, "Bring an existing object under vpce's management"},
    {"state", cmd_state, "Inspect and edit the state (list, show, rm, mv, history, pull, push)"},
    {"workspace", cmd_workspace, "Manage workspaces: several states for one configuration"},
    {"force-unlock", cmd_force_unlock, "Remove a stuck state lock"},
    {"graph", cmd_graph, "Print the resource graph in Graphviz DOT"},
    {"whoami", cmd_whoami, "Show who the AWS credentials belong to, and their source"},
    {"version", cmd_version, "Show the vpce version"},
    {"completion", cmd_completion, "Print a shell completion script (bash or zsh)"},
    /* Hidden: what the completion scripts call (no summary, not listed). */
    {"__addresses", cmd_addresses, NULL},
};

const struct cli_command *cli_commands(size_t *n)
{
    *n = sizeof(commands) / sizeof(commands[0]);
    return commands;
}

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && cli_is_help(argv[1])) {
        puts("Usage: vpce version\n\n  Prints the version of vpce.");
        return CLI_OK;
    }
    printf("vpce v%s\n", VPCE_VERSION);
    return CLI_OK;
}

static void usage(FILE *out)
{
    fputs("Usage: vpce [-chdir=DIR] [-no-color] <command> [args]\n\n"
          "vpce plans and applies AWS VPC endpoints described in .vpce files.\n\nCommands:\n",
          out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (commands[i].summary)
            fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun `vpce COMMAND -help` for a command's flags.\n", out);
}

static const char *level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

static void log_to_stderr(vpce_log_level level, const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "[%s] %s\n", level_names[level], msg);
}

/* VPCE_LOG=error|warn|info|debug|trace turns on logging to stderr. */
static void setup_logging(void)
{
    const char *v = getenv("VPCE_LOG");
    if (!v || !*v)
        return;
    for (int i = 0; i <= VPCE_LOG_TRACE; i++)
        if (strcasecmp(v, level_names[i]) == 0) {
            vpce_log_set_sink(log_to_stderr, NULL, (vpce_log_level)i);
            return;
        }
    vpce_log_set_sink(log_to_stderr, NULL, VPCE_LOG_DEBUG);
}

int main(int argc, char **argv)
{
    int i = 1;
    /* Global flags before the command. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *dir = cli_flag_value(argv[i], "chdir");
        if (dir) {
            if (chdir(dir) != 0)
                return cli_fail("cannot change to directory \"%s\"", dir);
        } else if (cli_flag_is(argv[i], "no-color")) {
            cli_no_color = true;
        } else if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        } else if (cli_flag_is(argv[i], "version") || cli_flag_is(argv[i], "v")) {
            return cmd_version(1, argv);
        } else {
            fprintf(stderr, "vpce: unknown global flag \"%s\"\n", argv[i]);
            usage(stderr);
            return CLI_ERROR;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_ERROR;
    }
    /* -no-color may also come after the command. */
    for (int j = i + 1; j < argc; j++)
        if (cli_flag_is(argv[j], "no-color"))
            cli_no_color = true;
    setup_logging();
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].fn(argc - i, argv + i);
    fprintf(stderr, "vpce: unknown command \"%s\"\n", argv[i]);
    usage(stderr);
    return CLI_ERROR;
}
