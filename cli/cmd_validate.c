/* cli/cmd_validate.c: `vpce validate [-json] [-no-color] [DIR]`. */
#include "cli/cli.h"
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: vpce validate [-json] [-no-color] [DIR]\n\n"
          "  Checks the configuration in DIR (default: the current directory): syntax, block\n"
          "  and argument names, argument types, references and cycles. It reads no state and\n"
          "  contacts no provider.\n\n"
          "  -json       Print the result as JSON\n"
          "  -no-color   Print without colours\n",
          out);
}

int cmd_validate(int argc, char **argv)
{
    bool json_out = false;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        } else if (cli_flag_is(argv[i], "json")) {
            json_out = true;
        } else if (cli_flag_is(argv[i], "no-color")) {
            continue;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vpce validate: unknown flag \"%s\"\n", argv[i]);
            usage(stderr);
            return CLI_ERROR;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fputs("vpce validate: only one directory may be given\n", stderr);
            usage(stderr);
            return CLI_ERROR;
        }
    }
    if (!dir)
        dir = ".";

    vpce_diags diags = VPCE_DIAGS_INIT;
    vpce_config *c = NULL;
    vpce_config_load_dir(&c, dir, &diags);
    size_t nerr = diags.nerrors, nwarn = diags.len - diags.nerrors;
    if (json_out) {
        vpce_diags_sort(&diags);
        json_t *doc = json_pack("{s:s,s:b,s:I,s:I,s:o}", "format_version", "1.0", "valid",
                                nerr == 0, "error_count", (json_int_t)nerr, "warning_count",
                                (json_int_t)nwarn, "diagnostics", vpce_diags_to_json(&diags));
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text)
            puts(text);
        free(text);
        json_decref(doc);
    } else {
        if (diags.len) /* cli_print_diags memcpy()s from a NULL list when it is empty */
            cli_print_diags(&diags);
        if (!nerr) {
            bool color = cli_color(stdout);
            printf("%sSuccess!%s The configuration is valid.\n", color ? "\033[1;32m" : "",
                   color ? "\033[0m" : "");
        }
    }
    vpce_diags_release(&diags);
    vpce_config_free(c);
    return nerr ? CLI_ERROR : CLI_OK;
}
