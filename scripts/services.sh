#!/usr/bin/env bash
# Starts, on loopback, the services the tests use when they are not already running.
# Idempotent: safe to run again. The embedded defaults need none of them.
set -euo pipefail
echo "services: nothing needed yet for the embedded adapters"
