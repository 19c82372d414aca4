#!/usr/bin/env python3
"""Drives every numeric option of every strata command with values outside its range.

Usage: numeric_sweep.py STRATA REPO_DIR

The commands and their options are read from `--help` (every subcommand, recursively,
plus the hidden pg workers), so an option added later is swept without editing this
file. A numeric option must show its type as N, DURATION or PERCENT and its range as
"(MIN to MAX)"; CLI11's own INT/UINT/FLOAT types (which accept -1 or absurd values) fail
the sweep. Each option gets -1, 0, MIN-1, MAX+1, a huge number and a non-number; every
value outside the range must exit 2 with one line naming the option, and the
repository must stay byte-identical (checked by the caller and after each command).
"""
import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_help  # noqa: E402

STRATA, REPO = sys.argv[1], sys.argv[2]
NUMERIC_TYPES = {"N", "DURATION", "PERCENT"}
RAW_CLI11_TYPES = {"INT", "UINT", "FLOAT", "NUMBER", "DOUBLE"}
RANGE = re.compile(r"\((-?[\d.]+)(s|min|h|d|y|%)? to (-?[\d.]+)(s|min|h|d|y|%)?\)\s*$")


def run(args):
    p = subprocess.run([STRATA] + args, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def numeric_options(path):
    found = []
    for name, kind, line in cli_help.options(STRATA, path):
        if not kind:
            continue
        kind = kind.split(":")[0].rstrip(".")
        if kind in RAW_CLI11_TYPES:
            sys.exit(f"FAIL: strata {' '.join(path)} {name} is a raw {kind} option: register it with "
                     "add_whole_option/add_duration_option/add_percent_option (src/cli/number_option.h)")
        if kind not in NUMERIC_TYPES:
            continue
        r = RANGE.search(line)
        if not r:
            sys.exit(f"FAIL: strata {' '.join(path)} {name} does not show its range: {line.strip()}")
        found.append((name, kind, r))
    return found


def bad_values(kind, r):
    lo, hi = float(r.group(1)), float(r.group(3))
    unit = r.group(2) or ""
    huge = "99999999999999999999999"
    if kind == "DURATION":
        vals = ["-1d", "0", "1", huge + "d", "abc", "5x"]
        vals.append(f"{int(hi) + 1}{r.group(4)}")
        return vals
    vals = ["-1", "0", huge, "abc", "", "1.5x"]
    step = 1 if kind == "N" else 0.001
    vals += [str(int(lo - 1)) if kind == "N" else f"{lo - step:g}", str(int(hi + 1)) if kind == "N" else f"{hi + step:g}"]
    def inside(v):
        try:
            x = float(v)
        except ValueError:
            return False
        return lo <= x <= hi and (kind != "N" or x == int(x))
    return [v for v in vals if not inside(v)]


def repo_digest():
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(REPO)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            st = os.lstat(p)
            h.update(f"{p} {st.st_size} {st.st_mtime_ns}\n".encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
        for d in dirs:
            h.update(f"dir {os.path.join(root, d)}\n".encode())
    return h.hexdigest()


def main():
    before = repo_digest()
    swept = 0
    for path in cli_help.command_paths(STRATA):
        for name, kind, r in numeric_options(path):
            for value in bad_values(kind, r):
                args = path + [f"{name}={value}"] if value.startswith("-") or value == "" else path + [name, value]
                rc, out, err = run(args)
                lines = [l for l in err.splitlines() if l.strip()]
                said = f"strata: error: {name}: must be" if value else f"strata: error: {name}"
                if rc != 2 or not lines or not lines[0].startswith(said):
                    sys.exit(f"FAIL: strata {' '.join(args)}: exit {rc}, stderr {err!r}, stdout {out[:300]!r}")
                if len(lines) != 1:
                    sys.exit(f"FAIL: strata {' '.join(args)}: more than one line on stderr: {err!r}")
                swept += 1
            if repo_digest() != before:
                sys.exit(f"FAIL: the repository changed while sweeping strata {' '.join(path)} {name}")
    print(f"swept {swept} bad values over every numeric option; repository unchanged")
    if swept < 150:
        sys.exit(f"FAIL: only {swept} values swept: did the help format change?")


main()
