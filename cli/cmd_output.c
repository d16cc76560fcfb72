/* cli/cmd_output.c: `vpce output [-json] [-raw] [NAME]`. */
#include "cli/cli.h"
#include "state/state.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: vpce output [options] [NAME]\n\n"
    "  Shows output values from the state. Without NAME every output is listed (sensitive\n"
    "  ones as <sensitive>); with NAME that output's value is printed in full.\n\n"
    "Options:\n"
    "  -state=PATH   State database (default: vpce.db in the current directory)\n"
    "  -json         Print as JSON (sensitive values included)\n"
    "  -raw          Print a string, number or bool value as is, for scripts (needs NAME)\n";

static int print_value(const json_t *v)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    int rc = vpce_render_value(&b, v, 0, 2);
    if (rc == 0)
        printf("%s\n", vpce_buf_cstr(&b));
    vpce_buf_release(&b);
    return rc;
}

int cmd_output(int argc, char **argv)
{
    const char *path = NULL, *name = NULL, *v;
    bool json = false, raw = false;
    vpce_state *st = NULL;
    json_t *doc = NULL;
    int rc = CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (cli_flag_is(argv[i], "json")) {
            json = true;
        } else if (cli_flag_is(argv[i], "raw")) {
            raw = true;
        } else if ((v = cli_flag_value(argv[i], "state"))) {
            path = v;
        } else if (cli_flag_is(argv[i], "state") && i + 1 < argc) {
            path = argv[++i];
        } else if (cli_flag_is(argv[i], "no-color")) {
            /* handled globally */
        } else if (argv[i][0] == '-') {
            return cli_fail("unknown flag \"%s\"; see `vpce output -help`", argv[i]);
        } else if (name) {
            return cli_fail("`vpce output` takes at most one output name");
        } else {
            name = argv[i];
        }
    }
    if (json && raw)
        return cli_fail("-json and -raw cannot be used together");
    if (raw && !name)
        return cli_fail("-raw needs the name of an output");
    if (cli_state_open(&st, ".", path, false) != 0 || vpce_state_load(st, &doc) != 0) {
        rc = cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    json_t *outputs = json_object_get(doc, "outputs");
    if (name) {
        json_t *o = json_object_get(outputs, name);
        if (!o) {
            rc = cli_fail("output \"%s\" not found: the state has no output of that name", name);
            goto cleanup;
        }
        json_t *value = json_object_get(o, "value");
        if (json) {
            char *s = vpce_json_dumps(value, JSON_ENCODE_ANY | JSON_INDENT(2));
            printf("%s\n", s ? s : "null");
            free(s);
        } else if (raw) {
            if (json_is_string(value)) {
                fputs(json_string_value(value), stdout);
            } else if (vpce_is_number(value) || json_is_boolean(value)) {
                char *s = vpce_json_dumps(value, JSON_ENCODE_ANY);
                fputs(s ? s : "", stdout);
                free(s);
            } else {
                rc = cli_fail("output \"%s\" is not a string, number or bool: -raw cannot print "
                              "it; use -json",
                              name);
            }
        } else {
            print_value(value);
        }
        goto cleanup;
    }
    if (json) {
        char *s = vpce_json_dumps(outputs, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", s ? s : "{}");
        free(s);
        goto cleanup;
    }
    if (json_object_size(outputs) == 0) {
        fprintf(stderr, "Warning: no outputs found\n\nThe state has no outputs. Declare them "
                        "with output blocks and run `vpce apply`.\n");
        goto cleanup;
    }
    /* outputs come from the store sorted by name */
    const char *k;
    json_t *o;
    json_object_foreach(outputs, k, o)
    {
        printf("%s = ", k);
        if (json_is_true(json_object_get(o, "sensitive")))
            printf("<sensitive>\n");
        else
            print_value(json_object_get(o, "value"));
    }
cleanup:
    json_decref(doc);
    vpce_state_close(st);
    return rc;
}
