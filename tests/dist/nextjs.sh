#!/usr/bin/env bash
# The Next.js example as its users run it: `npm ci` from its committed lock file (which installs
# the npm tarball from dist/), `next build`, then its test, which serves the SSE route with
# `next start` and reads it with a real HTTP client. run.sh runs it with Rust's tools off the
# PATH. Needs TIDINGS_URL (a private redis-server).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
example=$root/examples/node/nextjs
export NEXT_TELEMETRY_DISABLED=1
cd "$example"
echo "[dist] next.js: npm ci (the tarball and the locked Next.js)"
rm -rf node_modules .next
npm ci --no-audit --no-fund --loglevel=error
cmp node_modules/tidings/tidings.linux-x64-gnu.node "$root/build/dist/npm-package/tidings.linux-x64-gnu.node" \
  || { echo "[dist] npm installed another addon than the one packed" >&2; exit 1; }
echo "[dist] next.js: next build"
npx --no-install next build >/dev/null
echo "[dist] next.js: next start, SSE and Last-Event-ID over HTTP"
node --test --test-force-exit test/sse.test.mjs
