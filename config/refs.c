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
    const vpce_config *c; /* the module whose expressions are walked */
    vpce_graph *g;
    bool in_depends_on; /* module.NAME in depends_on means every resource of the module */
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

/* An edge to name in the walked module ("var.x" -> "module.a.var.x"). */
static void local_edge(walker *w, const char *name)
{
    char *full = vpce_asprintf("%s%s", w->c->prefix, name);
    edge(w, full);
    free(full);
}

/* Edges to every resource of module m and of the modules it calls. */
static void module_resource_edges(walker *w, const vpce_config *m)
{
    for (size_t i = 0; i < m->resources.len; i++)
        edge(w, ((vpce_cfg_resource *)m->resources.items[i])->path_addr);
    for (size_t i = 0; i < m->module_calls.len; i++) {
        const vpce_cfg_module_call *call = m->module_calls.items[i];
        if (call->child)
            module_resource_edges(w, call->child);
    }
}

/* module.NAME[.OUTPUT]: edges to the module's outputs (the one named when it is static). */
static void visit_module(walker *w, const char *attr, const char *attr2, vpce_range range)
{
    const vpce_cfg_module_call *call = NULL;
    vpce_vec names = VPCE_VEC_INIT;
    for (size_t i = 0; i < w->c->module_calls.len; i++) {
        const vpce_cfg_module_call *m = w->c->module_calls.items[i];
        vpce_vec_push(&names, m->name);
        if (strcmp(m->name, attr) == 0)
            call = m;
    }
    if (!call) {
        suggest_error(w, range, attr, &names, "reference to undeclared module \"%s\"");
        vpce_vec_release(&names);
        return;
    }
    vpce_vec_release(&names);
    const vpce_config *child = call->child;
    if (!child)
        return;
    bool repeated = call->count || call->for_each;
    bool found = false;
    for (size_t i = 0; i < child->outputs.len; i++) {
        const vpce_cfg_output *o = child->outputs.items[i];
        if (!repeated && attr2 && strcmp(attr2, o->name) != 0)
            continue;
        found = true;
        char *name = vpce_asprintf("%soutput.%s", child->prefix, o->name);
        edge(w, name);
        free(name);
    }
    if (!repeated && attr2 && !found) {
        vpce_vec outs = VPCE_VEC_INIT;
        for (size_t i = 0; i < child->outputs.len; i++)
            vpce_vec_push(&outs, ((vpce_cfg_output *)child->outputs.items[i])->name);
        const char *sug = vpce_suggest(attr2, (const char *const *)outs.items, outs.len);
        char *detail =
            sug ? vpce_asprintf("module \"%s\" has no output \"%s\"; did you mean "
                                "\"%s\"?",
                                attr, attr2, sug)
                : vpce_asprintf("module \"%s\" (%s) has no output \"%s\"", attr, child->dir, attr2);
        vpce_diags_error(w->diags, range, detail, "unsupported attribute \"%s\"", attr2);
        free(detail);
        vpce_vec_release(&outs);
    }
    if (w->in_depends_on) {
        char *name = vpce_asprintf("%smodule.%s", w->c->prefix, attr);
        edge(w, name);
        free(name);
        module_resource_edges(w, child);
    }
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
                                 strcmp(root, "data") == 0 || strcmp(root, "module") == 0
                             ? "a name must follow, such as var.region"
                             : "a reference to a resource type must be followed by the "
                               "resource name, such as aws_vpc.main",
                         "invalid reference \"%s\"", root);
        return;
    }
    if (strcmp(root, "module") == 0) {
        visit_module(w, attr, attr2, range);
        return;
    }
    if (strcmp(root, "var") == 0 || strcmp(root, "local") == 0) {
        bool is_var = root[0] == 'v';
        char *name = vpce_asprintf("%s%s.%s", w->c->prefix, is_var ? "var" : "local", attr);
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
            local_edge(w, addr);
        else
            suggest_error(w, range, addr, &w->data_addrs,
                          "reference to undeclared data source \"%s\"");
        free(addr);
        return;
    }
    char *addr = vpce_asprintf("%s.%s", root, attr);
    const vpce_cfg_resource *r = vpce_config_resource(w->c, addr);
    if (r) {
        local_edge(w, addr);
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

static vpce_range node_range(const vpce_graph *g, size_t i)
{
    const vpce_cfg_node *n = vpce_graph_data(g, i);
    vpce_range none = {NULL, 0, 0};
    if (!n)
        return none;
    switch (n->kind) {
    case VPCE_NODE_VARIABLE:
        return ((vpce_cfg_variable *)n->obj)->range;
    case VPCE_NODE_LOCAL:
        return ((vpce_cfg_local *)n->obj)->range;
    case VPCE_NODE_OUTPUT:
        return ((vpce_cfg_output *)n->obj)->range;
    case VPCE_NODE_PROVIDER:
        return ((vpce_cfg_provider *)n->obj)->range;
    case VPCE_NODE_RESOURCE:
        return ((vpce_cfg_resource *)n->obj)->range;
    case VPCE_NODE_MODULE:
        return ((vpce_cfg_module_call *)n->obj)->range;
    }
    return none;
}

/* The graph node name of n (caller frees). */
static char *node_name(const vpce_cfg_node *n)
{
    const char *pre = n->module->prefix;
    switch (n->kind) {
    case VPCE_NODE_VARIABLE:
        return vpce_asprintf("%svar.%s", pre, ((vpce_cfg_variable *)n->obj)->name);
    case VPCE_NODE_LOCAL:
        return vpce_asprintf("%slocal.%s", pre, ((vpce_cfg_local *)n->obj)->name);
    case VPCE_NODE_OUTPUT:
        return vpce_asprintf("%soutput.%s", pre, ((vpce_cfg_output *)n->obj)->name);
    case VPCE_NODE_PROVIDER: {
        const vpce_cfg_provider *p = n->obj;
        return p->alias ? vpce_asprintf("%sprovider.%s.%s", pre, p->name, p->alias)
                        : vpce_asprintf("%sprovider.%s", pre, p->name);
    }
    case VPCE_NODE_RESOURCE:
        return vpce_strdup(((vpce_cfg_resource *)n->obj)->path_addr);
    case VPCE_NODE_MODULE:
        return vpce_asprintf("%smodule.%s", pre, ((vpce_cfg_module_call *)n->obj)->name);
    }
    return vpce_strdup("");
}

/* Sets the walker's suggestion lists to module m's names. */
static void walker_enter(walker *w, const vpce_config *m)
{
    w->c = m;
    w->var_names.len = w->local_names.len = w->res_addrs.len = w->data_addrs.len = 0;
    for (size_t i = 0; i < m->variables.len; i++)
        vpce_vec_push(&w->var_names, ((vpce_cfg_variable *)m->variables.items[i])->name);
    for (size_t i = 0; i < m->locals.len; i++)
        vpce_vec_push(&w->local_names, ((vpce_cfg_local *)m->locals.items[i])->name);
    for (size_t i = 0; i < m->resources.len; i++) {
        vpce_cfg_resource *r = m->resources.items[i];
        vpce_vec_push(r->mode == VPCE_MODE_DATA ? &w->data_addrs : &w->res_addrs, r->addr);
    }
}

int vpce_config_graph(vpce_graph **out, const vpce_config *c, vpce_diags *diags)
{
    size_t errors_before = diags->nerrors;
    vpce_graph *g = vpce_graph_new();
    walker w = {.c = c, .g = g, .diags = diags};
    char *name;

    for (size_t i = 0; i < c->nodes.len; i++) {
        vpce_cfg_node *n = c->nodes.items[i];
        name = node_name(n);
        vpce_graph_add(g, name, n);
        free(name);
    }

    for (size_t mi = 0; mi < c->modules.len; mi++) {
        const vpce_config *m = c->modules.items[mi];
        walker_enter(&w, m);
        size_t call_node = (size_t)-1;
        if (m->parent) {
            name = vpce_asprintf("%smodule.%s", m->parent->prefix, m->call->name);
            vpce_graph_find(g, name, &call_node);
            free(name);
        }
        for (size_t i = 0; i < m->variables.len; i++) {
            vpce_cfg_variable *v = m->variables.items[i];
            name = vpce_asprintf("%svar.%s", m->prefix, v->name);
            vpce_graph_find(g, name, &w.from);
            free(name);
            if (call_node != (size_t)-1)
                vpce_graph_depend(g, w.from, call_node);
            /* A default is a constant; validation conditions may only use the variable. */
            if (v->default_expr)
                vpce_expr_walk_refs(v->default_expr, no_refs_visit, diags);
            for (size_t k = 0; k < v->nvalidations; k++) {
                bool mentions = false;
                vpce_cfg_validation *val = &v->validations[k];
                probe pr = {v->name, &mentions};
                vpce_expr_walk_refs(val->condition, probe_visit, &pr);
                if (!mentions) {
                    char *detail = vpce_asprintf("the condition for variable \"%s\" must refer "
                                                 "to var.%s in order to test incoming values",
                                                 v->name, v->name);
                    vpce_diags_error(diags, val->condition->range, detail,
                                     "invalid variable validation condition");
                    free(detail);
                }
            }
        }
        for (size_t i = 0; i < m->locals.len; i++) {
            vpce_cfg_local *l = m->locals.items[i];
            name = vpce_asprintf("%slocal.%s", m->prefix, l->name);
            vpce_graph_find(g, name, &w.from);
            free(name);
            if (call_node != (size_t)-1)
                vpce_graph_depend(g, w.from, call_node);
            w.has_count = w.has_each = false;
            walk_expr(&w, l->expr);
        }
        for (size_t i = 0; i < m->providers.len; i++) {
            vpce_cfg_provider *p = m->providers.items[i];
            name = p->alias ? vpce_asprintf("%sprovider.%s.%s", m->prefix, p->name, p->alias)
                            : vpce_asprintf("%sprovider.%s", m->prefix, p->name);
            vpce_graph_find(g, name, &w.from);
            free(name);
            w.has_count = w.has_each = false;
            walk_body(&w, p->body, true);
        }
        for (size_t i = 0; i < m->resources.len; i++) {
            vpce_cfg_resource *r = m->resources.items[i];
            vpce_graph_find(g, r->path_addr, &w.from);
            if (call_node != (size_t)-1)
                vpce_graph_depend(g, w.from, call_node);
            w.has_count = w.has_each = false;
            walk_expr(&w, r->count);
            walk_expr(&w, r->for_each);
            w.in_depends_on = true;
            for (size_t k = 0; k < r->ndepends_on; k++)
                walk_expr(&w, r->depends_on[k]);
            w.in_depends_on = false;
            w.has_count = r->count != NULL;
            w.has_each = r->for_each != NULL;
            walk_body(&w, r->body, true);
            walk_conditions(&w, r->preconditions, r->npreconditions);
            w.self_ok = true;
            walk_conditions(&w, r->postconditions, r->npostconditions);
            w.self_ok = false;
            for (size_t k = 0; k < r->nreplace_triggered_by; k++)
                walk_expr(&w, r->replace_triggered_by[k]);
            name = vpce_config_provider_node(r->provider_ref);
            edge(&w, name);
            free(name);
        }
        for (size_t i = 0; i < m->outputs.len; i++) {
            vpce_cfg_output *o = m->outputs.items[i];
            name = vpce_asprintf("%soutput.%s", m->prefix, o->name);
            vpce_graph_find(g, name, &w.from);
            free(name);
            if (call_node != (size_t)-1)
                vpce_graph_depend(g, w.from, call_node);
            w.has_count = w.has_each = false;
            walk_expr(&w, o->value);
            w.in_depends_on = true;
            for (size_t k = 0; k < o->ndepends_on; k++)
                walk_expr(&w, o->depends_on[k]);
            w.in_depends_on = false;
            walk_conditions(&w, o->preconditions, o->npreconditions);
        }
        /* check blocks: evaluated after everything else, so they are not nodes of the graph. */
        for (size_t i = 0; i < m->checks.len; i++) {
            const vpce_cfg_check *ck = m->checks.items[i];
            w.from = (size_t)-1;
            w.has_count = w.has_each = false;
            if (ck->data)
                walk_body(&w, ck->data->body, true);
            w.scoped = ck->data;
            walk_conditions(&w, ck->asserts, ck->nasserts);
            w.scoped = NULL;
        }
        for (size_t i = 0; i < m->module_calls.len; i++) {
            vpce_cfg_module_call *call = m->module_calls.items[i];
            name = vpce_asprintf("%smodule.%s", m->prefix, call->name);
            vpce_graph_find(g, name, &w.from);
            free(name);
            if (call_node != (size_t)-1)
                vpce_graph_depend(g, w.from, call_node);
            w.has_count = w.has_each = false;
            walk_expr(&w, call->count);
            walk_expr(&w, call->for_each);
            w.in_depends_on = true;
            for (size_t k = 0; k < call->ndepends_on; k++)
                walk_expr(&w, call->depends_on[k]);
            w.in_depends_on = false;
            /* Each argument feeds the module's variable of that name. */
            w.has_count = call->count != NULL;
            w.has_each = call->for_each != NULL;
            for (size_t k = 0; k < call->body->nattrs; k++) {
                const vpce_ast_attr *a = call->body->attrs[k];
                const char *an = a->name;
                if (strcmp(an, "source") == 0 || strcmp(an, "version") == 0 ||
                    strcmp(an, "count") == 0 || strcmp(an, "for_each") == 0 ||
                    strcmp(an, "depends_on") == 0 || strcmp(an, "providers") == 0)
                    continue;
                w.from = (size_t)-1;
                if (call->child) {
                    name = vpce_asprintf("%svar.%s", call->child->prefix, an);
                    if (!vpce_graph_find(g, name, &w.from))
                        w.from = (size_t)-1;
                    free(name);
                }
                walk_expr(&w, a->expr);
            }
        }
    }
    walker_enter(&w, c);
    /* import blocks: the target must be a managed resource of the configuration. */
    for (size_t i = 0; i < c->imports.len; i++) {
        const vpce_cfg_import *im = c->imports.items[i];
        char *base = vpce_addr_static(im->to);
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
                vpce_range r = node_range(g, idx);
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
