/*
 * providers/aws/res_common.c: helpers shared by the resource implementations (see
 * res_common.h for the contracts).
 */
#include "providers/aws/res_common.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FILTER_CHUNK 200

/* ---- planned values and states ------------------------------------------------------------ */

const char *vpce_aws_attr_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) && json_string_length(v) > 0 && !vpce_is_unknown(v)
               ? json_string_value(v)
               : NULL;
}

int vpce_aws_attr_bool(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

bool vpce_aws_attr_num(const json_t *obj, const char *key, long long *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || vpce_is_unknown(v))
        return false;
    if (vpce_is_number(v)) {
        *out = (long long)vpce_number(v);
        return true;
    }
    if (json_is_string(v) && json_string_length(v) > 0) {
        char *end = NULL;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (end && *end == '\0') {
            *out = x;
            return true;
        }
    }
    return false;
}

const json_t *vpce_aws_attr_list(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_array(v) && !vpce_contains_unknown(v) ? v : NULL;
}

const json_t *vpce_aws_attr_block(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_array(v))
        v = json_array_get(v, 0);
    return json_is_object(v) && !vpce_is_unknown(v) ? v : NULL;
}

void vpce_aws_set_str(json_t *st, const char *key, const char *v)
{
    json_object_set_new(st, key, v ? json_string(v) : json_null());
}

void vpce_aws_copy_attr(json_t *st, const json_t *ref, const char *key)
{
    const json_t *v = json_object_get(ref, key);
    json_object_set_new(st, key, v && !vpce_contains_unknown(v) ? json_deep_copy(v) : json_null());
}

void vpce_aws_set_or_ref(json_t *st, const json_t *ref, const char *key, json_t *v)
{
    const json_t *r = json_object_get(ref, key);
    if (r && !json_is_null(r) && !vpce_contains_unknown(r)) {
        json_decref(v);
        json_object_set_new(st, key, json_deep_copy(r));
    } else {
        json_object_set_new(st, key, v ? v : json_null());
    }
}

const char *vpce_aws_state_id(const json_t *st)
{
    return vpce_aws_attr_str(st, "id");
}

/* ---- EC2 answers -------------------------------------------------------------------------- */

const json_t *vpce_aws_ec2_list(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_array(v) ? v : NULL;
}

const char *vpce_aws_ec2_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *vpce_aws_ec2_bool(const json_t *obj, const char *key)
{
    const char *s = vpce_aws_ec2_str(obj, key);
    if (s && strcasecmp(s, "true") == 0)
        return json_true();
    if (s && strcasecmp(s, "false") == 0)
        return json_false();
    return json_null();
}

json_t *vpce_aws_ec2_int(const json_t *obj, const char *key)
{
    const char *s = vpce_aws_ec2_str(obj, key);
    if (!s || !*s)
        return json_null();
    char *end = NULL;
    long long x = strtoll(s, &end, 10);
    return end && *end == '\0' ? json_integer(x) : json_null();
}

json_t *vpce_aws_ec2_strings(const json_t *list, const char *field, bool sort)
{
    json_t *out = json_array();
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *s = field ? vpce_aws_ec2_str(item, field) : json_string_value(item);
        if (s)
            json_array_append_new(out, json_string(s));
    }
    if (sort)
        vpce_json_array_sort(out, vpce_json_cmp_strings);
    return out;
}

json_t *vpce_aws_ec2_tags(const json_t *obj)
{
    json_t *tags = json_object();
    size_t i;
    const json_t *t;
    json_array_foreach(vpce_aws_ec2_list(obj, "tagSet"), i, t)
    {
        const char *k = vpce_aws_ec2_str(t, "key");
        const char *v = vpce_aws_ec2_str(t, "value");
        if (k && strcmp(k, VPCE_AWS_ADDRESS_TAG) != 0)
            json_object_set_new(tags, k, json_string(v ? v : ""));
    }
    return tags;
}

/* ---- tags --------------------------------------------------------------------------------- */

json_t *vpce_aws_desired_tags(vpce_provider *p, const json_t *config)
{
    const json_t *dt = vpce_aws_provider_default_tags(p);
    json_t *all = json_is_object(dt) ? json_deep_copy(dt) : json_object();
    const json_t *tags = json_object_get(config, "tags");
    if (json_is_object(tags) && !vpce_contains_unknown(tags))
        json_object_update(all, (json_t *)tags);
    json_object_del(all, VPCE_AWS_ADDRESS_TAG);
    return all;
}

int vpce_aws_add_tag_spec(vpce_aws_params *params, vpce_provider *p, const char *resource_type,
                          const json_t *config, const char *address)
{
    json_t *all = vpce_aws_desired_tags(p, config);
    if (address && *address)
        json_object_set_new(all, VPCE_AWS_ADDRESS_TAG, json_string(address));
    int rc = vpce_aws_params_add_tag_spec(params, resource_type, all);
    json_decref(all);
    return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vpce_aws_update_tags(vpce_provider *p, const char *id, const json_t *old, const json_t *want)
{
    int rc = 0;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *changed = json_object();
    vpce_vec keys = VPCE_VEC_INIT;
    const char *k;
    json_t *v;
    const char *ids[] = {id};
    json_object_foreach((json_t *)old, k, v)
    {
        if (strcmp(k, VPCE_AWS_ADDRESS_TAG) != 0 && !json_object_get(want, k))
            vpce_vec_push(&keys, (void *)k);
    }
    json_object_foreach((json_t *)want, k, v)
    {
        const json_t *o = json_object_get(old, k);
        if (strcmp(k, VPCE_AWS_ADDRESS_TAG) != 0 && (!o || !vpce_value_equal(o, v)))
            json_object_set(changed, k, v);
    }
    if (keys.len) {
        qsort(keys.items, keys.len, sizeof(void *), cmp_cstr);
        vpce_aws_params_add_list(&params, "ResourceId", ids, 1);
        for (size_t i = 0; i < keys.len; i++)
            vpce_aws_params_addf(&params, keys.items[i], "Tag.%zu.Key", i + 1);
        rc = vpce_aws_call(vpce_aws_provider_client(p), "DeleteTags", &params, NULL);
        vpce_aws_params_release(&params);
        if (rc)
            goto cleanup;
    }
    if (json_object_size(changed)) {
        vpce_aws_params_init(&params);
        vpce_aws_params_add_list(&params, "ResourceId", ids, 1);
        rc = vpce_aws_params_add_tags(&params, "Tag", changed);
        if (!rc)
            rc = vpce_aws_call(vpce_aws_provider_client(p), "CreateTags", &params, NULL);
        vpce_aws_params_release(&params);
    }
cleanup:
    vpce_vec_release(&keys);
    json_decref(changed);
    return rc;
}

void vpce_aws_set_tags(vpce_provider *p, json_t *st, const json_t *ec2_obj, const json_t *ref)
{
    json_t *all = vpce_aws_ec2_tags(ec2_obj);
    json_t *tags = json_deep_copy(all);
    const json_t *cfg_tags = json_object_get(ref, "tags");
    if (vpce_is_unknown(cfg_tags))
        cfg_tags = NULL;
    const json_t *dtags = vpce_aws_provider_default_tags(p);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)dtags, k, v)
    {
        const json_t *mine = json_object_get(tags, k);
        if (mine && vpce_value_equal(mine, v) && !json_object_get(cfg_tags, k))
            json_object_del(tags, k);
    }
    if (json_object_size(tags) == 0 && !json_is_object(cfg_tags)) {
        json_decref(tags);
        tags = json_null();
    }
    json_object_set_new(st, "tags", tags);
    json_object_set_new(st, "tags_all", all);
}

int vpce_aws_update_op_tags(vpce_resource_op *op)
{
    json_t *want = vpce_aws_desired_tags(op->provider, op->config);
    int rc = vpce_aws_update_tags(op->provider, vpce_aws_state_id(op->prior),
                                  json_object_get(op->prior, "tags_all"), want);
    json_decref(want);
    return rc;
}

/* ---- idempotency, timeouts, retries ------------------------------------------------------- */

void vpce_aws_add_client_token(vpce_aws_params *params, const vpce_resource_op *op)
{
    if (op->token && *op->token)
        vpce_aws_params_add(params, "ClientToken", op->token);
}

int64_t vpce_aws_op_timeout(const vpce_resource_op *op, const char *which, int64_t dflt_ms)
{
    /* A delete has no configuration: the timeouts stored with the prior state apply. */
    const json_t *t = vpce_aws_attr_block(op->config, "timeouts");
    if (!t && op->prior)
        t = vpce_aws_attr_block(op->prior, "timeouts");
    int64_t ms = t ? vpce_aws_parse_duration(vpce_aws_attr_str(t, which)) : -1;
    if (ms > 0)
        return ms;
    return op->timeout_ms > 0 ? op->timeout_ms : dflt_ms;
}

static bool code_matches(const char *code, const char *want)
{
    if (!code || !want || !*want)
        return false;
    if (want[0] == '.') {
        size_t lc = strlen(code), lw = strlen(want);
        return lc >= lw && strcmp(code + lc - lw, want) == 0;
    }
    return strcmp(code, want) == 0;
}

int vpce_aws_call_retry(vpce_provider *p, const char *action, const vpce_aws_params *params,
                        json_t **out_result, const char *retry_code, int64_t timeout_ms)
{
    int64_t deadline = vpce_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int64_t delay = 100;
    for (;;) {
        int rc = vpce_aws_call(vpce_aws_provider_client(p), action, params, out_result);
        if (rc == 0 || !code_matches(vpce_aws_last_error_code(), retry_code))
            return rc;
        int64_t now = vpce_now_ms();
        if (now + delay > deadline)
            return rc;
        vpce_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

int vpce_aws_gone_ok(int rc)
{
    if (rc == VPCE_ENOTFOUND) {
        vpce_error_clear();
        rc = 0;
    }
    return rc;
}

int vpce_aws_delete_retrying(vpce_resource_op *op, const char *action, const char *id_param,
                             const char *id, int64_t dflt_ms)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, id_param, id);
    int rc = vpce_aws_call_retry(op->provider, action, &params, NULL, "DependencyViolation",
                                 vpce_aws_op_timeout(op, "delete", dflt_ms));
    vpce_aws_params_release(&params);
    return vpce_aws_gone_ok(rc);
}

/* ---- batched reads ----------------------------------------------------------------------- */

/* The id-list parameter of each filter that names objects by their id: what a Describe falls
 * back to when the endpoint refuses the filter. */
static const struct {
    const char *action, *filter, *param;
} id_filters[] = {
    {"DescribeVpcs", "vpc-id", "VpcId"},
    {"DescribeSubnets", "subnet-id", "SubnetId"},
    {"DescribeRouteTables", "route-table-id", "RouteTableId"},
    {"DescribeSecurityGroups", "group-id", "GroupId"},
    {"DescribeInternetGateways", "internet-gateway-id", "InternetGatewayId"},
    {"DescribeVpcEndpoints", "vpc-endpoint-id", "VpcEndpointId"},
    {"DescribeNetworkInterfaces", "network-interface-id", "NetworkInterfaceId"},
};

static const char *id_param_of(const char *action, const char *filter)
{
    for (size_t i = 0; i < sizeof(id_filters) / sizeof(id_filters[0]); i++)
        if (strcmp(id_filters[i].action, action) == 0 && strcmp(id_filters[i].filter, filter) == 0)
            return id_filters[i].param;
    return NULL;
}

/* The codes with which EC2, and endpoints that implement less of it, refuse a parameter. */
static const char *const refusal_codes[] = {
    "InvalidParameterValue", "InvalidParameter", "InvalidParameterCombination", "InvalidFilter",
    "UnknownParameter",      "Unsupported",      "UnsupportedOperation",        "NotImplemented",
};

bool vpce_aws_refusal_shaped(int rc)
{
    if (rc == 0 || rc == VPCE_ENOTFOUND)
        return false;
    const char *code = vpce_aws_last_error_code();
    for (size_t i = 0; i < sizeof(refusal_codes) / sizeof(refusal_codes[0]); i++)
        if (strcmp(code, refusal_codes[i]) == 0)
            return true;
    long status = vpce_aws_last_http_status();
    /* A 5xx after the retries, unless it says the account is throttled: a fallback would only
       add load. Whether the 5xx is the filter's fault is told by the fallback succeeding. */
    return status >= 500 && status <= 599 &&
           vpce_aws_retry_decide(status, 0, code) != VPCE_AWS_RETRY_THROTTLE;
}

/* Adds the items of `items` (an array) to obj under their id_key. */
static void add_items(json_t *obj, const json_t *items, const char *id_key)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *id = vpce_aws_ec2_str(item, id_key);
        if (id)
            json_object_set(obj, id, item);
    }
}

/*
 * `action` with the ids as the list `param`.N, adding what it finds to out. EC2 fails such a call
 * as a whole when one id no longer exists (*.NotFound, not always naming which): the list is
 * split in halves until the ids that are gone stand alone, and those are left out.
 */
static int describe_id_list(vpce_provider *p, const char *action, const char *param,
                            const char *list_key, const char *id_key, const char *const *ids,
                            size_t n, json_t *out)
{
    if (n == 0)
        return 0;
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add_list(&params, param, ids, n);
    json_t *items = NULL;
    int rc = vpce_aws_call_paged(vpce_aws_provider_client(p), action, &params, list_key, &items);
    vpce_aws_params_release(&params);
    if (rc == 0)
        add_items(out, items, id_key);
    json_decref(items);
    if (rc != VPCE_ENOTFOUND)
        return rc;
    if (n == 1) /* this one is gone */
        return vpce_aws_gone_ok(rc);
    vpce_error_clear();
    rc = describe_id_list(p, action, param, list_key, id_key, ids, n / 2, out);
    if (rc == 0)
        rc = describe_id_list(p, action, param, list_key, id_key, ids + n / 2, n - n / 2, out);
    return rc;
}

bool vpce_aws_note_refused_filter(vpce_provider *p, const char *action, const char *filter,
                                  const char *reason, const char *instead)
{
    if (!vpce_aws_client_refuse_filter(vpce_aws_provider_client(p), action, filter))
        return false;
    vpce_log(VPCE_LOG_DEBUG,
             "aws: the EC2 server refused the filter %s of %s (%s); this run asks by %s instead",
             filter, action, reason, instead);
    return true;
}

/* One filtered Describe of at most FILTER_CHUNK values, paginated, into out. */
static int filter_chunk(vpce_provider *p, const char *action, const char *filter,
                        const char *list_key, const char *id_key, const char *const *values,
                        size_t n, int max_results, unsigned flags, json_t *out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add_filter(&params, filter, values, n);
    if (max_results > 0)
        vpce_aws_params_add_int(&params, "MaxResults", max_results);
    json_t *items = NULL;
    int rc = vpce_aws_call_paged_flags(vpce_aws_provider_client(p), action, &params, list_key,
                                       flags, &items);
    vpce_aws_params_release(&params);
    if (rc == 0)
        add_items(out, items, id_key);
    json_decref(items);
    return rc;
}

int vpce_aws_describe_filter_values(vpce_provider *p, const char *action, const char *filter,
                                    const char *list_key, const char *id_key,
                                    const char *const *values, size_t n, int max_results,
                                    unsigned flags, json_t **out)
{
    *out = json_object();
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += FILTER_CHUNK) {
        size_t k = n - at < FILTER_CHUNK ? n - at : FILTER_CHUNK;
        rc = filter_chunk(p, action, filter, list_key, id_key, values + at, k, max_results, flags,
                          *out);
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* One chunk of ids (at most FILTER_CHUNK), by the filter unless the endpoint refused it. */
static int describe_chunk(vpce_provider *p, const char *action, const char *filter,
                          const char *list_key, const char *id_key, const char *const *ids,
                          size_t n, int max_results, json_t *out)
{
    vpce_aws_client *c = vpce_aws_provider_client(p);
    const char *param = id_param_of(action, filter);
    if (param && vpce_aws_client_filter_refused(c, action, filter))
        return describe_id_list(p, action, param, list_key, id_key, ids, n, out);
    int rc = filter_chunk(p, action, filter, list_key, id_key, ids, n, max_results,
                          param ? VPCE_AWS_CALL_HAS_FALLBACK : 0, out);
    if (rc == 0 || !param || !vpce_aws_refusal_shaped(rc))
        return rc;
    /* The same ids by their list: if that works, the filter was the problem. */
    char *why = vpce_strdup(vpce_error_last());
    json_t *found = json_object();
    int frc = describe_id_list(p, action, param, list_key, id_key, ids, n, found);
    if (frc == 0) {
        char *instead = vpce_asprintf("%s.N", param);
        vpce_aws_note_refused_filter(p, action, filter, why, instead);
        free(instead);
        json_object_update(out, found);
        vpce_error_clear();
        rc = 0;
    } else {
        rc = vpce_error_setc(rc, "%s", why); /* the endpoint is in trouble: its first answer */
    }
    json_decref(found);
    free(why);
    return rc;
}

int vpce_aws_describe_by_filter(vpce_provider *p, const char *action, const char *filter,
                                const char *list_key, const char *id_key, const char *const *ids,
                                size_t n, int max_results, json_t **out)
{
    *out = json_object();
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += FILTER_CHUNK) {
        size_t k = n - at < FILTER_CHUNK ? n - at : FILTER_CHUNK;
        rc = describe_chunk(p, action, filter, list_key, id_key, ids + at, k, max_results, *out);
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int vpce_aws_describe_one(vpce_provider *p, const char *action, const char *filter,
                          const char *list_key, const char *id_key, const char *id, int64_t wait_ms,
                          json_t **out)
{
    *out = NULL;
    int64_t deadline = vpce_now_ms() + (wait_ms > 0 ? wait_ms : 0);
    int64_t delay = 100;
    for (;;) {
        json_t *all = NULL;
        int rc = vpce_aws_describe_by_filter(p, action, filter, list_key, id_key, &id, 1, 0, &all);
        if (rc)
            return rc;
        json_t *item = json_object_get(all, id);
        if (item) {
            *out = json_incref(item);
            json_decref(all);
            return 0;
        }
        json_decref(all);
        if (vpce_now_ms() + delay > deadline)
            return 0;
        vpce_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

const char **vpce_aws_prior_ids(json_t *const *priors, size_t n, const char ***ids_only,
                                size_t *count)
{
    const char **ids = vpce_calloc(n ? n : 1, sizeof(*ids));
    const char **packed = vpce_calloc(n ? n : 1, sizeof(*packed));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        ids[i] = vpce_aws_state_id(priors[i]);
        if (ids[i])
            packed[k++] = ids[i];
    }
    *count = k;
    if (ids_only)
        *ids_only = packed;
    else
        free(packed);
    return ids;
}

int vpce_aws_kind_missing(const vpce_aws_kind *k, const char *id)
{
    return vpce_error_setc(VPCE_ENOTFOUND, "%s: the %s '%s' does not exist", k->missing_code,
                           k->noun, id);
}

int vpce_aws_kind_read(vpce_provider *p, const vpce_aws_kind *k, const char *const *ids,
                       const json_t *const *refs, size_t n, json_t **out)
{
    json_t *all = NULL;
    const char **packed = vpce_calloc(n ? n : 1, sizeof(*packed));
    size_t count = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        if (ids[i])
            packed[count++] = ids[i];
    }
    if (count)
        rc = vpce_aws_describe_by_filter(p, k->action, k->filter, k->list_key, k->id_key, packed,
                                         count, 0, &all);
    for (size_t i = 0; i < n && rc == 0 && count; i++) {
        const json_t *item = ids[i] ? json_object_get(all, ids[i]) : NULL;
        if (item)
            out[i] = k->state(p, item, refs ? refs[i] : NULL);
    }
    free(packed);
    json_decref(all);
    return rc;
}

int vpce_aws_kind_read_batch(vpce_provider *p, const vpce_aws_kind *k, json_t *const *priors,
                             size_t n, json_t **out)
{
    size_t count = 0;
    const char **ids = vpce_aws_prior_ids(priors, n, NULL, &count);
    int rc = vpce_aws_kind_read(p, k, ids, (const json_t *const *)priors, n, out);
    free(ids);
    return rc;
}

int vpce_aws_kind_import(vpce_provider *p, const vpce_aws_kind *k, const char *id, json_t **out)
{
    *out = NULL;
    int rc = vpce_aws_kind_read(p, k, &id, NULL, 1, out);
    if (rc == 0 && !*out)
        rc = vpce_aws_kind_missing(k, id);
    return rc;
}

int vpce_aws_kind_read_after_write(vpce_provider *p, const vpce_aws_kind *k, const char *id,
                                   const json_t *ref, json_t **out)
{
    json_t *item = NULL;
    int rc = vpce_aws_describe_one(p, k->action, k->filter, k->list_key, k->id_key, id,
                                   VPCE_AWS_CONSISTENCY_MS, &item);
    if (rc == 0 && !item)
        rc = vpce_aws_kind_missing(k, id);
    if (rc == 0)
        *out = k->state(p, item, ref);
    json_decref(item);
    return rc;
}

/* ---- identifiers ------------------------------------------------------------------------- */

char *vpce_aws_arn(vpce_provider *p, const char *owner, const char *kind, const char *id)
{
    const char *region = vpce_aws_provider_region(p);
    return vpce_asprintf("arn:aws:ec2:%s:%s:%s/%s", region ? region : "", owner ? owner : "", kind,
                         id ? id : "");
}

void vpce_aws_set_id_arn(json_t *st, vpce_provider *p, const char *kind, const char *id,
                         const char *owner)
{
    vpce_aws_set_str(st, "id", id);
    char *arn = vpce_aws_arn(p, owner, kind, id);
    vpce_aws_set_str(st, "arn", arn);
    free(arn);
}

uint32_t vpce_aws_hash32(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
        h ^= *c;
        h *= 16777619u;
    }
    return h;
}

struct tag_probe {
    vpce_provider *p;
    const char *address, *describe, *list_key, *id_key, *result_key;
};

/* Looks for the object a lost create made, allowing EC2 a moment to show it. */
static int probe_by_address_tag(void *ud, json_t **found)
{
    const struct tag_probe *t = ud;
    static const int64_t waits_ms[] = {0, 500, 1500};
    *found = NULL;
    for (size_t i = 0; i < sizeof(waits_ms) / sizeof(waits_ms[0]); i++) {
        vpce_sleep_ms(waits_ms[i]);
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        const char *values[] = {t->address};
        vpce_aws_params_add_filter(&params, "tag:" VPCE_AWS_ADDRESS_TAG, values, 1);
        json_t *items = NULL;
        int rc = vpce_aws_call_paged(vpce_aws_provider_client(t->p), t->describe, &params,
                                     t->list_key, &items);
        vpce_aws_params_release(&params);
        if (rc)
            return rc;
        size_t n = json_array_size(items);
        if (n == 1) {
            const char *id = vpce_aws_ec2_str(json_array_get(items, 0), t->id_key);
            if (id)
                *found = json_pack("{s:{s:s}}", t->result_key, t->id_key, id);
        }
        json_decref(items);
        if (n > 0)
            return 0; /* several: not ours to choose; the create goes ahead and fails loudly */
    }
    return 0;
}

int vpce_aws_create_untokened(vpce_provider *p, const char *action, const vpce_aws_params *params,
                              const char *address, const char *describe, const char *list_key,
                              const char *id_key, const char *result_key, json_t **out_result)
{
    vpce_aws_client *c = vpce_aws_provider_client(p);
    if (!address)
        return vpce_aws_call(c, action, params, out_result);
    struct tag_probe t = {p, address, describe, list_key, id_key, result_key};
    return vpce_aws_call_probed(c, action, params, probe_by_address_tag, &t, out_result);
}
