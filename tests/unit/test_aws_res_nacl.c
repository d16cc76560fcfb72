/*
 * aws_network_acl and aws_network_acl_rule against the EC2 simulator: create with inline rules
 * and subnets, read back as configured, update (replace, delete, add rules; move subnets back
 * to the default ACL), delete; the rule resource's lifecycle, import and drift.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "providers/aws/provider.h"
#include "providers/aws/resources.h"
#include "tests/unit/support/awsprov.h"

static vpce_sim sim;
static vpce_provider *prov;

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--seed", "11", "--buckets", "off", NULL};
    return vpce_test_aws_start(&prov, &sim, args);
}

static int group_teardown(void **state)
{
    (void)state;
    vpce_test_aws_stop(prov, &sim);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    vpce_test_aws_reset(&sim, "{\"consistency_delay_ms\":0}");
    return 0;
}

static json_t *run(int (*fn)(vpce_resource_op *), const char *address, const json_t *prior,
                   json_t *config)
{
    vpce_resource_op op = vpce_test_op(prov, address, prior, config);
    assert_int_equal(vpce_test_run_op(fn, &op), 0);
    json_decref(config);
    return op.new_state;
}

static json_t *refresh(const vpce_resource_type *t, json_t *prior)
{
    json_t *out = NULL;
    assert_int_equal(t->read_batch(prov, &prior, 1, &out), 0);
    return out;
}

/* The world's network ACL with id, or NULL (new reference). */
static json_t *world_acl(const char *id)
{
    json_t *w = vpce_sim_get(&sim, "/_sim/world");
    json_t *found = NULL, *a;
    size_t i;
    json_array_foreach(json_object_get(w, "network_acls"), i, a)
    {
        if (strcmp(vpce_test_str(a, "NetworkAclId"), id) == 0)
            found = json_incref(a);
    }
    json_decref(w);
    return found;
}

/* The entry (rule number, direction) of the world's ACL id, or NULL (borrowed from acl). */
static const json_t *entry(const json_t *acl, int rule, bool egress)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(acl, "Entries"), i, e)
    {
        if (json_integer_value(json_object_get(e, "RuleNumber")) == rule &&
            json_is_true(json_object_get(e, "Egress")) == egress)
            return e;
    }
    return NULL;
}

static void network(json_t **vpc, json_t **subnet)
{
    *vpc = run(vpce_aws_vpc.create, "aws_vpc.main", NULL,
               vpce_test_json("{\"cidr_block\":\"10.0.0.0/16\",\"instance_tenancy\":\"default\","
                              "\"enable_dns_support\":true,\"enable_dns_hostnames\":true}"));
    *subnet = run(vpce_aws_subnet.create, "aws_subnet.a", NULL,
                  json_pack("{s:s,s:s,s:s}", "vpc_id", vpce_test_str(*vpc, "id"), "cidr_block",
                            "10.0.1.0/24", "availability_zone", "us-east-1a"));
}

#define RULE(no, act, proto, cidr, from, to)                                                       \
    "{\"rule_no\":" #no ",\"action\":\"" act "\",\"protocol\":\"" proto                            \
    "\",\"cidr_block\":\"" cidr "\",\"from_port\":" #from ",\"to_port\":" #to                      \
    ",\"ipv6_cidr_block\":null,\"icmp_type\":null,\"icmp_code\":null}"

static void network_acl_lifecycle(void **state)
{
    (void)state;
    json_t *vpc, *subnet;
    network(&vpc, &subnet);
    const char *sid = vpce_test_str(subnet, "id");
    json_t *cfg =
        vpce_test_json("{\"ingress\":[" RULE(100, "allow", "tcp", "10.0.0.0/16", 443, 443) "," RULE(
            200, "allow", "tcp", "0.0.0.0/0", 1024,
            65535) "],"
                   "\"egress\":[" RULE(100, "allow", "-1", "0.0.0.0/0", 0,
                                       0) "],\"tags\":{\"Name\":\"private\"}}");
    json_object_set_new(cfg, "vpc_id", json_string(vpce_test_str(vpc, "id")));
    json_object_set_new(cfg, "subnet_ids", json_pack("[s]", sid));
    json_t *st = run(vpce_aws_network_acl.create, "aws_network_acl.private", NULL, cfg);
    const char *id = vpce_test_str(st, "id");
    assert_true(strncmp(id, "acl-", 4) == 0);
    json_t *acl = world_acl(id);
    assert_non_null(acl);
    /* "tcp" was sent as protocol 6, with its port range */
    const json_t *e = entry(acl, 100, false);
    assert_non_null(e);
    assert_string_equal(vpce_test_str(e, "Protocol"), "6");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "PortRange"), "From")),
                     443);
    assert_string_equal(
        vpce_test_str(json_array_get(json_object_get(acl, "Associations"), 0), "SubnetId"), sid);
    json_decref(acl);
    /* the state keeps the configured spelling, so a refresh plans nothing */
    assert_string_equal(
        vpce_test_str(json_array_get(json_object_get(st, "ingress"), 0), "protocol"), "tcp");
    assert_string_equal(json_string_value(json_array_get(json_object_get(st, "subnet_ids"), 0)),
                        sid);
    json_t *r1 = refresh(&vpce_aws_network_acl, st);
    assert_true(vpce_value_equal(r1, st));

    /* Update: rule 100 denies now, rule 200 goes, egress unmanaged, the subnet goes back. */
    json_t *cfg2 = vpce_test_json(
        "{\"ingress\":[" RULE(100, "deny", "tcp", "10.0.0.0/16", 443, 443) "],\"subnet_ids\":[]}");
    json_object_set_new(cfg2, "vpc_id", json_string(vpce_test_str(vpc, "id")));
    json_object_set_new(cfg2, "egress", vpce_unknown());
    json_t *st2 = run(vpce_aws_network_acl.update, "aws_network_acl.private", r1, cfg2);
    acl = world_acl(id);
    assert_string_equal(vpce_test_str(entry(acl, 100, false), "RuleAction"), "deny");
    assert_null(entry(acl, 200, false));
    assert_non_null(entry(acl, 100, true));
    assert_int_equal(json_array_size(json_object_get(acl, "Associations")), 0);
    json_decref(acl);
    assert_int_equal(json_array_size(json_object_get(st2, "subnet_ids")), 0);

    /* Delete moves any subnet back to the default ACL first. */
    json_t *cfg3 = json_pack("{s:s,s:[s]}", "vpc_id", vpce_test_str(vpc, "id"), "subnet_ids", sid);
    json_object_set_new(cfg3, "ingress", vpce_unknown());
    json_object_set_new(cfg3, "egress", vpce_unknown());
    json_t *st3 = run(vpce_aws_network_acl.update, "aws_network_acl.private", st2, cfg3);
    assert_int_equal(json_array_size(json_object_get(st3, "subnet_ids")), 1);
    json_decref(run(vpce_aws_network_acl.delete, "aws_network_acl.private", st3, NULL));
    assert_null(world_acl(id));
    assert_null(refresh(&vpce_aws_network_acl, st3));
    json_decref(st);
    json_decref(r1);
    json_decref(st2);
    json_decref(st3);
    json_decref(vpc);
    json_decref(subnet);
}

static void network_acl_rule_lifecycle(void **state)
{
    (void)state;
    json_t *vpc, *subnet;
    network(&vpc, &subnet);
    json_t *acl = run(vpce_aws_network_acl.create, "aws_network_acl.x", NULL,
                      json_pack("{s:s}", "vpc_id", vpce_test_str(vpc, "id")));
    const char *acl_id = vpce_test_str(acl, "id");
    json_t *cfg =
        json_pack("{s:s,s:i,s:b,s:s,s:s,s:s,s:i,s:i}", "network_acl_id", acl_id, "rule_number", 120,
                  "egress", 1, "protocol", "tcp", "rule_action", "allow", "cidr_block", "0.0.0.0/0",
                  "from_port", 1024, "to_port", 65535);
    json_t *st = run(vpce_aws_network_acl_rule.create, "aws_network_acl_rule.ephemeral", NULL, cfg);
    assert_true(strncmp(vpce_test_str(st, "id"), "nacl-", 5) == 0);
    assert_string_equal(vpce_test_str(st, "protocol"), "tcp");
    assert_int_equal(json_integer_value(json_object_get(st, "to_port")), 65535);
    json_t *w = world_acl(acl_id);
    assert_non_null(entry(w, 120, true));
    json_decref(w);
    json_t *r1 = refresh(&vpce_aws_network_acl_rule, st);
    assert_true(vpce_value_equal(r1, st));
    /* import by Terraform's id */
    char *imp_id = vpce_asprintf("%s:120:6:true", acl_id);
    json_t *imp = NULL;
    assert_int_equal(vpce_aws_network_acl_rule.import(prov, imp_id, &imp), 0);
    assert_string_equal(vpce_test_str(imp, "rule_action"), "allow");
    json_decref(imp);
    imp = NULL;
    assert_int_equal(vpce_aws_network_acl_rule.import(prov, "acl-1:x:6:true", &imp), VPCE_EINVALID);
    free(imp_id);
    json_decref(imp);
    /* the inline set of the ACL shows the rule's entry: the ACL read sees it */
    json_t *racl = refresh(&vpce_aws_network_acl, acl);
    assert_int_equal(json_array_size(json_object_get(racl, "egress")), 1);
    json_decref(racl);
    /* delete, then a delete of what is gone is fine, and a refresh finds nothing */
    json_decref(run(vpce_aws_network_acl_rule.delete, "aws_network_acl_rule.ephemeral", st, NULL));
    json_decref(run(vpce_aws_network_acl_rule.delete, "aws_network_acl_rule.ephemeral", st, NULL));
    assert_null(refresh(&vpce_aws_network_acl_rule, st));
    json_decref(st);
    json_decref(r1);
    json_decref(acl);
    json_decref(vpc);
    json_decref(subnet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(network_acl_lifecycle, reset),
        cmocka_unit_test_setup(network_acl_rule_lifecycle, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
