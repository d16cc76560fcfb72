"""End to end: a saved plan. `vpce plan -out` before any state exists, then `vpce apply FILE`
applies exactly it (creating the state); a plan saved before the state changed is refused as
stale and changes nothing; `vpce show` renders a saved plan as plan printed it."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_support as e2e  # noqa: E402

CONFIG = """
resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
  tags = {
    Name = "%s"
  }
}
"""


class SavedPlan(unittest.TestCase):
    def setUp(self):
        self.sim = e2e.Sim("--buckets", "off")
        self.dir = e2e.workdir({"main.vpce": CONFIG % "first"})

    def tearDown(self):
        self.sim.stop()

    def write(self, name):
        with open(os.path.join(self.dir, "main.vpce"), "w") as f:
            f.write(CONFIG % name)

    def test_saved_plan_round(self):
        self.assertFalse(os.path.exists(os.path.join(self.dir, "vpce.db")))
        _, planned, _ = e2e.vpce(self.sim, self.dir, "plan", "-no-color", "-out", "first.plan",
                                 check=0)
        _, shown, _ = e2e.vpce(self.sim, self.dir, "show", "-no-color", "first.plan", check=0)
        self.assertIn(shown.strip(), planned)
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "-no-color", "first.plan")
        self.assertEqual(code, 0, err)
        self.assertIn("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.", out)

        # Two plans of two edits; applying the first makes the second stale.
        self.write("second")
        e2e.vpce(self.sim, self.dir, "plan", "-out", "second.plan", check=0)
        self.write("third")
        e2e.vpce(self.sim, self.dir, "plan", "-out", "third.plan", check=0)
        self.write("second")
        e2e.vpce(self.sim, self.dir, "apply", "second.plan", check=0)
        self.write("third")
        code, out, err = e2e.vpce(self.sim, self.dir, "apply", "third.plan")
        self.assertEqual(code, 1)
        self.assertIn("saved plan is stale", err)
        vpcs = e2e.live(self.sim.world()["vpcs"])
        self.assertEqual(len(vpcs), 1)
        tags = {t["Key"]: t["Value"] for t in vpcs[0].get("Tags", [])}
        self.assertEqual(tags.get("Name"), "second")


if __name__ == "__main__":
    unittest.main(verbosity=2)
