/*
 * render: plans and state as people and programs read them. Text as Terraform prints it (with
 * or without colour), the JSON plan (docs/plan-json.md), Markdown for pull requests, and state
 * in HCL syntax or JSON.
 *
 * Each function reads a plan (planner/planner.h) or a state document (its shape is in
 * planner/planner.h) and writes bytes; none calls a provider, opens the state or prints. It may
 * call planner/ for the plan types and the cost estimate, lang/ for value formatting, and util/.
 */
#ifndef VPCE_RENDER_H
#define VPCE_RENDER_H

#include "planner/planner.h"

/* ---- plans ---------------------------------------------------------------------------------- */

/*
 * The plan as Terraform prints it: legend, one block per changed resource, the "Plan:" summary
 * line, output changes, the drift note. ANSI colours only when color is true. Caller frees.
 * The renderers below return NULL (VPCE_ETOOBIG, message set) only past a 512 MiB output cap.
 */
char *vpce_plan_render_text(const vpce_plan *p, bool color);
/* Receives rendered text: len bytes at text, in order. Non-zero stops the text there. */
typedef int (*vpce_render_sink)(void *ctx, const char *text, size_t len);
/*
 * The same text as vpce_plan_render_text, handed to sink in pieces (of about 64 KiB, cut
 * between resources) as it is rendered, so that a large plan is never held whole. Returns 0,
 * the sink's first non-zero return, or VPCE_ETOOBIG (message set) past the cap; then the text
 * handed over so far is incomplete.
 */
int vpce_plan_render_text_to(const vpce_plan *p, bool color, vpce_render_sink sink, void *ctx);
/* One change as the text renderer prints it ("  # addr will be created" and its block). Caller
 * frees. */
char *vpce_change_render_text(const vpce_change *c, bool color);
/* The output changes section ("  + name = value" lines only), "" when none. Caller frees. */
char *vpce_plan_render_outputs_text(const vpce_plan *p, bool color);
/* The machine-readable plan, format documented in docs/plan-json.md. Caller frees. */
char *vpce_plan_render_json(const vpce_plan *p);
/* A Markdown summary for a pull-request comment: the reachability findings and the cost first,
 * the destructive changes, a table of every change and a collapsible block per resource. A plan
 * with no changes, drift or findings is the one line "No changes. ...". Caller frees. */
char *vpce_plan_render_markdown(const vpce_plan *p);

/* GitHub's limit on the body of a pull-request comment, in characters. */
#define VPCE_MARKDOWN_COMMENT_MAX 65536
/*
 * The Markdown plan in parts of at most max bytes each (bytes, so never more characters):
 * when the whole fits (or max is 0) one part, the whole. Otherwise part 1 is the summary (the
 * findings, the cost, the destructive changes, the table when it fits, a note that details
 * follow), and the next parts hold the per-resource blocks in order, whole blocks per part (a
 * block longer than a part is cut). A NULL-terminated array of *n strings; the caller frees
 * each and the array. NULL with the message set past the output cap.
 */
char **vpce_plan_render_markdown_parts(const vpce_plan *p, size_t max, size_t *n);

/* ---- reachability findings (render/findings.c) ------------------------------------------------
 */

/*
 * The reachability findings of a plan (vpce_plan.findings: the shape of analysis/analysis.h's
 * vpce_findings_to_json) as the text plan prints them at its top: "Reachability: 1 error, 0
 * warnings", then per finding "Error: ENDPOINT: SUMMARY [RULE]" with "  in the way:" and "  fix:"
 * lines. "" when there are none. Entries of the wrong shape (from a hostile plan file) are left
 * out. Caller frees; NULL only past the output cap.
 */
char *vpce_render_findings_text(const json_t *findings, bool color);
/* The same as Markdown: a "### Reachability" heading and one list item per finding. */
char *vpce_render_findings_markdown(const json_t *findings);

/* ---- state ---------------------------------------------------------------------------------- */

/*
 * Appends a value in HCL syntax as `vpce state show` and `vpce output` print it: strings quoted
 * (multi-line ones as <<-EOT heredocs, JSON documents as jsonencode(...)), lists and objects one
 * element per line; lines after the first are indented by (indent + 1) * width spaces for
 * nested elements and indent * width for the closing bracket. Object keys are sorted and their
 * `=` aligned. The unknown sentinel prints as (known after apply).
 */
int vpce_render_value(vpce_buf *out, const json_t *value, int indent, int width);
/*
 * Appends one resource (document shape) as Terraform's `state show` does:
 *   # aws_vpc.main:
 *   resource "aws_vpc" "main" {
 *       cidr_block = "10.0.0.0/16"
 *       tags       = {
 *           "Name" = "main"
 *       }
 *   }
 * null attributes are left out; attributes named in sensitive_attributes print as
 * (sensitive value).
 */
int vpce_render_state_resource(vpce_buf *out, const json_t *resource);
/* Appends the "Lock Info:" block for a holder object from state/state.h's vpce_state_lock(). */
int vpce_render_lock_info(vpce_buf *out, const json_t *holder, const char *path);

/* The state document doc (borrowed) in the shape of Terraform's `show -json` state
 * representation: format_version, vpce_version, serial, lineage, values.outputs and
 * values.root_module.resources. New reference. */
json_t *vpce_render_state_json(const json_t *doc);

#endif
