#!/usr/bin/env bash
# Makes sure what the C binding's tests need is installed (from Debian's packages when it is
# not): a C compiler, make, pkg-config, valgrind, readelf (`make install-c` checks the soname)
# and jansson (the tests' JSON reader).
set -euo pipefail
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists jansson; then
  missing+=(libjansson-dev)
fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "ensure-c-tools: missing ${missing[*]} and I cannot install them (not root, no sudo)" >&2
  exit 1
fi
echo "ensure-c-tools: installing ${missing[*]} from the OS packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
