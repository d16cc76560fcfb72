/* cli/plan_args.c: the flags of plan, apply and destroy, and loading what they name. */
#include "cli/plan_args.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>

void cli_plan_args_init(cli_plan_args *a)
{
    memset(a, 0, sizeof(*a));
    a->dir = ".";
    a->refresh = true;
    a->lock = true;
    a->cli_vars = json_object();
}

void cli_plan_args_release(cli_plan_args *a)
{
    vpce_vec_release(&a->targets);
    vpce_vec_release(&a->replace);
    vpce_vec_release(&a->var_files);
    json_decref(a->cli_vars);
    a->cli_vars = NULL;
}

static int bool_flag(const char *arg, const char *name, bool *out)
{
    const char *v = cli_flag_value(arg, name);
    if (!v) {
        if (!cli_flag_is(arg, name))
            return 0;
        *out = true; /* -refresh alone means true */
        return 1;
    }
    if (!cli_parse_bool(v, out)) {
        cli_fail("invalid value for -%s: \"%s\" (use true or false)", name, v);
        return -1;
    }
    return 1;
}

int cli_plan_args_flag(cli_plan_args *a, int argc, char **argv, int *i)
{
    bool missing = false;
    const char *v;
    int rc;
    if ((rc = bool_flag(argv[*i], "refresh", &a->refresh)) != 0 ||
        (rc = bool_flag(argv[*i], "lock", &a->lock)) != 0)
        return rc;
    if (cli_flag_is(argv[*i], "refresh-only")) {
        a->refresh_only = true;
    } else if (cli_flag_is(argv[*i], "destroy")) {
        a->destroy = true;
    } else if ((v = cli_flag_arg(argc, argv, i, "lock-timeout", &missing))) {
        if (vpce_state_parse_duration(v, &a->lock_timeout_ms) < 0) {
            cli_fail("invalid -lock-timeout \"%s\": %s", v, vpce_error_last());
            return -1;
        }
    } else if ((v = cli_flag_arg(argc, argv, i, "state", &missing))) {
        a->state_path = v;
    } else if ((v = cli_flag_arg(argc, argv, i, "target", &missing))) {
        vpce_vec_push(&a->targets, (void *)v);
    } else if ((v = cli_flag_arg(argc, argv, i, "replace", &missing))) {
        vpce_vec_push(&a->replace, (void *)v);
    } else if ((v = cli_flag_arg(argc, argv, i, "var-file", &missing))) {
        vpce_vec_push(&a->var_files, (void *)v);
    } else if ((v = cli_flag_arg(argc, argv, i, "var", &missing))) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v) {
            cli_fail("invalid -var \"%s\": expected NAME=VALUE", v);
            return -1;
        }
        char *name = vpce_strndup(v, (size_t)(eq - v));
        json_object_set_new(a->cli_vars, name, json_string(eq + 1));
        free(name);
    } else if (missing) {
        cli_fail("flag \"%s\" needs a value", argv[*i]);
        return -1;
    } else {
        return 0;
    }
    return 1;
}

int cli_plan_args_load(const cli_plan_args *a, vpce_config **cfg, json_t **vars, vpce_diags *diags)
{
    if (vpce_config_load_dir(cfg, a->dir, diags) < 0 || vpce_diags_has_errors(diags) ||
        vpce_config_vars(vars, *cfg, json_object_size(a->cli_vars) ? a->cli_vars : NULL,
                         (const char *const *)a->var_files.items, a->var_files.len, diags) < 0 ||
        vpce_diags_has_errors(diags)) {
        cli_print_diags(diags);
        return -1;
    }
    if (diags->len)
        cli_print_diags(diags); /* warnings */
    vpce_diags_release(diags);
    return 0;
}

char *cli_plan_args_state_path(const cli_plan_args *a)
{
    return a->state_path ? vpce_strdup(a->state_path) : vpce_state_default_path(a->dir);
}

vpce_plan_opts cli_plan_args_opts(const cli_plan_args *a, const vpce_plan_providers *ps)
{
    vpce_plan_opts opts = {
        .refresh = a->refresh,
        .refresh_only = a->refresh_only,
        .destroy = a->destroy,
        .targets = (const char *const *)a->targets.items,
        .ntargets = a->targets.len,
        .replace = (const char *const *)a->replace.items,
        .nreplace = a->replace.len,
        .providers = ps,
    };
    return opts;
}
