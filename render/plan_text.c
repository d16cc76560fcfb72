/*
 * render/plan_text.c: the human plan, as Terraform prints it: one block per changed resource
 * (its header comment and body, rendered by render/text_diff.c), the "Plan:" summary, output
 * changes, changes made outside vpce, and the "No changes" messages.
 */
#include "render/text.h"

#include <stdlib.h>
#include <string.h>

static int resource_act(vpce_action a)
{
    switch (a) {
    case VPCE_ACTION_CREATE:
        return A_CREATE;
    case VPCE_ACTION_UPDATE:
        return A_UPDATE;
    case VPCE_ACTION_DELETE_THEN_CREATE:
        return A_DTC;
    case VPCE_ACTION_CREATE_THEN_DELETE:
        return A_CTD;
    case VPCE_ACTION_DELETE:
        return A_DELETE;
    case VPCE_ACTION_READ:
        return A_READ;
    case VPCE_ACTION_NOOP:
        return A_NOOP;
    case VPCE_ACTION_FORGET:
        return A_FORGET;
    }
    return A_NOOP;
}

/* Changes the text shows: not no-ops (but moves), and not data sources leaving the state
   (nothing to do). */
static bool shown(const vpce_change *c)
{
    if (c->action == VPCE_ACTION_NOOP)
        return c->previous_address != NULL;
    return !(c->action == VPCE_ACTION_DELETE && c->mode && strcmp(c->mode, "data") == 0);
}

static bool reason_is(const vpce_change *c, const char *r)
{
    return c->reason && strcmp(c->reason, r) == 0;
}

/* "  # ADDR will be created" and the lines that explain it, as Terraform words them. */
static void render_change_comment(rctx *r, const vpce_change *c, bool drift)
{
    /* what = before + the emphasised word (bold red in colour) + after */
    const char *before = "", *word = NULL, *after = "";
    switch (c->action) {
    case VPCE_ACTION_CREATE:
        before = "will be created";
        break;
    case VPCE_ACTION_UPDATE:
        before = drift ? "has changed" : "will be updated in-place";
        break;
    case VPCE_ACTION_DELETE_THEN_CREATE:
    case VPCE_ACTION_CREATE_THEN_DELETE:
        word = "replaced";
        if (reason_is(c, "replace_by_request")) {
            before = "will be ";
            after = ", as requested";
        } else if (reason_is(c, "replace_by_triggers")) {
            before = "will be ";
            after = " due to changes in replace_triggered_by";
        } else if (reason_is(c, "replace_because_tainted")) {
            before = "is tainted, so must be ";
        } else {
            before = "must be ";
        }
        break;
    case VPCE_ACTION_DELETE:
        if (drift) {
            before = "has been deleted";
        } else {
            before = "will be ";
            word = "destroyed";
        }
        break;
    case VPCE_ACTION_READ:
        before = "will be read during apply";
        break;
    case VPCE_ACTION_NOOP:
        before = c->import_id ? "will be imported" : "has no changes";
        break;
    case VPCE_ACTION_FORGET:
        before = "will no longer be managed by vpce, but will not be destroyed";
        break;
    }
    if (c->action == VPCE_ACTION_NOOP && c->previous_address && !drift) {
        txt_put(r, "  ");
        txt_color_on(r, C_BOLD);
        txt_put(r, "# ");
        txt_put(r, c->previous_address);
        txt_color_off(r);
        txt_put(r, " has moved to ");
        txt_color_on(r, C_BOLD);
        txt_put(r, c->address);
        txt_color_off(r);
        txt_put(r, "\n");
        return;
    }
    /* Terraform indents a forget's comments one column less, like its symbol */
    txt_put(r, c->action == VPCE_ACTION_FORGET ? " " : "  ");
    txt_color_on(r, C_BOLD);
    txt_put(r, "# ");
    txt_put(r, c->address);
    txt_color_off(r);
    txt_put(r, " ");
    txt_put(r, before);
    if (word) {
        txt_color_on(r, C_BOLD C_RED);
        txt_put(r, word);
        txt_color_off(r);
    }
    txt_put(r, after);
    txt_put(r, "\n");

    /* The index is only quoted in a deletion's reason. */
    char *idx = c->index && c->action == VPCE_ACTION_DELETE && !drift
                    ? json_dumps(c->index, JSON_ENCODE_ANY)
                    : NULL;
    if (c->action == VPCE_ACTION_DELETE && !drift) {
        if (reason_is(c, "delete_because_no_resource_config")) {
            char *ra = vpce_addr_resource_part(c->address ? c->address : "");
            txt_putf(r, "  # (because %s is not in configuration)\n", ra);
            free(ra);
        } else if (reason_is(c, "delete_because_no_module")) {
            char *mi = vpce_addr_module_of(c->address ? c->address : "");
            txt_putf(r, "  # (because %s is not in configuration)\n", mi);
            free(mi);
        } else if (reason_is(c, "delete_because_count_index"))
            txt_putf(r, "  # (because index [%s] is out of range for count)\n", idx ? idx : "");
        else if (reason_is(c, "delete_because_each_key"))
            txt_putf(r, "  # (because key [%s] is not in for_each map)\n", idx ? idx : "");
        else if (reason_is(c, "delete_because_wrong_repetition"))
            txt_put(r, !c->index ? "  # (because resource uses count or for_each)\n"
                       : json_is_integer(c->index)
                           ? "  # (because resource does not use count)\n"
                           : "  # (because resource does not use for_each)\n");
    } else if (c->action == VPCE_ACTION_READ) {
        if (reason_is(c, "read_because_config_unknown"))
            txt_put(r, "  # (config refers to values not yet known)\n");
        else if (reason_is(c, "read_because_dependency_pending"))
            txt_put(r, "  # (depends on a resource or a module with changes pending)\n");
    }
    free(idx);
    if (c->action == VPCE_ACTION_FORGET)
        txt_put(r, " # (destroy = false is set in the configuration)\n");
    if (c->previous_address && !drift)
        txt_putf(r, "  # (moved from %s)\n", c->previous_address);
    if (c->import_id && c->action != VPCE_ACTION_NOOP) {
        txt_putf(r, "  # (imported from \"%s\")\n", c->import_id);
        if (c->action == VPCE_ACTION_DELETE_THEN_CREATE ||
            c->action == VPCE_ACTION_CREATE_THEN_DELETE) {
            txt_put(r, "  # ");
            txt_color_on(r, C_YELLOW);
            txt_put(r, "Warning: this will destroy the imported resource");
            txt_color_off(r);
            txt_put(r, "\n");
        }
    }
}

static void render_change(rctx *r, const vpce_change *c, bool drift)
{
    render_change_comment(r, c, drift);

    r->replace_paths = c->replace_paths;
    r->sensitive = c->sensitive_paths;
    txt_prefix(r, 0, resource_act(c->action));
    txt_put(r, c->mode && strcmp(c->mode, "data") == 0 ? "data " : "resource ");
    txt_put_quoted(r, c->type ? c->type : "", c->type ? strlen(c->type) : 0);
    txt_put(r, " ");
    txt_put_quoted(r, c->name ? c->name : "", c->name ? strlen(c->name) : 0);
    txt_put(r, " {\n");
    const json_t *b = txt_is_null(c->before) ? NULL : c->before;
    const json_t *a = txt_is_null(c->after) ? NULL : c->after;
    if (c->action == VPCE_ACTION_DELETE)
        a = NULL;
    if (c->action == VPCE_ACTION_FORGET)
        a = b; /* shown as it is: nothing happens to the object */
    if (c->action == VPCE_ACTION_CREATE)
        b = NULL;
    txt_render_body(r, b, a, 1);
    txt_prefix(r, 0, A_NOOP);
    txt_put(r, "}\n");
    r->replace_paths = NULL;
    r->sensitive = NULL;
}

/* ---- outputs ----------------------------------------------------------------------------- */

static int output_act(const json_t *oc)
{
    json_t *acts = json_object_get(oc, "actions");
    const char *a0 = json_string_value(json_array_get(acts, 0));
    if (!a0 || strcmp(a0, "no-op") == 0)
        return A_NOOP;
    if (strcmp(a0, "create") == 0)
        return json_array_size(acts) > 1 ? A_UPDATE : A_CREATE;
    if (strcmp(a0, "delete") == 0)
        return json_array_size(acts) > 1 ? A_UPDATE : A_DELETE;
    return A_UPDATE;
}

static size_t count_output_changes(const vpce_plan *p)
{
    size_t n = 0;
    const char *k;
    json_t *oc;
    json_object_foreach(p->output_changes, k, oc) if (output_act(oc) != A_NOOP) n++;
    return n;
}

static void render_outputs(rctx *r, const vpce_plan *p)
{
    size_t n;
    const char **keys = txt_union_keys(p->output_changes, NULL, &n);
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = txt_display_width(keys[i]);
        width = w > width ? w : width;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *oc = json_object_get(p->output_changes, keys[i]);
        int act = output_act(oc);
        if (act == A_NOOP)
            continue;
        txt_prefix(r, 0, act);
        txt_put(r, keys[i]);
        for (size_t w = txt_display_width(keys[i]); w < width; w++)
            txt_put(r, " ");
        txt_put(r, " = ");
        bool sens = json_is_true(json_object_get(oc, "sensitive"));
        const json_t *b = json_object_get(oc, "before"), *a = json_object_get(oc, "after");
        if (sens) {
            txt_put(r, "(sensitive value)");
            if (act == A_DELETE)
                txt_put(r, " -> null");
        } else if (act == A_CREATE) {
            txt_render_whole(r, a, A_CREATE, 0, false);
        } else if (act == A_DELETE) {
            txt_render_whole(r, b, A_DELETE, 0, false);
            txt_put(r, " -> null");
        } else if (txt_is_null(b)) {
            txt_render_whole(r, a, A_CREATE, 0, false);
        } else if (txt_is_null(a)) {
            txt_render_whole(r, b, A_DELETE, 0, false);
            txt_put(r, " -> null");
        } else {
            txt_render_diff(r, b, a, 0, false);
        }
        txt_put(r, "\n");
    }
    free(keys);
}

/* ---- the whole plan ---------------------------------------------------------------------- */

static void bold_line(rctx *r, const char *s)
{
    txt_color_on(r, C_BOLD);
    txt_put(r, s);
    txt_color_off(r);
    txt_put(r, "\n");
}

static void no_changes(rctx *r, const char *rest)
{
    txt_color_on(r, C_BOLD C_GREEN);
    txt_put(r, "No changes.");
    txt_color_off(r);
    txt_color_on(r, C_BOLD);
    txt_put(r, " ");
    txt_put(r, rest);
    txt_color_off(r);
    txt_put(r, "\n\n");
}

static vpce_action action_from_json(const json_t *acts)
{
    const char *a0 = json_string_value(json_array_get(acts, 0));
    const char *a1 = json_string_value(json_array_get(acts, 1));
    if (!a0)
        return VPCE_ACTION_NOOP;
    if (strcmp(a0, "create") == 0)
        return a1 ? VPCE_ACTION_CREATE_THEN_DELETE : VPCE_ACTION_CREATE;
    if (strcmp(a0, "delete") == 0)
        return a1 ? VPCE_ACTION_DELETE_THEN_CREATE : VPCE_ACTION_DELETE;
    if (strcmp(a0, "update") == 0)
        return VPCE_ACTION_UPDATE;
    if (strcmp(a0, "read") == 0)
        return VPCE_ACTION_READ;
    return VPCE_ACTION_NOOP;
}

static void render_drift(rctx *r, const vpce_plan *p)
{
    txt_color_on(r, C_BOLD C_CYAN);
    txt_put(r, "Note:");
    txt_color_off(r);
    txt_color_on(r, C_BOLD);
    txt_put(r, " Objects have changed outside of vpce");
    txt_color_off(r);
    txt_put(r, "\n");
    txt_put(r, "\nvpce detected the following changes made outside of vpce since the last \"vpce "
               "apply\" which may have affected this plan:\n\n");
    size_t i;
    json_t *d;
    json_array_foreach(p->drift, i, d)
    {
        /* Either the JSON renderer's shape ({"change": {...}}) or the flat one refresh makes. */
        json_t *ch = json_object_get(d, "change") ? json_object_get(d, "change") : d;
        vpce_change c = {0};
        c.address = (char *)json_string_value(json_object_get(d, "address"));
        c.mode = (char *)json_string_value(json_object_get(d, "mode"));
        c.type = (char *)json_string_value(json_object_get(d, "type"));
        c.name = (char *)json_string_value(json_object_get(d, "name"));
        c.action = action_from_json(json_object_get(ch, "actions"));
        c.before = json_object_get(ch, "before");
        c.after = json_object_get(ch, "after");
        if (!c.address)
            continue;
        if (c.action == VPCE_ACTION_NOOP)
            c.action = VPCE_ACTION_UPDATE;
        /* Sensitive paths in the JSON shape: before_sensitive {"attr": true}. */
        json_t *sens = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(ch, "after_sensitive"), k, v) if (json_is_true(v))
            json_array_append_new(sens, json_string(k));
        json_object_foreach(json_object_get(ch, "before_sensitive"), k, v) if (json_is_true(v))
            json_array_append_new(sens, json_string(k));
        c.sensitive_paths = sens;
        render_change(r, &c, true);
        txt_put(r, "\n");
        json_decref(sens);
    }
    txt_put(r, "\n");
    if (p->refresh_only)
        txt_put(r,
                "This is a refresh-only plan, so vpce will not take any actions to undo these. If "
                "you were expecting these changes then you can apply this plan to record the "
                "updated values in the vpce state without changing any remote objects.\n");
    else
        txt_put(r,
                "Unless you have made equivalent changes to your configuration, or ignored the "
                "relevant attributes using ignore_changes, the following plan may include actions "
                "to undo or respond to these changes.\n");
    /* A refresh-only plan ends here; a normal one goes on to its changes after a rule. */
    if (p->refresh_only)
        return;
    txt_put(r, "\n");
    txt_color_on(r, C_GRAY);
    for (int k = 0; k < 77; k++)
        txt_put(r, "\xe2\x94\x80"); /* U+2500 BOX DRAWINGS LIGHT HORIZONTAL */
    txt_color_off(r);
    txt_put(r, "\n\n");
}

char *vpce_change_render_text(const vpce_change *c, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    render_change(&r, c, false);
    json_decref(r.path);
    txt_release(&r);
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}

char *vpce_plan_render_outputs_text(const vpce_plan *p, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    render_outputs(&r, p);
    json_decref(r.path);
    txt_release(&r);
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}

/* Text handed to the sink in pieces of about this size (vpce_plan_render_text_to). */
#define SINK_CHUNK ((size_t)64 * 1024)

/* With a sink, hands it what is rendered so far once there is a chunk of it (or when last), and
   starts the buffer again with what is left of the cap: the cap stays one on the whole text. */
static void flush(rctx *r, vpce_render_sink sink, void *ctx, int *sink_rc, bool last)
{
    vpce_buf *b = r->b;
    if (!sink || *sink_rc || r->failed || (!last && b->len < SINK_CHUNK) || !b->len)
        return;
    *sink_rc = sink(ctx, b->data, b->len);
    b->cap -= b->len;
    vpce_buf_clear(b);
}

/* The whole text plan into r (see vpce_plan_render_text), handed to sink as it goes when sink
   is not NULL. */
static void render_plan(rctx *r, const vpce_plan *p, vpce_render_sink sink, void *ctx, int *sink_rc)
{
    size_t counts[A_COUNT] = {0}, nres = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        if (!shown(p->changes[i]))
            continue;
        counts[resource_act(p->changes[i]->action)]++;
        nres++;
    }
    size_t nout = count_output_changes(p);
    bool drift = json_array_size(p->drift) > 0;

    /* Reachability findings first: what the reviewer must not miss. */
    if (p->findings) {
        char *f = vpce_render_findings_text(p->findings, r->color);
        if (!f)
            r->failed = true;
        else
            txt_put(r, f);
        free(f);
    }

    /* Drift is news only when something is planned, or when recording it is the plan. */
    if (drift && (p->refresh_only || nres > 0 || nout > 0))
        render_drift(r, p);
    if (p->refresh_only) {
        if (!drift) {
            no_changes(r, "Your infrastructure still matches the configuration.");
            txt_put(r, "vpce has checked that the real remote objects still match the result of "
                       "your most recent changes, and found no differences.\n");
        }
        goto done;
    }
    if (nres == 0 && nout == 0) {
        if (p->destroy) {
            no_changes(r, "No objects need to be destroyed.");
            txt_put(r, "Either you have not created any objects yet or the existing objects were "
                       "already deleted outside of vpce.\n");
        } else {
            no_changes(r, "Your infrastructure matches the configuration.");
            txt_put(r, "vpce has compared your real infrastructure against your configuration and "
                       "found no differences, so no changes are needed.\n");
        }
        goto done;
    }
    bool symbols = false;
    for (int k = A_CREATE; k < A_COUNT; k++)
        symbols = symbols || counts[k] > 0;
    if (nres > 0 && symbols)
        txt_put(r, "vpce used the selected providers to generate the following execution plan. "
                   "Resource actions are indicated with the following symbols:\n");
    if (nres > 0) {
        static const struct {
            int act;
            const char *text;
        } legend[] = {
            {A_CREATE, "create"},
            {A_UPDATE, "update in-place"},
            {A_DELETE, "destroy"},
            {A_DTC, "destroy and then create replacement"},
            {A_CTD, "create replacement and then destroy"},
            {A_READ, "read (data resources)"},
            {A_FORGET, "forget"},
        };
        for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++)
            if (counts[legend[i].act]) {
                txt_sym(r, legend[i].act);
                txt_put(r, legend[i].text);
                txt_put(r, "\n");
            }
        txt_put(r, symbols ? "\nvpce will perform the following actions:\n\n"
                           : "vpce will perform the following actions:\n\n");
        for (size_t i = 0; i < p->nchanges; i++) {
            if (!shown(p->changes[i]))
                continue;
            render_change(r, p->changes[i], false);
            txt_put(r, "\n");
            flush(r, sink, ctx, sink_rc, false);
        }
        int add, change, destroy;
        vpce_plan_counts(p, &add, &change, &destroy);
        txt_color_on(r, C_BOLD);
        txt_putf(r, "Plan:");
        txt_color_off(r);
        txt_putf(r, " %d to add, %d to change, %d to destroy.\n", add, change, destroy);
        vpce_plan_cost cost;
        vpce_plan_cost_estimate(p, &cost);
        char *cost_line = vpce_plan_cost_sentence(&cost);
        if (cost_line)
            txt_putf(r, "%s\n", cost_line);
        free(cost_line);
    }
    if (nout > 0) {
        txt_put(r, "\n");
        bold_line(r, "Changes to Outputs:");
        render_outputs(r, p);
        if (nres == 0)
            txt_put(r, "\nYou can apply this plan to save these new output values to the vpce "
                       "state, without changing any real infrastructure.\n");
    }
done:
    flush(r, sink, ctx, sink_rc, true);
}

char *vpce_plan_render_text(const vpce_plan *p, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    render_plan(&r, p, NULL, NULL, NULL);
    json_decref(r.path);
    txt_release(&r);
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}

int vpce_plan_render_text_to(const vpce_plan *p, bool color, vpce_render_sink sink, void *ctx)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color, .path = json_array()};
    int sink_rc = 0;
    render_plan(&r, p, sink, ctx, &sink_rc);
    json_decref(r.path);
    txt_release(&r);
    vpce_buf_release(&b);
    if (r.failed)
        return vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
    return sink_rc;
}
