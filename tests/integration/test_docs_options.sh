#!/usr/bin/env bash
# docs/cli.md names every option of every command (read from --help), so an option
# added without documentation fails here. (docs/config.md and the strata.yaml keys
# are checked by the config unit tests against src/config/schema.cpp.)
source "$(dirname "$0")/lib.sh"
TESTS_DIR="$TESTS_DIR" python3 - "$STRATA" "$TESTS_DIR/../../docs/cli.md" <<'PY'
import os, re, sys
sys.path.insert(0, os.environ["TESTS_DIR"])
import cli_help
strata, doc = sys.argv[1], open(sys.argv[2]).read()
missing = []
for path in cli_help.command_paths(strata, with_hidden=False):
    for name, _, _ in cli_help.options(strata, path):
        if name in ("--help", "--version"):
            continue
        if not re.search(re.escape(name) + r"(?![\w-])", doc):
            missing.append(f"strata {' '.join(path)} {name}")
if missing:
    sys.exit("FAIL: docs/cli.md does not name:\n  " + "\n  ".join(sorted(set(missing))))
print("docs/cli.md names every option")
PY
echo "ok"
