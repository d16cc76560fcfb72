/* cli/cmd_plan.c: `vpce plan`: load the configuration and variables, read (and lock) the state,
   make the plan, render it, optionally save it. */
#include "cli/apply_common.h"
#include "cli/plan_args.h"
#include "config/config.h"
#include "planner/planner.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: vpce plan [DIR] [options]\n\n"
          "  Shows what applying the configuration in DIR (default: the current directory)\n"
          "  would change, against the state in DIR/vpce.db.\n\n"
          "  -out FILE            Save the plan to FILE for `vpce apply FILE`\n"
          "  -json                Print the plan as JSON\n"
          "  -markdown            Print the plan as Markdown (for a pull-request comment);\n"
          "                       past GitHub's 65,536-character limit, a summary\n"
          "  -markdown-split N    With -markdown: write the Markdown in parts of at most N\n"
          "                       bytes to DIR/plan-1.md, plan-2.md, ... (part 1 is what\n"
          "                       -markdown prints) and print their paths\n"
          "  -markdown-dir DIR    Where -markdown-split writes (default: the current directory)\n"
          "  -detailed-exitcode   Exit 2 when there are changes (0 none, 1 error)\n"
          "  -refresh=false       Do not read the current objects before planning\n"
          "  -refresh-only        Only bring the state up to date with the real objects\n"
          "  -target ADDR         Plan only ADDR and what it depends on (repeatable)\n"
          "  -replace ADDR        Plan to replace ADDR even if nothing changed (repeatable)\n"
          "  -destroy             Plan to destroy everything in the state\n"
          "  -var NAME=VALUE      Set a variable (repeatable)\n"
          "  -var-file FILE       Read variables from FILE (repeatable)\n"
          "  -state PATH          State database (default DIR/vpce.db)\n"
          "  -lock=false          Do not take the state lock\n"
          "  -lock-timeout=D      How long to wait for the lock (e.g. 10s; default 0s)\n"
          "  -no-color            Print without colours\n",
          out);
}

static void print_text(const char *text)
{
    if (text)
        fputs(text, stdout);
}

/* The text plan's sink: stdout, up to a NUL byte as fputs would write the whole text. */
static int print_piece(void *ctx, const char *text, size_t len)
{
    bool *stopped = ctx;
    size_t n = *stopped ? 0 : strnlen(text, len);
    fwrite(text, 1, n, stdout);
    *stopped = *stopped || n < len;
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    const char *out_path = NULL, *md_dir = ".";
    long md_split = 0;
    bool json_out = false, md_out = false, detailed = false, have_dir = false;
    cli_plan_args args;
    cli_planned run = {0};
    int ret = CLI_ERROR, rc;

    cli_plan_args_init(&args);
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            ret = CLI_OK;
            goto cleanup;
        }
        if ((rc = cli_plan_args_flag(&args, argc, argv, &i)) < 0)
            goto cleanup;
        if (rc > 0)
            continue;
        if (cli_flag_is(argv[i], "json")) {
            json_out = true;
        } else if (cli_flag_is(argv[i], "markdown")) {
            md_out = true;
        } else if (cli_flag_is(argv[i], "detailed-exitcode")) {
            detailed = true;
        } else if (cli_flag_is(argv[i], "no-color")) {
            cli_no_color = true;
        } else if ((v = cli_flag_arg(argc, argv, &i, "out", &missing))) {
            out_path = v;
        } else if ((v = cli_flag_arg(argc, argv, &i, "markdown-dir", &missing))) {
            md_dir = v;
        } else if ((v = cli_flag_arg(argc, argv, &i, "markdown-split", &missing))) {
            char *end = NULL;
            md_split = strtol(v, &end, 10);
            if (!end || *end || md_split < 1024 || md_split > VPCE_MARKDOWN_COMMENT_MAX) {
                ret = cli_fail("-markdown-split takes a size from 1024 to %d bytes, not \"%s\"",
                               VPCE_MARKDOWN_COMMENT_MAX, v);
                goto cleanup;
            }
        } else if (missing) {
            ret = cli_fail("flag \"%s\" needs a value", argv[i]);
            goto cleanup;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vpce plan: unknown flag \"%s\"\n", argv[i]);
            usage(stderr);
            goto cleanup;
        } else if (!have_dir) {
            args.dir = argv[i];
            have_dir = true;
        } else {
            fputs("vpce plan: only one directory may be given\n", stderr);
            goto cleanup;
        }
    }
    if (md_split && !md_out) {
        ret = cli_fail("-markdown-split needs -markdown");
        goto cleanup;
    }
    if (json_out && md_out) {
        ret = cli_fail("-json and -markdown cannot be used together");
        goto cleanup;
    }
    if (cli_plan_run(&args, &run) != CLI_OK)
        goto cleanup;
    vpce_plan *plan = run.plan;
    json_t *imports = run.imports;
    if (json_array_size(imports) && out_path) {
        ret = cli_fail("a plan with import blocks cannot be saved yet: run `vpce apply`, "
                       "or `vpce import` first");
        goto cleanup;
    }

    if (md_out) {
        if (cli_markdown_out(plan, (size_t)md_split, md_dir) < 0)
            goto cleanup;
    }
    /* The text plan is printed as it is rendered: a large one is never held whole. */
    bool stopped = false;
    char *text = json_out ? vpce_plan_render_json(plan) : NULL;
    if (!json_out && !md_out &&
        vpce_plan_render_text_to(plan, cli_color(stdout), print_piece, &stopped) < 0) {
        ret = cli_fail("cannot print the plan: %s", vpce_error_last());
        goto cleanup;
    }
    print_text(text);
    if (json_out && text && text[0] && text[strlen(text) - 1] != '\n')
        fputc('\n', stdout);
    free(text);
    if (json_array_size(imports) && !json_out && !md_out) {
        size_t i;
        json_t *e;
        printf("\nImport: %zu object(s) will be imported:\n", json_array_size(imports));
        json_array_foreach(imports, i, e)
            printf("  %s (id %s)\n", json_string_value(json_object_get(e, "address")),
                   json_string_value(json_object_get(e, "id")));
    }
    if (out_path) {
        if (vpce_planfile_write(plan, out_path) < 0) {
            ret = cli_fail("cannot save the plan to \"%s\": %s", out_path, vpce_error_last());
            goto cleanup;
        }
        if (!json_out && !md_out)
            printf("\nSaved the plan to: %s\n\nTo perform exactly these actions, run:\n"
                   "    vpce apply \"%s\"\n",
                   out_path, out_path);
    }
    ret = detailed && (vpce_plan_has_changes(plan) || json_array_size(imports)) ? CLI_CHANGES
                                                                                : CLI_OK;

cleanup:
    cli_planned_release_at_exit(&run);
    cli_plan_args_release(&args);
    return ret;
}
