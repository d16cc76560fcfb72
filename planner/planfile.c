/*
 * planner/planfile.c: saved plans. A plan file is one JSON document (format in docs/plan-json.md)
 * holding every change with its values exactly as planned (the unknown sentinel included), the
 * output changes, the variables, the prior state document, and what the plan was made against
 * (configuration hash, state lineage and serial) so apply can refuse a stale plan.
 *
 * Sensitive variable values and sensitive attributes are stored, marked as sensitive, because
 * apply needs them; the file is written with mode 0600. The plan never holds provider
 * configuration, so credentials never reach a plan file.
 */
#include "planner/planner.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const vpce_action all_actions[] = {
    VPCE_ACTION_NOOP,
    VPCE_ACTION_CREATE,
    VPCE_ACTION_READ,
    VPCE_ACTION_UPDATE,
    VPCE_ACTION_DELETE_THEN_CREATE,
    VPCE_ACTION_CREATE_THEN_DELETE,
    VPCE_ACTION_DELETE,
    VPCE_ACTION_FORGET,
};

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A new reference to v, or JSON null for NULL. */
static json_t *ref_or_null(const json_t *v)
{
    return v ? json_incref((json_t *)v) : json_null();
}

static json_t *change_to_json(const vpce_change *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "address", str_or_null(c->address));
    json_object_set_new(o, "mode", str_or_null(c->mode));
    json_object_set_new(o, "type", str_or_null(c->type));
    json_object_set_new(o, "name", str_or_null(c->name));
    json_object_set_new(o, "index", ref_or_null(c->index));
    json_object_set_new(o, "provider", str_or_null(c->provider));
    json_object_set_new(o, "action", json_string(vpce_action_name(c->action)));
    json_object_set_new(o, "reason", str_or_null(c->reason));
    json_object_set_new(o, "before", ref_or_null(c->before));
    json_object_set_new(o, "after", ref_or_null(c->after));
    json_object_set_new(o, "replace_paths", ref_or_null(c->replace_paths));
    json_object_set_new(o, "sensitive_paths", ref_or_null(c->sensitive_paths));
    json_t *deps = json_array();
    for (size_t i = 0; i < c->ndepends_on; i++)
        json_array_append_new(deps, json_string(c->depends_on[i]));
    json_object_set_new(o, "depends_on", deps);
    json_object_set_new(o, "import_id", str_or_null(c->import_id));
    if (c->previous_address)
        json_object_set_new(o, "previous_address", json_string(c->previous_address));
    if (c->checks_pending)
        json_object_set_new(o, "checks_pending", json_true());
    return o;
}

json_t *vpce_plan_to_json(const vpce_plan *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "vpce_plan_format", json_integer(VPCE_PLANFILE_FORMAT));
    json_object_set_new(o, "vpce_version", json_string(VPCE_VERSION));
    json_object_set_new(o, "config_hash", str_or_null(p->config_hash));
    json_object_set_new(o, "lineage", str_or_null(p->lineage));
    json_object_set_new(o, "serial", json_integer((json_int_t)p->serial));
    json_object_set_new(o, "destroy", json_boolean(p->destroy));
    json_object_set_new(o, "refresh_only", json_boolean(p->refresh_only));
    json_t *changes = json_array();
    for (size_t i = 0; i < p->nchanges; i++)
        json_array_append_new(changes, change_to_json(p->changes[i]));
    json_object_set_new(o, "changes", changes);
    json_object_set_new(o, "drift", p->drift ? json_incref(p->drift) : json_array());
    json_object_set_new(o, "output_changes",
                        p->output_changes ? json_incref(p->output_changes) : json_object());
    json_object_set_new(o, "variables", p->variables ? json_incref(p->variables) : json_object());
    json_object_set_new(o, "sensitive_vars",
                        p->sensitive_vars ? json_incref(p->sensitive_vars) : json_array());
    json_object_set_new(o, "prior", ref_or_null(p->prior));
    if (p->findings)
        json_object_set(o, "findings", p->findings);
    if (json_array_size(p->checks))
        json_object_set_new(o, "checks", json_incref(p->checks));
    return o;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* Reads optional string member key of o into *out (NULL when absent or null). */
static int get_str(char **out, const json_t *o, const char *key, bool required, const char *what)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return vpce_error_setc(VPCE_EINVALID, "invalid plan file: %s has no \"%s\"", what, key);
        return 0;
    }
    if (!json_is_string(v))
        return vpce_error_setc(VPCE_EINVALID, "invalid plan file: \"%s\" of %s is not a string",
                               key, what);
    *out = vpce_strndup(json_string_value(v), json_string_length(v));
    return 0;
}

/* A new reference to member key, NULL when absent or null; fails if present with a type other
   than the one allowed (0 = any). */
static int get_json(json_t **out, const json_t *o, const char *key, json_type type,
                    const char *what)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if ((int)type >= 0 && json_typeof(v) != type)
        return vpce_error_setc(VPCE_EINVALID, "invalid plan file: \"%s\" of %s has the wrong type",
                               key, what);
    *out = json_incref(v);
    return 0;
}

static int change_from_json(vpce_change **out, const json_t *o, size_t i)
{
    int rc = 0;
    char what[64];
    snprintf(what, sizeof(what), "change %zu", i);
    vpce_change *c = vpce_calloc(1, sizeof(*c));
    *out = NULL;
    if (!json_is_object(o)) {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: %s is not an object", what);
        goto cleanup;
    }
    char *action = NULL;
    if ((rc = get_str(&c->address, o, "address", true, what)) < 0 ||
        (rc = get_str(&c->mode, o, "mode", true, what)) < 0 ||
        (rc = get_str(&c->type, o, "type", true, what)) < 0 ||
        (rc = get_str(&c->name, o, "name", true, what)) < 0 ||
        (rc = get_str(&c->provider, o, "provider", false, what)) < 0 ||
        (rc = get_str(&c->reason, o, "reason", false, what)) < 0 ||
        (rc = get_str(&c->import_id, o, "import_id", false, what)) < 0 ||
        (rc = get_str(&c->previous_address, o, "previous_address", false, what)) < 0 ||
        (rc = get_str(&action, o, "action", true, what)) < 0)
        goto cleanup;
    json_t *cp = json_object_get(o, "checks_pending");
    if (cp && !json_is_boolean(cp)) {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad checks_pending in %s", what);
        free(action);
        goto cleanup;
    }
    c->checks_pending = json_is_true(cp);
    bool found = false;
    for (size_t k = 0; k < sizeof(all_actions) / sizeof(all_actions[0]); k++)
        if (strcmp(action, vpce_action_name(all_actions[k])) == 0) {
            c->action = all_actions[k];
            found = true;
        }
    if (!found)
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: unknown action \"%s\" in %s",
                             action, what);
    free(action);
    if (rc < 0)
        goto cleanup;
    json_t *idx = json_object_get(o, "index");
    if (idx && !json_is_null(idx)) {
        if (!json_is_integer(idx) && !json_is_string(idx)) {
            rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad index in %s", what);
            goto cleanup;
        }
        c->index = json_incref(idx);
    }
    if ((rc = get_json(&c->before, o, "before", (json_type)-1, what)) < 0 ||
        (rc = get_json(&c->after, o, "after", (json_type)-1, what)) < 0 ||
        (rc = get_json(&c->replace_paths, o, "replace_paths", JSON_ARRAY, what)) < 0 ||
        (rc = get_json(&c->sensitive_paths, o, "sensitive_paths", JSON_ARRAY, what)) < 0)
        goto cleanup;
    /* JSON null comes back as NULL, as the planner leaves before of a create and after of a
       delete. */
    json_t *deps = json_object_get(o, "depends_on");
    if (deps && !json_is_null(deps)) {
        if (!json_is_array(deps)) {
            rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad depends_on in %s", what);
            goto cleanup;
        }
        c->depends_on = vpce_calloc(json_array_size(deps) + 1, sizeof(char *));
        size_t k;
        json_t *d;
        json_array_foreach(deps, k, d)
        {
            if (!json_is_string(d)) {
                rc =
                    vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad depends_on in %s", what);
                goto cleanup;
            }
            c->depends_on[c->ndepends_on++] = vpce_strdup(json_string_value(d));
        }
    }
    *out = c;
    c = NULL;
cleanup:
    vpce_change_free(c);
    return rc;
}

int vpce_plan_from_json(vpce_plan **out, const json_t *doc)
{
    int rc = 0;
    vpce_plan *p = vpce_calloc(1, sizeof(*p));
    *out = NULL;
    if (!json_is_object(doc)) {
        rc = vpce_error_setc(VPCE_EINVALID, "not a vpce plan file");
        goto cleanup;
    }
    json_t *fmt = json_object_get(doc, "vpce_plan_format");
    if (!json_is_integer(fmt)) {
        rc = vpce_error_setc(VPCE_EINVALID, "not a vpce plan file (no \"vpce_plan_format\")");
        goto cleanup;
    }
    if (json_integer_value(fmt) > VPCE_PLANFILE_FORMAT) {
        const char *ver = json_string_value(json_object_get(doc, "vpce_version"));
        rc = vpce_error_setc(VPCE_EINVALID,
                             "plan file was written by a newer vpce (%s, plan format %lld; this "
                             "vpce %s reads format %d): upgrade vpce or run vpce plan again",
                             ver ? ver : "unknown version", (long long)json_integer_value(fmt),
                             VPCE_VERSION, VPCE_PLANFILE_FORMAT);
        goto cleanup;
    }
    if (json_integer_value(fmt) < 1) {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad format version %lld",
                             (long long)json_integer_value(fmt));
        goto cleanup;
    }
    const char *what = "the plan";
    if ((rc = get_str(&p->config_hash, doc, "config_hash", false, what)) < 0 ||
        (rc = get_str(&p->lineage, doc, "lineage", false, what)) < 0)
        goto cleanup;
    json_t *serial = json_object_get(doc, "serial");
    if (serial && !json_is_integer(serial)) {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: \"serial\" is not an integer");
        goto cleanup;
    }
    p->serial = serial ? (int64_t)json_integer_value(serial) : 0;
    p->destroy = json_is_true(json_object_get(doc, "destroy"));
    p->refresh_only = json_is_true(json_object_get(doc, "refresh_only"));
    json_t *changes = json_object_get(doc, "changes");
    if (!json_is_array(changes)) {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: \"changes\" is not an array");
        goto cleanup;
    }
    p->changes = vpce_calloc(json_array_size(changes) + 1, sizeof(*p->changes));
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        if ((rc = change_from_json(&p->changes[p->nchanges], c, i)) < 0)
            goto cleanup;
        p->nchanges++;
    }
    if ((rc = get_json(&p->drift, doc, "drift", JSON_ARRAY, what)) < 0 ||
        (rc = get_json(&p->output_changes, doc, "output_changes", JSON_OBJECT, what)) < 0 ||
        (rc = get_json(&p->variables, doc, "variables", JSON_OBJECT, what)) < 0 ||
        (rc = get_json(&p->sensitive_vars, doc, "sensitive_vars", JSON_ARRAY, what)) < 0 ||
        (rc = get_json(&p->prior, doc, "prior", JSON_OBJECT, what)) < 0 ||
        (rc = get_json(&p->findings, doc, "findings", JSON_OBJECT, what)) < 0 ||
        (rc = get_json(&p->checks, doc, "checks", JSON_ARRAY, what)) < 0)
        goto cleanup;
    if (!p->drift)
        p->drift = json_array();
    if (!p->output_changes)
        p->output_changes = json_object();
    if (!p->variables)
        p->variables = json_object();
    if (!p->sensitive_vars)
        p->sensitive_vars = json_array();
    /* Drift entries and output changes are read by the renderers: check their shape once. */
    json_t *d;
    json_array_foreach(p->drift, i,
                       d) if (!json_is_object(d) || !json_is_string(json_object_get(d, "address")))
    {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad drift entry %zu", i);
        goto cleanup;
    }
    const char *k;
    json_t *oc;
    json_object_foreach(p->output_changes, k, oc) if (!json_is_object(oc))
    {
        rc = vpce_error_setc(VPCE_EINVALID, "invalid plan file: bad output change \"%s\"", k);
        goto cleanup;
    }
    *out = p;
    p = NULL;
cleanup:
    vpce_plan_free(p);
    return rc;
}

/* ---- files ------------------------------------------------------------------------------- */

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int vpce_planfile_write(const vpce_plan *p, const char *path)
{
    int rc = 0, fd = -1;
    char *text = NULL, *tmp = NULL, *dircopy = NULL;
    json_t *doc = vpce_plan_to_json(p);
    text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!text) {
        rc = vpce_error_set("cannot encode the plan");
        goto cleanup;
    }
    size_t len = strlen(text);
    if (len > VPCE_PLANFILE_MAX_SIZE) {
        rc = vpce_error_setc(VPCE_ETOOBIG, "the plan is too large to save (%zu bytes)", len);
        goto cleanup;
    }
    tmp = vpce_asprintf("%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = vpce_error_set("cannot create \"%s\": %s", tmp, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto cleanup;
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != 0 || write_all(fd, "\n", 1) != 0 ||
        fsync(fd) != 0) {
        rc = vpce_error_set("cannot write \"%s\": %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = vpce_error_set("cannot write \"%s\": %s", tmp, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = vpce_error_set("cannot save the plan to \"%s\": %s", path, strerror(errno));
        goto cleanup;
    }
    free(tmp);
    tmp = NULL;
    /* Make the rename itself durable. */
    dircopy = vpce_strdup(path);
    int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
cleanup:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(dircopy);
    free(text);
    json_decref(doc);
    return rc;
}

int vpce_planfile_read(vpce_plan **out, const char *path)
{
    int rc;
    char *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    *out = NULL;
    rc = vpce_read_file(&text, &len, path, VPCE_PLANFILE_MAX_SIZE);
    if (rc == VPCE_ETOOBIG) {
        rc = vpce_error_setc(VPCE_ETOOBIG, "plan file \"%s\" is larger than %zu bytes", path,
                             VPCE_PLANFILE_MAX_SIZE);
        goto cleanup;
    }
    if (rc < 0)
        goto cleanup; /* vpce_read_file said why */
    json_error_t err;
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "plan file \"%s\" is corrupt or truncated: %s (line %d, column %d)",
                             path, err.text, err.line, err.column);
        goto cleanup;
    }
    rc = vpce_plan_from_json(out, doc);
    if (rc < 0) {
        char *msg = vpce_strdup(vpce_error_last());
        rc = vpce_error_setc(rc, "plan file \"%s\": %s", path, msg);
        free(msg);
    }
cleanup:
    json_decref(doc);
    free(text);
    return rc;
}

static bool str_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int vpce_planfile_check_current(const vpce_plan *p, const char *config_hash, const char *lineage,
                                int64_t serial)
{
    if (config_hash && !str_same(p->config_hash, config_hash))
        return vpce_error_setc(VPCE_ESTALE,
                               "saved plan is stale: the configuration changed since the plan "
                               "was made; run vpce plan again");
    /* A plan made when there was no state yet fits a state that was created empty since
       (serial 0): the first apply of a saved plan creates the database. */
    bool fresh = (!p->lineage || !*p->lineage) && p->serial == 0 && serial == 0;
    if (!fresh && !str_same(p->lineage, lineage))
        return vpce_error_setc(VPCE_ESTALE,
                               "saved plan is stale: it was made against a different state "
                               "(lineage \"%s\", now \"%s\"); run vpce plan again",
                               p->lineage ? p->lineage : "", lineage ? lineage : "");
    if (p->serial != serial)
        return vpce_error_setc(VPCE_ESTALE,
                               "saved plan is stale: the state changed since the plan was made "
                               "(serial %lld, now %lld); run vpce plan again",
                               (long long)p->serial, (long long)serial);
    return 0;
}
