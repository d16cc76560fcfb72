/*
 * planner/apply_recover.c: reconciles the journal entries an interrupted apply left behind,
 * before a new apply plans anything: an object a crashed create made is adopted into the state,
 * an entry whose create never happened is cleared.
 */
#include "planner/config.h"
#include "planner/planner.h"
#include "providers/provider.h"

#include <stdlib.h>
#include <string.h>

/* Splits "TYPE.NAME", "TYPE.NAME[3]" or "TYPE.NAME[\"k\"]" (managed instances only). */
static int split_address(const char *addr, char **type, char **name, json_t **index)
{
    const char *dot = strchr(addr, '.');
    *type = *name = NULL;
    *index = NULL;
    if (!dot || dot == addr || strncmp(addr, "data.", 5) == 0)
        return vpce_error_setc(VPCE_EINVALID, "invalid resource address \"%s\"", addr);
    const char *br = strchr(dot + 1, '[');
    size_t nlen = br ? (size_t)(br - dot - 1) : strlen(dot + 1);
    if (nlen == 0)
        return vpce_error_setc(VPCE_EINVALID, "invalid resource address \"%s\"", addr);
    if (br) {
        const char *s = br + 1;
        if (*s == '"') {
            vpce_buf b = VPCE_BUF_INIT(4096);
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1])
                    s++;
                vpce_buf_putc(&b, *s);
            }
            *index = json_string(vpce_buf_cstr(&b));
            vpce_buf_release(&b);
        } else {
            char *end = NULL;
            long long v = strtoll(s, &end, 10);
            if (end == s || *end != ']')
                return vpce_error_setc(VPCE_EINVALID, "invalid resource address \"%s\"", addr);
            *index = json_integer(v);
        }
    }
    *type = vpce_strndup(addr, (size_t)(dot - addr));
    *name = vpce_strndup(dot + 1, nlen);
    return 0;
}

static void note(json_t *report, const char *fmt, const char *a, const char *b)
{
    char *m = vpce_asprintf(fmt, a, b ? b : "");
    json_array_append_new(report, json_string(m));
    free(m);
}

int vpce_apply_recover(const json_t *entries, const vpce_config *cfg, const vpce_plan_providers *ps,
                       const vpce_apply_hooks *hooks, json_t **report)
{
    json_t *rep = json_array();
    int rc = 0;
    size_t i;
    json_t *e;
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
        char rbuf[256];
        vpce_cfg_resource *r = NULL;
        snprintf(rbuf, sizeof(rbuf), "%s.%s", type, name);
        r = vpce_config_resource(cfg, rbuf);
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
        vpce_provider *p = vpce_plan_providers_get(ps, pref);
        /* The create's planned values, when its journal entry kept them (details.planned). */
        const json_t *planned = json_object_get(json_object_get(e, "details"), "planned");
        rc = rt->find_planned ? rt->find_planned(p, addr, token, planned, &found)
                              : rt->find_by_address(p, addr, token, &found);
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
        } else {
            if (hooks->abandon && (rc = hooks->abandon(hooks->ctx, id)) < 0)
                goto next;
            note(rep, "%s: an interrupted create made nothing%s", addr, NULL);
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
    return rc;
}
