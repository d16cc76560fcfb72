/* cli/cmd_init.c: `vpce init [DIR] [-upgrade] [-backend-config KEY=VALUE | FILE]...
   [-migrate-state] [-reconfigure] [-force-copy]`: installs the configuration's git modules
   (cli/init_modules.c), then records its backend in DIR/.vpce/backend.json, and with
   -migrate-state copies the state of every workspace from the backend used so far into it,
   byte for byte. */
#include "cli/backend.h"
#include "cli/cli.h"
#include "config/config.h"
#include "parser/parser.h"
#include "state/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: vpce init [DIR] [options]\n\n"
    "  Prepares the configuration of DIR (default: the current directory): fetches the\n"
    "  modules it calls from git sources (git::URL//SUBDIR?ref=REF) with the system's git\n"
    "  into .vpce/modules/, pinned by commit in .vpce/modules.lock.json, then sets up the\n"
    "  backend named in the configuration: where its state lives. Run it again whenever a\n"
    "  module source or the backend block changes.\n\n"
    "Options:\n"
    "  -upgrade                   Resolve each git module source's ref again and lock the\n"
    "                             new commits (without it, installed modules stay at their\n"
    "                             locked commit)\n"
    "  -backend-config=KEY=VALUE  A backend setting (repeatable); over the backend block's\n"
    "  -backend-config=FILE       Backend settings from a file of KEY = VALUE lines (HCL)\n"
    "  -migrate-state             Copy the state of every workspace from the backend used so\n"
    "                             far into the new one\n"
    "  -force-copy                With -migrate-state: overwrite a state the new backend has\n"
    "  -reconfigure               Use the new backend without copying any state\n"
    "  -lock=false                Do not lock the states while copying them\n"
    "  -lock-timeout=D            Wait up to D (e.g. 30s) for a state lock\n";

typedef struct init_opts {
    const char *dir;
    bool migrate, reconfigure, force_copy, lock, upgrade;
    int64_t lock_timeout_ms;
    vpce_vec backend_config; /* borrowed argv strings */
} init_opts;

/* Sets name (one level of nesting: "endpoints.s3") to value in settings. */
static void set_setting(json_t *settings, const char *name, json_t *value)
{
    const char *dot = strchr(name, '.');
    if (!dot) {
        json_object_set_new(settings, name, value);
        return;
    }
    char *outer = vpce_strndup(name, (size_t)(dot - name));
    json_t *o = json_object_get(settings, outer);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(settings, outer, o);
    }
    json_object_set_new(o, dot + 1, value);
    free(outer);
}

/* Applies each -backend-config (KEY=VALUE, or a file of literal settings) over settings. */
static int apply_backend_config(json_t *settings, const vpce_vec *items)
{
    for (size_t i = 0; i < items->len; i++) {
        const char *item = items->items[i];
        const char *eq = strchr(item, '=');
        if (eq) {
            if (eq == item)
                return cli_fail("invalid -backend-config \"%s\": expected KEY=VALUE or a file",
                                item);
            char *name = vpce_strndup(item, (size_t)(eq - item));
            set_setting(settings, name, json_string(eq + 1));
            free(name);
            continue;
        }
        vpce_file *f = NULL;
        vpce_diags diags = VPCE_DIAGS_INIT;
        json_t *from_file = NULL;
        if (vpce_parse_file(&f, item, &diags) < 0 || vpce_diags_has_errors(&diags) ||
            vpce_config_literal_body(&from_file, f->body, "a -backend-config file", &diags) < 0) {
            cli_print_diags(&diags);
            vpce_diags_release(&diags);
            vpce_file_free(f);
            return cli_fail("cannot read the backend settings in \"%s\"", item);
        }
        const char *k;
        json_t *v;
        json_object_foreach(from_file, k, v) json_object_set(settings, k, v);
        json_decref(from_file);
        vpce_diags_release(&diags);
        vpce_file_free(f);
    }
    return CLI_OK;
}

/* The workspaces of b that hold a state; "default" only when it has one. */
static int workspaces_with_state(json_t **out, const cli_backend *b, const char *dir)
{
    json_t *all = NULL;
    int rc = cli_backend_workspaces(b, dir, &all);
    if (rc < 0)
        return rc;
    /* Listing finds the others by their objects or files; "default" is looked up. */
    vpce_state_backend *be = NULL;
    vpce_state *st = NULL;
    rc = cli_backend_open_workspace(&be, b, dir, "default", NULL);
    if (rc == 0)
        rc = vpce_state_open_backend(&st, be, false);
    if (rc == VPCE_ENOTFOUND) {
        json_array_remove(all, 0);
        rc = 0;
    }
    vpce_state_close(st);
    if (rc < 0) {
        json_decref(all);
        return rc;
    }
    *out = all;
    return 0;
}

static int lock_source(vpce_state *st, const init_opts *o)
{
    if (!o->lock)
        return 0;
    if (vpce_state_is_remote(st))
        return cli_lock_state(st, "migrate", o->lock_timeout_ms) == 0 ? 0 : -1;
    /* A local source is not locked through its lock row, which would then travel with the
       copy; a lock someone else holds stops the migration. */
    json_t *info = NULL;
    int rc = vpce_state_lock_info(st, &info);
    if (rc == VPCE_ENOTFOUND)
        return 0;
    if (rc == 0)
        cli_fail("the state %s is locked by %s (operation \"%s\", lock ID %s): wait for it to "
                 "finish, or `vpce force-unlock` it",
                 vpce_state_where(st), json_string_value(json_object_get(info, "holder")),
                 json_string_value(json_object_get(info, "operation")),
                 json_string_value(json_object_get(info, "id")));
    else
        cli_fail("%s", vpce_error_last());
    json_decref(info);
    return -1;
}

/* Copies one workspace's state from `from` to `to`. */
static int migrate_one(const cli_backend *from, const cli_backend *to, const char *dir,
                       const char *ws, const init_opts *o)
{
    vpce_state_backend *src_be = NULL, *dst_be = NULL;
    vpce_state *src = NULL, *dst = NULL;
    char *snap = NULL, *src_path = NULL;
    int ret = CLI_ERROR;
    const char *t = getenv("TMPDIR");
    char *tmpl = vpce_asprintf("%s/vpce-migrate-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpl)) {
        cli_fail("cannot create a temporary directory: %s", strerror(errno));
        goto cleanup;
    }
    snap = vpce_asprintf("%s/vpce.db", tmpl);

    if (cli_backend_open_workspace(&src_be, from, dir, ws, NULL) < 0 ||
        vpce_state_open_backend(&src, src_be, false) < 0) {
        cli_fail("cannot open the state of workspace \"%s\": %s", ws, vpce_error_last());
        goto cleanup;
    }
    if (lock_source(src, o) < 0)
        goto cleanup;
    if (vpce_state_snapshot(src, snap) < 0) {
        cli_fail("cannot copy the state %s: %s", vpce_state_where(src), vpce_error_last());
        goto cleanup;
    }
    if (cli_backend_open_workspace(&dst_be, to, dir, ws, NULL) < 0) {
        cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    int rc = vpce_state_backend_seed(dst_be, snap);
    if (rc == VPCE_EEXISTS) {
        if (!o->force_copy) {
            cli_fail("%s holds a state already (workspace \"%s\"): pass -force-copy to "
                     "overwrite it with %s, or -reconfigure to keep it",
                     vpce_state_backend_where(dst_be), ws, vpce_state_where(src));
            goto cleanup;
        }
        vpce_state_backend *again = NULL;
        if (cli_backend_open_workspace(&again, to, dir, ws, NULL) < 0 ||
            vpce_state_open_backend(&dst, again, false) < 0) {
            cli_fail("cannot open %s: %s", vpce_state_backend_where(dst_be), vpce_error_last());
            goto cleanup;
        }
        if (o->lock && cli_lock_state(dst, "migrate", o->lock_timeout_ms) != 0)
            goto cleanup;
        rc = vpce_state_replace(dst, snap);
    }
    if (rc < 0) {
        cli_fail("cannot store the state in %s: %s", vpce_state_backend_where(dst_be),
                 vpce_error_last());
        goto cleanup;
    }
    printf("  workspace \"%s\": %s -> %s\n", ws, vpce_state_where(src),
           vpce_state_backend_where(dst_be));
    if (!vpce_state_is_remote(src))
        src_path = vpce_strdup(vpce_state_path(src));
    ret = CLI_OK;

cleanup:
    vpce_state_close(dst);
    vpce_state_close(src); /* releases the source's lock */
    if (ret == CLI_OK && src_path) {
        /* The local file is moved aside, so that only one copy of the state is in use. */
        char *backup = vpce_asprintf("%s.backup", src_path);
        if (rename(src_path, backup) != 0)
            fprintf(stderr, "Warning: cannot move %s aside to %s: %s\n", src_path, backup,
                    strerror(errno));
        free(backup);
    }
    vpce_state_backend_free(dst_be);
    if (snap)
        unlink(snap);
    rmdir(tmpl);
    free(tmpl);
    free(snap);
    free(src_path);
    return ret;
}

int cmd_init(int argc, char **argv)
{
    init_opts o = {.dir = ".", .lock = true};
    vpce_config *cfg = NULL;
    vpce_diags diags = VPCE_DIAGS_INIT;
    cli_backend want, have;
    json_t *sources = NULL;
    bool recorded = false, have_dir = false, missing = false;
    int ret = CLI_ERROR;
    const char *v;
    memset(&want, 0, sizeof(want));
    memset(&have, 0, sizeof(have));

    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            ret = CLI_OK;
            goto cleanup;
        } else if (cli_flag_is(argv[i], "migrate-state")) {
            o.migrate = true;
        } else if (cli_flag_is(argv[i], "reconfigure")) {
            o.reconfigure = true;
        } else if (cli_flag_is(argv[i], "force-copy")) {
            o.force_copy = true;
        } else if (cli_flag_is(argv[i], "upgrade")) {
            o.upgrade = true;
        } else if ((v = cli_flag_value(argv[i], "upgrade"))) {
            if (!cli_parse_bool(v, &o.upgrade)) {
                cli_fail("invalid value for -upgrade: \"%s\" (use true or false)", v);
                goto cleanup;
            }
        } else if (cli_flag_is(argv[i], "no-color")) {
            /* handled globally */
        } else if ((v = cli_flag_value(argv[i], "lock"))) {
            if (!cli_parse_bool(v, &o.lock)) {
                cli_fail("invalid value for -lock: \"%s\" (use true or false)", v);
                goto cleanup;
            }
        } else if ((v = cli_flag_arg(argc, argv, &i, "lock-timeout", &missing))) {
            if (vpce_state_parse_duration(v, &o.lock_timeout_ms) < 0) {
                cli_fail("invalid -lock-timeout \"%s\": %s", v, vpce_error_last());
                goto cleanup;
            }
        } else if ((v = cli_flag_arg(argc, argv, &i, "backend-config", &missing))) {
            vpce_vec_push(&o.backend_config, (void *)v);
        } else if (missing) {
            cli_fail("flag \"%s\" needs a value", argv[i]);
            goto cleanup;
        } else if (argv[i][0] == '-') {
            cli_fail("unknown flag \"%s\"; see `vpce init -help`", argv[i]);
            goto cleanup;
        } else if (!have_dir) {
            o.dir = argv[i];
            have_dir = true;
        } else {
            cli_fail("`vpce init` takes one directory");
            goto cleanup;
        }
    }
    if (o.migrate && o.reconfigure) {
        cli_fail("-migrate-state and -reconfigure cannot be used together");
        goto cleanup;
    }
    /* Modules first: the configuration loads only once its git modules are installed. */
    if (cli_init_modules(o.dir, o.upgrade) != CLI_OK)
        goto cleanup;
    if (vpce_config_load_dir(&cfg, o.dir, &diags) < 0 || vpce_diags_has_errors(&diags)) {
        cli_print_diags(&diags);
        goto cleanup;
    }

    /* The backend wanted: the configuration's block, -backend-config over it. */
    if (cfg->backend) {
        want.type = vpce_strdup(cfg->backend->type);
        want.block = json_deep_copy(cfg->backend->settings);
        want.settings = json_deep_copy(cfg->backend->settings);
    } else {
        cli_backend_local(&want);
        if (o.backend_config.len) {
            cli_fail("-backend-config needs a backend block in the configuration, such as "
                     "terraform { backend \"s3\" {} }");
            goto cleanup;
        }
    }
    if (apply_backend_config(want.settings, &o.backend_config) != CLI_OK ||
        cli_backend_validate(&want) < 0)
        goto cleanup;

    if (cli_backend_read(&have, o.dir, &recorded) < 0) {
        if (!o.reconfigure) {
            cli_fail("%s", vpce_error_last());
            goto cleanup;
        }
        cli_backend_release(&have);
        cli_backend_local(&have);
    }

    char *where = cli_backend_describe(&want);
    printf("Initializing the backend...\n");
    if (strcmp(want.type, "s3") == 0) {
        /* Reach the bucket now: a wrong region, bucket or credential shows here. */
        json_t *names = NULL;
        if (cli_backend_workspaces(&want, o.dir, &names) < 0) {
            cli_fail("cannot use the S3 backend %s: %s", where, vpce_error_last());
            free(where);
            goto cleanup;
        }
        json_decref(names);
    }

    if (!cli_backend_same(&want, &have) && !o.reconfigure) {
        if (workspaces_with_state(&sources, &have, o.dir) < 0) {
            cli_fail("cannot list the states of the current backend: %s", vpce_error_last());
            free(where);
            goto cleanup;
        }
        if (json_array_size(sources) && !o.migrate) {
            char *old = cli_backend_describe(&have);
            cli_fail("the backend changes from %s to %s, and the current one holds state "
                     "(%zu workspace(s)): run `vpce init -migrate-state` to copy it, or `vpce "
                     "init -reconfigure` to leave it behind",
                     old, where, json_array_size(sources));
            free(old);
            free(where);
            goto cleanup;
        }
        if (json_array_size(sources)) {
            char *old = cli_backend_describe(&have);
            printf("Copying the state from %s to %s:\n", old, where);
            free(old);
        }
        size_t i;
        json_t *ws;
        json_array_foreach(sources, i, ws)
        {
            if (migrate_one(&have, &want, o.dir, json_string_value(ws), &o) != CLI_OK) {
                free(where);
                goto cleanup;
            }
        }
    }
    if (!(strcmp(want.type, "local") == 0 && !want.block && !recorded) &&
        cli_backend_write(&want, o.dir) < 0) {
        cli_fail("%s", vpce_error_last());
        free(where);
        goto cleanup;
    }
    printf("Successfully configured the backend \"%s\" (%s).\n\nvpce has been successfully "
           "initialized!\n",
           want.type, where);
    free(where);
    ret = CLI_OK;

cleanup:
    json_decref(sources);
    cli_backend_release(&want);
    cli_backend_release(&have);
    vpce_config_free(cfg);
    vpce_diags_release(&diags);
    vpce_vec_release(&o.backend_config);
    return ret;
}
