/* cli/cmd_show.c: `vpce show [PLANFILE] [-json] [-markdown] [-no-color] [-state=PATH]`. */
#include "cli/cli.h"
#include "planner/planner.h"
#include "render/render.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: vpce show [options] [PLANFILE]\n\n"
    "  With PLANFILE (written by `vpce plan -out=PLANFILE`), shows the saved plan as `vpce plan`\n"
    "  printed it. Without, shows every resource and output in the current state.\n\n"
    "Options:\n"
    "  -json          Machine-readable output (the plan format is described in docs/plan-json.md)\n"
    "  -markdown      The saved plan as a Markdown pull-request comment (PLANFILE only)\n"
    "  -no-color      No terminal colours\n"
    "  -state=PATH    State database (default: vpce.db in the current directory)\n";

static int show_plan(const char *path, bool json, bool markdown)
{
    vpce_plan *p = NULL;
    char *out = NULL;
    if (vpce_planfile_read(&p, path) != 0)
        return cli_fail("%s", vpce_error_last());
    if (json)
        out = vpce_plan_render_json(p);
    else if (markdown)
        out = vpce_plan_render_markdown(p);
    else
        out = vpce_plan_render_text(p, cli_color(stdout));
    int rc = CLI_OK;
    if (!out) {
        rc = cli_fail("%s", vpce_error_last());
    } else {
        fputs(out, stdout);
        if (*out && out[strlen(out) - 1] != '\n')
            fputc('\n', stdout);
    }
    free(out);
    vpce_plan_free(p);
    return rc;
}

static int show_state(const char *path, bool json)
{
    vpce_state *st = NULL;
    json_t *doc = NULL;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    int rc = CLI_OK;
    int orc = cli_state_open(&st, ".", path, false);
    if (orc == VPCE_ENOTFOUND) {
        if (json)
            puts("{\"format_version\":\"1.0\"}");
        else
            puts("No state.");
        return CLI_OK;
    }
    if (orc != 0 || vpce_state_load(st, &doc) != 0) {
        rc = cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    if (json) {
        json_t *out = vpce_render_state_json(doc);
        char *s = vpce_json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(out);
        if (!s) {
            rc = cli_fail("cannot encode the state as JSON");
            goto cleanup;
        }
        puts(s);
        free(s);
        goto cleanup;
    }
    json_t *resources = json_object_get(doc, "resources");
    json_t *outputs = json_object_get(doc, "outputs");
    if (json_array_size(resources) == 0 && json_object_size(outputs) == 0) {
        puts("The state is empty. No resources are represented.");
        goto cleanup;
    }
    size_t i;
    json_t *r;
    json_array_foreach(resources, i, r)
    {
        if (i > 0)
            vpce_buf_putc(&b, '\n');
        if (vpce_render_state_resource(&b, r) != 0) {
            rc = cli_fail("%s", vpce_error_last());
            goto cleanup;
        }
    }
    if (json_object_size(outputs) > 0) {
        vpce_buf_puts(&b, json_array_size(resources) > 0 ? "\n\nOutputs:\n\n" : "Outputs:\n\n");
        const char *name;
        json_t *oc;
        json_object_foreach(outputs, name, oc)
        {
            vpce_buf_printf(&b, "%s = ", name);
            if (json_is_true(json_object_get(oc, "sensitive")))
                vpce_buf_puts(&b, "(sensitive value)");
            else
                vpce_render_value(&b, json_object_get(oc, "value"), 0, 4);
            vpce_buf_putc(&b, '\n');
        }
    }
    fputs(vpce_buf_cstr(&b), stdout);
cleanup:
    vpce_buf_release(&b);
    json_decref(doc);
    vpce_state_close(st);
    return rc;
}

int cmd_show(int argc, char **argv)
{
    const char *state_path = NULL, *planfile = NULL, *v;
    bool json = false, markdown = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (cli_flag_is(a, "json")) {
            json = true;
        } else if (cli_flag_is(a, "markdown")) {
            markdown = true;
        } else if (cli_flag_is(a, "no-color")) {
            cli_no_color = true;
        } else if ((v = cli_flag_value(a, "state"))) {
            state_path = v;
        } else if (cli_flag_is(a, "state")) {
            if (i + 1 >= argc)
                return cli_fail("flag \"-state\" needs a path");
            state_path = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_fail("unknown flag \"%s\"; see `vpce show -help`", a);
        } else if (planfile) {
            return cli_fail("`vpce show` takes at most one plan file");
        } else {
            planfile = a;
        }
    }
    if (json && markdown)
        return cli_fail("-json and -markdown cannot be used together");
    if (planfile)
        return show_plan(planfile, json, markdown);
    if (markdown)
        return cli_fail("-markdown needs a plan file");
    return show_state(state_path, json);
}
