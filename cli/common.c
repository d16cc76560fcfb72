/* cli/common.c: output and flag helpers shared by the commands. */
#include "cli/cli.h"
#include "state/state.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>
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
        cli_fail("error acquiring the state lock: the state is locked by %s (pid %lld, "
                 "operation \"%s\", lock ID %s)\n\n%s\n"
                 "vpce locks the state so that two runs cannot change it at once. Wait for the "
                 "other run to finish, or, if you are sure none is running, remove the lock with "
                 "`vpce force-unlock %s`.",
                 who ? who : "?", (long long)json_integer_value(json_object_get(holder, "pid")),
                 op ? op : "?", id ? id : "?", vpce_buf_cstr(&info), id ? id : "ID");
        vpce_buf_release(&info);
    } else {
        cli_fail("error acquiring the state lock: %s", vpce_error_last());
    }
    json_decref(holder);
    return rc;
}

int cli_state_open(vpce_state **out, const char *path, bool create_if_missing)
{
    return vpce_state_open_backend(out, vpce_state_backend_local(path), create_if_missing);
}
