/*
 * config/config.c: loading a configuration directory. Parses every *.vpce file (sorted by
 * name; the *.tf files of a directory without any), decodes the top-level blocks into the
 * vpce_cfg_* structures of config.h, checks what can be checked without evaluating (block types,
 * labels, meta-arguments, duplicates, resource types against the provider registry), hashes the
 * files, then runs the reference graph and the all-unknown evaluation (vpce_config_validate) so
 * every problem is reported in one run.
 */
#include "config/config_internal.h"
#include "lang/lang.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- small helpers ------------------------------------------------------------------------ */

static char *did_you_mean(const char *name, const char *const *cands, size_t n)
{
    const char *s = vpce_suggest(name, cands, n);
    return s ? vpce_asprintf("did you mean \"%s\"?", s) : NULL;
}

static char *where(vpce_range r)
{
    if (!r.src)
        return vpce_strdup("(unknown)");
    int line, col;
    vpce_source_pos(r.src, r.start, &line, &col);
    return vpce_asprintf("%s:%d", r.src->name, line);
}

/* The value of a string literal, or of a template that is one literal part; NULL otherwise. */
static const char *static_string(const vpce_ast_expr *e)
{
    if (!e)
        return NULL;
    if (e->kind == VPCE_EXPR_LITERAL && json_is_string(e->u.literal))
        return json_string_value(e->u.literal);
    if (e->kind == VPCE_EXPR_TEMPLATE && e->u.list.n == 1)
        return static_string(e->u.list.items[0]);
    if (e->kind == VPCE_EXPR_TEMPLATE && e->u.list.n == 0)
        return "";
    return NULL;
}

/*
 * Renders a static traversal (a.b.c, a.b["k"], a.b[0]) into b; false when e is not one. Used for
 * provider references, depends_on, ignore_changes and import addresses.
 */
static bool traversal_text(const vpce_ast_expr *e, vpce_buf *b)
{
    switch (e->kind) {
    case VPCE_EXPR_VAR:
        vpce_buf_puts(b, e->u.var.name);
        return true;
    case VPCE_EXPR_GETATTR:
        if (!traversal_text(e->u.getattr.obj, b))
            return false;
        vpce_buf_printf(b, ".%s", e->u.getattr.name);
        return true;
    case VPCE_EXPR_INDEX: {
        if (!traversal_text(e->u.index.obj, b))
            return false;
        const vpce_ast_expr *k = e->u.index.key;
        const char *s = static_string(k);
        if (s) {
            json_t *js = json_string(s);
            char *q = json_dumps(js, JSON_ENCODE_ANY);
            vpce_buf_printf(b, "[%s]", q);
            free(q);
            json_decref(js);
            return true;
        }
        if (k->kind == VPCE_EXPR_LITERAL && json_is_integer(k->u.literal)) {
            vpce_buf_printf(b, "[%" JSON_INTEGER_FORMAT "]", json_integer_value(k->u.literal));
            return true;
        }
        return false;
    }
    default:
        return false;
    }
}

/* A literal bool, or an error at e. */
static bool static_bool(const vpce_ast_expr *e, const char *what, bool *out, vpce_diags *diags)
{
    const vpce_ast_expr *x = e;
    while (x->kind == VPCE_EXPR_PAREN)
        x = x->u.inner;
    if (x->kind == VPCE_EXPR_LITERAL && json_is_boolean(x->u.literal)) {
        *out = json_is_true(x->u.literal);
        return true;
    }
    vpce_diags_error(diags, e->range, "a literal true or false is required here",
                     "invalid \"%s\" value", what);
    return false;
}

/* Reports every attribute of body not in allowed (NULL-terminated) and every block not in blocks.
 */
static void check_names(const vpce_ast_body *body, const char *const *allowed,
                        const char *const *blocks, const char *context, vpce_diags *diags)
{
    size_t na = 0, nb = 0;
    while (allowed && allowed[na])
        na++;
    while (blocks && blocks[nb])
        nb++;
    for (size_t i = 0; i < body->nattrs; i++) {
        const vpce_ast_attr *a = body->attrs[i];
        bool ok = false;
        for (size_t k = 0; k < na; k++)
            ok = ok || strcmp(allowed[k], a->name) == 0;
        if (ok)
            continue;
        char *hint = did_you_mean(a->name, allowed, na);
        char *detail = hint ? hint
                            : vpce_asprintf("an argument named \"%s\" is not expected in %s",
                                            a->name, context);
        vpce_diags_error(diags, a->name_range, detail, "unsupported argument \"%s\"", a->name);
        free(detail);
    }
    for (size_t i = 0; i < body->nblocks; i++) {
        const vpce_ast_block *b = body->blocks[i];
        bool ok = false;
        for (size_t k = 0; k < nb; k++)
            ok = ok || strcmp(blocks[k], b->type) == 0;
        if (ok)
            continue;
        char *hint = did_you_mean(b->type, blocks, nb);
        char *detail =
            hint ? hint
                 : vpce_asprintf("blocks of type \"%s\" are not expected in %s", b->type, context);
        vpce_diags_error(diags, b->type_range, detail, "unsupported block type \"%s\"", b->type);
        free(detail);
    }
}

static const vpce_ast_attr *find_attr(const vpce_ast_body *body, const char *name)
{
    for (size_t i = 0; body && i < body->nattrs; i++)
        if (strcmp(body->attrs[i]->name, name) == 0)
            return body->attrs[i];
    return NULL;
}

static bool check_labels(const vpce_ast_block *b, size_t want, const char *names, vpce_diags *diags)
{
    if (b->nlabels == want)
        return true;
    if (b->nlabels < want)
        vpce_diags_error(diags, b->open_range, NULL, "missing %s for \"%s\" block", names, b->type);
    else
        vpce_diags_error(diags, b->label_ranges[want], NULL, "extraneous label for \"%s\" block",
                         b->type);
    return false;
}

/* ---- decoding ----------------------------------------------------------------------------- */

typedef struct decoder {
    vpce_config *c;
    vpce_diags *diags;
    vpce_map *seen; /* "variable x", "local x", ... -> vpce_range* of the first declaration */
    vpce_vec seen_ranges;
    bool have_backend; /* a backend block was seen (even one whose settings failed) */
    vpce_range backend_range;
} decoder;

/* Records a declaration; returns false (after reporting) when it duplicates an earlier one. */
static bool declare(decoder *d, const char *key, vpce_range r, const char *summary,
                    const char *what)
{
    vpce_range *first = vpce_map_get(d->seen, key);
    if (first) {
        char *w = where(*first);
        char *detail = vpce_asprintf("%s was already declared at %s", what, w);
        vpce_diags_error(d->diags, r, detail, "%s", summary);
        free(detail);
        free(w);
        return false;
    }
    vpce_range *copy = vpce_malloc(sizeof(*copy));
    *copy = r;
    vpce_vec_push(&d->seen_ranges, copy);
    vpce_map_set(d->seen, key, copy);
    return true;
}

static void decode_variable(decoder *d, const vpce_ast_block *b)
{
    if (!check_labels(b, 1, "name", d->diags))
        return;
    static const char *const allowed[] = {"type",     "default",   "description", "sensitive",
                                          "nullable", "ephemeral", NULL};
    static const char *const blocks[] = {"validation", NULL};
    check_names(b->body, allowed, blocks, "a variable block", d->diags);
    char *key = vpce_asprintf("variable %s", b->labels[0]);
    char *what = vpce_asprintf("a variable named \"%s\"", b->labels[0]);
    bool fresh = declare(d, key, b->label_ranges[0], "duplicate variable declaration", what);
    free(key);
    free(what);
    if (!fresh)
        return;
    vpce_cfg_variable *v = vpce_calloc(1, sizeof(*v));
    v->name = vpce_strdup(b->labels[0]);
    v->range = b->open_range;
    v->nullable = true;
    const vpce_ast_attr *a;
    if ((a = find_attr(b->body, "type"))) {
        v->type = a->expr;
        json_t *t = vpce_type_from_expr(a->expr, d->diags);
        json_decref(t);
    }
    if ((a = find_attr(b->body, "default")))
        v->default_expr = a->expr;
    if ((a = find_attr(b->body, "description"))) {
        const char *s = static_string(a->expr);
        if (s)
            v->description = vpce_strdup(s);
        else
            vpce_diags_error(d->diags, a->expr->range, "a literal string is required here",
                             "invalid \"description\" value");
    }
    if ((a = find_attr(b->body, "sensitive")))
        static_bool(a->expr, "sensitive", &v->sensitive, d->diags);
    if ((a = find_attr(b->body, "nullable")))
        static_bool(a->expr, "nullable", &v->nullable, d->diags);
    for (size_t i = 0; i < b->body->nblocks; i++) {
        const vpce_ast_block *vb = b->body->blocks[i];
        if (strcmp(vb->type, "validation") != 0)
            continue;
        static const char *const vallowed[] = {"condition", "error_message", NULL};
        check_names(vb->body, vallowed, NULL, "a validation block", d->diags);
        const vpce_ast_attr *cond = find_attr(vb->body, "condition");
        const vpce_ast_attr *msg = find_attr(vb->body, "error_message");
        if (!cond || !msg) {
            vpce_diags_error(d->diags, vb->open_range, NULL, "missing required argument \"%s\"",
                             !cond ? "condition" : "error_message");
            continue;
        }
        v->validations =
            vpce_realloc(v->validations, (v->nvalidations + 1) * sizeof(vpce_cfg_validation));
        vpce_cfg_validation *val = &v->validations[v->nvalidations++];
        val->condition = cond->expr;
        val->error_message = msg->expr;
        val->range = vb->open_range;
    }
    vpce_vec_push(&d->c->variables, v);
}

static void decode_locals(decoder *d, const vpce_ast_block *b)
{
    check_labels(b, 0, "", d->diags);
    for (size_t i = 0; i < b->body->nblocks; i++)
        vpce_diags_error(d->diags, b->body->blocks[i]->type_range,
                         "a locals block holds only attributes (name = value)",
                         "unsupported block type \"%s\"", b->body->blocks[i]->type);
    for (size_t i = 0; i < b->body->nattrs; i++) {
        const vpce_ast_attr *a = b->body->attrs[i];
        char *key = vpce_asprintf("local %s", a->name);
        char *what = vpce_asprintf("a local value named \"%s\"", a->name);
        bool fresh = declare(d, key, a->name_range, "duplicate local value definition", what);
        free(key);
        free(what);
        if (!fresh)
            continue;
        vpce_cfg_local *l = vpce_calloc(1, sizeof(*l));
        l->name = vpce_strdup(a->name);
        l->expr = a->expr;
        l->range = a->range;
        vpce_vec_push(&d->c->locals, l);
    }
}

/* depends_on = [traversal, ...]: fills *out with the items. */
static void decode_depends_on(decoder *d, const vpce_ast_attr *a, vpce_ast_expr ***out, size_t *n)
{
    const vpce_ast_expr *e = a->expr;
    if (e->kind != VPCE_EXPR_TUPLE) {
        vpce_diags_error(d->diags, e->range,
                         "depends_on is a list of references, such as [aws_vpc.main]",
                         "invalid \"depends_on\" value");
        return;
    }
    *out = vpce_calloc(e->u.list.n ? e->u.list.n : 1, sizeof(vpce_ast_expr *));
    for (size_t i = 0; i < e->u.list.n; i++) {
        vpce_ast_expr *item = e->u.list.items[i];
        vpce_buf b = VPCE_BUF_INIT(4096);
        if (!traversal_text(item, &b))
            vpce_diags_error(d->diags, item->range,
                             "each item of depends_on must be a static reference",
                             "invalid \"depends_on\" reference");
        else
            (*out)[(*n)++] = item;
        vpce_buf_release(&b);
    }
}

/* Every block of type `type` in body (precondition, postcondition) as a condition. */
static void decode_conditions(decoder *d, const vpce_ast_body *body, const char *type,
                              vpce_cfg_validation **out, size_t *n)
{
    static const char *const allowed[] = {"condition", "error_message", NULL};
    for (size_t i = 0; i < body->nblocks; i++) {
        const vpce_ast_block *cb = body->blocks[i];
        if (strcmp(cb->type, type) != 0)
            continue;
        check_labels(cb, 0, "", d->diags);
        char *context = vpce_asprintf("a %s block", type);
        check_names(cb->body, allowed, NULL, context, d->diags);
        free(context);
        const vpce_ast_attr *cond = find_attr(cb->body, "condition");
        const vpce_ast_attr *msg = find_attr(cb->body, "error_message");
        if (!cond || !msg) {
            vpce_diags_error(d->diags, cb->open_range, NULL, "missing required argument \"%s\"",
                             !cond ? "condition" : "error_message");
            continue;
        }
        *out = vpce_realloc(*out, (*n + 1) * sizeof(**out));
        vpce_cfg_validation *c = &(*out)[(*n)++];
        c->condition = cond->expr;
        c->error_message = msg->expr;
        c->range = cb->open_range;
    }
}

static void decode_output(decoder *d, const vpce_ast_block *b)
{
    if (!check_labels(b, 1, "name", d->diags))
        return;
    static const char *const allowed[] = {"value",      "description", "sensitive",
                                          "depends_on", "ephemeral",   NULL};
    static const char *const blocks[] = {"precondition", NULL};
    check_names(b->body, allowed, blocks, "an output block", d->diags);
    char *key = vpce_asprintf("output %s", b->labels[0]);
    char *what = vpce_asprintf("an output named \"%s\"", b->labels[0]);
    bool fresh = declare(d, key, b->label_ranges[0], "duplicate output definition", what);
    free(key);
    free(what);
    if (!fresh)
        return;
    vpce_cfg_output *o = vpce_calloc(1, sizeof(*o));
    o->name = vpce_strdup(b->labels[0]);
    o->range = b->open_range;
    const vpce_ast_attr *a;
    if ((a = find_attr(b->body, "value")))
        o->value = a->expr;
    else
        vpce_diags_error(d->diags, b->open_range,
                         "the argument \"value\" is required, but no definition was found",
                         "missing required argument");
    if ((a = find_attr(b->body, "description"))) {
        const char *s = static_string(a->expr);
        if (s)
            o->description = vpce_strdup(s);
    }
    if ((a = find_attr(b->body, "sensitive")))
        static_bool(a->expr, "sensitive", &o->sensitive, d->diags);
    if ((a = find_attr(b->body, "depends_on")))
        decode_depends_on(d, a, &o->depends_on, &o->ndepends_on);
    decode_conditions(d, b->body, "precondition", &o->preconditions, &o->npreconditions);
    vpce_vec_push(&d->c->outputs, o);
}

static void decode_provider(decoder *d, const vpce_ast_block *b)
{
    if (!check_labels(b, 1, "provider name", d->diags))
        return;
    const vpce_provider_type *pt = vpce_providers_find(b->labels[0]);
    if (!pt) {
        vpce_diags_error(d->diags, b->label_ranges[0], "the provider of vpce is \"aws\"",
                         "unknown provider \"%s\"", b->labels[0]);
        return;
    }
    const vpce_ast_attr *alias = find_attr(b->body, "alias");
    const char *alias_name = NULL;
    if (alias) {
        alias_name = static_string(alias->expr);
        if (!alias_name) {
            vpce_diags_error(d->diags, alias->expr->range, "the alias must be a literal string",
                             "invalid provider alias");
            return;
        }
    }
    char *addr =
        alias_name ? vpce_asprintf("%s.%s", b->labels[0], alias_name) : vpce_strdup(b->labels[0]);
    char *key = vpce_asprintf("provider %s", addr);
    char *what = alias_name ? vpce_asprintf("the provider configuration \"%s\"", addr)
                            : vpce_asprintf("a default (unaliased) configuration for provider "
                                            "\"%s\"",
                                            b->labels[0]);
    bool fresh = declare(d, key, alias ? alias->expr->range : b->open_range,
                         "duplicate provider configuration", what);
    free(key);
    free(what);
    if (!fresh) {
        free(addr);
        return;
    }
    vpce_cfg_provider *p = vpce_calloc(1, sizeof(*p));
    p->name = vpce_strdup(b->labels[0]);
    p->alias = alias_name ? vpce_strdup(alias_name) : NULL;
    p->body = b->body;
    p->range = b->open_range;
    free(addr);
    vpce_vec_push(&d->c->providers, p);
}

/* True if e is a replace_triggered_by item: RESOURCE_TYPE.NAME, optionally indexed (by a
   literal, count.index, each.key or each.value) and followed by attribute names, literal
   indexes or splats. */
static bool trigger_ref(const vpce_ast_expr *e)
{
    const vpce_ast_expr *steps[64];
    size_t n = 0;
    while ((e->kind == VPCE_EXPR_GETATTR || e->kind == VPCE_EXPR_INDEX) && n < 64) {
        steps[n++] = e;
        e = e->kind == VPCE_EXPR_GETATTR ? e->u.getattr.obj : e->u.index.obj;
    }
    if (e->kind != VPCE_EXPR_VAR || n == 0 || steps[n - 1]->kind != VPCE_EXPR_GETATTR)
        return false;
    static const char *const not_resources[] = {"var",  "local", "data",      "each",   "count",
                                                "path", "self",  "terraform", "module", NULL};
    for (size_t i = 0; not_resources[i]; i++)
        if (strcmp(e->u.var.name, not_resources[i]) == 0)
            return false;
    for (size_t i = 0; i + 1 < n; i++) {
        if (steps[i]->kind != VPCE_EXPR_INDEX)
            continue;
        const vpce_ast_expr *k = steps[i]->u.index.key;
        vpce_buf t = VPCE_BUF_INIT(256);
        bool iter = traversal_text(k, &t) && (strcmp(vpce_buf_cstr(&t), "count.index") == 0 ||
                                              strcmp(vpce_buf_cstr(&t), "each.key") == 0 ||
                                              strcmp(vpce_buf_cstr(&t), "each.value") == 0);
        vpce_buf_release(&t);
        if (!iter && k->kind != VPCE_EXPR_LITERAL && !static_string(k))
            return false;
    }
    return true;
}

static void decode_lifecycle(decoder *d, vpce_cfg_resource *r, const vpce_ast_block *lb)
{
    static const char *const allowed[] = {"prevent_destroy", "create_before_destroy",
                                          "ignore_changes", "replace_triggered_by", NULL};
    static const char *const blocks[] = {"precondition", "postcondition", NULL};
    check_names(lb->body, allowed, blocks, "a lifecycle block", d->diags);
    decode_conditions(d, lb->body, "precondition", &r->preconditions, &r->npreconditions);
    decode_conditions(d, lb->body, "postcondition", &r->postconditions, &r->npostconditions);
    const vpce_ast_attr *a;
    if ((a = find_attr(lb->body, "replace_triggered_by"))) {
        const vpce_ast_expr *e = a->expr;
        if (e->kind != VPCE_EXPR_TUPLE) {
            vpce_diags_error(d->diags, e->range,
                             "replace_triggered_by is a list of references to resources or "
                             "their attributes, such as [aws_vpc.main.cidr_block]",
                             "invalid \"replace_triggered_by\" value");
        } else {
            r->replace_triggered_by =
                vpce_calloc(e->u.list.n ? e->u.list.n : 1, sizeof(vpce_ast_expr *));
            for (size_t i = 0; i < e->u.list.n; i++) {
                vpce_ast_expr *it = e->u.list.items[i];
                if (trigger_ref(it))
                    r->replace_triggered_by[r->nreplace_triggered_by++] = it;
                else
                    vpce_diags_error(d->diags, it->range,
                                     "only resources, count.index, each.key and each.value may "
                                     "be used in replace_triggered_by",
                                     "invalid replace_triggered_by expression");
            }
        }
    }
    if ((a = find_attr(lb->body, "prevent_destroy")))
        static_bool(a->expr, "prevent_destroy", &r->prevent_destroy, d->diags);
    if ((a = find_attr(lb->body, "create_before_destroy")))
        static_bool(a->expr, "create_before_destroy", &r->create_before_destroy, d->diags);
    if ((a = find_attr(lb->body, "ignore_changes"))) {
        const vpce_ast_expr *e = a->expr;
        if (e->kind == VPCE_EXPR_VAR && strcmp(e->u.var.name, "all") == 0) {
            r->ignore_all_changes = true;
        } else if (e->kind == VPCE_EXPR_TUPLE) {
            r->ignore_changes = vpce_calloc(e->u.list.n ? e->u.list.n : 1, sizeof(char *));
            for (size_t i = 0; i < e->u.list.n; i++) {
                const vpce_ast_expr *it = e->u.list.items[i];
                /* A bare name, a path (tags["x"]: the top-level name counts) or a string. */
                while (it->kind == VPCE_EXPR_GETATTR || it->kind == VPCE_EXPR_INDEX)
                    it = it->kind == VPCE_EXPR_GETATTR ? it->u.getattr.obj : it->u.index.obj;
                const char *name = it->kind == VPCE_EXPR_VAR ? it->u.var.name : static_string(it);
                if (!name) {
                    vpce_diags_error(d->diags, e->u.list.items[i]->range,
                                     "ignore_changes lists attribute names, such as [tags]",
                                     "invalid \"ignore_changes\" item");
                    continue;
                }
                if (r->rtype && !vpce_schema_attr(r->rtype->schema, name) &&
                    !vpce_schema_block(r->rtype->schema, name)) {
                    vpce_diags_error(d->diags, e->u.list.items[i]->range, NULL,
                                     "unsupported attribute \"%s\" in \"ignore_changes\"", name);
                    continue;
                }
                r->ignore_changes[r->nignore_changes++] = vpce_strdup(name);
            }
        } else {
            vpce_diags_error(d->diags, e->range,
                             "ignore_changes is a list of attribute names, or all",
                             "invalid \"ignore_changes\" value");
        }
    }
}

/* `vpce_checks { skip = ["rule-id", ...] }`: a literal list of strings. */
static void decode_checks(decoder *d, vpce_cfg_resource *r, const vpce_ast_block *cb)
{
    static const char *const allowed[] = {"skip", NULL};
    check_names(cb->body, allowed, NULL, "a vpce_checks block", d->diags);
    const vpce_ast_attr *a = find_attr(cb->body, "skip");
    if (!a)
        return;
    const vpce_ast_expr *e = a->expr;
    if (e->kind != VPCE_EXPR_TUPLE) {
        vpce_diags_error(d->diags, e->range,
                         "skip lists the ids of the checks to skip, such as "
                         "[\"interface-az-coverage\"]",
                         "invalid \"skip\" value");
        return;
    }
    r->check_skips =
        vpce_realloc(r->check_skips, (r->ncheck_skips + e->u.list.n + 1) * sizeof(char *));
    for (size_t i = 0; i < e->u.list.n; i++) {
        const char *id = static_string(e->u.list.items[i]);
        if (!id) {
            vpce_diags_error(d->diags, e->u.list.items[i]->range,
                             "each item is a check id in quotes, such as \"gateway-unused\"",
                             "invalid \"skip\" item");
            continue;
        }
        r->check_skips[r->ncheck_skips++] = vpce_strdup(id);
    }
}

static void free_resource(vpce_cfg_resource *r)
{
    free(r->type);
    free(r->name);
    free(r->addr);
    free(r->depends_on);
    free(r->provider_ref);
    free(r->path_addr);
    for (size_t k = 0; k < r->nignore_changes; k++)
        free(r->ignore_changes[k]);
    free(r->ignore_changes);
    free(r->preconditions);
    free(r->postconditions);
    free(r->replace_triggered_by);
    for (size_t k = 0; k < r->ncheck_skips; k++)
        free(r->check_skips[k]);
    free(r->check_skips);
    free(r);
}

/* A resource or data block; scoped (a check block's data source): kept out of the
   configuration's resources and returned instead, NULL when it cannot be decoded. */
static vpce_cfg_resource *decode_resource_block(decoder *d, const vpce_ast_block *b, vpce_mode mode,
                                                bool scoped)
{
    if (!check_labels(b, 2, "type and name", d->diags))
        return NULL;
    const char *type = b->labels[0], *name = b->labels[1];
    const vpce_resource_type *rt =
        mode == VPCE_MODE_DATA ? vpce_providers_data_source(type) : vpce_providers_resource(type);
    if (!rt) {
        size_t n = 0;
        const char **names = vpce_providers_type_names(mode == VPCE_MODE_DATA, &n);
        /* Most such types are real ones of the Terraform AWS provider that vpce does not
           model (a module written for Terraform uses aws_eip, aws_nat_gateway...); a close
           name is more likely a typo. */
        char *hint = did_you_mean(type, names, n);
        vpce_diags_error(d->diags, b->label_ranges[0],
                         hint ? hint
                              : "vpce manages VPC endpoints and the network they need; see "
                                "\"Resource types\" in its README",
                         "%s type \"%s\" is not supported by vpce",
                         mode == VPCE_MODE_DATA ? "data source" : "resource", type);
        free(hint);
        free(names);
    }
    vpce_cfg_resource *r = vpce_calloc(1, sizeof(*r));
    r->mode = mode;
    r->type = vpce_strdup(type);
    r->name = vpce_strdup(name);
    r->addr = mode == VPCE_MODE_DATA ? vpce_asprintf("data.%s.%s", type, name)
                                     : vpce_asprintf("%s.%s", type, name);
    r->range = b->open_range;
    r->rtype = rt;
    r->body = b->body;
    const char *kind = mode == VPCE_MODE_DATA ? "data" : "resource";
    char *key = vpce_asprintf("%s %s", kind, r->addr);
    /* The messages are only needed for a duplicate (rare; 10,000 blocks are common). */
    bool dup = vpce_map_has(d->seen, key);
    char *summary = dup ? vpce_asprintf("duplicate %s \"%s\" configuration", kind, type) : NULL;
    char *what = dup ? vpce_asprintf("a %s %s named \"%s\"", type,
                                     mode == VPCE_MODE_DATA ? "data source" : "resource", name)
                     : NULL;
    bool fresh = declare(d, key, b->label_ranges[1], summary, what);
    free(key);
    free(summary);
    free(what);
    const vpce_ast_attr *a;
    if ((a = find_attr(b->body, "count")))
        r->count = a->expr;
    if ((a = find_attr(b->body, "for_each"))) {
        r->for_each = a->expr;
        if (r->count)
            vpce_diags_error(d->diags, a->name_range,
                             "the \"count\" and \"for_each\" meta-arguments are mutually "
                             "exclusive, only one should be used",
                             "invalid combination of \"count\" and \"for_each\"");
    }
    if ((a = find_attr(b->body, "depends_on")))
        decode_depends_on(d, a, &r->depends_on, &r->ndepends_on);
    if ((a = find_attr(b->body, "provider"))) {
        vpce_buf t = VPCE_BUF_INIT(1024);
        if (!traversal_text(a->expr, &t) || a->expr->kind == VPCE_EXPR_INDEX) {
            vpce_diags_error(d->diags, a->expr->range,
                             "provider takes a provider configuration reference, such as "
                             "aws.west",
                             "invalid \"provider\" reference");
        } else {
            r->provider_ref = vpce_buf_detach(&t);
        }
        vpce_buf_release(&t);
    }
    if (!r->provider_ref) {
        const char *us = strchr(type, '_');
        r->provider_ref = us ? vpce_strndup(type, (size_t)(us - type)) : vpce_strdup(type);
    }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        const vpce_ast_block *lb = b->body->blocks[i];
        if (strcmp(lb->type, "vpce_checks") == 0) {
            if (mode == VPCE_MODE_DATA)
                vpce_diags_error(d->diags, lb->type_range, NULL,
                                 "unsupported vpce_checks block in a data source");
            else
                decode_checks(d, r, lb);
            continue;
        }
        if (strcmp(lb->type, "lifecycle") != 0)
            continue;
        if (mode == VPCE_MODE_MANAGED) {
            decode_lifecycle(d, r, lb);
            continue;
        }
        /* A data source's lifecycle holds only its conditions. */
        static const char *const dblocks[] = {"precondition", "postcondition", NULL};
        check_names(lb->body, NULL, dblocks, "a data source's lifecycle block", d->diags);
        decode_conditions(d, lb->body, "precondition", &r->preconditions, &r->npreconditions);
        decode_conditions(d, lb->body, "postcondition", &r->postconditions, &r->npostconditions);
    }
    if (!fresh) {
        free_resource(r);
        return NULL;
    }
    if (scoped)
        return r;
    vpce_vec_push(&d->c->resources, r);
    vpce_map_set(d->c->by_addr, r->addr, r);
    return r;
}

static void decode_resource(decoder *d, const vpce_ast_block *b, vpce_mode mode)
{
    decode_resource_block(d, b, mode, false);
}

/* ---- moved, removed, check ---------------------------------------------------------------- */

/* The address in attribute name of b's body, into *out; false after a diagnostic. */
static bool decode_addr_attr(decoder *d, const vpce_ast_block *b, const char *name, vpce_addr *out,
                             vpce_range *range)
{
    const vpce_ast_attr *a = find_attr(b->body, name);
    const char *err = NULL;
    if (!a) {
        vpce_diags_error(d->diags, b->open_range, NULL, "missing required argument \"%s\"", name);
        return false;
    }
    *range = a->expr->range;
    if (vpce_addr_from_expr(out, a->expr, &err) < 0) {
        vpce_diags_error(d->diags, a->expr->range, err, "invalid \"%s\" address in a %s block",
                         name, b->type);
        return false;
    }
    if (out->data) {
        vpce_diags_error(d->diags, a->expr->range,
                         "data sources are read again on every plan and have nothing to move or "
                         "remove",
                         "invalid \"%s\" address in a %s block", name, b->type);
        vpce_addr_release(out);
        return false;
    }
    return true;
}

static void decode_moved(decoder *d, const vpce_ast_block *b)
{
    check_labels(b, 0, "", d->diags);
    static const char *const allowed[] = {"from", "to", NULL};
    check_names(b->body, allowed, NULL, "a moved block", d->diags);
    vpce_cfg_moved *m = vpce_calloc(1, sizeof(*m));
    m->range = b->open_range;
    bool ok = decode_addr_attr(d, b, "from", &m->from, &m->from_range);
    ok = decode_addr_attr(d, b, "to", &m->to, &m->to_range) && ok;
    if (ok && m->from.resource != m->to.resource) {
        vpce_diags_error(d->diags, m->to_range,
                         "a module can only move to a module, and a resource to a resource",
                         "invalid \"moved\" address");
        ok = false;
    }
    if (ok && m->from.resource && strcmp(m->from.type, m->to.type) != 0) {
        char *f = vpce_addr_format(&m->from), *t = vpce_addr_format(&m->to);
        char *detail = vpce_asprintf("this statement declares a move from %s to %s, which is a "
                                     "resource of a different type",
                                     f, t);
        vpce_diags_error(d->diags, m->range, detail, "resource type mismatch");
        free(detail);
        free(f);
        free(t);
        ok = false;
    }
    if (ok && vpce_addr_equal(&m->from, &m->to)) {
        vpce_diags_error(d->diags, m->range, "the \"from\" and \"to\" addresses are the same",
                         "redundant move statement");
        ok = false;
    }
    if (!ok) {
        vpce_addr_release(&m->from);
        vpce_addr_release(&m->to);
        free(m);
        return;
    }
    vpce_vec_push(&d->c->moved, m);
}

static void decode_removed(decoder *d, const vpce_ast_block *b)
{
    check_labels(b, 0, "", d->diags);
    static const char *const allowed[] = {"from", NULL};
    static const char *const blocks[] = {"lifecycle", NULL};
    check_names(b->body, allowed, blocks, "a removed block", d->diags);
    vpce_cfg_removed *rm = vpce_calloc(1, sizeof(*rm));
    rm->range = b->open_range;
    rm->destroy = true;
    bool ok = decode_addr_attr(d, b, "from", &rm->from, &rm->from_range);
    if (ok && rm->from.key) {
        vpce_diags_error(d->diags, rm->from_range,
                         "a removed block names a whole resource or module call: instance keys "
                         "are not allowed",
                         "invalid \"removed\" address");
        ok = false;
    }
    for (size_t i = 0; i < rm->from.nmodule && ok; i++)
        if (rm->from.module[i].key) {
            vpce_diags_error(d->diags, rm->from_range,
                             "a removed block names a whole resource or module call: module "
                             "instance keys are not allowed",
                             "invalid \"removed\" address");
            ok = false;
        }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        const vpce_ast_block *lb = b->body->blocks[i];
        if (strcmp(lb->type, "lifecycle") != 0)
            continue;
        static const char *const lallowed[] = {"destroy", NULL};
        check_names(lb->body, lallowed, NULL, "a removed block's lifecycle block", d->diags);
        const vpce_ast_attr *a = find_attr(lb->body, "destroy");
        if (a && !static_bool(a->expr, "destroy", &rm->destroy, d->diags))
            ok = false;
    }
    if (!ok) {
        vpce_addr_release(&rm->from);
        free(rm);
        return;
    }
    vpce_vec_push(&d->c->removed, rm);
}

static void free_check(vpce_cfg_check *ck)
{
    if (!ck)
        return;
    free(ck->name);
    if (ck->data)
        free_resource(ck->data);
    free(ck->asserts);
    free(ck);
}

static void decode_check(decoder *d, const vpce_ast_block *b)
{
    if (!check_labels(b, 1, "name", d->diags))
        return;
    static const char *const blocks[] = {"data", "assert", NULL};
    check_names(b->body, NULL, blocks, "a check block", d->diags);
    char *key = vpce_asprintf("check %s", b->labels[0]);
    bool fresh = declare(d, key, b->label_ranges[0], "duplicate check block",
                         "a check block with this name");
    free(key);
    if (!fresh)
        return;
    vpce_cfg_check *ck = vpce_calloc(1, sizeof(*ck));
    ck->name = vpce_strdup(b->labels[0]);
    ck->range = b->open_range;
    for (size_t i = 0; i < b->body->nblocks; i++) {
        const vpce_ast_block *db = b->body->blocks[i];
        if (strcmp(db->type, "data") != 0)
            continue;
        if (ck->data) {
            vpce_diags_error(d->diags, db->open_range,
                             "a check block may hold one scoped data source",
                             "multiple data blocks in a check block");
            continue;
        }
        ck->data = decode_resource_block(d, db, VPCE_MODE_DATA, true);
        if (ck->data && (ck->data->count || ck->data->for_each))
            vpce_diags_error(d->diags, db->open_range, NULL,
                             "a scoped data source cannot use count or for_each");
    }
    decode_conditions(d, b->body, "assert", &ck->asserts, &ck->nasserts);
    if (!ck->nasserts)
        vpce_diags_error(d->diags, b->open_range, "a check block needs at least one assert block",
                         "missing assert block in check \"%s\"", ck->name);
    vpce_vec_push(&d->c->checks, ck);
}

static void decode_import(decoder *d, const vpce_ast_block *b)
{
    check_labels(b, 0, "", d->diags);
    static const char *const allowed[] = {"to", "id", "provider", NULL};
    check_names(b->body, allowed, NULL, "an import block", d->diags);
    const vpce_ast_attr *to = find_attr(b->body, "to"), *id = find_attr(b->body, "id");
    if (!to || !id) {
        vpce_diags_error(d->diags, b->open_range, NULL, "missing required argument \"%s\"",
                         !to ? "to" : "id");
        return;
    }
    vpce_buf t = VPCE_BUF_INIT(4096);
    if (!traversal_text(to->expr, &t)) {
        vpce_diags_error(d->diags, to->expr->range,
                         "the import target must be a resource address, such as aws_vpc.main",
                         "invalid import address");
        vpce_buf_release(&t);
        return;
    }
    vpce_cfg_import *im = vpce_calloc(1, sizeof(*im));
    im->to = vpce_buf_detach(&t);
    im->to_expr = to->expr;
    im->id = id->expr;
    im->range = b->open_range;
    vpce_vec_push(&d->c->imports, im);
}

/* ---- settings: terraform {} and vpce {} ---------------------------------------------------- */

/* required_version = "...": syntax checked here, matched by check_versions once all is read. */
static void decode_version_req(decoder *d, const vpce_ast_attr *a, bool vpce_block)
{
    const char *text = static_string(a->expr);
    if (!text) {
        vpce_diags_error(d->diags, a->expr->range,
                         "a literal string is required for required_version",
                         "invalid version constraint");
        return;
    }
    if (vpce_version_check(text, "0.0.0", NULL) < 0) {
        vpce_diags_error(d->diags, a->expr->range,
                         "this string does not use correct version constraint syntax",
                         "invalid version constraint");
        return;
    }
    vpce_cfg_version_req *v = vpce_calloc(1, sizeof(*v));
    v->constraint = vpce_strdup(text);
    v->vpce_block = vpce_block;
    v->range = a->range;
    vpce_vec_push(&d->c->required_versions, v);
}

/* One required_providers entry: a version string (the old form) or { source, version }. */
static void decode_required_provider(decoder *d, const vpce_ast_attr *a)
{
    const vpce_ast_expr *e = a->expr;
    const char *source = NULL, *version = NULL;
    const vpce_ast_expr *source_expr = e, *version_expr = e;
    bool ok = true;
    if (!vpce_providers_find(a->name)) {
        vpce_diags_error(d->diags, a->name_range, "the provider of vpce is \"aws\"",
                         "unsupported provider \"%s\"", a->name);
        return;
    }
    if (static_string(e)) {
        version = static_string(e);
    } else if (e->kind == VPCE_EXPR_OBJECT) {
        for (size_t i = 0; i < e->u.object.n; i++) {
            const vpce_ast_objitem *it = &e->u.object.items[i];
            const char *key = static_string(it->key);
            if (!key && it->key->kind == VPCE_EXPR_VAR)
                key = it->key->u.var.name;
            if (key && strcmp(key, "configuration_aliases") == 0)
                continue;
            const char *val = static_string(it->value);
            if (key && strcmp(key, "source") == 0 && val) {
                source = val;
                source_expr = it->value;
            } else if (key && strcmp(key, "version") == 0 && val) {
                version = val;
                version_expr = it->value;
            } else if (key && (strcmp(key, "source") == 0 || strcmp(key, "version") == 0)) {
                vpce_diags_error(d->diags, it->value->range, "a literal string is required here",
                                 "invalid \"%s\" value", key);
                ok = false;
            } else {
                vpce_diags_error(d->diags, it->key->range,
                                 "a provider requirement takes source, version and "
                                 "configuration_aliases",
                                 "invalid required_providers object");
                ok = false;
            }
        }
    } else {
        vpce_diags_error(d->diags, e->range,
                         "required_providers entries look like "
                         "aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }",
                         "invalid required_providers object");
        return;
    }
    if (source) {
        /* [HOSTNAME/]NAMESPACE/TYPE; vpce has its own aws provider, so only its type counts. */
        const char *slash = strrchr(source, '/');
        const char *type = slash ? slash + 1 : source;
        size_t parts = 1;
        for (const char *p = source; *p; p++)
            parts += *p == '/';
        if (parts > 3 || strcasecmp(type, a->name) != 0) {
            char *detail = vpce_asprintf("vpce has its own \"%s\" provider, and takes a source "
                                         "that names it, such as \"hashicorp/%s\"",
                                         a->name, a->name);
            vpce_diags_error(d->diags, source_expr->range, detail, "invalid provider source \"%s\"",
                             source);
            free(detail);
            ok = false;
        }
    }
    if (version && vpce_version_check(version, "0.0.0", NULL) < 0) {
        vpce_diags_error(d->diags, version_expr->range,
                         "this string does not use correct version constraint syntax",
                         "invalid version constraint");
        ok = false;
    }
    if (!ok)
        return;
    vpce_cfg_required_provider *rp = vpce_calloc(1, sizeof(*rp));
    rp->name = vpce_strdup(a->name);
    rp->source = source ? vpce_strdup(source) : NULL;
    rp->version = version ? vpce_strdup(version) : NULL;
    rp->range = a->range;
    vpce_vec_push(&d->c->required_providers, rp);
}

/*
 * backend "TYPE" { ... } of a terraform {} or vpce {} block: one per configuration, its settings
 * decoded as literals (they are read before anything is evaluated). A block whose settings are
 * not literals still counts as the backend for the duplicate check, but sets no c->backend.
 */
static void decode_backend(decoder *d, const vpce_ast_block *sb)
{
    if (!check_labels(sb, 1, "backend type", d->diags))
        return;
    if (d->have_backend) {
        char *w = where(d->backend_range);
        char *detail = vpce_asprintf("a configuration may have only one backend "
                                     "configuration; the backend was previously "
                                     "configured at %s",
                                     w);
        vpce_diags_error(d->diags, sb->open_range, detail, "duplicate backend configuration");
        free(detail);
        free(w);
        return;
    }
    d->have_backend = true;
    d->backend_range = sb->open_range;
    json_t *settings = NULL;
    if (vpce_config_literal_body(&settings, sb->body, "the backend block", d->diags) < 0)
        return;
    vpce_cfg_backend *be = vpce_calloc(1, sizeof(*be));
    be->type = vpce_strdup(sb->labels[0]);
    be->settings = settings;
    be->range = sb->open_range;
    d->c->backend = be;
}

/* terraform { ... }: what Terraform accepts there, each argument checked or kept. */
static void decode_terraform(decoder *d, const vpce_ast_block *b)
{
    static const char *const allowed[] = {"required_version", "experiments", "language", NULL};
    static const char *const blocks[] = {"backend", "cloud", "provider_meta", "required_providers",
                                         NULL};
    check_labels(b, 0, "", d->diags);
    check_names(b->body, allowed, blocks, "a terraform block", d->diags);
    const vpce_ast_attr *a;
    if ((a = find_attr(b->body, "required_version")))
        decode_version_req(d, a, false);
    if ((a = find_attr(b->body, "language"))) {
        const char *ed = static_string(a->expr);
        if (!ed || strcmp(ed, "TF2021") != 0)
            vpce_diags_error(d->diags, a->expr->range,
                             "the only language edition vpce supports is TF2021",
                             "unsupported language edition");
    }
    if ((a = find_attr(b->body, "experiments"))) {
        if (a->expr->kind != VPCE_EXPR_TUPLE) {
            vpce_diags_error(d->diags, a->expr->range,
                             "experiments is a list of experiment keywords",
                             "invalid \"experiments\" value");
        } else {
            for (size_t i = 0; i < a->expr->u.list.n; i++) {
                const vpce_ast_expr *it = a->expr->u.list.items[i];
                if (it->kind != VPCE_EXPR_VAR) {
                    vpce_diags_error(d->diags, it->range,
                                     "an experiment keyword is a bare name, such as "
                                     "module_variable_optional_attrs",
                                     "invalid experiment keyword");
                    continue;
                }
                /* vpce has no experiments: every keyword is unknown to it. */
                char *detail = vpce_asprintf("there is no current experiment with the keyword "
                                             "\"%s\"",
                                             it->u.var.name);
                vpce_diags_error(d->diags, it->range, detail, "unknown experiment keyword");
                free(detail);
                vpce_vec_push(&d->c->experiments, vpce_strdup(it->u.var.name));
            }
        }
    }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        const vpce_ast_block *sb = b->body->blocks[i];
        if (strcmp(sb->type, "required_providers") == 0) {
            check_labels(sb, 0, "", d->diags);
            for (size_t k = 0; k < sb->body->nblocks; k++)
                vpce_diags_error(d->diags, sb->body->blocks[k]->type_range,
                                 "required_providers holds only attributes, such as "
                                 "aws = { source = \"hashicorp/aws\" }",
                                 "unsupported block type \"%s\"", sb->body->blocks[k]->type);
            for (size_t k = 0; k < sb->body->nattrs; k++)
                decode_required_provider(d, sb->body->attrs[k]);
        } else if (strcmp(sb->type, "backend") == 0) {
            decode_backend(d, sb);
        } else if (strcmp(sb->type, "cloud") == 0) {
            vpce_diags_error(d->diags, sb->type_range,
                             "vpce cannot use HCP Terraform or Terraform Enterprise: keep the "
                             "state in a backend block, or leave it out for a local vpce.db",
                             "unsupported \"cloud\" block");
        } else if (strcmp(sb->type, "provider_meta") == 0) {
            if (check_labels(sb, 1, "provider name", d->diags))
                vpce_vec_push(&d->c->provider_metas, (void *)sb);
        }
    }
}

/* vpce { required_version = "...", backend "TYPE" { ... } }: settings that apply to vpce alone
   (a backend here is the configuration's one backend, as in a terraform block). */
static void decode_vpce_block(decoder *d, const vpce_ast_block *b)
{
    static const char *const allowed[] = {"required_version", NULL};
    static const char *const blocks[] = {"backend", NULL};
    check_labels(b, 0, "", d->diags);
    check_names(b->body, allowed, blocks, "a vpce block", d->diags);
    const vpce_ast_attr *a = find_attr(b->body, "required_version");
    if (a)
        decode_version_req(d, a, true);
    for (size_t i = 0; i < b->body->nblocks; i++)
        if (strcmp(b->body->blocks[i]->type, "backend") == 0)
            decode_backend(d, b->body->blocks[i]);
}

/*
 * The version of Terraform whose language vpce implements. A terraform block's
 * required_version is matched against it, so a module written for Terraform (">= 1.0") is
 * accepted as it is and one that needs a newer language (">= 99.0") is refused; a vpce block's
 * required_version is matched against vpce's own version.
 */
#define VPCE_TERRAFORM_LANGUAGE_VERSION "1.10.0"

/*
 * Matches every required_version against the version it constrains (pre-release versions match
 * on their core version, as Terraform's do); failures go to diags. True when all hold.
 */
static bool check_versions(const vpce_config *c, vpce_diags *diags)
{
    bool ok = true;
    char *core = vpce_version_core(VPCE_VERSION);
    for (size_t i = 0; core && i < c->required_versions.len; i++) {
        const vpce_cfg_version_req *v = c->required_versions.items[i];
        const char *against = v->vpce_block ? core : VPCE_TERRAFORM_LANGUAGE_VERSION;
        bool pre = false;
        int rc = vpce_version_check(v->constraint, against, &pre);
        if (pre) {
            char *detail = vpce_asprintf(
                "prerelease version constraints are not supported: %s. Remove the prerelease "
                "information from the constraint",
                v->constraint);
            vpce_diags_error(diags, v->range, detail, "invalid required_version constraint");
            free(detail);
            ok = false;
        } else if (rc == 0 && v->vpce_block) {
            char *detail = vpce_asprintf(
                "this configuration does not support vpce version %s (required_version = "
                "\"%s\"). To proceed, either choose another supported vpce version or update "
                "this version constraint. Version constraints are normally set for good "
                "reason, so updating the constraint may lead to other errors or unexpected "
                "behavior",
                VPCE_VERSION, v->constraint);
            vpce_diags_error(diags, v->range, detail, "unsupported vpce version");
            free(detail);
            ok = false;
        } else if (rc == 0) {
            char *detail = vpce_asprintf(
                "vpce %s implements the language of Terraform %s, which this configuration does "
                "not accept (required_version = \"%s\"). A vpce block's required_version "
                "constrains vpce's own version",
                VPCE_VERSION, VPCE_TERRAFORM_LANGUAGE_VERSION, v->constraint);
            vpce_diags_error(diags, v->range, detail, "unsupported Terraform Core version");
            free(detail);
            ok = false;
        }
    }
    free(core);
    return ok;
}

/* A provider configuration reference in a providers map: aws or aws.west; NULL otherwise. */
static char *provider_ref_text(const vpce_ast_expr *e)
{
    vpce_buf t = VPCE_BUF_INIT(1024);
    char *out = NULL;
    if (e->kind != VPCE_EXPR_INDEX && traversal_text(e, &t) && !strchr(vpce_buf_cstr(&t), '['))
        out = vpce_buf_detach(&t);
    vpce_buf_release(&t);
    return out;
}

static void decode_module_call(decoder *d, const vpce_ast_block *b)
{
    if (!check_labels(b, 1, "module name", d->diags))
        return;
    char *key = vpce_asprintf("module %s", b->labels[0]);
    char *what = vpce_asprintf("a module call named \"%s\"", b->labels[0]);
    bool fresh = declare(d, key, b->label_ranges[0], "duplicate module call", what);
    free(key);
    free(what);
    if (!fresh)
        return;
    for (size_t i = 0; i < b->body->nblocks; i++)
        vpce_diags_error(d->diags, b->body->blocks[i]->type_range,
                         "a module block takes only arguments: its source, the module's input "
                         "variables and the meta-arguments",
                         "unsupported block type \"%s\"", b->body->blocks[i]->type);
    vpce_cfg_module_call *m = vpce_calloc(1, sizeof(*m));
    m->name = vpce_strdup(b->labels[0]);
    m->range = b->open_range;
    m->body = b->body;
    const vpce_ast_attr *a;
    if ((a = find_attr(b->body, "source"))) {
        const char *src = static_string(a->expr);
        m->source_range = a->expr->range;
        if (!src || !*src)
            vpce_diags_error(d->diags, a->expr->range,
                             "the module source must be a literal string, such as \"./modules/x\"",
                             "invalid module source");
        else
            m->source = vpce_strdup(src);
    } else {
        vpce_diags_error(d->diags, b->open_range,
                         "the argument \"source\" is required, but no definition was found",
                         "missing required argument");
    }
    if ((a = find_attr(b->body, "version")))
        vpce_diags_error(d->diags, a->name_range,
                         "a version constraint applies to registry modules only; pin a git "
                         "source with ?ref= instead",
                         "unsupported argument \"version\"");
    if ((a = find_attr(b->body, "count")))
        m->count = a->expr;
    if ((a = find_attr(b->body, "for_each"))) {
        m->for_each = a->expr;
        if (m->count)
            vpce_diags_error(d->diags, a->name_range,
                             "the \"count\" and \"for_each\" meta-arguments are mutually "
                             "exclusive, only one should be used",
                             "invalid combination of \"count\" and \"for_each\"");
    }
    if ((a = find_attr(b->body, "depends_on")))
        decode_depends_on(d, a, &m->depends_on, &m->ndepends_on);
    if ((a = find_attr(b->body, "providers"))) {
        const vpce_ast_expr *e = a->expr;
        m->has_providers = true;
        if (e->kind != VPCE_EXPR_OBJECT) {
            vpce_diags_error(d->diags, e->range,
                             "providers maps the module's provider configurations to this "
                             "module's, such as { aws = aws.west }",
                             "invalid \"providers\" value");
        } else {
            m->providers = vpce_calloc(e->u.object.n ? e->u.object.n : 1, sizeof(*m->providers));
            for (size_t i = 0; i < e->u.object.n; i++) {
                const vpce_ast_objitem *it = &e->u.object.items[i];
                char *child = it->key_is_ident ? vpce_strdup(static_string(it->key))
                                               : provider_ref_text(it->key);
                char *parent = provider_ref_text(it->value);
                if (!child || !parent) {
                    vpce_diags_error(d->diags, !child ? it->key->range : it->value->range,
                                     "each item maps a provider configuration reference to "
                                     "another, such as aws = aws.west",
                                     "invalid \"providers\" item");
                    free(child);
                    free(parent);
                    continue;
                }
                vpce_cfg_provider_map *pm = &m->providers[m->nproviders++];
                pm->child = child;
                pm->parent = parent;
                pm->range = it->value->range;
            }
        }
    }
    vpce_vec_push(&d->c->module_calls, m);
}

static void decode_file(decoder *d, const vpce_file *f)
{
    static const char *const top[] = {"check",     "data",     "import",   "locals",  "module",
                                      "moved",     "output",   "provider", "removed", "resource",
                                      "terraform", "variable", "vpce",     NULL};
    if (!f->body)
        return;
    for (size_t i = 0; i < f->body->nattrs; i++) {
        const vpce_ast_attr *a = f->body->attrs[i];
        vpce_diags_error(d->diags, a->name_range,
                         "only blocks such as resource, variable or output are expected at "
                         "the top level of a file",
                         "unsupported argument \"%s\"", a->name);
    }
    for (size_t i = 0; i < f->body->nblocks; i++) {
        const vpce_ast_block *b = f->body->blocks[i];
        const char *t = b->type;
        if (strcmp(t, "resource") == 0)
            decode_resource(d, b, VPCE_MODE_MANAGED);
        else if (strcmp(t, "data") == 0)
            decode_resource(d, b, VPCE_MODE_DATA);
        else if (strcmp(t, "variable") == 0)
            decode_variable(d, b);
        else if (strcmp(t, "locals") == 0)
            decode_locals(d, b);
        else if (strcmp(t, "output") == 0)
            decode_output(d, b);
        else if (strcmp(t, "provider") == 0)
            decode_provider(d, b);
        else if (strcmp(t, "import") == 0)
            decode_import(d, b);
        else if (strcmp(t, "moved") == 0)
            decode_moved(d, b);
        else if (strcmp(t, "removed") == 0)
            decode_removed(d, b);
        else if (strcmp(t, "check") == 0)
            decode_check(d, b);
        else if (strcmp(t, "module") == 0)
            decode_module_call(d, b);
        else if (strcmp(t, "terraform") == 0)
            decode_terraform(d, b);
        else if (strcmp(t, "vpce") == 0)
            decode_vpce_block(d, b);
        else {
            char *hint = did_you_mean(t, top, sizeof(top) / sizeof(top[0]) - 1);
            vpce_diags_error(d->diags, b->type_range, hint, "unsupported block type \"%s\"", t);
            free(hint);
        }
    }
}

/* ---- moved and removed statements together ----------------------------------------------- */

static char *where_col(vpce_range r)
{
    if (!r.src)
        return vpce_strdup("(unknown)");
    int line, col;
    vpce_source_pos(r.src, r.start, &line, &col);
    return vpce_asprintf("%s:%d:%d", r.src->name, line, col);
}

/* The resource a whole-resource address names when module c (or a module it calls) declares
   it; module keys are left out (every instance of a module declares the same resources). */
static const vpce_cfg_resource *declared_resource(const vpce_config *c, const vpce_addr *a)
{
    if (!a->resource || a->key)
        return NULL;
    char *ra = vpce_addr_string(a, false, false);
    const vpce_cfg_resource *r = vpce_config_resource(c, ra);
    free(ra);
    return r;
}

static bool move_cycle_from(const vpce_config *c, size_t i, int *state, size_t *stack, size_t depth,
                            vpce_diags *diags)
{
    state[i] = 1;
    stack[depth] = i;
    const vpce_cfg_moved *m = c->moved.items[i];
    for (size_t j = 0; j < c->moved.len; j++) {
        const vpce_cfg_moved *n = c->moved.items[j];
        if (!vpce_addr_chains(&m->to, &n->from))
            continue;
        if (state[j] == 1) {
            /* Report the members from j round to i, once (at j's block). */
            vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
            vpce_buf_puts(&b, "the following chained move statements form a cycle, and so "
                              "there is no final location to move objects to:");
            size_t k = 0;
            while (stack[k] != j)
                k++;
            for (; k <= depth; k++) {
                const vpce_cfg_moved *x = c->moved.items[stack[k]];
                char *w = where_col(x->range), *f = vpce_addr_format(&x->from),
                     *t = vpce_addr_format(&x->to);
                vpce_buf_printf(&b, "\n  - %s: %s \xe2\x86\x92 %s", w, f, t);
                free(w);
                free(f);
                free(t);
            }
            vpce_diags_error(diags, n->range, b.data, "cyclic dependency in move statements");
            vpce_buf_release(&b);
            return true;
        }
        if (state[j] == 0 && move_cycle_from(c, j, state, stack, depth + 1, diags))
            return true;
    }
    state[i] = 2;
    return false;
}

/* Checks what moved and removed blocks say against each other and against the resources
   declared: an object moved or removed must no longer be declared, two statements may not
   disagree about where an object went or came from, and chains must end. */
static void check_moves(const vpce_config *c, vpce_diags *diags)
{
    for (size_t i = 0; i < c->moved.len; i++) {
        const vpce_cfg_moved *m = c->moved.items[i];
        const vpce_cfg_resource *r = declared_resource(c, &m->from);
        if (r) {
            char *f = vpce_addr_format(&m->from), *w = where_col(r->range);
            char *detail = vpce_asprintf("this statement declares a move from %s, but that "
                                         "resource is still declared at %s; change your "
                                         "configuration so that this resource is declared only "
                                         "at the new address",
                                         f, w);
            vpce_diags_error(diags, m->from_range, detail, "moved object still exists");
            free(detail);
            free(f);
            free(w);
        }
        for (size_t j = 0; j < i; j++) {
            const vpce_cfg_moved *o = c->moved.items[j];
            bool same_from = vpce_addr_equal(&m->from, &o->from);
            bool same_to = vpce_addr_equal(&m->to, &o->to);
            if (same_from == same_to)
                continue; /* a repeated statement is harmless */
            char *w = where_col(o->range);
            char *of = vpce_addr_format(&o->from), *ot = vpce_addr_format(&o->to);
            char *mf = vpce_addr_format(&m->from), *mt = vpce_addr_format(&m->to);
            char *detail =
                same_from
                    ? vpce_asprintf("a statement at %s declared that %s moved to %s, but this "
                                    "statement instead declares that it moved to %s",
                                    w, of, ot, mt)
                    : vpce_asprintf("a statement at %s declared that %s moved from %s, but this "
                                    "statement instead declares that it moved from %s",
                                    w, ot, of, mf);
            vpce_diags_error(diags, m->range, detail, "ambiguous move statements");
            free(detail);
            free(w);
            free(of);
            free(ot);
            free(mf);
            free(mt);
            break;
        }
    }
    if (c->moved.len) {
        int *state = vpce_calloc(c->moved.len, sizeof(*state));
        size_t *stack = vpce_calloc(c->moved.len + 1, sizeof(*stack));
        for (size_t i = 0; i < c->moved.len; i++)
            if (state[i] == 0 && move_cycle_from(c, i, state, stack, 0, diags))
                break;
        free(state);
        free(stack);
    }
    for (size_t i = 0; i < c->removed.len; i++) {
        const vpce_cfg_removed *rm = c->removed.items[i];
        const vpce_cfg_resource *r = declared_resource(c, &rm->from);
        if (r) {
            char *f = vpce_addr_format(&rm->from), *w = where_col(r->range);
            char *detail = vpce_asprintf("this statement declares that %s was removed, but it is "
                                         "still declared in configuration at %s",
                                         f, w);
            vpce_diags_error(diags, rm->from_range, detail, "removed resource still exists");
            free(detail);
            free(f);
            free(w);
        }
        for (size_t j = 0; j < c->moved.len; j++) {
            const vpce_cfg_moved *m = c->moved.items[j];
            if (!vpce_addr_equal(&m->to, &rm->from))
                continue;
            char *f = vpce_addr_format(&rm->from), *w = where_col(m->range);
            char *detail = vpce_asprintf("a moved block at %s moves objects to %s, which this "
                                         "statement declares removed",
                                         w, f);
            vpce_diags_error(diags, rm->from_range, detail, "conflicting removed statement");
            free(detail);
            free(f);
            free(w);
        }
    }
}

/* ---- loading ------------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Hashes the names and texts of every module's files into root->content_hash: a file's name is
   its module's address prefix and its name in the module's directory (so the hash does not
   depend on where the configuration is checked out). */
static void *hash_files(void *arg)
{
    vpce_config *root = arg;
    vpce_sha256_ctx h;
    vpce_sha256_init(&h);
    for (size_t mi = 0; mi < root->modules.len; mi++) {
        const vpce_config *m = root->modules.items[mi];
        for (size_t i = 0; i < m->files.len; i++) {
            const vpce_file *f = m->files.items[i];
            const char *slash = strrchr(f->src->name, '/');
            const char *name = slash ? slash + 1 : f->src->name;
            uint64_t len = f->src->len;
            if (m->prefix[0])
                vpce_sha256_update(&h, m->prefix, strlen(m->prefix));
            vpce_sha256_update(&h, name, strlen(name) + 1);
            vpce_sha256_update(&h, &len, sizeof(len));
            vpce_sha256_update(&h, f->src->text, f->src->len);
        }
    }
    vpce_sha256_final(&h, root->content_hash);
    return NULL;
}

/* Lists the names of dir's files ending in suffix (sorted) into names. */
static int list_files(vpce_vec *names, const char *dir, const char *suffix)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    struct dirent *de;
    while ((de = readdir(dh)))
        if (de->d_name[0] != '.' && ends_with(de->d_name, suffix))
            vpce_vec_push(names, vpce_strdup(de->d_name));
    closedir(dh);
    vpce_vec_sort(names, cmp_str);
    return 0;
}

int config_load_files(vpce_config *c, vpce_range where, bool *syntax_errors, vpce_diags *diags)
{
    const char *dir = c->dir;
    vpce_vec names = VPCE_VEC_INIT;
    int rc = 0;
    if (list_files(&names, dir, ".vpce") != 0) {
        vpce_diags_error(diags, where, NULL, "cannot read %s directory \"%s\": %m",
                         c->parent ? "module" : "configuration", dir);
        rc = VPCE_EINVALID;
        goto cleanup;
    }
    /* A directory of Terraform files (a root module as well as a called one) is read as it is;
       beside *.vpce files, *.tf files are not read. */
    if (!names.len)
        list_files(&names, dir, ".tf");
    if (!names.len) {
        vpce_diags_error(diags, where,
                         c->parent ? "a module directory holds *.vpce files, or *.tf files when "
                                     "it has no *.vpce file"
                                   : "vpce reads every *.vpce file of the directory, or its *.tf "
                                     "files when it has no *.vpce file",
                         "no configuration files in %s", dir);
        rc = VPCE_EINVALID;
        goto cleanup;
    }

    size_t parse_errors_before = diags->nerrors;
    for (size_t i = 0; i < names.len; i++) {
        const char *name = names.items[i];
        char *path = strcmp(dir, ".") == 0 ? vpce_strdup(name)
                     : ends_with(dir, "/") ? vpce_asprintf("%s%s", dir, name)
                                           : vpce_asprintf("%s/%s", dir, name);
        vpce_file *f = NULL;
        struct stat sb;
        /* A directory named *.vpce is skipped, as Terraform skips one named *.tf; a FIFO or a
           device is an error (vpce_parse_file refuses it without blocking). */
        if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
            vpce_parse_file(&f, path, diags);
        free(path);
        if (!f)
            continue;
        vpce_vec_push(&c->files, f);
    }
    if (diags->nerrors > parse_errors_before)
        *syntax_errors = true;

    decoder d = {.c = c, .diags = diags, .seen = vpce_map_new(), .seen_ranges = VPCE_VEC_INIT};
    for (size_t i = 0; i < c->files.len; i++)
        decode_file(&d, c->files.items[i]);
    for (size_t i = 0; i < d.seen_ranges.len; i++)
        free(d.seen_ranges.items[i]);
    vpce_vec_release(&d.seen_ranges);
    vpce_map_free(d.seen);
    for (size_t i = 0; i < c->resources.len; i++) {
        vpce_cfg_resource *r = c->resources.items[i];
        r->module = c;
        r->path_addr = vpce_asprintf("%s%s", c->prefix, r->addr);
    }

cleanup:
    for (size_t i = 0; i < names.len; i++)
        free(names.items[i]);
    vpce_vec_release(&names);
    return rc;
}

vpce_config *config_new(const char *dir, vpce_config *parent, const vpce_cfg_module_call *call)
{
    vpce_config *c = vpce_calloc(1, sizeof(*c));
    c->dir = vpce_strdup(dir);
    c->by_addr = vpce_map_new();
    c->parent = parent;
    c->call = call;
    if (!parent) {
        c->prefix = vpce_strdup("");
        c->root = c;
        vpce_vec_push(&c->modules, c);
    } else {
        c->prefix = vpce_asprintf("%smodule.%s.", parent->prefix, call->name);
        c->depth = parent->depth + 1;
        c->root = parent->root;
        c->id = c->root->modules.len;
        vpce_vec_push((vpce_vec *)&c->root->modules, c);
    }
    return c;
}

int vpce_config_load_dir(vpce_config **out, const char *dir, vpce_diags *diags)
{
    vpce_range nowhere = {NULL, 0, 0};
    bool syntax_errors = false;
    int rc = 0;
    vpce_config *c = config_new(dir, NULL, NULL);
    *out = c;

    /* Everything found from here is held back until the version constraints are known to hold:
       a configuration written for another version is reported by its constraint alone. */
    vpce_diags *out_diags = diags;
    vpce_diags work = VPCE_DIAGS_INIT;
    diags = &work;
    size_t errors_before = 0;

    if (config_load_files(c, nowhere, &syntax_errors, diags) < 0) {
        vpce_diags_append(out_diags, &work);
        return VPCE_EINVALID;
    }
    /* The called modules, recursively; then what needs the whole tree: module arguments,
       provider configurations through the tree, the graph's nodes. */
    config_load_modules(c, &syntax_errors, diags);

    /* The content hash is worked out on another thread while the tree is checked (it reads
       only the files' text); joined before returning. */
    pthread_t hash_thread;
    bool hashing = pthread_create(&hash_thread, NULL, hash_files, c) == 0;
    if (!hashing)
        hash_files(c);

    /* Every module's required_version (Terraform checks each module of the tree). */
    vpce_diags vdiags = VPCE_DIAGS_INIT;
    bool versions_ok = true;
    for (size_t i = 0; i < c->modules.len; i++)
        versions_ok &= check_versions(c->modules.items[i], &vdiags);
    if (!versions_ok) {
        vpce_diags_release(&work);
        vpce_diags_append(out_diags, &vdiags);
        rc = VPCE_EINVALID;
        goto cleanup;
    }

    for (size_t i = 0; i < c->modules.len; i++)
        check_moves(c->modules.items[i], diags);

    /* After syntax errors the trees are partial: checking references and evaluating them
       would only report consequences of those errors. */
    if (!syntax_errors) {
        vpce_graph *g = NULL;
        /* Kept for planning when it is whole (vpce_config.graph). */
        if (vpce_config_graph(&g, c, diags) == 0)
            c->graph = g;
        else
            vpce_graph_free(g);
        vpce_config_check_sensitive(c, diags);
        vpce_config_validate(c, diags);
    }
    if (diags->nerrors > errors_before)
        rc = VPCE_EINVALID;
    vpce_diags_append(out_diags, &work);

cleanup:
    if (hashing)
        pthread_join(hash_thread, NULL);
    return rc;
}

void vpce_config_free(vpce_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->module_calls.len; i++) {
        vpce_cfg_module_call *m = c->module_calls.items[i];
        vpce_config_free(m->child);
        free(m->name);
        free(m->source);
        free(m->depends_on);
        for (size_t k = 0; k < m->nproviders; k++) {
            free(m->providers[k].child);
            free(m->providers[k].parent);
        }
        free(m->providers);
        free(m);
    }
    vpce_vec_release(&c->module_calls);
    for (size_t i = 0; i < c->nodes.len; i++)
        free(c->nodes.items[i]);
    vpce_vec_release(&c->nodes);
    vpce_vec_release(&c->modules);
    free(c->prefix);
    for (size_t i = 0; i < c->variables.len; i++) {
        vpce_cfg_variable *v = c->variables.items[i];
        free(v->name);
        free(v->description);
        free(v->validations);
        free(v);
    }
    for (size_t i = 0; i < c->locals.len; i++) {
        vpce_cfg_local *l = c->locals.items[i];
        free(l->name);
        free(l);
    }
    for (size_t i = 0; i < c->outputs.len; i++) {
        vpce_cfg_output *o = c->outputs.items[i];
        free(o->name);
        free(o->description);
        free(o->depends_on);
        free(o->preconditions);
        free(o);
    }
    for (size_t i = 0; i < c->providers.len; i++) {
        vpce_cfg_provider *p = c->providers.items[i];
        free(p->name);
        free(p->alias);
        free(p);
    }
    for (size_t i = 0; i < c->resources.len; i++) {
        free_resource(c->resources.items[i]);
    }
    for (size_t i = 0; i < c->imports.len; i++) {
        vpce_cfg_import *im = c->imports.items[i];
        free(im->to);
        free(im);
    }
    for (size_t i = 0; i < c->moved.len; i++) {
        vpce_cfg_moved *m = c->moved.items[i];
        vpce_addr_release(&m->from);
        vpce_addr_release(&m->to);
        free(m);
    }
    for (size_t i = 0; i < c->removed.len; i++) {
        vpce_cfg_removed *rm = c->removed.items[i];
        vpce_addr_release(&rm->from);
        free(rm);
    }
    for (size_t i = 0; i < c->checks.len; i++)
        free_check(c->checks.items[i]);
    vpce_vec_release(&c->moved);
    vpce_vec_release(&c->removed);
    vpce_vec_release(&c->checks);
    for (size_t i = 0; i < c->required_versions.len; i++) {
        vpce_cfg_version_req *v = c->required_versions.items[i];
        free(v->constraint);
        free(v);
    }
    for (size_t i = 0; i < c->required_providers.len; i++) {
        vpce_cfg_required_provider *rp = c->required_providers.items[i];
        free(rp->name);
        free(rp->source);
        free(rp->version);
        free(rp);
    }
    for (size_t i = 0; i < c->experiments.len; i++)
        free(c->experiments.items[i]);
    vpce_vec_release(&c->required_versions);
    vpce_vec_release(&c->required_providers);
    vpce_vec_release(&c->experiments);
    vpce_vec_release(&c->provider_metas);
    for (size_t i = 0; i < c->files.len; i++)
        vpce_file_free(c->files.items[i]);
    vpce_vec_release(&c->variables);
    vpce_vec_release(&c->locals);
    vpce_vec_release(&c->outputs);
    vpce_vec_release(&c->providers);
    vpce_vec_release(&c->resources);
    vpce_vec_release(&c->imports);
    vpce_vec_release(&c->files);
    vpce_map_free(c->by_addr);
    vpce_graph_free(c->graph);
    if (c->backend) {
        free(c->backend->type);
        json_decref(c->backend->settings);
        free(c->backend);
    }
    free(c->workspace);
    free(c->dir);
    free(c);
}
