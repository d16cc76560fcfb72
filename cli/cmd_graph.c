/* cli/cmd_graph.c: `vpce graph [DIR]`: the configuration's reference graph in Graphviz DOT. */
#include "cli/cli.h"
#include "config/config.h"

#include <stdlib.h>

int cmd_graph(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs("Usage: vpce graph [DIR]\n\n"
                  "  Prints the reference graph of the configuration in DIR (default: the\n"
                  "  current directory) in Graphviz DOT: `vpce graph | dot -Tsvg > graph.svg`.\n",
                  stdout);
            return CLI_OK;
        } else if (cli_flag_is(argv[i], "no-color")) {
            continue;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vpce graph: unknown flag \"%s\"\n", argv[i]);
            return CLI_ERROR;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fputs("vpce graph: only one directory may be given\n", stderr);
            return CLI_ERROR;
        }
    }
    vpce_diags diags = VPCE_DIAGS_INIT;
    vpce_config *cfg = NULL;
    vpce_graph *g = NULL;
    int ret = CLI_ERROR;
    if (vpce_config_load_dir(&cfg, dir ? dir : ".", &diags) < 0 ||
        vpce_config_graph(&g, cfg, &diags) < 0 || vpce_diags_has_errors(&diags)) {
        cli_print_diags(&diags);
        goto cleanup;
    }
    if (diags.len)
        cli_print_diags(&diags);
    char *dot = vpce_graph_dot(g);
    fputs(dot, stdout);
    free(dot);
    ret = CLI_OK;
cleanup:
    vpce_graph_free(g);
    vpce_config_free(cfg);
    vpce_diags_release(&diags);
    return ret;
}
