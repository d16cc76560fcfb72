/* cli/cmd_check.c: `vpce check`: plan as `vpce plan` does, then report the reachability of every
   endpoint (analysis/analysis.h) without the plan itself. Exit 0 clean, 1 errors, 3 warnings. */
#include "cli/plan_args.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

enum { CHECK_WARNINGS = 3 };

static void usage(FILE *out)
{
    fputs("Usage: vpce check [DIR] [options]\n\n"
          "  Plans the configuration in DIR (default: the current directory) as `vpce plan`\n"
          "  does, then checks that workloads can reach every VPC endpoint once the plan is\n"
          "  applied: route tables, security groups, network ACLs, availability zones, private\n"
          "  DNS, policies. Exit status: 0 no findings, 1 errors (or the plan failed), 3\n"
          "  warnings only. An endpoint opts out of a check with\n"
          "  vpce_checks { skip = [\"check-id\"] } in its resource block.\n\n"
          "  -json                Print the findings as JSON\n"
          "  -refresh=false       Do not read the current objects before planning\n"
          "  -target ADDR         Plan only ADDR and what it depends on (repeatable)\n"
          "  -replace ADDR        Plan to replace ADDR even if nothing changed (repeatable)\n"
          "  -destroy             Check the world left after destroying everything\n"
          "  -var NAME=VALUE      Set a variable (repeatable)\n"
          "  -var-file FILE       Read variables from FILE (repeatable)\n"
          "  -state PATH          State database (default DIR/vpce.db)\n"
          "  -lock=false          Do not take the state lock\n"
          "  -lock-timeout=D      How long to wait for the lock (e.g. 10s; default 0s)\n"
          "  -no-color            Print without colours\n",
          out);
}

static void print_list(const char *label, const json_t *list)
{
    if (json_array_size(list) == 0)
        return;
    printf("  %s: ", label);
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v) printf("%s%s", i ? ", " : "", json_string_value(v));
    putchar('\n');
}

static void print_endpoints(const json_t *findings)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(findings, "endpoints"), i, e)
    {
        const char *service = json_string_value(json_object_get(e, "service_name"));
        printf("%s (%s, %s)\n", json_string_value(json_object_get(e, "address")),
               json_string_value(json_object_get(e, "type")),
               service ? service : "service known after apply");
        print_list("route tables", json_object_get(e, "route_tables"));
        print_list("subnets using it", json_object_get(e, "subnets_routed"));
        print_list("subnets not using it", json_object_get(e, "subnets_not_routed"));
        print_list("subnets", json_object_get(e, "subnets"));
    }
    if (json_array_size(json_object_get(findings, "endpoints")))
        putchar('\n');
}

int cmd_check(int argc, char **argv)
{
    bool json_out = false, have_dir = false;
    cli_plan_args args;
    cli_planned run = {0};
    int ret = CLI_ERROR, rc;

    cli_plan_args_init(&args);
    for (int i = 1; i < argc; i++) {
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
        } else if (cli_flag_is(argv[i], "no-color")) {
            cli_no_color = true;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vpce check: unknown flag \"%s\"\n", argv[i]);
            usage(stderr);
            goto cleanup;
        } else if (!have_dir) {
            args.dir = argv[i];
            have_dir = true;
        } else {
            fputs("vpce check: only one directory may be given\n", stderr);
            goto cleanup;
        }
    }
    if (args.refresh_only) {
        ret = cli_fail("-refresh-only plans no changes: there is nothing to check");
        goto cleanup;
    }
    if (cli_plan_run(&args, &run) != CLI_OK)
        goto cleanup;
    const json_t *f = run.plan->findings;
    int errors = (int)json_integer_value(json_object_get(f, "errors"));
    int warnings = (int)json_integer_value(json_object_get(f, "warnings"));
    if (json_out) {
        json_t *doc = json_deep_copy(f);
        json_object_set_new(doc, "format_version", json_string("1.0"));
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (text)
            puts(text);
        free(text);
        json_decref(doc);
    } else {
        print_endpoints(f);
        char *text = vpce_render_findings_text(f, cli_color(stdout));
        if (text)
            fputs(text, stdout);
        free(text);
        size_t n = json_array_size(json_object_get(f, "endpoints"));
        if (errors + warnings == 0)
            printf("No findings: %zu endpoint%s checked.\n", n, n == 1 ? "" : "s");
        else
            printf("%d error%s, %d warning%s on %zu endpoint%s.\n", errors, errors == 1 ? "" : "s",
                   warnings, warnings == 1 ? "" : "s", n, n == 1 ? "" : "s");
    }
    ret = errors ? CLI_ERROR : warnings ? CHECK_WARNINGS : CLI_OK;

cleanup:
    cli_planned_release_at_exit(&run);
    cli_plan_args_release(&args);
    return ret;
}
