/* cli/backend.c: the backend recorded by `vpce init`, its settings checked against the type, the
   selected workspace, and opening the state of a workspace (local file or S3 object). */
#include "cli/backend.h"
#include "providers/aws/aws.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKEND_FILE ".vpce/backend.json"
#define ENV_FILE     ".vpce/environment"
#define FILE_CAP     (1u << 20)

void cli_backend_release(cli_backend *b)
{
    free(b->type);
    json_decref(b->block);
    json_decref(b->settings);
    memset(b, 0, sizeof(*b));
}

void cli_backend_local(cli_backend *b)
{
    memset(b, 0, sizeof(*b));
    b->type = vpce_strdup("local");
    b->settings = json_object();
}

static char *in_dir(const char *dir, const char *rel)
{
    if (!dir || !*dir || strcmp(dir, ".") == 0)
        return vpce_strdup(rel);
    size_t n = strlen(dir);
    return vpce_asprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", rel);
}

int cli_mkdirs(const char *dir)
{
    char *p = vpce_strdup(dir);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                rc = -1;
            *s = c;
        }
        if (end)
            break;
    }
    free(p);
    return rc;
}

int cli_backend_read(cli_backend *out, const char *dir, bool *recorded)
{
    char *path = in_dir(dir, BACKEND_FILE);
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    json_t *j = NULL;
    cli_backend_local(out);
    *recorded = false;
    if (access(path, F_OK) != 0)
        goto done;
    if (vpce_read_file(&text, &len, path, FILE_CAP) < 0) {
        rc = vpce_error_set("cannot read %s: %s", path, vpce_error_last());
        goto done;
    }
    json_error_t err;
    j = json_loadb(text, len, 0, &err);
    const char *type = json_string_value(json_object_get(j, "type"));
    json_t *settings = json_object_get(j, "settings");
    json_t *block = json_object_get(j, "block");
    if (!type || !json_is_object(settings) ||
        (block && !json_is_object(block) && !json_is_null(block))) {
        rc = vpce_error_setc(VPCE_EINVALID, "%s is damaged: run `vpce init -reconfigure`", path);
        goto done;
    }
    cli_backend_release(out);
    out->type = vpce_strdup(type);
    out->settings = json_incref(settings);
    out->block = json_is_object(block) ? json_incref(block) : NULL;
    *recorded = true;
done:
    json_decref(j);
    free(text);
    free(path);
    return rc;
}

int cli_backend_write(const cli_backend *b, const char *dir)
{
    char *vdir = in_dir(dir, ".vpce");
    char *path = in_dir(dir, BACKEND_FILE);
    char *tmp = vpce_asprintf("%s.tmp", path);
    int rc = 0;
    json_t *j = json_pack("{s:i,s:s,s:O,s:O}", "version", 1, "type", b->type, "settings",
                          b->settings, "block", b->block ? b->block : json_null());
    if (cli_mkdirs(vdir) != 0) {
        rc = vpce_error_set("cannot create %s: %s", vdir, strerror(errno));
        goto done;
    }
    if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
        rc = vpce_error_set("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
done:
    json_decref(j);
    free(tmp);
    free(path);
    free(vdir);
    return rc;
}

bool cli_backend_same(const cli_backend *a, const cli_backend *b)
{
    return strcmp(a->type, b->type) == 0 && json_equal(a->settings, b->settings);
}

/* ---- settings ---------------------------------------------------------------------------- */

typedef enum { T_STRING, T_BOOL, T_LIST, T_BLOCK } setting_type;

typedef struct setting {
    const char *name;
    setting_type type;
    bool required;
    const char *unsupported; /* set: refused with this reason */
} setting;

static const setting s3_settings[] = {
    {"bucket", T_STRING, true, NULL},
    {"key", T_STRING, true, NULL},
    {"region", T_STRING, false, NULL},
    {"encrypt", T_BOOL, false, NULL},
    {"kms_key_id", T_STRING, false, NULL},
    {"workspace_key_prefix", T_STRING, false, NULL},
    {"use_lockfile", T_BOOL, false, NULL},
    {"endpoints", T_BLOCK, false, NULL},
    {"endpoint", T_STRING, false, NULL}, /* Terraform's older name of endpoints.s3 */
    {"use_path_style", T_BOOL, false, NULL},
    {"force_path_style", T_BOOL, false, NULL}, /* older name of use_path_style */
    {"profile", T_STRING, false, NULL},
    {"shared_credentials_files", T_LIST, false, NULL},
    {"assume_role", T_BLOCK, false, NULL},
    {"sts_region", T_STRING, false, NULL},
    {"dynamodb_table", T_STRING, false,
     "vpce locks the S3 state with a lock object (use_lockfile = true), not DynamoDB"},
    {"access_key", T_STRING, false,
     "credentials are never kept in the backend settings: use the environment or a profile"},
    {"secret_key", T_STRING, false,
     "credentials are never kept in the backend settings: use the environment or a profile"},
    {"token", T_STRING, false,
     "credentials are never kept in the backend settings: use the environment or a profile"},
    {NULL, T_STRING, false, NULL},
};

static const setting local_settings[] = {
    {"path", T_STRING, false, NULL},
    {"workspace_dir", T_STRING, false, NULL},
    {NULL, T_STRING, false, NULL},
};

static const setting *settings_of(const char *type)
{
    if (strcmp(type, "s3") == 0)
        return s3_settings;
    if (strcmp(type, "local") == 0)
        return local_settings;
    return NULL;
}

static const char *sstr(const json_t *settings, const char *name)
{
    const char *v = json_string_value(json_object_get(settings, name));
    return v && *v ? v : NULL;
}

static bool sbool(const json_t *settings, const char *name, bool dflt)
{
    json_t *v = json_object_get(settings, name);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* Converts a -backend-config string value to the setting's type in place. */
static json_t *coerce(const setting *s, json_t *v)
{
    if (!json_is_string(v))
        return json_incref(v);
    const char *t = json_string_value(v);
    if (s->type == T_BOOL && strcmp(t, "true") == 0)
        return json_true();
    if (s->type == T_BOOL && strcmp(t, "false") == 0)
        return json_false();
    if (s->type == T_LIST)
        return json_pack("[O]", v);
    return json_incref(v);
}

/* The S3 backend's assume_role block: Terraform's arguments, each of its type. Values (the
   duration, the policy) are checked when the backend is made. Prints every problem. */
static int check_assume_role(const json_t *ar)
{
    static const setting args[] = {
        {"role_arn", T_STRING, true, NULL},
        {"session_name", T_STRING, false, NULL},
        {"external_id", T_STRING, false, NULL},
        {"duration", T_STRING, false, NULL},
        {"policy", T_STRING, false, NULL},
        {"policy_arns", T_LIST, false, NULL},
        {"tags", T_BLOCK, false, NULL},
        {"transitive_tag_keys", T_LIST, false, NULL},
        {"source_identity", T_STRING, false, NULL},
        {NULL, T_STRING, false, NULL},
    };
    int rc = 0;
    if (!json_is_object(ar))
        return 0; /* not a block: already reported */
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)ar, name, v)
    {
        const setting *s = NULL;
        for (const setting *t = args; t->name; t++)
            if (strcmp(t->name, name) == 0)
                s = t;
        if (!s) {
            rc = -1,
            cli_fail("unsupported argument \"%s\" in the S3 backend's assume_role block", name);
            continue;
        }
        bool ok = s->type == T_STRING  ? json_is_string(v)
                  : s->type == T_BLOCK ? json_is_object(v)
                                       : json_is_array(v);
        size_t i;
        const char *k;
        json_t *item;
        if (ok && s->type == T_LIST)
            json_array_foreach(v, i, item) ok = ok && json_is_string(item);
        if (ok && s->type == T_BLOCK)
            json_object_foreach(v, k, item) ok = ok && json_is_string(item);
        if (!ok)
            rc = -1, cli_fail("assume_role.%s in the \"s3\" backend must be %s", name,
                              s->type == T_STRING ? "a string"
                              : s->type == T_LIST ? "a list of strings"
                                                  : "a map of strings");
    }
    for (const setting *t = args; t->name; t++)
        if (t->required && !sstr(ar, t->name))
            rc = -1, cli_fail("the S3 backend's assume_role block needs \"%s\"", t->name);
    return rc;
}

int cli_backend_validate(const cli_backend *b)
{
    const setting *table = settings_of(b->type);
    int rc = 0;
    if (!table) {
        cli_fail(
            "unsupported backend type \"%s\": vpce keeps state in \"local\" files or in \"s3\"",
            b->type);
        return -1;
    }
    const char *name;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(b->settings, tmp, name, v)
    {
        const setting *s = NULL;
        for (const setting *t = table; t->name; t++)
            if (strcmp(t->name, name) == 0)
                s = t;
        if (!s) {
            rc = -1, cli_fail("unsupported argument \"%s\" in the \"%s\" backend", name, b->type);
            continue;
        }
        if (s->unsupported) {
            rc = -1, cli_fail("\"%s\" in the \"%s\" backend: %s", name, b->type, s->unsupported);
            continue;
        }
        json_t *c = coerce(s, v);
        json_object_set_new(b->settings, name, c);
        bool ok = s->type == T_STRING  ? json_is_string(c)
                  : s->type == T_BOOL  ? json_is_boolean(c)
                  : s->type == T_BLOCK ? json_is_object(c)
                                       : json_is_array(c);
        size_t i;
        json_t *item;
        if (ok && s->type == T_LIST)
            json_array_foreach(c, i, item) ok = ok && json_is_string(item);
        if (!ok)
            rc = -1, cli_fail("\"%s\" in the \"%s\" backend must be %s", name, b->type,
                              s->type == T_STRING ? "a string"
                              : s->type == T_BOOL ? "true or false"
                              : s->type == T_LIST ? "a list of strings"
                                                  : "a block");
    }
    for (const setting *t = table; t->name; t++)
        if (t->required && !sstr(b->settings, t->name))
            rc = -1, cli_fail("the \"%s\" backend needs \"%s\" (in the backend block, or "
                              "-backend-config=%s=VALUE at `vpce init`)",
                              b->type, t->name, t->name);
    if (strcmp(b->type, "s3") == 0) {
        json_t *eps = json_object_get(b->settings, "endpoints");
        const char *k;
        json_t *ev;
        json_object_foreach(eps, k, ev)
        {
            if (strcmp(k, "s3") != 0 && strcmp(k, "sts") != 0)
                rc = -1, cli_fail("unsupported argument \"%s\" in the backend's endpoints block: "
                                  "the S3 backend uses only \"s3\" and \"sts\"",
                                  k);
            else if (!json_is_string(ev))
                rc = -1, cli_fail("endpoints.%s in the \"s3\" backend must be a string", k);
        }
        if (check_assume_role(json_object_get(b->settings, "assume_role")) < 0)
            rc = -1;
        if (!sbool(b->settings, "use_lockfile", true))
            rc = -1,
            cli_fail("use_lockfile = false is not supported: the S3 backend always locks the "
                     "state with a lock object beside it");
    }
    return rc < 0 ? -1 : 0;
}

char *cli_backend_describe(const cli_backend *b)
{
    if (strcmp(b->type, "s3") == 0)
        return vpce_asprintf("s3://%s/%s", sstr(b->settings, "bucket"), sstr(b->settings, "key"));
    const char *path = sstr(b->settings, "path");
    return vpce_asprintf("the local file %s", path ? path : "vpce.db");
}

int cli_backend_for_config(cli_backend *out, const vpce_config *cfg, const char *dir)
{
    bool recorded = false;
    int rc = cli_backend_read(out, dir, &recorded);
    if (rc < 0)
        return rc;
    const vpce_cfg_backend *want = cfg->backend;
    if (!recorded) {
        if (!want)
            return 0;
        if (strcmp(want->type, "local") == 0) {
            json_decref(out->settings);
            out->settings = json_deep_copy(want->settings);
            out->block = json_incref(want->settings);
            if (cli_backend_validate(out) < 0)
                return vpce_error_setc(VPCE_EINVALID, "invalid settings in the backend block");
            return 0;
        }
        return vpce_error_setc(
            VPCE_EINVALID,
            "the backend \"%s\" of the configuration is not initialised: run "
            "`vpce init`%s",
            want->type,
            strcmp(want->type, "s3") == 0
                ? " (with -migrate-state to move an existing local state into it)"
                : "");
    }
    bool same = want ? strcmp(want->type, out->type) == 0 && out->block &&
                           json_equal(want->settings, out->block)
                     : !out->block && strcmp(out->type, "local") == 0;
    if (same)
        return 0;
    if (!want)
        return vpce_error_setc(VPCE_EINVALID,
                               "the configuration no longer has the backend \"%s\" that `vpce "
                               "init` set up: run `vpce init -migrate-state` to move the state "
                               "back into a local file, or `vpce init -reconfigure` to use a "
                               "local file without moving it",
                               out->type);
    return vpce_error_setc(VPCE_EINVALID,
                           "the backend configuration changed since `vpce init`: run `vpce init "
                           "-migrate-state` to move the state, or `vpce init -reconfigure` to use "
                           "the new backend as it is");
}

/* ---- workspaces -------------------------------------------------------------------------- */

bool cli_workspace_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 90)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

bool cli_workspace_from_env(void)
{
    const char *e = getenv("VPCE_WORKSPACE");
    return e && *e;
}

char *cli_workspace_current(const char *dir)
{
    const char *e = getenv("VPCE_WORKSPACE");
    if (e && *e)
        return vpce_strdup(e);
    char *path = in_dir(dir, ENV_FILE);
    char *text = NULL;
    size_t len = 0;
    char *ws = NULL;
    if (vpce_read_file(&text, &len, path, 4096) == 0) {
        text[strcspn(text, "\r\n")] = '\0';
        if (cli_workspace_name_valid(text))
            ws = vpce_strdup(text);
    } else {
        vpce_error_clear();
    }
    free(text);
    free(path);
    return ws ? ws : vpce_strdup("default");
}

int cli_workspace_write(const char *dir, const char *name)
{
    char *vdir = in_dir(dir, ".vpce");
    char *path = in_dir(dir, ENV_FILE);
    int rc = 0;
    if (cli_mkdirs(vdir) != 0) {
        rc = vpce_error_set("cannot create %s: %s", vdir, strerror(errno));
    } else {
        FILE *f = fopen(path, "w");
        if (!f || fprintf(f, "%s\n", name) < 0 || fclose(f) != 0)
            rc = vpce_error_set("cannot write %s: %s", path, strerror(errno));
    }
    free(path);
    free(vdir);
    return rc;
}

/* The local database of a workspace: PATH (default DIR/vpce.db) or
 * WORKSPACE_DIR/NAME/vpce.db (default DIR/vpce.d). */
static char *local_path(const cli_backend *b, const char *dir, const char *workspace)
{
    if (!workspace || strcmp(workspace, "default") == 0) {
        const char *p = sstr(b->settings, "path");
        return p ? (p[0] == '/' ? vpce_strdup(p) : in_dir(dir, p)) : vpce_state_default_path(dir);
    }
    const char *wd = sstr(b->settings, "workspace_dir");
    char *base =
        wd ? (wd[0] == '/' ? vpce_strdup(wd) : in_dir(dir, wd)) : in_dir(dir, CLI_BACKEND_DIR);
    char *p = vpce_asprintf("%s/%s/vpce.db", base, workspace);
    free(base);
    return p;
}

static void s3_config(vpce_s3_backend_config *c, const cli_backend *b, const char **files)
{
    memset(c, 0, sizeof(*c));
    const json_t *s = b->settings;
    c->bucket = sstr(s, "bucket");
    c->key = sstr(s, "key");
    c->region = sstr(s, "region");
    c->endpoint = sstr(json_object_get(s, "endpoints"), "s3");
    if (!c->endpoint)
        c->endpoint = sstr(s, "endpoint");
    c->profile = sstr(s, "profile");
    c->use_path_style = sbool(s, "use_path_style", false) || sbool(s, "force_path_style", false);
    c->encrypt = sbool(s, "encrypt", true);
    c->kms_key_id = sstr(s, "kms_key_id");
    c->workspace_key_prefix = sstr(s, "workspace_key_prefix");
    c->assume_role = json_object_get(s, "assume_role");
    c->sts_endpoint = sstr(json_object_get(s, "endpoints"), "sts");
    c->sts_region = sstr(s, "sts_region");
    size_t i, n = 0;
    json_t *f;
    json_array_foreach(json_object_get(s, "shared_credentials_files"), i, f)
    {
        if (n < 15 && json_string_value(f))
            files[n++] = json_string_value(f);
    }
    files[n] = NULL;
    c->shared_credentials_files = n ? files : NULL;
}

int cli_backend_open_workspace(vpce_state_backend **out, const cli_backend *b, const char *dir,
                               const char *workspace, const char *state_flag)
{
    *out = NULL;
    if (strcmp(b->type, "s3") == 0) {
        if (state_flag)
            return vpce_error_setc(VPCE_EINVALID,
                                   "-state cannot be used with the \"s3\" backend: the state is "
                                   "s3://%s/%s (use `vpce state pull` for a copy)",
                                   sstr(b->settings, "bucket"), sstr(b->settings, "key"));
        const char *files[16];
        vpce_s3_backend_config c;
        s3_config(&c, b, files);
        return vpce_s3_backend_new(out, &c, workspace);
    }
    if (state_flag) {
        *out = vpce_state_backend_local(state_flag);
        return 0;
    }
    char *path = local_path(b, dir, workspace);
    if (workspace && strcmp(workspace, "default") != 0) {
        char *parent = vpce_strdup(path);
        *strrchr(parent, '/') = '\0';
        if (cli_mkdirs(parent) != 0) {
            int rc = vpce_error_set("cannot create %s: %s", parent, strerror(errno));
            free(parent);
            free(path);
            return rc;
        }
        free(parent);
    }
    *out = vpce_state_backend_local(path);
    free(path);
    return 0;
}

int cli_backend_workspaces(const cli_backend *b, const char *dir, json_t **out)
{
    json_t *names = NULL;
    *out = NULL;
    if (strcmp(b->type, "s3") == 0) {
        const char *files[16];
        vpce_s3_backend_config c;
        s3_config(&c, b, files);
        int rc = vpce_s3_backend_workspaces(&c, &names);
        if (rc < 0)
            return rc;
        for (size_t i = json_array_size(names); i-- > 0;)
            if (strcmp(json_string_value(json_array_get(names, i)), "default") == 0)
                json_array_remove(names, i);
    } else {
        names = json_array();
        const char *wd = sstr(b->settings, "workspace_dir");
        char *base =
            wd ? (wd[0] == '/' ? vpce_strdup(wd) : in_dir(dir, wd)) : in_dir(dir, CLI_BACKEND_DIR);
        DIR *d = opendir(base);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!cli_workspace_name_valid(de->d_name) || strcmp(de->d_name, "default") == 0)
                continue;
            char *p = vpce_asprintf("%s/%s/vpce.db", base, de->d_name);
            if (access(p, F_OK) == 0)
                json_array_append_new(names, json_string(de->d_name));
            free(p);
        }
        if (d)
            closedir(d);
        free(base);
        vpce_json_array_sort(names, vpce_json_cmp_strings);
    }
    json_array_insert_new(names, 0, json_string("default"));
    *out = names;
    return 0;
}
