/* cli/cmd_state.c: `vpce state list|show|rm|mv|history|pull|push`. */
#include "cli/cli.h"
#include "state/state.h"
#include "render/render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: vpce state <subcommand> [options] [args]\n\n"
    "  Inspects and edits the vpce state database.\n\n"
    "Subcommands:\n"
    "  list [ADDR...]   List resources in the state (ADDR filters: an instance or a resource)\n"
    "  show ADDR        Show a resource's attributes\n"
    "  rm ADDR...       Forget resources (they are not destroyed); module.NAME forgets all in it\n"
    "  mv SRC DST       Rename a resource or resource instance, or move it into or out of a\n"
    "                   module (module.a.aws_x.y); module.a module.b moves a whole module\n"
    "  history          Show the history of applies\n"
    "  pull [-out=FILE]  Write a copy of the state database (the whole file) to FILE or stdout\n"
    "  push [-force] FILE  Make the database FILE the state (same lineage, serial not older)\n\n"
    "Options:\n"
    "  -state=PATH        State database (default: vpce.db in the current directory)\n"
    "  -lock=false        Do not take the state lock (rm, mv); dangerous\n"
    "  -lock-timeout=D    Wait up to D (e.g. 10s, 2m) for the state lock (rm, mv)\n"
    "  -json              Machine-readable output (history)\n"
    "  -out=FILE          pull: write to FILE (which must not exist)\n"
    "  -force             push: skip the lineage and serial checks\n";

/* Flags common to the subcommands. */
struct opts {
    const char *state_path;
    bool lock;
    int64_t lock_timeout_ms;
    bool json;
    bool help;
    bool force;
    const char *out;
    const char **args;
    int nargs;
};

static int parse_opts(struct opts *o, int argc, char **argv)
{
    const char *v;
    o->lock = true;
    o->args = vpce_calloc((size_t)argc + 1, sizeof(*o->args));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            o->help = true;
        } else if ((v = cli_flag_value(a, "state"))) {
            o->state_path = v;
        } else if (cli_flag_is(a, "state")) {
            if (i + 1 >= argc)
                return cli_fail("flag \"-state\" needs a path");
            o->state_path = argv[++i];
        } else if (cli_flag_is(a, "lock")) {
            o->lock = true;
        } else if ((v = cli_flag_value(a, "lock"))) {
            if (!cli_parse_bool(v, &o->lock))
                return cli_fail("invalid value \"%s\" for -lock: use true or false", v);
        } else if ((v = cli_flag_value(a, "lock-timeout"))) {
            if (vpce_state_parse_duration(v, &o->lock_timeout_ms) != 0)
                return cli_fail("%s", vpce_error_last());
        } else if (cli_flag_is(a, "json")) {
            o->json = true;
        } else if (cli_flag_is(a, "force")) {
            o->force = true;
        } else if ((v = cli_flag_value(a, "out"))) {
            o->out = v;
        } else if (cli_flag_is(a, "out")) {
            if (i + 1 >= argc)
                return cli_fail("flag \"-out\" needs a path");
            o->out = argv[++i];
        } else if (cli_flag_is(a, "no-color")) {
            /* handled globally */
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_fail("unknown flag \"%s\"; see `vpce state -help`", a);
        } else {
            o->args[o->nargs++] = a;
        }
    }
    return CLI_OK;
}

static int open_state(vpce_state **st, const struct opts *o, bool create)
{
    int rc = CLI_OK;
    if (cli_state_open(st, ".", o->state_path, create) != 0)
        rc = cli_fail("%s", vpce_error_last());
    return rc;
}

static int lock_state(vpce_state *st, const struct opts *o, const char *operation)
{
    if (!o->lock)
        return CLI_OK;
    return cli_lock_state(st, operation, o->lock_timeout_ms) == 0 ? CLI_OK : CLI_ERROR;
}

/* True if resource address `addr` is selected by filter: the same address, an instance of
 * the resource the filter names ("aws_subnet.a" selects "aws_subnet.a[0]"), or anything inside
 * the module the filter names ("module.a" selects "module.a[\"x\"].aws_subnet.a"). */
static bool address_matches(const char *addr, const char *filter)
{
    size_t n = strlen(filter);
    if (strncmp(addr, filter, n) == 0 && (addr[n] == '\0' || addr[n] == '['))
        return true;
    vpce_addr f, a;
    if (vpce_addr_parse(&f, filter) != 0) {
        vpce_error_clear();
        return false;
    }
    bool hit = false;
    if (vpce_addr_parse(&a, addr) == 0) {
        hit = vpce_addr_contains(&f, &a);
        vpce_addr_release(&a);
    } else {
        vpce_error_clear();
    }
    vpce_addr_release(&f);
    return hit;
}

/* The resources of the state selected by filters (all when nfilters is 0), in state order.
 * Borrowed from doc. */
static void select_resources(vpce_vec *out, json_t *doc, const char **filters, int nfilters)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "resources"), i, r)
    {
        const char *addr = json_string_value(json_object_get(r, "address"));
        bool keep = nfilters == 0;
        for (int f = 0; !keep && f < nfilters; f++)
            keep = address_matches(addr, filters[f]);
        if (keep)
            vpce_vec_push(out, r);
    }
}

/* The same over a list of addresses (vpce_state_list_addresses()); borrowed strings. */
static void select_addresses(vpce_vec *out, json_t *addresses, const char **filters, int nfilters)
{
    size_t i;
    json_t *a;
    json_array_foreach(addresses, i, a)
    {
        bool keep = nfilters == 0;
        for (int f = 0; !keep && f < nfilters; f++)
            keep = address_matches(json_string_value(a), filters[f]);
        if (keep)
            vpce_vec_push(out, (void *)json_string_value(a));
    }
}

static int state_list(vpce_state *st, const struct opts *o)
{
    json_t *doc = NULL;
    vpce_vec sel = VPCE_VEC_INIT;
    if (vpce_state_load(st, &doc) != 0)
        return cli_fail("%s", vpce_error_last());
    select_resources(&sel, doc, o->args, o->nargs);
    for (size_t i = 0; i < sel.len; i++)
        printf("%s\n", json_string_value(json_object_get(sel.items[i], "address")));
    int rc = CLI_OK;
    if (o->nargs > 0 && sel.len == 0)
        rc = cli_fail("no resources in the state match the given addresses");
    vpce_vec_release(&sel);
    json_decref(doc);
    return rc;
}

static int state_show(vpce_state *st, const struct opts *o)
{
    json_t *doc = NULL;
    vpce_vec sel = VPCE_VEC_INIT;
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    int rc = CLI_OK;
    if (o->nargs != 1)
        return cli_fail("`vpce state show` takes exactly one address; see `vpce state -help`");
    if (vpce_state_parse_address(o->args[0], NULL, NULL, NULL, NULL) != 0)
        return cli_fail("%s", vpce_error_last());
    if (vpce_state_load(st, &doc) != 0)
        return cli_fail("%s", vpce_error_last());
    select_resources(&sel, doc, o->args, 1);
    if (sel.len == 0) {
        rc = cli_fail("no instance found for the given address \"%s\"", o->args[0]);
        goto cleanup;
    }
    for (size_t i = 0; i < sel.len; i++) {
        if (i > 0)
            vpce_buf_putc(&b, '\n');
        vpce_render_state_resource(&b, sel.items[i]);
    }
    fputs(vpce_buf_cstr(&b), stdout);
cleanup:
    vpce_buf_release(&b);
    vpce_vec_release(&sel);
    json_decref(doc);
    return rc;
}

static int state_rm(vpce_state *st, const struct opts *o)
{
    json_t *doc = NULL;
    vpce_vec sel = VPCE_VEC_INIT;
    int64_t hid = 0;
    int rc = CLI_OK;
    if (o->nargs == 0)
        return cli_fail("`vpce state rm` needs at least one address; see `vpce state -help`");
    for (int i = 0; i < o->nargs; i++)
        if (vpce_state_parse_address(o->args[i], NULL, NULL, NULL, NULL) != 0 &&
            strncmp(o->args[i], "module.", 7) != 0)
            return cli_fail("%s", vpce_error_last());
    if (lock_state(st, o, "state rm") != CLI_OK)
        return CLI_ERROR;
    /* Addresses only, so that a damaged row, which every other reader refuses, can be
       forgotten. */
    if (vpce_state_list_addresses(st, &doc) != 0) {
        rc = cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    for (int i = 0; i < o->nargs; i++) {
        size_t before = sel.len;
        select_addresses(&sel, doc, &o->args[i], 1);
        if (sel.len == before) {
            rc = cli_fail("no resource in the state matches \"%s\"; nothing was removed",
                          o->args[i]);
            goto cleanup;
        }
    }
    /* All removals and their history entry land together, or not at all. */
    int err = vpce_state_begin(st);
    if (err == 0)
        err = vpce_state_history_begin(st, "state rm", &hid);
    size_t removed = 0;
    for (size_t i = 0; err == 0 && i < sel.len; i++) {
        const char *addr = sel.items[i];
        /* The same instance may be selected by two arguments. */
        err = vpce_state_remove_resource(st, addr);
        if (err == VPCE_ENOTFOUND) {
            err = 0;
            continue;
        }
        if (err == 0)
            err = vpce_state_history_add_change(st, hid, addr, "forget", NULL, NULL);
        if (err == 0)
            removed++;
    }
    char summary[64];
    snprintf(summary, sizeof(summary), "%zu removed", removed);
    if (err == 0)
        err = vpce_state_history_finish(st, hid, "success", summary);
    if (err == 0)
        err = vpce_state_commit(st);
    if (err) {
        rc = cli_fail("cannot remove from the state: %s", vpce_error_last());
        vpce_state_rollback(st);
        goto cleanup;
    }
    for (size_t i = 0; i < sel.len; i++)
        printf("Removed %s\n", (const char *)sel.items[i]);
    printf("Successfully removed %zu resource instance(s).\n", removed);
cleanup:
    vpce_state_unlock(st);
    vpce_vec_release(&sel);
    json_decref(doc);
    return rc;
}

static int state_mv(vpce_state *st, const struct opts *o)
{
    int moved = 0;
    int64_t hid = 0;
    if (o->nargs != 2)
        return cli_fail("`vpce state mv` takes a source and a destination address");
    if (lock_state(st, o, "state mv") != CLI_OK)
        return CLI_ERROR;
    int err = vpce_state_begin(st);
    if (err == 0)
        err = vpce_state_move_resource(st, o->args[0], o->args[1], &moved);
    if (err == 0)
        err = vpce_state_history_begin(st, "state mv", &hid);
    if (err == 0) {
        char *what = vpce_asprintf("moved to %s", o->args[1]);
        err = vpce_state_history_add_change(st, hid, o->args[0], "move", NULL, NULL);
        if (err == 0)
            err = vpce_state_history_finish(st, hid, "success", what);
        free(what);
    }
    if (err == 0)
        err = vpce_state_commit(st);
    int rc = CLI_OK;
    if (err) {
        rc =
            cli_fail("cannot move \"%s\" to \"%s\": %s", o->args[0], o->args[1], vpce_error_last());
        vpce_state_rollback(st);
    } else {
        printf("Move \"%s\" to \"%s\"\nSuccessfully moved %d object(s).\n", o->args[0], o->args[1],
               moved);
    }
    vpce_state_unlock(st);
    return rc;
}

static const char *str_or(const json_t *v, const char *dflt)
{
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static int state_history(vpce_state *st, const struct opts *o)
{
    json_t *list = NULL;
    if (o->nargs != 0)
        return cli_fail("`vpce state history` takes no arguments");
    if (vpce_state_history_list(st, &list) != 0)
        return cli_fail("%s", vpce_error_last());
    size_t i;
    json_t *e;
    if (o->json) {
        /* Addresses and actions only: before/after values may hold sensitive attributes. */
        json_array_foreach(list, i, e)
        {
            size_t j;
            json_t *c;
            json_array_foreach(json_object_get(e, "changes"), j, c)
            {
                json_object_del(c, "before");
                json_object_del(c, "after");
            }
        }
        char *s = json_dumps(list, JSON_INDENT(2));
        printf("%s\n", s ? s : "[]");
        free(s);
    } else {
        json_array_foreach(list, i, e)
        {
            printf("%-4lld %-20s %-16s %-10s %-9s %s\n",
                   (long long)json_integer_value(json_object_get(e, "id")),
                   str_or(json_object_get(e, "started_at"), "-"),
                   str_or(json_object_get(e, "user"), "-"),
                   str_or(json_object_get(e, "operation"), "-"),
                   str_or(json_object_get(e, "status"), "-"),
                   str_or(json_object_get(e, "summary"), ""));
        }
    }
    json_decref(list);
    return CLI_OK;
}

/* A private temporary directory for whole-database copies; caller removes it (rm_temp). */
static char *make_temp(void)
{
    const char *t = getenv("TMPDIR");
    char *tmpl = vpce_asprintf("%s/vpce-state-copy-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpl)) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

static void rm_temp(char *dir)
{
    if (!dir)
        return;
    static const char *const files[] = {"vpce.db", "vpce.db-wal", "vpce.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        char *p = vpce_asprintf("%s/%s", dir, files[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
    free(dir);
}

/* Copies the file from (or stdin for "-") to the new file to. */
static int copy_stream(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return -1;
            off += w;
        }
    }
}

static int state_pull(vpce_state *st, const struct opts *o)
{
    if (o->nargs)
        return cli_fail("`vpce state pull` takes no arguments (use -out=FILE)");
    if (o->out) {
        if (vpce_state_snapshot(st, o->out) != 0)
            return cli_fail("cannot write the state to \"%s\": %s", o->out, vpce_error_last());
        fprintf(stderr, "Wrote the state %s to %s.\n", vpce_state_where(st), o->out);
        return CLI_OK;
    }
    if (isatty(STDOUT_FILENO))
        return cli_fail("the state is a SQLite database: redirect stdout to a file, or use "
                        "-out=FILE");
    char *tmp = make_temp();
    if (!tmp)
        return cli_fail("cannot create a temporary directory: %s", strerror(errno));
    char *path = vpce_asprintf("%s/vpce.db", tmp);
    int rc = CLI_OK;
    if (vpce_state_snapshot(st, path) != 0) {
        rc = cli_fail("cannot copy the state: %s", vpce_error_last());
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        fflush(stdout);
        if (fd < 0 || copy_stream(fd, STDOUT_FILENO) != 0)
            rc = cli_fail("cannot write the state to stdout: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    free(path);
    rm_temp(tmp);
    return rc;
}

static int state_push(vpce_state *st, const struct opts *o)
{
    if (o->nargs != 1)
        return cli_fail(
            "`vpce state push` takes one file: a vpce state database (\"-\" for stdin)");
    const char *file = o->args[0];
    char *tmp = make_temp(), *copy = NULL, *lineage = NULL;
    json_t *doc = NULL;
    int64_t serial = 0, cur_serial = 0;
    int rc = CLI_ERROR;
    if (!tmp) {
        cli_fail("cannot create a temporary directory: %s", strerror(errno));
        goto cleanup;
    }
    /* Work on a copy: reading an older schema migrates it, and the file stays as it was. */
    copy = vpce_asprintf("%s/vpce.db", tmp);
    int in = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
    int out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool copied = in >= 0 && out >= 0 && copy_stream(in, out) == 0;
    int err = errno;
    if (in >= 0 && in != STDIN_FILENO)
        close(in);
    if (out >= 0)
        close(out);
    if (!copied) {
        cli_fail("cannot read \"%s\": %s", file, strerror(err));
        goto cleanup;
    }
    if (vpce_state_file_info(copy, &lineage, &serial) != 0) {
        cli_fail("\"%s\" is not a vpce state: %s", file, vpce_error_last());
        goto cleanup;
    }
    if (o->lock && cli_lock_state(st, "state push", o->lock_timeout_ms) != 0)
        goto cleanup;
    if (vpce_state_serial(st, &cur_serial) != 0 || vpce_state_load(st, &doc) != 0) {
        cli_fail("%s", vpce_error_last());
        goto cleanup;
    }
    bool empty = cur_serial == 0 && json_array_size(json_object_get(doc, "resources")) == 0;
    if (!o->force && !empty && strcmp(lineage, vpce_state_lineage(st)) != 0) {
        cli_fail("cannot push \"%s\": its lineage %s is not the lineage %s of %s, so it is a "
                 "different state (pass -force to replace it anyway)",
                 file, lineage, vpce_state_lineage(st), vpce_state_where(st));
        goto cleanup;
    }
    if (!o->force && serial < cur_serial) {
        cli_fail("cannot push \"%s\": its serial %lld is older than the serial %lld of %s (pass "
                 "-force to replace the newer state)",
                 file, (long long)serial, (long long)cur_serial, vpce_state_where(st));
        goto cleanup;
    }
    if (vpce_state_replace(st, copy) != 0) {
        cli_fail("cannot push the state: %s", vpce_error_last());
        goto cleanup;
    }
    printf("Pushed \"%s\" to %s (lineage %s, serial %lld).\n", file, vpce_state_where(st), lineage,
           (long long)serial);
    rc = CLI_OK;
cleanup:
    json_decref(doc);
    free(lineage);
    free(copy);
    rm_temp(tmp);
    return rc;
}

int cmd_state(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(vpce_state *st, const struct opts *o);
    } subs[] = {{"list", state_list}, {"show", state_show},       {"rm", state_rm},
                {"mv", state_mv},     {"history", state_history}, {"pull", state_pull},
                {"push", state_push}};
    struct opts o = {0};
    vpce_state *st = NULL;
    int rc = CLI_OK;
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_ERROR : CLI_OK;
    }
    size_t k = 0;
    for (; k < sizeof(subs) / sizeof(subs[0]); k++)
        if (strcmp(argv[1], subs[k].name) == 0)
            break;
    if (k == sizeof(subs) / sizeof(subs[0])) {
        fputs(usage_text, stderr);
        return cli_fail("unknown state subcommand \"%s\"", argv[1]);
    }
    rc = parse_opts(&o, argc - 1, argv + 1);
    if (rc != CLI_OK)
        goto cleanup;
    if (o.help) {
        fputs(usage_text, stdout);
        goto cleanup;
    }
    rc = open_state(&st, &o, strcmp(subs[k].name, "push") == 0);
    if (rc != CLI_OK)
        goto cleanup;
    rc = subs[k].fn(st, &o);
cleanup:
    vpce_state_close(st);
    free(o.args);
    return rc;
}
