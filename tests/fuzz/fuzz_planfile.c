/*
 * tests/fuzz/fuzz_planfile.c: reads arbitrary bytes as a plan file document; what loads must
 * render and survive a round trip through the plan file format.
 */
#include <stdint.h>
#include <stdlib.h>

#include "planner/planner.h"
#include "render/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    vpce_plan *p = NULL;
    if (vpce_plan_from_json(&p, doc) == 0) {
        free(vpce_plan_render_text(p, false));
        free(vpce_plan_render_json(p));
        free(vpce_plan_render_markdown(p));
        json_t *again = vpce_plan_to_json(p);
        vpce_plan *q = NULL;
        if (!again || vpce_plan_from_json(&q, again) != 0)
            abort(); /* what was read must be writable and readable again */
        vpce_plan_free(q);
        json_decref(again);
        vpce_plan_free(p);
    }
    json_decref(doc);
    return 0;
}
