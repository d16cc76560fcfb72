/*
 * providers/aws/data_iam_policy_document.c: the aws_iam_policy_document data source. It is
 * computed here, without calling AWS, as the Terraform AWS provider computes it: statements from
 * source_policy_documents first, then the statement blocks (a statement whose sid matches a
 * source statement replaces it), then override_policy_documents (a matching sid replaces, others
 * are appended). The result is written with Terraform's key order (Version, Id, Statement; Sid,
 * Effect, Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition), sets
 * of one element as a plain string and larger ones in reverse order, as the provider does.
 */
#include "providers/aws/res_common.h"
#include "providers/aws/resources.h"

#include <stdlib.h>
#include <string.h>

static const vpce_attr_schema principal_attrs[] = {
    {"type", "string", REQ, NULL, "AWS, Service, Federated, CanonicalUser or *"},
    {"identifiers", "set(string)", REQ, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema principal_schema = {principal_attrs, NULL};

static const vpce_attr_schema condition_attrs[] = {
    {"test", "string", REQ, NULL, "the condition operator, such as StringEquals"},
    {"variable", "string", REQ, NULL, "the context key, such as aws:SourceVpce"},
    {"values", "list(string)", REQ, NULL, NULL},
    ATTRS_END,
};
static const vpce_block_schema condition_schema = {condition_attrs, NULL};

static const vpce_attr_schema statement_attrs[] = {
    {"sid", "string", OPT, NULL, NULL},
    {"effect", "string", OPT, "\"Allow\"", "Allow or Deny"},
    {"actions", "set(string)", OPT, NULL, NULL},
    {"not_actions", "set(string)", OPT, NULL, NULL},
    {"resources", "set(string)", OPT, NULL, NULL},
    {"not_resources", "set(string)", OPT, NULL, NULL},
    ATTRS_END,
};
static const vpce_nested_block statement_blocks[] = {
    {"principals", VPCE_NEST_SET, 0, 0, 0, &principal_schema},
    {"not_principals", VPCE_NEST_SET, 0, 0, 0, &principal_schema},
    {"condition", VPCE_NEST_SET, 0, 0, 0, &condition_schema},
    BLOCKS_END,
};
static const vpce_block_schema statement_schema = {statement_attrs, statement_blocks};

static const vpce_attr_schema doc_attrs[] = {
    {"version", "string", OPT, NULL, "2012-10-17 (the default) or 2008-10-17"},
    {"policy_id", "string", OPT, NULL, NULL},
    {"source_policy_documents", "list(string)", OPT, NULL, "policies whose statements come first"},
    {"override_policy_documents", "list(string)", OPT, NULL,
     "policies whose statements replace those with the same sid"},
    {"id", "string", CMP, NULL, NULL},
    {"json", "string", CMP, NULL, "the policy, indented"},
    {"minified_json", "string", CMP, NULL, "the policy without white space"},
    ATTRS_END,
};
static const vpce_nested_block doc_blocks[] = {
    {"statement", VPCE_NEST_LIST, 0, 0, 0, &statement_schema},
    BLOCKS_END,
};
static const vpce_block_schema doc_schema = {doc_attrs, doc_blocks};

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of o in byte order (borrowed strings); caller frees the array. */
static const char **sorted_keys(const json_t *o, size_t *n)
{
    *n = json_object_size(o);
    const char **keys = vpce_malloc((*n ? *n : 1) * sizeof(*keys));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        keys[i++] = k;
    }
    qsort(keys, *n, sizeof(*keys), cmp_key);
    return keys;
}

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)b), json_string_value(*(json_t *const *)a));
}

/* A set of strings as the provider writes it: duplicates dropped, one element alone, several
 * in reverse order. New reference, or NULL for an empty or absent set. */
static json_t *string_set(const json_t *set)
{
    size_t n = json_array_size(set);
    if (n == 0)
        return NULL;
    json_t **items = vpce_malloc(n * sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(set, i);
    qsort(items, n, sizeof(*items), cmp_desc);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(json_string_value(items[i]), json_string_value(items[i - 1])) != 0)
            json_array_append(out, items[i]);
    free(items);
    if (json_array_size(out) == 1) {
        json_t *one = json_incref(json_array_get(out, 0));
        json_decref(out);
        return one;
    }
    return out;
}

/* principals blocks as {"TYPE": identifiers}, or "*" for type "*" with identifier "*". */
static json_t *principals(const json_t *blocks)
{
    size_t n = json_array_size(blocks);
    if (n == 0)
        return NULL;
    json_t *by_type = json_object();
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(blocks, i);
        const char *type = json_string_value(json_object_get(b, "type"));
        if (!type)
            continue;
        json_t *ids = json_object_get(by_type, type);
        if (!ids) {
            ids = json_array();
            json_object_set_new(by_type, type, ids);
        }
        json_array_extend(ids, json_object_get(b, "identifiers"));
    }
    json_t *all = json_object_get(by_type, "*");
    if (all && json_object_size(by_type) == 1 && json_array_size(all) == 1 &&
        strcmp(json_string_value(json_array_get(all, 0)), "*") == 0) {
        json_decref(by_type);
        return json_string("*");
    }
    json_t *out = json_object();
    size_t nk;
    const char **keys = sorted_keys(by_type, &nk);
    for (size_t i = 0; i < nk; i++) {
        json_object_set_new(out, keys[i], string_set(json_object_get(by_type, keys[i])));
    }
    free(keys);
    json_decref(by_type);
    return out;
}

/* condition blocks as {"TEST": {"VARIABLE": values}}. */
static json_t *conditions(const json_t *blocks)
{
    size_t n = json_array_size(blocks);
    if (n == 0)
        return NULL;
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(blocks, i);
        const char *test = json_string_value(json_object_get(b, "test"));
        const char *var = json_string_value(json_object_get(b, "variable"));
        if (!test || !var)
            continue;
        json_t *t = json_object_get(out, test);
        if (!t) {
            t = json_object();
            json_object_set_new(out, test, t);
        }
        json_t *vals = string_set(json_object_get(b, "values"));
        json_object_set_new(t, var, vals ? vals : json_array());
    }
    json_t *sorted = json_object();
    size_t nk;
    const char **keys = sorted_keys(out, &nk);
    for (size_t i = 0; i < nk; i++) {
        json_t *inner = json_object(), *src = json_object_get(out, keys[i]);
        size_t ni;
        const char **ik = sorted_keys(src, &ni);
        for (size_t k = 0; k < ni; k++)
            json_object_set(inner, ik[k], json_object_get(src, ik[k]));
        free(ik);
        json_object_set_new(sorted, keys[i], inner);
    }
    free(keys);
    json_decref(out);
    return sorted;
}

static void put(json_t *o, const char *k, json_t *v)
{
    if (v)
        json_object_set_new(o, k, v);
}

/* A statement block in the provider's key order. */
static json_t *statement_from_block(const json_t *b)
{
    json_t *s = json_object();
    const char *sid = json_string_value(json_object_get(b, "sid"));
    if (sid && *sid)
        json_object_set_new(s, "Sid", json_string(sid));
    const char *effect = json_string_value(json_object_get(b, "effect"));
    json_object_set_new(s, "Effect", json_string(effect ? effect : "Allow"));
    put(s, "Action", string_set(json_object_get(b, "actions")));
    put(s, "NotAction", string_set(json_object_get(b, "not_actions")));
    put(s, "Resource", string_set(json_object_get(b, "resources")));
    put(s, "NotResource", string_set(json_object_get(b, "not_resources")));
    put(s, "Principal", principals(json_object_get(b, "principals")));
    put(s, "NotPrincipal", principals(json_object_get(b, "not_principals")));
    put(s, "Condition", conditions(json_object_get(b, "condition")));
    return s;
}

/* A statement from a JSON policy document, its keys put in the provider's order. */
static json_t *statement_from_json(const json_t *st)
{
    static const char *const order[] = {"Sid",       "Effect",       "Action",
                                        "NotAction", "Resource",     "NotResource",
                                        "Principal", "NotPrincipal", "Condition"};
    json_t *s = json_object();
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        json_t *v = json_object_get(st, order[i]);
        if (v && !(i == 0 && json_is_string(v) && json_string_length(v) == 0))
            json_object_set(s, order[i], v);
    }
    return s;
}

static const char *sid_of(const json_t *s)
{
    const char *sid = json_string_value(json_object_get(s, "Sid"));
    return sid && *sid ? sid : NULL;
}

static long find_sid(const json_t *stmts, const char *sid)
{
    for (size_t i = 0; sid && i < json_array_size(stmts); i++) {
        const char *other = sid_of(json_array_get(stmts, i));
        if (other && strcmp(other, sid) == 0)
            return (long)i;
    }
    return -1;
}

/* The statements of a policy document's text (Statement may be one object or a list). */
static int document_statements(const char *text, const char *what, size_t index, json_t **out)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    *out = NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return vpce_error_setc(VPCE_EINVALID, "%s[%zu] is not a JSON policy document: %s", what,
                               index, doc ? "not an object" : je.text);
    }
    json_t *st = json_object_get(doc, "Statement"), *list = json_array();
    if (json_is_object(st)) {
        json_array_append_new(list, statement_from_json(st));
    } else {
        for (size_t i = 0; i < json_array_size(st); i++) {
            if (!json_is_object(json_array_get(st, i))) {
                json_decref(list);
                json_decref(doc);
                return vpce_error_setc(VPCE_EINVALID, "%s[%zu]: statement %zu is not an object",
                                       what, index, i + 1);
            }
            json_array_append_new(list, statement_from_json(json_array_get(st, i)));
        }
    }
    json_decref(doc);
    *out = list;
    return 0;
}

/* Go's encoding/json escapes <, > and & in strings; so does the provider's output. */
static char *html_escape(const char *s)
{
    vpce_buf b = VPCE_BUF_INIT(VPCE_BUF_UNLIMITED);
    for (; *s; s++) {
        if (*s == '<')
            vpce_buf_puts(&b, "\\u003c");
        else if (*s == '>')
            vpce_buf_puts(&b, "\\u003e");
        else if (*s == '&')
            vpce_buf_puts(&b, "\\u0026");
        else
            vpce_buf_putc(&b, *s);
    }
    char *r = vpce_strdup(vpce_buf_cstr(&b));
    vpce_buf_release(&b);
    return r;
}

/* The string hash the provider uses as the id: CRC-32 (IEEE) of the text. */
static unsigned long crc32_ieee(const char *s)
{
    unsigned long c = 0xFFFFFFFFul;
    for (; *s; s++) {
        c ^= (unsigned char)*s;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320ul : c >> 1;
    }
    return c ^ 0xFFFFFFFFul;
}

static int read_document(vpce_provider *p, const json_t *config, json_t **out)
{
    (void)p;
    *out = NULL;
    json_t *stmts = json_array(), *doc = NULL;
    int rc = 0;
    const json_t *sources = json_object_get(config, "source_policy_documents");
    for (size_t i = 0; rc == 0 && i < json_array_size(sources); i++) {
        json_t *list = NULL;
        rc = document_statements(json_string_value(json_array_get(sources, i)),
                                 "source_policy_documents", i, &list);
        for (size_t k = 0; rc == 0 && k < json_array_size(list); k++) {
            json_t *s = json_array_get(list, k);
            if (find_sid(stmts, sid_of(s)) >= 0)
                rc = vpce_error_setc(VPCE_EINVALID,
                                     "duplicate Sid (%s) in source_policy_documents: sids must "
                                     "be unique",
                                     sid_of(s));
            else
                json_array_append(stmts, s);
        }
        json_decref(list);
    }
    size_t nsources = json_array_size(stmts);
    const json_t *blocks = json_object_get(config, "statement");
    for (size_t i = 0; rc == 0 && i < json_array_size(blocks); i++) {
        json_t *s = statement_from_block(json_array_get(blocks, i));
        long at = find_sid(stmts, sid_of(s));
        if (at >= (long)nsources) {
            rc = vpce_error_setc(VPCE_EINVALID, "duplicate Sid (%s): sids must be unique",
                                 sid_of(s));
            json_decref(s);
        } else if (at >= 0) {
            json_array_set_new(stmts, (size_t)at, s);
        } else {
            json_array_append_new(stmts, s);
        }
    }
    const json_t *overrides = json_object_get(config, "override_policy_documents");
    for (size_t i = 0; rc == 0 && i < json_array_size(overrides); i++) {
        json_t *list = NULL;
        rc = document_statements(json_string_value(json_array_get(overrides, i)),
                                 "override_policy_documents", i, &list);
        for (size_t k = 0; rc == 0 && k < json_array_size(list); k++) {
            json_t *s = json_array_get(list, k);
            long at = find_sid(stmts, sid_of(s));
            if (at >= 0)
                json_array_set(stmts, (size_t)at, s);
            else
                json_array_append(stmts, s);
        }
        json_decref(list);
    }
    if (rc) {
        json_decref(stmts);
        return rc;
    }
    doc = json_object();
    const char *version = json_string_value(json_object_get(config, "version"));
    json_object_set_new(doc, "Version", json_string(version ? version : "2012-10-17"));
    const char *id = json_string_value(json_object_get(config, "policy_id"));
    if (id)
        json_object_set_new(doc, "Id", json_string(id));
    json_object_set_new(doc, "Statement", stmts);
    char *pretty = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    char *compact = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(doc);
    char *pretty_e = html_escape(pretty), *compact_e = html_escape(compact);
    json_t *st = json_deep_copy(config);
    json_object_set_new(st, "json", json_string(pretty_e));
    json_object_set_new(st, "minified_json", json_string(compact_e));
    char idbuf[24];
    snprintf(idbuf, sizeof(idbuf), "%lu", crc32_ieee(pretty_e));
    json_object_set_new(st, "id", json_string(idbuf));
    free(pretty);
    free(compact);
    free(pretty_e);
    free(compact_e);
    *out = st;
    return 0;
}

const vpce_resource_type vpce_aws_data_iam_policy_document = {
    .name = "aws_iam_policy_document",
    .schema = &doc_schema,
    .description = "an IAM policy document computed locally from HCL",
    .read = read_document,
};
