/*
 * providers/aws/res_subnet.c: aws_subnet. CreateSubnet (VpcId, CidrBlock, AvailabilityZone or
 * AvailabilityZoneId); every argument but the tags forces a replacement. vpce's EC2 model has
 * no ModifySubnetAttribute, so map_public_ip_on_launch and assign_ipv6_address_on_creation can
 * only be false: true is refused with a clear message rather than silently ignored.
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>

static json_t *subnet_state(vpce_provider *p, const json_t *s, const json_t *ref)
{
    json_t *st = json_object();
    const char *id = vpce_aws_ec2_str(s, "subnetId");
    const char *owner = vpce_aws_ec2_str(s, "ownerId");
    vpce_aws_set_id_arn(st, p, "subnet", id, owner);
    vpce_aws_set_str(st, "owner_id", owner);
    vpce_aws_set_str(st, "vpc_id", vpce_aws_ec2_str(s, "vpcId"));
    vpce_aws_set_str(st, "cidr_block", vpce_aws_ec2_str(s, "cidrBlock"));
    vpce_aws_set_str(st, "availability_zone", vpce_aws_ec2_str(s, "availabilityZone"));
    vpce_aws_set_str(st, "availability_zone_id", vpce_aws_ec2_str(s, "availabilityZoneId"));
    json_t *mp = vpce_aws_ec2_bool(s, "mapPublicIpOnLaunch");
    json_object_set_new(st, "map_public_ip_on_launch", json_is_null(mp) ? json_false() : mp);
    json_t *a6 = vpce_aws_ec2_bool(s, "assignIpv6AddressOnCreation");
    json_object_set_new(st, "assign_ipv6_address_on_creation",
                        json_is_null(a6) ? json_false() : a6);
    const json_t *v6 = json_array_get(vpce_aws_ec2_list(s, "ipv6CidrBlockAssociationSet"), 0);
    vpce_aws_set_str(st, "ipv6_cidr_block", vpce_aws_ec2_str(v6, "ipv6CidrBlock"));
    vpce_aws_set_str(st, "ipv6_cidr_block_association_id", vpce_aws_ec2_str(v6, "associationId"));
    vpce_aws_set_tags(p, st, s, ref);
    vpce_aws_copy_attr(st, ref, "timeouts");
    return st;
}

static const vpce_aws_kind subnet_kind = {
    .action = "DescribeSubnets",
    .filter = "subnet-id",
    .list_key = "subnetSet",
    .id_key = "subnetId",
    .missing_code = "InvalidSubnetID.NotFound",
    .noun = "subnet ID",
    .state = subnet_state,
};

static int check_unsupported(const vpce_resource_op *op)
{
    if (vpce_aws_attr_bool(op->config, "map_public_ip_on_launch") == 1 ||
        vpce_aws_attr_bool(op->config, "assign_ipv6_address_on_creation") == 1)
        return vpce_error_setc(VPCE_EINVALID,
                               "%s: map_public_ip_on_launch and assign_ipv6_address_on_creation "
                               "need ModifySubnetAttribute, which vpce does not support: leave "
                               "them false",
                               op->address ? op->address : "aws_subnet");
    return 0;
}

/*
 * The subnet of the configured VPC and CIDR when it carries vpce:address = address (*out new, or
 * NULL when that subnet is someone else's). When none is visible yet (EC2's eventual consistency
 * right after the lost first attempt; or a conflict with an overlapping CIDR) it polls a few
 * seconds.
 */
#define ADOPT_WAIT_MS 5000
static int find_own_subnet(vpce_provider *p, const json_t *config, const char *address,
                           json_t **out)
{
    const char *vpc = vpce_aws_attr_str(config, "vpc_id");
    const char *cidr = vpce_aws_attr_str(config, "cidr_block");
    int64_t deadline = vpce_now_ms() + ADOPT_WAIT_MS;
    int64_t delay = 100;
    *out = NULL;
    if (!vpc || !cidr)
        return 0;
    for (;;) {
        vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
        json_t *items = NULL;
        vpce_aws_params_add_filter(&params, "vpc-id", &vpc, 1);
        vpce_aws_params_add_filter(&params, "cidr-block", &cidr, 1);
        int rc = vpce_aws_call_paged(vpce_aws_provider_client(p), "DescribeSubnets", &params,
                                     "subnetSet", &items);
        vpce_aws_params_release(&params);
        size_t n = json_array_size(items);
        if (rc == 0 && n == 1) {
            json_t *s = json_array_get(items, 0);
            size_t i;
            const json_t *t;
            json_array_foreach(vpce_aws_ec2_list(s, "tagSet"), i, t)
            {
                const char *k = vpce_aws_ec2_str(t, "key");
                const char *v = vpce_aws_ec2_str(t, "value");
                if (k && v && strcmp(k, VPCE_AWS_ADDRESS_TAG) == 0 && strcmp(v, address) == 0)
                    *out = json_incref(s);
            }
        }
        json_decref(items);
        if (rc || n > 0 || vpce_now_ms() + delay > deadline)
            return rc;
        vpce_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

int vpce_aws_subnet_create(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL;
    int rc = check_unsupported(op);
    if (rc)
        goto cleanup;
    vpce_aws_params_add(&params, "VpcId", vpce_aws_attr_str(op->config, "vpc_id"));
    vpce_aws_params_add(&params, "CidrBlock", vpce_aws_attr_str(op->config, "cidr_block"));
    const char *az = vpce_aws_attr_str(op->config, "availability_zone");
    if (az)
        vpce_aws_params_add(&params, "AvailabilityZone", az);
    else
        vpce_aws_params_add(&params, "AvailabilityZoneId",
                            vpce_aws_attr_str(op->config, "availability_zone_id"));
    rc = vpce_aws_add_tag_spec(&params, op->provider, "subnet", op->config, op->address);
    if (rc)
        goto cleanup;
    rc = vpce_aws_call(vpce_aws_provider_client(op->provider), "CreateSubnet", &params, &r);
    if (rc && strcmp(vpce_aws_last_error_code(), "InvalidSubnet.Conflict") == 0 && op->address) {
        /* CreateSubnet takes no ClientToken: after a retried request whose first attempt went
         * through, adopt the subnet this address created (same VPC and CIDR, our address tag). */
        json_t *mine = NULL;
        char *msg = vpce_strdup(vpce_error_last());
        if (find_own_subnet(op->provider, op->config, op->address, &mine) == 0 && mine) {
            vpce_error_clear();
            rc = 0;
            json_decref(r);
            r = json_pack("{s:{s:s}}", "subnet", "subnetId", vpce_aws_ec2_str(mine, "subnetId"));
        } else {
            vpce_error_set("%s", msg);
        }
        free(msg);
        json_decref(mine);
    }
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(json_object_get(r, "subnet"), "subnetId");
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID,
                             "unexpected response from EC2 to CreateSubnet: no subnetId");
        goto cleanup;
    }
    rc = vpce_aws_kind_read_after_write(op->provider, &subnet_kind, id, op->config, &op->new_state);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(r);
    return rc;
}

int vpce_aws_subnet_update(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    int rc = check_unsupported(op);
    if (rc)
        return rc;
    rc = vpce_aws_update_op_tags(op);
    if (rc)
        return rc;
    return vpce_aws_kind_read_after_write(op->provider, &subnet_kind, id, op->config,
                                          &op->new_state);
}

int vpce_aws_subnet_delete(vpce_resource_op *op)
{
    /* ENIs of interface endpoints being deleted release the subnet a little later. */
    return vpce_aws_delete_retrying(op, "DeleteSubnet", "SubnetId", vpce_aws_state_id(op->prior),
                                    20 * 60 * 1000);
}

int vpce_aws_subnet_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    return vpce_aws_kind_read_batch(p, &subnet_kind, priors, n, out);
}

int vpce_aws_subnet_import(vpce_provider *p, const char *id, json_t **out)
{
    return vpce_aws_kind_import(p, &subnet_kind, id, out);
}
