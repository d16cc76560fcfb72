/* cli/common.c: output and flag helpers shared by the commands. */
#include "cli/cli.h"

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
