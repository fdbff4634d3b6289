#!/usr/bin/env bash
# The five functions as Lambda runs them, on this machine and without Docker: their binaries
# (the `lambda` profile, no embedded stores) under cargo-lambda's Lambda Runtime API emulator.
#
#   scripts/local-lambda.sh build         build the five binaries, print their sizes
#   scripts/local-lambda.sh start         emulator on :9000 + the five functions, configured by
#                                         .env / the environment (Ctrl-C stops everything)
#   scripts/local-lambda.sh cold-start [N] [FUNCTION PATH]
#                                         exec → first answer (ops /health by default), N runs
#
# Requests: function URLs at http://127.0.0.1:9000/lambda-url/<function>/<path>; SQS and
# schedule events by POST http://127.0.0.1:9000/2015-03-31/functions/<function>/invocations
# (see events/). Needs `pip install cargo-lambda==1.9.2` (scripts/services.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
FUNCTIONS=(processing chat poller worker ops)
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/lambda"
PORT="${LAMBDA_EMULATOR_PORT:-9000}"

build() {
  cargo build --profile lambda -p functions --no-default-features --bins
  for f in "${FUNCTIONS[@]}"; do
    awk -v f="$f" -v b="$(stat -c %s "$BIN/$f")" 'BEGIN { printf "%-11s %6.1f MB\n", f, b / 1048576 }'
  done
}

emulator() {
  cargo lambda watch --only-lambda-apis -A 127.0.0.1 -P "$PORT" >"${TMPDIR:-/tmp}/falsafa-emulator.log" 2>&1 &
  EMULATOR=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the emulator did not start; see ${TMPDIR:-/tmp}/falsafa-emulator.log" >&2
  exit 1
}

run_function() { # name
  AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$PORT/.rt/$1" AWS_LAMBDA_FUNCTION_NAME="$1" \
    AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512 "$BIN/$1"
}

load_env() {
  if [ -f .env ]; then set -a; . ./.env; set +a; fi
}

case "${1:-}" in
  build) build ;;
  start)
    [ -x "$BIN/ops" ] || build
    load_env
    emulator
    pids=("$EMULATOR")
    for f in "${FUNCTIONS[@]}"; do run_function "$f" & pids+=($!); done
    trap 'kill "${pids[@]}" 2>/dev/null' EXIT INT TERM
    echo "functions at http://127.0.0.1:$PORT/lambda-url/{processing,chat,ops}/…;"
    echo "invoke poller and worker at http://127.0.0.1:$PORT/2015-03-31/functions/<name>/invocations"
    wait
    ;;
  cold-start)
    [ -x "$BIN/ops" ] || build
    load_env
    : "${REDIS_URL:?set REDIS_URL (and DATABASE_URL) as the functions would have them}"
    emulator
    trap 'kill "$EMULATOR" 2>/dev/null' EXIT
    runs="${2:-5}"
    fn_name="${3:-ops}"
    path="${4:-/health}"
    times=()
    for _ in $(seq 1 "$runs"); do
      # The request waits in the emulator; the clock starts when the function is executed.
      curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/lambda-url/$fn_name$path" >/tmp/falsafa-cold.code &
      client=$!
      sleep 0.3
      t0=$(date +%s%N)
      run_function "$fn_name" >/dev/null 2>&1 &
      fn=$!
      wait "$client"
      t1=$(date +%s%N)
      kill "$fn" 2>/dev/null; wait "$fn" 2>/dev/null || true
      code=$(cat /tmp/falsafa-cold.code)
      [ "$code" -gt 0 ] && [ "$code" -lt 500 ] || { echo "$fn_name answered $code" >&2; exit 1; }
      times+=($(( (t1 - t0) / 1000 )))
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    echo "$fn_name cold start (exec → first answer of $path, HTTP $code), µs: ${times[*]}"
    awk -v us="${sorted[$(( runs / 2 ))]}" 'BEGIN { printf "median: %.1f ms\n", us / 1000 }'
    ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
