"""End to end: `vpce completion bash` sourced in bash completes commands, a command's flags
(read from its -help), state subcommands, and resource addresses from the state (applied
against the simulator) for `state show` and `-target`, and configuration addresses for
`import`. The zsh script is checked for its #compdef line and the same command list."""
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import BINARY, Sim, vpce, workdir  # noqa: E402

CONFIG = """
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.2.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.2.1.0/24"
}
"""


class Completion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.dir = workdir({"main.vpce": CONFIG})
        vpce(cls.sim, cls.dir, "apply", "-auto-approve", check=0)
        cls.bin_dir = os.path.join(cls.dir, "bin")
        os.makedirs(cls.bin_dir)
        os.symlink(os.path.abspath(BINARY), os.path.join(cls.bin_dir, "vpce"))
        cls.script = subprocess.run([BINARY, "completion", "bash"], capture_output=True,
                                    text=True, check=True).stdout

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def complete(self, *words):
        """COMPREPLY for the command line `vpce WORDS...` (the last word being completed)."""
        quoted = " ".join("'%s'" % w for w in ("vpce",) + words)
        prog = "%s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_vpce\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n" % (
            self.script, quoted, len(words))
        env = dict(os.environ, PATH=self.bin_dir + os.pathsep + os.environ["PATH"])
        p = subprocess.run(["bash", "-c", prog], cwd=self.dir, env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [x for x in p.stdout.split("\n") if x]

    def test_commands(self):
        self.assertEqual(self.complete("pl"), ["plan"])
        got = self.complete("")
        for c in ("plan", "apply", "check", "state", "completion"):
            self.assertIn(c, got)
        self.assertNotIn("__addresses", got)

    def test_flags_from_help(self):
        self.assertEqual(self.complete("plan", "-markdown-s"), ["-markdown-split"])
        self.assertIn("-json", self.complete("check", "-"))

    def test_state_addresses(self):
        self.assertEqual(self.complete("state", ""), ["list", "show", "rm", "mv", "history"])
        self.assertEqual(sorted(self.complete("state", "show", "")), ["aws_subnet.a", "aws_vpc.main"])
        self.assertEqual(self.complete("plan", "-target", "aws_v"), ["aws_vpc.main"])
        self.assertEqual(sorted(self.complete("import", "aws_")), ["aws_subnet.a", "aws_vpc.main"])

    def test_zsh_script(self):
        z = subprocess.run([BINARY, "completion", "zsh"], capture_output=True, text=True,
                           check=True).stdout
        self.assertTrue(z.startswith("#compdef vpce\n"))
        self.assertIn(" check ", z)
        self.assertIn("compdef _vpce vpce", z)
        bad = subprocess.run([BINARY, "completion", "fish"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)


if __name__ == "__main__":
    unittest.main()
