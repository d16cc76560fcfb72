/*
 * analysis: can workloads reach each VPC endpoint once the plan is applied? A reachability check
 * made at plan time, before anyone reviews or applies the plan.
 *
 * It reads the planned world only: every managed resource's `after` value in the plan (objects
 * the plan deletes left out), the refreshed prior state for instances the plan does not touch,
 * and the data sources the plan read. It never calls a provider or AWS, and knows nothing of
 * SQL, HTTP or where the state lives. It may call planner/ (the plan types), config/ (the
 * `vpce_checks { skip = [...] }` block of each resource) and util/.
 *
 * Objects not created yet are linked by the unknowns that name their origin (util.h's
 * vpce_unknown_from): a subnet's vpc_id planned as the unknown "aws_vpc.main.id" is the VPC
 * aws_vpc.main. A rule that meets a value it cannot know before apply (an unknown without an
 * origin, a CIDR computed by AWS, an id of an object outside the plan) says nothing: analysis
 * never reports a problem it cannot prove. So a clean check is not a proof of reachability.
 *
 * Each rule is one function (vpce_analysis_rule_*), with its own unit tests. A finding names the
 * endpoint, the resource in the way (and the rule inside it, in `detail`), a severity and a fix.
 * Errors are what AWS refuses, or what certainly leaves the endpoint unusable; warnings are what
 * very likely does.
 */
#ifndef VPCE_ANALYSIS_H
#define VPCE_ANALYSIS_H

#include "planner/planner.h"

struct vpce_config;

typedef enum { VPCE_FINDING_WARNING, VPCE_FINDING_ERROR } vpce_finding_severity;

/* One finding. Every string is owned by the list that holds it. */
typedef struct vpce_finding {
    char *rule; /* the rule's id, e.g. "interface-private-dns-vpc" (see VPCE_ANALYSIS_RULES) */
    vpce_finding_severity severity;
    char *endpoint; /* the endpoint's address, "aws_vpc_endpoint.ssm" */
    char *blocking; /* the address of the resource in the way, or NULL */
    char *summary;  /* one line, lowercase, no final full stop */
    char *detail;   /* the rule or value inside `blocking` that decides, or NULL */
    char *fix;      /* what to change */
} vpce_finding;

/* Findings, sorted by endpoint, then severity (errors first), then rule and blocking address. */
typedef struct vpce_findings {
    vpce_finding *items;
    size_t n;
    /* Per endpoint (array, sorted by address): {"address", "type": "Gateway"|"Interface",
       "service_name", "subnets_routed": [...], "subnets_not_routed": [...],
       "subnets": [...]} (gateway endpoints list the subnets whose route table carries them, and
       those that do not; interface endpoints the subnets of their ENIs). Owned. */
    json_t *endpoints;
} vpce_findings;

#define VPCE_FINDINGS_INIT                                                                         \
    {                                                                                              \
        NULL, 0, NULL                                                                              \
    }
void vpce_findings_release(vpce_findings *f);
/* Appends a finding; strings are copied (blocking, detail may be NULL). */
void vpce_findings_add(vpce_findings *f, const char *rule, vpce_finding_severity sev,
                       const char *endpoint, const char *blocking, const char *summary,
                       const char *detail, const char *fix);
void vpce_findings_count(const vpce_findings *f, int *errors, int *warnings);

/* Every rule id, NULL-terminated, in the order they run. */
extern const char *const VPCE_ANALYSIS_RULES[];

/* ---- the planned world -------------------------------------------------------------------- */

/* The objects of the planned world and their links (opaque; analysis/world.c). */
typedef struct vpce_world vpce_world;
/* Builds the planned world of plan p (borrowed; must outlive the world). *out caller's. */
int vpce_world_new(vpce_world **out, const vpce_plan *p);
void vpce_world_free(vpce_world *w);

/* ---- rules: each adds its findings about every endpoint of w to out ----------------------- */

/* "gateway-unused" (warning): a gateway endpoint that no route table carries, so no subnet uses
   it. Also fills out->endpoints with the subnets routed and not routed to each gateway endpoint. */
void vpce_analysis_rule_gateway_unused(const vpce_world *w, vpce_findings *out);
/* "gateway-duplicate-route-table" (error): two gateway endpoints for one service on one route
   table; AWS refuses the second (RouteAlreadyExists). */
void vpce_analysis_rule_gateway_duplicate(const vpce_world *w, vpce_findings *out);
/* "gateway-sg-egress" (warning): a security group of the endpoint's VPC whose egress rules
   allow no TCP 443 to the service (no 0.0.0.0/0, no rule naming the service's prefix list, no
   CIDR covering its prefix list's CIDRs when a data "aws_prefix_list" gives them). */
void vpce_analysis_rule_gateway_sg_egress(const vpce_world *w, vpce_findings *out);
/* "policy-denies-all" (error): a policy statement that denies every action on every resource
   to every principal without a condition. "policy-no-resource" (warning): no Allow statement
   names a resource. Both kinds of endpoint. */
void vpce_analysis_rule_policy(const vpce_world *w, vpce_findings *out);
/* "interface-sg-ingress": the endpoint's security groups admit no TCP 443 at all (error), or
   only from outside the VPC's CIDR (warning); no security group given means the VPC's default
   group, which admits only its own members (warning). */
void vpce_analysis_rule_interface_sg_ingress(const vpce_world *w, vpce_findings *out);
/* "interface-az-coverage" (warning): an availability zone where the VPC has subnets but the
   endpoint has no ENI. "interface-subnets-same-az" (error): two of its subnets in one AZ (AWS
   refuses: one subnet per AZ). */
void vpce_analysis_rule_interface_azs(const vpce_world *w, vpce_findings *out);
/* "interface-private-dns-vpc" (error): private_dns_enabled while the VPC's enable_dns_support or
   enable_dns_hostnames is false (AWS refuses). */
void vpce_analysis_rule_private_dns_vpc(const vpce_world *w, vpce_findings *out);
/* "interface-private-dns-duplicate" (error): two private-DNS endpoints for one service in one
   VPC (AWS refuses the second: the private hosted zone conflicts). */
void vpce_analysis_rule_private_dns_duplicate(const vpce_world *w, vpce_findings *out);
/* "interface-service-az" (error): a subnet in an AZ where the service is not offered, according
   to a data "aws_vpc_endpoint_service" of the same service name. */
void vpce_analysis_rule_service_azs(const vpce_world *w, vpce_findings *out);
/* "nacl-blocks-endpoint": a network ACL of the configuration on a subnet of an interface
   endpoint that denies TCP 443 in from the VPC's CIDR or the ephemeral return ports
   (1024-65535) out to it; on a subnet routed to a gateway endpoint, 443 out to or the
   ephemeral ports in from 0.0.0.0/0. Error when all of the traffic is denied, warning when a
   deny rule covers part of it. */
void vpce_analysis_rule_nacl(const vpce_world *w, vpce_findings *out);

/* ---- running every rule ------------------------------------------------------------------- */

/*
 * Runs every rule on plan p and drops the findings an endpoint opts out of with
 * `vpce_checks { skip = ["rule-id", ...] }` in its resource block (cfg may be NULL: nothing is
 * skipped). A skip naming no rule adds an "unknown-check" warning. *out is initialised here;
 * release it with vpce_findings_release(). Returns 0, or a negative code with the message set.
 */
int vpce_analysis_run(vpce_findings *out, const vpce_plan *p, const struct vpce_config *cfg);

/*
 * The findings as JSON (new reference): {"errors": N, "warnings": N, "findings": [{"rule",
 * "severity": "error"|"warning", "endpoint", "blocking", "summary", "detail", "fix"}],
 * "endpoints": [...]}; blocking and detail are null when absent. This is what a plan carries in
 * vpce_plan.findings for the renderers.
 */
json_t *vpce_findings_to_json(const vpce_findings *f);

#endif
