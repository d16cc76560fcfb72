/* cli/apply_common.c: `vpce apply` and `vpce destroy`: flags, the plan (made now or read from
   a file), approval, crash recovery of a previous run, the walk with the state hooks (journal,
   record, history), outputs, and the progress lines on stderr. */
#include "cli/apply_common.h"
#include "cli/plan_args.h"
#include "config/config.h"
#include "lang/lang.h"
#include "planner/planner.h"
#include "render/render.h"
#include "state/state.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t interrupts;

static void say(const char *msg, size_t len)
{
    if (write(STDERR_FILENO, msg, len) < 0) {
        /* nothing more to do */
    }
}

/* A first Ctrl-C lets the running operations finish; SIGTERM (what CI systems send before
   they kill) or a second Ctrl-C cancels: the running operations stop waiting at once, their
   journal entries stay for the next run, and vpce exits non-zero within seconds. Another
   signal after that exits at once. */
static void on_signal(int sig)
{
    interrupts++;
    if (sig == SIGTERM || interrupts >= 2) {
        if (vpce_cancel_requested()) {
            static const char msg[] = "\nStopping now.\n";
            say(msg, sizeof(msg) - 1);
            _exit(1);
        }
        vpce_cancel_request();
        static const char msg[] =
            "\nStopping: the running operations stop waiting; what they started stays in the "
            "journal, and the next run reconciles it...\n";
        say(msg, sizeof(msg) - 1);
        return;
    }
    static const char msg[] = "\nInterrupt received: waiting for the running operations to "
                              "finish (interrupt again to stop waiting)...\n";
    say(msg, sizeof(msg) - 1);
}

static void usage(FILE *out, bool destroy)
{
    if (destroy)
        fputs("Usage: vpce destroy [DIR] [options]\n\n"
              "  Destroys every object the state in DIR/vpce.db manages.\n\n",
              out);
    else
        fputs("Usage: vpce apply [DIR] [PLANFILE] [options]\n\n"
              "  Makes the objects described in DIR (default: the current directory) exist,\n"
              "  or applies exactly the saved plan PLANFILE.\n\n",
              out);
    fputs("  -auto-approve        Do not ask for confirmation\n"
          "  -parallelism N       Operations at once (default 10)\n"
          "  -refresh=false       Do not read the current objects before planning\n"
          "  -refresh-only        Only bring the state up to date with the real objects\n"
          "  -target ADDR         Apply only ADDR and what it depends on (repeatable)\n"
          "  -replace ADDR        Replace ADDR even if nothing changed (repeatable)\n"
          "  -var NAME=VALUE      Set a variable (repeatable)\n"
          "  -var-file FILE       Read variables from FILE (repeatable)\n"
          "  -state PATH          State database (default DIR/vpce.db)\n"
          "  -lock=false          Do not take the state lock\n"
          "  -lock-timeout=D      How long to wait for the lock (e.g. 10s; default 0s)\n"
          "  -no-color            Print without colours\n",
          out);
}

/* ---- hooks: the state module behind the planner's callbacks ------------------------------ */

typedef struct hook_ctx {
    vpce_state *st;
    int64_t history_id;
    bool color;
} hook_ctx;

static int h_begin(void *ctx, const vpce_change *c, const char *op, const char *token,
                   int64_t *out_id)
{
    hook_ctx *h = ctx;
    /* A create keeps its planned values: crash recovery finds objects without a tag
       (routes, associations) from them. */
    json_t *details = NULL;
    if (strcmp(op, "create") == 0 && c->after)
        details = json_pack("{s:O}", "planned", c->after);
    int rc = vpce_state_journal_begin(h->st, c->address, op, token, details, out_id);
    json_decref(details);
    return rc;
}

static int h_record(void *ctx, int64_t jid, const char *address, const json_t *resource)
{
    hook_ctx *h = ctx;
    if (jid)
        return vpce_state_record_result(h->st, jid, resource, address);
    return resource ? vpce_state_put_resource(h->st, resource)
                    : vpce_state_remove_resource(h->st, address);
}

static int h_move(void *ctx, const char *from, const char *to)
{
    hook_ctx *h = ctx;
    return vpce_state_move_resource(h->st, from, to, NULL);
}

static int h_abandon(void *ctx, int64_t jid)
{
    hook_ctx *h = ctx;
    int rc = vpce_state_journal_clear(h->st, jid);
    return rc == VPCE_ENOTFOUND ? 0 : rc;
}

static bool h_interrupted(void *ctx)
{
    (void)ctx;
    /* A provider whose credentials could not be refreshed asks for the same as Ctrl-C. */
    return interrupts > 0 || vpce_providers_stop_reason() != NULL;
}

static void h_progress(void *ctx, const vpce_apply_event *ev)
{
    hook_ctx *h = ctx;
    const char *op = ev->op;
    bool cr = strcmp(op, "create") == 0, up = strcmp(op, "update") == 0,
         del = strcmp(op, "delete") == 0;
    int64_t secs = ev->elapsed_ms / 1000;
    const char *b = h->color ? "\033[1m" : "", *r = h->color ? "\033[0m" : "";
    const char *addr = ev->change->address;
    switch (ev->kind) {
    case VPCE_APPLY_EV_START:
        if (del) {
            const char *id = json_string_value(json_object_get(ev->change->before, "id"));
            if (id)
                fprintf(stderr, "%s%s: Destroying... [id=%s]%s\n", b, addr, id, r);
            else
                fprintf(stderr, "%s%s: Destroying...%s\n", b, addr, r);
        } else {
            fprintf(stderr, "%s%s: %s...%s\n", b, addr,
                    cr   ? "Creating"
                    : up ? "Modifying"
                         : "Reading",
                    r);
        }
        break;
    case VPCE_APPLY_EV_STILL:
        fprintf(stderr, "%s%s: Still %s... [%llds elapsed]%s\n", b, addr,
                cr    ? "creating"
                : up  ? "modifying"
                : del ? "destroying"
                      : "reading",
                (long long)secs, r);
        break;
    case VPCE_APPLY_EV_DONE:
        fprintf(stderr, "%s%s: %s after %llds", b, addr,
                cr    ? "Creation complete"
                : up  ? "Modifications complete"
                : del ? "Destruction complete"
                      : "Read complete",
                (long long)secs);
        if (ev->id && !del)
            fprintf(stderr, " [id=%s]", ev->id);
        fprintf(stderr, "%s\n", r);
        break;
    case VPCE_APPLY_EV_ERROR:
        break; /* listed at the end */
    }
    fflush(stderr);
}

/* ---- pieces of the run ------------------------------------------------------------------- */

/*
 * Adds each change the walk made to the history entry with its before (the prior attributes) and
 * after (the attributes now recorded in the state; null for a delete). Lookups go through maps:
 * an apply may make thousands of changes.
 */
static void record_history(vpce_state *st, int64_t history_id, const vpce_plan *plan,
                           const vpce_apply_result *res)
{
    vpce_map *changes = vpce_map_new(), *now = vpce_map_new();
    for (size_t k = 0; k < plan->nchanges; k++)
        vpce_map_set(changes, plan->changes[k]->address, plan->changes[k]);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(res->state, "resources"), i, e)
    {
        const char *addr = json_string_value(json_object_get(e, "address"));
        if (addr)
            vpce_map_set(now, addr, json_object_get(e, "attributes"));
    }
    json_array_foreach(res->succeeded, i, e)
    {
        const char *addr = json_string_value(json_object_get(e, "address"));
        const char *action = json_string_value(json_object_get(e, "action"));
        if (!addr)
            continue;
        const vpce_change *c = vpce_map_get(changes, addr);
        /* A delete leaves nothing; the delete half of a replacement leaves the new object
           at the address, which is not what it deleted. */
        bool deleted = action && strcmp(action, "delete") == 0;
        vpce_state_history_add_change(st, history_id, addr, action, c ? c->before : NULL,
                                      deleted ? NULL : vpce_map_get(now, addr));
    }
    vpce_map_free(changes);
    vpce_map_free(now);
}

/* After a failed apply: every address that succeeded (recorded in the state), failed (with
 * AWS's code and message) or was not attempted, so a pipeline log says where things stand. */
static void print_summary(const vpce_apply_result *res)
{
    size_t i;
    json_t *e;
    if (json_array_size(res->succeeded)) {
        fputs("\nSucceeded (recorded in the state):\n", stderr);
        json_array_foreach(res->succeeded, i, e)
            fprintf(stderr, "  %s (%s)\n", json_string_value(json_object_get(e, "address")),
                    json_string_value(json_object_get(e, "action")));
    }
    fputs("\nFailed:\n", stderr);
    json_array_foreach(res->failed, i, e)
        fprintf(stderr, "  %s: %s\n", json_string_value(json_object_get(e, "address")),
                json_string_value(json_object_get(e, "error")));
    if (json_array_size(res->skipped)) {
        fputs("\nNot attempted (they depend on a failed change):\n", stderr);
        json_array_foreach(res->skipped, i, e) fprintf(stderr, "  %s\n", json_string_value(e));
    }
}

static bool ask_yes(bool destroy)
{
    if (destroy)
        printf("\nDo you really want to destroy all resources?\n  vpce will destroy all your "
               "managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be "
               "accepted to confirm.\n\n  Enter a value: ");
    else
        printf("\nDo you want to perform these actions?\n  vpce will perform the actions "
               "described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin))
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0;
}

static void print_outputs(const json_t *outs)
{
    if (!json_object_size(outs))
        return;
    printf("\nOutputs:\n\n");
    const char *k;
    json_t *o;
    json_object_foreach((json_t *)outs, k, o)
    {
        printf("%s = ", k);
        if (json_is_true(json_object_get(o, "sensitive"))) {
            printf("<sensitive>\n");
            continue;
        }
        vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
        vpce_render_value(&b, json_object_get(o, "value"), 0, 2);
        printf("%s\n", vpce_buf_cstr(&b));
        vpce_buf_release(&b);
    }
}

/* Reconciles what an interrupted run left in the journal. *resume (new object, caller owns)
   gets the creates to send again with their journaled token, for vpce_apply_opts.resume. */
static int recover_journal(vpce_state *st, const vpce_config *cfg, const vpce_plan_providers *ps,
                           const vpce_apply_hooks *hooks, json_t **resume)
{
    json_t *entries = NULL, *report = NULL;
    *resume = NULL;
    int rc = vpce_state_journal_list(st, &entries);
    if (rc < 0) {
        cli_fail("cannot read the journal: %s", vpce_error_last());
        goto cleanup;
    }
    if (!json_array_size(entries))
        goto cleanup;
    fprintf(stderr, "Reconciling %zu operation(s) an interrupted run left unfinished...\n",
            json_array_size(entries));
    rc = vpce_apply_recover(entries, cfg, ps, hooks, VPCE_RECOVER_WINDOW_MS, &report, resume);
    size_t i;
    json_t *m;
    json_array_foreach(report, i, m) fprintf(stderr, "  %s\n", json_string_value(m));
    if (rc < 0)
        cli_fail("cannot reconcile the journal: %s", vpce_error_last());
cleanup:
    json_decref(entries);
    json_decref(report);
    return rc;
}

static bool doc_has(const json_t *doc, const char *address)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "resources"), i, r)
    {
        const char *a = json_string_value(json_object_get(r, "address"));
        if (a && strcmp(a, address) == 0)
            return true;
    }
    return false;
}

int cli_import_blocks(json_t *doc, const vpce_config *cfg, const json_t *vars,
                      const vpce_plan_providers *ps, json_t **out_entries)
{
    *out_entries = json_array();
    if (!cfg->imports.len)
        return 0;
    if (!json_is_array(json_object_get(doc, "resources")))
        json_object_set_new(doc, "resources", json_array());
    json_t *resources = json_object_get(doc, "resources");
    json_t *scope = json_object();
    json_object_set(scope, "var", (json_t *)vars);
    json_object_set_new(scope, "local", json_object());
    int rc = 0;
    vpce_diags d = VPCE_DIAGS_INIT;
    for (size_t i = 0; i < cfg->imports.len && rc == 0; i++) {
        const vpce_cfg_import *im = cfg->imports.items[i];
        if (!im->to || doc_has(doc, im->to))
            continue;
        vpce_eval_ctx ctx = {scope, cfg->dir, &d, NULL, NULL};
        json_t *idv = im->id ? vpce_eval(&ctx, im->id) : NULL;
        if (!json_is_string(idv)) {
            json_decref(idv);
            cli_print_diags(&d);
            cli_fail("import block for %s: the id must be a known string", im->to);
            rc = VPCE_EINVALID;
            break;
        }
        char *mode = NULL, *type = NULL, *name = NULL;
        json_t *index = NULL, *attrs = NULL;
        if (vpce_state_parse_address(im->to, &mode, &type, &name, &index) < 0) {
            cli_fail("import block: %s", vpce_error_last());
            rc = VPCE_EINVALID;
        } else {
            char *raddr = vpce_addr_resource_part(im->to);
            vpce_cfg_resource *r = vpce_config_resource(cfg, raddr);
            const vpce_resource_type *rt = r ? r->rtype : NULL;
            if (!r || r->mode != VPCE_MODE_MANAGED || !rt || !rt->import) {
                rc = VPCE_EINVALID;
                cli_fail("import block: %s", !r ? "the target is not in the configuration"
                                                : "this resource type cannot be imported");
            } else if (cli_check_module_keys(cfg, im->to) != CLI_OK) {
                rc = VPCE_EINVALID;
            } else {
                fprintf(stderr, "%s: Preparing import... [id=%s]\n", im->to,
                        json_string_value(idv));
                rc = rt->import(vpce_plan_providers_get(ps, r->provider_ref),
                                json_string_value(idv), &attrs);
                if (rc < 0) {
                    cli_fail("%s: %s", im->to, vpce_error_last());
                } else {
                    vpce_change c = {.address = (char *)im->to,
                                     .mode = (char *)"managed",
                                     .type = type,
                                     .name = name,
                                     .index = index,
                                     .provider = r->provider_ref};
                    json_t *entry = vpce_apply_state_entry(&c, attrs);
                    json_array_append(resources, entry);
                    json_array_append_new(*out_entries, entry);
                }
            }
            free(raddr);
        }
        json_decref(attrs);
        json_decref(index);
        json_decref(idv);
        free(mode);
        free(type);
        free(name);
    }
    vpce_diags_release(&d);
    json_decref(scope);
    return rc;
}

/*
 * After a complete apply, reads the managed objects once more (one batched read per type) and
 * records what changed since each was written: a route table gains the routes of aws_route
 * resources, an endpoint the route tables of association resources made after it. Without this
 * the next plan reports vpce's own changes as made outside of vpce. Only updates are taken:
 * an object missing from the read (EC2's eventual consistency) stays in the state. Best effort:
 * a failed read leaves the state as the walk recorded it.
 */
static void settle_state(vpce_state *st, const vpce_config *cfg, const json_t *vars,
                         const vpce_plan_providers *ps)
{
    json_t *prior = NULL;
    vpce_plan *p = NULL;
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan_opts opts = {.refresh = true, .refresh_only = true, .providers = ps};

    if (vpce_state_load(st, &prior) < 0 || !json_array_size(json_object_get(prior, "resources")))
        goto cleanup;
    if (vpce_plan_make(&p, cfg, vars, prior, &opts, &d) < 0)
        goto cleanup;
    size_t i, j;
    json_t *dr, *res;
    json_array_foreach(p->drift, i, dr)
    {
        const char *acts = json_string_value(json_array_get(json_object_get(dr, "actions"), 0));
        const char *addr = json_string_value(json_object_get(dr, "address"));
        if (!acts || strcmp(acts, "update") != 0 || !addr)
            continue;
        json_array_foreach(json_object_get(p->prior, "resources"), j, res)
        {
            const char *a = json_string_value(json_object_get(res, "address"));
            if (a && strcmp(a, addr) == 0) {
                if (vpce_state_put_resource(st, res) < 0)
                    vpce_log(VPCE_LOG_DEBUG, "apply: cannot record the re-read %s: %s", addr,
                             vpce_error_last());
                break;
            }
        }
    }

cleanup:
    vpce_plan_free(p);
    vpce_diags_release(&d);
    json_decref(prior);
}

int cli_apply_run(int argc, char **argv, bool destroy)
{
    const char *cmd = destroy ? "destroy" : "apply";
    const char *planfile = NULL;
    bool auto_approve = false, have_dir = false;
    int parallelism = 10;
    cli_plan_args args;
    json_t *vars = NULL, *prior = NULL, *outs = NULL, *imports = NULL, *resume = NULL;
    vpce_config *cfg = NULL;
    vpce_state *st = NULL;
    vpce_plan *plan = NULL;
    vpce_plan_providers *ps = NULL;
    vpce_diags diags = VPCE_DIAGS_INIT;
    vpce_apply_result res = {0};
    int ret = CLI_ERROR, rc;
    hook_ctx hctx = {0};
    struct sigaction sa = {0}, old_int, old_term;
    bool signals_set = false;

    cli_plan_args_init(&args);
    args.destroy = destroy;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (cli_is_help(argv[i])) {
            usage(stdout, destroy);
            ret = CLI_OK;
            goto cleanup;
        }
        if ((rc = cli_plan_args_flag(&args, argc, argv, &i)) < 0)
            goto cleanup;
        if (rc > 0)
            continue;
        if (cli_flag_is(argv[i], "auto-approve")) {
            auto_approve = true;
        } else if (cli_flag_is(argv[i], "no-color")) {
            cli_no_color = true;
        } else if ((v = cli_flag_arg(argc, argv, &i, "parallelism", &missing))) {
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (end == v || *end || n < 1 || n > 1000) {
                ret = cli_fail("invalid -parallelism \"%s\": expected a number from 1 to 1000", v);
                goto cleanup;
            }
            parallelism = (int)n;
        } else if (missing) {
            ret = cli_fail("flag \"%s\" needs a value", argv[i]);
            goto cleanup;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vpce %s: unknown flag \"%s\"\n", cmd, argv[i]);
            usage(stderr, destroy);
            goto cleanup;
        } else {
            struct stat sb;
            bool is_dir = stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode);
            if (is_dir && !have_dir) {
                args.dir = argv[i];
                have_dir = true;
            } else if (!is_dir && !planfile && !destroy) {
                planfile = argv[i];
            } else {
                ret = cli_fail("unexpected argument \"%s\"; see `vpce %s -help`", argv[i], cmd);
                goto cleanup;
            }
        }
    }
    destroy = args.destroy;

    if (planfile) {
        /* The saved plan carries its variables; the configuration is still read, to check the
           plan against it and to evaluate values known only during apply. */
        if (vpce_config_load_dir(&cfg, args.dir, &diags) < 0 || vpce_diags_has_errors(&diags)) {
            cli_print_diags(&diags);
            goto cleanup;
        }
        cli_config_workspace(cfg, args.dir);
        if (vpce_planfile_read(&plan, planfile) < 0) {
            ret = cli_fail("cannot read the plan \"%s\": %s", planfile, vpce_error_last());
            goto cleanup;
        }
        vars = plan->variables ? json_incref(plan->variables) : json_object();
    } else if (cli_plan_args_load(&args, &cfg, &vars, &diags) < 0) {
        goto cleanup;
    }

    if (cli_state_open_config(&st, cfg, args.dir, args.state_path, true) < 0) {
        ret = cli_fail("cannot open the state: %s", vpce_error_last());
        goto cleanup;
    }
    if (args.lock && cli_lock_state(st, cmd, args.lock_timeout_ms) < 0)
        goto cleanup;
    /* A damaged state is refused before anything acts on it, the journal's recovery and a
       saved plan included. */
    if (vpce_state_load(st, &prior) < 0) {
        ret = cli_fail("cannot read the state: %s", vpce_error_last());
        goto cleanup;
    }
    json_decref(prior);
    prior = NULL;

    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signals_set = true;

    if (vpce_plan_providers_new(&ps, cfg, vars, &diags) < 0 || vpce_diags_has_errors(&diags)) {
        cli_print_diags(&diags);
        goto cleanup;
    }
    hctx.st = st;
    hctx.color = cli_color(stderr);
    vpce_apply_hooks hooks = {
        .ctx = &hctx,
        .begin = h_begin,
        .record = h_record,
        .abandon = h_abandon,
        .move = h_move,
        .progress = h_progress,
        .interrupted = h_interrupted,
    };
    if (recover_journal(st, cfg, ps, &hooks, &resume) < 0)
        goto cleanup;

    if (planfile) {
        int64_t serial = 0;
        if (vpce_state_serial(st, &serial) < 0 ||
            vpce_planfile_check_current(plan, cfg->content_hash, vpce_state_lineage(st), serial) <
                0) {
            ret = cli_fail("the saved plan \"%s\" cannot be applied: %s", planfile,
                           vpce_error_last());
            goto cleanup;
        }
    } else {
        if (vpce_state_load(st, &prior) < 0) {
            ret = cli_fail("cannot read the state: %s", vpce_error_last());
            goto cleanup;
        }
        /* Import blocks: the objects are read now and planned against; they enter the state
           only once the plan is approved. */
        if (!destroy && !args.refresh_only && cli_import_blocks(prior, cfg, vars, ps, &imports) < 0)
            goto cleanup;
        vpce_plan_opts opts = cli_plan_args_opts(&args, ps);
        rc = vpce_plan_make(&plan, cfg, vars, prior, &opts, &diags);
        if (diags.len)
            cli_print_diags(&diags);
        if (rc < 0) {
            if (rc != VPCE_EINVALID || !vpce_diags_has_errors(&diags))
                ret = cli_fail("planning failed: %s", vpce_error_last());
            goto cleanup;
        }
        char *text = vpce_plan_render_text(plan, cli_color(stdout));
        if (text)
            fputs(text, stdout);
        free(text);
        if (!vpce_plan_has_changes(plan) && !args.refresh_only && !json_array_size(imports)) {
            /* Nothing to do; outputs may still be new. */
        } else if (!auto_approve) {
            if (!isatty(STDIN_FILENO)) {
                ret = cli_fail("no terminal to ask for approval: run with -auto-approve, or "
                               "save a plan with `vpce plan -out FILE` and apply it");
                goto cleanup;
            }
            if (!ask_yes(destroy)) {
                ret = cli_fail("%s cancelled", cmd);
                goto cleanup;
            }
        }
        fputs("\n", stdout);
        fflush(stdout);
    }

    if (vpce_state_history_begin(st, destroy || plan->destroy ? "destroy" : "apply",
                                 &hctx.history_id) < 0)
        hctx.history_id = 0;

    size_t i;
    json_t *s;
    json_array_foreach(imports, i, s)
    {
        const char *addr = json_string_value(json_object_get(s, "address"));
        if (vpce_state_put_resource(st, s) < 0) {
            ret = cli_fail("cannot record the import of %s: %s", addr, vpce_error_last());
            goto cleanup;
        }
        if (hctx.history_id)
            vpce_state_history_add_change(st, hctx.history_id, addr, "import", NULL, NULL);
        fprintf(stderr, "%s: Import complete [id=%s]\n", addr,
                json_string_value(json_object_get(s, "id")));
    }

    if (plan->refresh_only) {
        /* Store the refreshed state as it is. */
        if (vpce_state_store(st, plan->prior) < 0) {
            ret = cli_fail("cannot write the state: %s", vpce_error_last());
            goto cleanup;
        }
        res.state = json_incref(plan->prior);
        res.succeeded = json_array();
        res.failed = json_array();
        res.skipped = json_array();
    } else {
        vpce_apply_opts aopts = {
            .parallelism = parallelism,
            .cfg = cfg,
            .vars = vars,
            .providers = ps,
            .resume = resume,
        };
        if (vpce_apply(&res, plan, &aopts, &hooks) < 0) {
            ret = cli_fail("cannot apply: %s", vpce_error_last());
            goto cleanup;
        }
    }

    if (!plan->refresh_only && !plan->destroy && !res.interrupted && !interrupts &&
        !json_array_size(res.failed) && json_array_size(res.succeeded))
        settle_state(st, cfg, vars, ps);

    /* Outputs after the walk. */
    if (plan->destroy) {
        outs = json_object();
    } else if (!args.targets.len) {
        vpce_diags od = VPCE_DIAGS_INIT;
        if (vpce_apply_outputs(&outs, cfg, vars, res.state, ps, &od) < 0) {
            if (!json_array_size(res.failed))
                cli_print_diags(&od);
            outs = NULL;
        } else if (od.len) {
            /* check blocks, evaluated again against the state the apply left */
            cli_print_diags(&od);
        }
        vpce_diags_release(&od);
    }
    if (outs && vpce_state_set_outputs(st, outs) < 0)
        cli_fail("cannot store the outputs: %s", vpce_error_last());

    if (hctx.history_id) {
        /* One transaction for the whole entry: a remote backend stores it once, not per change. */
        bool batch = vpce_state_begin(st) == 0;
        record_history(st, hctx.history_id, plan, &res);
        char *summary = vpce_asprintf("%d added, %d changed, %d destroyed", res.added, res.changed,
                                      res.destroyed);
        vpce_state_history_finish(st, hctx.history_id,
                                  res.interrupted               ? "interrupted"
                                  : json_array_size(res.failed) ? "error"
                                                                : "success",
                                  summary);
        free(summary);
        if (batch && vpce_state_commit(st) < 0)
            cli_fail("cannot store the history of this run: %s", vpce_error_last());
    }

    bool failed = json_array_size(res.failed) > 0;
    json_array_foreach(res.failed, i, s)
        cli_fail("%s: %s", json_string_value(json_object_get(s, "address")),
                 json_string_value(json_object_get(s, "error")));
    if (!res.interrupted && interrupts > 0) {
        /* Every operation had started before the interrupt, and all have finished. */
        cli_fail("interrupted after every planned operation had started: %d added, %d "
                 "changed, %d destroyed, %zu failed; the state records all of them",
                 res.added, res.changed, res.destroyed, json_array_size(res.failed));
        goto cleanup;
    }
    if (res.interrupted && vpce_providers_stop_reason()) {
        cli_fail("stopped starting new operations: %s; %d added, %d changed, %d destroyed "
                 "before stopping; run `vpce %s` again to finish",
                 vpce_providers_stop_reason(), res.added, res.changed, res.destroyed, cmd);
        goto cleanup;
    }
    if (res.interrupted) {
        cli_fail("interrupted: %d added, %d changed, %d destroyed before stopping; run `vpce "
                 "%s` again to finish",
                 res.added, res.changed, res.destroyed, cmd);
        goto cleanup;
    }
    if (failed) {
        fprintf(stderr,
                "\n%s failed: %d added, %d changed, %d destroyed; %zu failed, %zu not "
                "attempted.\n",
                destroy ? "Destroy" : "Apply", res.added, res.changed, res.destroyed,
                json_array_size(res.failed), json_array_size(res.skipped));
        print_summary(&res);
        goto cleanup;
    }
    bool color = cli_color(stdout);
    char imported[64] = "";
    if (json_array_size(imports))
        snprintf(imported, sizeof(imported), "%zu imported, ", json_array_size(imports));
    printf("%s%s complete! Resources: %s%d added, %d changed, %d destroyed.%s\n",
           color ? "\033[1;32m" : "", destroy ? "Destroy" : "Apply", imported, res.added,
           res.changed, res.destroyed, color ? "\033[0m" : "");
    print_outputs(outs);
    ret = CLI_OK;

cleanup:
    if (signals_set) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    vpce_apply_result_release(&res);
    vpce_plan_free(plan);
    vpce_plan_providers_free(ps);
    if (st && args.lock)
        vpce_state_unlock(st);
    vpce_state_close(st);
    vpce_config_free(cfg);
    vpce_diags_release(&diags);
    json_decref(vars);
    json_decref(prior);
    json_decref(outs);
    json_decref(imports);
    json_decref(resume);
    cli_plan_args_release(&args);
    return ret;
}
