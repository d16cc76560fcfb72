"""End to end: a failure stops what depends on it and nothing else. The end of the run lists what
succeeded, what failed (with EC2's error code and message) and what was not attempted; the state
records exactly what succeeded, and fixing the configuration finishes the job."""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_support as e2e  # noqa: E402

CONFIG = """
resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "good" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.1.0/24"
}

resource "aws_subnet" "bad" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "%s"
}

resource "aws_route_table" "rt" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "bad" {
  subnet_id      = aws_subnet.bad.id
  route_table_id = aws_route_table.rt.id
}
"""


class PartialFailure(unittest.TestCase):
    def setUp(self):
        self.sim = e2e.Sim("--buckets", "off")
        self.dir = e2e.workdir({"main.vpce": CONFIG % "10.99.0.0/24"})  # outside the VPC

    def tearDown(self):
        self.sim.stop()

    def test_failure_stops_dependents_only(self):
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", "-no-color")
        self.assertEqual(code, 1, out + err)
        self.assertIn("Apply failed: 3 added, 0 changed, 0 destroyed; 1 failed, 1 not attempted.",
                      err)
        succeeded = err.split("Succeeded (recorded in the state):\n")[1].split("\n\n")[0]
        self.assertEqual(sorted(ln.split()[0] for ln in succeeded.splitlines()),
                         ["aws_route_table.rt", "aws_subnet.good", "aws_vpc.main"])
        failed = err.split("Failed:\n")[1].split("\n\n")[0]
        self.assertIn("aws_subnet.bad: InvalidSubnet.Range", failed)
        skipped = err.split("Not attempted (they depend on a failed change):\n")[1]
        self.assertEqual(skipped.split(), ["aws_route_table_association.bad"])

        code, out, _ = e2e.vpce(self.sim, self.dir, "state", "list", check=0)
        self.assertEqual(out.split(), ["aws_route_table.rt", "aws_subnet.good", "aws_vpc.main"])
        # The history holds the failed run with each change it made, before and after.
        db = sqlite3.connect(os.path.join(self.dir, "vpce.db"))
        (hid, status), = db.execute("SELECT id, status FROM history").fetchall()
        self.assertEqual(status, "error")
        rows = db.execute("SELECT address, action, before, after FROM history_changes "
                          "WHERE history_id = ? ORDER BY address", (hid,)).fetchall()
        db.close()
        self.assertEqual([(a, act, b) for a, act, b, _ in rows],
                         [("aws_route_table.rt", "create", None),
                          ("aws_subnet.good", "create", None),
                          ("aws_vpc.main", "create", None)])
        self.assertEqual(json.loads(rows[1][3])["cidr_block"], "10.20.1.0/24")
        self.assertEqual(len(e2e.live(self.sim.world()["subnets"])), 1)

        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(CONFIG % "10.20.2.0/24")
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-auto-approve", "-no-color",
                                  check=0)
        self.assertIn("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.", out)
        e2e.vpce(self.sim, self.dir, "plan", "-detailed-exitcode", check=0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
