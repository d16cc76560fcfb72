/*
 * render/state_json.c: the state document in the shape of Terraform's `show -json` state
 * representation.
 */
#include "render/render.h"

json_t *vpce_render_state_json(const json_t *doc)
{
    json_t *resources = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "resources"), i, r)
    {
        json_t *o = json_object();
        static const char *const copy[] = {"address", "mode", "type", "name", "index"};
        for (size_t k = 0; k < sizeof(copy) / sizeof(copy[0]); k++) {
            json_t *v = json_object_get(r, copy[k]);
            if (v && !json_is_null(v))
                json_object_set(o, copy[k], v);
        }
        json_t *prov = json_object_get(r, "provider");
        json_object_set_new(o, "provider_name",
                            json_is_string(prov) ? json_incref(prov) : json_string("aws"));
        json_t *sv = json_object_get(r, "schema_version");
        json_object_set_new(o, "schema_version",
                            json_is_integer(sv) ? json_incref(sv) : json_integer(0));
        json_t *attrs = json_object_get(r, "attributes");
        json_object_set_new(o, "values", attrs ? json_incref(attrs) : json_object());
        json_t *sens = json_object();
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(r, "sensitive_attributes"), k, s)
        {
            const char *name =
                json_is_string(s) ? json_string_value(s) : json_string_value(json_array_get(s, 0));
            if (name)
                json_object_set_new(sens, name, json_true());
        }
        json_object_set_new(o, "sensitive_values", sens);
        json_t *deps = json_object_get(r, "dependencies");
        if (json_array_size(deps) > 0)
            json_object_set(o, "depends_on", deps);
        json_array_append_new(resources, o);
    }
    json_t *outputs = json_object();
    const char *name;
    json_t *oc;
    json_object_foreach(json_object_get(doc, "outputs"), name, oc)
    {
        json_t *v = json_object_get(oc, "value");
        json_object_set_new(outputs, name,
                            json_pack("{s:O,s:b}", "value", v ? v : json_null(), "sensitive",
                                      json_is_true(json_object_get(oc, "sensitive"))));
    }
    json_t *st = json_object();
    json_object_set_new(st, "format_version", json_string("1.0"));
    json_object_set_new(st, "vpce_version", json_string(VPCE_VERSION));
    json_t *serial = json_object_get(doc, "serial");
    json_object_set_new(st, "serial", serial ? json_incref(serial) : json_integer(0));
    json_t *lineage = json_object_get(doc, "lineage");
    json_object_set_new(st, "lineage", lineage ? json_incref(lineage) : json_null());
    json_object_set_new(
        st, "values",
        json_pack("{s:o,s:{s:o}}", "outputs", outputs, "root_module", "resources", resources));
    return st;
}
