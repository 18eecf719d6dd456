# The artefacts a registry user installs, built once in the `dist` profile into dist/, and the
# test that installs each one away from the checkout with Rust off the PATH.
#
#   make dist        dist/tidings-<v>-cp39-abi3-<platform>.whl and dist/tidings-<v>.tar.gz (maturin),
#                    dist/tidings-<v>.tgz (npm, with the prebuilt linux-x64-gnu addon),
#                    dist/libtidings-<v>-linux-<arch>.tar.gz (C: libraries, header, pkg-config file)
#   make test-dist   make dist, then tests/dist/run.sh on a private redis-server: each artefact
#                    installed into a fresh venv / folder / prefix, the package and typing checks
#                    against what was installed, the Next.js example built and served, the sdist
#                    built from source

# Last in `make test`: it installs what the other parts built and tested.
TEST_LAST += test-dist

DIST_DIR := $(CURDIR)/dist
DIST_STAGE := $(CURDIR)/build/dist
C_DIST_NAME := libtidings-$(TIDINGS_VERSION)-linux-$(shell uname -m)

.PHONY: dist dist-python dist-node dist-c test-dist

dist: dist-python dist-node dist-c

dist-python: venv-python
	@mkdir -p $(DIST_DIR)
	rm -f $(DIST_DIR)/tidings-*.whl $(DIST_DIR)/tidings-[0-9]*.tar.gz
	cd bindings-python && $(VENV)/bin/maturin build --quiet --profile dist --out $(DIST_DIR)
	cd bindings-python && $(VENV)/bin/maturin sdist --out $(DIST_DIR)
	@test -f $(DIST_DIR)/tidings-$(TIDINGS_VERSION).tar.gz

## The package is staged in build/dist/npm-package (the folder `npm pack` packs), with the
## addon built straight into it.
dist-node: deps-node
	@mkdir -p $(DIST_DIR)
	rm -f $(DIST_DIR)/tidings-*.tgz
	$(NODE) bindings-node/scripts/stage-package.js $(DIST_STAGE)/npm-package
	$(NODE_ADDON_BUILD) --profile dist --output-dir $(DIST_STAGE)/npm-package
	cd $(DIST_STAGE)/npm-package && $(NPM) pack --quiet --pack-destination $(DIST_DIR) >/dev/null

dist-c: deps-c
	@mkdir -p $(DIST_DIR)
	rm -rf $(DIST_STAGE)/$(C_DIST_NAME) $(DIST_DIR)/libtidings-*.tar.gz
	$(MAKE) --no-print-directory install-c C_PROFILE=dist PREFIX= DESTDIR=$(DIST_STAGE)/$(C_DIST_NAME)
	@# The prefix is wherever the tarball is unpacked: pkg-config knows where the .pc file is.
	sed -i 's|^prefix=.*|prefix=$${pcfiledir}/../..|' $(DIST_STAGE)/$(C_DIST_NAME)/lib/pkgconfig/tidings.pc
	cp bindings-c/README.md LICENSE $(DIST_STAGE)/$(C_DIST_NAME)/
	tar -C $(DIST_STAGE) -czf $(DIST_DIR)/$(C_DIST_NAME).tar.gz $(C_DIST_NAME)

test-dist: dist build-python build-node
	@scripts/ensure-redis.sh
	scripts/with-redis.sh tests/dist/run.sh
