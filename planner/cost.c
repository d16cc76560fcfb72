/*
 * planner/cost.c: what a plan adds to the monthly bill. Only interface endpoints are priced:
 * AWS bills each of their ENIs (one per subnet/AZ) by the hour; gateway endpoints are free.
 * Data processing is billed per GB and is not estimated.
 */
#include "planner/planner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ENIs one side (before or after) of an aws_vpc_endpoint change places: 0 for a gateway
   endpoint or an absent side. *known becomes false when the count cannot be told yet; the
   count returned is then 0, a lower bound. */
static long endpoint_enis(const json_t *attrs, bool *known)
{
    if (!json_is_object(attrs))
        return 0;
    const json_t *type = json_object_get(attrs, "vpc_endpoint_type");
    if (vpce_is_unknown(type)) {
        *known = false;
        return 0;
    }
    if (!json_is_string(type) || strcmp(json_string_value(type), "Interface") != 0)
        return 0;
    const json_t *subnets = json_object_get(attrs, "subnet_ids");
    if (vpce_is_unknown(subnets)) {
        *known = false;
        return 0;
    }
    /* Unknown elements are still one subnet each. */
    return json_is_array(subnets) ? (long)json_array_size(subnets) : 0;
}

static bool is_interface(const json_t *attrs)
{
    const json_t *type = json_object_get(attrs, "vpc_endpoint_type");
    return vpce_is_unknown(type) ||
           (json_is_string(type) && strcmp(json_string_value(type), "Interface") == 0);
}

void vpce_plan_cost_estimate(const vpce_plan *p, vpce_plan_cost *out)
{
    memset(out, 0, sizeof(*out));
    out->eni_delta_known = true;
    bool touched = false;
    for (size_t i = 0; p && i < p->nchanges; i++) {
        const vpce_change *c = p->changes[i];
        if (!c->type || (c->mode && strcmp(c->mode, "managed") != 0))
            continue;
        bool adds = c->action == VPCE_ACTION_CREATE || c->action == VPCE_ACTION_UPDATE ||
                    c->action == VPCE_ACTION_DELETE_THEN_CREATE ||
                    c->action == VPCE_ACTION_CREATE_THEN_DELETE;
        bool removes = c->action == VPCE_ACTION_DELETE || c->action == VPCE_ACTION_UPDATE ||
                       c->action == VPCE_ACTION_DELETE_THEN_CREATE ||
                       c->action == VPCE_ACTION_CREATE_THEN_DELETE;
        if (strcmp(c->type, "aws_vpc_endpoint") == 0) {
            if (adds && is_interface(c->after))
                touched = true;
            if (removes && is_interface(c->before))
                touched = true;
            if (adds)
                out->eni_delta += endpoint_enis(c->after, &out->eni_delta_known);
            if (removes)
                out->eni_delta -= endpoint_enis(c->before, &out->eni_delta_known);
        } else if (strcmp(c->type, "aws_vpc_endpoint_subnet_association") == 0) {
            /* A replacement deletes one association and creates another: no change. */
            if (c->action == VPCE_ACTION_CREATE) {
                out->eni_delta++;
                touched = true;
            } else if (c->action == VPCE_ACTION_DELETE) {
                out->eni_delta--;
                touched = true;
            }
        }
    }
    out->relevant = touched && (out->eni_delta != 0 || !out->eni_delta_known);
    long long cents = llround((double)out->eni_delta * VPCE_COST_USD_PER_ENI_HOUR *
                              VPCE_COST_HOURS_PER_MONTH * 100.0);
    out->monthly_usd_delta = (double)cents / 100.0;
}

char *vpce_plan_cost_sentence(const vpce_plan_cost *c)
{
    if (!c || !c->relevant)
        return NULL;
    long n = c->eni_delta < 0 ? -c->eni_delta : c->eni_delta;
    long long cents = llround(fabs(c->monthly_usd_delta) * 100.0);
    bool fewer = c->eni_delta < 0;
    if (!c->eni_delta_known && c->eni_delta == 0)
        return vpce_asprintf("Cost: known after apply (how many subnets the interface endpoints "
                             "use is not known yet; $%.2f per ENI-hour, us-east-1 list price; "
                             "data processing not included)",
                             VPCE_COST_USD_PER_ENI_HOUR);
    /* A lower bound on the delta: "at least N more", or "at most N fewer". */
    const char *bound = c->eni_delta_known ? "" : fewer ? "at most " : "at least ";
    return vpce_asprintf("Cost: %s%c$%lld.%02lld/month (%s%ld %s interface endpoint ENI%s at "
                         "$%.2f per ENI-hour, us-east-1 list price; data processing not "
                         "included)",
                         c->eni_delta_known ? "" : "at least ", fewer ? '-' : '+', cents / 100,
                         cents % 100, bound, n, fewer ? "fewer" : "more", n == 1 ? "" : "s",
                         VPCE_COST_USD_PER_ENI_HOUR);
}
