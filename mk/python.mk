# The Python binding (bindings-python/): the `tidings` package built by maturin into a
# project-local virtual environment (.venv) with the pinned tools of
# bindings-python/requirements-dev.txt.
#
#   make test-python         debug build into .venv, then the pytest suite (memory:// and a
#                            private redis-server the suite starts itself)
#   make demo-python         examples/python/demo.py on $TIDINGS_URL (memory:// without it)
#   make bench-deps-python   release build into .venv, for bench/python/bench.py

TEST_PARTS += test-python
DEMO_PARTS += demo-python
BENCH_PARTS += bench-deps-python

PYTHON ?= python3
VENV := $(CURDIR)/.venv
VENV_PYTHON := $(VENV)/bin/python
PY_REQUIREMENTS := bindings-python/requirements-dev.txt
MATURIN_DEVELOP := cd bindings-python && VIRTUAL_ENV=$(VENV) $(VENV)/bin/maturin develop --quiet

.PHONY: venv-python build-python test-python demo-python bench-deps-python

## The virtual environment, re-synced whenever the pinned requirements change.
$(VENV)/.requirements: $(PY_REQUIREMENTS)
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check -r $(PY_REQUIREMENTS)
	cp $(PY_REQUIREMENTS) $@

venv-python: $(VENV)/.requirements

build-python: venv-python
	$(MATURIN_DEVELOP)

test-python: build-python
	@scripts/ensure-redis.sh
	$(CARGO) build -q -p tidings-probe
	cd bindings-python && $(VENV_PYTHON) -m pytest -q -p no:cacheprovider

demo-python: build-python
	$(VENV_PYTHON) examples/python/demo.py

bench-deps-python: venv-python
	$(MATURIN_DEVELOP) --release
