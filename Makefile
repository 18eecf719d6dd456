# One command for each thing a person does: `make demo`, `make test`, `make bench`.
# Each installs what it needs (redis-server from the OS packages, crates through cargo, Python
# tools into .venv, npm packages from the committed lock file). Each binding adds its own
# targets in mk/<binding>.mk and appends them to DEMO_PARTS, TEST_PARTS and BENCH_PARTS
# (mk/dist.mk, which installs the built artefacts, to TEST_LAST).

SHELL := /bin/bash
CARGO ?= cargo
# The one version of tidings (set in Cargo.toml; scripts/version.py says where it is repeated).
TIDINGS_VERSION := $(shell python3 scripts/version.py)
DEMO_PARTS := demo-rust
TEST_PARTS := lint test-rust
TEST_LAST :=
BENCH_PARTS :=

-include mk/*.mk

.PHONY: demo test bench lint test-rust demo-rust deps-redis install

deps-redis:
	@scripts/ensure-redis.sh || echo "make: continuing without redis-server" >&2

## demo: emit, subscribe with a pattern and read history in every language, on one private
## redis-server (or $TIDINGS_URL); on memory:// when no Redis can be had.
demo: deps-redis
	scripts/with-redis.sh $(MAKE) --no-print-directory $(DEMO_PARTS)

demo-rust:
	$(CARGO) build -q -p tidings-example
	target/debug/tidings-demo

## test: every test of every layer.
# TEST_LAST runs after the rest has finished, also under `make -j`.
test: $(TEST_PARTS)
	@$(if $(TEST_LAST),$(MAKE) --no-print-directory $(TEST_LAST))

lint:
	@scripts/ensure-redis.sh
	$(CARGO) fmt --all -- --check
	python3 scripts/version.py check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

## bench: the contenders side by side, one run, one table.
bench: deps-redis $(BENCH_PARTS)
	$(CARGO) build --release -p tidings-bench
	target/release/tidings-bench $(BENCH_ARGS)
