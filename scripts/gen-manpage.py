#!/usr/bin/env python3
"""gen-manpage.py VPCE OUT: writes the vpce(1) man page to OUT from the binary's own help texts.

Run at build time (CMake target `manpage`): the page lists every command of `vpce -help` with the
exact text of `vpce COMMAND -help`, so the man page and -help cannot disagree. Standard library
only."""
import re
import subprocess
import sys


def run(binary, *args):
    p = subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=60,
                       env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    return p.stdout


def esc(line):
    line = line.replace("\\", "\\e").replace("-", "\\-")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gen-manpage.py VPCE OUT\n")
        return 2
    binary, out = sys.argv[1], sys.argv[2]
    top = run(binary, "-help")
    version = run(binary, "version").strip().replace("vpce v", "")
    intro, _, rest = top.partition("Commands:\n")
    commands = []
    for line in rest.splitlines():
        m = re.match(r"^  (\S+)\s+(.*)$", line)
        if m:
            commands.append((m.group(1), m.group(2)))
    about = [l for l in intro.splitlines()[1:] if l.strip()]
    page = [
        '.TH VPCE 1 "" "vpce %s" "User Commands"' % version,
        ".SH NAME",
        "vpce \\- plan and apply AWS VPC endpoints described in .vpce files",
        ".SH SYNOPSIS",
        ".B vpce",
        "[\\-chdir=DIR] [\\-no\\-color]",
        ".I command",
        "[args]",
        ".SH DESCRIPTION",
    ]
    page += [esc(l) for l in about]
    page += [".PP", "Every command takes \\fB\\-help\\fR, which prints the text shown below.",
             ".SH COMMANDS"]
    for name, summary in commands:
        page += ['.SS "vpce %s"' % name, esc(summary) + ".", ".PP", ".nf"]
        page += [esc(l) for l in run(binary, name, "-help").rstrip("\n").splitlines()]
        page += [".fi"]
    page += [
        ".SH EXIT STATUS",
        "0 success; 1 error; 2 changes present (\\fBplan \\-detailed\\-exitcode\\fR);",
        "3 warnings only (\\fBcheck\\fR).",
        ".SH ENVIRONMENT",
        ".TP", "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE",
        "Credentials, as the AWS SDKs find them.",
        ".TP", "AWS_REGION, AWS_DEFAULT_REGION", "The region when the provider block names none.",
        ".TP", "AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL", "Another EC2 endpoint (local emulators).",
        ".TP", "VPCE_VAR_\\fIname\\fR", "The value of variable \\fIname\\fR.",
        ".TP", "VPCE_LOG", "error, warn, info, debug or trace: log to standard error.",
        ".TP", "NO_COLOR", "No colours.",
        ".SH FILES",
        ".TP", "*.vpce", "The configuration: every such file of the directory.",
        ".TP", "vpce.db", "The state (SQLite), beside the configuration.",
        ".SH SEE ALSO",
        "The README of the vpce sources.",
    ]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(page) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
