"""ec2sim network ACLs: the default ACL, entries checked as EC2 checks them, associations."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api import Base  # noqa: E402


class NetworkAclTests(Base):
    def acls(self, vpc, default=None):
        f = [{"Name": "vpc-id", "Value": [vpc]}]
        if default is not None:
            f.append({"Name": "default", "Value": [str(default).lower()]})
        return self.c.ok("DescribeNetworkAcls", {"Filter": f})["networkAclSet"] or []

    def entry(self, acl, n, **kw):
        p = {"NetworkAclId": acl, "RuleNumber": n, "Protocol": "6", "RuleAction": "allow",
             "Egress": False, "CidrBlock": "10.0.0.0/16", "PortRange.From": 443, "PortRange.To": 443}
        p.update(kw)
        return {k: v for k, v in p.items() if v is not None}

    def test_default_acl_and_subnet_association(self):
        v = self.vpc()
        s = self.subnet(v, "10.0.1.0/24")
        (d,) = self.acls(v)
        self.assertEqual(d["default"], "true")
        self.assertRegex(d["networkAclId"], r"^acl-[0-9a-f]{17}$")
        self.assertEqual([a["subnetId"] for a in d["associationSet"]], [s])
        rules = [(e["egress"], e["ruleNumber"], e["ruleAction"]) for e in d["entrySet"]]
        self.assertEqual(rules, [("false", "100", "allow"), ("false", "32767", "deny"),
                                 ("true", "100", "allow"), ("true", "32767", "deny")])
        self.err("InvalidParameterValue", "DeleteNetworkAcl", {"NetworkAclId": d["networkAclId"]})

    def test_entries_checked(self):
        v = self.vpc()
        acl = self.c.ok("CreateNetworkAcl", {"VpcId": v})["networkAcl"]["networkAclId"]
        self.c.ok("CreateNetworkAclEntry", self.entry(acl, 100))
        self.err("NetworkAclEntryAlreadyExists", "CreateNetworkAclEntry", self.entry(acl, 100))
        self.c.ok("CreateNetworkAclEntry", self.entry(acl, 100, Egress=True))
        self.err("InvalidParameterValue", "CreateNetworkAclEntry", self.entry(acl, 0))
        self.err("InvalidParameterValue", "CreateNetworkAclEntry", self.entry(acl, 32767))
        self.err("InvalidParameterValue", "CreateNetworkAclEntry", self.entry(acl, 101, Protocol="tcp"))
        self.err("InvalidParameterValue", "CreateNetworkAclEntry", self.entry(acl, 101, RuleAction="block"))
        self.err("MissingParameter", "CreateNetworkAclEntry",
                 self.entry(acl, 101, **{"PortRange.From": None, "PortRange.To": None}))
        self.err("MissingParameter", "CreateNetworkAclEntry", self.entry(acl, 101, CidrBlock=None))
        self.err("MissingParameter", "CreateNetworkAclEntry", self.entry(acl, 101, Protocol="1"))
        self.err("MissingParameter", "CreateNetworkAclEntry", self.entry(acl, 101, Egress=None))
        self.err("UnknownParameter", "CreateNetworkAclEntry", self.entry(acl, 101, Icmp_Type=3))
        self.err("InvalidNetworkAclID.NotFound", "CreateNetworkAclEntry",
                 self.entry("acl-00000000000000000", 101))
        self.c.ok("CreateNetworkAclEntry", self.entry(acl, 110, Protocol="1", **{
            "PortRange.From": None, "PortRange.To": None, "Icmp.Type": -1, "Icmp.Code": -1}))
        self.c.ok("ReplaceNetworkAclEntry", self.entry(acl, 100, RuleAction="deny"))
        self.err("InvalidNetworkAclEntry.NotFound", "ReplaceNetworkAclEntry", self.entry(acl, 120))
        got = self.c.ok("DescribeNetworkAcls", {"NetworkAclId.1": acl})["networkAclSet"][0]["entrySet"]
        e100 = [e for e in got if e["ruleNumber"] == "100" and e["egress"] == "false"][0]
        self.assertEqual((e100["ruleAction"], e100["portRange"]["from"], e100["protocol"]), ("deny", "443", "6"))
        self.c.ok("DeleteNetworkAclEntry", {"NetworkAclId": acl, "RuleNumber": 100, "Egress": False})
        self.err("InvalidNetworkAclEntry.NotFound", "DeleteNetworkAclEntry",
                 {"NetworkAclId": acl, "RuleNumber": 100, "Egress": False})

    def test_association_moves_and_blocks_delete(self):
        v = self.vpc()
        s = self.subnet(v, "10.0.1.0/24")
        acl = self.c.ok("CreateNetworkAcl", {"VpcId": v, "TagSpecification": [
            {"ResourceType": "network-acl", "Tag": [{"Key": "Name", "Value": "x"}]}]})["networkAcl"]
        self.assertEqual(acl["tagSet"][0]["value"], "x")
        (d,) = self.acls(v, default=True)
        old = d["associationSet"][0]["networkAclAssociationId"]
        new = self.c.ok("ReplaceNetworkAclAssociation",
                        {"AssociationId": old, "NetworkAclId": acl["networkAclId"]})["newAssociationId"]
        self.assertNotEqual(new, old)
        self.err("InvalidAssociationID.NotFound", "ReplaceNetworkAclAssociation",
                 {"AssociationId": old, "NetworkAclId": acl["networkAclId"]})
        r = self.c.ok("DescribeNetworkAcls", {"Filter": [{"Name": "association.subnet-id", "Value": [s]}]})
        self.assertEqual(r["networkAclSet"][0]["networkAclId"], acl["networkAclId"])
        self.err("DependencyViolation", "DeleteNetworkAcl", {"NetworkAclId": acl["networkAclId"]})
        self.err("DependencyViolation", "DeleteVpc", {"VpcId": v})
        self.c.ok("ReplaceNetworkAclAssociation", {"AssociationId": new, "NetworkAclId": d["networkAclId"]})
        self.c.ok("DeleteNetworkAcl", {"NetworkAclId": acl["networkAclId"]})
        self.err("InvalidNetworkAclID.NotFound", "DescribeNetworkAcls", {"NetworkAclId.1": acl["networkAclId"]})
        self.c.ok("DeleteSubnet", {"SubnetId": s})
        self.c.ok("DeleteVpc", {"VpcId": v})
        self.assertEqual(self.sim.sim.world.nacls, {})


if __name__ == "__main__":
    unittest.main()
