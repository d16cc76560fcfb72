"""End to end: crash safety of apply. `vpce apply` of examples/seed is killed with SIGKILL right
after the simulator has received its k-th request, for ten values of k spread over the whole
apply; the next apply reconciles the journal (adopting what the killed run made) and finishes.
Then the world holds exactly the configured objects (none duplicated, none orphaned: every object
carrying a vpce:address tag is the one the state records at that address) and the plan is
clean."""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import BINARY, Sim, live, vpce, workdir  # noqa: E402

LATENCY_MS = 30  # per request, so the kill lands close to the k-th request
POINTS = 10

# vpce's own request pacing would dominate the run (4 endpoint writes, then 0.3/s).
PROVIDER_FAST = '''provider "aws" {
  region = var.region
  rate_limits {
    endpoint_capacity = 1000
    endpoint_refill   = 1000
  }
}'''

TAGGED = {
    "aws_vpc.main", "aws_subnet.public", "aws_subnet.private[0]", "aws_subnet.private[1]",
    "aws_internet_gateway.main", "aws_route_table.public", "aws_route_table.private",
    "aws_security_group.endpoints", "aws_vpc_endpoint.s3", "aws_vpc_endpoint.dynamodb",
    'aws_vpc_endpoint.interface["ssm"]', 'aws_vpc_endpoint.interface["ssmmessages"]',
    'aws_vpc_endpoint.interface["ec2messages"]',
}
UNTAGGED = {
    "aws_route.public_internet", "aws_route_table_association.public",
    "aws_route_table_association.private[0]", "aws_route_table_association.private[1]",
    "aws_vpc_endpoint_route_table_association.dynamodb_private",
}


def seed_dir():
    d = workdir(seed=True)
    path = os.path.join(d, "main.vpce")
    with open(path) as f:
        text = f.read()
    old = 'provider "aws" {\n  region = var.region\n}'
    assert old in text, "examples/seed changed its provider block"
    with open(path, "w") as f:
        f.write(text.replace(old, PROVIDER_FAST))
    return d


def fresh(sim):
    sim.post("/_sim/reset", {})
    sim.post("/_sim/counts/reset", {})
    sim.post("/_sim/faults", {"latency_ms": LATENCY_MS})


def state_ids(sim, d):
    """address -> id of the state, from `vpce show -json`."""
    import json
    _, out, _ = vpce(sim, d, "show", "-json", check=0)
    res = json.loads(out)["values"]["root_module"]["resources"]
    return {r["address"]: r["values"].get("id") for r in res}



def apply_killed_at(sim, d, k):
    """Starts `vpce apply -auto-approve` in d and kills it (SIGKILL) as soon as the simulator has
    counted k requests. Returns the process's exit status and the count seen last."""
    p = subprocess.Popen([BINARY, "apply", "-auto-approve", "-no-color"], cwd=d, env=sim.env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = 0
    while p.poll() is None:
        seen = sim.get("/_sim/counts")["total"]
        if seen >= k:
            p.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    p.wait()
    return p.returncode, seen

class ApplyCrash(unittest.TestCase):
    def check_world(self, sim, d):
        w = sim.world()
        tags = w["tags"]
        vpcs = w["vpcs"]
        eps = live(w["vpc_endpoints"])
        rts = w["route_tables"]
        sgs = w["security_groups"]
        self.assertEqual(len(vpcs), 1, vpcs)
        self.assertEqual(len(w["subnets"]), 3)
        nonmain = [r for r in rts if not any(a.get("Main") for a in r.get("Associations", []))]
        self.assertEqual(len(nonmain), 2)
        self.assertEqual(len(w["internet_gateways"]), 1)
        self.assertEqual(len([g for g in sgs if g["GroupName"] != "default"]), 1)
        self.assertEqual(len(eps), 5)

        # Every tagged object once, and it is the object of that address in the state.
        objs = ([(v["VpcId"]) for v in vpcs] + [s["SubnetId"] for s in w["subnets"]]
                + [r["RouteTableId"] for r in rts] + [g["GroupId"] for g in sgs]
                + [i["InternetGatewayId"] for i in w["internet_gateways"]]
                + [e["VpcEndpointId"] for e in eps])
        by_addr = {}
        for oid in objs:
            a = tags.get(oid, {}).get("vpce:address")
            if a:
                by_addr.setdefault(a, []).append(oid)
        dups = {a: ids for a, ids in by_addr.items() if len(ids) > 1}
        self.assertEqual(dups, {}, "duplicated objects")
        self.assertEqual(set(by_addr), TAGGED)
        st = state_ids(sim, d)
        self.assertEqual(set(st), TAGGED | UNTAGGED)
        for a, ids in by_addr.items():
            self.assertEqual(st[a], ids[0], "%s: the object in EC2 is not the one in the state" % a)

        # Routes and associations: none missing, none duplicated.
        rt_pub = next(r for r in rts if r["RouteTableId"] == st["aws_route_table.public"])
        rt_priv = next(r for r in rts if r["RouteTableId"] == st["aws_route_table.private"])
        igw = st["aws_internet_gateway.main"]
        pub_routes = sorted((r.get("DestinationCidrBlock"), r.get("GatewayId"))
                            for r in rt_pub["Routes"])
        self.assertEqual(pub_routes, sorted([("10.0.0.0/16", "local"), ("0.0.0.0/0", igw)]))
        priv_routes = sorted((r.get("DestinationPrefixListId") or r.get("DestinationCidrBlock"),
                              r.get("GatewayId")) for r in rt_priv["Routes"])
        self.assertEqual(priv_routes, sorted([
            ("10.0.0.0/16", "local"), ("pl-63a5400a", st["aws_vpc_endpoint.s3"]),
            ("pl-02cd2c6b", st["aws_vpc_endpoint.dynamodb"])]))
        self.assertEqual(sorted(a.get("SubnetId") for a in rt_pub["Associations"]),
                         [st["aws_subnet.public"]])
        self.assertEqual(sorted(a.get("SubnetId") for a in rt_priv["Associations"]),
                         sorted([st["aws_subnet.private[0]"], st["aws_subnet.private[1]"]]))
        g = w["internet_gateways"][0]
        self.assertEqual([a.get("VpcId") for a in g.get("Attachments", [])], [vpcs[0]["VpcId"]])
        sg = next(x for x in sgs if x["GroupId"] == st["aws_security_group.endpoints"])
        self.assertEqual(len(sg["Rules"]), 2, sg["Rules"])  # HTTPS in, all out

    def apply_until_done(self, sim, d):
        """Runs apply up to three times (a run may end with recoverable errors); returns the
        lines the journal reconciliation printed."""
        notes = []
        for attempt in range(3):
            rc, out, err = vpce(sim, d, "apply", "-auto-approve", "-no-color")
            if attempt == 0:
                # The killed run died holding the state lock (it is taken before the first
                # request): the next run on this host takes it over and says so.
                self.assertIn("took over the state lock of a run that is no longer running", err)
            notes += [ln.strip() for ln in err.splitlines() if ln.startswith("  aws_")]
            if rc == 0:
                return notes
        self.fail("apply did not converge: %s\n%s" % (out, err))

    def test_sigkill_at_ten_points(self):
        started = time.time()
        sim = Sim("--seed", "13", "--pending-ms", "20", "--buckets", "off")
        try:
            # An uninterrupted apply: how many requests it takes.
            fresh(sim)
            d = seed_dir()
            vpce(sim, d, "apply", "-auto-approve", "-no-color", check=0)
            total = sim.get("/_sim/counts")["total"]
            self.check_world(sim, d)
            ks = sorted({max(1, round(total * i / (POINTS + 1))) for i in range(1, POINTS + 1)})
            self.assertEqual(len(ks), POINTS)
            adopted_total = 0
            report = []
            for k in ks:
                fresh(sim)
                d = seed_dir()
                returncode, seen = apply_killed_at(sim, d, k)
                self.assertEqual(returncode, -signal.SIGKILL,
                                 "k=%d: the apply ended before its k-th request" % k)
                # Requests the killed process had in flight still land (the answer is lost).
                time.sleep(0.2)
                sim.post("/_sim/faults", {"latency_ms": 0})
                notes = self.apply_until_done(sim, d)
                adopted = [n for n in notes if ": adopted " in n]
                adopted_total += len(adopted)
                untagged = [n for n in adopted if n.split(": ")[0] in UNTAGGED]
                report.append("k=%d (killed at %d): %d journal entries, %d adopted (%d without "
                              "tags)" % (k, seen, len(notes), len(adopted), len(untagged)))
                self.check_world(sim, d)
                vpce(sim, d, "plan", "-detailed-exitcode", "-no-color", check=0)
            sys.stderr.write("\nrequests of an uninterrupted apply: %d\n" % total)
            sys.stderr.write("\n".join(report) + "\n")
            sys.stderr.write("adopted in total: %d; %.1f s\n" % (adopted_total,
                                                                 time.time() - started))
        finally:
            sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
