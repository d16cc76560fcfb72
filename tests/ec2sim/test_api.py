"""ec2sim behaviour over raw signed HTTP: auth, model validation, resources, endpoints."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simclient import InProcessSim  # noqa: E402

S3 = "com.amazonaws.us-east-1.s3"
DDB = "com.amazonaws.us-east-1.dynamodb"
SSM = "com.amazonaws.us-east-1.ssm"
GW_POLICY = ('{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*",'
             '"Resource":"*"}]}')


class Base(unittest.TestCase):
    sim_args = {}

    def setUp(self):
        self.sim = InProcessSim(**self.sim_args).start()
        self.c = self.sim.client()

    def tearDown(self):
        self.sim.stop()

    def err(self, code, action, params=None, status=400):
        r = self.c.call(action, params)
        self.assertEqual((r.status, r.code), (status, code), r.message)
        return r

    def vpc(self, cidr="10.0.0.0/16", dns=False):
        v = self.c.ok("CreateVpc", {"CidrBlock": cidr})["vpc"]["vpcId"]
        if dns:
            self.c.ok("ModifyVpcAttribute", {"VpcId": v, "EnableDnsHostnames.Value": True})
        return v

    def subnet(self, vpc, cidr, az=None):
        p = {"VpcId": vpc, "CidrBlock": cidr}
        if az:
            p["AvailabilityZone"] = az
        return self.c.ok("CreateSubnet", p)["subnet"]["subnetId"]

    def main_rtb(self, vpc):
        r = self.c.ok("DescribeRouteTables", {"Filter": [{"Name": "vpc-id", "Value": [vpc]},
                                                          {"Name": "association.main", "Value": ["true"]}]})
        return r["routeTableSet"][0]

    def default_sg(self, vpc):
        r = self.c.ok("DescribeSecurityGroups", {"Filter": [{"Name": "vpc-id", "Value": [vpc]},
                                                             {"Name": "group-name", "Value": ["default"]}]})
        return r["securityGroupInfo"][0]["groupId"]


class ExtraRegionTests(Base):
    sim_args = {"extra_regions": ["us-west-2"]}

    def test_each_region_has_its_own_world(self):
        west = self.sim.client(region="us-west-2")
        v = west.ok("CreateVpc", {"CidrBlock": "10.9.0.0/16"})["vpc"]["vpcId"]
        ids = [x["vpcId"] for x in west.ok("DescribeVpcs")["vpcSet"]]
        self.assertIn(v, ids)
        east = [x["vpcId"] for x in self.c.ok("DescribeVpcs")["vpcSet"]]
        self.assertNotIn(v, east)
        azs = west.ok("DescribeAvailabilityZones")["availabilityZoneInfo"]
        self.assertTrue(all(z["zoneName"].startswith("us-west-2") for z in azs))
        w = self.c.control("GET", "/_sim/world?region=us-west-2")
        self.assertIn(v, json.dumps(w))
        self.assertNotIn(v, json.dumps(self.c.control("GET", "/_sim/world")))
        self.assertEqual(self.c.call("DescribeVpcs", sign_region="eu-west-1").code, "AuthFailure")


class AuthTests(Base):
    def test_good_signature(self):
        self.assertTrue(self.c.call("DescribeVpcs").ok)

    def test_bad_signature(self):
        r = self.c.call("DescribeVpcs", mutate_sig=True)
        self.assertEqual((r.status, r.code), (403, "SignatureDoesNotMatch"))
        r = self.c.call("DescribeVpcs", secret="wrong")
        self.assertEqual(r.code, "SignatureDoesNotMatch")

    def test_unknown_key_and_missing_header(self):
        c2 = self.sim.client(akid="AKIDNOPE", secret="x")
        self.assertEqual(c2.call("DescribeVpcs").code, "AuthFailure")
        r = self.c.call("DescribeVpcs", sign=False)
        self.assertEqual((r.status, r.code), (403, "AuthFailure"))

    def test_scope_and_time(self):
        self.assertEqual(self.c.call("DescribeVpcs", sign_region="us-west-2").code, "AuthFailure")
        self.assertEqual(self.c.call("DescribeVpcs", sign_service="s3").code, "AuthFailure")
        old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 600))
        r = self.c.call("DescribeVpcs", amz_date=old)
        self.assertEqual(r.code, "AuthFailure")
        self.assertIn("Signature expired", r.message)
        soon = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 120))
        self.assertTrue(self.c.call("DescribeVpcs", amz_date=soon).ok)

    def test_session_token_and_test_creds(self):
        self.assertTrue(self.c.call("DescribeVpcs", session_token="tok123").ok)
        self.assertTrue(self.sim.client(akid="test", secret="test").call("DescribeVpcs").ok)

    def test_get_query_request(self):
        r = self.c.raw("", method="GET", path="/?Action=DescribeVpcs&Version=2016-11-15")
        self.assertTrue(r.ok, r.code)


class ValidationTests(Base):
    def test_action_and_version(self):
        self.err("InvalidAction", "RunInstances")
        r = self.c.raw("Action=DescribeVpcs")
        self.assertEqual(r.code, "MissingParameter")
        r = self.c.raw("Action=DescribeVpcs&Version=2014-01-01")
        self.assertEqual(r.code, "NoSuchVersion")

    def test_unknown_parameter(self):
        self.err("UnknownParameter", "DescribeVpcs", {"VpcIds.1": "vpc-1"})
        self.err("UnknownParameter", "DescribeVpcs", {"Filter.1.Nam": "vpc-id"})
        self.err("UnknownParameter", "CreateVpcEndpoint", {"VpcId": "vpc-1", "SubnetId": "subnet-1"})
        self.err("UnknownParameter", "DescribeVpcs", {"VpcId.x": "vpc-1"})
        r = self.err("UnknownParameter", "CreateTags", {"ResourceId.1": "vpc-1", "Tag.1.Kee": "a"})
        self.assertIn("Tag.1.Kee", r.message)

    def test_missing_parameter(self):
        r = self.err("MissingParameter", "CreateVpcEndpoint", {"ServiceName": S3})
        self.assertIn("VpcId", r.message)
        self.err("MissingParameter", "DeleteVpc")
        self.err("MissingParameter", "CreateTags", {"ResourceId.1": "vpc-1"})

    def test_invalid_values(self):
        self.err("InvalidParameterValue", "CreateVpcEndpoint", {"VpcId": "v", "VpcEndpointType": "Bogus"})
        self.err("InvalidParameterValue", "CreateVpcEndpoint", {"VpcId": "v", "PrivateDnsEnabled": "yes"})
        self.err("InvalidParameterValue", "DescribeVpcs", {"MaxResults": "ten"})
        self.err("InvalidParameterValue", "DescribeVpcs", {"MaxResults": 4})
        self.err("InvalidParameterValue", "DescribeVpcEndpoints", {"MaxResults": 1001})
        self.err("InvalidParameterValue", "DescribeVpcEndpoints", {"MaxResults": 2})
        self.err("InvalidParameterValue", "CreateVpc", {"CidrBlock": "10.0.0.0/33"})
        self.err("InvalidParameterValue", "DescribeVpcs", {"Filter": [{"Name": "bogus", "Value": ["x"]}]})

    def test_dry_run(self):
        self.err("DryRunOperation", "DescribeVpcs", {"DryRun": True}, status=412)

    def test_wire_names_from_model(self):
        v = self.vpc()
        # CreateSecurityGroup uses GroupDescription (locationName) on the wire
        r = self.c.ok("CreateSecurityGroup", {"GroupName": "a", "GroupDescription": "d", "VpcId": v})
        self.assertTrue(r["groupId"].startswith("sg-"))
        self.err("UnknownParameter", "CreateSecurityGroup", {"GroupName": "b", "Description": "d", "VpcId": v})


class VpcSubnetTests(Base):
    def test_vpc_lifecycle_and_defaults(self):
        v = self.vpc()
        self.assertRegex(v, r"^vpc-[0-9a-f]{17}$")
        rt = self.main_rtb(v)
        self.assertEqual(rt["routeSet"][0]["gatewayId"], "local")
        self.assertRegex(rt["associationSet"][0]["routeTableAssociationId"], r"^rtbassoc-[0-9a-f]{17}$")
        sg = self.c.ok("DescribeSecurityGroups", {"GroupId.1": self.default_sg(v)})["securityGroupInfo"][0]
        self.assertEqual(sg["ipPermissionsEgress"][0]["ipProtocol"], "-1")
        self.assertEqual(sg["ipPermissionsEgress"][0]["ipRanges"][0]["cidrIp"], "0.0.0.0/0")
        a = self.c.ok("DescribeVpcAttribute", {"VpcId": v, "Attribute": "enableDnsSupport"})
        self.assertEqual(a["enableDnsSupport"]["value"], "true")
        a = self.c.ok("DescribeVpcAttribute", {"VpcId": v, "Attribute": "enableDnsHostnames"})
        self.assertEqual(a["enableDnsHostnames"]["value"], "false")
        self.c.ok("ModifyVpcAttribute", {"VpcId": v, "EnableDnsHostnames.Value": True})
        a = self.c.ok("DescribeVpcAttribute", {"VpcId": v, "Attribute": "enableDnsHostnames"})
        self.assertEqual(a["enableDnsHostnames"]["value"], "true")
        self.c.ok("DeleteVpc", {"VpcId": v})
        self.err("InvalidVpcID.NotFound", "DescribeVpcs", {"VpcId.1": v})
        self.assertEqual(self.sim.sim.world.route_tables, {})
        self.assertEqual(self.sim.sim.world.security_groups, {})

    def test_vpc_range(self):
        self.err("InvalidVpc.Range", "CreateVpc", {"CidrBlock": "10.0.0.0/8"})
        self.err("InvalidVpc.Range", "CreateVpc", {"CidrBlock": "10.0.0.0/29"})

    def test_subnets(self):
        v = self.vpc()
        s = self.subnet(v, "10.0.1.0/24", "us-east-1b")
        self.err("InvalidSubnet.Conflict", "CreateSubnet", {"VpcId": v, "CidrBlock": "10.0.1.128/25"})
        self.err("InvalidSubnet.Range", "CreateSubnet", {"VpcId": v, "CidrBlock": "10.1.0.0/24"})
        self.err("InvalidParameterValue", "CreateSubnet",
                 {"VpcId": v, "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "us-east-1z"})
        self.err("InvalidVpcID.NotFound", "CreateSubnet", {"VpcId": "vpc-00000000000000000",
                                                           "CidrBlock": "10.0.2.0/24"})
        d = self.c.ok("DescribeSubnets", {"SubnetId.1": s})["subnetSet"][0]
        self.assertEqual(d["availabilityZone"], "us-east-1b")
        self.assertEqual(d["availableIpAddressCount"], "251")
        self.err("DependencyViolation", "DeleteVpc", {"VpcId": v})
        self.c.ok("DeleteSubnet", {"SubnetId": s})
        self.err("InvalidSubnetID.NotFound", "DeleteSubnet", {"SubnetId": s})
        self.c.ok("DeleteVpc", {"VpcId": v})

    def test_availability_zones(self):
        r = self.c.ok("DescribeAvailabilityZones")["availabilityZoneInfo"]
        self.assertEqual([z["zoneName"] for z in r], ["us-east-1a", "us-east-1b", "us-east-1c"])
        self.assertTrue(all(z["zoneId"].startswith("use1-az") for z in r))


class RouteTableTests(Base):
    def test_routes_and_associations(self):
        v = self.vpc()
        s = self.subnet(v, "10.0.1.0/24")
        rt = self.c.ok("CreateRouteTable", {"VpcId": v})["routeTable"]["routeTableId"]
        a = self.c.ok("AssociateRouteTable", {"RouteTableId": rt, "SubnetId": s})["associationId"]
        self.err("Resource.AlreadyAssociated", "AssociateRouteTable", {"RouteTableId": rt, "SubnetId": s})
        self.err("DependencyViolation", "DeleteRouteTable", {"RouteTableId": rt})
        igw = self.c.ok("CreateInternetGateway")["internetGateway"]["internetGatewayId"]
        self.err("InvalidParameterValue", "CreateRoute",
                 {"RouteTableId": rt, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw})
        self.c.ok("AttachInternetGateway", {"InternetGatewayId": igw, "VpcId": v})
        self.c.ok("CreateRoute", {"RouteTableId": rt, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw})
        self.err("RouteAlreadyExists", "CreateRoute",
                 {"RouteTableId": rt, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw})
        self.err("InvalidParameterValue", "DeleteRoute", {"RouteTableId": rt, "DestinationCidrBlock": "10.0.0.0/16"})
        self.err("InvalidRoute.NotFound", "DeleteRoute", {"RouteTableId": rt, "DestinationCidrBlock": "1.0.0.0/8"})
        r = self.c.ok("DescribeRouteTables", {"Filter": [{"Name": "association.subnet-id", "Value": [s]}]})
        self.assertEqual(r["routeTableSet"][0]["routeTableId"], rt)
        self.c.ok("DetachInternetGateway", {"InternetGatewayId": igw, "VpcId": v})
        r = self.c.ok("DescribeRouteTables", {"RouteTableId.1": rt})["routeTableSet"][0]
        self.assertEqual(r["routeSet"][1]["state"], "blackhole")
        self.c.ok("DeleteRoute", {"RouteTableId": rt, "DestinationCidrBlock": "0.0.0.0/0"})
        self.c.ok("DisassociateRouteTable", {"AssociationId": a})
        self.err("InvalidAssociationID.NotFound", "DisassociateRouteTable", {"AssociationId": a})
        main_assoc = self.main_rtb(v)["associationSet"][0]["routeTableAssociationId"]
        self.err("InvalidParameterValue", "DisassociateRouteTable", {"AssociationId": main_assoc})
        self.c.ok("DeleteRouteTable", {"RouteTableId": rt})
        self.err("InvalidRouteTableID.NotFound", "DeleteRouteTable", {"RouteTableId": rt})
        self.err("DependencyViolation", "DeleteRouteTable", {"RouteTableId": self.main_rtb(v)["routeTableId"]})

    def test_igw(self):
        v = self.vpc()
        v2 = self.vpc("10.1.0.0/16")
        igw = self.c.ok("CreateInternetGateway")["internetGateway"]["internetGatewayId"]
        igw2 = self.c.ok("CreateInternetGateway")["internetGateway"]["internetGatewayId"]
        self.err("Gateway.NotAttached", "DetachInternetGateway", {"InternetGatewayId": igw, "VpcId": v})
        self.c.ok("AttachInternetGateway", {"InternetGatewayId": igw, "VpcId": v})
        self.err("Resource.AlreadyAssociated", "AttachInternetGateway", {"InternetGatewayId": igw, "VpcId": v2})
        self.err("Gateway.AlreadyAttached", "AttachInternetGateway", {"InternetGatewayId": igw2, "VpcId": v})
        self.err("DependencyViolation", "DeleteInternetGateway", {"InternetGatewayId": igw})
        self.err("DependencyViolation", "DeleteVpc", {"VpcId": v})
        r = self.c.ok("DescribeInternetGateways", {"Filter": [{"Name": "attachment.vpc-id", "Value": [v]}]})
        self.assertEqual([i["internetGatewayId"] for i in r["internetGatewaySet"]], [igw])
        self.c.ok("DetachInternetGateway", {"InternetGatewayId": igw, "VpcId": v})
        self.c.ok("DeleteInternetGateway", {"InternetGatewayId": igw})
        self.err("InvalidInternetGatewayID.NotFound", "DeleteInternetGateway", {"InternetGatewayId": igw})


class SecurityGroupTests(Base):
    def test_rules(self):
        v = self.vpc()
        g = self.c.ok("CreateSecurityGroup", {"GroupName": "web", "GroupDescription": "w", "VpcId": v})["groupId"]
        self.err("InvalidGroup.Duplicate", "CreateSecurityGroup",
                 {"GroupName": "web", "GroupDescription": "w", "VpcId": v})
        perm = {"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                   "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "vpc"}],
                                   "Groups": [{"GroupId": g}]}]}
        r = self.c.ok("AuthorizeSecurityGroupIngress", dict(perm, GroupId=g))
        rules = r["securityGroupRuleSet"]
        self.assertEqual(len(rules), 2)
        self.assertRegex(rules[0]["securityGroupRuleId"], r"^sgr-[0-9a-f]{17}$")
        self.err("InvalidPermission.Duplicate", "AuthorizeSecurityGroupIngress", dict(perm, GroupId=g))
        sg = self.c.ok("DescribeSecurityGroups", {"GroupId.1": g})["securityGroupInfo"][0]
        p = sg["ipPermissions"][0]
        self.assertEqual((p["ipProtocol"], p["fromPort"], p["toPort"]), ("tcp", "443", "443"))
        self.assertEqual(p["ipRanges"][0], {"cidrIp": "10.0.0.0/16", "description": "vpc"})
        self.assertEqual(p["groups"][0]["groupId"], g)
        r = self.c.ok("DescribeSecurityGroupRules", {"Filter": [{"Name": "group-id", "Value": [g]}]})
        self.assertEqual(len(r["securityGroupRuleSet"]), 3)  # 2 ingress + default egress
        self.err("InvalidParameterValue", "AuthorizeSecurityGroupIngress",
                 {"GroupId": g, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 500, "ToPort": 400,
                                                   "IpRanges": [{"CidrIp": "1.0.0.0/8"}]}]})
        self.c.ok("AuthorizeSecurityGroupEgress", {"GroupId": g, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-63a5400a"}]}]})
        self.c.ok("RevokeSecurityGroupIngress", dict(perm, GroupId=g))
        self.err("InvalidPermission.NotFound", "RevokeSecurityGroupIngress", dict(perm, GroupId=g))
        egress_ids = [x["securityGroupRuleId"] for x in self.c.ok("DescribeSecurityGroupRules", {
            "Filter": [{"Name": "group-id", "Value": [g]}]})["securityGroupRuleSet"]]
        self.c.ok("RevokeSecurityGroupEgress", {"GroupId": g, "SecurityGroupRuleId": egress_ids})
        self.err("InvalidSecurityGroupRuleId.NotFound", "RevokeSecurityGroupEgress",
                 {"GroupId": g, "SecurityGroupRuleId": egress_ids[:1]})
        self.err("CannotDelete", "DeleteSecurityGroup", {"GroupId": self.default_sg(v)})
        self.c.ok("DeleteSecurityGroup", {"GroupId": g})
        self.err("InvalidGroup.NotFound", "DeleteSecurityGroup", {"GroupId": g})


class EndpointTests(Base):
    def test_gateway_endpoint_routes(self):
        v = self.vpc()
        rt1 = self.main_rtb(v)["routeTableId"]
        rt2 = self.c.ok("CreateRouteTable", {"VpcId": v})["routeTable"]["routeTableId"]
        ep = self.c.ok("CreateVpcEndpoint", {"VpcId": v, "ServiceName": S3, "RouteTableId": [rt1]})["vpcEndpoint"]
        eid = ep["vpcEndpointId"]
        self.assertRegex(eid, r"^vpce-[0-9a-f]{17}$")
        self.assertEqual(ep["vpcEndpointType"], "Gateway")
        self.assertEqual(ep["policyDocument"], GW_POLICY)
        pl = self.c.ok("DescribePrefixLists", {"Filter": [{"Name": "prefix-list-name", "Value": [S3]}]})
        plid = pl["prefixListSet"][0]["prefixListId"]
        self.assertTrue(pl["prefixListSet"][0]["cidrSet"])
        mpl = self.c.ok("DescribeManagedPrefixLists", {"PrefixListId.1": plid})["prefixListSet"][0]
        self.assertEqual(mpl["prefixListName"], S3)

        def routes(rt):
            r = self.c.ok("DescribeRouteTables", {"RouteTableId.1": rt})["routeTableSet"][0]["routeSet"]
            return [(x.get("destinationPrefixListId"), x.get("gatewayId")) for x in r if "destinationPrefixListId" in x]
        self.assertEqual(routes(rt1), [(plid, eid)])
        self.assertEqual(routes(rt2), [])
        self.c.ok("ModifyVpcEndpoint", {"VpcEndpointId": eid, "AddRouteTableId.1": rt2, "RemoveRouteTableId.1": rt1})
        self.assertEqual(routes(rt1), [])
        self.assertEqual(routes(rt2), [(plid, eid)])
        # a second S3 gateway endpoint into the same route table collides on the prefix-list route
        self.err("RouteAlreadyExists", "CreateVpcEndpoint", {"VpcId": v, "ServiceName": S3, "RouteTableId": [rt2]})
        # route tables of another VPC
        v2 = self.vpc("10.9.0.0/16")
        self.err("InvalidParameter", "CreateVpcEndpoint",
                 {"VpcId": v2, "ServiceName": DDB, "RouteTableId": [rt1]})
        self.err("DependencyViolation", "DeleteVpc", {"VpcId": v})
        r = self.c.ok("DeleteVpcEndpoints", {"VpcEndpointId": [eid, "vpce-00000000000000000"]})
        self.assertEqual(r["unsuccessful"][0]["resourceId"], "vpce-00000000000000000")
        self.assertEqual(r["unsuccessful"][0]["error"]["code"], "InvalidVpcEndpoint.NotFound")
        self.assertEqual(routes(rt2), [])
        self.err("InvalidVpcEndpointId.NotFound", "DescribeVpcEndpoints", {"VpcEndpointId.1": eid})
        self.err("InvalidParameter", "CreateVpcEndpoint", {"VpcId": v, "ServiceName": SSM})
        self.err("InvalidServiceName", "CreateVpcEndpoint", {"VpcId": v, "ServiceName": "com.amazonaws.us-east-1.nope"})
        self.err("InvalidServiceName", "CreateVpcEndpoint",
                 {"VpcId": v, "ServiceName": S3, "VpcEndpointType": "GatewayLoadBalancer"})

    def test_interface_endpoint_enis_and_dns(self):
        v = self.vpc()
        s1 = self.subnet(v, "10.0.1.0/24", "us-east-1a")
        s2 = self.subnet(v, "10.0.2.0/24", "us-east-1b")
        s3 = self.subnet(v, "10.0.3.0/24", "us-east-1a")
        base = {"VpcId": v, "ServiceName": SSM, "VpcEndpointType": "Interface"}
        # private DNS defaults to true and needs DNS hostnames
        self.err("InvalidParameter", "CreateVpcEndpoint", dict(base, SubnetId=[s1]))
        self.err("DuplicateSubnetsInSameZone", "CreateVpcEndpoint", dict(base, SubnetId=[s1, s3],
                                                                         PrivateDnsEnabled=False))
        self.c.ok("ModifyVpcAttribute", {"VpcId": v, "EnableDnsHostnames.Value": True})
        ep = self.c.ok("CreateVpcEndpoint", dict(base, SubnetId=[s1, s2]))["vpcEndpoint"]
        eid = ep["vpcEndpointId"]
        self.assertEqual(ep["privateDnsEnabled"], "true")
        self.assertEqual(len(ep["networkInterfaceIdSet"]), 2)
        names = [d["dnsName"] for d in ep["dnsEntrySet"]]
        self.assertEqual(len(names), 4)
        self.assertTrue(names[0].startswith(eid + "-") and names[0].endswith(".ssm.us-east-1.vpce.amazonaws.com"))
        self.assertIn("ssm.us-east-1.amazonaws.com", names)
        self.assertEqual(ep["groupSet"][0]["groupId"], self.default_sg(v))
        enis = self.c.ok("DescribeNetworkInterfaces", {"Filter": [{"Name": "vpc-id", "Value": [v]}]})
        enis = enis["networkInterfaceSet"]
        self.assertEqual(len(enis), 2)
        self.assertEqual(enis[0]["interfaceType"], "vpc_endpoint")
        self.assertEqual(enis[0]["requesterManaged"], "true")
        self.assertTrue(enis[0]["privateIpAddress"].startswith("10.0.1."))
        # a second private-DNS endpoint for the same service conflicts
        self.err("InvalidParameter", "CreateVpcEndpoint", dict(base, SubnetId=[s3]))
        # subnet and SG in use
        self.err("DependencyViolation", "DeleteSubnet", {"SubnetId": s1})
        # modify: swap subnets, add an SG
        g = self.c.ok("CreateSecurityGroup", {"GroupName": "e", "GroupDescription": "e", "VpcId": v})["groupId"]
        self.c.ok("ModifyVpcEndpoint", {"VpcEndpointId": eid, "RemoveSubnetId.1": s1, "AddSubnetId.1": s3,
                                        "AddSecurityGroupId.1": g})
        ep = self.c.ok("DescribeVpcEndpoints", {"VpcEndpointId.1": eid})["vpcEndpointSet"][0]
        self.assertEqual(sorted(ep["subnetIdSet"]), sorted([s2, s3]))
        self.assertEqual(len(ep["groupSet"]), 2)
        eni_subnets = sorted(e["subnetId"] for e in self.c.ok("DescribeNetworkInterfaces", {
            "Filter": [{"Name": "vpc-id", "Value": [v]}]})["networkInterfaceSet"])
        self.assertEqual(eni_subnets, sorted([s2, s3]))
        self.err("DependencyViolation", "DeleteSecurityGroup", {"GroupId": g})
        self.c.ok("DeleteSubnet", {"SubnetId": s1})
        self.err("DuplicateSubnetsInSameZone", "ModifyVpcEndpoint",
                 {"VpcEndpointId": eid, "AddSubnetId.1": self.subnet(v, "10.0.4.0/24", "us-east-1b")})
        self.c.ok("ModifyVpcEndpoint", {"VpcEndpointId": eid, "PrivateDnsEnabled": False,
                                        "PolicyDocument": '{"Statement":[]}'})
        ep = self.c.ok("DescribeVpcEndpoints", {"VpcEndpointId.1": eid})["vpcEndpointSet"][0]
        self.assertEqual(ep["privateDnsEnabled"], "false")
        self.assertEqual(ep["policyDocument"], '{"Statement":[]}')
        self.err("MalformedPolicyDocument", "ModifyVpcEndpoint", {"VpcEndpointId": eid, "PolicyDocument": "{"})
        self.c.ok("DeleteVpcEndpoints", {"VpcEndpointId.1": eid})
        self.assertEqual(self.sim.sim.world.enis, {})

    def test_services(self):
        r = self.c.ok("DescribeVpcEndpointServices")
        names = r["serviceNameSet"]
        for short in ("s3", "dynamodb", "ssm", "ssmmessages", "ec2messages", "ecr.api", "ecr.dkr", "sts",
                      "execute-api", "elasticloadbalancing"):
            self.assertIn("com.amazonaws.us-east-1." + short, names)
        s3 = [d for d in r["serviceDetailSet"] if d["serviceName"] == S3]
        self.assertEqual(sorted(d["serviceType"][0]["serviceType"] for d in s3), ["Gateway", "Interface"])
        r = self.c.ok("DescribeVpcEndpointServices", {"ServiceName.1": SSM})
        d = r["serviceDetailSet"][0]
        self.assertEqual((d["owner"], d["acceptanceRequired"], d["privateDnsName"]),
                         ("amazon", "false", "ssm.us-east-1.amazonaws.com"))
        self.assertEqual(len(d["availabilityZoneSet"]), 3)
        r = self.c.ok("DescribeVpcEndpointServices", {"Filter": [{"Name": "service-name", "Value": [S3]},
                                                                  {"Name": "service-type", "Value": ["Gateway"]}]})
        self.assertEqual(len(r["serviceDetailSet"]), 1)
        self.err("InvalidServiceName", "DescribeVpcEndpointServices", {"ServiceName.1": "com.example.nope"})


class PendingTests(Base):
    sim_args = {"pending_ms": 300}

    def test_operation_in_progress(self):
        v = self.vpc()
        rt = self.main_rtb(v)["routeTableId"]
        ep = self.c.ok("CreateVpcEndpoint", {"VpcId": v, "ServiceName": S3})["vpcEndpoint"]
        self.assertEqual(ep["state"], "pending")
        eid = ep["vpcEndpointId"]
        self.err("OperationInProgress", "ModifyVpcEndpoint", {"VpcEndpointId": eid, "AddRouteTableId.1": rt})
        time.sleep(0.35)
        st = self.c.ok("DescribeVpcEndpoints", {"VpcEndpointId.1": eid})["vpcEndpointSet"][0]["state"]
        self.assertEqual(st, "available")
        self.c.ok("ModifyVpcEndpoint", {"VpcEndpointId": eid, "AddRouteTableId.1": rt})
        self.err("OperationInProgress", "ModifyVpcEndpoint", {"VpcEndpointId": eid, "ResetPolicy": True})
        time.sleep(0.35)
        self.c.ok("DeleteVpcEndpoints", {"VpcEndpointId.1": eid})
        st = self.c.ok("DescribeVpcEndpoints", {"VpcEndpointId.1": eid})["vpcEndpointSet"][0]["state"]
        self.assertEqual(st, "deleting")
        time.sleep(0.35)
        self.err("InvalidVpcEndpointId.NotFound", "DescribeVpcEndpoints", {"VpcEndpointId.1": eid})


class IdempotencyTests(Base):
    def test_client_token(self):
        v = self.vpc()
        p = {"VpcId": v, "ServiceName": S3, "ClientToken": "tok-1"}
        a = self.c.ok("CreateVpcEndpoint", p)["vpcEndpoint"]["vpcEndpointId"]
        b = self.c.ok("CreateVpcEndpoint", p)["vpcEndpoint"]["vpcEndpointId"]
        self.assertEqual(a, b)
        self.assertEqual(len(self.sim.sim.world.endpoints), 1)
        self.err("IdempotentParameterMismatch", "CreateVpcEndpoint", dict(p, ServiceName=DDB))
        r1 = self.c.ok("CreateRouteTable", {"VpcId": v, "ClientToken": "rt"})["routeTable"]["routeTableId"]
        r2 = self.c.ok("CreateRouteTable", {"VpcId": v, "ClientToken": "rt"})["routeTable"]["routeTableId"]
        self.assertEqual(r1, r2)


class DescribeTests(Base):
    def test_filters_tags_pagination_notfound(self):
        vpcs = [self.vpc("10.%d.0.0/16" % i) for i in range(12)]
        self.c.ok("CreateTags", {"ResourceId": vpcs[:3], "Tag": [{"Key": "env", "Value": "prod"}]})
        r = self.c.ok("DescribeVpcs", {"Filter": [{"Name": "tag:env", "Value": ["prod"]}]})
        self.assertEqual(sorted(x["vpcId"] for x in r["vpcSet"]), sorted(vpcs[:3]))
        r = self.c.ok("DescribeVpcs", {"Filter": [{"Name": "tag-key", "Value": ["env"]},
                                                  {"Name": "cidr", "Value": ["10.1.*"]}]})
        self.assertEqual([x["vpcId"] for x in r["vpcSet"]], [vpcs[1]])
        self.c.ok("DeleteTags", {"ResourceId.1": vpcs[0], "Tag.1.Key": "env", "Tag.1.Value": "other"})
        self.assertEqual(len(self.c.ok("DescribeVpcs", {"Filter": [{"Name": "tag:env", "Value": ["prod"]}]})["vpcSet"]), 3)
        self.c.ok("DeleteTags", {"ResourceId.1": vpcs[0], "Tag.1.Key": "env"})
        self.assertEqual(len(self.c.ok("DescribeVpcs", {"Filter": [{"Name": "tag:env", "Value": ["prod"]}]})["vpcSet"]), 2)
        # pagination
        seen, token = [], None
        while True:
            p = {"MaxResults": 5}
            if token:
                p["NextToken"] = token
            r = self.c.ok("DescribeVpcs", p)
            seen += [x["vpcId"] for x in r["vpcSet"]]
            token = r.data.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, vpcs)
        self.err("InvalidPaginationToken", "DescribeVpcs", {"NextToken": "garbage"})
        self.err("InvalidParameterCombination", "DescribeVpcs", {"VpcId.1": vpcs[0], "MaxResults": 5})
        # NotFound by id vs omitted by filter
        gone = "vpc-0123456789abcdef0"
        r = self.err("InvalidVpcID.NotFound", "DescribeVpcs", {"VpcId": [vpcs[0], gone]})
        self.assertIn(gone, r.message)
        r = self.c.ok("DescribeVpcs", {"Filter": [{"Name": "vpc-id", "Value": [vpcs[0], gone]}]})
        self.assertEqual([x["vpcId"] for x in r["vpcSet"]], [vpcs[0]])
        self.err("InvalidVpcID.NotFound", "CreateTags", {"ResourceId.1": gone, "Tag.1.Key": "a"})
        self.err("InvalidID", "CreateTags", {"ResourceId.1": "bogus", "Tag.1.Key": "a"})
        self.err("InvalidParameterValue", "CreateTags", {"ResourceId.1": vpcs[0], "Tag.1.Key": "aws:x"})

    def test_endpoint_filters_and_tag_specs(self):
        v = self.vpc()
        ts = [{"ResourceType": "vpc-endpoint", "Tag": [{"Key": "Name", "Value": "s3"}]}]
        e1 = self.c.ok("CreateVpcEndpoint", {"VpcId": v, "ServiceName": S3, "TagSpecification": ts})
        e1 = e1["vpcEndpoint"]
        self.assertEqual(e1["tagSet"], [{"key": "Name", "value": "s3"}])
        self.err("InvalidParameterValue", "CreateVpcEndpoint", {"VpcId": v, "ServiceName": DDB, "TagSpecification": [
            {"ResourceType": "vpc", "Tag": [{"Key": "a", "Value": "b"}]}]})
        self.c.ok("CreateVpcEndpoint", {"VpcId": v, "ServiceName": DDB})
        for name, val, n in (("service-name", S3, 1), ("vpc-endpoint-type", "Gateway", 2),
                             ("vpc-endpoint-state", "available", 2), ("vpc-id", v, 2), ("tag:Name", "s3", 1),
                             ("vpc-endpoint-id", e1["vpcEndpointId"], 1)):
            r = self.c.ok("DescribeVpcEndpoints", {"Filter": [{"Name": name, "Value": [val]}]})
            self.assertEqual(len(r["vpcEndpointSet"]), n, name)
        self.err("InvalidParameterValue", "DescribeVpcEndpoints", {"Filter": [{"Name": "nope", "Value": ["x"]}]})
        r = self.c.ok("DescribeVpcEndpoints", {"MaxResults": 5})
        self.assertEqual(len(r["vpcEndpointSet"]), 2)


class ConsistencyTests(Base):
    sim_args = {"consistency_delay_ms": 300}

    def test_new_resource_invisible(self):
        r = self.c.ok("CreateVpc", {"CidrBlock": "10.0.0.0/16"})
        v = r["vpc"]["vpcId"]
        self.err("InvalidVpcID.NotFound", "DescribeVpcs", {"VpcId.1": v})
        self.assertEqual(self.c.ok("DescribeVpcs", {"Filter": [{"Name": "vpc-id", "Value": [v]}]})["vpcSet"], "")
        time.sleep(0.35)
        self.assertEqual(self.c.ok("DescribeVpcs", {"VpcId.1": v})["vpcSet"][0]["vpcId"], v)


if __name__ == "__main__":
    unittest.main()
