#!/usr/bin/env python3
"""The pull-request comment script (contrib/github-actions/vpce-pr-comment.py) against a fake
GitHub API on loopback (a standard-library HTTP server on a free port, started here): the first
run creates one comment, the second updates it in place, a plan longer than a comment is split
into several marked comments, and fewer parts later delete the extra ones. The Markdown comes
from `vpce plan -markdown` of the seed, planned offline. The GitLab mode talks to the same fake
with GitLab's paths."""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_support import Sim  # noqa: E402

SRC = os.environ.get("VPCE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(SRC, "contrib", "github-actions", "vpce-pr-comment.py")
BINARY = os.environ.get("VPCE_BINARY")


class FakeForge(http.server.BaseHTTPRequestHandler):
    """Issue comments of one pull request (GitHub) or notes of one merge request (GitLab)."""
    comments = {}
    next_id = [100]
    log = []

    def log_message(self, *a):
        pass

    def _send(self, code, obj=None):
        raw = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _auth_ok(self):
        return (self.headers.get("Authorization") == "Bearer secret-token"
                or self.headers.get("PRIVATE-TOKEN") == "secret-token")

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n))["body"]

    def _route(self):
        path = self.path.split("?")[0]
        for prefix in ("/repos/o/r/issues/7/comments", "/api/v4/projects/42/merge_requests/7/notes"):
            if path == prefix:
                return "list", None
            if path.startswith(prefix + "/"):
                return "item", int(path[len(prefix) + 1:])
        if path.startswith("/repos/o/r/issues/comments/"):
            return "item", int(path.rsplit("/", 1)[1])
        return None, None

    def handle_any(self, method):
        if not self._auth_ok():
            return self._send(401, {"message": "Bad credentials"})
        kind, cid = self._route()
        FakeForge.log.append((method, kind))
        if kind == "list" and method == "GET":
            q = dict(p.split("=") for p in self.path.split("?")[1].split("&"))
            items = sorted(FakeForge.comments.items())
            per, page = int(q["per_page"]), int(q["page"])
            return self._send(200, [{"id": i, "body": b} for i, b in items[(page - 1) * per:page * per]])
        if kind == "list" and method == "POST":
            body = self._body()
            if len(body) > 65536:
                return self._send(422, {"message": "body is too long (maximum is 65536 characters)"})
            FakeForge.next_id[0] += 1
            FakeForge.comments[FakeForge.next_id[0]] = body
            return self._send(201, {"id": FakeForge.next_id[0]})
        if kind == "item" and cid in FakeForge.comments:
            if method in ("PATCH", "PUT"):
                FakeForge.comments[cid] = self._body()
                return self._send(200, {"id": cid})
            if method == "DELETE":
                del FakeForge.comments[cid]
                return self._send(204)
        return self._send(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


class PrCommentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeForge)
        cls.port = cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        FakeForge.comments.clear()
        FakeForge.comments[1] = "an unrelated comment from a reviewer"
        FakeForge.log.clear()
        self.tmp = tempfile.mkdtemp(prefix="vpce-pr-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_script(self, *args, forge="github"):
        env = dict(os.environ, GITHUB_TOKEN="secret-token", GITHUB_REPOSITORY="o/r",
                   VPCE_PR_NUMBER="7", GITHUB_API_URL="http://127.0.0.1:%d" % self.port)
        if forge == "gitlab":
            env.update(VPCE_FORGE="gitlab", VPCE_GITLAB_TOKEN="secret-token", CI_PROJECT_ID="42",
                       CI_MERGE_REQUEST_IID="7", CI_API_V4_URL="http://127.0.0.1:%d/api/v4" % self.port)
        p = subprocess.run([sys.executable, SCRIPT] + list(args), env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def mine(self):
        return {i: b for i, b in FakeForge.comments.items() if b.startswith("<!-- vpce-plan")}

    def seed_markdown(self):
        if not BINARY:
            return "## vpce plan\n\n**Plan: 18 to add, 0 to change, 0 to destroy.**\n"
        d = os.path.join(self.tmp, "seed")
        shutil.copytree(os.path.join(SRC, "examples", "seed"), d)
        sim = Sim()  # an empty account: the plan creates everything
        try:
            p = subprocess.run([BINARY, "plan", "-markdown"], cwd=d, env=sim.env(),
                               capture_output=True, text=True, timeout=120)
        finally:
            sim.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("**Plan: 18 to add", p.stdout)
        return p.stdout

    def test_creates_once_then_updates(self):
        plan = self.write("plan.md", self.seed_markdown())
        self.run_script(plan)
        self.assertEqual(len(self.mine()), 1)
        (cid, body), = self.mine().items()
        self.assertTrue(body.startswith("<!-- vpce-plan part=1 -->\n## vpce plan"))
        self.write("plan.md", "## vpce plan\n\n**Plan: 1 to add, 0 to change, 0 to destroy.**\n")
        out = self.run_script(plan)
        self.assertIn("updated part 1", out)
        self.assertEqual(list(self.mine()), [cid])
        self.assertIn("1 to add", FakeForge.comments[cid])
        self.assertEqual([m for m, _ in FakeForge.log].count("POST"), 1)
        self.assertEqual(FakeForge.comments[1], "an unrelated comment from a reviewer")

    def test_splits_when_too_long_and_deletes_extra_parts(self):
        line = "| create | `aws_vpc_endpoint.interface[\"svc-%05d\"]` |\n"
        big = "## vpce plan\n\n" + "".join(line % i for i in range(3000))
        self.assertGreater(len(big), 2 * 65536)
        self.run_script(self.write("plan.md", big))
        parts = sorted(self.mine().items())
        self.assertEqual(len(parts), 3)
        for n, (_, body) in enumerate(parts, 1):
            self.assertTrue(body.startswith("<!-- vpce-plan part=%d -->\n" % n))
            self.assertLessEqual(len(body), 65536)
        joined = "".join(b.split("\n", 1)[1] for _, b in parts)
        self.assertEqual(joined.count("svc-"), 3000)
        self.run_script(self.write("plan.md", "## vpce plan\n\nsmall now\n"))
        self.assertEqual(len(self.mine()), 1)
        self.assertIn("small now", list(self.mine().values())[0])

    def test_several_files_are_parts(self):
        a = self.write("plan-1.md", "summary")
        b = self.write("plan-2.md", "details")
        self.run_script(a, b)
        bodies = sorted(self.mine().values())
        self.assertEqual(bodies, ["<!-- vpce-plan part=1 -->\nsummary", "<!-- vpce-plan part=2 -->\ndetails"])

    def test_no_changes_skipped_only_without_comment(self):
        nc = self.write("plan.md", "No changes. Your infrastructure matches the configuration.\n")
        self.assertIn("nothing posted", self.run_script("--skip-no-changes", nc))
        self.assertEqual(self.mine(), {})
        self.run_script(self.write("plan.md", "## vpce plan\n\nsomething\n"))
        self.run_script("--skip-no-changes", self.write("plan.md", "No changes. Your infrastructure matches the configuration.\n"))
        self.assertIn("No changes.", list(self.mine().values())[0])

    def test_gitlab_notes(self):
        plan = self.write("plan.md", "## vpce plan\n\nfirst\n")
        self.run_script(plan, forge="gitlab")
        self.write("plan.md", "## vpce plan\n\nsecond\n")
        self.run_script(plan, forge="gitlab")
        self.assertEqual(len(self.mine()), 1)
        self.assertIn("second", list(self.mine().values())[0])
        self.assertIn(("PUT", "item"), FakeForge.log)


if __name__ == "__main__":
    unittest.main()
