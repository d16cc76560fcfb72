/* cli/cmd_import.c: `vpce import ADDR ID`: reads an existing object through its resource type's
   import operation and records it in the state at ADDR (which must be in the configuration). */
#include "cli/cli.h"
#include "config/config.h"
#include "planner/planner.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: vpce import [options] ADDR ID\n\n"
          "  Brings the existing object ID under vpce's management at resource address ADDR\n"
          "  (which the configuration must declare).\n\n"
          "  The configuration is read from the current directory (see -chdir).\n\n"
          "  -state PATH          State database (default ./vpce.db)\n"
          "  -var NAME=VALUE      Set a variable (repeatable)\n"
          "  -var-file FILE       Read variables from FILE (repeatable)\n"
          "  -lock=false          Do not take the state lock\n"
          "  -lock-timeout=D      How long to wait for the lock\n",
          out);
}

int cmd_import(int argc, char **argv)
{
    const char *addr = NULL, *id = NULL, *state_arg = NULL, *dir = ".";
    bool lock = true;
    int64_t lock_timeout = 0;
    vpce_vec var_files = VPCE_VEC_INIT;
    json_t *cli_vars = json_object(), *vars = NULL, *attrs = NULL, *existing = NULL, *index = NULL,
           *entry = NULL;
    vpce_config *cfg = NULL;
    vpce_state *st = NULL;
    vpce_plan_providers *ps = NULL;
    vpce_diags diags = VPCE_DIAGS_INIT;
    char *mode = NULL, *type = NULL, *name = NULL, *raddr = NULL;
    int ret = CLI_ERROR;

    for (int i = 1; i < argc; i++) {
        const char *v;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            ret = CLI_OK;
            goto cleanup;
        } else if (cli_flag_is(argv[i], "no-color") || cli_flag_is(argv[i], "lock")) {
            continue;
        } else if ((v = cli_flag_value(argv[i], "lock"))) {
            lock = !(strcmp(v, "false") == 0 || strcmp(v, "0") == 0);
        } else if ((v = cli_flag_value(argv[i], "lock-timeout")) ||
                   (cli_flag_is(argv[i], "lock-timeout") && i + 1 < argc && (v = argv[++i]))) {
            if (vpce_state_parse_duration(v, &lock_timeout) < 0) {
                ret = cli_fail("invalid -lock-timeout \"%s\": %s", v, vpce_error_last());
                goto cleanup;
            }
        } else if ((v = cli_flag_value(argv[i], "state")) ||
                   (cli_flag_is(argv[i], "state") && i + 1 < argc && (v = argv[++i]))) {
            state_arg = v;
        } else if ((v = cli_flag_value(argv[i], "var-file")) ||
                   (cli_flag_is(argv[i], "var-file") && i + 1 < argc && (v = argv[++i]))) {
            vpce_vec_push(&var_files, (void *)v);
        } else if ((v = cli_flag_value(argv[i], "var")) ||
                   (cli_flag_is(argv[i], "var") && i + 1 < argc && (v = argv[++i]))) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                ret = cli_fail("invalid -var \"%s\": expected NAME=VALUE", v);
                goto cleanup;
            }
            char *n = vpce_strndup(v, (size_t)(eq - v));
            json_object_set_new(cli_vars, n, json_string(eq + 1));
            free(n);
        } else if (argv[i][0] == '-') {
            ret = cli_fail("unknown flag \"%s\"; see `vpce import -help`", argv[i]);
            goto cleanup;
        } else if (!addr) {
            addr = argv[i];
        } else if (!id) {
            id = argv[i];
        } else {
            ret = cli_fail("`vpce import` takes an address and an id");
            goto cleanup;
        }
    }
    if (!addr || !id) {
        usage(stderr);
        goto cleanup;
    }
    if (vpce_state_parse_address(addr, &mode, &type, &name, &index) < 0 ||
        strcmp(mode, "managed") != 0) {
        ret = cli_fail("invalid address \"%s\": expected TYPE.NAME or TYPE.NAME[KEY], with an "
                       "optional module path (module.NAME[KEY].TYPE.NAME)",
                       addr);
        goto cleanup;
    }
    if (vpce_config_load_dir(&cfg, dir, &diags) < 0 || vpce_diags_has_errors(&diags)) {
        cli_print_diags(&diags);
        goto cleanup;
    }
    cli_config_workspace(cfg, dir);
    raddr = vpce_addr_resource_part(addr);
    vpce_cfg_resource *r = vpce_config_resource(cfg, raddr);
    if (!r || r->mode != VPCE_MODE_MANAGED) {
        ret = cli_fail("resource address \"%s\" does not exist in the configuration: add a "
                       "resource \"%s\" \"%s\" block first",
                       addr, type, name);
        goto cleanup;
    }
    if (cli_check_module_keys(cfg, addr) != CLI_OK)
        goto cleanup;
    if ((index && !r->count && !r->for_each) || (!index && (r->count || r->for_each))) {
        ret = cli_fail("\"%s\": the index does not match the resource's count or for_each", addr);
        goto cleanup;
    }
    if (!r->rtype || !r->rtype->import) {
        ret = cli_fail("resource type \"%s\" cannot be imported", type);
        goto cleanup;
    }
    if (vpce_config_vars(&vars, cfg, json_object_size(cli_vars) ? cli_vars : NULL,
                         (const char *const *)var_files.items, var_files.len, &diags) < 0 ||
        vpce_diags_has_errors(&diags) || vpce_plan_providers_new(&ps, cfg, vars, &diags) < 0 ||
        vpce_diags_has_errors(&diags)) {
        cli_print_diags(&diags);
        goto cleanup;
    }
    if (cli_state_open_config(&st, cfg, dir, state_arg, true) < 0) {
        ret = cli_fail("cannot open the state: %s", vpce_error_last());
        goto cleanup;
    }
    if (lock) {
        json_t *holder = NULL;
        int rc = vpce_state_lock(st, "import", lock_timeout, &holder);
        if (rc < 0) {
            const char *hid = json_string_value(json_object_get(holder, "id"));
            ret = cli_fail("the state is locked (lock ID %s): %s", hid ? hid : "?",
                           vpce_error_last());
            json_decref(holder);
            goto cleanup;
        }
    }
    if (vpce_state_get_resource(st, addr, &existing) == 0) {
        ret = cli_fail("resource already managed: %s is in the state already (id %s); remove "
                       "it with `vpce state rm` first to import another object",
                       addr, json_string_value(json_object_get(existing, "id")));
        goto cleanup;
    }
    fprintf(stderr, "%s: Importing from ID \"%s\"...\n", addr, id);
    if (r->rtype->import(vpce_plan_providers_get(ps, r->provider_ref), id, &attrs) < 0) {
        ret = cli_fail("%s: %s", addr, vpce_error_last());
        goto cleanup;
    }
    vpce_change c = {.address = (char *)addr,
                     .mode = (char *)"managed",
                     .type = type,
                     .name = name,
                     .index = index,
                     .provider = r->provider_ref};
    entry = vpce_apply_state_entry(&c, attrs);
    int64_t hid = 0;
    if (vpce_state_history_begin(st, "import", &hid) < 0)
        hid = 0;
    if (vpce_state_put_resource(st, entry) < 0) {
        ret = cli_fail("cannot record %s in the state: %s", addr, vpce_error_last());
        if (hid)
            vpce_state_history_finish(st, hid, "error", vpce_error_last());
        goto cleanup;
    }
    if (hid) {
        vpce_state_history_add_change(st, hid, addr, "import", NULL, NULL);
        vpce_state_history_finish(st, hid, "success", id);
    }
    fprintf(stderr, "%s: Import prepared!\n", addr);
    printf("\nImport successful!\n\nThe resource above is now managed by vpce: run `vpce plan` "
           "to compare it with its configuration.\n");
    ret = CLI_OK;

cleanup:
    if (st && lock)
        vpce_state_unlock(st);
    vpce_state_close(st);
    vpce_plan_providers_free(ps);
    vpce_config_free(cfg);
    vpce_diags_release(&diags);
    json_decref(cli_vars);
    json_decref(vars);
    json_decref(attrs);
    json_decref(existing);
    json_decref(index);
    json_decref(entry);
    vpce_vec_release(&var_files);
    free(mode);
    free(type);
    free(name);
    free(raddr);
    return ret;
}
