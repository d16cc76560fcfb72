#!/usr/bin/env python3
"""Post or update the vpce plan comment on a pull request (GitHub) or merge request (GitLab).

Usage: vpce-pr-comment.py [--skip-no-changes] PART.md [PART.md ...]

The first file is the plan (what `vpce plan -markdown` prints, or part 1 of
`-markdown-split`); further files are its further parts. Each part becomes one comment, found
again on the next run by a hidden HTML marker (<!-- vpce-plan part=N -->), so a pull request
carries one set of plan comments that every push updates instead of piling up new ones. A part
longer than a comment can hold is split at line ends. Comments of parts a previous run had and
this one has not are deleted. With --skip-no-changes, a plan that is the one line "No changes."
is not posted when no comment exists yet (an existing comment is updated, so it never shows a
stale plan).

Environment (GitHub, the default): GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), the pull
request number in VPCE_PR_NUMBER or from the event in GITHUB_EVENT_PATH, GITHUB_API_URL
(default https://api.github.com).
GitLab (VPCE_FORGE=gitlab): VPCE_GITLAB_TOKEN (a token that may write notes), CI_API_V4_URL,
CI_PROJECT_ID, CI_MERGE_REQUEST_IID.

Python 3 standard library only.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

MARKER = "<!-- vpce-plan part=%d -->"
GITHUB_MAX = 65536  # characters in a comment body
GITLAB_MAX = 1000000


def fail(msg):
    sys.stderr.write("vpce-pr-comment: %s\n" % msg)
    sys.exit(1)


class Forge:
    def __init__(self):
        self.kind = os.environ.get("VPCE_FORGE", "github")
        if self.kind == "github":
            self.api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
            self.token = os.environ.get("GITHUB_TOKEN") or fail("GITHUB_TOKEN is not set")
            repo = os.environ.get("GITHUB_REPOSITORY") or fail("GITHUB_REPOSITORY is not set")
            number = os.environ.get("VPCE_PR_NUMBER")
            if not number and os.environ.get("GITHUB_EVENT_PATH"):
                with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as f:
                    number = str(json.load(f).get("pull_request", {}).get("number") or "")
            if not number:
                fail("no pull request number: set VPCE_PR_NUMBER or run on pull_request")
            self.list_url = "%s/repos/%s/issues/%s/comments" % (self.api, repo, number)
            self.item_url = "%s/repos/%s/issues/comments/%%s" % (self.api, repo)
            self.max = GITHUB_MAX
        elif self.kind == "gitlab":
            self.api = (os.environ.get("CI_API_V4_URL") or fail("CI_API_V4_URL is not set")).rstrip("/")
            self.token = os.environ.get("VPCE_GITLAB_TOKEN") or fail("VPCE_GITLAB_TOKEN is not set")
            project = urllib.parse.quote(os.environ.get("CI_PROJECT_ID") or fail("CI_PROJECT_ID is not set"), safe="")
            iid = os.environ.get("CI_MERGE_REQUEST_IID") or fail("CI_MERGE_REQUEST_IID is not set")
            self.list_url = "%s/projects/%s/merge_requests/%s/notes" % (self.api, project, iid)
            self.item_url = self.list_url + "/%s"
            self.max = GITLAB_MAX
        else:
            fail("VPCE_FORGE must be github or gitlab")

    def request(self, method, url, body=None):
        data = json.dumps({"body": body}).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        if self.kind == "github":
            req.add_header("Authorization", "Bearer " + self.token)
            req.add_header("Accept", "application/vnd.github+json")
            req.add_header("X-GitHub-Api-Version", "2022-11-28")
        else:
            req.add_header("PRIVATE-TOKEN", self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            fail("%s %s: HTTP %d %s" % (method, url, e.code, e.read()[:200].decode("utf-8", "replace")))
        except urllib.error.URLError as e:
            fail("%s %s: %s" % (method, url, e.reason))

    def comments(self):
        out, page = [], 1
        while True:
            sep = "&" if "?" in self.list_url else "?"
            got = self.request("GET", "%s%sper_page=100&page=%d" % (self.list_url, sep, page))
            if not got:
                return out
            out.extend(got)
            if len(got) < 100:
                return out
            page += 1

    def create(self, body):
        self.request("POST", self.list_url, body)

    def update(self, cid, body):
        self.request("PATCH" if self.kind == "github" else "PUT", self.item_url % cid, body)

    def delete(self, cid):
        self.request("DELETE", self.item_url % cid)


def split(text, limit):
    """Pieces of text of at most limit characters, cut at line ends where possible."""
    out = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    out.append(text)
    return out


def main(argv):
    skip_no_changes = "--skip-no-changes" in argv
    files = [a for a in argv if a != "--skip-no-changes"]
    if not files:
        fail("usage: vpce-pr-comment.py [--skip-no-changes] PART.md [PART.md ...]")
    forge = Forge()
    room = forge.max - len(MARKER % 999) - 2
    bodies = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            bodies.extend(split(f.read(), room))
    existing = {}
    for c in forge.comments():
        body = c.get("body") or ""
        for n in range(1, 1000):
            if body.startswith(MARKER % n + "\n"):
                existing.setdefault(n, c["id"])
                break
    no_changes = len(bodies) == 1 and bodies[0].startswith("No changes.") and "\n" not in bodies[0].strip()
    if skip_no_changes and no_changes and 1 not in existing:
        print("vpce-pr-comment: no changes, nothing posted")
        return 0
    for n, body in enumerate(bodies, 1):
        text = MARKER % n + "\n" + body
        if n in existing:
            forge.update(existing[n], text)
            print("vpce-pr-comment: updated part %d" % n)
        else:
            forge.create(text)
            print("vpce-pr-comment: posted part %d" % n)
    for n, cid in sorted(existing.items()):
        if n > len(bodies):
            forge.delete(cid)
            print("vpce-pr-comment: deleted part %d" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
