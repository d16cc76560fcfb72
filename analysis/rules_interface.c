/*
 * analysis/rules_interface.c: the rules about interface endpoints: security groups that must
 * admit HTTPS, one subnet per availability zone, private DNS and the VPC's DNS attributes, and
 * the zones the service is offered in.
 */
#include "analysis/internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_interface(const wobj *o)
{
    return o->ep_type && strcmp(o->ep_type, "Interface") == 0;
}

static json_t *endpoint_subnets(const vpce_world *w, const wobj *ep)
{
    return endpoint_attached(w, ep, "subnet_ids", "aws_vpc_endpoint_subnet_association",
                             "subnet_id");
}

void vpce_analysis_rule_interface_sg_ingress(const vpce_world *w, vpce_findings *out)
{
    vpce_map *ingress = vpce_map_new();
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        if (!is_interface(ep))
            continue;
        const wobj *vpc = world_ref(w, ep, "vpc_id");
        json_t *sgs =
            endpoint_attached(w, ep, "security_group_ids",
                              "aws_vpc_endpoint_security_group_association", "security_group_id");
        if (!sgs || !vpc) {
            json_decref(sgs);
            continue;
        }
        if (json_array_size(sgs) == 0) {
            vpce_findings_add(out, "interface-sg-ingress", VPCE_FINDING_WARNING, ep->address,
                              vpc->address,
                              "no security group is given: the endpoint gets the VPC's default "
                              "group, which admits only its own members",
                              NULL,
                              "set security_group_ids to a group that admits TCP 443 from the "
                              "workloads, e.g. ingress from the VPC's cidr_block");
            json_decref(sgs);
            continue;
        }
        cidr4 vnet;
        bool have_vnet = cidr_parse(wstr(vpc, "cidr_block"), &vnet);
        bool any = false, from_vpc = false, undecided = false;
        const char *first = NULL;
        size_t k;
        const json_t *key;
        json_array_foreach(sgs, k, key)
        {
            const wobj *sg = world_by_key(w, json_string_value(key));
            const json_t *rules =
                sg && !sg->data ? sg_rules_cached(ingress, w, sg, "ingress") : NULL;
            if (!rules) {
                undecided = true;
                break;
            }
            if (!first)
                first = sg->address;
            size_t j;
            const json_t *r;
            json_array_foreach(rules, j, r)
            {
                long long from = (long long)vpce_number(json_object_get(r, "from_port"));
                long long to = (long long)vpce_number(json_object_get(r, "to_port"));
                if (!rule_admits_tcp(json_string_value(json_object_get(r, "protocol")), from, to,
                                     443))
                    continue;
                any = true;
                if (json_is_true(json_object_get(r, "self")) ||
                    json_array_size(json_object_get(r, "security_groups")) ||
                    json_array_size(json_object_get(r, "prefix_list_ids")))
                    from_vpc = true; /* group members, or sources we cannot place */
                size_t c;
                const json_t *v;
                json_array_foreach(json_object_get(r, "cidr_blocks"), c, v)
                {
                    cidr4 src;
                    if (!json_is_string(v) || !cidr_parse(json_string_value(v), &src) || !have_vnet)
                        undecided = true;
                    else if (cidr_overlaps(src, vnet))
                        from_vpc = true;
                }
            }
        }
        if (!undecided && !any) {
            char *summary = vpce_asprintf(
                "its security group%s admit%s no TCP 443: nothing can connect to it",
                json_array_size(sgs) > 1 ? "s" : "", json_array_size(sgs) > 1 ? "" : "s");
            char *fix = vpce_asprintf("add to %s: ingress { from_port = 443, to_port = 443, "
                                      "protocol = \"tcp\", cidr_blocks = [%s.cidr_block] }",
                                      first, vpc->address);
            vpce_findings_add(out, "interface-sg-ingress", VPCE_FINDING_ERROR, ep->address, first,
                              summary, "no ingress rule covers tcp port 443", fix);
            free(summary);
            free(fix);
        } else if (!undecided && !from_vpc) {
            char *summary = vpce_asprintf("its security groups admit TCP 443 only from outside "
                                          "the VPC's CIDR %s",
                                          wstr(vpc, "cidr_block"));
            char *fix = vpce_asprintf("add %s.cidr_block (or the workloads' groups) to the "
                                      "sources of the 443 ingress rule of %s",
                                      vpc->address, first);
            vpce_findings_add(out, "interface-sg-ingress", VPCE_FINDING_WARNING, ep->address, first,
                              summary, NULL, fix);
            free(summary);
            free(fix);
        }
        json_decref(sgs);
    }
    sg_rules_cache_free(ingress);
}

void vpce_analysis_rule_interface_azs(const vpce_world *w, vpce_findings *out)
{
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        if (!is_interface(ep))
            continue;
        json_t *subnets = endpoint_subnets(w, ep);
        if (!subnets)
            continue;
        if (!out->endpoints)
            out->endpoints = json_array();
        json_t *entry = json_pack("{s:s,s:s,s:s?,s:[]}", "address", ep->address, "type",
                                  "Interface", "service_name", wstr(ep, "service_name"), "subnets");
        json_t *azs = json_object(); /* az -> subnet address */
        bool all_known = true;
        size_t k;
        const json_t *key;
        json_array_foreach(subnets, k, key)
        {
            const wobj *s = world_by_key(w, json_string_value(key));
            json_array_append_new(json_object_get(entry, "subnets"),
                                  json_string(key_name(w, json_string_value(key))));
            const char *az = s ? wstr(s, "availability_zone") : NULL;
            if (!az) {
                all_known = false;
                continue;
            }
            const json_t *other = json_object_get(azs, az);
            if (other) {
                char *summary = vpce_asprintf("two of its subnets are in %s (%s and %s): AWS "
                                              "takes one subnet per availability zone",
                                              az, json_string_value(other), s->address);
                vpce_findings_add(out, "interface-subnets-same-az", VPCE_FINDING_ERROR, ep->address,
                                  s->address, summary, NULL,
                                  "keep one subnet per availability zone in subnet_ids");
                free(summary);
            } else {
                json_object_set_new(azs, az, json_string(s->address));
            }
        }
        json_array_append_new(out->endpoints, entry);
        const wobj *vpc = world_ref(w, ep, "vpc_id");
        if (vpc && all_known && json_object_size(azs) > 0) {
            json_t *reported = json_object();
            size_t nsubnets;
            const wobj *const *vpc_subnets =
                world_referrers(w, "aws_subnet", "vpc_id", vpc, &nsubnets);
            for (size_t j = 0; j < nsubnets; j++) {
                const wobj *s = vpc_subnets[j];
                const char *az = wstr(s, "availability_zone");
                if (!az || json_object_get(azs, az) || json_object_get(reported, az))
                    continue;
                json_object_set_new(reported, az, json_true());
                char *summary = vpce_asprintf("no ENI in %s, where the VPC has subnet %s: "
                                              "workloads there cross zones to reach it",
                                              az, s->address);
                char *fix = vpce_asprintf("add a subnet of %s to subnet_ids", az);
                vpce_findings_add(out, "interface-az-coverage", VPCE_FINDING_WARNING, ep->address,
                                  s->address, summary, NULL, fix);
                free(summary);
                free(fix);
            }
            json_decref(reported);
        }
        json_decref(azs);
        json_decref(subnets);
    }
}

void vpce_analysis_rule_private_dns_vpc(const vpce_world *w, vpce_findings *out)
{
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        if (!is_interface(ep) || wbool(ep, "private_dns_enabled", 0) != 1)
            continue;
        const wobj *vpc = world_ref(w, ep, "vpc_id");
        if (!vpc)
            continue;
        int support = wbool(vpc, "enable_dns_support", 1);
        int hostnames = wbool(vpc, "enable_dns_hostnames", 0);
        if (support != 0 && hostnames != 0)
            continue;
        char *detail = vpce_asprintf("%s%s%s", support == 0 ? "enable_dns_support = false" : "",
                                     support == 0 && hostnames == 0 ? ", " : "",
                                     hostnames == 0 ? "enable_dns_hostnames = false" : "");
        char *fix = vpce_asprintf("set enable_dns_support = true and enable_dns_hostnames = true "
                                  "on %s, or private_dns_enabled = false here",
                                  vpc->address);
        vpce_findings_add(out, "interface-private-dns-vpc", VPCE_FINDING_ERROR, ep->address,
                          vpc->address,
                          "private DNS needs the VPC's DNS support and DNS hostnames: AWS "
                          "refuses the endpoint",
                          detail, fix);
        free(detail);
        free(fix);
    }
}

/* The key of service and VPC key vpc in a map: the length of the service first, so that no two
   pairs share a key. New string. */
static char *service_vpc_key(const char *service, const char *vpc)
{
    return vpce_asprintf("%zu:%s%s", strlen(service), service, vpc);
}

void vpce_analysis_rule_private_dns_duplicate(const vpce_world *w, vpce_findings *out)
{
    /* service and VPC -> the first private-DNS interface endpoint (wobj*) in address order */
    vpce_map *first = vpce_map_new();
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *b = w->eps[i];
        const char *service = wstr(b, "service_name");
        char *bvpc = is_interface(b) && service && wbool(b, "private_dns_enabled", 0) == 1
                         ? wkey(json_object_get(b->attrs, "vpc_id"))
                         : NULL;
        if (!bvpc)
            continue;
        char *k = service_vpc_key(service, bvpc);
        const wobj *a = vpce_map_get(first, k);
        if (a) {
            char *summary = vpce_asprintf("%s already has private DNS for %s in this VPC: "
                                          "AWS refuses a second one",
                                          a->address, service);
            vpce_findings_add(out, "interface-private-dns-duplicate", VPCE_FINDING_ERROR,
                              b->address, a->address, summary, NULL,
                              "keep one endpoint of the service per VPC, or set "
                              "private_dns_enabled = false on the others");
            free(summary);
        } else {
            vpce_map_set(first, k, (void *)b);
        }
        free(k);
        free(bvpc);
    }
    vpce_map_free(first);
}

void vpce_analysis_rule_service_azs(const vpce_world *w, vpce_findings *out)
{
    /* service name -> the first data "aws_vpc_endpoint_service" in address order that gives
       its zones */
    vpce_map *services = vpce_map_new();
    for (size_t j = 0; j < w->n; j++) {
        const wobj *d = &w->objs[j];
        const char *name = d->data && strcmp(d->type, "aws_vpc_endpoint_service") == 0
                               ? wstr(d, "service_name")
                               : NULL;
        if (name && json_is_array(json_object_get(d->attrs, "availability_zones")) &&
            !vpce_map_has(services, name))
            vpce_map_set(services, name, (void *)d);
    }
    for (size_t i = 0; i < w->neps; i++) {
        const wobj *ep = w->eps[i];
        const char *service = wstr(ep, "service_name");
        if (!is_interface(ep) || !service)
            continue;
        const wobj *svc = vpce_map_get(services, service);
        json_t *subnets = svc ? endpoint_subnets(w, ep) : NULL;
        const json_t *offered = svc ? json_object_get(svc->attrs, "availability_zones") : NULL;
        size_t k;
        const json_t *key;
        json_array_foreach(subnets, k, key)
        {
            const wobj *s = world_by_key(w, json_string_value(key));
            const char *az = s ? wstr(s, "availability_zone") : NULL;
            bool ok = !az;
            size_t z;
            const json_t *o;
            json_array_foreach(offered, z, o) ok =
                ok || (json_is_string(o) && strcmp(json_string_value(o), az) == 0);
            if (ok)
                continue;
            char *summary = vpce_asprintf("%s is not offered in %s, the zone of %s: AWS refuses "
                                          "the subnet",
                                          service, az, s->address);
            char *detail = vpce_asprintf("%s offers it in %zu zone(s)", svc->address,
                                         json_array_size(offered));
            vpce_findings_add(out, "interface-service-az", VPCE_FINDING_ERROR, ep->address,
                              s->address, summary, detail,
                              "use subnets in the zones of the service's availability_zones");
            free(summary);
            free(detail);
        }
        json_decref(subnets);
    }
    vpce_map_free(services);
}
