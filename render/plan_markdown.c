/*
 * render/plan_markdown.c: the plan as a pull-request comment. The summary line first, then
 * destructive changes called out, a table of every change, and one collapsible block per
 * resource with its text rendering in a ```diff fence. In the fence each line's +, - or ~ symbol
 * is moved to the first column (~ written as !) so code hosts colour the lines; the rest of the
 * line keeps its place ("-/+" and "+/-" already start there).
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#define MD_CAP ((size_t)512 * 1024 * 1024)

typedef struct mctx {
    vpce_buf b;
    bool failed;
} mctx;

static void put(mctx *m, const char *s)
{
    if (vpce_buf_puts(&m->b, s) < 0)
        m->failed = true;
}

static void putn(mctx *m, const char *s, size_t n)
{
    if (vpce_buf_append(&m->b, s, n) < 0)
        m->failed = true;
}

/* Text safe inside HTML (the <summary> element). */
static void put_html(mctx *m, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            put(m, "&lt;");
            break;
        case '>':
            put(m, "&gt;");
            break;
        case '&':
            put(m, "&amp;");
            break;
        case '"':
            put(m, "&quot;");
            break;
        default:
            putn(m, s, 1);
        }
    }
}

/* An address as inline code in a table cell: backticks doubled around it when it holds one,
   pipes escaped so they do not split the cell. */
static void put_code(mctx *m, const char *s)
{
    bool tick = strchr(s, '`') != NULL;
    put(m, tick ? "`` " : "`");
    for (; *s; s++) {
        if (*s == '|')
            put(m, "\\|");
        else if (*s == '\n')
            put(m, " ");
        else
            putn(m, s, 1);
    }
    put(m, tick ? " ``" : "`");
}

/* A fence longer than any run of backticks in text. */
static size_t fence_len(const char *text)
{
    size_t best = 0, run = 0;
    for (; *text; text++) {
        run = *text == '`' ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best >= 3 ? best + 1 : 3;
}

/* Text rendering lines with their symbol moved to column 0 for diff highlighting. */
static void put_diff_lines(mctx *m, const char *text)
{
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t sp = 0;
        while (sp < len && line[sp] == ' ')
            sp++;
        char c = sp < len ? line[sp] : 0;
        bool single =
            sp > 0 && sp + 1 < len && line[sp + 1] == ' ' && (c == '+' || c == '-' || c == '~');
        if (single) {
            char s[2] = {c == '~' ? '!' : c, 0};
            put(m, s);
            putn(m, line + 1, sp - 1);
            put(m, " ");
            putn(m, line + sp + 1, len - sp - 1);
        } else {
            putn(m, line, len);
        }
        put(m, "\n");
        if (!nl)
            break;
        line = nl + 1;
    }
}

static void put_fenced(mctx *m, const char *text)
{
    size_t n = fence_len(text);
    for (size_t i = 0; i < n; i++)
        put(m, "`");
    put(m, "diff\n");
    put_diff_lines(m, text);
    for (size_t i = 0; i < n; i++)
        put(m, "`");
    put(m, "\n");
}

static const char *verb(vpce_action a)
{
    switch (a) {
    case VPCE_ACTION_CREATE:
        return "create";
    case VPCE_ACTION_UPDATE:
        return "update";
    case VPCE_ACTION_DELETE_THEN_CREATE:
        return "replace (destroy then create)";
    case VPCE_ACTION_CREATE_THEN_DELETE:
        return "replace (create then destroy)";
    case VPCE_ACTION_DELETE:
        return "destroy";
    case VPCE_ACTION_READ:
        return "read";
    case VPCE_ACTION_NOOP:
        return "no-op";
    case VPCE_ACTION_FORGET:
        return "forget";
    }
    return "?";
}

static const char *short_verb(vpce_action a)
{
    switch (a) {
    case VPCE_ACTION_DELETE_THEN_CREATE:
    case VPCE_ACTION_CREATE_THEN_DELETE:
        return "replace";
    default:
        return verb(a);
    }
}

/* As the text renderer: no-ops (but moves) and data sources leaving the state are not listed. */
static bool shown(const vpce_change *c)
{
    if (c->action == VPCE_ACTION_NOOP)
        return c->previous_address != NULL;
    return !(c->action == VPCE_ACTION_DELETE && c->mode && strcmp(c->mode, "data") == 0);
}

static bool is_replace(vpce_action a)
{
    return a == VPCE_ACTION_DELETE_THEN_CREATE || a == VPCE_ACTION_CREATE_THEN_DELETE;
}

/* Which parts of the document to write. */
typedef struct md_opts {
    bool table;             /* the per-resource table */
    bool details;           /* the per-resource <details> blocks and the outputs */
    size_t destructive_cap; /* list at most this many destructive changes (0: all) */
} md_opts;

static bool has_findings(const vpce_plan *p)
{
    return json_array_size(json_object_get(p->findings, "findings")) > 0;
}

/* One resource's collapsible block (appended to m). */
static void put_details(mctx *m, const vpce_change *c)
{
    char *text = vpce_change_render_text(c, false);
    if (!text) {
        m->failed = true;
        return;
    }
    put(m, "<details><summary>");
    put_html(m, c->address);
    put(m, " (");
    put(m, c->action == VPCE_ACTION_NOOP ? "move" : short_verb(c->action));
    put(m, ")</summary>\n\n");
    put_fenced(m, text);
    put(m, "\n</details>\n\n");
    free(text);
}

static void put_outputs(mctx *m, const char *outputs)
{
    if (*outputs) {
        put(m, "### Changes to Outputs\n\n");
        put_fenced(m, outputs);
        put(m, "\n");
    }
}

static char *finish(mctx *m)
{
    if (m->failed) {
        vpce_buf_release(&m->b);
        vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to render");
        return NULL;
    }
    /* One trailing newline. */
    while (m->b.len > 1 && m->b.data[m->b.len - 1] == '\n' && m->b.data[m->b.len - 2] == '\n')
        m->b.data[--m->b.len] = 0;
    return vpce_buf_detach(&m->b);
}

static char *render(const vpce_plan *p, const md_opts *o)
{
    mctx m = {.b = VPCE_BUF_INIT(MD_CAP)};
    int add, change, destroy;
    vpce_plan_counts(p, &add, &change, &destroy);
    size_t nres = 0;
    for (size_t i = 0; i < p->nchanges; i++)
        if (shown(p->changes[i]))
            nres++;
    char *outputs = vpce_plan_render_outputs_text(p, false);
    if (!outputs) {
        m.failed = true;
        goto done;
    }
    /* Nothing to say: one line, so a pipeline can tell at a glance and skip the comment. */
    if (nres == 0 && !*outputs && json_array_size(p->drift) == 0 && !has_findings(p)) {
        put(&m, p->refresh_only ? "No changes. Your infrastructure still matches the "
                                  "configuration.\n"
                : p->destroy    ? "No changes. No objects need to be destroyed.\n"
                                : "No changes. Your infrastructure matches the configuration.\n");
        goto done;
    }

    put(&m, p->destroy ? "## vpce plan (destroy)\n\n" : "## vpce plan\n\n");
    if (p->findings) {
        char *f = vpce_render_findings_markdown(p->findings);
        if (!f)
            m.failed = true;
        else
            put(&m, f);
        free(f);
    }
    if (json_array_size(p->drift) > 0) {
        put(&m, "**Note:** objects have changed outside of vpce:\n\n");
        size_t i;
        json_t *d;
        json_array_foreach(p->drift, i, d)
        {
            const char *addr = json_string_value(json_object_get(d, "address"));
            json_t *ch = json_object_get(d, "change") ? json_object_get(d, "change") : d;
            const char *a0 = json_string_value(json_array_get(json_object_get(ch, "actions"), 0));
            put(&m, "- ");
            put_code(&m, addr ? addr : "?");
            put(&m, a0 && strcmp(a0, "delete") == 0 ? " has been deleted\n" : " has changed\n");
        }
        put(&m, "\n");
    }
    if (nres == 0 && !*outputs) {
        put(&m, p->refresh_only ? "No changes. Your infrastructure still matches the "
                                  "configuration.\n"
                                : "No changes. Your infrastructure matches the configuration.\n");
        goto done;
    }
    if (nres > 0) {
        char *line = vpce_asprintf("**Plan: %d to add, %d to change, %d to destroy.**\n\n", add,
                                   change, destroy);
        put(&m, line);
        free(line);
        vpce_plan_cost cost;
        vpce_plan_cost_estimate(p, &cost);
        char *cost_line = vpce_plan_cost_sentence(&cost);
        if (cost_line) {
            put(&m, cost_line);
            put(&m, "\n\n");
        }
        free(cost_line);
    } else {
        put(&m, "**No resource changes**: only output values change.\n\n");
    }

    size_t ndestructive = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        vpce_action a = p->changes[i]->action;
        if (!shown(p->changes[i]) || (a != VPCE_ACTION_DELETE && !is_replace(a)))
            continue;
        if (!ndestructive)
            put(&m, "### ⚠️ Destructive changes\n\n");
        if (o->destructive_cap && ndestructive >= o->destructive_cap) {
            ndestructive++;
            continue;
        }
        ndestructive++;
        put(&m, "- ");
        put_code(&m, p->changes[i]->address);
        put(&m, is_replace(a) ? " will be **replaced**" : " will be **destroyed**");
        if (p->changes[i]->reason && strcmp(p->changes[i]->reason, "replace_by_request") == 0)
            put(&m, ", as requested");
        if (p->changes[i]->reason && strcmp(p->changes[i]->reason, "replace_by_triggers") == 0)
            put(&m, " due to changes in replace_triggered_by");
        put(&m, "\n");
    }
    if (o->destructive_cap && ndestructive > o->destructive_cap) {
        char *more = vpce_asprintf("- … and %zu more (see `vpce show -markdown` of the saved "
                                   "plan, or the parts of `-markdown-split`)\n",
                                   ndestructive - o->destructive_cap);
        put(&m, more);
        free(more);
    }
    if (ndestructive)
        put(&m, "\n");

    if (nres > 0 && o->table) {
        /* The table groups changes by action, most dangerous first. */
        static const vpce_action order[] = {
            VPCE_ACTION_DELETE,
            VPCE_ACTION_DELETE_THEN_CREATE,
            VPCE_ACTION_CREATE_THEN_DELETE,
            VPCE_ACTION_UPDATE,
            VPCE_ACTION_CREATE,
            VPCE_ACTION_READ,
            VPCE_ACTION_FORGET,
            VPCE_ACTION_NOOP,
        };
        put(&m, "| Action | Resource |\n| --- | --- |\n");
        for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
            for (size_t i = 0; i < p->nchanges; i++) {
                if (p->changes[i]->action != order[k] || !shown(p->changes[i]))
                    continue;
                put(&m, "| ");
                put(&m, order[k] == VPCE_ACTION_NOOP ? "move" : verb(order[k]));
                put(&m, " | ");
                put_code(&m, p->changes[i]->address);
                if (p->changes[i]->previous_address) {
                    put(&m, " (moved from ");
                    put_code(&m, p->changes[i]->previous_address);
                    put(&m, ")");
                }
                put(&m, " |\n");
            }
        put(&m, "\n");
    }
    if (o->details) {
        for (size_t i = 0; i < p->nchanges && !m.failed; i++)
            if (shown(p->changes[i]))
                put_details(&m, p->changes[i]);
        put_outputs(&m, outputs);
    }
done:
    free(outputs);
    return finish(&m);
}

char *vpce_plan_render_markdown(const vpce_plan *p)
{
    md_opts o = {.table = true, .details = true};
    return render(p, &o);
}

/* Appends part to the vector of parts (steals it). */
static void add_part(vpce_vec *parts, char *part)
{
    vpce_vec_push(parts, part);
}

/* A part of the details: its heading and the blocks (new string). */
static char *details_part(const vpce_plan *p, size_t k, const char *body)
{
    return vpce_asprintf("## vpce plan%s: details, part %zu\n\n%s", p->destroy ? " (destroy)" : "",
                         k, body);
}

char **vpce_plan_render_markdown_parts(const vpce_plan *p, size_t max, size_t *n)
{
    vpce_vec parts = VPCE_VEC_INIT;
    char *full = vpce_plan_render_markdown(p);
    *n = 0;
    if (!full)
        return NULL;
    if (max == 0 || strlen(full) <= max) {
        add_part(&parts, full);
        goto out;
    }
    free(full);
    /* The summary: everything but the details, then without the table, then with the
       destructive list cut, until it fits. */
    static const md_opts tries[] = {
        {.table = true, .details = false},
        {.table = false, .details = false},
        {.table = false, .details = false, .destructive_cap = 50},
        {.table = false, .details = false, .destructive_cap = 5},
    };
    const char *note = "\n\n> The whole plan is longer than one comment can hold: per-resource "
                       "details follow in the next parts (`vpce plan -markdown-split`), and "
                       "`vpce show -markdown PLANFILE` prints it all.\n";
    char *summary = NULL;
    for (size_t t = 0; t < sizeof(tries) / sizeof(tries[0]); t++) {
        char *s = render(p, &tries[t]);
        if (!s)
            goto fail;
        char *with = vpce_asprintf("%s%s", s, note);
        free(s);
        free(summary);
        summary = with;
        if (strlen(summary) <= max)
            break;
    }
    if (strlen(summary) > max) {
        /* Even the shortest summary is too long for max: cut it (a tiny max only). */
        summary[max] = 0;
    }
    add_part(&parts, summary);

    /* The details: whole blocks packed into parts; a block larger than a part is cut. */
    vpce_buf cur = VPCE_BUF_INIT(MD_CAP);
    size_t k = 2;
    size_t overhead = strlen("## vpce plan (destroy): details, part 99999\n\n");
    size_t room = max > overhead + 64 ? max - overhead : 64;
    for (size_t i = 0; i <= p->nchanges; i++) {
        mctx m = {.b = VPCE_BUF_INIT(MD_CAP)};
        if (i < p->nchanges) {
            if (!shown(p->changes[i]))
                continue;
            put_details(&m, p->changes[i]);
        } else {
            char *outputs = vpce_plan_render_outputs_text(p, false);
            if (outputs)
                put_outputs(&m, outputs);
            else
                m.failed = true;
            free(outputs);
        }
        if (m.failed) {
            vpce_buf_release(&m.b);
            vpce_buf_release(&cur);
            goto fail;
        }
        if (m.b.len > room) {
            static const char cut[] = "\n… (cut: too long for one comment)\n```\n</details>\n\n";
            size_t keep = room > sizeof(cut) ? room - sizeof(cut) : 0;
            while (keep > 0 && ((unsigned char)m.b.data[keep] & 0xC0) == 0x80)
                keep--; /* never split a UTF-8 sequence */
            m.b.len = keep;
            m.b.data[keep] = 0;
            vpce_buf_puts(&m.b, cut);
        }
        if (cur.len + m.b.len > room && cur.len > 0) {
            add_part(&parts, details_part(p, k++, cur.data));
            cur.len = 0;
            cur.data[0] = 0;
        }
        vpce_buf_append(&cur, m.b.data ? m.b.data : "", m.b.len);
        vpce_buf_release(&m.b);
    }
    if (cur.len > 0)
        add_part(&parts, details_part(p, k, cur.data));
    vpce_buf_release(&cur);
out:
    *n = parts.len;
    vpce_vec_push(&parts, NULL);
    return (char **)parts.items;
fail:
    for (size_t i = 0; i < parts.len; i++)
        free(parts.items[i]);
    vpce_vec_release(&parts);
    return NULL;
}
