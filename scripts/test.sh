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
cargo nextest run --release --workspace --no-fail-fast
