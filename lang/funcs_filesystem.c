/*
 * lang/funcs_filesystem.c: built-in functions on files: file, fileexists, templatefile.
 */
#include "lang/funcs.h"
#include "parser/parser.h"

#include <stdlib.h>
#include <string.h>

static char *resolve_path(fcall *c, const char *p)
{
    if (p[0] == '/' || !c->ctx->base_dir || !c->ctx->base_dir[0] ||
        strcmp(c->ctx->base_dir, ".") == 0)
        return vpce_strdup(p);
    return vpce_asprintf("%s/%s", c->ctx->base_dir, p);
}

static json_t *f_file(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    char *path = resolve_path(c, p);
    char *data = NULL;
    size_t len = 0;
    json_t *r = NULL;
    int rc = vpce_read_file(&data, &len, path, FILE_MAX);
    if (rc == VPCE_ETOOBIG) {
        fn_fail(c, "the file %s is larger than %u bytes", p, FILE_MAX);
        goto cleanup;
    }
    if (rc < 0) {
        if (rc == VPCE_ENOTFOUND)
            fn_fail(c,
                    "no file exists at %s; this function works only with files that are part of "
                    "the configuration",
                    p);
        else
            fn_fail(c, "%s", vpce_error_last()); /* a directory, a FIFO, a device... */
        goto cleanup;
    }
    r = json_stringn(data, len);
    if (!r)
        fn_fail(c,
                "contents of %s are not valid UTF-8; use the filebase64 function to obtain the "
                "Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to "
                "obtain file hashing results instead",
                p);
cleanup:
    free(data);
    free(path);
    return r;
}

static json_t *f_fileexists(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    char *path = resolve_path(c, p);
    int rc = vpce_check_regular(path);
    free(path);
    if (rc < 0 && rc != VPCE_ENOTFOUND)
        return fn_fail(c, "%s", vpce_error_last()); /* as Terraform: not a regular file */
    return json_boolean(rc == 0);
}

static bool valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t k = vpce_utf8_seq_len((const unsigned char *)s + i, len - i);
        if (k == 0 || s[i] == 0)
            return false;
        i += k;
    }
    return true;
}

/* templatefile() inside a template is refused, as Terraform does. */
static _Thread_local int template_depth;

static json_t *f_templatefile(fcall *c)
{
    const char *p = fn_str(c, 0);
    if (!p)
        return NULL;
    if (!fn_is_null(c->a[1]) && !json_is_object(c->a[1]))
        return fn_arg_err(c, 1, "a map or object of template variables is required");
    if (template_depth > 0)
        return fn_fail(c, "cannot recursively call templatefile from inside another template");
    char *path = resolve_path(c, p);
    char *data = NULL;
    size_t len = 0;
    json_t *r = NULL, *scope = NULL;
    vpce_file *file = NULL;
    vpce_ast_expr *expr = NULL;
    int rc = vpce_read_file(&data, &len, path, FILE_MAX);
    if (rc < 0) {
        if (rc == VPCE_ENOTFOUND)
            fn_fail(c, "no file exists at %s", p);
        else
            fn_fail(c, "%s", vpce_error_last()); /* too big, a directory, a FIFO... */
        goto cleanup;
    }
    if (!valid_utf8(data, len)) {
        fn_fail(c, "contents of %s are not valid UTF-8", p);
        goto cleanup;
    }
    /* Diagnostics inside the template point into its own file (they keep its text alive). */
    if (vpce_parse_template(&file, &expr, path, data, len, c->ctx->diags) < 0 || !expr) {
        fn_fail(c, "the template %s has errors", p);
        goto cleanup;
    }
    scope = fn_is_null(c->a[1]) ? json_object() : json_incref(c->a[1]);
    vpce_eval_ctx tctx = {scope, c->ctx->base_dir, c->ctx->diags, NULL, NULL};
    template_depth++;
    r = vpce_eval(&tctx, expr);
    template_depth--;
    const char *why = NULL;
    bool had = r != NULL;
    r = fn_template_string(r, &why);
    if (had && !r)
        fn_fail(c, "the template %s must produce a string: %s", p, why);
cleanup:
    json_decref(scope);
    vpce_file_free(file);
    free(data);
    free(path);
    return r;
}

const fdef vpce_fn_filesystem[] = {
    {"file", 1, 1, 0, f_file},
    {"fileexists", 1, 1, 0, f_fileexists},
    {"templatefile", 2, 2, F_NULL, f_templatefile},
    {NULL, 0, 0, 0, NULL},
};
