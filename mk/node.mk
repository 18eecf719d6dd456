# The Node binding (bindings-node/): the napi-rs addon and the `tidings` npm package, its
# examples (examples/node) and its benchmark (bench/node). npm packages come from the committed
# lock files (`npm ci`, without install scripts: the addon is built here, by @napi-rs/cli).
#
#   make build-node        npm ci + debug addon (bindings-node/tidings.<platform>.node)
#   make test-node         build-node, then the node --test suite: memory:// and a private
#                          redis-server the suite starts itself; the cross-language checks read
#                          Node's events with tidings-probe (the core) and with Python
#   make demo-node         examples/node/demo.mjs on $TIDINGS_URL (memory:// without it)
#   make bench-deps-node   release addon + bench/node's contenders (ioredis, node-redis v4)
#   make bench-node        bench/node/bench.mjs on a private redis-server (JSON lines)

TEST_PARTS += test-node
DEMO_PARTS += demo-node
BENCH_PARTS += bench-deps-node

NODE ?= node
NPM ?= npm
NODE_NPM_CI := $(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
NODE_ADDON_BUILD := cd bindings-node && $(NODE) scripts/build-addon.js

.PHONY: deps-node build-node test-node demo-node bench-deps-node bench-node

## Each package's node_modules, re-installed whenever its lock file changes.
%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && $(NODE_NPM_CI)

deps-node: bindings-node/node_modules/.package-lock.json examples/node/node_modules/.package-lock.json

build-node: deps-node
	$(NODE_ADDON_BUILD) --debug

test-node: build-node
	@scripts/ensure-redis.sh
	$(CARGO) build -q -p tidings-probe
	@# Python reads Node's events in the cross-language test when its binding can be built.
	@if $(MAKE) --no-print-directory -n build-python >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory build-python || exit 1; \
	fi
	cd bindings-node && $(NODE) --test --test-timeout=180000 --test-force-exit test/*.test.mjs

demo-node: build-node
	$(NODE) examples/node/demo.mjs

bench-deps-node: deps-node bench/node/node_modules/.package-lock.json
	$(NODE_ADDON_BUILD)

bench-node: bench-deps-node
	scripts/with-redis.sh $(NODE) bench/node/bench.mjs
