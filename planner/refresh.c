/*
 * planner/refresh.c: brings a prior state document up to date before planning, with one
 * batched read per resource type (and provider configuration), never one call per instance.
 */
#include "planner/plan_build.h"

#include <stdlib.h>
#include <string.h>

static json_t *drift_entry(const json_t *res, const char *action, const json_t *before,
                           const json_t *after)
{
    json_t *d = json_object();
    const char *keys[] = {"address", "mode", "type", "name", "index", "provider"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(res, keys[i]);
        if (v)
            json_object_set(d, keys[i], v);
    }
    json_t *acts = json_array();
    json_array_append_new(acts, json_string(action));
    json_object_set_new(d, "actions", acts);
    json_object_set_new(d, "before", before ? json_deep_copy(before) : json_null());
    json_object_set_new(d, "after", after ? json_deep_copy(after) : json_null());
    return d;
}

static const char *provider_ref(const json_t *res)
{
    const char *p = json_string_value(json_object_get(res, "provider"));
    return p;
}

int vpce_refresh_state(json_t *state_doc, const vpce_plan_providers *ps, json_t *drift)
{
    json_t *resources = json_object_get(state_doc, "resources");
    size_t n = json_array_size(resources);
    bool *gone = vpce_calloc(n ? n : 1, sizeof(bool));
    size_t *idx = vpce_calloc(n ? n : 1, sizeof(size_t));
    json_t **priors = vpce_calloc(n ? n : 1, sizeof(json_t *));
    json_t **out = vpce_calloc(n ? n : 1, sizeof(json_t *));
    int rc = 0;
    vpce_map *groups = NULL;
    const char *gkey;
    void *gval;

    /* Group the managed instances by type and provider configuration, in state order. */
    groups = vpce_map_new();
    for (size_t i = 0; i < n; i++) {
        json_t *res = json_array_get(resources, i);
        const char *mode = json_string_value(json_object_get(res, "mode"));
        const char *type = json_string_value(json_object_get(res, "type"));
        if (!type || (mode && strcmp(mode, "managed") != 0))
            continue;
        const char *pref = provider_ref(res);
        /* Objects of another region than their provider's are read through its client there. */
        const char *region =
            json_string_value(json_object_get(json_object_get(res, "attributes"), "region"));
        char *key = vpce_asprintf("%s %s %s", type, pref ? pref : "", region ? region : "");
        vpce_vec *v = vpce_map_get(groups, key);
        if (!v) {
            v = vpce_calloc(1, sizeof(*v));
            vpce_map_set(groups, key, v);
        }
        vpce_vec_push(v, (void *)(uintptr_t)(i + 1));
        free(key);
    }
    for (size_t it = 0; vpce_map_next(groups, &it, &gkey, &gval);) {
        vpce_vec *v = gval;
        json_t *first = json_array_get(resources, (uintptr_t)v->items[0] - 1);
        const char *type = json_string_value(json_object_get(first, "type"));
        const char *pref = provider_ref(first);
        const vpce_resource_type *rt = vpce_providers_resource(type);
        size_t k = 0;
        for (size_t j = 0; j < v->len; j++) {
            json_t *r2 = json_array_get(resources, (uintptr_t)v->items[j] - 1);
            idx[k] = (uintptr_t)v->items[j] - 1;
            priors[k] = json_object_get(r2, "attributes");
            if (!priors[k]) {
                json_object_set_new(r2, "attributes", json_object());
                priors[k] = json_object_get(r2, "attributes");
            }
            k++;
        }
        if (!rt || !rt->read_batch || k == 0)
            continue;
        vpce_provider *p = NULL;
        const char *ref = NULL;
        if (ps) {
            const vpce_provider_type *pt = vpce_providers_for_type(type);
            ref = pref ? pref : (pt ? pt->name : type);
            bool nop = false;
            p = vpce_plan_providers_for(ps, ref, priors[0], &nop);
            if (nop) {
                rc = VPCE_ERROR;
                goto cleanup;
            }
            /* What the provider decides itself (a region) is filled in before comparing, so
               state written before it was recorded shows no drift. */
            for (size_t m = 0; m < k; m++)
                vpce_plan_providers_fill(ps, ref, p, priors[m]);
        }
        memset(out, 0, k * sizeof(*out));
        vpce_log(VPCE_LOG_DEBUG, "refresh: reading %zu instances of %s in one batch", k, type);
        rc = rt->read_batch(p, priors, k, out);
        if (rc < 0) {
            /* Name what was being read: the user knows addresses, not EC2 actions. */
            const char *first =
                json_string_value(json_object_get(json_array_get(resources, idx[0]), "address"));
            char *msg = vpce_strdup(vpce_error_last());
            vpce_error_setc(rc, "refreshing %s (%zu instance%s: %s%s): %s", type, k,
                            k == 1 ? "" : "s", first ? first : "?", k > 1 ? ", ..." : "", msg);
            free(msg);
            for (size_t m = 0; m < k; m++)
                json_decref(out[m]);
            goto cleanup;
        }
        for (size_t m = 0; m < k; m++) {
            json_t *res2 = json_array_get(resources, idx[m]);
            if (out[m])
                vpce_plan_providers_fill(ps, ref, p, out[m]);
            if (!out[m]) {
                gone[idx[m]] = true;
                json_array_append_new(drift, drift_entry(res2, "delete", priors[m], NULL));
                continue;
            }
            if (!vpce_value_equal(priors[m], out[m])) {
                json_array_append_new(drift, drift_entry(res2, "update", priors[m], out[m]));
                json_object_set(res2, "attributes", out[m]);
                json_t *id = json_object_get(out[m], "id");
                if (json_is_string(id))
                    json_object_set(res2, "id", id);
            }
            json_decref(out[m]);
        }
    }

    /* Drop the instances that are gone, keeping the others in order. */
    json_t *kept = json_array();
    for (size_t i = 0; i < n; i++)
        if (!gone[i])
            json_array_append(kept, json_array_get(resources, i));
    if (resources)
        json_object_set_new(state_doc, "resources", kept);
    else
        json_decref(kept);

cleanup:
    for (size_t it = 0; groups && vpce_map_next(groups, &it, &gkey, &gval);) {
        vpce_vec_release(gval);
        free(gval);
    }
    vpce_map_free(groups);
    free(gone);
    free(idx);
    free(priors);
    free(out);
    return rc;
}
