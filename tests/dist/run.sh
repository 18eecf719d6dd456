#!/usr/bin/env bash
# Installs each artefact of `make dist` away from the checkout, as a registry user gets it, and
# checks that it works: the wheel into a fresh venv, the npm tarball into a fresh folder (and
# the same package through `npm install --install-links` from its folder), the C tarball into a
# fresh prefix with an example built by pkg-config. Every install and run happens with Rust's
# tools off the PATH, so none of them can compile anything. Then the checks the checkout has
# run against what was installed (mypy --strict and py.typed; ESM, CJS and the type
# declarations), the three demos share one Redis and see each other's events, the Next.js
# example is built and served, and the sdist builds from source.
# Needs TIDINGS_URL (a private redis-server: `make test-dist` runs this under with-redis.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dist=$root/dist
version=$(python3 "$root/scripts/version.py")
: "${TIDINGS_URL:?tests/dist/run.sh needs TIDINGS_URL: a private redis-server (make test-dist gives one)}"
work=$(mktemp -d -t tidings-dist.XXXXXX)
trap 'rm -rf "$work"' EXIT
step() { echo "[dist] $*"; }
fail() { echo "[dist] FAILED: $*" >&2; exit 1; }
# Seconds since `start=$(now)`, to one decimal.
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

wheel=$(ls "$dist"/tidings-"$version"-*.whl)
sdist=$dist/tidings-$version.tar.gz
npm_tarball=$dist/tidings-$version.tgz
c_tarball=$(ls "$dist"/libtidings-"$version"-linux-*.tar.gz)

# Rust's tools replaced by stubs that fail, first on the PATH: anything that tries to compile
# fails and leaves a mark, which the end of the script looks for. (`--version` leaves none:
# pip asks rustc for it, for its user agent.)
mkdir "$work/no-rust"
for tool in cargo rustc rustup; do
  printf '#!/bin/sh\n[ "$*" = --version ] || echo "tests/dist: %s was called: $*" >>"%s"\nexit 127\n' \
    "$tool" "$work/rust-called" >"$work/no-rust/$tool"
  chmod +x "$work/no-rust/$tool"
done
without_rust() { env PATH="$work/no-rust:$PATH" "$@"; }
without_rust sh -c '! cargo --version' >/dev/null 2>&1 || fail "cargo still runs"
rm -f "$work/rust-called"

step "python: pip install $(basename "$wheel") into a fresh venv"
python3 -m venv "$work/venv"
start=$(now)
without_rust "$work/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$wheel"
step "python: installed in $(since "$start") s"
mkdir "$work/py-run"
(cd "$work/py-run" && without_rust "$work/venv/bin/python" - "$version" <<'PY'
import pathlib, sys
import tidings
assert tidings.__version__ == sys.argv[1], (tidings.__version__, sys.argv[1])
assert "site-packages" in pathlib.Path(tidings.__file__).parts, tidings.__file__
PY
)
# The demos' events are told from older ones on a shared server by their time.
demos_since=$(date +%s%3N)
(cd "$work/py-run" && without_rust "$work/venv/bin/python" "$root/examples/python/demo.py" >/dev/null)
(cd "$root/bindings-python" && TIDINGS_INSTALLED_PYTHON="$work/venv/bin/python" \
  "$root/.venv/bin/python" -m pytest -q -p no:cacheprovider tests/test_typing.py -k installed)

step "node: npm install $(basename "$npm_tarball") into a fresh folder"
node_app=$work/node-app
mkdir -p "$node_app/test"
echo '{ "name": "tidings-dist-check", "private": true, "type": "module" }' > "$node_app/package.json"
start=$(now)
(cd "$node_app" && without_rust npm install --no-audit --no-fund --loglevel=error "$npm_tarball")
step "node: installed in $(since "$start") s"
cmp "$node_app/node_modules/tidings/tidings.linux-x64-gnu.node" "$root/build/dist/npm-package/tidings.linux-x64-gnu.node" \
  || fail "npm installed another addon than the one packed (a stale cache?)"
cp "$root/bindings-node/test/package.test.mjs" "$node_app/test/"
cp -r "$root/bindings-node/test/types" "$node_app/test/"
cp "$root/examples/node/demo.mjs" "$root/tests/dist/sources.mjs" "$node_app/"
# TypeScript for the declaration checks comes from the checkout's locked dev dependencies.
(cd "$node_app" && without_rust env NODE_PATH="$root/bindings-node/node_modules" \
  node --test --test-force-exit test/package.test.mjs)
(cd "$node_app" && without_rust node demo.mjs >/dev/null)

step "node: npm install --install-links from the package's folder"
links_app=$work/links-app
mkdir "$links_app" && echo '{ "private": true }' > "$links_app/package.json"
(cd "$links_app" && without_rust npm install --no-audit --no-fund --loglevel=error --install-links "$root/build/dist/npm-package")
(cd "$links_app" && without_rust node -e "require('tidings').connect().then((bus) => bus.close())")
step "node: npm install --install-links from the checkout's bindings-node (its built addon)"
(cd "$links_app" && rm -rf node_modules package-lock.json && \
  without_rust npm install --no-audit --no-fund --loglevel=error --install-links "$root/bindings-node")
(cd "$links_app" && without_rust node -e "require('tidings').connect().then((bus) => bus.close())")
step "node: a copy with neither an addon nor the source says so at install"
bare=$work/bare-package
mkdir "$bare" && cp -r "$root/bindings-node/"{package.json,index.js,index.mjs,index.d.ts,testing.js,testing.mjs,testing.d.ts,lib,scripts} "$bare/"
rm -rf "$links_app/node_modules" "$links_app/package-lock.json"
if (cd "$links_app" && without_rust npm install --no-audit --no-fund --loglevel=error --install-links "$bare" >"$work/bare.log" 2>&1); then
  fail "a package without an addon installed"
fi
grep -q "no source to build one" "$work/bare.log" || { cat "$work/bare.log" >&2; fail "the install did not say why it failed"; }

step "c: $(basename "$c_tarball") unpacked into a fresh prefix"
mkdir "$work/c-prefix"
tar -C "$work/c-prefix" -xzf "$c_tarball"
prefix=$(ls -d "$work"/c-prefix/libtidings-*)
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion tidings)" = "$version" ] || fail "tidings.pc says $(pkg-config --modversion tidings)"
[ "$(pkg-config --variable=libdir tidings)" -ef "$prefix/lib" ] || fail "tidings.pc does not point into where it was unpacked"
cat > "$work/version.c" <<'C'
#include <stdio.h>
#include <tidings.h>
int main(void) { puts(tidings_version()); return 0; }
C
without_rust cc "$work/version.c" -o "$work/c-version" $(pkg-config --cflags --libs tidings) -Wl,-rpath,"$prefix/lib"
[ "$("$work/c-version")" = "$version" ] || fail "tidings_version() says $("$work/c-version")"
without_rust make --no-print-directory -s -C "$root/examples/c" BUILD_DIR="$work/c-static" STATIC=1 >/dev/null
without_rust make --no-print-directory -s -C "$root/examples/c" BUILD_DIR="$work/c-shared" >/dev/null
linked=$(ldd "$work/c-shared/tidings-example-c" | sed -n 's/.*libtidings[^ ]* => \([^ ]*\) .*/\1/p')
[ "$(dirname "$(realpath "$linked")")" = "$(realpath "$prefix/lib")" ] || fail "the example links $linked, not the unpacked libtidings.so"
"$work/c-static/tidings-example-c" >/dev/null
"$work/c-shared/tidings-example-c" >/dev/null

step "all three: each demo's events are in the others' history"
(cd "$node_app" && without_rust node sources.mjs "$demos_since" examples/python examples/node examples/c)

without_rust "$root/tests/dist/nextjs.sh"

[ ! -e "$work/rust-called" ] || { cat "$work/rust-called" >&2; fail "an install or a run called Rust's tools"; }

step "python: the sdist builds from source (the one step here that compiles Rust)"
tar -C "$work" -xzf "$sdist"
# A target directory of its own: sharing one between two copies of the workspace mixes their
# artefacts.
(cd "$work/tidings-$version" && CARGO_TARGET_DIR="$root/build/sdist-target" \
  "$root/.venv/bin/maturin" build --quiet --profile dev --out "$work/sdist-wheel" >/dev/null)
python3 -m venv "$work/sdist-venv"
"$work/sdist-venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$work/sdist-wheel"/tidings-"$version"-*.whl
(cd "$work/py-run" && "$work/sdist-venv/bin/python" -c "
import sys, tidings
assert tidings.__version__ == sys.argv[1]
bus = tidings.connect_sync('memory://')
bus.emit('sdist.built', {'ok': True})
assert [e.type for e in bus.history('sdist.*')] == ['sdist.built']
bus.close()" "$version")
step "every artefact installed and worked"
