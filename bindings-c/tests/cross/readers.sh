#!/usr/bin/env bash
# Prints the other bindings' history readers for the C cross-language test, separated by ';':
# each is a command run as `<reader> <url> <type>` that prints every event of <type> as one line
# of JSON (the envelope with its position). A binding that is not built yet is left out, and
# the C test says so.
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
here="$root/bindings-c/tests/cross"
readers=()
if [ -x "$root/.venv/bin/python" ] && "$root/.venv/bin/python" -c 'import tidings' >/dev/null 2>&1; then
  readers+=("$root/.venv/bin/python $here/read_history.py")
fi
if command -v node >/dev/null 2>&1 && (cd "$root/bindings-node" 2>/dev/null && node -e 'require(".")') >/dev/null 2>&1; then
  readers+=("node $here/read_history.mjs")
fi
(IFS=';'; echo "${readers[*]}")
