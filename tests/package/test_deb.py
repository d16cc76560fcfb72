#!/usr/bin/env python3
"""test_deb.py BUILD_DIR: builds the Debian package with cpack from the build tree (into a
temporary directory) and checks with `dpkg-deb -c` and `-f` that it installs the binary, the
man page and both completions under /usr, and that the man page documents `vpce check`.
Skipped (exit 77) where cpack or dpkg-deb is missing."""
import glob
import gzip
import io
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    build = os.path.abspath(sys.argv[1])
    if not shutil.which("cpack") or not shutil.which("dpkg-deb"):
        print("cpack or dpkg-deb missing: skipped")
        return 77
    out = tempfile.mkdtemp(prefix="vpce-deb-")
    try:
        p = subprocess.run(["cpack", "-G", "DEB", "-B", out, "--config",
                            os.path.join(build, "CPackConfig.cmake")],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print(p.stdout, p.stderr)
            return 1
        debs = glob.glob(os.path.join(out, "*.deb"))
        if len(debs) != 1:
            print("expected one .deb, got %r" % debs)
            return 1
        listing = subprocess.run(["dpkg-deb", "-c", debs[0]], capture_output=True, text=True,
                                 check=True).stdout
        names = {line.split()[-1] for line in listing.splitlines() if line.strip()}
        want = ["./usr/bin/vpce", "./usr/share/man/man1/vpce.1",
                "./usr/share/bash-completion/completions/vpce",
                "./usr/share/zsh/vendor-completions/_vpce"]
        missing = [w for w in want if w not in names and w + ".gz" not in names]
        if missing:
            print("missing from the package: %r\n%s" % (missing, listing))
            return 1
        fields = subprocess.run(["dpkg-deb", "-f", debs[0], "Package", "Version", "Depends"],
                                capture_output=True, text=True, check=True).stdout
        if "Package: vpce" not in fields or "libjansson" not in fields:
            print("unexpected control fields:\n" + fields)
            return 1
        x = tempfile.mkdtemp(prefix="vpce-deb-x-")
        subprocess.run(["dpkg-deb", "-x", debs[0], x], check=True)
        man = glob.glob(os.path.join(x, "usr/share/man/man1/vpce.1*"))[0]
        text = gzip.open(man, "rt").read() if man.endswith(".gz") else open(man).read()
        shutil.rmtree(x)
        if '.SS "vpce check"' not in text or "\\-markdown\\-split" not in text:
            print("the man page lacks vpce check or -markdown-split")
            return 1
        print("ok: %s" % os.path.basename(debs[0]))
        return 0
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
