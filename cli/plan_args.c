/* cli/plan_args.c: the flags of plan, apply and destroy, and loading what they name. */
#include "cli/plan_args.h"
#include "analysis/analysis.h"
#include "cli/apply_common.h"
#include "render/render.h"
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
    cli_config_workspace(*cfg, a->dir);
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

void cli_planned_release(cli_planned *p)
{
    vpce_plan_free(p->plan);
    vpce_plan_providers_free(p->ps);
    json_decref(p->imports);
    vpce_config_free(p->cfg);
    json_decref(p->vars);
    memset(p, 0, sizeof(*p));
}

void cli_planned_release_at_exit(cli_planned *p)
{
#ifndef VPCE_FREE_AT_EXIT
    const char *v = getenv("VPCE_FREE_AT_EXIT");
    if (!v || strcmp(v, "1") != 0) {
        memset(p, 0, sizeof(*p));
        return;
    }
#endif
    cli_planned_release(p);
}

int cli_plan_run(const cli_plan_args *a, cli_planned *out)
{
    json_t *prior = NULL;
    vpce_state *st = NULL;
    vpce_diags diags = VPCE_DIAGS_INIT;
    int ret = CLI_ERROR, rc;
    memset(out, 0, sizeof(*out));
    if (cli_plan_args_load(a, &out->cfg, &out->vars, &diags) < 0)
        goto cleanup;

    /* State: a missing database is an empty state (and there is nothing to lock). */
    rc = cli_state_open_config(&st, out->cfg, a->dir, a->state_path, false);
    if (rc == VPCE_ENOTFOUND) {
        st = NULL;
    } else if (rc < 0) {
        cli_fail("cannot open the state: %s", vpce_error_last());
        goto cleanup;
    }
    if (st && a->lock && cli_lock_state(st, "plan", a->lock_timeout_ms) < 0)
        goto cleanup;
    if (st && vpce_state_load(st, &prior) < 0) {
        cli_fail("cannot read the state: %s", vpce_error_last());
        goto cleanup;
    }

    /* Import blocks: planned against as if their objects were in the state already. */
    if (out->cfg->imports.len && !a->destroy && !a->refresh_only) {
        if (vpce_plan_providers_new(&out->ps, out->cfg, out->vars, &diags) < 0 ||
            vpce_diags_has_errors(&diags)) {
            cli_print_diags(&diags);
            goto cleanup;
        }
        if (!prior)
            prior = json_object();
        if (cli_import_blocks(prior, out->cfg, out->vars, out->ps, &out->imports) < 0)
            goto cleanup;
    }

    vpce_plan_opts opts = cli_plan_args_opts(a, out->ps);
    rc = vpce_plan_make(&out->plan, out->cfg, out->vars, prior, &opts, &diags);
    if (st && a->lock)
        vpce_state_unlock(st);
    if (diags.len)
        cli_print_diags(&diags);
    if (rc < 0) {
        if (rc != VPCE_EINVALID || !vpce_diags_has_errors(&diags))
            cli_fail("planning failed: %s", vpce_error_last());
        goto cleanup;
    }
    vpce_findings findings;
    if (vpce_analysis_run(&findings, out->plan, out->cfg) < 0) {
        cli_fail("the reachability analysis failed: %s", vpce_error_last());
        goto cleanup;
    }
    out->plan->findings = vpce_findings_to_json(&findings);
    vpce_findings_release(&findings);
    ret = CLI_OK;
cleanup:
    vpce_state_close(st);
    vpce_diags_release(&diags);
    json_decref(prior);
    return ret;
}

int cli_markdown_out(const vpce_plan *p, size_t split, const char *dir)
{
    size_t n = 0;
    char **parts =
        vpce_plan_render_markdown_parts(p, split ? split : VPCE_MARKDOWN_COMMENT_MAX, &n);
    int ret = 0;
    if (!parts)
        return cli_fail("cannot render the plan: %s", vpce_error_last());
    for (size_t i = 0; i < n; i++) {
        if (!split) {
            if (i == 0)
                fputs(parts[0], stdout);
            continue;
        }
        char *path = vpce_asprintf("%s/plan-%zu.md", dir, i + 1);
        FILE *f = fopen(path, "w");
        bool ok = f && fputs(parts[i], f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok) {
            ret = cli_fail("cannot write \"%s\"", path);
            free(path);
            break;
        }
        puts(path);
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
    return ret;
}
