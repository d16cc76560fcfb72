/*
 * config/refs.c: the configuration's reference graph (vpce_config_graph). Every expression of
 * the configuration is walked for references; each must name a declared variable, local value,
 * resource or data source (else a diagnostic with a suggestion), each.* and count.index must be
 * used where for_each or count is set, and the references become the graph's edges. Cycles are
 * reported naming every member.
 */
#include "lang/lang.h"
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

typedef struct walker {
    const vpce_config *c;
    vpce_graph *g;
    vpce_diags *diags;
    size_t from;            /* the node whose expressions are walked */
    bool has_count;         /* count.index allowed */
    bool has_each;          /* each.* allowed */
    bool self_ok;           /* self allowed (postconditions) */
    const char **iterators; /* dynamic block iterator names in scope */
    size_t niterators;
    vpce_vec var_names, local_names, res_addrs, data_addrs; /* for suggestions */
    const vpce_cfg_resource *scoped; /* a check block's data source, visible in the check */
} walker;

static void suggest_error(walker *w, vpce_range range, const char *name, const vpce_vec *cands,
                          const char *fmt_summary)
{
    const char *s = vpce_suggest(name, (const char *const *)cands->items, cands->len);
    char *hint = s ? vpce_asprintf("did you mean \"%s\"?", s) : NULL;
    vpce_diags_add(w->diags, VPCE_DIAG_ERROR, range, hint, fmt_summary, name);
    free(hint);
}

static void edge(walker *w, const char *name)
{
    size_t to;
    if (w->from != (size_t)-1 && vpce_graph_find(w->g, name, &to))
        vpce_graph_depend(w->g, w->from, to);
}

static void visit(const char *root, const char *attr, const char *attr2, vpce_range range, void *ud)
{
    walker *w = ud;
    for (size_t i = 0; i < w->niterators; i++)
        if (strcmp(w->iterators[i], root) == 0)
            return;
    if (strcmp(root, "path") == 0 || strcmp(root, "terraform") == 0)
        return;
    if (strcmp(root, "self") == 0) {
        if (!w->self_ok)
            vpce_diags_error(w->diags, range,
                             "the \"self\" object is available only in a resource's or data "
                             "source's postconditions",
                             "invalid \"self\" reference");
        return;
    }
    if (strcmp(root, "each") == 0) {
        if (!w->has_each)
            vpce_diags_error(w->diags, range,
                             "each.key and each.value can be used only in a resource or data "
                             "block that sets for_each",
                             "reference to \"each\" without for_each");
        return;
    }
    if (strcmp(root, "count") == 0) {
        if (!w->has_count)
            vpce_diags_error(w->diags, range,
                             "count.index can be used only in a resource or data block that "
                             "sets count",
                             "reference to \"count\" without count");
        return;
    }
    if (!attr) {
        vpce_diags_error(w->diags, range,
                         strcmp(root, "var") == 0 || strcmp(root, "local") == 0 ||
                                 strcmp(root, "data") == 0
                             ? "a name must follow, such as var.region"
                             : "a reference to a resource type must be followed by the "
                               "resource name, such as aws_vpc.main",
                         "invalid reference \"%s\"", root);
        return;
    }
    if (strcmp(root, "var") == 0 || strcmp(root, "local") == 0) {
        bool is_var = root[0] == 'v';
        char *name = vpce_asprintf("%s.%s", is_var ? "var" : "local", attr);
        size_t idx;
        if (vpce_graph_find(w->g, name, &idx)) {
            if (w->from != (size_t)-1)
                vpce_graph_depend(w->g, w->from, idx);
        } else if (is_var)
            suggest_error(w, range, attr, &w->var_names,
                          "reference to undeclared input variable \"%s\"");
        else
            suggest_error(w, range, attr, &w->local_names,
                          "reference to undeclared local value \"%s\"");
        free(name);
        return;
    }
    if (strcmp(root, "data") == 0) {
        if (!attr2) {
            vpce_diags_error(w->diags, range, "a data source reference is data.TYPE.NAME",
                             "invalid reference \"data.%s\"", attr);
            return;
        }
        char *addr = vpce_asprintf("data.%s.%s", attr, attr2);
        if (w->scoped && strcmp(w->scoped->addr, addr) == 0)
            ; /* the check's own data source: not a node of the graph */
        else if (vpce_config_resource(w->c, addr))
            edge(w, addr);
        else
            suggest_error(w, range, addr, &w->data_addrs,
                          "reference to undeclared data source \"%s\"");
        free(addr);
        return;
    }
    char *addr = vpce_asprintf("%s.%s", root, attr);
    const vpce_cfg_resource *r = vpce_config_resource(w->c, addr);
    if (r) {
        edge(w, addr);
        /* With a single instance the next step is an attribute: check it against the schema
           (with count or for_each it is an instance key). */
        if (attr2 && r->rtype && !r->count && !r->for_each &&
            !vpce_schema_attr(r->rtype->schema, attr2) &&
            !vpce_schema_block(r->rtype->schema, attr2)) {
            vpce_vec names = VPCE_VEC_INIT;
            for (const vpce_attr_schema *a = r->rtype->schema->attrs; a && a->name; a++)
                vpce_vec_push(&names, (void *)a->name);
            const char *sug = vpce_suggest(attr2, (const char *const *)names.items, names.len);
            char *detail = sug ? vpce_asprintf("%s has no attribute \"%s\"; did you mean "
                                               "\"%s\"?",
                                               r->type, attr2, sug)
                               : vpce_asprintf("%s has no attribute \"%s\"", r->type, attr2);
            vpce_diags_error(w->diags, range, detail, "unsupported attribute \"%s\"", attr2);
            free(detail);
            vpce_vec_release(&names);
        }
    } else
        suggest_error(w, range, addr, &w->res_addrs, "reference to undeclared resource \"%s\"");
    free(addr);
}

static void walk_expr(walker *w, const vpce_ast_expr *e)
{
    if (e)
        vpce_expr_walk_refs(e, visit, w);
}

static void walk_conditions(walker *w, const vpce_cfg_validation *conds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        walk_expr(w, conds[i].condition);
        walk_expr(w, conds[i].error_message);
    }
}

static const char *iterator_name(const vpce_ast_block *b)
{
    for (size_t i = 0; i < b->body->nattrs; i++)
        if (strcmp(b->body->attrs[i]->name, "iterator") == 0 &&
            b->body->attrs[i]->expr->kind == VPCE_EXPR_VAR)
            return b->body->attrs[i]->expr->u.var.name;
    return b->nlabels ? b->labels[0] : "";
}

/* Walks a resource or provider body; top skips the meta-arguments handled by the caller. */
static void walk_body(walker *w, const vpce_ast_body *body, bool top)
{
    for (size_t i = 0; i < body->nattrs; i++) {
        const char *n = body->attrs[i]->name;
        if (top && (strcmp(n, "count") == 0 || strcmp(n, "for_each") == 0 ||
                    strcmp(n, "depends_on") == 0 || strcmp(n, "provider") == 0))
            continue;
        walk_expr(w, body->attrs[i]->expr);
    }
    for (size_t i = 0; i < body->nblocks; i++) {
        const vpce_ast_block *b = body->blocks[i];
        if (top && (strcmp(b->type, "lifecycle") == 0 || strcmp(b->type, "vpce_checks") == 0))
            continue;
        if (strcmp(b->type, "dynamic") != 0) {
            walk_body(w, b->body, false);
            continue;
        }
        for (size_t k = 0; k < b->body->nattrs; k++)
            if (strcmp(b->body->attrs[k]->name, "iterator") != 0)
                walk_expr(w, b->body->attrs[k]->expr);
        w->iterators = vpce_realloc(w->iterators, (w->niterators + 1) * sizeof(char *));
        w->iterators[w->niterators++] = iterator_name(b);
        for (size_t k = 0; k < b->body->nblocks; k++)
            walk_body(w, b->body->blocks[k]->body, false);
        w->niterators--;
    }
}

typedef struct probe {
    const char *name;
    bool *found;
} probe;

/* Notes whether a validation condition mentions var.<name>. */
static void probe_visit(const char *root, const char *attr, const char *attr2, vpce_range range,
                        void *ud)
{
    probe *p = ud;
    (void)attr2;
    (void)range;
    if (strcmp(root, "var") == 0 && attr && strcmp(attr, p->name) == 0)
        *p->found = true;
}

/* Reports any reference in an expression that must be constant (a variable's default). */
static void no_refs_visit(const char *root, const char *attr, const char *attr2, vpce_range range,
                          void *ud)
{
    (void)attr;
    (void)attr2;
    vpce_diags_error(ud, range, "a default value must be a constant",
                     "reference to \"%s\" in a variable's default", root);
}

static vpce_range node_range(const vpce_graph *g, size_t i, const vpce_config *c)
{
    const char *name = vpce_graph_name(g, i);
    void *data = vpce_graph_data(g, i);
    vpce_range none = {NULL, 0, 0};
    if (strncmp(name, "var.", 4) == 0)
        return ((vpce_cfg_variable *)data)->range;
    if (strncmp(name, "local.", 6) == 0)
        return ((vpce_cfg_local *)data)->range;
    if (strncmp(name, "output.", 7) == 0)
        return ((vpce_cfg_output *)data)->range;
    if (strncmp(name, "provider.", 9) == 0)
        return ((vpce_cfg_provider *)data)->range;
    (void)c;
    return data ? ((vpce_cfg_resource *)data)->range : none;
}

int vpce_config_graph(vpce_graph **out, const vpce_config *c, vpce_diags *diags)
{
    size_t errors_before = diags->nerrors;
    vpce_graph *g = vpce_graph_new();
    walker w = {.c = c, .g = g, .diags = diags};
    char *name;

    for (size_t i = 0; i < c->variables.len; i++) {
        vpce_cfg_variable *v = c->variables.items[i];
        name = vpce_asprintf("var.%s", v->name);
        vpce_graph_add(g, name, v);
        free(name);
        vpce_vec_push(&w.var_names, v->name);
    }
    for (size_t i = 0; i < c->locals.len; i++) {
        vpce_cfg_local *l = c->locals.items[i];
        name = vpce_asprintf("local.%s", l->name);
        vpce_graph_add(g, name, l);
        free(name);
        vpce_vec_push(&w.local_names, l->name);
    }
    for (size_t i = 0; i < c->providers.len; i++) {
        vpce_cfg_provider *p = c->providers.items[i];
        name = p->alias ? vpce_asprintf("provider.%s.%s", p->name, p->alias)
                        : vpce_asprintf("provider.%s", p->name);
        vpce_graph_add(g, name, p);
        free(name);
    }
    for (size_t i = 0; i < c->resources.len; i++) {
        vpce_cfg_resource *r = c->resources.items[i];
        vpce_graph_add(g, r->addr, r);
        vpce_vec_push(r->mode == VPCE_MODE_DATA ? &w.data_addrs : &w.res_addrs, r->addr);
    }
    for (size_t i = 0; i < c->outputs.len; i++) {
        vpce_cfg_output *o = c->outputs.items[i];
        name = vpce_asprintf("output.%s", o->name);
        vpce_graph_add(g, name, o);
        free(name);
    }

    for (size_t i = 0; i < c->variables.len; i++) {
        vpce_cfg_variable *v = c->variables.items[i];
        name = vpce_asprintf("var.%s", v->name);
        vpce_graph_find(g, name, &w.from);
        free(name);
        /* A default is a constant; validation conditions may only use the variable itself. */
        if (v->default_expr)
            vpce_expr_walk_refs(v->default_expr, no_refs_visit, diags);
        for (size_t k = 0; k < v->nvalidations; k++) {
            bool mentions = false;
            vpce_cfg_validation *val = &v->validations[k];
            probe pr = {v->name, &mentions};
            vpce_expr_walk_refs(val->condition, probe_visit, &pr);
            if (!mentions) {
                char *detail = vpce_asprintf("the condition for variable \"%s\" must refer to "
                                             "var.%s in order to test incoming values",
                                             v->name, v->name);
                vpce_diags_error(diags, val->condition->range, detail,
                                 "invalid variable validation condition");
                free(detail);
            }
        }
    }
    for (size_t i = 0; i < c->locals.len; i++) {
        vpce_cfg_local *l = c->locals.items[i];
        name = vpce_asprintf("local.%s", l->name);
        vpce_graph_find(g, name, &w.from);
        free(name);
        w.has_count = w.has_each = false;
        walk_expr(&w, l->expr);
    }
    for (size_t i = 0; i < c->providers.len; i++) {
        vpce_cfg_provider *p = c->providers.items[i];
        name = p->alias ? vpce_asprintf("provider.%s.%s", p->name, p->alias)
                        : vpce_asprintf("provider.%s", p->name);
        vpce_graph_find(g, name, &w.from);
        free(name);
        w.has_count = w.has_each = false;
        walk_body(&w, p->body, true);
    }
    for (size_t i = 0; i < c->resources.len; i++) {
        vpce_cfg_resource *r = c->resources.items[i];
        vpce_graph_find(g, r->addr, &w.from);
        w.has_count = w.has_each = false;
        walk_expr(&w, r->count);
        walk_expr(&w, r->for_each);
        for (size_t k = 0; k < r->ndepends_on; k++)
            walk_expr(&w, r->depends_on[k]);
        w.has_count = r->count != NULL;
        w.has_each = r->for_each != NULL;
        walk_body(&w, r->body, true);
        walk_conditions(&w, r->preconditions, r->npreconditions);
        w.self_ok = true;
        walk_conditions(&w, r->postconditions, r->npostconditions);
        w.self_ok = false;
        for (size_t k = 0; k < r->nreplace_triggered_by; k++)
            walk_expr(&w, r->replace_triggered_by[k]);
        name = vpce_asprintf("provider.%s", r->provider_ref);
        edge(&w, name);
        free(name);
    }
    for (size_t i = 0; i < c->outputs.len; i++) {
        vpce_cfg_output *o = c->outputs.items[i];
        name = vpce_asprintf("output.%s", o->name);
        vpce_graph_find(g, name, &w.from);
        free(name);
        w.has_count = w.has_each = false;
        walk_expr(&w, o->value);
        for (size_t k = 0; k < o->ndepends_on; k++)
            walk_expr(&w, o->depends_on[k]);
        walk_conditions(&w, o->preconditions, o->npreconditions);
    }

    /* check blocks: evaluated after everything else, so they are not nodes of the graph. */
    for (size_t i = 0; i < c->checks.len; i++) {
        const vpce_cfg_check *ck = c->checks.items[i];
        w.from = (size_t)-1;
        w.has_count = w.has_each = false;
        if (ck->data)
            walk_body(&w, ck->data->body, true);
        w.scoped = ck->data;
        walk_conditions(&w, ck->asserts, ck->nasserts);
        w.scoped = NULL;
    }
    /* import blocks: the target must be a managed resource of the configuration. */
    for (size_t i = 0; i < c->imports.len; i++) {
        const vpce_cfg_import *im = c->imports.items[i];
        size_t n = strcspn(im->to, "[");
        char *base = vpce_strndup(im->to, n);
        const vpce_cfg_resource *r = vpce_config_resource(c, base);
        if (!r || r->mode != VPCE_MODE_MANAGED) {
            const char *sug =
                vpce_suggest(base, (const char *const *)w.res_addrs.items, w.res_addrs.len);
            char *hint = sug ? vpce_asprintf("did you mean \"%s\"?", sug)
                             : vpce_strdup("every import target needs a resource block");
            vpce_diags_error(diags, im->to_expr->range, hint,
                             "configuration for import target \"%s\" does not exist", im->to);
            free(hint);
        }
        free(base);
        w.has_count = w.has_each = false;
        w.from = (size_t)-1;
        if (im->id)
            vpce_expr_walk_refs(im->id, visit, &w);
    }

    size_t *order = NULL;
    json_t *cycles = NULL;
    if (vpce_graph_topo(g, &order, &cycles) != 0) {
        size_t ci;
        json_t *cyc;
        json_array_foreach(cycles, ci, cyc)
        {
            vpce_buf members = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
            vpce_buf detail = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
            vpce_range first = {NULL, 0, 0};
            size_t k;
            json_t *m;
            vpce_buf_puts(&detail, "these objects refer to each other:");
            json_array_foreach(cyc, k, m)
            {
                size_t idx;
                vpce_graph_find(g, json_string_value(m), &idx);
                vpce_range r = node_range(g, idx, c);
                if (k == 0)
                    first = r;
                vpce_buf_printf(&members, "%s%s", k ? ", " : "", json_string_value(m));
                if (r.src) {
                    int line, col;
                    vpce_source_pos(r.src, r.start, &line, &col);
                    vpce_buf_printf(&detail, "\n  %s (%s:%d)", json_string_value(m), r.src->name,
                                    line);
                }
            }
            vpce_diags_error(diags, first, vpce_buf_cstr(&detail), "cycle: %s",
                             vpce_buf_cstr(&members));
            vpce_buf_release(&members);
            vpce_buf_release(&detail);
        }
        json_decref(cycles);
    }
    free(order);
    free(w.iterators);
    vpce_vec_release(&w.var_names);
    vpce_vec_release(&w.local_names);
    vpce_vec_release(&w.res_addrs);
    vpce_vec_release(&w.data_addrs);
    *out = g;
    return diags->nerrors > errors_before ? VPCE_EINVALID : 0;
}
