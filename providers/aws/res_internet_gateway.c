/*
 * providers/aws/res_internet_gateway.c: aws_internet_gateway. CreateInternetGateway, then
 * AttachInternetGateway when vpc_id is set; a vpc_id change detaches from the old VPC and
 * attaches to the new one; delete detaches first.
 */
#include "providers/aws/res_common.h"
#include "providers/aws/res_network.h"

#include <stdlib.h>
#include <string.h>

static const char *attached_vpc(const json_t *g)
{
    size_t i;
    const json_t *a;
    json_array_foreach(vpce_aws_ec2_list(g, "attachmentSet"), i, a)
    {
        const char *st = vpce_aws_ec2_str(a, "state");
        if (!st || strcmp(st, "detached") != 0)
            return vpce_aws_ec2_str(a, "vpcId");
    }
    return NULL;
}

static json_t *igw_state(vpce_provider *p, const json_t *g, const json_t *ref)
{
    json_t *st = json_object();
    const char *id = vpce_aws_ec2_str(g, "internetGatewayId");
    const char *owner = vpce_aws_ec2_str(g, "ownerId");
    vpce_aws_set_id_arn(st, p, "internet-gateway", id, owner);
    vpce_aws_set_str(st, "owner_id", owner);
    vpce_aws_set_str(st, "vpc_id", attached_vpc(g));
    vpce_aws_set_tags(p, st, g, ref);
    vpce_aws_copy_attr(st, ref, "timeouts");
    return st;
}

static const vpce_aws_kind igw_kind = {
    .action = "DescribeInternetGateways",
    .filter = "internet-gateway-id",
    .list_key = "internetGatewaySet",
    .id_key = "internetGatewayId",
    .missing_code = "InvalidInternetGatewayID.NotFound",
    .noun = "internet gateway ID",
    .state = igw_state,
};

static int attach(vpce_provider *p, const char *action, const char *igw, const char *vpc)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    vpce_aws_params_add(&params, "InternetGatewayId", igw);
    vpce_aws_params_add(&params, "VpcId", vpc);
    int rc = vpce_aws_call_retry(p, action, &params, NULL, ".NotFound", VPCE_AWS_CONSISTENCY_MS);
    vpce_aws_params_release(&params);
    if (rc && strcmp(action, "AttachInternetGateway") == 0 &&
        strcmp(vpce_aws_last_error_code(), "Resource.AlreadyAssociated") == 0) {
        /* A retried attach whose first attempt went through: fine when it is attached there. */
        json_t *g = NULL;
        char *msg = vpce_strdup(vpce_error_last());
        if (vpce_aws_describe_one(p, igw_kind.action, igw_kind.filter, igw_kind.list_key,
                                  igw_kind.id_key, igw, 0, &g) == 0 &&
            g && attached_vpc(g) && strcmp(attached_vpc(g), vpc) == 0) {
            vpce_error_clear();
            rc = 0;
        } else {
            vpce_error_set("%s", msg);
        }
        free(msg);
        json_decref(g);
    }
    return rc;
}

/* Detaches; a gateway that is no longer attached there is fine. */
static int detach(vpce_provider *p, const char *igw, const char *vpc)
{
    int rc = attach(p, "DetachInternetGateway", igw, vpc);
    if (rc &&
        (strcmp(vpce_aws_last_error_code(), "Gateway.NotAttached") == 0 || rc == VPCE_ENOTFOUND)) {
        vpce_error_clear();
        rc = 0;
    }
    return rc;
}

int vpce_aws_igw_create(vpce_resource_op *op)
{
    vpce_aws_params params = VPCE_AWS_PARAMS_INIT;
    json_t *r = NULL;
    int rc =
        vpce_aws_add_tag_spec(&params, op->provider, "internet-gateway", op->config, op->address);
    if (rc)
        goto cleanup;
    rc = vpce_aws_create_untokened(op->provider, "CreateInternetGateway", &params, op->address,
                                   "DescribeInternetGateways", "internetGatewaySet",
                                   "internetGatewayId", "internetGateway", &r);
    if (rc)
        goto cleanup;
    const char *id = vpce_aws_ec2_str(json_object_get(r, "internetGateway"), "internetGatewayId");
    if (!id) {
        rc = vpce_error_setc(VPCE_EINVALID, "unexpected response from EC2 to "
                                            "CreateInternetGateway: no internetGatewayId");
        goto cleanup;
    }
    const char *vpc = vpce_aws_attr_str(op->config, "vpc_id");
    if (vpc) {
        rc = attach(op->provider, "AttachInternetGateway", id, vpc);
        if (rc)
            goto cleanup;
    }
    rc = vpce_aws_kind_read_after_write(op->provider, &igw_kind, id, op->config, &op->new_state);
cleanup:
    vpce_aws_params_release(&params);
    json_decref(r);
    return rc;
}

int vpce_aws_igw_update(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    const char *old_vpc = vpce_aws_attr_str(op->prior, "vpc_id");
    const char *new_vpc = vpce_aws_attr_str(op->config, "vpc_id");
    int rc = 0;
    if (!(old_vpc && new_vpc && strcmp(old_vpc, new_vpc) == 0)) {
        if (old_vpc)
            rc = detach(op->provider, id, old_vpc);
        if (rc == 0 && new_vpc)
            rc = attach(op->provider, "AttachInternetGateway", id, new_vpc);
        if (rc)
            return rc;
    }
    rc = vpce_aws_update_op_tags(op);
    if (rc)
        return rc;
    return vpce_aws_kind_read_after_write(op->provider, &igw_kind, id, op->config, &op->new_state);
}

int vpce_aws_igw_delete(vpce_resource_op *op)
{
    const char *id = vpce_aws_state_id(op->prior);
    json_t *g = NULL;
    /* Detach from whatever VPC EC2 says it is attached to (the prior may be stale). */
    int rc = vpce_aws_describe_one(op->provider, igw_kind.action, igw_kind.filter,
                                   igw_kind.list_key, igw_kind.id_key, id, 0, &g);
    if (rc)
        goto cleanup;
    if (!g)
        goto cleanup; /* already gone */
    const char *vpc = attached_vpc(g);
    if (vpc) {
        rc = detach(op->provider, id, vpc);
        if (rc)
            goto cleanup;
    }
    rc = vpce_aws_delete_retrying(op, "DeleteInternetGateway", "InternetGatewayId", id, 60000);
cleanup:
    json_decref(g);
    return rc;
}

int vpce_aws_igw_read_batch(vpce_provider *p, json_t *const *priors, size_t n, json_t **out)
{
    return vpce_aws_kind_read_batch(p, &igw_kind, priors, n, out);
}

int vpce_aws_igw_import(vpce_provider *p, const char *id, json_t **out)
{
    return vpce_aws_kind_import(p, &igw_kind, id, out);
}
