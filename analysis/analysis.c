/*
 * analysis/analysis.c: findings, the policy rule, running every rule, the per-endpoint opt-out
 * (`vpce_checks { skip = [...] }`, decoded by config/) and the JSON form the renderers read.
 */
#include "analysis/internal.h"
#include "config/config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const VPCE_ANALYSIS_RULES[] = {
    "gateway-unused",
    "gateway-duplicate-route-table",
    "gateway-sg-egress",
    "policy-denies-all",
    "policy-no-resource",
    "interface-sg-ingress",
    "interface-az-coverage",
    "interface-subnets-same-az",
    "interface-private-dns-vpc",
    "interface-private-dns-duplicate",
    "interface-service-az",
    "nacl-blocks-endpoint",
    NULL,
};

static char *dup_or_null(const char *s)
{
    return s ? vpce_strdup(s) : NULL;
}

void vpce_findings_add(vpce_findings *f, const char *rule, vpce_finding_severity sev,
                       const char *endpoint, const char *blocking, const char *summary,
                       const char *detail, const char *fix)
{
    f->items = vpce_realloc(f->items, (f->n + 1) * sizeof(*f->items));
    vpce_finding *x = &f->items[f->n++];
    x->rule = vpce_strdup(rule);
    x->severity = sev;
    x->endpoint = vpce_strdup(endpoint);
    x->blocking = dup_or_null(blocking);
    x->summary = vpce_strdup(summary);
    x->detail = dup_or_null(detail);
    x->fix = vpce_strdup(fix);
}

static void finding_release(vpce_finding *x)
{
    free(x->rule);
    free(x->endpoint);
    free(x->blocking);
    free(x->summary);
    free(x->detail);
    free(x->fix);
}

void vpce_findings_release(vpce_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        finding_release(&f->items[i]);
    free(f->items);
    json_decref(f->endpoints);
    f->items = NULL;
    f->n = 0;
    f->endpoints = NULL;
}

void vpce_findings_count(const vpce_findings *f, int *errors, int *warnings)
{
    *errors = *warnings = 0;
    for (size_t i = 0; i < f->n; i++)
        f->items[i].severity == VPCE_FINDING_ERROR ? (*errors)++ : (*warnings)++;
}

/* ---- the policy rule ---------------------------------------------------------------------- */

static bool is_star(const json_t *v)
{
    if (json_is_string(v))
        return strcmp(json_string_value(v), "*") == 0;
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x) if (json_is_string(x) &&
                                        strcmp(json_string_value(x), "*") == 0) return true;
    }
    return false;
}

static bool principal_all(const json_t *p)
{
    return is_star(p) || (json_is_object(p) && is_star(json_object_get(p, "AWS")));
}

static bool names_resource(const json_t *st)
{
    const json_t *r = json_object_get(st, "Resource");
    return json_object_get(st, "NotResource") || (json_is_string(r) && json_string_length(r) > 0) ||
           (json_is_array(r) && json_array_size(r) > 0);
}

void vpce_analysis_rule_policy(const vpce_world *w, vpce_findings *out)
{
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        const char *text = wstr(ep, "policy");
        json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
        if (!json_is_object(doc)) {
            json_decref(doc);
            continue;
        }
        json_t *sts = json_object_get(doc, "Statement");
        json_t *list = json_is_array(sts) ? json_incref(sts) : json_pack("[O]", sts);
        bool any_allow_resource = false, denies_all = false;
        size_t k;
        const json_t *st;
        json_array_foreach(list, k, st)
        {
            const char *effect = json_string_value(json_object_get(st, "Effect"));
            if (!effect)
                continue;
            if (strcasecmp(effect, "Allow") == 0 && names_resource(st))
                any_allow_resource = true;
            if (strcasecmp(effect, "Deny") == 0 && is_star(json_object_get(st, "Action")) &&
                is_star(json_object_get(st, "Resource")) &&
                principal_all(json_object_get(st, "Principal")) &&
                !json_object_get(st, "Condition") && !json_object_get(st, "NotPrincipal"))
                denies_all = true;
        }
        if (denies_all)
            vpce_findings_add(out, "policy-denies-all", VPCE_FINDING_ERROR, ep->address,
                              ep->address,
                              "its policy denies every action on every resource to everyone: "
                              "nothing can pass through it",
                              "a Deny statement with Principal \"*\", Action \"*\" and Resource "
                              "\"*\" and no Condition",
                              "narrow the Deny statement (a Condition, or the actions and "
                              "resources it must stop), or remove it");
        else if (!any_allow_resource)
            vpce_findings_add(
                out, "policy-no-resource", VPCE_FINDING_WARNING, ep->address, ep->address,
                "its policy allows nothing: no Allow statement names a resource", NULL,
                "add Resource (e.g. the bucket's ARNs, or \"*\") to the Allow "
                "statements of the policy");
        json_decref(list);
        json_decref(doc);
    }
}

/* ---- running ------------------------------------------------------------------------------- */

typedef void (*rule_fn)(const vpce_world *w, vpce_findings *out);

static const rule_fn rules[] = {
    vpce_analysis_rule_gateway_unused,       vpce_analysis_rule_gateway_duplicate,
    vpce_analysis_rule_gateway_sg_egress,    vpce_analysis_rule_policy,
    vpce_analysis_rule_interface_sg_ingress, vpce_analysis_rule_interface_azs,
    vpce_analysis_rule_private_dns_vpc,      vpce_analysis_rule_private_dns_duplicate,
    vpce_analysis_rule_service_azs,          vpce_analysis_rule_nacl,
};

static bool rule_known(const char *id)
{
    for (size_t i = 0; VPCE_ANALYSIS_RULES[i]; i++)
        if (strcmp(VPCE_ANALYSIS_RULES[i], id) == 0)
            return true;
    return false;
}

/* The configuration's resource of an instance address ("aws_x.y[\"k\"]" -> aws_x.y,
   "module.a[0].aws_x.y[1]" -> aws_x.y of module a). */
static const vpce_cfg_resource *resource_of(const vpce_config *cfg, const char *address)
{
    if (!cfg)
        return NULL;
    char *base = vpce_addr_resource_part(address);
    const vpce_cfg_resource *r = vpce_config_resource(cfg, base);
    free(base);
    return r;
}

static bool skipped(const vpce_config *cfg, const vpce_finding *x)
{
    const vpce_cfg_resource *r = resource_of(cfg, x->endpoint);
    for (size_t i = 0; r && i < r->ncheck_skips; i++)
        if (strcmp(r->check_skips[i], x->rule) == 0)
            return true;
    return false;
}

static int sev_rank(vpce_finding_severity s)
{
    return s == VPCE_FINDING_ERROR ? 0 : 1;
}

static int cmp_str_null(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb)
{
    const vpce_finding *a = pa, *b = pb;
    int c = strcmp(a->endpoint, b->endpoint);
    if (!c)
        c = sev_rank(a->severity) - sev_rank(b->severity);
    if (!c)
        c = strcmp(a->rule, b->rule);
    if (!c)
        c = cmp_str_null(a->blocking, b->blocking);
    if (!c)
        c = strcmp(a->summary, b->summary);
    return c;
}

static int cmp_entry(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "address"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "address"));
    return strcmp(x ? x : "", y ? y : "");
}

/* The per-endpoint entries sorted by address (new array). */
static json_t *sorted_entries(const json_t *list)
{
    size_t n = json_array_size(list);
    json_t **v = vpce_calloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(list, i);
    qsort(v, n, sizeof(*v), cmp_entry);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

#define NRULES (sizeof(rules) / sizeof(rules[0]))

/* Rules shared out between threads: each takes the next rule not taken yet. */
typedef struct rule_work {
    const vpce_world *w;
    vpce_findings *found; /* one per rule */
    atomic_size_t next;
} rule_work;

static void *run_rules(void *arg)
{
    rule_work *rw = arg;
    for (size_t i; (i = atomic_fetch_add(&rw->next, 1)) < NRULES;)
        rules[i](rw->w, &rw->found[i]);
    return NULL;
}

int vpce_analysis_run(vpce_findings *out, const vpce_plan *p, const vpce_config *cfg)
{
    vpce_findings all = VPCE_FINDINGS_INIT;
    vpce_world *w = NULL;
    *out = (vpce_findings)VPCE_FINDINGS_INIT;
    int rc = vpce_world_new(&w, p);
    if (rc)
        return rc;
    /* The rules only read the world: they run on two threads, each rule's findings kept apart
       and joined in rule order, so the result is the same as one after the other. */
    vpce_findings found[NRULES];
    for (size_t i = 0; i < NRULES; i++) {
        found[i] = (vpce_findings)VPCE_FINDINGS_INIT;
        found[i].endpoints = json_array();
    }
    rule_work rw = {w, found, 0};
    pthread_t helper;
    bool threaded = pthread_create(&helper, NULL, run_rules, &rw) == 0;
    run_rules(&rw);
    if (threaded)
        pthread_join(helper, NULL);
    all.endpoints = json_array();
    for (size_t i = 0; i < NRULES; i++) {
        all.items = vpce_realloc(all.items, (all.n + found[i].n + 1) * sizeof(*all.items));
        for (size_t k = 0; k < found[i].n; k++)
            all.items[all.n++] = found[i].items[k];
        free(found[i].items);
        json_array_extend(all.endpoints, found[i].endpoints);
        json_decref(found[i].endpoints);
    }
    for (size_t i = 0; i < all.n; i++) {
        if (skipped(cfg, &all.items[i])) {
            finding_release(&all.items[i]);
            continue;
        }
        out->items = vpce_realloc(out->items, (out->n + 1) * sizeof(*out->items));
        out->items[out->n++] = all.items[i];
    }
    free(all.items);
    out->endpoints = sorted_entries(all.endpoints);
    json_decref(all.endpoints);
    /* Skips naming no rule: a typo would silently check nothing. */
    for (size_t m = 0; cfg && m < cfg->modules.len; m++) {
        const vpce_config *mod = cfg->modules.items[m];
        for (size_t i = 0; i < mod->resources.len; i++) {
            const vpce_cfg_resource *r = mod->resources.items[i];
            for (size_t k = 0; k < r->ncheck_skips; k++) {
                if (rule_known(r->check_skips[k]))
                    continue;
                char *summary = vpce_asprintf("vpce_checks skips \"%s\", which is not a check",
                                              r->check_skips[k]);
                vpce_findings_add(out, "unknown-check", VPCE_FINDING_WARNING, r->path_addr, NULL,
                                  summary, NULL,
                                  "name checks as `vpce check` reports them, e.g. "
                                  "\"interface-az-coverage\"");
                free(summary);
            }
        }
    }
    if (out->n)
        qsort(out->items, out->n, sizeof(*out->items), cmp_finding);
    vpce_world_free(w);
    return 0;
}

json_t *vpce_findings_to_json(const vpce_findings *f)
{
    int errors, warnings;
    vpce_findings_count(f, &errors, &warnings);
    json_t *list = json_array();
    for (size_t i = 0; i < f->n; i++) {
        const vpce_finding *x = &f->items[i];
        json_array_append_new(
            list, json_pack("{s:s,s:s,s:s,s:s?,s:s,s:s?,s:s}", "rule", x->rule, "severity",
                            x->severity == VPCE_FINDING_ERROR ? "error" : "warning", "endpoint",
                            x->endpoint, "blocking", x->blocking, "summary", x->summary, "detail",
                            x->detail, "fix", x->fix));
    }
    return json_pack("{s:i,s:i,s:o,s:o}", "errors", errors, "warnings", warnings, "findings", list,
                     "endpoints", f->endpoints ? json_incref(f->endpoints) : json_array());
}
