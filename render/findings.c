/*
 * render/findings.c: the reachability findings a plan carries (vpce_plan.findings, the shape of
 * analysis/analysis.h's vpce_findings_to_json) as text and as Markdown, for the top of a plan
 * and for `vpce check`. The document may come from a plan file: every field is read
 * defensively, and entries of the wrong shape are left out.
 */
#include "render/text.h"

#include <stdlib.h>
#include <string.h>

static const char *field(const json_t *f, const char *key)
{
    const char *s = json_string_value(json_object_get(f, key));
    return s ? s : NULL;
}

static bool usable(const json_t *f)
{
    return json_is_object(f) && field(f, "rule") && field(f, "endpoint") && field(f, "summary") &&
           field(f, "severity");
}

static void counts(const json_t *findings, int *errors, int *warnings)
{
    *errors = *warnings = 0;
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(findings, "findings"), i, f)
    {
        if (usable(f))
            strcmp(field(f, "severity"), "error") == 0 ? (*errors)++ : (*warnings)++;
    }
}

static char *headline(int errors, int warnings)
{
    return vpce_asprintf("%d error%s, %d warning%s", errors, errors == 1 ? "" : "s", warnings,
                         warnings == 1 ? "" : "s");
}

char *vpce_render_findings_text(const json_t *findings, bool color)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    rctx r = {.b = &b, .color = color};
    int errors, warnings;
    counts(findings, &errors, &warnings);
    if (errors + warnings == 0)
        return vpce_strdup("");
    char *head = headline(errors, warnings);
    txt_color_on(&r, C_BOLD);
    txt_putf(&r, "Reachability: %s", head);
    txt_color_off(&r);
    txt_put(&r, "\n\n");
    free(head);
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(findings, "findings"), i, f)
    {
        if (!usable(f))
            continue;
        bool err = strcmp(field(f, "severity"), "error") == 0;
        txt_color_on(&r, err ? C_RED : C_YELLOW);
        txt_color_on(&r, C_BOLD);
        txt_put(&r, err ? "Error" : "Warning");
        txt_color_off(&r);
        txt_putf(&r, ": %s: %s [%s]\n", field(f, "endpoint"), field(f, "summary"),
                 field(f, "rule"));
        if (field(f, "blocking") || field(f, "detail")) {
            txt_put(&r, "  in the way: ");
            txt_put(&r, field(f, "blocking") ? field(f, "blocking") : "");
            if (field(f, "blocking") && field(f, "detail"))
                txt_put(&r, ": ");
            txt_put(&r, field(f, "detail") ? field(f, "detail") : "");
            txt_put(&r, "\n");
        }
        if (field(f, "fix"))
            txt_putf(&r, "  fix: %s\n", field(f, "fix"));
        txt_put(&r, "\n");
    }
    if (r.failed) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the findings are too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}

/* Inline code for Markdown: backticks doubled when s holds one. */
static void md_code(vpce_buf *b, const char *s)
{
    bool tick = strchr(s, '`') != NULL;
    vpce_buf_puts(b, tick ? "`` " : "`");
    for (; *s; s++)
        vpce_buf_append(b, *s == '\n' ? " " : s, 1);
    vpce_buf_puts(b, tick ? " ``" : "`");
}

/* Text for Markdown: characters that would start HTML or emphasis are escaped. */
static void md_text(vpce_buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*<>[]|", *s))
            vpce_buf_putc(b, '\\');
        vpce_buf_append(b, *s == '\n' ? " " : s, 1);
    }
}

char *vpce_render_findings_markdown(const json_t *findings)
{
    vpce_buf b = VPCE_BUF_INIT(TEXT_CAP);
    int errors, warnings;
    counts(findings, &errors, &warnings);
    if (errors + warnings == 0)
        return vpce_strdup("");
    char *head = headline(errors, warnings);
    vpce_buf_printf(&b, "### %s Reachability: %s\n\n", errors ? "❌" : "⚠️", head);
    free(head);
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(findings, "findings"), i, f)
    {
        if (!usable(f))
            continue;
        bool err = strcmp(field(f, "severity"), "error") == 0;
        vpce_buf_puts(&b, err ? "- **error** " : "- **warning** ");
        md_code(&b, field(f, "endpoint"));
        vpce_buf_puts(&b, ": ");
        md_text(&b, field(f, "summary"));
        vpce_buf_puts(&b, " (");
        md_code(&b, field(f, "rule"));
        vpce_buf_puts(&b, ")\n");
        if (field(f, "blocking") || field(f, "detail")) {
            vpce_buf_puts(&b, "  - in the way: ");
            if (field(f, "blocking"))
                md_code(&b, field(f, "blocking"));
            if (field(f, "blocking") && field(f, "detail"))
                vpce_buf_puts(&b, ": ");
            if (field(f, "detail"))
                md_text(&b, field(f, "detail"));
            vpce_buf_puts(&b, "\n");
        }
        if (field(f, "fix")) {
            vpce_buf_puts(&b, "  - fix: ");
            md_text(&b, field(f, "fix"));
            vpce_buf_puts(&b, "\n");
        }
    }
    if (vpce_buf_puts(&b, "\n") < 0) {
        vpce_buf_release(&b);
        vpce_error_setc(VPCE_ETOOBIG, "the findings are too large to render");
        return NULL;
    }
    return vpce_buf_detach(&b);
}
