/* cli/cmd_workspace.c: `vpce workspace list|show|new|select|delete`: several states for one
   configuration, each in its own place of the backend (vpce.d/NAME/vpce.db for the local file,
   WORKSPACE_KEY_PREFIX/NAME/KEY in S3). The selected one is remembered in .vpce/environment
   beside the configuration; VPCE_WORKSPACE overrides it. */
#include "cli/backend.h"
#include "cli/cli.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: vpce workspace <subcommand> [options] [NAME]\n\n"
    "  list             The workspaces that have a state (* marks the selected one)\n"
    "  show             The selected workspace\n"
    "  new NAME         Creates an empty state for NAME and selects it\n"
    "  select NAME      Selects NAME (which must exist; -or-create makes it)\n"
    "  delete NAME      Deletes NAME's state (it must be empty, unless -force)\n\n"
    "The selected workspace is kept in .vpce/environment beside the configuration;\n"
    "VPCE_WORKSPACE overrides it. Expressions read it as terraform.workspace.\n\n"
    "Options:\n"
    "  -force            delete: also when the state still manages resources\n"
    "  -or-create        select: create the workspace when it does not exist\n"
    "  -lock=false       delete: do not take the state lock\n"
    "  -lock-timeout=D   delete: wait up to D for the state lock\n";

typedef struct ws_opts {
    const char *dir;
    const char *name;
    bool force, or_create, lock;
    int64_t lock_timeout_ms;
} ws_opts;

static bool exists(const json_t *names, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
    {
        if (strcmp(json_string_value(n), name) == 0)
            return true;
    }
    return false;
}

static int ws_list(const cli_backend *b, const ws_opts *o)
{
    json_t *names = NULL;
    if (cli_backend_workspaces(b, o->dir, &names) < 0)
        return cli_fail("cannot list the workspaces: %s", vpce_error_last());
    char *cur = cli_workspace_current(o->dir);
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
    {
        const char *name = json_string_value(n);
        printf("%s %s\n", strcmp(name, cur) == 0 ? "*" : " ", name);
    }
    if (!exists(names, cur))
        printf("* %s (no state yet)\n", cur);
    free(cur);
    json_decref(names);
    return CLI_OK;
}

static int ws_create(const cli_backend *b, const ws_opts *o)
{
    vpce_state_backend *be = NULL;
    vpce_state *st = NULL;
    if (cli_backend_open_workspace(&be, b, o->dir, o->name, NULL) < 0 ||
        vpce_state_open_backend(&st, be, true) < 0)
        return cli_fail("cannot create workspace \"%s\": %s", o->name, vpce_error_last());
    vpce_state_close(st);
    return CLI_OK;
}

static int ws_new(const cli_backend *b, const ws_opts *o)
{
    json_t *names = NULL;
    if (cli_backend_workspaces(b, o->dir, &names) < 0)
        return cli_fail("cannot list the workspaces: %s", vpce_error_last());
    bool there = exists(names, o->name);
    json_decref(names);
    if (there)
        return cli_fail("workspace \"%s\" already exists", o->name);
    if (cli_workspace_from_env())
        return cli_fail("the workspace is chosen by VPCE_WORKSPACE: unset it to switch to a new "
                        "workspace");
    if (ws_create(b, o) != CLI_OK)
        return CLI_ERROR;
    if (cli_workspace_write(o->dir, o->name) < 0)
        return cli_fail("%s", vpce_error_last());
    printf("Created and switched to workspace \"%s\"!\n\nYou're now on a new, empty workspace. "
           "Workspaces isolate their state, so if you run \"vpce plan\" vpce will not see any "
           "existing state for this configuration.\n",
           o->name);
    return CLI_OK;
}

static int ws_select(const cli_backend *b, const ws_opts *o)
{
    if (cli_workspace_from_env())
        return cli_fail("the workspace is chosen by VPCE_WORKSPACE: unset it to select another");
    json_t *names = NULL;
    if (cli_backend_workspaces(b, o->dir, &names) < 0)
        return cli_fail("cannot list the workspaces: %s", vpce_error_last());
    bool there = exists(names, o->name);
    json_decref(names);
    if (!there) {
        if (!o->or_create)
            return cli_fail("workspace \"%s\" doesn't exist: create it with `vpce workspace new "
                            "%s`",
                            o->name, o->name);
        if (ws_create(b, o) != CLI_OK)
            return CLI_ERROR;
    }
    if (cli_workspace_write(o->dir, o->name) < 0)
        return cli_fail("%s", vpce_error_last());
    printf("Switched to workspace \"%s\".\n", o->name);
    return CLI_OK;
}

static int ws_delete(const cli_backend *b, const ws_opts *o)
{
    vpce_state_backend *be = NULL;
    vpce_state *st = NULL;
    json_t *doc = NULL;
    int ret = CLI_ERROR;
    char *cur = cli_workspace_current(o->dir);
    if (strcmp(o->name, "default") == 0) {
        cli_fail("the default workspace cannot be deleted");
        goto cleanup;
    }
    if (strcmp(o->name, cur) == 0) {
        cli_fail("workspace \"%s\" is selected: select another one before deleting it", o->name);
        goto cleanup;
    }
    int rc = cli_backend_open_workspace(&be, b, o->dir, o->name, NULL);
    if (rc == 0)
        rc = vpce_state_open_backend(&st, be, false);
    if (rc == VPCE_ENOTFOUND) {
        cli_fail("workspace \"%s\" doesn't exist", o->name);
        goto cleanup;
    }
    if (rc < 0) {
        cli_fail("cannot open workspace \"%s\": %s", o->name, vpce_error_last());
        goto cleanup;
    }
    if (o->lock && cli_lock_state(st, "workspace delete", o->lock_timeout_ms) != 0)
        goto cleanup;
    if (vpce_state_load(st, &doc) < 0) {
        cli_fail("cannot read the state of workspace \"%s\": %s", o->name, vpce_error_last());
        goto cleanup;
    }
    size_t n = json_array_size(json_object_get(doc, "resources"));
    if (n && !o->force) {
        cli_fail("workspace \"%s\" is not empty: its state manages %zu resource instance(s); "
                 "destroy them first (`vpce destroy` in that workspace), or pass -force to forget "
                 "them",
                 o->name, n);
        goto cleanup;
    }
    rc = vpce_state_delete(st);
    st = NULL;
    if (rc < 0) {
        cli_fail("cannot delete workspace \"%s\": %s", o->name, vpce_error_last());
        goto cleanup;
    }
    printf("Deleted workspace \"%s\"!\n", o->name);
    ret = CLI_OK;
cleanup:
    json_decref(doc);
    vpce_state_close(st);
    free(cur);
    return ret;
}

int cmd_workspace(int argc, char **argv)
{
    ws_opts o = {.dir = ".", .lock = true};
    const char *sub = NULL, *v;
    cli_backend b;
    bool recorded = false;
    int ret;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return CLI_OK;
        } else if (cli_flag_is(argv[i], "force")) {
            o.force = true;
        } else if (cli_flag_is(argv[i], "or-create")) {
            o.or_create = true;
        } else if (cli_flag_is(argv[i], "no-color")) {
            /* handled globally */
        } else if ((v = cli_flag_value(argv[i], "lock"))) {
            if (!cli_parse_bool(v, &o.lock))
                return cli_fail("invalid value for -lock: \"%s\" (use true or false)", v);
        } else if ((v = cli_flag_value(argv[i], "lock-timeout"))) {
            if (vpce_state_parse_duration(v, &o.lock_timeout_ms) < 0)
                return cli_fail("invalid -lock-timeout \"%s\": %s", v, vpce_error_last());
        } else if (argv[i][0] == '-') {
            return cli_fail("unknown flag \"%s\"; see `vpce workspace -help`", argv[i]);
        } else if (!sub) {
            sub = argv[i];
        } else if (!o.name) {
            o.name = argv[i];
        } else {
            return cli_fail("unexpected argument \"%s\"; see `vpce workspace -help`", argv[i]);
        }
    }
    if (!sub) {
        fputs(usage_text, stderr);
        return CLI_ERROR;
    }
    bool wants_name =
        strcmp(sub, "new") == 0 || strcmp(sub, "select") == 0 || strcmp(sub, "delete") == 0;
    bool no_name = strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0;
    if (!wants_name && !no_name)
        return cli_fail("unknown subcommand \"%s\": use list, show, new, select or delete", sub);
    if (wants_name && !o.name)
        return cli_fail("`vpce workspace %s` needs a workspace name", sub);
    if (no_name && o.name)
        return cli_fail("`vpce workspace %s` takes no name", sub);
    if (o.name && !cli_workspace_name_valid(o.name))
        return cli_fail("invalid workspace name \"%s\": use 1 to 90 letters, digits, - and _",
                        o.name);
    if (strcmp(sub, "show") == 0) {
        char *cur = cli_workspace_current(o.dir);
        printf("%s\n", cur);
        free(cur);
        return CLI_OK;
    }
    if (cli_backend_read(&b, o.dir, &recorded) < 0) {
        cli_backend_release(&b);
        return cli_fail("%s", vpce_error_last());
    }
    if (strcmp(sub, "list") == 0)
        ret = ws_list(&b, &o);
    else if (strcmp(sub, "new") == 0)
        ret = ws_new(&b, &o);
    else if (strcmp(sub, "select") == 0)
        ret = ws_select(&b, &o);
    else
        ret = ws_delete(&b, &o);
    cli_backend_release(&b);
    return ret;
}
