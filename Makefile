# One command for each thing a person does: `make demo`, `make test`, `make bench`.
# Each installs what it needs (redis-server from the OS packages, crates through cargo).

SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test bench lint test-rust deps-redis

deps-redis:
	@scripts/ensure-redis.sh || echo "make: continuing without redis-server" >&2

## demo: emit, subscribe with a pattern and read history, on a private redis-server
## (or $TIDINGS_URL); on memory:// when no Redis can be had.
demo: deps-redis
	$(CARGO) build -q -p tidings-example
	scripts/with-redis.sh target/debug/tidings-demo

## test: every test of every layer.
test: lint test-rust

lint:
	@scripts/ensure-redis.sh
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

## bench: the contenders side by side, one run, one table.
bench: deps-redis
	$(CARGO) build --release -p tidings-bench
	target/release/tidings-bench $(BENCH_ARGS)
