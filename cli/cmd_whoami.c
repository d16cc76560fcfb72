/* cli/cmd_whoami.c: `vpce whoami [DIR] [-json]`: who the credentials of each provider
   configuration belong to (sts:GetCallerIdentity) and where they came from. */
#include "cli/cli.h"
#include "cli/plan_args.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: vpce whoami [DIR] [options]\n\n"
          "  Resolves the credentials of every aws provider configuration in DIR (default: the\n"
          "  current directory; without .vpce or .tf files there, the default provider from the\n"
          "  environment) and prints who they belong to: account, ARN, user id, and where the\n"
          "  credentials came from (environment, web identity, profile, role...).\n\n"
          "  -json                Print {\"providers\": [{provider, account, arn, user_id,\n"
          "                       source, region, sts_endpoint}]}\n"
          "  -var NAME=VALUE      Set a variable (repeatable)\n"
          "  -var-file FILE       Read variables from FILE (repeatable)\n",
          out);
}

static bool has_files(const char *dir, const char *suffix)
{
    char *pattern = vpce_asprintf("%s/*%s", dir, suffix);
    glob_t g;
    bool found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    free(pattern);
    return found;
}

/* Whether dir holds a configuration: *.vpce files, or *.tf files (read when there is no
 *.vpce file). */
static bool has_config(const char *dir)
{
    return has_files(dir, ".vpce") || has_files(dir, ".tf");
}

/* Adds the identity of one configured provider to list; prints its failure and returns -1. */
static int describe(json_t *list, const char *ref, const char *type_name, vpce_provider *inst)
{
    const vpce_provider_type *t = vpce_providers_find(type_name);
    if (!t || !t->identity || !inst)
        return 0;
    json_t *id = NULL;
    if (t->identity(inst, &id) < 0) {
        cli_fail("provider \"%s\": %s", ref, vpce_error_last());
        return -1;
    }
    json_t *entry = json_pack("{s:s}", "provider", ref);
    json_object_update(entry, id);
    json_decref(id);
    json_array_append_new(list, entry);
    return 0;
}

int cmd_whoami(int argc, char **argv)
{
    cli_plan_args args;
    bool as_json = false, have_dir = false;
    vpce_config *cfg = NULL;
    json_t *vars = NULL, *list = json_array();
    vpce_plan_providers *ps = NULL;
    vpce_provider *bare = NULL;
    const vpce_provider_type *aws = vpce_providers_find("aws");
    vpce_diags diags = VPCE_DIAGS_INIT;
    int ret = CLI_ERROR, rc;

    cli_plan_args_init(&args);
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            ret = CLI_OK;
            goto cleanup;
        }
        if (cli_flag_is(argv[i], "json")) {
            as_json = true;
            continue;
        }
        if (cli_flag_is(argv[i], "no-color"))
            continue;
        if (strncmp(argv[i], "-var", 4) == 0 || strncmp(argv[i], "--var", 5) == 0) {
            if ((rc = cli_plan_args_flag(&args, argc, argv, &i)) < 0)
                goto cleanup;
            if (rc > 0)
                continue;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "vpce whoami: unknown flag \"%s\"\n", argv[i]);
            usage(stderr);
            goto cleanup;
        }
        if (have_dir) {
            ret = cli_fail("unexpected argument \"%s\"; see `vpce whoami -help`", argv[i]);
            goto cleanup;
        }
        args.dir = argv[i];
        have_dir = true;
    }

    if (has_config(args.dir)) {
        if (cli_plan_args_load(&args, &cfg, &vars, &diags) < 0)
            goto cleanup;
        /* Configuring resolves the credentials and, unless skipped, validates them. */
        if (vpce_plan_providers_new(&ps, cfg, vars, &diags) < 0 || vpce_diags_has_errors(&diags)) {
            cli_print_diags(&diags);
            goto cleanup;
        }
        bool default_seen = false;
        for (size_t i = 0; i < cfg->providers.len; i++) {
            const vpce_cfg_provider *p = cfg->providers.items[i];
            char *ref = p->alias ? vpce_asprintf("%s.%s", p->name, p->alias) : vpce_strdup(p->name);
            if (!p->alias && strcmp(p->name, "aws") == 0)
                default_seen = true;
            rc = describe(list, ref, p->name, vpce_plan_providers_get(ps, ref));
            free(ref);
            if (rc < 0)
                goto cleanup;
        }
        if (!default_seen && describe(list, "aws", "aws", vpce_plan_providers_get(ps, "aws")) < 0)
            goto cleanup;
    } else {
        if (aws->configure(&bare, NULL) < 0) {
            ret = cli_fail("cannot configure provider \"aws\": %s", vpce_error_last());
            goto cleanup;
        }
        if (describe(list, "aws", "aws", bare) < 0)
            goto cleanup;
    }

    if (as_json) {
        json_t *doc = json_pack("{s:O}", "providers", list);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(text);
        free(text);
        json_decref(doc);
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e)
        {
            printf("%sprovider \"%s\"\n", i ? "\n" : "",
                   json_string_value(json_object_get(e, "provider")));
            static const char *const keys[][2] = {
                {"account", "Account"}, {"arn", "ARN"},       {"user_id", "User ID"},
                {"source", "Source"},   {"region", "Region"},
            };
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                printf("  %-9s %s\n", keys[k][1],
                       json_string_value(json_object_get(e, keys[k][0])));
        }
    }
    ret = CLI_OK;

cleanup:
    if (bare)
        aws->free(bare);
    vpce_plan_providers_free(ps);
    vpce_config_free(cfg);
    vpce_diags_release(&diags);
    json_decref(vars);
    json_decref(list);
    cli_plan_args_release(&args);
    return ret;
}
