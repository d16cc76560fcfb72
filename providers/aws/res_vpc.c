/*
 * providers/aws/res_vpc.c: aws_vpc with the Terraform AWS provider's semantics. CreateVpc, then
 * ModifyVpcAttribute (one attribute per call) for DNS settings that differ from EC2's defaults;
 * reads are DescribeVpcs (ids as a vpc-id filter) + DescribeVpcAttribute + the main route table
 * and default security group, each one call for every VPC of the batch.
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>

/* Reads one VPC attribute ("enableDnsSupport") into a JSON boolean (new reference). */
static int vpc_attribute(vpce_provider *p, const char *id, const char *attr, json_t **out)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "Attribute", attr);
    vpce_aws_params_add(&params, "VpcId", id);
    json_t *r = NULL;
    int rc = vpce_aws_call_retry(p, "DescribeVpcAttribute", &params, &r, ".NotFound",
                                 VPCE_AWS_CONSISTENCY_MS);
    vpce_aws_params_release(&params);
    if (rc == 0)
        *out = vpce_aws_ec2_bool(json_object_get(r, attr), "value");
    json_decref(r);
    return rc;
}

/*
 * The states of the VPCs named by ids (NULL entries allowed) into out[i] (NULL when gone).
 * refs[i] (may be NULL) gives what EC2 does not keep (which tags the configuration sets).
 */
static int read_vpcs(vpce_provider *p, const char *const *ids, const json_t *const *refs, size_t n,
                     json_t **out)
{
    json_t *vpcs = NULL, *rts = NULL, *sgs = NULL;
    const char **packed = vpce_calloc(n ? n : 1, sizeof(*packed));
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        if (ids[i])
            packed[k++] = ids[i];
    }
    if (k == 0)
        goto cleanup;
    rc = vpce_aws_describe_by_filter(p, "DescribeVpcs", "vpc-id", "vpcSet", "vpcId", packed, k, 0,
                                     &vpcs);
    if (rc)
        goto cleanup;
    /* One DescribeRouteTables and one DescribeSecurityGroups for every VPC found. */
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    const char *yes[] = {"true"};
    vpce_aws_params_add_filter(&params, "association.main", yes, 1);
    vpce_aws_params_add_filter(&params, "vpc-id", packed, k);
    rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeRouteTables", &params,
                             "routeTableSet", &rts);
    vpce_aws_params_release(&params);
    if (rc)
        goto cleanup;
    vpce_aws_params_init(&params);
    const char *dflt[] = {"default"};
    vpce_aws_params_add_filter(&params, "group-name", dflt, 1);
    vpce_aws_params_add_filter(&params, "vpc-id", packed, k);
    rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeSecurityGroups", &params,
                             "securityGroupInfo", &sgs);
    vpce_aws_params_release(&params);
    if (rc)
        goto cleanup;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *v = ids[i] ? json_object_get(vpcs, ids[i]) : NULL;
        if (!v)
            continue;
        const json_t *ref = refs ? refs[i] : NULL;
        json_t *st = json_object();
        const char *owner = vpce_aws_ec2_str(v, "ownerId");
        vpce_aws_set_id_arn(st, p, "vpc", ids[i], owner);
        vpce_aws_set_str(st, "cidr_block", vpce_aws_ec2_str(v, "cidrBlock"));
        const char *ten = vpce_aws_ec2_str(v, "instanceTenancy");
        vpce_aws_set_str(st, "instance_tenancy", ten ? ten : "default");
        vpce_aws_set_str(st, "owner_id", owner);
        vpce_aws_set_str(st, "dhcp_options_id", vpce_aws_ec2_str(v, "dhcpOptionsId"));
        vpce_aws_set_str(st, "default_network_acl_id", NULL);
        const json_t *v6 = json_array_get(vpce_aws_ec2_list(v, "ipv6CidrBlockAssociationSet"), 0);
        vpce_aws_set_str(st, "ipv6_cidr_block", vpce_aws_ec2_str(v6, "ipv6CidrBlock"));
        vpce_aws_set_str(st, "ipv6_association_id", vpce_aws_ec2_str(v6, "associationId"));
        json_object_set_new(st, "assign_generated_ipv6_cidr_block", json_boolean(v6 != NULL));
        const char *main_rt = NULL, *dsg = NULL;
        size_t j;
        const json_t *it;
        json_array_foreach(rts, j, it)
        {
            const char *vid = vpce_aws_ec2_str(it, "vpcId");
            if (vid && strcmp(vid, ids[i]) == 0)
                main_rt = vpce_aws_ec2_str(it, "routeTableId");
        }
        json_array_foreach(sgs, j, it)
        {
            const char *vid = vpce_aws_ec2_str(it, "vpcId");
            if (vid && strcmp(vid, ids[i]) == 0)
                dsg = vpce_aws_ec2_str(it, "groupId");
        }
        vpce_aws_set_str(st, "main_route_table_id", main_rt);
        vpce_aws_set_str(st, "default_route_table_id", main_rt);
        vpce_aws_set_str(st, "default_security_group_id", dsg);
        json_t *b = NULL;
        rc = vpc_attribute(p, ids[i], "enableDnsSupport", &b);
        if (rc == 0) {
            json_object_set_new(st, "enable_dns_support", b);
            rc = vpc_attribute(p, ids[i], "enableDnsHostnames", &b);
            if (rc == 0)
                json_object_set_new(st, "enable_dns_hostnames", b);
        }
        vpce_aws_set_tags(p, st, v, ref);
        if (rc)
            json_decref(st);
        else
            out[i] = st;
    }
cleanup:
    if (rc)
        for (size_t i = 0; i < n; i++) {
            json_decref(out[i]);
            out[i] = NULL;
        }
    free(packed);
    json_decref(vpcs);
    json_decref(rts);
    json_decref(sgs);
    return rc;
}

/* Reads one VPC right after a write, waiting for EC2's eventual consistency. */
static int read_after_write(vpce_provider *p, const char *id, const json_t *ref, json_t **out)
{
    json_t *item = NULL;
    int rc = vpce_aws_describe_one(p, "DescribeVpcs", "vpc-id", "vpcSet", "vpcId", id,
                                   VPCE_AWS_CONSISTENCY_MS, &item);
    json_decref(item);
    if (rc)
        return rc;
    rc = read_vpcs(p, &id, &ref, 1, out);
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidVpcID.NotFound: the vpc ID '%s' does not exist", id);
    return rc;
}

static int set_dns(vpce_provider *p, const char *id, const char *attr, bool value)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "VpcId", id);
    char name[64];
    snprintf(name, sizeof(name), "%s.Value", attr);
    vpce_aws_params_add_bool(&params, name, value);
    int rc = vpce_aws_call_retry(p, "ModifyVpcAttribute", &params, NULL, ".NotFound",
                                 VPCE_AWS_CONSISTENCY_MS);
    vpce_aws_params_release(&params);
    return rc;
}

/* Brings the DNS attributes from have (-1: unknown) to the configuration. Support is turned on
 * before hostnames and hostnames off before support, as EC2 requires. */
static int apply_dns(vpce_provider *p, const char *id, const json_t *config, int have_support,
                     int have_hostnames)
{
    int want_support = vpce_aws_attr_bool(config, "enable_dns_support");
    int want_hostnames = vpce_aws_attr_bool(config, "enable_dns_hostnames");
    int rc = 0;
    if (want_support == 1 && want_support != have_support)
        rc = set_dns(p, id, "EnableDnsSupport", true);
    if (rc == 0 && want_hostnames >= 0 && want_hostnames != have_hostnames)
        rc = set_dns(p, id, "EnableDnsHostnames", want_hostnames == 1);
    if (rc == 0 && want_support == 0 && want_support != have_support)
        rc = set_dns(p, id, "EnableDnsSupport", false);
    return rc;
}

int vpce_aws_vpc_create(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL;
    int rc;
    const char *cidr = vpce_aws_attr_str(op->config, "cidr_block");
    if (!cidr) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "%s: cidr_block is required (IPAM pools are not "
                             "supported)",
                             op->address ? op->address : "aws_vpc");
        goto cleanup;
    }
    if (vpce_aws_attr_bool(op->config, "assign_generated_ipv6_cidr_block") == 1) {
        rc = vpce_error_setc(VPCE_EINVALID, "%s: assign_generated_ipv6_cidr_block is not supported",
                             op->address ? op->address : "aws_vpc");
        goto cleanup;
    }
    vpce_aws_params_add(&params, "CidrBlock", cidr);
    vpce_aws_params_add(&params, "InstanceTenancy",
                        vpce_aws_attr_str(op->config, "instance_tenancy"));
    rc = vpce_aws_add_tag_spec(&params, op->provider, "vpc", op->config, op->address);
    if (rc)
        goto cleanup;
    rc = vpce_aws_create_untokened(op->provider, "CreateVpc", &params, op->address, "DescribeVpcs",
                                   "vpcSet", "vpcId", "vpc", &r);
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(json_object_get(r, "vpc"), "vpcId");
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID, "unexpected response from EC2 to CreateVpc: no vpcId");
        goto cleanup;
    }
    /* EC2's defaults: DNS support on, hostnames off. */
    rc = apply_dns(op->provider, id, op->config, 1, 0);
    if (rc)
        goto cleanup;
    rc = read_after_write(op->provider, id, op->config, &op->new_state);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(r);
    return rc;
}

int vpce_aws_vpc_update(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    int rc =
        apply_dns(op->provider, id, op->config, vpce_aws_attr_bool(op->prior, "enable_dns_support"),
                  vpce_aws_attr_bool(op->prior, "enable_dns_hostnames"));
    if (rc)
        return rc;
    rc = vpce_aws_update_op_tags(op);
    if (rc)
        return rc;
    return read_after_write(op->provider, id, op->config, &op->new_state);
}

int vpce_aws_vpc_delete(vpce_resource_op *op)
{
    /* As Terraform: ENIs of endpoints deleted just before may hold the VPC for a while, so
     * DependencyViolation is retried for the delete timeout before it is reported. */
    return vpce_aws_delete_retrying(op, "DeleteVpc", "VpcId", vpce_aws_state_id(op->prior),
                                    5 * 60 * 1000);
}

int vpce_aws_vpc_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    size_t count = 0;
    const char **ids = vpce_aws_prior_ids(priors, n, NULL, &count);
    int rc = read_vpcs(p, ids, (const json_t *const *)priors, n, out);
    free(ids);
    return rc;
}

int vpce_aws_vpc_import(vpce_provider *p, const char *id, json_t **out)
{
    *out = NULL;
    int rc = read_vpcs(p, &id, NULL, 1, out);
    if (rc == 0 && !*out)
        rc = vpce_error_setc(VPCE_ENOTFOUND,
                             "InvalidVpcID.NotFound: the vpc ID '%s' does not exist", id);
    return rc;
}
