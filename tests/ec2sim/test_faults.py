"""ec2sim: token buckets, fault injection, control endpoint, save/load, and the CLI process."""

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import unittest.mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from simclient import Client, InProcessSim  # noqa: E402

GONE = {"VpcEndpointId.1": "vpce-00000000000000000"}


class BucketTests(unittest.TestCase):
    def test_endpoint_bucket_and_time_scale(self):
        with InProcessSim(buckets=True, time_scale=10) as s:
            c = s.client()
            for _ in range(4):
                self.assertTrue(c.call("DeleteVpcEndpoints", GONE).ok)
            r = c.call("DeleteVpcEndpoints", GONE)
            self.assertEqual((r.status, r.code), (503, "RequestLimitExceeded"))
            # other buckets are independent
            self.assertTrue(c.call("DescribeVpcs").ok)
            self.assertTrue(c.call("CreateInternetGateway").ok)
            time.sleep(0.45)  # 0.3/s * 10 = 3 tokens/s
            self.assertTrue(c.call("DeleteVpcEndpoints", GONE).ok)
            st, counts = c.control("GET", "/_sim/counts")
            self.assertEqual(counts["errors"]["RequestLimitExceeded"], 1)
            self.assertEqual(counts["actions"]["DeleteVpcEndpoints"], 6)

    def test_describe_bucket_capacity(self):
        with InProcessSim(buckets=True, time_scale=0.001) as s:
            c = s.client()
            codes = [c.call("DescribeVpcs").code for _ in range(102)]
            self.assertEqual(codes[:100], [None] * 100)
            self.assertEqual(codes[100:], ["RequestLimitExceeded"] * 2)
            c.control("POST", "/_sim/faults", {"buckets": False})
            self.assertTrue(c.call("DescribeVpcs").ok)


class FaultTests(unittest.TestCase):
    def test_throttle_and_errors(self):
        with InProcessSim(throttle_prob=1.0) as s:
            c = s.client()
            r = c.call("DescribeVpcs")
            self.assertEqual((r.status, r.code), (503, "RequestLimitExceeded"))
            c.control("POST", "/_sim/faults", {"throttle_prob": 0, "error_prob": 1})
            codes = set()
            for _ in range(20):
                r = c.call("DescribeVpcs")
                codes.add((r.status, r.code))
            self.assertEqual(codes, {(500, "InternalError"), (503, "Unavailable")})
            c.control("POST", "/_sim/faults", {"error_prob": 0})
            self.assertTrue(c.call("DescribeVpcs").ok)

    def test_drop_before_and_after(self):
        with InProcessSim(drop_prob=1.0) as s:
            c = s.client()
            with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
                c.call("CreateInternetGateway")
            self.assertEqual(s.sim.world.igws, {})
            c.control("POST", "/_sim/faults", {"drop_prob": 0, "drop_after_prob": 1})
            with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
                c.call("CreateInternetGateway")
            self.assertEqual(len(s.sim.world.igws), 1)  # applied, answer lost
            st, counts = c.control("GET", "/_sim/counts")
            self.assertEqual(counts["dropped"], 2)

    def test_faults_limited_to_actions(self):
        with InProcessSim() as s:
            c = s.client()
            st, _ = c.control("POST", "/_sim/faults",
                              {"throttle_prob": 1, "fault_actions": ["CreateInternetGateway"]})
            self.assertEqual(st, 200)
            self.assertTrue(c.call("DescribeVpcs").ok)  # not a listed action: untouched
            r = c.call("CreateInternetGateway")
            self.assertEqual(r.code, "RequestLimitExceeded")
            st, _ = c.control("POST", "/_sim/faults", {"fault_actions": "CreateVpc"})
            self.assertEqual(st, 400)  # a list of names, not a string

    def test_latency(self):
        # The behaviour (the server sleeps latency_ms before it answers), not a measured time.
        import server  # noqa: E402 (the module InProcessSim runs in this process)
        with InProcessSim(latency_ms=200) as s:
            with unittest.mock.patch.object(server.time, "sleep", wraps=time.sleep) as slept:
                self.assertTrue(s.client().call("DescribeVpcs").ok)
            self.assertIn(unittest.mock.call(0.2), slept.call_args_list)

    def test_refuse_filters(self):
        with InProcessSim() as s:
            c = s.client()
            vpc = c.ok("CreateVpc", {"CidrBlock": "10.0.0.0/16"}).data["vpc"]["vpcId"]
            by_filter = {"Filter": [{"Name": "vpc-id", "Value": [vpc]}]}
            self.assertTrue(c.call("DescribeVpcs", by_filter).ok)
            st, _ = c.control("POST", "/_sim/faults", {"refuse_filters": ["DescribeVpcs:vpc-id"]})
            self.assertEqual(st, 200)
            r = c.call("DescribeVpcs", by_filter)
            self.assertEqual(r.status, 500)
            self.assertTrue(r.body.startswith("<!doctype html>"), r.body)
            self.assertTrue(c.call("DescribeVpcs", {"VpcId": [vpc]}).ok)  # the id list works
            self.assertTrue(c.call("DescribeSubnets", {"Filter": [{"Name": "vpc-id", "Value": [vpc]}]}).ok)
            c.control("POST", "/_sim/faults", {"refuse_shape": "invalid"})
            r = c.call("DescribeVpcs", by_filter)
            self.assertEqual((r.status, r.code), (400, "InvalidParameterValue"))
            st, counts = c.control("GET", "/_sim/counts")
            self.assertEqual(counts["errors"].get("HTML500"), 1)
            st, _ = c.control("POST", "/_sim/faults", {"refuse_shape": "teapot"})
            self.assertEqual(st, 400)
            c.control("POST", "/_sim/faults", {"refuse_filters": []})
            self.assertTrue(c.call("DescribeVpcs", by_filter).ok)

    def test_bad_faults_rejected(self):
        with InProcessSim() as s:
            st, body = s.client().control("POST", "/_sim/faults", {"nope": 1})
            self.assertEqual(st, 400)
            st, body = s.client().control("POST", "/_sim/faults", {"drop_prob": 2})
            self.assertEqual(st, 400)


class ControlTests(unittest.TestCase):
    def test_world_counts_reset_mutate_save_load(self):
        with InProcessSim() as s:
            c = s.client()
            v = c.ok("CreateVpc", {"CidrBlock": "10.0.0.0/16"})["vpc"]["vpcId"]
            rt = c.ok("DescribeRouteTables")["routeTableSet"][0]["routeTableId"]
            e = c.ok("CreateVpcEndpoint", {"VpcId": v, "ServiceName": "com.amazonaws.us-east-1.s3",
                                           "RouteTableId.1": rt})["vpcEndpoint"]["vpcEndpointId"]
            st, w = c.control("GET", "/_sim/world")
            self.assertEqual(st, 200)
            self.assertEqual([x["VpcId"] for x in w["vpcs"]], [v])
            self.assertEqual(len(w["route_tables"][0]["Routes"]), 2)
            self.assertEqual(w["vpc_endpoints"][0]["VpcEndpointId"], e)
            self.assertEqual(len(w["security_groups"][0]["Rules"]), 2)
            st, counts = c.control("GET", "/_sim/counts")
            self.assertEqual(counts["actions"], {"CreateVpc": 1, "DescribeRouteTables": 1, "CreateVpcEndpoint": 1})
            self.assertEqual(counts["total"], 3)
            c.control("POST", "/_sim/counts/reset")
            self.assertEqual(c.control("GET", "/_sim/counts")[1]["total"], 0)
            # save, drift, load
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "world.json")
                self.assertEqual(c.control("POST", "/_sim/save", {"path": path})[0], 200)
                c.control("POST", "/_sim/mutate", {"op": "tag", "id": e, "key": "k", "value": "v"})
                r = c.ok("DescribeVpcEndpoints", {"Filter": [{"Name": "tag:k", "Value": ["v"]}]})
                self.assertEqual(len(r["vpcEndpointSet"]), 1)
                c.control("POST", "/_sim/mutate", {"op": "delete", "id": e})
                c.control("POST", "/_sim/mutate", {"op": "delete", "id": e})
                self.assertEqual(c.call("DescribeVpcEndpoints", {"VpcEndpointId.1": e}).code,
                                 "InvalidVpcEndpointId.NotFound")
                routes = c.ok("DescribeRouteTables")["routeTableSet"][0]["routeSet"]
                self.assertEqual(len(routes), 1)
                self.assertEqual(c.control("POST", "/_sim/mutate", {"op": "delete", "id": "vpce-1"})[0], 400)
                self.assertEqual(c.control("POST", "/_sim/load", {"path": path})[0], 200)
                self.assertTrue(c.call("DescribeVpcEndpoints", {"VpcEndpointId.1": e}).ok)
            c.control("POST", "/_sim/reset")
            self.assertEqual(c.ok("DescribeVpcs")["vpcSet"], "")
            self.assertEqual(c.control("GET", "/_sim/nope")[0], 404)

    def test_bad_input_never_kills_server(self):
        with InProcessSim() as s:
            c = s.client()
            self.assertEqual(c.raw(b"\xff\xfe=\x00").status // 100, 4)
            self.assertEqual(c.raw("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&"
                                   "Filter.1.Name=x").code, "InvalidParameterValue")
            self.assertEqual(c.raw("Action=CreateVpc&Version=2016-11-15&CidrBlock=zz").code,
                             "InvalidParameterValue")
            self.assertTrue(c.call("DescribeVpcs").ok)


class CliTests(unittest.TestCase):
    def test_process_port_file_sigterm_state(self):
        with tempfile.TemporaryDirectory() as d:
            pf, sf = os.path.join(d, "port"), os.path.join(d, "state.json")
            cmd = [sys.executable, os.path.join(HERE, "ec2sim.py"), "--port", "0", "--port-file", pf,
                   "--state-file", sf, "--seed", "7", "--pending-ms", "0"]
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            try:
                line = p.stdout.readline()
                self.assertRegex(line, r"^ec2sim listening on http://127\.0\.0\.1:\d+$")
                port = int(line.rsplit(":", 1)[1])
                with open(pf) as fh:
                    self.assertEqual(int(fh.read()), port)
                c = Client(port)
                v = c.ok("CreateVpc", {"CidrBlock": "10.0.0.0/16"})["vpc"]["vpcId"]
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(10), 0)
            finally:
                if p.poll() is None:
                    p.kill()
                p.stdout.close()
            with open(sf) as fh:
                self.assertIn(v, json.load(fh)["vpcs"])
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            try:
                port = int(p.stdout.readline().rsplit(":", 1)[1])
                c = Client(port)
                self.assertTrue(c.call("DescribeVpcs", {"VpcId.1": v}).ok)
                self.assertEqual(c.control("POST", "/_sim/shutdown")[0], 200)
                self.assertEqual(p.wait(10), 0)
            finally:
                if p.poll() is None:
                    p.kill()
                p.stdout.close()


if __name__ == "__main__":
    unittest.main()
