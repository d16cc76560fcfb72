/*
 * config/vars.c: the values of input variables (vpce_config_vars): defaults, VPCE_VAR_<name>
 * environment variables, -var-file files and -var flags, in increasing precedence, converted to
 * the declared types and checked against the variables' validation blocks.
 */
#include "config/config.h"
#include "lang/lang.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * Files parsed for variable values (-var-file, -var expressions). Diagnostics may point into them
 * until the program prints and exits, so they are kept for the life of the process.
 */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static vpce_vec kept_files;

static void keep_file(vpce_file *f)
{
    pthread_mutex_lock(&kept_lock);
    vpce_vec_push(&kept_files, f);
    pthread_mutex_unlock(&kept_lock);
}

static const vpce_cfg_variable *find_var(const vpce_config *c, const char *name)
{
    for (size_t i = 0; i < c->variables.len; i++) {
        const vpce_cfg_variable *v = c->variables.items[i];
        if (strcmp(v->name, name) == 0)
            return v;
    }
    return NULL;
}

/* True when a raw -var/env value is taken literally: a primitive or unset type, as Terraform. */
static bool literal_mode(const json_t *type)
{
    return json_is_string(type);
}

/* A raw string value for v: literal, or parsed and evaluated as a constant expression. */
static json_t *raw_value(const vpce_cfg_variable *v, const json_t *type, const char *raw,
                         const char *origin, vpce_diags *diags)
{
    if (literal_mode(type))
        return json_string(raw);
    vpce_file *f = NULL;
    vpce_ast_expr *e = NULL;
    json_t *out = NULL;
    if (vpce_parse_expr(&f, &e, origin, raw, strlen(raw), diags) == 0 && e) {
        json_t *scope = json_object();
        vpce_eval_ctx ctx = {scope, ".", diags};
        out = vpce_eval(&ctx, e);
        json_decref(scope);
    }
    (void)v;
    if (f)
        keep_file(f);
    return out;
}

static bool is_ident(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

int vpce_config_vars(json_t **out, const vpce_config *c, const json_t *cli_vars,
                     const char *const *var_files, size_t nvar_files, vpce_diags *diags)
{
    size_t errors_before = diags->nerrors;
    vpce_range nowhere = {NULL, 0, 0};
    json_t *values = json_object(); /* name -> raw (unconverted) value */
    json_t *types = json_object();
    json_t *empty = json_object();
    vpce_eval_ctx cctx = {empty, c->dir, diags};

    for (size_t i = 0; i < c->variables.len; i++) {
        const vpce_cfg_variable *v = c->variables.items[i];
        vpce_diags quiet = VPCE_DIAGS_INIT; /* type errors were reported when loading */
        json_t *t = v->type ? vpce_type_from_expr(v->type, &quiet) : NULL;
        vpce_diags_release(&quiet);
        json_object_set_new(types, v->name, t ? t : json_string("dynamic"));
        if (v->default_expr) {
            json_t *d = vpce_eval(&cctx, v->default_expr);
            if (d)
                json_object_set_new(values, v->name, d);
        }
        char *env = vpce_asprintf("VPCE_VAR_%s", v->name);
        const char *ev = getenv(env);
        free(env);
        if (ev) {
            json_t *x = raw_value(v, json_object_get(types, v->name), ev, "environment", diags);
            if (x)
                json_object_set_new(values, v->name, x);
        }
    }

    for (size_t i = 0; i < nvar_files; i++) {
        vpce_file *f = NULL;
        vpce_parse_file(&f, var_files[i], diags);
        if (!f)
            continue;
        keep_file(f);
        for (size_t k = 0; f->body && k < f->body->nblocks; k++)
            vpce_diags_error(diags, f->body->blocks[k]->type_range,
                             "a variables file holds only name = value assignments",
                             "unexpected block \"%s\" in a variables file",
                             f->body->blocks[k]->type);
        for (size_t k = 0; f->body && k < f->body->nattrs; k++) {
            const vpce_ast_attr *a = f->body->attrs[k];
            if (!find_var(c, a->name)) {
                char *detail = vpce_asprintf("the file sets \"%s\" but no variable of that name "
                                             "is declared; the value is ignored",
                                             a->name);
                vpce_diags_warning(diags, a->name_range, detail,
                                   "value for undeclared variable \"%s\"", a->name);
                free(detail);
                continue;
            }
            json_t *x = vpce_eval(&cctx, a->expr);
            if (x)
                json_object_set_new(values, a->name, x);
        }
    }

    const char *name;
    json_t *raw;
    json_object_foreach((json_t *)cli_vars, name, raw)
    {
        const vpce_cfg_variable *v = find_var(c, name);
        if (!v) {
            vpce_diags_error(diags, nowhere,
                             is_ident(name) ? "declare it with a variable block to set it"
                                            : "-var takes NAME=VALUE",
                             "value for undeclared variable \"%s\"", name);
            continue;
        }
        json_t *x =
            raw_value(v, json_object_get(types, name), json_string_value(raw), "-var", diags);
        if (x)
            json_object_set_new(values, name, x);
    }

    json_t *result = json_object();
    for (size_t i = 0; i < c->variables.len; i++) {
        const vpce_cfg_variable *v = c->variables.items[i];
        json_t *x = json_object_get(values, v->name);
        if (x && json_is_null(x) && !v->nullable) {
            if (v->default_expr)
                x = NULL; /* fall back to the default below */
            else {
                vpce_diags_error(diags, v->range, "this variable is declared nullable = false",
                                 "required variable \"%s\" may not be null", v->name);
                continue;
            }
        }
        json_t *dflt = NULL;
        if (!x && v->default_expr) {
            dflt = vpce_eval(&cctx, v->default_expr);
            x = dflt;
        }
        if (!x) {
            if (!v->default_expr)
                vpce_diags_error(diags, v->range,
                                 "set it with -var, -var-file, VPCE_VAR_NAME or a default",
                                 "no value for required variable \"%s\"", v->name);
            continue;
        }
        const char *why = NULL;
        json_t *cv = vpce_convert(x, json_object_get(types, v->name), &why);
        json_decref(dflt);
        if (!cv) {
            vpce_diags_error(diags, v->range, why, "invalid value for input variable \"%s\"",
                             v->name);
            continue;
        }
        json_object_set_new(result, v->name, cv);
    }

    /* Validation rules see the variables' final values. */
    json_t *scope = json_pack("{s:O}", "var", result);
    vpce_eval_ctx vctx = {scope, c->dir, diags};
    for (size_t i = 0; i < c->variables.len; i++) {
        const vpce_cfg_variable *v = c->variables.items[i];
        if (!json_object_get(result, v->name))
            continue;
        for (size_t k = 0; k < v->nvalidations; k++) {
            const vpce_cfg_validation *val = &v->validations[k];
            json_t *ok = vpce_eval(&vctx, val->condition);
            if (!ok || vpce_is_unknown(ok)) {
                json_decref(ok);
                continue;
            }
            if (!json_is_boolean(ok)) {
                vpce_diags_error(diags, val->condition->range, "the condition must be a bool",
                                 "invalid validation condition result");
            } else if (json_is_false(ok)) {
                json_t *msg = vpce_eval(&vctx, val->error_message);
                char *text = msg ? vpce_value_to_string(msg, &(const char *){NULL}) : NULL;
                vpce_diags_error(diags, val->condition->range, text ? text : NULL,
                                 "invalid value for variable \"%s\"", v->name);
                free(text);
                json_decref(msg);
            }
            json_decref(ok);
        }
    }
    json_decref(scope);
    json_decref(values);
    json_decref(types);
    json_decref(empty);
    *out = result;
    return diags->nerrors > errors_before ? VPCE_EINVALID : 0;
}
