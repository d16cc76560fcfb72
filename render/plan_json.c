/*
 * render/plan_json.c: the machine-readable plan, shaped like Terraform's `show -json` plan
 * representation and documented in docs/plan-json.md. Unknown values are written as null with
 * a mirror document "after_unknown" marking them; sensitive attributes are marked in
 * "before_sensitive"/"after_sensitive"; sensitive variable values are left out.
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#define JSON_FORMAT_VERSION "1.0"

static json_t *actions_json(vpce_action a)
{
    json_t *arr = json_array();
    switch (a) {
    case VPCE_ACTION_NOOP:
        json_array_append_new(arr, json_string("no-op"));
        break;
    case VPCE_ACTION_CREATE:
        json_array_append_new(arr, json_string("create"));
        break;
    case VPCE_ACTION_READ:
        json_array_append_new(arr, json_string("read"));
        break;
    case VPCE_ACTION_UPDATE:
        json_array_append_new(arr, json_string("update"));
        break;
    case VPCE_ACTION_DELETE_THEN_CREATE:
        json_array_append_new(arr, json_string("delete"));
        json_array_append_new(arr, json_string("create"));
        break;
    case VPCE_ACTION_CREATE_THEN_DELETE:
        json_array_append_new(arr, json_string("create"));
        json_array_append_new(arr, json_string("delete"));
        break;
    case VPCE_ACTION_DELETE:
        json_array_append_new(arr, json_string("delete"));
        break;
    case VPCE_ACTION_FORGET:
        json_array_append_new(arr, json_string("forget"));
        break;
    }
    return arr;
}

/* A copy of v with every unknown replaced by null. New reference. */
static json_t *strip_unknowns(const json_t *v)
{
    if (!v || vpce_is_unknown(v))
        return json_null();
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(out, strip_unknowns(e));
        return out;
    }
    if (json_is_object(v)) {
        json_t *out = json_object();
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) json_object_set_new(out, k, strip_unknowns(e));
        return out;
    }
    return json_deep_copy(v);
}

/* Terraform's "after_unknown": true where unknown; arrays mirrored element by element (false
   where known); objects keep only the members that are not plain false. New reference. */
static json_t *unknown_as_bool(const json_t *v)
{
    if (vpce_is_unknown(v))
        return json_true();
    if (vpce_is_bignum(v))
        return json_false();
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(out, unknown_as_bool(e));
        return out;
    }
    if (json_is_object(v)) {
        json_t *out = json_object();
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            json_t *b = unknown_as_bool(e);
            if (json_is_false(b))
                json_decref(b);
            else
                json_object_set_new(out, k, b);
        }
        return out;
    }
    return json_false();
}

/* {"attr": true, ...} for each sensitive top-level attribute present in v; false when v is
   null. New reference. */
static json_t *sensitive_as_bool(const json_t *v, const json_t *paths)
{
    if (!v || json_is_null(v))
        return json_false();
    json_t *out = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(paths, i, p)
    {
        const char *name =
            json_is_string(p) ? json_string_value(p) : json_string_value(json_array_get(p, 0));
        if (name && json_is_object(v) && json_object_get(v, name))
            json_object_set_new(out, name, json_true());
    }
    return out;
}

/* Terraform's module_address: the module instance path, only for resources in a module. */
static void add_module_address(json_t *o, const char *address)
{
    if (!address || strncmp(address, "module.", 7) != 0)
        return;
    char *m = vpce_addr_module_of(address);
    if (m[0])
        json_object_set_new(o, "module_address", json_string(m));
    free(m);
}

static json_t *change_json(const vpce_change *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "address", json_string(c->address ? c->address : ""));
    add_module_address(o, c->address);
    json_object_set_new(o, "mode", json_string(c->mode ? c->mode : "managed"));
    json_object_set_new(o, "type", json_string(c->type ? c->type : ""));
    json_object_set_new(o, "name", json_string(c->name ? c->name : ""));
    if (c->index && !json_is_null(c->index))
        json_object_set_new(o, "index", json_deep_copy(c->index));
    json_object_set_new(o, "provider_name", json_string(c->provider ? c->provider : "aws"));
    if (c->previous_address)
        json_object_set_new(o, "previous_address", json_string(c->previous_address));

    json_t *ch = json_object();
    json_object_set_new(ch, "actions", actions_json(c->action));
    const json_t *before = c->action == VPCE_ACTION_CREATE ? NULL : c->before;
    const json_t *after =
        c->action == VPCE_ACTION_DELETE || c->action == VPCE_ACTION_FORGET ? NULL : c->after;
    json_object_set_new(ch, "before", strip_unknowns(before));
    json_object_set_new(ch, "after", strip_unknowns(after));
    json_object_set_new(ch, "after_unknown",
                        after && !json_is_null(after) ? unknown_as_bool(after) : json_false());
    json_object_set_new(ch, "before_sensitive", sensitive_as_bool(before, c->sensitive_paths));
    json_object_set_new(ch, "after_sensitive", sensitive_as_bool(after, c->sensitive_paths));
    if (json_array_size(c->replace_paths) > 0) {
        /* Always paths (arrays of steps), even when the planner gave bare attribute names. */
        json_t *rp = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(c->replace_paths, i, p)
        {
            if (json_is_array(p))
                json_array_append_new(rp, json_deep_copy(p));
            else
                json_array_append_new(rp, json_pack("[O]", p));
        }
        json_object_set_new(ch, "replace_paths", rp);
    }
    if (c->import_id)
        json_object_set_new(ch, "importing", json_pack("{s:s}", "id", c->import_id));
    json_object_set_new(o, "change", ch);
    if (c->reason)
        json_object_set_new(o, "action_reason", json_string(c->reason));
    return o;
}

/* A drift entry in the resource change shape, from either that shape or the flat one refresh
   makes ({"address", ..., "provider", "actions", "before", "after"}). New reference. */
static json_t *drift_json(const json_t *d)
{
    const json_t *ch = json_object_get(d, "change") ? json_object_get(d, "change") : d;
    json_t *o = json_object();
    static const char *const keys[] = {"address", "mode", "type", "name"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        json_t *v = json_object_get(d, keys[k]);
        json_object_set_new(o, keys[k], json_is_string(v) ? json_incref(v) : json_string(""));
        if (k == 0)
            add_module_address(o, json_string_value(v));
    }
    json_t *idx = json_object_get(d, "index");
    if (idx && !json_is_null(idx))
        json_object_set_new(o, "index", json_deep_copy(idx));
    json_t *prov = json_object_get(d, "provider_name");
    if (!json_is_string(prov))
        prov = json_object_get(d, "provider");
    json_object_set_new(o, "provider_name",
                        json_is_string(prov) ? json_incref(prov) : json_string("aws"));
    json_t *c = json_object();
    json_t *acts = json_object_get(ch, "actions");
    json_object_set_new(c, "actions",
                        json_is_array(acts) ? json_deep_copy(acts) : json_pack("[s]", "update"));
    const json_t *before = json_object_get(ch, "before"), *after = json_object_get(ch, "after");
    json_object_set_new(c, "before", strip_unknowns(before));
    json_object_set_new(c, "after", strip_unknowns(after));
    json_object_set_new(c, "after_unknown",
                        after && !json_is_null(after) ? unknown_as_bool(after) : json_false());
    static const char *const sens[] = {"before_sensitive", "after_sensitive"};
    for (size_t k = 0; k < 2; k++) {
        json_t *v = json_object_get(ch, sens[k]);
        const json_t *val = k == 0 ? before : after;
        json_object_set_new(c, sens[k],
                            v ? json_deep_copy(v)
                              : (val && !json_is_null(val) ? json_object() : json_false()));
    }
    json_object_set_new(o, "change", c);
    return o;
}

static json_t *outputs_json(const json_t *ocs)
{
    json_t *out = json_object();
    const char *name;
    json_t *oc;
    json_object_foreach((json_t *)ocs, name, oc)
    {
        bool sens = json_is_true(json_object_get(oc, "sensitive"));
        json_t *acts = json_object_get(oc, "actions");
        json_t *after = json_object_get(oc, "after");
        json_t *o = json_object();
        json_object_set_new(o, "actions",
                            json_is_array(acts) ? json_deep_copy(acts) : json_pack("[s]", "no-op"));
        json_object_set_new(o, "before", strip_unknowns(json_object_get(oc, "before")));
        json_object_set_new(o, "after", strip_unknowns(after));
        json_object_set_new(o, "after_unknown", unknown_as_bool(after));
        json_object_set_new(o, "before_sensitive", json_boolean(sens));
        json_object_set_new(o, "after_sensitive", json_boolean(sens));
        json_object_set_new(out, name, o);
    }
    return out;
}

static bool var_sensitive(const vpce_plan *p, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(p->sensitive_vars, i,
                       n) if (json_is_string(n) &&
                              strcmp(json_string_value(n), name) == 0) return true;
    return false;
}

/* The "to_display" of a check: [MODULE.]check.NAME. */
static json_t *check_display(const char *module, const char *name)
{
    return *module ? json_sprintf("%s.check.%s", module, name) : json_sprintf("check.%s", name);
}

/* The worse of two statuses: fail, then unknown, then pass. */
static int status_rank(const char *s)
{
    return strcmp(s, "fail") == 0 ? 2 : strcmp(s, "unknown") == 0 ? 1 : 0;
}

/* Terraform's "checks": one entry per check block (per module, not per module instance) with
   its aggregate status, holding one instance per module instance with its own status and
   problems. */
static json_t *checks_json(const json_t *results)
{
    json_t *checks = json_array();
    json_t *by_block = json_object(); /* "MODULE_STATIC\nNAME" -> entry (borrowed) */
    size_t i;
    json_t *ck;
    json_array_foreach(results, i, ck)
    {
        const char *name = json_string_value(json_object_get(ck, "name"));
        const char *mod = json_string_value(json_object_get(ck, "module"));
        const char *smod = json_string_value(json_object_get(ck, "module_static"));
        const char *status = json_string_value(json_object_get(ck, "status"));
        if (!name || !status)
            continue;
        mod = mod ? mod : "";
        smod = smod ? smod : "";
        char *key = vpce_asprintf("%s\n%s", smod, name);
        json_t *e = json_object_get(by_block, key);
        if (!e) {
            json_t *addr = json_pack("{s:s,s:s}", "kind", "check", "name", name);
            if (*smod)
                json_object_set_new(addr, "module", json_string(smod));
            json_object_set_new(addr, "to_display", check_display(smod, name));
            e = json_pack("{s:o,s:s,s:[]}", "address", addr, "status", status, "instances");
            json_array_append_new(checks, e);
            json_object_set(by_block, key, e);
        } else if (status_rank(status) >
                   status_rank(json_string_value(json_object_get(e, "status")))) {
            json_object_set_new(e, "status", json_string(status));
        }
        free(key);
        json_t *iaddr = json_object();
        if (*mod)
            json_object_set_new(iaddr, "module", json_string(mod));
        json_object_set_new(iaddr, "to_display", check_display(mod, name));
        json_t *inst = json_pack("{s:o,s:s}", "address", iaddr, "status", status);
        json_t *problems = json_object_get(ck, "problems");
        if (json_array_size(problems))
            json_object_set(inst, "problems", problems);
        json_array_append_new(json_object_get(e, "instances"), inst);
    }
    json_decref(by_block);
    return checks;
}

static json_t *plan_json_doc(const vpce_plan *p)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "format_version", json_string(JSON_FORMAT_VERSION));
    json_object_set_new(doc, "vpce_version", json_string(VPCE_VERSION));
    json_object_set_new(doc, "plan_mode",
                        json_string(p->refresh_only ? "refresh-only"
                                    : p->destroy    ? "destroy"
                                                    : "normal"));
    json_t *vars = json_object();
    const char *name;
    json_t *v;
    json_object_foreach(p->variables, name, v)
    {
        if (var_sensitive(p, name))
            json_object_set_new(vars, name, json_pack("{s:b}", "sensitive", 1));
        else
            json_object_set_new(vars, name, json_pack("{s:o}", "value", strip_unknowns(v)));
    }
    json_object_set_new(doc, "variables", vars);
    json_t *rc = json_array();
    for (size_t i = 0; i < p->nchanges; i++)
        json_array_append_new(rc, change_json(p->changes[i]));
    json_object_set_new(doc, "resource_changes", rc);
    json_t *drift = json_array();
    size_t i;
    json_array_foreach(p->drift, i, v) json_array_append_new(drift, drift_json(v));
    json_object_set_new(doc, "resource_drift", drift);
    json_object_set_new(doc, "output_changes", outputs_json(p->output_changes));
    json_object_set_new(doc, "prior_state_serial", json_integer((json_int_t)p->serial));
    json_object_set_new(doc, "prior_state_lineage",
                        p->lineage ? json_string(p->lineage) : json_null());
    vpce_plan_cost cost;
    vpce_plan_cost_estimate(p, &cost);
    if (cost.relevant)
        json_object_set_new(
            doc, "cost_estimate",
            json_pack("{s:I,s:b,s:f,s:f,s:i}", "eni_delta", (json_int_t)cost.eni_delta,
                      "eni_delta_known", cost.eni_delta_known, "monthly_usd_delta",
                      cost.monthly_usd_delta, "hourly_usd_per_eni", VPCE_COST_USD_PER_ENI_HOUR,
                      "hours_per_month", VPCE_COST_HOURS_PER_MONTH));
    if (json_array_size(p->checks))
        json_object_set_new(doc, "checks", checks_json(p->checks));
    json_object_set_new(doc, "diagnostics", json_array());
    if (p->findings)
        json_object_set(doc, "reachability", p->findings);
    json_object_set_new(doc, "errored", json_false());
    return doc;
}

char *vpce_plan_render_json(const vpce_plan *p)
{
    json_t *doc = plan_json_doc(p);
    char *s = vpce_json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(doc);
    if (!s) {
        vpce_error_set("cannot encode the plan as JSON");
        return NULL;
    }
    /* One allocator for everything the caller frees. */
    char *out = vpce_strdup(s);
    free(s);
    return out;
}
