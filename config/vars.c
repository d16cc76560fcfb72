/*
 * config/vars.c: the values of input variables (vpce_config_vars): defaults, TF_VAR_<name> and
 * VPCE_VAR_<name> environment variables, the files Terraform loads by itself (terraform.tfvars,
 * *.auto.tfvars, their .json forms), -var-file files and -var flags, in increasing precedence,
 * converted to the declared types and checked against the variables' validation blocks.
 */
#include "config/config.h"
#include "lang/lang.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest variables file read. */
#define VPCE_VAR_FILE_MAX (64u * 1024 * 1024)

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
        vpce_eval_ctx ctx = {scope, ".", diags, NULL, NULL};
        out = vpce_eval(&ctx, e);
        json_decref(scope);
    }
    (void)v;
    vpce_file_free(f); /* diagnostics pointing into it keep its source alive */
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

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The variable files Terraform loads without being asked, in its order: terraform.tfvars,
 * terraform.tfvars.json, then every *.auto.tfvars and *.auto.tfvars.json by name (and vpce's
 * own spellings: vpce.tfvars first, *.auto.vpcevars among the auto files). Paths into *out.
 */
static void auto_var_files(vpce_vec *out, const char *dir)
{
    static const char *const fixed[] = {"vpce.tfvars", "terraform.tfvars", "terraform.tfvars.json"};
    const char *d = dir && *dir ? dir : ".";
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        char *p = vpce_asprintf("%s/%s", d, fixed[i]);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            vpce_vec_push(out, p);
        else
            free(p);
    }
    DIR *dh = opendir(d);
    if (!dh)
        return;
    vpce_vec names = VPCE_VEC_INIT;
    struct dirent *e;
    while ((e = readdir(dh)))
        if (has_suffix(e->d_name, ".auto.tfvars") || has_suffix(e->d_name, ".auto.tfvars.json") ||
            has_suffix(e->d_name, ".auto.vpcevars"))
            vpce_vec_push(&names, vpce_strdup(e->d_name));
    closedir(dh);
    vpce_vec_sort(&names, cmp_str);
    for (size_t i = 0; i < names.len; i++) {
        vpce_vec_push(out, vpce_asprintf("%s/%s", d, (char *)names.items[i]));
        free(names.items[i]);
    }
    vpce_vec_release(&names);
}

/* A value for an undeclared variable in a file: a warning, as Terraform gives. */
static void warn_undeclared(vpce_diags *diags, vpce_range at, const char *name)
{
    char *detail = vpce_asprintf("the file sets \"%s\" but no variable of that name is declared; "
                                 "the value is ignored",
                                 name);
    vpce_diags_warning(diags, at, detail, "value for undeclared variable \"%s\"", name);
    free(detail);
}

/* A .tfvars.json file: one JSON object of name -> value. */
static void load_json_var_file(json_t *values, const vpce_config *c, const char *path,
                               vpce_diags *diags)
{
    vpce_range nowhere = {NULL, 0, 0};
    char *data = NULL;
    size_t len = 0;
    if (vpce_read_file(&data, &len, path, VPCE_VAR_FILE_MAX) < 0) {
        vpce_diags_error(diags, nowhere, vpce_error_last(), "cannot read variables file \"%s\"",
                         path);
        return;
    }
    json_error_t je;
    json_t *doc = json_loadb(data, len, JSON_DECODE_ANY, &je);
    free(data);
    if (!doc || !json_is_object(doc)) {
        char *detail = doc ? vpce_strdup("the file must hold one JSON object of variable values")
                           : vpce_asprintf("line %d, column %d: %s", je.line, je.column, je.text);
        vpce_diags_error(diags, nowhere, detail, "invalid variables file \"%s\"", path);
        free(detail);
        json_decref(doc);
        return;
    }
    const char *name;
    json_t *v;
    json_object_foreach(doc, name, v)
    {
        if (!find_var(c, name)) {
            char *what = vpce_asprintf("%s (in %s)", name, path);
            warn_undeclared(diags, nowhere, what);
            free(what);
            continue;
        }
        json_object_set(values, name, v);
    }
    json_decref(doc);
}

/* A variables file in HCL attribute syntax (constant expressions) or, named *.json, JSON. */
static void load_var_file(json_t *values, const vpce_config *c, const vpce_eval_ctx *cctx,
                          const char *path, vpce_diags *diags)
{
    if (has_suffix(path, ".json")) {
        load_json_var_file(values, c, path, diags);
        return;
    }
    vpce_file *f = NULL;
    vpce_parse_file(&f, path, diags);
    if (!f)
        return;
    for (size_t k = 0; f->body && k < f->body->nblocks; k++)
        vpce_diags_error(diags, f->body->blocks[k]->type_range,
                         "a variables file holds only name = value assignments",
                         "unexpected block \"%s\" in a variables file", f->body->blocks[k]->type);
    for (size_t k = 0; f->body && k < f->body->nattrs; k++) {
        const vpce_ast_attr *a = f->body->attrs[k];
        if (!find_var(c, a->name)) {
            warn_undeclared(diags, a->name_range, a->name);
            continue;
        }
        json_t *x = vpce_eval(cctx, a->expr);
        if (x)
            json_object_set_new(values, a->name, x);
    }
    vpce_file_free(f); /* diagnostics pointing into it keep its source alive */
}

int vpce_config_vars(json_t **out, const vpce_config *c, const json_t *cli_vars,
                     const char *const *var_files, size_t nvar_files, vpce_diags *diags)
{
    size_t errors_before = diags->nerrors;
    vpce_range nowhere = {NULL, 0, 0};
    json_t *values = json_object(); /* name -> raw (unconverted) value */
    json_t *types = json_object();
    json_t *empty = json_object();
    vpce_eval_ctx cctx = {empty, c->dir, diags, NULL, NULL};

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
        /* TF_VAR_name as Terraform reads it, VPCE_VAR_name over it. */
        static const char *const prefixes[] = {"TF_VAR_", "VPCE_VAR_"};
        for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
            char *env = vpce_asprintf("%s%s", prefixes[p], v->name);
            const char *ev = getenv(env);
            if (ev) {
                json_t *x = raw_value(v, json_object_get(types, v->name), ev, env, diags);
                if (x)
                    json_object_set_new(values, v->name, x);
            }
            free(env);
        }
    }

    /* Files: those Terraform loads by itself from the configuration's directory, then -var-file
       in command-line order. */
    vpce_vec auto_files = VPCE_VEC_INIT;
    auto_var_files(&auto_files, c->dir);
    for (size_t i = 0; i < auto_files.len + nvar_files; i++) {
        const char *path = i < auto_files.len ? auto_files.items[i] : var_files[i - auto_files.len];
        load_var_file(values, c, &cctx, path, diags);
    }
    for (size_t i = 0; i < auto_files.len; i++)
        free(auto_files.items[i]);
    vpce_vec_release(&auto_files);

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
                                 "set it with -var, -var-file, a terraform.tfvars or *.auto.tfvars "
                                 "file, TF_VAR_NAME, VPCE_VAR_NAME or a default",
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
    vpce_eval_ctx vctx = {scope, c->dir, diags, NULL, NULL};
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
