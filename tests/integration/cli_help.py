"""The strata command tree as its --help shows it: every command path (recursively,
plus the hidden pg workers) and the options of each. Shared by the tests that hold
options to their rules (numeric_sweep.py) and to their documentation (docs_options.py)."""
import re
import subprocess
import sys

HIDDEN = [["pg", "wal-push-worker"], ["pg", "wal-get-worker"]]
OPTION_LINE = re.compile(r"^\s+(?:-\w,)?(--[\w-]+)(?:,-\w)?(?:\s+(\S+))?\s")


def help_text(strata, path):
    p = subprocess.run([strata] + path + ["--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"FAIL: strata {' '.join(path)} --help exited {p.returncode}: {p.stderr}")
    return p.stdout


def subcommands(text):
    section = text.split("Subcommands:")[1] if "Subcommands:" in text else ""
    return [m.group(1) for m in re.finditer(r"^  ([a-z][\w-]*)\s", section, re.M)]


def command_paths(strata, with_hidden=True):
    paths, todo = [], [[]]
    while todo:
        path = todo.pop()
        paths.append(path)
        todo.extend(path + [s] for s in subcommands(help_text(strata, path)))
    return paths + (HIDDEN if with_hidden else [])


def options(strata, path):
    """(name, type or None, the whole help line) for each option of the command."""
    found = []
    for line in help_text(strata, path).split("Subcommands:")[0].splitlines():
        m = OPTION_LINE.match(line)
        if m:
            found.append((m.group(1), m.group(2), line))
    return found
