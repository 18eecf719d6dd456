#!/usr/bin/env bash
# Runs a command with TIDINGS_URL pointing at a private redis-server on a free loopback port,
# stopped afterwards. Leaves TIDINGS_URL alone when it is already set, and runs the command
# without it (so programs fall back to memory://) when no redis-server can be had.
set -euo pipefail
if [ -n "${TIDINGS_URL:-}" ]; then exec "$@"; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "with-redis: no redis-server on this machine; running without Redis" >&2
  exec "$@"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
  --daemonize no --logfile "$dir/redis.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 400); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
  sleep 0.025
done
export TIDINGS_URL="redis://127.0.0.1:$port/"
"$@"
