"""Cross-check with an independent client: botocore (Debian's python3-botocore, installed by
scripts/install-deps.sh) must be able to sign for, and parse the answers of, the simulator."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simclient import InProcessSim  # noqa: E402

import botocore.session  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


class BotocoreTests(unittest.TestCase):
    def test_round_trip(self):
        with InProcessSim() as s:
            c = botocore.session.get_session().create_client(
                "ec2", region_name="us-east-1", endpoint_url="http://127.0.0.1:%d" % s.port,
                aws_access_key_id="test", aws_secret_access_key="test")
            v = c.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "a b&c"}]}])["Vpc"]
            self.assertEqual(v["Tags"], [{"Key": "Name", "Value": "a b&c"}])
            c.modify_vpc_attribute(VpcId=v["VpcId"], EnableDnsHostnames={"Value": True})
            sn = c.create_subnet(VpcId=v["VpcId"], CidrBlock="10.0.1.0/24")["Subnet"]
            rt = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [v["VpcId"]]}])["RouteTables"][0]
            gw = c.create_vpc_endpoint(VpcId=v["VpcId"], ServiceName="com.amazonaws.us-east-1.s3",
                                       RouteTableIds=[rt["RouteTableId"]])["VpcEndpoint"]
            self.assertEqual(gw["RouteTableIds"], [rt["RouteTableId"]])
            ie = c.create_vpc_endpoint(VpcId=v["VpcId"], ServiceName="com.amazonaws.us-east-1.ssm",
                                       VpcEndpointType="Interface", SubnetIds=[sn["SubnetId"]],
                                       ClientToken="t1")["VpcEndpoint"]
            self.assertTrue(ie["PrivateDnsEnabled"])
            self.assertEqual(len(ie["NetworkInterfaceIds"]), 1)
            eps = c.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [v["VpcId"]]}])["VpcEndpoints"]
            self.assertEqual(len(eps), 2)
            with self.assertRaises(ClientError) as cm:
                c.delete_vpc(VpcId=v["VpcId"])
            self.assertEqual(cm.exception.response["Error"]["Code"], "DependencyViolation")
            r = c.delete_vpc_endpoints(VpcEndpointIds=[gw["VpcEndpointId"], ie["VpcEndpointId"]])
            self.assertEqual(r["Unsuccessful"], [])


if __name__ == "__main__":
    unittest.main()
