/*
 * config/sensitive.c: which expressions of a configuration carry sensitive values, judged from
 * the expressions (vpce has no marks on values): sensitive variables, local values built from
 * them, attributes the provider schemas mark sensitive, and sensitive()/nonsensitive() calls.
 * Outputs that carry such values must say sensitive = true, as Terraform requires.
 */
#include "config/config_internal.h"

#include <stdlib.h>
#include <string.h>

static bool local_sensitive(const vpce_config *c, vpce_cfg_local *l);

static bool schema_has_sensitive(const vpce_block_schema *s)
{
    for (const vpce_attr_schema *a = s ? s->attrs : NULL; a && a->name; a++)
        if (a->flags & VPCE_ATTR_SENSITIVE)
            return true;
    return false;
}

vpce_sensitivity vpce_config_ref_sensitive(const char *root, const vpce_ref_step *st, size_t n,
                                           void *ud)
{
    const vpce_config *c = ud;
    if (strcmp(root, "var") == 0 || strcmp(root, "local") == 0) {
        if (n < 1 || st[0].index || !st[0].name)
            return VPCE_SENS_NONE;
        if (root[0] == 'v') {
            for (size_t i = 0; i < c->variables.len; i++) {
                const vpce_cfg_variable *v = c->variables.items[i];
                if (strcmp(v->name, st[0].name) == 0)
                    return v->sensitive ? VPCE_SENS_WHOLE : VPCE_SENS_NONE;
            }
            return VPCE_SENS_NONE;
        }
        for (size_t i = 0; i < c->locals.len; i++) {
            vpce_cfg_local *l = c->locals.items[i];
            if (strcmp(l->name, st[0].name) == 0)
                return local_sensitive(c, l) ? VPCE_SENS_WHOLE : VPCE_SENS_NONE;
        }
        return VPCE_SENS_NONE;
    }
    size_t skip = strcmp(root, "data") == 0 ? 2 : 1;
    if (n < skip || st[skip - 1].index || !st[skip - 1].name || (skip == 2 && st[0].index))
        return VPCE_SENS_NONE;
    char *addr = skip == 2 ? vpce_asprintf("data.%s.%s", st[0].name, st[1].name)
                           : vpce_asprintf("%s.%s", root, st[0].name);
    const vpce_cfg_resource *r = vpce_config_resource(c, addr);
    free(addr);
    if (!r || !r->rtype)
        return VPCE_SENS_NONE;
    st += skip;
    n -= skip;
    if (n > 0 && st[0].index) { /* an instance key, or [*] */
        st++;
        n--;
    }
    if (n == 0) /* the whole object: the schema marks only its sensitive attributes */
        return schema_has_sensitive(r->rtype->schema) ? VPCE_SENS_PART : VPCE_SENS_NONE;
    if (st[0].index || !st[0].name)
        return VPCE_SENS_NONE;
    const vpce_attr_schema *a = vpce_schema_attr(r->rtype->schema, st[0].name);
    return a && (a->flags & VPCE_ATTR_SENSITIVE) ? VPCE_SENS_WHOLE : VPCE_SENS_NONE;
}

static bool local_sensitive(const vpce_config *c, vpce_cfg_local *l)
{
    if (l->sensitivity == 0) {
        l->sensitivity = 1; /* a cycle (reported elsewhere) stops here */
        l->sensitivity = vpce_expr_sensitive(l->expr, vpce_config_ref_sensitive, (void *)c) ? 3 : 2;
    }
    return l->sensitivity == 3;
}

bool vpce_config_expr_sensitive(const vpce_config *c, const vpce_ast_expr *e)
{
    return e && vpce_expr_sensitive(e, vpce_config_ref_sensitive, (void *)c);
}

static void check_module(vpce_config *c, vpce_diags *diags)
{
    for (size_t i = 0; i < c->locals.len; i++)
        local_sensitive(c, c->locals.items[i]);
    for (size_t i = 0; i < c->outputs.len; i++) {
        const vpce_cfg_output *o = c->outputs.items[i];
        if (o->sensitive || !vpce_config_expr_sensitive(c, o->value))
            continue;
        vpce_diags_error(diags, o->range,
                         "to reduce the risk of accidentally exporting sensitive data that was "
                         "intended to be only internal, vpce requires that any output "
                         "containing sensitive data be explicitly marked as sensitive, to "
                         "confirm your intent. If you do intend to export this data, annotate "
                         "the output value as sensitive by adding the following argument:\n"
                         "    sensitive = true",
                         "output refers to sensitive values");
    }
}

void vpce_config_check_sensitive(vpce_config *c, vpce_diags *diags)
{
    if (c->modules.len == 0) {
        check_module(c, diags);
        return;
    }
    for (size_t i = 0; i < c->modules.len; i++)
        check_module(c->modules.items[i], diags);
}
