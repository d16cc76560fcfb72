/* planner/plan_free.c: plan and change lifetimes, action names, the summary counts. */
#include "planner/planner.h"

#include <stdlib.h>
#include <string.h>

const char *vpce_action_name(vpce_action a)
{
    switch (a) {
    case VPCE_ACTION_NOOP:
        return "no-op";
    case VPCE_ACTION_CREATE:
        return "create";
    case VPCE_ACTION_READ:
        return "read";
    case VPCE_ACTION_UPDATE:
        return "update";
    case VPCE_ACTION_DELETE_THEN_CREATE:
        return "delete-then-create";
    case VPCE_ACTION_CREATE_THEN_DELETE:
        return "create-then-delete";
    case VPCE_ACTION_DELETE:
        return "delete";
    case VPCE_ACTION_FORGET:
        return "forget";
    }
    return "unknown";
}

void vpce_change_free(vpce_change *c)
{
    if (!c)
        return;
    free(c->address);
    free(c->mode);
    free(c->type);
    free(c->name);
    json_decref(c->index);
    free(c->provider);
    free(c->reason);
    json_decref(c->before);
    json_decref(c->after);
    json_decref(c->replace_paths);
    json_decref(c->sensitive_paths);
    for (size_t i = 0; i < c->ndepends_on; i++)
        free(c->depends_on[i]);
    free(c->depends_on);
    free(c->import_id);
    free(c->previous_address);
    free(c);
}

void vpce_plan_free(vpce_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nchanges; i++)
        vpce_change_free(p->changes[i]);
    free(p->changes);
    json_decref(p->drift);
    json_decref(p->output_changes);
    json_decref(p->variables);
    json_decref(p->sensitive_vars);
    free(p->config_hash);
    free(p->lineage);
    json_decref(p->prior);
    json_decref(p->findings);
    json_decref(p->checks);
    free(p);
}

void vpce_plan_counts(const vpce_plan *p, int *add, int *change, int *destroy)
{
    int a = 0, c = 0, d = 0;
    for (size_t i = 0; p && i < p->nchanges; i++) {
        const vpce_change *ch = p->changes[i];
        /* A data source leaving the state destroys nothing. */
        if (ch->action == VPCE_ACTION_DELETE && ch->mode && strcmp(ch->mode, "data") == 0)
            continue;
        switch (ch->action) {
        case VPCE_ACTION_CREATE:
            a++;
            break;
        case VPCE_ACTION_UPDATE:
            c++;
            break;
        case VPCE_ACTION_DELETE_THEN_CREATE:
        case VPCE_ACTION_CREATE_THEN_DELETE:
            a++;
            d++;
            break;
        case VPCE_ACTION_DELETE:
            d++;
            break;
        case VPCE_ACTION_NOOP:
        case VPCE_ACTION_READ:
        case VPCE_ACTION_FORGET:
            break;
        }
    }
    if (add)
        *add = a;
    if (change)
        *change = c;
    if (destroy)
        *destroy = d;
}

/* True when applying the plan would do anything: a resource action (reads included, as they run
   during apply, forgets and moves too) or an output whose value changes. */
bool vpce_plan_has_changes(const vpce_plan *p)
{
    if (!p)
        return false;
    if (p->refresh_only && json_array_size(p->drift) > 0)
        return true;
    for (size_t i = 0; i < p->nchanges; i++)
        if (p->changes[i]->action != VPCE_ACTION_NOOP || p->changes[i]->previous_address)
            return true;
    const char *name;
    json_t *oc;
    json_object_foreach(p->output_changes, name, oc)
    {
        json_t *acts = json_object_get(oc, "actions");
        json_t *a0 = json_array_get(acts, 0);
        if (json_is_string(a0) && strcmp(json_string_value(a0), "no-op") != 0)
            return true;
    }
    return false;
}
