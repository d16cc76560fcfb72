/*
 * state/resources.c: the state document: resources and outputs, loading and storing them, and
 * resource addresses.
 */
#include "state/internal.h"

#include <stdlib.h>
#include <string.h>

#define RESOURCE_COLUMNS                                                                           \
    "address, mode, type, name, index_key, provider, provider_id, schema_version, attributes, "    \
    "sensitive_attributes, dependencies"

/* ---- addresses --------------------------------------------------------------------------- */

int vpce_state_parse_address(const char *address, char **out_mode, char **out_type, char **out_name,
                             json_t **out_index)
{
    vpce_addr a;
    if (vpce_addr_parse(&a, address) != 0 || !a.resource) {
        vpce_addr_release(&a);
        return vpce_error_setc(VPCE_EINVALID, "invalid resource address \"%s\"", address);
    }
    if (out_mode)
        *out_mode = vpce_strdup(a.data ? "data" : "managed");
    if (out_type) {
        *out_type = a.type;
        a.type = NULL;
    }
    if (out_name) {
        *out_name = a.name;
        a.name = NULL;
    }
    if (out_index) {
        *out_index = a.key;
        a.key = NULL;
    }
    vpce_addr_release(&a);
    return 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* Sets the error for a damaged resource row and returns VPCE_EINVALID. */
static int damaged_row(vpce_state *st, const char *address, const char *what)
{
    return vpce_error_setc(VPCE_EINVALID,
                           "the state \"%s\" is damaged: in the row of \"%.200s\", %s; nothing "
                           "is planned from it: restore a backup of the state, or forget the "
                           "resource with `vpce state rm` and import it again",
                           st->path, address ? address : "(no address)", what);
}

/* Builds a resource object from a row selected with RESOURCE_COLUMNS, or NULL (with the error
 * set) when the row is damaged: a state edited or corrupted outside vpce must not be trusted,
 * and a value that cannot be read is never taken as an empty one (that would plan to create
 * the object a second time). */
static json_t *row_to_resource(vpce_state *st, sqlite3_stmt *s)
{
    const char *address = (const char *)sqlite3_column_text(s, 0);
    static const struct {
        int col;
        const char *key;
        json_type type; /* JSON_NULL: null, integer or string (the index) */
    } json_cols[] = {
        {4, "index", JSON_NULL},
        {8, "attributes", JSON_OBJECT},
        {9, "sensitive_attributes", JSON_ARRAY},
        {10, "dependencies", JSON_ARRAY},
    };
    json_t *r = json_object();
    json_object_set_new(r, "address", st_column_string(s, 0));
    json_object_set_new(r, "mode", st_column_string(s, 1));
    json_object_set_new(r, "type", st_column_string(s, 2));
    json_object_set_new(r, "name", st_column_string(s, 3));
    json_object_set_new(r, "index", json_null()); /* placeholders keep the keys' order */
    json_object_set_new(r, "provider", st_column_string(s, 5));
    json_object_set_new(r, "id", st_column_string(s, 6));
    json_object_set_new(r, "schema_version", json_integer(sqlite3_column_int64(s, 7)));
    for (size_t i = 1; i < sizeof(json_cols) / sizeof(json_cols[0]); i++)
        json_object_set_new(r, json_cols[i].key, json_null());
    const json_t *addr = json_object_get(r, "address");
    const char *mode = json_string_value(json_object_get(r, "mode"));
    if (!json_is_string(addr) || json_string_length(addr) == 0 ||
        !json_is_string(json_object_get(r, "type")) ||
        !json_is_string(json_object_get(r, "name")) || !mode ||
        (strcmp(mode, "managed") != 0 && strcmp(mode, "data") != 0)) {
        damaged_row(st, address, "the address, type, name or mode cannot be read");
        goto bad;
    }
    for (size_t i = 0; i < sizeof(json_cols) / sizeof(json_cols[0]); i++) {
        json_t *v = st_column_json(s, json_cols[i].col);
        if (!v) {
            char *what = vpce_asprintf("column \"%s\" is not valid JSON",
                                       sqlite3_column_name(s, json_cols[i].col));
            damaged_row(st, address, what);
            free(what);
            goto bad;
        }
        bool ok = json_cols[i].type == JSON_NULL
                      ? json_is_null(v) || json_is_integer(v) || json_is_string(v)
                      : json_typeof(v) == json_cols[i].type;
        json_object_set_new(r, json_cols[i].key, v);
        if (!ok) {
            char *what = vpce_asprintf("column \"%s\" is not a JSON %s",
                                       sqlite3_column_name(s, json_cols[i].col),
                                       json_cols[i].type == JSON_OBJECT  ? "object"
                                       : json_cols[i].type == JSON_ARRAY ? "array"
                                                                         : "integer or string");
            damaged_row(st, address, what);
            free(what);
            goto bad;
        }
    }
    return r;
bad:
    json_decref(r);
    return NULL;
}

/* Length of an address without its instance index ("aws_subnet.a" of "aws_subnet.a[2]",
 * "module.m[0].aws_subnet.a" of "module.m[0].aws_subnet.a[2]"). */
static size_t base_len(const char *address)
{
    size_t n = strlen(address);
    if (n == 0 || address[n - 1] != ']')
        return n;
    char *r = vpce_addr_resource_part(address);
    n = strlen(r);
    free(r);
    return n;
}

/* Order of resources: by address, except that no index comes first, then integer indexes as
 * numbers (so [2] comes before [10]), then string keys. */
static int cmp_resources(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    const char *aa = json_string_value(json_object_get(a, "address"));
    const char *ab = json_string_value(json_object_get(b, "address"));
    size_t la = base_len(aa), lb = base_len(ab);
    int c = strncmp(aa, ab, la < lb ? la : lb);
    if (c != 0 || la != lb)
        return c != 0 ? c : (la < lb ? -1 : 1);
    const json_t *ia = json_object_get(a, "index"), *ib = json_object_get(b, "index");
    if (json_is_integer(ia) && json_is_integer(ib)) {
        json_int_t x = json_integer_value(ia), y = json_integer_value(ib);
        return x < y ? -1 : x > y;
    }
    int ra = json_is_integer(ia) ? 1 : json_is_string(ia) ? 2 : 0;
    int rb = json_is_integer(ib) ? 1 : json_is_string(ib) ? 2 : 0;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(aa, ab);
}

static int load_resources(vpce_state *st, json_t *arr)
{
    sqlite3_stmt *s = NULL;
    vpce_vec rows = VPCE_VEC_INIT;
    int rc = st_prepare(st, &s, "SELECT " RESOURCE_COLUMNS " FROM resources ORDER BY address");
    if (rc)
        return rc;
    int r;
    while ((r = st_step(st, s)) == SQLITE_ROW) {
        json_t *res = row_to_resource(st, s);
        if (!res) {
            rc = VPCE_EINVALID;
            break;
        }
        vpce_vec_push(&rows, res);
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = VPCE_ERROR;
    sqlite3_finalize(s);
    vpce_vec_sort(&rows, cmp_resources);
    for (size_t i = 0; i < rows.len; i++)
        json_array_append_new(arr, rows.items[i]);
    vpce_vec_release(&rows);
    return rc;
}

static int load_outputs(vpce_state *st, json_t *obj)
{
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "SELECT name, value, sensitive FROM outputs ORDER BY name");
    if (rc)
        return rc;
    int r;
    while ((r = st_step(st, s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        json_t *value = st_column_json(s, 1);
        if (!value) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "the state \"%s\" is damaged: the value of the output "
                                 "\"%.200s\" is not valid JSON; apply again to record it anew",
                                 st->path, name ? name : "");
            break;
        }
        json_t *o = json_object();
        json_object_set_new(o, "value", value);
        json_object_set_new(o, "sensitive", json_boolean(sqlite3_column_int(s, 2) != 0));
        if (!name || json_object_set_new(obj, name, o) != 0) {
            rc = vpce_error_setc(VPCE_EINVALID,
                                 "the state \"%s\" is damaged: an output has no valid name",
                                 st->path);
            break;
        }
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = VPCE_ERROR;
    sqlite3_finalize(s);
    return rc;
}

int vpce_state_load(vpce_state *st, json_t **out)
{
    *out = NULL;
    json_t *doc = json_object();
    json_t *resources = json_array();
    json_t *outputs = json_object();
    int64_t serial = 0;
    /* One read transaction so the document is a consistent snapshot. */
    bool own_tx = !st->batch;
    int rc = own_tx ? st_exec(st, "BEGIN") : 0;
    if (rc == 0)
        rc = vpce_state_serial(st, &serial);
    if (rc == 0)
        rc = load_resources(st, resources);
    if (rc == 0)
        rc = load_outputs(st, outputs);
    if (own_tx && sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    if (rc)
        goto cleanup;
    json_object_set_new(doc, "lineage", json_string(st->lineage));
    json_object_set_new(doc, "serial", json_integer(serial));
    json_object_set(doc, "resources", resources);
    json_object_set(doc, "outputs", outputs);
    *out = doc;
    doc = NULL;
cleanup:
    json_decref(doc);
    json_decref(resources);
    json_decref(outputs);
    return rc;
}

int vpce_state_list_addresses(vpce_state *st, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *s = NULL;
    vpce_vec rows = VPCE_VEC_INIT;
    int rc = st_prepare(st, &s, "SELECT address FROM resources");
    if (rc)
        return rc;
    int r;
    while ((r = st_step(st, s)) == SQLITE_ROW) {
        /* Ordered as vpce_state_load() orders, with the index read from the address itself:
           its column may be the damaged one. */
        const char *address = (const char *)sqlite3_column_text(s, 0);
        json_t *index = NULL;
        if (!address || vpce_state_parse_address(address, NULL, NULL, NULL, &index) != 0)
            continue;
        vpce_vec_push(&rows, json_pack("{s:s, s:o}", "address", address, "index",
                                       index ? index : json_null()));
    }
    if (r != SQLITE_DONE)
        rc = VPCE_ERROR;
    sqlite3_finalize(s);
    vpce_vec_sort(&rows, cmp_resources);
    json_t *arr = json_array();
    for (size_t i = 0; i < rows.len; i++) {
        json_array_append(arr, json_object_get(rows.items[i], "address"));
        json_decref(rows.items[i]);
    }
    vpce_vec_release(&rows);
    if (rc == 0)
        *out = arr;
    else
        json_decref(arr);
    return rc;
}

int vpce_state_get_resource(vpce_state *st, const char *address, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "SELECT " RESOURCE_COLUMNS " FROM resources WHERE address = ?1");
    if (rc)
        return rc;
    st_bind_text(s, 1, address);
    int r = st_step(st, s);
    if (r == SQLITE_ROW) {
        if (!(*out = row_to_resource(st, s)))
            rc = VPCE_EINVALID;
    } else if (r == SQLITE_DONE) {
        rc = vpce_error_setc(VPCE_ENOTFOUND, "no resource \"%s\" in the state", address);
    } else {
        rc = VPCE_ERROR;
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- writing ----------------------------------------------------------------------------- */

static const char *opt_string(const json_t *obj, const char *key, const char *dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

/* Validates a resource object and inserts or replaces its row (no transaction of its own). */
static int write_resource(vpce_state *st, const json_t *r)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (!json_is_object(r))
        return vpce_error_setc(VPCE_EINVALID, "a state resource must be a JSON object");
    const char *address = opt_string(r, "address", NULL);
    const char *type = opt_string(r, "type", NULL);
    const char *name = opt_string(r, "name", NULL);
    if (!address || !*address || !type || !name)
        return vpce_error_setc(VPCE_EINVALID,
                               "a state resource needs \"address\", \"type\" and \"name\"");
    const char *mode = opt_string(r, "mode", "managed");
    if (strcmp(mode, "managed") != 0 && strcmp(mode, "data") != 0)
        return vpce_error_setc(VPCE_EINVALID, "resource \"%s\" has invalid mode \"%s\"", address,
                               mode);
    const json_t *index = json_object_get(r, "index");
    if (index && !json_is_null(index) && !json_is_integer(index) && !json_is_string(index))
        return vpce_error_setc(VPCE_EINVALID, "resource \"%s\" has an invalid index", address);
    const json_t *attrs = json_object_get(r, "attributes");
    const json_t *sens = json_object_get(r, "sensitive_attributes");
    const json_t *deps = json_object_get(r, "dependencies");
    const json_t *id = json_object_get(r, "id");
    if (id && !json_is_null(id) && !json_is_string(id))
        return vpce_error_setc(VPCE_EINVALID, "resource \"%s\" has a non-string id", address);
    json_t *empty_obj = json_object(), *empty_arr = json_array(), *null = json_null();
    char now[32];
    st_now_iso(now, sizeof(now));
    rc = st_prepare(st, &s,
                    "INSERT OR REPLACE INTO resources (" RESOURCE_COLUMNS ", updated_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (rc)
        goto cleanup;
    st_bind_text(s, 1, address);
    st_bind_text(s, 2, mode);
    st_bind_text(s, 3, type);
    st_bind_text(s, 4, name);
    st_bind_json(s, 5, index ? index : null);
    st_bind_text(s, 6, opt_string(r, "provider", "aws"));
    st_bind_text(s, 7, json_is_string(id) ? json_string_value(id) : NULL);
    sqlite3_bind_int64(s, 8, json_integer_value(json_object_get(r, "schema_version")));
    st_bind_json(s, 9, json_is_object(attrs) ? attrs : empty_obj);
    st_bind_json(s, 10, json_is_array(sens) ? sens : empty_arr);
    st_bind_json(s, 11, json_is_array(deps) ? deps : empty_arr);
    st_bind_text(s, 12, now);
    rc = st_run(st, s);
cleanup:
    sqlite3_finalize(s);
    json_decref(empty_obj);
    json_decref(empty_arr);
    json_decref(null);
    return rc;
}

/* Deletes a row; VPCE_ENOTFOUND when there was none and missing_ok is false. */
static int delete_resource(vpce_state *st, const char *address, bool missing_ok)
{
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "DELETE FROM resources WHERE address = ?1");
    if (rc)
        return rc;
    st_bind_text(s, 1, address);
    rc = st_run(st, s);
    if (rc == 0 && !missing_ok && sqlite3_changes(st->db) == 0)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "no resource \"%s\" in the state", address);
    sqlite3_finalize(s);
    return rc;
}

int vpce_state_put_resource(vpce_state *st, const json_t *resource)
{
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = write_resource(st, resource);
    return st_tx_end(st, rc, true);
}

int vpce_state_remove_resource(vpce_state *st, const char *address)
{
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = delete_resource(st, address, false);
    return st_tx_end(st, rc, true);
}

/* Writes outputs (object) after deleting all current ones; no transaction of its own. */
static int write_outputs(vpce_state *st, const json_t *outputs)
{
    sqlite3_stmt *s = NULL;
    const char *name;
    const json_t *o;
    if (outputs && !json_is_object(outputs))
        return vpce_error_setc(VPCE_EINVALID, "state outputs must be a JSON object");
    int rc = st_exec(st, "DELETE FROM outputs");
    if (rc || !outputs)
        return rc;
    rc = st_prepare(st, &s, "INSERT INTO outputs (name, value, sensitive) VALUES (?1, ?2, ?3)");
    if (rc)
        return rc;
    json_object_foreach((json_t *)outputs, name, o)
    {
        json_t *null = json_null();
        const json_t *value = json_is_object(o) ? json_object_get(o, "value") : NULL;
        sqlite3_reset(s);
        st_bind_text(s, 1, name);
        st_bind_json(s, 2, value ? value : null);
        sqlite3_bind_int(s, 3, json_is_true(json_object_get(o, "sensitive")));
        json_decref(null);
        rc = st_run(st, s);
        if (rc)
            break;
    }
    sqlite3_finalize(s);
    return rc;
}

int vpce_state_set_outputs(vpce_state *st, const json_t *outputs)
{
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = write_outputs(st, outputs);
    return st_tx_end(st, rc, true);
}

int vpce_state_store(vpce_state *st, const json_t *doc)
{
    if (!json_is_object(doc))
        return vpce_error_setc(VPCE_EINVALID, "a state document must be a JSON object");
    const char *lineage = opt_string(doc, "lineage", NULL);
    if (lineage && strcmp(lineage, st->lineage) != 0)
        return vpce_error_setc(VPCE_EINVALID,
                               "state lineage \"%s\" does not match the database's \"%s\"", lineage,
                               st->lineage);
    const json_t *resources = json_object_get(doc, "resources");
    if (resources && !json_is_array(resources))
        return vpce_error_setc(VPCE_EINVALID, "state \"resources\" must be an array");
    int rc = st_tx_begin(st);
    if (rc)
        return rc;
    rc = st_exec(st, "DELETE FROM resources");
    size_t i;
    const json_t *r;
    json_array_foreach(resources, i, r)
    {
        if (rc)
            break;
        rc = write_resource(st, r);
    }
    if (rc == 0)
        rc = write_outputs(st, json_object_get(doc, "outputs"));
    return st_tx_end(st, rc, true);
}

/* ---- moving ------------------------------------------------------------------------------ */

/* Moves one row from address `from` to address `to`, which names the resource dname with
 * instance key dindex (borrowed, may be NULL). */
static int move_one(vpce_state *st, const char *from, const char *to, const char *dname,
                    const json_t *dindex)
{
    json_t *r = NULL, *existing = NULL;
    int rc = vpce_state_get_resource(st, to, &existing);
    if (rc == 0) {
        rc = vpce_error_setc(VPCE_EEXISTS, "destination \"%s\" already exists in the state", to);
        goto cleanup;
    }
    if (rc != VPCE_ENOTFOUND)
        goto cleanup;
    rc = vpce_state_get_resource(st, from, &r);
    if (rc)
        goto cleanup;
    json_object_set_new(r, "address", json_string(to));
    json_object_set_new(r, "name", json_string(dname));
    json_object_set_new(r, "index", dindex ? json_deep_copy(dindex) : json_null());
    rc = delete_resource(st, from, false);
    if (rc == 0)
        rc = write_resource(st, r);
cleanup:
    json_decref(r);
    json_decref(existing);
    return rc;
}

/* Every address in the state (caller frees the strings). */
static int all_addresses(vpce_state *st, vpce_vec *out)
{
    sqlite3_stmt *s = NULL;
    int rc = st_prepare(st, &s, "SELECT address FROM resources ORDER BY address");
    if (rc)
        return rc;
    int r;
    while ((r = st_step(st, s)) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(s, 0);
        if (!a) {
            rc = damaged_row(st, NULL, "the address cannot be read");
            break;
        }
        vpce_vec_push(out, vpce_strdup(a));
    }
    sqlite3_finalize(s);
    if (rc == 0 && r != SQLITE_DONE)
        rc = VPCE_ERROR;
    return rc;
}

/* True if the first n module steps of a equal those of p, keys included. */
static bool same_module_steps(const vpce_addr *a, const vpce_addr *p, size_t n)
{
    if (a->nmodule < n || p->nmodule < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = a->module[i].key, *y = p->module[i].key;
        if (strcmp(a->module[i].name, p->module[i].name) != 0 || !x != !y ||
            (x && !vpce_value_equal(x, y)))
            return false;
    }
    return true;
}

/* True if a is inside module src: the same steps, keys included; with any_last, any key of
 * src's last step (which has none) matches. */
static bool inside_module(const vpce_addr *a, const vpce_addr *src, bool any_last)
{
    size_t n = src->nmodule;
    if (!any_last)
        return same_module_steps(a, src, n);
    return n > 0 && a->nmodule >= n && same_module_steps(a, src, n - 1) &&
           strcmp(a->module[n - 1].name, src->module[n - 1].name) == 0;
}

/*
 * Moves everything inside module (instance) src to the same place inside dst. When src names
 * a module call without a key and nothing has exactly its path (the call has count or
 * for_each), every instance of it moves, each keeping its key, if dst has no key either.
 */
static int move_module(vpce_state *st, const vpce_addr *src, const vpce_addr *dst, int *moved)
{
    vpce_vec addrs = VPCE_VEC_INIT;
    int rc = all_addresses(st, &addrs);
    bool any_last = false;
    if (rc == 0 && src->nmodule > 0 && dst->nmodule > 0 && !src->module[src->nmodule - 1].key &&
        !dst->module[dst->nmodule - 1].key) {
        bool exact = false;
        for (size_t i = 0; i < addrs.len && !exact; i++) {
            vpce_addr a;
            if (vpce_addr_parse(&a, addrs.items[i]) != 0) {
                vpce_error_clear();
                continue;
            }
            exact = same_module_steps(&a, src, src->nmodule);
            vpce_addr_release(&a);
        }
        any_last = !exact;
    }
    for (size_t i = 0; rc == 0 && i < addrs.len; i++) {
        vpce_addr a;
        if (vpce_addr_parse(&a, addrs.items[i]) != 0) {
            vpce_error_clear();
            continue;
        }
        if (inside_module(&a, src, any_last)) {
            /* The new path: dst's steps, then what follows src's in a. */
            vpce_addr b = a;
            b.nmodule = dst->nmodule + (a.nmodule - src->nmodule);
            b.module = vpce_calloc(b.nmodule ? b.nmodule : 1, sizeof(*b.module));
            for (size_t k = 0; k < dst->nmodule; k++)
                b.module[k] = dst->module[k];
            if (any_last)
                b.module[dst->nmodule - 1].key = a.module[src->nmodule - 1].key;
            for (size_t k = src->nmodule; k < a.nmodule; k++)
                b.module[dst->nmodule + k - src->nmodule] = a.module[k];
            char *to = vpce_addr_string(&b, true, true);
            free(b.module);
            rc = move_one(st, addrs.items[i], to, a.name, a.key);
            *moved += rc == 0;
            free(to);
        }
        vpce_addr_release(&a);
    }
    if (rc == 0 && *moved == 0) {
        char *s = vpce_addr_module_string(src, true);
        rc = vpce_error_setc(VPCE_ENOTFOUND, "no resource in the state is inside \"%s\"", s);
        free(s);
    }
    for (size_t i = 0; i < addrs.len; i++)
        free(addrs.items[i]);
    vpce_vec_release(&addrs);
    return rc;
}

/* Moves every instance of resource src (no instance key) to resource dst, keys kept. */
static int move_whole_resource(vpce_state *st, const vpce_addr *src, const vpce_addr *dst,
                               int *moved)
{
    vpce_vec addrs = VPCE_VEC_INIT;
    char *want = vpce_addr_string(src, true, false);
    char *dbase = vpce_addr_string(dst, true, false);
    int rc = all_addresses(st, &addrs);
    for (size_t i = 0; rc == 0 && i < addrs.len; i++) {
        vpce_addr a;
        if (vpce_addr_parse(&a, addrs.items[i]) != 0) {
            vpce_error_clear();
            continue;
        }
        char *base = vpce_addr_string(&a, true, false);
        if (a.resource && strcmp(base, want) == 0) {
            vpce_buf to = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
            vpce_buf_puts(&to, dbase);
            vpce_addr_key_append(&to, a.key);
            rc = move_one(st, addrs.items[i], vpce_buf_cstr(&to), dst->name, a.key);
            *moved += rc == 0;
            vpce_buf_release(&to);
        }
        free(base);
        vpce_addr_release(&a);
    }
    if (rc == 0 && *moved == 0)
        rc = vpce_error_setc(VPCE_ENOTFOUND, "no resource \"%s\" in the state", want);
    for (size_t i = 0; i < addrs.len; i++)
        free(addrs.items[i]);
    vpce_vec_release(&addrs);
    free(want);
    free(dbase);
    return rc;
}

int vpce_state_move_resource(vpce_state *st, const char *src, const char *dst, int *out_moved)
{
    vpce_addr sa = {0}, da = {0};
    int moved = 0;
    bool in_tx = false;
    int rc = vpce_addr_parse(&sa, src);
    if (rc == 0)
        rc = vpce_addr_parse(&da, dst);
    if (rc)
        goto cleanup;
    if (sa.resource != da.resource) {
        rc = vpce_error_setc(VPCE_EINVALID, "a %s cannot move to a %s address",
                             sa.resource ? "resource" : "module",
                             da.resource ? "resource" : "module");
        goto cleanup;
    }
    if (sa.resource && (sa.data != da.data || strcmp(sa.type, da.type) != 0)) {
        rc = vpce_error_setc(VPCE_EINVALID, "the resource type cannot change (%s to %s)", sa.type,
                             da.type);
        goto cleanup;
    }
    rc = st_tx_begin(st);
    if (rc)
        goto cleanup;
    in_tx = true;
    if (!sa.resource) {
        rc = move_module(st, &sa, &da, &moved);
        goto cleanup;
    }
    json_t *one = NULL;
    rc = vpce_state_get_resource(st, src, &one);
    json_decref(one);
    if (rc == 0) {
        char *to = vpce_addr_string(&da, true, true);
        rc = move_one(st, src, to, da.name, da.key);
        free(to);
        moved = rc == 0;
        goto cleanup;
    }
    if (rc != VPCE_ENOTFOUND || sa.key)
        goto cleanup;
    /* A whole resource: move every instance, keeping its index. */
    if (da.key) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "a whole resource cannot move to one instance of another");
        goto cleanup;
    }
    rc = move_whole_resource(st, &sa, &da, &moved);
cleanup:
    if (in_tx)
        rc = st_tx_end(st, rc, true);
    if (out_moved)
        *out_moved = rc == 0 ? moved : 0;
    vpce_addr_release(&sa);
    vpce_addr_release(&da);
    return rc;
}

int st_write_resource(vpce_state *st, const json_t *r)
{
    return write_resource(st, r);
}

int st_delete_resource(vpce_state *st, const char *address)
{
    return delete_resource(st, address, true);
}
