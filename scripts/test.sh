#!/usr/bin/env bash
# The test command (README): starts what the tests need, then lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings
cargo nextest run --release --workspace --no-fail-fast
