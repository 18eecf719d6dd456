#!/usr/bin/env bash
# Makes sure redis-server and redis-benchmark are installed (from Debian's packages when they
# are not). Tests start their own private server on a free port; nothing here starts one.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "ensure-redis: redis-server is missing and I cannot install it (not root, no sudo)" >&2
  exit 1
fi
echo "ensure-redis: installing redis-server and redis-tools from the OS packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
