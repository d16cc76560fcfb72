/* cli/common.c: output and flag helpers shared by the commands. */
#include "cli/backend.h"
#include "cli/cli.h"
#include "config/config.h"
#include "render/render.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool cli_no_color;

bool cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (cli_no_color || (nc && *nc))
        return false;
    return isatty(fileno(f)) != 0;
}

void cli_print_diags(const vpce_diags *d)
{
    vpce_diags sorted = VPCE_DIAGS_INIT;
    /* Print a sorted copy without disturbing the caller's list. */
    sorted.items = vpce_malloc((d->len ? d->len : 1) * sizeof(vpce_diag));
    if (d->len)
        memcpy(sorted.items, d->items, d->len * sizeof(vpce_diag));
    sorted.len = d->len;
    vpce_diags_sort(&sorted);
    vpce_diags_print(&sorted, stderr, cli_color(stderr));
    free(sorted.items);
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vpce_vasprintf(fmt, ap);
    va_end(ap);
    bool color = cli_color(stderr);
    fprintf(stderr, "%sError:%s %s\n", color ? "\033[1;31m" : "", color ? "\033[0m" : "", msg);
    free(msg);
    return CLI_ERROR;
}

static const char *strip_dashes(const char *arg)
{
    if (arg[0] != '-')
        return NULL;
    return arg[1] == '-' ? arg + 2 : arg + 1;
}

bool cli_flag_is(const char *arg, const char *name)
{
    const char *a = strip_dashes(arg);
    return a && strcmp(a, name) == 0;
}

const char *cli_flag_value(const char *arg, const char *name)
{
    const char *a = strip_dashes(arg);
    size_t n = strlen(name);
    if (a && strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    return NULL;
}

bool cli_is_help(const char *arg)
{
    return cli_flag_is(arg, "help") || cli_flag_is(arg, "h");
}

const char *cli_flag_arg(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const char *v = cli_flag_value(argv[*i], name);
    if (v)
        return v;
    if (!cli_flag_is(argv[*i], name))
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

bool cli_parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return false;
    return true;
}

/* "3m12s" for the time since an ISO 8601 UTC timestamp, or "" when unreadable. */
static void age_of(char *out, size_t n, const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    out[0] = '\0';
    if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
        return;
    long long secs = (long long)(time(NULL) - timegm(&tm));
    if (secs < 0)
        secs = 0;
    if (secs >= 86400)
        snprintf(out, n, "%lldd%lldh", secs / 86400, secs % 86400 / 3600);
    else if (secs >= 3600)
        snprintf(out, n, "%lldh%lldm", secs / 3600, secs % 3600 / 60);
    else if (secs >= 60)
        snprintf(out, n, "%lldm%llds", secs / 60, secs % 60);
    else
        snprintf(out, n, "%llds", secs);
}

int cli_lock_state(vpce_state *st, const char *operation, int64_t timeout_ms)
{
    json_t *holder = NULL;
    int rc = vpce_state_lock(st, operation, timeout_ms, &holder);
    if (rc == 0) {
        if (holder) /* a lock left by a run that died on this host was taken over */
            fprintf(stderr,
                    "Warning: took over the state lock of a run that is no longer running (pid "
                    "%lld, operation \"%s\", lock ID %s)\n",
                    (long long)json_integer_value(json_object_get(holder, "pid")),
                    json_string_value(json_object_get(holder, "operation")) ?: "?",
                    json_string_value(json_object_get(holder, "id")) ?: "?");
        json_decref(holder);
        return 0;
    }
    if (rc == VPCE_ELOCKED && holder) {
        const char *who = json_string_value(json_object_get(holder, "holder"));
        const char *id = json_string_value(json_object_get(holder, "id"));
        const char *op = json_string_value(json_object_get(holder, "operation"));
        vpce_buf info = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
        vpce_render_lock_info(&info, holder, vpce_state_where(st));
        char age[32];
        age_of(age, sizeof(age), json_string_value(json_object_get(holder, "created_at")));
        cli_fail("error acquiring the state lock: the state is locked by %s (pid %lld, "
                 "operation \"%s\", lock ID %s, held for %s)\n\n%s\n"
                 "vpce locks the state so that two runs cannot change it at once. Wait for the "
                 "other run to finish, or, if you are sure none is running, remove the lock with "
                 "`vpce force-unlock %s`.",
                 who ? who : "?", (long long)json_integer_value(json_object_get(holder, "pid")),
                 op ? op : "?", id ? id : "?", age[0] ? age : "?", vpce_buf_cstr(&info),
                 id ? id : "ID");
        vpce_buf_release(&info);
    } else {
        cli_fail("error acquiring the state lock: %s", vpce_error_last());
    }
    json_decref(holder);
    return rc;
}

/* Opens the current workspace's state of backend b. */
static int open_with(vpce_state **out, const cli_backend *b, const char *dir,
                     const char *state_flag, bool create_if_missing)
{
    vpce_state_backend *be = NULL;
    char *ws = cli_workspace_current(dir);
    int rc = 0;
    *out = NULL;
    if (!cli_workspace_name_valid(ws))
        rc = vpce_error_setc(VPCE_EINVALID,
                             "invalid workspace name \"%s\" (VPCE_WORKSPACE): use letters, "
                             "digits, - and _",
                             ws);
    if (rc == 0)
        rc = cli_backend_open_workspace(&be, b, dir, ws, state_flag);
    if (rc == 0)
        rc = vpce_state_open_backend(out, be, create_if_missing);
    free(ws);
    return rc;
}

int cli_state_open(vpce_state **out, const char *dir, const char *state_flag,
                   bool create_if_missing)
{
    cli_backend b;
    bool recorded = false;
    int rc = cli_backend_read(&b, dir, &recorded);
    if (rc == 0)
        rc = open_with(out, &b, dir, state_flag, create_if_missing);
    cli_backend_release(&b);
    return rc;
}

int cli_state_open_config(vpce_state **out, const struct vpce_config *cfg, const char *dir,
                          const char *state_flag, bool create_if_missing)
{
    cli_backend b;
    memset(&b, 0, sizeof(b));
    int rc = cli_backend_for_config(&b, cfg, dir);
    if (rc == 0)
        rc = open_with(out, &b, dir, state_flag, create_if_missing);
    cli_backend_release(&b);
    return rc;
}

void cli_config_workspace(struct vpce_config *cfg, const char *dir)
{
    char *ws = cli_workspace_current(dir);
    vpce_config_set_workspace(cfg, ws);
    free(ws);
}

int cli_check_module_keys(const vpce_config *cfg, const char *addr)
{
    vpce_addr a;
    if (vpce_addr_parse(&a, addr) != 0)
        return cli_fail("%s", vpce_error_last());
    int rc = CLI_OK;
    const vpce_config *m = cfg;
    for (size_t i = 0; m && i < a.nmodule && rc == CLI_OK; i++) {
        const vpce_cfg_module_call *call = NULL;
        for (size_t k = 0; k < m->module_calls.len && !call; k++)
            if (strcmp(((vpce_cfg_module_call *)m->module_calls.items[k])->name,
                       a.module[i].name) == 0)
                call = m->module_calls.items[k];
        if (!call) {
            rc = cli_fail("\"%s\": module \"%s\" is not in the configuration", addr,
                          a.module[i].name);
            break;
        }
        bool repeated = call->count || call->for_each;
        if (repeated != (a.module[i].key != NULL))
            rc = cli_fail("\"%s\": module.%s %s", addr, call->name,
                          repeated ? "sets count or for_each: give the instance key, such as "
                                     "module.NAME[\"key\"]"
                                   : "has no count or for_each: leave out the instance key");
        m = call->child;
    }
    vpce_addr_release(&a);
    return rc;
}
