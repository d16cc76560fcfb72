/*
 * tests/fuzz/fuzz_plan.c: plans examples/seed against arbitrary bytes read as a prior state
 * document (as a damaged or hand-edited state would give), without refresh, and renders the
 * plan in every format. Whatever the document holds, planning must succeed or fail cleanly.
 */
#include <stdint.h>
#include <stdlib.h>

#include "config/config.h"
#include "planner/planner.h"
#include "render/render.h"

static vpce_config *cfg;
static json_t *vars;

/* The aws provider's schemas without its configure: planning without refresh needs nothing
 * else, and configuring would ask STS who the credentials belong to at every input. */
static vpce_provider_type schema_only;

static void load_seed(void)
{
    vpce_diags d = VPCE_DIAGS_INIT;
    schema_only = *vpce_providers_find("aws");
    schema_only.configure = NULL;
    vpce_providers_register(&schema_only);
    if (vpce_config_load_dir(&cfg, VPCE_SOURCE_DIR "/examples/seed", &d) < 0 ||
        vpce_config_vars(&vars, cfg, NULL, NULL, 0, &d) < 0)
        abort(); /* the seed is valid: this is a broken build, not a finding */
    vpce_diags_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg)
        load_seed();
    json_t *prior = json_loadb((const char *)data, size, 0, NULL);
    if (!prior)
        return 0;
    vpce_plan_opts opts = {.refresh = false};
    vpce_diags d = VPCE_DIAGS_INIT;
    vpce_plan *p = NULL;
    if (vpce_plan_make(&p, cfg, vars, prior, &opts, &d) == 0) {
        free(vpce_plan_render_text(p, true));
        free(vpce_plan_render_json(p));
        free(vpce_plan_render_markdown(p));
        vpce_plan_free(p);
    }
    vpce_diags_release(&d);
    json_decref(prior);
    return 0;
}
