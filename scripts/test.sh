#!/usr/bin/env bash
# The test command (README): starts what the tests need, then lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
# The SAM template: cfn-lint pinned (later versions skip SAM resources).
cfn-lint --version 2>/dev/null | grep -q "1.53.3" || { python3 -m pip install --quiet cfn-lint==1.53.3; pyenv rehash 2>/dev/null || true; }
cfn-lint template.yaml
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings
# The five Lambda functions as they ship, without the embedded stores: linted, built, and run
# under the Lambda Runtime API emulator by tests/lambda_runtime.rs.
cargo clippy --release -p functions --no-default-features --bins -- -D warnings
# The runner without the in-process embedder (a smaller `falsafa`).
cargo clippy --release -p functions --no-default-features --features embedded --bins -- -D warnings
cargo build --release -p functions --no-default-features --bins
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target/lambda-bins"
for f in processing chat poller worker ops; do cp "$target/release/$f" "$target/lambda-bins/"; done
export FALSAFA_LAMBDA_BIN_DIR="$PWD/$target/lambda-bins"
[ "${target#/}" != "$target" ] && export FALSAFA_LAMBDA_BIN_DIR="$target/lambda-bins"
cargo nextest run --release --workspace --no-fail-fast
