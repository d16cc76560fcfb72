/*
 * planner/apply_recover.c: reconciles the journal entries an interrupted apply left behind,
 * before a new apply plans anything: an object a crashed create made is adopted into the state;
 * when none is found, the entry and its token are kept so the create is sent again with the
 * same idempotency token (see vpce_apply_opts.resume).
 *
 * EC2 is eventually consistent: for a few seconds after a create, Describe* calls may not show
 * the object it made. A search right after a crash can then miss an object that exists, and
 * the create sent again would make a duplicate. Two defences:
 *  - token reuse: actions that take a ClientToken (CreateVpcEndpoint, CreateRouteTable...)
 *    answer a resent create with the object the first one made, whether a search sees it or not;
 *  - a consistency window for the others (CreateVpc, CreateSubnet, routes, associations...):
 *    the searches start only once the newest create entry is window_ms old, measured from its
 *    started_at. We wait once, before all searches, rather than retry each search for the
 *    window: a retry loop cannot tell "not visible yet" from "never made" and would pay the
 *    whole window for every entry whose create never happened, while one wait from started_at
 *    pays at most the window once, and nothing at all when the crash was longer ago than that.
 *    The wait is bounded by the window whatever the clocks say.
 */
#include "config/config.h"
#include "planner/planner.h"
#include "providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Splits a managed instance address ("TYPE.NAME[KEY]", with an optional module path). */
static int split_address(const char *addr, char **type, char **name, json_t **index)
{
    vpce_addr a;
    *type = *name = NULL;
    *index = NULL;
    if (vpce_addr_parse(&a, addr) != 0 || !a.resource || a.data) {
        vpce_addr_release(&a);
        return vpce_error_setc(VPCE_EINVALID, "invalid resource address \"%s\"", addr);
    }
    *type = a.type;
    *name = a.name;
    *index = a.key;
    a.type = a.name = NULL;
    a.key = NULL;
    vpce_addr_release(&a);
    return 0;
}

static void note(json_t *report, const char *fmt, const char *a, const char *b)
{
    char *m = vpce_asprintf(fmt, a, b ? b : "");
    json_array_append_new(report, json_string(m));
    free(m);
}

/* The resource type of a journal entry's create when that type can search, else NULL. */
static const vpce_resource_type *searchable_create(const json_t *e)
{
    const char *addr = json_string_value(json_object_get(e, "address"));
    const char *action = json_string_value(json_object_get(e, "action"));
    char *type = NULL, *name = NULL;
    json_t *index = NULL;
    if (!action || strcmp(action, "create") != 0 || !addr ||
        split_address(addr, &type, &name, &index) != 0) {
        vpce_error_clear();
        return NULL;
    }
    const vpce_resource_type *rt = vpce_providers_resource(type);
    free(type);
    free(name);
    json_decref(index);
    return rt && (rt->find_by_address || rt->find_planned) ? rt : NULL;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) in milliseconds since the epoch; -1 when unreadable. */
static int64_t parse_utc_ms(const char *s)
{
    struct tm tm = {0};
    int n = 0;
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n == 0)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t == (time_t)-1 ? -1 : (int64_t)t * 1000;
}

/* How long to wait before searching: until the newest searchable create entry is window_ms
   old. started_at has whole seconds, so an entry counts as started at the end of its second;
   an unreadable or future timestamp waits the whole window, never more. */
static int64_t consistency_wait_ms(const json_t *entries, int64_t window_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t wait = 0;
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)entries, i, e)
    {
        if (!searchable_create(e))
            continue;
        int64_t started = parse_utc_ms(json_string_value(json_object_get(e, "started_at")));
        int64_t w = started < 0 ? window_ms : started + 1000 + window_ms - now;
        if (w > window_ms)
            w = window_ms;
        if (w > wait)
            wait = w;
    }
    return wait;
}

int vpce_apply_recover(const json_t *entries, const vpce_config *cfg, const vpce_plan_providers *ps,
                       const vpce_apply_hooks *hooks, int64_t window_ms, json_t **report,
                       json_t **resume)
{
    json_t *rep = json_array();
    json_t *res = json_object();
    int rc = 0;
    size_t i;
    json_t *e;
    int64_t wait = consistency_wait_ms(entries, window_ms < 0 ? VPCE_RECOVER_WINDOW_MS : window_ms);
    if (wait > 0)
        vpce_sleep_ms(wait);
    json_array_foreach((json_t *)entries, i, e)
    {
        const char *addr = json_string_value(json_object_get(e, "address"));
        const char *action = json_string_value(json_object_get(e, "action"));
        const char *token = json_string_value(json_object_get(e, "token"));
        int64_t id = json_integer_value(json_object_get(e, "id"));
        char *type = NULL, *name = NULL;
        json_t *index = NULL, *found = NULL;
        if (!addr || split_address(addr, &type, &name, &index) < 0) {
            if (hooks->abandon && (rc = hooks->abandon(hooks->ctx, id)) < 0)
                goto next;
            note(rep, "%s: cleared an unreadable journal entry%s", addr ? addr : "?", NULL);
            goto next;
        }
        const vpce_resource_type *rt = vpce_providers_resource(type);
        bool is_create = action && strcmp(action, "create") == 0;
        if (!is_create || !rt || !(rt->find_by_address || rt->find_planned)) {
            if (hooks->abandon && (rc = hooks->abandon(hooks->ctx, id)) < 0)
                goto next;
            if (is_create)
                note(rep,
                     "%s: an interrupted create cannot be looked for (type %s cannot search); "
                     "if it made an object, import it with `vpce import`",
                     addr, type);
            else
                note(rep, "%s: an interrupted %s; the next refresh reads what is there", addr,
                     action ? action : "operation");
            goto next;
        }
        char *rbuf = vpce_addr_resource_part(addr);
        vpce_cfg_resource *r = vpce_config_resource(cfg, rbuf);
        free(rbuf);
        const char *pref = r && r->provider_ref ? r->provider_ref : NULL;
        char defref[128];
        if (!pref) {
            const char *us = strchr(type, '_');
            size_t n = us ? (size_t)(us - type) : strlen(type);
            if (n >= sizeof(defref))
                n = sizeof(defref) - 1;
            memcpy(defref, type, n);
            defref[n] = '\0';
            pref = defref;
        }
        /* The create's planned values, when its journal entry kept them (details.planned). */
        const json_t *planned = json_object_get(json_object_get(e, "details"), "planned");
        bool nop = false;
        vpce_provider *p = vpce_plan_providers_for(ps, pref, planned, &nop);
        rc = nop                ? VPCE_ERROR
             : rt->find_planned ? rt->find_planned(p, addr, token, planned, &found)
                                : rt->find_by_address(p, addr, token, &found);
        if (rc == 0 && found)
            vpce_plan_providers_fill(ps, pref, p, found);
        if (rc < 0) {
            vpce_error_set("cannot look for what an interrupted create of %s made: %s", addr,
                           vpce_error_last());
            goto next;
        }
        if (found) {
            vpce_change c = {
                .address = (char *)addr,
                .mode = (char *)"managed",
                .type = type,
                .name = name,
                .index = index,
                .provider = (char *)pref,
            };
            json_t *entry = vpce_apply_state_entry(&c, found);
            rc = hooks->record(hooks->ctx, id, addr, entry);
            json_decref(entry);
            if (rc < 0)
                goto next;
            const char *oid = json_string_value(json_object_get(found, "id"));
            note(rep, "%s: adopted %s, made by an interrupted apply", addr, oid ? oid : "?");
        } else if (token && *token && r) {
            /* Maybe made but not visible yet: keep the entry, and send the create again with
               the same token (the walk replaces the entry when it does). */
            json_object_set_new(
                res, addr, json_pack("{s:s, s:I}", "token", token, "journal_id", (json_int_t)id));
            note(rep, "%s: nothing found; the create will be sent again with its token%s", addr,
                 NULL);
        } else {
            if (hooks->abandon && (rc = hooks->abandon(hooks->ctx, id)) < 0)
                goto next;
            note(rep, "%s: an interrupted create made nothing%s", addr,
                 r ? NULL : " (no longer configured)");
        }
    next:
        json_decref(found);
        json_decref(index);
        free(type);
        free(name);
        if (rc < 0)
            break;
    }
    *report = rep;
    *resume = res;
    return rc;
}
