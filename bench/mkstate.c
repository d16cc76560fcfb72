/*
 * bench/mkstate.c: writes the state of a benchmark configuration through the state API. It
 * plans the configuration (argv[1]) against an empty state, fills what would be known after
 * apply, and stores three quarters of the instances into the database argv[2] (one in three of
 * those with a changed tag, so that half are unchanged and a quarter changed). Built by
 * plan_bench.sh and s3_bench.sh against the project's static libraries.
 */
#include "config/config.h"
#include "planner/planner.h"
#include "state/state.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void fill_unknowns(json_t *obj, const char *addr)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v)
    {
        if (vpce_is_unknown(v))
            json_object_set_new(obj, k, json_sprintf("%s-%s", k, addr));
    }
}

int main(int argc, char **argv)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_config *cfg = NULL;
    vpce_plan *p = NULL;
    json_t *vars = NULL;
    if (argc != 3 || vpce_config_load_dir(&cfg, argv[1], &d) < 0 ||
        vpce_config_vars(&vars, cfg, NULL, NULL, 0, &d) < 0) {
        vpce_diags_print(&d, stderr, false);
        return 1;
    }
    vpce_plan_opts o = {0};
    if (vpce_plan_make(&p, cfg, vars, NULL, &o, &d) < 0) {
        vpce_diags_print(&d, stderr, false);
        return 1;
    }
    /* Known ids first, so references resolve in the stored attributes. */
    json_t *doc = json_object();
    json_t *res = json_array();
    for (size_t i = 0; i < p->nchanges; i++) {
        vpce_change *c = p->changes[i];
        bool vpc = strcmp(c->type, "aws_vpc") == 0;
        if (i % 4 == 3 && !vpc)
            continue; /* a quarter new */
        json_t *attrs = json_deep_copy(c->after);
        fill_unknowns(attrs, c->address);
        if (json_is_object(json_object_get(attrs, "vpc_id")) ||
            json_is_string(json_object_get(attrs, "vpc_id")))
            json_object_set_new(attrs, "vpc_id", json_string("id-aws_vpc.main"));
        if (i % 4 == 2 && !vpc) /* a quarter changed */
            json_object_set_new(attrs, "tags", json_pack("{s:s}", "Name", "old"));
        json_t *e =
            json_pack("{s:s,s:s,s:s,s:s,s:n,s:s,s:O,s:i,s:o,s:[],s:[]}", "address", c->address,
                      "mode", c->mode, "type", c->type, "name", c->name, "index", "provider",
                      c->provider, "id", json_object_get(attrs, "id"), "schema_version", 0,
                      "attributes", attrs, "sensitive_attributes", "dependencies");
        json_array_append_new(res, e);
    }
    json_object_set_new(doc, "resources", res);
    json_object_set_new(doc, "outputs", json_object());
    vpce_state *st = NULL;
    if (vpce_state_open(&st, argv[2], true) < 0 || vpce_state_store(st, doc) < 0) {
        fprintf(stderr, "state: %s\n", vpce_error_last());
        return 1;
    }
    vpce_state_close(st);
    printf("stored %zu of %zu instances\n", json_array_size(res), p->nchanges);
    json_decref(doc);
    json_decref(vars);
    vpce_plan_free(p);
    vpce_config_free(cfg);
    vpce_diags_release(&d);
    return 0;
}
