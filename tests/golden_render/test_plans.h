/*
 * Hand-built plans shared by the renderer and plan-file tests. Values are written as JSON text;
 * the string "?UNKNOWN?" anywhere in it stands for the unknown sentinel.
 */
#ifndef VPCE_TEST_PLANS_H
#define VPCE_TEST_PLANS_H

#include "render/render.h"

#include <stdlib.h>
#include <string.h>

static __attribute__((unused)) json_t *tp_unknowns(json_t *v)
{
    if (json_is_string(v) && strcmp(json_string_value(v), "?UNKNOWN?") == 0) {
        json_decref(v);
        return vpce_unknown();
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_set_new(v, i, tp_unknowns(json_incref(json_array_get(v, i))));
    } else if (json_is_object(v)) {
        const char *k;
        json_t *e;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, e)
            json_object_set_new(v, k, tp_unknowns(json_incref(e)));
    }
    return v;
}

/* A value from JSON text (NULL text: NULL). New reference; aborts on bad text. */
static __attribute__((unused)) json_t *tp_json(const char *text)
{
    if (!text)
        return NULL;
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    if (!v) {
        fprintf(stderr, "bad test JSON: %s: %s\n", err.text, text);
        abort();
    }
    return tp_unknowns(v);
}

static __attribute__((unused)) vpce_plan *tp_plan_new(void)
{
    vpce_plan *p = vpce_calloc(1, sizeof(*p));
    p->drift = json_array();
    p->output_changes = json_object();
    p->variables = json_object();
    p->sensitive_vars = json_array();
    p->lineage = vpce_strdup("5b3c1f7e-0d2a-4c55-9a1e-1f2e3d4c5b6a");
    p->serial = 4;
    p->config_hash = vpce_strdup("sha256:0f1e2d3c");
    return p;
}

/* Adds a change; address is built from mode, type, name and index (JSON text or NULL). */
static __attribute__((unused)) vpce_change *tp_add(vpce_plan *p, const char *mode, const char *type,
                                                   const char *name, const char *index,
                                                   vpce_action action, const char *reason,
                                                   const char *before, const char *after)
{
    vpce_change *c = vpce_calloc(1, sizeof(*c));
    c->mode = vpce_strdup(mode);
    c->type = vpce_strdup(type);
    c->name = vpce_strdup(name);
    c->index = tp_json(index);
    char *base = strcmp(mode, "data") == 0 ? vpce_asprintf("data.%s.%s", type, name)
                                           : vpce_asprintf("%s.%s", type, name);
    if (c->index) {
        char *k = json_dumps(c->index, JSON_ENCODE_ANY);
        c->address = vpce_asprintf("%s[%s]", base, k);
        free(k);
        free(base);
    } else {
        c->address = base;
    }
    c->provider = vpce_strdup("aws");
    c->action = action;
    c->reason = reason ? vpce_strdup(reason) : NULL;
    c->before = before ? tp_json(before) : json_null();
    c->after = after ? tp_json(after) : json_null();
    p->changes = vpce_realloc(p->changes, (p->nchanges + 1) * sizeof(*p->changes));
    p->changes[p->nchanges++] = c;
    return c;
}

static __attribute__((unused)) void tp_output(vpce_plan *p, const char *name, const char *actions,
                                              const char *before, const char *after, bool sensitive)
{
    json_t *o = json_object();
    json_object_set_new(o, "actions", tp_json(actions));
    json_object_set_new(o, "before", before ? tp_json(before) : json_null());
    json_object_set_new(o, "after", after ? tp_json(after) : json_null());
    json_object_set_new(o, "sensitive", json_boolean(sensitive));
    json_object_set_new(p->output_changes, name, o);
}

#define TP_POLICY_OLD                                                                              \
    "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","      \
    "\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":\\\"s3:GetObject\\\",\\\"Resource\\\":"            \
    "\\\"arn:aws:s3:::my-bucket/*\\\"}]}\""
#define TP_POLICY_NEW                                                                              \
    "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","      \
    "\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":[\\\"s3:GetObject\\\",\\\"s3:PutObject\\\"],"      \
    "\\\"Resource\\\":\\\"arn:aws:s3:::my-bucket/*\\\",\\\"Condition\\\":{\\\"StringEquals\\\":"   \
    "{\\\"aws:SourceVpc\\\":\\\"vpc-0a1b2c3d\\\"}}}]}\""

/* Everything created: a VPC, a gateway endpoint with a policy, a security group with blocks,
   a data source read during apply, and outputs. */
static __attribute__((unused)) vpce_plan *tp_plan_create(void)
{
    vpce_plan *p = tp_plan_new();
    tp_add(p, "data", "aws_vpc_endpoint_service", "s3", NULL, VPCE_ACTION_READ,
           "read_because_config_unknown", NULL,
           "{\"service\":\"s3\",\"service_type\":\"Gateway\",\"id\":\"?UNKNOWN?\","
           "\"service_name\":\"?UNKNOWN?\",\"vpc_id\":\"?UNKNOWN?\"}");
    vpce_change *sg = tp_add(
        p, "managed", "aws_security_group", "endpoints", NULL, VPCE_ACTION_CREATE, NULL, NULL,
        "{\"arn\":\"?UNKNOWN?\",\"description\":\"Endpoint ENIs\",\"id\":\"?UNKNOWN?\","
        "\"name\":\"endpoints\",\"vpc_id\":\"?UNKNOWN?\",\"revoke_rules_on_delete\":false,"
        "\"ingress\":[{\"from_port\":443,\"to_port\":443,\"protocol\":\"tcp\","
        "\"cidr_blocks\":[\"10.0.0.0/16\"],\"description\":null}],"
        "\"egress\":[{\"from_port\":0,\"to_port\":0,\"protocol\":\"-1\","
        "\"cidr_blocks\":[\"0.0.0.0/0\"],\"description\":null}],\"tags\":{}}");
    sg->sensitive_paths = tp_json("[\"egress\"]");
    tp_add(p, "managed", "aws_vpc", "main", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           "{\"arn\":\"?UNKNOWN?\",\"cidr_block\":\"10.0.0.0/16\",\"enable_dns_hostnames\":true,"
           "\"enable_dns_support\":true,\"id\":\"?UNKNOWN?\",\"instance_tenancy\":\"default\","
           "\"ipv6_cidr_block\":null,\"owner_id\":\"?UNKNOWN?\","
           "\"tags\":{\"Name\":\"main\",\"team:owner\":\"net\\\"work\"}}");
    tp_add(p, "managed", "aws_vpc_endpoint", "s3", NULL, VPCE_ACTION_CREATE, NULL, NULL,
           "{\"arn\":\"?UNKNOWN?\",\"id\":\"?UNKNOWN?\",\"policy\":" TP_POLICY_OLD ","
           "\"route_table_ids\":[\"rtb-0aaa\",\"?UNKNOWN?\"],\"service_name\":"
           "\"com.amazonaws.eu-west-1.s3\",\"vpc_endpoint_type\":\"Gateway\","
           "\"vpc_id\":\"?UNKNOWN?\",\"private_dns_enabled\":false,\"cidr_blocks\":\"?UNKNOWN?\","
           "\"dns_entry\":\"?UNKNOWN?\",\"subnet_ids\":[],\"user_data\":\"line1\\nsay "
           "${x} and %{y}\\ttab\"}");
    tp_output(p, "vpc_id", "[\"create\"]", NULL, "\"?UNKNOWN?\"", false);
    tp_output(p, "endpoint_ids", "[\"create\"]", NULL, "[\"?UNKNOWN?\"]", false);
    tp_output(p, "cidr", "[\"create\"]", NULL, "\"10.0.0.0/16\"", false);
    return p;
}

/* Every other action: update with nested, list, map, policy and sensitive changes; replace in
   both orders; deletes with each reason; read. */
static __attribute__((unused)) vpce_plan *tp_plan_mixed(void)
{
    vpce_plan *p = tp_plan_new();
    vpce_change *c;
    tp_add(p, "data", "aws_prefix_list", "s3", NULL, VPCE_ACTION_READ,
           "read_because_dependency_pending", NULL,
           "{\"cidr_blocks\":\"?UNKNOWN?\",\"id\":\"?UNKNOWN?\",\"name\":\"com.amazonaws.s3\"}");
    /* A data source leaving the state: in the JSON, never in the text or the counts. */
    tp_add(p, "data", "aws_region", "gone", NULL, VPCE_ACTION_DELETE,
           "delete_because_no_resource_config", "{\"name\":\"eu-west-1\"}", NULL);
    tp_add(p, "managed", "aws_route_table", "old", NULL, VPCE_ACTION_DELETE,
           "delete_because_no_resource_config",
           "{\"id\":\"rtb-0ddd\",\"vpc_id\":\"vpc-0a1b2c3d\",\"propagating_vgws\":[],"
           "\"tags\":{\"Name\":\"old\"},\"route\":[{\"cidr_block\":\"0.0.0.0/0\","
           "\"gateway_id\":\"igw-1\"}],\"owner_id\":\"123456789012\"}",
           NULL);
    c = tp_add(p, "managed", "aws_security_group", "endpoints", NULL, VPCE_ACTION_UPDATE, NULL,
               "{\"arn\":\"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123\","
               "\"description\":\"Endpoint ENIs\",\"id\":\"sg-0123\",\"name\":\"endpoints\","
               "\"vpc_id\":\"vpc-0a1b2c3d\",\"ingress\":[{\"from_port\":443,\"to_port\":443,"
               "\"protocol\":\"tcp\",\"cidr_blocks\":[\"10.0.0.0/16\"]},{\"from_port\":80,"
               "\"to_port\":80,\"protocol\":\"tcp\",\"cidr_blocks\":[\"10.0.0.0/16\"]}],"
               "\"egress\":[{\"from_port\":0,\"to_port\":0,\"protocol\":\"-1\","
               "\"cidr_blocks\":[\"0.0.0.0/0\"]}],\"tags\":{\"Name\":\"endpoints\"}}",
               "{\"arn\":\"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123\","
               "\"description\":\"Endpoint ENIs\",\"id\":\"sg-0123\",\"name\":\"endpoints\","
               "\"vpc_id\":\"vpc-0a1b2c3d\",\"ingress\":[{\"from_port\":443,\"to_port\":443,"
               "\"protocol\":\"tcp\",\"cidr_blocks\":[\"10.0.0.0/16\",\"10.1.0.0/16\"]},"
               "{\"from_port\":80,\"to_port\":80,\"protocol\":\"tcp\","
               "\"cidr_blocks\":[\"10.0.0.0/16\"]}],"
               "\"egress\":[{\"from_port\":0,\"to_port\":0,\"protocol\":\"-1\","
               "\"cidr_blocks\":[\"0.0.0.0/0\"]}],\"tags\":{\"Name\":\"endpoints\"}}");
    (void)c;
    tp_add(p, "managed", "aws_subnet", "private", "2", VPCE_ACTION_DELETE,
           "delete_because_count_index",
           "{\"id\":\"subnet-2\",\"cidr_block\":\"10.0.2.0/24\",\"vpc_id\":\"vpc-0a1b2c3d\"}",
           NULL);
    c = tp_add(p, "managed", "aws_vpc", "main", NULL, VPCE_ACTION_DELETE_THEN_CREATE,
               "replace_because_cannot_update",
               "{\"arn\":\"arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0a1b2c3d\","
               "\"cidr_block\":\"10.0.0.0/16\",\"enable_dns_support\":true,"
               "\"id\":\"vpc-0a1b2c3d\",\"tags\":{\"Name\":\"main\"}}",
               "{\"arn\":\"?UNKNOWN?\",\"cidr_block\":\"10.1.0.0/16\",\"enable_dns_support\":true,"
               "\"id\":\"?UNKNOWN?\",\"tags\":{\"Name\":\"main\"}}");
    c->replace_paths = tp_json("[[\"cidr_block\"]]");
    c = tp_add(p, "managed", "aws_vpc_endpoint", "interface", "\"ssm\"",
               VPCE_ACTION_CREATE_THEN_DELETE, "replace_by_request",
               "{\"id\":\"vpce-0ssm\",\"service_name\":\"com.amazonaws.eu-west-1.ssm\","
               "\"vpc_endpoint_type\":\"Interface\",\"subnet_ids\":[\"subnet-1\"],"
               "\"network_interface_ids\":[\"eni-1\"]}",
               "{\"id\":\"?UNKNOWN?\",\"service_name\":\"com.amazonaws.eu-west-1.ssm\","
               "\"vpc_endpoint_type\":\"Interface\",\"subnet_ids\":[\"subnet-1\"],"
               "\"network_interface_ids\":\"?UNKNOWN?\"}");
    tp_add(p, "managed", "aws_vpc_endpoint", "interface", "\"sts\"", VPCE_ACTION_DELETE,
           "delete_because_each_key",
           "{\"id\":\"vpce-0sts\",\"service_name\":\"com.amazonaws.eu-west-1.sts\","
           "\"vpc_endpoint_type\":\"Interface\",\"private_dns_enabled\":true,"
           "\"subnet_ids\":[\"subnet-1\",\"subnet-2\"]}",
           NULL);
    tp_add(p, "managed", "aws_vpc_endpoint", "noop", NULL, VPCE_ACTION_NOOP, NULL,
           "{\"id\":\"vpce-0noop\"}", "{\"id\":\"vpce-0noop\"}");
    c = tp_add(p, "managed", "aws_vpc_endpoint", "s3", NULL, VPCE_ACTION_UPDATE, NULL,
               "{\"arn\":\"arn:aws:ec2:eu-west-1:123456789012:vpc-endpoint/vpce-0s3\","
               "\"id\":\"vpce-0s3\",\"policy\":" TP_POLICY_OLD ","
               "\"route_table_ids\":[\"rtb-0aaa\",\"rtb-0bbb\",\"rtb-0ccc\",\"rtb-0ddd\","
               "\"rtb-0eee\"],\"service_name\":\"com.amazonaws.eu-west-1.s3\","
               "\"vpc_endpoint_type\":\"Gateway\",\"secret_token\":\"hunter2\","
               "\"tags\":{\"Name\":\"s3\",\"Env\":\"dev\",\"Old\":\"x\"},\"state\":\"available\","
               "\"dns_options\":[{\"dns_record_ip_type\":\"ipv4\"}],"
               "\"auto_accept\":null,\"owner_id\":\"123456789012\","
               "\"notes\":\"line one\\nline two\\nline three\\n\"}",
               "{\"arn\":\"arn:aws:ec2:eu-west-1:123456789012:vpc-endpoint/vpce-0s3\","
               "\"id\":\"vpce-0s3\",\"policy\":" TP_POLICY_NEW ","
               "\"route_table_ids\":[\"rtb-0aaa\",\"rtb-0bbb\",\"rtb-0fff\",\"rtb-0ddd\","
               "\"rtb-0eee\"],\"service_name\":\"com.amazonaws.eu-west-1.s3\","
               "\"vpc_endpoint_type\":\"Gateway\",\"secret_token\":\"hunter3\","
               "\"tags\":{\"Name\":\"s3\",\"Env\":\"prod\",\"New\":\"y\"},\"state\":\"?UNKNOWN?\","
               "\"dns_options\":[{\"dns_record_ip_type\":\"dualstack\"}],"
               "\"auto_accept\":true,\"owner_id\":\"123456789012\","
               "\"notes\":\"line one\\nline 2\\nline three\\n\"}");
    c->sensitive_paths = tp_json("[\"secret_token\"]");
    tp_output(p, "vpc_id", "[\"update\"]", "\"vpc-0a1b2c3d\"", "\"?UNKNOWN?\"", false);
    tp_output(p, "old_output", "[\"delete\"]", "\"gone\"", NULL, false);
    tp_output(p, "token", "[\"update\"]", "\"a\"", "\"b\"", true);
    tp_output(p, "same", "[\"no-op\"]", "1", "1", false);
    tp_output(p, "route_tables", "[\"update\"]", "[\"rtb-1\",\"rtb-2\"]", "[\"rtb-1\",\"rtb-3\"]",
              false);
    json_object_set_new(p->variables, "region", json_string("eu-west-1"));
    json_object_set_new(p->variables, "db_password", json_string("s3cr3t-value"));
    json_array_append_new(p->sensitive_vars, json_string("db_password"));
    return p;
}

/* Drift found by refresh, then one update. */
static __attribute__((unused)) vpce_plan *tp_plan_drift(bool refresh_only)
{
    vpce_plan *p = tp_plan_new();
    p->refresh_only = refresh_only;
    json_array_append_new(
        p->drift,
        tp_json("{\"address\":\"aws_vpc.main\",\"mode\":\"managed\",\"type\":\"aws_vpc\","
                "\"name\":\"main\",\"provider_name\":\"aws\",\"change\":{\"actions\":[\"update\"],"
                "\"before\":{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\",\"tags\":"
                "{\"Name\":\"main\"}},\"after\":{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\","
                "\"tags\":{\"Name\":\"main\",\"CostCenter\":\"42\"}}}}"));
    json_array_append_new(
        p->drift, tp_json("{\"address\":\"aws_vpc_endpoint.gone\",\"mode\":\"managed\","
                          "\"type\":\"aws_vpc_endpoint\",\"name\":\"gone\","
                          "\"index\":null,\"provider\":\"aws\",\"actions\":[\"delete\"],"
                          "\"before\":{\"id\":\"vpce-9\",\"vpc_id\":\"vpc-1\"},\"after\":null}"));
    if (!refresh_only)
        tp_add(p, "managed", "aws_vpc", "main", NULL, VPCE_ACTION_UPDATE, NULL,
               "{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\",\"tags\":{\"Name\":\"main\","
               "\"CostCenter\":\"42\"}}",
               "{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\",\"tags\":{\"Name\":\"main\"}}");
    return p;
}

static __attribute__((unused)) vpce_plan *tp_plan_nochange(void)
{
    vpce_plan *p = tp_plan_new();
    tp_add(p, "managed", "aws_vpc", "main", NULL, VPCE_ACTION_NOOP, NULL,
           "{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\"}",
           "{\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\"}");
    tp_output(p, "vpc_id", "[\"no-op\"]", "\"vpc-1\"", "\"vpc-1\"", false);
    return p;
}

static __attribute__((unused)) vpce_plan *tp_plan_outputs_only(void)
{
    vpce_plan *p = tp_plan_new();
    tp_output(p, "endpoint_dns", "[\"create\"]", NULL,
              "{\"s3\":\"vpce-1.s3.eu-west-1.vpce.amazonaws.com\",\"ssm\":\"?UNKNOWN?\"}", false);
    tp_output(p, "api_key", "[\"create\"]", NULL, "\"abc\"", true);
    return p;
}

static __attribute__((unused)) vpce_plan *tp_plan_destroy_empty(void)
{
    vpce_plan *p = tp_plan_new();
    p->destroy = true;
    return p;
}

#endif
