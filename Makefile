# `sam build` (BuildMethod: makefile) calls `make build-<LogicalId>` for each function: its
# bootstrap is the binary of the same name built by cargo lambda with the `lambda` profile (fat
# LTO, one codegen unit, stripped) and without the embedded stores. ARCH must match the
# template's Architecture parameter: arm64 (default) or x86-64.
ARCH ?= arm64
LAMBDA_DIR ?= target/lambda-sam

build-%Function:
	cargo lambda build --profile lambda --no-default-features -p functions \
		--bin $(shell echo $* | tr A-Z a-z) --$(ARCH) --lambda-dir $(LAMBDA_DIR)
	cp $(LAMBDA_DIR)/$(shell echo $* | tr A-Z a-z)/bootstrap $(ARTIFACTS_DIR)/bootstrap
